"""``tocha.TypedStorage``, ``Tensor.storage()`` and the legacy storage types (``tocha.FloatStorage``...).

NOTE [ Typed storages ]
PyTorch's older storage API sees a tensor's memory as elements of its dtype: ``x.storage()`` is a
``TypedStorage``, indexable and sized in elements, over the same bytes as ``x.untyped_storage()``. PyTorch
deprecates it (``x.storage()`` warns once) but keeps it, and older code still calls ``x.storage().data_ptr()``
or ``x.storage().size()``. Here a :class:`TypedStorage` is a dtype over an :class:`UntypedStorage` (NOTE
[ Storages ]): it shares that storage's bytes and its limits (it cannot resize). ``tocha.FloatStorage``... are
its subclasses for one dtype: calling one makes a storage of that dtype, and ``isinstance(s, tocha.FloatStorage)``
asks whether ``s`` holds float32 on the CPU, as PyTorch's legacy storage classes do.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any, ClassVar, cast

import numpy as np

from ._backend import xp_of
from ._device import CPU, device
from ._dtype import (
    bfloat16,
    complex64,
    complex128,
    float16,
    float32,
    float64,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    uint8,
)
from ._dtype import bool as bool_
from ._dtype import dtype as dtype_
from ._storage import UntypedStorage

__all__ = [
    "TypedStorage",
    "BoolStorage",
    "ByteStorage",
    "CharStorage",
    "ShortStorage",
    "IntStorage",
    "LongStorage",
    "HalfStorage",
    "BFloat16Storage",
    "FloatStorage",
    "DoubleStorage",
    "ComplexFloatStorage",
    "ComplexDoubleStorage",
    "TypedStorageMethods",
]

_DEPRECATED = (
    "TypedStorage is deprecated. It will be removed in the future and UntypedStorage will be the only storage "
    "class. This should only matter to you if you are using storages directly.  To access UntypedStorage "
    "directly, use tensor.untyped_storage() instead of tensor.storage()"
)


def _warn_deprecated() -> None:
    warnings.warn(_DEPRECATED, UserWarning, stacklevel=3)


class _LegacyStorageMeta(type):
    """``isinstance(s, tocha.FloatStorage)``: a TypedStorage of that class's dtype on the CPU."""

    def __instancecheck__(cls, obj: Any) -> bool:
        fixed = cls.__dict__.get("_fixed_dtype")
        if fixed is None:
            return super().__instancecheck__(obj)
        return isinstance(obj, TypedStorage) and obj.dtype is fixed and obj.device.type == "cpu"


