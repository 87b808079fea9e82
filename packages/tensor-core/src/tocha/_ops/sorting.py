"""Sorting and searching: sort, argsort, msort, topk, kthvalue, unique, unique_consecutive, searchsorted,
bucketize, histc, histogram, bincount.

NOTE [ Sorting ]
Every sort is NumPy/CuPy's stable ``argsort`` (``kind="stable"``), which puts
NaN last, as PyTorch orders NaN above every number. A descending stable sort
is the ascending stable sort of the slice read backwards, read backwards
again (equal values keep their order; NaN comes first, as in PyTorch).
``topk`` and ``kthvalue`` pick from that stable order, so among equal values
the earliest index wins; PyTorch does not document its choice among ties
(its CPU kernels use a partial sort and may pick another of the equal
values). ``sort``, ``topk`` and ``kthvalue`` are differentiable: the gradient
of the values goes back to the chosen positions (``put_along``, as max/min).
``unique`` always returns sorted values (PyTorch's CPU result for
``sorted=False`` is sorted too) and keeps NaNs distinct, as PyTorch does.
The searching and counting ops return integers or counts: not differentiable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .._dispatch import OpRecord, OpTest, call, register_op
from .._dtype import _COMPLEX, _FLOAT, _INT
from .._tensor_base import TensorBase
from . import sorting_samples as samples
from ._common import cast_operand, common_device, int_argument, normalize_dim, result_type_of, type_name
from ._dtypes import FLOATING, INTEGRAL, REAL, REAL_NO_BOOL
from .reduction_core import first_grad, put_along, select_vjp

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = [
    "sort",
    "argsort",
    "msort",
    "topk",
    "kthvalue",
    "unique",
    "unique_consecutive",
    "searchsorted",
    "bucketize",
    "histc",
    "histogram",
    "bincount",
]


# ------------------------------------------------------------------ named results


def _repr(self: Any) -> str:
    fields = ",\n".join(f"{name}={value!r}" for name, value in zip(self._fields, self, strict=True))
    return f"tocha.return_types.{type(self).__name__}(\n{fields})"


class _SortResult(NamedTuple):
    values: Tensor
    indices: Tensor


class _HistogramResult(NamedTuple):
    hist: Tensor
    bin_edges: Tensor


def _named(name: str, base: type, doc: str) -> Any:
    cls = type(name, (base,), {"__doc__": doc, "__slots__": (), "__repr__": _repr})
    cls.__module__ = "tocha.return_types"
    cls.__qualname__ = name
    return cls


sort_result = _named("sort", _SortResult, "``(values, indices)`` of :func:`tocha.sort`.")
topk_result = _named("topk", _SortResult, "``(values, indices)`` of :func:`tocha.topk`.")
kthvalue_result = _named("kthvalue", _SortResult, "``(values, indices)`` of :func:`tocha.kthvalue`.")
histogram_result = _named("histogram", _HistogramResult, "``(hist, bin_edges)`` of :func:`tocha.histogram`.")


def _register_return_types() -> None:
    """Expose the result types as ``tocha.return_types.sort`` & co. next to max/min's."""
    from . import reduction_types

    for cls in (sort_result, topk_result, kthvalue_result, histogram_result):
        setattr(reduction_types, cls.__name__, cls)


_register_return_types()


# ------------------------------------------------------------------ sort / topk / kthvalue


def sort_keys(a: Any) -> Any:
    """``a`` as values NumPy orders correctly: bfloat16 (ml_dtypes, kind "V") widened exactly to float32."""
    return a.astype(np.float32) if a.dtype.kind == "V" else a


def _stable_order(xp: Any, a: Any, dim: int, descending: bool) -> Any:
    """The stable sorting permutation of ``a`` along ``dim`` (NaN largest); see NOTE [ Sorting ]."""
    a = sort_keys(a)
    if not descending:
        return xp.argsort(a, axis=dim, kind="stable")
    n = a.shape[dim]
    order = xp.argsort(xp.flip(a, dim), axis=dim, kind="stable")
    return (n - 1) - xp.flip(order, dim)


