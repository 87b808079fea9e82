"""``cupyx`` of the fake CuPy: ``scatter_add`` and friends, ``allow_synchronize`` (``cupyx.scipy`` is absent)."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from typing import Any

import numpy
from cupy import DeviceSynchronized, _index, _unwrap, _wrapped_key, host_syncs

__all__ = ["DeviceSynchronized", "allow_synchronize", "scatter_add", "scatter_max", "scatter_min"]


def scatter_add(a: Any, slices: Any, value: Any) -> None:
    target = _unwrap(a, "scatter_add")
    numpy.add.at(target, _wrapped_key(target.shape, _index(slices)), _unwrap(value, "scatter_add"))


def scatter_max(a: Any, slices: Any, value: Any) -> None:
    target = _unwrap(a, "scatter_max")
    numpy.maximum.at(target, _wrapped_key(target.shape, _index(slices)), _unwrap(value, "scatter_max"))


def scatter_min(a: Any, slices: Any, value: Any) -> None:
    target = _unwrap(a, "scatter_min")
    numpy.minimum.at(target, _wrapped_key(target.shape, _index(slices)), _unwrap(value, "scatter_min"))


@contextlib.contextmanager
def allow_synchronize(allow: bool) -> Iterator[None]:
    """With ``allow=False``, a host synchronisation raises :class:`DeviceSynchronized` (CuPy warns, as here)."""
    warnings.warn(
        "cupyx.allow_synchronize will be removed in future releases as it is not possible to reliably detect "
        "synchronizations.",
        UserWarning,
        stacklevel=3,
    )
    if allow:
        yield
        return
    with host_syncs.forbidden():
        yield
