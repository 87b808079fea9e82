"""``tocha.memory_format``: the order in which a dense tensor's elements lie in memory.

A tocha tensor is an array with strides, so a memory format is only a choice of strides for the same
logical (NCHW) shape: ``tocha.channels_last`` is an NCHW-shaped view of NHWC-ordered memory, exactly
as in PyTorch. See NOTE [ Memory formats ].
"""

from __future__ import annotations

from typing import Any

__all__ = ["memory_format", "contiguous_format", "channels_last", "channels_last_3d", "preserve_format"]

# NOTE [ Memory formats ]
# ``contiguous_format`` is row-major (NCHW) order; ``channels_last`` puts the channel dimension innermost
# (memory order N, H, W, C: strides ``(H*W*C, 1, W*C, C)``); ``channels_last_3d`` does the same for
# 5-d NCDHW tensors; ``preserve_format`` (the default of clone, *_like and to) keeps the input's strides
# when its elements are dense and do not overlap, else keeps the input's order of dimensions with the gaps
# closed (NumPy's ``order='K'`` copy, which is what PyTorch's infer_dense_strides does; ties between
# equal strides may be broken differently, which only changes strides of size-1 dimensions).
#
# A tensor is made channels-last by copying its NHWC transpose to C order and transposing back: a view, so
# ``stride()`` gives PyTorch's numbers. ``is_contiguous(memory_format=channels_last)`` uses PyTorch's test
# (size-1 dimensions may have any stride), so a tensor with C == 1 or H == W == 1 is contiguous in both
# formats, and ``contiguous`` returns it unchanged (``to`` copies it: see the end of this NOTE).
#
# Which ops keep the layout: NumPy ufuncs write their result in the input's memory order (``order='K'``),
# so unary elementwise ops (relu, exp, sigmoid, gelu, silu, hardtanh, leaky_relu, dropout), scalar and
# broadcast binary ops with the channels-last tensor as the full-size operand, where, dtype casts, clone,
# batch_norm, max/avg/adaptive pooling keep channels-last, as PyTorch does (``cached_zeros_like`` gives a
# non-contiguous input a scalar 0 so relu's ``maximum`` keeps its order). ``.grad`` of a channels-last leaf
# takes the leaf's strides (PyTorch's layout contract, in tocha.autograd's AccumulateGrad), so an optimizer's
# in-place step keeps parameters channels-last. Differences from PyTorch (values are always equal; only
# strides differ):
# - a binary op between a channels-last and a row-major tensor of the same shape: PyTorch follows the
#   first operand, NumPy gives row-major;
# - conv2d (and its input gradient) returns a row-major result where PyTorch keeps channels-last;
# - moving to another device gives a row-major tensor unless ``memory_format`` is passed;
# - an empty (size-0) tensor reports row-major strides whatever its format (NumPy gives empty arrays zero
#   strides, so the layout is not recorded), hence ``is_contiguous(memory_format=channels_last)`` is False.
# ``Tensor.to(memory_format=fmt)`` returns the tensor itself when its strides *look like* ``fmt``
# (PyTorch's suggest_memory_format, where ambiguous strides count as row-major), else a copy in ``fmt``;
# ``contiguous(memory_format=fmt)`` returns it when it *is* contiguous in ``fmt``.


class memory_format:
    """A memory format: one fixed instance per kind, compared by identity; prints as ``tocha.channels_last``.

    Example:
        >>> import tocha
        >>> x = tocha.zeros(2, 3, 4, 5).to(memory_format=tocha.channels_last)
        >>> tocha.channels_last, x.stride(), x.is_contiguous(memory_format=tocha.channels_last)
        (tocha.channels_last, (60, 1, 15, 3), True)
    """

    __slots__ = ("_name", "_rank")
    __module__ = "tocha"
    _name: str
    _rank: int

    def __new__(cls, *args: Any, **kwargs: Any) -> memory_format:
        raise TypeError("cannot create 'tocha.memory_format' instances")

    @classmethod
    def _make(cls, name: str, rank: int) -> memory_format:
        obj = object.__new__(cls)
        object.__setattr__(obj, "_name", name)
        object.__setattr__(obj, "_rank", rank)
        return obj

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"'tocha.memory_format' object attribute '{name}' is read-only")

    def __repr__(self) -> str:
        return f"tocha.{self._name}"

    def __reduce__(self) -> str:
        return self._name  # pickles as the module-level name, so unpickling gives the same object


