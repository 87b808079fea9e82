"""The continuous uniform distribution on ``[low, high)``."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Number
from typing import Any

import tocha
from tocha import Tensor

from . import constraints
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["Uniform"]


class Uniform(Distribution):
    """The uniform distribution on the half-open interval ``[low, high)``.

    The density is ``1 / (high - low)`` inside the interval and 0 outside; samples are
    ``low + (high - low) * U`` with ``U ~ U[0, 1)``, so gradients flow to both bounds.

    Args:
        low: the lower bound (inclusive).
        high: the upper bound (exclusive), greater than ``low``.
        validate_args: check the parameters and ``log_prob``'s values (default: the global setting).

    Example:
        >>> import tocha
        >>> from tocha.distributions import Uniform
        >>> d = Uniform(tocha.tensor([0.0, 1.0]), tocha.tensor([2.0, 5.0]))
        >>> d.log_prob(tocha.tensor([1.0, 2.0])).exp()
        tensor([0.5000, 0.2500])
        >>> d.cdf(tocha.tensor([1.0, 2.0]))
        tensor([0.5000, 0.2500])
    """

    has_rsample = True

    @property
    def arg_constraints(self) -> dict[str, constraints.Constraint]:
        """``low < high``: each bound is constrained by the other."""
        return {"low": constraints.less_than(self.high), "high": constraints.greater_than(self.low)}

    def __init__(self, low: Tensor | float, high: Tensor | float, validate_args: bool | None = None) -> None:
        self.low, self.high = broadcast_all(low, high)
        batch_shape = () if isinstance(low, Number) and isinstance(high, Number) else self.low.shape
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> Uniform:
        """A Uniform with its bounds expanded (as views) to ``batch_shape``."""
        new = self._get_checked_instance(Uniform, _instance)
        shape = tocha.Size(batch_shape)
        new.low = self.low.expand(shape)
        new.high = self.high.expand(shape)
        super(Uniform, new).__init__(shape, validate_args=False)
        new._validate_args = self._validate_args
        return new  # type: ignore[no-any-return]

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> constraints.Constraint:
        """``interval(low, high)``."""
        return constraints.interval(self.low, self.high)

    @property
    def mean(self) -> Tensor:
        """``(low + high) / 2``."""
        return (self.high + self.low) / 2

    @property
    def mode(self) -> Tensor:
        """Every point is a mode: ``nan``."""
        return tocha.full_like(self.high, float("nan"))

    @property
    def stddev(self) -> Tensor:
        """``(high - low) / sqrt(12)``."""
        return (self.high - self.low) / 12**0.5

    @property
    def variance(self) -> Tensor:
        """``(high - low)² / 12``."""
        return (self.high - self.low).pow(2) / 12

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """``low + (high - low) * U``, ``U ~ U[0, 1)`` of shape ``sample_shape + batch_shape``."""
        shape = self._extended_shape(sample_shape)
        rand = tocha.rand(tuple(shape), dtype=self.low.dtype, device=self.low.device)
        return self.low + rand * (self.high - self.low)

    def log_prob(self, value: Tensor) -> Tensor:
        """``-log(high - low)`` inside ``[low, high)``, ``-inf`` outside."""
        if self._validate_args:
            self._validate_sample(value)
        inside = ((self.low <= value) & (self.high > value)).to(self.low.dtype)
        return tocha.log(inside) - tocha.log(self.high - self.low)

    def cdf(self, value: Tensor) -> Tensor:
        """``(value - low) / (high - low)``, clamped into ``[0, 1]``."""
        if self._validate_args:
            self._validate_sample(value)
        result = (value - self.low) / (self.high - self.low)
        return result.clamp(min=0, max=1)

    def icdf(self, value: Tensor) -> Tensor:
        """``low + value * (high - low)``."""
        return value * (self.high - self.low) + self.low

    def entropy(self) -> Tensor:
        """``log(high - low)``."""
        return tocha.log(self.high - self.low)
