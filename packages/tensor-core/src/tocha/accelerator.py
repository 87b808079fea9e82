"""``tocha.accelerator``: PyTorch's device-generic accelerator API; tocha's one accelerator is CUDA (on CuPy).

Each function delegates to :mod:`tocha.cuda`. As in PyTorch, :func:`current_accelerator` answers from what is
installed (here: whether CuPy is), :func:`is_available` and :func:`device_count` check the machine, and the
functions that need a device raise ``RuntimeError("Cannot access accelerator device when none is available.")``
without one. Importing this module imports no CuPy.

Example:
    >>> import tocha
    >>> device = tocha.accelerator.current_accelerator().type if tocha.accelerator.is_available() else "cpu"
    >>> tocha.ones(2, device=device).sum().item()
    2.0
"""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING, Any

from . import cuda as _cuda
from ._device import device as _device_cls

if TYPE_CHECKING:
    from ._dtype import dtype as _dtype_cls

__all__ = [
    "is_available",
    "current_accelerator",
    "device_count",
    "current_device_index",
    "current_device_idx",
    "set_device_index",
    "set_device_idx",
    "device_index",
    "synchronize",
    "current_stream",
    "set_stream",
    "get_device_capability",
    "get_memory_info",
    "memory_stats",
    "memory_allocated",
    "max_memory_allocated",
    "memory_reserved",
    "max_memory_reserved",
    "reset_peak_memory_stats",
    "reset_accumulated_memory_stats",
    "empty_cache",
    "empty_host_cache",
]

_NONE = "Cannot access accelerator device when none is available."

DeviceIndex = _device_cls | str | int | None


def _require() -> None:
    if not _cuda.is_available():
        raise RuntimeError(_NONE)


def is_available() -> bool:
    """Whether an accelerator (a CUDA GPU that CuPy sees) can be used now.

    Example:
        >>> import tocha
        >>> isinstance(tocha.accelerator.is_available(), bool)
        True
    """
    return _cuda.is_available()


def current_accelerator(check_available: bool = False) -> _device_cls | None:
    """``device('cuda')`` when tocha can drive CUDA (CuPy is installed), else ``None``.

    PyTorch answers from how it was built; tocha's counterpart of "built with CUDA" is an installed CuPy. The
    device carries no index, as in PyTorch.

    Args:
        check_available: also require :func:`is_available` (a GPU present now).

    Example:
        >>> import tocha
        >>> acc = tocha.accelerator.current_accelerator(check_available=True)
        >>> acc is None or acc.type == "cuda"
        True
    """
    if check_available:
        return _device_cls("cuda") if _cuda.is_available() else None
    return _device_cls("cuda") if importlib.util.find_spec("cupy") is not None else None


def device_count() -> int:
    """The number of accelerator devices (0 without one).

    Example:
        >>> import tocha
        >>> tocha.accelerator.device_count() >= 0
        True
    """
    return _cuda.device_count() if _cuda.is_available() else 0


def current_device_index() -> int:
    """The index of the current accelerator device.

    Raises:
        RuntimeError: no accelerator is available.

    Example:
        >>> import tocha
        >>> if tocha.accelerator.is_available():
        ...     assert tocha.accelerator.current_device_index() >= 0
    """
    _require()
    return _cuda.current_device()


current_device_idx = current_device_index


def set_device_index(device: DeviceIndex, /) -> None:
    """Make ``device`` (an index, ``'cuda:N'`` or a ``tocha.device``) the current accelerator device.

    Raises:
        RuntimeError: no accelerator is available.

    Example:
        >>> import tocha
        >>> if tocha.accelerator.is_available():
        ...     tocha.accelerator.set_device_index(0)
    """
    _require()
    if device is not None:
        _cuda.set_device(device)


set_device_idx = set_device_index


class device_index:
    """Context manager making device ``device`` current for its block (``None``: no change), then restoring.

    Args:
        device: a device index or ``None``.

    Raises:
        RuntimeError: an index is given and no accelerator is available.

    Example:
        >>> import tocha
        >>> with tocha.accelerator.device_index(None):
        ...     pass
    """

    def __init__(self, device: int | None, /) -> None:
        self.idx = device
        self.prev_idx = -1

    def __enter__(self) -> None:
        if self.idx is not None:
            _require()
            self.prev_idx = _cuda.current_device()
            _cuda.set_device(self.idx)

    def __exit__(self, *exc: object) -> None:
        if self.idx is not None:
            _cuda.set_device(self.prev_idx)


def synchronize(device: DeviceIndex = None, /) -> None:
    """Wait for all queued work on an accelerator device (the current one by default).

    Raises:
        RuntimeError: no accelerator is available.

    Example:
        >>> import tocha
        >>> if tocha.accelerator.is_available():
        ...     tocha.accelerator.synchronize()
    """
    _require()
    _cuda.synchronize(device)


def current_stream(device: DeviceIndex = None, /) -> _cuda.Stream:
    """The stream work is queued on for ``device`` (the current device by default), a ``tocha.cuda.Stream``.

    Raises:
        RuntimeError: no accelerator is available.

    Example:
        >>> import tocha
        >>> if tocha.accelerator.is_available():
        ...     s = tocha.accelerator.current_stream()
    """
    _require()
    return _cuda.current_stream(device)


