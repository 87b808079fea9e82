"""The two-parameter Weibull distribution."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import tocha
from tocha import Tensor

from . import constraints
from .exponential import Exponential
from .transformed_distribution import TransformedDistribution
from .transforms import AffineTransform, PowerTransform
from .utils import broadcast_all, euler_constant

__all__ = ["Weibull"]


class Weibull(TransformedDistribution):
    """``scale E^(1/concentration)`` with ``E ~ Exponential(1)``.

    The density is ``(k/λ) (x/λ)^(k-1) exp(-(x/λ)^k)`` on ``x > 0``, with ``λ = scale`` and ``k = concentration``.

    Args:
        scale: the scale ``λ`` (positive).
        concentration: the shape ``k`` (positive).
        validate_args: check the parameters and ``log_prob``'s values (default: the global setting).

    Example:
        >>> import tocha
        >>> from tocha.distributions import Weibull
        >>> d = Weibull(tocha.tensor([1.0]), tocha.tensor([1.0]))  # Exponential(1)
        >>> d.log_prob(tocha.tensor([2.0])), d.mean
        (tensor([-2.]), tensor([1.]))
    """

    arg_constraints = {"scale": constraints.positive, "concentration": constraints.positive}
    support = constraints.positive

    def __init__(self, scale: Tensor | float, concentration: Tensor | float, validate_args: bool | None = None) -> None:
        self.scale, self.concentration = broadcast_all(scale, concentration)
        self.concentration_reciprocal = self.concentration.reciprocal()
        base_dist = Exponential(tocha.ones_like(self.scale), validate_args=validate_args)
        transforms = [PowerTransform(exponent=self.concentration_reciprocal), AffineTransform(loc=0, scale=self.scale)]
        super().__init__(base_dist, transforms, validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> Weibull:
        new = self._get_checked_instance(Weibull, _instance)
        new.scale = self.scale.expand(batch_shape)
        new.concentration = self.concentration.expand(batch_shape)
        new.concentration_reciprocal = new.concentration.reciprocal()
        base_dist = self.base_dist.expand(batch_shape)
        transforms = [PowerTransform(exponent=new.concentration_reciprocal), AffineTransform(loc=0, scale=new.scale)]
        super(Weibull, new).__init__(base_dist, transforms, validate_args=False)
        new._validate_args = self._validate_args
        return new  # type: ignore[no-any-return]

    @property
    def mean(self) -> Tensor:
        """``λ Γ(1 + 1/k)``."""
        return self.scale * tocha.exp(tocha.lgamma(1 + self.concentration_reciprocal))

    @property
    def mode(self) -> Tensor:
        """``λ ((k - 1) / k)^(1/k)`` (PyTorch's formula, also used where ``k < 1``)."""
        return self.scale * ((self.concentration - 1) / self.concentration) ** self.concentration_reciprocal

    @property
    def variance(self) -> Tensor:
        """``λ² (Γ(1 + 2/k) - Γ(1 + 1/k)²)``."""
        second = tocha.exp(tocha.lgamma(1 + 2 * self.concentration_reciprocal))
        first_squared = tocha.exp(2 * tocha.lgamma(1 + self.concentration_reciprocal))
        return self.scale.pow(2) * (second - first_squared)

    def entropy(self) -> Tensor:
        """``euler (1 - 1/k) + log(λ / k) + 1``."""
        return (
            euler_constant * (1 - self.concentration_reciprocal)
            + tocha.log(self.scale * self.concentration_reciprocal)
            + 1
        )
