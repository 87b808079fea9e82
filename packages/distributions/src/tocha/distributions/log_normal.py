"""The log-normal distribution: ``exp(X)`` for a normal ``X``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tocha import Tensor

from . import constraints
from .normal import Normal
from .transformed_distribution import TransformedDistribution
from .transforms import ExpTransform

__all__ = ["LogNormal"]


class LogNormal(TransformedDistribution):
    """``exp(X)`` with ``X ~ Normal(loc, scale)``: density ``exp(-(log x - loc)² / 2 scale²) / (x scale √(2π))``.

    Args:
        loc: the mean of ``log X``.
        scale: the standard deviation of ``log X`` (positive).
        validate_args: check the parameters and ``log_prob``'s values (default: the global setting).

    Example:
        >>> import tocha
        >>> from tocha.distributions import LogNormal
        >>> d = LogNormal(tocha.tensor([0.0]), tocha.tensor([1.0]))
        >>> d.log_prob(tocha.tensor([1.0])), d.mean
        (tensor([-0.9189]), tensor([1.6487]))
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.positive
    has_rsample = True
    base_dist: Normal

    def __init__(self, loc: Tensor | float, scale: Tensor | float, validate_args: bool | None = None) -> None:
        base_dist = Normal(loc, scale, validate_args=validate_args)
        super().__init__(base_dist, ExpTransform(), validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> LogNormal:
        new = self._get_checked_instance(LogNormal, _instance)
        return super().expand(batch_shape, _instance=new)  # type: ignore[return-value]

    @property
    def loc(self) -> Tensor:
        """The mean of ``log X``."""
        return self.base_dist.loc

    @property
    def scale(self) -> Tensor:
        """The standard deviation of ``log X``."""
        return self.base_dist.scale

    @property
    def mean(self) -> Tensor:
        """``exp(loc + scale² / 2)``."""
        return (self.loc + self.scale.pow(2) / 2).exp()

    @property
    def mode(self) -> Tensor:
        """``exp(loc - scale²)``."""
        return (self.loc - self.scale.pow(2)).exp()

    @property
    def variance(self) -> Tensor:
        """``(exp(scale²) - 1) exp(2 loc + scale²)``."""
        scale2 = self.scale.pow(2)
        return scale2.expm1() * (2 * self.loc + scale2).exp()

    def entropy(self) -> Tensor:
        """The normal entropy plus ``loc`` (``E[log |d exp(x)/dx|] = E[X]``)."""
        return self.base_dist.entropy() + self.loc
