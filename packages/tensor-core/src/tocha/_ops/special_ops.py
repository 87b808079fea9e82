"""The ops behind ``tocha.special`` that tocha did not have: Bessel functions, ndtri, zeta, erfcx...

Further down: the orthogonal polynomials (NOTE [ Orthogonal polynomials ]), modified Bessel K
(NOTE [ Modified Bessel K ]), Bessel Y (NOTE [ Bessel Y ]), spherical j0 and the Airy function
(NOTE [ Airy function ]); none of them is differentiable, as in PyTorch.

NOTE [ More special functions ]
As in NOTE [ Special functions ] (``elementwise_special``), each function is
evaluated in float64 against ``xp`` and cast back; on CuPy, ``cupyx.scipy.special``
is used where it has the function.

- erfcx(x) = exp(x²) erfc(x): Cody's rational forms without their ``exp(-x²)``
  factor for ``x >= 0.46875`` (so no overflow and full relative accuracy out to
  ``1/(x√π)``); ``exp(x²) erfc(x)`` below; ``2 exp(x²) - erfcx(-x)`` for
  ``x <= -0.46875`` (inf past -26.6).
- log_ndtr(x): ``log1p(-erfc(x/√2)/2)`` for ``x > -1``; ``log(erfcx(-x/√2)/2) - x²/2``
  below, exact to the far tail.
- ndtri(p): Acklam's rational start (relative error 1.2e-9) on ``q = min(p, 1-p)``
  (``1 - p`` is exact for ``p >= 1/2``), refined by three Halley steps on
  ``Φ(x) - q`` in the central region (``Φ(x) - 1/2 = erf(x/√2)/2`` keeps the
  residual exact near 0) and three Newton steps on ``log Φ(x) - log q`` in the
  tail (with the Mills ratio ``Φ/φ = √(π/2) erfcx(-x/√2)``, stable to the
  smallest subnormal).
- i0, i1 (and the scaled i0e, i1e): the power series ``Σ (x²/4)ᵏ / (k!(k+n)!)``
  (positive terms: no cancellation) for ``|x| < 20``, 40 terms; beyond, the
  asymptotic expansion ``eˣ/√(2πx) Σ (-1)ᵏ aₖ(n)/xᵏ`` with
  ``aₖ(n) = Πⱼ₌₁..ₖ (4n² - (2j-1)²) / (k! 8ᵏ)``, truncated where the terms at 20 fall
  below 1e-17 (its terms keep decreasing until k ≈ 2x).
- bessel_j0, bessel_j1: the power series for ``|x| < 5`` (the largest term is
  below 10 there), Miller's backward recurrence from order 70 with the
  normalisation ``J₀ + 2 Σ J₂ₖ = 1`` on ``[5, 25)``, and Hankel's expansion
  ``√(2/(πx)) (P cos ω - Q sin ω)`` beyond (``cos ω`` from ``cos x ± sin x``, so
  nothing is lost to ``x - π/4``). Absolute error ~1e-16 (relative error grows
  near the zeros, as for every fixed-precision method).
- zeta(x, q), the Hurwitz zeta function: Euler-Maclaurin summation as Cephes:
  ``Σⱼ₍₀..N₎ (q+j)⁻ˣ`` with one shift ``N`` for the whole array taking the
  smallest ``q`` past 9, then ``w¹⁻ˣ/(x-1) - w⁻ˣ/2 + Σₖ B₂ₖ (x)₂ₖ₋₁ / ((2k)! w^(x+2k-1))``
  with ``w = q + N`` and 12 terms. ``inf`` at ``x = 1``, ``nan`` for ``x < 1``, ``inf``
  at the poles ``q = 0, -1...``, ``nan`` for ``q < 0`` with non-integer ``x``, as PyTorch.
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from .._dispatch import OpRecord, OpTest, call, register_op
from .._dtype import _FLOAT, dtype, float32, float64, int64
from .._tensor_base import TensorBase
from . import elementwise_special as _es
from ._common import type_name
from ._dtypes import FLOATING, FLOATING_COMPLEX
from .activation import LOG_SOFTMAX, SOFTMAX, softmax_call
from .elementwise_base import as_tensor_arg, broadcast_vjp, conj_if_complex, unary, unary_inplace

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = ["i0", "sinc"]

_F32_F64 = (float32, float64)
_SQRT_PI = math.sqrt(math.pi)
_SQRT_2PI = math.sqrt(2.0 * math.pi)
_SQRT_HALF_PI = math.sqrt(math.pi / 2.0)
_SQRT1_2 = math.sqrt(0.5)


def _cupy(name: str) -> Any:
    special = _es._cupy_special()
    return None if special is None else getattr(special, name, None)


def _kernel(xp: Any, a: Any, kernel: Any, cupy_name: str | None = None) -> Any:
    """``kernel`` (flat float64 -> flat float64) over ``a``; cupyx.scipy.special's function on CuPy."""
    if xp is not np and cupy_name is not None:
        fn = _cupy(cupy_name)
        if fn is not None:
            return fn(a).astype(a.dtype, copy=False)
    return _es._chunked(xp, kernel, a)


def _where(xp: Any, mask: Any, a: Any, b: Any) -> Any:
    return xp.where(mask, a, b) if mask.any() else b


# ------------------------------------------------------------------ erfcx, log_ndtr, ndtri


def _erfcx_big(xp: Any, y: Any) -> Any:
    """erfcx(y) for ``y >= 0.46875`` (inf too)."""
    ratio = _es._poly(_es._ERF_C, xp.minimum(y, 4.5))
    ratio /= _es._poly(_es._ERF_D, xp.minimum(y, 4.5))
    far = y > 4.0
    if far.any():
        inv = 1.0 / (y * y)
        tail = (_es._INV_SQRT_PI - inv * _es._poly(_es._ERF_P, inv) / _es._poly(_es._ERF_Q, inv)) / y
        ratio = xp.where(far, tail, ratio)
    return ratio


def _erfcx_pos(xp: Any, y: Any) -> Any:
    """erfcx(y) for ``y >= 0``."""
    return _es._piecewise(
        xp, y < 0.46875, y, lambda s: xp.exp(s * s) * (1.0 - _es._erf_small(s)), lambda b: _erfcx_big(xp, b)
    )


def _erfcx64(xp: Any, x: Any) -> Any:
    y = xp.abs(x)
    result = _erfcx_pos(xp, xp.where(xp.isnan(y), 0.0, y))
    negative = x < -0.46875
    if negative.any():
        result = xp.where(negative, 2.0 * xp.exp(x * x) - result, result)
    small_negative = (x < 0) & ~negative
    if small_negative.any():
        result = xp.where(small_negative, xp.exp(x * x) * (1.0 + _es._erf_small(y)), result)
    return xp.where(xp.isnan(x), x, result)


def _log_ndtr64(xp: Any, x: Any) -> Any:
    t = x * _SQRT1_2
    low = x < -1.0
    safe = xp.where(low, 0.0, t)
    result = xp.log1p(-0.5 * _es._erfc64(xp, safe))
    if low.any():
        u = xp.where(low, -t, 1.0)
        tail = xp.log(0.5 * _erfcx64(xp, u)) - u * u
        result = xp.where(low, tail, result)
    return xp.where(xp.isnan(x), x, result)


_ACKLAM_A = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02, 1.383577518672690e02,
             -3.066479806614716e01, 2.506628277459239e00)  # fmt: skip
_ACKLAM_B = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02, 6.680131188771972e01,
             -1.328068155288572e01, 1.0)  # fmt: skip
_ACKLAM_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00, -2.549732539343734e00,
             4.374664141464968e00, 2.938163982698783e00)  # fmt: skip
_ACKLAM_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00, 1.0)
_ACKLAM_LOW = 0.02425


def _ndtri_central(xp: Any, q: Any) -> Any:
    """ndtri(q) for ``0.02425 <= q <= 1/2``."""
    u = q - 0.5  # exact
    r = u * u
    x = _es._horner(xp, _ACKLAM_A, r) * u / _es._horner(xp, _ACKLAM_B, r)
    for _ in range(3):
        e = 0.5 * _es._erf64(xp, x * _SQRT1_2) - u
        d = e * _SQRT_2PI * xp.exp(0.5 * x * x)
        x = x - d / (1.0 + 0.5 * x * d)
    return x


def _ndtri_tail(xp: Any, q: Any) -> Any:
    """ndtri(q) for ``0 < q < 0.02425`` (negative results)."""
    log_q = xp.log(q)
    r = xp.sqrt(-2.0 * log_q)
    x = _es._horner(xp, _ACKLAM_C, r) / _es._horner(xp, _ACKLAM_D, r)
    for _ in range(3):
        t = -x * _SQRT1_2
        ratio = _erfcx64(xp, t)  # Φ(x) = erfcx(t) exp(-t²) / 2
        log_phi = xp.log(0.5 * ratio) - t * t
        x = x - (log_phi - log_q) * (_SQRT_HALF_PI * ratio)
    return x


def _ndtri64(xp: Any, p: Any) -> Any:
    q = xp.minimum(p, 1.0 - p)  # 1 - p is exact for p >= 1/2
    inside = (q > 0) & (p <= 1.0)
    safe = xp.where(inside, q, 0.5)
    x = _es._piecewise(xp, safe < _ACKLAM_LOW, safe, lambda s: _ndtri_tail(xp, s), lambda s: _ndtri_central(xp, s))
    x = xp.where(p > 0.5, -x, x)
    edge = xp.where(p == 0.0, -xp.inf, xp.where(p == 1.0, xp.inf, xp.nan))
    return xp.where(inside, x, edge)


# ------------------------------------------------------------------ modified Bessel I0, I1


def _asymptotic_coefficients(nu: int, x_min: float) -> tuple[float, ...]:
    """(-1)ᵏ aₖ(n), k = 0.., truncated where the term at ``x_min`` falls below 1e-17."""
    coefficients = [1.0]
    a = Fraction(1)
    k = 0
    while True:
        k += 1
        a = a * (4 * nu * nu - (2 * k - 1) ** 2) / (k * 8)
        term = float(a) * (-1) ** k
        coefficients.append(term)
        if abs(term) / x_min**k < 1e-17:
            return tuple(coefficients)


_I_SERIES_TOP = 20.0
_I_SERIES_TERMS = 40
_I_ASYMPTOTIC = {nu: _asymptotic_coefficients(nu, _I_SERIES_TOP) for nu in (0, 1)}


def _bessel_i_series(xp: Any, y: Any, nu: int) -> Any:
    """I_n(y) for ``0 <= y < 20``: positive terms only."""
    q = 0.25 * y * y
    term = xp.ones_like(y) if nu == 0 else 0.5 * y
    total = term.copy()
    for k in range(1, _I_SERIES_TERMS):
        term = term * q / float(k * (k + nu))
        total += term
    return total


def _bessel_i_asymptotic(xp: Any, y: Any, nu: int) -> Any:
    """``e⁻ʸ I_n(y)`` for ``y >= 20`` (inf gives 0)."""
    inv = 1.0 / y
    total = xp.zeros_like(y)
    for c in reversed(_I_ASYMPTOTIC[nu]):
        total = total * inv + c
    return total / xp.sqrt(2.0 * math.pi * y)


def _bessel_i(xp: Any, x: Any, nu: int, scaled: bool) -> Any:
    y = xp.abs(x)
    finite_y = xp.where(xp.isnan(y), 0.0, y)

    def small(s: Any) -> Any:
        value = _bessel_i_series(xp, s, nu)
        return value * xp.exp(-s) if scaled else value

    def big(b: Any) -> Any:
        value = _bessel_i_asymptotic(xp, b, nu)
        if scaled:
            return value
        with np.errstate(all="ignore"):
            return xp.where(xp.isinf(b), xp.nan, value * xp.exp(b))  # nan at ±inf, as PyTorch

    result = _es._piecewise(xp, finite_y < _I_SERIES_TOP, finite_y, small, big)
    if nu == 1:
        result = xp.copysign(result, x)
    return xp.where(xp.isnan(x), x, result)


