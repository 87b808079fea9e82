"""How tensors cross processes: as handles to shared memory, registered with multiprocessing's ForkingPickler.

NOTE [ Tensor reductions ]
Pickling a CPU tensor for a Queue, Pipe, Pool or a spawned process's arguments moves its elements into
shared memory first (``share_memory_()``, as PyTorch does) and then sends only a handle: the segment (a
duplicated file descriptor, or a ``/dev/shm`` name under the ``file_system`` strategy), the byte offset of
the tensor's first element, its shape, strides, dtype, class and ``requires_grad``. The receiver maps the
same memory, so writes on either side are seen by the other, and views keep their offsets and strides.

CUDA tensors travel as CUDA IPC handles of the allocation that holds them plus the offset into it; the
receiving process opens the handle with CuPy. As in PyTorch, the sender must keep the tensor alive while
receivers use it.

Ordinary ``pickle`` is untouched: only ForkingPickler (what multiprocessing uses) takes these reductions.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
from multiprocessing.reduction import DupFd, ForkingPickler
from typing import Any

import numpy as np

import tocha
from tocha.library import SharedMapping, shared_mapping_of, tensor_array, wrap_array

from . import _shm_manager

__all__ = ["init_reductions", "reduce_tensor", "rebuild_tensor_from_fd", "rebuild_tensor_from_name"]

_DTYPES = {d.name: d for d in (getattr(tocha, n) for n in dir(tocha)) if isinstance(d, tocha.dtype)}


def _layout(t: tocha.Tensor, offset: int) -> tuple[Any, ...]:
    array = tensor_array(t)
    return (offset, tuple(array.shape), tuple(array.strides), t.dtype.name, t.requires_grad, type(t))


def reduce_tensor(t: tocha.Tensor) -> tuple[Any, ...]:
    """The ForkingPickler reduction of a tensor: a shared-memory (or CUDA IPC) handle, never its bytes.

    Example:
        >>> import tocha, tocha.multiprocessing as mp
        >>> rebuild, args = reduce_tensor(tocha.ones(2))
        >>> rebuild.__name__
        'rebuild_tensor_from_fd'
    """
    if t.requires_grad and not t.is_leaf:
        raise RuntimeError(
            "Cowardly refusing to serialize non-leaf tensor which requires_grad, since autograd does not support "
            "crossing process boundaries. If you just want to transfer the data, call detach() on the tensor "
            "before serializing (e.g., putting it on the queue)."
        )
    if t.device.type == "cuda":
        return _reduce_cuda(t)
    if t.device.type != "cpu":
        raise RuntimeError(f"tocha.multiprocessing cannot share tensors on device {t.device}")
    found = shared_mapping_of(t)
    if found is None:
        t.share_memory_()
        found = shared_mapping_of(t)
        assert found is not None
    mapping, offset = found
    layout = _layout(t, offset)
    if mapping.strategy == "file_descriptor":
        assert mapping.fd is not None
        return (rebuild_tensor_from_fd, (DupFd(mapping.fd), len(mapping), layout))
    assert mapping.name is not None
    _shm_manager.client.send("give", mapping.name)
    return (rebuild_tensor_from_name, (mapping.name, len(mapping), os.getpid(), layout))


def _tensor_from(buffer: Any, layout: tuple[Any, ...], device: Any = None) -> tocha.Tensor:
    offset, shape, strides, dtype_name, requires_grad, cls = layout
    d = _DTYPES[dtype_name]
    array = np.ndarray(shape, d.numpy_dtype, buffer=buffer, offset=offset, strides=strides)
    t = wrap_array(array, tocha.device("cpu"))
    if cls is not tocha.Tensor:
        t = tocha.Tensor.__new__(cls, t)
    if requires_grad:
        t.requires_grad_(True)
    return t


def rebuild_tensor_from_fd(fd: Any, nbytes: int, layout: tuple[Any, ...]) -> tocha.Tensor:
    """The receiving side of a ``file_descriptor`` handle: map the descriptor and view the tensor in it."""
    try:
        descriptor = fd.detach()
    except (EOFError, ConnectionError, FileNotFoundError) as error:
        raise RuntimeError(
            "tocha.multiprocessing: could not receive a shared tensor: the process that sent it exited before it "
            "was received. With the 'file_descriptor' sharing strategy the sender must stay alive until the "
            "receiver gets the tensor; keep it alive, or call "
            "tocha.multiprocessing.set_sharing_strategy('file_system')"
        ) from error
    return _tensor_from(SharedMapping.from_fd(descriptor, nbytes), layout)


def rebuild_tensor_from_name(name: str, nbytes: int, sender: int, layout: tuple[Any, ...]) -> tocha.Tensor:
    """The receiving side of a ``file_system`` handle: open the named segment and view the tensor in it."""
    try:
        mapping = SharedMapping.from_name(name, nbytes, create=False)
    except FileNotFoundError:
        raise RuntimeError(
            f"tocha.multiprocessing: shared-memory segment {name} is gone: the process that sent this tensor "
            "exited before it was received"
        ) from None
    _shm_manager.client.send("take", name, str(sender))
    mapping.on_release = _releaser(name)
    return _tensor_from(mapping, layout)


def _releaser(name: str) -> Any:
    pid = os.getpid()

    def release() -> None:
        if os.getpid() == pid:  # a forked child's copy of the mapping was never registered
            with contextlib.suppress(OSError, RuntimeError):  # else the daemon cleans up when we exit
                _shm_manager.client.send("release", name)

    return release


# ------------------------------------------------------------------ CUDA


def _reduce_cuda(t: tocha.Tensor) -> tuple[Any, ...]:
    import cupy

    array = tensor_array(t)
    pointer = int(array.data.ptr)
    # Queue pickles in its feeder thread, where no CUDA context is current yet (the driver call below would fail
    # with CUDA_ERROR_INVALID_CONTEXT, 201): setting the device makes its primary context current on this thread.
    cupy.cuda.runtime.setDevice(int(array.device.id))
    base, _ = _allocation_range(pointer)
    # the receiver reads the memory at once: the writes queued here must have landed (PyTorch makes the
    # receiver wait on an IPC event instead; a device synchronisation is the same guarantee, on every stream)
    cupy.cuda.runtime.deviceSynchronize()
    handle = cupy.cuda.runtime.ipcGetMemHandle(base)
    layout = (pointer - base, tuple(array.shape), tuple(array.strides), t.dtype.name, t.requires_grad, type(t))
    return (rebuild_cuda_tensor, (bytes(handle), int(array.device.id), layout))


def _allocation_range(pointer: int) -> tuple[int, int]:
    """The start and size of the CUDA allocation that holds ``pointer`` (driver API cuMemGetAddressRange)."""
    driver = ctypes.CDLL("libcuda.so.1")
    start = ctypes.c_uint64()
    size = ctypes.c_size_t()
    status = driver.cuMemGetAddressRange_v2(ctypes.byref(start), ctypes.byref(size), ctypes.c_uint64(pointer))
    if status != 0:
        raise RuntimeError(f"tocha.multiprocessing: cuMemGetAddressRange failed with CUDA error {status}")
    return int(start.value), int(size.value)


_opened: dict[tuple[bytes, int], Any] = {}


def rebuild_cuda_tensor(handle: bytes, device_index: int, layout: tuple[Any, ...]) -> tocha.Tensor:
    """The receiving side of a CUDA IPC handle: open it (once per allocation) and view the tensor in it."""
    import cupy

    offset, shape, strides, dtype_name, requires_grad, cls = layout
    key = (handle, device_index)
    with cupy.cuda.Device(device_index):
        memory = _opened.get(key)
        if memory is None:
            pointer = cupy.cuda.runtime.ipcOpenMemHandle(handle)
            memory = cupy.cuda.UnownedMemory(pointer, offset + _extent(shape, strides, dtype_name), owner=None)
            _opened[key] = memory
        array = cupy.ndarray(
            shape, _DTYPES[dtype_name].numpy_dtype, cupy.cuda.MemoryPointer(memory, offset), strides=strides
        )
    t = wrap_array(array, tocha.device("cuda", device_index))
    if cls is not tocha.Tensor:
        t = tocha.Tensor.__new__(cls, t)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _extent(shape: tuple[int, ...], strides: tuple[int, ...], dtype_name: str) -> int:
    if any(n == 0 for n in shape):
        return 0
    return sum((n - 1) * s for n, s in zip(shape, strides, strict=True) if s > 0) + _DTYPES[dtype_name].itemsize


# ------------------------------------------------------------------ registration


def _reducer_override(self: Any, obj: Any) -> Any:
    if isinstance(obj, tocha.Tensor):
        return reduce_tensor(obj)
    return NotImplemented


_installed = False


def init_reductions() -> None:
    """Register the tensor reductions with multiprocessing's ForkingPickler (idempotent; done on import).

    Every ``tocha.Tensor``, subclasses included (``tocha.nn.Parameter``), then crosses processes as a
    shared-memory handle. Plain ``pickle`` is not affected.

    Example:
        >>> init_reductions()
    """
    global _installed
    if _installed:
        return
    previous = getattr(ForkingPickler, "reducer_override", None)
    if previous is None:
        ForkingPickler.reducer_override = _reducer_override  # type: ignore[method-assign]
    else:

        def chained(self: Any, obj: Any) -> Any:
            result = _reducer_override(self, obj)
            return previous(self, obj) if result is NotImplemented else result

        ForkingPickler.reducer_override = chained  # type: ignore[method-assign]
    _installed = True
