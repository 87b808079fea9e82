"""``tocha.cuda``: CUDA devices, streams, events, memory statistics and seeding, on CuPy.

Everything here is lazy: importing ``tocha.cuda`` never imports CuPy. :func:`is_available` and
:func:`device_count` answer False / 0 on a machine without CuPy or without an NVIDIA GPU; the
functions that need a device then raise ``AssertionError`` (as PyTorch does when it was built without
CUDA), the constructors of :class:`Stream` and :class:`Event` ``RuntimeError``; the memory statistics
answer 0 and :func:`manual_seed` does nothing.

NOTE [ CUDA memory statistics ]
CuPy's default memory pool is tocha's caching allocator: ``memory_allocated`` is the pool's
``used_bytes()`` (bytes held by live arrays), ``memory_reserved`` its ``total_bytes()`` (also the
cached free blocks) and ``empty_cache`` its ``free_all_blocks()``. CuPy keeps no peaks, so on first
use (``init()``, which every device-touching function here runs) tocha installs an allocator,
through ``cupy.cuda.set_allocator``, that calls the pool's ``malloc`` and then raises the device's
peak of ``used_bytes``: one short Python call per allocation (a training step makes about a hundred;
on one device the hook does not even ask which device is current), none per free (the peak only moves
on allocation). ``used_bytes`` walks every live block of the pool (microseconds with a model's
parameters, gradients and optimizer state alive), so the hook keeps an upper bound of it instead, the
value at the last walk plus the blocks allocated since (frees only lower it), and walks only when that
bound passes the peak: the peak stays exact, and a training step past its first walks a few times.
The reserved total only grows inside the pool's ``malloc`` and only shrinks in ``empty_cache``, so
its peak is taken there and whenever the statistics are read (a pool emptied by CuPy itself after an
out-of-memory error is the one case that can lose it). Peaks start at the values current when the hook
was installed, and ``reset_peak_memory_stats`` sets them to the current values (in place: the hook
holds a single device's).
A program that installs its own CuPy allocator afterwards replaces the hook; the current values stay
right, the allocated peak then stops moving.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import _sync_debug
from .._backend import get_backend
from .._device import device as _device_cls
from .._device_checks import raise_deferred_checks
from .._memory_errors import OutOfMemoryError as OutOfMemoryError

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = [
    "OutOfMemoryError",
    "is_available",
    "device_count",
    "current_device",
    "set_device",
    "device",
    "device_of",
    "get_device_name",
    "get_device_properties",
    "get_device_capability",
    "synchronize",
    "Stream",
    "Event",
    "current_stream",
    "default_stream",
    "stream",
    "StreamContext",
    "ExternalStream",
    "set_stream",
    "is_current_stream_capturing",
    "is_bf16_supported",
    "is_tf32_supported",
    "get_arch_list",
    "get_gencode_flags",
    "can_device_access_peer",
    "memory_allocated",
    "max_memory_allocated",
    "memory_reserved",
    "max_memory_reserved",
    "reset_peak_memory_stats",
    "reset_max_memory_allocated",
    "empty_cache",
    "memory_stats",
    "memory_summary",
    "mem_get_info",
    "manual_seed",
    "manual_seed_all",
    "seed",
    "seed_all",
    "initial_seed",
    "get_rng_state",
    "set_rng_state",
    "get_rng_state_all",
    "set_rng_state_all",
    "is_initialized",
    "init",
    "set_sync_debug_mode",
    "get_sync_debug_mode",
    "amp",
    "memory",
    "nvtx",
    "memory_stats_as_nested_dict",
    "reset_accumulated_memory_stats",
    "memory_cached",
    "max_memory_cached",
    "reset_max_memory_cached",
    "set_per_process_memory_fraction",
    "get_per_process_memory_fraction",
    "FloatTensor",
    "DoubleTensor",
    "HalfTensor",
    "BFloat16Tensor",
    "ByteTensor",
    "CharTensor",
    "ShortTensor",
    "IntTensor",
    "LongTensor",
    "BoolTensor",
]

_NOT_AVAILABLE = "tocha: CUDA is not available (CuPy is not installed or no NVIDIA GPU/driver was found)"

_init_lock = threading.Lock()
_initialized = False
# device index -> [peak used bytes, peak total bytes, upper bound of the used bytes now]; each list is updated in
# place (the allocation hook holds the one of a single device)
_peaks: dict[int, list[int]] = {}


def _backend() -> Any:
    return get_backend("cuda")


def is_available() -> bool:
    """Whether CuPy imports and sees at least one NVIDIA GPU.

    Example:
        >>> import tocha
        >>> isinstance(tocha.cuda.is_available(), bool)
        True
    """
    return bool(_backend().is_available())


def device_count() -> int:
    """The number of CUDA devices (0 without CUDA).

    Example:
        >>> import tocha
        >>> tocha.cuda.device_count() >= 0
        True
    """
    return int(_backend().device_count())


def is_initialized() -> bool:
    """Whether tocha's CUDA state has been initialised (by :func:`init` or any device-touching call).

    Example:
        >>> import tocha
        >>> isinstance(tocha.cuda.is_initialized(), bool)
        True
    """
    return _initialized


def _cupy() -> Any:
    """CuPy, after :func:`init`; AssertionError without CUDA."""
    if not _initialized:
        init()
    return _backend().xp


def init() -> None:
    """Initialise tocha's CUDA state (CuPy, the peak-memory hook); called lazily by the other functions.

    Raises:
        AssertionError: CUDA is not available.
    """
    global _initialized
    if _initialized:
        return
    if not is_available():
        raise AssertionError(_NOT_AVAILABLE)
    with _init_lock:
        if _initialized:
            return
        _install_peak_hook(_backend().xp)
        _initialized = True


def _install_peak_hook(cp: Any) -> None:
    # See NOTE [ CUDA memory statistics ].
    pool = cp.get_default_memory_pool()
    get_device = cp.cuda.runtime.getDevice
    for index in range(int(cp.cuda.runtime.getDeviceCount())):
        with cp.cuda.Device(index):
            used = int(pool.used_bytes())
            _peaks[index] = [used, int(pool.total_bytes()), used]

    pool_malloc, used_bytes = pool.malloc, pool.used_bytes
    only = _peaks[0] if len(_peaks) == 1 else None  # one device: no need to ask which is current

    def malloc(size: int) -> Any:
        memptr = pool_malloc(size)
        peaks = only if only is not None else _peaks.get(get_device())
        if peaks is not None:
            bound = peaks[2] + memptr.mem.size  # the pool's block: the request rounded up
            if bound > peaks[0]:
                bound = used_bytes()
                if bound > peaks[0]:
                    peaks[0] = bound
            peaks[2] = bound
        return memptr

    cp.cuda.set_allocator(malloc)


def _index(dev: Any, op: str = "device") -> int:
    """A device argument (None, int, 'cuda:1', tocha.device) as a CUDA device index."""
    if dev is None:
        return current_device()
    if isinstance(dev, bool):
        raise TypeError(f"{op}(): expected a device index, got bool")
    if isinstance(dev, int):
        return current_device() if dev < 0 else dev
    d = _device_cls(dev)
    if d.type != "cuda":
        raise ValueError(f"Expected a cuda device, but got: {d}")
    return current_device() if d.index is None else d.index


# ------------------------------------------------------------------ devices


def current_device() -> int:
    """The index of the current CUDA device.

    Raises:
        AssertionError: CUDA is not available.
    """
    return int(_cupy().cuda.runtime.getDevice())


def set_device(device: Any) -> None:
    """Make ``device`` (an index, ``'cuda:N'`` or a ``tocha.device``) the current CUDA device.

    A negative index does nothing, as in PyTorch.
    """
    cp = _cupy()
    if isinstance(device, int) and not isinstance(device, bool) and device < 0:
        return
    cp.cuda.Device(_index(device, "set_device")).use()


class device:
    """Context manager making a CUDA device current for its block (``None`` or -1: no change).

    Args:
        device: an index, ``'cuda:N'``, a ``tocha.device`` or None.
    """

    def __init__(self, device: Any) -> None:
        self._target = device
        self._previous: list[int] = []

    def __enter__(self) -> None:
        target = self._target
        if target is None or (isinstance(target, int) and not isinstance(target, bool) and target < 0):
            self._previous.append(-1)
            return
        if not is_available():
            raise RuntimeError(_NOT_AVAILABLE)
        previous = current_device()
        index = _index(target)
        if index != previous:
            _cupy().cuda.Device(index).use()
        self._previous.append(previous)

    def __exit__(self, *exc: object) -> None:
        previous = self._previous.pop()
        if previous >= 0 and previous != current_device():
            _cupy().cuda.Device(previous).use()


class device_of(device):
    """Context manager making the device of tensor ``obj`` current (no change for a CPU tensor)."""

    def __init__(self, obj: Any) -> None:
        super().__init__(obj.get_device() if obj.is_cuda else -1)


@dataclass(frozen=True)
class _CudaDeviceProperties:
    """What :func:`get_device_properties` returns."""

    name: str
    major: int
    minor: int
    total_memory: int
    multi_processor_count: int
    is_integrated: bool
    is_multi_gpu_board: bool

    def __repr__(self) -> str:
        return (
            f"_CudaDeviceProperties(name='{self.name}', major={self.major}, minor={self.minor}, "
            f"total_memory={self.total_memory // (1024 * 1024)}MB, multi_processor_count={self.multi_processor_count})"
        )


def get_device_properties(device: Any = None) -> _CudaDeviceProperties:
    """The properties of a CUDA device: name, total_memory (bytes), major, minor, multi_processor_count.

    Raises:
        AssertionError: CUDA is not available.
        ValueError: the index is out of range.
    """
    cp = _cupy()
    index = _index(device, "get_device_properties")
    if not 0 <= index < device_count():
        raise AssertionError("Invalid device id")
    props = cp.cuda.runtime.getDeviceProperties(index)
    name = props["name"]
    return _CudaDeviceProperties(
        name=name.decode() if isinstance(name, bytes) else str(name),
        major=int(props["major"]),
        minor=int(props["minor"]),
        total_memory=int(props["totalGlobalMem"]),
        multi_processor_count=int(props["multiProcessorCount"]),
        is_integrated=bool(props.get("integrated", 0)),
        is_multi_gpu_board=bool(props.get("isMultiGpuBoard", 0)),
    )


def get_device_name(device: Any = None) -> str:
    """The name of a CUDA device (``'NVIDIA H100 80GB HBM3'``, say)."""
    return get_device_properties(device).name


def get_device_capability(device: Any = None) -> tuple[int, int]:
    """The compute capability ``(major, minor)`` of a CUDA device."""
    props = get_device_properties(device)
    return props.major, props.minor


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """Whether the current device computes in bfloat16: natively from compute capability 8.0 (Ampere), and with
    ``including_emulation`` on any device (CuPy's kernels widen it to float32). False without CUDA.

    Example:
        >>> import tocha
        >>> isinstance(tocha.cuda.is_bf16_supported(), bool)
        True
    """
    if not is_available():
        return False
    return including_emulation or get_device_capability() >= (8, 0)


def is_tf32_supported() -> bool:
    """Whether the current device has TF32 tensor cores (compute capability 8.0 and up); False without CUDA.

    Example:
        >>> import tocha
        >>> isinstance(tocha.cuda.is_tf32_supported(), bool)
        True
    """
    return is_available() and get_device_capability() >= (8, 0)


def get_arch_list() -> list[str]:
    """The architectures tocha's kernels are built for: those of the visible devices (``['sm_90']`` on an H100),
    as CuPy compiles its kernels for the device they run on; empty without CUDA.

    Example:
        >>> import tocha
        >>> isinstance(tocha.cuda.get_arch_list(), list)
        True
    """
    if not is_available():
        return []
    archs = {"sm_{}{}".format(*get_device_capability(index)) for index in range(device_count())}
    return sorted(archs)


def get_gencode_flags() -> str:
    """:func:`get_arch_list` as nvcc ``-gencode`` flags; empty without CUDA.

    Example:
        >>> import tocha
        >>> isinstance(tocha.cuda.get_gencode_flags(), str)
        True
    """
    return " ".join(f"-gencode compute=compute_{arch[3:]},code={arch}" for arch in get_arch_list())


def can_device_access_peer(device: Any, peer_device: Any) -> bool:
    """Whether ``device`` can read ``peer_device``'s memory directly (peer to peer).

    Raises:
        AssertionError: CUDA is not available, or an index is out of range.
    """
    cp = _cupy()
    index, peer = _index(device, "can_device_access_peer"), _index(peer_device, "can_device_access_peer")
    if not (0 <= index < device_count() and 0 <= peer < device_count()):
        raise AssertionError("Invalid device id")
    return index != peer and bool(cp.cuda.runtime.deviceCanAccessPeer(index, peer))


def synchronize(device: Any = None) -> None:
    """Wait for all queued work on a CUDA device (the current one by default).

    The device-side checks queued by earlier ops are made here (NOTE [ Deferred device checks ]).
    """
    cp = _cupy()
    if _sync_debug._mode:
        _sync_debug.notify()
    with cp.cuda.Device(_index(device, "synchronize")):
        cp.cuda.runtime.deviceSynchronize()
    raise_deferred_checks()


def mem_get_info(device: Any = None) -> tuple[int, int]:
    """``(free, total)`` bytes of a CUDA device's memory, as the driver reports them."""
    cp = _cupy()
    with cp.cuda.Device(_index(device, "mem_get_info")):
        free, total = cp.cuda.runtime.memGetInfo()
    return int(free), int(total)


# ------------------------------------------------------------------ streams and events


class Stream:
    """A CUDA stream (a queue of device work), wrapping ``cupy.cuda.Stream``.

    Args:
        device: the device the stream belongs to (the current one by default).
        priority: lower numbers are higher priority (0 is the default priority).

    Raises:
        RuntimeError: CUDA is not available.
    """

    def __init__(self, device: Any = None, priority: int = 0, *, _wrap: Any = None) -> None:
        if not is_available():
            raise RuntimeError(f"tocha.cuda.Stream requires CUDA support: {_NOT_AVAILABLE}")
        cp = _cupy()
        self.device = _device_cls("cuda", _index(device, "Stream"))
        if _wrap is not None:
            self._stream = _wrap
        else:
            with cp.cuda.Device(self.device.index):
                self._stream = cp.cuda.Stream(non_blocking=False, priority=priority) if priority else cp.cuda.Stream()

    @property
    def cuda_stream(self) -> int:
        """The raw ``cudaStream_t`` handle."""
        return int(self._stream.ptr)

    def wait_event(self, event: Event) -> None:
        """Make future work on this stream wait until ``event`` has completed."""
        self._stream.wait_event(event._event)

    def wait_stream(self, stream: Stream) -> None:
        """Make future work on this stream wait for the work queued so far on ``stream``."""
        self.wait_event(stream.record_event())

    def record_event(self, event: Event | None = None) -> Event:
        """Record ``event`` (a new one by default) on this stream and return it."""
        event = Event() if event is None else event
        event.record(self)
        return event

    def query(self) -> bool:
        """Whether all work queued on this stream has completed."""
        return bool(self._stream.done)

    def synchronize(self) -> None:
        """Wait for all work queued on this stream."""
        self._stream.synchronize()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Stream) and self.cuda_stream == other.cuda_stream and self.device == other.device

    def __hash__(self) -> int:
        return hash((self.cuda_stream, self.device))

    def __repr__(self) -> str:
        return f"<tocha.cuda.Stream device={self.device} cuda_stream={self.cuda_stream:#x}>"


