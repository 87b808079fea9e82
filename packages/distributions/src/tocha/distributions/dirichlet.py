"""The Dirichlet distribution on the probability simplex."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import tocha
from tocha import Tensor

from . import constraints
from ._functional import one_hot
from .exp_family import ExponentialFamily
from .gamma import _standard_gamma

__all__ = ["Dirichlet"]


def _clamp_min_keep_grad(value: Tensor, minimum: float) -> Tensor:
    """``value`` raised to at least ``minimum``, with the gradient of ``value`` passed through unchanged."""
    detached = value.detach()
    return value + (detached.clamp(min=minimum) - detached)


class Dirichlet(ExponentialFamily):
    """The Dirichlet distribution of concentration ``a`` over the simplex of the last dimension.

    The density is ``Γ(Σa) / ΠΓ(a_i) · Π x_i^(a_i - 1)``. ``rsample`` normalises differentiable gamma draws,
    ``x = g / Σg`` with ``g_i ~ Gamma(a_i, 1)``, so gradients flow to ``a``.

    Args:
        concentration: ``a`` (positive), at least one-dimensional; its last dim is the event.
        validate_args: check the parameters and ``log_prob``'s values (default: the global setting).

    Example:
        >>> import tocha
        >>> from tocha.distributions import Dirichlet
        >>> d = Dirichlet(tocha.tensor([1.0, 2.0, 3.0]))
        >>> d.mean
        tensor([0.1667, 0.3333, 0.5000])
        >>> d.log_prob(tocha.tensor([0.2, 0.3, 0.5]))
        tensor(1.5041)
    """

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration: Tensor, validate_args: bool | None = None) -> None:
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        shape = concentration.shape
        super().__init__(shape[:-1], shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> Dirichlet:
        """A Dirichlet with its concentration expanded (as a view) to ``batch_shape + event_shape``."""
        new = self._get_checked_instance(Dirichlet, _instance)
        shape = tocha.Size(batch_shape)
        new.concentration = self.concentration.expand((*shape, *self._event_shape))
        super(Dirichlet, new).__init__(shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new  # type: ignore[no-any-return]

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """Draws on the simplex (no gradient): normalised float64 gamma draws, as ``rsample`` without the graph."""
        shape = tuple(self._extended_shape(sample_shape))
        with tocha.no_grad():
            return tocha._sample_dirichlet(self.concentration.expand(shape))

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """Normalised gamma draws ``g / Σg``, ``g_i ~ Gamma(a_i, 1)`` (differentiable w.r.t. ``a``).

        The gammas are drawn and normalised in float64 (so small concentrations underflow less), and the result
        is kept inside ``[tiny, 1 - eps/2]`` of its dtype, where ``log_prob`` is finite.
        """
        shape = tuple(self._extended_shape(sample_shape))
        dtype = self.concentration.dtype
        alpha = self.concentration.expand(shape).to(tocha.float64)
        gammas = _clamp_min_keep_grad(_standard_gamma(alpha), tocha.finfo(tocha.float64).tiny)
        value = (gammas / gammas.sum(-1, keepdim=True)).to(dtype)
        info = tocha.finfo(dtype)
        detached = value.detach()
        return value + (detached.clamp(min=info.tiny, max=1 - info.eps / 2) - detached)

    def log_prob(self, value: Tensor) -> Tensor:
        """``Σ(a_i - 1) log x_i + log Γ(Σa) - Σ log Γ(a_i)``."""
        if self._validate_args:
            self._validate_sample(value)
        alpha = self.concentration
        return (
            tocha.special.xlogy(alpha - 1.0, value).sum(-1) + tocha.lgamma(alpha.sum(-1)) - tocha.lgamma(alpha).sum(-1)
        )

    @property
    def mean(self) -> Tensor:
        """``a / Σa``."""
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self) -> Tensor:
        """``(a - 1)⁺ / Σ(a - 1)⁺``; where every ``a_i < 1``, the vertex of the largest coordinate (the first)."""
        shifted = (self.concentration - 1).clamp(min=0)
        mode = shifted / shifted.sum(-1, keepdim=True)
        corner = one_hot(mode.argmax(-1), shifted.shape[-1], mode.dtype)
        all_below_one = (self.concentration < 1).all(-1, keepdim=True)
        return tocha.where(all_below_one, corner, mode)

    @property
    def variance(self) -> Tensor:
        """``a_i (a₀ - a_i) / (a₀² (a₀ + 1))`` with ``a₀ = Σa``."""
        total = self.concentration.sum(-1, keepdim=True)
        return self.concentration * (total - self.concentration) / (total.pow(2) * (total + 1))

    def entropy(self) -> Tensor:
        """``Σ log Γ(a_i) - log Γ(a₀) - (k - a₀) ψ(a₀) - Σ(a_i - 1) ψ(a_i)``."""
        alpha = self.concentration
        k = alpha.shape[-1]
        total = alpha.sum(-1)
        return (
            tocha.lgamma(alpha).sum(-1)
            - tocha.lgamma(total)
            - (k - total) * tocha.digamma(total)
            - ((alpha - 1.0) * tocha.digamma(alpha)).sum(-1)
        )

    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        return (self.concentration,)

    @property
    def _mean_carrier_measure(self) -> Tensor:
        # h(x) = 1 / Π x_i with T(x) = log x: E[log h] = -Σ(ψ(a_i) - ψ(a₀))
        alpha = self.concentration
        return -(tocha.digamma(alpha) - tocha.digamma(alpha.sum(-1, keepdim=True))).sum(-1)

    def _log_normalizer(self, *natural_params: Tensor) -> Tensor:
        x = natural_params[0]
        return tocha.lgamma(x).sum(-1) - tocha.lgamma(x.sum(-1))
