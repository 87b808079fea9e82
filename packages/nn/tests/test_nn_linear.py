"""tocha.nn Linear, Bilinear, Identity and F.linear / F.bilinear."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from nn_oracle import (
    assert_close_to_torch,
    compare_with_torch,
    gradcheck_function,
    one_op_gradients,
    to_torch,
    torch_or_skip,
)

import tocha
import tocha.nn as nn
import tocha.nn.functional as F
from tocha.autograd import gradgradcheck

SHAPES = [
    ((4, 3), (5, 3), (5,)),
    ((2, 4, 3), (5, 3), (5,)),
    ((3,), (5, 3), (5,)),
    ((2, 3), (5, 3), None),
    ((2, 3), (5, 3), (2, 5)),
    ((2, 3), (5, 3), ()),
    ((2, 3), (3,), ()),
    ((3,), (3,), None),
    ((0, 3), (5, 3), (5,)),
]


def _rand(shape: Any, seed: int, dtype: Any = np.float64) -> tocha.Tensor:
    return tocha.tensor(np.random.default_rng(seed).standard_normal(shape).astype(dtype))


@pytest.mark.parametrize(("xs", "ws", "bs"), SHAPES)
def test_linear_matches_numpy(xs: Any, ws: Any, bs: Any) -> None:
    x, w = _rand(xs, 0), _rand(ws, 1)
    b = None if bs is None else _rand(bs, 2)
    expected = x.numpy() @ w.numpy().T
    if b is not None:
        expected = expected + b.numpy()
    np.testing.assert_allclose(F.linear(x, w, b).numpy(), expected, atol=1e-12)


@pytest.mark.parametrize(("xs", "ws", "bs"), SHAPES)
def test_linear_gradcheck_and_gradgradcheck(xs: Any, ws: Any, bs: Any) -> None:
    args = [_rand(xs, 0), _rand(ws, 1)] + ([] if bs is None else [_rand(bs, 2)])
    gradcheck_function(F.linear, *args)
    prepared = tuple(a.requires_grad_(True) for a in args)
    assert gradgradcheck(F.linear, prepared)


@pytest.mark.parametrize(("xs", "ws", "bs"), SHAPES[:4] + SHAPES[-1:])  # a 1-D bias of the outputs, or none
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_linear_backward_is_one_op_with_the_composite_gradients(xs: Any, ws: Any, bs: Any, dtype: Any) -> None:
    """A backward that builds no graph takes all of linear's gradients from one ``linear_backward`` op; they equal
    the composite vjp's (the one a double backward runs) bit for bit."""
    args = [_rand(xs, 0, dtype), _rand(ws, 1, dtype)] + ([] if bs is None else [_rand(bs, 2, dtype)])
    leaves = [a.requires_grad_() for a in args]
    out = F.linear(*leaves)
    g = _rand(tuple(out.shape), 3, dtype)
    fused = one_op_gradients(out, leaves, g, "linear_backward")
    (only_x,) = tocha.autograd.grad(F.linear(*leaves), leaves[0], g)  # one gradient asked for
    np.testing.assert_array_equal(only_x.numpy(), fused[0].numpy())


def test_linear_noncontiguous_input_and_weight() -> None:
    x = _rand((3, 8), 0)[:, ::2]
    w = _rand((4, 3), 1).t()
    np.testing.assert_allclose(F.linear(x, w).numpy(), x.numpy() @ w.numpy().T, atol=1e-12)
    gradcheck_function(F.linear, x, w)


