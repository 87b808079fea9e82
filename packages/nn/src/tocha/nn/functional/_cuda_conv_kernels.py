"""Fused CUDA kernels for 1-D and 2-D convolution on CuPy: the data movement around cuBLAS's GEMMs, and a direct
kernel for convolutions with few taps per output.

NOTE [ Fused convolution kernels ]
CuPy 14 has no cuDNN, so a convolution is im2col and a GEMM (NOTE [ Convolution kernels ]). Built from CuPy ops,
the data movement around the GEMM is most of the time: padding the input, a strided copy of a 7-D window view,
widened rows trimmed afterwards, the product moved to ``(N, O, ...)`` by a second strided copy, the bias added by
a third; the input gradient took im2col of the output gradient (``O * prod(K)`` rows) and a flipped copy of the
weight. Here each of those is one launch, and the GEMM shapes are the ones cuBLAS already runs well:

- forward: ``im2col2d`` writes ``(C * KH * KW, N * OH * OW)`` straight from the unpadded input (zeros outside),
  one thread per (channel, position) writing its channel's ``KH * KW`` rows (coalesced); the weight
  ``(O, C/G * KH * KW)`` times it per group gives ``(O, N * OH * OW)``; ``swap_leading`` moves that to
  ``(N, O, OH * OW)`` adding the bias. When an output has at most ``_DIRECT_TAPS`` taps (``C/G * KH * KW``: a
  first layer on 1 or 3 channels, a depthwise conv), ``conv2d_direct`` gathers each position's taps into
  registers once and writes every output channel of its group from them: no column matrix at all.
- transposed convolution (also every input gradient): ``swap_leading`` moves the input to ``(C_in, N * IH * IW)``,
  the transposed weight times it per group gives ``(C_out * KH * KW, N * IH * IW)``, and ``col2im2d`` gathers,
  for each output element, the products its taps land on (the output cropped by the padding, the bias added):
  no atomics, so the sums are deterministic; half the memory traffic of im2col over the gradient.
- weight gradient: ``swap_leading`` moves the output gradient to ``(O, N * OH * OW)``; ``im2col2d`` of the input;
  their product per group, written into the weight-shaped result. With at most ``_DIRECT_TAPS`` taps,
  ``conv2d_weight_direct`` instead (a GEMM over 400k positions with 9 output columns is what cuBLAS does worst):
  one block per tile of up to 32 output channels of a group and share of the positions stages 64 positions'
  gradients and taps at a time in shared memory and adds their products for each (channel, tap) pair in a
  register; the tile's last block adds the shares (NOTE [ Last-block reductions ]). Each tap is read once per
  tile rather than once per output channel (the earlier one-channel-per-block kernel took 0.44 ms for the 1->32
  layer of bench_gpu's CNN on an H100).
- bias gradient: ``channel_sums`` sums each channel's share of the output gradient in a block, and the channel's
  last block adds the shares: one launch, for CuPy's row reduction and a product over the batch.

The GEMMs of float32 convolutions run on TF32 tensor cores while ``tocha.backends.cudnn.allow_tf32`` is on (the
default, as PyTorch's cuDNN convolutions: 10-bit mantissas in the products, float32 sums); the kernels here always
compute in the tensors' dtype.

Positions and element counts are decomposed in 32-bit arithmetic (64-bit division is slow on a GPU): shapes with
2**31 or more elements, or 3-D convolutions, take the generic path, as do float16 and non-contiguous arrays
(``_cuda_kernels._usable``). 1-D convolutions are 2-D ones with ``H = 1``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import tocha.backends.cudnn
from tocha.library import gemm

from ._cuda_kernels import (
    REDUCTIONS,
    KernelModule,
    _grid,
    _pointer,
    _usable,
    int32_args,
    launch_geometry,
    share_buffers,
)

SOURCE = (
    REDUCTIONS
    + r"""
// Grid-stride loops run over 64-bit counters (no overflow at the end) and decompose in 32 bits: the callers keep
// every element count below 2**31.

