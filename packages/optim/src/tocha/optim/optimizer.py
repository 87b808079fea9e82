"""The ``Optimizer`` base class: parameter groups, state, hooks and state dicts (``torch.optim.Optimizer``).

NOTE [ Optimizer state and the multi-tensor path ]
Every elementwise optimizer here is a thin class over one pure update rule written against the array module
``xp`` (NumPy or CuPy): ``_update(c, P, G, S)`` takes the parameter values ``P``, the gradient ``G`` (both owned
copies it may overwrite), the per-element state arrays ``S`` and per-parameter scalar state (``step``...) in
``c.scalars``, and writes the new parameter values into ``P``. The single-tensor path runs it once per parameter.
The multi-tensor path (``foreach``) runs it once per group on flat arrays: the group's per-element state lives in
one flat tensor per state name, and ``self.state[p][name]`` is a view of it, so ``state_dict`` sees the usual
per-parameter layout; the grads and parameters are gathered with one concatenation each, and each parameter is
written back with one tocha in-place op (so version counters move as in PyTorch). Scalar state (``step``, ...) of
a group lives in one float32 vector with a 0-dim view per parameter. When the flat layout cannot hold (mixed
dtypes or devices, parameters whose steps differ, state replaced by ``load_state_dict``) the layout is rebuilt
from the per-parameter state, or the single-tensor path runs.
"""

from __future__ import annotations

import functools
import itertools
import warnings
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import numpy as np

import tocha
from tocha import Tensor
from tocha.utils.hooks import RemovableHandle as RemovableHandle

from . import _cuda_kernels

__all__ = [
    "Optimizer",
    "register_optimizer_step_pre_hook",
    "register_optimizer_step_post_hook",
]

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]] | Iterable[tuple[str, Tensor]]
_F = TypeVar("_F", bound=Callable[..., Any])


class _RequiredParameter:
    """Singleton marking a hyperparameter a parameter group must give."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


_global_step_pre_hooks: dict[int, Callable[..., Any]] = OrderedDict()
_global_step_post_hooks: dict[int, Callable[..., Any]] = OrderedDict()


def register_optimizer_step_pre_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """Register a hook run before every optimizer's ``step``: ``hook(optimizer, args, kwargs)``.

    It may return ``(new_args, new_kwargs)`` to replace the arguments.

    Example:
        >>> import tocha, tocha.optim
        >>> handle = tocha.optim.optimizer.register_optimizer_step_pre_hook(lambda opt, a, k: None)
        >>> handle.remove()
    """
    handle = RemovableHandle(_global_step_pre_hooks)
    _global_step_pre_hooks[handle.id] = hook
    return handle


def register_optimizer_step_post_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """Register a hook run after every optimizer's ``step``: ``hook(optimizer, args, kwargs)``.

    Example:
        >>> import tocha, tocha.optim
        >>> handle = tocha.optim.optimizer.register_optimizer_step_post_hook(lambda opt, a, k: None)
        >>> handle.remove()
    """
    handle = RemovableHandle(_global_step_post_hooks)
    _global_step_post_hooks[handle.id] = hook
    return handle


def _hooked_step(step: _F) -> _F:
    """Wrap a subclass's ``step`` so that the global and per-optimizer step hooks run around it."""

    @functools.wraps(step)
    def wrapper(self: Optimizer, *args: Any, **kwargs: Any) -> Any:
        if _global_step_pre_hooks or self._optimizer_step_pre_hooks:
            for hook in itertools.chain(_global_step_pre_hooks.values(), self._optimizer_step_pre_hooks.values()):
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError(
                            f"{hook} must return None or a tuple of (new_args, new_kwargs), but got {result}."
                        )
                    args, kwargs = result
        out = step(self, *args, **kwargs)
        self._opt_called = True
        if _global_step_post_hooks or self._optimizer_step_post_hooks:
            for hook in itertools.chain(self._optimizer_step_post_hooks.values(), _global_step_post_hooks.values()):
                hook(self, args, kwargs)
        return out

    wrapper._tocha_hooked = True  # type: ignore[attr-defined]
    return cast(_F, wrapper)


