"""``tocha.profiler``: time every op call, as ``torch.profiler`` does.

NOTE [ Profiler ]
The profiler is a dispatch layer (NOTE [ Dispatch ]): while it records, it sees every op call of the thread
that started it (forward and backward ops alike: the autograd engine runs in that thread) and times it with
``perf_counter_ns`` around the call. ``record_function("name")`` ranges (and the ``ProfilerStep#N`` range of
each :meth:`profile.step` under a schedule) nest the ops they run, so their self time is their own Python time.
Op events are named ``tocha::<op>`` after the op records (``tocha::linear``, ``tocha::convolution``...).

Options, as PyTorch's: ``record_shapes`` (each op's input shapes), ``profile_memory`` (bytes of the tensors each
op returns, CPU and device), ``with_stack`` (the user frames of the call, innermost first), ``with_flops``
(``FLOP_FORMULAS``: matmul, linear, convolution, attention, einsum and their backward ops), and the CUDA
activity: device time of each op on a CUDA tensor, from a pair of timing events around it (read once, at the end
of the trace). ``with_modules`` is accepted and has no effect.
With no profiler running, ``record_function`` costs one list check.
"""

from __future__ import annotations

import contextlib
import enum
import itertools
import os
import threading
import time
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import tocha
from tocha.library import DispatchLayer, OpCall

from ._events import EventList, FunctionEvent, FunctionEventAvg, Interval
from ._flops import FLOP_FORMULAS, FlopFormula, count_flops

__all__ = [
    "FLOP_FORMULAS",
    "EventList",
    "FlopFormula",
    "FunctionEvent",
    "FunctionEventAvg",
    "Interval",
    "ProfilerAction",
    "count_flops",
    "ProfilerActivity",
    "profile",
    "record_function",
    "schedule",
    "supported_activities",
    "tensorboard_trace_handler",
]


class ProfilerActivity(enum.Enum):
    """What a profile records: host-side op times (``CPU``) and the device time of CUDA ops (``CUDA``)."""

    CPU = 0
    CUDA = 1


class ProfilerAction(enum.Enum):
    """What a :func:`schedule` asks of a step."""

    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def supported_activities() -> set[ProfilerActivity]:
    """The activities this machine can record: CPU, and CUDA when a CUDA device is available.

    Example:
        >>> import tocha.profiler
        >>> tocha.profiler.ProfilerActivity.CPU in tocha.profiler.supported_activities()
        True
    """
    activities = {ProfilerActivity.CPU}
    if tocha.cuda.is_available():
        activities.add(ProfilerActivity.CUDA)
    return activities


def schedule(
    *, wait: int, warmup: int, active: int, repeat: int = 0, skip_first: int = 0
) -> Callable[[int], ProfilerAction]:
    """The step -> action function of a profile that skips ``skip_first`` steps, then cycles through ``wait``
    idle steps, ``warmup`` steps and ``active`` recorded steps (the last one saves the trace), ``repeat`` times
    (0: forever).

    Example:
        >>> import tocha.profiler as profiler
        >>> plan = profiler.schedule(wait=1, warmup=1, active=2, repeat=1)
        >>> [plan(step).name for step in range(5)]
        ['NONE', 'WARMUP', 'RECORD', 'RECORD_AND_SAVE', 'NONE']
    """
    if min(wait, warmup, skip_first, repeat) < 0 or active <= 0:
        raise ValueError("schedule(): wait, warmup, repeat and skip_first must be >= 0 and active > 0")
    if warmup == 0:
        warnings.warn("Profiler won't be using warmup, this can skew profiler results", UserWarning, stacklevel=2)
    cycle = wait + warmup + active

    def action(step: int) -> ProfilerAction:
        if step < 0:
            raise ValueError(f"schedule(): the step must be >= 0, got {step}")
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if repeat > 0 and step // cycle >= repeat:
            return ProfilerAction.NONE
        position = step % cycle
        if position < wait:
            return ProfilerAction.NONE
        if position < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if position < cycle - 1 else ProfilerAction.RECORD_AND_SAVE

    return action


