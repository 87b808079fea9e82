"""A convolution's gradients with respect to its input and its weight, as ``torch.nn.grad``.

``conv2d_input(input_size, weight, grad_output)`` is what a backward pass through ``F.conv2d`` gives the input
for the output gradient ``grad_output``, computed directly (a transposed convolution) rather than by running
autograd; ``conv2d_weight(input, weight_size, grad_output)`` is the weight's. Both are differentiable.

Example:
    >>> import tocha
    >>> x, w = tocha.ones(1, 1, 3, 3), tocha.ones(1, 1, 2, 2)
    >>> g = tocha.ones(1, 1, 2, 2)
    >>> tocha.nn.grad.conv2d_input(x.shape, w, g)
    tensor([[[[1., 2., 1.],
              [2., 4., 2.],
              [1., 2., 1.]]]])
    >>> tocha.nn.grad.conv2d_weight(x, w.shape, g)
    tensor([[[[4., 4.],
              [4., 4.]]]])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tocha import Tensor
from tocha.library import call

from .functional._conv import (
    CONVOLUTION_BACKWARD_WEIGHT,
    _convolution,
    _expand,
    _output_padding_for,
    _size,
)

__all__ = ["conv1d_input", "conv1d_weight", "conv2d_input", "conv2d_weight", "conv3d_input", "conv3d_weight"]


def _geometry(name: str, n: int, stride: Any, padding: Any, dilation: Any) -> tuple[tuple[int, ...], ...]:
    if isinstance(padding, str):
        raise TypeError(f"{name}(): padding must be an int or a tuple of {n} ints, not the string {padding!r}")
    return _expand(stride, n, "stride"), _expand(padding, n, "padding"), _expand(dilation, n, "dilation")


def _check_sizes(
    name: str,
    input_size: Sequence[int],
    weight_size: Sequence[int],
    grad_output: Tensor,
    geometry: tuple[tuple[int, ...], ...],
    groups: int,
) -> None:
    n = len(geometry[0])
    if len(input_size) != n + 2 or len(weight_size) != n + 2 or grad_output.dim() != n + 2:
        raise RuntimeError(
            f"{name}: expected a {n + 2}-d input size (N, C_in, *spatial), weight size and grad_output, got input "
            f"{_size(input_size)}, weight {_size(weight_size)} and grad_output {_size(grad_output.shape)}"
        )
    if input_size[1] != weight_size[1] * groups or grad_output.shape[1] != weight_size[0]:
        raise RuntimeError(
            f"{name}: input {_size(input_size)} with {groups} group(s) and weight {_size(weight_size)} do not give "
            f"grad_output {_size(grad_output.shape)}'s channels"
        )
    stride, padding, dilation = geometry
    produced = [input_size[0], weight_size[0]] + [
        (size + 2 * p - d * (k - 1) - 1) // s + 1
        for size, k, s, p, d in zip(input_size[2:], weight_size[2:], stride, padding, dilation, strict=True)
    ]
    if produced != list(grad_output.shape):
        raise RuntimeError(
            f"{name}: an input of {_size(input_size)} and a weight of {_size(weight_size)} (stride {list(stride)}, "
            f"padding {list(padding)}, dilation {list(dilation)}) give an output of {_size(produced)}, but "
            f"grad_output is {_size(grad_output.shape)}"
        )


def _input_gradient(
    name: str, n: int, input_size: Sequence[int], weight: Tensor, grad_output: Tensor, *geometry_and_groups: Any
) -> Tensor:
    *raw, groups = geometry_and_groups
    geometry = _geometry(name, n, *raw)
    sizes = tuple(int(s) for s in input_size)
    _check_sizes(name, sizes, tuple(weight.shape), grad_output, geometry, groups)
    stride, padding, dilation = geometry
    output_padding = _output_padding_for(sizes[2:], grad_output.shape[2:], stride, padding, dilation, weight.shape[2:])
    return _convolution(grad_output, weight, None, stride, padding, dilation, groups, True, output_padding)


def _weight_gradient(
    name: str, n: int, input: Tensor, weight_size: Sequence[int], grad_output: Tensor, *geometry_and_groups: Any
) -> Tensor:
    *raw, groups = geometry_and_groups
    geometry = _geometry(name, n, *raw)
    sizes = tuple(int(s) for s in weight_size)
    _check_sizes(name, tuple(input.shape), sizes, grad_output, geometry, groups)
    result: Tensor = call(CONVOLUTION_BACKWARD_WEIGHT, input.device, (input, grad_output), (sizes, *geometry, groups))
    return result


def conv1d_input(
    input_size: Sequence[int],
    weight: Tensor,
    grad_output: Tensor,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """The gradient of ``F.conv1d`` with respect to its input, of size ``input_size`` ``(N, C_in, L)``.

    Example:
        >>> import tocha
        >>> tocha.nn.grad.conv1d_input((1, 1, 3), tocha.ones(1, 1, 2), tocha.ones(1, 1, 2))
        tensor([[[1., 2., 1.]]])
    """
    return _input_gradient("conv1d_input", 1, input_size, weight, grad_output, stride, padding, dilation, groups)


def conv1d_weight(
    input: Tensor,
    weight_size: Sequence[int],
    grad_output: Tensor,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """The gradient of ``F.conv1d`` with respect to its weight, of size ``weight_size`` ``(C_out, C_in / groups, k)``.

    Example:
        >>> import tocha
        >>> tocha.nn.grad.conv1d_weight(tocha.tensor([[[1.0, 2.0, 3.0]]]), (1, 1, 2), tocha.ones(1, 1, 2))
        tensor([[[3., 5.]]])
    """
    return _weight_gradient("conv1d_weight", 1, input, weight_size, grad_output, stride, padding, dilation, groups)


def conv2d_input(
    input_size: Sequence[int],
    weight: Tensor,
    grad_output: Tensor,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """The gradient of ``F.conv2d`` with respect to its input, of size ``input_size`` ``(N, C_in, H, W)``.

    Example:
        >>> import tocha
        >>> tocha.nn.grad.conv2d_input((1, 1, 2, 2), tocha.ones(1, 1, 1, 1), tocha.ones(1, 1, 1, 1), stride=2)
        tensor([[[[1., 0.],
                  [0., 0.]]]])
    """
    return _input_gradient("conv2d_input", 2, input_size, weight, grad_output, stride, padding, dilation, groups)


def conv2d_weight(
    input: Tensor,
    weight_size: Sequence[int],
    grad_output: Tensor,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """The gradient of ``F.conv2d`` with respect to its weight, of size ``weight_size`` ``(C_out, C_in / groups, kH,
    kW)``.

    Example:
        >>> import tocha
        >>> tocha.nn.grad.conv2d_weight(tocha.ones(1, 1, 2, 2), (1, 1, 1, 1), tocha.ones(1, 1, 2, 2))
        tensor([[[[4.]]]])
    """
    return _weight_gradient("conv2d_weight", 2, input, weight_size, grad_output, stride, padding, dilation, groups)


def conv3d_input(
    input_size: Sequence[int],
    weight: Tensor,
    grad_output: Tensor,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """The gradient of ``F.conv3d`` with respect to its input, of size ``input_size`` ``(N, C_in, D, H, W)``.

    Example:
        >>> import tocha
        >>> tocha.nn.grad.conv3d_input((1, 1, 1, 1, 2), tocha.ones(1, 1, 1, 1, 1), tocha.ones(1, 1, 1, 1, 2)).shape
        tocha.Size([1, 1, 1, 1, 2])
    """
    return _input_gradient("conv3d_input", 3, input_size, weight, grad_output, stride, padding, dilation, groups)


def conv3d_weight(
    input: Tensor,
    weight_size: Sequence[int],
    grad_output: Tensor,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """The gradient of ``F.conv3d`` with respect to its weight, of size ``weight_size``.

    Example:
        >>> import tocha
        >>> tocha.nn.grad.conv3d_weight(tocha.ones(1, 1, 1, 1, 2), (1, 1, 1, 1, 1), tocha.ones(1, 1, 1, 1, 2))
        tensor([[[[[2.]]]]])
    """
    return _weight_gradient("conv3d_weight", 3, input, weight_size, grad_output, stride, padding, dilation, groups)
