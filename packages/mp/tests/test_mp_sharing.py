"""Tensors cross processes as shared memory: queues, pipes, pools, views, dtypes, strategies and cleanup."""

from __future__ import annotations

import gc
import os
import signal
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from mp_workers import (
    Tagged,
    add_one_and_return_view,
    describe,
    fill,
    send_and_exit,
    set_strategy_and_stream,
    square,
)

import tocha
import tocha.multiprocessing as mp

METHODS = ["fork", "spawn", "forkserver"]
STRATEGIES = ["file_descriptor", "file_system"]


@pytest.fixture(params=STRATEGIES)
def strategy(request: pytest.FixtureRequest) -> Iterator[str]:
    previous = mp.get_sharing_strategy()
    mp.set_sharing_strategy(request.param)
    yield request.param
    mp.set_sharing_strategy(previous)


def tocha_segments() -> set[str]:
    return {name for name in os.listdir("/dev/shm") if name.startswith("tocha_")}


def test_share_memory_moves_elements_and_keeps_values() -> None:
    x = tocha.arange(6.0).reshape(2, 3)
    assert not x.is_shared()
    assert x.share_memory_() is x
    assert x.is_shared()
    np.testing.assert_array_equal(x.numpy(), np.arange(6.0).reshape(2, 3))
    view = x[:, 1]
    assert view.is_shared()
    view.fill_(-1.0)
    assert x[1, 1].item() == -1.0
    assert x.share_memory_() is x  # already shared: a no-op


def test_sharing_strategy_api() -> None:
    assert mp.get_all_sharing_strategies() == {"file_descriptor", "file_system"}
    assert mp.get_sharing_strategy() == "file_descriptor"
    with pytest.raises(ValueError, match="unknown sharing strategy 'bogus'"):
        mp.set_sharing_strategy("bogus")


def test_file_descriptor_segments_never_appear_in_dev_shm() -> None:
    before = tocha_segments()
    x = tocha.zeros(1000).share_memory_()
    assert tocha_segments() == before
    del x


@pytest.mark.parametrize("method", METHODS)
def test_queue_round_trip_shares_memory_both_ways(method: str, strategy: str) -> None:
    ctx = mp.get_context(method)
    inbox, outbox = ctx.Queue(), ctx.Queue()
    worker = ctx.Process(target=add_one_and_return_view, args=(inbox, outbox))
    worker.start()
    x = tocha.arange(5.0)
    inbox.put(x)
    view = outbox.get(timeout=60)
    inbox.put(None)
    worker.join(60)
    assert worker.exitcode == 0
    np.testing.assert_array_equal(x.numpy(), [1.0, 2.0, 3.0, 4.0, 5.0])  # the child's write is seen here
    np.testing.assert_array_equal(view.numpy(), [2.0, 3.0, 4.0, 5.0])
    view[0] = 100.0  # and the view it sent back is the same memory
    assert x[1].item() == 100.0


@pytest.mark.parametrize(
    "make",
    [
        lambda: tocha.arange(12.0).reshape(3, 4)[:, 1::2],
        lambda: tocha.arange(12, dtype=tocha.int16).reshape(3, 4).T,
        lambda: tocha.tensor([True, False, True]),
        lambda: tocha.tensor([1 + 2j, 3 - 1j], dtype=tocha.complex64),
        lambda: tocha.ones(2, 3, dtype=tocha.bfloat16),
        lambda: tocha.tensor(7.5),
        lambda: tocha.zeros(0, 3),
    ],
    ids=["strided-view", "transposed-int16", "bool", "complex64", "bfloat16", "0-dim", "empty"],
)
def test_layout_and_dtype_survive(make: Any) -> None:
    ctx = mp.get_context("fork")
    inbox, outbox = ctx.Queue(), ctx.Queue()
    worker = ctx.Process(target=describe, args=(inbox, outbox))
    worker.start()
    t = make()
    inbox.put(t)
    name, shape, stride, dtype, requires_grad, values = outbox.get(timeout=60)
    inbox.put(None)
    worker.join(60)
    assert (name, shape, stride, dtype, requires_grad) == ("Tensor", tuple(t.shape), t.stride(), t.dtype.name, False)
    assert values == t.tolist()


def test_subclass_survives() -> None:
    ctx = mp.get_context("spawn")
    inbox, outbox = ctx.Queue(), ctx.Queue()
    worker = ctx.Process(target=describe, args=(inbox, outbox))
    worker.start()
    inbox.put(Tagged(tocha.ones(2)))
    name, *_ = outbox.get(timeout=60)
    inbox.put(None)
    worker.join(60)
    assert name == "Tagged"


