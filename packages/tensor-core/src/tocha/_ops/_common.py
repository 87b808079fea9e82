"""Argument handling shared by the op families: operands, promotion, devices, shapes."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np

from .. import _float8
from .._device import CPU, device
from .._dispatch import OpRecord, call, register_op
from .._dtype import (
    _BOOL,
    _COMPLEX,
    _FLOAT,
    _INT,
    _PROMOTION,
    _TYPE_NAMES,
    default_complex_dtype,
    dtype,
    from_numpy_dtype,
    get_default_dtype,
    int64,
    promotion_error,
)
from .._dtype import (
    bool as bool_,
)
from .._tensor_base import TensorBase, normalize_dim, wrap

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = [
    "Number",
    "is_tensor",
    "scalar_or_tensor",
    "result_type_of",
    "common_device",
    "cast_operand",
    "prepare_scalar",
    "broadcast_shape",
    "normalize_dim",
    "normalize_dims",
    "float_result_dtype",
    "type_name",
    "to_tensor_list",
]

Number = bool | int | float | complex
_SCALAR_TYPES = (bool, int, float, complex)


@overload
def tensor_arg(
    op: str, value: Any, name: str = ..., position: int | None = ..., *, optional: Literal[False] = ...
) -> Tensor: ...


@overload
def tensor_arg(
    op: str, value: Any, name: str = ..., position: int | None = ..., *, optional: bool
) -> Tensor | None: ...


def tensor_arg(
    op: str, value: Any, name: str = "input", position: int | None = 1, *, optional: bool = False
) -> Tensor | None:
    """``value``, checked to be a tensor (or None, when ``optional``): PyTorch's argument-parser TypeError naming the
    op, the argument and its position (``position=None``: no position) otherwise.

    Example:
        >>> import tocha
        >>> from tocha._ops._common import tensor_arg
        >>> tensor_arg("abs", [1.0])
        Traceback (most recent call last):
        ...
        TypeError: abs(): argument 'input' (position 1) must be Tensor, not list
    """
    if isinstance(value, TensorBase) or (optional and value is None):
        return value  # type: ignore[return-value]
    where = f"argument '{name}'" if position is None else f"argument '{name}' (position {position})"
    raise TypeError(f"{op}(): {where} must be Tensor, not {type(value).__name__}")


def is_tensor(x: object) -> bool:
    """Whether ``x`` is a tocha tensor."""
    return isinstance(x, TensorBase)


def scalar_or_tensor(op: str, x: Any) -> Any:
    """Accept a tensor or Python number as is; turn NumPy values into those.

    NumPy scalars become Python numbers and NumPy arrays become tensors
    sharing their memory; anything else raises PyTorch's TypeError.
    """
    if isinstance(x, np.generic):  # first: np.float64 and np.complex128 subclass float and complex
        return x.item()
    if isinstance(x, (TensorBase, *_SCALAR_TYPES)):
        return x
    if isinstance(x, np.ndarray):
        from_numpy_dtype(x.dtype)
        return wrap(x, CPU)
    raise TypeError(f"{op}(): expected a Tensor or a Number, but got {type(x).__name__}")


def _scalar_kind(x: object) -> dtype:
    if isinstance(x, bool):
        return bool_
    if isinstance(x, int):
        return int64
    if isinstance(x, float):
        return get_default_dtype()
    return default_complex_dtype()


def _combine(higher: dtype | None, lower: dtype | None) -> dtype | None:
    # See NOTE [ Type promotion ] in tocha._dtype.
    if higher is None:
        return lower
    if lower is None or lower.category <= higher.category:
        return higher
    if lower.category == _COMPLEX and higher.category == _FLOAT:
        return higher.to_complex()
    if higher.category == _BOOL and (higher, lower) not in _PROMOTION:  # bool with uint16/32/64, as PyTorch
        raise promotion_error(higher, lower)
    return lower


def result_type_of(*operands: Any) -> dtype:
    """The dtype PyTorch gives an op over ``operands`` (tensors and Python numbers).

    Example:
        >>> import tocha
        >>> from tocha._ops._common import result_type_of
        >>> result_type_of(tocha.ones(2, dtype=tocha.int32), 2.5)
        tocha.float32
    """
    dimensioned: dtype | None = None
    zero_dim: dtype | None = None
    scalar: dtype | None = None
    try:
        for x in operands:
            if isinstance(x, TensorBase):
                d = x._dtype
                if x._data.ndim:
                    dimensioned = d if dimensioned is None else _PROMOTION[dimensioned, d]
                else:
                    zero_dim = d if zero_dim is None else _PROMOTION[zero_dim, d]
            elif x is not None:
                d = _scalar_kind(x)
                scalar = d if scalar is None else _PROMOTION[scalar, d]
    except KeyError:  # only uint16/32/64 with another dtype: NOTE [ Limited unsigned dtypes ]
        previous = dimensioned if x._data.ndim else zero_dim
        raise promotion_error(previous, d) from None  # type: ignore[arg-type]
    found = _combine(dimensioned, _combine(zero_dim, scalar))
    if found is None:
        raise TypeError("result_type(): expected at least one tensor or number")
    return found


def int_argument(op: str, name: str, position: int, value: Any) -> int:
    """``value`` as an int, or PyTorch's TypeError for an argument that must be one (floats and bools are not;
    NumPy integers and integer 0-dim tensors are).

    Example:
        >>> from tocha._ops._common import int_argument
        >>> int_argument("topk", "k", 1, 2)
        2
        >>> int_argument("topk", "k", 1, 2.0)
        Traceback (most recent call last):
            ...
        TypeError: topk(): argument 'k' (position 1) must be int, not float
    """
    if not isinstance(value, bool):
        try:
            return operator.index(value)
        except TypeError:
            pass
    raise TypeError(f"{op}(): argument '{name}' (position {position}) must be int, not {type(value).__name__}")


def type_name(d: dtype) -> str:
    """PyTorch's scalar-type name of ``d`` (``Float``, ``Long``...), as its error messages print it.

    Example:
        >>> import tocha
        >>> from tocha.library import scalar_type_name
        >>> scalar_type_name(tocha.int64), scalar_type_name(tocha.complex64)
        ('Long', 'ComplexFloat')
    """
    return _TYPE_NAMES[d.name]


def float_result_dtype(d: dtype) -> dtype:
    """The dtype of a floating op (exp, sqrt, true division) on dtype ``d``: ints go to the default float."""
    return d if d.category >= _FLOAT else get_default_dtype()


def common_device(op: str, *operands: Any) -> device:
    """The device of the tensors among ``operands``; RuntimeError naming both if they differ.

    Zero-dim CPU tensors may join tensors on another device, as in PyTorch.
    """
    found: device | None = None
    for x in operands:
        if isinstance(x, TensorBase):
            d = x._device
            if found is None or found is d:
                found = d
            elif d is CPU and x._data.ndim == 0:
                continue
            elif found is CPU and _is_cpu_scalar_among(operands, found):
                found = d
            else:
                raise RuntimeError(
                    f"{op}(): Expected all tensors to be on the same device, but found at least two devices, "
                    f"{found} and {d}!"
                )
    return found if found is not None else CPU


def _is_cpu_scalar_among(operands: Sequence[Any], dev: device) -> bool:
    return all(not isinstance(x, TensorBase) or x._device is not dev or x._data.ndim == 0 for x in operands)


def _to_dtype_forward(xp: Any, a: Any, np_dtype: Any) -> Any:
    if np_dtype in _float8.NUMPY_TYPES or a.dtype in _float8.NUMPY_TYPES:  # NOTE [ Float8 dtypes ]
        if xp is not np:
            raise _float8.off_cpu(np_dtype if np_dtype in _float8.NUMPY_TYPES else a.dtype, "cuda")
        return _float8.convert(a, np_dtype)
    return a.astype(np_dtype)


def _to_dtype_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None]:
    source = ctx.input_dtypes[0]
    if grad.dtype.is_complex and not source.is_complex:
        grad = grad.real  # type: ignore[attr-defined]
    return (grad.to(source),)  # type: ignore[attr-defined]


def _to_dtype_jvp(ctx: Any, tangent: Tensor) -> Tensor:
    target = ctx.result.dtype
    if tangent.dtype.is_complex and not target.is_complex:
        tangent = tangent.real  # type: ignore[attr-defined]
    return tangent.to(target)  # type: ignore[attr-defined,no-any-return]


TO_DTYPE = register_op(
    OpRecord(name="to_dtype", forward=_to_dtype_forward, vjp=_to_dtype_vjp, jvp=_to_dtype_jvp, fp_errors=True)
)


def cast_operand(x: Any, to: dtype, dev: device) -> Any:
    """``x`` converted to dtype ``to`` (and onto ``dev`` if it is a CPU scalar tensor); numbers prepared."""
    if isinstance(x, TensorBase):
        if x._device is not dev:
            from .creation import to_device

            x = to_device(x, dev)  # type: ignore[arg-type]
        if x._dtype is to:
            return x
        return call(TO_DTYPE, dev, (x,), (to.numpy_dtype,))
    return prepare_scalar(x, to)


def prepare_scalar(value: Any, to: dtype) -> Any:
    """A Python number ready to meet an array of dtype ``to`` in NumPy.

    Integers that overflow ``to`` wrap around as in PyTorch; numbers meeting
    a bfloat16 or float8 array become scalars of its type (ml_dtypes has no weak promotion).
    """
    if to.category == _INT and type(value) is int:
        low, high = _INT_BOUNDS[to.name]
        if not low <= value <= high:
            return np.array(value).astype(to.numpy_dtype)[()]
        return value
    if to.name == "bfloat16" and to.category == _FLOAT and not isinstance(value, complex):
        return to.numpy_dtype.type(value)
    if to.numpy_dtype in _float8.NUMPY_TYPES:  # rounded (and saturated) as PyTorch: NOTE [ Float8 dtypes ]
        return _float8.convert(np.asarray(value), to.numpy_dtype)[()]
    if to.category == _BOOL and not isinstance(value, bool):
        return bool(value)
    return value


_INT_BOUNDS = {
    name: (int(np.iinfo(name).min), int(np.iinfo(name).max))
    for name in ("uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64")
}


def broadcast_shape(
    op: str, *shapes: tuple[int, ...], error: type[Exception] = RuntimeError, message: str | None = None
) -> tuple[int, ...]:
    """The broadcast of ``shapes``; RuntimeError in PyTorch's words when they don't broadcast.

    ``error`` and ``message`` override the exception type and text; ``message`` is
    formatted (only on failure) with ``{shapes}``, the shapes listed as ``[2], [3]``.

    Example:
        >>> from tocha._ops._common import broadcast_shape
        >>> broadcast_shape("add", (2, 1), (3,))
        (2, 3)
    """
    ndim = max(len(s) for s in shapes)
    result = [1] * ndim
    for k, shape in enumerate(shapes):
        offset = ndim - len(shape)
        for i, size in enumerate(shape):
            current = result[offset + i]
            if size == current or size == 1:
                continue
            if current == 1:
                result[offset + i] = size
                continue
            if message is not None:
                raise error(message.format(shapes=", ".join(str(list(s)) for s in shapes)))
            other = next(j for j in range(k) if len(shapes[j]) - ndim + offset + i >= 0)
            raise error(
                f"{op}(): The size of tensor a ({current}) must match the size of tensor b ({size}) at "
                f"non-singleton dimension {offset + i} (shapes {list(shapes[other])} and {list(shape)})"
            )
    return tuple(result)


def normalize_dims(op: str, dims: int | Sequence[int] | None, ndim: int) -> tuple[int, ...]:
    """``dims`` (int, sequence or None for all) as sorted unique non-negative ints."""
    if dims is None:
        return tuple(range(ndim))
    if isinstance(dims, (int, np.integer)) and not isinstance(dims, bool):
        return (normalize_dim(op, int(dims), ndim),)
    result: list[int] = []
    for d in dims:  # type: ignore[union-attr]
        n = normalize_dim(op, d, ndim)
        if n in result:
            raise RuntimeError(f"{op}(): dim {n} appears multiple times in the list of dims")
        result.append(n)
    return tuple(result)


def to_tensor_list(op: str, tensors: Any) -> list[Tensor]:
    """Check that ``tensors`` is a sequence of tensors (cat, stack...)."""
    if isinstance(tensors, TensorBase) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}(): argument 'tensors' must be tuple of Tensors, not {type(tensors).__name__}")
    for i, t in enumerate(tensors):
        if not isinstance(t, TensorBase):
            raise TypeError(f"{op}(): expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    return list(tensors)  # type: ignore[arg-type]
