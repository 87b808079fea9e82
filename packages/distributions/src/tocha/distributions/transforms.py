"""Transforms: invertible (or not) maps between constrained spaces, with their log-Jacobians.

A :class:`Transform` maps ``x`` in its ``domain`` to ``y = t(x)`` in its ``codomain``; ``t.inv`` is the inverse map
(a lazily made, weakly held :class:`_InverseTransform`), and ``t.log_abs_det_jacobian(x, y)`` is
``log |det dy/dx|``, reduced over the transform's event dims. :class:`TransformedDistribution` pushes a base
distribution through a list of transforms; ``biject_to``/``transform_to`` pick a transform onto each constraint.

NOTE [ Transform caching ]
With ``cache_size=1`` a transform remembers its last ``(x, y)`` pair: calling it again on the very same ``x``
object (``is``, not equality) returns the stored ``y``, and ``t.inv(y)`` returns the stored ``x``. This makes
``log_prob`` of a sample drawn through the transform exact (no numerical round trip) and lets non-invertible
transforms be inverted on their own samples. ``cache_size=0`` (the default) stores nothing.

NOTE [ Transform event dims ]
``domain.event_dim`` and ``codomain.event_dim`` say how many rightmost dims of ``x`` and ``y`` form one event;
``log_abs_det_jacobian`` returns one value per event, so its shape is ``x.shape`` less ``domain.event_dim`` dims.
A composition lifts each part to the largest event dim it meets (summing a part's extra rightmost dims).

Example:
    >>> import tocha
    >>> from tocha.distributions.transforms import ExpTransform
    >>> t = ExpTransform()
    >>> t(tocha.tensor([0.0, 1.0]))
    tensor([1.0000, 2.7183])
    >>> t.inv(tocha.tensor([1.0]))
    tensor([0.])
"""

from __future__ import annotations

import math
import numbers
import weakref
from collections.abc import Sequence
from typing import Any

import tocha
from tocha import Tensor

from . import constraints
from ._functional import logsigmoid, softplus
from .utils import _sum_rightmost, broadcast_all, tril_matrix_to_vec, vec_to_tril_matrix

__all__ = [
    "AbsTransform",
    "AffineTransform",
    "CatTransform",
    "ComposeTransform",
    "CorrCholeskyTransform",
    "CumulativeDistributionTransform",
    "ExpTransform",
    "IndependentTransform",
    "LowerCholeskyTransform",
    "PositiveDefiniteTransform",
    "PowerTransform",
    "ReshapeTransform",
    "SigmoidTransform",
    "SoftplusTransform",
    "TanhTransform",
    "SoftmaxTransform",
    "StackTransform",
    "StickBreakingTransform",
    "Transform",
    "identity_transform",
]

_Shape = Sequence[int]


