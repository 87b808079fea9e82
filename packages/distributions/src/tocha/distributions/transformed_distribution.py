"""``TransformedDistribution``: a base distribution pushed through a sequence of transforms.

If ``X ~ base`` and ``Y = f(X)`` for a bijection ``f = t_n ∘ ... ∘ t_1``, then
``log p_Y(y) = log p_X(f⁻¹(y)) - Σ_i log |det J_{t_i}|`` (each Jacobian taken at that step's input). Samples are
the base samples mapped forward, so ``rsample`` passes gradients when the base has one. The event shape follows
the transforms (NOTE [ Transform event dims ] in :mod:`tocha.distributions.transforms`): a transform whose domain
has more event dims than the base's event shape turns base batch dims into event dims.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import tocha
from tocha import Tensor

from . import constraints
from .distribution import Distribution
from .independent import Independent
from .transforms import ComposeTransform, Transform
from .utils import _sum_rightmost

__all__ = ["TransformedDistribution"]


class TransformedDistribution(Distribution):
    """The distribution of ``transforms[-1](...transforms[0](x))`` for ``x ~ base_distribution``.

    Args:
        base_distribution: the distribution of ``x``.
        transforms: a :class:`~tocha.distributions.transforms.Transform` or a list of them (applied in order).
        validate_args: check ``log_prob``'s values against the support (default: the global setting).

    Raises:
        ValueError: ``transforms`` is neither a Transform nor a list of them, or the base distribution has fewer
            dims than the first transform's domain needs.

    Example:
        >>> import tocha
        >>> from tocha.distributions import Normal, TransformedDistribution
        >>> from tocha.distributions.transforms import ExpTransform
        >>> d = TransformedDistribution(Normal(0.0, 1.0), [ExpTransform()])  # a log-normal
        >>> d.log_prob(tocha.tensor(1.0))
        tensor(-0.9189)
        >>> d.cdf(tocha.tensor(1.0))
        tensor(0.5000)
    """

    arg_constraints: dict[str, constraints.Constraint] = {}

    def __init__(
        self,
        base_distribution: Distribution,
        transforms: Transform | Sequence[Transform],
        validate_args: bool | None = None,
    ) -> None:
        if isinstance(transforms, Transform):
            self.transforms = [transforms]
        elif isinstance(transforms, list) and all(isinstance(t, Transform) for t in transforms):
            self.transforms = list(transforms)
        else:
            raise ValueError(f"transforms must be a Transform or list, but was {transforms}")
        base_shape = tocha.Size((*base_distribution.batch_shape, *base_distribution.event_shape))
        base_event_dim = len(base_distribution.event_shape)
        transform = ComposeTransform(self.transforms)
        domain_event_dim = transform.domain.event_dim
        if len(base_shape) < domain_event_dim:
            raise ValueError(
                f"base_distribution needs to have shape with size at least {domain_event_dim}, but got {base_shape}."
            )
        forward_shape = transform.forward_shape(base_shape)
        expanded_base_shape = transform.inverse_shape(forward_shape)
        if base_shape != expanded_base_shape:  # a transform broadcasts the base: expand its batch to match
            base_batch_shape = expanded_base_shape[: len(expanded_base_shape) - base_event_dim]
            base_distribution = base_distribution.expand(base_batch_shape)
        reinterpreted_batch_ndims = domain_event_dim - base_event_dim
        if reinterpreted_batch_ndims > 0:
            base_distribution = Independent(base_distribution, reinterpreted_batch_ndims)
        self.base_dist = base_distribution
        event_dim = transform.codomain.event_dim + max(base_event_dim - domain_event_dim, 0)
        cut = len(forward_shape) - event_dim
        super().__init__(forward_shape[:cut], forward_shape[cut:], validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> TransformedDistribution:
        """The distribution with ``batch_shape`` (the base is expanded to the matching shape)."""
        new = self._get_checked_instance(TransformedDistribution, _instance)
        batch_shape = tocha.Size(batch_shape)
        shape = tocha.Size((*batch_shape, *self.event_shape))
        for t in reversed(self.transforms):
            shape = t.inverse_shape(shape)
        base_batch_shape = shape[: len(shape) - len(self.base_dist.event_shape)]
        new.base_dist = self.base_dist.expand(base_batch_shape)
        new.transforms = self.transforms
        super(TransformedDistribution, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new  # type: ignore[no-any-return]

    @constraints.dependent_property(is_discrete=False)
    def support(self) -> constraints.Constraint:
        """The last transform's codomain (the base's support with no transforms), lifted to the event dims."""
        if not self.transforms:
            return self.base_dist.support  # type: ignore[no-any-return]
        support = self.transforms[-1].codomain
        if len(self.event_shape) > support.event_dim:
            support = constraints.independent(support, len(self.event_shape) - support.event_dim)
        return support

    @property
    def has_rsample(self) -> bool:  # type: ignore[override]
        """Whether the base distribution has ``rsample``."""
        return self.base_dist.has_rsample

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """Base samples mapped through the transforms (no gradient)."""
        with tocha.no_grad():
            x = self.base_dist.sample(sample_shape)
            for t in self.transforms:
                x = t(x)
            return x

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """Reparameterised base samples mapped through the transforms (gradients flow)."""
        x = self.base_dist.rsample(sample_shape)
        for t in self.transforms:
            x = t(x)
        return x

    def log_prob(self, value: Tensor) -> Tensor:
        """``log p_base(f⁻¹(y))`` minus each transform's log-Jacobian, summed over the event dims."""
        if self._validate_args:
            self._validate_sample(value)
        event_dim = len(self.event_shape)
        log_prob: Tensor | float = 0.0
        y = value
        for t in reversed(self.transforms):
            x = t.inv(y)
            event_dim += t.domain.event_dim - t.codomain.event_dim
            log_prob = log_prob - _sum_rightmost(t.log_abs_det_jacobian(x, y), event_dim - t.domain.event_dim)
            y = x
        base = _sum_rightmost(self.base_dist.log_prob(y), event_dim - len(self.base_dist.event_shape))
        return base + log_prob

    def _monotonize_cdf(self, value: Tensor) -> Tensor:
        """``value`` for increasing maps, ``1 - value`` where the composed map decreases."""
        sign: int | Tensor = 1
        for t in self.transforms:
            sign = sign * t.sign
        if isinstance(sign, int) and sign == 1:
            return value
        return sign * (value - 0.5) + 0.5

    def cdf(self, value: Tensor) -> Tensor:
        """The base CDF at ``f⁻¹(value)`` (flipped where ``f`` decreases); monotone scalar transforms only."""
        for t in reversed(self.transforms):
            value = t.inv(value)
        if self._validate_args:
            self.base_dist._validate_sample(value)
        return self._monotonize_cdf(self.base_dist.cdf(value))

    def icdf(self, value: Tensor) -> Tensor:
        """``f(base.icdf(q))`` (with ``1 - q`` where ``f`` decreases); monotone scalar transforms only."""
        value = self.base_dist.icdf(self._monotonize_cdf(value))
        for t in self.transforms:
            value = t(value)
        return value
