"""Large ops: matmul 2048x2048 float32, sum and exp over 10^7 float32; tocha against NumPy (and PyTorch).

Target (issue 2): tocha reaches ≥ 0.95x NumPy's throughput (NumPy time / tocha time), i.e. makes no copy NumPy
would not make.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from common import format_seconds, median_seconds, optional_torch, print_table, ratio

import tocha

REPEAT = 5


def main() -> None:
    rng = np.random.default_rng(0)
    m1 = rng.standard_normal((2048, 2048), dtype=np.float32)
    m2 = rng.standard_normal((2048, 2048), dtype=np.float32)
    v = rng.standard_normal(10**7, dtype=np.float32)
    torch = optional_torch()
    t1, t2, tv = tocha.from_numpy(m1), tocha.from_numpy(m2), tocha.from_numpy(v)
    cases: list[tuple[str, Callable[[], Any], Callable[[], Any], Callable[[], Any] | None]] = [
        ("matmul 2048² f32", lambda: t1 @ t2, lambda: m1 @ m2, None),
        ("sum 1e7 f32", lambda: tv.sum(), lambda: v.sum(), None),
        ("exp 1e7 f32", lambda: tocha.exp(tv), lambda: np.exp(v), None),
    ]
    if torch is not None:
        p1, p2, pv = torch.from_numpy(m1), torch.from_numpy(m2), torch.from_numpy(v)
        fns = [lambda: p1 @ p2, lambda: pv.sum(), lambda: torch.exp(pv)]
        cases = [(name, ours, numpy, fn) for (name, ours, numpy, _), fn in zip(cases, fns, strict=True)]
    rows = []
    for name, ours, numpy, theirs in cases:
        numpy_time = median_seconds(numpy, repeat=REPEAT)
        torch_time = median_seconds(theirs, repeat=REPEAT) if theirs else None
        try:
            ours()
        except (AttributeError, NotImplementedError, TypeError) as exc:
            rows.append(
                [
                    name,
                    f"missing ({type(exc).__name__})",
                    format_seconds(numpy_time),
                    format_seconds(torch_time),
                    "-",
                    "-",
                ]
            )
            continue
        tocha_time = median_seconds(ours, repeat=REPEAT)
        rows.append(
            [
                name,
                format_seconds(tocha_time),
                format_seconds(numpy_time),
                format_seconds(torch_time),
                ratio(numpy_time, tocha_time),
                ratio(torch_time, tocha_time),
            ]
        )
    header = ["op", "tocha", "numpy", "torch", "tocha throughput / numpy", "tocha throughput / torch"]
    print_table(f"Large ops (median of {REPEAT})", header, rows)


if __name__ == "__main__":
    main()