class Transform:
    """The base class of transforms: an (often invertible) map ``y = t(x)`` with a computable log-Jacobian.

    Subclasses set ``domain``, ``codomain`` and ``bijective`` and implement ``_call`` (and ``_inverse``,
    ``log_abs_det_jacobian``, ``sign`` where they exist); NOTE [ Transform caching ] in this module explains
    ``cache_size``.

    Args:
        cache_size: 0 (no cache) or 1 (remember the last ``(x, y)`` pair).

    Example:
        >>> import tocha
        >>> from tocha.distributions.transforms import Transform
        >>> class Double(Transform):
        ...     bijective = True
        ...     def _call(self, x):
        ...         return 2 * x
        ...     def _inverse(self, y):
        ...         return y / 2
        >>> Double().inv(tocha.tensor([4.0]))
        tensor([2.])
    """

    bijective = False
    domain: constraints.Constraint = constraints.dependent
    codomain: constraints.Constraint = constraints.dependent

    def __init__(self, cache_size: int = 0) -> None:
        if cache_size not in (0, 1):
            raise ValueError("cache_size must be 0 or 1")
        self._cache_size = cache_size
        self._cached_x_y: tuple[Any, Any] = (None, None)
        self._inv: Any = None

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_inv"] = None  # a weak reference does not pickle; it is remade on demand
        return state

    @property
    def event_dim(self) -> int:
        """The event dim of domain and codomain (an error when they differ: ask ``domain``/``codomain`` then)."""
        if self.domain.event_dim == self.codomain.event_dim:
            return self.domain.event_dim
        raise ValueError("Please use either .domain.event_dim or .codomain.event_dim")

    @property
    def inv(self) -> Transform:
        """The inverse transform, with ``t.inv.inv`` being ``t``; made on first use and held weakly."""
        inverse = None
        if self._inv is not None:
            inverse = self._inv()
        if inverse is None:
            inverse = _InverseTransform(self)
            self._inv = weakref.ref(inverse)
        return inverse  # type: ignore[no-any-return]

    @property
    def sign(self) -> int | Tensor:
        """The sign of the Jacobian determinant (of monotone elementwise transforms)."""
        raise NotImplementedError

    def with_cache(self, cache_size: int = 1) -> Transform:
        """This transform with the given ``cache_size`` (``self`` when it already has it)."""
        if self._cache_size == cache_size:
            return self
        if type(self).__init__ is Transform.__init__:
            return type(self)(cache_size=cache_size)
        raise NotImplementedError(f"{type(self)}.with_cache is not implemented")

    def __eq__(self, other: object) -> bool:
        return self is other

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = object.__hash__

    def __call__(self, x: Tensor) -> Tensor:
        """Apply the transform (through the cache when ``cache_size`` is 1)."""
        if self._cache_size == 0:
            return self._call(x)
        x_old, y_old = self._cached_x_y
        if x is x_old:
            return y_old  # type: ignore[no-any-return]
        y = self._call(x)
        self._cached_x_y = x, y
        return y

    def _inv_call(self, y: Tensor) -> Tensor:
        """Apply the inverse (through the cache when ``cache_size`` is 1)."""
        if self._cache_size == 0:
            return self._inverse(y)
        x_old, y_old = self._cached_x_y
        if y is y_old:
            return x_old  # type: ignore[no-any-return]
        x = self._inverse(y)
        self._cached_x_y = x, y
        return x

    def _call(self, x: Tensor) -> Tensor:
        raise NotImplementedError

    def _inverse(self, y: Tensor) -> Tensor:
        raise NotImplementedError

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """``log |det dy/dx|`` at ``x`` (``y = t(x)``), one value per event."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return type(self).__name__ + "()"

    def forward_shape(self, shape: _Shape) -> tocha.Size:
        """The shape of ``t(x)`` for an ``x`` of ``shape``."""
        return tocha.Size(shape)

    def inverse_shape(self, shape: _Shape) -> tocha.Size:
        """The shape of ``t.inv(y)`` for a ``y`` of ``shape``."""
        return tocha.Size(shape)


class _InverseTransform(Transform):
    """The inverse of a transform: ``domain`` and ``codomain`` swapped, ``_call`` and ``_inverse`` too.

    Example:
        >>> import tocha
        >>> from tocha.distributions.transforms import ExpTransform
        >>> ExpTransform().inv
        _InverseTransform(ExpTransform())
    """

    def __init__(self, transform: Transform) -> None:
        super().__init__(cache_size=transform._cache_size)
        self._inv = transform  # held strongly: the forward transform is not owned by anyone else
        self.domain = transform.codomain
        self.codomain = transform.domain
        self.bijective = transform.bijective

    @property
    def inv(self) -> Transform:
        return self._inv  # type: ignore[no-any-return]

    @property
    def sign(self) -> int | Tensor:
        return self._inv.sign  # type: ignore[no-any-return]

    def with_cache(self, cache_size: int = 1) -> Transform:
        return self.inv.with_cache(cache_size).inv

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _InverseTransform) and self._inv == other._inv

    __hash__ = Transform.__hash__

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._inv!r})"

    def __call__(self, x: Tensor) -> Tensor:
        return self._inv._inv_call(x)  # type: ignore[no-any-return]

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        return -self._inv.log_abs_det_jacobian(y, x)  # type: ignore[no-any-return]

    def forward_shape(self, shape: _Shape) -> tocha.Size:
        return self._inv.inverse_shape(shape)  # type: ignore[no-any-return]

    def inverse_shape(self, shape: _Shape) -> tocha.Size:
        return self._inv.forward_shape(shape)  # type: ignore[no-any-return]


def _lifted(constraint: constraints.Constraint, event_dim: int) -> constraints.Constraint:
    """``constraint`` with its event dim raised to ``event_dim`` (unchanged when already there)."""
    if event_dim > constraint.event_dim:
        return constraints.independent(constraint, event_dim - constraint.event_dim)
    return constraint


class ComposeTransform(Transform):
    """The composition ``parts[-1] ∘ ... ∘ parts[0]`` (``parts[0]`` applied first); ``[]`` is the identity.

    Event dims follow NOTE [ Transform event dims ]: the composition's domain and codomain are lifted to the
    largest event dim any part needs, and each part's log-Jacobian is summed up to it.

    Args:
        parts: the transforms, in the order they apply.
        cache_size: 0 or 1, given to every part.

    Example:
        >>> import tocha
        >>> from tocha.distributions.transforms import AffineTransform, ComposeTransform, ExpTransform
        >>> t = ComposeTransform([AffineTransform(0.0, 2.0), ExpTransform()])
        >>> t(tocha.tensor([0.5]))
        tensor([2.7183])
        >>> t.log_abs_det_jacobian(tocha.tensor([0.5]), t(tocha.tensor([0.5])))
        tensor([1.6931])
    """

    def __init__(self, parts: Sequence[Transform], cache_size: int = 0) -> None:
        if cache_size:
            parts = [part.with_cache(cache_size) for part in parts]
        super().__init__(cache_size=cache_size)
        self.parts = list(parts)
        self.bijective = all(p.bijective for p in self.parts)
        if not self.parts:
            self.domain = self.codomain = constraints.real
            return
        # the domain's event dim: walk back from the codomain, each part adding its own event-dim change
        event_dim = self.parts[-1].codomain.event_dim
        for part in reversed(self.parts):
            event_dim = max(event_dim + part.domain.event_dim - part.codomain.event_dim, part.domain.event_dim)
        self.domain = _lifted(self.parts[0].domain, event_dim)
        event_dim = self.parts[0].domain.event_dim
        for part in self.parts:
            event_dim = max(event_dim + part.codomain.event_dim - part.domain.event_dim, part.codomain.event_dim)
        self.codomain = _lifted(self.parts[-1].codomain, event_dim)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ComposeTransform) and self.parts == other.parts

    __hash__ = Transform.__hash__

    @property
    def sign(self) -> int | Tensor:
        sign: int | Tensor = 1
        for part in self.parts:
            sign = sign * part.sign
        return sign

    @property
    def inv(self) -> Transform:
        inverse = None
        if self._inv is not None:
            inverse = self._inv()
        if inverse is None:
            inverse = ComposeTransform([p.inv for p in reversed(self.parts)])
            self._inv = weakref.ref(inverse)
            inverse._inv = weakref.ref(self)
        return inverse  # type: ignore[no-any-return]

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return ComposeTransform(self.parts, cache_size=cache_size)

    def __call__(self, x: Tensor) -> Tensor:
        for part in self.parts:
            x = part(x)
        return x

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        if not self.parts:
            return tocha.zeros_like(x)
        # intermediate values (each part's cache, when on, makes these free after a forward call)
        xs = [x]
        for part in self.parts[:-1]:
            xs.append(part(xs[-1]))
        xs.append(y)
        event_dim = self.domain.event_dim
        result: Tensor | None = None
        for part, x_in, y_out in zip(self.parts, xs[:-1], xs[1:], strict=True):
            term = _sum_rightmost(part.log_abs_det_jacobian(x_in, y_out), event_dim - part.domain.event_dim)
            result = term if result is None else result + term
            event_dim += part.codomain.event_dim - part.domain.event_dim
        assert result is not None
        return result

    def forward_shape(self, shape: _Shape) -> tocha.Size:
        for part in self.parts:
            shape = part.forward_shape(shape)
        return tocha.Size(shape)

    def inverse_shape(self, shape: _Shape) -> tocha.Size:
        for part in reversed(self.parts):
            shape = part.inverse_shape(shape)
        return tocha.Size(shape)

    def __repr__(self) -> str:
        inner = ",\n    ".join(repr(p) for p in self.parts)
        return f"{type(self).__name__}(\n    {inner}\n)"


identity_transform = ComposeTransform([])


class IndependentTransform(Transform):
    """``base_transform`` with its ``reinterpreted_batch_ndims`` rightmost batch dims read as event dims.

    The values are those of ``base_transform``; the log-Jacobian is summed over the extra event dims.

    Args:
        base_transform: the transform applied.
        reinterpreted_batch_ndims: how many more rightmost dims make one event.
        cache_size: 0 or 1.

    Example:
        >>> import tocha
        >>> from tocha.distributions.transforms import ExpTransform, IndependentTransform
        >>> t = IndependentTransform(ExpTransform(), 1)
        >>> x = tocha.tensor([[0.0, 1.0], [2.0, 3.0]])
        >>> t.log_abs_det_jacobian(x, t(x))
        tensor([1., 5.])
    """

    def __init__(self, base_transform: Transform, reinterpreted_batch_ndims: int, cache_size: int = 0) -> None:
        super().__init__(cache_size=cache_size)
        self.base_transform = base_transform.with_cache(cache_size)
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims
        self.domain = constraints.independent(base_transform.domain, reinterpreted_batch_ndims)
        self.codomain = constraints.independent(base_transform.codomain, reinterpreted_batch_ndims)
        self.bijective = base_transform.bijective

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return IndependentTransform(self.base_transform, self.reinterpreted_batch_ndims, cache_size=cache_size)

    @property
    def sign(self) -> int | Tensor:
        return self.base_transform.sign

    def _call(self, x: Tensor) -> Tensor:
        if x.dim() < self.domain.event_dim:
            raise ValueError("Too few dimensions on input")
        return self.base_transform(x)

    def _inverse(self, y: Tensor) -> Tensor:
        if y.dim() < self.codomain.event_dim:
            raise ValueError("Too few dimensions on input")
        return self.base_transform.inv(y)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        return _sum_rightmost(self.base_transform.log_abs_det_jacobian(x, y), self.reinterpreted_batch_ndims)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_transform!r}, {self.reinterpreted_batch_ndims})"

    def forward_shape(self, shape: _Shape) -> tocha.Size:
        return self.base_transform.forward_shape(shape)

    def inverse_shape(self, shape: _Shape) -> tocha.Size:
        return self.base_transform.inverse_shape(shape)


class ReshapeTransform(Transform):
    """Reshape the rightmost ``in_shape`` dims to ``out_shape`` (same number of elements); log-Jacobian 0.

    Args:
        in_shape: the event shape of the input.
        out_shape: the event shape of the output.
        cache_size: 0 or 1.

    Example:
        >>> import tocha
        >>> from tocha.distributions.transforms import ReshapeTransform
        >>> ReshapeTransform((2, 3), (6,))(tocha.zeros(4, 2, 3)).shape
        tocha.Size([4, 6])
    """

    bijective = True

    def __init__(self, in_shape: _Shape, out_shape: _Shape, cache_size: int = 0) -> None:
        self.in_shape = tocha.Size(in_shape)
        self.out_shape = tocha.Size(out_shape)
        if self.in_shape.numel() != self.out_shape.numel():
            raise ValueError("in_shape, out_shape have different numbers of elements")
        super().__init__(cache_size=cache_size)
        self.domain = constraints.independent(constraints.real, len(self.in_shape))
        self.codomain = constraints.independent(constraints.real, len(self.out_shape))

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return ReshapeTransform(self.in_shape, self.out_shape, cache_size=cache_size)

    def _call(self, x: Tensor) -> Tensor:
        batch_shape = x.shape[: x.dim() - len(self.in_shape)]
        return x.reshape(*batch_shape, *self.out_shape)

    def _inverse(self, y: Tensor) -> Tensor:
        batch_shape = y.shape[: y.dim() - len(self.out_shape)]
        return y.reshape(*batch_shape, *self.in_shape)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        return x.new_zeros(tuple(x.shape[: x.dim() - len(self.in_shape)]))

    def forward_shape(self, shape: _Shape) -> tocha.Size:
        return _swap_event_shape(shape, self.in_shape, self.out_shape)

    def inverse_shape(self, shape: _Shape) -> tocha.Size:
        return _swap_event_shape(shape, self.out_shape, self.in_shape)


def _swap_event_shape(shape: _Shape, old: tocha.Size, new: tocha.Size) -> tocha.Size:
    if len(shape) < len(old):
        raise ValueError("Too few dimensions on input")
    cut = len(shape) - len(old)
    if tuple(shape[cut:]) != tuple(old):
        raise ValueError(f"Shape mismatch: expected {tuple(shape[cut:])} but got {tuple(old)}")
    return tocha.Size((*shape[:cut], *new))


class ExpTransform(Transform):
    """``y = exp(x)``; ``log |dy/dx| = x``.

    Example:
        >>> import tocha
        >>> from tocha.distributions.transforms import ExpTransform
        >>> ExpTransform().log_abs_det_jacobian(tocha.tensor([2.0]), tocha.tensor([7.389]))
        tensor([2.])
    """

    domain = constraints.real
    codomain = constraints.positive
    bijective = True

    @property
    def sign(self) -> int | Tensor:
        return 1

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ExpTransform)

    __hash__ = Transform.__hash__

    def _call(self, x: Tensor) -> Tensor:
        return x.exp()

    def _inverse(self, y: Tensor) -> Tensor:
        return y.log()

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        return x


class PowerTransform(Transform):
    """``y = x ** exponent`` on the positive reals; ``log |dy/dx| = log |exponent y / x|``.

    Args:
        exponent: a tensor or number (broadcast against ``x``).
        cache_size: 0 or 1.

    Example:
        >>> import tocha
        >>> from tocha.distributions.transforms import PowerTransform
        >>> PowerTransform(2.0)(tocha.tensor([3.0]))
        tensor([9.])
    """

    domain = constraints.positive
    codomain = constraints.positive
    bijective = True

    def __init__(self, exponent: Tensor | float, cache_size: int = 0) -> None:
        super().__init__(cache_size=cache_size)
        (self.exponent,) = broadcast_all(exponent)

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return PowerTransform(self.exponent, cache_size=cache_size)

    @property
    def sign(self) -> int | Tensor:
        return self.exponent.sign()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PowerTransform):
            return False
        return bool(self.exponent.eq(other.exponent).all().item())

    __hash__ = Transform.__hash__

    def _call(self, x: Tensor) -> Tensor:
        return x.pow(self.exponent)

    def _inverse(self, y: Tensor) -> Tensor:
        return y.pow(1 / self.exponent)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        return (self.exponent * y / x).abs().log()

    def forward_shape(self, shape: _Shape) -> tocha.Size:
        return tocha.Size(tocha.broadcast_shapes(tuple(shape), tuple(self.exponent.shape)))

    def inverse_shape(self, shape: _Shape) -> tocha.Size:
        return tocha.Size(tocha.broadcast_shapes(tuple(shape), tuple(self.exponent.shape)))


def _clipped_sigmoid(x: Tensor) -> Tensor:
    """``sigmoid(x)`` kept inside the open interval ``(0, 1)`` of ``x``'s dtype."""
    finfo = tocha.finfo(x.dtype)
    return tocha.sigmoid(x).clamp(min=finfo.tiny, max=1.0 - finfo.eps)


