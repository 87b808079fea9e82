"""PyTorch's rarely used top-level names: the ``sym_*`` helpers on plain numbers, ``set_default_tensor_type``,
``is_storage``, ``get_device_module``, ``init_num_threads``, ``is_vulkan_available``, ``segment_reduce`` and
``from_file``.

NOTE [ Legacy top-level names ]
``set_default_tensor_type`` is deprecated in PyTorch and warns here on every call. ``segment_reduce`` labels
each position along ``axis`` with its segment (read on the host from the lengths or offsets; positions in no
segment get an extra label, dropped afterwards) and runs one ``scatter_reduce`` (sum, prod, amax, amin) into a
tensor holding the reduction's identity (0, 1, -inf, +inf), then folds ``initial`` in: O(elements + segments)
memory, and the gradient is scatter_reduce's. Out-of-range offsets and lengths that run past the data raise
here, where PyTorch reads past the end of its buffer.
"""

from __future__ import annotations

import importlib.util
import math
import mmap
import os
import warnings
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from .._device import CPU, device
from .._dtype import bfloat16, dtype, float16, float32, float64
from .._layout import check_layout
from .._tensor_base import normalize_dim, wrap
from ._common import tensor_arg, type_name
from .misc_toplevel import _C_TYPE

if TYPE_CHECKING:
    from .._device import DeviceLike
    from .._layout import layout as layout_
    from .._tensor import Tensor


__all__ = [
    "from_file",
    "get_device_module",
    "init_num_threads",
    "is_storage",
    "is_vulkan_available",
    "segment_reduce",
    "set_default_tensor_type",
    "sym_float",
    "sym_int",
    "sym_ite",
    "sym_max",
    "sym_min",
    "sym_not",
    "sym_sqrt",
    "sym_sum",
]


# ------------------------------------------------------------------ symbolic-shape helpers on plain numbers

_ALL_TYPES = (np.integer, np.floating, int, float)
_FLOAT_TYPES = (np.floating, float)


def sym_int(a: Any) -> int:
    """``int(a)``: PyTorch's symbolic-int-aware cast, on plain numbers (floats truncate toward zero).

    Example:
        >>> import tocha
        >>> tocha.sym_int(-3.7), tocha.sym_int(tocha.tensor(2.5))
        (-3, 2)
    """
    return int(a)


def sym_float(a: Any) -> float:
    """``float(a)``: PyTorch's symbolic-float-aware cast, on plain numbers.

    Example:
        >>> import tocha
        >>> tocha.sym_float(3)
        3.0
    """
    return float(a)


def _sym_extreme(a: Any, b: Any, pick: Any) -> Any:
    for x in (a, b):
        if not isinstance(x, _ALL_TYPES):
            raise AssertionError(f"expected {_ALL_TYPES}, got {type(x)}")
    result = pick(a, b)
    return float(result) if isinstance(a, _FLOAT_TYPES) or isinstance(b, _FLOAT_TYPES) else result


def sym_max(a: Any, b: Any) -> Any:
    """``max(a, b)`` of two ints/floats, a float when either is a float.

    Unlike :func:`max`, the result is promoted to float whenever either argument is one. NaN: ``a`` unless ``b``
    compares greater, as :func:`max`. Tensors raise AssertionError, as in PyTorch.

    Example:
        >>> import tocha
        >>> tocha.sym_max(3, 2.0), tocha.sym_max(1, 2)
        (3.0, 2)
    """
    return _sym_extreme(a, b, max)


def sym_min(a: Any, b: Any) -> Any:
    """``min(a, b)`` of two ints/floats, a float when either is a float (see :func:`sym_max`).

    Example:
        >>> import tocha
        >>> tocha.sym_min(3, 2.0), tocha.sym_min(1, 2)
        (2.0, 1)
    """
    return _sym_extreme(a, b, min)


