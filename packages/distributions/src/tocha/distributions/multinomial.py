"""The multinomial distribution."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import tocha
from tocha import Tensor

from . import constraints
from .binomial import Binomial
from .categorical import Categorical
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["Multinomial"]


class Multinomial(Distribution):
    """The counts of each of ``K`` categories in ``total_count`` independent :class:`Categorical` draws.

    The event shape is ``(K,)``. ``sample`` needs the int ``total_count``; ``log_prob`` does not (it reads the
    number of trials from the value), so ``Multinomial(probs=p).log_prob(counts)`` works for any counts.

    .. math::
        P(x) = \\frac{n!}{\\prod_i x_i!} \\prod_i p_i^{x_i}, \\quad n = \\sum_i x_i

    Args:
        total_count: the number of trials (one int for the whole batch).
        probs: the (unnormalised) event probabilities, at least 1-D.
        logits: the (unnormalised) event log-probabilities, at least 1-D.
        validate_args: check the parameters and ``log_prob``'s values (default: the global setting).

    Example:
        >>> import tocha
        >>> from tocha.distributions import Multinomial
        >>> d = Multinomial(4, probs=tocha.tensor([1.0, 1.0, 2.0]))
        >>> d.mean
        tensor([1., 1., 2.])
        >>> d.log_prob(tocha.tensor([1.0, 1.0, 2.0])).exp()
        tensor(0.1875)
        >>> d.sample().sum().item()
        4.0
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(constraints.real, 1)}

    def __init__(
        self,
        total_count: int = 1,
        probs: Tensor | None = None,
        logits: Tensor | None = None,
        validate_args: bool | None = None,
    ) -> None:
        if not isinstance(total_count, int):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits)
        self._binomial = Binomial(total_count=total_count, probs=self.probs)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> Multinomial:
        new = self._get_checked_instance(Multinomial, _instance)
        shape = tocha.Size(batch_shape)
        new.total_count = self.total_count
        new._categorical = self._categorical.expand(shape)
        new._binomial = self._binomial.expand((*shape, *self._event_shape))
        super(Multinomial, new).__init__(shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new  # type: ignore[no-any-return]

    def _new(self, *args: Any, **kwargs: Any) -> Tensor:
        return self._categorical._new(*args, **kwargs)

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self) -> constraints.Constraint:
        """Non-negative integer counts summing to at most ``total_count``."""
        return constraints.multinomial(self.total_count)

    @property
    def mean(self) -> Tensor:
        """``n p``."""
        return self.probs * self.total_count

    @property
    def variance(self) -> Tensor:
        """``n p (1 - p)``, per category."""
        return self.total_count * self.probs * (1 - self.probs)

    @property
    def logits(self) -> Tensor:
        """The normalised event log-probabilities."""
        return self._categorical.logits

    @property
    def probs(self) -> Tensor:
        """The normalised event probabilities."""
        return self._categorical.probs

    @property
    def param_shape(self) -> tocha.Size:
        """The shape of the parameter the distribution was built from (``batch_shape + (K,)``)."""
        return self._categorical.param_shape

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """Counts of the probabilities' dtype: ``total_count`` categorical draws, tallied per category."""
        sample_shape = tocha.Size(sample_shape)
        with tocha.no_grad():
            draws = self._categorical.sample((self.total_count, *sample_shape))
            draws = draws.movedim(0, -1)  # sample_shape + batch_shape + (n,)
            counts = tocha.zeros(self._extended_shape(sample_shape), dtype=draws.dtype, device=draws.device)
            counts.scatter_add_(-1, draws, tocha.ones_like(draws))
            return counts.type_as(self.probs)

    def entropy(self) -> Tensor:
        """``n H(p) - log n! + sum_i E[log x_i!]``, the last by enumerating each marginal ``Binomial(n, p_i)``."""
        n = tocha.tensor(float(self.total_count), dtype=self.probs.dtype, device=self.probs.device)
        first = n * self._categorical.entropy() - tocha.lgamma(n + 1)
        support = self._binomial.enumerate_support(expand=False)[1:]
        marginal_probs = tocha.exp(self._binomial.log_prob(support))
        weights = tocha.lgamma(support + 1)
        return first + (marginal_probs * weights).sum((0, -1))

    def log_prob(self, value: Tensor) -> Tensor:
        """``log n! - sum_i log x_i! + sum_i x_i log p_i`` with ``n`` the value's total (``0 log 0 = 0``)."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        log_factorial_n = tocha.lgamma(value.sum(-1) + 1)
        log_factorial_xs = tocha.lgamma(value + 1).sum(-1)
        # a category of probability 0 (logit -inf) seen 0 times contributes 0, not 0 * -inf
        logits = logits.masked_fill(tocha.eq(value, 0) & tocha.eq(logits, float("-inf")), 0.0)
        return log_factorial_n - log_factorial_xs + (logits * value).sum(-1)
