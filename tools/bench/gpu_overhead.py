"""Host microseconds per call (no synchronisation inside the loop) of a few ops: CuPy alone, tocha, PyTorch."""

from __future__ import annotations

import time

import cupy
import numpy as np

import tocha

try:
    import torch
except ImportError:
    torch = None


def per_call(fn, sync, n: int = 2000) -> float:
    for _ in range(50):
        fn()
    sync()
    start = time.perf_counter()
    for _ in range(n):
        fn()
    host = (time.perf_counter() - start) / n
    sync()
    return host * 1e6


def main() -> None:
    rows = []
    a_np = np.random.default_rng(0).standard_normal((256, 256), dtype=np.float32)
    ca, cb = cupy.asarray(a_np), cupy.asarray(a_np)
    ta, tb = tocha.from_numpy(a_np).cuda(), tocha.from_numpy(a_np).cuda()
    tw = tocha.from_numpy(a_np).cuda().requires_grad_()
    cs = cupy.cuda.Device().synchronize
    ts = tocha.cuda.synchronize
    rows.append(("add 256x256", per_call(lambda: ca + cb, cs), per_call(lambda: ta + tb, ts)))
    rows.append(("mul scalar", per_call(lambda: ca * 2.0, cs), per_call(lambda: ta * 2.0, ts)))
    rows.append(("sum", per_call(lambda: ca.sum(), cs), per_call(lambda: ta.sum(), ts)))
    rows.append(("matmul 256", per_call(lambda: ca @ cb, cs), per_call(lambda: ta @ tb, ts)))
    rows.append(("exp", per_call(lambda: cupy.exp(ca), cs), per_call(lambda: ta.exp(), ts)))
    rows.append(("add, grad on", per_call(lambda: ca + cb, cs), per_call(lambda: tw + tb, ts)))
    rows.append(("matmul, grad on", per_call(lambda: ca @ cb, cs), per_call(lambda: tw @ tb, ts)))
    if torch is not None:
        xa = torch.from_numpy(a_np).cuda()
        xw = xa.clone().requires_grad_()
        xs = torch.cuda.synchronize
        extra = [
            per_call(lambda: xa + xa, xs),
            per_call(lambda: xa * 2.0, xs),
            per_call(lambda: xa.sum(), xs),
            per_call(lambda: xa @ xa, xs),
            per_call(lambda: xa.exp(), xs),
            per_call(lambda: xw + xa, xs),
            per_call(lambda: xw @ xa, xs),
        ]
    else:
        extra = [float("nan")] * len(rows)
    print(f"{'op':18s} {'cupy us':>9s} {'tocha us':>9s} {'torch us':>9s}")
    for (name, c, t), x in zip(rows, extra, strict=True):
        print(f"{name:18s} {c:9.2f} {t:9.2f} {x:9.2f}")


if __name__ == "__main__":
    main()
