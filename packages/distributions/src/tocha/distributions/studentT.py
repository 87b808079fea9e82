"""Student's t distribution (the module keeps PyTorch's name, ``studentT``)."""

# ruff: noqa: N999

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import tocha
from tocha import Tensor

from . import constraints
from .chi2 import Chi2
from .distribution import Distribution
from .utils import _standard_normal, broadcast_all

__all__ = ["StudentT"]


class StudentT(Distribution):
    """Student's t distribution with ``df`` degrees of freedom, location ``loc`` and scale ``scale``.

    The density of ``y = (x - loc) / scale`` is ``Γ((n+1)/2) / (Γ(n/2) sqrt(nπ)) (1 + y²/n)^(-(n+1)/2)``.
    Samples are ``loc + scale * Z / sqrt(V / n)`` with ``Z`` standard normal and ``V ~ Chi2(n)``, so gradients
    flow to all three parameters.

    Args:
        df: the degrees of freedom ``n`` (positive).
        loc: the location (default 0).
        scale: the scale (positive, default 1).
        validate_args: check the parameters and ``log_prob``'s values (default: the global setting).

    Example:
        >>> import tocha
        >>> from tocha.distributions import StudentT
        >>> d = StudentT(tocha.tensor([1.0, 3.0]))
        >>> d.log_prob(tocha.tensor([0.0, 0.0]))
        tensor([-1.1447, -1.0009])
        >>> d.variance
        tensor([nan, 3.])
    """

    arg_constraints = {"df": constraints.positive, "loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(
        self,
        df: Tensor | float,
        loc: Tensor | float = 0.0,
        scale: Tensor | float = 1.0,
        validate_args: bool | None = None,
    ) -> None:
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale)
        self._chi2 = Chi2(self.df)
        super().__init__(self.df.shape, validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> StudentT:
        """A StudentT with its parameters expanded (as views) to ``batch_shape``."""
        new = self._get_checked_instance(StudentT, _instance)
        shape = tocha.Size(batch_shape)
        new.df = self.df.expand(shape)
        new.loc = self.loc.expand(shape)
        new.scale = self.scale.expand(shape)
        new._chi2 = self._chi2.expand(shape)
        super(StudentT, new).__init__(shape, validate_args=False)
        new._validate_args = self._validate_args
        return new  # type: ignore[no-any-return]

    @property
    def mean(self) -> Tensor:
        """``loc`` for ``n > 1``, else undefined (``nan``)."""
        return tocha.where(self.df > 1, self.loc, tocha.full_like(self.loc, float("nan")))

    @property
    def mode(self) -> Tensor:
        """``loc``."""
        return self.loc

    @property
    def variance(self) -> Tensor:
        """``scale² n / (n - 2)`` for ``n > 2``, ``inf`` for ``1 < n <= 2``, undefined (``nan``) for ``n <= 1``."""
        df = self.df
        finite = self.scale.pow(2) * df / (df - 2)
        result = tocha.where(df > 2, finite, tocha.full_like(df, float("inf")))
        return tocha.where(df > 1, result, tocha.full_like(df, float("nan")))

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """``loc + scale * Z / sqrt(V / n)``, ``Z ~ N(0, 1)``, ``V ~ Chi2(n)``."""
        shape = self._extended_shape(sample_shape)
        z = _standard_normal(shape, dtype=self.df.dtype, device=self.df.device)
        chi2 = self._chi2.rsample(sample_shape)
        return self.loc + self.scale * z * tocha.rsqrt(chi2 / self.df)

    def log_prob(self, value: Tensor) -> Tensor:
        """``-(n+1)/2 log(1 + y²/n) - log(scale) - log(nπ)/2 - log Γ(n/2) + log Γ((n+1)/2)``."""
        if self._validate_args:
            self._validate_sample(value)
        df = self.df
        y = (value - self.loc) / self.scale
        log_norm = (
            self.scale.log()
            + 0.5 * df.log()
            + 0.5 * math.log(math.pi)
            + tocha.lgamma(0.5 * df)
            - tocha.lgamma(0.5 * (df + 1.0))
        )
        return -0.5 * (df + 1.0) * tocha.log1p(y.pow(2) / df) - log_norm

    def entropy(self) -> Tensor:
        """``log(scale) + (n+1)/2 (ψ((n+1)/2) - ψ(n/2)) + log(n)/2 + log B(n/2, 1/2)``."""
        df = self.df
        log_beta = tocha.lgamma(0.5 * df) + math.lgamma(0.5) - tocha.lgamma(0.5 * (df + 1))
        return (
            self.scale.log()
            + 0.5 * (df + 1) * (tocha.digamma(0.5 * (df + 1)) - tocha.digamma(0.5 * df))
            + 0.5 * df.log()
            + log_beta
        )
