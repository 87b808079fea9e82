"""float8 tensors: conversions with PyTorch's rounding, and the ops that take them.

NOTE [ Float8 dtypes ]
``float8_e4m3fn``, ``float8_e5m2``, ``float8_e4m3fnuz``, ``float8_e5m2fnuz`` and ``float8_e8m0fnu`` are PyTorch's
storage formats for scaled low-precision weights and activations: a tensor can hold them, convert to and from
them, move, index, join, reshape, compare for equality, save and load them, and multiply matrices of them, but
arithmetic refuses them. tocha keeps that set and those semantics, on the CPU (ml_dtypes' NumPy types hold the
bytes; CuPy has no such types, so float8 tensors cannot move to a GPU).

- Conversions go through float32, as PyTorch's do (a float64 or int64 value is rounded to float32 first), then
  round to nearest even. ``float8_e4m3fn`` saturates: finite values and infinities beyond its range give ±448,
  as PyTorch's tensor conversions do (ml_dtypes would give NaN). ``float8_e8m0fnu`` (a power of two: an exponent
  byte) keeps float32's exponent, ignoring the sign, and rounds up from a mantissa of one half (above one half
  for subnormal floats), so zero gives its smallest value 2^-127, and NaN and infinities its NaN. ``float8_e5m2``'s
  NaN is PyTorch's 0x7F (ml_dtypes' is 0x7E). From float8, values go to float32 exactly, then on as float32
  values do, except that NaN of the ``fnuz`` and ``fnu`` types becomes 0 in an integer type, as in PyTorch.
- Promotion with any other dtype raises PyTorch's "Promotion for Float8 Types is not supported" RuntimeError;
  Python numbers do not promote (``x == 1.0`` compares in float8).
- Ops: :data:`OPS` names the registered ops that give float8 results (copies, views, joins, indexing and
  scatters, ``where``, ``abs``, ``matmul`` in float32 rounded once), :data:`OPERAND_OPS` those that also take
  float8 operands (equality, ``isnan``, ``any``, ``all``); ``mul`` of two float8 tensors runs in float32, as
  PyTorch's. Every other op raises PyTorch's NotImplementedError ("\"add\" not implemented for
  'Float8_e4m3fn'"): ``tocha.library.call`` checks an op's float8 results (:func:`check_result`), in-place
  targets and NumPy's refusals of float8 operands outside the common path, which pays nothing for them. Ops
  that read float8 exactly (``argmax``, ``nonzero``, ``searchsorted``, ``gather``...) work where PyTorch's
  kernels happen to refuse them; numbers written into float8 (``fill_``, ``full``, ``x[i] = v``) saturate as
  conversions do, where PyTorch raises for some of them.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from ._dtype import _TYPE_NAMES, FLOAT8_DTYPES, FLOAT8_FROM_NUMPY, float8_e4m3fn, float8_e5m2, float8_e8m0fnu

__all__ = ["NUMPY_TYPES", "OPERAND_OPS", "OPS", "as_strided", "check_result", "convert", "not_implemented", "off_cpu"]

NUMPY_TYPES: frozenset[np.dtype[Any]] = frozenset(d.numpy_dtype for d in FLOAT8_DTYPES)

# The registered ops whose results or in-place targets may be float8 (NOTE [ Float8 dtypes ]).
OPS: frozenset[str] = frozenset({
    "to_dtype", "to_device", "clone", "contiguous", "copy_", "full", "empty", "eye", "tensor",
    "getitem", "setitem", "index", "index_put", "index_copy", "index_fill", "take", "put",
    "gather", "scatter", "masked_fill", "masked_select", "masked_scatter", "where",
    "view_dtype", "reshape", "permute", "expand", "squeeze", "unsqueeze", "unfold", "as_strided", "narrow", "select",
    "diagonal", "diag_embed", "diagonal_scatter", "select_scatter", "slice_scatter", "tril", "triu",
    "cat", "stack", "repeat", "repeat_interleave", "roll", "flip", "real", "conj", "abs", "view", "slice",
    "embedding", "constant_pad_nd", "matmul",
})  # fmt: skip
# ... and those that take float8 operands (their records accept the float8 dtypes).
OPERAND_OPS: frozenset[str] = OPS | {"eq", "ne", "isnan", "any", "all"}

_NAN_TO_ZERO = frozenset(d.numpy_dtype for d in FLOAT8_DTYPES if d.name.endswith(("fnuz", "fnu")))
_E4M3FN_MAX = 448.0
_FLOAT32_HALF_MANTISSA = 1 << 22


def not_implemented(op_name: str, np_dtype: Any) -> NotImplementedError:
    """PyTorch's error for an op that does not take a float8 dtype."""
    name = FLOAT8_FROM_NUMPY[np.dtype(np_dtype)].name
    return NotImplementedError(f"\"{op_name}\" not implemented for '{_TYPE_NAMES[name]}'")


def off_cpu(np_dtype: Any, dev: Any) -> NotImplementedError:
    """The error for a float8 tensor on a device other than the CPU."""
    name = FLOAT8_FROM_NUMPY[np.dtype(np_dtype)].name
    return NotImplementedError(
        f"tocha.{name} tensors live on the CPU only: {dev} has no {name} arrays in tocha (CuPy has no float8 types)"
    )


