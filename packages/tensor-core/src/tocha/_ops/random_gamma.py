"""Gamma, Dirichlet and binomial samplers, and the implicit gradient of Gamma samples.

NOTE [ Gamma samples and their gradient ]
``_standard_gamma(alpha)`` draws Gamma(alpha, 1) with the backend generator's ``standard_gamma`` (NumPy's
on cpu; on cuda the backend's sampler seeded from the Philox stream, NOTE [ Counter-based cuda generator ]),
in float64, then rounds to alpha's dtype. As PyTorch, a sample is never below the dtype's smallest normal
number ``tiny`` (so ``log`` of it is finite), alpha <= 0 or NaN gives ``tiny`` and alpha = inf gives inf.

The sample is differentiable in alpha by implicit reparameterisation: holding the CDF
``F(x; a) = P(a, x)`` (the regularised lower incomplete gamma) fixed,
``dx/da = -(dP/da) / (dP/dx)`` with ``dP/dx = f(x) = x^(a-1) e^(-x) / Γ(a)``. ``_standard_gamma_grad``
computes this ratio directly, in float64, without ever forming ``P`` or ``f`` (no under/overflow):

- ``x < a + 1``: from the series ``P = x^a e^(-x) Σₙ xⁿ / Γ(a+n+1)``, differentiating each term,
  ``dx/da = -Σₙ cₙ (ln x - ψ(a+n+1))`` with ``c₀ = x/a``, ``cₙ = cₙ₋₁ x/(a+n)`` and
  ``ψ(a+n+1) = ψ(a+n) + 1/(a+n)``. The terms are all of one sign except near ``x ≈ a``, where they are O(1):
  no cancellation.
- ``x >= a + 1``: from ``Γ(a, x) = x^a e^(-x) h(a, x)``, ``h`` Legendre's continued fraction for the upper
  function (evaluated by modified Lentz, as ``igammac``), ``Q = 1 - P``, ``dx/da = dQ/da / f =
  x (h (ln x - ψ(a)) + ∂h/∂a)``; ``∂h/∂a`` is carried through the Lentz recurrences by forward-mode
  differentiation (each of ``b``, ``c``, ``d``, ``h`` with its derivative).

Both loops stop when the last term changes the value (and its derivative) by under 1e-16 relative, checked
every 16 steps; they need O(√a) steps near ``x ≈ a``. For ``a > 1e5`` (where they would need thousands) the
Wilson-Hilferty form ``x = a v³``, ``v = 1 - 1/(9a) + z/(3√a)``, is differentiated at fixed ``z`` instead: its
relative error falls as ``a^-1.5``, under 1e-9 there. Against a mpmath reference (the quadrature
``dx/da = ∫₀^∞ (ln(x+u) - ψ(a)) (1+u/x)^(a-1) e^(-u) du``) the relative error is ~1e-12 for a from 1e-3 to 1e5
(tests/test_random_gamma.py); PyTorch's own
``_standard_gamma_grad`` is an approximation good to ~1e-3 relative, and agrees with this one to that.
Edges as PyTorch: ``x <= 0`` gives 0; ``a <= 0``, NaN or ``x = inf`` give NaN.

``_sample_dirichlet`` normalises float64 Gamma samples (each at least float64's ``tiny``) along the last dim
and clamps the result to ``[tiny, 1 - ε/2]`` of its dtype (``1 - ε/2`` being the largest number below 1), so
where every gamma underflows the result is uniform (``1/K``), as PyTorch. Not differentiable (as PyTorch:
``tocha.distributions`` differentiates through the gamma normalisation instead).

``binomial(count, prob)``: ``count`` and ``prob`` broadcast, share one floating dtype, which the result has.
As PyTorch on cpu: ``count <= 0`` or ``prob <= 0`` gives 0, a NaN ``prob`` NaN, ``prob >= 1`` gives ``count``
itself; otherwise Binomial(floor(count), prob) (NaN for a non-finite count). Out-of-range probabilities are
not errors in PyTorch either.

Dtypes: float16 and bfloat16 are accepted (computed in float64), as PyTorch's cuda kernels do; PyTorch's
cpu kernels refuse them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._dispatch import OpRecord, OpTest, VjpContext, call, register_op
from .._dtype import _FLOAT, dtype
from . import elementwise_special as _es
from ._common import broadcast_shape, common_device, tensor_arg, type_name
from .creation import to_device
from .random import _RANDOM_SKIPS, Generator, _bits, _generator, _no_samples, _not_implemented

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = ["binomial"]

# Smallest normal number and largest number below 1 of each floating dtype (exact in float64).
_TINY = {"float16": 2.0**-14, "bfloat16": 2.0**-126, "float32": 2.0**-126, "float64": 2.0**-1022}
_BELOW_ONE = {"float16": 1 - 2.0**-11, "bfloat16": 1 - 2.0**-8, "float32": 1 - 2.0**-24, "float64": 1 - 2.0**-53}
_MAX_STEPS = 4000
_HUGE_ALPHA = 1e5  # beyond, the Wilson-Hilferty derivative (error ~ a^-1.5, below 1e-9 here) replaces the loops
_LENTZ_TINY = 1e-300


# ------------------------------------------------------------------ forwards (written against xp)


def _gamma64(xp: Any, alpha: Any, bits: Any) -> Any:
    """Gamma(alpha, 1) samples in float64, 0 where alpha <= 0 or NaN (callers clamp to ``tiny``)."""
    a = alpha.astype(np.float64)
    valid = a > 0
    sample = xp.asarray(bits.standard_gamma(xp.where(valid, a, 1.0)))  # a 0-dim draw is a NumPy scalar
    return xp.where(valid, sample, 0.0)


def _standard_gamma_forward(xp: Any, alpha: Any, gen: Generator) -> Any:
    tiny = _TINY[alpha.dtype.name]
    sample = _gamma64(xp, alpha, _bits(gen)).astype(alpha.dtype)
    return xp.maximum(sample, alpha.dtype.type(tiny))  # NaN never occurs: alpha NaN gave 0


def _sample_dirichlet_forward(xp: Any, alpha: Any, gen: Generator) -> Any:
    name = alpha.dtype.name
    tiny = _TINY[name]
    g = xp.maximum(_gamma64(xp, alpha, _bits(gen)), _TINY["float64"])  # the compute dtype's tiny, as PyTorch
    total = g.sum(axis=-1, keepdims=True) if g.ndim else g
    with np.errstate(invalid="ignore"):
        ratio = g / total  # inf / inf (alpha = inf) is NaN: clamped to tiny below, as PyTorch
        ratio = xp.where(ratio > tiny, ratio, tiny)
    return xp.minimum(ratio, _BELOW_ONE[name]).astype(alpha.dtype)


def _binomial_forward(xp: Any, count: Any, prob: Any, gen: Generator) -> Any:
    c, p = xp.broadcast_arrays(count.astype(np.float64), prob.astype(np.float64))
    with np.errstate(invalid="ignore"):
        drawn = (c > 0) & (p > 0) & (p < 1) & xp.isfinite(c)
        trials = xp.where(drawn, xp.floor(c), 0.0).astype(np.int64)
        sample = xp.asarray(_bits(gen).binomial(trials, xp.where(drawn, p, 0.5)), dtype=np.float64)
        result = xp.where(p >= 1, c, xp.where(drawn, sample, xp.nan))
        result = xp.where(xp.isnan(p), xp.nan, result)
        result = xp.where((c <= 0) | (p <= 0), 0.0, result)
    return result.astype(count.dtype)


def _gamma_grad_series(xp: Any, a: Any, x: Any) -> Any:
    """``dx/da`` for ``x < a + 1`` (flat float64, a > 0, x > 0): -Σₙ cₙ (ln x - ψ(a+n+1))."""
    log_x = xp.log(x)
    c = x / a
    psi = _es._digamma64(xp, a + 1.0)
    term = c * (log_x - psi)
    total = term.copy()
    size = xp.abs(term)
    for n in range(1, _MAX_STEPS + 1):
        psi = psi + 1.0 / (a + n)
        c = c * x / (a + n)
        term = c * (log_x - psi)
        total = total + term
        size = size + xp.abs(term)
        if n % 16 == 0 and bool((xp.abs(term) <= 1e-17 * size).all()):
            break
    return -total


def _gamma_grad_fraction(xp: Any, a: Any, x: Any) -> Any:
    """``dx/da`` for ``x >= a + 1``: x (h (ln x - ψ(a)) + ∂h/∂a), h the continued fraction of Γ(a, x)."""
    b = x + 1.0 - a  # ∂b/∂a = -1 at every step
    d = 1.0 / b
    dd = d * d  # ∂d/∂a = 1/b²
    c = xp.full_like(x, 1.0 / _LENTZ_TINY)
    dc = xp.zeros_like(x)
    h, dh = d.copy(), dd.copy()
    for n in range(1, _MAX_STEPS + 1):
        an = -n * (n - a)  # ∂an/∂a = n
        b = b + 2.0
        denominator = an * d + b
        d_denominator = n * d + an * dd - 1.0
        denominator = xp.where(xp.abs(denominator) < _LENTZ_TINY, _LENTZ_TINY, denominator)
        d = 1.0 / denominator
        dd = -d_denominator * d * d
        dc = -1.0 + n / c - an * dc / (c * c)
        c = b + an / c
        c = xp.where(xp.abs(c) < _LENTZ_TINY, _LENTZ_TINY, c)
        delta = d * c
        d_delta = dd * c + d * dc
        dh = dh * delta + h * d_delta
        h = h * delta
        if n % 16 == 0:
            done = (xp.abs(delta - 1.0) <= 1e-16) & (xp.abs(h * d_delta) <= 1e-16 * (xp.abs(dh) + xp.abs(h)))
            if bool(done.all()):
                break
    return x * (h * (xp.log(x) - _es._digamma64(xp, a)) + dh)


def _gamma_grad_wilson_hilferty(xp: Any, a: Any, x: Any) -> Any:
    """``dx/da`` for huge ``a``: x = a v³, v = 1 - 1/(9a) + z/(3√a), differentiated at fixed z."""
    root = xp.sqrt(a)
    z = 3.0 * root * (xp.cbrt(x / a) - 1.0 + 1.0 / (9.0 * a))
    v = 1.0 - 1.0 / (9.0 * a) + z / (3.0 * root)
    dv = 1.0 / (9.0 * a * a) - z / (6.0 * a * root)
    return v**3 + 3.0 * a * v * v * dv


def _gamma_grad64(xp: Any, a: Any, x: Any) -> Any:
    """``dx/da`` holding P(a, x) fixed, for flat float64 ``a``, ``x`` (NOTE [ Gamma samples and their gradient ])."""
    regular = (a > 0) & (x > 0) & xp.isfinite(a) & xp.isfinite(x)
    aa = xp.where(regular, a, 1.0)
    xx = xp.where(regular, x, 1.0)
    with np.errstate(all="ignore"):
        series = xx < aa + 1.0
        huge = aa > _HUGE_ALPHA
        result = xp.empty_like(xx)
        for index, kernel in (
            (xp.flatnonzero(series & ~huge), _gamma_grad_series),
            (xp.flatnonzero(~series & ~huge), _gamma_grad_fraction),
            (xp.flatnonzero(huge), _gamma_grad_wilson_hilferty),
        ):
            if index.size:
                result[index] = kernel(xp, aa.take(index), xx.take(index))
        result = xp.where(regular, result, 0.0)
        nan = (a <= 0) | xp.isnan(a) | xp.isnan(x) | xp.isinf(x) | xp.isinf(a)
        return xp.where(nan, xp.nan, result)


def _standard_gamma_grad_forward(xp: Any, alpha: Any, x: Any) -> Any:
    a, s = xp.broadcast_arrays(alpha.astype(np.float64), x.astype(np.float64))
    shape = a.shape
    if a.size == 0:
        return xp.empty(shape, dtype=alpha.dtype)
    flat = _gamma_grad64(xp, xp.ascontiguousarray(a).reshape(-1), xp.ascontiguousarray(s).reshape(-1))
    return flat.reshape(shape).astype(alpha.dtype)


# ------------------------------------------------------------------ derivatives


def _standard_gamma_vjp(ctx: VjpContext, grad: Tensor) -> tuple[Tensor | None]:
    alpha, result = ctx.inputs[0], ctx.result
    return (grad * _standard_gamma_grad(alpha, result),)


def _not_differentiable(name: str, error: type[Exception]) -> Any:
    def vjp(ctx: VjpContext, grad: Tensor) -> tuple[Tensor | None, ...]:
        raise error(f"the derivative for '{name}' is not implemented")

    return vjp


_SKIPS_NO_VJP = {**_RANDOM_SKIPS, "vjp": "not differentiable in PyTorch either: its vjp raises"}


def _gamma_record(name: str, forward: Any, vjp: Any, skips: dict[str, str], **extra: Any) -> OpRecord:
    test = OpTest(samples=_no_samples, torch_name=name, skips=skips)
    return register_op(OpRecord(name=name, forward=forward, vjp=vjp, test=test, fp_errors=True, **extra))


STANDARD_GAMMA = _gamma_record(
    "_standard_gamma",
    _standard_gamma_forward,
    _standard_gamma_vjp,
    {**_RANDOM_SKIPS, "vjp": "finite differences of random draws are meaningless; test_random_gamma checks it"},
    saves_inputs=(0,),
    saves_result=True,
)
STANDARD_GAMMA_GRAD = _gamma_record(
    "_standard_gamma_grad",
    _standard_gamma_grad_forward,
    _not_differentiable("_standard_gamma_grad", NotImplementedError),
    {
        "forward": "no NumPy reference; tests/test_random_gamma.py checks it against mpmath and PyTorch",
        "torch": "PyTorch's is an approximation (~1e-3); tests/test_random_gamma.py compares with a tolerance",
        "vjp": "not differentiable in PyTorch either: its vjp raises",
    },
)
SAMPLE_DIRICHLET = _gamma_record(
    "_sample_dirichlet",
    _sample_dirichlet_forward,
    _not_differentiable("_sample_dirichlet", RuntimeError),
    _SKIPS_NO_VJP,
)
BINOMIAL = _gamma_record("binomial", _binomial_forward, _not_differentiable("binomial", RuntimeError), _SKIPS_NO_VJP)


# ------------------------------------------------------------------ functions


def _real_floating(op: str, d: dtype) -> None:
    if d.category != _FLOAT:
        raise _not_implemented(op, d)


def _same_dtype(op: str, expected: dtype, found: dtype) -> None:
    if found is not expected:
        raise RuntimeError(f"{op}(): Found dtype {type_name(found)} but expected {type_name(expected)}")


def _standard_gamma(input: Tensor, generator: Generator | None = None) -> Tensor:
    """Gamma(``input``, 1) samples, of input's shape and dtype (real floating).

    Differentiable in ``input`` by implicit reparameterisation: the gradient is
    ``grad * _standard_gamma_grad(input, result)`` (NOTE [ Gamma samples and their gradient ]).
    Samples are at least the dtype's smallest normal number.

    Example:
        >>> import tocha
        >>> x = tocha._standard_gamma(tocha.full((1000,), 2.0), generator=tocha.Generator().manual_seed(0))
        >>> x.dtype, abs(x.mean().item() - 2.0) < 0.2
        (tocha.float32, True)
    """
    t = tensor_arg("_standard_gamma", input, "input", 1)
    _real_floating("_standard_gamma", t._dtype)
    gen = _generator("_standard_gamma", generator, t._device)
    return call(STANDARD_GAMMA, t._device, (t,), (gen,))  # type: ignore[no-any-return]


def _standard_gamma_grad(input: Tensor, output: Tensor) -> Tensor:
    """``d output / d input`` for Gamma(``input``, 1) samples ``output``, holding their CDF fixed.

    That is ``-(∂P/∂a) / (∂P/∂x)`` at ``a = input``, ``x = output``, with ``P`` the regularised lower
    incomplete gamma function. Both tensors have one real floating dtype and broadcast.

    Example:
        >>> import tocha
        >>> tocha._standard_gamma_grad(tocha.tensor([1.0]), tocha.tensor([1.0]))
        tensor([1.1736])
    """
    a = tensor_arg("_standard_gamma_grad", input, "self", 1)
    x = tensor_arg("_standard_gamma_grad", output, "output", 2)
    _real_floating("_standard_gamma_grad", a._dtype)
    _same_dtype("_standard_gamma_grad", a._dtype, x._dtype)
    broadcast_shape("_standard_gamma_grad", tuple(a._data.shape), tuple(x._data.shape))
    dev = common_device("_standard_gamma_grad", a, x)
    return call(STANDARD_GAMMA_GRAD, dev, (_on(a, dev), _on(x, dev)), ())  # type: ignore[no-any-return]


def _sample_dirichlet(input: Tensor, generator: Generator | None = None) -> Tensor:
    """Dirichlet(``input``) samples along the last dim (normalised Gamma samples), of input's shape and dtype.

    Each value lies in ``[tiny, 1 - eps/2]``; where every gamma underflows the sample is uniform.

    Example:
        >>> import tocha
        >>> x = tocha._sample_dirichlet(tocha.ones(4, 3, dtype=tocha.float64))
        >>> x.shape, bool(((x.sum(-1) - 1).abs() < 1e-12).all())
        (tocha.Size([4, 3]), True)
    """
    t = tensor_arg("_sample_dirichlet", input, "input", 1)
    _real_floating("_sample_dirichlet", t._dtype)
    gen = _generator("_sample_dirichlet", generator, t._device)
    return call(SAMPLE_DIRICHLET, t._device, (t,), (gen,))  # type: ignore[no-any-return]


def binomial(count: Tensor, prob: Tensor, generator: Generator | None = None) -> Tensor:
    """Binomial(``count``, ``prob``) samples: the number of successes in ``count`` trials of probability ``prob``.

    ``count`` and ``prob`` broadcast and must share one floating dtype, the result's.
    ``count <= 0`` or ``prob <= 0`` gives 0, ``prob >= 1`` gives ``count``, as PyTorch.

    Example:
        >>> import tocha
        >>> tocha.binomial(tocha.tensor([5.0, 5.0, 0.0]), tocha.tensor([0.0, 1.0, 0.5]))
        tensor([0., 5., 0.])
    """
    c = tensor_arg("binomial", count, "count", 1)
    p = tensor_arg("binomial", prob, "prob", 2)
    for name, t in (("count", c), ("prob", p)):
        if t._dtype.category != _FLOAT:
            raise ValueError(f"binomial only supports floating-point dtypes for {name}, got: {type_name(t._dtype)}")
    _same_dtype("binomial", c._dtype, p._dtype)
    broadcast_shape("binomial", tuple(c._data.shape), tuple(p._data.shape))
    dev = common_device("binomial", c, p)
    gen = _generator("binomial", generator, dev)
    return call(BINOMIAL, dev, (_on(c, dev), _on(p, dev)), (gen,))  # type: ignore[no-any-return]


def _on(t: Tensor, dev: Any) -> Tensor:
    """``t`` on ``dev`` (a 0-dim cpu tensor may join tensors of another device)."""
    return t if t._device == dev else to_device(t, dev)  # type: ignore[return-value]
