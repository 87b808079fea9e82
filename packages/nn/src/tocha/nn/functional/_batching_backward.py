"""The batching rules of tocha-nn's backward ops, for ``tocha.func.vmap`` (NOTE [ Batched vmap ] in tocha's core).

A backward op meets a batch of cotangents (jacrev, is_grads_batched, vmap of a vjp function, jacfwd's double
vjp), and may meet batched saved values too (the op called on batched tensors); ``vjp`` inside vmap instead
differentiates whole batches below the batching layer. The rules run every case as one call: the batch folded
into the op's samples where an entry's gradients are per sample, into its channels (one group per entry) where
they are sums over the samples.
"""

from __future__ import annotations

import math
from typing import Any

import tocha
from tocha import Tensor
from tocha.library import OpCall, per_entry_batching_rule, register_batching_rule

from ._batching import Proceed, _fold, _over_batch, at_one_rank


def _placeholder(like: Tensor, size: int) -> Tensor:
    """The batch of a backward op's empty stand-in for a gradient not asked for."""
    return tocha.empty((size, 0), dtype=like.dtype, device=like.device)


def _entry_shape(x: Tensor, flag: Any) -> tuple[int, ...]:
    return tuple(x.shape[1:]) if flag is True else tuple(x.shape)


def _channel_fold(x: Tensor) -> Tensor:
    """``(B, N, C, *spatial)`` as ``(N, B * C, *spatial)``: entry b's channels form the b-th block."""
    return x.transpose(0, 1).reshape(x.shape[1], x.shape[0] * x.shape[2], *x.shape[3:])


