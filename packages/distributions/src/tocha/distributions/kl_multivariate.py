"""Closed-form KL divergences among ``MultivariateNormal`` and ``LowRankMultivariateNormal``.

For ``p = N(μp, Σp)`` and ``q = N(μq, Σq)`` in ``n`` dimensions,

``KL(p || q) = ½ (tr(Σq⁻¹ Σp) + (μq - μp)ᵀ Σq⁻¹ (μq - μp) - n + log |Σq| - log |Σp|)``.

With ``Σp = Sp Spᵀ`` (``Sp`` the Cholesky factor ``Lp``, or ``[W | √D]`` for a low-rank ``p``),
``tr(Σq⁻¹ Σp) = |Lq⁻¹ Sp|²_F`` for a full ``q``, and ``tr(D⁻¹ Σp) - |A Sp|²_F`` with ``A = K⁻¹ Wᵀ D⁻¹`` for a
low-rank ``q`` (NOTE [ Capacitance algebra ] in :mod:`tocha.distributions.lowrank_multivariate_normal`).
"""

from __future__ import annotations

import tocha
from tocha import Tensor

from .kl import register_kl
from .lowrank_multivariate_normal import LowRankMultivariateNormal, _lowrank_logdet, _lowrank_mahalanobis
from .multivariate_normal import MultivariateNormal, _batch_mahalanobis

__all__: list[str] = []

_SPACES = " " * 26


def _check_events(p: MultivariateNormal | LowRankMultivariateNormal, q: object, kind: str) -> None:
    assert isinstance(q, (MultivariateNormal, LowRankMultivariateNormal))
    if p.event_shape != q.event_shape:
        raise ValueError(f"KL-divergence between two {kind} with{_SPACES}different event shapes cannot be computed")


def _half_log_det(scale_tril: Tensor) -> Tensor:
    """``½ log |L Lᵀ| = Σ log diag(L)``."""
    return scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)


def _frobenius_sq(mat: Tensor) -> Tensor:
    """``|M|²_F`` of each matrix in a batch."""
    return mat.pow(2).sum((-2, -1))


def _solve_lower(lower: Tensor, rhs: Tensor) -> Tensor:
    """``lower⁻¹ rhs`` for a lower-triangular ``lower``, with the batch dims of both broadcast."""
    batch = tocha.broadcast_shapes(tuple(lower.shape[:-2]), tuple(rhs.shape[:-2]))
    return tocha.linalg.solve_triangular(lower.expand(*batch, -1, -1), rhs.expand(*batch, -1, -1), upper=False)


def _lowrank_whitener(q: LowRankMultivariateNormal) -> Tensor:
    """``A = K⁻¹ Wᵀ D⁻¹`` (``m x n``): ``Σq⁻¹ = D⁻¹ - Aᵀ A``."""
    wt_dinv = q._unbroadcasted_cov_factor.mT / q._unbroadcasted_cov_diag.unsqueeze(-2)
    return _solve_lower(q._capacitance_tril, wt_dinv)


def _lowrank_logdet_of(d: LowRankMultivariateNormal) -> Tensor:
    return _lowrank_logdet(d._unbroadcasted_cov_diag, d._capacitance_tril)


def _lowrank_mahalanobis_of(q: LowRankMultivariateNormal, diff: Tensor) -> Tensor:
    return _lowrank_mahalanobis(q._unbroadcasted_cov_factor, q._unbroadcasted_cov_diag, diff, q._capacitance_tril)


def _sqrt_diag_matrix(diag: Tensor) -> Tensor:
    return tocha.diag_embed(diag.sqrt())


def _combine(half_log_det_ratio: Tensor, trace: Tensor, mahalanobis: Tensor, n: int, batch: tocha.Size) -> Tensor:
    result = half_log_det_ratio + 0.5 * (trace + mahalanobis - n)
    return result.expand(batch)


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_mvn_mvn(p: MultivariateNormal, q: MultivariateNormal) -> Tensor:
    _check_events(p, q, "Multivariate Normals")
    lp, lq = p._unbroadcasted_scale_tril, q._unbroadcasted_scale_tril
    half_log_det_ratio = _half_log_det(lq) - _half_log_det(lp)
    trace = _frobenius_sq(_solve_lower(lq, lp))
    mahalanobis = _batch_mahalanobis(lq, q.loc - p.loc)
    batch = tocha.broadcast_shapes(p.batch_shape, q.batch_shape)
    return _combine(half_log_det_ratio, trace, mahalanobis, p.event_shape[0], tocha.Size(batch))


@register_kl(LowRankMultivariateNormal, LowRankMultivariateNormal)
def _kl_lowrank_lowrank(p: LowRankMultivariateNormal, q: LowRankMultivariateNormal) -> Tensor:
    _check_events(p, q, "Low Rank Multivariate Normals")
    half_log_det_ratio = 0.5 * (_lowrank_logdet_of(q) - _lowrank_logdet_of(p))
    wp, dp, dq = p._unbroadcasted_cov_factor, p._unbroadcasted_cov_diag, q._unbroadcasted_cov_diag
    whitener = _lowrank_whitener(q)
    trace_dinv = (wp.pow(2) / dq.unsqueeze(-1)).sum((-2, -1)) + (dp / dq).sum(-1)
    trace = trace_dinv - _frobenius_sq(tocha.matmul(whitener, wp)) - _frobenius_sq(whitener * dp.sqrt().unsqueeze(-2))
    mahalanobis = _lowrank_mahalanobis_of(q, q.loc - p.loc)
    batch = tocha.broadcast_shapes(p.batch_shape, q.batch_shape)
    return _combine(half_log_det_ratio, trace, mahalanobis, p.event_shape[0], tocha.Size(batch))


@register_kl(MultivariateNormal, LowRankMultivariateNormal)
def _kl_mvn_lowrank(p: MultivariateNormal, q: LowRankMultivariateNormal) -> Tensor:
    _check_events(p, q, "(Low Rank) Multivariate Normals")
    lp, dq = p._unbroadcasted_scale_tril, q._unbroadcasted_cov_diag
    half_log_det_ratio = 0.5 * _lowrank_logdet_of(q) - _half_log_det(lp)
    whitener = _lowrank_whitener(q)
    trace = (lp.pow(2) / dq.unsqueeze(-1)).sum((-2, -1)) - _frobenius_sq(tocha.matmul(whitener, lp))
    mahalanobis = _lowrank_mahalanobis_of(q, q.loc - p.loc)
    batch = tocha.broadcast_shapes(p.batch_shape, q.batch_shape)
    return _combine(half_log_det_ratio, trace, mahalanobis, p.event_shape[0], tocha.Size(batch))


@register_kl(LowRankMultivariateNormal, MultivariateNormal)
def _kl_lowrank_mvn(p: LowRankMultivariateNormal, q: MultivariateNormal) -> Tensor:
    _check_events(p, q, "(Low Rank) Multivariate Normals")
    lq = q._unbroadcasted_scale_tril
    half_log_det_ratio = _half_log_det(lq) - 0.5 * _lowrank_logdet_of(p)
    trace = _frobenius_sq(_solve_lower(lq, p._unbroadcasted_cov_factor)) + _frobenius_sq(
        _solve_lower(lq, _sqrt_diag_matrix(p._unbroadcasted_cov_diag))
    )
    mahalanobis = _batch_mahalanobis(lq, q.loc - p.loc)
    batch = tocha.broadcast_shapes(p.batch_shape, q.batch_shape)
    return _combine(half_log_det_ratio, trace, mahalanobis, p.event_shape[0], tocha.Size(batch))
