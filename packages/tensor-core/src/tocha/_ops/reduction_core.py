"""Reductions over dims: sum, mean, prod, max/min, amax/amin, argmax/argmin, all/any.

Shared machinery for the other ``reduction_*`` modules lives here too: the
``dim`` argument's normal form (:func:`axis_of`), and three private primitives
every reduction's vjp is built from (:data:`EXPAND`, :data:`PUT`, :data:`TAKE`).

NOTE [ Reduction axes ]
A public reduction turns ``dim`` into ``axis``: None when every dim is reduced
(``dim=None``, ``dim=()``, all dims listed, or a 0-dim input), else a tuple of
non-negative ints. ``axis=None`` with ``keepdim=False`` is the hot path: NumPy's
``add.reduce`` writes into a fresh 0-dim array (``out=``), which is both the
result PyTorch gives (a 0-dim tensor) and cheaper than boxing a NumPy scalar.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._dispatch import OpRecord, OpTest, call, register_op
from .._dtype import _BOOL, _COMPLEX, _FLOAT, _INT, dtype, int64, uint8
from .._dtype import bool as bool_
from .._gemm import sum_rows
from .._tensor_base import TensorBase, wrap
from . import reduction_types as rt
from ._common import cast_operand, normalize_dim, normalize_dims, type_name
from ._dtypes import FLOATING, FLOATING_COMPLEX, HALF_NUMPY, REAL, REAL_NO_BOOL
from ._rows import row_extreme, row_sum
from .indexing_select import add_at

if TYPE_CHECKING:
    from .._tensor import Tensor

_np = np
_add_reduce: Any = np.add.reduce
_true_divide: Any = np.true_divide
_empty = np.empty
_F32 = np.dtype(np.float32)
_I64 = np.dtype(np.int64)

DimArg = int | Sequence[int] | None

# The dtypes PyTorch accepts, per op family (OpRecord.dtypes); the public functions raise PyTorch's error for the rest.


def widened_reference(fn: Any) -> Any:
    """``fn`` computed on float32 for a float16 input and rounded once, as PyTorch accumulates half sums."""

    def reference(a: Any, *args: Any, **kwargs: Any) -> Any:
        if a.dtype == np.float16:
            return np.asarray(fn(a.astype(np.float32), *args, **kwargs)).astype(np.float16)
        return fn(a, *args, **kwargs)

    return reference


# ------------------------------------------------------------------ helpers


def axis_of(op: str, dim: Any, ndim: int) -> tuple[int, ...] | None:
    """``dim`` in the normal form of NOTE [ Reduction axes ]."""
    if dim is None:
        return None
    if isinstance(dim, (tuple, list)) and not dim:
        return None
    dims = normalize_dims(op, dim, ndim)
    if ndim == 0 or len(dims) == ndim:
        return None
    return dims


def kept_shape(shape: Sequence[int], axis: tuple[int, ...] | None) -> tuple[int, ...]:
    """``shape`` with the reduced dims set to 1 (the ``keepdim=True`` shape)."""
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else s for i, s in enumerate(shape))


def reduced_shape(shape: Sequence[int], axis: tuple[int, ...] | None, keepdim: bool) -> tuple[int, ...]:
    """The shape of a reduction's result."""
    if keepdim:
        return kept_shape(shape, axis)
    if axis is None:
        return ()
    return tuple(s for i, s in enumerate(shape) if i not in axis)


def count_of(shape: Sequence[int], axis: tuple[int, ...] | None) -> int:
    """How many elements each output element reduces."""
    n = 1
    for i, s in enumerate(shape):
        if axis is None or i in axis:
            n *= s
    return n


def first_grad(grad: Any) -> Any:
    """The gradient of output 0 (a multi-output op may receive a tuple)."""
    return grad[0] if isinstance(grad, (tuple, list)) else grad


def as_dtype(t: Tensor, d: dtype | None) -> Tensor:
    """``t`` converted to ``d`` (differentiably) when it differs."""
    if d is None or t._dtype is d:
        return t
    return cast_operand(t, d, t._device)  # type: ignore[no-any-return]


def constant(t: Tensor, array: Any) -> Tensor:
    """A tensor on ``t``'s device around ``array`` (a value the vjp treats as constant)."""
    return wrap(array, t._device)


def check_nonempty(op: str, input: Tensor, axis: tuple[int, ...] | None, dim: Any) -> None:
    """PyTorch's errors for reductions without identity (max, argmax...) over empty dims."""
    shape = input._data.shape
    if axis is None:
        if input._data.size == 0:
            if dim is None or (isinstance(dim, (tuple, list)) and not dim):
                raise RuntimeError(
                    f"{op}(): Expected reduction dim to be specified for input.numel() == 0. "
                    "Specify the reduction dim with the 'dim' argument."
                )
            first = next((i for i, s in enumerate(shape) if s == 0), 0)
            raise IndexError(f"{op}(): Expected reduction dim {first} to have non-zero size.")
        return
    for i in axis:
        if shape[i] == 0:
            raise IndexError(f"{op}(): Expected reduction dim {i} to have non-zero size.")


# ------------------------------------------------------------------ private primitives for vjps


def _expand_forward(xp: Any, g: Any, axis: tuple[int, ...] | None, keepdim: bool, shape: tuple[int, ...]) -> Any:
    if not keepdim:
        g = g.reshape(kept_shape(shape, axis))
    return xp.broadcast_to(g, shape)