@pytest.mark.parametrize(("xs", "ws", "bs"), SHAPES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_linear_matches_torch(xs: Any, ws: Any, bs: Any, dtype: str) -> None:
    torch = torch_or_skip()
    if len(ws) == 1 and bs is not None:
        pytest.skip("PyTorch refuses a bias with a 1-D weight (its addmm path); tocha broadcasts it")
    args = [_rand(xs, 0, dtype), _rand(ws, 1, dtype)] + ([] if bs is None else [_rand(bs, 2, dtype)])
    ours_in = [a.requires_grad_(True) for a in args]
    theirs_in = [to_torch(a) for a in ours_in]
    y, ty = F.linear(*ours_in), torch.nn.functional.linear(*theirs_in)
    tol = 1e-5 if dtype == "float32" else 1e-12
    assert_close_to_torch(y, ty, atol=tol, rtol=tol)
    y.sum().backward()
    ty.sum().backward()
    for a, b in zip(ours_in, theirs_in, strict=True):
        assert_close_to_torch(a.grad, b.grad, atol=tol, rtol=tol)


def test_linear_errors() -> None:
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"):
        F.linear(tocha.ones(2, 3), tocha.ones(5, 4))
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(6x3 and 4x5\)"):
        F.linear(tocha.ones(2, 3, 3), tocha.ones(5, 4))
    with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype, but got: float != double"):
        F.linear(tocha.ones(2, 3), tocha.ones(5, 3, dtype=tocha.float64))
    with pytest.raises(RuntimeError, match="both arguments to linear need to be at least 1D, but they are 0D and 2D"):
        F.linear(tocha.tensor(1.0), tocha.ones(5, 3))
    with pytest.raises(RuntimeError, match="bias of shape"):
        F.linear(tocha.ones(2, 3), tocha.ones(5, 3), tocha.ones(4))


def test_linear_keeps_float32() -> None:
    x = _rand((4, 3), 0, np.float32).requires_grad_(True)
    m = nn.Linear(3, 2)
    y = m(x)
    assert y.dtype == tocha.float32
    y.sum().backward()
    assert x.grad.dtype == m.weight.grad.dtype == m.bias.grad.dtype == tocha.float32


def test_linear_integer_inputs() -> None:
    y = F.linear(tocha.tensor([[1, 2]]), tocha.tensor([[3, 4], [5, 6]]), tocha.tensor([1, 1]))
    assert y.dtype == tocha.int64
    assert y.tolist() == [[12, 18]]


# ------------------------------------------------------------------ modules


def test_linear_module_attributes_state_dict_and_repr() -> None:
    m = nn.Linear(20, 30)
    assert (m.in_features, m.out_features) == (20, 30)
    assert m.weight.shape == (30, 20)
    assert m.bias is not None
    assert m.bias.shape == (30,)
    assert list(m.state_dict()) == ["weight", "bias"]
    assert repr(m) == "Linear(in_features=20, out_features=30, bias=True)"
    m2 = nn.Linear(3, 4, bias=False)
    assert m2.bias is None
    assert list(m2.state_dict()) == ["weight"]
    assert repr(m2) == "Linear(in_features=3, out_features=4, bias=False)"


def test_linear_default_init_bounds() -> None:
    m = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)  # kaiming_uniform_(a=sqrt(5)) gives the same bound as the bias
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()  # type: ignore[union-attr]
    assert np.abs(w).max() <= bound
    assert np.abs(b).max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.02 * bound
    assert np.abs(w).max() > 0.95 * bound


def test_linear_factory_kwargs() -> None:
    m = nn.Linear(3, 2, dtype=tocha.float64, device="cpu")
    assert m.weight.dtype == tocha.float64
    assert m.bias.dtype == tocha.float64
    assert m.weight.device == tocha.device("cpu")


def test_linear_zero_in_features() -> None:
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        m = nn.Linear(0, 3)
    np.testing.assert_array_equal(m.bias.detach().numpy(), 0.0)  # type: ignore[union-attr]


def test_linear_module_gradcheck() -> None:
    m = nn.Linear(3, 2, dtype=tocha.float64)
    gradcheck_function(lambda x: m(x), _rand((4, 3), 0))


def test_bilinear_module() -> None:
    m = nn.Bilinear(3, 4, 5, dtype=tocha.float64)
    assert repr(m) == "Bilinear(in1_features=3, in2_features=4, out_features=5, bias=True)"
    assert list(m.state_dict()) == ["weight", "bias"]
    assert m.weight.shape == (5, 3, 4)
    bound = 1 / math.sqrt(3)
    assert np.abs(m.weight.detach().numpy()).max() <= bound
    x1, x2 = _rand((2, 6, 3), 0), _rand((2, 6, 4), 1)
    expected = np.einsum("...i,kij,...j->...k", x1.numpy(), m.weight.detach().numpy(), x2.numpy())
    expected = expected + m.bias.detach().numpy()  # type: ignore[union-attr]
    np.testing.assert_allclose(m(x1, x2).detach().numpy(), expected, atol=1e-12)
    gradcheck_function(F.bilinear, x1, x2, m.weight.detach(), m.bias.detach())  # type: ignore[union-attr]
    assert (
        repr(nn.Bilinear(1, 2, 3, bias=False)) == "Bilinear(in1_features=1, in2_features=2, out_features=3, bias=False)"
    )


