"""A ``multiprocessing`` queue whose feeder thread survives a Ctrl-C that lands inside ``put``.

NOTE [ Ctrl-C inside Queue.put ]
A ``multiprocessing.Queue`` hands items to a feeder thread through a ``threading.Condition``. When
KeyboardInterrupt is raised in ``Condition.notify`` just after it released the feeder's waiter lock but
before it removed that lock from the waiter list, the list keeps a stale entry that the woken feeder
locks again. Every later ``notify()`` (which wakes one waiter) then spends itself on that stale entry, and
the feeder, waiting behind it, never wakes: not for the shutdown sentinel, nor for the queue's close at
exit, whose finalizer then joins the feeder thread forever. A DataLoader interrupted by Ctrl-C at that
instant hung at exit instead of stopping. Only the feeder thread ever waits on this condition, so waking
every waiter is the same as waking one, and it steps past a stale entry.
"""

from __future__ import annotations

import multiprocessing.queues
import threading
from typing import Any


class _WakeEveryWaiter(threading.Condition):
    def notify(self, n: int = 1) -> None:
        super().notify(len(self._waiters))  # type: ignore[attr-defined]


class Queue(multiprocessing.queues.Queue):  # type: ignore[type-arg]
    """``multiprocessing.Queue`` whose feeder thread always wakes for new items (NOTE [ Ctrl-C inside Queue.put ]).

    Example:
        >>> import multiprocessing
        >>> queue = Queue(ctx=multiprocessing.get_context("spawn"))
        >>> queue.put(3)
        >>> queue.get(timeout=10)
        3
        >>> queue.close()
        >>> queue.join_thread()
    """

    def _reset(self, after_fork: bool = False) -> None:
        super()._reset(after_fork)  # type: ignore[misc]
        if not isinstance(self._notempty, _WakeEveryWaiter):  # type: ignore[has-type]
            self._notempty = _WakeEveryWaiter(threading.Lock())


def make_queue(context: Any) -> Queue:
    """A :class:`Queue` made in ``context`` (a multiprocessing context), as ``context.Queue()`` would be.

    Example:
        >>> import multiprocessing
        >>> make_queue(multiprocessing.get_context("spawn")).empty()
        True
    """
    return Queue(ctx=context.get_context())
