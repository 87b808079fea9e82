"""Statistical reductions: std/var, norm, logsumexp, median/nanmedian, mode, quantile/nanquantile."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .._dispatch import OpRecord, OpTest, call, register_op
from .._dtype import _BOOL, _COMPLEX, _FLOAT, dtype, float32, float64, get_default_dtype, int64
from .._tensor_base import TensorBase
from . import reduction_types as rt
from ._common import normalize_dim, type_name
from ._dtypes import FLOATING_COMPLEX, REAL, REAL_NO_BOOL
from ._rows import row_extreme, row_sum
from .reduction_core import (
    DimArg,
    _xp,
    as_dtype,
    axis_of,
    check_nonempty,
    conj_of,
    constant,
    count_of,
    expand_back,
    first_grad,
    kept_shape,
    put_along,
    select_vjp,
    tie_weights,
    widened_reference,
)
from .reduction_cum import running_extreme
from .sorting import sort_keys

if TYPE_CHECKING:
    from .._tensor import Tensor

# ------------------------------------------------------------------ var / std


def _var_forward(
    xp: Any, a: Any, axis: tuple[int, ...] | None, correction: float, keepdim: bool, root: bool = False
) -> Any:
    work = a.astype(np.float32) if a.dtype.itemsize == 2 else a
    n = count_of(a.shape, axis)
    centred = work - xp.sum(work, axis=axis, keepdims=True) / n
    sq = (centred * centred.conj()).real if centred.dtype.kind == "c" else centred * centred
    result = xp.asarray(xp.sum(sq, axis=axis, keepdims=keepdim) / builtin_max(n - correction, 0))
    if root:  # before rounding to a half type, as PyTorch's std: one rounding, not two
        result = xp.sqrt(result)
    real = a.real.dtype if a.dtype.kind == "c" else a.dtype
    return result.astype(real, copy=False)


def _std_forward(xp: Any, a: Any, axis: tuple[int, ...] | None, correction: float, keepdim: bool) -> Any:
    return _var_forward(xp, a, axis, correction, keepdim, root=True)


def builtin_max(a: float, b: float) -> float:
    """The larger of two numbers (``max`` is shadowed by the reduction of that name)."""
    return a if a >= b else b


def _var_grad(ctx: Any, g: Tensor) -> Tensor:
    axis, correction, keepdim = ctx.params
    x = ctx.inputs[0]
    shape = ctx.input_shapes[0]
    n = count_of(shape, axis)
    from .reduction_core import MEAN

    m = call(MEAN, x._device, (x,), (axis, True, x._dtype.numpy_dtype))
    divisor = builtin_max(n - correction, 0)
    scale = 2.0 / divisor if divisor else math.inf
    return expand_back(g, axis, keepdim, shape) * (x - m) * scale  # type: ignore[no-any-return]


def _var_vjp(ctx: Any, grad: Any) -> tuple[Tensor]:
    return (_var_grad(ctx, first_grad(grad)),)


def _std_vjp(ctx: Any, grad: Any) -> tuple[Tensor]:
    from .elementwise import where

    zero = ctx.result == 0  # PyTorch's gradient of a zero deviation is 0 (not 0/0)
    doubled = where(zero, 1.0, ctx.result * 2.0)
    return (_var_grad(ctx, where(zero, 0.0, first_grad(grad) / doubled)),)


def _ddof_reference(fn: Any) -> Any:
    """NumPy's ``fn`` with ``ddof`` taken from PyTorch's ``correction`` (default 1)."""

    def reference(a: Any, *args: Any, **kwargs: Any) -> Any:
        # The op database passes ``correction`` on as NumPy's ``ddof``; without one PyTorch's default is 1.
        kwargs.setdefault("ddof", kwargs.pop("correction", 1))
        return fn(a, *args, **kwargs)

    return reference


_VAR_REF = widened_reference(_ddof_reference(np.var))
_STD_REF = widened_reference(_ddof_reference(np.std))
VAR = register_op(
    OpRecord(name="var", forward=_var_forward, fp_errors=True, vjp=_var_vjp, saves_inputs=(0,),
             dtypes=FLOATING_COMPLEX,
             test=OpTest(samples="reduction_correction", reference=_VAR_REF, torch_name="var"))
)  # fmt: skip
STD = register_op(
    OpRecord(name="std", forward=_std_forward, fp_errors=True, vjp=_std_vjp, saves_inputs=(0,), saves_result=True,
             dtypes=FLOATING_COMPLEX,
             test=OpTest(samples="reduction_correction", reference=_STD_REF, torch_name="std"))
)  # fmt: skip


def _var_args(op: str, input: Tensor, dim: Any, unbiased: Any, correction: Any) -> tuple[Any, float]:
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise RuntimeError(f"{op}(): cannot specify both 'unbiased' and 'correction'")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    if input._dtype.category not in (_FLOAT, _COMPLEX):
        raise RuntimeError(
            f"{op}(): std and var only support floating point and complex dtypes, got {type_name(input._dtype)}"
        )
    return axis_of(op, dim, input._data.ndim), float(correction)


def var(
    input: Tensor,
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
) -> Tensor:
    """The variance over ``dim``: ``sum(|x - mean|²) / max(N - correction, 0)`` (Bessel's correction by default).

    ``var(x, dim, unbiased)`` (PyTorch's legacy form) means ``correction=int(unbiased)``.

    Example:
        >>> import tocha
        >>> x = tocha.tensor([[1.0, 2.0], [3.0, 5.0]])
        >>> tocha.var(x), tocha.var(x, 1, correction=0)
        (tensor(2.9167), tensor([0.2500, 1.0000]))
    """
    axis, c = _var_args("var", input, dim, unbiased, correction)
    return call(VAR, input._device, (input,), (axis, c, bool(keepdim)))  # type: ignore[no-any-return]


def std(
    input: Tensor,
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
) -> Tensor:
    """The standard deviation over ``dim``: the square root of :func:`var`.

    Example:
        >>> import tocha
        >>> tocha.std(tocha.tensor([1.0, 2.0, 3.0, 4.0]), unbiased=False)
        tensor(1.1180)
    """
    axis, c = _var_args("std", input, dim, unbiased, correction)
    return call(STD, input._device, (input,), (axis, c, bool(keepdim)))  # type: ignore[no-any-return]


def _mean_of(input: Tensor, dim: Any, keepdim: bool) -> Tensor:
    from .reduction_core import mean

    return mean(input, None if isinstance(dim, bool) else dim, keepdim)


def var_mean(
    input: Tensor,
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
) -> tuple[Tensor, Tensor]:
    """``(var, mean)`` over ``dim``, as PyTorch's ``var_mean``.

    Example:
        >>> import tocha
        >>> tocha.var_mean(tocha.tensor([1.0, 2.0, 3.0]))
        (tensor(1.), tensor(2.))
    """
    return var(input, dim, unbiased, keepdim, correction=correction), _mean_of(input, dim, keepdim)


def std_mean(
    input: Tensor,
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
) -> tuple[Tensor, Tensor]:
    """``(std, mean)`` over ``dim``, as PyTorch's ``std_mean``.

    Example:
        >>> import tocha
        >>> tocha.std_mean(tocha.tensor([1.0, 2.0, 3.0]), correction=0)
        (tensor(0.8165), tensor(2.))
    """
    return std(input, dim, unbiased, keepdim, correction=correction), _mean_of(input, dim, keepdim)


# ------------------------------------------------------------------ norm


def _norm_forward(xp: Any, a: Any, p: float, axis: tuple[int, ...] | None, keepdim: bool) -> Any:
    work = a.astype(np.float32) if a.dtype.itemsize == 2 else a
    x = xp.abs(work)
    if p == math.inf:
        r = xp.max(x, axis=axis, keepdims=keepdim) if x.size else xp.zeros(_shape(x.shape, axis, keepdim), x.dtype)
    elif p == -math.inf:
        r = xp.min(x, axis=axis, keepdims=keepdim)
    elif p == 0:
        r = xp.sum(x != 0, axis=axis, keepdims=keepdim).astype(x.dtype)
    elif p == 1:
        r = xp.sum(x, axis=axis, keepdims=keepdim)
    elif p == 2:
        r = xp.sqrt(xp.sum(x * x, axis=axis, keepdims=keepdim))
    else:
        r = xp.sum(x**p, axis=axis, keepdims=keepdim) ** (1.0 / p)
    return xp.asarray(r).astype(x.dtype if a.dtype.itemsize != 2 else a.dtype, copy=False)


def _shape(shape: tuple[int, ...], axis: tuple[int, ...] | None, keepdim: bool) -> tuple[int, ...]:
    from .reduction_core import reduced_shape

    return reduced_shape(shape, axis, keepdim)


def _norm_vjp(ctx: Any, grad: Any) -> tuple[Tensor | None]:
    p, axis, keepdim = ctx.params
    x = ctx.inputs[0]
    shape = ctx.input_shapes[0]
    g = expand_back(first_grad(grad), axis, keepdim, shape)
    xp = _xp(x)
    norm = ctx.result._data if keepdim else ctx.result._data.reshape(kept_shape(shape, axis))
    from .elementwise import sgn, where

    if p == 0:  # piecewise constant: PyTorch gives no gradient at all (``x.grad`` stays None)
        return (None,)
    if p == 1:  # sgn is recorded: for complex x its derivative is not zero (double backward)
        return (g * sgn(x),)
    if p in (math.inf, -math.inf):
        w = tie_weights(xp, xp.abs(x._data), norm)
        return (g * constant(x, w.astype(x._data.dtype)) * sgn(x),)
    # p = 2 and general p are written with tocha ops on the saved result, so that they differentiate again.

    result = ctx.result if keepdim else ctx.result.reshape(kept_shape(shape, axis))
    zero = result == 0
    nonzero = where(zero, 1.0, result)  # masked entries' own derivatives stay finite (forward mode, double backward)
    if p == 2:
        return (x * where(zero, 0.0, g / nonzero),)
    # general p: sgn(x) |x|^(p-1) / norm^(p-1), and 0 where x or the norm is 0
    magnitude = where(x == 0, 0.0, where(x == 0, 1.0, x).abs() ** (p - 1))
    return (sgn(x) * magnitude * where(zero, 0.0, g / nonzero ** (p - 1)),)


NORM = register_op(
    OpRecord(name="norm", forward=_norm_forward, fp_errors=True, vjp=_norm_vjp, saves_inputs=(0,), saves_result=True,
             dtypes=FLOATING_COMPLEX, test=OpTest(samples="reduction_norm", reference=None, torch_name="norm"))
)  # fmt: skip


def norm(
    input: Tensor, p: Any = "fro", dim: DimArg = None, keepdim: bool = False, dtype: dtype | None = None
) -> Tensor:
    """The vector ``p``-norm over ``dim``: ``(sum |x|^p)^(1/p)``; ``inf``/``-inf`` give max/min ``|x|``.

    ``p='fro'`` is the 2-norm (of the flattened tensor when ``dim`` is None).

    Example:
        >>> import tocha
        >>> x = tocha.tensor([[3.0, -4.0], [0.0, 1.0]])
        >>> tocha.norm(x), tocha.norm(x, p=1, dim=1), tocha.norm(x, float("inf"))
        (tensor(5.0990), tensor([7., 1.]), tensor(4.))
    """
    if p == "fro" or p is None:
        p = 2.0
    elif isinstance(p, str):
        raise RuntimeError(f"norm(): p={p!r} is not supported (only numbers, 'fro')")
    if dtype is not None:
        input = as_dtype(input, dtype)
    if input._dtype.category not in (_FLOAT, _COMPLEX):
        raise RuntimeError(
            f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got {type_name(input._dtype)}"
        )
    axis = axis_of("norm", dim, input._data.ndim)
    if float(p) == -math.inf:
        check_nonempty("norm", input, axis, dim)
    return call(NORM, input._device, (input,), (float(p), axis, bool(keepdim)))  # type: ignore[no-any-return]


# ------------------------------------------------------------------ logsumexp


def _logsumexp_forward(xp: Any, a: Any, axis: tuple[int, ...] | None, keepdim: bool) -> Any:
    work = a.astype(np.float32) if a.dtype.itemsize == 2 else a
    if work.size == 0:
        return xp.full(_shape(a.shape, axis, keepdim), -xp.inf, a.dtype)
    # A complex input shifts by its largest real part, so the result's imaginary part is the principal one (PyTorch).
    rows = xp is np and work.dtype.kind == "f" and axis is not None and axis == (a.ndim - 1,)
    m = row_extreme(work, True, largest=True) if rows else None  # NOTE [ Short rows on NumPy ]
    if m is None:
        m = xp.max(work.real if work.dtype.kind == "c" else work, axis=axis, keepdims=True)
    m = xp.where(xp.isfinite(m), m, 0)
    shifted = xp.exp(work - m)
    total = row_sum(shifted, True) if rows else None
    if total is None:
        total = xp.sum(shifted, axis=axis, keepdims=True)
    r = xp.log(total) + m
    if not keepdim:
        r = r.reshape(_shape(a.shape, axis, False))
    return r.astype(a.dtype, copy=False)


def _logsumexp_vjp(ctx: Any, grad: Any) -> tuple[Tensor]:
    axis, keepdim = ctx.params
    x = ctx.inputs[0]
    shape = ctx.input_shapes[0]
    g = expand_back(first_grad(grad), axis, keepdim, shape)
    r = expand_back(ctx.result, axis, keepdim, shape)
    return (g * conj_of((x - r).exp()),)  # type: ignore[attr-defined]


def _logsumexp_samples(device: Any, d: dtype) -> Any:
    """The op database's reduction samples that name a dim (``logsumexp`` requires one, as PyTorch's does)."""
    from ..testing import SampleInput, make_tensor

    def make(*shape: int, noncontiguous: bool = False) -> Any:
        return make_tensor(*shape, dtype=d, device=device, noncontiguous=noncontiguous)

    yield SampleInput(make(3, 4), kwargs={"dim": 1}, name="dim")
    yield SampleInput(make(3, 4), kwargs={"dim": -2}, name="dim-negative")
    yield SampleInput(make(3, 4), kwargs={"dim": 0, "keepdim": True}, name="keepdim")
    yield SampleInput(make(2, 3, 2, noncontiguous=True), kwargs={"dim": 1}, name="noncontiguous")
    yield SampleInput(make(0, 3), kwargs={"dim": 1}, name="empty")
    yield SampleInput(make(), kwargs={"dim": 0}, name="0-dim")
    yield SampleInput(make(2, 3, 4), kwargs={"dim": (0, 2)}, name="dims")


LOGSUMEXP = register_op(
    OpRecord(name="logsumexp", forward=_logsumexp_forward, fp_errors=True, vjp=_logsumexp_vjp, saves_inputs=(0,),
             saves_result=True,
             test=OpTest(samples=_logsumexp_samples, torch_name="logsumexp"))
)  # fmt: skip


def logsumexp(input: Tensor, dim: DimArg = (), keepdim: bool = False) -> Tensor:
    """``log(sum(exp(x)))`` over ``dim``, computed stably (the maximum is factored out); ints give float.

    Example:
        >>> import tocha
        >>> tocha.logsumexp(tocha.tensor([100.0, 100.0]), 0)
        tensor(100.6931)
    """
    if input._dtype.category < _FLOAT:
        input = as_dtype(input, get_default_dtype())
    axis = axis_of("logsumexp", dim, input._data.ndim)
    return call(LOGSUMEXP, input._device, (input,), (axis, bool(keepdim)))  # type: ignore[no-any-return]


# ------------------------------------------------------------------ median / nanmedian / mode


def _median_dim_forward(xp: Any, a: Any, dim: int | None, keepdim: bool, ignore_nan: bool) -> Any:
    if a.ndim == 0:
        return a.copy(), xp.zeros((), np.int64)
    order = xp.argsort(sort_keys(a), axis=dim, kind="stable")
    n = a.shape[dim]
    if a.dtype.kind in "fV":
        nans = xp.isnan(a).sum(axis=dim, keepdims=True)
        if ignore_nan:
            k = xp.maximum(n - nans - 1, 0) // 2
        else:
            k = xp.where(nans > 0, n - nans, (n - 1) // 2)
    else:
        k = xp.full(kept_shape(a.shape, (dim,) if dim is not None else None), (n - 1) // 2, np.int64)
    idx = xp.take_along_axis(order, k.astype(order.dtype), dim)
    values = xp.take_along_axis(a, idx, dim)
    if not keepdim:
        values, idx = xp.squeeze(values, dim), xp.squeeze(idx, dim)
    return values, idx.astype(np.int64, copy=False)


def _median_all_forward(xp: Any, a: Any, ignore_nan: bool) -> Any:
    flat = a.reshape(-1)
    if flat.size == 0:
        return xp.full((), xp.nan, a.dtype)
    values, _ = _median_dim_forward(xp, flat, 0, False, ignore_nan)
    return values


def _median_all_vjp(ctx: Any, grad: Any) -> tuple[Tensor]:
    x = ctx.inputs[0]
    shape = ctx.input_shapes[0]
    value = ctx.result._data.reshape((1,) * len(shape))
    w = tie_weights(_xp(x), x._data, value).astype(x._data.dtype)
    return (expand_back(first_grad(grad), None, False, shape) * constant(x, w),)


MEDIAN_DIM = register_op(
    OpRecord(name="median", forward=_median_dim_forward, vjp=select_vjp, saves_result=True, num_outputs=2,
             differentiable_outputs=(0,), dtypes=REAL_NO_BOOL,
             test=OpTest(samples="reduction_dim_values_indices", torch_name="median"))
)  # fmt: skip
MEDIAN_ALL = register_op(
    OpRecord(name="median_all", forward=_median_all_forward, vjp=_median_all_vjp, saves_inputs=(0,), saves_result=True,
             dtypes=REAL_NO_BOOL, test=OpTest(samples="reduction_full", reference=None, torch_name="median"))
)  # fmt: skip


def _median(name: str, input: Tensor, dim: int | None, keepdim: bool) -> Any:
    _no_complex(name, input)
    if input._dtype.category == _BOOL:
        kernel = "median_cpu" if dim is None else "median_out"
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")
    ignore_nan = name == "nanmedian"
    if dim is None:
        return call(MEDIAN_ALL, input._device, (input,), (ignore_nan,))
    ndim = input._data.ndim
    d = normalize_dim(name, dim, ndim)
    if ndim and input._data.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    values, indices = call(MEDIAN_DIM, input._device, (input,), (d, bool(keepdim), ignore_nan))
    return (rt.nanmedian if ignore_nan else rt.median)(values, indices)


def _no_complex(name: str, input: Tensor) -> None:
    if input._dtype.category == _COMPLEX:
        raise NotImplementedError(f"{name}(): does not support complex input ({type_name(input._dtype)})")


def median(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """The lower median: of all elements (a 0-dim tensor), or ``(values, indices)`` along ``dim``. NaN propagates.

    Example:
        >>> import tocha
        >>> x = tocha.tensor([[4.0, 1.0, 3.0, 2.0]])
        >>> tocha.median(x), tocha.median(x, 1).values
        (tensor(2.), tensor([2.]))
    """
    return _median("median", input, dim, keepdim)


def nanmedian(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """:func:`median` ignoring NaN (NaN only where a slice is all NaN).

    Example:
        >>> import tocha
        >>> tocha.nanmedian(tocha.tensor([1.0, float("nan"), 3.0, 2.0]))
        tensor(2.)
    """
    return _median("nanmedian", input, dim, keepdim)


def _mode_forward(xp: Any, a: Any, dim: int, keepdim: bool) -> Any:
    if a.ndim == 0:
        return a.copy(), xp.zeros((), np.int64)
    moved = xp.moveaxis(a, dim, -1)
    n = moved.shape[-1]
    keys = sort_keys(moved)
    order = xp.argsort(keys, axis=-1, kind="stable")
    s = xp.take_along_axis(keys, order, -1)
    pos = xp.arange(n)
    start = xp.zeros(s.shape, dtype=bool)
    start[..., 0] = True
    start[..., 1:] = s[..., 1:] != s[..., :-1]
    run_start = running_extreme(xp, xp.maximum, xp.where(start, pos, 0), -1)
    run_len = pos - run_start + 1
    end = xp.argmax(run_len, axis=-1)[..., None]  # the last element of the smallest most frequent value's run
    values = xp.take_along_axis(s, end, -1)[..., 0].astype(a.dtype, copy=False)
    # PyTorch reports the last index holding the value.
    idx = xp.take_along_axis(order, end, -1)[..., 0].astype(np.int64)
    values = xp.moveaxis(values[..., None], -1, dim)
    idx = xp.moveaxis(idx[..., None], -1, dim)
    if not keepdim:
        values, idx = xp.squeeze(values, dim), xp.squeeze(idx, dim)
    return values, idx


MODE = register_op(
    OpRecord(name="mode", forward=_mode_forward, vjp=select_vjp, saves_result=True, num_outputs=2,
             differentiable_outputs=(0,), dtypes=REAL,
             test=OpTest(samples="reduction_dim_values_indices", torch_name="mode"))
)  # fmt: skip


def mode(input: Tensor, dim: int = -1, keepdim: bool = False) -> rt.mode:
    """``(values, indices)``: the most frequent value along ``dim`` (the smallest among equals) and its last index.

    Example:
        >>> import tocha
        >>> tocha.mode(tocha.tensor([1, 2, 2, 1, 3, 1]))
        tocha.return_types.mode(
        values=tensor(1),
        indices=tensor(5))
    """
    _no_complex("mode", input)
    ndim = input._data.ndim
    d = normalize_dim("mode", dim, ndim)
    if ndim and input._data.shape[d] == 0:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size.")
    if input._data.size == 0:  # another dim is empty: so is the result, as PyTorch's
        shape = tuple(1 if i == d else n for i, n in enumerate(input.shape) if keepdim or i != d)
        values = input.new_empty(shape)
        return rt.mode(values, values.new_empty(shape, dtype=int64))
    values, indices = call(MODE, input._device, (input,), (d, bool(keepdim)))
    return rt.mode(values, indices)


# ------------------------------------------------------------------ quantile / nanquantile

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile_plan(xp: Any, a: Any, q: Any, dim: int | None, ignore_nan: bool, interpolation: str) -> Any:
    """Sorted source indices below/above each quantile and the weight of the upper one.

    Shapes: ``(len(q), *kept)`` where ``kept`` is the input's shape with ``dim``
    set to 1 (the flattened input's ``(1,)`` when ``dim`` is None).
    """
    work = a.reshape(-1) if dim is None else a
    d = 0 if dim is None else dim
    order = xp.argsort(work, axis=d, kind="stable")
    n = work.shape[d]
    nans = xp.isnan(work).sum(axis=d, keepdims=True)
    valid = n - nans if ignore_nan else xp.full(nans.shape, n)
    q = q.reshape((-1,) + (1,) * work.ndim)
    rank = q * (valid - 1).astype(q.dtype)
    if interpolation == "lower":
        rank = xp.floor(rank)
    elif interpolation == "higher":
        rank = xp.ceil(rank)
    elif interpolation == "nearest":
        rank = xp.round(rank)
    lo = xp.floor(rank)
    hi = xp.ceil(rank)
    weight = rank - lo
    if interpolation == "midpoint":
        weight = xp.where(hi > lo, 0.5, 0.0).astype(q.dtype)
    if not ignore_nan:  # a NaN anywhere makes the quantile NaN: point at the first NaN
        has_nan = nans > 0
        lo = xp.where(has_nan, n - nans, lo)
        hi = xp.where(has_nan, n - nans, hi)
    lo = xp.clip(lo, 0, n - 1).astype(np.int64)
    hi = xp.clip(hi, 0, n - 1).astype(np.int64)
    order = xp.broadcast_to(order, (q.shape[0], *order.shape))
    lo_idx = xp.take_along_axis(order, lo, d + 1)
    hi_idx = xp.take_along_axis(order, hi, d + 1)
    return work, d, lo_idx, hi_idx, weight.astype(a.dtype)


def _quantile_forward(
    xp: Any, a: Any, q: Any, dim: int | None, keepdim: bool, ignore_nan: bool, interpolation: str
) -> Any:
    work, d, lo_idx, hi_idx, w = _quantile_plan(xp, a, q, dim, ignore_nan, interpolation)
    src = xp.broadcast_to(work, (lo_idx.shape[0], *work.shape))
    lo = xp.take_along_axis(src, lo_idx, d + 1)
    hi = xp.take_along_axis(src, hi_idx, d + 1)
    result = xp.where(w < 0.5, lo + w * (hi - lo), hi - (hi - lo) * (1 - w))
    if ignore_nan:
        nans = xp.isnan(work).sum(axis=d, keepdims=True)
        result = xp.where(nans == work.shape[d], xp.nan, result)
    return _quantile_shape(xp, result, a, dim, keepdim)


def _quantile_shape(xp: Any, result: Any, a: Any, dim: int | None, keepdim: bool) -> Any:
    if dim is None:
        result = result.reshape((result.shape[0],) + ((1,) * a.ndim if keepdim else ()))
    elif not keepdim:
        result = xp.squeeze(result, dim + 1)
    return result


def _quantile_vjp(ctx: Any, grad: Any) -> tuple[Tensor | None, None]:
    dim, _, ignore_nan, interpolation = ctx.params
    x, q = ctx.inputs
    xp = _xp(x)
    shape = ctx.input_shapes[0]
    _, d, lo_idx, hi_idx, w = _quantile_plan(xp, x._data, q._data, dim, ignore_nan, interpolation)
    g = first_grad(grad)
    scalar_q = q._data.ndim == 0
    flat_shape = (count_of(shape, None),) if dim is None else tuple(shape)
    total: Tensor | None = None
    for i in range(lo_idx.shape[0]):
        gi = g if scalar_q else g[i]  # type: ignore[index]
        gi = gi.reshape(kept_shape(flat_shape, (d,)))  # type: ignore[attr-defined]
        wi = constant(x, w[i])
        part = put_along(gi * (1.0 - wi), constant(x, lo_idx[i]), d, True, flat_shape)
        part = part + put_along(gi * wi, constant(x, hi_idx[i]), d, True, flat_shape)
        total = part if total is None else total + part
    assert total is not None
    return (total.reshape(shape) if dim is None else total), None  # type: ignore[attr-defined]


QUANTILE = register_op(
    OpRecord(name="quantile", forward=_quantile_forward, fp_errors=True, vjp=_quantile_vjp, saves_inputs=(0, 1),
             differentiable_inputs=(0,), dtypes=(float32, float64),
             test=OpTest(samples="reduction_quantile", torch_name="quantile"))
)  # fmt: skip


def _quantile(name: str, input: Tensor, q: Any, dim: int | None, keepdim: bool, interpolation: str) -> Tensor:
    from .creation import tensor

    if input._dtype.name not in ("float32", "float64"):
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(
            f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest, but got {interpolation}"
        )
    if input._data.size == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    if isinstance(q, TensorBase):
        if q._data.ndim > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
        if q._dtype is not input._dtype:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
        qt = q
        qs = q._data
        if bool(((qs < 0) | (qs > 1)).any()):
            raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    else:
        if not 0 <= float(q) <= 1:
            raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {q}")
        qt = tensor(float(q), dtype=input._dtype, device=input._device)
    d = None if dim is None else normalize_dim(name, dim, input._data.ndim)
    if d is not None and input._data.ndim == 0:
        d = None
    result: Tensor = call(
        QUANTILE, input._device, (input, qt), (d, bool(keepdim), name == "nanquantile", interpolation)
    )
    if qt._data.ndim == 0:
        result = call(_SQUEEZE0, result._device, (result,), ())
    return result


def _squeeze0_forward(xp: Any, a: Any) -> Any:
    return a.reshape(a.shape[1:])


def _squeeze0_vjp(ctx: Any, grad: Any) -> tuple[Tensor]:
    return (call(_UNSQUEEZE0, grad._device, (grad,), ()),)


def _unsqueeze0_forward(xp: Any, a: Any) -> Any:
    return a.reshape((1, *a.shape))


def _unsqueeze0_vjp(ctx: Any, grad: Any) -> tuple[Tensor]:
    return (call(_SQUEEZE0, grad._device, (grad,), ()),)


_SQUEEZE0 = register_op(
    OpRecord(name="_reduction_squeeze0", forward=_squeeze0_forward, vjp=_squeeze0_vjp, view="maybe")
)
_UNSQUEEZE0 = register_op(
    OpRecord(name="_reduction_unsqueeze0", forward=_unsqueeze0_forward, vjp=_unsqueeze0_vjp, view="maybe")
)


def quantile(
    input: Tensor, q: Any, dim: int | None = None, keepdim: bool = False, *, interpolation: str = "linear"
) -> Tensor:
    """The ``q``-th quantiles over ``dim`` (the flattened input when None); NaN propagates.

    A 1-D ``q`` adds a leading dimension of its length. ``interpolation``
    chooses between the two neighbouring order statistics: ``linear``,
    ``lower``, ``higher``, ``midpoint`` or ``nearest`` (ties to even).

    Example:
        >>> import tocha
        >>> x = tocha.tensor([[1.0, 2.0, 3.0, 4.0]])
        >>> tocha.quantile(x, 0.4), tocha.quantile(x, tocha.tensor([0.5, 1.0]), dim=1)
        (tensor(2.2000), tensor([[2.5000],
                [4.0000]]))
    """
    return _quantile("quantile", input, q, dim, keepdim, interpolation)


def nanquantile(
    input: Tensor, q: Any, dim: int | None = None, keepdim: bool = False, *, interpolation: str = "linear"
) -> Tensor:
    """:func:`quantile` ignoring NaN (NaN only where a slice is all NaN).

    Example:
        >>> import tocha
        >>> tocha.nanquantile(tocha.tensor([1.0, float("nan"), 3.0]), 0.5)
        tensor(2.)
    """
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation)
