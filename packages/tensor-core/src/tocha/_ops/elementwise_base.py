"""The machinery elementwise ops share: operand promotion, broadcasting errors, ``out=`` and in-place writes.

Binary ops go through :func:`binary`, whose first branch is the small-op fast
path (same dtype and device, or a float tensor and a Python float); unary ops
through :func:`unary`. Ops whose forwards may raise floating-point flags (log of
zero, overflow) set ``fp_errors=True`` on their record; see NOTE [ Floating-point warnings ].
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .._backend import xp_of
from .._dispatch import OpRecord, call, call_inplace
from .._dtype import _FLOAT, FLOAT8_DTYPES, can_cast, dtype, float16, float32, float64, get_default_dtype
from .._tensor_base import TensorBase
from ._common import (
    broadcast_shape,
    cast_operand,
    common_device,
    result_type_of,
    scalar_or_tensor,
    type_name,
)
from ._grad_utils import reduce_to_shape

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__: list[str] = []

# Float dtypes whose NumPy arrays meet a Python number as PyTorch's tensors do (keeping their dtype); ml_dtypes'
# bfloat16 and float8 arrays do not, so numbers meeting them are converted first (``prepare_scalar``).
_WEAK_SCALAR_FLOATS = frozenset({float16, float32, float64})

# ------------------------------------------------------------------ binary


def binary(op: OpRecord, a: Any, b: Any, params: tuple[Any, ...] = ()) -> Tensor:
    """Run binary elementwise ``op`` on operands ``a`` and ``b`` (tensors or numbers).

    The fast path runs without promotion when no dtype changes: two tensors of
    one dtype and device, or a float16/32/64 tensor and a Python float
    or int on either side (NumPy's weak scalars then keep the tensor's dtype,
    as PyTorch does).
    """
    if isinstance(a, TensorBase):
        d = a._dtype
        if isinstance(b, TensorBase):
            if d is b._dtype and a._device is b._device and d in op.dtype_set:
                try:
                    return call(op, a._device, (a, b), params)  # type: ignore[no-any-return]
                except ValueError:
                    raise_broadcast_error(op.name, a, b)
                    raise
        elif (type(b) is float or type(b) is int) and d in _WEAK_SCALAR_FLOATS and d in op.dtype_set:
            return call(op, a._device, (a, b), params)  # type: ignore[no-any-return]
    elif (
        (type(a) is float or type(a) is int)
        and isinstance(b, TensorBase)
        and b._dtype in _WEAK_SCALAR_FLOATS
        and b._dtype in op.dtype_set
    ):
        return call(op, b._device, (a, b), params)  # type: ignore[no-any-return]
    return binary_promoted(op, a, b, params)


def binary_promoted(
    op: OpRecord, a: Any, b: Any, params: tuple[Any, ...] = (), compute_dtype: dtype | None = None
) -> Tensor:
    """``binary`` for operands of mixed dtypes: promote as PyTorch, then run."""
    a, b = scalar_or_tensor(op.name, a), scalar_or_tensor(op.name, b)
    if not isinstance(a, TensorBase) and not isinstance(b, TensorBase):
        raise TypeError(
            f"{op.name}(): expected at least one Tensor operand, got {type(a).__name__} and {type(b).__name__}"
        )
    dev = common_device(op.name, a, b)
    d = compute_dtype or result_type_of(a, b)
    if d in FLOAT8_DTYPES and op.name == "mul" and isinstance(a, TensorBase) and isinstance(b, TensorBase):
        # PyTorch multiplies two float8 tensors (only): in float32, rounded once (NOTE [ Float8 dtypes ])
        product = run_binary(op, dev, cast_operand(a, float32, dev), cast_operand(b, float32, dev), params)
        return cast_operand(product, d, dev)  # type: ignore[no-any-return]
    check_dtype(op, d)
    return run_binary(op, dev, cast_operand(a, d, dev), cast_operand(b, d, dev), params)


def run_binary(op: OpRecord, dev: Any, a: Any, b: Any, params: tuple[Any, ...]) -> Tensor:
    """``call(op, dev, (a, b), params)`` with PyTorch's error when the shapes do not broadcast."""
    try:
        return call(op, dev, (a, b), params)  # type: ignore[no-any-return]
    except ValueError:
        raise_broadcast_error(op.name, a, b)
        raise


def raise_broadcast_error(name: str, *operands: Any) -> None:
    """Raise PyTorch's RuntimeError if the tensor operands do not broadcast."""
    shapes = [tuple(x._data.shape) for x in operands if isinstance(x, TensorBase)]
    if shapes:
        broadcast_shape(name, *shapes)


def check_dtype(op: OpRecord, d: dtype) -> None:
    """NotImplementedError (PyTorch's type) naming the op when it does not take dtype ``d``."""
    if d not in op.dtype_set:
        raise NotImplementedError(f"\"{op.name}\" not implemented for '{type_name(d)}'")


def binary_inplace(
    op: OpRecord, target: Tensor, other: Any, params: tuple[Any, ...] = (), compute_dtype: dtype | None = None
) -> Tensor:
    """``target op= other``: computed in the promoted dtype, written into ``target``.

    The fast path writes directly when nothing needs promoting or checking:
    ``other`` a tensor of ``target``'s dtype, device and shape, or a Python
    float or int with a float16/32/64 target.
    """
    d = target._dtype
    if (compute_dtype is None or compute_dtype is d) and d in op.dtype_set:
        if isinstance(other, TensorBase):
            if other._dtype is d and other._device is target._device and other._data.shape == target._data.shape:
                return call_inplace(op, target._device, target, (target, other), params)
        elif (type(other) is float or type(other) is int) and d in _WEAK_SCALAR_FLOATS:
            return call_inplace(op, target._device, target, (target, other), params)
    other = scalar_or_tensor(op.name + "_", other)
    dev = common_device(op.name + "_", target, other)
    d = compute_dtype or result_type_of(target, other)
    check_cast(op.name + "_", d, target._dtype)
    check_dtype(op, d)
    if isinstance(other, TensorBase):
        check_inplace_shape(op.name + "_", target, other)
    a = cast_operand(target, d, dev)
    return call_inplace(op, dev, target, (a, cast_operand(other, d, dev)), params)


