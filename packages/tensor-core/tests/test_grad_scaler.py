"""tocha.amp.GradScaler: the scale → unscale_ → step → update cycle, against torch.amp.GradScaler('cpu')."""

from __future__ import annotations

import pickle
import re
import warnings
from typing import Any

import numpy as np
import pytest

import tocha
from tocha.amp import GradScaler


class _SGD:
    """A duck-typed optimizer (param_groups + step), plain SGD on ``.grad``."""

    def __init__(self, params: list[tocha.Tensor], lr: float = 0.1) -> None:
        self.param_groups: list[dict[str, Any]] = [{"params": params, "lr": lr}]
        self.steps = 0

    def step(self) -> str:
        self.steps += 1
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.sub_(p.grad * group["lr"])
        return "stepped"


def _scaled_cycle(scaler: GradScaler, opt: _SGD, grads: list[list[float]]) -> Any:
    _ = scaler.scale(tocha.ones(1))
    for p, g in zip(opt.param_groups[0]["params"], grads, strict=True):
        p.grad = tocha.tensor(g) * scaler.get_scale()
    result = scaler.step(opt)
    scaler.update()
    return result


def test_scale_and_defaults() -> None:
    scaler = GradScaler("cpu")
    assert scaler.is_enabled()
    assert scaler.get_scale() == 65536.0
    assert scaler.get_growth_factor() == 2.0
    assert scaler.get_backoff_factor() == 0.5
    assert scaler.get_growth_interval() == 2000
    out = scaler.scale(tocha.tensor([1.0, 2.0]))
    np.testing.assert_array_equal(out.numpy(), [65536.0, 131072.0])
    assert out.dtype is tocha.float32
    half = scaler.scale(tocha.tensor([1.0, 2.0], dtype=tocha.float16))
    assert half.dtype is tocha.float16  # the 0-dim float32 scale does not promote
    nested = scaler.scale([tocha.ones(1), (tocha.ones(2),)])
    assert isinstance(nested, list)
    assert isinstance(nested[1], tuple)
    assert nested[1][0].tolist() == [65536.0, 65536.0]
    assert next(iter(scaler.scale(iter([tocha.ones(1)])))).item() == 65536.0
    with pytest.raises(ValueError, match="outputs must be a Tensor or an iterable of Tensors"):
        scaler.scale(3.0)


def test_unscale_and_step() -> None:
    p = tocha.zeros(2)
    opt = _SGD([p], lr=1.0)
    scaler = GradScaler("cpu", init_scale=4.0)
    _ = scaler.scale(tocha.ones(1))
    p.grad = tocha.tensor([4.0, 8.0])
    scaler.unscale_(opt)
    assert p.grad.tolist() == [1.0, 2.0]
    with pytest.raises(RuntimeError, match=r"unscale_\(\) has already been called on this optimizer since the last"):
        scaler.unscale_(opt)
    assert scaler.step(opt) == "stepped"
    assert p.tolist() == [-1.0, -2.0]
    with pytest.raises(RuntimeError, match=r"step\(\) has already been called since the last update\(\)"):
        scaler.step(opt)
    with pytest.raises(RuntimeError, match=r"unscale_\(\) is being called after step\(\)"):
        scaler.unscale_(opt)
    scaler.update()
    scaler.unscale_(opt)  # a new iteration


def test_inf_or_nan_skips_the_step_and_backs_off() -> None:
    for bad in (float("inf"), float("-inf"), float("nan")):
        p = tocha.zeros(2)
        opt = _SGD([p])
        scaler = GradScaler("cpu", init_scale=8.0)
        assert _scaled_cycle(scaler, opt, [[1.0, bad]]) is None
        assert opt.steps == 0
        assert p.tolist() == [0.0, 0.0]
        assert scaler.get_scale() == 4.0
        assert scaler._get_growth_tracker() == 0


def test_growth_after_interval() -> None:
    p = tocha.zeros(1)
    opt = _SGD([p])
    scaler = GradScaler("cpu", init_scale=2.0, growth_interval=3)
    scales = []
    for _ in range(7):
        _scaled_cycle(scaler, opt, [[1.0]])
        scales.append(scaler.get_scale())
    assert scales == [2.0, 2.0, 4.0, 4.0, 4.0, 8.0, 8.0]
    assert opt.steps == 7


def test_growth_stops_at_inf() -> None:
    p = tocha.zeros(1)
    opt = _SGD([p])
    scaler = GradScaler("cpu", init_scale=3.0e38, growth_interval=1)
    _scaled_cycle(scaler, opt, [[0.0]])
    assert scaler.get_scale() == pytest.approx(3.0e38)  # 6e38 overflows float32: the scale stays


