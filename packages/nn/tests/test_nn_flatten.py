"""tocha.nn Flatten and Unflatten."""

from __future__ import annotations

import numpy as np
import pytest
from nn_oracle import compare_with_torch, torch_or_skip

import tocha
import tocha.nn as nn


def test_flatten() -> None:
    x = tocha.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 2)(x).shape == (24, 5)
    assert nn.Flatten(-2)(x).shape == (2, 3, 20)
    np.testing.assert_array_equal(nn.Flatten()(x).numpy(), x.numpy().reshape(2, -1))
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    with pytest.raises(IndexError):
        nn.Flatten()(tocha.ones(2))


def test_flatten_gradient() -> None:
    x = tocha.ones(2, 3, 4, requires_grad=True)
    (nn.Flatten()(x) * tocha.arange(12.0)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.tile(np.arange(12.0).reshape(3, 4), (2, 1, 1)))


def test_unflatten() -> None:
    m = nn.Unflatten(1, (2, 5))
    assert m(tocha.ones(3, 10)).shape == (3, 2, 5)
    assert nn.Unflatten(1, (-1, 5))(tocha.ones(3, 10)).shape == (3, 2, 5)
    assert nn.Unflatten(-1, [2, 5])(tocha.ones(3, 10)).shape == (3, 2, 5)
    assert repr(m) == "Unflatten(dim=1, unflattened_size=(2, 5))"
    assert repr(nn.Unflatten(1, [2, 5])) == "Unflatten(dim=1, unflattened_size=[2, 5])"
    with pytest.raises(
        RuntimeError, match=r"unflatten: Provided sizes \[2, 5\] don't multiply up to the size of dim 1"
    ):
        m(tocha.ones(3, 11))


def test_unflatten_errors() -> None:
    with pytest.raises(
        TypeError, match="unflattened_size must be tuple of ints, but found element of type str at pos 1"
    ):
        nn.Unflatten(1, (2, "x"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="unflattened_size must be a tuple of ints, but found type int"):
        nn.Unflatten(1, 2)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="element of type float at pos 0"):
        nn.Unflatten(1, (2.0, 5))  # type: ignore[arg-type]


def test_match_torch() -> None:
    torch = torch_or_skip()
    x = tocha.tensor(np.random.default_rng(0).standard_normal((2, 3, 4)))
    compare_with_torch(nn.Flatten(), torch.nn.Flatten(), x)
    compare_with_torch(nn.Flatten(0, 1), torch.nn.Flatten(0, 1), x)
    compare_with_torch(nn.Unflatten(2, (2, 2)), torch.nn.Unflatten(2, (2, 2)), x)
    assert repr(nn.Unflatten(1, (2, 5))) == repr(torch.nn.Unflatten(1, (2, 5)))
    assert repr(nn.Flatten(0, 2)) == repr(torch.nn.Flatten(0, 2))
