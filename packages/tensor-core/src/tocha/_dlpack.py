"""DLPack: zero-copy exchange of tensors with NumPy, PyTorch, CuPy, JAX and any other DLPack library.

NOTE [ DLPack ]
Export (``Tensor.__dlpack__``) hands the array module's own capsule out
(``numpy.ndarray.__dlpack__`` / ``cupy.ndarray.__dlpack__``), so the consumer
sees the very memory of the tensor, views and strides included. Import
(:func:`from_dlpack`) goes through ``numpy.from_dlpack`` / ``cupy.from_dlpack``.

NumPy's DLPack code knows no bfloat16 (DLPack type code 4, ``kDLBfloat``) and
no float8 types (codes 10 to 14, DLPack 1.1), which PyTorch and JAX do export.
tocha bridges them without a copy: such a tensor is exported as the capsule of
its ``uint16`` or ``uint8`` view whose dtype code is then rewritten to the
type's own; such a capsule is imported by rewriting its code to ``kDLUInt``
and viewing the result as the ml_dtypes type. Both rewrite one byte of the
``DLTensor`` the producer allocated, before anyone else reads it.

Read-only memory (a NumPy array with ``writeable=False``) imports as a tensor
whose NumPy array is read-only: reads work, in-place writes raise NumPy's
ValueError. (PyTorch silently gives a writable tensor there; writing through
it is undefined behaviour.)
"""

from __future__ import annotations

import ctypes
from typing import TYPE_CHECKING, Any

import numpy as np

from ._device import CPU, device
from ._tensor_base import TensorBase, wrap

if TYPE_CHECKING:
    from ._tensor import Tensor

__all__ = ["from_dlpack", "to_dlpack", "export", "device_of"]

# DLPack device types (dlpack.h, DLDeviceType).
DL_CPU, DL_CUDA, DL_CUDA_HOST, DL_CUDA_MANAGED = 1, 2, 3, 13
_KDL_UINT = 1
# The dtypes NumPy's DLPack code does not know: tocha name -> (DLPack type code, bits) (NOTE [ DLPack ]).
_BRIDGED = {
    "bfloat16": (4, 16),
    "float8_e4m3fn": (10, 8),
    "float8_e4m3fnuz": (11, 8),
    "float8_e5m2": (12, 8),
    "float8_e5m2fnuz": (13, 8),
    "float8_e8m0fnu": (14, 8),
}
# Byte offset of DLTensor.dtype.code inside DLManagedTensor (legacy capsule, "dltensor") and inside
# DLManagedTensorVersioned ("dltensor_versioned": version, manager_ctx, deleter and flags come first).
_DTYPE_CODE_OFFSET = {b"dltensor": 20, b"dltensor_versioned": 32 + 20}

_get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_get_pointer.restype = ctypes.c_void_p
_get_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
_get_name = ctypes.pythonapi.PyCapsule_GetName
_get_name.restype = ctypes.c_char_p
_get_name.argtypes = [ctypes.py_object]


def _dtype_code_address(capsule: Any) -> int:
    name = _get_name(capsule)
    if name not in _DTYPE_CODE_OFFSET:
        raise BufferError(f"from_dlpack(): expected a DLPack capsule, got a capsule named {name!r}")
    return int(_get_pointer(capsule, name)) + _DTYPE_CODE_OFFSET[name]


def _dtype_code(capsule: Any) -> tuple[int, int]:
    """The capsule's DLTensor dtype: (type code, bits)."""
    address = _dtype_code_address(capsule)
    return ctypes.c_uint8.from_address(address).value, ctypes.c_uint8.from_address(address + 1).value


def _set_dtype_code(capsule: Any, code: int) -> None:
    ctypes.c_uint8.from_address(_dtype_code_address(capsule)).value = code


def device_of(t: TensorBase) -> tuple[int, int]:
    """``(device_type, index)`` of a tensor in DLPack's numbering (1 = CPU, 2 = CUDA)."""
    if t._device is CPU:
        return (DL_CPU, 0)
    index = t._device.index
    return (DL_CUDA, 0 if index is None else int(index))


