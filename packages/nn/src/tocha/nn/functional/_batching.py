"""The batching rules of tocha-nn's ops, for ``tocha.func.vmap`` (NOTE [ Batched vmap ] in tocha's core).

Each rule gets the op call with batched operands replaced by their values, the batch dimension first, and
returns the batched result; what a rule does not batch runs once per entry
(``tocha.library.per_entry_batching_rule``).
"""

from __future__ import annotations

from typing import Any

import tocha
from tocha import Tensor
from tocha.library import (
    OpCall,
    per_entry_batching_rule,
    pointwise_batching_rule,
    register_batching_rule,
)

Proceed = Any

_POINTWISE = (
    "threshold",
    "threshold_backward",
    "hardtanh",
    "hardtanh_backward",
    "leaky_relu",
    "leaky_relu_backward",
    "elu",
    "elu_backward",
    "selu",
    "celu",
    "gelu",
    "gelu_backward",
    "silu",
    "silu_backward",
    "mish",
    "hardsigmoid",
    "hardswish",
    "logsigmoid",
    "softplus",
    "softplus_backward",
    "softshrink",
    "hardshrink",
)


def _over_batch(x: Tensor, flag: bool, size: int) -> Tensor:
    """``x`` with the batch dimension in front: its value when batched, else expanded over the batch."""
    return x if flag else x.unsqueeze(0).expand(size, *x.shape)


def linear(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """``linear``: one product for the whole batch; per-entry weights (``vmap`` over models) as a batched matmul.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> w = tocha.ones(2, 3)
        >>> tocha.func.vmap(F.linear, in_dims=(0, None))(tocha.ones(4, 3), w).shape
        tocha.Size([4, 2])
    """
    x, w, b = (*call.inputs, None)[:3]
    fx, fw, fb = (*batched, False)[:3]
    if call.out is not None or x.dim() - (1 if fx else 0) < 1:
        return per_entry_batching_rule(call, batched, size, proceed)
    if not fw and not fb:
        if fx:
            return proceed(call)
        x = _over_batch(x, False, size)
        return proceed(OpCall(call.op, call.device, (x, w, b), call.params))
    if w.dim() - (1 if fw else 0) != 2:
        return per_entry_batching_rule(call, batched, size, proceed)
    x = _over_batch(x, fx, size)
    w = _over_batch(w, fw, size)
    lead = tuple(x.shape[1:-1])
    out = tocha.matmul(x.reshape(size, -1, x.shape[-1]), w.transpose(1, 2)).reshape(size, *lead, w.shape[1])
    if b is not None:
        bias = _over_batch(b, fb, size)
        out = out + bias.reshape(size, *((1,) * len(lead)), bias.shape[-1])
    return out


def class_index_loss(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """``nll_loss`` / ``cross_entropy`` with class indices, for entries of shape ``(C,)`` or ``(N, C)``.

    The whole batch runs with ``reduction='none'``; each entry's 'sum' or weighted 'mean' follows.
    """
    x, target, weight = call.inputs
    fx, ft, fw = batched
    reduction, ignore_index = call.params
    rank = x.dim() - (1 if fx else 0)
    if call.out is not None or fw or rank not in (1, 2):
        return per_entry_batching_rule(call, batched, size, proceed)
    x = _over_batch(x, fx, size)
    target = _over_batch(target, ft, size)
    classes = x.shape[-1]
    flat = proceed(
        OpCall(call.op, call.device, (x.reshape(-1, classes), target.reshape(-1), weight), ("none", ignore_index))
    )
    losses = flat[0] if isinstance(flat, tuple) else flat
    losses = losses.reshape(target.shape)
    if reduction == "mean":
        valid = target != ignore_index
        counted = valid.to(losses.dtype) if weight is None else weight[target.clamp(0, classes - 1)] * valid
        loss = losses.sum(-1) / counted.sum(-1) if rank == 2 else losses / counted
    elif reduction == "sum" and rank == 2:
        loss = losses.sum(-1)
    else:
        loss = losses
    if isinstance(flat, tuple):  # cross_entropy_with_softmax: (loss, probabilities)
        return loss, flat[1].reshape(x.shape)
    return loss


def install() -> None:
    """Register tocha-nn's batching rules."""
    for name in _POINTWISE:
        register_batching_rule(name, pointwise_batching_rule)
    register_batching_rule("linear", linear)
    for name in ("nll_loss", "cross_entropy", "cross_entropy_with_softmax"):
        register_batching_rule(name, class_index_loss)
