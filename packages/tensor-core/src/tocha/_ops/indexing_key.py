"""Parsing of ``Tensor.__getitem__`` / ``__setitem__`` keys into a basic part and an advanced part.

NOTE [ Indexing ]
PyTorch applies an index key in two stages, and so do we:

1. The *basic* stage walks the key left to right: an int selects (and drops)
   a dimension, a slice slices, None inserts a dimension of size 1, Ellipsis
   skips dimensions. Its result is a view, computed by NumPy/CuPy basic
   indexing with a canonical key (a tuple of ints, slices with int bounds,
   None and one Ellipsis). Python bools insert a dimension of size 1 too,
   which the advanced stage then indexes with ``[0]`` (True) or ``[]``
   (False); tensor indices keep their dimensions (``slice(None)``).
2. The *advanced* stage indexes that view with the tensor indices (integer
   tensors and boolean masks) in an aten-style list: one entry per view
   dimension from the left, None where the dimension is not indexed. This is
   NumPy's advanced indexing, including the rule that broadcast index
   dimensions replace the indexed ones in place when the indices are
   adjacent and go first otherwise. Because ints were consumed by stage 1,
   they never take part in that rule: ``x[0, :, [0, 1]]`` has shape
   ``(x.shape[1], 2)`` in PyTorch (NumPy says ``(2, x.shape[1])``).

0-dim integer tensors and NumPy integers act as ints; 0-dim bool tensors as
Python bools. Lists become index tensors, except that PyTorch 2.x still reads
a short list holding a sequence, slice, None, Ellipsis or tensor as a tuple
(with a deprecation warning); we do the same.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .._backend import xp_of
from .._device import CPU
from .._device_checks import check_index_range
from .._tensor_base import TensorBase, values_to_check, wrap
from ._common import broadcast_shape

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = [
    "parse_key",
    "ParsedKey",
    "index_error_type_name",
    "to_index_tensor",
    "check_slice",
    "check_advanced",
    "numpy_key",
    "lift_scalar_masks",
]

_INT_TYPES = (int, np.integer)
_SEQUENCE_AS_TUPLE_WARNING = (
    "Using a non-tuple sequence for multidimensional indexing is deprecated; use x[tuple(seq)] instead of x[seq]."
)


class ParsedKey:
    """A key split into its basic part (a canonical NumPy key) and its advanced part.

    ``basic`` is None when the basic stage is the identity. ``advanced`` is
    None when there are no tensor indices; otherwise a list of index tensors
    (or None), one per view dimension from the left.
    """

    __slots__ = ("advanced", "basic")

    def __init__(self, basic: tuple[Any, ...] | None, advanced: list[Tensor | None] | None) -> None:
        self.basic = basic
        self.advanced = advanced


def index_error_type_name(item: object) -> str:
    """The type name PyTorch prints for an invalid index (``float``, ``numpy.float64``)."""
    cls = type(item)
    module = cls.__module__
    if module == "builtins":
        return cls.__name__
    if module == "numpy":
        return f"numpy.{cls.__name__}"
    return f"{module}.{cls.__qualname__}"


def _invalid(item: object) -> IndexError:
    return IndexError(
        "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices "
        f"(got {index_error_type_name(item)})"
    )


def _list_is_tuple(key: list[Any]) -> bool:
    if len(key) >= 32:
        return False
    for item in key:
        if item is None or item is Ellipsis or isinstance(item, (slice, list, tuple, TensorBase, np.ndarray)):
            return True
    return False


def to_index_tensor(item: Any, dev: Any) -> Tensor:
    """A list / NumPy array / tensor index as a tensor on device ``dev``, with PyTorch's dtype checks."""
    if isinstance(item, TensorBase):
        t: Tensor = item  # type: ignore[assignment]
    else:
        array = np.asarray(item)
        if array.dtype == object:
            raise _invalid(item)
        if isinstance(item, list) and (array.size == 0 or array.dtype.kind == "i"):
            array = array.astype(np.int64)
        t = wrap(array, CPU)
    name = t._dtype.name
    if name not in ("int64", "int32", "bool", "uint8"):
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    if t._device is not dev:
        from .creation import to_device

        t = to_device(t, dev)
    return t


def _slice_bound(value: Any) -> Any:
    if value is None or type(value) is int:
        return value
    if hasattr(value, "__index__"):
        return value.__index__()
    raise TypeError("slice indices must be integers or None or have an __index__ method")


def check_slice(s: slice) -> slice:
    """``s`` with int bounds; PyTorch's ValueError for a step that is not positive."""
    start, stop, step = s.start, s.stop, s.step
    if step is not None:
        step = _slice_bound(step)
        if step <= 0:
            raise ValueError("step must be greater than zero" if step < 0 else "slice step cannot be zero")
    if (start is None or type(start) is int) and (stop is None or type(stop) is int) and s.step is step:
        return s
    return slice(_slice_bound(start), _slice_bound(stop), step)