def export(
    t: TensorBase,
    stream: Any = None,
    max_version: tuple[int, int] | None = None,
    dl_device: tuple[int, int] | None = None,
    copy: bool | None = None,
) -> Any:
    """The DLPack capsule of ``t`` (the body of ``Tensor.__dlpack__``); see NOTE [ DLPack ]."""
    if t._requires_grad:
        raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
    data = t._data
    source = device_of(t)
    if dl_device is not None and (int(dl_device[0]), int(dl_device[1])) != source:
        if int(dl_device[0]) != DL_CPU:
            raise BufferError(
                f"__dlpack__(): cannot export a tensor on {t._device} to DLPack device {tuple(dl_device)} "
                "(only the tensor's own device or the CPU)"
            )
        if copy is False:
            raise BufferError(
                f"__dlpack__(): exporting a tensor on {t._device} to the CPU needs a copy, but copy=False was given"
            )
        from ._tensor_base import _host

        data, copy = _host(t), None
    elif copy:
        data = data.copy()
    if source[0] != DL_CPU and data is t._data:
        kwargs: dict[str, Any] = {"stream": stream}
        if max_version is not None:
            kwargs["max_version"] = max_version
        return data.__dlpack__(**kwargs)
    if stream is not None:
        raise BufferError(f"__dlpack__(): stream must be None for a CPU tensor, got {stream!r}")
    bridged = _BRIDGED.get(t._dtype.name)
    if bridged is not None:
        data = data.view(np.uint16 if bridged[1] == 16 else np.uint8)
    capsule = data.__dlpack__(max_version=max_version) if max_version is not None else data.__dlpack__()
    if bridged is not None:
        _set_dtype_code(capsule, bridged[0])
    return capsule


class _CapsuleSource:
    """Hands an already made DLPack capsule to ``numpy.from_dlpack`` (which wants an object)."""

    __slots__ = ("capsule",)

    def __init__(self, capsule: Any) -> None:
        self.capsule = capsule

    def __dlpack__(self, **kwargs: Any) -> Any:
        return self.capsule

    def __dlpack_device__(self) -> tuple[int, int]:
        return (DL_CPU, 0)


def _host_capsule(ext_tensor: Any, copy: bool | None) -> Any:
    """A capsule from ``ext_tensor.__dlpack__`` asked in the newest form it understands."""
    try:
        return ext_tensor.__dlpack__(stream=None, max_version=(1, 0), copy=copy)
    except TypeError:
        capsule = ext_tensor.__dlpack__()
    if copy:
        return np.from_dlpack(_CapsuleSource(capsule)).copy().__dlpack__()
    return capsule


def _import_host(ext_tensor: Any, copy: bool | None) -> np.ndarray[Any, Any]:
    try:
        if copy is None:
            return np.from_dlpack(ext_tensor)
        return np.from_dlpack(ext_tensor, copy=copy)
    except (RuntimeError, BufferError) as error:
        if "dtype" not in str(error).lower():
            raise
    # NumPy refused the dtype: bfloat16 and float8 are bridged (NOTE [ DLPack ]), anything else is refused clearly.
    capsule = _host_capsule(ext_tensor, copy)
    found = _dtype_code(capsule)
    name = next((name for name, code in _BRIDGED.items() if code == found), None)
    if name is None:
        raise BufferError(
            f"from_dlpack(): the {type(ext_tensor).__name__} has a DLPack dtype that tocha does not support "
            "(tocha supports bool, uint8-uint64, int8-int64, float16, bfloat16, float32, float64, complex64, "
            "complex128 and the float8 types)"
        )
    _set_dtype_code(capsule, _KDL_UINT)
    from . import _dtype

    return np.from_dlpack(_CapsuleSource(capsule)).view(getattr(_dtype, name).numpy_dtype)


def _to_device(t: Tensor, target: device, copy: bool | None, op: str) -> Tensor:
    if target is t._device:
        return t
    if copy is False:
        raise BufferError(
            f"{op}(): moving the data from {t._device} to {target} needs a copy, but copy=False was given"
        )
    return t.to(target)  # type: ignore[attr-defined,no-any-return]


