"""Special functions (erf, erfc, lgamma, erfinv): vectorised float64 approximations vs hand values, libm and PyTorch."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import tocha
from tocha._ops import elementwise_special as special

RNG = np.random.default_rng(7)


def t(a: Any) -> Any:
    return tocha.from_numpy(np.array(a, copy=True))


def _lgamma_libm(v: float) -> float:
    try:
        return math.lgamma(v)
    except (ValueError, OverflowError):  # poles; overflow past ~2.5e305
        return math.inf


def _erf_points() -> np.ndarray:
    return np.concatenate(
        [
            np.linspace(-30.0, 30.0, 6001),
            np.geomspace(1e-300, 27.0, 600),
            -np.geomspace(1e-300, 27.0, 600),
            # the branch edges of Cody's approximation, and their neighbours
            [0.46875, np.nextafter(0.46875, 0), np.nextafter(0.46875, 1), 4.0, np.nextafter(4.0, 5), -4.0],
        ]
    )


# ------------------------------------------------------------------ hand-checked values


def test_erf_erfc_hand_values() -> None:
    # erf(1) = 0.8427007929497149, erfc(3) = 2.209049699858544e-05, erfc(10) = 2.088487583762545e-45 (A&S 7.1).
    x = t(np.array([0.0, -0.0, 0.5, 1.0, -1.0, 3.0, 10.0, math.inf, -math.inf]))
    assert tocha.erf(x).tolist()[:2] == [0.0, 0.0]
    assert math.copysign(1.0, tocha.erf(x).tolist()[1]) == -1.0
    erf = tocha.erf(x).numpy()
    np.testing.assert_allclose(erf[2:5], [0.5204998778130465, 0.8427007929497149, -0.8427007929497149], rtol=1e-15)
    assert erf[7:].tolist() == [1.0, -1.0]
    erfc = tocha.erfc(x).numpy()
    np.testing.assert_allclose(erfc[[3, 4, 5, 6]], [0.15729920705028513, 1.8427007929497148, 2.209049699858544e-05,
                                                    2.088487583762545e-45], rtol=1e-14)  # fmt: skip
    assert erfc[7:].tolist() == [0.0, 2.0]
    assert tocha.erfc(t(np.array([30.0]))).tolist() == [0.0]  # underflows, as libm
    nan = tocha.erf(t(np.array([math.nan]))).tolist() + tocha.erfc(t(np.array([math.nan]))).tolist()
    assert all(math.isnan(v) for v in nan)


def test_erf_erfc_match_libm_to_an_ulp_or_two() -> None:
    x = _erf_points()
    erf = tocha.erf(t(x)).numpy()
    erfc = tocha.erfc(t(x)).numpy()
    np.testing.assert_allclose(erf, [math.erf(v) for v in x], rtol=1e-15, atol=0)
    reference = np.array([math.erfc(v) for v in x])
    normal = reference > 1e-300  # the subnormal tail has fewer bits to compare
    np.testing.assert_allclose(erfc[normal], reference[normal], rtol=2e-15, atol=0)
    np.testing.assert_allclose(erfc[~normal], reference[~normal], rtol=0, atol=1e-300)


def test_lgamma_hand_values_and_poles() -> None:
    # lgamma(1/2) = log(sqrt(pi)); lgamma(-1/2) = log(2 sqrt(pi)); lgamma(10) = log(9!); lgamma(3) = log 2.
    x = t(np.array([0.5, -0.5, 10.0, 3.0, 1.0, 2.0, 1e-10, -2.5]))
    expected = [0.5 * math.log(math.pi), math.log(2 * math.sqrt(math.pi)), math.log(362880.0), math.log(2.0), 0.0,
                0.0, -math.log(1e-10) - 0.5772156649015329e-10, math.log(8 * math.sqrt(math.pi) / 15)]  # fmt: skip
    np.testing.assert_allclose(tocha.lgamma(x).numpy(), expected, rtol=1e-14, atol=1e-15)
    assert tocha.lgamma(t(np.array([1.0, 2.0]))).tolist() == [0.0, 0.0]  # exact zeros, as libm
    poles = t(np.array([0.0, -0.0, -1.0, -2.0, -1e20, math.inf, -math.inf]))
    assert tocha.lgamma(poles).tolist() == [math.inf] * 7
    assert math.isnan(tocha.lgamma(t(np.array([math.nan]))).item())
    assert tocha.lgamma(t(np.array([1e306]))).item() == math.inf  # overflows
    np.testing.assert_allclose(tocha.lgamma(t(np.array([1e300]))).numpy(), [_lgamma_libm(1e300)], rtol=1e-14)


def test_lgamma_matches_libm() -> None:
    x = np.concatenate(
        [np.linspace(-50, 50, 10007), np.geomspace(1e-300, 1e300, 700), -np.geomspace(1e-300, 1e14, 500)]
    )
    x = x[np.abs(x - np.round(x)) > 1e-9 * np.maximum(np.abs(x), 1)]  # away from the poles
    result = tocha.lgamma(t(x)).numpy()
    reference = np.array([_lgamma_libm(v) for v in x])
    # relative error near 1e-14 except close to lgamma's zeros (1, 2, and one per unit below -2): absolute there.
    np.testing.assert_allclose(result, reference, rtol=5e-14, atol=1e-13)
    away = np.abs(reference) > 0.5
    np.testing.assert_allclose(result[away], reference[away], rtol=1e-13, atol=0)


def test_lgamma_keeps_relative_accuracy_near_its_zeros_at_1_and_2() -> None:
    # the Lanczos sum lost relative accuracy there (1e-8 at 1 - 1e-7): a Taylor series of ln Γ(1 + z) now
    offsets = np.concatenate([np.geomspace(1e-15, 0.3, 300), -np.geomspace(1e-15, 0.3, 300)])
    x = np.concatenate([1.0 + offsets, 2.0 + offsets])
    z = x - np.round(x)  # exact

    # ln Γ(1 + z) = -Cz + Σₖ (-1)ᵏ ζ(k) zᵏ/k to z¹² for |z| < 0.03 (C: Euler's constant; truncation below 1e-18), libm beyond: glibc's
    # relative error grows near the zeros (1e-12 at 1.001; -3.3e-16 for ln Γ(1 + 1.1e-15) = -6.4e-16)
    def zeta(k: int, n: int = 100) -> float:  # Euler-Maclaurin from n, to the B₄ term: error ~k⁵ n⁻ᵏ⁻⁵/30240
        tail = [
            n ** (1 - k) / (k - 1),
            0.5 * n**-k,
            k / (12 * n ** (k + 1)),
            -k * (k + 1) * (k + 2) / (720 * n ** (k + 3)),
        ]
        return math.fsum([j**-k for j in range(1, n)] + tail)

    coefficients = [(-1) ** k * zeta(k) / k for k in range(2, 13)]
    series = -0.5772156649015329 * z + sum(c * z**k for k, c in enumerate(coefficients, start=2))
    series = np.where(x > 1.5, series + np.log1p(z), series)
    near = np.abs(z) < 0.03
    reference = np.where(near, series, [_lgamma_libm(v) for v in x])
    result = tocha.lgamma(t(x)).numpy()
    np.testing.assert_allclose(result[near], reference[near], rtol=4e-15, atol=0)
    np.testing.assert_allclose(result[~near], reference[~near], rtol=5e-14, atol=0)  # libm: 3e-14 at 1.03
    assert tocha.lgamma(t(np.array([1.0, 2.0]))).tolist() == [0.0, 0.0]


def test_digamma_at_signed_zeros() -> None:
    assert tocha.digamma(t(np.array([0.0, -0.0]))).tolist() == [-math.inf, math.inf]  # PyTorch's signs


def test_erfinv_hand_values_and_edges() -> None:
    # erfinv(erf(1)) = 1, erfinv(0.5) = 0.4769362762044699 (A&S 7.1 inverted).
    x = t(np.array([0.0, -0.0, 0.5, -0.5, 0.8427007929497149, 1.0, -1.0, 1.5, -2.0, math.inf, math.nan]))
    result = tocha.erfinv(x).tolist()
    assert result[:2] == [0.0, 0.0]
    assert math.copysign(1.0, result[1]) == -1.0
    np.testing.assert_allclose(result[2:5], [0.4769362762044699, -0.4769362762044699, 1.0], rtol=1e-15)
    assert result[5:7] == [math.inf, -math.inf]
    assert all(math.isnan(v) for v in result[7:])


def test_erfinv_inverts_erf_into_the_tails() -> None:
    x = np.concatenate([np.linspace(-1, 1, 4001)[1:-1], 1 - np.geomspace(1.2e-16, 0.5, 300), [1e-300, 0.4925]])
    y = tocha.erfinv(t(x)).numpy()
    assert np.array_equal(np.sign(y), np.sign(x))
    upper = np.abs(x) > 0.5
    # below 1/2 invert through erf; above through erfc, where 1 - |x| is exact.
    np.testing.assert_allclose([math.erf(v) for v in y[~upper]], x[~upper], rtol=1e-15, atol=1e-300)
    # (erfc(y) amplifies an ulp of y by 2y² ~ 70 at the far end)
    np.testing.assert_allclose([math.erfc(abs(v)) for v in y[upper]], 1 - np.abs(x[upper]), rtol=2e-14)


@pytest.mark.parametrize("name", ["erf", "erfc", "lgamma", "erfinv"])
def test_dtypes_shapes_and_layouts(name: str) -> None:
    fn = getattr(tocha, name)
    base = RNG.uniform(-0.9, 0.9, (4, 6))
    for dtype in (np.float16, np.float32, np.float64):
        a = base.astype(dtype)
        result = fn(t(a)[:, ::2].T)  # non-contiguous
        assert result.dtype is getattr(tocha, np.dtype(dtype).name)
        expected = getattr(special, name)(np, a.astype(np.float64)).astype(dtype)[:, ::2].T
        np.testing.assert_array_equal(result.numpy(), expected)
    assert fn(t(np.zeros((0, 3)))).shape == (0, 3)
    scalar = fn(t(np.array(0.25)))
    assert scalar.shape == ()
    assert scalar.item() == getattr(special, name)(np, np.array([0.25])).item()


@pytest.mark.parametrize("name", ["erf", "erfc", "lgamma", "erfinv"])
def test_large_inputs_go_through_in_chunks_with_the_same_values(name: str) -> None:
    fn = getattr(special, name)
    low, high = (-0.999, 0.999) if name == "erfinv" else (-8.0, 8.0)
    x = RNG.uniform(low, high, 7 * (special._CHUNK // 2 + 5))  # over three chunks
    x[::1000] = np.nan
    whole = fn(np, x.reshape(-1, 7)[:, ::-1])  # also non-contiguous
    pieces = np.concatenate([fn(np, piece) for piece in np.array_split(x.reshape(-1, 7)[:, ::-1].ravel(), 97)])
    np.testing.assert_array_equal(whole.ravel(), pieces)
    assert whole.shape == (len(x) // 7, 7)


# ------------------------------------------------------------------ PyTorch


@pytest.mark.parametrize("name", ["erf", "erfc"])
def test_erf_erfc_match_pytorch(name: str) -> None:
    torch = pytest.importorskip("torch")
    x = np.concatenate([_erf_points(), [math.inf, -math.inf, math.nan, 0.0, -0.0]])
    expected = getattr(torch, name)(torch.from_numpy(x)).numpy()
    result = getattr(tocha, name)(t(x)).numpy()
    normal = ~np.isfinite(expected) | (np.abs(expected) > 1e-300)
    np.testing.assert_allclose(result[normal], expected[normal], rtol=1e-13, atol=0)
    np.testing.assert_allclose(result[~normal], expected[~normal], rtol=0, atol=1e-300)
    x32 = RNG.uniform(-6, 6, 2000).astype(np.float32)
    expected32 = getattr(torch, name)(torch.from_numpy(x32)).numpy()
    np.testing.assert_allclose(getattr(tocha, name)(t(x32)).numpy(), expected32, rtol=2e-6, atol=1e-7)


def test_lgamma_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    x = np.concatenate(
        [
            np.linspace(-60, 60, 24001),
            np.geomspace(1e-300, 1e306, 800),
            -np.geomspace(1e-300, 1e16, 600),
            [0.0, -0.0, -1.0, -7.0, 1.0, 2.0, math.inf, -math.inf, math.nan],
        ]
    )
    expected = torch.lgamma(torch.from_numpy(x)).numpy()
    result = tocha.lgamma(t(x)).numpy()
    nonfinite = ~np.isfinite(expected)
    np.testing.assert_array_equal(result[nonfinite], expected[nonfinite])
    near_zeros = (np.abs(x - 1) < 0.25) | (np.abs(x - 2) < 0.25)
    positive = (x > 0) & ~near_zeros & ~nonfinite
    np.testing.assert_allclose(result[positive], expected[positive], rtol=1e-12, atol=0)
    np.testing.assert_allclose(result[near_zeros], expected[near_zeros], rtol=0, atol=1e-14)
    # below 0, lgamma has a zero in every unit interval past -2: absolute error there, relative elsewhere
    negative = (x < 0) & ~nonfinite
    np.testing.assert_allclose(result[negative], expected[negative], rtol=1e-12, atol=1e-12)
    x32 = RNG.uniform(-20, 20, 2000).astype(np.float32)
    expected32 = torch.lgamma(torch.from_numpy(x32)).numpy()
    np.testing.assert_allclose(tocha.lgamma(t(x32)).numpy(), expected32, rtol=1e-5, atol=1e-5)


def test_erfinv_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    x = np.concatenate(
        [
            np.linspace(-1, 1, 20001),
            1 - np.geomspace(1.1e-16, 0.5, 400),
            -1 + np.geomspace(1.1e-16, 0.5, 400),
            np.geomspace(1e-300, 0.5, 200),
            [1.5, -2.0, math.inf, -math.inf, math.nan, 0.0, -0.0],
        ]
    )
    expected = torch.erfinv(torch.from_numpy(x)).numpy()
    result = tocha.erfinv(t(x)).numpy()
    np.testing.assert_allclose(result, expected, rtol=1e-12, atol=0)
    signed = ~np.isnan(expected)
    assert np.array_equal(np.signbit(result[signed]), np.signbit(expected[signed]))
    x32 = RNG.uniform(-1, 1, 2000).astype(np.float32)
    expected32 = torch.erfinv(torch.from_numpy(x32)).numpy()
    np.testing.assert_allclose(tocha.erfinv(t(x32)).numpy(), expected32, rtol=2e-6, atol=1e-7)