def test_requires_grad_survives_and_non_leaves_are_refused() -> None:
    pytest.importorskip("tocha.autograd")
    ctx = mp.get_context("fork")
    inbox, outbox = ctx.Queue(), ctx.Queue()
    worker = ctx.Process(target=describe, args=(inbox, outbox))
    worker.start()
    leaf = tocha.ones(2, requires_grad=True)
    inbox.put(leaf)
    assert outbox.get(timeout=60)[4] is True
    inbox.put(None)
    worker.join(60)
    with pytest.raises(RuntimeError, match="Cowardly refusing to serialize non-leaf tensor"):
        mp.reductions.reduce_tensor(leaf * 2)


def test_pipe_and_pool(strategy: str) -> None:
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe()
    x = tocha.zeros(3)
    parent.send(x)
    received = child.recv()
    received.fill_(2.0)
    np.testing.assert_array_equal(x.numpy(), [2.0, 2.0, 2.0])
    with ctx.Pool(2) as pool:
        shared = [tocha.zeros(4) for _ in range(3)]
        pool.starmap(fill, [(t, float(i)) for i, t in enumerate(shared)])
        assert [t[0].item() for t in shared] == [0.0, 1.0, 2.0]
        squares = pool.map(square, [tocha.full((2,), 3.0)])
    np.testing.assert_array_equal(squares[0].numpy(), [9.0, 9.0])


def test_a_large_tensor_travels_as_a_handle() -> None:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    big = tocha.zeros(25_000_000).share_memory_()  # 100 MB
    queue.put(big)
    back = queue.get(timeout=60)
    back[12_345_678] = 1.0
    assert big[12_345_678].item() == 1.0
    from multiprocessing.reduction import ForkingPickler

    assert len(ForkingPickler.dumps(big)) < 1000


def test_a_sender_that_exits_too_early_gives_a_clear_error() -> None:
    ctx = mp.get_context("fork")
    outbox = ctx.Queue()
    worker = ctx.Process(target=send_and_exit, args=(outbox,))
    worker.start()
    worker.join(60)
    time.sleep(0.2)
    with pytest.raises(RuntimeError, match="exited before it was received"):
        outbox.get(timeout=60)


def test_file_system_sender_may_exit_before_the_receiver_reads() -> None:
    previous = mp.get_sharing_strategy()
    ctx = mp.get_context("fork")
    outbox = ctx.Queue()
    mp.set_sharing_strategy("file_system")
    try:
        worker = ctx.Process(target=send_and_exit, args=(outbox,))
        worker.start()
        worker.join(60)
        np.testing.assert_array_equal(outbox.get(timeout=60).numpy(), np.ones(4))
    finally:
        mp.set_sharing_strategy(previous)


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_killed_workers_leave_nothing_in_dev_shm(method: str) -> None:
    before = tocha_segments()
    ctx = mp.get_context(method)
    outbox, ready = ctx.Queue(), ctx.Queue()
    workers = [ctx.Process(target=set_strategy_and_stream, args=("file_system", outbox, ready)) for _ in range(2)]
    for worker in workers:
        worker.start()
    pids = {ready.get(timeout=60) for _ in workers}
    received = [outbox.get(timeout=60) for _ in range(6)]  # some mapped here, more in flight
    assert {int(t[0].item()) for t in received} <= pids
    assert tocha_segments() - before  # named segments exist while in use
    for worker in workers:
        os.kill(worker.pid, signal.SIGKILL)  # type: ignore[arg-type]
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == -signal.SIGKILL
    del received
    gc.collect()
    outbox.close()
    outbox.join_thread()
    deadline = time.monotonic() + 20
    while tocha_segments() - before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert tocha_segments() - before == set()


@pytest.mark.gpu
def test_cuda_tensors_travel_as_ipc_handles() -> None:
    cuda = getattr(tocha, "cuda", None)
    if cuda is None or not cuda.is_available():
        pytest.skip("needs CUDA")
    if pytest.importorskip("cupy").__version__.endswith("+fake"):
        pytest.skip("CUDA IPC needs a real GPU (tools/fake_cupy has no device memory to share)")
    from mp_workers import add_one_on_gpu

    ctx = mp.get_context("spawn")
    inbox, outbox = ctx.Queue(), ctx.Queue()
    worker = ctx.Process(target=add_one_on_gpu, args=(inbox, outbox))
    worker.start()
    x = tocha.zeros(4, device="cuda")
    inbox.put(x)
    assert outbox.get(timeout=120) == "cuda"
    tocha.cuda.synchronize()
    assert x.cpu().tolist() == [1.0, 1.0, 1.0, 1.0]  # the child wrote into this process's memory
    inbox.put(None)
    worker.join(60)
