"""tocha.nn.functional: pooling (max, average, adaptive, power-average) and max unpooling.

NOTE [ Pooling kernels ]
Every pooling op works on a batched input ``(N, C, *spatial)`` (the public functions add and remove the batch
dimension of an unbatched input). Forwards never loop over pixels or batch: they loop over the kernel offsets
only, each offset giving one strided view of the (padded) input of the output's shape.

- ``max_pool`` returns ``(values, indices)``. For kernels of at most 4 taps (the common 2x2) the values are a
  chain of ``maximum`` over the offset views (NaN propagates as in PyTorch) and the index is the first offset
  whose view equals the maximum, found with running ``&`` of the ``!=`` masks summed as small integers (cheaper
  than ``where`` chains). Larger kernels go axis by axis (the max over a box is the max over rows of the max
  along each row), reading each element about ``2k`` rather than ``k**2`` times; the per-axis first-maximum
  offsets are combined back into the window's first maximum in row-major order. The offset becomes a flat index
  into each channel's spatial plane (PyTorch's layout, int64). ``max_pool_values`` is the same forward without
  the indices, used when nothing needs a gradient and the caller does not ask for indices. Two cases then take
  PyTorch's indices (its scan's, ``_as_pytorch_scans``): a window holding NaN gets the NaN value and its last
  NaN's index, and a window whose maximum is -inf (padding included) its first in-bounds position. On CUDA,
  1-D and 2-D pooling of float32/float64 runs fused kernels instead, one launch each way, forward and backward
  (NOTE [ Fused max-pool kernels ], PyTorch's scan itself).
- ``max_pool_backward(grad, indices)`` scatters ``grad`` into the planes (assignment when windows cannot overlap,
  ``bincount`` accumulation when they can). Its vjp is a gather of the incoming gradient at the same indices
  (``tocha.take``), so double backward works. ``adaptive_max_pool`` uses it too; ``max_unpool`` is the
  same scatter (assigning) with the same gather as vjp.
- ``avg_pool`` sums the windows axis by axis (separable) and multiplies by the reciprocal divisor, a product of
  per-axis window counts (``count_include_pad`` and ``ceil_mode`` only change those counts). It is linear, so
  its vjp is ``avg_pool_backward`` (the transpose: scatter-adds over the same views, axis by axis) and that
  one's vjp is ``avg_pool``.
- ``adaptive_avg_pool`` is separable as well: one small averaging matrix per spatial axis, applied with
  ``matmul``; its transpose op applies the transposed matrices. The same machinery serves ``interpolate``
  (see ``_vision.py``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator, Sequence
from itertools import product
from typing import Any

import numpy as np

import tocha
from tocha import Tensor
from tocha.library import OpRecord, call, register_op, scalar_type_name

from . import _cuda_pool_kernels

__all__ = [
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "max_pool1d_with_indices",
    "max_pool2d_with_indices",
    "max_pool3d_with_indices",
    "max_unpool1d",
    "max_unpool2d",
    "max_unpool3d",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "fractional_max_pool2d",
    "fractional_max_pool3d",
    "fractional_max_pool2d_with_indices",
    "fractional_max_pool3d_with_indices",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "adaptive_max_pool3d",
    "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d_with_indices",
    "adaptive_max_pool3d_with_indices",
    "lp_pool1d",
    "lp_pool2d",
    "lp_pool3d",
]

_WORDS = {1: "one", 2: "two", 3: "three"}
_AXES = {1: ("W",), 2: ("H", "W"), 3: ("T", "H", "W")}


# ------------------------------------------------------------------ argument checks


def _ntuple_arg(value: Any, nd: int, op: str, what: str) -> tuple[int, ...]:
    """``value`` as ``nd`` ints; PyTorch's error when it has the wrong length."""
    if isinstance(value, (list, tuple)):
        if len(value) == 1:
            return (int(value[0]),) * nd
        if len(value) != nd:
            raise RuntimeError(f"{op}: {what} must either be a single int, or a tuple of {_WORDS[nd]} ints")
        return tuple(int(v) for v in value)
    return (int(value),) * nd


def _stride_arg(stride: Any, kernel: tuple[int, ...], nd: int, op: str) -> tuple[int, ...]:
    if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0):
        return kernel
    return _ntuple_arg(stride, nd, op, "stride")


def _check_batched(input: Tensor, nd: int, op: str) -> bool:
    """Whether ``input`` has a batch dimension; raises PyTorch's error for a wrong rank or empty spatial dims."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    shape = tuple(input.shape)
    if input.dim() not in (nd + 1, nd + 2) or any(s == 0 for s in shape[-nd - 1 :]):
        raise RuntimeError(
            f"{op}: Expected {nd + 1}D or {nd + 2}D (batch mode) tensor with optional 0 dim batch size for input, "
            f"but got:{list(shape)}"
        )
    return input.dim() == nd + 2


def _pool_out_size(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output length: the last window must start inside the input or the left padding."""
    span = size + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


@functools.lru_cache(maxsize=256)  # a pure function of hashable arguments, called on every pooling call
def _pool_shape(
    op: str,
    shape: tuple[int, ...],
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    padding: tuple[int, ...],
    dilation: tuple[int, ...],
    ceil_mode: bool,
) -> tuple[int, ...]:
    """Validate the pooling arguments (PyTorch's messages) and return the output's spatial shape."""
    nd = len(kernel)
    names = _AXES[nd]
    if any(k <= 0 for k in kernel):
        got = " ".join(f"k{n}: {k}" for n, k in zip(names, kernel, strict=True))
        raise RuntimeError(f"kernel size should be greater than zero, but got {got}")
    if any(s == 0 for s in stride):
        raise RuntimeError("stride should not be zero")
    if any(s < 0 for s in stride):
        got = " ".join(f"d{n}: {s}" for n, s in zip(names, stride, strict=True))
        raise RuntimeError(f"{op}: stride should be greater than zero, but got {got}")
    if any(d <= 0 for d in dilation):
        got = " ".join(f"dilation{n}: {d}" for n, d in zip(names, dilation, strict=True))
        raise RuntimeError(f"dilation should be greater than zero, but got {got}")
    for k, p, d in zip(kernel, padding, dilation, strict=True):
        if p < 0:
            raise RuntimeError(f"{op}: pad must be non-negative, but got pad: {p}")
        if p > ((k - 1) * d + 1) // 2:
            raise RuntimeError(
                "pad should be at most half of effective kernel size, "
                f"but got pad={p}, kernel_size={k} and dilation={d}"
            )
    spatial = shape[-nd:]
    out = tuple(
        _pool_out_size(n, k, s, p, d, ceil_mode)
        for n, k, s, p, d in zip(spatial, kernel, stride, padding, dilation, strict=True)
    )
    if any(o < 1 for o in out):
        one = (1,) if nd == 1 else ()  # PyTorch runs 1-D pooling as 2-D pooling of height 1
        given = "x".join(str(v) for v in (shape[-nd - 1], *one, *spatial))
        calc = "x".join(str(v) for v in (shape[-nd - 1], *one, *out))
        raise RuntimeError(f"Given input size: ({given}). Calculated output size: ({calc}). Output size is too small")
    return out


def _float_only(input: Tensor, op: str) -> None:
    if not input.is_floating_point():
        raise RuntimeError(f"\"{op}\" not implemented for '{scalar_type_name(input.dtype)}'")


# ------------------------------------------------------------------ window views


def _padded(xp: Any, x: Any, padding: Sequence[int], right: Sequence[int], value: Any) -> Any:
    """``x`` with ``padding`` before and ``right`` after each trailing spatial axis, filled with ``value``."""
    if not any(padding) and not any(right):
        return x
    nd = len(padding)
    shape = x.shape[:-nd] + tuple(n + p + r for n, p, r in zip(x.shape[-nd:], padding, right, strict=True))
    out = xp.full(shape, value, dtype=x.dtype)
    inner = (Ellipsis, *(slice(p, p + n) for p, n in zip(padding, x.shape[-nd:], strict=True)))
    out[inner] = x
    return out