class Event:
    """A CUDA event: a marker in a stream, for synchronisation and timing (``cupy.cuda.Event``).

    Args:
        enable_timing: whether :meth:`elapsed_time` can be used with it.
        blocking: whether :meth:`synchronize` blocks the thread instead of spinning.
        interprocess: whether it can be shared between processes.

    Raises:
        RuntimeError: CUDA is not available.
    """

    def __init__(self, enable_timing: bool = False, blocking: bool = False, interprocess: bool = False) -> None:
        if not is_available():
            raise RuntimeError(f"tocha.cuda.Event requires CUDA support: {_NOT_AVAILABLE}")
        cp = _cupy()
        self.enable_timing = bool(enable_timing)
        self._event = cp.cuda.Event(block=blocking, disable_timing=not enable_timing, interprocess=interprocess)

    def record(self, stream: Stream | None = None) -> None:
        """Record the event on ``stream`` (the current stream by default)."""
        target = current_stream() if stream is None else stream
        self._event.record(target._stream)

    def wait(self, stream: Stream | None = None) -> None:
        """Make future work on ``stream`` (the current stream by default) wait for this event."""
        target = current_stream() if stream is None else stream
        target.wait_event(self)

    def query(self) -> bool:
        """Whether the work recorded before this event has completed."""
        return bool(self._event.done)

    def synchronize(self) -> None:
        """Wait until the work recorded before this event has completed."""
        self._event.synchronize()

    def elapsed_time(self, end_event: Event) -> float:
        """Milliseconds between this event and ``end_event`` (both recorded, both with timing enabled)."""
        if not (self.enable_timing and end_event.enable_timing):
            raise RuntimeError("Both events must be created with argument 'enable_timing=True'.")
        return float(_cupy().cuda.get_elapsed_time(self._event, end_event._event))

    def __repr__(self) -> str:
        return f"<tocha.cuda.Event enable_timing={self.enable_timing}>"


