"""Convert convolution weights to a memory format (``torch.nn.utils.convert_conv2d_weight_memory_format``)."""

from __future__ import annotations

from typing import Any, TypeVar

from ..modules.conv import Conv2d, Conv3d, ConvTranspose2d, ConvTranspose3d
from ..modules.module import Module

__all__ = ["convert_conv2d_weight_memory_format", "convert_conv3d_weight_memory_format"]

_M = TypeVar("_M", bound=Module)


def _convert(module: Module, kinds: tuple[type[Module], ...], memory_format: Any) -> None:
    for m in module.modules():
        if isinstance(m, kinds):
            weight = m.weight
            weight.data = weight.detach().clone(memory_format=memory_format)


def convert_conv2d_weight_memory_format(module: _M, memory_format: Any) -> _M:
    """Lay out the weight of every ``Conv2d`` / ``ConvTranspose2d`` in ``module`` (itself included) in
    ``memory_format`` (``tocha.channels_last``...), in place; returns ``module``.

    Example:
        >>> import tocha, tocha.nn as nn
        >>> from tocha.nn.utils import convert_conv2d_weight_memory_format
        >>> model = convert_conv2d_weight_memory_format(nn.Sequential(nn.Conv2d(3, 4, 3)), tocha.channels_last)
        >>> model[0].weight.is_contiguous(memory_format=tocha.channels_last)
        True
    """
    _convert(module, (Conv2d, ConvTranspose2d), memory_format)
    return module


def convert_conv3d_weight_memory_format(module: _M, memory_format: Any) -> _M:
    """Lay out the weight of every ``Conv3d`` / ``ConvTranspose3d`` in ``module`` in ``memory_format``
    (``tocha.channels_last_3d``...), in place; returns ``module``.

    Example:
        >>> import tocha, tocha.nn as nn
        >>> from tocha.nn.utils import convert_conv3d_weight_memory_format
        >>> conv = convert_conv3d_weight_memory_format(nn.Conv3d(2, 4, 3), tocha.channels_last_3d)
        >>> conv.weight.is_contiguous(memory_format=tocha.channels_last_3d)
        True
    """
    _convert(module, (Conv3d, ConvTranspose3d), memory_format)
    return module