def _right_padding(
    spatial: Sequence[int], out: Sequence[int], k: Sequence[int], s: Sequence[int], p: Sequence[int], d: Sequence[int]
) -> tuple[int, ...]:
    """Padding after each axis: ``p``, or more when a ceil-mode window runs past it."""
    return tuple(
        max(pi, (oi - 1) * si + di * (ki - 1) + 1 - n - pi)
        for n, oi, ki, si, pi, di in zip(spatial, out, k, s, p, d, strict=True)
    )


def _views(
    x: Any, out: Sequence[int], kernel: Sequence[int], stride: Sequence[int], dilation: Sequence[int]
) -> Iterator[Any]:
    """One strided view of ``x`` per kernel offset (row-major order), each of the output's shape."""
    for offset in product(*(range(k) for k in kernel)):
        key = tuple(
            slice(j * d, j * d + s * (o - 1) + 1, s) for j, d, s, o in zip(offset, dilation, stride, out, strict=True)
        )
        index = (Ellipsis, *key)
        yield x[index]


def _axis_views(x: Any, axis: int, n_out: int, k: int, s: int, d: int) -> list[Any]:
    """The ``k`` strided views of ``x`` along ``axis`` (one per kernel offset), each ``n_out`` long there."""
    lead = (slice(None),) * axis
    keys = [(*lead, slice(j * d, j * d + s * (n_out - 1) + 1, s)) for j in range(k)]
    return [x[key] for key in keys]


def _first_equal(xp: Any, views: Sequence[Any], best: Any) -> Any:
    """Index (``uint8``/``int32``) of the first view equal to ``best`` (the last one where none is: NaN)."""
    small = np.uint8 if len(views) < 256 else np.int32
    running = views[0] != best
    offset = running.astype(small)
    for v in views[1:-1]:
        running &= v != best
        offset += running
    return offset


def _lowest(xp: Any, dtype: Any) -> Any:
    if np.issubdtype(dtype, np.floating):
        return -np.inf
    if dtype == np.bool_:
        return False
    return np.iinfo(dtype).min


def _window_max(xp: Any, x: Any, out: Sequence[int], kernel: Sequence[int], stride: Sequence[int],
                padding: Sequence[int], dilation: Sequence[int], with_indices: bool) -> Any:  # fmt: skip
    """Max over each window; with the first arg-max offset (``uint8``/``int32``) when ``with_indices``.

    Small kernels (at most 4 taps, e.g. 2x2) compare the taps' views directly; larger ones take the
    separable route (:func:`_separable_max`), which reads each element about ``2k`` instead of ``k**2`` times.
    """
    nd = len(kernel)
    right = _right_padding(x.shape[-nd:], out, kernel, stride, padding, dilation)
    xpad = _padded(xp, x, padding, right, _lowest(xp, x.dtype))
    if math.prod(kernel) > 4:
        return _separable_max(xp, xpad, out, kernel, stride, dilation, with_indices)
    views = list(_views(xpad, out, kernel, stride, dilation))
    values = views[0]
    for v in views[1:]:
        values = xp.maximum(values, v)
    if len(views) == 1:
        values = values.copy()
    if not with_indices:
        return values, None
    if len(views) == 1:
        return values, xp.zeros(values.shape, np.uint8)
    return values, _first_equal(xp, views, values)


def _separable_max(xp: Any, xpad: Any, out: Sequence[int], kernel: Sequence[int], stride: Sequence[int],
                   dilation: Sequence[int], with_indices: bool) -> Any:  # fmt: skip
    """Max over the windows of the last axis, then of each earlier axis; with the flat window offset.

    Each pass keeps its first maximal tap, so the combined offset is the window's first maximum in row-major
    order (what the direct scan gives). The offsets are combined back from the outermost axis: the tap chosen
    on axis ``a`` is read from that pass's offsets at the rows already chosen on the axes before it.
    """
    nd = len(kernel)
    lead = xpad.ndim - nd
    values = xpad
    offsets: list[Any] = [None] * nd
    for a in reversed(range(nd)):
        views = _axis_views(values, lead + a, out[a], kernel[a], stride[a], dilation[a])
        best = views[0]
        for v in views[1:]:
            best = xp.maximum(best, v)
        if with_indices and len(views) > 1:
            offsets[a] = _first_equal(xp, views, best)
        values = best
    if values is xpad or values.base is not None:
        values = values.copy()
    if not with_indices:
        return values, None
    # taps[a]: the chosen tap on axis a, at every output position; window offset = sum taps[a] * prod(k[a+1:])
    n_lead = int(np.prod(values.shape[:lead]))
    padded = xpad.shape[lead:]
    rows = None  # flat position in the padded (chosen) rows of the axes done so far
    flat_offset = xp.zeros(values.shape, np.int64)
    for a in range(nd):
        grid = xp.arange(out[a], dtype=np.int64).reshape((out[a],) + (1,) * (nd - 1 - a))
        if offsets[a] is None:
            tap = xp.zeros((1,) * nd, np.int64)
        elif rows is None:
            tap = offsets[a].astype(np.int64)
        else:
            # offsets[a] has shape (lead, padded[:a], out[a:]): read it at (rows, o_a, ..., o_last)
            tail = int(np.prod(out[a:]))
            inner = xp.arange(tail, dtype=np.int64).reshape(tuple(out[a:]))
            where = xp.broadcast_to(rows * tail + inner, values.shape).reshape(n_lead, -1)
            source = offsets[a].reshape(n_lead, -1)
            tap = xp.take_along_axis(source, where, axis=1).reshape(values.shape).astype(np.int64)
        position = grid * stride[a] + tap * dilation[a]  # padded coordinate on axis a
        rows = position if rows is None else rows * padded[a] + position
        flat_offset = flat_offset * kernel[a] + tap
    return values, flat_offset


def _flat_indices(xp: Any, offset: Any, spatial: Sequence[int], out: Sequence[int], kernel: Sequence[int],
                  stride: Sequence[int], padding: Sequence[int], dilation: Sequence[int]) -> Any:  # fmt: skip
    """Flat plane indices (int64) of the window offsets ``offset``."""
    geometry = tuple(map(tuple, (spatial, out, kernel, stride, padding, dilation)))
    table, base, _ = _index_tables(xp, getattr(offset, "device", None), geometry)
    flat = xp.take(table, offset)
    flat += base
    return flat


_INDEX_TABLES: dict[tuple[Any, ...], tuple[Any, Any, Any]] = {}  # one pooling geometry's device tables, by geometry