# Scalar state besides ``step`` that the elementwise optimizers keep on the host (ASGD, NAdam): loading a state
# dict leaves it there, where PyTorch would move it to the parameter's device.
_HOST_SCALAR_STATE = frozenset({"eta", "mu", "mu_product"})

_SUB = tocha.library.get_op("sub")
_COPY = tocha.library.get_op("copy_")


def _scalar_dtype() -> tocha.dtype:
    return tocha.float64 if tocha.get_default_dtype() == tocha.float64 else tocha.float32


def _as_float(x: Any) -> float:
    return float(x.item()) if isinstance(x, Tensor) else float(x)


def _xp(t: Tensor) -> Any:
    return tocha.library.get_backend(t.device.type).xp


class Optimizer:
    """Base class of all optimizers (``torch.optim.Optimizer``).

    Args:
        params: an iterable of tensors, of ``(name, tensor)`` pairs, or of dicts each defining a parameter group
            (its ``params`` plus per-group options overriding ``defaults``).
        defaults: the default value of every option.

    Example:
        >>> import tocha
        >>> from tocha.optim import SGD
        >>> w = tocha.tensor([1.0, 2.0], requires_grad=True)
        >>> opt = SGD([w], lr=0.5)
        >>> w.grad = tocha.tensor([1.0, 1.0])
        >>> opt.step()
        >>> w
        tensor([0.5000, 1.5000], requires_grad=True)
    """

    defaults: dict[str, Any]
    state: defaultdict[Any, dict[str, Any]]
    param_groups: list[dict[str, Any]]

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self._optimizer_step_pre_hooks: dict[int, Callable[..., Any]] = OrderedDict()
        self._optimizer_step_post_hooks: dict[int, Callable[..., Any]] = OrderedDict()
        self._optimizer_state_dict_pre_hooks: dict[int, Callable[..., Any]] = OrderedDict()
        self._optimizer_state_dict_post_hooks: dict[int, Callable[..., Any]] = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks: dict[int, Callable[..., Any]] = OrderedDict()
        self._optimizer_load_state_dict_post_hooks: dict[int, Callable[..., Any]] = OrderedDict()
        self._flat_cache: dict[int, Any] = {}
        self._opt_called = False
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, but got "
                + tocha.typename(params)
            )
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(cast(dict[str, Any], param_group))

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_tocha_hooked", False):
            cls.step = _hooked_step(step)  # type: ignore[method-assign]

    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._flat_cache = {}
        for name in (
            "_optimizer_step_pre_hooks",
            "_optimizer_step_post_hooks",
            "_optimizer_state_dict_pre_hooks",
            "_optimizer_state_dict_post_hooks",
            "_optimizer_load_state_dict_pre_hooks",
            "_optimizer_load_state_dict_post_hooks",
        ):
            if name not in self.__dict__:
                setattr(self, name, OrderedDict())
        self.__dict__.setdefault("_opt_called", False)

    def __repr__(self) -> str:
        lines = [self.__class__.__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group.keys()):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
            if i != len(self.param_groups) - 1:
                lines.append("")
        return "\n".join(lines) + "\n)"

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a parameter group (its ``params`` and options; missing options take ``defaults``).

        Raises:
            TypeError: ``params`` is a set or holds something other than tensors.
            ValueError: a parameter is already in another group, or a required option is missing.

        Example:
            >>> import tocha
            >>> from tocha.optim import SGD
            >>> opt = SGD([tocha.zeros(1, requires_grad=True)], lr=0.1)
            >>> opt.add_param_group({"params": [tocha.zeros(2, requires_grad=True)], "lr": 0.01})
            >>> [g["lr"] for g in opt.param_groups]
            [0.1, 0.01]
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the ordering of tensors in "
                "sets will change between runs. Please use a list instead."
            )
        else:
            param_group["params"] = list(params)
        extracted: list[Tensor] = []
        names: list[str] = []
        for param in param_group["params"]:
            if isinstance(param, tuple):
                names.append(param[0])
                extracted.append(param[1])
            else:
                extracted.append(param)
        param_group["params"] = extracted
        if names:
            if len(names) != len(extracted):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names
        for param in extracted:
            if not isinstance(param, Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, but one of the params is " + tocha.typename(param)
                )
            if not self.defaults.get("differentiable", None) and not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        if len({id(p) for p in extracted}) != len(extracted):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, this will cause an "
                "error; see github.com/pytorch/pytorch/issues/40967 for more information",
                stacklevel=3,
            )
        seen: set[int] = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                current = "named" if "param_names" in param_group else "unnamed"
                raise ValueError(
                    f"all optimizer param groups should be with/without names. cannot add {current} "
                    "param group to the optimizer"
                )
        if not seen.isdisjoint(id(p) for p in extracted):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # ------------------------------------------------------------------ grads and step
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized tensors (to None by default, else to zeros).

        Example:
            >>> import tocha
            >>> from tocha.optim import SGD
            >>> w = tocha.zeros(2, requires_grad=True); w.grad = tocha.ones(2)
            >>> SGD([w]).zero_grad(); w.grad is None
            True
        """
        for group in self.param_groups:
            for p in group["params"]:
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
                    grad.copy_(tocha.zeros_like(grad))

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step (``closure`` re-evaluates the loss and returns it).

        Example:
            >>> import tocha
            >>> from tocha.optim import Optimizer
            >>> Optimizer([tocha.zeros(1, requires_grad=True)], {}).step()
            Traceback (most recent call last):
            ...
            NotImplementedError
        """
        raise NotImplementedError

    # ------------------------------------------------------------------ hooks
    def _register(self, hooks: dict[int, Any], hook: Callable[..., Any], prepend: bool = False) -> RemovableHandle:
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        if prepend:
            cast(OrderedDict[int, Any], hooks).move_to_end(handle.id, last=False)
        return handle

    def register_step_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Register ``hook(optimizer, args, kwargs)`` to run before ``step``; it may return new (args, kwargs).

        Example:
            >>> import tocha
            >>> from tocha.optim import SGD
            >>> opt = SGD([tocha.zeros(1, requires_grad=True)])
            >>> handle = opt.register_step_pre_hook(lambda o, a, k: print("before"))
            >>> opt.step()
            before
            >>> handle.remove()
        """
        return self._register(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Register ``hook(optimizer, args, kwargs)`` to run after ``step``.

        Example:
            >>> import tocha
            >>> from tocha.optim import SGD
            >>> opt = SGD([tocha.zeros(1, requires_grad=True)])
            >>> handle = opt.register_step_post_hook(lambda o, a, k: print("after"))
            >>> opt.step()
            after
        """
        return self._register(self._optimizer_step_post_hooks, hook)

    def register_state_dict_pre_hook(self, hook: Callable[..., Any], prepend: bool = False) -> RemovableHandle:
        """Register ``hook(optimizer)`` to run before ``state_dict`` builds the dict.

        Example:
            >>> import tocha
            >>> from tocha.optim import SGD
            >>> opt = SGD([tocha.zeros(1, requires_grad=True)])
            >>> _ = opt.register_state_dict_pre_hook(lambda o: print("saving"))
            >>> _ = opt.state_dict()
            saving
        """
        return self._register(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook: Callable[..., Any], prepend: bool = False) -> RemovableHandle:
        """Register ``hook(optimizer, state_dict)`` to run after ``state_dict``; it may return a new dict.

        Example:
            >>> import tocha
            >>> from tocha.optim import SGD
            >>> opt = SGD([tocha.zeros(1, requires_grad=True)])
            >>> _ = opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
            >>> opt.state_dict()["extra"]
            1
        """
        return self._register(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook: Callable[..., Any], prepend: bool = False) -> RemovableHandle:
        """Register ``hook(optimizer, state_dict)`` to run before ``load_state_dict``; it may return a new dict.

        Example:
            >>> import tocha
            >>> from tocha.optim import SGD
            >>> opt = SGD([tocha.zeros(1, requires_grad=True)])
            >>> _ = opt.register_load_state_dict_pre_hook(lambda o, sd: print("loading"))
            >>> opt.load_state_dict(opt.state_dict())
            loading
        """
        return self._register(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook: Callable[..., Any], prepend: bool = False) -> RemovableHandle:
        """Register ``hook(optimizer)`` to run after ``load_state_dict``.

        Example:
            >>> import tocha
            >>> from tocha.optim import SGD
            >>> opt = SGD([tocha.zeros(1, requires_grad=True)])
            >>> _ = opt.register_load_state_dict_post_hook(lambda o: print("loaded"))
            >>> opt.load_state_dict(opt.state_dict())
            loaded
        """
        return self._register(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    # ------------------------------------------------------------------ state dicts
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state: ``state`` (keyed by parameter index) and ``param_groups`` (with index lists).

        Tensors in ``state`` are the optimizer's own (not copies), as in PyTorch.

        Example:
            >>> import tocha
            >>> from tocha.optim import SGD
            >>> opt = SGD([tocha.zeros(1, requires_grad=True)], lr=0.1)
            >>> opt.state_dict()["param_groups"][0]["params"]
            [0]
        """
        for pre_hook in self._optimizer_state_dict_pre_hooks.values():
            pre_hook(self)
        mapping: dict[int, int] = {}
        start = 0
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                mapping.setdefault(id(p), i)
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            start += len(packed["params"])
            groups.append(packed)
        packed_state = {(mapping[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        state_dict: dict[str, Any] = {"state": packed_state, "param_groups": groups}
        for post_hook in self._optimizer_state_dict_post_hooks.values():
            result = post_hook(self, state_dict)
            if result is not None:
                state_dict = result
        return state_dict

    @staticmethod
    def _cast_state(param: Tensor, value: Any, key: str | None = None) -> Any:
        if isinstance(value, Tensor):
            if key == "step":
                return value
            if key in _HOST_SCALAR_STATE and value.dim() == 0 and value.device.type == "cpu":
                # scalar state stays on the host (NOTE [ Optimizer state and the multi-tensor path ])
                return value.to(dtype=param.dtype) if param.is_floating_point() else value
            if param.is_floating_point():
                return value.to(dtype=param.dtype, device=param.device)
            return value.to(device=param.device)
        if isinstance(value, dict):
            return {k: Optimizer._cast_state(param, v, key=k) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(Optimizer._cast_state(param, v, key=key) for v in value)
        return value

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state from :meth:`state_dict`; parameters are matched by their order in the groups.

        Raises:
            ValueError: the number of groups or a group's size differs.

        Example:
            >>> import copy, tocha
            >>> from tocha.optim import SGD
            >>> opt = SGD([tocha.zeros(1, requires_grad=True)], lr=0.1)
            >>> saved = copy.deepcopy(opt.state_dict()); saved["param_groups"][0]["lr"] = 0.5
            >>> opt.load_state_dict(saved); opt.param_groups[0]["lr"]
            0.5
        """
        state_dict = dict(state_dict)
        for pre_hook in self._optimizer_load_state_dict_pre_hooks.values():
            result = pre_hook(self, state_dict)
            if result is not None:
                state_dict = result
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups, strict=True)):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of optimizer's group"
            )
        id_map = dict(
            zip(
                itertools.chain.from_iterable(g["params"] for g in saved_groups),
                itertools.chain.from_iterable(g["params"] for g in groups),
                strict=True,
            )
        )
        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = self._cast_state(param, v)
            else:
                state[k] = v
        new_groups = []
        for group, saved in zip(groups, saved_groups, strict=True):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
            new_groups.append(saved)
        self.__setstate__({"state": state, "param_groups": new_groups})
        for post_hook in self._optimizer_load_state_dict_post_hooks.values():
            post_hook(self)


