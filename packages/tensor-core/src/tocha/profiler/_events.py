"""Profiler results: the events of a trace, their averages by key, the summary table and the Chrome trace.

Times are in microseconds (as PyTorch's ``cpu_time_total``...); ``self`` times subtract the time of the events
nested inside (a ``record_function`` range holds the ops it ran).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

__all__ = ["FunctionEvent", "FunctionEventAvg", "EventList", "Interval"]


class Interval:
    """The ``[start, end]`` of an event, in microseconds since the profiler started."""

    def __init__(self, start: float, end: float) -> None:
        self.start = start
        self.end = end

    def elapsed_us(self) -> float:
        """``end - start``.

        Example:
            >>> from tocha.profiler._events import Interval
            >>> Interval(2.0, 5.5).elapsed_us()
            3.5
        """
        return self.end - self.start


class FunctionEvent:
    """One op call or ``record_function`` range of a trace.

    Example:
        >>> from tocha.profiler._events import FunctionEvent
        >>> outer = FunctionEvent(0, "step", 1, 0.0, 10.0)
        >>> inner = FunctionEvent(1, "tocha::mul", 1, 2.0, 5.0)
        >>> outer.append_cpu_child(inner)
        >>> outer.cpu_time_total, outer.self_cpu_time_total
        (10.0, 7.0)
    """

    def __init__(
        self,
        id: int,
        name: str,
        thread: int,
        start_us: float,
        end_us: float,
        *,
        input_shapes: list[list[int]] | None = None,
        stack: list[str] | None = None,
        is_user_annotation: bool = False,
        cpu_memory_usage: int = 0,
        device_memory_usage: int = 0,
        device_time_total: float = 0.0,
        flops: int = 0,
        device_type: str = "cpu",
    ) -> None:
        self.id = id
        self.name = name
        self.trace_name = name
        self.thread = thread
        self.time_range = Interval(start_us, end_us)
        self.input_shapes = input_shapes if input_shapes is not None else []
        self.stack = stack if stack is not None else []
        self.is_user_annotation = is_user_annotation
        self.cpu_memory_usage = cpu_memory_usage
        self.device_memory_usage = device_memory_usage
        self.device_time_total = device_time_total
        self.flops = flops
        self.device_type = device_type
        self.cpu_children: list[FunctionEvent] = []
        self.cpu_parent: FunctionEvent | None = None
        self.count = 1

    def append_cpu_child(self, child: FunctionEvent) -> None:
        """Nest ``child`` (an event that ran inside this one) under this event."""
        self.cpu_children.append(child)
        child.cpu_parent = self

    @property
    def key(self) -> str:
        """What :meth:`EventList.key_averages` groups by: the name."""
        return self.name

    @property
    def cpu_time_total(self) -> float:
        return self.time_range.elapsed_us()

    @property
    def self_cpu_time_total(self) -> float:
        return self.cpu_time_total - sum(child.cpu_time_total for child in self.cpu_children)

    @property
    def cpu_time(self) -> float:
        return self.cpu_time_total

    @property
    def self_device_time_total(self) -> float:
        return self.device_time_total - sum(child.device_time_total for child in self.cpu_children)

    @property
    def self_cpu_memory_usage(self) -> int:
        return self.cpu_memory_usage - sum(child.cpu_memory_usage for child in self.cpu_children)

    @property
    def self_device_memory_usage(self) -> int:
        return self.device_memory_usage - sum(child.device_memory_usage for child in self.cpu_children)

    # PyTorch's CUDA-named aliases
    cuda_time_total = property(lambda self: self.device_time_total)
    self_cuda_time_total = property(lambda self: self.self_device_time_total)

    def __repr__(self) -> str:
        return (
            f"<FunctionEvent id={self.id} name={self.name} cpu_time={self.cpu_time_total:.3f}us "
            f"self_cpu_time={self.self_cpu_time_total:.3f}us input_shapes={self.input_shapes}>"
        )


class FunctionEventAvg:
    """The events of one key (name, and shapes or stack when grouped by them), summed; ``count`` calls.

    Example:
        >>> from tocha.profiler._events import FunctionEvent, FunctionEventAvg
        >>> avg = FunctionEventAvg()
        >>> _ = avg.add(FunctionEvent(0, "tocha::add", 1, 0.0, 4.0)).add(FunctionEvent(1, "tocha::add", 1, 5.0, 7.0))
        >>> avg.key, avg.count, avg.cpu_time_total, avg.cpu_time
        ('tocha::add', 2, 6.0, 3.0)
    """

    def __init__(self) -> None:
        self.key: str | None = None
        self.count = 0
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0
        self.device_time_total = 0.0
        self.self_device_time_total = 0.0
        self.cpu_memory_usage = 0
        self.self_cpu_memory_usage = 0
        self.device_memory_usage = 0
        self.self_device_memory_usage = 0
        self.flops = 0
        self.input_shapes: list[list[int]] | None = None
        self.stack: list[str] | None = None
        self.is_user_annotation = False

    def add(self, other: FunctionEvent | FunctionEventAvg) -> FunctionEventAvg:
        """Accumulate ``other`` (an event or another average) into this one."""
        if self.key is None:
            self.key = other.key
            self.input_shapes = other.input_shapes
            self.stack = other.stack
            self.is_user_annotation = other.is_user_annotation
        self.count += other.count
        self.cpu_time_total += other.cpu_time_total
        self.self_cpu_time_total += other.self_cpu_time_total
        self.device_time_total += other.device_time_total
        self.self_device_time_total += other.self_device_time_total
        self.cpu_memory_usage += other.cpu_memory_usage
        self.self_cpu_memory_usage += other.self_cpu_memory_usage
        self.device_memory_usage += other.device_memory_usage
        self.self_device_memory_usage += other.self_device_memory_usage
        self.flops += other.flops
        return self

    __iadd__ = add

    @property
    def cpu_time(self) -> float:
        return self.cpu_time_total / max(self.count, 1)

    @property
    def device_time(self) -> float:
        return self.device_time_total / max(self.count, 1)

    cuda_time = property(lambda self: self.device_time)
    cuda_time_total = property(lambda self: self.device_time_total)
    self_cuda_time_total = property(lambda self: self.self_device_time_total)

    def __repr__(self) -> str:
        return (
            f"<FunctionEventAvg key={self.key} self_cpu_time={self.self_cpu_time_total:.3f}us "
            f"cpu_time={self.cpu_time:.3f}us input_shapes={self.input_shapes}>"
        )


_SORT_KEYS = {
    "cpu_time": "cpu_time",
    "cuda_time": "device_time",
    "device_time": "device_time",
    "cpu_time_total": "cpu_time_total",
    "cuda_time_total": "device_time_total",
    "device_time_total": "device_time_total",
    "self_cpu_time_total": "self_cpu_time_total",
    "self_cuda_time_total": "self_device_time_total",
    "self_device_time_total": "self_device_time_total",
    "count": "count",
    "cpu_memory_usage": "cpu_memory_usage",
    "self_cpu_memory_usage": "self_cpu_memory_usage",
    "cuda_memory_usage": "device_memory_usage",
    "device_memory_usage": "device_memory_usage",
    "self_cuda_memory_usage": "self_device_memory_usage",
    "self_device_memory_usage": "self_device_memory_usage",
    "flops": "flops",
}


class EventList(list[Any]):
    """The events (or averages) of a trace, in start order, with PyTorch's table and export methods.

    Example:
        >>> from tocha.profiler._events import EventList, FunctionEvent
        >>> first, second = FunctionEvent(0, "tocha::mul", 1, 0.0, 3.0), FunctionEvent(1, "tocha::mul", 1, 4.0, 5.0)
        >>> events = EventList([first, second])
        >>> [(avg.key, avg.count) for avg in events.key_averages()]
        [('tocha::mul', 2)]
    """

    def __init__(self, events: Iterable[Any] = (), *, use_device: str | None = None, profile_memory: bool = False,
                 with_flops: bool = False) -> None:  # fmt: skip
        super().__init__(events)
        self._use_device = use_device
        self._profile_memory = profile_memory
        self._with_flops = with_flops

    def _like(self, events: Iterable[Any]) -> EventList:
        return EventList(events, use_device=self._use_device, profile_memory=self._profile_memory,
                         with_flops=self._with_flops)  # fmt: skip

    @property
    def self_cpu_time_total(self) -> float:
        """The CPU time of all events, each counted once (the sum of self times)."""
        return float(sum(event.self_cpu_time_total for event in self))

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0) -> EventList:
        """One :class:`FunctionEventAvg` per key (name; with its input shapes and/or top ``group_by_stack_n``
        stack frames when asked), in first-seen order."""
        groups: dict[tuple[Any, ...], FunctionEventAvg] = {}
        for event in self:
            key: tuple[Any, ...] = (event.key,)
            if group_by_input_shape:
                key += (str(event.input_shapes),)
            if group_by_stack_n > 0:
                key += tuple(event.stack[:group_by_stack_n])
            groups.setdefault(key, FunctionEventAvg()).add(event)
        for average in groups.values():  # shapes and stacks describe an average only when it is grouped by them
            average.input_shapes = average.input_shapes if group_by_input_shape else []
            average.stack = (average.stack or [])[:group_by_stack_n]
        return self._like(groups.values())

    def total_average(self) -> FunctionEventAvg:
        """All events summed under the key ``"Total"``."""
        total = FunctionEventAvg()
        for event in self:
            total.add(event)
        total.key = "Total"
        return total

    def table(
        self,
        sort_by: str | None = None,
        row_limit: int = 100,
        max_src_column_width: int = 75,
        max_name_column_width: int = 55,
        max_shapes_column_width: int = 80,
        header: str | None = None,
        top_level_events_only: bool = False,
    ) -> str:
        """The summary table, PyTorch's layout: self and total times (and percentages of the trace), calls,
        memory / shapes / FLOPs / stacks when recorded; sorted by ``sort_by`` (descending), ``row_limit`` rows."""
        return _table(self, sort_by, row_limit, max_src_column_width, max_name_column_width,
                      max_shapes_column_width, header, top_level_events_only)  # fmt: skip

    def __str__(self) -> str:
        return self.table()

    def export_chrome_trace(self, path: str) -> None:
        """Write the events as a Chrome trace (``chrome://tracing``, Perfetto): one complete ("X") event each."""
        import json

        pid = os.getpid()
        trace = [
            {
                "ph": "X",
                "cat": "user_annotation" if event.is_user_annotation else "cpu_op",
                "name": event.name,
                "pid": pid,
                "tid": event.thread,
                "ts": event.time_range.start,
                "dur": event.cpu_time_total,
                "args": {"Input Dims": event.input_shapes, "External id": event.id},
            }
            for event in self
        ]
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"traceEvents": trace, "displayTimeUnit": "ms"}, f)

    def export_stacks(self, path: str, metric: str = "self_cpu_time_total") -> None:
        """Write ``frame;frame;... value`` lines (outermost frame first) for flame graphs (``with_stack=True``)."""
        attribute = _SORT_KEYS.get(metric, metric)
        with open(path, "w", encoding="utf-8") as f:
            for event in self:
                if event.stack:
                    f.write(f"{';'.join(reversed(event.stack))} {int(getattr(event, attribute))}\n")