def _i0_64(xp: Any, x: Any) -> Any:
    return _bessel_i(xp, x, 0, False)


def _i0e_64(xp: Any, x: Any) -> Any:
    return _bessel_i(xp, x, 0, True)


def _i1_64(xp: Any, x: Any) -> Any:
    return _bessel_i(xp, x, 1, False)


def _i1e_64(xp: Any, x: Any) -> Any:
    return _bessel_i(xp, x, 1, True)


# ------------------------------------------------------------------ Bessel J0, J1

_J_SERIES_TOP = 5.0
_J_HANKEL_FROM = 25.0
_J_MILLER_ORDER = 70
_J_HANKEL = {nu: _asymptotic_coefficients(nu, _J_HANKEL_FROM) for nu in (0, 1)}


def _bessel_j_series(xp: Any, y: Any) -> tuple[Any, Any]:
    """(J0(y), J1(y)) for ``0 <= y < 5``."""
    q = -0.25 * y * y
    t0 = xp.ones_like(y)
    t1 = 0.5 * y
    j0, j1 = t0.copy(), t1.copy()
    for k in range(1, 28):
        t0 = t0 * q / float(k * k)
        t1 = t1 * q / float(k * (k + 1))
        j0 += t0
        j1 += t1
    return j0, j1


def _bessel_j_miller(xp: Any, y: Any) -> tuple[Any, Any]:
    """(J0(y), J1(y)) for ``5 <= y < 25``: backward recurrence, normalised by ``J0 + 2 Σ J2k = 1``."""
    upper = xp.zeros_like(y)
    current = xp.full_like(y, 1e-30)
    norm = xp.zeros_like(y)
    j1 = xp.zeros_like(y)
    inv = 2.0 / y
    for k in range(_J_MILLER_ORDER, 0, -1):
        lower = k * inv * current - upper  # J_{k-1}
        upper, current = current, lower
        if k - 1 == 1:
            j1 = current.copy()
        if (k - 1) % 2 == 0 and k - 1 > 0:
            norm += 2.0 * current
    norm += current
    return current / norm, j1 / norm


def _bessel_j_hankel(xp: Any, y: Any, nu: int) -> Any:
    """J_n(y) for ``y >= 25``."""
    inv = 1.0 / y
    inv2 = inv * inv
    coefficients = _J_HANKEL[nu]
    even = coefficients[0::2]  # (-1)^k a_2k with the sign of (-1)^(2k) = 1: signs alternate as (-1)^k
    odd = coefficients[1::2]
    p = xp.zeros_like(y)
    for i, c in reversed(list(enumerate(even))):
        p = p * inv2 + c * (-1) ** i
    q = xp.zeros_like(y)
    for i, c in reversed(list(enumerate(odd))):
        q = q * inv2 - c * (-1) ** i
    q = q * inv
    cos, sin = xp.cos(y), xp.sin(y)
    if nu == 0:  # ω = y - π/4
        cos_w, sin_w = (cos + sin) * _SQRT1_2, (sin - cos) * _SQRT1_2
    else:  # ω = y - 3π/4
        cos_w, sin_w = (sin - cos) * _SQRT1_2, -(sin + cos) * _SQRT1_2
    return xp.sqrt(2.0 / (math.pi * y)) * (p * cos_w - q * sin_w)


def _bessel_j(xp: Any, x: Any, nu: int) -> Any:
    y = xp.abs(x)
    finite = xp.isfinite(y)
    y = xp.where(finite, y, 1.0)
    result = xp.empty_like(y)
    bands = (y < _J_SERIES_TOP, (y >= _J_SERIES_TOP) & (y < _J_HANKEL_FROM), y >= _J_HANKEL_FROM)
    for band, mask in enumerate(bands):
        index = xp.flatnonzero(mask)
        if index.size == 0:
            continue
        part = y.take(index)
        if band == 0:
            value = _bessel_j_series(xp, part)[nu]
        elif band == 1:
            value = _bessel_j_miller(xp, part)[nu]
        else:
            value = _bessel_j_hankel(xp, part, nu)
        result[index] = value
    if nu == 1:
        result = xp.where(x < 0, -result, result)
    return xp.where(finite, result, xp.nan)  # nan at ±inf, as PyTorch


def _j0_64(xp: Any, x: Any) -> Any:
    return _bessel_j(xp, x, 0)


def _j1_64(xp: Any, x: Any) -> Any:
    return _bessel_j(xp, x, 1)


# ------------------------------------------------------------------ Hurwitz zeta

_ZETA_A = tuple(
    float(Fraction(math.factorial(2 * k)) / b) for k, b in enumerate(_es._BERNOULLI[:12], start=1)
)  # (2k)! / B₂ₖ: 12, -720, 30240...


def _zeta64(xp: Any, x: Any, q: Any) -> Any:
    x, q = xp.broadcast_arrays(x, q)
    shape = x.shape
    x = x.reshape(-1).astype(xp.float64)
    q = q.reshape(-1).astype(xp.float64)
    if x.size == 0:
        return x.reshape(shape)
    valid = (x > 1.0) & xp.isfinite(q) & ~xp.isnan(x)
    pole = (q <= 0) & (q == xp.floor(q))
    negative_q_ok = (q > 0) | ((x == xp.floor(x)) & ~pole)
    use = valid & negative_q_ok
    xs = xp.where(use, x, 2.0)
    qs = xp.where(use, q, 1.0)
    low = float(qs.min())
    shift = max(9, math.ceil(9.0 - low) + 1)
    total = xp.zeros_like(xs)
    for j in range(shift + 1):  # w = q + shift included: the tail below takes half of it back
        total += xp.power(xp.abs(qs + j), -xs) * xp.where((qs + j < 0) & (xp.fmod(xs, 2.0) == 1.0), -1.0, 1.0)
    w = qs + shift
    b = xp.power(w, -xs)
    total += b * w / (xs - 1.0) - 0.5 * b
    a = xp.ones_like(xs)
    k = 0.0
    for coefficient in _ZETA_A:
        a = a * (xs + k)
        b = b / w
        term = a * b / coefficient
        total += xp.where(b == 0, 0.0, term)
        k += 1.0
        a = a * (xs + k)
        b = b / w
        k += 1.0
    result = xp.where(use, total, xp.nan)
    result = xp.where(x == 1.0, xp.inf, result)
    result = xp.where((x > 1.0) & pole, xp.inf, result)
    result = xp.where(xp.isnan(x) | xp.isnan(q), xp.nan, result)
    return result.reshape(shape)


# ------------------------------------------------------------------ regularized incomplete gamma

# NOTE [ Incomplete gamma ]
# P(a, x) and Q(a, x) = 1 - P (relative error ~1e-14 against mpmath over a in [1e-6, 1e12]):
# - the series xᵃe⁻ˣ/Γ(a+1) Σ xⁿ/((a+1)...(a+n)) for P where x < a + 1, and the Lentz continued
#   fraction for Q elsewhere (each giving the other as 1 - itself);
# - Q's own series (``_igammac_small_x``) for x <= 1.1 where P is near 1 (a small against x): there 1 - P
#   would cancel (Q(1e-300, 0.5) came out as -2e-14); it needs ln Γ(1 + a) for tiny a, from its Taylor series;
# - for a >= 1e4 Temme's uniform expansion (``_igamma_temme``; DLMF 8.12): the sums would need ~10√a terms
#   (at a = 1e6 they stopped 6e-5 short after 4000 steps), while the expansion's first omitted term,
#   c2(η)/a², is below 1e-12 of the result there.
# PyTorch's (Cephes') values differ by up to 1e-9 (1e-6 in float32), and more for tiny a.

_IGAMMA_MAX_STEPS = 4000
_TINY = 1e-300


# Uniform asymptotics for large a (NOTE [ Incomplete gamma ]).
_TEMME_FROM = 1e4
# Taylor coefficients in η, highest first (η¹¹ ... η⁰), of Temme's c0(η) = 1/μ - 1/η and
# c1(η) = 1/η³ - 1/μ³ - 1/μ² - 1/(12μ) (μ = λ - 1, η²/2 = μ - ln(1 + μ)), used for |η| < 0.1 where the
# closed forms cancel: the first omitted term is below 1e-19. test_special_namespace derives them exactly.
_TEMME_C0 = (
    6.707853543401498e-09, -1.7665952736826078e-07, 8.296711340953087e-07, -1.85406221071516e-06,
    -2.185448510679992e-06, 3.919263178522438e-05, -0.0001787551440329218, 0.0003527336860670194,
    0.0011574074074074073, -0.014814814814814815, 0.08333333333333333, -0.3333333333333333,
)  # fmt: skip
_TEMME_C1 = (
    -5.752545603517705e-08, 1.378633446915721e-07, 4.647127802807434e-09, -1.6120900894563446e-06,
    7.64916091608111e-06, -1.8098550334489977e-05, -4.018775720164609e-07, 0.00020576131687242798,
    -0.0009902263374485596, 0.0026455026455026454, -0.003472222222222222, -0.001851851851851852,
)  # fmt: skip
_LOG1PMX_SERIES = tuple((-1) ** k / k for k in range(24, 1, -1))  # μ - log1p(μ) = μ² Σₖ₌₂ (-1)ᵏ μᵏ⁻²/k


def _horner(xp: Any, coefficients: tuple[float, ...], z: Any) -> Any:
    total = xp.zeros_like(z)
    for c in coefficients:
        total = total * z + c
    return total


def _igamma_temme(xp: Any, a: Any, x: Any, upper: bool) -> Any:
    """P(a, x) or Q(a, x) for large ``a`` by Temme's uniform expansion
    Q = erfc(η √(a/2))/2 + exp(-aη²/2)/√(2πa) (c0(η) + c1(η)/a), relative error O(a⁻²)."""
    mu = (x - a) / a
    small = xp.abs(mu) < 0.05
    tiny_mu = xp.where(small, mu, 0.0)  # μ - log1p(μ) cancels there: its series
    series = _horner(xp, _LOG1PMX_SERIES, tiny_mu) * tiny_mu * tiny_mu
    half_eta_squared = xp.where(small, series, mu - xp.log1p(xp.where(small, 0.0, mu)))
    eta = xp.copysign(xp.sqrt(2.0 * xp.maximum(half_eta_squared, 0.0)), mu)
    near = xp.abs(eta) < 0.1
    eta_far = xp.where(near, 1.0, eta)
    mu_far = xp.where(near, 1.0, mu)
    c0 = xp.where(near, _horner(xp, _TEMME_C0, eta), 1.0 / mu_far - 1.0 / eta_far)
    c1_closed = 1.0 / eta_far**3 - 1.0 / mu_far**3 - 1.0 / mu_far**2 - 1.0 / (12.0 * mu_far)
    c1 = xp.where(near, _horner(xp, _TEMME_C1, eta), c1_closed)
    remainder = xp.exp(-a * half_eta_squared) / xp.sqrt(2.0 * math.pi * a) * (c0 + c1 / a)
    scaled = eta * xp.sqrt(a / 2.0)
    if upper:
        return 0.5 * _es.erfc(xp, scaled) + remainder
    return 0.5 * _es.erfc(xp, -scaled) - remainder


def _igammac_small_x(xp: Any, a: Any, x: Any) -> Any:
    """Q(a, x) for ``0 < x <= 1.1``, without cancellation when Q is small (small ``a``):
    Q = -expm1(a ln x - ln Γ(1 + a)) - a xᵃ / Γ(1 + a) Σₙ₌₁ (-x)ⁿ / (n! (a + n)); 22 terms reach 1e-18."""
    lgamma1p = xp.where(a < 0.2, _es.lgamma1p_series(xp, xp.minimum(a, 0.2)), _es.lgamma(xp, 1.0 + a))
    exponent = a * xp.log(x) - lgamma1p
    term = xp.ones_like(x)
    total = xp.zeros_like(x)
    for n in range(1, 23):
        term = term * -x / n
        total += term / (a + n)
    return -xp.expm1(exponent) - a * xp.exp(exponent) * total