def _index_tables(xp: Any, device: Any, geometry: tuple[tuple[int, ...], ...]) -> tuple[Any, Any, Any]:
    """The flat plane offset of each window tap, of each window's start and of each window's first in-bounds
    position (PyTorch's starting index), made once per geometry and device.

    A training step pools the same geometry every time: building these anew cost a host-to-device copy and a
    few launches per call (about 0.4 ms of host time per call on CuPy).
    """
    key = (xp, getattr(device, "id", device), geometry)
    found = _INDEX_TABLES.get(key)
    if found is not None:
        return found
    spatial, out, kernel, stride, padding, dilation = geometry
    nd = len(spatial)
    plane_strides = [math.prod(spatial[a + 1 :]) for a in range(nd)]
    base = first = np.zeros((1,) * nd, np.int64)
    for a in range(nd):
        start = np.arange(out[a], dtype=np.int64) * stride[a] - padding[a]
        inside = np.where(start < 0, start + (-start + dilation[a] - 1) // dilation[a] * dilation[a], start)
        shape = (1,) * a + (out[a],) + (1,) * (nd - a - 1)
        base = base + (start * plane_strides[a]).reshape(shape)
        first = first + (inside * plane_strides[a]).reshape(shape)
    table = np.zeros(math.prod(kernel), np.int64)
    for i, offs in enumerate(product(*(range(k) for k in kernel))):
        table[i] = sum(j * d * ps for j, d, ps in zip(offs, dilation, plane_strides, strict=True))
    if len(_INDEX_TABLES) >= 64:
        _INDEX_TABLES.clear()
    found = _INDEX_TABLES[key] = (xp.asarray(table), xp.asarray(base), xp.asarray(first))
    return found


def _max_pool_forward(xp: Any, x: Any, kernel: tuple[int, ...], stride: tuple[int, ...], padding: tuple[int, ...],
                      dilation: tuple[int, ...], ceil_mode: bool, out: tuple[int, ...]) -> tuple[Any, Any]:  # fmt: skip
    if xp is not np:
        fused = _cuda_pool_kernels.max_pool2d(xp, x, kernel, stride, padding, dilation, out)
        if fused is not None:
            return fused
    values, offset = _window_max(xp, x, out, kernel, stride, padding, dilation, True)
    nd = len(kernel)
    flat = _flat_indices(xp, offset, x.shape[-nd:], out, kernel, stride, padding, dilation)
    return values, _as_pytorch_scans(xp, x, values, flat, (x.shape[-nd:], out, kernel, stride, padding, dilation))


def _as_pytorch_scans(xp: Any, x: Any, values: Any, flat: Any, geometry: Sequence[Sequence[int]]) -> Any:
    """PyTorch's indices where the first-maximum rule gives others: PyTorch's scan starts at a window's first
    in-bounds position and replaces the running maximum by a greater value or a NaN, so a window whose maximum
    is the lowest value (-inf, which the padding holds too) keeps that first in-bounds position, and a window
    holding NaN ends on its last NaN."""
    spatial, out, kernel, stride, padding, dilation = geometry
    table, base, first = _index_tables(xp, getattr(flat, "device", None), tuple(map(tuple, geometry)))
    lowest = _lowest(xp, x.dtype)
    right = _right_padding(spatial, out, kernel, stride, padding, dilation)
    if any(padding) or any(right):  # only then can a padding tap come first in a window
        flat = xp.where(values == lowest, first, flat)
    # on NumPy the NaN scan runs only when some window holds NaN (max propagates NaN: one cheap pass to know)
    if x.dtype.kind in "fcV" and values.size and (xp is not np or np.isnan(values.max())):
        xpad = _padded(xp, x, padding, right, lowest)
        last = flat
        for tap, view in enumerate(_views(xpad, out, kernel, stride, dilation)):
            last = xp.where(xp.isnan(view), base + table[tap], last)
        flat = xp.where(xp.isnan(values), last, flat)
    return flat


def _max_pool_values_forward(xp: Any, x: Any, kernel: tuple[int, ...], stride: tuple[int, ...],
                             padding: tuple[int, ...], dilation: tuple[int, ...], ceil_mode: bool,
                             out: tuple[int, ...]) -> Any:  # fmt: skip
    if xp is not np:
        fused = _cuda_pool_kernels.max_pool2d(xp, x, kernel, stride, padding, dilation, out, with_indices=False)
        if fused is not None:
            return fused[0]
    return _window_max(xp, x, out, kernel, stride, padding, dilation, False)[0]


def _can_overlap(kernel: Sequence[int], stride: Sequence[int], dilation: Sequence[int]) -> bool:
    return any(s < (k - 1) * d + 1 for k, s, d in zip(kernel, stride, dilation, strict=True))


def _max_pool_vjp(ctx: Any, grad: Any) -> tuple[Tensor | None]:
    g = grad[0]
    if g is None:
        return (None,)
    kernel, stride, padding, dilation = ctx.params[:4]
    spatial = tuple(ctx.input_shapes[0][-len(kernel) :])
    overlap = _can_overlap(kernel, stride, dilation)
    window = (kernel, stride, padding, dilation)
    return (call(MAX_POOL_BACKWARD, g.device, (g, ctx.result[1]), (spatial, overlap, window)),)


def _scatter_forward(xp: Any, grad: Any, indices: Any, spatial: tuple[int, ...], overlap: bool,
                     window: tuple[tuple[int, ...], ...] | None = None) -> Any:  # fmt: skip
    """Scatter ``grad`` into zero planes of shape ``spatial`` at flat ``indices`` (adding up when ``overlap``).

    ``window`` is the max pool's ``(kernel, stride, padding, dilation)`` when the indices come from one: on CUDA
    the fused kernel then gathers instead.
    """
    if xp is not np and window is not None:
        fused = _cuda_pool_kernels.max_pool2d_backward(xp, grad, indices, spatial, *window)
        if fused is not None:
            return fused
    lead = grad.shape[: grad.ndim - len(spatial)]
    rows = int(np.prod(lead))
    plane = int(np.prod(spatial))
    flat = indices.reshape(rows, -1) + xp.arange(0, rows * plane, plane, dtype=np.int64)[:, None]
    if overlap:
        out = xp.bincount(flat.ravel(), weights=grad.ravel(), minlength=rows * plane).astype(grad.dtype, copy=False)
    else:
        out = xp.zeros(rows * plane, grad.dtype)
        out[flat.ravel()] = grad.ravel()
    return out.reshape(lead + spatial)


def _gather_plane(source: Tensor, indices: Tensor) -> Tensor:
    """``source`` (N, C, *plane) read at flat plane ``indices`` (N, C, *out): the transpose of the scatter."""
    lead = tuple(indices.shape[:2])
    plane = math.prod(tuple(source.shape[2:]))
    rows = math.prod(lead)
    offsets = tocha.arange(0, rows * plane, max(plane, 1), dtype=tocha.int64, device=indices.device)
    offsets = offsets.reshape(lead + (1,) * (indices.dim() - 2))
    return tocha.take(source, indices + offsets)


def _scatter_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor, None]:
    return (_gather_plane(grad, ctx.inputs[1]), None)


MAX_POOL = register_op(
    OpRecord(name="max_pool", forward=_max_pool_forward, vjp=_max_pool_vjp, saves_result=True, num_outputs=2,
             differentiable_outputs=(0,))
)  # fmt: skip
MAX_POOL_VALUES = register_op(OpRecord(name="max_pool_values", forward=_max_pool_values_forward))
MAX_POOL_BACKWARD = register_op(
    OpRecord(name="max_pool_backward", forward=_scatter_forward, vjp=_scatter_vjp, saves_inputs=(1,),
             differentiable_inputs=(0,))
)  # fmt: skip


# ------------------------------------------------------------------ max pooling


def _max_pool(input: Tensor, nd: int, kernel_size: Any, stride: Any, padding: Any, dilation: Any, ceil_mode: bool,
              return_indices: bool, op: str) -> Any:  # fmt: skip
    kernel = _ntuple_arg(kernel_size, nd, op, "kernel_size")
    strides = _stride_arg(stride, kernel, nd, op)
    pads = _ntuple_arg(padding, nd, op, "padding")
    dils = _ntuple_arg(dilation, nd, op, "dilation")
    batched = _check_batched(input, nd, op)
    if nd == 1 and not return_indices:
        _check_max_pool1d(tuple(input.shape), kernel[0], strides[0], pads[0], dils[0], bool(ceil_mode))
    x = input if batched else input.unsqueeze(0)
    out = _pool_shape(op, tuple(x.shape), kernel, strides, pads, dils, bool(ceil_mode))
    params = (kernel, strides, pads, dils, bool(ceil_mode), out)
    if not return_indices and not (input.requires_grad and tocha.is_grad_enabled()):
        values = call(MAX_POOL_VALUES, x.device, (x,), params)
        return values if batched else values.squeeze(0)
    values, indices = call(MAX_POOL, x.device, (x,), params)
    if not batched:
        values, indices = values.squeeze(0), indices.squeeze(0)
    return (values, indices) if return_indices else values


