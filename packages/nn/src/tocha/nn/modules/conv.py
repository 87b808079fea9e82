"""Conv1d/2d/3d, ConvTranspose1d/2d/3d and their lazy forms (``torch.nn``'s convolution layers)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import tocha
from tocha import Tensor

from .. import init
from .._utils import ntuple, reverse_repeat_tuple
from ..functional._conv import (
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
    pad,
)
from ..parameter import Parameter, UninitializedParameter
from .lazy import LazyModuleMixin
from .module import Module

__all__: list[str] = [
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "ConvTranspose3d",
    "LazyConv1d",
    "LazyConv2d",
    "LazyConv3d",
    "LazyConvTranspose1d",
    "LazyConvTranspose2d",
    "LazyConvTranspose3d",
]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
_CONV = {1: conv1d, 2: conv2d, 3: conv3d}
_CONV_T = {1: conv_transpose1d, 2: conv_transpose2d, 3: conv_transpose3d}


def _tuple(value: Any, n: int) -> tuple[Any, ...]:
    return ntuple(n)(value)


class _ConvNd(Module):
    """Shared state of the convolution layers: arguments, parameters, initialisation and repr."""

    _n: int = 2
    in_channels: int
    out_channels: int
    kernel_size: tuple[int, ...]
    stride: tuple[int, ...]
    padding: str | tuple[int, ...]
    dilation: tuple[int, ...]
    transposed: bool
    output_padding: tuple[int, ...]
    groups: int
    padding_mode: str
    _reversed_padding_repeated_twice: list[int]
    weight: Parameter
    bias: Parameter | None

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any,
        padding: Any,
        dilation: Any,
        transposed: bool,
        output_padding: Any,
        groups: int,
        bias: bool,
        padding_mode: str,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        n = self._n
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        kernel = _tuple(kernel_size, n)
        strides = _tuple(stride, n)
        dilations = _tuple(dilation, n)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'same', 'valid'}}")
            if padding == "same" and any(s != 1 for s in strides):
                raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                "padding_mode must be one of {'replicate', 'zeros', 'circular', 'reflect'}, but got "
                f"padding_mode='{padding_mode}'"
            )
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel
        self.stride = strides
        self.padding = padding if isinstance(padding, str) else _tuple(padding, n)
        self.dilation = dilations
        self.transposed = transposed
        self.output_padding = _tuple(output_padding, n)
        self.groups = groups
        self.padding_mode = padding_mode
        if isinstance(self.padding, str):
            self._reversed_padding_repeated_twice = [0, 0] * n
            if self.padding == "same":
                for i, (d, k) in enumerate(zip(dilations, kernel, strict=True)):
                    total = d * (k - 1)
                    left = total // 2
                    j = 2 * (n - 1 - i)
                    self._reversed_padding_repeated_twice[j] = left
                    self._reversed_padding_repeated_twice[j + 1] = total - left
        else:
            self._reversed_padding_repeated_twice = list(reverse_repeat_tuple(self.padding, 2))
        shape = (in_channels, out_channels // groups) if transposed else (out_channels, in_channels // groups)
        self.weight = self._new_parameter(shape + kernel, device, dtype)
        if bias:
            self.bias = self._new_parameter((out_channels,), device, dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def _new_parameter(self, shape: tuple[int, ...], device: Any, dtype: Any) -> Parameter:
        return Parameter(tocha.empty(shape, device=device, dtype=dtype))

    def reset_parameters(self) -> None:
        """Re-draw ``weight`` (He uniform with ``a = sqrt(5)``) and ``bias`` (``U(-1/sqrt(fan_in), ...)``)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        """PyTorch's summary: channels, kernel, stride, then the arguments that differ from their defaults."""
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if isinstance(self.padding, str) or self.padding != (0,) * len(self.padding):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        if "padding_mode" not in self.__dict__:
            self.padding_mode = "zeros"


