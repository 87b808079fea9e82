"""The von Mises distribution: the circular analogue of the normal distribution."""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Number
from typing import Any

import tocha
from tocha import Tensor

from . import constraints
from .distribution import Distribution
from .utils import broadcast_all, lazy_property

__all__ = ["VonMises"]

_LOG_TWO_PI = math.log(2 * math.pi)


def _rejection_sample(loc: Tensor, concentration: Tensor, proposal_r: Tensor, out: Tensor) -> Tensor:
    """Best & Fisher's (1979) wrapped-Cauchy rejection sampler, filling ``out`` with angles in ``[-π, π)``.

    Each round draws, for every entry not yet accepted, a candidate ``f`` from the wrapped Cauchy envelope
    of radius parameter ``r`` and accepts it by the squeeze ``c (2 - c) > u`` or the exact test
    ``log(c / u) + 1 - c >= 0``; accepted entries keep their first accepted value.
    """
    done = tocha.zeros(tuple(out.shape), dtype=tocha.bool, device=out.device)
    while not bool(done.all()):
        u1, u2, u3 = tocha.rand((3, *out.shape), dtype=loc.dtype, device=loc.device).unbind()
        z = tocha.cos(math.pi * u1)
        f = (1 + proposal_r * z) / (proposal_r + z)
        c = concentration * (proposal_r - f)
        accept = ((c * (2 - c) - u2) > 0) | ((c / u2).log() + 1 - c >= 0)
        accept = accept & ~done
        out = tocha.where(accept, (u3 - 0.5).sign() * tocha.acos(f), out)
        done = done | accept
    return (out + math.pi + loc) % (2 * math.pi) - math.pi


class VonMises(Distribution):
    """The von Mises distribution on the circle: density ``exp(κ cos(x - loc)) / (2π I₀(κ))``.

    Angles are in radians; samples lie in ``[-π, π)``. There is no reparameterised sampler: ``sample`` uses
    a rejection sampler (in float64) and returns the parameters' dtype.

    Args:
        loc: the mean angle (radians).
        concentration: ``κ`` (positive); large ``κ`` approaches ``Normal(loc, 1 / sqrt(κ))``.
        validate_args: check the parameters and ``log_prob``'s values (default: the global setting).

    Example:
        >>> import tocha
        >>> from tocha.distributions import VonMises
        >>> d = VonMises(tocha.tensor([0.0]), tocha.tensor([2.0]))
        >>> d.log_prob(tocha.tensor([0.0]))
        tensor([-0.6619])
        >>> d.variance
        tensor([0.3022])
    """

    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real
    has_rsample = False

    def __init__(self, loc: Tensor | float, concentration: Tensor | float, validate_args: bool | None = None) -> None:
        self.loc, self.concentration = broadcast_all(loc, concentration)
        batch_shape = () if isinstance(loc, Number) and isinstance(concentration, Number) else self.loc.shape
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> VonMises:
        """A VonMises with its parameters expanded (as views) to ``batch_shape``."""
        new = self._get_checked_instance(VonMises, _instance)
        shape = tocha.Size(batch_shape)
        new.loc = self.loc.expand(shape)
        new.concentration = self.concentration.expand(shape)
        super(VonMises, new).__init__(shape, validate_args=False)
        new._validate_args = self._validate_args
        return new  # type: ignore[no-any-return]

    def log_prob(self, value: Tensor) -> Tensor:
        """``κ cos(value - loc) - log(2π) - log I₀(κ)``, as ``κ (cos(value - loc) - 1) - log(2π) - log i0e(κ)``.

        ``i0e(κ) = exp(-κ) I₀(κ)`` keeps the normaliser finite for large ``κ`` (where ``I₀`` overflows) and the
        ``κ`` terms cancel exactly.
        """
        if self._validate_args:
            self._validate_sample(value)
        kappa = self.concentration
        return kappa * (tocha.cos(value - self.loc) - 1) - _LOG_TWO_PI - tocha.log(tocha.special.i0e(kappa))

    @lazy_property
    def _proposal_r(self) -> Tensor:
        """The wrapped-Cauchy envelope's ``r = (1 + rho²) / (2rho)`` (in float64; ``1/κ + κ`` for tiny ``κ``)."""
        kappa = self.concentration.to(tocha.float64)
        tau = 1 + (1 + 4 * kappa.pow(2)).sqrt()
        rho = (tau - (2 * tau).sqrt()) / (2 * kappa)
        exact = (1 + rho.pow(2)) / (2 * rho)
        taylor = 1 / kappa + kappa  # rho -> 0 as κ -> 0: the exact form cancels catastrophically
        return tocha.where(kappa < 1e-5, taylor, exact)

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """Angles in ``[-π, π)`` drawn by rejection (no gradient flows to the parameters)."""
        shape = tuple(self._extended_shape(sample_shape))
        with tocha.no_grad():
            loc = self.loc.to(tocha.float64).expand(shape)
            kappa = self.concentration.to(tocha.float64).expand(shape)
            proposal_r = self._proposal_r.detach().expand(shape)
            out = tocha.empty(shape, dtype=tocha.float64, device=self.loc.device)
            return _rejection_sample(loc, kappa, proposal_r, out).to(self.loc.dtype)

    @property
    def mean(self) -> Tensor:
        """The circular mean ``loc``."""
        return self.loc

    @property
    def mode(self) -> Tensor:
        """``loc``."""
        return self.loc

    @lazy_property
    def variance(self) -> Tensor:
        """The circular variance ``1 - I₁(κ) / I₀(κ)``."""
        kappa = self.concentration
        return 1 - tocha.special.i1e(kappa) / tocha.special.i0e(kappa)
