"""PyTorch top-level functions of several families: buffers, creation, histograms, QR/LU helpers, control flow.

``frombuffer``, ``empty_permuted``, ``range``; ``histogramdd``; ``lu_unpack``, ``geqrf``, ``orgqr``, ``ormqr``;
``rsub``, ``constant_pad_nd``, ``nonzero_static``; ``set_flush_denormal``, ``get_device``, ``to_dlpack``;
the anomaly-mode switches that hand over to tocha-autograd (``cond`` and ``while_loop`` are in control_flow.py).

Everything but ``geqrf`` (one registered op: LAPACK's Householder QR, ``xp.linalg.qr(mode="raw")``) is written
with tocha ops, so it runs on any device and is differentiable where PyTorch's is.
"""

from __future__ import annotations

import builtins
import math
import operator
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .._device import CPU, DeviceLike
from .._dispatch import OpRecord, OpTest, call, register_op
from .._dtype import _BOOL, _COMPLEX, _INT, dtype, float32, float64, get_default_dtype, int32, int64
from .._dtype import bool as bool_
from .._layout import check_layout
from .._layout import layout as layout_
from .._memory_format import contiguous_format, suggest_format
from .._tensor_base import TensorBase, load_autograd, wrap
from . import reduction_types
from ._common import result_type_of, tensor_arg, type_name
from .copies import _CPP_NAMES
from .creation import _finish as _requires_grad
from .creation import empty, empty_strided, full, linspace, resolve_device, zeros
from .dtype_info import finfo
from .elementwise_base import copy_to_out
from .linalg_decomp import LINALG_DTYPES, eye_like, pivots_to_perm
from .linalg_functions import householder_product

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = [
    "frombuffer",
    "empty_permuted",
    "range",
    "histogramdd",
    "lu_unpack",
    "geqrf",
    "orgqr",
    "ormqr",
    "rsub",
    "constant_pad_nd",
    "nonzero_static",
    "set_flush_denormal",
    "get_device",
    "to_dlpack",
    "is_anomaly_enabled",
    "set_anomaly_enabled",
    "is_anomaly_check_nan_enabled",
]

_irange = builtins.range  # this module's ``range`` is tocha.range


def _int_list(op: str, name: str, position: int, value: Any) -> list[int]:
    if isinstance(value, TensorBase) or not isinstance(value, (list, tuple, np.ndarray)):
        raise TypeError(
            f"{op}(): argument '{name}' (position {position}) must be tuple of ints, not {type(value).__name__}"
        )
    return [operator.index(v) for v in value]


def _write(result: Tensor, out: Tensor | None) -> Tensor:
    return result if out is None else copy_to_out(result, out)


def _write_all(results: tuple[Tensor, ...], out: Any, op: str) -> tuple[Tensor, ...]:
    if out is None:
        return results
    if not isinstance(out, (list, tuple)) or len(out) != len(results):
        raise TypeError(f"{op}(): argument 'out' must be tuple of {len(results)} Tensors")
    return tuple(copy_to_out(r, o) for r, o in zip(results, out, strict=True))


def _repr(self: Any) -> str:
    fields = ",\n".join(f"{name}={value!r}" for name, value in zip(self._fields, self, strict=True))
    return f"tocha.return_types.{type(self).__name__}(\n{fields})"


class histogramdd_result(NamedTuple):
    """``(hist, bin_edges)`` of :func:`tocha.histogramdd` (``bin_edges``: a tuple, one tensor per dim)."""

    hist: Tensor
    bin_edges: tuple[Tensor, ...]


class lu_unpack_result(NamedTuple):
    """``(P, L, U)`` of :func:`tocha.lu_unpack`."""

    P: Tensor
    L: Tensor
    U: Tensor


class geqrf_result(NamedTuple):
    """``(a, tau)`` of :func:`tocha.geqrf`."""

    a: Tensor
    tau: Tensor


for _cls, _name in ((histogramdd_result, "histogramdd"), (lu_unpack_result, "lu_unpack"), (geqrf_result, "geqrf")):
    _cls.__repr__ = _repr  # type: ignore[method-assign,assignment]
    _cls.__name__ = _cls.__qualname__ = _name
    _cls.__module__ = "tocha.return_types"
    setattr(reduction_types, _name, _cls)  # tocha.return_types.<name>, next to max/min's
del _cls, _name


# ------------------------------------------------------------------ creation


def frombuffer(buffer: Any, *, dtype: dtype, count: int = -1, offset: int = 0, requires_grad: bool = False) -> Tensor:
    """A 1-D CPU tensor over the memory of a Python buffer object (``bytearray``, ``array.array``, ``mmap``...).

    The tensor shares the buffer's memory: writes through either show in the other. ``count`` elements
    (all that fit when negative) are read from byte ``offset``. A read-only buffer (``bytes``) gives a tensor
    whose in-place writes raise ValueError, with a UserWarning; PyTorch warns too, and lets the writes through.

    Raises:
        ValueError: ``buffer`` is not a buffer object, is empty or ``count`` is 0, ``offset`` lies outside it,
            or the bytes left do not hold ``count`` (or a whole number of) elements.
        RuntimeError: the buffer is not contiguous.

    Example:
        >>> import array, tocha
        >>> a = array.array("i", [1, 2, 3])
        >>> t = tocha.frombuffer(a, dtype=tocha.int32, offset=4)
        >>> t[0] = 9
        >>> t, a
        (tensor([9, 3], dtype=tocha.int32), array('i', [1, 9, 3]))
    """
    try:
        view = memoryview(buffer)
    except TypeError:
        raise ValueError("object does not implement Python buffer protocol.") from None
    if not view.c_contiguous:
        raise RuntimeError("could not retrieve buffer from object")
    length, size = view.nbytes, dtype.itemsize
    count, offset = operator.index(count), operator.index(offset)
    if length <= 0 or count == 0:
        raise ValueError(f"both buffer length ({length}) and count ({count}) must not be 0")
    if offset < 0 or offset >= length:
        raise ValueError(
            f"offset ({offset} bytes) must be non-negative and no greater than buffer length ({length} bytes) minus 1"
        )
    if count < 0:
        if (length - offset) % size:
            raise ValueError(
                f"buffer length ({length - offset} bytes) after offset ({offset} bytes) must be a multiple of "
                f"element size ({size})"
            )
        count = (length - offset) // size
    elif offset + count * size > length:
        raise ValueError(
            f"requested buffer length ({count} * {size} bytes) after offset ({offset} bytes) must not be greater "
            f"than actual buffer length ({length} bytes)"
        )
    array = np.frombuffer(view.cast("B"), dtype=dtype.numpy_dtype, count=count, offset=offset)
    if view.readonly:
        warnings.warn(
            "The given buffer is not writable: the tensor shares its memory read-only, so in-place writes to it "
            "raise ValueError. You may want to copy the buffer to protect its data or make it writable before "
            "converting it to a tensor.",
            UserWarning,
            stacklevel=2,
        )
    return _requires_grad(wrap(array, CPU), requires_grad)  # type: ignore[arg-type]


