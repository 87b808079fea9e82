"""``DataLoader``: batches from a dataset, in this process or in worker processes (``torch.utils.data``)."""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import os
import queue
import signal
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import tocha
import tocha.multiprocessing as tocha_mp

from . import _queues, _slots, _worker
from .collate import default_collate, default_convert
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader"]

STATUS_CHECK_SECONDS = 0.5  # how often a waiting main process checks that its workers are alive
SHUTDOWN_SECONDS = 5.0


class _InfiniteConstantSampler(Sampler[None]):
    """The sampler of an IterableDataset: the dataset itself decides what comes next."""

    def __iter__(self) -> Iterator[None]:
        while True:
            yield None


class DataLoader:
    """Iterate over a dataset in batches, optionally shuffled, optionally with worker processes.

    The arguments and their defaults are PyTorch's. ``batch_size=None`` turns automatic batching off (each
    sample goes through ``collate_fn``, by default :func:`default_convert`). With ``num_workers > 0`` the
    samples are loaded by that many :mod:`tocha.multiprocessing` processes, each seeded from ``generator``
    (base seed + worker id) for tocha, NumPy and :mod:`random`; batches come back through shared memory and
    arrive in sampler order unless ``in_order=False``. An exception in a worker is raised again here with
    the worker's traceback; a worker that dies makes the iterator raise ``RuntimeError`` naming it.

    Example:
        >>> import tocha
        >>> from tocha.data import DataLoader, TensorDataset
        >>> ds = TensorDataset(tocha.arange(5.0), tocha.arange(5))
        >>> [y.tolist() for _, y in DataLoader(ds, batch_size=2)]
        [[0, 1], [2, 3], [4]]
    """

    _initialized = False

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler[Any] | Iterable[Any] | None = None,
        batch_sampler: Sampler[list[Any]] | Iterable[list[Any]] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[Any], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: tocha.Generator | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 to enable "
                "multiprocessing, otherwise set prefetch_factor to None."
            )
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.in_order = in_order
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle not in {False, None}:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle={shuffle}"
                )
            if sampler is not None:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified sampler option, but got sampler={sampler}"
                )
            if batch_sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified batch_sampler option, but got "
                    f"batch_sampler={batch_sampler}"
                )
        else:
            shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last"
                )
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")
        if sampler is None:
            if self._iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)  # type: ignore[arg-type]
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self.multiprocessing_context = multiprocessing_context
        self._iterator: _BaseIter | None = None
        if pin_memory and not _cuda_available():
            warnings.warn(
                "'pin_memory' argument is set as true but no accelerator is found, then device pinned memory won't "
                "be used.",
                UserWarning,
                stacklevel=2,
            )
        self._initialized = True

    def __setattr__(self, name: str, value: Any) -> None:
        if self._initialized and name in (
            "batch_size",
            "batch_sampler",
            "sampler",
            "drop_last",
            "dataset",
            "persistent_workers",
        ):
            raise ValueError(f"{name} attribute should not be set after {type(self).__name__} is initialized")
        super().__setattr__(name, value)

    @property
    def multiprocessing_context(self) -> Any:
        """The multiprocessing context the workers start from (None: the default one)."""
        return self._multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, context: Any) -> None:
        if context is not None:
            if self.num_workers <= 0:
                raise ValueError(
                    "multiprocessing_context can only be used with multi-process loading (num_workers > 0), but got "
                    f"num_workers={self.num_workers}"
                )
            if isinstance(context, str):
                valid = multiprocessing.get_all_start_methods()
                if context not in valid:
                    raise ValueError(
                        f"multiprocessing_context option should specify a valid start method in {valid!r}, but got "
                        f"multiprocessing_context={context!r}"
                    )
                context = tocha_mp.get_context(context)
            elif not isinstance(context, multiprocessing.context.BaseContext):
                raise TypeError(
                    "multiprocessing_context option should be a valid context object or a string specifying the "
                    f"start method, but got multiprocessing_context={context}"
                )
        self._multiprocessing_context = context

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self) -> Any:
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self) -> int:
        if self._iterable:
            length = len(self.dataset)
            if self.batch_size is not None:
                length = length // self.batch_size if self.drop_last else -(-length // self.batch_size)
            return int(length)
        return len(self._index_sampler)

    def __iter__(self) -> Iterator[Any]:
        if self.num_workers == 0:
            return _SingleProcessIter(self)
        if self.persistent_workers:
            if self._iterator is None:
                self._iterator = _MultiProcessIter(self)
            else:
                self._iterator._reset(self)
            return self._iterator
        return _MultiProcessIter(self)


