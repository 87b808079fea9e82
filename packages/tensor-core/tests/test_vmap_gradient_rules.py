"""The batching rules of tensor-core's backward ops: jacrev (a batch of cotangents through one backward pass) and
jacfwd (a batch of tangents, through the ops' double vjps) must run them batched and equal their per-element
loops."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tocha
from tocha import _vmap, _vmap_rules, func
from tocha.testing import assert_close

pytestmark = pytest.mark.autograd


def _t(*shape: int, seed: int = 0) -> tocha.Tensor:
    return tocha.from_numpy(np.random.default_rng(seed).standard_normal(shape))


@pytest.fixture
def no_per_op_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any op running once per entry (no rule, or a rule's fallback) fails the batched run."""

    def refuse(call: Any, *args: Any) -> Any:
        raise AssertionError(f"{call.op.name} ran once per entry")

    monkeypatch.setattr(_vmap, "loop", refuse)
    monkeypatch.setattr(_vmap_rules, "loop", refuse)


def _jacobians(monkeypatch: pytest.MonkeyPatch, f: Callable[[tocha.Tensor], tocha.Tensor], x: tocha.Tensor) -> None:
    """jacrev and jacfwd of ``f`` run batched (checked by spies) and equal their per-element loops."""
    ran: list[bool] = []
    rows, columns = func._batched_vjp_rows, func._batched_columns

    def rows_spy(*args: Any) -> Any:
        result = rows(*args)
        ran.append(result is not None)
        return result

    def columns_spy(*args: Any) -> Any:
        result = columns(*args)
        ran.append(result is not None)
        return result

    with monkeypatch.context() as m:
        m.setattr(func, "_batched_vjp_rows", rows_spy)
        m.setattr(func, "_batched_columns", columns_spy)
        batched_rev, batched_fwd = func.jacrev(f)(x), func.jacfwd(f)(x)
    assert ran == [True, True], "a batched run fell back to the per-element loop"
    with monkeypatch.context() as m:
        m.setattr(func, "_batched_vjp_rows", lambda *args: None)
        m.setattr(func, "_batched_columns", lambda *args: None)
        m.setattr(_vmap, "loop", _ORIGINAL_LOOP)
        m.setattr(_vmap_rules, "loop", _ORIGINAL_LOOP)
        looped_rev, looped_fwd = func.jacrev(f)(x), func.jacfwd(f)(x)
    assert_close(batched_rev, looped_rev, rtol=1e-12, atol=1e-14)
    assert_close(batched_fwd, looped_fwd, rtol=1e-12, atol=1e-14)
    assert_close(batched_fwd, batched_rev, rtol=1e-10, atol=1e-12)


_ORIGINAL_LOOP = _vmap.loop
IDX = tocha.tensor([[2, 0], [1, 1]])
WITH_ZEROS = tocha.tensor([[1.5, 0.0, 2.0, -1.0], [0.5, 3.0, 0.0, 0.0], [2.0, -0.5, 1.0, 4.0]], dtype=tocha.float64)

FUNCTIONS: list[tuple[str, Callable[[tocha.Tensor], tocha.Tensor]]] = [
    ("softmax", lambda x: x.softmax(-1) * x),
    ("log_softmax over dim 0", lambda x: x.log_softmax(0).exp() + x.log_softmax(0)),
    ("cumsum", lambda x: x.cumsum(1).sin()),
    ("cumprod through zeros", lambda x: (x * WITH_ZEROS).cumprod(1)),
    ("max and amin along a dim", lambda x: x.max(1).values * x.amin(0).sum()),
    ("prod, whole and along a dim", lambda x: x.prod(1) * x.prod()),
    ("select, narrow", lambda x: x.select(1, 2) * x.narrow(0, 1, 2).sum(0)[:3]),
    ("diagonal", lambda x: x.diagonal(1) * x.diagonal(-1, 0, 1).sum()),
    ("unfold", lambda x: x.unfold(1, 2, 1).sin()),
    ("gather", lambda x: x.gather(1, tocha.tensor([[3, 0], [1, 1], [2, 3]])) ** 2),
    ("basic indexing", lambda x: x[1:, ::2].exp() + x[0, 1]),
    ("take", lambda x: x.take(tocha.tensor([[0, 5], [-1, 5]])).cos()),
    ("advanced indexing, first dim", lambda x: x[IDX] * 2),
    ("advanced indexing, second dim", lambda x: x[:, IDX].sin()),
    ("advanced indexing, two dims apart", lambda x: x.view(3, 2, 2)[IDX, :, IDX.flip(0) % 2].tanh()),
    ("advanced indexing after a slice", lambda x: x.view(3, 2, 2)[1:, IDX[0] % 2, IDX[1]]),
    ("sin", lambda x: x.sin() * x),
]


@pytest.mark.parametrize(("name", "f"), FUNCTIONS, ids=[name for name, _ in FUNCTIONS])
def test_jacobians_run_backward_ops_batched(
    monkeypatch: pytest.MonkeyPatch, no_per_op_loop: None, name: str, f: Callable[[tocha.Tensor], tocha.Tensor]
) -> None:
    _jacobians(monkeypatch, f, _t(3, 4))


def test_is_grads_batched_runs_indexing_gradients_batched(no_per_op_loop: None) -> None:
    monkeypatch_free_x = _t(3, 4).requires_grad_()
    y = monkeypatch_free_x[:, IDX].log_softmax(-1).cumsum(0)
    cotangents = _t(5, *y.shape, seed=1)
    (batched,) = tocha.autograd.grad(y, monkeypatch_free_x, cotangents, is_grads_batched=True, retain_graph=True)
    looped = [tocha.autograd.grad(y, monkeypatch_free_x, c, retain_graph=True)[0] for c in cotangents]
    assert_close(batched, tocha.stack(looped), rtol=1e-12, atol=1e-14)


def test_hessian_of_a_reduction_runs_batched(monkeypatch: pytest.MonkeyPatch, no_per_op_loop: None) -> None:
    monkeypatch.setattr(_vmap, "LOOP_FALLBACK", False)

    def energy(x: tocha.Tensor) -> tocha.Tensor:
        return (x.softmax(-1) * x[:, IDX[0]].sum(-1, keepdim=True)).sum() + x.logsumexp(0).sum()

    x = _t(3, 4)
    h = func.hessian(energy)(x)
    flat = x.reshape(-1)
    expected = func.jacrev(func.jacrev(lambda v: energy(v.view(3, 4))))(flat)
    assert_close(h.reshape(12, 12), expected, rtol=1e-10, atol=1e-12)
