"""``tocha.cpu``: the CPU counterpart of ``tocha.cuda``, for device-generic code (``getattr(tocha, device.type)``).

The CPU is always there, runs work synchronously (so :func:`synchronize` has nothing to wait for) and has one
stream, as in PyTorch.

Example:
    >>> import tocha
    >>> tocha.cpu.is_available(), tocha.cpu.device_count(), tocha.cpu.current_device()
    (True, 1, 'cpu')
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "is_available",
    "is_initialized",
    "device_count",
    "current_device",
    "set_device",
    "synchronize",
    "Stream",
    "Event",
    "StreamContext",
    "current_stream",
    "stream",
]


def is_available() -> bool:
    """Whether the CPU can be used: always ``True``.

    Example:
        >>> import tocha
        >>> tocha.cpu.is_available()
        True
    """
    return True


def is_initialized() -> bool:
    """Whether the CPU device is initialised: always ``True``.

    Example:
        >>> import tocha
        >>> tocha.cpu.is_initialized()
        True
    """
    return True


def device_count() -> int:
    """The number of CPU devices: 1.

    Example:
        >>> import tocha
        >>> tocha.cpu.device_count()
        1
    """
    return 1


def current_device() -> str:
    """The current CPU device: ``"cpu"``.

    Example:
        >>> import tocha
        >>> tocha.cpu.current_device()
        'cpu'
    """
    return "cpu"


def set_device(device: Any) -> None:
    """Select a CPU device: there is one, so this does nothing (as in PyTorch).

    Example:
        >>> import tocha
        >>> tocha.cpu.set_device("cpu")
    """


def synchronize(device: Any = None) -> None:
    """Wait for the CPU's queued work: CPU ops finish before they return, so this does nothing.

    Example:
        >>> import tocha
        >>> tocha.cpu.synchronize()
    """


class Stream:
    """The CPU's stream: work runs in order on the calling thread, so waiting on it does nothing.

    Args:
        priority: accepted, unused.

    Example:
        >>> import tocha
        >>> s = tocha.cpu.Stream()
        >>> s.wait_stream(tocha.cpu.current_stream())
    """

    def __init__(self, priority: int = -1) -> None:
        self.priority = priority

    def wait_stream(self, stream: Stream) -> None:
        """Make this stream wait for ``stream``: nothing to do on CPU."""

    def wait_event(self, event: Event) -> None:
        """Make this stream wait for ``event``: nothing to do on CPU."""

    def record_event(self, event: Event | None = None) -> Event:
        """Record ``event`` (a new one by default) on this stream and return it."""
        return Event() if event is None else event


class Event:
    """A CPU event: completed as soon as it is recorded.

    Example:
        >>> import tocha
        >>> e = tocha.cpu.Event()
        >>> e.record(); e.query()
        True
    """

    def record(self, stream: Stream | None = None) -> None:
        """Record the event: already complete on CPU."""

    def wait(self, stream: Stream | None = None) -> None:
        """Make ``stream`` wait for the event: nothing to do on CPU."""

    def query(self) -> bool:
        """Whether the event has completed: always ``True``."""
        return True

    def synchronize(self) -> None:
        """Wait for the event: nothing to do on CPU."""


_default_stream = Stream()


def current_stream(device: Any = None) -> Stream:
    """The CPU's one stream.

    Example:
        >>> import tocha
        >>> tocha.cpu.current_stream() is tocha.cpu.current_stream()
        True
    """
    return _default_stream


class StreamContext:
    """Context manager selecting a CPU stream: there is one, so it changes nothing.

    Args:
        stream: a ``tocha.cpu.Stream`` or ``None``.
    """

    def __init__(self, stream: Stream | None) -> None:
        self.stream = stream

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def stream(stream: Stream | None) -> StreamContext:
    """Context manager running its block on ``stream`` (the CPU has one, so nothing changes).

    Example:
        >>> import tocha
        >>> with tocha.cpu.stream(tocha.cpu.Stream()):
        ...     pass
    """
    return StreamContext(stream)