def _items_of(key: Any) -> tuple[Any, ...]:
    if type(key) is tuple:
        return key  # type: ignore[no-any-return]
    if type(key) is list and _list_is_tuple(key):
        warnings.warn(_SEQUENCE_AS_TUPLE_WARNING, UserWarning, stacklevel=4)
        return tuple(key)
    return (key,)


def parse_key(t: TensorBase, key: Any) -> ParsedKey:
    """Split ``key`` for tensor ``t`` into its basic and advanced parts; raise PyTorch's errors."""
    shape = t._data.shape
    ndim = len(shape)
    dev = t._device
    items = _items_of(key)
    # First pass: classify, count consumed dimensions.
    kinds: list[int] = []  # 0 int, 1 slice, 2 None, 3 Ellipsis, 4 bool scalar, 5 index tensor
    values: list[Any] = []
    consumed = 0
    ellipsis_seen = False
    for item in items:
        if isinstance(item, _INT_TYPES) and not isinstance(item, (bool, np.bool_)):
            kinds.append(0)
            values.append(int(item))
            consumed += 1
        elif type(item) is slice:
            kinds.append(1)
            values.append(check_slice(item))
            consumed += 1
        elif item is None:
            kinds.append(2)
            values.append(None)
        elif item is Ellipsis:
            if ellipsis_seen:
                raise IndexError("an index can only have a single ellipsis ('...')")
            ellipsis_seen = True
            kinds.append(3)
            values.append(Ellipsis)
        elif type(item) is bool:
            kinds.append(4)
            values.append(item)
        elif (
            isinstance(item, TensorBase)
            and item._data.ndim == 0
            and item._dtype.name in ("int64", "int32")
            and item._batched_value is None  # under vmap each entry's int differs: an advanced index (0-dim)
        ):
            kinds.append(0)
            values.append(int(item.item()))
            consumed += 1
        elif isinstance(item, TensorBase) and item._data.ndim == 0 and item._dtype.name == "bool":
            kinds.append(4)
            values.append(bool(item.item()))
        elif isinstance(item, (TensorBase, np.ndarray, list)):
            if isinstance(item, np.ndarray) and item.ndim == 0 and item.dtype.kind in "iub":
                if item.dtype.kind == "b":
                    kinds.append(4)
                    values.append(bool(item))
                    continue
                kinds.append(0)
                values.append(int(item))
                consumed += 1
                continue
            index = to_index_tensor(item, dev)
            if index._dtype.name == "uint8":
                warnings.warn(
                    "indexing with dtype tocha.uint8 is now deprecated, please use a dtype tocha.bool instead.",
                    UserWarning,
                    stacklevel=3,
                )
                index = index.to(dtype=_bool_dtype())  # type: ignore[attr-defined]
            kinds.append(5)
            values.append(index)
            consumed += index._data.ndim if index._dtype.name == "bool" else 1
        else:
            raise _invalid(item)
    if consumed > ndim:
        if ndim == 0 and kinds and kinds[0] in (0, 1):
            if kinds[0] == 0:
                raise IndexError(
                    "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ "
                    "to convert a 0-dim tensor to a number"
                )
            raise IndexError("slice() cannot be applied to a 0-dim tensor.")
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    # Second pass: the canonical basic key and the advanced list (view dimensions).
    basic: list[Any] = []
    advanced: list[Tensor | None] = []
    has_advanced = False
    trivial = True
    dim = 0
    for kind, value in zip(kinds, values, strict=True):
        if kind == 0:
            size = shape[dim]
            if not -size <= value < size:
                raise IndexError(f"index {value} is out of bounds for dimension {dim} with size {size}")
            basic.append(value)
            trivial = False
            dim += 1
        elif kind == 1:
            basic.append(value)
            advanced.append(None)
            if value != _FULL:
                trivial = False
            dim += 1
        elif kind == 2:
            basic.append(None)
            advanced.append(None)
            trivial = False
        elif kind == 3:
            skip = ndim - consumed
            basic.append(Ellipsis)
            advanced.extend([None] * skip)
            dim += skip
        elif kind == 4:
            basic.append(None)
            trivial = False
            has_advanced = True
            advanced.append(_bool_scalar_index(value, dev))
        else:
            has_advanced = True
            advanced.append(value)
            span = value._data.ndim if value._dtype.name == "bool" else 1
            basic.extend([_FULL] * span)
            dim += span
    if not ellipsis_seen:
        basic.append(Ellipsis)
    if not has_advanced:
        return ParsedKey(None if trivial else tuple(basic), None)
    while advanced and advanced[-1] is None:
        advanced.pop()
    return ParsedKey(None if trivial else tuple(basic), advanced)


_FULL = slice(None)


def _bool_dtype() -> Any:
    from .._dtype import bool as bool_

    return bool_


def _bool_scalar_index(value: bool, dev: Any) -> Tensor:
    array = np.zeros(1 if value else 0, dtype=np.int64)
    t = wrap(array, CPU)
    if dev is not CPU:
        from .creation import to_device

        t = to_device(t, dev)
    return t