def tensorboard_trace_handler(
    dir_name: str, worker_name: str | None = None, use_gzip: bool = False
) -> Callable[[profile], None]:
    """An ``on_trace_ready`` that writes each trace as ``<dir_name>/<worker>.<time_ns>.pt.trace.json[.gz]``.

    Example:
        >>> import os, tempfile, tocha, tocha.profiler as profiler
        >>> folder = tempfile.mkdtemp()
        >>> with profiler.profile(on_trace_ready=profiler.tensorboard_trace_handler(folder, "w0")):
        ...     _ = tocha.ones(3) + 1
        >>> [name.split(".")[0] for name in os.listdir(folder)]
        ['w0']
    """
    import socket

    worker = worker_name if worker_name is not None else f"{socket.gethostname()}_{os.getpid()}"

    def handler(prof: profile) -> None:
        os.makedirs(dir_name, exist_ok=True)
        path = os.path.join(dir_name, f"{worker}.{time.time_ns()}.pt.trace.json")
        prof.export_chrome_trace(path)
        if use_gzip:
            import gzip

            with open(path, "rb") as source, gzip.open(path + ".gz", "wb") as target:
                target.write(source.read())
            os.remove(path)

    return handler


# ------------------------------------------------------------------ recording

_active: list[_Trace] = []  # traces recording now (any thread): record_function reports to them
_ids = itertools.count()


class _Record:
    """An event being recorded (made into a FunctionEvent when the trace ends)."""

    __slots__ = ("device", "end", "flops", "id", "memory", "name", "parent", "shapes", "stack", "start", "thread",
                 "timers", "user")  # fmt: skip

    def __init__(self, name: str, thread: int, parent: int | None, user: bool) -> None:
        self.id = next(_ids)
        self.name = name
        self.thread = thread
        self.parent = parent
        self.user = user
        self.shapes: list[list[int]] | None = None
        self.stack: list[str] | None = None
        self.memory = (0, 0)
        self.flops = 0
        self.timers: tuple[Any, Any] | None = None
        self.device = "cpu"
        self.start = time.perf_counter_ns()
        self.end = self.start


class _Trace:
    """One recording: the records, each thread's open ranges, and the options."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        self.records: list[_Record] = []
        self.open: dict[int, list[_Record]] = {}
        self.base = time.perf_counter_ns()
        self.lock = threading.Lock()

    def begin(self, name: str, user: bool) -> _Record:
        thread = threading.get_ident()
        stack = self.open.setdefault(thread, [])
        record = _Record(name, thread, stack[-1].id if stack else None, user)
        if self.options["with_stack"]:
            record.stack = _user_frames()
        stack.append(record)
        return record

    def finish(self, record: _Record) -> None:
        record.end = time.perf_counter_ns()
        stack = self.open.get(record.thread)
        if stack and stack[-1] is record:
            stack.pop()
        with self.lock:
            self.records.append(record)

    def events(self, use_device: str | None) -> EventList:
        timed = [r for r in self.records if r.timers is not None]
        if timed:
            tocha.cuda.synchronize()
        events: dict[int, FunctionEvent] = {}
        for r in sorted(self.records, key=lambda r: r.start):
            device_us = r.timers[0].elapsed_time(r.timers[1]) * 1e3 if r.timers is not None else 0.0
            events[r.id] = FunctionEvent(
                r.id, r.name, r.thread, (r.start - self.base) / 1e3, (r.end - self.base) / 1e3,
                input_shapes=r.shapes, stack=r.stack, is_user_annotation=r.user, cpu_memory_usage=r.memory[0],
                device_memory_usage=r.memory[1], device_time_total=device_us, flops=r.flops, device_type=r.device,
            )  # fmt: skip
        for r in self.records:
            parent = events.get(r.parent) if r.parent is not None else None
            if parent is not None:
                parent.append_cpu_child(events[r.id])
        for event in events.values():  # a range's device time, memory and FLOPs: its ops'
            if event.is_user_annotation and event.cpu_parent is None:
                _total_ops(event)
        return EventList(events.values(), use_device=use_device, profile_memory=self.options["profile_memory"],
                         with_flops=self.options["with_flops"])  # fmt: skip


def _total_ops(event: FunctionEvent) -> None:
    """Give a range (and the ranges inside it) the device time, memory and FLOPs of the ops it holds."""
    for child in event.cpu_children:
        if child.is_user_annotation:
            _total_ops(child)
    children = event.cpu_children
    event.device_time_total = sum(c.device_time_total for c in children)
    event.cpu_memory_usage = sum(c.cpu_memory_usage for c in children)
    event.device_memory_usage = sum(c.device_memory_usage for c in children)
    event.flops = sum(c.flops for c in children)


_INTERNAL = (*(os.path.join(path, "") for path in tocha.__path__), os.path.dirname(contextlib.__file__))


def _user_frames() -> list[str]:
    """The calling frames outside tocha and contextlib, innermost first, as ``file(line): function``."""
    import traceback

    frames = traceback.extract_stack()[:-1]
    return [f"{f.filename}({f.lineno}): {f.name}" for f in reversed(frames) if not f.filename.startswith(_INTERNAL)]


def _nbytes(value: Any) -> tuple[int, int]:
    """(host bytes, device bytes) of the tensors in an op's result."""
    if isinstance(value, tocha.Tensor):
        size = value.element_size() * value.numel()
        return (size, 0) if value.device.type == "cpu" else (0, size)
    if isinstance(value, (tuple, list)):
        sizes = [_nbytes(v) for v in value]
        return sum(s[0] for s in sizes), sum(s[1] for s in sizes)
    return 0, 0