def _igamma64(xp: Any, a: Any, x: Any, upper: bool) -> Any:
    """P(a, x) (or Q = 1 - P when ``upper``) for broadcast float64 ``a``, ``x``, flat."""
    a, x = xp.broadcast_arrays(a, x)
    shape = a.shape
    a = a.reshape(-1).astype(xp.float64)
    x = x.reshape(-1).astype(xp.float64)
    regular = (a > 0) & (x > 0) & xp.isfinite(a) & xp.isfinite(x)
    aa = xp.where(regular, a, 1.0)
    xx = xp.where(regular, x, 1.0)
    log_prefactor = aa * xp.log(xx) - xx - _es.lgamma(xp, aa)
    prefactor = xp.exp(log_prefactor)
    use_series = xx < aa + 1.0
    asymptotic = regular & (aa >= _TEMME_FROM)  # Temme's expansion, below; the sums would need ~10√a terms
    # Series for P: Σ xⁿ / (a (a+1) ... (a+n)), all terms positive.
    term = 1.0 / aa
    total = term.copy()
    # Continued fraction for Q (modified Lentz), NR's gcf.
    b = xx + 1.0 - aa
    c = xp.full_like(xx, 1.0 / _TINY)
    d = 1.0 / xp.where(xp.abs(b) < _TINY, _TINY, b)
    h = d.copy()
    for n in range(1, _IGAMMA_MAX_STEPS + 1):
        term = term * xx / (aa + n)
        total = total + term
        an = -n * (n - aa)
        b = b + 2.0
        d = an * d + b
        d = xp.where(xp.abs(d) < _TINY, _TINY, d)
        c = b + an / c
        c = xp.where(xp.abs(c) < _TINY, _TINY, c)
        d = 1.0 / d
        delta = d * c
        h = h * delta
        if n % 16 == 0:
            series_done = ~use_series | (term <= total * 1e-17)
            fraction_done = use_series | (xp.abs(delta - 1.0) <= 1e-16)
            if bool((series_done & fraction_done | asymptotic).all()):
                break
    lower_series = prefactor * total
    upper_fraction = prefactor * h
    if upper:
        result = xp.where(use_series, 1.0 - lower_series, upper_fraction)
    else:
        result = xp.where(use_series, lower_series, 1.0 - upper_fraction)
    # Where P is near 1 and x small (a small against x), 1 - P cancels: Q has its own series there (and P's
    # prefactor xᵃe⁻ˣ/Γ(a) is huge for tiny a, and loses ~1e-13).
    small = regular & (xx <= 1.1) & ((aa <= 1.1 * xx) | ((xx <= 0.5) & (aa * xp.log(xx) >= -0.4)))
    index = xp.flatnonzero(small)
    if index.size:
        upper_small = _igammac_small_x(xp, aa.take(index), xx.take(index))
        result[index] = upper_small if upper else 1.0 - upper_small
    large = xp.flatnonzero(asymptotic)
    if large.size:
        result[large] = _igamma_temme(xp, aa.take(large), xx.take(large), upper)
    # Edges as PyTorch (Cephes igam / igamc).
    at_one = 0.0 if upper else 1.0
    at_zero = 1.0 - at_one
    nan = xp.nan
    result = xp.where(regular, result, nan)
    result = xp.where((x == 0) & (a > 0), at_zero, result)
    result = xp.where((a == 0) & (x > 0), at_one, result)
    result = xp.where(xp.isinf(x) & (x > 0) & xp.isfinite(a) & (a >= 0), at_one, result)
    result = xp.where(xp.isinf(a) & (a > 0) & xp.isfinite(x) & (x >= 0), at_zero, result)
    result = xp.where((a < 0) | (x < 0) | xp.isnan(a) | xp.isnan(x), nan, result)
    return result.reshape(shape)


# ------------------------------------------------------------------ records


def _unary_forward(kernel: Any, cupy_name: str | None) -> Any:
    def forward(xp: Any, a: Any) -> Any:
        return _kernel(xp, a, kernel, cupy_name)

    forward.__name__ = f"_{kernel.__name__}_forward"
    return forward


def _numpy_reference(kernel: Any) -> Any:
    def reference(a: Any) -> Any:
        a = np.asarray(a)
        with np.errstate(all="ignore"):
            return _es._chunked(np, kernel, a if a.dtype.kind == "f" else a.astype(np.float64))

    return reference


def _unary_record(
    name: str,
    kernel: Any,
    vjp: Any,
    *,
    cupy_name: str | None,
    dtypes: tuple[dtype, ...] = FLOATING,
    saves_inputs: tuple[int, ...] = (0,),
    saves_result: bool = False,
    domain: tuple[float | None, float | None] = (None, None),
    skips: dict[str, str] | None = None,
) -> OpRecord:
    torch_name = "i0" if name == "i0" else f"special.{name}"
    return register_op(
        OpRecord(
            name=name,
            forward=_unary_forward(kernel, cupy_name),
            fp_errors=True,
            vjp=vjp,
            saves_inputs=saves_inputs,
            saves_result=saves_result,
            dtypes=dtypes,
            test=OpTest(
                samples="unary",
                reference=_numpy_reference(kernel),
                torch_name=torch_name,
                domain=domain,
                skips=skips or {},
            ),
        )
    )


def _erfcx_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    (x,) = ctx.inputs
    return (grad * (2.0 * x * ctx.result - 2.0 / _SQRT_PI),)


def _i0_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (grad * _run(I1, ctx.inputs[0]),)


def _i0e_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    (x,) = ctx.inputs
    return (grad * (_run(I1E, x) - x.sgn() * ctx.result),)  # type: ignore[attr-defined]


def _i1_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    from .elementwise import where

    (x,) = ctx.inputs
    zero = x == 0
    local = _run(I0, x) - ctx.result / where(zero, 1.0, x)
    return (grad * where(zero, 0.5, local),)


def _i1e_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    from .elementwise import where

    (x,) = ctx.inputs
    zero = x == 0
    local = _run(I0E, x) - ctx.result * (x.sgn() + 1.0 / where(zero, 1.0, x))  # type: ignore[attr-defined]
    return (grad * where(zero, 0.5, local),)


def _ndtri_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    y = ctx.result
    return (grad * _SQRT_2PI * (y * y * 0.5).exp(),)


def _log_ndtr_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    (x,) = ctx.inputs
    return (grad * (-(ctx.result + x * x * 0.5)).exp() / _SQRT_2PI,)


ERFCX = _unary_record(
    "erfcx", _erfcx64, _erfcx_vjp, cupy_name="erfcx", dtypes=_F32_F64, saves_result=True, domain=(-5.0, 20.0)
)
I0 = _unary_record("i0", _i0_64, _i0_vjp, cupy_name="i0")
_TORCH_HALF = {
    "torch:float16": "PyTorch evaluates in half precision (errors past 1e-3); the float64 reference check passes",
    "torch:bfloat16": "PyTorch evaluates in bfloat16 precision; the float64 reference check passes",
}
I0E = _unary_record("i0e", _i0e_64, _i0e_vjp, cupy_name="i0e", saves_result=True, skips=_TORCH_HALF)
I1 = _unary_record("i1", _i1_64, _i1_vjp, cupy_name="i1", saves_result=True)
I1E = _unary_record("i1e", _i1e_64, _i1e_vjp, cupy_name="i1e", saves_result=True)
NDTRI = _unary_record(
    "ndtri", _ndtri64, _ndtri_vjp, cupy_name="ndtri", dtypes=_F32_F64, saves_inputs=(), saves_result=True,
    domain=(0.02, 0.98),
)  # fmt: skip
LOG_NDTR = _unary_record(
    "log_ndtr", _log_ndtr64, _log_ndtr_vjp, cupy_name="log_ndtr", dtypes=_F32_F64, saves_result=True
)
_TORCH_J = {"torch:float64": "PyTorch's float64 Bessel J has errors up to 4e-7 near |x| = 5 (SciPy agrees with tocha)"}
BESSEL_J0 = _unary_record("bessel_j0", _j0_64, None, cupy_name="j0", dtypes=_F32_F64, saves_inputs=(), skips=_TORCH_J)
BESSEL_J1 = _unary_record("bessel_j1", _j1_64, None, cupy_name="j1", dtypes=_F32_F64, saves_inputs=(), skips=_TORCH_J)


def _run(op: OpRecord, x: Tensor) -> Tensor:
    return call(op, x._device, (x,), ())  # type: ignore[no-any-return]


# sinc and entr: plain NumPy expressions.


def _sinc_forward(xp: Any, a: Any) -> Any:
    work = a if a.dtype in (np.float32, np.float64, np.complex64, np.complex128) else a.astype(np.float32)
    y = math.pi * xp.where(work == 0, 1.0, work)
    result = xp.where(work == 0, 1.0, xp.sin(y) / y)
    return result.astype(a.dtype, copy=False)


def _sinc_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    from .elementwise import where

    (x,) = ctx.inputs
    # (cos(pi x) - sinc(x)) / x cancels near 0 (1e-8 gave -2.2e-8 for -3.3e-8): its series there, to (pi x)^8
    small = x.abs() < 0.02
    z = (x * math.pi) ** 2
    series = x * math.pi**2 * (-1 / 3 + z * (1 / 30 + z * (-1 / 840 + z / 45360)))
    safe = where(small, 1.0, x)
    local = ((safe * math.pi).cos() - ctx.result) / safe  # type: ignore[attr-defined]
    return (grad * conj_if_complex(where(small, series, local)),)


SINC = register_op(
    OpRecord(
        name="sinc",
        forward=_sinc_forward,
        fp_errors=True,
        vjp=_sinc_vjp,
        saves_inputs=(0,),
        saves_result=True,
        dtypes=FLOATING_COMPLEX,
        test=OpTest(
            samples="unary",
            reference=lambda a: np.sinc(a.astype(np.complex128 if a.dtype.kind == "c" else np.float64)),
            torch_name="sinc",
            domain=(-3.0, 3.0),  # sinc grows like exp(π |Im z|): keep finite differences meaningful
        ),
    )
)


def _entr_forward(xp: Any, a: Any) -> Any:
    positive = a > 0
    safe = xp.where(positive, a, 1.0)
    value = -a * xp.log(safe)
    result = xp.where(positive, value, xp.where(a == 0, 0.0, -xp.inf))
    return xp.where(xp.isnan(a), a, result).astype(a.dtype, copy=False)


def _entr_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    (x,) = ctx.inputs
    return (grad * -(x.log() + 1.0),)  # type: ignore[attr-defined]


ENTR = register_op(
    OpRecord(
        name="entr",
        forward=_entr_forward,
        fp_errors=True,
        vjp=_entr_vjp,
        saves_inputs=(0,),
        dtypes=FLOATING,
        test=OpTest(
            samples="unary",
            reference=lambda a: np.where(a > 0, -a * np.log(np.where(a > 0, a, 1)), np.where(a == 0, 0, -np.inf)),
            torch_name="special.entr",
            domain=(0.05, 4.0),
        ),
    )
)


# xlog1py and zeta: binary.


def _xlog1py_forward(xp: Any, a: Any, b: Any) -> Any:
    result_dtype = xp.result_type(a, b)
    product = a * xp.log1p(xp.asarray(b, dtype=result_dtype))
    result = xp.where((a == 0) & ~xp.isnan(b), 0, product)
    return result.astype(result_dtype, copy=False)


