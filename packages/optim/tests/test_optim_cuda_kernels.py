"""optim's fused CUDA kernels (NOTE [ Fused optimizer kernels ]) agree with the xp updates, run without a GPU.

The kernels' CUDA source is compiled as C++ against tools/cuda_emulator/cuda_emulator.h, which runs each thread
block as OS threads; a stand-in for ``RawModule.get_function`` runs them there, and a stand-in CuPy module (NumPy
under another name, so ``xp is not numpy``) takes the optimizers' own ``_update`` and ``step`` into the fused
branch. So the kernels, the hooks, the host-side scalars and the launch configuration are checked here;
compiling for a GPU is tools/check_nvrtc.py's (nox -s nvrtc), speed is checked on one. Skips without a C++20 compiler.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

import tocha
import tocha.optim as optim
from tocha.optim import _cuda_kernels as K
from tocha.optim import optimizer as optimizer_module
from tocha.optim import sgd as sgd_module
from tocha.optim.optimizer import _Ctx

FLAGS = ("-O1", "-ffp-contract=off")  # no contracted multiply-adds, as NVRTC's --fmad=false


@pytest.fixture(scope="module")
def emulated(cuda_emulator: Any) -> Any:
    return cuda_emulator.build_kernels("optim_kernels", K.SOURCE, FLAGS)


class _StandInCupy:
    """NumPy under another name: ``xp is not numpy``, and not tools/fake_cupy, so the fused branch is taken."""

    __version__ = "14.2.0"

    def __getattr__(self, name: str) -> Any:
        return getattr(np, name)


CUPY = _StandInCupy()


@pytest.fixture
def kernels(emulated: Any, cuda_emulator: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    run, made = cuda_emulator.stand_in(emulated)

    def kernel(xp: Any, name: str, dtype: Any) -> Any:
        assert xp is CUPY
        return run(xp, name, dtype)

    monkeypatch.setattr(K, "_kernel", kernel)
    # the emulator starts one OS thread per CUDA thread: at most 2 blocks of 32 threads here (4099 elements take 65
    # rounds of the grid-stride loop); test_the_launch_configuration runs the real one
    monkeypatch.setattr(K, "THREADS", 32)
    monkeypatch.setattr(K, "_MAX_BLOCKS", 2)
    monkeypatch.setenv("TOCHA_CUDA_FUSED", "0")  # off unless a test turns them on (they are on by default)
    return made


DTYPES = [np.float32, np.float64]
SIZES = [1, 37, 4099]
STEPS = 3


def _tolerance(dtype: Any) -> dict[str, float]:
    return {"rtol": 1e-6, "atol": 1e-7} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-14}


def _run_updates(opt: optim.Optimizer, xp: Any, n: int, dtype: Any) -> dict[str, Any]:
    """STEPS calls of ``opt._update`` on flat arrays of n elements, as ``_step_flat`` makes them."""
    assert isinstance(opt, optimizer_module._ElementwiseOptimizer)
    group = opt.param_groups[0]
    rng = np.random.default_rng(0)
    w = rng.standard_normal(n).astype(dtype)
    spec = opt._state_spec(group)
    S = {name: np.full(n, init, dtype) for name, is_scalar, init in spec if not is_scalar}
    scalars = {name: init for name, is_scalar, init in spec if is_scalar}
    deltas = []
    for step in range(STEPS):
        G = rng.standard_normal(n).astype(dtype)
        P = w.copy() if opt._reads_params(group) else None
        c = _Ctx(xp, group, scalars, step == 0, np.float32, G, [])
        delta = opt._update(c, P, G, S)
        if delta is None:
            assert P is not None
            w = P
        else:
            assert P is None
            deltas.append(delta.copy())
            w = w - delta
    return {"w": w, "scalars": dict(scalars), "deltas": deltas, **S}


def _check_against_xp(make: Any, n: int, dtype: Any, kernels: dict[str, Any], kernel: str) -> None:
    expected = _run_updates(make(None), np, n, dtype)
    got = _run_updates(make(True), CUPY, n, dtype)
    assert got.keys() == expected.keys()
    assert got["scalars"] == expected["scalars"]
    assert len(got["deltas"]) == len(expected["deltas"])
    for a, e in zip(got.pop("deltas"), expected.pop("deltas"), strict=True):
        np.testing.assert_allclose(a, e, **_tolerance(dtype))
    got.pop("scalars")
    for name, a in got.items():
        assert a.dtype == dtype, name
        np.testing.assert_allclose(a, expected[name], **_tolerance(dtype), err_msg=name)
    launches = kernels[f"{kernel}<{np.dtype(dtype)}>"].launches
    assert launches == [(min(-(-n // K.THREADS), K._MAX_BLOCKS), K.THREADS)] * STEPS


def _param() -> tocha.Tensor:
    return tocha.zeros(1, requires_grad=True)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("amsgrad", [False, True])
@pytest.mark.parametrize("maximize", [False, True])
@pytest.mark.parametrize("weight_decay", ["none", "l2", "decoupled"])
def test_adam(kernels: dict[str, Any], dtype: Any, n: int, amsgrad: bool, maximize: bool, weight_decay: str) -> None:
    def make(fused: bool | None) -> optim.Optimizer:
        return optim.Adam(
            [_param()],
            lr=0.05,
            betas=(0.8, 0.95),
            eps=1e-3,
            weight_decay=0 if weight_decay == "none" else 0.1,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=weight_decay == "decoupled",
            fused=fused,
        )

    _check_against_xp(make, n, dtype, kernels, "adam_update")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("amsgrad", [False, True])
def test_adamw(kernels: dict[str, Any], dtype: Any, n: int, amsgrad: bool) -> None:
    def make(fused: bool | None) -> optim.Optimizer:
        return optim.AdamW([_param()], lr=0.05, weight_decay=0.5, amsgrad=amsgrad, fused=fused)

    _check_against_xp(make, n, dtype, kernels, "adam_update")


SGD_MOMENTA = [  # (momentum, dampening, nesterov)
    (0.0, 0.0, False),
    (0.9, 0.0, False),
    (0.9, 0.3, False),
    (0.9, 0.0, True),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize(("momentum", "dampening", "nesterov"), SGD_MOMENTA)
@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
@pytest.mark.parametrize("maximize", [False, True])
def test_sgd(
    kernels: dict[str, Any],
    dtype: Any,
    n: int,
    momentum: float,
    dampening: float,
    nesterov: bool,
    weight_decay: float,
    maximize: bool,
) -> None:
    def make(fused: bool | None) -> optim.Optimizer:
        return optim.SGD(
            [_param()],
            lr=0.05,
            momentum=momentum,
            dampening=dampening,
            nesterov=nesterov,
            weight_decay=weight_decay,
            maximize=maximize,
            fused=fused,
        )

    _check_against_xp(make, n, dtype, kernels, "sgd_update")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize(("lr_decay", "initial_accumulator_value"), [(0.0, 0.0), (0.1, 0.5)])
@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
@pytest.mark.parametrize("maximize", [False, True])
def test_adagrad(
    kernels: dict[str, Any],
    dtype: Any,
    n: int,
    lr_decay: float,
    initial_accumulator_value: float,
    weight_decay: float,
    maximize: bool,
) -> None:
    def make(fused: bool | None) -> optim.Optimizer:
        return optim.Adagrad(
            [_param()],
            lr=0.1,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=1e-6,
            maximize=maximize,
            fused=fused,
        )

    _check_against_xp(make, n, dtype, kernels, "adagrad_update")


@pytest.mark.parametrize(("max_blocks", "grid"), [(4096, 17), (3, 3)])
def test_the_launch_configuration(
    kernels: dict[str, Any], monkeypatch: pytest.MonkeyPatch, max_blocks: int, grid: int
) -> None:
    monkeypatch.setattr(K, "THREADS", 256)
    monkeypatch.setattr(K, "_MAX_BLOCKS", max_blocks)
    test_adam(kernels, np.float32, 4099, True, False, "l2")  # 17 blocks of 256 threads, or 3 and six rounds
    assert kernels["adam_update<float32>"].launches == [(grid, 256)] * STEPS
    assert K._grid(10**9) == (max_blocks,)


# ---------------------------------------------------------------- through step(): the optimizers' own paths

SHAPES = [(37,), (3, 5), ()]
OPTIMIZERS: list[tuple[str, dict[str, Any], str]] = [
    ("Adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1}, "adam_update"),
    ("AdamW", {"lr": 0.05}, "adam_update"),
    ("SGD", {"lr": 0.05, "momentum": 0.9}, "sgd_update"),  # the multi-tensor direct update's case
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}, "sgd_update"),
    ("SGD", {"lr": 0.05}, "sgd_update"),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.1}, "adagrad_update"),
]


def _train(name: str, options: dict[str, Any], dtype: tocha.dtype) -> list[dict[str, Any]]:
    rng = np.random.default_rng(1)
    params = [tocha.tensor(rng.standard_normal(s), dtype=dtype, requires_grad=True) for s in SHAPES]
    opt = getattr(optim, name)(params, **options)
    for _ in range(4):
        for p in params:
            p.grad = tocha.tensor(rng.standard_normal(p.shape), dtype=dtype)
        opt.step()
    return [
        {"param": p.detach().numpy().copy()} | {k: v.numpy().copy() for k, v in opt.state[p].items()} for p in params
    ]


@pytest.mark.parametrize("dtype", [tocha.float32, tocha.float64])
@pytest.mark.parametrize("path", ["fused", "env-multi-tensor", "env-single-tensor"])
@pytest.mark.parametrize(("name", "options", "kernel"), OPTIMIZERS)
def test_step_takes_the_fused_kernels(
    kernels: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    options: dict[str, Any],
    kernel: str,
    path: str,
    dtype: tocha.dtype,
) -> None:
    monkeypatch.setattr(optimizer_module, "_xp", lambda t: CUPY)
    monkeypatch.setattr(sgd_module, "_xp", lambda t: CUPY)
    expected = _train(name, options, dtype)
    assert not kernels  # fused off: the xp code ran, with the stand-in CuPy
    if path == "fused":
        got = _train(name, {**options, "fused": True}, dtype)
    else:
        monkeypatch.setenv("TOCHA_CUDA_FUSED", "1")
        got = _train(name, {**options, "foreach": path == "env-multi-tensor"}, dtype)
    tolerance = _tolerance(np.float32 if dtype == tocha.float32 else np.float64)
    for a, e in zip(got, expected, strict=True):
        assert a.keys() == e.keys()
        for key in a:
            np.testing.assert_allclose(a[key], e[key], **tolerance, err_msg=key)
    suffix = "float32" if dtype == tocha.float32 else "float64"
    launches = len(kernels[f"{kernel}<{suffix}>"].launches)
    assert launches == 4 * (len(SHAPES) if path == "env-single-tensor" else 1)  # one launch per group and step
    flat_launches = kernels.get(f"apply_flat_step<{suffix}>")
    if path == "env-single-tensor":
        assert flat_launches is None  # the update wrote each parameter itself
    else:  # per step: the gradients gathered into the flat buffer (and the parameters, for an update that reads
        # them) in one launch each, and the flat step or the new values written back to every parameter in one
        assert flat_launches is not None
        opt = getattr(optim, name)([tocha.zeros(1, requires_grad=True)], **options)
        gathers = 1 + opt._reads_params(opt.param_groups[0])
        assert len(flat_launches.launches) == 4 * (1 + gathers)


@pytest.mark.parametrize("dtype", DTYPES)
def test_the_flat_step_is_written_back_in_one_launch(kernels: dict[str, Any], dtype: Any) -> None:
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(shape).astype(dtype) for shape in [(3, 4), (1,), (70,), (2, 5, 7)]]
    offsets = list(itertools.accumulate([0] + [a.size for a in arrays[:-1]]))
    D = rng.standard_normal(sum(a.size for a in arrays)).astype(dtype)
    expected = [a - D[o : o + a.size].reshape(a.shape) for a, o in zip(arrays, offsets, strict=True)]
    targets = K.FlatStepTargets()
    assert K.apply_flat_step(CUPY, {"fused": True}, D, arrays, offsets, targets)
    for a, e in zip(arrays, expected, strict=True):
        np.testing.assert_array_equal(a, e)  # the same subtraction, element by element
    tables = targets.tables(CUPY, arrays, offsets)
    assert tables[0].tolist() == [a.ctypes.data for a in arrays]
    assert tables[1].tolist() == [*offsets, D.size]
    again = targets.tables(CUPY, arrays, offsets)
    assert again[0] is tables[0]  # made once while the storage stays
    assert again[1] is tables[1]
    moved = [a.copy() for a in arrays]
    assert targets.tables(CUPY, moved, offsets)[0].tolist() == [a.ctypes.data for a in moved]
    assert targets.tables(CUPY, moved, offsets)[1] is tables[1]  # the starts are the same: not copied again
    assert K.apply_flat_step(CUPY, {"fused": True}, D, moved, offsets, targets, copy=True)
    for a, o in zip(moved, offsets, strict=True):
        np.testing.assert_array_equal(a.reshape(-1), D[o : o + a.size])
    launches = kernels[f"apply_flat_step<{np.dtype(dtype)}>"].launches
    assert launches == [(min(-(-D.size // K.THREADS), K._MAX_BLOCKS), K.THREADS)] * 2
    assert not K.apply_flat_step(CUPY, {"fused": True}, D, [arrays[0].T, *arrays[1:]], offsets, targets)
    assert not K.apply_flat_step(CUPY, {"fused": False}, D, arrays, offsets, targets)
    assert not K.apply_flat_step(np, {"fused": True}, D, arrays, offsets, targets)
    assert len(launches) == 2


@pytest.mark.parametrize("dtype", DTYPES)
def test_gradients_are_gathered_into_the_flat_buffer_in_one_launch(kernels: dict[str, Any], dtype: Any) -> None:
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal(shape).astype(dtype) for shape in [(3, 4), (1,), (70,), (2, 5, 7)]]
    offsets = list(itertools.accumulate([0] + [a.size for a in arrays[:-1]]))
    D = np.full(sum(a.size for a in arrays), np.nan, dtype)
    assert K.gather_flat(CUPY, {"fused": True}, D, arrays, offsets, K.FlatStepTargets())
    np.testing.assert_array_equal(D, np.concatenate([a.reshape(-1) for a in arrays]))
    assert len(kernels[f"apply_flat_step<{np.dtype(dtype)}>"].launches) == 1
    other = arrays[0].astype(np.float16)  # another dtype, a transposed view: the caller concatenates instead
    assert not K.gather_flat(CUPY, {"fused": True}, D, [other, *arrays[1:]], offsets, K.FlatStepTargets())
    assert not K.gather_flat(CUPY, {"fused": True}, D, [arrays[0].T, *arrays[1:]], offsets, K.FlatStepTargets())
    assert not K.gather_flat(np, {"fused": True}, D, arrays, offsets, K.FlatStepTargets())


def test_a_fused_step_moves_the_version_counters(kernels: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(optimizer_module, "_xp", lambda t: CUPY)
    params = [tocha.ones(3, requires_grad=True), tocha.ones(2, 2, requires_grad=True)]
    opt = optim.Adam(params, lr=0.1, fused=True)
    saved = (params[0] * params[0]).sum()  # saves params[0] for its backward
    for p in params:
        p.grad = tocha.ones_like(p)
    versions = [tocha.library.tensor_version(p) for p in params]
    opt.step()
    assert [tocha.library.tensor_version(p) for p in params] == [v + 1 for v in versions]
    assert len(kernels["apply_flat_step<float32>"].launches) == 2  # the gradients gathered, the step written back
    np.testing.assert_allclose(params[1].detach().numpy(), np.full((2, 2), 0.9), rtol=1e-6)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        saved.backward()


# ---------------------------------------------------------------- when the kernels run


def test_the_kernels_never_run_on_numpy_or_the_fake(monkeypatch: pytest.MonkeyPatch) -> None:
    class FakeCupy:
        __version__ = "14.2.0+fake"

    def refuse(*args: Any) -> Any:
        raise AssertionError("tried to compile the fused kernels")

    monkeypatch.setattr(K, "_module", refuse)
    monkeypatch.setenv("TOCHA_CUDA_FUSED", "1")
    a = np.zeros(4, np.float32)
    assert not K._compiles_for(np)
    assert not K._compiles_for(FakeCupy())
    assert K._compiles_for(CUPY)
    assert not K.usable(np, {"fused": True}, a, a)
    assert not K.usable(FakeCupy(), {"fused": True}, a, a)
    for name, options, _ in OPTIMIZERS:  # on the CPU, fused=True and TOCHA_CUDA_FUSED=1 change nothing
        _train(name, {**options, "fused": True}, tocha.float32)


def test_usable_follows_the_option_and_needs_contiguous_float_arrays_of_one_dtype_and_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TOCHA_CUDA_FUSED", raising=False)
    a = np.zeros(6, np.float32)
    on = {"fused": True}
    assert K.usable(CUPY, on, a, None, a)
    assert K.usable(CUPY, {"fused": None}, a, a)  # the default: on
    assert K.usable(CUPY, {}, a, a)
    assert not K.usable(CUPY, {"fused": False}, a, a)
    monkeypatch.setenv("TOCHA_CUDA_FUSED", "0")
    assert not K.usable(CUPY, {"fused": None}, a, a)
    assert K.usable(CUPY, on, a, a)  # asked for by the group
    monkeypatch.setenv("TOCHA_CUDA_FUSED", "1")
    assert K.usable(CUPY, {"fused": None}, a, a)
    assert not K.usable(CUPY, on, a, a.astype(np.float64))
    assert not K.usable(CUPY, on, a.astype(np.float16))
    assert not K.usable(CUPY, on, a, np.zeros(7, np.float32))
    assert not K.usable(CUPY, on, np.zeros((3, 4), np.float32)[:, :2])
    assert not K.usable(CUPY, on, np.zeros(0, np.float32))
    assert not K.usable(CUPY, on, None, a.astype(np.int64))


def test_every_combination_is_one_instantiation() -> None:
    assert K.name_expressions() == [
        f"{kernel}<{ctype}>" for kernel, ctype in itertools.product(K.KERNELS, ["float", "double"])
    ]
