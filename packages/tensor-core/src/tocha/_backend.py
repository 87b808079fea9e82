"""Backends: the array module and runtime services behind each device type.

``cpu`` (NumPy) and ``cuda`` (CuPy, imported on first use) are built in; any
other device type is looked up by name in the entry-point group
``tocha.backends``, whose objects are :class:`Backend` subclasses or
factories returning an instance.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

import numpy as np

from . import _sync_debug
from ._device import device
from ._device_checks import raise_deferred_checks

__all__ = ["Backend", "CpuBackend", "CudaBackend", "copy_to_host", "get_backend", "register_backend", "xp_of"]


class Backend:
    """What a device type supplies to tocha. Subclass it to add a device type.

    A backend names its device ``type``, gives the array module its tensors
    are made of (``xp``, NumPy-compatible), and the runtime services PyTorch
    exposes per device: device count, synchronisation, memory statistics,
    host transfer and random generators.

    Example:
        >>> import tocha
        >>> tocha.library.get_backend("cpu").device_count()
        1
    """

    name: str = ""

    @property
    def xp(self) -> types.ModuleType:
        """The array module (``numpy`` for cpu, ``cupy`` for cuda)."""
        raise NotImplementedError

    def device_count(self) -> int:
        """How many devices of this type exist."""
        raise NotImplementedError

    def current_device(self) -> int:
        """The index used when a device of this type is named without one."""
        return 0

    def synchronize(self, index: int | None = None) -> None:
        """Wait for all queued work on the device."""

    def memory_stats(self, index: int | None = None) -> dict[str, int]:
        """Allocator statistics (bytes), keyed like PyTorch's memory_stats."""
        return {}

    def to_host(self, array: Any) -> np.ndarray[Any, Any]:
        """Copy ``array`` (of this backend's xp) into a NumPy array."""
        raise NotImplementedError

    def from_host(self, array: np.ndarray[Any, Any], index: int | None) -> Any:
        """Copy a NumPy array onto device ``index``."""
        raise NotImplementedError

    def from_host_async(self, array: np.ndarray[Any, Any], index: int | None) -> Any:
        """Like :meth:`from_host`, but may return before the copy is done (``non_blocking=True``).

        The copy must still see ``array`` as it is now: a backend that queues it keeps ``array`` alive until
        the copy is done. The default copies at once.
        """
        return self.from_host(array, index)

    def new_bit_generator(self, seed: int) -> Any:
        """A random generator of this backend's xp seeded with ``seed``."""
        raise NotImplementedError

    def on_device(self, index: int | None) -> Any:
        """A context manager making ``index`` the current device during array calls."""
        import contextlib

        return contextlib.nullcontext()


class CpuBackend(Backend):
    """The NumPy backend behind ``device('cpu')``."""

    name = "cpu"

    @property
    def xp(self) -> types.ModuleType:
        return np

    def device_count(self) -> int:
        return 1

    def to_host(self, array: Any) -> np.ndarray[Any, Any]:
        return np.asarray(array)

    def from_host(self, array: np.ndarray[Any, Any], index: int | None) -> Any:
        return array

    def new_bit_generator(self, seed: int) -> Any:
        return np.random.Generator(np.random.PCG64(seed))


_CUDA_MISSING = (
    "tocha: the 'cuda' device needs CuPy and an NVIDIA GPU. Install CuPy with "
    "`pip install 'tocha-tensor-core[cuda12]'` (or [cuda13]); {why}"
)