def check_result(op_name: str, np_dtype: Any) -> Any:
    """The tocha dtype of a float8 result of op ``op_name``; NotImplementedError if the op does not give float8."""
    if op_name not in OPS:
        raise not_implemented(op_name, np_dtype)
    return FLOAT8_FROM_NUMPY[np.dtype(np_dtype)]


def _to_e8m0(values: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """float32 values as float8_e8m0fnu bytes (NOTE [ Float8 dtypes ])."""
    bits = values.view(np.uint32)
    exponent = (bits >> 23) & 0xFF
    guard = (bits & _FLOAT32_HALF_MANTISSA) != 0
    rounded = exponent + (guard & (((bits & (_FLOAT32_HALF_MANTISSA - 1)) != 0) | (exponent != 0)))
    encoded: np.ndarray[Any, Any] = np.minimum(np.where(exponent == 0xFF, 0xFF, rounded), 0xFF).astype(np.uint8)
    return encoded.view(float8_e8m0fnu.numpy_dtype)


def _encode_exactly(values: np.ndarray[Any, Any], target: np.dtype[Any]) -> np.ndarray[Any, Any]:
    """float32 ``values`` as ``target`` with PyTorch's rounding, element by element through ml_dtypes."""
    if target == float8_e8m0fnu.numpy_dtype:
        return _to_e8m0(values)
    if target == float8_e4m3fn.numpy_dtype:
        values = np.clip(values, -_E4M3FN_MAX, _E4M3FN_MAX)
    result: np.ndarray[Any, Any] = values.astype(target)
    if target == float8_e5m2.numpy_dtype:  # PyTorch's NaN is 0x7F (ml_dtypes' 0x7E), with the input's sign
        result.view(np.uint8)[np.isnan(values)] |= 0x7F
    return result


@functools.cache
def _encoding_table(target: np.dtype[Any]) -> np.ndarray[Any, Any]:
    """The float8 byte of every float32 whose low 16 bits are 0 or 1 (see :func:`convert`)."""
    representatives = (np.arange(1 << 16, dtype=np.uint32) << 16).view(np.float32)
    with np.errstate(invalid="ignore", over="ignore"):
        return _encode_exactly(representatives, target).view(np.uint8)


@functools.cache
def _decoding_table(source: np.dtype[Any]) -> np.ndarray[Any, Any]:
    """The float32 value of every byte of float8 type ``source``."""
    return np.arange(256, dtype=np.uint8).view(source).astype(np.float32)


def convert(a: np.ndarray[Any, Any], np_dtype: Any) -> np.ndarray[Any, Any]:
    """``a`` converted to ``np_dtype`` where either side is a float8 type, with PyTorch's rounding.

    Both directions are table lookups. Decoding: the float32 value of each of the 256 bytes. Encoding: a float8
    format keeps at most 3 of float32's 23 mantissa bits, so the rounding of a float32 depends only on its top
    16 bits and on whether any of the 16 below are set: those 17 bits, folded into 16 (the low bits' "any"
    ORed into bit 16, which lies below every rounding position), index a 65536-entry table built once per type
    by the exact conversion. Four times faster than ml_dtypes' element-wise casts.
    """
    target = np.dtype(np_dtype)
    if a.dtype in NUMPY_TYPES:
        source = a.dtype
        a = _take(_decoding_table(source), a.view(np.uint8))
        if target not in NUMPY_TYPES:
            if target.kind in "iu" and source in _NAN_TO_ZERO:
                a[np.isnan(a)] = 0  # PyTorch's conversion of these NaNs to an integer gives 0
            converted: np.ndarray[Any, Any] = a.astype(target)
            return converted
    elif a.dtype != np.float32:
        a = a.astype(np.float32)
    bits = a.view(np.uint32)
    index = bits >> 16
    index |= (bits & 0xFFFF) != 0
    result: np.ndarray[Any, Any] = _take(_encoding_table(target), index).view(target)
    return result


def _take(table: np.ndarray[Any, Any], index: Any) -> np.ndarray[Any, Any]:
    """``table[index]`` laid out as ``index`` is (a conversion keeps a tensor's strides, as PyTorch's do)."""
    out: np.ndarray[Any, Any] = np.empty_like(index, dtype=table.dtype)
    np.take(table, index, out=out)
    return out


def as_strided(xp: Any, array: Any, shape: tuple[int, ...], byte_strides: tuple[int, ...]) -> Any:
    """``xp.lib.stride_tricks.as_strided``, also for float8 arrays (NumPy's array interface, which it goes
    through, cannot describe some of ml_dtypes' types: ``float8_e5m2`` reads back as ``'<f1'``)."""
    if array.dtype in NUMPY_TYPES:
        return xp.lib.stride_tricks.as_strided(array.view(np.uint8), shape, byte_strides).view(array.dtype)
    return xp.lib.stride_tricks.as_strided(array, shape, byte_strides)
