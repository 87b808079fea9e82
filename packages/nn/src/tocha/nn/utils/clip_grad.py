"""Gradient clipping: clip_grad_norm_, clip_grad_value_, get_total_norm, clip_grads_with_norm_.

Example:
    >>> import tocha
    >>> from tocha.nn.utils import clip_grad_norm_
    >>> p = tocha.nn.Parameter(tocha.zeros(2))
    >>> p.grad = tocha.tensor([3.0, 4.0])
    >>> clip_grad_norm_([p], max_norm=1.0)
    tensor(5.)
    >>> p.grad
    tensor([0.6000, 0.8000])
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from typing import Union

import tocha

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]

TensorOrTensors = Union[tocha.Tensor, Iterable[tocha.Tensor]]


def _grads_of(parameters: TensorOrTensors) -> list[tocha.Tensor]:
    params = [parameters] if isinstance(parameters, tocha.Tensor) else list(parameters)
    return [p.grad for p in params if p.grad is not None]


def get_total_norm(
    tensors: TensorOrTensors,
    norm_type: float | str = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> tocha.Tensor:
    """The ``norm_type`` norm of all ``tensors`` together, as if concatenated into one vector.

    Args:
        tensors: a tensor or an iterable of tensors (typically gradients).
        norm_type: the order of the norm; ``inf`` for the largest absolute value.
        error_if_nonfinite: raise RuntimeError if the total norm is nan or inf.
        foreach: accepted for compatibility (one vectorised path serves both).

    Example:
        >>> import tocha
        >>> from tocha.nn.utils import get_total_norm
        >>> get_total_norm([tocha.tensor([3.0]), tocha.tensor([4.0])])
        tensor(5.)
        >>> get_total_norm([tocha.tensor([3.0]), tocha.tensor([-4.0])], norm_type="inf")
        tensor(4.)
    """
    tensors = [tensors] if isinstance(tensors, tocha.Tensor) else list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return tocha.tensor(0.0)
    with tocha.no_grad():
        norms = [tocha.norm(t, norm_type) for t in tensors]
        device = tensors[0].device
        stacked = tocha.stack([n.to(device) for n in norms])
        total = tocha.norm(stacked, norm_type)
    if error_if_nonfinite and not math.isfinite(float(total)):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it cannot be "
            "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
            "`error_if_nonfinite=False`"
        )
    return total


def clip_grads_with_norm_(
    parameters: TensorOrTensors,
    max_norm: float,
    total_norm: tocha.Tensor,
    foreach: bool | None = None,
) -> None:
    """Scale the gradients of ``parameters`` in place by ``min(1, max_norm / (total_norm + 1e-6))``.

    Example:
        >>> import tocha
        >>> from tocha.nn.utils import clip_grads_with_norm_
        >>> p = tocha.nn.Parameter(tocha.zeros(2))
        >>> p.grad = tocha.tensor([3.0, 4.0])
        >>> clip_grads_with_norm_([p], 2.5, tocha.tensor(5.0))
        >>> p.grad
        tensor([1.5000, 2.0000])
    """
    grads = _grads_of(parameters)
    if not grads:
        return
    with tocha.no_grad():
        coef = tocha.clamp(float(max_norm) / (total_norm + 1e-6), max=1.0)
        for g in grads:
            g.mul_(coef.to(device=g.device, dtype=g.dtype))


def clip_grad_norm_(
    parameters: TensorOrTensors,
    max_norm: float,
    norm_type: float | str = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> tocha.Tensor:
    """Clip the gradients of ``parameters`` in place so that their total norm is at most ``max_norm``.

    Args:
        parameters: a tensor or an iterable of tensors whose ``.grad`` is clipped.
        max_norm: the largest total norm allowed.
        norm_type: the order of the norm (``2.0``, ``1``, ``inf``...).
        error_if_nonfinite: raise RuntimeError if the total norm is nan or inf.
        foreach: accepted for compatibility.

    Returns:
        The total norm of the gradients before clipping (a 0-dim tensor).

    Example:
        >>> import tocha
        >>> from tocha.nn.utils import clip_grad_norm_
        >>> p = tocha.nn.Parameter(tocha.zeros(3))
        >>> p.grad = tocha.tensor([1.0, -6.0, 2.0])
        >>> clip_grad_norm_(p, max_norm=3.0, norm_type=float("inf"))
        tensor(6.)
        >>> p.grad
        tensor([ 0.5000, -3.0000,  1.0000])
    """
    if isinstance(parameters, tocha.Tensor):
        parameters = [parameters]
    else:
        parameters = list(parameters)
    grads = _grads_of(parameters)
    if not grads:
        return tocha.tensor(0.0)
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total


def clip_grad_norm(
    parameters: TensorOrTensors,
    max_norm: float,
    norm_type: float | str = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> tocha.Tensor:
    """Deprecated spelling of :func:`clip_grad_norm_` (warns).

    Example:
        >>> import tocha, warnings
        >>> from tocha.nn.utils import clip_grad_norm
        >>> p = tocha.nn.Parameter(tocha.zeros(1))
        >>> p.grad = tocha.tensor([2.0])
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     clip_grad_norm(p, 1.0)
        tensor(2.)
    """
    warnings.warn(
        "`tocha.nn.utils.clip_grad_norm` is now deprecated in favor of `tocha.nn.utils.clip_grad_norm_`.",
        FutureWarning,
        stacklevel=2,
    )
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters: TensorOrTensors, clip_value: float, foreach: bool | None = None) -> None:
    """Clamp the gradients of ``parameters`` in place to ``[-clip_value, clip_value]``.

    Example:
        >>> import tocha
        >>> from tocha.nn.utils import clip_grad_value_
        >>> p = tocha.nn.Parameter(tocha.zeros(3))
        >>> p.grad = tocha.tensor([0.5, -3.0, 2.0])
        >>> clip_grad_value_(p, 1.0)
        >>> p.grad
        tensor([ 0.5000, -1.0000,  1.0000])
    """
    value = float(clip_value)
    with tocha.no_grad():
        for g in _grads_of(parameters):
            g.clamp_(min=-value, max=value)
