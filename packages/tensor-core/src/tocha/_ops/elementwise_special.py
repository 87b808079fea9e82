"""Special functions against ``xp``: erf, erfc, lgamma, digamma, trigamma, erfinv.

NOTE [ Special functions ]
NumPy has no vectorised erf or lgamma, and tocha-tensor-core does not depend
on SciPy (its import alone costs more than tocha's whole import budget). So:

- erf, erfc and lgamma come from Python's ``math`` module (correctly rounded
  libm results) mapped over NumPy arrays with ``np.frompyfunc``; on CuPy they
  come from ``cupyx.scipy.special``, which ships with CuPy. They are computed
  in float64 and cast back.
- digamma is written against ``xp``: the reflection formula below 1/2, the
  recurrence ψ(x) = ψ(x + 1) - 1/x up to x ≥ 10, then the asymptotic series
  ln x - 1/(2x) - Σ B₂ₖ / (2k x²ᵏ) to x⁻¹⁴ (relative error below 1e-15).
- erfinv starts from Giles' single-precision polynomial (error ~1e-7) and
  takes four Newton steps: on erf(y) = x for |x| <= 1/2, and on
  log(erfc(y)) = log(1 - |x|) beyond (1 - |x| is exact there, and the
  logarithm keeps Newton quadratic even where the polynomial start is poor,
  within 1e-10 of ±1), giving float64 accuracy.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__: list[str] = []

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _lgamma_scalar(x: float) -> float:
    try:
        return math.lgamma(x)
    except ValueError:  # a pole: 0 or a negative integer
        return math.inf


_ERF = np.frompyfunc(math.erf, 1, 1)
_ERFC = np.frompyfunc(math.erfc, 1, 1)
_LGAMMA = np.frompyfunc(_lgamma_scalar, 1, 1)


def _map_scalar(fn: Any, a: Any) -> Any:
    return np.asarray(fn(a.astype(np.float64)), dtype=np.float64).astype(a.dtype, copy=False)


def _cupy_special() -> Any:
    import importlib

    return importlib.import_module("cupyx.scipy.special")


def erf(xp: Any, a: Any) -> Any:
    """The error function of float array ``a``, in ``a``'s dtype."""
    if xp is np:
        return _map_scalar(_ERF, a)
    return _cupy_special().erf(a)


def erfc(xp: Any, a: Any) -> Any:
    """The complementary error function ``1 - erf(a)``, accurate for large ``a``."""
    if xp is np:
        return _map_scalar(_ERFC, a)
    return _cupy_special().erfc(a)


def lgamma(xp: Any, a: Any) -> Any:
    """``ln |Γ(a)|``; ``inf`` at the poles, as PyTorch."""
    if xp is np:
        return _map_scalar(_LGAMMA, a)
    result = _cupy_special().gammaln(a)
    return xp.where(xp.isneginf(a), xp.inf, result).astype(a.dtype, copy=False)


_PSI_SERIES = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12)


def digamma(xp: Any, a: Any) -> Any:
    """ψ(a) = Γ'(a)/Γ(a); ``-inf`` at 0 and ``nan`` at negative integers, as PyTorch."""
    x = a.astype(xp.float64)
    reflect = x < 0.5
    z = xp.where(reflect, 1.0 - x, x)
    shift = xp.zeros_like(z)
    for _ in range(10):
        small = z < 10.0
        shift -= xp.where(small, 1.0 / z, 0.0)
        z = xp.where(small, z + 1.0, z)
    inv2 = 1.0 / (z * z)
    series = xp.zeros_like(z)
    for c in reversed(_PSI_SERIES):
        series = series * inv2 + c
    psi = xp.log(z) - 0.5 / z - inv2 * series + shift
    frac = x - xp.floor(x)
    psi = xp.where(reflect, psi - math.pi / xp.tan(math.pi * frac), psi)
    psi = xp.where(x == 0, -xp.inf, psi)
    psi = xp.where((x < 0) & (frac == 0), xp.nan, psi)
    return psi.astype(a.dtype, copy=False)


_TRIGAMMA_SERIES = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6)


def trigamma(xp: Any, a: Any) -> Any:
    """ψ'(a), the derivative of digamma: recurrence up to 10, the asymptotic series, reflection below 1/2."""
    x = a.astype(xp.float64)
    reflect = x < 0.5
    z = xp.where(reflect, 1.0 - x, x)
    shift = xp.zeros_like(z)
    for _ in range(10):
        small = z < 10.0
        shift += xp.where(small, 1.0 / (z * z), 0.0)
        z = xp.where(small, z + 1.0, z)
    inv2 = 1.0 / (z * z)
    series = xp.zeros_like(z)
    for c in reversed(_TRIGAMMA_SERIES):
        series = series * inv2 + c
    psi1 = 1.0 / z + 0.5 * inv2 + inv2 / z * series + shift
    sine = xp.sin(math.pi * x)
    psi1 = xp.where(reflect, (math.pi * math.pi) / (sine * sine) - psi1, psi1)
    psi1 = xp.where((x <= 0) & (x == xp.floor(x)), xp.inf, psi1)
    return psi1.astype(a.dtype, copy=False)


_ERFINV_CENTRAL = (
    2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
    -0.00125372503, -0.00417768164, 0.246640727, 1.50140941,
)  # fmt: skip
_ERFINV_TAIL = (
    -0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
    -0.0076224613, 0.00943887047, 1.00167406, 2.83297682,
)  # fmt: skip


def _horner(xp: Any, coefficients: tuple[float, ...], w: Any) -> Any:
    p = xp.full_like(w, coefficients[0])
    for c in coefficients[1:]:
        p = p * w + c
    return p


def erfinv(xp: Any, a: Any) -> Any:
    """The inverse error function on (-1, 1); ``±inf`` at ±1 and ``nan`` outside."""
    x = a.astype(xp.float64)
    ax = xp.abs(x)
    inside = ax < 1.0
    t = xp.where(inside, ax, 0.0)
    w = -xp.log((1.0 - t) * (1.0 + t))
    central = _horner(xp, _ERFINV_CENTRAL, w - 2.5)
    tail = _horner(xp, _ERFINV_TAIL, xp.sqrt(xp.maximum(w, 5.0)) - 3.0)
    y = xp.where(w < 5.0, central, tail) * t
    upper = t > 0.5
    one_minus = 1.0 - t
    log_one_minus = xp.log(xp.where(upper, one_minus, 1.0))
    for _ in range(4):
        slope = _TWO_OVER_SQRT_PI * xp.exp(-y * y)
        slope = xp.where(slope > 0, slope, 1.0)
        tail = erfc(xp, y)
        # Newton on log(erfc(y)) = log(1 - t) in the tails, on erf(y) = t in the middle.
        tail_step = (xp.log(xp.where(upper, tail, 1.0)) - log_one_minus) * tail / slope
        y = y + xp.where(upper, tail_step, (t - erf(xp, y)) / slope)
    y = xp.where(ax == 1.0, xp.inf, y)
    y = xp.where(inside | (ax == 1.0), y, xp.nan)
    return (xp.copysign(y, x)).astype(a.dtype, copy=False)
