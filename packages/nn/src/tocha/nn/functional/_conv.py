r"""Convolutions, padding, fold/unfold and the pixel/channel shuffles (``torch.nn.functional``'s forms).

NOTE [ Convolution kernels ]
One op record, ``"convolution"``, serves every ``conv*`` and ``conv_transpose*``: inputs ``(input, weight,
bias or None)``, params ``(stride, padding, dilation, groups, transposed, output_padding)`` (tuples of one
int per spatial dim; ``padding`` is symmetric zero padding, as in ONNX's ``Conv``/``ConvTranspose`` with
equal pads). A second op, ``"convolution_backward_weight"`` (inputs ``(input, grad_output)``), computes the
weight gradient of a direct convolution. The vjps are written with these two ops, so gradients of
gradients work:

- direct: :math:`\bar x = \mathrm{conv\_transpose}(\bar y, W)` (output padding chosen to give ``x``'s shape),
  :math:`\bar W = \mathrm{backward\_weight}(x, \bar y)`, :math:`\bar b = \sum \bar y`;
- transposed (the adjoint of the direct conv with the same weight): :math:`\bar x = \mathrm{conv}(\bar y, W)`,
  :math:`\bar W = \mathrm{backward\_weight}(\bar y, x)`;
- backward_weight is bilinear in ``(x, gy)``: with cotangent :math:`V`, :math:`\bar x =
  \mathrm{conv\_transpose}(gy, V)` and :math:`\bar{gy} = \mathrm{conv}(x, V)`.

The forward of a direct conv is im2col + GEMM. On NumPy with ``groups == 1`` (the common case) it runs chunk by
chunk over the batch: the zero-padded input is viewed with ``as_strided`` as ``(C, *K, N, *O)`` (channel and
kernel offsets outermost, batch and output positions innermost); a chunk of ``m`` samples (about 4 MiB of
columns and product) is copied into a reused ``(C * prod(K), m * prod(O))`` buffer and multiplied by the weight
``(C_out, C * prod(K))``. (Chunk size, measured: single-threaded, 1-2 MiB chunks that stay in L2 are fastest
and one GEMM for the whole batch is ~25% slower; with OpenBLAS's two threads on a 2-core machine where other
processes run, every GEMM call waits for a descheduled worker, and 2 MiB chunks made a CNN step 1.6x slower
than 4 MiB ones.) Small column matrices (fewer rows than output channels, e.g. a 1-channel input) take one
GEMM per sample written straight into the ``(N, C_out, *O)`` result; others one GEMM per chunk, moved into the
result by one copy. The bias is folded into the GEMM as a row of ones under the columns. The weight gradient
walks the same chunks: the columns times the transposed output gradient, summed over chunks (``cols @ gy.T``,
the faster GEMM shape here). Scratch buffers (columns, products) live in a small per-thread workspace keyed by
role, shape and dtype (at most 32 arrays and 64 MiB per thread), so a training step reuses the same memory
and pays no page faults (see also tensor-core's NOTE [ Allocator tuning ]). Measured on a 2-core AMD EPYC
(single thread, OpenBLAS): the 32->64 3x3 conv of a 64x32x14x14 batch takes 6.6 ms forward (PyTorch 4.5 ms),
7.1 ms weight gradient (5.0), 7.7 ms input gradient (4.3): the GEMMs run at about OpenBLAS's peak, so the
rest of the gap is the im2col and layout copies. A Winograd F(2x2, 3x3) forward written with NumPy ops took
10 ms (its transforms cost more than the GEMM work they save), so there is none.

Other cases (CuPy, grouped convs) build the whole ``(G, C/G * prod(K), N * prod(O))`` column matrix at once
and run one GEMM per sample and group writing straight into the result (the sample's columns are a strided 2-D
block that BLAS reads in place), or, past 256 (sample, group) pairs, one GEMM per group whose ``(G, O/G, N,
*O)`` product is moved to ``(N, C_out, *O)`` in one copy that also adds the bias.

"Wide" rows: when the last two strides are 1 the window view can take, for each output row, the whole padded
row (``P_w`` columns instead of ``O_w``), so the last two output dims merge into one contiguous run and the
im2col copy moves long runs instead of ``O_w``-element pieces (3x faster for 14x14 images). The extra ``P_w -
O_w`` columns per row are garbage: the forward drops them in the final copy, and the weight gradient multiplies
them by zeros written into the widened output gradient. (An inf or NaN in the input can therefore leak into
weight-gradient entries as NaN, where PyTorch would give a finite value; the forward is unaffected.) Wide rows
are used when they waste at most a quarter of the work and, on the chunked path, only when the column matrix
has at least 8 times as many rows as there are output channels (the trimming copy of the product then costs
less than what the long runs save; e.g. the input gradient of a 32->64 conv, 576 rows for 32 outputs).

Reusing the forward's padded input: while the weight requires grad, the public functions let the forward keep
its padded input and window layout (with the input array it came from) in a small per-thread cache, which the
weight gradient takes (and drops) when it sees the same input array and geometry; otherwise it pads again.
Autograd's version check guarantees the input was not modified in between through tensor ops; a newer forward
of the same array replaces an older entry (so writes that bypass autograd, such as gradcheck's perturbations,
are seen as long as a forward follows them). The cache holds the last four such forwards, so a forward that is
never backpropagated keeps at most four padded inputs alive until later forwards push them out.

A transposed conv with unit strides is a direct conv of the input padded by ``d(k-1) - p`` (plus the output
padding on the high side) with the kernel flipped and its two channel dims swapped, so it takes the fast path
above; that is also the input gradient of every unit-stride direct conv. With larger strides the transposed
conv is GEMM + col2im: the product ``(G, O/G * prod(K), N * prod(I))`` is scatter-added into the output with
one strided ``+=`` per kernel offset (a loop over ``prod(K)``, never over pixels).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from itertools import product
from typing import Any

import numpy as np

import tocha
import tocha.backends.cudnn
from tocha import Tensor
from tocha.library import OpRecord, call, check_scalar_fits, gemm, gemm_batched, register_op, scalar_type_name
from tocha.library import autocast_allows_mixed as allows_mixed

from . import _cuda_conv_kernels, _one_op

__all__ = [
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "unfold",
    "fold",
    "pad",
    "pixel_shuffle",
    "pixel_unshuffle",
    "channel_shuffle",
]

_Ints = tuple[int, ...]
_LEAD = (slice(None), slice(None))  # the batch and channel dims of an index


# ---------------------------------------------------------------------------------------------- array kernels


def _prod(values: Sequence[int]) -> int:
    out = 1
    for v in values:
        out *= v
    return out


def _as_strided(xp: Any, a: Any, shape: Sequence[int], strides: Sequence[int]) -> Any:
    return xp.lib.stride_tricks.as_strided(a, shape=tuple(shape), strides=tuple(strides))


class _ColumnCache(threading.local):
    """The padded inputs of recent forwards, kept for their weight gradient (NOTE [ Convolution kernels ])."""

    keep: bool = False  # set by the public functions while the weight requires grad

    def __init__(self) -> None:
        self.entries: list[tuple[Any, tuple[Any, ...], _Windows]] = []


class _Workspace(threading.local):
    """Per-thread scratch arrays reused across calls, keyed by role, shape and dtype (NOTE [ Convolution kernels ])."""

    def __init__(self) -> None:
        self.arrays: dict[tuple[str, _Ints, Any], Any] = {}
        self.nbytes = 0


_Windows = tuple[Any, _Ints, _Ints, _Ints, _Ints]  # padded input, out sizes, wide out sizes, run shape, run strides
_columns = _ColumnCache()
_workspace = _Workspace()
_COLUMN_CACHE_SIZE = 4
_WORKSPACE_SIZE = 32  # scratch arrays kept per thread (the dict is cleared when a new one would pass this)
_WORKSPACE_MAX_BYTES = 64 * 1024 * 1024  # kept in all, per thread (a larger array is allocated per call)
_PER_SAMPLE_GEMMS = 256  # up to this many (sample, group) pairs, the forward runs one GEMM per pair
_CHUNK_BYTES = 4 * 1024 * 1024  # columns + product per chunk on the chunked path (NOTE [ Convolution kernels ])


def _keep_columns(x: Any, key: tuple[Any, ...], windows: _Windows) -> None:
    # A newer forward of the same array replaces the older entry: its contents may have changed since.
    entries = [e for e in _columns.entries if not (e[0] is x and e[1] == key)]
    entries.append((x, key, windows))
    _columns.entries = entries[-_COLUMN_CACHE_SIZE:]


def _take_columns(x: Any, key: tuple[Any, ...]) -> _Windows | None:
    entries = _columns.entries
    for i, (array, found_key, windows) in enumerate(entries):
        if array is x and found_key == key:
            del entries[i]
            return windows
    return None


def _scratch(role: str, shape: _Ints, dtype: Any, zero: bool = False) -> Any:
    """A reusable NumPy array for ``role``; with ``zero``, zero-filled when created (callers that only ever
    write part of it rely on the rest staying zero)."""
    key = (role, shape, dtype)
    arrays = _workspace.arrays
    a = arrays.get(key)
    if a is None:
        a = np.zeros(shape, dtype) if zero else np.empty(shape, dtype)
        if a.nbytes <= _WORKSPACE_MAX_BYTES:  # else (one sample of a huge image) not kept
            if len(arrays) >= _WORKSPACE_SIZE or _workspace.nbytes + a.nbytes > _WORKSPACE_MAX_BYTES:
                arrays.clear()
                _workspace.nbytes = 0
            arrays[key] = a
            _workspace.nbytes += a.nbytes
    return a


def _product(xp: Any, a: Any, b: Any, out: Any = None) -> Any:
    """``a @ b`` of 2-D arrays for a convolution: on CuPy float32 on TF32 tensor cores while
    ``tocha.backends.cudnn.allow_tf32`` is on, as the fused path's (NOTE [ Fused convolution kernels ])."""
    return gemm(xp, a, b, out, allow_tf32=tocha.backends.cudnn.allow_tf32)


