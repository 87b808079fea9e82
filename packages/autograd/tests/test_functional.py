"""tocha.autograd.functional: vjp, jvp, jacobian, hessian, vhp and hvp, against hand-checked values and PyTorch."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tocha
from tocha.autograd import functional as F

F64 = tocha.float64


def _x() -> tocha.Tensor:
    return tocha.tensor([0.5, -1.0, 2.0], dtype=F64)


def _y() -> tocha.Tensor:
    return tocha.tensor([1.5, 0.25, -0.75], dtype=F64)


def _v() -> tocha.Tensor:
    return tocha.tensor([1.0, 2.0, -1.0], dtype=F64)


def _np(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(_np(v) for v in value)
    return value.detach().numpy()


def _assert_close(got: Any, expected: Any) -> None:
    if isinstance(expected, tuple):
        assert isinstance(got, tuple)
        assert len(got) == len(expected)
        for g, e in zip(got, expected, strict=True):
            _assert_close(g, e)
        return
    assert not isinstance(got, tuple)
    np.testing.assert_allclose(np.asarray(got), np.asarray(expected), rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------------ hand-checked values


def test_vjp_values() -> None:
    x, v = _x(), _v()
    out, g = F.vjp(lambda a: a**2, x, v)
    _assert_close(_np(out), x.numpy() ** 2)
    _assert_close(_np(g), 2 * x.numpy() * v.numpy())
    out, g = F.vjp(lambda a: (a**3).sum(), x)
    _assert_close(_np(g), 3 * x.numpy() ** 2)
    out, g = F.vjp(lambda a, b: (a * b, a.exp()), (x, _y()), (v, v))
    assert isinstance(out, tuple)
    assert isinstance(g, tuple)
    _assert_close(_np(g), (_y().numpy() * v.numpy() + np.exp(x.numpy()) * v.numpy(), x.numpy() * v.numpy()))


def test_jvp_values() -> None:
    x, v = _x(), _v()
    _, j = F.jvp(lambda a: a.sin(), x, v)
    _assert_close(_np(j), np.cos(x.numpy()) * v.numpy())
    _, j = F.jvp(lambda a, b: (a * b, (a @ b).reshape(1)), (x, _y()), (v, v))
    _assert_close(_np(j), (v.numpy() * _y().numpy() + x.numpy() * v.numpy(), [v.numpy() @ (_y() + x).numpy()]))
    _, j = F.jvp(lambda a: a * 3, tocha.tensor([2.0]))  # v may be None for one single-element input
    _assert_close(_np(j), [3.0])


def test_jacobian_values_and_layout() -> None:
    x = _x()
    jac = F.jacobian(lambda a: a**2, x)
    _assert_close(_np(jac), np.diag(2 * x.numpy()))
    m = tocha.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=F64)
    jac = F.jacobian(lambda a: a.sum(), m)
    assert tuple(jac.shape) == (2, 2)
    jac = F.jacobian(lambda a: (a * 2, a.sum()), x)
    assert isinstance(jac, tuple)
    _assert_close(_np(jac), (2 * np.eye(3), np.ones(3)))
    jac = F.jacobian(lambda a, b: a * b, (x, _y()))
    _assert_close(_np(jac), (np.diag(_y().numpy()), np.diag(x.numpy())))
    jac = F.jacobian(lambda a, b: (a * b, a.sum()), (x, _y()))
    _assert_close(_np(jac), ((np.diag(_y().numpy()), np.diag(x.numpy())), (np.ones(3), np.zeros(3))))
    jac = F.jacobian(lambda a: a.reshape(3, 1) * a, x)
    assert tuple(jac.shape) == (3, 3, 3)


def test_jacobian_forward_mode_matches_reverse_mode() -> None:
    def f(a: Any, b: Any) -> Any:
        return (a.exp() * b).cumsum(0), (a @ b).reshape(1)

    rev = F.jacobian(f, (_x(), _y()))
    fwd = F.jacobian(f, (_x(), _y()), vectorize=True, strategy="forward-mode")
    _assert_close(_np(fwd), _np(rev))
    _assert_close(_np(F.jacobian(lambda a: a.sin(), _x(), vectorize=True)), np.diag(np.cos(_x().numpy())))


def test_hessian_values() -> None:
    x = _x()
    hess = F.hessian(lambda a: (a**3).sum(), x)
    _assert_close(_np(hess), np.diag(6 * x.numpy()))
    hess = F.hessian(lambda a, b: (a * a * b).sum(), (x, _y()))
    expected = ((np.diag(2 * _y().numpy()), np.diag(2 * x.numpy())), (np.diag(2 * x.numpy()), np.zeros((3, 3))))
    _assert_close(_np(hess), expected)
    fwd = F.hessian(lambda a: (a.sin() * a.sum()).sum(), x, vectorize=True, outer_jacobian_strategy="forward-mode")
    _assert_close(_np(fwd), _np(F.hessian(lambda a: (a.sin() * a.sum()).sum(), x)))
    _assert_close(_np(F.hessian(lambda a: a.sum(), x)), np.zeros((3, 3)))


def test_vhp_and_hvp_values() -> None:
    x, v = _x(), _v()
    for fn in (F.vhp, F.hvp):
        out, hv = fn(lambda a: (a**3).sum(), x, v)
        _assert_close(_np(out), np.sum(x.numpy() ** 3))
        _assert_close(_np(hv), 6 * x.numpy() * v.numpy())
        out, hv = fn(lambda a, b: (a * a * b).sum(), (x, _y()), (v, v))
        _assert_close(_np(hv), (2 * _y().numpy() * v.numpy() + 2 * x.numpy() * v.numpy(), 2 * x.numpy() * v.numpy()))


def test_independent_outputs_give_zeros() -> None:
    x, v = _x(), _v()
    _assert_close(_np(F.vjp(lambda a, b: a.exp(), (x, _y()), v)[1][1]), np.zeros(3))
    _assert_close(_np(F.jvp(lambda a: x * 1, x, v)[1]), np.zeros(3))
    _assert_close(_np(F.jacobian(lambda a: x * 1, x)), np.zeros((3, 3)))


def test_create_graph() -> None:
    x = _x().requires_grad_()
    out, g = F.vjp(lambda a: a**3, x, _v(), create_graph=True)
    assert out.requires_grad
    assert g.requires_grad
    (gg,) = tocha.autograd.grad(g.sum(), x)
    _assert_close(_np(gg), 6 * _x().numpy() * _v().numpy())
    out, g = F.vjp(lambda a: a**3, x, _v())
    assert not out.requires_grad
    assert not g.requires_grad
    jac = F.jacobian(lambda a: a**2, x, create_graph=True)
    assert jac.requires_grad
    _assert_close(_np(tocha.autograd.grad(jac.sum(), x)[0]), 2 * np.ones(3))
    _, j = F.jvp(lambda a: a**2, x, _v(), create_graph=True)
    assert j.requires_grad


# ------------------------------------------------------------------ errors


def test_strict_errors() -> None:
    x, y, v = _x(), _y(), _v()
    with pytest.raises(RuntimeError, match="Output 0 of the user-provided function does not require gradients"):
        F.vjp(lambda a: x.exp(), x, v, strict=True)
    with pytest.raises(RuntimeError, match="The output of the user-provided function is independent of input 1"):
        F.vjp(lambda a, b: a.exp(), (x, y), v, strict=True)
    with pytest.raises(RuntimeError, match="The output of the user-provided function is independent of input 1"):
        F.jvp(lambda a, b: a.exp(), (x, y), (v, v), strict=True)
    with pytest.raises(RuntimeError, match="The jacobian of the user-provided function is independent of input 0"):
        F.jvp(lambda a: a * 2, x, v, strict=True, create_graph=True)
    with pytest.raises(RuntimeError, match="Output 0 of the user-provided function is independent of input 1"):
        F.jacobian(lambda a, b: a.exp(), (x, y), strict=True)
    with pytest.raises(RuntimeError, match="The jacobian of the user-provided function is independent of input 0"):
        F.jacobian(lambda a: a * 2, x, strict=True, create_graph=True)
    with pytest.raises(RuntimeError, match="found that the jacobian of the user-provided function with respect to"):
        F.hessian(lambda a: a.sum(), x, strict=True)
    for fn in (F.vhp, F.hvp):
        with pytest.raises(RuntimeError, match="with respect to input 1 is independent of the input"):
            fn(lambda a, b: (a**3).sum() + b.sum(), (x, y), (v, v), strict=True)


def test_argument_errors() -> None:
    x, v = _x(), _v()
    with pytest.raises(RuntimeError, match="v can only be None if the user-provided function returns a single"):
        F.vjp(lambda a: a.exp(), x)
    with pytest.raises(RuntimeError, match=r"v has invalid size: should be tocha.Size\(\[3\]\) but got"):
        F.vjp(lambda a: a.exp(), x, tocha.ones(2, dtype=F64))
    with pytest.raises(RuntimeError, match="v is a tuple of invalid length: should be 2 but got 1"):
        F.vjp(lambda a: (a, a), x, (v,))
    with pytest.raises(RuntimeError, match="The given v should contain a single Tensor"):
        F.jvp(lambda a: a, x, (v, v))
    with pytest.raises(RuntimeError, match="v can only be None if the input to the user-provided function is"):
        F.jvp(lambda a: a.exp(), x)
    with pytest.raises(TypeError, match="The inputs given to vjp must be either a Tensor or a tuple of Tensors"):
        F.vjp(lambda a: a.exp(), [x])
    with pytest.raises(TypeError, match="The outputs of the user-provided function given to vjp must be either"):
        F.vjp(lambda a: 3, x)
    with pytest.raises(AssertionError, match='Expected strategy to be either "forward-mode" or "reverse-mode"'):
        F.jacobian(lambda a: a, x, strategy="sideways")
    with pytest.raises(NotImplementedError, match="only implemented for `vectorize=True`"):
        F.jacobian(lambda a: a, x, strategy="forward-mode")
    with pytest.raises(NotImplementedError, match='`create_graph=True` and `strategy="forward-mode"`'):
        F.jacobian(lambda a: a, x, create_graph=True, strategy="forward-mode", vectorize=True)
    with pytest.raises(RuntimeError, match="`strict=True` and `vectorized=True` are not supported together"):
        F.jacobian(lambda a: a, x, strict=True, vectorize=True)
    with pytest.raises(RuntimeError, match="The Tensor returned by the function given to hessian should contain"):
        F.hessian(lambda a: a.exp(), x)
    with pytest.raises(RuntimeError, match="The function given to hessian should return a single Tensor"):
        F.hessian(lambda a: (a.sum(),), x)
    with pytest.raises(RuntimeError, match="The function given to vhp should return a single Tensor"):
        F.vhp(lambda a: (a.sum(),), x, v)
    with pytest.raises(RuntimeError, match="The Tensor returned by the function given to hvp should contain"):
        F.hvp(lambda a: a.exp(), x, v)


# ------------------------------------------------------------------ against PyTorch

CASES: dict[str, tuple[Callable[..., Any], int]] = {
    "single": (lambda a: (a.exp() * a.sin()).cumsum(0) / (a * a + 1), 1),
    "tuple_in": (lambda a, b: a * b.tanh() + (a @ b) * b, 2),
    "tuple_out": (lambda a: (a.sigmoid(), (a.reshape(3, 1) * a).sum(0), a.abs().sqrt()), 1),
    "tuple_both": (lambda a, b: (a.log1p() ** 2 * b, b.mean().reshape(1) + a[:1]), 2),
}
SCALAR_CASES: dict[str, tuple[Callable[..., Any], int]] = {
    "single": (lambda a: (a.exp() * a.sin()).sum() + (a @ a) ** 2, 1),
    "tuple_in": (lambda a, b: (a * b.tanh()).sum() * (a**3).mean(), 2),
}


def _inputs(n: int, lib: Any) -> Any:
    values = [np.array([0.5, 1.25, 2.0]), np.array([1.5, 0.25, 0.75])][:n]
    tensors = tuple(lib.tensor(v, dtype=lib.float64) for v in values)
    return tensors[0] if n == 1 else tensors


def _torch() -> Any:
    torch = pytest.importorskip("torch")
    return torch


@pytest.mark.parametrize("name", sorted(CASES))
def test_against_torch_first_order(name: str) -> None:
    torch = _torch()
    fn, n = CASES[name]
    ours, theirs = _inputs(n, tocha), _inputs(n, torch)
    v_in = _inputs(n, tocha)
    v_in_t = _inputs(n, torch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        out_t, jvp_t = torch.autograd.functional.jvp(fn, theirs, v_in_t)
        jac_t = torch.autograd.functional.jacobian(fn, theirs)
        v_out_t = tuple(torch.ones_like(o) for o in out_t) if isinstance(out_t, tuple) else torch.ones_like(out_t)
        _, vjp_t = torch.autograd.functional.vjp(fn, theirs, v_out_t)
    out, jvp_ = F.jvp(fn, ours, v_in)
    _assert_close(_np(out), _np(out_t))
    _assert_close(_np(jvp_), _np(jvp_t))
    _assert_close(_np(F.jacobian(fn, ours)), _np(jac_t))
    _assert_close(_np(F.jacobian(fn, ours, vectorize=True, strategy="forward-mode")), _np(jac_t))
    v_out = tuple(tocha.ones_like(o) for o in out) if isinstance(out, tuple) else tocha.ones_like(out)
    _assert_close(_np(F.vjp(fn, ours, v_out)[1]), _np(vjp_t))


@pytest.mark.parametrize("name", sorted(SCALAR_CASES))
def test_against_torch_second_order(name: str) -> None:
    torch = _torch()
    fn, n = SCALAR_CASES[name]
    ours, theirs = _inputs(n, tocha), _inputs(n, torch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        hess_t = torch.autograd.functional.hessian(fn, theirs)
        _, vhp_t = torch.autograd.functional.vhp(fn, theirs, _inputs(n, torch))
        _, hvp_t = torch.autograd.functional.hvp(fn, theirs, _inputs(n, torch))
    _assert_close(_np(F.hessian(fn, ours)), _np(hess_t))
    _assert_close(_np(F.vhp(fn, ours, _inputs(n, tocha))[1]), _np(vhp_t))
    _assert_close(_np(F.hvp(fn, ours, _inputs(n, tocha))[1]), _np(hvp_t))
