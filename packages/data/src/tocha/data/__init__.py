"""tocha.data: datasets, samplers and a multi-process DataLoader (``torch.utils.data``).

This is the ``tocha-data`` distribution. It will hold ``Dataset``,
``IterableDataset``, ``TensorDataset``, the samplers, ``default_collate`` and
``DataLoader`` with worker processes (through tocha-mp), built on
tocha-tensor-core.

Work in progress: nothing is public yet; the loader lands with its own issue.
"""

__all__: list[str] = []
