"""``tocha.backends.openmp``: tocha runs no OpenMP code of its own (NumPy's BLAS may, out of tocha's sight).

Example:
    >>> import tocha
    >>> tocha.backends.openmp.is_available()
    False
"""

from __future__ import annotations

__all__ = ["is_available"]


def is_available() -> bool:
    """Whether tocha's own kernels use OpenMP: always ``False``.

    Example:
        >>> import tocha
        >>> tocha.backends.openmp.is_available()
        False
    """
    return False
