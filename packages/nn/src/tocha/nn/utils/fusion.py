"""Fold an eval-mode batch norm into the convolution or linear layer before it.

Example:
    >>> import tocha
    >>> from tocha.nn.utils import fuse_linear_bn_weights
    >>> w, b = fuse_linear_bn_weights(
    ...     tocha.ones(1, 2), tocha.zeros(1), tocha.tensor([1.0]), tocha.tensor([4.0]), 0.0,
    ...     tocha.tensor([2.0]), tocha.tensor([0.5]))
    >>> w.tolist(), b.tolist()
    ([[1.0, 1.0]], [-0.5])
"""

from __future__ import annotations

import copy
from typing import TypeVar

import tocha

from ..modules.module import Module
from ..parameter import Parameter

__all__ = ["fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval", "fuse_linear_bn_weights"]

ModuleT = TypeVar("ModuleT", bound=Module)


def fuse_conv_bn_eval(conv: ModuleT, bn: Module, transpose: bool = False) -> ModuleT:
    """A copy of ``conv`` whose weight and bias include ``bn`` (both in eval mode): ``bn(conv(x)) == fused(x)``.

    Args:
        conv: a Conv1d/2d/3d (or ConvTranspose with ``transpose=True``).
        bn: the BatchNorm applied to its output, with running statistics.
        transpose: whether ``conv`` is a transposed convolution (output channels on dim 1 of its weight).

    Example:
        >>> import tocha
        >>> from tocha import nn
        >>> from tocha.nn.utils import fuse_conv_bn_eval
        >>> conv, bn = nn.Conv2d(2, 3, 3).eval(), nn.BatchNorm2d(3).eval()
        >>> x = tocha.randn(1, 2, 5, 5)
        >>> bool(tocha.allclose(fuse_conv_bn_eval(conv, bn)(x), bn(conv(x)), atol=1e-6))
        True
    """
    if conv.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    fused = copy.deepcopy(conv)
    assert bn.running_mean is not None
    assert bn.running_var is not None
    fused.weight, fused.bias = fuse_conv_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias, transpose
    )
    return fused


def fuse_conv_bn_weights(
    conv_w: tocha.Tensor,
    conv_b: tocha.Tensor | None,
    bn_rm: tocha.Tensor,
    bn_rv: tocha.Tensor,
    bn_eps: float,
    bn_w: tocha.Tensor | None,
    bn_b: tocha.Tensor | None,
    transpose: bool = False,
) -> tuple[Parameter, Parameter]:
    """The weight and bias of a convolution followed by an eval-mode batch norm, as one convolution.

    ``w' = w * (gamma / sqrt(var + eps))`` per output channel, ``b' = (b - mean) * gamma / sqrt(var + eps) + beta``.

    Example:
        >>> import tocha
        >>> from tocha.nn.utils import fuse_conv_bn_weights
        >>> w, b = fuse_conv_bn_weights(tocha.ones(1, 1, 1), None, tocha.zeros(1), tocha.ones(1), 0.0, None, None)
        >>> w.shape, b.tolist()
        (tocha.Size([1, 1, 1]), [0.0])
    """
    weight_dtype = conv_w.dtype
    bias_dtype = conv_b.dtype if conv_b is not None else weight_dtype
    bias_requires_grad = conv_b.requires_grad if conv_b is not None else False
    with tocha.no_grad():
        conv_b = tocha.zeros_like(bn_rm) if conv_b is None else conv_b
        bn_w = tocha.ones_like(bn_rm) if bn_w is None else bn_w
        bn_b = tocha.zeros_like(bn_rm) if bn_b is None else bn_b
        var_rsqrt = tocha.rsqrt(bn_rv + bn_eps)
        shape = [1, -1] if transpose else [-1, 1]
        shape += [1] * (conv_w.ndim - 2)
        fused_w = (conv_w * (bn_w * var_rsqrt).reshape(shape)).to(dtype=weight_dtype)
        fused_b = ((conv_b - bn_rm) * var_rsqrt * bn_w + bn_b).to(dtype=bias_dtype)
    return Parameter(fused_w, conv_w.requires_grad), Parameter(fused_b, bias_requires_grad)


def fuse_linear_bn_eval(linear: ModuleT, bn: Module) -> ModuleT:
    """A copy of ``linear`` whose weight and bias include ``bn`` (both in eval mode).

    ``bn.num_features`` must equal ``linear.out_features`` (or be 1).

    Example:
        >>> import tocha
        >>> from tocha import nn
        >>> from tocha.nn.utils import fuse_linear_bn_eval
        >>> linear, bn = nn.Linear(4, 3).eval(), nn.BatchNorm1d(3).eval()
        >>> x = tocha.randn(2, 4)
        >>> bool(tocha.allclose(fuse_linear_bn_eval(linear, bn)(x), bn(linear(x)), atol=1e-6))
        True
    """
    if linear.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    assert linear.out_features == bn.num_features or bn.num_features == 1, (
        "To fuse, linear.out_features == bn.num_features or bn.num_features == 1"
    )
    fused = copy.deepcopy(linear)
    assert bn.running_mean is not None
    assert bn.running_var is not None
    fused.weight, fused.bias = fuse_linear_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias
    )
    return fused


def fuse_linear_bn_weights(
    linear_w: tocha.Tensor,
    linear_b: tocha.Tensor | None,
    bn_rm: tocha.Tensor,
    bn_rv: tocha.Tensor,
    bn_eps: float,
    bn_w: tocha.Tensor | None,
    bn_b: tocha.Tensor | None,
) -> tuple[Parameter, Parameter]:
    """The weight and bias of a linear layer followed by an eval-mode batch norm, as one linear layer.

    Example:
        >>> import tocha
        >>> from tocha.nn.utils import fuse_linear_bn_weights
        >>> w, b = fuse_linear_bn_weights(tocha.ones(2, 1), None, tocha.zeros(2), tocha.ones(2), 0.0, None, None)
        >>> w.tolist(), b.tolist()
        ([[1.0], [1.0]], [0.0, 0.0])
    """
    weight_dtype = linear_w.dtype
    bias_dtype = linear_b.dtype if linear_b is not None else weight_dtype
    bias_requires_grad = linear_b.requires_grad if linear_b is not None else False
    with tocha.no_grad():
        linear_b = tocha.zeros_like(bn_rm) if linear_b is None else linear_b
        bn_w = tocha.ones_like(bn_rm) if bn_w is None else bn_w
        bn_b = tocha.zeros_like(bn_rm) if bn_b is None else bn_b
        scale = bn_w * tocha.rsqrt(bn_rv + bn_eps)
        fused_w = linear_w * scale.unsqueeze(-1).to(dtype=weight_dtype)
        fused_b = ((linear_b - bn_rm) * scale + bn_b).to(dtype=bias_dtype)
    return Parameter(fused_w, linear_w.requires_grad), Parameter(fused_b, bias_requires_grad)