def _check_max_pool1d(shape: tuple[int, ...], k: int, s: int, p: int, d: int, ceil_mode: bool) -> None:
    """PyTorch's 1-D values-only checks (its own messages; the padding is bounded by ``k``, not the extent)."""
    if k <= 0:
        raise RuntimeError(f"max_pool1d() kernel_size must be greater than zero, but got {k}")
    if s <= 0:
        raise RuntimeError(f"max_pool1d() stride must be greater than zero, but got {s}")
    if p < 0:
        raise RuntimeError(f"max_pool1d() padding must be non-negative, but got {p}")
    if p > k // 2:
        raise RuntimeError(
            f"max_pool1d() padding should be at most half of kernel size, but got padding={p} and kernel_size={k}"
        )
    if d <= 0:
        raise RuntimeError(f"max_pool1d() dilation must be greater than zero, but got {d}")
    out = _pool_out_size(shape[-1], k, s, p, d, ceil_mode)
    if out < 1:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {out}")


def max_pool1d_with_indices(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> tuple[Tensor, Tensor]:
    """1-D max pooling returning ``(values, indices)``; see :func:`max_pool1d`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.max_pool1d_with_indices(tocha.tensor([[1.0, 3.0, 2.0, 0.0]]), 2)
        (tensor([[3., 2.]]), tensor([[1, 2]]))
    """
    return _max_pool(input, 1, kernel_size, stride, padding, dilation, ceil_mode, True, "max_pool1d")  # type: ignore[no-any-return]


def max_pool2d_with_indices(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> tuple[Tensor, Tensor]:
    """2-D max pooling returning ``(values, indices)``; see :func:`max_pool2d`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.max_pool2d_with_indices(tocha.arange(16.0).reshape(1, 4, 4), 2)[1]
        tensor([[[ 5,  7],
                 [13, 15]]])
    """
    return _max_pool(input, 2, kernel_size, stride, padding, dilation, ceil_mode, True, "max_pool2d")  # type: ignore[no-any-return]


def max_pool3d_with_indices(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> tuple[Tensor, Tensor]:
    """3-D max pooling returning ``(values, indices)``; see :func:`max_pool3d`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.max_pool3d_with_indices(tocha.arange(8.0).reshape(1, 2, 2, 2), 2)[1]
        tensor([[[[7]]]])
    """
    return _max_pool(input, 3, kernel_size, stride, padding, dilation, ceil_mode, True, "max_pool3d")  # type: ignore[no-any-return]


def max_pool1d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """1-D max pooling over ``(N, C, L)`` or ``(C, L)``.

    ``out[n, c, i] = max_j input[n, c, i * stride + j * dilation - padding]`` for ``j < kernel_size``; ``stride``
    defaults to ``kernel_size``; with ``ceil_mode`` the length rounds up (the last window must start inside the
    input or the left padding). With ``return_indices`` also returns the arg-max positions (flat, int64).

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.max_pool1d(tocha.tensor([[1.0, 3.0, 2.0, 0.0, 5.0]]), 2, ceil_mode=True)
        tensor([[3., 2., 5.]])
    """
    return _max_pool(input, 1, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool1d")


def max_pool2d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """2-D max pooling over ``(N, C, H, W)`` or ``(C, H, W)``; see :func:`max_pool1d` for the rules per axis.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.max_pool2d(tocha.arange(16.0).reshape(1, 1, 4, 4), 2)
        tensor([[[[ 5.,  7.],
                  [13., 15.]]]])
    """
    return _max_pool(input, 2, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool2d")


def max_pool3d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """3-D max pooling over ``(N, C, D, H, W)`` or ``(C, D, H, W)``; see :func:`max_pool1d`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.max_pool3d(tocha.arange(8.0).reshape(1, 1, 2, 2, 2), 2)
        tensor([[[[[7.]]]]])
    """
    return _max_pool(input, 3, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool3d")


# ------------------------------------------------------------------ max unpooling


def _unpool_forward(xp: Any, x: Any, indices: Any, spatial: tuple[int, ...]) -> Any:
    plane = int(np.prod(spatial))
    if xp is not np and indices.size:  # checked on the device, read at the next host read
        sizes = "x".join(str(s) for s in spatial)
        bad = (indices < 0) | (indices >= plane)
        tocha.library.device_check(
            xp, bad.any(), RuntimeError,
            lambda: f"Found an invalid max index: {int(indices[bad].ravel()[0])} (output volumes are of size {sizes})",
        )  # fmt: skip
    elif indices.size and (int(indices.min()) < 0 or int(indices.max()) >= plane):
        bad = int(indices.min()) if int(indices.min()) < 0 else int(indices.max())
        sizes = "x".join(str(s) for s in spatial)
        raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size {sizes})")
    return _scatter_forward(xp, x, indices, spatial, False)


MAX_UNPOOL = register_op(
    OpRecord(name="max_unpool", forward=_unpool_forward, vjp=_scatter_vjp, saves_inputs=(1,),
             differentiable_inputs=(0,))
)  # fmt: skip


def _max_unpool(input: Tensor, indices: Tensor, nd: int, kernel_size: Any, stride: Any, padding: Any,
                output_size: Any, op: str) -> Tensor:  # fmt: skip
    kernel = _ntuple_arg(kernel_size, nd, op, "kernel_size")
    strides = _stride_arg(stride, kernel, nd, op)
    pads = _ntuple_arg(padding, nd, op, "padding")
    batched = _check_batched(input, nd, op)
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(
            f"{op}: Expected shape of indices to be same as that of the input tensor "
            f"({list(input.shape)}) but got indices tensor with shape: {list(indices.shape)}"
        )
    if indices.dtype != tocha.int64:
        raise RuntimeError(f"{op}: Expected indices to have dtype int64 but got {indices.dtype}")
    spatial_in = tuple(input.shape[-nd:])
    default = tuple((n - 1) * s - 2 * p + k for n, s, p, k in zip(spatial_in, strides, pads, kernel, strict=True))
    if output_size is None:
        out = default
    else:
        sizes = tuple(int(v) for v in output_size)
        if len(sizes) not in (nd, nd + 1, nd + 2):
            raise ValueError(
                f"output_size should be a sequence containing {nd} or {nd + 2} elements, but it has a length of "
                f"'{len(sizes)}'"
            )
        out = sizes[-nd:]
        for o, dflt, s in zip(out, default, strides, strict=True):
            if not dflt - s < o < dflt + s:
                raise ValueError(
                    f'invalid output_size "{list(sizes)}" (dim {out.index(o)} must be between {dflt - s} and '
                    f"{dflt + s})"
                )
    x = input if batched else input.unsqueeze(0)
    idx = indices if batched else indices.unsqueeze(0)
    result = call(MAX_UNPOOL, x.device, (x, idx), (tuple(out),))
    return result if batched else result.squeeze(0)  # type: ignore[no-any-return]


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 output_size: Any = None) -> Tensor:  # fmt: skip
    """The partial inverse of :func:`max_pool1d`: values put back at their ``indices``, zeros elsewhere.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> values, indices = F.max_pool1d(tocha.tensor([[1.0, 3.0, 2.0, 0.0]]), 2, return_indices=True)
        >>> F.max_unpool1d(values, indices, 2)
        tensor([[0., 3., 2., 0.]])
    """
    return _max_unpool(input, indices, 1, kernel_size, stride, padding, output_size, "max_unpool1d")


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 output_size: Any = None) -> Tensor:  # fmt: skip
    """The partial inverse of :func:`max_pool2d`; see :func:`max_unpool1d`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> values, indices = F.max_pool2d(tocha.arange(4.0).reshape(1, 2, 2), 2, return_indices=True)
        >>> F.max_unpool2d(values, indices, 2)
        tensor([[[0., 0.],
                 [0., 3.]]])
    """
    return _max_unpool(input, indices, 2, kernel_size, stride, padding, output_size, "max_unpool2d")


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 output_size: Any = None) -> Tensor:  # fmt: skip
    """The partial inverse of :func:`max_pool3d`; see :func:`max_unpool1d`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> values, indices = F.max_pool3d(tocha.arange(8.0).reshape(1, 2, 2, 2), 2, return_indices=True)
        >>> F.max_unpool3d(values, indices, 2).sum()
        tensor(7.)
    """
    return _max_unpool(input, indices, 3, kernel_size, stride, padding, output_size, "max_unpool3d")


# ------------------------------------------------------------------ average pooling


@functools.lru_cache(maxsize=256)
def _avg_divisor(spatial: tuple[int, ...], out: tuple[int, ...], kernel: tuple[int, ...], stride: tuple[int, ...],
                 padding: tuple[int, ...], count_include_pad: bool,
                 divisor_override: int | None) -> np.ndarray[Any, Any] | float:  # fmt: skip
    """``1 / divisor`` for every output position (a float for ``divisor_override``), float64 NumPy."""
    if divisor_override:
        return 1.0 / divisor_override
    nd = len(spatial)
    recip: np.ndarray[Any, Any] = np.ones((1,) * nd)
    for a in range(nd):
        start = np.arange(out[a]) * stride[a] - padding[a]
        end = np.minimum(start + kernel[a], spatial[a] + padding[a])
        if not count_include_pad:
            start = np.maximum(start, 0)
            end = np.minimum(end, spatial[a])
        count = (end - start).astype(np.float64)
        recip = recip / count.reshape((1,) * a + (out[a],) + (1,) * (nd - a - 1))
    return recip


def _divisor(xp: Any, dtype: Any, spatial: tuple[int, ...], params: tuple[Any, ...]) -> Any:
    kernel, stride, padding, _, count_include_pad, divisor_override, out = params
    recip = _avg_divisor(spatial, out, kernel, stride, padding, count_include_pad, divisor_override)
    if isinstance(recip, float):
        return recip
    return xp.asarray(recip.astype(dtype, copy=False))


def _avg_pool_forward(xp: Any, x: Any, *params: Any) -> Any:
    kernel, stride, padding, _, _, _, out = params
    nd = len(kernel)
    spatial = x.shape[-nd:]
    ones = (1,) * nd
    right = _right_padding(spatial, out, kernel, stride, padding, ones)
    total = _padded(xp, x, padding, right, 0)
    for a in reversed(range(nd)):  # separable: window sums along the last axis, then each earlier one
        views = _axis_views(total, x.ndim - nd + a, out[a], kernel[a], stride[a], 1)
        if len(views) == 1:
            total = views[0]
            continue
        total = views[0] + views[1]
        for v in views[2:]:
            total += v
    if total is x or total.base is not None:
        total = total.copy()
    total *= _divisor(xp, x.dtype, spatial, params)
    return total


def _avg_pool_backward_forward(xp: Any, grad: Any, spatial: tuple[int, ...], *params: Any) -> Any:
    kernel, stride, padding, _, _, _, out = params
    nd = len(kernel)
    ones = (1,) * nd
    right = _right_padding(spatial, out, kernel, stride, padding, ones)
    g = grad * _divisor(xp, grad.dtype, spatial, params)
    for a in range(nd):  # the transpose of the forward's passes, in reverse order
        axis = grad.ndim - nd + a
        shape = list(g.shape)
        shape[axis] = spatial[a] + padding[a] + right[a]
        wide = xp.zeros(tuple(shape), grad.dtype)
        for v in _axis_views(wide, axis, out[a], kernel[a], stride[a], 1):
            v += g
        g = wide
    crop = tuple(slice(p, p + n) for p, n in zip(padding, spatial, strict=True))
    index = (Ellipsis, *crop)
    return g[index]


def _avg_pool_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    spatial = tuple(ctx.input_shapes[0][-len(ctx.params[0]) :])
    return (call(AVG_POOL_BACKWARD, grad.device, (grad,), (spatial, *ctx.params)),)


def _avg_pool_backward_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (call(AVG_POOL, grad.device, (grad,), tuple(ctx.params[1:])),)


AVG_POOL = register_op(OpRecord(name="avg_pool", forward=_avg_pool_forward, vjp=_avg_pool_vjp))
AVG_POOL_BACKWARD = register_op(
    OpRecord(name="avg_pool_backward", forward=_avg_pool_backward_forward, vjp=_avg_pool_backward_vjp)
)


def _avg_pool(input: Tensor, nd: int, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool,
              count_include_pad: bool, divisor_override: int | None, op: str) -> Tensor:  # fmt: skip
    kernel = _ntuple_arg(kernel_size, nd, op, "kernel_size")
    strides = _stride_arg(stride, kernel, nd, op)
    pads = _ntuple_arg(padding, nd, op, "padding")
    batched = _check_batched(input, nd, op)
    _float_only(input, op)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError(f"{op}: divisor must be not zero")
    x = input if batched else input.unsqueeze(0)
    out = _pool_shape(op, tuple(x.shape), kernel, strides, pads, (1,) * nd, bool(ceil_mode))
    params = (kernel, strides, pads, bool(ceil_mode), bool(count_include_pad), divisor_override, out)
    result = call(AVG_POOL, x.device, (x,), params)
    return result if batched else result.squeeze(0)  # type: ignore[no-any-return]


def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:  # fmt: skip
    """1-D average pooling over ``(N, C, L)`` or ``(C, L)``.

    Each output is the window's sum divided by the window length, counting zero padding when
    ``count_include_pad`` (ceil-mode windows running past the padding are shortened).

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.avg_pool1d(tocha.tensor([[1.0, 3.0, 2.0, 0.0]]), 2)
        tensor([[2., 1.]])
    """
    return _avg_pool(input, 1, kernel_size, stride, padding, ceil_mode, count_include_pad, None, "avg_pool1d")


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:  # fmt: skip
    """2-D average pooling over ``(N, C, H, W)`` or ``(C, H, W)``; ``divisor_override`` replaces the window size.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.avg_pool2d(tocha.arange(16.0).reshape(1, 1, 4, 4), 2)
        tensor([[[[ 2.5000,  4.5000],
                  [10.5000, 12.5000]]]])
    """
    return _avg_pool(
        input, 2, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, "avg_pool2d"
    )


def avg_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:  # fmt: skip
    """3-D average pooling over ``(N, C, D, H, W)`` or ``(C, D, H, W)``; see :func:`avg_pool2d`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.avg_pool3d(tocha.arange(8.0).reshape(1, 1, 2, 2, 2), 2)
        tensor([[[[[3.5000]]]]])
    """
    return _avg_pool(
        input, 3, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, "avg_pool3d"
    )


# ------------------------------------------------------------------ separable linear maps


def apply_matrices(xp: Any, x: Any, mats: Sequence[Any], transpose: bool) -> Any:
    """Apply one ``(out, in)`` matrix per trailing axis of ``x`` (``(in, out)`` read transposed when ``transpose``)."""
    nd = len(mats)
    for a, m in enumerate(mats):
        if m is None:
            continue
        m = m.T if transpose else m
        axis = x.ndim - nd + a
        lead = int(np.prod(x.shape[:axis]))
        rest = int(np.prod(x.shape[axis + 1 :]))
        y = xp.matmul(m, x.reshape(lead, x.shape[axis], rest))
        x = y.reshape((*x.shape[:axis], m.shape[0], *x.shape[axis + 1 :]))
    return x


@functools.lru_cache(maxsize=256)
def _adaptive_matrix(n_in: int, n_out: int) -> np.ndarray[Any, Any] | None:
    """The ``(n_out, n_in)`` matrix averaging PyTorch's adaptive windows; None for the identity."""
    if n_in == n_out:
        return None
    i = np.arange(n_out)
    start = (i * n_in) // n_out
    end = -((-(i + 1) * n_in) // n_out)
    cols = np.arange(n_in)
    inside = (cols >= start[:, None]) & (cols < end[:, None])
    matrix: np.ndarray[Any, Any] = inside / (end - start)[:, None]
    return matrix


def _adaptive_mats(xp: Any, dtype: Any, spatial: Sequence[int], out: Sequence[int]) -> list[Any]:
    mats = [_adaptive_matrix(n, o) for n, o in zip(spatial, out, strict=True)]
    return [None if m is None else xp.asarray(m.astype(dtype, copy=False)) for m in mats]


def _adaptive_avg_forward(xp: Any, x: Any, out: tuple[int, ...]) -> Any:
    nd = len(out)
    spatial = x.shape[-nd:]
    if all(o == 1 for o in out):
        return x.mean(axis=tuple(range(x.ndim - nd, x.ndim)), keepdims=True)
    y = apply_matrices(xp, x, _adaptive_mats(xp, x.dtype, spatial, out), False)
    return y.copy() if y is x else y


def _adaptive_avg_backward_forward(xp: Any, grad: Any, spatial: tuple[int, ...], out: tuple[int, ...]) -> Any:
    y = apply_matrices(xp, grad, _adaptive_mats(xp, grad.dtype, spatial, out), True)
    return y.copy() if y is grad else y


def _adaptive_avg_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    out = ctx.params[0]
    spatial = tuple(ctx.input_shapes[0][-len(out) :])
    return (call(ADAPTIVE_AVG_POOL_BACKWARD, grad.device, (grad,), (spatial, out)),)


def _adaptive_avg_backward_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (call(ADAPTIVE_AVG_POOL, grad.device, (grad,), (ctx.params[1],)),)


# fp_errors: NumPy's matmul can raise a spurious "invalid value" warning when the BLAS kernel leaves the FPU's
# invalid flag set (it reads padding lanes); PyTorch never warns here, so these ops run quietly
ADAPTIVE_AVG_POOL = register_op(
    OpRecord(name="adaptive_avg_pool", forward=_adaptive_avg_forward, vjp=_adaptive_avg_vjp, fp_errors=True)
)
ADAPTIVE_AVG_POOL_BACKWARD = register_op(
    OpRecord(
        name="adaptive_avg_pool_backward",
        forward=_adaptive_avg_backward_forward,
        vjp=_adaptive_avg_backward_vjp,
        fp_errors=True,
    )
)


def _adaptive_size(input: Tensor, nd: int, output_size: Any, op: str) -> tuple[int, ...]:
    if isinstance(output_size, (list, tuple)):
        if len(output_size) != nd:
            raise ValueError(f"{op}: output_size must be {nd}")
        sizes = output_size
    else:
        sizes = (output_size,) * nd
    spatial = tuple(input.shape[-nd:])
    out = tuple(n if s is None else int(s) for s, n in zip(sizes, spatial, strict=True))
    if any(o < 0 for o in out):
        raise RuntimeError(f"{op}: elements of output_size must be greater than or equal to 0 but got {list(out)}")
    return out


def _check_adaptive(input: Tensor, nd: int, op: str) -> bool:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    shape = tuple(input.shape)
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"{op}(): Expected {nd + 1}D or {nd + 2}D tensor, but got {list(shape)}")
    if any(s == 0 for s in shape[-nd:]):
        raise RuntimeError(
            f"{op}(): Expected input to have non-zero size for non-batch dimensions, but input has sizes {list(shape)}"
            f" with dimension {shape.index(0)} being empty"
        )
    return input.dim() == nd + 2


def _adaptive_avg(input: Tensor, nd: int, output_size: Any, op: str) -> Tensor:
    batched = _check_adaptive(input, nd, op)
    _float_only(input, op)
    out = _adaptive_size(input, nd, output_size, op)
    x = input if batched else input.unsqueeze(0)
    result = call(ADAPTIVE_AVG_POOL, x.device, (x,), (out,))
    return result if batched else result.squeeze(0)  # type: ignore[no-any-return]


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling to a fixed length: window ``i`` covers ``[floor(i*L/out), ceil((i+1)*L/out))``.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.adaptive_avg_pool1d(tocha.tensor([[1.0, 2.0, 3.0, 4.0, 5.0]]), 2)
        tensor([[2., 4.]])
    """
    return _adaptive_avg(input, 1, output_size, "adaptive_avg_pool1d")


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """2-D adaptive average pooling; ``None`` in ``output_size`` keeps that axis. See :func:`adaptive_avg_pool1d`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.adaptive_avg_pool2d(tocha.arange(16.0).reshape(1, 4, 4), 1)
        tensor([[[7.5000]]])
    """
    return _adaptive_avg(input, 2, output_size, "adaptive_avg_pool2d")


def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:
    """3-D adaptive average pooling; see :func:`adaptive_avg_pool1d`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.adaptive_avg_pool3d(tocha.arange(8.0).reshape(1, 2, 2, 2), (1, 1, 2))
        tensor([[[[3., 4.]]]])
    """
    return _adaptive_avg(input, 3, output_size, "adaptive_avg_pool3d")


# ------------------------------------------------------------------ adaptive max pooling


def _adaptive_taps(n_in: int, n_out: int) -> np.ndarray[Any, Any]:
    """``(n_out, kmax)`` input positions of each adaptive window; short windows repeat their last position."""
    i = np.arange(n_out)
    start = (i * n_in) // n_out
    end = -((-(i + 1) * n_in) // n_out)
    kmax = int((end - start).max())
    taps: np.ndarray[Any, Any] = np.minimum(start[:, None] + np.arange(kmax), (end - 1)[:, None])
    return taps


def _adaptive_max_forward(xp: Any, x: Any, out: tuple[int, ...]) -> tuple[Any, Any]:
    """Separable: max and arg-max over the windows of the last axis, then of each earlier axis in turn.

    Each pass keeps the first tap equal to the window's maximum, and the rows' maxima are compared the same
    way, so the index is the first maximum in row-major order, as PyTorch's scan gives.
    """
    nd = len(out)
    spatial = x.shape[-nd:]
    values, index = x, None
    for a in reversed(range(nd)):
        axis = x.ndim - nd + a
        taps = _adaptive_taps(spatial[a], out[a])
        n_taps = taps.shape[1]
        views = [xp.take(values, xp.asarray(taps[:, j]), axis=axis) for j in range(n_taps)]
        best = views[0]
        for v in views[1:]:
            best = xp.maximum(best, v)
        offset = xp.zeros(best.shape, np.int64)
        if n_taps > 1:
            running = views[0] != best
            offset += running
            for v in views[1:-1]:
                running &= v != best
                offset += running
        rows = (np.arange(out[a]) * n_taps).reshape((out[a],) + (1,) * (nd - 1 - a))
        position = xp.take(xp.asarray(taps.ravel()), offset + xp.asarray(rows))  # input position on this axis
        found = position * int(np.prod(spatial[a + 1 :]))
        if index is not None:
            found += xp.take_along_axis(index, position, axis=axis)
        values, index = best if n_taps > 1 else best.copy(), found
    assert index is not None
    return values, index


def _adaptive_max_vjp(ctx: Any, grad: Any) -> tuple[Tensor | None]:
    g = grad[0]
    if g is None:
        return (None,)
    out = ctx.params[0]
    spatial = tuple(ctx.input_shapes[0][-len(out) :])
    overlap = any(n % o != 0 for n, o in zip(spatial, out, strict=True))
    return (call(MAX_POOL_BACKWARD, g.device, (g, ctx.result[1]), (spatial, overlap)),)


ADAPTIVE_MAX_POOL = register_op(
    OpRecord(name="adaptive_max_pool", forward=_adaptive_max_forward, vjp=_adaptive_max_vjp, saves_result=True,
             num_outputs=2, differentiable_outputs=(0,))
)  # fmt: skip


def _adaptive_max(input: Tensor, nd: int, output_size: Any, return_indices: bool, op: str) -> Any:
    batched = _check_adaptive(input, nd, op)
    out = _adaptive_size(input, nd, output_size, op)
    x = input if batched else input.unsqueeze(0)
    values, indices = call(ADAPTIVE_MAX_POOL, x.device, (x,), (out,))
    if not batched:
        values, indices = values.squeeze(0), indices.squeeze(0)
    return (values, indices) if return_indices else values


def adaptive_max_pool1d_with_indices(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """1-D adaptive max pooling returning ``(values, indices)``.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.adaptive_max_pool1d_with_indices(tocha.tensor([[1.0, 3.0, 2.0]]), 2)
        (tensor([[3., 3.]]), tensor([[1, 1]]))
    """
    return _adaptive_max(input, 1, output_size, True, "adaptive_max_pool1d")


def adaptive_max_pool2d_with_indices(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """2-D adaptive max pooling returning ``(values, indices)``.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.adaptive_max_pool2d_with_indices(tocha.arange(4.0).reshape(1, 2, 2), 1)[1]
        tensor([[[3]]])
    """
    return _adaptive_max(input, 2, output_size, True, "adaptive_max_pool2d")


def adaptive_max_pool3d_with_indices(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """3-D adaptive max pooling returning ``(values, indices)``.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.adaptive_max_pool3d_with_indices(tocha.arange(8.0).reshape(1, 2, 2, 2), 1)[1]
        tensor([[[[7]]]])
    """
    return _adaptive_max(input, 3, output_size, True, "adaptive_max_pool3d")


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Max pooling to a fixed length: window ``i`` covers ``[floor(i*L/out), ceil((i+1)*L/out))``.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.adaptive_max_pool1d(tocha.tensor([[1.0, 3.0, 2.0, 5.0, 4.0]]), 2)
        tensor([[3., 5.]])
    """
    return _adaptive_max(input, 1, output_size, return_indices, "adaptive_max_pool1d")


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """2-D adaptive max pooling; ``None`` in ``output_size`` keeps that axis. See :func:`adaptive_max_pool1d`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.adaptive_max_pool2d(tocha.arange(16.0).reshape(1, 4, 4), (1, 2))
        tensor([[[13., 15.]]])
    """
    return _adaptive_max(input, 2, output_size, return_indices, "adaptive_max_pool2d")


def adaptive_max_pool3d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """3-D adaptive max pooling; see :func:`adaptive_max_pool1d`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.adaptive_max_pool3d(tocha.arange(8.0).reshape(1, 2, 2, 2), 1)
        tensor([[[[7.]]]])
    """
    return _adaptive_max(input, 3, output_size, return_indices, "adaptive_max_pool3d")


# ------------------------------------------------------------------ power-average pooling


def _lp_pool(input: Tensor, nd: int, norm_type: float, kernel_size: Any, stride: Any, ceil_mode: bool,
             pool: Callable[..., Tensor], op: str) -> Tensor:  # fmt: skip
    kernel = _ntuple_arg(kernel_size, nd, op, "kernel_size")
    if stride is not None:
        out = pool(input.pow(norm_type), kernel, stride, 0, ceil_mode)
    else:
        out = pool(input.pow(norm_type), kernel, padding=0, ceil_mode=ceil_mode)
    return (tocha.sign(out) * tocha.abs(out).clamp(min=0)).mul(math.prod(kernel)).pow(1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False) -> Tensor:
    """Power-average pooling: ``(sum over the window of x**p) ** (1/p)``.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.lp_pool1d(tocha.tensor([[3.0, 4.0]]), 2, 2)
        tensor([[5.]])
    """
    return _lp_pool(input, 1, norm_type, kernel_size, stride, ceil_mode, avg_pool1d, "lp_pool1d")


def lp_pool2d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False) -> Tensor:
    """2-D power-average pooling; see :func:`lp_pool1d`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.lp_pool2d(tocha.ones(1, 2, 2), 1, 2)
        tensor([[[4.]]])
    """
    return _lp_pool(input, 2, norm_type, kernel_size, stride, ceil_mode, avg_pool2d, "lp_pool2d")


def lp_pool3d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False) -> Tensor:
    """3-D power-average pooling; see :func:`lp_pool1d`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.lp_pool3d(tocha.ones(1, 2, 2, 2), 1, 2)
        tensor([[[[8.]]]])
    """
    return _lp_pool(input, 3, norm_type, kernel_size, stride, ceil_mode, avg_pool3d, "lp_pool3d")


