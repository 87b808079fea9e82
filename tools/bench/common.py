"""A tiny benchmark harness: time a workload in-process, on tocha and (when importable) PyTorch, and print a table.

Timings are medians over repeats; nothing here is asserted (ARCHITECTURE.md §5). Each ``bench_*.py`` script
imports this module from its own folder.
"""

from __future__ import annotations

import importlib
import json
import os
import statistics
import time
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any


def optional_torch() -> ModuleType | None:
    """PyTorch when it is installed (the comparison baseline), else None."""
    try:
        return importlib.import_module("torch")
    except ImportError:
        return None


def median_seconds(workload: Callable[[], Any], *, repeat: int = 7, number: int = 1, warmup: int = 1) -> float:
    """The median over ``repeat`` runs of the time one call of ``workload`` takes (each run times ``number`` calls)."""
    for _ in range(warmup):
        workload()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            workload()
        samples.append((time.perf_counter() - start) / number)
    return statistics.median(samples)


def format_seconds(seconds: float | None) -> str:
    """``seconds`` in a readable unit (ns, µs, ms or s); '-' when missing."""
    if seconds is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def ratio(numerator: float | None, denominator: float | None) -> str:
    """``numerator / denominator`` as ``1.23x``; '-' when either is missing."""
    if numerator is None or denominator is None or denominator == 0:
        return "-"
    return f"{numerator / denominator:.2f}x"


RESULTS_ENV = "TOCHA_BENCH_RESULTS"  # a JSON-lines file every table is appended to (``nox -s bench`` sets it)


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Print ``rows`` under ``header`` as an aligned plain-text table (and record it, see ``RESULTS_ENV``)."""
    results = os.environ.get(RESULTS_ENV)
    if results:
        with open(results, "a", encoding="utf-8") as out:
            out.write(json.dumps({"title": title, "header": list(header), "rows": [list(map(str, r)) for r in rows]}))
            out.write("\n")
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    line = "  ".join("-" * w for w in widths)
    print(f"\n{title}")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print(line)
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))


def compare(
    name: str,
    tocha_workload: Callable[[], Any] | None,
    torch_workload: Callable[[], Any] | None,
    *,
    repeat: int = 7,
    number: int = 1,
) -> list[str]:
    """Time one workload on tocha and PyTorch; the row ``[name, tocha, torch, tocha/torch]``.

    A workload of None (PyTorch absent, or an op tocha does not have yet) shows as '-'.
    """
    ours = median_seconds(tocha_workload, repeat=repeat, number=number) if tocha_workload else None
    theirs = median_seconds(torch_workload, repeat=repeat, number=number) if torch_workload else None
    return [name, format_seconds(ours), format_seconds(theirs), ratio(ours, theirs)]
