"""Fused CUDA kernels for nn's heavy ops on CuPy: softmax, log_softmax, layer_norm and gelu, forward and backward,
relu's backward, and a linear layer's bias sum and bias add.

NOTE [ Fused CUDA kernels ]
On the GPU a chain of single CuPy ops costs one launch (several µs of host time) and one pass over memory per
op: the generic softmax is five passes, the generic float32 gelu fifteen (an erf polynomial). These kernels do
each op in one launch, one row per thread block for the row reductions, with float32 or float64 accumulation.
They take C-contiguous float32/float64 arrays only (rows along the last dimension); anything else returns
None and the op's generic forward runs, as it does on the CPU and on tools/fake_cupy. Each op's gpu-marked
tests compare its cuda result with the CPU's, so the kernels are checked against the generic forward.

They are on by default on a real CuPy (``TOCHA_CUDA_FUSED=0`` turns them off, and the generic forwards run):
on an H200 every gpu-marked nn test passed with them, and they took tools/bench/bench_gpu.py's CNN step from
10.1 to 6.5 ms and its transformer layer step from 11.9 to 9.0 ms.
"""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

# The device helpers every fused kernel module starts with: -inf, warp and block max/sum.
REDUCTIONS = r"""
template <typename T> __device__ __forceinline__ T neg_inf();
template <> __device__ __forceinline__ float neg_inf<float>() { return -__int_as_float(0x7f800000); }
template <> __device__ __forceinline__ double neg_inf<double>() { return -__longlong_as_double(0x7ff0000000000000LL); }

template <typename T> __device__ __forceinline__ T warp_max(T v) {
    for (int offset = 16; offset > 0; offset >>= 1) v = fmax(v, __shfl_xor_sync(0xffffffffu, v, offset));
    return v;
}

template <typename T> __device__ __forceinline__ T warp_sum(T v) {
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;
}

// Reductions over one thread block (blockDim.x a multiple of 32, at most 1024); every thread gets the result.
// ``shared`` holds 32 values; the trailing barrier lets the caller reuse it at once.
template <typename T> __device__ T block_max(T v, T* shared) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    v = warp_max(v);
    if (lane == 0) shared[warp] = v;
    __syncthreads();
    if (warp == 0) {
        T w = lane < warps ? shared[lane] : neg_inf<T>();
        w = warp_max(w);
        if (lane == 0) shared[0] = w;
    }
    __syncthreads();
    const T result = shared[0];
    __syncthreads();
    return result;
}

template <typename T> __device__ T block_sum(T v, T* shared) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    v = warp_sum(v);
    if (lane == 0) shared[warp] = v;
    __syncthreads();
    if (warp == 0) {
        T w = lane < warps ? shared[lane] : T(0);
        w = warp_sum(w);
        if (lane == 0) shared[0] = w;
    }
    __syncthreads();
    const T result = shared[0];
    __syncthreads();
    return result;
}

// NOTE [ Last-block reductions ]
// A sum split over several blocks per result (shares of a long reduction) ends in the same launch: each block
// writes its share's partial sums, counts itself done on the result's counter, and the last block to finish adds
// the shares in share order (deterministic) and writes the result. No second launch or cuBLAS row sum, which cost
// the host more than the kernel (tools/bench/host_calls_gpu.py). The counters start at zero and the last block
// resets its counter to zero, so the next launch on the stream finds them ready; launches on another stream use
// counters of their own (completion_counters). The last block reads the partial sums through L2 (__ldcg).
__device__ bool last_to_arrive(unsigned int* counter, const unsigned int arrivals) {
    __shared__ bool last;
    __threadfence();  // this block's partial sums are visible to every block before it counts itself done
    __syncthreads();
    if (threadIdx.x == 0) {
        last = atomicAdd(counter, 1u) == arrivals - 1u;
        if (last) *counter = 0u;
    }
    __syncthreads();
    return last;
}
"""

