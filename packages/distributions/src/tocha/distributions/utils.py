"""Helpers shared by the distributions: broadcasting parameters, probabilities <-> logits, cached properties.

These are PyTorch's ``torch.distributions.utils`` names; third-party distributions use them too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from numbers import Number
from typing import Any, Generic, TypeVar, overload

import tocha
from tocha import Tensor

__all__ = [
    "broadcast_all",
    "clamp_probs",
    "euler_constant",
    "lazy_property",
    "logits_to_probs",
    "probs_to_logits",
    "tril_matrix_to_vec",
    "vec_to_tril_matrix",
]

euler_constant = 0.57721566490153286060  # the Euler-Mascheroni constant

T = TypeVar("T")
R = TypeVar("R")


def broadcast_all(*values: Tensor | float) -> tuple[Tensor, ...]:
    """Broadcast tensors and Python numbers to one shape; numbers take the first tensor's dtype and device.

    Example:
        >>> import tocha
        >>> from tocha.distributions.utils import broadcast_all
        >>> loc, scale = broadcast_all(tocha.zeros(3), 2.0)
        >>> scale
        tensor([2., 2., 2.])
    """
    template: Tensor | None = None
    for v in values:
        if isinstance(v, Tensor):
            template = template if template is not None else v
        elif not isinstance(v, Number):
            raise ValueError(
                f"Input arguments must all be instances of numbers.Number or tocha.Tensor, got {type(v).__name__}"
            )
    if template is None:
        dtype, device = tocha.get_default_dtype(), None
    else:
        dtype, device = template.dtype, template.device
    tensors = [v if isinstance(v, Tensor) else tocha.tensor(v, dtype=dtype, device=device) for v in values]
    return tuple(tocha.broadcast_tensors(*tensors))


def _standard_normal(shape: Any, dtype: Any, device: Any) -> Tensor:
    """Standard normal samples (no gradient) of ``shape``."""
    return tocha.randn(tuple(shape), dtype=dtype, device=device)


def _sum_rightmost(value: Tensor, dim: int) -> Tensor:
    """Sum the rightmost ``dim`` dimensions of ``value``."""
    if dim == 0:
        return value
    return value.reshape(*value.shape[: value.dim() - dim], -1).sum(-1)


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """Probabilities from logits: ``sigmoid`` for binary events, ``softmax`` over the last dim otherwise.

    Example:
        >>> import tocha
        >>> from tocha.distributions.utils import logits_to_probs
        >>> logits_to_probs(tocha.tensor([0.0, 0.0]))
        tensor([0.5000, 0.5000])
    """
    if is_binary:
        return tocha.sigmoid(logits)
    return tocha.softmax(logits, dim=-1)


def clamp_probs(probs: Tensor) -> Tensor:
    """``probs`` clamped into ``[eps, 1 - eps]`` (``eps`` of its dtype), so logarithms stay finite.

    Example:
        >>> import tocha
        >>> from tocha.distributions.utils import clamp_probs
        >>> bool(clamp_probs(tocha.tensor([0.0]))[0] > 0)
        True
    """
    eps = tocha.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """Logits from probabilities (clamped first): ``log(p) - log1p(-p)`` for binary events, ``log(p)`` otherwise.

    Example:
        >>> import tocha
        >>> from tocha.distributions.utils import probs_to_logits
        >>> probs_to_logits(tocha.tensor([0.5]), is_binary=True)
        tensor([0.])
    """
    clamped = clamp_probs(probs)
    if is_binary:
        return tocha.log(clamped) - tocha.log1p(-clamped)
    return tocha.log(clamped)


class lazy_property(Generic[T, R]):
    """A property computed on first access and then stored on the instance (computed with gradients enabled).

    Distributions use it for the parameterisation they were not given (``probs`` from ``logits``...).

    Example:
        >>> from tocha.distributions.utils import lazy_property
        >>> class Box:
        ...     calls = 0
        ...     @lazy_property
        ...     def value(self) -> int:
        ...         Box.calls += 1
        ...         return 42
        >>> box = Box()
        >>> box.value, box.value, Box.calls
        (42, 42, 1)
    """

    def __init__(self, wrapped: Callable[[T], R]) -> None:
        self.wrapped = wrapped
        functools.update_wrapper(self, wrapped)  # type: ignore[arg-type]

    @overload
    def __get__(self, instance: None, obj_type: Any = None) -> _LazyPropertyAndProperty[T, R]: ...

    @overload
    def __get__(self, instance: T, obj_type: Any = None) -> R: ...

    def __get__(self, instance: T | None, obj_type: Any = None) -> Any:
        if instance is None:
            return _LazyPropertyAndProperty(self.wrapped)
        with tocha.enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


class _LazyPropertyAndProperty(lazy_property[T, R], property):
    """What a class-level lookup of a lazy_property returns: a ``property`` too, so documentation tools see one."""

    def __init__(self, wrapped: Callable[[T], R]) -> None:
        property.__init__(self, wrapped)


def tril_matrix_to_vec(mat: Tensor, diag: int = 0) -> Tensor:
    """The lower triangle (below diagonal ``diag``) of the last two dims of ``mat``, row by row, as a vector.

    Example:
        >>> import tocha
        >>> from tocha.distributions.utils import tril_matrix_to_vec
        >>> tril_matrix_to_vec(tocha.tensor([[1.0, 0.0], [2.0, 3.0]]))
        tensor([1., 2., 3.])
    """
    n = mat.shape[-1]
    if not isinstance(diag, int) or not (-n <= diag < n):
        raise ValueError(f"diag ({diag}) provided is outside [{-n}, {n - 1}].")
    rows, cols = tocha.tril_indices(n, n, offset=diag, device=mat.device)
    return mat[..., rows, cols]


def vec_to_tril_matrix(vec: Tensor, diag: int = 0) -> Tensor:
    """The inverse of :func:`tril_matrix_to_vec`: a lower-triangular matrix (zeros above) from its entries.

    Example:
        >>> import tocha
        >>> from tocha.distributions.utils import vec_to_tril_matrix
        >>> vec_to_tril_matrix(tocha.tensor([1.0, 2.0, 3.0]))
        tensor([[1., 0.],
                [2., 3.]])
    """
    length = vec.shape[-1]
    n = _tril_side(length, diag)
    if n < 0:
        raise RuntimeError(
            f"vec_to_tril_matrix(): the size of the last dimension is {length}, which cannot be expressed as the lower "
            f"triangular part (diag={diag}) of a square D x D matrix"
        )
    rows, cols = tocha.tril_indices(n, n, offset=diag, device=vec.device)
    mat = vec.new_zeros((*vec.shape[:-1], n, n))
    mat[..., rows, cols] = vec
    return mat


def _tril_count(n: int, diag: int) -> int:
    """How many entries of an ``n x n`` matrix lie on or below diagonal ``diag``."""
    return sum(min(max(i + diag + 1, 0), n) for i in range(n))


def _tril_side(length: int, diag: int) -> int:
    """The side ``n`` whose triangle below ``diag`` holds ``length`` entries, or -1 when none does."""
    n = 0
    while _tril_count(n, diag) < length:
        n += 1
    return n if _tril_count(n, diag) == length else -1


def _expand_probs_logits(source: Any, target: Any, shape: Sequence[int]) -> None:
    """Give ``target`` the parameterisations ``source`` holds (``probs`` and/or ``logits``), expanded to ``shape``.

    For ``expand`` of the probs/logits families: a lazily derived parameterisation is not copied (it is derived
    again on access), and ``_param`` is the one the distribution was built from.
    """
    for name in ("probs", "logits"):
        if name in source.__dict__:
            value = source.__dict__[name].expand(shape)
            setattr(target, name, value)
            target._param = value


def _count_and_probs_or_logits(dist: Any, total_count: Any, probs: Any, logits: Any) -> tuple[Tensor, Tensor]:
    """Set exactly one of ``dist.probs`` / ``dist.logits``, broadcast with ``total_count``; returns the count (in
    the parameter's dtype) and the parameter given (Binomial, NegativeBinomial)."""
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")
    name, value = ("probs", probs) if probs is not None else ("logits", logits)
    count, param = broadcast_all(total_count, value)
    setattr(dist, name, param)
    return count.type_as(param), param
