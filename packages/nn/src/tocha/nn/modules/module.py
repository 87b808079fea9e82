"""``Module``: the base class of every layer and model.

NOTE [ Module call ]
``module(*args)`` runs ``Module.__call__``. With no hooks on the module and no global module hooks,
it calls ``forward`` inside a ``try`` (free on Python 3.11+) and nothing else. Otherwise the slow
path runs PyTorch's sequence: forward pre-hooks (global first, then the module's; ``with_kwargs``
hooks see and may replace ``(args, kwargs)``), identity autograd Functions around the inputs when
full backward hooks are registered, ``forward``, forward hooks (``always_call`` hooks run even when
``forward`` raises), and the identity Function around the outputs that calls the backward pre-hooks
and remembers ``grad_output`` for the backward hooks (:class:`BackwardHook`).

NOTE [ Module path in errors ]
A ``RuntimeError``/``ValueError``/``TypeError``/``IndexError`` with one string argument that leaves a
module's ``forward`` is rewritten on its way out of every ``__call__`` it crosses, so that the user sees
``"<dotted path> (<one-line repr>): <original message>"`` with the path of the innermost module relative
to the outermost one called (``"classifier.0 (Linear(in_features=3200, out_features=128, bias=True)): mat1
and mat2 shapes cannot be multiplied (64x3136 and 3200x128)"``). The exception keeps its type and its
traceback; the original message, the innermost module, the path so far and the last module crossed are
kept on the exception (``_tocha_module_path``), so each level recomputes the text from the original.
Nothing is pushed or recorded on the normal path.

Example:
    >>> import tocha
    >>> from tocha.nn import Module, Parameter
    >>> class Scale(Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.weight = Parameter(tocha.ones(2))
    ...     def forward(self, x):
    ...         return x * self.weight
    >>> [name for name, _ in Scale().named_parameters()]
    ['weight']
"""

from __future__ import annotations

import contextlib
import warnings
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

import tocha
from tocha.autograd import Function
from tocha.utils.hooks import RemovableHandle as RemovableHandle

from ..parameter import Buffer, Parameter, is_lazy

__all__ = ["Module"]

ModuleT = TypeVar("ModuleT", bound="Module")

_PATH_ERRORS = (RuntimeError, ValueError, TypeError, IndexError)


# ---------------------------------------------------------------------------------------------- hooks


_global_forward_pre_hooks: OrderedDict[int, Callable[..., Any]] = OrderedDict()
_global_forward_hooks: OrderedDict[int, Callable[..., Any]] = OrderedDict()
_global_forward_hooks_always_called: OrderedDict[int, bool] = OrderedDict()
_global_forward_hooks_with_kwargs: OrderedDict[int, bool] = OrderedDict()
_global_backward_pre_hooks: OrderedDict[int, Callable[..., Any]] = OrderedDict()
_global_backward_hooks: OrderedDict[int, Callable[..., Any]] = OrderedDict()


def register_module_forward_pre_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """Register ``hook(module, args)`` to run before the forward of every module (global, for debugging)."""
    handle = RemovableHandle(_global_forward_pre_hooks)
    _global_forward_pre_hooks[handle.id] = hook
    return handle


def register_module_forward_hook(
    hook: Callable[..., Any], *, with_kwargs: bool = False, always_call: bool = False
) -> RemovableHandle:
    """Register ``hook(module, args, output)`` to run after the forward of every module (global)."""
    handle = RemovableHandle(
        _global_forward_hooks, extra_dict=[_global_forward_hooks_always_called, _global_forward_hooks_with_kwargs]
    )
    _global_forward_hooks[handle.id] = hook
    if with_kwargs:
        _global_forward_hooks_with_kwargs[handle.id] = True
    if always_call:
        _global_forward_hooks_always_called[handle.id] = True
    return handle


def register_module_full_backward_pre_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """Register ``hook(module, grad_output)`` for every module, run when output gradients are known (global)."""
    handle = RemovableHandle(_global_backward_pre_hooks)
    _global_backward_pre_hooks[handle.id] = hook
    return handle


def register_module_full_backward_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """Register ``hook(module, grad_input, grad_output)`` for every module (global)."""
    handle = RemovableHandle(_global_backward_hooks)
    _global_backward_hooks[handle.id] = hook
    return handle


class _BackwardHookFunction(Function):
    """Identity on the tensors it wraps; its backward calls the module's backward (pre-)hooks."""

    @staticmethod
    def forward(ctx: Any, state: BackwardHook, is_output: bool, *tensors: Any) -> Any:
        ctx.set_materialize_grads(False)
        ctx.hook_state = state
        ctx.is_output = is_output
        return tensors

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> Any:
        state: BackwardHook = ctx.hook_state
        new = state._on_output_grads(grads) if ctx.is_output else state._on_input_grads(grads)
        return (None, None, *new)