def test_grads_none_and_empty_and_multiple_optimizers() -> None:
    a, b = tocha.zeros(2), tocha.zeros(0)
    c = tocha.zeros(1)
    opt1, opt2 = _SGD([a, b, c]), _SGD([tocha.zeros(1)])
    scaler = GradScaler("cpu", init_scale=2.0)
    _ = scaler.scale(tocha.ones(1))
    a.grad = tocha.tensor([2.0, 4.0])
    b.grad = tocha.zeros(0)
    scaler.step(opt1)
    opt2.param_groups[0]["params"][0].grad = tocha.tensor([float("inf")])
    scaler.step(opt2)
    assert opt1.steps == 1
    assert opt2.steps == 0
    scaler.update()
    assert scaler.get_scale() == 1.0  # one optimizer's inf backs the shared scale off


def test_errors_before_scale_and_with_closure() -> None:
    opt = _SGD([tocha.zeros(1)])
    scaler = GradScaler("cpu")
    with pytest.raises(AssertionError, match="Attempted step but _scale is None"):
        scaler.step(opt)
    with pytest.raises(AssertionError, match="Attempted update but _scale is None"):
        scaler.update()
    with pytest.raises(AssertionError, match="Attempted unscale_ but _scale is None"):
        scaler.unscale_(opt)
    _ = scaler.scale(tocha.ones(1))
    with pytest.raises(
        RuntimeError, match=re.escape("Closure use is not currently supported if GradScaler is enabled.")
    ):
        scaler.step(opt, closure=lambda: 0)
    with pytest.raises(AssertionError, match=re.escape("No inf checks were recorded prior to update.")):
        scaler.update()
    with pytest.raises(AssertionError, match=re.escape("The growth factor must be > 1.0.")):
        GradScaler("cpu", growth_factor=1.0)
    with pytest.raises(AssertionError, match=re.escape("The backoff factor must be < 1.0.")):
        GradScaler("cpu", backoff_factor=1.0)


def test_fp16_gradients_are_rejected() -> None:
    p = tocha.zeros(1, dtype=tocha.float16)
    opt = _SGD([p])
    scaler = GradScaler("cpu")
    _ = scaler.scale(tocha.ones(1))
    p.grad = tocha.ones(1, dtype=tocha.float16)
    with pytest.raises(ValueError, match=re.escape("Attempting to unscale FP16 gradients.")):
        scaler.unscale_(opt)


def test_update_with_new_scale() -> None:
    scaler = GradScaler("cpu")
    _ = scaler.scale(tocha.ones(1))
    scaler.update(new_scale=128.0)
    assert scaler.get_scale() == 128.0
    scaler.update(new_scale=tocha.tensor([32.0]))
    assert scaler.get_scale() == 32.0
    with pytest.raises(AssertionError, match="new_scale should be a float or a 1-element"):
        scaler.update(new_scale=tocha.ones(2))
    with pytest.raises(AssertionError, match="new_scale should be a float or a 1-element"):
        scaler.update(new_scale="x")


def test_state_dict_round_trip_and_pickle() -> None:
    p = tocha.zeros(1)
    opt = _SGD([p])
    scaler = GradScaler("cpu", init_scale=16.0, growth_interval=5)
    _scaled_cycle(scaler, opt, [[1.0]])
    _scaled_cycle(scaler, opt, [[1.0]])
    state = scaler.state_dict()
    assert state == {
        "scale": 16.0,
        "growth_factor": 2.0,
        "backoff_factor": 0.5,
        "growth_interval": 5,
        "_growth_tracker": 2,
    }
    other = GradScaler("cpu")
    other.load_state_dict(state)
    assert other.state_dict() == state
    _ = other.scale(tocha.ones(1))
    assert other.get_scale() == 16.0
    other.load_state_dict({**state, "scale": 4.0, "_growth_tracker": 1})  # also updates live tensors
    assert other.get_scale() == 4.0
    assert other._get_growth_tracker() == 1
    with pytest.raises(RuntimeError, match="The source state dict is empty"):
        GradScaler("cpu").load_state_dict({})
    clone = pickle.loads(pickle.dumps(scaler))
    assert clone.state_dict() == state
    _ = scaler.scale(tocha.ones(1))
    p.grad = tocha.ones(1)
    scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="may only be pickled at the beginning of an iteration"):
        pickle.dumps(scaler)


