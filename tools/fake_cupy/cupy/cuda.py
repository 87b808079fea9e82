"""``cupy.cuda`` of the fake: one device, a null stream, events, pinned host memory and a runtime namespace."""

from __future__ import annotations

import sys
import time
import types
import warnings
from typing import Any

from . import _Device, _memory_pool, host_syncs

Device = _Device


class _Properties(dict[str, Any]):
    pass


def _properties(index: int) -> dict[str, Any]:
    Device(index)
    return _Properties(
        name=b"Fake CUDA device (NumPy)",
        major=9,
        minor=0,
        totalGlobalMem=80 * 2**30,
        multiProcessorCount=132,
        integrated=0,
        isMultiGpuBoard=0,
    )


def _synchronize() -> None:
    host_syncs.record("cuda.runtime.deviceSynchronize()")


runtime = types.SimpleNamespace(
    getDeviceCount=lambda: 1,
    getDevice=lambda: 0,
    setDevice=lambda index: Device(index) and None,
    deviceSynchronize=_synchronize,
    getDeviceProperties=_properties,
    memGetInfo=lambda: (70 * 2**30, 80 * 2**30),
    runtimeGetVersion=lambda: 12090,
    driverGetVersion=lambda: 12090,
)


class Stream:
    """A stream; all work of the fake is done when it is queued."""

    null: Stream

    def __init__(self, null: bool = False, non_blocking: bool = False, ptds: bool = False, priority: int = 0) -> None:
        self.ptr = 0 if null else id(self)
        self.priority = priority
        self.device_id = 0

    @property
    def done(self) -> bool:
        return True

    def synchronize(self) -> None:
        host_syncs.record("Stream.synchronize()")

    def wait_event(self, event: Event) -> None:
        pass

    def record(self, event: Event | None = None) -> Event:
        event = event or Event()
        event.record(self)
        return event

    @classmethod
    def from_external(cls, obj: Any) -> Stream:
        """A stream made elsewhere, known through the CUDA stream protocol (``__cuda_stream__``)."""
        _version, ptr = obj.__cuda_stream__()
        stream = cls()
        stream.ptr = int(ptr)
        return stream

    def __cuda_stream__(self) -> tuple[int, int]:
        return (0, self.ptr)

    def use(self) -> Stream:
        _current[-1] = self
        return self

    def __enter__(self) -> Stream:
        _current.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _current.pop()


Stream.null = Stream(null=True)
_current: list[Stream] = [Stream.null]


class ExternalStream(Stream):
    """A stream made elsewhere, known by its handle (deprecated in CuPy 14 for ``Stream.from_external``)."""

    def __init__(self, ptr: int, device_id: int = -1) -> None:
        warnings.warn(
            "ExternalStream is deprecated. Use Stream.from_external() instead to interoperate with external streams "
            "that implement the CUDA stream protocol.",
            DeprecationWarning,
            stacklevel=2,
        )
        super().__init__()
        self.ptr = ptr


def get_current_stream(device_id: int = -1) -> Stream:
    return _current[-1]


class Event:
    def __init__(self, block: bool = False, disable_timing: bool = False, interprocess: bool = False) -> None:
        self.disable_timing = disable_timing
        self.time = 0.0

    @property
    def done(self) -> bool:
        return True

    def record(self, stream: Stream | None = None) -> None:
        self.time = time.perf_counter()

    def synchronize(self) -> None:
        host_syncs.record("Event.synchronize()")


def get_elapsed_time(start: Event, end: Event) -> float:
    return (end.time - start.time) * 1000.0


class PinnedMemoryPointer(bytearray):
    """Page-locked host memory (plain host memory in the fake) usable as a NumPy buffer."""


def alloc_pinned_memory(size: int) -> PinnedMemoryPointer:
    return PinnedMemoryPointer(size)


_allocators: list[Any] = []


def set_allocator(allocator: Any = None) -> None:
    _allocators.append(allocator)


def get_allocator() -> Any:
    return _allocators[-1] if _allocators else _memory_pool.malloc


class _Nvtx(types.ModuleType):
    """``cupy.cuda.nvtx``: records the ranges and marks (``events``) instead of sending them to a profiler."""

    def __init__(self) -> None:
        super().__init__("cupy.cuda.nvtx")
        self.events: list[tuple[str, str]] = []

    def RangePush(self, message: str, id_color: int = -1, argb_color: int | None = None) -> None:
        self.events.append(("push", message))

    def RangePop(self) -> None:
        self.events.append(("pop", ""))

    def Mark(self, message: str, id_color: int = -1, argb_color: int | None = None) -> None:
        self.events.append(("mark", message))


nvtx = _Nvtx()
sys.modules["cupy.cuda.nvtx"] = nvtx


class _OutOfMemoryError(MemoryError):
    """``cupy.cuda.memory.OutOfMemoryError``: CuPy's message, and the request in ``_size``."""

    def __init__(self, size: int, total: int, limit: int = 0) -> None:
        self._size, self._total, self._limit = size, total, limit
        limit_text = "" if not limit else f", limit set to: {limit:,} bytes"
        super().__init__(f"Out of memory allocating {size:,} bytes (allocated so far: {total:,} bytes{limit_text}).")


memory = types.ModuleType("cupy.cuda.memory")
memory.OutOfMemoryError = _OutOfMemoryError  # type: ignore[attr-defined]
sys.modules["cupy.cuda.memory"] = memory
