"""Activation checkpointing: same gradients, less memory held between forward and backward, RNG replay."""

from __future__ import annotations

import tracemalloc
from typing import Any

import numpy as np
import pytest

import tocha
import tocha.autograd
from tocha.autograd import checkpoint
from tocha.autograd.checkpoint import CheckpointError

LAYERS = 20


def _weights() -> list[Any]:
    tocha.manual_seed(0)
    return [tocha.randn(128, 128, dtype=tocha.float64, requires_grad=True) for _ in range(LAYERS)]


def _chain(h: Any, weights: list[Any]) -> Any:
    for w in weights:
        h = (h @ w * 0.1).tanh()
    return h


def _grads(tensors: list[Any]) -> list[np.ndarray[Any, Any]]:
    return [np.array(t.grad) for t in tensors]


def _run(model: Any, x: Any, weights: list[Any]) -> tuple[int, int, list[np.ndarray[Any, Any]]]:
    """Bytes held after the forward pass, peak bytes through backward, and the gradients."""
    for t in [x, *weights]:
        t.grad = None
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        out = model(x)
        held = tracemalloc.get_traced_memory()[0] - base
        out.sum().backward()
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    return held, peak, _grads([x, *weights])


def test_twenty_layer_chain_same_gradients_less_memory() -> None:
    weights = _weights()
    x = tocha.randn(64, 128, dtype=tocha.float64, requires_grad=True)
    layer_bytes = 64 * 128 * 8

    plain_held, plain_peak, plain_grads = _run(lambda h: _chain(h, weights), x, weights)
    whole_held, whole_peak, whole_grads = _run(lambda h: checkpoint(_chain, h, weights), x, weights)

    def segments(h: Any) -> Any:
        for k in range(0, LAYERS, 5):
            h = checkpoint(_chain, h, weights[k : k + 5])
        return h

    seg_held, seg_peak, seg_grads = _run(segments, x, weights)

    for got in (whole_grads, seg_grads):
        for a, b in zip(got, plain_grads, strict=True):
            np.testing.assert_array_equal(a, b)
    # Without checkpointing every layer keeps its matmul input and tanh output alive: ~2 arrays per layer.
    assert plain_held > 1.5 * LAYERS * layer_bytes
    # Checkpointing the whole chain keeps about the output only; four segments keep their four outputs.
    assert whole_held < 2 * layer_bytes
    assert seg_held < 6 * layer_bytes
    assert whole_held < plain_held / 10
    # Backward recomputes one segment at a time and frees as it goes: no higher peak than without.
    assert whole_peak < 1.1 * plain_peak
    assert seg_peak < 1.1 * plain_peak


def test_saved_tensor_hooks_see_nothing_saved_inside_a_checkpoint() -> None:
    weights = _weights()[:3]
    x = tocha.randn(4, 128, dtype=tocha.float64, requires_grad=True)
    packed: list[int] = []

    def pack(t: Any) -> Any:
        packed.append(t.nbytes)
        return t

    with tocha.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        _chain(x, weights)
    plain = sum(packed)
    packed.clear()
    with tocha.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        checkpoint(_chain, x, weights)
    assert plain > 0
    assert sum(packed) == 0


def _dropout(h: Any) -> Any:
    return h * (tocha.rand(*h.shape, dtype=h.dtype) > 0.5) * 2


def test_random_ops_replay_with_preserve_rng_state() -> None:
    x = tocha.randn(1000, dtype=tocha.float64, requires_grad=True)

    def fn(t: Any) -> Any:
        return _dropout(t) * t

    tocha.manual_seed(3)
    fn(x).sum().backward()
    expected = np.array(x.grad)
    after_plain = tocha.rand(1).item()
    x.grad = None
    tocha.manual_seed(3)
    checkpoint(fn, x).sum().backward()
    np.testing.assert_array_equal(np.array(x.grad), expected)
    assert tocha.rand(1).item() == after_plain  # the recomputation leaves the generator where it was
    x.grad = None
    tocha.manual_seed(3)
    checkpoint(fn, x, preserve_rng_state=False).sum().backward()
    assert not np.array_equal(np.array(x.grad), expected)