def current_stream(device: Any = None) -> Stream:
    """The stream work is queued on in this thread (for ``device``, the current one by default)."""
    cp = _cupy()
    index = _index(device, "current_stream")
    with cp.cuda.Device(index):
        return Stream(index, _wrap=cp.cuda.get_current_stream())


def default_stream(device: Any = None) -> Stream:
    """The default (null) stream of ``device``."""
    cp = _cupy()
    return Stream(_index(device, "default_stream"), _wrap=cp.cuda.Stream.null)


class ExternalStream(Stream):
    """A CUDA stream made elsewhere (another library's ``cudaStream_t``), wrapped for tocha.

    Args:
        stream_ptr: the raw ``cudaStream_t`` handle; the stream must outlive this object.
        device: the device the stream belongs to (the current one by default).
    """

    def __init__(self, stream_ptr: int, device: Any = None) -> None:
        if not is_available():
            raise RuntimeError(f"tocha.cuda.ExternalStream requires CUDA support: {_NOT_AVAILABLE}")
        cp = _cupy()
        index = _index(device, "ExternalStream")
        from_external = getattr(cp.cuda.Stream, "from_external", None)  # CuPy 14 deprecates ExternalStream
        with cp.cuda.Device(index):
            if from_external is None:
                wrapped = cp.cuda.ExternalStream(int(stream_ptr), index)
            else:
                wrapped = from_external(_StreamHandle(int(stream_ptr)))
            super().__init__(index, _wrap=wrapped)


