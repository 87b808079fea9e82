"""``tocha.backends.opt_einsum``: PyTorch's switches for contraction-path search in ``einsum``.

``enabled`` (default: whether the ``opt_einsum`` package is installed) and ``strategy`` (``"auto"`` when it is,
else ``None``) are stored and read back; tocha's ``einsum`` leaves path search to NumPy / CuPy.

Example:
    >>> import tocha
    >>> tocha.backends.opt_einsum.enabled == tocha.backends.opt_einsum.is_available()
    True
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
from collections.abc import Iterator
from typing import Any

__all__ = ["is_available", "get_opt_einsum", "flags", "set_flags", "enabled", "strategy"]


def is_available() -> bool:
    """Whether the ``opt_einsum`` package is installed.

    Example:
        >>> import tocha
        >>> isinstance(tocha.backends.opt_einsum.is_available(), bool)
        True
    """
    return importlib.util.find_spec("opt_einsum") is not None


def get_opt_einsum() -> Any:
    """The ``opt_einsum`` module when it is installed, else ``None``.

    Example:
        >>> import tocha
        >>> (tocha.backends.opt_einsum.get_opt_einsum() is None) != tocha.backends.opt_einsum.is_available()
        True
    """
    return importlib.import_module("opt_einsum") if is_available() else None


enabled: bool = is_available()
strategy: str | None = "auto" if enabled else None


def set_flags(_enabled: bool | None = None, _strategy: str | None = None) -> tuple[bool, str | None]:
    """Set ``enabled`` / ``strategy`` (``None`` leaves one as it is); return the previous pair.

    Raises:
        ValueError: ``_strategy`` is not ``"auto"``, ``"greedy"`` or ``"optimal"``, or opt_einsum is missing.

    Example:
        >>> import tocha
        >>> old = tocha.backends.opt_einsum.set_flags()
        >>> old == (tocha.backends.opt_einsum.enabled, tocha.backends.opt_einsum.strategy)
        True
    """
    global enabled, strategy
    previous = (enabled, strategy)
    if _enabled is not None:
        enabled = _enabled
    if _strategy is not None:
        if not is_available():
            raise ValueError(
                f"opt_einsum is not available, so setting `strategy` to {_strategy} will not be meaningful. "
                "tocha.einsum will bypass path calculation and simply contract from left to right. Please install "
                "opt_einsum or unset `strategy`."
            )
        if _strategy not in ("auto", "greedy", "optimal"):
            raise ValueError(f"`strategy` must be one of the following: [auto, greedy, optimal] but is {_strategy}")
        strategy = _strategy
    return previous


@contextlib.contextmanager
def flags(enabled: bool | None = None, strategy: str | None = None) -> Iterator[None]:
    """Set ``enabled`` / ``strategy`` for one block, then restore them.

    Example:
        >>> import tocha
        >>> with tocha.backends.opt_einsum.flags(enabled=False):
        ...     tocha.backends.opt_einsum.enabled
        False
    """
    previous = set_flags(enabled, strategy)
    try:
        yield
    finally:
        set_flags(previous[0], previous[1] if is_available() else None)
