"""Indexing: ``Tensor.__getitem__`` / ``__setitem__`` and the index ops PyTorch derives from them.

See NOTE [ Indexing ] in ``indexing_key`` for how a key is split into a basic
stage (a view, op ``getitem``) and an advanced stage (a copy, op ``index``).
Assignment is op ``setitem`` (basic keys) or ``index_put`` (advanced keys)
run in place through ``call_inplace``, so version counters move and dispatch
layers see it.

Primitives and their vjps (all written with tocha ops):

- ``getitem(a; key)``: view. vjp: ``getitem_backward(grad; shape, key)``.
- ``getitem_backward(g; shape, key)``: zeros of ``shape`` with ``g`` written
  at ``key``. vjp: ``getitem(gg; key)``.
- ``index(a, indices)``: advanced indexing. vjp:
  ``index_backward(grad, indices; shape)``.
- ``index_backward(g, indices; shape)``: zeros of ``shape`` with ``g``
  accumulated at ``indices`` (duplicates add up). vjp: ``index(gg, indices)``.
- ``setitem(a, value; key)``: ``a`` with ``value`` written at basic ``key``.
  vjp: ``grad`` with the region zeroed; ``value`` gets ``grad[key]`` reduced
  to its shape.
- ``index_put(a, indices, values; accumulate)``: PyTorch's ``index_put``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _dispatch
from .._device import CPU
from .._dispatch import OpRecord, OpTest, call, call_inplace, register_op
from .._tensor_base import TensorBase, wrap
from . import indexing_samples as samples
from ._common import cast_operand, prepare_scalar
from ._grad_utils import reduce_to_shape
from ._scalar_fits import check_scalar_fits
from .indexing_key import (
    ParsedKey,
    check_advanced,
    check_slice,
    lift_scalar_masks,
    numpy_key,
    parse_key,
    to_index_tensor,
)
from .indexing_select import IndexOpsMethods, add_at, index_select, masked_fill, masked_select, nonzero, take

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = ["index_put", "masked_fill", "masked_select", "index_select", "take", "nonzero"]

_layers = _dispatch._layers
_FULL = slice(None)


# ------------------------------------------------------------------ primitives


def _getitem_forward(xp: Any, a: Any, key: tuple[Any, ...]) -> Any:
    return a[key]


def _getitem_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None]:
    shape = ctx.input_shapes[0]
    return (call(GETITEM_BACKWARD, grad._device, (grad,), (shape, ctx.params[0])),)


def _getitem_backward_forward(xp: Any, g: Any, shape: tuple[int, ...], key: tuple[Any, ...]) -> Any:
    result = xp.zeros(shape, dtype=g.dtype)
    result[key] = g
    return result


def _getitem_backward_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None]:
    return (call(GETITEM, grad._device, (grad,), (ctx.params[1],)),)


def _index_forward(xp: Any, a: Any, indices: list[Any]) -> Any:
    lifted = lift_scalar_masks(xp, indices)
    if lifted is not None:
        a = xp.expand_dims(a, lifted[0])
        indices = lifted[1]
    return a[numpy_key(xp, indices)]


def _index_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, None]:
    indices = ctx.inputs[1]
    return (call(INDEX_BACKWARD, grad._device, (grad, indices), (ctx.input_shapes[0],)), None)


def _index_backward_forward(xp: Any, g: Any, indices: list[Any], shape: tuple[int, ...]) -> Any:
    result = xp.zeros(shape, dtype=g.dtype)
    target, lifted = result, lift_scalar_masks(xp, indices)
    if lifted is not None:
        target = xp.expand_dims(result, lifted[0])
        indices = lifted[1]
    add_at(xp, target, numpy_key(xp, indices), g)
    return result


def _index_backward_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, None]:
    return (call(INDEX, grad._device, (grad, ctx.inputs[1]), ()), None)


def _setitem_forward(xp: Any, a: Any, value: Any, key: tuple[Any, ...], out: Any = None) -> Any:
    target = a.copy() if out is None else out
    target[key] = value
    return target


def _value_grad(grad_at_key: Tensor, shape: tuple[int, ...] | None) -> Tensor | None:
    if shape is None:
        return None
    extra = len(shape) - grad_at_key.ndim
    if extra > 0:  # the value had leading size-1 dimensions the target lacks
        inner = reduce_to_shape(grad_at_key, shape[extra:])
        return call(GETITEM, inner._device, (inner,), ((None,) * extra + (Ellipsis,),))  # type: ignore[no-any-return]
    return reduce_to_shape(grad_at_key, shape)


def _setitem_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
    key = ctx.params[0]
    need_a, need_value = ctx.needs_input_grad
    grad_a = call(SETITEM, grad._device, (grad, 0), (key,)) if need_a else None
    grad_value = None
    if need_value:
        grad_value = _value_grad(call(GETITEM, grad._device, (grad,), (key,)), ctx.input_shapes[1])
    return grad_a, grad_value


def _index_put_forward(xp: Any, a: Any, indices: list[Any], values: Any, accumulate: bool, out: Any = None) -> Any:
    result = target = a.copy() if out is None else out
    lifted = lift_scalar_masks(xp, indices)
    if lifted is not None:
        target = xp.expand_dims(target, lifted[0])
        indices = lifted[1]
    key = numpy_key(xp, indices)
    if accumulate:
        add_at(xp, target, key, values)
    else:
        target[key] = values
    return result


def _index_put_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, None, Tensor | None]:
    indices = ctx.inputs[1]
    accumulate = ctx.params[0]
    need_a, _, need_values = ctx.needs_input_grad
    grad_a = None
    if need_a:
        grad_a = grad if accumulate else call(INDEX_PUT, grad._device, (grad, indices, 0), (False,))
    grad_values = None
    if need_values:
        grad_values = _value_grad(call(INDEX, grad._device, (grad, indices), ()), ctx.input_shapes[2])
    return grad_a, None, grad_values


def _reference_getitem(a: Any, key: Any) -> Any:
    return a[key]


def _reference_getitem_backward(g: Any, shape: tuple[int, ...], key: tuple[Any, ...]) -> Any:
    result = np.zeros(shape, dtype=g.dtype)
    result[key] = g
    return result


def _reference_index_backward(g: Any, indices: list[Any], shape: tuple[int, ...]) -> Any:
    result = np.zeros(shape, dtype=g.dtype)
    np.add.at(result, tuple(_FULL if i is None else i for i in indices), g)  # type: ignore[arg-type]
    return result


def _reference_setitem(a: Any, value: Any, key: tuple[Any, ...]) -> Any:
    result = a.copy()
    result[key] = value
    return result


def _reference_index_put(a: Any, indices: Any, values: Any, accumulate: bool = False) -> Any:
    result = a.copy()
    key = tuple(indices)
    if accumulate:
        np.add.at(result, key, values)  # type: ignore[arg-type]
    else:
        result[key] = values
    return result


def _getitem_jvp(ctx: Any, tangent: Tensor) -> Tensor:
    return call(GETITEM, tangent._device, (tangent,), ctx.params)  # type: ignore[no-any-return]


GETITEM = register_op(
    OpRecord(
        name="getitem",
        forward=_getitem_forward,
        vjp=_getitem_vjp,
        jvp=_getitem_jvp,
        view=True,
        test=OpTest(samples=samples.getitem_samples, reference=_reference_getitem, torch_name="Tensor.__getitem__"),
    )
)
GETITEM_BACKWARD = register_op(
    OpRecord(
        name="getitem_backward",
        forward=_getitem_backward_forward,
        vjp=_getitem_backward_vjp,
        test=OpTest(samples=samples.getitem_backward_samples, reference=_reference_getitem_backward),
    )
)


def _index_jvp(ctx: Any, tangent: Tensor | None, _: Any = None) -> Tensor | None:
    if tangent is None:
        return None
    return call(INDEX, tangent._device, (tangent, ctx.inputs[1]), ())  # type: ignore[no-any-return]


INDEX = register_op(
    OpRecord(
        name="index",
        forward=_index_forward,
        vjp=_index_vjp,
        jvp=_index_jvp,
        saves_inputs=(1,),
        differentiable_inputs=(0,),
        test=OpTest(samples=samples.index_samples, reference=_reference_getitem, torch_name="Tensor.__getitem__"),
    )
)
INDEX_BACKWARD = register_op(
    OpRecord(
        name="index_backward",
        forward=_index_backward_forward,
        vjp=_index_backward_vjp,
        saves_inputs=(1,),
        differentiable_inputs=(0,),
        test=OpTest(samples=samples.index_backward_samples, reference=_reference_index_backward),
    )
)
SETITEM = register_op(
    OpRecord(
        name="setitem",
        forward=_setitem_forward,
        vjp=_setitem_vjp,
        supports_out=True,
        test=OpTest(samples=samples.setitem_samples, reference=_reference_setitem),
    )
)
INDEX_PUT = register_op(
    OpRecord(
        name="index_put",
        forward=_index_put_forward,
        vjp=_index_put_vjp,
        saves_inputs=(1,),
        differentiable_inputs=(0, 2),
        supports_out=True,
        test=OpTest(samples=samples.index_put_samples, reference=_reference_index_put, torch_name="index_put"),
    )
)


# ------------------------------------------------------------------ getitem


def _view(t: Tensor, key: tuple[Any, ...]) -> Tensor:
    """Basic indexing of ``t`` with canonical ``key``: the fast path when no layer or grad is involved."""
    if t._requires_grad or _layers:
        return call(GETITEM, t._device, (t,), (key,))  # type: ignore[no-any-return]
    base = t._base
    return wrap(t._data[key], t._device, t if base is None else base)


def _simple_key(shape: tuple[int, ...], key: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """``key`` as a canonical basic key when it holds only in-range ints, positive-step int slices, None and
    at most one Ellipsis; else None (the general parser then handles it, errors included)."""
    ndim = len(shape)
    dim = 0
    has_ellipsis = False
    for position, item in enumerate(key):
        kind = type(item)
        if kind is int:
            if dim >= ndim or not -shape[dim] <= item < shape[dim]:
                return None
            dim += 1
        elif kind is slice:
            step, start, stop = item.step, item.start, item.stop
            if dim >= ndim or not (
                (step is None or (type(step) is int and step > 0))
                and (start is None or type(start) is int)
                and (stop is None or type(stop) is int)
            ):
                return None
            dim += 1
        elif item is Ellipsis:
            if has_ellipsis:
                return None
            has_ellipsis = True
            rest = 0  # indices after it that consume a dimension
            for later in key[position + 1 :]:
                if later is not None:
                    rest += 1
            if ndim - rest < dim:
                return None
            dim = ndim - rest
        elif item is not None:
            return None
    return key if has_ellipsis else (*key, Ellipsis)


def _apply(t: Tensor, parsed: ParsedKey) -> Tensor:
    view = t if parsed.basic is None else _view(t, parsed.basic)
    advanced = parsed.advanced
    if advanced is None:
        if parsed.basic is None:  # x[...] or x[:] on every dimension: still a new view, as PyTorch
            return _view(t, (Ellipsis,))
        return view
    check_advanced(tuple(view._data.shape), advanced)
    return call(INDEX, view._device, (view, advanced), ())  # type: ignore[no-any-return]


# ------------------------------------------------------------------ setitem


def _value_operand(t: Tensor, value: Any) -> Any:
    """``value`` ready to be written into ``t``: a prepared scalar, or a tensor of ``t``'s dtype and device."""
    d = t._dtype
    if isinstance(value, TensorBase):
        return cast_operand(value, d, t._device)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, np.ndarray):
        return cast_operand(wrap(value, CPU), d, t._device)
    if isinstance(value, (bool, int, float, complex)):
        value = check_scalar_fits(value, d, half_range=False)  # NOTE [ Scalar overflow ]
        if d.category <= 1 and isinstance(value, float):
            value = int(value)
        return prepare_scalar(value, d)
    raise TypeError(f"can't assign a {type(value).__name__} to a tocha.{_TYPE_PREFIX.get(d.name, d.name)}Tensor")


