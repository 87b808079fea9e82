"""Shape and view ops: view, reshape, permute, expand, squeeze, slicing views, joins, splits, flips, diagonals.

View ops return tensors sharing their input's memory (``OpRecord.view``);
their strides follow PyTorch's (see NOTE [ View strides ] in
``shape_strides``). Joins, splits and the rest live in ``shape_join``;
this module holds the view primitives, ``ShapeMethods`` and ``__all__``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._dispatch import OpRecord, call, is_grad_enabled, register_op
from .._dtype import dtype
from .._memory_format import (
    check_memory_format,
    contiguous_format,
    format_order,
    is_channels_last,
    memory_format,
    preserve_format,
)
from .._tensor_base import TensorBase
from ._common import broadcast_shape, int_argument, normalize_dim, type_name
from ._grad_utils import reduce_to_shape
from .creation import CLONE
from .shape_samples import op_test
from .shape_strides import (
    as_strided,
    element_strides,
    expand_strides,
    infer_size,
    size_list,
    unsqueeze_strides,
    view_strides,
)

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = [
    "reshape",
    "permute",
    "transpose",
    "swapaxes",
    "swapdims",
    "t",
    "adjoint",
    "movedim",
    "moveaxis",
    "broadcast_to",
    "broadcast_tensors",
    "broadcast_shapes",
    "squeeze",
    "unsqueeze",
    "flatten",
    "unflatten",
    "ravel",
    "narrow",
    "select",
    "diagonal",
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    # shape_join
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
    "unsafe_split_with_sizes",
    "narrow_copy",
    "unsafe_chunk",
    "tensor_split",
    "hsplit",
    "vsplit",
    "dsplit",
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

_VIEW_ERROR = (
    "view size is not compatible with input tensor's size and stride (at least one dimension spans across two "
    "contiguous subspaces). Use .reshape(...) instead."
)


def _shape(t: Tensor) -> tuple[int, ...]:
    return t._data.shape  # type: ignore[no-any-return]


def _numel(shape: Sequence[int]) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


# ------------------------------------------------------------------ view / reshape


def _view_forward(xp: Any, a: Any, shape: tuple[int, ...]) -> Any:
    if a.flags.c_contiguous:
        return a.reshape(shape)
    strides = view_strides(a.shape, element_strides(a), shape)
    if strides is None:
        raise RuntimeError(_VIEW_ERROR)
    return as_strided(xp, a, shape, strides)


def _reshape_forward(xp: Any, a: Any, shape: tuple[int, ...]) -> Any:
    if a.flags.c_contiguous:
        return a.reshape(shape)
    strides = view_strides(a.shape, element_strides(a), shape)
    if strides is None:
        return xp.ascontiguousarray(a).reshape(shape)
    return as_strided(xp, a, shape, strides)


def _reshape_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (grad.reshape(ctx.input_shapes[0]),)


def _reshape_jvp(ctx: Any, tangent: Tensor) -> Tensor:
    return call(RESHAPE, tangent._device, (tangent,), ctx.params)  # type: ignore[no-any-return]


VIEW = register_op(
    OpRecord(
        name="view",
        forward=_view_forward,
        vjp=_reshape_vjp,
        jvp=_reshape_jvp,
        view=True,
        test=op_test("view", "Tensor.view"),
    )
)
RESHAPE = register_op(
    OpRecord(
        name="reshape",
        forward=_reshape_forward,
        vjp=_reshape_vjp,
        jvp=_reshape_jvp,
        view="maybe",
        test=op_test("reshape", "reshape"),
    )
)


def _view_dtype_forward(xp: Any, a: Any, np_dtype: Any) -> Any:
    return a.view(np_dtype)


VIEW_DTYPE = register_op(
    OpRecord(
        name="view_dtype",
        forward=_view_dtype_forward,
        view=True,
        test=op_test("view_dtype", "Tensor.view"),
    )
)


def view_shape(input: Tensor, shape: tuple[int, ...]) -> Tensor:
    """``input.view(shape)``: a view with ``shape`` (one ``-1`` inferred); RuntimeError when the layout forbids it."""
    a = input._data
    shape = infer_size(shape, a.size)
    if not a.flags.c_contiguous and view_strides(a.shape, element_strides(a), shape) is None:
        raise RuntimeError(_VIEW_ERROR)
    return call(VIEW, input._device, (input,), (shape,))  # type: ignore[no-any-return]


def view_dtype(input: Tensor, d: dtype) -> Tensor:
    """``input.view(dtype)``: the same bytes read as dtype ``d`` (the last dim scales by the size ratio)."""
    source = input._dtype
    if d.itemsize != source.itemsize:
        what = f"to view {type_name(source)} as {type_name(d)} (different element sizes)"
        a = input._data
        if a.ndim == 0:
            raise RuntimeError(f"self.dim() cannot be 0 {what}")
        strides = element_strides(a)
        if d.itemsize > source.itemsize:
            ratio = d.itemsize // source.itemsize
            if a.shape[-1] % ratio:
                raise RuntimeError(f"self.size(-1) must be divisible by {ratio} {what}, but got {a.shape[-1]}")
            offset = input.storage_offset()
            if offset % ratio:
                raise RuntimeError(f"self.storage_offset() must be divisible by {ratio} {what}, but got {offset}")
            for i, s in enumerate(strides[:-1]):
                if s % ratio:
                    raise RuntimeError(f"self.stride({i}) must be divisible by {ratio} {what}, but got {s}")
        if strides[-1] != 1 and a.shape[-1] != 1:
            raise RuntimeError(f"self.stride(-1) must be 1 {what}, but got {strides[-1]}")
    return call(VIEW_DTYPE, input._device, (input,), (d.numpy_dtype,))  # type: ignore[no-any-return]


def reshape(input: Tensor, shape: Sequence[int]) -> Tensor:
    """``input`` with shape ``shape`` (one ``-1`` inferred): a view when the layout allows, else a copy.

    Example:
        >>> import tocha
        >>> tocha.reshape(tocha.arange(6), (2, -1))
        tensor([[0, 1, 2],
                [3, 4, 5]])
    """
    size = infer_size(size_list("reshape", (shape,), "shape"), input._data.size)
    return call(RESHAPE, input._device, (input,), (size,))  # type: ignore[no-any-return]


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """``input`` with dims ``start_dim..end_dim`` merged into one (a view when possible, like reshape).

    Example:
        >>> import tocha
        >>> tocha.flatten(tocha.zeros(2, 3, 4), 1).shape
        tocha.Size([2, 12])
    """
    shape = _shape(input)
    ndim = len(shape)
    start = normalize_dim("flatten", start_dim, ndim)
    end = normalize_dim("flatten", end_dim, ndim)
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if ndim == 0:
        return reshape(input, (1,))
    if start == end:
        return input
    new = (*shape[:start], _numel(shape[start : end + 1]), *shape[end + 1 :])
    return call(RESHAPE, input._device, (input,), (new,))  # type: ignore[no-any-return]


def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """``input`` with dim ``dim`` split into ``sizes`` (one ``-1`` inferred); always a view.

    Example:
        >>> import tocha
        >>> tocha.unflatten(tocha.zeros(2, 6), 1, (2, -1)).shape
        tocha.Size([2, 2, 3])
    """
    shape = _shape(input)
    d = normalize_dim("unflatten", dim, len(shape))
    if not shape:
        raise RuntimeError(
            f"unflatten got an unexpected error:\nDimension specified as {dim} but tensor has no dimensions"
        )
    sizes = size_list("unflatten", (sizes,), "sizes")
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    try:
        inner = infer_size(sizes, shape[d])
    except RuntimeError:
        raise RuntimeError(
            f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} ({shape[d]}) "
            "in the input tensor"
        ) from None
    return view_shape(input, (*shape[:d], *inner, *shape[d + 1 :]))


def ravel(input: Tensor) -> Tensor:
    """``input`` as a 1-D tensor (a view when contiguous).

    Example:
        >>> import tocha
        >>> tocha.ravel(tocha.tensor([[1, 2], [3, 4]]))
        tensor([1, 2, 3, 4])
    """
    return call(RESHAPE, input._device, (input,), ((input._data.size,),))  # type: ignore[no-any-return]


# ------------------------------------------------------------------ permute and friends


def _permute_forward(xp: Any, a: Any, dims: tuple[int, ...]) -> Any:
    return a.transpose(dims)


def _permute_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    (dims,) = ctx.params
    inverse = [0] * len(dims)
    for i, d in enumerate(dims):
        inverse[d] = i
    return (permute(grad, inverse),)


def _permute_jvp(ctx: Any, tangent: Tensor) -> Tensor:
    return call(PERMUTE, tangent._device, (tangent,), ctx.params)  # type: ignore[no-any-return]


PERMUTE = register_op(
    OpRecord(
        name="permute",
        forward=_permute_forward,
        vjp=_permute_vjp,
        jvp=_permute_jvp,
        view=True,
        test=op_test("permute", "permute"),
    )
)


def permute(input: Tensor, dims: Sequence[int]) -> Tensor:
    """A view of ``input`` with its dims reordered as ``dims``.

    Example:
        >>> import tocha
        >>> tocha.permute(tocha.zeros(2, 3, 4), (2, 0, 1)).shape
        tocha.Size([4, 2, 3])
    """
    ndim = input._data.ndim
    dims = size_list("permute", (dims,), "dims")
    if len(dims) != ndim:
        raise RuntimeError(
            "permute(): number of dimensions in the tensor input does not match the length of the desired ordering "
            f"of dimensions i.e. input.dim() = {ndim} is not equal to len(dims) = {len(dims)}"
        )
    order = tuple(normalize_dim("permute", d, ndim) for d in dims)
    if len(set(order)) != ndim:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return call(PERMUTE, input._device, (input,), (order,))  # type: ignore[no-any-return]


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """A view of ``input`` with dims ``dim0`` and ``dim1`` swapped.

    Example:
        >>> import tocha
        >>> tocha.transpose(tocha.zeros(2, 3, 4), 0, 2).shape
        tocha.Size([4, 3, 2])
    """
    ndim = input._data.ndim
    a = normalize_dim("transpose", dim0, ndim)
    b = normalize_dim("transpose", dim1, ndim)
    order = list(range(ndim))
    if ndim:  # a 0-dim tensor transposes to an alias of itself
        order[a], order[b] = b, a
    return call(PERMUTE, input._device, (input,), (tuple(order),))  # type: ignore[no-any-return]


def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:
    """NumPy's name for :func:`transpose`.

    Example:
        >>> import tocha
        >>> tocha.swapaxes(tocha.zeros(2, 3), 0, 1).shape
        tocha.Size([3, 2])
    """
    return transpose(input, axis0, axis1)


def swapdims(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Another name for :func:`transpose`.

    Example:
        >>> import tocha
        >>> tocha.swapdims(tocha.zeros(2, 3), 0, 1).shape
        tocha.Size([3, 2])
    """
    return transpose(input, dim0, dim1)