def sym_not(a: Any) -> bool:
    """``not a``: PyTorch's symbolic-bool-aware negation, on plain values (and one-element tensors).

    Example:
        >>> import tocha
        >>> tocha.sym_not(True), tocha.sym_not(0)
        (False, True)
    """
    return not a


def sym_sqrt(a: Any) -> float:
    """``math.sqrt(a)`` as a float (ValueError for a negative number, as :func:`math.sqrt`).

    Example:
        >>> import tocha
        >>> tocha.sym_sqrt(4)
        2.0
    """
    return math.sqrt(a)


def sym_sum(*args: Any) -> Any:
    """The sum of ``sym_sum(a, b, c)`` or ``sym_sum([a, b, c])``, from 0 as :func:`sum` (0 when empty).

    Example:
        >>> import tocha
        >>> tocha.sym_sum([1, 2, 3]), tocha.sym_sum(1, 2.5), tocha.sym_sum([])
        (6, 3.5, 0)
    """
    items = args[0] if len(args) == 1 and isinstance(args[0], (list, tuple)) else args
    return sum(items)


def sym_ite(b: bool, t: Any, f: Any) -> Any:
    """``t if b else f`` for a bool ``b`` and ``t``, ``f`` of one type (AssertionError otherwise, as PyTorch).

    Example:
        >>> import tocha
        >>> tocha.sym_ite(False, 1, 2)
        2
    """
    if not isinstance(b, bool):
        raise AssertionError(f"expected SymBool or bool, got {type(b)}")
    if type(t) is not type(f):
        raise AssertionError(f"type mismatch: {type(t)} vs {type(f)}")
    return t if b else f


# ------------------------------------------------------------------ settings and small helpers

_TENSOR_TYPES = {
    "FloatTensor": float32, "DoubleTensor": float64, "HalfTensor": float16, "BFloat16Tensor": bfloat16,
    "ByteTensor": None, "CharTensor": None, "ShortTensor": None, "IntTensor": None, "LongTensor": None,
    "BoolTensor": None,
}  # fmt: skip
_TENSOR_TYPE_MODULES = {
    f"{root}{sub}": (sub.startswith(".cuda"), sub.endswith(".sparse"))
    for root in ("torch", "tocha")
    for sub in ("", ".cuda", ".sparse", ".cuda.sparse")
}
_set_by_tensor_type: list[device | None] = [None]  # the default device set_default_tensor_type last chose


def set_default_tensor_type(t: Any, /) -> None:
    """Make the floating tensor type ``t`` (``"torch.DoubleTensor"``...) the default: deprecated.

    Sets the default dtype (float32, float64, float16 or bfloat16 for ``FloatTensor``, ``DoubleTensor``,
    ``HalfTensor``, ``BFloat16Tensor``); a ``torch.cuda.*`` / ``tocha.cuda.*`` type also makes ``cuda`` the
    default device (a TypeError when CUDA is not available), and a CPU type afterwards makes it ``cpu`` again.
    ``tocha.`` and ``torch.`` spellings are both accepted, and the types themselves (``tocha.DoubleTensor``).
    PyTorch deprecates it (and so it warns): use :func:`tocha.set_default_dtype` and :func:`tocha.set_default_device`.

    Raises:
        TypeError: an integer, sparse or unknown type, or a CUDA type without CUDA.

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.set_default_tensor_type("torch.DoubleTensor")
        ...     tocha.tensor([1.0]).dtype
        ...     tocha.set_default_tensor_type("tocha.FloatTensor")
        tocha.float64
    """
    import tocha

    invalid = "invalid type object: only floating-point types are supported as the default type"
    warnings.warn(
        "tocha.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use tocha.set_default_dtype() and "
        "tocha.set_default_device() as alternatives.",
        UserWarning,
        stacklevel=2,
    )
    from .legacy_types import tensortype

    if isinstance(t, tensortype):  # NOTE [ Legacy tensor types ]
        t = f"{t.__module__}.{t.__name__}"
    if not isinstance(t, str):
        raise TypeError(invalid)
    if not t:
        raise ValueError("Empty module name")
    module, _, name = t.rpartition(".")
    if module not in _TENSOR_TYPE_MODULES:
        top = t.split(".")[0]
        if top not in ("torch", "tocha") and importlib.util.find_spec(top) is None:
            raise ModuleNotFoundError(f"No module named '{top}'", name=top)
        raise TypeError(invalid)
    if name not in _TENSOR_TYPES:
        if module in ("torch", "tocha") and hasattr(tocha, name):
            raise TypeError(invalid)  # a tocha name that is no tensor type ("torch.tensor")
        raise AttributeError(f"module '{module}' has no attribute '{name}'")
    cuda, sparse = _TENSOR_TYPE_MODULES[module]
    if cuda and not tocha.cuda.is_available():
        raise TypeError(f"type {t} not available. CUDA is not available (tocha.cuda.is_available() is False).")
    if sparse:
        raise TypeError("only dense types are supported as the default type")
    d = _TENSOR_TYPES[name]
    if d is None:
        raise TypeError("only floating-point types are supported as the default type")
    tocha.set_default_dtype(d)
    if cuda:
        tocha.set_default_device("cuda")
        _set_by_tensor_type[0] = tocha.get_default_device()
    elif _set_by_tensor_type[0] is not None:
        if tocha.get_default_device() == _set_by_tensor_type[0]:
            tocha.set_default_device(None)
        _set_by_tensor_type[0] = None