def empty_permuted(
    size: Sequence[int],
    physical_layout: Sequence[int],
    *,
    dtype: dtype | None = None,
    layout: layout_ | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """An uninitialised tensor of shape ``size`` whose dims lie in memory in the order ``physical_layout``.

    ``physical_layout`` lists the dims from outermost to innermost (``(0, 2, 3, 1)`` is channels-last for a
    4-D ``size``); the result is ``empty(size permuted).permute(inverse)``, a dense tensor with those strides.

    Raises:
        RuntimeError: ``physical_layout`` is not a permutation of ``range(len(size))``, or a size is negative.

    Example:
        >>> import tocha
        >>> tocha.empty_permuted((2, 3, 5, 7), (0, 2, 3, 1)).stride()
        (105, 1, 21, 3)
    """
    check_layout("empty_permuted", layout)
    shape = _int_list("empty_permuted", "size", 1, size)
    order = _int_list("empty_permuted", "physical_layout", 2, physical_layout)
    n = len(shape)
    if len(order) != n:
        raise RuntimeError(
            "Number of dimensions in size does not match the length of the physical_layout; i.e. "
            f"len(size) = {n} is not equal to len(physical_layout) = {len(order)}"
        )
    seen: set[int] = set()
    for i, p in enumerate(order):
        if not 0 <= p < n:
            raise RuntimeError(
                f"Dimension out of range (expected to be between 0 and {n - 1}, but got {p} at index {i}).  NB: "
                "negative dims not currently supported; file an issue if you want it."
            )
        if p in seen:
            raise RuntimeError("Duplicate dim not allowed")
        seen.add(p)
    physical = [shape[p] for p in order]
    for s in physical:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {physical}")
    physical_strides = [1] * n  # row-major over the physical order, size-0 dims counted as 1 (PyTorch's)
    for i in reversed(_irange(n - 1)):
        physical_strides[i] = physical_strides[i + 1] * max(physical[i + 1], 1)
    strides = [0] * n
    for i, p in enumerate(order):
        strides[p] = physical_strides[i]
    result = empty_strided(shape, strides, dtype=dtype, device=device, pin_memory=pin_memory)
    return _requires_grad(result, requires_grad)


_RANGE_WARNING = (
    "tocha.range is deprecated and will be removed in a future release because its behavior is inconsistent with "
    "Python's range builtin. Instead, use tocha.arange, which produces values in [start, end)."
)


def _range_number(x: Any) -> float | int:
    if isinstance(x, TensorBase):
        x = x.item()  # type: ignore[attr-defined]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, complex):
        raise RuntimeError("value cannot be converted to type double without overflow")
    if not isinstance(x, (int, float)):
        raise TypeError(f"range(): argument must be Number, not {type(x).__name__}")
    return x


def _fmt(x: float | int) -> str:
    return f"{x:g}" if isinstance(x, float) else str(int(x))


def range(
    start: Any,
    end: Any,
    step: Any = 1,
    *,
    out: Tensor | None = None,
    dtype: dtype | None = None,
    layout: layout_ | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    r"""Values from ``start`` to ``end`` *inclusive*, spaced by ``step`` (deprecated: use :func:`tocha.arange`).

    The result has :math:`\lfloor (end - start) / step \rfloor + 1` elements, ``start + i * step`` (computed in
    float64, float32 for half types, int64 for integer dtypes, whose bounds and step are truncated to integers),
    in ``dtype`` (default: the default float dtype, whatever the arguments' types). Warns, as PyTorch does.

    Raises:
        RuntimeError: ``step`` is zero, a bound is not finite, or the bounds disagree with the step's sign.
        NotImplementedError: a bool or complex ``dtype``.

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.range(1, 4)
        tensor([1., 2., 3., 4.])
    """
    warnings.warn(_RANGE_WARNING, UserWarning, stacklevel=2)
    check_layout("range", layout)
    first, last, stride = _range_number(start), _range_number(end), _range_number(step)
    if out is not None and dtype is not None and out.dtype is not dtype:
        raise RuntimeError(f"dtype {type_name(dtype)} does not match dtype of out parameter ({type_name(out.dtype)})")
    d = dtype if dtype is not None else (out.dtype if out is not None else get_default_dtype())
    if d.category in (_BOOL, _COMPLEX):
        raise NotImplementedError(f"\"range_cpu\" not implemented for '{type_name(d)}'")
    if stride == 0:
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(first) and math.isfinite(last)):
        raise RuntimeError(f"unsupported range: {_fmt(first)} -> {_fmt(last)}")
    if (stride > 0 and last < first) or (stride < 0 and last > first):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    dev = resolve_device(device)
    if d.category == _INT:
        xs, xe, xst = int(first), int(last), int(stride)
        if xst == 0:  # a fractional step truncated to 0 (PyTorch divides by it)
            raise RuntimeError("step must be nonzero")
        count, acc = (xe - xs) // xst + 1, int64  # same signs: floor division is C++'s truncation
    else:
        acc = float64 if d in (float32, float64) else float32
        work = np.dtype(acc.numpy_dtype).type
        count = int((work(last) - work(first)) / work(stride)) + 1
        xs, xst = first, stride  # type: ignore[assignment]
    from .creation import arange

    values = arange(max(count, 0), dtype=acc, device=dev) * xst + xs
    result = values.to(d)  # type: ignore[attr-defined]
    if out is not None:
        return copy_to_out(result, out)
    return _requires_grad(result, requires_grad)


# ------------------------------------------------------------------ histogramdd


def _hist_dtype_name(d: dtype) -> str:
    return _CPP_NAMES[d.name]


def histogramdd(
    input: Tensor,
    bins: int | Sequence[int] | Sequence[Tensor],
    *,
    range: Sequence[float] | None = None,
    weight: Tensor | None = None,
    density: bool = False,
) -> histogramdd_result:
    """``(hist, bin_edges)``: the ``D``-dimensional histogram of the points in ``input`` (shape ``(..., D)``).

    ``bins`` is a count of equal-width bins for every dim, a count per dim, or a 1-D tensor of increasing
    edges per dim. With counts, each dim's edges span ``range`` (``[min0, max0, min1, max1, ...]``) or the
    data's range (widened by 0.5 each side when it is a single value). A point falls in bin ``i`` of a dim when
    ``edges[i] <= x < edges[i + 1]``, the last bin closed on the right; points outside (and NaN) are not
    counted. ``weight`` (shape ``input.shape[:-1]``) weighs the points; ``density`` divides by the total and by
    each bin's volume. ``hist`` has ``input``'s dtype (float32/float64); it carries no gradient.

    Example:
        >>> import tocha
        >>> x = tocha.tensor([[0.0, 1.0], [1.0, 0.0], [2.0, 0.0], [2.0, 2.0]])
        >>> tocha.histogramdd(x, bins=[2, 2]).hist
        tensor([[0., 1.],
                [2., 1.]])
    """
    x = tensor_arg("histogramdd", input)
    nd = x._data.ndim
    if nd == 0:
        raise IndexError("Dimension specified as -1 but tensor has no dimensions")
    if nd < 2:
        raise RuntimeError("torch.histogramdd: input tensor should have at least 2 dimensions")
    if x._dtype not in (float32, float64):
        raise NotImplementedError(f"\"histogramdd\" not implemented for '{type_name(x._dtype)}'")
    n_dims = x.shape[-1]
    dev = x._device
    if isinstance(bins, TensorBase) or not isinstance(bins, (int, np.integer, list, tuple)):
        raise TypeError(
            f"histogramdd(): argument 'bins' must be int, tuple of ints or tuple of Tensors, not {type(bins).__name__}"
        )
    tensor_bins = isinstance(bins, (list, tuple)) and any(isinstance(b, TensorBase) for b in bins)
    if isinstance(bins, (list, tuple)):
        for i, b in enumerate(bins):
            if tensor_bins and not isinstance(b, TensorBase):
                raise TypeError(f"expected Tensor as element {i} in argument 1, but got {type(b).__name__}")
            if not tensor_bins and (isinstance(b, (bool, float)) or not isinstance(b, (int, np.integer))):
                raise TypeError(f"expected Tensor as element {i} in argument 1, but got {type(b).__name__}")
        if len(bins) != n_dims:
            raise RuntimeError("histogramdd: The size of bins must be equal to the innermost dimension of the input.")
    if range is not None and len(range) != 2 * n_dims:
        raise RuntimeError(
            f"torch.histogramdd: for a {n_dims}-dimensional histogram range should have {2 * n_dims} elements, but "
            f"got {len(range)}"
        )
    if weight is not None:
        w = tensor_arg("histogramdd", weight, "weight", 4)
        if tuple(w.shape) != tuple(x.shape[:-1]):
            raise RuntimeError(
                "torch.histogramdd: if weight tensor is provided it should have the same shape as the input tensor "
                f"excluding its innermost dimension, but got input with shape {list(x.shape)} and weight with shape "
                f"{list(w.shape)}"
            )
        if w._dtype is not x._dtype:
            raise RuntimeError(
                "torch.histogramdd: if weight tensor is provided, input tensor and weight tensor should have the same "
                f"dtype, but got input({_hist_dtype_name(x._dtype)}), and weight({_hist_dtype_name(w._dtype)})"
            )
    points = x.reshape(-1, n_dims)  # type: ignore[attr-defined]
    edges = _hist_edges(points, bins, range, tensor_bins)
    if n_dims == 0:
        return histogramdd_result(zeros((), dtype=x._dtype, device=dev), ())
    counts = [int(e.shape[0]) - 1 for e in edges]
    flat = zeros(points.shape[0], dtype=int64, device=dev)
    valid = None
    stride = 1
    from .elementwise import where
    from .sorting import bincount, searchsorted

    for d in reversed(_irange(n_dims)):
        e, nb = edges[d], counts[d]
        column = points[:, d].contiguous()
        pos = searchsorted(e, column, right=True) - 1
        pos = where(column == e[-1], nb - 1, pos).clamp(0, max(nb - 1, 0))  # type: ignore[attr-defined]
        inside = (column >= e[0]) & (column <= e[-1])
        valid = inside if valid is None else valid & inside
        flat = flat + pos * stride
        stride *= nb
    assert valid is not None
    index = where(valid, flat, stride)  # out-of-range points land in one extra bin, dropped below
    w_flat = None if weight is None else weight.reshape(-1)  # type: ignore[attr-defined]
    hist = bincount(index, w_flat, minlength=stride + 1)[:stride].to(x._dtype)  # type: ignore[attr-defined]
    hist = hist.reshape(counts)
    if density:
        hist = hist / hist.sum()
        for d in _irange(n_dims):
            shape = [1] * n_dims
            shape[d] = counts[d]
            hist = hist / edges[d].diff().reshape(shape)  # type: ignore[attr-defined]
    return histogramdd_result(hist, tuple(edges))


def _hist_edges(points: Tensor, bins: Any, limits: Sequence[float] | None, tensor_bins: bool) -> list[Tensor]:
    """Each dim's bin edges (tensors of ``points``' dtype), checked as PyTorch checks them."""
    n_dims = points.shape[-1]
    d_type = points._dtype
    edges: list[Tensor] = []
    if tensor_bins:
        for d, e in enumerate(bins):
            if e.dim() != 1:
                raise RuntimeError(
                    f"torch.histogramdd: bins tensor should have one dimension, but got {e.dim()} dimensions in the "
                    f"bins tensor for dimension {d}"
                )
            if e._dtype is not d_type:
                raise RuntimeError(
                    "torch.histogramdd: input tensor and bins tensors should have the same dtype, but got input with "
                    f"dtype {_hist_dtype_name(d_type)} and bins for dimension {d} with dtype "
                    f"{_hist_dtype_name(e._dtype)}"
                )
            _check_edge_count(e, d)
            edges.append(e)
        return edges
    counts = [int(bins)] * n_dims if isinstance(bins, (int, np.integer)) else [int(b) for b in bins]
    if limits is None and points.shape[0]:
        lows, highs = points.amin(0).tolist(), points.amax(0).tolist()  # type: ignore[attr-defined]
    for d in _irange(n_dims):
        if limits is not None:
            low, high = float(limits[2 * d]), float(limits[2 * d + 1])
        elif points.shape[0]:
            low, high = float(lows[d]), float(highs[d])
        else:
            low, high = 0.0, 1.0
        if low > high:
            raise RuntimeError(
                f"torch.histogramdd: min should not exceed max, but got min {low:g} max {high:g} for dimension {d}"
            )
        if not (math.isfinite(low) and math.isfinite(high)):
            raise RuntimeError(f"torch.histogramdd: dimension {d}'s range [{low:g}, {high:g}] is not finite")
        if low == high:
            low, high = low - 0.5, high + 0.5
        if counts[d] + 1 < 0:
            raise RuntimeError("number of steps must be non-negative")
        e = linspace(low, high, counts[d] + 1, dtype=d_type, device=points._device)
        _check_edge_count(e, d)
        edges.append(e)
    return edges


def _check_edge_count(e: Tensor, d: int) -> None:
    n = int(e.shape[0])
    if n == 0:
        raise RuntimeError(
            "torch.histogramdd: bins tensor should have at least 1 element, but got 0 elements in the bins tensor "
            f"for dimension {d}"
        )
    if n == 1:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got 0 for dimension {d}")


# ------------------------------------------------------------------ LU and QR helpers


_PIVOT_RANGE_ERROR = (
    "pivots passed to lu_unpack must be between 1 and LU.size(-2) inclusive.Did you properly pass the result of "
    "lu_factor?"
)


def lu_unpack(
    LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True, unpack_pivots: bool = True, *, out: Any = None
) -> lu_unpack_result:
    """``(P, L, U)`` from :func:`tocha.linalg.lu_factor`'s packed ``LU`` and 1-based int32 ``pivots``: ``A = P L U``.

    For ``LU`` of shape ``(*, m, n)`` and ``k = min(m, n)``: ``P`` is ``(*, m, m)`` (in ``LU``'s dtype), ``L``
    ``(*, m, k)`` unit lower triangular and ``U`` ``(*, k, n)`` upper triangular. ``unpack_data=False`` or
    ``unpack_pivots=False`` leaves ``L, U`` or ``P`` empty. Gradients flow from ``L`` and ``U`` to ``LU_data``.

    Raises:
        RuntimeError: ``LU_data`` has fewer than 2 dims; ``LU_pivots`` is not int32 or holds a pivot outside
            ``[1, m]`` (when ``unpack_pivots``).

    Example:
        >>> import tocha
        >>> A = tocha.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> P, L, U = tocha.lu_unpack(*tocha.linalg.lu_factor(A))
        >>> P @ L @ U
        tensor([[1., 2.],
                [3., 4.]])
    """
    lu = tensor_arg("lu_unpack", LU_data, "LU_data")
    pivots = tensor_arg("lu_unpack", LU_pivots, "LU_pivots", 2)
    if lu._data.ndim < 2:
        raise RuntimeError(
            f"torch.lu_unpack: Expected tensor with 2 or more dimensions. Got size: {list(lu.shape)} instead"
        )
    *batch, m, n = lu.shape
    k = min(m, n)
    dev = lu._device
    none = empty(0, dtype=lu._dtype, device=dev)
    low = up = perm_matrix = none
    if unpack_data:
        from .elementwise import where
        from .shape_join import tril, triu

        eye = eye_like(lu, m)[:, :k]
        low = where(eye.to(bool_), eye, tril(lu[..., :, :k], -1))
        up = triu(lu[..., :k, :])
    if unpack_pivots:
        if pivots._dtype is not int32:
            raise RuntimeError(
                "torch.lu_unpack: LU_pivots is expected to be a contiguous tensor of torch.int32 dtype.\n"
                "Note: this function is intended to be used with the output produced by torch.linalg.lu_factor"
            )
        if pivots._data.ndim == 0:
            raise RuntimeError(_PIVOT_RANGE_ERROR)
        used = pivots[..., : min(int(pivots.shape[-1]), m)]
        if used.numel() and bool(((used < 1) | (used > m)).any()):  # type: ignore[attr-defined]
            raise RuntimeError(_PIVOT_RANGE_ERROR)
        perm = wrap(pivots_to_perm(dev._xp or _xp(dev), used._data, m), dev)
        from .creation import arange

        rows = arange(m, device=dev).unsqueeze(-1)  # type: ignore[attr-defined]
        onehot = perm.unsqueeze(-2) == rows  # type: ignore[attr-defined]  # P[r, i] = (perm[i] == r)
        target = (*np.broadcast_shapes(tuple(batch), tuple(onehot.shape[:-2])), m, m)
        perm_matrix = onehot.to(lu._dtype).expand(target).contiguous()
    result = (perm_matrix, low, up)
    return lu_unpack_result(*_write_all(result, out, "lu_unpack"))


def _xp(dev: Any) -> Any:
    from .._backend import xp_of

    return xp_of(dev)


def _geqrf_forward(xp: Any, a: Any) -> tuple[Any, Any]:
    *batch, m, n = a.shape
    k = min(m, n)
    if a.size == 0:
        h = xp.zeros((*batch, n, m), dtype=a.dtype)
        return xp.swapaxes(h, -1, -2), xp.zeros((*batch, k), dtype=a.dtype)
    if xp is np or a.ndim == 2:
        h, tau = xp.linalg.qr(a, mode="raw")
    else:  # one matrix at a time where the array module may not batch the raw mode
        flat = a.reshape(-1, m, n)
        parts = [xp.linalg.qr(flat[i], mode="raw") for i in _irange(flat.shape[0])]
        h = xp.stack([p[0] for p in parts]).reshape((*batch, n, m))
        tau = xp.stack([p[1] for p in parts]).reshape((*batch, k))
    h = xp.ascontiguousarray(h.astype(a.dtype, copy=False))  # the reflectors, column-major as LAPACK leaves them
    return xp.swapaxes(h, -1, -2), tau.astype(a.dtype, copy=False)


def _geqrf_reference(a: Any) -> Any:
    h, tau = np.linalg.qr(a, mode="raw")
    return np.swapaxes(h, -1, -2), tau


def _geqrf_samples(device: Any, d: dtype) -> Any:
    from ..testing import SampleInput, make_tensor

    def make(*shape: int) -> Tensor:
        return make_tensor(*shape, dtype=d, device=device, low=-1.0, high=1.0)

    yield SampleInput(make(3, 3), name="square")
    yield SampleInput(make(5, 3), name="tall")
    yield SampleInput(make(2, 3, 4), name="batched-wide")
    yield SampleInput(make(0, 3), name="empty")


GEQRF = register_op(
    OpRecord(
        name="geqrf",
        forward=_geqrf_forward,
        num_outputs=2,
        dtypes=LINALG_DTYPES,
        test=OpTest(samples=_geqrf_samples, reference=_geqrf_reference, torch_name="geqrf", atol=1e-4, rtol=1e-4),
    )
)


def _lapack_dtype(op: str, kernel: str, x: Tensor) -> None:
    if x._dtype not in LINALG_DTYPES:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_name(x._dtype)}'")


