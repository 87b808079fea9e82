"""The negative binomial distribution."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import tocha
from tocha import Tensor

from . import constraints
from ._functional import logsigmoid
from .distribution import Distribution
from .gamma import Gamma
from .utils import (
    _count_and_probs_or_logits,
    _expand_probs_logits,
    lazy_property,
    logits_to_probs,
    probs_to_logits,
)

__all__ = ["NegativeBinomial"]


class NegativeBinomial(Distribution):
    """The number of successes before ``total_count`` failures, in trials that succeed with probability ``probs``.

    Give exactly one of ``probs`` (in ``[0, 1)``) and ``logits`` (``probs = sigmoid(logits)``); ``total_count``
    (positive, real-valued: the Gamma-Poisson mixture extends it past the integers) broadcasts with it.

    .. math::
        P(k) = \\frac{\\Gamma(k + r)}{k!\\, \\Gamma(r)} p^k (1 - p)^r

    Args:
        total_count: the number of failures ``r`` (non-negative).
        probs: the success probability of each trial, in ``[0, 1)``.
        logits: the log-odds of success.
        validate_args: check the parameters and ``log_prob``'s values (default: the global setting).

    Example:
        >>> import tocha
        >>> from tocha.distributions import NegativeBinomial
        >>> d = NegativeBinomial(tocha.tensor([2.0, 3.0]), probs=tocha.tensor([0.5, 0.25]))
        >>> d.mean
        tensor([2., 1.])
        >>> d.log_prob(tocha.tensor([0.0, 1.0])).exp()
        tensor([0.2500, 0.3164])
    """

    arg_constraints = {
        "total_count": constraints.greater_than_eq(0),
        "probs": constraints.half_open_interval(0.0, 1.0),
        "logits": constraints.real,
    }
    support = constraints.nonnegative_integer

    def __init__(
        self,
        total_count: Tensor | float,
        probs: Tensor | float | None = None,
        logits: Tensor | float | None = None,
        validate_args: bool | None = None,
    ) -> None:
        self.total_count, self._param = _count_and_probs_or_logits(self, total_count, probs, logits)
        super().__init__(self._param.shape, validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> NegativeBinomial:
        new = self._get_checked_instance(NegativeBinomial, _instance)
        shape = tocha.Size(batch_shape)
        new.total_count = self.total_count.expand(shape)
        _expand_probs_logits(self, new, shape)
        super(NegativeBinomial, new).__init__(shape, validate_args=False)
        new._validate_args = self._validate_args
        return new  # type: ignore[no-any-return]

    def _new(self, *args: Any, **kwargs: Any) -> Tensor:
        return self._param.new(*args, **kwargs)

    @property
    def mean(self) -> Tensor:
        """``r p / (1 - p)``."""
        return self.total_count * tocha.exp(self.logits)

    @property
    def mode(self) -> Tensor:
        """``floor((r - 1) p / (1 - p))``, at least 0."""
        return ((self.total_count - 1) * tocha.exp(self.logits)).floor().clamp(min=0.0)

    @property
    def variance(self) -> Tensor:
        """``r p / (1 - p)^2``."""
        return self.mean / tocha.sigmoid(-self.logits)

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

    @lazy_property
    def _gamma(self) -> Gamma:
        # the Gamma(r, (1 - p) / p) rate whose Poisson draws are negative binomial
        return Gamma(concentration=self.total_count, rate=tocha.exp(-self.logits), validate_args=False)

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """A Gamma-Poisson mixture: ``Poisson(λ)`` with ``λ ~ Gamma(r, (1 - p) / p)``."""
        with tocha.no_grad():
            rate = self._gamma.sample(sample_shape)
            return tocha.poisson(rate)

    def log_prob(self, value: Tensor) -> Tensor:
        """``r log(1 - p) + k log p + log Γ(k + r) - log k! - log Γ(r)`` (0 at ``k = r = 0``)."""
        if self._validate_args:
            self._validate_sample(value)
        r, logits = self.total_count, self.logits
        log_unnormalized = r * logsigmoid(-logits) + value * logsigmoid(logits)
        log_normalization = -tocha.lgamma(r + value) + tocha.lgamma(1.0 + value) + tocha.lgamma(r)
        # r = k = 0: the lgamma terms are inf - inf; the point mass at 0 has probability 1
        log_normalization = log_normalization.masked_fill(tocha.eq(r + value, 0.0), 0.0)
        return log_unnormalized - log_normalization
