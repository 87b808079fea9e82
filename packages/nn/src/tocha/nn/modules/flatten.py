"""Flatten, Unflatten."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tocha import Tensor

from .module import Module

__all__: list[str] = ["Flatten", "Unflatten"]


class Flatten(Module):
    """Flatten dims ``start_dim`` to ``end_dim`` into one (by default all but the batch dim).

    Args:
        start_dim: first dim to flatten.
        end_dim: last dim to flatten.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.Flatten()(tocha.zeros(32, 1, 5, 5)).shape
        tocha.Size([32, 25])
        >>> nn.Flatten(0, 2)
        Flatten(start_dim=0, end_dim=2)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        """``input.flatten(start_dim, end_dim)``."""
        result: Tensor = input.flatten(self.start_dim, self.end_dim)
        return result

    def extra_repr(self) -> str:
        """``start_dim=..., end_dim=...``."""
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Expand dim ``dim`` into the shape ``unflattened_size`` (one entry may be ``-1``).

    Args:
        dim: the dim to expand.
        unflattened_size: the new dims (a tuple, list or ``tocha.Size`` of ints).

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.Unflatten(1, (2, 5))
        >>> m
        Unflatten(dim=1, unflattened_size=(2, 5))
        >>> m(tocha.zeros(3, 10)).shape
        tocha.Size([3, 2, 5])
    """

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        if not isinstance(dim, int):
            raise TypeError(
                f"invalid argument 'dim': expected int, got {type(dim).__name__} (named dims are not supported)"
            )
        _check_sizes(unflattened_size)
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input: Tensor) -> Tensor:
        """``input.unflatten(dim, unflattened_size)``."""
        result: Tensor = input.unflatten(self.dim, tuple(self.unflattened_size))
        return result

    def extra_repr(self) -> str:
        """``dim=..., unflattened_size=...``."""
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


def _check_sizes(sizes: Any) -> None:
    if not isinstance(sizes, (tuple, list)):
        raise TypeError(f"unflattened_size must be a tuple of ints, but found type {type(sizes).__name__}")
    for i, s in enumerate(sizes):
        if not isinstance(s, int) or isinstance(s, bool):
            raise TypeError(
                f"unflattened_size must be tuple of ints, but found element of type {type(s).__name__} at pos {i}"
            )