class CudaBackend(Backend):
    """The CuPy backend behind ``device('cuda:N')``; CuPy is imported on first use."""

    name = "cuda"

    def __init__(self) -> None:
        self._cupy: types.ModuleType | None = None
        self._in_flight: list[tuple[Any, Any]] = []  # (event, pinned host array) of queued copies

    @property
    def xp(self) -> types.ModuleType:
        if self._cupy is None:
            try:
                import cupy
            except ImportError as exc:
                raise RuntimeError(_CUDA_MISSING.format(why=f"importing cupy failed: {exc}")) from None
            try:
                count = cupy.cuda.runtime.getDeviceCount()
            except Exception as exc:  # CuPy raises its own CUDARuntimeError types
                raise RuntimeError(_CUDA_MISSING.format(why=f"no CUDA device is usable: {exc}")) from None
            if count == 0:
                raise RuntimeError(_CUDA_MISSING.format(why="no CUDA device was found"))
            self._cupy = cupy
        return self._cupy

    def is_available(self) -> bool:
        """Whether CuPy imports and sees at least one GPU."""
        try:
            self.xp  # noqa: B018
        except RuntimeError:
            return False
        return True

    def device_count(self) -> int:
        if not self.is_available():
            return 0
        return int(self.xp.cuda.runtime.getDeviceCount())

    def current_device(self) -> int:
        return int(self.xp.cuda.runtime.getDevice())

    def synchronize(self, index: int | None = None) -> None:
        with self.on_device(index):
            self.xp.cuda.runtime.deviceSynchronize()
        raise_deferred_checks()

    def memory_stats(self, index: int | None = None) -> dict[str, int]:
        pool = self.xp.get_default_memory_pool()
        return {
            "allocated_bytes.all.current": int(pool.used_bytes()),
            "reserved_bytes.all.current": int(pool.total_bytes()),
        }

    def to_host(self, array: Any) -> np.ndarray[Any, Any]:
        return self.xp.asnumpy(array)  # type: ignore[no-any-return]

    def from_host(self, array: np.ndarray[Any, Any], index: int | None) -> Any:
        with self.on_device(index):
            return self.xp.asarray(array)

    def from_host_async(self, array: np.ndarray[Any, Any], index: int | None) -> Any:
        """A copy queued on the current stream when ``array`` is pinned (no host wait); else :meth:`from_host`.

        The pinned buffer is kept alive until the copy's event has passed, so freeing the source tensor
        cannot hand the memory to another tensor while the copy still reads it.
        """
        from ._pinned import is_pinned_array

        cp = self.xp
        if not is_pinned_array(array, cp):
            return self.from_host(array, index)  # pageable memory: the driver copies synchronously anyway
        with self.on_device(index):
            out = cp.empty(array.shape, dtype=array.dtype)
            stream = cp.cuda.get_current_stream()
            out.set(array, stream=stream)
        self.keep_alive(array, stream, index)
        return out

    def keep_alive(self, array: Any, stream: Any, index: int | None) -> None:
        """Hold a reference to ``array`` until the work queued so far on CuPy ``stream`` (device ``index``) ends."""
        with self.on_device(index):
            event = self.xp.cuda.Event(disable_timing=True)
            event.record(stream)
        self._in_flight = [(e, a) for e, a in self._in_flight if not e.done]
        self._in_flight.append((event, array))

    def new_bit_generator(self, seed: int) -> Any:
        from ._philox import PhiloxGenerator

        return PhiloxGenerator(lambda: self.xp, seed)  # NOTE [ Counter-based cuda generator ]

    def on_device(self, index: int | None) -> Any:
        return self.xp.cuda.Device(self.current_device() if index is None else index)


_backends: dict[str, Backend] = {"cpu": CpuBackend(), "cuda": CudaBackend()}


def register_backend(name: str, backend: Backend | Callable[[], Backend]) -> Backend:
    """Make device type ``name`` available, backed by ``backend``.

    Plugins normally register through the ``tocha.backends`` entry-point
    group instead; this is the programmatic form.

    Example:
        >>> import tocha
        >>> class MyCpu(tocha.library.CpuBackend):
        ...     name = "mycpu"
        >>> _ = tocha.library.register_backend("mycpu", MyCpu())
        >>> tocha.ones(2, device="mycpu").device
        device(type='mycpu', index=0)
    """
    instance = backend if isinstance(backend, Backend) else backend()
    if not isinstance(instance, Backend):
        raise TypeError(f"register_backend(): expected a tocha.library.Backend, got {type(instance).__name__}")
    instance.name = name
    _backends[name] = instance
    return instance


def copy_to_host(device_type: str, array: Any) -> np.ndarray[Any, Any]:
    """``array`` of device type ``device_type`` copied to the host, after the queued device checks.

    See NOTE [ Deferred device checks ] in ``tocha._device_checks``.
    """
    if _sync_debug._mode:
        _sync_debug.notify()
    raise_deferred_checks()
    return get_backend(device_type).to_host(array)


def get_backend(name: str) -> Backend:
    """The backend for device type ``name``, loading a plugin by entry point if needed.

    Example:
        >>> import tocha
        >>> tocha.library.get_backend("cpu").name
        'cpu'
    """
    found = _backends.get(name)
    if found is not None:
        return found
    from importlib.metadata import entry_points

    for entry in entry_points(group="tocha.backends"):
        if entry.name == name:
            return register_backend(name, entry.load())
    known = ", ".join(sorted(_backends))
    raise RuntimeError(
        f"Unknown device type '{name}': no backend is registered for it (known: {known}; "
        "plugins register through the 'tocha.backends' entry-point group)"
    )


def xp_of(dev: device) -> types.ModuleType:
    """The array module serving tensors on ``dev``."""
    found = dev._xp
    if found is None:
        found = get_backend(dev.type).xp
        dev._xp = found
    return found  # type: ignore[no-any-return]


device("cpu")._xp = np
