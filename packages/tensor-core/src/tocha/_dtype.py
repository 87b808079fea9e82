"""dtypes and PyTorch's type-promotion rules.

NOTE [ Type promotion ]
PyTorch promotes by *category* (bool < integer < floating < complex) and by
*participant kind*: dimensioned tensors, zero-dim tensors and Python scalars.
A participant of a lower kind only matters when its category is higher than
that of every participant of a higher kind; then it contributes its category,
with the width taken from the higher kind where possible (a Python float
meeting an int tensor yields the default float dtype, a float16 tensor plus a
Python float stays float16, a float32 tensor plus a complex scalar gives
complex64). NumPy's own rules differ, so every op computes its result dtype
here and hands NumPy arrays that already have it.

NOTE [ Limited unsigned dtypes ]
uint16, uint32 and uint64 are PyTorch 2.x's "limited support" dtypes: a tensor
can hold, convert, index, sort, save and move them, but PyTorch promotes them
only with themselves and with the floating dtypes (the float wins: uint32 with
float16 gives float16): combining one with any other dtype (bool, every other
integer dtype, complex) where PyTorch's promotion lattice is consulted (two
dimensioned tensors, two zero-dim tensors) raises RuntimeError "Promotion for
uint16, uint32, uint64 types is not supported, attempted to promote UInt32 and
Long" (so does a bool tensor meeting a zero-dim uint32 one). Mixed-kind
operands otherwise behave as in PyTorch: a Python int (or a zero-dim int
tensor) meeting a dimensioned uint32 tensor keeps uint32 and wraps around; a
Python float gives the default float. They are not in ``ALL_DTYPES`` (the dtypes op records sweep in tests), so op
records, the op database and the Array API namespace are unchanged.

Where PyTorch raises NotImplementedError for them ("add_stub" not implemented
for 'UInt32': add, sub, lt, max, abs, neg, floor_divide, shifts, flip, gather...),
tocha computes the op instead whenever its record takes uint8: every such op is
an integer op that NumPy computes exactly on unsigned arrays, wrapping on
overflow as uint8 does in PyTorch (see ``OpRecord.dtype_set``). Reductions that
PyTorch widens (sum, prod, cumsum, cumprod) give int64, wrapping as PyTorch does
for uint64 values above 2**63. Ops refusing uint8 refuse these too, with
PyTorch's NotImplementedError naming the op and 'UInt32'.
"""

from __future__ import annotations

import threading
from typing import Any, Final

import ml_dtypes
import numpy as np

__all__ = [
    "dtype",
    "bool",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "int8",
    "int16",
    "int32",
    "int64",
    "float16",
    "bfloat16",
    "float32",
    "float64",
    "complex64",
    "complex128",
    "float8_e4m3fn",
    "float8_e5m2",
    "float8_e4m3fnuz",
    "float8_e5m2fnuz",
    "float8_e8m0fnu",
    "promote_types",
    "get_default_dtype",
    "set_default_dtype",
    "can_cast",
]

_builtin_bool = bool

_BOOL, _INT, _FLOAT, _COMPLEX = 0, 1, 2, 3


class dtype:
    """A tensor element type, such as ``tocha.float32``.

    dtypes are singletons: compare them with ``is`` or ``==``.

    Example:
        >>> import tocha
        >>> tocha.float32.is_floating_point, tocha.float32.itemsize
        (True, 4)
        >>> tocha.int64
        tocha.int64
    """

    __slots__ = ("_real", "category", "is_signed", "itemsize", "name", "numpy_dtype")

    name: str
    itemsize: int
    category: int
    is_signed: _builtin_bool
    numpy_dtype: np.dtype[Any]

    def __init__(self, name: str, numpy_dtype: Any, category: int, is_signed: _builtin_bool) -> None:
        self.name = name
        self.numpy_dtype = np.dtype(numpy_dtype)
        self.itemsize = self.numpy_dtype.itemsize
        self.category = category
        self.is_signed = is_signed
        self._real: dtype = self

    @property
    def is_floating_point(self) -> _builtin_bool:
        """True for float16, bfloat16, float32 and float64."""
        return self.category == _FLOAT

    @property
    def is_complex(self) -> _builtin_bool:
        """True for complex64 and complex128."""
        return self.category == _COMPLEX

    def to_real(self) -> dtype:
        """The real dtype of a complex dtype (complex64 → float32); other dtypes return themselves.

        Example:
            >>> import tocha
            >>> tocha.complex128.to_real()
            tocha.float64
        """
        return self._real

    def to_complex(self) -> dtype:
        """The complex dtype with this dtype's precision (float64 → complex128).

        Example:
            >>> import tocha
            >>> tocha.float32.to_complex()
            tocha.complex64
        """
        if self.category == _COMPLEX:
            return self
        if self.category == _FLOAT and self.itemsize == 1:
            raise RuntimeError(f"Unknown Complex ScalarType for {_TYPE_NAMES[self.name]}")
        return complex128 if self is float64 else complex64

    def __repr__(self) -> str:
        return f"tocha.{self.name}"

    def __reduce__(self) -> str:
        return self.name