def t(input: Tensor) -> Tensor:
    """The transpose of a tensor of at most 2 dims (0-D and 1-D tensors come back as views of themselves).

    Example:
        >>> import tocha
        >>> tocha.t(tocha.tensor([[1, 2]]))
        tensor([[1],
                [2]])
    """
    ndim = input._data.ndim
    if ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {ndim}D")
    order = (1, 0) if ndim == 2 else tuple(range(ndim))
    return call(PERMUTE, input._device, (input,), (order,))  # type: ignore[no-any-return]


def _conj(x: Tensor) -> Tensor:
    return x.conj() if x._dtype.is_complex else x  # type: ignore[attr-defined,no-any-return]


def adjoint(input: Tensor) -> Tensor:
    """The conjugate transpose of the last two dims.

    Example:
        >>> import tocha
        >>> tocha.adjoint(tocha.zeros(4, 2, 3)).shape
        tocha.Size([4, 3, 2])
    """
    return _conj(transpose(input, -2, -1))


def _int_or_list(op: str, value: Any, name: str) -> tuple[int, ...]:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value),)
    return size_list(op, (value,), name)


def movedim(input: Tensor, source: int | Sequence[int], destination: int | Sequence[int]) -> Tensor:
    """A view of ``input`` with dims ``source`` moved to positions ``destination``, the others in order.

    Example:
        >>> import tocha
        >>> tocha.movedim(tocha.zeros(2, 3, 4), 0, -1).shape
        tocha.Size([3, 4, 2])
    """
    ndim = input._data.ndim
    src = _int_or_list("movedim", source, "source")
    dst = _int_or_list("movedim", destination, "destination")
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(src)} dims) should contain the same number "
            f"of dims as destination ({list(dst)} dims)"
        )
    src = tuple(normalize_dim("movedim", d, ndim) for d in src)
    dst = tuple(normalize_dim("movedim", d, ndim) for d in dst)
    if len(set(src)) != len(src):
        raise RuntimeError(f"movedim: repeated dim in `source` ({list(source)})")  # type: ignore[arg-type]
    if len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({list(destination)})")  # type: ignore[arg-type]
    order = [-1] * ndim
    if ndim == 0:  # dims 0 / -1 of a 0-dim tensor: an alias of it
        return call(PERMUTE, input._device, (input,), ((),))  # type: ignore[no-any-return]
    for s, d in zip(src, dst, strict=True):
        order[d] = s
    rest = iter(d for d in range(ndim) if d not in src)
    order = [next(rest) if o < 0 else o for o in order]
    return call(PERMUTE, input._device, (input,), (tuple(order),))  # type: ignore[no-any-return]