class _StreamHandle:
    """A raw ``cudaStream_t`` seen through the CUDA stream protocol."""

    def __init__(self, stream_ptr: int) -> None:
        self._stream_ptr = stream_ptr

    def __cuda_stream__(self) -> tuple[int, int]:
        return (0, self._stream_ptr)


def set_stream(stream: Stream | None) -> None:
    """Make ``stream`` the current stream of its device for this thread (None: no change).

    Example:
        >>> import tocha
        >>> tocha.cuda.set_stream(None)
    """
    if stream is None:
        return
    with device(stream.device):
        stream._stream.use()


class StreamContext:
    """Context manager queueing the block's CUDA work on ``stream`` (None: no change); ``tocha.cuda.stream``.

    The stream becomes current on its device for the block; the streams current before are restored after,
    also when the block raises.

    Example:
        >>> import tocha
        >>> with tocha.cuda.StreamContext(None):
        ...     pass
    """

    def __init__(self, stream: Stream | None) -> None:
        self.stream = stream
        self._previous: list[Stream] = []

    def __enter__(self) -> None:
        target = self.stream
        if target is None:
            return
        here = current_stream()
        self._previous.append(here)
        if here.device != target.device:
            self._previous.append(current_stream(target.device))
        set_stream(target)

    def __exit__(self, *exc: object) -> None:
        if self.stream is None:
            return
        while self._previous:
            set_stream(self._previous.pop())