def _sort_forward(xp: Any, a: Any, dim: int, descending: bool, stable: bool) -> Any:
    if a.ndim == 0:
        return a.copy(), xp.zeros((), np.int64)
    order = _stable_order(xp, a, dim, descending)
    return xp.take_along_axis(a, order, dim), order.astype(np.int64, copy=False)


def _sort_vjp(ctx: Any, grad: Any) -> tuple[Tensor]:
    dim = ctx.params[0]
    shape = ctx.input_shapes[0]
    return (put_along(first_grad(grad), ctx.result[1], dim if shape else None, True, shape),)


def _topk_vjp(ctx: Any, grad: Any) -> tuple[Tensor]:
    dim = ctx.params[1]
    shape = ctx.input_shapes[0]
    return (put_along(first_grad(grad), ctx.result[1], dim if shape else None, True, shape),)


def _topk_forward(xp: Any, a: Any, k: int, dim: int, largest: bool, sorted: bool) -> Any:
    if a.ndim == 0:
        return a.copy(), xp.zeros((), np.int64)
    order = _stable_order(xp, a, dim, largest)
    key = (slice(None),) * dim + (slice(0, k),)
    order = order[key]
    return xp.take_along_axis(a, order, dim), order.astype(np.int64, copy=False)


def _kthvalue_forward(xp: Any, a: Any, dim: int, keepdim: bool, k: int) -> Any:
    if a.ndim == 0:
        return a.copy(), xp.zeros((), np.int64)
    order = _stable_order(xp, a, dim, False)
    key = (slice(None),) * dim + (slice(k - 1, k),)
    chosen = order[key]
    values = xp.take_along_axis(a, chosen, dim)
    if not keepdim:
        values, chosen = xp.squeeze(values, dim), xp.squeeze(chosen, dim)
    return values, chosen.astype(np.int64, copy=False)


def _reference_sort(
    a: Any, dim: int = -1, descending: bool = False, stable: bool = False, axis: int | None = None
) -> Any:
    dim = dim if axis is None else axis
    if a.ndim == 0:
        return a.copy(), np.zeros((), np.int64)
    moved = np.moveaxis(a, dim, -1)
    values = np.empty_like(moved)
    indices = np.empty(moved.shape, np.int64)
    for pos in np.ndindex(*moved.shape[:-1]):
        row = moved[pos]
        keyed = sorted(range(row.shape[0]), key=lambda i: (_nan_key(row[i]), i if not descending else -i))
        if descending:
            keyed = keyed[::-1]
        indices[pos] = keyed
        values[pos] = row[keyed]
    return np.moveaxis(values, -1, dim), np.moveaxis(indices, -1, dim)


def _nan_key(v: Any) -> tuple[int, Any]:
    return (1, 0) if v != v else (0, v)