def _expand_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    axis, keepdim, _ = ctx.params
    return (call(SUM, grad._device, (grad,), (axis, keepdim, grad._dtype.numpy_dtype)),)


EXPAND = register_op(OpRecord(name="_reduction_expand", forward=_expand_forward, vjp=_expand_vjp, view=True))


def expand_back(grad: Tensor, axis: tuple[int, ...] | None, keepdim: bool, shape: tuple[int, ...]) -> Tensor:
    """A reduction's ``grad`` broadcast back to the input's ``shape`` (a view, as PyTorch's expand)."""
    return call(EXPAND, grad._device, (grad,), (axis, keepdim, tuple(shape)))  # type: ignore[no-any-return]


def _grid(xp: Any, shape: tuple[int, ...], dim: int, idx: Any) -> tuple[Any, ...]:
    ndim = len(shape)
    return tuple(idx if i == dim else xp.arange(s).reshape((s,) + (1,) * (ndim - i - 1)) for i, s in enumerate(shape))


def _put_forward(xp: Any, g: Any, idx: Any, dim: int | None, keepdim: bool, shape: tuple[int, ...]) -> Any:
    out = xp.zeros(shape, g.dtype)
    if dim is None:
        add_at(xp, out.reshape(-1), idx.reshape(-1), xp.broadcast_to(g, idx.shape).reshape(-1))
        return out
    if not keepdim:
        g = xp.expand_dims(g, dim)
        idx = xp.expand_dims(idx, dim)
    add_at(xp, out, _grid(xp, idx.shape, dim, idx), xp.broadcast_to(g, idx.shape))
    return out


def _put_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, None]:
    dim, keepdim, _ = ctx.params
    return take_along(grad, ctx.inputs[1], dim, keepdim), None


def _take_forward(xp: Any, g: Any, idx: Any, dim: int | None, keepdim: bool) -> Any:
    if dim is None:
        return xp.take(g, idx)
    if not keepdim:
        return xp.squeeze(xp.take_along_axis(g, xp.expand_dims(idx, dim), dim), dim)
    return xp.take_along_axis(g, idx, dim)


def _take_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, None]:
    dim, keepdim = ctx.params
    return put_along(grad, ctx.inputs[1], dim, keepdim, ctx.input_shapes[0]), None


PUT = register_op(
    OpRecord(name="_reduction_put", forward=_put_forward, vjp=_put_vjp, saves_inputs=(1,), differentiable_inputs=(0,))
)
TAKE = register_op(
    OpRecord(
        name="_reduction_take", forward=_take_forward, vjp=_take_vjp, saves_inputs=(1,), differentiable_inputs=(0,)
    )
)


def put_along(grad: Tensor, indices: Tensor, dim: int | None, keepdim: bool, shape: tuple[int, ...]) -> Tensor:
    """Zeros of ``shape`` with ``grad`` added at ``indices`` along ``dim`` (flat indices when None).

    The vjp of every value-selecting reduction (max/min with dim, median,
    mode, cummax, quantile); its own vjp is :func:`take_along`.
    """
    return call(PUT, grad._device, (grad, indices), (dim, keepdim, tuple(shape)))  # type: ignore[no-any-return]


def take_along(source: Tensor, indices: Tensor, dim: int | None, keepdim: bool) -> Tensor:
    """``source`` gathered at ``indices`` along ``dim`` (flat indices when None); the vjp of :func:`put_along`."""
    return call(TAKE, source._device, (source, indices), (dim, keepdim))  # type: ignore[no-any-return]


def tie_weights(xp: Any, x: Any, value: Any) -> Any:
    """``1/count`` where ``x`` equals the reduced ``value`` (kept dims), 0 elsewhere (PyTorch's split among ties)."""
    mask = (x == value) | (xp.isnan(x) & xp.isnan(value)) if x.dtype.kind in "fc" else x == value
    axis = tuple(i for i, (s, v) in enumerate(zip(x.shape, value.shape, strict=True)) if v == 1 and s != 1)
    count = mask.sum(axis=axis, keepdims=True) if axis else mask.astype(np.int64)
    return mask / xp.maximum(count, 1)  # a count of 0 has no True in its mask


# ------------------------------------------------------------------ sum / mean / nansum / nanmean / prod


def _sum_forward(xp: Any, a: Any, axis: tuple[int, ...] | None, keepdim: bool, np_dtype: Any) -> Any:
    if np_dtype in HALF_NUMPY:
        return _sum_forward(xp, a, axis, keepdim, _F32).astype(np_dtype)
    if xp is _np:
        if axis is None and not keepdim:
            return _add_reduce(a, None, np_dtype, _empty((), np_dtype))
        if axis is not None and len(axis) == 1 and axis[0] == a.ndim - 1 and a.dtype == np_dtype:
            summed = row_sum(a, keepdim)
            if summed is not None:
                return summed
        return _add_reduce(a, axis, np_dtype, None, keepdim)
    if axis and a.dtype == np_dtype and np_dtype in _GEMV_DTYPES and a.flags.c_contiguous:
        summed = _leading_sum_by_gemv(xp, a, axis, keepdim)
        if summed is not None:
            return summed
    return xp.sum(a, axis=axis, dtype=np_dtype, keepdims=keepdim)