class _GroupwiseOptimizer(Optimizer):
    """An optimizer whose update is written with tocha ops, one parameter group at a time (``_step_group``)."""

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step (``closure`` re-evaluates the loss and returns it).

        Example:
            >>> import tocha
            >>> from tocha.optim import Muon
            >>> w = tocha.ones(2, 3, requires_grad=True); w.grad = tocha.ones(2, 3)
            >>> opt = Muon([w]); opt.step(); sorted(opt.state[w])
            ['momentum_buffer']
        """
        loss = None
        if closure is not None:
            with tocha.enable_grad():
                loss = closure()
        with tocha.no_grad():
            for group in self.param_groups:
                self._step_group(group)
        return loss

    def _step_group(self, group: dict[str, Any]) -> None:
        raise NotImplementedError


@dataclass
class _Ctx:
    """What an update rule sees besides the arrays: the array module, the group's options, the scalar state."""

    xp: Any
    group: dict[str, Any]
    scalars: dict[str, float]
    fresh: bool
    scalar_dtype: Any
    like: Any
    buffers: list[Any]

    def scratch(self, i: int) -> Any:
        """Scratch array ``i`` shaped like the gradient (kept between steps on the multi-tensor path)."""
        while len(self.buffers) <= i:
            self.buffers.append(self.xp.empty_like(self.like))
        return self.buffers[i]

    def rnd(self, x: float) -> float:
        """``x`` rounded to the scalar-state dtype (PyTorch keeps ``step`` & co. as float32 tensors)."""
        return float(np.asarray(x, dtype=self.scalar_dtype))