class _Conv(_ConvNd):
    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            False,
            0,
            groups,
            bias,
            padding_mode,
            device,
            dtype,
        )

    def _conv_forward(self, input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
        conv = _CONV[self._n]
        if self.padding_mode != "zeros":
            padded = pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return conv(padded, weight, bias, self.stride, 0, self.dilation, self.groups)
        return conv(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input: Tensor) -> Tensor:
        """Convolve ``input`` with ``weight`` (and add ``bias``)."""
        return self._conv_forward(input, self.weight, self.bias)


class Conv1d(_Conv):
    """1D convolution over ``(N, C_in, L)`` or ``(C_in, L)``, as ``torch.nn.Conv1d``.

    ``weight``: ``(C_out, C_in / groups, kW)``; ``bias``: ``(C_out,)``; both drawn from
    :math:`\\mathcal{U}(-k, k)`, :math:`k = 1 / \\sqrt{C_{in} / groups \\cdot kW}`.

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output.
        kernel_size: window length.
        stride: step of the window.
        padding: an int, or ``'valid'`` / ``'same'``.
        dilation: spacing between kernel taps.
        groups: independent channel groups.
        bias: whether to learn a bias.
        padding_mode: ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``.
        device: where to create the parameters.
        dtype: their dtype.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.Conv1d(16, 33, 3, stride=2)
        >>> m
        Conv1d(16, 33, kernel_size=(3,), stride=(2,))
        >>> m(tocha.randn(20, 16, 50)).shape
        tocha.Size([20, 33, 24])
    """

    _n = 1


class Conv2d(_Conv):
    """2D convolution over ``(N, C_in, H, W)`` or ``(C_in, H, W)``, as ``torch.nn.Conv2d``.

    ``weight``: ``(C_out, C_in / groups, kH, kW)``; ``bias``: ``(C_out,)``; both drawn from
    :math:`\\mathcal{U}(-k, k)`, :math:`k = 1 / \\sqrt{C_{in} / groups \\cdot kH \\cdot kW}`.

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output.
        kernel_size: window size (an int or a pair).
        stride: step of the window.
        padding: an int, a pair, or ``'valid'`` / ``'same'``.
        dilation: spacing between kernel taps.
        groups: independent channel groups.
        bias: whether to learn a bias.
        padding_mode: ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``.
        device: where to create the parameters.
        dtype: their dtype.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.Conv2d(1, 32, 3, padding=1)
        >>> m
        Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
        >>> m(tocha.randn(8, 1, 28, 28)).shape
        tocha.Size([8, 32, 28, 28])
    """

    _n = 2


class Conv3d(_Conv):
    """3D convolution over ``(N, C_in, D, H, W)`` or ``(C_in, D, H, W)``, as ``torch.nn.Conv3d``.

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output.
        kernel_size: window size (an int or a triple).
        stride: step of the window.
        padding: an int, a triple, or ``'valid'`` / ``'same'``.
        dilation: spacing between kernel taps.
        groups: independent channel groups.
        bias: whether to learn a bias.
        padding_mode: ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``.
        device: where to create the parameters.
        dtype: their dtype.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.Conv3d(2, 4, (1, 3, 3), padding="same")
        >>> m
        Conv3d(2, 4, kernel_size=(1, 3, 3), stride=(1, 1, 1), padding=same)
        >>> m(tocha.randn(1, 2, 3, 5, 5)).shape
        tocha.Size([1, 4, 3, 5, 5])
    """

    _n = 3


class _ConvTranspose(_ConvNd):
    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        output_padding: Any = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: Any = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            True,
            output_padding,
            groups,
            bias,
            padding_mode,
            device,
            dtype,
        )

    def _output_padding(self, input: Tensor, output_size: Sequence[int] | None) -> tuple[int, ...]:
        """The output padding that gives ``output_size`` (``self.output_padding`` when it is None)."""
        if output_size is None:
            return self.output_padding
        n = self._n
        has_batch = input.dim() == n + 2
        non_spatial = 2 if has_batch else 1
        sizes = [int(s) for s in output_size]
        if len(sizes) == non_spatial + n:
            sizes = sizes[non_spatial:]
        if len(sizes) != n:
            raise ValueError(
                f"ConvTranspose{n}D: for {input.dim()}D input, output_size must have {n} or {non_spatial + n} "
                f"elements (got {len(output_size)})"
            )
        assert isinstance(self.padding, tuple)
        spatial = input.shape[input.dim() - n :]
        low = [
            (spatial[d] - 1) * self.stride[d] - 2 * self.padding[d] + self.dilation[d] * (self.kernel_size[d] - 1) + 1
            for d in range(n)
        ]
        high = [lo + s - 1 for lo, s in zip(low, self.stride, strict=True)]
        for d in range(n):
            if not low[d] <= sizes[d] <= high[d]:
                raise ValueError(
                    f"requested an output size of {list(output_size)}, but valid sizes range from {low} to {high} "
                    f"(for an input of {spatial})"
                )
        return tuple(s - lo for s, lo in zip(sizes, low, strict=True))

    def forward(self, input: Tensor, output_size: Sequence[int] | None = None) -> Tensor:
        """Transposed convolution of ``input``; ``output_size`` picks the output padding."""
        output_padding = self._output_padding(input, output_size)
        return _CONV_T[self._n](
            input, self.weight, self.bias, self.stride, self.padding, output_padding, self.groups, self.dilation
        )


