"""What runs inside a DataLoader worker process, and ``get_worker_info``.

NOTE [ DataLoader workers ]
Each worker owns an index queue; all share one result queue. The main process sends ``(task, indices)``;
the worker fetches the samples, collates them (into shared memory: see collate.py) and puts
``(task, batch)`` back, or ``(task, ExceptionWrapper)`` when the dataset raised. ``None`` tells the worker
to exit; ``_ResumeIteration`` (persistent workers) restarts an iterable dataset and is acknowledged. A worker
ignores SIGINT (the main process handles Ctrl-C and shuts workers down) and exits by itself when its parent
disappears, so no process is left behind.
"""

from __future__ import annotations

import math
import os
import queue
import random
import signal
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import tocha

from . import _slots

__all__ = ["WorkerInfo", "get_worker_info", "ExceptionWrapper"]

POLL_SECONDS = 1.0  # how often an idle worker checks that its parent is alive


@dataclass(frozen=True)
class WorkerInfo:
    """Which worker this is: ``id`` in ``range(num_workers)``, its ``seed`` and its copy of the ``dataset``."""

    id: int
    num_workers: int
    seed: int
    dataset: Any


_worker_info: WorkerInfo | None = None
_arena: _slots.Arena | None = None  # the slot lent for the task being collated (NOTE [ Batch slots ])
_requested = 0  # bytes the current task's batch asked for


def batch_empty(shape: tuple[int, ...], dtype: tocha.dtype) -> tocha.Tensor | None:
    """In a worker: an uninitialised tensor in the current task's slot, or None (then the caller allocates)."""
    global _requested
    _requested += math.prod(shape) * dtype.itemsize + _slots.ALIGN
    return None if _arena is None else _arena.empty(shape, dtype)


def get_worker_info() -> WorkerInfo | None:
    """In a DataLoader worker, its :class:`WorkerInfo`; in the main process, None.

    An ``IterableDataset`` uses it to give each worker a different share of the stream.

    Example:
        >>> get_worker_info() is None
        True
    """
    return _worker_info


class KeyErrorMessage(str):
    """A str whose repr is itself, so that a KeyError's multi-line message prints readably."""

    def __repr__(self) -> str:
        return self


class ExceptionWrapper:
    """An exception caught in a worker, carried to the main process as its type and traceback text."""

    def __init__(self, where: str) -> None:
        exc_type, exc_value, _ = sys.exc_info()
        assert exc_type is not None
        self.exc_type = exc_type
        self.exc_msg = "".join(
            traceback.format_exception(exc_type, exc_value, exc_value.__traceback__ if exc_value else None)
        )
        self.where = where

    def reraise(self) -> None:
        """Raise the worker's exception again here: same type, a message naming the worker, the original traceback."""
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        try:
            exception = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        raise exception


@dataclass(frozen=True)
class IterableDatasetStopIteration:
    """Sent by a worker whose iterable dataset is exhausted."""

    worker_id: int


@dataclass(frozen=True)
class ResumeIteration:
    """Tells a persistent worker that a new epoch starts (its iterable dataset restarts)."""


def numpy_seed(base_seed: int, worker_id: int) -> Any:
    """The NumPy global seed of a worker, derived from the loader's base seed and the worker id."""
    return np.random.SeedSequence([worker_id, base_seed & 0xFFFFFFFF, base_seed >> 32]).generate_state(4)


class _MapFetcher:
    def __init__(self, dataset: Any, auto_collation: bool, collate_fn: Callable[[Any], Any]) -> None:
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.getitems = getattr(dataset, "__getitems__", None)

    def fetch(self, index: Any) -> Any:
        if not self.auto_collation:
            return self.collate_fn(self.dataset[index])
        if self.getitems is not None:
            return self.collate_fn(self.getitems(index))
        dataset = self.dataset
        return self.collate_fn([dataset[i] for i in index])


class _IterableFetcher:
    def __init__(self, dataset: Any, auto_collation: bool, collate_fn: Callable[[Any], Any], drop_last: bool) -> None:
        self.dataset_iter = iter(dataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.ended = False

    def fetch(self, index: Any) -> Any:
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.dataset_iter))
        data = []
        for _ in index:
            try:
                data.append(next(self.dataset_iter))
            except StopIteration:
                self.ended = True
                break
        if not data or (self.drop_last and len(data) < len(index)):
            raise StopIteration
        return self.collate_fn(data)


def make_fetcher(
    iterable: bool, dataset: Any, auto_collation: bool, collate_fn: Callable[[Any], Any], drop_last: bool
) -> Any:
    """The object whose ``fetch(indices)`` returns a collated batch (or raises StopIteration)."""
    if iterable:
        return _IterableFetcher(dataset, auto_collation, collate_fn, drop_last)
    return _MapFetcher(dataset, auto_collation, collate_fn)


def worker_loop(
    iterable: bool,
    dataset: Any,
    index_queue: Any,
    data_queue: Any,
    done_event: Any,
    auto_collation: bool,
    collate_fn: Callable[[Any], Any],
    drop_last: bool,
    base_seed: int,
    init_fn: Callable[[int], None] | None,
    worker_id: int,
    num_workers: int,
    parent_pid: int,
) -> None:
    """The body of a worker process (see NOTE [ DataLoader workers ])."""
    global _worker_info, _arena, _requested
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    seed = base_seed + worker_id
    random.seed(seed)
    tocha.manual_seed(seed)
    np.random.seed(numpy_seed(base_seed, worker_id))
    _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
    where = f"in DataLoader worker process {worker_id}"
    init_error: ExceptionWrapper | None = None
    fetcher: Any = None
    try:
        if init_fn is not None:
            init_fn(worker_id)
        fetcher = make_fetcher(iterable, dataset, auto_collation, collate_fn, drop_last)
    except Exception:
        init_error = ExceptionWrapper(where)
    iteration_ended = False
    slots = _slots.WorkerSlots()
    while True:
        try:
            task = index_queue.get(timeout=POLL_SECONDS)
        except queue.Empty:
            if os.getppid() != parent_pid:
                break  # the main process is gone
            continue
        if task is None:
            break
        if isinstance(task, ResumeIteration):
            data_queue.put((task, None, 0))
            iteration_ended = False
            if iterable:
                fetcher = make_fetcher(iterable, dataset, auto_collation, collate_fn, drop_last)
            continue
        if done_event.is_set() or iteration_ended:
            continue
        idx, index, loan = task
        data: Any
        _requested = 0
        if init_error is not None:
            data, init_error = init_error, None
        else:
            try:
                _arena = slots.arena(loan)
                data = fetcher.fetch(index)
                if _arena is not None:
                    data = _slots.to_slot_refs(data, _arena)
            except StopIteration:
                if not iterable:
                    data = ExceptionWrapper(where)
                else:
                    data = IterableDatasetStopIteration(worker_id)
                    iteration_ended = True
            except Exception:
                data = ExceptionWrapper(where)
            finally:
                _arena = None
        data_queue.put((idx, data, _requested))
        del data
    if done_event.is_set():
        data_queue.cancel_join_thread()
        data_queue.close()