def geqrf(input: Tensor, *, out: Any = None) -> geqrf_result:
    r"""``(a, tau)``: LAPACK's ``geqrf`` QR factorisation of ``input`` (``(*, m, n)``), Householder form.

    ``a``'s upper triangle holds ``R``; below the diagonal, column ``i`` holds the reflector :math:`v_i`
    (implicit 1 on the diagonal), and ``Q = H_1 \cdots H_k`` with :math:`H_i = I - \tau_i v_i v_i^H`,
    ``k = min(m, n)`` (:func:`tocha.orgqr` forms ``Q``, :func:`tocha.ormqr` applies it). ``a`` is laid out
    column-major, as PyTorch's. Not differentiable (neither is PyTorch's).

    Example:
        >>> import tocha
        >>> a, tau = tocha.geqrf(tocha.tensor([[3.0, 1.0], [4.0, 2.0]]))
        >>> a
        tensor([[-5.0000, -2.2000],
                [ 0.5000,  0.4000]])
        >>> tau
        tensor([1.6000, 0.0000])
    """
    x = tensor_arg("geqrf", input)
    if x._data.ndim < 2:
        raise RuntimeError("torch.geqrf: input must have at least 2 dimensions.")
    _lapack_dtype("geqrf", "geqrf_cpu", x)
    a, tau = call(GEQRF, x._device, (x,), ())
    return geqrf_result(*_write_all((a, tau), out, "geqrf"))


