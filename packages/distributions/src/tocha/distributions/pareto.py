"""The Pareto (type I) distribution."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tocha import Tensor

from . import constraints
from .exponential import Exponential
from .transformed_distribution import TransformedDistribution
from .transforms import AffineTransform, ExpTransform
from .utils import broadcast_all

__all__ = ["Pareto"]


class Pareto(TransformedDistribution):
    """``scale exp(E)`` with ``E ~ Exponential(alpha)``: density ``alpha s^alpha / x^(alpha+1)`` on ``x ≥ s``.

    Args:
        scale: the minimum value ``s`` (positive).
        alpha: the tail index ``alpha`` (positive).
        validate_args: check the parameters and ``log_prob``'s values (default: the global setting).

    Example:
        >>> import tocha
        >>> from tocha.distributions import Pareto
        >>> d = Pareto(tocha.tensor([1.0]), tocha.tensor([2.0]))
        >>> d.log_prob(tocha.tensor([2.0])), d.mean
        (tensor([-1.3863]), tensor([2.]))
    """

    arg_constraints = {"alpha": constraints.positive, "scale": constraints.positive}

    def __init__(self, scale: Tensor | float, alpha: Tensor | float, validate_args: bool | None = None) -> None:
        self.scale, self.alpha = broadcast_all(scale, alpha)
        base_dist = Exponential(self.alpha, validate_args=validate_args)
        transforms = [ExpTransform(), AffineTransform(loc=0, scale=self.scale)]
        super().__init__(base_dist, transforms, validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> Pareto:
        new = self._get_checked_instance(Pareto, _instance)
        new.scale = self.scale.expand(batch_shape)
        new.alpha = self.alpha.expand(batch_shape)
        return super().expand(batch_shape, _instance=new)  # type: ignore[return-value]

    @property
    def mean(self) -> Tensor:
        """``alpha s / (alpha - 1)``; infinite for ``alpha ≤ 1``."""
        a = self.alpha.clamp(min=1)
        return a * self.scale / (a - 1)

    @property
    def mode(self) -> Tensor:
        """``s``."""
        return self.scale

    @property
    def variance(self) -> Tensor:
        """``s² alpha / ((alpha - 1)² (alpha - 2))``; infinite for ``alpha ≤ 2``."""
        a = self.alpha.clamp(min=2)
        return self.scale.pow(2) * a / ((a - 1).pow(2) * (a - 2))

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> constraints.Constraint:
        """``[scale, inf)``."""
        return constraints.greater_than_eq(self.scale)

    def entropy(self) -> Tensor:
        """``log(s / alpha) + 1 + 1/alpha``."""
        return (self.scale / self.alpha).log() + (1 + self.alpha.reciprocal())
