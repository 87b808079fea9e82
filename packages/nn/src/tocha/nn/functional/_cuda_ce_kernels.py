"""Fused CUDA kernels for cross-entropy with class-index targets, forward and backward (see NOTE [ Loss ops ]).

NOTE [ Fused cross-entropy kernels ]
The generic cross-entropy forward on CuPy is about twenty small launches (softmax parts, target weights, a
gather, the reduction, the queued target check); these kernels do it in one or two. They take ``(N, C)``
C-contiguous float32/float64 logits (and class weight), int64 class indices ``(N,)`` and reductions 'none',
'mean' and 'sum'; everything else returns None and the generic forward runs (NOTE [ Fused CUDA kernels ]).

- ``cross_entropy_forward``: each row of logits goes to one warp (C <= 1024) or to one whole block, blocks
  striding over the rows. A row gives its max, ``log(sum(exp(x - max)))``, its weight ``w`` (``weight[t]``, 1
  without a class weight, 0 when ``t == ignore_index``) and loss ``-w * ((x[t] - max) - log(sum))``, exactly 0
  for an ignored row (as PyTorch's nll_loss skips it), and, when asked, its softmax. Each block sums its rows'
  losses and weights and counts targets outside ``[0, C)``; one block (small inputs) writes the reduced loss
  ('mean': the losses' sum over the weights' sum, as PyTorch) and the 0-dim flag ``bad`` itself, more blocks
  write partial sums that ``cross_entropy_finish`` (one block) reduces. ``bad`` feeds the queued
  ``device_check`` (NOTE [ Deferred device checks ]) with the generic path's message. A row whose target is out
  of range reads no memory outside its row: its loss is NaN and its weight 0.
- ``cross_entropy_backward``: ``dx = c * (p - onehot(t))`` per row, one warp or block per row, with ``p`` the
  saved softmax or the softmax recomputed from the logits, and ``c = w * grad[row]`` ('none'), ``w * grad``
  ('sum') or ``(grad / total weight) * w`` ('mean'); the gradient is read on the device. For 'mean' each block
  sums the targets' weights itself, or above ``_OWN_TOTAL_ROWS`` rows ``cross_entropy_weight_total`` (one
  block) sums them once first.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import tocha

from ._cuda_kernels import REDUCTIONS, KernelModule, _pointer, _row_threads, _usable

SOURCE = (
    REDUCTIONS
    + r"""
template <typename T> __device__ __forceinline__ T quiet_nan();
template <> __device__ __forceinline__ float quiet_nan<float>() { return __int_as_float(0x7fc00000); }
template <> __device__ __forceinline__ double quiet_nan<double>() { return __longlong_as_double(0x7ff8000000000000LL); }


// Over the threads that share a row: its warp (per_warp) or the whole block.
template <typename T> __device__ __forceinline__ T row_max(T v, T* shared, const int per_warp) {
    return per_warp ? warp_max(v) : block_max(v, shared);
}

template <typename T> __device__ __forceinline__ T row_sum(T v, T* shared, const int per_warp) {
    return per_warp ? warp_sum(v) : block_sum(v, shared);
}

// The weight of target t among n classes: weight[t] (1 without a class weight); 0 if ignored or out of range.
template <typename T>
__device__ __forceinline__ T target_weight(const long long t, const T* weight, const long long n,
                                           const long long ignore_index) {
    if (t == ignore_index || t < 0 || t >= n) return T(0);
    return weight != nullptr ? weight[t] : T(1);
}

// The sum of all rows' target weights, in every thread of the block.
template <typename T>
__device__ T weight_total(const long long* target, const long long t_stride, const T* weight, const long long rows,
                          const long long n, const long long ignore_index, T* shared) {
    T s = T(0);
    for (long long r = threadIdx.x; r < rows; r += blockDim.x)
        s += target_weight(target[r * t_stride], weight, n, ignore_index);
    return block_sum(s, shared);
}

// reduction 0 'none' (no out), 1 'mean', 2 'sum'.
template <typename T>
__device__ __forceinline__ void cross_entropy_result(const T loss, const T w, const T bad_rows, T* out, bool* bad,
                                                     const int reduction) {
    if (reduction == 1) *out = loss / w;
    else if (reduction == 2) *out = loss;
    *bad = bad_rows > T(0);
}

