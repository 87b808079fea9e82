"""Gradients of tocha.linalg through the engine: gradcheck and gradgradcheck in float64 and complex128.

Inputs are made well-conditioned (``X + n I``), positive-definite or Hermitian as each op needs; ops that read
one triangle of a Hermitian input are checked through a symmetrising wrapper, and functions of singular
vectors / eigenvectors through gauge-invariant functions of them (``|U|``, ``U Vh``...).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tocha

pytestmark = pytest.mark.autograd

DTYPES = ["float64", "complex128"]


@pytest.fixture(scope="module")
def checks() -> Any:
    autograd = pytest.importorskip("tocha.autograd")
    return autograd.gradcheck, autograd.gradgradcheck


def _random(shape: tuple[int, ...], dt: str, seed: int = 0) -> tocha.Tensor:
    rng = np.random.default_rng(seed)
    a = rng.uniform(-1, 1, shape)
    if dt == "complex128":
        a = a + 1j * rng.uniform(-1, 1, shape)
    return tocha.from_numpy(a.astype(dt))


def _leaf(x: tocha.Tensor) -> tocha.Tensor:
    return x.detach().clone().requires_grad_()


def _wc(shape: tuple[int, ...], dt: str, seed: int = 0) -> tocha.Tensor:
    x = _random(shape, dt, seed)
    return _leaf(x + tocha.eye(shape[-1], dtype=x.dtype) * float(shape[-1] + 1))


def _herm(x: tocha.Tensor) -> tocha.Tensor:
    return (x + x.mH) * 0.5


def _pd(x: tocha.Tensor) -> tocha.Tensor:
    return x @ x.mH + tocha.eye(x.shape[-1], dtype=x.dtype) * float(x.shape[-1])


def _check(checks: Any, fn: Callable[..., Any], *inputs: tocha.Tensor, second: bool = True, **kw: Any) -> None:
    gradcheck, gradgradcheck = checks
    assert gradcheck(fn, inputs, **kw)
    if second:
        assert gradgradcheck(fn, inputs, **kw)


@pytest.mark.parametrize("dt", DTYPES)
def test_det_slogdet_inv_logdet(checks: Any, dt: str) -> None:
    a = _wc((2, 3, 3), dt)
    _check(checks, tocha.linalg.det, a)
    _check(checks, lambda x: tocha.linalg.slogdet(x).logabsdet, a)
    if dt == "complex128":
        _check(checks, lambda x: tocha.linalg.slogdet(x).sign, a)
    _check(checks, tocha.linalg.inv, a)
    _check(checks, lambda x: tocha.linalg.inv_ex(x).inverse, a, second=False)
    if dt == "float64":
        _check(checks, tocha.logdet, _leaf(_pd(_random((3, 3), dt))))


@pytest.mark.parametrize("dt", DTYPES)
def test_solve(checks: Any, dt: str) -> None:
    a = _wc((2, 3, 3), dt)
    b = _leaf(_random((2, 3, 2), dt, 1))
    _check(checks, tocha.linalg.solve, a, b)
    _check(checks, lambda x, y: tocha.linalg.solve(x, y, left=False), a, _leaf(_random((2, 2, 3), dt, 2)))
    _check(checks, tocha.linalg.solve, _wc((2, 1, 3, 3), dt), _leaf(_random((4, 3, 2), dt, 3)), second=False)
    _check(checks, tocha.linalg.solve, _wc((3, 3), dt), _leaf(_random((3,), dt, 4)))
    _check(checks, lambda x, y: tocha.linalg.solve_ex(x, y).result, a, b, second=False)


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize(("upper", "left", "unit"), [(True, True, False), (False, True, False), (True, False, True)])
def test_solve_triangular(checks: Any, dt: str, upper: bool, left: bool, unit: bool) -> None:
    a = _wc((2, 3, 3), dt)
    b = _leaf(_random((2, 3, 2) if left else (2, 2, 3), dt, 1))

    def fn(x: tocha.Tensor, y: tocha.Tensor) -> tocha.Tensor:
        return tocha.linalg.solve_triangular(x, y, upper=upper, left=left, unitriangular=unit)

    _check(checks, fn, a, b)


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky(checks: Any, dt: str, upper: bool) -> None:
    x = _leaf(_random((2, 3, 3), dt))
    _check(checks, lambda t: tocha.linalg.cholesky(_pd(t), upper=upper), x)
    _check(checks, lambda t: tocha.linalg.cholesky_ex(_pd(t)).L, x, second=False)


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize(("shape", "mode"), [((4, 3), "reduced"), ((3, 3), "complete"), ((2, 3, 4), "reduced")])
def test_qr(checks: Any, dt: str, shape: tuple[int, ...], mode: str) -> None:
    x = _leaf(_random(shape, dt))
    _check(checks, lambda t: tuple(tocha.linalg.qr(t, mode=mode)), x)


def test_qr_errors_without_q(checks: Any) -> None:
    x = _leaf(_random((3, 3), "float64"))
    with pytest.raises(RuntimeError, match="mode='r'"):
        tocha.linalg.qr(x, mode="r").R.sum().backward()
    with pytest.raises(RuntimeError, match="mode='complete' and nrows > ncols"):
        tocha.linalg.qr(_leaf(_random((4, 3), "float64")), mode="complete").Q.sum().backward()


@pytest.mark.parametrize("dt", DTYPES)
def test_eigh(checks: Any, dt: str) -> None:
    x = _leaf(_random((2, 3, 3), dt))

    def fn(t: tocha.Tensor) -> Any:
        w, v = tocha.linalg.eigh(_herm(t))
        return w, v.abs()  # |v| does not depend on the eigenvectors' phases

    _check(checks, fn, x)
    _check(checks, lambda t: tocha.linalg.eigvalsh(_herm(t), UPLO="U"), x)


def test_eigh_gauge_check(checks: Any) -> None:
    x = _leaf(_random((3, 3), "complex128"))
    _, v = tocha.linalg.eigh(_herm(x))
    with pytest.raises(RuntimeError, match="specified up to multiplication by e"):
        v.imag.sum().backward()


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize(("shape", "full"), [((3, 3), False), ((4, 3), False), ((3, 4), False), ((3, 4), True)])
def test_svd(checks: Any, dt: str, shape: tuple[int, ...], full: bool) -> None:
    x = _leaf(_random(shape, dt))

    def fn(t: tocha.Tensor) -> Any:
        u, s, vh = tocha.linalg.svd(t, full_matrices=full)
        k = s.shape[-1]
        return u[..., :k].abs(), s, vh[..., :k, :].abs(), u[..., :k] @ vh[..., :k, :]

    _check(checks, fn, x)
    _check(checks, tocha.linalg.svdvals, x)


def test_svd_gauge_check(checks: Any) -> None:
    x = _leaf(_random((3, 3), "complex128"))
    u = tocha.linalg.svd(x).U
    with pytest.raises(RuntimeError, match="specified up to multiplication by e"):
        u.imag.sum().backward()


@pytest.mark.parametrize("dt", DTYPES)
def test_matrix_exp_and_powers(checks: Any, dt: str) -> None:
    x = _leaf(_random((2, 3, 3), dt))
    _check(checks, tocha.linalg.matrix_exp, x)
    _check(checks, tocha.linalg.matrix_exp, _leaf(_random((2, 2), dt) * 6))
    _check(checks, lambda t: tocha.linalg.matrix_power(t, 3), x)
    _check(checks, lambda t: tocha.linalg.matrix_power(t, -2), _wc((3, 3), dt))


@pytest.mark.parametrize("dt", DTYPES)
def test_pinv_lstsq(checks: Any, dt: str) -> None:
    a = _leaf(_random((4, 3), dt))
    _check(checks, tocha.linalg.pinv, a)
    _check(checks, lambda t: tocha.linalg.pinv(_herm(t) + tocha.eye(3, dtype=t.dtype) * 3, hermitian=True),
           _leaf(_random((3, 3), dt)))  # fmt: skip
    b = _leaf(_random((4, 2), dt, 1))
    _check(checks, lambda x, y: tocha.linalg.lstsq(x, y).solution, a, b, second=False)


@pytest.mark.parametrize("dt", DTYPES)
def test_lu(checks: Any, dt: str) -> None:
    a = _leaf(_random((2, 3, 3), dt))
    _check(checks, lambda t: tocha.linalg.lu_factor(t).LU, a)
    _check(checks, lambda t: tuple(tocha.linalg.lu(t))[1:], a, second=False)

    def solve_via_lu(t: tocha.Tensor, b: tocha.Tensor) -> tocha.Tensor:
        lu, piv = tocha.linalg.lu_factor(t)
        return tocha.linalg.lu_solve(lu, piv, b)

    _check(checks, solve_via_lu, _wc((3, 3), dt), _leaf(_random((3, 2), dt, 1)), second=False)


@pytest.mark.parametrize("dt", DTYPES)
def test_norms(checks: Any, dt: str) -> None:
    a = _leaf(_random((2, 3, 4), dt))
    for ord in ["fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf]:
        _check(checks, lambda t, o=ord: tocha.linalg.matrix_norm(t, o), a, second=ord in ("fro", "nuc", 2))
    for ord in [2, 1, 3.0, math.inf]:
        _check(checks, lambda t, o=ord: tocha.linalg.vector_norm(t, o, dim=-1), a, second=ord == 2)
    _check(checks, tocha.linalg.norm, a)
    _check(checks, tocha.linalg.cond, _wc((3, 3), dt), second=False)


@pytest.mark.parametrize("dt", DTYPES)
def test_products(checks: Any, dt: str) -> None:
    x, y = _leaf(_random((2, 3), dt)), _leaf(_random((2, 3), dt, 1))
    _check(checks, tocha.linalg.cross, x, y)
    _check(checks, tocha.linalg.vecdot, x, y)
    mats = (_leaf(_random((2, 3), dt)), _leaf(_random((3, 4), dt, 1)), _leaf(_random((4,), dt, 2)))
    _check(checks, lambda *ms: tocha.linalg.multi_dot(list(ms)), *mats)
    a, tau = _leaf(_random((4, 3), dt)), _leaf(_random((2,), dt, 1))
    _check(checks, tocha.linalg.householder_product, a, tau, second=False)
    _check(checks, lambda t: tocha.linalg.tensorinv(t, ind=1), _leaf(_wc((4, 4), dt).detach().reshape(4, 2, 2)),
           second=False)  # fmt: skip


@pytest.mark.parametrize("dt", DTYPES)
def test_eig(checks: Any, dt: str) -> None:
    x = _leaf(_random((2, 3, 3), dt))

    def fn(t: tocha.Tensor) -> Any:
        w, v = tocha.linalg.eig(t)
        return w, v.abs()  # |v| does not depend on the eigenvectors' phases

    _check(checks, fn, x)
    _check(checks, tocha.linalg.eigvals, x)


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_gradient_of_a_complex_input_matches_pytorch(upper: bool) -> None:
    # The gradient keeps the imaginary part of its diagonal, as PyTorch's (gradcheck cannot tell: it only
    # probes Hermitian perturbations through the symmetrising wrapper)
    pytest.importorskip("tocha.autograd")
    torch = pytest.importorskip("torch")
    a = _pd(_random((2, 3, 3), "complex128")).numpy()
    w = _random((2, 3, 3), "complex128", seed=1).numpy()
    ours = tocha.from_numpy(a.copy()).requires_grad_()
    (tocha.linalg.cholesky(ours, upper=upper) * tocha.from_numpy(w)).real.sum().backward()
    theirs = torch.from_numpy(a.copy()).requires_grad_()
    (torch.linalg.cholesky(theirs, upper=upper) * torch.from_numpy(w)).real.sum().backward()
    assert ours.grad is not None
    assert np.abs(np.diagonal(ours.grad.numpy(), axis1=-2, axis2=-1).imag).max() > 1e-3
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_matrix_power_zero_and_vector_norm_zero_gradients() -> None:
    # As PyTorch: A^0 is an identity that still requires grad (zero gradient); the 0-"norm" counts nonzeros
    # and gives no gradient at all
    pytest.importorskip("tocha.autograd")
    a = _leaf(_random((2, 3, 3), "float64"))
    power = tocha.linalg.matrix_power(a, 0)
    np.testing.assert_array_equal(power.detach().numpy(), np.broadcast_to(np.eye(3), (2, 3, 3)))
    assert power.requires_grad
    power.sum().backward()
    assert a.grad is not None
    np.testing.assert_array_equal(a.grad.numpy(), np.zeros((2, 3, 3)))
    assert tocha.linalg.matrix_power(_leaf(_random((0, 3, 3), "float64")), 0).shape == (0, 3, 3)
    x = _leaf(_random((4,), "float64"))
    (tocha.linalg.vector_norm(x, 0) + (x * x).sum() * 0).backward()
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros(4))  # only the second term reached x
    y = _leaf(_random((4,), "float64"))
    norm = tocha.linalg.vector_norm(y, 0)
    assert norm.item() == 4.0
    assert norm.requires_grad
    norm.backward()
    assert y.grad is None
