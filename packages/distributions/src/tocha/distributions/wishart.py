"""The Wishart distribution over positive-definite matrices.

NOTE [ Wishart algebra ]
For ``X ~ W_p(nu, Σ)`` with ``Σ = L Lᵀ`` (``L`` lower Cholesky) and ``nu > p - 1``:

- density: ``log p(X) = ½(nu - p - 1) log|X| - ½ tr(Σ⁻¹ X) - ½ nu p log 2 - nu Σᵢ log Lᵢᵢ - log Γ_p(nu/2)``,
  with ``Γ_p`` the multivariate gamma function (``tocha.mvlgamma``);
- Bartlett decomposition: ``X = (L A)(L A)ᵀ`` with ``A`` lower triangular, ``Aᵢᵢ = √cᵢ``, ``cᵢ ~ χ²(nu - i)``
  (``i = 0..p-1``) and ``Aᵢⱼ ~ N(0, 1)`` below the diagonal. The chi-squared draws are reparameterised (implicit
  gamma gradients), so ``rsample`` passes gradients to ``nu`` and ``Σ``;
- entropy: ``½(p + 1) log|Σ| + ½ p (p + 1) log 2 + log Γ_p(nu/2) - ½(nu - p - 1) ψ_p(nu/2) + ½ nu p``, with
  ``ψ_p(a) = Σᵢ ψ(a - i/2)`` (``i = 0..p-1``);
- moments: ``E[X] = nu Σ``, ``Var[Xᵢⱼ] = nu (Σᵢⱼ² + Σᵢᵢ Σⱼⱼ)``, mode ``(nu - p - 1) Σ`` when ``nu > p + 1``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import tocha
from tocha import Tensor

from . import constraints
from .chi2 import Chi2
from .exp_family import ExponentialFamily
from .multivariate_normal import _precision_to_scale_tril
from .utils import lazy_property

__all__ = ["Wishart"]

_LOG_TWO = math.log(2.0)


def _multivariate_digamma(x: Tensor, p: int) -> Tensor:
    """``ψ_p(x) = Σᵢ ψ(x - i/2)`` for ``i = 0..p-1`` (the derivative of ``log Γ_p``)."""
    offsets = tocha.arange(p, dtype=x.dtype, device=x.device) / 2
    return tocha.digamma(x.unsqueeze(-1) - offsets).sum(-1)


class Wishart(ExponentialFamily):
    """The Wishart distribution of ``df`` (``nu``) degrees of freedom and scale matrix ``Σ``.

    Give ``df > p - 1`` and exactly one of ``covariance_matrix`` (``Σ``), ``precision_matrix`` (``Σ⁻¹``) or
    ``scale_tril`` (the lower Cholesky factor of ``Σ``); the others are derived on first access. A draw is a
    ``p x p`` positive-definite matrix, the scatter matrix ``Σₖ zₖ zₖᵀ`` of ``nu`` draws ``zₖ ~ N(0, Σ)`` for
    integer ``nu``. NOTE [ Wishart algebra ] gives the formulas.

    Args:
        df: the degrees of freedom, greater than ``p - 1``; batch dims broadcast with the matrix's.
        covariance_matrix: the positive-definite scale matrix, ``(*batch, p, p)``.
        precision_matrix: its inverse, ``(*batch, p, p)``.
        scale_tril: its lower Cholesky factor (positive diagonal), ``(*batch, p, p)``.
        validate_args: check the parameters and ``log_prob``'s values (default: the global setting).

    Raises:
        AssertionError: not exactly one matrix is given (as in PyTorch).
        ValueError: the matrix has fewer than two dims, or ``df <= p - 1``.

    Example:
        >>> import tocha
        >>> from tocha.distributions import Wishart
        >>> d = Wishart(tocha.tensor(4.0), covariance_matrix=tocha.eye(2))
        >>> d.mean
        tensor([[4., 0.],
                [0., 4.]])
        >>> d.log_prob(2 * tocha.eye(2))
        tensor(-4.5310)
    """

    arg_constraints = {
        "covariance_matrix": constraints.positive_definite,
        "precision_matrix": constraints.positive_definite,
        "scale_tril": constraints.lower_cholesky,
        "df": constraints.greater_than(0),
    }
    support = constraints.positive_definite
    has_rsample = True
    _mean_carrier_measure = 0

    def __init__(
        self,
        df: Tensor | float,
        covariance_matrix: Tensor | None = None,
        precision_matrix: Tensor | None = None,
        scale_tril: Tensor | None = None,
        validate_args: bool | None = None,
    ) -> None:
        if (covariance_matrix is not None) + (scale_tril is not None) + (precision_matrix is not None) != 1:
            raise AssertionError("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.")
        matrix = next(m for m in (scale_tril, covariance_matrix, precision_matrix) if m is not None)
        if matrix.dim() < 2:
            raise ValueError("scale_tril must be at least two-dimensional, with optional leading batch dimensions")
        if not isinstance(df, Tensor):
            batch_shape = tocha.Size(matrix.shape[:-2])
            self.df = tocha.tensor(df, dtype=matrix.dtype, device=matrix.device)
        else:
            batch_shape = tocha.Size(tocha.broadcast_shapes(tuple(matrix.shape[:-2]), tuple(df.shape)))
            self.df = df.expand(batch_shape)
        event_shape = tocha.Size(matrix.shape[-2:])
        p = event_shape[-1]
        if bool(self.df.le(p - 1).any()):
            raise ValueError(f"Value of df={df} expected to be greater than ndim - 1 = {p - 1}.")
        expanded = matrix.expand(*batch_shape, -1, -1)
        if scale_tril is not None:
            self.scale_tril = expanded
        elif covariance_matrix is not None:
            self.covariance_matrix = expanded
        else:
            self.precision_matrix = expanded
        self.arg_constraints = {**type(self).arg_constraints, "df": constraints.greater_than(p - 1)}
        super().__init__(batch_shape, event_shape, validate_args=validate_args)
        if scale_tril is not None:
            self._unbroadcasted_scale_tril = scale_tril
        elif covariance_matrix is not None:
            self._unbroadcasted_scale_tril = tocha.linalg.cholesky(covariance_matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(matrix)
        if bool(self.df.lt(p).any()):
            warnings.warn(
                "Low df values detected. Singular samples are highly likely to occur for ndim - 1 < df < ndim.",
                UserWarning,
                stacklevel=2,
            )
        self._dist_chi2 = self._make_chi2()

    def _make_chi2(self) -> Chi2:
        """The ``p`` chi-squared laws ``χ²(nu - i)`` of the Bartlett diagonal, batch shape ``(*batch, p)``."""
        p = self._event_shape[-1]
        offsets = tocha.arange(p, dtype=self.df.dtype, device=self.df.device)
        return Chi2((self.df.unsqueeze(-1) - offsets).expand(*self._batch_shape, p), validate_args=False)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> Wishart:
        new = self._get_checked_instance(Wishart, _instance)
        shape = tocha.Size(batch_shape)
        matrix_shape = (*shape, *self._event_shape)
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril
        new.df = self.df.expand(shape)
        for name in ("covariance_matrix", "scale_tril", "precision_matrix"):
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(matrix_shape))
        new.arg_constraints = self.arg_constraints
        new._dist_chi2 = self._dist_chi2.expand((*shape, self._event_shape[-1]))
        super(Wishart, new).__init__(shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new  # type: ignore[no-any-return]

    @lazy_property
    def scale_tril(self) -> Tensor:
        """The lower Cholesky factor ``L`` of the scale matrix, ``(*batch, p, p)``."""
        return self._unbroadcasted_scale_tril.expand(*self._batch_shape, *self._event_shape)

    @lazy_property
    def covariance_matrix(self) -> Tensor:
        """The scale matrix ``Σ = L Lᵀ``, ``(*batch, p, p)``."""
        lower = self._unbroadcasted_scale_tril
        return tocha.matmul(lower, lower.mT).expand(*self._batch_shape, *self._event_shape)

    @lazy_property
    def precision_matrix(self) -> Tensor:
        """The inverse scale matrix ``Σ⁻¹``, ``(*batch, p, p)``."""
        return tocha.cholesky_inverse(self._unbroadcasted_scale_tril).expand(*self._batch_shape, *self._event_shape)

    def _df_matrix(self) -> Tensor:
        """``df`` with two trailing size-1 dims, to scale a batch of matrices."""
        return self.df.reshape(*self.df.shape, 1, 1)

    @property
    def mean(self) -> Tensor:
        return self._df_matrix() * self.covariance_matrix

    @property
    def mode(self) -> Tensor:
        """``(nu - p - 1) Σ``; NaN where ``nu <= p + 1`` (no mode of the density)."""
        factor = self.df - self._event_shape[-1] - 1
        factor = tocha.where(factor > 0, factor, tocha.full_like(factor, float("nan")))
        return factor.reshape(*factor.shape, 1, 1) * self.covariance_matrix

    @property
    def variance(self) -> Tensor:
        covariance = self.covariance_matrix
        diagonal = covariance.diagonal(dim1=-2, dim2=-1)
        return self._df_matrix() * (covariance.pow(2) + diagonal.unsqueeze(-1) * diagonal.unsqueeze(-2))

    def _bartlett_sample(self, sample_shape: tocha.Size) -> Tensor:
        """One Bartlett draw ``(L A)(L A)ᵀ`` per sample and batch element (NOTE [ Wishart algebra ])."""
        p = self._event_shape[-1]
        chi2 = self._dist_chi2.rsample(sample_shape)  # (*sample, *batch, p)
        tiny = tocha.finfo(chi2.dtype).tiny
        diagonal = chi2.sqrt()
        diagonal = diagonal + (diagonal.detach().clamp(min=tiny) - diagonal.detach())
        below = tocha.randn((*sample_shape, *self._batch_shape, p, p), dtype=chi2.dtype, device=chi2.device)
        factor = below.tril(-1) + tocha.diag_embed(diagonal)
        lower = tocha.matmul(self._unbroadcasted_scale_tril, factor)
        return tocha.matmul(lower, lower.mT)

    def rsample(self, sample_shape: Sequence[int] = (), max_try_correction: int | None = None) -> Tensor:
        """Reparameterised draws by the Bartlett decomposition.

        Draws that come out numerically singular (possible for ``df`` near ``p - 1``) are redrawn, up to
        ``max_try_correction`` times (default 10); a ``UserWarning`` says when some remain singular.
        """
        tries = 10 if max_try_correction is None else max_try_correction
        shape = tocha.Size(sample_shape)
        sample = self._bartlett_sample(shape)
        for _ in range(tries):
            singular = tocha.logical_not(self.support.check(sample.detach()))
            if not bool(singular.any()):
                return sample
            redrawn = self._bartlett_sample(shape)
            sample = tocha.where(singular.unsqueeze(-1).unsqueeze(-1), redrawn, sample)
        if not bool(self.support.check(sample.detach()).all()):
            warnings.warn("Singular sample detected.", UserWarning, stacklevel=2)
        return sample

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        nu, p = self.df, self._event_shape[-1]
        lower = self._unbroadcasted_scale_tril
        half_log_det_scale = lower.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        batch = tocha.broadcast_shapes(tuple(lower.shape[:-2]), tuple(value.shape[:-2]))
        lower_b = lower.expand(*batch, p, p)
        # tr(Σ⁻¹ X) = tr(L⁻¹ (L⁻¹ X)ᵀ)
        first = tocha.linalg.solve_triangular(lower_b, value.expand(*batch, p, p), upper=False)
        trace = tocha.linalg.solve_triangular(lower_b, first.mT, upper=False).diagonal(dim1=-2, dim2=-1).sum(-1)
        return (
            -nu * (0.5 * p * _LOG_TWO + half_log_det_scale)
            - tocha.mvlgamma(0.5 * nu, p)
            + 0.5 * (nu - p - 1) * tocha.logdet(value)
            - 0.5 * trace
        )

    def entropy(self) -> Tensor:
        nu, p = self.df, self._event_shape[-1]
        half_log_det_scale = self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        return (
            (p + 1) * (0.5 * p * _LOG_TWO + half_log_det_scale)
            + tocha.mvlgamma(0.5 * nu, p)
            - 0.5 * (nu - p - 1) * _multivariate_digamma(0.5 * nu, p)
            + 0.5 * nu * p
        )

    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        return (-0.5 * self.precision_matrix, 0.5 * (self.df.expand(self._batch_shape) - self._event_shape[-1] - 1))

    def _log_normalizer(self, *natural_params: Tensor) -> Tensor:
        # with nu = 2 η₂ + p + 1 and Σ = (-2 η₁)⁻¹: A = ½ nu log|Σ| + ½ nu p log 2 + log Γ_p(nu/2)
        eta1, eta2 = natural_params
        p = self._event_shape[-1]
        half_nu = eta2 + 0.5 * (p + 1)
        return -half_nu * tocha.logdet(-2 * eta1) + half_nu * p * _LOG_TWO + tocha.mvlgamma(half_nu, p)
