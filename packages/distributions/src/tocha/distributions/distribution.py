"""The base class of every distribution: shapes, argument and sample validation, and the method interface.

NOTE [ Distribution shapes ]
A distribution has a ``batch_shape`` (independent, differently parameterised copies) and an ``event_shape``
(the shape of one draw: ``()`` for scalar families, ``(k,)`` for ``Dirichlet`` or ``Categorical``'s one-hot
form). ``sample(sample_shape)`` returns ``sample_shape + batch_shape + event_shape``; ``log_prob(value)``
reduces the event dims and returns ``sample_shape + batch_shape``. Parameters are broadcast at construction
(``utils.broadcast_all``) and ``expand`` makes new batch shapes as views, without re-validating.

Validation (``validate_args``; on by default, off under ``python -O`` or after
``Distribution.set_default_validate_args(False)``) checks parameters against ``arg_constraints`` at
construction and values against ``support`` in ``log_prob``/``cdf``. Each check reads one boolean from the
device, so turn it off in hot loops on cuda once a model is right.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import tocha
from tocha import Tensor

from . import constraints
from .utils import lazy_property

__all__ = ["Distribution"]

_ShapeLike = Sequence[int]


class Distribution:
    """The abstract base class of probability distributions (PyTorch's ``torch.distributions.Distribution``).

    Subclasses set ``arg_constraints`` and ``support`` and implement what they can of ``sample``/``rsample``,
    ``log_prob``, ``cdf``, ``icdf``, ``entropy``, ``mean``, ``mode``, ``variance``, ``enumerate_support`` and
    ``expand``.

    Example:
        >>> import tocha
        >>> from tocha.distributions import Normal
        >>> d = Normal(tocha.zeros(2), 1.0)
        >>> d.batch_shape, d.event_shape, d.sample((3,)).shape
        (tocha.Size([2]), tocha.Size([]), tocha.Size([3, 2]))
    """

    has_rsample = False
    has_enumerate_support = False
    _validate_args = __debug__

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Turn argument and sample validation on or off for distributions created afterwards.

        Example:
            >>> from tocha.distributions import Distribution
            >>> Distribution.set_default_validate_args(False)
            >>> Distribution.set_default_validate_args(True)
        """
        if value not in (True, False):
            raise ValueError(f"set_default_validate_args(): expected True or False, got {value!r}")
        Distribution._validate_args = bool(value)

    def __init__(
        self,
        batch_shape: _ShapeLike = (),
        event_shape: _ShapeLike = (),
        validate_args: bool | None = None,
    ) -> None:
        self._batch_shape = tocha.Size(batch_shape)
        self._event_shape = tocha.Size(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            self._validate_parameters()

    def _validate_parameters(self) -> None:
        try:
            arg_constraints = self.arg_constraints
        except NotImplementedError:
            arg_constraints = {}
            warnings.warn(
                f"{type(self)} does not define `arg_constraints`. Please set `arg_constraints = {{}}` or "
                "initialize the distribution with `validate_args=False` to turn off validation.",
                stacklevel=3,
            )
        for param, constraint in arg_constraints.items():
            if constraints.is_dependent(constraint):
                continue
            if param not in self.__dict__ and isinstance(getattr(type(self), param, None), lazy_property):
                continue  # the parameterisation not given: derived from the other one, so valid
            value = getattr(self, param)
            if not bool(constraint.check(value).all()):
                raise ValueError(
                    f"Expected parameter {param} ({type(value).__name__} of shape {tuple(value.shape)}) of "
                    f"distribution {self!r} to satisfy the constraint {constraint!r}, but found invalid values:\n"
                    f"{value}"
                )

    def expand(self, batch_shape: _ShapeLike, _instance: Any = None) -> Distribution:
        """A distribution with batch dims broadcast to ``batch_shape`` (parameters expanded as views)."""
        raise NotImplementedError

    @property
    def batch_shape(self) -> tocha.Size:
        """The shape over which parameters are batched."""
        return self._batch_shape

    @property
    def event_shape(self) -> tocha.Size:
        """The shape of a single sample (without batching)."""
        return self._event_shape

    @property
    def arg_constraints(self) -> dict[str, constraints.Constraint]:
        """Each parameter's name mapped to the :class:`~tocha.distributions.constraints.Constraint` it satisfies."""
        raise NotImplementedError

    @property
    def support(self) -> Any:
        """The :class:`~tocha.distributions.constraints.Constraint` of the values this distribution takes."""
        raise NotImplementedError

    @property
    def mean(self) -> Tensor:
        """The mean of the distribution."""
        raise NotImplementedError

    @property
    def mode(self) -> Tensor:
        """The mode of the distribution."""
        raise NotImplementedError(f"{type(self)} does not implement mode")

    @property
    def variance(self) -> Tensor:
        """The variance of the distribution."""
        raise NotImplementedError

    @property
    def stddev(self) -> Tensor:
        """The standard deviation of the distribution."""
        return self.variance.sqrt()

    def sample(self, sample_shape: _ShapeLike = ()) -> Tensor:
        """Draw a ``sample_shape`` batch of samples (no gradient flows to the parameters)."""
        with tocha.no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape: _ShapeLike = ()) -> Tensor:
        """Draw reparameterised samples: gradients flow to the parameters (``has_rsample`` families)."""
        raise NotImplementedError

    def sample_n(self, n: int) -> Tensor:
        """``sample((n,))`` (deprecated, as in PyTorch)."""
        warnings.warn("`sample_n(n)` will be deprecated. Use `sample((n,))` instead.", FutureWarning, stacklevel=2)
        return self.sample((n,))

    def log_prob(self, value: Tensor) -> Tensor:
        """The log of the probability density (or mass) at ``value``."""
        raise NotImplementedError

    def cdf(self, value: Tensor) -> Tensor:
        """The cumulative distribution function at ``value``."""
        raise NotImplementedError

    def icdf(self, value: Tensor) -> Tensor:
        """The inverse cumulative distribution function at ``value``."""
        raise NotImplementedError

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """Every value of a discrete distribution's support, along a new leading dim (expanded over the batch)."""
        raise NotImplementedError

    def entropy(self) -> Tensor:
        """The entropy, one value per batch element."""
        raise NotImplementedError

    def perplexity(self) -> Tensor:
        """``exp(entropy())``."""
        return tocha.exp(self.entropy())

    def _extended_shape(self, sample_shape: _ShapeLike = ()) -> tocha.Size:
        """``sample_shape + batch_shape + event_shape``."""
        return tocha.Size((*sample_shape, *self._batch_shape, *self._event_shape))

    def _validate_sample(self, value: Any) -> None:
        """Check that ``value`` broadcasts with batch_shape + event_shape and lies in the support."""
        if not isinstance(value, Tensor):
            raise ValueError("The value argument to log_prob must be a Tensor")
        shape = value.shape
        event_start = len(shape) - len(self._event_shape)
        if shape[event_start:] != self._event_shape:
            raise ValueError(f"The right-most size of value must match event_shape: {shape} vs {self._event_shape}.")
        expected = tocha.Size((*self._batch_shape, *self._event_shape))
        for actual_size, expected_size in zip(reversed(shape), reversed(expected), strict=False):
            if actual_size != 1 and expected_size != 1 and actual_size != expected_size:
                raise ValueError(f"Value is not broadcastable with batch_shape+event_shape: {shape} vs {expected}.")
        try:
            support = self.support
        except NotImplementedError:
            warnings.warn(
                f"{type(self)} does not define `support` to enable sample validation. Please initialize the "
                "distribution with `validate_args=False` to turn off validation.",
                stacklevel=3,
            )
            return
        if not bool(support.check(value).all()):
            raise ValueError(
                f"Expected value argument ({type(value).__name__} of shape {tuple(shape)}) to be within the "
                f"support ({support!r}) of the distribution {self!r}, but found invalid values:\n{value}"
            )

    def _get_checked_instance(self, cls: type, _instance: Any = None) -> Any:
        """A bare instance for ``expand`` (``_instance`` when a subclass passes one)."""
        if _instance is None and type(self).__init__ is not cls.__init__:  # type: ignore[misc]
            raise NotImplementedError(
                f"Subclass {type(self).__name__} of {cls.__name__} that defines a custom __init__ method must also "
                "define a custom .expand() method."
            )
        return object.__new__(type(self)) if _instance is None else _instance

    def __repr__(self) -> str:
        shown = []
        for name in self.arg_constraints:
            if name in self.__dict__:
                value = self.__dict__[name]
                shown.append(f"{name}: {value if value.numel() == 1 else value.size()}")
        return f"{type(self).__name__}({', '.join(shown)})"
