"""Import cost: wall time and peak RSS of ``python -c "import tocha"`` against ``import torch`` and ``import numpy``.

Each sample is a fresh interpreter; peak RSS comes from ``os.wait4``'s resource usage of that child alone.
Targets (issue 2): tocha ≤ 0.15 s and ≤ 40 MB with only tocha-tensor-core installed.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

from common import format_seconds, print_table, ratio

RUNS = 7


def measure(statement: str) -> tuple[float, float] | None:
    """Median wall seconds and median peak RSS (MB) of ``python -c statement``; None when it fails."""
    times: list[float] = []
    peaks: list[float] = []
    for _ in range(RUNS):
        start = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-c", statement], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            return None
        times.append(elapsed)
        peaks.append(usage.ru_maxrss / 1024)  # kilobytes on Linux
    return statistics.median(times), statistics.median(peaks)


def main() -> None:
    results = {
        name: measure(statement)
        for name, statement in [
            ("python -c pass", "pass"),
            ("import numpy", "import numpy"),
            ("import tocha", "import tocha"),
            ("import torch", "import torch"),
        ]
    }
    tocha = results["import tocha"]
    rows = []
    for name, result in results.items():
        if result is None:
            rows.append([name, "not installed", "-", "-", "-"])
            continue
        seconds, megabytes = result
        rows.append(
            [
                name,
                format_seconds(seconds),
                f"{megabytes:.1f} MB",
                ratio(tocha[0], seconds) if tocha else "-",
                ratio(tocha[1], megabytes) if tocha else "-",
            ]
        )
    print_table(
        f"Import cost (median of {RUNS} fresh interpreters)",
        ["command", "wall", "peak RSS", "tocha/this time", "tocha/this RSS"],
        rows,
    )


if __name__ == "__main__":
    main()
