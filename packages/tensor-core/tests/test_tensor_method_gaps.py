"""Tensor methods tocha lacked: ``map2_``, ``is_set_to``, ``to_dense``, ``as_subclass``, ``hardshrink``, ``prelu``.

PyTorch comparisons take ``torch = pytest.importorskip("torch")``.
"""

from __future__ import annotations

import numpy as np
import pytest

import tocha


def test_map2_applies_a_python_function_elementwise() -> None:
    x = tocha.tensor([[1.0, 2.0], [3.0, 4.0]])
    result = x.map2_(tocha.tensor([10.0, 20.0]), tocha.full((2, 1), 0.5), lambda a, b, c: a + b * c)
    assert result is x
    assert x.tolist() == [[6.0, 12.0], [8.0, 14.0]]
    scalar = tocha.tensor(2.0)
    assert scalar.map2_(tocha.tensor(3.0), tocha.tensor(4.0), lambda a, b, c: a * b * c).item() == 24.0


def test_map2_errors_are_pytorchs() -> None:
    torch = pytest.importorskip("torch")
    cases = [
        lambda m: m.ones(3).map2_(m.arange(3.0), m.ones(3, dtype=m.int64), lambda a, b, c: a),
        lambda m: m.ones(3).map2_(m.arange(3.0), 2.0, lambda a, b, c: a),
        lambda m: m.ones(3).map2_(m.ones(4), m.ones(3), lambda a, b, c: a),
        lambda m: m.ones(3, requires_grad=True).map2_(m.ones(3), m.ones(3), lambda a, b, c: a),
    ]
    for case in cases:
        with pytest.raises(Exception) as theirs:
            case(torch)
        if isinstance(theirs.value, RuntimeError) and "requires grad" in str(theirs.value):
            pytest.importorskip("tocha.autograd")
        with pytest.raises(type(theirs.value)):
            case(tocha)


def test_is_set_to_is_an_exact_alias() -> None:
    x = tocha.arange(6.0).reshape(2, 3)
    assert x.is_set_to(x)
    assert x.is_set_to(x.view(2, 3))
    assert x.is_set_to(x[:])
    assert not x.is_set_to(x.t())
    assert not x.is_set_to(x.reshape(3, 2))
    assert not x.is_set_to(x.clone())
    assert not x[0].is_set_to(x[1])
    with pytest.raises(TypeError, match="must be Tensor"):
        x.is_set_to(np.zeros((2, 3)))


def test_is_set_to_equals_pytorchs() -> None:
    torch = pytest.importorskip("torch")

    def aliases(lib):
        x = lib.arange(6.0).reshape(2, 3)
        return [x.is_set_to(y) for y in (x, x.view(2, 3), x[:], x.t(), x.reshape(3, 2), x.clone(), x[:, :2])]

    assert aliases(tocha) == aliases(torch)


def test_to_dense_returns_the_tensor_or_converts() -> None:
    x = tocha.ones(2, 3)
    assert x.to_dense() is x
    assert x.to_dense(tocha.float32) is x
    y = x.to_dense(tocha.float64)
    assert y.dtype == tocha.float64
    assert y.tolist() == x.tolist()


def test_as_subclass_shares_data_and_history() -> None:
    class Tagged(tocha.Tensor):
        pass

    x = tocha.arange(3.0)
    y = x.as_subclass(Tagged)
    assert type(y) is Tagged
    assert y.data_ptr() == x.data_ptr()
    y[0] = 7.0
    assert x[0].item() == 7.0
    with pytest.raises(TypeError, match="does not inherit from Tensor"):
        x.as_subclass(int)
    with pytest.raises(TypeError, match="does not inherit from Tensor"):
        x.as_subclass(3)


def test_as_subclass_stays_in_the_graph() -> None:
    pytest.importorskip("tocha.autograd")

    class Tagged(tocha.Tensor):
        pass

    x = tocha.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).as_subclass(Tagged)
    assert y.requires_grad
    (y * 3).sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]


def test_hardshrink_and_prelu_methods_equal_pytorchs() -> None:
    torch = pytest.importorskip("torch")
    pytest.importorskip("tocha.nn")
    values = np.array([[-1.0, -0.3, 0.0, 0.4, 2.0]])
    weight = np.array([0.25])
    ours = tocha.from_numpy(values)
    theirs = torch.from_numpy(values)
    np.testing.assert_allclose(ours.hardshrink().numpy(), theirs.hardshrink().numpy())
    np.testing.assert_allclose(ours.hardshrink(0.35).numpy(), theirs.hardshrink(0.35).numpy())
    np.testing.assert_allclose(
        ours.prelu(tocha.from_numpy(weight)).numpy(), theirs.prelu(torch.from_numpy(weight)).numpy()
    )
