"""Gradients of batched tensors (NOTE [ Gradients of batched tensors ]): ``grad(..., is_grads_batched=True)``,
``autograd.grad`` inside vmap's batched run, and the forward-mode transforms (jacfwd, hessian) that rely on it."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import tocha
from tocha import _vmap
from tocha.autograd import grad
from tocha.func import grad as func_grad
from tocha.func import hessian, jacfwd, jacrev, vmap
from tocha.testing import assert_close


@pytest.fixture
def batched_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """vmap raises instead of falling back to the per-entry loop: the computation must run batched."""
    monkeypatch.setattr(_vmap, "LOOP_FALLBACK", False)


def _t(*shape: int, seed: int = 0) -> tocha.Tensor:
    return tocha.from_numpy(np.random.default_rng(seed).standard_normal(shape))


def _mlp(x: Any, w1: Any, w2: Any) -> Any:
    """A two-layer perceptron in ops tocha and PyTorch share (tocha-autograd's tests use tensor-core only)."""
    return ((x @ w1.T).tanh() @ w2.T).softmax(-1)


def test_is_grads_batched_matches_torch(batched_only: None) -> None:
    torch = pytest.importorskip("torch")
    w1, w2, x = _t(6, 4, seed=1), _t(3, 6, seed=2), _t(4, seed=3)
    cot = _t(5, 3, seed=4)

    def both(lib: Any, convert: Any) -> Any:
        a, b, v = (convert(t).requires_grad_() for t in (w1, w2, x))
        y = _mlp(v, a, b)
        first = lib.autograd.grad(y, (v, a), convert(cot), is_grads_batched=True, create_graph=True)
        second = lib.autograd.grad(first[0].sum(), b)  # through the batched vector-Jacobian products
        return [t.detach().numpy() for t in (*first, *second)]

    ours = both(tocha, lambda t: t.clone())
    theirs = both(torch, lambda t: torch.from_numpy(t.numpy().copy()))
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_is_grads_batched_with_several_outputs_and_unused_inputs() -> None:
    x, unused = _t(3, seed=1).requires_grad_(), _t(2, seed=2).requires_grad_()
    y, s = x * x, (x * 3).sum()
    batches = (tocha.eye(3, dtype=tocha.float64), tocha.tensor([1.0, 2.0, 0.0], dtype=tocha.float64))
    gx, gu = grad((y, s), (x, unused), batches, is_grads_batched=True, allow_unused=True, retain_graph=True)
    assert_close(gx, tocha.diag(2 * x.detach()) + 3 * batches[1][:, None])
    assert gu is None
    gx, gu = grad((y, s), (x, unused), batches, is_grads_batched=True, materialize_grads=True)
    assert tocha.equal(gu, tocha.zeros(2, dtype=tocha.float64))  # PyTorch's materialized zeros are unbatched
    assert gx.shape == (3, 3)
    assert not gx.requires_grad


def test_is_grads_batched_frees_the_graph_unless_retained() -> None:
    x = tocha.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp() * 2
    (g,) = grad(y, x, tocha.eye(2), is_grads_batched=True)
    assert_close(g, tocha.diag(x.detach().exp() * 2))
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        grad(y.sum(), x)
    for kwargs in ({"retain_graph": True}, {"create_graph": True}):
        y = x.exp() * 2
        grad(y, x, tocha.eye(2), is_grads_batched=True, **kwargs)
        assert_close(grad(y.sum(), x)[0], x.detach().exp() * 2)


def test_is_grads_batched_errors() -> None:
    x = tocha.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError) as ours:
        grad(x * 2, x, tocha.ones(2, 4), is_grads_batched=True)
    assert str(ours.value) == (  # PyTorch's words; it names the shape with two leading dims dropped ([])
        "If `is_grads_batched=True`, we interpret the first dimension of each grad_output as the batch dimension. "
        "The sizes of the remaining dimensions are expected to match the shape of corresponding output, but a "
        "mismatch was detected: grad_output[0] has a shape of tocha.Size([4]) and output[0] has a shape of "
        "tocha.Size([3]). If you only want some tensors in `grad_output` to be considered batched, consider using "
        "vmap."
    )
    with pytest.raises(ValueError, match=r"grad_outputs\[0\] is None"):
        grad((x * 2).sum(), x, None, is_grads_batched=True)
    with pytest.raises(ValueError, match="same size in the mapped dimension"):
        grad((x * 2, x.sum()), x, (tocha.ones(2, 3), tocha.ones(4)), is_grads_batched=True)


