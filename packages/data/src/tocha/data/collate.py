"""``default_collate`` and ``default_convert``: samples to batches, as ``torch.utils.data``.

Inside a DataLoader worker, tensors are stacked straight into shared memory, so the batch travels to the
main process without another copy (NOTE [ Tensor reductions ] in tocha.multiprocessing).
"""

from __future__ import annotations

import collections.abc
import copy
import math
from typing import Any

import numpy as np

import tocha
from tocha.library import get_shared_memory_allocator, wrap_array

from . import _worker

__all__ = ["default_collate", "default_convert"]

_NOT_NUMERIC = ("U", "S", "O")  # NumPy dtype kinds that cannot become tensors


def _error(kind: Any) -> TypeError:
    return TypeError(
        f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {kind}"
    )


def _shared_empty(shape: tuple[int, ...], dtype: tocha.dtype) -> tocha.Tensor:
    count = math.prod(shape)
    mapping = get_shared_memory_allocator()(count * dtype.itemsize)
    array = np.frombuffer(mapping, dtype.numpy_dtype, count).reshape(shape)
    return wrap_array(array, tocha.device("cpu"))


def _stack(tensors: list[tocha.Tensor]) -> tocha.Tensor:
    first = tensors[0]
    if _worker.get_worker_info() is not None and first.device.type == "cpu":
        shape = (len(tensors), *first.shape)
        if any(t.shape != first.shape for t in tensors):
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(first.shape)} at entry 0 and "
                f"{list(next(t.shape for t in tensors if t.shape != first.shape))} at another entry"
            )
        out = _worker.batch_empty(shape, first.dtype)
        return tocha.stack(tensors, 0, out=out if out is not None else _shared_empty(shape, first.dtype))
    return tocha.stack(tensors, 0)


def default_collate(batch: Any) -> Any:
    """Stack a list of samples into a batch, recursing into dicts, tuples, lists and namedtuples.

    Tensors are stacked along a new first dimension; NumPy arrays and numbers become tensors (Python floats
    float64, ints int64); strings and bytes stay lists; a dict of samples becomes a dict of batches.

    Example:
        >>> import tocha
        >>> default_collate([(tocha.tensor([1.0, 2.0]), 0), (tocha.tensor([3.0, 4.0]), 1)])
        [tensor([[1., 2.],
                [3., 4.]]), tensor([0, 1])]
        >>> default_collate([{"x": 1.5, "name": "a"}, {"x": 2.5, "name": "b"}])
        {'x': tensor([1.5000, 2.5000], dtype=tocha.float64), 'name': ['a', 'b']}
    """
    elem = batch[0]
    if isinstance(elem, tocha.Tensor):
        return _stack(list(batch))
    if type(elem).__module__ == "numpy" and not isinstance(elem, (str, bytes)):
        if isinstance(elem, np.ndarray) or type(elem).__name__ == "memmap":
            if elem.dtype.kind in _NOT_NUMERIC:
                raise _error(elem.dtype)
            return default_collate([tocha.as_tensor(b) for b in batch])
        if elem.shape == ():  # NumPy scalars
            return tocha.as_tensor(np.asarray(batch))
    if isinstance(elem, float):
        return tocha.tensor(batch, dtype=tocha.float64)
    if isinstance(elem, (bool, int)):
        return tocha.tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)  # keeps the mapping's type and attributes
                clone.update(collated)
                return clone
            return type(elem)(collated)  # type: ignore[call-arg]
        except TypeError:
            return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(samples) for samples in zip(*batch, strict=True)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if not all(len(e) == size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch, strict=True))
        if isinstance(elem, tuple):
            return [default_collate(samples) for samples in transposed]
        try:
            return type(elem)([default_collate(samples) for samples in transposed])  # type: ignore[call-arg]
        except TypeError:
            return [default_collate(samples) for samples in transposed]
    raise _error(type(elem))


def default_convert(data: Any) -> Any:
    """Turn NumPy arrays (and NumPy scalars) into tensors, recursing into containers; nothing is batched.

    The collate function a DataLoader uses when automatic batching is off (``batch_size=None``).

    Example:
        >>> import numpy as np
        >>> default_convert({"a": np.arange(3), "b": [np.float32(1.5), "text"]})
        {'a': tensor([0, 1, 2]), 'b': [tensor(1.5000), 'text']}
    """
    if isinstance(data, tocha.Tensor):
        return data
    if type(data).__module__ == "numpy" and not isinstance(data, (str, bytes)):
        if isinstance(data, np.ndarray) and data.dtype.kind in _NOT_NUMERIC:
            return data
        if isinstance(data, (np.ndarray, np.generic)):
            return tocha.as_tensor(np.asarray(data))
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, collections.abc.Mapping):
        converted = {key: default_convert(value) for key, value in data.items()}
        try:
            return type(data)(converted)  # type: ignore[call-arg]
        except TypeError:
            return converted
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence):
        try:
            return type(data)([default_convert(d) for d in data])  # type: ignore[call-arg]
        except TypeError:
            return [default_convert(d) for d in data]
    return data
