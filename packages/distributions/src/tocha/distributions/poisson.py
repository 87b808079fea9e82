"""The Poisson distribution."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Number
from typing import Any

import tocha
from tocha import Tensor

from . import constraints
from .exp_family import ExponentialFamily
from .kl import register_kl
from .utils import broadcast_all

__all__ = ["Poisson"]


class Poisson(ExponentialFamily):
    """The number of events of a Poisson process of intensity ``rate`` in unit time.

    .. math::
        P(k) = \\frac{\\lambda^k e^{-\\lambda}}{k!}

    Args:
        rate: the rate ``λ`` (non-negative).
        validate_args: check the parameters and ``log_prob``'s values (default: the global setting).

    Example:
        >>> import tocha
        >>> from tocha.distributions import Poisson
        >>> d = Poisson(tocha.tensor([1.0, 4.0]))
        >>> d.log_prob(tocha.tensor([0.0, 2.0])).exp()
        tensor([0.3679, 0.1465])
        >>> d.mode
        tensor([1., 4.])
    """

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate: Tensor | float, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate)
        batch_shape = () if isinstance(rate, Number) else self.rate.shape
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> Poisson:
        new = self._get_checked_instance(Poisson, _instance)
        shape = tocha.Size(batch_shape)
        new.rate = self.rate.expand(shape)
        super(Poisson, new).__init__(shape, validate_args=False)
        new._validate_args = self._validate_args
        return new  # type: ignore[no-any-return]

    @property
    def mean(self) -> Tensor:
        """``λ``."""
        return self.rate

    @property
    def mode(self) -> Tensor:
        """``floor(λ)``."""
        return self.rate.floor()

    @property
    def variance(self) -> Tensor:
        """``λ``."""
        return self.rate

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """Counts of the rate's dtype, drawn with ``tocha.poisson``."""
        shape = self._extended_shape(sample_shape)
        with tocha.no_grad():
            return tocha.poisson(self.rate.expand(shape))

    def log_prob(self, value: Tensor) -> Tensor:
        """``k log λ - λ - log k!`` (with ``0 log 0 = 0``, so ``P(0) = 1`` at ``λ = 0``)."""
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return tocha.xlogy(value, rate) - rate - tocha.lgamma(value + 1)

    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        return (tocha.log(self.rate),)

    def _log_normalizer(self, *natural_params: Tensor) -> Tensor:
        return tocha.exp(natural_params[0])


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p: Poisson, q: Poisson) -> Tensor:
    # λp log(λp/λq) - λp + λq; 0 log 0 = 0, and inf where λq = 0 < λp
    return tocha.xlogy(p.rate, p.rate) - tocha.xlogy(p.rate, q.rate) - (p.rate - q.rate)
