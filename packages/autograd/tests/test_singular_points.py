"""Derivatives at the edges of ops' domains (zeros, poles, outside the domain): the infs and NaNs of jacrev and
jacfwd where PyTorch's are, and the finite values equal."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tocha

POINTS = np.array([0.0, 1.0, -0.5, 1.5, 2.0])

FUNCTIONS: dict[str, Callable[[Any, Any], Any]] = {
    "log": lambda lib, x: x.log(),
    "log2": lambda lib, x: x.log2(),
    "sqrt": lambda lib, x: x.sqrt(),
    "rsqrt": lambda lib, x: x.rsqrt(),
    "reciprocal": lambda lib, x: x.reciprocal(),
    "lgamma": lambda lib, x: x.lgamma(),
    "digamma": lambda lib, x: x.digamma(),
    "acosh": lambda lib, x: x.acosh(),
    "atanh": lambda lib, x: x.atanh(),
    "logit": lambda lib, x: lib.logit(x),
    "logit with eps": lambda lib, x: lib.logit(x, 0.1),
    "logit with eps 0": lambda lib, x: lib.logit(x, 0.0),
    "pow 0.5": lambda lib, x: x**0.5,
    "pow of a tensor exponent": lambda lib, x: x ** (x * 0 + 2.5),
    "xlogy": lambda lib, x: lib.xlogy(x, x),
    "entr": lambda lib, x: lib.special.entr(x),
    "prod through a zero": lambda lib, x: x.prod().reshape(1) * x,
    "cumprod through a zero": lambda lib, x: x.cumprod(0),
    "norm at zero": lambda lib, x: (x * 0).norm().reshape(1) + x,
}


def _both(lib: Any, f: Callable[[Any, Any], Any]) -> tuple[np.ndarray, np.ndarray]:
    x = lib.from_numpy(POINTS.copy())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return (
            lib.func.jacrev(lambda v: f(lib, v))(x).detach().numpy(),
            lib.func.jacfwd(lambda v: f(lib, v))(x).detach().numpy(),
        )


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_jacobians_at_singular_points_match_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = _both(tocha, FUNCTIONS[name]), _both(torch, FUNCTIONS[name])
    for mode, a, b in zip(("jacrev", "jacfwd"), ours, theirs, strict=True):
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=f"{name} {mode}: NaN positions")
        np.testing.assert_array_equal(np.isposinf(a), np.isposinf(b), err_msg=f"{name} {mode}: +inf positions")
        np.testing.assert_array_equal(np.isneginf(a), np.isneginf(b), err_msg=f"{name} {mode}: -inf positions")
        finite = np.isfinite(a)
        rtol = 1e-8 if name == "digamma" else 1e-12  # PyTorch's trigamma is good to ~5e-10 (pi^2/6 at 1)
        np.testing.assert_allclose(a[finite], b[finite], rtol=rtol, atol=1e-14, err_msg=f"{name} {mode}")


def test_sinc_derivative_near_zero_keeps_its_digits() -> None:
    """(cos(pi x) - sinc(x)) / x cancels near 0 (PyTorch's gives -2.1e-8 at 1e-8 for -3.29e-8): a series there."""
    x = tocha.tensor([1e-8, -1e-5, 1e-3, 0.0], dtype=tocha.float64)
    slope = np.diag(tocha.func.jacrev(tocha.sinc)(x).numpy())
    v = x.numpy() * np.pi
    exact = np.pi * (-v / 3 + v**3 / 30 - v**5 / 840)  # the series of d/dx sinc(x), ample at these |x|
    np.testing.assert_allclose(slope, exact, rtol=1e-14, atol=0)


_GRID = [0.0, 1.0, -1.0, -0.5, 2.0]
A = np.array([a for a in _GRID for _ in _GRID])
B = np.array([b for _ in _GRID for b in _GRID])

BINARY: dict[str, Callable[[Any, Any, Any], Any]] = {
    "atan2": lambda lib, a, b: lib.atan2(a, b),
    "fmax": lambda lib, a, b: lib.fmax(a, b),
    "fmin": lambda lib, a, b: lib.fmin(a, b),
    "maximum": lambda lib, a, b: lib.maximum(a, b),
    "clamp below": lambda lib, a, b: lib.clamp(a, min=b),
    "clamp above": lambda lib, a, b: lib.clamp(a, max=b),
    "clamp between": lambda lib, a, b: lib.clamp(a, min=b, max=b + 0.5),
    "nextafter": lambda lib, a, b: lib.nextafter(a, b),
    "div": lambda lib, a, b: a / b,
    "fmod": lambda lib, a, b: lib.fmod(a, b),
    "remainder": lambda lib, a, b: lib.remainder(a, b),
    "pow": lambda lib, a, b: a**b,
    "xlogy": lambda lib, a, b: lib.xlogy(a, b),
}


def _binary_jacobians(lib: Any, f: Callable[[Any, Any, Any], Any]) -> list[np.ndarray]:
    a, b = lib.from_numpy(A.copy()), lib.from_numpy(B.copy())
    g = lambda x, y: f(lib, x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # jacfwd one argument at a time: with both, PyTorch pairs each tangent with a zero one for the other
        # argument, whose 0 * inf terms turn infinite partial derivatives into NaN
        found = [*lib.func.jacrev(g, argnums=(0, 1))(a, b), lib.func.jacfwd(g, argnums=0)(a, b)]
        found.append(lib.func.jacfwd(g, argnums=1)(a, b))
    return [np.diag(j.detach().numpy()) for j in found]


@pytest.mark.parametrize("name", list(BINARY))
def test_binary_jacobians_at_singular_points_and_ties_match_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = _binary_jacobians(tocha, BINARY[name]), _binary_jacobians(torch, BINARY[name])
    for mode, a, b in zip(("jacrev a", "jacrev b", "jacfwd a", "jacfwd b"), ours, theirs, strict=True):
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=f"{name} {mode}: NaN positions")
        finite = np.isfinite(a) & np.isfinite(b)
        np.testing.assert_array_equal(a[~finite & ~np.isnan(a)], b[~finite & ~np.isnan(b)], err_msg=f"{name} {mode}")
        np.testing.assert_allclose(a[finite], b[finite], rtol=1e-12, atol=1e-14, err_msg=f"{name} {mode}")


ROWS = np.array([[1.0, 3.0, 3.0, -2.0], [0.0, 0.0, 0.0, 0.0], [5.0, 5.0, 5.0, 5.0]])
REDUCTIONS: dict[str, Callable[[Any, Any], Any]] = {
    "std of a constant row": lambda lib, x: x.std(1),
    "amax with ties": lambda lib, x: x.amax(1),
    "max with ties": lambda lib, x: x.max(1).values,
    "median with ties": lambda lib, x: x.median(1).values,
    "norms at a zero row": lambda lib, x: x.norm(dim=1) + x.norm(p=3, dim=1) + x.norm(p=float("inf"), dim=1),
    "logcumsumexp through -inf": lambda lib, x: lib.where(x < 0.5, -math.inf, x).logcumsumexp(1),
    "logsumexp and softmax": lambda lib, x: x.logsumexp(1).unsqueeze(1) * x.softmax(1),
    "cummax with ties": lambda lib, x: x.cummax(1).values,
}


@pytest.mark.parametrize("name", list(REDUCTIONS))
def test_reductions_at_ties_and_degenerate_rows_match_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    results = []
    for lib in (tocha, torch):
        x = lib.from_numpy(ROWS.copy())
        f = lambda v, lib=lib: REDUCTIONS[name](lib, v)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results.append([lib.func.jacrev(f)(x).detach().numpy(), lib.func.jacfwd(f)(x).detach().numpy()])
    for mode, a, b in zip(("jacrev", "jacfwd"), *results, strict=True):
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=f"{name} {mode}: NaN positions")
        np.testing.assert_allclose(np.nan_to_num(a), np.nan_to_num(b), rtol=1e-10, atol=1e-12, err_msg=f"{name} {mode}")