class SigmoidTransform(Transform):
    """``y = sigmoid(x)`` (kept inside ``(0, 1)``); ``log |dy/dx| = -softplus(-x) - softplus(x)``.

    Example:
        >>> import tocha
        >>> from tocha.distributions.transforms import SigmoidTransform
        >>> t = SigmoidTransform()
        >>> t(tocha.tensor([0.0])), t.inv(tocha.tensor([0.5]))
        (tensor([0.5000]), tensor([0.]))
    """

    domain = constraints.real
    codomain = constraints.unit_interval
    bijective = True

    @property
    def sign(self) -> int | Tensor:
        return 1

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SigmoidTransform)

    __hash__ = Transform.__hash__

    def _call(self, x: Tensor) -> Tensor:
        return _clipped_sigmoid(x)

    def _inverse(self, y: Tensor) -> Tensor:
        finfo = tocha.finfo(y.dtype)
        y = y.clamp(min=finfo.tiny, max=1.0 - finfo.eps)
        return y.log() - (-y).log1p()

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        return -softplus(-x) - softplus(x)


class SoftplusTransform(Transform):
    """``y = log(1 + exp(x))``; ``x = y + log(-expm1(-y))``; ``log |dy/dx| = -softplus(-x)``.

    Example:
        >>> import tocha
        >>> from tocha.distributions.transforms import SoftplusTransform
        >>> SoftplusTransform()(tocha.tensor([0.0]))
        tensor([0.6931])
    """

    domain = constraints.real
    codomain = constraints.positive
    bijective = True

    @property
    def sign(self) -> int | Tensor:
        return 1

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SoftplusTransform)

    __hash__ = Transform.__hash__

    def _call(self, x: Tensor) -> Tensor:
        return softplus(x)

    def _inverse(self, y: Tensor) -> Tensor:
        return (-(-y).expm1()).log() + y

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        return -softplus(-x)


