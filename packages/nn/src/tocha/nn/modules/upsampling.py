"""Upsample, UpsamplingNearest2d, UpsamplingBilinear2d."""

from __future__ import annotations

from typing import Any

from tocha import Tensor

from .. import functional as F  # noqa: N812
from .module import Module

__all__: list[str] = ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"]


class Upsample(Module):
    """Resize inputs with :func:`tocha.nn.functional.interpolate` (same arguments, fixed at construction).

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.Upsample(scale_factor=2, mode="nearest")
        >>> m
        Upsample(scale_factor=2.0, mode='nearest')
        >>> m(tocha.tensor([[[1.0, 2.0]]]))
        tensor([[[1., 1., 2., 2.]]])
    """

    def __init__(
        self,
        size: Any = None,
        scale_factor: Any = None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor: Any = tuple(float(factor) for factor in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        """Resize ``input``."""
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)  # fmt: skip

    def extra_repr(self) -> str:
        """PyTorch's summary: the scale factor (or size) and the mode."""
        if self.scale_factor is not None:
            info = f"scale_factor={self.scale_factor!r}"
        else:
            info = f"size={self.size!r}"
        return f"{info}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """Nearest-neighbour 2-D upsampling (PyTorch's older spelling of ``Upsample(mode="nearest")``).

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.UpsamplingNearest2d(scale_factor=2)(tocha.ones(1, 1, 1, 1)).shape
        tocha.Size([1, 1, 2, 2])
    """

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Bilinear 2-D upsampling with ``align_corners=True`` (PyTorch's older spelling).

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.UpsamplingBilinear2d(size=(1, 3))(tocha.tensor([[[[0.0, 2.0]]]]))
        tensor([[[[0., 1., 2.]]]])
    """

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