# ------------------------------------------------------------------ fractional max pooling
# NOTE [ Fractional max pooling ]
# Each (batch, channel) plane draws one sample u in [0, 1) per spatial axis; along an axis of input size n,
# output size m and kernel k the windows start at floor((i + u) * a) - floor(u * a), a = (n - k) / (m - 1), for
# i < m - 1, and the last one at n - k. The arithmetic runs in the input's floating dtype, as PyTorch's kernel
# does, so given samples give exactly PyTorch's windows. The forward is separable (no loops over pixels): last axis
# first, one gather per kernel offset and a running "greater, or NaN" compare, PyTorch's scan, so the index is the
# first maximum in row-major order (the last NaN where a window holds NaN), flat into the plane. The vjp scatters
# with ``max_pool_backward`` (windows may overlap), whose own vjp is a gather.
# Sample columns: 2-D uses (width, height), 3-D (time, height, width), PyTorch's layout.


def _fractional_starts(xp: Any, u: Any, n_in: int, n_out: int, k: int) -> Any:
    """Window starts ``(N, C, n_out)`` along one axis for samples ``u`` ``(N, C)`` (see NOTE above)."""
    starts = xp.empty((*u.shape, n_out), np.int64)
    if n_out > 1:
        dtype = u.dtype
        alpha = dtype.type(n_in - k) / dtype.type(n_out - 1)
        i = xp.arange(n_out - 1, dtype=dtype)
        first = ((i + u[..., None]) * alpha).astype(np.int64)
        starts[..., :-1] = first - (u * alpha).astype(np.int64)[..., None]
    if n_out > 0:
        starts[..., -1] = n_in - k
    return starts


