"""tocha.nn.functional: scaled_dot_product_attention, multi_head_attention_forward.

NOTE [ Attention op ]
The core of attention, :math:`P = \\mathrm{softmax}(s\\,QK^T + M)`, :math:`O = PV`, is one op record,
``"scaled_dot_product_attention"``: inputs ``(query, key, value, mask)`` (``mask`` an additive float mask or
None), params ``(is_causal, scale, safe)``, two outputs ``(O, P)``, both differentiable (``MultiheadAttention``
returns ``P`` as its attention weights). The forward is a batched GEMM into a fresh score array, the scale,
the mask and a causal triangle added in place, an in-place softmax, and a second GEMM written straight into
an array laid out like ``query`` (``empty_like(order="K")``), so when the heads are views of a packed
``(N, L, H, E)`` projection the output's ``(N, L, H * E)`` view is free. ``safe`` makes a row whose scores are
all ``-inf`` attend to nothing (zeros, as PyTorch's ``scaled_dot_product_attention`` does) instead of NaN (as a
plain softmax, which ``multi_head_attention_forward`` uses when it returns the weights).

The node saves ``query``, ``key``, ``value``, the mask (the inputs) and ``(O, P)`` (the result). Its vjp has two
paths, as the normalisation ops have:

- grad mode off (a plain ``backward()``): one fused kernel, ``scaled_dot_product_attention_backward``:
  :math:`dV = P^T dO`, :math:`dP = dO V^T + \\bar P`, :math:`dS = P \\odot (dP - \\mathrm{rowsum}(P \\odot dP))`,
  :math:`dQ = s\\,dS K`, :math:`dK = s\\,dS^T Q`, and ``dS`` itself for a float mask that requires grad;
- grad mode on (``create_graph=True``): the same formulas with tocha ops, ``P`` recomputed from ``Q``, ``K``
  and the mask so the second derivative sees its dependence on them.

Dropout on ``P`` (``dropout_p > 0``) runs as a composite of tocha ops (matmul, softmax, dropout, matmul).
Boolean masks are turned into additive ones (``0`` where attending, ``-inf`` elsewhere) before the op.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

import tocha
from tocha import Tensor
from tocha.library import OpRecord, call, gemm_batched, register_op

from ..attention import _backends as _sdpa_backends
from . import _cuda_kernels
from ._activation import softmax
from ._dropout import dropout
from ._linear import linear

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]

_C_NAMES = {
    "float32": "float",
    "float64": "double",
    "float16": "c10::Half",
    "bfloat16": "c10::BFloat16",
    "int64": "long int",
    "int32": "int",
    "int16": "short int",
    "int8": "signed char",
    "uint8": "unsigned char",
    "bool": "bool",
}


def _c_name(t: Tensor) -> str:
    name = str(t.dtype).rsplit(".", 1)[-1]
    return _C_NAMES.get(name, name)


# ------------------------------------------------------------------ kernels

_CAUSAL: dict[Any, Any] = {}  # (xp, L, S, dtype) -> additive causal mask, read-only


def _causal_mask(xp: Any, length: int, source: int, dtype: Any) -> Any:
    key = (xp, length, source, dtype)
    found = _CAUSAL.get(key)
    if found is None:
        found = xp.triu(xp.full((length, source), -math.inf, dtype=dtype), 1)
        if len(_CAUSAL) > 64:
            _CAUSAL.clear()
        _CAUSAL[key] = found
    return found


def _out_like(xp: Any, q: Any, shape: tuple[int, ...]) -> Any:
    """A fresh array of ``shape`` laid out like ``q`` (same stride order) when the batch dims agree."""
    if q.ndim == len(shape) and q.shape[:-1] == shape[:-1]:
        return xp.empty_like(q, shape=shape)
    return xp.empty(shape, dtype=q.dtype)


def _softmax_rows(xp: Any, s: Any, safe: bool) -> Any:
    """Softmax along the last dim of the fresh array ``s`` (in place, or one fused kernel on CUDA); see
    NOTE [ Attention op ] for ``safe``."""
    if xp is not np and (fused := _cuda_kernels.softmax(xp, s, -1, log=False, safe=safe)) is not None:
        return fused
    m = s.max(axis=-1, keepdims=True)
    if safe:
        xp.copyto(m, 0, where=m == -math.inf)  # no mask assignment: on CuPy it reads the mask's count back
    s -= m
    xp.exp(s, out=s)
    total = _row_sums(xp, s)
    if safe:
        xp.copyto(total, 1, where=total == 0)
    xp.reciprocal(total, out=total)
    s *= total
    return s


def _row_sums(xp: Any, x: Any) -> Any:
    """``x.sum(-1, keepdims=True)`` as a matrix-vector product (BLAS; NumPy's short-row sums are slow)."""
    return xp.matmul(x, xp.ones(x.shape[-1], dtype=x.dtype))[..., None]


def _fits(small: tuple[int, ...], big: tuple[int, ...]) -> bool:
    """Whether ``small`` broadcasts to ``big`` without enlarging it."""
    return len(small) <= len(big) and all(a in (1, b) for a, b in zip(small[::-1], big[::-1], strict=False))


def _sdpa_forward(xp: Any, q: Any, k: Any, v: Any, mask: Any, is_causal: bool, scale: float, safe: bool) -> Any:
    s = gemm_batched(xp, q, xp.swapaxes(k, -1, -2))
    s *= s.dtype.type(scale)
    if mask is not None:
        if _fits(mask.shape, s.shape):
            s += mask
        else:
            s = s + mask
    if is_causal:
        s += _causal_mask(xp, s.shape[-2], s.shape[-1], s.dtype)
    p = _softmax_rows(xp, s, safe)
    if _fits(v.shape[:-2], p.shape[:-2]):
        out = _out_like(xp, q, (*p.shape[:-1], v.shape[-1]))
        out = gemm_batched(xp, p, v, out)
    else:
        out = gemm_batched(xp, p, v)
    return out, p


def _reduce(xp: Any, g: Any, shape: tuple[int, ...]) -> Any:
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and g.shape[i + lead] != 1)
    return g.sum(axis=axes, keepdims=True).reshape(shape)