class TypedStorage(metaclass=_LegacyStorageMeta):
    """A tensor's memory seen as elements of one dtype, as ``torch.TypedStorage`` (NOTE [ Typed storages ]).

    ``TypedStorage(n, dtype=...)`` allocates ``n`` elements (uninitialised), ``TypedStorage([1.0, 2.0])``
    holds those values, ``TypedStorage(wrap_storage=untyped, dtype=...)`` views existing bytes;
    ``tensor.storage()`` shares the tensor's memory.

    Example:
        >>> import warnings
        >>> import tocha
        >>> x = tocha.tensor([1.0, 2.0, 3.0])
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")  # PyTorch's deprecation of TypedStorage
        ...     s = x.storage()
        >>> s.size(), s.dtype, s[1], s.data_ptr() == x.data_ptr()
        (3, tocha.float32, 2.0, True)
    """

    __slots__ = ("_dtype", "_untyped")
    __module__ = "tocha"
    _fixed_dtype: ClassVar[dtype_ | None] = None
    is_sparse: ClassVar[bool] = False

    def __init__(
        self, *args: Any, dtype: dtype_ | None = None, device: Any = None, wrap_storage: UntypedStorage | None = None
    ) -> None:
        kind = self._fixed_dtype or dtype or get_default_dtype()
        if self._fixed_dtype is not None and dtype is not None and dtype is not self._fixed_dtype:
            raise RuntimeError(f"{type(self).__name__}(): the dtype is {self._fixed_dtype}, got dtype={dtype}")
        self._dtype = kind
        if wrap_storage is not None:
            if args:
                raise RuntimeError("TypedStorage(): wrap_storage takes no other positional arguments")
            if not isinstance(wrap_storage, UntypedStorage):
                raise TypeError(
                    f"TypedStorage(): argument 'wrap_storage' must be UntypedStorage, not {type(wrap_storage).__name__}"
                )
            if device is not None and _device_of(device) != wrap_storage.device:
                raise RuntimeError(
                    f"TypedStorage(): the storage is on {wrap_storage.device} but device={_device_of(device)}"
                )
            self._untyped = wrap_storage
            return
        where = _device_of(device)
        if len(args) > 1:
            raise TypeError(f"TypedStorage(): expected a size or a sequence, got {len(args)} positional arguments")
        source = args[0] if args else 0
        if isinstance(source, (int, np.integer)) and not isinstance(source, bool):
            if source < 0:
                raise RuntimeError(f"TypedStorage(): the size must be non-negative, got {source}")
            self._untyped = UntypedStorage(int(source) * kind.itemsize, device=where)
            return
        if isinstance(source, (list, tuple)):
            values = np.asarray(source, dtype=kind.numpy_dtype).reshape(-1)
            self._untyped = UntypedStorage(values.nbytes, device=where)
            self._elements()[...] = xp_of(where).asarray(values)
            return
        raise TypeError(f"TypedStorage(): expected a size (int) or a sequence of values, got {type(source).__name__}")

    @classmethod
    def _wrap(cls, untyped: UntypedStorage, kind: dtype_) -> TypedStorage:
        storage = TypedStorage.__new__(TypedStorage)
        storage._untyped = untyped
        storage._dtype = kind
        return storage

    def _elements(self) -> Any:
        raw = self._untyped._bytes
        count = raw.size // self._dtype.itemsize
        return raw[: count * self._dtype.itemsize].view(self._dtype.numpy_dtype)

    # ------------------------------------------------------------ sizes and place

    @property
    def dtype(self) -> dtype_:
        """The element type."""
        return self._dtype

    @property
    def device(self) -> device:
        """Where the elements live."""
        return self._untyped.device

    @property
    def is_cuda(self) -> bool:
        """Whether the elements live on a CUDA device."""
        return self._untyped.is_cuda

    def size(self) -> int:
        """The number of elements."""
        return self._untyped.nbytes() // self._dtype.itemsize

    def __len__(self) -> int:
        return self.size()

    def nbytes(self) -> int:
        """The number of bytes."""
        return self._untyped.nbytes()

    def element_size(self) -> int:
        """The size of one element in bytes."""
        return self._dtype.itemsize

    def data_ptr(self) -> int:
        """The address of the first element (a device address on CUDA)."""
        return self._untyped.data_ptr()

    def get_device(self) -> int:
        """The CUDA device index, or -1 on the CPU."""
        return self._untyped.get_device()

    def untyped(self) -> UntypedStorage:
        """The bytes under these elements."""
        return self._untyped

    def type(self, dtype: Any = None, non_blocking: bool = False) -> Any:
        """The legacy type name (``'tocha.FloatStorage'``), or this storage converted to the legacy type ``dtype``."""
        if dtype is None:
            prefix = "tocha." if self.device.type == "cpu" else "tocha.cuda."
            return prefix + _LEGACY_NAMES[self._dtype.name]
        target = dtype if isinstance(dtype, type) else _from_name(str(dtype))
        kind = getattr(target, "_fixed_dtype", None)
        if kind is None:
            raise ValueError(f"TypedStorage.type(): unknown storage type {dtype!r}")
        return self._to(kind)

    def pickle_storage_type(self) -> str:
        """The legacy class name PyTorch's pickles record (``'FloatStorage'``)."""
        return _LEGACY_NAMES[self._dtype.name]

    def resizable(self) -> bool:
        """False: tocha's storages cannot grow under their tensors (NOTE [ Storages ])."""
        return False

    def resize_(self, size: int) -> TypedStorage:
        """Refused as PyTorch refuses it for storages that cannot resize (NOTE [ Storages ])."""
        self._untyped.resize_(int(size) * self._dtype.itemsize)
        return self

    def is_shared(self) -> bool:
        """Whether the elements live in shared memory."""
        return self._untyped.is_shared()

    def share_memory_(self) -> TypedStorage:
        """This storage, once its bytes are shared (see ``UntypedStorage.share_memory_``)."""
        self._untyped.share_memory_()
        return self

    def is_pinned(self, device: Any = "cuda") -> bool:
        """Whether the elements live in page-locked host memory."""
        return self._untyped.is_pinned(device)

    # ------------------------------------------------------------ values

    def tolist(self) -> list[Any]:
        """The elements as Python numbers."""
        values = self._elements()
        host = values if self.device.type == "cpu" else values.get()
        return np.asarray(host).astype(_python_dtype(self._dtype)).tolist()  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.tolist())

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            raise RuntimeError("slices are only supported in UntypedStorage.__getitem__")
        n = self.size()
        if not isinstance(index, (int, np.integer)) or isinstance(index, bool):
            raise TypeError(f"can't index a {type(self).__name__} with {type(index).__name__}")
        if not -n <= index < n:
            raise IndexError(f"index {index} out of range for storage of size {n}")
        value = self._elements()[int(index)]
        host = value if self.device.type == "cpu" else value.get()
        return np.asarray(host).astype(_python_dtype(self._dtype)).item()

    def __setitem__(self, index: Any, value: Any) -> None:
        n = self.size()
        if isinstance(index, (int, np.integer)) and not isinstance(index, bool) and not -n <= index < n:
            raise IndexError(f"index {index} out of range for storage of size {n}")
        self._elements()[index] = value

    def fill_(self, value: Any) -> TypedStorage:
        """Set every element to ``value``."""
        self._elements().fill(value)
        return self

    def copy_(self, source: TypedStorage, non_blocking: bool = False) -> TypedStorage:
        """Copy ``source``'s elements (as many, from any device and of any dtype) into this storage."""
        if not isinstance(source, TypedStorage):
            raise TypeError(f"copy_(): expected a TypedStorage, got {type(source).__name__}")
        if source.size() != self.size():
            raise RuntimeError(f"size does not match, self was {self.size()} elements but src was {source.size()}")
        values = source._elements()
        if source.device != self.device:
            values = values.get() if source.device.type != "cpu" else xp_of(self.device).asarray(values)
        self._elements()[...] = values.astype(self._dtype.numpy_dtype, copy=False)
        return self

    def clone(self) -> TypedStorage:
        """A copy of the elements on the same device."""
        return TypedStorage._wrap(self._untyped.clone(), self._dtype)

    def to(self, device: Any = None, non_blocking: bool = False) -> TypedStorage:
        """This storage on ``device``: itself when it is already there, a copy otherwise."""
        moved = self._untyped.to(device, non_blocking)
        return self if moved is self._untyped else TypedStorage._wrap(moved, self._dtype)

    def cpu(self) -> TypedStorage:
        """This storage in host memory."""
        return self.to(CPU)

    def cuda(self, device: Any = None, non_blocking: bool = False) -> TypedStorage:
        """This storage on a CUDA device (the current one by default)."""
        return self.to(device if device is not None else "cuda", non_blocking)

    def pin_memory(self, device: Any = "cuda") -> TypedStorage:
        """A copy of this storage in page-locked host memory."""
        from ._tensor_base import wrap

        pinned = wrap(self._elements(), self.device).pin_memory()  # type: ignore[attr-defined]
        return TypedStorage._wrap(pinned.untyped_storage(), self._dtype)

    def _to(self, kind: dtype_) -> TypedStorage:
        if kind is self._dtype:
            return self
        converted = TypedStorage(self.size(), dtype=kind, device=self.device)
        return converted.copy_(self)

    def double(self) -> TypedStorage:
        """A float64 copy (this storage when it is float64)."""
        return self._to(float64)

    def float(self) -> TypedStorage:
        """A float32 copy (this storage when it is float32)."""
        return self._to(float32)

    def half(self) -> TypedStorage:
        """A float16 copy (this storage when it is float16)."""
        return self._to(float16)

    def bfloat16(self) -> TypedStorage:
        """A bfloat16 copy (this storage when it is bfloat16)."""
        return self._to(bfloat16)

    def long(self) -> TypedStorage:
        """An int64 copy (this storage when it is int64)."""
        return self._to(int64)

    def int(self) -> TypedStorage:
        """An int32 copy (this storage when it is int32)."""
        return self._to(int32)

    def short(self) -> TypedStorage:
        """An int16 copy (this storage when it is int16)."""
        return self._to(int16)

    def char(self) -> TypedStorage:
        """An int8 copy (this storage when it is int8)."""
        return self._to(int8)

    def byte(self) -> TypedStorage:
        """A uint8 copy (this storage when it is uint8)."""
        return self._to(uint8)

    def bool(self) -> TypedStorage:
        """A bool copy (this storage when it is bool)."""
        return self._to(bool_)

    def complex_float(self) -> TypedStorage:
        """A complex64 copy (this storage when it is complex64)."""
        return self._to(complex64)

    def complex_double(self) -> TypedStorage:
        """A complex128 copy (this storage when it is complex128)."""
        return self._to(complex128)

    def __repr__(self) -> str:
        values = "\n".join(f" {v}" for v in self.tolist())
        tail = f"[tocha.TypedStorage(dtype={self._dtype}, device={self.device}) of size {self.size()}]"
        return f"{values}\n{tail}" if values else tail

    def __reduce__(self) -> Any:
        return (TypedStorage._wrap, (self._untyped, self._dtype))


