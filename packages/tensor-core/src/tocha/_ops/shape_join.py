"""Shape ops that copy: joins (cat, stack), splits, repeats, flips and rolls, diagonals and triangles.

Splits return views made by the view primitives of ``shape`` (narrow,
select); everything else here makes new memory. Public names are listed in
``shape.__all__``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._dispatch import OpRecord, call, call_inplace, register_op
from .._dtype import _INT
from .._tensor_base import TensorBase
from ._common import (
    cast_operand,
    common_device,
    normalize_dim,
    normalize_dims,
    result_type_of,
    to_tensor_list,
    type_name,
)
from .elementwise_base import copy_to_out
from .indexing_select import add_at
from .shape_samples import op_test
from .shape_strides import size_list

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = [
    "ShapeJoinMethods",
    "cat",
    "concat",
    "concatenate",
    "stack",
    "hstack",
    "vstack",
    "row_stack",
    "dstack",
    "column_stack",
    "unbind",
    "split",
    "chunk",
    "split_with_sizes",
    "unsafe_split",
    "unsafe_chunk",
    "tensor_split",
    "hsplit",
    "vsplit",
    "dsplit",
    "repeat",
    "tile",
    "repeat_interleave",
    "flip",
    "fliplr",
    "flipud",
    "roll",
    "rot90",
    "diag",
    "diagflat",
    "diag_embed",
    "triu",
    "tril",
]


def _views() -> Any:
    from . import shape

    return shape


# ------------------------------------------------------------------ cat / stack


def _cat_forward(xp: Any, *args: Any) -> Any:
    arrays, dim = args[:-1], args[-1]
    first = arrays[0]
    if len(arrays) == 1:
        return first.copy()
    for a in arrays:
        if not a.flags.c_contiguous:
            break
    else:  # C-contiguous inputs give a C-ordered result already
        return xp.concatenate(arrays, axis=dim)
    # A C-ordered result, as PyTorch's (NumPy would follow the inputs' layout).
    shape = (*first.shape[:dim], sum(a.shape[dim] for a in arrays), *first.shape[dim + 1 :])
    return xp.concatenate(arrays, axis=dim, out=xp.empty(shape, dtype=first.dtype))


def _cat_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    (dim,) = ctx.params
    narrow = _views().narrow
    grads: list[Tensor | None] = []
    start = 0
    for shape, needed in zip(ctx.input_shapes, ctx.needs_input_grad, strict=True):
        size = shape[dim]
        grads.append(narrow(grad, dim, start, size) if needed else None)
        start += size
    return tuple(grads)


def _stack_forward(xp: Any, *args: Any) -> Any:
    return xp.stack(args[:-1], axis=args[-1])


def _stack_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    (dim,) = ctx.params
    select = _views().select
    return tuple(select(grad, dim, i) if needed else None for i, needed in enumerate(ctx.needs_input_grad))


CAT = register_op(
    OpRecord(
        name="cat",
        forward=_cat_forward,
        vjp=_cat_vjp,
        test=op_test("cat", "cat"),
    )
)
STACK = register_op(
    OpRecord(
        name="stack",
        forward=_stack_forward,
        vjp=_stack_vjp,
        test=op_test("stack", "stack"),
    )
)


def _common_operands(op: str, tensors: list[Tensor]) -> list[Tensor]:
    first = tensors[0]
    for x in tensors:
        if x._dtype is not first._dtype or x._device is not first._device:
            break
    else:
        return tensors
    dev = common_device(op, *tensors)
    d = result_type_of(*tensors) if len(tensors) > 1 else tensors[0]._dtype
    return [cast_operand(x, d, dev) for x in tensors]


def cat(tensors: Sequence[Tensor], dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    """``tensors`` joined along ``dim``, in their promoted dtype.

    All must have the same shape except in ``dim``. As in PyTorch, 1-D empty
    tensors are skipped whatever their shape (a legacy rule).

    Example:
        >>> import tocha
        >>> tocha.cat([tocha.tensor([[1, 2]]), tocha.tensor([[3.5, 4.0]])])
        tensor([[1.0000, 2.0000],
                [3.5000, 4.0000]])
    """
    items = to_tensor_list("cat", tensors)
    if not items:
        raise ValueError("cat(): expected a non-empty list of Tensors")
    items = _common_operands("cat", items)
    shapes = [x._data.shape for x in items]
    if () in shapes:
        i = shapes.index(())
        raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    numbers = range(len(items))
    if (0,) in shapes and any(shape != (0,) for shape in shapes):  # legacy: 1-D empty tensors are skipped
        numbers = [i for i, shape in enumerate(shapes) if shape != (0,)]  # type: ignore[assignment]
        items = [items[i] for i in numbers]
        shapes = [shapes[i] for i in numbers]
    first = shapes[0]
    ndim = len(first)
    d = dim if type(dim) is int and 0 <= dim < ndim else normalize_dim("cat", dim, ndim)
    for i, shape in zip(numbers[1:], shapes[1:], strict=True):
        if len(shape) != ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ndim} and {len(shape)}")
        if shape[:d] != first[:d] or shape[d + 1 :] != first[d + 1 :]:
            k = next(k for k in range(ndim) if k != d and shape[k] != first[k])
            raise RuntimeError(
                f"Sizes of tensors must match except in dimension {d}. Expected size {first[k]} but got size "
                f"{shape[k]} for tensor number {i} in the list."
            )
    inputs = tuple(items)
    result = call(CAT, inputs[0]._device, inputs, (d,))
    return result if out is None else copy_to_out(result, out)


concat = cat


def concatenate(tensors: Sequence[Tensor], axis: int = 0, out: Tensor | None = None) -> Tensor:
    """NumPy's name for :func:`cat`.

    Example:
        >>> import tocha
        >>> tocha.concatenate([tocha.zeros(2), tocha.ones(1)])
        tensor([0., 0., 1.])
    """
    return cat(tensors, axis, out=out)


def stack(tensors: Sequence[Tensor], dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    """``tensors`` (all of one shape) joined along a new dim ``dim``.

    Example:
        >>> import tocha
        >>> tocha.stack([tocha.tensor([1, 2]), tocha.tensor([3, 4])], dim=1)
        tensor([[1, 3],
                [2, 4]])
    """
    items = to_tensor_list("stack", tensors)
    if not items:
        raise RuntimeError("stack expects a non-empty TensorList")
    first = items[0]._data.shape
    for i, x in enumerate(items[1:], 1):
        if x._data.shape != first:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(first)} at entry 0 and "
                f"{list(x._data.shape)} at entry {i}"
            )
    d = normalize_dim("stack", dim, len(first) + 1)
    inputs = tuple(_common_operands("stack", items))
    result = call(STACK, inputs[0]._device, inputs, (d,))
    return result if out is None else copy_to_out(result, out)


def hstack(tensors: Sequence[Tensor], *, out: Tensor | None = None) -> Tensor:
    """``tensors`` joined column-wise: along dim 1, or dim 0 for 1-D tensors.

    Example:
        >>> import tocha
        >>> tocha.hstack([tocha.tensor([1, 2]), tocha.tensor([3])])
        tensor([1, 2, 3])
    """
    items = _views().atleast_1d(to_tensor_list("hstack", tensors))
    if not items:
        raise ValueError("hstack(): expected a non-empty list of Tensors")
    return cat(items, 0 if items[0]._data.ndim == 1 else 1, out=out)


def vstack(tensors: Sequence[Tensor], *, out: Tensor | None = None) -> Tensor:
    """``tensors`` joined row-wise (1-D tensors become rows).

    Example:
        >>> import tocha
        >>> tocha.vstack([tocha.tensor([1, 2]), tocha.tensor([3, 4])])
        tensor([[1, 2],
                [3, 4]])
    """
    return cat(_views().atleast_2d(to_tensor_list("vstack", tensors)), 0, out=out)


row_stack = vstack


def dstack(tensors: Sequence[Tensor], *, out: Tensor | None = None) -> Tensor:
    """``tensors`` joined depth-wise, along dim 2 (after :func:`atleast_3d`).

    Example:
        >>> import tocha
        >>> tocha.dstack([tocha.tensor([1, 2]), tocha.tensor([3, 4])]).shape
        tocha.Size([1, 2, 2])
    """
    return cat(_views().atleast_3d(to_tensor_list("dstack", tensors)), 2, out=out)


def column_stack(tensors: Sequence[Tensor], *, out: Tensor | None = None) -> Tensor:
    """``tensors`` as columns: 0-D and 1-D tensors become columns, then all are joined along dim 1.

    Example:
        >>> import tocha
        >>> tocha.column_stack([tocha.tensor([1, 2]), tocha.tensor([[3], [4]])])
        tensor([[1, 3],
                [2, 4]])
    """
    reshape = _views().reshape
    items = [reshape(x, (x._data.size, 1)) if x._data.ndim <= 1 else x for x in to_tensor_list("column_stack", tensors)]
    return cat(items, 1, out=out)


# ------------------------------------------------------------------ splits


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """Views of each slice of ``input`` along ``dim`` (that dim removed).

    Example:
        >>> import tocha
        >>> tocha.unbind(tocha.tensor([[1, 2], [3, 4]]), 1)
        (tensor([1, 3]), tensor([2, 4]))
    """
    ndim = input._data.ndim
    if ndim == 0:
        raise IndexError("unbind(): Dimension specified as 0 but tensor has no dimensions")
    d = normalize_dim("unbind", dim, ndim)
    views = _views()
    return tuple(call(views.SELECT, input._device, (input,), (d, i)) for i in range(input._data.shape[d]))


def _split_sizes(input: Tensor, sizes: Sequence[int], d: int) -> tuple[Tensor, ...]:
    views = _views()
    result = []
    start = 0
    for n in sizes:
        result.append(call(views.NARROW, input._device, (input,), (d, start, n)))
        start += n
    return tuple(result)


def split(tensor: Tensor, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """Views of ``tensor`` cut along ``dim`` into pieces of one size (the last may be smaller) or of given sizes.

    Example:
        >>> import tocha
        >>> [t.tolist() for t in tocha.split(tocha.arange(5), 2)]
        [[0, 1], [2, 3], [4]]
    """
    shape = tensor._data.shape
    if not shape:
        raise RuntimeError("split(): expected at least a 1-dimensional tensor")
    d = normalize_dim("split", dim, len(shape))
    size = shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)) or (
        isinstance(split_size_or_sections, TensorBase) and split_size_or_sections._data.ndim == 0
    ):
        step = int(split_size_or_sections)
        if step < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={step}")
        if step == 0 and size != 0:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {size}")
        count = max((size + step - 1) // step, 1) if step else 1
        sizes = [step] * (count - 1) + [size - step * (count - 1)]
        return _split_sizes(tensor, sizes, d)
    sections = size_list("split", (split_size_or_sections,), "split_size")
    if sum(sections) != size or any(s < 0 for s in sections):
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size at dimension {d}), "
            f"but got split_sizes={list(sections)}"
        )
    return _split_sizes(tensor, sections, d)


def split_with_sizes(input: Tensor, split_sizes: Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """Views of ``input`` cut along ``dim`` into pieces of the given sizes, which must add up to its size.

    Raises:
        RuntimeError: a negative size, or sizes not adding up to ``input.size(dim)``.

    Example:
        >>> import tocha
        >>> [t.tolist() for t in tocha.split_with_sizes(tocha.arange(5), [2, 3])]
        [[0, 1], [2, 3, 4]]
    """
    if not isinstance(split_sizes, (list, tuple)):
        raise TypeError(
            f"split_with_sizes(): argument 'split_sizes' (position 2) must be tuple of ints, not "
            f"{type(split_sizes).__name__}"
        )
    sizes = size_list("split_with_sizes", (split_sizes,), "split_sizes")
    shape = input._data.shape
    if not shape:
        raise RuntimeError("split_with_sizes(): expected at least a 1-dimensional tensor")
    d = normalize_dim("split_with_sizes", dim, len(shape))
    if any(s < 0 for s in sizes):
        raise RuntimeError(
            f"split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes={list(sizes)}"
        )
    return split(input, sizes, d)


def unsafe_split(tensor: Tensor, split_size_or_sections: int, dim: int = 0) -> tuple[Tensor, ...]:
    """:func:`split` with an int size (PyTorch's variant without view tracking; here the same views).

    Example:
        >>> import tocha
        >>> [t.tolist() for t in tocha.unsafe_split(tocha.arange(5), 2)]
        [[0, 1], [2, 3], [4]]
    """
    if isinstance(split_size_or_sections, bool) or not isinstance(split_size_or_sections, (int, np.integer)):
        raise TypeError(
            f"unsafe_split(): argument 'split_size' (position 2) must be int, not "
            f"{type(split_size_or_sections).__name__}"
        )
    return split(tensor, split_size_or_sections, dim)


def unsafe_chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """:func:`chunk` (PyTorch's variant without view tracking; here the same views).

    Example:
        >>> import tocha
        >>> [t.tolist() for t in tocha.unsafe_chunk(tocha.arange(5), 2)]
        [[0, 1, 2], [3, 4]]
    """
    return chunk(input, chunks, dim)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Up to ``chunks`` views of ``input`` of equal size along ``dim`` (the last may be smaller).

    Example:
        >>> import tocha
        >>> [t.tolist() for t in tocha.chunk(tocha.arange(5), 3)]
        [[0, 1], [2, 3], [4]]
    """
    shape = input._data.shape
    if not shape:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = normalize_dim("chunk", dim, len(shape))
    size = shape[d]
    step = (size + chunks - 1) // chunks
    if step == 0 and size == 0:
        return _split_sizes(input, [0] * chunks, d)
    return split(input, step, d)


def tensor_split(input: Tensor, indices_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Views of ``input`` cut along ``dim`` into ``n`` near-equal parts, or at the given indices.

    Example:
        >>> import tocha
        >>> [t.tolist() for t in tocha.tensor_split(tocha.arange(7), 3)]
        [[0, 1, 2], [3, 4], [5, 6]]
        >>> [t.tolist() for t in tocha.tensor_split(tocha.arange(7), [1, 5])]
        [[0], [1, 2, 3, 4], [5, 6]]
    """
    shape = input._data.shape
    if not shape:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    d = normalize_dim("tensor_split", dim, len(shape))
    size = shape[d]
    spec = indices_or_sections
    if isinstance(spec, TensorBase):
        if spec._dtype.category != _INT:
            raise RuntimeError(
                f"tensor_split expected tensor_indices_or_sections to have integral dtype, but got {spec._dtype}"
            )
        if spec._data.ndim > 1:
            raise RuntimeError(
                "tensor_split expected tensor_indices_or_sections to be a zero-dimensional or one-dimensional "
                f"tensor, but got a tensor with {spec._data.ndim} dims"
            )
        spec = spec.item() if spec._data.ndim == 0 else spec.tolist()
    if isinstance(spec, (int, np.integer)):
        n = int(spec)
        if n <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {n}")
        base, extra = divmod(size, n)
        return _split_sizes(input, [base + 1 if i < extra else base for i in range(n)], d)
    indices = size_list("tensor_split", (spec,), "indices")
    views = _views()
    result = []
    start = 0
    for stop in (*indices, size):
        begin = min(max(start + size if start < 0 else start, 0), size)
        end = min(max(stop + size if stop < 0 else stop, 0), size)
        result.append(call(views.NARROW, input._device, (input,), (d, begin, max(end - begin, 0))))
        start = stop
    return tuple(result)


def _directional_split(op: str, input: Tensor, spec: Any, dim: int, min_dims: int) -> tuple[Tensor, ...]:
    ndim = input._data.ndim
    if ndim < min_dims:
        raise RuntimeError(
            f"{op} requires a tensor with at least {min_dims} dimension, but got a tensor with {ndim} dimensions!"
        )
    if isinstance(spec, (int, np.integer)):
        size = input._data.shape[dim]
        if spec == 0 or size % spec:
            raise RuntimeError(
                f"{op} attempted to split along dimension {dim}, but the size of the dimension {size} is not "
                f"divisible by the split_size {spec}!"
            )
    return tensor_split(input, spec, dim)


def hsplit(input: Tensor, indices_or_sections: int | Sequence[int]) -> tuple[Tensor, ...]:
    """:func:`tensor_split` along dim 1 (dim 0 for 1-D); ``n`` sections must divide the size.

    Example:
        >>> import tocha
        >>> [t.shape for t in tocha.hsplit(tocha.zeros(2, 4), 2)]
        [tocha.Size([2, 2]), tocha.Size([2, 2])]
    """
    dim = 1 if input._data.ndim > 1 else 0
    return _directional_split("hsplit", input, indices_or_sections, dim, 1)


def vsplit(input: Tensor, indices_or_sections: int | Sequence[int]) -> tuple[Tensor, ...]:
    """:func:`tensor_split` along dim 0 of a tensor of at least 2 dims.

    Example:
        >>> import tocha
        >>> [t.shape for t in tocha.vsplit(tocha.zeros(4, 2), [1])]
        [tocha.Size([1, 2]), tocha.Size([3, 2])]
    """
    return _directional_split("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input: Tensor, indices_or_sections: int | Sequence[int]) -> tuple[Tensor, ...]:
    """:func:`tensor_split` along dim 2 of a tensor of at least 3 dims.

    Example:
        >>> import tocha
        >>> [t.shape for t in tocha.dsplit(tocha.zeros(1, 2, 4), 2)]
        [tocha.Size([1, 2, 2]), tocha.Size([1, 2, 2])]
    """
    return _directional_split("dsplit", input, indices_or_sections, 2, 3)


# ------------------------------------------------------------------ repeat / tile / repeat_interleave


def _repeat_forward(xp: Any, a: Any, repeats: tuple[int, ...]) -> Any:
    return xp.tile(a, repeats)


def _repeat_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    (repeats,) = ctx.params
    shape = ctx.input_shapes[0]
    padded = (1,) * (len(repeats) - len(shape)) + tuple(shape)
    split_shape: list[int] = []
    for r, s in zip(repeats, padded, strict=True):
        split_shape += [r, s]
    summed = grad.reshape(split_shape).sum(dim=tuple(range(0, 2 * len(repeats), 2)))  # type: ignore[attr-defined]
    return (summed.reshape(shape),)


REPEAT = register_op(
    OpRecord(
        name="repeat",
        forward=_repeat_forward,
        vjp=_repeat_vjp,
        test=op_test("repeat", "Tensor.repeat"),
    )
)


def repeat(input: Tensor, repeats: Sequence[int]) -> Tensor:
    """``input`` tiled ``repeats[i]`` times along each dim (``repeats`` may add leading dims)."""
    shape = input._data.shape
    if len(repeats) < len(shape):
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    padded = (1,) * (len(repeats) - len(shape)) + tuple(shape)
    target = [r * s for r, s in zip(repeats, padded, strict=True)]
    for n in target:
        if n < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {n}: {target}")
    return call(REPEAT, input._device, (input,), (tuple(repeats),))  # type: ignore[no-any-return]


def tile(input: Tensor, dims: Sequence[int]) -> Tensor:
    """``input`` repeated ``dims[i]`` times along each dim (missing leading counts are 1).

    Example:
        >>> import tocha
        >>> tocha.tile(tocha.tensor([[1, 2]]), (2,))
        tensor([[1, 2, 1, 2]])
    """
    reps = size_list("tile", (dims,), "dims")
    missing = input._data.ndim - len(reps)
    return repeat(input, (1,) * missing + reps if missing > 0 else reps)


def _repeat_interleave_forward(xp: Any, a: Any, repeats: int | tuple[int, ...], dim: int) -> Any:
    return xp.repeat(a, repeats if isinstance(repeats, int) else list(repeats), axis=dim)


def _repeat_interleave_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    repeats, dim = ctx.params
    shape = ctx.input_shapes[0]
    if isinstance(repeats, int):
        split_shape = (*shape[:dim], shape[dim], repeats, *shape[dim + 1 :])
        return (grad.reshape(split_shape).sum(dim=dim + 1),)  # type: ignore[attr-defined]
    return (call(SEGMENT_SUM, grad._device, (grad,), (repeats, dim)),)


def _segment_sum_forward(xp: Any, grad: Any, repeats: tuple[int, ...], dim: int) -> Any:
    index = xp.repeat(xp.arange(len(repeats)), list(repeats))
    moved = xp.moveaxis(grad, dim, 0)
    result = xp.zeros((len(repeats), *moved.shape[1:]), dtype=grad.dtype)
    add_at(xp, result, index, moved)
    return xp.ascontiguousarray(xp.moveaxis(result, 0, dim))


def _segment_sum_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    repeats, dim = ctx.params
    return (call(REPEAT_INTERLEAVE, grad._device, (grad,), (repeats, dim)),)


REPEAT_INTERLEAVE = register_op(
    OpRecord(
        name="repeat_interleave",
        forward=_repeat_interleave_forward,
        vjp=_repeat_interleave_vjp,
        test=op_test("repeat_interleave", "repeat_interleave"),
    )
)
SEGMENT_SUM = register_op(
    OpRecord(
        name="segment_sum",
        forward=_segment_sum_forward,
        vjp=_segment_sum_vjp,
        test=op_test("segment_sum"),
    )
)


def repeat_interleave(
    input: Tensor, repeats: int | Tensor | None = None, dim: int | None = None, *, output_size: int | None = None
) -> Tensor:
    """Each element of ``input`` repeated ``repeats`` times (or ``repeats[i]`` times) along ``dim``.

    With ``dim=None`` the input is flattened first. ``repeat_interleave(r)``
    with a 1-D integer tensor ``r`` repeats each index ``i`` ``r[i]`` times.

    Example:
        >>> import tocha
        >>> tocha.repeat_interleave(tocha.tensor([[1, 2], [3, 4]]), tocha.tensor([1, 2]), dim=0)
        tensor([[1, 2],
                [3, 4],
                [3, 4]])
        >>> tocha.repeat_interleave(tocha.tensor([2, 1]))
        tensor([0, 0, 1])
    """
    if repeats is None:
        counts = _repeat_counts(input)
        from .creation import arange

        source = arange(len(counts), dtype=input._dtype, device=input._device)
        return _repeat_interleave_run(source, counts, 0, output_size)
    if dim is None:
        input = _views().reshape(input, (-1,))
        d = 0
    else:
        d = normalize_dim("repeat_interleave", dim, input._data.ndim)
        if input._data.ndim == 0:
            # PyTorch has no dim 0 to repeat along in a 0-dim tensor (dim=None flattens first).
            if isinstance(repeats, TensorBase):
                raise IndexError(f"repeat_interleave(): Dimension specified as {dim} but tensor has no dimensions")
            raise IndexError(
                "repeat_interleave(): Dimension out of range (expected to be in range of [-1, 0], but got 1)"
            )
    size = input._data.shape[d] if input._data.ndim else 1
    if input._data.ndim == 0:
        input = _views().reshape(input, (1,))
    if isinstance(repeats, TensorBase):
        if repeats._data.ndim == 0:
            count: int | tuple[int, ...] = int(repeats.item())
        else:
            counts = _repeat_counts(repeats)
            if len(counts) == 1:
                count = counts[0]
            elif len(counts) != size:
                raise RuntimeError(
                    "repeats must have the same size as input along dim, but got "
                    f"repeats.size(0) = {len(counts)} and input.size({d}) = {size}"
                )
            else:
                count = counts
    else:
        count = int(repeats)
    if isinstance(count, int) and count < 0:
        raise RuntimeError("Repeats must be non-negative")
    return _repeat_interleave_run(input, count, d, output_size)


def _repeat_counts(repeats: Tensor) -> tuple[int, ...]:
    if repeats._data.ndim > 1:
        raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
    if repeats._dtype.category != _INT:
        raise NotImplementedError(f"repeat_interleave(): not implemented for '{type_name(repeats._dtype)}' repeats")
    counts = tuple(int(c) for c in np.asarray(repeats).reshape(-1))
    if any(c < 0 for c in counts):
        raise RuntimeError("repeats can not be negative")
    return counts


def _repeat_interleave_run(input: Tensor, count: int | tuple[int, ...], d: int, output_size: int | None) -> Tensor:
    if output_size is not None:
        total = count * input._data.shape[d] if isinstance(count, int) else sum(count)
        if total != output_size:
            raise RuntimeError("allocated size does not match required size")
    return call(REPEAT_INTERLEAVE, input._device, (input,), (count, d))  # type: ignore[no-any-return]


# ------------------------------------------------------------------ flip / roll / rot90


def _flip_forward(xp: Any, a: Any, dims: tuple[int, ...]) -> Any:
    # order="K" keeps the input's dim order in memory, as PyTorch's flip does.
    return xp.flip(a, axis=dims).copy(order="K") if dims else a.copy(order="K")


def _flip_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (call(FLIP, grad._device, (grad,), ctx.params),)


def _roll_forward(xp: Any, a: Any, shifts: tuple[int, ...], dims: tuple[int, ...] | None) -> Any:
    if dims is None:
        return xp.roll(a, shifts[0])
    return xp.roll(a, shifts, axis=dims)


def _roll_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    shifts, dims = ctx.params
    return (call(ROLL, grad._device, (grad,), (tuple(-s for s in shifts), dims)),)


FLIP = register_op(
    OpRecord(
        name="flip",
        forward=_flip_forward,
        vjp=_flip_vjp,
        test=op_test("flip", "flip"),
    )
)
ROLL = register_op(
    OpRecord(
        name="roll",
        forward=_roll_forward,
        vjp=_roll_vjp,
        test=op_test("roll", "roll"),
    )
)


def flip(input: Tensor, dims: int | Sequence[int]) -> Tensor:
    """A copy of ``input`` with the order of elements reversed along ``dims``.

    Example:
        >>> import tocha
        >>> tocha.flip(tocha.tensor([[1, 2], [3, 4]]), (1,))
        tensor([[2, 1],
                [4, 3]])
    """
    d = normalize_dims("flip", dims, input._data.ndim)
    if not input._data.ndim:
        d = ()  # dim 0 / -1 of a 0-dim tensor: a copy
    return call(FLIP, input._device, (input,), (d,))  # type: ignore[no-any-return]


def fliplr(input: Tensor) -> Tensor:
    """``input`` flipped left to right (dim 1); at least 2-D.

    Example:
        >>> import tocha
        >>> tocha.fliplr(tocha.tensor([[1, 2]]))
        tensor([[2, 1]])
    """
    if input._data.ndim < 2:
        raise RuntimeError("fliplr(): Input must be >= 2-d.")
    return call(FLIP, input._device, (input,), ((1,),))  # type: ignore[no-any-return]


def flipud(input: Tensor) -> Tensor:
    """``input`` flipped upside down (dim 0); at least 1-D.

    Example:
        >>> import tocha
        >>> tocha.flipud(tocha.tensor([1, 2]))
        tensor([2, 1])
    """
    if input._data.ndim < 1:
        raise RuntimeError("flipud(): Input must be >= 1-d.")
    return call(FLIP, input._device, (input,), ((0,),))  # type: ignore[no-any-return]


def roll(input: Tensor, shifts: int | Sequence[int], dims: int | Sequence[int] | None = None) -> Tensor:
    """``input`` rotated by ``shifts`` along ``dims`` (over the flattened tensor when ``dims`` is None).

    Example:
        >>> import tocha
        >>> tocha.roll(tocha.tensor([1, 2, 3, 4]), 1)
        tensor([4, 1, 2, 3])
    """
    shift = (int(shifts),) if isinstance(shifts, (int, np.integer)) else size_list("roll", (shifts,), "shifts")
    ndim = input._data.ndim
    if dims is None:
        if len(shift) != 1:
            raise RuntimeError(f"roll(): shifts and dimensions must align. shifts: {len(shift)}, dims:0")
        return call(ROLL, input._device, (input,), (shift, None))  # type: ignore[no-any-return]
    dim = (int(dims),) if isinstance(dims, (int, np.integer)) else size_list("roll", (dims,), "dims")
    if len(shift) != len(dim):
        raise RuntimeError(f"roll(): shifts and dimensions must align. shifts: {len(shift)}, dims:{len(dim)}")
    if ndim == 0 and dim:
        raise IndexError(f"roll(): Dimension specified as {dim[0]} but tensor has no dimensions")
    normalized = tuple(normalize_dim("roll", x, ndim) for x in dim)
    return call(ROLL, input._device, (input,), (shift, normalized))  # type: ignore[no-any-return]


def rot90(input: Tensor, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
    """``input`` rotated by 90° ``k`` times in the plane of ``dims``, from the first dim towards the second.

    Example:
        >>> import tocha
        >>> tocha.rot90(tocha.tensor([[1, 2], [3, 4]]))
        tensor([[2, 4],
                [1, 3]])
    """
    plane = size_list("rot90", (dims,), "dims")
    ndim = input._data.ndim
    if len(plane) != 2:
        raise RuntimeError(f"rot90(): expected total rotation dims == 2, but got dims = {len(plane)}")
    if ndim < 2:
        raise RuntimeError(f"rot90(): expected total dims >= 2, but got total dims = {ndim}")
    d0 = normalize_dim("rot90", plane[0], ndim)
    d1 = normalize_dim("rot90", plane[1], ndim)
    if d0 == d1:
        raise RuntimeError(f"rot90(): expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    from .shape import transpose

    turns = k % 4
    if turns == 1:
        return transpose(flip(input, (d1,)), d0, d1)
    if turns == 2:
        return flip(input, (d0, d1))
    if turns == 3:
        return transpose(flip(input, (d0,)), d0, d1)
    return input.clone()  # type: ignore[attr-defined,no-any-return]


# ------------------------------------------------------------------ diag / diag_embed / triu / tril


def _diag_embed_forward(xp: Any, a: Any, offset: int, dim1: int, dim2: int) -> Any:
    n = a.shape[-1] + abs(offset)
    rest = iter(a.shape[:-1])
    shape = tuple(n if i in (dim1, dim2) else next(rest) for i in range(a.ndim + 1))
    result = xp.zeros(shape, dtype=a.dtype)
    _views()._diagonal_forward(xp, result, offset, dim1, dim2)[...] = a
    return result


def _diag_embed_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (_views().diagonal(grad, *ctx.params),)


DIAG_EMBED = register_op(
    OpRecord(
        name="diag_embed",
        forward=_diag_embed_forward,
        vjp=_diag_embed_vjp,
        test=op_test("diag_embed", "diag_embed"),
    )
)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices (in dims ``dim1``, ``dim2`` of the result) whose diagonal ``offset`` holds ``input``'s last dim.

    Example:
        >>> import tocha
        >>> tocha.diag_embed(tocha.tensor([1, 2]))
        tensor([[1, 0],
                [0, 2]])
    """
    ndim = input._data.ndim + 1
    d1 = normalize_dim("diag_embed", dim1, ndim)
    d2 = normalize_dim("diag_embed", dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    if ndim == 1:
        raise RuntimeError("diag_embed(): expected a tensor with at least 1 dimension")
    return call(DIAG_EMBED, input._device, (input,), (int(offset), d1, d2))  # type: ignore[no-any-return]


def diag(input: Tensor, diagonal: int = 0, *, out: Tensor | None = None) -> Tensor:
    """The matrix with 1-D ``input`` on diagonal ``diagonal``, or a copy of a matrix's diagonal ``diagonal``.

    Example:
        >>> import tocha
        >>> tocha.diag(tocha.tensor([1, 2]), 1)
        tensor([[0, 1, 0],
                [0, 0, 2],
                [0, 0, 0]])
        >>> tocha.diag(tocha.tensor([[1, 2], [3, 4]]))
        tensor([1, 4])
    """
    ndim = input._data.ndim
    if ndim == 1:
        result = call(DIAG_EMBED, input._device, (input,), (int(diagonal), 0, 1))
    elif ndim == 2:
        result = _views().diagonal(input, diagonal).clone()
    else:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {ndim}D")
    return result if out is None else copy_to_out(result, out)


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """A square matrix with the flattened ``input`` on diagonal ``offset``.

    Example:
        >>> import tocha
        >>> tocha.diagflat(tocha.tensor([[1, 2], [3, 4]]))
        tensor([[1, 0, 0, 0],
                [0, 2, 0, 0],
                [0, 0, 3, 0],
                [0, 0, 0, 4]])
    """
    flat = _views().reshape(input, (input._data.size,))
    return call(DIAG_EMBED, input._device, (flat,), (int(offset), 0, 1))  # type: ignore[no-any-return]


def _triu_forward(xp: Any, a: Any, k: int) -> Any:
    return xp.triu(a, k).astype(a.dtype, copy=False)  # CuPy's triu returns bfloat16 as float32


def _tril_forward(xp: Any, a: Any, k: int) -> Any:
    return xp.tril(a, k).astype(a.dtype, copy=False)  # CuPy's tril returns bfloat16 as float32


def _triu_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (call(TRIU, grad._device, (grad,), ctx.params),)


def _tril_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (call(TRIL, grad._device, (grad,), ctx.params),)


TRIU = register_op(
    OpRecord(
        name="triu",
        forward=_triu_forward,
        vjp=_triu_vjp,
        test=op_test("triu", "triu"),
    )
)
TRIL = register_op(
    OpRecord(
        name="tril",
        forward=_tril_forward,
        vjp=_tril_vjp,
        test=op_test("tril", "tril"),
    )
)


def _triangle(op: OpRecord, input: Tensor, diagonal: int) -> Tensor:
    if input._data.ndim < 2:
        raise RuntimeError(f"{op.name}: input tensor must have at least 2 dimensions")
    return call(op, input._device, (input,), (int(diagonal),))  # type: ignore[no-any-return]


def triu(input: Tensor, diagonal: int = 0, *, out: Tensor | None = None) -> Tensor:
    """``input`` with the elements below diagonal ``diagonal`` of its last two dims set to zero.

    Example:
        >>> import tocha
        >>> tocha.triu(tocha.ones(3, 3, dtype=tocha.int64))
        tensor([[1, 1, 1],
                [0, 1, 1],
                [0, 0, 1]])
    """
    result = _triangle(TRIU, input, diagonal)
    return result if out is None else copy_to_out(result, out)


def tril(input: Tensor, diagonal: int = 0, *, out: Tensor | None = None) -> Tensor:
    """``input`` with the elements above diagonal ``diagonal`` of its last two dims set to zero.

    Example:
        >>> import tocha
        >>> tocha.tril(tocha.ones(2, 3, dtype=tocha.int64), 1)
        tensor([[1, 1, 0],
                [1, 1, 1]])
    """
    result = _triangle(TRIL, input, diagonal)
    return result if out is None else copy_to_out(result, out)


# ------------------------------------------------------------------ Tensor methods


class ShapeJoinMethods:
    """Tensor methods of the copying shape ops (mixed into ``ShapeMethods``)."""

    __slots__ = ()

    def repeat(self: Any, *repeats: Any) -> Tensor:
        """This tensor tiled ``repeats[i]`` times along each dim (extra counts add leading dims).

        Example:
            >>> import tocha
            >>> tocha.tensor([1, 2]).repeat(2, 2)
            tensor([[1, 2, 1, 2],
                    [1, 2, 1, 2]])
        """
        return repeat(self, size_list("repeat", repeats, "repeats"))

    def tile(self: Any, *dims: Any) -> Tensor:
        """See :func:`tocha.tile`."""
        return tile(self, size_list("tile", dims, "dims"))

    def repeat_interleave(
        self: Any, repeats: int | Tensor, dim: int | None = None, *, output_size: int | None = None
    ) -> Tensor:
        """See :func:`tocha.repeat_interleave`."""
        return repeat_interleave(self, repeats, dim, output_size=output_size)

    def unbind(self: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """See :func:`tocha.unbind`."""
        return unbind(self, dim)

    def split(self: Any, split_size: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
        """See :func:`tocha.split`."""
        return split(self, split_size, dim)

    def chunk(self: Any, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """See :func:`tocha.chunk`."""
        return chunk(self, chunks, dim)

    def split_with_sizes(self: Any, split_sizes: Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
        """See :func:`tocha.split_with_sizes`."""
        return split_with_sizes(self, split_sizes, dim)

    def unsafe_split(self: Any, split_size: int, dim: int = 0) -> tuple[Tensor, ...]:
        """See :func:`tocha.unsafe_split`."""
        return unsafe_split(self, split_size, dim)

    def unsafe_chunk(self: Any, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """See :func:`tocha.unsafe_chunk`."""
        return unsafe_chunk(self, chunks, dim)

    def diagflat(self: Any, offset: int = 0) -> Tensor:
        """See :func:`tocha.diagflat`."""
        return diagflat(self, offset)

    def tensor_split(self: Any, indices_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """See :func:`tocha.tensor_split`."""
        return tensor_split(self, indices_or_sections, dim)

    def hsplit(self: Any, indices_or_sections: int | Sequence[int]) -> tuple[Tensor, ...]:
        """See :func:`tocha.hsplit`."""
        return hsplit(self, indices_or_sections)

    def vsplit(self: Any, indices_or_sections: int | Sequence[int]) -> tuple[Tensor, ...]:
        """See :func:`tocha.vsplit`."""
        return vsplit(self, indices_or_sections)

    def dsplit(self: Any, indices_or_sections: int | Sequence[int]) -> tuple[Tensor, ...]:
        """See :func:`tocha.dsplit`."""
        return dsplit(self, indices_or_sections)

    def flip(self: Any, *dims: Any) -> Tensor:
        """See :func:`tocha.flip`."""
        return flip(self, size_list("flip", dims, "dims"))

    def fliplr(self: Any) -> Tensor:
        """See :func:`tocha.fliplr`."""
        return fliplr(self)

    def flipud(self: Any) -> Tensor:
        """See :func:`tocha.flipud`."""
        return flipud(self)

    def roll(self: Any, shifts: int | Sequence[int], dims: int | Sequence[int] | None = None) -> Tensor:
        """See :func:`tocha.roll`."""
        return roll(self, shifts, dims)

    def rot90(self: Any, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
        """See :func:`tocha.rot90`."""
        return rot90(self, k, dims)

    def diag(self: Any, diagonal: int = 0) -> Tensor:
        """See :func:`tocha.diag`."""
        return diag(self, diagonal)

    def diag_embed(self: Any, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
        """See :func:`tocha.diag_embed`."""
        return diag_embed(self, offset, dim1, dim2)

    def triu(self: Any, diagonal: int = 0) -> Tensor:
        """See :func:`tocha.triu`."""
        return triu(self, diagonal)

    def tril(self: Any, diagonal: int = 0) -> Tensor:
        """See :func:`tocha.tril`."""
        return tril(self, diagonal)

    def triu_(self: Any, diagonal: int = 0) -> Tensor:
        """In-place :func:`tocha.triu`."""
        if self._data.ndim < 2:
            raise RuntimeError("triu: input tensor must have at least 2 dimensions")
        return call_inplace(TRIU, self._device, self, (self,), (int(diagonal),))  # type: ignore[no-any-return]

    def tril_(self: Any, diagonal: int = 0) -> Tensor:
        """In-place :func:`tocha.tril`."""
        if self._data.ndim < 2:
            raise RuntimeError("tril: input tensor must have at least 2 dimensions")
        return call_inplace(TRIL, self._device, self, (self,), (int(diagonal),))  # type: ignore[no-any-return]
