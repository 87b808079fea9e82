"""The beta distribution (a two-category Dirichlet)."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Number
from typing import Any

import tocha
from tocha import Tensor

from . import constraints
from .dirichlet import Dirichlet
from .exp_family import ExponentialFamily
from .utils import broadcast_all

__all__ = ["Beta"]


class Beta(ExponentialFamily):
    """The beta distribution on ``[0, 1]``, parameterised by ``concentration1`` (``a``) and ``concentration0`` (``β``).

    The density is ``x^(a-1) (1-x)^(β-1) / B(a, β)``. It is the first coordinate of ``Dirichlet([a, β])``, which
    gives the reparameterised samples.

    Args:
        concentration1: ``a`` (positive), the weight of 1.
        concentration0: ``β`` (positive), the weight of 0.
        validate_args: check the parameters and ``log_prob``'s values (default: the global setting).

    Example:
        >>> import tocha
        >>> from tocha.distributions import Beta
        >>> d = Beta(tocha.tensor([2.0, 0.5]), tocha.tensor([2.0, 0.5]))
        >>> d.mean, d.variance
        (tensor([0.5000, 0.5000]), tensor([0.0500, 0.1250]))
        >>> d.log_prob(tocha.tensor([0.5, 0.5]))
        tensor([ 0.4055, -0.4516])
    """

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(
        self,
        concentration1: Tensor | float,
        concentration0: Tensor | float,
        validate_args: bool | None = None,
    ) -> None:
        if isinstance(concentration1, Number) and isinstance(concentration0, Number):
            both = tocha.tensor([float(concentration1), float(concentration0)])
        else:
            alpha, beta = broadcast_all(concentration1, concentration0)
            both = tocha.stack([alpha, beta], -1)
        self._dirichlet = Dirichlet(both, validate_args=validate_args)
        super().__init__(self._dirichlet._batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> Beta:
        """A Beta with its parameters expanded (as views) to ``batch_shape``."""
        new = self._get_checked_instance(Beta, _instance)
        shape = tocha.Size(batch_shape)
        new._dirichlet = self._dirichlet.expand(shape)
        super(Beta, new).__init__(shape, validate_args=False)
        new._validate_args = self._validate_args
        return new  # type: ignore[no-any-return]

    @property
    def mean(self) -> Tensor:
        """``a / (a + β)``."""
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self) -> Tensor:
        """The Dirichlet mode's first coordinate: ``(a - 1) / (a + β - 2)`` when both exceed 1."""
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self) -> Tensor:
        """``aβ / ((a + β)² (a + β + 1))``."""
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """The first coordinate of a reparameterised ``Dirichlet([a, β])`` draw."""
        return self._dirichlet.rsample(sample_shape).select(-1, 0)

    def log_prob(self, value: Tensor) -> Tensor:
        """``(a - 1) log x + (β - 1) log(1 - x) - log B(a, β)``."""
        if self._validate_args:
            self._validate_sample(value)
        heads_tails = tocha.stack([value, 1.0 - value], -1)
        return self._dirichlet.log_prob(heads_tails)

    def entropy(self) -> Tensor:
        """The entropy of ``Dirichlet([a, β])``."""
        return self._dirichlet.entropy()

    @property
    def concentration1(self) -> Tensor:
        """``a``, the weight of 1."""
        return self._dirichlet.concentration[..., 0]

    @property
    def concentration0(self) -> Tensor:
        """``β``, the weight of 0."""
        return self._dirichlet.concentration[..., 1]

    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        return (self.concentration1, self.concentration0)

    @property
    def _mean_carrier_measure(self) -> Tensor:
        # h(x) = 1 / (x (1 - x)) with T(x) = (log x, log(1 - x)): E[log h] = -(E[log x] + E[log(1 - x)])
        alpha, beta = self.concentration1, self.concentration0
        digamma_total = tocha.digamma(alpha + beta)
        return -(tocha.digamma(alpha) + tocha.digamma(beta) - 2 * digamma_total)

    def _log_normalizer(self, *natural_params: Tensor) -> Tensor:
        x, y = natural_params
        return tocha.lgamma(x) + tocha.lgamma(y) - tocha.lgamma(x + y)
