"""Training-step time of four small models (MLP, CNN, Transformer encoder layer, LSTM): tocha against PyTorch
in one process, float32, CPU, default threads.

Each workload is one full step: forward, loss, backward, optimizer step (gradients zeroed with
``set_to_none``). The model code is written once against a library module (``lib.nn.Linear`` ...) and built
for both libraries; PyTorch's initial weights are copied into tocha. The two libraries are timed in
alternation, repeat by repeat, so that load on the machine affects both alike.

Targets (issue 4): MLP ≤ 1.0x, CNN ≤ 1.0x, Transformer ≤ 1.2x, LSTM ≤ 1.5x PyTorch.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from common import format_seconds, optional_torch, print_table, ratio

import tocha
import tocha.nn
import tocha.optim

REPEAT = 15
NUMBER = 3
WARMUP = 3


def mlp(lib: Any) -> tuple[Any, Callable[..., Any], Callable[[Any], Any]]:
    """MLP 784-512-256-10 (Linear/ReLU), cross-entropy, SGD(momentum=0.9); batch 128."""
    nn = lib.nn
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))
    loss_fn = nn.CrossEntropyLoss()
    return model, loss_fn, lambda params: lib.optim.SGD(params, lr=0.01, momentum=0.9)


def cnn(lib: Any) -> tuple[Any, Callable[..., Any], Callable[[Any], Any]]:
    """Conv(1→32)-ReLU-Pool-Conv(32→64)-ReLU-Pool-Linear(3136→128)-ReLU-Linear(128→10), cross-entropy, Adam."""
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
    loss_fn = nn.CrossEntropyLoss()
    return model, loss_fn, lambda params: lib.optim.Adam(params, lr=1e-3)


def transformer(lib: Any) -> tuple[Any, Callable[..., Any], Callable[[Any], Any]]:
    """TransformerEncoderLayer(128, 4, 256, dropout=0, batch_first), loss = mean of squares, AdamW."""
    model = lib.nn.TransformerEncoderLayer(d_model=128, nhead=4, dim_feedforward=256, dropout=0.0, batch_first=True)
    return model, lambda out, _target: out.pow(2).mean(), lambda params: lib.optim.AdamW(params, lr=1e-3)


class _LastStep:
    """Wraps an LSTM so the model's output is the last time step's hidden output (batch_first)."""

    def __init__(self, lstm: Any) -> None:
        self.lstm = lstm

    def __call__(self, x: Any) -> Any:
        out, _ = self.lstm(x)
        return out[:, -1]

    def parameters(self) -> Any:
        return self.lstm.parameters()

    def state_dict(self) -> Any:
        return self.lstm.state_dict()

    def load_state_dict(self, state: Any) -> Any:
        return self.lstm.load_state_dict(state)


def lstm(lib: Any) -> tuple[Any, Callable[..., Any], Callable[[Any], Any]]:
    """LSTM(64, 128, batch_first) over 50 steps, loss = mean of squares of the last output, SGD."""
    model = _LastStep(lib.nn.LSTM(64, 128, batch_first=True))
    return model, lambda out, _target: out.pow(2).mean(), lambda params: lib.optim.SGD(params, lr=0.01)


# name, builder, input shape, classes of the target (None: no target), target ratio
WORKLOADS: list[tuple[str, Callable[[Any], Any], tuple[int, ...], int | None, float]] = [
    ("MLP 784-512-256-10, batch 128, SGD momentum", mlp, (128, 784), 10, 1.0),
    ("CNN 2 conv + 2 linear, batch 64x1x28x28, Adam", cnn, (64, 1, 28, 28), 10, 1.0),
    ("TransformerEncoderLayer 128/4/256, 16x64, AdamW", transformer, (16, 64, 128), None, 1.2),
    ("LSTM(64, 128), batch 32 x 50 steps, SGD", lstm, (32, 50, 64), None, 1.5),
]


def step_workload(
    lib: Any, build: Callable[[Any], Any], x: np.ndarray, y: np.ndarray | None, state: dict[str, Any] | None
) -> tuple[Callable[[], Any], dict[str, Any]]:
    """One training step of ``build(lib)``'s model on ``x`` (weights from ``state`` when given)."""
    model, loss_fn, make_opt = build(lib)
    if state is not None:
        model.load_state_dict({k: lib.tensor(v) for k, v in state.items()})
    opt = make_opt(list(model.parameters()))
    inputs = lib.tensor(x)
    target = lib.tensor(y) if y is not None else None

    def step() -> Any:
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(inputs), target)
        loss.backward()
        opt.step()
        return loss

    weights = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    return step, weights


def interleaved(ours: Callable[[], Any], theirs: Callable[[], Any] | None) -> tuple[float, float | None]:
    """Medians of ``ours`` and ``theirs`` timed in alternation (so a busy machine slows both alike)."""
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(WARMUP):
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


def filter_args(argv: list[str]) -> list[str]:
    """``argv`` less the options meant for other bench scripts: ``--device X`` / ``--device=X`` (bench_gpu.py's)
    and any other ``--flag``; this script always runs its CPU set."""
    kept: list[str] = []
    skip_value = False
    for arg in argv:
        if skip_value:
            skip_value = False
        elif arg == "--device":
            skip_value = True
        elif not arg.startswith("-"):
            kept.append(arg)
    return kept


def main() -> None:
    torch = optional_torch()
    rng = np.random.default_rng(0)
    rows = []
    # optional filters (`bench_nn.py cnn lstm`); arguments that match no workload are ignored (nox passes the
    # same arguments to every bench script)
    wanted = [a.lower() for a in filter_args(sys.argv[1:]) if any(a.lower() in w[0].lower() for w in WORKLOADS)]
    for name, build, shape, classes, target in WORKLOADS:
        if wanted and not any(w in name.lower() for w in wanted):
            continue
        x = rng.standard_normal(shape, dtype=np.float32)
        y = rng.integers(0, classes, shape[0]) if classes is not None else None
        if torch is not None:
            torch.manual_seed(0)
            theirs, weights = step_workload(torch, build, x, y, None)
        else:
            theirs, weights = None, None
        try:
            ours, _ = step_workload(tocha, build, x, y, weights)
            mine, other = interleaved(ours, theirs)
        except (AttributeError, NotImplementedError, TypeError) as exc:
            rows.append([name, f"missing ({type(exc).__name__}: {exc})", "-", "-", f"≤ {target:.1f}x"])
            continue
        rows.append([name, format_seconds(mine), format_seconds(other), ratio(mine, other), f"≤ {target:.1f}x"])
    if torch is not None:
        print(f"torch intra-op threads: {torch.get_num_threads()}")
    note = "" if torch else " (PyTorch not installed)"
    title = f"nn training step (forward, loss, backward, optimizer step), float32 CPU, median of {REPEAT} x {NUMBER}"
    print_table(title + note, ["workload", "tocha", "torch", "tocha/torch", "target"], rows)


if __name__ == "__main__":
    main()
