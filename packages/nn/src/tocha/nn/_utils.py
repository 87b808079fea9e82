"""Argument normalisation shared by layers and functional ops (``_pair(3) == (3, 3)``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["ntuple", "single", "pair", "triple", "reverse_repeat_tuple"]


def ntuple(n: int, name: str = "parse") -> Callable[[Any], tuple[Any, ...]]:
    """A parser that repeats a scalar ``n`` times and passes iterables through as tuples.

    Example:
        >>> ntuple(2)(3)
        (3, 3)
        >>> ntuple(2)([1, 2])
        (1, 2)
    """

    def parse(x: Any) -> tuple[Any, ...]:
        if isinstance(x, Iterable) and not isinstance(x, str):
            return tuple(x)
        return (x,) * n

    parse.__name__ = name
    return parse


single = ntuple(1, "single")
pair = ntuple(2, "pair")
triple = ntuple(3, "triple")


def reverse_repeat_tuple(t: tuple[Any, ...], n: int) -> tuple[Any, ...]:
    """Each element of ``t`` repeated ``n`` times, last element first (the layout ``F.pad`` takes).

    Example:
        >>> reverse_repeat_tuple((1, 2), 2)
        (2, 2, 1, 1)
    """
    return tuple(x for x in reversed(t) for _ in range(n))
