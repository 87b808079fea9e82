"""tocha.nn.functional: fused recurrent cells."""

from __future__ import annotations

__all__: list[str] = []
