"""Relaxed (concrete) Bernoulli distributions: continuous, reparameterised stand-ins for coin flips."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Number
from typing import Any

import tocha
from tocha import Tensor

from . import constraints
from ._functional import softplus
from .distribution import Distribution
from .transformed_distribution import TransformedDistribution
from .transforms import SigmoidTransform
from .utils import _expand_probs_logits, broadcast_all, clamp_probs, lazy_property, logits_to_probs, probs_to_logits

__all__ = ["LogitRelaxedBernoulli", "RelaxedBernoulli"]


class LogitRelaxedBernoulli(Distribution):
    """The logit of a :class:`RelaxedBernoulli` sample: a logistic law of location ``logits / temperature``.

    Samples are ``(logits + log U - log(1 - U)) / temperature`` with ``U`` uniform; the density is
    ``T e^{l - T y} / (1 + e^{l - T y})²`` (``T`` the temperature, ``l`` the logits).

    Args:
        temperature: the relaxation temperature (positive; lower is closer to a coin flip).
        probs: the probability of 1, in ``[0, 1]``.
        logits: the log-odds of 1. Give exactly one of ``probs`` and ``logits``.
        validate_args: check the parameters and ``log_prob``'s values (default: the global setting).

    Example:
        >>> import tocha
        >>> from tocha.distributions.relaxed_bernoulli import LogitRelaxedBernoulli
        >>> d = LogitRelaxedBernoulli(tocha.tensor(1.0), logits=tocha.tensor([0.0]))
        >>> d.log_prob(tocha.tensor([0.0]))
        tensor([-1.3863])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.real

    def __init__(
        self,
        temperature: Tensor,
        probs: Tensor | float | None = None,
        logits: Tensor | float | None = None,
        validate_args: bool | None = None,
    ) -> None:
        self.temperature = temperature
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            is_scalar = isinstance(probs, Number)
            (self.probs,) = broadcast_all(probs)
            self._param = self.probs
        else:
            assert logits is not None
            is_scalar = isinstance(logits, Number)
            (self.logits,) = broadcast_all(logits)
            self._param = self.logits
        super().__init__(() if is_scalar else self._param.shape, validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> LogitRelaxedBernoulli:
        new = self._get_checked_instance(LogitRelaxedBernoulli, _instance)
        shape = tocha.Size(batch_shape)
        new.temperature = self.temperature
        _expand_probs_logits(self, new, shape)
        super(LogitRelaxedBernoulli, new).__init__(shape, validate_args=False)
        new._validate_args = self._validate_args
        return new  # type: ignore[no-any-return]

    def _new(self, *args: Any, **kwargs: Any) -> Tensor:
        return self._param.new(*args, **kwargs)

    @lazy_property
    def logits(self) -> Tensor:
        """The log-odds ``log(p / (1 - p))``."""
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        """The probability of 1."""
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self) -> tocha.Size:
        """The shape of the parameter the distribution was built from."""
        return self._param.shape

    def rsample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """``(logit(p) + logit(U)) / temperature`` with ``U`` uniform (both clamped away from 0 and 1)."""
        shape = self._extended_shape(sample_shape)
        probs = clamp_probs(self.probs.expand(shape))
        u = clamp_probs(tocha.rand(tuple(shape), dtype=probs.dtype, device=probs.device))
        return (u.log() - (-u).log1p() + probs.log() - (-probs).log1p()) / self.temperature

    def log_prob(self, value: Tensor) -> Tensor:
        """``log T + (l - T y) - 2 softplus(l - T y)``."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        diff = logits - value * self.temperature
        return self.temperature.log() + diff - 2 * softplus(diff)


class RelaxedBernoulli(TransformedDistribution):
    """A continuous relaxation of ``Bernoulli`` on ``(0, 1)``: ``sigmoid`` of a :class:`LogitRelaxedBernoulli`.

    Samples concentrate near 0 and 1 as the temperature goes to 0, and are reparameterised (``rsample``).

    Args:
        temperature: the relaxation temperature (positive).
        probs: the probability of 1, in ``[0, 1]``.
        logits: the log-odds of 1. Give exactly one of ``probs`` and ``logits``.
        validate_args: check the parameters and ``log_prob``'s values (default: the global setting).

    Example:
        >>> import tocha
        >>> from tocha.distributions import RelaxedBernoulli
        >>> d = RelaxedBernoulli(tocha.tensor(0.5), probs=tocha.tensor([0.3]))
        >>> d.log_prob(tocha.tensor([0.5]))
        tensor([-0.8675])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True
    base_dist: LogitRelaxedBernoulli

    def __init__(
        self,
        temperature: Tensor,
        probs: Tensor | float | None = None,
        logits: Tensor | float | None = None,
        validate_args: bool | None = None,
    ) -> None:
        base_dist = LogitRelaxedBernoulli(temperature, probs, logits)
        super().__init__(base_dist, SigmoidTransform(), validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> RelaxedBernoulli:
        new = self._get_checked_instance(RelaxedBernoulli, _instance)
        return super().expand(batch_shape, _instance=new)  # type: ignore[return-value]

    @property
    def temperature(self) -> Tensor:
        """The relaxation temperature."""
        return self.base_dist.temperature

    @property
    def logits(self) -> Tensor:
        """The log-odds of 1."""
        return self.base_dist.logits

    @property
    def probs(self) -> Tensor:
        """The probability of 1."""
        return self.base_dist.probs
