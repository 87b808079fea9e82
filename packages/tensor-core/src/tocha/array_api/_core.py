"""The main namespace of ``tocha.array_api``: the standard's functions over tocha tensors."""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

import tocha as _t

from .. import _dlpack
from .._dtype import ALL_DTYPES, get_default_dtype, promote_types
from .._dtype import dtype as DType  # noqa: N812
from .._tensor_base import TensorBase, wrap

if TYPE_CHECKING:
    from .._tensor import Tensor as Array
else:
    Array = TensorBase

__all__ = [
    # constants
    "e", "inf", "nan", "newaxis", "pi",
    # creation
    "arange", "asarray", "empty", "empty_like", "eye", "from_dlpack", "full", "full_like", "linspace",
    "meshgrid", "ones", "ones_like", "tril", "triu", "zeros", "zeros_like",
    # data types
    "astype", "can_cast", "finfo", "iinfo", "isdtype", "result_type",
    # elementwise
    "abs", "acos", "acosh", "add", "asin", "asinh", "atan", "atan2", "atanh", "bitwise_and",
    "bitwise_left_shift", "bitwise_invert", "bitwise_or", "bitwise_right_shift", "bitwise_xor", "ceil", "clip",
    "conj", "copysign", "cos", "cosh", "divide", "equal", "exp", "expm1", "floor", "floor_divide", "greater",
    "greater_equal", "hypot", "imag", "isfinite", "isinf", "isnan", "less", "less_equal", "log", "log1p", "log2",
    "log10", "logaddexp", "logical_and", "logical_not", "logical_or", "logical_xor", "maximum", "minimum",
    "multiply", "negative", "not_equal", "positive", "pow", "real", "remainder", "round", "sign", "signbit", "sin",
    "sinh", "square", "sqrt", "subtract", "tan", "tanh", "trunc",
    # indexing, linear algebra, manipulation
    "take", "matmul", "matrix_transpose", "tensordot", "vecdot", "broadcast_arrays", "broadcast_to", "concat",
    "expand_dims", "flip", "moveaxis", "permute_dims", "repeat", "reshape", "roll", "squeeze", "stack", "tile",
    "unstack",
    # searching, sets, sorting, statistics, utility
    "argmax", "argmin", "nonzero", "searchsorted", "where", "unique_all", "unique_counts", "unique_inverse",
    "unique_values", "argsort", "sort", "cumulative_sum", "max", "mean", "min", "prod", "std", "sum", "var",
    "all", "any",
]  # fmt: skip

e = math.e
inf = math.inf
nan = math.nan
pi = math.pi
newaxis = None

_bool = bool
_BOOL, _INT, _FLOAT, _COMPLEX = 0, 1, 2, 3

# ---------------------------------------------------------------- promotion (the standard's rules)


def _kind(d: DType) -> int:
    """Promotion family: bool, integer, floating (real and complex promote together in the standard)."""
    return _FLOAT if d.category >= _FLOAT else d.category


def _promote(a: DType, b: DType) -> DType:
    """The standard's result type of two dtypes; mixed kinds (undefined there) follow PyTorch."""
    return a if a is b else promote_types(a, b)


def _pair(op: str, x1: Any, x2: Any) -> tuple[Any, Any]:
    """Both operands of a binary function, arrays cast to their common dtype (0-d arrays count fully)."""
    if isinstance(x1, TensorBase) and isinstance(x2, TensorBase):
        if x1._dtype is not x2._dtype:
            d = _promote(x1._dtype, x2._dtype)
            x1 = x1 if x1._dtype is d else x1.to(d)  # type: ignore[attr-defined]
            x2 = x2 if x2._dtype is d else x2.to(d)  # type: ignore[attr-defined]
        return x1, x2
    if isinstance(x1, TensorBase):
        return _with_scalar(x1, x2)
    if isinstance(x2, TensorBase):
        b, a = _with_scalar(x2, x1)
        return a, b
    raise TypeError(f"{op}(): expected at least one array, got {type(x1).__name__} and {type(x2).__name__}")


def _with_scalar(x: Any, scalar: Any) -> tuple[Any, Any]:
    """An array and a Python scalar as two arrays of one dtype: the array's when the kinds allow (the standard)."""
    if not isinstance(scalar, (_bool, int, float, complex)):
        return x, scalar
    d = _t.result_type(x, scalar)
    return (x if x._dtype is d else x.to(d)), _t.full((), scalar, dtype=d, device=x._device)


def _arrays(arrays: Sequence[Array]) -> list[Array]:
    """``arrays`` cast to their common dtype under the standard's rules."""
    out = list(arrays)
    if len({a._dtype for a in out}) > 1:
        d = result_type(*out)
        out = [a if a._dtype is d else a.to(d) for a in out]
    return out


# ---------------------------------------------------------------- creation


def arange(
    start: float, /, stop: float | None = None, step: float = 1, *, dtype: DType | None = None, device: Any = None
) -> Array:
    """Evenly spaced values in ``[start, stop)``; ``arange(n)`` counts from 0.

    Example:
        >>> import tocha.array_api as xp
        >>> xp.arange(1, 2, 0.25)
        tensor([1.0000, 1.2500, 1.5000, 1.7500])
    """
    if stop is None:
        start, stop = 0, start
    return _t.arange(start, stop, step, dtype=dtype, device=device)