class BackwardHook:
    """Runs a module's full backward hooks and backward pre-hooks for one call of the module.

    ``setup_input_hook`` wraps the inputs that require grad and ``setup_output_hook`` the outputs in an
    identity :class:`~tocha.autograd.Function`; their backward passes see the gradients with respect to
    the module's outputs (pre-hooks, which may replace them) and then its inputs (hooks, which may replace
    them).

    Example:
        >>> import tocha
        >>> from tocha.nn.modules.module import BackwardHook
        >>> m = tocha.nn.Module()
        >>> seen = []
        >>> hooks = BackwardHook(m, [lambda mod, gi, go: seen.append((gi, go))], [])
        >>> x = tocha.ones(1, requires_grad=True)
        >>> (x_in,) = hooks.setup_input_hook((x,))
        >>> y = hooks.setup_output_hook(x_in * 3)
        >>> y.sum().backward()
        >>> seen
        [((tensor([3.]),), (tensor([1.]),))]
    """

    def __init__(self, module: Module, user_hooks: list[Any], user_pre_hooks: list[Any]) -> None:
        self.module = module
        self.user_hooks = user_hooks
        self.user_pre_hooks = user_pre_hooks
        self.grad_outputs: tuple[Any, ...] | None = None
        self.n_inputs = 0
        self.input_positions: list[int] = []
        self.n_outputs = 0
        self.output_positions: list[int] = []
        self.input_hooked = False

    def setup_input_hook(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """Wrap the tensor arguments that require grad; return the new arguments."""
        positions = [i for i, a in enumerate(args) if isinstance(a, tocha.Tensor)]
        self.n_inputs = len(positions)
        wrap = [i for i in positions if args[i].requires_grad]
        if not wrap or not tocha.is_grad_enabled() or not self.user_hooks:
            return args
        self.input_hooked = True
        self.input_positions = [positions.index(i) for i in wrap]
        outs = _BackwardHookFunction.apply(self, False, *(args[i] for i in wrap))
        new = list(args)
        for i, o in zip(wrap, outs, strict=True):
            new[i] = o
        return tuple(new)

    def setup_output_hook(self, result: Any) -> Any:
        """Wrap the tensor outputs that require grad; return the new result."""
        single = isinstance(result, tocha.Tensor)
        items = [result] if single else list(result) if isinstance(result, tuple) else None
        if items is None:
            return result
        positions = [i for i, a in enumerate(items) if isinstance(a, tocha.Tensor)]
        self.n_outputs = len(positions)
        wrap = [i for i in positions if items[i].requires_grad]
        if not wrap or not tocha.is_grad_enabled():
            return result
        self.output_positions = [positions.index(i) for i in wrap]
        outs = _BackwardHookFunction.apply(self, True, *(items[i] for i in wrap))
        for i, o in zip(wrap, outs, strict=True):
            items[i] = o
        return items[0] if single else type(result)(items) if type(result) is tuple else tuple(items)

    def _on_output_grads(self, grads: tuple[Any, ...]) -> tuple[Any, ...]:
        full: list[Any] = [None] * self.n_outputs
        for k, g in zip(self.output_positions, grads, strict=True):
            full[k] = g
        grad_outputs = tuple(full)
        for hook in self.user_pre_hooks:
            out = hook(self.module, grad_outputs)
            if out is None:
                continue
            out = out if isinstance(out, tuple) else (out,)
            if len(out) != len(grad_outputs):
                raise RuntimeError(
                    f"Backward pre hook returned an invalid number of grad_output, got {len(out)}, "
                    f"but expected {len(grad_outputs)}"
                )
            grad_outputs = out
        if self.input_hooked:
            self.grad_outputs = grad_outputs
        elif self.user_hooks:
            warnings.warn(
                "Full backward hook is firing when gradients are computed with respect to module outputs since no "
                "inputs require gradients. See https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
                "#torch.nn.Module.register_full_backward_hook for more details.",
                stacklevel=2,
            )
            grad_inputs: tuple[Any, ...] = (None,) * self.n_inputs
            for hook in self.user_hooks:
                res = hook(self.module, grad_inputs, grad_outputs)
                if res is not None and not all(r is None for r in res):
                    raise RuntimeError(
                        "Backward hook for Modules where no input requires gradient should always return None "
                        "or None for all gradients."
                    )
        return tuple(grad_outputs[k] for k in self.output_positions)

    def _on_input_grads(self, grads: tuple[Any, ...]) -> tuple[Any, ...]:
        full: list[Any] = [None] * self.n_inputs
        for k, g in zip(self.input_positions, grads, strict=True):
            full[k] = g
        grad_inputs = tuple(full)
        grad_outputs = self.grad_outputs if self.grad_outputs is not None else (None,) * self.n_outputs
        for hook in self.user_hooks:
            out = hook(self.module, grad_inputs, grad_outputs)
            if out is None:
                continue
            out = out if isinstance(out, tuple) else (out,)
            if len(out) != len(grad_inputs):
                raise RuntimeError(
                    f"Backward hook returned an invalid number of grad_input, got {len(out)}, "
                    f"but expected {len(grad_inputs)}"
                )
            grad_inputs = out
        self.grad_outputs = None
        return tuple(grad_inputs[k] for k in self.input_positions)


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: the missing and the unexpected keys."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _forward_unimplemented(self: Module, *args: Any, **kwargs: Any) -> Any:
    """The computation; every subclass defines it. Call the module (``module(x)``), not ``forward``."""
    raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')


# ---------------------------------------------------------------------------------------------- Module


class Module:
    """Base class of all layers and models, as ``torch.nn.Module``.

    Subclasses call ``super().__init__()`` first, assign parameters, buffers and
    submodules as attributes, and define ``forward``.

    Example:
        >>> import tocha
        >>> m = tocha.nn.Module()
        >>> m.training
        True
    """

    dump_patches: bool = False
    _version: int = 1
    call_super_init: bool = False

    training: bool
    _parameters: dict[str, Parameter | None]
    _buffers: dict[str, tocha.Tensor | None]
    _non_persistent_buffers_set: set[str]
    _modules: dict[str, Module | None]
    _forward_hooks: OrderedDict[int, Callable[..., Any]]
    _forward_hooks_with_kwargs: OrderedDict[int, bool]
    _forward_hooks_always_called: OrderedDict[int, bool]
    _forward_pre_hooks: OrderedDict[int, Callable[..., Any]]
    _forward_pre_hooks_with_kwargs: OrderedDict[int, bool]
    _backward_hooks: OrderedDict[int, Callable[..., Any]]
    _backward_pre_hooks: OrderedDict[int, Callable[..., Any]]
    _is_full_backward_hook: bool | None
    _state_dict_hooks: OrderedDict[int, Callable[..., Any]]
    _state_dict_pre_hooks: OrderedDict[int, Callable[..., Any]]
    _load_state_dict_pre_hooks: OrderedDict[int, Callable[..., Any]]
    _load_state_dict_post_hooks: OrderedDict[int, Callable[..., Any]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if not self.call_super_init and kwargs:
            raise TypeError(
                f"{type(self).__name__}.__init__() got an unexpected keyword argument '{next(iter(kwargs))}'"
            )
        if not self.call_super_init and args:
            raise TypeError(
                f"{type(self).__name__}.__init__() takes 1 positional argument but {len(args) + 1} were given"
            )
        self.__dict__.update(
            training=True,
            _parameters={},
            _buffers={},
            _non_persistent_buffers_set=set(),
            _modules={},
            _forward_hooks=OrderedDict(),
            _forward_hooks_with_kwargs=OrderedDict(),
            _forward_hooks_always_called=OrderedDict(),
            _forward_pre_hooks=OrderedDict(),
            _forward_pre_hooks_with_kwargs=OrderedDict(),
            _backward_hooks=OrderedDict(),
            _backward_pre_hooks=OrderedDict(),
            _is_full_backward_hook=None,
            _state_dict_hooks=OrderedDict(),
            _state_dict_pre_hooks=OrderedDict(),
            _load_state_dict_pre_hooks=OrderedDict(),
            _load_state_dict_post_hooks=OrderedDict(),
        )
        if self.call_super_init:
            super().__init__(*args, **kwargs)

    forward: Callable[..., Any] = _forward_unimplemented

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if (
            self._forward_pre_hooks
            or self._forward_hooks
            or self._backward_hooks
            or self._backward_pre_hooks
            or _global_forward_pre_hooks
            or _global_forward_hooks
            or _global_backward_hooks
            or _global_backward_pre_hooks
        ):
            return self._call_with_hooks(args, kwargs)
        try:
            return self.forward(*args, **kwargs)
        except _PATH_ERRORS as exc:
            _note_module_error(exc, self)
            raise

    _call_impl = __call__

    def _call_with_hooks(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """The slow path of ``__call__`` (NOTE [ Module call ])."""
        backward_pre_hooks = [*_global_backward_pre_hooks.values(), *self._backward_pre_hooks.values()]
        full_backward_hooks: list[Any] = []
        non_full_backward_hooks: list[Any] = []
        if self._is_full_backward_hook is False:
            non_full_backward_hooks = list(self._backward_hooks.values())
        else:
            full_backward_hooks = list(self._backward_hooks.values())
        full_backward_hooks = [*_global_backward_hooks.values(), *full_backward_hooks]
        called_always: set[int] = set()
        result: Any = None
        try:
            for hook_id, hook in (*_global_forward_pre_hooks.items(), *self._forward_pre_hooks.items()):
                if hook_id in self._forward_pre_hooks_with_kwargs:
                    out = hook(self, args, kwargs)
                    if out is not None:
                        if isinstance(out, tuple) and len(out) == 2:
                            args, kwargs = out
                        else:
                            raise RuntimeError(
                                "forward pre-hook must return None or a tuple of (new_args, new_kwargs), "
                                f"but got {out}."
                            )
                else:
                    out = hook(self, args)
                    if out is not None:
                        args = out if isinstance(out, tuple) else (out,)
            bw_hook = None
            if full_backward_hooks or backward_pre_hooks:
                bw_hook = BackwardHook(self, full_backward_hooks, backward_pre_hooks)
                args = bw_hook.setup_input_hook(args)
            result = self.forward(*args, **kwargs)
            for hook_id, hook in (*_global_forward_hooks.items(), *self._forward_hooks.items()):
                if hook_id in self._forward_hooks_always_called or hook_id in _global_forward_hooks_always_called:
                    called_always.add(hook_id)
                if hook_id in self._forward_hooks_with_kwargs or hook_id in _global_forward_hooks_with_kwargs:
                    out = hook(self, args, kwargs, result)
                else:
                    out = hook(self, args, result)
                if out is not None:
                    result = out
            if bw_hook is not None:
                if not isinstance(result, (tocha.Tensor, tuple)):
                    warnings.warn(
                        "For backward hooks to be called, module output should be a Tensor or a tuple of Tensors "
                        f"but received {type(result)}",
                        stacklevel=2,
                    )
                result = bw_hook.setup_output_hook(result)
            if non_full_backward_hooks:
                _attach_non_full_backward_hooks(self, result, non_full_backward_hooks)
            return result
        except Exception as exc:
            for hook_id, hook in (*_global_forward_hooks.items(), *self._forward_hooks.items()):
                always = hook_id in self._forward_hooks_always_called or hook_id in _global_forward_hooks_always_called
                if not always or hook_id in called_always:
                    continue
                try:
                    if hook_id in self._forward_hooks_with_kwargs or hook_id in _global_forward_hooks_with_kwargs:
                        out = hook(self, args, kwargs, result)
                    else:
                        out = hook(self, args, result)
                    if out is not None:
                        result = out
                except Exception as hook_exc:
                    warnings.warn(
                        "module forward hook with ``always_call=True`` raised an exception that was silenced as "
                        f"another error was raised in forward: {hook_exc}",
                        stacklevel=2,
                    )
            if isinstance(exc, _PATH_ERRORS):
                _note_module_error(exc, self)
            raise

    # ------------------------------------------------------------ hook registration

    def register_forward_pre_hook(
        self, hook: Callable[..., Any], *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """Register ``hook(module, args)`` (or ``hook(module, args, kwargs)`` with ``with_kwargs``) to run before
        ``forward``; it may return new args (or a new ``(args, kwargs)`` pair).

        Example:
            >>> import tocha
            >>> class Id(tocha.nn.Module):
            ...     def forward(self, x):
            ...         return x
            >>> m = Id()
            >>> h = m.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
            >>> m(tocha.tensor([1.0]))
            tensor([2.])
            >>> h.remove()
        """
        handle = RemovableHandle(self._forward_pre_hooks, extra_dict=self._forward_pre_hooks_with_kwargs)
        self._forward_pre_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs[handle.id] = True
        if prepend:
            self._forward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_hook(
        self,
        hook: Callable[..., Any],
        *,
        prepend: bool = False,
        with_kwargs: bool = False,
        always_call: bool = False,
    ) -> RemovableHandle:
        """Register ``hook(module, args, output)`` (``hook(module, args, kwargs, output)`` with ``with_kwargs``)
        to run after ``forward``; a non-None return value replaces the output. ``always_call`` hooks also run
        when ``forward`` raises.

        Example:
            >>> import tocha
            >>> class Id(tocha.nn.Module):
            ...     def forward(self, x):
            ...         return x
            >>> m = Id()
            >>> h = m.register_forward_hook(lambda mod, args, out: out + 1)
            >>> m(tocha.tensor([1.0]))
            tensor([2.])
        """
        handle = RemovableHandle(
            self._forward_hooks, extra_dict=[self._forward_hooks_with_kwargs, self._forward_hooks_always_called]
        )
        self._forward_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_hooks_with_kwargs[handle.id] = True
        if always_call:
            self._forward_hooks_always_called[handle.id] = True
        if prepend:
            self._forward_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_full_backward_pre_hook(self, hook: Callable[..., Any], prepend: bool = False) -> RemovableHandle:
        """Register ``hook(module, grad_output)``, run when the gradients of the module's outputs are known; it
        may return new ``grad_output``.

        Example:
            >>> import tocha
            >>> class Id(tocha.nn.Module):
            ...     def forward(self, x):
            ...         return x * 1
            >>> m = Id()
            >>> h = m.register_full_backward_pre_hook(lambda mod, g: (g[0] * 10,))
            >>> x = tocha.ones(2, requires_grad=True)
            >>> m(x).sum().backward()
            >>> x.grad
            tensor([10., 10.])
        """
        handle = RemovableHandle(self._backward_pre_hooks)
        self._backward_pre_hooks[handle.id] = hook
        if prepend:
            self._backward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_full_backward_hook(self, hook: Callable[..., Any], prepend: bool = False) -> RemovableHandle:
        """Register ``hook(module, grad_input, grad_output)``, run when the gradients of the module's inputs are
        known; it may return new ``grad_input``.

        Example:
            >>> import tocha
            >>> class Double(tocha.nn.Module):
            ...     def forward(self, x):
            ...         return x * 2
            >>> m = Double()
            >>> seen = []
            >>> h = m.register_full_backward_hook(lambda mod, gi, go: seen.append((gi[0], go[0])))
            >>> x = tocha.ones(1, requires_grad=True)
            >>> m(x).sum().backward()
            >>> seen
            [(tensor([2.]), tensor([1.]))]
        """
        if self._is_full_backward_hook is False:
            raise RuntimeError(
                "Cannot use both regular backward hooks and full backward hooks on a single Module. Please use "
                "only one of them."
            )
        self._is_full_backward_hook = True
        handle = RemovableHandle(self._backward_hooks)
        self._backward_hooks[handle.id] = hook
        if prepend:
            self._backward_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_backward_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Deprecated: a hook on the ``grad_fn`` of the module's output; use :meth:`register_full_backward_hook`."""
        if self._is_full_backward_hook is True:
            raise RuntimeError(
                "Cannot use both regular backward hooks and full backward hooks on a single Module. Please use "
                "only one of them."
            )
        self._is_full_backward_hook = False
        handle = RemovableHandle(self._backward_hooks)
        self._backward_hooks[handle.id] = hook
        return handle

    def _register_state_dict_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """``hook(module, state_dict, prefix, local_metadata)`` after ``state_dict``; may return a new dict."""
        handle = RemovableHandle(self._state_dict_hooks)
        self._state_dict_hooks[handle.id] = hook
        return handle

    def register_state_dict_post_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Register ``hook(module, state_dict, prefix, local_metadata)``, run after ``state_dict`` filled this
        module's entries; it edits ``state_dict`` in place and returns None.

        Example:
            >>> import tocha
            >>> m = tocha.nn.Module()
            >>> m.register_buffer("b", tocha.zeros(1))
            >>> def drop(mod, sd, prefix, meta):
            ...     del sd[prefix + "b"]
            >>> h = m.register_state_dict_post_hook(drop)
            >>> list(m.state_dict())
            []
        """
        handle = RemovableHandle(self._state_dict_hooks)
        self._state_dict_hooks[handle.id] = _PublicStateDictHook(hook)
        return handle

    def register_state_dict_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Register ``hook(module, prefix, keep_vars)``, run before ``state_dict`` collects this module's entries.

        Example:
            >>> import tocha
            >>> m = tocha.nn.Module()
            >>> calls = []
            >>> h = m.register_state_dict_pre_hook(lambda mod, prefix, keep_vars: calls.append(prefix))
            >>> _ = m.state_dict(prefix="net.")
            >>> calls
            ['net.']
        """
        handle = RemovableHandle(self._state_dict_pre_hooks)
        self._state_dict_pre_hooks[handle.id] = hook
        return handle

    def _register_load_state_dict_pre_hook(
        self, hook: Callable[..., Any], with_module: bool = False
    ) -> RemovableHandle:
        """``hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs)`` (with
        the module first when ``with_module``), run before this module loads its entries."""
        handle = RemovableHandle(self._load_state_dict_pre_hooks)
        self._load_state_dict_pre_hooks[handle.id] = _WithModule(hook, self) if with_module else hook
        return handle

    def register_load_state_dict_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Register ``hook(module, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
        error_msgs)``, run before this module loads its entries (it may edit ``state_dict``).

        Example:
            >>> import tocha
            >>> m = tocha.nn.Module()
            >>> m.register_buffer("b", tocha.zeros(1))
            >>> def rename(mod, sd, prefix, *rest):
            ...     if prefix + "old" in sd:
            ...         sd[prefix + "b"] = sd.pop(prefix + "old")
            >>> h = m.register_load_state_dict_pre_hook(rename)
            >>> m.load_state_dict({"old": tocha.ones(1)})
            <All keys matched successfully>
            >>> m.b
            tensor([1.])
        """
        return self._register_load_state_dict_pre_hook(hook, with_module=True)

    def register_load_state_dict_post_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Register ``hook(module, incompatible_keys)``, run after ``load_state_dict`` loaded this module; it may
        clear entries of ``incompatible_keys.missing_keys`` / ``unexpected_keys`` in place, and returns None.

        Example:
            >>> import tocha
            >>> m = tocha.nn.Module()
            >>> h = m.register_load_state_dict_post_hook(lambda mod, keys: keys.unexpected_keys.clear())
            >>> m.load_state_dict({"junk": tocha.zeros(1)})
            <All keys matched successfully>
        """
        handle = RemovableHandle(self._load_state_dict_post_hooks)
        self._load_state_dict_post_hooks[handle.id] = hook
        return handle

    # ------------------------------------------------------------ registration

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or a ``None`` placeholder) under ``name``.

        Example:
            >>> import tocha
            >>> m = tocha.nn.Module()
            >>> m.register_parameter("w", tocha.nn.Parameter(tocha.zeros(2)))
            >>> list(dict(m.named_parameters()))
            ['w']
        """
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        _check_name("parameter", name)
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{type(param).__module__}.{type(param).__name__}' object to parameter '{name}' "
                "(tocha.nn.Parameter or None required)"
            )
        if param is not None and param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be created "
                f"explicitly. To express '{name}' as a function of another Tensor, compute the value in the "
                "forward() method."
            )
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: tocha.Tensor | None, persistent: bool = True) -> None:
        """Add a buffer: non-parameter state (running statistics...); ``state_dict`` holds it if persistent.

        Example:
            >>> import tocha
            >>> m = tocha.nn.Module()
            >>> m.register_buffer("running", tocha.zeros(2))
            >>> m.register_buffer("scratch", tocha.zeros(2), persistent=False)
            >>> list(m.state_dict()), [n for n, _ in m.named_buffers()]
            (['running'], ['running', 'scratch'])
        """
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        _check_name("buffer", name)
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, tocha.Tensor):
            raise TypeError(
                f"cannot assign '{type(tensor).__module__}.{type(tensor).__name__}' object to buffer '{name}' "
                "(tocha Tensor or None required)"
            )
        if isinstance(tensor, Buffer):
            persistent = tensor.persistent
            tensor = tocha.Tensor(tensor)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module under ``name``.

        Example:
            >>> import tocha
            >>> m = tocha.nn.Module()
            >>> m.add_module("child", tocha.nn.Module())
            >>> [n for n, _ in m.named_children()]
            ['child']
        """
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__module__}.{type(module).__name__} is not a Module subclass")
        _check_name("module", name)
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        self._modules[name] = module

    def register_module(self, name: str, module: Module | None) -> None:
        """Alias of :meth:`add_module`."""
        self.add_module(name, module)

    def get_submodule(self, target: str) -> Module:
        """The submodule at dotted path ``target`` (``""`` is this module).

        Raises:
            AttributeError: a name on the path does not exist or is not a module.

        Example:
            >>> import tocha
            >>> m = tocha.nn.Module()
            >>> m.add_module("a", tocha.nn.Module())
            >>> m.a.add_module("b", tocha.nn.Module())
            >>> m.get_submodule("a.b") is m.a.b
            True
        """
        if target == "":
            return self
        mod: Module = self
        for item in target.split("."):
            if not hasattr(mod, item):
                raise AttributeError(mod._get_name() + " has no attribute `" + item + "`")
            nxt = getattr(mod, item)
            if not isinstance(nxt, Module):
                raise AttributeError("`" + item + "` is not an nn.Module")
            mod = nxt
        return mod

    def set_submodule(self, target: str, module: Module, strict: bool = False) -> None:
        """Put ``module`` at dotted path ``target``; with ``strict`` the submodule must already exist.

        Example:
            >>> import tocha
            >>> m = tocha.nn.Module()
            >>> m.add_module("a", tocha.nn.Module())
            >>> m.set_submodule("a.b", tocha.nn.Module())
            >>> [n for n, _ in m.named_modules()]
            ['', 'a', 'a.b']
        """
        if target == "":
            raise ValueError("Cannot set the submodule without a target name!")
        *path, name = target.split(".")
        if not isinstance(module, Module):
            raise ValueError("`module` is not an nn.Module, found " + str(type(module)))
        parent = self.get_submodule(".".join(path))
        if strict and not hasattr(parent, name):
            raise AttributeError(parent._get_name() + " has no attribute `" + name + "`")
        if hasattr(parent, name) and not isinstance(getattr(parent, name), Module):
            raise AttributeError("`" + name + "` is not an nn.Module")
        setattr(parent, name, module)

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at dotted path ``target``.

        Example:
            >>> import tocha
            >>> m = tocha.nn.Module()
            >>> m.w = tocha.nn.Parameter(tocha.zeros(1))
            >>> m.get_parameter("w") is m.w
            True
        """
        module_path, _, param_name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if not hasattr(mod, param_name):
            raise AttributeError(mod._get_name() + " has no attribute `" + param_name + "`")
        param = getattr(mod, param_name)
        if not isinstance(param, Parameter):
            raise AttributeError("`" + param_name + "` is not an nn.Parameter")
        return param

    def get_buffer(self, target: str) -> tocha.Tensor:
        """The buffer at dotted path ``target``.

        Example:
            >>> import tocha
            >>> m = tocha.nn.Module()
            >>> m.register_buffer("b", tocha.zeros(1))
            >>> m.get_buffer("b") is m.b
            True
        """
        module_path, _, buffer_name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if not hasattr(mod, buffer_name):
            raise AttributeError(mod._get_name() + " has no attribute `" + buffer_name + "`")
        if buffer_name not in mod._buffers:
            raise AttributeError("`" + buffer_name + "` is not a buffer")
        buf = mod._buffers[buffer_name]
        assert buf is not None
        return buf

    def get_extra_state(self) -> Any:
        """Extra state for ``state_dict`` (key ``_extra_state``); override together with :meth:`set_extra_state`."""
        raise RuntimeError(
            "Reached a code path in Module.get_extra_state() that should never be called. Please file an issue at "
            "https://github.com/pytorch/pytorch/issues/new?template=bug-report.yml to report this bug."
        )

    def set_extra_state(self, state: Any) -> None:
        """Restore what :meth:`get_extra_state` returned."""
        raise RuntimeError(
            "Reached a code path in Module.set_extra_state() that should never be called. Please file an issue at "
            "https://github.com/pytorch/pytorch/issues/new?template=bug-report.yml to report this bug."
        )

    def __setattr__(self, name: str, value: Any) -> None:
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            _remove_from(self, name, keep="_parameters")
            self.register_parameter(name, value)
            return
        if params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__module__}.{type(value).__name__}' as parameter '{name}' "
                    "(tocha.nn.Parameter or None expected)"
                )
            self.register_parameter(name, value)
            return
        modules = self.__dict__.get("_modules")
        if isinstance(value, Module):
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            _remove_from(self, name, keep="_modules")
            modules[name] = value
            return
        if modules is not None and name in modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__module__}.{type(value).__name__}' as child module '{name}' "
                    "(tocha.nn.Module or None expected)"
                )
            modules[name] = value
            return
        buffers = self.__dict__.get("_buffers")
        if isinstance(value, Buffer) or (buffers is not None and name in buffers):
            if value is not None and not isinstance(value, tocha.Tensor):
                raise TypeError(
                    f"cannot assign '{type(value).__module__}.{type(value).__name__}' as buffer '{name}' "
                    "(tocha.Tensor or None expected)"
                )
            if isinstance(value, Buffer):
                _remove_from(self, name, keep="_buffers")
                self.register_buffer(name, value)
            else:
                assert buffers is not None
                buffers[name] = value
            return
        object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        if "_parameters" in d and name in d["_parameters"]:
            return d["_parameters"][name]
        if "_buffers" in d and name in d["_buffers"]:
            return d["_buffers"][name]
        if "_modules" in d and name in d["_modules"]:
            return d["_modules"][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        d = self.__dict__
        for table in (d["_parameters"], d["_buffers"], d["_modules"]):
            if name in table:
                del table[name]
                d["_non_persistent_buffers_set"].discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        keys = [*super().__dir__(), *self._parameters, *self._buffers, *self._modules]
        return sorted(k for k in set(keys) if not k[0].isdigit())

    def __getstate__(self) -> dict[str, Any]:
        return self.__dict__.copy()

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        for name in (
            "_forward_hooks",
            "_forward_hooks_with_kwargs",
            "_forward_hooks_always_called",
            "_forward_pre_hooks",
            "_forward_pre_hooks_with_kwargs",
            "_backward_hooks",
            "_backward_pre_hooks",
            "_state_dict_hooks",
            "_state_dict_pre_hooks",
            "_load_state_dict_pre_hooks",
            "_load_state_dict_post_hooks",
        ):
            if name not in self.__dict__:
                self.__dict__[name] = OrderedDict()
        self.__dict__.setdefault("_non_persistent_buffers_set", set())
        self.__dict__.setdefault("_is_full_backward_hook", None)

    # ------------------------------------------------------------ iteration

    def _named_members(
        self,
        get_members: Callable[[Module], Any],
        prefix: str = "",
        recurse: bool = True,
        remove_duplicate: bool = True,
    ) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in get_members(module).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                if remove_duplicate:
                    seen.add(id(value))
                yield (module_prefix + ("." if module_prefix else "") + name, value)

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """``(name, parameter)`` pairs, dotted names, each parameter once unless ``remove_duplicate=False``.

        Example:
            >>> import tocha
            >>> m = tocha.nn.Module()
            >>> m.w = tocha.nn.Parameter(tocha.zeros(1))
            >>> [n for n, _ in m.named_parameters(prefix="net")]
            ['net.w']
        """
        return self._named_members(lambda m: m._parameters, prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """The parameters of this module and (with ``recurse``) its descendants."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, tocha.Tensor]]:
        """``(name, buffer)`` pairs, dotted names."""
        return self._named_members(lambda m: m._buffers, prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[tocha.Tensor]:
        """The buffers of this module and (with ``recurse``) its descendants."""
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """``(name, child)`` for each direct child module, each child once."""
        seen: set[int] = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self) -> Iterator[Module]:
        """The direct child modules."""
        for _, module in self.named_children():
            yield module

    def named_modules(
        self, memo: set[Module] | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """``(dotted name, module)`` for this module and every descendant, depth first.

        Example:
            >>> import tocha
            >>> m = tocha.nn.Module()
            >>> m.add_module("a", tocha.nn.Module())
            >>> [n for n, _ in m.named_modules()]
            ['', 'a']
        """
        if memo is None:
            memo = set()
        if remove_duplicate:
            if self in memo:
                return
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            yield from module.named_modules(memo, prefix + ("." if prefix else "") + name, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        """This module and every descendant, each once."""
        for _, module in self.named_modules():
            yield module

    # ------------------------------------------------------------ modes and conversion

    def train(self: ModuleT, mode: bool = True) -> ModuleT:
        """Set training mode on this module and its descendants (dropout, batch norm...)."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self: ModuleT) -> ModuleT:
        """Set evaluation mode: ``train(False)``."""
        return self.train(False)

    def requires_grad_(self: ModuleT, requires_grad: bool = True) -> ModuleT:
        """Set ``requires_grad`` on every parameter."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of every parameter (to None, or in place to zeros with ``set_to_none=False``).

        Example:
            >>> import tocha
            >>> m = tocha.nn.Module()
            >>> m.w = tocha.nn.Parameter(tocha.ones(2))
            >>> (m.w * 3).sum().backward()
            >>> m.zero_grad(set_to_none=False)
            >>> m.w.grad
            tensor([0., 0.])
        """
        for p in self.parameters():
            grad = p.grad
            if grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                if grad.grad_fn is not None:
                    grad = grad.detach()
                    p.grad = grad
                else:
                    grad.requires_grad_(False)
                with tocha.no_grad():
                    grad.copy_(tocha.zeros_like(grad))

    def _apply(self: ModuleT, fn: Callable[[tocha.Tensor], tocha.Tensor], recurse: bool = True) -> ModuleT:
        if recurse:
            for module in self.children():
                module._apply(fn)
        for param in self._parameters.values():
            if param is None:
                continue
            with tocha.no_grad():
                new = fn(param)
            param.data = new
            if param.grad is not None:
                with tocha.no_grad():
                    param.grad = fn(param.grad)
        for key, buf in self._buffers.items():
            if buf is not None:
                new_buf = fn(buf)
                if is_lazy(buf) and new_buf is not buf:  # an UninitializedBuffer stays one, on its new device/dtype
                    buf.data = new_buf
                    new_buf = buf
                self._buffers[key] = new_buf
        return self

    def apply(self: ModuleT, fn: Callable[[Module], None]) -> ModuleT:
        """Call ``fn`` on every descendant and then on this module (typically to initialise weights).

        Example:
            >>> import tocha
            >>> m = tocha.nn.Module()
            >>> m.add_module("a", tocha.nn.Module())
            >>> names = []
            >>> _ = m.apply(lambda mod: names.append(type(mod).__name__))
            >>> names
            ['Module', 'Module']
        """
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    def to(self: ModuleT, *args: Any, **kwargs: Any) -> ModuleT:
        """Move and/or cast parameters and buffers: ``to(device)``, ``to(dtype)``, ``to(device, dtype)``,
        ``to(tensor)`` (its device and dtype); ``non_blocking`` is accepted.

        Only floating-point (and complex) tensors change dtype, as in PyTorch. The keyword ``memory_format``
        (e.g. ``tocha.channels_last``) lays out every 4-d and 5-d parameter and buffer in that format.

        Raises:
            TypeError: an integer dtype, an unknown keyword, more than 4 positional arguments, or a
                ``memory_format`` that is not a ``tocha.memory_format``.
            RuntimeError: a channels-last format meeting a parameter of the wrong rank (channels_last on a 5-d one).

        Example:
            >>> import tocha
            >>> m = tocha.nn.Module()
            >>> m.w = tocha.nn.Parameter(tocha.ones(1))
            >>> m.to(tocha.float64).w.dtype
            tocha.float64
        """
        device: Any = kwargs.pop("device", None)
        dtype: tocha.dtype | None = kwargs.pop("dtype", None)
        kwargs.pop("non_blocking", None)
        memory_format: Any = kwargs.pop("memory_format", None)
        if kwargs:
            raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
        if len(args) > 4:
            raise TypeError(f"to() takes from 0 to 4 positional arguments but {len(args)} were given")
        if memory_format is not None and not isinstance(memory_format, tocha.memory_format):
            raise TypeError(
                f"to() received an invalid combination of arguments - got (memory_format="
                f"{type(memory_format).__name__}): 'memory_format' must be tocha.memory_format"
            )
        for arg in args:
            if isinstance(arg, tocha.dtype):
                dtype = arg
            elif isinstance(arg, tocha.Tensor):
                device, dtype = arg.device, arg.dtype
            elif isinstance(arg, bool):
                continue  # non_blocking given positionally
            else:
                device = arg
        if dtype is not None and not (dtype.is_floating_point or dtype.is_complex):
            raise TypeError(
                f"nn.Module.to only accepts floating point or complex dtypes, but got desired dtype={dtype}"
            )
        if device is not None:
            device = tocha.device(device)

        def convert(t: tocha.Tensor) -> tocha.Tensor:
            target = dtype if dtype is not None and (t.is_floating_point() or t.is_complex()) else t.dtype
            if memory_format is not None and t.dim() in (4, 5):
                return t.to(
                    device=device if device is not None else t.device, dtype=target, memory_format=memory_format
                )
            return t.to(device=device if device is not None else t.device, dtype=target)

        return self._apply(convert)

    def to_empty(self: ModuleT, *, device: Any, recurse: bool = True) -> ModuleT:
        """Move parameters and buffers to ``device`` without copying their values (uninitialised storage)."""
        return self._apply(lambda t: tocha.empty_like(t, device=device), recurse=recurse)

    def cpu(self: ModuleT) -> ModuleT:
        """Move every parameter and buffer to the CPU."""
        return self._apply(lambda t: t.cpu())

    def cuda(self: ModuleT, device: Any = None) -> ModuleT:
        """Move every parameter and buffer to a CUDA device."""
        return self._apply(lambda t: t.cuda(device))

    def type(self: ModuleT, dst_type: Any) -> ModuleT:
        """Cast every parameter and buffer to ``dst_type``."""
        return self._apply(lambda t: t.type(dst_type))

    def float(self: ModuleT) -> ModuleT:
        """Cast floating-point parameters and buffers to float32."""
        return self._apply(lambda t: t.float() if t.is_floating_point() else t)

    def double(self: ModuleT) -> ModuleT:
        """Cast floating-point parameters and buffers to float64."""
        return self._apply(lambda t: t.double() if t.is_floating_point() else t)

    def half(self: ModuleT) -> ModuleT:
        """Cast floating-point parameters and buffers to float16."""
        return self._apply(lambda t: t.half() if t.is_floating_point() else t)

    def bfloat16(self: ModuleT) -> ModuleT:
        """Cast floating-point parameters and buffers to bfloat16."""
        return self._apply(lambda t: t.bfloat16() if t.is_floating_point() else t)

    def share_memory(self: ModuleT) -> ModuleT:
        """Move parameters and buffers to shared memory (``Tensor.share_memory_``, from tocha.multiprocessing)."""

        def share(t: tocha.Tensor) -> tocha.Tensor:
            method = getattr(t, "share_memory_", None)
            if method is not None:
                method()
            return t

        return self._apply(share)

    # ------------------------------------------------------------ state

    def _save_to_state_dict(self, destination: dict[str, Any], prefix: str, keep_vars: bool) -> None:
        """Put this module's own parameters and persistent buffers (not its children's) in ``destination``."""
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buf if keep_vars else buf.detach()
        if type(self).get_extra_state is not Module.get_extra_state:
            destination[prefix + "_extra_state"] = self.get_extra_state()

    def state_dict(
        self, *, destination: dict[str, Any] | None = None, prefix: str = "", keep_vars: bool = False
    ) -> dict[str, Any]:
        """Parameters and persistent buffers by dotted name, detached unless ``keep_vars``.

        Example:
            >>> import tocha
            >>> m = tocha.nn.Module()
            >>> m.w = tocha.nn.Parameter(tocha.ones(1))
            >>> m.add_module("sub", tocha.nn.Module())
            >>> m.sub.register_buffer("b", tocha.zeros(1))
            >>> list(m.state_dict())
            ['w', 'sub.b']
        """
        for hook in self._state_dict_pre_hooks.values():
            hook(self, prefix, keep_vars)
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()  # type: ignore[attr-defined]
        local_metadata = {"version": self._version}
        metadata = getattr(destination, "_metadata", None)
        if metadata is not None:
            metadata[prefix[:-1]] = local_metadata
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars)
        for hook in self._state_dict_hooks.values():
            result = hook(self, destination, prefix, local_metadata)
            if isinstance(hook, _PublicStateDictHook):
                if result is not None:
                    raise RuntimeError("state_dict post-hook must return None")
            elif result is not None:
                destination = result
        return destination

    def _load_from_state_dict(
        self,
        state_dict: dict[str, Any],
        prefix: str,
        local_metadata: dict[str, Any],
        strict: bool,
        missing_keys: list[str],
        unexpected_keys: list[str],
        error_msgs: list[str],
    ) -> None:
        """Load this module's own entries of ``state_dict`` (keys starting with ``prefix``), recording missing
        and unexpected keys and errors (size mismatches...) in the given lists."""
        for hook in self._load_state_dict_pre_hooks.values():
            hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs)
        persistent = {k: v for k, v in self._buffers.items() if k not in self._non_persistent_buffers_set}
        local_state = {k: v for k, v in (*self._parameters.items(), *persistent.items()) if v is not None}
        assign = bool(local_metadata.get("assign_to_params_buffers", False))
        for name, param in local_state.items():
            key = prefix + name
            if key not in state_dict:
                if strict:
                    missing_keys.append(key)
                continue
            input_param = state_dict[key]
            if not isinstance(input_param, tocha.Tensor):
                error_msgs.append(
                    f'While copying the parameter named "{key}", expected tocha.Tensor or Tensor-like object from '
                    f"checkpoint but received {type(input_param)}"
                )
                continue
            lazy = is_lazy(param)
            if not lazy and param.ndim == 0 and input_param.ndim == 1 and input_param.shape[0] == 1:
                input_param = input_param[0]
            if not lazy and tuple(input_param.shape) != tuple(param.shape):
                error_msgs.append(
                    f"size mismatch for {key}: copying a param with shape {input_param.shape} from checkpoint, "
                    f"the shape in current model is {param.shape}."
                )
                continue
            try:
                with tocha.no_grad():
                    if assign:
                        if isinstance(param, Parameter):
                            if not isinstance(input_param, Parameter):
                                input_param = Parameter(input_param, requires_grad=param.requires_grad)
                            else:
                                input_param.requires_grad_(param.requires_grad)
                        setattr(self, name, input_param)
                    elif lazy:
                        param.materialize(input_param.shape)  # type: ignore[attr-defined]
                        param.copy_(input_param)
                    else:
                        param.copy_(input_param)
            except Exception as ex:
                error_msgs.append(
                    f'While copying the parameter named "{key}", whose dimensions in the model are {param.shape} '
                    f"and whose dimensions in the checkpoint are {input_param.shape}, an exception occurred : "
                    f"{ex.args}."
                )
        extra_key = prefix + "_extra_state"
        if type(self).set_extra_state is not Module.set_extra_state:
            if extra_key in state_dict:
                self.set_extra_state(state_dict[extra_key])
            elif strict:
                missing_keys.append(extra_key)
        elif strict and extra_key in state_dict:
            unexpected_keys.append(extra_key)
        if strict:
            for key in state_dict:
                if key.startswith(prefix) and key != extra_key:
                    first = key[len(prefix) :].split(".", 1)[0]
                    if first not in self._modules and first not in local_state:
                        unexpected_keys.append(key)

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True, assign: bool = False) -> Any:
        """Copy parameters and buffers from ``state_dict`` into this module and its descendants.

        Args:
            state_dict: name -> tensor, as :meth:`state_dict` returns.
            strict: raise if keys are missing or unexpected (they are always reported in the result).
            assign: put the given tensors in the module instead of copying into the existing ones.

        Returns:
            ``_IncompatibleKeys(missing_keys, unexpected_keys)``.

        Raises:
            RuntimeError: ``"Error(s) in loading state_dict for <class>:"`` followed by the missing and unexpected
                keys (with ``strict``) and every size mismatch.

        Example:
            >>> import tocha
            >>> m = tocha.nn.Module()
            >>> m.w = tocha.nn.Parameter(tocha.zeros(2))
            >>> m.load_state_dict({"w": tocha.ones(2)})
            <All keys matched successfully>
            >>> m.load_state_dict({"v": tocha.ones(2)}, strict=False)
            _IncompatibleKeys(missing_keys=['w'], unexpected_keys=['v'])
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing_keys: list[str] = []
        unexpected_keys: list[str] = []
        error_msgs: list[str] = []
        metadata = getattr(state_dict, "_metadata", None)
        state_dict = OrderedDict(state_dict)
        if metadata is not None:
            state_dict._metadata = metadata  # type: ignore[attr-defined]

        def load(module: Module, local_state_dict: dict[str, Any], prefix: str = "") -> None:
            local_metadata = {} if metadata is None else dict(metadata.get(prefix[:-1], {}))
            if assign:
                local_metadata["assign_to_params_buffers"] = assign
            module._load_from_state_dict(
                local_state_dict, prefix, local_metadata, True, missing_keys, unexpected_keys, error_msgs
            )
            for name, child in module._modules.items():
                if child is not None:
                    child_prefix = prefix + name + "."
                    child_state = {k: v for k, v in local_state_dict.items() if k.startswith(child_prefix)}
                    load(child, child_state, child_prefix)
            incompatible = _IncompatibleKeys(missing_keys, unexpected_keys)
            for hook in module._load_state_dict_post_hooks.values():
                out = hook(module, incompatible)
                if out is not None:
                    raise RuntimeError(
                        "Hooks registered with ``register_load_state_dict_post_hook`` are not expected to return "
                        "new values, if incompatible_keys need to be modified, it should be done inplace."
                    )

        load(self, dict(state_dict))
        if strict:
            if unexpected_keys:
                error_msgs.insert(
                    0, "Unexpected key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in unexpected_keys))
                )
            if missing_keys:
                error_msgs.insert(
                    0, "Missing key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in missing_keys))
                )
        if error_msgs:
            raise RuntimeError(
                "Error(s) in loading state_dict for {}:\n\t{}".format(type(self).__name__, "\n\t".join(error_msgs))
            )
        return _IncompatibleKeys(missing_keys, unexpected_keys)

    # ------------------------------------------------------------ repr

    def extra_repr(self) -> str:
        """The text inside this module's parentheses in its repr; override in layers."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        children = [f"({name}): " + _indent(repr(module), 2) for name, module in self._modules.items()]
        lines += children
        text = self._get_name() + "("
        if lines:
            if len(lines) == 1 and not children:
                text += lines[0]
            else:
                text += "\n  " + "\n  ".join(lines) + "\n"
        return text + ")"


class _PublicStateDictHook:
    """A hook registered with ``register_state_dict_post_hook``: it must return None."""

    __slots__ = ("hook",)

    def __init__(self, hook: Callable[..., Any]) -> None:
        self.hook = hook

    def __call__(self, *args: Any) -> Any:
        return self.hook(*args)


class _WithModule:
    """A load-state-dict pre-hook called with its module first (held weakly, as PyTorch does)."""

    __slots__ = ("hook", "module")

    def __init__(self, hook: Callable[..., Any], module: Module) -> None:
        self.hook = hook
        self.module = module

    def __call__(self, *args: Any) -> Any:
        return self.hook(self.module, *args)


def _attach_non_full_backward_hooks(module: Module, result: Any, hooks: list[Any]) -> None:
    """The deprecated ``register_backward_hook``: hooks on the ``grad_fn`` of the (first) output."""
    out = result
    while isinstance(out, (list, tuple)) and out:
        out = out[0]
    if not isinstance(out, tocha.Tensor) or out.grad_fn is None:
        return
    grad_fn = out.grad_fn
    for hook in hooks:

        def node_hook(grad_inputs: Any, grad_outputs: Any, hook: Any = hook) -> Any:
            return hook(module, grad_inputs, grad_outputs)

        grad_fn.register_hook(node_hook)


def _one_line(module: Module) -> str:
    extra = module.extra_repr()
    return module._get_name() + "(" + (extra.split("\n", 1)[0] if extra else "") + ")"


def _note_module_error(exc: BaseException, module: Module) -> None:
    """NOTE [ Module path in errors ]: record ``module`` on ``exc`` and rewrite its message."""
    args = exc.args
    if len(args) != 1 or not isinstance(args[0], str):
        return
    info = getattr(exc, "_tocha_module_path", None)
    if info is None:
        with contextlib.suppress(AttributeError):
            exc._tocha_module_path = (args[0], module, "", module, args[0])  # type: ignore[attr-defined]
        return
    original, inner, path, last, shown = info
    if last is module or args[0] != shown:  # recursion into the same module, or the message was replaced
        return
    name = next((n for n, child in module._modules.items() if child is last), None)
    if name is not None:
        path = name + ("." + path if path else "")
    else:
        found = next((n for n, m in module.named_modules() if m is inner), None)
        if found is not None:
            path = found
        else:  # called from outside the tree (a module made inside forward...): locate the caller instead
            inner, path = module, ""
    message = f"{path} ({_one_line(inner)}): {original}" if path else original
    exc.args = (message,)
    exc._tocha_module_path = (original, inner, path, module, message)  # type: ignore[attr-defined]


def _indent(text: str, spaces: int) -> str:
    first, *rest = text.split("\n")
    return "\n".join([first, *((" " * spaces) + line for line in rest)])


def _check_name(kind: str, name: Any) -> None:
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
    if name == "":
        raise KeyError(f'{kind} name can\'t be empty string ""')
    if "." in name:
        raise KeyError(f'{kind} name can\'t contain "."')


def _remove_from(module: Module, name: str, keep: str) -> None:
    """Drop ``name`` from the other registries (the ``keep`` one is updated in place, keeping its order)."""
    d = module.__dict__
    for table in ("_parameters", "_buffers", "_modules"):
        if table != keep and name in d[table]:
            del d[table][name]
    if keep != "_buffers":
        d["_non_persistent_buffers_set"].discard(name)
    d.pop(name, None)