_GEMV_DTYPES = frozenset({np.dtype(np.float32), np.dtype(np.float64)})


def _leading_sum_by_gemv(xp: Any, a: Any, axis: tuple[int, ...], keepdim: bool) -> Any:
    """The sum of C-contiguous ``a`` over its leading axes as ``ones @ a.reshape(m, k)`` on CuPy
    (:func:`tocha.library.sum_rows`), or None (leading and trailing axes: the trailing ones by CuPy's row
    reduction first).

    CuPy reduces an outer axis with each block walking a strided column (a bias gradient's ``(8192, 2048)``
    column sums took about 0.18 ms on an H200); cuBLAS's product reads the rows coalesced.
    """
    lead = 0
    while lead < len(axis) and axis[lead] == lead:
        lead += 1
    tail = axis[lead:]
    if not lead or lead >= a.ndim or tail != tuple(range(a.ndim - len(tail), a.ndim)) or len(tail) + lead >= a.ndim:
        return None
    if tail:  # leading and trailing dims (a conv bias gradient): the trailing rows first, CuPy sums those well
        inner = xp.sum(a, axis=tail)
        summed = _leading_sum_by_gemv(xp, inner, axis[:lead], False)
        if summed is None:
            summed = xp.sum(inner, axis=axis[:lead])
        return summed.reshape(tuple(1 if i in axis else n for i, n in enumerate(a.shape))) if keepdim else summed
    m = math.prod(a.shape[:lead])
    k = a.size // m if m else 0
    if m < 256 or k < 16:
        return None
    out = xp.empty((1,) * lead + a.shape[lead:] if keepdim else a.shape[lead:], dtype=a.dtype)
    sum_rows(xp, a.reshape(m, k), out=out.reshape(k))  # into an array of its own: a leaf's .grad
    return out


def _sum_vjp(ctx: Any, grad: Any) -> tuple[Tensor]:
    axis, keepdim, _ = ctx.params
    g = expand_back(first_grad(grad), axis, keepdim, ctx.input_shapes[0])
    return (as_dtype(g, ctx.input_dtypes[0]),)


def _mean_forward(xp: Any, a: Any, axis: tuple[int, ...] | None, keepdim: bool, np_dtype: Any) -> Any:
    if np_dtype in HALF_NUMPY:
        return _mean_forward(xp, a, axis, keepdim, _F32).astype(np_dtype)
    n = a.size if axis is None else count_of(a.shape, axis)
    s = _sum_forward(xp, a, axis, keepdim, np_dtype)
    if n == 0:
        return xp.true_divide(s, 0).astype(np_dtype)
    if xp is _np:
        return _true_divide(s, n, out=s)
    return xp.true_divide(s, n)


def _mean_vjp(ctx: Any, grad: Any) -> tuple[Tensor]:
    axis, keepdim, _ = ctx.params
    shape = ctx.input_shapes[0]
    n = count_of(shape, axis)
    g = expand_back(first_grad(grad), axis, keepdim, shape)
    return (as_dtype(g * (1.0 / n if n else 0.0), ctx.input_dtypes[0]),)


def _nansum_forward(xp: Any, a: Any, axis: tuple[int, ...] | None, keepdim: bool, np_dtype: Any) -> Any:
    if a.dtype.kind in "fcV":
        a = xp.where(xp.isnan(a), 0, a)
    if np_dtype in HALF_NUMPY and axis is not None and len(axis) > 1:
        # PyTorch reduces one dim at a time (last first), rounding to the half dtype in between.
        for ax in sorted(axis, reverse=True):
            a = _sum_forward(xp, a, (ax,), True, np_dtype)
        return a if keepdim else a.reshape(reduced_shape(a.shape, axis, False))
    return _sum_forward(xp, a, axis, keepdim, np_dtype)


def _nansum_vjp(ctx: Any, grad: Any) -> tuple[Tensor]:
    axis, keepdim, _ = ctx.params
    x = ctx.inputs[0]
    g = expand_back(first_grad(grad), axis, keepdim, ctx.input_shapes[0])
    xp = _xp(x)
    return (as_dtype(g * constant(x, (~xp.isnan(x._data)).astype(x._data.dtype)), ctx.input_dtypes[0]),)


def _nanmean_forward(xp: Any, a: Any, axis: tuple[int, ...] | None, keepdim: bool, np_dtype: Any) -> Any:
    valid = ~xp.isnan(a)
    s = _sum_forward(xp, xp.where(valid, a, 0), axis, keepdim, np_dtype)
    n = _sum_forward(xp, valid, axis, keepdim, _I64)
    return xp.true_divide(s, n).astype(np_dtype)


def _nanmean_vjp(ctx: Any, grad: Any) -> tuple[Tensor]:
    axis, keepdim, _ = ctx.params
    x = ctx.inputs[0]
    xp = _xp(x)
    valid = ~xp.isnan(x._data)
    n = valid.sum(axis=axis, keepdims=True)
    w = xp.where(n == 0, xp.nan, valid / xp.maximum(n, 1)).astype(x._data.dtype)  # all-NaN slices: NaN (PyTorch)
    g = expand_back(first_grad(grad), axis, keepdim, ctx.input_shapes[0])
    return (g * constant(x, w),)