def _reference_topk(a: Any, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:
    values, indices = _reference_sort(a, dim, largest)
    if a.ndim == 0:
        return values, indices
    key = (slice(None),) * (dim % a.ndim) + (slice(0, k),)
    return values[key], indices[key]


def _reference_kthvalue(a: Any, k: int, dim: int = -1, keepdim: bool = False) -> Any:
    values, indices = _reference_sort(a, dim)
    if a.ndim == 0:
        return values, indices
    d = dim % a.ndim
    key = (slice(None),) * d + (slice(k - 1, k),)
    values, indices = values[key], indices[key]
    if not keepdim:
        values, indices = values.squeeze(d), indices.squeeze(d)
    return values, indices


SORT = register_op(
    OpRecord(
        name="sort",
        forward=_sort_forward,
        vjp=_sort_vjp,
        saves_result=True,
        num_outputs=2,
        differentiable_outputs=(0,),
        dtypes=REAL,
        test=OpTest(samples=samples.sort_samples, reference=_reference_sort, torch_name="sort"),
    )
)
TOPK = register_op(
    OpRecord(
        name="topk",
        forward=_topk_forward,
        vjp=_topk_vjp,
        saves_result=True,
        num_outputs=2,
        differentiable_outputs=(0,),
        dtypes=REAL,
        test=OpTest(
            samples=samples.topk_samples,
            reference=_reference_topk,
            torch_name="topk",
            skips={"torch:bool": "PyTorch's choice among equal values (ties) is unspecified; bools always tie"},
        ),
    )
)
KTHVALUE = register_op(
    OpRecord(
        name="kthvalue",
        forward=_kthvalue_forward,
        vjp=select_vjp,
        saves_result=True,
        num_outputs=2,
        differentiable_outputs=(0,),
        dtypes=REAL_NO_BOOL,
        test=OpTest(samples=samples.kthvalue_samples, reference=_reference_kthvalue, torch_name="kthvalue"),
    )
)


def _no_complex(op: str, input: Tensor, message: str, error: type[Exception] = RuntimeError) -> None:
    if input._dtype.category == _COMPLEX:
        raise error(message.format(op=op))


def _finish(result: Any, out: Any) -> Any:
    if out is None:
        return result
    from .elementwise import copy_to_out

    if isinstance(result, tuple):
        for r, o in zip(result, out, strict=True):
            copy_to_out(r, o)
        return type(result)(*out)
    return copy_to_out(result, out)


def sort(
    input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool | None = False, out: Any = None
) -> Any:
    """``(values, indices)``: ``input`` sorted along ``dim``; NaN counts as the largest value.

    Sorting is always stable (equal values keep their order), so ``stable``
    only documents intent. ``values == input.gather(dim, indices)``.

    Example:
        >>> import tocha
        >>> tocha.sort(tocha.tensor([3.0, float("nan"), 1.0, 3.0]), descending=True)
        tocha.return_types.sort(
        values=tensor([nan, 3., 3., 1.]),
        indices=tensor([1, 0, 3, 2]))
    """
    _no_complex("sort", input, " Sort does not support complex dtypes on CPU")
    d = normalize_dim("sort", dim, input._data.ndim)
    values, indices = call(SORT, input._device, (input,), (d, bool(descending), bool(stable)))
    return _finish(sort_result(values, indices), out)


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The indices that sort ``input`` along ``dim`` (``sort(...).indices``); stable.

    Example:
        >>> import tocha
        >>> tocha.argsort(tocha.tensor([2, 1, 2, 1]), descending=True)
        tensor([0, 2, 1, 3])
    """
    return sort(input, dim, descending, stable=stable).indices  # type: ignore[no-any-return]


def msort(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``input`` sorted along its first dim (the values of ``sort(input, 0)``).

    Example:
        >>> import tocha
        >>> tocha.msort(tocha.tensor([[2, 1], [0, 3]]))
        tensor([[0, 1],
                [2, 3]])
    """
    return _finish(sort(input, 0).values, out)  # type: ignore[no-any-return]


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True, *, out: Any = None) -> Any:
    """``(values, indices)`` of the ``k`` largest (``largest=False``: smallest) elements along ``dim``.

    The result is always sorted (``sorted=False`` allows any order); among
    equal values the earliest index comes first (see NOTE [ Sorting ]).

    Example:
        >>> import tocha
        >>> tocha.topk(tocha.tensor([1.0, 5.0, 3.0, 4.0]), 2)
        tocha.return_types.topk(
        values=tensor([5., 4.]),
        indices=tensor([1, 3]))
    """
    _no_complex("topk", input, " topk does not support complex dtypes on CPU")
    ndim = input._data.ndim
    d = normalize_dim("topk", dim, ndim)
    size = input._data.shape[d] if ndim else 1
    k = int_argument("topk", "k", 1, k)
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    values, indices = call(TOPK, input._device, (input,), (k, d, bool(largest), bool(sorted)))
    return _finish(topk_result(values, indices), out)


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False, *, out: Any = None) -> Any:
    """``(values, indices)`` of the ``k``-th smallest element along ``dim`` (1-based; NaN is the largest).

    Example:
        >>> import tocha
        >>> tocha.kthvalue(tocha.tensor([[4.0, 1.0, 3.0], [2.0, 6.0, 5.0]]), 2, dim=1)
        tocha.return_types.kthvalue(
        values=tensor([3., 5.]),
        indices=tensor([2, 2]))
    """
    _no_complex("kthvalue", input, "kthvalue(): does not support complex input", NotImplementedError)
    if input._dtype.category == 0:
        raise NotImplementedError("\"kthvalue_cpu\" not implemented for 'Bool'")
    ndim = input._data.ndim
    d = normalize_dim("kthvalue", dim, ndim)
    size = input._data.shape[d] if ndim else 1
    k = int_argument("kthvalue", "k", 1, k)
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    values, indices = call(KTHVALUE, input._device, (input,), (d, bool(keepdim), k))
    return _finish(kthvalue_result(values, indices), out)


