"""Every optimizer and option set: 20 steps on a fixed problem against PyTorch (when installed) and against the
update rule written out here in NumPy; the multi-tensor (foreach) path against the single-tensor path."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import tocha
import tocha.optim as optim

SHAPES = [(3, 4), (5,), (), (2, 1, 2)]

CASES: dict[str, list[dict[str, Any]]] = {
    "SGD": [
        {"lr": 0.1},
        {"lr": 0.05, "momentum": 0.9},
        {"lr": 0.05, "momentum": 0.9, "dampening": 0.5, "weight_decay": 0.1},
        {"lr": 0.05, "momentum": 0.9, "nesterov": True},
        {"lr": 0.002, "maximize": True, "momentum": 0.5},
    ],
    "Adam": [
        {},
        {"lr": 0.1},
        {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1},
        {"lr": 0.01, "maximize": True},
        {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True},
        {"lr": 0.05, "betas": (0.5, 0.9), "eps": 1e-3},
    ],
    "AdamW": [{}, {"lr": 0.05, "amsgrad": True, "weight_decay": 0.5}, {"lr": 0.01, "maximize": True}],
    "Adamax": [{}, {"lr": 0.05, "weight_decay": 0.1}, {"lr": 0.01, "maximize": True}],
    "NAdam": [
        {},
        {"lr": 0.05, "weight_decay": 0.1},
        {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True},
        {"lr": 0.05, "momentum_decay": 0.01},
        {"lr": 0.01, "maximize": True},
    ],
    "RAdam": [
        {},
        {"lr": 0.05, "weight_decay": 0.1},
        {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True},
        {"lr": 0.1, "betas": (0.9, 0.9)},
    ],
    "Adagrad": [
        {},
        {"lr": 0.1, "lr_decay": 0.1},
        {"lr": 0.1, "initial_accumulator_value": 0.5, "weight_decay": 0.1},
        {"lr": 0.01, "maximize": True},
    ],
    "Adadelta": [{}, {"rho": 0.5, "weight_decay": 0.1}, {"lr": 0.5, "maximize": True}],
    "RMSprop": [
        {},
        {"lr": 0.01, "centered": True},
        {"lr": 0.01, "momentum": 0.9},
        {"lr": 0.01, "centered": True, "momentum": 0.5, "weight_decay": 0.1},
        {"lr": 0.001, "maximize": True},
    ],
    "Rprop": [{}, {"etas": (0.3, 1.5), "step_sizes": (1e-3, 1.0)}, {"lr": 0.001, "maximize": True}],
    "ASGD": [{}, {"lr": 0.05, "t0": 5, "lambd": 1e-2}, {"lr": 0.05, "weight_decay": 0.1}, {"maximize": True}],
}

PARAMS = [(name, options) for name, sets in CASES.items() for options in sets]
IDS = [f"{name}-{i}" for name, sets in CASES.items() for i in range(len(sets))]


def initial_values(dtype: Any = np.float64) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Starting parameters and the targets of the fixed problem."""
    rng = np.random.default_rng(0)
    start = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    target = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    return start, target


