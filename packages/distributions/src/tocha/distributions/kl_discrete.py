"""KL divergences between discrete families of different types (same-type pairs live next to their family).

Registered pairs: ``(Bernoulli, Poisson)``, ``(Poisson, Bernoulli)`` and ``(Poisson, Binomial)``.

Example:
    >>> import tocha
    >>> from tocha.distributions import Bernoulli, Poisson, kl_divergence
    >>> kl_divergence(Bernoulli(probs=tocha.tensor([0.5])), Poisson(tocha.tensor([1.0])))
    tensor([0.3069])
    >>> kl_divergence(Poisson(tocha.tensor([1.0])), Bernoulli(probs=tocha.tensor([0.5])))
    tensor([inf])
"""

from __future__ import annotations

import tocha
from tocha import Tensor

from .bernoulli import Bernoulli
from .binomial import Binomial
from .kl import register_kl
from .poisson import Poisson

__all__: list[str] = []


@register_kl(Bernoulli, Poisson)
def _kl_bernoulli_poisson(p: Bernoulli, q: Poisson) -> Tensor:
    # sum over k in {0, 1} of p(k) log(p(k) / q(k)), with q(0) = e^-λ and q(1) = λ e^-λ:
    # π log π + (1 - π) log(1 - π) - π log λ + λ   (0 log 0 = 0)
    probs = p.probs
    neg_entropy = tocha.xlogy(probs, probs) + tocha.special.xlog1py(1 - probs, -probs)
    return neg_entropy - tocha.xlogy(probs, q.rate) + q.rate


def _kl_poisson_bounded(p: Poisson, log_q_zero: Tensor) -> Tensor:
    """KL from a Poisson to a law on a bounded range: inf, except at rate 0 (a point mass at 0): ``-log q(0)``."""
    rate, log_q_zero = tocha.broadcast_tensors(p.rate, log_q_zero)
    return tocha.where(tocha.eq(rate, 0), -log_q_zero, tocha.full_like(rate, float("inf")))


@register_kl(Poisson, Bernoulli)
def _kl_poisson_bernoulli(p: Poisson, q: Bernoulli) -> Tensor:
    return _kl_poisson_bounded(p, tocha.log1p(-q.probs))


@register_kl(Poisson, Binomial)
def _kl_poisson_binomial(p: Poisson, q: Binomial) -> Tensor:
    return _kl_poisson_bounded(p, tocha.special.xlog1py(q.total_count, -q.probs))