def stream(stream: Stream | None) -> StreamContext:
    """Context manager queueing the block's CUDA work on ``stream`` (None: no change): :class:`StreamContext`.

    Example:
        >>> import tocha
        >>> with tocha.cuda.stream(None):
        ...     pass
    """
    return StreamContext(stream)


def is_current_stream_capturing() -> bool:
    """Whether the current stream is capturing a CUDA graph: never in tocha, which does not capture graphs.

    Example:
        >>> import tocha
        >>> tocha.cuda.is_current_stream_capturing()
        False
    """
    return False


# ------------------------------------------------------------------ memory


def _pool_bytes(device: Any) -> tuple[int, int, int]:
    cp = _cupy()
    index = _index(device, "memory_stats")
    pool = cp.get_default_memory_pool()
    with cp.cuda.Device(index):
        return index, int(pool.used_bytes()), int(pool.total_bytes())


def memory_stats(device: Any = None) -> dict[str, int]:
    """Allocator statistics of a device, keyed like PyTorch's (empty without CUDA).

    Keys: ``allocated_bytes.all.current`` / ``.peak``, ``reserved_bytes.all.current`` / ``.peak``
    (see NOTE [ CUDA memory statistics ]).

    Example:
        >>> import tocha
        >>> isinstance(tocha.cuda.memory_stats(), dict)
        True
    """
    if not is_available():
        return {}
    index, used, total = _pool_bytes(device)
    peaks = _peaks.setdefault(index, [used, total, used])
    peaks[:] = max(peaks[0], used), max(peaks[1], total), used
    return {
        "allocated_bytes.all.current": used,
        "allocated_bytes.all.peak": peaks[0],
        "reserved_bytes.all.current": total,
        "reserved_bytes.all.peak": peaks[1],
        "inactive_split_bytes.all.current": total - used,
    }


