"""The geometric distribution."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Number
from typing import Any

import tocha
from tocha import Tensor

from . import constraints
from ._functional import binary_cross_entropy_with_logits
from .distribution import Distribution
from .kl import register_kl
from .utils import _expand_probs_logits, broadcast_all, lazy_property, logits_to_probs, probs_to_logits

__all__ = ["Geometric"]


class Geometric(Distribution):
    """The number of failures before the first success of independent trials that succeed with probability ``p``.

    Give exactly one of ``probs`` (in ``(0, 1]``) and ``logits`` (``probs = sigmoid(logits)``).

    .. math::
        P(k) = (1 - p)^k p, \\quad k = 0, 1, 2, \\ldots

    Args:
        probs: the success probability of each trial.
        logits: the log-odds of success.
        validate_args: check the parameters and ``log_prob``'s values (default: the global setting).

    Example:
        >>> import tocha
        >>> from tocha.distributions import Geometric
        >>> d = Geometric(probs=tocha.tensor([0.5, 0.25]))
        >>> d.mean, d.variance
        (tensor([1., 3.]), tensor([ 2., 12.]))
        >>> d.log_prob(tocha.tensor([1.0, 0.0])).exp()
        tensor([0.2500, 0.2500])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

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
            param = self.probs
        else:
            assert logits is not None
            is_scalar = isinstance(logits, Number)
            (self.logits,) = broadcast_all(logits)
            param = self.logits
        super().__init__(() if is_scalar else param.shape, validate_args=validate_args)
        if self._validate_args and probs is not None:
            # the unit interval lets 0 in; a geometric law needs p > 0
            positive = tocha.gt(self.probs, 0)
            if not bool(positive.all()):
                raise ValueError(
                    f"Expected parameter probs ({type(self.probs).__name__} of shape {tuple(self.probs.shape)}) "
                    f"of distribution {self!r} to be positive but found invalid values:\n{self.probs[~positive]}"
                )

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> Geometric:
        new = self._get_checked_instance(Geometric, _instance)
        shape = tocha.Size(batch_shape)
        _expand_probs_logits(self, new, shape)
        super(Geometric, new).__init__(shape, validate_args=False)
        new._validate_args = self._validate_args
        return new  # type: ignore[no-any-return]

    @property
    def mean(self) -> Tensor:
        """``1 / p - 1``."""
        return 1.0 / self.probs - 1.0

    @property
    def mode(self) -> Tensor:
        """0."""
        return tocha.zeros_like(self.probs)

    @property
    def variance(self) -> Tensor:
        """``(1 / p - 1) / p``."""
        return (1.0 / self.probs - 1.0) / self.probs

    @lazy_property
    def logits(self) -> Tensor:
        """The log-odds of success ``log(p / (1 - p))``."""
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        """The success probability."""
        return logits_to_probs(self.logits, is_binary=True)

    def sample(self, sample_shape: Sequence[int] = ()) -> Tensor:
        """By inversion: ``floor(log u / log(1 - p))`` with ``u`` uniform on ``[tiny, 1)`` (never ``log 0``)."""
        shape = self._extended_shape(sample_shape)
        tiny = tocha.finfo(self.probs.dtype).tiny
        with tocha.no_grad():
            u = tocha.empty(shape, dtype=self.probs.dtype, device=self.probs.device).uniform_(tiny, 1)
            return (u.log() / tocha.log1p(-self.probs)).floor()

    def log_prob(self, value: Tensor) -> Tensor:
        """``k log(1 - p) + log p`` (with ``0 log 0 = 0``: ``P(0) = 1`` at ``p = 1``)."""
        if self._validate_args:
            self._validate_sample(value)
        value, probs = broadcast_all(value, self.probs)
        # at p = 1, k = 0 the term k log(1 - p) is 0 * -inf: take it as 0
        safe = tocha.where(tocha.eq(probs, 1) & tocha.eq(value, 0), tocha.zeros_like(probs), probs)
        return value * tocha.log1p(-safe) + self.probs.log()

    def entropy(self) -> Tensor:
        """``H(Bernoulli(p)) / p``."""
        return binary_cross_entropy_with_logits(self.logits, self.probs) / self.probs


@register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p: Geometric, q: Geometric) -> Tensor:
    # -H(p) - E_p[log q(k)] = -H(p) - log q - E_p[k] log(1 - q)
    return -p.entropy() - tocha.log1p(-q.probs) / p.probs - q.logits
