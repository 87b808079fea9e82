"""Tensor creation: from data, filled, ranges, identity; device and dtype moves."""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

import numpy as np

from .. import _float8
from .._backend import copy_to_host, get_backend, xp_of
from .._device import CPU, DeviceLike, device
from .._device import DEFAULT as _DEFAULT_DEVICE
from .._device import EVER_SET as _DEFAULT_EVER_SET
from .._dispatch import OpRecord, OpTest, call, quiet_call, register_op
from .._dtype import (
    _BOOL,
    _COMPLEX,
    _FLOAT,
    _INT,
    default_complex_dtype,
    dtype,
    from_numpy_dtype,
    get_default_dtype,
    int64,
)
from .._dtype import (
    bool as bool_,
)
from .._layout import check_layout
from .._layout import layout as layout_
from .._memory_format import (
    check_memory_format,
    contiguous_format,
    copy_ordered,
    empty_ordered,
    format_order,
    memory_format,
    preserve_format,
    suggest_format,
)
from .._tensor_base import Size, TensorBase, _dim_order, wrap
from . import creation_samples as _samples
from ._common import TO_DTYPE, int_argument, scalar_or_tensor, type_name
from ._scalar_fits import check_scalar_fits

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = [
    "tensor",
    "as_tensor",
    "asarray",
    "from_numpy",
    "zeros",
    "ones",
    "full",
    "empty",
    "zeros_like",
    "ones_like",
    "full_like",
    "empty_like",
    "arange",
    "linspace",
    "logspace",
    "eye",
    "scalar_tensor",
    "empty_strided",
    "resize_as_",
]

ShapeLike = int | Sequence[int]


def resolve_device(dev: DeviceLike | None) -> device:
    """A device argument as a ``tocha.device`` (None → the default device; 'cuda' → the current CUDA device).

    The default device is cpu unless ``tocha.set_default_device`` or ``with tocha.device(...)`` changed it
    (NOTE [ Default device ] in ``tocha._device``).
    """
    if dev is None:
        if not _DEFAULT_EVER_SET[0]:
            return CPU
        dev = _DEFAULT_DEVICE.current
        if dev is None:
            return CPU
    d = device(dev) if not isinstance(dev, int) else device("cuda", dev)
    if d.type == "cpu":
        return CPU  # 'cpu:0' names the one CPU device, as in PyTorch
    if d.index is None:
        return device(d.type, get_backend(d.type).current_device())
    return d


def size_args(op: str, size: tuple[Any, ...]) -> tuple[int, ...]:
    """``zeros(2, 3)`` and ``zeros((2, 3))`` both as ``(2, 3)``, validated."""
    if len(size) == 1 and isinstance(size[0], (list, tuple, np.ndarray)):
        size = tuple(size[0])
    shape: list[int] = []
    for s in size:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer, TensorBase)):
            raise TypeError(
                f"{op}(): argument 'size' must be tuple of ints, but found element of type {type(s).__name__}"
            )
        n = int(s)
        if n < 0:
            raise RuntimeError(f"{op}(): Trying to create tensor with negative dimension {n}: {list(size)}")
        shape.append(n)
    return tuple(shape)


def _finish(t: Tensor, requires_grad: bool) -> Tensor:
    if requires_grad:
        t.requires_grad_(True)
    return t


# ------------------------------------------------------------------ from data


def _upload_forward(xp: Any, host: np.ndarray[Any, Any]) -> Any:
    return host if xp is np else xp.asarray(host)


UPLOAD = register_op(
    OpRecord(
        name="tensor",
        fp_errors=True,
        forward=_upload_forward,
        test=OpTest(samples=_samples.data_samples, reference=_samples.tensor_reference, torch_name="tensor"),
    )
)


def _infer_dtype(data: Any) -> dtype | None:
    """The dtype PyTorch infers for nested Python data (None: take the array's)."""
    category = -1
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, bool):
            category = max(category, _BOOL)
        elif isinstance(item, int):
            category = max(category, _INT)
        elif isinstance(item, float):
            category = max(category, _FLOAT)
        elif isinstance(item, complex):
            category = max(category, _COMPLEX)
        elif isinstance(item, np.ndarray):
            return None
        elif isinstance(item, str):
            raise TypeError("tensor(): invalid data type 'str'")
        else:
            raise RuntimeError(f"Could not infer dtype of {type(item).__name__}")
    return {
        -1: get_default_dtype(),
        _BOOL: bool_,
        _INT: int64,
        _FLOAT: get_default_dtype(),
        _COMPLEX: default_complex_dtype(),
    }[category]


def _is_foreign_array(data: Any) -> bool:
    """Whether ``data`` is another library's array or tensor (PyTorch's, CuPy's, JAX's...)."""
    return any(hasattr(data, name) for name in ("__dlpack__", "__array__", "__array_interface__"))


def _foreign_host_array(op: str, data: Any) -> np.ndarray[Any, Any]:
    """A host copy of another library's array or tensor: through DLPack (which knows bfloat16 and device
    memory), else ``__array__``."""
    if not _is_foreign_array(data):
        raise TypeError(f"{op}(): invalid data type '{type(data).__name__}'")
    if getattr(data, "requires_grad", False) and callable(getattr(data, "detach", None)):
        data = data.detach()  # PyTorch's tensors refuse to export their values while they require grad
    if hasattr(data, "__dlpack__"):
        from .._dlpack import from_dlpack

        try:
            shared = from_dlpack(data)
        except (BufferError, TypeError, RuntimeError):
            pass
        else:
            return np.array(copy_to_host(shared.device.type, shared._data))
    try:
        return np.array(data)
    except (TypeError, ValueError, RuntimeError) as error:
        raise TypeError(
            f"{op}(): could not read the values of a {type(data).__name__} on the host ({error}); for data on a "
            "GPU use tocha.from_dlpack"
        ) from None


def _cast_host(array: np.ndarray[Any, Any], dtype_: dtype) -> np.ndarray[Any, Any]:
    if dtype_.numpy_dtype in _float8.NUMPY_TYPES or array.dtype in _float8.NUMPY_TYPES:
        return quiet_call(_float8.convert, array, dtype_.numpy_dtype)  # type: ignore[no-any-return]
    return quiet_call(array.astype, dtype_.numpy_dtype)  # type: ignore[no-any-return]


def _host_array(op: str, data: Any, dtype_: dtype | None) -> np.ndarray[Any, Any]:
    if isinstance(data, TensorBase):
        host = np.asarray(data.detach().cpu()._data)  # type: ignore[attr-defined]
        return host if dtype_ is None else _cast_host(host, dtype_)
    if isinstance(data, np.ndarray):
        from_numpy_dtype(data.dtype)
        return data if dtype_ is None else _cast_host(data, dtype_)
    if isinstance(data, range):
        data = list(data)
    if isinstance(data, (list, tuple)):
        _check_rectangular(data)
        data = _items(data)
    elif isinstance(data, np.generic):
        return _host_array(op, np.asarray(data), dtype_)  # a NumPy scalar keeps its dtype, as a 0-dim array
    elif not isinstance(data, (bool, int, float, complex)):
        return _host_array(op, _foreign_host_array(op, data), dtype_)
    inferred = _infer_dtype(data)
    target = dtype_ or inferred
    if target is not None and target.numpy_dtype in _float8.NUMPY_TYPES:
        return _cast_host(_host_array(op, data, None), target)
    if dtype_ is not None and inferred is not None and dtype_ is not inferred:
        checked = _checked_numbers(data, inferred, dtype_)
        if checked is not None:
            return checked
    try:
        array: np.ndarray[Any, Any] = quiet_call(np.array, data, None if target is None else target.numpy_dtype)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{op}(): could not convert data of type {type(data).__name__} to a tensor: {exc}") from None
    if target is None:
        from_numpy_dtype(array.dtype)
    return array


