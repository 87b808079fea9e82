"""Pooling layers: MaxPool, MaxUnpool, AvgPool, AdaptiveAvgPool, AdaptiveMaxPool, LPPool (1-D to 3-D)."""

from __future__ import annotations

from typing import Any

from tocha import Tensor

from .. import functional as F  # noqa: N812
from .._utils import pair, single, triple
from .module import Module

__all__: list[str] = [
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
    "MaxUnpool1d",
    "MaxUnpool2d",
    "MaxUnpool3d",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AdaptiveMaxPool3d",
    "LPPool1d",
    "LPPool2d",
    "LPPool3d",
]


class _MaxPoolNd(Module):
    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        dilation: Any = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        """PyTorch's summary of the pooling arguments."""
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )

    def _pool(self, fn: Any, input: Tensor) -> Any:
        return fn(input, self.kernel_size, self.stride, self.padding, self.dilation, ceil_mode=self.ceil_mode,
                  return_indices=self.return_indices)  # fmt: skip


class MaxPool1d(_MaxPoolNd):
    """Max pooling over ``(N, C, L)`` or ``(C, L)``; see :func:`tocha.nn.functional.max_pool1d`.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.MaxPool1d(2)(tocha.tensor([[1.0, 3.0, 2.0, 0.0]]))
        tensor([[3., 2.]])
    """

    def forward(self, input: Tensor) -> Any:
        """Pool ``input`` (values, or ``(values, indices)`` with ``return_indices``)."""
        return self._pool(F.max_pool1d, input)


class MaxPool2d(_MaxPoolNd):
    """Max pooling over ``(N, C, H, W)`` or ``(C, H, W)``; see :func:`tocha.nn.functional.max_pool2d`.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.MaxPool2d(2)
        MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
        >>> nn.MaxPool2d(2)(tocha.randn(8, 3, 28, 28)).shape
        tocha.Size([8, 3, 14, 14])
    """

    def forward(self, input: Tensor) -> Any:
        """Pool ``input`` (values, or ``(values, indices)`` with ``return_indices``)."""
        return self._pool(F.max_pool2d, input)


class MaxPool3d(_MaxPoolNd):
    """Max pooling over ``(N, C, D, H, W)`` or ``(C, D, H, W)``; see :func:`tocha.nn.functional.max_pool3d`.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.MaxPool3d(2)(tocha.randn(1, 2, 4, 4, 4)).shape
        tocha.Size([1, 2, 2, 2, 2])
    """

    def forward(self, input: Tensor) -> Any:
        """Pool ``input`` (values, or ``(values, indices)`` with ``return_indices``)."""
        return self._pool(F.max_pool3d, input)


class _MaxUnpoolNd(Module):
    kernel_size: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]

    def extra_repr(self) -> str:
        """PyTorch's summary of the unpooling arguments."""
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """The partial inverse of :class:`MaxPool1d`; see :func:`tocha.nn.functional.max_unpool1d`.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> values, indices = nn.MaxPool1d(2, return_indices=True)(tocha.tensor([[1.0, 3.0, 2.0, 0.0]]))
        >>> nn.MaxUnpool1d(2)(values, indices)
        tensor([[0., 3., 2., 0.]])
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        self.kernel_size = single(kernel_size)
        self.stride = single(stride if stride is not None else kernel_size)
        self.padding = single(padding)

    def forward(self, input: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:
        """Put ``input`` back at ``indices``."""
        return F.max_unpool1d(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxUnpool2d(_MaxUnpoolNd):
    """The partial inverse of :class:`MaxPool2d`; see :func:`tocha.nn.functional.max_unpool2d`.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.MaxUnpool2d(2)
        MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        self.kernel_size = pair(kernel_size)
        self.stride = pair(stride if stride is not None else kernel_size)
        self.padding = pair(padding)

    def forward(self, input: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:
        """Put ``input`` back at ``indices``."""
        return F.max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxUnpool3d(_MaxUnpoolNd):
    """The partial inverse of :class:`MaxPool3d`; see :func:`tocha.nn.functional.max_unpool3d`.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.MaxUnpool3d(2)
        MaxUnpool3d(kernel_size=(2, 2, 2), stride=(2, 2, 2), padding=(0, 0, 0))
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        self.kernel_size = triple(kernel_size)
        self.stride = triple(stride if stride is not None else kernel_size)
        self.padding = triple(padding)

    def forward(self, input: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:
        """Put ``input`` back at ``indices``."""
        return F.max_unpool3d(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class _AvgPoolNd(Module):
    kernel_size: Any
    stride: Any
    padding: Any

    def extra_repr(self) -> str:
        """PyTorch's summary of the pooling arguments."""
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    """Average pooling over ``(N, C, L)`` or ``(C, L)``; see :func:`tocha.nn.functional.avg_pool1d`.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.AvgPool1d(2)
        AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))
        >>> nn.AvgPool1d(2)(tocha.tensor([[1.0, 3.0, 2.0, 0.0]]))
        tensor([[2., 1.]])
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:  # fmt: skip
        super().__init__()
        self.kernel_size = single(kernel_size)
        self.stride = single(stride if stride is not None else kernel_size)
        self.padding = single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        """Pool ``input``."""
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)


class AvgPool2d(_AvgPoolNd):
    """Average pooling over ``(N, C, H, W)`` or ``(C, H, W)``; see :func:`tocha.nn.functional.avg_pool2d`.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.AvgPool2d(2)(tocha.ones(1, 1, 4, 4))
        tensor([[[[1., 1.],
                  [1., 1.]]]])
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:  # fmt: skip
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        """Pool ``input``."""
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)  # fmt: skip


