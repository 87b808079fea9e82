"""State of ``tocha.autograd.graph.saved_tensors_hooks``: the innermost (pack, unpack) pair, per thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

__all__ = ["current", "push", "pop"]

Hooks = tuple[Callable[[Any], Any], Callable[[Any], Any]]


class _State(threading.local):
    stack: list[Hooks]

    def __init__(self) -> None:
        self.stack = []


_state = _State()


def current() -> Hooks | None:
    """The active (pack, unpack) pair, or None."""
    stack = _state.stack
    return stack[-1] if stack else None


def push(hooks: Hooks) -> None:
    """Make ``hooks`` the active pair."""
    _state.stack.append(hooks)


def pop() -> None:
    """Restore the previous pair."""
    _state.stack.pop()