class ConvTranspose1d(_ConvTranspose):
    """1D transposed convolution ("deconvolution"), as ``torch.nn.ConvTranspose1d``.

    ``weight``: ``(C_in, C_out / groups, kW)``. Output length:
    ``(L - 1) * stride - 2 * padding + dilation * (kW - 1) + output_padding + 1``.

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output.
        kernel_size: window length.
        stride: upsampling step.
        padding: implicit zero padding removed from both sides of the output.
        output_padding: extra size added to one side of the output.
        groups: independent channel groups.
        bias: whether to learn a bias.
        dilation: spacing between kernel taps.
        padding_mode: only ``'zeros'``.
        device: where to create the parameters.
        dtype: their dtype.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.ConvTranspose1d(4, 2, 3, stride=2)
        >>> m(tocha.randn(1, 4, 5)).shape
        tocha.Size([1, 2, 11])
    """

    _n = 1


class ConvTranspose2d(_ConvTranspose):
    """2D transposed convolution ("deconvolution"), as ``torch.nn.ConvTranspose2d``.

    ``weight``: ``(C_in, C_out / groups, kH, kW)``.

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output.
        kernel_size: window size.
        stride: upsampling step.
        padding: implicit zero padding removed from both sides of each output dim.
        output_padding: extra size added to one side of each output dim.
        groups: independent channel groups.
        bias: whether to learn a bias.
        dilation: spacing between kernel taps.
        padding_mode: only ``'zeros'``.
        device: where to create the parameters.
        dtype: their dtype.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.ConvTranspose2d(16, 33, 3, stride=2, output_padding=1)
        >>> m
        ConvTranspose2d(16, 33, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1))
        >>> m(tocha.randn(1, 16, 6, 6)).shape
        tocha.Size([1, 33, 14, 14])
        >>> m(tocha.randn(1, 16, 6, 6), output_size=[13, 13]).shape
        tocha.Size([1, 33, 13, 13])
    """

    _n = 2


class ConvTranspose3d(_ConvTranspose):
    """3D transposed convolution ("deconvolution"), as ``torch.nn.ConvTranspose3d``.

    ``weight``: ``(C_in, C_out / groups, kD, kH, kW)``.

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output.
        kernel_size: window size.
        stride: upsampling step.
        padding: implicit zero padding removed from both sides of each output dim.
        output_padding: extra size added to one side of each output dim.
        groups: independent channel groups.
        bias: whether to learn a bias.
        dilation: spacing between kernel taps.
        padding_mode: only ``'zeros'``.
        device: where to create the parameters.
        dtype: their dtype.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.ConvTranspose3d(2, 3, 2, stride=2)(tocha.randn(1, 2, 2, 2, 2)).shape
        tocha.Size([1, 3, 4, 4, 4])
    """

    _n = 3