// Row losses of the length-n rows of x against target[r * t_stride] (see NOTE [ Fused cross-entropy kernels ]):
// into loss[r] and probs (either may be null); then the result (one block) or partial[3 * block + 0..2].
template <typename T>
__global__ void cross_entropy_forward(const T* __restrict__ x, const long long* __restrict__ target,
                                      const long long t_stride, const T* __restrict__ weight, T* __restrict__ loss,
                                      T* __restrict__ probs, T* __restrict__ partial, T* __restrict__ out,
                                      bool* __restrict__ bad, const long long rows, const long long n,
                                      const long long ignore_index, const int reduction, const int per_warp) {
    __shared__ T shared[32];
    const long long groups = per_warp ? blockDim.x >> 5 : 1;
    const long long first = (long long)blockIdx.x * groups + (per_warp ? threadIdx.x >> 5 : 0);
    const int rank = per_warp ? threadIdx.x & 31 : threadIdx.x, width = per_warp ? 32 : blockDim.x;
    T sum_loss = T(0), sum_w = T(0), bad_rows = T(0);  // in each row's first thread
    for (long long r = first; r < rows; r += (long long)gridDim.x * groups) {
        const T* row = x + r * n;
        T top = neg_inf<T>();
        for (long long i = rank; i < n; i += width) top = fmax(top, row[i]);
        top = row_max(top, shared, per_warp);
        T total = T(0);
        for (long long i = rank; i < n; i += width) total += exp(row[i] - top);
        total = row_sum(total, shared, per_warp);
        if (probs != nullptr) {
            const T scale = T(1) / total;
            for (long long i = rank; i < n; i += width) probs[r * n + i] = exp(row[i] - top) * scale;
        }
        if (rank == 0) {
            const long long t = target[r * t_stride];
            const T w = target_weight(t, weight, n, ignore_index);
            const bool in_range = t >= 0 && t < n;
            T value = T(0);
            if (t != ignore_index) value = in_range ? -w * ((row[t] - top) - log(total)) : quiet_nan<T>();
            if (loss != nullptr) loss[r] = value;
            sum_loss += value;
            sum_w += w;
            if (t != ignore_index && !in_range) bad_rows += T(1);
        }
    }
    sum_loss = block_sum(sum_loss, shared);
    sum_w = block_sum(sum_w, shared);
    bad_rows = block_sum(bad_rows, shared);
    if (threadIdx.x != 0) return;
    if (gridDim.x == 1) {
        cross_entropy_result(sum_loss, sum_w, bad_rows, out, bad, reduction);
    } else {
        partial[3 * (long long)blockIdx.x] = sum_loss;
        partial[3 * (long long)blockIdx.x + 1] = sum_w;
        partial[3 * (long long)blockIdx.x + 2] = bad_rows;
    }
}

// The result from cross_entropy_forward's partial sums of `parts` blocks; one block.
template <typename T>
__global__ void cross_entropy_finish(const T* __restrict__ partial, const long long parts, T* __restrict__ out,
                                     bool* __restrict__ bad, const int reduction) {
    __shared__ T shared[32];
    T sum_loss = T(0), sum_w = T(0), bad_rows = T(0);
    for (long long i = threadIdx.x; i < parts; i += blockDim.x) {
        sum_loss += partial[3 * i];
        sum_w += partial[3 * i + 1];
        bad_rows += partial[3 * i + 2];
    }
    sum_loss = block_sum(sum_loss, shared);
    sum_w = block_sum(sum_w, shared);
    bad_rows = block_sum(bad_rows, shared);
    if (threadIdx.x == 0) cross_entropy_result(sum_loss, sum_w, bad_rows, out, bad, reduction);
}

// The sum of the targets' weights into total[0]; one block.
template <typename T>
__global__ void cross_entropy_weight_total(const long long* __restrict__ target, const long long t_stride,
                                           const T* __restrict__ weight, T* __restrict__ total, const long long rows,
                                           const long long n, const long long ignore_index) {
    __shared__ T shared[32];
    const T s = weight_total(target, t_stride, weight, rows, n, ignore_index, shared);
    if (threadIdx.x == 0) total[0] = s;
}

