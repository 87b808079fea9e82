"""``tocha.jit``: TorchScript's entry points, for scripts that call them; tocha has no TorchScript and runs eagerly.

``script`` returns its argument (a function, a module or a class) unchanged; ``trace`` runs its argument once on
the example inputs, as PyTorch's does (so a call that fails fails at the same place), and returns it unchanged;
the decorators (``ignore``, ``unused``, ``export``, ``interface``) return what they are given; ``is_scripting()``
and ``is_tracing()`` are ``False``; ``fork`` runs the call at once and returns a completed :class:`Future`;
``freeze`` and ``optimize_for_inference`` return the module. As in ``tocha.compile``, nothing here speeds code
up. PyTorch 2.13 deprecates most of these with a ``DeprecationWarning``; tocha does not warn, since nothing
here will go away.

Not here: TorchScript files. ``save`` and ``load`` raise ``NotImplementedError`` pointing to ``tocha.save`` /
``tocha.load``. :class:`ScriptModule` and :class:`ScriptFunction` exist so that ``isinstance`` checks work (they
are ``False``: ``script`` returns plain modules and functions); they cannot be made.

Example:
    >>> import tocha
    >>> @tocha.jit.script
    ... def double(x):
    ...     if tocha.jit.is_scripting():
    ...         return x
    ...     return x * 2
    >>> double(tocha.ones(2))
    tensor([2., 2.])
"""

from __future__ import annotations

import builtins
import contextlib
import types
import typing
from collections.abc import Callable, Iterator
from typing import Any, Generic, NamedTuple, TypeVar
from typing import Final as Final  # ``x: tocha.jit.Final[int] = 3`` in a module's class body, as in PyTorch

__all__ = [
    "script",
    "trace",
    "trace_module",
    "ignore",
    "unused",
    "export",
    "interface",
    "script_if_tracing",
    "is_scripting",
    "is_tracing",
    "annotate",
    "isinstance",
    "Final",
    "Attribute",
    "Future",
    "fork",
    "wait",
    "freeze",
    "optimize_for_inference",
    "run_frozen_optimizations",
    "save",
    "load",
    "ScriptModule",
    "ScriptFunction",
    "Error",
    "enable_onednn_fusion",
    "onednn_fusion_enabled",
    "set_fusion_strategy",
    "strict_fusion",
    "optimized_execution",
]

_F = TypeVar("_F", bound=Callable[..., Any])
_T = TypeVar("_T")


def script(
    obj: _T,
    optimize: None = None,
    _frames_up: int = 0,
    _rcb: Callable[[str], Any] | None = None,
    example_inputs: Any = None,
) -> _T:
    """``obj`` itself: tocha runs functions, modules and classes eagerly, so there is nothing to compile.

    Args:
        obj: a function, an ``nn.Module`` or a class.
        optimize: accepted, unused.
        example_inputs: accepted, unused.

    Returns:
        ``obj`` unchanged.

    Example:
        >>> import tocha
        >>> f = lambda x: x + 1
        >>> tocha.jit.script(f) is f
        True
    """
    return obj


def _as_args(example_inputs: Any) -> tuple[Any, ...]:
    if example_inputs is None:
        return ()
    return example_inputs if builtins.isinstance(example_inputs, tuple) else (example_inputs,)


def trace(
    func: _T,
    example_inputs: Any = None,
    optimize: Any = None,
    check_trace: bool = True,
    check_inputs: Any = None,
    check_tolerance: float = 1e-5,
    strict: bool = True,
    _force_outplace: bool = False,
    _module_class: Any = None,
    _compilation_unit: Any = None,
    example_kwarg_inputs: dict[str, Any] | None = None,
    _store_inputs: bool = True,
) -> _T:
    """Run ``func`` once on the example inputs, as PyTorch's trace does, and return ``func`` unchanged.

    PyTorch records the ops of that run into a graph; tocha keeps the Python callable, so later calls follow
    their own control flow (PyTorch's traced graph would replay the recorded branch).

    Args:
        func: a function or an ``nn.Module``.
        example_inputs: a tuple of positional arguments, or one tensor.
        example_kwarg_inputs: keyword arguments (instead of, or with, ``example_inputs``).
        optimize: accepted, unused. The ``check_*`` and ``strict`` arguments: accepted, unused.

    Returns:
        ``func`` unchanged.

    Raises:
        RuntimeError: neither ``example_inputs`` nor ``example_kwarg_inputs`` is given.

    Example:
        >>> import tocha
        >>> f = lambda x: x * 2
        >>> tocha.jit.trace(f, tocha.ones(2)) is f
        True
    """
    if example_inputs is None and example_kwarg_inputs is None:
        raise RuntimeError("tocha.jit.trace(): give example_inputs or example_kwarg_inputs to run the function on")
    if not callable(func):
        raise RuntimeError(f"tocha.jit.trace(): expected a function or a module, got {type(func).__name__}")
    func(*_as_args(example_inputs), **(example_kwarg_inputs or {}))
    return func


