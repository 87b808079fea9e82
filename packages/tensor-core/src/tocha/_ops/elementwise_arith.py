"""Arithmetic: add, sub, mul, division in its three rounding modes, remainders, pow, neg, abs, square.

NOTE [ Integer division ]
PyTorch raises ``RuntimeError: ZeroDivisionError`` for an integer division
or remainder by zero (NumPy returns 0 with a warning), rounds ``trunc``
toward zero (NumPy's ``//`` floors), and refuses an integer tensor to a
negative integer *scalar* power while an integer *tensor* exponent gives
``1``, ``±1`` or ``0`` as integer arithmetic does. The forwards below do the
same; the zero check is one ``all()`` over the divisor, on integer dtypes only.
On CUDA a divisor tensor is not checked, as in PyTorch: reading the check's
answer back would wait for the GPU (CuPy gives 0 where PyTorch's CUDA kernels
give an unspecified value); a zero Python-scalar divisor still raises.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._dispatch import OpRecord, OpTest, cache_scalar_operands, call, call_inplace, register_op
from .._dtype import _BOOL, _FLOAT, bfloat16
from .._tensor_base import TensorBase
from ._common import float_result_dtype, is_tensor, result_type_of, scalar_or_tensor
from ._dtypes import NO_BOOL, REAL_NO_BOOL
from ._scalar_fits import check_scalar_fits
from .elementwise_base import (
    as_tensor_arg,
    binary,
    binary_inplace,
    binary_promoted,
    broadcast_vjp,
    check_cast,
    conj_if_complex,
    copy_to_out,
    unary,
    unary_inplace,
)
from .elementwise_samples import div_trunc_samples

_BF16 = bfloat16

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = [
    "add",
    "sub",
    "subtract",
    "mul",
    "multiply",
    "div",
    "divide",
    "true_divide",
    "floor_divide",
    "remainder",
    "fmod",
    "pow",
    "neg",
    "negative",
    "positive",
    "reciprocal",
    "abs",
    "absolute",
    "square",
]

# ------------------------------------------------------------------ add / sub / mul


def _add_forward(xp: Any, a: Any, b: Any, out: Any = None) -> Any:
    return xp.add(a, b) if out is None else xp.add(a, b, out=out)


def _add_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    s0, s1 = ctx.input_shapes
    if s1 is None and s0 == grad._data.shape:
        return (grad, None)  # tensor + number (the common case): nothing to sum
    return broadcast_vjp(ctx, grad, grad)


def _sub_forward(xp: Any, a: Any, b: Any, out: Any = None) -> Any:
    return xp.subtract(a, b) if out is None else xp.subtract(a, b, out=out)


def _sub_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    return broadcast_vjp(ctx, grad, -grad)


def _mul_forward(xp: Any, a: Any, b: Any, out: Any = None) -> Any:
    return xp.multiply(a, b) if out is None else xp.multiply(a, b, out=out)


def _mul_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    a, b = ctx.inputs
    tb = type(b)
    if (tb is float or tb is int) and ctx.input_shapes[0] == grad._data.shape:
        d = grad._dtype
        if d.category == _FLOAT and d is not _BF16 and d is ctx.input_dtypes[0]:
            # tensor * number: ``grad * b`` straight to the dispatcher (binary()'s fast path, without its checks)
            return (call(MUL, grad._device, (grad, b), ()), None)
    need_a, need_b = ctx.needs_input_grad
    return broadcast_vjp(ctx, grad * _conj(b) if need_a else None, grad * _conj(a) if need_b else None)


def _conj(x: Any) -> Any:
    if isinstance(x, TensorBase):
        return conj_if_complex(x)  # type: ignore[arg-type]
    return x.conjugate() if isinstance(x, complex) else x


def _add_jvp(ctx: Any, ta: Any, tb: Any) -> Any:
    return tb if ta is None else ta if tb is None else ta + tb


ADD = register_op(
    OpRecord(
        name="add",
        forward=_add_forward,
        fp_errors=True,
        vjp=_add_vjp,
        jvp=_add_jvp,
        supports_out=True,
        test=OpTest(samples="binary", reference=np.add, torch_name="add"),
    )
)
cache_scalar_operands(ADD)  # see NOTE [ Scalar operands ] in tocha._dispatch


def _sub_jvp(ctx: Any, ta: Any, tb: Any) -> Any:
    return ta if tb is None else -tb if ta is None else ta - tb


SUB = register_op(
    OpRecord(
        name="sub",
        forward=_sub_forward,
        fp_errors=True,
        vjp=_sub_vjp,
        jvp=_sub_jvp,
        supports_out=True,
        test=OpTest(
            samples="binary",
            reference=np.subtract,
            torch_name="sub",
            skips={"bool": "PyTorch refuses bool subtraction"},
        ),
    )
)


def _mul_jvp(ctx: Any, ta: Any, tb: Any) -> Any:
    a, b = ctx.inputs
    return _add_jvp(ctx, None if ta is None else ta * b, None if tb is None else a * tb)


MUL = register_op(
    OpRecord(
        name="mul",
        forward=_mul_forward,
        fp_errors=True,
        vjp=_mul_vjp,
        jvp=_mul_jvp,
        saves_inputs=(0, 1),
        supports_out=True,
        test=OpTest(samples="binary", reference=np.multiply, torch_name="mul"),
    )
)
cache_scalar_operands(MUL)  # see NOTE [ Scalar operands ] in tocha._dispatch


def scaled(name: str, other: Any, alpha: Any, input: Any) -> Any:
    """``alpha * other`` for add/sub's ``alpha`` (``other`` itself when alpha is 1)."""
    if alpha.__class__ is int and alpha == 1:
        return other
    d = result_type_of(input, other)
    if isinstance(alpha, bool) and d.category != _BOOL:
        raise RuntimeError(f"{name}(): Boolean alpha only supported for Boolean results.")
    if d.category <= 1 and isinstance(alpha, (float, complex)):
        raise RuntimeError(f"{name}(): For integral input tensors, argument alpha must not be a floating point number.")
    if isinstance(alpha, complex) and not d.is_complex:
        raise RuntimeError(f"{name}(): For non-complex input tensors, argument alpha must not be a complex number.")
    check_scalar_fits(alpha, d)  # NOTE [ Scalar overflow ]
    if alpha == 1:
        return other
    if not isinstance(other, TensorBase):
        return scalar_or_tensor(name, other) * alpha
    return mul(other, alpha)


