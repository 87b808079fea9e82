"""The Bernoulli distribution."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Number
from typing import Any

import tocha
from tocha import Tensor

from . import constraints
from ._functional import binary_cross_entropy_with_logits, logsigmoid, softplus
from .exp_family import ExponentialFamily
from .kl import register_kl
from .utils import _expand_probs_logits, broadcast_all, lazy_property, logits_to_probs, probs_to_logits

__all__ = ["Bernoulli"]


class Bernoulli(ExponentialFamily):
    """1 with probability ``probs`` (or ``sigmoid(logits)``), else 0. Give exactly one of the two.

    Args:
        probs: the probability of 1, in ``[0, 1]``.
        logits: the log-odds of 1.
        validate_args: check the parameters and ``log_prob``'s values (default: the global setting).

    Example:
        >>> import tocha
        >>> from tocha.distributions import Bernoulli
        >>> d = Bernoulli(probs=tocha.tensor([0.25, 0.5]))
        >>> d.log_prob(tocha.tensor([1.0, 0.0])).exp()
        tensor([0.2500, 0.5000])
        >>> d.logits
        tensor([-1.0986,  0.0000])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True
    _mean_carrier_measure = 0

    def __init__(
        self,
        probs: Tensor | float | None = None,
        logits: Tensor | float | None = None,
        validate_args: bool | None = None,
    ) -> None:
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

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> Bernoulli:
        new = self._get_checked_instance(Bernoulli, _instance)
        shape = tocha.Size(batch_shape)
        _expand_probs_logits(self, new, shape)
        super(Bernoulli, new).__init__(shape, validate_args=False)
        new._validate_args = self._validate_args
        return new  # type: ignore[no-any-return]

    def _new(self, *args: Any, **kwargs: Any) -> Tensor:
        return self._param.new(*args, **kwargs)

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def mode(self) -> Tensor:
        mode = tocha.ge(self.probs, 0.5).to(self.probs.dtype)
        return tocha.where(tocha.eq(self.probs, 0.5), tocha.full_like(mode, float("nan")), mode)

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

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

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with tocha.no_grad():
            return tocha.bernoulli(self.probs.expand(shape))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -binary_cross_entropy_with_logits(logits, value)

    def entropy(self) -> Tensor:
        return binary_cross_entropy_with_logits(self.logits, self.probs)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = tocha.arange(2, dtype=self._param.dtype, device=self._param.device)
        values = values.view(-1, *(1,) * len(self._batch_shape))
        return values.expand(-1, *self._batch_shape) if expand else values

    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        return (tocha.logit(self.probs),)

    def _log_normalizer(self, *natural_params: Tensor) -> Tensor:
        return softplus(natural_params[0])


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p: Bernoulli, q: Bernoulli) -> Tensor:
    # p log(p/q) + (1-p) log((1-p)/(1-q)), in logits; a term is 0 where its weight is, inf where q rules it out
    p_probs, q_probs = p.probs, q.probs
    inf = tocha.full_like(p_probs, float("inf"))
    zero = tocha.zeros_like(p_probs)
    ones_term = p_probs * (logsigmoid(p.logits) - logsigmoid(q.logits))
    ones_term = tocha.where(p_probs == 0, zero, tocha.where(q_probs == 0, inf, ones_term))
    zeros_term = (1 - p_probs) * (logsigmoid(-p.logits) - logsigmoid(-q.logits))
    zeros_term = tocha.where(p_probs == 1, zero, tocha.where(q_probs == 1, inf, zeros_term))
    result: Tensor = ones_term + zeros_term
    return result