bool = dtype("bool", np.bool_, _BOOL, False)
uint8 = dtype("uint8", np.uint8, _INT, False)
int8 = dtype("int8", np.int8, _INT, True)
int16 = dtype("int16", np.int16, _INT, True)
int32 = dtype("int32", np.int32, _INT, True)
int64 = dtype("int64", np.int64, _INT, True)
float16 = dtype("float16", np.float16, _FLOAT, True)
bfloat16 = dtype("bfloat16", ml_dtypes.bfloat16, _FLOAT, True)
float32 = dtype("float32", np.float32, _FLOAT, True)
float64 = dtype("float64", np.float64, _FLOAT, True)
complex64 = dtype("complex64", np.complex64, _COMPLEX, True)
complex128 = dtype("complex128", np.complex128, _COMPLEX, True)
uint16 = dtype("uint16", np.uint16, _INT, False)
uint32 = dtype("uint32", np.uint32, _INT, False)
uint64 = dtype("uint64", np.uint64, _INT, False)
complex64._real = float32
complex128._real = float64
# See NOTE [ Float8 dtypes ]: deliberately outside ALL_DTYPES and the table _FROM_NUMPY that op results go through.
float8_e4m3fn = dtype("float8_e4m3fn", ml_dtypes.float8_e4m3fn, _FLOAT, True)
float8_e5m2 = dtype("float8_e5m2", ml_dtypes.float8_e5m2, _FLOAT, True)
float8_e4m3fnuz = dtype("float8_e4m3fnuz", ml_dtypes.float8_e4m3fnuz, _FLOAT, True)
float8_e5m2fnuz = dtype("float8_e5m2fnuz", ml_dtypes.float8_e5m2fnuz, _FLOAT, True)
float8_e8m0fnu = dtype("float8_e8m0fnu", ml_dtypes.float8_e8m0fnu, _FLOAT, False)

ALL_DTYPES: Final = (
    bool, uint8, int8, int16, int32, int64,
    float16, bfloat16, float32, float64, complex64, complex128,
)  # fmt: skip
INTEGRAL_DTYPES: Final = (uint8, int8, int16, int32, int64)
FLOATING_DTYPES: Final = (float16, bfloat16, float32, float64)
COMPLEX_DTYPES: Final = (complex64, complex128)
# See NOTE [ Limited unsigned dtypes ]: deliberately outside ALL_DTYPES.
LIMITED_UNSIGNED_DTYPES: Final = (uint16, uint32, uint64)
FLOAT8_DTYPES: Final = (float8_e4m3fn, float8_e5m2, float8_e4m3fnuz, float8_e5m2fnuz, float8_e8m0fnu)
FLOAT8_FROM_NUMPY: Final[dict[np.dtype[Any], dtype]] = {d.numpy_dtype: d for d in FLOAT8_DTYPES}

# PyTorch's alias names, exported by tocha as attributes.
ALIASES: Final = {
    "half": float16,
    "float": float32,
    "double": float64,
    "short": int16,
    "int": int32,
    "long": int64,
    "cfloat": complex64,
    "cdouble": complex128,
}

_FROM_NUMPY: dict[np.dtype[Any], dtype] = {d.numpy_dtype: d for d in ALL_DTYPES + LIMITED_UNSIGNED_DTYPES}


def from_numpy_dtype(np_dtype: Any) -> dtype:
    """The tocha dtype of a NumPy dtype (ml_dtypes' float8 types included); TypeError for one tocha does not
    support."""
    found = _FROM_NUMPY.get(np_dtype)
    if found is not None:
        return found
    canonical = np.dtype(np_dtype)
    found = _FROM_NUMPY.get(canonical) or FLOAT8_FROM_NUMPY.get(canonical)
    if found is None:
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{canonical}. The only supported types are: "
            "float64, float32, float16, bfloat16, complex64, complex128, int64, int32, int16, int8, "
            "uint64, uint32, uint16, uint8, and bool."
        )
    return found


# ---------------------------------------------------------------- promotion


def _promote_same_category(a: dtype, b: dtype) -> dtype:
    if a.category == _INT and a.is_signed != b.is_signed:
        unsigned, signed = (a, b) if b.is_signed else (b, a)
        if signed.itemsize > unsigned.itemsize:
            return signed
        return int16 if signed.itemsize == 1 else signed
    if {a, b} == {float16, bfloat16}:
        return float32
    return a if a.itemsize >= b.itemsize else b


def _compute_promotion(a: dtype, b: dtype) -> dtype:
    if a is b:
        return a
    if a.category == b.category:
        return _promote_same_category(a, b)
    low, high = (a, b) if a.category < b.category else (b, a)
    if high.category == _COMPLEX and low.category == _FLOAT:
        return complex128 if low is float64 or high is complex128 else complex64
    return high