SOURCE = (
    REDUCTIONS
    + r"""
// Along each length-n row of x: mode 0 softmax, 1 log_softmax, 2 exp(x - max) unnormalised, 3 softmax with a
// row of only -inf giving zeros (attention's "safe" softmax); row_top and row_logsum (either may be null) receive
// each row's max and log(sum(exp(x - max))). One block per row.
template <typename T>
__global__ void softmax_forward(const T* __restrict__ x, T* __restrict__ y, T* __restrict__ row_top,
                                T* __restrict__ row_logsum, const long long n, const int mode) {
    __shared__ T shared[32];
    const T* row = x + (long long)blockIdx.x * n;
    T* out = y + (long long)blockIdx.x * n;
    T top = neg_inf<T>();
    for (long long i = threadIdx.x; i < n; i += blockDim.x) top = fmax(top, row[i]);
    top = block_max(top, shared);
    if (mode == 3 && top == neg_inf<T>()) top = T(0);
    T total = T(0);
    for (long long i = threadIdx.x; i < n; i += blockDim.x) total += exp(row[i] - top);
    total = block_sum(total, shared);
    if (mode == 1) {
        const T shift = top + log(total);
        for (long long i = threadIdx.x; i < n; i += blockDim.x) out[i] = row[i] - shift;
    } else {
        const T scale = mode == 2 || (mode == 3 && total == T(0)) ? T(1) : T(1) / total;
        for (long long i = threadIdx.x; i < n; i += blockDim.x) out[i] = exp(row[i] - top) * scale;
    }
    if (threadIdx.x == 0) {
        if (row_top != nullptr) row_top[blockIdx.x] = top;
        if (row_logsum != nullptr) row_logsum[blockIdx.x] = log(total);
    }
}

// The input gradient from the output y: softmax g*y - y*sum(g*y); log_softmax g - exp(y)*sum(g).
template <typename T>
__global__ void softmax_backward(const T* __restrict__ g, const T* __restrict__ y, T* __restrict__ dx,
                                 const long long n, const int log_) {
    __shared__ T shared[32];
    const long long base = (long long)blockIdx.x * n;
    T total = T(0);
    for (long long i = threadIdx.x; i < n; i += blockDim.x) total += log_ ? g[base + i] : g[base + i] * y[base + i];
    total = block_sum(total, shared);
    for (long long i = threadIdx.x; i < n; i += blockDim.x) {
        const T gi = g[base + i], yi = y[base + i];
        dx[base + i] = log_ ? gi - exp(yi) * total : yi * (gi - total);
    }
}

// Layer norm of each length-n row: y = (x - mean) * rstd * w + b (w, b may be null); mean and rstd per row.
template <typename T>
__global__ void layer_norm_forward(const T* __restrict__ x, const T* __restrict__ w, const T* __restrict__ b,
                                   T* __restrict__ y, T* __restrict__ mean_out, T* __restrict__ rstd_out,
                                   const long long n, const double eps) {
    __shared__ T shared[32];
    const long long base = (long long)blockIdx.x * n;
    T total = T(0);
    for (long long i = threadIdx.x; i < n; i += blockDim.x) total += x[base + i];
    const T mean = block_sum(total, shared) / T(n);
    T squares = T(0);
    for (long long i = threadIdx.x; i < n; i += blockDim.x) {
        const T d = x[base + i] - mean;
        squares += d * d;
    }
    const T rstd = T(1) / sqrt(block_sum(squares, shared) / T(n) + T(eps));
    for (long long i = threadIdx.x; i < n; i += blockDim.x) {
        T v = (x[base + i] - mean) * rstd;
        if (w != nullptr) v *= w[i];
        if (b != nullptr) v += b[i];
        y[base + i] = v;
    }
    if (threadIdx.x == 0) {
        mean_out[blockIdx.x] = mean;
        rstd_out[blockIdx.x] = rstd;
    }
}

// The input gradient of layer norm: rstd * (gw - mean(gw) - xhat * mean(gw * xhat)) with gw = g * w.
template <typename T>
__global__ void layer_norm_backward(const T* __restrict__ g, const T* __restrict__ x, const T* __restrict__ w,
                                    const T* __restrict__ mean_in, const T* __restrict__ rstd_in,
                                    T* __restrict__ dx, const long long n) {
    __shared__ T shared[32];
    const long long base = (long long)blockIdx.x * n;
    const T mean = mean_in[blockIdx.x], rstd = rstd_in[blockIdx.x];
    T sum_gw = T(0), sum_gwx = T(0);
    for (long long i = threadIdx.x; i < n; i += blockDim.x) {
        const T gw = w != nullptr ? g[base + i] * w[i] : g[base + i];
        sum_gw += gw;
        sum_gwx += gw * (x[base + i] - mean) * rstd;
    }
    const T mean_gw = block_sum(sum_gw, shared) / T(n);
    const T mean_gwx = block_sum(sum_gwx, shared) / T(n);
    for (long long i = threadIdx.x; i < n; i += blockDim.x) {
        const T gw = w != nullptr ? g[base + i] * w[i] : g[base + i];
        const T xhat = (x[base + i] - mean) * rstd;
        dx[base + i] = rstd * (gw - mean_gw - xhat * mean_gwx);
    }
}

// gelu and its derivative times g, elementwise over n values; tanh_ selects the tanh approximation.
template <typename T> __device__ __forceinline__ T gelu_value(const T v, const int tanh_) {
    if (tanh_) {
        const T inner = T(0.7978845608028654) * (v + T(0.044715) * v * v * v);
        return T(0.5) * v * (T(1) + tanh(inner));
    }
    return T(0.5) * v * (T(1) + erf(v * T(0.7071067811865476)));
}

template <typename T> __device__ __forceinline__ T gelu_slope(const T v, const int tanh_) {
    if (tanh_) {
        const T v2 = v * v;
        const T t = tanh(T(0.7978845608028654) * (v + T(0.044715) * v * v2));
        const T d_inner = T(0.7978845608028654) * (T(1) + T(3) * T(0.044715) * v2);
        return T(0.5) * (T(1) + t) + T(0.5) * v * (T(1) - t * t) * d_inner;
    }
    const T cdf = T(0.5) * (T(1) + erf(v * T(0.7071067811865476)));
    return cdf + v * exp(T(-0.5) * v * v) * T(0.3989422804014327);
}

template <typename T>
__global__ void gelu_forward(const T* __restrict__ x, T* __restrict__ y, const long long n, const int tanh_) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        y[i] = gelu_value(x[i], tanh_);
}

template <typename T>
__global__ void gelu_backward(const T* __restrict__ g, const T* __restrict__ x, T* __restrict__ dx,
                              const long long n, const int tanh_) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        dx[i] = g[i] * gelu_slope(x[i], tanh_);
}

// Column sums of a row-major (rows, cols) matrix, out[j] = sum over i of a[i, j] (a linear layer's bias gradient):
// a block sums 32 adjacent columns over one share of the rows, blockDim.x / 32 rows at a time (each warp reads 32
// adjacent values), and the last block of a column tile adds the shares (NOTE [ Last-block reductions ]).
template <typename T>
__global__ void column_sums(const T* __restrict__ a, T* __restrict__ partial, T* __restrict__ out,
                            unsigned int* __restrict__ counters, const long long rows, const int cols,
                            const int chunks) {
    __shared__ T lanes[32][33];
    const int tile = blockIdx.x / chunks, chunk = blockIdx.x - tile * chunks;
    const int lane = threadIdx.x & 31, row_lane = threadIdx.x >> 5, row_lanes = blockDim.x >> 5;
    const int col = tile * 32 + lane;
    const long long share = (rows + chunks - 1) / chunks;
    const long long begin = chunk * share, end = begin + share < rows ? begin + share : rows;
    T sum = T(0);
    if (col < cols)
        for (long long i = begin + row_lane; i < end; i += row_lanes) sum += a[i * cols + col];
    lanes[row_lane][lane] = sum;
    __syncthreads();
    if (row_lane == 0 && col < cols) {
        T total = T(0);
        for (int r = 0; r < row_lanes; ++r) total += lanes[r][lane];
        if (chunks == 1) out[col] = total;
        else partial[(long long)chunk * cols + col] = total;
    }
    if (chunks == 1 || !last_to_arrive(counters + tile, chunks)) return;
    if (row_lane == 0 && col < cols) {
        T total = T(0);
        for (int k = 0; k < chunks; ++k) total += __ldcg(partial + (long long)k * cols + col);
        out[col] = total;
    }
}

// y (rows, cols) += b (cols) in place: a linear layer's bias on its fresh product. n < 2**31 (the caller): the
// column comes from a 32-bit remainder (a 64-bit one costs more than the memory traffic).
template <typename T>
__global__ void add_to_rows(T* __restrict__ y, const T* __restrict__ b, const int n, const int cols) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) y[i] += b[i % cols];
}

// relu's (and threshold's) input gradient: g where x > threshold or x is NaN, else 0 (also for a NaN g, as
// PyTorch's), one pass instead of the generic compare and select.
template <typename T>
__global__ void threshold_backward(const T* __restrict__ g, const T* __restrict__ x, T* __restrict__ dx,
                                   const long long n, const double threshold) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        dx[i] = x[i] <= (T)threshold ? T(0) : g[i];  // compared in T, as NumPy compares a Python float
}
"""
)

