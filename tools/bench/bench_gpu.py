"""The GPU set (issue 10, "Speed on the H100"): tocha against PyTorch CUDA in one process.

Runs only with ``--device cuda`` (``nox -s bench -- --device cuda``); without it this script prints nothing,
so the CPU run is unchanged. With ``--device cuda`` but no CUDA for tocha (CuPy missing, no GPU) it prints one
line saying the GPU set was skipped and why, and exits 0. When PyTorch is missing or has no CUDA, tocha runs
alone and the torch column shows '-'.

Workloads and targets (tocha / PyTorch):

- training step (forward, loss, backward, optimizer step; gradients zeroed with ``set_to_none``), float32:
  MLP 784-4096-4096-10 batch 4096, SGD: ≤ 1.2x; the CNN of issue 4 at batch 512, Adam: ≤ 1.5x;
  TransformerEncoderLayer d_model 512, 8 heads, dim_feedforward 2048, batch 32 x seq 256, AdamW: ≤ 1.5x.
- matmul 8192² float32 and bfloat16, TFLOP/s (higher is better): ≥ 0.9x PyTorch's.

Timing: each sample synchronises the device (``tocha.cuda.synchronize`` / ``torch.cuda.synchronize``), runs
the workload back to back, as a training loop does, synchronises again and reads the wall clock, so both the
queued GPU work and the host's launch overhead count. A sample is ``NUMBER`` calls or more: as many as make
``SAMPLE_SECONDS`` of the faster library's calls, the same count for both (a few calls of a 2 ms step would
weigh the idle GPU after each synchronisation, and the first call after the other library ran, with the CPU's
caches full of the other's code and data, as much as the steady state). The two libraries are timed in
alternation, sample by sample; medians of ``REPEAT`` samples after ``WARMUP`` untimed calls (which also pay for
kernel compilation and cuBLAS set-up).
The model code is written once against a library module (``lib.nn.Linear`` ...) and moved with
``.to(device)``; PyTorch's initial weights are copied into tocha. Both run with their defaults, which are the
same: float32 matmuls in full float32, float32 convolutions on TF32 tensor cores (``backends.cudnn.allow_tf32``).

``--smoke`` runs every workload once with tiny shapes (no timing worth reading): a check that the code paths
run end to end on tocha and PyTorch, on the CPU, or with ``--device cuda`` on the GPU (tools/fake_cupy stands
in for one: ``PYTHONPATH=tools/fake_cupy python tools/bench/bench_gpu.py --smoke --device cuda``).
"""

from __future__ import annotations

import argparse
import gc
import math
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from common import optional_torch, print_table, ratio

import tocha
import tocha.cuda
import tocha.nn
import tocha.optim

REPEAT = 15
NUMBER = 3  # calls per sample, at least ...
SAMPLE_SECONDS = 0.025  # ... and enough for this long (of the faster library's calls)
WARMUP = 3

Builder = Callable[[Any, "Sizes"], tuple[Any, Callable[[Any, Any], Any], Callable[[Any], Any]]]


@dataclass(frozen=True)
class Sizes:
    """The shapes of one run: issue 10's on the GPU, tiny ones for ``--smoke``."""

    mlp_hidden: int
    mlp_batch: int
    cnn_batch: int
    d_model: int
    nhead: int
    dim_feedforward: int
    tf_batch: int
    tf_seq: int
    matmul_n: int


FULL = Sizes(
    mlp_hidden=4096,
    mlp_batch=4096,
    cnn_batch=512,
    d_model=512,
    nhead=8,
    dim_feedforward=2048,
    tf_batch=32,
    tf_seq=256,
    matmul_n=8192,
)
SMOKE = Sizes(
    mlp_hidden=32, mlp_batch=8, cnn_batch=2, d_model=16, nhead=2, dim_feedforward=32, tf_batch=2, tf_seq=4, matmul_n=64
)