def check_bool_sub(a: Any, b: Any) -> None:
    """PyTorch's refusal of ``-`` when either operand is a bool tensor (or a bool meets a bool tensor)."""
    a_bool = isinstance(a, bool) or (isinstance(a, TensorBase) and a._dtype.category == _BOOL)
    b_bool = isinstance(b, bool) or (isinstance(b, TensorBase) and b._dtype.category == _BOOL)
    if not (a_bool or b_bool):
        return
    if a_bool and b_bool:
        raise RuntimeError(
            "sub(): Subtraction, the `-` operator, with two bool tensors is not supported. "
            "Use the `^` or `logical_xor()` operator instead."
        )
    if (isinstance(a, TensorBase) and a_bool) or (isinstance(b, TensorBase) and b_bool) or a_bool or b_bool:
        raise RuntimeError(
            "sub(): Subtraction, the `-` operator, with a bool tensor is not supported. "
            "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )


def add(input: Any, other: Any, *, alpha: Any = 1, out: Tensor | None = None) -> Tensor:
    """``input + alpha * other``, broadcast, in PyTorch's promoted dtype.

    Example:
        >>> import tocha
        >>> tocha.add(tocha.tensor([1, 2]), tocha.tensor([10, 20]), alpha=2)
        tensor([21, 42])
    """
    result = binary(ADD, input, scaled("add", other, alpha, input))
    return result if out is None else copy_to_out(result, out)


def sub(input: Any, other: Any, *, alpha: Any = 1, out: Tensor | None = None) -> Tensor:
    """``input - alpha * other``, broadcast.

    Example:
        >>> import tocha
        >>> tocha.sub(tocha.tensor([5.0, 6.0]), 1.5)
        tensor([3.5000, 4.5000])
    """
    check_bool_sub(input, other)
    result = binary(SUB, input, scaled("sub", other, alpha, input))
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


# ------------------------------------------------------------------ division


def _trunc_reference(a: Any, b: Any, rounding_mode: str = "trunc") -> Any:
    with np.errstate(all="ignore"):
        return np.trunc(np.true_divide(a, b))


def _reciprocal_reference(a: Any) -> Any:
    with np.errstate(all="ignore"):
        return np.true_divide(1.0, a)


def _true_divide_reference(a: Any, b: Any) -> Any:
    with np.errstate(all="ignore"):
        return np.true_divide(a, b)


def _check_int_divisor(xp: Any, a: Any, b: Any) -> None:
    # See NOTE [ Integer division ].
    kind = getattr(a, "dtype", getattr(b, "dtype", None))
    if kind is None or kind.kind not in "iub":
        return
    if not hasattr(b, "dtype"):  # a Python scalar
        if b == 0:
            raise RuntimeError("ZeroDivisionError")
    elif xp is np and not np.all(b):
        raise RuntimeError("ZeroDivisionError")


def _true_divide_forward(xp: Any, a: Any, b: Any, out: Any = None) -> Any:
    return xp.true_divide(a, b) if out is None else xp.true_divide(a, b, out=out)


def _true_divide_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    a, b = ctx.inputs
    grad_a = grad / _conj(b)
    grad_b = -grad_a * _conj(a / b) if ctx.needs_input_grad[1] else None
    return broadcast_vjp(ctx, grad_a if ctx.needs_input_grad[0] else None, grad_b)


def _div_trunc_forward(xp: Any, a: Any, b: Any) -> Any:
    if xp.result_type(a, b).kind in "iu":
        _check_int_divisor(xp, a, b)
        q = xp.floor_divide(a, b)
        fix = (xp.remainder(a, b) != 0) & ((xp.asarray(a) < 0) != (xp.asarray(b) < 0))
        return q + fix.astype(q.dtype)
    return xp.trunc(xp.true_divide(a, b))


def _div_floor_forward(xp: Any, a: Any, b: Any, out: Any = None) -> Any:
    _check_int_divisor(xp, a, b)
    return xp.floor_divide(a, b) if out is None else xp.floor_divide(a, b, out=out)


def _zero_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    from .creation import zeros_like

    zeros = zeros_like(grad)  # not grad * 0, which keeps NaNs
    return broadcast_vjp(ctx, zeros, zeros)[: len(ctx.input_shapes)]


def _true_divide_jvp(ctx: Any, ta: Any, tb: Any) -> Any:
    b = ctx.inputs[1]
    if tb is None:
        return ta / b
    return _sub_jvp(ctx, ta, ctx.result * tb) / b


TRUE_DIVIDE = register_op(
    OpRecord(
        name="div",
        forward=_true_divide_forward,
        fp_errors=True,
        vjp=_true_divide_vjp,
        jvp=_true_divide_jvp,
        saves_inputs=(0, 1),
        supports_out=True,
        test=OpTest(samples="binary", reference=_true_divide_reference, torch_name="div", domain=(0.5, None)),
    )
)
DIV_TRUNC = register_op(
    OpRecord(
        name="div_trunc",
        forward=_div_trunc_forward,
        fp_errors=True,
        vjp=_zero_vjp,
        dtypes=REAL_NO_BOOL,
        test=OpTest(samples=div_trunc_samples, reference=_trunc_reference, torch_name="div"),
    )
)
DIV_FLOOR = register_op(
    OpRecord(
        name="floor_divide",
        forward=_div_floor_forward,
        fp_errors=True,
        vjp=_zero_vjp,
        dtypes=REAL_NO_BOOL,
        supports_out=True,
        test=OpTest(samples="binary", reference=np.floor_divide, torch_name="floor_divide", domain=(0.5, None)),
    )
)


def div(input: Any, other: Any, *, rounding_mode: str | None = None, out: Tensor | None = None) -> Tensor:
    """``input / other``, broadcast; ``rounding_mode`` None (true division), ``'trunc'`` or ``'floor'``.

    True division of integers gives the default float dtype; the rounding
    modes keep the promoted dtype. Integer division by zero raises.

    Example:
        >>> import tocha
        >>> x = tocha.tensor([7, -7])
        >>> tocha.div(x, 2), tocha.div(x, 2, rounding_mode="trunc"), tocha.div(x, 2, rounding_mode="floor")
        (tensor([ 3.5000, -3.5000]), tensor([ 3, -3]), tensor([ 3, -4]))
    """
    if rounding_mode is None:
        result = _true_divide(input, other)
    elif rounding_mode == "trunc":
        result = binary_promoted(DIV_TRUNC, input, other)
    elif rounding_mode == "floor":
        result = binary_promoted(DIV_FLOOR, input, other)
    else:
        raise RuntimeError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'"
        )
    return result if out is None else copy_to_out(result, out)


