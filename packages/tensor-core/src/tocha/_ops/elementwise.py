"""Elementwise ops: arithmetic, comparisons and math functions, with broadcasting.

Each primitive is an ``OpRecord`` (forward against ``xp``, vjp with tocha
ops, test metadata); public functions normalise operands (PyTorch promotion,
one device) and call the dispatcher. The family is split over modules:

- ``elementwise_base``: the shared machinery (:func:`binary`, whose first
  branch is the small-op fast path, :func:`binary_promoted`,
  :func:`binary_inplace`, :func:`unary`, :func:`copy_to_out`);
- ``elementwise_arith``: add, sub, mul, div, remainders, pow, neg, abs...;
- ``elementwise_math``: exponentials, logarithms, trigonometry, special
  functions, rounding, clamp, where, lerp...;
- ``elementwise_logic``: comparisons, classification, logical and bitwise ops;
- ``elementwise_special``: erf, lgamma, digamma, erfinv against ``xp``.

This module re-exports them all and defines :class:`ElementwiseMethods`, the
Tensor mixin with the family's methods and Python operators.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .elementwise_arith import (
    ABS as ABS,
)
from .elementwise_arith import (
    ADD as ADD,
)
from .elementwise_arith import (
    DIV_FLOOR as DIV_FLOOR,
)
from .elementwise_arith import (
    FMOD as FMOD,
)
from .elementwise_arith import (
    MUL as MUL,
)
from .elementwise_arith import (
    NEG as NEG,
)
from .elementwise_arith import (
    POW as POW,
)
from .elementwise_arith import (
    REMAINDER as REMAINDER,
)
from .elementwise_arith import (
    SUB as SUB,
)
from .elementwise_arith import (
    TRUE_DIVIDE as TRUE_DIVIDE,
)
from .elementwise_arith import (
    _check_negative_int_power,
    _div_inplace,
    _true_divide,
    abs,
    abs_inplace,
    absolute,
    add,
    check_bool_sub,
    div,
    divide,
    floor_divide,
    fmod,
    mul,
    multiply,
    neg,
    neg_inplace,
    negative,
    positive,
    reciprocal,
    reciprocal_inplace,
    remainder,
    scaled,
    square,
    square_inplace,
    sub,
    subtract,
    true_divide,
)
from .elementwise_arith import pow as pow
from .elementwise_base import (
    binary as binary,
)
from .elementwise_base import (
    binary_inplace as binary_inplace,
)
from .elementwise_base import (
    binary_promoted as binary_promoted,
)
from .elementwise_base import (
    check_dtype as check_dtype,
)
from .elementwise_base import (
    copy_to_out as copy_to_out,
)
from .elementwise_base import (
    raise_broadcast_error as raise_broadcast_error,
)
from .elementwise_base import (
    unary as unary,
)
from .elementwise_logic import (
    LogicMethods,
    allclose,
    bitwise_and,
    bitwise_left_shift,
    bitwise_not,
    bitwise_or,
    bitwise_right_shift,
    bitwise_xor,
    eq,
    equal,
    ge,
    greater,
    greater_equal,
    gt,
    isclose,
    isfinite,
    isinf,
    isnan,
    isneginf,
    isposinf,
    isreal,
    le,
    less,
    less_equal,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    ne,
    not_equal,
)
from .elementwise_math import (
    MathMethods,
    acos,
    acosh,
    addcdiv,
    addcmul,
    angle,
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    ceil,
    clamp,
    clamp_max,
    clamp_min,
    clip,
    conj,
    cos,
    cosh,
    digamma,
    erf,
    erfc,
    erfinv,
    exp,
    exp2,
    expm1,
    fix,
    floor,
    fmax,
    fmin,
    frac,
    hypot,
    imag,
    lerp,
    lgamma,
    log,
    log1p,
    log2,
    log10,
    logaddexp,
    logaddexp2,
    logit,
    maximum,
    minimum,
    nan_to_num,
    polygamma,
    real,
    round,
    rsqrt,
    sgn,
    sigmoid,
    sign,
    sin,
    sinh,
    sqrt,
    tan,
    tanh,
    trunc,
    where,
    xlogy,
)

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = [
    # arithmetic
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "floor_divide",
    "remainder", "fmod", "pow", "neg", "negative", "positive", "reciprocal", "abs", "absolute", "square",
    # math
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt",
    "sin", "cos", "tan", "asin", "acos", "atan", "arcsin", "arccos", "arctan",
    "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "arcsinh", "arccosh", "arctanh",
    "sigmoid", "logit", "erf", "erfc", "erfinv", "lgamma", "digamma", "polygamma",
    "floor", "ceil", "round", "trunc", "fix", "frac", "sign", "sgn",
    "angle", "conj", "real", "imag",
    "atan2", "arctan2", "hypot", "logaddexp", "logaddexp2", "xlogy",
    "maximum", "minimum", "fmax", "fmin",
    "clamp", "clip", "clamp_min", "clamp_max", "where", "lerp", "addcmul", "addcdiv", "nan_to_num",
    # comparisons, logical, bitwise
    "eq", "ne", "lt", "le", "gt", "ge",
    "greater", "greater_equal", "less", "less_equal", "not_equal",
    "isnan", "isinf", "isposinf", "isneginf", "isfinite", "isreal",
    "isclose", "allclose", "equal",
    "logical_and", "logical_or", "logical_xor", "logical_not",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not",
    "bitwise_left_shift", "bitwise_right_shift",
]  # fmt: skip


class ElementwiseMethods(MathMethods, LogicMethods):
    """Elementwise Tensor methods and Python operators (arithmetic here; the rest in the mixins it inherits)."""

    __slots__ = ()
    # Defining __eq__ would otherwise make tensors unhashable: tensors hash by identity, as in PyTorch.
    __hash__ = object.__hash__

    # ------------------------------------------------------------ operators

    def __add__(self, other: Any) -> Tensor:
        return binary(ADD, self, other)

    def __radd__(self, other: Any) -> Tensor:
        return binary(ADD, other, self)

    def __iadd__(self: Any, other: Any) -> Tensor:
        return binary_inplace(ADD, self, other)

    def __sub__(self, other: Any) -> Tensor:
        check_bool_sub(self, other)
        return binary(SUB, self, other)

    def __rsub__(self, other: Any) -> Tensor:
        check_bool_sub(self, other)
        return binary(SUB, other, self)

    def __isub__(self: Any, other: Any) -> Tensor:
        check_bool_sub(self, other)
        return binary_inplace(SUB, self, other)

    def __mul__(self, other: Any) -> Tensor:
        return binary(MUL, self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return binary(MUL, other, self)

    def __imul__(self: Any, other: Any) -> Tensor:
        return binary_inplace(MUL, self, other)

    def __truediv__(self, other: Any) -> Tensor:
        return _true_divide(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _true_divide(other, self)

    def __itruediv__(self: Any, other: Any) -> Tensor:
        return _div_inplace(self, other, None)

    def __floordiv__(self, other: Any) -> Tensor:
        return floor_divide(self, other)

    def __rfloordiv__(self, other: Any) -> Tensor:
        return floor_divide(other, self)

    def __ifloordiv__(self: Any, other: Any) -> Tensor:
        return binary_inplace(DIV_FLOOR, self, other)

    def __mod__(self, other: Any) -> Tensor:
        return remainder(self, other)

    def __rmod__(self, other: Any) -> Tensor:
        return remainder(other, self)

    def __imod__(self: Any, other: Any) -> Tensor:
        return binary_inplace(REMAINDER, self, other)

    def __pow__(self, exponent: Any) -> Tensor:
        _check_negative_int_power(self, exponent)
        return binary(POW, self, exponent)

    def __rpow__(self, other: Any) -> Tensor:
        _check_negative_int_power(other, self)
        return binary(POW, other, self)

    def __ipow__(self: Any, exponent: Any) -> Tensor:
        _check_negative_int_power(self, exponent)
        return binary_inplace(POW, self, exponent)

    def __neg__(self: Any) -> Tensor:
        return neg(self)

    def __pos__(self: Any) -> Tensor:
        return positive(self)

    def __abs__(self: Any) -> Tensor:
        return abs(self)

    # ------------------------------------------------------------ arithmetic methods

    def add(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """See :func:`tocha.add`."""
        return add(self, other, alpha=alpha)

    def add_(self: Any, other: Any, *, alpha: Any = 1) -> Tensor:
        """In-place :func:`tocha.add`."""
        return binary_inplace(ADD, self, other if alpha == 1 else scaled("add_", other, alpha, self))

    def sub(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """See :func:`tocha.sub`."""
        return sub(self, other, alpha=alpha)

    def sub_(self: Any, other: Any, *, alpha: Any = 1) -> Tensor:
        """In-place :func:`tocha.sub`."""
        check_bool_sub(self, other)
        return binary_inplace(SUB, self, other if alpha == 1 else scaled("sub_", other, alpha, self))

    subtract = sub
    subtract_ = sub_

    def mul(self, other: Any) -> Tensor:
        """See :func:`tocha.mul`."""
        return binary(MUL, self, other)

    def mul_(self: Any, other: Any) -> Tensor:
        """In-place :func:`tocha.mul`."""
        return binary_inplace(MUL, self, other)

    multiply = mul
    multiply_ = mul_

    def div(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """See :func:`tocha.div`."""
        return div(self, other, rounding_mode=rounding_mode)

    def div_(self: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """In-place :func:`tocha.div` (true division needs a floating-point tensor)."""
        return _div_inplace(self, other, rounding_mode)

    divide = div
    divide_ = div_

    def true_divide(self, other: Any) -> Tensor:
        """See :func:`tocha.true_divide`."""
        return _true_divide(self, other)

    def true_divide_(self: Any, other: Any) -> Tensor:
        """In-place :func:`tocha.true_divide`."""
        return _div_inplace(self, other, None)

    def floor_divide(self, other: Any) -> Tensor:
        """See :func:`tocha.floor_divide`."""
        return floor_divide(self, other)

    def floor_divide_(self: Any, other: Any) -> Tensor:
        """In-place :func:`tocha.floor_divide`."""
        return binary_inplace(DIV_FLOOR, self, other)

    def remainder(self, other: Any) -> Tensor:
        """See :func:`tocha.remainder`."""
        return remainder(self, other)

    def remainder_(self: Any, other: Any) -> Tensor:
        """In-place :func:`tocha.remainder`."""
        return binary_inplace(REMAINDER, self, other)

    def fmod(self, other: Any) -> Tensor:
        """See :func:`tocha.fmod`."""
        return fmod(self, other)

    def fmod_(self: Any, other: Any) -> Tensor:
        """In-place :func:`tocha.fmod`."""
        return binary_inplace(FMOD, self, other)

    def pow(self, exponent: Any) -> Tensor:
        """See :func:`tocha.pow`."""
        return pow(self, exponent)

    def pow_(self: Any, exponent: Any) -> Tensor:
        """In-place :func:`tocha.pow`."""
        _check_negative_int_power(self, exponent)
        return binary_inplace(POW, self, exponent)

    def neg(self: Any) -> Tensor:
        """See :func:`tocha.neg`."""
        return neg(self)

    def neg_(self: Any) -> Tensor:
        """In-place :func:`tocha.neg`."""
        return neg_inplace(self)

    negative = neg
    negative_ = neg_

    def positive(self: Any) -> Tensor:
        """See :func:`tocha.positive`."""
        return positive(self)

    def reciprocal(self: Any) -> Tensor:
        """See :func:`tocha.reciprocal`."""
        return reciprocal(self)

    def reciprocal_(self: Any) -> Tensor:
        """In-place :func:`tocha.reciprocal`."""
        return reciprocal_inplace(self)

    def abs(self: Any) -> Tensor:
        """See :func:`tocha.abs`."""
        return abs(self)

    def abs_(self: Any) -> Tensor:
        """In-place :func:`tocha.abs`."""
        return abs_inplace(self)

    absolute = abs
    absolute_ = abs_

    def square(self: Any) -> Tensor:
        """See :func:`tocha.square`."""
        return square(self)

    def square_(self: Any) -> Tensor:
        """In-place :func:`tocha.square`."""
        return square_inplace(self)
