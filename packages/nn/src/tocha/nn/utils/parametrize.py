"""Parametrizations: express a parameter or buffer as a function of other tensors (``torch.nn.utils.parametrize``).

NOTE [ Parametrizations ]
``register_parametrization(module, "weight", p)`` moves the tensor to
``module.parametrizations.weight.original`` (or ``original0``, ``original1``... when ``p.right_inverse``
returns several tensors), and swaps the module's class for a subclass ``Parametrized<Class>`` with a
``weight`` property that computes ``p(original)`` on every access (once per ``cached()`` block). Assigning
``module.weight = value`` stores ``right_inverse(value)`` in the originals. State-dict keys are PyTorch's:
``parametrizations.weight.original``.

Example:
    >>> import tocha
    >>> from tocha import nn
    >>> from tocha.nn.utils import parametrize
    >>> class Symmetric(nn.Module):
    ...     def forward(self, X):
    ...         return X.triu() + X.triu(1).mT
    >>> m = nn.Module()
    >>> m.weight = nn.Parameter(tocha.tensor([[1.0, 2.0], [3.0, 4.0]]))
    >>> _ = parametrize.register_parametrization(m, "weight", Symmetric())
    >>> m.weight
    tensor([[1., 2.],
            [2., 4.]], grad_fn=<AddBackward0>)
    >>> list(m.state_dict())
    ['parametrizations.weight.original']
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import tocha

from ..modules.container import ModuleDict, ModuleList
from ..modules.module import Module
from ..parameter import Parameter

__all__ = [
    "cached",
    "ParametrizationList",
    "register_parametrization",
    "is_parametrized",
    "remove_parametrizations",
    "type_before_parametrizations",
    "transfer_parametrizations_and_params",
]

_cache_enabled = 0
_cache: dict[tuple[int, str], tocha.Tensor] = {}


@contextmanager
def cached() -> Iterator[None]:
    """Within this block, each parametrized tensor is computed once (on first access) and reused.

    Example:
        >>> import tocha
        >>> from tocha import nn
        >>> from tocha.nn.utils import parametrize
        >>> class Twice(nn.Module):
        ...     def forward(self, x):
        ...         return x * 2
        >>> m = nn.Module()
        >>> m.w = nn.Parameter(tocha.ones(1))
        >>> _ = parametrize.register_parametrization(m, "w", Twice())
        >>> with parametrize.cached():
        ...     m.w is m.w
        True
    """
    global _cache_enabled, _cache
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache = {}


def _register_parameter_or_buffer(module: Module, name: str, value: tocha.Tensor) -> None:
    if isinstance(value, Parameter):
        module.register_parameter(name, value)
    else:
        module.register_buffer(name, value)


def _maybe_set(dest: tocha.Tensor, src: tocha.Tensor) -> None:
    """Make ``dest`` hold ``src``'s values and shape, keeping ``dest``'s identity (``Tensor.set_``)."""
    with tocha.no_grad():
        dest.data = src.detach() if src is not dest else src.data


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, applied in order, and the original tensor(s) they act on.

    ``original`` (or ``original0``, ``original1``...) holds the unparametrized tensor(s); calling the list
    computes the parametrized value. Made by :func:`register_parametrization`; not meant to be built directly.

    Example:
        >>> import tocha
        >>> from tocha import nn
        >>> from tocha.nn.utils import parametrize
        >>> class Twice(nn.Module):
        ...     def forward(self, x):
        ...         return x * 2
        >>> m = nn.Module()
        >>> m.w = nn.Parameter(tocha.ones(1))
        >>> _ = parametrize.register_parametrization(m, "w", Twice())
        >>> m.parametrizations.w
        ParametrizationList(
          (0): Twice()
        )
        >>> m.parametrizations.w()
        tensor([2.], grad_fn=<MulBackward0>)
    """

    original: tocha.Tensor
    unsafe: bool
    is_tensor: bool
    ntensors: int

    def __init__(self, modules: Sequence[Module], original: tocha.Tensor, unsafe: bool = False) -> None:
        if len(modules) == 0:
            raise ValueError("ParametrizationList requires one or more modules.")
        super().__init__(modules)
        self.unsafe = unsafe
        original_shape, original_dtype = tuple(original.shape), original.dtype
        with tocha.no_grad():
            new: Any = original
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    with contextlib.suppress(NotImplementedError):  # then it is taken as the identity
                        new = module.right_inverse(new)
        if not isinstance(new, tocha.Tensor) and not isinstance(new, Sequence):
            raise ValueError(
                "'right_inverse' must return a Tensor or a Sequence of tensors (list, tuple...). "
                f"Got {type(new).__name__}"
            )
        self.is_tensor = isinstance(new, tocha.Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if isinstance(new, tocha.Tensor):
            if original.dtype != new.dtype:
                raise ValueError(
                    "When `right_inverse` outputs one tensor, it may not change the dtype.\n"
                    f"original.dtype: {original.dtype}\nright_inverse(original).dtype: {new.dtype}"
                )
            _maybe_set(original, new)
            _register_parameter_or_buffer(self, "original", original)
        else:
            for i, originali in enumerate(new):
                if not isinstance(originali, tocha.Tensor):
                    raise ValueError(
                        "'right_inverse' must return a Tensor or a Sequence of tensors (list, tuple...). "
                        f"Got element {i} of the sequence with type {type(originali).__name__}."
                    )
                if isinstance(original, Parameter):
                    originali = Parameter(originali, original.requires_grad)
                _register_parameter_or_buffer(self, f"original{i}", originali)
        if not self.unsafe:
            z = self()
            if not isinstance(z, tocha.Tensor):
                raise ValueError(f"A parametrization must return a tensor. Got {type(z).__name__}.")
            if z.dtype != original_dtype:
                raise ValueError(
                    "Registering a parametrization may not change the dtype of the tensor, unless `unsafe` flag "
                    f"is enabled.\nunparametrized dtype: {original_dtype}\nparametrized dtype: {z.dtype}"
                )
            if tuple(z.shape) != original_shape:
                raise ValueError(
                    "Registering a parametrization may not change the shape of the tensor, unless `unsafe` flag "
                    f"is enabled.\nunparametrized shape: {tocha.Size(original_shape)}\nparametrized shape: {z.shape}"
                )

    def right_inverse(self, value: tocha.Tensor) -> None:
        """Store in the originals the tensor(s) that the parametrizations map to ``value``."""
        with tocha.no_grad():
            new: Any = value
            for module in reversed(list(self)):
                if not hasattr(module, "right_inverse"):
                    raise RuntimeError(f"parametrization {type(module).__name__} does not implement right_inverse.")
                new = module.right_inverse(new)
            if self.is_tensor:
                if not isinstance(new, tocha.Tensor):
                    raise ValueError(f"`right_inverse` should return a tensor. Got {type(new).__name__}")
                if new.dtype != self.original.dtype:
                    raise ValueError(
                        f"The tensor returned by `right_inverse` has dtype {new.dtype} while `original` has dtype "
                        f"{self.original.dtype}"
                    )
                _maybe_set(self.original, new)
            else:
                if not isinstance(new, Sequence):
                    raise ValueError(f"'right_inverse' must return a sequence of tensors. Got {type(new).__name__}.")
                if len(new) != self.ntensors:
                    raise ValueError(
                        "'right_inverse' must return a sequence of tensors of length "
                        f"{self.ntensors}. Got a sequence of length {len(new)}."
                    )
                for i, tensor in enumerate(new):
                    _maybe_set(getattr(self, f"original{i}"), tensor)

    def forward(self) -> tocha.Tensor:
        """The parametrized tensor."""
        modules = list(self._modules.values())
        if self.is_tensor:
            x = modules[0](self.original)
        else:
            x = modules[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for module in modules[1:]:
            x = module(x)
        return x  # type: ignore[no-any-return]


def _inject_new_class(module: Module) -> None:
    """Give ``module`` its own subclass ``Parametrized<Class>`` to hang the properties on."""
    cls = module.__class__

    def default_deepcopy(self: Module, memo: dict[int, Any]) -> Module:
        obj = memo.get(id(self))
        if obj is not None:
            return obj  # type: ignore[no-any-return]
        replica = self.__new__(self.__class__)
        memo[id(self)] = replica
        replica.__dict__ = copy.deepcopy(self.__dict__, memo)
        return replica

    def getstate(self: Module) -> Any:
        raise RuntimeError(
            "Serialization of parametrized modules is only supported through state_dict(). See:\n"
            "https://pytorch.org/tutorials/beginner/saving_loading_models.html"
            "#saving-loading-a-general-checkpoint-for-inference-and-or-resuming-training"
        )

    namespace: dict[str, Any] = {"__getstate__": getstate}
    if not hasattr(cls, "__deepcopy__"):
        namespace["__deepcopy__"] = default_deepcopy
    param_cls = type(f"Parametrized{cls.__name__}", (cls,), namespace)
    param_cls.__module__ = cls.__module__
    module.__class__ = param_cls


def _inject_property(module: Module, tensor_name: str) -> None:
    """Add the property ``tensor_name`` to the module's ``Parametrized`` class."""
    assert not hasattr(module, tensor_name)

    def get_parametrized(self: Module) -> tocha.Tensor:
        parametrization = self.parametrizations[tensor_name]
        if _cache_enabled:
            key = (id(self), tensor_name)
            tensor = _cache.get(key)
            if tensor is None:
                tensor = parametrization()
                _cache[key] = tensor
            return tensor
        return parametrization()  # type: ignore[no-any-return]

    def set_original(self: Module, value: tocha.Tensor) -> None:
        self.parametrizations[tensor_name].right_inverse(value)

    setattr(module.__class__, tensor_name, property(get_parametrized, set_original))


def register_parametrization(
    module: Module, tensor_name: str, parametrization: Module, *, unsafe: bool = False
) -> Module:
    """Make ``module.<tensor_name>`` the output of ``parametrization`` applied to the stored original.

    Args:
        module: the module owning the parameter or buffer.
        tensor_name: the parameter or buffer to parametrize (or one already parametrized: the new
            parametrization is applied after the existing ones).
        parametrization: a module whose ``forward`` maps the original to the tensor; an optional
            ``right_inverse`` maps a tensor back to the original(s) and initialises them.
        unsafe: skip the checks that the parametrization keeps the shape and dtype.

    Returns:
        ``module``.

    Example:
        >>> import tocha
        >>> from tocha import nn
        >>> from tocha.nn.utils import parametrize
        >>> class Positive(nn.Module):
        ...     def forward(self, x):
        ...         return x.exp()
        ...     def right_inverse(self, y):
        ...         return y.log()
        >>> m = nn.Module()
        >>> m.scale = nn.Parameter(tocha.tensor([1.0, 2.0]))
        >>> _ = parametrize.register_parametrization(m, "scale", Positive())
        >>> m.scale
        tensor([1., 2.], grad_fn=<ExpBackward0>)
        >>> type(m).__name__, parametrize.is_parametrized(m, "scale")
        ('ParametrizedModule', True)
    """
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        if not unsafe:
            y = getattr(module, tensor_name)
            x = parametrization(y)
            if not isinstance(x, tocha.Tensor):
                raise ValueError(f"A parametrization must return a tensor. Got {type(x).__name__}.")
            if x.dtype != y.dtype:
                raise ValueError(
                    "Registering a parametrization may not change the dtype of the tensor, unless the `unsafe` flag "
                    f"is enabled.\nmodule.{tensor_name}.dtype: {y.dtype}\nparametrization(module.{tensor_name}).dtype: "
                    f"{x.dtype}"
                )
            if tuple(x.shape) != tuple(y.shape):
                raise ValueError(
                    "Registering a parametrization may not change the shape of the tensor, unless the `unsafe` flag "
                    f"is enabled.\nmodule.{tensor_name}.shape: {y.shape}\nparametrization(module.{tensor_name}).shape: "
                    f"{x.shape}"
                )
            if hasattr(parametrization, "right_inverse"):
                try:
                    z = parametrization.right_inverse(x)
                except NotImplementedError:
                    pass
                else:
                    if not isinstance(z, tocha.Tensor):
                        raise ValueError(f"parametrization.right_inverse must return a tensor. Got: {type(z).__name__}")
                    if z.dtype != y.dtype:
                        raise ValueError(
                            "The tensor returned by parametrization.right_inverse must have the same dtype as "
                            f"module.{tensor_name}, unless the `unsafe` flag is enabled.\nmodule.{tensor_name}.dtype: "
                            f"{y.dtype}\nreturned dtype: {z.dtype}"
                        )
                    if tuple(z.shape) != tuple(y.shape):
                        raise ValueError(
                            "The tensor returned by parametrization.right_inverse must have the same shape as "
                            f"module.{tensor_name}, unless the `unsafe` flag is enabled.\nmodule.{tensor_name}.shape: "
                            f"{y.shape}\nreturned shape: {z.shape}"
                        )
        module.parametrizations[tensor_name].append(parametrization)
        module.parametrizations[tensor_name].unsafe |= unsafe
    elif tensor_name in module._buffers or tensor_name in module._parameters:
        original = getattr(module, tensor_name)
        parametrizations = ParametrizationList([parametrization], original, unsafe=unsafe)
        delattr(module, tensor_name)
        if not is_parametrized(module):
            _inject_new_class(module)
            module.parametrizations = ModuleDict()
        _inject_property(module, tensor_name)
        module.parametrizations[tensor_name] = parametrizations
    else:
        raise ValueError(
            f"Module '{module}' does not have a parameter, a buffer, or a parametrized element with name "
            f"'{tensor_name}'"
        )
    return module


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether ``module`` has a parametrization (on ``tensor_name``, if given).

    Example:
        >>> import tocha
        >>> from tocha.nn.utils import parametrize
        >>> parametrize.is_parametrized(tocha.nn.Module())
        False
    """
    parametrizations = module.__dict__.get("_modules", {}).get("parametrizations")
    if parametrizations is None or not isinstance(parametrizations, ModuleDict):
        return False
    if tensor_name is None:
        return len(parametrizations) > 0
    return tensor_name in parametrizations


def remove_parametrizations(module: Module, tensor_name: str, leave_parametrized: bool = True) -> Module:
    """Remove the parametrizations on ``tensor_name``; the tensor becomes a plain parameter (or buffer) again,
    holding the parametrized value (``leave_parametrized=True``) or the original.

    Example:
        >>> import tocha
        >>> from tocha import nn
        >>> from tocha.nn.utils import parametrize
        >>> class Twice(nn.Module):
        ...     def forward(self, x):
        ...         return x * 2
        >>> m = nn.Module()
        >>> m.w = nn.Parameter(tocha.ones(2))
        >>> _ = parametrize.register_parametrization(m, "w", Twice())
        >>> _ = parametrize.remove_parametrizations(m, "w")
        >>> type(m).__name__, m.w
        ('Module', Parameter containing:
        tensor([2., 2.], requires_grad=True))
    """
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    parametrizations = module.parametrizations[tensor_name]
    if parametrizations.is_tensor:
        original = parametrizations.original
        if leave_parametrized:
            with tocha.no_grad():
                t = getattr(module, tensor_name)
            _maybe_set(original, t)
    else:
        if not leave_parametrized:
            raise ValueError(
                "Cannot leave unparametrized (`leave_parametrized=False`) a tensor that is parametrized in terms of "
                "a sequence of tensors."
            )
        t = getattr(module, tensor_name)
        original = Parameter(t.detach(), t.requires_grad) if t.requires_grad else t.detach()
    delattr(module.__class__, tensor_name)
    del module.parametrizations[tensor_name]
    _register_parameter_or_buffer(module, tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = module.__class__.__bases__[0]
    return module


def type_before_parametrizations(module: Module) -> type[Module]:
    """The module's class before parametrizations replaced it with ``Parametrized<Class>``.

    Example:
        >>> import tocha
        >>> from tocha.nn.utils import parametrize
        >>> parametrize.type_before_parametrizations(tocha.nn.Module()).__name__
        'Module'
    """
    if is_parametrized(module):
        base: type[Module] = module.__class__.__bases__[0]
        return base
    return type(module)


def transfer_parametrizations_and_params(
    from_module: Module, to_module: Module, tensor_name: str | None = None
) -> Module:
    """Copy the parametrizations (and their originals) of ``from_module`` onto ``to_module``.

    Example:
        >>> import tocha
        >>> from tocha import nn
        >>> from tocha.nn.utils import parametrize
        >>> class Twice(nn.Module):
        ...     def forward(self, x):
        ...         return x * 2
        >>> a, b = nn.Module(), nn.Module()
        >>> a.w = nn.Parameter(tocha.ones(1))
        >>> b.w = nn.Parameter(tocha.zeros(1))
        >>> _ = parametrize.register_parametrization(a, "w", Twice())
        >>> _ = parametrize.transfer_parametrizations_and_params(a, b)
        >>> b.w
        tensor([2.], grad_fn=<MulBackward0>)
    """
    if not is_parametrized(from_module):
        return to_module
    names = list(from_module.parametrizations) if tensor_name is None else [tensor_name]
    for name in names:
        if not hasattr(to_module, name):
            setattr(to_module, name, Parameter(getattr(from_module, name)))
        for param_func in from_module.parametrizations[name]:
            register_parametrization(to_module, name, param_func)
        source = from_module.parametrizations[name]
        target = to_module.parametrizations[name]
        with tocha.no_grad():
            if source.is_tensor:
                _maybe_set(target.original, source.original)
            else:
                for i in range(source.ntensors):
                    _maybe_set(getattr(target, f"original{i}"), getattr(source, f"original{i}"))
    return to_module
