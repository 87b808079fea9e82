"""Optimizers on 'cuda' give the CPU's numbers and never wait for the device inside a step (``gpu``-marked).

Every optimizer and its main option sets take the same five steps, with the same gradients, on CPU parameters
and on copies on 'cuda' (two parameter groups, parameters of several shapes, the multi-tensor and the
single-tensor path): the parameters and every state tensor must agree. Steps 3 to 5 on 'cuda' run under
``cupyx.allow_synchronize(False)``, where any device-to-host read raises. Scalar state (``step`` & co.) stays on
the host, as in PyTorch's non-capturable optimizers, so reading it never stalls the device. LBFGS is exempt from
the no-synchronisation rule: like PyTorch's, it reads the loss and the gradient's norms on the host every
iteration. Also: lr schedulers over 'cuda' parameters, a 'cuda' optimizer's state dict through
``tocha.save`` / ``tocha.load``, and ``tocha.amp.GradScaler`` skipping a step with an inf gradient.

On a machine without a GPU, ``nox -s fakegpu`` runs these against tools/fake_cupy (CuPy's rules on NumPy).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import tocha
import tocha.optim as optim
from tocha.optim import lr_scheduler, swa_utils
from tocha.testing import assert_close

pytestmark = pytest.mark.gpu

SHAPES = [[(3, 4), (5,)], [(), (2, 1, 3)]]  # two parameter groups
STEPS = 5
FREE_STEPS = 2  # steps before the ones that must not synchronise

CASES: dict[str, list[dict[str, Any]]] = {
    "SGD": [
        {"lr": 0.1},
        {"lr": 0.05, "momentum": 0.9},
        {"lr": 0.05, "momentum": 0.9, "nesterov": True},
        {"lr": 0.05, "momentum": 0.9, "dampening": 0.5, "weight_decay": 0.1},
        {"lr": 0.01, "momentum": 0.5, "maximize": True},
    ],
    "Adam": [
        {"lr": 0.05},
        {"lr": tocha.tensor(0.05)},  # a learning rate held in a (host) tensor, as PyTorch allows
        {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1},
        {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True},
        {"lr": 0.01, "maximize": True},
    ],
    "AdamW": [{"lr": 0.05}, {"lr": 0.05, "amsgrad": True, "weight_decay": 0.5, "maximize": True}],
    "Adamax": [{"lr": 0.05}, {"lr": 0.05, "weight_decay": 0.1}, {"lr": 0.01, "maximize": True}],
    "NAdam": [
        {"lr": 0.05},
        {"lr": 0.05, "weight_decay": 0.1},
        {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True},
        {"lr": 0.01, "maximize": True},
    ],
    "RAdam": [  # beta2 = 0.999 takes the rectified branch from step 4 on
        {"lr": 0.05},
        {"lr": 0.05, "weight_decay": 0.1},
        {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True},
    ],
    "Adagrad": [
        {"lr": 0.1},
        {"lr": 0.1, "lr_decay": 0.1},
        {"lr": 0.1, "initial_accumulator_value": 0.5, "weight_decay": 0.1},
        {"lr": 0.01, "maximize": True},
    ],
    "Adadelta": [{}, {"rho": 0.5, "weight_decay": 0.1}, {"lr": 0.5, "maximize": True}],
    "RMSprop": [
        {"lr": 0.01},
        {"lr": 0.01, "centered": True},
        {"lr": 0.01, "momentum": 0.9},
        {"lr": 0.01, "centered": True, "momentum": 0.5, "weight_decay": 0.1},
        {"lr": 0.001, "maximize": True},
    ],
    "Rprop": [{}, {"etas": (0.3, 1.5), "step_sizes": (1e-3, 1.0)}, {"lr": 0.001, "maximize": True}],
    "ASGD": [{}, {"lr": 0.05, "t0": 2, "lambd": 1e-2}, {"lr": 0.05, "weight_decay": 0.1, "maximize": True}],
    "Adafactor": [{}, {"lr": 0.05, "beta2_decay": -0.5, "d": 2.0}, {"lr": 0.05, "weight_decay": 0.1, "maximize": True}],
}

HOST_STATE = ("step", "eta", "mu", "mu_product")  # scalar state, kept on the host

PARAMS = [
    pytest.param(name, options, foreach, id=f"{name}-{i}-{'foreach' if foreach else 'single'}")
    for name, sets in CASES.items()
    for i, options in enumerate(sets)
    for foreach in (True, False)
]


@contextlib.contextmanager
def no_host_sync() -> Iterator[None]:
    """Any device-to-host read inside raises (CuPy warns that ``allow_synchronize`` is deprecated)."""
    cupyx = pytest.importorskip("cupyx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with cupyx.allow_synchronize(False):
            yield


def _tolerances(dtype: tocha.dtype) -> dict[str, float]:
    return {"rtol": 1e-5, "atol": 1e-6} if dtype == tocha.float32 else {"rtol": 1e-10, "atol": 1e-12}


def _problem(dtype: tocha.dtype) -> tuple[list[list[tocha.Tensor]], list[list[tocha.Tensor]]]:
    """Starting values (per group) and the gradients of every step (flat, in parameter order)."""
    tocha.manual_seed(0)
    start = [[tocha.randn(*s, dtype=dtype) for s in group] for group in SHAPES]
    grads = [[tocha.randn(*s, dtype=dtype) for group in SHAPES for s in group] for _ in range(STEPS)]
    return start, grads


def _groups(start: list[list[tocha.Tensor]], device: str) -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = [
        {"params": [t.detach().to(device).clone().requires_grad_() for t in group]} for group in start
    ]
    groups[1]["lr"] = 0.02  # the second group's own learning rate
    return groups


def _params(opt: optim.Optimizer) -> list[tocha.Tensor]:
    return [p for group in opt.param_groups for p in group["params"]]


def _set_grads(opt: optim.Optimizer, grads: list[tocha.Tensor]) -> None:
    for p, g in zip(_params(opt), grads, strict=True):
        p.grad = g.clone()


def _assert_same(cpu: optim.Optimizer, gpu: optim.Optimizer, dtype: tocha.dtype, what: str = "") -> None:
    """Parameters and every state entry agree; per-element state lives on 'cuda', scalar state on the host."""
    tol = _tolerances(dtype)
    for i, (p, q) in enumerate(zip(_params(cpu), _params(gpu), strict=True)):
        assert q.device.type == "cuda"
        assert_close(q.cpu(), p.detach(), **tol, msg=lambda m, i=i: f"{what} parameter {i}: {m}")
        state, gpu_state = cpu.state[p], gpu.state[q]
        assert list(gpu_state) == list(state), f"{what} parameter {i}: state keys"
        for key, value in state.items():
            found = gpu_state[key]
            if not isinstance(value, tocha.Tensor):
                assert found == value, f"{what} parameter {i} {key}"
                continue
            expected_device = "cpu" if key in HOST_STATE else "cuda"
            assert found.device.type == expected_device, f"{what} parameter {i} {key} on {found.device}"
            assert_close(found.cpu(), value, **tol, msg=lambda m, i=i, key=key: f"{what} parameter {i} {key}: {m}")


def _run_both(
    make: Callable[[list[dict[str, Any]]], optim.Optimizer], dtype: tocha.dtype
) -> tuple[optim.Optimizer, optim.Optimizer, list[list[tocha.Tensor]]]:
    start, grads = _problem(dtype)
    cpu, gpu = make(_groups(start, "cpu")), make(_groups(start, "cuda"))
    gpu_grads = [[g.to("cuda") for g in step] for step in grads]
    for step in range(STEPS):
        _set_grads(cpu, grads[step])
        cpu.step()
        _set_grads(gpu, gpu_grads[step])
        if step < FREE_STEPS:
            gpu.step()
        else:
            with no_host_sync():
                gpu.step()
        _assert_same(cpu, gpu, dtype, f"step {step + 1}:")
    return cpu, gpu, grads


@pytest.mark.parametrize(("name", "options", "foreach"), PARAMS)
def test_optimizer_on_cuda_matches_cpu_without_host_synchronisation(
    name: str, options: dict[str, Any], foreach: bool
) -> None:
    cls = getattr(optim, name)
    _run_both(lambda groups: cls(groups, **options, foreach=foreach), tocha.float32)


@pytest.mark.parametrize("name", list(CASES))
def test_optimizer_on_cuda_matches_cpu_in_float64(name: str) -> None:
    cls, options = getattr(optim, name), CASES[name][-1]
    _run_both(lambda groups: cls(groups, **options), tocha.float64)


def test_the_cases_cover_every_optimizer() -> None:
    # LBFGS and Muon (2-D parameters only) have tests of their own below
    elementwise = {n for n in optim.__all__ if isinstance(getattr(optim, n), type)} - {"Optimizer", "LBFGS", "Muon"}
    assert set(CASES) == elementwise
    assert not hasattr(optim, "SparseAdam")  # cover it here once it exists


def test_muon_on_cuda_matches_cpu() -> None:
    tocha.manual_seed(0)
    start = [tocha.randn(6, 4), tocha.randn(3, 8)]
    grads = [[tocha.randn(6, 4), tocha.randn(3, 8)] for _ in range(STEPS)]
    results = {}
    for device in ("cpu", "cuda"):
        params = [t.to(device).clone().requires_grad_() for t in start]
        opt = optim.Muon(params, lr=0.02, adjust_lr_fn="match_rms_adamw")
        for step in grads:
            for p, g in zip(params, step, strict=True):
                p.grad = g.to(device)
            opt.step()
        results[device] = [p.detach().cpu() for p in params]
    for ours, reference in zip(results["cuda"], results["cpu"], strict=True):
        assert_close(ours, reference, rtol=1e-2, atol=1e-3)  # bfloat16 iterations: a GEMM's rounding may differ


def test_a_group_with_cpu_and_cuda_parameters_matches_cpu() -> None:
    # the multi-tensor path needs one device per group: it falls back to one parameter at a time
    start, grads = _problem(tocha.float32)
    cpu = optim.Adam(_groups(start, "cpu"), lr=0.05, foreach=True)
    mixed_groups = _groups(start, "cuda")
    mixed_groups[0]["params"][1] = start[0][1].detach().clone().requires_grad_()  # this one stays on the cpu
    mixed = optim.Adam(mixed_groups, lr=0.05, foreach=True)
    devices = [p.device.type for p in _params(mixed)]
    assert devices == ["cuda", "cpu", "cuda", "cuda"]
    for step in range(3):
        _set_grads(cpu, grads[step])
        _set_grads(mixed, [g.to(d) for g, d in zip(grads[step], devices, strict=True)])
        cpu.step()
        mixed.step()
    for i, (p, q) in enumerate(zip(_params(cpu), _params(mixed), strict=True)):
        assert q.device.type == devices[i]
        assert mixed.state[q]["exp_avg"].device.type == devices[i]
        assert_close(q.detach().cpu(), p.detach(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad_on_cuda_without_host_synchronisation(set_to_none: bool) -> None:
    w = tocha.ones(3, device="cuda", requires_grad=True)
    w.grad = tocha.ones(3, device="cuda")
    opt = optim.SGD([w], lr=0.1)
    with no_host_sync():
        opt.zero_grad(set_to_none=set_to_none)
    if set_to_none:
        assert w.grad is None
    else:
        assert w.grad is not None
        assert w.grad.device.type == "cuda"
        assert_close(w.grad.cpu(), tocha.zeros(3))


# ------------------------------------------------------------------ LBFGS


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("dtype", [tocha.float32, tocha.float64])
def test_lbfgs_on_cuda_matches_cpu(line_search_fn: str | None, dtype: tocha.dtype) -> None:
    # exempt from the no-synchronisation rule: LBFGS reads the loss, norms and dot products on the host at every
    # inner iteration, as PyTorch's does
    tocha.manual_seed(0)
    start = [tocha.randn(4, 3, dtype=dtype), tocha.randn(3, dtype=dtype)]
    target = tocha.randn(4, 3, dtype=dtype)

    def make(device: str) -> tuple[optim.LBFGS, Callable[[], tocha.Tensor]]:
        w, b = (t.detach().to(device).clone().requires_grad_() for t in start)
        a = target.to(device)
        opt = optim.LBFGS([w, b], lr=0.5, max_iter=5, history_size=3, line_search_fn=line_search_fn)

        def closure() -> tocha.Tensor:
            opt.zero_grad()
            loss = ((w + b - a) ** 2).sum() + 0.1 * (w**4).sum()
            loss.backward()
            return loss

        return opt, closure

    cpu, cpu_closure = make("cpu")
    gpu, gpu_closure = make("cuda")
    for step in range(3):
        cpu_loss, gpu_loss = cpu.step(cpu_closure), gpu.step(gpu_closure)
        assert gpu_loss.device.type == "cuda"
        tol = {"rtol": 1e-4, "atol": 1e-5} if dtype == tocha.float32 else _tolerances(dtype)
        if dtype == tocha.float32 and line_search_fn == "strong_wolfe":
            # the cubic interpolation amplifies float32 rounding (the GPU sums in another order): 3.8e-5 on an H200
            tol = {"rtol": 1e-2, "atol": 1e-4}
        assert_close(gpu_loss.cpu(), cpu_loss, **tol, msg=lambda m, step=step: f"loss {step}: {m}")
        for p, q in zip(_params(cpu), _params(gpu), strict=True):
            assert q.device.type == "cuda"
            assert_close(q.cpu(), p.detach(), **tol)
        cpu_state, gpu_state = cpu.state[_params(cpu)[0]], gpu.state[_params(gpu)[0]]
        assert gpu_state["func_evals"] == cpu_state["func_evals"]
        assert gpu_state["n_iter"] == cpu_state["n_iter"]
        assert gpu_state["d"].device.type == "cuda"


# ------------------------------------------------------------------ lr schedulers


SCHEDULERS: dict[str, Callable[[optim.Optimizer], Any]] = {
    "StepLR": lambda opt: lr_scheduler.StepLR(opt, step_size=2, gamma=0.5),
    "CosineAnnealingLR": lambda opt: lr_scheduler.CosineAnnealingLR(opt, T_max=4),
    "OneCycleLR": lambda opt: lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=STEPS),
    "LambdaLR": lambda opt: lr_scheduler.LambdaLR(opt, lambda epoch: 1.0 / (1 + epoch)),
    "CyclicLR": lambda opt: lr_scheduler.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=2),
}


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_lr_scheduler_over_cuda_parameters_matches_cpu(name: str) -> None:
    start, grads = _problem(tocha.float32)
    optimizers, schedulers = [], []
    for device in ("cpu", "cuda"):
        opt = optim.SGD(_groups(start, device), lr=0.05, momentum=0.9)
        optimizers.append(opt)
        schedulers.append(SCHEDULERS[name](opt))
    cpu, gpu = optimizers
    gpu_grads = [[g.to("cuda") for g in step] for step in grads]
    for step in range(STEPS - 1):  # OneCycleLR allows total_steps - 1 scheduler steps after the first
        _set_grads(cpu, grads[step])
        cpu.step()
        schedulers[0].step()
        _set_grads(gpu, gpu_grads[step])
        with no_host_sync():
            gpu.step()
            schedulers[1].step()
        assert schedulers[1].get_last_lr() == schedulers[0].get_last_lr()
        assert [g["lr"] for g in gpu.param_groups] == [g["lr"] for g in cpu.param_groups]
        _assert_same(cpu, gpu, tocha.float32, f"{name} step {step + 1}:")


def test_reduce_lr_on_plateau_reads_a_cuda_metric() -> None:
    w = tocha.ones(3, device="cuda", requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    scheduler = lr_scheduler.ReduceLROnPlateau(opt, patience=0, factor=0.5)
    for _ in range(3):
        scheduler.step(tocha.tensor(1.0, device="cuda"))  # a plateau: the metric is read on the host, as in PyTorch
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1 * 0.5**2)


# ------------------------------------------------------------------ state dicts


SAVED: dict[str, dict[str, Any]] = {
    "SGD": {"lr": 0.05, "momentum": 0.9},
    "Adam": {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1},
    "NAdam": {"lr": 0.05},  # mu_product: scalar state besides step
    "RMSprop": {"lr": 0.01, "centered": True, "momentum": 0.5},
    "ASGD": {"lr": 0.05, "t0": 2, "lambd": 1e-2},  # eta and mu: scalar state besides step
}


@pytest.mark.parametrize("name", list(SAVED))
@pytest.mark.parametrize("foreach", [True, False])
def test_state_dict_of_a_cuda_optimizer_round_trips_through_save_and_load(
    name: str, foreach: bool, tmp_path: Path
) -> None:
    cls, options = getattr(optim, name), SAVED[name]
    cpu, gpu, grads = _run_both(lambda groups: cls(groups, **options, foreach=foreach), tocha.float32)
    tocha.save(gpu.state_dict(), tmp_path / "opt.pt")
    loaded = tocha.load(tmp_path / "opt.pt")
    fresh = cls(
        [{"params": [q.detach().clone().requires_grad_() for q in g["params"]]} for g in gpu.param_groups],
        **options,
        foreach=foreach,
    )
    fresh.load_state_dict(loaded)
    assert [g["lr"] for g in fresh.param_groups] == [g["lr"] for g in gpu.param_groups]
    _assert_same(cpu, fresh, tocha.float32, "loaded:")
    for opt in (cpu, fresh):
        _set_grads(opt, [g.to(_params(opt)[0].device) for g in grads[0]])
    cpu.step()
    with no_host_sync():
        fresh.step()
    _assert_same(cpu, fresh, tocha.float32, "step after loading:")


# ------------------------------------------------------------------ GradScaler


def test_grad_scaler_on_cuda_skips_a_step_with_an_inf_gradient() -> None:
    start, _ = _problem(tocha.float32)
    optimizers, scalers = [], []
    for device in ("cpu", "cuda"):
        optimizers.append(optim.Adam(_groups(start, device), lr=0.05))
        scalers.append(tocha.amp.GradScaler(device, init_scale=2.0**8, growth_interval=1))
    before = [q.detach().clone() for q in _params(optimizers[1])]
    for step, poison in enumerate([True, False, False]):
        for opt, scaler in zip(optimizers, scalers, strict=True):
            opt.zero_grad()
            loss = sum(((p - 0.5) ** 2).sum() for p in _params(opt))
            scaler.scale(loss).backward()
            if poison:
                grad = _params(opt)[1].grad
                assert grad is not None
                grad[2] = float("inf")
            scaler.step(opt)  # one host read (whether an inf was found), as in PyTorch
            scaler.update()
        cpu, gpu = optimizers
        if poison:
            for q, b in zip(_params(gpu), before, strict=True):
                assert_close(q.detach(), b, rtol=0, atol=0)
            assert not gpu.state
        _assert_same(cpu, gpu, tocha.float32, f"step {step + 1}:")
        assert scalers[1].get_scale() == scalers[0].get_scale()
    assert scalers[1].get_scale() == 2.0**8 * 0.5 * 2 * 2


# ------------------------------------------------------------------ weight averaging


class _Tiny:
    """A module-like object (parameters, buffers, ``to``) for AveragedModel."""

    def __init__(self, w: tocha.Tensor) -> None:
        self.w = w

    def parameters(self) -> Iterator[tocha.Tensor]:
        return iter([self.w])

    def buffers(self) -> Iterator[tocha.Tensor]:
        return iter([])

    def to(self, device: str) -> _Tiny:
        return _Tiny(self.w.detach().to(device).requires_grad_())


@pytest.mark.parametrize("kind", ["swa", "ema", "avg_fn"])
def test_averaged_model_and_swalr_on_cuda_match_cpu(kind: str) -> None:
    # update_parameters reads n_averaged on the host (whether it is the first update), as PyTorch's does
    start, grads = _problem(tocha.float32)
    averaging = {
        "swa": {},
        "ema": {"multi_avg_fn": swa_utils.get_ema_multi_avg_fn(0.9)},
        "avg_fn": {"avg_fn": swa_utils.get_ema_avg_fn(0.8)},
    }[kind]
    results = []
    for device in ("cpu", "cuda"):
        model = _Tiny(start[0][0].detach().to(device).clone().requires_grad_())
        averaged = swa_utils.AveragedModel(model, **averaging)
        opt = optim.SGD(model.parameters(), lr=0.5)
        swa_lr = swa_utils.SWALR(opt, swa_lr=0.05, anneal_epochs=2)
        for step in range(STEPS):
            model.w.grad = grads[step][0].to(device)
            opt.step()
            swa_lr.step()
            averaged.update_parameters(model)
        results.append((averaged.module.w, model.w, averaged.n_averaged, opt.param_groups[0]["lr"]))
    (cpu_avg, cpu_w, cpu_n, cpu_lr), (gpu_avg, gpu_w, gpu_n, gpu_lr) = results
    assert gpu_avg.device.type == "cuda"
    assert_close(gpu_avg.detach().cpu(), cpu_avg.detach(), rtol=1e-5, atol=1e-6)
    assert_close(gpu_w.detach().cpu(), cpu_w.detach(), rtol=1e-5, atol=1e-6)
    assert int(gpu_n) == int(cpu_n) == STEPS
    assert gpu_lr == cpu_lr