def mlp(lib: Any, s: Sizes) -> tuple[Any, Callable[[Any, Any], Any], Callable[[Any], Any]]:
    """MLP 784-H-H-10 (Linear/ReLU), cross-entropy, SGD."""
    nn = lib.nn
    h = s.mlp_hidden
    model = nn.Sequential(nn.Linear(784, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, 10))
    return model, nn.CrossEntropyLoss(), lambda params: lib.optim.SGD(params, lr=0.01)


def cnn(lib: Any, _s: Sizes) -> tuple[Any, Callable[[Any, Any], Any], Callable[[Any], Any]]:
    """Issue 4's CNN: Conv(1→32)-ReLU-Pool-Conv(32→64)-ReLU-Pool-Linear(3136→128)-ReLU-Linear(128→10), Adam."""
    nn = lib.nn
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(3136, 128),
        nn.ReLU(),
        nn.Linear(128, 10),
    )
    return model, nn.CrossEntropyLoss(), lambda params: lib.optim.Adam(params, lr=1e-3)


def transformer(lib: Any, s: Sizes) -> tuple[Any, Callable[[Any, Any], Any], Callable[[Any], Any]]:
    """TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout=0, batch_first), mean of squares, AdamW."""
    model = lib.nn.TransformerEncoderLayer(
        d_model=s.d_model, nhead=s.nhead, dim_feedforward=s.dim_feedforward, dropout=0.0, batch_first=True
    )
    return model, lambda out, _target: out.pow(2).mean(), lambda params: lib.optim.AdamW(params, lr=1e-3)


@dataclass(frozen=True)
class StepWorkload:
    name: str
    build: Builder
    shape: Callable[[Sizes], tuple[int, ...]]
    classes: int | None  # classes of the cross-entropy target; None: no target
    target: float  # tocha / torch time at most this


STEPS = [
    StepWorkload("MLP 784-4096-4096-10, batch 4096, SGD", mlp, lambda s: (s.mlp_batch, 784), 10, 1.2),
    StepWorkload("CNN (issue 4), batch 512x1x28x28, Adam", cnn, lambda s: (s.cnn_batch, 1, 28, 28), 10, 1.5),
    StepWorkload(
        "TransformerEncoderLayer 512/8/2048, 32x256, AdamW",
        transformer,
        lambda s: (s.tf_batch, s.tf_seq, s.d_model),
        None,
        1.5,
    ),
]
MATMUL_TARGET = 0.9  # tocha / torch TFLOP/s at least this


class Backend:
    """One library on one device: how to move data there and how to wait for it."""

    def __init__(self, lib: Any, device: str) -> None:
        self.lib = lib
        self.device = device
        self.cuda = device.startswith("cuda")

    def sync(self) -> None:
        if self.cuda:
            self.lib.cuda.synchronize()

    def put(self, array: np.ndarray, dtype: Any = None) -> Any:
        """``array`` as a tensor of this library on this device (cast to ``dtype`` there when given)."""
        t = self.lib.from_numpy(np.ascontiguousarray(array)).to(self.device)
        return t if dtype is None else t.to(dtype)

    def free(self) -> None:
        gc.collect()
        if self.cuda:
            self.lib.cuda.empty_cache()


def step_workload(
    b: Backend, w: StepWorkload, s: Sizes, x: np.ndarray, y: np.ndarray | None, state: dict[str, Any] | None
) -> tuple[Callable[[], Any], dict[str, np.ndarray]]:
    """One training step of ``w``'s model on ``x`` on ``b``'s device (weights from ``state`` when given).

    Returns the step and the model's initial weights as NumPy arrays (to copy into the other library).
    """
    model, loss_fn, make_opt = w.build(b.lib, s)
    if state is not None:
        model.load_state_dict({k: b.lib.from_numpy(v.copy()) for k, v in state.items()})
    weights = {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()}
    model = model.to(b.device)
    opt = make_opt(list(model.parameters()))
    inputs = b.put(x)
    target = b.put(y) if y is not None else None

    def step() -> Any:
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(inputs), target)
        loss.backward()
        opt.step()
        return loss

    return step, weights


