"""What the one-op backwards of linear layers and convolutions share (``linear_backward``, ``convolution_backward``).

Where a backward builds no graph (the usual ``loss.backward()``) and the operands share float32 or float64, a
layer's input, weight and bias gradients come from one op: one dispatch instead of three or four. A double
backward (grad mode on and an operand requiring grad) takes the composite vjp, whose results the one op equals bit
for bit.
"""

from __future__ import annotations

from typing import Any

import tocha
from tocha import Tensor

_DTYPES = frozenset({tocha.float32, tocha.float64})


def applies(grad: Tensor, x: Tensor, w: Tensor) -> bool:
    """Whether the one-op backward may run: float32/float64 operands of one dtype, and no graph to build."""
    return (
        grad.dtype in _DTYPES
        and x.dtype == grad.dtype
        and w.dtype == grad.dtype
        and not (tocha.is_grad_enabled() and (grad.requires_grad or x.requires_grad or w.requires_grad))
    )


def with_placeholders(xp: Any, dtype: Any, arrays: tuple[Any, Any, Any]) -> tuple[Any, Any, Any]:
    """A backward op's gradients with an empty array for each one not asked for (an op's outputs are arrays)."""
    if all(a is not None for a in arrays):
        return arrays
    empty = xp.empty(0, dtype=dtype)
    gx, gw, gb = (empty if a is None else a for a in arrays)
    return gx, gw, gb
