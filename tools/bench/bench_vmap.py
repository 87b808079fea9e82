"""``tocha.func.vmap``: per-sample gradients and a batched function, on tocha and (when importable) PyTorch.

No issue names a target; the table shows what the batched run (NOTE [ Batched vmap ] in tocha._vmap) buys over
the per-entry loop it falls back to, and how far it is from ``torch.func.vmap``:

* per-sample gradients: ``vmap(grad(loss), in_dims=(None, 0, 0))`` of a 64-128-10 MLP (tanh, cross-entropy,
  float32) over batches of 64 and 256 samples, and of the same MLP with dropout after the hidden layer under
  ``randomness='different'`` (each sample its own mask) over 64;
* per-sample gradients of a small CNN (conv 1->8 3x3, ReLU, max-pool 2, linear 1352->10) over 64 MNIST-sized
  images: the DP-SGD workload, a grouped convolution per layer;
* attention scores: ``vmap(lambda q: softmax(q @ q.T / 8) @ q)`` over 256 entries of 32 x 16;
* Jacobians of ``softmax(W2 tanh(W1 x))`` (64 -> 128 -> 10, float64): ``jacfwd`` (one batched forward over 64
  tangents, the tangents of linear and softmax through their double vjps), ``jacrev`` and ``hessian`` (of the
  first output: jacfwd over jacrev).

The "loop" row runs the same function once per entry in Python (what vmap did before it batched).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from common import compare, format_seconds, median_seconds, optional_torch, print_table

import tocha
import tocha.nn.functional as tocha_functional
from tocha.func import grad as tocha_grad
from tocha.func import vmap as tocha_vmap

IN, HIDDEN, OUT = 64, 128, 10
REPEAT = 7


def _arrays(batch: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "w1": rng.standard_normal((HIDDEN, IN), dtype=np.float32) / 8,
        "b1": np.zeros(HIDDEN, np.float32),
        "w2": rng.standard_normal((OUT, HIDDEN), dtype=np.float32) / 11,
        "b2": np.zeros(OUT, np.float32),
        "x": rng.standard_normal((batch, IN), dtype=np.float32),
        "y": rng.integers(0, OUT, batch),
    }


def per_sample_grads(lib: Any, batch: int, *, loop: bool = False, dropout: bool = False) -> Callable[[], Any]:
    a = {k: lib.from_numpy(v) for k, v in _arrays(batch).items()}
    params = (a["w1"], a["b1"], a["w2"], a["b2"])
    if lib is tocha:
        functional, grad, vmap = tocha_functional, tocha_grad, tocha_vmap
    else:
        functional, grad, vmap = lib.nn.functional, lib.func.grad, lib.func.vmap

    def loss(p: Any, x: Any, y: Any) -> Any:
        w1, b1, w2, b2 = p
        h = functional.linear(x, w1, b1).tanh()
        if dropout:
            h = functional.dropout(h, 0.5)
        return functional.cross_entropy(functional.linear(h, w2, b2), y)

    if loop:
        return lambda: [grad(loss)(params, a["x"][i], a["y"][i]) for i in range(batch)]
    batched = vmap(grad(loss), in_dims=(None, 0, 0), randomness="different" if dropout else "error")
    return lambda: batched(params, a["x"], a["y"])


def cnn_per_sample_grads(lib: Any, *, loop: bool = False) -> Callable[[], Any]:
    rng = np.random.default_rng(2)
    w = lib.from_numpy(rng.standard_normal((8, 1, 3, 3), dtype=np.float32) / 3)
    b = lib.from_numpy(np.zeros(8, np.float32))
    v = lib.from_numpy(rng.standard_normal((10, 8 * 13 * 13), dtype=np.float32) / 37)
    c = lib.from_numpy(np.zeros(10, np.float32))
    x = lib.from_numpy(rng.standard_normal((64, 1, 28, 28), dtype=np.float32))
    y = lib.from_numpy(rng.integers(0, 10, 64))
    if lib is tocha:
        functional, grad, vmap = tocha_functional, tocha_grad, tocha_vmap
    else:
        functional, grad, vmap = lib.nn.functional, lib.func.grad, lib.func.vmap

    def loss(p: Any, x: Any, y: Any) -> Any:
        w, b, v, c = p
        h = functional.max_pool2d(functional.relu(functional.conv2d(x.unsqueeze(0), w, b)), 2)
        return functional.cross_entropy(functional.linear(h.flatten(1), v, c), y.unsqueeze(0))

    params = (w, b, v, c)
    if loop:
        return lambda: [grad(loss)(params, x[i], y[i]) for i in range(64)]
    batched = vmap(grad(loss), in_dims=(None, 0, 0))
    return lambda: batched(params, x, y)


def attention(lib: Any, *, loop: bool = False) -> Callable[[], Any]:
    q = lib.from_numpy(np.random.default_rng(1).standard_normal((256, 32, 16), dtype=np.float32))

    def scores(r: Any) -> Any:
        return lib.softmax(r @ r.T / 8.0, dim=-1) @ r

    if loop:
        return lambda: [scores(q[i]) for i in range(q.shape[0])]
    vmap = tocha_vmap if lib is tocha else lib.func.vmap
    batched = vmap(scores)
    return lambda: batched(q)


def _jacobian_workload(lib: Any, transform: str, *, loop: bool = False) -> Callable[[], Any]:
    rng = np.random.default_rng(3)
    w1 = lib.from_numpy(rng.standard_normal((HIDDEN, IN)) / 8)
    w2 = lib.from_numpy(rng.standard_normal((OUT, HIDDEN)) / 11)
    x = lib.from_numpy(np.linspace(-1.0, 1.0, IN))
    functional = tocha_functional if lib is tocha else lib.nn.functional
    func = tocha.func if lib is tocha else lib.func

    def net(v: Any) -> Any:
        return functional.linear(functional.linear(v, w1).tanh(), w2).softmax(-1)

    if transform == "hessian":
        made = func.hessian(lambda v: net(v)[0])
    else:
        made = getattr(func, transform)(net)
    if not loop:
        return lambda: made(x)

    def per_element() -> Any:  # tocha's per-element fallback: one forward (backward) pass per column (row)
        saved = tocha.func._batched_columns, tocha.func._batched_vjp_rows
        tocha.func._batched_columns = tocha.func._batched_vjp_rows = lambda *args: None  # type: ignore[assignment]
        try:
            return made(x)
        finally:
            tocha.func._batched_columns, tocha.func._batched_vjp_rows = saved

    return per_element


def _quiet(workload: Callable[[], Any]) -> Callable[[], Any]:
    import warnings

    def run() -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # torch.func's forward mode warns about torch.jit
            return workload()

    return run


def main() -> None:
    torch = optional_torch()
    note = "" if torch else " (PyTorch not installed)"
    rows = []
    for batch in (64, 256):
        rows.append(
            compare(f"per-sample grads, batch {batch}", per_sample_grads(tocha, batch),
                    per_sample_grads(torch, batch) if torch else None, repeat=REPEAT)
        )  # fmt: skip
        looped = median_seconds(per_sample_grads(tocha, batch, loop=True), repeat=3)
        rows.append([f"  tocha loop, batch {batch}", format_seconds(looped), "-", "-"])
    rows.append(
        compare("per-sample grads with dropout, batch 64", per_sample_grads(tocha, 64, dropout=True),
                per_sample_grads(torch, 64, dropout=True) if torch else None, repeat=REPEAT)
    )  # fmt: skip
    looped = median_seconds(per_sample_grads(tocha, 64, loop=True, dropout=True), repeat=3)
    rows.append(["  tocha loop, with dropout", format_seconds(looped), "-", "-"])
    rows.append(compare("CNN per-sample grads, 64 x 28x28", cnn_per_sample_grads(tocha),
                        cnn_per_sample_grads(torch) if torch else None, repeat=REPEAT))  # fmt: skip
    looped = median_seconds(cnn_per_sample_grads(tocha, loop=True), repeat=3)
    rows.append(["  tocha loop, CNN", format_seconds(looped), "-", "-"])
    rows.append(compare("attention, 256 x (32, 16)", attention(tocha), attention(torch) if torch else None))
    looped = median_seconds(attention(tocha, loop=True), repeat=3)
    rows.append(["  tocha loop, attention", format_seconds(looped), "-", "-"])
    for transform in ("jacfwd", "jacrev", "hessian"):
        theirs = _quiet(_jacobian_workload(torch, transform)) if torch else None
        rows.append(compare(f"{transform} of an MLP, 64 inputs", _jacobian_workload(tocha, transform), theirs))
        looped = median_seconds(_jacobian_workload(tocha, transform, loop=True), repeat=3)
        rows.append([f"  tocha per element, {transform}", format_seconds(looped), "-", "-"])
    print_table(
        f"vmap and the Jacobians (median of {REPEAT}){note}; the loop rows: once per entry (element) in Python",
        ["workload", "tocha", "torch", "tocha/torch"],
        rows,
    )


if __name__ == "__main__":
    main()
