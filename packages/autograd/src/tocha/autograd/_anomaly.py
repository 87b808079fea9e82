"""Anomaly mode: NaN gradients raise, naming the node and the forward call that created it."""

from __future__ import annotations

import threading
import traceback
from collections.abc import Sequence
from typing import Any

import tocha
from tocha.library import is_tensor_like

from . import _saved_hooks

__all__ = ["is_enabled", "is_check_nan_enabled", "set_enabled", "check", "forward_trace"]


class _State(threading.local):
    enabled: bool = False
    check_nan: bool = True


_state = _State()


def is_enabled() -> bool:
    """Whether anomaly detection is on in this thread."""
    return _state.enabled


def is_check_nan_enabled() -> bool:
    """Whether anomaly detection, when on, checks gradients for NaN in this thread."""
    return _state.check_nan


def set_enabled(mode: bool, check_nan: bool = True) -> None:
    """Turn anomaly detection on or off in this thread."""
    _state.enabled = bool(mode)
    _state.check_nan = bool(check_nan)
    _saved_hooks.refresh_plain()


def forward_trace() -> str:
    """The user's stack where the op being recorded was called (autograd's own frames left out)."""
    frames = [f for f in traceback.extract_stack()[:-1] if "/tocha/" not in f.filename.replace("\\", "/")]
    return "".join(traceback.format_list(frames[-8:]))


def check(node: Any, grads: Sequence[Any]) -> None:
    """Raise if a gradient ``node`` returned holds NaN (when check_nan is on)."""
    if not _state.check_nan:
        return
    for i, g in enumerate(grads):
        if is_tensor_like(g) and (g.dtype.is_floating_point or g.dtype.is_complex):
            with tocha.no_grad():
                bad = bool(tocha.isnan(g).any())
            if bad:
                trace = node._anomaly_trace
                where = f"\nThe forward call that created it:\n{trace}" if trace else ""
                raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.{where}")