def memory_allocated(device: Any = None) -> int:
    """Bytes held by live tensors on a device (0 without CUDA).

    Example:
        >>> import tocha
        >>> tocha.cuda.memory_allocated() >= 0
        True
    """
    return memory_stats(device).get("allocated_bytes.all.current", 0)


def max_memory_allocated(device: Any = None) -> int:
    """The peak of :func:`memory_allocated` since start-up or :func:`reset_peak_memory_stats`."""
    return memory_stats(device).get("allocated_bytes.all.peak", 0)


def memory_reserved(device: Any = None) -> int:
    """Bytes the caching allocator (CuPy's memory pool) holds, used or cached (0 without CUDA)."""
    return memory_stats(device).get("reserved_bytes.all.current", 0)


def max_memory_reserved(device: Any = None) -> int:
    """The peak of :func:`memory_reserved`."""
    return memory_stats(device).get("reserved_bytes.all.peak", 0)


def reset_peak_memory_stats(device: Any = None) -> None:
    """Restart the peaks of :func:`max_memory_allocated` and :func:`max_memory_reserved` from the current values.

    Raises:
        AssertionError: CUDA is not available.
    """
    index, used, total = _pool_bytes(device)
    _peaks.setdefault(index, [used, total, used])[:] = used, total, used


def reset_max_memory_allocated(device: Any = None) -> None:
    """Same as :func:`reset_peak_memory_stats`."""
    reset_peak_memory_stats(device)


def empty_cache() -> None:
    """Give the caching allocator's unused blocks back to the driver (nothing without CUDA).

    Example:
        >>> import tocha
        >>> tocha.cuda.empty_cache()
    """
    if not _initialized and not is_available():
        return
    cp = _cupy()
    pool = cp.get_default_memory_pool()
    for index, peaks in _peaks.items():  # the reserved peak before the pool shrinks (NOTE [ CUDA memory statistics ])
        with cp.cuda.Device(index):
            peaks[1] = max(peaks[1], int(pool.total_bytes()))
    pool.free_all_blocks()
    cp.get_default_pinned_memory_pool().free_all_blocks()


