"""Whether a Python number fits the dtype an op writes it into, by PyTorch's rules.

NOTE [ Scalar overflow ]
Ops that write a Python number into a tensor of a given dtype (``fill_``, ``full``, ``masked_fill``, ``index_fill``,
``scatter`` with a value, ``where`` with a number, ``clamp``'s bounds, ``threshold``'s value, ``alpha``) refuse a
number that the dtype cannot hold, as PyTorch's ``checked_convert`` does, instead of wrapping it:
``x.masked_fill(m, 300)`` on a uint8 tensor raises "value cannot be converted to type uint8_t without overflow"
rather than writing 44. The rules, PyTorch's:
- integers: the number must lie in the type's range, except that an unsigned type also takes a negative number
  down to minus its maximum (two's complement wraps it, so ``-1`` fills 255); NaN and infinities never fit;
- floating types and the parts of complex ones: a finite number past the type's range does not fit (infinities
  and NaN do). A few ops (indexed assignment, ``where``, ``fill_diagonal_``, ``scalar_tensor``) convert through
  float64 first and so skip this check for float16 and bfloat16 (``half_range=False``), as PyTorch's do;
- a complex number with a nonzero imaginary part fits only a complex type;
- bool takes anything;
- a Python int past 64 bits raises OverflowError, as PyTorch's argument parser does.
Arithmetic (``x + 300``) is not checked, as in PyTorch: there the number is an operand, not an element.
"""

from __future__ import annotations

import math
from typing import Any

from .._dtype import _BOOL, dtype

__all__ = ["check_scalar_fits"]

_C_NAMES = {
    "int8": "int8_t", "uint8": "uint8_t", "int16": "int16_t", "int32": "int", "int64": "int64_t",
    "uint16": "uint16_t", "uint32": "uint32_t", "uint64": "uint64_t", "float16": "c10::Half",
    "bfloat16": "c10::BFloat16", "float32": "float", "float64": "double", "complex64": "c10::complex<float>",
    "complex128": "c10::complex<double>",
}  # fmt: skip
_FLOAT_MAX = {"float16": 65504.0, "bfloat16": 3.3895313892515355e38, "float32": 3.4028234663852886e38}
# Real numbers inside these bounds always fit (unsigned types send negative numbers to the full check, to wrap);
# dtypes missing here take every real number that fits in 64 bits.
_LIMITS: dict[str, tuple[float, float]] = {
    **{name: (-limit, limit) for name, limit in _FLOAT_MAX.items()},
    "complex64": (-_FLOAT_MAX["float32"], _FLOAT_MAX["float32"]),
    **{f"int{bits}": (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) for bits in (8, 16, 32, 64)},
    **{f"uint{bits}": (0, 2**bits - 1) for bits in (8, 16, 32, 64)},
}


def check_scalar_fits(value: Any, into: dtype, *, half_range: bool = True, wrap_unsigned: bool = True) -> Any:
    """``value`` ready to become an element of ``into``: PyTorch's error when a Python number cannot (NOTE [ Scalar
    overflow ]); a negative integer bound for an unsigned type comes back wrapped (two's complement), anything
    else unchanged. ``half_range=False`` skips float16's and bfloat16's range; ``wrap_unsigned=False`` refuses
    negative numbers for unsigned types (``F.pad``'s rule).

    Example:
        >>> import tocha
        >>> check_scalar_fits(-1, tocha.uint8)
        255
        >>> check_scalar_fits(300, tocha.uint8)
        Traceback (most recent call last):
        ...
        RuntimeError: value cannot be converted to type uint8_t without overflow
    """
    kind = value.__class__
    if kind is float or kind is int:  # the common case first: a real number inside the type's finite range
        limits = _LIMITS.get(into.name)
        if limits is None:
            if kind is int and not -(2**63) <= value < 2**64:
                raise OverflowError("int too big to convert" if value > 0 else "can't convert negative int to unsigned")
            return value
        if limits[0] <= value <= limits[1]:
            return value
    elif kind is bool or not isinstance(value, (int, float, complex)):
        return value
    return _checked(value, into, half_range, wrap_unsigned)


def _checked(value: Any, into: dtype, half_range: bool, wrap_unsigned: bool) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if value >= 2**64:
            raise OverflowError("int too big to convert")
        if value < -(2**63):
            raise OverflowError("can't convert negative int to unsigned")
    if into.category == _BOOL or into.name not in _C_NAMES:  # bool, and dtypes outside PyTorch's checked set
        return value
    real = value.real if isinstance(value, complex) else value
    negative_unsigned = into.name.startswith("uint") and real < 0
    if not _fits(value, into, half_range) or (negative_unsigned and not wrap_unsigned):
        raise RuntimeError(f"value cannot be converted to type {_C_NAMES[into.name]} without overflow")
    if negative_unsigned:
        return int(real) % 2 ** (into.itemsize * 8)
    return value


def _fits(value: int | float | complex, into: dtype, half_range: bool) -> bool:
    if isinstance(value, complex):
        if into.is_complex:
            return _fits_float(value.real, into.name) and _fits_float(value.imag, into.name)
        if value.imag != 0:
            return False
        value = value.real
    if into.is_complex or into.is_floating_point:
        return (not half_range and into.itemsize == 2) or _fits_float(float(value), into.name)
    if isinstance(value, float) and not math.isfinite(value):
        return False
    low, high = _integer_range(into)
    if low == 0:  # unsigned: a negative number wraps, down to minus the maximum
        return value <= high and -value <= high
    return low <= value <= high


def _fits_float(value: float, name: str) -> bool:
    limit = _FLOAT_MAX.get("float32" if name == "complex64" else name)
    return limit is None or not math.isfinite(value) or abs(value) <= limit


def _integer_range(into: dtype) -> tuple[int, int]:
    bits = into.itemsize * 8
    if into.name.startswith("uint"):
        return 0, 2**bits - 1
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
