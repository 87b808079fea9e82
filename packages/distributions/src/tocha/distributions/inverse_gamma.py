"""The inverse-gamma distribution: ``1 / X`` for a gamma ``X``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import tocha
from tocha import Tensor

from . import constraints
from .gamma import Gamma
from .transformed_distribution import TransformedDistribution
from .transforms import PowerTransform

__all__ = ["InverseGamma"]


class InverseGamma(TransformedDistribution):
    """``1 / X`` with ``X ~ Gamma(concentration, rate)``.

    The density is ``beta^alpha x^(-alpha-1) exp(-beta/x) / Γ(alpha)`` on ``x > 0``.

    Args:
        concentration: the shape ``alpha`` (positive).
        rate: the scale ``beta`` of ``1/X``'s law (positive; the rate of ``X``).
        validate_args: check the parameters and ``log_prob``'s values (default: the global setting).

    Example:
        >>> import tocha
        >>> from tocha.distributions import InverseGamma
        >>> d = InverseGamma(tocha.tensor([3.0]), tocha.tensor([2.0]))
        >>> d.mean, d.mode
        (tensor([1.]), tensor([0.5000]))
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.positive
    has_rsample = True
    base_dist: Gamma

    def __init__(self, concentration: Tensor | float, rate: Tensor | float, validate_args: bool | None = None) -> None:
        base_dist = Gamma(concentration, rate, validate_args=validate_args)
        neg_one = -tocha.ones_like(base_dist.rate)
        super().__init__(base_dist, PowerTransform(neg_one), validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> InverseGamma:
        new = self._get_checked_instance(InverseGamma, _instance)
        return super().expand(batch_shape, _instance=new)  # type: ignore[return-value]

    @property
    def concentration(self) -> Tensor:
        """The shape ``alpha``."""
        return self.base_dist.concentration

    @property
    def rate(self) -> Tensor:
        """``beta``."""
        return self.base_dist.rate

    @property
    def mean(self) -> Tensor:
        """``beta / (alpha - 1)``; infinite for ``alpha ≤ 1``."""
        result = self.rate / (self.concentration - 1)
        return tocha.where(self.concentration > 1, result, tocha.full_like(result, math.inf))

    @property
    def mode(self) -> Tensor:
        """``beta / (alpha + 1)``."""
        return self.rate / (self.concentration + 1)

    @property
    def variance(self) -> Tensor:
        """``beta² / ((alpha - 1)² (alpha - 2))``; infinite for ``alpha ≤ 2``."""
        result = self.rate.pow(2) / ((self.concentration - 1).pow(2) * (self.concentration - 2))
        return tocha.where(self.concentration > 2, result, tocha.full_like(result, math.inf))

    def entropy(self) -> Tensor:
        """``alpha + log beta + log Γ(alpha) - (1 + alpha) ψ(alpha)``."""
        c = self.concentration
        return c + self.rate.log() + c.lgamma() - (1 + c) * c.digamma()