KERNELS = ("softmax_forward", "softmax_backward", "layer_norm_forward", "layer_norm_backward", "gelu_forward",
           "gelu_backward", "threshold_backward", "column_sums", "add_to_rows")  # fmt: skip
_TYPES = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}
_MODULES: list[KernelModule] = []  # every fused kernel module (nn's own, cross-entropy's, max pooling's)


def _enabled() -> bool:
    return os.environ.get("TOCHA_CUDA_FUSED", "1") != "0"


class KernelModule:
    """A fused kernel module: CUDA source whose ``template <typename T>`` kernels NVRTC compiles once per CuPy for
    float and double, and which :func:`_compiles_for` checks before any kernel runs.

    Args:
        what: the ops it serves, for the warning when it does not compile.
        source: the CUDA C++ source.
        kernels: the names of its ``__global__`` templates.
    """

    def __init__(self, what: str, source: str, kernels: Sequence[str]) -> None:
        self.what, self.source, self.kernels = what, source, tuple(kernels)
        self._compiled: dict[Any, Any] = {}
        self._functions: dict[tuple[Any, str, Any], Any] = {}
        _MODULES.append(self)

    def name_expressions(self) -> list[str]:
        """Every instantiation the module compiles (``softmax_forward<float>`` ...)."""
        return [f"{kernel}<{ctype}>" for kernel in self.kernels for ctype in _TYPES.values()]

    def module(self, xp: Any) -> Any:
        """The compiled ``RawModule`` (compiled on first use)."""
        found = self._compiled.get(xp)
        if found is None:
            found = self._compiled[xp] = xp.RawModule(
                code=self.source, options=("-std=c++14",), name_expressions=self.name_expressions()
            )
        return found

    def kernel(self, xp: Any, name: str, dtype: Any) -> Any:
        """Kernel ``name`` instantiated for ``dtype`` (float32 or float64), looked up once: CuPy's
        ``get_function`` builds a new ``RawKernel`` (and asks the driver for the function) on every call."""
        key = (xp, name, dtype)
        found = self._functions.get(key)
        if found is None:
            found = self._functions[key] = self.module(xp).get_function(f"{name}<{_TYPES[np.dtype(dtype)]}>")
        return found


