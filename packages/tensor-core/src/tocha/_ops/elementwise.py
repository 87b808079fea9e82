"""Elementwise ops: arithmetic, comparisons and math functions, with broadcasting.

Each primitive is an ``OpRecord`` (forward against ``xp``, vjp with tocha
ops, test metadata); public functions normalise operands (PyTorch promotion,
one device) and call the dispatcher. Binary ops go through :func:`binary`,
whose first branch is the small-op fast path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._backend import xp_of
from .._dispatch import OpRecord, OpTest, call, call_inplace, register_op
from .._dtype import _BOOL, _FLOAT, dtype, can_cast
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

__all__ = ["add", "sub", "subtract", "mul", "multiply", "neg", "negative"]


# ------------------------------------------------------------------ binary machinery


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
        raise TypeError(f"{op.name}(): expected at least one Tensor operand, got {type(a).__name__} and {type(b).__name__}")
    dev = common_device(op.name, a, b)
    d = compute_dtype or result_type_of(a, b)
    check_dtype(op, d)
    return _run(op, dev, cast_operand(a, d, dev), cast_operand(b, d, dev), params)


def _run(op: OpRecord, dev: Any, a: Any, b: Any, params: tuple[Any, ...]) -> Tensor:
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
    """TypeError-free dtype gate: RuntimeError naming the op when it does not take dtype ``d``."""
    if d not in op.dtypes:
        raise RuntimeError(f"{op.name}(): not implemented for '{type_name(d)}'")


def binary_inplace(op: OpRecord, target: Tensor, other: Any, params: tuple[Any, ...] = ()) -> Tensor:
    """``target op= other``: computed in the promoted dtype, written into ``target``."""
    other = scalar_or_tensor(op.name + "_", other)
    dev = common_device(op.name + "_", target, other)
    d = result_type_of(target, other)
    if not can_cast(d, target._dtype):
        raise RuntimeError(
            f"{op.name}_(): result type {type_name(d)} can't be cast to the desired output type {type_name(target._dtype)}"
        )
    check_dtype(op, d)
    if isinstance(other, TensorBase):
        shape = broadcast_shape(op.name + "_", tuple(target._data.shape), tuple(other._data.shape))
        if shape != tuple(target._data.shape):
            raise RuntimeError(
                f"{op.name}_(): output with shape {list(target._data.shape)} doesn't match the broadcast shape {list(shape)}"
            )
    a = cast_operand(target, d, dev)
    return call_inplace(op, dev, target, (a, cast_operand(other, d, dev)), params)


def _broadcast_vjp(ctx: Any, ga: Tensor | None, gb: Tensor | None) -> tuple[Tensor | None, Tensor | None]:
    shape_a, shape_b = ctx.input_shapes
    return (
        None if ga is None or shape_a is None else reduce_to_shape(ga, shape_a),
        None if gb is None or shape_b is None else reduce_to_shape(gb, shape_b),
    )


# ------------------------------------------------------------------ add / sub / mul


def _add_forward(xp: Any, a: Any, b: Any, out: Any = None) -> Any:
    return xp.add(a, b) if out is None else xp.add(a, b, out=out)


def _add_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
    return _broadcast_vjp(ctx, grad, grad)


def _sub_forward(xp: Any, a: Any, b: Any, out: Any = None) -> Any:
    return xp.subtract(a, b) if out is None else xp.subtract(a, b, out=out)


def _sub_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
    return _broadcast_vjp(ctx, grad, -grad)


def _mul_forward(xp: Any, a: Any, b: Any, out: Any = None) -> Any:
    return xp.multiply(a, b) if out is None else xp.multiply(a, b, out=out)


def _mul_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
    a, b = ctx.inputs
    need_a, need_b = ctx.needs_input_grad
    return _broadcast_vjp(ctx, grad * b.conj() if need_a else None, grad * a.conj() if need_b else None)


ADD = register_op(
    OpRecord(
        name="add",
        forward=_add_forward,
        vjp=_add_vjp,
        supports_out=True,
        test=OpTest(samples="binary", reference=np.add, torch_name="add"),
    )
)
SUB = register_op(
    OpRecord(
        name="sub",
        forward=_sub_forward,
        vjp=_sub_vjp,
        supports_out=True,
        test=OpTest(samples="binary", reference=np.subtract, torch_name="sub", skips={"bool": "PyTorch refuses bool subtraction"}),
    )
)
MUL = register_op(
    OpRecord(
        name="mul",
        forward=_mul_forward,
        vjp=_mul_vjp,
        saves_inputs=(0, 1),
        supports_out=True,
        test=OpTest(samples="binary", reference=np.multiply, torch_name="mul"),
    )
)


def _scaled(name: str, other: Any, alpha: Any, input: Any) -> Any:
    if alpha == 1:
        return other
    d = result_type_of(input, other)
    if d.category <= 1 and isinstance(alpha, float):
        raise RuntimeError(f"{name}(): For integral input tensors, argument alpha must not be a floating point number.")
    return mul(other, alpha)


def _check_bool_sub(a: Any, b: Any) -> None:
    if (
        isinstance(a, TensorBase)
        and isinstance(b, (TensorBase, bool))
        and a._dtype.category == _BOOL
        and (isinstance(b, bool) or b._dtype.category == _BOOL)
    ):
        raise RuntimeError(
            "sub(): Subtraction, the `-` operator, with two bool tensors is not supported. "
            "Use the `^` or `logical_xor()` operator instead."
        )


def add(input: Any, other: Any, *, alpha: Any = 1, out: Tensor | None = None) -> Tensor:
    """``input + alpha * other``, broadcast, in PyTorch's promoted dtype.

    Example:
        >>> import tocha
        >>> tocha.add(tocha.tensor([1, 2]), tocha.tensor([10, 20]), alpha=2)
        tensor([21, 42])
    """
    result = binary(ADD, input, _scaled("add", other, alpha, input))
    return result if out is None else copy_to_out(result, out)


def sub(input: Any, other: Any, *, alpha: Any = 1, out: Tensor | None = None) -> Tensor:
    """``input - alpha * other``, broadcast.

    Example:
        >>> import tocha
        >>> tocha.sub(tocha.tensor([5.0, 6.0]), 1.5)
        tensor([3.5000, 4.5000])
    """
    _check_bool_sub(input, other)
    result = binary(SUB, input, _scaled("sub", other, alpha, input))
    return result if out is None else copy_to_out(result, out)


subtract = sub


def mul(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``input * other``, broadcast.

    Example:
        >>> import tocha
        >>> tocha.mul(tocha.tensor([1, 2]), 2.5)
        tensor([2.5000, 5.0000])
    """
    result = binary(MUL, input, other)
    return result if out is None else copy_to_out(result, out)


