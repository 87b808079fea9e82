"""Closed-form KL divergences whose first argument is a continuous univariate family (or a Dirichlet).

NOTE [ Cross-family KL ]
For ``p`` and ``q`` of different families, ``KL(p || q) = -H(p) + E_p[-log q(x)]``, and ``-log q`` is linear in a
few statistics of ``x`` (``x``, ``x²``, ``log x``, ``log(1 - x)``, ``exp(-x / β)``...). So each ``_cross_*``
helper below is ``E_p[-log q(x)]`` written in terms of the expectations of those statistics under ``p``, and a KL
is ``-p.entropy()`` plus one helper evaluated at ``p``'s moments. Where the support of ``p`` is not contained in
that of ``q`` the divergence is infinite.
"""

from __future__ import annotations

import math
from typing import Any

import tocha
from tocha import Tensor

from .beta import Beta
from .cauchy import Cauchy
from .continuous_bernoulli import ContinuousBernoulli
from .dirichlet import Dirichlet
from .exponential import Exponential
from .gamma import Gamma
from .gumbel import Gumbel
from .kl import infinite_like, register_kl
from .laplace import Laplace
from .normal import Normal
from .pareto import Pareto
from .uniform import Uniform
from .utils import euler_constant

__all__: list[str] = []

_HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)


def _inf_where(condition: Tensor, result: Tensor) -> Tensor:
    """``result`` with ``inf`` where ``condition`` holds (where ``p``'s support leaves ``q``'s)."""
    return tocha.where(condition, tocha.full_like(result, float("inf")), result)


# E_p[-log q(x)] for each q family (NOTE [ Cross-family KL ]).


def _cross_normal(mean: Tensor, variance: Tensor, q: Normal) -> Tensor:
    """``log s + log(2π)/2 + (Var[x] + (E[x] - μ)²) / (2s²)``."""
    return q.scale.log() + _HALF_LOG_TWO_PI + (variance + (mean - q.loc).pow(2)) / (2 * q.scale.pow(2))


def _cross_exponential(mean: Tensor, q: Exponential) -> Tensor:
    """``-log λ + λ E[x]``."""
    return q.rate * mean - q.rate.log()


def _cross_gamma(mean: Tensor, mean_log: Tensor, q: Gamma) -> Tensor:
    """``-a log β - (a - 1) E[log x] + β E[x] + log Γ(a)``."""
    alpha, beta = q.concentration, q.rate
    return -alpha * beta.log() - (alpha - 1) * mean_log + beta * mean + tocha.lgamma(alpha)


def _cross_beta(mean_log: Tensor, mean_log1m: Tensor, q: Beta) -> Tensor:
    """``-(a - 1) E[log x] - (β - 1) E[log(1 - x)] + log B(a, β)``."""
    alpha, beta = q.concentration1, q.concentration0
    log_beta_fn = tocha.lgamma(alpha) + tocha.lgamma(beta) - tocha.lgamma(alpha + beta)
    return -(alpha - 1) * mean_log - (beta - 1) * mean_log1m + log_beta_fn


def _cross_continuous_bernoulli(mean: Tensor, q: ContinuousBernoulli) -> Tensor:
    """``-(E[x] logit λ + log(1 - λ) + log C(λ))``."""
    return -(mean * q.logits + tocha.log1p(-q.probs) + q._cont_bern_log_norm())


def _cross_gumbel(mean: Tensor, mean_exp: Tensor, q: Gumbel) -> Tensor:
    """``log β + (E[x] - μ) / β + E[exp(-(x - μ) / β)]``; ``mean_exp`` is that last expectation."""
    result: Tensor = q.scale.log() + (mean - q.loc) / q.scale + mean_exp
    return result


def _uniform_mean_log(low: Tensor, high: Tensor) -> Tensor:
    """``E[log x]`` for ``x ~ U(low, high)``, ``0 <= low``: ``(b log b - a log a) / (b - a) - 1``."""
    return (tocha.special.xlogy(high, high) - tocha.special.xlogy(low, low)) / (high - low) - 1


# Uniform


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p: Uniform, q: Uniform) -> Tensor:
    result = ((q.high - q.low) / (p.high - p.low)).log()
    return _inf_where((q.low > p.low) | (q.high < p.high), result)


