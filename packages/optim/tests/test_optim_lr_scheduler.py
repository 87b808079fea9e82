"""Learning-rate schedulers: 100 steps of every scheduler against PyTorch and against closed forms; warnings,
state dicts."""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tocha
import tocha.optim as optim
from tocha.optim import lr_scheduler as sched


def _optimizer(lib: Any, cls: str = "SGD", groups: int = 2) -> Any:
    params = [{"params": [lib.zeros(1, requires_grad=True)], "lr": 0.1 * (i + 1)} for i in range(groups)]
    kwargs = {"momentum": 0.9} if cls == "SGD" else {}
    return getattr(lib.optim, cls)(params, **kwargs)


def _make(mod: Any, name: str, opt: Any) -> Any:
    S = mod
    if name == "LambdaLR":
        return S.LambdaLR(opt, [lambda e: 0.95**e, lambda e: 1 / (e + 1)])
    if name == "MultiplicativeLR":
        return S.MultiplicativeLR(opt, lambda e: 0.97)
    if name == "StepLR":
        return S.StepLR(opt, step_size=7, gamma=0.5)
    if name == "MultiStepLR":
        return S.MultiStepLR(opt, milestones=[10, 30, 30, 60], gamma=0.3)
    if name == "ConstantLR":
        return S.ConstantLR(opt, factor=0.25, total_iters=12)
    if name == "LinearLR":
        return S.LinearLR(opt, start_factor=0.1, end_factor=0.9, total_iters=40)
    if name == "ExponentialLR":
        return S.ExponentialLR(opt, gamma=0.96)
    if name == "PolynomialLR":
        return S.PolynomialLR(opt, total_iters=70, power=2.0)
    if name == "CosineAnnealingLR":
        return S.CosineAnnealingLR(opt, T_max=15, eta_min=0.001)
    if name == "CosineAnnealingWarmRestarts":
        return S.CosineAnnealingWarmRestarts(opt, T_0=5, T_mult=2, eta_min=0.01)
    if name == "CyclicLR-triangular":
        return S.CyclicLR(opt, base_lr=0.01, max_lr=[0.1, 0.2], step_size_up=7, step_size_down=4)
    if name == "CyclicLR-triangular2":
        return S.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=6, mode="triangular2")
    if name == "CyclicLR-exp_range":
        return S.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=5, mode="exp_range", gamma=0.98)
    if name == "CyclicLR-scale_fn":
        return S.CyclicLR(opt, 0.01, 0.1, step_size_up=5, scale_fn=lambda x: 1 / (x + 1), scale_mode="iterations")
    if name == "OneCycleLR-cos":
        return S.OneCycleLR(opt, max_lr=[1.0, 2.0], total_steps=101)
    if name == "OneCycleLR-linear-3":
        return S.OneCycleLR(
            opt, max_lr=1.0, epochs=10, steps_per_epoch=11, anneal_strategy="linear", three_phase=True, pct_start=0.25
        )
    if name == "SequentialLR":
        return S.SequentialLR(
            opt,
            [S.LinearLR(opt, start_factor=0.2, total_iters=10), S.ExponentialLR(opt, gamma=0.9), S.StepLR(opt, 5)],
            milestones=[10, 40],
        )
    if name == "ChainedScheduler":
        return S.ChainedScheduler([S.ConstantLR(opt, factor=0.5, total_iters=20), S.ExponentialLR(opt, gamma=0.95)])
    if name == "SWALR":
        return mod.SWALR(opt, swa_lr=[0.05, 0.01], anneal_epochs=20, anneal_strategy="cos")
    if name == "SWALR-linear-0":
        return mod.SWALR(opt, swa_lr=0.05, anneal_epochs=0, anneal_strategy="linear")
    raise AssertionError(name)