def _xlog1py_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    a, b = ctx.inputs
    from .creation import scalar_tensor
    from .elementwise import log1p, where

    # d/da a log1p(b) = log1p(b), zeroed where a = 0 and b <= -1 (where the op is defined as 0), as PyTorch
    if ctx.needs_input_grad[0]:
        other: Tensor = b if isinstance(b, TensorBase) else scalar_tensor(b, dtype=grad.dtype, device=grad.device)  # type: ignore[assignment]
        grad_a = grad * where((a == 0) & (other <= -1), 0.0, log1p(other))
    else:
        grad_a = None
    grad_b = grad * a / (b + 1.0) if len(ctx.needs_input_grad) > 1 and ctx.needs_input_grad[1] else None
    return broadcast_vjp(ctx, grad_a, grad_b)


XLOG1PY = register_op(
    OpRecord(
        name="xlog1py",
        forward=_xlog1py_forward,
        fp_errors=True,
        vjp=_xlog1py_vjp,
        saves_inputs=(0, 1),
        dtypes=FLOATING,
        test=OpTest(
            samples="binary",
            reference=lambda a, b: np.where(a == 0, 0, a * np.log1p(b)),
            torch_name="special.xlog1py",
            domain=(0.1, None),
        ),
    )
)


def _zeta_forward(xp: Any, x: Any, q: Any) -> Any:
    result_dtype = xp.result_type(x, q)
    if xp is not np:
        fn = _cupy("zeta")
        if fn is not None:
            return fn(x, q).astype(result_dtype, copy=False)
    return _zeta64(xp, xp.asarray(x), xp.asarray(q)).astype(result_dtype, copy=False)


def _zeta_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    x, q = ctx.inputs
    grad_q = grad * -x * zeta(x + 1.0, q)
    return broadcast_vjp(ctx, None, grad_q)


def _zeta_reference(x: Any, q: Any) -> Any:
    with np.errstate(all="ignore"):
        return _zeta64(np, np.asarray(x, dtype=np.float64), np.asarray(q, dtype=np.float64))


def _zeta_samples(device: Any, d: dtype) -> list[Any]:
    from ..testing import SampleInput, make_tensor

    def make(*shape: int, low: float, high: float, noncontiguous: bool = False) -> Any:
        return make_tensor(*shape, dtype=d, device=device, low=low, high=high, noncontiguous=noncontiguous)

    # ``input`` (the exponent) is a number or an integer tensor: zeta is differentiable in ``other`` only.
    orders = make_tensor(3, 4, dtype=int64, device=device, low=2, high=7)
    return [
        SampleInput(2.5, args=(make(3, 4, low=0.5, high=4.0),), name="2d"),
        SampleInput(orders, args=(make(3, 4, low=0.5, high=20.0),), name="integer-orders"),
        SampleInput(orders[0], args=(make(3, 1, low=0.5, high=3.0),), name="broadcast"),
        SampleInput(3.0, args=(make(low=0.5, high=2.0),), name="0-dim"),
        SampleInput(2.0, args=(make(0, 3, low=1.0, high=2.0),), name="empty"),
        SampleInput(4.5, args=(make(3, 4, low=0.5, high=4.0, noncontiguous=True),), name="noncontiguous"),
    ]


ZETA = register_op(
    OpRecord(
        name="zeta",
        forward=_zeta_forward,
        fp_errors=True,
        vjp=_zeta_vjp,
        saves_inputs=(0, 1),
        differentiable_inputs=(1,),
        dtypes=_F32_F64,
        test=OpTest(samples=_zeta_samples, reference=_zeta_reference, torch_name="special.zeta"),
    )
)


def _igamma_forward(upper: bool) -> Any:
    cupy_name = "gammaincc" if upper else "gammainc"

    def forward(xp: Any, a: Any, x: Any) -> Any:
        result_dtype = xp.result_type(a, x)
        if xp is not np:
            fn = _cupy(cupy_name)
            if fn is not None:
                return fn(a, x).astype(result_dtype, copy=False)
        return _igamma64(xp, xp.asarray(a), xp.asarray(x), upper).astype(result_dtype, copy=False)

    return forward


def _igamma_vjp(upper: bool) -> Any:
    def vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
        from .elementwise import lgamma

        a, x = ctx.inputs
        density = ((a - 1.0) * x.log() - x - lgamma(a)).exp()
        return broadcast_vjp(ctx, None, grad * (-density if upper else density))

    return vjp


def _igamma_reference(upper: bool) -> Any:
    def reference(a: Any, x: Any) -> Any:
        with np.errstate(all="ignore"):
            return _igamma64(np, np.asarray(a, dtype=np.float64), np.asarray(x, dtype=np.float64), upper)

    return reference


def _igamma_samples(device: Any, d: dtype) -> list[Any]:
    from ..testing import SampleInput, make_tensor

    def make(*shape: int, low: float, high: float, noncontiguous: bool = False) -> Any:
        return make_tensor(*shape, dtype=d, device=device, low=low, high=high, noncontiguous=noncontiguous)

    # ``input`` (the shape a) is not differentiable, as in PyTorch: the op declares input 1 only.
    return [
        SampleInput(make(3, 4, low=0.5, high=6.0), args=(make(3, 4, low=0.1, high=8.0),), name="2d"),
        SampleInput(make(3, 1, low=0.5, high=3.0), args=(make(4, low=0.1, high=5.0),), name="broadcast"),
        SampleInput(make(low=1.0, high=2.0), args=(make(low=0.5, high=3.0),), name="0-dim"),
        SampleInput(make(0, 3, low=1.0, high=2.0), args=(make(0, 3, low=0.5, high=3.0),), name="empty"),
    ]


GAMMAINC = register_op(
    OpRecord(
        name="gammainc",
        forward=_igamma_forward(False),
        fp_errors=True,
        vjp=_igamma_vjp(False),
        saves_inputs=(0, 1),
        differentiable_inputs=(1,),
        dtypes=FLOATING,
        test=OpTest(
            samples=_igamma_samples,
            reference=_igamma_reference(False),
            torch_name="special.gammainc",
            skips={"vjp": "input 0 is not differentiable (as PyTorch); test_special_namespace gradchecks input 1"},
        ),
    )
)
GAMMAINCC = register_op(
    OpRecord(
        name="gammaincc",
        forward=_igamma_forward(True),
        fp_errors=True,
        vjp=_igamma_vjp(True),
        saves_inputs=(0, 1),
        differentiable_inputs=(1,),
        dtypes=FLOATING,
        test=OpTest(
            samples=_igamma_samples,
            reference=_igamma_reference(True),
            torch_name="special.gammaincc",
            skips={"vjp": "input 0 is not differentiable (as PyTorch); test_special_namespace gradchecks input 1"},
        ),
    )
)


def _igamma_call(op: OpRecord, input: Any, other: Any) -> Tensor:
    from ._common import result_type_of

    name = op.name
    a = as_tensor_arg(name, input)
    if not hasattr(other, "_dtype"):
        raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    d = result_type_of(a, other)
    if d not in op.dtype_set:
        raise NotImplementedError(f"\"{name}\" not implemented for '{type_name(d)}'")
    from .elementwise_base import binary_promoted

    return binary_promoted(op, a, other)


# ------------------------------------------------------------------ public functions


def _float_binary(op: OpRecord, a: Any, b: Any) -> Tensor:
    from .elementwise_math import _float_binary as run

    return run(op, a, b)