// dx = c * (p - onehot(t)) for each length-n row: p = src (the softmax) or, with recompute, softmax(src).
// c = w * g[r * g_stride], or for mean (g 0-dim) (g / total weight) * w, total from `total` or summed here.
template <typename T>
__global__ void cross_entropy_backward(const T* __restrict__ g, const long long g_stride, const T* __restrict__ src,
                                       const int recompute, const long long* __restrict__ target,
                                       const long long t_stride, const T* __restrict__ weight,
                                       const T* __restrict__ total, T* __restrict__ dx, const long long rows,
                                       const long long n, const long long ignore_index, const int mean,
                                       const int per_warp) {
    __shared__ T shared[32];
    T g_mean = T(0);
    if (mean) {
        const T w_sum =
            total != nullptr ? total[0] : weight_total(target, t_stride, weight, rows, n, ignore_index, shared);
        g_mean = g[0] / w_sum;
    }
    const long long groups = per_warp ? blockDim.x >> 5 : 1;
    const long long first = (long long)blockIdx.x * groups + (per_warp ? threadIdx.x >> 5 : 0);
    const int rank = per_warp ? threadIdx.x & 31 : threadIdx.x, width = per_warp ? 32 : blockDim.x;
    for (long long r = first; r < rows; r += (long long)gridDim.x * groups) {
        const long long t = target[r * t_stride];
        const T w = target_weight(t, weight, n, ignore_index);
        const T c = mean ? g_mean * w : g[r * g_stride] * w;
        const long long hot = t == ignore_index ? 0 : t;
        const T* row = src + r * n;
        T* out = dx + r * n;
        if (recompute) {
            T top = neg_inf<T>();
            for (long long i = rank; i < n; i += width) top = fmax(top, row[i]);
            top = row_max(top, shared, per_warp);
            T sum = T(0);
            for (long long i = rank; i < n; i += width) sum += exp(row[i] - top);
            const T scale = T(1) / row_sum(sum, shared, per_warp);
            for (long long i = rank; i < n; i += width) {
                T v = exp(row[i] - top) * scale * c;
                if (i == hot) v -= c;
                out[i] = v;
            }
        } else {
            for (long long i = rank; i < n; i += width) {
                T v = row[i] * c;
                if (i == hot) v -= c;
                out[i] = v;
            }
        }
    }
}
"""
)

KERNELS = ("cross_entropy_forward", "cross_entropy_finish", "cross_entropy_weight_total", "cross_entropy_backward")
_REDUCTIONS = {"none": 0, "mean": 1, "sum": 2}
_WARP_CLASSES = 1024  # rows of at most this many classes go to one warp each, longer ones to a whole block
_WARP_THREADS = 256  # threads per block when a warp takes a row
_MAX_BLOCKS = 4096  # blocks stride over the rows beyond this (more than an H100 holds at once)
_ONE_BLOCK_ELEMENTS = 32768  # forward inputs up to this size (and 1024 rows) take a single block, one launch
_OWN_TOTAL_ROWS = 4096  # 'mean' backward: each block sums the target weights itself up to this many rows


_KERNELS = KernelModule("cross-entropy", SOURCE, KERNELS)
name_expressions, _module, _kernel = _KERNELS.name_expressions, _KERNELS.module, _KERNELS.kernel


def _layout(rows: int, n: int, one_block: bool) -> tuple[int, int, int]:
    """``(blocks, threads, per_warp)`` for ``rows`` rows of ``n`` classes."""
    per_warp = int(n <= _WARP_CLASSES)
    if one_block:
        return 1, 1024 if per_warp else _row_threads(n), per_warp
    if per_warp:
        return min(-(-rows // (_WARP_THREADS // 32)), _MAX_BLOCKS), _WARP_THREADS, per_warp
    return min(rows, _MAX_BLOCKS), _row_threads(n), per_warp


def _applies(xp: Any, x: Any, target: Any, weight: Any, reduction: str, ignore_index: int) -> bool:
    """Whether the kernels take these arguments: ``(N, C)`` logits, int64 ``(N,)`` targets, a known reduction."""
    return (
        x.ndim == 2
        and target.dtype == np.int64
        and target.shape == x.shape[:1]
        and target.strides[0] % 8 == 0
        and reduction in _REDUCTIONS
        and -(2**63) <= ignore_index < 2**63
        and _usable(xp, x, weight)
    )


def _describe(target: Any, ignore_index: int, n: int) -> Any:
    """The generic path's message for the first target outside ``[0, n)``, read only when the check fails."""

    def message() -> str:
        bad = target[(target != ignore_index) & ((target < 0) | (target >= n))]
        return f"Target {int(bad.ravel()[0])} is out of bounds."

    return message