def memory_summary(device: Any = None, abbreviated: bool = False) -> str:
    """A printable table of the allocator statistics of a device.

    Example:
        >>> import tocha
        >>> "allocated" in tocha.cuda.memory_summary()
        True
    """
    stats = memory_stats(device)

    def fmt(n: int) -> str:
        for unit in ("B", "KiB", "MiB", "GiB"):
            if n < 1024 or unit == "GiB":
                return f"{n:.0f} {unit}" if unit == "B" else f"{n:.2f} {unit}"
            n /= 1024  # type: ignore[assignment]
        return f"{n} B"  # pragma: no cover

    where = "no CUDA device" if not stats else f"device {_index(device)}"
    rows = [
        ("allocated", stats.get("allocated_bytes.all.current", 0), stats.get("allocated_bytes.all.peak", 0)),
        ("reserved", stats.get("reserved_bytes.all.current", 0), stats.get("reserved_bytes.all.peak", 0)),
    ]
    line = "|" + "=" * 60 + "|"
    out = [line, f"| tocha CUDA memory summary, {where:<33}|", line, f"| {'metric':<20}{'current':>18}{'peak':>20} |"]
    out.append("|" + "-" * 60 + "|")
    for name, cur, peak in rows:
        out.append(f"| {name + ' memory':<20}{fmt(cur):>18}{fmt(peak):>20} |")
    out.append(line)
    return "\n".join(out)


# ------------------------------------------------------------------ random


def _generator(index: int) -> Any:
    from .._ops.random import _default_for

    return _default_for(_device_cls("cuda", index))


def manual_seed(seed: int) -> None:
    """Seed the default generator of the current CUDA device (nothing without CUDA, as PyTorch's lazy seeding).

    Example:
        >>> import tocha
        >>> tocha.cuda.manual_seed(0)
    """
    if not is_available():
        return
    _generator(current_device()).manual_seed(int(seed))


def manual_seed_all(seed: int) -> None:
    """Seed the default generators of every CUDA device (nothing without CUDA).

    Example:
        >>> import tocha
        >>> tocha.cuda.manual_seed_all(0)
    """
    for index in range(device_count()):
        _generator(index).manual_seed(int(seed))


def seed() -> None:
    """Seed the current CUDA device's default generator from a non-deterministic source."""
    manual_seed(int.from_bytes(os.urandom(8), "little") & ((1 << 63) - 1))


def seed_all() -> None:
    """Seed every CUDA device's default generator from a non-deterministic source."""
    manual_seed_all(int.from_bytes(os.urandom(8), "little") & ((1 << 63) - 1))


def initial_seed() -> int:
    """The seed of the current CUDA device's default generator.

    Raises:
        AssertionError: CUDA is not available.
    """
    return int(_generator(current_device()).initial_seed())


def get_rng_state(device: Any = "cuda") -> Tensor:
    """The state of a CUDA device's default generator (the current device's by default): 16 bytes, seed and offset.

    See NOTE [ Counter-based cuda generator ]: restoring it with :func:`set_rng_state` replays the same numbers.

    Raises:
        AssertionError: CUDA is not available.

    Example:
        >>> import tocha
        >>> if tocha.cuda.is_available():
        ...     state = tocha.cuda.get_rng_state()
        ...     a = tocha.rand(3, device="cuda"); tocha.cuda.set_rng_state(state)
        ...     assert tocha.equal(a, tocha.rand(3, device="cuda"))
    """
    return _generator(_index(device, "get_rng_state")).get_state()  # type: ignore[no-any-return]


def set_rng_state(new_state: Tensor, device: Any = "cuda") -> None:
    """Restore a CUDA device's default generator from :func:`get_rng_state` (nothing without CUDA).

    Raises:
        TypeError: ``new_state`` is not a uint8 tensor.
        RuntimeError: it is not 16 bytes long.

    Example:
        >>> import tocha
        >>> if tocha.cuda.is_available():
        ...     tocha.cuda.set_rng_state(tocha.cuda.get_rng_state())
    """
    if not is_available():
        return
    _generator(_index(device, "set_rng_state")).set_state(new_state)


