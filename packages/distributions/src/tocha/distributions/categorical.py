"""The categorical distribution over ``{0, ..., K - 1}``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import tocha
from tocha import Tensor

from . import constraints
from .distribution import Distribution
from .kl import register_kl
from .utils import _expand_probs_logits, lazy_property, logits_to_probs, probs_to_logits

__all__ = ["Categorical"]


class Categorical(Distribution):
    """A draw of one of ``K`` categories, with probabilities ``probs`` (or ``softmax(logits)``) over the last dim.

    ``probs`` need only be non-negative (they are divided by their sum) and ``logits`` any real numbers (they are
    shifted by their ``logsumexp``); give exactly one of the two. The last dim indexes the categories, the
    dims before it are the batch. Samples are integer (``int64``) category indices.

    Args:
        probs: the (unnormalised) event probabilities, at least 1-D.
        logits: the (unnormalised) event log-probabilities, at least 1-D.
        validate_args: check the parameters and ``log_prob``'s values (default: the global setting).

    Example:
        >>> import tocha
        >>> from tocha.distributions import Categorical
        >>> d = Categorical(probs=tocha.tensor([1.0, 3.0]))
        >>> d.probs
        tensor([0.2500, 0.7500])
        >>> d.log_prob(tocha.tensor([0, 1])).exp()
        tensor([0.2500, 0.7500])
        >>> d.enumerate_support()
        tensor([0, 1])
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(constraints.real, 1)}
    has_enumerate_support = True

    def __init__(
        self,
        probs: Tensor | None = None,
        logits: Tensor | None = None,
        validate_args: bool | None = None,
    ) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
            self._param = self.probs
        else:
            assert logits is not None
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logits.logsumexp(dim=-1, keepdim=True)
            self._param = self.logits
        self._num_events = self._param.shape[-1]
        batch_shape = self._param.shape[:-1] if self._param.dim() > 1 else tocha.Size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> Categorical:
        new = self._get_checked_instance(Categorical, _instance)
        shape = tocha.Size(batch_shape)
        param_shape = tocha.Size((*shape, self._num_events))
        _expand_probs_logits(self, new, param_shape)
        new._num_events = self._num_events
        super(Categorical, new).__init__(shape, validate_args=False)
        new._validate_args = self._validate_args
        return new  # type: ignore[no-any-return]

    def _new(self, *args: Any, **kwargs: Any) -> Tensor:
        return self._param.new(*args, **kwargs)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> constraints.Constraint:
        """The integers ``0, ..., K - 1``."""
        return constraints.integer_interval(0, self._num_events - 1)

    @lazy_property
    def logits(self) -> Tensor:
        """The normalised log-probabilities ``log(probs)`` (probabilities clamped away from 0)."""
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self) -> Tensor:
        """The normalised probabilities ``softmax(logits)``."""
        return logits_to_probs(self.logits)

    @property
    def param_shape(self) -> tocha.Size:
        """The shape of the parameter the distribution was built from (``batch_shape + (K,)``)."""
        return self._param.shape

    @property
    def mean(self) -> Tensor:
        """Undefined for categories: NaN of the batch shape."""
        return tocha.full(self._extended_shape(), float("nan"), dtype=self.probs.dtype, device=self.probs.device)

    @property
    def mode(self) -> Tensor:
        """The most probable category."""
        return self.probs.argmax(dim=-1)

    @property
    def variance(self) -> Tensor:
        """Undefined for categories: NaN of the batch shape."""
        return tocha.full(self._extended_shape(), float("nan"), dtype=self.probs.dtype, device=self.probs.device)

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """``sample_shape + batch_shape`` category indices (``int64``), drawn with ``tocha.multinomial``."""
        sample_shape = tocha.Size(sample_shape)
        with tocha.no_grad():
            probs_2d = self.probs.reshape(-1, self._num_events)
            draws = tocha.multinomial(probs_2d, sample_shape.numel(), True).T
            return draws.reshape(self._extended_shape(sample_shape))

    def log_prob(self, value: Tensor) -> Tensor:
        """``log(probs[value])``, broadcasting ``value`` against the batch shape."""
        if self._validate_args:
            self._validate_sample(value)
        index = value.long().unsqueeze(-1)
        index, log_pmf = tocha.broadcast_tensors(index, self.logits)
        return log_pmf.gather(-1, index[..., :1]).squeeze(-1)

    def entropy(self) -> Tensor:
        """``-sum(p log p)`` over the categories (logits clamped to the dtype's finite minimum, so ``0 log 0 = 0``)."""
        logits = self.logits.clamp(min=tocha.finfo(self.logits.dtype).min)
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """The categories ``0, ..., K - 1`` along a new leading dim (expanded over the batch if ``expand``)."""
        values = tocha.arange(self._num_events, dtype=tocha.int64, device=self._param.device)
        values = values.view(-1, *(1,) * len(self._batch_shape))
        return values.expand(-1, *self._batch_shape) if expand else values


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p: Categorical, q: Categorical) -> Tensor:
    # sum p (log p - log q): a term is 0 where p is 0, inf where q is 0 but p is not
    terms = p.probs * (p.logits - q.logits)
    terms = tocha.where(tocha.eq(q.probs, 0).expand_as(terms), tocha.full_like(terms, float("inf")), terms)
    terms = tocha.where(tocha.eq(p.probs, 0).expand_as(terms), tocha.zeros_like(terms), terms)
    return terms.sum(-1)