def _pin(data: Any) -> Any:
    """``data`` with every CPU tensor copied into page-locked memory (``Tensor.pin_memory``), containers kept."""
    if isinstance(data, tocha.Tensor):
        return data.pin_memory() if data.device.type == "cpu" else data
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(_pin(x) for x in data))
    if isinstance(data, (list, tuple)):
        return type(data)(_pin(x) for x in data)
    if isinstance(data, dict):
        return type(data)({k: _pin(v) for k, v in data.items()})
    return data


def _cuda_available() -> bool:
    cuda = getattr(tocha, "cuda", None)
    return bool(cuda is not None and cuda.is_available())


def _base_seed(loader: DataLoader) -> int:
    return int(tocha.empty((), dtype=tocha.int64).random_(generator=loader.generator).item())


class _BaseIter:
    def __init__(self, loader: DataLoader) -> None:
        self._dataset = loader.dataset
        self._iterable = loader._iterable
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._collate_fn = loader.collate_fn
        self._sampler_iter: Iterator[Any] = iter(self._index_sampler)
        self._num_yielded = 0
        self._pin_memory = loader.pin_memory and _cuda_available()
        self._length = len(loader) if not self._iterable or hasattr(loader.dataset, "__len__") else None

    def _reset(self, loader: DataLoader) -> None:
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0

    def __iter__(self) -> _BaseIter:
        return self

    def __len__(self) -> int:
        if self._length is None:
            raise TypeError("this DataLoader's dataset has no length")
        return self._length

    def _next_data(self) -> Any:
        raise NotImplementedError

    def __next__(self) -> Any:
        data = self._next_data()
        self._num_yielded += 1
        return _pin(data) if self._pin_memory else data


class _SingleProcessIter(_BaseIter):
    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        self._fetcher = _worker.make_fetcher(
            self._iterable, self._dataset, self._auto_collation, self._collate_fn, self._drop_last
        )

    def _next_data(self) -> Any:
        index = next(self._sampler_iter)
        return self._fetcher.fetch(index)


