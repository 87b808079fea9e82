"""parameters_to_vector and vector_to_parameters.

Example:
    >>> import tocha
    >>> from tocha.nn.utils import parameters_to_vector
    >>> parameters_to_vector([tocha.ones(2), tocha.zeros(1, 2)])
    tensor([1., 1., 0., 0.])
"""

from __future__ import annotations

from collections.abc import Iterable

import tocha

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _check_param_device(param: tocha.Tensor, old_param_device: int | None) -> int:
    """The device index of ``param`` (-1 for CPU); TypeError if it differs from the previous parameters'."""
    device = param.get_device() if param.is_cuda else -1
    if old_param_device is not None and device != old_param_device:
        raise TypeError("Found two parameters on different devices, this is currently not supported.")
    return device


def parameters_to_vector(parameters: Iterable[tocha.Tensor]) -> tocha.Tensor:
    """All ``parameters`` flattened and concatenated into one vector (differentiable).

    Example:
        >>> import tocha
        >>> from tocha.nn.utils import parameters_to_vector
        >>> parameters_to_vector([tocha.tensor([1.0, 2.0]), tocha.tensor([[3.0]])])
        tensor([1., 2., 3.])
    """
    device: int | None = None
    pieces = []
    for param in parameters:
        device = _check_param_device(param, device)
        pieces.append(param.view(-1))
    return tocha.cat(pieces)


def vector_to_parameters(vec: tocha.Tensor, parameters: Iterable[tocha.Tensor]) -> None:
    """Give each of ``parameters`` (in order) its slice of ``vec`` as its data (views of ``vec``).

    Example:
        >>> import tocha
        >>> from tocha.nn.utils import vector_to_parameters
        >>> a, b = tocha.nn.Parameter(tocha.zeros(2)), tocha.nn.Parameter(tocha.zeros(1, 1))
        >>> vector_to_parameters(tocha.tensor([1.0, 2.0, 3.0]), [a, b])
        >>> a.tolist(), b.tolist()
        ([1.0, 2.0], [[3.0]])
    """
    if not isinstance(vec, tocha.Tensor):
        raise TypeError(f"expected tocha.Tensor, but got: {type(vec).__name__}")
    device: int | None = None
    pointer = 0
    for param in parameters:
        device = _check_param_device(param, device)
        n = param.numel()
        param.data = vec[pointer : pointer + n].view_as(param).data
        pointer += n
