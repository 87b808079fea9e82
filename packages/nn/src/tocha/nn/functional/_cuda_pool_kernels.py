"""Fused CUDA kernels for 1-D and 2-D max pooling on CuPy: the forward with indices, and its backward.

NOTE [ Fused max-pool kernels ]
The generic max pool (NOTE [ Pooling kernels ]) is a dozen or more CuPy launches per call; these kernels are one
each. ``max_pool2d_forward`` runs one thread per output element over ``(planes, H, W)`` (1-D pooling is 2-D with
``H = 1``): it scans the window clipped to the input, PyTorch's CPU scan, so a value replaces the running
maximum when it is greater or NaN (ties keep the first in row-major order, a window holding NaN gets its last
NaN) and the index starts at the window's first in-bounds position (where an all ``-inf`` window's index points).
It writes the values and, unless the index pointer is null, the flat plane indices (int64), equal to the
generic path's (which follows the same scan where a first-maximum rule would differ: NOTE [ Pooling kernels ]).

``max_pool2d_backward`` is the gather form of the scatter: one thread per input element sums the gradients of the
outputs whose windows can hold it (a range of output rows and columns, from kernel/stride/padding/dilation) and
whose recorded index is this element; no atomics, so the sum's order, and the result, are deterministic.

Both take C-contiguous float32/float64 arrays of fewer than 2**31 elements (positions are decomposed in 32-bit
arithmetic: 64-bit division is several times slower on a GPU) when the fused kernels are on
(``_cuda_kernels._usable``); anything else returns None and the generic forward runs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._cuda_kernels import KernelModule, _grid, _usable, int32_args, launch_geometry

SOURCE = r"""
template <typename T> __device__ __forceinline__ T pool_neg_inf();
template <> __device__ __forceinline__ float pool_neg_inf<float>() { return -__int_as_float(0x7f800000); }
template <> __device__ __forceinline__ double pool_neg_inf<double>() {
    return -__longlong_as_double(0x7ff0000000000000LL);
}

// x (planes, height, width) -> y (planes, out_h, out_w) and, where indices is not null, the flat plane index of
// each maximum. One thread per output element.
template <typename T>
__global__ void max_pool2d_forward(const T* __restrict__ x, T* __restrict__ y, long long* __restrict__ indices,
                                   const long long total, const int height, const int width, const int out_h,
                                   const int out_w, const int kernel_h, const int kernel_w, const int stride_h,
                                   const int stride_w, const int pad_h, const int pad_w, const int dilation_h,
                                   const int dilation_w) {
    const long long plane_size = (long long)height * width;
    for (long long j = (long long)blockIdx.x * blockDim.x + threadIdx.x; j < total;
         j += (long long)gridDim.x * blockDim.x) {
        const int i = (int)j;  // total < 2**31 (the caller): 32-bit division, several times faster than 64-bit
        const int rest = i / out_w, ow = i - rest * out_w;
        const int plane_index = rest / out_h, oh = rest - plane_index * out_h;
        const T* plane = x + plane_index * plane_size;
        int h0 = oh * stride_h - pad_h, w0 = ow * stride_w - pad_w;
        const int h1 = h0 + (kernel_h - 1) * dilation_h + 1 < height ? h0 + (kernel_h - 1) * dilation_h + 1 : height;
        const int w1 = w0 + (kernel_w - 1) * dilation_w + 1 < width ? w0 + (kernel_w - 1) * dilation_w + 1 : width;
        if (h0 < 0) h0 += (-h0 + dilation_h - 1) / dilation_h * dilation_h;
        if (w0 < 0) w0 += (-w0 + dilation_w - 1) / dilation_w * dilation_w;
        T best = pool_neg_inf<T>();
        long long arg = (long long)h0 * width + w0;
        for (int h = h0; h < h1; h += dilation_h) {
            for (int w = w0; w < w1; w += dilation_w) {
                const long long at = (long long)h * width + w;
                const T v = plane[at];
                if (v > best || isnan(v)) {
                    best = v;
                    arg = at;
                }
            }
        }
        y[j] = best;
        if (indices != nullptr) indices[j] = arg;
    }
}

// The first output position (along one axis) whose window can hold input position p, and the last (inclusive).
__device__ __forceinline__ int pool_first_window(const int p, const int kernel, const int stride, const int pad,
                                                 const int dilation) {
    const int reach = p + pad - (kernel - 1) * dilation;
    return reach <= 0 ? 0 : (reach + stride - 1) / stride;
}

__device__ __forceinline__ int pool_last_window(const int p, const int stride, const int pad, const int out) {
    const int last = (p + pad) / stride;
    return last < out - 1 ? last : out - 1;
}