def test_disabled_scaler_is_a_pass_through() -> None:
    p = tocha.zeros(1)
    opt = _SGD([p])
    scaler = GradScaler("cpu", enabled=False)
    x = tocha.ones(2)
    assert scaler.scale(x) is x
    p.grad = tocha.tensor([float("inf")])
    scaler.unscale_(opt)
    assert scaler.step(opt) == "stepped"
    scaler.update()
    assert scaler.get_scale() == 1.0
    assert scaler.state_dict() == {}
    assert not scaler.is_enabled()


def test_cuda_scaler_without_cuda_disables_itself() -> None:
    if tocha.cuda.is_available():
        pytest.skip("CUDA is available here")
    with pytest.warns(UserWarning, match="GradScaler is enabled, but CUDA is not available.  Disabling."):
        scaler = GradScaler()
    assert not scaler.is_enabled()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not GradScaler(enabled=False).is_enabled()


# ------------------------------------------------------------------ against PyTorch


_GRAD_SEQUENCE = [
    [1.0, 2.0],
    [0.5, -1.0],
    [float("inf"), 1.0],
    [1.0, 1.0],
    [1.0, float("nan")],
    [2.0, 3.0],
    [0.25, 0.5],
    [1.0, -2.0],
    [float("-inf"), 0.0],
    [1.0, 1.0],
    [3.0, 1.0],
    [1.0, 4.0],
]


def test_scale_evolution_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    ours_p = tocha.zeros(2)
    ours_opt = _SGD([ours_p], lr=0.1)
    ours = GradScaler("cpu", init_scale=1024.0, growth_interval=3)
    theirs_p = torch.zeros(2, requires_grad=True)
    theirs_opt = torch.optim.SGD([theirs_p], lr=0.1)
    theirs = torch.amp.GradScaler("cpu", init_scale=1024.0, growth_interval=3)
    for grads in _GRAD_SEQUENCE:
        _ = ours.scale(tocha.ones(1))
        ours_p.grad = tocha.tensor(grads) * ours.get_scale()
        ours.step(ours_opt)
        ours.update()
        theirs.scale(torch.ones(1))
        theirs_p.grad = torch.tensor(grads) * theirs.get_scale()
        theirs.step(theirs_opt)
        theirs.update()
        assert ours.get_scale() == theirs.get_scale()
        assert ours._get_growth_tracker() == theirs._get_growth_tracker()
        np.testing.assert_allclose(ours_p.numpy(), theirs_p.detach().numpy(), rtol=1e-6)
    assert ours.state_dict() == theirs.state_dict()


@pytest.mark.autograd
def test_training_with_tocha_optim_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    optim = pytest.importorskip("tocha.optim")
    pytest.importorskip("tocha.autograd")
    w0 = np.array([0.5, -0.25, 1.0], dtype=np.float32)
    ours_w = tocha.tensor(w0).requires_grad_()
    theirs_w = torch.tensor(w0, requires_grad=True)
    ours_opt = optim.SGD([ours_w], lr=0.05, momentum=0.9)
    theirs_opt = torch.optim.SGD([theirs_w], lr=0.05, momentum=0.9)
    ours = GradScaler("cpu", init_scale=256.0, growth_interval=2)
    theirs = torch.amp.GradScaler("cpu", init_scale=256.0, growth_interval=2)
    x = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]], dtype=np.float32)
    for step in range(10):
        ours_opt.zero_grad()
        theirs_opt.zero_grad()
        ours_loss = (tocha.tensor(x) @ ours_w).pow(2).sum()
        theirs_loss = (torch.tensor(x) @ theirs_w).pow(2).sum()
        ours.scale(ours_loss).backward()
        theirs.scale(theirs_loss).backward()
        if step in (3, 6):  # inject an overflowed gradient
            assert ours_w.grad is not None
            assert theirs_w.grad is not None
            ours_w.grad[1] = float("inf")
            theirs_w.grad[1] = float("inf")
        ours.step(ours_opt)
        theirs.step(theirs_opt)
        ours.update()
        theirs.update()
        assert ours.get_scale() == theirs.get_scale(), step
        np.testing.assert_allclose(ours_w.detach().numpy(), theirs_w.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.gpu
def test_cuda_scaler_cycle() -> None:
    p = tocha.zeros(2, device="cuda")
    opt = _SGD([p])
    scaler = GradScaler("cuda", init_scale=4.0)
    out = scaler.scale(tocha.ones(1, device="cuda"))
    assert out.device.type == "cuda"
    p.grad = tocha.tensor([4.0, float("inf")], device="cuda")
    assert scaler.step(opt) is None
    scaler.update()
    assert scaler.get_scale() == 2.0
