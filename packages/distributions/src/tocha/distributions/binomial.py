"""The binomial distribution."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import tocha
from tocha import Tensor

from . import constraints
from .distribution import Distribution
from .kl import register_kl
from .utils import (
    _count_and_probs_or_logits,
    _expand_probs_logits,
    lazy_property,
    logits_to_probs,
    probs_to_logits,
)

__all__ = ["Binomial"]


def _clamp_by_zero(x: Tensor) -> Tensor:
    """``max(x, 0)`` whose gradient at 0 is 1/2 (the mean of the one-sided slopes), as PyTorch's."""
    return (x.clamp(min=0) + x - x.clamp(max=0)) / 2


class Binomial(Distribution):
    """The number of successes in ``total_count`` independent trials that each succeed with probability ``probs``.

    Give exactly one of ``probs`` and ``logits`` (``probs = sigmoid(logits)``); ``total_count`` (an int or a
    tensor of non-negative integers) broadcasts with it.

    .. math::
        P(k) = \\binom{n}{k} p^k (1 - p)^{n - k}

    Args:
        total_count: the number of trials ``n`` (default 1).
        probs: the success probability, in ``[0, 1]``.
        logits: the log-odds of success.
        validate_args: check the parameters and ``log_prob``'s values (default: the global setting).

    Example:
        >>> import tocha
        >>> from tocha.distributions import Binomial
        >>> d = Binomial(4, probs=tocha.tensor([0.5, 0.25]))
        >>> d.mean, d.variance
        (tensor([2., 1.]), tensor([1.0000, 0.7500]))
        >>> d.log_prob(tocha.tensor([2.0, 0.0])).exp()
        tensor([0.3750, 0.3164])
    """

    arg_constraints = {
        "total_count": constraints.nonnegative_integer,
        "probs": constraints.unit_interval,
        "logits": constraints.real,
    }
    has_enumerate_support = True

    def __init__(
        self,
        total_count: Tensor | int = 1,
        probs: Tensor | float | None = None,
        logits: Tensor | float | None = None,
        validate_args: bool | None = None,
    ) -> None:
        self.total_count, self._param = _count_and_probs_or_logits(self, total_count, probs, logits)
        super().__init__(self._param.shape, validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> Binomial:
        new = self._get_checked_instance(Binomial, _instance)
        shape = tocha.Size(batch_shape)
        new.total_count = self.total_count.expand(shape)
        _expand_probs_logits(self, new, shape)
        super(Binomial, new).__init__(shape, validate_args=False)
        new._validate_args = self._validate_args
        return new  # type: ignore[no-any-return]

    def _new(self, *args: Any, **kwargs: Any) -> Tensor:
        return self._param.new(*args, **kwargs)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> constraints.Constraint:
        """The integers ``0, ..., total_count``."""
        return constraints.integer_interval(0, self.total_count)

    @property
    def mean(self) -> Tensor:
        """``n p``."""
        return self.total_count * self.probs

    @property
    def mode(self) -> Tensor:
        """``floor((n + 1) p)``, at most ``n``."""
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self) -> Tensor:
        """``n p (1 - p)``."""
        return self.total_count * self.probs * (1 - self.probs)

    @lazy_property
    def logits(self) -> Tensor:
        """The log-odds of success ``log(p / (1 - p))``."""
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        """The success probability."""
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self) -> tocha.Size:
        """The shape of the parameter the distribution was built from."""
        return self._param.shape

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """Success counts (of the parameters' dtype), drawn with ``tocha.binomial``."""
        shape = self._extended_shape(sample_shape)
        with tocha.no_grad():
            return tocha.binomial(self.total_count.expand(shape), self.probs.expand(shape))

    def log_prob(self, value: Tensor) -> Tensor:
        """``log C(n, k) + k logit - n log(1 + exp(logit))``, with the normaliser written to avoid overflow."""
        if self._validate_args:
            self._validate_sample(value)
        n, logits = self.total_count, self.logits
        log_binomial = tocha.lgamma(n + 1) - tocha.lgamma(value + 1) - tocha.lgamma(n - value + 1)
        # n log(1 + e^l) = n max(l, 0) + n log1p(e^{-|l|}): finite for any logit; and 0 at n = 0 even at l = inf
        log_normalizer = n * _clamp_by_zero(logits) + n * tocha.log1p(tocha.exp(-logits.abs()))
        return value * logits + log_binomial - log_normalizer

    def entropy(self) -> Tensor:
        """``-sum_k P(k) log P(k)`` by enumeration (needs one ``total_count`` for the whole batch)."""
        total_count = int(self.total_count.max().item()) if self.total_count.numel() else 0
        if not bool(tocha.eq(self.total_count, total_count).all()):
            raise NotImplementedError("Inhomogeneous total count not supported by `entropy`.")
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(tocha.exp(log_prob) * log_prob).sum(0)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """The counts ``0, ..., n`` along a new leading dim (needs one ``total_count`` for the whole batch)."""
        total_count = int(self.total_count.max().item()) if self.total_count.numel() else 0
        if not bool(tocha.eq(self.total_count, total_count).all()):
            raise NotImplementedError("Inhomogeneous total count not supported by `enumerate_support`.")
        values = tocha.arange(1 + total_count, dtype=self._param.dtype, device=self._param.device)
        values = values.view(-1, *(1,) * len(self._batch_shape))
        return values.expand(-1, *self._batch_shape) if expand else values


@register_kl(Binomial, Binomial)
def _kl_binomial_binomial(p: Binomial, q: Binomial) -> Tensor:
    # Only p.total_count == q.total_count has a finite closed form here, as PyTorch
    if bool(tocha.lt(p.total_count, q.total_count).any()):
        raise NotImplementedError("KL between Binomials where q.total_count > p.total_count is not implemented")
    n = p.total_count
    kl = n * (p.probs * (p.logits - q.logits) + tocha.log1p(-p.probs) - tocha.log1p(-q.probs))
    return tocha.where(tocha.gt(p.total_count, q.total_count), tocha.full_like(kl, float("inf")), kl)