def asarray(obj: Any, /, *, dtype: DType | None = None, device: Any = None, copy: _bool | None = None) -> Array:
    """``obj`` (array, Python scalar, nested sequence, buffer or DLPack object) as an array.

    ``copy=None`` shares memory when it can, ``copy=True`` always copies,
    ``copy=False`` never does (ValueError when a copy is needed).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.asarray([[1, 2]], dtype=xp.float64)
        tensor([[1., 2.]], dtype=tocha.float64)
    """
    if copy is False and not isinstance(obj, (TensorBase, np.ndarray)) and not hasattr(obj, "__dlpack__"):
        raise ValueError(f"asarray(): copy=False was given but a {type(obj).__name__} can only be copied")
    if hasattr(obj, "__dlpack__") and not isinstance(obj, (TensorBase, np.ndarray)):
        obj = _dlpack.from_dlpack(obj, copy=copy)
        copy = None if copy is True else copy
    elif (
        isinstance(obj, np.ndarray)
        and copy is False
        and np.dtype(obj.dtype) != (obj.dtype if dtype is None else dtype.numpy_dtype)
    ):
        raise ValueError(f"asarray(): copy=False was given but converting {obj.dtype} to {dtype} needs a copy")
    if copy is False and isinstance(obj, TensorBase):
        needs = (dtype is not None and dtype is not obj._dtype) or (
            device is not None and _t.device(device) != obj._device
        )
        if needs:
            raise ValueError(
                f"asarray(): copy=False was given but moving a {obj._dtype} array on {obj._device} to "
                f"dtype {dtype} / device {device} needs a copy"
            )
    return _t.asarray(obj, dtype=dtype, device=device, copy=copy)


def empty(shape: int | tuple[int, ...], *, dtype: DType | None = None, device: Any = None) -> Array:
    """An uninitialised array of ``shape``.

    Example:
        >>> import tocha.array_api as xp
        >>> xp.empty((2, 0)).shape
        tocha.Size([2, 0])
    """
    return _t.empty(shape, dtype=dtype, device=device)


def empty_like(x: Array, /, *, dtype: DType | None = None, device: Any = None) -> Array:
    """An uninitialised array shaped like ``x`` (its dtype and device unless given).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.empty_like(xp.ones(3), dtype=xp.int8).dtype
        tocha.int8
    """
    return _t.empty_like(x, dtype=dtype, device=device)


def eye(
    n_rows: int, n_cols: int | None = None, /, *, k: int = 0, dtype: DType | None = None, device: Any = None
) -> Array:
    """A 2-D array with ones on the ``k``-th diagonal and zeros elsewhere.

    Example:
        >>> import tocha.array_api as xp
        >>> xp.eye(2, 3, k=1)
        tensor([[0., 1., 0.],
                [0., 0., 1.]])
    """
    cols = n_rows if n_cols is None else n_cols
    if k == 0:
        return _t.eye(n_rows, cols, dtype=dtype, device=device)
    rows = _t.arange(n_rows, device=device).reshape(n_rows, 1)
    mask = (rows + k) == _t.arange(cols, device=device)
    return mask.to(get_default_dtype() if dtype is None else dtype)  # type: ignore[no-any-return]


def from_dlpack(x: Any, /, *, device: Any = None, copy: _bool | None = None) -> Array:
    """An array sharing memory with ``x``, any DLPack producer (see ``tocha.from_dlpack``).

    Example:
        >>> import numpy as np, tocha.array_api as xp
        >>> xp.from_dlpack(np.arange(2))
        tensor([0, 1])
    """
    return _dlpack.from_dlpack(x, device=device, copy=copy)


def full(shape: int | tuple[int, ...], fill_value: complex, *, dtype: DType | None = None, device: Any = None) -> Array:
    """An array of ``shape`` filled with ``fill_value`` (dtype inferred from it when not given).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.full(2, True), xp.full((1,), 3).dtype
        (tensor([True, True]), tocha.int64)
    """
    return _t.full(shape if isinstance(shape, tuple) else (shape,), fill_value, dtype=dtype, device=device)


def full_like(x: Array, /, fill_value: complex, *, dtype: DType | None = None, device: Any = None) -> Array:
    """An array shaped like ``x`` filled with ``fill_value``, in ``x``'s dtype unless given.

    Example:
        >>> import tocha.array_api as xp
        >>> xp.full_like(xp.ones(2, dtype=xp.int32), 7)
        tensor([7, 7], dtype=tocha.int32)
    """
    return _t.full_like(x, fill_value, dtype=dtype, device=device)


def linspace(
    start: complex,
    stop: complex,
    /,
    num: int,
    *,
    dtype: DType | None = None,
    device: Any = None,
    endpoint: _bool = True,
) -> Array:
    """``num`` evenly spaced values from ``start`` to ``stop`` (included unless ``endpoint=False``).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.linspace(0, 1, 4, endpoint=False)
        tensor([0.0000, 0.2500, 0.5000, 0.7500])
    """
    if dtype is None:
        dtype = _t.complex64 if isinstance(start, complex) or isinstance(stop, complex) else get_default_dtype()
        if dtype is _t.complex64 and get_default_dtype() is _t.float64:
            dtype = _t.complex128
    steps = num if endpoint or num == 0 else num + 1
    if dtype.is_complex:
        start, stop = complex(start), complex(stop)
        real = _t.linspace(start.real, stop.real, steps, dtype=dtype.to_real(), device=device)
        imag = _t.linspace(start.imag, stop.imag, steps, dtype=dtype.to_real(), device=device)
        result = real.to(dtype) + imag.to(dtype) * 1j
    else:
        result = _t.linspace(start, stop, steps, dtype=dtype, device=device)
    return result if steps == num else result[:-1]


def meshgrid(*arrays: Array, indexing: str = "xy") -> list[Array]:
    """Coordinate arrays from 1-D arrays (``indexing='xy'`` Cartesian, ``'ij'`` matrix).

    Example:
        >>> import tocha.array_api as xp
        >>> [a.shape for a in xp.meshgrid(xp.arange(2), xp.arange(3))]
        [tocha.Size([3, 2]), tocha.Size([3, 2])]
    """
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid(): indexing must be 'xy' or 'ij', got {indexing!r}")
    sizes = [a.numel() for a in arrays]
    if indexing == "xy" and len(arrays) > 1:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for i, a in enumerate(arrays):
        axis = (1 - i if i < 2 else i) if indexing == "xy" and len(arrays) > 1 else i
        shape = [1] * len(arrays)
        shape[axis] = -1
        out.append(a.reshape(shape).broadcast_to(sizes))
    return out


def ones(shape: int | tuple[int, ...], *, dtype: DType | None = None, device: Any = None) -> Array:
    """An array of ``shape`` filled with ones.

    Example:
        >>> import tocha.array_api as xp
        >>> xp.ones(2, dtype=xp.int8)
        tensor([1, 1], dtype=tocha.int8)
    """
    return _t.ones(shape, dtype=dtype, device=device)