_TYPE_PREFIX = {
    "float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16", "int64": "Long",
    "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
    "complex64": "ComplexFloat", "complex128": "ComplexDouble",
    "uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64",
}  # fmt: skip


def _check_value_shape(value: Any, target_shape: tuple[int, ...]) -> None:
    if not isinstance(value, TensorBase):
        return
    shape = tuple(value._data.shape)
    if shape == target_shape:
        return
    trimmed = shape
    while len(trimmed) > len(target_shape) and trimmed[0] == 1:
        trimmed = trimmed[1:]
    ok = len(trimmed) <= len(target_shape)
    if ok:
        offset = len(target_shape) - len(trimmed)
        ok = all(s == 1 or s == target_shape[offset + i] for i, s in enumerate(trimmed))
    if not ok:
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {list(shape)} cannot be broadcast to indexing result of shape "
            f"{list(target_shape)}"
        )


def setitem(t: Tensor, key: Any, value: Any) -> None:
    """``t[key] = value`` with PyTorch's semantics, in place (see NOTE [ Indexing ])."""
    kt = type(key)
    basic: tuple[Any, ...] | None = None
    advanced: list[Tensor | None] | None = None
    if kt is int and t._data.ndim and -t._data.shape[0] <= key < t._data.shape[0]:
        basic = (key, Ellipsis)
    elif kt is slice and t._data.ndim and (key.step is None or (type(key.step) is int and key.step > 0)):
        basic = (key, Ellipsis) if _int_bounds(key) else (check_slice(key), Ellipsis)
    elif kt is tuple and (basic := _simple_key(t._data.shape, key)) is not None:
        pass
    else:
        parsed = parse_key(t, key)
        basic, advanced = parsed.basic, parsed.advanced
    operand = _value_operand(t, value)
    dev = t._device
    if advanced is None:
        key_ = (Ellipsis,) if basic is None else basic
        if isinstance(operand, TensorBase):
            _check_value_shape(operand, tuple(t._data[key_].shape))
        call_inplace(SETITEM, dev, t, (t, operand), (key_,))
        return
    view = t if basic is None else _view(t, basic)
    shape = check_advanced(tuple(view._data.shape), advanced, want_shape=True)
    if isinstance(operand, TensorBase):
        _check_value_shape(operand, shape)
    call_inplace(INDEX_PUT, dev, view, (view, advanced, operand), (False,))