// x (N, C, H, W) -> cols (C * KH * KW, N * OH * OW), zeros where a tap falls in the padding. One thread per
// (channel, position); it writes its channel's KH * KW rows.
template <typename T>
__global__ void im2col2d(const T* __restrict__ x, T* __restrict__ cols, const int channels, const int height,
                         const int width, const int out_h, const int out_w, const int positions, const int kernel_h,
                         const int kernel_w, const int stride_h, const int stride_w, const int pad_h, const int pad_w,
                         const int dilation_h, const int dilation_w) {
    const long long total = (long long)channels * positions;
    for (long long j = (long long)blockIdx.x * blockDim.x + threadIdx.x; j < total;
         j += (long long)gridDim.x * blockDim.x) {
        const int i = (int)j;
        const int c = i / positions, p = i - c * positions;
        const int q = p / out_w, ow = p - q * out_w;
        const int n = q / out_h, oh = q - n * out_h;
        const T* plane = x + ((long long)n * channels + c) * height * width;
        T* out = cols + (long long)c * kernel_h * kernel_w * positions + p;
        const int h0 = oh * stride_h - pad_h, w0 = ow * stride_w - pad_w;
        for (int kh = 0; kh < kernel_h; ++kh) {
            const int ih = h0 + kh * dilation_h;
            const bool row_inside = ih >= 0 && ih < height;
            for (int kw = 0; kw < kernel_w; ++kw) {
                const int iw = w0 + kw * dilation_w;
                *out = row_inside && iw >= 0 && iw < width ? plane[(long long)ih * width + iw] : T(0);
                out += positions;
            }
        }
    }
}

// cols (C * KH * KW, N * IH * IW) -> y (N, C, OH, OW): each output element of a transposed convolution sums the
// column entries its taps land on (input position i reaches output i * stride - pad + k * dilation), plus
// bias[c] (bias may be null). One thread per output element.
template <typename T>
__global__ void col2im2d(const T* __restrict__ cols, const T* __restrict__ bias, T* __restrict__ y,
                         const int channels, const int out_h, const int out_w, const int in_h, const int in_w,
                         const int batch, const int kernel_h, const int kernel_w, const int stride_h,
                         const int stride_w, const int pad_h, const int pad_w, const int dilation_h,
                         const int dilation_w) {
    const long long total = (long long)batch * channels * out_h * out_w;
    const long long positions = (long long)batch * in_h * in_w;
    for (long long j = (long long)blockIdx.x * blockDim.x + threadIdx.x; j < total;
         j += (long long)gridDim.x * blockDim.x) {
        const int i = (int)j;
        const int q = i / out_w, ow = i - q * out_w;
        const int r = q / out_h, oh = q - r * out_h;
        const int n = r / channels, c = r - n * channels;
        const T* base = cols + (long long)c * kernel_h * kernel_w * positions + (long long)n * in_h * in_w;
        T sum = bias != nullptr ? bias[c] : T(0);
        for (int kh = 0; kh < kernel_h; ++kh) {
            const int th = oh + pad_h - kh * dilation_h;
            if (th < 0) break;
            const int ih = th / stride_h;
            if (ih * stride_h != th || ih >= in_h) continue;
            for (int kw = 0; kw < kernel_w; ++kw) {
                const int tw = ow + pad_w - kw * dilation_w;
                if (tw < 0) break;
                const int iw = tw / stride_w;
                if (iw * stride_w != tw || iw >= in_w) continue;
                sum += base[(long long)(kh * kernel_w + kw) * positions + (long long)ih * in_w + iw];
            }
        }
        y[i] = sum;
    }
}

// src (A, B, L) -> dst (B, A, L), plus bias[a] where bias is not null. One thread per element.
template <typename T>
__global__ void swap_leading(const T* __restrict__ src, const T* __restrict__ bias, T* __restrict__ dst,
                             const int a_size, const int b_size, const int length) {
    const long long total = (long long)a_size * b_size * length;
    for (long long j = (long long)blockIdx.x * blockDim.x + threadIdx.x; j < total;
         j += (long long)gridDim.x * blockDim.x) {
        const int i = (int)j;
        const int q = i / length, l = i - q * length;
        const int b = q / a_size, a = q - b * a_size;
        const T v = src[((long long)a * b_size + b) * length + l];
        dst[i] = bias != nullptr ? v + bias[a] : v;
    }
}