def _python_dtype(kind: dtype_) -> Any:
    if kind.is_complex:
        return np.complex128
    if kind.is_floating_point:
        return np.float64
    return np.bool_ if kind is bool_ else np.int64


def _device_of(value: Any) -> device:
    if value is None:
        return CPU
    return value if isinstance(value, device) else device(value)


_LEGACY_NAMES: dict[str, str] = {
    "bool": "BoolStorage",
    "uint8": "ByteStorage",
    "int8": "CharStorage",
    "int16": "ShortStorage",
    "int32": "IntStorage",
    "int64": "LongStorage",
    "float16": "HalfStorage",
    "bfloat16": "BFloat16Storage",
    "float32": "FloatStorage",
    "float64": "DoubleStorage",
    "complex64": "ComplexFloatStorage",
    "complex128": "ComplexDoubleStorage",
    "uint16": "UInt16Storage",
    "uint32": "UInt32Storage",
    "uint64": "UInt64Storage",
}


def _legacy(kind: dtype_) -> type[TypedStorage]:
    name = _LEGACY_NAMES[kind.name]
    return cast(
        "type[TypedStorage]",
        _LegacyStorageMeta(
            name,
            (TypedStorage,),
            {
                "__slots__": (),
                "_fixed_dtype": kind,
                "__module__": "tocha",
                "__doc__": f"A CPU :class:`TypedStorage` of {kind} (PyTorch's legacy ``torch.{name}``).",
            },
        ),
    )


