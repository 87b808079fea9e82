"""A NumPy-backed stand-in for CuPy, to run tocha's 'cuda' code paths on a machine without a GPU.

Put ``tools/fake_cupy`` first on ``sys.path`` (``PYTHONPATH=tools/fake_cupy``) and ``import cupy`` finds this
module: one fake device, arrays of a type of their own that hold a NumPy array, and exactly the names CuPy 14.2
has (``_names.py``). It keeps the CuPy rules that code written for NumPy most often breaks:

- a device array is not a ``numpy.ndarray``; ``numpy.asarray(device_array)`` raises TypeError, as in CuPy;
- CuPy functions refuse ``numpy.ndarray`` operands (only ``asarray``/``array`` copy host data in);
- results are device arrays, never NumPy scalars (``cupy.sum(a)`` is a 0-dim device array);
- a NumPy function that CuPy lacks raises TypeError when handed a device array (``__array_function__``), and
  a keyword CuPy's function lacks raises TypeError (``_names.KEYWORDS``; ufuncs take out/dtype/casting);
- out-of-range integer indices wrap around instead of raising (indexing, ``take``, ``put``, ``ufunc.at``);
- every device-to-host read (``float(a)``, ``bool(a)``, ``a.item()``, ``a.get()``, ``cupy.asnumpy(a)``...)
  every operation whose result's size depends on the data (boolean-mask indexing, ``nonzero``, ``unique``...)
  and every synchronous host-to-device copy (``a.set(host)`` without a stream; ``cupy.asarray(host_array)`` is
  asynchronous in CuPy >= 13, through a pinned staging buffer) is counted in :data:`host_syncs`, so a test
  can check that a training step never waits for the device.

What it cannot check: CUDA kernels (``RawKernel``, ``ElementwiseKernel``...) are refused, and numerics,
dtype support and speed are NumPy's. It is a test tool, not a backend.
"""

from __future__ import annotations

import builtins
import contextlib
import sys
import types
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import numpy

from . import _names

__version__ = "14.2.0+fake"

# This module's namespace takes CuPy's names, some of which shadow builtins (bool, abs, min, max, sum, round...):
# the code below reaches those builtins through ``builtins.``.

# ------------------------------------------------------------------ host synchronisation accounting


class DeviceSynchronized(RuntimeError):  # noqa: N818  (CuPy's name)
    """Raised by a host synchronisation inside ``cupyx.allow_synchronize(False)`` (as CuPy's)."""


class _HostSyncs:
    """Counts device-to-host reads; ``with host_syncs.forbidden():`` turns them into errors."""

    def __init__(self) -> None:
        self.count = 0
        self.where: list[str] = []
        self._forbid = 0

    def record(self, what: str) -> None:
        if self._forbid:
            raise DeviceSynchronized(f"fake cupy: host synchronisation ({what}) where none is allowed")
        self.count += 1
        self.where.append(what)

    @contextlib.contextmanager
    def forbidden(self) -> Iterator[None]:
        self._forbid += 1
        try:
            yield
        finally:
            self._forbid -= 1

    def reset(self) -> None:
        self.count = 0
        self.where.clear()


host_syncs = _HostSyncs()

# ------------------------------------------------------------------ wrapping and unwrapping

_live: dict[int, weakref.ref[ndarray]] = {}


def _quiet() -> numpy.errstate:
    return numpy.errstate(all="ignore")  # CuPy never warns about floating-point errors


def _forget(key: int) -> Callable[[Any], None]:
    def callback(_ref: Any) -> None:
        found = _live.get(key)
        if found is not None and found() is None:
            del _live[key]

    return callback


_counted: set[int] = set()


