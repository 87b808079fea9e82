"""PyTorch-style ``repr`` of tensors (placeholder formatting; see the repr issue work)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._dtype import get_default_dtype, int64, bool as bool_

if TYPE_CHECKING:
    from ._tensor import Tensor

__all__ = ["format_tensor"]


def format_tensor(t: Tensor) -> str:
    """``tensor([...], dtype=..., requires_grad=True)`` as PyTorch prints it."""
    from ._tensor_base import _host

    host = _host(t)
    if t.dtype.name == "bfloat16":
        host = host.astype(np.float32)
    body = np.array2string(host, separator=", ", prefix="tensor(", threshold=1000, edgeitems=3)
    extras = []
    if host.size == 0 and host.ndim != 1:
        extras.append(f"size={tuple(host.shape)}")
    if t.dtype not in (get_default_dtype(), int64, bool_) or (host.size == 0 and t.dtype is not get_default_dtype()):
        extras.append(f"dtype=tocha.{t.dtype.name}")
    if t.device.type != "cpu":
        extras.append(f"device='{t.device}'")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{type(t.grad_fn).__name__}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + ", ".join([body, *extras]) + ")"