def _fractional_max_forward(xp: Any, x: Any, samples: Any, kernel: tuple[int, ...], out: tuple[int, ...],
                            columns: tuple[int, ...]) -> tuple[Any, Any]:  # fmt: skip
    """Separable, last axis first: per axis, one gather per kernel offset and a running ``>``-or-NaN compare
    (PyTorch's scan: the first maximum in row-major order, the last NaN), then the chosen positions' indices."""
    nd = len(kernel)
    n = x.shape[0]
    spatial = x.shape[2:]
    floating = np.issubdtype(x.dtype, np.floating)
    u = samples[:n]
    values, index = x, None
    for a in reversed(range(nd)):
        axis = 2 + a
        shape = [n, x.shape[1]] + [1] * nd
        shape[axis] = out[a]
        starts = _fractional_starts(xp, u[:, :, columns[a]], spatial[a], out[a], kernel[a]).reshape(shape)
        target = list(values.shape)
        target[axis] = out[a]
        best = xp.take_along_axis(values, xp.broadcast_to(starts, target), axis=axis)
        offset = xp.zeros(best.shape, np.int64)
        for j in range(1, kernel[a]):
            v = xp.take_along_axis(values, xp.broadcast_to(starts + j, target), axis=axis)
            take = v > best
            if floating:
                take |= xp.isnan(v)
            best = xp.where(take, v, best)
            offset[take] = j
        position = xp.broadcast_to(starts, target) + offset
        found = position * int(np.prod(spatial[a + 1 :]))
        if index is not None:
            found += xp.take_along_axis(index, position, axis=axis)
        values, index = best, found
    assert index is not None
    return values, index


