"""tocha.nn.grad: a convolution's input and weight gradients, against autograd and torch.nn.grad."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from nn_oracle import assert_close_to_torch, to_torch, torch_or_skip

import tocha
import tocha.nn.functional as F
from tocha.autograd import gradcheck

# (spatial dims, input size, weight size, stride, padding, dilation, groups)
CASES = [
    (1, (2, 4, 9), (6, 2, 3), 2, 1, 1, 2),
    (2, (2, 3, 8, 7), (4, 3, 3, 2), 1, 0, 1, 1),
    (2, (1, 4, 9, 9), (4, 2, 3, 3), (2, 3), (1, 2), (2, 1), 2),  # sizes that leave an output padding
    (2, (2, 2, 6, 6), (2, 1, 2, 2), 3, 0, 1, 2),
    (3, (1, 2, 5, 6, 4), (3, 2, 2, 3, 2), (1, 2, 1), 1, 1, 1),
]


def _random(shape: Any, seed: int) -> tocha.Tensor:
    return tocha.tensor(np.random.default_rng(seed).standard_normal(shape))


def _setup(case: Any) -> tuple[Any, ...]:
    n, input_size, weight_size, stride, padding, dilation, groups = case
    x, w = _random(input_size, 0).requires_grad_(), _random(weight_size, 1).requires_grad_()
    conv = getattr(F, f"conv{n}d")
    y = conv(x, w, None, stride, padding, dilation, groups)
    g = _random(tuple(y.shape), 2)
    return n, x, w, y, g, (stride, padding, dilation, groups)


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}d-{i}" for i, c in enumerate(CASES)])
def test_conv_gradients_equal_autograd(case: Any) -> None:
    n, x, w, y, g, geometry = _setup(case)
    gx, gw = tocha.autograd.grad(y, (x, w), g)
    ours_x = getattr(tocha.nn.grad, f"conv{n}d_input")(x.shape, w, g, *geometry)
    ours_w = getattr(tocha.nn.grad, f"conv{n}d_weight")(x, w.shape, g, *geometry)
    assert ours_x.shape == x.shape
    assert ours_w.shape == w.shape
    np.testing.assert_allclose(ours_x.detach().numpy(), gx.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours_w.detach().numpy(), gw.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}d-{i}" for i, c in enumerate(CASES)])
def test_conv_gradients_match_torch(case: Any) -> None:
    torch = torch_or_skip()
    n, x, w, _, g, geometry = _setup(case)
    ours = getattr(tocha.nn.grad, f"conv{n}d_input")(x.shape, w, g, *geometry)
    theirs = getattr(torch.nn.grad, f"conv{n}d_input")(tuple(x.shape), to_torch(w), to_torch(g), *geometry)
    assert_close_to_torch(ours, theirs, atol=1e-10, what="input gradient")
    ours = getattr(tocha.nn.grad, f"conv{n}d_weight")(x, w.shape, g, *geometry)
    theirs = getattr(torch.nn.grad, f"conv{n}d_weight")(to_torch(x), tuple(w.shape), to_torch(g), *geometry)
    assert_close_to_torch(ours, theirs, atol=1e-10, what="weight gradient")


def test_conv_gradients_are_differentiable() -> None:
    x, w, g = _random((1, 2, 5, 5), 3), _random((3, 2, 2, 2), 4), _random((1, 3, 4, 4), 5)
    assert gradcheck(lambda w, g: tocha.nn.grad.conv2d_input(x.shape, w, g), (w.requires_grad_(), g.requires_grad_()))
    assert gradcheck(lambda x, g: tocha.nn.grad.conv2d_weight(x, w.shape, g), (x.requires_grad_(), g))
    assert F.grad is tocha.nn.grad


def test_conv_gradient_errors_name_the_sizes() -> None:
    w, g = tocha.ones(1, 1, 2, 2), tocha.ones(1, 1, 2, 2)
    with pytest.raises(RuntimeError, match=r"conv2d_input: an input of \[1, 1, 5, 5\] and a weight of \[1, 1, 2, 2\]"):
        tocha.nn.grad.conv2d_input((1, 1, 5, 5), w, g)
    with pytest.raises(RuntimeError, match=r"conv2d_weight: input \[1, 2, 3, 3\] with 1 group\(s\)"):
        tocha.nn.grad.conv2d_weight(tocha.ones(1, 2, 3, 3), (1, 1, 2, 2), g)
    with pytest.raises(RuntimeError, match=r"expected a 4-d input size"):
        tocha.nn.grad.conv2d_input((1, 3, 3), w, g)
    with pytest.raises(TypeError, match="padding must be an int or a tuple of 2 ints"):
        tocha.nn.grad.conv2d_input((1, 1, 3, 3), w, g, padding="same")