@pytest.mark.parametrize(("low", "high"), [(0.0, 1.0), (1.0, 0.0), (0.5, 0.5), (None, 1.0), (0.0, None)])
@pytest.mark.parametrize("tensor_bounds", [False, True])
def test_clamp_gradients_at_ties_nans_and_crossed_bounds_match_torch(
    low: float | None, high: float | None, tensor_bounds: bool
) -> None:
    torch = pytest.importorskip("torch")
    found = []
    for lib in (tocha, torch):
        x = lib.tensor([math.nan, -1.0, 0.0, 0.5, 1.0, 2.0], dtype=lib.float64, requires_grad=True)
        bounds = [
            None if b is None else lib.full((6,), b, dtype=lib.float64, requires_grad=True) if tensor_bounds else b
            for b in (low, high)
        ]
        y = lib.clamp(x, *bounds)
        inputs = [t for t in (x, *bounds) if isinstance(t, lib.Tensor)]
        cotangent = lib.tensor([1.0, 2.0, 3.0, math.nan, 5.0, 6.0], dtype=lib.float64)
        grads = lib.autograd.grad(y, inputs, cotangent, allow_unused=True)
        found.append([y.detach().numpy(), *(g.numpy() for g in grads)])
    for ours, theirs in zip(*found, strict=True):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize(
    "matrix",
    [np.eye(3), np.diag([2.0, 2.0, 1.0]), np.array([[0.0, 1.0], [-1.0, 0.0]]), np.zeros((2, 3)), np.ones((3, 2))],
    ids=["identity", "repeated", "rotation", "zero", "rank one"],
)
def test_pinv_gradients_where_singular_values_repeat_match_torch(matrix: np.ndarray) -> None:
    """pinv's derivative is Golub and Pereyra's, not the SVD's (which divides by differences of singular values:
    NaN gradients for an identity or an orthogonal matrix before)."""
    torch = pytest.importorskip("torch")
    ours = tocha.func.jacrev(tocha.linalg.pinv)(tocha.from_numpy(matrix.copy())).numpy()
    theirs = torch.func.jacrev(torch.linalg.pinv)(torch.from_numpy(matrix.copy())).numpy()
    assert not np.isnan(ours).any()
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    x = tocha.from_numpy(matrix.copy() + 0.1 * np.arange(matrix.size).reshape(matrix.shape)).requires_grad_()
    assert tocha.autograd.gradgradcheck(tocha.linalg.pinv, (x,))


