"""Where tocha's time goes in bench_gpu.py's training steps on the GPU: a diagnostic, not a benchmark.

For each workload of bench_gpu.py (issue 10's shapes), on tocha alone:

- ``host`` — seconds to enqueue one step without waiting for the GPU (the Python and launch overhead), against
  ``step`` — one step with the device synchronised: host ≈ step means the step is bound by the host;
- the functions with the most own time over ``--steps`` profiled steps (cProfile);
- ``queued`` — the GPU milliseconds of a step with the host out of the way, for tocha and PyTorch: ``--steps``
  steps queued behind a ~0.2 s spin kernel, so the GPU runs their kernels back to back (the host finishes
  enqueueing long before the spin ends; the line says so when it did not). ``queued`` ≈ bench_gpu's step means
  the step is bound by the GPU, ``host`` ≈ it by the host;
- with ``--ops``, the GPU time of each op record's forward (CUDA events around it, summed by op name), against the
  step's: what is left over is the optimizer's update and the gaps the host leaves between kernels.

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
from typing import Any

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


def _warm_step(b: Backend, w: Any, rng: np.random.Generator) -> Any:
    """``w``'s training step on ``b``'s device at bench_gpu's sizes, run three times (kernels compiled, pools
    warm)."""
    shape = w.shape(FULL)
    x = rng.standard_normal(shape, dtype=np.float32)
    y = rng.integers(0, w.classes, shape[0]) if w.classes is not None else None
    step, _ = step_workload(b, w, FULL, x, y, None)
    for _ in range(3):
        step()
    return step


_SPIN_CYCLES = 400_000_000  # ~0.2 s at an H100's or H200's clock


def _spin(lib: Any) -> None:
    """Keep the GPU busy for ``_SPIN_CYCLES`` clock cycles on the current stream."""
    if lib.__name__ == "torch":
        lib.cuda._sleep(_SPIN_CYCLES)
        return
    import cupy

    kernel = cupy.RawKernel(
        r"""extern "C" __global__ void spin(long long cycles) {
            const long long start = clock64();
            while (clock64() - start < cycles) {}
        }""",
        "spin",
    )
    kernel((1,), (1,), (np.int64(_SPIN_CYCLES),))


def _queued_gpu_ms(step: object, b: Backend, steps: int) -> tuple[float, bool]:
    """GPU milliseconds per step of ``steps`` steps queued behind a spin kernel, and whether the host finished
    enqueueing them before the spin ended (else the figure includes host time)."""
    b.sync()
    _spin(b.lib)
    begin, finish = b.lib.cuda.Event(enable_timing=True), b.lib.cuda.Event(enable_timing=True)
    begin.record()
    for _ in range(steps):
        step()  # type: ignore[operator]
    finish.record()
    ahead = not begin.query()
    b.sync()
    return begin.elapsed_time(finish) / steps, ahead


def _print_queued(w: Any, tocha_step: object, steps: int) -> None:
    """The queued GPU time per step of tocha's ``tocha_step`` and, where PyTorch has CUDA, of PyTorch's step."""
    figures = [("tocha", *_queued_gpu_ms(tocha_step, Backend(tocha, "cuda"), steps))]
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None and torch.cuda.is_available():
        b = Backend(torch, "cuda")
        step = _warm_step(b, w, np.random.default_rng(0))
        host = _timed(step, b, 10, sync=False)
        figures.append(("torch", *_queued_gpu_ms(step, b, steps)))
        print(f"-- torch: host enqueue {host * 1e3:.3f} ms")
        step = None  # type: ignore[assignment]
        b.free()
    parts = [f"{name} {ms:.3f} ms" + ("" if ahead else " (host not ahead: includes host time)")
             for name, ms, ahead in figures]  # fmt: skip
    print("-- queued GPU per step: " + ", ".join(parts))


def _print_op_times(step: object, b: Backend, steps: int) -> None:
    """GPU milliseconds per step spent in each op's forward, by op name (CUDA events around each forward)."""
    import cupy

    from tocha._dispatch import registered_ops

    events: list[tuple[str, Any, Any]] = []
    originals: list[tuple[Any, Any]] = []

    def timed(name: str, forward: Any) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            start, end = cupy.cuda.Event(), cupy.cuda.Event()
            start.record()
            out = forward(*args, **kwargs)
            end.record()
            events.append((name, start, end))
            return out

        return run

    for record in registered_ops().values():
        originals.append((record, record.forward))
        object.__setattr__(record, "forward", timed(record.name, record.forward))
    try:
        b.sync()
        begin, finish = cupy.cuda.Event(), cupy.cuda.Event()
        begin.record()
        for _ in range(steps):
            step()  # type: ignore[operator]
        finish.record()
        b.sync()
    finally:
        for record, forward in originals:
            object.__setattr__(record, "forward", forward)
    totals: dict[str, list[float]] = {}
    for name, start, end in events:
        totals.setdefault(name, []).append(cupy.cuda.get_elapsed_time(start, end))
    whole = cupy.cuda.get_elapsed_time(begin, finish) / steps
    in_ops = sum(sum(v) for v in totals.values()) / steps
    print(f"-- GPU per step: {whole:.3f} ms in all, {in_ops:.3f} ms inside op forwards (events)")
    for name, times in sorted(totals.items(), key=lambda kv: -sum(kv[1]))[:30]:
        print(f"   {name:32s} {sum(times) / steps:8.3f} ms  {len(times) // steps:4d} calls")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--steps", type=int, default=10, help="profiled steps per workload")
    parser.add_argument("--top", type=int, default=25, help="functions listed per workload")
    parser.add_argument("--ops", action="store_true", help="also time each op's forward on the GPU with events")
    parser.add_argument("--sort", default="tottime", help="cProfile sort key (tottime, cumulative...)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if not tocha.cuda.is_available():
        print("no CUDA for tocha: nothing to profile")
        return 0
    b = Backend(tocha, "cuda")
    rng = np.random.default_rng(0)
    for w in STEPS:
        step = _warm_step(b, w, rng)
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
        stats.sort_stats(args.sort).print_stats(args.top)
        print(f"== {w.name}: step {full * 1e3:.3f} ms, host enqueue {host * 1e3:.3f} ms")
        _print_queued(w, step, args.steps)
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:20000])
        if args.ops:
            _print_op_times(step, b, args.steps)
        step = None  # type: ignore[assignment]
        b.free()
    return 0


if __name__ == "__main__":
    sys.exit(main())