def i0(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The modified Bessel function of the first kind, order 0.

    Integer and bool inputs give the default float dtype.

    Example:
        >>> import tocha
        >>> tocha.i0(tocha.tensor([0.0, 1.0, 2.0]))
        tensor([1.0000, 1.2661, 2.2796])
    """
    return unary(I0, input, out, floating=True)


def i0e(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The exponentially scaled modified Bessel function of order 0, ``exp(-|x|) i0(x)``.

    Example:
        >>> import tocha
        >>> tocha.special.i0e(tocha.tensor([0.0, 1.0]))
        tensor([1.0000, 0.4658])
    """
    return unary(I0E, input, out, floating=True)


def i1(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The modified Bessel function of the first kind, order 1.

    Example:
        >>> import tocha
        >>> tocha.special.i1(tocha.tensor([0.0, 1.0, -2.0]))
        tensor([ 0.0000,  0.5652, -1.5906])
    """
    return unary(I1, input, out, floating=True)


def i1e(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The exponentially scaled modified Bessel function of order 1, ``exp(-|x|) i1(x)``.

    Example:
        >>> import tocha
        >>> tocha.special.i1e(tocha.tensor([0.0, 1.0]))
        tensor([0.0000, 0.2079])
    """
    return unary(I1E, input, out, floating=True)


def erfcx(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The scaled complementary error function ``exp(x²) erfc(x)``, accurate where erfc underflows.

    Example:
        >>> import tocha
        >>> tocha.special.erfcx(tocha.tensor([0.0, 1.0, 30.0]))
        tensor([1.0000, 0.4276, 0.0188])
    """
    return unary(ERFCX, input, out, floating=True)


def ndtr(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The standard normal cumulative distribution function.

    Example:
        >>> import tocha
        >>> tocha.special.ndtr(tocha.tensor([0.0, 1.0]))
        tensor([0.5000, 0.8413])
    """
    from .elementwise import copy_to_out, erfc

    x = as_tensor_arg("ndtr", input)
    result: Tensor = erfc(x * -_SQRT1_2) * 0.5
    if x._dtype.category == _FLOAT and result._dtype is not x._dtype:
        result = result.to(x._dtype)  # type: ignore[attr-defined]
    return result if out is None else copy_to_out(result, out)


def ndtri(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The inverse of :func:`ndtr`: the standard normal quantile function (±inf at 1 and 0, nan outside).

    Example:
        >>> import tocha
        >>> tocha.special.ndtri(tocha.tensor([0.5, 0.975]))
        tensor([0.0000, 1.9600])
    """
    return unary(NDTRI, input, out, floating=True)


def log_ndtr(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``log(ndtr(x))``, accurate far into the lower tail.

    Example:
        >>> import tocha
        >>> tocha.special.log_ndtr(tocha.tensor([0.0, -40.0], dtype=tocha.float64))
        tensor([-6.9315e-01, -8.0461e+02], dtype=tocha.float64)
    """
    return unary(LOG_NDTR, input, out, floating=True)


def bessel_j0(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The Bessel function of the first kind of order 0 (not differentiable, as in PyTorch).

    Example:
        >>> import tocha
        >>> tocha.special.bessel_j0(tocha.tensor([0.0, 1.0, 10.0]))
        tensor([ 1.0000,  0.7652, -0.2459])
    """
    return unary(BESSEL_J0, input, out, floating=True)


def bessel_j1(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The Bessel function of the first kind of order 1 (not differentiable, as in PyTorch).

    Example:
        >>> import tocha
        >>> tocha.special.bessel_j1(tocha.tensor([0.0, 1.0, 10.0]))
        tensor([0.0000, 0.4401, 0.0435])
    """
    return unary(BESSEL_J1, input, out, floating=True)


def sinc(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The normalised sinc function ``sin(πx) / (πx)``, 1 at 0 (complex inputs too).

    Example:
        >>> import tocha
        >>> tocha.sinc(tocha.tensor([0.0, 0.5, 1.5]))
        tensor([ 1.0000,  0.6366, -0.2122])
    """
    return unary(SINC, input, out, floating=True)


def entr(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The elementwise entropy ``-x log x`` (0 at 0, ``-inf`` for negative x).

    Example:
        >>> import tocha
        >>> tocha.special.entr(tocha.tensor([0.0, 0.5, -1.0]))
        tensor([0.0000, 0.3466,   -inf])
    """
    return unary(ENTR, input, out, floating=True)


def xlog1py(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``input * log1p(other)``, with 0 where ``input`` is 0 (unless ``other`` is nan).

    Example:
        >>> import tocha
        >>> tocha.special.xlog1py(tocha.tensor([0.0, 2.0]), tocha.tensor([-1.0, 1.0]))
        tensor([0.0000, 1.3863])
    """
    from .elementwise import copy_to_out

    result = _float_binary(XLOG1PY, input, other)
    return result if out is None else copy_to_out(result, out)


def zeta(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """The Hurwitz zeta function ``Σₖ (k + other)^-input``; differentiable in ``other`` only, as PyTorch.

    Example:
        >>> import tocha
        >>> tocha.special.zeta(tocha.tensor([2.0, 4.0]), 1.0)
        tensor([1.6449, 1.0823])
    """
    from .elementwise import copy_to_out

    result = _float_binary(ZETA, input, other)
    return result if out is None else copy_to_out(result, out)


def gammainc(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The regularized lower incomplete gamma function ``P(input, other)``; differentiable in ``other`` only.

    Series for ``other < input + 1``, continued fraction beyond (accurate to ~1e-14 for shapes up to ~1e4).

    Raises:
        NotImplementedError: integer or bool tensors, as PyTorch.

    Example:
        >>> import tocha
        >>> tocha.special.gammainc(tocha.tensor([1.0, 2.0]), tocha.tensor([1.0, 1.0]))
        tensor([0.6321, 0.2642])
    """
    from .elementwise import copy_to_out

    result = _igamma_call(GAMMAINC, input, other)
    return result if out is None else copy_to_out(result, out)


def gammaincc(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The regularized upper incomplete gamma function ``Q(input, other) = 1 - P(input, other)``.

    Example:
        >>> import tocha
        >>> tocha.special.gammaincc(tocha.tensor([1.0, 2.0]), tocha.tensor([1.0, 1.0]))
        tensor([0.3679, 0.7358])
    """
    from .elementwise import copy_to_out

    result = _igamma_call(GAMMAINCC, input, other)
    return result if out is None else copy_to_out(result, out)


def multigammaln(input: Tensor, p: int, *, out: Tensor | None = None) -> Tensor:
    """The multivariate log-gamma function of dimension ``p``.

    ``Σⱼ₍₀..ₚ₋₁₎ lgamma(x - j/2) + p(p-1)/4 log π``. The function is defined for elements above ``(p - 1)/2``;
    as PyTorch 2.13, elements at or below it are not refused: they give that formula's value (``inf`` at poles).

    Raises:
        RuntimeError: ``p < 1``, or a non-floating input.

    Example:
        >>> import tocha
        >>> tocha.special.multigammaln(tocha.tensor([2.0, 3.5]), 2)
        tensor([0.4516, 2.4665])
    """
    from .creation import arange
    from .elementwise import copy_to_out, lgamma

    x = as_tensor_arg("multigammaln", input)
    if not isinstance(p, int) or p < 1:
        raise RuntimeError(f"multigammaln(): p has to be greater than or equal to 1, got {p}")
    if x._dtype.category < _FLOAT:
        raise RuntimeError(f"multigammaln(): input tensor must be a floating point tensor, got {type_name(x._dtype)}")
    offsets = arange(p, dtype=x._dtype, device=x._device) * -0.5
    result: Tensor = lgamma(x.unsqueeze(-1) + offsets).sum(-1) + p * (p - 1) / 4.0 * math.log(math.pi)  # type: ignore[attr-defined]
    return result if out is None else copy_to_out(result, out)


def softmax(input: Tensor, dim: int, *, dtype: dtype | None = None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim`` (computed stably); ``dtype`` casts the input first.

    Raises:
        NotImplementedError: an integer, bool or complex input without a float ``dtype``.

    Example:
        >>> import tocha
        >>> tocha.special.softmax(tocha.tensor([1.0, 1.0, 2.0]), 0)
        tensor([0.2119, 0.2119, 0.5761])
    """
    return softmax_call(SOFTMAX, "softmax", input, dim, dtype)


def log_softmax(input: Tensor, dim: int, *, dtype: dtype | None = None) -> Tensor:
    """``log(softmax(x))`` along ``dim``, computed without forming the softmax.

    Example:
        >>> import tocha
        >>> tocha.special.log_softmax(tocha.tensor([0.0, 0.0]), 0)
        tensor([-0.6931, -0.6931])
    """
    return softmax_call(LOG_SOFTMAX, "log_softmax", input, dim, dtype)


class SpecialMethods:
    """Tensor methods of the special functions PyTorch has as methods (``i0``, ``sinc``)."""

    __slots__ = ()

    def i0(self: Any) -> Tensor:
        """See :func:`tocha.i0`."""
        return unary(I0, self, floating=True)

    def i0_(self: Any) -> Tensor:
        """In-place :func:`tocha.i0`."""
        return unary_inplace(I0, self, floating=True)

    def sinc(self: Any) -> Tensor:
        """See :func:`tocha.sinc`."""
        return unary(SINC, self, floating=True)

    def sinc_(self: Any) -> Tensor:
        """In-place :func:`tocha.sinc`."""
        return unary_inplace(SINC, self, floating=True)


# ------------------------------------------------------------------ orthogonal polynomials
#
# NOTE [ Orthogonal polynomials ]
# Each family is evaluated by its three-term recurrence (Abramowitz & Stegun 22.7), in float64,
# vectorised over the degree too: one pass k = 1 .. max(n) over the broadcast arrays, each element
# picking up its value at k = n. The degree is ``n`` truncated toward zero; ``n < 0`` (and nan) gives 0,
# as PyTorch. Chebyshev T, U, V, W (and the shifted ones, of ``2x - 1``) use their trigonometric forms
# for ``|x| < 1`` and ``n > 6`` (``T = cos nθ``, ``U = sin (n+1)θ / sin θ``, ``V = cos (n+½)θ / cos ½θ``,
# ``W = sin (n+½)θ / sin ½θ`` with ``x = cos θ``): O(1) work and error ~n ulp instead of ~n² ulp.
# At ±inf the recurrence's own arithmetic gives PyTorch's values (inf, then nan from inf - inf); a nan
# input gives nan (PyTorch returns uninitialised memory for some families there).

_POLY_TRIG_FROM = 7


def _poly_degree(xp: Any, n: Any) -> Any:
    """The integer degree: ``n`` truncated toward zero, -1 for nan and infinities (giving 0)."""
    finite = xp.isfinite(n)
    return xp.where(finite, xp.clip(xp.trunc(xp.where(finite, n, -1.0)), -1.0, 2.0**31), -1.0).astype(xp.int64)


def _chebyshev_trig(xp: Any, x: Any, degree: Any, kind: str) -> Any:
    """T, U, V or W of ``x = cos θ`` with ``|x| < 1``."""
    theta = xp.arccos(x)
    m = degree.astype(xp.float64)
    if kind == "t":
        return xp.cos(m * theta)
    if kind == "u":
        return xp.sin((m + 1.0) * theta) / xp.sin(theta)
    half = 0.5 * theta
    if kind == "v":
        return xp.cos((m + 0.5) * theta) / xp.cos(half)
    return xp.sin((m + 0.5) * theta) / xp.sin(half)


def _poly_first(kind: str, x: Any) -> Any:
    """The degree-1 polynomial of family ``kind`` at ``x``."""
    if kind in ("t", "he", "p"):
        return x.copy()
    if kind in ("u", "h"):
        return x + x
    if kind == "v":
        return x + x - 1.0
    if kind == "w":
        return x + x + 1.0
    return 1.0 - x  # Laguerre


def _poly_next(kind: str, k: int, x: Any, cur: Any, prev: Any) -> Any:
    """``p_{k+1}`` from ``p_k = cur`` and ``p_{k-1} = prev``."""
    if kind in ("t", "u", "v", "w"):
        return (x + x) * cur - prev
    if kind == "h":
        return (x + x) * cur - (2.0 * k) * prev
    if kind == "he":
        return x * cur - float(k) * prev
    if kind == "l":
        return ((2.0 * k + 1.0 - x) * cur - float(k) * prev) / float(k + 1)
    return ((2.0 * k + 1.0) * x * cur - float(k) * prev) / float(k + 1)  # Legendre


def _orthogonal64(xp: Any, x: Any, n: Any, kind: str, shifted: bool = False) -> Any:
    """Family ``kind`` of degree ``n`` at ``x`` (broadcast), in float64, flat then reshaped."""
    x, n = xp.broadcast_arrays(xp.asarray(x, dtype=xp.float64), xp.asarray(n, dtype=xp.float64))
    shape = x.shape
    x = x.reshape(-1)
    degree = _poly_degree(xp, n.reshape(-1))
    if shifted:
        x = x + x - 1.0
    result = xp.where(degree == 0, 1.0, 0.0)
    if kind in ("t", "u", "v", "w"):
        trig = (xp.abs(x) < 1.0) & (degree >= _POLY_TRIG_FROM)
        if bool(trig.any()):
            index = xp.flatnonzero(trig)
            result[index] = _chebyshev_trig(xp, x.take(index), degree.take(index), kind)
            degree = xp.where(trig, -1, degree)
    top = int(degree.max()) if degree.size else 0
    if top >= 1:
        uniform = int(degree.min()) == top
        prev = xp.ones_like(x)
        cur = _poly_first(kind, x)
        if not uniform:
            result = xp.where(degree == 1, cur, result)
        for k in range(1, top):
            prev, cur = cur, _poly_next(kind, k, x, cur, prev)
            if not uniform:
                result = xp.where(degree == k + 1, cur, result)
        if uniform:
            result = cur
    result = xp.where(xp.isnan(x) & (degree > 0), xp.nan, result)  # degree < 0 (and nan) gives 0 even there
    return result.reshape(shape)


_POLYNOMIALS = {
    "chebyshev_polynomial_t": ("t", False),
    "chebyshev_polynomial_u": ("u", False),
    "chebyshev_polynomial_v": ("v", False),
    "chebyshev_polynomial_w": ("w", False),
    "shifted_chebyshev_polynomial_t": ("t", True),
    "shifted_chebyshev_polynomial_u": ("u", True),
    "shifted_chebyshev_polynomial_v": ("v", True),
    "shifted_chebyshev_polynomial_w": ("w", True),
    "hermite_polynomial_h": ("h", False),
    "hermite_polynomial_he": ("he", False),
    "laguerre_polynomial_l": ("l", False),
    "legendre_polynomial_p": ("p", False),
}


def _polynomial_forward(kind: str, shifted: bool) -> Any:
    def forward(xp: Any, x: Any, n: Any) -> Any:
        result_dtype = xp.result_type(x, n)
        with np.errstate(all="ignore"):
            return _orthogonal64(xp, x, n, kind, shifted).astype(result_dtype, copy=False)

    return forward


def _polynomial_reference(kind: str, shifted: bool) -> Any:
    def reference(x: Any, n: Any) -> Any:
        with np.errstate(all="ignore"):
            return _orthogonal64(np, np.asarray(x), np.asarray(n), kind, shifted)

    return reference


def _polynomial_samples(device: Any, d: dtype) -> list[Any]:
    from ..testing import SampleInput, make_tensor

    def make(*shape: int, low: float = -1.5, high: float = 1.5, noncontiguous: bool = False) -> Any:
        return make_tensor(*shape, dtype=d, device=device, low=low, high=high, noncontiguous=noncontiguous)

    degrees = make_tensor(3, 4, dtype=int64, device=device, low=-1, high=12)
    return [
        SampleInput(make(3, 4), args=(3,), name="2d"),
        SampleInput(make(3, 4, low=-0.99, high=0.99), args=(11,), name="high-degree"),
        SampleInput(make(3, 4), args=(degrees,), name="tensor-degree"),
        SampleInput(make(3, 1), args=(degrees[0],), name="broadcast"),
        SampleInput(make(), args=(2,), name="0-dim"),
        SampleInput(make(0, 3), args=(2,), name="empty"),
        SampleInput(make(3, 4, noncontiguous=True), args=(5,), name="noncontiguous"),
    ]


_TORCH_POLY_FLOAT32 = {
    "torch:float32:high-degree": "PyTorch runs the recurrence in float32 (cancellation at degree 11 costs it ~1e-5); "
    "tocha runs it in float64 and rounds once; the float64 comparison covers this sample"
}


def _polynomial_record(name: str) -> OpRecord:
    kind, shifted = _POLYNOMIALS[name]
    return register_op(
        OpRecord(
            name=name,
            forward=_polynomial_forward(kind, shifted),
            fp_errors=True,
            vjp=None,
            dtypes=_F32_F64,
            test=OpTest(
                samples=_polynomial_samples,
                reference=_polynomial_reference(kind, shifted),
                torch_name=f"special.{name}",
                skips=_TORCH_POLY_FLOAT32,
            ),
        )
    )


CHEBYSHEV_POLYNOMIAL_T = _polynomial_record("chebyshev_polynomial_t")
CHEBYSHEV_POLYNOMIAL_U = _polynomial_record("chebyshev_polynomial_u")
CHEBYSHEV_POLYNOMIAL_V = _polynomial_record("chebyshev_polynomial_v")
CHEBYSHEV_POLYNOMIAL_W = _polynomial_record("chebyshev_polynomial_w")
SHIFTED_CHEBYSHEV_POLYNOMIAL_T = _polynomial_record("shifted_chebyshev_polynomial_t")
SHIFTED_CHEBYSHEV_POLYNOMIAL_U = _polynomial_record("shifted_chebyshev_polynomial_u")
SHIFTED_CHEBYSHEV_POLYNOMIAL_V = _polynomial_record("shifted_chebyshev_polynomial_v")
SHIFTED_CHEBYSHEV_POLYNOMIAL_W = _polynomial_record("shifted_chebyshev_polynomial_w")
HERMITE_POLYNOMIAL_H = _polynomial_record("hermite_polynomial_h")
HERMITE_POLYNOMIAL_HE = _polynomial_record("hermite_polynomial_he")
LAGUERRE_POLYNOMIAL_L = _polynomial_record("laguerre_polynomial_l")
LEGENDRE_POLYNOMIAL_P = _polynomial_record("legendre_polynomial_p")


def _polynomial_call(op: OpRecord, input: Any, n: Any, out: Tensor | None) -> Tensor:
    from .elementwise import copy_to_out

    result = _float_binary(op, input, n)
    return result if out is None else copy_to_out(result, out)


def chebyshev_polynomial_t(input: Any, n: Any, *, out: Tensor | None = None) -> Tensor:
    """The Chebyshev polynomial of the first kind ``Tₙ(x)`` (``T₀ = 1``, ``T₁ = x``, ``Tₖ₊₁ = 2x Tₖ - Tₖ₋₁``).

    ``n`` is a number or a tensor (truncated toward zero; ``n < 0`` gives 0); not differentiable, as PyTorch.

    Example:
        >>> import tocha
        >>> tocha.special.chebyshev_polynomial_t(tocha.tensor([0.5, 2.0]), 3)
        tensor([-1., 26.])
    """
    return _polynomial_call(CHEBYSHEV_POLYNOMIAL_T, input, n, out)


def chebyshev_polynomial_u(input: Any, n: Any, *, out: Tensor | None = None) -> Tensor:
    """The Chebyshev polynomial of the second kind ``Uₙ(x)`` (``U₁ = 2x``, same recurrence as ``Tₙ``).

    Example:
        >>> import tocha
        >>> tocha.special.chebyshev_polynomial_u(tocha.tensor([0.5, 2.0]), 3)
        tensor([-1., 56.])
    """
    return _polynomial_call(CHEBYSHEV_POLYNOMIAL_U, input, n, out)


def chebyshev_polynomial_v(input: Any, n: Any, *, out: Tensor | None = None) -> Tensor:
    """The Chebyshev polynomial of the third kind ``Vₙ(x)`` (``V₁ = 2x - 1``, same recurrence as ``Tₙ``).

    Example:
        >>> import tocha
        >>> tocha.special.chebyshev_polynomial_v(tocha.tensor([0.5, 2.0]), 3)
        tensor([-1., 41.])
    """
    return _polynomial_call(CHEBYSHEV_POLYNOMIAL_V, input, n, out)


def chebyshev_polynomial_w(input: Any, n: Any, *, out: Tensor | None = None) -> Tensor:
    """The Chebyshev polynomial of the fourth kind ``Wₙ(x)`` (``W₁ = 2x + 1``, same recurrence as ``Tₙ``).

    Example:
        >>> import tocha
        >>> tocha.special.chebyshev_polynomial_w(tocha.tensor([0.5, 2.0]), 3)
        tensor([-1., 71.])
    """
    return _polynomial_call(CHEBYSHEV_POLYNOMIAL_W, input, n, out)


def shifted_chebyshev_polynomial_t(input: Any, n: Any, *, out: Tensor | None = None) -> Tensor:
    """The shifted Chebyshev polynomial of the first kind ``T*ₙ(x) = Tₙ(2x - 1)``, orthogonal on [0, 1].

    Example:
        >>> import tocha
        >>> tocha.special.shifted_chebyshev_polynomial_t(tocha.tensor([0.75, 1.5]), 3)
        tensor([-1., 26.])
    """
    return _polynomial_call(SHIFTED_CHEBYSHEV_POLYNOMIAL_T, input, n, out)


def shifted_chebyshev_polynomial_u(input: Any, n: Any, *, out: Tensor | None = None) -> Tensor:
    """The shifted Chebyshev polynomial of the second kind ``U*ₙ(x) = Uₙ(2x - 1)``.

    Example:
        >>> import tocha
        >>> tocha.special.shifted_chebyshev_polynomial_u(tocha.tensor([0.75, 1.5]), 3)
        tensor([-1., 56.])
    """
    return _polynomial_call(SHIFTED_CHEBYSHEV_POLYNOMIAL_U, input, n, out)


def shifted_chebyshev_polynomial_v(input: Any, n: Any, *, out: Tensor | None = None) -> Tensor:
    """The shifted Chebyshev polynomial of the third kind ``V*ₙ(x) = Vₙ(2x - 1)``.

    Example:
        >>> import tocha
        >>> tocha.special.shifted_chebyshev_polynomial_v(tocha.tensor([0.75, 1.5]), 3)
        tensor([-1., 41.])
    """
    return _polynomial_call(SHIFTED_CHEBYSHEV_POLYNOMIAL_V, input, n, out)


def shifted_chebyshev_polynomial_w(input: Any, n: Any, *, out: Tensor | None = None) -> Tensor:
    """The shifted Chebyshev polynomial of the fourth kind ``W*ₙ(x) = Wₙ(2x - 1)``.

    Example:
        >>> import tocha
        >>> tocha.special.shifted_chebyshev_polynomial_w(tocha.tensor([0.75, 1.5]), 3)
        tensor([-1., 71.])
    """
    return _polynomial_call(SHIFTED_CHEBYSHEV_POLYNOMIAL_W, input, n, out)


def hermite_polynomial_h(input: Any, n: Any, *, out: Tensor | None = None) -> Tensor:
    """The physicists' Hermite polynomial ``Hₙ(x)`` (``H₁ = 2x``, ``Hₖ₊₁ = 2x Hₖ - 2k Hₖ₋₁``).

    Example:
        >>> import tocha
        >>> tocha.special.hermite_polynomial_h(tocha.tensor([0.5, 2.0]), 3)
        tensor([-5., 40.])
    """
    return _polynomial_call(HERMITE_POLYNOMIAL_H, input, n, out)


def hermite_polynomial_he(input: Any, n: Any, *, out: Tensor | None = None) -> Tensor:
    """The probabilists' Hermite polynomial ``Heₙ(x)`` (``He₁ = x``, ``Heₖ₊₁ = x Heₖ - k Heₖ₋₁``).

    Example:
        >>> import tocha
        >>> tocha.special.hermite_polynomial_he(tocha.tensor([0.5, 2.0]), 3)
        tensor([-1.3750,  2.0000])
    """
    return _polynomial_call(HERMITE_POLYNOMIAL_HE, input, n, out)


def laguerre_polynomial_l(input: Any, n: Any, *, out: Tensor | None = None) -> Tensor:
    """The Laguerre polynomial ``Lₙ(x)`` (``L₁ = 1 - x``, ``(k+1) Lₖ₊₁ = (2k+1-x) Lₖ - k Lₖ₋₁``).

    Example:
        >>> import tocha
        >>> tocha.special.laguerre_polynomial_l(tocha.tensor([0.5, 2.0]), 2)
        tensor([ 0.1250, -1.0000])
    """
    return _polynomial_call(LAGUERRE_POLYNOMIAL_L, input, n, out)


def legendre_polynomial_p(input: Any, n: Any, *, out: Tensor | None = None) -> Tensor:
    """The Legendre polynomial ``Pₙ(x)`` (``P₁ = x``, ``(k+1) Pₖ₊₁ = (2k+1) x Pₖ - k Pₖ₋₁``).

    Example:
        >>> import tocha
        >>> tocha.special.legendre_polynomial_p(tocha.tensor([0.5, 2.0]), 2)
        tensor([-0.1250,  5.5000])
    """
    return _polynomial_call(LEGENDRE_POLYNOMIAL_P, input, n, out)


# ------------------------------------------------------------------ modified Bessel K0, K1
#
# NOTE [ Modified Bessel K ]
# - ``x <= 1``: the series of A&S 9.6.13 and 9.6.11 with ψ(k+1) = Hₖ - C (Hₖ the harmonic numbers, C Euler's
#   constant),
#   ``K₀ = -(ln(x/2) + C) I₀(x) + Σₖ₌₁ Hₖ qᵏ/(k!)²`` and
#   ``K₁ = 1/x + (ln(x/2) + C) I₁(x) - (x/4) Σₖ₌₀ (2Hₖ + 1/(k+1)) qᵏ/(k!(k+1)!)``, ``q = x²/4``
#   (20 terms; below 1 the cancellation costs less than a digit).
# - ``x > 1``: the integral ``eˣ Kᵥ(x) = ∫₀^∞ exp(-2x sinh²(t/2)) cosh(vt) dt`` (A&S 9.6.24) by the trapezoidal
#   rule, which converges geometrically for this analytic, doubly-exponentially decaying integrand: step
#   ``h = min(0.2, 0.6/√x)`` (the integrand's width scales as 1/√x) and 24 nodes, relative error below 1e-15
#   over [1, ∞) (checked against mpmath at 30 digits). The same rule serves the Airy function (v = 1/3).

_K_SERIES_TOP = 1.0
_K_SERIES_TERMS = 20
_K_NODES = 24


def _scaled_k_integral(xp: Any, y: Any, nu: float) -> Any:
    """``eʸ Kᵥ(y)`` for ``y >= 1`` (finite) by the trapezoidal rule (see NOTE [ Modified Bessel K ])."""
    h = xp.minimum(0.2, 0.6 / xp.sqrt(y))
    total = xp.full_like(y, 0.5)
    for j in range(1, _K_NODES + 1):
        t = h * float(j)
        s = xp.sinh(0.5 * t)
        term = xp.exp(-2.0 * y * s * s)
        if nu != 0.0:
            term *= xp.cosh(nu * t)
        total += term
    return h * total


def _bessel_k_series(xp: Any, y: Any, nu: int) -> Any:
    """K₀(y) or K₁(y) for ``0 < y <= 1``."""
    q = 0.25 * y * y
    log_term = xp.log(0.5 * y) + _es._EULER_GAMMA
    term = xp.ones_like(y) if nu == 0 else 0.5 * y  # qᵏ/(k!(k+n)!) times (y/2)ⁿ
    i_sum = term.copy()
    series = xp.zeros_like(y) if nu == 0 else term.copy()  # k = 0 term of K₁'s sum: 2H₀ + 1 = 1
    harmonic = 0.0
    for k in range(1, _K_SERIES_TERMS):
        term = term * q / float(k * (k + nu))
        harmonic += 1.0 / k
        i_sum += term
        series += term * (harmonic if nu == 0 else 2.0 * harmonic + 1.0 / (k + 1))
    if nu == 0:
        return series - log_term * i_sum
    return 1.0 / y + log_term * i_sum - 0.5 * series


def _bessel_k(xp: Any, x: Any, nu: int, scaled: bool) -> Any:
    positive = (x > 0) & (x < xp.inf)
    y = xp.where(positive, x, 1.0)

    def small(s: Any) -> Any:
        value = _bessel_k_series(xp, s, nu)
        return value * xp.exp(s) if scaled else value

    def big(b: Any) -> Any:
        value = _scaled_k_integral(xp, b, float(nu))
        return value if scaled else value * xp.exp(-b)

    result = _es._piecewise(xp, y <= _K_SERIES_TOP, y, small, big)
    result = xp.where(positive, result, xp.where(x == 0, xp.inf, xp.where(x == xp.inf, 0.0, xp.nan)))
    return result


def _k0_64(xp: Any, x: Any) -> Any:
    return _bessel_k(xp, x, 0, False)


def _k1_64(xp: Any, x: Any) -> Any:
    return _bessel_k(xp, x, 1, False)


def _k0e_64(xp: Any, x: Any) -> Any:
    return _bessel_k(xp, x, 0, True)


def _k1e_64(xp: Any, x: Any) -> Any:
    return _bessel_k(xp, x, 1, True)


# ------------------------------------------------------------------ Bessel Y0, Y1
#
# NOTE [ Bessel Y ]
# - ``x < 2.5``: the series of A&S 9.1.13 and 9.1.11 with ψ(k+1) = Hₖ - C, ``q = x²/4``:
#   ``Y₀ = (2/π) [(ln(x/2) + C) J₀(x) + Σₖ₌₁ (-1)ᵏ⁺¹ Hₖ qᵏ/(k!)²]`` and
#   ``Y₁ = -2/(πx) + (2/π)(ln(x/2) + C) J₁(x) - (x/2π) Σₖ₌₀ (-q)ᵏ (2Hₖ + 1/(k+1))/(k!(k+1)!)``
#   (terms stay below 1 in size: absolute error ~1e-16).
# - ``2.5 <= x < 25``: Neumann's expansions (A&S 9.1.88) over Miller's normalised J's (as bessel_j0):
#   ``Y₀ = (2/π)(ln(x/2) + C) J₀ - (4/π) Σₖ₌₁ (-1)ᵏ J₂ₖ/k`` and, by ``Y₁ = -Y₀'`` with
#   ``J₂ₖ' = (J₂ₖ₋₁ - J₂ₖ₊₁)/2``, ``Y₁ = -(2/(πx)) J₀ + (2/π)(ln(x/2) + C) J₁ + (2/π) Σₖ₌₁ (-1)ᵏ (J₂ₖ₋₁ - J₂ₖ₊₁)/k``.
# - ``x >= 25``: Hankel's expansion ``√(2/(πx)) (P sin ω + Q cos ω)`` with bessel_j's P and Q.
# Absolute error ~1e-16 (relative error grows near the zeros, as for J); ``-inf`` at 0, nan for x < 0 and
# at ±inf, as PyTorch.

_Y_SERIES_TOP = 2.5


def _bessel_y_series(xp: Any, y: Any, nu: int) -> Any:
    q = 0.25 * y * y
    log_term = xp.log(0.5 * y) + _es._EULER_GAMMA
    j0, j1 = _bessel_j_series(xp, y)
    term = xp.ones_like(y) if nu == 0 else 0.5 * y  # (-q)ᵏ/(k!(k+n)!) times (y/2)ⁿ
    series = xp.zeros_like(y) if nu == 0 else term.copy()
    harmonic = 0.0
    for k in range(1, 30):
        term = term * -q / float(k * (k + nu))
        harmonic += 1.0 / k
        series += term * (-harmonic if nu == 0 else 2.0 * harmonic + 1.0 / (k + 1))
    if nu == 0:
        return (2.0 / math.pi) * (log_term * j0 + series)
    return -2.0 / (math.pi * y) + (2.0 / math.pi) * log_term * j1 - series / math.pi


def _bessel_y_neumann(xp: Any, y: Any, nu: int) -> Any:
    """Y₀ or Y₁ for ``2.5 <= y < 25`` from Miller's backward recurrence for J₀ .. J₇₀."""
    upper = xp.zeros_like(y)  # J_{k+1} (unnormalised)
    current = xp.full_like(y, 1e-30)  # J_k
    norm = xp.zeros_like(y)
    neumann = xp.zeros_like(y)
    j1 = xp.zeros_like(y)
    inv = 2.0 / y
    above = upper  # J_{m+1} for the current even m
    for k in range(_J_MILLER_ORDER, 0, -1):
        lower = k * inv * current - upper  # J_{k-1}
        upper, current = current, lower
        m = k - 1
        if m == 1:
            j1 = current.copy()
        if m % 2 == 1 and m > 1:
            above = current  # J_m, odd: J_{2i+1} for the next even 2i = m - 1
        if m % 2 == 0 and m > 0:
            norm += 2.0 * current
            i = m // 2
            sign = 1.0 if i % 2 == 0 else -1.0
            if nu == 0:
                neumann += (sign / i) * current
            else:  # J_{2i-1} - J_{2i+1}: J_{2i-1} comes next; add -J_{2i+1} now and +J_{2i-1} below
                neumann -= (sign / i) * above
        if nu == 1 and m % 2 == 1 and m >= 1:
            i = (m + 1) // 2  # J_m = J_{2i-1}
            sign = 1.0 if i % 2 == 0 else -1.0
            neumann += (sign / i) * current
    norm += current
    j0 = current / norm
    log_term = xp.log(0.5 * y) + _es._EULER_GAMMA
    if nu == 0:
        return (2.0 / math.pi) * (log_term * j0) - (4.0 / math.pi) * (neumann / norm)
    return -(2.0 / math.pi) * j0 / y + (2.0 / math.pi) * (log_term * (j1 / norm) + neumann / norm)


def _bessel_y_hankel(xp: Any, y: Any, nu: int) -> Any:
    """Y₀ or Y₁ for ``y >= 25``: Hankel's expansion."""
    inv = 1.0 / y
    inv2 = inv * inv
    coefficients = _J_HANKEL[nu]  # (-1)ᵏ aₖ
    p = xp.zeros_like(y)
    for i, c in reversed(list(enumerate(coefficients[0::2]))):
        p = p * inv2 + c * (-1) ** i
    q = xp.zeros_like(y)
    for i, c in reversed(list(enumerate(coefficients[1::2]))):
        q = q * inv2 - c * (-1) ** i
    q = q * inv
    cos, sin = xp.cos(y), xp.sin(y)
    if nu == 0:  # ω = y - π/4
        cos_w, sin_w = (cos + sin) * _SQRT1_2, (sin - cos) * _SQRT1_2
    else:  # ω = y - 3π/4
        cos_w, sin_w = (sin - cos) * _SQRT1_2, -(sin + cos) * _SQRT1_2
    return xp.sqrt(2.0 / (math.pi * y)) * (p * sin_w + q * cos_w)


def _bessel_y(xp: Any, x: Any, nu: int) -> Any:
    positive = (x > 0) & (x < xp.inf)
    y = xp.where(positive, x, 1.0)
    result = xp.empty_like(y)
    bands = (y < _Y_SERIES_TOP, (y >= _Y_SERIES_TOP) & (y < _J_HANKEL_FROM), y >= _J_HANKEL_FROM)
    kernels = (_bessel_y_series, _bessel_y_neumann, _bessel_y_hankel)
    for mask, kernel in zip(bands, kernels, strict=True):
        index = xp.flatnonzero(mask)
        if index.size:
            result[index] = kernel(xp, y.take(index), nu)
    return xp.where(positive, result, xp.where(x == 0, -xp.inf, xp.nan))


def _y0_64(xp: Any, x: Any) -> Any:
    return _bessel_y(xp, x, 0)


def _y1_64(xp: Any, x: Any) -> Any:
    return _bessel_y(xp, x, 1)


def _spherical_j0_64(xp: Any, x: Any) -> Any:
    """``sin(x)/x``; ``1 - x²/6 + x⁴/120 - x⁶/5040`` for ``|x| < 1e-3`` (exact to rounding); 0 at ±inf."""
    small = xp.abs(x) < 1e-3
    safe = xp.where(small, 1.0, x)
    result = xp.sin(safe) / safe
    if bool(small.any()):
        s = x * x
        result = xp.where(small, 1.0 - s / 6.0 * (1.0 - s / 20.0 * (1.0 - s / 42.0)), result)
    return xp.where(xp.isinf(x), 0.0, result)


# ------------------------------------------------------------------ Airy Ai
#
# NOTE [ Airy function ]
# - ``-10 <= x <= 2``: Taylor expansion about the nearest node ``x₀`` of a grid of step 1/4 (``|x - x₀| <= 1/8``),
#   with ``(n+2)(n+1) aₙ₊₂ = x₀ aₙ + aₙ₋₁`` from ``Ai'' = x Ai`` (24 terms). The node values ``Ai(x₀)``, ``Ai'(x₀)``
#   come from the Maclaurin series (A&S 10.4.2-3, ``Ai = c₁ f - c₂ g``) summed once, lazily, in 50-digit decimal
#   arithmetic (its terms reach 1e9 at x = -10), with ``c₁ = Ai(0)``, ``c₂ = -Ai'(0)`` (A&S 10.4.4-5).
# - ``x > 2``: ``Ai(x) = √(x/3)/π K₁/₃(ζ)``, ``ζ = (2/3) x^(3/2)`` (A&S 10.4.14), with ``K₁/₃`` by the trapezoidal
#   rule of NOTE [ Modified Bessel K ] (ζ > 1.88 there).
# - ``x < -10``: the asymptotic expansion (A&S 10.4.60)
#   ``Ai(-z) ~ π^(-1/2) z^(-1/4) [sin(ζ + π/4) Σ (-1)ᵏ c₂ₖ ζ⁻²ᵏ - cos(ζ + π/4) Σ (-1)ᵏ c₂ₖ₊₁ ζ⁻²ᵏ⁻¹]`` with
#   ``cₖ = Γ(3k + ½) / (54ᵏ k! Γ(k + ½))``, truncated where terms at ζ = 21 fall below 1e-17. Its phase carries
#   the rounding of ζ (an absolute error ~ζ ulp), as any method in float64.
# nan at ±inf, as PyTorch.

_AIRY_C1 = 0.355028053887817239260063186004183176398  # Ai(0)
_AIRY_C2 = 0.258819403792806798405183560189203963479  # -Ai'(0)
_AIRY_LOW = -10.0
_AIRY_HIGH = 2.0
_AIRY_STEP = 0.25
_AIRY_TAYLOR_TERMS = 24


@functools.lru_cache(maxsize=1)
def _airy_nodes() -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(Ai(x₀), Ai'(x₀)) on the grid ``-10, -9.75, ..., 2``, from the Maclaurin series in decimal arithmetic."""
    import decimal

    context = decimal.Context(prec=50)
    c1 = decimal.Decimal("0.355028053887817239260063186004183176398")
    c2 = decimal.Decimal("0.258819403792806798405183560189203963479")
    values: list[float] = []
    slopes: list[float] = []
    count = round((_AIRY_HIGH - _AIRY_LOW) / _AIRY_STEP) + 1
    for i in range(count):
        x = context.create_decimal(repr(_AIRY_LOW + _AIRY_STEP * i))
        x3 = context.multiply(context.multiply(x, x), x)
        # f = Σ aₖ x³ᵏ with a₀ = 1, aₖ = aₖ₋₁ / ((3k-1)(3k)); g = Σ bₖ x³ᵏ⁺¹ with b₀ = 1, bₖ = bₖ₋₁ / ((3k)(3k+1)).
        f = g = fp = gp = decimal.Decimal(0)
        a = b = decimal.Decimal(1)
        power = decimal.Decimal(1)  # x³ᵏ
        x2 = context.multiply(x, x)
        for k in range(200):
            if k:
                a = context.divide(a, (3 * k - 1) * (3 * k))
                b = context.divide(b, (3 * k) * (3 * k + 1))
                fp = context.add(fp, context.multiply(a * (3 * k), context.multiply(power, x2)))  # x³ᵏ⁻¹
                power = context.multiply(power, x3)
            f = context.add(f, context.multiply(a, power))
            g = context.add(g, context.multiply(context.multiply(b, power), x))
            gp = context.add(gp, context.multiply(b * (3 * k + 1), power))
            if k > 5 and abs(context.multiply(a, power)) < decimal.Decimal("1e-45"):
                break
        values.append(float(context.subtract(context.multiply(c1, f), context.multiply(c2, g))))
        slopes.append(float(context.subtract(context.multiply(c1, fp), context.multiply(c2, gp))))
    return tuple(values), tuple(slopes)


def _airy_taylor(xp: Any, x: Any) -> Any:
    """Ai(x) for ``-10 <= x <= 2``: Taylor series about the nearest grid node."""
    values, slopes = _airy_nodes()
    index = xp.rint((x - _AIRY_LOW) / _AIRY_STEP).astype(xp.int64)
    x0 = index * _AIRY_STEP + _AIRY_LOW
    d = x - x0
    a_prev2 = xp.zeros_like(x)  # a_{n-1} for n = 0
    a_n = xp.asarray(values, dtype=xp.float64).take(index)
    a_next = xp.asarray(slopes, dtype=xp.float64).take(index)
    total = a_n + a_next * d
    power = d.copy()
    for n in range(_AIRY_TAYLOR_TERMS):
        a_new = (x0 * a_n + a_prev2) / float((n + 2) * (n + 1))  # a_{n+2} from a_n and a_{n-1}
        a_prev2, a_n, a_next = a_n, a_next, a_new
        power = power * d
        total += a_new * power
    return total


def _airy_asymptotic_coefficients() -> tuple[float, ...]:
    coefficients = [1.0]
    k = 0
    value = Fraction(1)
    while True:
        k += 1
        # cₖ / cₖ₋₁ = (6k-5)(6k-3)(6k-1) / (216 k (2k-1))
        value = value * Fraction((6 * k - 5) * (6 * k - 3) * (6 * k - 1), 216 * k * (2 * k - 1))
        coefficients.append(float(value))
        if float(value) / 21.0**k < 1e-17:
            return tuple(coefficients)


_AIRY_ASYMPTOTIC = _airy_asymptotic_coefficients()


def _airy_oscillating(xp: Any, x: Any) -> Any:
    """Ai(x) for ``x < -10``."""
    z = -x
    zeta = (2.0 / 3.0) * z * xp.sqrt(z)
    inv = 1.0 / zeta
    inv2 = inv * inv
    even = _AIRY_ASYMPTOTIC[0::2]
    odd = _AIRY_ASYMPTOTIC[1::2]
    p = xp.zeros_like(x)
    for i, c in reversed(list(enumerate(even))):
        p = p * inv2 + (c if i % 2 == 0 else -c)
    q = xp.zeros_like(x)
    for i, c in reversed(list(enumerate(odd))):
        q = q * inv2 + (c if i % 2 == 0 else -c)
    q = q * inv
    # sin(ζ + π/4) = (sin ζ + cos ζ)/√2, cos(ζ + π/4) = (cos ζ - sin ζ)/√2
    sin, cos = xp.sin(zeta), xp.cos(zeta)
    return (_SQRT1_2 / _SQRT_PI) * ((sin + cos) * p - (cos - sin) * q) / xp.sqrt(xp.sqrt(z))


def _airy_decaying(xp: Any, x: Any) -> Any:
    """Ai(x) for ``x > 2`` (finite): ``√(x/3)/π K₁/₃(ζ)``."""
    x = xp.minimum(x, 200.0)  # Ai underflows to 0 from 106 on; ζ would overflow to inf (nan) near 1e205
    zeta = (2.0 / 3.0) * x * xp.sqrt(x)
    scaled = _scaled_k_integral(xp, zeta, 1.0 / 3.0)
    return xp.sqrt(x / 3.0) / math.pi * scaled * xp.exp(-zeta)


def _airy_ai64(xp: Any, x: Any) -> Any:
    finite = xp.isfinite(x)
    y = xp.where(finite, x, 0.0)
    result = xp.empty_like(y)
    bands = (y < _AIRY_LOW, (y >= _AIRY_LOW) & (y <= _AIRY_HIGH), y > _AIRY_HIGH)
    kernels = (_airy_oscillating, _airy_taylor, _airy_decaying)
    for mask, kernel in zip(bands, kernels, strict=True):
        index = xp.flatnonzero(mask)
        if index.size:
            result[index] = kernel(xp, y.take(index))
    return xp.where(finite, result, xp.nan)


# ------------------------------------------------------------------ records and functions: Bessel, Airy
# On CuPy, cupyx.scipy.special serves K0, K1 and their scaled forms (SciPy's edge values are PyTorch's);
# its i0, i1 (inf at ±inf) and y0, y1 (0 at +inf) are not PyTorch's at the edges, so those run tocha's kernels.

_TORCH_AIRY = {"torch:float64": "PyTorch's float64 airy_ai has errors up to 3e-6 near x = -2 (mpmath agrees)"}
MODIFIED_BESSEL_I0 = _unary_record(
    "modified_bessel_i0", _i0_64, None, cupy_name=None, dtypes=_F32_F64, saves_inputs=(), domain=(-30.0, 30.0)
)
MODIFIED_BESSEL_I1 = _unary_record(
    "modified_bessel_i1", _i1_64, None, cupy_name=None, dtypes=_F32_F64, saves_inputs=(), domain=(-30.0, 30.0)
)
MODIFIED_BESSEL_K0 = _unary_record(
    "modified_bessel_k0", _k0_64, None, cupy_name="k0", dtypes=_F32_F64, saves_inputs=(), domain=(0.05, 30.0)
)
MODIFIED_BESSEL_K1 = _unary_record(
    "modified_bessel_k1", _k1_64, None, cupy_name="k1", dtypes=_F32_F64, saves_inputs=(), domain=(0.05, 30.0)
)
SCALED_MODIFIED_BESSEL_K0 = _unary_record(
    "scaled_modified_bessel_k0", _k0e_64, None, cupy_name="k0e", dtypes=_F32_F64, saves_inputs=(), domain=(0.05, 50.0)
)
SCALED_MODIFIED_BESSEL_K1 = _unary_record(
    "scaled_modified_bessel_k1", _k1e_64, None, cupy_name="k1e", dtypes=_F32_F64, saves_inputs=(), domain=(0.05, 50.0)
)
BESSEL_Y0 = _unary_record(
    "bessel_y0", _y0_64, None, cupy_name=None, dtypes=_F32_F64, saves_inputs=(), domain=(0.1, 40.0), skips=_TORCH_J
)
BESSEL_Y1 = _unary_record(
    "bessel_y1", _y1_64, None, cupy_name=None, dtypes=_F32_F64, saves_inputs=(), domain=(0.1, 40.0), skips=_TORCH_J
)
SPHERICAL_BESSEL_J0 = _unary_record(
    "spherical_bessel_j0", _spherical_j0_64, None, cupy_name=None, dtypes=_F32_F64, saves_inputs=()
)
AIRY_AI = _unary_record(
    "airy_ai", _airy_ai64, None, cupy_name=None, dtypes=_F32_F64, saves_inputs=(), domain=(-15.0, 15.0),
    skips=_TORCH_AIRY,
)  # fmt: skip


def modified_bessel_i0(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The modified Bessel function of the first kind of order 0, ``I₀(x) = Σₖ (x²/4)ᵏ/(k!)²``.

    The same values as :func:`tocha.special.i0`, but not differentiable, as PyTorch's; nan at ±inf.

    Example:
        >>> import tocha
        >>> tocha.special.modified_bessel_i0(tocha.tensor([0.0, 1.0, -2.0]))
        tensor([1.0000, 1.2661, 2.2796])
    """
    return unary(MODIFIED_BESSEL_I0, input, out, floating=True)


def modified_bessel_i1(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The modified Bessel function of the first kind of order 1, ``I₁(x) = Σₖ (x/2)²ᵏ⁺¹/(k!(k+1)!)`` (odd).

    Example:
        >>> import tocha
        >>> tocha.special.modified_bessel_i1(tocha.tensor([0.0, 1.0, -2.0]))
        tensor([ 0.0000,  0.5652, -1.5906])
    """
    return unary(MODIFIED_BESSEL_I1, input, out, floating=True)


def modified_bessel_k0(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The modified Bessel function of the second kind of order 0, ``K₀(x) = ∫₀^∞ exp(-x cosh t) dt``.

    ``inf`` at 0, 0 at ``+inf``, nan for ``x < 0``; not differentiable, as PyTorch.

    Example:
        >>> import tocha
        >>> tocha.special.modified_bessel_k0(tocha.tensor([0.5, 1.0, 2.0]))
        tensor([0.9244, 0.4210, 0.1139])
    """
    return unary(MODIFIED_BESSEL_K0, input, out, floating=True)


def modified_bessel_k1(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The modified Bessel function of the second kind of order 1, ``K₁(x) = ∫₀^∞ exp(-x cosh t) cosh t dt``.

    Example:
        >>> import tocha
        >>> tocha.special.modified_bessel_k1(tocha.tensor([0.5, 1.0, 2.0]))
        tensor([1.6564, 0.6019, 0.1399])
    """
    return unary(MODIFIED_BESSEL_K1, input, out, floating=True)


def scaled_modified_bessel_k0(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``exp(x) K₀(x)``, which does not underflow for large ``x``.

    Example:
        >>> import tocha
        >>> tocha.special.scaled_modified_bessel_k0(tocha.tensor([1.0, 800.0], dtype=tocha.float64))
        tensor([1.1445, 0.0443], dtype=tocha.float64)
    """
    return unary(SCALED_MODIFIED_BESSEL_K0, input, out, floating=True)


def scaled_modified_bessel_k1(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``exp(x) K₁(x)``, which does not underflow for large ``x``.

    Example:
        >>> import tocha
        >>> tocha.special.scaled_modified_bessel_k1(tocha.tensor([1.0, 800.0], dtype=tocha.float64))
        tensor([1.6362, 0.0443], dtype=tocha.float64)
    """
    return unary(SCALED_MODIFIED_BESSEL_K1, input, out, floating=True)


def bessel_y0(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The Bessel function of the second kind of order 0 (``-inf`` at 0, nan for ``x < 0`` and at ±inf).

    Example:
        >>> import tocha
        >>> tocha.special.bessel_y0(tocha.tensor([0.5, 2.0, 30.0]))
        tensor([-0.4445,  0.5104, -0.1173])
    """
    return unary(BESSEL_Y0, input, out, floating=True)


def bessel_y1(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The Bessel function of the second kind of order 1 (``-inf`` at 0, nan for ``x < 0`` and at ±inf).

    Example:
        >>> import tocha
        >>> tocha.special.bessel_y1(tocha.tensor([0.5, 2.0, 30.0]))
        tensor([-1.4715, -0.1070,  0.0844])
    """
    return unary(BESSEL_Y1, input, out, floating=True)


def spherical_bessel_j0(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The spherical Bessel function of the first kind of order 0, ``j₀(x) = sin(x)/x`` (1 at 0, 0 at ±inf).

    Example:
        >>> import tocha
        >>> tocha.special.spherical_bessel_j0(tocha.tensor([0.0, 1.0, -2.0]))
        tensor([1.0000, 0.8415, 0.4546])
    """
    return unary(SPHERICAL_BESSEL_J0, input, out, floating=True)


def airy_ai(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The Airy function ``Ai(x)``, the solution of ``y'' = x y`` that decays as ``x → +inf`` (nan at ±inf).

    Example:
        >>> import tocha
        >>> tocha.special.airy_ai(tocha.tensor([-2.0, 0.0, 1.0]))
        tensor([0.2274, 0.3550, 0.1353])
    """
    return unary(AIRY_AI, input, out, floating=True)