// One output position's taps, v[k] for k < taps (<= 32) in the weight's (channel, row, column) order: src (the
// position's group of input planes, each height x width) at the window from (h0, w0), zero in the padding. Fully
// unrolled, so v stays in registers.
template <typename T>
__device__ __forceinline__ void gather_taps(const T* __restrict__ src, T (&v)[32], const int taps, const int height,
                                            const int width, const int h0, const int w0, const int kernel_h,
                                            const int kernel_w, const int dilation_h, const int dilation_w) {
    int c = 0, kh = 0, kw = 0;
#pragma unroll
    for (int k = 0; k < 32; ++k) {
        if (k < taps) {
            const int ih = h0 + kh * dilation_h, iw = w0 + kw * dilation_w;
            const bool inside = ih >= 0 && ih < height && iw >= 0 && iw < width;
            v[k] = inside ? src[((long long)c * height + ih) * width + iw] : T(0);
            if (++kw == kernel_w) {
                kw = 0;
                if (++kh == kernel_h) {
                    kh = 0;
                    ++c;
                }
            }
        }
    }
}

// x (N, C, H, W), w (O, C / groups, KH, KW) -> y (N, O, OH, OW), plus bias[o] (may be null). One thread per
// (sample, group, output position): it gathers the position's taps (C / groups * KH * KW <= 32, the caller) into
// registers once and writes the group's O / groups outputs there, each summed over the taps in order.
template <typename T>
__global__ void conv2d_direct(const T* __restrict__ x, const T* __restrict__ w, const T* __restrict__ bias,
                              T* __restrict__ y, const int channels, const int height, const int width,
                              const int out_channels, const int out_h, const int out_w, const int batch,
                              const int groups, const int kernel_h, const int kernel_w, const int stride_h,
                              const int stride_w, const int pad_h, const int pad_w, const int dilation_h,
                              const int dilation_w) {
    const int group_in = channels / groups, group_out = out_channels / groups;
    const int taps = group_in * kernel_h * kernel_w, plane = out_h * out_w;
    const long long total = (long long)batch * groups * plane;
    for (long long j = (long long)blockIdx.x * blockDim.x + threadIdx.x; j < total;
         j += (long long)gridDim.x * blockDim.x) {
        const int i = (int)j;
        const int r = i / plane, p = i - r * plane;
        const int n = r / groups, g = r - n * groups;
        const int oh = p / out_w, ow = p - oh * out_w;
        const int h0 = oh * stride_h - pad_h, w0 = ow * stride_w - pad_w;
        const T* src = x + ((long long)n * channels + (long long)g * group_in) * height * width;
        T v[32];
        gather_taps(src, v, taps, height, width, h0, w0, kernel_h, kernel_w, dilation_h, dilation_w);
        const T* tap = w + (long long)g * group_out * taps;
        T* out = y + ((long long)n * out_channels + (long long)g * group_out) * plane + p;
        for (int o = 0; o < group_out; ++o, tap += taps, out += plane) {
            T sum = bias != nullptr ? bias[g * group_out + o] : T(0);
#pragma unroll
            for (int k = 0; k < 32; ++k) {
                if (k < taps) sum += v[k] * tap[k];
            }
            *out = sum;
        }
    }
}