class AvgPool3d(_AvgPoolNd):
    """Average pooling over ``(N, C, D, H, W)`` or ``(C, D, H, W)``; see :func:`tocha.nn.functional.avg_pool3d`.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.AvgPool3d(2)(tocha.ones(1, 2, 2, 2))
        tensor([[[[1.]]]])
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:  # fmt: skip
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        """Pool ``input``."""
        return F.avg_pool3d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)  # fmt: skip


class _AdaptiveAvgPoolNd(Module):
    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def extra_repr(self) -> str:
        """PyTorch's summary: the target size."""
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """Average pooling to a fixed length; see :func:`tocha.nn.functional.adaptive_avg_pool1d`.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.AdaptiveAvgPool1d(1)(tocha.tensor([[1.0, 2.0, 3.0]]))
        tensor([[2.]])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Pool ``input`` to ``output_size``."""
        return F.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """Average pooling to a fixed size; see :func:`tocha.nn.functional.adaptive_avg_pool2d`.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.AdaptiveAvgPool2d((None, 3))
        AdaptiveAvgPool2d(output_size=(None, 3))
        >>> nn.AdaptiveAvgPool2d(1)(tocha.randn(2, 3, 7, 7)).shape
        tocha.Size([2, 3, 1, 1])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Pool ``input`` to ``output_size``."""
        return F.adaptive_avg_pool2d(input, self.output_size)


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """Average pooling to a fixed size; see :func:`tocha.nn.functional.adaptive_avg_pool3d`.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.AdaptiveAvgPool3d(1)(tocha.ones(1, 2, 2, 2))
        tensor([[[[1.]]]])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Pool ``input`` to ``output_size``."""
        return F.adaptive_avg_pool3d(input, self.output_size)


class _AdaptiveMaxPoolNd(Module):
    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def extra_repr(self) -> str:
        """PyTorch's summary: the target size."""
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max pooling to a fixed length; see :func:`tocha.nn.functional.adaptive_max_pool1d`.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.AdaptiveMaxPool1d(1)(tocha.tensor([[1.0, 3.0, 2.0]]))
        tensor([[3.]])
    """

    def forward(self, input: Tensor) -> Any:
        """Pool ``input`` to ``output_size``."""
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max pooling to a fixed size; see :func:`tocha.nn.functional.adaptive_max_pool2d`.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.AdaptiveMaxPool2d(1)(tocha.arange(4.0).reshape(1, 2, 2))
        tensor([[[3.]]])
    """

    def forward(self, input: Tensor) -> Any:
        """Pool ``input`` to ``output_size``."""
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """Max pooling to a fixed size; see :func:`tocha.nn.functional.adaptive_max_pool3d`.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.AdaptiveMaxPool3d(1)(tocha.arange(8.0).reshape(1, 2, 2, 2))
        tensor([[[[7.]]]])
    """

    def forward(self, input: Tensor) -> Any:
        """Pool ``input`` to ``output_size``."""
        return F.adaptive_max_pool3d(input, self.output_size, self.return_indices)


class _LPPoolNd(Module):
    def __init__(self, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False) -> None:
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        """PyTorch's summary of the pooling arguments."""
        return (
            f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
            f"ceil_mode={self.ceil_mode}"
        )


class LPPool1d(_LPPoolNd):
    """Power-average pooling over ``(N, C, L)``; see :func:`tocha.nn.functional.lp_pool1d`.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.LPPool1d(2, 2)(tocha.tensor([[3.0, 4.0]]))
        tensor([[5.]])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Pool ``input``."""
        return F.lp_pool1d(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)


class LPPool2d(_LPPoolNd):
    """Power-average pooling over ``(N, C, H, W)``; see :func:`tocha.nn.functional.lp_pool2d`.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.LPPool2d(2, 3)
        LPPool2d(norm_type=2, kernel_size=3, stride=None, ceil_mode=False)
    """

    def forward(self, input: Tensor) -> Tensor:
        """Pool ``input``."""
        return F.lp_pool2d(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)


class LPPool3d(_LPPoolNd):
    """Power-average pooling over ``(N, C, D, H, W)``; see :func:`tocha.nn.functional.lp_pool3d`.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.LPPool3d(1, 2)(tocha.ones(1, 2, 2, 2))
        tensor([[[[8.]]]])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Pool ``input``."""
        return F.lp_pool3d(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)