moveaxis = movedim


# ------------------------------------------------------------------ expand


def _expand_forward(xp: Any, a: Any, shape: tuple[int, ...]) -> Any:
    if xp is np and a.flags.c_contiguous:  # the common case, in byte strides straight away
        return np.ndarray(shape, a.dtype, a, 0, expand_strides(a.shape, a.strides, shape, a.itemsize))
    return as_strided(xp, a, shape, expand_strides(a.shape, element_strides(a), shape))


def _expand_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (reduce_to_shape(grad, ctx.input_shapes[0]),)


def _expand_jvp(ctx: Any, tangent: Tensor) -> Tensor:
    return call(EXPAND, tangent._device, (tangent,), ctx.params)  # type: ignore[no-any-return]


EXPAND = register_op(
    OpRecord(
        name="expand",
        forward=_expand_forward,
        vjp=_expand_vjp,
        jvp=_expand_jvp,
        view=True,
        test=op_test("expand", "Tensor.expand"),
    )
)


def expand(input: Tensor, sizes: Sequence[int]) -> Tensor:
    """A view of ``input`` broadcast to ``sizes`` (``-1`` keeps a size; new dims go in front)."""
    shape = _shape(input)
    lead = len(sizes) - len(shape)
    if lead < 0:
        raise RuntimeError(
            f"expand({input.type()}{{{list(shape)}}}, size={list(sizes)}): the number of sizes provided "  # type: ignore[attr-defined]
            f"({len(sizes)}) must be greater or equal to the number of dimensions in the tensor ({len(shape)})"
        )
    target = list(sizes)
    for i, size in enumerate(sizes):
        k = i - lead
        if k < 0:
            if size < 0:
                raise RuntimeError(
                    f"The expanded size of the tensor ({size}) isn't allowed in a leading, non-existing dimension {i}"
                )
            continue
        if size == -1:
            target[i] = shape[k]
        elif size != shape[k] and shape[k] != 1:
            raise RuntimeError(
                f"The expanded size of the tensor ({size}) must match the existing size ({shape[k]}) at non-singleton "
                f"dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: {list(shape)}"
            )
        elif size < 0:
            raise RuntimeError(f"expand: Trying to create tensor with negative dimension {size}: {list(sizes)}")
    return call(EXPAND, input._device, (input,), (tuple(target),))  # type: ignore[no-any-return]


def broadcast_to(input: Tensor, size: Sequence[int]) -> Tensor:
    """A view of ``input`` broadcast to ``size`` (same as ``input.expand(size)``).

    Example:
        >>> import tocha
        >>> tocha.broadcast_to(tocha.tensor([1, 2]), (2, 2))
        tensor([[1, 2],
                [1, 2]])
    """
    return expand(input, size_list("broadcast_to", (size,)))


def broadcast_shapes(*shapes: int | Sequence[int]) -> Any:
    """The shape that tensors of ``shapes`` broadcast to.

    Example:
        >>> import tocha
        >>> tocha.broadcast_shapes((2, 1), (3,))
        tocha.Size([2, 3])
    """
    from .._tensor_base import Size

    as_tuples = []
    for s in shapes:
        shape = _int_or_list("broadcast_shapes", s, "shapes")
        if any(n < 0 for n in shape):
            raise ValueError("Attempting to broadcast a dimension with negative length!")
        as_tuples.append(shape)
    if not as_tuples:
        return Size(())
    return Size(broadcast_shape("broadcast_shapes", *as_tuples))


