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
    return x if flag else x.expand(size, *x.shape)


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
    if not fw and not fb:  # only the input is batched: one product of all its rows
        return proceed(call)
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


def _folded(x: Tensor, rank: int) -> tuple[Tensor, bool]:
    """Batched value ``x`` of an op taking ``(N, C, *spatial)`` or unbatched ``(C, *spatial)``: the batch folded
    into N (``(B * N, C, ...)``, True) or made N (``(B, C, ...)``, False), for one entry's ``rank``."""
    if x.dim() - 1 == rank:
        return _fold(x), True
    return x, False


def _fold(x: Tensor) -> Tensor:
    """``(B, N, ...)`` as ``(B * N, ...)``."""
    return x.reshape(x.shape[0] * x.shape[1], *x.shape[2:])


def _unfolded(result: Tensor, folded: bool, size: int) -> Tensor:
    return result.reshape(size, result.shape[0] // size, *result.shape[1:]) if folded else result


def convolution(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """``convolution``: the batch folded into the samples; per-entry weights as one grouped convolution."""
    x, w, b = call.inputs
    fx, fw, fb = batched
    stride, padding, dilation, groups, transposed, output_padding = call.params
    rank = w.dim() - (1 if fw else 0)  # one entry's (N, C, *spatial) rank
    if call.out is not None or (x.dim() - (1 if fx else 0)) not in (rank - 1, rank):
        return per_entry_batching_rule(call, batched, size, proceed)
    if not fw and not fb:
        x = _over_batch(x, fx, size)
        x, folded = _folded(x, rank)
        return _unfolded(proceed(OpCall(call.op, call.device, (x, w, b), call.params)), folded, size)
    if transposed:
        return per_entry_batching_rule(call, batched, size, proceed)
    x = _over_batch(x, fx, size)
    if x.dim() - 1 == rank - 1:
        x = x.unsqueeze(1)  # one entry of shape (C, *spatial): a sample dimension of 1
        squeeze = True
    else:
        squeeze = False
    samples, channels = x.shape[1], x.shape[2]
    spatial = tuple(x.shape[3:])
    # (B, N, C, *sp) -> (N, B * C, *sp): entry b's channels form group b (times the op's own groups)
    grouped = x.transpose(0, 1).reshape(samples, size * channels, *spatial)
    w = _over_batch(w, fw, size)
    weight = w.reshape(size * w.shape[1], *w.shape[2:])
    bias = None if b is None else _over_batch(b, fb, size).reshape(-1)
    params = (stride, padding, dilation, groups * size, transposed, output_padding)
    out = proceed(OpCall(call.op, call.device, (grouped, weight, bias), params))
    out = out.reshape(samples, size, w.shape[1], *out.shape[2:]).transpose(0, 1)
    return out.squeeze(1) if squeeze else out


def pooling(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """Pools (whose first param names the spatial dims): the batch folded into the samples."""
    (x,), (fx,) = call.inputs, batched
    rank = len(call.params[0]) + 2
    if call.out is not None or not fx or x.dim() - 1 not in (rank - 1, rank):
        return per_entry_batching_rule(call, batched, size, proceed)
    x, folded = _folded(x, rank)
    result = proceed(OpCall(call.op, call.device, (x,), call.params))
    if isinstance(result, tuple):
        return tuple(_unfolded(r, folded, size) for r in result)
    return _unfolded(result, folded, size)


def row_norm(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """``layer_norm`` / ``rms_norm`` (trailing dims normalized) with shared affine parameters: one call."""
    if call.out is not None or batched[0] is not True or any(f is True for f in batched[1:]):
        return per_entry_batching_rule(call, batched, size, proceed)
    outputs = proceed(call)
    # the statistics come per row of the whole batch: the batch dimension first again
    return (outputs[0], *(s.reshape(size, s.shape[0] // size, *s.shape[1:]) for s in outputs[1:]))


def batch_norm(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """``batch_norm`` in eval mode (running statistics, shared parameters): the batch folded into the samples.

    In training mode each entry's own batch statistics would mix with the others': that runs per entry.
    """
    training = call.params[0]
    x = call.inputs[0]
    if call.out is not None or training or batched[0] is not True or any(f is True for f in batched[1:]):
        return per_entry_batching_rule(call, batched, size, proceed)
    if x.dim() - 1 < 2:
        return per_entry_batching_rule(call, batched, size, proceed)
    folded = _fold(x)
    y, *stats = proceed(OpCall(call.op, call.device, (folded, *call.inputs[1:]), call.params))
    return (_unfolded(y, True, size), *(s.unsqueeze(0).expand(size, *s.shape) for s in stats))


def at_one_rank(operands: tuple[Any, ...], batched: tuple[Any, ...], size: int) -> list[Tensor | None]:
    """Tensor operands (None kept) over the batch, each with ones after the batch dimension up to the largest
    entry rank, so that attention's leading dims broadcast as one entry's do."""
    rank = max(t.dim() - (1 if f else 0) for t, f in zip(operands, batched, strict=True) if t is not None)
    aligned: list[Tensor | None] = []
    for t, f in zip(operands, batched, strict=True):
        if t is None:
            aligned.append(None)
            continue
        t = _over_batch(t, f, size)
        missing = rank - (t.dim() - 1)
        aligned.append(t.reshape(size, *((1,) * missing), *t.shape[1:]) if missing else t)
    return aligned


def attention(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """``scaled_dot_product_attention``: every operand over the batch, of one rank; leading dims are batches."""
    if call.out is not None:
        return per_entry_batching_rule(call, batched, size, proceed)
    inputs = at_one_rank(call.inputs, batched, size)
    return proceed(OpCall(call.op, call.device, tuple(inputs), call.params))


def attention_heads(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """``split_attention_heads`` / ``merge_attention_heads``: the batch folded into the samples."""
    if call.out is not None or any(t.dim() - (1 if f else 0) != (3 if len(call.inputs) == 1 else 4)
                                   for t, f in zip(call.inputs, batched, strict=True)):  # fmt: skip
        return per_entry_batching_rule(call, batched, size, proceed)
    inputs = tuple(_fold(_over_batch(t, f, size)) for t, f in zip(call.inputs, batched, strict=True))
    result = proceed(OpCall(call.op, call.device, inputs, call.params))
    if isinstance(result, tuple):
        return tuple(_unfolded(r, True, size) for r in result)
    return _unfolded(result, True, size)


def padding(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """``constant_pad_nd``: pads one entry's trailing dims, which the batch dimension leaves in place."""
    (x,), (fx,) = call.inputs, batched
    if call.out is not None or not fx or len(call.params[0]) // 2 > x.dim() - 1:
        return per_entry_batching_rule(call, batched, size, proceed)
    return proceed(call)


def embedding(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """``embedding`` of batched indices in a shared table: one lookup, the batch dimension kept in front."""
    if call.out is not None or batched[0] is True or batched[1] is not True:
        return per_entry_batching_rule(call, batched, size, proceed)
    return proceed(call)


def install() -> None:
    """Register tocha-nn's batching rules."""
    for name in _POINTWISE:
        register_batching_rule(name, pointwise_batching_rule)
    register_batching_rule("linear", linear)
    for name in ("nll_loss", "cross_entropy", "cross_entropy_with_softmax"):
        register_batching_rule(name, class_index_loss)
    register_batching_rule("convolution", convolution)
    for name in ("max_pool", "max_pool_values", "avg_pool", "adaptive_avg_pool", "adaptive_max_pool"):
        register_batching_rule(name, pooling)
    for name in ("layer_norm", "rms_norm"):
        register_batching_rule(name, row_norm)
    register_batching_rule("scaled_dot_product_attention", attention)
    for name in ("split_attention_heads", "merge_attention_heads"):
        register_batching_rule(name, attention_heads)
    register_batching_rule("constant_pad_nd", padding)
    register_batching_rule("batch_norm", batch_norm)
    register_batching_rule("embedding", embedding)
    from . import _batching_backward

    _batching_backward.install()