class TanhTransform(Transform):
    """``y = tanh(x)`` onto ``[-1, 1]``; ``log |dy/dx| = 2 (log 2 - x - softplus(-2x))``.

    The inverse ``atanh`` is not clamped: use ``cache_size=1`` to invert samples that rounded to ±1.

    Example:
        >>> import tocha
        >>> from tocha.distributions.transforms import TanhTransform
        >>> TanhTransform().log_abs_det_jacobian(tocha.tensor([0.0]), tocha.tensor([0.0]))
        tensor([0.])
    """

    domain = constraints.real
    codomain = constraints.interval(-1.0, 1.0)
    bijective = True

    @property
    def sign(self) -> int | Tensor:
        return 1

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TanhTransform)

    __hash__ = Transform.__hash__

    def _call(self, x: Tensor) -> Tensor:
        return x.tanh()

    def _inverse(self, y: Tensor) -> Tensor:
        return tocha.atanh(y)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        # 1 - tanh(x)^2 = 4 e^{-2x} / (1 + e^{-2x})^2, in log space
        return 2.0 * (math.log(2.0) - x - softplus(-2.0 * x))


class AbsTransform(Transform):
    """``y = |x|`` (not injective; its "inverse" returns the non-negative preimage).

    Example:
        >>> import tocha
        >>> from tocha.distributions.transforms import AbsTransform
        >>> AbsTransform()(tocha.tensor([-2.0, 3.0]))
        tensor([2., 3.])
    """

    domain = constraints.real
    codomain = constraints.positive

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AbsTransform)

    __hash__ = Transform.__hash__

    def _call(self, x: Tensor) -> Tensor:
        return x.abs()

    def _inverse(self, y: Tensor) -> Tensor:
        return y


