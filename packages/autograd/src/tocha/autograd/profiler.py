"""``tocha.autograd.profiler``: PyTorch's older profiler interface, over :mod:`tocha.profiler`.

``profile`` records like ``tocha.profiler.profile`` (CPU, plus CUDA with ``use_cuda``) and keeps its results as
``function_events``; ``record_function`` and ``EventList`` are :mod:`tocha.profiler`'s. ``emit_nvtx`` wraps every
op call in an NVTX range named after the op, for NVIDIA's profilers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import tocha
import tocha.profiler as _profiler
from tocha.library import DispatchLayer, OpCall
from tocha.profiler import EventList, FunctionEvent, FunctionEventAvg, record_function

__all__ = ["EventList", "FunctionEvent", "FunctionEventAvg", "emit_nvtx", "profile", "record_function"]


class profile:
    """Profile a block of code (``torch.autograd.profiler.profile``); results in ``function_events``.

    Example:
        >>> import tocha
        >>> from tocha.autograd import profiler
        >>> with profiler.profile(record_shapes=True) as prof:
        ...     _ = (tocha.ones(4, requires_grad=True) * 3).sum().backward()
        >>> sorted({e.name for e in prof.function_events})[:3]
        ['tocha::_reduction_expand', 'tocha::full', 'tocha::mul']
    """

    def __init__(
        self,
        enabled: bool = True,
        *,
        use_cuda: bool = False,
        use_device: str | None = None,
        record_shapes: bool = False,
        with_flops: bool = False,
        profile_memory: bool = False,
        with_stack: bool = False,
        with_modules: bool = False,
        use_kineto: bool = False,
        use_cpu: bool = True,
        experimental_config: Any = None,
        acc_events: bool = False,
        custom_trace_id_callback: Any = None,
    ) -> None:
        self.enabled = enabled
        activities = {_profiler.ProfilerActivity.CPU}
        if use_cuda or use_device == "cuda":
            activities.add(_profiler.ProfilerActivity.CUDA)
        self._inner = _profiler.profile(
            activities=activities,
            record_shapes=record_shapes,
            profile_memory=profile_memory,
            with_stack=with_stack,
            with_flops=with_flops,
        )
        self.function_events: EventList | None = None

    def __enter__(self) -> profile:
        if self.enabled:
            self._inner.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self._inner.stop()
            self.function_events = self._inner.events()

    def _events(self) -> EventList:
        if self.function_events is None:
            raise RuntimeError("Profiler didn't finish running")
        return self.function_events

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0) -> EventList:
        """The events averaged by name (see :meth:`tocha.profiler.EventList.key_averages`)."""
        return self._events().key_averages(group_by_input_shape, group_by_stack_n)

    def table(self, sort_by: str | None = None, row_limit: int = 100, **kwargs: Any) -> str:
        """The table of the events themselves (not averaged), as PyTorch's ``profile.table``."""
        return self._events().table(sort_by=sort_by, row_limit=row_limit, **kwargs)

    def total_average(self) -> FunctionEventAvg:
        """Every event summed (key ``"Total"``)."""
        return self._events().total_average()

    @property
    def self_cpu_time_total(self) -> float:
        """The recorded CPU time, in microseconds, each event's self time counted once."""
        return self._events().self_cpu_time_total

    def export_chrome_trace(self, path: str) -> None:
        """Write the events for ``chrome://tracing`` / Perfetto."""
        self._events().export_chrome_trace(path)

    def export_stacks(self, path: str, metric: str = "self_cpu_time_total") -> None:
        """Write flame-graph stacks (``with_stack=True``)."""
        self._events().export_stacks(path, metric)

    def __str__(self) -> str:
        return self._events().table()


class _NvtxLayer(DispatchLayer):
    def __init__(self, record_shapes: bool) -> None:
        self.record_shapes = record_shapes

    def handle(self, call: OpCall, proceed: Callable[[OpCall], Any]) -> Any:
        name = call.op.name
        if self.record_shapes:
            shapes = [list(x.shape) if isinstance(x, tocha.Tensor) else [] for x in call.inputs]
            name = f"{name}, sizes = {shapes}"
        tocha.cuda.nvtx.range_push(name)
        try:
            return proceed(call)
        finally:
            tocha.cuda.nvtx.range_pop()


class emit_nvtx:
    """Mark every op call as an NVTX range (named after the op; with its input sizes when ``record_shapes``),
    for Nsight Systems. Needs CuPy's NVTX (RuntimeError otherwise, on the first op).

    Example:
        >>> from tocha.autograd import profiler
        >>> with profiler.emit_nvtx(enabled=False):
        ...     pass
    """

    def __init__(self, enabled: bool = True, record_shapes: bool = False) -> None:
        self.enabled = enabled
        self._layer = _NvtxLayer(record_shapes)

    def __enter__(self) -> emit_nvtx:
        if self.enabled:
            tocha.library.push_layer(self._layer)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            tocha.library.pop_layer(self._layer)
