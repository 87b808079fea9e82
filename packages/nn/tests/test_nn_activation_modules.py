"""tocha.nn activation layers: forward/grad vs the functional forms and PyTorch, reprs, attributes, errors."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from nn_oracle import compare_with_torch, torch_or_skip

import tocha
import tocha.nn as nn
import tocha.nn.functional as F

# (constructor name, args, kwargs)
MODULES: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("ReLU", (), {}),
    ("ReLU6", (), {}),
    ("LeakyReLU", (0.2,), {}),
    ("PReLU", (), {}),
    ("PReLU", (4, 0.1), {}),
    ("ELU", (), {"alpha": 0.5}),
    ("SELU", (), {}),
    ("CELU", (1.5,), {}),
    ("GELU", (), {}),
    ("GELU", ("tanh",), {}),
    ("SiLU", (), {}),
    ("Mish", (), {}),
    ("Sigmoid", (), {}),
    ("Hardsigmoid", (), {}),
    ("Tanh", (), {}),
    ("Hardtanh", (-2.0, 2.0), {}),
    ("Hardswish", (), {}),
    ("Softplus", (), {"beta": 2.0, "threshold": 3.0}),
    ("Softsign", (), {}),
    ("Softshrink", (0.7,), {}),
    ("Hardshrink", (0.7,), {}),
    ("Tanhshrink", (), {}),
    ("Threshold", (0.1, 20.0), {}),
    ("LogSigmoid", (), {}),
    ("Softmax", (1,), {}),
    ("LogSoftmax", (1,), {}),
    ("Softmin", (1,), {}),
    ("Softmax2d", (), {}),
    ("GLU", (1,), {}),
    ("RReLU", (0.1, 0.3), {}),
]
IDS = [f"{name}{args}{kwargs or ''}" for name, args, kwargs in MODULES]

REPRS = [
    (nn.ReLU(), "ReLU()"),
    (nn.ReLU(True), "ReLU(inplace=True)"),
    (nn.ReLU6(True), "ReLU6(inplace=True)"),
    (nn.LeakyReLU(), "LeakyReLU(negative_slope=0.01)"),
    (nn.LeakyReLU(0.2, True), "LeakyReLU(negative_slope=0.2, inplace=True)"),
    (nn.PReLU(3, 0.1), "PReLU(num_parameters=3)"),
    (nn.RReLU(), "RReLU(lower=0.125, upper=0.3333333333333333)"),
    (nn.ELU(inplace=True), "ELU(alpha=1.0, inplace=True)"),
    (nn.SELU(True), "SELU(inplace=True)"),
    (nn.CELU(), "CELU(alpha=1.0)"),
    (nn.GELU("tanh"), "GELU(approximate='tanh')"),
    (nn.SiLU(True), "SiLU(inplace=True)"),
    (nn.Mish(), "Mish()"),
    (nn.Hardsigmoid(True), "Hardsigmoid()"),
    (nn.Hardtanh(), "Hardtanh(min_val=-1.0, max_val=1.0)"),
    (nn.Hardtanh(-2, 2, True), "Hardtanh(min_val=-2, max_val=2, inplace=True)"),
    (nn.Hardswish(True), "Hardswish()"),
    (nn.Softplus(), "Softplus(beta=1.0, threshold=20.0)"),
    (nn.Softshrink(), "Softshrink(0.5)"),
    (nn.Hardshrink(), "Hardshrink(0.5)"),
    (nn.Threshold(0.1, 20), "Threshold(threshold=0.1, value=20)"),
    (nn.Softmax(), "Softmax(dim=None)"),
    (nn.LogSoftmax(1), "LogSoftmax(dim=1)"),
    (nn.Softmin(0), "Softmin(dim=0)"),
    (nn.Softmax2d(), "Softmax2d()"),
    (nn.GLU(), "GLU(dim=-1)"),
    (nn.Sigmoid(), "Sigmoid()"),
]


def _input(dtype: Any = np.float64) -> tocha.Tensor:
    rng = np.random.default_rng(0)
    return tocha.tensor(rng.uniform(-4, 4, size=(2, 4, 3, 2)).astype(dtype))


@pytest.mark.parametrize(("module", "expected"), REPRS, ids=[e for _, e in REPRS])
def test_reprs(module: nn.Module, expected: str) -> None:
    assert repr(module) == expected


def test_reprs_match_torch() -> None:
    torch = torch_or_skip()
    for name, args, kwargs in MODULES:
        assert repr(getattr(nn, name)(*args, **kwargs)) == repr(getattr(torch.nn, name)(*args, **kwargs)), name


@pytest.mark.parametrize(("name", "args", "kwargs"), MODULES, ids=IDS)
def test_modules_match_torch(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    torch = torch_or_skip()
    ours = getattr(nn, name)(*args, **kwargs)
    theirs = getattr(torch.nn, name)(*args, **kwargs)
    if name == "RReLU":
        ours.eval()
        theirs.eval()
    if name == "PReLU":  # its weight is float32, and PyTorch's prelu refuses mixed dtypes
        compare_with_torch(ours, theirs, _input(np.float32), atol=1e-6, rtol=1e-6)
        return
    compare_with_torch(ours, theirs, _input(), atol=1e-7, rtol=1e-7)


def test_module_forward_equals_functional() -> None:
    x = _input()
    np.testing.assert_array_equal(nn.ReLU()(x).numpy(), F.relu(x).numpy())
    np.testing.assert_array_equal(nn.GELU("tanh")(x).numpy(), F.gelu(x, approximate="tanh").numpy())
    np.testing.assert_array_equal(nn.LogSoftmax(1)(x).numpy(), F.log_softmax(x, 1).numpy())
    np.testing.assert_array_equal(nn.Hardtanh(-2, 2)(x).numpy(), F.hardtanh(x, -2, 2).numpy())


def test_inplace_modules_write_into_input() -> None:
    for m in (nn.ReLU(True), nn.ReLU6(True), nn.LeakyReLU(0.1, True), nn.ELU(inplace=True), nn.SELU(True),
              nn.CELU(inplace=True), nn.SiLU(True), nn.Mish(True), nn.Hardsigmoid(True), nn.Hardswish(True),
              nn.Hardtanh(inplace=True), nn.Threshold(0.1, 2.0, True), nn.RReLU(inplace=True)):  # fmt: skip
        x = _input()
        reference = copy.deepcopy(m)
        reference.inplace = False
        expected = reference.eval()(x.clone())
        assert m.eval()(x) is x
        np.testing.assert_allclose(x.numpy(), expected.numpy())


def test_prelu_parameter_and_state_dict() -> None:
    m = nn.PReLU(4, init=0.1, dtype=tocha.float64)
    assert list(m.state_dict()) == ["weight"]
    assert m.weight.shape == (4,)
    assert m.weight.dtype == tocha.float64
    np.testing.assert_array_equal(m.weight.detach().numpy(), 0.1)
    assert m.num_parameters == 4
    assert m.init == 0.1
    m(_input()).sum().backward()
    assert m.weight.grad is not None
    assert m.weight.grad.shape == (4,)


def test_rrelu_module_train_and_eval() -> None:
    m = nn.RReLU(0.1, 0.3)
    x = tocha.full((1000,), -1.0)
    y = m(x).numpy()
    assert len(np.unique(y)) > 10
    assert y.min() >= -0.3
    assert y.max() <= -0.1
    np.testing.assert_allclose(m.eval()(x).numpy(), -0.2, rtol=1e-6)


def test_softmax_module_implicit_dim_warns() -> None:
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        nn.Softmax()(tocha.ones(2, 3))


def test_softmax2d() -> None:
    x = _input()
    np.testing.assert_allclose(nn.Softmax2d()(x).numpy(), F.softmax(x, -3).numpy())
    np.testing.assert_allclose(nn.Softmax2d()(x[0]).numpy(), F.softmax(x[0], 0).numpy())
    with pytest.raises(ValueError, match="Softmax2d: expected input to be 3D or 4D, got 2D instead"):
        nn.Softmax2d()(tocha.ones(2, 3))


def test_hardtanh_module_errors_and_deprecated_kwargs() -> None:
    with pytest.raises(AssertionError, match=r"max_val \(1\) must be greater than min_val \(2\)"):
        nn.Hardtanh(2, 1)
    with pytest.warns(FutureWarning, match="keyword argument `min_value` is deprecated and renamed to `min_val`"):
        m = nn.Hardtanh(min_value=-2.0)
    assert m.min_val == -2.0


def test_attributes() -> None:
    assert nn.LeakyReLU(0.3).negative_slope == 0.3
    assert (nn.ReLU6().min_val, nn.ReLU6().max_val) == (0.0, 6.0)
    assert nn.Softplus(2.0, 10.0).beta == 2.0
    assert nn.GELU().approximate == "none"
    assert nn.Softmax(1).dim == 1
    assert nn.Threshold(1.0, 2.0).value == 2.0
    for m in (nn.ReLU(), nn.Sigmoid(), nn.GLU()):
        assert list(m.state_dict()) == []
