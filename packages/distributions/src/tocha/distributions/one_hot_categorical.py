"""The one-hot categorical distribution, and its straight-through reparameterised variant."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import tocha
from tocha import Tensor

from . import constraints
from ._functional import one_hot
from .categorical import Categorical
from .distribution import Distribution
from .kl import kl_divergence, register_kl

__all__ = ["OneHotCategorical", "OneHotCategoricalStraightThrough"]


class OneHotCategorical(Distribution):
    """A :class:`Categorical` draw written as a one-hot vector of length ``K`` (the event shape is ``(K,)``).

    Args:
        probs: the (unnormalised) event probabilities, at least 1-D.
        logits: the (unnormalised) event log-probabilities, at least 1-D.
        validate_args: check the parameters and ``log_prob``'s values (default: the global setting).

    Example:
        >>> import tocha
        >>> from tocha.distributions import OneHotCategorical
        >>> d = OneHotCategorical(probs=tocha.tensor([0.25, 0.75]))
        >>> d.event_shape, d.sample().sum().item()
        (tocha.Size([2]), 1.0)
        >>> d.log_prob(tocha.tensor([0.0, 1.0])).exp()
        tensor(0.7500)
        >>> d.enumerate_support()
        tensor([[1., 0.],
                [0., 1.]])
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(constraints.real, 1)}
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(
        self,
        probs: Tensor | None = None,
        logits: Tensor | None = None,
        validate_args: bool | None = None,
    ) -> None:
        self._categorical = Categorical(probs, logits)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> OneHotCategorical:
        new = self._get_checked_instance(OneHotCategorical, _instance)
        shape = tocha.Size(batch_shape)
        new._categorical = self._categorical.expand(shape)
        super(OneHotCategorical, new).__init__(shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new  # type: ignore[no-any-return]

    def _new(self, *args: Any, **kwargs: Any) -> Tensor:
        return self._categorical._new(*args, **kwargs)

    @property
    def _param(self) -> Tensor:
        return self._categorical._param

    @property
    def probs(self) -> Tensor:
        """The normalised probabilities."""
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        """The normalised log-probabilities."""
        return self._categorical.logits

    @property
    def param_shape(self) -> tocha.Size:
        """The shape of the parameter the distribution was built from (``batch_shape + (K,)``)."""
        return self._categorical.param_shape

    @property
    def mean(self) -> Tensor:
        """``probs``."""
        return self._categorical.probs

    @property
    def mode(self) -> Tensor:
        """The one-hot vector of the most probable category."""
        probs = self._categorical.probs
        return one_hot(probs.argmax(dim=-1), probs.shape[-1], probs.dtype)

    @property
    def variance(self) -> Tensor:
        """``probs * (1 - probs)``, per component."""
        probs = self._categorical.probs
        return probs * (1 - probs)

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """``sample_shape + batch_shape + (K,)`` one-hot vectors of the probabilities' dtype."""
        probs = self._categorical.probs
        indices = self._categorical.sample(sample_shape)
        return one_hot(indices, self._categorical._num_events, probs.dtype)

    def log_prob(self, value: Tensor) -> Tensor:
        """The categorical log-probability of the category ``value`` marks."""
        if self._validate_args:
            self._validate_sample(value)
        return self._categorical.log_prob(value.argmax(dim=-1))

    def entropy(self) -> Tensor:
        """The entropy of the underlying :class:`Categorical`."""
        return self._categorical.entropy()

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """The ``K`` one-hot vectors along a new leading dim (expanded over the batch if ``expand``)."""
        n = self._event_shape[0]
        values = tocha.eye(n, dtype=self._param.dtype, device=self._param.device)
        values = values.view(n, *(1,) * len(self._batch_shape), n)
        return values.expand(n, *self._batch_shape, n) if expand else values


class OneHotCategoricalStraightThrough(OneHotCategorical):
    """:class:`OneHotCategorical` whose ``rsample`` passes the straight-through gradient (Bengio et al., 2013).

    ``rsample`` returns the one-hot sample ``x`` in the forward pass; its gradient w.r.t. the parameters is that
    of ``probs``: ``x + probs - probs.detach()``.

    Example:
        >>> import tocha
        >>> from tocha.distributions import OneHotCategoricalStraightThrough
        >>> logits = tocha.tensor([0.0, 1.0], requires_grad=True)
        >>> x = OneHotCategoricalStraightThrough(logits=logits).rsample()
        >>> x.sum().item(), x.requires_grad
        (1.0, True)
    """

    has_rsample = True

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """A one-hot sample carrying the gradient of ``probs`` (straight-through estimator)."""
        samples = self.sample(sample_shape)
        probs = self._categorical.probs
        return samples + (probs - probs.detach())


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehotcategorical_onehotcategorical(p: OneHotCategorical, q: OneHotCategorical) -> Tensor:
    return kl_divergence(p._categorical, q._categorical)
