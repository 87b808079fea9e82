"""State of ``tocha.autograd.graph.saved_tensors_hooks``: the innermost (pack, unpack) pair, per thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

__all__ = ["current", "push", "pop"]

Hooks = tuple[Callable[[Any], Any], Callable[[Any], Any]]


class _State(threading.local):
    stack: list[Hooks]
    # No saved-tensor hooks and anomaly mode off in this thread: the gradient layer's fast path reads this one
    # flag instead of both states (kept by push, pop and _anomaly.set_enabled).
    plain: bool = True
    disabled: str | None = None  # disable_saved_tensors_hooks' message, while registering hooks is refused

    def __init__(self) -> None:
        self.stack = []


_state = _State()


def refresh_plain() -> None:
    """Recompute ``_state.plain`` from the hook stack and anomaly mode of this thread."""
    from . import _anomaly

    _state.plain = not _state.stack and not _anomaly.is_enabled()


def current() -> Hooks | None:
    """The active (pack, unpack) pair, or None."""
    stack = _state.stack
    return stack[-1] if stack else None


def push(hooks: Hooks) -> None:
    """Make ``hooks`` the active pair."""
    _state.stack.append(hooks)
    _state.plain = False


def pop() -> None:
    """Restore the previous pair."""
    _state.stack.pop()
    refresh_plain()
