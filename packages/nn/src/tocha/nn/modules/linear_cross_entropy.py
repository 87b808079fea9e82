"""``LinearCrossEntropyLoss``: a linear head and cross-entropy in one module (``torch.nn.LinearCrossEntropyLoss``)."""

from __future__ import annotations

import math
from typing import Any

from tocha import Tensor

from ..functional._linear_cross_entropy import LinearCrossEntropyOptions, linear_cross_entropy
from .linear import Linear
from .loss import _WeightedLoss

__all__ = ["LinearCrossEntropyLoss", "LinearCrossEntropyOptions"]


class LinearCrossEntropyLoss(_WeightedLoss):
    """Cross entropy of ``input`` mapped to logits by an owned linear layer, against ``target``.

    The layer is ``self.linear``, a :class:`~tocha.nn.Linear` from ``in_features`` to
    ``num_classes * prod(out_features)`` (PyTorch's initialisation and state-dict keys ``linear.weight``,
    ``linear.bias``; the class weight, when given, is the buffer ``weight``). ``forward`` reshapes its weight to
    ``(num_classes, *out_features, in_features)`` (and its bias to ``(num_classes, *out_features)``) and calls
    :func:`tocha.nn.functional.linear_cross_entropy`; ``options`` selects the chunked path, which never forms the
    full logits (see :class:`~tocha.nn.LinearCrossEntropyOptions`).

    Args:
        in_features: size of each input sample.
        num_classes: the number of classes ``C``.
        out_features: ``(d_1, ..., d_K)`` for a K-dimensional loss.
        bias: whether the linear layer has a bias.
        device: device of the layer's parameters.
        dtype: dtype of the layer's parameters.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``.
        weight: ``(C,)`` class weights; optional.
        ignore_index: target value that contributes nothing (class indices only); ``None``: -100.
        label_smoothing: in ``[0, 1]``.
        options: ``None`` (the reference path) or the chunked path's configuration.

    Raises:
        RuntimeError: ``weight`` is not of shape ``(C,)``, or ``label_smoothing`` is outside ``[0, 1]``.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> _ = tocha.manual_seed(0)
        >>> loss_fn = nn.LinearCrossEntropyLoss(4, 10, options=nn.LinearCrossEntropyOptions())
        >>> loss = loss_fn(tocha.randn(8, 4), tocha.randint(0, 10, (8,)))
        >>> loss.backward()
        >>> loss_fn.linear.weight.grad.shape
        tocha.Size([10, 4])
    """

    num_classes: int
    out_features: tuple[int, ...]
    ignore_index: int | None
    label_smoothing: float
    options: LinearCrossEntropyOptions | None

    def __init__(
        self,
        in_features: int,
        num_classes: int,
        *,
        out_features: tuple[int, ...] = (),
        bias: bool = False,
        device: Any = None,
        dtype: Any = None,
        reduction: str = "mean",
        weight: Tensor | None = None,
        ignore_index: int | None = None,
        label_smoothing: float = 0.0,
        options: LinearCrossEntropyOptions | None = None,
    ) -> None:
        if weight is not None and tuple(weight.shape) != (num_classes,):
            raise RuntimeError(f"expected weight shape to be {(num_classes,)}, got {tuple(weight.shape)}")
        if label_smoothing < 0 or label_smoothing > 1.0:
            raise RuntimeError(f"expected label_smoothing to be in range [0, 1], got {label_smoothing}")
        super().__init__(weight=weight, reduction=reduction)
        self.num_classes = num_classes
        self.out_features = out_features
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing
        # The weight is stored flat, as a Linear's, and shaped per call (PyTorch's layout and keys).
        flat = math.prod(out_features, start=num_classes)
        self.linear = Linear(in_features, flat, bias=bias, device=device, dtype=dtype)
        self.options = options

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``input`` (``(in_features,)`` or ``(N, in_features)``) against ``target``."""
        linear_weight = self.linear.weight.reshape((self.num_classes, *self.out_features, self.linear.in_features))
        bias = self.linear.bias
        linear_bias = None if bias is None else bias.reshape((self.num_classes, *self.out_features))
        return linear_cross_entropy(
            input,
            linear_weight,
            target,
            linear_bias=linear_bias,
            weight=self.weight,
            reduction=self.reduction,
            ignore_index=self.ignore_index,
            label_smoothing=self.label_smoothing,
            options=self.options,
        )

    def extra_repr(self) -> str:
        """The constructor's settings, as PyTorch prints them."""
        return (
            f"in_features={self.linear.in_features}, num_classes={self.num_classes}, "
            f"out_features={self.out_features}, bias={self.linear.bias is not None}, reduction={self.reduction}, "
            f"ignore_index={self.ignore_index}, label_smoothing={self.label_smoothing}, options={self.options}"
        )