def _group_matmul(xp: Any, a: Any, b: Any) -> Any:
    """``a @ b`` over a leading group dim: one 2-D GEMM per group (NumPy's stacked matmul is much slower for
    a few large matrices), the stacked matmul for many small ones (depthwise convs)."""
    groups = a.shape[0]
    if groups > 16:
        return gemm_batched(xp, a, b, allow_tf32=tocha.backends.cudnn.allow_tf32)
    out = xp.empty((groups, a.shape[1], b.shape[2]), dtype=xp.result_type(a, b))
    for g in range(groups):
        _product(xp, a[g], b[g], out[g])
    return out


def _padded(xp: Any, x: Any, lo: Sequence[int], hi: Sequence[int], slack: int = 0) -> Any:
    """``x`` ``(N, C, *S)`` zero-padded by ``lo``/``hi`` per spatial dim (negative values crop).

    With ``slack > 0`` the result is a C-contiguous view of a buffer with ``slack`` zeros after its end (the
    wide-row window view reads past the last row).
    """
    spatial = x.shape[2:]
    if any(v < 0 for v in lo) or any(v < 0 for v in hi):
        crop = tuple(slice(max(-a, 0), s - max(-b, 0)) for a, b, s in zip(lo, hi, spatial, strict=True))
        x = x[_LEAD + crop]
        lo = [max(a, 0) for a in lo]
        hi = [max(b, 0) for b in hi]
        spatial = x.shape[2:]
    if slack == 0 and not any(lo) and not any(hi):
        return x
    shape = x.shape[:2] + tuple(s + a + b for s, a, b in zip(spatial, lo, hi, strict=True))
    total = _prod(shape)
    flat = xp.zeros(total + slack, dtype=x.dtype)
    buf = flat[:total].reshape(shape)
    buf[_LEAD + tuple(slice(a, a + s) for a, s in zip(lo, spatial, strict=True))] = x
    return buf


