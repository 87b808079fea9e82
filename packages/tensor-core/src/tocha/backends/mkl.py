"""``tocha.backends.mkl``: whether NumPy's BLAS is Intel MKL, and PyTorch's ``verbose`` context manager (a no-op).

Example:
    >>> import tocha
    >>> isinstance(tocha.backends.mkl.is_available(), bool)
    True
"""

from __future__ import annotations

from typing import Any

__all__ = ["is_available", "verbose", "VERBOSE_OFF", "VERBOSE_ON"]

VERBOSE_OFF = 0
VERBOSE_ON = 1


def is_available() -> bool:
    """Whether the NumPy that tocha runs on was built against MKL (read from ``numpy.show_config``'s data).

    Example:
        >>> import tocha
        >>> isinstance(tocha.backends.mkl.is_available(), bool)
        True
    """
    import numpy as np

    config: Any = getattr(np, "__config__", None)
    deps = getattr(config, "CONFIG", {}).get("Build Dependencies", {})
    names = " ".join(str(deps.get(lib, {}).get("name", "")) for lib in ("blas", "lapack"))
    return "mkl" in names.lower()


class verbose:
    """Context manager that would turn on MKL's verbose log: tocha cannot, so it only checks the level.

    Args:
        enable: ``VERBOSE_OFF`` (0) or ``VERBOSE_ON`` (1).

    Example:
        >>> import tocha
        >>> with tocha.backends.mkl.verbose(tocha.backends.mkl.VERBOSE_ON):
        ...     pass
    """

    def __init__(self, enable: int) -> None:
        self.enable = enable

    def __enter__(self) -> verbose:
        return self

    def __exit__(self, *exc: object) -> None:
        return None
