"""DataLoader: batching, shuffling, workers (order, seeds, sharding, persistence) and faults."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import textwrap
import time
from typing import Any

import numpy as np
import pytest
from data_workers import (
    Failing,
    InitTagged,
    KillsItself,
    Randoms,
    Range,
    Shards,
    Sleepy,
    failing_init,
    record_init,
)

import tocha
import tocha.multiprocessing as mp
from tocha.data import DataLoader, SequentialSampler, TensorDataset


def values(batches: Any) -> list[Any]:
    return [b.tolist() if isinstance(b, tocha.Tensor) else b for b in batches]


def test_batches_and_drop_last() -> None:
    ds = TensorDataset(tocha.arange(10.0).reshape(5, 2), tocha.arange(5))
    batches = list(DataLoader(ds, batch_size=2))
    assert [y.tolist() for _, y in batches] == [[0, 1], [2, 3], [4]]
    assert batches[0][0].tolist() == [[0.0, 1.0], [2.0, 3.0]]
    assert len(DataLoader(ds, batch_size=2)) == 3
    assert len(DataLoader(ds, batch_size=2, drop_last=True)) == 2
    assert [y.tolist() for _, y in DataLoader(ds, batch_size=2, drop_last=True)] == [[0, 1], [2, 3]]


def test_batch_size_none_disables_batching_and_converts_numpy() -> None:
    samples = [np.array([i, i]) for i in range(3)]
    out = list(DataLoader(samples, batch_size=None))  # type: ignore[arg-type]
    assert all(isinstance(t, tocha.Tensor) for t in out)
    assert values(out) == [[0, 0], [1, 1], [2, 2]]


def test_shuffle_is_a_permutation_reproducible_with_a_generator() -> None:
    def run(seed: int) -> list[int]:
        loader = DataLoader(Range(20), batch_size=4, shuffle=True, generator=tocha.Generator().manual_seed(seed))
        return [i for batch in loader for i in batch.tolist()]

    first = run(0)
    assert sorted(first) == list(range(20))
    assert first != list(range(20))
    assert run(0) == first
    assert run(1) != first


def test_batch_sampler_and_sampler_arguments() -> None:
    loader = DataLoader(Range(5), batch_sampler=[[4, 0], [2]])
    assert values(loader) == [[4, 0], [2]]
    loader = DataLoader(Range(5), sampler=[3, 1, 2], batch_size=2)
    assert values(loader) == [[3, 1], [2]]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_workers": -1}, "num_workers option should be non-negative"),
        ({"timeout": -1}, "timeout option should be non-negative"),
        ({"prefetch_factor": 2}, "prefetch_factor option could only be specified in multiprocessing"),
        ({"persistent_workers": True}, "persistent_workers option needs num_workers > 0"),
        ({"sampler": [0], "shuffle": True}, "sampler option is mutually exclusive with shuffle"),
        ({"batch_sampler": [[0]], "batch_size": 2}, "batch_sampler option is mutually exclusive"),
        ({"batch_size": None, "drop_last": True}, "disables auto-batching and is mutually exclusive with drop_last"),
        ({"multiprocessing_context": "fork"}, "multiprocessing_context can only be used with multi-process"),
        ({"num_workers": 1, "multiprocessing_context": "bogus"}, "should specify a valid start method"),
    ],
)
def test_argument_errors(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DataLoader(Range(4), **kwargs)


def test_iterable_dataset_refuses_shuffle_and_samplers() -> None:
    with pytest.raises(ValueError, match="expected unspecified shuffle option, but got shuffle=True"):
        DataLoader(Shards(0, 4), shuffle=True)
    with pytest.raises(ValueError, match="expected unspecified sampler option"):
        DataLoader(Shards(0, 4), sampler=SequentialSampler(range(4)))


def test_attributes_are_frozen_after_init() -> None:
    loader = DataLoader(Range(4))
    with pytest.raises(ValueError, match="batch_size attribute should not be set after DataLoader is initialized"):
        loader.batch_size = 3


def test_pin_memory_without_an_accelerator_warns() -> None:
    with pytest.warns(UserWarning, match="no accelerator is found"):
        DataLoader(Range(4), pin_memory=True)


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_workers_return_batches_in_sampler_order(method: str) -> None:
    loader = DataLoader(Range(40, slow_every=4), batch_size=3, num_workers=2, multiprocessing_context=method)
    assert values(loader) == [list(range(i, min(i + 3, 40))) for i in range(0, 40, 3)]


def test_in_order_false_returns_every_batch() -> None:
    loader = DataLoader(Range(40, slow_every=8), batch_size=2, num_workers=2, in_order=False)
    got = values(loader)
    assert sorted(i for batch in got for i in batch) == list(range(40))


def test_worker_batches_are_in_shared_memory() -> None:
    ds = TensorDataset(tocha.arange(64.0).reshape(16, 4))
    for (batch,) in DataLoader(ds, batch_size=4, num_workers=2):
        assert batch.is_shared()


def test_worker_seeding_reproduces_and_differs_between_workers() -> None:
    def run() -> list[Any]:
        loader = DataLoader(
            Randoms(), batch_size=2, num_workers=2, generator=tocha.Generator().manual_seed(7), persistent_workers=False
        )
        return [tuple(col.tolist() for col in batch) for batch in loader]

    first, second = run(), run()
    assert first == second
    by_worker: dict[int, set[float]] = {}
    for batch in first:
        for worker, seed in zip(batch[3], batch[4], strict=True):
            by_worker.setdefault(worker, set()).add(seed)
    assert set(by_worker) == {0, 1}
    (seed0,), (seed1,) = by_worker[0], by_worker[1]
    assert seed1 == seed0 + 1
    draws = [value for batch in first for value in batch[0]]
    assert len(set(draws)) == len(draws)


def test_iterable_dataset_sharded_between_workers() -> None:
    loader = DataLoader(Shards(0, 10), batch_size=3, num_workers=2)
    got = sorted(i for batch in loader for i in batch.tolist())
    assert got == list(range(10))
    assert len(DataLoader(Shards(0, 10), batch_size=3)) == 4


def test_worker_init_fn_runs_in_each_worker() -> None:
    got = values(DataLoader(InitTagged(), batch_size=1, num_workers=2, worker_init_fn=record_init))
    assert sorted(v for batch in got for v in batch) == [0, 0, 1, 1]


def test_persistent_workers_serve_several_epochs() -> None:
    loader = DataLoader(Range(10), batch_size=4, num_workers=2, persistent_workers=True)
    first_pids = None
    for _ in range(3):
        assert values(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
        pids = [w.pid for w in loader._iterator._workers]  # type: ignore[union-attr]
        assert first_pids is None or pids == first_pids
        first_pids = pids
    iterator = iter(loader)
    next(iterator)  # an interrupted epoch: the next one starts clean
    assert values(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    loader._iterator._shutdown_workers()  # type: ignore[union-attr]


def test_an_exception_in_a_worker_is_raised_with_its_traceback() -> None:
    loader = DataLoader(Failing(), batch_size=1, num_workers=2)
    with pytest.raises(ValueError, match=r"Caught ValueError in DataLoader worker process 1\.") as info:
        list(loader)
    assert "Original Traceback (most recent call last)" in str(info.value)
    assert "bad sample 5" in str(info.value)
    with pytest.raises(KeyError, match="in DataLoader worker process 0"):
        list(DataLoader(Failing(), batch_size=1, sampler=[6], num_workers=2))


def test_an_exception_in_worker_init_is_raised() -> None:
    with pytest.raises(RuntimeError, match=r"(?s)Caught RuntimeError in DataLoader worker process \d.*init of worker"):
        list(DataLoader(Range(4), num_workers=2, worker_init_fn=failing_init))


def test_the_single_process_path_raises_the_original_exception() -> None:
    with pytest.raises(ValueError, match=r"^bad sample 5$"):
        list(DataLoader(Failing(), batch_size=2))


@pytest.mark.parametrize(
    ("how", "expected"), [("sigkill", r"killed by signal: Killed \(SIGKILL\)"), ("exit", "exit code 3")]
)
def test_a_dead_worker_is_reported_within_seconds(how: str, expected: str) -> None:
    loader = DataLoader(KillsItself(at=20, how=how), batch_size=4, num_workers=2)
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=rf"DataLoader worker \d \(pid \d+\) (is|exited).*{expected}"):
        list(loader)
    assert time.monotonic() - start < 10


def test_timeout_raises() -> None:
    loader = DataLoader(Sleepy(), batch_size=1, num_workers=1, timeout=0.5)
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0\.5 seconds"):
        next(iter(loader))
    assert time.monotonic() - start < 10


def _children() -> set[int]:
    import multiprocessing

    return {p.pid for p in multiprocessing.active_children() if p.pid is not None}


def test_breaking_out_shuts_the_workers_down() -> None:
    loader = DataLoader(Range(100), batch_size=2, num_workers=2)
    iterator = iter(loader)
    next(iterator)
    workers = list(iterator._workers)  # type: ignore[attr-defined]
    del iterator
    gc.collect()
    for worker in workers:
        worker.join(10)
        assert not worker.is_alive()


def tocha_segments() -> set[str]:
    return {name for name in os.listdir("/dev/shm") if name.startswith("tocha_")}


@pytest.mark.parametrize("strategy", ["file_descriptor", "file_system"])
def test_sigkill_mid_epoch_leaves_no_shared_memory(strategy: str) -> None:
    before = tocha_segments()
    previous = mp.get_sharing_strategy()
    mp.set_sharing_strategy(strategy)
    try:
        loader = DataLoader(KillsItself(at=10_000), batch_size=4, num_workers=2, multiprocessing_context="fork")
        iterator = iter(loader)
        held = [next(iterator) for _ in range(3)]
        os.kill(iterator._workers[0].pid, signal.SIGKILL)  # type: ignore[attr-defined]
        with pytest.raises(RuntimeError, match="killed by signal"):  # noqa: PT012 - the error comes mid-epoch
            for _ in range(100):
                held.append(next(iterator))
        del iterator, held
        gc.collect()
    finally:
        mp.set_sharing_strategy(previous)
    deadline = time.monotonic() + 20
    while tocha_segments() - before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert tocha_segments() - before == set()


def test_keyboard_interrupt_leaves_no_orphan_processes(tmp_path: Any) -> None:
    script = tmp_path / "interrupted.py"
    script.write_text(
        textwrap.dedent(
            """
            import os, signal, sys, time
            signal.signal(signal.SIGINT, signal.default_int_handler)  # a shell's background job inherits it ignored
            sys.path.insert(0, sys.argv[1])
            from data_workers import Range
            from tocha.data import DataLoader

            class Slow(Range):
                def __getitem__(self, i):
                    time.sleep(0.2)
                    return i

            loader = DataLoader(Slow(1000), batch_size=1, num_workers=2)
            iterator = iter(loader)
            next(iterator)
            print(" ".join(str(w.pid) for w in iterator._workers), flush=True)
            for _ in iterator:
                pass
            """
        )
    )
    process = subprocess.Popen(
        [sys.executable, str(script), os.path.dirname(__file__)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None
    pids = [int(p) for p in process.stdout.readline().split()]
    process.send_signal(signal.SIGINT)
    try:
        _, stderr = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        _, stderr = process.communicate()
        pytest.fail(f"the interrupted loader did not exit within 60 s; its stderr:\n{stderr.decode()}")
    assert b"KeyboardInterrupt" in stderr
    deadline = time.monotonic() + 10
    alive = pids
    while alive and time.monotonic() < deadline:
        alive = [pid for pid in pids if _exists(pid)]
        time.sleep(0.1)
    assert alive == []


def test_queue_feeder_wakes_past_a_notify_cut_short_by_ctrl_c(tmp_path: Any) -> None:
    # NOTE [ Ctrl-C inside Queue.put ]: recreate what a KeyboardInterrupt raised inside Condition.notify, just
    # after it released the feeder's waiter, leaves behind; the process must still put, get and exit.
    script = tmp_path / "stale_waiter.py"
    script.write_text(
        textwrap.dedent(
            """
            import multiprocessing, time
            from tocha.data._queues import make_queue

            queue = make_queue(multiprocessing.get_context("spawn"))
            queue.put("first")
            assert queue.get(timeout=30) == "first"
            deadline = time.monotonic() + 30
            while not queue._notempty._waiters and time.monotonic() < deadline:
                time.sleep(0.01)
            with queue._notempty:
                queue._notempty._waiters[0].release()  # notify's first step, without its second
            while len(queue._notempty._waiters) < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert len(queue._notempty._waiters) == 2, "the feeder did not wait again behind the stale waiter"
            queue.put("second")
            print(queue.get(timeout=30), flush=True)
            """
        )
    )
    result = subprocess.run([sys.executable, str(script)], capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().strip() == "second"


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"  # a zombie has exited


@pytest.mark.gpu
def test_pin_memory_pins_batches_when_cuda_is_there() -> None:
    if not tocha.cuda.is_available():
        pytest.skip("needs CUDA")
    loader = DataLoader(Range(8), batch_size=4, pin_memory=True, num_workers=2)
    assert all(batch.is_pinned() for batch in loader)
