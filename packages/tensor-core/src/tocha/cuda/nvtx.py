"""``tocha.cuda.nvtx``: NVTX ranges and marks for NVIDIA's profilers (Nsight Systems), through CuPy.

As ``torch.cuda.nvtx``: ``range_push``/``range_pop`` nest ranges on the calling thread (each returns the
zero-based depth of the range it opens or closes), ``range`` is the same as a context manager and a decorator,
``mark`` is an instant event. CuPy's NVTX module is imported on the first call; without it (no CuPy, or a
CuPy built without NVTX) the functions raise RuntimeError, as PyTorch's do in a build without CUDA.
(``range_start``/``range_end``, NVTX's ranges that may end on another thread, are not there: CuPy exposes
only the push/pop kind.)
"""

from __future__ import annotations

import contextlib
import importlib
import threading
from collections.abc import Iterator
from typing import Any

__all__ = ["range_push", "range_pop", "range", "mark"]


class _Depth(threading.local):
    def __init__(self) -> None:
        self.open = 0


_depth = _Depth()


def _nvtx() -> Any:
    try:
        return importlib.import_module("cupy.cuda.nvtx")
    except ImportError as error:
        raise RuntimeError(
            "NVTX functions not installed: tocha.cuda.nvtx needs CuPy built with NVTX (and an NVIDIA GPU)"
        ) from error


def range_push(msg: str) -> int:
    """Open a range named ``msg`` on this thread; returns its zero-based depth.

    Example:
        >>> import tocha.cuda.nvtx as nvtx
        >>> try:
        ...     depth = nvtx.range_push("forward")
        ... except RuntimeError:  # no CuPy here
        ...     depth = 0
        >>> depth
        0
    """
    _nvtx().RangePush(str(msg))
    depth = _depth.open
    _depth.open += 1
    return depth


def range_pop() -> int:
    """Close this thread's innermost open range; returns its zero-based depth (-1 when none was open).

    Example:
        >>> import tocha.cuda.nvtx as nvtx
        >>> try:
        ...     _ = nvtx.range_push("step")
        ...     depth = nvtx.range_pop()
        ... except RuntimeError:  # no CuPy here
        ...     depth = 0
        >>> depth
        0
    """
    module = _nvtx()
    if _depth.open == 0:
        return -1
    module.RangePop()
    _depth.open -= 1
    return _depth.open


def mark(msg: str) -> None:
    """An instant event named ``msg`` on the profiler's timeline.

    Example:
        >>> import tocha.cuda.nvtx as nvtx
        >>> try:
        ...     nvtx.mark("checkpoint saved")
        ... except RuntimeError:  # no CuPy here
        ...     pass
    """
    _nvtx().Mark(str(msg))


@contextlib.contextmanager
def range(msg: str, *args: Any, **kwargs: Any) -> Iterator[None]:
    """A range named ``msg.format(*args, **kwargs)`` around a block, or around each call of a decorated function.

    Example:
        >>> import tocha.cuda.nvtx as nvtx
        >>> @nvtx.range("layer {}", 3)
        ... def run():
        ...     return "ran"
        >>> try:
        ...     run()
        ... except RuntimeError:  # no CuPy here
        ...     "ran"
        'ran'
    """
    range_push(msg.format(*args, **kwargs))
    try:
        yield
    finally:
        range_pop()
