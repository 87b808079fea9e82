"""Module.to(memory_format=...) and training a small CNN in channels_last (same loss as NCHW)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tocha
from tocha import nn

CL = tocha.channels_last


def _cnn(seed: int) -> nn.Sequential:
    tocha.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 4, 3),
        nn.Flatten(),
        nn.Linear(4 * 2 * 2, 5),
    )


def test_module_to_channels_last() -> None:
    m = _cnn(0)
    before = {name: p.detach().numpy().copy() for name, p in m.named_parameters()}
    assert m.to(memory_format=CL) is m
    conv = m[0]
    assert isinstance(conv, nn.Conv2d)
    assert conv.weight.stride() == (27, 1, 9, 3)
    assert conv.weight.is_contiguous(memory_format=CL)
    assert isinstance(conv.weight, nn.Parameter)
    assert conv.weight.requires_grad
    assert conv.weight.is_leaf
    assert conv.bias is not None
    assert conv.bias.stride() == (1,)
    lin = m[6]
    assert isinstance(lin, nn.Linear)
    assert lin.weight.stride() == (16, 1)
    bn = m[1]
    assert isinstance(bn, nn.BatchNorm2d)
    assert bn.running_mean is not None
    assert bn.running_mean.stride() == (1,)
    for name, p in m.named_parameters():
        np.testing.assert_array_equal(p.detach().numpy(), before[name])
    m.to(tocha.float64, memory_format=tocha.contiguous_format)
    assert conv.weight.dtype == tocha.float64
    assert conv.weight.is_contiguous()


def test_module_to_channels_last_3d_and_errors() -> None:
    m3 = nn.Conv3d(2, 3, 2)
    m3.to(memory_format=tocha.channels_last_3d)
    assert m3.weight.stride() == (16, 1, 8, 4, 2)
    with pytest.raises(RuntimeError, match="required rank 4 tensor to use channels_last format"):
        m3.to(memory_format=CL)
    m2 = nn.Conv2d(2, 3, 2)
    with pytest.raises(RuntimeError, match="required rank 5 tensor to use channels_last_3d format"):
        m2.to(memory_format=tocha.channels_last_3d)
    with pytest.raises(TypeError, match="memory_format=str"):
        m2.to(memory_format="channels_last")
    with pytest.raises(TypeError, match="takes from 0 to 4 positional arguments but 5 were given"):
        m2.to(1, 2, 3, 4, 5)
    with pytest.raises(TypeError, match="only accepts floating point or complex dtypes"):
        m2.to("cpu", tocha.int64)
    m2.to(memory_format=tocha.preserve_format)
    assert m2.weight.is_contiguous()


def _train(channels_last: bool, steps: int = 3) -> tuple[list[float], nn.Sequential]:
    pytest.importorskip("tocha.autograd")
    m = _cnn(1)
    tocha.manual_seed(2)
    x = tocha.randn(4, 3, 8, 8)
    target = tocha.randint(0, 5, (4,))
    if channels_last:
        m.to(memory_format=CL)
        x = x.to(memory_format=CL)
    losses = []
    for _ in range(steps):
        m.zero_grad()
        loss = nn.functional.cross_entropy(m(x), target)
        loss.backward()
        with tocha.no_grad():
            for p in m.parameters():
                assert p.grad is not None
                assert p.grad.stride() == p.stride()  # PyTorch's layout contract for .grad
                p.sub_(0.1 * p.grad)  # the optimizer step writes in place
        losses.append(float(loss))
    return losses, m


def test_training_channels_last_matches_nchw() -> None:
    nchw, m1 = _train(False)
    nhwc, m2 = _train(True)
    np.testing.assert_allclose(nhwc, nchw, rtol=1e-5, atol=1e-6)
    assert nhwc[-1] < nhwc[0]
    conv = m2[0]
    assert isinstance(conv, nn.Conv2d)
    assert conv.weight.is_contiguous(memory_format=CL)
    for p1, p2 in zip(m1.parameters(), m2.parameters(), strict=True):
        np.testing.assert_allclose(p2.detach().numpy(), p1.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_module_to_matches_torch() -> None:
    torch: Any = pytest.importorskip("torch")
    tm = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.Conv2d(4, 1, 1))
    xm = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Conv2d(4, 1, 1))
    tm.to(memory_format=torch.channels_last)
    xm.to(memory_format=CL)
    for tp, xp in zip(tm.parameters(), xm.parameters(), strict=True):
        assert xp.stride() == tp.stride()
    for tb, xb in zip(tm.buffers(), xm.buffers(), strict=True):
        assert xb.stride() == tb.stride()


@pytest.mark.parametrize(
    ("dims", "transposed"), [(2, False), (2, True), (3, False), (3, True)], ids=["2d", "2d-t", "3d", "3d-t"]
)
@pytest.mark.parametrize(("input_cl", "weight_cl"), [(True, False), (False, True), (True, True), (False, False)])
def test_convolutions_keep_pytorchs_memory_format(dims: int, transposed: bool, input_cl: bool, weight_cl: bool) -> None:
    """A channels-last input or weight gives a channels-last output (and gradients laid out as PyTorch's)."""
    torch = pytest.importorskip("torch")
    fmt, torch_fmt = (CL, torch.channels_last) if dims == 2 else (tocha.channels_last_3d, torch.channels_last_3d)
    rng = np.random.default_rng(dims)
    x_np = rng.standard_normal((2, 4, *(5,) * dims))
    w_np = rng.standard_normal(((4, 3) if transposed else (3, 4)) + (3,) * dims)  # 4 input channels, 3 output
    x, w, tx, tw = tocha.from_numpy(x_np), tocha.from_numpy(w_np), torch.from_numpy(x_np), torch.from_numpy(w_np)
    if input_cl:
        x, tx = x.contiguous(memory_format=fmt), tx.contiguous(memory_format=torch_fmt)
    if weight_cl:
        w, tw = w.contiguous(memory_format=fmt), tw.contiguous(memory_format=torch_fmt)
    for t in (x, w, tx, tw):
        t.requires_grad_()
    name = f"conv{'_transpose' if transposed else ''}{dims}d"
    options: dict[str, Any] = {"stride": 2} if transposed else {"padding": 1}
    y = getattr(tocha.nn.functional, name)(x, w, **options)
    ty = getattr(torch.nn.functional, name)(tx, tw, **options)
    assert y.stride() == ty.stride()
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-10)
    gy = rng.standard_normal(tuple(ty.shape))
    y.backward(tocha.from_numpy(gy))
    ty.backward(torch.from_numpy(gy))
    assert x.grad is not None
    assert w.grad is not None
    assert x.grad.stride() == tx.grad.stride()
    assert w.grad.stride() == tw.grad.stride()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-10, atol=1e-10)