def trace_module(
    mod: _T,
    inputs: dict[str, Any],
    optimize: Any = None,
    check_trace: bool = True,
    check_inputs: Any = None,
    check_tolerance: float = 1e-5,
    strict: bool = True,
    _force_outplace: bool = False,
    _module_class: Any = None,
    _compilation_unit: Any = None,
    example_inputs_is_kwarg: bool = False,
    _store_inputs: bool = True,
) -> _T:
    """Run each named method of ``mod`` once on its example inputs and return ``mod`` unchanged.

    Args:
        mod: a module.
        inputs: method name -> its example inputs (a tuple, one tensor, or a dict with
            ``example_inputs_is_kwarg=True``).
        example_inputs_is_kwarg: whether the inputs are keyword arguments.

    Returns:
        ``mod`` unchanged.

    Raises:
        AttributeError: ``inputs`` is not a dict.

    Example:
        >>> import tocha
        >>> class Doubler:
        ...     def forward(self, x):
        ...         return x * 2
        >>> m = Doubler()
        >>> tocha.jit.trace_module(m, {"forward": tocha.ones(2)}) is m
        True
    """
    if not builtins.isinstance(inputs, dict):
        raise AttributeError("expected a dictionary of (method_name, input) pairs")
    for name, example in inputs.items():
        method = getattr(mod, name)
        if example_inputs_is_kwarg:
            method(**example)
        else:
            method(*_as_args(example))
    return mod


def ignore(drop: Any = False, **kwargs: Any) -> Any:
    """Leave a function to Python: ``@tocha.jit.ignore`` and ``@tocha.jit.ignore(drop=True)`` return it unchanged.

    Example:
        >>> import tocha
        >>> @tocha.jit.ignore
        ... def f(x):
        ...     return x
        >>> f(1)
        1
    """
    if callable(drop):
        return drop

    def decorator(fn: _F) -> _F:
        return fn

    return decorator


def unused(fn: _F) -> _F:
    """Mark ``fn`` as not compiled: ``fn`` itself.

    Example:
        >>> import tocha
        >>> f = abs
        >>> tocha.jit.unused(f) is f
        True
    """
    return fn


def export(fn: _F) -> _F:
    """Mark a module method as a compilation entry point: ``fn`` itself.

    Example:
        >>> import tocha
        >>> f = abs
        >>> tocha.jit.export(f) is f
        True
    """
    return fn


def interface(obj: _T) -> _T:
    """Declare a TorchScript interface class: ``obj`` itself.

    Example:
        >>> import tocha
        >>> class Proto:
        ...     pass
        >>> tocha.jit.interface(Proto) is Proto
        True
    """
    return obj


def script_if_tracing(fn: _F) -> _F:
    """Compile ``fn`` only when traced: ``fn`` itself.

    Example:
        >>> import tocha
        >>> f = abs
        >>> tocha.jit.script_if_tracing(f) is f
        True
    """
    return fn


def is_scripting() -> bool:
    """Whether the caller runs as TorchScript: always ``False`` in tocha.

    Example:
        >>> import tocha
        >>> tocha.jit.is_scripting()
        False
    """
    return False


def is_tracing() -> bool:
    """Whether the caller runs under ``trace``: always ``False`` (tocha's trace runs plain Python).

    Example:
        >>> import tocha
        >>> tocha.jit.is_tracing()
        False
    """
    return False


def annotate(the_type: Any, the_value: _T) -> _T:
    """Give TorchScript the type of ``the_value``: returns ``the_value``.

    Example:
        >>> import tocha
        >>> tocha.jit.annotate(list[int], [])
        []
    """
    return the_value


