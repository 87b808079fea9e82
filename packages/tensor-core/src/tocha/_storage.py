"""``tocha.UntypedStorage``: the bytes under a tensor, and ``Tensor.untyped_storage()`` / ``Tensor.set_()``.

NOTE [ Storages ]
A tensor's memory is its root's array (the tensor itself, or the ``_base`` its views share); a storage is a
1-D uint8 array over that memory's extent, from its lowest to its highest byte, as PyTorch's storage of a
tensor made by ``from_numpy`` covers the strided array's extent. ``storage_offset()`` counts from the same
first byte. A storage made by ``UntypedStorage(n)`` owns its bytes.

tocha keeps no storage object inside tensors: a tensor holds its array, and ``untyped_storage()`` makes a
storage over it on each call (``data_ptr()`` says whether two storages share memory, not ``is``). Hence no
storage is resizable: PyTorch's ``resize_`` of a storage swaps the memory under every tensor that uses it,
which needs that indirection; here it raises PyTorch's error for storages that cannot resize, and so does a
``set_`` that would need a larger storage.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from . import _float8
from ._backend import xp_of
from ._device import CPU, device
from ._dtype import _TYPE_NAMES
from ._tensor_base import TensorBase, wrap

__all__ = ["StorageMethods", "UntypedStorage", "storage_bytes"]


def _address(array: Any) -> int:
    if isinstance(array, np.ndarray):
        return int(array.__array_interface__["data"][0])
    return int(array.data.ptr)


def _lowest_element(array: Any) -> Any:
    """A 1-element view of ``array``'s element at its lowest address (None for an empty array)."""
    if array.size == 0:
        return None
    key = tuple(slice(n - 1, n) if s < 0 else slice(0, 1) for n, s in zip(array.shape, array.strides, strict=True))
    return array[key].reshape(1)


def storage_bytes(array: Any, xp: Any) -> Any:
    """The uint8 array over ``array``'s memory extent (NOTE [ Storages ]); shares its memory."""
    first = _lowest_element(array)
    if first is None:
        return xp.empty(0, dtype=np.uint8)
    extent = array.itemsize + sum((n - 1) * abs(s) for n, s in zip(array.shape, array.strides, strict=True))
    raw = first.view(np.uint8)  # the lowest element's bytes: the extent starts there
    return xp.lib.stride_tricks.as_strided(raw, shape=(extent,), strides=(1,))


