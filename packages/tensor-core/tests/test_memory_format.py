"""Memory formats (tocha.channels_last & co): strides, contiguity tests, conversions and errors."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import numpy as np
import pytest

import tocha

CL = tocha.channels_last
CL3 = tocha.channels_last_3d


def _nchw(*shape: int) -> tocha.Tensor:
    return tocha.arange(float(np.prod(shape))).reshape(*shape)


def _cl(*shape: int) -> tocha.Tensor:
    return _nchw(*shape).contiguous(memory_format=CL)


def _nhwc_strides(n: int, c: int, h: int, w: int) -> tuple[int, int, int, int]:
    return (h * w * c, 1, w * c, c)


# ------------------------------------------------------------------ the type


def test_memory_format_objects() -> None:
    assert repr(tocha.channels_last) == "tocha.channels_last"
    assert repr(tocha.channels_last_3d) == "tocha.channels_last_3d"
    assert repr(tocha.contiguous_format) == "tocha.contiguous_format"
    assert repr(tocha.preserve_format) == "tocha.preserve_format"
    assert isinstance(CL, tocha.memory_format)
    assert tocha.memory_format.__name__ == "memory_format"
    assert CL == CL
    assert CL != CL3
    assert hash(CL) == hash(CL)
    assert copy.deepcopy(CL) is CL
    assert pickle.loads(pickle.dumps(CL)) is CL
    with pytest.raises(TypeError, match=r"cannot create 'tocha\.memory_format' instances"):
        tocha.memory_format()
    with pytest.raises(AttributeError):
        CL._name = "x"  # type: ignore[misc]


# ------------------------------------------------------------------ strides and contiguity


def test_contiguous_channels_last_strides_and_values() -> None:
    x = _nchw(2, 3, 4, 5)
    y = x.contiguous(memory_format=CL)
    assert y.stride() == _nhwc_strides(2, 3, 4, 5) == (60, 1, 15, 3)
    assert y.shape == x.shape
    np.testing.assert_array_equal(y.numpy(), x.numpy())
    assert not y.is_contiguous()
    assert y.is_contiguous(memory_format=CL)
    assert x.is_contiguous()
    assert not x.is_contiguous(memory_format=CL)
    # NHWC memory: the flat buffer, read in memory order, is the NHWC transpose
    np.testing.assert_array_equal(y.permute(0, 2, 3, 1).contiguous().numpy(), x.numpy().transpose(0, 2, 3, 1))
    assert y.permute(0, 2, 3, 1).is_contiguous()
    assert y.contiguous(memory_format=CL) is y
    back = y.contiguous()
    assert back.stride() == (60, 20, 5, 1)
    np.testing.assert_array_equal(back.numpy(), x.numpy())


def test_channels_last_3d() -> None:
    x = _nchw(2, 3, 4, 5, 6)
    y = x.contiguous(memory_format=CL3)
    assert y.stride() == (360, 1, 90, 18, 3)
    assert y.is_contiguous(memory_format=CL3)
    assert not y.is_contiguous()
    assert not x.is_contiguous(memory_format=CL3)
    assert not y.is_contiguous(memory_format=CL)
    np.testing.assert_array_equal(y.numpy(), x.numpy())


@pytest.mark.parametrize(
    ("shape", "strides"),
    [
        ((2, 1, 4, 5), (20, 20, 5, 1)),
        ((2, 3, 1, 1), (3, 1, 1, 1)),
        ((1, 3, 1, 1), (3, 1, 1, 1)),
        ((2, 1, 1, 1), (1, 1, 1, 1)),
    ],
)
def test_ambiguous_shapes_are_both(shape: tuple[int, ...], strides: tuple[int, ...]) -> None:
    x = _nchw(*shape)
    assert x.stride() == strides
    assert x.is_contiguous()
    assert x.is_contiguous(memory_format=CL)
    assert x.contiguous(memory_format=CL) is x
    # to() aliases only when the strides *look* channels-last (PyTorch's suggest_memory_format): ambiguous
    # strides count as row-major, so to() copies into fresh channels-last strides
    assert x.to(memory_format=tocha.contiguous_format) is x
    fresh = x.to(memory_format=CL)
    assert fresh is not x
    assert fresh.stride() == tocha.empty(*shape, memory_format=CL).stride()


def test_empty_with_memory_format() -> None:
    assert tocha.empty(2, 3, 4, 5, memory_format=CL).stride() == (60, 1, 15, 3)
    assert tocha.empty(2, 1, 4, 5, memory_format=CL).stride() == (20, 1, 5, 1)
    assert tocha.empty(2, 3, 1, 1, memory_format=CL).stride() == (3, 1, 3, 3)
    assert tocha.empty(2, 3, 4, 5, 6, memory_format=CL3).stride() == (360, 1, 90, 18, 3)
    assert tocha.empty(2, 3, memory_format=tocha.contiguous_format).stride() == (3, 1)
    assert tocha.empty(2, 3, memory_format=None).stride() == (3, 1)
    assert tocha.empty(0, 3, 4, 5).stride() == (60, 20, 5, 1)  # NumPy gives empty arrays zero strides


@pytest.mark.parametrize("fn", ["empty_like", "zeros_like", "ones_like", "rand_like", "randn_like"])
def test_like_preserves_and_converts(fn: str) -> None:
    like = getattr(tocha, fn)
    y = _cl(2, 3, 4, 5)
    x = _nchw(2, 3, 4, 5)
    assert like(y).stride() == (60, 1, 15, 3)
    assert like(y, memory_format=tocha.preserve_format).stride() == (60, 1, 15, 3)
    assert like(y, memory_format=tocha.contiguous_format).stride() == (60, 20, 5, 1)
    assert like(x).stride() == (60, 20, 5, 1)
    assert like(x, memory_format=CL).stride() == (60, 1, 15, 3)
    assert like(x, dtype=tocha.float64, memory_format=CL).dtype == tocha.float64
    assert like(x.transpose(0, 1)).stride() == (20, 60, 5, 1)


@pytest.mark.autograd
@pytest.mark.parametrize("fn", ["empty_like", "zeros_like", "ones_like", "rand_like", "randn_like"])
def test_like_with_a_memory_format_makes_leaves_requiring_grad(fn: str) -> None:
    r = getattr(tocha, fn)(_nchw(2, 3, 4, 5), memory_format=CL, requires_grad=True)
    assert r.requires_grad
    assert r.is_leaf
    assert r.stride() == (60, 1, 15, 3)


def test_like_values() -> None:
    x = _nchw(2, 3, 4, 5)
    np.testing.assert_array_equal(tocha.zeros_like(x, memory_format=CL).numpy(), np.zeros((2, 3, 4, 5), np.float32))
    np.testing.assert_array_equal(tocha.ones_like(x, memory_format=CL).numpy(), np.ones((2, 3, 4, 5), np.float32))
    full = tocha.full_like(x, 7, memory_format=CL)
    assert full.stride() == (60, 1, 15, 3)
    np.testing.assert_array_equal(full.numpy(), np.full((2, 3, 4, 5), 7, np.float32))
    r = tocha.randint_like(x, 5, memory_format=CL)
    assert r.stride() == (60, 1, 15, 3)
    assert int(r.max()) < 5


def test_clone_preserve_and_formats() -> None:
    x = _nchw(2, 3, 4, 5)
    y = _cl(2, 3, 4, 5)
    assert y.clone().stride() == (60, 1, 15, 3)
    assert tocha.clone(y).stride() == (60, 1, 15, 3)
    assert x.clone(memory_format=CL).stride() == (60, 1, 15, 3)
    assert y.clone(memory_format=tocha.contiguous_format).stride() == (60, 20, 5, 1)
    assert tocha.zeros(2, 3).t().clone().stride() == (1, 3)
    # not dense: the order of dimensions is kept, the gaps are closed
    assert x[:, :, ::2].clone().stride() == (30, 10, 5, 1)
    assert y[:, :, ::2].clone().stride() == (30, 1, 15, 3)
    assert x.permute(0, 2, 3, 1)[..., ::2].clone().stride() == (40, 5, 1, 20)
    for t in (y.clone(), x.clone(memory_format=CL), y[:, :, ::2].clone()):
        assert not np.shares_memory(t.numpy(), x.numpy())
    np.testing.assert_array_equal(y[:, :, ::2].clone().numpy(), x.numpy()[:, :, ::2])


def test_to_memory_format() -> None:
    x = _nchw(2, 3, 4, 5)
    y = x.to(memory_format=CL)
    assert y.stride() == (60, 1, 15, 3)
    np.testing.assert_array_equal(y.numpy(), x.numpy())
    assert y.to(memory_format=CL) is y
    assert x.to(memory_format=tocha.contiguous_format) is x
    assert y.to(memory_format=tocha.preserve_format) is y
    assert y.to(memory_format=tocha.contiguous_format).stride() == (60, 20, 5, 1)
    assert y.to(tocha.float64).stride() == (60, 1, 15, 3)
    z = x.to(tocha.float64, memory_format=CL)
    assert z.dtype == tocha.float64
    assert z.stride() == (60, 1, 15, 3)
    assert x.to("cpu", memory_format=CL).stride() == (60, 1, 15, 3)


def test_elementwise_keep_channels_last() -> None:
    y = _cl(2, 3, 4, 5) - 50
    for r in (
        y.relu(),
        y + 1,
        y * 2,
        y.exp(),
        tocha.sigmoid(y),
        -y,
        y * tocha.ones(3, 1, 1),
        y.abs(),
        y.to(tocha.int64),
    ):
        assert r.stride() == (60, 1, 15, 3)
        assert r.is_contiguous(memory_format=CL)
    np.testing.assert_array_equal(y.relu().numpy(), np.maximum(y.numpy(), 0))


def test_in_place_on_channels_last() -> None:
    y = _cl(2, 3, 4, 5)
    expected = y.numpy() * 2 - 1
    y.mul_(2).sub_(1)
    assert y.stride() == (60, 1, 15, 3)
    np.testing.assert_array_equal(y.numpy(), expected)


def test_channels_last_views() -> None:
    y = _cl(2, 3, 4, 5)
    assert y.permute(0, 2, 3, 1).stride() == (60, 15, 3, 1)
    assert y[0].stride() == (1, 15, 3)
    # a view (reshape of NHWC memory) is possible only through the NHWC order
    flat = y.permute(0, 2, 3, 1).reshape(2, -1)
    np.testing.assert_array_equal(flat.numpy(), y.numpy().transpose(0, 2, 3, 1).reshape(2, -1))


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    "call",
    [
        lambda: tocha.zeros(2, 3).contiguous(memory_format=CL),
        lambda: tocha.zeros(2, 3, 4).to(memory_format=CL),
        lambda: tocha.empty(2, 3, memory_format=CL),
        lambda: tocha.zeros(2, 3).clone(memory_format=CL),
        lambda: tocha.empty_like(tocha.zeros(2, 3), memory_format=CL),
        lambda: tocha.empty(2, 3, 4, 5, 6, memory_format=CL),
    ],
)
def test_rank_errors(call: Any) -> None:
    with pytest.raises(RuntimeError, match="required rank 4 tensor to use channels_last format"):
        call()


def test_rank_error_3d() -> None:
    with pytest.raises(RuntimeError, match="required rank 5 tensor to use channels_last_3d format"):
        tocha.zeros(2, 3, 4, 5).contiguous(memory_format=CL3)
    with pytest.raises(RuntimeError, match="required rank 5 tensor to use channels_last_3d format"):
        tocha.zeros_like(tocha.zeros(2, 3, 4, 5), memory_format=CL3)


def test_argument_errors() -> None:
    x = tocha.zeros(2, 3)
    with pytest.raises(
        TypeError, match=r"contiguous\(\): argument 'memory_format' must be tocha.memory_format, not str"
    ):
        x.contiguous(memory_format="channels_last")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"is_contiguous\(\): argument 'memory_format' .* not NoneType"):
        x.is_contiguous(memory_format=None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"clone\(\): argument 'memory_format' .* not int"):
        x.clone(memory_format=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"empty_like\(\): argument 'memory_format' .* not int"):
        tocha.empty_like(x, memory_format=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"empty\(\): argument 'memory_format' .* not int"):
        tocha.empty(2, memory_format=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="memory_format=int"):
        x.to(memory_format=1)
    with pytest.raises(RuntimeError, match="unsupported memory format Preserve"):
        tocha.empty(2, memory_format=tocha.preserve_format)
    with pytest.raises(RuntimeError, match="preserve memory format is unsupported by the contiguous operator"):
        x.t().contiguous(memory_format=tocha.preserve_format)
    assert x.contiguous(memory_format=tocha.preserve_format) is x
    assert x.is_contiguous(memory_format=tocha.preserve_format)
    assert not x.t().is_contiguous(memory_format=tocha.preserve_format)
    assert not x.is_contiguous(memory_format=CL)  # a wrong rank is simply not channels-last


# ------------------------------------------------------------------ autograd


def test_grad_of_channels_last_leaf_takes_its_strides() -> None:
    pytest.importorskip("tocha.autograd")
    y = _cl(2, 3, 4, 5).requires_grad_()
    (y * 2).sum().backward()
    assert y.grad is not None
    assert y.grad.stride() == (60, 1, 15, 3)
    np.testing.assert_array_equal(y.grad.numpy(), np.full((2, 3, 4, 5), 2, np.float32))
    (y * 3).sum().backward()  # accumulation is in place: the layout stays
    assert y.grad.stride() == (60, 1, 15, 3)
    np.testing.assert_array_equal(y.grad.numpy(), np.full((2, 3, 4, 5), 5, np.float32))
    with tocha.no_grad():
        y.sub_(0.1 * y.grad)  # an optimizer step writes the parameter in place
    assert y.stride() == (60, 1, 15, 3)


def test_contiguous_channels_last_is_differentiable() -> None:
    pytest.importorskip("tocha.autograd")
    x = _nchw(2, 3, 4, 5).requires_grad_()
    y = x.contiguous(memory_format=CL)
    assert y.grad_fn is not None
    (y * y).sum().backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.detach().numpy())


# ------------------------------------------------------------------ against PyTorch


def _torch_and_tocha(shape: tuple[int, ...]) -> tuple[Any, Any, tocha.Tensor]:
    torch = pytest.importorskip("torch")
    a = np.arange(float(np.prod(shape)), dtype=np.float32).reshape(shape)
    return torch, torch.from_numpy(a.copy()), tocha.from_numpy(a.copy())


SHAPES = [(2, 3, 4, 5), (2, 1, 4, 5), (2, 3, 1, 1), (1, 3, 1, 1), (2, 1, 1, 1), (1, 1, 1, 1), (3, 2, 1, 4)]


@pytest.mark.parametrize("shape", SHAPES)
def test_torch_strides_and_contiguity(shape: tuple[int, ...]) -> None:
    torch, t, x = _torch_and_tocha(shape)
    for fmt_name in ("contiguous_format", "channels_last"):
        tt = t.contiguous(memory_format=getattr(torch, fmt_name))
        xx = x.contiguous(memory_format=getattr(tocha, fmt_name))
        assert xx.stride() == tt.stride()
        assert xx.is_contiguous() == tt.is_contiguous()
        assert xx.is_contiguous(memory_format=CL) == tt.is_contiguous(memory_format=torch.channels_last)
        np.testing.assert_array_equal(xx.numpy(), tt.numpy())
        assert xx.clone().stride() == tt.clone().stride()
        assert tocha.empty_like(xx).stride() == torch.empty_like(tt).stride()
        assert xx.to(memory_format=CL).stride() == tt.to(memory_format=torch.channels_last).stride()
    assert (
        tocha.empty(*shape, memory_format=CL).stride()
        == torch.empty(*shape, memory_format=torch.channels_last).stride()
    )
    fresh_t, fresh_x = torch.empty(*shape, memory_format=torch.channels_last), tocha.empty(*shape, memory_format=CL)
    for tt, xx in ((t, x), (fresh_t, fresh_x)):
        for name in ("contiguous_format", "channels_last"):
            t_to, x_to = tt.to(memory_format=getattr(torch, name)), xx.to(memory_format=getattr(tocha, name))
            assert (x_to is xx) == (t_to is tt)
            assert x_to.stride() == t_to.stride()
    assert x.clone(memory_format=CL).stride() == t.clone(memory_format=torch.channels_last).stride()


@pytest.mark.parametrize("shape", [(2, 3, 4, 5, 6), (2, 1, 4, 5, 6), (2, 3, 1, 1, 1)])
def test_torch_channels_last_3d(shape: tuple[int, ...]) -> None:
    torch, t, x = _torch_and_tocha(shape)
    tt = t.contiguous(memory_format=torch.channels_last_3d)
    xx = x.contiguous(memory_format=CL3)
    assert xx.stride() == tt.stride()
    assert xx.is_contiguous(memory_format=CL3) == tt.is_contiguous(memory_format=torch.channels_last_3d)
    assert xx.is_contiguous() == tt.is_contiguous()


def test_torch_non_dense_clone() -> None:
    torch, t, x = _torch_and_tocha((2, 3, 4, 5))
    tc = t.contiguous(memory_format=torch.channels_last)
    xc = x.contiguous(memory_format=CL)
    assert x[:, :, ::2].clone().stride() == t[:, :, ::2].clone().stride()
    assert xc[:, :, ::2].clone().stride() == tc[:, :, ::2].clone().stride()
    assert x.permute(0, 2, 3, 1)[..., ::2].clone().stride() == t.permute(0, 2, 3, 1)[..., ::2].clone().stride()
    assert tocha.empty_like(xc[:, :, ::2]).stride() == torch.empty_like(tc[:, :, ::2]).stride()


def test_torch_elementwise_layouts() -> None:
    torch, t, x = _torch_and_tocha((2, 3, 4, 5))
    tc = t.contiguous(memory_format=torch.channels_last) - 50
    xc = x.contiguous(memory_format=CL) - 50
    pairs = [
        (torch.relu(tc), xc.relu()),
        (tc + 1, xc + 1),
        (torch.exp(tc / 100), (xc / 100).exp()),
        (torch.sigmoid(tc), tocha.sigmoid(xc)),
        (tc * torch.ones(3, 1, 1), xc * tocha.ones(3, 1, 1)),
        (tc.to(torch.float64), xc.to(tocha.float64)),
    ]
    for a, b in pairs:
        assert b.stride() == a.stride()
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-6)


def test_torch_errors_match() -> None:
    torch = pytest.importorskip("torch")
    cases: list[tuple[Any, type[Exception]]] = [
        (lambda m: m.zeros(2, 3).contiguous(memory_format=m.channels_last), RuntimeError),
        (lambda m: m.zeros(2, 3, 4, 5).contiguous(memory_format=m.channels_last_3d), RuntimeError),
        (lambda m: m.empty(2, memory_format=m.preserve_format), RuntimeError),
        (lambda m: m.zeros(2, 3).t().contiguous(memory_format=m.preserve_format), RuntimeError),
        (lambda m: m.zeros(2, 3).contiguous(memory_format="x"), TypeError),
        (lambda m: m.zeros(2, 3).is_contiguous(memory_format=None), TypeError),
        (lambda m: m.zeros(2, 3).clone(memory_format=1), TypeError),
    ]
    for make, exc in cases:
        with pytest.raises(exc):
            make(torch)
        with pytest.raises(exc):
            make(tocha)
    assert torch.zeros(2, 3).is_contiguous(memory_format=torch.channels_last) is False
    assert tocha.zeros(2, 3).is_contiguous(memory_format=CL) is False


def test_clone_of_an_expanded_tensor_takes_row_major_order_around_the_broadcast_dimension():
    """PyTorch orders a stride-0 dimension as row-major order does (NumPy's order='K' would put it innermost)."""
    cases = [
        (lambda lib: lib.ones(3).expand(2, 3), (3, 1)),
        (lambda lib: lib.ones(3, 1).expand(3, 4), (4, 1)),
        (lambda lib: lib.ones(2, 1, 3).expand(2, 4, 3).permute(2, 0, 1), (4, 12, 1)),
        (lambda lib: lib.ones(()).expand(2, 2), (2, 1)),
    ]
    for make, strides in cases:
        t = make(tocha)
        copy = t.clone()
        assert copy.stride() == strides
        assert tocha.equal(copy, t)
        assert tocha.empty_like(t).stride() == strides