# ------------------------------------------------------------------ unique / unique_consecutive


def _groups(xp: Any, rows: Any, consecutive: bool) -> tuple[Any, Any, Any, Any]:
    """(order, group start flags in that order, ...) for ``rows`` (n, m): equal rows form a group."""
    n = rows.shape[0]
    rows = sort_keys(rows)
    if consecutive:
        order = xp.arange(n)
    elif rows.shape[1] == 1:
        order = xp.argsort(rows[:, 0], kind="stable")
    else:
        order = xp.lexsort(rows.T[::-1])
    ordered = rows[order]
    flags = xp.ones(n, dtype=bool)
    if n > 1:
        flags[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)
    group = xp.cumsum(flags) - 1
    inverse = xp.empty(n, dtype=np.int64)
    inverse[order] = group
    starts = xp.nonzero(flags)[0]
    counts = xp.diff(xp.concatenate([starts, xp.asarray([n])])).astype(np.int64)
    return order, flags, inverse, counts


def _unique_forward(xp: Any, a: Any, dim: int | None, consecutive: bool) -> Any:
    if dim is None:
        flat = a.reshape(-1, 1)
        order, flags, inverse, counts = _groups(xp, flat, consecutive)
        return flat[order][flags][:, 0], inverse.reshape(a.shape), counts
    moved = xp.moveaxis(a, dim, 0)
    rows = moved.reshape(moved.shape[0], int(np.prod(moved.shape[1:])))
    order, flags, inverse, counts = _groups(xp, rows, consecutive)
    values = moved[order][flags]
    return xp.moveaxis(values, 0, dim), inverse, counts


UNIQUE = register_op(
    OpRecord(
        name="unique",
        forward=_unique_forward,
        num_outputs=3,
        dtypes=REAL,
        test=OpTest(samples=samples.unique_samples, reference=None, torch_name="unique"),
    )
)


def _unique(
    op: str, input: Tensor, return_inverse: bool, return_counts: bool, dim: int | None, consecutive: bool
) -> Any:
    _no_complex(op, input, "{op}(): complex input is not supported", NotImplementedError)
    d = None
    if dim is not None:
        ndim = input._data.ndim
        d = normalize_dim(op, dim, ndim)
        if ndim == 0:
            d = None
        elif input._data.size == 0 and input._data.shape[d] != 0:
            raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so unique cannot be applied")
    values, inverse, counts = call(UNIQUE, input._device, (input,), (d, consecutive))
    if not (return_inverse or return_counts):
        return values
    result = [values]
    if return_inverse:
        result.append(inverse)
    if return_counts:
        result.append(counts)
    return tuple(result)


def unique(
    input: Tensor,
    sorted: bool = True,
    return_inverse: bool = False,
    return_counts: bool = False,
    dim: int | None = None,
) -> Any:
    """The distinct elements of ``input`` (or distinct slices along ``dim``), sorted.

    With ``return_inverse`` also the position of each input element in the
    result; with ``return_counts`` how often each value occurs. NaNs are all
    distinct, as in PyTorch.

    Example:
        >>> import tocha
        >>> tocha.unique(tocha.tensor([2, 1, 2, 3]), return_inverse=True, return_counts=True)
        (tensor([1, 2, 3]), tensor([1, 0, 1, 2]), tensor([1, 2, 1]))
    """
    return _unique("unique", input, return_inverse, return_counts, dim, False)


