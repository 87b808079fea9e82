"""tocha.nn.init: distributions, bounds, fan computation, errors and warnings (vs PyTorch where installed)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from nn_oracle import torch_or_skip

import tocha
import tocha.nn as nn
from tocha.nn import init

NONLINEARITIES = [
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "selu",
]


def test_calculate_gain_values() -> None:
    assert init.calculate_gain("linear") == 1
    assert init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("tanh") == 5.0 / 3
    assert init.calculate_gain("relu") == math.sqrt(2.0)
    assert init.calculate_gain("leaky_relu") == math.sqrt(2.0 / (1 + 0.01**2))
    assert init.calculate_gain("leaky_relu", 0) == math.sqrt(2.0)
    assert init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2.0 / 1.04)
    assert init.calculate_gain("selu") == 0.75


def test_calculate_gain_errors() -> None:
    with pytest.raises(ValueError, match="Unsupported nonlinearity foo"):
        init.calculate_gain("foo")
    with pytest.raises(ValueError, match="negative_slope True not a valid number"):
        init.calculate_gain("leaky_relu", True)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="negative_slope x not a valid number"):
        init.calculate_gain("leaky_relu", "x")  # type: ignore[arg-type]


def test_calculate_gain_matches_torch() -> None:
    torch = torch_or_skip()
    for name in NONLINEARITIES:
        assert init.calculate_gain(name) == torch.nn.init.calculate_gain(name), name
    for slope in (0, 1, 0.3, -0.5):
        assert init.calculate_gain("leaky_relu", slope) == torch.nn.init.calculate_gain("leaky_relu", slope)


@pytest.mark.parametrize(
    ("shape", "expected"),
    [((3, 5), (5, 3)), ((8, 3, 5, 5), (75, 200)), ((4, 2, 3), (6, 12)), ((0, 3), (3, 0)), ((2, 3, 0), (0, 0))],
)
def test_fan_in_and_fan_out(shape: tuple[int, ...], expected: tuple[int, int]) -> None:
    assert init._calculate_fan_in_and_fan_out(tocha.empty(shape)) == expected


def test_fan_errors() -> None:
    with pytest.raises(ValueError, match="Fan in and fan out can not be computed for tensor with fewer than 2"):
        init._calculate_fan_in_and_fan_out(tocha.empty(3))
    with pytest.raises(ValueError, match=r"Mode fan_x not supported, please use one of \['fan_in', 'fan_out'\]"):
        init.kaiming_uniform_(tocha.empty(3, 3), mode="fan_x")


def test_fans_match_torch() -> None:
    torch = torch_or_skip()
    for shape in [(3, 5), (8, 3, 5, 5), (4, 2, 3), (6, 1, 2, 2, 2)]:
        ours = init._calculate_fan_in_and_fan_out(tocha.empty(shape))
        assert ours == torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))


def _stats(t: tocha.Tensor) -> tuple[float, float, float, float]:
    a = t.numpy().astype(np.float64)
    return float(a.mean()), float(a.std()), float(a.min()), float(a.max())


def test_uniform_and_normal_statistics() -> None:
    g = tocha.Generator().manual_seed(0)
    t = tocha.empty(200, 300)
    assert init.uniform_(t, -2.0, 3.0, generator=g) is t
    mean, std, low, high = _stats(t)
    assert low >= -2.0
    assert high < 3.0
    assert abs(mean - 0.5) < 0.02
    assert abs(std - 5 / math.sqrt(12)) < 0.02
    init.normal_(t, 1.5, 0.5, generator=g)
    mean, std, _, _ = _stats(t)
    assert abs(mean - 1.5) < 0.01
    assert abs(std - 0.5) < 0.01


def test_generator_makes_draws_reproducible() -> None:
    for fn in (init.uniform_, init.normal_, init.xavier_uniform_, init.kaiming_normal_, init.trunc_normal_):
        a = fn(tocha.empty(4, 5), generator=tocha.Generator().manual_seed(3))
        b = fn(tocha.empty(4, 5), generator=tocha.Generator().manual_seed(3))
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    a = init.orthogonal_(tocha.empty(4, 5), generator=tocha.Generator().manual_seed(3))
    b = init.orthogonal_(tocha.empty(4, 5), generator=tocha.Generator().manual_seed(3))
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_trunc_normal_bounds_and_moments() -> None:
    t = init.trunc_normal_(tocha.empty(100000, dtype=tocha.float64), mean=1.0, std=2.0, a=-1.0, b=2.0)
    a = t.numpy()
    assert a.min() >= -1.0
    assert a.max() <= 2.0
    # moments of a normal(1, 2) truncated to [-1, 2]: alpha = -1, beta = 0.5
    phi = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    cdf = lambda z: 0.5 * (1 + math.erf(z / math.sqrt(2)))
    z = cdf(0.5) - cdf(-1.0)
    expected_mean = 1.0 + 2.0 * (phi(-1.0) - phi(0.5)) / z
    assert abs(a.mean() - expected_mean) < 0.01


def test_trunc_normal_warns_when_mean_is_far_from_the_interval() -> None:
    with pytest.warns(UserWarning, match=r"mean is more than 2 std from \[a, b\] in nn.init.trunc_normal_"):
        init.trunc_normal_(tocha.empty(3), mean=10.0)


def test_constant_ones_zeros_eye() -> None:
    t = tocha.empty(2, 3)
    assert init.constant_(t, 2.5) is t
    np.testing.assert_array_equal(t.numpy(), 2.5)
    np.testing.assert_array_equal(init.ones_(t).numpy(), 1.0)
    np.testing.assert_array_equal(init.zeros_(t).numpy(), 0.0)
    np.testing.assert_array_equal(init.eye_(t).numpy(), np.eye(2, 3))
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.eye_(tocha.empty(3))


def test_dirac_with_groups() -> None:
    w = init.dirac_(tocha.empty(4, 3, 3), groups=2)
    expected = np.zeros((4, 3, 3))
    for g in range(2):
        for d in range(2):
            expected[g * 2 + d, d, 1] = 1
    np.testing.assert_array_equal(w.numpy(), expected)
    w5 = init.dirac_(tocha.empty(2, 2, 3, 3, 3))
    assert w5.numpy().sum() == 2
    assert w5.numpy()[1, 1, 1, 1, 1] == 1
    with pytest.raises(ValueError, match="Only tensors with 3, 4, or 5 dimensions are supported"):
        init.dirac_(tocha.empty(3, 3))
    with pytest.raises(ValueError, match="dim 0 must be divisible by groups"):
        init.dirac_(tocha.empty(3, 3, 3), groups=2)


def test_dirac_matches_torch() -> None:
    torch = torch_or_skip()
    for shape, groups in [((4, 3, 3), 2), ((6, 2, 3, 3), 3), ((2, 4, 1, 3, 2), 1)]:
        ours = init.dirac_(tocha.empty(shape), groups)
        theirs = torch.nn.init.dirac_(torch.empty(shape), groups)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_xavier_bounds_and_std() -> None:
    w = init.xavier_uniform_(tocha.empty(300, 200), gain=2.0)
    bound = 2.0 * math.sqrt(6.0 / 500)
    _, std, low, high = _stats(w)
    assert -bound <= low
    assert high <= bound
    assert abs(std - bound / math.sqrt(3)) < 0.003
    w = init.xavier_normal_(tocha.empty(300, 200), gain=0.5)
    assert abs(_stats(w)[1] - 0.5 * math.sqrt(2.0 / 500)) < 0.001


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "FAN_IN"])
@pytest.mark.parametrize("nonlinearity", ["relu", "leaky_relu", "tanh", "linear"])
def test_kaiming_bounds_and_std(mode: str, nonlinearity: str) -> None:
    w = tocha.empty(256, 64, 3)
    fan = 64 * 3 if mode.lower() == "fan_in" else 256 * 3
    std = init.calculate_gain(nonlinearity, 0.1) / math.sqrt(fan)
    init.kaiming_uniform_(w, a=0.1, mode=mode, nonlinearity=nonlinearity)
    _, measured, low, high = _stats(w)
    assert -math.sqrt(3) * std <= low
    assert high <= math.sqrt(3) * std
    assert abs(measured - std) < 0.03 * std
    init.kaiming_normal_(w, a=0.1, mode=mode, nonlinearity=nonlinearity)
    assert abs(_stats(w)[1] - std) < 0.03 * std


def test_kaiming_on_zero_element_tensor_warns_and_is_a_no_op() -> None:
    for fn in (init.kaiming_uniform_, init.kaiming_normal_):
        t = tocha.empty(0, 3)
        with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
            assert fn(t) is t


def test_orthogonal() -> None:
    for shape in [(3, 5), (5, 3), (4, 2, 3), (6, 6)]:
        w = init.orthogonal_(tocha.empty(shape, dtype=tocha.float64), gain=2.0)
        flat = w.numpy().reshape(shape[0], -1)
        if flat.shape[0] <= flat.shape[1]:
            np.testing.assert_allclose(flat @ flat.T, 4 * np.eye(flat.shape[0]), atol=1e-12)
        else:
            np.testing.assert_allclose(flat.T @ flat, 4 * np.eye(flat.shape[1]), atol=1e-12)
    assert init.orthogonal_(tocha.empty(0, 3)).shape == (0, 3)
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions are supported"):
        init.orthogonal_(tocha.empty(3))


def test_sparse() -> None:
    w = init.sparse_(tocha.empty(10, 6), sparsity=0.25, std=0.5)
    zeros = (w.numpy() == 0).sum(0)
    np.testing.assert_array_equal(zeros, math.ceil(0.25 * 10))
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.sparse_(tocha.empty(3), 0.1)


def test_init_runs_under_no_grad_and_keeps_parameters_leaves() -> None:
    p = nn.Parameter(tocha.empty(4, 5))
    for fn, args in [
        (init.uniform_, ()),
        (init.normal_, ()),
        (init.trunc_normal_, ()),
        (init.constant_, (0.3,)),
        (init.ones_, ()),
        (init.zeros_, ()),
        (init.eye_, ()),
        (init.xavier_uniform_, ()),
        (init.xavier_normal_, ()),
        (init.kaiming_uniform_, ()),
        (init.kaiming_normal_, ()),
        (init.orthogonal_, ()),
        (init.sparse_, (0.5,)),
    ]:
        out: Any = fn(p, *args)
        assert out is p
        assert p.requires_grad, fn.__name__
        assert p.is_leaf, fn.__name__
        assert p.grad_fn is None, fn.__name__


def test_deprecated_aliases_warn() -> None:
    with pytest.warns(FutureWarning, match=r"`nn.init.uniform` is now deprecated in favor of `nn.init.uniform_`"):
        init.uniform(tocha.empty(2, 2))
    with pytest.warns(FutureWarning, match="kaiming_normal_"):
        init.kaiming_normal(tocha.empty(2, 2))


def test_dtypes_are_kept() -> None:
    for dtype in (tocha.float32, tocha.float64):
        for fn in (init.uniform_, init.normal_, init.trunc_normal_, init.kaiming_uniform_, init.orthogonal_):
            assert fn(tocha.empty(3, 4, dtype=dtype)).dtype == dtype