contiguous_format = memory_format._make("contiguous_format", 0)
channels_last = memory_format._make("channels_last", 4)
channels_last_3d = memory_format._make("channels_last_3d", 5)
preserve_format = memory_format._make("preserve_format", 0)


def check_memory_format(op: str, value: Any) -> memory_format:
    """``value`` if it is a ``tocha.memory_format``, else TypeError in PyTorch's words."""
    if isinstance(value, memory_format):
        return value
    raise TypeError(f"{op}(): argument 'memory_format' must be tocha.memory_format, not {type(value).__name__}")


def check_rank(fmt: memory_format, ndim: int) -> None:
    """RuntimeError when a channels-last format meets a tensor of the wrong rank."""
    if fmt._rank and fmt._rank != ndim:
        raise RuntimeError(f"required rank {fmt._rank} tensor to use {fmt._name} format")


def is_channels_last(sizes: tuple[int, ...], strides: tuple[int, ...]) -> bool:
    """PyTorch's channels-last contiguity test for a 4-d or 5-d tensor (size-1 dimensions may have any stride)."""
    expected = 1
    for d in (1, *range(len(sizes) - 1, 1, -1), 0):
        size = sizes[d]
        if size != 1:
            if strides[d] != expected:
                return False
            expected *= size
    return True


def suggest_format(sizes: tuple[int, ...], strides: tuple[int, ...]) -> memory_format:
    """The format a tensor's strides look like (PyTorch's suggest_memory_format); ambiguous cases are row-major.

    ``Tensor.to(memory_format=fmt)`` returns the tensor itself exactly when this gives ``fmt``.
    """
    n = len(sizes)
    if n not in (4, 5) or strides[1] == 0:
        return contiguous_format
    low = 0
    for d in (1, *range(n - 1, 1, -1), 0):
        if sizes[d] == 0 or strides[d] < low or (d == 0 and low == strides[1]):
            return contiguous_format
        low = strides[d] * sizes[d] if sizes[d] > 1 else strides[d]
    return channels_last if n == 4 else channels_last_3d


def is_contiguous_as(sizes: tuple[int, ...], strides: tuple[int, ...], c_contiguous: bool, fmt: memory_format) -> bool:
    """Whether a tensor of these sizes and strides is contiguous in ``fmt`` (preserve: row-major, as PyTorch)."""
    if not fmt._rank:
        return c_contiguous
    return len(sizes) == fmt._rank and is_channels_last(sizes, strides)


def format_order(fmt: memory_format, ndim: int) -> tuple[int, ...] | None:
    """The memory order of dimensions (outermost first) that ``fmt`` asks for; None for row-major.

    Raises RuntimeError for a channels-last format on a tensor of the wrong rank.
    """
    if not fmt._rank:
        return None
    check_rank(fmt, ndim)
    return (0, *range(2, ndim), 1)


def empty_ordered(xp: Any, shape: tuple[int, ...], np_dtype: Any, order: tuple[int, ...] | None) -> Any:
    """An uninitialised array of logical ``shape`` whose dimensions lie in memory in ``order`` (None: row-major)."""
    if order is None:
        return xp.empty(shape, dtype=np_dtype)
    physical = tuple(shape[d] for d in order)
    return xp.empty(physical, dtype=np_dtype).transpose(tuple(order.index(d) for d in range(len(order))))


def copy_ordered(xp: Any, array: Any, order: tuple[int, ...] | None) -> Any:
    """A copy of ``array`` laid out in ``order``; None keeps its layout (NumPy's ``order='K'``, see the NOTE)."""
    if order is None:
        return array.copy(order="K")
    result = empty_ordered(xp, tuple(array.shape), array.dtype, order)
    result[...] = array
    return result