def unique_consecutive(
    input: Tensor, return_inverse: bool = False, return_counts: bool = False, dim: int | None = None
) -> Any:
    """``input`` with runs of equal consecutive elements (or slices along ``dim``) collapsed to one.

    Example:
        >>> import tocha
        >>> tocha.unique_consecutive(tocha.tensor([1, 1, 2, 2, 1]), return_counts=True)
        (tensor([1, 2, 1]), tensor([2, 2, 1]))
    """
    return _unique("unique_consecutive", input, return_inverse, return_counts, dim, True)


# ------------------------------------------------------------------ searchsorted / bucketize


def _searchsorted_forward(xp: Any, seq: Any, values: Any, right: bool, np_dtype: Any) -> Any:
    side = "right" if right else "left"
    seq, values = sort_keys(seq), sort_keys(values)
    if seq.ndim == 1:
        result = xp.searchsorted(seq, values, side=side)
        return xp.asarray(result).astype(np_dtype, copy=False)
    v = values[..., :, None]
    s = seq[..., None, :]
    if seq.dtype.kind in "fc":
        if right:
            below = (s <= v) | xp.isnan(v)
        else:
            below = (s < v) | (~xp.isnan(s) & xp.isnan(v))
    else:
        below = (s <= v) if right else (s < v)
    return below.sum(axis=-1).astype(np_dtype)


def _reference_searchsorted(seq: Any, values: Any, *, right: bool = False, out_int32: bool = False,
                            side: str | None = None, sorter: Any = None) -> Any:  # fmt: skip
    if sorter is not None:
        seq = np.take_along_axis(seq, sorter, -1)
    how = side or ("right" if right else "left")
    if seq.ndim == 1:
        return np.searchsorted(seq, values, side=how)  # type: ignore[call-overload]
    out = np.empty(values.shape, np.int64)
    for pos in np.ndindex(*seq.shape[:-1]):
        out[pos] = np.searchsorted(seq[pos], values[pos], side=how)  # type: ignore[call-overload]
    return out


SEARCHSORTED = register_op(
    OpRecord(
        name="searchsorted",
        forward=_searchsorted_forward,
        dtypes=REAL_NO_BOOL,
        test=OpTest(samples=samples.searchsorted_samples, reference=_reference_searchsorted, torch_name="searchsorted"),
    )
)


def searchsorted(
    sorted_sequence: Tensor,
    input: Any,
    *,
    out_int32: bool = False,
    right: bool = False,
    side: str | None = None,
    sorter: Tensor | None = None,
    out: Tensor | None = None,
) -> Tensor:
    """Where each value of ``input`` would be inserted into the sorted innermost dim of ``sorted_sequence``.

    ``right`` (or ``side="right"``) gives the position after equal values.
    ``sorted_sequence`` is 1-D, or has ``input``'s leading dims. ``sorter``
    holds the indices that sort an unsorted ``sorted_sequence``.

    Example:
        >>> import tocha
        >>> seq = tocha.tensor([1.0, 2.0, 2.0, 3.0])
        >>> tocha.searchsorted(seq, tocha.tensor([2.0, 0.0, 5.0])), tocha.searchsorted(seq, 2.0, right=True)
        (tensor([1, 0, 4]), tensor(3))
    """
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError(
                "torch.searchsorted(): side and right can't be set to opposites, got side of left while right was True"
            )
        right = side == "right"
    if not isinstance(sorted_sequence, TensorBase):
        raise TypeError(
            f"searchsorted(): argument 'sorted_sequence' must be Tensor, not {type(sorted_sequence).__name__}"
        )
    dev = common_device("searchsorted", sorted_sequence, input)
    scalar = not isinstance(input, TensorBase)
    if scalar:
        from .creation import tensor

        input = tensor(input, device=dev)
    if sorted_sequence._dtype.category == 0 or input._dtype.category == 0:
        raise RuntimeError(f"\"searchsorted_out_cpu\" not implemented for '{type_name(sorted_sequence._dtype)}'")
    _no_complex("searchsorted", sorted_sequence, "torch.searchsorted(): complex tensors are not supported")
    seq_shape = list(sorted_sequence.shape)
    in_shape = list(input.shape)
    if len(seq_shape) == 0:
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 dimension"
        )
    if len(seq_shape) > 1 and (len(in_shape) != len(seq_shape) or seq_shape[:-1] != in_shape[:-1]):
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions of boundaries "
            f"tensor and input value tensor must match, but we got boundaries tensor {seq_shape} and input value "
            f"tensor {in_shape}"
        )
    seq = sorted_sequence
    if sorter is not None:
        if not isinstance(sorter, TensorBase) or sorter._dtype.name != "int64":
            got = type_name(sorter._dtype) if isinstance(sorter, TensorBase) else type(sorter).__name__
            raise RuntimeError(f"torch.searchsorted(): sorter must be a tensor of long dtype but got dtype {got}")
        if list(sorter.shape) != seq_shape:
            raise RuntimeError(
                "torch.searchsorted(): boundary and sorter must have the same size, but got boundary tensor "
                f"{seq_shape}and got sorter tensor {list(sorter.shape)}"
            )
        from .scatter import gather

        seq = gather(seq, -1, sorter)
    common = result_type_of(seq, input)
    seq = cast_operand(seq, common, dev)
    values = cast_operand(input, common, dev)
    np_dtype = np.int32 if out_int32 else np.int64
    result = call(SEARCHSORTED, dev, (seq, values), (bool(right), np.dtype(np_dtype)))
    return _finish(result, out)  # type: ignore[no-any-return]