def cross_entropy(
    xp: Any, x: Any, target: Any, weight: Any, reduction: str, ignore_index: int, with_probs: bool
) -> tuple[Any, Any] | None:
    """``(loss, softmax(x) or None)`` of cross entropy with class indices in one or two launches, or None where
    the fused path does not apply. ``loss`` is ``(N,)`` for 'none', 0-dim otherwise; an out-of-range target is
    reported by a queued device check."""
    if not _applies(xp, x, target, weight, reduction, ignore_index):
        return None
    rows, n = x.shape
    blocks, threads, per_warp = _layout(rows, n, x.size <= _ONE_BLOCK_ELEMENTS and rows <= 1024)
    loss = xp.empty((rows,), dtype=x.dtype) if reduction == "none" else None
    out = None if reduction == "none" else xp.empty((), dtype=x.dtype)
    probs = xp.empty_like(x) if with_probs else None
    partial = xp.empty((blocks, 3), dtype=x.dtype) if blocks > 1 else None
    bad = xp.empty((), dtype=np.bool_)
    code = np.int32(_REDUCTIONS[reduction])
    _kernel(xp, "cross_entropy_forward", x.dtype)(
        (blocks,),
        (threads,),
        (x, target, np.int64(target.strides[0] // 8), _pointer(weight), _pointer(loss), _pointer(probs),
         _pointer(partial), _pointer(out), bad, np.int64(rows), np.int64(n), np.int64(ignore_index), code,
         np.int32(per_warp)),
    )  # fmt: skip
    if blocks > 1:
        _kernel(xp, "cross_entropy_finish", x.dtype)(
            (1,), (_row_threads(blocks),), (partial, np.int64(blocks), _pointer(out), bad, code)
        )
    tocha.library.device_check(xp, bad, IndexError, _describe(target, ignore_index, n))
    return (loss if out is None else out), probs


def cross_entropy_backward(
    xp: Any, grad: Any, src: Any, target: Any, weight: Any, reduction: str, ignore_index: int, recompute: bool
) -> Any:
    """The logits' gradient ``c * (softmax - onehot(target))`` in one launch (two for 'mean' over many rows), from
    the softmax ``src`` or, with ``recompute``, the logits ``src``; None where the fused path does not apply."""
    if not _applies(xp, src, target, weight, reduction, ignore_index):
        return None
    rows, n = src.shape
    if grad.dtype != src.dtype or grad.shape != ((rows,) if reduction == "none" else ()):
        return None
    if grad.ndim and grad.strides[0] % grad.itemsize:
        return None
    blocks, threads, per_warp = _layout(rows, n, False)
    t_stride = np.int64(target.strides[0] // 8)
    mean = reduction == "mean"
    total = None
    if mean and rows > _OWN_TOTAL_ROWS:
        total = xp.empty((), dtype=src.dtype)
        _kernel(xp, "cross_entropy_weight_total", src.dtype)(
            (1,), (1024,), (target, t_stride, _pointer(weight), total, np.int64(rows), np.int64(n),
                            np.int64(ignore_index))
        )  # fmt: skip
    dx = xp.empty_like(src)
    _kernel(xp, "cross_entropy_backward", src.dtype)(
        (blocks,),
        (threads,),
        (grad, np.int64(grad.strides[0] // grad.itemsize if grad.ndim else 0), src, np.int32(recompute), target,
         t_stride, _pointer(weight), _pointer(total), dx, np.int64(rows), np.int64(n), np.int64(ignore_index),
         np.int32(mean), np.int32(per_warp)),
    )  # fmt: skip
    return dx
