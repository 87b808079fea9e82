"""Complex helpers: complex, polar, view_as_real/view_as_complex (views), conj_physical, resolve_*; gradients."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import tocha

RNG = np.random.default_rng(5)


def c(shape: Any) -> Any:
    return tocha.from_numpy(RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape))


def r(shape: Any) -> Any:
    return tocha.from_numpy(RNG.standard_normal(shape))


def test_complex_and_polar_values() -> None:
    z = tocha.complex(tocha.tensor([1.0, 2.0]), tocha.tensor([3.0, -4.0]))
    assert z.dtype is tocha.complex64
    assert z.tolist() == [1 + 3j, 2 - 4j]
    assert tocha.complex(r(3).double(), r(3).double()).dtype is tocha.complex128
    assert tocha.complex(tocha.ones(2, 1), tocha.zeros(3)).shape == (2, 3)
    p = tocha.polar(
        tocha.tensor([2.0, 1.0], dtype=tocha.float64), tocha.tensor([math.pi / 2, math.pi], dtype=tocha.float64)
    )
    np.testing.assert_allclose(p.numpy(), [2j, -1], atol=1e-15)
    assert tocha.polar(tocha.ones(()), tocha.zeros(())).shape == ()
    out = tocha.empty(2, dtype=tocha.complex64)
    assert tocha.complex(tocha.ones(2), tocha.ones(2), out=out) is out


def test_complex_errors() -> None:
    with pytest.raises(RuntimeError, match="Expected object of scalar type Float but got scalar type Double"):
        tocha.complex(tocha.ones(2), tocha.ones(2, dtype=tocha.float64))
    with pytest.raises(
        RuntimeError, match="Expected both inputs to be Half, Float or Double tensors but got Long and Long"
    ):
        tocha.complex(tocha.ones(2, dtype=tocha.int64), tocha.ones(2, dtype=tocha.int64))
    with pytest.raises(RuntimeError, match="but got Long and Float"):
        tocha.polar(tocha.ones(2, dtype=tocha.int64), tocha.ones(2))
    with pytest.raises(RuntimeError, match="size of tensor a"):
        tocha.complex(tocha.ones(2), tocha.ones(3))
    with pytest.raises(TypeError):
        tocha.complex(tocha.ones(2), 1.0)


def test_view_as_real_is_a_view() -> None:
    z = c((3, 4))
    v = tocha.view_as_real(z)
    assert v.shape == (3, 4, 2)
    assert v.dtype is tocha.float64
    np.testing.assert_array_equal(v.numpy(), np.stack([z.numpy().real, z.numpy().imag], -1))
    v[0, 0, 1] = 7.0
    assert z[0, 0].item().imag == 7.0  # shares memory
    zn = c((4, 6))[:, ::2]
    vn = tocha.view_as_real(zn)
    np.testing.assert_array_equal(vn.numpy()[..., 0], zn.numpy().real)
    assert tocha.view_as_real(tocha.tensor(1 + 2j)).tolist() == [1.0, 2.0]
    assert tocha.view_as_real(tocha.ones(0, 2, dtype=tocha.complex64)).shape == (0, 2, 2)
    with pytest.raises(RuntimeError, match="view_as_real is only supported for complex tensors"):
        tocha.view_as_real(tocha.ones(3))


def test_view_as_complex_is_a_view() -> None:
    x = r((3, 2))
    z = tocha.view_as_complex(x)
    assert z.shape == (3,)
    assert z.dtype is tocha.complex128
    np.testing.assert_array_equal(z.numpy(), x.numpy()[:, 0] + 1j * x.numpy()[:, 1])
    z[1] = 5 + 6j
    assert x[1].tolist() == [5.0, 6.0]
    assert tocha.view_as_complex(tocha.ones(4, 2)[::2]).shape == (2,)
    assert tocha.view_as_complex(tocha.ones(2)).shape == ()
    assert tocha.view_as_complex(tocha.ones(2, dtype=tocha.float32)).dtype is tocha.complex64
    assert tocha.view_as_real(tocha.view_as_complex(x)).numpy().tolist() == x.numpy().tolist()


def test_view_as_complex_errors() -> None:
    with pytest.raises(RuntimeError, match="Tensor must have a last dimension of size 2"):
        tocha.view_as_complex(tocha.ones(3, 3))
    with pytest.raises(RuntimeError, match="Tensor must have a last dimension with stride 1"):
        tocha.view_as_complex(tocha.ones(2, 3).t())
    with pytest.raises(RuntimeError, match="Input tensor must have one or more dimensions"):
        tocha.view_as_complex(tocha.ones(()))
    with pytest.raises(RuntimeError, match="storage_offset divisible by 2"):
        tocha.view_as_complex(tocha.ones(6)[1:5].reshape(2, 2))
    with pytest.raises(RuntimeError, match="stride divisible by 2"):
        tocha.view_as_complex(tocha.ones(3, 3)[:, :2])
    with pytest.raises(RuntimeError, match="only supported for float and double tensors"):
        tocha.view_as_complex(tocha.ones(2, dtype=tocha.int64))


def test_conj_and_bits() -> None:
    z = tocha.tensor([1 + 2j])
    assert tocha.conj_physical(z).tolist() == [1 - 2j]
    x = tocha.ones(2)
    assert tocha.conj_physical(x).tolist() == [1.0, 1.0]
    assert tocha.resolve_conj(z) is z
    assert tocha.resolve_neg(z) is z
    assert z.resolve_neg() is z
    assert not tocha.is_conj(z)
    assert not tocha.is_neg(z)
    assert not z.is_neg()
    assert tocha.is_complex(z)
    assert not tocha.is_complex(x)
    w = tocha.tensor([1 + 2j, 3 - 1j])
    assert w.conj_physical_() is w
    assert w.tolist() == [1 - 2j, 3 + 1j]
    assert x.conj_physical_() is x


def test_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    a, b = RNG.standard_normal((2, 3)), RNG.standard_normal((2, 3))
    for np_dtype in (np.float32, np.float64):
        ta, tb = torch.from_numpy(a.astype(np_dtype)), torch.from_numpy(b.astype(np_dtype))
        xa, xb = tocha.from_numpy(a.astype(np_dtype)), tocha.from_numpy(b.astype(np_dtype))
        for name in ("complex", "polar"):
            ours, theirs = getattr(tocha, name)(xa, xb), getattr(torch, name)(ta, tb)
            assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    z = RNG.standard_normal((2, 3)) + 1j * RNG.standard_normal((2, 3))
    np.testing.assert_array_equal(
        tocha.view_as_real(tocha.from_numpy(z)).numpy(), torch.view_as_real(torch.from_numpy(z)).numpy()
    )


# ------------------------------------------------------------------ gradients


def test_gradcheck_complex_and_polar() -> None:
    autograd = pytest.importorskip("tocha.autograd")
    a, b = r((3, 1)).requires_grad_(), r((4,)).requires_grad_()
    assert autograd.gradcheck(tocha.complex, (a, b))
    assert autograd.gradgradcheck(tocha.complex, (a, b))
    m, t = (r(4).abs() + 0.5).requires_grad_(), r(4).requires_grad_()
    assert autograd.gradcheck(tocha.polar, (m, t))
    assert autograd.gradgradcheck(tocha.polar, (m, t))


def test_gradcheck_views() -> None:
    autograd = pytest.importorskip("tocha.autograd")
    z = c((3, 4)).requires_grad_()
    assert autograd.gradcheck(lambda v: tocha.view_as_real(v) * 2.0, (z,))
    assert autograd.gradgradcheck(lambda v: tocha.view_as_real(v) ** 2, (z,))
    x = r((3, 2)).requires_grad_()
    assert autograd.gradcheck(lambda v: tocha.view_as_complex(v) * (1 + 2j), (x,))
    assert autograd.gradgradcheck(lambda v: tocha.view_as_complex(v) ** 2, (x,))
    w = c(3).requires_grad_()
    assert autograd.gradcheck(tocha.conj_physical, (w,))


def test_gradients_follow_pytorch_conventions() -> None:
    torch = pytest.importorskip("torch")
    pytest.importorskip("tocha.autograd")
    zn = RNG.standard_normal(4) + 1j * RNG.standard_normal(4)
    z = tocha.from_numpy(zn).requires_grad_()
    tz = torch.from_numpy(zn).requires_grad_()
    (tocha.view_as_real(z) ** 3).sum().backward()
    (torch.view_as_real(tz) ** 3).sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), tz.grad.numpy(), rtol=1e-12)
    an, bn = RNG.uniform(0.5, 2.0, 4), RNG.standard_normal(4)  # polar wants abs >= 0
    a, b = tocha.from_numpy(an).requires_grad_(), tocha.from_numpy(bn).requires_grad_()
    ta, tb = torch.from_numpy(an).requires_grad_(), torch.from_numpy(bn).requires_grad_()
    tocha.polar(a, b).abs().pow(3).sum().backward()
    torch.polar(ta, tb).abs().pow(3).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), atol=1e-12)
    (tocha.polar(a, b) * (1 + 2j)).real.sum().backward()
    (torch.polar(ta, tb) * (1 + 2j)).real.sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), atol=1e-12)
