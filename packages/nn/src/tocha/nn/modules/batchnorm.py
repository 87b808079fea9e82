"""BatchNorm1d/2d/3d, LazyBatchNorm*."""

from __future__ import annotations

__all__: list[str] = []
