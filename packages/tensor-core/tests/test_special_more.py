"""torch.special's orthogonal polynomials, Bessel functions (I, K, Y, spherical j0) and airy_ai.

Known values and identities run without PyTorch; the comparisons with PyTorch skip when it is absent.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import tocha
import tocha.special as ts
from tocha._ops import special_ops

POLYNOMIALS = [
    "chebyshev_polynomial_t",
    "chebyshev_polynomial_u",
    "chebyshev_polynomial_v",
    "chebyshev_polynomial_w",
    "shifted_chebyshev_polynomial_t",
    "shifted_chebyshev_polynomial_u",
    "shifted_chebyshev_polynomial_v",
    "shifted_chebyshev_polynomial_w",
    "hermite_polynomial_h",
    "hermite_polynomial_he",
    "laguerre_polynomial_l",
    "legendre_polynomial_p",
]
UNARY = [
    "modified_bessel_i0",
    "modified_bessel_i1",
    "modified_bessel_k0",
    "modified_bessel_k1",
    "scaled_modified_bessel_k0",
    "scaled_modified_bessel_k1",
    "bessel_y0",
    "bessel_y1",
    "spherical_bessel_j0",
    "airy_ai",
]
INF = math.inf


def _t64(values):
    return tocha.tensor(np.asarray(values, dtype=np.float64))


def _np(t):
    return np.asarray(t.numpy())


# ------------------------------------------------------------------ polynomials: known values, no torch


def test_polynomials_low_degrees_match_closed_forms():
    x = np.linspace(-3.0, 3.0, 41)
    closed = {
        "chebyshev_polynomial_t": 4 * x**3 - 3 * x,
        "chebyshev_polynomial_u": 8 * x**3 - 4 * x,
        "chebyshev_polynomial_v": 8 * x**3 - 4 * x**2 - 4 * x + 1,
        "chebyshev_polynomial_w": 8 * x**3 + 4 * x**2 - 4 * x - 1,
        "hermite_polynomial_h": 8 * x**3 - 12 * x,
        "hermite_polynomial_he": x**3 - 3 * x,
        "laguerre_polynomial_l": (-(x**3) + 9 * x**2 - 18 * x + 6) / 6,
        "legendre_polynomial_p": (5 * x**3 - 3 * x) / 2,
    }
    for name, expected in closed.items():
        np.testing.assert_allclose(_np(getattr(ts, name)(_t64(x), 3)), expected, rtol=1e-13, atol=1e-13, err_msg=name)
        shifted = "shifted_" + name
        if hasattr(ts, shifted):
            got = _np(getattr(ts, shifted)(_t64((x + 1) / 2), 3))
            np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-12, err_msg=shifted)


def test_chebyshev_trigonometric_identities_at_high_degree():
    theta = np.linspace(0.05, 3.1, 50)
    x = _t64(np.cos(theta))
    for n in (7, 20, 150):
        np.testing.assert_allclose(_np(ts.chebyshev_polynomial_t(x, n)), np.cos(n * theta), atol=1e-12)
        u = np.sin((n + 1) * theta) / np.sin(theta)
        np.testing.assert_allclose(_np(ts.chebyshev_polynomial_u(x, n)), u, atol=1e-11)
        v = np.cos((n + 0.5) * theta) / np.cos(theta / 2)
        np.testing.assert_allclose(_np(ts.chebyshev_polynomial_v(x, n)), v, atol=1e-10)
        w = np.sin((n + 0.5) * theta) / np.sin(theta / 2)
        np.testing.assert_allclose(_np(ts.chebyshev_polynomial_w(x, n)), w, atol=1e-10)


def test_polynomial_special_points_and_degrees():
    ones = _t64([1.0, 1.0])
    assert _np(ts.legendre_polynomial_p(ones, 40)).tolist() == [1.0, 1.0]
    assert _np(ts.chebyshev_polynomial_u(ones, 9)).tolist() == [10.0, 10.0]
    assert _np(ts.laguerre_polynomial_l(_t64([0.0]), 25)).tolist() == [1.0]
    assert _np(ts.hermite_polynomial_h(_t64([0.0]), 6)).tolist() == [-120.0]
    x = _t64([0.3, -2.0])
    for name in POLYNOMIALS:
        fn = getattr(ts, name)
        assert _np(fn(x, -1)).tolist() == [0.0, 0.0], name  # negative degrees give 0
        assert _np(fn(x, 0)).tolist() == [1.0, 1.0], name
        np.testing.assert_array_equal(_np(fn(x, 2.7)), _np(fn(x, 2)), err_msg=name)  # truncated toward zero
        np.testing.assert_array_equal(_np(fn(x, -0.5)), [1.0, 1.0], err_msg=name)


def test_polynomial_infinities_and_nan():
    x = _t64([INF, -INF, math.nan])
    assert _np(ts.chebyshev_polynomial_t(x, 2)).tolist()[:2] == [INF, INF]
    assert np.isnan(_np(ts.chebyshev_polynomial_t(x, 3))).all()  # inf - inf, as PyTorch
    assert _np(ts.laguerre_polynomial_l(x, 1)).tolist()[:2] == [-INF, INF]
    for name in POLYNOMIALS:
        got = _np(getattr(ts, name)(x, 5))
        assert np.isnan(got[2]), name
        assert _np(getattr(ts, name)(x, 0)).tolist() == [1.0, 1.0, 1.0], name
        assert _np(getattr(ts, name)(x, -1)).tolist() == [0.0, 0.0, 0.0], name  # PyTorch: 0 even at nan


def test_polynomial_degree_tensor_is_vectorised():
    x = _t64(np.linspace(-1.5, 1.5, 12).reshape(3, 4))
    n = tocha.tensor([[0, 1, 5, 12], [3, -2, 9, 7], [2, 2, 30, 1]])
    for name in POLYNOMIALS:
        fn = getattr(ts, name)
        got = _np(fn(x, n))
        expected = np.array([[_np(fn(x[i, j], int(n[i, j]))) for j in range(4)] for i in range(3)])
        np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-13, err_msg=name)
    broadcast = ts.hermite_polynomial_he(_t64([[0.5], [1.5]]), tocha.tensor([1, 2, 3]))
    assert broadcast.shape == (2, 3)
    np.testing.assert_allclose(_np(broadcast)[1], [1.5, 1.25, 1.5**3 - 4.5])


def test_polynomial_dtypes_shapes_and_out():
    assert ts.legendre_polynomial_p(tocha.tensor([0.5]), 2).dtype == tocha.float32
    assert ts.legendre_polynomial_p(tocha.tensor([1, 2]), 2).dtype == tocha.float32
    assert ts.legendre_polynomial_p(tocha.tensor([1]), tocha.tensor([2])).dtype == tocha.float32
    assert (
        ts.legendre_polynomial_p(tocha.tensor([0.5]), tocha.tensor([2.0], dtype=tocha.float64)).dtype == tocha.float64
    )
    assert ts.legendre_polynomial_p(2.0, tocha.tensor([2])).tolist() == [5.5]
    assert ts.legendre_polynomial_p(tocha.tensor(0.5), 2).shape == ()
    assert ts.legendre_polynomial_p(tocha.zeros(0, 3), 2).shape == (0, 3)
    base = _t64(np.arange(12.0).reshape(3, 4) / 6.0)
    np.testing.assert_allclose(_np(ts.chebyshev_polynomial_t(base.T, 4)), _np(ts.chebyshev_polynomial_t(base, 4)).T)
    out = tocha.empty(2, dtype=tocha.float64)
    result = ts.hermite_polynomial_h(_t64([1.0, 2.0]), 2, out=out)
    assert result is out
    assert out.tolist() == [2.0, 14.0]
    with pytest.raises(NotImplementedError, match=r"hermite_polynomial_h.*Half"):
        ts.hermite_polynomial_h(tocha.tensor([1.0], dtype=tocha.float16), 2)


def test_new_functions_are_not_differentiable():
    for name in POLYNOMIALS + UNARY:
        assert getattr(special_ops, name.upper()).vjp is None, name


# ------------------------------------------------------------------ Bessel and Airy: known values, no torch


@pytest.mark.parametrize(
    ("name", "x", "expected"),
    [
        ("modified_bessel_k0", 1.0, 0.42102443824070833),
        ("modified_bessel_k1", 1.0, 0.60190723019723457),
        ("modified_bessel_k0", 10.0, 1.7780062316167652e-5),
        ("bessel_y0", 1.0, 0.088256964215676958),
        ("bessel_y1", 1.0, -0.78121282130028872),
        ("bessel_y0", 10.0, 0.055671167283599391),
        ("bessel_y1", 50.0, -0.056795668562014768),
        ("airy_ai", 0.0, 0.35502805388781724),
        ("airy_ai", -2.0, 0.22740742820168558),
        ("airy_ai", 1.0, 0.13529241631288142),
        ("airy_ai", 5.0, 0.00010834442813607442),
        ("airy_ai", -20.0, -0.17640612707798469),
        ("spherical_bessel_j0", 2.0, math.sin(2.0) / 2.0),
        ("modified_bessel_i0", 1.0, 1.2660658777520084),
    ],
)
def test_known_values(name, x, expected):
    got = getattr(ts, name)(_t64([x])).item()
    assert got == pytest.approx(expected, rel=2e-15, abs=1e-18)


def test_bessel_wronskians():
    x = np.concatenate([np.geomspace(1e-3, 1.0, 40), np.linspace(1.0, 60.0, 300)])
    t = _t64(x)
    # I₀ K₁ + I₁ K₀ = 1/x (scaled forms avoid overflow)
    i0e, i1e = ts.i0e(t), ts.i1e(t)
    k0e, k1e = ts.scaled_modified_bessel_k0(t), ts.scaled_modified_bessel_k1(t)
    np.testing.assert_allclose(_np(i0e * k1e + i1e * k0e) * x, 1.0, rtol=5e-15)
    # J₁ Y₀ - J₀ Y₁ = 2/(πx)
    j0, j1 = ts.bessel_j0(t), ts.bessel_j1(t)
    y0, y1 = ts.bessel_y0(t), ts.bessel_y1(t)
    np.testing.assert_allclose(_np(j1 * y0 - j0 * y1) * x * math.pi / 2, 1.0, rtol=1e-13)
    # scaled and unscaled K agree
    np.testing.assert_allclose(_np(ts.modified_bessel_k0(t)) * np.exp(x), _np(k0e), rtol=1e-14)


def test_airy_satisfies_its_equation():
    x = np.linspace(-12.0, 6.0, 181)
    h = 2e-4
    values = [_np(ts.airy_ai(_t64(x + d))) for d in (-h, 0.0, h)]
    second = (values[0] - 2 * values[1] + values[2]) / h**2  # truncation ~1e-7, rounding ~1e-8
    np.testing.assert_allclose(second, x * values[1], atol=1e-6)


def test_bessel_edges():
    x = _t64([-INF, -1.0, -0.0, 0.0, INF, math.nan])
    nan = math.nan
    expected = {
        "modified_bessel_k0": [nan, nan, INF, INF, 0.0, nan],
        "scaled_modified_bessel_k1": [nan, nan, INF, INF, 0.0, nan],
        "bessel_y0": [nan, nan, -INF, -INF, nan, nan],
        "bessel_y1": [nan, nan, -INF, -INF, nan, nan],
        "spherical_bessel_j0": [0.0, math.sin(1.0), 1.0, 1.0, 0.0, nan],
        "airy_ai": [nan, ts.airy_ai(_t64([-1.0])).item(), _AI0, _AI0, nan, nan],
        "modified_bessel_i0": [nan, 1.2660658777520084, 1.0, 1.0, nan, nan],
    }
    for name, values in expected.items():
        np.testing.assert_allclose(_np(getattr(ts, name)(x)), values, rtol=1e-15, err_msg=name)
    # Ai decays to 0 at large finite x (its ζ = 2x^1.5/3 overflowed to inf past 1e205, giving nan)
    assert _np(ts.airy_ai(_t64([105.0, 110.0, 1e205, 1e300]))).tolist() == [ts.airy_ai(_t64([105.0])).item(), 0, 0, 0]
    assert ts.airy_ai(_t64([105.0])).item() > 0


_AI0 = 0.35502805388781724


def test_unary_dtypes_shapes_and_errors():
    for name in UNARY:
        fn = getattr(ts, name)
        assert fn(tocha.tensor([1, 2])).dtype == tocha.float32, name
        assert fn(tocha.tensor([1.0], dtype=tocha.float64)).dtype == tocha.float64, name
        assert fn(tocha.zeros(0, 2)).shape == (0, 2), name
        assert fn(tocha.tensor(1.5)).shape == (), name
        base = _t64(np.linspace(0.2, 9.0, 12).reshape(3, 4))
        np.testing.assert_array_equal(_np(fn(base.T)), _np(fn(base)).T, err_msg=name)
        with pytest.raises(NotImplementedError, match=rf"{name}.*Half"):
            fn(tocha.tensor([1.0], dtype=tocha.float16))
    out = tocha.empty(1)
    assert ts.modified_bessel_k0(tocha.tensor([1.0]), out=out) is out


def test_against_mpmath():
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 30
    x = np.concatenate([np.geomspace(1e-6, 1.0, 15), np.linspace(1.0, 30.0, 40), [80.0, 300.0]])
    checks = {
        "modified_bessel_k0": lambda v: mp.besselk(0, v),
        "modified_bessel_k1": lambda v: mp.besselk(1, v),
        "scaled_modified_bessel_k0": lambda v: mp.besselk(0, v) * mp.exp(v),
        "scaled_modified_bessel_k1": lambda v: mp.besselk(1, v) * mp.exp(v),
    }
    for name, ref in checks.items():
        expected = [float(ref(mp.mpf(float(v)))) for v in x]
        np.testing.assert_allclose(_np(getattr(ts, name)(_t64(x))), expected, rtol=2e-15, err_msg=name)
    for name, ref in (("bessel_y0", 0), ("bessel_y1", 1)):
        expected = np.array([float(mp.bessely(ref, mp.mpf(float(v)))) for v in x])
        np.testing.assert_allclose(_np(getattr(ts, name)(_t64(x))), expected, rtol=1e-12, atol=5e-16, err_msg=name)
    xa = np.linspace(-30.0, 30.0, 241)
    expected = np.array([float(mp.airyai(mp.mpf(float(v)))) for v in xa])
    # for x < 0 the phase ζ = (2/3)|x|^(3/2) carries ~ζ ulp: absolute error ~2e-14 at x = -30
    np.testing.assert_allclose(_np(ts.airy_ai(_t64(xa))), expected, rtol=5e-14, atol=2e-14)


# ------------------------------------------------------------------ against PyTorch


def _torch_pair(torch, name, x, *args, dtype="float64"):
    tx = torch.tensor(x, dtype=getattr(torch, dtype))
    got = getattr(ts, name)(tocha.tensor(x, dtype=getattr(tocha, dtype)), *[tocha.tensor(a) for a in args])
    expected = getattr(torch.special, name)(tx, *[torch.tensor(a) for a in args])
    assert got.dtype.name == str(expected.dtype).removeprefix("torch.")
    return _np(got), expected.numpy()


@pytest.mark.parametrize("name", POLYNOMIALS)
def test_polynomials_match_pytorch(name):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for low, high in ((-1.0, 1.0), (0.0, 1.0), (-4.0, 4.0), (-40.0, 40.0)):
        x = rng.uniform(low, high, 500)
        n = rng.integers(-3, 40, 500)
        got, expected = _torch_pair(torch, name, x, n)
        scale = np.maximum(np.abs(expected), 1.0)
        assert np.max(np.abs(got - expected) / scale) < 1e-12, (name, low, high)
    x = np.array([-INF, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, INF])
    for n in (-1, 0, 1, 2, 3, 8):
        got, expected = _torch_pair(torch, name, x, np.full(x.shape, n))
        np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-13, equal_nan=True)
    x32 = rng.uniform(-1.2, 1.2, 200).astype(np.float32)
    got, expected = _torch_pair(torch, name, x32, np.full(200, 4), dtype="float32")
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    # promotion: scalar input with an integer degree tensor, float degree
    assert getattr(ts, name)(0.5, tocha.tensor([3])).tolist() == pytest.approx(
        getattr(torch.special, name)(0.5, torch.tensor([3])).tolist(), rel=1e-6
    )


def test_unary_bessel_match_pytorch():
    torch = pytest.importorskip("torch")
    wide = np.concatenate(
        [-np.geomspace(1e3, 1e-8, 60), [-0.0, 0.0], np.geomspace(1e-300, 1e-8, 10), np.geomspace(1e-8, 700.0, 300)]
    )
    edges = np.array([-INF, INF, math.nan])
    for name in ("modified_bessel_i0", "modified_bessel_i1", "spherical_bessel_j0"):
        got, expected = _torch_pair(torch, name, np.concatenate([wide, edges]))
        np.testing.assert_allclose(got, expected, rtol=1e-13, atol=0, equal_nan=True, err_msg=name)
    for name in ("modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1"):
        got, expected = _torch_pair(torch, name, np.concatenate([wide, edges]))
        np.testing.assert_allclose(got, expected, rtol=3e-15, atol=0, equal_nan=True, err_msg=name)
    for name in ("bessel_y0", "bessel_y1"):
        got, expected = _torch_pair(torch, name, np.concatenate([wide, edges]))
        # PyTorch's own error reaches 2e-6 near x = 5 and 4e-10 up to 25 (tocha agrees with mpmath to 2e-15)
        middle = (np.concatenate([wide, edges]) > 2.0) & (np.concatenate([wide, edges]) < 25.0)
        np.testing.assert_allclose(got[~middle], expected[~middle], rtol=1e-11, atol=1e-15, equal_nan=True)
        np.testing.assert_allclose(got[middle], expected[middle], atol=3e-6)
    for name in UNARY:
        x32 = np.linspace(0.1, 20.0, 200, dtype=np.float32)
        got, expected = _torch_pair(torch, name, x32, dtype="float32")
        np.testing.assert_allclose(got, expected, rtol=2e-5, atol=1e-6, err_msg=name)


def test_airy_matches_pytorch():
    torch = pytest.importorskip("torch")
    x = np.concatenate([np.linspace(0.0, 100.0, 300), [INF, -INF, math.nan]])
    got, expected = _torch_pair(torch, "airy_ai", x)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-300, equal_nan=True)
    # x < 0: PyTorch's own error reaches 3e-6 near -2, and the phase ζ = (2/3)|x|^(3/2) carries ~ζ ulp
    x = -np.geomspace(1e-3, 1e3, 300)
    got, expected = _torch_pair(torch, "airy_ai", x)
    np.testing.assert_allclose(got, expected, atol=5e-6)
