"""``tocha.backends.mkldnn``: PyTorch's oneDNN switches; tocha has no oneDNN kernels, so they are stored only.

Example:
    >>> import tocha
    >>> with tocha.backends.mkldnn.flags(enabled=False):
    ...     tocha.backends.mkldnn.enabled
    False
    >>> tocha.backends.mkldnn.enabled, tocha.backends.mkldnn.is_available()
    (True, False)
"""

from __future__ import annotations

import contextlib
import sys
import types
from collections.abc import Iterator
from typing import Any

from ._flags import check_bool

__all__ = ["is_available", "flags", "set_flags"]

enabled: bool
deterministic: bool

_state: dict[str, Any] = {"enabled": True, "deterministic": False}


def is_available() -> bool:
    """Whether oneDNN (MKL-DNN) kernels can be used: always ``False`` in tocha.

    Example:
        >>> import tocha
        >>> tocha.backends.mkldnn.is_available()
        False
    """
    return False


def set_flags(
    _enabled: bool | None = None,
    _deterministic: bool | None = None,
    _allow_tf32: bool | None = None,
    _fp32_precision: str = "none",
) -> tuple[bool, bool]:
    """Set ``enabled`` / ``deterministic`` (``None`` leaves one as it is); return the previous pair.

    ``_allow_tf32`` and ``_fp32_precision`` are accepted and not stored.

    Example:
        >>> import tocha
        >>> tocha.backends.mkldnn.set_flags(_deterministic=False)
        (True, False)
    """
    previous = (bool(_state["enabled"]), bool(_state["deterministic"]))
    if _enabled is not None:
        _state["enabled"] = check_bool("set_enabled_mkldnn", _enabled)
    if _deterministic is not None:
        _state["deterministic"] = check_bool("set_deterministic_mkldnn", _deterministic)
    return previous


@contextlib.contextmanager
def flags(
    enabled: bool = False, deterministic: bool = False, allow_tf32: bool = True, fp32_precision: str = "none"
) -> Iterator[None]:
    """Set the oneDNN flags for one block (PyTorch's defaults, ``enabled=False`` included), then restore them.

    Example:
        >>> import tocha
        >>> with tocha.backends.mkldnn.flags(enabled=True, deterministic=True):
        ...     tocha.backends.mkldnn.deterministic
        True
    """
    previous = set_flags(enabled, deterministic)
    try:
        yield
    finally:
        set_flags(*previous)


class _MkldnnModule(types.ModuleType):
    """The module's class: the flags as properties with PyTorch's bool checks."""

    @property
    def enabled(self) -> bool:
        return bool(_state["enabled"])

    @enabled.setter
    def enabled(self, value: bool) -> None:
        set_flags(_enabled=value)

    @property
    def deterministic(self) -> bool:
        return bool(_state["deterministic"])

    @deterministic.setter
    def deterministic(self, value: bool) -> None:
        set_flags(_deterministic=value)


sys.modules[__name__].__class__ = _MkldnnModule
