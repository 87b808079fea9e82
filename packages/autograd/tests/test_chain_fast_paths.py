"""The small-op fast paths of backward: sin's fused vjp, mul/add by a number, the node as its vjp's context."""

from __future__ import annotations

import numpy as np
import pytest

import tocha
import tocha.autograd


def test_sin_vjp_first_and_second_order() -> None:
    x = tocha.tensor([0.3, 1.2, -2.0], dtype=tocha.float64, requires_grad=True)
    assert tocha.autograd.gradcheck(lambda t: t.sin(), (x,))
    assert tocha.autograd.gradgradcheck(lambda t: t.sin(), (x,))
    (g,) = tocha.autograd.grad(x.sin().sum(), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), np.cos([0.3, 1.2, -2.0]))
    (h,) = tocha.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), -np.sin([0.3, 1.2, -2.0]))


def test_sin_vjp_complex_and_float32() -> None:
    z = tocha.tensor([0.5 + 0.25j], dtype=tocha.complex128, requires_grad=True)
    assert tocha.autograd.gradcheck(lambda t: t.sin(), (z,))
    x = tocha.tensor([0.0, 1.0], requires_grad=True)
    x.sin().sum().backward()
    assert x.grad is not None
    assert x.grad.dtype is tocha.float32
    np.testing.assert_allclose(x.grad.numpy(), np.cos([0.0, 1.0]).astype(np.float32), rtol=1e-6)


@pytest.mark.parametrize("dtype", [tocha.float16, tocha.float32, tocha.float64])
def test_chain_gradient_matches_hand_computed(dtype: tocha.dtype) -> None:
    x = tocha.tensor([0.1, -0.7, 2.0], dtype=dtype, requires_grad=True)
    y = ((x * 1.01) + 0.5).sin()
    y.sum().backward()
    xs = np.array([0.1, -0.7, 2.0])
    expected = np.cos(xs * 1.01 + 0.5) * 1.01
    assert x.grad is not None
    assert x.grad.dtype is dtype
    tol = 2e-3 if dtype is tocha.float16 else 1e-6
    np.testing.assert_allclose(x.grad.numpy().astype(np.float64), expected, rtol=tol, atol=tol)


def test_number_on_the_left_and_broadcast_add() -> None:
    x = tocha.tensor([1.0, 2.0], requires_grad=True)
    b = tocha.tensor([[1.0], [2.0], [3.0]], requires_grad=True)
    (2.5 * x + b).sum().backward()
    assert x.grad is not None
    assert b.grad is not None
    np.testing.assert_allclose(x.grad.numpy(), [7.5, 7.5])
    np.testing.assert_allclose(b.grad.numpy(), [[2.0], [2.0], [2.0]])


def test_scalar_operands_keep_signed_zero_nan_and_overflow_quiet() -> None:
    t = tocha.tensor([1.0, -2.0])
    assert np.signbit((t * -0.0).numpy()).tolist() == [True, False]
    assert np.signbit((t * 0.0).numpy()).tolist() == [False, True]
    assert np.isnan((t + float("nan")).numpy()).all()
    assert np.isinf((tocha.tensor([3e38]) * 10.0).numpy()).all()  # no RuntimeWarning (warnings are errors)
    assert np.isinf((tocha.tensor([1.0]) * 1e39).numpy()).all()
    for _ in range(300):  # more distinct constants than the cache keeps
        t = t * 1.0001
    np.testing.assert_allclose(t.numpy(), np.array([1.0, -2.0], np.float32) * np.float32(1.0001) ** 300, rtol=1e-5)


def test_node_released_after_backward_and_hooks_still_run() -> None:
    x = tocha.tensor([0.5, 1.5], requires_grad=True)
    y = x.sin()
    seen: list[object] = []
    y.grad_fn.register_hook(lambda gi, go: seen.append(gi))
    y.grad_fn.metadata["k"] = 1
    y.sum().backward()
    assert len(seen) == 1
    assert y.grad_fn.metadata == {"k": 1}
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.sum().backward()
    z = x + 1.0  # saved nothing: may run again
    z.sum().backward()
    z.sum().backward()
    assert x.grad is not None