def _prod_forward(xp: Any, a: Any, axis: tuple[int, ...] | None, keepdim: bool, np_dtype: Any) -> Any:
    if np_dtype in HALF_NUMPY:
        return _prod_forward(xp, a, axis, keepdim, _F32).astype(np_dtype)
    return xp.asarray(xp.prod(a, axis=axis, dtype=np_dtype, keepdims=keepdim))


def _prod_of_others(x: Tensor, axis: int | None) -> Tensor:
    """The product of all other elements along ``axis`` (over all of ``x`` when None), from exclusive products
    on both sides: differentiable ops, so that double backward and forward mode see through prod's gradient."""
    from .creation import ones_like
    from .shape_join import cat

    flat = x.reshape(-1) if axis is None else x
    ax = 0 if axis is None else axis
    n = flat.shape[ax]
    ones = ones_like(flat.narrow(ax, 0, 1))
    left = cat([ones, flat.narrow(ax, 0, n - 1)], ax).cumprod(ax)
    right = cat([flat.narrow(ax, 1, n - 1), ones], ax).flip(ax).cumprod(ax).flip(ax)
    return (left * right).reshape(x.shape)


def conj_of(t: Tensor) -> Tensor:
    """``t.conj()`` for complex tensors, ``t`` otherwise (the vjp of a holomorphic op multiplies by conj(f'))."""
    return t.conj() if t._dtype.is_complex else t  # type: ignore[attr-defined,no-any-return]


def _prod_vjp(ctx: Any, grad: Any) -> tuple[Tensor]:
    axis, keepdim, _ = ctx.params
    x = ctx.inputs[0]
    shape = ctx.input_shapes[0]
    g = expand_back(first_grad(grad), axis, keepdim, shape)
    if x._data.size == 0:
        return (as_dtype(g, ctx.input_dtypes[0]),)
    xp = _xp(x)
    if bool(xp.all(x._data != 0)):
        result = expand_back(ctx.result, axis, keepdim, shape)
        return (as_dtype(g * conj_of(result / x), ctx.input_dtypes[0]),)  # type: ignore[operator]
    others = _prod_of_others(x, None if axis is None else axis[0])
    return (as_dtype(g * conj_of(others), ctx.input_dtypes[0]),)


def _xp(t: Tensor) -> Any:
    return t._device._xp or __import__("tocha._backend", fromlist=["xp_of"]).xp_of(t._device)


def _sum_jvp(ctx: Any, tangent: Tensor) -> Tensor:
    return call(SUM, tangent._device, (tangent,), ctx.params)  # type: ignore[no-any-return]


SUM = register_op(
    OpRecord(
        name="sum",
        forward=_sum_forward,
        fp_errors=True,  # inf + -inf gives NaN without NumPy's warning, as in PyTorch
        vjp=_sum_vjp,
        jvp=_sum_jvp,
        test=OpTest(samples="reduction", reference=widened_reference(np.sum), torch_name="sum"),
    )
)


def _mean_jvp(ctx: Any, tangent: Tensor) -> Tensor:
    return call(MEAN, tangent._device, (tangent,), ctx.params)  # type: ignore[no-any-return]


MEAN = register_op(
    OpRecord(
        name="mean",
        forward=_mean_forward,
        fp_errors=True,
        vjp=_mean_vjp,
        jvp=_mean_jvp,
        dtypes=FLOATING_COMPLEX,
        test=OpTest(samples="reduction", reference=np.mean, torch_name="mean"),
    )
)
NANSUM = register_op(
    OpRecord(
        name="nansum",
        forward=_nansum_forward,
        vjp=_nansum_vjp,
        saves_inputs=(0,),
        dtypes=REAL,
        test=OpTest(
            samples="reduction",
            reference=widened_reference(np.nansum),
            torch_name="nansum",
            skips={"forward:float16:dims": "PyTorch rounds to float16 between dims; the NumPy reference does not"},
        ),
    )
)
NANMEAN = register_op(
    OpRecord(
        name="nanmean",
        forward=_nanmean_forward,
        fp_errors=True,
        vjp=_nanmean_vjp,
        saves_inputs=(0,),
        dtypes=FLOATING,
        test=OpTest(samples="reduction", reference=widened_reference(np.nanmean), torch_name="nanmean"),
    )
)
PROD = register_op(
    OpRecord(
        name="prod",
        forward=_prod_forward,
        vjp=_prod_vjp,
        saves_inputs=(0,),
        saves_result=True,
        test=OpTest(samples="reduction_single_dim", reference=np.prod, torch_name="prod"),
    )
)

_FLOATING_OR_COMPLEX = (_FLOAT, _COMPLEX)


def sum_dtype(input: Tensor, dtype_: dtype | None) -> dtype:
    """The result dtype of sum/prod/cumsum: ``dtype`` if given, else int64 for bool and integers."""
    if dtype_ is not None:
        return dtype_
    d = input._dtype
    return int64 if d.category <= _INT else d


def _reduce(
    op: OpRecord, input: Tensor, dim: Any, keepdim: bool, dtype_: dtype | None, *, float_only: str | None = None
) -> Tensor:
    if not isinstance(input, TensorBase):
        raise TypeError(f"{op.name}(): argument 'input' must be Tensor, not {type(input).__name__}")
    axis = axis_of(op.name, dim, input._data.ndim)
    out = sum_dtype(input, dtype_)
    if float_only is not None and out.category not in _FLOATING_OR_COMPLEX:
        raise RuntimeError(float_only.format(type_name(out)))
    if dtype_ is not None and (input._dtype.category > out.category or input._dtype.category == _COMPLEX):
        input = cast_operand(input, out, input._device)
    return call(op, input._device, (input,), (axis, bool(keepdim), out.numpy_dtype))  # type: ignore[no-any-return]