def _compiles_for(xp: Any) -> bool:
    """Whether kernels run with ``xp``: fused kernels enabled, a CuPy (tools/fake_cupy refuses kernels), and
    every fused kernel module compiles there."""
    return xp is not np and _enabled() and _modules_compile(xp)


@functools.cache
def _modules_compile(xp: Any) -> bool:
    """Whether every registered module compiles with ``xp``'s NVRTC, checked once: if one does not (an old toolkit,
    a GPU NVRTC cannot target), a RuntimeWarning says which and why, and the generic forwards run from then on.
    Never with tools/fake_cupy, which refuses kernels."""
    if getattr(xp, "__version__", "").endswith("+fake"):
        return False
    for found in _MODULES:
        try:
            found.module(xp).get_function(found.name_expressions()[0])
        except Exception as exc:  # NVRTC's CompileException, CUDADriverError...: any failure means no kernels
            warnings.warn(
                f"tocha: the fused CUDA {found.what} kernels did not compile ({type(exc).__name__}: {exc}); "
                "the generic ops run instead (TOCHA_CUDA_FUSED=0 silences this)",
                RuntimeWarning,
                stacklevel=2,
            )
            return False
    return True


def _usable(xp: Any, *arrays: Any) -> bool:
    """Whether the fused path applies: kernels run with ``xp``, and the arrays (None: an absent optional one) are
    C-contiguous, non-empty, float32 or float64, all of one dtype."""
    if not _compiles_for(xp):
        return False
    first = arrays[0]
    dtype = first.dtype
    if dtype not in _TYPES or not first.size:
        return False
    for a in arrays:  # noqa: SIM110  (a loop: all() over a generator costs more, once per launch)
        if a is not None and (a.dtype != dtype or not a.flags.c_contiguous):
            return False
    return True


