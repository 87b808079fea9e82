"""The Cauchy (Lorentz) distribution."""

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

__all__ = ["Cauchy"]


class Cauchy(Distribution):
    """The Cauchy distribution of median ``loc`` and half width at half maximum ``scale``.

    The density is ``1 / (π scale (1 + ((x - loc) / scale)²))``; the mean and variance do not exist (``nan`` and
    ``inf``).

    Args:
        loc: the median (and mode).
        scale: the half width at half maximum (positive).
        validate_args: check the parameters and ``log_prob``'s values (default: the global setting).

    Example:
        >>> import tocha
        >>> from tocha.distributions import Cauchy
        >>> d = Cauchy(tocha.tensor([0.0]), tocha.tensor([1.0]))
        >>> d.cdf(tocha.tensor([1.0]))
        tensor([0.7500])
        >>> d.log_prob(tocha.tensor([0.0]))
        tensor([-1.1447])
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc: Tensor | float, scale: Tensor | float, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        batch_shape = () if isinstance(loc, Number) and isinstance(scale, Number) else self.loc.shape
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> Cauchy:
        """A Cauchy with its parameters expanded (as views) to ``batch_shape``."""
        new = self._get_checked_instance(Cauchy, _instance)
        shape = tocha.Size(batch_shape)
        new.loc = self.loc.expand(shape)
        new.scale = self.scale.expand(shape)
        super(Cauchy, new).__init__(shape, validate_args=False)
        new._validate_args = self._validate_args
        return new  # type: ignore[no-any-return]

    @property
    def mean(self) -> Tensor:
        """Undefined: ``nan``."""
        return tocha.full(tuple(self._extended_shape()), float("nan"), dtype=self.loc.dtype, device=self.loc.device)

    @property
    def mode(self) -> Tensor:
        """``loc``."""
        return self.loc

    @property
    def variance(self) -> Tensor:
        """Infinite: ``inf``."""
        return tocha.full(tuple(self._extended_shape()), float("inf"), dtype=self.loc.dtype, device=self.loc.device)

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """``loc + scale * C`` with ``C`` a standard Cauchy draw."""
        shape = self._extended_shape(sample_shape)
        eps = tocha.empty(tuple(shape), dtype=self.loc.dtype, device=self.loc.device).cauchy_()
        return self.loc + eps * self.scale

    def log_prob(self, value: Tensor) -> Tensor:
        """``-log(π) - log(scale) - log(1 + ((value - loc) / scale)²)``."""
        if self._validate_args:
            self._validate_sample(value)
        return -math.log(math.pi) - self.scale.log() - tocha.log1p(((value - self.loc) / self.scale) ** 2)

    def cdf(self, value: Tensor) -> Tensor:
        """``atan((value - loc) / scale) / π + 1/2``."""
        if self._validate_args:
            self._validate_sample(value)
        return tocha.atan((value - self.loc) / self.scale) / math.pi + 0.5

    def icdf(self, value: Tensor) -> Tensor:
        """``loc + scale * tan(π (value - 1/2))``."""
        return tocha.tan(math.pi * (value - 0.5)) * self.scale + self.loc

    def entropy(self) -> Tensor:
        """``log(4π) + log(scale)``."""
        return math.log(4 * math.pi) + self.scale.log()
