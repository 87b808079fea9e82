"""The Kumaraswamy distribution on ``[0, 1]``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import tocha
from tocha import Tensor

from . import constraints
from .transformed_distribution import TransformedDistribution
from .transforms import AffineTransform, PowerTransform
from .uniform import Uniform
from .utils import broadcast_all, euler_constant

__all__ = ["Kumaraswamy"]


def _moments(a: Tensor, b: Tensor, n: int) -> Tensor:
    """``E[X^n] = b B(1 + n/a, b)`` for ``X ~ Kumaraswamy(a, b)``."""
    arg = 1 + n / a
    return b * tocha.exp(tocha.lgamma(arg) + tocha.lgamma(b) - tocha.lgamma(arg + b))


class Kumaraswamy(TransformedDistribution):
    """The Kumaraswamy distribution: density ``a b x^(a-1) (1 - x^a)^(b-1)`` on ``[0, 1]``.

    It looks like a Beta but has a closed-form CDF ``1 - (1 - x^a)^b``, so samples are
    ``(1 - U^(1/b))^(1/a)`` with ``U`` uniform, and reparameterised.

    Args:
        concentration1: ``a`` (positive).
        concentration0: ``b`` (positive).
        validate_args: check the parameters and ``log_prob``'s values (default: the global setting).

    Example:
        >>> import tocha
        >>> from tocha.distributions import Kumaraswamy
        >>> d = Kumaraswamy(tocha.tensor([2.0]), tocha.tensor([3.0]))
        >>> d.log_prob(tocha.tensor([0.5]))
        tensor([0.5232])
    """

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(
        self, concentration1: Tensor | float, concentration0: Tensor | float, validate_args: bool | None = None
    ) -> None:
        self.concentration1, self.concentration0 = broadcast_all(concentration1, concentration0)
        base_dist = Uniform(
            tocha.full_like(self.concentration0, 0),
            tocha.full_like(self.concentration0, 1),
            validate_args=validate_args,
        )
        transforms = [
            PowerTransform(exponent=self.concentration0.reciprocal()),
            AffineTransform(loc=1.0, scale=-1.0),
            PowerTransform(exponent=self.concentration1.reciprocal()),
        ]
        super().__init__(base_dist, transforms, validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> Kumaraswamy:
        new = self._get_checked_instance(Kumaraswamy, _instance)
        new.concentration1 = self.concentration1.expand(batch_shape)
        new.concentration0 = self.concentration0.expand(batch_shape)
        return super().expand(batch_shape, _instance=new)  # type: ignore[return-value]

    @property
    def mean(self) -> Tensor:
        """``b B(1 + 1/a, b)``."""
        return _moments(self.concentration1, self.concentration0, 1)

    @property
    def mode(self) -> Tensor:
        """``((a - 1) / (a b - 1))^(1/a)`` where ``a ≥ 1``, ``b ≥ 1`` and not both are 1; ``nan`` elsewhere.

        (PyTorch 2.13 returns ``nan`` everywhere here: a known slip in its formula.)
        """
        a, b = self.concentration1, self.concentration0
        log_mode = ((a - 1).log() - (a * b - 1).log()) / a
        defined = (a >= 1) & (b >= 1) & ((a != 1) | (b != 1))
        return tocha.where(defined, log_mode.exp(), tocha.full_like(log_mode, math.nan))

    @property
    def variance(self) -> Tensor:
        """``E[X²] - E[X]²``."""
        return _moments(self.concentration1, self.concentration0, 2) - self.mean.pow(2)

    def entropy(self) -> Tensor:
        """``(1 - 1/b) + (1 - 1/a) H_b - log(a b)``, with ``H_b = ψ(b + 1) + euler`` the harmonic number."""
        a, b = self.concentration1, self.concentration0
        harmonic = tocha.digamma(b + 1) + euler_constant
        return (1 - b.reciprocal()) + (1 - a.reciprocal()) * harmonic - a.log() - b.log()