def ones_like(x: Array, /, *, dtype: DType | None = None, device: Any = None) -> Array:
    """Ones shaped like ``x``.

    Example:
        >>> import tocha.array_api as xp
        >>> xp.ones_like(xp.zeros(2))
        tensor([1., 1.])
    """
    return _t.ones_like(x, dtype=dtype, device=device)


def tril(x: Array, /, *, k: int = 0) -> Array:
    """``x`` with elements above the ``k``-th diagonal zeroed.

    Example:
        >>> import tocha.array_api as xp
        >>> xp.tril(xp.ones((2, 2)))
        tensor([[1., 0.],
                [1., 1.]])
    """
    return _t.tril(x, k)


def triu(x: Array, /, *, k: int = 0) -> Array:
    """``x`` with elements below the ``k``-th diagonal zeroed.

    Example:
        >>> import tocha.array_api as xp
        >>> xp.triu(xp.ones((2, 2)), k=1)
        tensor([[0., 1.],
                [0., 0.]])
    """
    return _t.triu(x, k)


def zeros(shape: int | tuple[int, ...], *, dtype: DType | None = None, device: Any = None) -> Array:
    """An array of ``shape`` filled with zeros.

    Example:
        >>> import tocha.array_api as xp
        >>> xp.zeros((1, 2))
        tensor([[0., 0.]])
    """
    return _t.zeros(shape, dtype=dtype, device=device)


def zeros_like(x: Array, /, *, dtype: DType | None = None, device: Any = None) -> Array:
    """Zeros shaped like ``x``.

    Example:
        >>> import tocha.array_api as xp
        >>> xp.zeros_like(xp.ones(2, dtype=xp.bool))
        tensor([False, False])
    """
    return _t.zeros_like(x, dtype=dtype, device=device)


# ---------------------------------------------------------------- data types


def astype(x: Array, dtype: DType, /, *, copy: _bool = True, device: Any = None) -> Array:
    """``x`` cast to ``dtype`` (and moved to ``device``); ``copy=False`` returns ``x`` itself when nothing changes.

    Example:
        >>> import tocha.array_api as xp
        >>> xp.astype(xp.asarray([1.7, -1.7]), xp.int32)
        tensor([ 1, -1], dtype=tocha.int32)
    """
    return x.to(device=x.device if device is None else device, dtype=dtype, copy=copy)


def can_cast(from_: DType | Array, to: DType, /) -> _bool:
    """Whether the standard's promotion rules allow casting ``from_`` to ``to`` (within one kind only).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.can_cast(xp.int8, xp.int16), xp.can_cast(xp.int64, xp.float64), xp.can_cast(xp.float32, xp.complex64)
        (True, False, True)
    """
    d = from_._dtype if isinstance(from_, TensorBase) else from_
    if not isinstance(d, DType) or not isinstance(to, DType):
        raise TypeError(f"can_cast(): expected dtypes or arrays, got {type(from_).__name__} and {type(to).__name__}")
    if d is to:
        return True
    if _kind(d) != _kind(to):
        return False
    return promote_types(d, to) is to


class finfo_object(NamedTuple):
    """Limits of a floating-point dtype, as the standard's ``finfo`` returns them."""

    bits: int
    eps: float
    max: float
    min: float
    smallest_normal: float
    dtype: DType


class iinfo_object(NamedTuple):
    """Limits of an integer dtype, as the standard's ``iinfo`` returns them."""

    bits: int
    max: int
    min: int
    dtype: DType


def finfo(type: DType | Array, /) -> finfo_object:
    """Machine limits of a floating-point dtype (a complex dtype gives its real counterpart's).

    Example:
        >>> import tocha.array_api as xp
        >>> info = xp.finfo(xp.complex64)
        >>> info.bits, info.eps, info.dtype
        (32, 1.1920928955078125e-07, tocha.float32)
    """
    d = type._dtype if isinstance(type, TensorBase) else type
    info = _t.finfo(d)
    real = d.to_real()
    return finfo_object(info.bits, info.eps, info.max, info.min, info.smallest_normal, real)


def iinfo(type: DType | Array, /) -> iinfo_object:
    """Machine limits of an integer dtype.

    Example:
        >>> import tocha.array_api as xp
        >>> xp.iinfo(xp.int8)
        iinfo_object(bits=8, max=127, min=-128, dtype=tocha.int8)
    """
    d = type._dtype if isinstance(type, TensorBase) else type
    info = _t.iinfo(d)
    return iinfo_object(info.bits, info.max, info.min, d)


_KINDS: dict[str, Callable[[DType], _bool]] = {
    "bool": lambda d: d.category == _BOOL,
    "signed integer": lambda d: d.category == _INT and d.is_signed,
    "unsigned integer": lambda d: d.category == _INT and not d.is_signed,
    "integral": lambda d: d.category == _INT,
    "real floating": lambda d: d.category == _FLOAT,
    "complex floating": lambda d: d.category == _COMPLEX,
    "numeric": lambda d: d.category != _BOOL,
}


def isdtype(dtype: DType, kind: DType | str | tuple[DType | str, ...]) -> _bool:
    """Whether ``dtype`` is of ``kind`` (a dtype, a kind name such as ``'integral'``, or a tuple of them).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.isdtype(xp.uint8, "integral"), xp.isdtype(xp.float32, ("bool", "complex floating"))
        (True, False)
    """
    if not isinstance(dtype, DType):
        raise TypeError(f"isdtype(): dtype must be a dtype, got {type(dtype).__name__}")
    if isinstance(kind, tuple):
        return builtins.any(isdtype(dtype, k) for k in kind)
    if isinstance(kind, DType):
        return dtype is kind
    if isinstance(kind, str):
        test = _KINDS.get(kind)
        if test is None:
            raise ValueError(f"isdtype(): unknown kind {kind!r} (expected one of {sorted(_KINDS)})")
        return test(dtype)
    raise TypeError(f"isdtype(): kind must be a dtype, a str or a tuple, got {type(kind).__name__}")