NAMES = [
    "LambdaLR",
    "MultiplicativeLR",
    "StepLR",
    "MultiStepLR",
    "ConstantLR",
    "LinearLR",
    "ExponentialLR",
    "PolynomialLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR-triangular",
    "CyclicLR-triangular2",
    "CyclicLR-exp_range",
    "CyclicLR-scale_fn",
    "OneCycleLR-cos",
    "OneCycleLR-linear-3",
    "SequentialLR",
    "ChainedScheduler",
    "SWALR",
    "SWALR-linear-0",
]


def _history(lib: Any, name: str, optimizer: str = "SGD", steps: int = 100) -> list[list[float]]:
    opt = _optimizer(lib, optimizer)
    module = lib.optim.swa_utils if name.startswith("SWALR") else lib.optim.lr_scheduler
    s = _make(module, name, opt)
    out = []
    for _ in range(steps):
        opt.step()
        s.step()
        lrs = [float(g["lr"]) for g in opt.param_groups]
        moms = [float(g.get("momentum", g.get("betas", (0,))[0])) for g in opt.param_groups]
        assert s.get_last_lr() == lrs
        out.append(lrs + moms)
    return out


@pytest.mark.parametrize("name", NAMES)
def test_matches_torch_over_100_steps(name: str) -> None:
    torch = pytest.importorskip("torch")
    steps = 100 if not name.startswith("OneCycleLR-linear") else 109
    for optimizer in ("SGD", "Adam"):
        expected = _history(torch, name, optimizer, steps)
        got = _history(tocha, name, optimizer, steps)
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


