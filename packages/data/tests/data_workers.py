"""Datasets and hooks the DataLoader tests hand to worker processes (importable by name for spawn)."""

from __future__ import annotations

import os
import random
import signal
import time
from typing import Any

import numpy as np

import tocha
from tocha.data import Dataset, IterableDataset, get_worker_info


class Range(Dataset[int]):
    """Sample i is i; optional per-item delay that makes later items arrive first."""

    def __init__(self, n: int, slow_every: int = 0) -> None:
        self.n = n
        self.slow_every = slow_every

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> int:
        if self.slow_every and i % self.slow_every == 0:
            time.sleep(0.05)
        return i


class Failing(Dataset[int]):
    def __len__(self) -> int:
        return 8

    def __getitem__(self, i: int) -> int:
        if i == 5:
            raise ValueError(f"bad sample {i}")
        if i == 6:
            raise KeyError("missing")
        return i


class KillsItself(Dataset[int]):
    def __init__(self, at: int, how: str = "sigkill") -> None:
        self.at = at
        self.how = how

    def __len__(self) -> int:
        return 64

    def __getitem__(self, i: int) -> Any:
        if i == self.at:
            if self.how == "exit":
                os._exit(3)
            os.kill(os.getpid(), signal.SIGKILL)
        return tocha.full((256,), float(i))


class Sleepy(Dataset[int]):
    def __len__(self) -> int:
        return 4

    def __getitem__(self, i: int) -> int:
        time.sleep(30)
        return i


class Randoms(Dataset[Any]):
    """Each sample draws from tocha, NumPy and random: the worker seeds decide the values."""

    def __len__(self) -> int:
        return 8

    def __getitem__(self, i: int) -> Any:
        info = get_worker_info()
        return (
            tocha.rand(1).item(),
            float(np.random.rand()),
            random.random(),
            -1 if info is None else info.id,
            -1 if info is None else info.seed,
        )


class Shards(IterableDataset[int]):
    """Yields range(start, end), split between workers through get_worker_info."""

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self.end = end

    def __iter__(self) -> Any:
        info = get_worker_info()
        if info is None:
            return iter(range(self.start, self.end))
        per_worker = -(-(self.end - self.start) // info.num_workers)
        lo = self.start + info.id * per_worker
        return iter(range(lo, min(lo + per_worker, self.end)))

    def __len__(self) -> int:
        return self.end - self.start


def record_init(worker_id: int) -> None:
    info = get_worker_info()
    assert info is not None
    assert info.id == worker_id
    info.dataset.init_by = worker_id  # type: ignore[attr-defined]


class InitTagged(Dataset[int]):
    init_by = -1

    def __len__(self) -> int:
        return 4

    def __getitem__(self, i: int) -> int:
        return self.init_by


def failing_init(worker_id: int) -> None:
    raise RuntimeError(f"init of worker {worker_id} failed")