def result_type(*arrays_and_dtypes: Array | DType | complex) -> DType:
    """The dtype the standard's promotion gives ``arrays_and_dtypes`` (Python scalars are weak).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.result_type(xp.int8, xp.uint8), xp.result_type(xp.asarray(1, dtype=xp.int64), xp.int8)
        (tocha.int16, tocha.int64)
    """
    result: DType | None = None
    scalars = []
    for item in arrays_and_dtypes:
        if isinstance(item, TensorBase):
            d = item._dtype
        elif isinstance(item, DType):
            d = item
        elif isinstance(item, (_bool, int, float, complex)):
            scalars.append(item)
            continue
        else:
            raise TypeError(f"result_type(): expected arrays, dtypes or Python scalars, got {type(item).__name__}")
        result = d if result is None else _promote(result, d)
    if result is None:
        raise ValueError("result_type(): at least one array or dtype is required")
    for scalar in scalars:
        result = _t.result_type(_t.empty(1, dtype=result), scalar)
    return result


# ---------------------------------------------------------------- elementwise


def _unary(name: str, fn: Callable[[Any], Any], doc: str) -> Callable[[Array], Array]:
    def unary(x: Array, /) -> Array:
        return fn(x)  # type: ignore[no-any-return]

    unary.__name__ = unary.__qualname__ = name
    unary.__doc__ = f"{doc}, elementwise (the standard's ``{name}(x, /)``)."
    return unary


def _binary(name: str, fn: Callable[[Any, Any], Any], doc: str) -> Callable[[Any, Any], Array]:
    def binary(x1: Any, x2: Any, /) -> Array:
        a, b = _pair(name, x1, x2)
        return fn(a, b)  # type: ignore[no-any-return]

    binary.__name__ = binary.__qualname__ = name
    binary.__doc__ = (
        f"{doc}, elementwise with broadcasting (the standard's ``{name}(x1, x2, /)``; the standard's type promotion)."
    )
    return binary


def _sign(x: Array) -> Array:
    if x._dtype.is_complex:
        return _t.sgn(x)
    if x._dtype.is_floating_point:  # the standard keeps NaN where PyTorch's sign gives 0
        return _t.where(_t.isnan(x), x, _t.sign(x))
    return _t.sign(x)


def _signbit(x: Array) -> Array:
    fn = getattr(_t, "signbit", None)
    if fn is not None:
        return fn(x)  # type: ignore[no-any-return]
    return wrap(_xp(x).signbit(x._data), x._device)


def _xp(x: Array) -> Any:
    from .._backend import xp_of

    return xp_of(x._device)


def _copysign(x1: Array, x2: Array) -> Array:
    fn = getattr(_t, "copysign", None)
    if fn is not None:
        return fn(x1, x2)  # type: ignore[no-any-return]
    magnitude = _t.abs(x1)
    return _t.where(_signbit(x2), -magnitude, magnitude)  # type: ignore[no-any-return]


def _floor_divide(x1: Any, x2: Any) -> Array:
    """PyTorch's floor division, with the standard's infinity special cases (those of ``floor(x1 / x2)``)."""
    result = _t.floor_divide(x1, x2)
    if result._dtype.category != _FLOAT:
        return result
    special = _t.logical_or(_t.isinf(_t.as_tensor(x1)), _t.isinf(_t.as_tensor(x2)))
    return _t.where(special, _t.floor(_t.div(x1, x2)), result)  # type: ignore[no-any-return]


def _round(x: Array) -> Array:
    return x.clone() if x._dtype.category <= _INT else _t.round(x)