def test_closed_forms_without_torch() -> None:
    rows = _history(tocha, "StepLR")
    assert [r[0] for r in rows[:15]] == pytest.approx([0.1 * 0.5 ** ((e + 1) // 7) for e in range(15)])
    rows = _history(tocha, "ExponentialLR")
    assert [r[1] for r in rows] == pytest.approx([0.2 * 0.96 ** (e + 1) for e in range(100)], rel=1e-10)
    rows = _history(tocha, "CosineAnnealingLR")
    expected = [0.001 + (0.1 - 0.001) * (1 + math.cos(math.pi * (e + 1) / 15)) / 2 for e in range(100)]
    assert [r[0] for r in rows] == pytest.approx(expected, rel=1e-9, abs=1e-12)
    rows = _history(tocha, "PolynomialLR")
    expected = [0.1 * (1 - min(e + 1, 70) / 70) ** 2 for e in range(100)]
    assert [r[0] for r in rows] == pytest.approx(expected, rel=1e-9, abs=1e-12)
    rows = _history(tocha, "LinearLR")
    expected = [0.1 * (0.1 + 0.8 * min(e + 1, 40) / 40) for e in range(100)]
    assert [r[0] for r in rows] == pytest.approx(expected, rel=1e-9)


def test_epoch_argument_uses_closed_form_and_warns() -> None:
    opt = _optimizer(tocha, groups=1)
    s = sched.StepLR(opt, step_size=3, gamma=0.5)
    opt.step()
    with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)` was not necessary"):
        s.step(7)
    assert s.get_last_lr() == [0.1 * 0.25]


def test_warning_when_scheduler_steps_before_optimizer() -> None:
    opt = _optimizer(tocha, groups=1)
    s = sched.ExponentialLR(opt, 0.5)
    with pytest.warns(UserWarning, match=r"Detected call of `lr_scheduler.step\(\)` before `optimizer.step\(\)`"):
        s.step()
    opt2 = _optimizer(tocha, groups=1)
    s2 = sched.ExponentialLR(opt2, 0.5)
    opt2.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s2.step()
    opt3 = _optimizer(tocha, groups=1)
    s3 = sched.ExponentialLR(opt3, 0.5)
    opt3.step = lambda closure=None: None  # type: ignore[method-assign]
    with pytest.warns(UserWarning, match="Seems like `optimizer.step\\(\\)` has been overridden"):
        s3.step()


def test_get_lr_outside_step_warns() -> None:
    s = sched.ExponentialLR(_optimizer(tocha, groups=1), 0.5)
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        s.get_lr()


def test_errors() -> None:
    opt = _optimizer(tocha)
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        sched.StepLR([], 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        sched.LambdaLR(opt, [lambda e: 1.0])
    with pytest.raises(KeyError, match="param 'initial_lr' is not specified in param_groups\\[0\\]"):
        sched.StepLR(_optimizer(tocha), 1, last_epoch=3)
    with pytest.raises(ValueError, match=r"Factor should be < 1.0."):
        sched.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="You must define either total_steps OR"):
        sched.OneCycleLR(opt, max_lr=1.0)
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        sched.CyclicLR(optim.Adagrad([tocha.zeros(1, requires_grad=True)]), 0.1, 1.0)
    o1 = sched.OneCycleLR(_optimizer(tocha), max_lr=1.0, total_steps=2)
    o1.optimizer.step()
    o1.step()
    o1.step()
    with pytest.raises(ValueError, match=r"Tried to step 3 times. The specified number of total steps is 2"):
        o1.step()


@pytest.mark.parametrize(
    ("mode", "threshold_mode", "metrics"),
    [
        ("min", "rel", [1.0, 0.9, 0.95, 0.95, 0.95, 0.8, 0.81, 0.81, 0.81, 0.81, 0.81, 0.81, 0.81, 0.5] * 5),
        ("max", "abs", [0.1, 0.2, 0.2, 0.2, 0.2, 0.25, 0.24, 0.2, 0.2, 0.2, 0.3, 0.3, 0.3] * 5),
        ("min", "abs", list(np.linspace(1, 0.5, 30)) + [0.5] * 40),
    ],
)
def test_reduce_on_plateau_matches_torch(mode: str, threshold_mode: str, metrics: list[float]) -> None:
    torch = pytest.importorskip("torch")

    def history(lib: Any) -> list[float]:
        opt = _optimizer(lib)
        s = lib.optim.lr_scheduler.ReduceLROnPlateau(
            opt,
            mode=mode,
            factor=0.5,
            patience=2,
            threshold=0.01,
            threshold_mode=threshold_mode,
            cooldown=1,
            min_lr=[0.01, 0.003],
            eps=1e-4,
        )
        out = []
        for m in metrics:
            opt.step()
            s.step(m)
            out.extend(s.get_last_lr())
        return out

    assert history(tocha) == history(torch)


def test_reduce_on_plateau_without_torch() -> None:
    opt = _optimizer(tocha, groups=1)
    s = sched.ReduceLROnPlateau(opt, patience=1, min_lr=0.05)
    for m in [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]:
        s.step(m)
    assert s.get_last_lr() == [0.05]
    assert s.num_bad_epochs == 1


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_round_trip(name: str) -> None:
    opt = _optimizer(tocha)
    module = optim.swa_utils if name.startswith("SWALR") else sched
    s = _make(module, name, opt)
    for _ in range(13):
        opt.step()
        s.step()
    state = copy.deepcopy(s.state_dict())
    assert "optimizer" not in state
    opt_state = copy.deepcopy(opt.state_dict())
    opt2 = _optimizer(tocha)
    s2 = _make(module, name, opt2)
    opt2.load_state_dict(opt_state)
    s2.load_state_dict(state)
    for _ in range(10):
        for o, sc in ((opt, s), (opt2, s2)):
            o.step()
            sc.step()
        assert s.get_last_lr() == s2.get_last_lr()


def test_lambda_state_dict_keeps_callable_objects() -> None:
    class Decay:
        def __init__(self) -> None:
            self.rate = 0.5

        def __call__(self, epoch: int) -> float:
            return float(self.rate**epoch)

    fn: Callable[[int], float] = Decay()
    s = sched.LambdaLR(_optimizer(tocha, groups=1), fn)
    assert s.state_dict()["lr_lambdas"] == [{"rate": 0.5}]
