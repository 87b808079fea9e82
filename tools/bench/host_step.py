"""Host cost of a training step on 'cuda', measured without a GPU: tools/fake_cupy stands in for CuPy, every
CUDA kernel and cuBLAS call is a no-op that is counted, and the stand-in's own time is taken out, so what is left is
what a step costs the host CPU on a GPU machine: tocha's Python, the CuPy calls and the launches.

On the lent GPUs a CNN step is bound by this cost (docs/cuda.md), so it is the number to move between GPU runs.
Run from the repository root::

    PYTHONPATH=tools/fake_cupy:tools/bench python tools/bench/host_step.py [--profile cnn]

It prints, per workload of ``bench_gpu.py``: tocha's own host milliseconds per step (median at the ``--smoke``
sizes, the stand-in's time taken out), the kernel launches, cuBLAS calls and CuPy calls (views, allocations, and
the others, which launch kernels) a step makes at the GPU sizes, and an estimate of the step's host time on a GPU
machine from those.
The results are garbage (the kernels write nothing); only the counts and times mean something. ``--profile
NAME`` prints cProfile's top functions by own time for one workload.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import pstats
import statistics
import sys
import time
import types
from collections.abc import Callable
from typing import Any

import cupy
import numpy as np

if not cupy.__version__.endswith("+fake"):
    sys.exit("host_step.py runs on tools/fake_cupy only (PYTHONPATH=tools/fake_cupy:tools/bench)")

COUNTS: collections.Counter[str] = collections.Counter()
CUPY_SECONDS = [0.0]  # time spent inside the fake's functions
# Every NumPy array the fake makes, kept alive until the end of a timed step: freeing a large host array costs
# time (munmap), which would count as tocha's where it drops its last reference; CuPy's pool frees for nothing.
KEPT: list[Any] = []


class _NoOpFunction:
    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, grid: Any, block: Any, args: Any, **_: Any) -> None:
        COUNTS["kernel launches"] += 1
        COUNTS[f"kernel {self.name}"] += 1


class _NoOpModule:
    def __init__(self, **_: Any) -> None:
        pass

    def get_function(self, name: str) -> _NoOpFunction:
        return _NoOpFunction(name)


def _cublas_call(name: str) -> Callable[..., Any]:
    def call(*_: Any) -> int:
        if "gemm" in name.lower():
            COUNTS["cuBLAS gemm"] += 1
        return 0

    return call


def _install_stand_ins() -> None:
    """Turn the fake into a 'real' CuPy for tocha's gates: kernels and direct cuBLAS products run (as no-ops)."""
    cupy.__version__ = "14.2.0"
    cupy.RawModule = _NoOpModule
    names = (
        "sgemm",
        "dgemm",
        "sgemmBatched",
        "dgemmBatched",
        "sgemmStridedBatched",
        "dgemmStridedBatched",
        "setStream",
        "setPointerMode",
        "getMathMode",
        "setMathMode",
    )
    cublas = types.SimpleNamespace(**{n: _cublas_call(n) for n in names})
    cublas.CUBLAS_OP_N, cublas.CUBLAS_OP_T, cublas.CUBLAS_POINTER_MODE_HOST = 0, 1, 0
    libs = types.ModuleType("cupy_backends.cuda.libs")
    libs.cublas = cublas  # type: ignore[attr-defined]
    for name in ("cupy_backends", "cupy_backends.cuda"):
        sys.modules[name] = types.ModuleType(name)
    sys.modules["cupy_backends.cuda.libs"] = libs
    sys.modules["cupy_backends.cuda.libs.cublas"] = cublas  # type: ignore[assignment]
    cupy.cuda.device = types.SimpleNamespace(get_cublas_handle=lambda: 1)
    _count_cupy_calls()


_DUNDERS = (
    {"__getitem__", "__setitem__", "__neg__", "__abs__", "__invert__", "__copy__"}
    | {
        f"__{p}{op}__"
        for op in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or", "xor")
        for p in ("", "r", "i")
    }
    | {f"__{op}__" for op in ("lt", "le", "gt", "ge", "eq", "ne")}
)


def _count_cupy_calls() -> None:
    """Count and time every call of a CuPy function, ufunc or array method (what costs 5-70 us of host time on a
    GPU, and the fake's own time here, which is taken out of tocha's)."""
    for name in dir(cupy):
        value = getattr(cupy, name)
        if isinstance(value, cupy.ufunc):
            for method in ("_call", "reduce", "outer", "reduceat", "_accumulate"):
                setattr(value, method, _counted(f"{name}.{method}".replace("._call", ""), getattr(value, method)))
            value.at = _counted(f"{name}.at", value.at)
        elif isinstance(value, types.FunctionType) and not name.startswith("_") and value.__module__ == "cupy":
            setattr(cupy, name, _counted(name, value))
    for name in _DUNDERS:
        if name in vars(cupy.ndarray):
            setattr(cupy.ndarray, name, _counted(f"ndarray.{name}", vars(cupy.ndarray)[name]))
    for name in ("data", "flags", "T", "mT", "base", "device"):  # C attributes in CuPy, Python here: time not counted
        getter = vars(cupy.ndarray)[name].fget
        setattr(cupy.ndarray, name, property(_counted(f"ndarray.{name}", getter, count=False)))
    count_memory = cupy._count_memory

    def kept(array: Any) -> None:
        KEPT.append(array)
        count_memory(array)

    cupy._count_memory = kept
    make_function = cupy._function
    cupy._function = lambda name, fn, *a, **k: _counted(name, make_function(name, fn, *a, **k))


