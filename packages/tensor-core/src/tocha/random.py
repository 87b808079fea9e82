"""``tocha.random``: the default generators' seed and state, and :func:`fork_rng`, as ``torch.random``.

Example:
    >>> import tocha
    >>> with tocha.random.fork_rng(devices=[]):
    ...     _ = tocha.rand(2)  # draws inside do not move the generators outside
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterable, Iterator
from typing import Any

from ._backend import get_backend
from ._device import device as _device_cls
from ._ops.random import Generator as Generator
from ._ops.random import _default_for, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from ._ops.random import default_generator as default_generator

__all__ = [
    "Generator",
    "default_generator",
    "fork_rng",
    "get_rng_state",
    "initial_seed",
    "manual_seed",
    "seed",
    "set_rng_state",
]

_many_devices_warned = [False]


def _indices(device_type: str, devices: Iterable[Any], caller: str) -> list[int]:
    indices = []
    for dev in devices:
        if isinstance(dev, bool):
            raise TypeError(f"{caller}(): expected device indices, got bool")
        if isinstance(dev, int):
            indices.append(dev)
            continue
        d = _device_cls(dev)
        if d.type != device_type:
            raise ValueError(f"{caller}(): expected a {device_type} device, but got: {d}")
        indices.append(0 if d.index is None else d.index)
    return indices


@contextlib.contextmanager
def fork_rng(
    devices: Iterable[Any] | None = None,
    enabled: bool = True,
    _caller: str = "fork_rng",
    _devices_kw: str = "devices",
    device_type: str | None = None,
) -> Iterator[None]:
    """Restore the cpu generator and the default generators of ``devices`` when the block ends.

    Args:
        devices: indices (or devices) of ``device_type`` whose generators to fork; by default all of them,
            with a warning when there are more than one (forking every device is slow; name them).
        enabled: ``False`` turns the context manager into a no-op.
        device_type: the accelerator type, ``"cuda"`` by default.

    Example:
        >>> import tocha
        >>> _ = tocha.manual_seed(0)
        >>> with tocha.random.fork_rng():
        ...     a = tocha.rand(2)
        >>> a.tolist() == tocha.rand(2).tolist()
        True
    """
    kind = "cuda" if device_type is None else str(device_type)
    if not enabled:
        yield
        return
    if devices is None:
        backend = get_backend(kind)
        count = backend.device_count()
        if count > 1 and not _many_devices_warned[0]:
            _many_devices_warned[0] = True
            warnings.warn(
                f"{_caller}() forks the generators of all {count} {kind} devices because '{_devices_kw}' was not "
                f"given, which is slow with many devices; pass {_devices_kw}=[...] with the devices you use",
                UserWarning,
                stacklevel=3,
            )
        indices = list(range(count))
    else:
        indices = _indices(kind, devices, _caller)
    if kind == "cpu":
        indices = []  # the cpu generator is always forked
    generators = [_default_for(_device_cls(kind, index)) for index in indices]
    cpu_state = get_rng_state()
    device_states = [g.get_state() for g in generators]
    try:
        yield
    finally:
        set_rng_state(cpu_state)
        for generator, state in zip(generators, device_states, strict=True):
            generator.set_state(state)
