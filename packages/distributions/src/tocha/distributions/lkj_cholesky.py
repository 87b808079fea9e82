"""The LKJ distribution over Cholesky factors of correlation matrices.

NOTE [ LKJ Cholesky density and onion sampler ]
For a correlation matrix ``C = L Lᵀ`` of size ``d`` and concentration ``η``, LKJ's density ``∝ det(C)^(η-1)``
becomes, on the lower Cholesky factor ``L`` (rows of unit norm, positive diagonal), with ``i = 1..d-1``
(0-based rows; row 0 is ``e₀``) and ``wᵢ`` the ``i`` entries of row ``i`` left of the diagonal:

``p(L) ∝ Πᵢ Lᵢᵢ^(d - i - 3 + 2η) = Πᵢ (1 - |wᵢ|²)^(βᵢ - 1)``, ``βᵢ = η + (d - 1 - i)/2``.

So the rows are independent, row ``i`` with density ``∝ (1 - |w|²)^(βᵢ - 1)`` on the unit ``i``-ball. Its
normaliser is ``π^(i/2) Γ(βᵢ) / Γ(βᵢ + i/2)``, and ``βᵢ + i/2 = η + (d-1)/2`` for every row, so

``log Z = ¼ d (d - 1) log π + Σₘ log Γ(η + m/2) - (d - 1) log Γ(η + (d - 1)/2)`` (``m = 0..d-2``).

Sampling (the onion method of Lewandowski, Kurowicka and Joe, 2009, written for the factor): the squared radius
``|wᵢ|²`` of such a row is ``Beta(i/2, βᵢ)`` and its direction uniform, so ``wᵢ = √y · u`` with
``y ~ Beta(i/2, βᵢ)``, ``u`` a normalised Gaussian vector, and ``Lᵢᵢ = √(1 - y)``.

PyTorch's sampler draws ``y`` from ``Beta(i - 1/2, βᵢ)`` instead, which matches the above only for ``i = 1``:
its correlations in rows 2 and below are too spread out (for ``d = 3``, ``η = 1`` the variance of ``C₀₂`` is 0.30
where LKJ's exchangeable marginals give 0.25). We sample the distribution whose ``log_prob`` both libraries
compute.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import tocha
from tocha import Tensor

from . import constraints
from .beta import Beta
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["LKJCholesky"]


class LKJCholesky(Distribution):
    """The LKJ distribution of concentration ``η`` over lower Cholesky factors ``L`` of ``dim x dim`` correlation
    matrices.

    The correlation matrix ``C = L Lᵀ`` has density ``∝ det(C)^(η - 1)``: ``η = 1`` is uniform over correlation
    matrices, ``η > 1`` favours near-identity ones, ``η < 1`` strong correlations. NOTE [ LKJ Cholesky density
    and onion sampler ] gives the density on ``L`` and the sampler. There is no ``rsample``.

    Args:
        dim: the matrix size, at least 2.
        concentration: ``η``, positive; its shape is the batch shape.
        validate_args: check the parameters and ``log_prob``'s values (default: the global setting).

    Raises:
        ValueError: ``dim < 2``, or (with validation) a non-positive concentration.

    Example:
        >>> import tocha
        >>> from tocha.distributions import LKJCholesky
        >>> d = LKJCholesky(3, tocha.tensor([0.5, 2.0]))
        >>> d.log_prob(tocha.eye(3))
        tensor([-2.5310, -0.6155])
        >>> d.batch_shape, d.event_shape
        (tocha.Size([2]), tocha.Size([3, 3]))
    """

    arg_constraints = {"concentration": constraints.positive}
    support = constraints.corr_cholesky

    def __init__(self, dim: int, concentration: Tensor | float = 1.0, validate_args: bool | None = None) -> None:
        if dim < 2:
            raise ValueError(f"Expected dim to be an integer greater than or equal to 2. Found dim={dim}.")
        self.dim = dim
        (self.concentration,) = broadcast_all(concentration)
        super().__init__(self.concentration.shape, (dim, dim), validate_args=validate_args)
        self._beta = self._row_radius_laws()

    def _row_radius_laws(self) -> Beta:
        """The laws of the squared radii ``|wᵢ|²``: ``Beta(i/2, η + (d - 1 - i)/2)``, batch shape ``(*batch, d)``.

        Row 0 has no free entries; it gets row 1's law (its draw is multiplied by a zero vector).
        """
        conc = self.concentration
        rows = tocha.arange(self.dim, dtype=conc.dtype, device=conc.device).clamp(min=1)
        concentration1 = (0.5 * rows).expand(*conc.shape, self.dim)
        concentration0 = conc.unsqueeze(-1) + 0.5 * (self.dim - 1 - rows)
        return Beta(concentration1, concentration0, validate_args=False)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> LKJCholesky:
        new = self._get_checked_instance(LKJCholesky, _instance)
        shape = tocha.Size(batch_shape)
        new.dim = self.dim
        new.concentration = self.concentration.expand(shape)
        new._beta = self._beta.expand((*shape, self.dim))
        super(LKJCholesky, new).__init__(shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new  # type: ignore[no-any-return]

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """Onion-method draws of ``sample_shape + batch_shape`` Cholesky factors (NOTE [ LKJ Cholesky ... ])."""
        shape = self._extended_shape(sample_shape)
        with tocha.no_grad():
            radius_sq = self._beta.sample(sample_shape).unsqueeze(-1)  # (*sample, *batch, d, 1)
            gaussian = tocha.randn(tuple(shape), dtype=self.concentration.dtype, device=self.concentration.device)
            gaussian = gaussian.tril(-1)
            norms = tocha.linalg.vector_norm(gaussian, dim=-1, keepdim=True)
            tiny = tocha.finfo(gaussian.dtype).tiny
            direction = gaussian / norms.clamp(min=tiny)  # row 0 is all zeros and stays so
            off_diagonal = radius_sq.sqrt() * direction
            diagonal = (1 - off_diagonal.pow(2).sum(-1)).clamp(min=tiny).sqrt()
            return off_diagonal + tocha.diag_embed(diagonal)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        d = self.dim
        eta = self.concentration
        diagonal = value.diagonal(dim1=-2, dim2=-1)[..., 1:]  # L_ii for i = 1..d-1
        rows = tocha.arange(1, d, dtype=eta.dtype, device=eta.device)
        exponents = 2 * eta.unsqueeze(-1) + (d - 3) - rows
        unnormalised = (exponents * diagonal.log()).sum(-1)
        halves = 0.5 * tocha.arange(d - 1, dtype=eta.dtype, device=eta.device)
        log_normaliser = (
            0.25 * d * (d - 1) * math.log(math.pi)
            + tocha.lgamma(eta.unsqueeze(-1) + halves).sum(-1)
            - (d - 1) * tocha.lgamma(eta + 0.5 * (d - 1))
        )
        return unnormalised - log_normaliser