def check_advanced(
    view_shape: tuple[int, ...], advanced: list[Tensor | None], *, want_shape: bool = False
) -> tuple[int, ...]:
    """Check masks' shapes, integer indices' bounds and that the indices broadcast, as PyTorch does.

    Returns the shape of ``view[advanced]`` when ``want_shape`` (else ``()``). ``advanced`` holds one entry per
    key position: None (one dimension), an integer tensor (one dimension) or
    a k-dim mask (k dimensions).
    """
    dim = 0
    ordinal = 0
    shapes: list[tuple[int, ...]] = []
    positions: list[int] = []
    for position, index in enumerate(advanced):
        if index is None:
            dim += 1
            continue
        data = index._data
        positions.append(position)
        if index._dtype.name == "bool":
            mask_shape = data.shape
            for j, size in enumerate(mask_shape):
                if size != view_shape[dim + j]:
                    raise IndexError(
                        f"The shape of the mask {list(mask_shape)} at index {j} does not match the shape of the "
                        f"indexed tensor {list(view_shape)} at index {dim + j}"
                    )
            # a mask's index shape is its count of True, needed only to broadcast with other indices
            count = int(data.sum()) if want_shape or len(advanced) - advanced.count(None) > 1 else 0
            shapes.extend([(count,)] * data.ndim)
            ordinal += data.ndim
            dim += data.ndim
            continue
        size = view_shape[dim]
        values = values_to_check(index)  # every entry's under vmap: data.shape stays one entry's
        if values.size and not isinstance(values, np.ndarray):
            check_index_range(_xp_of_array(index), values, -size, size, IndexError, _out_of_bounds(ordinal, size))
        elif values.size:
            low = int(values.min())
            high = int(values.max())
            if low < -size or high >= size:
                flat = values.reshape(-1)
                bad = flat[(flat < -size) | (flat >= size)][0]
                raise IndexError(f"index {int(bad)} is out of bounds for dimension {ordinal} with size {size}")
        shapes.append(tuple(data.shape))
        ordinal += 1
        dim += 1
    if not want_shape:
        if len(shapes) > 1:
            _broadcast_index_shapes(shapes)
        return ()
    broadcast = _broadcast_index_shapes(shapes)
    # Where the broadcast dimensions go: in place when the indices are adjacent, first otherwise.
    indexed: list[bool] = []
    for index, span in zip(advanced, _spans(advanced), strict=True):
        indexed.extend([index is not None] * span)
    indexed.extend([False] * (len(view_shape) - len(indexed)))
    kept = tuple(s for s, hit in zip(view_shape, indexed, strict=False) if not hit)
    if positions[-1] - positions[0] + 1 == len(positions):
        start = indexed.index(True)
        return kept[:start] + broadcast + kept[start:]
    return broadcast + kept


def _spans(advanced: list[Any]) -> list[int]:
    return [1 if i is None or i._dtype.name != "bool" else i._data.ndim for i in advanced]


_INDEX_MISMATCH = "shape mismatch: indexing tensors could not be broadcast together with shapes {shapes}"


def _broadcast_index_shapes(shapes: list[tuple[int, ...]]) -> tuple[int, ...]:
    return broadcast_shape("index", *shapes, error=IndexError, message=_INDEX_MISMATCH)


def _out_of_bounds(ordinal: int, size: int) -> Callable[[int], str]:
    return lambda bad: f"index {bad} is out of bounds for dimension {ordinal} with size {size}"


def _xp_of_array(t: TensorBase) -> Any:
    return t._device._xp or xp_of(t._device)


def lift_scalar_masks(xp: Any, indices: list[Any]) -> tuple[tuple[int, ...], list[Any]] | None:
    """For CuPy: where 0-dim boolean masks should become length-1 masks on new unit axes, or None if none.

    A 0-dim mask consumes no dimension and adds one of length 1 or 0. CuPy cannot take it in a key (its
    ``nonzero`` of a 0-dim array is deprecated), so callers insert a unit axis at each returned position
    (``xp.expand_dims``, a view) and index with the returned list, where those masks have shape ``(1,)``.
    """
    if xp is np or not any(i is not None and i.dtype == xp.bool_ and i.ndim == 0 for i in indices):
        return None
    positions: list[int] = []
    lifted: list[Any] = []
    at = 0
    for i in indices:
        if i is not None and i.dtype == xp.bool_ and i.ndim == 0:
            positions.append(at)
            lifted.append(i.reshape(1))
            at += 1
        else:
            lifted.append(i)
            at += 1 if i is None or i.dtype != xp.bool_ else i.ndim
    return tuple(positions), lifted


def numpy_key(xp: Any, indices: list[Any]) -> tuple[Any, ...]:
    """The aten-style index list (arrays or None) as a NumPy/CuPy key tuple.

    CuPy takes boolean masks mixed with other indices poorly, so there masks
    become their ``nonzero`` integer arrays.
    """
    if xp is np:
        return tuple(_FULL if i is None else i for i in indices)
    key: list[Any] = []
    for i in indices:
        if i is None:
            key.append(_FULL)
        elif i.dtype == xp.bool_:
            key.extend(xp.nonzero(i))
        else:
            key.append(i)
    return tuple(key)
