"""tocha.data: datasets, samplers and a multi-process DataLoader (``torch.utils.data``).

This is the ``tocha-data`` distribution. Workers are :mod:`tocha.multiprocessing` processes; batches come
back through shared memory.

Example:
    >>> import tocha
    >>> from tocha.data import DataLoader, TensorDataset
    >>> loader = DataLoader(TensorDataset(tocha.arange(6.0).reshape(3, 2)), batch_size=2)
    >>> [batch[0].shape for batch in loader]
    [tocha.Size([2, 2]), tocha.Size([1, 2])]
"""

from __future__ import annotations

from ._worker import WorkerInfo, get_worker_info
from .collate import default_collate, default_convert
from .dataloader import DataLoader
from .dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)
from .distributed import DistributedSampler
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [
    "BatchSampler",
    "ChainDataset",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "DistributedSampler",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "StackDataset",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "WorkerInfo",
    "default_collate",
    "default_convert",
    "get_worker_info",
    "random_split",
]