def _sdpa_backward_forward(
    xp: Any, g: Any, gp: Any, q: Any, k: Any, v: Any, p: Any, scale: float
) -> tuple[Any, Any, Any, Any]:
    dv = gemm_batched(xp, xp.swapaxes(p, -1, -2), g) if g is not None else xp.zeros(v.shape, dtype=v.dtype)
    if g is not None:
        dp = gemm_batched(xp, g, xp.swapaxes(v, -1, -2))
        if gp is not None:
            dp += gp
    else:
        dp = gp.copy()
    fused = _cuda_kernels.softmax_backward(xp, dp, p, -1, log=False) if xp is not np else None
    if fused is not None:
        dp = fused
    else:
        dp *= p
        r = xp.multiply(p, _row_sums(xp, dp))
        dp -= r  # dS, the gradient of the scaled, masked scores (the mask's gradient)
    dq = gemm_batched(xp, dp, k)
    dq *= dq.dtype.type(scale)
    dk = gemm_batched(xp, xp.swapaxes(dp, -1, -2), q)
    dk *= dk.dtype.type(scale)
    return _reduce(xp, dq, q.shape), _reduce(xp, dk, k.shape), _reduce(xp, dv, v.shape), dp


SDPA_BACKWARD = register_op(
    OpRecord(
        name="scaled_dot_product_attention_backward", forward=_sdpa_backward_forward, num_outputs=4, fp_errors=True
    )
)


def _wants_graph(*tensors: Tensor | None) -> bool:
    return tocha.is_grad_enabled() and any(t is not None and t.requires_grad for t in tensors)