def sum(input: Tensor, dim: DimArg = None, keepdim: bool = False, *, dtype: dtype | None = None) -> Tensor:
    """The sum of ``input`` over ``dim`` (every dim when None).

    Bool and integer inputs sum to int64 unless ``dtype`` is given; floats
    accumulate in their own dtype (float16/bfloat16 in float32).

    Example:
        >>> import tocha
        >>> x = tocha.tensor([[1, 2], [3, 4]])
        >>> tocha.sum(x), tocha.sum(x, dim=0), tocha.sum(x, 1, keepdim=True)
        (tensor(10), tensor([4, 6]), tensor([[3],
                [7]]))
    """
    return _reduce(SUM, input, dim, keepdim, dtype)


def mean(input: Tensor, dim: DimArg = None, keepdim: bool = False, *, dtype: dtype | None = None) -> Tensor:
    """The arithmetic mean over ``dim``; floating or complex inputs (or ``dtype``) only. Empty → nan.

    Example:
        >>> import tocha
        >>> tocha.mean(tocha.tensor([[1.0, 2.0], [3.0, 5.0]]), dim=1)
        tensor([1.5000, 4.0000])
    """
    if dtype is None and input._dtype.category <= _INT:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. "
            f"Got: {type_name(input._dtype)}"
        )
    return _reduce(
        MEAN, input, dim, keepdim, dtype,
        float_only="mean(): could not infer output dtype. Optional dtype must be either a floating point or "
        "complex dtype. Got: {}",
    )  # fmt: skip


def nansum(input: Tensor, dim: DimArg = None, keepdim: bool = False, *, dtype: dtype | None = None) -> Tensor:
    """:func:`sum` treating NaN as zero.

    Example:
        >>> import tocha
        >>> tocha.nansum(tocha.tensor([1.0, float("nan"), 2.0]))
        tensor(3.)
    """
    if input._dtype.category == _COMPLEX:
        raise RuntimeError("nansum does not support complex inputs")
    return _reduce(NANSUM, input, dim, keepdim, dtype)


def nanmean(input: Tensor, dim: DimArg = None, keepdim: bool = False, *, dtype: dtype | None = None) -> Tensor:
    """:func:`mean` of the non-NaN elements.

    Example:
        >>> import tocha
        >>> tocha.nanmean(tocha.tensor([1.0, float("nan"), 2.0]))
        tensor(1.5000)
    """
    if input._dtype.category != _FLOAT:
        raise RuntimeError(
            f"nanmean(): expected input to have floating point or complex dtype but got {type_name(input._dtype)}"
        )
    return _reduce(NANMEAN, input, dim, keepdim, dtype)


def prod(input: Tensor, dim: int | None = None, keepdim: bool = False, *, dtype: dtype | None = None) -> Tensor:
    """The product of the elements (over one ``dim``, or all); bool and integers give int64.

    Example:
        >>> import tocha
        >>> tocha.prod(tocha.tensor([[1, 2], [3, 4]]), 1)
        tensor([ 2, 12])
    """
    if dim is not None and isinstance(dim, (tuple, list)):
        raise TypeError(f"prod(): argument 'dim' must be int, not {type(dim).__name__}")
    return _reduce(PROD, input, dim, keepdim, dtype)


# ------------------------------------------------------------------ amax / amin / max / min / argmax / argmin


def _amax_forward(xp: Any, a: Any, axis: tuple[int, ...] | None, keepdim: bool) -> Any:
    if xp is _np and axis is not None and len(axis) == 1 and axis[0] == a.ndim - 1:
        reduced = row_extreme(a, keepdim, largest=True)
        if reduced is not None:
            return reduced
    return xp.asarray(xp.max(a, axis=axis, keepdims=keepdim))


def _amin_forward(xp: Any, a: Any, axis: tuple[int, ...] | None, keepdim: bool) -> Any:
    if xp is _np and axis is not None and len(axis) == 1 and axis[0] == a.ndim - 1:
        reduced = row_extreme(a, keepdim, largest=False)
        if reduced is not None:
            return reduced
    return xp.asarray(xp.min(a, axis=axis, keepdims=keepdim))


def _extreme_vjp(ctx: Any, grad: Any) -> tuple[Tensor]:
    axis, keepdim = ctx.params
    x = ctx.inputs[0]
    shape = ctx.input_shapes[0]
    xp = _xp(x)
    value = ctx.result._data
    if not keepdim:
        value = value.reshape(kept_shape(shape, axis))
    w = tie_weights(xp, x._data, value).astype(x._data.dtype)
    return (expand_back(first_grad(grad), axis, keepdim, shape) * constant(x, w),)


def _extreme_test(name: str) -> OpTest:
    return OpTest(samples="reduction", reference=getattr(np, name), torch_name=name)


AMAX = register_op(
    OpRecord(name="amax", forward=_amax_forward, vjp=_extreme_vjp, saves_inputs=(0,), saves_result=True,
             dtypes=REAL, test=_extreme_test("amax"))
)  # fmt: skip
AMIN = register_op(
    OpRecord(name="amin", forward=_amin_forward, vjp=_extreme_vjp, saves_inputs=(0,), saves_result=True,
             dtypes=REAL, test=_extreme_test("amin"))
)  # fmt: skip


