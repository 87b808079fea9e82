"""PixelShuffle and PixelUnshuffle (``torch.nn``'s sub-pixel rearrangements)."""

from __future__ import annotations

from tocha import Tensor

from ..functional._conv import pixel_shuffle, pixel_unshuffle
from .module import Module

__all__: list[str] = ["PixelShuffle", "PixelUnshuffle"]


class PixelShuffle(Module):
    """Rearrange ``(*, C * r^2, H, W)`` into ``(*, C, H * r, W * r)``, as ``torch.nn.PixelShuffle``.

    Args:
        upscale_factor: ``r``.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.PixelShuffle(3)
        >>> m
        PixelShuffle(upscale_factor=3)
        >>> m(tocha.randn(1, 9, 4, 4)).shape
        tocha.Size([1, 1, 12, 12])
    """

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: Tensor) -> Tensor:
        """``F.pixel_shuffle(input, upscale_factor)``."""
        return pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        """``upscale_factor=...``."""
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """Rearrange ``(*, C, H * r, W * r)`` into ``(*, C * r^2, H, W)``, as ``torch.nn.PixelUnshuffle``.

    Args:
        downscale_factor: ``r``.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.PixelUnshuffle(3)
        >>> m
        PixelUnshuffle(downscale_factor=3)
        >>> m(tocha.randn(1, 1, 12, 12)).shape
        tocha.Size([1, 9, 4, 4])
    """

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: Tensor) -> Tensor:
        """``F.pixel_unshuffle(input, downscale_factor)``."""
        return pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        """``downscale_factor=...``."""
        return f"downscale_factor={self.downscale_factor}"
