"""Device kernels (NOTE [ Device kernels ]): a faster kernel for an op on one device type, with the generic
forward behind it; and the activations tensor-core owns (relu, softmax, log_softmax) against PyTorch."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import tocha
from tocha.library import generic_forward, get_op, register_kernel


@pytest.fixture
def cpu_kernel_slot() -> Iterator[list[Any]]:
    calls: list[Any] = []
    yield calls
    register_kernel("exp2", "cpu", None)


def test_a_kernel_runs_first_and_may_decline(cpu_kernel_slot: list[Any]) -> None:
    x = tocha.tensor([1.0, 2.0, 3.0])

    def doubled_exp2(xp: Any, a: Any) -> Any:
        cpu_kernel_slot.append(a.shape)
        return None if a.size == 1 else xp.exp2(a) * 2  # visibly different from the generic result

    register_kernel("exp2", "cpu", doubled_exp2)
    assert tocha.exp2(x).tolist() == [4.0, 8.0, 16.0]
    assert tocha.exp2(tocha.tensor([3.0])).tolist() == [8.0]  # declined: the generic forward ran
    assert cpu_kernel_slot == [(3,), (1,)]
    np.testing.assert_array_equal(generic_forward("exp2")(np, np.array([1.0, 2.0])), [2.0, 4.0])
    register_kernel("exp2", "cpu", None)
    assert tocha.exp2(x).tolist() == [2.0, 4.0, 8.0]
    assert len(cpu_kernel_slot) == 2


def test_kernels_for_another_device_type_leave_this_one_alone(cpu_kernel_slot: list[Any]) -> None:
    register_kernel("exp2", "cuda", lambda xp, a: cpu_kernel_slot.append("cuda") or xp.zeros_like(a))
    try:
        assert tocha.exp2(tocha.tensor([1.0])).tolist() == [2.0]
        assert cpu_kernel_slot == []
    finally:
        register_kernel("exp2", "cuda", None)


def test_out_calls_and_gradients_use_the_generic_path_or_the_kernel_consistently(cpu_kernel_slot: list[Any]) -> None:
    register_kernel("exp2", "cpu", lambda xp, a: cpu_kernel_slot.append("k") or None)
    out = tocha.empty(2)
    tocha.exp2(tocha.tensor([1.0, 2.0]), out=out)
    assert out.tolist() == [2.0, 4.0]
    pytest.importorskip("tocha.autograd")
    x = tocha.tensor([1.0, 2.0], requires_grad=True)
    tocha.exp2(x).sum().backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.numpy(), np.log(2) * np.array([2.0, 4.0]), rtol=1e-6)


def test_register_kernel_errors() -> None:
    with pytest.raises(KeyError, match="no op named 'no_such_op' is registered"):
        register_kernel("no_such_op", "cpu", lambda xp, a: None)
    with pytest.raises(RuntimeError, match="no_such_device"):
        register_kernel("exp2", "no_such_device", lambda xp, a: None)


# ------------------------------------------------------------------ tensor-core's activations


def test_relu_softmax_log_softmax_functions_and_methods() -> None:
    x = tocha.tensor([[-1.0, 2.0, 0.5], [3.0, -4.0, 0.0]])
    a = x.numpy()
    np.testing.assert_array_equal(tocha.relu(x).numpy(), np.maximum(a, 0))
    np.testing.assert_array_equal(x.relu().numpy(), np.maximum(a, 0))
    e = np.exp(a - a.max(1, keepdims=True))
    np.testing.assert_allclose(x.softmax(1).numpy(), e / e.sum(1, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(tocha.softmax(x, -1).numpy(), e / e.sum(1, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(x.log_softmax(dim=1).numpy(), np.log(e / e.sum(1, keepdims=True)), rtol=1e-6)
    assert tocha.softmax(x, 0, tocha.float64).dtype is tocha.float64
    assert x.softmax(0, dtype=tocha.float64).dtype is tocha.float64
    y = x.clone()
    assert y.relu_() is y
    assert y.tolist() == np.maximum(a, 0).tolist()
    z = x.clone()
    assert tocha.relu_(z) is z
    assert tocha.relu(tocha.tensor([-3, 4])).tolist() == [0, 4]
    assert tocha.softmax(tocha.tensor(float("inf")), 0).isnan().item()
    assert tocha.softmax(tocha.zeros(0, 3), 1).shape == (0, 3)


def test_activation_errors() -> None:
    with pytest.raises(RuntimeError, match=r"relu\(\): Boolean inputs not supported for relu"):
        tocha.relu(tocha.tensor([True]))
    with pytest.raises(NotImplementedError, match="\"softmax_lastdim_kernel_impl\" not implemented for 'Long'"):
        tocha.softmax(tocha.tensor([1, 2]), 0)
    with pytest.raises(TypeError, match=r"softmax\(\): argument 'dim' must be int, not NoneType"):
        tocha.softmax(tocha.ones(2), None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        tocha.ones(2).softmax()  # type: ignore[call-arg]
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-1, 0\], but got 1\)"):
        tocha.log_softmax(tocha.ones(2), 1)


def test_activations_match_pytorch_with_gradients() -> None:
    torch = pytest.importorskip("torch")
    pytest.importorskip("tocha.autograd")
    data = np.random.default_rng(0).standard_normal((4, 6))
    for name, call in [
        ("relu", lambda lib, t: lib.relu(t)),
        ("softmax", lambda lib, t: t.softmax(-1)),
        ("log_softmax", lambda lib, t: lib.log_softmax(t, 0)),
        ("softmax float32", lambda lib, t: lib.softmax(t, 1, dtype=lib.float32)),
    ]:
        ours = tocha.tensor(data, requires_grad=True)
        theirs = torch.tensor(data, requires_grad=True)
        y, ty = call(tocha, ours), call(torch, theirs)
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-6, atol=1e-7, err_msg=name)
        weights = np.arange(y.numel(), dtype=np.float64).reshape(tuple(y.shape))
        (y * tocha.tensor(weights, dtype=y.dtype)).sum().backward()
        (ty * torch.tensor(weights, dtype=ty.dtype)).sum().backward()
        assert ours.grad is not None
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-5, atol=1e-6, err_msg=name)
        assert type(y.grad_fn).__name__ == type(ty.grad_fn).__name__.replace("Backward1", "Backward0")


def test_the_records_are_the_ones_nn_and_onnx_name() -> None:
    assert {get_op(n).name for n in ("relu", "softmax", "log_softmax")} == {"relu", "softmax", "log_softmax"}
    assert get_op("softmax").vjp is not None