def _max_dim_forward(xp: Any, a: Any, dim: int, keepdim: bool) -> Any:
    if a.ndim == 0:
        return a.copy(), xp.zeros((), np.int64)
    idx = xp.argmax(a, axis=dim, keepdims=True)
    values = xp.take_along_axis(a, idx, dim)
    if not keepdim:
        values, idx = xp.squeeze(values, dim), xp.squeeze(idx, dim)
    return values, idx.astype(np.int64, copy=False)


def _min_dim_forward(xp: Any, a: Any, dim: int, keepdim: bool) -> Any:
    if a.ndim == 0:
        return a.copy(), xp.zeros((), np.int64)
    idx = xp.argmin(a, axis=dim, keepdims=True)
    values = xp.take_along_axis(a, idx, dim)
    if not keepdim:
        values, idx = xp.squeeze(values, dim), xp.squeeze(idx, dim)
    return values, idx.astype(np.int64, copy=False)


def select_vjp(ctx: Any, grad: Any) -> tuple[Tensor]:
    """vjp of a (values, indices) reduction along ``ctx.params[0]``: grad goes to the indices."""
    dim, keepdim = ctx.params[0], ctx.params[1]
    shape = ctx.input_shapes[0]
    if len(shape) == 0:
        dim = None
    return (put_along(first_grad(grad), ctx.result[1], dim, keepdim, shape),)


MAX_DIM = register_op(
    OpRecord(name="max", forward=_max_dim_forward, vjp=select_vjp, saves_result=True, num_outputs=2,
             differentiable_outputs=(0,), dtypes=REAL,
             test=OpTest(samples="reduction_dim_values_indices", torch_name="max"))
)  # fmt: skip
MIN_DIM = register_op(
    OpRecord(name="min", forward=_min_dim_forward, vjp=select_vjp, saves_result=True, num_outputs=2,
             differentiable_outputs=(0,), dtypes=REAL,
             test=OpTest(samples="reduction_dim_values_indices", torch_name="min"))
)  # fmt: skip


def _arg_forward(xp: Any, a: Any, dim: int | None, keepdim: bool, largest: bool) -> Any:
    f = xp.argmax if largest else xp.argmin
    if a.ndim == 0:
        return xp.zeros((), np.int64)
    return xp.asarray(f(a, axis=dim, keepdims=keepdim)).astype(np.int64, copy=False)


ARG = register_op(
    OpRecord(
        name="argmax",
        forward=_arg_forward,
        dtypes=REAL_NO_BOOL,
        test=OpTest(samples="reduction_single_dim", torch_name="argmax"),
    )
)


def _check_not_complex(op: str, input: Tensor, error: type[Exception] = NotImplementedError) -> None:
    """PyTorch's refusal of complex inputs: NotImplementedError (its kernels have no complex form), RuntimeError for
    argmax/argmin."""
    if input._dtype.category == _COMPLEX:
        raise error(f"{op}(): does not support complex input ({type_name(input._dtype)})")


def amax(input: Tensor, dim: DimArg = (), keepdim: bool = False) -> Tensor:
    """The maximum over ``dim`` (all dims when empty); NaN propagates. Gradient split evenly among ties.

    Example:
        >>> import tocha
        >>> tocha.amax(tocha.tensor([[1, 5], [3, 2]]), dim=0)
        tensor([3, 5])
    """
    _check_not_complex("amax", input)
    axis = axis_of("amax", dim, input._data.ndim)
    check_nonempty("amax", input, axis, dim)
    return call(AMAX, input._device, (input,), (axis, bool(keepdim)))  # type: ignore[no-any-return]


def amin(input: Tensor, dim: DimArg = (), keepdim: bool = False) -> Tensor:
    """The minimum over ``dim`` (all dims when empty); NaN propagates.

    Example:
        >>> import tocha
        >>> tocha.amin(tocha.tensor([[1, 5], [3, 2]]), dim=1)
        tensor([1, 2])
    """
    _check_not_complex("amin", input)
    axis = axis_of("amin", dim, input._data.ndim)
    check_nonempty("amin", input, axis, dim)
    return call(AMIN, input._device, (input,), (axis, bool(keepdim)))  # type: ignore[no-any-return]


def _max_min(name: str, input: Tensor, dim: Any, keepdim: bool, other: Any) -> Any:
    if isinstance(dim, TensorBase):
        other, dim = dim, None
    if other is not None:
        from . import elementwise

        fn = getattr(elementwise, "maximum" if name == "max" else "minimum", None)
        if fn is None:
            raise NotImplementedError(f"{name}(input, other) needs tocha.{'maximum' if name == 'max' else 'minimum'}")
        return fn(input, other)
    _check_not_complex(name, input, NotImplementedError if dim is None else RuntimeError)  # PyTorch's two kernels
    if dim is None:
        check_nonempty(name, input, None, None)
        return call(AMAX if name == "max" else AMIN, input._device, (input,), (None, False))
    ndim = input._data.ndim
    d = normalize_dim(name, dim, ndim)
    if ndim and input._data.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    op = MAX_DIM if name == "max" else MIN_DIM
    values, indices = call(op, input._device, (input,), (d, bool(keepdim)))
    return (rt.max if name == "max" else rt.min)(values, indices)