def _checked_numbers(data: Any, inferred: dtype, target: dtype) -> np.ndarray[Any, Any] | None:
    """Python numbers converted to ``target`` with PyTorch's checks (None: no check applies): complex numbers
    refused for real types, and integer types given only numbers in their range (a negative integer wraps into
    an unsigned type, as NOTE [ Scalar overflow ] describes)."""
    if inferred.is_complex and not target.is_complex:
        raise TypeError(
            "must be real number, not complex"
            if target.is_floating_point
            else "'complex' object cannot be interpreted as an integer"
        )
    if target.category != _INT:
        return None  # floats overflow to infinity, as PyTorch's
    raw = _exact_numbers(data, inferred)
    if raw.size:
        info = np.iinfo(target.numpy_dtype)
        low, high = raw.min(), raw.max()
        unsigned = info.min == 0
        if raw.dtype.kind == "f":
            fits = bool(np.isfinite(low) and np.isfinite(high) and low >= info.min and high <= info.max)
        else:
            fits = bool(high <= info.max and low >= (-int(info.max) if unsigned else info.min))
        if not fits:
            raise RuntimeError(f"value cannot be converted to type {target.name} without overflow")
    return _cast_host(raw, target)


def _exact_numbers(data: Any, inferred: dtype) -> np.ndarray[Any, Any]:
    """Python numbers as an array that holds them exactly: int64 or uint64 for ints and bools (NumPy would
    round ints past int64 through float64), float64 for floats."""
    if inferred.category > _INT:
        return quiet_call(np.array, data)  # type: ignore[no-any-return]
    try:
        return np.array(data, dtype=np.int64)
    except OverflowError:
        try:
            return np.array(data, dtype=np.uint64)
        except OverflowError:
            raise OverflowError("int too big to convert") from None


def _items(data: Any) -> Any:
    if isinstance(data, (list, tuple)):
        return [_items(x) for x in data]
    if isinstance(data, TensorBase):
        if data._data.ndim:
            return _items(data.tolist())
        return data.item()
    if isinstance(data, np.generic):
        return data.item()
    return data


def _check_rectangular(data: Sequence[Any], dim: int = 0) -> None:
    lengths = {len(x) if isinstance(x, (list, tuple)) else -1 for x in data}
    if len(lengths) > 1:
        first = len(data[0]) if isinstance(data[0], (list, tuple)) else -1
        bad = next(x for x in data if (len(x) if isinstance(x, (list, tuple)) else -1) != first)
        got = len(bad) if isinstance(bad, (list, tuple)) else type(bad).__name__
        raise ValueError(f"expected sequence of length {first} at dim {dim + 1} (got {got})")
    if data and isinstance(data[0], (list, tuple)):
        for x in data:
            _check_rectangular(x, dim + 1)