def _int_bounds(key: slice) -> bool:
    start, stop = key.start, key.stop
    return (start is None or type(start) is int) and (stop is None or type(stop) is int)


# ------------------------------------------------------------------ index_put


def _index_list(op: str, input: Tensor, indices: Any) -> list[Tensor | None]:
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"{op}(): argument 'indices' must be tuple of Tensors, not {type(indices).__name__}")
    result: list[Tensor | None] = []
    consumed = 0
    for i, index in enumerate(indices):
        if index is None:
            result.append(None)
            consumed += 1
            continue
        if not isinstance(index, TensorBase):
            raise TypeError(f"{op}(): expected Tensor as element {i} in argument 1, but got {type(index).__name__}")
        converted = to_index_tensor(index, input._device)
        if converted._dtype.name == "uint8":
            converted = converted.to(dtype=_bool())  # type: ignore[attr-defined]
        result.append(converted)
        # a 0-dim mask counts as one index, as in PyTorch's index_put
        consumed += max(converted._data.ndim, 1) if converted._dtype.name == "bool" else 1
    if consumed > input._data.ndim:
        raise IndexError(f"too many indices for tensor of dimension {input._data.ndim} (got {consumed})")
    while result and result[-1] is None:
        result.pop()
    return result


def _bool() -> Any:
    from .._dtype import bool as bool_

    return bool_


