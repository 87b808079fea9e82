"""shape ops."""

from __future__ import annotations

__all__: list[str] = []


class ShapeMethods:
    """Tensor methods of this family."""

    __slots__ = ()