def from_dlpack(ext_tensor: Any, *, device: Any = None, copy: bool | None = None) -> Tensor:
    """A tensor sharing memory with ``ext_tensor``, any object supporting the DLPack protocol.

    Accepts objects with ``__dlpack__`` / ``__dlpack_device__`` (NumPy and CuPy
    arrays, tocha, PyTorch and JAX tensors...) and, on the CPU, bare DLPack
    capsules (the legacy protocol). CPU data becomes a CPU tensor, CUDA data a
    tensor on the same ``cuda:N``.

    Args:
        ext_tensor: the producer's array, or a DLPack capsule.
        device: where the result should live; a device other than the data's
            own means a copy.
        copy: True always copies; False never does (BufferError when a copy is
            needed); None (default) copies only when it must.

    Returns:
        A tensor viewing the producer's memory (unless copied). Read-only
        memory gives a tensor whose in-place writes raise.

    Raises:
        TypeError: ``ext_tensor`` supports no DLPack protocol.
        BufferError: a dtype tocha has no equivalent for, an unsupported
            device, or ``copy=False`` where a copy is needed.

    Example:
        >>> import numpy as np, tocha
        >>> a = np.arange(3.0)
        >>> t = tocha.from_dlpack(a); a[0] = 5
        >>> t
        tensor([5., 1., 2.], dtype=tocha.float64)
    """
    from ._ops.creation import resolve_device

    target = None if device is None else resolve_device(device)
    if isinstance(ext_tensor, TensorBase):
        base = ext_tensor._base if ext_tensor._base is not None else ext_tensor
        t = wrap(ext_tensor._data, ext_tensor._device, base)  # type: ignore[arg-type]
        if copy:
            t = wrap(t._data.copy(), t._device)
    elif not hasattr(ext_tensor, "__dlpack__"):
        if type(ext_tensor).__name__ != "PyCapsule":
            raise TypeError(
                f"from_dlpack(): expected an object supporting the DLPack protocol, got {type(ext_tensor).__name__}"
            )
        array = _import_host(_CapsuleSource(ext_tensor), None)
        t = wrap(array.copy() if copy else array, CPU)
    else:
        kind, index = ext_tensor.__dlpack_device__()
        kind = int(kind)
        if kind in (DL_CPU, DL_CUDA_HOST) or (
            kind in (DL_CUDA, DL_CUDA_MANAGED) and target is CPU and copy is not False
        ):
            t = wrap(_import_host(ext_tensor, copy if kind in (DL_CPU, DL_CUDA_HOST) else True), CPU)
        elif kind in (DL_CUDA, DL_CUDA_MANAGED):
            from ._backend import get_backend

            backend = get_backend("cuda")
            with backend.on_device(int(index)):
                array = (
                    backend.xp.from_dlpack(ext_tensor) if copy is None else _cuda_import(backend.xp, ext_tensor, copy)
                )
            t = wrap(array, _cuda_device(int(index)))
        else:
            raise BufferError(
                f"from_dlpack(): unsupported DLPack device type {kind} of a {type(ext_tensor).__name__} "
                "(tocha supports CPU and CUDA)"
            )
    return t if target is None else _to_device(t, target, copy, "from_dlpack")


def _cuda_device(index: int) -> device:
    return device("cuda", index)


def _cuda_import(xp: Any, ext_tensor: Any, copy: bool | None) -> Any:
    if copy is None:
        return xp.from_dlpack(ext_tensor)
    try:
        return xp.from_dlpack(ext_tensor, copy=copy)
    except TypeError:  # CuPy before 14 has no copy keyword
        array = xp.from_dlpack(ext_tensor)
        return array.copy() if copy else array


def to_dlpack(tensor: Tensor) -> Any:
    """A DLPack capsule of ``tensor`` (the legacy, capsule-passing protocol; ``tocha.utils.dlpack.to_dlpack``).

    Prefer passing the tensor itself to the consumer's ``from_dlpack``.

    Example:
        >>> import tocha
        >>> import tocha.utils.dlpack
        >>> capsule = tocha.utils.dlpack.to_dlpack(tocha.arange(3))
        >>> tocha.from_dlpack(capsule)
        tensor([0, 1, 2])
    """
    if not isinstance(tensor, TensorBase):
        raise TypeError(f"to_dlpack(): argument 'tensor' must be Tensor, not {type(tensor).__name__}")
    return export(tensor)
