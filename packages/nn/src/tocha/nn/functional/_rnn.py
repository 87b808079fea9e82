"""tocha.nn.functional: fused recurrent layers (private; ``torch.nn.functional`` has no public RNN functions).

NOTE [ Recurrent layers ]
Python overhead per time step is what makes a NumPy LSTM slow, so a recurrent layer is one op per layer and
direction that runs the whole recurrence in a single ``xp`` loop, after projecting every time step's input
at once (one matmul over all ``T * N`` rows):

- ``lstm_layer(x, h0, c0, W_ih, W_hh, b_ih, b_hh, W_hr)`` does the input projection itself (so the gate
  pre-scaling below folds into ``W_ih`` and the bias, and the bias add happens in place);
- ``gru_layer(gx, h0, W_hh, b_hh)`` and ``rnn_layer(gx, h0, W_hh)`` (``nonlinearity`` a param) take the
  projected rows ``gx`` (``x @ W_ih^T + b_ih``, plus ``b_hh`` for the Elman RNN) from an ``addmm``.

Each returns the output rows, the final state(s) and a non-differentiable workspace of saved activations
(gates, previous states, each a C-contiguous block so that a time step's rows are contiguous), from which the
matching ``*_layer_backward`` op computes every gradient in one reverse ``xp`` loop, the weight gradients as
one matmul over all time steps.

Sequences are always *packed*: the input holds ``sum(batch_sizes)`` rows, time step ``t`` owning the next
``batch_sizes[t]`` rows (a padded ``(T, N, *)`` input is the packed form with ``batch_sizes = (N,) * T``).
Batch sizes never grow, so at step ``t`` the active sequences are the first ``batch_sizes[t]`` rows of the
state buffer; the other rows keep their state, which is the final state of a sequence that ended (forward
direction) or the initial state of one that has not started yet (reverse direction). The backward loop
runs the same steps in the opposite order with the same row ranges.

Double backward: the backward ops are NumPy/CuPy loops, not tocha ops. When a vjp runs with grad mode on
(``create_graph=True``), it instead recomputes the layer from its saved inputs with differentiable tocha ops
(one cell per step, :func:`lstm_layer_reference` and friends) and differentiates that with
``tocha.autograd.grad(..., create_graph=True)``, so gradients of gradients are exact. The backward ops
themselves are therefore never recorded and have no vjp; this is why the layer ops save their inputs.

Sigmoid gates are computed as ``sigmoid(v) = 0.5 * tanh(v / 2) + 0.5``: the sigmoid gates' pre-activations
are halved (exactly, a power of two) by scaling their rows of the weights once per call, after which one
``tanh`` over all gates and one multiply-add give every gate activation. Internally the LSTM keeps its gates
in the order i, f, o, g so that the three sigmoid gates are adjacent; gradients are put back in PyTorch's
order i, f, g, o.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate
from typing import Any

import tocha
import tocha.autograd
from tocha.library import OpRecord, VjpContext, call, register_op

__all__: list[str] = []

Tensor = tocha.Tensor


def _offsets(batch_sizes: Sequence[int]) -> list[int]:
    return [0, *accumulate(batch_sizes)]


def _steps(n: int, reverse: bool) -> range:
    return range(n - 1, -1, -1) if reverse else range(n)


def _gate_scale(xp: Any, hidden: int, pattern: Sequence[float], dtype: Any) -> Any:
    return xp.repeat(xp.asarray(pattern, dtype=dtype), hidden)


# ------------------------------------------------------------------ LSTM


def _blocks(xp: Any, rows: int, widths: Sequence[int], dtype: Any) -> tuple[Any, list[Any]]:
    """One flat workspace holding a C-contiguous ``(rows, w)`` block per width (contiguous per-step slices)."""
    flat = xp.empty(rows * sum(widths), dtype=dtype)
    return flat, _split_blocks(flat, rows, widths)


def _split_blocks(flat: Any, rows: int, widths: Sequence[int]) -> list[Any]:
    views = []
    start = 0
    for w in widths:
        views.append(flat[start : start + rows * w].reshape(rows, w))
        start += rows * w
    return views


def _lstm_order(xp: Any, hidden: int) -> Any:
    """Row order of the internal gate layout i f o g (PyTorch's is i f g o): the sigmoid gates side by side."""
    return xp.concatenate([xp.arange(2 * hidden), xp.arange(3 * hidden, 4 * hidden), xp.arange(2 * hidden, 3 * hidden)])


def _lstm_forward(
    xp: Any,
    x: Any,
    h0: Any,
    c0: Any,
    w_ih: Any,
    w_hh: Any,
    b_ih: Any,
    b_hh: Any,
    w_hr: Any,
    batch_sizes: tuple[int, ...],
    reverse: bool,
) -> tuple[Any, Any, Any, Any]:
    hidden = w_hh.shape[0] // 4
    sig = 3 * hidden
    out_size = h0.shape[1]
    dtype = x.dtype
    offsets = _offsets(batch_sizes)
    total = offsets[-1]
    order = _lstm_order(xp, hidden)
    # sigmoid(v) = 0.5 * tanh(v / 2) + 0.5: halve the sigmoid gates' pre-activations through their weights
    scale = _gate_scale(xp, hidden, (0.5, 0.5, 0.5, 1.0), dtype)[:, None]
    w_ih_t = (w_ih[order] * scale).T
    w_hh_t = xp.ascontiguousarray((w_hh[order] * scale).T)
    w_hr_t = None if w_hr is None else xp.ascontiguousarray(w_hr.T)
    out = xp.empty((total, out_size), dtype=dtype)
    # workspace: gate activations (i f o g) | previous c | tanh(c) | previous h
    ws, (acts_all, c_prev, tanh_c, h_prev) = _blocks(xp, total, (4 * hidden, hidden, hidden, out_size), dtype)
    xp.matmul(x, w_ih_t, out=acts_all)
    if b_ih is not None:
        bias = b_ih + b_hh if b_hh is not None else b_ih
        acts_all += bias[order] * scale[:, 0]
    h = h0.copy()
    c = c0.copy()
    batch = h0.shape[0]
    tmp = xp.empty((batch, 4 * hidden), dtype=dtype)
    ig = xp.empty((batch, hidden), dtype=dtype)
    hh_buf = xp.empty((batch, hidden), dtype=dtype) if w_hr is not None else None
    for t in _steps(len(batch_sizes), reverse):
        s, e = offsets[t], offsets[t + 1]
        b = e - s
        acts = acts_all[s:e]
        hp = h[:b]
        cp = c[:b]
        h_prev[s:e] = hp
        c_prev[s:e] = cp
        tb = tmp[:b]
        xp.matmul(hp, w_hh_t, out=tb)
        acts += tb
        xp.tanh(acts, out=acts)
        sg = acts[:, :sig]
        sg *= 0.5
        sg += 0.5
        cp *= acts[:, hidden : 2 * hidden]
        igb = ig[:b]
        xp.multiply(acts[:, :hidden], acts[:, sig:], out=igb)
        cp += igb
        tc = tanh_c[s:e]
        xp.tanh(cp, out=tc)
        if w_hr_t is None:
            xp.multiply(acts[:, 2 * hidden : sig], tc, out=out[s:e])
        else:
            hh = hh_buf[:b]  # type: ignore[index]
            xp.multiply(acts[:, 2 * hidden : sig], tc, out=hh)
            xp.matmul(hh, w_hr_t, out=out[s:e])
        hp[...] = out[s:e]
    return out, h, c, ws


def _lstm_backward(
    xp: Any,
    d_out: Any,
    dh_n: Any,
    dc_n: Any,
    ws: Any,
    x: Any,
    w_ih: Any,
    w_hh: Any,
    w_hr: Any,
    flags: tuple[bool, bool],
    batch_sizes: tuple[int, ...],
    reverse: bool,
) -> tuple[Any, ...]:
    """Gradients of ``lstm_layer``: (dx, dh0, dc0, dW_ih, dW_hh, db_ih, db_hh, dW_hr); ``flags`` = (need dx, bias)."""
    need_dx, has_bias = flags
    hidden = w_hh.shape[0] // 4
    sig = 3 * hidden
    out_size = w_hh.shape[1]
    four = 4 * hidden
    offsets = _offsets(batch_sizes)
    total = offsets[-1]
    dtype = ws.dtype
    order = _lstm_order(xp, hidden)
    w_hh_p = w_hh[order]
    acts, c_prev, tanh_c, h_prev = _split_blocks(ws, total, (four, hidden, hidden, out_size))
    dh = dh_n.copy()
    dc = dc_n.copy()
    batch = dh.shape[0]
    dgates = xp.empty((total, four), dtype=dtype)  # internal order i f o g
    dh_all = xp.empty((total, out_size), dtype=dtype) if w_hr is not None else None
    tmp = xp.empty((batch, hidden), dtype=dtype)
    deriv = xp.empty((batch, four), dtype=dtype)
    for t in _steps(len(batch_sizes), not reverse):
        s, e = offsets[t], offsets[t + 1]
        b = e - s
        a = acts[s:e]
        dht = dh[:b]
        if d_out is not None:
            dht += d_out[s:e]
        if w_hr is None:
            dhh = dht
        else:
            dh_all[s:e] = dht  # type: ignore[index]
            dhh = dht @ w_hr
        tc = tanh_c[s:e]
        dct = dc[:b]
        tb = tmp[:b]
        # dc += dhh * o * (1 - tanh(c)^2)
        xp.multiply(tc, tc, out=tb)
        xp.subtract(1, tb, out=tb)
        tb *= a[:, 2 * hidden : sig]
        tb *= dhh
        dct += tb
        dg = dgates[s:e]
        xp.multiply(dct, a[:, sig:], out=dg[:, :hidden])
        xp.multiply(dct, c_prev[s:e], out=dg[:, hidden : 2 * hidden])
        xp.multiply(dhh, tc, out=dg[:, 2 * hidden : sig])
        xp.multiply(dct, a[:, :hidden], out=dg[:, sig:])
        # gate derivatives: a (1 - a) for the sigmoid gates i f o, 1 - g^2 for g
        db = deriv[:b]
        xp.subtract(1, a[:, :sig], out=db[:, :sig])
        db[:, :sig] *= a[:, :sig]
        g = a[:, sig:]
        xp.multiply(g, g, out=db[:, sig:])
        xp.subtract(1, db[:, sig:], out=db[:, sig:])
        dg *= db
        dct *= a[:, hidden : 2 * hidden]
        xp.matmul(dg, w_hh_p, out=dht)
    dw_ih = xp.empty_like(w_ih)
    dw_ih[order] = dgates.T @ x
    dw_hh = xp.empty_like(w_hh)
    dw_hh[order] = dgates.T @ h_prev
    dx = dgates @ w_ih[order] if need_dx else xp.empty(0, dtype=dtype)
    if has_bias:
        db_ih = xp.empty(four, dtype=dtype)
        db_ih[order] = dgates.sum(axis=0)
        db_hh = db_ih.copy()
    else:
        db_ih = db_hh = xp.empty(0, dtype=dtype)
    if w_hr is None:
        dw_hr = xp.empty(0, dtype=dtype)
    else:
        dw_hr = dh_all.T @ (acts[:, 2 * hidden : sig] * tanh_c)  # type: ignore[union-attr]
    return dx, dh, dc, dw_ih, dw_hh, db_ih, db_hh, dw_hr


def _lstm_vjp(ctx: VjpContext, grad: Any) -> Sequence[Tensor | None]:
    d_out, dh_n, dc_n = grad[0], grad[1], grad[2]
    batch_sizes, reverse = ctx.params
    if tocha.is_grad_enabled():  # create_graph: a differentiable recomputation, see NOTE [ Recurrent layers ]
        return _grad_through_reference(lstm_layer_reference, ctx, (d_out, dh_n, dc_n))
    x, _, _, w_ih, w_hh, b_ih, b_hh, w_hr = ctx.inputs
    ws = ctx.result[3]
    dh_n = _zeros_if_none(dh_n, ctx, 1)
    dc_n = _zeros_if_none(dc_n, ctx, 2)
    flags = (ctx.needs_input_grad[0], b_ih is not None)
    grads = call(
        LSTM_LAYER_BACKWARD, x.device, (d_out, dh_n, dc_n, ws, x, w_ih, w_hh, w_hr), (flags, batch_sizes, reverse)
    )
    dx, dh0, dc0, dw_ih, dw_hh, db_ih, db_hh, dw_hr = grads
    return (
        dx if flags[0] else None,
        dh0,
        dc0,
        dw_ih,
        dw_hh,
        None if b_ih is None else db_ih,
        None if b_hh is None else db_hh,
        None if w_hr is None else dw_hr,
    )


LSTM_LAYER_BACKWARD = register_op(
    OpRecord(name="lstm_layer_backward", forward=_lstm_backward, num_outputs=8, fp_errors=True)
)
LSTM_LAYER = register_op(
    OpRecord(
        name="lstm_layer",
        forward=_lstm_forward,
        vjp=_lstm_vjp,
        saves_inputs=(0, 1, 2, 3, 4, 5, 6, 7),
        saves_result=True,
        num_outputs=4,
        differentiable_outputs=(0, 1, 2),
        fp_errors=True,
    )
)


def lstm_layer_reference(
    x: Tensor,
    h0: Tensor,
    c0: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None,
    b_hh: Tensor | None,
    w_hr: Tensor | None,
    batch_sizes: tuple[int, ...],
    reverse: bool,
) -> tuple[Tensor, Tensor, Tensor]:
    """The ``lstm_layer`` op written with differentiable tocha ops, one cell per time step."""
    offsets = _offsets(batch_sizes)
    gx = x.matmul(w_ih.t())
    if b_ih is not None:
        gx = gx + b_ih
    if b_hh is not None:
        gx = gx + b_hh
    outs: list[Tensor] = [gx] * len(batch_sizes)
    h, c = h0, c0
    w_t = w_hh.t()
    for t in _steps(len(batch_sizes), reverse):
        s, e = offsets[t], offsets[t + 1]
        b = e - s
        gates = gx[s:e] + h[:b].matmul(w_t)
        i, f, g, o = gates.chunk(4, 1)
        c_new = f.sigmoid() * c[:b] + i.sigmoid() * g.tanh()
        h_new = o.sigmoid() * c_new.tanh()
        if w_hr is not None:
            h_new = h_new.matmul(w_hr.t())
        outs[t] = h_new
        h = _update_rows(h, h_new, b)
        c = _update_rows(c, c_new, b)
    return tocha.cat(outs, 0), h, c


def lstm_layer(
    x: Tensor,
    h0: Tensor,
    c0: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None,
    b_hh: Tensor | None,
    w_hr: Tensor | None,
    batch_sizes: tuple[int, ...],
    reverse: bool,
) -> tuple[Tensor, Tensor, Tensor]:
    """One LSTM layer in one direction over packed input rows ``x`` (gates i, f, g, o as in PyTorch).

    Returns the output rows ``(sum(batch_sizes), proj_size or hidden_size)`` and the final ``h`` and ``c``.
    """
    out, h, c, _ = call(LSTM_LAYER, x.device, (x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr), (batch_sizes, reverse))
    return out, h, c


# ------------------------------------------------------------------ GRU


def _gru_forward(
    xp: Any, gx: Any, h0: Any, w_hh: Any, b_hh: Any, batch_sizes: tuple[int, ...], reverse: bool
) -> tuple[Any, Any, Any]:
    hidden = w_hh.shape[0] // 3
    dtype = gx.dtype
    offsets = _offsets(batch_sizes)
    total = offsets[-1]
    scale = _gate_scale(xp, hidden, (0.5, 0.5), dtype)
    w_t = xp.ascontiguousarray(w_hh.T)
    w_t[:, : 2 * hidden] *= scale
    bias = None
    if b_hh is not None:
        bias = b_hh.copy()
        bias[: 2 * hidden] *= scale
    out = xp.empty((total, hidden), dtype=dtype)
    # workspace: r z n | W_hn h + b_hn | previous h
    ws, (gates, ghn_all, h_prev) = _blocks(xp, total, (3 * hidden, hidden, hidden), dtype)
    h = h0.copy()
    gh_buf = xp.empty((h0.shape[0], 3 * hidden), dtype=dtype)
    for t in _steps(len(batch_sizes), reverse):
        s, e = offsets[t], offsets[t + 1]
        b = e - s
        hp = h[:b]
        h_prev[s:e] = hp
        gh = gh_buf[:b]
        xp.matmul(hp, w_t, out=gh)
        if bias is not None:
            gh += bias
        g = gates[s:e]
        rz = g[:, : 2 * hidden]
        gxt = gx[s:e]
        xp.multiply(gxt[:, : 2 * hidden], scale, out=rz)
        rz += gh[:, : 2 * hidden]
        xp.tanh(rz, out=rz)
        rz *= 0.5
        rz += 0.5
        ghn = ghn_all[s:e]
        ghn[...] = gh[:, 2 * hidden :]
        n = g[:, 2 * hidden :]
        xp.multiply(rz[:, :hidden], ghn, out=n)
        n += gxt[:, 2 * hidden :]
        xp.tanh(n, out=n)
        o = out[s:e]
        xp.subtract(hp, n, out=o)
        o *= rz[:, hidden:]
        o += n
        hp[...] = o
    return out, h, ws


def _gru_backward(
    xp: Any, d_out: Any, dh_n: Any, ws: Any, w_hh: Any, has_bias: bool, batch_sizes: tuple[int, ...], reverse: bool
) -> tuple[Any, Any, Any, Any]:
    hidden = w_hh.shape[0] // 3
    offsets = _offsets(batch_sizes)
    total = offsets[-1]
    dtype = ws.dtype
    gates, ghn_all, h_prev = _split_blocks(ws, total, (3 * hidden, hidden, hidden))
    dh = dh_n.copy()
    batch = dh.shape[0]
    dgx = xp.empty((total, 3 * hidden), dtype=dtype)
    dgh = xp.empty((total, 3 * hidden), dtype=dtype)
    tmp = xp.empty((batch, hidden), dtype=dtype)
    deriv = xp.empty((batch, 2 * hidden), dtype=dtype)
    for t in _steps(len(batch_sizes), not reverse):
        s, e = offsets[t], offsets[t + 1]
        b = e - s
        dht = dh[:b]
        if d_out is not None:
            dht += d_out[s:e]
        g = gates[s:e]
        r = g[:, :hidden]
        z = g[:, hidden : 2 * hidden]
        n = g[:, 2 * hidden :]
        gx_t = dgx[s:e]
        gh_t = dgh[s:e]
        tb = tmp[:b]
        # h' = n + z (h - n): dn = dh (1 - z), dz = dh (h - n), dh_direct = dh z
        dan = gx_t[:, 2 * hidden :]
        xp.multiply(dht, z, out=dan)
        xp.subtract(dht, dan, out=dan)
        xp.multiply(n, n, out=tb)
        xp.subtract(1, tb, out=tb)
        dan *= tb
        xp.multiply(dan, r, out=gh_t[:, 2 * hidden :])
        xp.multiply(dan, ghn_all[s:e], out=gx_t[:, :hidden])
        xp.subtract(h_prev[s:e], n, out=tb)
        xp.multiply(dht, tb, out=gx_t[:, hidden : 2 * hidden])
        rz = g[:, : 2 * hidden]
        db = deriv[:b]
        xp.subtract(1, rz, out=db)
        db *= rz
        gx_t[:, : 2 * hidden] *= db
        gh_t[:, : 2 * hidden] = gx_t[:, : 2 * hidden]
        xp.multiply(dht, z, out=tb)
        xp.matmul(gh_t, w_hh, out=dht)
        dht += tb
    dw_hh = dgh.T @ h_prev
    db_hh = dgh.sum(axis=0) if has_bias else xp.empty(0, dtype=dtype)
    return dgx, dh, dw_hh, db_hh


def _gru_vjp(ctx: VjpContext, grad: Any) -> Sequence[Tensor | None]:
    d_out, dh_n = grad[0], grad[1]
    batch_sizes, reverse = ctx.params
    if tocha.is_grad_enabled():  # create_graph: see NOTE [ Recurrent layers ]
        return _grad_through_reference(gru_layer_reference, ctx, (d_out, dh_n))
    gx, _, w_hh, b_hh = ctx.inputs
    ws = ctx.result[2]
    dh_n = _zeros_if_none(dh_n, ctx, 1)
    dgx, dh0, dw_hh, db_hh = call(
        GRU_LAYER_BACKWARD, gx.device, (d_out, dh_n, ws, w_hh), (b_hh is not None, batch_sizes, reverse)
    )
    return dgx, dh0, dw_hh, None if b_hh is None else db_hh


GRU_LAYER_BACKWARD = register_op(
    OpRecord(name="gru_layer_backward", forward=_gru_backward, num_outputs=4, fp_errors=True)
)
GRU_LAYER = register_op(
    OpRecord(
        name="gru_layer",
        forward=_gru_forward,
        vjp=_gru_vjp,
        saves_inputs=(0, 1, 2, 3),
        saves_result=True,
        num_outputs=3,
        differentiable_outputs=(0, 1),
        fp_errors=True,
    )
)


def gru_layer_reference(
    gx: Tensor, h0: Tensor, w_hh: Tensor, b_hh: Tensor | None, batch_sizes: tuple[int, ...], reverse: bool
) -> tuple[Tensor, Tensor]:
    """The ``gru_layer`` op written with differentiable tocha ops, one cell per time step."""
    offsets = _offsets(batch_sizes)
    outs: list[Tensor] = [gx] * len(batch_sizes)
    h = h0
    w_t = w_hh.t()
    for t in _steps(len(batch_sizes), reverse):
        s, e = offsets[t], offsets[t + 1]
        b = e - s
        hp = h[:b]
        gh = hp.matmul(w_t)
        if b_hh is not None:
            gh = gh + b_hh
        xr, xz, xn = gx[s:e].chunk(3, 1)
        hr, hz, hn = gh.chunk(3, 1)
        r = (xr + hr).sigmoid()
        z = (xz + hz).sigmoid()
        n = (xn + r * hn).tanh()
        h_new = n + z * (hp - n)
        outs[t] = h_new
        h = _update_rows(h, h_new, b)
    return tocha.cat(outs, 0), h


def gru_layer(
    gx: Tensor, h0: Tensor, w_hh: Tensor, b_hh: Tensor | None, batch_sizes: tuple[int, ...], reverse: bool
) -> tuple[Tensor, Tensor]:
    """One GRU layer in one direction over packed rows ``gx = x @ W_ih^T + b_ih`` (gates r, z, n).

    ``n = tanh(gx_n + r * (W_hn h + b_hn))``: the hidden bias of the n gate sits inside the reset product.
    """
    out, h, _ = call(GRU_LAYER, gx.device, (gx, h0, w_hh, b_hh), (batch_sizes, reverse))
    return out, h


# ------------------------------------------------------------------ Elman RNN


def _rnn_forward(
    xp: Any, gx: Any, h0: Any, w_hh: Any, batch_sizes: tuple[int, ...], reverse: bool, nonlinearity: str
) -> tuple[Any, Any, Any]:
    hidden = w_hh.shape[0]
    dtype = gx.dtype
    offsets = _offsets(batch_sizes)
    w_t = w_hh.T
    out = xp.empty((offsets[-1], hidden), dtype=dtype)
    ws = xp.empty((offsets[-1], hidden), dtype=dtype)  # previous h
    h = h0.copy()
    tanh = nonlinearity == "tanh"
    for t in _steps(len(batch_sizes), reverse):
        s, e = offsets[t], offsets[t + 1]
        b = e - s
        hp = h[:b]
        ws[s:e] = hp
        o = out[s:e]
        xp.matmul(hp, w_t, out=o)
        o += gx[s:e]
        if tanh:
            xp.tanh(o, out=o)
        else:
            xp.maximum(o, 0, out=o)
        hp[...] = o
    return out, h, ws


def _rnn_backward(
    xp: Any,
    d_out: Any,
    dh_n: Any,
    out: Any,
    ws: Any,
    w_hh: Any,
    batch_sizes: tuple[int, ...],
    reverse: bool,
    nonlinearity: str,
) -> tuple[Any, Any, Any]:
    hidden = w_hh.shape[0]
    dtype = ws.dtype
    offsets = _offsets(batch_sizes)
    deriv = 1 - out * out if nonlinearity == "tanh" else (out > 0).astype(dtype)
    dh = dh_n.copy()
    dgx = xp.empty((ws.shape[0], hidden), dtype=dtype)
    for t in _steps(len(batch_sizes), not reverse):
        s, e = offsets[t], offsets[t + 1]
        b = e - s
        dht = dh[:b]
        if d_out is not None:
            dht += d_out[s:e]
        dg = dgx[s:e]
        xp.multiply(dht, deriv[s:e], out=dg)
        xp.matmul(dg, w_hh, out=dht)
    return dgx, dh, dgx.T @ ws


def _rnn_vjp(ctx: VjpContext, grad: Any) -> Sequence[Tensor | None]:
    d_out, dh_n = grad[0], grad[1]
    batch_sizes, reverse, nonlinearity = ctx.params
    if tocha.is_grad_enabled():  # create_graph: see NOTE [ Recurrent layers ]
        return _grad_through_reference(rnn_layer_reference, ctx, (d_out, dh_n))
    gx, _, w_hh = ctx.inputs
    out, _, ws = ctx.result
    dh_n = _zeros_if_none(dh_n, ctx, 1)
    return call(  # type: ignore[no-any-return]
        RNN_LAYER_BACKWARD, gx.device, (d_out, dh_n, out, ws, w_hh), (batch_sizes, reverse, nonlinearity)
    )


RNN_LAYER_BACKWARD = register_op(
    OpRecord(name="rnn_layer_backward", forward=_rnn_backward, num_outputs=3, fp_errors=True)
)
RNN_LAYER = register_op(
    OpRecord(
        name="rnn_layer",
        forward=_rnn_forward,
        vjp=_rnn_vjp,
        saves_inputs=(0, 1, 2),
        saves_result=True,
        num_outputs=3,
        differentiable_outputs=(0, 1),
        fp_errors=True,
    )
)


def rnn_layer_reference(
    gx: Tensor, h0: Tensor, w_hh: Tensor, batch_sizes: tuple[int, ...], reverse: bool, nonlinearity: str
) -> tuple[Tensor, Tensor]:
    """The ``rnn_layer`` op written with differentiable tocha ops, one cell per time step."""
    offsets = _offsets(batch_sizes)
    outs: list[Tensor] = [gx] * len(batch_sizes)
    h = h0
    w_t = w_hh.t()
    for t in _steps(len(batch_sizes), reverse):
        s, e = offsets[t], offsets[t + 1]
        b = e - s
        pre = gx[s:e] + h[:b].matmul(w_t)
        h_new = pre.tanh() if nonlinearity == "tanh" else pre.clamp(min=0)
        outs[t] = h_new
        h = _update_rows(h, h_new, b)
    return tocha.cat(outs, 0), h


def rnn_layer(
    gx: Tensor, h0: Tensor, w_hh: Tensor, batch_sizes: tuple[int, ...], reverse: bool, nonlinearity: str
) -> tuple[Tensor, Tensor]:
    """One Elman RNN layer in one direction over packed rows ``gx = x @ W_ih^T + b_ih + b_hh``."""
    out, h, _ = call(RNN_LAYER, gx.device, (gx, h0, w_hh), (batch_sizes, reverse, nonlinearity))
    return out, h


# ------------------------------------------------------------------ shared


def _zeros_if_none(grad: Any, ctx: VjpContext, index: int) -> Any:
    """The incoming gradient of a final state, or zeros shaped like initial state ``index``."""
    if grad is not None:
        return grad
    like = ctx.inputs[index]
    return tocha.zeros(ctx.input_shapes[index], dtype=ctx.input_dtypes[index], device=like.device)


def _update_rows(state: Tensor, new: Tensor, rows: int) -> Tensor:
    if rows == state.shape[0]:
        return new
    return tocha.cat([new, state[rows:]], 0)


def _grad_through_reference(reference: Any, ctx: VjpContext, grads: tuple[Any, ...]) -> list[Tensor | None]:
    """The vjp as a differentiable graph: recompute the layer with tocha ops and differentiate it."""
    inputs = ctx.inputs
    wanted = [i for i, need in enumerate(ctx.needs_input_grad) if need and inputs[i] is not None]
    result: list[Tensor | None] = [None] * len(inputs)
    with tocha.enable_grad():
        outs = reference(*inputs, *ctx.params)
    pairs = [(o, g) for o, g in zip(outs, grads, strict=True) if g is not None]
    if not wanted or not pairs:
        return result
    found = tocha.autograd.grad(
        [o for o, _ in pairs],
        [inputs[i] for i in wanted],
        [g for _, g in pairs],
        create_graph=True,
        allow_unused=True,
    )
    for i, g in zip(wanted, found, strict=True):
        result[i] = g
    return result
