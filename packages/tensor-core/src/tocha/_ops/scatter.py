"""The gather/scatter family: gather, scatter (+ reduce), scatter_add, scatter_reduce, index_add/copy/fill/reduce,
take_along_dim, put, masked_scatter, argwhere, and their in-place forms.

NOTE [ Scatter ]
``gather(a, dim, index)`` reads ``a`` at the positions obtained from ``index``'s
own coordinates with coordinate ``dim`` replaced by the index value; the
scatter ops write ``src`` (its leading ``index.shape`` block) at those
positions. Forwards build that fancy key once (:func:`_grid_key`: one
``arange`` per dim, ``index`` at ``dim``) and use plain advanced indexing and
``ufunc.at`` (duplicates reduce deterministically), which NumPy and CuPy both
have; CuPy lacks ``multiply.at`` on some versions, so :func:`_ufunc_at` falls
back there to rounds of duplicate-free writes (still vectorised). A 0-dim
tensor counts as a 1-D tensor of one element, as in PyTorch.

``index_reduce`` is ``scatter_reduce`` with ``index`` expanded to ``source``'s
shape along ``dim``, so both share one forward and one vjp
(:func:`_reduce_grads`, PyTorch's formulas: ties of amax/amin share the
gradient equally, prod divides by the element or recomputes the product
without it when it is zero). Every vjp is written with tocha ops, so double
backward works.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._backend import xp_of
from .._device_checks import check_index_range
from .._dispatch import OpRecord, OpTest, call, call_inplace, register_op
from .._tensor_base import TensorBase, values_to_check, wrap
from . import scatter_samples as samples
from ._common import broadcast_shape, normalize_dim, prepare_scalar, type_name
from ._dtypes import HALF_NUMPY, NO_BOOL, REAL_NO_BOOL
from ._grad_utils import reduce_to_shape
from .indexing_select import add_at, index_select, masked_fill, masked_select, nonzero, take
from .scatter_views import ScatterViewMethods, diagonal_scatter, select_scatter, slice_scatter

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = [
    "gather",
    "scatter",
    "scatter_add",
    "scatter_reduce",
    "index_add",
    "index_copy",
    "index_fill",
    "index_reduce",
    "take_along_dim",
    "put",
    "masked_scatter",
    "argwhere",
    # scatter_views
    "slice_scatter",
    "select_scatter",
    "diagonal_scatter",
]

_SCALARS = (bool, int, float, complex, np.generic)
_REDUCES = ("sum", "prod", "mean", "amax", "amin")
_UFUNCS = {"sum": "add", "mean": "add", "prod": "multiply", "amax": "maximum", "amin": "minimum"}


# ------------------------------------------------------------------ array helpers


def _grid_key(xp: Any, index: Any, dim: int) -> tuple[Any, ...]:
    """The fancy key addressing, for each element of ``index``, its coordinates with ``dim`` set to its value."""
    shape = index.shape
    ndim = len(shape)
    return tuple(index if i == dim else xp.arange(s).reshape((s,) + (1,) * (ndim - i - 1)) for i, s in enumerate(shape))


def _as_1d(a: Any) -> Any:
    return a.reshape(1) if a.ndim == 0 else a


def _leading(src: Any, shape: tuple[int, ...]) -> Any:
    """The leading ``shape`` block of ``src`` (scatter uses only that much of a larger ``src``)."""
    if src.shape == shape:
        return src
    return src[tuple(slice(0, s) for s in shape)]


def _ufunc_at(xp: Any, name: str, target: Any, key: Any, values: Any) -> None:
    """``target[key] = ufunc(target[key], values)`` with duplicates applied one after the other."""
    if name == "add":
        add_at(xp, target, key, values)
        return
    if xp is not np and name in ("maximum", "minimum") and target.dtype.kind == "f":
        _extreme_at_by_sorting(xp, name, target, key, values)
        return
    at = getattr(getattr(xp, name), "at", None)
    if at is not None:
        try:
            at(target, key, values)
            return
        except (NotImplementedError, TypeError):  # pragma: no cover - CuPy without this ufunc.at
            pass
    _rounds_at(xp, getattr(xp, name), target, key, values)  # pragma: no cover - CuPy only


def _extreme_at_by_sorting(xp: Any, name: str, target: Any, key: Any, values: Any) -> None:
    """``maximum.at``/``minimum.at`` on CuPy floats, which its atomics get wrong for float64 (on an H200 the
    reduced values matched no input, so amax/amin gradients found no tie and were NaN).

    The pairs (position, value) are sorted by position, then value; every element of a position's group reads
    the group's extreme (its last value; NaN sorts last, so it wins as in ``maximum``), so the duplicate writes
    all store the same value and no host synchronisation is needed. ``minimum`` runs as ``maximum`` of negations.
    """
    if name == "minimum":
        flipped = xp.negative(target)
        _extreme_at_by_sorting(xp, "maximum", flipped, key, xp.negative(xp.asarray(values, dtype=target.dtype)))
        xp.negative(flipped, out=target)
        return
    arrays = xp.broadcast_arrays(*key, xp.asarray(values, dtype=target.dtype))
    flat = xp.ravel_multi_index(tuple(a.reshape(-1) for a in arrays[:-1]), target.shape)
    vals = arrays[-1].reshape(-1)
    by_value = xp.argsort(vals, kind="stable")
    order = by_value[xp.argsort(flat[by_value], kind="stable")]
    positions, ordered = flat[order], vals[order]
    group_max = ordered[xp.searchsorted(positions, positions, side="right") - 1]
    view = target.reshape(-1)
    view[positions] = xp.maximum(view[positions], group_max)


def _rounds_at(xp: Any, ufunc: Any, target: Any, key: Any, values: Any) -> None:  # pragma: no cover - CuPy only
    arrays = xp.broadcast_arrays(*key, values)
    flat = xp.ravel_multi_index(tuple(a.reshape(-1) for a in arrays[:-1]), target.shape)
    vals = arrays[-1].reshape(-1)
    order = xp.argsort(flat, kind="stable")
    ordered = flat[order]
    rank = xp.arange(ordered.size) - xp.searchsorted(ordered, ordered, side="left")
    view = target.reshape(-1)
    for r in range(int(rank.max()) + 1 if rank.size else 0):
        chosen = order[rank == r]
        where = flat[chosen]
        view[where] = ufunc(view[where], vals[chosen])


def _identity(xp: Any, np_dtype: Any, reduce: str) -> Any:
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    kind = np.dtype(np_dtype).kind
    if kind == "b":
        return reduce == "amin"
    if kind in "iu":
        info = np.iinfo(np_dtype)
        return info.min if reduce == "amax" else info.max
    return -np.inf if reduce == "amax" else np.inf


def _reduce_into(xp: Any, target: Any, index: Any, src: Any, dim: int, reduce: str, include_self: bool) -> Any:
    """``target`` (a fresh array, modified) with ``src`` reduced into it at the positions of ``index``.

    float16/bfloat16 sums, means and products accumulate in float32 and round once, as PyTorch's CPU kernels.
    """
    if target.dtype in HALF_NUMPY and reduce in ("sum", "mean", "prod"):
        wide = _reduce_into(xp, target.astype(np.float32), index, src.astype(np.float32), dim, reduce, include_self)
        target[...] = wide.astype(target.dtype)
        return target
    t = _as_1d(target)
    index = _as_1d(index)
    key = _grid_key(xp, index, dim)
    values = _leading(_as_1d(src), index.shape)
    if not include_self:
        t[key] = _identity(xp, t.dtype, reduce)
    _ufunc_at(xp, _UFUNCS[reduce], t, key, values)
    if reduce == "mean":
        count = xp.zeros(t.shape, dtype=np.int64)
        add_at(xp, count, key, 1)
        if include_self:
            count += 1
        count = xp.maximum(count, 1)
        if t.dtype.kind in "iub":
            t[...] = xp.floor_divide(t, count)
        else:
            t[...] = (t / count).astype(t.dtype, copy=False)
    return target


def _add_at(xp: Any, target: Any, key: Any, values: Any) -> None:
    """``add_at``, accumulating float16/bfloat16 in float32 (rounded once), as PyTorch's CPU kernels."""
    if target.dtype in HALF_NUMPY:
        wide = target.astype(np.float32)
        add_at(xp, wide, key, values.astype(np.float32) if hasattr(values, "astype") else values)
        target[...] = wide.astype(target.dtype)
        return
    add_at(xp, target, key, values)