def _integral_passthrough(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda x: x.clone() if x._dtype.category <= _INT else fn(x)


abs = _unary("abs", _t.abs, "Absolute value (magnitude for complex)")
acos = _unary("acos", _t.acos, "Inverse cosine")
acosh = _unary("acosh", _t.acosh, "Inverse hyperbolic cosine")
asin = _unary("asin", _t.asin, "Inverse sine")
asinh = _unary("asinh", _t.asinh, "Inverse hyperbolic sine")
atan = _unary("atan", _t.atan, "Inverse tangent")
atanh = _unary("atanh", _t.atanh, "Inverse hyperbolic tangent")
bitwise_invert = _unary("bitwise_invert", _t.bitwise_not, "Bitwise NOT (logical NOT for bool)")
ceil = _unary("ceil", _integral_passthrough(_t.ceil), "Round towards +infinity")
conj = _unary("conj", _t.conj_physical if hasattr(_t, "conj_physical") else _t.conj, "Complex conjugate")
cos = _unary("cos", _t.cos, "Cosine")
cosh = _unary("cosh", _t.cosh, "Hyperbolic cosine")
exp = _unary("exp", _t.exp, "e to the power x")
expm1 = _unary("expm1", _t.expm1, "exp(x) - 1, accurate near 0")
floor = _unary("floor", _integral_passthrough(_t.floor), "Round towards -infinity")
imag = _unary("imag", _t.imag, "Imaginary part")
isfinite = _unary("isfinite", _t.isfinite, "Whether finite")
isinf = _unary("isinf", _t.isinf, "Whether infinite")
isnan = _unary("isnan", _t.isnan, "Whether NaN")
log = _unary("log", _t.log, "Natural logarithm")
log1p = _unary("log1p", _t.log1p, "log(1 + x), accurate near 0")
log2 = _unary("log2", _t.log2, "Base-2 logarithm")
log10 = _unary("log10", _t.log10, "Base-10 logarithm")
logical_not = _unary("logical_not", _t.logical_not, "Logical NOT")
negative = _unary("negative", _t.negative, "Negation")
positive = _unary("positive", _t.positive, "Identity (+x)")
real = _unary("real", _t.real, "Real part")
round = _unary("round", _round, "Round to the nearest integer, halves to even")
sign = _unary("sign", _sign, "Sign (x / |x| for complex)")
signbit = _unary("signbit", _signbit, "Whether the sign bit is set (True for -0.0)")
sin = _unary("sin", _t.sin, "Sine")
sinh = _unary("sinh", _t.sinh, "Hyperbolic sine")
square = _unary("square", _t.square, "x * x")
sqrt = _unary("sqrt", _t.sqrt, "Square root")
tan = _unary("tan", _t.tan, "Tangent")
tanh = _unary("tanh", _t.tanh, "Hyperbolic tangent")
trunc = _unary("trunc", _integral_passthrough(_t.trunc), "Round towards zero")

add = _binary("add", _t.add, "Sum")
atan2 = _binary("atan2", _t.atan2, "Quadrant-aware inverse tangent of x1 / x2")
bitwise_and = _binary("bitwise_and", _t.bitwise_and, "Bitwise AND")
bitwise_left_shift = _binary("bitwise_left_shift", _t.bitwise_left_shift, "Left shift")
bitwise_or = _binary("bitwise_or", _t.bitwise_or, "Bitwise OR")
bitwise_right_shift = _binary("bitwise_right_shift", _t.bitwise_right_shift, "Arithmetic right shift")
bitwise_xor = _binary("bitwise_xor", _t.bitwise_xor, "Bitwise XOR")
copysign = _binary("copysign", _copysign, "Magnitude of x1 with the sign of x2")
divide = _binary("divide", _t.div, "True division")
equal = _binary("equal", _t.eq, "x1 == x2")
floor_divide = _binary("floor_divide", _floor_divide, "Floor of x1 / x2")
greater = _binary("greater", _t.gt, "x1 > x2")
greater_equal = _binary("greater_equal", _t.ge, "x1 >= x2")
hypot = _binary("hypot", _t.hypot, "sqrt(x1**2 + x2**2) without overflow")
less = _binary("less", _t.lt, "x1 < x2")
less_equal = _binary("less_equal", _t.le, "x1 <= x2")
logaddexp = _binary("logaddexp", _t.logaddexp, "log(exp(x1) + exp(x2))")
logical_and = _binary("logical_and", _t.logical_and, "Logical AND")
logical_or = _binary("logical_or", _t.logical_or, "Logical OR")
logical_xor = _binary("logical_xor", _t.logical_xor, "Logical XOR")
maximum = _binary("maximum", _t.maximum, "Larger value (NaN propagates)")
minimum = _binary("minimum", _t.minimum, "Smaller value (NaN propagates)")
multiply = _binary("multiply", _t.mul, "Product")
not_equal = _binary("not_equal", _t.ne, "x1 != x2")
pow = _binary("pow", _t.pow, "x1 to the power x2")
remainder = _binary("remainder", _t.remainder, "Remainder with the sign of x2 (Python's %)")
subtract = _binary("subtract", _t.sub, "Difference")


def clip(x: Array, /, min: Array | float | None = None, max: Array | float | None = None) -> Array:
    """``x`` limited to ``[min, max]``; the result keeps ``x``'s dtype.

    Example:
        >>> import tocha.array_api as xp
        >>> xp.clip(xp.asarray([1, 5, 9]), 2, 6)
        tensor([2, 5, 6])
    """
    if min is None and max is None:
        return x.clone()
    result = _t.clamp(x, min, max)
    return result if result._dtype is x._dtype else result.to(x._dtype)


# ---------------------------------------------------------------- indexing, linear algebra


def take(x: Array, indices: Array, /, *, axis: int | None = None) -> Array:
    """Elements of ``x`` at ``indices`` (1-D) along ``axis`` (optional for 1-D ``x``).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.take(xp.asarray([[1, 2], [3, 4]]), xp.asarray([1, 1]), axis=1)
        tensor([[2, 2],
                [4, 4]])
    """
    if axis is None:
        if x.ndim != 1:
            raise ValueError(f"take(): axis is required for a {x.ndim}-D array")
        axis = 0
    return _t.index_select(x, axis, indices)


def matmul(x1: Array, x2: Array, /) -> Array:
    """Matrix product with broadcasting over batch dimensions (1-D operands as vectors).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.matmul(xp.ones((2, 3)), xp.ones(3))
        tensor([3., 3.])
    """
    a, b = _pair("matmul", x1, x2)
    return _t.matmul(a, b)


def matrix_transpose(x: Array, /) -> Array:
    """``x`` with its last two axes swapped (a view).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.matrix_transpose(xp.zeros((4, 2, 3))).shape
        tocha.Size([4, 3, 2])
    """
    if x.ndim < 2:
        raise ValueError(f"matrix_transpose(): expected an array of at least 2 dimensions, got shape {list(x.shape)}")
    return x.mT


def tensordot(x1: Array, x2: Array, /, *, axes: int | tuple[Sequence[int], Sequence[int]] = 2) -> Array:
    """Sum of products over the last ``axes`` axes of ``x1`` and first of ``x2`` (or the listed axes).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.tensordot(xp.ones((2, 3)), xp.ones((3, 4)), axes=1).shape
        tocha.Size([2, 4])
    """
    a, b = _pair("tensordot", x1, x2)
    return _t.tensordot(a, b, dims=axes)


def vecdot(x1: Array, x2: Array, /, *, axis: int = -1) -> Array:
    """Dot product of vectors along ``axis`` (the first operand conjugated), broadcasting the rest.

    Example:
        >>> import tocha.array_api as xp
        >>> xp.vecdot(xp.asarray([[1.0, 2.0], [3.0, 4.0]]), xp.asarray([1.0, 1.0]))
        tensor([3., 7.])
    """
    a, b = _pair("vecdot", x1, x2)
    ndim = builtins.max(a.ndim, b.ndim)
    if not -ndim <= axis < ndim or a.shape[axis] != b.shape[axis]:
        raise ValueError(
            f"vecdot(): axis {axis} must name a dimension of equal size in shapes {list(a.shape)} and {list(b.shape)}"
        )
    if a._dtype.is_complex:
        a = _t.conj(a)
    return _t.sum(a * b, dim=axis)


# ---------------------------------------------------------------- manipulation


def broadcast_arrays(*arrays: Array) -> list[Array]:
    """The arrays broadcast against each other (views).

    Example:
        >>> import tocha.array_api as xp
        >>> [a.shape for a in xp.broadcast_arrays(xp.ones((2, 1)), xp.ones(3))]
        [tocha.Size([2, 3]), tocha.Size([2, 3])]
    """
    return list(_t.broadcast_tensors(*arrays))


def broadcast_to(x: Array, /, shape: tuple[int, ...]) -> Array:
    """``x`` broadcast to ``shape`` (a view).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.broadcast_to(xp.asarray([1, 2]), (2, 2))
        tensor([[1, 2],
                [1, 2]])
    """
    return _t.broadcast_to(x, shape)


def concat(arrays: tuple[Array, ...] | list[Array], /, *, axis: int | None = 0) -> Array:
    """The arrays joined along ``axis`` (flattened first when ``axis`` is None), in their common dtype.

    Example:
        >>> import tocha.array_api as xp
        >>> xp.concat([xp.ones(1, dtype=xp.int8), xp.zeros(1, dtype=xp.int16)])
        tensor([1, 0], dtype=tocha.int16)
    """
    items = _arrays(arrays)
    if axis is None:
        return _t.cat([a.reshape(-1) for a in items], 0)
    return _t.cat(items, axis)


def expand_dims(x: Array, /, *, axis: int = 0) -> Array:
    """``x`` with a new axis of size one at ``axis`` (a view).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.expand_dims(xp.ones((2, 3)), axis=-1).shape
        tocha.Size([2, 3, 1])
    """
    if not -x.ndim - 1 <= axis <= x.ndim:
        raise IndexError(f"expand_dims(): axis {axis} is out of range for an array of {x.ndim} dimensions")
    return _t.unsqueeze(x, axis)


def flip(x: Array, /, *, axis: int | tuple[int, ...] | None = None) -> Array:
    """``x`` with the order of elements reversed along ``axis`` (all axes when None).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.flip(xp.asarray([[1, 2], [3, 4]]))
        tensor([[4, 3],
                [2, 1]])
    """
    return _t.flip(x, tuple(range(x.ndim)) if axis is None else axis)


def moveaxis(x: Array, source: int | tuple[int, ...], destination: int | tuple[int, ...], /) -> Array:
    """``x`` with axes ``source`` moved to positions ``destination`` (a view).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.moveaxis(xp.zeros((2, 3, 4)), 0, -1).shape
        tocha.Size([3, 4, 2])
    """
    return _t.movedim(x, source, destination)


def permute_dims(x: Array, /, axes: tuple[int, ...]) -> Array:
    """``x`` with its axes reordered as ``axes`` (a view).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.permute_dims(xp.zeros((2, 3, 4)), (2, 0, 1)).shape
        tocha.Size([4, 2, 3])
    """
    return _t.permute(x, tuple(axes))


def repeat(x: Array, repeats: int | Array, /, *, axis: int | None = None) -> Array:
    """Each element of ``x`` repeated ``repeats`` times along ``axis`` (of the flattened ``x`` when None).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.repeat(xp.asarray([1, 2]), xp.asarray([2, 1]))
        tensor([1, 1, 2])
    """
    if axis is None:
        x, axis = x.reshape(-1), 0
    return _t.repeat_interleave(x, repeats, dim=axis)


def reshape(x: Array, /, shape: tuple[int, ...], *, copy: _bool | None = None) -> Array:
    """``x`` with a new ``shape``: a view when possible; ``copy=False`` refuses to copy (ValueError).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.reshape(xp.arange(6), (2, -1))
        tensor([[0, 1, 2],
                [3, 4, 5]])
    """
    if copy:
        return _t.reshape(x, tuple(shape)).clone()
    if copy is False:
        try:
            return x.view(tuple(shape))
        except RuntimeError as error:
            raise ValueError(
                f"reshape(): copy=False but shape {list(x.shape)} -> {list(shape)} needs a copy"
            ) from error
    return _t.reshape(x, tuple(shape))


def roll(x: Array, /, shift: int | tuple[int, ...], *, axis: int | tuple[int, ...] | None = None) -> Array:
    """``x`` with elements shifted cyclically by ``shift`` along ``axis`` (flattened when None).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.roll(xp.arange(4), 1)
        tensor([3, 0, 1, 2])
    """
    return _t.roll(x, shift, axis)


def squeeze(x: Array, /, axis: int | tuple[int, ...]) -> Array:
    """``x`` without the size-one axes ``axis`` (ValueError when one of them is not of size one).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.squeeze(xp.zeros((1, 2, 1)), axis=(0, 2)).shape
        tocha.Size([2])
    """
    axes = axis if isinstance(axis, tuple) else (axis,)
    for a in axes:
        if not -x.ndim <= a < builtins.max(x.ndim, 1):
            raise IndexError(f"squeeze(): axis {a} is out of range for an array of {x.ndim} dimensions")
        if x.ndim and x.shape[a] != 1:
            raise ValueError(f"squeeze(): axis {a} of shape {list(x.shape)} has size {x.shape[a]}, not 1")
    return _t.squeeze(x, axes)


def stack(arrays: tuple[Array, ...] | list[Array], /, *, axis: int = 0) -> Array:
    """The arrays (all of one shape) joined along a new axis ``axis``, in their common dtype.

    Example:
        >>> import tocha.array_api as xp
        >>> xp.stack([xp.ones(2), xp.zeros(2)], axis=1)
        tensor([[1., 0.],
                [1., 0.]])
    """
    return _t.stack(_arrays(arrays), axis)


def tile(x: Array, repetitions: tuple[int, ...], /) -> Array:
    """``x`` repeated ``repetitions[i]`` times along each axis.

    Example:
        >>> import tocha.array_api as xp
        >>> xp.tile(xp.asarray([1, 2]), (2,))
        tensor([1, 2, 1, 2])
    """
    return _t.tile(x, tuple(repetitions))


def unstack(x: Array, /, *, axis: int = 0) -> tuple[Array, ...]:
    """The slices of ``x`` along ``axis`` (views).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.unstack(xp.asarray([[1, 2], [3, 4]]), axis=1)
        (tensor([1, 3]), tensor([2, 4]))
    """
    return tuple(_t.unbind(x, axis))


# ---------------------------------------------------------------- searching


def argmax(x: Array, /, *, axis: int | None = None, keepdims: _bool = False) -> Array:
    """Index of the first maximum along ``axis`` (of the flattened array when None).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.argmax(xp.asarray([[1, 5], [7, 2]]), axis=1)
        tensor([1, 0])
    """
    result = _t.argmax(x, dim=axis, keepdim=keepdims)
    return result.reshape((1,) * x.ndim) if axis is None and keepdims else result


def argmin(x: Array, /, *, axis: int | None = None, keepdims: _bool = False) -> Array:
    """Index of the first minimum along ``axis`` (of the flattened array when None).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.argmin(xp.asarray([3, 1, 1]))
        tensor(1)
    """
    result = _t.argmin(x, dim=axis, keepdim=keepdims)
    return result.reshape((1,) * x.ndim) if axis is None and keepdims else result


def nonzero(x: Array, /) -> tuple[Array, ...]:
    """One index array per axis of ``x`` locating its nonzero elements (ValueError for 0-D ``x``).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.nonzero(xp.asarray([0, 3, 0, 4]))
        (tensor([1, 3]),)
    """
    if x.ndim == 0:
        raise ValueError("nonzero(): a 0-D array is not allowed; use expand_dims first")
    return tuple(_t.nonzero(x, as_tuple=True))


def searchsorted(x1: Array, x2: Array, /, *, side: str = "left", sorter: Array | None = None) -> Array:
    """Where each element of ``x2`` would be inserted into the sorted 1-D ``x1`` to keep it sorted.

    Example:
        >>> import tocha.array_api as xp
        >>> xp.searchsorted(xp.asarray([1, 3, 5]), xp.asarray([3, 4]), side="right")
        tensor([2, 2])
    """
    if x1.ndim != 1:
        raise ValueError(f"searchsorted(): x1 must be 1-D, got shape {list(x1.shape)}")
    a, b = _pair("searchsorted", x1, x2)
    return _t.searchsorted(a, b, side=side, sorter=sorter)


def where(condition: Array, x1: Array, x2: Array, /) -> Array:
    """Elements of ``x1`` where ``condition`` is True, else of ``x2`` (broadcast, common dtype).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.where(xp.asarray([True, False]), xp.asarray([1, 2]), xp.asarray([8, 9]))
        tensor([1, 9])
    """
    a, b = _pair("where", x1, x2)
    return _t.where(condition, a, b)  # type: ignore[no-any-return]


# ---------------------------------------------------------------- sets


class UniqueAllResult(NamedTuple):
    """``unique_all``'s result."""

    values: Array
    indices: Array
    inverse_indices: Array
    counts: Array


class UniqueCountsResult(NamedTuple):
    """``unique_counts``'s result."""

    values: Array
    counts: Array


class UniqueInverseResult(NamedTuple):
    """``unique_inverse``'s result."""

    values: Array
    inverse_indices: Array


def unique_all(x: Array, /) -> UniqueAllResult:
    """Sorted unique values of ``x`` with first-occurrence indices, inverse indices (shaped as ``x``) and counts.

    NaNs are all distinct.

    Example:
        >>> import tocha.array_api as xp
        >>> xp.unique_all(xp.asarray([3, 1, 3]))
        UniqueAllResult(values=tensor([1, 3]), indices=tensor([1, 0]), inverse_indices=tensor([1, 0, 1]),
                        counts=tensor([1, 2]))
    """
    values, inverse, counts = _t.unique(x.reshape(-1), sorted=True, return_inverse=True, return_counts=True)
    order = _t.argsort(inverse, stable=True)
    starts = _t.cumsum(counts, 0) - counts
    indices = _t.index_select(order, 0, starts)
    return UniqueAllResult(values, indices, inverse.reshape(x.shape), counts)


def unique_counts(x: Array, /) -> UniqueCountsResult:
    """Sorted unique values of ``x`` and how often each occurs.

    Example:
        >>> import tocha.array_api as xp
        >>> xp.unique_counts(xp.asarray([2, 2, 1]))
        UniqueCountsResult(values=tensor([1, 2]), counts=tensor([1, 2]))
    """
    values, counts = _t.unique(x.reshape(-1), sorted=True, return_counts=True)
    return UniqueCountsResult(values, counts)


def unique_inverse(x: Array, /) -> UniqueInverseResult:
    """Sorted unique values of ``x`` and, shaped as ``x``, the index of each element among them.

    Example:
        >>> import tocha.array_api as xp
        >>> xp.unique_inverse(xp.asarray([[2, 1], [2, 2]])).inverse_indices
        tensor([[1, 0],
                [1, 1]])
    """
    values, inverse = _t.unique(x.reshape(-1), sorted=True, return_inverse=True)
    return UniqueInverseResult(values, inverse.reshape(x.shape))


def unique_values(x: Array, /) -> Array:
    """Sorted unique values of ``x`` (flattened).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.unique_values(xp.asarray([3, 1, 3]))
        tensor([1, 3])
    """
    return _t.unique(x.reshape(-1), sorted=True)  # type: ignore[no-any-return]


# ---------------------------------------------------------------- sorting


def argsort(x: Array, /, *, axis: int = -1, descending: _bool = False, stable: _bool = True) -> Array:
    """Indices that sort ``x`` along ``axis`` (always stable: equal elements keep their order).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.argsort(xp.asarray([2, 1, 2]), descending=True)
        tensor([0, 2, 1])
    """
    return _t.argsort(x, axis, descending, stable=stable)


def sort(x: Array, /, *, axis: int = -1, descending: _bool = False, stable: _bool = True) -> Array:
    """``x`` sorted along ``axis`` (NaNs last in ascending order).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.sort(xp.asarray([3.0, 1.0, 2.0]), descending=True)
        tensor([3., 2., 1.])
    """
    return _t.sort(x, axis, descending, stable=stable).values  # type: ignore[no-any-return]


# ---------------------------------------------------------------- statistics


def _axes(x: Array, axis: int | tuple[int, ...] | None) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(x.ndim))
    axes = axis if isinstance(axis, tuple) else (axis,)
    ndim = builtins.max(x.ndim, 1)
    normal = tuple(a + ndim if a < 0 else a for a in axes)
    if builtins.any(not 0 <= a < ndim for a in normal) or len(set(normal)) != len(normal):
        raise IndexError(f"axis {axis} is out of range or repeated for an array of {x.ndim} dimensions")
    return normal if x.ndim else ()


