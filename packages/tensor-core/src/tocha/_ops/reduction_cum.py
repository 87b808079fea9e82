"""Scans along one dim: cumsum, cumprod, cummax, cummin, logcumsumexp."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._dispatch import OpRecord, OpTest, call, register_op
from .._dtype import _COMPLEX, _FLOAT, dtype
from . import reduction_types as rt
from ._common import cast_operand, normalize_dim, type_name
from ._dtypes import FLOATING_COMPLEX, REAL
from .reduction_core import (
    _xp,
    as_dtype,
    conj_of,
    constant,
    first_grad,
    put_along,
    sum_dtype,
    widened_reference,
)

if TYPE_CHECKING:
    from .._tensor import Tensor


def _scan_axis(a: Any, dim: int) -> Any:
    return a.reshape(1) if a.ndim == 0 else a


def _cumsum_forward(xp: Any, a: Any, dim: int, np_dtype: Any) -> Any:
    if a.ndim == 0:
        return a.astype(np_dtype)
    if a.dtype.itemsize == 2 and np_dtype.itemsize == 2 and np_dtype.kind != "i":
        return xp.cumsum(a, axis=dim, dtype=np.float32).astype(np_dtype)
    return xp.cumsum(a, axis=dim, dtype=np_dtype)


def _reverse_cumsum_forward(xp: Any, g: Any, dim: int) -> Any:
    if g.ndim == 0:
        return g.copy()
    return xp.flip(xp.cumsum(xp.flip(g, dim), axis=dim), dim)


def reverse_cumsum(grad: Tensor, dim: int) -> Tensor:
    """``sum_{j >= i} grad_j`` along ``dim``: the vjp of cumsum (whose own vjp is cumsum)."""
    return call(REVERSE_CUMSUM, grad._device, (grad,), (dim,))  # type: ignore[no-any-return]


def _reverse_cumsum_vjp(ctx: Any, grad: Any) -> tuple[Tensor]:
    g = first_grad(grad)
    return (call(CUMSUM, g._device, (g,), (ctx.params[0], g._dtype.numpy_dtype)),)


def _cumsum_vjp(ctx: Any, grad: Any) -> tuple[Tensor]:
    return (as_dtype(reverse_cumsum(first_grad(grad), ctx.params[0]), ctx.input_dtypes[0]),)


CUMSUM = register_op(
    OpRecord(name="cumsum", forward=_cumsum_forward, vjp=_cumsum_vjp,
             test=OpTest(samples="scan", reference=widened_reference(np.cumsum), torch_name="cumsum"))
)  # fmt: skip
REVERSE_CUMSUM = register_op(
    OpRecord(name="_reduction_reverse_cumsum", forward=_reverse_cumsum_forward, vjp=_reverse_cumsum_vjp)
)


def _cumprod_forward(xp: Any, a: Any, dim: int, np_dtype: Any) -> Any:
    if a.ndim == 0:
        return a.astype(np_dtype)
    if a.dtype.itemsize == 2 and np_dtype.itemsize == 2 and np_dtype.kind != "i":
        return xp.cumprod(a, axis=dim, dtype=np.float32).astype(np_dtype)
    return xp.cumprod(a, axis=dim, dtype=np_dtype)


def _cumprod_grad_through_zeros(g: Tensor, x: Tensor, result: Tensor, dim: int) -> Tensor:
    """``d result / d x`` applied to ``g`` for inputs holding zeros, in differentiable ops (double backward and
    forward mode go through it). Along ``dim``, with ``z`` the first zero: ``x_k`` for ``k < z`` gets
    ``sum_j g_j result_j / x_k``, ``x_z`` gets ``result_{z-1} sum_{j >= z} g_j prod_{z < i <= j} x_i``, the rest 0."""
    from .creation import arange, ones_like
    from .elementwise_math import where
    from .scatter import gather

    n = x.shape[dim]
    pos = arange(n, device=x.device).reshape([n if d == dim else 1 for d in range(x.dim())])
    is_zero = x == 0
    first_zero = is_zero.long().argmax(dim, keepdim=True)
    z = where(is_zero.any(dim, keepdim=True), first_zero, n)
    ones = ones_like(x)
    before = reverse_cumsum(g * result, dim) / where(pos < z, x, ones)
    prev = where(z > 0, gather(result, dim, (z - 1).clamp(min=0)), ones.narrow(dim, 0, 1))
    tail = where(pos <= z, ones, x).cumprod(dim)
    at_zero = prev * where(pos >= z, g * tail, ones * 0).sum(dim, keepdim=True)
    return where(pos == z, at_zero, where(pos < z, before, ones * 0))


def _cumprod_vjp(ctx: Any, grad: Any) -> tuple[Tensor]:
    dim = ctx.params[0]
    x = ctx.inputs[0]
    g = first_grad(grad)
    if x._data.size == 0 or x._data.ndim == 0:
        return (as_dtype(g, ctx.input_dtypes[0]),)
    result = as_dtype(ctx.result, g._dtype)
    if bool(_xp(x).all(x._data != 0)):
        out = reverse_cumsum(g * conj_of(result), dim) / conj_of(as_dtype(x, g._dtype))  # type: ignore[operator]
    else:
        out = _cumprod_grad_through_zeros(g, conj_of(as_dtype(x, g._dtype)), conj_of(result), dim)
    return (as_dtype(out, ctx.input_dtypes[0]),)


CUMPROD = register_op(
    OpRecord(name="cumprod", forward=_cumprod_forward, vjp=_cumprod_vjp, saves_inputs=(0,), saves_result=True,
             test=OpTest(samples="scan", reference=np.cumprod, torch_name="cumprod"))
)  # fmt: skip


def _scan(op: Any, name: str, input: Tensor, dim: int, dtype_: dtype | None) -> Tensor:
    d = normalize_dim(name, dim, input._data.ndim)
    out = sum_dtype(input, dtype_)
    if dtype_ is not None and input._dtype is not dtype_:
        input = cast_operand(input, out, input._device)
    return call(op, input._device, (input,), (d, out.numpy_dtype))  # type: ignore[no-any-return]


def cumsum(input: Tensor, dim: int, *, dtype: dtype | None = None) -> Tensor:
    """Running sums along ``dim``; bool and integers accumulate in int64 unless ``dtype`` is given.

    Example:
        >>> import tocha
        >>> tocha.cumsum(tocha.tensor([[1, 2], [3, 4]]), dim=0)
        tensor([[1, 2],
                [4, 6]])
    """
    return _scan(CUMSUM, "cumsum", input, dim, dtype)


def cumprod(input: Tensor, dim: int, *, dtype: dtype | None = None) -> Tensor:
    """Running products along ``dim``; bool and integers give int64 unless ``dtype`` is given.

    Example:
        >>> import tocha
        >>> tocha.cumprod(tocha.tensor([1.0, 2.0, 3.0]), 0)
        tensor([1., 2., 6.])
    """
    return _scan(CUMPROD, "cumprod", input, dim, dtype)


def running_extreme(xp: Any, ufunc: Any, a: Any, axis: int) -> Any:
    """``ufunc.accumulate(a, axis)`` for ``maximum``/``minimum``; on CuPy, which has no such accumulate, a
    doubling scan: ceil(log2(n)) elementwise passes, each combining every element with the one 2**k before it.
    """
    if xp is np:
        return ufunc.accumulate(a, axis=axis)
    out = xp.moveaxis(a, axis, -1).copy()
    n, shift = out.shape[-1], 1
    while shift < n:
        nxt = out.copy()
        ufunc(out[..., shift:], out[..., :-shift], out=nxt[..., shift:])
        out, shift = nxt, 2 * shift
    return xp.moveaxis(out, -1, axis)


def _cumext_forward(xp: Any, a: Any, dim: int, largest: bool) -> Any:
    if a.ndim == 0:
        return a.copy(), xp.zeros((), np.int64)
    values = running_extreme(xp, xp.maximum if largest else xp.minimum, a, dim)
    shape = [1] * a.ndim
    shape[dim] = a.shape[dim]
    pos = xp.arange(a.shape[dim]).reshape(shape)
    hit = a == values
    if a.dtype.kind in "fcV":
        hit = hit | (xp.isnan(a) & xp.isnan(values))
    indices = running_extreme(xp, xp.maximum, xp.where(hit, pos, 0), dim)
    return values, indices.astype(np.int64, copy=False)


def _cumext_vjp(ctx: Any, grad: Any) -> tuple[Tensor]:
    dim = ctx.params[0]
    shape = ctx.input_shapes[0]
    return (put_along(first_grad(grad), ctx.result[1], dim if shape else None, True, shape),)


CUMEXT = register_op(
    OpRecord(name="cummax", forward=_cumext_forward, vjp=_cumext_vjp, saves_result=True, num_outputs=2,
             differentiable_outputs=(0,), dtypes=REAL,
             test=OpTest(samples="scan_values_indices", torch_name="cummax"))
)  # fmt: skip


def _cumext(name: str, input: Tensor, dim: int) -> Any:
    if input._dtype.category == _COMPLEX:
        raise NotImplementedError(f"{name}(): does not support complex input ({type_name(input._dtype)})")
    d = normalize_dim(name, dim, input._data.ndim)
    values, indices = call(CUMEXT, input._device, (input,), (d, name == "cummax"))
    return (rt.cummax if name == "cummax" else rt.cummin)(values, indices)


def cummax(input: Tensor, dim: int) -> rt.cummax:
    """``(values, indices)``: the running maximum along ``dim`` and where it was last reached.

    Example:
        >>> import tocha
        >>> tocha.cummax(tocha.tensor([1, 3, 3, 2]), 0).indices
        tensor([0, 1, 2, 2])
    """
    return _cumext("cummax", input, dim)  # type: ignore[no-any-return]


def cummin(input: Tensor, dim: int) -> rt.cummin:
    """``(values, indices)``: the running minimum along ``dim`` and where it was last reached.

    Example:
        >>> import tocha
        >>> tocha.cummin(tocha.tensor([3.0, 1.0, 2.0]), 0).values
        tensor([3., 1., 1.])
    """
    return _cumext("cummin", input, dim)  # type: ignore[no-any-return]


def _complex_logaddexp_scan(xp: Any, work: Any, dim: int) -> Any:
    # PyTorch's complex scan: r = big + log1p(exp(small - big)), big/small by real part, so the imaginary
    # part carries the larger term's (unwrapped) phase rather than the principal one.
    moved = xp.moveaxis(work, dim, 0)
    out = xp.empty_like(moved)
    r = moved[0].copy()
    out[0] = r
    for k in range(1, moved.shape[0]):
        x = moved[k]
        first = r.real >= x.real
        big = xp.where(first, r, x)
        r = big + xp.log1p(xp.exp(xp.where(first, x, r) - big))
        r = xp.where(xp.isneginf(big.real), x, r)
        out[k] = r
    return xp.moveaxis(out, 0, dim)


def _logcumsumexp_forward(xp: Any, a: Any, dim: int) -> Any:
    if a.ndim == 0:
        return a.copy()
    work = a.astype(np.float32) if a.dtype.itemsize == 2 else a
    if xp is np and work.dtype.kind == "f":
        return np.logaddexp.accumulate(work, axis=dim).astype(a.dtype, copy=False)
    if work.dtype.kind == "c":
        return _complex_logaddexp_scan(xp, work, dim).astype(a.dtype, copy=False)
    m = xp.max(work, axis=dim, keepdims=True)
    m = xp.where(xp.isfinite(m), m, 0)
    return (xp.log(xp.cumsum(xp.exp(work - m), axis=dim)) + m).astype(a.dtype, copy=False)


def _logcumsumexp_vjp(ctx: Any, grad: Any) -> tuple[Tensor]:
    dim = ctx.params[0]
    x = ctx.inputs[0]
    g = first_grad(grad)
    if x._data.ndim == 0:
        return (g,)
    # grad_k = sum_{j >= k} g_j exp(x_k - r_j), shifted by the slice maximum c for range.
    c = constant(x, _xp(x).max(x._data, axis=dim, keepdims=True)) if x._data.size else constant(x, x._data)
    return (conj_of((x - c).exp()) * reverse_cumsum(g * conj_of((c - ctx.result).exp()), dim),)  # type: ignore[attr-defined]


def _logcumsumexp_jvp(ctx: Any, tangent: Tensor) -> Tensor:
    """``sum_{j <= i} exp(x_j - r_i) t_j``, as PyTorch's: weights ``exp(x - max)``, so that a ``-inf`` entry
    weighs 0 (the double vjp would give it 0 * inf)."""
    dim = ctx.params[0]
    x = ctx.inputs[0]
    if x._data.ndim == 0 or x._data.size == 0:
        return tangent
    weights = (x - constant(x, _xp(x).max(x._data, axis=dim, keepdims=True))).exp()  # type: ignore[attr-defined]
    return (weights * tangent).cumsum(dim) / (weights.cumsum(dim) + 1e-13)  # type: ignore[no-any-return]


LOGCUMSUMEXP = register_op(
    OpRecord(name="logcumsumexp", forward=_logcumsumexp_forward, fp_errors=True, vjp=_logcumsumexp_vjp,
             jvp=_logcumsumexp_jvp, saves_inputs=(0,), saves_result=True, dtypes=FLOATING_COMPLEX,
             test=OpTest(samples="scan", torch_name="logcumsumexp"))
)  # fmt: skip


def logcumsumexp(input: Tensor, dim: int) -> Tensor:
    """``log(cumsum(exp(x)))`` along ``dim``, computed stably; floating and complex inputs only.

    Example:
        >>> import tocha
        >>> tocha.logcumsumexp(tocha.tensor([0.0, 0.0, 0.0]), 0)
        tensor([0.0000, 0.6931, 1.0986])
    """
    if input._dtype.category not in (_FLOAT, _COMPLEX):
        raise NotImplementedError(f"\"logcumsumexp_out_cpu\" not implemented for '{type_name(input._dtype)}'")
    d = normalize_dim("logcumsumexp", dim, input._data.ndim)
    return call(LOGCUMSUMEXP, input._device, (input,), (d,))  # type: ignore[no-any-return]
