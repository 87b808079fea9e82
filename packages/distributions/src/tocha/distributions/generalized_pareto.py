"""The generalized Pareto distribution (peaks over a threshold)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Number
from typing import Any

import tocha
from tocha import Tensor

from . import constraints
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["GeneralizedPareto"]


class GeneralizedPareto(Distribution):
    """The generalized Pareto distribution of location ``μ``, scale ``sigma`` and shape ``ξ`` (``concentration``).

    With ``z = (x - μ) / sigma`` the survival function is ``(1 + ξ z)^(-1/ξ)`` (``exp(-z)`` at ``ξ = 0``) on
    ``z ≥ 0``, and on ``z ≤ -1/ξ`` too when ``ξ < 0``. ``ξ = 0`` is an exponential, ``ξ > 0`` a shifted Pareto,
    ``ξ = -1`` a uniform. Everything is computed from the log-survival function ``-log1p(ξ z) / ξ``, which is
    accurate near ``ξ = 0`` (and replaced by ``-z + ξ z² / 2`` for ``|ξ| ≤ 1e-8``).

    Args:
        loc: the location ``μ`` (the lower end of the support).
        scale: the scale ``sigma`` (positive).
        concentration: the shape ``ξ`` (real).
        validate_args: check the parameters and ``log_prob``'s values (default: the global setting).

    Example:
        >>> import tocha
        >>> from tocha.distributions import GeneralizedPareto
        >>> d = GeneralizedPareto(tocha.tensor([0.0]), tocha.tensor([1.0]), tocha.tensor([0.5]))
        >>> d.cdf(tocha.tensor([2.0])), d.icdf(tocha.tensor([0.75]))
        (tensor([0.7500]), tensor([2.]))
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive, "concentration": constraints.real}
    has_rsample = True

    def __init__(
        self,
        loc: Tensor | float,
        scale: Tensor | float,
        concentration: Tensor | float,
        validate_args: bool | None = None,
    ) -> None:
        self.loc, self.scale, self.concentration = broadcast_all(loc, scale, concentration)
        scalar = all(isinstance(v, Number) for v in (loc, scale, concentration))
        super().__init__(() if scalar else self.loc.shape, validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> GeneralizedPareto:
        new = self._get_checked_instance(GeneralizedPareto, _instance)
        shape = tocha.Size(batch_shape)
        new.loc = self.loc.expand(shape)
        new.scale = self.scale.expand(shape)
        new.concentration = self.concentration.expand(shape)
        super(GeneralizedPareto, new).__init__(shape, validate_args=False)
        new._validate_args = self._validate_args
        return new  # type: ignore[no-any-return]

    def _near_zero(self) -> Tensor:
        """Where ``|ξ| ≤ 1e-8``: there the formulas use their first-order expansion in ``ξ`` (exact at 0, and
        with the right gradient in ``ξ``) instead of dividing by ``ξ``."""
        return self.concentration.abs() <= 1e-8

    def _safe_concentration(self) -> Tensor:
        """``ξ`` with the near-zero entries replaced by 1 (their branch is taken separately)."""
        c = self.concentration
        return tocha.where(self._near_zero(), tocha.ones_like(c), c)

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """``icdf(U)`` for ``U ~ Uniform[0, 1)``."""
        shape = self._extended_shape(sample_shape)
        u = tocha.rand(tuple(shape), dtype=self.loc.dtype, device=self.loc.device)
        return self.icdf(u)

    def log_survival_function(self, value: Tensor) -> Tensor:
        """``log P(X > value) = -log1p(ξ z) / ξ`` (``-z`` at ``ξ = 0``)."""
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        c = self.concentration
        return tocha.where(self._near_zero(), c * z * z / 2 - z, -tocha.log1p(c * z) / self._safe_concentration())

    def log_prob(self, value: Tensor) -> Tensor:
        """``-log sigma + (1 + ξ) log S(value)`` with ``S`` the survival function."""
        if self._validate_args:
            self._validate_sample(value)
        log_sf = self.log_survival_function(value)
        return -self.scale.log() + (1 + self.concentration) * log_sf

    def log_cdf(self, value: Tensor) -> Tensor:
        """``log(1 - S(value))``."""
        return tocha.log(-tocha.expm1(self.log_survival_function(value)))

    def cdf(self, value: Tensor) -> Tensor:
        """``1 - S(value)`` (``nan`` below ``loc``, as PyTorch)."""
        return self.log_cdf(value).exp()

    def icdf(self, value: Tensor) -> Tensor:
        """``μ + sigma ((1 - q)^(-ξ) - 1) / ξ`` (``μ - sigma log(1 - q)`` at ``ξ = 0``)."""
        log_sf = tocha.log1p(-value)
        c = self.concentration
        z = tocha.where(
            self._near_zero(), c * log_sf * log_sf / 2 - log_sf, tocha.expm1(-c * log_sf) / self._safe_concentration()
        )
        return self.loc + self.scale * z

    @property
    def mean(self) -> Tensor:
        """``μ + sigma / (1 - ξ)`` for ``ξ < 1``, else ``nan``."""
        c = self.concentration
        mean = self.loc + self.scale / (1 - c)
        return tocha.where(c < 1, mean, tocha.full_like(mean, math.nan))

    @property
    def mode(self) -> Tensor:
        """``μ``."""
        return self.loc

    @property
    def variance(self) -> Tensor:
        """``sigma² / ((1 - ξ)² (1 - 2ξ))`` for ``ξ < 1/2``, else ``nan``."""
        c = self.concentration
        variance = self.scale.pow(2) / ((1 - c).pow(2) * (1 - 2 * c))
        return tocha.where(c < 0.5, variance, tocha.full_like(variance, math.nan))

    def entropy(self) -> Tensor:
        """``log sigma + ξ + 1``."""
        return self.scale.log() + self.concentration + 1

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> constraints.Constraint:
        """``[μ, μ - sigma/ξ]`` for ``ξ < 0``, ``[μ, inf)`` otherwise (bounds as numbers for a scalar distribution)."""
        upper = tocha.where(
            self.concentration < 0,
            self.loc - self.scale / self._safe_concentration(),
            tocha.full_like(self.loc, math.inf),
        )
        if self.loc.dim() == 0:
            return constraints.interval(self.loc.item(), upper.item())
        return constraints.interval(self.loc, upper)
