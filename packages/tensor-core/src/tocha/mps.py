"""``tocha.mps``: Apple's Metal device, which tocha does not support; it behaves as PyTorch does off macOS.

:func:`is_available` is ``False`` and :func:`device_count` 0; the functions that need the device raise
``RuntimeError`` ("... without MPS backend.") as PyTorch's do on Linux.

Example:
    >>> import tocha
    >>> tocha.mps.is_available(), tocha.mps.device_count()
    (False, 0)
"""

from __future__ import annotations

from typing import Any, NoReturn

__all__ = [
    "is_available",
    "device_count",
    "synchronize",
    "empty_cache",
    "current_allocated_memory",
    "driver_allocated_memory",
    "recommended_max_memory",
    "set_per_process_memory_fraction",
    "manual_seed",
    "seed",
    "get_rng_state",
    "set_rng_state",
]


def _no_mps(what: str) -> NoReturn:
    raise RuntimeError(f"Cannot execute {what}() without MPS backend.")


def is_available() -> bool:
    """Whether an MPS device can be used: always ``False``.

    Example:
        >>> import tocha
        >>> tocha.mps.is_available()
        False
    """
    return False


def device_count() -> int:
    """The number of MPS devices: 0.

    Example:
        >>> import tocha
        >>> tocha.mps.device_count()
        0
    """
    return 0


def synchronize() -> None:
    """Wait for MPS work.

    Raises:
        RuntimeError: always (no MPS backend).

    Example:
        >>> import tocha
        >>> tocha.mps.synchronize()
        Traceback (most recent call last):
        ...
        RuntimeError: Cannot execute deviceSynchronize() without MPS backend.
    """
    _no_mps("deviceSynchronize")


def empty_cache() -> None:
    """Free MPS's cached memory.

    Raises:
        RuntimeError: always (no MPS backend).

    Example:
        >>> import tocha
        >>> tocha.mps.empty_cache()
        Traceback (most recent call last):
        ...
        RuntimeError: Cannot execute emptyCache() without MPS backend.
    """
    _no_mps("emptyCache")


def current_allocated_memory() -> int:
    """Bytes held by MPS tensors.

    Raises:
        RuntimeError: always (no MPS backend).

    Example:
        >>> import tocha
        >>> tocha.mps.current_allocated_memory()
        Traceback (most recent call last):
        ...
        RuntimeError: Cannot execute getCurrentAllocatedMemory() without MPS backend.
    """
    _no_mps("getCurrentAllocatedMemory")


def driver_allocated_memory() -> int:
    """Bytes the Metal driver holds for this process.

    Raises:
        RuntimeError: always (no MPS backend).

    Example:
        >>> import tocha
        >>> tocha.mps.driver_allocated_memory()
        Traceback (most recent call last):
        ...
        RuntimeError: Cannot execute getDriverAllocatedMemory() without MPS backend.
    """
    _no_mps("getDriverAllocatedMemory")


def recommended_max_memory() -> int:
    """Metal's recommended working-set size.

    Raises:
        RuntimeError: always (no MPS backend).

    Example:
        >>> import tocha
        >>> tocha.mps.recommended_max_memory()
        Traceback (most recent call last):
        ...
        RuntimeError: Cannot execute getRecommendedMaxMemory() without MPS backend.
    """
    _no_mps("getRecommendedMaxMemory")


def set_per_process_memory_fraction(fraction: float) -> None:
    """Cap MPS memory at ``fraction`` of the recommended maximum.

    Raises:
        RuntimeError: always (no MPS backend).

    Example:
        >>> import tocha
        >>> tocha.mps.set_per_process_memory_fraction(0.5)
        Traceback (most recent call last):
        ...
        RuntimeError: Cannot execute setMemoryFraction() without MPS backend.
    """
    _no_mps("setMemoryFraction")


def manual_seed(seed: int) -> None:
    """Seed the MPS generator: without MPS this does nothing, as in PyTorch.

    Example:
        >>> import tocha
        >>> tocha.mps.manual_seed(0)
    """


def seed() -> None:
    """Seed the MPS generator with a random number.

    Raises:
        RuntimeError: always (no MPS backend).

    Example:
        >>> import tocha
        >>> tocha.mps.seed()
        Traceback (most recent call last):
        ...
        RuntimeError: Cannot execute getDefaultGenerator() without MPS backend.
    """
    _no_mps("getDefaultGenerator")


def get_rng_state(device: Any = "mps") -> Any:
    """The MPS generator's state.

    Raises:
        RuntimeError: always (no MPS backend).

    Example:
        >>> import tocha
        >>> tocha.mps.get_rng_state()
        Traceback (most recent call last):
        ...
        RuntimeError: Cannot execute getDefaultGenerator() without MPS backend.
    """
    _no_mps("getDefaultGenerator")


def set_rng_state(new_state: Any, device: Any = "mps") -> None:
    """Set the MPS generator's state.

    Raises:
        RuntimeError: always (no MPS backend).

    Example:
        >>> import tocha
        >>> tocha.mps.set_rng_state(None)
        Traceback (most recent call last):
        ...
        RuntimeError: Cannot execute getDefaultGenerator() without MPS backend.
    """
    _no_mps("getDefaultGenerator")
