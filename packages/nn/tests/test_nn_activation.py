"""tocha.nn.functional activations: forward and gradients vs NumPy, finite differences and PyTorch."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest
from nn_oracle import assert_close_to_torch, to_torch, torch_or_skip

import tocha
import tocha.nn.functional as F
from tocha.autograd import gradcheck, gradgradcheck


def _sigmoid(x: Any) -> Any:
    return 1 / (1 + np.exp(-x))


def _erf(x: Any) -> Any:
    return np.vectorize(math.erf)(x)


_SELU_A = 1.6732632423543772
_SELU_S = 1.0507009873554805

# name, kwargs, NumPy reference (None: compared with PyTorch only)
CASES: list[tuple[str, dict[str, Any], Any]] = [
    ("relu", {}, lambda x: np.maximum(x, 0)),
    ("relu6", {}, lambda x: np.clip(x, 0, 6)),
    ("leaky_relu", {}, lambda x: np.where(x > 0, x, 0.01 * x)),
    ("leaky_relu", {"negative_slope": 0.2}, lambda x: np.where(x > 0, x, 0.2 * x)),
    ("leaky_relu", {"negative_slope": -1.5}, lambda x: np.where(x > 0, x, -1.5 * x)),
    ("elu", {}, lambda x: np.where(x > 0, x, np.expm1(x))),
    ("elu", {"alpha": 0.7}, lambda x: np.where(x > 0, x, 0.7 * np.expm1(x))),
    ("selu", {}, lambda x: _SELU_S * np.where(x > 0, x, _SELU_A * np.expm1(x))),
    ("celu", {"alpha": 1.5}, lambda x: np.maximum(x, 0) + np.minimum(0, 1.5 * np.expm1(x / 1.5))),
    ("gelu", {}, lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2)))),
    (
        "gelu",
        {"approximate": "tanh"},
        lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))),
    ),
    ("silu", {}, lambda x: x * _sigmoid(x)),
    ("mish", {}, lambda x: x * np.tanh(np.log1p(np.exp(x)))),
    ("sigmoid", {}, _sigmoid),
    ("tanh", {}, np.tanh),
    ("hardsigmoid", {}, lambda x: np.clip(x / 6 + 0.5, 0, 1)),
    ("hardtanh", {}, lambda x: np.clip(x, -1, 1)),
    ("hardtanh", {"min_val": -0.5, "max_val": 2.0}, lambda x: np.clip(x, -0.5, 2)),
    ("hardswish", {}, lambda x: x * np.clip(x / 6 + 0.5, 0, 1)),
    ("softplus", {}, lambda x: np.log1p(np.exp(x))),
    (
        "softplus",
        {"beta": 2.0, "threshold": 5.0},
        lambda x: np.where(2 * x > 5, x, np.log1p(np.exp(2 * x)) / 2),
    ),
    ("softsign", {}, lambda x: x / (1 + np.abs(x))),
    ("softshrink", {"lambd": 0.7}, lambda x: np.where(x > 0.7, x - 0.7, np.where(x < -0.7, x + 0.7, 0))),
    ("hardshrink", {"lambd": 0.7}, lambda x: np.where(np.abs(x) > 0.7, x, 0)),
    ("tanhshrink", {}, lambda x: x - np.tanh(x)),
    ("threshold", {"threshold": 0.3, "value": -2.0}, lambda x: np.where(x > 0.3, x, -2.0)),
    ("logsigmoid", {}, lambda x: np.log(_sigmoid(x))),
    ("softmax", {"dim": 1}, lambda x: np.exp(x) / np.exp(x).sum(1, keepdims=True)),
    ("log_softmax", {"dim": -1}, lambda x: x - np.log(np.exp(x).sum(-1, keepdims=True))),
    ("softmin", {"dim": 0}, lambda x: np.exp(-x) / np.exp(-x).sum(0, keepdims=True)),
    ("glu", {"dim": 1}, lambda x: x[:, :2] * _sigmoid(x[:, 2:])),
]
IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for name, kw, _ in CASES]


def _data(dtype: Any = np.float64, shape: tuple[int, ...] = (3, 4, 5), seed: int = 0) -> Any:
    # Values kept away from the kinks (0, +-0.3, +-0.5, +-0.7, +-1, +-3...) so finite differences are smooth.
    rng = np.random.default_rng(seed)
    x = rng.uniform(-4, 4, size=shape)
    for kink in (0.0, 0.3, 0.5, 0.7, 1.0, 2.0, 2.5, 3.0, 6.0):
        for sign in (1, -1):
            near = np.abs(x - sign * kink) < 0.05
            x[near] += 0.1
    return x.astype(dtype)


@pytest.mark.parametrize(("name", "kwargs", "reference"), CASES, ids=IDS)
@pytest.mark.parametrize("dtype", [tocha.float32, tocha.float64])
def test_forward_matches_numpy(name: str, kwargs: dict[str, Any], reference: Any, dtype: Any) -> None:
    x = _data()
    y = getattr(F, name)(tocha.tensor(x, dtype=dtype), **kwargs)
    assert y.dtype == dtype
    atol = 1e-5 if dtype == tocha.float32 else 1e-12
    np.testing.assert_allclose(y.numpy(), reference(x), atol=atol, rtol=atol)


@pytest.mark.parametrize(("name", "kwargs", "reference"), CASES, ids=IDS)
def test_gradcheck_and_gradgradcheck(name: str, kwargs: dict[str, Any], reference: Any) -> None:
    x = tocha.tensor(_data(shape=(2, 4, 3), seed=1), requires_grad=True)

    def fn(t: tocha.Tensor) -> tocha.Tensor:
        return getattr(F, name)(t, **kwargs)  # type: ignore[no-any-return]

    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


@pytest.mark.parametrize(("name", "kwargs", "reference"), CASES, ids=IDS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_forward_and_grad_match_torch(name: str, kwargs: dict[str, Any], reference: Any, dtype: str) -> None:
    torch = torch_or_skip()
    tf = torch.nn.functional
    x = tocha.tensor(_data(getattr(np, dtype)), requires_grad=True)
    tx = to_torch(x)
    y = getattr(F, name)(x, **kwargs)
    ty = getattr(tf, name)(tx, **kwargs)
    atol = 1e-5 if dtype == "float32" else 1e-7  # PyTorch's hardsigmoid backward uses a float32 1/6 in float64
    assert_close_to_torch(y, ty, atol=atol, rtol=atol, what="output")
    cotangent = np.cos(np.arange(ty.numel())).reshape(tuple(ty.shape)).astype(dtype)
    y.backward(tocha.from_numpy(cotangent))
    ty.backward(torch.from_numpy(cotangent))
    assert_close_to_torch(x.grad, tx.grad, atol=atol, rtol=atol, what="grad")


def test_double_backward_matches_torch() -> None:
    torch = torch_or_skip()
    for name, kwargs in [("gelu", {}), ("gelu", {"approximate": "tanh"}), ("silu", {}), ("elu", {"alpha": 0.5}),
                         ("softmax", {"dim": 1}), ("log_softmax", {"dim": 1}), ("celu", {"alpha": 2.0})]:  # fmt: skip
        x = tocha.tensor(_data(shape=(3, 4)), requires_grad=True)
        tx = to_torch(x)
        (g,) = tocha.autograd.grad(getattr(F, name)(x, **kwargs).pow(2).sum(), x, create_graph=True)
        (tg,) = torch.autograd.grad(
            getattr(torch.nn.functional, name)(tx, **kwargs).pow(2).sum(), tx, create_graph=True
        )
        (gg,) = tocha.autograd.grad(g.sin().sum(), x)
        (tgg,) = torch.autograd.grad(tg.sin().sum(), tx)
        assert_close_to_torch(gg, tgg, atol=1e-9, rtol=1e-9, what=f"{name} double backward")


# ------------------------------------------------------------------ in-place variants

INPLACE = [
    ("relu_", "relu", {}),
    ("leaky_relu_", "leaky_relu", {"negative_slope": 0.3}),
    ("elu_", "elu", {"alpha": 0.5}),
    ("selu_", "selu", {}),
    ("celu_", "celu", {"alpha": 2.0}),
    ("hardtanh_", "hardtanh", {"min_val": -0.5, "max_val": 0.5}),
    ("threshold_", "threshold", {"threshold": 0.1, "value": 3.0}),
]


@pytest.mark.parametrize(("inplace_name", "name", "kwargs"), INPLACE)
def test_inplace_functions_write_into_input(inplace_name: str, name: str, kwargs: dict[str, Any]) -> None:
    data = _data(shape=(4, 5))
    x = tocha.tensor(data)
    out = getattr(F, inplace_name)(x, **kwargs)
    assert out is x
    np.testing.assert_allclose(x.numpy(), getattr(F, name)(tocha.tensor(data), **kwargs).numpy())


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("relu", {}),
        ("relu6", {}),
        ("leaky_relu", {}),
        ("elu", {}),
        ("selu", {}),
        ("celu", {}),
        ("silu", {}),
        ("mish", {}),
        ("hardsigmoid", {}),
        ("hardswish", {}),
        ("hardtanh", {}),
        ("rrelu", {}),
        ("threshold", {"threshold": 0.5, "value": 0.0}),
    ],
)
def test_inplace_flag_and_its_gradient(name: str, kwargs: dict[str, Any]) -> None:
    data = _data(shape=(4, 5))
    leaf = tocha.tensor(data, requires_grad=True)
    x = leaf * 1.0
    out = getattr(F, name)(x, inplace=True, **kwargs)
    assert out is x
    out.sum().backward()
    ref_leaf = tocha.tensor(data, requires_grad=True)
    getattr(F, name)(ref_leaf * 1.0, **kwargs).sum().backward()
    np.testing.assert_allclose(leaf.grad.numpy(), ref_leaf.grad.numpy(), atol=1e-12)


def test_inplace_on_leaf_requiring_grad_raises() -> None:
    x = tocha.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError):
        F.relu_(x)


# ------------------------------------------------------------------ prelu, rrelu, gumbel


def test_prelu_shared_and_per_channel() -> None:
    x = tocha.tensor(_data(shape=(2, 3, 4)), requires_grad=True)
    for weight in (tocha.tensor([0.25], dtype=tocha.float64), tocha.tensor([0.1, 0.2, 0.3], dtype=tocha.float64)):
        w = weight.clone().requires_grad_(True)
        expected = np.where(
            x.detach().numpy() > 0, x.detach().numpy(), w.detach().numpy().reshape(-1, 1) * x.detach().numpy()
        )
        np.testing.assert_allclose(F.prelu(x, w).detach().numpy(), expected)
        assert gradcheck(F.prelu, (x, w))
        assert gradgradcheck(F.prelu, (x, w))


def test_prelu_errors() -> None:
    with pytest.raises(RuntimeError, match="Mismatch of parameter numbers and input channel size"):
        F.prelu(tocha.ones(2, 3), tocha.ones(2))
    with pytest.raises(RuntimeError, match="Expected `weight` to be a scalar or 1D tensor"):
        F.prelu(tocha.ones(2, 3), tocha.ones(1, 1))


def test_prelu_matches_torch() -> None:
    torch = torch_or_skip()
    for shape, channels in [((2, 3, 4, 5), 3), ((2, 3), 1), ((4,), 1), ((), 1)]:
        x = tocha.tensor(_data(shape=shape) if shape else np.float64(-1.5), requires_grad=True)
        w = tocha.tensor(np.linspace(0.1, 0.4, channels), requires_grad=True)
        tx, tw = to_torch(x), to_torch(w)
        y, ty = F.prelu(x, w), torch.nn.functional.prelu(tx, tw)
        assert_close_to_torch(y, ty, what=f"prelu {shape}")
        y.sum().backward()
        ty.sum().backward()
        assert_close_to_torch(x.grad, tx.grad, what="grad x")
        assert_close_to_torch(w.grad, tw.grad, what="grad w")


def test_rrelu_eval_is_mean_slope_and_training_is_random_within_bounds() -> None:
    x = tocha.full((10000,), -1.0, dtype=tocha.float64)
    np.testing.assert_allclose(F.rrelu(x, 0.1, 0.3).numpy(), -0.2)
    y = F.rrelu(x, 0.1, 0.3, training=True).numpy()
    assert ((y <= -0.1) & (y >= -0.3)).all()
    assert abs(y.mean() + 0.2) < 0.01
    assert len(np.unique(y)) > 100
    positive = tocha.full((5,), 2.0)
    np.testing.assert_array_equal(F.rrelu(positive, training=True).numpy(), 2.0)


def test_rrelu_training_gradient_is_the_drawn_slope() -> None:
    x = tocha.full((50,), -1.0, dtype=tocha.float64, requires_grad=True)
    y = F.rrelu(x, 0.1, 0.3, training=True)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), -y.detach().numpy())


def test_gumbel_softmax_soft_and_hard() -> None:
    logits = tocha.tensor(_data(shape=(6, 5)), requires_grad=True)
    soft = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(soft.detach().numpy().sum(-1), 1.0)
    hard = F.gumbel_softmax(logits, hard=True)
    values = hard.detach().numpy()
    assert set(np.unique(values)) <= {0.0, 1.0}
    np.testing.assert_array_equal(values.sum(-1), 1.0)
    hard.sum().backward()  # straight-through: the gradient of the soft sample, which sums to zero per row
    np.testing.assert_allclose(logits.grad.numpy(), 0.0, atol=1e-12)


def test_gumbel_softmax_dim0_and_deprecated_eps() -> None:
    y = F.gumbel_softmax(tocha.zeros(4, 3), hard=True, dim=0)
    np.testing.assert_array_equal(y.numpy().sum(0), 1.0)
    with pytest.warns(UserWarning, match="`eps` parameter is deprecated"):
        F.gumbel_softmax(tocha.zeros(2, 3), eps=1e-5)


# ------------------------------------------------------------------ softmax family


def test_softmax_implicit_dim_warns_and_picks_pytorchs_dim() -> None:
    x = _data(shape=(2, 3))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax has been deprecated"):
        y = F.softmax(tocha.tensor(x))
    np.testing.assert_allclose(y.numpy(), np.exp(x) / np.exp(x).sum(1, keepdims=True))
    x3 = _data(shape=(2, 3, 4))
    with pytest.warns(UserWarning, match="log_softmax"):
        y3 = F.log_softmax(tocha.tensor(x3))
    np.testing.assert_allclose(y3.numpy(), x3 - np.log(np.exp(x3).sum(0, keepdims=True)))
    with pytest.warns(UserWarning, match="softmin"):
        F.softmin(tocha.tensor(x))


def test_softmax_dtype_argument() -> None:
    x = tocha.tensor(_data(np.float32, shape=(2, 3)))
    y = F.softmax(x, 1, dtype=tocha.float64)
    assert y.dtype == tocha.float64
    z = F.log_softmax(tocha.tensor([[1, 2, 3]]), 1, dtype=tocha.float32)
    assert z.dtype == tocha.float32
    np.testing.assert_allclose(z.numpy(), np.log(np.exp([[1, 2, 3]]) / np.exp([[1, 2, 3]]).sum()), rtol=1e-6)


def test_softmax_is_stable_for_large_inputs_and_handles_edge_shapes() -> None:
    x = tocha.tensor([[1000.0, 1000.0], [-1000.0, 0.0]])
    np.testing.assert_allclose(F.softmax(x, 1).numpy(), [[0.5, 0.5], [0.0, 1.0]])
    np.testing.assert_allclose(F.log_softmax(x, 1).numpy(), [[-math.log(2), -math.log(2)], [-1000.0, 0.0]])
    assert F.softmax(tocha.tensor(3.0), 0).item() == 1.0
    assert F.log_softmax(tocha.tensor(3.0), -1).item() == 0.0
    assert F.softmax(tocha.ones(0, 3), 1).shape == (0, 3)


def test_softmax_noncontiguous_input() -> None:
    x = _data(shape=(4, 3))
    t = tocha.tensor(x).t()
    np.testing.assert_allclose(F.softmax(t, 0).numpy(), np.exp(x.T) / np.exp(x.T).sum(0, keepdims=True))


def test_softmax_errors() -> None:
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"):
        F.softmax(tocha.ones(2, 3), 2)
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        F.softmax(tocha.tensor([1, 2]), 0)


def test_softmax_matches_torch_with_dtype() -> None:
    torch = torch_or_skip()
    x = tocha.tensor(_data(np.float32, shape=(3, 4)))
    for fn in ("softmax", "log_softmax", "softmin"):
        ours = getattr(F, fn)(x, 0, dtype=tocha.float64)
        theirs = getattr(torch.nn.functional, fn)(to_torch(x), 0, dtype=torch.float64)
        assert_close_to_torch(ours, theirs, atol=1e-12, what=fn)


# ------------------------------------------------------------------ errors


def test_errors_match_pytorch() -> None:
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        F.gelu(tocha.ones(2), approximate="x")
    with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
        F.hardtanh(tocha.ones(2), 2.0, 1.0)
    with pytest.raises(RuntimeError, match=r"lambda must be in range \[0, 3.40282e\+38\] for input dtype Float"):
        F.softshrink(tocha.ones(2), -1.0)
    with pytest.raises(RuntimeError, match="Halving dimension must be even, but dimension 1 is size 3"):
        F.glu(tocha.ones(2, 3))
    with pytest.raises(RuntimeError, match="glu does not support scalars"):
        F.glu(tocha.tensor(1.0))
    with pytest.raises(RuntimeError, match="alpha cannot be 0 for CELU"):
        F.celu(tocha.ones(2), alpha=0.0)
    for name in ("elu", "silu", "softplus", "leaky_relu", "hardswish", "mish", "gelu"):
        with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
            getattr(F, name)(tocha.tensor([1, 2]))


def test_integer_inputs_where_pytorch_accepts_them() -> None:
    x = tocha.tensor([-2, 0, 3, 9])
    assert F.relu(x).tolist() == [0, 0, 3, 9]
    assert F.relu(x).dtype == tocha.int64
    assert F.relu6(x).tolist() == [0, 0, 3, 6]
    assert F.hardtanh(x).dtype == tocha.int64
    assert F.threshold(x, 1, 7).tolist() == [7, 7, 3, 9]
    assert F.threshold(x, 1, 7).dtype == tocha.int64


def test_nan_propagates_like_pytorch() -> None:
    x = tocha.tensor([float("nan"), 1.0])
    for name in ("relu", "leaky_relu", "elu", "gelu", "silu", "hardtanh", "softshrink", "hardshrink"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert math.isnan(getattr(F, name)(x)[0].item()), name


def test_noncontiguous_and_empty_inputs() -> None:
    data = _data(shape=(4, 6))
    t = tocha.tensor(data)[:, ::2]
    np.testing.assert_allclose(F.relu(t).numpy(), np.maximum(data[:, ::2], 0))
    np.testing.assert_allclose(F.gelu(t.t()).numpy(), (0.5 * data * (1 + _erf(data / math.sqrt(2))))[:, ::2].T)
    for name in ("relu", "gelu", "silu", "elu", "leaky_relu"):
        assert getattr(F, name)(tocha.ones(0, 3)).shape == (0, 3)


def test_float32_stays_float32_in_backward() -> None:
    x = tocha.tensor(_data(np.float32, shape=(3, 4)), requires_grad=True)
    for name in ("relu", "gelu", "silu", "elu", "leaky_relu", "log_softmax", "softmax", "hardtanh"):
        x.grad = None
        kwargs = {"dim": 1} if "softmax" in name else {}
        y = getattr(F, name)(x, **kwargs)
        assert y.dtype == tocha.float32
        y.sum().backward()
        assert x.grad.dtype == tocha.float32, name


def test_op_names_are_registered_for_export() -> None:
    ops = tocha.library.registered_ops()
    for name in ("relu", "gelu", "silu", "softmax", "log_softmax", "elu", "selu", "celu", "hardtanh", "leaky_relu",
                 "softplus", "threshold_backward", "log_softmax_backward", "linear"):  # fmt: skip
        assert name in ops, name


EXTREME = [1e30, -1e30, float("inf"), -float("inf"), 0.0, -0.0, 1e-30, 50.0, -50.0, 3.0, -3.0]


@pytest.mark.parametrize(
    "name",
    [
        "relu",
        "gelu",
        "silu",
        "mish",
        "softplus",
        "logsigmoid",
        "elu",
        "selu",
        "celu",
        "hardswish",
        "hardsigmoid",
        "softsign",
        "leaky_relu",
        "softshrink",
        "hardshrink",
        "hardtanh",
        "relu6",
    ],
)
def test_extreme_values_match_torch_without_warnings(name: str) -> None:
    torch = torch_or_skip()
    x = tocha.tensor(EXTREME, dtype=tocha.float64, requires_grad=True)
    tx = to_torch(x)
    y = getattr(F, name)(x)
    ty = getattr(torch.nn.functional, name)(tx)
    y.backward(tocha.ones_like(y))
    ty.backward(torch.ones_like(ty))
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-7, equal_nan=True)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-7, equal_nan=True)


def test_softmax_with_infinities_matches_torch() -> None:
    torch = torch_or_skip()
    inf = float("inf")
    for row in ([1.0, -inf, 2.0], [-inf, -inf, -inf], [inf, 1.0, 2.0]):
        for name in ("softmax", "log_softmax"):
            x = tocha.tensor([row], requires_grad=True)
            tx = to_torch(x)
            y, ty = getattr(F, name)(x, 1), getattr(torch.nn.functional, name)(tx, 1)
            y.backward(tocha.ones_like(y))
            ty.backward(torch.ones_like(ty))
            np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-6, equal_nan=True)
            np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6, atol=1e-7, equal_nan=True)


@pytest.mark.parametrize(("name", "kwargs", "reference"), CASES, ids=IDS)
def test_zero_dim_inputs(name: str, kwargs: dict[str, Any], reference: Any) -> None:
    if name == "glu":
        pytest.skip("glu refuses 0-dim inputs (tested in test_errors_match_pytorch)")
    kwargs = {**kwargs, "dim": 0} if "dim" in kwargs else kwargs
    x = tocha.tensor(-0.7, dtype=tocha.float64, requires_grad=True)
    y = getattr(F, name)(x, **kwargs)
    assert y.shape == ()
    np.testing.assert_allclose(y.item(), reference(np.array([-0.7]))[0] if "softm" not in name else y.item())
    y.backward()
    assert x.grad is not None
    assert x.grad.shape == ()


def test_relu_large_input_and_cached_zeros_stay_zero() -> None:
    big = _data(np.float32, shape=(1100, 1000))  # past the cached zero buffer's limit
    np.testing.assert_array_equal(F.relu(tocha.tensor(big)).numpy(), np.maximum(big, 0))
    small = tocha.tensor(_data(np.float32, shape=(7, 3)))
    F.relu_(small)
    np.testing.assert_array_equal(F.relu(tocha.tensor(-np.ones((5, 5), np.float32))).numpy(), 0.0)


def test_gelu_float32_over_many_chunks_and_its_edges() -> None:
    # float32 GELU runs in cache-sized chunks (NumPy): several chunks, a short last one, and the edge values
    x = np.random.default_rng(7).standard_normal(3 * 65536 + 17).astype(np.float32) * 3
    x[:6] = [0.0, -0.0, np.inf, -np.inf, np.nan, -40.0]
    xt = tocha.from_numpy(x.copy()).requires_grad_()
    out = F.gelu(xt)
    out.backward(tocha.ones_like(out))
    finite = np.isfinite(x)
    x64 = x[finite].astype(np.float64)
    erf = np.vectorize(math.erf)
    reference = x64 * 0.5 * (1 + erf(x64 / math.sqrt(2)))
    derivative = 0.5 * (1 + erf(x64 / math.sqrt(2))) + x64 * np.exp(-0.5 * x64 * x64) / math.sqrt(2 * math.pi)
    np.testing.assert_allclose(out.detach().numpy()[finite], reference, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(xt.grad.numpy()[finite], derivative, rtol=1e-5, atol=1e-6)
    assert np.signbit(out.detach().numpy()[1])  # GELU(-0.0) = -0.0, as PyTorch
    assert np.isnan(out.detach().numpy()[2:5]).all()  # ±inf give nan, as PyTorch's
    assert xt.grad.numpy()[1] == 0.5