def _out_sizes(padded: Sequence[int], kernel: Sequence[int], stride: Sequence[int], dilation: Sequence[int]) -> _Ints:
    return tuple((p - d * (k - 1) - 1) // s + 1 for p, k, s, d in zip(padded, kernel, stride, dilation, strict=True))


def _use_wide(padded: Sequence[int], out: Sequence[int], stride: Sequence[int]) -> bool:
    # NOTE [ Convolution kernels ]: wide rows when the last two strides are 1 and they waste <= 25%.
    return len(out) >= 2 and stride[-1] == 1 and stride[-2] == 1 and out[-1] > 0 and 4 * padded[-1] <= 5 * out[-1]


def _windows(
    xp: Any,
    x: Any,
    kernel: _Ints,
    stride: _Ints,
    lo: Sequence[int],
    hi: Sequence[int],
    dilation: _Ints,
    allow_wide: bool = True,
) -> _Windows:
    """The padded input and the layout of its windows: output sizes (true and wide), and the shape and strides
    of one sample's output positions (the innermost dims of the im2col view)."""
    padded_sizes = tuple(s + a + b for s, a, b in zip(x.shape[2:], lo, hi, strict=True))
    out = _out_sizes(padded_sizes, kernel, stride, dilation)
    wide = allow_wide and _use_wide(padded_sizes, out, stride)
    buf = _padded(xp, x, lo, hi, (kernel[-1] - 1) * dilation[-1] + 1 if wide else 0)
    spatial_strides = buf.strides[2:]
    if wide:
        out_wide = (*out[:-1], buf.shape[-1])
        run_shape = (*out[:-2], out[-2] * buf.shape[-1])
        run_strides = (*tuple(s * t for s, t in zip(stride[:-2], spatial_strides[:-2], strict=True)), buf.strides[-1])
    else:
        out_wide = out
        run_shape = out
        run_strides = tuple(s * t for s, t in zip(stride, spatial_strides, strict=True))
    return buf, out, out_wide, run_shape, run_strides


def _window_view(xp: Any, windows: _Windows, kernel: _Ints, dilation: _Ints, groups: int) -> Any:
    """The im2col view ``(G, C/G, *K, N, *run)`` of the padded input."""
    buf, _, _, run_shape, run_strides = windows
    st = buf.strides
    cg = buf.shape[1] // groups
    return _as_strided(
        xp,
        buf,
        (groups, cg, *kernel, buf.shape[0], *run_shape),
        (cg * st[1], st[1], *tuple(d * t for d, t in zip(dilation, st[2:], strict=True)), st[0], *run_strides),
    )


def _columns_of(xp: Any, windows: _Windows, kernel: _Ints, dilation: _Ints, groups: int) -> Any:
    """im2col of the whole batch as ``(G, C/G * prod(K), N * prod(out_wide))``."""
    buf = windows[0]
    view = _window_view(xp, windows, kernel, dilation, groups)
    return xp.ascontiguousarray(view).reshape(groups, -1, buf.shape[0] * _prod(windows[3]))


def _chunk(n_batch: int, rows: int, length: int, itemsize: int) -> int:
    """Samples per GEMM on the chunked path: ``rows`` (column-matrix plus product rows) of about ``_CHUNK_BYTES``."""
    return max(1, min(n_batch, _CHUNK_BYTES // max(1, rows * length * itemsize)))


def _chunked_ok(xp: Any, groups: int, windows: _Windows) -> bool:
    return xp is np and groups == 1 and windows[0].shape[0] > 0 and _prod(windows[1]) > 0


def _chunked_wide(xp: Any, groups: int, rows: int, out_channels: int) -> bool:
    """Whether a conv on the chunked path takes wide rows: only when its column matrix is much larger than its
    output (wide rows make the im2col copy cheaper, but the product must then be trimmed by a second copy).
    The factor 8 is measured: wide for the input gradient of a 32->64 3x3 conv (rows 576, 32 outputs), exact
    for its forward (rows 288, 64 outputs) and weight gradient."""
    return not (xp is np and groups == 1) or rows >= 8 * out_channels


def _conv_chunked(xp: Any, windows: _Windows, w: Any, b: Any, kernel: _Ints, dilation: _Ints) -> Any:
    """Direct conv, ``groups == 1``, NumPy: im2col of a few samples into a reused buffer, then GEMMs, chunk by
    chunk (NOTE [ Convolution kernels ]). Exact rows: the bias folded into the GEMM as a row of ones under the
    columns; one GEMM per sample written straight into the output when the column matrix is small, else one
    per chunk moved into the output by one copy. Wide rows: one GEMM per chunk, its product copied (trimmed,
    bias added) into the output."""
    buf, out, out_wide, _, _ = windows
    n_batch = buf.shape[0]
    cout = w.shape[0]
    rows = _prod(w.shape[1:])
    length = _prod(out_wide)
    dtype = np.result_type(buf, w)
    w2 = w.reshape(cout, rows)
    trim = out_wide != out
    y = np.empty((n_batch, cout, *out), dtype=dtype)
    nc = _chunk(n_batch, rows + cout, length, buf.itemsize)
    whole = _window_view(xp, windows, kernel, dilation, 1)[0]
    batch_axis = (slice(None),) * (1 + len(kernel))
    if not trim:
        extra = 0 if b is None else 1
        if b is not None:
            w2 = np.concatenate([w2, b.reshape(cout, 1)], axis=1)
        y2 = y.reshape(n_batch, cout, length)
        for n0 in range(0, n_batch, nc):
            m = min(nc, n_batch - n0)
            samples = (*batch_axis, slice(n0, n0 + m))
            view = whole[samples]
            cols = _scratch("cols", (rows + extra, m * length), buf.dtype)
            np.copyto(cols[:rows].reshape(view.shape), view)
            if extra:
                cols[rows] = 1
            if rows >= cout and m > 1:  # one GEMM for the chunk, moved to (m, C_out, L) by one copy
                prod = _scratch("prod", (cout, m * length), dtype)
                np.matmul(w2, cols, out=prod)
                np.copyto(y2[n0 : n0 + m].swapaxes(0, 1), prod.reshape(cout, m, length))
                continue
            for i in range(m):
                np.matmul(w2, cols[:, i * length : (i + 1) * length], out=y2[n0 + i])
        return y
    bias = None if b is None else b.reshape((cout, 1) + (1,) * len(out))
    for n0 in range(0, n_batch, nc):
        m = min(nc, n_batch - n0)
        samples = (*batch_axis, slice(n0, n0 + m))
        view = whole[samples]
        cols = _scratch("cols", (rows, m * length), buf.dtype)
        np.copyto(cols.reshape(view.shape), view)
        prod = _scratch("prod", (cout, m * length), dtype)
        np.matmul(w2, cols, out=prod)
        part = prod.reshape((cout, m, *out_wide))[..., : out[-1]]
        dst = y[n0 : n0 + m].swapaxes(0, 1)
        if bias is not None:
            np.add(part, bias, out=dst)
        else:
            np.copyto(dst, part)
    return y


def _weight_grad_chunked(
    xp: Any, windows: _Windows, gy: Any, weight_shape: _Ints, kernel: _Ints, dilation: _Ints
) -> Any:
    """Weight gradient, ``groups == 1``, NumPy: per chunk of samples (or per sample, for small column matrices),
    the im2col matrix times the transposed output gradient (widened with zeros for wide rows), summed."""
    buf, out, out_wide, _, _ = windows
    n_batch = buf.shape[0]
    cout = weight_shape[0]
    rows = _prod(weight_shape[1:])
    length = _prod(out_wide)
    dtype = np.result_type(buf, gy)
    trim = out_wide != out
    gwt = np.empty((rows, cout), dtype=dtype)  # cols @ grad.T: the faster GEMM shape here (M = C * prod(K))
    nc = _chunk(n_batch, rows + cout, length, buf.itemsize)
    whole = _window_view(xp, windows, kernel, dilation, 1)[0]
    batch_axis = (slice(None),) * (1 + len(kernel))
    if not trim:
        # exact rows: one GEMM per sample against its own (contiguous) output gradient, no copy of it
        g3 = np.ascontiguousarray(gy).reshape(n_batch, cout, length)
        part = _scratch("wpart", (rows, cout), dtype)
        for n0 in range(0, n_batch, nc):
            m = min(nc, n_batch - n0)
            samples = (*batch_axis, slice(n0, n0 + m))
            view = whole[samples]
            cols = _scratch("cols", (rows, m * length), buf.dtype)
            np.copyto(cols.reshape(view.shape), view)
            if rows >= cout and m > 1:  # one GEMM for the chunk, the gradient moved to (C_out, m, L) by one copy
                g = _scratch("grad_exact", (cout, m, length), gy.dtype)
                np.copyto(g, g3[n0 : n0 + m].swapaxes(0, 1))
                if n0 == 0:
                    np.matmul(cols, g.reshape(cout, m * length).T, out=gwt)
                else:
                    np.matmul(cols, g.reshape(cout, m * length).T, out=part)
                    gwt += part
                continue
            for i in range(m):
                block = cols[:, i * length : (i + 1) * length]
                if n0 + i == 0:
                    np.matmul(block, g3[0].T, out=gwt)
                else:
                    np.matmul(block, g3[n0 + i].T, out=part)
                    gwt += part
        return np.ascontiguousarray(gwt.T).reshape(weight_shape)
    for n0 in range(0, n_batch, nc):
        m = min(nc, n_batch - n0)
        samples = (*batch_axis, slice(n0, n0 + m))
        view = whole[samples]
        cols = _scratch("cols", (rows, m * length), buf.dtype)
        np.copyto(cols.reshape(view.shape), view)
        g = _scratch("grad", (cout, m, *out_wide), gy.dtype, zero=True)  # the wide columns stay zero
        np.copyto(g[..., : out[-1]], gy[n0 : n0 + m].swapaxes(0, 1))
        g = g.reshape(cout, m * length)
        if n0 == 0:
            np.matmul(cols, g.T, out=gwt)
        else:
            part = _scratch("wpart", (rows, cout), dtype)
            np.matmul(cols, g.T, out=part)
            gwt += part
    return np.ascontiguousarray(gwt.T).reshape(weight_shape)


def _conv_direct(
    xp: Any,
    x: Any,
    w: Any,
    b: Any,
    stride: _Ints,
    lo: Sequence[int],
    hi: Sequence[int],
    dilation: _Ints,
    groups: int,
) -> Any:
    kernel = tuple(w.shape[2:])
    n_batch = x.shape[0]
    out_channels = w.shape[0]
    og = out_channels // groups
    windows = _windows(xp, x, kernel, stride, lo, hi, dilation, _chunked_wide(xp, groups, _prod(w.shape[1:]), og))
    out, out_wide = windows[1], windows[2]
    if _columns.keep:
        _keep_columns(x, (kernel, stride, tuple(lo), dilation, groups, out), windows)
    if _chunked_ok(xp, groups, windows):
        return _conv_chunked(xp, windows, w, b, kernel, dilation)
    cols = _columns_of(xp, windows, kernel, dilation, groups)
    w3 = w.reshape(groups, og, -1)
    bias_shape = (groups, og) + (1,) * len(out)
    if n_batch * groups <= _PER_SAMPLE_GEMMS:
        # one GEMM per sample and group, written straight into the (N, G, O/G, L) layout: no transposing copy
        length = _prod(out_wide)
        y = xp.empty((n_batch, groups, og, length), dtype=xp.result_type(w, cols))
        for n in range(n_batch):
            part = slice(n * length, (n + 1) * length)
            for g in range(groups):
                _product(xp, w3[g], cols[g, :, part], y[n, g])
        y = y.reshape((n_batch, groups, og, *out_wide))
        if out_wide == out:
            if b is not None:
                y += b.reshape(bias_shape)
            return y.reshape((n_batch, out_channels, *out))
    else:
        y = _group_matmul(xp, w3, cols)  # (G, O/G, N * prod(out_wide))
        y = xp.moveaxis(y.reshape((groups, og, n_batch, *out_wide)), 2, 0)
    if out_wide != out:
        y = y[..., : out[-1]]
    result = xp.empty((n_batch, groups, og, *out), dtype=y.dtype)
    if b is not None:
        xp.add(y, b.reshape(bias_shape), out=result)
    else:
        result[...] = y
    return result.reshape((n_batch, out_channels, *out))


def _flipped_transposed_weight(xp: Any, w: Any, groups: int) -> Any:
    """A transposed conv's weight ``(C_in, O/G, *K)`` as the direct conv weight ``(O, C_in/G, *K)``, flipped."""
    kernel = tuple(w.shape[2:])
    cg = w.shape[0] // groups
    og = w.shape[1]
    flip = (slice(None),) * 3 + (slice(None, None, -1),) * len(kernel)
    wg = w.reshape((groups, cg, og, *kernel))[flip]
    return xp.ascontiguousarray(wg.swapaxes(1, 2)).reshape((groups * og, cg, *kernel))


def _col2im_add(xp: Any, buf: Any, cols: Any, kernel: _Ints, stride: _Ints, dilation: _Ints, sizes: _Ints) -> None:
    """``buf[:, :, k*d + s*i] += cols[:, :, k, i]``: one strided ``+=`` per kernel offset ``k``.

    ``cols`` is ``(N, C, *K, *sizes)`` (any strides), ``buf`` ``(N, C, *P)``.
    """
    n = len(kernel)
    for offset in product(*(range(k) for k in kernel)):
        target = tuple(
            slice(o * d, o * d + s * (i - 1) + 1, s) for o, d, s, i in zip(offset, dilation, stride, sizes, strict=True)
        )
        buf[_LEAD + target] += cols[_LEAD + offset + (slice(None),) * n]


def _conv_transposed(
    xp: Any,
    x: Any,
    w: Any,
    b: Any,
    stride: _Ints,
    padding: _Ints,
    dilation: _Ints,
    groups: int,
    output_padding: _Ints,
) -> Any:
    kernel = tuple(w.shape[2:])
    n = len(kernel)
    if all(s == 1 for s in stride):
        lo = [d * (k - 1) - p for d, k, p in zip(dilation, kernel, padding, strict=True)]
        hi = [a + op for a, op in zip(lo, output_padding, strict=True)]
        wf = _flipped_transposed_weight(xp, w, groups)
        return _conv_direct(xp, x, wf, b, stride, lo, hi, dilation, groups)
    n_batch = x.shape[0]
    sizes = tuple(x.shape[2:])
    cg = w.shape[0] // groups
    og = w.shape[1]
    length = _prod(sizes)
    xg = xp.ascontiguousarray(x.reshape(n_batch, groups, cg, length).transpose(1, 2, 0, 3))
    wt = w.reshape(groups, cg, og * _prod(kernel)).transpose(0, 2, 1)
    cols = _group_matmul(xp, wt, xg.reshape(groups, cg, n_batch * length))  # (G, O/G * prod(K), N * prod(I))
    cols = cols.reshape((groups * og, *kernel, n_batch, *sizes))
    cols = xp.moveaxis(cols, n + 1, 0)  # (N, O, *K, *I)
    full = tuple(
        (i - 1) * s + d * (k - 1) + 1 + op
        for i, s, d, k, op in zip(sizes, stride, dilation, kernel, output_padding, strict=True)
    )
    buf = xp.zeros((n_batch, groups * og, *full), dtype=cols.dtype)
    _col2im_add(xp, buf, cols, kernel, stride, dilation, sizes)
    crop = tuple(slice(p, f - p) for p, f in zip(padding, full, strict=True))
    y = buf[_LEAD + crop]
    if b is not None:
        return y + b.reshape((-1,) + (1,) * n)
    return xp.ascontiguousarray(y)


def _convolution_forward(
    xp: Any,
    x: Any,
    w: Any,
    b: Any,
    stride: _Ints,
    padding: _Ints,
    dilation: _Ints,
    groups: int,
    transposed: bool,
    output_padding: _Ints,
) -> Any:
    if (
        xp is not np
        and (
            fused := _cuda_conv_kernels.convolution(
                xp, x, w, b, stride, padding, dilation, groups, transposed, output_padding
            )
        )
        is not None
    ):
        return fused
    if transposed:
        return _conv_transposed(xp, x, w, b, stride, padding, dilation, groups, output_padding)
    return _conv_direct(xp, x, w, b, stride, padding, padding, dilation, groups)


def _convolution_weight_forward(
    xp: Any,
    x: Any,
    gy: Any,
    weight_shape: _Ints,
    stride: _Ints,
    padding: _Ints,
    dilation: _Ints,
    groups: int,
) -> Any:
    if (
        xp is not np
        and (fused := _cuda_conv_kernels.weight_gradient(xp, x, gy, weight_shape, stride, padding, dilation, groups))
        is not None
    ):
        return fused
    kernel = tuple(weight_shape[2:])
    n_batch = x.shape[0]
    og = weight_shape[0] // groups
    out = tuple(gy.shape[2:])
    # im2col over the positions gy covers (a transposed conv's output padding can leave x larger)
    hi = [
        (o - 1) * s + d * (k - 1) + 1 - sz - p
        for o, s, d, k, sz, p in zip(out, stride, dilation, kernel, x.shape[2:], padding, strict=True)
    ]
    windows = _take_columns(x, (kernel, stride, tuple(padding), dilation, groups, out))
    if windows is None:
        wide = _chunked_wide(xp, groups, _prod(weight_shape[1:]), og)
        windows = _windows(xp, x, kernel, stride, padding, hi, dilation, wide)
    if _chunked_ok(xp, groups, windows):
        return _weight_grad_chunked(xp, windows, gy, weight_shape, kernel, dilation)
    cols = _columns_of(xp, windows, kernel, dilation, groups)
    out_wide = windows[2]
    gyg = xp.moveaxis(gy.reshape((n_batch, groups, og, *out)), 0, 2)  # (G, O/G, N, *out)
    if out_wide != out:
        wide = xp.zeros((groups, og, n_batch, *out_wide), dtype=gy.dtype)
        wide[..., : out[-1]] = gyg
        gyg = wide
    else:
        gyg = xp.ascontiguousarray(gyg)
    gw = _group_matmul(xp, gyg.reshape(groups, og, -1), cols.transpose(0, 2, 1))  # (G, O/G, C/G * prod(K))
    return gw.reshape(weight_shape)


def _output_padding_for(
    target: Sequence[int], sizes: Sequence[int], stride: _Ints, padding: _Ints, dilation: _Ints, kernel: Sequence[int]
) -> _Ints:
    """The output padding that makes a transposed conv of ``sizes`` produce ``target``."""
    return tuple(
        t - ((i - 1) * s - 2 * p + d * (k - 1) + 1)
        for t, i, s, p, d, k in zip(target, sizes, stride, padding, dilation, kernel, strict=True)
    )


def _convolution_backward_forward(xp: Any, grad: Any, x: Any, w: Any, stride: _Ints, padding: _Ints,
                                  dilation: _Ints, groups: int, need_x: bool, need_w: bool,
                                  need_b: bool) -> tuple[Any, Any, Any]:  # fmt: skip
    gx = gw = gb = None
    cuda = xp is not np
    # on CUDA the input and weight gradients start from the same moved output gradient: made once
    shared = need_x and need_w and _prod(w.shape[1:]) > _cuda_conv_kernels._DIRECT_TAPS
    moved = _cuda_conv_kernels.moved_gradient(xp, grad) if cuda and shared else None
    if need_x:
        op = _output_padding_for(x.shape[2:], grad.shape[2:], stride, padding, dilation, w.shape[2:])
        fused = None
        if cuda:
            fused = _cuda_conv_kernels.convolution(
                xp, grad, w, None, stride, padding, dilation, groups, True, op, moved=moved
            )
        gx = fused if fused is not None else _convolution_forward(xp, grad, w, None, stride, padding, dilation,
                                                                  groups, True, op)  # fmt: skip
    if need_w:
        fused = None
        if cuda:
            fused = _cuda_conv_kernels.weight_gradient(
                xp, x, grad, tuple(w.shape), stride, padding, dilation, groups, moved=moved
            )
        gw = fused if fused is not None else _convolution_weight_forward(xp, x, grad, tuple(w.shape), stride,
                                                                         padding, dilation, groups)  # fmt: skip
    if need_b:
        gb = _bias_gradient_forward(xp, grad)
    return _one_op.with_placeholders(xp, grad.dtype, (gx, gw, gb))


def _convolution_backward_vjp(ctx: Any, grads: tuple[Any, ...]) -> tuple[Tensor | None, ...]:
    raise RuntimeError("convolution_backward is not differentiable: a double backward takes the composite vjp")


def _one_op_backward(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...] | None:
    """All of a (not transposed) convolution's gradients from one op (see _one_op): one dispatch instead of three,
    and on CUDA one move of the output gradient instead of two; None where it does not apply."""
    x, w = ctx.inputs[0], ctx.inputs[1]
    stride, padding, dilation, groups, transposed, _ = ctx.params
    if transposed or not _one_op.applies(grad, x, w):
        return None
    need = ctx.needs_input_grad
    need_b = len(need) > 2 and bool(need[2])
    params = (stride, padding, dilation, groups, bool(need[0]), bool(need[1]), need_b)
    gx, gw, gb = call(CONVOLUTION_BACKWARD, grad.device, (grad, x, w), params)
    return (gx if need[0] else None, gw if need[1] else None, gb if need_b else None)


def _convolution_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    fused = _one_op_backward(ctx, grad)
    if fused is not None:
        return fused
    x, w = ctx.inputs[0], ctx.inputs[1]
    stride, padding, dilation, groups, transposed, _ = ctx.params
    need = ctx.needs_input_grad
    n = len(stride)
    kernel = tuple(w.shape[2:])
    gx = gw = gb = None
    if need[0]:
        if transposed:
            gx = _convolution(grad, w, None, stride, padding, dilation, groups, False, (0,) * n)
            gx = _narrow_to(gx, tuple(x.shape))
        else:
            op = _output_padding_for(x.shape[2:], grad.shape[2:], stride, padding, dilation, kernel)
            gx = _convolution(grad, w, None, stride, padding, dilation, groups, True, op)
    if need[1]:
        inp, gout = (grad, x) if transposed else (x, grad)
        gw = call(
            CONVOLUTION_BACKWARD_WEIGHT, w.device, (inp, gout), (tuple(w.shape), stride, padding, dilation, groups)
        )
    if len(need) > 2 and need[2]:
        if grad.device.type == "cpu":
            gb = grad.sum(dim=(0, *tuple(range(2, 2 + n))))
        else:
            gb = call(CONVOLUTION_BACKWARD_BIAS, grad.device, (grad,), ())
    return (gx, gw, gb)


def _convolution_weight_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    x, gy = ctx.inputs[0], ctx.inputs[1]
    _, stride, padding, dilation, groups = ctx.params
    n = len(stride)
    need = ctx.needs_input_grad
    gx = ggy = None
    if need[0]:
        op = _output_padding_for(x.shape[2:], gy.shape[2:], stride, padding, dilation, tuple(grad.shape[2:]))
        gx = _convolution(gy, grad, None, stride, padding, dilation, groups, True, op)
    if need[1]:
        ggy = _convolution(x, grad, None, stride, padding, dilation, groups, False, (0,) * n)
        ggy = _narrow_to(ggy, tuple(gy.shape))
    return (gx, ggy)


def _narrow_to(t: Tensor, shape: _Ints) -> Tensor:
    for dim, (have, want) in enumerate(zip(t.shape, shape, strict=True)):
        if have != want:
            t = t.narrow(dim, 0, want)
    return t


CONVOLUTION = register_op(
    OpRecord(
        name="convolution",
        forward=_convolution_forward,
        vjp=_convolution_vjp,
        saves_inputs=(0, 1),
        dtypes=(tocha.float16, tocha.float32, tocha.float64),
    )
)

CONVOLUTION_BACKWARD_WEIGHT = register_op(
    OpRecord(
        name="convolution_backward_weight",
        forward=_convolution_weight_forward,
        vjp=_convolution_weight_vjp,
        saves_inputs=(0, 1),
        dtypes=(tocha.float16, tocha.float32, tocha.float64),
    )
)


def _bias_gradient_forward(xp: Any, gy: Any) -> Any:
    if xp is not np and (fused := _cuda_conv_kernels.bias_gradient(xp, gy)) is not None:
        return fused
    axes = (0, *range(2, gy.ndim))
    if gy.dtype.itemsize == 2:  # float16/bfloat16 sum in float32, as tocha.sum does
        return xp.sum(gy, axis=axes, dtype=np.float32).astype(gy.dtype)
    return xp.sum(gy, axis=axes)


def _bias_gradient_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    shape = ctx.input_shapes[0]
    return (grad.reshape(1, shape[1], *(1,) * (len(shape) - 2)).expand(shape),)


CONVOLUTION_BACKWARD = register_op(
    OpRecord(
        name="convolution_backward",
        forward=_convolution_backward_forward,
        vjp=_convolution_backward_vjp,
        num_outputs=3,
        dtypes=(tocha.float32, tocha.float64),
    )
)

# A convolution's bias gradient on devices other than the CPU (the CPU's is tocha.sum): one fused launch there.
CONVOLUTION_BACKWARD_BIAS = register_op(
    OpRecord(
        name="convolution_backward_bias",
        forward=_bias_gradient_forward,
        vjp=_bias_gradient_vjp,
        dtypes=(tocha.float16, tocha.float32, tocha.float64),
    )
)


def _convolution(
    x: Tensor,
    w: Tensor,
    b: Tensor | None,
    stride: _Ints,
    padding: _Ints,
    dilation: _Ints,
    groups: int,
    transposed: bool,
    output_padding: _Ints,
) -> Tensor:
    return call(  # type: ignore[no-any-return]
        CONVOLUTION, x.device, (x, w, b), (stride, padding, dilation, groups, transposed, output_padding)
    )


# ---------------------------------------------------------------------------------- argument checking


def _expand(value: Any, n: int, name: str) -> _Ints:
    if isinstance(value, int):
        return (value,) * n
    values = tuple(int(v) for v in value)
    if len(values) == 1:
        return values * n
    if len(values) != n:
        raise RuntimeError(
            f"expected {name} to be a single integer value or a list of {n} values to match the convolution "
            f"dimensions, but got {name}={list(values)}"
        )
    return values


def _type_name(t: Tensor) -> str:
    return scalar_type_name(t.dtype)


def _size(shape: Sequence[int]) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _check_conv(
    name: str,
    n: int,
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    stride: _Ints,
    padding: _Ints,
    dilation: _Ints,
    groups: int,
    transposed: bool,
) -> bool:
    """Validate a conv call as PyTorch does; return whether the input is batched."""
    dim = input.dim()
    if dim not in (n + 1, n + 2):
        raise RuntimeError(
            f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to {name}, but got input of size: "
            f"{_size(input.shape)}"
        )
    if weight.dim() != n + 2:
        raise RuntimeError(
            f"{name}: expected weight to be {n + 2}-dimensional for {n + 2}-dimensional input, but got weight of "
            f"size {_size(weight.shape)}"
        )
    if input.dtype != weight.dtype and not allows_mixed("convolution", input.device.type, input.dtype, weight.dtype):
        raise RuntimeError(f"expected scalar type {_type_name(input)} but found {_type_name(weight)}")
    if not input.is_floating_point():
        raise RuntimeError(f"\"{name}\" not implemented for '{_type_name(input)}'")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    batched = dim == n + 2
    shape = tuple(input.shape) if batched else (1, *tuple(input.shape))
    wshape = tuple(weight.shape)
    if transposed:
        if shape[1] != wshape[0]:
            raise RuntimeError(
                f"Given transposed=1, weight of size {_size(wshape)}, expected input{_size(shape)} to have "
                f"{wshape[0]} channels, but got {shape[1]} channels instead"
            )
        if wshape[0] % groups:
            raise RuntimeError(
                f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but got weight "
                f"of size [{_size(wshape)}] instead"
            )
        out_channels = wshape[1] * groups
    else:
        if wshape[0] % groups:
            raise RuntimeError(
                f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but got weight "
                f"of size [{_size(wshape)}] instead"
            )
        if shape[1] != wshape[1] * groups:
            raise RuntimeError(
                f"Given groups={groups}, weight of size {_size(wshape)}, expected input{_size(shape)} to have "
                f"{wshape[1] * groups} channels, but got {shape[1]} channels instead"
            )
        out_channels = wshape[0]
        padded = [s + 2 * p for s, p in zip(shape[2:], padding, strict=True)]
        extent = [d * (k - 1) + 1 for d, k in zip(dilation, wshape[2:], strict=True)]
        if any(p < e for p, e in zip(padded, extent, strict=True)):
            raise RuntimeError(
                f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel size: "
                f"({' x '.join(map(str, extent))}). Kernel size can't be greater than actual input size"
            )
    if bias is not None:
        if bias.dim() != 1 or bias.shape[0] != out_channels:
            raise RuntimeError(
                f"Given weight of size {_size(wshape)}, expected bias to be 1-dimensional with {out_channels} "
                f"elements, but got bias of size {_size(bias.shape)} instead"
            )
        if bias.dtype != input.dtype and not allows_mixed("convolution", input.device.type, input.dtype, bias.dtype):
            raise RuntimeError(f"expected scalar type {_type_name(input)} but found {_type_name(bias)}")
    if input.device != weight.device or (bias is not None and bias.device != input.device):
        raise RuntimeError(
            f"Expected all tensors to be on the same device, but got input on {input.device}, weight on "
            f"{weight.device}" + (f" and bias on {bias.device}" if bias is not None else "")
        )
    return batched


def _conv_nd(
    name: str,
    n: int,
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: int,
) -> Tensor:
    strides = _expand(stride, n, "stride")
    dilations = _expand(dilation, n, "dilation")
    extra: list[int] | None = None
    if isinstance(padding, str):
        if padding == "valid":
            pads: _Ints = (0,) * n
        elif padding == "same":
            if any(s != 1 for s in strides):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            totals = [d * (k - 1) for d, k in zip(dilations, weight.shape[2:], strict=True)]
            pads = tuple(t // 2 for t in totals)
            if any(t % 2 for t in totals):
                extra = []
                for t in reversed(totals):
                    extra += [0, t % 2]
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        pads = _expand(padding, n, "padding")
    batched = _check_conv(name, n, input, weight, bias, strides, pads, dilations, groups, False)
    x = input if batched else input.unsqueeze(0)
    if extra is not None:
        x = pad(x, extra)
    if weight.requires_grad and tocha.is_grad_enabled():
        _columns.keep = True
        try:
            out = _convolution(x, weight, bias, strides, pads, dilations, groups, False, (0,) * n)
        finally:
            _columns.keep = False
    else:
        out = _convolution(x, weight, bias, strides, pads, dilations, groups, False, (0,) * n)
    return _in_format_of(out, x, weight) if batched else out.squeeze(0)


def _is_channels_last(t: Tensor) -> bool:
    """Whether 4-D ``t``'s strides say channels-last (and not also row-major)."""
    return t.dim() == 4 and not t.is_contiguous() and t.is_contiguous(memory_format=tocha.channels_last)


def _in_format_of(out: Tensor, x: Tensor, weight: Tensor) -> Tensor:
    """A 2-D convolution's ``out`` in channels-last layout when its input or weight is, as PyTorch's CPU
    convolutions give it (a channels-last network keeps its activations channels-last; its 3-D ones stay
    row-major); otherwise as it is."""
    if out.dim() == 4 and (_is_channels_last(x) or _is_channels_last(weight)):
        return out.contiguous(memory_format=tocha.channels_last)
    return out


def _conv_transpose_nd(
    name: str,
    n: int,
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    stride: Any,
    padding: Any,
    output_padding: Any,
    groups: int,
    dilation: Any,
) -> Tensor:
    strides = _expand(stride, n, "stride")
    dilations = _expand(dilation, n, "dilation")
    if isinstance(padding, str):
        raise RuntimeError(f"{name}: padding must be an int or a tuple of ints, not the string '{padding}'")
    pads = _expand(padding, n, "padding")
    out_pads = _expand(output_padding, n, "output_padding")
    batched = _check_conv(name, n, input, weight, bias, strides, pads, dilations, groups, True)
    if any(op >= s and op >= d for op, s, d in zip(out_pads, strides, dilations, strict=True)):
        axes = ("depth", "height", "width")[3 - n :] if n > 1 else ("width",)
        parts = (
            [f"output_padding_{a}: {v}" for a, v in zip(axes, out_pads, strict=True)]
            + [f"stride_{a}: {v}" for a, v in zip(axes, strides, strict=True)]
            + [f"dilation_{a}: {v}" for a, v in zip(axes, dilations, strict=True)]
        )
        raise RuntimeError("output padding must be smaller than either stride or dilation, but got " + " ".join(parts))
    sizes = input.shape[-n:]
    out = [
        (i - 1) * s - 2 * p + d * (k - 1) + op + 1
        for i, s, p, d, k, op in zip(sizes, strides, pads, dilations, weight.shape[2:], out_pads, strict=True)
    ]
    if any(o <= 0 for o in out):
        raise RuntimeError(
            f"Given input size per channel: ({' x '.join(map(str, sizes))}). Calculated output size per channel: "
            f"({' x '.join(map(str, out))}). Output size is too small"
        )
    x = input if batched else input.unsqueeze(0)
    result = _in_format_of(_convolution(x, weight, bias, strides, pads, dilations, groups, True, out_pads), x, weight)
    return result if batched else result.squeeze(0)


# ------------------------------------------------------------------------------------ public convolutions


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    r"""1D convolution (cross-correlation) over ``(N, C_in, L)`` or unbatched ``(C_in, L)`` input.

    :math:`y[n, o, l] = b[o] + \sum_{c, k} W[o, c, k]\, x_{pad}[n, g(o) C_g + c, s\,l + d\,k]`.

    Args:
        input: ``(N, C_in, L)`` or ``(C_in, L)``.
        weight: ``(C_out, C_in / groups, kW)``.
        bias: optional ``(C_out,)``.
        stride: step of the window.
        padding: zeros added on both sides, or ``'valid'`` (none) / ``'same'`` (output as long as the input).
        dilation: spacing between kernel taps.
        groups: split input and output channels into this many independent groups.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.conv1d(tocha.ones(1, 1, 5), tocha.ones(1, 1, 3))
        tensor([[[3., 3., 3.]]])
    """
    return _conv_nd("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    r"""2D convolution (cross-correlation) over ``(N, C_in, H, W)`` or unbatched ``(C_in, H, W)`` input.

    :math:`y[n, o, i, j] = b[o] + \sum_{c, k, l} W[o, c, k, l]\, x_{pad}[n, c', s_h i + d_h k, s_w j + d_w l]`.

    Args:
        input: ``(N, C_in, H, W)`` or ``(C_in, H, W)``.
        weight: ``(C_out, C_in / groups, kH, kW)``.
        bias: optional ``(C_out,)``.
        stride: step of the window (an int or a pair).
        padding: zeros added on each side (an int or a pair), or ``'valid'`` / ``'same'``.
        dilation: spacing between kernel taps.
        groups: split input and output channels into this many independent groups.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.conv2d(tocha.ones(1, 1, 3, 3), tocha.ones(1, 1, 2, 2), padding=0)
        tensor([[[[4., 4.],
                  [4., 4.]]]])
    """
    return _conv_nd("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """3D convolution (cross-correlation) over ``(N, C_in, D, H, W)`` or unbatched ``(C_in, D, H, W)`` input.

    Args:
        input: ``(N, C_in, D, H, W)`` or ``(C_in, D, H, W)``.
        weight: ``(C_out, C_in / groups, kD, kH, kW)``.
        bias: optional ``(C_out,)``.
        stride: step of the window (an int or a triple).
        padding: zeros added on each side, or ``'valid'`` / ``'same'``.
        dilation: spacing between kernel taps.
        groups: split input and output channels into this many independent groups.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.conv3d(tocha.ones(1, 1, 2, 2, 2), tocha.ones(1, 1, 2, 2, 2)).flatten()
        tensor([8.])
    """
    return _conv_nd("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """1D transposed convolution (the gradient of :func:`conv1d` with respect to its input).

    Output length: ``(L - 1) * stride - 2 * padding + dilation * (kW - 1) + output_padding + 1``.

    Args:
        input: ``(N, C_in, L)`` or ``(C_in, L)``.
        weight: ``(C_in, C_out / groups, kW)``.
        bias: optional ``(C_out,)``.
        stride: upsampling step.
        padding: ``dilation * (kW - 1) - padding`` zeros are added to both sides of the input.
        output_padding: extra length added to one side of the output.
        groups: independent channel groups.
        dilation: spacing between kernel taps.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.conv_transpose1d(tocha.ones(1, 1, 2), tocha.ones(1, 1, 2), stride=2)
        tensor([[[1., 1., 1., 1.]]])
    """
    return _conv_transpose_nd(
        "conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups, dilation
    )


def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """2D transposed convolution (the gradient of :func:`conv2d` with respect to its input).

    Args:
        input: ``(N, C_in, H, W)`` or ``(C_in, H, W)``.
        weight: ``(C_in, C_out / groups, kH, kW)``.
        bias: optional ``(C_out,)``.
        stride: upsampling step (an int or a pair).
        padding: ``dilation * (k - 1) - padding`` zeros are added to both sides of each spatial dim.
        output_padding: extra size added to one side of each output dim.
        groups: independent channel groups.
        dilation: spacing between kernel taps.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.conv_transpose2d(tocha.ones(1, 1, 1, 1), tocha.ones(1, 1, 2, 2)).shape
        tocha.Size([1, 1, 2, 2])
    """
    return _conv_transpose_nd(
        "conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups, dilation
    )


def conv_transpose3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """3D transposed convolution (the gradient of :func:`conv3d` with respect to its input).

    Args:
        input: ``(N, C_in, D, H, W)`` or ``(C_in, D, H, W)``.
        weight: ``(C_in, C_out / groups, kD, kH, kW)``.
        bias: optional ``(C_out,)``.
        stride: upsampling step (an int or a triple).
        padding: ``dilation * (k - 1) - padding`` zeros are added to both sides of each spatial dim.
        output_padding: extra size added to one side of each output dim.
        groups: independent channel groups.
        dilation: spacing between kernel taps.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.conv_transpose3d(tocha.ones(1, 1, 1, 1, 1), tocha.ones(1, 2, 2, 2, 2)).shape
        tocha.Size([1, 2, 2, 2, 2])
    """
    return _conv_transpose_nd(
        "conv_transpose3d", 3, input, weight, bias, stride, padding, output_padding, groups, dilation
    )


# ------------------------------------------------------------------------------------------------ padding


def _pad_pairs(pad: _Ints, ndim: int) -> list[tuple[int, int, int]]:
    """``(dim, before, after)`` for each padded dim; ``pad`` starts with the last dim."""
    return [(ndim - 1 - i, pad[2 * i], pad[2 * i + 1]) for i in range(len(pad) // 2)]


def _constant_pad_forward(xp: Any, x: Any, pad: _Ints, value: float) -> Any:
    shape = list(x.shape)
    src: list[slice] = [slice(None)] * x.ndim
    dst: list[slice] = [slice(None)] * x.ndim
    for dim, lo, hi in _pad_pairs(pad, x.ndim):
        size = shape[dim]
        start, stop = max(-lo, 0), size - max(-hi, 0)
        src[dim] = slice(start, max(stop, start))
        dst[dim] = slice(max(lo, 0), max(lo, 0) + max(stop - start, 0))
        shape[dim] = size + lo + hi
    if value == 0:
        out = xp.zeros(shape, dtype=x.dtype)
    else:
        out = xp.full(shape, value, dtype=x.dtype)
    out[tuple(dst)] = x[tuple(src)]
    return out


def _constant_pad_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    pad_, _ = ctx.params
    return (call(CONSTANT_PAD, grad.device, (grad,), (tuple(-p for p in pad_), 0.0)),)


CONSTANT_PAD = register_op(OpRecord(name="constant_pad_nd", forward=_constant_pad_forward, vjp=_constant_pad_vjp))


@functools.lru_cache(maxsize=256)
def _pad_index(mode: str, size: int, lo: int, hi: int) -> Any:
    """Source index (along one dim) of every output position of a reflect/replicate/circular pad."""
    if mode == "circular":  # negative pads crop first, then the cropped range wraps around
        first, kept = max(-lo, 0), size - max(-lo, 0) - max(-hi, 0)
        return first + np.mod(np.arange(-max(lo, 0), kept + max(hi, 0)), kept)
    q = np.arange(-lo, size + hi)
    if mode == "reflect":
        q = np.abs(q)
        return np.where(q >= size, 2 * (size - 1) - q, q)
    return np.clip(q, 0, size - 1)


def _gather_pad_forward(xp: Any, x: Any, mode: str, pad: _Ints) -> Any:
    for dim, lo, hi in _pad_pairs(pad, x.ndim):
        if lo == 0 and hi == 0:
            continue
        x = xp.take(x, xp.asarray(_pad_index(mode, x.shape[dim], lo, hi)), axis=dim)
    return x


def _gather_pad_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    mode, pad_ = ctx.params
    return (call(PAD_BACKWARD, grad.device, (grad,), (mode, pad_, tuple(ctx.input_shapes[0]))),)


def _at(dim: int, item: Any) -> tuple[Any, ...]:
    """An index selecting ``item`` along ``dim`` (everything along the dims before it)."""
    return tuple([slice(None)] * dim + [item])


def _pad_backward_forward(xp: Any, g: Any, mode: str, pad: _Ints, shape: _Ints) -> Any:
    # The adjoint of the gather: for each padded dim (last padded first, as the forward's reverse) scatter-add
    # the centre in one slice and the few border positions one by one.
    for dim, lo, hi in reversed(_pad_pairs(pad, len(shape))):
        if lo == 0 and hi == 0:
            continue
        size = shape[dim]
        index = _pad_index(mode, size, lo, hi)
        out_shape = list(g.shape)
        out_shape[dim] = size
        out = xp.zeros(out_shape, dtype=g.dtype)
        first, last = max(lo, 0), min(lo + size, len(index))  # output positions mapping onto themselves
        if last > first:
            out[_at(dim, slice(first - lo, last - lo))] += g[_at(dim, slice(first, last))]
        for j in list(range(first)) + list(range(max(last, first), len(index))):
            out[_at(dim, int(index[j]))] += g[_at(dim, j)]
        g = out
    return g


def _pad_backward_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    mode, pad_, _ = ctx.params
    return (call(_GATHER_PADS[mode], grad.device, (grad,), (mode, pad_)),)


_GATHER_PADS = {
    mode: register_op(OpRecord(name=f"{name}_pad", forward=_gather_pad_forward, vjp=_gather_pad_vjp))
    for mode, name in (("reflect", "reflection"), ("replicate", "replication"), ("circular", "circular"))
}
PAD_BACKWARD = register_op(OpRecord(name="pad_backward", forward=_pad_backward_forward, vjp=_pad_backward_vjp))


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last ``len(pad) // 2`` dims of ``input``; ``pad`` lists ``(before, after)`` from the last dim.

    Modes: ``'constant'`` (fill with ``value``; negative pads crop), ``'reflect'`` (mirror without repeating
    the edge), ``'replicate'`` (repeat the edge), ``'circular'`` (wrap around). The non-constant modes pad
    the last 1, 2 or 3 dims of a batched or unbatched input.

    Args:
        input: the tensor to pad.
        pad: ``(last_before, last_after, second_last_before, ...)``.
        mode: ``'constant'``, ``'reflect'``, ``'replicate'`` or ``'circular'``.
        value: the fill value of ``'constant'`` mode (default 0).

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.pad(tocha.tensor([[1.0, 2.0, 3.0]]), (1, 2), mode="reflect")
        tensor([[2., 1., 2., 3., 2., 1.]])
    """
    pads = tuple(int(p) for p in pad)
    ndim = input.dim()
    if len(pads) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pads) // 2 > ndim:
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but got padding length "
            f"{len(pads)} and input of dimension {ndim}"
        )
    if mode == "constant":
        shape = tuple(input.shape)
        for dim, lo, hi in _pad_pairs(pads, ndim):
            if shape[dim] + lo + hi < 0:
                raise RuntimeError(
                    f"pad(): padding ({lo}, {hi}) of dimension {dim} of input {_size(shape)} gives a negative size "
                    f"{shape[dim] + lo + hi}"
                )
        fill = 0.0 if value is None else check_scalar_fits(value, input.dtype, wrap_unsigned=False)
        if not input.is_floating_point() and not input.is_complex():
            fill = int(fill)
        return call(CONSTANT_PAD, input.device, (input,), (pads, fill))  # type: ignore[no-any-return]
    if mode not in _GATHER_PADS:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    m = len(pads) // 2
    if m not in (1, 2, 3) or ndim not in (m + 1, m + 2):
        raise NotImplementedError(
            f"Padding size {len(pads)} is not supported for {ndim}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
        )
    shape = tuple(input.shape)
    if any(s == 0 for s in shape[ndim - m - 1 + (ndim == m + 1) :]):
        raise RuntimeError(
            f"Expected {m + 1}D or {m + 2}D (batch mode) tensor with possibly 0 batch size and other non-zero "
            f"dimensions for input, but got: {_size(shape)}"
        )
    for dim, lo, hi in _pad_pairs(pads, ndim):
        size = shape[dim]
        if mode == "reflect" and (lo >= size or hi >= size):
            raise RuntimeError(
                f"Argument #4: Padding size should be less than the corresponding input dimension, but got: "
                f"padding ({lo}, {hi}) at dimension {dim} of input {_size(shape)}"
            )
        kept = size - max(-lo, 0) - max(-hi, 0)
        if mode == "circular" and (lo > kept or hi > kept):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if size + lo + hi < 0 or (mode != "circular" and (-lo >= size or -hi >= size) and size + lo + hi <= 0):
            raise RuntimeError(
                f"pad(): padding ({lo}, {hi}) of dimension {dim} of input {_size(shape)} leaves no elements"
            )
    return call(_GATHER_PADS[mode], input.device, (input,), (mode, pads))  # type: ignore[no-any-return]


# --------------------------------------------------------------------------------------------- fold, unfold


def _im2col_forward(xp: Any, x: Any, kernel: _Ints, dilation: _Ints, padding: _Ints, stride: _Ints) -> Any:
    buf = _padded(xp, x, padding, padding)
    n_batch, channels = buf.shape[:2]
    out = _out_sizes(buf.shape[2:], kernel, stride, dilation)
    st = buf.strides
    view = _as_strided(
        xp,
        buf,
        (n_batch, channels, *kernel, *out),
        st[:2]
        + tuple(d * t for d, t in zip(dilation, st[2:], strict=True))
        + tuple(s * t for s, t in zip(stride, st[2:], strict=True)),
    )
    return xp.ascontiguousarray(view).reshape(n_batch, channels * _prod(kernel), _prod(out))


def _col2im_forward(
    xp: Any, cols: Any, output_size: _Ints, kernel: _Ints, dilation: _Ints, padding: _Ints, stride: _Ints
) -> Any:
    n_batch = cols.shape[0]
    channels = cols.shape[1] // _prod(kernel)
    full = tuple(o + 2 * p for o, p in zip(output_size, padding, strict=True))
    blocks = _out_sizes(full, kernel, stride, dilation)
    buf = xp.zeros((n_batch, channels, *full), dtype=cols.dtype)
    _col2im_add(xp, buf, cols.reshape((n_batch, channels, *kernel, *blocks)), kernel, stride, dilation, blocks)
    crop = tuple(slice(p, p + o) for p, o in zip(padding, output_size, strict=True))
    return xp.ascontiguousarray(buf[_LEAD + crop])


def _im2col_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    kernel, dilation, padding_, stride = ctx.params
    size = tuple(ctx.input_shapes[0][2:])
    return (call(COL2IM, grad.device, (grad,), (size, kernel, dilation, padding_, stride)),)


def _col2im_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    _, kernel, dilation, padding_, stride = ctx.params
    return (call(IM2COL, grad.device, (grad,), (kernel, dilation, padding_, stride)),)


IM2COL = register_op(OpRecord(name="im2col", forward=_im2col_forward, vjp=_im2col_vjp))
COL2IM = register_op(OpRecord(name="col2im", forward=_col2im_forward, vjp=_col2im_vjp))


def _fold_args(kernel_size: Any, dilation: Any, padding: Any, stride: Any) -> tuple[_Ints, _Ints, _Ints, _Ints]:
    return (
        _expand(kernel_size, 2, "kernel_size"),
        _expand(dilation, 2, "dilation"),
        _expand(padding, 2, "padding"),
        _expand(stride, 2, "stride"),
    )


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> Tensor:
    """Extract sliding local blocks (im2col): ``(N, C, H, W)`` to ``(N, C * kH * kW, L)``.

    Args:
        input: ``(N, C, H, W)`` or unbatched ``(C, H, W)``.
        kernel_size: size of the blocks.
        dilation: spacing between the elements of a block.
        padding: zeros added on both sides of each spatial dim.
        stride: step between blocks.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.unfold(tocha.arange(9.0).reshape(1, 1, 3, 3), 2)
        tensor([[[0., 1., 3., 4.],
                 [1., 2., 4., 5.],
                 [3., 4., 6., 7.],
                 [4., 5., 7., 8.]]])
    """
    kernel, dil, pads, strides = _fold_args(kernel_size, dilation, padding, stride)
    if input.dim() not in (3, 4):
        raise RuntimeError(
            f"Expected 3D or 4D (batch mode) tensor for input with possibly 0 batch size and non-zero dimensions, "
            f"but got: {_size(input.shape)}"
        )
    batched = input.dim() == 4
    x = input if batched else input.unsqueeze(0)
    blocks = _out_sizes([s + 2 * p for s, p in zip(x.shape[2:], pads, strict=True)], kernel, strides, dil)
    if any(b <= 0 for b in blocks):
        raise RuntimeError(
            f"Given input with spatial size ({x.shape[2]}, {x.shape[3]}), kernel_size={kernel}, dilation={dil}, "
            f"padding={pads}, calculated shape of the array of sliding blocks as ({blocks[0]}, {blocks[1]}), but "
            "its components must be at least one."
        )
    out = call(IM2COL, x.device, (x,), (kernel, dil, pads, strides))
    return out if batched else out.squeeze(0)  # type: ignore[no-any-return]


def fold(
    input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1
) -> Tensor:
    """Sum sliding local blocks into a tensor (col2im): ``(N, C * kH * kW, L)`` to ``(N, C, H, W)``.

    The inverse layout of :func:`unfold`; overlapping blocks add up.

    Args:
        input: ``(N, C * prod(kernel_size), L)`` or unbatched ``(C * prod(kernel_size), L)``.
        output_size: the spatial size ``(H, W)`` of the result.
        kernel_size: size of the blocks.
        dilation: spacing between the elements of a block.
        padding: zeros that were added on both sides of each spatial dim.
        stride: step between blocks.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.fold(tocha.ones(1, 4, 4), (3, 3), 2)
        tensor([[[[1., 2., 1.],
                  [2., 4., 2.],
                  [1., 2., 1.]]]])
    """
    size = _expand(output_size, 2, "output_size")
    kernel, dil, pads, strides = _fold_args(kernel_size, dilation, padding, stride)
    if input.dim() not in (2, 3):
        raise RuntimeError(
            f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero dimensions, "
            f"but got: {_size(input.shape)}"
        )
    batched = input.dim() == 3
    x = input if batched else input.unsqueeze(0)
    if x.shape[1] % _prod(kernel):
        raise RuntimeError(
            f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got "
            f"input.size(1)={x.shape[1]} and kernel_size={kernel}."
        )
    blocks = _out_sizes([s + 2 * p for s, p in zip(size, pads, strict=True)], kernel, strides, dil)
    if any(b <= 0 for b in blocks) or x.shape[2] != blocks[0] * blocks[1]:
        raise RuntimeError(
            f"Given output_size={size}, kernel_size={kernel}, dilation={dil}, padding={pads}, stride={strides}, "
            f"expected size of input's dimension 2 to match the calculated number of sliding blocks "
            f"{blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got input.size(2)={x.shape[2]}."
        )
    out = call(COL2IM, x.device, (x,), (size, kernel, dil, pads, strides))
    return out if batched else out.squeeze(0)  # type: ignore[no-any-return]


# ----------------------------------------------------------------------------------------------- shuffles


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """Rearrange ``(*, C * r^2, H, W)`` into ``(*, C, H * r, W * r)`` (sub-pixel convolution).

    Args:
        input: a tensor with at least 3 dims.
        upscale_factor: ``r``.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.pixel_shuffle(tocha.arange(4.0).reshape(1, 4, 1, 1), 2)
        tensor([[[[0., 1.],
                  [2., 3.]]]])
    """
    r = int(upscale_factor)
    if input.dim() < 3:
        raise RuntimeError(
            f"pixel_shuffle expects input to have at least 3 dimensions, but got input with {input.dim()} dimension(s)"
        )
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(
            f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor, "
            f"but input.size(-3)={c} is not divisible by {r * r}"
        )
    nl = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    x = x.permute(*range(nl), nl, nl + 3, nl + 1, nl + 4, nl + 2)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """Rearrange ``(*, C, H * r, W * r)`` into ``(*, C * r^2, H, W)`` (the inverse of :func:`pixel_shuffle`).

    Args:
        input: a tensor with at least 3 dims.
        downscale_factor: ``r``.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.pixel_unshuffle(tocha.arange(4.0).reshape(1, 1, 2, 2), 2).flatten()
        tensor([0., 1., 2., 3.])
    """
    r = int(downscale_factor)
    if input.dim() < 3:
        raise RuntimeError(
            "pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
            f"{input.dim()} dimension(s)"
        )
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if h % r:
        raise RuntimeError(
            f"pixel_unshuffle expects height to be divisible by downscale_factor, but input.size(-2)={h} is not "
            f"divisible by {r}"
        )
    if w % r:
        raise RuntimeError(
            f"pixel_unshuffle expects width to be divisible by downscale_factor, but input.size(-1)={w} is not "
            f"divisible by {r}"
        )
    nl = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    x = x.permute(*range(nl), nl, nl + 2, nl + 4, nl + 1, nl + 3)
    return x.reshape(*lead, c * r * r, h // r, w // r)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Interleave the channels of ``(N, C, *)``: split them into ``groups`` groups and transpose.

    Args:
        input: a tensor with more than 2 dims.
        groups: how many groups the channels form.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.channel_shuffle(tocha.arange(4.0).reshape(1, 4, 1), 2).flatten()
        tensor([0., 2., 1., 3.])
    """
    if input.dim() <= 2:
        raise RuntimeError(
            f"channel_shuffle expects input with > 2 dims, but got input with sizes {_size(input.shape)}"
        )
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    n, c, *rest = input.shape
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups.")
    x = input.reshape(n, groups, c // groups, *rest).transpose(1, 2)
    return x.reshape(n, c, *rest)
