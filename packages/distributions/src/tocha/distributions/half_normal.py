"""The half-normal distribution: ``|X|`` for a centred normal ``X``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import tocha
from tocha import Tensor

from . import constraints
from .normal import Normal
from .transformed_distribution import TransformedDistribution
from .transforms import AbsTransform

__all__ = ["HalfNormal"]

_LOG_2 = math.log(2.0)


class HalfNormal(TransformedDistribution):
    """``|X|`` with ``X ~ Normal(0, scale)``: density ``2 φ(x / scale) / scale`` on ``x ≥ 0``.

    Args:
        scale: the scale of the underlying normal (positive).
        validate_args: check the parameters and ``log_prob``'s values (default: the global setting).

    Example:
        >>> import tocha
        >>> from tocha.distributions import HalfNormal
        >>> d = HalfNormal(tocha.tensor([1.0]))
        >>> d.log_prob(tocha.tensor([0.0])), d.cdf(tocha.tensor([1.0]))
        (tensor([-0.2258]), tensor([0.6827]))
    """

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    base_dist: Normal

    def __init__(self, scale: Tensor | float, validate_args: bool | None = None) -> None:
        base_dist = Normal(0.0, scale, validate_args=False)
        super().__init__(base_dist, AbsTransform(), validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> HalfNormal:
        new = self._get_checked_instance(HalfNormal, _instance)
        return super().expand(batch_shape, _instance=new)  # type: ignore[return-value]

    @property
    def scale(self) -> Tensor:
        """The scale of the underlying normal."""
        return self.base_dist.scale

    @property
    def mean(self) -> Tensor:
        """``scale √(2/π)``."""
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def mode(self) -> Tensor:
        """0."""
        return tocha.zeros_like(self.scale)

    @property
    def variance(self) -> Tensor:
        """``scale² (1 - 2/π)``."""
        return self.scale.pow(2) * (1 - 2 / math.pi)

    def log_prob(self, value: Tensor) -> Tensor:
        """``log 2 + log φ``, and ``-inf`` below 0."""
        if self._validate_args:
            self._validate_sample(value)
        log_prob = self.base_dist.log_prob(value) + _LOG_2
        return tocha.where(value >= 0, log_prob, tocha.full_like(log_prob, float("-inf")))

    def cdf(self, value: Tensor) -> Tensor:
        """``2 Φ(x / scale) - 1``."""
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, value: Tensor) -> Tensor:
        """``scale Φ⁻¹((1 + q) / 2)``."""
        return self.base_dist.icdf((value + 1) / 2)

    def entropy(self) -> Tensor:
        """The normal entropy minus ``log 2``."""
        return self.base_dist.entropy() - _LOG_2
