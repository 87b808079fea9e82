"""polygamma(n, x): hand values, identities, poles, dtypes, errors, vjps, and PyTorch."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import tocha
from tocha._ops import elementwise_special as special
from tocha.testing import SampleInput, check_vjp

RNG = np.random.default_rng(11)
EULER_GAMMA = 0.57721566490153286
ZETA3 = 1.2020569031595942854
INF = math.inf


def t(a: Any, dtype: Any = None) -> Any:
    out = tocha.from_numpy(np.array(a, dtype=np.float64, copy=True))
    return out if dtype is None else out.to(dtype)


def _points() -> np.ndarray:
    """x in [-5.5, 50], at least 1e-3 away from the poles."""
    x = np.concatenate([RNG.uniform(-5.5, 50.0, 20000), np.linspace(-5.5, 50.0, 20001)])
    return x[np.abs(x - np.round(x)) > 1e-3]


# ------------------------------------------------------------------ hand-checked values


@pytest.mark.parametrize(
    ("n", "x", "expected"),
    [
        (0, 1.0, -EULER_GAMMA),
        (0, 0.5, -EULER_GAMMA - 2 * math.log(2.0)),
        (1, 1.0, math.pi**2 / 6),
        (1, 0.5, math.pi**2 / 2),
        (1, 2.0, math.pi**2 / 6 - 1),
        (2, 1.0, -2 * ZETA3),
        (2, 0.5, -14 * ZETA3),
        (3, 1.0, math.pi**4 / 15),
        (3, 0.5, math.pi**4),
        (1, -0.5, math.pi**2 / 2 + 4),  # ψ'(x) = ψ'(x + 1) + 1/x²
        (2, -0.5, -14 * ZETA3 + 16),  # ψ''(x) = ψ''(x + 1) - 2/x³
        (4, 1.0, -24 * 1.0369277551433699263),  # -4! ζ(5)
    ],
)
def test_hand_values(n: int, x: float, expected: float) -> None:
    got = tocha.polygamma(n, t([x])).item()
    assert got == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7])
def test_recurrence_and_reflection(n: int) -> None:
    x = _points()
    x = x[np.abs(x) > 0.05]
    psi = special.polygamma(np, x, n)
    shifted = special.polygamma(np, x + 1.0, n)
    step = (-1) ** n * math.factorial(n) / x ** (n + 1)
    # Below 0 the terms (x + k)⁻ⁿ⁻¹ of both signs cancel for even n: the nearest pole's term sets the scale.
    nearest = np.where(x < 0, math.factorial(n) * np.abs(x - np.round(x)) ** -(n + 1.0), 0.0)
    scale = np.abs(psi) + np.abs(shifted) + np.abs(step) + nearest
    np.testing.assert_array_less(np.abs(shifted - psi - step), 1e-14 * scale)
    # ψ⁽ⁿ⁾(x) of the order-n sum Σ (x + k)⁻ⁿ⁻¹ for odd n is positive, for even n negative, when x > 0
    positive = x > 0
    assert np.all(np.sign(psi[positive]) == (1.0 if n % 2 else -1.0))


def test_large_order_matches_the_series_definition() -> None:
    # ψ⁽ⁿ⁾(x) = (-1)ⁿ⁺¹ n! Σₖ (x + k)⁻ⁿ⁻¹; for n = 12 the sum converges after a few hundred terms.
    n, x = 12, np.array([0.75, 1.5, 3.0])
    k = np.arange(2000.0)
    expected = -math.factorial(n) * np.sum((x[:, None] + k) ** -(n + 1.0), axis=1)
    np.testing.assert_allclose(special.polygamma(np, x, n), expected, rtol=1e-14)


def test_poles_and_infinities() -> None:
    x = t([0.0, -1.0, -3.0, INF, -INF, math.nan])
    np.testing.assert_array_equal(tocha.polygamma(0, x).numpy(), [-INF, math.nan, math.nan, INF, math.nan, math.nan])
    np.testing.assert_array_equal(tocha.polygamma(1, x).numpy(), [INF, INF, INF, 0.0, math.nan, math.nan])
    np.testing.assert_array_equal(tocha.polygamma(2, x).numpy(), [-INF, -INF, -INF, math.nan, -INF, math.nan])
    np.testing.assert_array_equal(tocha.polygamma(3, x).numpy(), [INF, INF, INF, math.nan, INF, math.nan])


def test_tiny_and_huge_arguments() -> None:
    got = tocha.polygamma(2, t([1e-10, -1e-10, 1e300])).numpy()
    np.testing.assert_allclose(got[:2], [-2e30, 2e30], rtol=1e-12)
    assert got[2] == 0.0
    assert tocha.polygamma(1, t([1e10])).item() == pytest.approx(1e-10, rel=1e-9)


# ------------------------------------------------------------------ dtypes, layouts, variants


@pytest.mark.parametrize("dtype", [tocha.float16, tocha.bfloat16, tocha.float32, tocha.float64])
def test_float_dtypes_keep_their_dtype(dtype: Any) -> None:
    x = t([0.75, 1.5, 3.0], dtype)
    got = tocha.polygamma(2, x)
    assert got.dtype is dtype
    expected = special.polygamma(np, x.to(tocha.float64).numpy(), 2)
    np.testing.assert_allclose(got.to(tocha.float64).numpy(), expected, rtol=1e-2)


@pytest.mark.parametrize("dtype", [tocha.int64, tocha.uint8, tocha.bool])
def test_integer_and_bool_inputs_give_the_default_float(dtype: Any) -> None:
    got = tocha.polygamma(1, tocha.tensor([1, 1], dtype=dtype))
    assert got.dtype is tocha.float32
    np.testing.assert_allclose(got.numpy(), [math.pi**2 / 6] * 2, rtol=1e-6)


def test_shapes_and_layouts() -> None:
    base = t(RNG.uniform(0.5, 4.0, (4, 6)))
    view = base[:, ::2]
    assert not view.is_contiguous()
    np.testing.assert_array_equal(tocha.polygamma(3, view).numpy(), special.polygamma(np, base.numpy()[:, ::2], 3))
    scalar = tocha.polygamma(1, t(2.0))
    assert scalar.shape == ()
    assert scalar.item() == pytest.approx(math.pi**2 / 6 - 1, rel=1e-15)
    empty = tocha.polygamma(2, tocha.zeros(0, 3, dtype=tocha.float64))
    assert empty.shape == (0, 3)
    assert empty.dtype is tocha.float64


def test_method_inplace_and_out() -> None:
    x = t([1.0, 0.5])
    expected = tocha.polygamma(1, x).numpy()
    np.testing.assert_array_equal(x.polygamma(1).numpy(), expected)
    y = x.clone()
    assert y.polygamma_(1) is y
    np.testing.assert_array_equal(y.numpy(), expected)
    out = tocha.empty(2, dtype=tocha.float64)
    assert tocha.polygamma(1, x, out=out) is out
    np.testing.assert_array_equal(out.numpy(), expected)
    np.testing.assert_array_equal(tocha.polygamma(0, x).numpy(), tocha.digamma(x).numpy())


def test_errors() -> None:
    x = t([1.0])
    with pytest.raises(RuntimeError, match=r"polygamma\(n, x\) does not support negative n\."):
        tocha.polygamma(-1, x)
    with pytest.raises(RuntimeError, match="does not support negative n"):
        x.polygamma_(-2)
    with pytest.raises(TypeError, match=r"polygamma\(\): argument 'n' \(position 1\) must be int, not float"):
        tocha.polygamma(1.0, x)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must be int, not bool"):
        x.polygamma(True)
    with pytest.raises(TypeError, match=r"argument 'input' \(position 2\) must be Tensor, not float"):
        tocha.polygamma(1, 2.0)  # type: ignore[arg-type]
    with pytest.raises(NotImplementedError, match="\"polygamma\" not implemented for 'ComplexFloat'"):
        tocha.polygamma(2, tocha.tensor([1j]))
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        tocha.tensor([1, 2]).polygamma_(1)


# ------------------------------------------------------------------ vjps


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4])
def test_vjp(n: int) -> None:
    x = t(RNG.uniform(0.6, 6.0, (3, 4)))
    check_vjp("polygamma", SampleInput(n, args=(x,)))
    negative = t(RNG.uniform(-2.8, -2.2, 5))
    check_vjp("polygamma", SampleInput(n, args=(negative,)))


def test_digamma_vjp_is_trigamma() -> None:
    x = t(RNG.uniform(0.6, 6.0, 7))
    check_vjp("digamma", SampleInput(x))
    record = tocha.library.get_op("digamma")
    ctx = tocha.library.VjpContext(
        inputs=(x,), result=None, params=(), input_shapes=((7,),), input_dtypes=(x.dtype,), needs_input_grad=(True,)
    )
    (grad,) = record.vjp(ctx, tocha.ones_like(x))
    np.testing.assert_array_equal(grad.numpy(), tocha.polygamma(1, x).numpy())


# ------------------------------------------------------------------ PyTorch


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4])
def test_matches_pytorch_in_float64(n: int) -> None:
    torch = pytest.importorskip("torch")
    x = _points()
    got = tocha.polygamma(n, t(x)).numpy()
    expected = torch.polygamma(n, torch.from_numpy(x)).numpy()
    # Between the negative poles ψ⁽ⁿ⁾ of even n crosses zero: the error scale there is the nearest pole's term.
    distance = np.abs(x - np.round(x))
    scale = np.abs(expected) + np.where(x < 0.5, math.factorial(n) * distance ** -(n + 1.0), 0.0)
    # PyTorch's trigamma (n = 1) keeps a short series: it is itself only good to ~5e-10 (ψ'(1) is off by 8e-10).
    rtol = 2e-9 if n == 1 else 1e-12
    np.testing.assert_array_less(np.abs(got - expected), rtol * scale)


def test_matches_pytorch_at_poles_and_infinities() -> None:
    torch = pytest.importorskip("torch")
    x = np.array([0.0, INF, -INF, math.nan, -2.0, -7.0, 1e-10, -1e-10, 1e300])
    for n in range(6):
        values = x if n != 1 else x[:4]  # PyTorch's trigamma is finite (~1e32) at the negative integers
        got = tocha.polygamma(n, t(values)).numpy()
        expected = torch.polygamma(n, torch.from_numpy(values)).numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-12)
    for dtype in (tocha.float16, tocha.bfloat16, tocha.float32):
        x = t([0.3, 1.7, 4.2, -1.5], dtype)
        torch_dtype = getattr(torch, dtype.name)
        for n in range(4):
            expected = torch.polygamma(n, torch.tensor([0.3, 1.7, 4.2, -1.5], dtype=torch_dtype)).float().numpy()
            np.testing.assert_allclose(tocha.polygamma(n, x).float().numpy(), expected, rtol=1e-2 if n else 2e-2)