def check_cast(name: str, result: dtype, target: dtype) -> None:
    """PyTorch's RuntimeError when a ``result``-typed value may not be written into a ``target`` tensor."""
    if not can_cast(result, target):
        raise RuntimeError(
            f"{name}(): result type {type_name(result)} can't be cast to the desired output type {type_name(target)}"
        )


def check_inplace_shape(name: str, target: Tensor, *others: Any) -> None:
    """RuntimeError when broadcasting ``others`` with ``target`` would change ``target``'s shape."""
    own = tuple(target._data.shape)
    shapes = [tuple(x._data.shape) for x in others if isinstance(x, TensorBase)]
    shape = broadcast_shape(name, own, *shapes)
    if shape != own:
        raise RuntimeError(f"{name}(): output with shape {list(own)} doesn't match the broadcast shape {list(shape)}")


def broadcast_vjp(ctx: Any, *grads: Tensor | None) -> tuple[Tensor | None, ...]:
    """Each gradient summed back to its input's shape (None stays None)."""
    out: list[Tensor | None] = []
    for g, shape in zip(grads, ctx.input_shapes, strict=False):
        if g is None or shape is None:
            out.append(None)
        elif g._data.shape == shape:
            out.append(g)  # same shape: nothing to sum (the common case, checked without building a Size)
        else:
            out.append(reduce_to_shape(g, shape))
    return tuple(out)


# ------------------------------------------------------------------ unary


def as_tensor_arg(name: str, x: Any) -> Tensor:
    """``x`` as a tensor (NumPy arrays are wrapped); TypeError in PyTorch's words otherwise."""
    if isinstance(x, TensorBase):
        return x  # type: ignore[return-value]
    value = scalar_or_tensor(name, x)
    if not isinstance(value, TensorBase):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")
    return value  # type: ignore[return-value]


def unary(
    op: OpRecord, input: Any, out: Tensor | None = None, *, floating: bool = False, params: tuple[Any, ...] = ()
) -> Tensor:
    """Run unary ``op``; ``floating`` ops take integer and bool inputs in the default float dtype."""
    x = as_tensor_arg(op.name, input)
    d = x._dtype
    if floating and d.category < _FLOAT:
        d = get_default_dtype()
        x = cast_operand(x, d, x._device)
    elif d not in op.dtype_set:
        check_dtype(op, d)
    result: Tensor = call(op, x._device, (x,), params)
    return result if out is None else copy_to_out(result, out)


def unary_inplace(op: OpRecord, target: Tensor, *, floating: bool = False, params: tuple[Any, ...] = ()) -> Tensor:
    """In-place unary ``op`` (``target.exp_()``); float ops refuse integer targets as PyTorch does."""
    d = target._dtype
    if floating and d.category < _FLOAT:
        check_cast(op.name + "_", get_default_dtype(), d)
    check_dtype(op, d)
    return call_inplace(op, target._device, target, (target,), params)


def copy_to_out(result: Tensor, out: Tensor) -> Tensor:
    """Write ``result`` into the ``out=`` tensor (resized like PyTorch when its shape differs)."""
    from .creation import to_dtype

    if not isinstance(out, TensorBase):
        raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
    if not can_cast(result._dtype, out._dtype):
        raise RuntimeError(
            f"result type {type_name(result._dtype)} can't be cast to the desired output type {type_name(out._dtype)}"
        )
    if out._device is not result._device:
        raise RuntimeError(f"Expected out tensor to have device {result._device}, but got {out._device} instead")
    if out._data.shape != result._data.shape:
        resize_out(out, tuple(result._data.shape))
    return out.copy_(to_dtype(result, out._dtype))  # type: ignore[attr-defined,no-any-return]


def resize_out(out: Tensor, shape: tuple[int, ...]) -> None:
    """Give the ``out=`` tensor ``shape``, as PyTorch resizes outputs.

    A tensor owning its memory gets a new array. A view is resized in place
    over its base's storage (contiguously, from its storage offset) so that it
    stays a view; tocha cannot grow a storage that is too small, and raises.
    """
    if out._base is None:
        out._data = xp_of(out._device).empty(shape, dtype=out._data.dtype)
        return
    storage = out._base._data
    n = math.prod(shape)
    offset = out.storage_offset()  # type: ignore[attr-defined]
    if storage.dtype != out._data.dtype or not storage.flags.c_contiguous or offset + n > storage.size:
        raise RuntimeError(
            f"out=: cannot resize a view of shape {list(out._data.shape)} to {list(shape)}: its storage holds "
            f"{storage.size} elements from offset {offset} and tocha cannot grow the storage of a view; "
            f"pass an out= tensor of shape {list(shape)}"
        )
    out._data = storage.reshape(-1)[offset : offset + n].reshape(shape)


def conj_if_complex(t: Tensor) -> Tensor:
    """``t.conj()`` for complex tensors, ``t`` otherwise (the vjp convention for holomorphic ops)."""
    return t.conj() if t._dtype.is_complex else t  # type: ignore[attr-defined,no-any-return]