// grad (planes, out_h, out_w) and indices (the forward's) -> dx (planes, height, width): each input element sums
// the gradients of the windows that picked it. One thread per input element.
template <typename T>
__global__ void max_pool2d_backward(const T* __restrict__ grad, const long long* __restrict__ indices,
                                    T* __restrict__ dx, const long long total, const int height, const int width,
                                    const int out_h, const int out_w, const int kernel_h, const int kernel_w,
                                    const int stride_h, const int stride_w, const int pad_h, const int pad_w,
                                    const int dilation_h, const int dilation_w) {
    const long long out_size = (long long)out_h * out_w;
    for (long long j = (long long)blockIdx.x * blockDim.x + threadIdx.x; j < total;
         j += (long long)gridDim.x * blockDim.x) {
        const int i = (int)j;  // total < 2**31 (the caller)
        const int rest = i / width, w = i - rest * width;
        const int plane_index = rest / height, h = rest - plane_index * height;
        const long long base = plane_index * out_size;
        const long long self = (long long)h * width + w;
        const int oh0 = pool_first_window(h, kernel_h, stride_h, pad_h, dilation_h);
        const int oh1 = pool_last_window(h, stride_h, pad_h, out_h);
        const int ow0 = pool_first_window(w, kernel_w, stride_w, pad_w, dilation_w);
        const int ow1 = pool_last_window(w, stride_w, pad_w, out_w);
        T total_grad = T(0);
        for (int oh = oh0; oh <= oh1; ++oh) {
            for (int ow = ow0; ow <= ow1; ++ow) {
                const long long o = base + (long long)oh * out_w + ow;
                if (indices[o] == self) total_grad += grad[o];
            }
        }
        dx[j] = total_grad;
    }
}
"""

KERNELS = ("max_pool2d_forward", "max_pool2d_backward")
_BLOCK = 256


_KERNELS = KernelModule("max-pool", SOURCE, KERNELS)
name_expressions, _module, _kernel = _KERNELS.name_expressions, _KERNELS.module, _KERNELS.kernel


def _as_2d(values: Sequence[int], fill: int) -> tuple[int, int]:
    """A 1-D pooling argument as (``fill``, value); a 2-D one as it is."""
    return (fill, int(values[0])) if len(values) == 1 else (int(values[0]), int(values[1]))


def _applies(nd: int, *params: Sequence[int]) -> bool:
    """Whether pooling with these per-axis parameters is 1-D or 2-D (what the kernels do)."""
    return nd in (1, 2) and all(len(p) == nd for p in params)


def max_pool2d(xp: Any, x: Any, kernel: Sequence[int], stride: Sequence[int], padding: Sequence[int],
               dilation: Sequence[int], out: Sequence[int], *,
               with_indices: bool = True) -> tuple[Any, Any] | None:  # fmt: skip
    """``(values, indices)`` of max pooling ``x`` ``(..., H, W)`` (``(..., L)`` for 1-D pooling, a 1-element
    ``kernel``) to the spatial size ``out`` in one launch; the indices (int64, flat into each plane) are None
    unless ``with_indices``. None where the fused path does not apply."""
    nd = len(kernel)
    if not _applies(nd, stride, padding, dilation, out) or x.ndim <= nd or not _usable(xp, x):
        return None
    shape = tuple(x.shape[:-nd]) + tuple(int(o) for o in out)
    total = math.prod(shape)
    if not 0 < total < 2**31 or x.size >= 2**31:
        return None
    height, width = _as_2d(x.shape[-nd:], 1)
    out_h, out_w = _as_2d(out, 1)
    values = xp.empty(shape, dtype=x.dtype)
    indices = xp.empty(shape, dtype=np.int64) if with_indices else None
    _kernel(xp, "max_pool2d_forward", x.dtype)(
        _grid(total),
        (_BLOCK,),
        (x, values, np.uint64(0) if indices is None else indices, np.int64(total),
         *int32_args(height, width, out_h, out_w), *launch_geometry(kernel, stride, padding, dilation)),
    )  # fmt: skip
    return values, indices


def max_pool2d_backward(xp: Any, grad: Any, indices: Any, spatial: Sequence[int], kernel: Sequence[int],
                        stride: Sequence[int], padding: Sequence[int], dilation: Sequence[int]) -> Any:  # fmt: skip
    """The input gradient ``(..., *spatial)`` of max pooling from ``grad`` and the forward's ``indices`` (int64,
    ``grad``'s shape) in one launch; None where the fused path does not apply."""
    nd = len(kernel)
    if not _applies(nd, stride, padding, dilation, spatial) or grad.ndim <= nd or not _usable(xp, grad):
        return None
    if indices.shape != grad.shape or indices.dtype != np.int64 or not indices.flags.c_contiguous:
        return None
    shape = tuple(grad.shape[:-nd]) + tuple(int(s) for s in spatial)
    total = math.prod(shape)
    if not 0 < total < 2**31 or grad.size >= 2**31:
        return None
    height, width = _as_2d(spatial, 1)
    out_h, out_w = _as_2d(grad.shape[-nd:], 1)
    dx = xp.empty(shape, dtype=grad.dtype)
    _kernel(xp, "max_pool2d_backward", grad.dtype)(
        _grid(total),
        (_BLOCK,),
        (grad, indices, dx, np.int64(total), *int32_args(height, width, out_h, out_w),
         *launch_geometry(kernel, stride, padding, dilation)),
    )  # fmt: skip
    return dx
