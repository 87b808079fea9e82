"""``biject_to`` and ``transform_to``: from unconstrained reals onto each constraint.

``biject_to(c)`` is a bijection from real space onto ``c`` (usable as a change of variables in a density, as
HMC does); ``transform_to(c)`` only needs to land in ``c`` (and may be cheaper or better conditioned, as the
softmax onto the simplex). Both are :class:`ConstraintRegistry` objects keyed by the constraint's *class*, so a
registration for ``greater_than`` also covers ``positive`` (a ``greater_than(0.0)``).

Example:
    >>> import tocha
    >>> from tocha.distributions import biject_to, constraints
    >>> t = biject_to(constraints.interval(0.0, 2.0))
    >>> t(tocha.tensor([0.0]))
    tensor([1.])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import constraints, transforms

__all__ = ["ConstraintRegistry", "biject_to", "transform_to"]

Factory = Callable[[Any], transforms.Transform]


class ConstraintRegistry:
    """A map from constraint classes to factories ``factory(constraint) -> Transform``.

    Example:
        >>> from tocha.distributions import constraints
        >>> from tocha.distributions.constraint_registry import ConstraintRegistry
        >>> from tocha.distributions.transforms import ExpTransform
        >>> registry = ConstraintRegistry()
        >>> _ = registry.register(constraints.positive, lambda c: ExpTransform())
        >>> registry(constraints.greater_than(0.0))
        ExpTransform()
    """

    def __init__(self) -> None:
        self._registry: dict[type, Factory] = {}

    def register(self, constraint: Any, factory: Factory | None = None) -> Any:
        """Register ``factory`` for the class of ``constraint`` (a Constraint subclass or instance).

        Without ``factory`` this returns a decorator, so ``@registry.register(constraints.simplex)`` works.

        Raises:
            TypeError: ``constraint`` is neither a Constraint subclass nor an instance of one.
        """
        if factory is None:
            return lambda fn: self.register(constraint, fn)
        if isinstance(constraint, constraints.Constraint):
            constraint = type(constraint)
        if not isinstance(constraint, type) or not issubclass(constraint, constraints.Constraint):
            raise TypeError(f"Expected constraint to be either a Constraint subclass or instance, but got {constraint}")
        self._registry[constraint] = factory
        return factory

    def __call__(self, constraint: constraints.Constraint) -> transforms.Transform:
        """The transform registered for ``constraint``'s class, built for this constraint.

        Raises:
            NotImplementedError: nothing is registered for the constraint's class.
        """
        try:
            factory = self._registry[type(constraint)]
        except KeyError:
            raise NotImplementedError(f"Cannot transform {type(constraint).__name__} constraints") from None
        return factory(constraint)


biject_to = ConstraintRegistry()
transform_to = ConstraintRegistry()


def _to_real(constraint: Any) -> transforms.Transform:
    return transforms.identity_transform


def _biject_to_independent(constraint: Any) -> transforms.Transform:
    base = biject_to(constraint.base_constraint)
    return transforms.IndependentTransform(base, constraint.reinterpreted_batch_ndims)


def _transform_to_independent(constraint: Any) -> transforms.Transform:
    base = transform_to(constraint.base_constraint)
    return transforms.IndependentTransform(base, constraint.reinterpreted_batch_ndims)


def _to_greater_than(constraint: Any) -> transforms.Transform:
    return transforms.ComposeTransform(
        [transforms.ExpTransform(), transforms.AffineTransform(constraint.lower_bound, 1)]
    )


def _to_less_than(constraint: Any) -> transforms.Transform:
    return transforms.ComposeTransform(
        [transforms.ExpTransform(), transforms.AffineTransform(constraint.upper_bound, -1)]
    )


def _to_interval(constraint: Any) -> transforms.Transform:
    lower, upper = constraint.lower_bound, constraint.upper_bound
    numbers = isinstance(lower, (int, float)) and isinstance(upper, (int, float))
    if numbers and lower == 0 and upper == 1:
        return transforms.SigmoidTransform()
    return transforms.ComposeTransform(
        [transforms.SigmoidTransform(), transforms.AffineTransform(lower, upper - lower)]
    )


def _biject_to_simplex(constraint: Any) -> transforms.Transform:
    return transforms.StickBreakingTransform()


def _transform_to_simplex(constraint: Any) -> transforms.Transform:
    return transforms.SoftmaxTransform()


def _to_corr_cholesky(constraint: Any) -> transforms.Transform:
    return transforms.CorrCholeskyTransform()


def _transform_to_lower_cholesky(constraint: Any) -> transforms.Transform:
    return transforms.LowerCholeskyTransform()


def _transform_to_positive_definite(constraint: Any) -> transforms.Transform:
    return transforms.PositiveDefiniteTransform()


def _biject_to_cat(constraint: Any) -> transforms.Transform:
    return transforms.CatTransform([biject_to(c) for c in constraint.cseq], constraint.dim, constraint.lengths)


def _transform_to_cat(constraint: Any) -> transforms.Transform:
    return transforms.CatTransform([transform_to(c) for c in constraint.cseq], constraint.dim, constraint.lengths)


def _biject_to_stack(constraint: Any) -> transforms.Transform:
    return transforms.StackTransform([biject_to(c) for c in constraint.cseq], constraint.dim)


def _transform_to_stack(constraint: Any) -> transforms.Transform:
    return transforms.StackTransform([transform_to(c) for c in constraint.cseq], constraint.dim)


for _registry in (biject_to, transform_to):
    _registry.register(constraints.real, _to_real)
    _registry.register(constraints.positive, _to_greater_than)
    _registry.register(constraints.nonnegative, _to_greater_than)
    _registry.register(constraints.greater_than, _to_greater_than)
    _registry.register(constraints.greater_than_eq, _to_greater_than)
    _registry.register(constraints.less_than, _to_less_than)
    _registry.register(constraints.unit_interval, _to_interval)
    _registry.register(constraints.interval, _to_interval)
    _registry.register(constraints.half_open_interval, _to_interval)
    _registry.register(constraints.corr_cholesky, _to_corr_cholesky)

biject_to.register(constraints.independent, _biject_to_independent)
biject_to.register(constraints.simplex, _biject_to_simplex)
biject_to.register(constraints.cat, _biject_to_cat)
biject_to.register(constraints.stack, _biject_to_stack)

transform_to.register(constraints.independent, _transform_to_independent)
transform_to.register(constraints.simplex, _transform_to_simplex)
transform_to.register(constraints.cat, _transform_to_cat)
transform_to.register(constraints.stack, _transform_to_stack)
transform_to.register(constraints.lower_cholesky, _transform_to_lower_cholesky)
transform_to.register(constraints.positive_definite, _transform_to_positive_definite)
transform_to.register(constraints.positive_semidefinite, _transform_to_positive_definite)
