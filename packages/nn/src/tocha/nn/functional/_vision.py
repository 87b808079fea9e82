"""tocha.nn.functional: interpolate, grid_sample, affine_grid, pixel/channel shuffles."""

from __future__ import annotations

__all__: list[str] = []