class _OpLayer(DispatchLayer):
    """Times each op call into its trace (see NOTE [ Profiler ])."""

    def __init__(self, trace: _Trace) -> None:
        self.trace = trace

    def handle(self, call: OpCall, proceed: Callable[[OpCall], Any]) -> Any:
        trace = self.trace
        options = trace.options
        record = trace.begin("tocha::" + call.op.name, False)
        if options["record_shapes"]:
            record.shapes = [list(x.shape) if isinstance(x, tocha.Tensor) else [] for x in call.inputs]
        timed = options["cuda"] and call.device.type == "cuda"
        if timed:
            record.device = "cuda"
            record.timers = (tocha.cuda.Event(enable_timing=True), tocha.cuda.Event(enable_timing=True))
            record.timers[0].record()
        try:
            result = proceed(call)
        finally:
            if timed:
                assert record.timers is not None
                record.timers[1].record()
            trace.finish(record)
        if options["profile_memory"]:
            record.memory = _nbytes(result)
        if options["with_flops"]:
            record.flops = count_flops(call.op.name, call.inputs, call.params, result)
        return result


class record_function(contextlib.ContextDecorator):
    """Label a stretch of code: profilers running now show it as one event holding the ops it ran.

    Usable as a context manager or a decorator; ``args`` is accepted for PyTorch's signature.

    Example:
        >>> import tocha, tocha.profiler as profiler
        >>> with profiler.profile() as prof:
        ...     with profiler.record_function("double"):
        ...         _ = tocha.ones(3) * 2
        >>> [(e.name, [c.name for c in e.cpu_children]) for e in prof.events() if e.cpu_parent is None]
        [('double', ['tocha::full', 'tocha::mul'])]
    """

    def __init__(self, name: str, args: str | None = None) -> None:
        self.name = name
        self.args = args
        self._records: list[tuple[_Trace, _Record]] = []

    def __enter__(self) -> record_function:
        if _active:
            self._records = [(trace, trace.begin(self.name, True)) for trace in list(_active)]
        return self

    def __exit__(self, *exc: object) -> None:
        for trace, record in reversed(self._records):
            trace.finish(record)
        self._records = []


# ------------------------------------------------------------------ profile

_RECORDING = (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE)


