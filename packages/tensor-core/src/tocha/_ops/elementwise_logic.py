"""Comparisons, floating-point classification, logical and bitwise ops: results that are masks or bits.

Comparisons compute in the promoted dtype (so an int64 tensor compares
exactly with a float scalar as PyTorch does) and return bool tensors; none
of these ops is differentiable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._dispatch import OpRecord, OpTest, call_inplace, register_op
from .._dtype import _COMPLEX, ALL_DTYPES
from .._tensor_base import TensorBase
from ._common import cast_operand, common_device, result_type_of, scalar_or_tensor, type_name
from ._dtypes import INTEGRAL, INTEGRAL_BOOL, REAL
from .elementwise_base import (
    as_tensor_arg,
    binary,
    binary_inplace,
    binary_promoted,
    check_dtype,
    check_inplace_shape,
    copy_to_out,
    unary,
    unary_inplace,
)
from .elementwise_samples import shift_samples

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = [
    "eq", "ne", "lt", "le", "gt", "ge",
    "greater", "greater_equal", "less", "less_equal", "not_equal",
    "isnan", "isinf", "isposinf", "isneginf", "isfinite", "isreal",
    "isclose", "allclose", "equal",
    "logical_and", "logical_or", "logical_xor", "logical_not",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not",
    "bitwise_left_shift", "bitwise_right_shift",
]  # fmt: skip


_TENSORS_ONLY = {"scalar": "PyTorch takes tensors only here"}

# ------------------------------------------------------------------ comparisons


def _comparison(name: str, np_name: str, dtypes: tuple[Any, ...]) -> OpRecord:
    def forward(xp: Any, a: Any, b: Any, out: Any = None) -> Any:
        fn = getattr(xp, np_name)
        return fn(a, b) if out is None else fn(a, b, out=out)

    forward.__name__ = f"_{name}_forward"
    return register_op(
        OpRecord(
            name=name,
            forward=forward,
            dtypes=dtypes,
            test=OpTest(samples="binary", reference=getattr(np, np_name), torch_name=name),
        )
    )


EQ = _comparison("eq", "equal", ALL_DTYPES)
NE = _comparison("ne", "not_equal", ALL_DTYPES)
LT = _comparison("lt", "less", REAL)
LE = _comparison("le", "less_equal", REAL)
GT = _comparison("gt", "greater", REAL)
GE = _comparison("ge", "greater_equal", REAL)


def _compare(op: OpRecord, input: Any, other: Any, out: Tensor | None) -> Tensor:
    result = binary(op, input, other)
    return result if out is None else copy_to_out(result, out)


def eq(input: Tensor, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``input == other`` elementwise, compared in the promoted dtype; a bool tensor.

    Example:
        >>> import tocha
        >>> tocha.eq(tocha.tensor([1, 2]), tocha.tensor([1.0, 2.5]))
        tensor([ True, False])
    """
    return _compare(EQ, input, other, out)