class UntypedStorage:
    """A flat run of bytes on a device, as ``torch.UntypedStorage`` (NOTE [ Storages ] in tocha._storage).

    ``UntypedStorage(n)`` allocates ``n`` bytes (uninitialised); ``UntypedStorage([1, 2])`` holds those byte
    values; ``tensor.untyped_storage()`` shares the tensor's memory.

    Example:
        >>> import tocha
        >>> x = tocha.tensor([1, 2], dtype=tocha.int16)
        >>> s = x.untyped_storage()
        >>> s.nbytes(), s.tolist(), s.data_ptr() == x.data_ptr()
        (4, [1, 0, 2, 0], True)
    """

    __slots__ = ("_bytes", "_device", "_owner")

    def __init__(self, size: Any = 0, *, device: Any = None) -> None:
        dev = _device_of(device)
        xp = xp_of(dev)
        if isinstance(size, (list, tuple)):
            values = [int(v) for v in size]
            if any(not 0 <= v < 256 for v in values):
                raise RuntimeError(f"UntypedStorage(): byte values must lie in [0, 255], got {values}")
            data = xp.asarray(np.array(values, dtype=np.uint8))
        elif isinstance(size, (int, np.integer)) and not isinstance(size, bool):
            if size < 0:
                raise RuntimeError(f"UntypedStorage(): the size must be non-negative, got {size}")
            data = xp.empty(int(size), dtype=np.uint8)
        else:
            raise TypeError(
                f"UntypedStorage(): expected a size (int) or a sequence of bytes, got {type(size).__name__}"
            )
        self._bytes = data
        self._device = dev
        self._owner: TensorBase | None = None

    @classmethod
    def _over(cls, data: Any, dev: device, owner: TensorBase | None) -> UntypedStorage:
        storage = cls.__new__(cls)
        storage._bytes = data
        storage._device = dev
        storage._owner = owner
        return storage

    # ------------------------------------------------------------ sizes and place

    def nbytes(self) -> int:
        """The number of bytes."""
        return int(self._bytes.size)

    def size(self) -> int:
        """The number of bytes (a storage's elements are bytes)."""
        return int(self._bytes.size)

    def __len__(self) -> int:
        return int(self._bytes.size)

    def element_size(self) -> int:
        """1: the elements of an untyped storage are bytes."""
        return 1

    def data_ptr(self) -> int:
        """The address of the first byte (a device address on CUDA)."""
        return _address(self._bytes) if self._bytes.size else 0

    @property
    def device(self) -> device:
        """Where the bytes live."""
        return self._device

    @property
    def is_cuda(self) -> bool:
        """Whether the bytes live on a CUDA device."""
        return self._device.type == "cuda"

    def get_device(self) -> int:
        """The CUDA device index, or -1 on the CPU."""
        return -1 if self._device.type == "cpu" else int(self._device.index or 0)

    def type(self) -> str:
        """The storage's type name (PyTorch's ``torch.storage.UntypedStorage``)."""
        return "tocha.UntypedStorage"

    def resizable(self) -> bool:
        """False: tocha's tensors hold no storage object, so no storage can resize under them (NOTE [ Storages ])."""
        return False

    def resize_(self, size: int) -> UntypedStorage:
        """Refused as PyTorch refuses it for storages that cannot resize (NOTE [ Storages ])."""
        raise RuntimeError("Trying to resize storage that is not resizable")

    def is_shared(self) -> bool:
        """Whether the bytes live in shared memory (always True on CUDA)."""
        if self._device.type != "cpu":
            return True
        return self._owner is not None and bool(self._owner.is_shared())

    def share_memory_(self) -> UntypedStorage:
        """This storage when it is already shared; otherwise refused, since moving the bytes would need every
        tensor over them to follow (call ``share_memory_()`` on the tensor instead)."""
        if self.is_shared():
            return self
        raise RuntimeError(
            "UntypedStorage.share_memory_(): tocha cannot move a storage's bytes under the tensors that use them; "
            "call Tensor.share_memory_() on the tensor (before making views of it) instead"
        )

    def is_pinned(self, device: Any = "cuda") -> bool:
        """Whether the bytes live in page-locked host memory."""
        return self._owner is not None and bool(self._owner.is_pinned())  # type: ignore[attr-defined]

    # ------------------------------------------------------------ values

    def tolist(self) -> list[int]:
        """The byte values."""
        return [int(v) for v in self._host()]

    def _host(self) -> np.ndarray[Any, Any]:
        if self._device.type == "cpu":
            return self._bytes  # type: ignore[no-any-return]
        return np.asarray(self._bytes.get())

    def __iter__(self) -> Iterator[int]:
        return iter(self.tolist())

    def __getitem__(self, index: Any) -> Any:
        n = self.nbytes()
        if isinstance(index, slice):
            start, stop, step = index.indices(n)
            if step != 1:
                raise RuntimeError("slices of a storage must have step 1")
            return UntypedStorage._over(self._bytes[start : max(start, stop)], self._device, self._owner)
        if isinstance(index, (int, np.integer)) and not isinstance(index, bool):
            if not -n <= index < n:
                raise IndexError(f"index {index} out of range for storage of size {n}")
            return int(self._host()[int(index)])
        raise TypeError(f"storage indices must be integers or slices, not {type(index).__name__}")

    def __setitem__(self, index: Any, value: Any) -> None:
        n = self.nbytes()
        if isinstance(index, (int, np.integer)) and not isinstance(index, bool) and not -n <= index < n:
            raise IndexError(f"index {index} out of range for storage of size {n}")
        if isinstance(value, UntypedStorage):
            value = value._bytes
        self._bytes[index] = value

    def fill_(self, value: int) -> UntypedStorage:
        """Set every byte to ``value``."""
        self._bytes.fill(np.uint8(int(value) & 0xFF))
        return self

    def copy_(self, source: UntypedStorage, non_blocking: bool = False) -> UntypedStorage:
        """Copy ``source``'s bytes (of the same count, from any device) into this storage."""
        if not isinstance(source, UntypedStorage):
            raise TypeError(f"copy_(): expected an UntypedStorage, got {type(source).__name__}")
        if source.nbytes() != self.nbytes():
            raise RuntimeError(
                f"size does not match, self was {self.nbytes()} bytes but src was {source.nbytes()} bytes"
            )
        if source._device == self._device:
            self._bytes[...] = source._bytes
        elif self._device.type == "cpu":
            self._bytes[...] = source._host()
        else:
            self._bytes[...] = xp_of(self._device).asarray(source._host())
        return self

    def clone(self) -> UntypedStorage:
        """A copy of the bytes on the same device."""
        return UntypedStorage._over(self._bytes.copy(), self._device, None)

    def to(self, device: Any = None, non_blocking: bool = False) -> UntypedStorage:
        """This storage on ``device``: itself when it is already there, a copy otherwise."""
        dev = _device_of(device)
        if dev == self._device:
            return self
        copy = UntypedStorage(self.nbytes(), device=dev)
        return copy.copy_(self)

    def cpu(self) -> UntypedStorage:
        """This storage in host memory."""
        return self.to(CPU)

    def cuda(self, device: Any = None, non_blocking: bool = False) -> UntypedStorage:
        """This storage on a CUDA device (the current one by default)."""
        return self.to(device if device is not None else "cuda", non_blocking)

    def __repr__(self) -> str:
        values = "\n".join(f" {v}" for v in self.tolist())
        tail = f"[tocha.UntypedStorage(device={self._device}) of size {self.nbytes()}]"
        return f"{values}\n{tail}" if values else tail

    def __reduce__(self) -> Any:
        return (_restore, (self._host().tobytes(), str(self._device)))

    def _root(self) -> TensorBase:
        """The tensor whose memory this storage covers (made over the bytes for a storage of its own)."""
        if self._owner is None:
            self._owner = wrap(self._bytes, self._device)
        return self._owner


