"""The machinery elementwise ops share: operand promotion, broadcasting errors, ``out=`` and in-place writes.

Binary ops go through :func:`binary`, whose first branch is the small-op fast
path (same dtype and device, or a float tensor and a Python float); unary ops
through :func:`unary`. Forwards that may raise floating-point flags (log of
zero, overflow) are wrapped in :func:`quiet`, since PyTorch never warns there.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .._backend import xp_of
from .._dispatch import OpRecord, call, call_inplace
from .._dtype import _FLOAT, ALL_DTYPES, can_cast, dtype, get_default_dtype
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

NO_BOOL = tuple(d for d in ALL_DTYPES if d.name != "bool")
REAL = tuple(d for d in ALL_DTYPES if not d.is_complex)
REAL_NO_BOOL = tuple(d for d in REAL if d.name != "bool")
INTEGRAL_BOOL = tuple(d for d in ALL_DTYPES if d.category <= 1)
INTEGRAL = tuple(d for d in INTEGRAL_BOOL if d.name != "bool")
FLOATING = tuple(d for d in ALL_DTYPES if d.is_floating_point)
FLOATING_COMPLEX = tuple(d for d in ALL_DTYPES if d.category >= _FLOAT)


def quiet(forward: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a forward so NumPy's floating-point warnings (divide by zero, overflow...) stay silent."""
    silenced = np.errstate(all="ignore")(forward)
    return functools.wraps(forward)(silenced)


# ------------------------------------------------------------------ binary


def binary(op: OpRecord, a: Any, b: Any, params: tuple[Any, ...] = ()) -> Tensor:
    """Run binary elementwise ``op`` on operands ``a`` and ``b`` (tensors or numbers)."""
    if isinstance(a, TensorBase):
        if isinstance(b, TensorBase):
            if a._dtype is b._dtype and a._device is b._device:
                try:
                    return call(op, a._device, (a, b), params)  # type: ignore[no-any-return]
                except ValueError:
                    raise_broadcast_error(op.name, a, b)
                    raise
        elif type(b) is float and a._dtype.category == _FLOAT and a._dtype.name != "bfloat16":
            return call(op, a._device, (a, b), params)  # type: ignore[no-any-return]
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
    if d not in op.dtypes:
        raise NotImplementedError(f"\"{op.name}\" not implemented for '{type_name(d)}'")


def binary_inplace(
    op: OpRecord, target: Tensor, other: Any, params: tuple[Any, ...] = (), compute_dtype: dtype | None = None
) -> Tensor:
    """``target op= other``: computed in the promoted dtype, written into ``target``."""
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
    return tuple(
        None if g is None or shape is None else reduce_to_shape(g, shape)
        for g, shape in zip(grads, ctx.input_shapes, strict=False)
    )


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
    elif d not in op.dtypes:
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
    if tuple(out._data.shape) != tuple(result._data.shape):
        out._data = xp_of(out._device).empty(result._data.shape, dtype=out._data.dtype)
    return out.copy_(to_dtype(result, out._dtype))  # type: ignore[attr-defined,no-any-return]


def conj_if_complex(t: Tensor) -> Tensor:
    """``t.conj()`` for complex tensors, ``t`` otherwise (the vjp convention for holomorphic ops)."""
    return t.conj() if t._dtype.is_complex else t  # type: ignore[attr-defined,no-any-return]