def _over_one_axis(x: Array, axes: tuple[int, ...]) -> Array:
    """``x`` with ``axes`` moved to the end and merged into one (the last) axis."""
    rest = [i for i in range(x.ndim) if i not in axes]
    moved = _t.permute(x, (*rest, *axes))
    return moved.reshape(*[x.shape[i] for i in rest], -1)


def _keep(result: Array, x: Array, axes: tuple[int, ...], keepdims: _bool) -> Array:
    if not keepdims:
        return result
    return result.reshape([1 if i in axes else s for i, s in enumerate(x.shape)])


def _reduce(
    fn: Callable[..., Array], x: Array, axis: int | tuple[int, ...] | None, keepdims: _bool, **kwargs: Any
) -> Array:
    axes = _axes(x, axis)
    if not axes and x.ndim:
        return fn(x.unsqueeze(-1), dim=-1, **kwargs)
    return _keep(fn(_over_one_axis(x, axes), dim=-1, **kwargs), x, axes, keepdims)


def max(x: Array, /, *, axis: int | tuple[int, ...] | None = None, keepdims: _bool = False) -> Array:
    """Largest element along ``axis`` (all axes when None); NaN propagates.

    Example:
        >>> import tocha.array_api as xp
        >>> xp.max(xp.asarray([[1, 5], [7, 2]]), axis=0)
        tensor([7, 5])
    """
    return _reduce(_t.amax, x, axis, keepdims)