class AffineTransform(Transform):
    """``y = loc + scale * x``; ``log |dy/dx| = log |scale|`` (summed over ``event_dim`` rightmost dims).

    Args:
        loc: the shift (tensor or number).
        scale: the scale (tensor or number).
        event_dim: how many rightmost dims form one event (1 for vectors, 2 for matrices...).
        cache_size: 0 or 1.

    Example:
        >>> import tocha
        >>> from tocha.distributions.transforms import AffineTransform
        >>> t = AffineTransform(1.0, tocha.tensor([2.0, -0.5]))
        >>> t(tocha.tensor([1.0, 2.0])), t.sign
        (tensor([3., 0.]), tensor([ 1., -1.]))
    """

    bijective = True

    def __init__(self, loc: Tensor | float, scale: Tensor | float, event_dim: int = 0, cache_size: int = 0) -> None:
        super().__init__(cache_size=cache_size)
        self.loc = loc
        self.scale = scale
        self._event_dim = event_dim
        self.domain = constraints.real if event_dim == 0 else constraints.independent(constraints.real, event_dim)
        self.codomain = self.domain

    @property
    def event_dim(self) -> int:
        return self._event_dim

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return AffineTransform(self.loc, self.scale, self._event_dim, cache_size=cache_size)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AffineTransform):
            return False
        return _equal(self.loc, other.loc) and _equal(self.scale, other.scale)

    __hash__ = Transform.__hash__

    @property
    def sign(self) -> int | Tensor:
        if isinstance(self.scale, Tensor):
            return self.scale.sign()
        return 1 if float(self.scale) > 0 else -1 if float(self.scale) < 0 else 0

    def _call(self, x: Tensor) -> Tensor:
        return self.loc + self.scale * x

    def _inverse(self, y: Tensor) -> Tensor:
        return (y - self.loc) / self.scale

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        shape = tuple(x.shape)
        if isinstance(self.scale, Tensor):
            result = self.scale.abs().log()
        else:
            result = tocha.full_like(x, math.log(abs(self.scale)))
        if self._event_dim:
            result = _sum_rightmost(result, self._event_dim)
            shape = shape[: len(shape) - self._event_dim]
        return result.expand(shape)

    def forward_shape(self, shape: _Shape) -> tocha.Size:
        return tocha.Size(tocha.broadcast_shapes(tuple(shape), _shape_of(self.loc), _shape_of(self.scale)))

    def inverse_shape(self, shape: _Shape) -> tocha.Size:
        return tocha.Size(tocha.broadcast_shapes(tuple(shape), _shape_of(self.loc), _shape_of(self.scale)))


def _shape_of(value: Any) -> tuple[int, ...]:
    return tuple(value.shape) if isinstance(value, Tensor) else ()


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, numbers.Number) and isinstance(b, numbers.Number):
        return bool(a == b)
    return bool((a == b).all().item())