def test_bilinear_errors() -> None:
    w = tocha.ones(5, 3, 4)
    with pytest.raises(RuntimeError, match="input1 size does not match weight size"):
        F.bilinear(tocha.ones(2, 2), tocha.ones(2, 4), w)
    with pytest.raises(RuntimeError, match="input2 size does not match weight size"):
        F.bilinear(tocha.ones(2, 3), tocha.ones(2, 2), w)
    with pytest.raises(RuntimeError, match="batch dimensions do not match"):
        F.bilinear(tocha.ones(2, 3), tocha.ones(3, 4), w)


def test_identity() -> None:
    m = nn.Identity(54, unused="x")
    x = tocha.ones(2)
    assert m(x) is x
    assert repr(m) == "Identity()"


def test_linear_and_bilinear_match_torch() -> None:
    torch = torch_or_skip()
    compare_with_torch(nn.Linear(5, 3), torch.nn.Linear(5, 3), _rand((4, 5), 0, np.float32), atol=1e-5)
    compare_with_torch(nn.Linear(5, 3, bias=False), torch.nn.Linear(5, 3, bias=False), _rand((2, 4, 5), 1, np.float32))
    compare_with_torch(
        nn.Bilinear(3, 4, 2, dtype=tocha.float64),
        torch.nn.Bilinear(3, 4, 2, dtype=torch.float64),
        _rand((6, 3), 0),
        _rand((6, 4), 1),
        atol=1e-12,
    )
    for ours, theirs in [
        (nn.Linear(7, 9), torch.nn.Linear(7, 9)),
        (nn.Linear(7, 9, bias=False), torch.nn.Linear(7, 9, bias=False)),
        (nn.Bilinear(2, 3, 4), torch.nn.Bilinear(2, 3, 4)),
        (nn.Identity(), torch.nn.Identity()),
    ]:
        assert repr(ours) == repr(theirs)


# ------------------------------------------------------------------ LazyLinear


def test_lazy_linear_infers_in_features_and_becomes_linear() -> None:
    m = nn.LazyLinear(4, dtype=tocha.float64)
    assert repr(m) == "LazyLinear(in_features=0, out_features=4, bias=True)"
    assert m.has_uninitialized_params()
    x = _rand((2, 5, 3), 0).requires_grad_(True)
    y = m(x)
    assert type(m) is nn.Linear
    assert repr(m) == "Linear(in_features=3, out_features=4, bias=True)"
    assert m.weight.shape == (4, 3)
    assert m.weight.dtype == tocha.float64
    assert np.abs(m.weight.detach().numpy()).max() <= 1 / math.sqrt(3)
    assert y.shape == (2, 5, 4)
    y.sum().backward()
    assert m.weight.grad is not None
    assert m.weight.grad.shape == (4, 3)


def test_lazy_linear_without_bias_and_state_dict_load() -> None:
    m = nn.LazyLinear(2, bias=False)
    assert m.bias is None
    m(tocha.ones(1, 6))
    assert list(m.state_dict()) == ["weight"]
    lazy = nn.LazyLinear(2)
    source = nn.Linear(6, 2)
    lazy.load_state_dict(source.state_dict())
    np.testing.assert_array_equal(lazy.weight.detach().numpy(), source.weight.detach().numpy())
    x = tocha.ones(3, 6)
    np.testing.assert_allclose(lazy(x).detach().numpy(), source(x).detach().numpy())


def test_lazy_linear_matches_torch() -> None:
    torch = torch_or_skip()
    assert repr(nn.LazyLinear(4)) == repr(torch.nn.LazyLinear(4))
    ours, theirs = nn.LazyLinear(4), torch.nn.LazyLinear(4)
    ours(tocha.ones(1, 3))
    theirs(torch.ones(1, 3))
    assert repr(ours) == repr(theirs)
    compare_with_torch(ours, theirs, _rand((2, 3), 0, np.float32), atol=1e-5)