_INT32_ARGS: dict[tuple[int, ...], tuple[np.int32, ...]] = {}


def int32_args(*values: int) -> tuple[np.int32, ...]:
    """``values`` as ``int`` arguments of a kernel launch, made once per distinct tuple: a NumPy scalar costs
    about 0.2 us to make, and a launch passes up to a dozen (the shapes of a training step repeat)."""
    found = _INT32_ARGS.get(values)
    if found is None:
        if len(_INT32_ARGS) >= 1024:
            _INT32_ARGS.clear()
        found = _INT32_ARGS[values] = tuple(np.int32(v) for v in values)
    return found


_GEOMETRIES: dict[tuple[tuple[int, ...], ...], tuple[np.int32, ...]] = {}


def launch_geometry(kernel: Sequence[int], stride: Sequence[int], padding: Sequence[int],
                    dilation: Sequence[int]) -> tuple[np.int32, ...]:  # fmt: skip
    """The ``kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w`` arguments of the window
    kernels (convolution, pooling) for a 1-D or 2-D window (a 1-D one as height 1), made once per geometry."""
    key = (tuple(kernel), tuple(stride), tuple(padding), tuple(dilation))
    found = _GEOMETRIES.get(key)
    if found is None:
        fills = (1, 1, 0, 1)  # a 1-D window's height: kernel 1, stride 1, padding 0, dilation 1
        pairs = [(f, int(v[0])) if len(v) == 1 else (int(v[0]), int(v[1])) for v, f in zip(key, fills, strict=True)]
        if len(_GEOMETRIES) >= 256:
            _GEOMETRIES.clear()
        found = _GEOMETRIES[key] = tuple(np.int32(v) for pair in pairs for v in pair)
    return found


def _pointer(a: Any) -> Any:
    """A kernel argument for an optional array: the array, or a null pointer."""
    return np.uint64(0) if a is None else a