def set_stream(stream: _cuda.Stream) -> None:
    """Queue later work on ``stream``; its device becomes the current device, as in PyTorch.

    Raises:
        RuntimeError: no accelerator is available.

    Example:
        >>> import tocha
        >>> if tocha.accelerator.is_available():
        ...     tocha.accelerator.set_stream(tocha.accelerator.current_stream())
    """
    _require()
    _cuda.set_device(stream.device)
    stream._stream.use()


def get_device_capability(device: DeviceIndex = None, /) -> dict[str, Any]:
    """What a device supports: ``{"supported_dtypes": {...}}``, the dtypes tocha can hold on CUDA.

    Raises:
        RuntimeError: no accelerator is available.

    Example:
        >>> import tocha
        >>> if tocha.accelerator.is_available():
        ...     assert tocha.float32 in tocha.accelerator.get_device_capability()["supported_dtypes"]
    """
    _require()
    _cuda.get_device_properties(device)  # validates the index
    from ._dtype import ALL_DTYPES, LIMITED_UNSIGNED_DTYPES

    supported: set[_dtype_cls] = set(ALL_DTYPES + LIMITED_UNSIGNED_DTYPES)
    return {"supported_dtypes": supported}


def get_memory_info(device_index: DeviceIndex = None, /) -> tuple[int, int]:
    """``(free, total)`` bytes of a device's memory (``tocha.cuda.mem_get_info``).

    Raises:
        RuntimeError: no accelerator is available.

    Example:
        >>> import tocha
        >>> if tocha.accelerator.is_available():
        ...     free, total = tocha.accelerator.get_memory_info()
    """
    _require()
    return _cuda.mem_get_info(device_index)


def memory_stats(device_index: DeviceIndex = None, /) -> dict[str, int]:
    """The caching allocator's statistics for a device (``tocha.cuda.memory_stats``).

    Raises:
        RuntimeError: no accelerator is available.

    Example:
        >>> import tocha
        >>> if tocha.accelerator.is_available():
        ...     stats = tocha.accelerator.memory_stats()
    """
    _require()
    return _cuda.memory_stats(device_index)


def memory_allocated(device_index: DeviceIndex = None, /) -> int:
    """Bytes held by live tensors on a device (``tocha.cuda.memory_allocated``).

    Raises:
        RuntimeError: no accelerator is available.

    Example:
        >>> import tocha
        >>> if tocha.accelerator.is_available():
        ...     assert tocha.accelerator.memory_allocated() >= 0
    """
    _require()
    return _cuda.memory_allocated(device_index)


def max_memory_allocated(device_index: DeviceIndex = None, /) -> int:
    """The peak of :func:`memory_allocated` since the last reset (``tocha.cuda.max_memory_allocated``).

    Raises:
        RuntimeError: no accelerator is available.

    Example:
        >>> import tocha
        >>> if tocha.accelerator.is_available():
        ...     assert tocha.accelerator.max_memory_allocated() >= 0
    """
    _require()
    return _cuda.max_memory_allocated(device_index)


def memory_reserved(device_index: DeviceIndex = None, /) -> int:
    """Bytes the caching allocator holds on a device, cached free blocks included (``tocha.cuda.memory_reserved``).

    Raises:
        RuntimeError: no accelerator is available.

    Example:
        >>> import tocha
        >>> if tocha.accelerator.is_available():
        ...     assert tocha.accelerator.memory_reserved() >= 0
    """
    _require()
    return _cuda.memory_reserved(device_index)


def max_memory_reserved(device_index: DeviceIndex = None, /) -> int:
    """The peak of :func:`memory_reserved` since the last reset (``tocha.cuda.max_memory_reserved``).

    Raises:
        RuntimeError: no accelerator is available.

    Example:
        >>> import tocha
        >>> if tocha.accelerator.is_available():
        ...     assert tocha.accelerator.max_memory_reserved() >= 0
    """
    _require()
    return _cuda.max_memory_reserved(device_index)


def reset_peak_memory_stats(device_index: DeviceIndex = None, /) -> None:
    """Set the peaks to the current values (``tocha.cuda.reset_peak_memory_stats``).

    Raises:
        RuntimeError: no accelerator is available.

    Example:
        >>> import tocha
        >>> if tocha.accelerator.is_available():
        ...     tocha.accelerator.reset_peak_memory_stats()
    """
    _require()
    _cuda.reset_peak_memory_stats(device_index)


def reset_accumulated_memory_stats(device_index: DeviceIndex = None, /) -> None:
    """Reset the accumulated counters: tocha keeps none beyond the peaks, so this only checks the device.

    Raises:
        RuntimeError: no accelerator is available.

    Example:
        >>> import tocha
        >>> if tocha.accelerator.is_available():
        ...     tocha.accelerator.reset_accumulated_memory_stats()
    """
    _require()
    _cuda.memory_stats(device_index)


def empty_cache() -> None:
    """Give the allocator's cached free blocks back to the device (``tocha.cuda.empty_cache``).

    Raises:
        RuntimeError: no accelerator is available.

    Example:
        >>> import tocha
        >>> if tocha.accelerator.is_available():
        ...     tocha.accelerator.empty_cache()
    """
    _require()
    _cuda.empty_cache()


def empty_host_cache() -> None:
    """Free the cached, unused blocks of pinned host memory (CuPy's pinned memory pool).

    Raises:
        RuntimeError: no accelerator is available.

    Example:
        >>> import tocha
        >>> if tocha.accelerator.is_available():
        ...     tocha.accelerator.empty_host_cache()
    """
    _require()
    _cuda._cupy().get_default_pinned_memory_pool().free_all_blocks()
