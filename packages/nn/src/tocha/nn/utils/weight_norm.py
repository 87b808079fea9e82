"""The legacy, hook-based weight normalisation (``torch.nn.utils.weight_norm``).

Deprecated in PyTorch in favour of :func:`tocha.nn.utils.parametrizations.weight_norm`, whose maths this reuses.
The weight is replaced by parameters ``<name>_g`` (magnitude) and ``<name>_v`` (direction), and a forward
pre-hook recomputes ``<name> = g * v / ||v||`` before every forward.
"""

from __future__ import annotations

import warnings
from typing import Any, TypeVar

import tocha

from ..modules.module import Module
from ..parameter import Parameter, UninitializedParameter
from .parametrizations import _norm_except_dim

__all__ = ["WeightNorm", "remove_weight_norm", "weight_norm"]

_M = TypeVar("_M", bound=Module)


class WeightNorm:
    """The forward pre-hook that recomputes ``module.<name>`` from ``<name>_g`` and ``<name>_v``.

    Args:
        name: the parameter's name.
        dim: the dimension kept by the norm (``None`` or -1: the norm of the whole tensor).

    Example:
        >>> import warnings
        >>> import tocha.nn as nn
        >>> from tocha.nn.utils import weight_norm
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     m = weight_norm(nn.Linear(3, 2))
        >>> [type(h).__name__ for h in m._forward_pre_hooks.values()]
        ['WeightNorm']
    """

    name: str
    dim: int

    def __init__(self, name: str, dim: int | None) -> None:
        self.name = name
        self.dim = -1 if dim is None else dim

    def compute_weight(self, module: Module) -> tocha.Tensor:
        """Return ``g * v / ||v||`` (the norm over every dimension but ``dim``).

        Example:
            >>> import tocha, tocha.nn as nn
            >>> m = nn.Module()
            >>> m.weight_g = nn.Parameter(tocha.tensor([[2.0]])); m.weight_v = nn.Parameter(tocha.tensor([[3.0, 4.0]]))
            >>> WeightNorm("weight", 0).compute_weight(m)
            tensor([[1.2000, 1.6000]], grad_fn=<MulBackward0>)
        """
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        weight: tocha.Tensor = v * (g / _norm_except_dim(v, self.dim))
        return weight

    @staticmethod
    def apply(module: Module, name: str, dim: int | None) -> WeightNorm:
        """Reparametrize ``module.<name>`` and register the hook (emits PyTorch's ``FutureWarning``).

        Example:
            >>> import warnings
            >>> import tocha.nn as nn
            >>> with warnings.catch_warnings():
            ...     warnings.simplefilter("ignore")
            ...     fn = WeightNorm.apply(nn.Linear(2, 2), "weight", 0)
            >>> fn.name, fn.dim
            ('weight', 0)
        """
        warnings.warn(
            "`tocha.nn.utils.weight_norm` is deprecated in favor of `tocha.nn.utils.parametrizations.weight_norm`.",
            FutureWarning,
            stacklevel=3,
        )
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        if isinstance(weight, UninitializedParameter):
            raise ValueError(
                "The module passed to `WeightNorm` can't have uninitialized parameters. "
                "Make sure to run the dummy forward before applying weight normalization"
            )
        del module._parameters[name]
        with tocha.no_grad():
            module.register_parameter(name + "_g", Parameter(_norm_except_dim(weight.detach(), fn.dim)))
        module.register_parameter(name + "_v", Parameter(weight.detach()))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module: Module) -> None:
        """Put back a plain parameter ``<name>`` holding the current weight.

        Example:
            >>> import warnings
            >>> import tocha.nn as nn
            >>> m = nn.Linear(2, 2)
            >>> with warnings.catch_warnings():
            ...     warnings.simplefilter("ignore")
            ...     fn = WeightNorm.apply(m, "weight", 0)
            >>> fn.remove(m); sorted(dict(m.named_parameters()))
            ['bias', 'weight']
        """
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module: _M, name: str = "weight", dim: int | None = 0) -> _M:
    r"""Apply weight normalisation to ``module.<name>`` with a forward pre-hook (deprecated in PyTorch).

    .. math::
        \mathbf{w} = g \frac{\mathbf{v}}{\lVert \mathbf{v} \rVert}

    The parameter is replaced by ``<name>_g`` (the norm over every dimension but ``dim``; ``None``: one norm for
    the whole tensor) and ``<name>_v`` (the direction); ``<name>`` is recomputed before every forward. Emits
    PyTorch's ``FutureWarning`` pointing to :func:`tocha.nn.utils.parametrizations.weight_norm`.

    Args:
        module: the module holding the parameter.
        name: the parameter's name.
        dim: the dimension over which the norm is not taken.

    Returns:
        ``module``.

    Raises:
        RuntimeError: the parameter already has a weight_norm hook.
        ValueError: the parameter is uninitialized.

    Example:
        >>> import warnings
        >>> import tocha.nn as nn
        >>> from tocha.nn.utils import weight_norm
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     m = weight_norm(nn.Linear(20, 40), name="weight")
        >>> m.weight_g.shape, m.weight_v.shape
        (tocha.Size([40, 1]), tocha.Size([40, 20]))
    """
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module: _M, name: str = "weight") -> _M:
    """Remove the weight normalisation hook of ``module.<name>``, leaving a plain parameter.

    Args:
        module: the module.
        name: the parameter's name.

    Returns:
        ``module``.

    Raises:
        ValueError: ``module.<name>`` has no weight_norm hook.

    Example:
        >>> import warnings
        >>> import tocha.nn as nn
        >>> from tocha.nn.utils import remove_weight_norm, weight_norm
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     m = remove_weight_norm(weight_norm(nn.Linear(20, 40)))
        >>> list(m.state_dict())
        ['bias', 'weight']
    """
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")