// x (N, C, H, W), gy (N, O, OH, OW) -> partial (chunks, O, taps), taps = C / groups * KH * KW <= 32 (the
// caller). Block (tile, chunk) owns a tile of up to 32 output channels of one group and one share of the
// N * OH * OW positions, and walks the share 64 positions at a time: the threads stage the tile's gradients and
// the positions' taps of x in shared memory, then each thread adds the products over the 64 positions for its
// (output channel, tap) pairs, in registers (a small GEMM over shared memory: each tap is read once per tile, not
// once per output channel). The chunks' partial sums are added by the caller. blockDim.x >= 64 (the caller).
#define WEIGHT_TILE_O 32
#define WEIGHT_TILE_P 64
#define WEIGHT_PAIRS 16  // (output channel, tap) pairs per thread: WEIGHT_TILE_O * 32 / 64
template <typename T>
__global__ void conv2d_weight_direct(const T* __restrict__ x, const T* __restrict__ gy, T* __restrict__ partial,
                                     T* __restrict__ gw, unsigned int* __restrict__ counters, const int channels,
                                     const int height, const int width, const int out_channels, const int out_h,
                                     const int out_w, const int batch, const int groups, const int chunks,
                                     const int kernel_h, const int kernel_w, const int stride_h, const int stride_w,
                                     const int pad_h, const int pad_w, const int dilation_h, const int dilation_w) {
    __shared__ T grads[WEIGHT_TILE_O][WEIGHT_TILE_P + 1];  // + 1: a warp's rows fall in different banks
    __shared__ T columns[32][WEIGHT_TILE_P + 1];
    __shared__ long long grad_at[WEIGHT_TILE_P], x_at[WEIGHT_TILE_P];
    __shared__ int row_at[WEIGHT_TILE_P], col_at[WEIGHT_TILE_P];
    __shared__ int tap_offset[32], tap_row[32], tap_col[32];
    const int group_in = channels / groups, group_out = out_channels / groups;
    const int taps = group_in * kernel_h * kernel_w, plane = out_h * out_w, window = kernel_h * kernel_w;
    const int tiles_per_group = (group_out + WEIGHT_TILE_O - 1) / WEIGHT_TILE_O;
    const int tile = blockIdx.x / chunks, chunk = blockIdx.x - tile * chunks;
    const int g = tile / tiles_per_group;
    const int o0 = g * group_out + (tile - g * tiles_per_group) * WEIGHT_TILE_O;
    const int count = (g + 1) * group_out - o0 < WEIGHT_TILE_O ? (g + 1) * group_out - o0 : WEIGHT_TILE_O;
    const int pairs = count * taps;
    const int positions = batch * plane;  // < 2**31 (the caller)
    const int share = (positions + chunks - 1) / chunks;
    const int begin = chunk * share, end = positions - begin < share ? positions : begin + share;
    if (threadIdx.x < taps) {
        const int c = threadIdx.x / window, r = threadIdx.x - c * window;
        const int a = r / kernel_w, b = r - a * kernel_w;
        tap_row[threadIdx.x] = a * dilation_h;
        tap_col[threadIdx.x] = b * dilation_w;
        tap_offset[threadIdx.x] = (c * height + a * dilation_h) * width + b * dilation_w;
    }
    T sums[WEIGHT_PAIRS];
#pragma unroll
    for (int r = 0; r < WEIGHT_PAIRS; ++r) sums[r] = T(0);
    for (int start = begin; start < end; start += WEIGHT_TILE_P) {
        const int span = end - start < WEIGHT_TILE_P ? end - start : WEIGHT_TILE_P;
        if (threadIdx.x < span) {
            const int i = start + threadIdx.x, n = i / plane, p = i - n * plane;
            const int oh = p / out_w, ow = p - oh * out_w;
            const int h0 = oh * stride_h - pad_h, w0 = ow * stride_w - pad_w;
            grad_at[threadIdx.x] = ((long long)n * out_channels + o0) * plane + p;
            x_at[threadIdx.x] = ((long long)n * channels + (long long)g * group_in) * height * width +
                                (long long)h0 * width + w0;  // the window's corner, maybe in the padding
            row_at[threadIdx.x] = h0;
            col_at[threadIdx.x] = w0;
        }
        __syncthreads();
        for (int e = threadIdx.x; e < count * WEIGHT_TILE_P; e += blockDim.x) {
            const int o = e / WEIGHT_TILE_P, q = e - o * WEIGHT_TILE_P;
            grads[o][q] = q < span ? gy[grad_at[q] + (long long)o * plane] : T(0);
        }
        for (int e = threadIdx.x; e < taps * WEIGHT_TILE_P; e += blockDim.x) {
            const int k = e / WEIGHT_TILE_P, q = e - k * WEIGHT_TILE_P;
            T v = T(0);
            if (q < span) {
                const int ih = row_at[q] + tap_row[k], iw = col_at[q] + tap_col[k];
                if (ih >= 0 && ih < height && iw >= 0 && iw < width) {
                    v = x[x_at[q] + tap_offset[k]];
                }
            }
            columns[k][q] = v;
        }
        __syncthreads();
#pragma unroll
        for (int r = 0; r < WEIGHT_PAIRS; ++r) {
            const int pair = threadIdx.x + r * blockDim.x;
            if (pair < pairs) {
                const int o = pair / taps, k = pair - o * taps;
                T sum = sums[r];
#pragma unroll 8
                for (int q = 0; q < WEIGHT_TILE_P; ++q) sum += grads[o][q] * columns[k][q];
                sums[r] = sum;
            }
        }
        __syncthreads();
    }
    T* const written = chunks == 1 ? gw : partial + (long long)chunk * out_channels * taps;
#pragma unroll
    for (int r = 0; r < WEIGHT_PAIRS; ++r) {
        const int pair = threadIdx.x + r * blockDim.x;
        if (pair < pairs) written[o0 * taps + pair] = sums[r];  // (o0 + o) * taps + k for pair = o * taps + k
    }
    if (chunks == 1 || !last_to_arrive(counters + tile, chunks)) return;
    for (int pair = threadIdx.x; pair < pairs; pair += blockDim.x) {
        T sum = T(0);
        for (int k = 0; k < chunks; ++k) sum += __ldcg(partial + (long long)k * out_channels * taps + o0 * taps + pair);
        gw[o0 * taps + pair] = sum;
    }
}

