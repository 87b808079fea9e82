"""Op-database samples and NumPy references for the creation ops."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .._device import device
from .._dtype import dtype

__all__: list[str] = []


def _sample(*args: Any, **kwargs: Any) -> Any:
    from ..testing import SampleInput

    name = kwargs.pop("name", "")
    return SampleInput(args[0], args=args[1:], kwargs=kwargs, name=name)


def _np(d: dtype) -> Any:
    return np.float32 if d.name == "bfloat16" else d.numpy_dtype


def data_samples(dev: device, d: dtype) -> Iterator[Any]:
    yield _sample([[1, 0], [1, 1]], dtype=d, device=dev, name="nested")
    yield _sample(1, dtype=d, device=dev, name="0-dim")
    yield _sample([], dtype=d, device=dev, name="empty")


def tensor_reference(data: Any, dtype: dtype, device: Any) -> Any:
    return np.array(data, dtype=_np(dtype))


def full_samples(dev: device, d: dtype) -> Iterator[Any]:
    yield _sample((2, 3), 1, dtype=d, device=dev, name="matrix")
    yield _sample((), 0, dtype=d, device=dev, name="0-dim")
    yield _sample((0, 2), 1, dtype=d, device=dev, name="empty")


def full_reference(size: Any, value: Any, dtype: dtype, device: Any) -> Any:
    return np.full(size, value, dtype=_np(dtype))


def empty_samples(dev: device, d: dtype) -> Iterator[Any]:
    yield _sample(2, 3, dtype=d, device=dev, name="matrix")


def empty_reference(*size: int, dtype: dtype, device: Any) -> Any:
    return np.empty(size, dtype=_np(dtype))


def arange_samples(dev: device, d: dtype) -> Iterator[Any]:
    if d.category in (0, 3):
        return
    yield _sample(0, 5, 1, dtype=d, device=dev, name="unit-step")
    yield _sample(10, 1, -3, dtype=d, device=dev, name="negative-step")
    yield _sample(3, 3, 1, dtype=d, device=dev, name="empty")
    if d.category >= 2:
        yield _sample(0.5, 2.0, 0.25, dtype=d, device=dev, name="float-step")


def arange_reference(start: Any, end: Any, step: Any, dtype: dtype, device: Any) -> Any:
    return np.arange(start, end, step, dtype=np.float64).astype(_np(dtype))


def linspace_samples(dev: device, d: dtype) -> Iterator[Any]:
    if d.category == 0:
        return
    yield _sample(0, 8, 5, dtype=d, device=dev, name="ascending")
    yield _sample(8, 0 if d.name == "uint8" else -4, 3, dtype=d, device=dev, name="descending")
    yield _sample(1, 2, 1, dtype=d, device=dev, name="one-step")
    yield _sample(0, 1, 0, dtype=d, device=dev, name="empty")


def linspace_reference(start: Any, end: Any, steps: int, dtype: dtype, device: Any) -> Any:
    return np.linspace(start, end, steps, dtype=np.float64).astype(_np(dtype))


def logspace_samples(dev: device, d: dtype) -> Iterator[Any]:
    if d.category < 2:
        return
    yield _sample(0, 2, 3, dtype=d, device=dev, name="decades")
    yield _sample(0, 3, 4, 2.0, dtype=d, device=dev, name="base-2")


def logspace_reference(start: Any, end: Any, steps: int, base: float = 10.0, *, dtype: dtype, device: Any) -> Any:
    return np.logspace(start, end, steps, base=base, dtype=np.float64).astype(_np(dtype))


def eye_samples(dev: device, d: dtype) -> Iterator[Any]:
    yield _sample(3, dtype=d, device=dev, name="square")
    yield _sample(2, 4, dtype=d, device=dev, name="wide")
    yield _sample(0, dtype=d, device=dev, name="empty")


def eye_reference(n: int, m: int | None = None, *, dtype: dtype, device: Any) -> Any:
    return np.eye(n, m, dtype=_np(dtype))


def to_device_samples(dev: device, d: dtype) -> Iterator[Any]:
    from ..testing import SampleInput, make_tensor

    dense = make_tensor(2, 3, dtype=d, device=dev)
    yield SampleInput(dense, params=(dense.device, dense.device), name="same-device")
    strided = make_tensor(2, 3, dtype=d, device=dev, noncontiguous=True)
    yield SampleInput(strided, params=(strided.device, strided.device), name="noncontiguous")


def to_device_reference(a: Any, source: Any, target: Any) -> Any:
    return np.array(a)
