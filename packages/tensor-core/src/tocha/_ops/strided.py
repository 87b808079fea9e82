"""``as_strided`` and its family: views with explicit sizes, strides and storage offset.

NOTE [ as_strided ]
PyTorch's ``as_strided(input, size, stride, storage_offset)`` reads ``input``'s *storage*, not ``input``: element
``i`` of the result is storage element ``storage_offset + sum(i_d * stride_d)``, and the offset defaults to
``input.storage_offset()``. A tocha tensor's storage is its root's array (``storage_offset()`` counts from the
root's first element), so the op takes the root's array as a second, non-differentiable input and builds the view
on it; the result is a view of that root, as every view is.

The gradient goes to ``input`` through storage positions, written with tocha ops so that it is differentiable in
turn: the result's gradient is summed into a zero "storage" at the result's positions (overlapping windows add up),
and ``input``'s gradient is that storage read at ``input``'s own positions (storage the view reads outside
``input``'s elements passes no gradient on, as in PyTorch). Where ``input``'s geometry overlaps
itself (an expanded tensor), each storage element's gradient is divided among the elements of ``input`` that read
it, as PyTorch does.

``as_strided_`` on a tensor that is its own storage's root replaces the root's array with the view, so that
tensor's storage starts at the view from then on (PyTorch keeps the old storage and offset): a later
``as_strided`` of it counts from there.

``as_strided_scatter`` follows PyTorch's definition: a copy of ``input``'s whole storage with ``src`` written at the
given positions, viewed with ``input``'s geometry (so positions outside ``input``'s view are written and lost).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._dispatch import OpRecord, OpTest, call, register_op
from .._dtype import int64
from .._memory_format import contiguous_format
from .._tensor_base import TensorBase
from .creation import arange, zeros
from .shape import become_view
from .shape_strides import as_strided as _strided_view

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = ["as_strided", "as_strided_", "as_strided_copy", "as_strided_scatter"]


# ------------------------------------------------------------------ geometry


def _storage_numel(root: Any) -> int:
    """Elements of the storage a root array is: all of them, or for a strided root the span its strides reach."""
    if root.flags.c_contiguous or root.size == 0:
        return int(root.size)
    item = root.itemsize
    return 1 + sum(int(n - 1) * int(s // item) for n, s in zip(root.shape, root.strides, strict=True))


def _span(size: Sequence[int], stride: Sequence[int], offset: int) -> int:
    """Storage elements a view needs: one past its last element (nothing for an empty view)."""
    if any(n == 0 for n in size):
        return 0
    return offset + 1 + sum((n - 1) * s for n, s in zip(size, stride, strict=True))


def _overlaps(size: Sequence[int], stride: Sequence[int]) -> bool:
    """Whether two elements of a view may share a storage element (conservative: True can be a false alarm)."""
    reach = 0
    for n, s in sorted((p for p in zip(size, stride, strict=True) if p[0] > 1), key=lambda p: p[1]):
        if s <= reach:
            return True
        reach += (n - 1) * s
    return False


def _positions(size: Sequence[int], stride: Sequence[int], offset: int, like: Tensor) -> Tensor:
    """int64 tensor of shape ``size``: each element's storage position, on ``like``'s device."""
    device = like.device
    positions: Tensor = zeros((), dtype=int64, device=device) + offset
    for axis, (n, s) in enumerate(zip(size, stride, strict=True)):
        shape = [1] * len(size)
        shape[axis] = n
        positions = positions + (arange(n, dtype=int64, device=device) * s).reshape(shape)
    return positions


def _ints(op: str, name: str, position: int, value: Any) -> tuple[int, ...]:
    if isinstance(value, TensorBase) or not isinstance(value, Sequence) or isinstance(value, str):
        raise TypeError(f"{op}(): argument '{name}' (position {position}) must be tuple of ints, not "
                        f"{type(value).__name__}")  # fmt: skip
    items = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{op}(): argument '{name}' (position {position}) must be tuple of ints, but found "
                            f"element of type {type(v).__name__}")  # fmt: skip
        items.append(int(v))
    return tuple(items)


def _geometry(
    op: str, input: Tensor, size: Sequence[int], stride: Sequence[int], storage_offset: int | None
) -> tuple[tuple[int, ...], tuple[int, ...], int]:
    """The checked ``(size, stride, offset)`` of a view of ``input``'s storage, with PyTorch's errors."""
    if not isinstance(input, TensorBase):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    size, stride = _ints(op, "size", 2, size), _ints(op, "stride", 3, stride)
    if storage_offset is None:
        offset = input.storage_offset()
    elif isinstance(storage_offset, bool) or not isinstance(storage_offset, (int, np.integer)):
        raise TypeError(f"{op}(): argument 'storage_offset' (position 4) must be int, not "
                        f"{type(storage_offset).__name__}")  # fmt: skip
    else:
        offset = int(storage_offset)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: {list(stride)}")
    if any(n < 0 for n in size):
        raise RuntimeError(f"Storage size calculation overflowed with sizes={list(size)} and strides={list(stride)}")
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    root = input._base if input._base is not None else input
    available = _storage_numel(root._data)
    needed = _span(size, stride, offset)
    if needed > available:
        item = input._dtype.itemsize
        raise RuntimeError(
            f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, and itemsize {item} "
            f"requiring a storage size of {needed * item} are out of bounds for storage of size {available * item}"
        )
    return size, stride, offset


# ------------------------------------------------------------------ the op


def _as_strided_forward(xp: Any, a: Any, root: Any, size: tuple[int, ...], stride: tuple[int, ...], offset: int) -> Any:
    if 0 in size:  # an empty view may start past the end of the storage (PyTorch's check needs no storage for it)
        offset = min(offset, _storage_numel(root))
    return _strided_view(xp, root, size, stride, offset)


def _as_strided_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor, None]:
    source: Tensor = ctx.inputs[0]
    size, stride, offset = ctx.params
    shape, strides, start = tuple(source.shape), source.stride(), source.storage_offset()
    length = max(_span(size, stride, offset), _span(shape, strides, start))
    storage = zeros(length, dtype=grad.dtype, device=grad.device)
    if grad.numel():
        where = _positions(size, stride, offset, grad).reshape(-1)
        storage = storage.index_put((where,), grad.reshape(-1), accumulate=True)
    reads = _positions(shape, strides, start, grad)
    result: Tensor = storage[reads]
    if _overlaps(shape, strides):  # several elements of ``source`` read one storage element: share its gradient
        ones = zeros(reads.numel(), dtype=grad.dtype, device=grad.device) + 1
        readers = zeros(length, dtype=grad.dtype, device=grad.device).index_put(
            (reads.reshape(-1),), ones, accumulate=True
        )
        result = result / readers[reads]
    return result, None


def _as_strided_samples(device: Any, d: Any) -> list[Any]:
    from ..testing import SampleInput, make_tensor

    def make(*shape: int) -> Any:
        return make_tensor(*shape, dtype=d, device=device)

    return [
        SampleInput(make(12), args=((3, 4), (4, 1)), name="rows"),
        SampleInput(make(12), args=((4, 3), (1, 4)), name="transposed"),
        SampleInput(make(10), args=((3, 4), (2, 1), 1), name="overlap"),
        SampleInput(make(3, 4), args=((2, 3), (0, 1), 2), name="stride-0"),
        SampleInput(make(5), args=((), (), 4), name="0-dim"),
        SampleInput(make(4), args=((0, 3), (1, 1), 4), name="empty"),
    ]


def _as_strided_reference(a: Any, size: Sequence[int], stride: Sequence[int], offset: int = 0) -> Any:
    flat = np.ascontiguousarray(a).reshape(-1)[offset:]
    return np.lib.stride_tricks.as_strided(flat, tuple(size), tuple(s * a.itemsize for s in stride)).copy()


AS_STRIDED = register_op(
    OpRecord(
        name="as_strided",
        forward=_as_strided_forward,
        vjp=_as_strided_vjp,
        saves_inputs=(0,),
        differentiable_inputs=(0,),
        view=True,
        test=OpTest(samples=_as_strided_samples, reference=_as_strided_reference, torch_name="as_strided"),
    )
)


# ------------------------------------------------------------------ public functions


def as_strided(input: Tensor, size: Sequence[int], stride: Sequence[int], storage_offset: int | None = None) -> Tensor:
    """A view of ``input``'s storage with the given sizes, element strides and storage offset (NOTE [ as_strided ]).

    Element ``i`` of the result is storage element ``storage_offset + sum(i_d * stride_d)``; the offset defaults to
    ``input.storage_offset()``. Strides may overlap (sliding windows); the result shares memory with ``input``.

    Raises:
        RuntimeError: sizes and strides of different lengths, a negative size, stride or offset, or a view
            reaching past the end of the storage.

    Example:
        >>> import tocha
        >>> tocha.as_strided(tocha.arange(6), (3, 2), (2, 1))
        tensor([[0, 1],
                [2, 3],
                [4, 5]])
        >>> tocha.as_strided(tocha.arange(5), (3, 3), (1, 1))  # overlapping windows
        tensor([[0, 1, 2],
                [1, 2, 3],
                [2, 3, 4]])
    """
    size, stride, offset = _geometry("as_strided", input, size, stride, storage_offset)
    root = input._base if input._base is not None else input
    return call(AS_STRIDED, input._device, (input, root._data), (size, stride, offset))  # type: ignore[no-any-return]


def as_strided_(input: Tensor, size: Sequence[int], stride: Sequence[int], storage_offset: int | None = None) -> Tensor:
    """:func:`as_strided` in place: ``input`` itself takes the new geometry; returns ``input``.

    Raises:
        RuntimeError: as :func:`as_strided`; a leaf that requires grad.

    Example:
        >>> import tocha
        >>> x = tocha.arange(6.0)
        >>> x.as_strided_((2, 2), (1, 2), 1)
        tensor([[1., 3.],
                [2., 4.]])
    """
    return become_view(input, as_strided(input, size, stride, storage_offset), "as_strided_")


def as_strided_copy(
    input: Tensor, size: Sequence[int], stride: Sequence[int], storage_offset: int | None = None
) -> Tensor:
    """:func:`as_strided` as a new contiguous tensor that shares no memory with ``input``.

    Example:
        >>> import tocha
        >>> y = tocha.as_strided_copy(tocha.arange(4), (2, 2), (1, 1))
        >>> y, y.is_contiguous()
        (tensor([[0, 1],
                [1, 2]]), True)
    """
    return as_strided(input, size, stride, storage_offset).clone(memory_format=contiguous_format)


def as_strided_scatter(
    input: Tensor, src: Tensor, size: Sequence[int], stride: Sequence[int], storage_offset: int | None = None
) -> Tensor:
    """A copy of ``input`` with ``src`` written where :func:`as_strided` with these arguments would read.

    The positions count in ``input``'s storage (NOTE [ as_strided ]); the result has ``input``'s sizes, strides and
    storage offset over a new storage. Differentiable in ``input`` and ``src``.

    Raises:
        RuntimeError: as :func:`as_strided`; ``src``'s shape is not ``size``.

    Example:
        >>> import tocha
        >>> tocha.as_strided_scatter(tocha.zeros(2, 3), tocha.ones(2), (2,), (4,))
        tensor([[1., 0., 0.],
                [0., 1., 0.]])
    """
    size, stride, offset = _geometry("as_strided_scatter", input, size, stride, storage_offset)
    if not isinstance(src, TensorBase):
        raise TypeError(f"as_strided_scatter(): argument 'src' (position 2) must be Tensor, not {type(src).__name__}")
    if tuple(src.shape) != size:
        raise RuntimeError(
            f"expected src to have a size equal to the slice of self. src size = {list(src.shape)}, "
            f"slice size = {list(size)}"
        )
    root = input._base if input._base is not None else input
    length = _storage_numel(root._data)
    storage = as_strided(input, (length,), (1,), 0).clone()
    if src.numel():
        where = _positions(size, stride, offset, storage).reshape(-1)
        storage = storage.index_put((where,), src.to(storage.dtype).reshape(-1))
    return as_strided(storage, tuple(input.shape), input.stride(), input.storage_offset())


class StridedMethods:
    """``Tensor.as_strided`` and ``as_strided_``."""

    __slots__ = ()

    def as_strided(self: Any, size: Sequence[int], stride: Sequence[int], storage_offset: int | None = None) -> Tensor:
        """See :func:`tocha.as_strided`."""
        return as_strided(self, size, stride, storage_offset)

    def as_strided_(self: Any, size: Sequence[int], stride: Sequence[int], storage_offset: int | None = None) -> Tensor:
        """See :func:`tocha.as_strided_`."""
        return as_strided_(self, size, stride, storage_offset)

    def as_strided_scatter(
        self: Any, src: Tensor, size: Sequence[int], stride: Sequence[int], storage_offset: int | None = None
    ) -> Tensor:
        """See :func:`tocha.as_strided_scatter`."""
        return as_strided_scatter(self, src, size, stride, storage_offset)
