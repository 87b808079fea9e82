"""``cupyx`` of the fake CuPy: ``scatter_add`` and friends (``cupyx.scipy`` is absent, as without SciPy)."""

from __future__ import annotations

from typing import Any

import numpy
from cupy import _index, _unwrap


def scatter_add(a: Any, slices: Any, value: Any) -> None:
    numpy.add.at(_unwrap(a, "scatter_add"), _index(slices), _unwrap(value, "scatter_add"))


def scatter_max(a: Any, slices: Any, value: Any) -> None:
    numpy.maximum.at(_unwrap(a, "scatter_max"), _index(slices), _unwrap(value, "scatter_max"))


def scatter_min(a: Any, slices: Any, value: Any) -> None:
    numpy.minimum.at(_unwrap(a, "scatter_min"), _index(slices), _unwrap(value, "scatter_min"))
