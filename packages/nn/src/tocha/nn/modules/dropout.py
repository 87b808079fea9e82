"""Dropout, Dropout1d/2d/3d, AlphaDropout, FeatureAlphaDropout."""

from __future__ import annotations

from tocha import Tensor

from ..functional import _dropout as _fd
from .module import Module

__all__: list[str] = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]


class _DropoutNd(Module):
    p: float
    inplace: bool

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self) -> str:
        """``p=..., inplace=...``."""
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """In training, zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    In evaluation (``module.eval()``) it returns its input.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.Dropout(p=0.2)
        >>> m
        Dropout(p=0.2, inplace=False)
        >>> m.eval()(tocha.ones(3))
        tensor([1., 1., 1.])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Apply dropout when training."""
        return _fd.dropout(input, self.p, self.training, self.inplace)


class Dropout1d(_DropoutNd):
    """Zero whole channels of ``(N, C, L)`` / ``(C, L)`` inputs in training.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.Dropout1d(0.5)(tocha.ones(4, 3, 2)).shape
        tocha.Size([4, 3, 2])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Apply channel dropout when training."""
        return _fd.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Zero whole channels of ``(N, C, H, W)`` / ``(C, H, W)`` inputs in training.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.Dropout2d(0.5)(tocha.ones(4, 3, 2, 2)).shape
        tocha.Size([4, 3, 2, 2])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Apply channel dropout when training."""
        return _fd.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    """Zero whole channels of ``(N, C, D, H, W)`` / ``(C, D, H, W)`` inputs in training.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.Dropout3d(0.5)(tocha.ones(4, 3, 2, 2, 2)).shape
        tocha.Size([4, 3, 2, 2, 2])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Apply channel dropout when training."""
        return _fd.dropout3d(input, self.p, self.training, self.inplace)


class AlphaDropout(_DropoutNd):
    """Dropout that keeps the zero mean and unit variance of SELU activations (in training).

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.AlphaDropout(0.2).eval()(tocha.ones(2))
        tensor([1., 1.])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Apply alpha dropout when training."""
        return _fd.alpha_dropout(input, self.p, self.training, self.inplace)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels (in training).

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.FeatureAlphaDropout(0.2).eval()(tocha.ones(2, 2))
        tensor([[1., 1.],
                [1., 1.]])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Apply feature alpha dropout when training."""
        return _fd.feature_alpha_dropout(input, self.p, self.training, self.inplace)
