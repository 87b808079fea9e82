"""Helpers for writing op forwards against NumPy and CuPy alike (public as ``tocha.library``)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["cached_zeros_like", "promote_0d"]

_ZEROS: dict[Any, Any] = {}  # (array module, dtype, device) -> a read-only flat zero array, grown on demand
_CUPY_SCALAR_DTYPES = frozenset({np.dtype(np.float32), np.dtype(np.float64)})
_ZEROS_LIMIT = 1 << 20  # elements; larger inputs compare with a scalar 0 rather than pin a big buffer


def cached_zeros_like(xp: Any, x: Any) -> Any:
    """A read-only zero array of ``x``'s shape and dtype (a view of a cached buffer), or ``0`` for large ``x``
    (and on CuPy for float32/float64, whose kernels take the scalar as an argument).

    On NumPy, ``maximum(x, 0)`` with a broadcast scalar runs a strided (non-SIMD) inner loop, about 3x slower than
    against a same-shaped array; forwards comparing with zero (relu, hardtanh...) pass this instead of ``0``.

    Example:
        >>> import numpy as np, tocha
        >>> z = tocha.library.cached_zeros_like(np, np.ones((2, 3), dtype=np.float32))
        >>> z.shape, z.dtype, z.flags.writeable
        ((2, 3), dtype('float32'), False)
    """
    n = x.size
    if n > _ZEROS_LIMIT or not x.flags.c_contiguous:  # a scalar keeps x's memory order (channels-last) in the result
        return 0
    if xp is not np and x.dtype in _CUPY_SCALAR_DTYPES:  # one memory pass fewer (CuPy would promote bfloat16)
        return 0
    device = getattr(x, "device", None)
    key = (xp, x.dtype, getattr(device, "id", device))  # CuPy's Device is unhashable: key by its index
    buf = _ZEROS.get(key)
    if buf is None or buf.size < n:
        buf = xp.zeros(min(max(2 * n, 4096), _ZEROS_LIMIT), dtype=x.dtype)
        with contextlib.suppress(AttributeError, ValueError):  # CuPy arrays have no writeable flag
            buf.flags.writeable = False
        _ZEROS[key] = buf
    return buf[:n].reshape(x.shape)


def promote_0d(forward: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap ``forward(xp, *arrays, **kw)`` to run on 1-element views of 0-dim arrays.

    NumPy ufuncs turn 0-dim arrays into scalars, which the in-place (``out=``) steps of a forward cannot take;
    the wrapper reshapes 0-dim inputs (and ``out``) to shape ``(1,)`` and the result back to ``()``.

    Example:
        >>> import numpy as np, tocha
        >>> def double(xp, a, out=None):
        ...     return xp.multiply(a, 2, out=out)
        >>> tocha.library.promote_0d(double)(np, np.array(3.0))
        array(6.)
    """

    def run(xp: Any, *args: Any, **kwargs: Any) -> Any:
        if args[0].ndim != 0:
            return forward(xp, *args, **kwargs)
        args = tuple(a.reshape(1) if getattr(a, "ndim", None) == 0 else a for a in args)
        out = kwargs.get("out")
        if out is not None:
            kwargs["out"] = out.reshape(1)
            forward(xp, *args, **kwargs)
            return out
        return forward(xp, *args, **kwargs).reshape(())

    return run