BoolStorage = _legacy(bool_)
ByteStorage = _legacy(uint8)
CharStorage = _legacy(int8)
ShortStorage = _legacy(int16)
IntStorage = _legacy(int32)
LongStorage = _legacy(int64)
HalfStorage = _legacy(float16)
BFloat16Storage = _legacy(bfloat16)
FloatStorage = _legacy(float32)
DoubleStorage = _legacy(float64)
ComplexFloatStorage = _legacy(complex64)
ComplexDoubleStorage = _legacy(complex128)

_BY_DTYPE: dict[str, type[TypedStorage]] = {
    cls._fixed_dtype.name: cls  # type: ignore[union-attr]
    for cls in (
        BoolStorage,
        ByteStorage,
        CharStorage,
        ShortStorage,
        IntStorage,
        LongStorage,
        HalfStorage,
        BFloat16Storage,
        FloatStorage,
        DoubleStorage,
        ComplexFloatStorage,
        ComplexDoubleStorage,
    )
}


def _from_name(name: str) -> type[TypedStorage] | None:
    short = name.rsplit(".", 1)[-1]
    return next((cls for cls in _BY_DTYPE.values() if cls.__name__ == short), None)


class TypedStorageMethods:
    """``Tensor.storage()`` and ``Tensor.storage_type()`` (NOTE [ Typed storages ])."""

    __slots__ = ()

    def storage(self: Any) -> TypedStorage:
        """This tensor's memory as elements of its dtype, shared (PyTorch deprecates it: it warns).

        Example:
            >>> import warnings
            >>> import tocha
            >>> x = tocha.zeros(3)
            >>> with warnings.catch_warnings():
            ...     warnings.simplefilter("ignore")
            ...     _ = x.storage().fill_(7.0)
            >>> x
            tensor([7., 7., 7.])
        """
        _warn_deprecated()
        return TypedStorage._wrap(self.untyped_storage(), self._dtype)

    def storage_type(self: Any) -> type[TypedStorage]:
        """The legacy storage class of this tensor's dtype (``tocha.FloatStorage`` for float32).

        Example:
            >>> import tocha
            >>> tocha.ones(2).storage_type()
            <class 'tocha.FloatStorage'>
        """
        found = _BY_DTYPE.get(self._dtype.name)
        if found is None:
            raise RuntimeError(f"storage_type(): tocha has no legacy storage type for {self._dtype}")
        return found