def tensor(
    data: Any,
    *,
    dtype: dtype | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested sequences, numbers, arrays or tensors).

    Python floats give the default dtype, ints int64, bools bool; NumPy
    arrays keep their dtype.

    Example:
        >>> import tocha
        >>> tocha.tensor([[1, 2], [3, 4]])
        tensor([[1, 2],
                [3, 4]])
        >>> tocha.tensor([1.5, 2]).dtype
        tocha.float32
    """
    if isinstance(data, TensorBase):
        return _copy_of_tensor(data, dtype, device, requires_grad, pin_memory)
    host = _host_array("tensor", data, dtype)
    if isinstance(data, np.ndarray) and host is data:
        host = host.copy()
    dev = resolve_device(device)
    if not host.flags.c_contiguous:
        host = host.copy()
    if pin_memory:
        from .._pinned import pin_memory as pin

        return _finish(pin(wrap(host, CPU)) if dev is CPU else call(UPLOAD, dev, (), (host,)), requires_grad)
    return _finish(call(UPLOAD, dev, (), (host,)), requires_grad)


def _copy_of_tensor(
    data: TensorBase, dtype_: dtype | None, device: DeviceLike | None, requires_grad: bool, pin_memory: bool
) -> Tensor:
    """``tensor(t)``: a detached, contiguous copy of ``t``, on ``t``'s device unless ``device`` or a default device
    names another (PyTorch's rule), copied there directly rather than through the host."""
    target = data._device if device is None and _DEFAULT_DEVICE.current is None else resolve_device(device)
    moved = data.detach().to(device=target, dtype=dtype_ or data._dtype)  # type: ignore[attr-defined]
    copy: Tensor = moved.clone(memory_format=contiguous_format)
    if pin_memory:
        copy = copy.pin_memory()  # type: ignore[attr-defined]
    return _finish(copy, requires_grad)


def as_tensor(data: Any, dtype: dtype | None = None, device: DeviceLike | None = None) -> Tensor:
    """``data`` as a tensor, sharing memory when it already is one (or a CPU NumPy array) of that dtype and device.

    Example:
        >>> import numpy as np, tocha
        >>> a = np.zeros(2)
        >>> t = tocha.as_tensor(a); a[0] = 1
        >>> t
        tensor([1., 0.], dtype=tocha.float64)
    """
    # Under a default device, as_tensor moves even tensors and arrays there, as PyTorch does.
    dev = None if device is None and _DEFAULT_DEVICE.current is None else resolve_device(device)
    if isinstance(data, TensorBase):
        return data.to(device=dev, dtype=dtype)  # type: ignore[attr-defined,no-any-return]
    if isinstance(data, np.ndarray) and (dev is None or dev is CPU):
        from_numpy_dtype(data.dtype)
        t = wrap(data, CPU)
        return t if dtype is None else t.to(dtype)  # type: ignore[attr-defined]
    if hasattr(data, "__dlpack__") and not getattr(data, "requires_grad", False):
        from .._dlpack import from_dlpack

        try:
            shared = from_dlpack(data)  # another library's tensor: its memory, where it lives
        except (BufferError, TypeError, RuntimeError):
            pass
        else:
            return shared.to(device=dev, dtype=dtype)  # type: ignore[attr-defined,no-any-return]
    return tensor(data, dtype=dtype, device=dev)


def asarray(
    obj: Any,
    *,
    dtype: dtype | None = None,
    device: DeviceLike | None = None,
    copy: bool | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """``obj`` as a tensor; shares memory unless ``copy=True`` or a conversion is needed.

    Example:
        >>> import tocha
        >>> t = tocha.ones(2)
        >>> tocha.asarray(t) is t
        True
    """
    if copy:
        result = tensor(obj, dtype=dtype, device=device)
    else:
        result = as_tensor(obj, dtype=dtype, device=device)
        if copy is False and isinstance(obj, TensorBase) and result._data is not obj._data:
            raise ValueError("asarray(): copy=False was given but a copy is needed for the requested dtype or device")
    return _finish(result, requires_grad)


def from_numpy(ndarray: np.ndarray[Any, Any]) -> Tensor:
    """A CPU tensor sharing memory with ``ndarray``.

    Example:
        >>> import numpy as np, tocha
        >>> a = np.arange(3)
        >>> t = tocha.from_numpy(a); t[0] = 9
        >>> a
        array([9, 1, 2])
    """
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    from_numpy_dtype(ndarray.dtype)
    return wrap(ndarray, CPU)


# ------------------------------------------------------------------ filled


def _full_forward(
    xp: Any, shape: tuple[int, ...], value: Any, np_dtype: Any, order: tuple[int, ...] | None = None
) -> Any:
    if order is not None:  # a memory format other than row-major (NOTE [ Memory formats ])
        result = empty_ordered(xp, shape, np_dtype, order)
        if np_dtype in _float8.NUMPY_TYPES:
            value = _float8.convert(np.asarray(value), np_dtype)
        result.fill(value)
        return result
    if value == 0:
        return xp.zeros(shape, np_dtype)  # several times cheaper than full (NumPy's full and ones are Python code)
    if value == 1:
        result = xp.empty(shape, np_dtype)
        result.fill(1)
        return result
    if np_dtype in _float8.NUMPY_TYPES:
        value = _float8.convert(np.asarray(value), np_dtype)  # rounded as PyTorch rounds: NOTE [ Float8 dtypes ]
    return xp.full(shape, value, dtype=np_dtype)


def _empty_forward(xp: Any, shape: tuple[int, ...], np_dtype: Any, order: tuple[int, ...] | None = None) -> Any:
    if order is not None:
        return empty_ordered(xp, shape, np_dtype, order)
    return xp.empty(shape, dtype=np_dtype)


FULL = register_op(
    OpRecord(
        name="full",
        fp_errors=True,
        forward=_full_forward,
        test=OpTest(samples=_samples.full_samples, reference=_samples.full_reference, torch_name="full"),
    )
)
# zeros and ones: the same op as layers see it, without fp_errors (0 and 1 never overflow), which saves ~0.2 µs.
_ZEROS_ONES = OpRecord(name="full", forward=_full_forward)
EMPTY = register_op(
    OpRecord(
        name="empty",
        forward=_empty_forward,
        test=OpTest(
            samples=_samples.empty_samples,
            reference=_samples.empty_reference,
            torch_name="empty",
            skips={
                "forward": "empty's values are uninitialised; test_creation.py checks its shape and dtype",
                "torch": "empty's values are uninitialised; test_creation.py checks its shape and dtype",
            },
        ),
    )
)


def _fill_dtype(value: Any, dtype_: dtype | None) -> dtype:
    if dtype_ is not None:
        return dtype_
    if isinstance(value, bool):
        return bool_
    if isinstance(value, int):
        return int64
    if isinstance(value, complex):
        return default_complex_dtype()
    return get_default_dtype()


def _filled(
    op: str,
    shape: tuple[int, ...],
    value: Any,
    dtype_: dtype | None,
    dev: DeviceLike | None,
    requires_grad: bool,
    order: tuple[int, ...] | None = None,
) -> Tensor:
    d = _fill_dtype(value, dtype_)
    value = check_scalar_fits(value, d, half_range=op != "scalar_tensor")  # NOTE [ Scalar overflow ]
    if d.name == "bfloat16":
        value = float(value)
    params = (shape, value, d.numpy_dtype) if order is None else (shape, value, d.numpy_dtype, order)
    return _finish(call(FULL, resolve_device(dev), (), params), requires_grad)


def zeros(
    *size: Any,
    dtype: dtype | None = None,
    layout: layout_ | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor of zeros with the given shape.

    Example:
        >>> import tocha
        >>> tocha.zeros(2, 3).shape
        tocha.Size([2, 3])
    """
    if layout is not None:
        check_layout("zeros", layout)
    d = dtype or get_default_dtype()
    shape = size_args("zeros", size)
    return _finish(call(_ZEROS_ONES, resolve_device(device), (), (shape, 0, d.numpy_dtype)), requires_grad)


def ones(
    *size: Any,
    dtype: dtype | None = None,
    layout: layout_ | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor of ones with the given shape.

    Example:
        >>> import tocha
        >>> tocha.ones(2, dtype=tocha.int32)
        tensor([1, 1], dtype=tocha.int32)
    """
    if layout is not None:
        check_layout("ones", layout)
    d = dtype or get_default_dtype()
    shape = size_args("ones", size)
    return _finish(call(_ZEROS_ONES, resolve_device(device), (), (shape, 1, d.numpy_dtype)), requires_grad)


def full(
    size: ShapeLike,
    fill_value: Any,
    *,
    dtype: dtype | None = None,
    layout: layout_ | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor filled with ``fill_value``; its dtype follows the value (bool, int64, default float).

    Example:
        >>> import tocha
        >>> tocha.full((2,), 7)
        tensor([7, 7])
    """
    if layout is not None:
        check_layout("full", layout)
    fill_value = scalar_or_tensor("full", fill_value)
    if isinstance(fill_value, TensorBase):
        fill_value = fill_value.item()
    return _filled("full", size_args("full", (size,)), fill_value, dtype, device, requires_grad)


def empty(
    *size: Any,
    dtype: dtype | None = None,
    layout: layout_ | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
    memory_format: memory_format | None = None,
) -> Tensor:
    """An uninitialised tensor with the given shape, laid out in ``memory_format`` (default row-major).

    Raises:
        RuntimeError: ``tocha.preserve_format`` (there is no input to preserve), or a channels-last format
            with a shape of the wrong rank.

    Example:
        >>> import tocha
        >>> tocha.empty(2, 2).shape
        tocha.Size([2, 2])
        >>> tocha.empty(2, 3, 4, 5, memory_format=tocha.channels_last).stride()
        (60, 1, 15, 3)
    """
    if layout is not None:
        check_layout("empty", layout)
    d = dtype or get_default_dtype()
    shape = size_args("empty", size)
    params: tuple[Any, ...] = (shape, d.numpy_dtype)
    if memory_format is not None and memory_format is not contiguous_format:
        fmt = check_memory_format("empty", memory_format)
        if fmt is preserve_format:
            raise RuntimeError("empty(): unsupported memory format Preserve")
        params = (shape, d.numpy_dtype, format_order(fmt, len(shape)))
    return _finish(call(EMPTY, resolve_device(device), (), params), requires_grad)


def _like(t: Tensor, dtype_: dtype | None, dev: DeviceLike | None) -> tuple[tuple[int, ...], dtype, device]:
    if not isinstance(t, TensorBase):
        raise TypeError(f"expected a Tensor as 'input', got {type(t).__name__}")
    return tuple(t._data.shape), dtype_ or t._dtype, t._device if dev is None else resolve_device(dev)


def like_order(op: str, t: Tensor, fmt: memory_format | None) -> tuple[int, ...] | None:
    """The memory order of dimensions a ``*_like(t, memory_format=fmt)`` result takes; None for row-major.

    ``None`` and ``tocha.preserve_format`` keep ``t``'s order of dimensions (its exact strides when it is dense);
    see NOTE [ Memory formats ] in ``tocha._memory_format``.
    """
    if fmt is None or fmt is preserve_format:
        data = t._data
        if data.flags.c_contiguous:
            return None
        order, _ = _dim_order(tuple(data.shape), t.stride())
        return None if order == tuple(range(data.ndim)) else order
    return format_order(check_memory_format(op, fmt), t._data.ndim)


_Factory = TypeVar("_Factory", bound=Callable[..., Any])


def per_vmap_entry(factory: _Factory) -> _Factory:
    """``factory(input, ...)`` (a ``*_like`` factory) that, for a tensor batched by vmap, makes one per entry.

    Inside a vmapped function ``zeros_like(x)`` of a batched ``x`` is batched as ``x`` is (the factory runs on
    its whole batch), as PyTorch's is, so that in-place writes of batched values into it stay batched.

    Example:
        >>> import tocha
        >>> tocha.func.vmap(lambda x: tocha.zeros_like(x).add_(x))(tocha.ones(2, 3)).shape
        tocha.Size([2, 3])
    """

    @functools.wraps(factory)
    def made(input: Any, *args: Any, **kwargs: Any) -> Any:
        value = getattr(input, "_batched_value", None)
        if value is None:
            return factory(input, *args, **kwargs)
        from .._vmap import batched

        return batched(made(value, *args, **kwargs), input._level)

    return cast(_Factory, made)


@per_vmap_entry
def zeros_like(
    input: Tensor,
    *,
    dtype: dtype | None = None,
    layout: layout_ | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
    memory_format: memory_format | None = None,
) -> Tensor:
    """Zeros with ``input``'s shape, dtype and device.

    Example:
        >>> import tocha
        >>> tocha.zeros_like(tocha.ones(2, dtype=tocha.int8))
        tensor([0, 0], dtype=tocha.int8)
    """
    if layout is not None:
        check_layout("zeros_like", layout)
    shape, d, dev = _like(input, dtype, device)
    return _filled("zeros_like", shape, 0, d, dev, requires_grad, like_order("zeros_like", input, memory_format))


@per_vmap_entry
def ones_like(
    input: Tensor,
    *,
    dtype: dtype | None = None,
    layout: layout_ | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
    memory_format: memory_format | None = None,
) -> Tensor:
    """Ones with ``input``'s shape, dtype and device.

    Example:
        >>> import tocha
        >>> tocha.ones_like(tocha.zeros(2))
        tensor([1., 1.])
    """
    if layout is not None:
        check_layout("ones_like", layout)
    shape, d, dev = _like(input, dtype, device)
    return _filled("ones_like", shape, 1, d, dev, requires_grad, like_order("ones_like", input, memory_format))


@per_vmap_entry
def full_like(
    input: Tensor,
    fill_value: Any,
    *,
    dtype: dtype | None = None,
    layout: layout_ | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
    memory_format: memory_format | None = None,
) -> Tensor:
    """``fill_value`` with ``input``'s shape, dtype and device.

    Example:
        >>> import tocha
        >>> tocha.full_like(tocha.zeros(2), 3)
        tensor([3., 3.])
    """
    if layout is not None:
        check_layout("full_like", layout)
    shape, d, dev = _like(input, dtype, device)
    value = scalar_or_tensor("full_like", fill_value)
    return _filled("full_like", shape, value, d, dev, requires_grad, like_order("full_like", input, memory_format))


@per_vmap_entry
def empty_like(
    input: Tensor,
    *,
    dtype: dtype | None = None,
    layout: layout_ | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
    memory_format: memory_format | None = None,
) -> Tensor:
    """An uninitialised tensor with ``input``'s shape, dtype and device.

    Example:
        >>> import tocha
        >>> tocha.empty_like(tocha.zeros(2, 3)).shape
        tocha.Size([2, 3])
    """
    if layout is not None:
        check_layout("empty_like", layout)
    shape, d, dev = _like(input, dtype, device)
    order = like_order("empty_like", input, memory_format)
    params = (shape, d.numpy_dtype) if order is None else (shape, d.numpy_dtype, order)
    return _finish(call(EMPTY, dev, (), params), requires_grad)


def scalar_tensor(
    value: Any, *, dtype: dtype | None = None, layout: layout_ | None = None, device: DeviceLike | None = None
) -> Tensor:
    """A zero-dim tensor holding ``value`` (default float dtype unless given).

    Example:
        >>> import tocha
        >>> tocha.scalar_tensor(3)
        tensor(3.)
    """
    if layout is not None:
        check_layout("scalar_tensor", layout)
    return _filled("scalar_tensor", (), value, dtype or get_default_dtype(), device, False)


def empty_strided(
    size: ShapeLike,
    stride: Sequence[int],
    *,
    dtype: dtype | None = None,
    layout: layout_ | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """An uninitialised tensor with the given size and strides (in elements), a view of a buffer just large enough.

    Strides may overlap (0 broadcasts) or leave gaps; the buffer holds ``1 + sum((size - 1) * stride)``
    elements (none for an empty size).

    Raises:
        RuntimeError: ``size`` and ``stride`` of different lengths, or a negative stride.

    Example:
        >>> import tocha
        >>> x = tocha.empty_strided((2, 3), (1, 2))
        >>> x.shape, x.stride()
        (tocha.Size([2, 3]), (1, 2))
    """
    if layout is not None:
        check_layout("empty_strided", layout)
    shape = size_args("empty_strided", (size,))
    strides = size_args_strides(stride)
    if len(shape) != len(strides):
        raise RuntimeError(
            f"empty_strided(): dimensionality of sizes ({len(shape)}) must match dimensionality of strides "
            f"({len(strides)})"
        )
    if any(s < 0 for s in strides):
        raise RuntimeError(
            f"empty_strided(): Storage size calculation overflowed with sizes={list(shape)} and strides={list(strides)}"
        )
    storage = 0 if 0 in shape else 1 + sum((n - 1) * s for n, s in zip(shape, strides, strict=True))
    d = dtype or get_default_dtype()
    dev = resolve_device(device)
    buffer = call(EMPTY, dev, (), ((storage,), d.numpy_dtype))
    if pin_memory:
        buffer = buffer.pin_memory()
    view = wrap(_strided_view(xp_of(dev), buffer._data, shape, strides), dev, buffer)
    return _finish(view, requires_grad)


def size_args_strides(stride: Any) -> tuple[int, ...]:
    """A ``stride`` argument as a tuple of ints."""
    if not isinstance(stride, (list, tuple)) or any(
        isinstance(s, bool) or not isinstance(s, (int, np.integer)) for s in stride
    ):
        raise TypeError(f"empty_strided(): argument 'stride' must be tuple of ints, not {type(stride).__name__}")
    return tuple(int(s) for s in stride)


def _strided_view(xp: Any, array: Any, shape: tuple[int, ...], strides: tuple[int, ...]) -> Any:
    from .shape_strides import as_strided  # shape_strides imports creation's siblings; keep the import late

    return as_strided(xp, array, shape, strides)


# NOTE [ resize_ ]
# PyTorch's resize_ reinterprets the tensor's storage: the new shape is laid out contiguously from the
# storage offset, so the elements kept are the first ones *in memory order* (a transposed tensor keeps its
# memory order, not its logical one), and storage only grows (new elements uninitialised). tocha's storage
# is the array's buffer: shrinking (or growing a view inside its base's buffer) is a view of the same memory,
# as in PyTorch. Growing a tensor that owns its memory allocates a larger array and copies the old elements;
# tensors that were views of it keep the old memory (in PyTorch they would follow the enlarged storage).
# A view that would grow past its base's memory, or a tensor whose elements are not dense in memory
# (gaps, overlaps), cannot be resized honestly and raises RuntimeError.


def _resize(t: Tensor, shape: tuple[int, ...]) -> Tensor:
    """``t`` resized in place to ``shape``; see NOTE [ resize_ ]."""
    data = t._data
    if tuple(data.shape) == shape:
        return t
    if t._requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    n = 1
    for s in shape:
        n *= s
    order, _ = _dim_order(tuple(data.shape), t.stride())
    dense = data.transpose(order)
    if not dense.flags.c_contiguous:
        raise RuntimeError(
            f"resize_(): tocha cannot resize a tensor whose elements are not dense in memory (size "
            f"{list(data.shape)}, stride {list(t.stride())}) to {list(shape)}; resize a contiguous copy instead"
        )
    flat = dense.reshape(-1)  # the elements in memory order, as PyTorch's storage keeps them
    base = t._base
    if n <= flat.size:
        t._data = flat[:n].reshape(shape)
    elif base is not None:
        root = base._data
        offset = t.storage_offset()
        if not (root.flags.c_contiguous and offset + n <= root.size):
            raise RuntimeError(
                f"resize_(): cannot grow a view of another tensor's storage from {list(data.shape)} to {list(shape)} "
                f"beyond that storage ({root.size} elements): tocha cannot enlarge shared memory in place"
            )
        t._data = root.reshape(-1)[offset : offset + n].reshape(shape)
    else:
        grown = xp_of(t._device).empty((n,), dtype=data.dtype)
        grown[: flat.size] = flat
        t._data = grown.reshape(shape)
    root_t = base if base is not None else t
    root_t._version += 1
    return t


def _shape_preserving_resize(input: Any, shape: tuple[int, ...]) -> Tensor:
    """PyTorch's autograd ``resize``: the same elements in ``shape``."""
    count = math.prod(shape)
    if count != input.numel():
        raise RuntimeError(
            f"requested resize to {'x'.join(map(str, shape))} ({count} elements in total), but the given tensor "
            f"has a size of {'x'.join(map(str, input.shape))} ({input.numel()} elements). autograd's resize can "
            "only change the shape of a given tensor, while preserving the number of elements. "
        )
    return input.contiguous().view(shape)  # type: ignore[no-any-return]


def resize_as_(input: Tensor, the_template: Tensor, *, memory_format: Any = None) -> Tensor:
    """``input.resize_as_(the_template)``: resize ``input`` in place to ``the_template``'s shape.

    Example:
        >>> import tocha
        >>> tocha.resize_as_(tocha.arange(6.0), tocha.zeros(2, 2))
        tensor([[0., 1.],
                [2., 3.]])
    """
    if not isinstance(input, TensorBase):
        raise TypeError(f"resize_as_(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return input.resize_as_(the_template)  # type: ignore[attr-defined,no-any-return]


def _python_scalar_caster(op: str, d: dtype) -> Any:
    """How ``apply_``/``map_`` store a callable's result: PyTorch's conversion to the tensor's dtype."""

    def cast(value: Any) -> Any:
        if isinstance(value, TensorBase):
            value = value.item()
        if d.is_complex:
            if not isinstance(value, (int, float, complex, np.number, bool)):
                raise TypeError(f"{op}(): must be complex number, not {type(value).__name__}")
            return complex(value)
        if not isinstance(value, (int, float, np.integer, np.floating, bool, np.bool_)):
            raise TypeError(f"{op}(): must be real number, not {type(value).__name__}")
        if d.category == _BOOL:
            return bool(value)
        if d.category == _INT:
            return int(value)
        return float(value)

    return cast


def _apply_python(t: Tensor, op: str, fn: Any, *others: Tensor) -> Tensor:
    if t._device.type != "cpu":
        raise TypeError(f"{op} is only implemented on CPU tensors (got a tensor on {t._device})")
    if t._requires_grad:
        raise RuntimeError(f"Can't call {op}() on Variable that requires grad. Use var.detach().{op}() instead.")
    cast = _python_scalar_caster(op, t._dtype)
    columns = [t._data.reshape(-1).tolist()]
    for other in others:
        columns.append(other.expand(t._data.shape)._data.reshape(-1).tolist())
    values = [cast(fn(*items)) for items in zip(*columns, strict=True)]
    t._data[...] = np.asarray(values, dtype=t._data.dtype).reshape(t._data.shape)
    root = t._base if t._base is not None else t
    root._version += 1
    return t


# ------------------------------------------------------------------ ranges


def _arange_forward(xp: Any, start: Any, end: Any, step: Any, np_dtype: Any) -> Any:
    if np.dtype(np_dtype).kind in "iu" and all(isinstance(v, int) for v in (start, end, step)):
        # in int64, then cast: CuPy refuses a step (or bound) its unsigned dtype cannot hold (a negative step)
        return xp.arange(start, end, step, dtype=np.int64).astype(np_dtype, copy=False)
    # Computed in double precision (start + i * step), then rounded, as PyTorch does.
    return xp.arange(start, end, step, dtype=np.float64).astype(np_dtype)


def _linspace_forward(xp: Any, start: float, end: float, steps: int, np_dtype: Any) -> Any:
    return xp.linspace(start, end, steps, dtype=_spacing_dtype(np_dtype)).astype(np_dtype)


def _logspace_forward(xp: Any, start: float, end: float, steps: int, base: float, np_dtype: Any) -> Any:
    return xp.logspace(start, end, steps, base=base, dtype=_spacing_dtype(np_dtype)).astype(np_dtype)


def _spacing_dtype(np_dtype: Any) -> Any:
    """Where linspace/logspace compute: complex128 for complex results, else float64."""
    return np.complex128 if np.dtype(np_dtype).kind == "c" else np.float64


def _eye_forward(xp: Any, n: int, m: int, np_dtype: Any) -> Any:
    return xp.eye(n, m, dtype=np_dtype)


ARANGE = register_op(
    OpRecord(
        name="arange",
        fp_errors=True,
        forward=_arange_forward,
        test=OpTest(samples=_samples.arange_samples, reference=_samples.arange_reference, torch_name="arange"),
    )
)
LINSPACE = register_op(
    OpRecord(
        name="linspace",
        fp_errors=True,
        forward=_linspace_forward,
        test=OpTest(samples=_samples.linspace_samples, reference=_samples.linspace_reference, torch_name="linspace"),
    )
)
LOGSPACE = register_op(
    OpRecord(
        name="logspace",
        fp_errors=True,
        forward=_logspace_forward,
        test=OpTest(samples=_samples.logspace_samples, reference=_samples.logspace_reference, torch_name="logspace"),
    )
)
EYE = register_op(
    OpRecord(
        name="eye",
        fp_errors=True,
        forward=_eye_forward,
        test=OpTest(samples=_samples.eye_samples, reference=_samples.eye_reference, torch_name="eye"),
    )
)


def _number(op: str, name: str, x: Any) -> Any:
    x = scalar_or_tensor(op, x)
    if isinstance(x, TensorBase):
        return x.item()
    return x


def arange(
    start: Any,
    end: Any = None,
    step: Any = 1,
    *,
    dtype: dtype | None = None,
    layout: layout_ | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """Values from ``start`` up to (not including) ``end`` spaced by ``step``.

    int64 when all arguments are integers, the default float dtype otherwise.

    Example:
        >>> import tocha
        >>> tocha.arange(5)
        tensor([0, 1, 2, 3, 4])
        >>> tocha.arange(0, 1, 0.25)
        tensor([0.0000, 0.2500, 0.5000, 0.7500])
    """
    if layout is not None:
        check_layout("arange", layout)
    if end is None:
        start, end = 0, start
    start, end, step = (_number("arange", n, v) for n, v in (("start", start), ("end", end), ("step", step)))
    if not (math.isfinite(start) and math.isfinite(end)):
        raise RuntimeError(f"unsupported range: {start} -> {end}")
    if step == 0:
        raise RuntimeError("arange(): step must be nonzero")
    if (end - start) * step < 0 and end != start:
        raise RuntimeError(
            f"arange(): upper bound and lower bound inconsistent with step sign (start={start}, end={end}, step={step})"
        )
    all_int = all(isinstance(v, int) for v in (start, end, step))
    d = dtype or (int64 if all_int else get_default_dtype())
    if d.category in (_BOOL, _COMPLEX):
        raise NotImplementedError(f"arange(): not implemented for '{type_name(d)}'")
    return _finish(call(ARANGE, resolve_device(device), (), (start, end, step, d.numpy_dtype)), requires_grad)


def linspace(
    start: Any,
    end: Any,
    steps: int,
    *,
    dtype: dtype | None = None,
    layout: layout_ | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """``steps`` values evenly spaced from ``start`` to ``end`` inclusive.

    Example:
        >>> import tocha
        >>> tocha.linspace(0, 1, 5)
        tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
    """
    if layout is not None:
        check_layout("linspace", layout)
    steps = int_argument("linspace", "steps", 3, steps)
    if steps < 0:
        raise RuntimeError(f"linspace(): number of steps must be non-negative, got {steps}")
    start, end = _number("linspace", "start", start), _number("linspace", "end", end)
    d = _spaced_dtype("linspace", start, end, dtype)
    return _finish(call(LINSPACE, resolve_device(device), (), (start, end, int(steps), d.numpy_dtype)), requires_grad)


def _spaced_dtype(op: str, start: Any, end: Any, dtype_: dtype | None) -> dtype:
    """linspace's and logspace's dtype: the one asked for, else the default (complex when an end is complex)."""
    inferred = default_complex_dtype() if isinstance(start, complex) or isinstance(end, complex) else None
    if dtype_ is None:
        return inferred or get_default_dtype()
    if inferred is not None and not dtype_.is_complex:
        raise RuntimeError(f"{op}(): inferred dtype {inferred.name} can't be safely cast to passed dtype {dtype_.name}")
    return dtype_


def logspace(
    start: Any,
    end: Any,
    steps: int,
    base: float = 10.0,
    *,
    dtype: dtype | None = None,
    layout: layout_ | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """``steps`` values from ``base**start`` to ``base**end``, evenly spaced in log scale.

    Example:
        >>> import tocha
        >>> tocha.logspace(0, 2, 3)
        tensor([  1.,  10., 100.])
    """
    if layout is not None:
        check_layout("logspace", layout)
    steps = int_argument("logspace", "steps", 3, steps)
    if steps < 0:
        raise RuntimeError(f"logspace(): number of steps must be non-negative, got {steps}")
    start, end = _number("logspace", "start", start), _number("logspace", "end", end)
    d = _spaced_dtype("logspace", start, end, dtype)
    return _finish(
        call(LOGSPACE, resolve_device(device), (), (start, end, int(steps), float(base), d.numpy_dtype)), requires_grad
    )


def eye(
    n: int,
    m: int | None = None,
    *,
    dtype: dtype | None = None,
    layout: layout_ | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """An ``n`` by ``m`` matrix with ones on the diagonal.

    Example:
        >>> import tocha
        >>> tocha.eye(2)
        tensor([[1., 0.],
                [0., 1.]])
    """
    if layout is not None:
        check_layout("eye", layout)
    m = n if m is None else m
    if n < 0:
        raise RuntimeError(f"eye(): n must be greater or equal to 0, got {n}")
    if m < 0:
        raise RuntimeError(f"eye(): m must be greater or equal to 0, got {m}")
    d = dtype or get_default_dtype()
    return _finish(call(EYE, resolve_device(device), (), (int(n), int(m), d.numpy_dtype)), requires_grad)


# ------------------------------------------------------------------ moves


def _to_device_forward(xp: Any, a: Any, source: device, target: device, non_blocking: bool = False) -> Any:
    if source is target:
        return a.copy()
    host = a if source is CPU else copy_to_host(source.type, a)
    if target is CPU:
        return np.array(host, copy=host is a)
    backend = get_backend(target.type)
    if non_blocking and host is a and host.flags.c_contiguous:
        return backend.from_host_async(host, target.index)
    return backend.from_host(host if host.flags.c_contiguous else host.copy(), target.index)


def _to_device_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    source, _ = ctx.params
    return (to_device(grad, source),)


TO_DEVICE = register_op(
    OpRecord(
        name="to_device",
        forward=_to_device_forward,
        vjp=_to_device_vjp,
        test=OpTest(samples=_samples.to_device_samples, reference=_samples.to_device_reference),
    )
)


def to_device(t: Tensor, dev: device, non_blocking: bool = False) -> Tensor:
    """A copy of ``t`` on device ``dev`` (``t`` itself when it is already there).

    ``non_blocking``: a host-to-device copy from pinned memory is queued on the current stream and the call
    returns at once (``Backend.from_host_async``); otherwise the copy is done when the call returns.
    """
    if t._device is dev:
        return t
    xp_of(dev)  # raise the backend's own error (e.g. CuPy missing) before running
    if dev.type != "cpu" and t._dtype.numpy_dtype in _float8.NUMPY_TYPES:
        raise _float8.off_cpu(t._dtype.numpy_dtype, dev)
    params = (t._device, dev, True) if non_blocking else (t._device, dev)
    return call(TO_DEVICE, dev, (t,), params)  # type: ignore[no-any-return]


def to_dtype(t: Tensor, d: dtype, *, copy: bool = False) -> Tensor:
    """``t`` converted to dtype ``d`` (``t`` itself when already of that dtype and no copy is asked)."""
    if t._dtype is d:
        return t.clone() if copy else t  # type: ignore[attr-defined,no-any-return]
    return call(TO_DTYPE, t._device, (t,), (d.numpy_dtype,))  # type: ignore[no-any-return]


def _clone_forward(xp: Any, a: Any, order: tuple[int, ...] | None = None) -> Any:
    if order is None and not a.flags.c_contiguous and 0 in a.strides:
        # NumPy's order='K' puts a broadcast (stride-0) dimension innermost; PyTorch's order keeps row-major
        # order around it (an expanded tensor clones to contiguous strides)
        sizes = tuple(a.shape)
        if any(stride == 0 and size > 1 for stride, size in zip(a.strides, sizes, strict=True)):
            found, _ = _dim_order(sizes, tuple(s // a.itemsize for s in a.strides))
            if found == tuple(range(a.ndim)):
                return a.copy(order="C")
            order = found
    return copy_ordered(xp, a, order)


def _clone_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (grad,)


CLONE = register_op(
    OpRecord(
        name="clone",
        forward=_clone_forward,
        vjp=_clone_vjp,
        test=OpTest(samples="unary", reference=np.copy, torch_name="clone"),
    )
)


def clone_as(t: Tensor, fmt: memory_format | None, op: str = "clone") -> Tensor:
    """A copy of ``t`` (recorded by autograd) laid out in ``fmt`` (None: preserve); see NOTE [ Memory formats ]."""
    if fmt is None or fmt is preserve_format:
        return call(CLONE, t._device, (t,), ())  # type: ignore[no-any-return]
    order = format_order(check_memory_format(op, fmt), t._data.ndim) or tuple(range(t._data.ndim))
    return call(CLONE, t._device, (t,), (order,))  # type: ignore[no-any-return]


def _parse_to(args: tuple[Any, ...], kwargs: dict[str, Any], current: Tensor) -> tuple[device, dtype, bool, bool]:
    dev: Any = kwargs.pop("device", None)
    dtype_: Any = kwargs.pop("dtype", None)
    copy = bool(kwargs.pop("copy", False))
    non_blocking = bool(kwargs.pop("non_blocking", False))
    if kwargs:
        raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
    positional = list(args)
    if positional and isinstance(positional[0], TensorBase):
        other = positional.pop(0)
        dev, dtype_ = other._device, other._dtype
    elif positional and isinstance(positional[0], (str, device, int)) and not isinstance(positional[0], bool):
        dev = positional.pop(0)
    if positional and isinstance(positional[0], dtype):
        dtype_ = positional.pop(0)
    if positional and isinstance(positional[0], bool):
        non_blocking = positional.pop(0)
        if positional and isinstance(positional[0], bool):
            copy = positional.pop(0)
    if positional:
        raise TypeError(f"to() received an invalid combination of arguments: {args!r}")
    target_device = current._device if dev is None else resolve_device(dev)
    return target_device, dtype_ or current._dtype, copy, non_blocking


class CreationMethods:
    """Tensor methods that convert between devices and dtypes or make new tensors."""

    __slots__ = ()

    def to(self: Any, *args: Any, **kwargs: Any) -> Tensor:
        """This tensor on another device and/or dtype: ``to(device, dtype)``, ``to(dtype)``, ``to(other)``.

        Returns ``self`` when nothing changes and ``copy`` is False. The keyword ``memory_format``
        (default ``tocha.preserve_format``) lays the result out in that format (NOTE [ Memory formats ]).

        Raises:
            RuntimeError: a channels-last format for a tensor of the wrong rank.
            TypeError: an unknown keyword, or ``memory_format`` that is not a ``tocha.memory_format``.

        Example:
            >>> import tocha
            >>> tocha.ones(2).to(tocha.int64)
            tensor([1, 1])
            >>> tocha.ones(1, 3, 2, 2).to(memory_format=tocha.channels_last).stride()
            (12, 1, 6, 3)
        """
        fmt = kwargs.pop("memory_format", None) if kwargs else None
        dev, d, copy, non_blocking = _parse_to(args, kwargs, self)
        result = to_dtype(to_device(self, dev, non_blocking), d)
        if fmt is not None and fmt is not preserve_format:
            if not isinstance(fmt, memory_format):
                raise TypeError(
                    f"to() received an invalid combination of arguments - got (memory_format={type(fmt).__name__}): "
                    "'memory_format' must be tocha.memory_format"
                )
            order = format_order(fmt, self._data.ndim) or tuple(range(self._data.ndim))
            if suggest_format(tuple(result._data.shape), result.stride()) is not fmt:  # as PyTorch: else alias
                return call(CLONE, result._device, (result,), (order,))  # type: ignore[no-any-return]
        if copy and result is self:
            return self.clone()  # type: ignore[no-any-return]
        return result

    def cpu(self: Any) -> Tensor:
        """This tensor in host memory.

        Example:
            >>> import tocha
            >>> tocha.ones(1).cpu().device
            device(type='cpu')
        """
        return to_device(self, CPU)

    def cuda(self: Any, device: DeviceLike | None = None, non_blocking: bool = False) -> Tensor:
        """This tensor on a CUDA device (the current one unless ``device`` is given)."""
        target = resolve_device(
            "cuda" if device is None else device if not isinstance(device, int) else f"cuda:{device}"
        )
        return to_device(self, target, non_blocking)

    def pin_memory(self: Any, device: Any = None) -> Tensor:
        """A copy of this CPU tensor in page-locked (pinned) host memory, for fast host-to-GPU copies.

        Returns ``self`` when it is already pinned. Pinned memory comes from CuPy
        (``cupy.cuda.alloc_pinned_memory``), so it needs CUDA.

        Raises:
            RuntimeError: the tensor is not on the CPU, or CUDA is not available.
        """
        from .._pinned import pin_memory

        return pin_memory(self)

    def is_pinned(self: Any, device: Any = None) -> bool:
        """Whether this tensor lives in page-locked (pinned) host memory (always False without CUDA).

        Example:
            >>> import tocha
            >>> tocha.ones(2).is_pinned()
            False
        """
        from .._pinned import is_pinned

        return is_pinned(self)

    def type(self: Any, dtype: Any = None) -> Any:
        """The type name (``'tocha.FloatTensor'``) or, with ``dtype`` (a dtype, a legacy tensor type such as
        ``tocha.cuda.FloatTensor``, or its name, ``'torch.LongTensor'``), a converted tensor.

        Example:
            >>> import tocha
            >>> x = tocha.ones(2)
            >>> x.type(), x.type(tocha.LongTensor).dtype, x.type("torch.ByteTensor").dtype
            ('tocha.FloatTensor', tocha.int64, tocha.uint8)
        """
        if dtype is None:
            prefix = "tocha." if self._device.type == "cpu" else f"tocha.{self._device.type}."
            return f"{prefix}{type_name(self._dtype)}Tensor"
        from .legacy_types import from_type_name, tensortype

        target = from_type_name(dtype) if isinstance(dtype, str) else dtype
        if isinstance(dtype, str) and target is None:
            raise ValueError(f"invalid type: '{dtype}'")
        if isinstance(target, tensortype):  # NOTE [ Legacy tensor types ]: a dtype and a device type
            if isinstance(self, target):
                return self
            return self.to(device="cuda" if target.is_cuda else "cpu", dtype=target.dtype)
        dtype = target
        return to_dtype(self, dtype)  # type: ignore[arg-type]

    def type_as(self: Any, other: Tensor) -> Tensor:
        """This tensor converted to ``other``'s dtype."""
        return to_dtype(self, other._dtype)

    def clone(self: Any, *, memory_format: memory_format | None = preserve_format) -> Tensor:
        """A copy with its own memory (recorded by autograd), laid out in ``memory_format``.

        The default ``tocha.preserve_format`` keeps this tensor's strides when its elements are dense
        (else its order of dimensions); see NOTE [ Memory formats ] in ``tocha._memory_format``.

        Raises:
            RuntimeError: a channels-last format for a tensor of the wrong rank.
            TypeError: ``memory_format`` is not a ``tocha.memory_format``.

        Example:
            >>> import tocha
            >>> a = tocha.zeros(2); b = a.clone(); b[0] = 1
            >>> a
            tensor([0., 0.])
            >>> tocha.zeros(2, 3).t().clone().stride()
            (1, 3)
        """
        if memory_format is preserve_format:
            return call(CLONE, self._device, (self,), ())  # type: ignore[no-any-return]
        return clone_as(self, memory_format)

    def copy_(self: Any, src: Any, non_blocking: bool = False) -> Tensor:
        """Copy ``src`` (broadcast, any dtype or device) into this tensor's memory.

        Example:
            >>> import tocha
            >>> tocha.zeros(2, 2).copy_(tocha.tensor([1, 2]))
            tensor([[1., 2.],
                    [1., 2.]])
        """
        return copy_into(self, src)

    def fill_(self: Any, value: Any) -> Tensor:
        """Set every element to ``value`` (a number or a 0-dim tensor), in place.

        Example:
            >>> import tocha
            >>> tocha.zeros(2, 2).fill_(3)
            tensor([[3., 3.],
                    [3., 3.]])
        """
        if isinstance(value, TensorBase):
            if value._data.ndim != 0:
                raise RuntimeError(
                    f"fill_ only supports 0-dimension value tensor but got tensor with {value._data.ndim} dimensions."
                )
        else:
            value = check_scalar_fits(value, self._dtype)  # NOTE [ Scalar overflow ]
        return copy_into(self, value)

    def zero_(self: Any) -> Tensor:
        """Set every element to zero, in place.

        Example:
            >>> import tocha
            >>> tocha.ones(3).zero_()
            tensor([0., 0., 0.])
        """
        return copy_into(self, 0)

    def detach(self: Any) -> Tensor:
        """A tensor sharing this one's memory, cut from autograd history.

        Example:
            >>> import tocha
            >>> tocha.ones(2).detach().requires_grad
            False
        """
        return wrap(self._data, self._device, self._base if self._base is not None else self)

    def new_tensor(
        self: Any,
        data: Any,
        *,
        dtype: dtype | None = None,
        device: DeviceLike | None = None,
        requires_grad: bool = False,
    ) -> Tensor:
        """A new tensor from ``data`` with this tensor's dtype and device by default."""
        return tensor(data, dtype=dtype or self._dtype, device=device or self._device, requires_grad=requires_grad)

    def new_zeros(
        self: Any,
        *size: Any,
        dtype: dtype | None = None,
        layout: layout_ | None = None,
        device: DeviceLike | None = None,
        requires_grad: bool = False,
    ) -> Tensor:
        """Zeros of the given size with this tensor's dtype and device by default."""
        return zeros(
            *size, dtype=dtype or self._dtype, layout=layout, device=device or self._device, requires_grad=requires_grad
        )

    def new_ones(
        self: Any,
        *size: Any,
        dtype: dtype | None = None,
        layout: layout_ | None = None,
        device: DeviceLike | None = None,
        requires_grad: bool = False,
    ) -> Tensor:
        """Ones of the given size with this tensor's dtype and device by default."""
        return ones(
            *size, dtype=dtype or self._dtype, layout=layout, device=device or self._device, requires_grad=requires_grad
        )

    def new_full(
        self: Any,
        size: ShapeLike,
        fill_value: Any,
        *,
        dtype: dtype | None = None,
        layout: layout_ | None = None,
        device: DeviceLike | None = None,
        requires_grad: bool = False,
    ) -> Tensor:
        """``fill_value`` of the given size with this tensor's dtype and device by default."""
        return full(
            size,
            fill_value,
            dtype=dtype or self._dtype,
            layout=layout,
            device=device or self._device,
            requires_grad=requires_grad,
        )

    def new_empty(
        self: Any,
        *size: Any,
        dtype: dtype | None = None,
        layout: layout_ | None = None,
        device: DeviceLike | None = None,
        requires_grad: bool = False,
    ) -> Tensor:
        """An uninitialised tensor of the given size with this tensor's dtype and device by default."""
        return empty(
            *size, dtype=dtype or self._dtype, layout=layout, device=device or self._device, requires_grad=requires_grad
        )

    def new(self: Any, *args: Any, device: DeviceLike | None = None) -> Tensor:
        """PyTorch's legacy constructor with this tensor's dtype: ``x.new(2, 3)``, ``x.new([1, 2])``, ``x.new()``.

        Sizes (ints or a ``tocha.Size``) give an uninitialised tensor; a list or tuple gives a tensor of that
        data; a tensor of the same dtype is returned as an alias sharing its memory.

        Raises:
            TypeError: a tensor of another dtype, or arguments that are neither sizes nor data.

        Example:
            >>> import tocha
            >>> x = tocha.zeros(1, dtype=tocha.int32)
            >>> x.new([1, 2]), x.new(2, 3).shape, x.new().shape
            (tensor([1, 2], dtype=tocha.int32), tocha.Size([2, 3]), tocha.Size([0]))
        """
        dev = self._device if device is None else resolve_device(device)
        if not args:
            return empty(0, dtype=self._dtype, device=dev)
        first = args[0]
        if len(args) == 1 and isinstance(first, TensorBase):
            if first._dtype is not self._dtype:
                raise TypeError(f"new(): expected a tensor of dtype {self._dtype} (got one of dtype {first._dtype})")
            return wrap(first._data, first._device, first._base if first._base is not None else first)  # type: ignore[arg-type]
        if len(args) == 1 and isinstance(first, (list, tuple, np.ndarray)) and not isinstance(first, Size):
            return tensor(first, dtype=self._dtype, device=dev)
        if len(args) == 1 and isinstance(first, (float, complex)):
            raise TypeError(f"new(): data must be a sequence (got {type(first).__name__})")
        if len(args) == 1 and isinstance(first, str):
            raise TypeError("new(): invalid data type 'str'")
        return empty(*size_args("new", args), dtype=self._dtype, device=dev)

    def new_empty_strided(
        self: Any,
        size: ShapeLike,
        stride: Sequence[int],
        *,
        dtype: dtype | None = None,
        layout: layout_ | None = None,
        device: DeviceLike | None = None,
        requires_grad: bool = False,
        pin_memory: bool = False,
    ) -> Tensor:
        """:func:`tocha.empty_strided` with this tensor's dtype and device by default.

        Example:
            >>> import tocha
            >>> tocha.zeros(1, dtype=tocha.int8).new_empty_strided((2, 2), (1, 2)).dtype
            tocha.int8
        """
        return empty_strided(
            size,
            stride,
            dtype=dtype or self._dtype,
            layout=layout,
            device=device or self._device,
            requires_grad=requires_grad,
            pin_memory=pin_memory,
        )

    def resize_(self: Any, *sizes: Any, memory_format: Any = None) -> Tensor:
        """Give this tensor a new shape in place, keeping its elements in memory order (see NOTE [ resize_ ]).

        Shrinking keeps the first elements (as a view of the same memory); growing leaves the new elements
        uninitialised. The result is contiguous unless the shape is unchanged.

        Raises:
            RuntimeError: the tensor requires grad; its elements are not dense in memory; or it is a view that
                would have to grow past its base's memory.

        Example:
            >>> import tocha
            >>> x = tocha.arange(6.0)
            >>> x.resize_(2, 2)
            tensor([[0., 1.],
                    [2., 3.]])
        """
        return _resize(self, size_args("resize_", sizes))

    def resize_as_(self: Any, the_template: Tensor, *, memory_format: Any = None) -> Tensor:
        """:meth:`resize_` to ``the_template``'s shape.

        Example:
            >>> import tocha
            >>> tocha.arange(6.0).resize_as_(tocha.zeros(3)).tolist()
            [0.0, 1.0, 2.0]
        """
        if not isinstance(the_template, TensorBase):
            raise TypeError(
                f"resize_as_(): argument 'the_template' (position 1) must be Tensor, not {type(the_template).__name__}"
            )
        return _resize(self, tuple(the_template._data.shape))

    def resize(self: Any, *sizes: Any) -> Tensor:
        """Deprecated: this tensor's elements in a new shape of as many elements (a contiguous view or copy),
        differentiable; warns, as in PyTorch. Use :meth:`reshape`.

        Raises:
            RuntimeError: the new shape holds a different number of elements.

        Example:
            >>> import tocha, warnings
            >>> with warnings.catch_warnings():
            ...     warnings.simplefilter("ignore")
            ...     tocha.arange(4.0).resize(2, 2)
            tensor([[0., 1.],
                    [2., 3.]])
        """
        warnings.warn("non-inplace resize is deprecated", UserWarning, stacklevel=2)
        return _shape_preserving_resize(self, size_args("resize", sizes))

    def resize_as(self: Any, tensor: Tensor) -> Tensor:
        """Deprecated: :meth:`resize` to ``tensor``'s shape; warns, as in PyTorch. Use :meth:`reshape_as`.

        Example:
            >>> import tocha, warnings
            >>> with warnings.catch_warnings():
            ...     warnings.simplefilter("ignore")
            ...     tocha.arange(4.0).resize_as(tocha.zeros(2, 2)).shape
            tocha.Size([2, 2])
        """
        warnings.warn("non-inplace resize_as is deprecated", UserWarning, stacklevel=2)
        if not isinstance(tensor, TensorBase):
            raise TypeError(f"resize_as(): argument 'tensor' must be Tensor, not {type(tensor).__name__}")
        return _shape_preserving_resize(self, tuple(tensor._data.shape))

    def apply_(self: Any, callable: Any) -> Tensor:
        """Replace each element ``v`` by ``callable(v)`` (a Python function of a Python number), in place.

        CPU only and slow (one Python call per element), as in PyTorch. Results are converted to the
        tensor's dtype (floats truncate toward zero in an integer tensor).

        Raises:
            TypeError: a tensor not on the CPU, or a result that is not a number.
            RuntimeError: the tensor requires grad.

        Example:
            >>> import tocha
            >>> tocha.arange(4).apply_(lambda v: v * 2)
            tensor([0, 2, 4, 6])
        """
        return _apply_python(self, "apply_", callable)

    def map_(self: Any, tensor: Tensor, callable: Any) -> Tensor:
        """Replace each element ``a`` by ``callable(a, b)``, ``b`` the matching element of ``tensor``, in place.

        ``tensor`` broadcasts to this tensor's shape and must have its dtype. CPU only, as in PyTorch.

        Raises:
            TypeError: another dtype, a tensor not on the CPU, or a result that is not a number.
            RuntimeError: ``tensor`` does not broadcast to this shape, or this tensor requires grad.

        Example:
            >>> import tocha
            >>> tocha.ones(3).map_(tocha.arange(3.0), lambda a, b: a + b)
            tensor([1., 2., 3.])
        """
        if not isinstance(tensor, TensorBase):
            raise TypeError(f"map_(): argument 'tensor' (position 1) must be Tensor, not {type(tensor).__name__}")
        if tensor._dtype is not self._dtype:
            raise TypeError(f"map_: expected {self.type()} for 'other' (got {tensor.type()})")
        return _apply_python(self, "map_", callable, tensor)

    def map2_(self: Any, x: Tensor, y: Tensor, callable: Any) -> Tensor:
        """Replace each element ``a`` by ``callable(a, b, c)``, ``b`` and ``c`` the matching elements of ``x`` and
        ``y``, in place.

        ``x`` and ``y`` broadcast to this tensor's shape and must have its dtype. CPU only, as in PyTorch.

        Raises:
            TypeError: another dtype, a tensor not on the CPU, or a result that is not a number.
            RuntimeError: ``x`` or ``y`` does not broadcast to this shape, or this tensor requires grad.

        Example:
            >>> import tocha
            >>> tocha.ones(3).map2_(tocha.arange(3.0), tocha.full((3,), 2.0), lambda a, b, c: a + b * c)
            tensor([1., 3., 5.])
        """
        for name, position, other in (("x", 1, x), ("y", 2, y)):
            if not isinstance(other, TensorBase):
                raise TypeError(f"map2_(): argument '{name}' (position {position}) must be Tensor, not "
                                f"{type(other).__name__}")  # fmt: skip
            if other._dtype is not self._dtype:
                raise TypeError(f"map2_: expected {self.type()} for argument '{name}' (got {other.type()})")
        return _apply_python(self, "map2_", callable, x, y)

    # The dtype shortcuts come last: their names (float, int, bool) shadow the builtins in the class body.
    def float(self: Any) -> Tensor:
        """Converted to float32."""
        return to_dtype(self, _dtypes().float32)

    def double(self: Any) -> Tensor:
        """Converted to float64."""
        return to_dtype(self, _dtypes().float64)

    def half(self: Any) -> Tensor:
        """Converted to float16."""
        return to_dtype(self, _dtypes().float16)

    def bfloat16(self: Any) -> Tensor:
        """Converted to bfloat16."""
        return to_dtype(self, _dtypes().bfloat16)

    def int(self: Any) -> Tensor:
        """Converted to int32."""
        return to_dtype(self, _dtypes().int32)

    def long(self: Any) -> Tensor:
        """Converted to int64."""
        return to_dtype(self, _dtypes().int64)

    def short(self: Any) -> Tensor:
        """Converted to int16."""
        return to_dtype(self, _dtypes().int16)

    def char(self: Any) -> Tensor:
        """Converted to int8."""
        return to_dtype(self, _dtypes().int8)

    def byte(self: Any) -> Tensor:
        """Converted to uint8."""
        return to_dtype(self, _dtypes().uint8)

    def bool(self: Any) -> Tensor:
        """Converted to bool."""
        return to_dtype(self, _dtypes().bool)

    def cfloat(self: Any) -> Tensor:
        """Converted to complex64."""
        return to_dtype(self, _dtypes().complex64)

    def cdouble(self: Any) -> Tensor:
        """Converted to complex128."""
        return to_dtype(self, _dtypes().complex128)


def _dtypes() -> Any:
    from .. import _dtype

    return _dtype


def _copy_forward(xp: Any, src: Any) -> Any:
    return src


def _copy_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None]:
    from ._grad_utils import reduce_to_shape

    shape = ctx.input_shapes[0]
    return (None if shape is None else to_dtype(reduce_to_shape(grad, shape), ctx.input_dtypes[0]),)


COPY = register_op(OpRecord(name="copy_", forward=_copy_forward, vjp=_copy_vjp, fp_errors=True))


def copy_into(target: Tensor, src: Any) -> Tensor:
    """``target.copy_(src)``: broadcast ``src`` into ``target``'s memory, converting dtype and device."""
    from .._dispatch import check_no_internal_overlap
    from ._common import broadcast_shape

    if not isinstance(src, TensorBase):
        src = tensor(src, dtype=target._dtype)
    else:  # a number fills even an expanded tensor, as PyTorch's fill_ (NOTE [ Writing into overlapping memory ])
        check_no_internal_overlap("copy_", target)
    shape = broadcast_shape("copy_", tuple(target._data.shape), tuple(src._data.shape))
    if shape != tuple(target._data.shape):
        raise RuntimeError(
            f"copy_(): output with shape {list(target._data.shape)} doesn't match the broadcast shape {list(shape)}"
        )
    from .._dispatch import call_inplace

    return call_inplace(COPY, target._device, target, (to_device(src, target._device),), ())