class profile:
    """Profile the op calls of a block of code (``torch.profiler.profile``).

    Args:
        activities: what to record (default: :func:`supported_activities`).
        schedule: step -> :class:`ProfilerAction` (see :func:`schedule`); None records throughout.
        on_trace_ready: called with the profiler each time a trace is complete (see
            :func:`tensorboard_trace_handler`).
        record_shapes, profile_memory, with_stack, with_flops: see NOTE [ Profiler ].

    Example:
        >>> import tocha, tocha.profiler as profiler
        >>> with profiler.profile(record_shapes=True) as prof:
        ...     _ = tocha.ones(2, 3).sum(0)
        >>> [(avg.key, avg.count, avg.input_shapes) for avg in prof.key_averages(group_by_input_shape=True)]
        [('tocha::full', 1, []), ('tocha::sum', 1, [[2, 3]])]
    """

    def __init__(
        self,
        *,
        activities: Iterable[ProfilerActivity] | None = None,
        schedule: Callable[[int], ProfilerAction] | None = None,
        on_trace_ready: Callable[[profile], Any] | None = None,
        record_shapes: bool = False,
        profile_memory: bool = False,
        with_stack: bool = False,
        with_flops: bool = False,
        with_modules: bool = False,
        experimental_config: Any = None,
        execution_trace_observer: Any = None,
        acc_events: bool = False,
        use_cuda: bool | None = None,
    ) -> None:
        chosen = set(activities) if activities is not None else supported_activities()
        if use_cuda:
            chosen.add(ProfilerActivity.CUDA)
        self.activities = chosen
        self.schedule = schedule
        self.record_steps = schedule is not None
        self.on_trace_ready = on_trace_ready
        self.options = {
            "record_shapes": record_shapes,
            "profile_memory": profile_memory,
            "with_stack": with_stack,
            "with_flops": with_flops,
            "cuda": ProfilerActivity.CUDA in chosen,
        }
        self.step_num = 0
        self.current_action = ProfilerAction.RECORD
        self._trace: _Trace | None = None
        self._layer: _OpLayer | None = None
        self._step_range: record_function | None = None
        self._events: EventList | None = None

    # -- control

    def __enter__(self) -> profile:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Begin (the schedule's first step decides whether step 0 records)."""
        self.step_num = 0
        self.current_action = self.schedule(0) if self.schedule is not None else ProfilerAction.RECORD
        if self.current_action in _RECORDING:
            self._begin_trace()

    def stop(self) -> None:
        """End; a trace in progress is completed (``on_trace_ready`` runs)."""
        if self._trace is not None:
            self._end_trace()
        self.current_action = ProfilerAction.NONE

    def step(self) -> None:
        """Mark the end of a training step: move to the schedule's next action, completing the trace after a
        ``RECORD_AND_SAVE`` step (or a recorded step followed by an idle one)."""
        previous = self.current_action
        self.step_num += 1
        self.current_action = self.schedule(self.step_num) if self.schedule is not None else ProfilerAction.RECORD
        if previous in _RECORDING and (
            previous is ProfilerAction.RECORD_AND_SAVE or self.current_action not in _RECORDING
        ):
            self._end_trace()
        elif self._trace is not None and self._step_range is not None:
            self._step_range.__exit__(None, None, None)
            self._step_range = self._open_step_range()
        if self.current_action in _RECORDING and self._trace is None:
            self._begin_trace()

    def _begin_trace(self) -> None:
        self._trace = _Trace(dict(self.options))
        self._layer = _OpLayer(self._trace)
        _active.append(self._trace)
        tocha.library.push_layer(self._layer)
        self._step_range = self._open_step_range()

    def _open_step_range(self) -> record_function | None:
        if not self.record_steps:
            return None
        step_range = record_function(f"ProfilerStep#{self.step_num}")
        step_range.__enter__()
        return step_range

    def _end_trace(self) -> None:
        trace, layer = self._trace, self._layer
        assert trace is not None
        assert layer is not None
        if self._step_range is not None:
            self._step_range.__exit__(None, None, None)
            self._step_range = None
        tocha.library.pop_layer(layer)
        _active.remove(trace)
        self._trace = self._layer = None
        self._events = trace.events("cuda" if trace.options["cuda"] else None)
        if self.on_trace_ready is not None:
            self.on_trace_ready(self)

    # -- results (of the last completed trace)

    def events(self) -> EventList:
        """Every event of the last completed trace, in start order.

        Example:
            >>> import tocha, tocha.profiler as profiler
            >>> with profiler.profile() as prof:
            ...     _ = tocha.zeros(2) + 1
            >>> [e.name for e in prof.events()]
            ['tocha::full', 'tocha::add']
        """
        if self._events is None:
            raise RuntimeError("profile: no trace has completed yet (results are ready when a trace ends)")
        return self._events

    def key_averages(
        self, group_by_input_shape: bool = False, group_by_stack_n: int = 0, group_by_overload_name: bool = False
    ) -> EventList:
        """The events averaged by name (and input shapes / stack frames when asked); ``.table()`` prints them.

        Example:
            >>> import tocha, tocha.profiler as profiler
            >>> with profiler.profile() as prof:
            ...     for _ in range(3):
            ...         _ = tocha.ones(2) * 2
            >>> {avg.key: avg.count for avg in prof.key_averages()}
            {'tocha::full': 3, 'tocha::mul': 3}
        """
        return self.events().key_averages(group_by_input_shape, group_by_stack_n)

    def export_chrome_trace(self, path: str) -> None:
        """Write the last trace for ``chrome://tracing`` / Perfetto (see :meth:`EventList.export_chrome_trace`)."""
        self.events().export_chrome_trace(path)

    def export_stacks(self, path: str, metric: str = "self_cpu_time_total") -> None:
        """Write flame-graph stacks of the last trace (``with_stack=True``)."""
        self.events().export_stacks(path, metric)