def min(x: Array, /, *, axis: int | tuple[int, ...] | None = None, keepdims: _bool = False) -> Array:
    """Smallest element along ``axis`` (all axes when None); NaN propagates.

    Example:
        >>> import tocha.array_api as xp
        >>> xp.min(xp.asarray([[1, 5], [7, 2]]), axis=(0, 1), keepdims=True)
        tensor([[1]])
    """
    return _reduce(_t.amin, x, axis, keepdims)


def mean(x: Array, /, *, axis: int | tuple[int, ...] | None = None, keepdims: _bool = False) -> Array:
    """Arithmetic mean along ``axis`` (floating-point input).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.mean(xp.asarray([[1.0, 2.0], [3.0, 5.0]]), axis=1)
        tensor([1.5000, 4.0000])
    """
    return _reduce(_t.mean, x, axis, keepdims)


def prod(
    x: Array, /, *, axis: int | tuple[int, ...] | None = None, dtype: DType | None = None, keepdims: _bool = False
) -> Array:
    """Product along ``axis``; integers accumulate in int64 (``dtype`` overrides).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.prod(xp.asarray([2, 3], dtype=xp.int8))
        tensor(6)
    """
    return _reduce(_t.prod, x, axis, keepdims, dtype=dtype)


def sum(
    x: Array, /, *, axis: int | tuple[int, ...] | None = None, dtype: DType | None = None, keepdims: _bool = False
) -> Array:
    """Sum along ``axis``; integers accumulate in int64, floats in their own dtype (``dtype`` overrides).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.sum(xp.asarray([[1, 2], [3, 4]], dtype=xp.int8), axis=1, keepdims=True)
        tensor([[3],
                [7]])
    """
    return _reduce(_t.sum, x, axis, keepdims, dtype=dtype)