@register_kl(Uniform, Beta)
def _kl_uniform_beta(p: Uniform, q: Beta) -> Tensor:
    mean_log = _uniform_mean_log(p.low, p.high)
    mean_log1m = _uniform_mean_log(1 - p.high, 1 - p.low)
    result = -p.entropy() + _cross_beta(mean_log, mean_log1m, q)
    return _inf_where((p.low < 0) | (p.high > 1), result)


@register_kl(Uniform, ContinuousBernoulli)
def _kl_uniform_continuous_bernoulli(p: Uniform, q: ContinuousBernoulli) -> Tensor:
    result = -p.entropy() + _cross_continuous_bernoulli(p.mean, q)
    return _inf_where((p.low < 0) | (p.high > 1), result)


@register_kl(Uniform, Exponential)
def _kl_uniform_exponential(p: Uniform, q: Exponential) -> Tensor:
    result = -p.entropy() + _cross_exponential(p.mean, q)
    return _inf_where(p.low < 0, result)


@register_kl(Uniform, Gamma)
def _kl_uniform_gamma(p: Uniform, q: Gamma) -> Tensor:
    result = -p.entropy() + _cross_gamma(p.mean, _uniform_mean_log(p.low, p.high), q)
    return _inf_where(p.low < 0, result)


@register_kl(Uniform, Normal)
def _kl_uniform_normal(p: Uniform, q: Normal) -> Tensor:
    return -p.entropy() + _cross_normal(p.mean, p.variance, q)


def _kl_uniform_gumbel(p: Uniform, q: Gumbel) -> Tensor:
    # E[exp(-(x - μ)/β)] = β / (b - a) (exp(-(a - μ)/β) - exp(-(b - μ)/β))
    width = p.high - p.low
    mean_exp = q.scale / width * (tocha.exp((q.loc - p.low) / q.scale) - tocha.exp((q.loc - p.high) / q.scale))
    return -p.entropy() + _cross_gumbel(p.mean, mean_exp, q)


def _kl_uniform_pareto(p: Uniform, q: Pareto) -> Tensor:
    # -log q(x) = -log a - a log x_m + (a + 1) log x, on x >= x_m
    cross = -q.alpha.log() - q.alpha * q.scale.log() + (q.alpha + 1) * _uniform_mean_log(p.low, p.high)
    return _inf_where(p.low < q.scale, -p.entropy() + cross)


# Beta


@register_kl(Beta, Beta)
def _kl_beta_beta(p: Beta, q: Beta) -> Tensor:
    a1, b1, a2, b2 = p.concentration1, p.concentration0, q.concentration1, q.concentration0
    total1 = a1 + b1
    log_b1 = tocha.lgamma(a1) + tocha.lgamma(b1) - tocha.lgamma(total1)
    log_b2 = tocha.lgamma(a2) + tocha.lgamma(b2) - tocha.lgamma(a2 + b2)
    return (
        log_b2
        - log_b1
        + (a1 - a2) * tocha.digamma(a1)
        + (b1 - b2) * tocha.digamma(b1)
        + (a2 - a1 + b2 - b1) * tocha.digamma(total1)
    )


def _beta_mean_logs(p: Beta) -> tuple[Tensor, Tensor]:
    """``E[log x]`` and ``E[log(1 - x)]`` under a Beta: ``ψ(a) - ψ(a + β)`` and ``ψ(β) - ψ(a + β)``."""
    digamma_total = tocha.digamma(p.concentration1 + p.concentration0)
    return tocha.digamma(p.concentration1) - digamma_total, tocha.digamma(p.concentration0) - digamma_total


@register_kl(Beta, ContinuousBernoulli)
def _kl_beta_continuous_bernoulli(p: Beta, q: ContinuousBernoulli) -> Tensor:
    return -p.entropy() + _cross_continuous_bernoulli(p.mean, q)


@register_kl(Beta, Exponential)
def _kl_beta_exponential(p: Beta, q: Exponential) -> Tensor:
    return -p.entropy() + _cross_exponential(p.mean, q)


