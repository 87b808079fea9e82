"""tocha.nn.functional: conv*, conv_transpose*, fold, unfold, pad."""

from __future__ import annotations

__all__: list[str] = []
