"""ChannelShuffle (``torch.nn.ChannelShuffle``)."""

from __future__ import annotations

from tocha import Tensor

from ..functional._conv import channel_shuffle
from .module import Module

__all__: list[str] = ["ChannelShuffle"]


class ChannelShuffle(Module):
    """Split the channels of ``(N, C, *)`` into ``groups`` groups and interleave them, as ``torch.nn.ChannelShuffle``.

    Args:
        groups: how many groups the channels form.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.ChannelShuffle(2)
        >>> m
        ChannelShuffle(groups=2)
        >>> m(tocha.arange(4.0).reshape(1, 4, 1, 1)).flatten()
        tensor([0., 2., 1., 3.])
    """

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input: Tensor) -> Tensor:
        """``F.channel_shuffle(input, groups)``."""
        return channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        """``groups=...``."""
        return f"groups={self.groups}"
