"""Forward-mode AD: dual tensors, jvp rules of the op records and the double-vjp fallback."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tocha
import tocha.autograd
import tocha.autograd.forward_ad as fwAD

F64 = tocha.float64


def _x() -> tocha.Tensor:
    return tocha.tensor([0.5, -1.2, 2.0, 0.3], dtype=F64)


def _t() -> tocha.Tensor:
    return tocha.tensor([1.0, 0.5, -1.0, 2.0], dtype=F64)


def _forward_tangent(f: Callable[[Any], Any], x: tocha.Tensor, t: tocha.Tensor) -> np.ndarray:
    with fwAD.dual_level():
        out = fwAD.unpack_dual(f(fwAD.make_dual(x, t)))
        assert out.tangent is not None
        return out.tangent.numpy()


def _finite_difference(f: Callable[[Any], Any], x: tocha.Tensor, t: tocha.Tensor, eps: float = 1e-6) -> np.ndarray:
    plus = f(x + eps * t).numpy()
    minus = f(x - eps * t).numpy()
    return (plus - minus) / (2 * eps)  # type: ignore[no-any-return]


# Each function composes ops with jvp rules (add, mul, div, pow, exp, log, sin, cos, tanh, sigmoid, sum, mean,
# matmul, views) or without (cumsum, abs, cat, sqrt, max...), so both paths are covered.
FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "add_sub_neg": lambda d: (d + 2) - d * 3 + (-d),
    "mul_div": lambda d: d * d / (d * d + 1) + 2 / (d + 3),
    "pow_scalar": lambda d: d**3 + d.abs() ** 0.5,
    "exp_log": lambda d: d.exp() + (d * d + 1).log(),
    "trig": lambda d: d.sin() * d.cos() + d.tanh() - d.sigmoid(),
    "reductions": lambda d: d.sum() * d + d.reshape(2, 2).mean(0).sum(),
    "matmul": lambda d: (d.reshape(2, 2) @ d.reshape(2, 2).T).reshape(-1) + d @ d,
    "views": lambda d: d.view(2, 2).permute(1, 0).reshape(-1) + d.reshape(1, 4).expand(3, 4)[1] + d.flip(0),
    "getitem": lambda d: d[1:3] * d[[0, 3]],
    "fallback": lambda d: d.cumsum(0) * d.abs() + (d * d).sqrt() + d.flip(0).cumprod(0),
    "broadcast": lambda d: (d.reshape(4, 1) * d.reshape(1, 4)).sum(1),
    "pow_tensor": lambda d: (d * d + 1) ** d,
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_tangent_matches_finite_differences(name: str) -> None:
    f = FUNCTIONS[name]
    got = _forward_tangent(f, _x(), _t())
    np.testing.assert_allclose(got, _finite_difference(f, _x(), _t()), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_tangent_matches_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    f = FUNCTIONS[name]
    got = _forward_tangent(f, _x(), _t())
    with warnings.catch_warnings():  # torch's forward AD scripts helpers with the deprecated torch.jit on first use
        warnings.simplefilter("ignore", DeprecationWarning)
        torch_fwad = torch.autograd.forward_ad
        with torch_fwad.dual_level():
            dual = torch_fwad.make_dual(torch.tensor(_x().numpy()), torch.tensor(_t().numpy()))
            expected = torch_fwad.unpack_dual(f(dual)).tangent
    np.testing.assert_allclose(got, expected.numpy(), rtol=1e-10, atol=1e-12)


def test_list_input_op_uses_the_fallback() -> None:
    def f(d: Any) -> Any:
        return tocha.stack([tocha.cat([d[:2], d[2:] ** 2]), d.exp()])

    np.testing.assert_allclose(_forward_tangent(f, _x(), _t()), _finite_difference(f, _x(), _t()), rtol=1e-6, atol=1e-7)


def test_hand_checked_values() -> None:
    x = tocha.tensor([0.0, 1.0], dtype=F64)
    t = tocha.tensor([1.0, 2.0], dtype=F64)
    np.testing.assert_allclose(_forward_tangent(lambda d: d.exp(), x, t), [1.0, 2 * np.e])
    np.testing.assert_allclose(_forward_tangent(lambda d: d * d * d, x, t), [0.0, 6.0])
    np.testing.assert_allclose(_forward_tangent(lambda d: d.sin().sum(), x, t), 1.0 + 2 * np.cos(1.0))


def test_jvp_rules_are_declared() -> None:
    names = ["add", "sub", "mul", "div", "neg", "exp", "log", "sin", "cos", "tanh", "sigmoid", "pow", "sum", "mean"]
    names += ["matmul", "view", "reshape", "permute", "expand", "getitem"]
    for name in names:
        assert tocha.library.get_op(name).jvp is not None, name


def test_float32_and_dtype_conversion() -> None:
    with fwAD.dual_level():
        d = fwAD.make_dual(tocha.tensor([1.0, 2.0]), tocha.tensor([1.0, 1.0], dtype=F64))
        out = fwAD.unpack_dual((d * 3).to(F64))
        assert out.tangent.dtype == F64
        np.testing.assert_allclose(out.tangent.numpy(), [3.0, 3.0])


def test_unpack_dual_of_a_plain_tensor() -> None:
    x = tocha.ones(2)
    assert fwAD.unpack_dual(x) == (x, None)
    with fwAD.dual_level():
        primal, tangent = fwAD.unpack_dual(x)
        assert primal is x
        assert tangent is None


def test_unpack_dual_returns_the_tangent_and_a_plain_primal() -> None:
    x, t = _x(), _t()
    with fwAD.dual_level():
        dual = fwAD.make_dual(x, t)
        primal, tangent = fwAD.unpack_dual(dual)
        assert tangent is t
        assert fwAD.unpack_dual(primal).tangent is None
        assert isinstance(fwAD.unpack_dual(dual), fwAD.UnpackedDualTensor)
        np.testing.assert_array_equal(primal.numpy(), x.numpy())
        assert fwAD.unpack_dual(dual.detach()).tangent is None
    assert fwAD.unpack_dual(dual).tangent is None  # tangents end with the level


def test_integer_results_have_no_tangent() -> None:
    with fwAD.dual_level():
        d = fwAD.make_dual(_x(), _t())
        assert fwAD.unpack_dual(d > 0).tangent is None
        values, indices = tocha.max(d.reshape(2, 2), dim=1)
        assert fwAD.unpack_dual(indices).tangent is None
        np.testing.assert_allclose(fwAD.unpack_dual(values).tangent.numpy(), [1.0, -1.0])


def test_in_place_ops_update_the_tangent() -> None:
    x, t = _x(), _t()
    with fwAD.dual_level():
        d = fwAD.make_dual(x.clone(), t.clone())
        y = d * 2
        y.add_(1)
        y.mul_(d)
        expected = 2 * t.numpy() * x.numpy() + (2 * x.numpy() + 1) * t.numpy()
        np.testing.assert_allclose(fwAD.unpack_dual(y).tangent.numpy(), expected)
        # An in-place op on a view writes through to the base's tangent.
        d[0:2].mul_(3)
        np.testing.assert_allclose(fwAD.unpack_dual(d).tangent.numpy(), t.numpy() * [3, 3, 1, 1])


def test_non_dual_target_of_in_place_op_gets_a_tangent() -> None:
    with fwAD.dual_level():
        d = fwAD.make_dual(_x(), _t())
        y = tocha.zeros(4, dtype=F64)
        y.add_(d * 2)
        np.testing.assert_allclose(fwAD.unpack_dual(y).tangent.numpy(), 2 * _t().numpy())


def test_reverse_over_forward() -> None:
    x = _x().requires_grad_()
    t = _t()
    with fwAD.dual_level():
        tangent = fwAD.unpack_dual(fwAD.make_dual(x, t).sin()).tangent  # cos(x) * t
        (g,) = tocha.autograd.grad(tangent.sum(), x)
        tangent2 = fwAD.unpack_dual(fwAD.make_dual(x, t).cumsum(0)).tangent  # the vjp fallback, also differentiable
        assert tangent2.requires_grad is False or tangent2.grad_fn is not None
    np.testing.assert_allclose(g.numpy(), -np.sin(_x().numpy()) * t.numpy())


def test_make_dual_errors() -> None:
    with pytest.raises(RuntimeError, match="no level exists, make sure to enter_dual_level"):
        fwAD.make_dual(_x(), _t())
    with fwAD.dual_level():
        with pytest.raises(
            RuntimeError, match=r"Tensor is of size \[4\] while the given forward gradient is of size \[2\]"
        ):
            fwAD.make_dual(_x(), tocha.ones(2))
        with pytest.raises(ValueError, match=r"Expected primal to be floating point or complex, but got: tocha\.int64"):
            fwAD.make_dual(tocha.arange(3), tocha.ones(3))
        with pytest.raises(RuntimeError, match="Invalid level given to _make_dual"):
            fwAD.make_dual(_x(), _t(), level=3)
        with pytest.raises(TypeError, match="expected Tensors"):
            fwAD.make_dual(_x(), 1.0)


def test_levels() -> None:
    with fwAD.dual_level() as level:
        assert level == 0
        with pytest.raises(RuntimeError, match="Nested forward mode AD is not supported at the moment"):
            fwAD.enter_dual_level()
        with pytest.raises(RuntimeError, match="not the last one that was created"):
            fwAD.exit_dual_level(level=1)
    with pytest.raises(RuntimeError, match="Dual level must be a positive number"):
        fwAD.exit_dual_level()
    level = fwAD.enter_dual_level()
    fwAD.exit_dual_level(level=level)
    # The dispatch layer is gone: ops no longer pay for it.
    with pytest.raises(RuntimeError):
        tocha.library.pop_layer()


def test_complex_fallback() -> None:
    z = tocha.tensor([1 + 1j, 2 - 1j])
    t = tocha.tensor([1j, 2.0])
    with fwAD.dual_level():
        d = fwAD.make_dual(z, t)
        np.testing.assert_allclose(fwAD.unpack_dual(d * d).tangent.numpy(), 2 * (z * t).numpy())  # a jvp rule
        np.testing.assert_allclose(fwAD.unpack_dual(d.cumsum(0)).tangent.numpy(), [1j, 2 + 1j])  # double vjp


def test_cumprod_through_zeros_has_tangents_and_second_derivatives() -> None:
    """Its gradient on inputs holding zeros is made of differentiable ops: forward mode and double backward
    see it (they got zeros from the single op it was before)."""
    torch = pytest.importorskip("torch")
    x = tocha.tensor([[1.5, 0.0, 2.0, -1.0], [0.5, 3.0, 0.0, 0.0], [2.0, -0.5, 1.0, 4.0]], dtype=F64)
    t = tocha.tensor([[1.0, 0.5, -1.0, 2.0], [0.3, -0.2, 1.5, 0.7], [-1.0, 2.0, 0.5, 0.25]], dtype=F64)
    f = lambda d: d.cumprod(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        _, expected = torch.func.jvp(
            lambda d: d.cumprod(1), (torch.from_numpy(x.numpy()),), (torch.from_numpy(t.numpy()),)
        )
    np.testing.assert_allclose(_forward_tangent(f, x, t), expected.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(_forward_tangent(f, x, t), _finite_difference(f, x, t), rtol=1e-6, atol=1e-8)
    leaf, tleaf = x.clone().requires_grad_(), torch.from_numpy(x.numpy().copy()).requires_grad_()
    (g,) = tocha.autograd.grad((leaf.cumprod(1) * t).sum(), leaf, create_graph=True)
    (tg,) = torch.autograd.grad((tleaf.cumprod(1) * torch.from_numpy(t.numpy())).sum(), tleaf, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), tg.detach().numpy(), rtol=1e-12, atol=1e-14)
    (gg,) = tocha.autograd.grad((g * g).sum(), leaf)
    (tgg,) = torch.autograd.grad((tg * tg).sum(), tleaf)
    np.testing.assert_allclose(gg.numpy(), tgg.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("dim", [None, 1])
def test_prod_through_zeros_has_second_derivatives_and_tangents(dim: int | None) -> None:
    torch = pytest.importorskip("torch")
    x = tocha.tensor([[1.5, 0.0, 2.0, -1.0], [0.5, 3.0, 0.7, 0.2], [2.0, -0.5, 1.0, 4.0]], dtype=F64)
    t = tocha.tensor([[1.0, 0.5, -1.0, 2.0], [0.3, -0.2, 1.5, 0.7], [-1.0, 2.0, 0.5, 0.25]], dtype=F64)
    ours, theirs = [], []
    for lib, out in ((tocha, ours), (torch, theirs)):
        leaf = lib.from_numpy(x.numpy().copy()).requires_grad_()
        y = leaf.prod() if dim is None else leaf.prod(dim)
        (g,) = lib.autograd.grad((y * y).sum(), leaf, create_graph=True)
        out += [g.detach().numpy(), lib.autograd.grad((g * g).sum(), leaf)[0].numpy()]
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    f = (lambda d: d.prod()) if dim is None else (lambda d: d.prod(1))
    np.testing.assert_allclose(_forward_tangent(f, x, t), _finite_difference(f, x, t), rtol=1e-6, atol=1e-8)
