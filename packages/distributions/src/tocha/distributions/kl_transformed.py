"""Closed-form KL divergences ``KL(p || q)`` whose ``p`` is a transformed family (or a generic transformed law).

Each formula is ``E_p[log p] - E_p[log q]`` written with the moments of ``p``:
Gumbel ``X = μ + b G`` has ``E[G] = euler_constant`` and ``E[exp(-t G)] = Γ(1 + t)``; Pareto ``X = s exp(E / a)`` has
``E[log X] = log s + 1/a``, a finite mean only for ``a > 1`` and a finite variance only for ``a > 2`` (the KL to a
light-tailed ``q`` is infinite otherwise). A ``q`` whose support misses part of ``p``'s gives ``inf``.

Example:
    >>> import tocha
    >>> from tocha.distributions import HalfNormal, kl_divergence
    >>> kl_divergence(HalfNormal(tocha.tensor([1.0])), HalfNormal(tocha.tensor([2.0])))
    tensor([0.3181])
"""

from __future__ import annotations

import math

import tocha
from tocha import Tensor

from .beta import Beta
from .continuous_bernoulli import ContinuousBernoulli
from .exponential import Exponential
from .gamma import Gamma
from .gumbel import Gumbel
from .half_normal import HalfNormal
from .kl import infinite_like, kl_divergence, register_kl
from .normal import Normal
from .pareto import Pareto
from .transformed_distribution import TransformedDistribution
from .uniform import Uniform
from .utils import euler_constant

__all__: list[str] = []

_HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)


@register_kl(TransformedDistribution, TransformedDistribution)
def _kl_transformed_transformed(p: TransformedDistribution, q: TransformedDistribution) -> Tensor:
    # a shared bijection leaves the KL unchanged: it is the KL of the base distributions
    if p.transforms != q.transforms:
        raise NotImplementedError("KL(TransformedDistribution || TransformedDistribution) needs equal transforms")
    if p.event_shape != q.event_shape:
        raise NotImplementedError(
            f"KL(TransformedDistribution || TransformedDistribution) needs equal event shapes, "
            f"got {tuple(p.event_shape)} and {tuple(q.event_shape)}"
        )
    return kl_divergence(p.base_dist, q.base_dist)


@register_kl(HalfNormal, HalfNormal)
def _kl_halfnormal_halfnormal(p: HalfNormal, q: HalfNormal) -> Tensor:
    # the KL of the two centred normals: folding both at 0 does not change it
    ratio = (p.scale / q.scale).pow(2)
    return 0.5 * (ratio - 1 - ratio.log())


@register_kl(Gumbel, Gumbel)
def _kl_gumbel_gumbel(p: Gumbel, q: Gumbel) -> Tensor:
    ratio = p.scale / q.scale
    shift = (p.loc - q.loc) / q.scale
    return -ratio.log() + euler_constant * (ratio - 1) + shift - 1 + tocha.exp(-shift + tocha.lgamma(ratio + 1))


@register_kl(Gumbel, Normal)
def _kl_gumbel_normal(p: Gumbel, q: Normal) -> Tensor:
    neg_entropy = -p.scale.log() - 1 - euler_constant
    second_moment = (math.pi**2 / 6) * p.scale.pow(2) + (p.loc + p.scale * euler_constant - q.loc).pow(2)
    return neg_entropy + q.scale.log() + _HALF_LOG_TWO_PI + second_moment / (2 * q.scale.pow(2))


def _kl_gumbel_infinity(p: Gumbel, q: object) -> Tensor:
    return infinite_like(p.loc)


for _q in (Beta, ContinuousBernoulli, Exponential, Gamma, Pareto, Uniform):
    register_kl(Gumbel, _q)(_kl_gumbel_infinity)


def _pareto_neg_entropy(p: Pareto) -> Tensor:
    """``E_p[log p] = log a - log s - 1 - 1/a``."""
    return p.alpha.log() - p.scale.log() - 1 - p.alpha.reciprocal()


def _pareto_mean_log(p: Pareto) -> Tensor:
    """``E_p[log X] = log s + 1/a``."""
    return p.scale.log() + p.alpha.reciprocal()


@register_kl(Pareto, Pareto)
def _kl_pareto_pareto(p: Pareto, q: Pareto) -> Tensor:
    scale_ratio = p.scale / q.scale
    alpha_ratio = q.alpha / p.alpha
    result = q.alpha * scale_ratio.log() - alpha_ratio.log() + alpha_ratio - 1
    return tocha.where(p.scale < q.scale, infinite_like(result), result)  # p puts mass below q's minimum


@register_kl(Pareto, Exponential)
def _kl_pareto_exponential(p: Pareto, q: Exponential) -> Tensor:
    mean = p.alpha * p.scale / (p.alpha - 1)
    result = _pareto_neg_entropy(p) - q.rate.log() + q.rate * mean
    return tocha.where(p.alpha <= 1, infinite_like(result), result)


@register_kl(Pareto, Gamma)
def _kl_pareto_gamma(p: Pareto, q: Gamma) -> Tensor:
    mean = p.alpha * p.scale / (p.alpha - 1)
    log_normalizer = q.concentration.lgamma() - q.concentration * q.rate.log()
    result = _pareto_neg_entropy(p) + log_normalizer - (q.concentration - 1) * _pareto_mean_log(p) + q.rate * mean
    return tocha.where(p.alpha <= 1, infinite_like(result), result)


@register_kl(Pareto, Normal)
def _kl_pareto_normal(p: Pareto, q: Normal) -> Tensor:
    a = p.alpha
    mean = a * p.scale / (a - 1)
    variance = p.scale.pow(2) * a / ((a - 1).pow(2) * (a - 2))
    second_moment = variance + (mean - q.loc).pow(2)
    result = _pareto_neg_entropy(p) + q.scale.log() + _HALF_LOG_TWO_PI + second_moment / (2 * q.scale.pow(2))
    return tocha.where(a <= 2, infinite_like(result), result)


def _kl_pareto_infinity(p: Pareto, q: object) -> Tensor:
    return infinite_like(p.scale)


for _q in (Beta, ContinuousBernoulli, Uniform):
    register_kl(Pareto, _q)(_kl_pareto_infinity)
