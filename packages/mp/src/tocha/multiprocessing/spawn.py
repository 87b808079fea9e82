"""``spawn`` and ``start_processes``: run a function in N processes and report how each one ended.

Example:
    >>> import tocha.multiprocessing as mp
    >>> context = mp.start_processes(print, args=("hello",), nprocs=0, join=False, start_method="fork")
    >>> context.join()
    True
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import time
import traceback
import warnings
from collections.abc import Callable
from typing import Any

__all__ = [
    "ProcessContext",
    "ProcessException",
    "ProcessExitedException",
    "ProcessRaisedException",
    "spawn",
    "start_processes",
]


class ProcessException(Exception):  # noqa: N818 - PyTorch's name
    """A spawned process failed; ``error_index`` is its rank, ``pid`` its process id."""

    __slots__ = ("error_index", "pid")

    def __init__(self, msg: str, error_index: int, pid: int) -> None:
        super().__init__(msg)
        self.msg = msg
        self.error_index = error_index
        self.pid = pid

    def __reduce__(self) -> Any:
        return type(self), (self.msg, self.error_index, self.pid)


class ProcessRaisedException(ProcessException):
    """A spawned process raised an exception; the message holds its traceback."""


class ProcessExitedException(ProcessException):
    """A spawned process exited with a non-zero code or was killed by a signal (``signal_name``)."""

    __slots__ = ("exit_code", "signal_name")

    def __init__(
        self, msg: str, error_index: int, error_pid: int, exit_code: int, signal_name: str | None = None
    ) -> None:
        super().__init__(msg, error_index, error_pid)
        self.exit_code = exit_code
        self.signal_name = signal_name

    def __reduce__(self) -> Any:
        return type(self), (self.msg, self.error_index, self.pid, self.exit_code, self.signal_name)


def _wrap(fn: Callable[..., Any], index: int, args: tuple[Any, ...], error_queue: Any) -> None:
    try:
        fn(index, *args)
    except KeyboardInterrupt:
        pass  # the parent interrupted us
    except Exception:
        error_queue.put(traceback.format_exc())
        sys.exit(1)


class ProcessContext:
    """The processes started by :func:`start_processes`; ``join()`` waits and raises if one failed.

    Example:
        >>> import tocha.multiprocessing as mp
        >>> context = mp.start_processes(print, nprocs=0, join=False, start_method="fork")
        >>> context.pids()
        []
    """

    def __init__(self, processes: list[Any], error_queues: list[Any]) -> None:
        self.processes = processes
        self.error_queues = error_queues
        self.sentinels = {process.sentinel: index for index, process in enumerate(processes)}

    def pids(self) -> list[int]:
        """The process ids, in rank order."""
        return [int(process.pid) for process in self.processes]

    def join(self, timeout: float | None = None, grace_period: float | None = None) -> bool:
        """Wait for the processes; True once all exited cleanly, False if ``timeout`` passed first.

        When one fails, the others are terminated (SIGTERM, then SIGKILL after ``grace_period`` seconds)
        and :class:`ProcessRaisedException` (with the child's traceback) or :class:`ProcessExitedException`
        (with its exit code or signal name) is raised.
        """
        if not self.sentinels:
            return True
        ready = multiprocessing.connection.wait(list(self.sentinels), timeout=timeout)
        error_index = None
        for sentinel in ready:
            index = self.sentinels.pop(sentinel)
            process = self.processes[index]
            process.join()
            if process.exitcode != 0:
                error_index = index
                break
        if error_index is None:
            return not self.sentinels
        self._terminate_others(grace_period)
        process = self.processes[error_index]
        if self.error_queues[error_index].empty():
            exit_code = process.exitcode
            if exit_code < 0:
                name = signal.Signals(-exit_code).name
                raise ProcessExitedException(
                    f"process {error_index} terminated with signal {name}",
                    error_index=error_index,
                    error_pid=process.pid,
                    exit_code=exit_code,
                    signal_name=name,
                )
            raise ProcessExitedException(
                f"process {error_index} terminated with exit code {exit_code}",
                error_index=error_index,
                error_pid=process.pid,
                exit_code=exit_code,
            )
        original = self.error_queues[error_index].get()
        raise ProcessRaisedException(
            f"\n\n-- Process {error_index} terminated with the following error:\n{original}", error_index, process.pid
        )

    def _terminate_others(self, grace_period: float | None) -> None:
        for process in self.processes:
            if process.is_alive():
                process.terminate()
        deadline = time.monotonic() + (grace_period or 0)
        for process in self.processes:
            process.join(max(0.0, deadline - time.monotonic()) if grace_period else None)
        for process in self.processes:
            if process.is_alive():
                os.kill(process.pid, signal.SIGKILL)
                process.join()


def start_processes(
    fn: Callable[..., Any],
    args: tuple[Any, ...] = (),
    nprocs: int = 1,
    join: bool = True,
    daemon: bool = False,
    start_method: str = "spawn",
) -> ProcessContext | None:
    """Run ``fn(i, *args)`` for ``i`` in ``range(nprocs)``, each in its own process.

    ``start_method`` is ``"spawn"``, ``"fork"`` or ``"forkserver"``. With ``join=True`` this waits for all
    of them (raising as :meth:`ProcessContext.join` does) and returns None; otherwise it returns the
    :class:`ProcessContext`.

    Example:
        >>> import tocha.multiprocessing as mp
        >>> mp.start_processes(print, nprocs=0, start_method="fork") is None
        True
    """
    context = multiprocessing.get_context(start_method)
    error_queues = []
    processes = []
    for index in range(nprocs):
        error_queue = context.SimpleQueue()
        process = context.Process(  # type: ignore[attr-defined]
            target=_wrap, args=(fn, index, args, error_queue), daemon=daemon
        )
        process.start()
        error_queues.append(error_queue)
        processes.append(process)
    result = ProcessContext(processes, error_queues)
    if not join:
        return result
    while not result.join():
        pass
    return None


def spawn(
    fn: Callable[..., Any],
    args: tuple[Any, ...] = (),
    nprocs: int = 1,
    join: bool = True,
    daemon: bool = False,
    start_method: str = "spawn",
) -> ProcessContext | None:
    """:func:`start_processes` with the ``spawn`` start method (others work but warn, as in PyTorch).

    Example:
        >>> import tocha.multiprocessing as mp
        >>> mp.spawn(print, nprocs=0) is None
        True
    """
    if start_method != "spawn":
        warnings.warn(
            f"This method only supports start_method=spawn (got: {start_method}).\n"
            "To use a different start_method use:\n\t\t tocha.multiprocessing.start_processes(...)",
            FutureWarning,
            stacklevel=2,
        )
    return start_processes(fn, args, nprocs, join, daemon, start_method)