def _restore(data: bytes, where: str) -> UntypedStorage:
    storage = UntypedStorage(len(data), device=where)
    storage.copy_(UntypedStorage._over(np.frombuffer(bytearray(data), dtype=np.uint8), CPU, None))
    return storage


# PyTorch's C++ names of the element types, as set_'s dtype error prints them
_C_TYPES = {
    "float32": "float",
    "float64": "double",
    "float16": "c10::Half",
    "bfloat16": "c10::BFloat16",
    "complex64": "c10::complex<float>",
    "complex128": "c10::complex<double>",
    "int64": "long int",
    "int32": "int",
    "int16": "short int",
    "int8": "signed char",
    "uint8": "unsigned char",
    "uint16": "short unsigned int",
    "uint32": "unsigned int",
    "uint64": "long unsigned int",
    "bool": "bool",
}


class StorageMethods:
    """``Tensor.untyped_storage`` and ``Tensor.set_`` (NOTE [ Storages ] in tocha._storage)."""

    __slots__ = ()

    def untyped_storage(self: Any) -> UntypedStorage:
        """The bytes this tensor's memory lies in: its root's whole extent, shared (NOTE [ Storages ]).

        Example:
            >>> import tocha
            >>> x = tocha.zeros(4)
            >>> x[2:].untyped_storage().nbytes(), x[2:].storage_offset()
            (16, 2)
        """
        root = self._base if self._base is not None else self
        data = storage_bytes(root._data, xp_of(self._device))
        return UntypedStorage._over(data, self._device, root)

    def set_(
        self: Any,
        source: Any = None,
        storage_offset: int = 0,
        size: Any = None,
        stride: Any = None,
    ) -> Any:
        """Make this tensor look at other memory: ``source``'s (a tensor or a storage), or none (``set_()``).

        With a tensor alone it becomes an alias of it (same memory, offset, shape and strides); with a storage
        alone it views all of it as a 1-D tensor of its own dtype; ``storage_offset``, ``size`` and ``stride``
        (contiguous by default) place it inside the source's storage. The storage must be large enough: tocha's
        storages do not grow (NOTE [ Storages ]).

        Example:
            >>> import tocha
            >>> x = tocha.arange(6.0)
            >>> tocha.empty(0).set_(x.untyped_storage(), 1, (2, 2))
            tensor([[1., 2.],
                    [3., 4.]])
        """
        from ._grad_mode import is_grad_enabled

        if self._requires_grad and is_grad_enabled():
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        xp = xp_of(self._device)
        if source is None:
            if size is not None or stride is not None or storage_offset:
                raise TypeError("set_(): storage_offset, size and stride need a source (a Tensor or a Storage)")
            _rebind(self, xp.empty(0, dtype=self._dtype.numpy_dtype), None)
            return self
        if isinstance(source, TensorBase):
            if source._dtype is not self._dtype:
                raise RuntimeError(
                    f"Could not set tensor of type {_c_type(source._dtype)} to a tensor of type {_c_type(self._dtype)}"
                )
            if size is None and stride is None and not storage_offset:
                _check_device(self, source._device)
                _rebind(self, source._data, source._base if source._base is not None else source)
                return self
            source = StorageMethods.untyped_storage(source)
        from ._typed_storage import TypedStorage

        if isinstance(source, TypedStorage):
            if source.dtype is not self._dtype:
                raise RuntimeError(
                    f"Expected a Storage of type {_c_type(self._dtype)} or an UntypedStorage, but got type "
                    f"{type_name(source.dtype)} for argument 1 'storage'"
                )
            source = source.untyped()
        if not isinstance(source, UntypedStorage):
            raise TypeError(f"set_(): argument 'source' must be Tensor or Storage, not {type(source).__name__}")
        _check_device(self, source._device)
        root = source._root()
        _rebind(self, _view_of_storage(source, self._dtype, int(storage_offset), size, stride, xp), root)
        return self


