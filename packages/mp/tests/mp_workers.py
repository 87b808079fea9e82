"""Functions the mp tests run in child processes (importable by name, as the spawn start method needs)."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

import tocha
import tocha.multiprocessing as mp


class Tagged(tocha.Tensor):
    """A Tensor subclass: its class must survive the trip."""

    __slots__ = ()


def add_one_and_return_view(inbox: Any, outbox: Any) -> None:
    x = inbox.get()
    x += 1
    outbox.put(x[1:])
    inbox.get()  # stay alive until the parent has the result


def describe(inbox: Any, outbox: Any) -> None:
    t = inbox.get()
    outbox.put((type(t).__name__, tuple(t.shape), t.stride(), t.dtype.name, t.requires_grad, t.tolist()))
    inbox.get()


def fill(t: tocha.Tensor, value: float) -> None:
    t.fill_(value)


def square(t: tocha.Tensor) -> tocha.Tensor:
    return t * t


def set_strategy_and_stream(strategy: str, outbox: Any, ready: Any) -> None:
    mp.set_sharing_strategy(strategy)
    ready.put(os.getpid())
    while True:
        outbox.put(tocha.full((1000,), float(os.getpid())))
        time.sleep(0.01)


def send_and_exit(outbox: Any) -> None:
    outbox.put(tocha.ones(4))


def rank_writes(rank: int, shared: tocha.Tensor) -> None:
    shared[rank] = rank + 1


def rank_raises(rank: int) -> None:
    if rank == 1:
        raise ValueError(f"rank {rank} failed on purpose")
    time.sleep(30)


def rank_killed(rank: int) -> None:
    if rank == 0:
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(30)


def rank_exits(rank: int, code: int) -> None:
    raise SystemExit(code)


def add_one_on_gpu(inbox: Any, outbox: Any) -> None:
    t = inbox.get()
    t += 1
    tocha.cuda.synchronize()  # the write must land before the parent is told (as with PyTorch's IPC tensors)
    outbox.put(t.device.type)
    inbox.get()