def std(
    x: Array, /, *, axis: int | tuple[int, ...] | None = None, correction: float = 0.0, keepdims: _bool = False
) -> Array:
    """Standard deviation along ``axis`` with ``correction`` degrees of freedom subtracted (0: population).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.std(xp.asarray([1.0, 3.0])), xp.std(xp.asarray([1.0, 3.0]), correction=1)
        (tensor(1.), tensor(1.4142))
    """
    return _reduce(_t.std, x, axis, keepdims, correction=correction)


def var(
    x: Array, /, *, axis: int | tuple[int, ...] | None = None, correction: float = 0.0, keepdims: _bool = False
) -> Array:
    """Variance along ``axis`` with ``correction`` degrees of freedom subtracted (0: population).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.var(xp.asarray([1.0, 3.0]))
        tensor(1.)
    """
    return _reduce(_t.var, x, axis, keepdims, correction=correction)


def cumulative_sum(
    x: Array, /, *, axis: int | None = None, dtype: DType | None = None, include_initial: _bool = False
) -> Array:
    """Running sum along ``axis`` (optional for 1-D ``x``); ``include_initial`` prepends a zero.

    Example:
        >>> import tocha.array_api as xp
        >>> xp.cumulative_sum(xp.asarray([1, 2, 3]), include_initial=True)
        tensor([0, 1, 3, 6])
    """
    if axis is None:
        if x.ndim != 1:
            raise ValueError(f"cumulative_sum(): axis is required for a {x.ndim}-D array")
        axis = 0
    result = _t.cumsum(x, axis, dtype=dtype)
    if include_initial:
        shape = list(result.shape)
        shape[axis] = 1
        result = _t.cat([_t.zeros(shape, dtype=result.dtype, device=result.device), result], axis)
    return result


def all(x: Array, /, *, axis: int | tuple[int, ...] | None = None, keepdims: _bool = False) -> Array:
    """Whether every element along ``axis`` is true (nonzero).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.all(xp.asarray([[True, False], [True, True]]), axis=1)
        tensor([False,  True])
    """
    return _reduce(_t.all, x, axis, keepdims)


def any(x: Array, /, *, axis: int | tuple[int, ...] | None = None, keepdims: _bool = False) -> Array:
    """Whether some element along ``axis`` is true (nonzero).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.any(xp.asarray([0, 0, 2]))
        tensor(True)
    """
    return _reduce(_t.any, x, axis, keepdims)


SUPPORTED_DTYPES = tuple(d for d in ALL_DTYPES if d.name not in ("float16", "bfloat16"))
