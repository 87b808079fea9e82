"""The multivariate normal distribution, parameterised by a covariance, a precision or a Cholesky factor.

NOTE [ Multivariate normal algebra ]
Everything runs through the lower Cholesky factor ``L`` of the covariance (``Σ = L Lᵀ``), kept unbroadcast
(``_unbroadcasted_scale_tril``) so batched evaluations do not copy it:

- ``log p(x) = -½ (n log 2π + |L⁻¹(x - μ)|²) - Σᵢ log Lᵢᵢ`` (one triangular solve, no inverse);
- ``H = ½ n (1 + log 2π) + Σᵢ log Lᵢᵢ``;
- ``x = μ + L ε`` with ``ε ~ N(0, I)`` (reparameterised);
- from a precision ``P``: with ``J`` the reversal permutation, ``J P J = F Fᵀ`` (Cholesky), so ``P = U Uᵀ`` with
  ``U = J F J`` upper triangular and ``Σ = P⁻¹ = U⁻ᵀ U⁻¹``: ``L = U⁻ᵀ`` is lower triangular, found by one
  triangular solve against the identity.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import tocha
from tocha import Tensor

from . import constraints
from .distribution import Distribution
from .utils import _standard_normal, lazy_property

__all__ = ["MultivariateNormal"]

_LOG_TWO_PI = math.log(2 * math.pi)


def _batch_mv(bmat: Tensor, bvec: Tensor) -> Tensor:
    """Matrix-vector products ``bmat @ bvec`` over broadcast batch dims: ``(..., n, m)`` and ``(..., m)``."""
    return tocha.matmul(bmat, bvec.unsqueeze(-1)).squeeze(-1)


def _batch_mahalanobis(bmat_l: Tensor, bvec: Tensor) -> Tensor:
    """The squared Mahalanobis distance ``|L⁻¹ x|²`` for lower-triangular ``L`` (``(..., n, n)``), ``x`` (``(..., n)``).

    Leading dims of ``x`` beyond ``L``'s batch dims become extra right-hand sides of one triangular solve, so ``L``
    is never broadcast over a sample batch.
    """
    n = bvec.shape[-1]
    extra = bvec.dim() - bmat_l.dim() + 1
    if extra <= 0:
        solved = tocha.linalg.solve_triangular(bmat_l, bvec.unsqueeze(-1), upper=False)
        return solved.squeeze(-1).pow(2).sum(-1)
    outer = tuple(bvec.shape[:extra])
    inner = tuple(bvec.shape[extra:-1])
    columns = bvec.reshape(-1, *inner, n).movedim(0, -1)  # (*inner, n, k)
    solved = tocha.linalg.solve_triangular(bmat_l, columns, upper=False)
    distances = solved.pow(2).sum(-2)  # (*broadcast(inner, L batch), k)
    return distances.movedim(-1, 0).reshape(*outer, *distances.shape[:-1])


def _precision_to_scale_tril(precision: Tensor) -> Tensor:
    """The lower Cholesky factor of ``precision⁻¹`` (NOTE [ Multivariate normal algebra ])."""
    flipped_factor = tocha.linalg.cholesky(tocha.flip(precision, (-2, -1)))
    upper_t = tocha.flip(flipped_factor, (-2, -1)).mT  # Uᵀ, lower triangular
    eye = tocha.eye(precision.shape[-1], dtype=precision.dtype, device=precision.device)
    return tocha.linalg.solve_triangular(upper_t, eye, upper=False)


class MultivariateNormal(Distribution):
    """The multivariate normal distribution of mean ``loc`` and a positive-definite covariance.

    Give exactly one of ``covariance_matrix`` (``Σ``), ``precision_matrix`` (``Σ⁻¹``) or ``scale_tril`` (the lower
    Cholesky factor ``L`` of ``Σ = L Lᵀ``, positive diagonal); the others are derived on first access. ``scale_tril``
    is the cheapest: the others are factorised first. The density is

    ``p(x) = (2π)^(-n/2) |Σ|^(-1/2) exp(-½ (x - μ)ᵀ Σ⁻¹ (x - μ))``.

    ``loc``'s batch dims (all but the last) and the matrix's (all but the last two) broadcast together into
    ``batch_shape``; ``event_shape`` is ``loc``'s last dim.

    Args:
        loc: the mean, ``(*batch, n)``.
        covariance_matrix: a positive-definite covariance, ``(*batch, n, n)``.
        precision_matrix: a positive-definite precision (inverse covariance), ``(*batch, n, n)``.
        scale_tril: a lower-triangular factor of the covariance with positive diagonal, ``(*batch, n, n)``.
        validate_args: check the parameters and ``log_prob``'s values (default: the global setting).

    Raises:
        ValueError: ``loc`` is 0-dim, not exactly one matrix is given, or the matrix has fewer than two dims.

    Example:
        >>> import tocha
        >>> from tocha.distributions import MultivariateNormal
        >>> d = MultivariateNormal(tocha.zeros(2), covariance_matrix=tocha.tensor([[2.0, 1.0], [1.0, 2.0]]))
        >>> d.log_prob(tocha.tensor([1.0, -1.0]))
        tensor(-3.3872)
        >>> d.scale_tril
        tensor([[1.4142, 0.0000],
                [0.7071, 1.2247]])
        >>> d.sample((5,)).shape
        tocha.Size([5, 2])
    """

    arg_constraints = {
        "loc": constraints.real_vector,
        "covariance_matrix": constraints.positive_definite,
        "precision_matrix": constraints.positive_definite,
        "scale_tril": constraints.lower_cholesky,
    }
    support = constraints.real_vector
    has_rsample = True

    def __init__(
        self,
        loc: Tensor,
        covariance_matrix: Tensor | None = None,
        precision_matrix: Tensor | None = None,
        scale_tril: Tensor | None = None,
        validate_args: bool | None = None,
    ) -> None:
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        if (covariance_matrix is not None) + (scale_tril is not None) + (precision_matrix is not None) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.")
        if scale_tril is not None:
            if scale_tril.dim() < 2:
                raise ValueError(
                    "scale_tril matrix must be at least two-dimensional, with optional leading batch dimensions"
                )
            matrix = scale_tril
        elif covariance_matrix is not None:
            if covariance_matrix.dim() < 2:
                raise ValueError(
                    "covariance_matrix must be at least two-dimensional, with optional leading batch dimensions"
                )
            matrix = covariance_matrix
        else:
            assert precision_matrix is not None
            if precision_matrix.dim() < 2:
                raise ValueError(
                    "precision_matrix must be at least two-dimensional, with optional leading batch dimensions"
                )
            matrix = precision_matrix
        batch_shape = tocha.broadcast_shapes(tuple(matrix.shape[:-2]), tuple(loc.shape[:-1]))
        expanded = matrix.expand(*batch_shape, -1, -1)
        if scale_tril is not None:
            self.scale_tril = expanded
        elif covariance_matrix is not None:
            self.covariance_matrix = expanded
        else:
            self.precision_matrix = expanded
        self.loc = loc.expand(*batch_shape, -1)
        super().__init__(batch_shape, self.loc.shape[-1:], validate_args=validate_args)
        if scale_tril is not None:
            self._unbroadcasted_scale_tril = scale_tril
        elif covariance_matrix is not None:
            self._unbroadcasted_scale_tril = tocha.linalg.cholesky(covariance_matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(matrix)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> MultivariateNormal:
        new = self._get_checked_instance(MultivariateNormal, _instance)
        shape = tocha.Size(batch_shape)
        matrix_shape = (*shape, *self._event_shape, *self._event_shape)
        new.loc = self.loc.expand(*shape, *self._event_shape)
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril
        for name in ("covariance_matrix", "scale_tril", "precision_matrix"):
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(matrix_shape))
        super(MultivariateNormal, new).__init__(shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new  # type: ignore[no-any-return]

    @lazy_property
    def scale_tril(self) -> Tensor:
        """The lower Cholesky factor ``L`` of the covariance, ``(*batch, n, n)``."""
        return self._unbroadcasted_scale_tril.expand(*self._batch_shape, *self._event_shape, *self._event_shape)

    @lazy_property
    def covariance_matrix(self) -> Tensor:
        """The covariance ``Σ = L Lᵀ``, ``(*batch, n, n)``."""
        lower = self._unbroadcasted_scale_tril
        return tocha.matmul(lower, lower.mT).expand(*self._batch_shape, *self._event_shape, *self._event_shape)

    @lazy_property
    def precision_matrix(self) -> Tensor:
        """The precision ``Σ⁻¹ = L⁻ᵀ L⁻¹``, ``(*batch, n, n)``."""
        lower = self._unbroadcasted_scale_tril
        return tocha.cholesky_inverse(lower).expand(*self._batch_shape, *self._event_shape, *self._event_shape)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        return self._unbroadcasted_scale_tril.pow(2).sum(-1).expand(*self._batch_shape, *self._event_shape)

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        eps = _standard_normal(shape, dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + _batch_mv(self._unbroadcasted_scale_tril, eps)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        diff = value - self.loc
        mahalanobis = _batch_mahalanobis(self._unbroadcasted_scale_tril, diff)
        half_log_det = self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        return -0.5 * (self._event_shape[0] * _LOG_TWO_PI + mahalanobis) - half_log_det

    def entropy(self) -> Tensor:
        half_log_det = self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        entropy = 0.5 * self._event_shape[0] * (1.0 + _LOG_TWO_PI) + half_log_det
        return entropy if len(self._batch_shape) == 0 else entropy.expand(self._batch_shape)
