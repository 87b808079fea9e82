"""The multivariate normal distribution with a low-rank-plus-diagonal covariance ``Σ = W Wᵀ + D``.

NOTE [ Capacitance algebra ]
With ``W`` of shape ``n x m`` (``m`` small) and ``D`` diagonal, nothing ``n x n`` is factorised. The capacitance
matrix ``C = I_m + Wᵀ D⁻¹ W`` (``m x m``, Cholesky factor ``K``) gives, by the Woodbury identity and the matrix
determinant lemma,

- ``Σ⁻¹ = D⁻¹ - D⁻¹ W C⁻¹ Wᵀ D⁻¹``, so ``xᵀ Σ⁻¹ x = xᵀ D⁻¹ x - |K⁻¹ Wᵀ D⁻¹ x|²``;
- ``log |Σ| = log |C| + log |D| = 2 Σᵢ log Kᵢᵢ + Σⱼ log Dⱼ``;
- ``x = μ + W ε_W + √D ε_D`` with ``ε_W ~ N(0, I_m)`` and ``ε_D ~ N(0, I_n)`` (reparameterised).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import tocha
from tocha import Tensor

from . import constraints
from .distribution import Distribution
from .multivariate_normal import _batch_mv
from .utils import _standard_normal, lazy_property

__all__ = ["LowRankMultivariateNormal"]

_LOG_TWO_PI = math.log(2 * math.pi)


def _capacitance_tril(cov_factor: Tensor, cov_diag: Tensor) -> Tensor:
    """The Cholesky factor of ``I + Wᵀ D⁻¹ W`` (NOTE [ Capacitance algebra ])."""
    m = cov_factor.shape[-1]
    wt_dinv = cov_factor.mT / cov_diag.unsqueeze(-2)
    capacitance = tocha.matmul(wt_dinv, cov_factor)
    eye = tocha.eye(m, dtype=cov_factor.dtype, device=cov_factor.device)
    return tocha.linalg.cholesky(capacitance + eye)


def _lowrank_logdet(cov_diag: Tensor, capacitance_tril: Tensor) -> Tensor:
    """``log |W Wᵀ + D| = 2 Σ log diag(K) + Σ log D``."""
    log_det_capacitance = 2 * capacitance_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
    return log_det_capacitance + cov_diag.log().sum(-1)


def _lowrank_mahalanobis(cov_factor: Tensor, cov_diag: Tensor, diff: Tensor, capacitance_tril: Tensor) -> Tensor:
    """``diffᵀ (W Wᵀ + D)⁻¹ diff = diffᵀ D⁻¹ diff - |K⁻¹ Wᵀ D⁻¹ diff|²`` (``diff``'s leading dims broadcast)."""
    scaled = diff / cov_diag  # D⁻¹ x, (..., n)
    projected = _batch_mv(cov_factor.mT, scaled)  # Wᵀ D⁻¹ x, (..., m)
    batch_shape = tocha.broadcast_shapes(tuple(projected.shape[:-1]), tuple(capacitance_tril.shape[:-2]))
    capacitance_tril = capacitance_tril.expand(*batch_shape, -1, -1)
    solved = tocha.linalg.solve_triangular(
        capacitance_tril, projected.expand(*batch_shape, -1).unsqueeze(-1), upper=False
    )
    return (scaled * diff).sum(-1) - solved.squeeze(-1).pow(2).sum(-1)


class LowRankMultivariateNormal(Distribution):
    """The multivariate normal distribution whose covariance is low-rank plus diagonal: ``Σ = W Wᵀ + diag(D)``.

    ``log_prob``, ``entropy`` and sampling cost ``O(n m²)`` instead of ``O(n³)`` for ``W`` of shape ``n x m``
    (NOTE [ Capacitance algebra ]). ``loc`` (``(*batch, n)``), ``cov_factor`` (``(*batch, n, m)``) and
    ``cov_diag`` (``(*batch, n)``) broadcast over their batch dims.

    Args:
        loc: the mean, ``(*batch, n)``.
        cov_factor: the factor ``W`` of the low-rank part, ``(*batch, n, m)``.
        cov_diag: the diagonal part ``D`` (positive), ``(*batch, n)``.
        validate_args: check the parameters and ``log_prob``'s values (default: the global setting).

    Raises:
        ValueError: ``loc`` is 0-dim, ``cov_factor``/``cov_diag`` do not match ``loc``'s event size, or the
            batch shapes do not broadcast.

    Example:
        >>> import tocha
        >>> from tocha.distributions import LowRankMultivariateNormal
        >>> d = LowRankMultivariateNormal(tocha.zeros(2), tocha.tensor([[1.0], [1.0]]), tocha.tensor([1.0, 1.0]))
        >>> d.covariance_matrix
        tensor([[2., 1.],
                [1., 2.]])
        >>> d.log_prob(tocha.tensor([1.0, -1.0]))
        tensor(-3.3872)
    """

    arg_constraints = {
        "loc": constraints.real_vector,
        "cov_factor": constraints.independent(constraints.real, 2),
        "cov_diag": constraints.independent(constraints.positive, 1),
    }
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc: Tensor, cov_factor: Tensor, cov_diag: Tensor, validate_args: bool | None = None) -> None:
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        event_shape = tocha.Size(loc.shape[-1:])
        if cov_factor.dim() < 2:
            raise ValueError("cov_factor must be at least two-dimensional, with optional leading batch dimensions")
        if cov_factor.shape[-2:-1] != event_shape:
            raise ValueError(f"cov_factor must be a batch of matrices with shape {event_shape[0]} x m")
        if cov_diag.shape[-1:] != event_shape:
            raise ValueError(f"cov_diag must be a batch of vectors with shape {event_shape}")
        try:
            batch_shape = tocha.broadcast_shapes(
                tuple(loc.shape[:-1]), tuple(cov_factor.shape[:-2]), tuple(cov_diag.shape[:-1])
            )
        except RuntimeError as exc:
            raise ValueError(
                f"Incompatible batch shapes: loc {loc.shape}, cov_factor {cov_factor.shape}, cov_diag {cov_diag.shape}"
            ) from exc
        self.loc = loc.expand(*batch_shape, -1)
        self.cov_factor = cov_factor.expand(*batch_shape, -1, -1)
        self.cov_diag = cov_diag.expand(*batch_shape, -1)
        self._unbroadcasted_cov_factor = cov_factor
        self._unbroadcasted_cov_diag = cov_diag
        super().__init__(batch_shape, event_shape, validate_args=validate_args)
        self._capacitance_tril = _capacitance_tril(cov_factor, cov_diag)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> LowRankMultivariateNormal:
        new = self._get_checked_instance(LowRankMultivariateNormal, _instance)
        shape = tocha.Size(batch_shape)
        new.loc = self.loc.expand(*shape, *self._event_shape)
        new.cov_diag = self.cov_diag.expand(*shape, *self._event_shape)
        new.cov_factor = self.cov_factor.expand(*shape, *self.cov_factor.shape[-2:])
        new._unbroadcasted_cov_factor = self._unbroadcasted_cov_factor
        new._unbroadcasted_cov_diag = self._unbroadcasted_cov_diag
        new._capacitance_tril = self._capacitance_tril
        super(LowRankMultivariateNormal, new).__init__(shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new  # type: ignore[no-any-return]

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @lazy_property
    def variance(self) -> Tensor:
        """The diagonal of the covariance: ``Σⱼ Wᵢⱼ² + Dᵢ``."""
        factor, diag = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        return (factor.pow(2).sum(-1) + diag).expand(*self._batch_shape, *self._event_shape)

    @lazy_property
    def scale_tril(self) -> Tensor:
        """The lower Cholesky factor of the covariance: ``√D · chol(I + D^(-1/2) W Wᵀ D^(-1/2))``."""
        sqrt_diag = self._unbroadcasted_cov_diag.sqrt().unsqueeze(-1)
        scaled_factor = self._unbroadcasted_cov_factor / sqrt_diag
        inner = tocha.matmul(scaled_factor, scaled_factor.mT)
        n = self._event_shape[0]
        eye = tocha.eye(n, dtype=inner.dtype, device=inner.device)
        lower = sqrt_diag * tocha.linalg.cholesky(inner + eye)
        return lower.expand(*self._batch_shape, n, n)

    @lazy_property
    def covariance_matrix(self) -> Tensor:
        """The covariance ``W Wᵀ + diag(D)``."""
        factor = self._unbroadcasted_cov_factor
        covariance = tocha.matmul(factor, factor.mT) + tocha.diag_embed(self._unbroadcasted_cov_diag)
        n = self._event_shape[0]
        return covariance.expand(*self._batch_shape, n, n)

    @lazy_property
    def precision_matrix(self) -> Tensor:
        """The precision ``D⁻¹ - (K⁻¹ Wᵀ D⁻¹)ᵀ (K⁻¹ Wᵀ D⁻¹)`` (Woodbury identity)."""
        factor, diag = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        wt_dinv = factor.mT / diag.unsqueeze(-2)
        batch_shape = tocha.broadcast_shapes(tuple(wt_dinv.shape[:-2]), tuple(self._capacitance_tril.shape[:-2]))
        solved = tocha.linalg.solve_triangular(
            self._capacitance_tril.expand(*batch_shape, -1, -1), wt_dinv.expand(*batch_shape, -1, -1), upper=False
        )
        precision = tocha.diag_embed(diag.reciprocal()) - tocha.matmul(solved.mT, solved)
        n = self._event_shape[0]
        return precision.expand(*self._batch_shape, n, n)

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        factor = self._unbroadcasted_cov_factor
        eps_factor = _standard_normal((*shape[:-1], factor.shape[-1]), dtype=self.loc.dtype, device=self.loc.device)
        eps_diag = _standard_normal(shape, dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + _batch_mv(factor, eps_factor) + self._unbroadcasted_cov_diag.sqrt() * eps_diag

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        diff = value - self.loc
        mahalanobis = _lowrank_mahalanobis(
            self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag, diff, self._capacitance_tril
        )
        log_det = _lowrank_logdet(self._unbroadcasted_cov_diag, self._capacitance_tril)
        return -0.5 * (self._event_shape[0] * _LOG_TWO_PI + log_det + mahalanobis)

    def entropy(self) -> Tensor:
        log_det = _lowrank_logdet(self._unbroadcasted_cov_diag, self._capacitance_tril)
        entropy = 0.5 * (self._event_shape[0] * (1.0 + _LOG_TWO_PI) + log_det)
        return entropy if len(self._batch_shape) == 0 else entropy.expand(self._batch_shape)
