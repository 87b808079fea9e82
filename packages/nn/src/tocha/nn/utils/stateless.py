"""``tocha.nn.utils.stateless``: the deprecated home of ``functional_call`` (``torch.nn.utils.stateless``)."""

from __future__ import annotations

import warnings
from typing import Any

import tocha.func

from ..modules.module import Module

__all__ = ["functional_call"]


def functional_call(
    module: Module,
    parameters_and_buffers: dict[str, Any],
    args: Any = None,
    kwargs: dict[str, Any] | None = None,
    *,
    tie_weights: bool = True,
    strict: bool = False,
) -> Any:
    """Call ``module`` with some parameters and buffers replaced (deprecated: use ``tocha.func.functional_call``).

    Emits PyTorch's ``FutureWarning`` and delegates.

    Args:
        module: the module to call.
        parameters_and_buffers: dotted name to tensor, used for this call only.
        args: positional arguments (a single non-tuple value is one argument).
        kwargs: keyword arguments.
        tie_weights: a tensor given for one of tied names is used for all of them.
        strict: the dict must name every parameter and buffer and nothing else.

    Returns:
        The module's output.

    Example:
        >>> import warnings
        >>> import tocha, tocha.nn as nn
        >>> from tocha.nn.utils.stateless import functional_call
        >>> lin = nn.Linear(2, 1, bias=False)
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     functional_call(lin, {"weight": tocha.ones(1, 2)}, (tocha.ones(1, 2),))
        tensor([[2.]])
    """
    warnings.warn(
        "`tocha.nn.utils.stateless.functional_call` is deprecated (as `torch.nn.utils.stateless.functional_call` "
        "is as of PyTorch 2.0) and will be removed in a future version. Please use `tocha.func.functional_call` "
        "instead which is a drop-in replacement.",
        FutureWarning,
        stacklevel=2,
    )
    return tocha.func.functional_call(
        module, parameters_and_buffers, args, kwargs, tie_weights=tie_weights, strict=strict
    )