def test_kwargs_multiple_outputs_and_use_reentrant() -> None:
    x = tocha.tensor([0.5, -1.0, 2.0], dtype=tocha.float64, requires_grad=True)

    def fn(a: Any, *, scale: float) -> tuple[Any, Any]:
        return (a.sin() * scale, (a * a).exp())

    for reentrant in (False, True):
        x.grad = None
        u, v = checkpoint(fn, x, scale=3.0, use_reentrant=reentrant)
        (u.sum() + v.sum()).backward()
        values = np.array([0.5, -1.0, 2.0])
        np.testing.assert_allclose(np.array(x.grad), 3 * np.cos(values) + 2 * values * np.exp(values**2))


def test_use_reentrant_without_inputs_requiring_grad_gives_no_graph() -> None:
    y = checkpoint(lambda a: a * 2, tocha.ones(2), use_reentrant=True)
    assert not y.requires_grad


def test_double_backward_and_retain_graph() -> None:
    x = tocha.tensor([0.3, 1.1, -0.4], dtype=tocha.float64, requires_grad=True)

    def fn(a: Any) -> Any:
        return (a.sin() * a).sum()

    (g,) = tocha.autograd.grad(checkpoint(fn, x), x, create_graph=True)
    (h,) = tocha.autograd.grad(g.sum(), x)
    values = np.array([0.3, 1.1, -0.4])
    np.testing.assert_allclose(np.array(g.detach()), np.sin(values) + values * np.cos(values))
    np.testing.assert_allclose(np.array(h), 2 * np.cos(values) - values * np.sin(values))
    y = checkpoint(fn, x)
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(np.array(x.grad), 2 * (np.sin(values) + values * np.cos(values)))


def test_recomputation_that_differs_raises() -> None:
    calls = [0]

    def fn(a: Any) -> Any:
        calls[0] += 1
        return a * a if calls[0] == 1 else a + 1

    y = checkpoint(fn, tocha.ones(2, requires_grad=True))
    with pytest.raises(CheckpointError, match="saved a different number of tensors"):
        y.sum().backward()


def test_matches_pytorch_checkpoint() -> None:
    torch = pytest.importorskip("torch")
    from torch.utils.checkpoint import checkpoint as torch_checkpoint

    rng = np.random.default_rng(0)
    w_values = [rng.standard_normal((8, 8)) for _ in range(4)]
    x_values = rng.standard_normal((3, 8))
    grads = []
    for lib, ck in ((tocha, checkpoint), (torch, torch_checkpoint)):
        ws = [lib.tensor(w, requires_grad=True) for w in w_values]
        x = lib.tensor(x_values, requires_grad=True)
        out = ck(lambda h, ws=ws: _chain(h, ws), x, use_reentrant=False)
        out.pow(2).sum().backward()
        grads.append([np.array(t.grad.tolist()) for t in [x, *ws]])
    for a, b in zip(*grads, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_checkpoint_sequential_matches_the_plain_chain() -> None:
    from tocha.autograd.checkpoint import checkpoint_sequential

    chain = [tocha.sin, tocha.exp, lambda t: t * 3.0, tocha.tanh, tocha.square]
    x0 = tocha.tensor([0.3, -0.7, 1.1], dtype=tocha.float64)
    expected_x = x0.clone().requires_grad_()
    y = expected_x
    for fn in chain:
        y = fn(y)
    y.sum().backward()
    for segments in (1, 2, 3, 5):
        x = x0.clone().requires_grad_()
        out = checkpoint_sequential(chain, segments, x)
        assert tocha.equal(out.detach(), y.detach())
        out.sum().backward()
        assert tocha.allclose(x.grad, expected_x.grad, rtol=0, atol=1e-15), segments

    class Chain:
        def children(self) -> list[object]:
            return chain

    x = x0.clone().requires_grad_()
    checkpoint_sequential(Chain(), 2, x).sum().backward()
    assert tocha.allclose(x.grad, expected_x.grad)
    for bad in (0, 6, 2.0, True):
        with pytest.raises(ValueError, match=r"segments must be an int between 1 and the number of functions \(5\)"):
            checkpoint_sequential(chain, bad, x0)