_DEPTH = [0]


def _counted(name: str, fn: Any, count: bool = True) -> Any:
    def call(*args: Any, **kwargs: Any) -> Any:
        if _DEPTH[0]:
            return fn(*args, **kwargs)
        if count:
            COUNTS["cupy calls"] += 1
            COUNTS[f"cupy {name}"] += 1
        _DEPTH[0] += 1
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            CUPY_SECONDS[0] += time.perf_counter() - start
            _DEPTH[0] -= 1

    return call


_install_stand_ins()

import bench_gpu  # noqa: E402  (after the stand-ins: it imports tocha)

import tocha  # noqa: E402


def _step(workload: bench_gpu.StepWorkload, s: bench_gpu.Sizes) -> Callable[[], Any]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal(workload.shape(s)).astype(np.float32)
    y = rng.integers(0, workload.classes, size=x.shape[0]) if workload.classes else None
    step, _ = bench_gpu.step_workload(bench_gpu.Backend(tocha, "cuda"), workload, s, x, y, None)
    for _ in range(2):
        step()
    return step


def calls_of(workload: bench_gpu.StepWorkload) -> collections.Counter[str]:
    """What one step at the GPU sizes calls (the sizes pick the code paths: GEMV sums, kernel shares...)."""
    step = _step(workload, bench_gpu.FULL)
    COUNTS.clear()
    step()
    return COUNTS.copy()


def host_ms(workload: bench_gpu.StepWorkload, repeat: int) -> float:
    """Median milliseconds of tocha's own host time in one step, the stand-in's time taken out, at the tiny
    ``--smoke`` sizes: at the GPU sizes the stand-in's NumPy work (tens of ms a step) leaves the CPU's caches
    cold for tocha's code, and freeing its large arrays would count as tocha's time."""
    step = _step(workload, bench_gpu.SMOKE)
    times = []
    for _ in range(repeat):
        KEPT.clear()
        CUPY_SECONDS[0] = 0.0
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start - CUPY_SECONDS[0])
    KEPT.clear()
    return statistics.median(times) * 1e3


# Host microseconds per CuPy view (reshape, basic indexing, transpose), allocation, other CuPy call (one that
# launches a kernel: ufuncs, reductions, copies), kernel launch and cuBLAS call (the binding and its stream set-up)
# on the faster lent H100 hosts (tools/bench/host_calls_gpu.py; views from cProfile on an H200 host): rough figures
# that turn the counts into an estimate of a step's host time on a GPU machine; slower hosts take up to twice as long.
VIEW_US, ALLOC_US, CUPY_CALL_US, LAUNCH_US, GEMM_US = 1.5, 1.8, 7.4, 3.5, 8.7
VIEWS = frozenset({"ndarray.reshape", "ndarray.__getitem__", "ndarray.transpose", "ndarray.view", "ndarray.ravel",
                   "swapaxes", "broadcast_to", "moveaxis", "expand_dims", "squeeze"})  # fmt: skip
ALLOCATIONS = frozenset({"empty", "empty_like"})


def estimate_ms(host: float, calls: collections.Counter[str]) -> tuple[int, int, int, float]:
    """(views, allocations, other CuPy calls, estimated host milliseconds of the step on a GPU machine)."""
    views = sum(n for key, n in calls.items() if key.removeprefix("cupy ") in VIEWS and key.startswith("cupy "))
    allocations = sum(n for key, n in calls.items() if key.removeprefix("cupy ") in ALLOCATIONS)
    others = calls["cupy calls"] - views - allocations
    micros = views * VIEW_US + allocations * ALLOC_US + others * CUPY_CALL_US
    micros += calls["kernel launches"] * LAUNCH_US + calls["cuBLAS gemm"] * GEMM_US
    return views, allocations, others, host + micros / 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", help="cProfile one workload (mlp, cnn, transformer)")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--detail", action="store_true", help="list every kernel and CuPy function called")
    args = parser.parse_args()
    chosen = {"mlp": 0, "cnn": 1, "transformer": 2}
    if args.profile:
        workload = bench_gpu.STEPS[chosen[args.profile]]
        profiler = cProfile.Profile()
        profiler.enable()
        host_ms(workload, args.repeat)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(35)
        return
    print(f"{'workload':52s} {'tocha ms':>8s} {'launches':>8s} {'gemm':>5s} {'views':>6s} {'allocs':>6s} "
          f"{'other cupy':>10s} {'est. ms':>8s}")  # fmt: skip
    for workload in bench_gpu.STEPS:
        ms, calls = host_ms(workload, args.repeat), calls_of(workload)
        views, allocations, others, estimate = estimate_ms(ms, calls)
        print(f"{workload.name:52s} {ms:8.2f} {calls['kernel launches']:8d} {calls['cuBLAS gemm']:5d} {views:6d} "
              f"{allocations:6d} {others:10d} {estimate:8.2f}")  # fmt: skip
        if args.detail:
            for key, count in sorted(calls.items()):
                if key.startswith(("kernel ", "cupy ")) and key not in ("kernel launches", "cupy calls"):
                    print(f"    {key:40s} {count}")


if __name__ == "__main__":
    main()