def max(input: Tensor, dim: Any = None, keepdim: bool = False, *, other: Any = None) -> Any:
    """The maximum: of all elements (a 0-dim tensor), along ``dim`` (values, indices), or elementwise.

    Example:
        >>> import tocha
        >>> x = tocha.tensor([[1.0, 5.0], [3.0, 2.0]])
        >>> tocha.max(x)
        tensor(5.)
        >>> tocha.max(x, dim=1).indices
        tensor([1, 0])
    """
    return _max_min("max", input, dim, keepdim, other)


def min(input: Tensor, dim: Any = None, keepdim: bool = False, *, other: Any = None) -> Any:
    """The minimum: of all elements, along ``dim`` (values, indices), or elementwise.

    Example:
        >>> import tocha
        >>> values, indices = tocha.min(tocha.tensor([[1.0, 5.0], [3.0, 2.0]]), 0)
        >>> values, indices
        (tensor([1., 2.]), tensor([0, 1]))
    """
    return _max_min("min", input, dim, keepdim, other)


def aminmax(input: Tensor, *, dim: int | None = None, keepdim: bool = False) -> rt.aminmax:
    """``(min, max)`` over ``dim`` (all elements when None).

    Example:
        >>> import tocha
        >>> tocha.aminmax(tocha.tensor([3, 1, 4]))
        tocha.return_types.aminmax(
        min=tensor(1),
        max=tensor(4))
    """
    _check_not_complex("aminmax", input)
    axis = None if dim is None else axis_of("aminmax", dim, input._data.ndim)
    if input._data.size == 0 and (dim is None or input._data.ndim == 0 or input._data.shape[axis[0]] == 0):  # type: ignore[index]
        raise RuntimeError(
            "aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity."
        )
    params = (axis, bool(keepdim))
    return rt.aminmax(call(AMIN, input._device, (input,), params), call(AMAX, input._device, (input,), params))


def _arg(name: str, input: Tensor, dim: int | None, keepdim: bool) -> Tensor:
    _check_not_complex(name, input, RuntimeError)
    if input._dtype.category == _BOOL:
        raise RuntimeError(f"{name}(): does not support bool input")
    ndim = input._data.ndim
    if dim is None:
        if input._data.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        if keepdim:
            result = call(ARG, input._device, (input,), (None, True, name == "argmax"))
            return result  # type: ignore[no-any-return]
        return call(ARG, input._device, (input,), (None, False, name == "argmax"))  # type: ignore[no-any-return]
    d = normalize_dim(name, dim, ndim)
    if ndim and input._data.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    return call(ARG, input._device, (input,), (d if ndim else None, bool(keepdim), name == "argmax"))  # type: ignore[no-any-return]


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """The index (int64) of the maximum along ``dim``; of the flattened tensor when ``dim`` is None.

    Example:
        >>> import tocha
        >>> tocha.argmax(tocha.tensor([[1, 5], [3, 2]])), tocha.argmax(tocha.tensor([[1, 5], [3, 2]]), 0)
        (tensor(1), tensor([1, 0]))
    """
    return _arg("argmax", input, dim, keepdim)


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """The index (int64) of the minimum along ``dim``; of the flattened tensor when ``dim`` is None.

    Example:
        >>> import tocha
        >>> tocha.argmin(tocha.tensor([[1, 5], [3, 2]]), dim=1, keepdim=True)
        tensor([[0],
                [1]])
    """
    return _arg("argmin", input, dim, keepdim)


# ------------------------------------------------------------------ all / any / count_nonzero


def _all_forward(xp: Any, a: Any, axis: tuple[int, ...] | None, keepdim: bool) -> Any:
    result = xp.asarray(xp.all(a, axis=axis, keepdims=keepdim))
    return result.astype(np.uint8) if a.dtype == np.uint8 else result


def _any_forward(xp: Any, a: Any, axis: tuple[int, ...] | None, keepdim: bool) -> Any:
    result = xp.asarray(xp.any(a, axis=axis, keepdims=keepdim))
    return result.astype(np.uint8) if a.dtype == np.uint8 else result


def _count_nonzero_forward(xp: Any, a: Any, axis: tuple[int, ...] | None) -> Any:
    return xp.asarray(xp.count_nonzero(a, axis=axis)).astype(np.int64, copy=False)


ALL = register_op(
    OpRecord(name="all", forward=_all_forward, test=OpTest(samples="reduction", reference=np.all, torch_name="all"))
)
ANY = register_op(
    OpRecord(name="any", forward=_any_forward, test=OpTest(samples="reduction", reference=np.any, torch_name="any"))
)
COUNT_NONZERO = register_op(
    OpRecord(
        name="count_nonzero",
        forward=_count_nonzero_forward,
        test=OpTest(samples="reduction_no_keepdim", reference=np.count_nonzero, torch_name="count_nonzero"),
    )
)


def all(input: Tensor, dim: DimArg = None, keepdim: bool = False) -> Tensor:
    """Whether every element over ``dim`` is nonzero (bool; uint8 inputs give uint8, as PyTorch).

    Example:
        >>> import tocha
        >>> tocha.all(tocha.tensor([[True, False], [True, True]]), dim=1)
        tensor([False,  True])
    """
    axis = axis_of("all", dim, input._data.ndim)
    return call(ALL, input._device, (input,), (axis, bool(keepdim)))  # type: ignore[no-any-return]


