"""Host microseconds per call of the CUDA calls a training step is made of, tocha's way and PyTorch's: a diagnostic
for the host cost of a step on the GPU (docs/cuda.md), not a benchmark.

Each row enqueues ``--calls`` calls without waiting for the GPU (shapes small enough that the GPU keeps up, so the
host never blocks on a full queue) and prints the median over ``--repeat`` runs of the microseconds per call:
cuBLAS products through ``tocha.library.gemm`` and through CuPy's binding with and without the per-call set-up
(stream, pointer mode, TF32 math mode), ``cupy.matmul``, a RawKernel launch, ``cupy.empty`` (also through tocha's
peak-tracking allocation hook and through one that walks the pool's blocks on every allocation, with a thousand
blocks alive), and PyTorch's ``torch.mm``, ``torch.add`` and ``torch.empty`` beside them. Run on a GPU machine:
``python tools/bench/host_calls_gpu.py`` (from tools/bench).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import tocha
import tocha.cuda
import tocha.library


def _per_call_us(fn: Callable[[], Any], calls: int, repeat: int, sync: Callable[[], Any]) -> float:
    fn()
    samples = []
    for _ in range(repeat):
        sync()
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - start) / calls * 1e6)
        sync()
    return statistics.median(samples)


def _cupy_rows(size: int) -> dict[str, Callable[[], Any]]:
    import cupy
    from cupy_backends.cuda.libs import cublas

    a, b, c = (cupy.ones((size, size), dtype=np.float32) for _ in range(3))
    handle = cupy.cuda.device.get_cublas_handle()
    stream = cupy.cuda.get_current_stream().ptr
    one, zero = np.ones(1, np.float32), np.zeros(1, np.float32)
    scalars = one.ctypes.data, zero.ctypes.data
    kernel = cupy.RawKernel(r'extern "C" __global__ void touch(float* x) { x[threadIdx.x] += 1.0f; }', "touch")

    def sgemm() -> None:
        cublas.sgemm(handle, 0, 0, size, size, size, scalars[0], b.data.ptr, size, a.data.ptr, size, scalars[1],
                     c.data.ptr, size)  # fmt: skip

    def with_stream() -> None:
        cublas.setStream(handle, stream)
        sgemm()

    def with_set_up() -> None:
        cublas.setStream(handle, stream)
        cublas.setPointerMode(handle, cublas.CUBLAS_POINTER_MODE_HOST)
        previous = cublas.getMathMode(handle)
        cublas.setMathMode(handle, 3)
        sgemm()
        cublas.setMathMode(handle, previous)

    shapes = [(64, 64, 64), (32, 96, 48), (16, 288, 64), (128, 16, 32)]  # (m, n, k): a cache of one would miss
    cycle = [0]
    largest = max(max(m * k, k * n, m * n) for m, n, k in shapes)
    wide = [cupy.ones(largest, dtype=np.float32) for _ in range(3)]

    def sgemm_shapes() -> None:
        m, n, k = shapes[cycle[0] % 4]
        cycle[0] += 1
        cublas.sgemm(handle, 0, 0, n, m, k, scalars[0], wide[1].data.ptr, n, wide[0].data.ptr, k, scalars[1],
                     wide[2].data.ptr, n)  # fmt: skip

    cublas.setStream(handle, stream)
    cublas.setPointerMode(handle, cublas.CUBLAS_POINTER_MODE_HOST)
    return {
        "cuBLAS sgemm binding, four shapes in turn": sgemm_shapes,
        "cuBLAS sgemm binding alone": sgemm,
        "  + setStream": with_stream,
        "  + setStream, pointer and TF32 math mode": with_set_up,
        "tocha.library.gemm (full float32)": lambda: tocha.library.gemm(cupy, a, b, c, allow_tf32=False),
        "tocha.library.gemm (TF32)": lambda: tocha.library.gemm(cupy, a, b, c, allow_tf32=True),
        "cupy.matmul": lambda: cupy.matmul(a, b, out=c),
        "RawKernel launch": lambda: kernel((1,), (32,), (c,)),
        "cupy.empty": lambda: cupy.empty((size, size), dtype=np.float32),
        "cupy add (out=)": lambda: cupy.add(a, b, out=c),
    }


def _torch_rows(torch: Any, size: int) -> dict[str, Callable[[], Any]]:
    a, b, c = (torch.ones((size, size), device="cuda") for _ in range(3))
    return {
        "torch.mm (out=)": lambda: torch.mm(a, b, out=c),
        "torch.add (out=)": lambda: torch.add(a, b, out=c),
        "torch.empty": lambda: torch.empty((size, size), device="cuda"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--size", type=int, default=64, help="square matrices of this size")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if not tocha.cuda.is_available():
        print("no CUDA for tocha: nothing to time")
        return 0
    print(f"host us per call, median of {args.repeat} x {args.calls} calls, {args.size}x{args.size} float32")
    import cupy

    sync = cupy.cuda.runtime.deviceSynchronize  # tocha.cuda's would install tocha's allocation hook
    for name, fn in _cupy_rows(args.size).items():
        print(f"{name:44s} {_per_call_us(fn, args.calls, args.repeat, sync):8.2f}")
    live = [cupy.empty(1024, dtype=np.float32) for _ in range(1000)]  # a model's worth of live blocks
    pool = cupy.get_default_memory_pool()

    def walking_hook(size: int) -> Any:
        memptr = pool.malloc(size)
        pool.used_bytes()
        return memptr

    def allocate() -> None:
        cupy.empty((args.size, args.size), dtype=np.float32)

    for name, install in (("a hook that walks the pool each time", lambda: cupy.cuda.set_allocator(walking_hook)),
                          ("tocha's peak hook", tocha.cuda.init)):  # fmt: skip
        install()
        print(f"{'cupy.empty, ' + name:44s} {_per_call_us(allocate, args.calls, args.repeat, sync):8.2f}")
    del live
    try:
        import torch
    except ImportError:
        return 0
    if torch.cuda.is_available():
        for name, fn in _torch_rows(torch, args.size).items():
            print(f"{name:44s} {_per_call_us(fn, args.calls, args.repeat, torch.cuda.synchronize):8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
