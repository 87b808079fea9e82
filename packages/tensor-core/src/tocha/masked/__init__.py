"""``tocha.masked``: reductions and normalizations over the elements a boolean mask selects, as ``torch.masked``.

NOTE [ Masked reductions ]
Each function takes ``mask`` (a tensor broadcastable to ``input``, read as bool; None selects everything) and
reduces only the selected elements, by giving the others the operation's identity: 0 for ``sum``, ``cumsum`` and
``norm``, 1 for ``prod``/``cumprod``, -inf (or the dtype's minimum) for ``amax``, ``argmax``, ``logsumexp`` and the
softmaxes, +inf (or the maximum) for ``amin``/``argmin`` and ``norm(ord=-inf)``. Counts give ``mean``, ``var`` and
``std``, so a slice with nothing selected gives NaN there, as in PyTorch; a fully masked ``softmax`` row is NaN
too. ``median`` sorts the selected elements first and takes the lower middle one. Results are ordinary dense
tensors, and gradients flow to the selected elements only. (PyTorch's ``argmax``/``argmin`` here return the
input's floating dtype; tocha's return int64 indices, as every other argmax. PyTorch's ``MaskedTensor``
prototype is not provided.)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import tocha
from tocha import Tensor

__all__ = [
    "amax", "amin", "argmax", "argmin", "cumprod", "cumsum", "log_softmax", "logaddexp", "logsumexp", "mean",
    "median", "norm", "normalize", "prod", "softmax", "softmin", "std", "sum", "var",
]  # fmt: skip

DimArg = int | Sequence[int] | None


def _prepared(input: Tensor, mask: Tensor | None, dtype: tocha.dtype | None) -> tuple[Tensor, Tensor | None]:
    if dtype is not None:
        input = input.to(dtype)
    if mask is None:
        return input, None
    return input, mask.to(tocha.bool).expand(input.shape)


def _filled(input: Tensor, mask: Tensor | None, value: float) -> Tensor:
    """``input`` with the unselected elements set to ``value`` (a differentiable ``where``)."""
    if mask is None:
        return input
    if not (input.dtype.is_floating_point or input.dtype.is_complex) and math.isinf(value):
        info = tocha.iinfo(input.dtype) if input.dtype is not tocha.bool else None
        value = (info.max if value > 0 else info.min) if info is not None else value > 0
    return tocha.where(mask, input, tocha.tensor(value, dtype=input.dtype, device=input.device))


def _dims(dim: DimArg, ndim: int) -> list[int]:
    """``dim`` as a sorted list of non-negative dims; None or an empty sequence: every dim."""
    if dim is None or (not isinstance(dim, int) and len(dim) == 0):
        return list(range(ndim))
    dims = [dim] if isinstance(dim, int) else list(dim)
    return sorted(d % ndim for d in dims) if ndim else []


def _count(input: Tensor, mask: Tensor | None, dim: DimArg, keepdim: bool) -> Tensor:
    selected = tocha.ones_like(input, dtype=tocha.int64) if mask is None else mask.to(tocha.int64)
    return _reduce(tocha.sum, selected, dim, keepdim)


def _reduce(op: Any, input: Tensor, dim: DimArg, keepdim: bool) -> Tensor:
    """``op`` (sum, prod, amax, amin or logsumexp) over every dim of ``dim`` (all of them when None)."""
    dims = _dims(dim, input.dim())
    if not dims:  # a 0-dim input: the element itself
        return input.clone() if op is not tocha.logsumexp else op(input, 0, keepdim=keepdim)
    if op is tocha.prod:  # prod takes one dim at a time
        result = input
        for d in reversed(dims):
            result = tocha.prod(result, d, keepdim=keepdim)
        return result
    return op(input, tuple(dims), keepdim=keepdim)  # type: ignore[no-any-return]


def sum(
    input: Tensor, dim: DimArg = None, *, keepdim: bool = False, dtype: tocha.dtype | None = None,
    mask: Tensor | None = None,
) -> Tensor:  # fmt: skip
    """The sum of the selected elements over ``dim`` (0 where none is selected).

    Example:
        >>> import tocha
        >>> x = tocha.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> tocha.masked.sum(x, 1, mask=tocha.tensor([[True, False, True], [False, False, False]]))
        tensor([4., 0.])
    """
    input, mask = _prepared(input, mask, dtype)
    return _reduce(tocha.sum, _filled(input, mask, 0), dim, keepdim)


def prod(
    input: Tensor, dim: DimArg = None, *, keepdim: bool = False, dtype: tocha.dtype | None = None,
    mask: Tensor | None = None,
) -> Tensor:  # fmt: skip
    """The product of the selected elements over ``dim`` (1 where none is selected).

    Example:
        >>> import tocha
        >>> tocha.masked.prod(tocha.tensor([2.0, 3.0, 4.0]), 0, mask=tocha.tensor([True, False, True]))
        tensor(8.)
    """
    input, mask = _prepared(input, mask, dtype)
    return _reduce(tocha.prod, _filled(input, mask, 1), dim, keepdim)


def amax(
    input: Tensor, dim: DimArg = None, *, keepdim: bool = False, dtype: tocha.dtype | None = None,
    mask: Tensor | None = None,
) -> Tensor:  # fmt: skip
    """The largest selected element over ``dim`` (-inf, or the integer minimum, where none is selected).

    Example:
        >>> import tocha
        >>> tocha.masked.amax(tocha.tensor([2.0, 9.0, 4.0]), 0, mask=tocha.tensor([True, False, True]))
        tensor(4.)
    """
    input, mask = _prepared(input, mask, dtype)
    return _reduce(tocha.amax, _filled(input, mask, -math.inf), dim, keepdim)


def amin(
    input: Tensor, dim: DimArg = None, *, keepdim: bool = False, dtype: tocha.dtype | None = None,
    mask: Tensor | None = None,
) -> Tensor:  # fmt: skip
    """The smallest selected element over ``dim`` (+inf, or the integer maximum, where none is selected).

    Example:
        >>> import tocha
        >>> tocha.masked.amin(tocha.tensor([2.0, 1.0, 4.0]), 0, mask=tocha.tensor([True, False, True]))
        tensor(2.)
    """
    input, mask = _prepared(input, mask, dtype)
    return _reduce(tocha.amin, _filled(input, mask, math.inf), dim, keepdim)


def argmax(
    input: Tensor, dim: int | None = None, *, keepdim: bool = False, dtype: tocha.dtype | None = None,
    mask: Tensor | None = None,
) -> Tensor:  # fmt: skip
    """The index (int64) of the largest selected element along ``dim`` (of the flattened tensor when None).

    Example:
        >>> import tocha
        >>> tocha.masked.argmax(tocha.tensor([2.0, 9.0, 4.0]), 0, mask=tocha.tensor([True, False, True]))
        tensor(2)
    """
    input, mask = _prepared(input, mask, dtype)
    return tocha.argmax(_filled(input, mask, -math.inf), dim, keepdim=keepdim)


def argmin(
    input: Tensor, dim: int | None = None, *, keepdim: bool = False, dtype: tocha.dtype | None = None,
    mask: Tensor | None = None,
) -> Tensor:  # fmt: skip
    """The index (int64) of the smallest selected element along ``dim`` (of the flattened tensor when None).

    Example:
        >>> import tocha
        >>> tocha.masked.argmin(tocha.tensor([2.0, 1.0, 4.0]), 0, mask=tocha.tensor([True, False, True]))
        tensor(0)
    """
    input, mask = _prepared(input, mask, dtype)
    return tocha.argmin(_filled(input, mask, math.inf), dim, keepdim=keepdim)


def _floating(name: str, input: Tensor) -> None:
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise ValueError(
            f"{name}(): Could not infer output dtype. Input dtype must be either a floating point or complex dtype. "
            f"Got: {input.dtype}"
        )


def mean(
    input: Tensor, dim: DimArg = None, *, keepdim: bool = False, dtype: tocha.dtype | None = None,
    mask: Tensor | None = None,
) -> Tensor:  # fmt: skip
    """The mean of the selected elements over ``dim`` (NaN where none is selected).

    Example:
        >>> import tocha
        >>> x = tocha.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> tocha.masked.mean(x, 1, mask=tocha.tensor([[True, False, True], [False, False, False]]))
        tensor([2., nan])
    """
    input, mask = _prepared(input, mask, dtype)
    _floating("mean", input)
    total = _reduce(tocha.sum, _filled(input, mask, 0), dim, keepdim)
    return total / _count(input, mask, dim, keepdim)


def var(
    input: Tensor, dim: DimArg = None, unbiased: bool | None = None, *, correction: float | None = None,
    keepdim: bool = False, dtype: tocha.dtype | None = None, mask: Tensor | None = None,
) -> Tensor:  # fmt: skip
    """The variance of the selected elements over ``dim``, divided by their count minus ``correction`` (1 unless
    ``unbiased=False`` or ``correction`` says otherwise); NaN where that is not positive.

    Example:
        >>> import tocha
        >>> tocha.masked.var(tocha.tensor([1.0, 9.0, 3.0]), 0, mask=tocha.tensor([True, False, True]))
        tensor(2.)
    """
    input, mask = _prepared(input, mask, dtype)
    _floating("var", input)
    if correction is None:
        correction = 0 if unbiased is False else 1
    count = _count(input, mask, dim, True)
    centre = _reduce(tocha.sum, _filled(input, mask, 0), dim, True) / count
    squares = _filled((input - centre).abs() ** 2, mask, 0)
    total = _reduce(tocha.sum, squares, dim, keepdim)
    divisor = (_count(input, mask, dim, keepdim) - correction).clamp(min=0)
    return total / divisor


def std(
    input: Tensor, dim: DimArg = None, unbiased: bool | None = None, *, correction: float | None = None,
    keepdim: bool = False, dtype: tocha.dtype | None = None, mask: Tensor | None = None,
) -> Tensor:  # fmt: skip
    """The standard deviation of the selected elements over ``dim`` (the square root of :func:`var`).

    Example:
        >>> import tocha
        >>> selected = tocha.tensor([True, False, True])
        >>> tocha.masked.std(tocha.tensor([1.0, 9.0, 3.0]), 0, unbiased=False, mask=selected)
        tensor(1.)
    """
    return tocha.sqrt(var(input, dim, unbiased, correction=correction, keepdim=keepdim, dtype=dtype, mask=mask))


def median(
    input: Tensor, dim: int = -1, *, keepdim: bool = False, dtype: tocha.dtype | None = None,
    mask: Tensor | None = None,
) -> Tensor:  # fmt: skip
    """The lower median of the selected elements along ``dim`` (NaN where none is selected, for floats).

    Example:
        >>> import tocha
        >>> x = tocha.tensor([[1.0, 7.0, 3.0, 2.0]])
        >>> tocha.masked.median(x, 1, mask=tocha.tensor([[True, False, True, True]]))
        tensor([2.])
    """
    input, mask = _prepared(input, mask, dtype)
    if mask is None:
        return tocha.median(input, dim, keepdim=keepdim).values  # type: ignore[no-any-return]
    ordered = tocha.sort(_filled(input, mask, math.inf), dim=dim).values  # the unselected go last
    count = mask.to(tocha.int64).sum(dim, keepdim=True)
    middle = ((count - 1).clamp(min=0) // 2).to(tocha.int64)
    result = tocha.gather(ordered, dim if dim >= 0 else dim + input.dim(), middle)
    if input.dtype.is_floating_point:
        result = tocha.where(count > 0, result, tocha.tensor(math.nan, dtype=input.dtype, device=input.device))
    return result if keepdim else result.squeeze(dim)


def logsumexp(
    input: Tensor, dim: DimArg = None, *, keepdim: bool = False, dtype: tocha.dtype | None = None,
    mask: Tensor | None = None,
) -> Tensor:  # fmt: skip
    """``log(sum(exp(x)))`` of the selected elements over ``dim`` (-inf where none is selected).

    Example:
        >>> import tocha
        >>> tocha.masked.logsumexp(tocha.tensor([0.0, 5.0, 0.0]), 0, mask=tocha.tensor([True, False, True]))
        tensor(0.6931)
    """
    input, mask = _prepared(input, mask, dtype)
    return _reduce(tocha.logsumexp, _filled(input, mask, -math.inf), dim, keepdim)


def norm(
    input: Tensor, ord: float = 2.0, dim: DimArg = None, *, keepdim: bool = False, dtype: tocha.dtype | None = None,
    mask: Tensor | None = None,
) -> Tensor:  # fmt: skip
    """The vector ``ord``-norm of the selected elements over ``dim`` (the unselected count as 0, or as +inf for
    ``ord=-inf``, as in PyTorch).

    Example:
        >>> import tocha
        >>> tocha.masked.norm(tocha.tensor([3.0, 9.0, 4.0]), 2.0, 0, mask=tocha.tensor([True, False, True]))
        tensor(5.)
    """
    input, mask = _prepared(input, mask, dtype)
    filled = _filled(input, mask, math.inf if ord == -math.inf else 0)
    dims = _dims(dim, input.dim())
    return tocha.linalg.vector_norm(filled, ord, dim=tuple(dims) if dims else None, keepdim=keepdim)


def normalize(
    input: Tensor, ord: float, dim: int, *, eps: float = 1e-12, dtype: tocha.dtype | None = None,
    mask: Tensor | None = None,
) -> Tensor:  # fmt: skip
    """The selected elements divided by their ``ord``-norm along ``dim`` (at least ``eps``); the others are 0.

    Example:
        >>> import tocha
        >>> tocha.masked.normalize(tocha.tensor([3.0, 9.0, 4.0]), 2.0, 0, mask=tocha.tensor([True, False, True]))
        tensor([0.6000, 0.0000, 0.8000])
    """
    input, mask = _prepared(input, mask, dtype)
    scale = norm(input, ord, dim, keepdim=True, mask=mask).clamp(min=eps)
    return _filled(input, mask, 0) / scale


def softmax(input: Tensor, dim: int, *, dtype: tocha.dtype | None = None, mask: Tensor | None = None) -> Tensor:
    """Softmax over the selected elements along ``dim``; the others get 0 (a slice with none selected: NaN).

    Example:
        >>> import tocha
        >>> tocha.masked.softmax(tocha.tensor([0.0, 5.0, 0.0]), 0, mask=tocha.tensor([True, False, True]))
        tensor([0.5000, 0.0000, 0.5000])
    """
    input, mask = _prepared(input, mask, dtype)
    return tocha.softmax(_filled(input, mask, -math.inf), dim)


def log_softmax(input: Tensor, dim: int, *, dtype: tocha.dtype | None = None, mask: Tensor | None = None) -> Tensor:
    """Log-softmax over the selected elements along ``dim``; the others get -inf (none selected: NaN).

    Example:
        >>> import tocha
        >>> tocha.masked.log_softmax(tocha.tensor([0.0, 5.0, 0.0]), 0, mask=tocha.tensor([True, False, True]))
        tensor([-0.6931,    -inf, -0.6931])
    """
    input, mask = _prepared(input, mask, dtype)
    return tocha.log_softmax(_filled(input, mask, -math.inf), dim)


def softmin(input: Tensor, dim: int, *, dtype: tocha.dtype | None = None, mask: Tensor | None = None) -> Tensor:
    """Softmin (the softmax of ``-input``) over the selected elements along ``dim``; the others get 0.

    Example:
        >>> import tocha
        >>> tocha.masked.softmin(tocha.tensor([0.0, -5.0, 0.0]), 0, mask=tocha.tensor([True, False, True]))
        tensor([0.5000, 0.0000, 0.5000])
    """
    input, mask = _prepared(input, mask, dtype)
    return tocha.softmax(_filled(-input, mask, -math.inf), dim)


def cumsum(input: Tensor, dim: int, *, dtype: tocha.dtype | None = None, mask: Tensor | None = None) -> Tensor:
    """The running sum along ``dim`` of the selected elements (the others add 0).

    Example:
        >>> import tocha
        >>> tocha.masked.cumsum(tocha.tensor([1.0, 2.0, 3.0]), 0, mask=tocha.tensor([True, False, True]))
        tensor([1., 1., 4.])
    """
    input, mask = _prepared(input, mask, dtype)
    return tocha.cumsum(_filled(input, mask, 0), dim)


def cumprod(input: Tensor, dim: int, *, dtype: tocha.dtype | None = None, mask: Tensor | None = None) -> Tensor:
    """The running product along ``dim`` of the selected elements (the others multiply by 1).

    Example:
        >>> import tocha
        >>> tocha.masked.cumprod(tocha.tensor([2.0, 5.0, 3.0]), 0, mask=tocha.tensor([True, False, True]))
        tensor([2., 2., 6.])
    """
    input, mask = _prepared(input, mask, dtype)
    return tocha.cumprod(_filled(input, mask, 1), dim)


def logaddexp(
    input: Tensor, other: Tensor, *, dtype: tocha.dtype | None = None, input_mask: Tensor | None = None,
    other_mask: Tensor | None = None,
) -> Tensor:  # fmt: skip
    """``log(exp(input) + exp(other))`` element-wise, each operand's unselected elements counting as -inf.

    Example:
        >>> import tocha
        >>> x = tocha.tensor([0.0, 1.0])
        >>> tocha.masked.logaddexp(x, x, input_mask=tocha.tensor([True, False]))
        tensor([0.6931, 1.0000])
    """
    input, input_mask = _prepared(input, input_mask, dtype)
    other, other_mask = _prepared(other, other_mask, dtype)
    return tocha.logaddexp(_filled(input, input_mask, -math.inf), _filled(other, other_mask, -math.inf))
