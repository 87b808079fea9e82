"""The gamma distribution."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Number
from typing import Any

import tocha
from tocha import Tensor

from . import constraints
from .exp_family import ExponentialFamily
from .utils import broadcast_all

__all__ = ["Gamma"]


def _standard_gamma(concentration: Tensor) -> Tensor:
    """Draws from ``Gamma(concentration, 1)``, differentiable w.r.t. ``concentration`` (implicit reparameterisation)."""
    return tocha._standard_gamma(concentration)


class Gamma(ExponentialFamily):
    """The gamma distribution of shape ``concentration`` (``a``) and inverse scale ``rate`` (``β``).

    The density is ``β^a x^(a-1) exp(-β x) / Γ(a)`` on ``x >= 0``. ``rsample`` differentiates the draws
    through ``a`` (implicit reparameterisation) and ``β``.

    Args:
        concentration: the shape ``a`` (positive).
        rate: the rate ``β = 1 / scale`` (positive).
        validate_args: check the parameters and ``log_prob``'s values (default: the global setting).

    Example:
        >>> import tocha
        >>> from tocha.distributions import Gamma
        >>> d = Gamma(tocha.tensor([1.0, 2.0]), tocha.tensor([1.0, 0.5]))
        >>> d.mean, d.variance
        (tensor([1., 4.]), tensor([1., 8.]))
        >>> d.log_prob(tocha.tensor([1.0, 2.0]))
        tensor([-1.0000, -1.6931])
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    def __init__(self, concentration: Tensor | float, rate: Tensor | float, validate_args: bool | None = None) -> None:
        self.concentration, self.rate = broadcast_all(concentration, rate)
        scalar = isinstance(concentration, Number) and isinstance(rate, Number)
        super().__init__(() if scalar else self.concentration.shape, validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> Gamma:
        """A Gamma with its parameters expanded (as views) to ``batch_shape``."""
        new = self._get_checked_instance(Gamma, _instance)
        shape = tocha.Size(batch_shape)
        new.concentration = self.concentration.expand(shape)
        new.rate = self.rate.expand(shape)
        super(Gamma, new).__init__(shape, validate_args=False)
        new._validate_args = self._validate_args
        return new  # type: ignore[no-any-return]

    @property
    def mean(self) -> Tensor:
        """``a / β``."""
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        """``max(a - 1, 0) / β``."""
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> Tensor:
        """``a / β²``."""
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """``G / β`` with ``G ~ Gamma(a, 1)``; draws that underflow to 0 are raised to the dtype's ``tiny``."""
        shape = tuple(self._extended_shape(sample_shape))
        value = _standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)
        tiny = tocha.finfo(value.dtype).tiny
        return value + (value.detach().clamp(min=tiny) - value.detach())

    def log_prob(self, value: Tensor) -> Tensor:
        """``a log β + (a - 1) log x - β x - log Γ(a)``."""
        if not isinstance(value, Tensor):
            value = tocha.tensor(value, dtype=self.rate.dtype, device=self.rate.device)
        if self._validate_args:
            self._validate_sample(value)
        alpha, beta = self.concentration, self.rate
        return alpha * tocha.log(beta) + tocha.special.xlogy(alpha - 1, value) - beta * value - tocha.lgamma(alpha)

    def cdf(self, value: Tensor) -> Tensor:
        """The regularised lower incomplete gamma function ``P(a, β x)``."""
        if self._validate_args:
            self._validate_sample(value)
        return tocha.special.gammainc(self.concentration, self.rate * value)

    def entropy(self) -> Tensor:
        """``a - log β + log Γ(a) + (1 - a) ψ(a)``."""
        alpha = self.concentration
        return alpha - tocha.log(self.rate) + tocha.lgamma(alpha) + (1.0 - alpha) * tocha.digamma(alpha)

    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        return (self.concentration - 1, -self.rate)

    def _log_normalizer(self, *natural_params: Tensor) -> Tensor:
        x, y = natural_params
        return tocha.lgamma(x + 1) + (x + 1) * tocha.log(-y.reciprocal())