def get_rng_state_all() -> list[Tensor]:
    """The states of every CUDA device's default generator (an empty list without CUDA).

    Example:
        >>> import tocha
        >>> len(tocha.cuda.get_rng_state_all()) == tocha.cuda.device_count()
        True
    """
    return [_generator(index).get_state() for index in range(device_count())]


def set_rng_state_all(new_states: Iterable[Tensor]) -> None:
    """Restore every CUDA device's default generator, device ``i`` from ``new_states[i]``.

    Example:
        >>> import tocha
        >>> tocha.cuda.set_rng_state_all(tocha.cuda.get_rng_state_all())
    """
    for index, state in enumerate(new_states):
        set_rng_state(state, index)


def set_sync_debug_mode(debug_mode: str | int) -> None:
    """Warn or raise at operations that make the host wait for the GPU, to find them in a training step.

    ``debug_mode``: ``"default"`` or 0 (allow), ``"warn"`` or 1 (UserWarning), ``"error"`` or 2 (RuntimeError);
    the message is PyTorch's, "called a synchronizing CUDA operation". Every read of device data through a
    tensor (``.item()``, ``.cpu()``, ``float(t)``, printing...) and ``synchronize()`` is caught; in "error"
    mode the calling thread also refuses CuPy's own waits inside ops (``cupyx.allow_synchronize``), which CuPy
    reports as ``cupyx.DeviceSynchronized``, a RuntimeError. As in PyTorch, not every wait is caught.

    Raises:
        RuntimeError: ``debug_mode`` is not one of the above.

    Example:
        >>> import tocha
        >>> tocha.cuda.set_sync_debug_mode("warn"); tocha.cuda.get_sync_debug_mode()
        1
        >>> tocha.cuda.set_sync_debug_mode(0)
    """
    wants_guard = debug_mode in ("error", 2) and is_available()
    _sync_debug.set_mode(debug_mode, importlib.import_module("cupyx") if wants_guard else None)


def get_sync_debug_mode() -> int:
    """The synchronisation debug mode set by :func:`set_sync_debug_mode`: 0, 1 or 2.

    Example:
        >>> import tocha
        >>> tocha.cuda.get_sync_debug_mode()
        0
    """
    return _sync_debug.get_mode()


# Submodules, as PyTorch's: the deprecated ``tocha.cuda.amp`` spellings, NVTX ranges, the allocator's limits.
from .._ops.legacy_types import CUDA_TYPES as _CUDA_TYPES  # noqa: E402
from . import amp as amp  # noqa: E402
from . import memory as memory  # noqa: E402
from . import nvtx as nvtx  # noqa: E402
from .memory import get_per_process_memory_fraction as get_per_process_memory_fraction  # noqa: E402
from .memory import max_memory_cached as max_memory_cached  # noqa: E402
from .memory import memory_cached as memory_cached  # noqa: E402
from .memory import memory_stats_as_nested_dict as memory_stats_as_nested_dict  # noqa: E402
from .memory import reset_accumulated_memory_stats as reset_accumulated_memory_stats  # noqa: E402
from .memory import reset_max_memory_cached as reset_max_memory_cached  # noqa: E402
from .memory import set_per_process_memory_fraction as set_per_process_memory_fraction  # noqa: E402

# The legacy CUDA tensor types (NOTE [ Legacy tensor types ] in tocha._ops.legacy_types).
FloatTensor = _CUDA_TYPES["FloatTensor"]
DoubleTensor = _CUDA_TYPES["DoubleTensor"]
HalfTensor = _CUDA_TYPES["HalfTensor"]
BFloat16Tensor = _CUDA_TYPES["BFloat16Tensor"]
ByteTensor = _CUDA_TYPES["ByteTensor"]
CharTensor = _CUDA_TYPES["CharTensor"]
ShortTensor = _CUDA_TYPES["ShortTensor"]
IntTensor = _CUDA_TYPES["IntTensor"]
LongTensor = _CUDA_TYPES["LongTensor"]
BoolTensor = _CUDA_TYPES["BoolTensor"]