def type_name(d: Any) -> str:
    return _TYPE_NAMES[d.name]


def _c_type(d: Any) -> str:
    return str(_C_TYPES.get(d.name, d.name))


def _rebind(t: TensorBase, data: Any, root: TensorBase | None) -> None:
    """Point ``t`` at ``data``, in the memory of ``root`` (None: its own), and count the write."""
    t._data = data
    t._base = root if root is not t else None  # type: ignore[assignment]
    (t._base if t._base is not None else t)._version += 1


def _check_device(t: Any, where: device) -> None:
    if where != t._device:
        raise RuntimeError(f"set_(): the source is on {where} but the tensor is on {t._device}")


def _view_of_storage(storage: UntypedStorage, dtype: Any, offset: int, size: Any, stride: Any, xp: Any) -> Any:
    """``storage``'s bytes seen as ``dtype`` elements laid out by ``offset``, ``size`` and ``stride``."""
    itemsize = dtype.itemsize
    count = storage.nbytes() // itemsize
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    shape = (count - offset,) if size is None else tuple(int(n) for n in size)
    if any(n < 0 for n in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {list(shape)}")
    if stride is None:
        strides, step = [], 1
        for n in reversed(shape):
            strides.append(step)
            step *= max(n, 1)
        stride = tuple(reversed(strides))
    stride = tuple(int(s) for s in stride)
    if len(stride) != len(shape):
        raise RuntimeError(f"mismatch in length of strides and shape: {len(stride)} and {len(shape)}")
    needed = 0 if 0 in shape else offset + 1 + sum((n - 1) * s for n, s in zip(shape, stride, strict=True))
    if needed > count:
        raise RuntimeError("Trying to resize storage that is not resizable")
    elements = storage._bytes[: count * itemsize].view(dtype.numpy_dtype)
    return _float8.as_strided(xp, elements[min(offset, count) :], tuple(shape), tuple(s * itemsize for s in stride))


def _device_of(value: Any) -> device:
    if value is None:
        return CPU
    return value if isinstance(value, device) else device(value)