def is_storage(obj: Any, /) -> bool:
    """Whether ``obj`` is a storage object: always False, as tocha has no storage classes.

    Example:
        >>> import tocha
        >>> tocha.is_storage(tocha.ones(2))
        False
    """
    return False


def get_device_module(device: device | str | None = None) -> ModuleType:
    """The module of a device type: ``tocha.cuda`` for ``"cuda"``, ``tocha.cpu`` for ``"cpu"``, ``tocha.mps``...

    With no device, the module of the current accelerator (:func:`tocha.accelerator.current_accelerator`), or
    ``tocha.cpu`` when there is none.

    Raises:
        RuntimeError: ``device`` is not a device, a string or None, or its type has no module.

    Example:
        >>> import tocha
        >>> tocha.get_device_module("cuda:0") is tocha.cuda
        True
        >>> tocha.get_device_module("cpu").__name__
        'tocha.cpu'
    """
    import tocha

    if device is None:
        current = tocha.accelerator.current_accelerator()
        kind = "cpu" if current is None else current.type
    elif isinstance(device, (str, tocha.device)):
        kind = tocha.device(device).type
    else:
        raise RuntimeError(f"Invalid value of device '{device}', expect tocha.device, str, or None")
    try:
        module = getattr(tocha, kind)
    except AttributeError:
        module = None
    if not isinstance(module, ModuleType) or not callable(getattr(module, "is_available", None)):
        raise RuntimeError(f"Device '{kind}' does not have a corresponding module registered as 'tocha.{kind}'.")
    return module


def init_num_threads() -> None:
    """Set up intra-op threads for a new thread: nothing to do in tocha (NumPy/CuPy manage their own).

    Example:
        >>> import tocha
        >>> tocha.init_num_threads()
    """
    return None


def is_vulkan_available() -> bool:
    """Whether the Vulkan backend is available: never in tocha.

    Example:
        >>> import tocha
        >>> tocha.is_vulkan_available()
        False
    """
    return False


# ------------------------------------------------------------------ segment_reduce

# reduce name -> (scatter_reduce's reduction, its identity)
_SEGMENT_REDUCTIONS = {
    "sum": ("sum", 0.0),
    "mean": ("sum", 0.0),
    "prod": ("prod", 1.0),
    "max": ("amax", -math.inf),
    "amax": ("amax", -math.inf),
    "min": ("amin", math.inf),
    "amin": ("amin", math.inf),
}
_SEGMENT_DTYPES = (float16, bfloat16, float32, float64)


