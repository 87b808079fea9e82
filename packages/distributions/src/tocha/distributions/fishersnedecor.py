"""The Fisher-Snedecor (F) distribution."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Number
from typing import Any

import tocha
from tocha import Tensor

from . import constraints
from .distribution import Distribution
from .gamma import Gamma
from .utils import broadcast_all

__all__ = ["FisherSnedecor"]


class FisherSnedecor(Distribution):
    """The F distribution with ``df1`` and ``df2`` degrees of freedom: the law of ``(V₁ / d₁) / (V₂ / d₂)``
    for independent ``V_i ~ Chi2(d_i)``.

    Args:
        df1: the numerator's degrees of freedom ``d₁`` (positive).
        df2: the denominator's degrees of freedom ``d₂`` (positive).
        validate_args: check the parameters and ``log_prob``'s values (default: the global setting).

    Example:
        >>> import tocha
        >>> from tocha.distributions import FisherSnedecor
        >>> d = FisherSnedecor(tocha.tensor([5.0]), tocha.tensor([6.0]))
        >>> d.mean, d.mode
        (tensor([1.5000]), tensor([0.4500]))
        >>> d.log_prob(tocha.tensor([1.0]))
        tensor([-0.8096])
    """

    arg_constraints = {"df1": constraints.positive, "df2": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, df1: Tensor | float, df2: Tensor | float, validate_args: bool | None = None) -> None:
        self.df1, self.df2 = broadcast_all(df1, df2)
        self._gamma1 = Gamma(self.df1 * 0.5, self.df1)
        self._gamma2 = Gamma(self.df2 * 0.5, self.df2)
        batch_shape = () if isinstance(df1, Number) and isinstance(df2, Number) else self.df1.shape
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> FisherSnedecor:
        """A FisherSnedecor with its parameters expanded (as views) to ``batch_shape``."""
        new = self._get_checked_instance(FisherSnedecor, _instance)
        shape = tocha.Size(batch_shape)
        new.df1 = self.df1.expand(shape)
        new.df2 = self.df2.expand(shape)
        new._gamma1 = self._gamma1.expand(shape)
        new._gamma2 = self._gamma2.expand(shape)
        super(FisherSnedecor, new).__init__(shape, validate_args=False)
        new._validate_args = self._validate_args
        return new  # type: ignore[no-any-return]

    @property
    def mean(self) -> Tensor:
        """``d₂ / (d₂ - 2)`` for ``d₂ > 2``, else undefined (``nan``)."""
        df2 = tocha.where(self.df2 > 2, self.df2, tocha.full_like(self.df2, float("nan")))
        return df2 / (df2 - 2)

    @property
    def mode(self) -> Tensor:
        """``(d₁ - 2) / d₁ · d₂ / (d₂ + 2)`` for ``d₁ > 2``, else ``nan``."""
        mode = (self.df1 - 2) / self.df1 * self.df2 / (self.df2 + 2)
        return tocha.where(self.df1 > 2, mode, tocha.full_like(mode, float("nan")))

    @property
    def variance(self) -> Tensor:
        """``2 d₂² (d₁ + d₂ - 2) / (d₁ (d₂ - 2)² (d₂ - 4))`` for ``d₂ > 4``, else ``nan``."""
        df1 = self.df1
        df2 = tocha.where(self.df2 > 4, self.df2, tocha.full_like(self.df2, float("nan")))
        return 2 * df2.pow(2) * (df1 + df2 - 2) / (df1 * (df2 - 2).pow(2) * (df2 - 4))

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """The ratio of two reparameterised gamma draws, ``Gamma(d₁/2, d₁) / Gamma(d₂/2, d₂)``."""
        shape = tuple(self._extended_shape(sample_shape))
        tiny = tocha.finfo(self.df1.dtype).tiny
        numerator = self._gamma1.rsample(sample_shape).view(shape)
        denominator = self._gamma2.rsample(sample_shape).view(shape).clamp(min=tiny)
        return (numerator / denominator).clamp(min=tiny)

    def log_prob(self, value: Tensor) -> Tensor:
        """``log Γ((d₁+d₂)/2) - log Γ(d₁/2) - log Γ(d₂/2) + d₁/2 log(d₁/d₂) + (d₁/2 - 1) log x
        - (d₁+d₂)/2 log(1 + d₁ x / d₂)``."""
        if self._validate_args:
            self._validate_sample(value)
        half1, half2 = self.df1 * 0.5, self.df2 * 0.5
        ratio = self.df1 / self.df2
        log_norm = tocha.lgamma(half1 + half2) - tocha.lgamma(half1) - tocha.lgamma(half2)
        return (
            log_norm
            + half1 * ratio.log()
            + (half1 - 1) * tocha.log(value)
            - (half1 + half2) * tocha.log1p(ratio * value)
        )
