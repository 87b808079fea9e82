"""``tocha.Stream`` and ``tocha.Event``: PyTorch's device-generic stream and event.

For a CUDA device they drive a :class:`tocha.cuda.Stream` / :class:`tocha.cuda.Event` (which are classes of
their own, as in PyTorch); with no device, the current accelerator's (CUDA when available), else the CPU. CPU
work runs synchronously, so a CPU stream has nothing pending, and a CPU event cannot be recorded (PyTorch's
error).
"""

from __future__ import annotations

from typing import Any

from ._device import device as _device

__all__ = ["Event", "Stream"]

_NO_CPU_EVENTS = "cpu backend doesn't support events."


def _resolve(device: Any) -> _device:
    from . import cuda

    if device is None:
        return _device("cuda", cuda.current_device()) if cuda.is_available() else _device("cpu")
    chosen = _device(device)
    if chosen.type == "cuda" and chosen.index is None:
        return _device("cuda", cuda.current_device())
    if chosen.type not in ("cpu", "cuda"):
        raise RuntimeError(f"no streams or events for device type '{chosen.type}'")
    return chosen


class Stream:
    """A queue of work on ``device`` (see the module docstring); a context manager that makes it the current
    stream.

    Example:
        >>> import tocha
        >>> s = tocha.Stream("cpu")
        >>> s, s.query()
        (tocha.Stream device_type=cpu, device_index=-1, stream_id=0, True)
    """

    def __init__(self, device: Any = None, *, priority: int = 0) -> None:
        from . import cuda

        self.device = _resolve(device)
        self._cuda = cuda.Stream(self.device, priority=priority) if self.device.type == "cuda" else None
        self._context: Any = None

    @property
    def device_type(self) -> str:
        return self.device.type

    @property
    def device_index(self) -> int:
        return -1 if self.device.index is None else self.device.index

    @property
    def stream_id(self) -> int:
        return 0 if self._cuda is None else self._cuda.cuda_stream

    def query(self) -> bool:
        """Whether all work queued on this stream has completed (always, on the CPU)."""
        return True if self._cuda is None else self._cuda.query()

    def synchronize(self) -> None:
        """Wait for the work queued on this stream."""
        if self._cuda is not None:
            self._cuda.synchronize()

    def wait_event(self, event: Event) -> None:
        """Make future work on this stream wait for ``event``."""
        if self._cuda is None or event._cuda is None:
            raise RuntimeError(_NO_CPU_EVENTS)
        self._cuda.wait_event(event._cuda)

    def wait_stream(self, stream: Stream) -> None:
        """Make future work on this stream wait for the work queued so far on ``stream``."""
        if self._cuda is not None and stream._cuda is not None:
            self._cuda.wait_stream(stream._cuda)
        elif stream._cuda is not None:
            stream.synchronize()

    def record_event(self, event: Event | None = None) -> Event:
        """Record ``event`` (a new one by default) on this stream and return it."""
        event = Event(self.device) if event is None else event
        event.record(self)
        return event

    def __enter__(self) -> Stream:
        if self._cuda is not None:
            from . import cuda

            self._context = cuda.stream(self._cuda)
            self._context.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._context is not None:
            self._context.__exit__(*exc)
            self._context = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Stream) and (self.device, self.stream_id) == (other.device, other.stream_id)

    def __hash__(self) -> int:
        return hash((self.device, self.stream_id))

    def __repr__(self) -> str:
        return (
            f"tocha.Stream device_type={self.device_type}, device_index={self.device_index}, stream_id={self.stream_id}"
        )


class Event:
    """A marker in a stream's work, for synchronisation and timing (see the module docstring).

    Example:
        >>> import tocha
        >>> e = tocha.Event("cpu")
        >>> e, e.query()
        (tocha.Event device_type=cpu, device_index=-1, event_flag=0, event_id=0, True)
    """

    def __init__(
        self, device: Any = None, *, enable_timing: bool = False, blocking: bool = False, interprocess: bool = False
    ) -> None:
        from . import cuda

        self.device = _resolve(device)
        self._cuda = None
        if self.device.type == "cuda":
            with cuda.device(self.device):
                self._cuda = cuda.Event(enable_timing=enable_timing, blocking=blocking, interprocess=interprocess)

    @property
    def device_type(self) -> str:
        return self.device.type

    @property
    def device_index(self) -> int:
        return -1 if self.device.index is None else self.device.index

    @property
    def event_id(self) -> int:
        return 0 if self._cuda is None else id(self._cuda)

    def record(self, stream: Stream | None = None) -> None:
        """Record the event on ``stream`` (the current one by default)."""
        if self._cuda is None:
            raise RuntimeError(_NO_CPU_EVENTS)
        self._cuda.record(None if stream is None else stream._cuda)

    def wait(self, stream: Stream | None = None) -> None:
        """Make future work on ``stream`` (the current one by default) wait for this event."""
        if self._cuda is None:
            raise RuntimeError(_NO_CPU_EVENTS)
        self._cuda.wait(None if stream is None else stream._cuda)

    def query(self) -> bool:
        """Whether the work recorded before this event has completed."""
        return True if self._cuda is None else self._cuda.query()

    def synchronize(self) -> None:
        """Wait until the work recorded before this event has completed."""
        if self._cuda is not None:
            self._cuda.synchronize()

    def elapsed_time(self, end_event: Event) -> float:
        """Milliseconds between this event and ``end_event`` (both recorded with ``enable_timing=True``)."""
        if self._cuda is None or end_event._cuda is None:
            raise RuntimeError(_NO_CPU_EVENTS)
        return self._cuda.elapsed_time(end_event._cuda)

    def __repr__(self) -> str:
        return (
            f"tocha.Event device_type={self.device_type}, device_index={self.device_index}, event_flag=0, "
            f"event_id={self.event_id}"
        )