def _count_memory(array: numpy.ndarray[Any, Any]) -> None:
    """Count an owning array's bytes in the memory pool (through the installed allocator) while it lives."""
    if array.base is not None or id(array) in _counted:
        return
    size = -(-builtins.max(array.nbytes, 1) // 512) * 512  # CuPy's pool rounds up to 512 bytes
    from .cuda import get_allocator

    get_allocator()(size)
    _counted.add(id(array))
    weakref.finalize(array, _release, id(array), size)


def _release(key: int, size: int) -> None:
    _counted.discard(key)
    _memory_pool.free(size)


def _wrap(value: Any) -> Any:
    """NumPy results to device arrays: one wrapper per NumPy array, so ``view.base is source`` holds."""
    if isinstance(value, numpy.ndarray):
        found = _live.get(id(value))
        wrapper = found() if found is not None else None
        if wrapper is not None and wrapper._a is value:
            return wrapper
        _count_memory(value)
        wrapper = ndarray.__new__(ndarray)
        wrapper._a = value
        _live[id(value)] = weakref.ref(wrapper, _forget(id(value)))
        return wrapper
    if isinstance(value, numpy.generic) and not isinstance(value, (numpy.str_, numpy.bytes_, numpy.void)):
        return _wrap(numpy.asarray(value))
    if type(value) is tuple:
        return tuple(_wrap(v) for v in value)
    if type(value) is list:
        return [_wrap(v) for v in value]
    if hasattr(value, "_fields") and isinstance(value, tuple):  # NumPy's named result tuples (slogdet, eigh...)
        return type(value)(*(_wrap(v) for v in value))
    return value


def _unwrap(value: Any, where: str) -> Any:
    """Device arrays to NumPy for the computation; a NumPy array operand is an error, as in CuPy."""
    if isinstance(value, ndarray):
        return value._a
    if isinstance(value, numpy.ndarray):
        raise TypeError(f"fake cupy: {where}: Unsupported type {type(value)} (a NumPy array given to CuPy)")
    if type(value) is tuple or type(value) is list:
        return type(value)(_unwrap(v, where) for v in value)
    if type(value) is dict:
        return {k: _unwrap(v, where) for k, v in value.items()}
    if type(value) is slice:
        return slice(_unwrap(value.start, where), _unwrap(value.stop, where), _unwrap(value.step, where))
    return value


def _index(key: Any) -> Any:
    """An indexing key with device arrays unwrapped (CuPy takes NumPy index arrays too, copying them in)."""
    if isinstance(key, ndarray):
        return key._a
    if isinstance(key, numpy.ndarray):
        return key
    if type(key) is tuple:
        return tuple(_index(k) for k in key)
    if type(key) is list:
        return [_index(k) for k in key]
    if type(key) is slice:
        return slice(_index(key.start), _index(key.stop), _index(key.step))
    return key


def _wrapped_key(shape: tuple[int, ...], key: Any) -> Any:
    """``key`` with integer index arrays taken modulo their axis: CuPy wraps out-of-range indices around."""
    parts = key if type(key) is tuple else (key,)
    if not builtins.any(isinstance(k, numpy.ndarray) and k.dtype.kind in "iu" for k in parts):
        return key
    consumed = builtins.sum(
        0 if k is None or k is Ellipsis else k.ndim if isinstance(k, numpy.ndarray) and k.dtype == bool else 1
        for k in parts
    )
    out: list[Any] = []
    axis = 0
    for k in parts:
        if k is Ellipsis:
            axis += len(shape) - consumed
        elif isinstance(k, numpy.ndarray) and k.dtype == bool:
            axis += k.ndim
        elif isinstance(k, numpy.ndarray) and k.dtype.kind in "iu":
            k = k % shape[axis] if axis < len(shape) and shape[axis] else k
            axis += 1
        elif k is not None:
            axis += 1
        out.append(k)
    return tuple(out)


def _has_mask(key: Any) -> bool:
    parts = key if type(key) is tuple else (key,)
    return builtins.any(isinstance(k, numpy.ndarray) and k.dtype == bool and k.ndim > 0 for k in parts)


_SIZED_BY_DATA = frozenset({"nonzero", "argwhere", "flatnonzero", "unique", "compress", "extract"})
_SORTING = frozenset({"sort", "argsort", "lexsort", "partition", "argpartition", "msort"})
try:
    import ml_dtypes

    _BFLOAT16: Any = numpy.dtype(ml_dtypes.bfloat16)
except ImportError:
    _BFLOAT16 = None


def _take(a: Any, indices: Any, axis: Any = None, out: Any = None, mode: str = "wrap") -> Any:
    return numpy.take(a, indices, axis=axis, out=out, mode=mode)


def _take_along_axis(a: Any, indices: Any, axis: Any) -> Any:
    size = a.size if axis is None else a.shape[axis]
    return numpy.take_along_axis(a, indices % size if size else indices, axis)


def _put(a: Any, ind: Any, v: Any, mode: str = "wrap") -> None:
    numpy.put(a, ind, v, mode=mode)


_WRAPPING = {"take": _take, "take_along_axis": _take_along_axis, "put": _put}


def _function(
    name: str, fn: Callable[..., Any], host_in: bool = False, keywords: tuple[str, ...] | None = None
) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        if name in _SIZED_BY_DATA:
            host_syncs.record(f"{name}() (its result's size is read back)")
        if keywords is not None:
            for key in kwargs:
                if key not in keywords:
                    raise TypeError(f"fake cupy: {name}() got an unexpected keyword argument '{key}' (CuPy's has not)")
        out = kwargs.get("out")
        if host_in:  # CuPy >= 13 stages host data in pinned memory and queues the copy: no wait (blocking=False)
            args = tuple(a if isinstance(a, numpy.ndarray) else _unwrap(a, name) for a in args)
        else:
            args = _unwrap(args, name)
        kwargs = _unwrap(kwargs, name)
        if name in _SORTING and args and getattr(args[0], "dtype", None) == _BFLOAT16:
            raise NotImplementedError("Sorting arrays with dtype 'bfloat16' is not supported")  # as CuPy 14
        with _quiet():
            result = fn(*args, **kwargs)
        if out is not None and isinstance(out, ndarray) and result is out._a:
            return out
        return _wrap(result)

    call.__name__ = name
    call.__qualname__ = name
    call.__doc__ = f"CuPy's {name} (fake: NumPy's, on wrapped arrays)."
    return call


_NO_REDUCE = frozenset({"bitwise_and", "bitwise_or", "bitwise_xor"})
_ADD_AT_DTYPES = frozenset({"int32", "int64", "float16", "float32", "float64", "uint32", "uint64"})


class ufunc:
    """A NumPy ufunc that takes and returns device arrays (``cupy.ufunc``)."""

    def __init__(self, inner: numpy.ufunc) -> None:
        self._inner = inner
        self.__name__ = inner.__name__
        self.nin, self.nout, self.nargs = inner.nin, inner.nout, inner.nargs
        self.types = inner.types
        self.identity = inner.identity
        self._call = _function(inner.__name__, inner, keywords=("out", "dtype", "casting"))
        for method in ("reduce", "outer", "reduceat"):
            setattr(self, method, _function(f"{inner.__name__}.{method}", getattr(inner, method)))
        self._accumulate = _function(f"{inner.__name__}.accumulate", inner.accumulate)
        if inner.__name__ in _NO_REDUCE:
            self.reduce = self._refuse_reduce

    def _refuse_reduce(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"`cupy_{self.__name__}.reduce` is not supported yet")  # as CuPy 14

    def accumulate(self, *args: Any, **kwargs: Any) -> Any:
        if self.__name__ not in ("add", "multiply"):  # as CuPy 14
            raise NotImplementedError(f"`cupy_{self.__name__}.accumulate` is not supported yet")
        return self._accumulate(*args, **kwargs)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._call(*args, **kwargs)

    def at(self, a: ndarray, indices: Any, b: Any = None) -> None:
        with _quiet():
            self._at(a, indices, b)

    def _at(self, a: ndarray, indices: Any, b: Any) -> None:
        target = _unwrap(a, "at")
        if self.__name__ == "add" and target.dtype.name not in _ADD_AT_DTYPES:
            raise TypeError(
                "cupy.add.at only supports int32, int64, float16, float32, float64, uint32, uint64 as data type"
            )
        key = _wrapped_key(target.shape, _index(indices))
        if b is None:
            self._inner.at(target, key)
        else:
            self._inner.at(target, key, _unwrap(b, "at"))

    def __repr__(self) -> str:
        return f"<ufunc '{self.__name__}'>"


def _binary(fn: Callable[..., Any], reflected: bool = False) -> Callable[[ndarray, Any], Any]:
    def method(self: ndarray, other: Any) -> Any:
        if isinstance(other, numpy.ndarray):
            return NotImplemented if not reflected else _reject(other)
        other_value = other._a if isinstance(other, ndarray) else other
        if not isinstance(other, ndarray) and not _is_scalar(other):
            return NotImplemented
        with _quiet():
            return _wrap(fn(other_value, self._a) if reflected else fn(self._a, other_value))

    return method


def _reject(other: Any) -> Any:
    raise TypeError(f"fake cupy: Unsupported type {type(other)} (a NumPy array mixed with a device array)")


def _inplace(fn: numpy.ufunc) -> Callable[[ndarray, Any], Any]:
    def method(self: ndarray, other: Any) -> ndarray:
        if isinstance(other, numpy.ndarray):
            _reject(other)
        with _quiet():
            fn(self._a, other._a if isinstance(other, ndarray) else other, out=self._a)
        return self

    return method


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (builtins.bool, int, float, complex, numpy.generic))


