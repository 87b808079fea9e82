"""Helpers that vjps share, written with tocha ops so they are differentiable."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = ["reduce_to_shape"]


def reduce_to_shape(grad: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Sum ``grad`` over the dimensions broadcasting added or expanded, giving ``shape``.

    Example:
        >>> import tocha
        >>> from tocha._ops._grad_utils import reduce_to_shape
        >>> reduce_to_shape(tocha.ones(2, 3), (1, 3))
        tensor([[2., 2., 2.]])
    """
    grad_shape = tuple(grad.shape)
    if grad_shape == shape:
        return grad
    lead = len(grad_shape) - len(shape)
    dims = tuple(range(lead)) + tuple(
        lead + i for i, size in enumerate(shape) if size == 1 and grad_shape[lead + i] != 1
    )
    summed: Tensor = grad.sum(dim=dims, keepdim=True) if dims else grad
    return summed.reshape(shape)