def _row_threads(n: int) -> int:
    """Threads per block for length-n rows: a multiple of 32 covering the row, at most 1024."""
    return min(1024, max(32, -(-n // 32) * 32))


def softmax(xp: Any, x: Any, dim: int, log: bool, *, safe: bool = False) -> Any:
    """softmax / log_softmax of ``x`` along ``dim`` in one launch, or None where the fused path does not apply.

    ``safe`` (softmax only): a row of only ``-inf`` gives zeros instead of NaN (NOTE [ Attention op ]).
    """
    if x.ndim == 0 or dim % x.ndim != x.ndim - 1 or not _usable(xp, x):
        return None
    n = x.shape[-1]
    rows = x.size // n
    y = xp.empty_like(x)
    null = np.uint64(0)
    mode = np.int32(3 if safe and not log else log)
    _kernel(xp, "softmax_forward", x.dtype)((rows,), (_row_threads(n),), (x, y, null, null, np.int64(n), mode))
    return y


def softmax_parts(xp: Any, x: Any, normalize: bool) -> tuple[Any, Any, Any] | None:
    """``(max, log(sum(exp(x - max))), softmax(x) or exp(x - max))`` along the last dimension of a 2-D ``x``,
    the first two shaped ``(rows, 1)``, in one launch; None where the fused path does not apply."""
    if x.ndim != 2 or not _usable(xp, x):
        return None
    rows, n = x.shape
    e = xp.empty_like(x)
    top = xp.empty((rows, 1), dtype=x.dtype)
    log_sums = xp.empty((rows, 1), dtype=x.dtype)
    mode = np.int32(0 if normalize else 2)
    _kernel(xp, "softmax_forward", x.dtype)((rows,), (_row_threads(n),), (x, e, top, log_sums, np.int64(n), mode))
    return top, log_sums, e


def softmax_backward(xp: Any, grad: Any, y: Any, dim: int, log: bool) -> Any:
    """The input gradient of softmax / log_softmax from its output ``y``, or None (see :func:`softmax`)."""
    if y.ndim == 0 or dim % y.ndim != y.ndim - 1 or grad.shape != y.shape or not _usable(xp, y, grad):
        return None
    n = y.shape[-1]
    dx = xp.empty_like(y)
    _kernel(xp, "softmax_backward", y.dtype)(
        (y.size // n,), (_row_threads(n),), (grad, y, dx, np.int64(n), np.int32(log))
    )
    return dx


def layer_norm(xp: Any, x: Any, weight: Any, bias: Any, d: int, eps: float) -> tuple[Any, Any, Any] | None:
    """``(y, mean, rstd)`` of layer norm over the last ``d`` values of each row (mean, rstd ``(rows, 1)``)."""
    if not _usable(xp, x, weight, bias):
        return None
    rows = x.size // d
    y = xp.empty_like(x)
    mean = xp.empty((rows, 1), dtype=x.dtype)
    rstd = xp.empty((rows, 1), dtype=x.dtype)
    _kernel(xp, "layer_norm_forward", x.dtype)(
        (rows,), (_row_threads(d),), (x, _pointer(weight), _pointer(bias), y, mean, rstd, np.int64(d), np.float64(eps))
    )
    return y, mean, rstd


def layer_norm_backward(xp: Any, grad: Any, x: Any, weight: Any, mean: Any, rstd: Any, d: int) -> Any:
    """The input gradient of layer norm (``weight`` may be None), or None where the fused path does not apply."""
    if grad.shape != x.shape or not _usable(xp, x, grad, weight, mean, rstd):
        return None
    rows = x.size // d
    dx = xp.empty_like(x)
    _kernel(xp, "layer_norm_backward", x.dtype)(
        (rows,), (_row_threads(d),), (grad, x, _pointer(weight), mean, rstd, dx, np.int64(d))
    )
    return dx


_GRID_THREADS = 65535 * 4 * 256  # the most threads _grid launches (blocks of 256)


def _grid(n: int) -> tuple[int]:
    return (min(-(-n // 256), 65535 * 4),)


def gelu(xp: Any, x: Any, approximate: str) -> Any:
    """gelu of ``x`` in one launch, or None where the fused path does not apply."""
    if not _usable(xp, x):
        return None
    y = xp.empty_like(x)
    _kernel(xp, "gelu_forward", x.dtype)(
        _grid(x.size), (256,), (x, y, np.int64(x.size), np.int32(approximate == "tanh"))
    )
    return y


def gelu_backward(xp: Any, grad: Any, x: Any, approximate: str) -> Any:
    """``grad`` times gelu's derivative at ``x`` in one launch, or None where the fused path does not apply."""
    if grad.shape != x.shape or not _usable(xp, x, grad):
        return None
    dx = xp.empty_like(x)
    _kernel(xp, "gelu_backward", x.dtype)(
        _grid(x.size), (256,), (grad, x, dx, np.int64(x.size), np.int32(approximate == "tanh"))
    )
    return dx


def threshold_backward(xp: Any, grad: Any, x: Any, threshold: float) -> Any:
    """relu's / threshold's input gradient (``grad`` where ``x > threshold`` or NaN, else ``grad * 0``) in one
    launch, or None where the fused path does not apply."""
    if grad.shape != x.shape or not _usable(xp, x, grad):
        return None
    dx = xp.empty_like(x)
    _kernel(xp, "threshold_backward", x.dtype)(
        _grid(x.size), (256,), (grad, x, dx, np.int64(x.size), np.float64(threshold))
    )
    return dx


_COUNTERS: dict[tuple[int, int, int], Any] = {}  # (id(xp), device, stream) -> zeroed uint32 counters
_COUNTERS_MIN = 1024
_COUNTER_SETS = 64  # the most streams that keep a set; the oldest set goes (a program making a stream per step)


def completion_counters(xp: Any, n: int) -> Any:
    """At least ``n`` uint32 counters, all zero between launches, for kernels that finish a reduction in its last
    block (NOTE [ Last-block reductions ]): one array per device and stream, made zero once and kept. (A dropped
    set's memory returns to CuPy's pool for its own stream, after the launches queued there that use it.)"""
    if xp is np:  # tests run the kernels' source on the CPU emulator over NumPy arrays
        key = (id(np), 0, 0)
    else:
        key = (id(xp), xp.cuda.runtime.getDevice(), xp.cuda.get_current_stream().ptr)
    found = _COUNTERS.get(key)
    if found is None or found.size < n:
        if found is None and len(_COUNTERS) >= _COUNTER_SETS:
            del _COUNTERS[next(iter(_COUNTERS))]
        found = _COUNTERS[key] = xp.zeros(max(n, _COUNTERS_MIN), dtype=np.uint32)
    return found


def share_buffers(xp: Any, out: Any, chunks: int, results: int) -> tuple[Any, Any]:
    """``(partial, counters)`` of a last-block reduction into ``out`` over ``chunks`` shares of ``results`` counted
    results (NOTE [ Last-block reductions ]): with one share, ``out`` itself and a null pointer; else a new
    ``(chunks, out.size)`` buffer and the stream's completion counters."""
    if chunks == 1:
        return out, np.uint64(0)
    return xp.empty((chunks, out.size), dtype=out.dtype), completion_counters(xp, results)


_INT_MAX = 2**31 - 1
_COLUMN_SHARE = 64  # rows per share of a column sum, at least
_COLUMN_BLOCKS = 512  # blocks (column tiles x shares) a column sum aims for


def column_sums(xp: Any, a: Any) -> Any:
    """The sums of the columns of a C-contiguous 2-D float32/float64 array (shape ``(cols,)``, an array of its
    own) in one launch, or None where the fused path does not apply."""
    if a.ndim != 2 or not _usable(xp, a) or a.shape[1] > _INT_MAX:
        return None
    rows, cols = a.shape
    tiles = -(-cols // 32)
    chunks = max(1, min(rows // _COLUMN_SHARE, _COLUMN_BLOCKS // tiles))
    out = xp.empty(cols, dtype=a.dtype)
    partial, counters = share_buffers(xp, out, chunks, tiles)
    _kernel(xp, "column_sums", a.dtype)(
        (tiles * chunks,), (256,), (a, partial, out, counters, np.int64(rows), np.int32(cols), np.int32(chunks))
    )
    return out


_ADD_TO_ROWS_MIN = 2**20  # smaller products take CuPy's add: its host cost is lower than a checked launch's


def add_to_rows(xp: Any, y: Any, b: Any) -> bool:
    """Add ``b`` to every row of C-contiguous ``y`` (``b.shape == y.shape[-1:]``) in place in one launch; False
    (nothing done) where the fused path does not apply. Only for ``y`` of a million elements or more, where the
    launch's GPU time (a fifth below CuPy's broadcasting add on an H100) is worth more than its host time."""
    if y.size < _ADD_TO_ROWS_MIN or y.size > _INT_MAX - _GRID_THREADS or b.shape != y.shape[-1:]:
        return False
    if not _usable(xp, y, b):
        return False
    _kernel(xp, "add_to_rows", y.dtype)(_grid(y.size), (256,), (y, b, np.int32(y.size), np.int32(y.shape[-1])))
    return True


_KERNELS = KernelModule("softmax/layer norm/gelu/relu", SOURCE, KERNELS)
name_expressions, _module, _kernel = _KERNELS.name_expressions, _KERNELS.module, _KERNELS.kernel
