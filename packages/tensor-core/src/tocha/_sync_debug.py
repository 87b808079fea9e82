"""The synchronisation debug mode behind ``tocha.cuda.set_sync_debug_mode`` (PyTorch's, for finding host waits).

Mode 0 ("default") lets host reads of device data pass; 1 ("warn") warns at each; 2 ("error") raises. tocha
reports every read of a tensor's device data (``.item()``, ``.cpu()``, ``float(t)``, printing...: they all go
through ``_backend.copy_to_host``) and ``tocha.cuda.synchronize()``. In "error" mode the thread that set it also
runs under ``cupyx.allow_synchronize(False)`` where CuPy still has it, so CuPy's own waits inside an op
(a boolean-mask index sizing its result, say) raise too. As in PyTorch, not every synchronising operation is
caught.
"""

from __future__ import annotations

import contextlib
import warnings
from typing import Any

__all__ = ["get_mode", "notify", "set_mode"]

_MESSAGE = "called a synchronizing CUDA operation"
_NAMES = {"default": 0, "warn": 1, "error": 2}

_mode = 0
_cupy_guard: contextlib.ExitStack | None = None


def set_mode(debug_mode: str | int, cupyx: Any | None) -> None:
    """Set the mode (a name or 0/1/2); ``cupyx`` (or None) supplies CuPy's guard for "error"."""
    global _mode, _cupy_guard
    if isinstance(debug_mode, str):
        if debug_mode not in _NAMES:
            raise RuntimeError("invalid value of debug_mode, expected one of `default`, `warn`, `error`")
        value = _NAMES[debug_mode]
    elif isinstance(debug_mode, int) and not isinstance(debug_mode, bool) and 0 <= debug_mode <= 2:
        value = debug_mode
    else:
        raise RuntimeError("invalid value of debug_mode, expected one of `default`, `warn`, `error`")
    if _cupy_guard is not None:
        _cupy_guard.close()
        _cupy_guard = None
    if value == 2 and cupyx is not None and hasattr(cupyx, "allow_synchronize"):
        guard = contextlib.ExitStack()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # CuPy deprecates allow_synchronize, and warns so
            guard.enter_context(cupyx.allow_synchronize(False))
        _cupy_guard = guard
    _mode = value


def get_mode() -> int:
    """The current mode: 0, 1 or 2."""
    return _mode


def notify() -> None:
    """Called before a host read of device data: warn or raise as the mode says."""
    if _mode == 1:
        warnings.warn(_MESSAGE, UserWarning, stacklevel=4)
    elif _mode == 2:
        raise RuntimeError(_MESSAGE)
