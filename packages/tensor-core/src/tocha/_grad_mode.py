"""Grad modes: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from ._dispatch import DispatchLayer, OpCall, is_grad_enabled, pop_layer, push_layer, set_grad_enabled_state
from ._tensor_base import TensorBase

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


class _InferenceMarker(DispatchLayer):
    """Marks the results of ops run inside ``inference_mode`` as inference tensors.

    NOTE [ Inference tensors ]
    A tensor made inside ``inference_mode`` can never join a graph later
    (PyTorch's inference tensors): autograd refuses to save it for backward
    and ``requires_grad_()`` refuses it outside the mode. The mark is an
    instance attribute set only here, by a dispatch layer pushed for the
    duration of the outermost ``inference_mode`` block, so the normal path
    pays nothing: no field is written when tensors are made elsewhere, and
    ``Tensor._inference`` reads the class default ``False``. Results of
    in-place ops, and views of normal tensors, stay normal, as in PyTorch;
    views of inference tensors are inference tensors, inside the mode or not
    (``wrap`` copies the mark from the view's base).
    Tensors built without the dispatcher (``from_numpy``) are not marked.
    """

    def handle(self, call: OpCall, proceed: Callable[[OpCall], Any]) -> Any:
        result = proceed(call)
        if call.out is None and _inference_state.depth > 0:
            op = call.op
            if op.view:
                source = call.inputs[0]
                if not (isinstance(source, TensorBase) and source._inference):
                    return result
            for t in result if isinstance(result, tuple) else (result,):
                if isinstance(t, TensorBase):
                    t._inference = True
        return result


class _InferenceState(threading.local):
    depth = 0


_inference_state = _InferenceState()
_marker = _InferenceMarker()
_marker_users = [0]  # inference_mode blocks (all threads) that need the marker pushed


class inference_mode(_GradModeContext):
    """Turn gradient recording off; tensors made inside are inference tensors (NOTE [ Inference tensors ]).

    ``mode=False`` turns inference mode off inside an enclosing one (and recording on), as in PyTorch.

    Example:
        >>> import tocha
        >>> with tocha.inference_mode():
        ...     y = tocha.ones(2) * 2
        ...     tocha.is_inference_mode_enabled()
        True
        >>> y.is_inference()
        True
    """

    def __init__(self, mode: bool = True) -> None:
        super().__init__()
        self._mode = bool(mode)
        self._target = not mode
        self._depths: list[int] = []

    def __enter__(self) -> None:
        super().__enter__()
        self._depths.append(_inference_state.depth)
        if not self._mode:
            _inference_state.depth = 0
            return
        _inference_state.depth += 1
        if _marker_users[0] == 0:
            push_layer(_marker)
        _marker_users[0] += 1

    def __exit__(self, *exc: object) -> None:
        if self._mode:
            _marker_users[0] -= 1
            if _marker_users[0] == 0:
                _remove_layer(_marker)
        _inference_state.depth = self._depths.pop()
        super().__exit__(*exc)

    def __call__(self, func: F) -> F:
        mode = self._mode

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with inference_mode(mode):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def _remove_layer(layer: DispatchLayer) -> None:
    """Pop ``layer`` (normally on top; removed from below other layers pushed meanwhile)."""
    from ._dispatch import _layers

    if _layers and _layers[-1] is layer:
        pop_layer(layer)
    elif layer in _layers:
        _layers.remove(layer)


def is_inference_mode_enabled() -> bool:
    """Whether an ``inference_mode`` block is active in this thread."""
    return _inference_state.depth > 0