class CorrCholeskyTransform(Transform):
    """A vector of ``D(D-1)/2`` reals to the Cholesky factor of a ``D x D`` correlation matrix.

    Each entry goes through ``tanh`` to a partial correlation ``r ∈ (-1, 1)``; row ``i`` of the factor is
    then built by stick breaking, ``L[i, j] = r[i, j] sqrt(1 - Σ_{k<j} L[i, k]²)`` and
    ``L[i, i] = sqrt(1 - Σ_{k<i} L[i, k]²)``, so every row has unit norm.

    Example:
        >>> import tocha
        >>> from tocha.distributions.transforms import CorrCholeskyTransform
        >>> L = CorrCholeskyTransform()(tocha.tensor([0.5, -0.2, 0.3]))
        >>> L.shape, bool(tocha.allclose((L * L).sum(-1), tocha.ones(3)))
        (tocha.Size([3, 3]), True)
    """

    domain = constraints.real_vector
    codomain = constraints.corr_cholesky
    bijective = True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CorrCholeskyTransform)

    __hash__ = Transform.__hash__

    def _call(self, x: Tensor) -> Tensor:
        eps = tocha.finfo(x.dtype).eps
        r = vec_to_tril_matrix(x.tanh().clamp(min=-1 + eps, max=1 - eps), diag=-1)
        # remaining "stick" of each row before column j: prod_{k<j} sqrt(1 - r_ik^2)
        remaining = (1 - r * r).sqrt().cumprod(-1)
        ones = tocha.ones_like(remaining[..., :1])
        remaining = tocha.cat([ones, remaining[..., :-1]], -1)
        eye = tocha.eye(r.shape[-1], dtype=x.dtype, device=x.device)
        return (r + eye) * remaining

    def _inverse(self, y: Tensor) -> Tensor:
        left = 1 - (y * y).cumsum(-1)
        left = tocha.cat([tocha.ones_like(left[..., :1]), left[..., :-1]], -1)
        r = tril_matrix_to_vec(y, diag=-1) / tril_matrix_to_vec(left, diag=-1).sqrt()
        return 0.5 * (r.log1p() - (-r).log1p())

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor, intermediates: Any = None) -> Tensor:
        # d L[i,j] / d r[i,j] = sqrt(1 - Σ_{k<j} L[i,k]²) (a triangular Jacobian); j = 0 contributes log 1
        left = 1 - (y * y).cumsum(-1)
        stick = 0.5 * tril_matrix_to_vec(left, diag=-2).log().sum(-1)
        tanh = 2.0 * (math.log(2.0) - x - softplus(-2.0 * x)).sum(-1)
        return stick + tanh

    def forward_shape(self, shape: _Shape) -> tocha.Size:
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        n = shape[-1]
        d = round((0.25 + 2 * n) ** 0.5 + 0.5)
        if d * (d - 1) // 2 != n:
            raise ValueError("Input is not a flattened lower-diagonal number")
        return tocha.Size((*shape[:-1], d, d))

    def inverse_shape(self, shape: _Shape) -> tocha.Size:
        if len(shape) < 2:
            raise ValueError("Too few dimensions on input")
        n, m = shape[-1], shape[-2]
        if n != m:
            raise ValueError("Input is not square")
        return tocha.Size((*shape[:-2], n * (n - 1) // 2))


class SoftmaxTransform(Transform):
    """``y = softmax(x)`` over the last dim (not injective: its "inverse" is ``log y``).

    Example:
        >>> import tocha
        >>> from tocha.distributions.transforms import SoftmaxTransform
        >>> SoftmaxTransform()(tocha.tensor([0.0, 0.0]))
        tensor([0.5000, 0.5000])
    """

    domain = constraints.real_vector
    codomain = constraints.simplex

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SoftmaxTransform)

    __hash__ = Transform.__hash__

    def _call(self, x: Tensor) -> Tensor:
        return tocha.softmax(x, dim=-1)

    def _inverse(self, y: Tensor) -> Tensor:
        return y.log()

    def forward_shape(self, shape: _Shape) -> tocha.Size:
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        return tocha.Size(shape)

    def inverse_shape(self, shape: _Shape) -> tocha.Size:
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        return tocha.Size(shape)


class StickBreakingTransform(Transform):
    """``K - 1`` reals to a point of the ``K``-simplex by stick breaking.

    ``z_k = sigmoid(x_k - log(K - 1 - k))`` is the fraction of the remaining stick taken at step ``k``:
    ``y_k = z_k Π_{j<k} (1 - z_j)`` and the last entry is what is left. The offset makes ``x = 0`` the
    simplex's centre. The Jacobian is triangular: ``log |det| = Σ_k log y_k + log(1 - z_k)``.

    Example:
        >>> import tocha
        >>> from tocha.distributions.transforms import StickBreakingTransform
        >>> StickBreakingTransform()(tocha.tensor([0.0, 0.0]))
        tensor([0.3333, 0.3333, 0.3333])
    """

    domain = constraints.real_vector
    codomain = constraints.simplex
    bijective = True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StickBreakingTransform)

    __hash__ = Transform.__hash__

    @staticmethod
    def _log_offset(n: int, like: Tensor) -> Tensor:
        """``log(n - k)`` for ``k = 0..n-1``: the shift that maps ``x = 0`` to the uniform point."""
        return tocha.arange(n, 0, -1, dtype=like.dtype, device=like.device).log()

    def _call(self, x: Tensor) -> Tensor:
        z = _clipped_sigmoid(x - self._log_offset(x.shape[-1], x))
        left = (1 - z).cumprod(-1)
        ones = tocha.ones_like(z[..., :1])
        return tocha.cat([z, ones], -1) * tocha.cat([ones, left], -1)

    def _inverse(self, y: Tensor) -> Tensor:
        head = y[..., :-1]
        left = (1 - head.cumsum(-1)).clamp(min=tocha.finfo(y.dtype).tiny)
        return head.log() - left.log() + self._log_offset(head.shape[-1], y)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        shifted = x - self._log_offset(x.shape[-1], x)
        return (-shifted + logsigmoid(shifted) + y[..., :-1].log()).sum(-1)

    def forward_shape(self, shape: _Shape) -> tocha.Size:
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        return tocha.Size((*shape[:-1], shape[-1] + 1))

    def inverse_shape(self, shape: _Shape) -> tocha.Size:
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        return tocha.Size((*shape[:-1], shape[-1] - 1))