class _MemoryPointer:
    def __init__(self, array: numpy.ndarray[Any, Any]) -> None:
        self.ptr = int(array.__array_interface__["data"][0])
        self.device_id = 0


class _Device:
    id = 0

    def __init__(self, index: int | None = 0) -> None:
        index = 0 if index is None else int(index)
        if index != 0:
            raise RuntimeError(f"fake cupy: cudaErrorInvalidDevice: device {index} (the fake has one device)")
        self.id = index

    def use(self) -> None:
        pass

    def synchronize(self) -> None:
        pass

    def __enter__(self) -> _Device:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    @property
    def compute_capability(self) -> str:
        return "90"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Device) and other.id == self.id

    __hash__ = None  # type: ignore[assignment]  # CuPy's Device is unhashable too


class _Flags:
    """CuPy's ``ndarray.flags``: contiguity and ownership only (no ``writeable``: device arrays always are)."""

    __slots__ = ("c_contiguous", "f_contiguous", "owndata")

    def __init__(self, flags: Any) -> None:
        self.c_contiguous = bool(flags.c_contiguous)
        self.f_contiguous = bool(flags.f_contiguous)
        self.owndata = bool(flags.owndata)

    def __getitem__(self, name: str) -> bool:
        names = {"C_CONTIGUOUS": "c_contiguous", "F_CONTIGUOUS": "f_contiguous"}
        return bool(getattr(self, names.get(name, name.lower())))