class _LazyConvXdMixin:
    """Lazy convolution: ``in_channels`` (and the weight's shape) come from the first input.

    The parameters start as :class:`~tocha.nn.UninitializedParameter`; the first call materialises them,
    runs ``reset_parameters`` and turns the module into its regular class (see NOTE [ Lazy modules ]).
    """

    _n: int
    groups: int
    transposed: bool
    in_channels: int
    out_channels: int
    kernel_size: tuple[int, ...]
    weight: Any
    bias: Any

    def _lazy_parameters(self, out_channels: int, bias: bool, device: Any, dtype: Any) -> None:
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        """PyTorch's default initialisation, once the parameters are materialised (a no-op before)."""
        conv: Any = self
        if not conv.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()  # type: ignore[misc]

    def initialize_parameters(self, input: Tensor, *args: Any, **kwargs: Any) -> None:
        """Materialise the parameters from ``input``'s channel count and initialise them."""
        conv: Any = self
        if not conv.has_uninitialized_params():
            return
        self.in_channels = input.shape[0] if input.dim() == self._n + 1 else input.shape[1]
        if self.in_channels % self.groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if self.transposed:
            shape = (self.in_channels, self.out_channels // self.groups)
        else:
            shape = (self.out_channels, self.in_channels // self.groups)
        with tocha.no_grad():
            self.weight.materialize(shape + self.kernel_size)
            if self.bias is not None:
                self.bias.materialize((self.out_channels,))
            self.reset_parameters()


class LazyConv1d(_LazyConvXdMixin, LazyModuleMixin, Conv1d):
    """:class:`Conv1d` whose ``in_channels`` is inferred from the first input.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.LazyConv1d(4, 3)
        >>> m(tocha.randn(2, 5, 10)).shape, type(m).__name__, m.in_channels
        (tocha.Size([2, 4, 8]), 'Conv1d', 5)
    """

    cls_to_become = Conv1d

    def __init__(
        self,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False, padding_mode, device, dtype)
        self._lazy_parameters(out_channels, bias, device, dtype)


class LazyConv2d(_LazyConvXdMixin, LazyModuleMixin, Conv2d):
    """:class:`Conv2d` whose ``in_channels`` is inferred from the first input.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.LazyConv2d(4, 3)
        >>> m
        LazyConv2d(0, 4, kernel_size=(3, 3), stride=(1, 1))
        >>> m(tocha.randn(2, 3, 5, 5)).shape, m.weight.shape
        (tocha.Size([2, 4, 3, 3]), tocha.Size([4, 3, 3, 3]))
    """

    cls_to_become = Conv2d

    def __init__(
        self,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False, padding_mode, device, dtype)
        self._lazy_parameters(out_channels, bias, device, dtype)


class LazyConv3d(_LazyConvXdMixin, LazyModuleMixin, Conv3d):
    """:class:`Conv3d` whose ``in_channels`` is inferred from the first input.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.LazyConv3d(4, 2)(tocha.randn(1, 3, 2, 2, 2)).shape
        tocha.Size([1, 4, 1, 1, 1])
    """

    cls_to_become = Conv3d

    def __init__(
        self,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False, padding_mode, device, dtype)
        self._lazy_parameters(out_channels, bias, device, dtype)


class LazyConvTranspose1d(_LazyConvXdMixin, LazyModuleMixin, ConvTranspose1d):
    """:class:`ConvTranspose1d` whose ``in_channels`` is inferred from the first input.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.LazyConvTranspose1d(4, 3)(tocha.randn(1, 3, 5)).shape
        tocha.Size([1, 4, 7])
    """

    cls_to_become = ConvTranspose1d

    def __init__(
        self,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        output_padding: Any = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: Any = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            0, 0, kernel_size, stride, padding, output_padding, groups, False, dilation, padding_mode, device, dtype
        )
        self._lazy_parameters(out_channels, bias, device, dtype)


class LazyConvTranspose2d(_LazyConvXdMixin, LazyModuleMixin, ConvTranspose2d):
    """:class:`ConvTranspose2d` whose ``in_channels`` is inferred from the first input.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.LazyConvTranspose2d(4, 3, stride=2)(tocha.randn(1, 3, 5, 5)).shape
        tocha.Size([1, 4, 11, 11])
    """

    cls_to_become = ConvTranspose2d

    def __init__(
        self,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        output_padding: Any = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: Any = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            0, 0, kernel_size, stride, padding, output_padding, groups, False, dilation, padding_mode, device, dtype
        )
        self._lazy_parameters(out_channels, bias, device, dtype)


class LazyConvTranspose3d(_LazyConvXdMixin, LazyModuleMixin, ConvTranspose3d):
    """:class:`ConvTranspose3d` whose ``in_channels`` is inferred from the first input.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.LazyConvTranspose3d(4, 2)(tocha.randn(1, 3, 2, 2, 2)).shape
        tocha.Size([1, 4, 3, 3, 3])
    """

    cls_to_become = ConvTranspose3d

    def __init__(
        self,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        output_padding: Any = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: Any = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            0, 0, kernel_size, stride, padding, output_padding, groups, False, dilation, padding_mode, device, dtype
        )
        self._lazy_parameters(out_channels, bias, device, dtype)