def broadcast_tensors(*tensors: Tensor) -> tuple[Tensor, ...]:
    """Views of ``tensors`` expanded to their common broadcast shape.

    Example:
        >>> import tocha
        >>> [t.shape for t in tocha.broadcast_tensors(tocha.zeros(2, 1), tocha.zeros(3))]
        [tocha.Size([2, 3]), tocha.Size([2, 3])]
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = broadcast_shape("broadcast_tensors", *(_shape(t) for t in tensors)) if tensors else ()
    return tuple(t if _shape(t) == shape else expand(t, shape) for t in tensors)


# ------------------------------------------------------------------ squeeze / unsqueeze


def _squeeze_forward(xp: Any, a: Any, dims: tuple[int, ...]) -> Any:
    return a.squeeze(axis=dims) if dims else a[...]


def _unsqueeze_forward(xp: Any, a: Any, dim: int) -> Any:
    shape = (*a.shape[:dim], 1, *a.shape[dim:])
    if a.flags.c_contiguous:
        return a.reshape(shape)
    return as_strided(xp, a, shape, unsqueeze_strides(a.shape, element_strides(a), dim))


def _unsqueeze_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (squeeze(grad, ctx.params[0]),)


SQUEEZE = register_op(
    OpRecord(
        name="squeeze",
        forward=_squeeze_forward,
        vjp=_reshape_vjp,
        view=True,
        test=op_test("squeeze", "squeeze"),
    )
)
UNSQUEEZE = register_op(
    OpRecord(
        name="unsqueeze",
        forward=_unsqueeze_forward,
        vjp=_unsqueeze_vjp,
        view=True,
        test=op_test("unsqueeze", "unsqueeze"),
    )
)


def squeeze(input: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """A view of ``input`` without its size-1 dims (only those among ``dim`` when given).

    Example:
        >>> import tocha
        >>> tocha.squeeze(tocha.zeros(2, 1, 3, 1)).shape, tocha.squeeze(tocha.zeros(2, 1, 3, 1), 1).shape
        (tocha.Size([2, 3]), tocha.Size([2, 3, 1]))
    """
    shape = _shape(input)
    ndim = len(shape)
    if dim is None:
        dims = tuple(i for i, s in enumerate(shape) if s == 1)
    else:
        wanted = _int_or_list("squeeze", dim, "dim")
        dims = tuple(sorted({d for d in (normalize_dim("squeeze", w, ndim) for w in wanted) if ndim and shape[d] == 1}))
    return call(SQUEEZE, input._device, (input,), (dims,))  # type: ignore[no-any-return]


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """A view of ``input`` with a size-1 dim inserted at ``dim``.

    Example:
        >>> import tocha
        >>> tocha.unsqueeze(tocha.zeros(2, 3), -1).shape
        tocha.Size([2, 3, 1])
    """
    d = normalize_dim("unsqueeze", dim, input._data.ndim + 1)
    return call(UNSQUEEZE, input._device, (input,), (d,))  # type: ignore[no-any-return]


# ------------------------------------------------------------------ narrow / select / diagonal


def _narrow_forward(xp: Any, a: Any, dim: int, start: int, length: int) -> Any:
    return a[(slice(None),) * dim + (slice(start, start + length), Ellipsis)]


def _narrow_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (call(SLICE_BACKWARD, grad._device, (grad,), (ctx.input_shapes[0], *ctx.params)),)


def _slice_backward_forward(xp: Any, grad: Any, shape: tuple[int, ...], dim: int, start: int, length: int) -> Any:
    result = xp.zeros(shape, dtype=grad.dtype)
    result[(slice(None),) * dim + (slice(start, start + length), Ellipsis)] = grad
    return result


def _slice_backward_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    _, dim, start, length = ctx.params
    return (narrow(grad, dim, start, length),)


NARROW = register_op(
    OpRecord(
        name="narrow",
        forward=_narrow_forward,
        vjp=_narrow_vjp,
        view=True,
        test=op_test("narrow", "narrow"),
    )
)
SLICE_BACKWARD = register_op(
    OpRecord(
        name="slice_backward",
        forward=_slice_backward_forward,
        vjp=_slice_backward_vjp,
        test=op_test("slice_backward"),
    )
)


def narrow(input: Tensor, dim: int, start: int | Tensor, length: int) -> Tensor:
    """A view of ``length`` entries of ``input`` along ``dim`` from ``start`` (negative counts from the end).

    Example:
        >>> import tocha
        >>> tocha.narrow(tocha.arange(6).reshape(2, 3), 1, 1, 2)
        tensor([[1, 2],
                [4, 5]])
    """
    shape = _shape(input)
    if not shape:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = normalize_dim("narrow", dim, len(shape))
    size = shape[d]
    begin = int_argument("narrow", "start", 2, start)
    length = int_argument("narrow", "length", 3, length)
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if not -size <= begin <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {begin})")
    if begin < 0:
        begin += size
    if begin + length > size:
        raise RuntimeError(f"start ({begin}) + length ({length}) exceeds dimension size ({size}).")
    return call(NARROW, input._device, (input,), (d, begin, length))  # type: ignore[no-any-return]


def narrow_copy(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """A contiguous copy of ``length`` entries of ``input`` along ``dim`` from ``start`` (see :func:`narrow`).

    Example:
        >>> import tocha
        >>> tocha.narrow_copy(tocha.arange(6).reshape(2, 3), 1, 1, 2)
        tensor([[1, 2],
                [4, 5]])
    """
    view = narrow(input, dim, start, length)
    return view.clone() if view.is_contiguous() else view.contiguous()  # type: ignore[no-any-return]


def unsafe_split_with_sizes(input: Tensor, split_sizes: Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """:func:`split_with_sizes` (PyTorch's variant without view tracking; here the same views).

    Example:
        >>> import tocha
        >>> [t.tolist() for t in tocha.unsafe_split_with_sizes(tocha.arange(5), [2, 3])]
        [[0, 1], [2, 3, 4]]
    """
    return split_with_sizes(input, split_sizes, dim)


def _select_forward(xp: Any, a: Any, dim: int, index: int) -> Any:
    return a[(slice(None),) * dim + (index, Ellipsis)]


def _select_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (call(SELECT_BACKWARD, grad._device, (grad,), (ctx.input_shapes[0], *ctx.params)),)


def _select_backward_forward(xp: Any, grad: Any, shape: tuple[int, ...], dim: int, index: int) -> Any:
    result = xp.zeros(shape, dtype=grad.dtype)
    result[(slice(None),) * dim + (index, Ellipsis)] = grad
    return result


def _select_backward_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    _, dim, index = ctx.params
    return (select(grad, dim, index),)


SELECT = register_op(
    OpRecord(
        name="select",
        forward=_select_forward,
        vjp=_select_vjp,
        view=True,
        test=op_test("select", "select"),
    )
)
SELECT_BACKWARD = register_op(
    OpRecord(
        name="select_backward",
        forward=_select_backward_forward,
        vjp=_select_backward_vjp,
        test=op_test("select_backward"),
    )
)


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """A view of ``input`` at position ``index`` of dim ``dim`` (that dim removed).

    Example:
        >>> import tocha
        >>> tocha.select(tocha.arange(6).reshape(2, 3), 1, -1)
        tensor([2, 5])
    """
    shape = _shape(input)
    if not shape:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = normalize_dim("select", dim, len(shape))
    size = shape[d]
    i = int(index)
    if not -size <= i < size:
        raise IndexError(f"select(): index {i} out of range for tensor of size {list(shape)} at dimension {d}")
    return call(SELECT, input._device, (input,), (d, i + size if i < 0 else i))  # type: ignore[no-any-return]


def _diagonal_geometry(
    shape: Sequence[int], strides: Sequence[int], offset: int, dim1: int, dim2: int
) -> tuple[int, tuple[int, ...], tuple[int, ...]]:
    """(start offset, shape, strides) of the diagonal view, in the unit of ``strides``."""
    if offset >= 0:
        length = max(min(shape[dim1], shape[dim2] - offset), 0)
        start = offset * strides[dim2] if length else 0
    else:
        length = max(min(shape[dim1] + offset, shape[dim2]), 0)
        start = -offset * strides[dim1] if length else 0
    step = strides[dim1] + strides[dim2]
    if len(shape) == 2:
        return start, (length,), (step,)
    rest = [i for i in range(len(shape)) if i != dim1 and i != dim2]
    return start, (*[shape[i] for i in rest], length), (*[strides[i] for i in rest], step)


def _diagonal_forward(xp: Any, a: Any, offset: int, dim1: int, dim2: int) -> Any:
    if xp is np and a.flags.c_contiguous:  # the common case, in byte strides straight away
        start, shape, strides = _diagonal_geometry(a.shape, a.strides, offset, dim1, dim2)
        return np.ndarray(shape, a.dtype, a, start, strides)
    start, shape, strides = _diagonal_geometry(a.shape, element_strides(a), offset, dim1, dim2)
    return as_strided(xp, a, shape, strides, start)


def _diagonal_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (call(DIAGONAL_BACKWARD, grad._device, (grad,), (ctx.input_shapes[0], *ctx.params)),)


def _diagonal_backward_forward(xp: Any, grad: Any, shape: tuple[int, ...], offset: int, dim1: int, dim2: int) -> Any:
    result = xp.zeros(shape, dtype=grad.dtype)
    _diagonal_forward(xp, result, offset, dim1, dim2)[...] = grad
    return result


def _diagonal_backward_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    _, offset, dim1, dim2 = ctx.params
    return (diagonal(grad, offset, dim1, dim2),)


DIAGONAL = register_op(
    OpRecord(
        name="diagonal",
        forward=_diagonal_forward,
        vjp=_diagonal_vjp,
        view=True,
        test=op_test("diagonal", "diagonal"),
    )
)
DIAGONAL_BACKWARD = register_op(
    OpRecord(
        name="diagonal_backward",
        forward=_diagonal_backward_forward,
        vjp=_diagonal_backward_vjp,
        test=op_test("diagonal_backward"),
    )
)


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A view of the diagonal ``offset`` of the matrices in dims ``dim1``, ``dim2``, as the last dim.

    Example:
        >>> import tocha
        >>> tocha.diagonal(tocha.arange(9).reshape(3, 3), 1)
        tensor([1, 5])
    """
    ndim = input._data.ndim
    if type(dim1) is int and type(dim2) is int and -ndim <= dim1 < ndim and -ndim <= dim2 < ndim:
        d1 = dim1 + ndim if dim1 < 0 else dim1  # in range: no normalising calls
        d2 = dim2 + ndim if dim2 < 0 else dim2
    else:
        d1 = normalize_dim("diagonal", dim1, ndim)
        d2 = normalize_dim("diagonal", dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return call(DIAGONAL, input._device, (input,), (int(offset), d1, d2))  # type: ignore[no-any-return]


# ------------------------------------------------------------------ unfold


def _unfold_geometry(
    shape: Sequence[int], strides: Sequence[int], dim: int, size: int, step: int
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(shape, strides) of the windows view: dim ``dim`` counts the windows, a new last dim runs along one."""
    if not shape:  # a 0-dim tensor: one window of ``size`` (0 or 1) elements
        return (size,), (1,)
    count = (shape[dim] - size) // step + 1
    new_shape = (*shape[:dim], count, *shape[dim + 1 :], size)
    new_strides = (*strides[:dim], strides[dim] * step, *strides[dim + 1 :], strides[dim])
    return new_shape, new_strides


def _unfold_forward(xp: Any, a: Any, dim: int, size: int, step: int) -> Any:
    shape, strides = _unfold_geometry(a.shape, element_strides(a), dim, size, step)
    return as_strided(xp, a, shape, strides)


def _unfold_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (call(UNFOLD_BACKWARD, grad._device, (grad,), (ctx.input_shapes[0], *ctx.params)),)


def _unfold_jvp(ctx: Any, tangent: Tensor) -> Tensor:
    return call(UNFOLD, tangent._device, (tangent,), ctx.params)  # type: ignore[no-any-return]


def _unfold_backward_forward(xp: Any, grad: Any, shape: tuple[int, ...], dim: int, size: int, step: int) -> Any:
    """The windows ``grad`` summed back into a tensor of ``shape`` (overlapping windows add up)."""
    result = xp.zeros(shape, dtype=grad.dtype)
    if not shape:
        if grad.size:
            result[...] = grad[0]
        return result
    if step >= size:  # disjoint windows: one strided write
        _unfold_forward(xp, result, dim, size, step)[...] = grad
        return result
    count = grad.shape[dim]
    lead = (slice(None),) * dim
    for k in range(size):  # the k-th element of every window: distinct positions k, k + step, ...
        key = (*lead, slice(k, k + step * (count - 1) + 1, step))
        result[key] += grad[..., k]
    return result


def _unfold_backward_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    _, dim, size, step = ctx.params
    return (call(UNFOLD, grad._device, (grad,), (dim, size, step)),)


UNFOLD = register_op(
    OpRecord(
        name="unfold",
        forward=_unfold_forward,
        vjp=_unfold_vjp,
        jvp=_unfold_jvp,
        view=True,
        test=op_test("unfold", "Tensor.unfold"),
    )
)
UNFOLD_BACKWARD = register_op(
    OpRecord(
        name="unfold_backward",
        forward=_unfold_backward_forward,
        vjp=_unfold_backward_vjp,
        test=op_test("unfold_backward"),
    )
)


def unfold(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """``input.unfold(dimension, size, step)``: a view of every slice of length ``size`` along ``dimension``.

    The windows start ``step`` apart; dim ``dimension`` of the result counts them
    (``(input.size(dimension) - size) // step + 1``) and a new last dim of length
    ``size`` runs along each. A 0-dim input gives one window of ``size`` (0 or 1).
    """
    shape = _shape(input)
    ndim = len(shape)
    d = normalize_dim("unfold", dimension, ndim)
    length = shape[d] if ndim else 1
    if size > length:
        raise RuntimeError(f"unfold(): maximum size for tensor at dimension {d} is {length} but size is {size}")
    if size < 0:
        raise RuntimeError(f"unfold(): size is {size} but must be >= 0")
    if step <= 0:
        raise RuntimeError(f"unfold(): step is {step} but must be > 0")
    return call(UNFOLD, input._device, (input,), (d, int(size), int(step)))  # type: ignore[no-any-return]


# ------------------------------------------------------------------ atleast_nd


def _atleast(op: str, tensors: tuple[Any, ...], ndim: int) -> Any:
    single = len(tensors) == 1 and isinstance(tensors[0], TensorBase)
    items = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors
    results = []
    for x in items:
        if not isinstance(x, TensorBase):
            raise TypeError(f"{op}(): expected Tensor arguments, but got {type(x).__name__}")
        results.append(_promote_ndim(x, ndim))  # type: ignore[arg-type]
    return results[0] if single else tuple(results)


def _promote_ndim(x: Tensor, ndim: int) -> Tensor:
    n = x._data.ndim
    if n >= ndim:
        return x
    if n == 0:
        return reshape(x, (1,) * ndim)
    if ndim == 2 or n == 2:
        x = unsqueeze(x, 0 if ndim == 2 else -1)
    else:  # 1-D to 3-D
        x = unsqueeze(unsqueeze(x, 0), -1)
    return x


def atleast_1d(*tensors: Any) -> Any:
    """Each tensor viewed with at least 1 dim (0-D become shape ``(1,)``); one tensor in, one out.

    Example:
        >>> import tocha
        >>> tocha.atleast_1d(tocha.tensor(5))
        tensor([5])
    """
    return _atleast("atleast_1d", tensors, 1)


def atleast_2d(*tensors: Any) -> Any:
    """Each tensor viewed with at least 2 dims (1-D ``(n,)`` become ``(1, n)``).

    Example:
        >>> import tocha
        >>> tocha.atleast_2d(tocha.tensor([1, 2])).shape
        tocha.Size([1, 2])
    """
    return _atleast("atleast_2d", tensors, 2)


def atleast_3d(*tensors: Any) -> Any:
    """Each tensor viewed with at least 3 dims (``(n,)`` → ``(1, n, 1)``, ``(m, n)`` → ``(m, n, 1)``).

    Example:
        >>> import tocha
        >>> tocha.atleast_3d(tocha.zeros(2, 3)).shape
        tocha.Size([2, 3, 1])
    """
    return _atleast("atleast_3d", tensors, 3)


# ------------------------------------------------------------------ contiguous


def _contiguous_forward(xp: Any, a: Any) -> Any:
    return xp.ascontiguousarray(a)


def _identity_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (grad,)


CONTIGUOUS = register_op(
    OpRecord(
        name="contiguous",
        forward=_contiguous_forward,
        vjp=_identity_vjp,
        view="maybe",
        test=op_test("contiguous", "Tensor.contiguous"),
    )
)


from .shape_join import (  # noqa: E402  (the join ops use the view primitives above)
    ShapeJoinMethods,
    cat,
    chunk,
    column_stack,
    concat,
    concatenate,
    diag,
    diag_embed,
    diagflat,
    dsplit,
    dstack,
    flip,
    fliplr,
    flipud,
    hsplit,
    hstack,
    repeat_interleave,
    roll,
    rot90,
    row_stack,
    split,
    split_with_sizes,
    stack,
    tensor_split,
    tile,
    tril,
    triu,
    unbind,
    unsafe_chunk,
    unsafe_split,
    vsplit,
    vstack,
)

# ------------------------------------------------------------------ Tensor methods


def become_view(target: Tensor, view: Tensor, name: str) -> Tensor:
    """Make ``target`` take ``view``'s layout in place (``t_``, ``squeeze_``...), bumping its version.

    A leaf that requires grad refuses, as in PyTorch; otherwise ``target`` takes over the view's history.
    """
    if target._requires_grad and target._grad_fn is None and is_grad_enabled():
        raise RuntimeError(f"{name}(): a leaf Variable that requires grad is being used in an in-place operation.")
    target._data = view._data
    target._grad_fn = view._grad_fn
    target._autograd_meta = view._autograd_meta
    target._requires_grad = view._requires_grad
    root = target._base if target._base is not None else target
    root._version += 1
    return target


class ShapeMethods(ShapeJoinMethods):
    """Shape and view Tensor methods."""

    __slots__ = ()

    def view(self: Any, *shape: Any) -> Tensor:
        """A view with another shape (one ``-1`` inferred), or with dtype ``view(dtype)`` reinterpreting the bytes.

        Raises RuntimeError when the layout admits no such view (use :meth:`reshape`).

        Example:
            >>> import tocha
            >>> x = tocha.arange(6)
            >>> v = x.view(2, 3); v[0, 0] = 9
            >>> x
            tensor([9, 1, 2, 3, 4, 5])
        """
        if len(shape) == 1 and isinstance(shape[0], dtype):
            return view_dtype(self, shape[0])
        return view_shape(self, size_list("view", shape))

    def view_as(self: Any, other: Tensor) -> Tensor:
        """``self.view(other.shape)``."""
        return view_shape(self, _shape(other))

    def reshape(self: Any, *shape: Any) -> Tensor:
        """See :func:`tocha.reshape`."""
        size = infer_size(size_list("reshape", shape, "shape"), self._data.size)
        return call(RESHAPE, self._device, (self,), (size,))  # type: ignore[no-any-return]

    def reshape_as(self: Any, other: Tensor) -> Tensor:
        """``self.reshape(other.shape)``."""
        return reshape(self, _shape(other))

    def permute(self: Any, *dims: Any) -> Tensor:
        """See :func:`tocha.permute`."""
        return permute(self, size_list("permute", dims, "dims"))

    def transpose(self: Any, dim0: int, dim1: int) -> Tensor:
        """See :func:`tocha.transpose`."""
        return transpose(self, dim0, dim1)

    def transpose_(self: Any, dim0: int, dim1: int) -> Tensor:
        """In-place :meth:`transpose`: this tensor becomes the transposed view of its storage.

        Example:
            >>> import tocha
            >>> tocha.zeros(2, 3).transpose_(0, 1).shape
            tocha.Size([3, 2])
        """
        return become_view(self, transpose(self, dim0, dim1), "transpose_")

    def swapaxes(self: Any, axis0: int, axis1: int) -> Tensor:
        """See :func:`tocha.swapaxes`."""
        return transpose(self, axis0, axis1)

    def swapaxes_(self: Any, axis0: int, axis1: int) -> Tensor:
        """In-place :meth:`swapaxes`."""
        return become_view(self, transpose(self, axis0, axis1), "swapaxes_")

    def swapdims(self: Any, dim0: int, dim1: int) -> Tensor:
        """See :func:`tocha.swapdims`."""
        return transpose(self, dim0, dim1)

    def swapdims_(self: Any, dim0: int, dim1: int) -> Tensor:
        """In-place :meth:`swapdims`."""
        return become_view(self, transpose(self, dim0, dim1), "swapdims_")

    def t(self: Any) -> Tensor:
        """See :func:`tocha.t`."""
        return t(self)

    def t_(self: Any) -> Tensor:
        """In-place :meth:`t`.

        Example:
            >>> import tocha
            >>> tocha.zeros(2, 3).t_().stride()
            (1, 3)
        """
        return become_view(self, t(self), "t_")

    def adjoint(self: Any) -> Tensor:
        """See :func:`tocha.adjoint`."""
        return adjoint(self)

    @property
    def T(self: Any) -> Tensor:
        """A view with all dims reversed."""
        return call(PERMUTE, self._device, (self,), (tuple(range(self._data.ndim - 1, -1, -1)),))  # type: ignore[no-any-return]

    @property
    def mT(self: Any) -> Tensor:
        """A view with the last two dims swapped (batches of matrices)."""
        ndim = self._data.ndim
        if ndim == 0:
            warnings.warn(
                "Tensor.mT is deprecated on 0-D tensors. This function is the identity in these cases.",
                UserWarning,
                stacklevel=2,
            )
            return call(PERMUTE, self._device, (self,), ((),))  # type: ignore[no-any-return]
        if ndim < 2:
            raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. Got {ndim}-D tensor.")
        return transpose(self, -2, -1)

    @property
    def H(self: Any) -> Tensor:
        """The conjugate transpose of a matrix."""
        ndim = self._data.ndim
        if ndim == 2 or ndim == 0:
            return _conj(t(self))
        extra = ". For batches of matrices, consider using tensor.mH" if ndim > 2 else ""
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {ndim}-D tensor{extra}")

    @property
    def mH(self: Any) -> Tensor:
        """The conjugate transpose of the last two dims."""
        ndim = self._data.ndim
        if ndim == 0:
            warnings.warn("Tensor.mH is deprecated on 0-D tensors. Consider using x.conj().", UserWarning, stacklevel=2)
            return _conj(call(PERMUTE, self._device, (self,), ((),)))
        if ndim < 2:
            raise RuntimeError(f"tensor.mH is only supported on matrices or batches of matrices. Got {ndim}-D tensor.")
        return adjoint(self)

    def movedim(self: Any, source: int | Sequence[int], destination: int | Sequence[int]) -> Tensor:
        """See :func:`tocha.movedim`."""
        return movedim(self, source, destination)

    moveaxis = movedim

    def expand(self: Any, *sizes: Any) -> Tensor:
        """A view broadcast to ``sizes`` (``-1`` keeps a size; new dims go in front).

        Example:
            >>> import tocha
            >>> tocha.tensor([[1], [2]]).expand(-1, 3)
            tensor([[1, 1, 1],
                    [2, 2, 2]])
        """
        return expand(self, size_list("expand", sizes))

    def expand_as(self: Any, other: Tensor) -> Tensor:
        """``self.expand(other.shape)``."""
        return expand(self, _shape(other))

    def broadcast_to(self: Any, *size: Any) -> Tensor:
        """See :func:`tocha.broadcast_to`; the sizes may also come one by one (``x.broadcast_to(2, 3)``)."""
        return expand(self, size_list("broadcast_to", size))

    def squeeze(self: Any, dim: int | Sequence[int] | None = None) -> Tensor:
        """See :func:`tocha.squeeze`."""
        return squeeze(self, dim)

    def squeeze_(self: Any, dim: int | Sequence[int] | None = None) -> Tensor:
        """In-place :meth:`squeeze`.

        Example:
            >>> import tocha
            >>> tocha.zeros(2, 1, 3).squeeze_().shape
            tocha.Size([2, 3])
        """
        return become_view(self, squeeze(self, dim), "squeeze_")

    def unsqueeze(self: Any, dim: int) -> Tensor:
        """See :func:`tocha.unsqueeze`."""
        return unsqueeze(self, dim)

    def unsqueeze_(self: Any, dim: int) -> Tensor:
        """In-place :meth:`unsqueeze`."""
        return become_view(self, unsqueeze(self, dim), "unsqueeze_")

    def flatten(self: Any, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """See :func:`tocha.flatten`."""
        return flatten(self, start_dim, end_dim)

    def unflatten(self: Any, dim: int, sizes: Sequence[int]) -> Tensor:
        """See :func:`tocha.unflatten`."""
        return unflatten(self, dim, sizes)

    def ravel(self: Any) -> Tensor:
        """See :func:`tocha.ravel`."""
        return ravel(self)

    def narrow(self: Any, dim: int, start: int | Tensor, length: int) -> Tensor:
        """See :func:`tocha.narrow`."""
        return narrow(self, dim, start, length)

    def narrow_copy(self: Any, dim: int, start: int, length: int) -> Tensor:
        """See :func:`tocha.narrow_copy`."""
        return narrow_copy(self, dim, start, length)

    def unsafe_split_with_sizes(self: Any, split_sizes: Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
        """See :func:`tocha.unsafe_split_with_sizes`."""
        return unsafe_split_with_sizes(self, split_sizes, dim)

    def select(self: Any, dim: int, index: int) -> Tensor:
        """See :func:`tocha.select`."""
        return select(self, dim, index)

    def diagonal(self: Any, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
        """See :func:`tocha.diagonal`."""
        return diagonal(self, offset, dim1, dim2)

    def unfold(self: Any, dimension: int, size: int, step: int) -> Tensor:
        """A view of every slice of length ``size`` along ``dimension``, ``step`` apart, as a new last dim.

        Overlapping windows share memory: writing through the view writes ``self``.
        The gradient sums each window's gradient back into place.

        Raises:
            RuntimeError: ``size`` larger than the dim or negative, or ``step`` not positive.

        Example:
            >>> import tocha
            >>> tocha.arange(7).unfold(0, 3, 2)
            tensor([[0, 1, 2],
                    [2, 3, 4],
                    [4, 5, 6]])
        """
        return unfold(self, dimension, size, step)

    def contiguous(self: Any, memory_format: memory_format = contiguous_format) -> Tensor:
        """This tensor if it is contiguous in ``memory_format`` (default row-major), else such a copy.

        ``tocha.channels_last`` (``channels_last_3d``) lays a 4-d (5-d) tensor out with the channel dimension
        innermost (NOTE [ Memory formats ] in ``tocha._memory_format``).

        Raises:
            RuntimeError: a channels-last format for a tensor of the wrong rank, or ``tocha.preserve_format``
                for a tensor that is not contiguous.
            TypeError: ``memory_format`` is not a ``tocha.memory_format``.

        Example:
            >>> import tocha
            >>> x = tocha.zeros(2, 3)
            >>> x.contiguous() is x, x.t().contiguous().is_contiguous()
            (True, True)
            >>> tocha.zeros(2, 3, 4, 5).contiguous(memory_format=tocha.channels_last).stride()
            (60, 1, 15, 3)
        """
        data = self._data
        if memory_format is not contiguous_format:
            fmt = check_memory_format("contiguous", memory_format)
            if fmt is preserve_format:
                if data.flags.c_contiguous:
                    return self  # type: ignore[no-any-return]
                raise RuntimeError("contiguous(): preserve memory format is unsupported by the contiguous operator")
            order = format_order(fmt, data.ndim)
            if is_channels_last(tuple(data.shape), self.stride()):
                return self  # type: ignore[no-any-return]
            return call(CLONE, self._device, (self,), (order,))  # type: ignore[no-any-return]
        if data.flags.c_contiguous:
            return self  # type: ignore[no-any-return]
        return call(CONTIGUOUS, self._device, (self,), ())  # type: ignore[no-any-return]