def _scores(q: Tensor, k: Tensor, mask: Tensor | None, is_causal: bool, scale: float) -> Tensor:
    s = q.matmul(k.transpose(-2, -1)) * scale
    if mask is not None:
        s = s + mask
    if is_causal:
        length, source = s.shape[-2], s.shape[-1]
        causal = tocha.ones(length, source, dtype=tocha.bool, device=s.device).triu(1)
        s = s.masked_fill(causal, -math.inf)
    return s


def _probs(s: Tensor, safe: bool) -> Tensor:
    p = softmax(s, -1)
    if safe:
        with tocha.no_grad():
            dead = (s == -math.inf).all(-1, keepdim=True)
        if s.device.type != "cpu" or bool(dead.any()):  # no host read on a device
            p = p.masked_fill(dead, 0.0)
    return p


def _sdpa_vjp(ctx: Any, grads: tuple[Any, ...]) -> tuple[Tensor | None, ...]:
    g, gp = grads
    q, k, v = ctx.inputs[0], ctx.inputs[1], ctx.inputs[2]
    mask = ctx.inputs[3]
    is_causal, scale, safe = ctx.params
    need = ctx.needs_input_grad
    need_mask = len(need) > 3 and need[3]
    if not _wants_graph(g, gp, q, k, v, mask):
        p = ctx.result[1]
        dq, dk, dv, ds = call(SDPA_BACKWARD, q.device, (g, gp, q, k, v, p), (scale,))
        dmask = None
        if need_mask:
            shape = ctx.input_shapes[3]
            dmask = ds.sum_to_size(shape) if tuple(ds.shape) != tuple(shape) else ds
        return (dq if need[0] else None, dk if need[1] else None, dv if need[2] and g is not None else None, dmask)
    s = _scores(q, k, mask, is_causal, scale)
    p = _probs(s, safe)
    dv = p.transpose(-2, -1).matmul(g).sum_to_size(v.shape) if g is not None and need[2] else None
    dp = g.matmul(v.transpose(-2, -1)) if g is not None else None
    if gp is not None:
        dp = gp if dp is None else dp + gp
    assert dp is not None
    pdp = p * dp
    ds = pdp - p * pdp.sum(-1, keepdim=True)
    dq = (ds.matmul(k) * scale).sum_to_size(q.shape) if need[0] else None
    dk = (ds.transpose(-2, -1).matmul(q) * scale).sum_to_size(k.shape) if need[1] else None
    dmask = ds.sum_to_size(ctx.input_shapes[3]) if need_mask else None
    return (dq, dk, dv, dmask)


SDPA = register_op(
    OpRecord(
        name="scaled_dot_product_attention",
        forward=_sdpa_forward,
        vjp=_sdpa_vjp,
        saves_inputs=(0, 1, 2, 3),
        saves_result=True,
        num_outputs=2,
        fp_errors=True,
    )
)


def _attention(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    mask: Tensor | None,
    dropout_p: float,
    is_causal: bool,
    scale: float,
    safe: bool,
) -> tuple[Tensor, Tensor]:
    """``(output, weights)`` of attention with an additive float ``mask`` (or None)."""
    if dropout_p > 0.0:
        p = _probs(_scores(q, k, mask, is_causal, scale), safe)
        p = dropout(p, dropout_p)
        return p.matmul(v), p
    out, p = call(SDPA, q.device, (q, k, v, mask), (bool(is_causal), float(scale), safe))
    return out, p