@register_kl(Beta, Gamma)
def _kl_beta_gamma(p: Beta, q: Gamma) -> Tensor:
    return -p.entropy() + _cross_gamma(p.mean, _beta_mean_logs(p)[0], q)


@register_kl(Beta, Normal)
def _kl_beta_normal(p: Beta, q: Normal) -> Tensor:
    return -p.entropy() + _cross_normal(p.mean, p.variance, q)


@register_kl(Beta, Uniform)
def _kl_beta_uniform(p: Beta, q: Uniform) -> Tensor:
    result = -p.entropy() + (q.high - q.low).log()
    return _inf_where((q.low > 0) | (q.high < 1), result)


# ContinuousBernoulli


@register_kl(ContinuousBernoulli, ContinuousBernoulli)
def _kl_continuous_bernoulli_continuous_bernoulli(p: ContinuousBernoulli, q: ContinuousBernoulli) -> Tensor:
    return -p.entropy() + _cross_continuous_bernoulli(p.mean, q)


@register_kl(ContinuousBernoulli, Exponential)
def _kl_continuous_bernoulli_exponential(p: ContinuousBernoulli, q: Exponential) -> Tensor:
    return -p.entropy() + _cross_exponential(p.mean, q)


@register_kl(ContinuousBernoulli, Normal)
def _kl_continuous_bernoulli_normal(p: ContinuousBernoulli, q: Normal) -> Tensor:
    return -p.entropy() + _cross_normal(p.mean, p.variance, q)


@register_kl(ContinuousBernoulli, Uniform)
def _kl_continuous_bernoulli_uniform(p: ContinuousBernoulli, q: Uniform) -> Tensor:
    result = -p.entropy() + (q.high - q.low).log()
    return _inf_where((q.low > 0) | (q.high < 1), result)


# Dirichlet, Cauchy


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(p: Dirichlet, q: Dirichlet) -> Tensor:
    # log Γ(Σa) - log Γ(Σb) - Σ(log Γ(a_i) - log Γ(b_i)) + Σ(a_i - b_i)(ψ(a_i) - ψ(Σa))
    a, b = p.concentration, q.concentration
    total_a = a.sum(-1)
    log_norms = tocha.lgamma(total_a) - tocha.lgamma(b.sum(-1)) - (tocha.lgamma(a) - tocha.lgamma(b)).sum(-1)
    return log_norms + ((a - b) * (tocha.digamma(a) - tocha.digamma(total_a).unsqueeze(-1))).sum(-1)


@register_kl(Cauchy, Cauchy)
def _kl_cauchy_cauchy(p: Cauchy, q: Cauchy) -> Tensor:
    # log(((s_p + s_q)² + (l_p - l_q)²) / (4 s_p s_q))  (Chyzak & Nielsen, 2019)
    numerator = (p.scale + q.scale).pow(2) + (p.loc - q.loc).pow(2)
    return (numerator / (4 * p.scale * q.scale)).log()


# Exponential


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p: Exponential, q: Exponential) -> Tensor:
    ratio = q.rate / p.rate
    return ratio - ratio.log() - 1


@register_kl(Exponential, Gamma)
def _kl_exponential_gamma(p: Exponential, q: Gamma) -> Tensor:
    mean_log = -euler_constant - p.rate.log()  # E[log x] under Exponential(λ)
    return -p.entropy() + _cross_gamma(p.mean, mean_log, q)


@register_kl(Exponential, Normal)
def _kl_exponential_normal(p: Exponential, q: Normal) -> Tensor:
    return -p.entropy() + _cross_normal(p.mean, p.variance, q)


def _kl_exponential_gumbel(p: Exponential, q: Gumbel) -> Tensor:
    # E[exp(-(x - μ)/β)] = exp(μ/β) λ / (λ + 1/β)
    mean_exp = tocha.exp(q.loc / q.scale) * p.rate / (p.rate + q.scale.reciprocal())
    return -p.entropy() + _cross_gumbel(p.mean, mean_exp, q)


# Gamma


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p: Gamma, q: Gamma) -> Tensor:
    a1, r1, a2, r2 = p.concentration, p.rate, q.concentration, q.rate
    return (
        a2 * (r1 / r2).log()
        + tocha.lgamma(a2)
        - tocha.lgamma(a1)
        + (a1 - a2) * tocha.digamma(a1)
        + (r2 - r1) * (a1 / r1)
    )