class ndarray:
    """A device array (``cupy.ndarray``): a NumPy array that refuses implicit host conversion."""

    __slots__ = ("__weakref__", "_a")
    _a: numpy.ndarray[Any, Any]

    def __init__(self, shape: Any, dtype: Any = float, memptr: Any = None, strides: Any = None) -> None:
        if memptr is not None:
            raise NotImplementedError("fake cupy: ndarray(memptr=...) (foreign device memory) is not emulated")
        self._a = numpy.ndarray(shape, dtype=dtype, strides=strides)
        _count_memory(self._a)
        _live[id(self._a)] = weakref.ref(self, _forget(id(self._a)))

    # -- attributes
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    strides = property(lambda self: self._a.strides)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    flags = property(lambda self: _Flags(self._a.flags))
    T = property(lambda self: _wrap(self._a.T))
    mT = property(lambda self: _wrap(numpy.swapaxes(self._a, -1, -2)))  # noqa: N815
    base = property(lambda self: _wrap(self._a.base) if isinstance(self._a.base, numpy.ndarray) else None)
    data = property(lambda self: _MemoryPointer(self._a))
    device = property(lambda self: _Device(0))

    @property
    def real(self) -> ndarray:
        return _wrap(self._a.real)  # type: ignore[no-any-return]

    @real.setter
    def real(self, value: Any) -> None:
        self._a.real = _unwrap(value, "real")

    @property
    def imag(self) -> ndarray:
        return _wrap(self._a.imag)  # type: ignore[no-any-return]

    @imag.setter
    def imag(self, value: Any) -> None:
        self._a.imag = _unwrap(value, "imag")

    def take(self, indices: Any, axis: Any = None, out: Any = None) -> Any:
        return _wrap(_take(self._a, _unwrap(indices, "take"), axis, _unwrap(out, "take")))

    def put(self, indices: Any, values: Any, mode: str = "wrap") -> None:
        _put(self._a, _unwrap(indices, "put"), _unwrap(values, "put"), mode)

    def __getattr__(self, name: str) -> Any:
        if name in _names.NDARRAY and hasattr(self._a, name):
            return _function(name if name in _SIZED_BY_DATA else f"ndarray.{name}", getattr(self._a, name))
        raise AttributeError(f"fake cupy: 'cupy.ndarray' object has no attribute '{name}'")

    # -- host transfers (each one a synchronisation)
    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        raise TypeError(
            "Implicit conversion to a NumPy array is not allowed. Please use `.get()` to construct a NumPy "
            "array explicitly."
        )

    def get(self, stream: Any = None, order: str = "C", out: Any = None, blocking: bool = True) -> Any:
        host_syncs.record("ndarray.get()")
        if out is not None:
            out[...] = self._a
            return out
        return numpy.array(self._a, order=order)

    def set(self, arr: Any, stream: Any = None) -> None:
        if stream is None:
            host_syncs.record("ndarray.set(host array)")  # without a stream the copy is synchronous
        self._a[...] = arr

    def item(self, *args: Any) -> Any:
        host_syncs.record("ndarray.item()")
        return self._a.item(*args)

    def tolist(self) -> Any:
        host_syncs.record("ndarray.tolist()")
        return self._a.tolist()

    def __float__(self) -> float:
        host_syncs.record("float(ndarray)")
        return float(self._a)

    def __int__(self) -> int:
        host_syncs.record("int(ndarray)")
        return int(self._a)

    def __complex__(self) -> complex:
        host_syncs.record("complex(ndarray)")
        return complex(self._a)

    def __bool__(self) -> bool:
        host_syncs.record("bool(ndarray)")
        return builtins.bool(self._a)

    def __repr__(self) -> str:
        return repr(self._a)

    def __str__(self) -> str:
        return str(self._a)

    def __format__(self, spec: str) -> str:
        host_syncs.record("format(ndarray)")
        return format(self._a, spec)

    def __len__(self) -> int:
        return len(self._a)

    def __iter__(self) -> Iterator[Any]:
        if self._a.ndim == 0:
            raise TypeError("fake cupy: iteration over a 0-d array")
        return (_wrap(self._a[i]) for i in range(len(self._a)))

    def __dlpack__(self, *args: Any, **kwargs: Any) -> Any:
        return self._a.__dlpack__(*args, **kwargs)

    def __dlpack_device__(self) -> tuple[int, int]:
        return (2, 0)  # kDLCUDA, device 0

    def toDlpack(self) -> Any:
        return self._a.__dlpack__()

    # -- indexing
    def __getitem__(self, key: Any) -> Any:
        key = _index(key)
        if _has_mask(key):
            host_syncs.record("boolean-mask indexing (its result's size is read back)")
        return _wrap(self._a[_wrapped_key(self._a.shape, key)])

    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(value, numpy.ndarray) and value.ndim > 0:
            raise TypeError("fake cupy: __setitem__: Unsupported type <class 'numpy.ndarray'> as the value")
        if _has_mask(_index(key)):
            host_syncs.record("boolean-mask assignment (the mask's count is read back)")
        self._a[_wrapped_key(self._a.shape, _index(key))] = value._a if isinstance(value, ndarray) else value

    # -- NumPy protocols: NumPy functions on device arrays run as CuPy's functions of the same name
    def __array_ufunc__(self, uf: numpy.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        where = f"numpy.{uf.__name__}.{method}"
        out = kwargs.get("out")
        with _quiet():
            result = getattr(uf, method)(*_unwrap(inputs, where), **_unwrap(kwargs, where))
        if out is not None and len(out) == 1 and isinstance(out[0], ndarray) and result is out[0]._a:
            return out[0]
        return _wrap(result)

    def __array_function__(self, func: Any, types_: Any, args: Any, kwargs: Any) -> Any:
        name = func.__name__
        module = func.__module__ or ""
        namespace = _names.LINALG if module.endswith("linalg") else _names.FFT if module.endswith("fft") else _names.TOP
        if name not in namespace:
            return NotImplemented
        with _quiet():
            return _wrap(func(*_unwrap(args, name), **_unwrap(kwargs, name)))

    # -- operators
    __add__, __radd__ = _binary(numpy.add), _binary(numpy.add, True)
    __sub__, __rsub__ = _binary(numpy.subtract), _binary(numpy.subtract, True)
    __mul__, __rmul__ = _binary(numpy.multiply), _binary(numpy.multiply, True)
    __truediv__, __rtruediv__ = _binary(numpy.true_divide), _binary(numpy.true_divide, True)
    __floordiv__, __rfloordiv__ = _binary(numpy.floor_divide), _binary(numpy.floor_divide, True)
    __mod__, __rmod__ = _binary(numpy.remainder), _binary(numpy.remainder, True)
    __pow__, __rpow__ = _binary(numpy.power), _binary(numpy.power, True)
    __matmul__, __rmatmul__ = _binary(numpy.matmul), _binary(numpy.matmul, True)
    __and__, __rand__ = _binary(numpy.bitwise_and), _binary(numpy.bitwise_and, True)
    __or__, __ror__ = _binary(numpy.bitwise_or), _binary(numpy.bitwise_or, True)
    __xor__, __rxor__ = _binary(numpy.bitwise_xor), _binary(numpy.bitwise_xor, True)
    __lshift__, __rlshift__ = _binary(numpy.left_shift), _binary(numpy.left_shift, True)
    __rshift__, __rrshift__ = _binary(numpy.right_shift), _binary(numpy.right_shift, True)
    __lt__, __le__ = _binary(numpy.less), _binary(numpy.less_equal)
    __gt__, __ge__ = _binary(numpy.greater), _binary(numpy.greater_equal)
    __eq__, __ne__ = _binary(numpy.equal), _binary(numpy.not_equal)  # type: ignore[assignment]
    __iadd__, __isub__ = _inplace(numpy.add), _inplace(numpy.subtract)
    __imul__, __itruediv__ = _inplace(numpy.multiply), _inplace(numpy.true_divide)
    __ifloordiv__, __imod__ = _inplace(numpy.floor_divide), _inplace(numpy.remainder)
    __ipow__ = _inplace(numpy.power)
    __iand__, __ior__, __ixor__ = _inplace(numpy.bitwise_and), _inplace(numpy.bitwise_or), _inplace(numpy.bitwise_xor)
    __hash__ = None  # type: ignore[assignment]

    def __neg__(self) -> Any:
        with _quiet():
            return _wrap(-self._a)

    def __pos__(self) -> Any:
        with _quiet():
            return _wrap(+self._a)

    def __abs__(self) -> Any:
        with _quiet():
            return _wrap(builtins.abs(self._a))

    def __invert__(self) -> Any:
        with _quiet():
            return _wrap(~self._a)

    def __copy__(self) -> Any:
        return _wrap(self._a.copy())

    def __deepcopy__(self, memo: Any) -> Any:
        return _wrap(self._a.copy())

    def __reduce__(self) -> Any:
        host_syncs.record("pickle(ndarray)")
        return (_from_host, (self._a.copy(),))


# ------------------------------------------------------------------ the module namespace


def _from_host(array: numpy.ndarray[Any, Any]) -> ndarray:
    return _wrap(array)  # type: ignore[no-any-return]


def asnumpy(a: Any, stream: Any = None, order: str = "C", out: Any = None, blocking: bool = True) -> Any:
    """Copy a device array to the host (a synchronisation); NumPy input passes through."""
    if isinstance(a, ndarray):
        return a.get(order=order, out=out)
    return numpy.asarray(a, order=order)


def get_array_module(*args: Any) -> types.ModuleType:
    """``cupy`` if any argument is a device array, else ``numpy``."""
    return sys.modules[__name__] if builtins.any(isinstance(a, ndarray) for a in args) else numpy


def from_dlpack(x: Any, **kwargs: Any) -> Any:
    """A device array sharing ``x``'s memory (any DLPack producer; this fake treats every device as one)."""
    if isinstance(x, ndarray):
        return x
    return _wrap(numpy.from_dlpack(x, **kwargs))


fromDlpack = from_dlpack  # noqa: N816


def _refuse_kernels(kind: str) -> Callable[..., Any]:
    def make(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"fake cupy: {kind} compiles CUDA code, which the fake cannot run")

    return make


ElementwiseKernel = _refuse_kernels("ElementwiseKernel")
ReductionKernel = _refuse_kernels("ReductionKernel")
RawKernel = _refuse_kernels("RawKernel")
RawModule = _refuse_kernels("RawModule")


def fuse(*args: Any, **kwargs: Any) -> Any:
    """``cupy.fuse``: the function itself (no kernel fusion in the fake)."""
    if args and callable(args[0]):
        return args[0]
    return lambda fn: fn


def is_available() -> bool:
    return True


class _Pool:
    """CuPy's caching pool in numbers: device arrays are counted while their memory lives; freed blocks stay
    reserved until ``free_all_blocks``."""

    def __init__(self) -> None:
        self.used = 0
        self.cached = 0
        self.limit = 0  # bytes; 0: no limit (``set_limit``)

    def used_bytes(self) -> int:
        return self.used

    def total_bytes(self) -> int:
        return self.used + self.cached

    def free_bytes(self) -> int:
        return self.cached

    def free_all_blocks(self) -> None:
        self.cached = 0

    def n_free_blocks(self) -> int:
        return 1 if self.cached else 0

    def set_limit(self, size: int | None = None, fraction: float | None = None) -> None:
        total = 80 * 2**30  # the fake device's memory (``runtime.getDeviceProperties``)
        self.limit = int(fraction * total) if fraction is not None else int(size or 0)

    def get_limit(self) -> int:
        return self.limit

    def malloc(self, size: int) -> Any:
        """A stand-in for CuPy's ``MemoryPointer``: only its block's size (``.mem.size``) is read."""
        if self.limit and self.used + size > self.limit:
            from .cuda import memory

            raise memory.OutOfMemoryError(size, self.used, self.limit)
        self.cached = builtins.max(self.cached - size, 0)
        self.used += size
        return types.SimpleNamespace(mem=types.SimpleNamespace(size=size))

    def free(self, size: int) -> None:
        self.used -= size
        self.cached += size


_memory_pool = _Pool()
_pinned_pool = _Pool()


def get_default_memory_pool() -> _Pool:
    return _memory_pool


def get_default_pinned_memory_pool() -> _Pool:
    return _pinned_pool


def _namespace(full_name: str, names: frozenset[str], source: Any) -> types.ModuleType:
    module = types.ModuleType(full_name)
    for name in names:
        if name.startswith("__") or not hasattr(source, name):
            continue
        value = getattr(source, name)
        if isinstance(value, numpy.ufunc):
            setattr(module, name, ufunc(value))
        elif isinstance(value, type) or not callable(value):
            setattr(module, name, value)
        else:
            qualified = f"{full_name.split('.', 1)[1]}.{name}" if "." in full_name else name
            keywords = _names.KEYWORDS.get(qualified)
            setattr(module, name, _function(name, value, host_in=name in _HOST_IN, keywords=keywords))
    sys.modules[full_name] = module
    return module


_HOST_IN = frozenset({"asarray", "array", "asanyarray", "ascontiguousarray"})


def _fill_top_level() -> None:
    this = sys.modules[__name__]
    skip = {"ndarray", "ufunc", "asnumpy", "get_array_module", "from_dlpack", "fromDlpack", "fuse", "is_available"}
    skip |= {"ElementwiseKernel", "ReductionKernel", "RawKernel", "RawModule", "random", "linalg", "fft", "lib"}
    skip |= {"cuda", "get_default_memory_pool", "get_default_pinned_memory_pool", "testing"}
    for name in _names.TOP - skip:
        if name.startswith("__") or not hasattr(numpy, name):
            continue
        value = _WRAPPING.get(name, getattr(numpy, name))
        if isinstance(value, numpy.ufunc):
            setattr(this, name, ufunc(value))
        elif isinstance(value, type) or not callable(value):
            setattr(this, name, value)
        else:
            keywords = _names.KEYWORDS.get(name)
            setattr(this, name, _function(name, value, host_in=name in _HOST_IN, keywords=keywords))


_fill_top_level()
linalg = _namespace(f"{__name__}.linalg", _names.LINALG, numpy.linalg)
fft = _namespace(f"{__name__}.fft", _names.FFT, numpy.fft)
lib = types.ModuleType(f"{__name__}.lib")
lib.stride_tricks = _namespace(  # type: ignore[attr-defined]
    f"{__name__}.lib.stride_tricks", frozenset({"as_strided", "sliding_window_view"}), numpy.lib.stride_tricks
)
sys.modules[lib.__name__] = lib

from . import cuda, random  # noqa: E402  (they read the names above)

__all__ = ["asnumpy", "cuda", "fft", "get_array_module", "host_syncs", "linalg", "ndarray", "random"]
