"""``tocha.backends.cudnn``: PyTorch's cuDNN switches; tocha has no cuDNN, so most are stored and read back.

``enabled``, ``benchmark``, ``deterministic`` and ``allow_tf32`` are module attributes set by assignment and
checked as PyTorch checks them (a non-bool raises ``RuntimeError``); :func:`flags` sets them for one block.
``allow_tf32`` (on by default, as in PyTorch) is applied: float32 convolutions on CUDA run their products on TF32
tensor cores while it is on, and in full float32 when it is off. The others change nothing: tocha's convolutions
are its own kernels and cuBLAS products, and ``tocha.use_deterministic_algorithms`` is the determinism switch that
tocha applies.
:func:`is_available` is ``False`` and :func:`version` ``None``, as in a PyTorch built without cuDNN.

Example:
    >>> import tocha
    >>> tocha.backends.cudnn.deterministic = True
    >>> with tocha.backends.cudnn.flags(enabled=True, benchmark=True):
    ...     tocha.backends.cudnn.benchmark, tocha.backends.cudnn.deterministic
    (True, False)
    >>> tocha.backends.cudnn.deterministic
    True
    >>> tocha.backends.cudnn.deterministic = False
"""

from __future__ import annotations

import contextlib
import sys
import types
from collections.abc import Iterator
from typing import Any

from ._flags import check_bool

__all__ = ["is_available", "version", "is_acceptable", "flags", "set_flags"]

# Read through the module's properties below (the module's class is swapped for _CudnnModule).
enabled: bool
benchmark: bool
deterministic: bool
allow_tf32: bool
benchmark_limit: int | None

_state: dict[str, Any] = {
    "enabled": True,
    "benchmark": False,
    "deterministic": False,
    "allow_tf32": True,
    "benchmark_limit": 10,
}


def is_available() -> bool:
    """Whether cuDNN can be used: always ``False`` (tocha has no cuDNN kernels).

    Example:
        >>> import tocha
        >>> tocha.backends.cudnn.is_available()
        False
    """
    return False


def version() -> int | None:
    """cuDNN's version: ``None``, as in a PyTorch built without cuDNN.

    Example:
        >>> import tocha
        >>> tocha.backends.cudnn.version() is None
        True
    """
    return None


def is_acceptable(tensor: Any) -> bool:
    """Whether cuDNN could run on ``tensor``: always ``False`` (no cuDNN).

    Example:
        >>> import tocha
        >>> tocha.backends.cudnn.is_acceptable(tocha.ones(2))
        False
    """
    return False


def set_flags(
    _enabled: bool | None = None,
    _benchmark: bool | None = None,
    _benchmark_limit: int | None = None,
    _deterministic: bool | None = None,
    _allow_tf32: bool | None = None,
    _fp32_precision: str = "none",
) -> tuple[bool, bool, int | None, bool, bool]:
    """Set the given flags (``None`` leaves one as it is) and return the previous values in this order.

    ``_fp32_precision`` is accepted and not stored.

    Example:
        >>> import tocha
        >>> old = tocha.backends.cudnn.set_flags(_benchmark=True)
        >>> tocha.backends.cudnn.benchmark
        True
        >>> _ = tocha.backends.cudnn.set_flags(*old)
    """
    s = _state
    previous = (s["enabled"], s["benchmark"], s["benchmark_limit"], s["deterministic"], s["allow_tf32"])
    if _enabled is not None:
        s["enabled"] = check_bool("set_enabled_cudnn", _enabled)
    if _benchmark is not None:
        s["benchmark"] = check_bool("set_benchmark_cudnn", _benchmark)
    if _benchmark_limit is not None:
        s["benchmark_limit"] = _benchmark_limit
    if _deterministic is not None:
        s["deterministic"] = check_bool("set_deterministic_cudnn", _deterministic)
    if _allow_tf32 is not None:
        s["allow_tf32"] = check_bool("set_allow_tf32_cudnn", _allow_tf32)
    return previous


@contextlib.contextmanager
def flags(
    enabled: bool = False,
    benchmark: bool = False,
    benchmark_limit: int = 10,
    deterministic: bool = False,
    allow_tf32: bool = True,
    fp32_precision: str = "none",
    depthwise_kernel: str = "auto",
) -> Iterator[None]:
    """Set all the cuDNN flags for one block (PyTorch's defaults, ``enabled=False`` included), then restore them.

    ``fp32_precision`` and ``depthwise_kernel`` are accepted and not stored.

    Example:
        >>> import tocha
        >>> with tocha.backends.cudnn.flags(enabled=False):
        ...     tocha.backends.cudnn.enabled
        False
        >>> tocha.backends.cudnn.enabled
        True
    """
    previous = set_flags(enabled, benchmark, benchmark_limit, deterministic, allow_tf32)
    try:
        yield
    finally:
        set_flags(*previous)


class _CudnnModule(types.ModuleType):
    """The module's class: properties give the flags PyTorch's assignment semantics with its bool checks."""

    @property
    def enabled(self) -> bool:
        return bool(_state["enabled"])

    @enabled.setter
    def enabled(self, value: bool) -> None:
        set_flags(_enabled=check_bool("set_enabled_cudnn", value))

    @property
    def benchmark(self) -> bool:
        return bool(_state["benchmark"])

    @benchmark.setter
    def benchmark(self, value: bool) -> None:
        set_flags(_benchmark=check_bool("set_benchmark_cudnn", value))

    @property
    def deterministic(self) -> bool:
        return bool(_state["deterministic"])

    @deterministic.setter
    def deterministic(self, value: bool) -> None:
        set_flags(_deterministic=check_bool("set_deterministic_cudnn", value))

    @property
    def allow_tf32(self) -> bool:
        return bool(_state["allow_tf32"])

    @allow_tf32.setter
    def allow_tf32(self, value: bool) -> None:
        set_flags(_allow_tf32=check_bool("set_allow_tf32_cudnn", value))

    @property
    def benchmark_limit(self) -> int | None:
        limit: int | None = _state["benchmark_limit"]
        return limit

    @benchmark_limit.setter
    def benchmark_limit(self, value: int | None) -> None:
        _state["benchmark_limit"] = value


sys.modules[__name__].__class__ = _CudnnModule
