"""The Gumbel (type-I extreme value) distribution."""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Number
from typing import Any

import tocha
from tocha import Tensor

from . import constraints
from .transformed_distribution import TransformedDistribution
from .transforms import AffineTransform, ExpTransform
from .uniform import Uniform
from .utils import broadcast_all, euler_constant

__all__ = ["Gumbel"]


class Gumbel(TransformedDistribution):
    """The Gumbel distribution: ``loc - scale log(-log U)`` for ``U ~ Uniform(0, 1)``.

    The density is ``exp(-(z + exp(-z))) / scale`` with ``z = (x - loc) / scale``: the limit law of the maximum
    of many light-tailed draws.

    Args:
        loc: the location (the mode).
        scale: the scale (positive).
        validate_args: check the parameters and ``log_prob``'s values (default: the global setting).

    Example:
        >>> import tocha
        >>> from tocha.distributions import Gumbel
        >>> d = Gumbel(tocha.tensor([0.0]), tocha.tensor([1.0]))
        >>> d.log_prob(tocha.tensor([0.0])), d.mean
        (tensor([-1.]), tensor([0.5772]))
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real

    def __init__(self, loc: Tensor | float, scale: Tensor | float, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        finfo = tocha.finfo(self.loc.dtype)
        # U in the open interval (0, 1), so that -log(-log U) stays finite
        if isinstance(loc, Number) and isinstance(scale, Number):
            base_dist = Uniform(finfo.tiny, 1 - finfo.eps, validate_args=validate_args)
        else:
            low = tocha.full_like(self.loc, finfo.tiny)
            base_dist = Uniform(low, tocha.full_like(self.loc, 1 - finfo.eps), validate_args=validate_args)
        transforms = [
            ExpTransform().inv,
            AffineTransform(loc=0, scale=-tocha.ones_like(self.scale)),
            ExpTransform().inv,
            AffineTransform(loc=self.loc, scale=-self.scale),
        ]
        super().__init__(base_dist, transforms, validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> Gumbel:
        new = self._get_checked_instance(Gumbel, _instance)
        new.loc = self.loc.expand(batch_shape)
        new.scale = self.scale.expand(batch_shape)
        return super().expand(batch_shape, _instance=new)  # type: ignore[return-value]

    def log_prob(self, value: Tensor) -> Tensor:
        """``-(z + exp(-z)) - log scale`` with ``z = (value - loc) / scale``."""
        if self._validate_args:
            self._validate_sample(value)
        y = (self.loc - value) / self.scale
        return (y - y.exp()) - self.scale.log()

    @property
    def mean(self) -> Tensor:
        """``loc + scale euler`` (Euler-Mascheroni constant)."""
        return self.loc + self.scale * euler_constant

    @property
    def mode(self) -> Tensor:
        """``loc``."""
        return self.loc

    @property
    def stddev(self) -> Tensor:
        """``scale π / √6``."""
        return (math.pi / math.sqrt(6)) * self.scale

    @property
    def variance(self) -> Tensor:
        """``scale² π² / 6``."""
        return self.stddev.pow(2)

    def entropy(self) -> Tensor:
        """``log scale + 1 + euler``."""
        return self.scale.log() + (1 + euler_constant)
