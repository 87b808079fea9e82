"""Where tocha's time goes in bench_gpu.py's training steps on the GPU: a diagnostic, not a benchmark.

For each workload of bench_gpu.py (issue 10's shapes), on tocha alone:

- ``host`` — seconds to enqueue one step without waiting for the GPU (the Python and launch overhead), against
  ``step`` — one step with the device synchronised: host ≈ step means the step is bound by the host;
- the functions with the most own time over ``--steps`` profiled steps (cProfile).

Run on a GPU machine: ``python tools/bench/profile_gpu.py --steps 10`` (from tools/bench, or with it on sys.path).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import time

import numpy as np
from bench_gpu import FULL, STEPS, Backend, step_workload

import tocha
import tocha.cuda


def _timed(fn: object, b: Backend, repeat: int, *, sync: bool) -> float:
    samples = []
    for _ in range(repeat):
        b.sync()
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        if sync:
            b.sync()
        samples.append(time.perf_counter() - start)
    b.sync()
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--steps", type=int, default=10, help="profiled steps per workload")
    parser.add_argument("--top", type=int, default=25, help="functions listed per workload")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if not tocha.cuda.is_available():
        print("no CUDA for tocha: nothing to profile")
        return 0
    b = Backend(tocha, "cuda")
    rng = np.random.default_rng(0)
    for w in STEPS:
        shape = w.shape(FULL)
        x = rng.standard_normal(shape, dtype=np.float32)
        y = rng.integers(0, w.classes, shape[0]) if w.classes is not None else None
        step, _ = step_workload(b, w, FULL, x, y, None)
        for _ in range(3):
            step()
        b.sync()
        host = _timed(step, b, 10, sync=False)
        full = _timed(step, b, 10, sync=True)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.steps):
            step()
        b.sync()
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("tottime").print_stats(args.top)
        print(f"== {w.name}: step {full * 1e3:.3f} ms, host enqueue {host * 1e3:.3f} ms")
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:20000])
        step = None  # type: ignore[assignment]
        b.free()
    return 0


if __name__ == "__main__":
    sys.exit(main())