divide = div


def _true_divide(a: Any, b: Any) -> Tensor:
    if (isinstance(a, TensorBase) and a._dtype.category == _FLOAT) or (
        isinstance(b, TensorBase) and b._dtype.category == _FLOAT
    ):
        return binary(TRUE_DIVIDE, a, b)  # a float tensor operand: the promoted dtype is already floating
    a, b = scalar_or_tensor("div", a), scalar_or_tensor("div", b)
    return binary_promoted(TRUE_DIVIDE, a, b, compute_dtype=float_result_dtype(result_type_of(a, b)))


def true_divide(dividend: Any, divisor: Any, *, out: Tensor | None = None) -> Tensor:
    """``dividend / divisor`` (the same as :func:`div` without rounding).

    Example:
        >>> import tocha
        >>> tocha.true_divide(tocha.tensor([1, 2]), 4)
        tensor([0.2500, 0.5000])
    """
    result = _true_divide(dividend, divisor)
    return result if out is None else copy_to_out(result, out)


def floor_divide(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``input // other``: division rounded toward negative infinity, in the promoted dtype.

    Example:
        >>> import tocha
        >>> tocha.floor_divide(tocha.tensor([7, -7]), 2)
        tensor([ 3, -4])
    """
    result = binary_promoted(DIV_FLOOR, input, other)
    return result if out is None else copy_to_out(result, out)


def _div_inplace(target: Tensor, other: Any, rounding_mode: str | None) -> Tensor:
    if rounding_mode is None:
        other = scalar_or_tensor("div_", other)
        d = float_result_dtype(result_type_of(target, other))
        return binary_inplace(TRUE_DIVIDE, target, other, compute_dtype=d)
    if rounding_mode == "trunc":
        return binary_inplace(DIV_TRUNC, target, other)
    if rounding_mode == "floor":
        return binary_inplace(DIV_FLOOR, target, other)
    raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")


# ------------------------------------------------------------------ remainder / fmod


def _remainder_forward(xp: Any, a: Any, b: Any, out: Any = None) -> Any:
    _check_int_divisor(xp, a, b)
    return xp.remainder(a, b) if out is None else xp.remainder(a, b, out=out)


def _remainder_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    a, b = ctx.inputs
    grad_b = -grad * floor_divide(a, b) if ctx.needs_input_grad[1] else None
    return broadcast_vjp(ctx, grad, grad_b)


def _fmod_forward(xp: Any, a: Any, b: Any, out: Any = None) -> Any:
    _check_int_divisor(xp, a, b)
    return xp.fmod(a, b) if out is None else xp.fmod(a, b, out=out)


def _fmod_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    a, b = ctx.inputs
    grad_b = -grad * div(a, b, rounding_mode="trunc") if ctx.needs_input_grad[1] else None
    return broadcast_vjp(ctx, grad, grad_b)


REMAINDER = register_op(
    OpRecord(
        name="remainder",
        forward=_remainder_forward,
        fp_errors=True,
        vjp=_remainder_vjp,
        saves_inputs=(0, 1),
        supports_out=True,
        dtypes=REAL_NO_BOOL,
        test=OpTest(samples="binary", reference=np.remainder, torch_name="remainder", domain=(0.5, None)),
    )
)
FMOD = register_op(
    OpRecord(
        name="fmod",
        forward=_fmod_forward,
        fp_errors=True,
        vjp=_fmod_vjp,
        saves_inputs=(0, 1),
        supports_out=True,
        dtypes=REAL_NO_BOOL,
        test=OpTest(samples="binary", reference=np.fmod, torch_name="fmod", domain=(0.5, None)),
    )
)


def remainder(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """Python's ``%``: the remainder has the sign of the divisor.

    Example:
        >>> import tocha
        >>> tocha.remainder(tocha.tensor([-3, 3]), 2)
        tensor([1, 1])
    """
    result = binary_promoted(REMAINDER, input, other)
    return result if out is None else copy_to_out(result, out)


def fmod(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """C's ``fmod``: the remainder has the sign of the dividend.

    Example:
        >>> import tocha
        >>> tocha.fmod(tocha.tensor([-3, 3]), 2)
        tensor([-1,  1])
    """
    result = binary_promoted(FMOD, input, other)
    return result if out is None else copy_to_out(result, out)


# ------------------------------------------------------------------ pow


def _pow_forward(xp: Any, a: Any, b: Any) -> Any:
    result_dtype = xp.result_type(a, b)
    kind = result_dtype.kind
    if kind in "iu" and (xp.asarray(b) < 0).any():
        # See NOTE [ Integer division ]: integer powers with negative exponents.
        a_ = xp.asarray(a)
        b_ = xp.asarray(b)
        odd = xp.remainder(b_, 2) != 0
        negative = xp.where(a_ == 1, 1, xp.where(a_ == -1, xp.where(odd, -1, 1), 0))
        positive = xp.power(a_, xp.maximum(b_, 0))
        return xp.where(b_ < 0, negative, positive).astype(result_dtype)
    if kind == "b":
        return xp.power(xp.asarray(a, dtype=xp.uint8), xp.asarray(b, dtype=xp.uint8)).astype(bool)
    return xp.power(a, b)


def _pow_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    from .elementwise_math import log, where

    a, b = ctx.inputs
    grad_a = grad_b = None
    if ctx.needs_input_grad[0]:
        if is_tensor(b):
            local = where(b == 0, 0.0, b * a ** (b - 1))
        else:
            local = b * a ** (b - 1) if b != 0 else a * 0
        grad_a = grad * _conj(local)
    if len(ctx.needs_input_grad) > 1 and ctx.needs_input_grad[1]:
        result = a**b
        if is_tensor(a):
            local = where((a == 0) & (b.real >= 0 if b.is_complex() else b >= 0), 0.0, result * log(a))
        else:
            local = result * np.log(a) if a != 0 else result * 0
        grad_b = grad * _conj(local)
    return broadcast_vjp(ctx, grad_a, grad_b)


def _pow_jvp(ctx: Any, ta: Any, tb: Any) -> Any:
    from .elementwise_math import log, where

    a, b = ctx.inputs
    da = db = None
    if ta is not None:
        if is_tensor(b):
            da = ta * where(b == 0, 0.0, b * a ** (b - 1))
        else:
            da = ta * (b * a ** (b - 1)) if b != 0 else ta * 0
    if tb is not None:
        result = ctx.result
        if is_tensor(a):
            zero = (a == 0) & (b.real >= 0 if b.is_complex() else b >= 0)
            db = tb * where(zero, 0.0, result * log(a))
        else:
            db = tb * (result * np.log(a)) if a != 0 else tb * 0
    return _add_jvp(ctx, da, db)


POW = register_op(
    OpRecord(
        name="pow",
        forward=_pow_forward,
        fp_errors=True,
        vjp=_pow_vjp,
        jvp=_pow_jvp,
        saves_inputs=(0, 1),
        test=OpTest(
            samples="binary",
            reference=np.power,
            torch_name="pow",
            domain=(0.5, 2.0),
            skips={"bool": "PyTorch refuses bool ** bool"},
        ),
    )
)


def _check_negative_int_power(a: Any, b: Any) -> None:
    if (
        isinstance(a, TensorBase)
        and isinstance(b, TensorBase)
        and a._dtype.category == _BOOL
        and b._dtype.category == _BOOL
    ):
        raise NotImplementedError("\"pow\" not implemented for 'Bool'")
    if type(a) is bool and isinstance(b, TensorBase) and b._dtype.category == _BOOL:
        raise NotImplementedError("\"pow\" not implemented for 'Bool'")
    if type(b) is int and isinstance(a, TensorBase) and a._dtype.category == 1:
        info = np.iinfo(a._dtype.numpy_dtype)
        if not info.min <= b <= info.max:
            raise RuntimeError(f"pow(): value cannot be converted to type {a._dtype.name}_t without overflow")
    if type(b) is int and b < 0 and isinstance(a, TensorBase) and a._dtype.category <= 1:
        raise RuntimeError("pow(): Integers to negative integer powers are not allowed.")


def pow(input: Any, exponent: Any, *, out: Tensor | None = None) -> Tensor:
    """``input ** exponent``; either may be a number (not both).

    An integer tensor to a negative integer number raises, as in PyTorch.

    Example:
        >>> import tocha
        >>> tocha.pow(tocha.tensor([1, 2, 3]), 2), tocha.pow(2, tocha.tensor([0.5, 1.0]))
        (tensor([1, 4, 9]), tensor([1.4142, 2.0000]))
    """
    _check_negative_int_power(input, exponent)
    result = binary(POW, input, exponent)
    return result if out is None else copy_to_out(result, out)


# ------------------------------------------------------------------ unary arithmetic


def _neg_forward(xp: Any, a: Any, out: Any = None) -> Any:
    return xp.negative(a) if out is None else xp.negative(a, out=out)


def _neg_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (-grad,)


def _neg_jvp(ctx: Any, tangent: Tensor) -> Tensor:
    return -tangent


NEG = register_op(
    OpRecord(
        name="neg",
        forward=_neg_forward,
        vjp=_neg_vjp,
        jvp=_neg_jvp,
        supports_out=True,
        dtypes=NO_BOOL,
        test=OpTest(
            samples="unary", reference=np.negative, torch_name="neg", skips={"bool": "PyTorch refuses bool negation"}
        ),
    )
)

_NEG_BOOL = (
    "neg(): Negation, the `-` operator, on a bool tensor is not supported. "
    "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."
)


def neg(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``-input``.

    Example:
        >>> import tocha
        >>> tocha.neg(tocha.tensor([1, -2]))
        tensor([-1,  2])
    """
    if input._dtype.category == _BOOL:
        raise RuntimeError(_NEG_BOOL)
    result: Tensor = call(NEG, input._device, (input,), ())
    return result if out is None else copy_to_out(result, out)


negative = neg


def positive(input: Tensor) -> Tensor:
    """``+input``: the input itself (bool tensors are refused, as in PyTorch).

    Example:
        >>> import tocha
        >>> tocha.positive(tocha.tensor([1, -2]))
        tensor([ 1, -2])
    """
    x = as_tensor_arg("positive", input)
    if x._dtype.category == _BOOL:
        raise RuntimeError("positive(): The `+` operator, on a bool tensor is not supported.")
    return x


def _reciprocal_forward(xp: Any, a: Any, out: Any = None) -> Any:
    return xp.reciprocal(a) if out is None else xp.reciprocal(a, out=out)


def _reciprocal_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    result = ctx.result
    return (-grad * conj_if_complex(result * result),)


RECIPROCAL = register_op(
    OpRecord(
        name="reciprocal",
        forward=_reciprocal_forward,
        fp_errors=True,
        vjp=_reciprocal_vjp,
        saves_result=True,
        supports_out=True,
        test=OpTest(samples="unary", reference=_reciprocal_reference, torch_name="reciprocal", domain=(0.5, None)),
    )
)


def reciprocal(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``1 / input``; integers give the default float dtype.

    Example:
        >>> import tocha
        >>> tocha.reciprocal(tocha.tensor([2, 4]))
        tensor([0.5000, 0.2500])
    """
    return unary(RECIPROCAL, input, out, floating=True)


def _abs_forward(xp: Any, a: Any) -> Any:
    return xp.abs(a)


def _abs_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    from .elementwise_math import sgn

    (x,) = ctx.inputs
    return (grad * sgn(x),)


ABS = register_op(
    OpRecord(
        name="abs",
        forward=_abs_forward,
        vjp=_abs_vjp,
        saves_inputs=(0,),
        dtypes=NO_BOOL,
        test=OpTest(samples="unary", reference=np.abs, torch_name="abs"),
    )
)


def abs(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``|input|``; the magnitude (a real dtype) for complex inputs.

    Example:
        >>> import tocha
        >>> tocha.abs(tocha.tensor([-1.5, 2.0])), tocha.abs(tocha.tensor([3 + 4j]))
        (tensor([1.5000, 2.0000]), tensor([5.]))
    """
    return unary(ABS, input, out)


absolute = abs


def _square_forward(xp: Any, a: Any) -> Any:
    return xp.square(a)


def _square_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    (x,) = ctx.inputs
    return (grad * conj_if_complex(x * 2),)


SQUARE = register_op(
    OpRecord(
        name="square",
        forward=_square_forward,
        vjp=_square_vjp,
        saves_inputs=(0,),
        dtypes=NO_BOOL,
        test=OpTest(samples="unary", reference=np.square, torch_name="square"),
    )
)


def square(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``input * input`` (bool inputs give int64, as in PyTorch).

    Example:
        >>> import tocha
        >>> tocha.square(tocha.tensor([-2, 3]))
        tensor([4, 9])
    """
    x = as_tensor_arg("square", input)
    if x._dtype.category == _BOOL:
        from .._dtype import int64
        from .creation import to_dtype

        x = to_dtype(x, int64)
    return unary(SQUARE, x, out)


def abs_inplace(target: Tensor) -> Tensor:
    """``target.abs_()``: complex tensors cannot hold their real magnitude in place."""
    if target._dtype.is_complex:
        raise RuntimeError(f"abs_(): In-place abs is not supported for complex tensors (dtype {target._dtype!r}).")
    return unary_inplace(ABS, target)


def square_inplace(target: Tensor) -> Tensor:
    """``target.square_()``: bool targets cannot hold the int64 result."""
    if target._dtype.category == _BOOL:
        check_cast("square_", _int64(), target._dtype)
    return unary_inplace(SQUARE, target)


def _int64() -> Any:
    from .._dtype import int64

    return int64


def reciprocal_inplace(target: Tensor) -> Tensor:
    """``target.reciprocal_()``."""
    return unary_inplace(RECIPROCAL, target, floating=True)


def neg_inplace(target: Tensor) -> Tensor:
    """``target.neg_()``."""
    if target._dtype.category == _BOOL:
        raise RuntimeError(_NEG_BOOL)
    return call_inplace(NEG, target._device, target, (target,), ())
