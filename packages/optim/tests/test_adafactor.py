"""Adafactor: 20 steps against PyTorch (when installed) and a NumPy transcription of the rule; validation,
state layout and state-dict round trip."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import tocha
from tocha.optim import Adafactor

SHAPES = [(3, 4), (5,), (), (2, 3, 2)]
CASES: list[dict[str, Any]] = [
    {},
    {"lr": 0.1},
    {"lr": 0.05, "weight_decay": 0.1},
    {"lr": 0.05, "maximize": True},
    {"lr": 0.05, "beta2_decay": -0.5, "eps": (1e-6, 1e-2), "d": 2.0},
]


def _problem(seed: int = 0) -> tuple[list[np.ndarray], list[list[np.ndarray]]]:
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    grads = [[rng.standard_normal(s).astype(np.float32) for s in SHAPES] for _ in range(20)]
    return params, grads


def _run_tocha(options: dict[str, Any]) -> list[np.ndarray]:
    params, grads = _problem()
    ps = [tocha.tensor(p, requires_grad=True) for p in params]
    opt = Adafactor(ps, **options)
    for gs in grads:
        for p, g in zip(ps, gs, strict=True):
            p.grad = tocha.tensor(g)
        opt.step()
    return [p.detach().numpy() for p in ps]


def _run_numpy(options: dict[str, Any]) -> list[np.ndarray]:
    lr = options.get("lr", 1e-2)
    decay = options.get("beta2_decay", -0.8)
    eps1, eps2 = options.get("eps", (None, 1e-3))
    eps1 = float(np.finfo(np.float32).eps) if eps1 is None else eps1
    d, wd = options.get("d", 1.0), options.get("weight_decay", 0.0)
    params, grads = _problem()
    ps = [p.astype(np.float64) for p in params]
    state: list[dict[str, np.ndarray]] = [{} for _ in ps]
    for t, gs in enumerate(grads, start=1):
        for i, (p, g) in enumerate(zip(ps, gs, strict=True)):
            g = -g if options.get("maximize") else g.astype(np.float64)
            b = t**decay
            alpha = max(eps2, math.sqrt((p * p).sum() / max(p.size, 1))) * min(lr, 1 / math.sqrt(t))
            p *= 1 - lr * wd
            if g.ndim > 1:
                r = state[i].setdefault("r", np.zeros((*g.shape[:-1], 1)))
                c = state[i].setdefault("c", np.zeros((*g.shape[:-2], 1, g.shape[-1])))
                r += b * ((g * g).mean(-1, keepdims=True) - r)
                c += b * ((g * g).mean(-2, keepdims=True) - c)
                v = r @ c / np.maximum(r.mean(-2, keepdims=True), eps1)
            else:
                v = state[i].setdefault("v", np.zeros(g.shape))
                v += b * (g * g - v)
                v = v.copy()
            u = g / np.sqrt(np.maximum(v, eps1 * eps1))
            denom = max(1.0, math.sqrt((u * u).sum() / u.size) / d)
            p -= alpha / denom * u
    return ps


@pytest.mark.parametrize("options", CASES)
def test_adafactor_matches_numpy_rule(options: dict[str, Any]) -> None:
    for ours, ref in zip(_run_tocha(options), _run_numpy(options), strict=True):
        np.testing.assert_allclose(ours, ref, rtol=2e-4, atol=2e-5)


@pytest.mark.parametrize("options", CASES)
def test_adafactor_matches_torch(options: dict[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    params, grads = _problem()
    ps = [torch.tensor(p, requires_grad=True) for p in params]
    opt = torch.optim.Adafactor(ps, **options)
    for gs in grads:
        for p, g in zip(ps, gs, strict=True):
            p.grad = torch.tensor(g)
        opt.step()
    for ours, theirs in zip(_run_tocha(options), ps, strict=True):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_adafactor_state_layout_and_state_dict() -> None:
    w, b = tocha.ones(3, 2, requires_grad=True), tocha.ones(2, requires_grad=True)
    w.grad, b.grad = tocha.ones(3, 2), tocha.ones(2)
    opt = Adafactor([w, b])
    opt.step()
    assert opt.state[w]["row_var"].shape == (3, 1)
    assert opt.state[w]["col_var"].shape == (1, 2)
    assert sorted(opt.state[b]) == ["step", "variance"]
    sd = opt.state_dict()
    assert sd["param_groups"][0]["eps"] == (None, 1e-3)
    assert sorted(sd["param_groups"][0]) == sorted(
        ["lr", "beta2_decay", "eps", "d", "weight_decay", "foreach", "maximize", "params"]
    )
    opt2 = Adafactor([w, b])
    opt2.load_state_dict(sd)
    assert float(opt2.state[w]["step"].item()) == 1.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lr": -1.0}, "Learning rate should be >= 0 but is: -1.0"),
        ({"beta2_decay": 0.5}, "beta2_decay should be <= 0 but is: 0.5"),
        ({"eps": (-1.0, 1e-3)}, "epsilon1 should be >= 0 but is: -1.0"),
        ({"eps": (None, -1.0)}, "epsilon2 should be >= 0 but is: -1.0"),
        ({"d": 0.5}, "Clipping threshold d should be >= 1 but is: 0.5"),
        ({"weight_decay": -0.1}, "weight_decay should be >= 0 but is: -0.1"),
    ],
)
def test_adafactor_validation(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Adafactor([tocha.zeros(1, requires_grad=True)], **kwargs)