# ------------------------------------------------------------------ primitives


def _gather_forward(xp: Any, a: Any, index: Any, dim: int) -> Any:
    found = _as_1d(a)[_grid_key(xp, _as_1d(index), dim)]
    return found.reshape(index.shape)


def _gather_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, None]:
    return call(GATHER_BACKWARD, grad._device, (grad, ctx.inputs[1]), (ctx.params[0], ctx.input_shapes[0])), None


def _gather_backward_forward(xp: Any, g: Any, index: Any, dim: int, shape: tuple[int, ...]) -> Any:
    result = xp.zeros(shape, dtype=g.dtype)
    _add_at(xp, _as_1d(result), _grid_key(xp, _as_1d(index), dim), _as_1d(g))
    return result


def _gather_backward_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, None]:
    return call(GATHER, grad._device, (grad, ctx.inputs[1]), (ctx.params[0],)), None


def _scatter_forward(xp: Any, a: Any, index: Any, src: Any, dim: int, out: Any = None) -> Any:
    target = a.copy() if out is None else out
    index = _as_1d(index)
    values = src if isinstance(src, _SCALARS) else _leading(_as_1d(src), index.shape)
    _as_1d(target)[_grid_key(xp, index, dim)] = values
    return target


def _src_grad(g: Tensor, index_shape: tuple[int, ...], src_shape: tuple[int, ...] | None) -> Tensor | None:
    """The gradient of ``src`` from ``g`` (of ``index``'s shape): zeros past the block scatter read."""
    if src_shape is None:
        return None
    if tuple(g.shape) == src_shape:
        return g
    if len(src_shape) == 0 or len(index_shape) == 0:
        return g.reshape(src_shape)
    from .indexing import GETITEM_BACKWARD

    key = tuple(slice(0, s) for s in g.shape)
    return call(GETITEM_BACKWARD, g._device, (g,), (src_shape, key))  # type: ignore[no-any-return]


def _scatter_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, None, Tensor | None]:
    index = ctx.inputs[1]
    dim = ctx.params[0]
    need_a, _, need_src = ctx.needs_input_grad
    grad_a = call(SCATTER, grad._device, (grad, index, 0), (dim,)) if need_a else None
    grad_src = None
    if need_src:
        g = call(GATHER, grad._device, (grad, index), (dim,))
        grad_src = _src_grad(g, ctx.input_shapes[1], ctx.input_shapes[2])
    return grad_a, None, grad_src


def _scatter_add_forward(xp: Any, a: Any, index: Any, src: Any, dim: int, out: Any = None) -> Any:
    target = a.copy() if out is None else out
    index = _as_1d(index)
    _add_at(xp, _as_1d(target), _grid_key(xp, index, dim), _leading(_as_1d(src), index.shape))
    return target


def _scatter_add_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, None, Tensor | None]:
    index = ctx.inputs[1]
    dim = ctx.params[0]
    grad_src = None
    if ctx.needs_input_grad[2]:
        g = call(GATHER, grad._device, (grad, index), (dim,))
        grad_src = _src_grad(g, ctx.input_shapes[1], ctx.input_shapes[2])
    return grad, None, grad_src


def _scatter_reduce_forward(
    xp: Any, a: Any, index: Any, src: Any, dim: int, reduce: str, include_self: bool, out: Any = None
) -> Any:
    result = _reduce_into(xp, a.copy(), index, src, dim, reduce, include_self)
    if out is None:
        return result
    out[...] = result
    return out


def _reduce_grads(
    ctx: Any, grad: Tensor, index: Tensor, dim: int, reduce: str, include_self: bool
) -> tuple[Tensor | None, Tensor | None]:
    """Gradients of ``self`` and of ``src``'s leading block for ``scatter_reduce(self, dim, index, src)``."""
    from .indexing import GETITEM

    self_, src, result = ctx.inputs[0], ctx.inputs[2], ctx.result
    dev = grad._device
    index_shape = tuple(index.shape)
    if src is not None and tuple(src.shape) != index_shape and len(index_shape):
        src = call(GETITEM, dev, (src,), (tuple(slice(0, s) for s in index_shape),))

    def gather_(t: Tensor) -> Tensor:
        return call(GATHER, dev, (t, index), (dim,))  # type: ignore[no-any-return]

    def scatter_add_(t: Tensor, s: Tensor) -> Tensor:
        return call(SCATTER_ADD, dev, (t, index, s), (dim,))  # type: ignore[no-any-return]

    if reduce == "sum":
        grad_self, grad_src = grad, gather_(grad)
    elif reduce == "mean":
        ones = grad.new_ones(index_shape)  # type: ignore[attr-defined]
        base = grad.new_ones(tuple(grad.shape)) if include_self else grad.new_zeros(tuple(grad.shape))  # type: ignore[attr-defined]
        count = scatter_add_(base, ones)
        count = masked_fill(count, count == 0, 1)
        grad_self = grad / count
        grad_src = gather_(grad_self)
    elif reduce == "prod":
        masked_self = masked_fill(self_, self_ == 0, 1)
        masked_self_result = call(SCATTER_REDUCE, dev, (masked_self, index, src), (dim, "prod", include_self))
        grad_self = grad * masked_self_result / masked_self
        src_zero = src == 0
        zeros_per = scatter_add_(self_.new_zeros(tuple(self_.shape)), src_zero.to(self_.dtype))  # type: ignore[attr-defined]
        single_zero = src_zero & (gather_(zeros_per) == 1)
        masked_src = masked_fill(src, single_zero, 1)
        masked_src_result = call(SCATTER_REDUCE, dev, (self_, index, masked_src), (dim, "prod", include_self))
        from .elementwise import where

        grad_src = where(
            single_zero, gather_(grad * masked_src_result), gather_(grad * result) / masked_fill(src, src_zero, 1)
        )
    else:  # amax / amin: ties share the gradient equally
        value = gather_(result)
        self_is_result = (self_ == result).to(grad.dtype)  # type: ignore[attr-defined]
        src_is_result = (src == value).to(grad.dtype)  # type: ignore[attr-defined]
        distributed = grad / scatter_add_(self_is_result, src_is_result)
        grad_self = self_is_result * distributed
        grad_src = src_is_result * gather_(distributed)
    if not include_self:
        grad_self = call(SCATTER, dev, (grad_self, index, 0), (dim,))
    return grad_self, grad_src


def _scatter_reduce_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, None, Tensor | None]:
    dim, reduce, include_self = ctx.params
    grad_self, grad_src = _reduce_grads(ctx, grad, ctx.inputs[1], dim, reduce, include_self)
    return grad_self, None, _src_grad(grad_src, ctx.input_shapes[1], ctx.input_shapes[2])  # type: ignore[arg-type]


def _index_key(dim: int, index: Any) -> tuple[Any, ...]:
    return (slice(None),) * dim + (index,)


