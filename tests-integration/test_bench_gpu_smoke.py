"""``tools/bench/bench_gpu.py --smoke --device cuda`` runs every GPU workload end to end, on tools/fake_cupy.

The GPU benchmark set (``nox -s bench -- --device cuda``) can only be timed on a real GPU; this runs its code
paths with tiny shapes against the NumPy stand-in for CuPy, so a broken workload shows up without one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_gpu_benchmark_set_runs_on_the_cuda_device() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tools" / "fake_cupy"))
    done = subprocess.run(
        [sys.executable, "bench_gpu.py", "--smoke", "--device", "cuda"],
        cwd=ROOT / "tools" / "bench",
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "cuda smoke run" in done.stdout
    rows = [line for line in done.stdout.splitlines() if line.startswith(("MLP", "CNN", "Transformer", "matmul"))]
    assert len(rows) == 5, done.stdout
    assert not any("failed" in row for row in rows), done.stdout
