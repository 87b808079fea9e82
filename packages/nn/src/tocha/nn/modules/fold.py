"""Fold and Unfold: sliding local blocks to and from columns (``torch.nn.Fold`` / ``torch.nn.Unfold``)."""

from __future__ import annotations

from typing import Any

from tocha import Tensor

from ..functional._conv import fold, unfold
from .module import Module

__all__: list[str] = ["Fold", "Unfold"]


class Fold(Module):
    """Sum columns of sliding blocks into a ``(N, C, *output_size)`` tensor (col2im), as ``torch.nn.Fold``.

    Args:
        output_size: spatial size of the result.
        kernel_size: size of the blocks.
        dilation: spacing between the elements of a block.
        padding: zeros that were added on both sides of each spatial dim.
        stride: step between blocks.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.Fold(output_size=(4, 5), kernel_size=(2, 2))
        >>> m
        Fold(output_size=(4, 5), kernel_size=(2, 2), dilation=1, padding=0, stride=1)
        >>> m(tocha.randn(1, 3 * 2 * 2, 12)).shape
        tocha.Size([1, 3, 4, 5])
    """

    def __init__(
        self, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1
    ) -> None:
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        """``F.fold`` with this layer's arguments."""
        return fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        """The layer's arguments, as given."""
        return (
            f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
            f"padding={self.padding}, stride={self.stride}"
        )


class Unfold(Module):
    """Extract sliding local blocks into columns ``(N, C * prod(kernel_size), L)`` (im2col), as ``torch.nn.Unfold``.

    Args:
        kernel_size: size of the blocks.
        dilation: spacing between the elements of a block.
        padding: zeros added on both sides of each spatial dim.
        stride: step between blocks.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.Unfold(kernel_size=(2, 3))
        >>> m
        Unfold(kernel_size=(2, 3), dilation=1, padding=0, stride=1)
        >>> m(tocha.randn(2, 5, 3, 4)).shape
        tocha.Size([2, 30, 4])
    """

    def __init__(self, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        """``F.unfold`` with this layer's arguments."""
        return unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        """The layer's arguments, as given."""
        return f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, stride={self.stride}"