def _additive(mask: Tensor, dtype: Any, attend_where_true: bool) -> Tensor:
    """A boolean mask as an additive float one (``-inf`` where masked)."""
    blocked = mask.logical_not() if attend_where_true else mask
    return tocha.zeros(mask.shape, dtype=dtype, device=mask.device).masked_fill_(blocked, -math.inf)


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    r"""Attention :math:`\mathrm{softmax}(s\,QK^T + M)\,V`, as ``torch.nn.functional.scaled_dot_product_attention``.

    Args:
        query: ``(*, L, E)``.
        key: ``(*, S, E)``.
        value: ``(*, S, Ev)``.
        attn_mask: broadcastable to ``(*, L, S)``: boolean (``True`` attends) or float (added to the scores).
        dropout_p: dropout probability on the attention weights (applied whenever it is positive).
        is_causal: mask out keys after each query (a lower-triangular ``(L, S)`` mask aligned top-left);
            exclusive with ``attn_mask``.
        scale: the factor :math:`s`; ``1 / sqrt(E)`` when None.
        enable_gqa: let ``key``/``value`` have fewer heads (dim ``-3``) than ``query``, each shared by a group.

    Returns:
        ``(*, L, Ev)``. A query row whose keys are all masked gives zeros.

    Raises:
        RuntimeError: mismatched dtypes or shapes, or ``attn_mask`` together with ``is_causal``.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> q = tocha.tensor([[[1.0, 0.0], [0.0, 1.0]]])
        >>> v = tocha.tensor([[[1.0, 2.0], [3.0, 4.0]]])
        >>> F.scaled_dot_product_attention(q, q, v, is_causal=True)
        tensor([[[1.0000, 2.0000],
                 [2.3395, 3.3395]]])
    """
    if attn_mask is not None and not isinstance(attn_mask, Tensor):  # a tocha.nn.attention.bias.CausalBias
        dispatch = getattr(attn_mask, "_sdpa_dispatch", None)
        if dispatch is not None:
            return dispatch(query, key, value, dropout_p, is_causal, scale, enable_gqa)  # type: ignore[no-any-return]
    nq, nk, nv = query.dim(), key.dim(), value.dim()
    if nq < 2 or nk < 2 or nv < 2:
        raise RuntimeError(
            "Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: "
            f"{nq} key.dim: {nk} and value.dim: {nv} instead."
        )
    if not (query.dtype == key.dtype == value.dtype):
        raise RuntimeError(
            "Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{_c_name(query)} key.dtype: {_c_name(key)} and value.dtype: {_c_name(value)} instead."
        )
    if not query.is_floating_point():
        raise RuntimeError(f"scaled_dot_product_attention(): expected floating inputs, got {_c_name(query)}")
    if attn_mask is not None and is_causal:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
    if attn_mask is not None and attn_mask.dtype != tocha.bool and attn_mask.dtype != query.dtype:
        raise RuntimeError(
            "Expected attn_mask dtype to be bool or float or to match query dtype, but got attn_mask.dtype: "
            f"{_c_name(attn_mask)} and  query.dtype: {_c_name(query)} instead."
        )
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
    if key.shape[-1] != query.shape[-1]:
        raise RuntimeError(
            "Expected size for first two dimensions of batch2 tensor to be: "
            f"[{math.prod(query.shape[:-2])}, {query.shape[-1]}] but got: "
            f"[{math.prod(key.shape[:-2])}, {key.shape[-1]}]."
        )
    if key.shape[-2] != value.shape[-2]:
        raise RuntimeError(
            "Expected size for first two dimensions of batch2 tensor to be: "
            f"[{math.prod(query.shape[:-2])}, {key.shape[-2]}] but got: "
            f"[{math.prod(value.shape[:-2])}, {value.shape[-2]}]."
        )
    if not _sdpa_backends.math_enabled():  # see NOTE [ SDPA backends ] in tocha/nn/attention/_backends.py
        _sdpa_backends.check_fused(query, key, value, attn_mask, dropout_p, enable_gqa)
    if enable_gqa and nq >= 3 and nk >= 3 and nv >= 3:
        hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
        if hq % hk or hq % hv:
            raise RuntimeError(
                "Number of heads in key and value must divide the number of heads in query, but got "
                f"{hk} and {hv} heads in key and value and {hq} in query"
            )
        if hk != hq:
            key = key.repeat_interleave(hq // hk, -3)
        if hv != hq:
            value = value.repeat_interleave(hq // hv, -3)
    batch = tocha.broadcast_shapes(tuple(query.shape[:-2]), tuple(key.shape[:-2]), tuple(value.shape[:-2]))
    scores_shape = (*batch, query.shape[-2], key.shape[-2])
    mask = attn_mask
    if mask is not None:
        try:
            full = tocha.broadcast_shapes(tuple(mask.shape), scores_shape)
        except RuntimeError as error:
            raise RuntimeError(str(error)) from None
        if tuple(full) != scores_shape:
            raise RuntimeError(f"output with shape {list(scores_shape)} doesn't match the broadcast shape {list(full)}")
        if mask.dtype == tocha.bool:
            mask = _additive(mask, query.dtype, attend_where_true=True)
    s = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    out, _ = _attention(query, key, value, mask, float(dropout_p), bool(is_causal), s, True)
    return out


# ------------------------------------------------------------------ multi_head_attention_forward


def _canonical_mask(
    mask: Tensor | None, name: str, other: Tensor | None, other_name: str, dtype: Any, check_other: bool = True
) -> Tensor | None:
    """A bool/float mask as an additive float mask of ``dtype`` (``True`` masks out)."""
    if mask is None:
        return None
    if mask.dtype != tocha.bool and not mask.is_floating_point():
        raise AssertionError(f"only bool and floating types of {name} are supported")
    if check_other and other is not None and other.dtype != mask.dtype:
        warnings.warn(
            f"Support for mismatched {name} and {other_name} is deprecated. Use same type for both instead.",
            UserWarning,
            stacklevel=3,
        )
    if mask.dtype == tocha.bool:
        return _additive(mask, dtype, attend_where_true=False)
    return mask


def _project(x: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    """``linear(x, weight, bias)`` of a seq-first ``(S, N, E)`` input, returned as batch-first ``(N, S, C)``.

    The GEMM runs on whichever of ``x`` and ``x.transpose(0, 1)`` is contiguous, so no copy is made.
    """
    xt = x.transpose(0, 1)
    if xt.is_contiguous() and not x.is_contiguous():
        return linear(xt, weight, bias)
    return linear(x, weight, bias).transpose(0, 1)


def _split_heads_forward(xp: Any, qkv: Any, num_heads: int) -> tuple[Any, Any, Any]:
    n, length, width = qkv.shape
    heads = qkv.reshape(n, length, 3, num_heads, width // (3 * num_heads)).transpose(2, 0, 3, 1, 4)
    return heads[0], heads[1], heads[2]


def _split_heads_vjp(ctx: Any, grads: tuple[Any, ...]) -> tuple[Tensor]:
    present = next(g for g in grads if g is not None)
    gq, gk, gv = (tocha.zeros_like(present) if g is None else g for g in grads)
    return (call(MERGE_HEADS, present.device, (gq, gk, gv), ()),)


def _merge_heads_forward(xp: Any, gq: Any, gk: Any, gv: Any) -> Any:
    n, heads, length, dim = gq.shape
    merged = xp.empty((n, length, 3, heads, dim), dtype=gq.dtype)
    for i, g in enumerate((gq, gk, gv)):
        merged[:, :, i] = g.transpose(0, 2, 1, 3)
    return merged.reshape(n, length, 3 * heads * dim)


def _merge_heads_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    return tuple(call(SPLIT_HEADS, grad.device, (grad,), (ctx.input_shapes[0][1],)))


# The packed in-projection (N, L, 3 * H * D) as the query, key and value heads, three (N, H, L, D) views, and
# back: one op each way. (Unbinding a permuted view costs three selects, and their gradients three zero-filled
# copies summed twice.) The views are internal: they only feed the attention op.
SPLIT_HEADS = register_op(
    OpRecord(name="split_attention_heads", forward=_split_heads_forward, vjp=_split_heads_vjp, num_outputs=3)
)
MERGE_HEADS = register_op(OpRecord(name="merge_attention_heads", forward=_merge_heads_forward, vjp=_merge_heads_vjp))


def _heads(x: Tensor, num_heads: int) -> Tensor:
    """``(N, S, H * D)`` -> ``(N, H, S, D)`` (a view)."""
    return x.unflatten(-1, (num_heads, -1)).transpose(1, 2)


def _shape_check(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    key_padding_mask: Tensor | None,
    attn_mask: Tensor | None,
    num_heads: int,
) -> bool:
    if query.dim() == 3:
        if key.dim() != 3 or value.dim() != 3:
            raise AssertionError(
                "For batched (3-D) `query`, expected `key` and `value` to be 3-D but found "
                f"{key.dim()}-D and {value.dim()}-D tensors respectively"
            )
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError(
                "For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but found "
                f"{key_padding_mask.dim()}-D tensor instead"
            )
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError(
                "For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found "
                f"{attn_mask.dim()}-D tensor instead"
            )
        return True
    if query.dim() == 2:
        if key.dim() != 2 or value.dim() != 2:
            raise AssertionError(
                "For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found "
                f"{key.dim()}-D and {value.dim()}-D tensors respectively"
            )
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError(
                "For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D but found "
                f"{key_padding_mask.dim()}-D tensor instead"
            )
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError(
                    "For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found "
                    f"{attn_mask.dim()}-D tensor instead"
                )
            if attn_mask.dim() == 3:
                expected = (num_heads, query.shape[0], key.shape[0])
                if tuple(attn_mask.shape) != expected:
                    raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got {attn_mask.shape}")
        return False
    raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {query.dim()}-D query tensor")


def multi_head_attention_forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    embed_dim_to_check: int,
    num_heads: int,
    in_proj_weight: Tensor | None,
    in_proj_bias: Tensor | None,
    bias_k: Tensor | None,
    bias_v: Tensor | None,
    add_zero_attn: bool,
    dropout_p: float,
    out_proj_weight: Tensor,
    out_proj_bias: Tensor | None,
    training: bool = True,
    key_padding_mask: Tensor | None = None,
    need_weights: bool = True,
    attn_mask: Tensor | None = None,
    use_separate_proj_weight: bool = False,
    q_proj_weight: Tensor | None = None,
    k_proj_weight: Tensor | None = None,
    v_proj_weight: Tensor | None = None,
    static_k: Tensor | None = None,
    static_v: Tensor | None = None,
    average_attn_weights: bool = True,
    is_causal: bool = False,
) -> tuple[Tensor, Tensor | None]:
    r"""Multi-head attention over sequence-first inputs, as ``torch.nn.functional.multi_head_attention_forward``.

    ``query`` ``(L, N, E)`` (or unbatched ``(L, E)``), ``key`` ``(S, N, Ek)``, ``value`` ``(S, N, Ev)`` are
    projected (one GEMM with ``in_proj_weight`` for self-attention, or ``q/k/v_proj_weight`` when
    ``use_separate_proj_weight``), split into ``num_heads`` heads, attended (see
    :func:`scaled_dot_product_attention`) and projected by ``out_proj_weight``.

    Args:
        query, key, value: the inputs.
        embed_dim_to_check: ``E``, checked against ``query``.
        num_heads: the number of heads; must divide ``E``.
        in_proj_weight, in_proj_bias: ``(3E, E)`` and ``(3E,)`` packed projections.
        bias_k, bias_v: ``(1, 1, E)`` extra key/value rows appended to the sequence, or None.
        add_zero_attn: append a row of zeros to the keys and values (after the heads are split).
        dropout_p: dropout on the attention weights (only when ``training``).
        out_proj_weight, out_proj_bias: the output projection.
        training: apply dropout.
        key_padding_mask: ``(N, S)``; bool ``True`` (or float values, added) masks out keys.
        need_weights: also return the attention weights.
        attn_mask: ``(L, S)`` or ``(N * num_heads, L, S)``; bool ``True`` masks out, float is added.
        use_separate_proj_weight: use ``q_proj_weight``, ``k_proj_weight``, ``v_proj_weight``.
        q_proj_weight, k_proj_weight, v_proj_weight: separate projections.
        static_k, static_v: ``(N * num_heads, S, E / num_heads)`` keys/values used as they are.
        average_attn_weights: average the returned weights over the heads.
        is_causal: hint that ``attn_mask`` is the causal mask (it must be given).

    Returns:
        ``(output, weights)``: ``(L, N, E)`` and ``(N, L, S)`` (``(N, num_heads, L, S)`` when not averaged) or
        None.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> x = tocha.ones(3, 1, 4)
        >>> out, w = F.multi_head_attention_forward(
        ...     x, x, x, 4, 2, tocha.ones(12, 4), None, None, None, False, 0.0, tocha.eye(4), None)
        >>> out.shape, w
        (tocha.Size([3, 1, 4]), tensor([[[0.3333, 0.3333, 0.3333],
                 [0.3333, 0.3333, 0.3333],
                 [0.3333, 0.3333, 0.3333]]]))
    """
    is_batched = _shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query = query.unsqueeze(1)
        key = key.unsqueeze(1)
        value = value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    if key_padding_mask is not None:
        for i, expected in enumerate((bsz, src_len)):
            if key_padding_mask.shape[i] != expected:
                raise AssertionError(
                    f"Expected key_padded_mask.shape[{i}] to be {expected}, but got {key_padding_mask.shape[i]}"
                )
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", attn_mask, "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError(
            "Need attn_mask if specifying the is_causal hint. You may use the Transformer module method "
            "`generate_square_subsequent_mask` to create this mask."
        )
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # the hint stands for the mask: the kernel builds the causal triangle itself
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, check_other=False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(
                f"key's sequence and batch dims {key.shape[:2]} do not match value's {value.shape[:2]}"
            )
    elif tuple(key.shape) != tuple(value.shape):
        raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")

    # in-projection, to batch-first (N, S, E) views
    packed: tuple[Tensor, ...] = ()
    q = k = v = query
    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        w = in_proj_weight
        b = in_proj_bias
        if query is key and key is value:
            # one GEMM; with no bias_k the heads come straight out of it: (N, L, 3, H, D) -> 3 x (N, H, L, D)
            qkv = _project(query, w, b)
            if bias_k is None:
                packed = call(SPLIT_HEADS, qkv.device, (qkv,), (num_heads,))
            else:
                qkv = qkv.unflatten(-1, (3, embed_dim))
                q, k, v = qkv.select(-2, 0), qkv.select(-2, 1), qkv.select(-2, 2)
        elif key is value:
            q = _project(query, w[:embed_dim], None if b is None else b[:embed_dim])
            kv = _project(key, w[embed_dim:], None if b is None else b[embed_dim:]).unflatten(-1, (2, embed_dim))
            k, v = kv.select(-2, 0), kv.select(-2, 1)
        else:
            wq, wk, wv = w.chunk(3)
            bq, bk, bv = (None, None, None) if b is None else b.chunk(3)
            q, k, v = _project(query, wq, bq), _project(key, wk, bk), _project(value, wv, bv)
    else:
        if q_proj_weight is None or k_proj_weight is None or v_proj_weight is None:
            raise AssertionError(
                "use_separate_proj_weight is True but q_proj_weight, k_proj_weight or v_proj_weight is None"
            )
        bq, bk, bv = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
        q, k, v = (
            _project(query, q_proj_weight, bq),
            _project(key, k_proj_weight, bk),
            _project(value, v_proj_weight, bv),
        )

    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(
                    f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be {(tgt_len, src_len)}."
                )
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(
                    f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be "
                    f"{(bsz * num_heads, tgt_len, src_len)}."
                )
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")

    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        k = tocha.cat([k, bias_k.reshape(1, 1, embed_dim).expand(bsz, 1, embed_dim)], 1)
        v = tocha.cat([v, bias_v.reshape(1, 1, embed_dim).expand(bsz, 1, embed_dim)], 1)
        if attn_mask is not None:
            attn_mask = _pad_last(attn_mask)
        if key_padding_mask is not None:
            key_padding_mask = _pad_last(key_padding_mask)
    elif bias_k is not None or bias_v is not None:
        raise AssertionError("bias_k and bias_v must be both given or both None")

    qh = packed[0] if packed else _heads(q, num_heads)
    if static_k is None:
        kh = packed[1] if packed else _heads(k, num_heads)
    else:
        if tuple(static_k.shape[::2]) != (bsz * num_heads, head_dim):
            raise AssertionError(
                f"expecting static_k.size(0) of {bsz * num_heads}, but got {static_k.shape[0]}"
                if static_k.shape[0] != bsz * num_heads
                else f"expecting static_k.size(2) of {head_dim}, but got {static_k.shape[2]}"
            )
        kh = static_k.reshape(bsz, num_heads, -1, head_dim)
    if static_v is None:
        vh = packed[2] if packed else _heads(v, num_heads)
    else:
        if tuple(static_v.shape[::2]) != (bsz * num_heads, head_dim):
            raise AssertionError(
                f"expecting static_v.size(0) of {bsz * num_heads}, but got {static_v.shape[0]}"
                if static_v.shape[0] != bsz * num_heads
                else f"expecting static_v.size(2) of {head_dim}, but got {static_v.shape[2]}"
            )
        vh = static_v.reshape(bsz, num_heads, -1, head_dim)

    if add_zero_attn:
        zeros = tocha.zeros(bsz, num_heads, 1, head_dim, dtype=kh.dtype, device=kh.device)
        kh = tocha.cat([kh, zeros], 2)
        vh = tocha.cat([vh, zeros], 2)
        if attn_mask is not None:
            attn_mask = _pad_last(attn_mask)
        if key_padding_mask is not None:
            key_padding_mask = _pad_last(key_padding_mask)

    src_len = kh.shape[2]
    mask: Tensor | None = None
    if attn_mask is not None:
        mask = attn_mask.reshape(bsz, num_heads, tgt_len, src_len) if attn_mask.shape[0] != 1 else attn_mask
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise AssertionError(
                f"expecting key_padding_mask shape of {(bsz, src_len)}, but got {key_padding_mask.shape}"
            )
        kpm = key_padding_mask.reshape(bsz, 1, 1, src_len)
        mask = kpm if mask is None else mask + kpm

    p_drop = dropout_p if training else 0.0
    out, weights = _attention(
        qh, kh, vh, mask, p_drop, is_causal and mask is None, 1.0 / math.sqrt(head_dim), not need_weights
    )
    # (N, H, L, D) -> (L, N, H * D): a view when the output is laid out like a batch-first or seq-first q
    by_batch = out.transpose(1, 2)
    if by_batch.is_contiguous():
        result = linear(by_batch.reshape(bsz, tgt_len, embed_dim), out_proj_weight, out_proj_bias).transpose(0, 1)
    else:
        result = linear(out.permute(2, 0, 1, 3).reshape(tgt_len, bsz, embed_dim), out_proj_weight, out_proj_bias)
    if not need_weights:
        return (result if is_batched else result.squeeze(1)), None
    if average_attn_weights:
        weights = weights.mean(1)
    if not is_batched:
        return result.squeeze(1), weights.squeeze(0)
    return result, weights


def _pad_last(mask: Tensor) -> Tensor:
    """``mask`` with one zero column appended on its last dim."""
    zeros = tocha.zeros((*mask.shape[:-1], 1), dtype=mask.dtype, device=mask.device)
    return tocha.cat([mask, zeros], -1)