def _index_add_forward(xp: Any, a: Any, index: Any, source: Any, dim: int, alpha: Any, out: Any = None) -> Any:
    target = a.copy() if out is None else out
    values = _as_1d(source)
    if not (alpha == 1 and type(alpha) is not float):
        values = values * alpha
        if values.dtype != target.dtype:
            values = values.astype(target.dtype)
    _add_at(xp, _as_1d(target), _index_key(dim, _as_1d(index)), values)
    return target


def _index_add_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, None, Tensor | None]:
    dim, alpha = ctx.params
    grad_source = None
    if ctx.needs_input_grad[2]:
        grad_source = index_select(grad, dim, ctx.inputs[1])
        if alpha != 1:
            grad_source = grad_source * alpha
        grad_source = grad_source.reshape(ctx.input_shapes[2])
    return grad, None, grad_source


def _index_copy_forward(xp: Any, a: Any, index: Any, source: Any, dim: int, out: Any = None) -> Any:
    target = a.copy() if out is None else out
    _as_1d(target)[_index_key(dim, _as_1d(index))] = _as_1d(source)
    return target


def _index_copy_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, None, Tensor | None]:
    index = ctx.inputs[1]
    dim = ctx.params[0]
    need_a, _, need_source = ctx.needs_input_grad
    grad_a = call(INDEX_FILL, grad._device, (grad, index, 0), (dim,)) if need_a else None
    grad_source = index_select(grad, dim, index).reshape(ctx.input_shapes[2]) if need_source else None
    return grad_a, None, grad_source


def _index_fill_forward(xp: Any, a: Any, index: Any, value: Any, dim: int, out: Any = None) -> Any:
    target = a.copy() if out is None else out
    _as_1d(target)[_index_key(dim, _as_1d(index))] = value
    return target


def _index_fill_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, None, Tensor | None]:
    index = ctx.inputs[1]
    dim = ctx.params[0]
    need_a, _, need_value = ctx.needs_input_grad
    grad_a = call(INDEX_FILL, grad._device, (grad, index, 0), (dim,)) if need_a else None
    grad_value = None
    if need_value and ctx.input_shapes[2] is not None:
        grad_value = index_select(grad, dim, index).sum()
    return grad_a, None, grad_value


def _expanded_index(xp: Any, index: Any, dim: int, shape: tuple[int, ...]) -> Any:
    index = _as_1d(index)
    ndim = max(len(shape), 1)
    lifted = index.reshape((1,) * dim + (index.shape[0],) + (1,) * (ndim - dim - 1))
    return xp.broadcast_to(lifted, shape if shape else (1,))


def _index_reduce_forward(
    xp: Any, a: Any, index: Any, source: Any, dim: int, reduce: str, include_self: bool, out: Any = None
) -> Any:
    full = _expanded_index(xp, index, dim, source.shape)
    result = _reduce_into(xp, a.copy(), full, _as_1d(source), dim, reduce, include_self)
    if out is None:
        return result
    out[...] = result
    return out


def _index_reduce_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, None, Tensor | None]:
    from .._backend import xp_of

    dim, reduce, include_self = ctx.params
    index = ctx.inputs[1]
    source_shape = ctx.input_shapes[2]
    full = wrap(_expanded_index(xp_of(grad._device), index._data, dim, source_shape), grad._device)
    lifted = _Lifted(ctx, source_shape)
    grad_self, grad_src = _reduce_grads(lifted, grad, full, dim, reduce, include_self)
    if grad_src is not None and tuple(grad_src.shape) != source_shape:
        grad_src = grad_src.reshape(source_shape)
    return grad_self, None, grad_src


class _Lifted:
    """``ctx`` of index_reduce with a 0-dim source seen as 1-D (what the scatter_reduce formulas expect)."""

    def __init__(self, ctx: Any, source_shape: tuple[int, ...]) -> None:
        source = ctx.inputs[2]
        self_ = ctx.inputs[0]
        result = ctx.result
        if not source_shape:
            source = source.reshape(1)
            self_ = self_.reshape(1)
            result = result.reshape(1)
        self.inputs = (self_, None, source)
        self.result = result


def _put_forward(xp: Any, a: Any, index: Any, source: Any, accumulate: bool) -> Any:
    target = a.copy()
    flat = target.reshape(-1)
    key = index.reshape(-1)
    values = source.reshape(-1) if hasattr(source, "reshape") else source
    if accumulate:
        _add_at(xp, flat, key, values)
    else:
        flat[key] = values
    return target


def _put_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, None, Tensor | None]:
    index = ctx.inputs[1]
    accumulate = ctx.params[0]
    need_a, _, need_source = ctx.needs_input_grad
    grad_a = None
    if need_a:
        grad_a = grad if accumulate else call(PUT, grad._device, (grad, index, 0), (False,))
    grad_source = None
    if need_source and ctx.input_shapes[2] is not None:
        grad_source = take(grad, index).reshape(ctx.input_shapes[2])
    return grad_a, None, grad_source


def _masked_scatter_forward(xp: Any, a: Any, mask: Any, source: Any) -> Any:
    if a.shape != mask.shape:
        shape = np.broadcast_shapes(a.shape, mask.shape)
        a = xp.broadcast_to(a, shape)
        mask = xp.broadcast_to(mask, shape)
    target = a.copy()
    n = int(mask.sum())
    target[mask] = source.reshape(-1)[:n]
    return target


def _masked_scatter_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, None, Tensor | None]:
    from .indexing import GETITEM_BACKWARD

    mask = ctx.inputs[1]
    shape_a, _, shape_source = ctx.input_shapes
    need_a, _, need_source = ctx.needs_input_grad
    grad_a = reduce_to_shape(masked_fill(grad, mask, 0), shape_a) if need_a else None
    grad_source = None
    if need_source:
        chosen = masked_select(grad, mask)
        numel = int(np.prod(shape_source))
        n = int(chosen.shape[0])
        if n != numel:
            chosen = call(GETITEM_BACKWARD, grad._device, (chosen,), ((numel,), (slice(0, n), Ellipsis)))
        grad_source = chosen.reshape(shape_source)
    return grad_a, None, grad_source


# ------------------------------------------------------------------ references (NumPy, loops: obviously right)


def _coords(shape: tuple[int, ...]) -> Any:
    return np.ndindex(*shape) if shape else iter([()])


def _reference_gather(a: Any, dim: int, index: Any, **_: Any) -> Any:
    a1, i1 = np.atleast_1d(a), np.atleast_1d(index)
    dim %= a1.ndim
    out = np.empty(i1.shape, dtype=a.dtype)
    for pos in _coords(i1.shape):
        src = list(pos)
        src[dim] = i1[pos]
        out[pos] = a1[tuple(src)]
    return out.reshape(np.shape(index))


def _reference_scatter(a: Any, dim: int, index: Any, src: Any = None, **kwargs: Any) -> Any:
    value = kwargs.get("value", src)
    reduce = kwargs.get("reduce")
    how = {None: None, "add": "sum", "multiply": "prod"}[reduce]
    return _reference_reduce(a, dim, index, value, how, True)


def _reference_scatter_add(a: Any, dim: int, index: Any, src: Any) -> Any:
    return _reference_reduce(a, dim, index, src, "sum", True)


def _reference_scatter_reduce(a: Any, dim: int, index: Any, src: Any, reduce: str, include_self: bool = True) -> Any:
    return _reference_reduce(a, dim, index, src, reduce, include_self)