def bucketize(
    input: Any, boundaries: Tensor, *, out_int32: bool = False, right: bool = False, out: Tensor | None = None
) -> Tensor:
    """The bucket of each element of ``input`` among the sorted 1-D ``boundaries``.

    ``right=False``: ``boundaries[i-1] < x <= boundaries[i]``; ``right=True``:
    ``boundaries[i-1] <= x < boundaries[i]``.

    Example:
        >>> import tocha
        >>> tocha.bucketize(tocha.tensor([2.0, 0.0, 5.0]), tocha.tensor([1.0, 2.0, 3.0]))
        tensor([1, 0, 3])
    """
    if not isinstance(boundaries, TensorBase):
        raise TypeError(f"bucketize(): argument 'boundaries' must be Tensor, not {type(boundaries).__name__}")
    if boundaries._data.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries._data.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


# ------------------------------------------------------------------ histc / histogram / bincount


def _histogram_forward(xp: Any, a: Any, edges: Any, weight: Any, density: bool) -> Any:
    bins = edges.shape[0] - 1
    flat = sort_keys(a).reshape(-1)
    edges = sort_keys(edges)
    keep = (flat >= edges[0]) & (flat <= edges[-1])
    x = flat[keep]
    pos = xp.searchsorted(edges, x, side="right") - 1
    pos = xp.minimum(pos, bins - 1)
    w = None if weight is None else weight.reshape(-1)[keep].astype(np.float64)
    hist = xp.bincount(pos, weights=w, minlength=bins)[:bins].astype(a.dtype)
    if density:
        hist = (hist / (hist.sum() * xp.diff(edges))).astype(a.dtype)
    return hist


def _histc_forward(xp: Any, a: Any, bins: int, low: float, high: float) -> Any:
    flat = sort_keys(a).reshape(-1)
    keep = (flat >= low) & (flat <= high)
    x = flat[keep]
    pos = ((x - low) * bins / (high - low)).astype(np.int64)
    pos = xp.minimum(pos, bins - 1)
    return xp.bincount(pos, minlength=bins)[:bins].astype(a.dtype)