def _fractional_max_vjp(ctx: Any, grad: Any) -> tuple[Tensor | None, None]:
    g = grad[0]
    if g is None:
        return (None, None)
    nd = len(ctx.params[0])
    spatial = tuple(ctx.input_shapes[0][-nd:])
    return (call(MAX_POOL_BACKWARD, g.device, (g, ctx.result[1]), (spatial, True)), None)


FRACTIONAL_MAX_POOL = register_op(
    OpRecord(name="fractional_max_pool", forward=_fractional_max_forward, vjp=_fractional_max_vjp,
             saves_result=True, num_outputs=2, differentiable_inputs=(0,), differentiable_outputs=(0,))
)  # fmt: skip


def _fractional_max_pool(input: Tensor, nd: int, kernel_size: Any, output_size: Any, output_ratio: Any,
                         _random_samples: Tensor | None, op: str) -> tuple[Tensor, Tensor]:  # fmt: skip
    prefix = f"{op}(): " if nd == 2 else f"{op}_out(): "
    if output_size is None and output_ratio is None:
        raise ValueError(f"{op} requires specifying either an output_size or an output_ratio")
    if output_size is None:
        if nd == 2 and isinstance(output_ratio, Sequence) and len(output_ratio) > 2:
            raise ValueError(f"{op} requires output_ratio to either be a single Int or tuple of Ints.")
        ratio = tuple(output_ratio) if isinstance(output_ratio, Sequence) else (output_ratio,) * nd
        output_size = [int(input.size(d - nd) * ratio[d]) for d in range(nd)]
    if _random_samples is None:
        n_batch = 1 if input.dim() == nd + 1 else input.size(0)
        _random_samples = tocha.rand(n_batch, input.size(-nd - 1), nd, dtype=input.dtype, device=input.device)
    kernel = _ntuple_arg(kernel_size, nd, op, "kernel_size")
    out = _ntuple_arg(output_size, nd, op, "output_size")
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"{prefix}Expected {nd + 1}D or {nd + 2}D tensor, but got: {list(input.shape)}")
    for d in range(1, input.dim()):
        if input.shape[d] == 0:
            raise RuntimeError(
                f"{prefix}Expected input to have non-zero size for non-batch dimensions, but got"
                f"{list(input.shape)} with dimension {d} being empty."
            )
    samples = _random_samples
    if samples.dtype != input.dtype:
        raise RuntimeError("Expect _random_samples to have the same dtype as input")
    if samples.dim() != 3:
        raise RuntimeError(f"Expect _random_samples to have 3 dimensions, got {samples.dim()}")
    x = input if input.dim() == nd + 2 else input.unsqueeze(0)
    if samples.shape[1] != x.shape[1]:
        raise RuntimeError("Expect _random_samples.size(1) equals to input channel size.")
    if samples.shape[2] != nd:
        raise RuntimeError(f"Expect _random_samples.size(2) equals to {nd}; got {samples.shape[2]}.")
    if samples.shape[0] < x.shape[0]:
        raise RuntimeError("Expect _random_samples.size(0) no less then input batch size.")
    names = ("height", "width") if nd == 2 else ("time", "height", "width")
    for a in range(nd):
        n_in = x.shape[2 + a]
        if out[a] < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {out[a]}: {[*x.shape[:2], *out]}")
        if out[a] + kernel[a] - 1 > n_in:
            raise RuntimeError(f"{prefix}pool {names[a]} {kernel[a]} too large relative to input {names[a]} {n_in}")
    columns = (1, 0) if nd == 2 else (0, 1, 2)
    values, indices = call(FRACTIONAL_MAX_POOL, x.device, (x, samples), (kernel, out, columns))
    if x is not input:
        values, indices = values.squeeze(0), indices.squeeze(0)
    return values, indices