def _column_major(t: Tensor) -> Tensor:
    """``t`` with LAPACK's (batched column-major) strides, as PyTorch's orgqr / ormqr results have."""
    return t.mT.contiguous().mT  # type: ignore[attr-defined,no-any-return]


def orgqr(input: Tensor, input2: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The ``Q`` of a :func:`tocha.geqrf` factorisation: ``input``'s reflectors and ``input2`` (their ``tau``).

    The same as :func:`tocha.linalg.householder_product` (``input2`` is PyTorch's name for ``tau``).

    Example:
        >>> import tocha
        >>> A = tocha.tensor([[3.0, 1.0], [4.0, 2.0]])
        >>> tocha.orgqr(*tocha.geqrf(A))
        tensor([[-0.6000, -0.8000],
                [-0.8000,  0.6000]])
    """
    x = tensor_arg("orgqr", input)
    tau = tensor_arg("orgqr", input2, "input2", 2)
    op = "torch.linalg.householder_product"
    if x._data.ndim < 2:
        raise RuntimeError(f"{op}: input must have at least 2 dimensions.")
    _check_reflectors(op, x, tau, "householder")
    _lapack_dtype("orgqr", "orgqr_cpu", x)
    return _write(_column_major(householder_product(x, tau)), out)


def _check_reflectors(op: str, x: Tensor, tau: Tensor, kind: str) -> None:
    """PyTorch's shape and dtype checks of ``(input, tau)`` for orgqr (``kind="householder"``) and ormqr."""
    m, n = x.shape[-2], x.shape[-1]
    if kind == "householder":
        if m < n:
            raise RuntimeError(f"{op}: input.shape[-2] must be greater than or equal to input.shape[-1]")
        if tau._data.ndim == 0:
            raise IndexError("Dimension specified as -1 but tensor has no dimensions")
        if tau.shape[-1] > n:
            raise RuntimeError(f"{op}: input.shape[-1] must be greater than or equal to tau.shape[-1]")
    if tau._data.ndim != x._data.ndim - 1:
        raise RuntimeError(
            f"{op}: Expected tau to have one dimension less than input, but got tau.ndim equal to {tau._data.ndim} "
            f"and input.ndim is equal to {x._data.ndim}"
        )
    if tuple(tau.shape[:-1]) != tuple(x.shape[:-2]):
        raise RuntimeError(
            f"{op}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got {list(tau.shape[:-1])}"
        )
    if kind == "householder" and tau._dtype is not x._dtype:
        raise RuntimeError(f"{op}: tau dtype {type_name(tau._dtype)} does not match input dtype {type_name(x._dtype)}")


def ormqr(
    input: Tensor,
    input2: Tensor,
    input3: Tensor,
    left: bool = True,
    transpose: bool = False,
    *,
    out: Tensor | None = None,
) -> Tensor:
    r"""``Q C``, ``Q^H C``, ``C Q`` or ``C Q^H`` for ``C = input3`` and ``Q`` of :func:`tocha.geqrf`'s factors.

    ``input`` holds the reflectors and ``input2`` their ``tau``; ``Q = H_1 \cdots H_k`` is never formed: the
    reflectors are applied to ``C`` one by one. ``left`` multiplies from the left, ``transpose`` uses ``Q^H``
    (the conjugate transpose for complex dtypes). Differentiable with respect to all three tensors.

    Example:
        >>> import tocha
        >>> A = tocha.tensor([[3.0, 1.0], [4.0, 2.0]])
        >>> a, tau = tocha.geqrf(A)
        >>> tocha.ormqr(a, tau, A, transpose=True)  # Q^T A = R
        tensor([[-5.0000, -2.2000],
                [ 0.0000,  0.4000]])
    """
    x = tensor_arg("ormqr", input)
    tau = tensor_arg("ormqr", input2, "input2", 2)
    c = tensor_arg("ormqr", input3, "input3", 3)
    op = "torch.ormqr"
    if x._data.ndim < 2:
        raise RuntimeError(f"{op}: input must have at least 2 dimensions.")
    if c._data.ndim < 2:
        raise RuntimeError(f"{op}: other must have at least 2 dimensions.")
    if c._dtype is not x._dtype:
        raise RuntimeError(
            f"{op}: Expected input and other to have the same dtype, but input has dtype{type_name(x._dtype)} and "
            f"other has dtype {type_name(c._dtype)}"
        )
    _lapack_dtype("ormqr", "ormqr_cpu", x)
    side = -2 if left else -1
    k = tau.shape[-1] if tau._data.ndim else 0
    if tau._data.ndim and k != min(c.shape[side], x.shape[-1]):
        raise RuntimeError(f"{op}: tau.shape[-1] must be equal to min(other.shape[{side}], input.shape[-1])")
    if c.shape[side] != x.shape[-2]:
        raise RuntimeError(f"{op}: other.shape[{side}] must be equal to input.shape[-2]")
    _check_reflectors(op, x, tau, "ormqr")
    if c._data.ndim != x._data.ndim:
        raise RuntimeError(
            f"{op}: Expected other to have the same number of dimensions as input, but got other.ndim equal to "
            f"{c._data.ndim} and input.ndim is equal to {x._data.ndim}"
        )
    if tuple(c.shape[:-2]) != tuple(x.shape[:-2]):
        raise RuntimeError(
            f"{op}: Expected batch dimensions of other to be equal to input.shape[:-2], but got {list(c.shape[:-2])}"
        )
    if tau._dtype is not x._dtype:
        raise RuntimeError(
            f"{op}: Expected input and tau to have the same dtype, but input has dtype{type_name(x._dtype)} and tau "
            f"has dtype {type_name(tau._dtype)}"
        )
    return _write(_column_major(_apply_reflectors(x, tau, c, left, transpose)), out)


def _apply_reflectors(x: Tensor, tau: Tensor, c: Tensor, left: bool, transpose: bool) -> Tensor:
    r"""``op(Q) C`` or ``C op(Q)``, applying :math:`H_i = I - \tau_i v_i v_i^H` (:math:`\bar\tau_i` for ``Q^H``).

    ``Q C = H_1 (H_2 (\cdots H_k C))`` runs ``i = k..1``; ``Q^H C`` runs ``i = 1..k``; ``C Q`` runs ``i = 1..k``
    and ``C Q^H`` runs ``i = k..1``.
    """
    from .shape import select
    from .shape_join import tril

    m, k = x.shape[-2], tau.shape[-1]
    reflectors = tril(x[..., :, :k], -1) + eye_like(x, m)[:, :k]
    order = list(_irange(k))
    if left != transpose:
        order.reverse()
    result = c
    for i in order:
        v = select(reflectors, -1, i).unsqueeze(-1)  # type: ignore[attr-defined]
        t_i = select(tau, -1, i).unsqueeze(-1).unsqueeze(-1)  # type: ignore[attr-defined]
        if transpose:
            t_i = t_i.conj()
        if left:
            result = result - v @ (t_i * (v.mH @ result))  # type: ignore[attr-defined]
        else:
            result = result - ((result @ v) * t_i) @ v.mH  # type: ignore[attr-defined]
    if result is c:
        result = c.clone()  # type: ignore[attr-defined]
    return result


# ------------------------------------------------------------------ elementwise and indexing


def rsub(input: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """``other - alpha * input``: :func:`tocha.sub` with its operands swapped (PyTorch's types and checks).

    Example:
        >>> import tocha
        >>> tocha.rsub(tocha.tensor([1.0, 2.0]), 5, alpha=2)
        tensor([3., 1.])
    """
    from .elementwise_arith import sub

    x = tensor_arg("rsub", input)
    if isinstance(alpha, complex) and not result_type_of(x, other).is_complex:
        raise RuntimeError("For non-complex input tensors, argument alpha must not be a complex number.")
    return sub(other, x, alpha=alpha)


_C_TYPE = {
    "bool": "bool", "uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int", "int64": "int64_t",
    "uint16": "uint16_t", "uint32": "uint32_t", "uint64": "uint64_t", "float16": "c10::Half",
    "bfloat16": "c10::BFloat16", "float32": "float", "float64": "double", "complex64": "c10::complex<float>",
    "complex128": "c10::complex<double>",
}  # fmt: skip


def _pad_value(value: Any, d: dtype) -> Any:
    """``value`` as a Python number of ``d``'s kind; PyTorch's overflow RuntimeError where it does not fit."""
    if isinstance(value, TensorBase):
        value = value.item()  # type: ignore[attr-defined]
    if isinstance(value, np.generic):
        value = value.item()
    if not isinstance(value, (bool, int, float, complex)):
        raise TypeError(f"constant_pad_nd(): argument 'value' must be Number, not {type(value).__name__}")
    overflow = RuntimeError(f"value cannot be converted to type {_C_TYPE[d.name]} without overflow")
    if d.category == _COMPLEX:
        return complex(value)
    if isinstance(value, complex):
        if value.imag != 0:
            raise overflow
        value = value.real
    if d.category == _BOOL:
        return bool(value)
    if d.category == _INT:
        if isinstance(value, float):
            if not math.isfinite(value):
                raise overflow
            value = int(value)
        info = np.iinfo(d.numpy_dtype)
        if not info.min <= value <= info.max:
            raise overflow
        return int(value)
    value = float(value)
    if math.isfinite(value) and abs(value) > float(finfo(d).max):  # tocha's finfo: bfloat16 too
        raise overflow
    return value


def constant_pad_nd(input: Tensor, pad: Sequence[int], value: Any = 0) -> Tensor:
    """``input`` padded with ``value``: ``pad = (before_last, after_last, before_2nd_last, ...)``.

    Negative pads crop. The result is a new tensor (never a view of ``input``) in ``input``'s memory format;
    gradients flow to ``input``.

    Raises:
        RuntimeError: ``pad`` has odd length or more than two entries per dim, a padded size is negative, or
            ``value`` does not fit ``input``'s dtype.

    Example:
        >>> import tocha
        >>> tocha.constant_pad_nd(tocha.tensor([[1, 2]]), (1, 0, 0, 1), 9)
        tensor([[9, 1, 2],
                [9, 9, 9]])
    """
    from .shape_join import cat

    x = tensor_arg("constant_pad_nd", input)
    pads = _int_list("constant_pad_nd", "pad", 2, pad)
    nd = x._data.ndim
    if len(pads) % 2:
        raise RuntimeError(f"Length of pad must be even but instead it equals {len(pads)}")
    if len(pads) > 2 * nd:
        raise RuntimeError(
            "Length of pad should be no more than twice the number of dimensions of the input. Pad length is "
            f"{len(pads)}while the input has {nd}dimensions."
        )
    fill = _pad_value(value, x._dtype)
    fmt = suggest_format(tuple(x.shape), tuple(x.stride()))  # type: ignore[attr-defined]
    result = x
    for i in _irange(len(pads) // 2):
        d = nd - 1 - i
        before, after = pads[2 * i], pads[2 * i + 1]
        size = result.shape[d]
        if size + before + after < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
        start, stop = max(-before, 0), size - max(-after, 0)
        if start or stop != size:
            result = result.narrow(d, start, max(stop - start, 0))  # type: ignore[attr-defined]
        pieces = []
        for amount in (before, after):
            shape = list(result.shape)
            shape[d] = max(amount, 0)
            pieces.append(full(shape, fill, dtype=x._dtype, device=x._device))
        if before > 0 or after > 0:
            result = cat([pieces[0], result, pieces[1]], d)
    if result is x or result._base is not None:  # nothing added: a crop (a view) or the input itself, cloned
        return result.clone()  # type: ignore[attr-defined,no-any-return]  # in its own layout, as PyTorch
    if fmt is not contiguous_format:
        result = result.contiguous(memory_format=fmt)  # type: ignore[attr-defined]
    return result


def nonzero_static(input: Tensor, *, size: int, fill_value: int = -1, out: Tensor | None = None) -> Tensor:
    """:func:`tocha.nonzero`'s ``(n, input.dim())`` indices cut or padded (with ``fill_value``) to ``size`` rows.

    Example:
        >>> import tocha
        >>> tocha.nonzero_static(tocha.tensor([[0, 1], [2, 0]]), size=3)
        tensor([[ 0,  1],
                [ 1,  0],
                [-1, -1]])
    """
    from .indexing_select import nonzero
    from .shape_join import cat

    x = tensor_arg("nonzero_static", input)
    if isinstance(size, (bool, float)) or not hasattr(size, "__index__"):
        raise TypeError(f"nonzero_static(): argument 'size' must be int, not {type(size).__name__}")
    if isinstance(fill_value, (bool, float)) or not hasattr(fill_value, "__index__"):
        raise TypeError(f"nonzero_static(): argument 'fill_value' must be int, not {type(fill_value).__name__}")
    rows, fill = operator.index(size), operator.index(fill_value)
    if rows < 0:
        raise RuntimeError("nonzero_static: 'size' must be an non-negative integer")
    if out is not None and isinstance(out, TensorBase) and out._dtype is not int64:
        raise RuntimeError(
            f"nonzero_static: Expected out tensor to have scalar type Long but got scalar type{type_name(out._dtype)}"
        )
    found = nonzero(x)
    n = found.shape[0]
    if n >= rows:
        result = found[:rows].clone(memory_format=contiguous_format)  # row-major (nonzero's is column-major)
    else:
        padding = full((rows - n, found.shape[1]), fill, dtype=int64, device=x._device)
        result = cat([found, padding], 0)
    return _write(result, out)


# ------------------------------------------------------------------ settings and interop


def set_flush_denormal(mode: bool, /) -> bool:
    """Ask the CPU to flush denormal floats to zero; returns whether it could. Always False in tocha.

    NumPy exposes no control of the FPU's flush-to-zero / denormals-are-zero flags, so tocha cannot honour the
    request and returns False, as PyTorch does on a CPU without that support; nothing changes.

    Raises:
        RuntimeError: ``mode`` is not a bool.

    Example:
        >>> import tocha
        >>> tocha.set_flush_denormal(True)
        False
    """
    if not isinstance(mode, bool):
        raise RuntimeError(f"flush_denormal expects a bool, but got {type(mode).__name__}")
    return False


def get_device(input: Tensor) -> int:
    """The index of ``input``'s CUDA device, or -1 for a CPU tensor.

    Example:
        >>> import tocha
        >>> tocha.get_device(tocha.ones(2))
        -1
    """
    return tensor_arg("get_device", input).get_device()


def to_dlpack(tensor: Tensor) -> Any:
    """A DLPack capsule sharing ``tensor``'s memory (the legacy protocol; see ``tocha.utils.dlpack.to_dlpack``).

    Example:
        >>> import tocha
        >>> tocha.from_dlpack(tocha.to_dlpack(tocha.arange(3)))
        tensor([0, 1, 2])
    """
    from .._dlpack import to_dlpack as export_capsule

    return export_capsule(tensor)


# ------------------------------------------------------------------ anomaly mode (tocha-autograd's)


def is_anomaly_enabled() -> bool:
    """Whether autograd's anomaly detection is on (tocha-autograd's ``is_anomaly_enabled``; False without it).

    Example:
        >>> import tocha
        >>> tocha.is_anomaly_enabled()
        False
    """
    module = load_autograd()
    return False if module is None else bool(module.is_anomaly_enabled())


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """Turn autograd's anomaly detection on or off (``tocha.autograd.set_detect_anomaly(enabled, check_nan)``).

    Raises:
        TypeError: ``enabled`` or ``check_nan`` is not a bool.
        RuntimeError: tocha-autograd is not installed.

    Example:
        The example needs tocha-autograd.

        >>> import tocha
        >>> tocha.set_anomaly_enabled(True)
        >>> tocha.is_anomaly_enabled()
        True
        >>> tocha.set_anomaly_enabled(False)
    """
    for name, position, value in (("enabled", 1, enabled), ("check_nan", 2, check_nan)):
        if not isinstance(value, bool):
            raise TypeError(
                f"set_anomaly_enabled(): argument '{name}' (position {position}) must be bool, not "
                f"{type(value).__name__}"
            )
    module = load_autograd()
    if module is None:
        raise RuntimeError(
            "set_anomaly_enabled(): anomaly detection is part of autograd, which needs the tocha-autograd package: "
            "pip install tocha-autograd (or the full stack: pip install tocha)"
        )
    module.set_detect_anomaly(enabled, check_nan)


def is_anomaly_check_nan_enabled() -> bool:
    """Whether anomaly mode checks gradients for NaN (tocha-autograd's ``is_anomaly_check_nan_enabled``; False
    without it).

    Example:
        >>> import tocha
        >>> tocha.is_anomaly_check_nan_enabled() in (True, False)
        True
    """
    module = load_autograd()
    return False if module is None else bool(module.is_anomaly_check_nan_enabled())


for _fn in __all__:
    globals()[_fn].__module__ = "tocha"
del _fn


# ------------------------------------------------------------------ Tensor methods


class MiscToplevelMethods:
    """Tensor methods of this module's functions that PyTorch also has as methods."""

    __slots__ = ()

    def geqrf(self: Any) -> geqrf_result:
        """See :func:`tocha.geqrf`."""
        return geqrf(self)

    def orgqr(self: Any, input2: Tensor) -> Tensor:
        """See :func:`tocha.orgqr`."""
        return orgqr(self, input2)

    def ormqr(self: Any, input2: Tensor, input3: Tensor, left: bool = True, transpose: bool = False) -> Tensor:
        """See :func:`tocha.ormqr`."""
        return ormqr(self, input2, input3, left, transpose)

    def nonzero_static(self: Any, *, size: int, fill_value: int = -1) -> Tensor:
        """See :func:`tocha.nonzero_static`."""
        return nonzero_static(self, size=size, fill_value=fill_value)