def _reference_reduce(a: Any, dim: int, index: Any, src: Any, reduce: str | None, include_self: bool) -> Any:
    if a.dtype == np.float16 and reduce in ("sum", "mean", "prod"):  # PyTorch accumulates halves in float32
        wide = src.astype(np.float32) if isinstance(src, np.ndarray) else src
        return _reference_reduce(a.astype(np.float32), dim, index, wide, reduce, include_self).astype(np.float16)
    with np.errstate(all="ignore"):  # integer products wrap around, as in PyTorch
        return _reference_reduce_quiet(a, dim, index, src, reduce, include_self)


def _reference_reduce_quiet(a: Any, dim: int, index: Any, src: Any, reduce: str | None, include_self: bool) -> Any:
    out = np.array(np.atleast_1d(a), copy=True)
    i1 = np.atleast_1d(index)
    dim %= out.ndim
    groups: dict[tuple[int, ...], list[Any]] = {}
    for pos in _coords(i1.shape):
        coords = list(pos)
        coords[dim] = int(i1[pos])
        value = np.atleast_1d(src)[pos] if isinstance(src, np.ndarray) else src
        groups.setdefault(tuple(coords), []).append(value)
    for target, values in groups.items():
        if reduce is None:
            out[target] = values[-1]
            continue
        items = ([out[target]] if include_self else []) + values
        if reduce == "sum":
            found: Any = sum(items[1:], start=items[0])
        elif reduce == "prod":
            found = items[0]
            for v in items[1:]:
                found = found * v
        elif reduce == "mean":
            total = sum(items[1:], start=items[0])
            found = total // len(items) if out.dtype.kind in "iu" else total / len(items)
        elif reduce == "amax":
            found = np.max(np.array(items))
        else:
            found = np.min(np.array(items))
        out[target] = found
    return out.reshape(np.shape(a))


def _index_to_scatter(a: Any, dim: int, index: Any, source: Any) -> tuple[Any, Any]:
    source1 = np.atleast_1d(source)
    dim %= source1.ndim
    full = np.broadcast_to(
        np.atleast_1d(index).reshape((1,) * dim + (-1,) + (1,) * (source1.ndim - dim - 1)), source1.shape
    )
    return full, source1


def _reference_index_add(a: Any, dim: int, index: Any, source: Any, alpha: Any = 1) -> Any:
    full, source1 = _index_to_scatter(a, dim, index, source)
    return _reference_reduce(a, dim, full, (source1 * alpha).astype(a.dtype), "sum", True)


def _reference_index_copy(a: Any, dim: int, index: Any, source: Any) -> Any:
    full, source1 = _index_to_scatter(a, dim, index, source)
    return _reference_reduce(a, dim, full, source1, None, True)


def _reference_index_fill(a: Any, dim: int, index: Any, value: Any) -> Any:
    out = np.array(np.atleast_1d(a), copy=True)
    out[_index_key(dim % out.ndim, np.atleast_1d(index))] = value
    return out.reshape(a.shape)


def _reference_index_reduce(a: Any, dim: int, index: Any, source: Any, reduce: str, include_self: bool = True) -> Any:
    full, source1 = _index_to_scatter(a, dim, index, source)
    return _reference_reduce(a, dim, full, source1, reduce, include_self)


def _reference_put(a: Any, index: Any, source: Any, accumulate: bool = False) -> Any:
    out = a.copy()
    flat = out.reshape(-1)
    for i, v in zip(index.reshape(-1), source.reshape(-1), strict=True):
        flat[i] = flat[i] + v if accumulate else v
    return out


def _reference_masked_scatter(a: Any, mask: Any, source: Any) -> Any:
    a, mask = np.broadcast_arrays(a, mask)
    out = a.copy()
    out[mask] = source.reshape(-1)[: int(mask.sum())]
    return out


# ------------------------------------------------------------------ records

_LEGACY_WARNS = "PyTorch warns that scatter's reduce= is deprecated (warnings are errors); test_scatter.py compares it"
_LEGACY_VJP = "scatter(reduce=) runs the scatter_reduce op, whose vjp is checked there (and by gradcheck)"
_BETA_WARNS = "PyTorch warns that index_reduce is beta (warnings are errors); test_scatter.py compares it"

GATHER = register_op(
    OpRecord(
        name="gather",
        forward=_gather_forward,
        vjp=_gather_vjp,
        saves_inputs=(1,),
        differentiable_inputs=(0,),
        test=OpTest(samples=samples.gather_samples, reference=_reference_gather, torch_name="gather"),
    )
)
GATHER_BACKWARD = register_op(
    OpRecord(
        name="gather_backward",
        forward=_gather_backward_forward,
        vjp=_gather_backward_vjp,
        saves_inputs=(1,),
        differentiable_inputs=(0,),
        dtypes=REAL_NO_BOOL,
        test=OpTest(samples=samples.gather_backward_samples, reference=None),
    )
)
SCATTER = register_op(
    OpRecord(
        name="scatter",
        forward=_scatter_forward,
        vjp=_scatter_vjp,
        saves_inputs=(1,),
        differentiable_inputs=(0, 2),
        supports_out=True,
        test=OpTest(
            samples=samples.scatter_samples,
            reference=_reference_scatter,
            torch_name="scatter",
            skips={
                "torch:legacy-add": _LEGACY_WARNS,
                "torch:legacy-multiply": _LEGACY_WARNS,
                "vjp:legacy-add": _LEGACY_VJP,
                "vjp:legacy-multiply": _LEGACY_VJP,
            },
        ),
    )
)
SCATTER_ADD = register_op(
    OpRecord(
        name="scatter_add",
        forward=_scatter_add_forward,
        vjp=_scatter_add_vjp,
        saves_inputs=(1,),
        differentiable_inputs=(0, 2),
        supports_out=True,
        dtypes=NO_BOOL,
        test=OpTest(
            samples=samples.scatter_add_samples,
            reference=_reference_scatter_add,
            torch_name="scatter_add",
        ),
    )
)
SCATTER_REDUCE = register_op(
    OpRecord(
        fp_errors=True,
        name="scatter_reduce",
        forward=_scatter_reduce_forward,
        vjp=_scatter_reduce_vjp,
        saves_inputs=(0, 1, 2),
        saves_result=True,
        differentiable_inputs=(0, 2),
        supports_out=True,
        dtypes=REAL_NO_BOOL,
        test=OpTest(
            samples=samples.scatter_reduce_samples,
            reference=_reference_scatter_reduce,
            torch_name="scatter_reduce",
        ),
    )
)
INDEX_ADD = register_op(
    OpRecord(
        name="index_add",
        forward=_index_add_forward,
        vjp=_index_add_vjp,
        saves_inputs=(1,),
        differentiable_inputs=(0, 2),
        supports_out=True,
        dtypes=NO_BOOL,
        test=OpTest(
            samples=samples.index_add_samples,
            reference=_reference_index_add,
            torch_name="index_add",
        ),
    )
)
INDEX_COPY = register_op(
    OpRecord(
        name="index_copy",
        forward=_index_copy_forward,
        vjp=_index_copy_vjp,
        saves_inputs=(1,),
        differentiable_inputs=(0, 2),
        supports_out=True,
        test=OpTest(samples=samples.index_copy_samples, reference=_reference_index_copy, torch_name="index_copy"),
    )
)
INDEX_FILL = register_op(
    OpRecord(
        name="index_fill",
        forward=_index_fill_forward,
        vjp=_index_fill_vjp,
        saves_inputs=(1,),
        differentiable_inputs=(0, 2),
        supports_out=True,
        test=OpTest(samples=samples.index_fill_samples, reference=_reference_index_fill, torch_name="index_fill"),
    )
)
INDEX_REDUCE = register_op(
    OpRecord(
        fp_errors=True,
        name="index_reduce",
        forward=_index_reduce_forward,
        vjp=_index_reduce_vjp,
        saves_inputs=(0, 1, 2),
        saves_result=True,
        differentiable_inputs=(0, 2),
        supports_out=True,
        dtypes=REAL_NO_BOOL,
        test=OpTest(
            samples=samples.index_reduce_samples,
            reference=_reference_index_reduce,
            torch_name="index_reduce",
            skips={"torch": _BETA_WARNS},
        ),
    )
)
PUT = register_op(
    OpRecord(
        name="put",
        forward=_put_forward,
        vjp=_put_vjp,
        saves_inputs=(1,),
        differentiable_inputs=(0, 2),
        test=OpTest(samples=samples.put_samples, reference=_reference_put, torch_name="put"),
    )
)
MASKED_SCATTER = register_op(
    OpRecord(
        name="masked_scatter",
        forward=_masked_scatter_forward,
        vjp=_masked_scatter_vjp,
        saves_inputs=(1,),
        differentiable_inputs=(0, 2),
        test=OpTest(
            samples=samples.masked_scatter_samples, reference=_reference_masked_scatter, torch_name="masked_scatter"
        ),
    )
)


