"""Padding layers: Zero/Constant/Reflection/Replication/Circular Pad1d/2d/3d (``torch.nn``'s)."""

from __future__ import annotations

from typing import Any

from tocha import Tensor

from .._utils import ntuple
from ..functional._conv import pad
from .module import Module

__all__: list[str] = [
    "ZeroPad1d",
    "ZeroPad2d",
    "ZeroPad3d",
    "ConstantPad1d",
    "ConstantPad2d",
    "ConstantPad3d",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReflectionPad3d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "ReplicationPad3d",
    "CircularPad1d",
    "CircularPad2d",
    "CircularPad3d",
]


class _PadNd(Module):
    """A padding layer: ``F.pad(input, self.padding, mode)``; ``padding`` is an int or a ``2 * n`` tuple."""

    _n: int = 1
    _mode: str = "constant"
    padding: tuple[int, ...]

    def __init__(self, padding: Any) -> None:
        super().__init__()
        self.padding = ntuple(2 * self._n)(padding)

    def forward(self, input: Tensor) -> Tensor:
        """Pad the last ``n`` dims of ``input``."""
        return pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        """The padding tuple."""
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    value: float

    def __init__(self, padding: Any, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        """Pad the last ``n`` dims of ``input`` with ``value``."""
        return pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        """``padding=..., value=...``."""
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with a constant, as ``torch.nn.ConstantPad1d``.

    Args:
        padding: an int (both sides) or ``(left, right)``.
        value: the fill value.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.ConstantPad1d((1, 2), 3.5)(tocha.zeros(1, 2))
        tensor([[3.5000, 0.0000, 0.0000, 3.5000, 3.5000]])
    """

    _n = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims with a constant, as ``torch.nn.ConstantPad2d``.

    Args:
        padding: an int or ``(left, right, top, bottom)``.
        value: the fill value.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.ConstantPad2d(1, 9.0)(tocha.zeros(1, 1, 1)).shape
        tocha.Size([1, 3, 3])
    """

    _n = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dims with a constant, as ``torch.nn.ConstantPad3d``.

    Args:
        padding: an int or ``(left, right, top, bottom, front, back)``.
        value: the fill value.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.ConstantPad3d(1, 2.0)(tocha.zeros(1, 1, 1, 1)).shape
        tocha.Size([1, 3, 3, 3])
    """

    _n = 3


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        """The padding tuple."""
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd):
    """Pad the last dim with zeros, as ``torch.nn.ZeroPad1d``.

    Args:
        padding: an int or ``(left, right)``; negative values crop.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.ZeroPad1d(2)
        ZeroPad1d((2, 2))
        >>> nn.ZeroPad1d((1, -1))(tocha.ones(1, 3))
        tensor([[0., 1., 1.]])
    """

    _n = 1


class ZeroPad2d(_ZeroPadNd):
    """Pad the last two dims with zeros, as ``torch.nn.ZeroPad2d``.

    Args:
        padding: an int or ``(left, right, top, bottom)``; negative values crop.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.ZeroPad2d((1, 0, 0, 1))(tocha.ones(1, 1, 1))
        tensor([[[0., 1.],
                 [0., 0.]]])
    """

    _n = 2


class ZeroPad3d(_ZeroPadNd):
    """Pad the last three dims with zeros, as ``torch.nn.ZeroPad3d``.

    Args:
        padding: an int or ``(left, right, top, bottom, front, back)``.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.ZeroPad3d(1)(tocha.ones(1, 1, 1, 1)).shape
        tocha.Size([1, 3, 3, 3])
    """

    _n = 3


class ReflectionPad1d(_PadNd):
    """Pad the last dim by reflection at the edge (the edge itself not repeated), as ``torch.nn.ReflectionPad1d``.

    Args:
        padding: an int or ``(left, right)``, each smaller than the input's size.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.ReflectionPad1d(2)(tocha.arange(4.0).reshape(1, 1, 4))
        tensor([[[2., 1., 0., 1., 2., 3., 2., 1.]]])
    """

    _n = 1
    _mode = "reflect"


class ReflectionPad2d(_PadNd):
    """Pad the last two dims by reflection, as ``torch.nn.ReflectionPad2d``.

    Args:
        padding: an int or ``(left, right, top, bottom)``.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.ReflectionPad2d(1)(tocha.arange(4.0).reshape(1, 2, 2))
        tensor([[[3., 2., 3., 2.],
                 [1., 0., 1., 0.],
                 [3., 2., 3., 2.],
                 [1., 0., 1., 0.]]])
    """

    _n = 2
    _mode = "reflect"


class ReflectionPad3d(_PadNd):
    """Pad the last three dims by reflection, as ``torch.nn.ReflectionPad3d``.

    Args:
        padding: an int or ``(left, right, top, bottom, front, back)``.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.ReflectionPad3d(1)(tocha.ones(1, 1, 2, 2, 2)).shape
        tocha.Size([1, 1, 4, 4, 4])
    """

    _n = 3
    _mode = "reflect"


class ReplicationPad1d(_PadNd):
    """Pad the last dim by repeating the edge value, as ``torch.nn.ReplicationPad1d``.

    Args:
        padding: an int or ``(left, right)``.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.ReplicationPad1d((1, 2))(tocha.tensor([[0.0, 1.0]]))
        tensor([[0., 0., 1., 1., 1.]])
    """

    _n = 1
    _mode = "replicate"


class ReplicationPad2d(_PadNd):
    """Pad the last two dims by repeating the edge values, as ``torch.nn.ReplicationPad2d``.

    Args:
        padding: an int or ``(left, right, top, bottom)``.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.ReplicationPad2d(1)(tocha.ones(1, 2, 2)).sum()
        tensor(16.)
    """

    _n = 2
    _mode = "replicate"


class ReplicationPad3d(_PadNd):
    """Pad the last three dims by repeating the edge values, as ``torch.nn.ReplicationPad3d``.

    Args:
        padding: an int or ``(left, right, top, bottom, front, back)``.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.ReplicationPad3d(1)(tocha.ones(1, 1, 1, 1)).shape
        tocha.Size([1, 3, 3, 3])
    """

    _n = 3
    _mode = "replicate"


class _CircularPadNd(_PadNd):
    _mode = "circular"

    def forward(self, input: Tensor) -> Tensor:
        """Pad the last ``n`` dims of ``input`` by wrapping around."""
        n = self._n
        if input.dim() not in (n + 1, n + 2):
            raise ValueError(f"expected {n + 1}D or {n + 2}D input (got {input.dim()}D input)")
        return pad(input, self.padding, "circular")


class CircularPad1d(_CircularPadNd):
    """Pad the last dim by wrapping around (periodic), as ``torch.nn.CircularPad1d``.

    Args:
        padding: an int or ``(left, right)``.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.CircularPad1d(1)(tocha.arange(3.0).reshape(1, 1, 3))
        tensor([[[2., 0., 1., 2., 0.]]])
    """

    _n = 1


class CircularPad2d(_CircularPadNd):
    """Pad the last two dims by wrapping around, as ``torch.nn.CircularPad2d``.

    Args:
        padding: an int or ``(left, right, top, bottom)``.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.CircularPad2d(1)(tocha.ones(1, 2, 2)).shape
        tocha.Size([1, 4, 4])
    """

    _n = 2


class CircularPad3d(_CircularPadNd):
    """Pad the last three dims by wrapping around, as ``torch.nn.CircularPad3d``.

    Args:
        padding: an int or ``(left, right, top, bottom, front, back)``.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.CircularPad3d(1)
        CircularPad3d((1, 1, 1, 1, 1, 1))
    """

    _n = 3
