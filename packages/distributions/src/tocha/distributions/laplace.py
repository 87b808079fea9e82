"""The Laplace (double exponential) distribution."""

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

__all__ = ["Laplace"]


class Laplace(Distribution):
    """The Laplace distribution of location ``loc`` and scale ``scale``.

    The density is ``exp(-|x - loc| / scale) / (2 scale)``.

    Args:
        loc: the mean (and median, and mode).
        scale: the scale ``b`` (positive); the variance is ``2 b²``.
        validate_args: check the parameters and ``log_prob``'s values (default: the global setting).

    Example:
        >>> import tocha
        >>> from tocha.distributions import Laplace
        >>> d = Laplace(tocha.tensor([0.0]), tocha.tensor([1.0]))
        >>> d.log_prob(tocha.tensor([1.0]))
        tensor([-1.6931])
        >>> d.icdf(tocha.tensor([0.5]))
        tensor([0.])
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc: Tensor | float, scale: Tensor | float, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        batch_shape = () if isinstance(loc, Number) and isinstance(scale, Number) else self.loc.shape
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> Laplace:
        """A Laplace with its parameters expanded (as views) to ``batch_shape``."""
        new = self._get_checked_instance(Laplace, _instance)
        shape = tocha.Size(batch_shape)
        new.loc = self.loc.expand(shape)
        new.scale = self.scale.expand(shape)
        super(Laplace, new).__init__(shape, validate_args=False)
        new._validate_args = self._validate_args
        return new  # type: ignore[no-any-return]

    @property
    def mean(self) -> Tensor:
        """``loc``."""
        return self.loc

    @property
    def mode(self) -> Tensor:
        """``loc``."""
        return self.loc

    @property
    def variance(self) -> Tensor:
        """``2 scale²``."""
        return 2 * self.scale.pow(2)

    @property
    def stddev(self) -> Tensor:
        """``sqrt(2) scale``."""
        return math.sqrt(2) * self.scale

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """``loc - scale * sign(u) * log(1 - |u|)`` with ``u ~ U(-1, 1)`` (kept off ``-1``)."""
        shape = tuple(self._extended_shape(sample_shape))
        eps = tocha.finfo(self.loc.dtype).eps
        u = tocha.empty(shape, dtype=self.loc.dtype, device=self.loc.device).uniform_(eps - 1, 1)
        return self.loc - self.scale * u.sign() * tocha.log1p(-u.abs())

    def log_prob(self, value: Tensor) -> Tensor:
        """``-log(2 scale) - |value - loc| / scale``."""
        if self._validate_args:
            self._validate_sample(value)
        return -tocha.log(2 * self.scale) - (value - self.loc).abs() / self.scale

    def cdf(self, value: Tensor) -> Tensor:
        """``1/2 - sign(value - loc) expm1(-|value - loc| / scale) / 2``."""
        if self._validate_args:
            self._validate_sample(value)
        centred = value - self.loc
        return 0.5 - 0.5 * centred.sign() * tocha.expm1(-centred.abs() / self.scale)

    def icdf(self, value: Tensor) -> Tensor:
        """``loc - scale * sign(value - 1/2) * log(1 - 2 |value - 1/2|)``."""
        term = value - 0.5
        return self.loc - self.scale * term.sign() * tocha.log1p(-2 * term.abs())

    def entropy(self) -> Tensor:
        """``1 + log(2 scale)``."""
        return 1 + tocha.log(2 * self.scale)
