"""nn.utils.fusion: batch norm folded into the preceding convolution or linear layer."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from nn_oracle import from_torch, torch_or_skip

import tocha
from tocha import nn
from tocha.nn.utils import fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval, fuse_linear_bn_weights


def randomize_bn(bn: nn.Module, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = bn.num_features
    with tocha.no_grad():
        bn.running_mean.copy_(tocha.from_numpy(rng.standard_normal(n).astype(np.float32)))
        bn.running_var.copy_(tocha.from_numpy(rng.uniform(0.5, 2.0, n).astype(np.float32)))
        if bn.weight is not None:
            bn.weight.copy_(tocha.from_numpy(rng.standard_normal(n).astype(np.float32)))
            bn.bias.copy_(tocha.from_numpy(rng.standard_normal(n).astype(np.float32)))


def layer(name: str) -> Any:
    cls = getattr(nn, name, None)
    if cls is None:
        pytest.skip(f"nn.{name} not available yet")
    return cls


@pytest.mark.parametrize(
    ("conv_name", "bn_name", "shape", "transpose"),
    [
        ("Conv1d", "BatchNorm1d", (2, 3, 7), False),
        ("Conv2d", "BatchNorm2d", (2, 3, 6, 5), False),
        ("Conv3d", "BatchNorm3d", (1, 3, 4, 4, 3), False),
        ("ConvTranspose2d", "BatchNorm2d", (2, 3, 4, 4), True),
    ],
)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("affine", [True, False])
def test_fuse_conv_bn(
    conv_name: str, bn_name: str, shape: tuple[int, ...], transpose: bool, bias: bool, affine: bool
) -> None:
    conv = layer(conv_name)(3, 4, 3, bias=bias).eval()
    bn = layer(bn_name)(4, affine=affine).eval()
    randomize_bn(bn, 0)
    fused = fuse_conv_bn_eval(conv, bn, transpose=transpose)
    assert type(fused) is type(conv)
    assert fused is not conv
    assert isinstance(fused.weight, nn.Parameter)
    assert isinstance(fused.bias, nn.Parameter)
    assert conv.bias is None or conv.bias is not fused.bias
    x = tocha.randn(*shape)
    np.testing.assert_allclose(fused(x).detach().numpy(), bn(conv(x)).detach().numpy(), rtol=1e-4, atol=1e-5)


def test_fuse_linear_bn() -> None:
    for bias in (True, False):
        linear = layer("Linear")(5, 4, bias=bias).eval()
        bn = layer("BatchNorm1d")(4).eval()
        randomize_bn(bn, 1)
        fused = fuse_linear_bn_eval(linear, bn)
        x = tocha.randn(3, 5)
        np.testing.assert_allclose(fused(x).detach().numpy(), bn(linear(x)).detach().numpy(), rtol=1e-4, atol=1e-5)
        assert tuple(fused.weight.shape) == (4, 5)
        assert tuple(fused.bias.shape) == (4,)


def test_fusion_needs_eval_and_matching_features() -> None:
    linear, bn = layer("Linear")(5, 4), layer("BatchNorm1d")(4)
    with pytest.raises(AssertionError, match="Fusion only for eval!"):
        fuse_linear_bn_eval(linear, bn)
    with pytest.raises(AssertionError, match="Fusion only for eval!"):
        fuse_conv_bn_eval(layer("Conv2d")(1, 4, 1), layer("BatchNorm2d")(4).eval())
    with pytest.raises(AssertionError, match=r"To fuse, linear\.out_features == bn\.num_features"):
        fuse_linear_bn_eval(linear.eval(), layer("BatchNorm1d")(3).eval())


def test_fused_weights_formulas() -> None:
    w = nn.Parameter(tocha.tensor([[[1.0, 2.0]], [[3.0, 4.0]]]))  # (2, 1, 2)
    b = tocha.tensor([1.0, -1.0])
    mean, var = tocha.tensor([0.5, 1.0]), tocha.tensor([3.0, 0.0])
    gamma, beta = tocha.tensor([2.0, 1.0]), tocha.tensor([0.0, 0.5])
    fw, fb = fuse_conv_bn_weights(w, b, mean, var, 1.0, gamma, beta)
    np.testing.assert_allclose(fw.detach().numpy(), [[[1.0, 2.0]], [[3.0, 4.0]]], rtol=1e-6)
    np.testing.assert_allclose(fb.detach().numpy(), [0.5, -1.5], rtol=1e-6)
    assert fw.grad_fn is None
    assert fw.requires_grad
    tw, _ = fuse_conv_bn_weights(
        tocha.ones(1, 2, 1), None, tocha.zeros(2), tocha.full((2,), 3.0), 1.0, gamma, beta, True
    )
    np.testing.assert_allclose(tw.detach().numpy().reshape(-1), [1.0, 0.5], rtol=1e-6)
    lw, lb = fuse_linear_bn_weights(tocha.ones(2, 3), None, mean, var, 1.0, gamma, beta)
    np.testing.assert_allclose(lw.detach().numpy(), [[1.0] * 3, [1.0] * 3], rtol=1e-6)
    np.testing.assert_allclose(lb.detach().numpy(), [-0.5, -0.5], rtol=1e-6)
    assert not lb.requires_grad


def test_fusion_matches_torch() -> None:
    torch = torch_or_skip()
    tconv, tbn = torch.nn.Conv2d(3, 4, 3).eval(), torch.nn.BatchNorm2d(4).eval()
    with torch.no_grad():
        tbn.running_mean.normal_()
        tbn.running_var.uniform_(0.5, 2.0)
        tbn.weight.normal_()
        tbn.bias.normal_()
    conv, bn = layer("Conv2d")(3, 4, 3).eval(), layer("BatchNorm2d")(4).eval()
    conv.load_state_dict({k: from_torch(v) for k, v in tconv.state_dict().items()})
    bn.load_state_dict({k: from_torch(v) for k, v in tbn.state_dict().items()})
    ours, theirs = fuse_conv_bn_eval(conv, bn), torch.nn.utils.fuse_conv_bn_eval(tconv, tbn)
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), rtol=1e-5, atol=1e-6)
    tlin, tbn1 = torch.nn.Linear(5, 4).eval(), torch.nn.BatchNorm1d(4).eval()
    with torch.no_grad():
        tbn1.running_mean.normal_()
        tbn1.running_var.uniform_(0.5, 2.0)
    lin, bn1 = layer("Linear")(5, 4).eval(), layer("BatchNorm1d")(4).eval()
    lin.load_state_dict({k: from_torch(v) for k, v in tlin.state_dict().items()})
    bn1.load_state_dict({k: from_torch(v) for k, v in tbn1.state_dict().items()})
    ours_l, theirs_l = fuse_linear_bn_eval(lin, bn1), torch.nn.utils.fuse_linear_bn_eval(tlin, tbn1)
    for key, value in theirs_l.state_dict().items():
        np.testing.assert_allclose(ours_l.state_dict()[key].numpy(), value.numpy(), rtol=1e-5, atol=1e-6)
