"""FractionalMaxPool2d and FractionalMaxPool3d (``torch.nn.FractionalMaxPool2d/3d``)."""

from __future__ import annotations

from typing import Any

from tocha import Tensor

from ..functional._pooling import fractional_max_pool2d, fractional_max_pool3d
from .module import Module

__all__: list[str] = ["FractionalMaxPool2d", "FractionalMaxPool3d"]


def _tuple(value: Any, n: int) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, (list, tuple)) else (value,) * n


class _FractionalMaxPoolNd(Module):
    _nd = 2

    def __init__(
        self,
        kernel_size: Any,
        output_size: Any = None,
        output_ratio: Any = None,
        return_indices: bool = False,
        _random_samples: Tensor | None = None,
    ) -> None:
        super().__init__()
        nd = self._nd
        name = type(self).__name__
        if nd == 3 and (
            (isinstance(kernel_size, int) and kernel_size <= 0)
            or (isinstance(kernel_size, (tuple, list)) and not all(k > 0 for k in kernel_size))
        ):
            raise ValueError(f"kernel_size must be greater than 0, but got {kernel_size}")
        self.kernel_size = _tuple(kernel_size, nd)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = _tuple(output_size, nd) if output_size is not None else None
        self.output_ratio = _tuple(output_ratio, nd) if output_ratio is not None else None
        if output_size is None and output_ratio is None:
            raise ValueError(f"{name} requires specifying either an output size, or a pooling ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")


class FractionalMaxPool2d(_FractionalMaxPoolNd):
    r"""2-D fractional max pooling over ``(N, C, H, W)`` or ``(C, H, W)``, as ``torch.nn.FractionalMaxPool2d``.

    Windows of ``kernel_size`` at pseudo-random, increasing starts cover the input so that the output has
    ``output_size`` (or ``int(size * output_ratio)``); see :func:`tocha.nn.functional.fractional_max_pool2d`.
    A fresh sample is drawn per call unless ``_random_samples`` (a buffer) is given.

    Args:
        kernel_size: the window size.
        output_size: the output's ``(oH, oW)``.
        output_ratio: or the output size as a fraction in ``(0, 1)`` of the input's.
        return_indices: also return the flat indices of the maxima (for :class:`MaxUnpool2d`).
        _random_samples: fixed samples ``(N, C, 2)``.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.FractionalMaxPool2d(3, output_ratio=(0.5, 0.5))
        >>> m
        FractionalMaxPool2d()
        >>> m(tocha.randn(20, 16, 50, 32)).shape
        tocha.Size([20, 16, 25, 16])
    """

    _nd = 2

    def forward(self, input: Tensor) -> Any:
        """Pool ``input``; ``(values, indices)`` when ``return_indices``."""
        return fractional_max_pool2d(
            input,
            self.kernel_size,
            self.output_size,
            self.output_ratio,
            self.return_indices,
            _random_samples=self._random_samples,
        )


class FractionalMaxPool3d(_FractionalMaxPoolNd):
    r"""3-D fractional max pooling over ``(N, C, T, H, W)`` or ``(C, T, H, W)``; see :class:`FractionalMaxPool2d`.

    Args:
        kernel_size: the window size (positive).
        output_size: the output's ``(oT, oH, oW)``.
        output_ratio: or the output size as a fraction in ``(0, 1)`` of the input's.
        return_indices: also return the flat indices of the maxima.
        _random_samples: fixed samples ``(N, C, 3)``.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.FractionalMaxPool3d(3, output_size=(13, 12, 11))(tocha.randn(2, 4, 20, 16, 14)).shape
        tocha.Size([2, 4, 13, 12, 11])
    """

    _nd = 3

    def forward(self, input: Tensor) -> Any:
        """Pool ``input``; ``(values, indices)`` when ``return_indices``."""
        return fractional_max_pool3d(
            input,
            self.kernel_size,
            self.output_size,
            self.output_ratio,
            self.return_indices,
            _random_samples=self._random_samples,
        )
