"""GPU time of each convolution and max-pool call in bench_gpu.py's CNN step: tocha's fused kernels, tocha's
generic path and PyTorch (cuDNN), side by side: a diagnostic for NOTE [ Fused convolution kernels ], not a benchmark.

For each of the CNN's convolutions at batch 512 (1->32 on 28x28, 32->64 on 14x14, 3x3, padding 1), the forward,
the input gradient (a transposed convolution) and the weight gradient, and for its 2x2 max pools the forward with
indices and the backward (fused kernels only), each the median of ``--repeat`` runs timed with CUDA events. Run
on a GPU machine: ``python tools/bench/conv_gpu.py`` (from tools/bench).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

import tocha
import tocha.cuda
from tocha.nn.functional import _conv

LAYERS = [
    ("conv 1->32, 28x28", (512, 1, 28, 28), (32, 1, 3, 3)),
    ("conv 32->64, 14x14", (512, 32, 14, 14), (64, 32, 3, 3)),
]


def _gpu_ms(fn: Callable[[], Any], repeat: int) -> float:
    import cupy

    fn()
    samples = []
    for _ in range(repeat):
        start, end = cupy.cuda.Event(), cupy.cuda.Event()
        start.record()
        fn()
        end.record()
        end.synchronize()
        samples.append(cupy.cuda.get_elapsed_time(start, end))
    return statistics.median(samples)


def _tocha_calls(xp: Any, x: Any, w: Any, b: Any, gy: Any) -> dict[str, Callable[[], Any]]:
    one, zero, pad = (1, 1), (0, 0), (1, 1)
    return {
        "forward": lambda: _conv._convolution_forward(xp, x, w, b, one, pad, one, 1, False, zero),
        "input grad": lambda: _conv._convolution_forward(xp, gy, w, None, one, pad, one, 1, True, zero),
        "weight grad": lambda: _conv._convolution_weight_forward(xp, x, gy, tuple(w.shape), one, pad, one, 1),
    }


def _torch_calls(torch: Any, x: Any, w: Any, b: Any, gy: Any) -> dict[str, Callable[[], Any]]:
    grad = torch.ops.aten.convolution_backward
    common = ([w.shape[0]], [1, 1], [1, 1], [1, 1], False, [0, 0], 1)
    return {
        "forward": lambda: torch.nn.functional.conv2d(x, w, b, padding=1),
        "input grad": lambda: grad(gy, x, w, *common, [True, False, False]),
        "weight grad": lambda: grad(gy, x, w, *common, [False, True, False]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if not tocha.cuda.is_available():
        print("no CUDA for tocha: nothing to time")
        return 0
    import cupy

    try:
        import torch
    except ImportError:
        torch = None
    rng = np.random.default_rng(0)
    print(f"{'layer / call':42s} {'fused':>9s} {'generic':>9s} {'torch':>9s}  (GPU ms, median of {args.repeat})")
    for name, x_shape, w_shape in LAYERS:
        host = [rng.standard_normal(s, dtype=np.float32) for s in (x_shape, w_shape, (w_shape[0],))]
        x, w, b = (cupy.asarray(a) for a in host)
        gy = cupy.asarray(rng.standard_normal((x_shape[0], w_shape[0], *x_shape[2:]), dtype=np.float32))
        times: dict[str, list[str]] = {}
        for fused in ("1", "0"):
            os.environ["TOCHA_CUDA_FUSED"] = fused
            for call, fn in _tocha_calls(cupy, x, w, b, gy).items():
                times.setdefault(call, []).append(f"{_gpu_ms(fn, args.repeat):9.3f}")
        os.environ.pop("TOCHA_CUDA_FUSED")
        if torch is not None and torch.cuda.is_available():
            gy_host = cupy.asnumpy(gy)
            for call, fn in _torch_calls(torch, *(torch.from_numpy(a).cuda() for a in (*host, gy_host))).items():
                times[call].append(f"{_gpu_ms(fn, args.repeat):9.3f}")
        for call, row in times.items():
            print(f"{name + ', ' + call:42s} {' '.join(row)}")
    for name, shape in POOLS:
        x_host = rng.standard_normal(shape, dtype=np.float32)
        rows = _pool_rows(cupy, cupy.asarray(x_host), args.repeat)
        if rows and torch is not None and torch.cuda.is_available():
            for call, ms in _torch_pool_rows(torch, torch.from_numpy(x_host).cuda(), args.repeat).items():
                rows[call].append(f"{ms:9.3f}")
        for call, row in rows.items():
            print(f"{name + ', ' + call:42s} {' '.join(row)}")
    return 0


POOLS = [("max pool 2x2, 32x28x28", (512, 32, 28, 28)), ("max pool 2x2, 64x14x14", (512, 64, 14, 14))]


def _pool_rows(cupy: Any, x: Any, repeat: int) -> dict[str, list[str]]:
    """The fused max-pool kernels' GPU ms (NOTE [ Fused max-pool kernels ]); no generic column."""
    from tocha.nn.functional import _cuda_pool_kernels as pool

    two = (2, 2)
    result = pool.max_pool2d(cupy, x, two, two, (0, 0), (1, 1), (x.shape[2] // 2, x.shape[3] // 2))
    if result is None:  # the fused kernels are off (TOCHA_CUDA_FUSED=0, or the CuPy stand-in)
        return {}
    values, indices = result
    gy = cupy.ones_like(values)
    calls = {
        "forward": lambda: pool.max_pool2d(cupy, x, two, two, (0, 0), (1, 1), values.shape[2:]),
        "backward": lambda: pool.max_pool2d_backward(cupy, gy, indices, x.shape[2:], two, two, (0, 0), (1, 1)),
    }
    return {call: [f"{_gpu_ms(fn, repeat):9.3f}", f"{'-':>9s}"] for call, fn in calls.items()}


def _torch_pool_rows(torch: Any, x: Any, repeat: int) -> dict[str, float]:
    values, indices = torch.nn.functional.max_pool2d(x, 2, return_indices=True)
    gy = torch.ones_like(values)
    grad = torch.ops.aten.max_pool2d_with_indices_backward
    calls = {
        "forward": lambda: torch.nn.functional.max_pool2d(x, 2, return_indices=True),
        "backward": lambda: grad(gy, x, [2, 2], [2, 2], [0, 0], [1, 1], False, indices),
    }
    return {call: _gpu_ms(fn, repeat) for call, fn in calls.items()}


if __name__ == "__main__":
    sys.exit(main())