@pytest.mark.parametrize(
    "matrix",
    [np.ones((2, 2)), np.diag([1.0, 0.0, 2.0]), np.array([[1.0, 2, 3], [2, 4, 6], [1, 0, 1]]), np.zeros((3, 3))],
    ids=["rank one", "a zero pivot", "dependent rows", "zero"],
)
def test_det_gradient_of_a_singular_matrix_is_its_cofactor_matrix(matrix: np.ndarray) -> None:
    """The adjugate from the SVD where det is 0 (an error from inv before). PyTorch 2.13 gives zeros there, which
    finite differences contradict: det(ones(2, 2) + eps E_00) = eps."""
    x = tocha.from_numpy(matrix.copy()).requires_grad_()
    (g,) = tocha.autograd.grad(tocha.linalg.det(x), x)
    n = matrix.shape[0]
    cofactors = np.array(
        [
            [(-1) ** (i + j) * np.linalg.det(np.delete(np.delete(matrix, i, 0), j, 1)) for j in range(n)]
            for i in range(n)
        ]
    )
    np.testing.assert_allclose(g.numpy(), cofactors, rtol=1e-12, atol=1e-12)
    eps = 1e-7
    for i, j in np.ndindex(matrix.shape):
        bumped = matrix.copy()
        bumped[i, j] += eps
        assert abs((np.linalg.det(bumped) - np.linalg.det(matrix)) / eps - g.numpy()[i, j]) < 1e-5


def test_slogdet_gradient_of_a_singular_matrix_is_infinite_as_pytorchs() -> None:
    torch = pytest.importorskip("torch")
    found = []
    for lib in (tocha, torch):
        x = lib.from_numpy(np.ones((2, 2))).requires_grad_()
        found.append(lib.autograd.grad(lib.linalg.slogdet(x)[1], x)[0].numpy())
    np.testing.assert_array_equal(found[0], found[1])  # [[inf, -inf], [-inf, inf]]: adj(A)^T / det
    x = tocha.from_numpy(np.diag([1.0, 0.0, 2.0])).requires_grad_()
    (g,) = tocha.autograd.grad(tocha.logdet(x), x)
    assert g[1, 1].item() == math.inf
    assert np.isnan(g.numpy()[0]).all()