def _reference_histc(a: Any, bins: int = 100, min: float = 0, max: float = 0) -> Any:
    lo, hi = float(min), float(max)
    if lo == hi and a.size:
        lo, hi = float(a.min()), float(a.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    return np.histogram(a.astype(np.float64), bins=bins, range=(lo, hi))[0].astype(a.dtype)


HISTC = register_op(
    OpRecord(
        name="histc",
        forward=_histc_forward,
        dtypes=FLOATING,
        test=OpTest(samples=samples.histc_samples, reference=_reference_histc, torch_name="histc"),
    )
)
HISTOGRAM = register_op(
    OpRecord(name="_histogram", forward=_histogram_forward, dtypes=FLOATING),
)


def _bins_arg(op: str, bins: int) -> int:
    bins = int(bins)
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    return bins


def _float_only(op: str, input: Tensor, kernel: str) -> None:
    if input._dtype.category != _FLOAT:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_name(input._dtype)}'")


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0, *, out: Tensor | None = None) -> Tensor:
    """Counts of ``input``'s elements in ``bins`` equal-width bins over ``[min, max]`` (the data's range if equal).

    Elements outside the range are ignored; the result has ``input``'s dtype.

    Example:
        >>> import tocha
        >>> tocha.histc(tocha.tensor([1.0, 2.0, 1.0, 4.0]), bins=4, min=0, max=3)
        tensor([0., 2., 1., 0.])
    """
    _float_only("histc", input, "histogram_cpu")
    bins = _bins_arg("histc", bins)
    low, high = float(min), float(max)
    if low == high and input._data.size:
        low, high = float(input._data.min()), float(input._data.max())
    if low == high:
        low, high = low - 1, high + 1
    if not (np.isfinite(low) and np.isfinite(high)):
        raise RuntimeError(f"torch.histc: range of [{low}, {high}] is not finite")
    if low > high:
        raise RuntimeError("torch.histc: max must be larger than min")
    return _finish(call(HISTC, input._device, (input,), (bins, low, high)), out)  # type: ignore[no-any-return]


def histogram(
    input: Tensor,
    bins: Any = 100,
    *,
    range: tuple[float, float] | None = None,
    weight: Tensor | None = None,
    density: bool = False,
    out: Any = None,
) -> Any:
    """``(hist, bin_edges)``: a histogram of ``input`` over ``bins`` (a count of equal bins, or the edges).

    With an int ``bins`` the edges span ``range`` (default: the data's
    range); the last bin includes its right edge. ``weight`` weighs each
    element; ``density`` normalises so the histogram integrates to 1.

    Example:
        >>> import tocha
        >>> tocha.histogram(tocha.tensor([1.0, 2.0, 1.0, 4.0]), bins=tocha.tensor([0.0, 1.5, 5.0]))
        tocha.return_types.histogram(
        hist=tensor([2., 2.]),
        bin_edges=tensor([0.0000, 1.5000, 5.0000]))
    """
    _float_only("histogram", input, "histogramdd")
    dev = input._device
    if weight is not None:
        if not isinstance(weight, TensorBase):
            raise TypeError(f"histogram(): argument 'weight' must be Tensor, not {type(weight).__name__}")
        if list(weight.shape) != list(input.shape):
            raise RuntimeError(
                "torch.histogramdd: if weight tensor is provided it should have the same shape as the input tensor "
                f"excluding its innermost dimension, but got input with shape {list(input.reshape(-1, 1).shape)} "
                f"and weight with shape {list(weight.shape)}"
            )
        if weight._dtype is not input._dtype:
            raise RuntimeError(
                "torch.histogramdd: if weight tensor is provided, input tensor and weight tensor should have the same "
                f"dtype, but got input({input._dtype.numpy_dtype}), and weight({weight._dtype.numpy_dtype})"
            )
    if isinstance(bins, TensorBase):
        if bins._dtype is not input._dtype:
            raise RuntimeError(
                "torch.histogramdd: input tensor and bins tensors should have the same dtype, but got input with "
                f"dtype {input._dtype.numpy_dtype} and bins for dimension 0 with dtype {bins._dtype.numpy_dtype}"
            )
        edges = bins
    else:
        from .creation import linspace

        count = _bins_arg("histogram", bins)
        if range is not None:
            low, high = float(range[0]), float(range[1])
        elif input._data.size:
            low, high = float(input._data.min()), float(input._data.max())
        else:
            low, high = 0.0, 1.0
        if low > high:
            raise RuntimeError(
                f"torch.histogramdd: min should not exceed max, but got min {low:g} max {high:g} for dimension 0"
            )
        if low == high:
            low, high = low - 0.5, high + 0.5
        edges = linspace(low, high, count + 1, dtype=input._dtype, device=dev)
    hist = call(HISTOGRAM, dev, (input, edges, weight), (bool(density),))
    result = histogram_result(hist, edges)
    return _finish(result, out)