// The bias gradient: gy (N, C, L) -> gb (C), each block the sum of one share of one channel's N * L values (rows of
// L read coalesced), the channel's last block adding the shares (NOTE [ Last-block reductions ]).
template <typename T>
__global__ void channel_sums(const T* __restrict__ gy, T* __restrict__ partial, T* __restrict__ gb,
                             unsigned int* __restrict__ counters, const int batch, const int channels,
                             const int length, const int chunks) {
    __shared__ T shared[32];
    const int c = blockIdx.x / chunks, chunk = blockIdx.x - c * chunks;
    const long long total = (long long)batch * length, share = (total + chunks - 1) / chunks;
    const long long begin = chunk * share, end = begin + share < total ? begin + share : total;
    T sum = T(0);
    for (long long j = begin + threadIdx.x; j < end; j += blockDim.x) {
        const int i = (int)j;  // N * L < 2**31 (the caller)
        const int n = i / length, p = i - n * length;
        sum += gy[((long long)n * channels + c) * length + p];
    }
    const T result = block_sum(sum, shared);
    if (threadIdx.x == 0) {
        if (chunks == 1) gb[c] = result;
        else partial[(long long)chunk * channels + c] = result;
    }
    if (chunks == 1 || !last_to_arrive(counters + c, chunks)) return;
    sum = T(0);
    for (int k = threadIdx.x; k < chunks; k += blockDim.x) sum += __ldcg(partial + (long long)k * channels + c);
    sum = block_sum(sum, shared);
    if (threadIdx.x == 0) gb[c] = sum;
}
"""
)

KERNELS = ("im2col2d", "col2im2d", "swap_leading", "conv2d_direct", "conv2d_weight_direct", "channel_sums")
_BLOCK = 256
_DIRECT_TAPS = 32  # up to this many taps per output (C/G * KH * KW), the direct kernels; above, im2col + GEMM
_WEIGHT_TILE = 32  # output channels per block of the direct weight gradient (WEIGHT_TILE_O)
_WEIGHT_BLOCKS = 512  # the direct weight gradient's and channel sums' blocks (tiles or channels x shares), about ...
_WEIGHT_SHARE = 1024  # ... with at least this many positions each
_LIMIT = 2**31 - 1  # element counts the kernels decompose in 32 bits

_KERNELS = KernelModule("convolution", SOURCE, KERNELS)
name_expressions, _module, _kernel = _KERNELS.name_expressions, _KERNELS.module, _KERNELS.kernel

_Ints = Sequence[int]


def _pair(values: _Ints, fill: int) -> tuple[int, int]:
    """A 1-D convolution argument as (``fill``, value); a 2-D one as it is."""
    return (fill, int(values[0])) if len(values) == 1 else (int(values[0]), int(values[1]))


def _as_4d(a: Any) -> Any:
    """``(N, C, L)`` as ``(N, C, 1, L)``; a 4-D array as it is."""
    return a.reshape(a.shape[0], a.shape[1], 1, a.shape[2]) if a.ndim == 3 else a


def _fits(*counts: int) -> bool:
    return all(0 < c <= _LIMIT for c in counts)


def _launch(xp: Any, name: str, dtype: Any, total: int, args: tuple[Any, ...]) -> None:
    _kernel(xp, name, dtype)(_grid(total), (_BLOCK,), args)


def _swap_leading(xp: Any, src: Any, a_size: int, b_size: int, length: int, bias: Any = None) -> Any:
    """``src`` viewed as ``(A, B, L)`` moved to a new ``(B, A * L)`` array, plus ``bias[a]`` when given."""
    dst = xp.empty((b_size, a_size * length), dtype=src.dtype)
    _launch(xp, "swap_leading", src.dtype, dst.size,
            (src, _pointer(bias), dst, *int32_args(a_size, b_size, length)))  # fmt: skip
    return dst


def _im2col(xp: Any, x4: Any, kernel: _Ints, stride: _Ints, padding: _Ints, dilation: _Ints,
            out_hw: tuple[int, int]) -> Any:  # fmt: skip
    """im2col of ``x4`` ``(N, C, H, W)``: ``(C * KH * KW, N * OH * OW)``."""
    n_batch, channels, height, width = x4.shape
    positions = n_batch * out_hw[0] * out_hw[1]
    taps = _pair(kernel, 1)
    cols = xp.empty((channels * taps[0] * taps[1], positions), dtype=x4.dtype)
    _launch(xp, "im2col2d", x4.dtype, channels * positions,
            (x4, cols, *int32_args(channels, height, width, out_hw[0], out_hw[1], positions),
             *launch_geometry(kernel, stride, padding, dilation)))  # fmt: skip
    return cols


def _grouped_product(xp: Any, a: Any, b: Any, groups: int, out: Any, *, transpose_a: bool = False,
                     transpose_b: bool = False) -> None:  # fmt: skip
    """``out[g] = a[g] @ b[g]`` over ``groups`` equal row blocks of 2-D ``a``, ``b`` and ``out`` (each operand
    transposed first where asked: a transposed view, which cuBLAS reads in place)."""
    tf32 = tocha.backends.cudnn.allow_tf32
    if groups == 1:
        gemm(xp, a.T if transpose_a else a, b.T if transpose_b else b, out, allow_tf32=tf32)
        return
    a3 = a.reshape(groups, a.shape[0] // groups, a.shape[1])
    b3 = b.reshape(groups, b.shape[0] // groups, b.shape[1])
    o3 = out.reshape(groups, out.shape[0] // groups, out.shape[1])
    for g in range(groups):
        left = a3[g].T if transpose_a else a3[g]
        right = b3[g].T if transpose_b else b3[g]
        gemm(xp, left, right, o3[g], allow_tf32=tf32)


def convolution(xp: Any, x: Any, w: Any, b: Any, stride: _Ints, padding: _Ints, dilation: _Ints, groups: int,
                transposed: bool, output_padding: _Ints, *, moved: Any = None) -> Any:  # fmt: skip
    """A 1-D or 2-D convolution (``transposed``: its transpose) in at most three launches plus the GEMMs; None
    where the fused path does not apply (see the module's note). ``moved``: the transposed convolution's input
    already as :func:`moved_gradient` gives it."""
    if len(stride) not in (1, 2) or x.ndim != len(stride) + 2 or not _usable(xp, x, w, b):
        return None
    if transposed:
        return _transposed(xp, x, w, b, stride, padding, dilation, groups, output_padding, moved)
    x4, w4 = _as_4d(x), _as_4d(w)
    n_batch, channels, height, width = x4.shape
    out_channels, group_in, kh, kw = w4.shape
    (sh, sw), (ph, pw), (dh, dw) = _pair(stride, 1), _pair(padding, 0), _pair(dilation, 1)
    out_hw = ((height + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (width + 2 * pw - dw * (kw - 1) - 1) // sw + 1)
    taps = group_in * kh * kw
    positions = n_batch * out_hw[0] * out_hw[1]
    if min(out_hw) <= 0 or not _fits(x.size, positions * out_channels, channels * positions):
        return None
    shape = (n_batch, out_channels, *out_hw[2 - len(stride) :])
    if taps <= _DIRECT_TAPS:
        y = xp.empty(shape, dtype=x.dtype)
        _launch(xp, "conv2d_direct", x.dtype, positions * groups,
                (x4, w4, _pointer(b), y,
                 *int32_args(channels, height, width, out_channels, out_hw[0], out_hw[1], n_batch, groups),
                 *launch_geometry(w.shape[2:], stride, padding, dilation)))  # fmt: skip
        return y
    cols = _im2col(xp, x4, w.shape[2:], stride, padding, dilation, out_hw)
    product = xp.empty((out_channels, positions), dtype=x.dtype)
    _grouped_product(xp, w4.reshape(out_channels, taps), cols, groups, product)
    return _swap_leading(xp, product, out_channels, n_batch, out_hw[0] * out_hw[1], b).reshape(shape)


def _transposed(xp: Any, x: Any, w: Any, b: Any, stride: _Ints, padding: _Ints, dilation: _Ints, groups: int,
                output_padding: _Ints, moved: Any = None) -> Any:  # fmt: skip
    x4, w4 = _as_4d(x), _as_4d(w)
    n_batch, in_channels, in_h, in_w = x4.shape
    group_out, kh, kw = w4.shape[1:]
    out_channels = group_out * groups
    (sh, sw), (ph, pw), (dh, dw) = _pair(stride, 1), _pair(padding, 0), _pair(dilation, 1)
    oph, opw = _pair(output_padding, 0)
    out_hw = ((in_h - 1) * sh - 2 * ph + dh * (kh - 1) + 1 + oph, (in_w - 1) * sw - 2 * pw + dw * (kw - 1) + 1 + opw)
    positions = n_batch * in_h * in_w
    rows = out_channels * kh * kw
    total = n_batch * out_channels * out_hw[0] * out_hw[1]
    if not _fits(x.size, total, rows * positions) or min(out_hw) <= 0:
        return None
    if moved is None:
        moved = _swap_leading(xp, x4, n_batch, in_channels, in_h * in_w)  # (C_in, N * IH * IW)
    cols = xp.empty((rows, positions), dtype=x.dtype)
    _grouped_product(xp, w4.reshape(in_channels, group_out * kh * kw), moved, groups, cols, transpose_a=True)
    y = xp.empty((n_batch, out_channels, *out_hw[2 - len(stride) :]), dtype=x.dtype)
    _launch(xp, "col2im2d", x.dtype, total,
            (cols, _pointer(b), y, *int32_args(out_channels, out_hw[0], out_hw[1], in_h, in_w, n_batch),
             *launch_geometry(w.shape[2:], stride, padding, dilation)))  # fmt: skip
    return y


def moved_gradient(xp: Any, gy: Any) -> Any:
    """A 1-D or 2-D convolution's output gradient ``(N, O, *out)`` moved to ``(O, N * prod(out))``, what both its
    input gradient and its weight gradient (over more than ``_DIRECT_TAPS`` taps) start from; None where the
    fused path does not apply."""
    if gy.ndim not in (3, 4) or not _usable(xp, gy) or not _fits(gy.size):
        return None
    gy4 = _as_4d(gy)
    return _swap_leading(xp, gy4, gy4.shape[0], gy4.shape[1], gy4.shape[2] * gy4.shape[3])


def weight_gradient(xp: Any, x: Any, gy: Any, weight_shape: _Ints, stride: _Ints, padding: _Ints,
                    dilation: _Ints, groups: int, *, moved: Any = None) -> Any:  # fmt: skip
    """The weight gradient ``weight_shape`` of a 1-D or 2-D convolution of ``x`` given its output gradient ``gy``
    (and ``moved``, :func:`moved_gradient` of it, when already made); None where the fused path does not apply."""
    if len(stride) not in (1, 2) or x.ndim != len(stride) + 2 or not _usable(xp, x, gy):
        return None
    x4, gy4 = _as_4d(x), _as_4d(gy)
    n_batch, channels = x4.shape[:2]
    out_channels, out_hw = gy4.shape[1], (int(gy4.shape[2]), int(gy4.shape[3]))
    positions = n_batch * out_hw[0] * out_hw[1]
    if not _fits(x.size, gy.size, channels * positions):
        return None
    taps = math.prod(weight_shape[1:])
    if taps <= _DIRECT_TAPS:
        return _weight_gradient_direct(xp, x4, gy4, weight_shape, stride, padding, dilation, groups)
    if moved is None:
        moved = _swap_leading(xp, gy4, n_batch, out_channels, out_hw[0] * out_hw[1])  # (O, N * OH * OW)
    cols = _im2col(xp, x4, weight_shape[2:], stride, padding, dilation, out_hw)
    gw = xp.empty(tuple(weight_shape), dtype=x.dtype)
    _grouped_product(xp, moved, cols, groups, gw.reshape(out_channels, -1), transpose_b=True)
    return gw


def _weight_gradient_direct(xp: Any, x4: Any, gy4: Any, weight_shape: _Ints, stride: _Ints, padding: _Ints,
                            dilation: _Ints, groups: int) -> Any:  # fmt: skip
    """The weight gradient of a convolution with at most ``_DIRECT_TAPS`` taps per output in one launch: one block
    per tile of output channels and share of the positions (``conv2d_weight_direct``), the tile's last block adding
    the shares."""
    n_batch, channels, height, width = x4.shape
    out_channels, out_h, out_w = gy4.shape[1:]
    positions = n_batch * out_h * out_w
    tiles = groups * -(-(out_channels // groups) // _WEIGHT_TILE)
    chunks = max(1, min(_WEIGHT_BLOCKS // tiles, positions // _WEIGHT_SHARE))
    gw = xp.empty(tuple(weight_shape), dtype=x4.dtype)
    partial, counters = share_buffers(xp, gw, chunks, tiles)
    _kernel(xp, "conv2d_weight_direct", x4.dtype)(
        (tiles * chunks,),
        (_BLOCK,),
        (x4, gy4, partial, gw, counters,
         *int32_args(channels, height, width, out_channels, out_h, out_w, n_batch, groups, chunks),
         *launch_geometry(weight_shape[2:], stride, padding, dilation)),
    )  # fmt: skip
    return gw


def bias_gradient(xp: Any, gy: Any) -> Any:
    """A convolution's bias gradient, the sum of ``gy`` ``(N, C, *spatial)`` over every dim but the channels, in one
    launch (``channel_sums``, one block per channel and share, the channel's last block adding the shares); None
    where the fused path does not apply."""
    if gy.ndim < 2 or not _usable(xp, gy) or not _fits(gy.size):
        return None
    n_batch, channels = gy.shape[0], gy.shape[1]
    length = gy.size // (n_batch * channels)
    total = n_batch * length
    chunks = max(1, min(_WEIGHT_BLOCKS // channels, total // _WEIGHT_SHARE))
    gb = xp.empty(channels, dtype=gy.dtype)
    partial, counters = share_buffers(xp, gb, chunks, channels)
    _kernel(xp, "channel_sums", gy.dtype)(
        (channels * chunks,), (_BLOCK,), (gy, partial, gb, counters, *int32_args(n_batch, channels, length, chunks)),
    )  # fmt: skip
    return gb