class _MultiProcessIter(_BaseIter):
    """Workers fed through per-worker index queues, results put back in sampler order (NOTE [ DataLoader workers ])."""

    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        self._num_workers = loader.num_workers
        self._prefetch_factor = loader.prefetch_factor or 2
        self._timeout = loader.timeout
        self._in_order = loader.in_order
        self._persistent = loader.persistent_workers
        self._shutdown = True
        self._owner_pid = os.getpid()  # a forked worker inherits this object and must never shut it down
        context = loader.multiprocessing_context or tocha_mp.get_context()
        self._result_queue = _queues.make_queue(context)
        self._done_event = context.Event()
        self._index_queues: list[Any] = []
        self._workers: list[Any] = []
        base_seed = _base_seed(loader)
        for worker_id in range(self._num_workers):
            index_queue = _queues.make_queue(context)
            worker = context.Process(
                target=_worker.worker_loop,
                args=(
                    self._iterable,
                    self._dataset,
                    index_queue,
                    self._result_queue,
                    self._done_event,
                    self._auto_collation,
                    self._collate_fn,
                    self._drop_last,
                    base_seed,
                    loader.worker_init_fn,
                    worker_id,
                    self._num_workers,
                    os.getpid(),
                ),
                daemon=True,
            )
            worker.start()
            self._index_queues.append(index_queue)
            self._workers.append(worker)
        self._slots = _slots.SlotPool()
        self._shutdown = False
        self._worker_cycle = itertools.cycle(range(self._num_workers))
        self._start_epoch(first=True)

    # ---------------------------------------------------------------- epochs

    def _start_epoch(self, first: bool) -> None:
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_info: dict[int, tuple[Any, ...]] = {}
        self._tasks_outstanding = 0
        self._workers_active = [True] * self._num_workers
        if not first:  # persistent workers: restart their iterable datasets and drop stale results
            for info in self._task_info.values():
                self._slots.give_back(info[1])
            resume = _worker.ResumeIteration()
            for index_queue in self._index_queues:
                index_queue.put(resume)
            pending = self._num_workers
            while pending:
                task, _, _ = self._get_data()
                if isinstance(task, _worker.ResumeIteration):
                    pending -= 1
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def _reset(self, loader: DataLoader) -> None:
        super()._reset(loader)
        self._start_epoch(first=False)

    # ---------------------------------------------------------------- sending and receiving

    def _try_put_index(self) -> None:
        if self._tasks_outstanding >= self._prefetch_factor * self._num_workers:
            return
        try:
            index = next(self._sampler_iter)
        except StopIteration:
            return
        for _ in range(self._num_workers):
            worker_id = next(self._worker_cycle)
            if self._workers_active[worker_id]:
                break
        else:
            return  # every worker is done (iterable datasets)
        loan = self._slots.lend(worker_id)
        self._index_queues[worker_id].put((self._send_idx, index, loan))
        self._task_info[self._send_idx] = (worker_id, loan)
        self._tasks_outstanding += 1
        self._send_idx += 1

    def _check_workers(self) -> None:
        for worker_id, worker in enumerate(self._workers):
            if self._workers_active[worker_id] and not worker.is_alive():
                code = worker.exitcode
                self._shutdown_workers()
                if code is not None and code < 0:
                    name = signal.Signals(-code).name
                    raise RuntimeError(
                        f"DataLoader worker {worker_id} (pid {worker.pid}) is killed by signal: "
                        f"{signal.strsignal(-code)} ({name})"
                    )
                raise RuntimeError(
                    f"DataLoader worker {worker_id} (pid {worker.pid}) exited unexpectedly with exit code {code}"
                )

    def _get_data(self) -> tuple[Any, Any, int]:
        deadline = time.monotonic() + self._timeout if self._timeout > 0 else None
        while True:
            wait = STATUS_CHECK_SECONDS if deadline is None else min(STATUS_CHECK_SECONDS, deadline - time.monotonic())
            try:
                if wait <= 0:
                    raise queue.Empty
                return self._result_queue.get(timeout=wait)  # type: ignore[no-any-return]
            except RuntimeError:  # a batch whose sender died before we read it: report the worker instead
                give_up = time.monotonic() + 2.0
                while time.monotonic() < give_up:
                    self._check_workers()
                    time.sleep(0.05)
                raise
            except queue.Empty:
                self._check_workers()
                if deadline is not None and time.monotonic() >= deadline:
                    self._shutdown_workers()
                    raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds") from None

    def _next_data(self) -> Any:
        while True:
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info is None:  # already handed out (in_order=False)
                    self._rcvd_idx += 1
                    continue
                if len(info) == 3 or self._workers_active[info[0]]:
                    break
                del self._task_info[self._rcvd_idx]  # its worker's iterable dataset ended
                self._rcvd_idx += 1
            else:
                if not self._persistent:
                    self._shutdown_workers()
                raise StopIteration
            info = self._task_info[self._rcvd_idx]
            if len(info) == 3:
                del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
                return self._process(info[2])
            idx, data, requested = self._get_data()
            self._tasks_outstanding -= 1
            loan = self._task_info[idx][1] if idx in self._task_info else None
            if isinstance(data, (_worker.IterableDatasetStopIteration, _worker.ExceptionWrapper)):
                self._slots.give_back(loan)
            else:
                data = self._slots.receive(loan, data, requested)
            if isinstance(data, _worker.IterableDatasetStopIteration):
                self._workers_active[data.worker_id] = False
                self._task_info.pop(idx, None)
                self._try_put_index()
                continue
            if idx == self._rcvd_idx:
                del self._task_info[idx]
                self._rcvd_idx += 1
                return self._process(data)
            if not self._in_order:
                del self._task_info[idx]
                return self._process(data)
            if idx in self._task_info:
                self._task_info[idx] += (data,)

    def _process(self, data: Any) -> Any:
        self._try_put_index()
        if isinstance(data, _worker.ExceptionWrapper):
            data.reraise()
        return data

    # ---------------------------------------------------------------- shutdown

    def _shutdown_workers(self) -> None:
        if self._shutdown or os.getpid() != self._owner_pid:
            return
        self._shutdown = True
        try:
            self._done_event.set()
            for index_queue in self._index_queues:
                with contextlib.suppress(OSError, ValueError):
                    index_queue.put(None)
            deadline = time.monotonic() + SHUTDOWN_SECONDS
            for worker in self._workers:
                worker.join(max(0.0, deadline - time.monotonic()))
            for worker in self._workers:
                if worker.is_alive():
                    worker.terminate()
                    worker.join(1.0)
                if worker.is_alive():
                    os.kill(worker.pid, signal.SIGKILL)
                    worker.join()
        finally:
            workers_gone = all(not worker.is_alive() for worker in self._workers)
            for index_queue in self._index_queues:
                index_queue.close()
                if workers_gone:  # nothing can block the feeder thread now: let it flush and close its pipe
                    index_queue.join_thread()
                else:
                    index_queue.cancel_join_thread()
            self._result_queue.cancel_join_thread()
            self._result_queue.close()

    def __del__(self) -> None:
        if not getattr(self, "_shutdown", True):
            self._shutdown_workers()
