"""PyTorch's per-device autocast switches on ``torch``: ``tocha.is_autocast_cpu_enabled``,
``tocha.set_autocast_gpu_dtype``, the ipu/xla forms, ``tocha.set_autocast_dtype``, the cast cache and nesting.

NOTE [ Legacy autocast functions ]
They read and write the calling thread's state in ``tocha._autocast`` (the one ``tocha.autocast`` uses), and the
deprecated ``*_cpu``/``*_gpu``/``*_ipu``/``*_xla`` forms warn on every call (PyTorch warns once per process). As
there, turning autocast on with ``set_autocast_*_enabled`` casts ops only inside an ``autocast`` region. The
nesting counter is the region depth ``autocast`` keeps; leaving the outermost region clears the cast cache, while
``autocast_decrement_nesting`` itself only returns the new count, here as in PyTorch (``clear_autocast_cache``
empties the cache).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .. import _autocast
from .._dtype import dtype

__all__ = [
    "autocast_decrement_nesting",
    "autocast_increment_nesting",
    "clear_autocast_cache",
    "get_autocast_cpu_dtype",
    "get_autocast_gpu_dtype",
    "get_autocast_ipu_dtype",
    "get_autocast_xla_dtype",
    "is_autocast_cache_enabled",
    "is_autocast_cpu_enabled",
    "is_autocast_ipu_enabled",
    "is_autocast_xla_enabled",
    "set_autocast_cache_enabled",
    "set_autocast_cpu_dtype",
    "set_autocast_cpu_enabled",
    "set_autocast_dtype",
    "set_autocast_gpu_dtype",
    "set_autocast_ipu_dtype",
    "set_autocast_ipu_enabled",
    "set_autocast_xla_dtype",
    "set_autocast_xla_enabled",
]


# ------------------------------------------------------------------ autocast (legacy per-device forms)


def _enabled_arg(enabled: Any) -> bool:
    if not isinstance(enabled, (bool, np.bool_)):
        raise TypeError(f"enabled must be a bool (got {type(enabled).__name__})")
    return bool(enabled)


def _dtype_arg(d: Any) -> dtype:
    if not isinstance(d, dtype):
        raise TypeError(f"dtype must be a tocha.dtype (got {type(d).__name__})")
    return d


def _deprecated(old: str, new: str) -> None:
    warnings.warn(f"tocha.{old} is deprecated. Please use tocha.{new} instead.", DeprecationWarning, stacklevel=3)


def _set_dtype(device_type: str, d: dtype) -> None:
    _autocast._state.dtype[device_type] = d


def set_autocast_dtype(device_type: str, dtype: dtype) -> None:
    """Make ``dtype`` the low-precision dtype autocast uses on ``device_type`` in this thread.

    ``tocha.autocast(device_type)`` regions opened afterwards default to it, and
    :func:`tocha.get_autocast_dtype` returns it.

    Example:
        >>> import tocha
        >>> tocha.set_autocast_dtype("cpu", tocha.float16)
        >>> tocha.get_autocast_dtype("cpu")
        tocha.float16
        >>> tocha.set_autocast_dtype("cpu", tocha.bfloat16)
    """
    if not isinstance(device_type, str):
        raise TypeError(
            f"set_autocast_dtype(): argument 'device_type' (position 1) must be str, not {type(device_type).__name__}"
        )
    if not isinstance(dtype, _autocast._Dtype):
        raise TypeError(
            f"set_autocast_dtype(): argument 'dtype' (position 2) must be tocha.dtype, not {type(dtype).__name__}"
        )
    _set_dtype(_autocast._device_type(device_type), dtype)


def is_autocast_cpu_enabled() -> bool:
    """Deprecated: :func:`tocha.is_autocast_enabled` ``("cpu")``.

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.is_autocast_cpu_enabled()
        False
    """
    _deprecated("is_autocast_cpu_enabled()", "is_autocast_enabled('cpu')")
    return _autocast.is_autocast_enabled("cpu")


def set_autocast_cpu_enabled(enabled: bool) -> None:
    """Deprecated: :func:`tocha.set_autocast_enabled` ``("cpu", enabled)``.

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.set_autocast_cpu_enabled(False)
    """
    enabled = _enabled_arg(enabled)
    _deprecated("set_autocast_cpu_enabled(enabled)", "set_autocast_enabled('cpu', enabled)")
    _autocast.set_autocast_enabled("cpu", enabled)


def get_autocast_cpu_dtype() -> dtype:
    """Deprecated: :func:`tocha.get_autocast_dtype` ``("cpu")`` (bfloat16 by default).

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.get_autocast_cpu_dtype()
        tocha.bfloat16
    """
    _deprecated("get_autocast_cpu_dtype()", "get_autocast_dtype('cpu')")
    return _autocast.get_autocast_dtype("cpu")


def set_autocast_cpu_dtype(dtype: dtype) -> None:
    """Deprecated: :func:`tocha.set_autocast_dtype` ``("cpu", dtype)``.

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.set_autocast_cpu_dtype(tocha.bfloat16)
    """
    d = _dtype_arg(dtype)
    _deprecated("set_autocast_cpu_dtype(dtype)", "set_autocast_dtype('cpu', dtype)")
    _set_dtype("cpu", d)


def get_autocast_gpu_dtype() -> dtype:
    """Deprecated: :func:`tocha.get_autocast_dtype` ``("cuda")`` (float16 by default).

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.get_autocast_gpu_dtype()
        tocha.float16
    """
    _deprecated("get_autocast_gpu_dtype()", "get_autocast_dtype('cuda')")
    return _autocast.get_autocast_dtype("cuda")


def set_autocast_gpu_dtype(dtype: dtype) -> None:
    """Deprecated: :func:`tocha.set_autocast_dtype` ``("cuda", dtype)``.

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.set_autocast_gpu_dtype(tocha.float16)
    """
    d = _dtype_arg(dtype)
    _deprecated("set_autocast_gpu_dtype(dtype)", "set_autocast_dtype('cuda', dtype)")
    _set_dtype("cuda", d)


def is_autocast_ipu_enabled() -> bool:
    """Deprecated: :func:`tocha.is_autocast_enabled` ``("ipu")`` (tocha runs no IPU ops; a setting only).

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.is_autocast_ipu_enabled()
        False
    """
    _deprecated("is_autocast_ipu_enabled()", "is_autocast_enabled('ipu')")
    return _autocast.is_autocast_enabled("ipu")


def set_autocast_ipu_enabled(enabled: bool) -> None:
    """Deprecated: :func:`tocha.set_autocast_enabled` ``("ipu", enabled)``.

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.set_autocast_ipu_enabled(False)
    """
    enabled = _enabled_arg(enabled)
    _deprecated("set_autocast_ipu_enabled(enabled)", "set_autocast_enabled('ipu', enabled)")
    _autocast.set_autocast_enabled("ipu", enabled)


def get_autocast_ipu_dtype() -> dtype:
    """Deprecated: the autocast dtype of device type ``"ipu"`` (float16 by default, as in PyTorch).

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.get_autocast_ipu_dtype()
        tocha.float16
    """
    _deprecated("get_autocast_ipu_dtype()", "get_autocast_dtype('ipu')")
    return _autocast.get_autocast_dtype("ipu")


def set_autocast_ipu_dtype(dtype: dtype) -> None:
    """Deprecated: :func:`tocha.set_autocast_dtype` ``("ipu", dtype)``.

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.set_autocast_ipu_dtype(tocha.float16)
    """
    d = _dtype_arg(dtype)
    _deprecated("set_autocast_ipu_dtype(dtype)", "set_autocast_dtype('ipu', dtype)")
    _set_dtype("ipu", d)


def is_autocast_xla_enabled() -> bool:
    """Deprecated: :func:`tocha.is_autocast_enabled` ``("xla")`` (tocha runs no XLA ops; a setting only).

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.is_autocast_xla_enabled()
        False
    """
    _deprecated("is_autocast_xla_enabled()", "is_autocast_enabled('xla')")
    return _autocast.is_autocast_enabled("xla")


def set_autocast_xla_enabled(enabled: bool) -> None:
    """Deprecated: :func:`tocha.set_autocast_enabled` ``("xla", enabled)``.

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.set_autocast_xla_enabled(False)
    """
    enabled = _enabled_arg(enabled)
    _deprecated("set_autocast_xla_enabled(enabled)", "set_autocast_enabled('xla', enabled)")
    _autocast.set_autocast_enabled("xla", enabled)


def get_autocast_xla_dtype() -> dtype:
    """Deprecated: the autocast dtype of device type ``"xla"`` (bfloat16 by default, as in PyTorch).

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.get_autocast_xla_dtype()
        tocha.bfloat16
    """
    _deprecated("get_autocast_xla_dtype()", "get_autocast_dtype('xla')")
    return _autocast.get_autocast_dtype("xla")


def set_autocast_xla_dtype(dtype: dtype) -> None:
    """Deprecated: :func:`tocha.set_autocast_dtype` ``("xla", dtype)``.

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.set_autocast_xla_dtype(tocha.bfloat16)
    """
    d = _dtype_arg(dtype)
    _deprecated("set_autocast_xla_dtype(dtype)", "set_autocast_dtype('xla', dtype)")
    _set_dtype("xla", d)


def is_autocast_cache_enabled() -> bool:
    """Whether autocast reuses its casts of parameters within a region (True by default).

    Example:
        >>> import tocha
        >>> tocha.is_autocast_cache_enabled()
        True
        >>> with tocha.autocast("cpu", cache_enabled=False):
        ...     tocha.is_autocast_cache_enabled()
        False
    """
    return _autocast._state.cache_enabled


def set_autocast_cache_enabled(enabled: bool) -> None:
    """Turn autocast's cast cache on or off in this thread (``autocast`` regions set it on entry).

    Example:
        >>> import tocha
        >>> tocha.set_autocast_cache_enabled(False)
        >>> tocha.is_autocast_cache_enabled()
        False
        >>> tocha.set_autocast_cache_enabled(True)
    """
    _autocast._state.cache_enabled = _enabled_arg(enabled)


def clear_autocast_cache() -> None:
    """Drop the parameter casts autocast has cached in this thread.

    Example:
        >>> import tocha
        >>> tocha.clear_autocast_cache()
    """
    _autocast._state.cache.clear()


def autocast_increment_nesting() -> int:
    """Count one more open autocast region in this thread; returns the new depth.

    Example:
        >>> import tocha
        >>> tocha.autocast_increment_nesting()
        1
        >>> tocha.autocast_decrement_nesting()
        0
    """
    _autocast._state.depth += 1
    return _autocast._state.depth


def autocast_decrement_nesting() -> int:
    """Count one autocast region fewer in this thread; returns the new depth (negative when unbalanced).

    Example:
        >>> import tocha
        >>> with tocha.autocast("cpu"):
        ...     tocha.autocast_decrement_nesting()
        ...     tocha.autocast_increment_nesting()
        0
        1
    """
    _autocast._state.depth -= 1
    return _autocast._state.depth


for _fn in __all__:
    globals()[_fn].__module__ = "tocha"
del _fn