def test_grad_of_batched_leaves_inside_vmap_runs_batched(batched_only: None) -> None:
    xs = _t(4, 3)

    def per_entry(x: tocha.Tensor) -> tuple[tocha.Tensor, tocha.Tensor]:
        u = tocha.zeros_like(x, requires_grad=True)  # holds the batch: each entry its own leaf
        spare = tocha.zeros_like(x, requires_grad=True)
        y = ((u + x) ** 3).sum()
        (g,) = grad(y, u, create_graph=True)
        (gg,) = grad(g.sum(), u)
        return g + grad(y, spare, allow_unused=True, materialize_grads=True)[0], gg

    g, gg = vmap(per_entry)(xs)
    assert_close(g, 3 * xs**2, rtol=1e-12, atol=1e-12)
    assert_close(gg, 6 * xs, rtol=1e-12, atol=1e-12)


def test_grad_inside_vmap_with_respect_to_a_shared_tensor_runs_per_entry() -> None:
    w = _t(3, seed=5).requires_grad_()
    xs = _t(4, 3)
    per_entry = vmap(lambda x: grad((w * x).sin().sum(), w)[0])(xs)
    assert_close(per_entry, tocha.stack([(w * xs[b]).cos().detach() * xs[b] for b in range(4)]), rtol=1e-12, atol=0)


def test_jacfwd_of_ops_without_jvp_rules_runs_batched_and_matches_torch(batched_only: None) -> None:
    torch = pytest.importorskip("torch")
    w1, w2, x = _t(6, 4, seed=1), _t(3, 6, seed=2), _t(4, seed=3)

    def ours(v: tocha.Tensor) -> tocha.Tensor:
        return _mlp(v, w1, w2)[1:] * v[0].sin()  # matmul, softmax, select: tangents through their vjps

    def theirs(v: Any) -> Any:
        return _mlp(v, *(torch.from_numpy(t.numpy()) for t in (w1, w2)))[1:] * v[0].sin()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch.func's forward mode warns about torch.jit
        expected = torch.func.jacfwd(theirs)(torch.from_numpy(x.numpy())).numpy()
    np.testing.assert_allclose(jacfwd(ours)(x).numpy(), expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(jacrev(ours)(x).numpy(), expected, rtol=1e-12, atol=1e-14)


def test_hessian_runs_batched_and_matches_torch(batched_only: None) -> None:
    torch = pytest.importorskip("torch")
    a, x = _t(5, 5, seed=6), _t(5, seed=7)

    def energy(lib: Any, m: Any) -> Any:
        return lambda v: (v.sin() * (m @ v)).sum() + lib.logsumexp(v * v[2], 0)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch.func's forward mode warns about torch.jit
        expected = torch.func.hessian(energy(torch, torch.from_numpy(a.numpy())))(torch.from_numpy(x.numpy()))
    np.testing.assert_allclose(hessian(energy(tocha, a))(x).numpy(), expected.numpy(), rtol=1e-12, atol=1e-14)


def test_jacrev_inside_vmap_runs_batched_and_matches_torch(batched_only: None) -> None:
    torch = pytest.importorskip("torch")
    w1, w2, xs = _t(6, 4, seed=1), _t(3, 6, seed=2), _t(5, 4, seed=3)
    per_sample = vmap(jacrev(lambda x: _mlp(x, w1, w2)))(xs)
    tw1, tw2, txs = (torch.from_numpy(t.numpy()) for t in (w1, w2, xs))
    expected = torch.func.vmap(torch.func.jacrev(lambda x: _mlp(x, tw1, tw2)))(txs)
    np.testing.assert_allclose(per_sample.numpy(), expected.numpy(), rtol=1e-12, atol=1e-14)
    both, aux = vmap(jacrev(lambda x, w: (_mlp(x, w, w2), x.sum()), argnums=(0, 1), has_aux=True), in_dims=(0, None))(
        xs, w1
    )
    assert both[0].shape == (5, 3, 4)
    assert both[1].shape == (5, 3, 6, 4)
    assert_close(aux, xs.sum(1))
    rows = vmap(jacrev(lambda x: _mlp(x, w1, w2), chunk_size=2))(xs)
    assert_close(rows, per_sample, rtol=1e-12, atol=1e-14)


def test_transforms_of_transforms_inside_vmap_equal_the_loop() -> None:
    """vmap of forward over reverse: the inner transform meets tensors carrying forward-mode tangents, which
    must not be cut off (vmap(jacfwd(grad(f))) gave wrong second derivatives before)."""
    xs = _t(4, 5, seed=8)

    def f(x: tocha.Tensor) -> tocha.Tensor:
        return (x.sin() * x).sum() + (x * x[0]).exp().sum()

    for transform in (
        lambda g: jacfwd(func_grad(g)),
        lambda g: jacfwd(jacrev(g)),
        lambda g: jacrev(func_grad(g)),
        hessian,
    ):
        batched = vmap(transform(f))(xs)
        looped = tocha.stack([transform(f)(xs[b]) for b in range(4)])
        assert_close(batched, looped, rtol=1e-12, atol=1e-14)