def _host_ints(op: str, t: Tensor, name: str) -> np.ndarray[Any, Any]:
    if t.dtype.name not in ("int32", "int64"):
        raise NotImplementedError(f"\"{op}_{name}\" not implemented for '{type_name(t.dtype)}'")
    return np.asarray(t.cpu(), dtype=np.int64)


def _initial_value(initial: Any, d: dtype) -> float:
    """``initial`` as a float for data of dtype ``d``; PyTorch's RuntimeError when it does not fit."""
    import tocha

    if isinstance(initial, np.generic):
        initial = initial.item()
    overflow = RuntimeError(f"value cannot be converted to type {_C_TYPE[d.name]} without overflow")
    if isinstance(initial, complex):
        if initial.imag != 0:
            raise overflow
        initial = initial.real
    value = float(initial)
    if math.isfinite(value) and abs(value) > tocha.finfo(d).max:
        raise overflow
    return value


def segment_reduce(
    data: Tensor,
    reduce: str,
    *,
    lengths: Tensor | None = None,
    indices: Tensor | None = None,
    offsets: Tensor | None = None,
    axis: int = 0,
    unsafe: bool = False,
    initial: bool | int | float | complex | None = None,
) -> Tensor:
    """Reduce consecutive segments of ``data`` along ``axis`` with ``"sum"``, ``"mean"``, ``"prod"``, ``"max"``
    or ``"min"`` (also ``"amax"``, ``"amin"``).

    Segments are given by ``lengths`` (``(*, S)``: segment ``s`` holds the next ``lengths[..., s]`` elements) or
    ``offsets`` (``(*, S + 1)``: segment ``s`` is ``[offsets[..., s], offsets[..., s + 1])``; they win when both
    are given), int32 or int64, whose leading dims ``*`` are ``data``'s dims before ``axis``; ``axis`` must be
    the last dim of ``lengths``. The result has ``S`` entries along ``axis``. An empty segment gives the
    reduction's identity (0, 1, -inf, +inf; NaN for mean). With ``initial`` ``v``: ``v + sum``, ``v * prod``,
    ``max(v, ...)``, ``min(v, ...)``, ``(v + sum) / max(n, 1)``. ``lengths`` must sum to ``data.size(axis)``
    unless ``unsafe``. ``indices`` is not supported (nor in PyTorch). Differentiable in ``data``.

    Example:
        >>> import tocha
        >>> data = tocha.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
        >>> tocha.segment_reduce(data, "sum", lengths=tocha.tensor([2, 0, 3, 1]))
        tensor([ 3.,  0., 12.,  6.])
        >>> tocha.segment_reduce(data, "max", offsets=tocha.tensor([0, 2, 6]), initial=4.0)
        tensor([4., 6.])
    """
    import tocha

    op = "segment_reduce"
    data = tensor_arg(op, data, "data", 1)
    if not isinstance(reduce, str):
        raise TypeError(f"{op}(): argument 'reduce' (position 2) must be str, not {type(reduce).__name__}")
    for name, given in (("lengths", lengths), ("indices", indices), ("offsets", offsets)):
        if given is not None:
            tensor_arg(op, given, name, None)
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise TypeError(f"{op}(): argument 'axis' must be int, not {type(axis).__name__}")
    if initial is not None and not isinstance(initial, (int, float, complex, np.number)):
        raise TypeError(f"{op}(): argument 'initial' must be Number, not {type(initial).__name__}")
    if indices is not None:
        raise RuntimeError("segment_reduce(): indices based reduction is not supported yet.")
    if lengths is None and offsets is None:
        raise RuntimeError("segment_reduce(): Either lengths or offsets must be defined.")
    if reduce not in _SEGMENT_REDUCTIONS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if data.dtype not in _SEGMENT_DTYPES:
        raise NotImplementedError(f"\"{op}\" not implemented for '{type_name(data.dtype)}'")
    bounds = offsets if offsets is not None else lengths
    assert bounds is not None
    bounds_name = "offsets" if offsets is not None else "lengths"
    ax = normalize_dim(op, int(axis), data.ndim)
    if data.ndim < bounds.ndim:
        raise RuntimeError(f"{op}(): Expected data.dim() >= {bounds_name}.dim() to be true, but got false.")
    if ax != bounds.ndim - 1:
        raise RuntimeError(f"{op}(): Expected axis to be the last dimension of lengths but got {ax}.")
    if tuple(bounds.shape[:-1]) != tuple(data.shape[:ax]):
        raise RuntimeError(
            f"{op}(): Expected {bounds_name}.shape[:-1] to be data.shape[:axis] = {list(data.shape[:ax])}, but got "
            f"{list(bounds.shape[:-1])}"
        )
    size = data.shape[ax]
    host = _host_ints(op, bounds, bounds_name)
    if offsets is not None:
        if host.shape[-1] == 0:
            raise RuntimeError(f"{op}(): Expected offsets to have at least one entry along axis.")
        starts, counts = host[..., :-1], np.diff(host, axis=-1)
        if (counts < 0).any():
            raise RuntimeError("Expected segment_length >= 0 to be true, but got false.")
        if host.size and (host.min() < 0 or host.max() > size):
            raise RuntimeError(f"{op}(): offsets must lie in [0, {size}] (data.size(axis)), got {host.tolist()}")
    else:
        if (host < 0).any():
            raise RuntimeError("lengths contains negative value!")
        totals = host.sum(axis=-1)
        if not unsafe and (totals != size).any():
            raise RuntimeError(
                "segment_reduce(): Expected all rows of lengths along axis to sum to data.size(lengths.dim()-1) "
                "when !unsafe."
            )
        if (totals > size).any():
            raise RuntimeError(f"{op}(): lengths run past data.size(axis) = {size}")
        counts = host
        starts = np.cumsum(host, axis=-1) - host
    scatter, identity = _SEGMENT_REDUCTIONS[reduce]
    batch, segments, tail = tuple(data.shape[:ax]), counts.shape[-1], tuple(data.shape[ax + 1 :])
    # the segment of each position along axis, per row of the batch; positions in no segment go to segment S
    rows, reps = math.prod(batch), counts.reshape(-1)
    ids = np.full((rows, size), segments, dtype=np.int64)
    first = np.repeat(np.cumsum(reps) - reps, reps)  # each covered position's segment start in the flat order
    row_of = np.repeat(np.repeat(np.arange(rows), segments), reps)
    position = np.repeat(starts.reshape(-1), reps) + np.arange(first.size) - first
    ids[row_of, position] = np.repeat(np.tile(np.arange(segments), rows), reps)
    index = tocha.from_numpy(ids.reshape(*batch, size, *(1,) * len(tail))).to(data.device).expand(*data.shape)
    base = tocha.full((*batch, segments + 1, *tail), identity, dtype=data.dtype, device=data.device)
    result = base.scatter_reduce(ax, index, data, scatter).narrow(ax, 0, segments)
    if initial is not None:
        value = _initial_value(initial, data.dtype)
        if reduce in ("sum", "mean"):
            result = result + value
        elif reduce == "prod":
            result = result * value
        elif scatter == "amax":
            result = result.clamp(min=value)
        else:
            result = result.clamp(max=value)
    if reduce == "mean":  # (v + sum) / max(n, 1): v alone for an empty segment, or NaN without v
        shape = (*batch, segments, *(1,) * len(tail))
        divisor = tocha.from_numpy(np.maximum(counts, 1).reshape(shape)).to(data.device, data.dtype)
        result = result / divisor
        if initial is None and (counts == 0).any():  # NaN set here, not 0 / 0: its gradient would be NaN too
            empty = tocha.from_numpy((counts == 0).reshape(shape)).to(data.device)
            result = tocha.where(empty, math.nan, result)
    return result


