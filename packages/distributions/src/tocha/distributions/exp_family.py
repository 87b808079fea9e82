"""``ExponentialFamily``: distributions whose density is ``h(x) exp(<η, T(x)> - A(η))``.

A family states its natural parameters ``η`` and log-normaliser ``A``; the entropy and the KL divergence between
two members of one family then follow from ``A`` and its gradient (by tocha.autograd), so a family need not
write them out (most still do, in closed form, for speed).
"""

from __future__ import annotations

from typing import Any

import tocha
import tocha.autograd
from tocha import Tensor

from .distribution import Distribution
from .kl import register_kl

__all__ = ["ExponentialFamily"]


class ExponentialFamily(Distribution):
    """Base class of exponential families: subclasses give ``_natural_params``, ``_log_normalizer`` and
    ``_mean_carrier_measure`` (the expectation of ``log h(x)``).

    Example:
        >>> import tocha
        >>> from tocha.distributions import Normal
        >>> d = Normal(tocha.tensor([0.0]), tocha.tensor([2.0]))
        >>> bool(tocha.allclose(super(Normal, d).entropy(), d.entropy()))
        True
    """

    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        raise NotImplementedError

    def _log_normalizer(self, *natural_params: Tensor) -> Tensor:
        raise NotImplementedError

    @property
    def _mean_carrier_measure(self) -> Any:
        raise NotImplementedError

    def entropy(self) -> Tensor:
        """``A(η) - <η, ∇A(η)> - E[log h(x)]`` (computed on detached parameters, as PyTorch)."""
        with tocha.enable_grad():
            params = [p.detach().requires_grad_() for p in self._natural_params]
            log_norm = self._log_normalizer(*params)
            grads = tocha.autograd.grad(log_norm.sum(), params, create_graph=True)
        result: Tensor = log_norm - self._mean_carrier_measure
        for param, grad in zip(params, grads, strict=True):
            result = result - (param * grad).reshape(*self._batch_shape, -1).sum(-1)
        return result


@register_kl(ExponentialFamily, ExponentialFamily)
def _kl_expfamily_expfamily(p: ExponentialFamily, q: ExponentialFamily) -> Tensor:
    """The Bregman divergence of the log-normaliser, for two members of the same family."""
    if type(p) is not type(q):
        raise NotImplementedError(
            f"The cross KL-divergence between different exponential families cannot be computed using Bregman "
            f"divergences: p is {type(p).__name__}, q is {type(q).__name__}"
        )
    with tocha.enable_grad():
        p_params = [n.detach().requires_grad_() for n in p._natural_params]
        p_norm = p._log_normalizer(*p_params)
        grads = tocha.autograd.grad(p_norm.sum(), p_params, create_graph=True)
    result = q._log_normalizer(*q._natural_params) - p_norm
    for p_param, q_param, grad in zip(p_params, q._natural_params, grads, strict=True):
        term = (q_param - p_param) * grad
        result = result - term.reshape(*p._batch_shape, -1).sum(-1)
    return result
