"""weight_norm, spectral_norm, orthogonal."""

from __future__ import annotations

__all__: list[str] = []