def gradient(p: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Gradient of the fixed problem ``sum((p - a)^2 + 0.1 p^4)``."""
    return 2 * (p - a) + 0.4 * p**3


def run(lib: Any, cls: Any, options: dict[str, Any], steps: int = 20, **extra: Any) -> list[np.ndarray]:
    """``steps`` steps of optimizer ``cls`` of library ``lib`` (tocha or torch) on the fixed problem."""
    start, target = initial_values()
    params = [lib.tensor(s.copy(), requires_grad=True) for s in start]
    opt = cls(params, **options, **extra)
    for _ in range(steps):
        for p, a in zip(params, target, strict=True):
            p.grad = lib.tensor(gradient(p.detach().numpy(), a))
        opt.step()
    return [p.detach().numpy().copy() for p in params]


@pytest.mark.parametrize(("name", "options"), PARAMS, ids=IDS)
def test_matches_torch(name: str, options: dict[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    expected = run(torch, getattr(torch.optim, name), options)
    for foreach in (False, True):
        got = run(tocha, getattr(optim, name), options, foreach=foreach)
        for g, e in zip(got, expected, strict=True):
            np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize(("name", "options"), PARAMS, ids=IDS)
def test_foreach_matches_single_tensor(name: str, options: dict[str, Any]) -> None:
    single = run(tocha, getattr(optim, name), options, foreach=False)
    multi = run(tocha, getattr(optim, name), options, foreach=True)
    default = run(tocha, getattr(optim, name), options)
    for s, m, d in zip(single, multi, default, strict=True):
        np.testing.assert_allclose(m, s, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(d, s, rtol=1e-12, atol=1e-15)


# --------------------------------------------------------------------------- the update rules, written out
F32 = np.float32


def _f32(x: float) -> float:
    return float(F32(x))


def reference(name: str, o: dict[str, Any], steps: int = 20) -> list[np.ndarray]:
    """The update rule of each optimizer written out in NumPy, one parameter at a time."""
    start, target = initial_values()
    out = []
    for p, a in zip(start, target, strict=True):
        p = p.copy()
        s: dict[str, Any] = {}
        for t in range(1, steps + 1):
            g = gradient(p, a)
            if o.get("maximize"):
                g = -g
            lr = o.get(
                "lr",
                {
                    "Adamax": 2e-3,
                    "NAdam": 2e-3,
                    "Adagrad": 1e-2,
                    "Adadelta": 1.0,
                    "RMSprop": 1e-2,
                    "Rprop": 1e-2,
                    "ASGD": 1e-2,
                }.get(name, 1e-3),
            )
            wd = o.get("weight_decay", 1e-2 if name == "AdamW" else 0.0)
            decoupled = name == "AdamW" or o.get("decoupled_weight_decay", False)
            b1, b2 = o.get("betas", (0.9, 0.999))
            eps = o.get("eps", {"Adagrad": 1e-10, "Adadelta": 1e-6}.get(name, 1e-8))
            if name in ("Adam", "AdamW", "NAdam", "RAdam") and wd and decoupled:
                p = p * (1 - lr * wd)
            elif name not in ("Rprop",) and wd:
                g = g + wd * p
            if name == "SGD":
                mom, damp = o.get("momentum", 0.0), o.get("dampening", 0.0)
                if mom:
                    s["b"] = g.copy() if t == 1 else mom * s["b"] + (1 - damp) * g
                    g = g + mom * s["b"] if o.get("nesterov") else s["b"]
                p = p - lr * g
            elif name in ("Adam", "AdamW"):
                s["m"] = b1 * s.get("m", 0) + (1 - b1) * g
                s["v"] = b2 * s.get("v", 0) + (1 - b2) * g * g
                v = np.maximum(s.get("vmax", 0), s["v"]) if o.get("amsgrad") else s["v"]
                s["vmax"] = v
                p = p - lr / (1 - b1**t) * s["m"] / (np.sqrt(v) / math.sqrt(1 - b2**t) + eps)
            elif name == "Adamax":
                s["m"] = b1 * s.get("m", 0) + (1 - b1) * g
                s["u"] = np.maximum(b2 * s.get("u", 0), np.abs(g) + eps)
                p = p - lr / (1 - b1**t) * s["m"] / s["u"]
            elif name == "NAdam":
                psi = o.get("momentum_decay", 4e-3)
                mu = b1 * (1 - 0.5 * 0.96 ** (t * psi))
                mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
                s["prod"] = _f32(s.get("prod", 1.0) * _f32(mu))
                s["m"] = b1 * s.get("m", 0) + (1 - b1) * g
                s["v"] = b2 * s.get("v", 0) + (1 - b2) * g * g
                denom = np.sqrt(s["v"] / (1 - b2**t)) + eps
                p = p - lr * (1 - mu) / (1 - s["prod"]) * g / denom
                p = p - lr * mu_next / (1 - s["prod"] * mu_next) * s["m"] / denom
            elif name == "RAdam":
                s["m"] = b1 * s.get("m", 0) + (1 - b1) * g
                s["v"] = b2 * s.get("v", 0) + (1 - b2) * g * g
                rho_inf = 2 / (1 - b2) - 1
                rho = rho_inf - 2 * t * b2**t / (1 - b2**t)
                m_hat = s["m"] / (1 - b1**t)
                if rho > 5:
                    r = math.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
                    p = p - lr * m_hat * r * math.sqrt(1 - b2**t) / (np.sqrt(s["v"]) + eps)
                else:
                    p = p - lr * m_hat
            elif name == "Adagrad":
                s["sum"] = s.get("sum", o.get("initial_accumulator_value", 0.0)) + g * g
                p = p - lr / (1 + (t - 1) * o.get("lr_decay", 0.0)) * g / (np.sqrt(s["sum"]) + eps)
            elif name == "Adadelta":
                rho = o.get("rho", 0.9)
                s["v"] = rho * s.get("v", 0) + (1 - rho) * g * g
                delta = np.sqrt(s.get("u", 0) + eps) / np.sqrt(s["v"] + eps) * g
                s["u"] = rho * s.get("u", 0) + (1 - rho) * delta * delta
                p = p - lr * delta
            elif name == "RMSprop":
                alpha, mom = o.get("alpha", 0.99), o.get("momentum", 0.0)
                s["v"] = alpha * s.get("v", 0) + (1 - alpha) * g * g
                if o.get("centered"):
                    s["gbar"] = alpha * s.get("gbar", 0) + (1 - alpha) * g
                    d = np.sqrt(s["v"] - s["gbar"] ** 2) + eps
                else:
                    d = np.sqrt(s["v"]) + eps
                if mom:
                    s["b"] = mom * s.get("b", 0) + g / d
                    p = p - lr * s["b"]
                else:
                    p = p - lr * g / d
            elif name == "Rprop":
                eminus, eplus = o.get("etas", (0.5, 1.2))
                smin, smax = o.get("step_sizes", (1e-6, 50))
                sign = np.sign(g * s.get("prev", 0))
                f = np.where(sign > 0, eplus, np.where(sign < 0, eminus, 1.0))
                s["size"] = np.clip(s.get("size", np.full_like(p, lr)) * f, smin, smax)
                g = np.where(sign < 0, 0.0, g)
                p = p - np.sign(g) * s["size"]
                s["prev"] = g
            elif name == "ASGD":
                lambd, alpha, t0 = o.get("lambd", 1e-4), o.get("alpha", 0.75), o.get("t0", 1e6)
                eta, mu = s.get("eta", _f32(lr)), s.get("mu", 1.0)
                p = p * (1 - lambd * eta) - eta * g
                s["ax"] = p.copy() if mu == 1 else s["ax"] + mu * (p - s["ax"])
                s["eta"] = _f32(lr / (1 + lambd * lr * t) ** alpha)
                s["mu"] = _f32(1 / max(1, t - t0))
        out.append(p)
    return out


@pytest.mark.parametrize(("name", "options"), PARAMS, ids=IDS)
def test_matches_written_out_rule(name: str, options: dict[str, Any]) -> None:
    got = run(tocha, getattr(optim, name), options)
    for g, e in zip(got, reference(name, options), strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-12)


def test_state_after_steps_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    cases = [
        ("Adam", {"amsgrad": True}),
        ("AdamW", {}),
        ("ASGD", {}),
        ("NAdam", {}),
        ("Rprop", {}),
        ("SGD", {"momentum": 0.9}),
        ("SGD", {}),
        ("Adamax", {}),
        ("RAdam", {}),
        ("Adagrad", {}),
        ("Adadelta", {}),
        ("RMSprop", {"centered": True, "momentum": 0.9}),
    ]
    for name, options in cases:
        start, _ = initial_values()
        ours = [tocha.tensor(s.copy(), requires_grad=True) for s in start]
        theirs = [torch.tensor(s.copy(), requires_grad=True) for s in start]
        o1, o2 = getattr(optim, name)(ours, **options), getattr(torch.optim, name)(theirs, **options)
        for _ in range(3):
            for p, q in zip(ours, theirs, strict=True):
                p.grad = tocha.ones_like(p)
                q.grad = torch.ones_like(q)
            o1.step()
            o2.step()
        s1, s2 = o1.state_dict(), o2.state_dict()
        assert s1["param_groups"] == s2["param_groups"]
        assert list(s1["state"]) == list(s2["state"])
        for i in s2["state"]:
            assert list(s1["state"][i]) == list(s2["state"][i])
            for key, value in s2["state"][i].items():
                mine = s1["state"][i][key]
                assert str(mine.dtype).split(".")[-1] == str(value.dtype).split(".")[-1], (name, key)
                assert tuple(mine.shape) == tuple(value.shape)
                np.testing.assert_allclose(mine.numpy(), value.numpy(), rtol=1e-6)


def test_float32_params_and_mixed_dtypes() -> None:
    a = tocha.ones(3, requires_grad=True)
    b = tocha.ones(2, dtype=tocha.float64, requires_grad=True)
    opt = optim.Adam([a, b], lr=0.1, foreach=True)
    for _ in range(2):
        a.grad, b.grad = tocha.ones(3), tocha.ones(2, dtype=tocha.float64)
        opt.step()
    assert a.dtype == tocha.float32
    assert opt.state[a]["exp_avg"].dtype == tocha.float32
    assert opt.state[b]["exp_avg"].dtype == tocha.float64
    np.testing.assert_allclose(a.detach().numpy(), 0.8, rtol=1e-5)
    np.testing.assert_allclose(b.detach().numpy(), 0.8, rtol=1e-8)


def test_params_without_grad_are_skipped_and_join_later() -> None:
    a = tocha.ones(3, requires_grad=True)
    b = tocha.ones(2, requires_grad=True)
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = tocha.ones(3)
    opt.step()
    assert b not in opt.state
    assert float(opt.state[a]["step"]) == 1.0
    b.grad = tocha.ones(2)
    opt.step()  # steps now differ between a and b: the single-tensor path runs
    assert float(opt.state[a]["step"]) == 2.0
    assert float(opt.state[b]["step"]) == 1.0
    np.testing.assert_allclose(b.detach().numpy(), 0.9, rtol=1e-6)


def test_step_bumps_version_and_keeps_identity() -> None:
    w = tocha.ones(3, requires_grad=True)
    before = tocha.library.tensor_version(w)
    array = tocha.library.tensor_array(w)
    opt = optim.SGD([w], lr=0.1)
    w.grad = tocha.ones(3)
    opt.step()
    assert tocha.library.tensor_version(w) > before
    assert tocha.library.tensor_array(w) is array
    assert w.grad_fn is None
    assert w.requires_grad


def test_step_is_not_recorded_by_autograd() -> None:
    w = tocha.ones(2, requires_grad=True)
    opt = optim.Adam([w, tocha.ones(2, requires_grad=True)], lr=0.1)
    (w * w).sum().backward()
    opt.step()
    assert w.is_leaf
    assert w.grad_fn is None


def test_closure_runs_with_grad_enabled() -> None:
    w = tocha.tensor([2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.25)

    def closure() -> Any:
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with tocha.no_grad():
        loss = opt.step(closure)
    assert float(loss) == 4.0
    np.testing.assert_allclose(w.detach().numpy(), [1.0])


def test_param_groups_with_own_options() -> None:
    a = tocha.ones(1, requires_grad=True)
    b = tocha.ones(1, requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    a.grad, b.grad = tocha.ones(1), tocha.ones(1)
    opt.step()
    np.testing.assert_allclose([a.item(), b.item()], [0.9, 0.5])