def isinstance(obj: Any, target_type: Any) -> bool:
    """``isinstance`` that also checks the contents of ``list[...]``, ``tuple[...]``, ``dict[...]`` and
    ``Optional`` / unions, as ``torch.jit.isinstance`` does in eager mode.

    Args:
        obj: the object to check.
        target_type: a class or a parametrised container type.

    Example:
        >>> import tocha
        >>> tocha.jit.isinstance([1, 2], list[int]), tocha.jit.isinstance([1, "a"], list[int])
        (True, False)
    """
    origin = typing.get_origin(target_type)
    args = typing.get_args(target_type)
    if origin is None:
        if target_type is Any:
            return True
        if target_type is None or target_type is type(None):
            return obj is None
        return builtins.isinstance(obj, target_type)
    if origin is typing.Union or origin is types.UnionType:
        return any(isinstance(obj, arg) for arg in args)
    if origin is list:
        if not builtins.isinstance(obj, list):
            return False
        return all(isinstance(item, args[0]) for item in obj) if args else True
    if origin is tuple:
        if not builtins.isinstance(obj, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(isinstance(item, args[0]) for item in obj)
        return len(args) == len(obj) and all(isinstance(item, arg) for item, arg in zip(obj, args, strict=True))
    if origin is dict:
        if not builtins.isinstance(obj, dict):
            return False
        return all(isinstance(k, args[0]) and isinstance(v, args[1]) for k, v in obj.items()) if args else True
    return builtins.isinstance(obj, origin)


class Attribute(NamedTuple):
    """A module attribute with its TorchScript type; in eager code, as in PyTorch, just the pair.

    Example:
        >>> import tocha
        >>> tocha.jit.Attribute(3, int)
        Attribute(value=3, type=<class 'int'>)
    """

    value: Any
    type: Any


class Future(Generic[_T]):
    """The result of :func:`fork`: already complete, since tocha runs the call at once.

    Example:
        >>> import tocha
        >>> fut = tocha.jit.fork(lambda x: x + 1, 1)
        >>> fut.done(), fut.wait(), tocha.jit.wait(fut)
        (True, 2, 2)
    """

    def __init__(self) -> None:
        self._result: Any = None
        self._exception: BaseException | None = None
        self._done = False
        self._callbacks: list[Callable[[Future[_T]], Any]] = []

    def done(self) -> bool:
        """Whether the result (or an exception) is set."""
        return self._done

    def wait(self) -> _T:
        """The result; raises the exception set with :meth:`set_exception`."""
        if self._exception is not None:
            raise self._exception
        result: _T = self._result
        return result

    def value(self) -> _T:
        """The result, as :meth:`wait`."""
        return self.wait()

    def set_result(self, result: _T) -> None:
        """Complete the future with ``result`` and run the callbacks."""
        self._result, self._done = result, True
        for callback in self._callbacks:
            callback(self)

    def set_exception(self, result: BaseException) -> None:
        """Complete the future with an exception, raised by :meth:`wait`."""
        self._exception, self._done = result, True
        for callback in self._callbacks:
            callback(self)

    def then(self, callback: Callable[[Future[_T]], Any]) -> Future[Any]:
        """A new future completed with ``callback(self)`` once this one is done."""
        chained: Future[Any] = Future()

        def run(fut: Future[_T]) -> None:
            try:
                chained.set_result(callback(fut))
            except Exception as exc:
                chained.set_exception(exc)

        self.add_done_callback(run)
        return chained

    def add_done_callback(self, callback: Callable[[Future[_T]], Any]) -> None:
        """Run ``callback(self)`` when the future is done (now, if it is)."""
        if self._done:
            callback(self)
        else:
            self._callbacks.append(callback)


def fork(func: Callable[..., _T], *args: Any, **kwargs: Any) -> Future[_T]:
    """Run ``func(*args, **kwargs)`` now (as PyTorch does outside TorchScript) and return a completed future.

    Exceptions propagate from ``fork`` itself, as in PyTorch's eager mode.

    Example:
        >>> import tocha
        >>> tocha.jit.wait(tocha.jit.fork(pow, 2, 3))
        8
    """
    future: Future[_T] = Future()
    future.set_result(func(*args, **kwargs))
    return future


def wait(future: Future[_T]) -> _T:
    """The result of a :func:`fork`.

    Example:
        >>> import tocha
        >>> tocha.jit.wait(tocha.jit.fork(len, "abc"))
        3
    """
    return future.wait()


def freeze(mod: _T, preserved_attrs: list[str] | None = None, optimize_numerics: bool = True) -> _T:
    """Inline a scripted module's parameters for inference: ``mod`` itself in tocha.

    Example:
        >>> import tocha
        >>> m = object()
        >>> tocha.jit.freeze(m) is m
        True
    """
    return mod


def optimize_for_inference(mod: _T, other_methods: list[str] | None = None) -> _T:
    """Freeze and optimise a scripted module: ``mod`` itself in tocha.

    Example:
        >>> import tocha
        >>> m = object()
        >>> tocha.jit.optimize_for_inference(m) is m
        True
    """
    return mod


def run_frozen_optimizations(
    mod: Any, optimize_numerics: bool = True, preserved_methods: list[str] | None = None
) -> None:
    """Optimise a frozen module in place: nothing to do in tocha.

    Example:
        >>> import tocha
        >>> tocha.jit.run_frozen_optimizations(object())
    """


_NO_TORCHSCRIPT = (
    "tocha has no TorchScript, so tocha.jit.{op} cannot {what}; save the model's state_dict() with tocha.save "
    "and read it with tocha.load (safetensors layout, no code executed on load)."
)


def save(m: Any, f: Any, _extra_files: Any = None) -> None:
    """Write a TorchScript archive: not possible in tocha.

    Raises:
        NotImplementedError: always; use ``tocha.save(model.state_dict(), path)``.

    Example:
        >>> import tocha
        >>> tocha.jit.save(object(), "model.pt")
        Traceback (most recent call last):
        ...
        NotImplementedError: tocha has no TorchScript, so tocha.jit.save cannot write a TorchScript archive; ...
    """
    raise NotImplementedError(_NO_TORCHSCRIPT.format(op="save", what="write a TorchScript archive"))


def load(f: Any, map_location: Any = None, _extra_files: Any = None) -> Any:
    """Read a TorchScript archive: not possible in tocha.

    Raises:
        NotImplementedError: always; use ``model.load_state_dict(tocha.load(path))``.

    Example:
        >>> import tocha
        >>> tocha.jit.load("model.pt")
        Traceback (most recent call last):
        ...
        NotImplementedError: tocha has no TorchScript, so tocha.jit.load cannot read a TorchScript archive; ...
    """
    raise NotImplementedError(_NO_TORCHSCRIPT.format(op="load", what="read a TorchScript archive"))


class ScriptModule:
    """PyTorch's compiled-module type. tocha never makes one (``script`` returns the module), so
    ``isinstance(m, tocha.jit.ScriptModule)`` is ``False``.

    Raises:
        NotImplementedError: on construction.

    Example:
        >>> import tocha
        >>> isinstance(object(), tocha.jit.ScriptModule)
        False
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(
            "tocha has no TorchScript: subclass tocha.nn.Module instead of tocha.jit.ScriptModule"
        )


class ScriptFunction:
    """PyTorch's compiled-function type. tocha never makes one (``script`` returns the function).

    Raises:
        NotImplementedError: on construction.

    Example:
        >>> import tocha
        >>> isinstance(abs, tocha.jit.ScriptFunction)
        False
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("tocha has no TorchScript functions: tocha.jit.script returns its argument")


class Error(Exception):
    """The exception TorchScript raises for ``raise`` statements in compiled code (never raised by tocha)."""


_onednn_fusion = [False]
_fusion_strategy: list[list[tuple[str, int]]] = [[("STATIC", 2), ("DYNAMIC", 10)]]


def enable_onednn_fusion(enabled: bool) -> None:
    """Turn oneDNN graph fusion on or off for TorchScript (stored; tocha has none).

    Example:
        >>> import tocha
        >>> tocha.jit.enable_onednn_fusion(False)
        >>> tocha.jit.onednn_fusion_enabled()
        False
    """
    _onednn_fusion[0] = bool(enabled)


def onednn_fusion_enabled() -> bool:
    """Whether :func:`enable_onednn_fusion` was turned on.

    Example:
        >>> import tocha
        >>> tocha.jit.onednn_fusion_enabled()
        False
    """
    return _onednn_fusion[0]


def set_fusion_strategy(strategy: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Set TorchScript's fusion strategy (stored; tocha fuses nothing) and return the previous one.

    Example:
        >>> import tocha
        >>> old = tocha.jit.set_fusion_strategy([("STATIC", 2)])
        >>> old
        [('STATIC', 2), ('DYNAMIC', 10)]
        >>> _ = tocha.jit.set_fusion_strategy(old)
    """
    previous = _fusion_strategy[0]
    _fusion_strategy[0] = list(strategy)
    return previous


class strict_fusion:
    """Context manager asking TorchScript to fuse its whole block: does nothing in tocha.

    Example:
        >>> import tocha
        >>> with tocha.jit.strict_fusion():
        ...     pass
    """

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


@contextlib.contextmanager
def optimized_execution(should_optimize: bool) -> Iterator[None]:
    """Context manager turning TorchScript's optimisations on or off: does nothing in tocha.

    Example:
        >>> import tocha
        >>> with tocha.jit.optimized_execution(False):
        ...     pass
    """
    yield