def _index_put_operands(op: str, input: Tensor, indices: Any, values: Any) -> tuple[list[Tensor | None], Any]:
    index_list = _index_list(op, input, indices)
    if not isinstance(values, TensorBase):
        raise TypeError(f"{op}(): argument 'values' must be Tensor, not {type(values).__name__}")
    shape = check_advanced(tuple(input._data.shape), index_list, want_shape=True) if index_list else tuple(input.shape)
    _check_value_shape(values, shape)
    if values._dtype is not input._dtype:
        raise RuntimeError(
            f"{op}(): Index put requires the source and destination dtypes match, got "
            f"{_TYPE_PREFIX[input._dtype.name]} for the destination and {_TYPE_PREFIX[values._dtype.name]} "
            "for the source."
        )
    return index_list, cast_operand(values, input._dtype, input._device)


def index_put(input: Tensor, indices: Any, values: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``values`` put at ``indices`` (a tuple of index tensors, ``input[indices]``).

    With ``accumulate=True`` values are added, duplicate indices adding up;
    otherwise the last write to a duplicated index wins.

    Args:
        input: the tensor to copy.
        indices: tuple of integer or boolean tensors, one per leading dimension.
        values: tensor of ``input``'s dtype, broadcast to the indexed shape.
        accumulate: add instead of overwrite.

    Example:
        >>> import tocha
        >>> x = tocha.zeros(4)
        >>> tocha.index_put(x, (tocha.tensor([0, 2, 2]),), tocha.tensor(1.0), accumulate=True)
        tensor([1., 0., 2., 0.])
    """
    index_list, operand = _index_put_operands("index_put", input, indices, values)
    return call(INDEX_PUT, input._device, (input, index_list, operand), (bool(accumulate),))  # type: ignore[no-any-return]


# ------------------------------------------------------------------ Tensor methods


class IndexingMethods(IndexOpsMethods):
    """Tensor indexing: ``t[key]``, ``t[key] = value`` and the index ops."""

    __slots__ = ()

    def __getitem__(self: Any, key: Any) -> Tensor:
        """``self[key]``: ints, slices, None and ``...`` give a view; tensors, lists and masks a copy.

        Example:
            >>> import tocha
            >>> x = tocha.tensor([[1, 2, 3], [4, 5, 6]])
            >>> x[1, 1:], x[:, [2, 0]], x[x > 4]
            (tensor([5, 6]), tensor([[3, 1],
                    [6, 4]]), tensor([5, 6]))
        """
        kt = type(key)
        if kt is slice:
            step, start, stop = key.step, key.start, key.stop
            if (
                (step is None or (type(step) is int and step > 0))
                and (start is None or type(start) is int)
                and (stop is None or type(stop) is int)
                and self._data.ndim
            ):
                return _view(self, (key, Ellipsis))
        elif kt is int:
            shape = self._data.shape
            if shape and -shape[0] <= key < shape[0]:
                return _view(self, (key, Ellipsis))
        elif kt is tuple:
            simple = _simple_key(self._data.shape, key)
            if simple is not None:
                return _view(self, simple)
        return _apply(self, parse_key(self, key))

    def __setitem__(self: Any, key: Any, value: Any) -> None:
        """``self[key] = value`` in place; ``value`` (number, tensor or NumPy array) is broadcast and converted.

        Example:
            >>> import tocha
            >>> x = tocha.zeros(2, 3)
            >>> x[0] = 1.0
            >>> x[:, [2]] = tocha.tensor([[7.0], [8.0]])
            >>> x
            tensor([[1., 1., 7.],
                    [0., 0., 8.]])
        """
        setitem(self, key, value)

    def index_put(self: Any, indices: Any, values: Tensor, accumulate: bool = False) -> Tensor:
        """See :func:`tocha.index_put`."""
        return index_put(self, indices, values, accumulate)

    def index_put_(self: Any, indices: Any, values: Tensor, accumulate: bool = False) -> Tensor:
        """In-place :func:`tocha.index_put`.

        Example:
            >>> import tocha
            >>> x = tocha.zeros(3)
            >>> x.index_put_((tocha.tensor([1]),), tocha.tensor(5.0))
            tensor([0., 5., 0.])
        """
        index_list, operand = _index_put_operands("index_put_", self, indices, values)
        return call_inplace(INDEX_PUT, self._device, self, (self, index_list, operand), (bool(accumulate),))