_PROMOTION: dict[tuple[dtype, dtype], dtype] = {
    (a, b): _compute_promotion(a, b) for a in ALL_DTYPES for b in ALL_DTYPES
}
# Only with themselves and the floating dtypes (which win): NOTE [ Limited unsigned dtypes ].
_PROMOTION.update({(d, d): d for d in LIMITED_UNSIGNED_DTYPES})
_PROMOTION.update({pair: f for d in LIMITED_UNSIGNED_DTYPES for f in FLOATING_DTYPES for pair in ((d, f), (f, d))})
_PROMOTION.update({(d, d): d for d in FLOAT8_DTYPES})  # and nothing else: NOTE [ Float8 dtypes ]

_TYPE_NAMES: Final = {
    "bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long",
    "float16": "Half", "bfloat16": "BFloat16", "float32": "Float", "float64": "Double",
    "complex64": "ComplexFloat", "complex128": "ComplexDouble",
    "uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64",
    "float8_e4m3fn": "Float8_e4m3fn", "float8_e5m2": "Float8_e5m2", "float8_e4m3fnuz": "Float8_e4m3fnuz",
    "float8_e5m2fnuz": "Float8_e5m2fnuz", "float8_e8m0fnu": "Float8_e8m0fnu",
}  # fmt: skip


def promotion_error(type1: dtype, type2: dtype) -> RuntimeError:
    """PyTorch's RuntimeError for promoting a limited unsigned or float8 dtype with another dtype.

    Example:
        >>> import tocha
        >>> from tocha._dtype import promotion_error
        >>> print(promotion_error(tocha.uint32, tocha.int64))
        Promotion for uint16, uint32, uint64 types is not supported, attempted to promote UInt32 and Long
    """
    kinds = "Float8 Types" if type1 in FLOAT8_DTYPES or type2 in FLOAT8_DTYPES else "uint16, uint32, uint64 types"
    return RuntimeError(
        f"Promotion for {kinds} is not supported, attempted to promote "
        f"{_TYPE_NAMES[type1.name]} and {_TYPE_NAMES[type2.name]}"
    )


def promote_types(type1: dtype, type2: dtype) -> dtype:
    """The smallest dtype to which both ``type1`` and ``type2`` can be cast.

    Follows PyTorch's lattice (uint8 with int8 gives int16, float16 with
    bfloat16 gives float32, float64 with complex64 gives complex128).
    uint16, uint32 and uint64 promote only with themselves and the floating
    dtypes; any other pair with one of them raises RuntimeError
    (NOTE [ Limited unsigned dtypes ]).

    Example:
        >>> import tocha
        >>> tocha.promote_types(tocha.uint8, tocha.int8)
        tocha.int16
    """
    try:
        return _PROMOTION[type1, type2]
    except KeyError:
        if isinstance(type1, dtype) and isinstance(type2, dtype):
            raise promotion_error(type1, type2) from None
        raise TypeError(f"promote_types(): expected two tocha dtypes, got {type1!r} and {type2!r}") from None


def can_cast(from_: dtype, to: dtype) -> _builtin_bool:
    """Whether PyTorch's casting rules allow an implicit cast (no lower category).

    Example:
        >>> import tocha
        >>> tocha.can_cast(tocha.float64, tocha.int32), tocha.can_cast(tocha.int32, tocha.float16)
        (False, True)
    """
    if from_.category > to.category:
        return False
    return not (from_.category != _BOOL and to is bool)


# ---------------------------------------------------------------- default dtype


class _DefaultDtype(threading.local):
    value: dtype = float32


_default = _DefaultDtype()


def get_default_dtype() -> dtype:
    """The dtype of new floating-point tensors (float32 unless changed).

    Example:
        >>> import tocha
        >>> tocha.get_default_dtype()
        tocha.float32
    """
    return _default.value


def set_default_dtype(d: dtype) -> None:
    """Set the dtype used for Python floats and new floating-point tensors.

    Only float32 and float64 are accepted, as in PyTorch (float16 and bfloat16
    too, since PyTorch 2.1).

    Example:
        >>> import tocha
        >>> tocha.set_default_dtype(tocha.float64)
        >>> tocha.tensor([1.0]).dtype
        tocha.float64
        >>> tocha.set_default_dtype(tocha.float32)
    """
    if not isinstance(d, dtype) or d.category != _FLOAT or d in FLOAT8_DTYPES:
        raise TypeError(f"only floating-point types are supported as the default type, got {d!r}")
    _default.value = d


def default_complex_dtype() -> dtype:
    """complex128 when the default dtype is float64, complex64 otherwise."""
    return complex128 if _default.value is float64 else complex64


def scalar_dtype(value: object) -> dtype:
    """The dtype a Python scalar gets when it becomes a tensor on its own."""
    if isinstance(value, _builtin_bool):
        return bool
    if isinstance(value, int):
        return int64
    if isinstance(value, float):
        return _default.value
    if isinstance(value, complex):
        return default_complex_dtype()
    raise TypeError(f"expected a Python number, got {type(value).__name__}")