def any(input: Tensor, dim: DimArg = None, keepdim: bool = False) -> Tensor:
    """Whether some element over ``dim`` is nonzero (bool; uint8 inputs give uint8).

    Example:
        >>> import tocha
        >>> tocha.any(tocha.tensor([0, 0, 3]))
        tensor(True)
    """
    axis = axis_of("any", dim, input._data.ndim)
    return call(ANY, input._device, (input,), (axis, bool(keepdim)))  # type: ignore[no-any-return]


def count_nonzero(input: Tensor, dim: DimArg = None) -> Tensor:
    """The number (int64) of nonzero elements over ``dim``.

    Example:
        >>> import tocha
        >>> tocha.count_nonzero(tocha.tensor([[0, 1], [2, 3]]), dim=0)
        tensor([1, 2])
    """
    axis = axis_of("count_nonzero", dim, input._data.ndim)
    return call(COUNT_NONZERO, input._device, (input,), (axis,))  # type: ignore[no-any-return]


def _hash_tensor_forward(xp: Any, a: Any, axis: tuple[int, ...] | None, keepdim: bool) -> Any:
    # Floats widen to float64 and integers to int64, whose bits are XORed as uint64 (PyTorch's mode 0).
    wide = a.astype(np.int64 if a.dtype.kind in "biu" else np.float64).view(np.uint64)
    if xp is np:
        xor: Any = np.bitwise_xor
        return np.asarray(xor.reduce(wide, axis=axis, keepdims=keepdim))
    return _xor_by_halving(xp, wide, axis, keepdim)  # CuPy has no bitwise_xor.reduce


def _xor_by_halving(xp: Any, wide: Any, axis: tuple[int, ...] | None, keepdim: bool) -> Any:
    """XOR of ``wide`` over ``axis`` as log2(n) element-wise XORs of one half of the reduced elements into the other."""
    reduced = tuple(range(wide.ndim)) if axis is None else tuple(sorted(a % wide.ndim for a in axis))
    kept = tuple(a for a in range(wide.ndim) if a not in reduced)
    kept_shape = tuple(wide.shape[a] for a in kept)
    count = math.prod(wide.shape[a] for a in reduced)
    rows = wide.transpose(kept + reduced).reshape(*kept_shape, count)
    if count == 0:
        result = xp.zeros(kept_shape, dtype=np.uint64)
    else:
        while count > 1:
            half = count // 2
            folded = rows[..., :half] ^ rows[..., half : 2 * half]
            if count % 2:
                folded[..., :1] ^= rows[..., count - 1 :]
            rows, count = folded, half
        result = rows[..., 0]
    if keepdim:
        result = result.reshape(tuple(1 if a in reduced else n for a, n in enumerate(wide.shape)))
    return xp.asarray(result)


def _hash_tensor_reference(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    values = np.asarray(a)
    wide = values.astype(np.int64 if values.dtype.kind in "biu" else np.float64).view(np.uint64)
    if axis is None:
        return np.asarray(np.bitwise_xor.reduce(wide.reshape(-1)))  # an array: a NumPy scalar would become int64
    xor: Any = np.bitwise_xor
    return np.asarray(xor.reduce(wide, axis=axis, keepdims=keepdims))


HASH_TENSOR = register_op(
    OpRecord(
        name="hash_tensor",
        forward=_hash_tensor_forward,
        dtypes=REAL,
        test=OpTest(samples="reduction", reference=_hash_tensor_reference, torch_name="hash_tensor"),
    )
)
_HASHABLE = frozenset(REAL)


def hash_tensor(input: Tensor, dim: DimArg = None, *, keepdim: bool = False, mode: int = 0) -> Tensor:
    """A uint64 hash of the elements over ``dim`` (all of them by default): their bits, after widening floats to
    float64 and integers to int64, combined by XOR (``mode=0``, the only mode, as in PyTorch).

    Equal tensors hash equally whatever their order along ``dim``; this is a quick fingerprint, not a
    cryptographic hash.

    Example:
        >>> import tocha
        >>> tocha.hash_tensor(tocha.tensor([1, 2, 3]))
        tensor(0, dtype=tocha.uint64)
        >>> tocha.hash_tensor(tocha.tensor([[1, 2], [3, 4]]), dim=1)
        tensor([3, 7], dtype=tocha.uint64)
    """
    if mode != 0:
        raise RuntimeError(f"Unknown hash_tensor mode: {mode}")
    if input._dtype not in _HASHABLE:
        raise NotImplementedError(f"\"hash_tensor\" not implemented for '{type_name(input._dtype)}'")
    if input._data.size == 0 and (dim is None or (isinstance(dim, (tuple, list)) and not dim)):
        raise RuntimeError(
            "hash_tensor: Expected reduction dim to be specified for input.numel() == 0. Specify the reduction "
            "dim with the 'dim' argument."
        )
    axis = axis_of("hash_tensor", dim, input._data.ndim)
    for d in range(input._data.ndim) if axis is None else axis:
        if input._data.shape[d] == 0:
            raise IndexError(f"hash_tensor: Expected reduction dim {d} to have non-zero size.")
    return call(HASH_TENSOR, input._device, (input,), (axis, keepdim))  # type: ignore[no-any-return]


_UNUSED = (_BOOL, bool_, uint8)
