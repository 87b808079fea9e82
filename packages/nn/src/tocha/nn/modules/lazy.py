"""``LazyModuleMixin``: modules whose parameter shapes are inferred from the first input.

NOTE [ Lazy modules ]
A lazy layer (``LazyLinear``...) derives from ``LazyModuleMixin`` first and its regular layer second, creates
its parameters as :class:`~tocha.nn.UninitializedParameter` (buffers as ``UninitializedBuffer``) and defines
``initialize_parameters(*args, **kwargs)``, which materializes them from the first input (under
``tocha.no_grad()``) and calls ``reset_parameters()``. The mixin registers a forward pre-hook that calls it on
the first call, then removes its hooks and turns the instance into ``cls_to_become`` (``LazyLinear`` becomes
``Linear``). Loading a state dict into an uninitialized module materializes the parameters with the loaded
shapes, as in PyTorch.

Example:
    >>> import tocha
    >>> from tocha.nn import Module, UninitializedParameter
    >>> from tocha.nn.modules.lazy import LazyModuleMixin
    >>> class Scale(Module):
    ...     def __init__(self, n):
    ...         super().__init__()
    ...         self.weight = tocha.nn.Parameter(tocha.ones(n))
    ...     def forward(self, x):
    ...         return x * self.weight
    >>> class LazyScale(LazyModuleMixin, Scale):
    ...     cls_to_become = Scale
    ...     def __init__(self):
    ...         super().__init__(0)
    ...         self.weight = UninitializedParameter()
    ...     def initialize_parameters(self, x):
    ...         if self.has_uninitialized_params():
    ...             with tocha.no_grad():
    ...                 self.weight.materialize(x.shape[-1:])
    ...                 self.weight.copy_(tocha.ones(x.shape[-1:]))
    >>> m = LazyScale()
    >>> m(tocha.tensor([2.0, 3.0]))
    tensor([2., 3.], grad_fn=<MulBackward0>)
    >>> type(m).__name__
    'Scale'
"""

from __future__ import annotations

from typing import Any

import tocha

from ..parameter import is_lazy

__all__: list[str] = []


class LazyModuleMixin:
    """Mixin for modules that infer their parameter shapes from the first input (``torch.nn.modules.lazy``).

    Put it first in the bases, before the regular layer; set ``cls_to_become`` to that layer and define
    :meth:`initialize_parameters`. See NOTE [ Lazy modules ].

    Example:
        >>> from tocha.nn.modules.lazy import LazyModuleMixin
        >>> LazyModuleMixin.cls_to_become is None
        True
    """

    cls_to_become: type[Any] | None = None

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._load_hook = self._register_load_state_dict_pre_hook(self._lazy_load_hook)
        self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters, with_kwargs=True)

    def _save_to_state_dict(self: Any, destination: dict[str, Any], prefix: str, keep_vars: bool) -> None:
        # Uninitialized parameters are saved as they are (detaching would lose what they are).
        for name, param in self._parameters.items():
            if param is not None:
                keep = keep_vars or is_lazy(param)
                destination[prefix + name] = param if keep else param.detach()
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                keep = keep_vars or is_lazy(buf)
                destination[prefix + name] = buf if keep else buf.detach()

    def _lazy_load_hook(
        self: Any,
        state_dict: dict[str, Any],
        prefix: str,
        local_metadata: dict[str, Any],
        strict: bool,
        missing_keys: list[str],
        unexpected_keys: list[str],
        error_msgs: list[str],
    ) -> None:
        """Materialize uninitialized parameters and buffers with the shapes found in ``state_dict``."""
        for table in (self._parameters, self._buffers):
            for name, value in table.items():
                key = prefix + name
                if key in state_dict and value is not None and is_lazy(value):
                    incoming = state_dict[key]
                    if not is_lazy(incoming):
                        with tocha.no_grad():
                            value.materialize(incoming.shape)

    def initialize_parameters(self, *args: Any, **kwargs: Any) -> None:
        """Materialize the parameters from the first input; lazy layers define it."""
        raise NotImplementedError(f"initialize_parameters is not implemented for {type(self).__name__}")

    def has_uninitialized_params(self: Any) -> bool:
        """Whether a parameter or buffer is still uninitialized."""
        return any(is_lazy(v) for v in (*self._parameters.values(), *self._buffers.values()))

    def _infer_parameters(self: Any, module: Any, args: tuple[Any, ...], kwargs: dict[str, Any] | None = None) -> None:
        """Forward pre-hook: initialize the parameters from this call's inputs, then become ``cls_to_become``."""
        module.initialize_parameters(*args, **(kwargs or {}))
        if module.has_uninitialized_params():
            raise RuntimeError(f"module {self._get_name()} has not been fully initialized")
        module._initialize_hook.remove()
        module._load_hook.remove()
        delattr(module, "_initialize_hook")
        delattr(module, "_load_hook")
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become

    def _replicate_for_data_parallel(self) -> Any:
        raise RuntimeError(
            "Modules with uninitialized parameters can't be used with `DataParallel`. Run a dummy forward pass "
            "to correctly initialize the modules"
        )