multiply = mul


def neg(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``-input``.

    Example:
        >>> import tocha
        >>> tocha.neg(tocha.tensor([1, -2]))
        tensor([-1,  2])
    """
    if input._dtype.category == _BOOL:
        raise RuntimeError(
            "neg(): Negation, the `-` operator, on a bool tensor is not supported. "
            "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )
    result: Tensor = call(NEG, input._device, (input,), ())
    return result if out is None else copy_to_out(result, out)


negative = neg


def _neg_forward(xp: Any, a: Any, out: Any = None) -> Any:
    return xp.negative(a) if out is None else xp.negative(a, out=out)


def _neg_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (-grad,)


NEG = register_op(
    OpRecord(
        name="neg",
        forward=_neg_forward,
        vjp=_neg_vjp,
        supports_out=True,
        test=OpTest(samples="unary", reference=np.negative, torch_name="neg", skips={"bool": "PyTorch refuses bool negation"}),
    )
)


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


# ------------------------------------------------------------------ Tensor methods


class ElementwiseMethods:
    """Elementwise Tensor methods and Python operators."""

    __slots__ = ()

    def __add__(self, other: Any) -> Tensor:
        return binary(ADD, self, other)

    def __radd__(self, other: Any) -> Tensor:
        return binary(ADD, other, self)

    def __iadd__(self: Any, other: Any) -> Tensor:
        return binary_inplace(ADD, self, other)

    def __sub__(self, other: Any) -> Tensor:
        _check_bool_sub(self, other)
        return binary(SUB, self, other)

    def __rsub__(self, other: Any) -> Tensor:
        _check_bool_sub(self, other)
        return binary(SUB, other, self)

    def __isub__(self: Any, other: Any) -> Tensor:
        _check_bool_sub(self, other)
        return binary_inplace(SUB, self, other)

    def __mul__(self, other: Any) -> Tensor:
        return binary(MUL, self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return binary(MUL, other, self)

    def __imul__(self: Any, other: Any) -> Tensor:
        return binary_inplace(MUL, self, other)

    def __neg__(self: Any) -> Tensor:
        return neg(self)

    def add(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """See :func:`tocha.add`."""
        return add(self, other, alpha=alpha)

    def add_(self: Any, other: Any, *, alpha: Any = 1) -> Tensor:
        """In-place :func:`tocha.add`."""
        return binary_inplace(ADD, self, _scaled("add_", other, alpha, self))

    def sub(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """See :func:`tocha.sub`."""
        return sub(self, other, alpha=alpha)

    def sub_(self: Any, other: Any, *, alpha: Any = 1) -> Tensor:
        """In-place :func:`tocha.sub`."""
        _check_bool_sub(self, other)
        return binary_inplace(SUB, self, _scaled("sub_", other, alpha, self))

    def mul(self, other: Any) -> Tensor:
        """See :func:`tocha.mul`."""
        return binary(MUL, self, other)

    def mul_(self: Any, other: Any) -> Tensor:
        """In-place :func:`tocha.mul`."""
        return binary_inplace(MUL, self, other)

    def neg(self: Any) -> Tensor:
        """See :func:`tocha.neg`."""
        return neg(self)

    def neg_(self: Any) -> Tensor:
        """In-place :func:`tocha.neg`."""
        return call_inplace(NEG, self._device, self, (self,), ())

    negative = neg
    negative_ = neg_
