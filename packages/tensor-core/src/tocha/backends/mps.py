"""``tocha.backends.mps``: Apple's Metal backend, which tocha does not have: both queries answer False.

Example:
    >>> import tocha
    >>> tocha.backends.mps.is_available(), tocha.backends.mps.is_built()
    (False, False)
"""

from __future__ import annotations

__all__ = ["is_available", "is_built"]


def is_available() -> bool:
    """Whether MPS can be used: always ``False`` (tocha runs on NumPy and CuPy).

    Example:
        >>> import tocha
        >>> tocha.backends.mps.is_available()
        False
    """
    return False


def is_built() -> bool:
    """Whether tocha was built with MPS support: always ``False``.

    Example:
        >>> import tocha
        >>> tocha.backends.mps.is_built()
        False
    """
    return False
