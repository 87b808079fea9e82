"""activation modules (ReLU ... GLU, Softmax family)."""

from __future__ import annotations

__all__: list[str] = []
