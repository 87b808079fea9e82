"""``linear_cross_entropy`` forward + backward, N=4096, in_features=512, C=32000, float32, CPU: tocha's chunked
and reference paths against PyTorch's (time and peak memory).

Each (library, path) runs in its own child process, so that peak memory is not inherited from an earlier run:
"peak RSS" is the growth of the process's peak resident set size (VmHWM, reset just before the step) over
its resident size then (it covers NumPy and PyTorch alike); "tracemalloc" is the peak of NumPy allocations seen by
tracemalloc (tocha only). The first step is the one measured for memory; the time is the median of the next
``REPEAT`` steps. The chunked path uses ``LinearCrossEntropyOptions()`` (defaults) in both libraries.

Usage: ``python tools/bench/bench_linear_ce.py [N IN C]``.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from typing import Any

import numpy as np
from common import format_seconds, optional_torch, print_table, ratio

REPEAT = 3


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def _reset_peak_rss() -> None:
    """Reset the kernel's peak-RSS mark (VmHWM) to the current RSS (Linux >= 4.0)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def _max_rss_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _inputs(n: int, d: int, c: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    gen = np.random.default_rng(0)
    x = gen.standard_normal((n, d), dtype=np.float32)
    w = (gen.standard_normal((c, d), dtype=np.float32) / np.sqrt(d)).astype(np.float32)
    t = gen.integers(0, c, n)
    return x, w, t


def child(lib_name: str, path: str, n: int, d: int, c: int) -> dict[str, Any]:
    """Run in a child process: build inputs, measure one step's peak memory, then time ``REPEAT`` steps."""
    x_np, w_np, t_np = _inputs(n, d, c)
    if lib_name == "torch":
        import torch

        lib: Any = torch
        x = torch.from_numpy(x_np).requires_grad_()
        w = torch.from_numpy(w_np).requires_grad_()
        t = torch.from_numpy(t_np)
        options = torch.nn.LinearCrossEntropyOptions() if path == "chunked" else None
    else:
        import tocha
        import tocha.nn

        lib = tocha
        x = tocha.tensor(x_np, requires_grad=True)
        w = tocha.tensor(w_np, requires_grad=True)
        t = tocha.tensor(t_np)
        options = tocha.nn.LinearCrossEntropyOptions() if path == "chunked" else None
    fn = lib.nn.functional.linear_cross_entropy
    tiny = (lib.randn(4, 4, requires_grad=True), lib.randn(8, 4, requires_grad=True), lib.tensor([0, 1, 2, 3]))
    fn(*tiny, options=options).backward()  # loads the code paths, so that the measured growth is the step's

    def step() -> float:
        x.grad = None
        w.grad = None
        loss = fn(x, w, t, options=options)
        loss.backward()
        return float(loss)

    _reset_peak_rss()
    base = _rss_bytes()
    if lib_name == "tocha":
        tracemalloc.start()
    loss = step()
    traced = tracemalloc.get_traced_memory()[1] if lib_name == "tocha" else None
    tracemalloc.stop()
    peak = _max_rss_bytes() - base
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return {"time": statistics.median(times), "peak_rss": peak, "traced": traced, "loss": loss}


def _mib(b: int | None) -> str:
    return "-" if b is None else f"{b / 2**20:.0f} MiB"


def main() -> None:
    n, d, c = (int(a) for a in sys.argv[1:4]) if len(sys.argv) >= 4 else (4096, 512, 32000)
    libs = ["tocha"] + (["torch"] if optional_torch() is not None else [])
    results: dict[tuple[str, str], dict[str, Any]] = {}
    for lib_name in libs:
        for path in ("reference", "chunked"):
            out = subprocess.run(
                [sys.executable, __file__, "--child", lib_name, path, str(n), str(d), str(c)],
                check=True,
                capture_output=True,
                text=True,
            )
            results[lib_name, path] = json.loads(out.stdout.strip().splitlines()[-1])
    rows = []
    for path in ("reference", "chunked"):
        ours = results["tocha", path]
        theirs = results.get(("torch", path))
        rows.append(
            [
                path,
                format_seconds(ours["time"]),
                format_seconds(theirs["time"] if theirs else None),
                ratio(ours["time"], theirs["time"] if theirs else None),
                _mib(ours["peak_rss"]),
                _mib(theirs["peak_rss"] if theirs else None),
                _mib(ours["traced"]),
                f"{ours['loss']:.5f}" + (f" / {theirs['loss']:.5f}" if theirs else ""),
            ]
        )
    title = f"linear_cross_entropy fwd+bwd, N={n}, in={d}, C={c}, float32, CPU"
    header = ["path", "tocha", "torch", "tocha/torch", "tocha peak RSS", "torch peak RSS", "tocha tracemalloc", "loss"]
    print_table(title, header, rows)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        lib_arg, path_arg = sys.argv[2], sys.argv[3]
        sizes = [int(a) for a in sys.argv[4:7]]
        print(json.dumps(child(lib_arg, path_arg, *sizes)))
    else:
        main()