@dataclass
class _FlatLayout:
    params: list[Tensor]
    key: tuple[int, ...]
    names: tuple[str, ...]
    dicts: list[dict[str, Any]]
    flats: dict[str, Any]  # name -> flat array (tensor state: elements; scalar state: one per parameter)
    views: dict[str, list[Tensor]]
    offsets: list[int]
    sizes: list[int]
    xp: Any
    grad_buffer: Any
    param_buffer: Any
    scratch: list[Any]
    source_views: tuple[Any, list[Tensor]] | None = None
    step_targets: _cuda_kernels.FlatStepTargets = field(default_factory=_cuda_kernels.FlatStepTargets)
    grad_sources: _cuda_kernels.FlatStepTargets = field(default_factory=_cuda_kernels.FlatStepTargets)


class _ElementwiseOptimizer(Optimizer):
    """An optimizer whose update is elementwise; see NOTE [ Optimizer state and the multi-tensor path ]."""

    def _state_spec(self, group: dict[str, Any]) -> list[tuple[str, bool, float]]:
        """The state of one parameter: ``(name, is_scalar, initial value)`` in PyTorch's key order."""
        raise NotImplementedError

    def _update(self, c: _Ctx, P: Any, G: Any, S: dict[str, Any]) -> Any:
        """Update ``S`` and ``c.scalars`` in place, and either write the new parameter values into ``P`` (return
        None) or, when :meth:`_reads_params` is False and ``P`` is None, return ``D`` with new = old - ``D``."""
        raise NotImplementedError

    def _reads_params(self, group: dict[str, Any]) -> bool:
        """Whether the update reads the parameter values (weight decay...); if not, it may return a delta."""
        return True

    def _direct_update(self, layout: _FlatLayout, group: dict[str, Any], params: list[Tensor], fresh: bool) -> Any:
        """A cheaper multi-tensor update for the common case: read each gradient in place (no gathered copy) and
        return the flat ``D`` with new = old - ``D``, or None to run :meth:`_update` on the gathered gradient."""
        return None

    _foreach_default = True

    @staticmethod
    def _check_common(foreach: bool | None, differentiable: bool, fused: bool | None, name: str) -> None:
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
        if differentiable:
            raise NotImplementedError(f"{name}: differentiable=True is not supported by tocha.optim yet")

    def _init_state(self, p: Tensor, spec: list[tuple[str, bool, float]]) -> dict[str, Any]:
        st = self.state[p]
        for name, is_scalar, init in spec:
            if name not in st:
                if is_scalar:  # on the host, as PyTorch's non-capturable ``step``: reading it never stalls a GPU
                    st[name] = tocha.tensor(init, dtype=_scalar_dtype())
                else:
                    st[name] = tocha.full_like(p, init)
        return st

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step (``closure`` re-evaluates the model and returns the loss).

        Example:
            >>> import tocha
            >>> from tocha.optim import Adam
            >>> w = tocha.tensor([1.0], requires_grad=True); w.grad = tocha.tensor([1.0])
            >>> Adam([w], lr=0.1).step(); w
            tensor([0.9000], requires_grad=True)
        """
        loss = None
        if closure is not None:
            with tocha.enable_grad():
                loss = closure()
        with tocha.no_grad():
            for index, group in enumerate(self.param_groups):
                params = [p for p in group["params"] if p.grad is not None]
                if not params:
                    continue
                foreach = True if group.get("fused") else group.get("foreach")
                if foreach is None:
                    foreach = self._foreach_default and len(params) > 1
                if not (foreach and self._step_flat(index, group, params)):
                    for p in params:
                        self._step_single(group, p)
        return loss

    def _step_single(self, group: dict[str, Any], p: Tensor) -> None:
        P: Any
        spec = self._state_spec(group)
        fresh = not self.state.get(p)
        st = self._init_state(p, spec) if spec else {}
        arr = tocha.library.tensor_array
        xp = _xp(p)
        P = arr(p).copy() if self._reads_params(group) else None
        G = arr(cast(Tensor, p.grad)).astype(arr(p).dtype, copy=True)
        S = {name: arr(st[name]) for name, is_scalar, _ in spec if not is_scalar}
        scalars = {name: float(arr(st[name])) for name, is_scalar, _ in spec if is_scalar}
        sdt = arr(st[spec[0][0]]).dtype if spec and spec[0][1] else np.float32
        delta = self._update(_Ctx(xp, group, scalars, fresh, sdt, G, []), P, G, S)
        for name, value in scalars.items():
            arr(st[name])[...] = value
        if delta is None:
            p.copy_(tocha.library.wrap_array(P, p.device))
        else:
            p.sub_(tocha.library.wrap_array(delta, p.device))

    def _layout(self, index: int, group: dict[str, Any], params: list[Tensor]) -> _FlatLayout | None:
        spec = self._state_spec(group)
        names = tuple(name for name, _, _ in spec)
        key = tuple(id(p) for p in params)
        layout = self._flat_cache.get(index)
        if layout is not None and layout.key == key and layout.names == names and not names:
            return cast(_FlatLayout, layout)
        if layout is not None and layout.key == key and layout.names == names:
            state = self.state
            ok = all(state.get(p) is d for p, d in zip(params, layout.dicts, strict=True))
            if ok:
                for name, views in layout.views.items():
                    if any(d[name] is not v for d, v in zip(layout.dicts, views, strict=True)):
                        ok = False
                        break
            if ok:
                return cast(_FlatLayout, layout)
        first = params[0]
        if any(p.dtype != first.dtype or p.device != first.device for p in params):
            return None
        fresh = [not self.state.get(p) for p in params]
        if any(f != fresh[0] for f in fresh):
            return None
        xp = _xp(first)
        sizes = [p.numel() for p in params]
        offsets = list(itertools.accumulate(sizes, initial=0))[:-1]
        total = sum(sizes)
        dicts = [self.state[p] for p in params] if spec else [{} for _ in params]
        flats: dict[str, Any] = {}
        all_views: dict[str, list[Tensor]] = {}
        sdt = _scalar_dtype()
        for name, is_scalar, init in spec:
            flat = tocha.empty(
                len(params) if is_scalar else total,
                dtype=sdt if is_scalar else first.dtype,
                device="cpu" if is_scalar else first.device,  # scalar state on the host, as in _init_state
            )
            flat_arr = tocha.library.tensor_array(flat)
            flat_arr[...] = init
            vs: list[Tensor] = []
            for i, (p, d) in enumerate(zip(params, dicts, strict=True)):
                view = flat[i] if is_scalar else flat[offsets[i] : offsets[i] + sizes[i]].view(p.shape)
                old = d.get(name)
                if old is not None:
                    view.copy_(old)
                d[name] = view
                vs.append(view)
            flats[name] = flat_arr
            all_views[name] = vs
        buffer = xp.empty(total, dtype=tocha.library.tensor_array(first).dtype)
        layout = _FlatLayout(
            list(params), key, names, dicts, flats, all_views, offsets, sizes, xp, buffer, xp.empty_like(buffer), []
        )
        self._flat_cache[index] = layout
        return layout

    def _step_flat(self, index: int, group: dict[str, Any], params: list[Tensor]) -> bool:
        fresh = not self.state.get(params[0])
        layout = self._layout(index, group, params)
        if layout is None:
            return False
        xp = layout.xp
        spec = self._state_spec(group)
        scalars: dict[str, float] = {}
        sdt: Any = np.float32
        for name, is_scalar, _ in spec:
            if is_scalar:
                flat = layout.flats[name]
                sdt = flat.dtype
                if len(params) > 1 and bool((flat != flat[0]).any()):
                    return False
                scalars[name] = float(flat[0])
        P: Any = None
        delta = None if scalars else self._direct_update(layout, group, params, fresh)
        if delta is None:
            arr = tocha.library.tensor_array
            G = layout.grad_buffer
            grads = [arr(cast(Tensor, p.grad)) for p in params]
            if not _cuda_kernels.gather_flat(xp, group, G, grads, layout.offsets, layout.grad_sources):
                xp.concatenate([g.reshape(-1) for g in grads], out=G, casting="same_kind")
            if self._reads_params(group):
                P = layout.param_buffer
                values = [arr(p) for p in params]
                if not _cuda_kernels.gather_flat(xp, group, P, values, layout.offsets, layout.step_targets):
                    xp.concatenate([v.reshape(-1) for v in values], out=P)
            S = {name: layout.flats[name] for name, is_scalar, _ in spec if not is_scalar}
            delta = self._update(_Ctx(xp, group, scalars, fresh, sdt, G, layout.scratch), P, G, S)
        for name, value in scalars.items():
            layout.flats[name][...] = value
        source = P if delta is None else delta
        arr = tocha.library.tensor_array
        if _cuda_kernels.apply_flat_step(
            xp, group, source, [arr(p) for p in params], layout.offsets, layout.step_targets, copy=delta is None
        ):  # one launch for the whole group; the version counters move as after in-place ops
            for p in params:
                tocha.library.increment_version(p)
            return True
        # else one in-place op per parameter (its version counter moves), straight through the dispatcher; the
        # tensors viewing the source (the update's scratch array, reused between steps) are built once
        views = layout.source_views
        dev = params[0].device
        if views is None or views[0] is not source:
            wrap = tocha.library.wrap_array
            spans = zip(params, layout.offsets, layout.sizes, strict=True)
            views = layout.source_views = (source, [wrap(source[o : o + n].reshape(p.shape), dev) for p, o, n in spans])
        call_inplace = tocha.library.call_inplace
        if delta is None:
            for p, v in zip(params, views[1], strict=True):
                call_inplace(_COPY, dev, p, (v,), ())
        else:
            for p, v in zip(params, views[1], strict=True):
                call_inplace(_SUB, dev, p, (p, v), ())
        return True
