"""Small-op overhead: µs per op (median) of ``a + b``, ``a * 2.0``, ``a.sum()``, ``a[1:3]`` on 64 float32, no grad.

Target (issue 2): ≤ 2 µs per op, at or below PyTorch's eager overhead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from common import compare, optional_torch, print_table

import tocha

NUMBER = 20_000
REPEAT = 9


def workloads(lib: Any, a: Any, b: Any) -> dict[str, Callable[[], Any]]:
    """The four small ops on ``a`` and ``b`` of library ``lib``."""
    return {
        "a + b": lambda: a + b,
        "a * 2.0": lambda: a * 2.0,
        "a.sum()": lambda: a.sum(),
        "a[1:3]": lambda: a[1:3],
    }


def main() -> None:
    data = np.random.default_rng(0).standard_normal((2, 64)).astype(np.float32)
    ours = workloads(tocha, tocha.tensor(data[0]), tocha.tensor(data[1]))
    torch = optional_torch()
    theirs = workloads(torch, torch.tensor(data[0]), torch.tensor(data[1])) if torch else {}
    rows = []
    for name, workload in ours.items():
        try:
            workload()
        except (AttributeError, NotImplementedError, TypeError) as exc:
            rows.append([name, f"missing ({type(exc).__name__})", "-", "-"])
            continue
        rows.append(compare(name, workload, theirs.get(name), repeat=REPEAT, number=NUMBER))
    note = "" if torch else " (PyTorch not installed)"
    print_table(
        f"Small ops on 64 float32, per op (median of {REPEAT} x {NUMBER}){note}",
        ["op", "tocha", "torch", "tocha/torch"],
        rows,
    )


if __name__ == "__main__":
    main()
