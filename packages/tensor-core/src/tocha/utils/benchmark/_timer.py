"""``Timer``: time a statement, as ``torch.utils.benchmark.Timer``."""

from __future__ import annotations

import enum
import timeit
from collections.abc import Callable
from typing import Any

import tocha

from ._measurement import Measurement, TaskSpec

__all__ = ["Language", "Timer"]


class Language(enum.Enum):
    """The statement's language (tocha times Python only)."""

    PYTHON = 0
    CPP = 1


def _sync_timer() -> float:
    """``perf_counter`` after waiting for queued CUDA work (the default clock where CUDA is available)."""
    tocha.cuda.synchronize()
    return timeit.default_timer()


class _Threads:
    """``tocha.set_num_threads(n)`` for the duration of a timing."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.previous = 0

    def __enter__(self) -> None:
        self.previous = tocha.get_num_threads()
        if self.previous != self.n:
            tocha.set_num_threads(self.n)

    def __exit__(self, *exc: object) -> None:
        if self.previous != self.n:
            tocha.set_num_threads(self.previous)


class Timer:
    """Time ``stmt`` (Python source, run in ``globals`` after ``setup``) with ``num_threads`` BLAS threads.

    Args:
        stmt, setup: source of the timed statement and of what runs once before each timing.
        global_setup: accepted for PyTorch's signature (C++ only).
        timer: the clock (default: ``perf_counter``, after a CUDA synchronize where CUDA is available).
        globals: the namespace ``stmt`` and ``setup`` run in.
        label, sub_label, description, env: names for printing and :class:`Compare` (row: sub_label,
            column: description, table: label).
        num_threads: ``tocha.set_num_threads`` while timing.
        language: ``Language.PYTHON`` (or ``"py"``); C++ is not supported.

    Example:
        >>> import tocha
        >>> from tocha.utils.benchmark import Timer
        >>> t = Timer("x + y", globals={"x": tocha.ones(8), "y": tocha.ones(8)}, label="add")
        >>> m = t.timeit(100)
        >>> m.number_per_run, len(m.times), m.title
        (100, 1, 'add')
    """

    def __init__(
        self,
        stmt: str = "pass",
        setup: str = "pass",
        global_setup: str = "",
        timer: Callable[[], float] | None = None,
        globals: dict[str, Any] | None = None,
        label: str | None = None,
        sub_label: str | None = None,
        description: str | None = None,
        env: str | None = None,
        num_threads: int = 1,
        language: Language | str = Language.PYTHON,
    ) -> None:
        if not isinstance(stmt, str):
            raise ValueError("Currently only a `str` stmt is supported.")
        if language not in (Language.PYTHON, "py", "python"):
            raise ValueError(f"tocha's Timer runs Python statements only, got language={language!r}")
        self._globals = dict(globals or {})
        if timer is None:
            timer = _sync_timer if tocha.cuda.is_available() else timeit.default_timer
        self._timer = timeit.Timer(stmt=stmt, setup=setup, timer=timer, globals=self._globals)
        self._task_spec = TaskSpec(stmt, setup, global_setup, label, sub_label, description, env, num_threads)

    def _timeit(self, number: int) -> float:
        return max(self._timer.timeit(number), 1e-9)

    def timeit(self, number: int = 1000000) -> Measurement:
        """One measurement of ``number`` runs (after a warm-up of ``number // 100`` runs, at least 2).

        Example:
            >>> from tocha.utils.benchmark import Timer
            >>> Timer("sum(range(10))").timeit(50).number_per_run
            50
        """
        with _Threads(self._task_spec.num_threads):
            self._timeit(max(number // 100, 2))
            return Measurement(number, [self._timeit(number)], self._task_spec)

    def repeat(self, repeat: int = -1, number: int = -1) -> None:
        """Not supported (as in PyTorch): use :meth:`blocked_autorange`."""
        raise NotImplementedError("See `Timer.blocked_autorange.`")

    def autorange(self, callback: Callable[[int, float], Any] | None = None) -> None:
        """Not supported (as in PyTorch): use :meth:`blocked_autorange`."""
        raise NotImplementedError("See `Timer.blocked_autorange.`")

    def _block_size(self, min_run_time: float) -> int:
        """The smallest power of ten of runs whose time dwarfs the timer's own overhead (or ``min_run_time``)."""
        overhead = sorted(self._timeit(0) for _ in range(5))[2]
        number = 1
        while True:
            elapsed = self._timeit(number)
            if (overhead / elapsed <= 1e-4 and elapsed >= min_run_time / 1000) or elapsed > min_run_time:
                return number
            if number * 10 > 2**31 - 1:
                return number
            number *= 10

    def _loop(
        self,
        number: int,
        stop: Callable[[list[float]], bool],
        min_run_time: float,
        max_run_time: float | None,
        callback: Callable[[int, float], Any] | None,
    ) -> list[float]:
        times: list[float] = []
        total = 0.0
        while total < min_run_time or not stop(times):
            elapsed = self._timeit(number)
            times.append(elapsed)
            total += elapsed
            if callback is not None:
                callback(number, elapsed)
            if max_run_time is not None and total > max_run_time:
                break
        return times

    def blocked_autorange(
        self, callback: Callable[[int, float], Any] | None = None, min_run_time: float = 0.2
    ) -> Measurement:
        """Time blocks of a fitting number of runs (see the module docstring) for at least ``min_run_time``
        seconds; ``callback(number, seconds)`` after each block.

        Example:
            >>> from tocha.utils.benchmark import Timer
            >>> m = Timer("sum(range(10))").blocked_autorange(min_run_time=0.01)
            >>> len(m.times) >= 1, m.median > 0
            (True, True)
        """
        with _Threads(self._task_spec.num_threads):
            number = self._block_size(min_run_time)
            times = self._loop(number, lambda _: True, min_run_time, None, callback)
        return Measurement(number, times, self._task_spec)

    def adaptive_autorange(
        self,
        threshold: float = 0.1,
        *,
        min_run_time: float = 0.01,
        max_run_time: float = 10.0,
        callback: Callable[[int, float], Any] | None = None,
    ) -> Measurement:
        """Time blocks until there are more than 3 and their IQR is below ``threshold`` of the median (at least
        ``min_run_time``, at most about ``max_run_time`` seconds).

        Example:
            >>> from tocha.utils.benchmark import Timer
            >>> Timer("sum(range(10))").adaptive_autorange(max_run_time=0.2).number_per_run > 0
            True
        """
        with _Threads(self._task_spec.num_threads):
            number = self._block_size(0.05)

            def confident(times: list[float]) -> bool:
                return len(times) > 3 and Measurement(number, times, self._task_spec).meets_confidence(threshold)

            times = self._loop(number, confident, min_run_time, max_run_time, callback)
        return Measurement(number, times, self._task_spec)
