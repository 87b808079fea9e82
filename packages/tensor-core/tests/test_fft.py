"""tocha.fft: transforms against NumPy and PyTorch, dtypes, errors and gradients."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tocha
import tocha.fft as F

RNG = np.random.default_rng(3)


def t(a: Any, **kw: Any) -> Any:
    return tocha.from_numpy(np.array(a, copy=True), **kw) if not kw else tocha.tensor(np.array(a), **kw)


def rand(*shape: int, complex_: bool = False) -> np.ndarray:
    a = RNG.standard_normal(shape)
    if complex_:
        a = a + 1j * RNG.standard_normal(shape)
    return a


# (tocha/torch name, numpy function, kwargs for both, numpy kwargs, complex input)
CASES = [
    ("fft", np.fft.fft, {}, {}, False),
    ("fft", np.fft.fft, {"n": 7, "dim": 0, "norm": "ortho"}, {"n": 7, "axis": 0, "norm": "ortho"}, True),
    ("ifft", np.fft.ifft, {"n": 3, "norm": "forward"}, {"n": 3, "norm": "forward"}, True),
    ("fft2", np.fft.fft2, {}, {}, True),
    ("ifft2", np.fft.ifft2, {"s": (5, 2)}, {"s": (5, 2)}, False),
    ("fftn", np.fft.fftn, {"dim": (0, 2)}, {"axes": (0, 2)}, True),
    ("fftn", np.fft.fftn, {"s": (3, 6)}, {"s": (3, 6), "axes": (1, 2)}, False),
    ("ifftn", np.fft.ifftn, {"norm": "ortho"}, {"norm": "ortho"}, True),
    ("rfft", np.fft.rfft, {}, {}, False),
    ("rfft", np.fft.rfft, {"n": 9, "dim": 1}, {"n": 9, "axis": 1}, False),
    ("irfft", np.fft.irfft, {}, {}, True),
    ("irfft", np.fft.irfft, {"n": 7, "dim": 0, "norm": "forward"}, {"n": 7, "axis": 0, "norm": "forward"}, True),
    ("rfft2", np.fft.rfft2, {"norm": "ortho"}, {"norm": "ortho"}, False),
    ("irfft2", np.fft.irfft2, {"s": (4, 6)}, {"s": (4, 6)}, True),
    ("rfftn", np.fft.rfftn, {}, {}, False),
    ("irfftn", np.fft.irfftn, {"dim": (0, 1)}, {"axes": (0, 1)}, True),
    ("hfft", np.fft.hfft, {}, {}, True),
    ("hfft", np.fft.hfft, {"n": 5, "norm": "ortho"}, {"n": 5, "norm": "ortho"}, True),
    ("ihfft", np.fft.ihfft, {"dim": 0}, {"axis": 0}, False),
    ("ihfft", np.fft.ihfft, {"norm": "forward"}, {"norm": "forward"}, False),
]


@pytest.mark.parametrize(("name", "reference", "kwargs", "np_kwargs", "is_complex"), CASES)
def test_matches_numpy(name: str, reference: Any, kwargs: Any, np_kwargs: Any, is_complex: bool) -> None:
    a = rand(3, 4, 5, complex_=is_complex)
    result = getattr(F, name)(t(a), **kwargs)
    np.testing.assert_allclose(result.numpy(), reference(a, **np_kwargs), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("name", "reference", "kwargs", "np_kwargs", "is_complex"), CASES)
def test_matches_pytorch(name: str, reference: Any, kwargs: Any, np_kwargs: Any, is_complex: bool) -> None:
    torch = pytest.importorskip("torch")
    for np_dtype in (np.complex64, np.complex128) if is_complex else (np.float32, np.float64, np.int64):
        a = (rand(3, 4, 5, complex_=is_complex) * 3).astype(np_dtype)
        result = getattr(F, name)(t(a), **kwargs)
        expected = getattr(torch.fft, name)(torch.from_numpy(a), **kwargs)
        assert result.dtype.name == str(expected.dtype).removeprefix("torch.")
        np.testing.assert_allclose(result.numpy(), expected.resolve_conj().numpy(), rtol=1e-4, atol=1e-4)


def test_dtype_rules() -> None:
    assert F.fft(tocha.ones(4)).dtype is tocha.complex64
    assert F.fft(tocha.ones(4, dtype=tocha.float64)).dtype is tocha.complex128
    assert F.fft(tocha.arange(4)).dtype is tocha.complex64
    assert F.rfft(tocha.ones(4, dtype=tocha.float64)).dtype is tocha.complex128
    assert F.irfft(tocha.ones(3, dtype=tocha.complex64)).dtype is tocha.float32
    assert F.irfft(tocha.ones(3)).dtype is tocha.float32  # a real half spectrum is taken as complex
    assert F.hfft(tocha.ones(3, dtype=tocha.complex128)).dtype is tocha.float64
    assert F.ihfft(tocha.ones(4)).dtype is tocha.complex64


def test_hand_values() -> None:
    x = tocha.tensor([1.0, 2.0, 3.0, 4.0])
    assert F.fft(x).tolist() == [10, -2 + 2j, -2, -2 - 2j]
    assert F.ifft(F.fft(x)).real.tolist() == [1.0, 2.0, 3.0, 4.0]
    assert F.fft(x, norm="forward").tolist() == [2.5, -0.5 + 0.5j, -0.5, -0.5 - 0.5j]
    assert F.fft(x, norm="ortho").tolist() == [5, -1 + 1j, -1, -1 - 1j]
    assert F.rfft(x, n=2).tolist() == [3, -1]
    assert F.fft(x, n=6).shape == (6,)
    assert F.irfft(F.rfft(x)).tolist() == [1.0, 2.0, 3.0, 4.0]
    assert F.fftn(tocha.tensor(2.0)).tolist() == 2 + 0j  # 0-dim: nothing to transform
    assert F.fftn(tocha.ones(2, 2), dim=()).tolist() == [[1, 1], [1, 1]]


def test_freq_and_shift() -> None:
    np.testing.assert_allclose(F.fftfreq(5, d=0.5).numpy(), np.fft.fftfreq(5, 0.5), rtol=1e-6)
    np.testing.assert_allclose(F.rfftfreq(6).numpy(), np.fft.rfftfreq(6), rtol=1e-6)
    assert F.fftfreq(4).dtype is tocha.float32
    assert F.fftfreq(4, dtype=tocha.float64).dtype is tocha.float64
    assert F.fftfreq(0).shape == (0,)
    assert np.isnan(F.rfftfreq(0).numpy()).tolist() == [True]  # PyTorch: n // 2 + 1 entries of 0 / 0
    with pytest.raises(RuntimeError, match=r"Trying to create tensor with negative dimension -1: \[-1\]"):
        F.fftfreq(-1)
    with pytest.raises(RuntimeError, match="fftfreq requires a floating point or complex dtype"):
        F.fftfreq(4, dtype=tocha.int64)
    a = np.arange(12).reshape(3, 4)
    assert F.fftshift(t(a)).numpy().tolist() == np.fft.fftshift(a).tolist()
    assert F.ifftshift(t(a)).numpy().tolist() == np.fft.ifftshift(a).tolist()
    assert F.fftshift(t(a), dim=1).numpy().tolist() == np.fft.fftshift(a, axes=1).tolist()
    assert F.ifftshift(t(a), dim=(0,)).numpy().tolist() == np.fft.ifftshift(a, axes=(0,)).tolist()


def test_freq_requires_grad() -> None:
    pytest.importorskip("tocha.autograd")
    assert F.fftfreq(3, requires_grad=True).requires_grad
    assert F.rfftfreq(3, dtype=tocha.float64, requires_grad=True).requires_grad


def test_noncontiguous_and_empty() -> None:
    a = rand(4, 6, complex_=True)
    x = t(a)[:, ::2]
    np.testing.assert_allclose(F.fft(x).numpy(), np.fft.fft(a[:, ::2]), rtol=1e-12)
    np.testing.assert_allclose(F.rfft(t(rand(5, 4)).T, dim=0).numpy().shape, (3, 5))
    assert F.fft(tocha.zeros(0, 4), dim=1).shape == (0, 4)


def test_errors() -> None:
    with pytest.raises(RuntimeError, match="Unsupported dtype Half"):
        F.fft(tocha.ones(4, dtype=tocha.float16))
    with pytest.raises(RuntimeError, match="Unsupported dtype BFloat16"):
        F.rfft(tocha.ones(4, dtype=tocha.bfloat16))
    with pytest.raises(RuntimeError, match='Invalid normalization mode: "bad"'):
        F.fft(tocha.ones(4), norm="bad")
    with pytest.raises(RuntimeError, match=r"Invalid number of data points \(0\) specified"):
        F.fft(tocha.ones(4), n=0)
    with pytest.raises(RuntimeError, match=r"Invalid number of data points \(0\) specified"):
        F.irfft(tocha.ones(1, dtype=tocha.complex64))
    for name in ("fft", "ifft", "rfft", "irfft", "hfft", "ihfft"):  # -1 means "keep" only in s
        with pytest.raises(RuntimeError, match=r"Invalid number of data points \(-1\) specified"):
            getattr(F, name)(tocha.ones(4), n=-1)
    assert F.fftn(tocha.ones(4, 4), s=(-1, 3)).shape == (4, 3)
    with pytest.raises(RuntimeError, match="rfft expects a real input tensor, but got ComplexFloat"):
        F.rfft(tocha.ones(4, dtype=tocha.complex64))
    with pytest.raises(RuntimeError, match="ihfft expects a real input tensor"):
        F.ihfft(tocha.ones(4, dtype=tocha.complex64))
    with pytest.raises(IndexError, match="Dimension out of range"):
        F.fft(tocha.ones(4), dim=2)
    with pytest.raises(IndexError, match="Dimension specified as -1 but tensor has no dimensions"):
        F.fft(tocha.tensor(1.0))
    with pytest.raises(RuntimeError, match="dim and shape arguments must have the same length"):
        F.fftn(tocha.ones(4, 3), s=(2,), dim=(0, 1))
    with pytest.raises(RuntimeError, match="rfftn must transform at least one axis"):
        F.rfftn(tocha.ones(3, 3), dim=())
    with pytest.raises(RuntimeError, match="FFT dims must be unique"):
        F.fftn(tocha.ones(3, 3), dim=(0, 0))
    with pytest.raises(TypeError, match="expected a Tensor"):
        F.fft([1.0, 2.0])


# ------------------------------------------------------------------ gradients

GRAD_CASES = [
    ("fft", {"n": 6}, True),
    ("fft", {"norm": "ortho"}, False),
    ("ifft", {"n": 3, "dim": 0, "norm": "forward"}, True),
    ("fft2", {"s": (2, 5)}, True),
    ("ifftn", {}, True),
    ("rfft", {}, False),
    ("rfft", {"n": 7, "norm": "ortho"}, False),
    ("rfft2", {}, False),
    ("rfftn", {"s": (4, 3), "norm": "forward"}, False),
    ("irfft", {}, True),
    ("irfft", {"n": 7, "dim": 0}, True),
    ("irfft", {"n": 4, "norm": "ortho"}, True),
    ("hfft", {}, True),
    ("hfft", {"n": 5, "norm": "forward"}, True),
    ("ihfft", {}, False),
    ("ihfft", {"n": 3, "dim": 0, "norm": "ortho"}, False),
]


@pytest.mark.parametrize(("name", "kwargs", "is_complex"), GRAD_CASES)
def test_gradcheck(name: str, kwargs: Any, is_complex: bool) -> None:
    autograd = pytest.importorskip("tocha.autograd")
    x = t(rand(3, 4, complex_=is_complex)).requires_grad_()
    fn = getattr(F, name)
    assert autograd.gradcheck(lambda a: fn(a, **kwargs), (x,))
    assert autograd.gradgradcheck(lambda a: fn(a, **kwargs), (x,))


@pytest.mark.parametrize(
    ("name", "kwargs", "is_complex"),
    [*GRAD_CASES, ("irfft2", {}, True), ("irfftn", {"s": (5, 4)}, True), ("hfftn", {}, True), ("ihfft2", {}, False)],
)
def test_gradients_match_pytorch(name: str, kwargs: Any, is_complex: bool) -> None:
    torch = pytest.importorskip("torch")
    pytest.importorskip("tocha.autograd")
    a = rand(3, 4, complex_=is_complex)
    x = t(a).requires_grad_()
    out = getattr(F, name)(x, **kwargs)
    cot = rand(*out.shape, complex_=out.dtype.is_complex)
    (out * t(cot).conj() if out.dtype.is_complex else out * t(cot)).sum().real.backward()
    tx = torch.from_numpy(a).requires_grad_()
    tout = getattr(torch.fft, name)(tx, **kwargs)
    tout.backward(torch.from_numpy(cot))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.resolve_conj().numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize(
    ("name", "kwargs", "is_complex"),
    [
        ("hfft2", {}, True),
        ("hfftn", {"s": (3, 6)}, True),
        ("hfftn", {"dim": (0,), "norm": "ortho"}, True),
        ("ihfft2", {}, False),
        ("ihfftn", {"norm": "forward"}, False),
    ],
)
def test_hermitian_nd_matches_pytorch(name: str, kwargs: Any, is_complex: bool) -> None:
    torch = pytest.importorskip("torch")
    a = rand(3, 4, 5, complex_=is_complex)
    result = getattr(F, name)(t(a), **kwargs)
    expected = getattr(torch.fft, name)(torch.from_numpy(a), **kwargs).resolve_conj()
    assert result.dtype.name == str(expected.dtype).removeprefix("torch.")
    np.testing.assert_allclose(result.numpy(), expected.numpy(), rtol=1e-10, atol=1e-10)
