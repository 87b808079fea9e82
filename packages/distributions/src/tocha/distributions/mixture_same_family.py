"""Mixtures whose components all come from one (batched) family."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import tocha
from tocha import Tensor

from . import constraints
from .categorical import Categorical
from .distribution import Distribution

__all__ = ["MixtureSameFamily"]


class MixtureSameFamily(Distribution):
    """A mixture of ``K`` components of one family, weighted by a ``Categorical``.

    The rightmost batch dim of ``component_distribution`` (of size ``K``) indexes the components; the mixture's
    batch shape is the component batch shape without it, and its event shape the components'. The density is

    ``p(x) = Σₖ πₖ pₖ(x)``, evaluated in log space: ``log p(x) = logsumexp_k(log πₖ + log pₖ(x))``.

    The moments follow from the law of total variance: ``E[X] = Σₖ πₖ μₖ`` and
    ``Var[X] = Σₖ πₖ σₖ² + Σₖ πₖ (μₖ - E[X])²``. Samples are not reparameterised (``has_rsample`` is False).

    Args:
        mixture_distribution: a ``Categorical`` over the ``K`` components (batch shape broadcastable with the
            component batch shape without its last dim).
        component_distribution: a distribution of batch shape ``(*batch, K)``.
        validate_args: check ``log_prob``'s values against the component support (default: the global setting).

    Raises:
        ValueError: the mixture is not a ``Categorical``, the component is not a ``Distribution``, or the shapes
            do not match.

    Example:
        >>> import tocha
        >>> from tocha.distributions import Categorical, MixtureSameFamily, Normal
        >>> mix = Categorical(probs=tocha.tensor([0.25, 0.75]))
        >>> d = MixtureSameFamily(mix, Normal(tocha.tensor([-1.0, 1.0]), tocha.tensor([1.0, 1.0])))
        >>> d.mean, d.variance
        (tensor(0.5000), tensor(1.7500))
        >>> d.log_prob(tocha.tensor([0.0, 1.0]))
        tensor([-1.4189, -1.1625])
    """

    arg_constraints: dict[str, constraints.Constraint] = {}
    has_rsample = False

    def __init__(
        self,
        mixture_distribution: Categorical,
        component_distribution: Distribution,
        validate_args: bool | None = None,
    ) -> None:
        self._mixture_distribution = mixture_distribution
        self._component_distribution = component_distribution
        if not isinstance(mixture_distribution, Categorical):
            raise ValueError(" The Mixture distribution needs to be an  instance of torch.distributions.Categorical")
        if not isinstance(component_distribution, Distribution):
            raise ValueError("The Component distribution needs to be an instance of torch.distributions.Distribution")
        mixture_batch = mixture_distribution.batch_shape
        component_batch = tocha.Size(component_distribution.batch_shape[:-1])
        for mixture_size, component_size in zip(reversed(mixture_batch), reversed(component_batch), strict=False):
            if mixture_size != 1 and component_size != 1 and mixture_size != component_size:
                raise ValueError(
                    f"`mixture_distribution.batch_shape` ({mixture_batch}) is not compatible with "
                    f"`component_distribution.batch_shape`({component_batch})"
                )
        num_mixture = mixture_distribution.logits.shape[-1]
        num_component = component_distribution.batch_shape[-1] if len(component_distribution.batch_shape) else None
        if num_component is not None and num_mixture != num_component:
            raise ValueError(
                f"`mixture_distribution component` ({num_mixture}) does not equal "
                f"`component_distribution.batch_shape[-1]` ({num_component})"
            )
        self._num_component = num_mixture
        event_shape = component_distribution.event_shape
        self._event_ndims = len(event_shape)
        super().__init__(component_batch, event_shape, validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> MixtureSameFamily:
        new = self._get_checked_instance(MixtureSameFamily, _instance)
        shape = tocha.Size(batch_shape)
        new._component_distribution = self._component_distribution.expand((*shape, self._num_component))
        new._mixture_distribution = self._mixture_distribution.expand(shape)
        new._num_component = self._num_component
        new._event_ndims = self._event_ndims
        super(MixtureSameFamily, new).__init__(shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new  # type: ignore[no-any-return]

    @constraints.dependent_property
    def support(self) -> constraints.Constraint:
        """The component support, checked with the component dim put back (``MixtureSameFamilyConstraint``)."""
        return constraints.MixtureSameFamilyConstraint(self._component_distribution.support)

    @property
    def mixture_distribution(self) -> Categorical:
        """The ``Categorical`` over the components."""
        return self._mixture_distribution

    @property
    def component_distribution(self) -> Distribution:
        """The batched component distribution (its last batch dim indexes the components)."""
        return self._component_distribution

    def _pad(self, value: Tensor) -> Tensor:
        """``value`` with a size-1 component dim before its event dims."""
        return value.unsqueeze(-1 - self._event_ndims)

    def _mixture_weights(self) -> Tensor:
        """The mixture probabilities with trailing size-1 dims for the event dims: ``(*batch, K, 1, ...)``."""
        probs = self._mixture_distribution.probs
        return probs.reshape(*probs.shape, *(1,) * self._event_ndims)

    @property
    def mean(self) -> Tensor:
        weights = self._mixture_weights()
        return (weights * self._component_distribution.mean).sum(-1 - self._event_ndims)

    @property
    def variance(self) -> Tensor:
        weights = self._mixture_weights()
        component_dim = -1 - self._event_ndims
        component_mean = self._component_distribution.mean
        mean_of_variances = (weights * self._component_distribution.variance).sum(component_dim)
        spread = (component_mean - self._pad(self.mean)).pow(2)
        variance_of_means = (weights * spread).sum(component_dim)
        return mean_of_variances + variance_of_means

    def cdf(self, value: Tensor) -> Tensor:
        """``Σₖ πₖ Fₖ(x)``."""
        component_cdf = self._component_distribution.cdf(self._pad(value))
        return (component_cdf * self._mixture_distribution.probs).sum(-1)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        component_log_prob = self._component_distribution.log_prob(self._pad(value))
        log_weights = tocha.log_softmax(self._mixture_distribution.logits, dim=-1)
        return tocha.logsumexp(component_log_prob + log_weights, dim=-1)

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """Draw a component index per sample and batch element, then that component's draw."""
        sample_shape = tocha.Size(sample_shape)
        with tocha.no_grad():
            indices = self._mixture_distribution.sample(sample_shape)  # (*sample, *batch)
            draws = self._component_distribution.sample(sample_shape)  # (*sample, *batch, K, *event)
            component_dim = len(sample_shape) + len(self._batch_shape)
            index_shape = (*draws.shape[:component_dim], 1, *self._event_shape)
            index = indices.reshape(*indices.shape, *(1,) * (1 + self._event_ndims)).expand(index_shape)
            return tocha.gather(draws, component_dim, index).squeeze(component_dim)

    def __repr__(self) -> str:
        return f"MixtureSameFamily(\n  {self._mixture_distribution},\n  {self._component_distribution})"