def _channel_unfold(x: Tensor, size: int) -> Tensor:
    """The inverse of :func:`_channel_fold`."""
    return x.reshape(x.shape[0], size, x.shape[1] // size, *x.shape[2:]).transpose(0, 1)


def linear_backward(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """``linear_backward``: each entry's input, weight and bias gradients as products over the whole batch.

    A shared weight takes every entry's cotangent rows in one product; each entry's weight gradient is
    ``grad^T @ x`` (one product of all entries' transposed cotangents with a shared input).

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> w = tocha.ones(2, 3)
        >>> tocha.func.jacrev(lambda w: F.linear(tocha.ones(4, 3), w).sum(0))(w).shape
        tocha.Size([2, 2, 3])
    """
    grad, x, w = call.inputs
    fg, fx, fw = batched
    need_x, need_w, need_b = call.params
    if call.out is not None or w.dim() - (1 if fw else 0) != 2:
        return per_entry_batching_rule(call, batched, size, proceed)
    out_features, in_features = w.shape[-2:]
    g3 = _over_batch(grad, fg, size).reshape(size, -1, out_features)
    gx = gw = gb = _placeholder(grad, size)
    if need_x:
        gx = tocha.matmul(g3, w) if fw else g3.reshape(-1, out_features).matmul(w)
        gx = gx.reshape(size, *_entry_shape(x, fx))
    if need_w:
        if fx:
            gw = tocha.matmul(g3.transpose(1, 2), x.reshape(size, -1, in_features))
        else:  # one product: every entry's transposed cotangent rows against the shared input
            rows = g3.transpose(1, 2).reshape(size * out_features, -1)
            gw = rows.matmul(x.reshape(-1, in_features)).reshape(size, out_features, in_features)
    if need_b:
        gb = g3.sum(1)
    return gx, gw, gb


def _rows(stat: Tensor, flag: bool, size: int) -> Tensor:
    """Per-row statistics ``(rows, 1)`` of one entry, as the whole batch's ``(B * rows, 1)``."""
    return stat.reshape(-1, 1) if flag else stat.repeat(size, 1)


def _scaled_by_weight(g: Tensor, weight: Tensor | None, fw: bool, size: int) -> tuple[Tensor, Tensor | None]:
    """The cotangent and the weight to hand a row normalisation's backward op: a per-entry weight multiplied
    into the cotangent (the input gradient sees only ``grad * weight``)."""
    if weight is None or not fw:
        return g, weight
    return g * weight.reshape(size, *((1,) * (g.dim() - weight.dim())), *weight.shape[1:]), None


def layer_norm_backward(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """``layer_norm_backward``: the input gradient from one call over every entry's rows; each entry's weight
    and bias gradients as batched products over its rows.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> x = tocha.tensor([[1.0, 2.0, 4.0]])
        >>> tocha.func.jacrev(lambda x: F.layer_norm(x, (3,)))(x).shape
        tocha.Size([1, 3, 1, 3])
    """
    grad, x, weight, mean, rstd = call.inputs
    fg, fx, fw, fm, fr = batched
    k, need_w, need_b = call.params
    if call.out is not None:
        return per_entry_batching_rule(call, batched, size, proceed)
    g = _over_batch(grad, fg, size)
    xb = _over_batch(x, fx, size)
    mean, rstd = _rows(mean, fm, size), _rows(rstd, fr, size)
    gw, w = _scaled_by_weight(g, weight, fw, size)
    dx, _, _ = proceed(OpCall(call.op, call.device, (gw, xb, w, mean, rstd), (k, False, False)))
    if not need_w and not need_b:
        return dx, _placeholder(grad, size), _placeholder(grad, size)
    shape = tuple(xb.shape[xb.dim() - k :])
    g3 = g.reshape(size, -1, math.prod(shape))
    dw = db = _placeholder(grad, size)
    if need_w:  # as one entry's op: rstd^T (g * x) - (mean * rstd)^T g, over its rows
        r = rstd.reshape(size, 1, -1)
        dw = tocha.matmul(r, g3 * xb.reshape(g3.shape)) - tocha.matmul(mean.reshape(size, 1, -1) * r, g3)
        dw = dw.reshape(size, *shape)
    if need_b:
        db = g3.sum(1).reshape(size, *shape)
    return dx, dw, db


def rms_norm_backward(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """``rms_norm_backward``: the input gradient from one call over every entry's rows; each entry's weight
    gradient as a sum over its rows.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> x = tocha.tensor([[1.0, 2.0, 4.0]])
        >>> tocha.func.jacrev(lambda w: F.rms_norm(x, (3,), w))(tocha.ones(3)).shape
        tocha.Size([1, 3, 3])
    """
    grad, x, weight, rrms = call.inputs
    fg, fx, fw, fr = batched
    k, need_w = call.params
    if call.out is not None:
        return per_entry_batching_rule(call, batched, size, proceed)
    g = _over_batch(grad, fg, size)
    xb = _over_batch(x, fx, size)
    rrms = _rows(rrms, fr, size)
    gw, w = _scaled_by_weight(g, weight, fw, size)
    dx, _ = proceed(OpCall(call.op, call.device, (gw, xb, w, rrms), (k, False)))
    dw = _placeholder(grad, size)
    if need_w:
        shape = tuple(xb.shape[xb.dim() - k :])
        g3 = g.reshape(size, -1, math.prod(shape))
        xhat = xb.reshape(g3.shape) * rrms.reshape(size, -1, 1)
        dw = (g3 * xhat).sum(1).reshape(size, *shape)
    return dx, dw


def _class_coefficients(
    grad: Tensor, fg: bool, target: Tensor, weight: Tensor | None, fw: bool, params: tuple[Any, ...], size: int
) -> Tensor:
    """Each target's factor ``c`` of a class-index loss's gradient (``-c`` at the target, NOTE [ Loss ops ]),
    ``target``'s shape (batch first), for a call with ``reduction='none'`` and no class weight.

    The class weight and 'mean''s division by each entry's total weight go into ``c``; ignored targets keep
    theirs, which the op masks (as one entry's op would).
    """
    reduction, ignore_index = params[:2]
    valid = target != ignore_index
    if weight is None:
        counted = valid.to(grad.dtype)
        per_target = None
    else:
        safe = tocha.where(valid, target, tocha.zeros_like(target)).reshape(size, -1)
        per_target = _over_batch(weight, fw, size).gather(1, safe).reshape(target.shape)
        counted = per_target * valid
    g = _over_batch(grad, fg, size)
    if reduction != "none":
        if reduction == "mean":
            g = g / counted.reshape(size, -1).sum(1)
        g = g.reshape(size, *((1,) * (target.dim() - 1))).expand(target.shape)
    return g if per_target is None else g * per_target


def _sample_fold(x: Tensor, entry_rank: int) -> Tensor:
    """A batched ``(C,)`` entry as ``(B, C)`` samples; ``(N, C, ...)`` entries folded into ``(B * N, C, ...)``."""
    return x if entry_rank <= 1 else _fold(x)


def _scaled_gradient(call: OpCall, batched: tuple[Any, ...]) -> bool:
    """Whether a reduced loss's backward op meets only a batch of cotangents (jacrev): each entry's gradient is
    its scalar cotangent times one gradient."""
    return call.params[0] != "none" and batched[0] is True and not any(batched[1:])


def _times_unit_gradient(call: OpCall, size: int, proceed: Proceed) -> Tensor:
    """The loss's gradient for a cotangent of 1, scaled by each entry's cotangent (the op is linear in it)."""
    grad: Tensor = call.inputs[0]
    one = tocha.ones((), dtype=grad.dtype, device=grad.device)
    unit: Tensor = proceed(OpCall(call.op, call.device, (one, *call.inputs[1:]), call.params))
    return grad.reshape(size, *((1,) * unit.dim())) * unit


def class_index_loss_backward(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """``cross_entropy_backward`` / ``cross_entropy_with_softmax_backward`` (inputs ``grad, input or
    probabilities, target, weight``): all entries' samples as one call with ``reduction='none'``.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> t = tocha.tensor([1, 0])
        >>> tocha.func.jacrev(lambda x: F.cross_entropy(x, t, reduction="none"))(tocha.zeros(2, 3)).shape
        tocha.Size([2, 2, 3])
    """
    grad, x, target, weight = call.inputs
    fg, fx, ft, fw = batched
    if call.out is not None:
        return per_entry_batching_rule(call, batched, size, proceed)
    if _scaled_gradient(call, batched):
        return _times_unit_gradient(call, size, proceed)
    rank = x.dim() - (1 if fx else 0)
    xb = _over_batch(x, fx, size)
    target = _over_batch(target, ft, size)
    c = _class_coefficients(grad, fg, target, weight, fw, call.params, size)
    inputs = (_sample_fold(c, rank), _sample_fold(xb, rank), _sample_fold(target, rank), None)
    result = proceed(OpCall(call.op, call.device, inputs, ("none", call.params[1])))
    return result.reshape(xb.shape)


def nll_loss_backward(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """``nll_loss_backward``: all entries' samples as one call with ``reduction='none'``.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> t = tocha.tensor([1, 0])
        >>> tocha.func.jacrev(lambda x: F.nll_loss(x, t))(tocha.zeros(2, 3))
        tensor([[ 0.0000, -0.5000,  0.0000],
                [-0.5000,  0.0000,  0.0000]])
    """
    grad, target, weight = call.inputs
    fg, ft, fw = batched
    _, ignore_index, shape = call.params
    if call.out is not None:
        return per_entry_batching_rule(call, batched, size, proceed)
    if _scaled_gradient(call, batched):
        return _times_unit_gradient(call, size, proceed)
    target = _over_batch(target, ft, size)
    c = _class_coefficients(grad, fg, target, weight, fw, call.params, size)
    folded = (size, *shape) if len(shape) <= 1 else (size * shape[0], *shape[1:])
    inputs = (_sample_fold(c, len(shape)), _sample_fold(target, len(shape)), None)
    result = proceed(OpCall(call.op, call.device, inputs, ("none", ignore_index, folded)))
    return result.reshape(size, *shape)


def embedding_backward(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """``embedding_backward``: a batch of cotangents for shared indices as one table of ``B`` times the width;
    per-entry indices shifted to their entry's own block of a ``B`` times taller table.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> idx = tocha.tensor([0, 2, 0])
        >>> tocha.func.jacrev(lambda w: F.embedding(idx, w))(tocha.ones(3, 2)).shape
        tocha.Size([3, 2, 3, 2])
    """
    grad, indices = call.inputs
    fg, fi = batched
    num_weights, padding_idx, scale = call.params
    if call.out is not None:
        return per_entry_batching_rule(call, batched, size, proceed)
    if not fi:
        width = grad.shape[-1]
        wide = grad.movedim(0, -2).reshape(*indices.shape, size * width)
        table = proceed(OpCall(call.op, call.device, (wide, indices), call.params))
        return table.reshape(num_weights, size, width).transpose(0, 1)
    g = _over_batch(grad, fg, size)
    if padding_idx is not None:  # the op zeroes one row index; here each entry's own padding row
        g = g * (indices != padding_idx).unsqueeze(-1).to(g.dtype)
    offsets = tocha.arange(size, device=indices.device) * num_weights
    shifted = indices + offsets.reshape(size, *((1,) * (indices.dim() - 1)))
    table = proceed(OpCall(call.op, call.device, (g, shifted), (size * num_weights, None, scale)))
    return table.reshape(size, num_weights, g.shape[-1])


def attention_backward(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """``scaled_dot_product_attention_backward``: every operand over the batch, of one rank (the batch a
    leading dim of the op's own); each gradient reshaped to its entry's operand.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> q = tocha.ones(2, 3)
        >>> tocha.func.jacrev(lambda k: F.scaled_dot_product_attention(q, k, k))(tocha.ones(4, 3)).shape
        tocha.Size([2, 3, 4, 3])
    """
    if call.out is not None:
        return per_entry_batching_rule(call, batched, size, proceed)
    inputs = at_one_rank(call.inputs, batched, size)
    dq, dk, dv, ds = proceed(OpCall(call.op, call.device, tuple(inputs), call.params))
    shapes = (_entry_shape(t, f) for t, f in zip(call.inputs[2:5], batched[2:5], strict=True))
    dq, dk, dv = (d.reshape(size, *s) for d, s in zip((dq, dk, dv), shapes, strict=True))
    return dq, dk, dv, ds


def trailing_dims(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """Backward ops of pools and resampling (``grad``; first param: one entry's input ``spatial`` shape) that
    map over any leading dims: the call as it is.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> tocha.func.jacrev(lambda x: F.avg_pool1d(x, 2))(tocha.ones(1, 4)).shape
        tocha.Size([1, 2, 1, 4])
    """
    (grad,), (fg,) = call.inputs, batched
    if call.out is not None or not fg or grad.dim() - 1 < len(call.params[0]):
        return per_entry_batching_rule(call, batched, size, proceed)
    return proceed(call)


def max_pool_backward(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """``max_pool_backward`` (a scatter of ``grad`` at the pool's ``indices``): both over the batch, which
    the scatter takes as one more leading dim.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> tocha.func.jacrev(lambda x: F.max_pool1d(x, 2))(tocha.arange(4.0).reshape(1, 4))
        tensor([[[[0., 1., 0., 0.]],
        <BLANKLINE>
                 [[0., 0., 0., 1.]]]])
    """
    grad, indices = call.inputs
    fg, fi = batched
    if call.out is not None or (grad.dim() - (1 if fg else 0)) < len(call.params[0]):
        return per_entry_batching_rule(call, batched, size, proceed)
    inputs = (_over_batch(grad, fg, size), _over_batch(indices, fi, size))
    return proceed(OpCall(call.op, call.device, inputs, call.params))


def pad_backward(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """``pad_backward`` (reflect / replicate / circular pads' gradient): the batch a leading dim of the shape.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> tocha.func.jacrev(lambda x: F.pad(x, (1, 1), mode="replicate"))(tocha.ones(1, 2)).shape
        tocha.Size([1, 4, 1, 2])
    """
    (grad,), (fg,) = call.inputs, batched
    mode, pads, shape = call.params
    if call.out is not None or not fg or len(pads) // 2 > len(shape):
        return per_entry_batching_rule(call, batched, size, proceed)
    return proceed(OpCall(call.op, call.device, (grad,), (mode, pads, (size, *shape))))


def _grouped(t: Tensor | None, flag: bool, size: int) -> Tensor | None:
    """A weight-like operand ``(C, ...)`` as the whole batch's ``(B * C, ...)`` (each entry's own block)."""
    if t is None:
        return None
    t = _over_batch(t, flag, size)
    return t.reshape(size * t.shape[1], *t.shape[2:])


def convolution_backward(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """``convolution_backward``: the batch folded into the channels, one group per entry (times the op's own),
    so that each entry's weight and bias gradients stay its own.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> w = tocha.ones(2, 1, 3)
        >>> tocha.func.jacrev(lambda x: F.conv1d(x, w))(tocha.ones(1, 1, 5)).shape
        tocha.Size([1, 2, 3, 1, 1, 5])
    """
    grad, x, w = call.inputs
    fg, fx, fw = batched
    stride, padding, dilation, groups, need_x, need_w, need_b = call.params
    rank = w.dim() - (1 if fw else 0)
    if call.out is not None or x.dim() - (1 if fx else 0) != rank:
        return per_entry_batching_rule(call, batched, size, proceed)
    g = _channel_fold(_over_batch(grad, fg, size))
    xb = _channel_fold(_over_batch(x, fx, size))
    params = (stride, padding, dilation, groups * size, need_x, need_w, need_b)
    gx, gw, gb = proceed(OpCall(call.op, call.device, (g, xb, _grouped(w, fw, size)), params))
    gx = _channel_unfold(gx, size) if need_x else _placeholder(grad, size)
    gw = gw.reshape(size, -1, *gw.shape[1:]) if need_w else _placeholder(grad, size)
    gb = gb.reshape(size, -1) if need_b else _placeholder(grad, size)
    return gx, gw, gb


def convolution_backward_weight(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """``convolution_backward_weight`` (the input and the output's gradient): the batch folded into the
    channels, one group per entry, so that each entry's weight gradient stays its own.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> x = tocha.ones(1, 1, 5)
        >>> tocha.func.jacrev(lambda w: F.conv_transpose1d(x, w))(tocha.ones(1, 2, 3)).shape
        tocha.Size([1, 2, 7, 1, 2, 3])
    """
    inp, gout = call.inputs
    fi, fo = batched
    weight_shape, stride, padding, dilation, groups = call.params
    if call.out is not None or any(
        t.dim() - (1 if f else 0) != len(weight_shape) for t, f in zip(call.inputs, batched, strict=True)
    ):
        return per_entry_batching_rule(call, batched, size, proceed)
    folded = (_channel_fold(_over_batch(inp, fi, size)), _channel_fold(_over_batch(gout, fo, size)))
    shape = (size * weight_shape[0], *weight_shape[1:])
    gw = proceed(OpCall(call.op, call.device, folded, (shape, stride, padding, dilation, groups * size)))
    return gw.reshape(size, *weight_shape)


def convolution_backward_bias(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """``convolution_backward_bias`` (a sum over samples and positions): the batch folded into the channels.

    Example:
        >>> import tocha
        >>> from tocha.library import OpCall, call, get_op
        >>> from tocha.nn.functional._batching_backward import convolution_backward_bias
        >>> op = get_op("convolution_backward_bias")
        >>> g = tocha.ones(2, 3, 4, 5)  # two entries of (N=3, C=4, L=5)
        >>> run = lambda c: call(c.op, c.device, c.inputs, c.params)
        >>> convolution_backward_bias(OpCall(op, g.device, (g,), ()), (True,), 2, run)
        tensor([[15., 15., 15., 15.],
                [15., 15., 15., 15.]])
    """
    (grad,), (fg,) = call.inputs, batched
    if call.out is not None or not fg or grad.dim() < 3:
        return per_entry_batching_rule(call, batched, size, proceed)
    gb = proceed(OpCall(call.op, call.device, (_channel_fold(grad),), ()))
    return gb.reshape(size, -1)


def group_norm_backward(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """``group_norm_backward``: the batch folded into the channels (each entry's groups its own), so that each
    entry's weight and bias gradients stay its own.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> x = tocha.arange(8.0).reshape(1, 4, 2)
        >>> tocha.func.jacrev(lambda w: F.group_norm(x, 2, w))(tocha.ones(4)).shape
        tocha.Size([1, 4, 2, 4])
    """
    grad, x, weight, mean, rstd = call.inputs
    fg, fx, fw, fm, fr = batched
    (groups,) = call.params
    if call.out is not None or x.dim() - (1 if fx else 0) < 2:
        return per_entry_batching_rule(call, batched, size, proceed)
    g = _channel_fold(_over_batch(grad, fg, size))
    xb = _channel_fold(_over_batch(x, fx, size))
    samples = g.shape[0]
    # one entry's statistics run over (N, groups); the folded call's over (N, B, groups)
    mean, rstd = (_over_batch(s, f, size).reshape(size, samples, groups).transpose(0, 1).reshape(-1, 1)
                  for s, f in ((mean, fm), (rstd, fr)))  # fmt: skip
    inputs = (g, xb, _grouped(weight, fw, size), mean, rstd)
    dx, dw, db = proceed(OpCall(call.op, call.device, inputs, (groups * size,)))
    return _channel_unfold(dx, size), dw.reshape(size, -1), db.reshape(size, -1)


def batch_norm_backward(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """``batch_norm_backward``: the batch folded into the channels, so that each entry's statistics, weight and
    bias gradients stay its own (in training mode as in eval mode).

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> mean, var = tocha.zeros(2), tocha.ones(2)
        >>> f = lambda x: F.batch_norm(x, mean, var)
        >>> tocha.func.jacrev(f)(tocha.ones(3, 2)).shape
        tocha.Size([3, 2, 3, 2])
    """
    grad, x, weight, mean, var = call.inputs
    fg, fx, fw, fm, fv = batched
    if call.out is not None or x.dim() - (1 if fx else 0) < 2:
        return per_entry_batching_rule(call, batched, size, proceed)
    g = _channel_fold(_over_batch(grad, fg, size))
    xb = _channel_fold(_over_batch(x, fx, size))
    inputs = (g, xb, _grouped(weight, fw, size), _grouped(mean, fm, size), _grouped(var, fv, size))
    dx, dw, db = proceed(OpCall(call.op, call.device, inputs, call.params))
    return _channel_unfold(dx, size), dw.reshape(size, -1), db.reshape(size, -1)


def install() -> None:
    """Register the rules of tocha-nn's backward ops."""
    register_batching_rule("linear_backward", linear_backward)
    register_batching_rule("layer_norm_backward", layer_norm_backward)
    register_batching_rule("rms_norm_backward", rms_norm_backward)
    register_batching_rule("group_norm_backward", group_norm_backward)
    register_batching_rule("batch_norm_backward", batch_norm_backward)
    for name in ("cross_entropy_backward", "cross_entropy_with_softmax_backward"):
        register_batching_rule(name, class_index_loss_backward)
    register_batching_rule("nll_loss_backward", nll_loss_backward)
    register_batching_rule("embedding_backward", embedding_backward)
    register_batching_rule("scaled_dot_product_attention_backward", attention_backward)
    for name in ("avg_pool_backward", "adaptive_avg_pool_backward", "upsample_nearest_backward",
                 "upsample_linear_backward", "upsample_bicubic_backward"):  # fmt: skip
        register_batching_rule(name, trailing_dims)
    register_batching_rule("max_pool_backward", max_pool_backward)
    register_batching_rule("pad_backward", pad_backward)
    register_batching_rule("convolution_backward", convolution_backward)
    register_batching_rule("convolution_backward_weight", convolution_backward_weight)
    register_batching_rule("convolution_backward_bias", convolution_backward_bias)