def _bincount_forward(xp: Any, a: Any, weights: Any, minlength: int, np_dtype: Any) -> Any:
    w = None if weights is None else weights.astype(np.float64)
    return xp.bincount(a, weights=w, minlength=minlength).astype(np_dtype, copy=False)


def _reference_bincount(a: Any, weights: Any = None, minlength: int = 0) -> Any:
    return np.bincount(a, weights=weights, minlength=minlength)


BINCOUNT = register_op(
    OpRecord(
        name="bincount",
        forward=_bincount_forward,
        dtypes=INTEGRAL,
        test=OpTest(samples=samples.bincount_samples, reference=_reference_bincount, torch_name="bincount"),
    )
)


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How often each value ``0..max(input)`` occurs in the 1-D non-negative integer ``input`` (summing ``weights``).

    The result has ``max(max(input) + 1, minlength)`` elements: int64 counts,
    or sums of the weights (float32/float64 weights keep their dtype, others
    give float64).

    Example:
        >>> import tocha
        >>> tocha.bincount(tocha.tensor([1, 1, 3]), minlength=5)
        tensor([0, 2, 0, 1, 0])
    """
    if input._dtype.category != _INT:
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{type_name(input._dtype)}'")
    if int(minlength) < 0:
        raise RuntimeError("minlength should be >= 0")
    data = input._data
    if data.ndim != 1 or (data.size and int(data.min()) < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    np_dtype: Any = np.dtype(np.int64)
    if weights is not None:
        if not isinstance(weights, TensorBase):
            raise TypeError(f"bincount(): argument 'weights' must be Tensor, not {type(weights).__name__}")
        if weights._data.ndim != 1 or weights._data.shape[0] != data.shape[0]:
            raise RuntimeError("weights should be 1-d and have the same length as input")
        name = weights._dtype.name
        np_dtype = np.dtype(np.float32) if name == "float32" else np.dtype(np.float64)
    return call(BINCOUNT, input._device, (input, weights), (int(minlength), np_dtype))  # type: ignore[no-any-return]


# ------------------------------------------------------------------ Tensor methods


class SortingMethods:
    """Tensor methods of the sorting and searching ops."""

    __slots__ = ()

    def sort(self: Any, dim: int = -1, descending: bool = False, *, stable: bool | None = False) -> Any:
        """See :func:`tocha.sort`."""
        return sort(self, dim, descending, stable=stable)

    def argsort(self: Any, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
        """See :func:`tocha.argsort`."""
        return argsort(self, dim, descending, stable)

    def msort(self: Any) -> Tensor:
        """See :func:`tocha.msort`."""
        return msort(self)

    def topk(self: Any, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:
        """See :func:`tocha.topk`."""
        return topk(self, k, dim, largest, sorted)

    def kthvalue(self: Any, k: int, dim: int = -1, keepdim: bool = False) -> Any:
        """See :func:`tocha.kthvalue`."""
        return kthvalue(self, k, dim, keepdim)

    def unique(
        self: Any, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False, dim: Any = None
    ) -> Any:
        """See :func:`tocha.unique`."""
        return unique(self, sorted, return_inverse, return_counts, dim)

    def unique_consecutive(
        self: Any, return_inverse: bool = False, return_counts: bool = False, dim: Any = None
    ) -> Any:
        """See :func:`tocha.unique_consecutive`."""
        return unique_consecutive(self, return_inverse, return_counts, dim)

    def histc(self: Any, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:
        """See :func:`tocha.histc`."""
        return histc(self, bins, min, max)

    def histogram(self: Any, bins: Any = 100, *, range: Any = None, weight: Any = None, density: bool = False) -> Any:
        """See :func:`tocha.histogram`."""
        return histogram(self, bins, range=range, weight=weight, density=density)

    def bincount(self: Any, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
        """See :func:`tocha.bincount`."""
        return bincount(self, weights, minlength)