@register_kl(Gamma, Exponential)
def _kl_gamma_exponential(p: Gamma, q: Exponential) -> Tensor:
    return -p.entropy() + _cross_exponential(p.mean, q)


@register_kl(Gamma, Normal)
def _kl_gamma_normal(p: Gamma, q: Normal) -> Tensor:
    return -p.entropy() + _cross_normal(p.mean, p.variance, q)


def _kl_gamma_gumbel(p: Gamma, q: Gumbel) -> Tensor:
    # E[exp(-x/β)] = (r / (r + 1/β))^a = exp(-a log1p(1 / (β r)))
    log_mean_exp = q.loc / q.scale - p.concentration * tocha.log1p((q.scale * p.rate).reciprocal())
    return -p.entropy() + _cross_gumbel(p.mean, log_mean_exp.exp(), q)


# Laplace


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p: Laplace, q: Laplace) -> Tensor:
    # log(b_q / b_p) + (b_p exp(-|Δ| / b_p) + |Δ|) / b_q - 1
    distance = (p.loc - q.loc).abs()
    return (q.scale / p.scale).log() + (p.scale * tocha.exp(-distance / p.scale) + distance) / q.scale - 1


@register_kl(Laplace, Normal)
def _kl_laplace_normal(p: Laplace, q: Normal) -> Tensor:
    return -p.entropy() + _cross_normal(p.mean, p.variance, q)


# Normal (Normal-Normal is in normal.py)


@register_kl(Normal, Laplace)
def _kl_normal_laplace(p: Normal, q: Laplace) -> Tensor:
    # E|x - m| for x ~ N(μ, s²), with d = μ - m: s sqrt(2/π) exp(-d²/(2s²)) + d erf(d / (s sqrt 2))
    d = p.loc - q.loc
    mean_abs = p.scale * math.sqrt(2 / math.pi) * tocha.exp(-0.5 * (d / p.scale).pow(2))
    mean_abs = mean_abs + d * tocha.erf(d / (p.scale * math.sqrt(2)))
    return -p.entropy() + (2 * q.scale).log() + mean_abs / q.scale


def _kl_normal_gumbel(p: Normal, q: Gumbel) -> Tensor:
    # E[exp(-(x - μ_q)/β)] = exp((μ_q - μ_p)/β + s²/(2β²))
    mean_exp = tocha.exp((q.loc - p.loc) / q.scale + 0.5 * (p.scale / q.scale).pow(2))
    return -p.entropy() + _cross_gumbel(p.loc, mean_exp, q)


# Supports that do not nest: infinite divergence, of p's batch shape.


def _infinite(parameter: str) -> Any:
    def kl(p: Any, q: Any) -> Tensor:
        return infinite_like(getattr(p, parameter))

    kl.__name__ = f"_kl_infinity_{parameter}"
    return kl


_BOUNDED_Q = (Beta, ContinuousBernoulli, Uniform)
for _q in _BOUNDED_Q:
    register_kl(Exponential, _q)(_infinite("rate"))
    register_kl(Gamma, _q)(_infinite("concentration"))
for _q_real in (*_BOUNDED_Q, Exponential, Gamma):
    register_kl(Laplace, _q_real)(_infinite("loc"))
    register_kl(Normal, _q_real)(_infinite("loc"))


register_kl(Uniform, Gumbel)(_kl_uniform_gumbel)
register_kl(Exponential, Gumbel)(_kl_exponential_gumbel)
register_kl(Gamma, Gumbel)(_kl_gamma_gumbel)
register_kl(Normal, Gumbel)(_kl_normal_gumbel)

register_kl(Uniform, Pareto)(_kl_uniform_pareto)
register_kl(Beta, Pareto)(_infinite("concentration1"))
register_kl(ContinuousBernoulli, Pareto)(_infinite("probs"))
register_kl(Exponential, Pareto)(_infinite("rate"))
register_kl(Gamma, Pareto)(_infinite("concentration"))
register_kl(Laplace, Pareto)(_infinite("loc"))
register_kl(Normal, Pareto)(_infinite("loc"))