def ne(input: Tensor, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``input != other`` elementwise.

    Example:
        >>> import tocha
        >>> tocha.ne(tocha.tensor([1, 2]), 2)
        tensor([ True, False])
    """
    return _compare(NE, input, other, out)


def lt(input: Tensor, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``input < other`` elementwise.

    Example:
        >>> import tocha
        >>> tocha.lt(tocha.tensor([1, 2]), 1.5)
        tensor([ True, False])
    """
    return _compare(LT, input, other, out)


def le(input: Tensor, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``input <= other`` elementwise.

    Example:
        >>> import tocha
        >>> tocha.le(tocha.tensor([1, 2]), 1)
        tensor([ True, False])
    """
    return _compare(LE, input, other, out)


def gt(input: Tensor, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``input > other`` elementwise.

    Example:
        >>> import tocha
        >>> tocha.gt(tocha.tensor([1, 2]), 1)
        tensor([False,  True])
    """
    return _compare(GT, input, other, out)


def ge(input: Tensor, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``input >= other`` elementwise.

    Example:
        >>> import tocha
        >>> tocha.ge(tocha.tensor([1, 2]), 2)
        tensor([False,  True])
    """
    return _compare(GE, input, other, out)


greater = gt
greater_equal = ge
less = lt
less_equal = le
not_equal = ne


def compare_inplace(op: OpRecord, target: Tensor, other: Any) -> Tensor:
    """``target.eq_(other)`` & co.: the comparison written into ``target`` as 0 and 1."""
    name = op.name + "_"
    other = scalar_or_tensor(name, other)
    dev = common_device(name, target, other)
    d = result_type_of(target, other)
    check_dtype(op, d)
    if isinstance(other, TensorBase):
        check_inplace_shape(name, target, other)
    return call_inplace(op, dev, target, (cast_operand(target, d, dev), cast_operand(other, d, dev)), ())


# ------------------------------------------------------------------ classification


def _classifier(name: str, forward: Any, reference: Any, dtypes: tuple[Any, ...] = ALL_DTYPES) -> OpRecord:
    return register_op(
        OpRecord(
            name=name,
            forward=forward,
            dtypes=dtypes,
            test=OpTest(samples="unary", reference=reference, torch_name=name),
        )
    )


def _isnan_forward(xp: Any, a: Any) -> Any:
    return xp.isnan(a) if a.dtype.kind in "fc" or a.dtype.kind == "V" else xp.zeros(a.shape, dtype=bool)


def _isinf_forward(xp: Any, a: Any) -> Any:
    return xp.isinf(a) if a.dtype.kind in "fcV" else xp.zeros(a.shape, dtype=bool)


def _isfinite_forward(xp: Any, a: Any) -> Any:
    return xp.isfinite(a) if a.dtype.kind in "fcV" else xp.ones(a.shape, dtype=bool)


def _isposinf_forward(xp: Any, a: Any) -> Any:
    return a == xp.inf if a.dtype.kind in "fV" else xp.zeros(a.shape, dtype=bool)


def _isneginf_forward(xp: Any, a: Any) -> Any:
    return a == -xp.inf if a.dtype.kind in "fV" else xp.zeros(a.shape, dtype=bool)


def _isreal_forward(xp: Any, a: Any) -> Any:
    return a.imag == 0 if a.dtype.kind == "c" else xp.ones(a.shape, dtype=bool)


ISNAN = _classifier("isnan", _isnan_forward, np.isnan)
ISINF = _classifier("isinf", _isinf_forward, np.isinf)
ISFINITE = _classifier("isfinite", _isfinite_forward, np.isfinite)
ISPOSINF = _classifier("isposinf", _isposinf_forward, np.isposinf, REAL)
ISNEGINF = _classifier("isneginf", _isneginf_forward, np.isneginf, REAL)
ISREAL = _classifier("isreal", _isreal_forward, np.isreal)


def _refuse_complex(name: str, x: Tensor) -> None:
    if x._dtype.category == _COMPLEX:
        raise RuntimeError(f"{name} does not support complex inputs.")


def isnan(input: Tensor) -> Tensor:
    """Where ``input`` is nan (never for integer dtypes).

    Example:
        >>> import tocha
        >>> tocha.isnan(tocha.tensor([1.0, float("nan")]))
        tensor([False,  True])
    """
    return unary(ISNAN, input)


def isinf(input: Tensor) -> Tensor:
    """Where ``input`` is +inf or -inf.

    Example:
        >>> import tocha
        >>> tocha.isinf(tocha.tensor([1.0, float("-inf")]))
        tensor([False,  True])
    """
    return unary(ISINF, input)


def isfinite(input: Tensor) -> Tensor:
    """Where ``input`` is neither inf nor nan.

    Example:
        >>> import tocha
        >>> tocha.isfinite(tocha.tensor([1.0, float("inf"), float("nan")]))
        tensor([ True, False, False])
    """
    return unary(ISFINITE, input)


def isposinf(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Where ``input`` is +inf (complex inputs are refused).

    Example:
        >>> import tocha
        >>> tocha.isposinf(tocha.tensor([float("inf"), float("-inf")]))
        tensor([ True, False])
    """
    x = as_tensor_arg("isposinf", input)
    _refuse_complex("isposinf", x)
    return unary(ISPOSINF, x, out)


def isneginf(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Where ``input`` is -inf (complex inputs are refused).

    Example:
        >>> import tocha
        >>> tocha.isneginf(tocha.tensor([float("inf"), float("-inf")]))
        tensor([False,  True])
    """
    x = as_tensor_arg("isneginf", input)
    _refuse_complex("isneginf", x)
    return unary(ISNEGINF, x, out)


def isreal(input: Tensor) -> Tensor:
    """Where ``input`` has a zero imaginary part (everywhere for real dtypes).

    Example:
        >>> import tocha
        >>> tocha.isreal(tocha.tensor([1 + 0j, 1j]))
        tensor([ True, False])
    """
    return unary(ISREAL, input)


def _isclose_forward(xp: Any, a: Any, b: Any, rtol: float, atol: float, equal_nan: bool) -> Any:
    if a.dtype.kind == "b":
        return a == b
    if a.dtype.kind in "iu":
        a, b = a.astype(xp.float64), b.astype(xp.float64)
    exact = a == b
    close = xp.abs(a - b) <= atol + rtol * xp.abs(b)
    result = exact | (close & xp.isfinite(a) & xp.isfinite(b))
    if equal_nan:
        result |= xp.isnan(a) & xp.isnan(b)
    return result


ISCLOSE = register_op(
    OpRecord(
        name="isclose",
        forward=_isclose_forward,
        fp_errors=True,
        test=OpTest(samples="binary", reference=np.isclose, torch_name="isclose", skips=_TENSORS_ONLY),
    )
)


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """Where ``|input - other| <= atol + rtol * |other|`` (equal infinities count as close).

    Both tensors must have the same dtype, as in PyTorch.

    Example:
        >>> import tocha
        >>> tocha.isclose(tocha.tensor([1.0, 2.0]), tocha.tensor([1.0 + 1e-9, 2.1]))
        tensor([ True, False])
    """
    a = as_tensor_arg("isclose", input)
    b = as_tensor_arg("isclose", other)
    if a._dtype is not b._dtype:
        raise RuntimeError(f"isclose(): {type_name(a._dtype)} did not match {type_name(b._dtype)}")
    if rtol < 0 or atol < 0:
        raise RuntimeError(f"isclose(): rtol ({rtol}) and atol ({atol}) must be non-negative")
    return binary(ISCLOSE, a, b, (rtol, atol, bool(equal_nan)))


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """Whether every element pair is close (see :func:`isclose`).

    Example:
        >>> import tocha
        >>> tocha.allclose(tocha.tensor([1.0, 2.0]), tocha.tensor([1.0, 2.0 + 1e-7]))
        True
    """
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input: Tensor, other: Tensor) -> bool:
    """Whether both tensors have the same shape and equal elements (dtypes may differ).

    Example:
        >>> import tocha
        >>> tocha.equal(tocha.tensor([1, 2]), tocha.tensor([1.0, 2.0])), tocha.equal(tocha.ones(2), tocha.ones(3))
        (True, False)
    """
    a = as_tensor_arg("equal", input)
    b = as_tensor_arg("equal", other)
    if tuple(a._data.shape) != tuple(b._data.shape):
        return False
    return bool(eq(a, b)._data.all())


# ------------------------------------------------------------------ logical


def _logical(name: str, np_name: str) -> OpRecord:
    def forward(xp: Any, a: Any, b: Any) -> Any:
        return getattr(xp, np_name)(_truth(xp, a), _truth(xp, b))

    forward.__name__ = f"_{name}_forward"
    return register_op(
        OpRecord(
            name=name,
            forward=forward,
            test=OpTest(samples="binary", reference=getattr(np, np_name), torch_name=name, skips=_TENSORS_ONLY),
        )
    )


LOGICAL_AND = _logical("logical_and", "logical_and")
LOGICAL_OR = _logical("logical_or", "logical_or")
LOGICAL_XOR = _logical("logical_xor", "logical_xor")


def _truth(xp: Any, a: Any) -> Any:
    """Complex arrays as ``a != 0``: CuPy's logical ufuncs take no complex input (NumPy's do)."""
    return a != 0 if xp is not np and getattr(a, "dtype", None) is not None and a.dtype.kind == "c" else a


def _logical_not_forward(xp: Any, a: Any) -> Any:
    return xp.logical_not(_truth(xp, a))


LOGICAL_NOT = register_op(
    OpRecord(
        name="logical_not",
        forward=_logical_not_forward,
        test=OpTest(samples="unary", reference=np.logical_not, torch_name="logical_not"),
    )
)


def _logical_binary(op: OpRecord, input: Any, other: Any, out: Tensor | None) -> Tensor:
    a = as_tensor_arg(op.name, input)
    b = as_tensor_arg(op.name, other)
    result = binary(op, a, b)
    return result if out is None else copy_to_out(result, out)


def logical_and(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Where both elements are nonzero; a bool tensor.

    Example:
        >>> import tocha
        >>> tocha.logical_and(tocha.tensor([1, 0, 2]), tocha.tensor([0.5, 1.0, 0.0]))
        tensor([ True, False, False])
    """
    return _logical_binary(LOGICAL_AND, input, other, out)


def logical_or(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Where either element is nonzero.

    Example:
        >>> import tocha
        >>> tocha.logical_or(tocha.tensor([1, 0, 0]), tocha.tensor([0, 0, 3]))
        tensor([ True, False,  True])
    """
    return _logical_binary(LOGICAL_OR, input, other, out)


def logical_xor(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Where exactly one element is nonzero.

    Example:
        >>> import tocha
        >>> tocha.logical_xor(tocha.tensor([1, 0, 2]), tocha.tensor([1, 0, 0]))
        tensor([False, False,  True])
    """
    return _logical_binary(LOGICAL_XOR, input, other, out)


def logical_not(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Where the element is zero.

    Example:
        >>> import tocha
        >>> tocha.logical_not(tocha.tensor([0.0, 1.5]))
        tensor([ True, False])
    """
    return unary(LOGICAL_NOT, input, out)


def logical_inplace(op: OpRecord, target: Tensor, other: Any) -> Tensor:
    """``target.logical_and_(other)`` & co.: the mask written into ``target`` as 0 and 1."""
    name = op.name + "_"
    b = as_tensor_arg(name, other)
    dev = common_device(name, target, b)
    check_inplace_shape(name, target, b)
    d = result_type_of(target, b)
    return call_inplace(op, dev, target, (cast_operand(target, d, dev), cast_operand(b, d, dev)), ())


# ------------------------------------------------------------------ bitwise


def _bitwise(name: str, np_name: str) -> OpRecord:
    def forward(xp: Any, a: Any, b: Any, out: Any = None) -> Any:
        fn = getattr(xp, np_name)
        return fn(a, b) if out is None else fn(a, b, out=out)

    forward.__name__ = f"_{name}_forward"
    return register_op(
        OpRecord(
            name=name,
            forward=forward,
            supports_out=True,
            dtypes=INTEGRAL_BOOL,
            test=OpTest(samples="binary", reference=getattr(np, np_name), torch_name=name),
        )
    )


BITWISE_AND = _bitwise("bitwise_and", "bitwise_and")
BITWISE_OR = _bitwise("bitwise_or", "bitwise_or")
BITWISE_XOR = _bitwise("bitwise_xor", "bitwise_xor")


def _shift_forward(xp: Any, a: Any, b: Any, left: bool) -> Any:
    a_ = xp.asarray(a)
    if a_.dtype.kind == "b":
        a_ = a_.astype(xp.int64)
    bits = a_.dtype.itemsize * 8
    if isinstance(b, (int, np.integer)) and 0 <= b < bits:  # a shift count in range: one ufunc, no masks
        shift = xp.left_shift if left else xp.right_shift
        return shift(a_, a_.dtype.type(b))
    b_ = xp.asarray(b).astype(a_.dtype, copy=False)
    too_far = (b_ < 0) | (b_ >= bits)
    safe = xp.where(too_far, 0, b_).astype(a_.dtype, copy=False)
    if left:
        return xp.where(too_far, 0, xp.left_shift(a_, safe)).astype(a_.dtype, copy=False)
    spill = xp.where(a_ < 0, -1, 0) if a_.dtype.kind == "i" else 0
    return xp.where(too_far, spill, xp.right_shift(a_, safe)).astype(a_.dtype, copy=False)


def _left_shift_forward(xp: Any, a: Any, b: Any) -> Any:
    return _shift_forward(xp, a, b, True)


def _right_shift_forward(xp: Any, a: Any, b: Any) -> Any:
    return _shift_forward(xp, a, b, False)


LEFT_SHIFT = register_op(
    OpRecord(
        name="bitwise_left_shift",
        forward=_left_shift_forward,
        dtypes=INTEGRAL,
        test=OpTest(samples=shift_samples, reference=np.left_shift, torch_name="bitwise_left_shift"),
    )
)
RIGHT_SHIFT = register_op(
    OpRecord(
        name="bitwise_right_shift",
        forward=_right_shift_forward,
        dtypes=INTEGRAL,
        test=OpTest(samples=shift_samples, reference=np.right_shift, torch_name="bitwise_right_shift"),
    )
)


def _invert_forward(xp: Any, a: Any) -> Any:
    return xp.invert(a)


BITWISE_NOT = register_op(
    OpRecord(
        name="bitwise_not",
        forward=_invert_forward,
        dtypes=INTEGRAL_BOOL,
        test=OpTest(samples="unary", reference=np.invert, torch_name="bitwise_not"),
    )
)


def _bitwise_binary(op: OpRecord, input: Any, other: Any, out: Tensor | None) -> Tensor:
    result = binary_promoted(op, input, other)
    return result if out is None else copy_to_out(result, out)


def bitwise_and(input: Tensor, other: Any, *, out: Tensor | None = None) -> Tensor:
    """Bitwise AND of integer or bool tensors (logical AND for bool).

    Example:
        >>> import tocha
        >>> tocha.bitwise_and(tocha.tensor([12, 10]), 6)
        tensor([4, 2])
    """
    return _bitwise_binary(BITWISE_AND, input, other, out)


def bitwise_or(input: Tensor, other: Any, *, out: Tensor | None = None) -> Tensor:
    """Bitwise OR of integer or bool tensors.

    Example:
        >>> import tocha
        >>> tocha.bitwise_or(tocha.tensor([12, 10]), 1)
        tensor([13, 11])
    """
    return _bitwise_binary(BITWISE_OR, input, other, out)


def bitwise_xor(input: Tensor, other: Any, *, out: Tensor | None = None) -> Tensor:
    """Bitwise XOR of integer or bool tensors.

    Example:
        >>> import tocha
        >>> tocha.bitwise_xor(tocha.tensor([True, False]), True)
        tensor([False,  True])
    """
    return _bitwise_binary(BITWISE_XOR, input, other, out)


def bitwise_not(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Bitwise NOT (two's complement) of integers; logical NOT of bools.

    Example:
        >>> import tocha
        >>> tocha.bitwise_not(tocha.tensor([0, 5])), tocha.bitwise_not(tocha.tensor([True]))
        (tensor([-1, -6]), tensor([False]))
    """
    return unary(BITWISE_NOT, input, out)


def bitwise_left_shift(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``input << other``; shifting by the bit width or more gives 0, as in PyTorch.

    Example:
        >>> import tocha
        >>> tocha.bitwise_left_shift(tocha.tensor([1, 3]), 2)
        tensor([ 4, 12])
    """
    return _bitwise_binary(LEFT_SHIFT, input, other, out)


def bitwise_right_shift(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``input >> other`` (arithmetic for signed integers).

    Example:
        >>> import tocha
        >>> tocha.bitwise_right_shift(tocha.tensor([16, -16]), 2)
        tensor([ 4, -4])
    """
    return _bitwise_binary(RIGHT_SHIFT, input, other, out)


def invert(input: Any) -> Tensor:
    """``~input``: TypeError for floating tensors, as PyTorch's operator."""
    x = as_tensor_arg("bitwise_not", input)
    if x._dtype.category > 1:
        raise TypeError(
            f"~ (operator.invert) is only implemented on integer and Boolean-type tensors, not {x._dtype!r}"
        )
    return unary(BITWISE_NOT, x)


# ------------------------------------------------------------------ Tensor methods

_COMPARABLE = (TensorBase, bool, int, float, complex, np.ndarray, np.generic)


class LogicMethods:
    """Comparison, classification, logical and bitwise Tensor methods and operators."""

    __slots__ = ()
    __hash__ = object.__hash__

    def __eq__(self, other: object) -> Any:
        if not isinstance(other, _COMPARABLE):
            return NotImplemented
        return binary(EQ, self, other)

    def __ne__(self, other: object) -> Any:
        if not isinstance(other, _COMPARABLE):
            return NotImplemented
        return binary(NE, self, other)

    def __lt__(self, other: Any) -> Tensor:
        return binary(LT, self, other)

    def __le__(self, other: Any) -> Tensor:
        return binary(LE, self, other)

    def __gt__(self, other: Any) -> Tensor:
        return binary(GT, self, other)

    def __ge__(self, other: Any) -> Tensor:
        return binary(GE, self, other)

    def __and__(self, other: Any) -> Tensor:
        return binary_promoted(BITWISE_AND, self, other)

    def __rand__(self, other: Any) -> Tensor:
        return binary_promoted(BITWISE_AND, other, self)

    def __iand__(self: Any, other: Any) -> Tensor:
        return binary_inplace(BITWISE_AND, self, other)

    def __or__(self, other: Any) -> Tensor:
        return binary_promoted(BITWISE_OR, self, other)

    def __ror__(self, other: Any) -> Tensor:
        return binary_promoted(BITWISE_OR, other, self)

    def __ior__(self: Any, other: Any) -> Tensor:
        return binary_inplace(BITWISE_OR, self, other)

    def __xor__(self, other: Any) -> Tensor:
        return binary_promoted(BITWISE_XOR, self, other)

    def __rxor__(self, other: Any) -> Tensor:
        return binary_promoted(BITWISE_XOR, other, self)

    def __ixor__(self: Any, other: Any) -> Tensor:
        return binary_inplace(BITWISE_XOR, self, other)

    def __lshift__(self, other: Any) -> Tensor:
        return binary_promoted(LEFT_SHIFT, self, other)

    def __rlshift__(self, other: Any) -> Tensor:
        return binary_promoted(LEFT_SHIFT, other, self)

    def __ilshift__(self: Any, other: Any) -> Tensor:
        return binary_inplace(LEFT_SHIFT, self, other)

    def __rshift__(self, other: Any) -> Tensor:
        return binary_promoted(RIGHT_SHIFT, self, other)

    def __rrshift__(self, other: Any) -> Tensor:
        return binary_promoted(RIGHT_SHIFT, other, self)

    def __irshift__(self: Any, other: Any) -> Tensor:
        return binary_inplace(RIGHT_SHIFT, self, other)

    def __invert__(self) -> Tensor:
        return invert(self)

    def eq(self, other: Any) -> Tensor:
        """See :func:`tocha.eq`."""
        return binary(EQ, self, other)

    def eq_(self: Any, other: Any) -> Tensor:
        """In-place :func:`tocha.eq` (writes 1 or 0 in this tensor's dtype)."""
        return compare_inplace(EQ, self, other)

    def ne(self, other: Any) -> Tensor:
        """See :func:`tocha.ne`."""
        return binary(NE, self, other)

    def ne_(self: Any, other: Any) -> Tensor:
        """In-place :func:`tocha.ne`."""
        return compare_inplace(NE, self, other)

    def lt(self, other: Any) -> Tensor:
        """See :func:`tocha.lt`."""
        return binary(LT, self, other)

    def lt_(self: Any, other: Any) -> Tensor:
        """In-place :func:`tocha.lt`."""
        return compare_inplace(LT, self, other)

    def le(self, other: Any) -> Tensor:
        """See :func:`tocha.le`."""
        return binary(LE, self, other)

    def le_(self: Any, other: Any) -> Tensor:
        """In-place :func:`tocha.le`."""
        return compare_inplace(LE, self, other)

    def gt(self, other: Any) -> Tensor:
        """See :func:`tocha.gt`."""
        return binary(GT, self, other)

    def gt_(self: Any, other: Any) -> Tensor:
        """In-place :func:`tocha.gt`."""
        return compare_inplace(GT, self, other)

    def ge(self, other: Any) -> Tensor:
        """See :func:`tocha.ge`."""
        return binary(GE, self, other)

    def ge_(self: Any, other: Any) -> Tensor:
        """In-place :func:`tocha.ge`."""
        return compare_inplace(GE, self, other)

    greater = gt
    greater_ = gt_
    greater_equal = ge
    greater_equal_ = ge_
    less = lt
    less_ = lt_
    less_equal = le
    less_equal_ = le_
    not_equal = ne
    not_equal_ = ne_

    def isnan(self: Any) -> Tensor:
        """See :func:`tocha.isnan`."""
        return unary(ISNAN, self)

    def isinf(self: Any) -> Tensor:
        """See :func:`tocha.isinf`."""
        return unary(ISINF, self)

    def isfinite(self: Any) -> Tensor:
        """See :func:`tocha.isfinite`."""
        return unary(ISFINITE, self)

    def isposinf(self: Any) -> Tensor:
        """See :func:`tocha.isposinf`."""
        return isposinf(self)

    def isneginf(self: Any) -> Tensor:
        """See :func:`tocha.isneginf`."""
        return isneginf(self)

    def isreal(self: Any) -> Tensor:
        """See :func:`tocha.isreal`."""
        return unary(ISREAL, self)

    def isclose(self: Any, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
        """See :func:`tocha.isclose`."""
        return isclose(self, other, rtol, atol, equal_nan)

    def allclose(self: Any, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
        """See :func:`tocha.allclose`."""
        return allclose(self, other, rtol, atol, equal_nan)

    def equal(self: Any, other: Tensor) -> bool:
        """See :func:`tocha.equal`."""
        return equal(self, other)

    def logical_and(self: Any, other: Tensor) -> Tensor:
        """See :func:`tocha.logical_and`."""
        return logical_and(self, other)

    def logical_and_(self: Any, other: Tensor) -> Tensor:
        """In-place :func:`tocha.logical_and`."""
        return logical_inplace(LOGICAL_AND, self, other)

    def logical_or(self: Any, other: Tensor) -> Tensor:
        """See :func:`tocha.logical_or`."""
        return logical_or(self, other)

    def logical_or_(self: Any, other: Tensor) -> Tensor:
        """In-place :func:`tocha.logical_or`."""
        return logical_inplace(LOGICAL_OR, self, other)

    def logical_xor(self: Any, other: Tensor) -> Tensor:
        """See :func:`tocha.logical_xor`."""
        return logical_xor(self, other)

    def logical_xor_(self: Any, other: Tensor) -> Tensor:
        """In-place :func:`tocha.logical_xor`."""
        return logical_inplace(LOGICAL_XOR, self, other)

    def logical_not(self: Any) -> Tensor:
        """See :func:`tocha.logical_not`."""
        return unary(LOGICAL_NOT, self)

    def logical_not_(self: Any) -> Tensor:
        """In-place :func:`tocha.logical_not`."""
        return call_inplace(LOGICAL_NOT, self._device, self, (self,), ())

    def bitwise_and(self: Any, other: Any) -> Tensor:
        """See :func:`tocha.bitwise_and`."""
        return binary_promoted(BITWISE_AND, self, other)

    def bitwise_and_(self: Any, other: Any) -> Tensor:
        """In-place :func:`tocha.bitwise_and`."""
        return binary_inplace(BITWISE_AND, self, other)

    def bitwise_or(self: Any, other: Any) -> Tensor:
        """See :func:`tocha.bitwise_or`."""
        return binary_promoted(BITWISE_OR, self, other)

    def bitwise_or_(self: Any, other: Any) -> Tensor:
        """In-place :func:`tocha.bitwise_or`."""
        return binary_inplace(BITWISE_OR, self, other)

    def bitwise_xor(self: Any, other: Any) -> Tensor:
        """See :func:`tocha.bitwise_xor`."""
        return binary_promoted(BITWISE_XOR, self, other)

    def bitwise_xor_(self: Any, other: Any) -> Tensor:
        """In-place :func:`tocha.bitwise_xor`."""
        return binary_inplace(BITWISE_XOR, self, other)

    def bitwise_not(self: Any) -> Tensor:
        """See :func:`tocha.bitwise_not`."""
        return unary(BITWISE_NOT, self)

    def bitwise_not_(self: Any) -> Tensor:
        """In-place :func:`tocha.bitwise_not`."""
        return unary_inplace(BITWISE_NOT, self)

    def bitwise_left_shift(self: Any, other: Any) -> Tensor:
        """See :func:`tocha.bitwise_left_shift`."""
        return binary_promoted(LEFT_SHIFT, self, other)

    def bitwise_left_shift_(self: Any, other: Any) -> Tensor:
        """In-place :func:`tocha.bitwise_left_shift`."""
        return binary_inplace(LEFT_SHIFT, self, other)

    def bitwise_right_shift(self: Any, other: Any) -> Tensor:
        """See :func:`tocha.bitwise_right_shift`."""
        return binary_promoted(RIGHT_SHIFT, self, other)

    def bitwise_right_shift_(self: Any, other: Any) -> Tensor:
        """In-place :func:`tocha.bitwise_right_shift`."""
        return binary_inplace(RIGHT_SHIFT, self, other)