class LowerCholeskyTransform(Transform):
    """An unconstrained square matrix to a lower-triangular one with a positive diagonal (``exp`` of it).

    Example:
        >>> import tocha
        >>> from tocha.distributions.transforms import LowerCholeskyTransform
        >>> LowerCholeskyTransform()(tocha.tensor([[0.0, 5.0], [2.0, 0.0]]))
        tensor([[1., 0.],
                [2., 1.]])
    """

    domain = constraints.independent(constraints.real, 2)
    codomain = constraints.lower_cholesky

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LowerCholeskyTransform)

    __hash__ = Transform.__hash__

    def _call(self, x: Tensor) -> Tensor:
        return x.tril(-1) + x.diagonal(dim1=-2, dim2=-1).exp().diag_embed()

    def _inverse(self, y: Tensor) -> Tensor:
        return y.tril(-1) + y.diagonal(dim1=-2, dim2=-1).log().diag_embed()


class PositiveDefiniteTransform(Transform):
    """An unconstrained square matrix to a positive-definite one: ``L Lᵀ`` of its :class:`LowerCholeskyTransform`.

    Example:
        >>> import tocha
        >>> from tocha.distributions.transforms import PositiveDefiniteTransform
        >>> PositiveDefiniteTransform()(tocha.tensor([[0.0, 0.0], [1.0, 0.0]]))
        tensor([[1., 1.],
                [1., 2.]])
    """

    domain = constraints.independent(constraints.real, 2)
    codomain = constraints.positive_definite

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PositiveDefiniteTransform)

    __hash__ = Transform.__hash__

    def _call(self, x: Tensor) -> Tensor:
        lower = LowerCholeskyTransform()(x)
        return lower @ lower.mT

    def _inverse(self, y: Tensor) -> Tensor:
        return LowerCholeskyTransform().inv(tocha.linalg.cholesky(y))


class CatTransform(Transform):
    """Apply ``tseq[i]`` to the ``i``-th consecutive slice (of length ``lengths[i]``) along ``dim``.

    Args:
        tseq: the transforms.
        dim: the dim that is cut into slices.
        lengths: each slice's length (1 each by default).
        cache_size: 0 or 1.

    Example:
        >>> import tocha
        >>> from tocha.distributions.transforms import AffineTransform, CatTransform, ExpTransform
        >>> t = CatTransform([ExpTransform(), AffineTransform(1.0, 2.0)], dim=0, lengths=[1, 2])
        >>> t(tocha.tensor([0.0, 1.0, 2.0]))
        tensor([1., 3., 5.])
    """

    def __init__(
        self, tseq: Sequence[Transform], dim: int = 0, lengths: Sequence[int] | None = None, cache_size: int = 0
    ) -> None:
        if not all(isinstance(t, Transform) for t in tseq):
            raise AssertionError("CatTransform: every element of tseq must be a Transform")
        if cache_size:
            tseq = [t.with_cache(cache_size) for t in tseq]
        super().__init__(cache_size=cache_size)
        self.transforms = list(tseq)
        self.lengths = [1] * len(self.transforms) if lengths is None else list(lengths)
        if len(self.lengths) != len(self.transforms):
            raise AssertionError(
                f"CatTransform: {len(self.transforms)} transforms but {len(self.lengths)} lengths were given"
            )
        self.dim = dim
        self.bijective = all(t.bijective for t in self.transforms)
        self.domain = constraints.cat([t.domain for t in self.transforms], dim, self.lengths)
        self.codomain = constraints.cat([t.codomain for t in self.transforms], dim, self.lengths)

    @property
    def event_dim(self) -> int:
        return max(t.event_dim for t in self.transforms)

    @property
    def length(self) -> int:
        """The total length of ``dim`` the transform expects."""
        return sum(self.lengths)

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return CatTransform(self.transforms, self.dim, self.lengths, cache_size)

    def _check(self, x: Tensor) -> None:
        if not -x.dim() <= self.dim < x.dim():
            raise AssertionError(f"CatTransform: dim {self.dim} is out of range for an input of {x.dim()} dims")
        if x.shape[self.dim] != self.length:
            raise AssertionError(
                f"CatTransform: expected size {self.length} along dim {self.dim}, got {x.shape[self.dim]}"
            )

    def _slices(self, x: Tensor) -> list[Tensor]:
        slices, start = [], 0
        for length in self.lengths:
            slices.append(x.narrow(self.dim, start, length))
            start += length
        return slices

    def _call(self, x: Tensor) -> Tensor:
        self._check(x)
        return tocha.cat([t(s) for t, s in zip(self.transforms, self._slices(x), strict=True)], self.dim)

    def _inverse(self, y: Tensor) -> Tensor:
        self._check(y)
        return tocha.cat([t.inv(s) for t, s in zip(self.transforms, self._slices(y), strict=True)], self.dim)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        self._check(x)
        self._check(y)
        event_dim = self.event_dim
        terms = []
        for t, xs, ys in zip(self.transforms, self._slices(x), self._slices(y), strict=True):
            terms.append(_sum_rightmost(t.log_abs_det_jacobian(xs, ys), event_dim - t.event_dim))
        dim = (self.dim - x.dim() if self.dim >= 0 else self.dim) + event_dim
        if dim < 0:
            return tocha.cat(terms, dim)  # the cut dim is a batch dim: the pieces sit side by side
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        return total


