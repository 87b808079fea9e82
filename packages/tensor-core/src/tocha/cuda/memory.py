"""``tocha.cuda.memory``: the caching allocator's statistics and limits (NOTE [ CUDA memory statistics ]).

The statistics themselves (``memory_allocated``, ``memory_reserved``, their peaks, ``memory_stats``,
``empty_cache``...) are ``tocha.cuda``'s, also importable from here as in PyTorch. This module adds the
per-process limit (CuPy's memory pool ``set_limit``), the nested form of the statistics and PyTorch's
deprecated ``*_cached`` names.
"""

from __future__ import annotations

import warnings
from typing import Any

from . import (
    _cupy,
    _index,
    device_count,
    empty_cache,
    get_device_properties,
    max_memory_allocated,
    max_memory_reserved,
    mem_get_info,
    memory_allocated,
    memory_reserved,
    memory_stats,
    memory_summary,
    reset_max_memory_allocated,
    reset_peak_memory_stats,
)

__all__ = [
    "empty_cache",
    "get_per_process_memory_fraction",
    "max_memory_allocated",
    "max_memory_cached",
    "max_memory_reserved",
    "mem_get_info",
    "memory_allocated",
    "memory_cached",
    "memory_reserved",
    "memory_stats",
    "memory_stats_as_nested_dict",
    "memory_summary",
    "reset_accumulated_memory_stats",
    "reset_max_memory_allocated",
    "reset_max_memory_cached",
    "reset_peak_memory_stats",
    "set_per_process_memory_fraction",
]


def memory_stats_as_nested_dict(device: Any = None) -> dict[str, Any]:
    """:func:`memory_stats` with its dotted keys nested: ``stats["allocated_bytes"]["all"]["peak"]``.

    Example:
        >>> import tocha
        >>> stats = tocha.cuda.memory_stats_as_nested_dict()
        >>> stats == {} or "current" in stats["allocated_bytes"]["all"]
        True
    """
    nested: dict[str, Any] = {}
    for key, value in memory_stats(device).items():
        *path, last = key.split(".")
        level = nested
        for part in path:
            level = level.setdefault(part, {})
        level[last] = value
    return nested


def reset_accumulated_memory_stats(device: Any = None) -> None:
    """Reset the accumulated statistics: tocha keeps only current values and peaks, so this resets the peaks
    (:func:`reset_peak_memory_stats`).

    Raises:
        AssertionError: CUDA is not available.
    """
    reset_peak_memory_stats(device)


def memory_cached(device: Any = None) -> int:
    """Deprecated name of :func:`memory_reserved` (FutureWarning, as in PyTorch).

    Example:
        >>> import warnings
        >>> import tocha
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.cuda.memory_cached() >= 0
        True
    """
    warnings.warn(
        "`tocha.cuda.memory_cached` has been renamed to `tocha.cuda.memory_reserved`", FutureWarning, stacklevel=2
    )
    return memory_reserved(device)


def max_memory_cached(device: Any = None) -> int:
    """Deprecated name of :func:`max_memory_reserved` (FutureWarning, as in PyTorch).

    Example:
        >>> import warnings
        >>> import tocha
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.cuda.max_memory_cached() >= 0
        True
    """
    warnings.warn(
        "`tocha.cuda.max_memory_cached` has been renamed to `tocha.cuda.max_memory_reserved`",
        FutureWarning,
        stacklevel=2,
    )
    return max_memory_reserved(device)


def reset_max_memory_cached(device: Any = None) -> None:
    """Deprecated: :func:`reset_peak_memory_stats`, which resets every peak (FutureWarning, as in PyTorch).

    Raises:
        AssertionError: CUDA is not available.
    """
    warnings.warn(
        "tocha.cuda.reset_max_memory_cached now calls tocha.cuda.reset_peak_memory_stats, which resets /all/ peak "
        "memory stats.",
        FutureWarning,
        stacklevel=2,
    )
    reset_peak_memory_stats(device)


def _checked_index(device: Any, op: str) -> int:
    index = _index(device, op)
    if not 0 <= index < device_count():
        raise AssertionError("Invalid device id")
    return index


def set_per_process_memory_fraction(fraction: float, device: Any = None) -> None:
    """Cap what the caching allocator may hold on a device at ``fraction`` of its memory (0 to 1); an op
    allocating past it raises ``tocha.cuda.OutOfMemoryError``.

    Raises:
        TypeError: ``fraction`` is not a float.
        ValueError: ``fraction`` is outside [0, 1].
        AssertionError: CUDA is not available.
    """
    cp = _cupy()
    index = _checked_index(device, "set_per_process_memory_fraction")
    if not isinstance(fraction, float):
        raise TypeError("Invalid type for fraction argument, must be `float`")
    if fraction < 0 or fraction > 1:
        raise ValueError(f"Invalid fraction value: {fraction}. Allowed range: 0~1")
    with cp.cuda.Device(index):
        cp.get_default_memory_pool().set_limit(fraction=fraction)


def get_per_process_memory_fraction(device: Any = None) -> float:
    """The fraction of a device's memory the caching allocator may hold (1.0 when no cap was set).

    Raises:
        AssertionError: CUDA is not available.
    """
    cp = _cupy()
    index = _checked_index(device, "get_per_process_memory_fraction")
    with cp.cuda.Device(index):
        limit = int(cp.get_default_memory_pool().get_limit())
    return 1.0 if limit == 0 else limit / get_device_properties(index).total_memory
