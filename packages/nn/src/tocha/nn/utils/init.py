"""skip_init: build a module without running its parameter initialisation.

Example:
    >>> import tocha
    >>> from tocha import nn
    >>> from tocha.nn.utils import skip_init
    >>> class Scale(nn.Module):
    ...     def __init__(self, n, device=None):
    ...         super().__init__()
    ...         self.weight = nn.Parameter(tocha.ones(n, device=device))
    >>> tuple(skip_init(Scale, 3).weight.shape)
    (3,)
"""

from __future__ import annotations

import inspect
from typing import Any, TypeVar

from ..modules.module import Module

__all__ = ["skip_init"]

ModuleT = TypeVar("ModuleT", bound=Module)


def skip_init(module_cls: type[ModuleT], *args: Any, **kwargs: Any) -> ModuleT:
    """An instance of ``module_cls(*args, **kwargs)`` whose parameters and buffers hold uninitialised memory.

    The class must take a ``device`` argument (as every tocha.nn layer does), as in PyTorch. tocha has no
    ``meta`` device, so the module is built on the CPU and its tensors are then replaced by empty ones on the
    requested device (``to_empty``): the values are unspecified, as PyTorch's are.

    Raises:
        RuntimeError: ``module_cls`` is not a Module subclass or takes no ``device`` argument.

    Example:
        >>> import tocha
        >>> from tocha import nn
        >>> from tocha.nn.utils import skip_init
        >>> class Scale(nn.Module):
        ...     def __init__(self, n, device=None):
        ...         super().__init__()
        ...         self.weight = nn.Parameter(tocha.ones(n, device=device))
        >>> m = skip_init(Scale, 2, device="cpu")
        >>> m.weight.device
        device(type='cpu')
    """
    if not (isinstance(module_cls, type) and issubclass(module_cls, Module)):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    final_device = kwargs.pop("device", "cpu")
    kwargs["device"] = "cpu"
    return module_cls(*args, **kwargs).to_empty(device=final_device)
