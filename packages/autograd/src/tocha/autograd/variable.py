"""``tocha.autograd.Variable``: PyTorch's pre-0.4 wrapper, kept for old code.

``Variable(data, requires_grad=False)`` returns a new tensor sharing ``data``'s memory, detached from its history,
with the ``requires_grad`` given; every tensor is an instance of ``Variable``. ``Variable._execution_engine``
offers ``queue_callback`` (run a function when the current backward pass ends), as PyTorch's does.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import tocha

from . import _engine

__all__ = ["Variable"]


class _ExecutionEngine:
    """The engine methods code reaches through ``Variable._execution_engine``."""

    @staticmethod
    def queue_callback(callback: Callable[[], Any]) -> None:
        """Run ``callback()`` when the backward pass running in this thread ends."""
        _engine.queue_callback(callback)


class _VariableMeta(type):
    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, tocha.Tensor)


class Variable(metaclass=_VariableMeta):
    """Deprecated: tensors are Variables. ``Variable(t, requires_grad=...)`` is ``t.detach()`` with that flag.

    Example:
        >>> import tocha
        >>> from tocha.autograd import Variable
        >>> v = Variable(tocha.ones(2), requires_grad=True)
        >>> v.requires_grad, isinstance(tocha.zeros(1), Variable)
        (True, True)
    """

    _execution_engine = _ExecutionEngine()

    def __new__(cls, data: Any = None, requires_grad: bool = False, volatile: bool = False) -> Any:  # type: ignore[misc]
        if volatile:
            warnings.warn(
                "volatile was removed and now has no effect. Use `with tocha.no_grad():` instead.",
                UserWarning,
                stacklevel=2,
            )
        if data is None:
            data = tocha.empty(0)
        if not isinstance(data, tocha.Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        result = data.detach()
        return result.requires_grad_(requires_grad) if requires_grad else result
