"""The dtype groups op records declare in ``dtypes=`` (PyTorch's dispatch groups), defined once."""

from __future__ import annotations

import numpy as np

from .._dtype import _BOOL, _COMPLEX, _FLOAT, _INT, ALL_DTYPES, bfloat16, dtype, float16

__all__ = [
    "ALL",
    "NO_BOOL",
    "REAL",
    "REAL_NO_BOOL",
    "INTEGRAL_BOOL",
    "INTEGRAL",
    "FLOATING",
    "FLOATING_COMPLEX",
    "COMPLEX",
    "HALF",
    "HALF_NUMPY",
]

ALL: tuple[dtype, ...] = ALL_DTYPES
NO_BOOL: tuple[dtype, ...] = tuple(d for d in ALL_DTYPES if d.category != _BOOL)
REAL: tuple[dtype, ...] = tuple(d for d in ALL_DTYPES if d.category != _COMPLEX)
REAL_NO_BOOL: tuple[dtype, ...] = tuple(d for d in REAL if d.category != _BOOL)
INTEGRAL_BOOL: tuple[dtype, ...] = tuple(d for d in ALL_DTYPES if d.category in (_BOOL, _INT))
INTEGRAL: tuple[dtype, ...] = tuple(d for d in ALL_DTYPES if d.category == _INT)
FLOATING: tuple[dtype, ...] = tuple(d for d in ALL_DTYPES if d.category == _FLOAT)
FLOATING_COMPLEX: tuple[dtype, ...] = tuple(d for d in ALL_DTYPES if d.category in (_FLOAT, _COMPLEX))
COMPLEX: tuple[dtype, ...] = tuple(d for d in ALL_DTYPES if d.category == _COMPLEX)
HALF: tuple[dtype, ...] = (float16, bfloat16)
HALF_NUMPY: frozenset[np.dtype[np.generic]] = frozenset(d.numpy_dtype for d in HALF)
