"""The half-Cauchy distribution: ``|X|`` for a centred Cauchy ``X``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import tocha
from tocha import Tensor

from . import constraints
from .cauchy import Cauchy
from .transformed_distribution import TransformedDistribution
from .transforms import AbsTransform

__all__ = ["HalfCauchy"]

_LOG_2 = math.log(2.0)


class HalfCauchy(TransformedDistribution):
    """``|X|`` with ``X ~ Cauchy(0, scale)``: density ``2 / (π scale (1 + (x / scale)²))`` on ``x ≥ 0``.

    Args:
        scale: the scale of the underlying Cauchy (positive).
        validate_args: check the parameters and ``log_prob``'s values (default: the global setting).

    Example:
        >>> import tocha
        >>> from tocha.distributions import HalfCauchy
        >>> d = HalfCauchy(tocha.tensor([1.0]))
        >>> d.cdf(tocha.tensor([1.0])), d.log_prob(tocha.tensor([0.0]))
        (tensor([0.5000]), tensor([-0.4516]))
    """

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    base_dist: Cauchy

    def __init__(self, scale: Tensor | float, validate_args: bool | None = None) -> None:
        base_dist = Cauchy(0.0, scale, validate_args=False)
        super().__init__(base_dist, AbsTransform(), validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> HalfCauchy:
        new = self._get_checked_instance(HalfCauchy, _instance)
        return super().expand(batch_shape, _instance=new)  # type: ignore[return-value]

    @property
    def scale(self) -> Tensor:
        """The scale of the underlying Cauchy."""
        return self.base_dist.scale

    @property
    def mean(self) -> Tensor:
        """Infinite: ``inf``."""
        return tocha.full(tuple(self._extended_shape()), math.inf, dtype=self.scale.dtype, device=self.scale.device)

    @property
    def mode(self) -> Tensor:
        """0."""
        return tocha.zeros_like(self.scale)

    @property
    def variance(self) -> Tensor:
        """Infinite: ``inf``."""
        return self.base_dist.variance

    def log_prob(self, value: Tensor) -> Tensor:
        """``log 2`` plus the Cauchy log-density, and ``-inf`` below 0."""
        if self._validate_args:
            self._validate_sample(value)
        value = tocha.as_tensor(value, dtype=self.scale.dtype, device=self.scale.device)
        log_prob = self.base_dist.log_prob(value) + _LOG_2
        return tocha.where(value >= 0, log_prob, tocha.full_like(log_prob, -math.inf))

    def cdf(self, value: Tensor) -> Tensor:
        """``2 atan(x / scale) / π``."""
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, value: Tensor) -> Tensor:
        """``scale tan(π q / 2)``."""
        return self.base_dist.icdf((value + 1) / 2)

    def entropy(self) -> Tensor:
        """The Cauchy entropy minus ``log 2``."""
        return self.base_dist.entropy() - _LOG_2