# ------------------------------------------------------------------ from_file


def from_file(
    filename: str,
    shared: bool | None = None,
    size: int | None = 0,
    *,
    dtype: dtype | None = None,
    layout: layout_ | None = None,
    device: DeviceLike | None = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """A 1-D CPU tensor of ``size`` elements read from the start of file ``filename`` by memory mapping.

    With ``shared=True`` the tensor maps the file itself: writes through the tensor reach the file (and other
    processes mapping it); a missing file is created and a short one extended with zeros. Otherwise
    (``False`` / ``None``) the mapping is private: the tensor starts with the file's bytes and its writes stay
    in memory. ``dtype`` defaults to the default dtype; ``size`` ``0`` (or None) gives an empty tensor
    without opening the file.

    Raises:
        RuntimeError: the file cannot be opened, is shorter than ``size`` elements (unless ``shared``),
            ``size`` is negative, ``pin_memory`` is set or ``device`` is not the CPU.

    Example:
        >>> import pathlib, tempfile, tocha
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "data.bin"
        >>> _ = path.write_bytes(bytes([1, 2, 3, 4]))
        >>> tocha.from_file(str(path), size=4, dtype=tocha.uint8)
        tensor([1, 2, 3, 4], dtype=tocha.uint8)
        >>> t = tocha.from_file(str(path), shared=True, size=2, dtype=tocha.uint8)
        >>> t[0] = 9
        >>> path.read_bytes()
        b'\\t\\x02\\x03\\x04'
    """
    import tocha

    op = "from_file"
    if isinstance(filename, bytes):
        filename = os.fsdecode(filename)
    if not isinstance(filename, str):
        raise TypeError(f"{op}(): argument 'filename' (position 1) must be str, not {type(filename).__name__}")
    if shared is not None and not isinstance(shared, (bool, np.bool_)):
        raise TypeError(f"{op}(): argument 'shared' (position 2) must be bool, not {type(shared).__name__}")
    if size is not None and (not isinstance(size, (int, np.integer)) or isinstance(size, bool)):
        raise TypeError(f"{op}(): argument 'size' (position 3) must be int, not {type(size).__name__}")
    check_layout(op, layout)
    if pin_memory:
        raise RuntimeError("tensors constructed from a file cannot be pinned")
    if device is not None and tocha.device(device).type != "cpu":
        raise RuntimeError(f"{op}(): a tensor backed by a file lives on the CPU, got device={device!r}")
    d = tocha.get_default_dtype() if dtype is None else dtype
    count = 0 if size is None else int(size)
    nbytes = count * d.itemsize
    if nbytes < 0:
        raise RuntimeError(f"unable to mmap {nbytes} bytes from file <{filename}>: Cannot allocate memory (12)")
    if nbytes == 0:
        return tocha.empty(0, dtype=d, requires_grad=requires_grad)
    mode = "read-write" if shared else "read-only"
    try:
        fd = os.open(filename, os.O_RDWR | os.O_CREAT if shared else os.O_RDONLY, 0o600)
    except OSError as exc:
        raise RuntimeError(f"unable to open file <{filename}> in {mode} mode: {exc.strerror} ({exc.errno})") from None
    try:
        length = os.fstat(fd).st_size
        if length < nbytes:
            if not shared:
                raise RuntimeError(
                    f"file <{filename}> size <{length}> is smaller than the required mapping size <{nbytes}>"
                )
            os.ftruncate(fd, nbytes)
        if shared:
            buffer = mmap.mmap(fd, nbytes, access=mmap.ACCESS_WRITE)
        else:
            buffer = mmap.mmap(fd, nbytes, access=mmap.ACCESS_COPY)
    finally:
        os.close(fd)  # the mapping keeps the file's pages
    array = np.frombuffer(buffer, dtype=d.numpy_dtype, count=count)
    result: Tensor = wrap(array, CPU)  # type: ignore[assignment]
    if requires_grad:
        result.requires_grad_(True)
    return result


for _fn in __all__:
    globals()[_fn].__module__ = "tocha"
del _fn