def interleaved(
    ours: tuple[Backend, Callable[[], Any]], theirs: tuple[Backend, Callable[[], Any]] | None, *, smoke: bool
) -> tuple[float, float | None]:
    """Medians of the seconds one call of each workload takes, timed in alternation with device synchronisation."""
    pairs = [ours] if theirs is None else [ours, theirs]
    repeat, number, warmup = (1, 1, 0) if smoke else (REPEAT, NUMBER, WARMUP)
    samples: list[list[float]] = [[] for _ in pairs]
    for b, fn in pairs:
        for _ in range(warmup):
            fn()
        b.sync()
    if not smoke:
        number = max(number, math.ceil(SAMPLE_SECONDS / min(_one_call(b, fn) for b, fn in pairs)))
    for _ in range(repeat):
        for (b, fn), out in zip(pairs, samples, strict=True):
            b.sync()
            start = time.perf_counter()
            for _ in range(number):
                fn()
            b.sync()
            out.append((time.perf_counter() - start) / number)
    return statistics.median(samples[0]), statistics.median(samples[1]) if theirs is not None else None


def _one_call(b: Backend, fn: Callable[[], Any]) -> float:
    """Seconds of one synchronised call (at least a microsecond)."""
    b.sync()
    start = time.perf_counter()
    fn()
    b.sync()
    return max(time.perf_counter() - start, 1e-6)


def _same_loss(name: str, ours: Any, theirs: Any) -> None:
    """(``--smoke``) The first step's losses agree: the weights were copied and the model is the same."""
    a, b = float(ours.item()), float(theirs.item())
    if not np.isclose(a, b, rtol=1e-4, atol=1e-5):
        raise SystemExit(f"smoke: {name}: tocha's first loss {a!r} differs from PyTorch's {b!r}")


def _failed(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".splitlines()[0] if str(exc) else type(exc).__name__
    return f"failed ({text[:100]})"


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1e3:.3g} ms"


def run_steps(ours: Backend, theirs: Backend | None, s: Sizes, *, smoke: bool) -> list[list[str]]:
    rng = np.random.default_rng(0)
    rows = []
    for w in STEPS:
        shape = w.shape(s)
        x = rng.standard_normal(shape, dtype=np.float32)
        y = rng.integers(0, w.classes, shape[0]) if w.classes is not None else None
        their_step: tuple[Backend, Callable[[], Any]] | None = None
        our_step: Callable[[], Any] | None = None
        weights = None
        if theirs is not None:
            theirs.lib.manual_seed(0)
            their_fn, weights = step_workload(theirs, w, s, x, y, None)
            their_step = (theirs, their_fn)
            del their_fn
        try:
            our_step, _ = step_workload(ours, w, s, x, y, weights)
            if smoke and their_step is not None:
                _same_loss(w.name, our_step(), their_step[1]())
            mine, other = interleaved((ours, our_step), their_step, smoke=smoke)
        except Exception as exc:  # a missing op or a CUDA error on tocha's side: show it, run the rest
            rows.append([w.name, _failed(exc), "-", "-", f"≤ {w.target:.1f}x"])
        else:
            rows.append([w.name, _ms(mine), _ms(other), ratio(mine, other), f"≤ {w.target:.1f}x"])
        our_step = their_step = None  # drop the models and their device memory before the next workload
        for b in (ours, theirs):
            if b is not None:
                b.free()
    return rows


def _matmul(x: Any, y: Any) -> Callable[[], Any]:
    return lambda: x @ y


