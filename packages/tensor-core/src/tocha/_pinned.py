"""Page-locked (pinned) host memory for CPU tensors, through CuPy: ``Tensor.pin_memory`` / ``is_pinned``.

A pinned tensor is an ordinary NumPy-backed CPU tensor whose buffer is a
``cupy.cuda.PinnedMemoryPointer`` (from ``cupy.cuda.alloc_pinned_memory``, CuPy's
pinned memory pool); the array keeps the buffer alive through its ``base``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ._backend import get_backend
from ._device import CPU
from ._tensor_base import TensorBase, wrap

if TYPE_CHECKING:
    from ._tensor import Tensor

__all__ = ["pin_memory", "is_pinned"]

_NOT_AVAILABLE = "tocha: CUDA is not available (CuPy is not installed or no NVIDIA GPU/driver was found)"


def is_pinned_array(array: Any, cp: Any) -> bool:
    """Whether NumPy ``array`` lies in pinned memory that CuPy ``cp`` allocated."""
    return _pinned_buffer(array, cp)


def _pinned_buffer(array: Any, cp: Any) -> bool:
    pinned_types = tuple(
        t for t in (getattr(cp.cuda, "PinnedMemoryPointer", None), getattr(cp.cuda, "PinnedMemory", None)) if t
    )
    base = array
    while base is not None:
        if pinned_types and isinstance(base, pinned_types):
            return True
        base = getattr(base, "base", None)
    return False


def is_pinned(t: TensorBase) -> bool:
    """Whether ``t`` is a CPU tensor in page-locked memory (False without CUDA)."""
    if t._device is not CPU:
        return False
    backend = get_backend("cuda")
    if not backend.is_available():  # type: ignore[attr-defined]
        return False
    cp = backend.xp
    if _pinned_buffer(t._data, cp):
        return True
    if t._data.size == 0:
        return False
    try:  # memory pinned by other means (cudaHostRegister, another library's allocator)
        attributes = cp.cuda.runtime.pointerGetAttributes(t._data.ctypes.data)
    except Exception:  # CuPy raises CUDARuntimeError for memory CUDA does not know
        return False
    return int(getattr(attributes, "type", 0)) == 1  # cudaMemoryTypeHost


def pin_memory(t: TensorBase) -> Tensor:
    """A copy of CPU tensor ``t`` in pinned host memory (``t`` itself when it already is)."""
    if t._device is not CPU:
        raise RuntimeError(f"cannot pin '{t.type()}' only dense CPU tensors can be pinned")  # type: ignore[attr-defined]
    backend = get_backend("cuda")
    if not backend.is_available():  # type: ignore[attr-defined]
        raise RuntimeError(f"pin_memory(): {_NOT_AVAILABLE}")
    if is_pinned(t):
        return t  # type: ignore[return-value]
    cp = backend.xp
    source = t._data
    memory = cp.cuda.alloc_pinned_memory(max(int(source.nbytes), 1))
    array: np.ndarray[Any, Any] = np.ndarray(source.shape, dtype=source.dtype, buffer=memory)
    array[...] = source
    return wrap(array, CPU)
