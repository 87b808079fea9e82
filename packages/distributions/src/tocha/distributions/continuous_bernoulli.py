"""The continuous Bernoulli distribution (Loaiza-Ganem & Cunningham, 2019)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Number
from typing import Any

import tocha
from tocha import Tensor

from . import constraints
from ._functional import binary_cross_entropy_with_logits
from .exp_family import ExponentialFamily
from .utils import _expand_probs_logits, broadcast_all, clamp_probs, lazy_property, logits_to_probs, probs_to_logits

__all__ = ["ContinuousBernoulli"]


class ContinuousBernoulli(ExponentialFamily):
    """The continuous Bernoulli distribution on ``[0, 1]``: density ``C(λ) λ^x (1 - λ)^(1 - x)``.

    The normaliser is ``C(λ) = 2 atanh(1 - 2λ) / (1 - 2λ)`` (``2`` at ``λ = 1/2``). Inside ``lims`` (around
    ``λ = 1/2``, where that ratio is ``0 / 0``) the normaliser, mean, variance and log-normaliser use their
    Taylor expansions in ``λ - 1/2``; the cdf and icdf use the uniform distribution's there. ``probs`` is the
    shape parameter ``λ``, not the mean.

    Args:
        probs: ``λ`` in ``[0, 1]`` (clamped away from 0 and 1).
        logits: ``log(λ / (1 - λ))``; give exactly one of ``probs`` and ``logits``.
        lims: the interval of ``λ`` handled by Taylor expansion (default ``(0.499, 0.501)``).
        validate_args: check the parameters and ``log_prob``'s values (default: the global setting).

    Example:
        >>> import tocha
        >>> from tocha.distributions import ContinuousBernoulli
        >>> d = ContinuousBernoulli(tocha.tensor([0.2, 0.5]))
        >>> d.mean
        tensor([0.3880, 0.5000])
        >>> d.log_prob(tocha.tensor([0.5, 0.5]))
        tensor([-0.0788,  0.0000])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True
    _mean_carrier_measure = 0

    def __init__(
        self,
        probs: Tensor | float | None = None,
        logits: Tensor | float | None = None,
        lims: tuple[float, float] = (0.499, 0.501),
        validate_args: bool | None = None,
    ) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            is_scalar = isinstance(probs, Number)
            (probs_tensor,) = broadcast_all(probs)
            if validate_args is not None and not bool(self.arg_constraints["probs"].check(probs_tensor).all()):
                raise ValueError("The parameter probs has invalid values")
            self.probs = clamp_probs(probs_tensor)
            self._param = self.probs
        else:
            assert logits is not None
            is_scalar = isinstance(logits, Number)
            (self.logits,) = broadcast_all(logits)
            self._param = self.logits
        self._lims = lims
        super().__init__(() if is_scalar else self._param.shape, validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> ContinuousBernoulli:
        """A ContinuousBernoulli with its parameter expanded (as a view) to ``batch_shape``."""
        new = self._get_checked_instance(ContinuousBernoulli, _instance)
        shape = tocha.Size(batch_shape)
        new._lims = self._lims
        _expand_probs_logits(self, new, shape)
        super(ContinuousBernoulli, new).__init__(shape, validate_args=False)
        new._validate_args = self._validate_args
        return new  # type: ignore[no-any-return]

    def _new(self, *args: Any, **kwargs: Any) -> Tensor:
        return self._param.new(*args, **kwargs)

    def _outside_unstable_region(self) -> Tensor:
        return (self.probs <= self._lims[0]) | (self.probs > self._lims[1])

    def _cut_probs(self) -> Tensor:
        """``probs`` outside ``lims``, ``lims[0]`` inside (so the exact formulas never divide 0 by 0)."""
        return tocha.where(self._outside_unstable_region(), self.probs, tocha.full_like(self.probs, self._lims[0]))

    def _cont_bern_log_norm(self) -> Tensor:
        """``log C(λ)``: ``log(|log(1-λ) - log λ| / |1 - 2λ|)``, or its Taylor expansion near ``λ = 1/2``."""
        cut = self._cut_probs()
        below_half = tocha.where(cut <= 0.5, cut, tocha.zeros_like(cut))
        above_half = tocha.where(cut >= 0.5, cut, tocha.ones_like(cut))
        log_norm = tocha.log(tocha.abs(tocha.log1p(-cut) - tocha.log(cut))) - tocha.where(
            cut <= 0.5, tocha.log1p(-2.0 * below_half), tocha.log(2.0 * above_half - 1.0)
        )
        x = (self.probs - 0.5).pow(2)
        taylor = math.log(2.0) + (4.0 / 3.0 + 104.0 / 45.0 * x) * x
        return tocha.where(self._outside_unstable_region(), log_norm, taylor)

    @property
    def mean(self) -> Tensor:
        """``λ / (2λ - 1) + 1 / (log(1 - λ) - log λ)`` (``1/2`` at ``λ = 1/2``)."""
        cut = self._cut_probs()
        exact = cut / (2.0 * cut - 1.0) + 1.0 / (tocha.log1p(-cut) - tocha.log(cut))
        x = self.probs - 0.5
        taylor = 0.5 + (1.0 / 3.0 + 16.0 / 45.0 * x.pow(2)) * x
        return tocha.where(self._outside_unstable_region(), exact, taylor)

    @property
    def stddev(self) -> Tensor:
        """The square root of the variance."""
        return tocha.sqrt(self.variance)

    @property
    def variance(self) -> Tensor:
        """``λ (λ - 1) / (1 - 2λ)² + 1 / (log(1 - λ) - log λ)²`` (``1/12`` at ``λ = 1/2``)."""
        cut = self._cut_probs()
        exact = cut * (cut - 1.0) / (1.0 - 2.0 * cut).pow(2) + 1.0 / (tocha.log1p(-cut) - tocha.log(cut)).pow(2)
        x = (self.probs - 0.5).pow(2)
        taylor = 1.0 / 12.0 - (1.0 / 15.0 - 128.0 / 945.0 * x) * x
        return tocha.where(self._outside_unstable_region(), exact, taylor)

    @lazy_property
    def logits(self) -> Tensor:
        """``log(λ / (1 - λ))``."""
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        """``λ = sigmoid(logits)``, clamped away from 0 and 1."""
        return clamp_probs(logits_to_probs(self.logits, is_binary=True))

    @property
    def param_shape(self) -> tocha.Size:
        """The shape of the parameter the distribution was built from."""
        return self._param.shape

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """Inverse-cdf samples (no gradient flows to the parameters)."""
        shape = tuple(self._extended_shape(sample_shape))
        u = tocha.rand(shape, dtype=self.probs.dtype, device=self.probs.device)
        with tocha.no_grad():
            return self.icdf(u)

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """Inverse-cdf samples ``icdf(U)``, ``U ~ U[0, 1)``: differentiable w.r.t. ``λ``."""
        shape = tuple(self._extended_shape(sample_shape))
        u = tocha.rand(shape, dtype=self.probs.dtype, device=self.probs.device)
        return self.icdf(u)

    def log_prob(self, value: Tensor) -> Tensor:
        """``x log λ + (1 - x) log(1 - λ) + log C(λ)``."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -binary_cross_entropy_with_logits(logits, value) + self._cont_bern_log_norm()

    def cdf(self, value: Tensor) -> Tensor:
        """``(λ^x (1 - λ)^(1 - x) + λ - 1) / (2λ - 1)`` (``x`` near ``λ = 1/2``), 0 below 0 and 1 above 1."""
        if self._validate_args:
            self._validate_sample(value)
        cut = self._cut_probs()
        exact = (tocha.pow(cut, value) * tocha.pow(1.0 - cut, 1.0 - value) + cut - 1.0) / (2.0 * cut - 1.0)
        unbounded = tocha.where(self._outside_unstable_region(), exact, value)
        return tocha.where(
            value <= 0.0,
            tocha.zeros_like(value),
            tocha.where(value >= 1.0, tocha.ones_like(value), unbounded),
        )

    def icdf(self, value: Tensor) -> Tensor:
        """``(log(1 - λ + u (2λ - 1)) - log(1 - λ)) / (log λ - log(1 - λ))`` (``u`` near ``λ = 1/2``)."""
        cut = self._cut_probs()
        exact = (tocha.log1p(-cut + value * (2.0 * cut - 1.0)) - tocha.log1p(-cut)) / (
            tocha.log(cut) - tocha.log1p(-cut)
        )
        return tocha.where(self._outside_unstable_region(), exact, value)

    def entropy(self) -> Tensor:
        """``E[x] (log(1 - λ) - log λ) - log C(λ) - log(1 - λ)``."""
        log_probs0 = tocha.log1p(-self.probs)
        log_probs1 = tocha.log(self.probs)
        return self.mean * (log_probs0 - log_probs1) - self._cont_bern_log_norm() - log_probs0

    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        return (self.logits,)

    def _log_normalizer(self, *natural_params: Tensor) -> Tensor:
        """``log((e^η - 1) / η)``, or its Taylor expansion ``η/2 + η²/24 - η⁴/2880`` near ``η = 0``."""
        x = natural_params[0]
        outside = (x <= self._lims[0] - 0.5) | (x > self._lims[1] - 0.5)
        cut = tocha.where(outside, x, tocha.full_like(x, self._lims[0] - 0.5))
        log_norm = tocha.log(tocha.abs(tocha.expm1(cut))) - tocha.log(tocha.abs(cut))
        taylor = 0.5 * x + x.pow(2) / 24.0 - x.pow(4) / 2880.0
        return tocha.where(outside, log_norm, taylor)
