"""``DistributedSampler``: each of ``num_replicas`` processes sees its own share of the dataset."""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Sized

import tocha

from .sampler import Sampler

__all__ = ["DistributedSampler"]


class DistributedSampler(Sampler[int]):
    """The indices of replica ``rank`` out of ``num_replicas``, shuffled per epoch with ``seed + epoch``.

    Without a process group (tocha has no distributed backend), ``num_replicas`` and ``rank`` come from
    the ``WORLD_SIZE`` and ``RANK`` environment variables, or must be given. Call :meth:`set_epoch` at the start
    of every epoch so that each epoch has a new order shared by every replica.

    Example:
        >>> list(DistributedSampler(range(10), num_replicas=3, rank=1, shuffle=False))
        [1, 4, 7, 0]
    """

    def __init__(
        self,
        dataset: Sized,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        if num_replicas is None:
            if "WORLD_SIZE" not in os.environ:
                raise RuntimeError("Requires distributed package to be available (or num_replicas, or WORLD_SIZE)")
            num_replicas = int(os.environ["WORLD_SIZE"])
        if rank is None:
            if "RANK" not in os.environ:
                raise RuntimeError("Requires distributed package to be available (or rank, or RANK)")
            rank = int(os.environ["RANK"])
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if self.drop_last and n % self.num_replicas != 0:
            self.num_samples = math.ceil((n - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            generator = tocha.Generator()
            generator.manual_seed(self.seed + self.epoch)
            indices = tocha.randperm(n, generator=generator).tolist()
        else:
            indices = list(range(n))
        if not self.drop_last:
            padding = self.total_size - len(indices)
            if padding <= len(indices):
                indices += indices[:padding]
            else:
                indices += (indices * math.ceil(padding / len(indices)))[:padding]
        else:
            indices = indices[: self.total_size]
        return iter(indices[self.rank : self.total_size : self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use ``epoch`` for the next shuffle, so that replicas agree and epochs differ."""
        self.epoch = epoch