# ------------------------------------------------------------------ argument checks


def _index_arg(op: str, index: Any, input: Tensor) -> Tensor:
    if not isinstance(index, TensorBase):
        raise TypeError(f"{op}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index._dtype.name not in ("int32", "int64"):
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index")
    if index._device is not input._device:
        from .creation import to_device

        return to_device(index, input._device)  # type: ignore[arg-type]
    return index  # type: ignore[return-value]


def _check_bounds(index: Tensor, size: int, dim: int, error: type[Exception] = RuntimeError, op: str = "") -> None:
    data = values_to_check(index)
    if data.size == 0:
        return
    if not isinstance(data, np.ndarray):
        check_index_range(
            xp_of(index._device), data, 0, size, error,
            lambda bad: f"{op}index {bad} is out of bounds for dimension {dim} with size {size}",
        )  # fmt: skip
        return
    low, high = int(data.min()), int(data.max())
    if low < 0 or high >= size:
        bad = low if low < 0 else high
        raise error(f"{op}index {bad} is out of bounds for dimension {dim} with size {size}")


def _gather_args(op: str, input: Tensor, dim: int, index: Any) -> tuple[Tensor, int]:
    ndim = input._data.ndim
    d = normalize_dim(op, dim, ndim)
    index = _index_arg(op, index, input)
    if max(index._data.ndim, 1) != max(ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    shape = tuple(input._data.shape) or (1,)
    ishape = tuple(index._data.shape) or (1,)
    if index._data.size:
        for i, (s, n) in enumerate(zip(ishape, shape, strict=True)):
            if i != d and s > n:
                raise RuntimeError(
                    f"Size does not match at dimension {i} expected index {list(index.shape)} to be no larger than "
                    f"self {list(input.shape)} apart from dimension {d}"
                )
    _check_bounds(index, shape[d], d)
    return index, d


def _scatter_args(op: str, input: Tensor, dim: int, index: Any, src: Any) -> tuple[Tensor, int]:
    """Check ``scatter``'s operands as PyTorch does; ``src`` is a tensor or None (a value)."""
    ndim = input._data.ndim
    d = normalize_dim(op, dim, ndim)
    index = _index_arg("scatter", index, input)
    if max(index._data.ndim, 1) != max(ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    shape = tuple(input._data.shape) or (1,)
    ishape = tuple(index._data.shape) or (1,)
    if src is not None:
        if not isinstance(src, TensorBase):
            raise TypeError(f"{op}(): argument 'src' must be Tensor, not {type(src).__name__}")
        if max(src._data.ndim, 1) != max(ndim, 1):
            raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
        if src._dtype is not input._dtype:
            raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    if index._data.size:
        sshape = tuple(src._data.shape) or (1,) if src is not None else None
        for i, s in enumerate(ishape):
            if (i != d and s > shape[i]) or (sshape is not None and s > sshape[i]):
                tail = f" and to be no larger size than src {list(src.shape)}" if src is not None else ""
                raise RuntimeError(
                    f"Expected index {list(index.shape)} to be no larger than self {list(input.shape)} apart from "
                    f"dimension {d}{tail}"
                )
    _check_bounds(index, shape[d], d)
    return index, d


def _on_device(t: Any, input: Tensor) -> Tensor:
    if t._device is input._device:
        return t  # type: ignore[no-any-return]
    from .creation import to_device

    return to_device(t, input._device)


def _scalar_value(op: str, input: Tensor, value: Any) -> Any:
    from .indexing_select import _fill_value

    return _fill_value(op, input, value)


def _finish(result: Tensor, out: Tensor | None) -> Tensor:
    if out is None:
        return result
    from .elementwise import copy_to_out

    return copy_to_out(result, out)


# ------------------------------------------------------------------ gather / scatter


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False, out: Tensor | None = None) -> Tensor:
    """Values of ``input`` along ``dim`` at ``index``: ``out[i][j] = input[index[i][j]][j]`` for ``dim=0``.

    ``index`` has ``input``'s number of dims and is no larger than ``input``
    outside ``dim``; the result has ``index``'s shape. ``sparse_grad`` is
    accepted for PyTorch compatibility (gradients are dense).

    Example:
        >>> import tocha
        >>> x = tocha.tensor([[1, 2], [3, 4]])
        >>> tocha.gather(x, 1, tocha.tensor([[0, 0], [1, 0]]))
        tensor([[1, 1],
                [4, 3]])
    """
    index, d = _gather_args("gather", input, dim, index)
    return _finish(call(GATHER, input._device, (input, index), (d,)), out)


def _scatter_parts(op: str, input: Tensor, dim: int, index: Any, src: Any, value: Any) -> tuple[Tensor, int, Any]:
    if src is not None and value is not None:
        raise TypeError(f"{op}() received both 'src' and 'value'")
    if src is None and value is None:
        raise TypeError(f"{op}() missing required argument 'src' (or 'value')")
    if src is not None and not isinstance(src, TensorBase):
        value, src = src, None
    index, d = _scatter_args(op, input, dim, index, src)
    operand = src if src is not None else _scalar_value(op, input, value)
    return index, d, operand


def _scatter_call(op: str, input: Tensor, d: int, index: Tensor, operand: Any, reduce: str | None, out: Any) -> Any:
    """Run scatter (or its legacy ``reduce`` form); ``out`` is the in-place target or None."""
    dev = input._device
    if reduce is None:
        if out is not None:
            return call_inplace(SCATTER, dev, out, (input, index, operand), (d,))
        return call(SCATTER, dev, (input, index, operand), (d,))
    if reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    if not isinstance(operand, TensorBase):
        from .creation import full

        operand = full(tuple(index.shape), operand, dtype=input._dtype, device=dev)
    how = "sum" if reduce == "add" else "prod"
    if out is not None:
        return call_inplace(SCATTER_REDUCE, dev, out, (input, index, operand), (d, how, True))
    return call(SCATTER_REDUCE, dev, (input, index, operand), (d, how, True))


def scatter(
    input: Tensor,
    dim: int,
    index: Tensor,
    src: Any = None,
    *,
    value: Any = None,
    reduce: str | None = None,
    out: Tensor | None = None,
) -> Tensor:
    """A copy of ``input`` with ``src`` (a tensor, or a number ``value``) written at ``index`` along ``dim``.

    ``self[index[i][j]][j] = src[i][j]`` for ``dim=0``. Only ``src``'s
    leading ``index.shape`` block is read. With duplicate indices the
    written value is unspecified (as in PyTorch). ``reduce='add'`` or
    ``'multiply'`` (legacy; prefer :func:`scatter_reduce`) combines instead.

    Example:
        >>> import tocha
        >>> tocha.scatter(tocha.zeros(2, 3), 1, tocha.tensor([[2], [0]]), tocha.tensor([[5.0], [6.0]]))
        tensor([[0., 0., 5.],
                [6., 0., 0.]])
        >>> tocha.scatter(tocha.zeros(3), 0, tocha.tensor([1]), 2.0)
        tensor([0., 2., 0.])
    """
    index, d, operand = _scatter_parts("scatter", input, dim, index, src, value)
    return _finish(_scatter_call("scatter", input, d, index, operand, reduce, None), out)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor, *, out: Tensor | None = None) -> Tensor:
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim`` (duplicates add up).

    Example:
        >>> import tocha
        >>> tocha.scatter_add(tocha.zeros(3), 0, tocha.tensor([0, 2, 0]), tocha.tensor([1.0, 2.0, 3.0]))
        tensor([4., 0., 2.])
    """
    index, d = _scatter_args("scatter_add", input, dim, index, src)
    return _finish(call(SCATTER_ADD, input._device, (input, index, src), (d,)), out)


def _reduce_arg(op: str, reduce: Any, input: Tensor) -> str:
    if reduce not in _REDUCES:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if reduce in ("amax", "amin") and input._dtype.is_complex:
        raise RuntimeError(
            f"\"scatter_gather_tensor_cpu_reduce_{reduce}\" not implemented for '{type_name(input._dtype)}'"
        )
    return str(reduce)


def scatter_reduce(
    input: Tensor,
    dim: int,
    index: Tensor,
    src: Tensor,
    reduce: str,
    *,
    include_self: bool = True,
    out: Tensor | None = None,
) -> Tensor:
    """``input`` with ``src`` reduced in at ``index`` along ``dim``: ``reduce`` is sum, prod, mean, amax or amin.

    With ``include_self=False`` the values of ``input`` at the scattered
    positions do not take part. Integer ``mean`` rounds down, as PyTorch.

    Example:
        >>> import tocha
        >>> src = tocha.tensor([1.0, 2.0, 3.0, 4.0])
        >>> tocha.scatter_reduce(tocha.ones(2), 0, tocha.tensor([0, 1, 0, 1]), src, "amax", include_self=False)
        tensor([3., 4.])
    """
    how = _reduce_arg("scatter_reduce", reduce, input)
    index, d = _scatter_args("scatter_reduce", input, dim, index, src)
    return _finish(call(SCATTER_REDUCE, input._device, (input, index, src), (d, how, bool(include_self))), out)


# ------------------------------------------------------------------ index_*


def _index_args(op: str, input: Tensor, dim: int, index: Any, long_only: bool = False) -> tuple[Tensor, int]:
    ndim = input._data.ndim
    d = normalize_dim(op, dim, ndim)
    if not isinstance(index, TensorBase):
        raise TypeError(f"{op}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if long_only and index._dtype.name != "int64":
        if op.startswith("index_fill"):
            raise IndexError(f"{op}(): Expected dtype int64 for index.")
        raise RuntimeError(f"{op}(): Expected a long tensor for index, but got {type_name(index._dtype)}")
    if index._dtype.name not in ("int32", "int64"):
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index but got: {type_name(index._dtype)}")
    if index._data.ndim > 1:
        if op.startswith("index_copy"):
            raise IndexError(f"{op}(): Index should have dimension 1 or 0 (got {index._data.ndim})")
        if op.startswith("index_fill"):
            raise RuntimeError("Index has to be a vector/scalar")
        raise IndexError(
            f"{op}(): Index is supposed to be a vector, but got dim: {index._data.ndim} with type: "
            f"{type_name(index._dtype)} and size: {list(index.shape)}"
        )
    index = _on_device(index, input)
    size = input._data.shape[d] if ndim else 1
    _check_bounds(index, size, d, IndexError, f"{op}(): " if op.startswith("index_copy") else "")
    return index, d


def _source_args(op: str, input: Tensor, d: int, index: Tensor, source: Any, dtype_message: str) -> Tensor:
    if not isinstance(source, TensorBase):
        raise TypeError(f"{op}(): argument 'source' must be Tensor, not {type(source).__name__}")
    shape = list(input.shape)
    sshape = list(source.shape)
    if source._dtype is not input._dtype:
        raise RuntimeError(dtype_message.format(self=type_name(input._dtype), source=type_name(source._dtype)))
    n = int(index._data.size)
    if (len(sshape) != len(shape) and not (len(shape) == 1 and not sshape)) or any(
        a != b for i, (a, b) in enumerate(zip(shape, sshape, strict=False)) if i != d
    ):
        raise RuntimeError(
            "source tensor shape must match self tensor shape, excluding the specified dimension. "
            f"Got self.shape = {shape} source.shape = {sshape}"
        )
    along = sshape[d] if sshape else 1
    if along != n:
        if op.startswith("index_copy"):
            raise IndexError(f"{op}(): Number of indices ({n}) should be equal to source.size(dim) ({along})")
        raise RuntimeError(
            f"{op}(): Number of indices ({n}) should be equal to source.size(dim): ({along}), for dim: {d}"
        )
    return _on_device(source, input)


def _alpha(input: Tensor, alpha: Any) -> Any:
    d = input._dtype
    if d.category <= 1 and isinstance(alpha, float):
        if d.category == 1:
            alpha = int(alpha)
        else:
            raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    return prepare_scalar(alpha, d)


def _index_add(op: str, input: Tensor, dim: int, index: Any, source: Any, alpha: Any, inplace: bool) -> Tensor:
    index, d = _index_args(op, input, dim, index)
    source = _source_args(op, input, d, index, source, "index_add_(): self ({self}) and source ({source}) must have "
                          "the same scalar type")  # fmt: skip
    params = (d, _alpha(input, alpha))
    if inplace:
        return call_inplace(INDEX_ADD, input._device, input, (input, index, source), params)
    return call(INDEX_ADD, input._device, (input, index, source), params)  # type: ignore[no-any-return]


def index_add(
    input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1, out: Tensor | None = None
) -> Tensor:
    """A copy of ``input`` with ``alpha * source`` added at the positions ``index`` along ``dim``.

    ``source`` has ``input``'s shape with ``dim`` of size ``len(index)``;
    duplicate indices add up.

    Example:
        >>> import tocha
        >>> tocha.index_add(tocha.zeros(3, 2), 0, tocha.tensor([0, 2, 0]), tocha.ones(3, 2), alpha=2)
        tensor([[4., 4.],
                [0., 0.],
                [2., 2.]])
    """
    return _finish(_index_add("index_add_", input, dim, index, source, alpha, False), out)


def _index_copy(op: str, input: Tensor, dim: int, index: Any, source: Any, inplace: bool) -> Tensor:
    index, d = _index_args(op, input, dim, index, long_only=True)
    message = (
        "index_copy_(): self and source expected to have the same dtype, but got (self) {self} and (source) {source}"
    )
    source = _source_args(op, input, d, index, source, message)
    if inplace:
        return call_inplace(INDEX_COPY, input._device, input, (input, index, source), (d,))
    return call(INDEX_COPY, input._device, (input, index, source), (d,))  # type: ignore[no-any-return]


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor, *, out: Tensor | None = None) -> Tensor:
    """A copy of ``input`` with the slices of ``source`` written at the positions ``index`` along ``dim``.

    Example:
        >>> import tocha
        >>> tocha.index_copy(tocha.zeros(3), 0, tocha.tensor([2, 0]), tocha.tensor([5.0, 6.0]))
        tensor([6., 0., 5.])
    """
    return _finish(_index_copy("index_copy_", input, dim, index, source, False), out)


def _index_fill(op: str, input: Tensor, dim: int, index: Any, value: Any, inplace: bool) -> Tensor:
    index, d = _index_args(op, input, dim, index, long_only=True)
    operand = _scalar_value(op, input, value)
    if inplace:
        return call_inplace(INDEX_FILL, input._device, input, (input, index, operand), (d,))
    return call(INDEX_FILL, input._device, (input, index, operand), (d,))  # type: ignore[no-any-return]


def index_fill(input: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    """A copy of ``input`` with ``value`` (a number or 0-dim tensor) written at the positions ``index`` along ``dim``.

    Example:
        >>> import tocha
        >>> tocha.index_fill(tocha.zeros(2, 3), 1, tocha.tensor([0, 2]), -1.0)
        tensor([[-1.,  0., -1.],
                [-1.,  0., -1.]])
    """
    return _index_fill("index_fill_", input, dim, index, value, False)


def _index_reduce(
    op: str, input: Tensor, dim: int, index: Any, source: Any, reduce: Any, include_self: bool, inplace: bool
) -> Tensor:
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"{op}(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    index, d = _index_args(op, input, dim, index)
    source = _source_args(op, input, d, index, source, op + "(): self ({self}) and source ({source}) must have the "
                          "same scalar type")  # fmt: skip
    params = (d, str(reduce), bool(include_self))
    if inplace:
        return call_inplace(INDEX_REDUCE, input._device, input, (input, index, source), params)
    return call(INDEX_REDUCE, input._device, (input, index, source), params)  # type: ignore[no-any-return]


def index_reduce(
    input: Tensor,
    dim: int,
    index: Tensor,
    source: Tensor,
    reduce: str,
    *,
    include_self: bool = True,
    out: Tensor | None = None,
) -> Tensor:
    """``input`` with the slices of ``source`` reduced in at ``index`` along ``dim`` (prod, mean, amax, amin).

    Example:
        >>> import tocha
        >>> x = tocha.tensor([1.0, 2.0, 3.0])
        >>> tocha.index_reduce(x, 0, tocha.tensor([0, 0, 2]), tocha.tensor([4.0, 5.0, 6.0]), "prod")
        tensor([20.,  2., 18.])
    """
    return _finish(_index_reduce("index_reduce_", input, dim, index, source, reduce, include_self, False), out)


# ------------------------------------------------------------------ take_along_dim / put / masked_scatter / argwhere


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None, *, out: Tensor | None = None) -> Tensor:
    """Values of ``input`` at ``indices`` along ``dim`` (both broadcast outside ``dim``); flat when ``dim`` is None.

    Example:
        >>> import tocha
        >>> x = tocha.tensor([[10, 30, 20], [60, 40, 50]])
        >>> tocha.take_along_dim(x, tocha.argmax(x, dim=1, keepdim=True), dim=1)
        tensor([[30],
                [60]])
    """
    if not isinstance(indices, TensorBase):
        raise TypeError(f"take_along_dim(): argument 'indices' must be Tensor, not {type(indices).__name__}")
    if indices._dtype.name != "int64":
        raise RuntimeError(
            f"torch.take_along_dim(): dtype of indices should be Long but got {type_name(indices._dtype)}"
        )
    indices = _on_device(indices, input)
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1), out=out)
    ndim = input._data.ndim
    d = normalize_dim("take_along_dim", dim, ndim)
    if indices._data.ndim != ndim:
        raise RuntimeError(
            "torch.take_along_dim(): input and indices should have the same number of dimensions, but got "
            f"{ndim} dimensions for input, and {indices._data.ndim} dimensions for indices"
        )
    shape = list(input._data.shape)
    ishape = list(indices._data.shape)
    shape[d] = ishape[d] = 1
    common = list(broadcast_shape("take_along_dim", tuple(shape), tuple(ishape)))
    if ndim:
        common[d] = input._data.shape[d]
        input = input.expand(*common) if tuple(common) != tuple(input._data.shape) else input  # type: ignore[attr-defined]
        common[d] = indices._data.shape[d]
        if tuple(common) != tuple(indices._data.shape):
            indices = indices.expand(*common)  # type: ignore[attr-defined]
    return gather(input, d, indices, out=out)


def _put(op: str, input: Tensor, index: Any, source: Any, accumulate: bool, inplace: bool) -> Tensor:
    if not isinstance(index, TensorBase):
        raise TypeError(f"{op}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if not isinstance(source, TensorBase):
        raise TypeError(f"{op}(): argument 'source' must be Tensor, not {type(source).__name__}")
    if index._dtype.name != "int64":
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got {type_name(index._dtype)}")
    if source._dtype is not input._dtype:
        raise RuntimeError(
            "put_(): self and source expected to have the same dtype, but got "
            f"self.dtype = {type_name(input._dtype)} and source.dtype = {type_name(source._dtype)}"
        )
    if index._data.size != source._data.size:
        raise IndexError(
            "put_(): Expected source and index to have the same number of elements, but got "
            f"source.numel() = {source._data.size}, index.numel() = {index._data.size}"
        )
    index = _on_device(index, input)
    source = _on_device(source, input)
    n = int(input._data.size)
    data = index._data
    if data.size and not isinstance(data, np.ndarray):
        check_index_range(
            xp_of(index._device), data, -n, n, IndexError,
            lambda bad: f"out of range: tried to access index {bad} on a tensor of {n} elements.",
        )  # fmt: skip
    elif data.size and (int(data.min()) < -n or int(data.max()) >= n):
        flat = data.reshape(-1)
        bad = int(flat[(flat < -n) | (flat >= n)][0])
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
    if inplace:
        return call_inplace(PUT, input._device, input, (input, index, source), (bool(accumulate),))
    return call(PUT, input._device, (input, index, source), (bool(accumulate),))  # type: ignore[no-any-return]


def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``source`` written at the flat positions ``index`` (added with ``accumulate``).

    Example:
        >>> import tocha
        >>> tocha.put(tocha.zeros(2, 2), tocha.tensor([0, 3, 0]), tocha.tensor([1.0, 2.0, 3.0]), accumulate=True)
        tensor([[4., 0.],
                [0., 2.]])
    """
    return _put("put", input, index, source, accumulate, False)


def _masked_scatter_args(op: str, input: Tensor, mask: Any, source: Any) -> tuple[Tensor, Tensor]:
    if not isinstance(mask, TensorBase):
        raise TypeError(f"{op}(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    if not isinstance(source, TensorBase):
        raise TypeError(f"{op}(): argument 'source' must be Tensor, not {type(source).__name__}")
    if mask._dtype.name != "bool":
        raise RuntimeError(
            f"masked_scatter_ only supports boolean masks, but got mask with dtype {type_name(mask._dtype)}"
        )
    if source._dtype is not input._dtype:
        raise RuntimeError(
            f"masked_scatter: expected self and source to have same dtypes but got"
            f"{type_name(input._dtype)} and {type_name(source._dtype)}"
        )
    mask = _on_device(mask, input)
    shape = broadcast_shape(op, tuple(input._data.shape), tuple(mask._data.shape))
    count = int(xp_of(input._device).broadcast_to(mask._data, shape).sum()) if mask._data.size else 0
    if count > source._data.size:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return mask, _on_device(source, input)


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """``input`` (broadcast with ``mask``) with the elements of ``source``, in order, written where ``mask`` is True.

    Example:
        >>> import tocha
        >>> tocha.masked_scatter(tocha.zeros(4), tocha.tensor([True, False, True, False]), tocha.tensor([1.0, 2.0]))
        tensor([1., 0., 2., 0.])
    """
    mask, source = _masked_scatter_args("masked_scatter", input, mask, source)
    return call(MASKED_SCATTER, input._device, (input, mask, source), ())  # type: ignore[no-any-return]


def argwhere(input: Tensor) -> Tensor:
    """The indices of the non-zero elements of ``input``, one row per element: :func:`tocha.nonzero`.

    Example:
        >>> import tocha
        >>> tocha.argwhere(tocha.tensor([[1, 0], [0, 3]]))
        tensor([[0, 0],
                [1, 1]])
    """
    return nonzero(input)  # type: ignore[no-any-return]


# ------------------------------------------------------------------ Tensor methods


class ScatterMethods(ScatterViewMethods):
    """Tensor methods of the gather/scatter family."""

    __slots__ = ()

    def gather(self: Any, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
        """See :func:`tocha.gather`."""
        return gather(self, dim, index, sparse_grad=sparse_grad)

    def scatter(
        self: Any, dim: int, index: Tensor, src: Any = None, *, value: Any = None, reduce: Any = None
    ) -> Tensor:
        """See :func:`tocha.scatter`."""
        return scatter(self, dim, index, src, value=value, reduce=reduce)

    def scatter_(
        self: Any, dim: int, index: Tensor, src: Any = None, *, value: Any = None, reduce: Any = None
    ) -> Tensor:
        """In-place :func:`tocha.scatter`.

        Example:
            >>> import tocha
            >>> tocha.zeros(3).scatter_(0, tocha.tensor([2]), 7.0)
            tensor([0., 0., 7.])
        """
        index, d, operand = _scatter_parts("scatter_", self, dim, index, src, value)
        return _scatter_call("scatter_", self, d, index, operand, reduce, self)  # type: ignore[no-any-return]

    def scatter_add(self: Any, dim: int, index: Tensor, src: Tensor) -> Tensor:
        """See :func:`tocha.scatter_add`."""
        return scatter_add(self, dim, index, src)

    def scatter_add_(self: Any, dim: int, index: Tensor, src: Tensor) -> Tensor:
        """In-place :func:`tocha.scatter_add`.

        Example:
            >>> import tocha
            >>> tocha.zeros(2).scatter_add_(0, tocha.tensor([1, 1]), tocha.tensor([1.0, 2.0]))
            tensor([0., 3.])
        """
        index, d = _scatter_args("scatter_add_", self, dim, index, src)
        return call_inplace(SCATTER_ADD, self._device, self, (self, index, src), (d,))

    def scatter_reduce(
        self: Any, dim: int, index: Tensor, src: Tensor, reduce: str, *, include_self: bool = True
    ) -> Tensor:
        """See :func:`tocha.scatter_reduce`."""
        return scatter_reduce(self, dim, index, src, reduce, include_self=include_self)

    def scatter_reduce_(
        self: Any, dim: int, index: Tensor, src: Tensor, reduce: str, *, include_self: bool = True
    ) -> Tensor:
        """In-place :func:`tocha.scatter_reduce`.

        Example:
            >>> import tocha
            >>> tocha.ones(2).scatter_reduce_(0, tocha.tensor([0, 0]), tocha.tensor([2.0, 3.0]), "prod")
            tensor([6., 1.])
        """
        how = _reduce_arg("scatter_reduce_", reduce, self)
        index, d = _scatter_args("scatter_reduce_", self, dim, index, src)
        return call_inplace(SCATTER_REDUCE, self._device, self, (self, index, src), (d, how, bool(include_self)))

    def index_add(self: Any, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1) -> Tensor:
        """See :func:`tocha.index_add`."""
        return index_add(self, dim, index, source, alpha=alpha)

    def index_add_(self: Any, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1) -> Tensor:
        """In-place :func:`tocha.index_add`.

        Example:
            >>> import tocha
            >>> tocha.zeros(3).index_add_(0, tocha.tensor([1]), tocha.tensor([5.0]))
            tensor([0., 5., 0.])
        """
        return _index_add("index_add_", self, dim, index, source, alpha, True)

    def index_copy(self: Any, dim: int, index: Tensor, source: Tensor) -> Tensor:
        """See :func:`tocha.index_copy`."""
        return index_copy(self, dim, index, source)

    def index_copy_(self: Any, dim: int, index: Tensor, source: Tensor) -> Tensor:
        """In-place :func:`tocha.index_copy`.

        Example:
            >>> import tocha
            >>> tocha.zeros(3).index_copy_(0, tocha.tensor([0]), tocha.tensor([9.0]))
            tensor([9., 0., 0.])
        """
        return _index_copy("index_copy_", self, dim, index, source, True)

    def index_fill(self: Any, dim: int, index: Tensor, value: Any) -> Tensor:
        """See :func:`tocha.index_fill`."""
        return index_fill(self, dim, index, value)

    def index_fill_(self: Any, dim: int, index: Tensor, value: Any) -> Tensor:
        """In-place :func:`tocha.index_fill`.

        Example:
            >>> import tocha
            >>> tocha.zeros(3).index_fill_(0, tocha.tensor([0, 2]), 1.0)
            tensor([1., 0., 1.])
        """
        return _index_fill("index_fill_", self, dim, index, value, True)

    def index_reduce(
        self: Any, dim: int, index: Tensor, source: Tensor, reduce: str, *, include_self: bool = True
    ) -> Tensor:
        """See :func:`tocha.index_reduce`."""
        return index_reduce(self, dim, index, source, reduce, include_self=include_self)

    def index_reduce_(
        self: Any, dim: int, index: Tensor, source: Tensor, reduce: str, *, include_self: bool = True
    ) -> Tensor:
        """In-place :func:`tocha.index_reduce`.

        Example:
            >>> import tocha
            >>> tocha.ones(2).index_reduce_(0, tocha.tensor([1]), tocha.tensor([5.0]), "amax")
            tensor([1., 5.])
        """
        return _index_reduce("index_reduce_", self, dim, index, source, reduce, include_self, True)

    def take_along_dim(self: Any, indices: Tensor, dim: int | None = None) -> Tensor:
        """See :func:`tocha.take_along_dim`."""
        return take_along_dim(self, indices, dim)

    def put(self: Any, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
        """See :func:`tocha.put`."""
        return put(self, index, source, accumulate)

    def put_(self: Any, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
        """In-place :func:`tocha.put`.

        Example:
            >>> import tocha
            >>> tocha.zeros(2, 2).put_(tocha.tensor([3]), tocha.tensor([1.0]))
            tensor([[0., 0.],
                    [0., 1.]])
        """
        return _put("put_", self, index, source, accumulate, True)

    def masked_scatter(self: Any, mask: Tensor, source: Tensor) -> Tensor:
        """See :func:`tocha.masked_scatter`."""
        return masked_scatter(self, mask, source)

    def masked_scatter_(self: Any, mask: Tensor, source: Tensor) -> Tensor:
        """In-place :func:`tocha.masked_scatter` (``mask`` must broadcast to this tensor's shape).

        Example:
            >>> import tocha
            >>> tocha.zeros(3).masked_scatter_(tocha.tensor([False, True, True]), tocha.tensor([1.0, 2.0]))
            tensor([0., 1., 2.])
        """
        mask, source = _masked_scatter_args("masked_scatter_", self, mask, source)
        shape = tuple(self._data.shape)
        if broadcast_shape("masked_scatter_", shape, tuple(mask._data.shape)) != shape:
            raise RuntimeError(
                f"masked_scatter_(): the mask of shape {list(mask.shape)} must broadcast to the shape {list(shape)} "
                "of the tensor written in place"
            )
        return call_inplace(MASKED_SCATTER, self._device, self, (self, mask, source), ())

    def argwhere(self: Any) -> Tensor:
        """See :func:`tocha.argwhere`."""
        return argwhere(self)