def _format_time(us: float) -> str:
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if us >= 1e3:
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


def _format_memory(nbytes: int) -> str:
    for unit, size in (("Gb", 1024**3), ("Mb", 1024**2), ("Kb", 1024)):
        if abs(nbytes) >= size:
            return f"{nbytes / size:.2f} {unit}"
    return f"{nbytes} b"


def _format_flops(events: Sequence[Any]) -> tuple[str, float]:
    largest = max((e.flops for e in events), default=0)
    for name, scale in (("PFLOPs", 1e15), ("TFLOPs", 1e12), ("GFLOPs", 1e9), ("MFLOPs", 1e6)):
        if largest >= scale * 10:
            return f"Total {name}", scale
    return "Total KFLOPs", 1e3


def _percent(part: float, whole: float) -> str:
    return f"{100.0 * part / whole:.2f}%" if whole > 0 else "0.00%"


def _table(events: EventList, sort_by: str | None, row_limit: int, max_src_column_width: int,
           max_name_column_width: int, max_shapes_column_width: int, header: str | None,
           top_level_events_only: bool) -> str:  # fmt: skip
    rows: list[Any] = list(events)
    if top_level_events_only:
        rows = [e for e in rows if getattr(e, "cpu_parent", None) is None]
    if sort_by is not None:
        if sort_by not in _SORT_KEYS:
            raise ValueError(f"sort_by must be one of {sorted(_SORT_KEYS)}, got {sort_by!r}")
        attribute = _SORT_KEYS[sort_by]
        rows.sort(key=lambda e: getattr(e, attribute), reverse=True)
    if row_limit > 0:
        rows = rows[:row_limit]
    all_events = list(events)
    self_cpu_total = sum(e.self_cpu_time_total for e in all_events)
    self_device_total = sum(e.self_device_time_total for e in all_events)
    has_device = events._use_device is not None or any(e.device_time_total for e in all_events)
    has_shapes = any(e.input_shapes for e in rows)
    has_stack = any(e.stack for e in rows)
    width = 12
    name_width = min(max([len(str(e.key)) for e in rows] + [4]) + 4, max_name_column_width)
    columns: list[tuple[str, int, Callable[[Any], str]]] = [
        ("Name", name_width, lambda e: _truncate(str(e.key), name_width)),
        ("Self CPU %", width, lambda e: _percent(e.self_cpu_time_total, self_cpu_total)),
        ("Self CPU", width, lambda e: _format_time(e.self_cpu_time_total)),
        ("CPU total %", width, lambda e: _percent(e.cpu_time_total, self_cpu_total)),
        ("CPU total", width, lambda e: _format_time(e.cpu_time_total)),
        ("CPU time avg", width, lambda e: _format_time(e.cpu_time_total / max(e.count, 1))),
    ]
    if has_device:
        columns += [
            ("Self CUDA", width, lambda e: _format_time(e.self_device_time_total)),
            ("Self CUDA %", width, lambda e: _percent(e.self_device_time_total, self_device_total)),
            ("CUDA total", width, lambda e: _format_time(e.device_time_total)),
            ("CUDA time avg", width, lambda e: _format_time(e.device_time_total / max(e.count, 1))),
        ]
    if events._profile_memory:
        columns += [
            ("CPU Mem", width, lambda e: _format_memory(e.cpu_memory_usage)),
            ("Self CPU Mem", width, lambda e: _format_memory(e.self_cpu_memory_usage)),
        ]
        if has_device:
            columns += [
                ("CUDA Mem", width, lambda e: _format_memory(e.device_memory_usage)),
                ("Self CUDA Mem", width, lambda e: _format_memory(e.self_device_memory_usage)),
            ]
    columns.append(("# of Calls", width, lambda e: str(e.count)))
    if has_shapes:
        shapes_width = min(max(len(str(e.input_shapes)) for e in rows) + 4, max_shapes_column_width)
        columns.append(("Input Shapes", shapes_width, lambda e: _truncate(str(e.input_shapes), shapes_width)))
    if events._with_flops:
        title, scale = _format_flops(rows)
        columns.append((title, width, lambda e: f"{e.flops / scale:.3f}" if e.flops else "--"))
    if has_stack:
        stack_width = max_src_column_width
        columns.append(
            ("Source Location", stack_width, lambda e: _truncate(e.stack[0] if e.stack else "", stack_width))
        )
    rule = "".join("-" * w + "  " for _, w, _ in columns)
    lines = [] if header is None else ["=" * len(rule), header]
    lines += [rule, "".join(f"{title:>{w}}  " for title, w, _ in columns), rule]
    for e in rows:
        lines.append("".join(f"{cell(e):>{w}}  " for _, w, cell in columns))
    lines.append(rule)
    lines.append(f"Self CPU time total: {_format_time(self_cpu_total)}")
    if has_device:
        lines.append(f"Self CUDA time total: {_format_time(self_device_total)}")
    return "\n".join(lines) + "\n"


def _truncate(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."