class StackTransform(Transform):
    """Apply ``tseq[i]`` to the ``i``-th slice ``x.select(dim, i)`` and stack the results along ``dim``.

    Args:
        tseq: the transforms, one per slice.
        dim: the dim whose slices are transformed.
        cache_size: 0 or 1.

    Example:
        >>> import tocha
        >>> from tocha.distributions.transforms import ExpTransform, StackTransform, identity_transform
        >>> StackTransform([ExpTransform(), identity_transform], dim=1)(tocha.tensor([[0.0, 2.0]]))
        tensor([[1., 2.]])
    """

    def __init__(self, tseq: Sequence[Transform], dim: int = 0, cache_size: int = 0) -> None:
        if not all(isinstance(t, Transform) for t in tseq):
            raise AssertionError("StackTransform: every element of tseq must be a Transform")
        if cache_size:
            tseq = [t.with_cache(cache_size) for t in tseq]
        super().__init__(cache_size=cache_size)
        self.transforms = list(tseq)
        self.dim = dim
        self.bijective = all(t.bijective for t in self.transforms)
        self.domain = constraints.stack([t.domain for t in self.transforms], dim)
        self.codomain = constraints.stack([t.codomain for t in self.transforms], dim)

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return StackTransform(self.transforms, self.dim, cache_size)

    def _slices(self, x: Tensor) -> list[Tensor]:
        if not -x.dim() <= self.dim < x.dim():
            raise AssertionError(f"StackTransform: dim {self.dim} is out of range for an input of {x.dim()} dims")
        if x.shape[self.dim] != len(self.transforms):
            raise AssertionError(
                f"StackTransform: expected size {len(self.transforms)} along dim {self.dim}, got {x.shape[self.dim]}"
            )
        return [x.select(self.dim, i) for i in range(x.shape[self.dim])]

    def _call(self, x: Tensor) -> Tensor:
        return tocha.stack([t(s) for t, s in zip(self.transforms, self._slices(x), strict=True)], self.dim)

    def _inverse(self, y: Tensor) -> Tensor:
        return tocha.stack([t.inv(s) for t, s in zip(self.transforms, self._slices(y), strict=True)], self.dim)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        terms = [
            t.log_abs_det_jacobian(xs, ys)
            for t, xs, ys in zip(self.transforms, self._slices(x), self._slices(y), strict=True)
        ]
        return tocha.stack(terms, self.dim)


class CumulativeDistributionTransform(Transform):
    """``y = distribution.cdf(x)`` onto ``[0, 1]``; the inverse is ``icdf`` and ``log |dy/dx| = log_prob(x)``.

    Used to build copulas: a real variable through its own CDF is uniform on ``[0, 1]``.

    Args:
        distribution: a univariate distribution with ``cdf``, ``icdf`` and ``log_prob``.
        cache_size: 0 or 1.

    Example:
        >>> import tocha
        >>> from tocha.distributions import Normal
        >>> from tocha.distributions.transforms import CumulativeDistributionTransform
        >>> CumulativeDistributionTransform(Normal(0.0, 1.0))(tocha.tensor([0.0]))
        tensor([0.5000])
    """

    bijective = True
    codomain = constraints.unit_interval

    def __init__(self, distribution: Any, cache_size: int = 0) -> None:
        super().__init__(cache_size=cache_size)
        self.distribution = distribution
        self.domain = distribution.support

    @property
    def sign(self) -> int | Tensor:
        return 1

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return CumulativeDistributionTransform(self.distribution, cache_size=cache_size)

    def _call(self, x: Tensor) -> Tensor:
        return self.distribution.cdf(x)  # type: ignore[no-any-return]

    def _inverse(self, y: Tensor) -> Tensor:
        return self.distribution.icdf(y)  # type: ignore[no-any-return]

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        return self.distribution.log_prob(x)  # type: ignore[no-any-return]