def fractional_max_pool2d_with_indices(
    input: Tensor,
    kernel_size: Any,
    output_size: Any = None,
    output_ratio: Any = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    r"""2-D fractional max pooling (Graham, 2014) returning ``(values, indices)``.

    Each plane is cut into ``output_size`` pseudo-random, overlapping ``kernel_size`` windows whose starts are
    :math:`\lfloor (i + u) \alpha \rfloor - \lfloor u \alpha \rfloor`, :math:`\alpha = (n - k) / (m - 1)`, for one
    sample :math:`u \in [0, 1)` per plane and axis (``_random_samples``, shape ``(N, C, 2)``, drawn uniformly when
    not given), and each window's maximum is taken.

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``.
        kernel_size: the window size.
        output_size: the output's ``(oH, oW)``.
        output_ratio: or the output size as a fraction of the input's (``int(size * ratio)``).
        return_indices: ignored (always returns the indices; kept for PyTorch's signature).
        _random_samples: the samples, same dtype as ``input``.

    Returns:
        The maxima and their flat indices into each ``H * W`` plane.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> x = tocha.arange(25.0).reshape(1, 1, 5, 5)
        >>> F.fractional_max_pool2d_with_indices(x, 2, output_size=2, _random_samples=tocha.full((1, 1, 2), 0.5))
        (tensor([[[[ 6.,  9.],
                  [21., 24.]]]]), tensor([[[[ 6,  9],
                  [21, 24]]]]))
    """
    return _fractional_max_pool(input, 2, kernel_size, output_size, output_ratio, _random_samples,
                                "fractional_max_pool2d")  # fmt: skip


def fractional_max_pool2d(
    input: Tensor,
    kernel_size: Any,
    output_size: Any = None,
    output_ratio: Any = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> Any:
    """2-D fractional max pooling; see :func:`fractional_max_pool2d_with_indices`.

    Returns the values, or ``(values, indices)`` with ``return_indices=True``.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.fractional_max_pool2d(tocha.randn(2, 3, 10, 10), 3, output_ratio=0.5).shape
        tocha.Size([2, 3, 5, 5])
    """
    result = _fractional_max_pool(input, 2, kernel_size, output_size, output_ratio, _random_samples,
                                  "fractional_max_pool2d")  # fmt: skip
    return result if return_indices else result[0]


def fractional_max_pool3d_with_indices(
    input: Tensor,
    kernel_size: Any,
    output_size: Any = None,
    output_ratio: Any = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """3-D fractional max pooling returning ``(values, indices)``; see :func:`fractional_max_pool2d_with_indices`.

    ``input`` is ``(N, C, T, H, W)`` or ``(C, T, H, W)``; ``_random_samples`` is ``(N, C, 3)``; the indices are
    flat into each ``T * H * W`` volume.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> x = tocha.arange(27.0).reshape(1, 1, 3, 3, 3)
        >>> F.fractional_max_pool3d_with_indices(x, 2, output_size=1)[1]
        tensor([[[[[26]]]]])
    """
    return _fractional_max_pool(input, 3, kernel_size, output_size, output_ratio, _random_samples,
                                "fractional_max_pool3d")  # fmt: skip


def fractional_max_pool3d(
    input: Tensor,
    kernel_size: Any,
    output_size: Any = None,
    output_ratio: Any = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> Any:
    """3-D fractional max pooling; see :func:`fractional_max_pool2d_with_indices`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.fractional_max_pool3d(tocha.randn(1, 2, 6, 6, 6), 2, output_size=3).shape
        tocha.Size([1, 2, 3, 3, 3])
    """
    result = _fractional_max_pool(input, 3, kernel_size, output_size, output_ratio, _random_samples,
                                  "fractional_max_pool3d")  # fmt: skip
    return result if return_indices else result[0]
