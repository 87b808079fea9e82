"""``tocha.compiler``: PyTorch 2's compile entry points, for scripts that call them; tocha always runs eagerly.

tocha has no graph capture and no code generation: ``tocha.compile`` validates its arguments as
``torch.compile`` does and returns the function or module unchanged, and the markers below (``disable``,
``allow_in_graph``, ...) return what they are given. ``is_compiling()`` is always ``False``. This module is
not for speed-ups; it lets code written for PyTorch 2 run unchanged.

Example:
    >>> import tocha
    >>> @tocha.compile(mode="reduce-overhead")
    ... def double(x):
    ...     return x * 2
    >>> double(tocha.ones(2)), tocha.compiler.is_compiling()
    (tensor([2., 2.]), False)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

__all__ = [
    "compile",
    "is_compiling",
    "is_dynamo_compiling",
    "disable",
    "reset",
    "allow_in_graph",
    "assume_constant_result",
]

_F = TypeVar("_F", bound=Callable[..., Any])

_MODES = ("default", "lite", "reduce-overhead", "max-autotune-no-cudagraphs", "max-autotune")


def compile(
    model: Callable[..., Any] | None = None,
    *,
    fullgraph: bool = False,
    dynamic: bool | None = None,
    backend: str | Callable[..., Any] = "inductor",
    mode: str | None = None,
    options: dict[str, Any] | None = None,
    disable: bool = False,
) -> Any:
    """``model`` itself, after checking the arguments as ``torch.compile`` does: tocha runs eagerly.

    Without ``model`` it returns a decorator, so ``@tocha.compile`` and ``@tocha.compile(mode=...)`` both work.
    ``fullgraph``, ``dynamic``, ``backend`` and ``options`` are accepted and have no effect.

    Args:
        model: the function or module to "compile".
        fullgraph: accepted, unused.
        dynamic: accepted, unused.
        backend: accepted, unused; with ``"inductor"`` (the default) ``mode`` is checked.
        mode: one of ``"default"``, ``"lite"``, ``"reduce-overhead"``, ``"max-autotune-no-cudagraphs"``,
            ``"max-autotune"`` or ``None``.
        options: accepted, unused; not together with ``mode``.
        disable: accepted (the result is ``model`` either way).

    Returns:
        ``model`` unchanged, or a decorator that returns its argument unchanged.

    Raises:
        RuntimeError: both ``mode`` and ``options`` are given, or ``mode`` is unknown.
        AssertionError: ``model`` is not callable (PyTorch's error type).

    Example:
        >>> import tocha
        >>> f = lambda x: x + 1
        >>> tocha.compile(f) is f
        True
    """
    if model is None:

        def decorate(fn: _F) -> _F:
            return compile(  # type: ignore[no-any-return]
                fn,
                fullgraph=fullgraph,
                dynamic=dynamic,
                backend=backend,
                mode=mode,
                options=options,
                disable=disable,
            )

        return decorate
    if not callable(model):
        raise AssertionError(f"A callable function is expected, but {type(model)} is provided.")
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be specified at the same time.")
    if backend == "inductor" and mode is not None and mode not in _MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: {', '.join(_MODES)}")
    return model


def is_compiling() -> bool:
    """Whether the caller runs inside a compiled graph: always ``False`` in tocha.

    Example:
        >>> import tocha
        >>> tocha.compiler.is_compiling()
        False
    """
    return False


def is_dynamo_compiling() -> bool:
    """Whether the caller is being traced by a graph compiler: always ``False`` in tocha.

    Example:
        >>> import tocha
        >>> tocha.compiler.is_dynamo_compiling()
        False
    """
    return False


def disable(fn: Any = None, recursive: bool = True, *, reason: str | None = None) -> Any:
    """Mark ``fn`` to run eagerly: ``fn`` itself (everything does), or a decorator when ``fn`` is None.

    Args:
        fn: the function to leave uncompiled.
        recursive: accepted, unused.
        reason: accepted, unused.

    Example:
        >>> import tocha
        >>> @tocha.compiler.disable(recursive=False)
        ... def f(x):
        ...     return x
        >>> f(3)
        3
    """
    if fn is None:
        return lambda inner: inner
    return fn


def reset() -> None:
    """Clear compilation caches: there are none in tocha, so this does nothing.

    Example:
        >>> import tocha
        >>> tocha.compiler.reset()
    """


def allow_in_graph(fn: _F) -> _F:
    """Let a compiler put ``fn`` in a graph as one call: ``fn`` itself in tocha.

    Example:
        >>> import tocha
        >>> f = abs
        >>> tocha.compiler.allow_in_graph(f) is f
        True
    """
    return fn


def assume_constant_result(fn: _F) -> _F:
    """Let a compiler treat ``fn``'s result as a constant: ``fn`` itself in tocha.

    Example:
        >>> import tocha
        >>> f = len
        >>> tocha.compiler.assume_constant_result(f) is f
        True
    """
    return fn
