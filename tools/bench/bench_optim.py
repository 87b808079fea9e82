"""Optimizer step time: Adam over 1 M float32 parameters in 100 tensors (and a few other optimizers), tocha's
multi-tensor path against PyTorch's foreach path, in one process.
The two libraries are timed in alternation, repeat by repeat, so that load on the machine affects both alike.

Target (issue 5): tocha's Adam step ≤ 1.0x PyTorch's foreach Adam.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from common import format_seconds, optional_torch, print_table, ratio

import tocha
import tocha.optim

TENSORS = 100
TOTAL = 1_000_000
REPEAT = 11
NUMBER = 3

CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("Adam", "Adam", {"lr": 1e-3}),
    ("Adam amsgrad+wd", "Adam", {"lr": 1e-3, "amsgrad": True, "weight_decay": 1e-2}),
    ("AdamW", "AdamW", {"lr": 1e-3}),
    ("SGD momentum", "SGD", {"lr": 1e-2, "momentum": 0.9}),
    ("RMSprop", "RMSprop", {"lr": 1e-3}),
    ("Adagrad", "Adagrad", {"lr": 1e-2}),
]


def step_workload(lib: Any, name: str, options: dict[str, Any], foreach: bool | None) -> Callable[[], Any]:
    """One optimizer step over TENSORS float32 tensors holding TOTAL elements in all (grads already set)."""
    rng = np.random.default_rng(0)
    size = TOTAL // TENSORS
    params = []
    for _ in range(TENSORS):
        p = lib.tensor(rng.standard_normal(size, dtype=np.float32), requires_grad=True)
        p.grad = lib.tensor(rng.standard_normal(size, dtype=np.float32))
        params.append(p)
    opt = getattr(lib.optim, name)(params, **options, foreach=foreach)
    opt.step()  # create the state outside the timing
    return opt.step


def interleaved(ours: Callable[[], Any], theirs: Callable[[], Any] | None) -> tuple[float, float | None]:
    """Medians of ``ours`` and ``theirs`` timed in alternation (so a busy machine slows both alike)."""
    samples: tuple[list[float], list[float]] = ([], [])
    for fn in (ours, theirs):
        if fn is not None:
            fn()
    for _ in range(REPEAT):
        for fn, out in ((ours, samples[0]), (theirs, samples[1])):
            if fn is None:
                continue
            start = time.perf_counter()
            for _ in range(NUMBER):
                fn()
            out.append((time.perf_counter() - start) / NUMBER)
    return statistics.median(samples[0]), statistics.median(samples[1]) if samples[1] else None


def main() -> None:
    torch = optional_torch()
    rows = []
    for label, name, options in CASES:
        for foreach in (True, False):
            ours = step_workload(tocha, name, options, foreach)
            theirs = step_workload(torch, name, options, foreach) if torch is not None else None
            mine, other = interleaved(ours, theirs)
            rows.append([f"{label} foreach={foreach}", format_seconds(mine), format_seconds(other), ratio(mine, other)])
    if torch is not None:
        print(f"torch intra-op threads: {torch.get_num_threads()}")
    title = f"Optimizer step, {TOTAL:,} float32 parameters in {TENSORS} tensors (median of {REPEAT})"
    print_table(title, ["case", "tocha", "torch", "tocha/torch"], rows)


if __name__ == "__main__":
    main()