def run_matmuls(ours: Backend, theirs: Backend | None, s: Sizes, *, smoke: bool) -> list[list[str]]:
    rng = np.random.default_rng(1)
    n = s.matmul_n
    a = rng.standard_normal((n, n), dtype=np.float32)
    c = rng.standard_normal((n, n), dtype=np.float32)
    flop = 2.0 * n**3
    rows = []
    for label in ("float32", "bfloat16"):
        name = f"matmul {n}² {label}"
        their_mm: tuple[Backend, Callable[[], Any]] | None = None
        oa = oc = ta = tc = None
        if theirs is not None:
            ta, tc = theirs.put(a, getattr(theirs.lib, label)), theirs.put(c, getattr(theirs.lib, label))
            their_mm = (theirs, _matmul(ta, tc))
        try:
            oa, oc = ours.put(a, getattr(ours.lib, label)), ours.put(c, getattr(ours.lib, label))
            mine, other = interleaved((ours, _matmul(oa, oc)), their_mm, smoke=smoke)
        except Exception as exc:  # as in run_steps
            rows.append([name, _failed(exc), "-", "-", f"≥ {MATMUL_TARGET:.1f}x"])
        else:
            ours_tflops, their_tflops = flop / mine / 1e12, (flop / other / 1e12 if other else None)
            rows.append(
                [
                    name,
                    f"{ours_tflops:.3g} TFLOP/s",
                    "-" if their_tflops is None else f"{their_tflops:.3g} TFLOP/s",
                    ratio(ours_tflops, their_tflops),
                    f"≥ {MATMUL_TARGET:.1f}x",
                ]
            )
        oa = oc = ta = tc = their_mm = None  # free the operands before the next dtype
        for b in (ours, theirs):
            if b is not None:
                b.free()
    return rows


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--device", default="cpu", help="cuda runs the GPU set; anything else prints nothing")
    parser.add_argument("--smoke", action="store_true", help="tiny shapes, one call each (a code check)")
    # nox passes the same arguments to every bench script (bench_nn.py's workload filters, say): ignore the rest
    args, _ = parser.parse_known_args(argv)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    if args.smoke:  # on cuda when asked and available (tools/fake_cupy will do), else on the CPU
        on_cuda = args.device.split(":")[0] == "cuda" and tocha.cuda.is_available()
        device = args.device if on_cuda else "cpu"
        sizes, where = SMOKE, f"{'cuda' if on_cuda else 'CPU'} smoke run (tiny shapes, one call; timings meaningless)"
    elif args.device.split(":")[0] == "cuda":
        if not tocha.cuda.is_available():
            print("GPU set skipped: tocha.cuda.is_available() is False (CuPy missing or no NVIDIA GPU/driver)")
            return 0
        device, sizes = args.device, FULL
        where = tocha.cuda.get_device_name(device)
    else:
        return 0

    torch = optional_torch()
    if torch is not None and device != "cpu" and not torch.cuda.is_available():
        note = " (PyTorch has no CUDA: tocha alone)"
        torch = None
    else:
        note = "" if torch is not None else " (PyTorch not installed)"
    ours = Backend(tocha, device)
    theirs = Backend(torch, device) if torch is not None else None
    if torch is not None and device != "cpu":
        tf32 = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
        print(
            f"torch {torch.__version__} (CUDA {torch.version.cuda}), TF32 float32 matmul/conv: {tf32}; tocha: "
            f"{tocha.backends.cuda.matmul.allow_tf32, tocha.backends.cudnn.allow_tf32}"
        )
    header = ["workload", "tocha", "torch", "tocha/torch", "target"]
    runs = "one call" if args.smoke else f"median of {REPEAT} samples of {NUMBER}+ calls, {SAMPLE_SECONDS * 1e3:g}+ ms"
    print_table(
        f"GPU training step (forward, loss, backward, optimizer step), float32, {where}, {runs}{note}",
        header,
        run_steps(ours, theirs, sizes, smoke=args.smoke),
    )
    print_table(
        f"GPU matmul throughput, TFLOP/s (higher is better), {where}, {runs}{note}",
        header,
        run_matmuls(ours, theirs, sizes, smoke=args.smoke),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
