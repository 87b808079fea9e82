"""Small tensor functions the families share (tocha-distributions does not depend on tocha-nn)."""

from __future__ import annotations

import tocha
from tocha import Tensor

__all__ = ["binary_cross_entropy_with_logits", "logsigmoid", "one_hot", "softplus"]


def softplus(x: Tensor) -> Tensor:
    """``log(1 + exp(x))`` without overflow."""
    return tocha.logaddexp(x, tocha.zeros_like(x))


def logsigmoid(x: Tensor) -> Tensor:
    """``log(sigmoid(x))`` without overflow."""
    return -softplus(-x)


def binary_cross_entropy_with_logits(logits: Tensor, target: Tensor) -> Tensor:
    """Elementwise ``-(t log sigmoid(x) + (1 - t) log(1 - sigmoid(x)))``, stable for large ``|x|``."""
    return softplus(logits) - logits * target


def one_hot(indices: Tensor, num_classes: int, dtype: tocha.dtype) -> Tensor:
    """``indices`` (integers in ``[0, num_classes)``) as one-hot vectors of ``dtype`` along a new last dim."""
    classes = tocha.arange(num_classes, device=indices.device)
    return tocha.eq(indices.unsqueeze(-1), classes).to(dtype)
