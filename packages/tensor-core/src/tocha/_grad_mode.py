"""Grad modes: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from ._dispatch import is_grad_enabled, set_grad_enabled_state

__all__ = [
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "inference_mode",
    "is_grad_enabled",
    "is_inference_mode_enabled",
]

F = TypeVar("F", bound=Callable[..., Any])


class _GradModeContext:
    """Base of the grad-mode managers: usable as context manager and decorator."""

    _target: bool = True

    def __init__(self) -> None:
        self._previous: list[bool] = []

    def __enter__(self) -> None:
        self._previous.append(is_grad_enabled())
        set_grad_enabled_state(self._target)

    def __exit__(self, *exc: object) -> None:
        set_grad_enabled_state(self._previous.pop())

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.__class__():
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradModeContext):
    """Turn gradient recording off inside a ``with`` block or decorated function.

    Example:
        >>> import tocha
        >>> with tocha.no_grad():
        ...     tocha.is_grad_enabled()
        False
    """

    _target = False


class enable_grad(_GradModeContext):
    """Turn gradient recording on (inside a ``no_grad`` region, say).

    Example:
        >>> import tocha
        >>> with tocha.no_grad(), tocha.enable_grad():
        ...     tocha.is_grad_enabled()
        True
    """

    _target = True


class set_grad_enabled(_GradModeContext):
    """Set gradient recording on or off: immediately, and restored when used as a context manager.

    Example:
        >>> import tocha
        >>> with tocha.set_grad_enabled(False):
        ...     tocha.is_grad_enabled()
        False
        >>> tocha.is_grad_enabled()
        True
    """

    def __init__(self, mode: bool) -> None:
        super().__init__()
        self._target = bool(mode)
        self._previous.append(is_grad_enabled())
        set_grad_enabled_state(self._target)

    def __enter__(self) -> None:
        pass

    def __call__(self, func: F) -> F:
        set_grad_enabled_state(self._previous[-1])
        mode = self._target

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class inference_mode(_GradModeContext):
    """Like ``no_grad`` (tocha has no separate inference tensors); ``mode=False`` keeps recording on.

    Example:
        >>> import tocha
        >>> with tocha.inference_mode():
        ...     tocha.is_inference_mode_enabled()
        True
    """

    _depth = 0

    def __init__(self, mode: bool = True) -> None:
        super().__init__()
        self._mode = bool(mode)
        self._target = not mode

    def __enter__(self) -> None:
        super().__enter__()
        if self._mode:
            inference_mode._depth += 1

    def __exit__(self, *exc: object) -> None:
        if self._mode:
            inference_mode._depth -= 1
        super().__exit__(*exc)


def is_inference_mode_enabled() -> bool:
    """Whether an ``inference_mode`` block is active."""
    return inference_mode._depth > 0
