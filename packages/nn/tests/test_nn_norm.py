"""LayerNorm, GroupNorm, RMSNorm, InstanceNorm*, LocalResponseNorm, CrossMapLRN2d and their functional forms."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from nn_oracle import assert_close_to_torch, compare_with_torch, gradcheck_function, to_torch, torch_or_skip

import tocha
import tocha.nn as nn
import tocha.nn.functional as F
from tocha.autograd import gradgradcheck

RNG = np.random.default_rng(1)


def _randn(*shape: int, dtype: Any = np.float32) -> tocha.Tensor:
    return tocha.from_numpy(RNG.standard_normal(shape).astype(dtype))


def _normalize(x: np.ndarray, axes: tuple[int, ...], eps: float) -> np.ndarray:
    x = x.astype(np.float64)
    return (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + eps)


def _check_grads(fn: Callable[..., Any], *inputs: tocha.Tensor) -> None:
    gradcheck_function(fn, *inputs)
    prepared = tuple(t.detach().double().requires_grad_(True) for t in inputs)
    assert gradgradcheck(fn, prepared)


# ------------------------------------------------------------------ NumPy references and finite differences


def test_layer_norm_matches_numpy() -> None:
    x, w, b = _randn(3, 4, 5), _randn(4, 5), _randn(4, 5)
    y = F.layer_norm(x, (4, 5), w, b, eps=1e-3)
    expected = _normalize(x.numpy(), (1, 2), 1e-3) * w.numpy() + b.numpy()
    assert y.dtype == tocha.float32
    np.testing.assert_allclose(y.numpy(), expected, atol=1e-5)
    np.testing.assert_allclose(F.layer_norm(x, 5).numpy(), _normalize(x.numpy(), (2,), 1e-5), atol=1e-5)


def test_group_norm_matches_numpy() -> None:
    x, w, b = _randn(2, 6, 3, 2), _randn(6), _randn(6)
    y = F.group_norm(x, 3, w, b)
    grouped = _normalize(x.numpy().reshape(2, 3, -1), (2,), 1e-5).reshape(x.shape)
    np.testing.assert_allclose(y.numpy(), grouped * w.numpy()[:, None, None] + b.numpy()[:, None, None], atol=1e-5)


def test_rms_norm_matches_numpy() -> None:
    x, w = _randn(3, 4), _randn(4)
    y = F.rms_norm(x, (4,), w, eps=1e-6)
    x64 = x.numpy().astype(np.float64)
    np.testing.assert_allclose(y.numpy(), x64 / np.sqrt((x64**2).mean(1, keepdims=True) + 1e-6) * w.numpy(), atol=1e-5)
    eps = float(np.finfo(np.float32).eps)
    expected = x64 / np.sqrt((x64**2).mean(1, keepdims=True) + eps)
    np.testing.assert_allclose(F.rms_norm(x, [4]).numpy(), expected, atol=1e-5)


def test_instance_norm_matches_numpy() -> None:
    x = _randn(2, 3, 5)
    np.testing.assert_allclose(F.instance_norm(x).numpy(), _normalize(x.numpy(), (2,), 1e-5), atol=1e-5)


def test_local_response_norm_matches_numpy() -> None:
    x = _randn(2, 5, 3)
    size, alpha, beta, k = 3, 0.5, 0.75, 2.0
    sq = np.pad(x.numpy().astype(np.float64) ** 2, ((0, 0), (size // 2, (size - 1) // 2), (0, 0)))
    window = sum(sq[:, i : i + 5] for i in range(size))
    expected = x.numpy() / (k + alpha / size * window) ** beta
    np.testing.assert_allclose(F.local_response_norm(x, size, alpha, beta, k).numpy(), expected, atol=1e-5)


def test_gradients_by_finite_differences() -> None:
    x = _randn(3, 4, 2, dtype=np.float64)
    w4, b4 = _randn(4, dtype=np.float64), _randn(4, dtype=np.float64)
    w2, b2 = _randn(2, dtype=np.float64), _randn(2, dtype=np.float64)
    w42 = _randn(4, 2, dtype=np.float64)
    _check_grads(lambda x, w, b: F.layer_norm(x, (2,), w, b), x, w2, b2)
    _check_grads(lambda x, w: F.layer_norm(x, (4, 2), w), x, w42)
    _check_grads(lambda x, b: F.layer_norm(x, (2,), None, b), x, b2)
    _check_grads(lambda x: F.layer_norm(x, (4, 2)), x)
    _check_grads(lambda x, w, b: F.group_norm(x, 2, w, b), x, w4, b4)
    _check_grads(lambda x: F.group_norm(x, 4), x)
    _check_grads(lambda x, w: F.rms_norm(x, (2,), w, eps=1e-3), x, w2)
    _check_grads(lambda x: F.rms_norm(x, (4, 2)), x)
    _check_grads(lambda x, w, b: F.instance_norm(x, weight=w, bias=b), x, w4, b4)
    _check_grads(lambda x: F.local_response_norm(x, 3, alpha=0.5), x)
    _check_grads(lambda x: nn.CrossMapLRN2d(3, alpha=0.5)(x), x.reshape(3, 4, 2, 1))


@pytest.mark.parametrize("which", ["layer_norm", "group_norm", "rms_norm"])
def test_fast_backward_matches_composite_backward(which: str) -> None:
    # NOTE [ Normalisation ops ]: a plain backward uses the fused kernel, create_graph the composite formula.
    x, w, b = _randn(4, 6, 5), _randn(6), _randn(6)
    calls: dict[str, Callable[..., Any]] = {
        "layer_norm": lambda x, w, b: F.layer_norm(x.transpose(1, 2), (6,), w, b),
        "group_norm": lambda x, w, b: F.group_norm(x, 3, w, b),
        "rms_norm": lambda x, w, b: F.rms_norm(x.transpose(1, 2), (6,), w) + b,
    }
    grads = []
    for create_graph in (False, True):
        xs, ws, bs = (t.detach().requires_grad_(True) for t in (x, w, b))
        y = calls[which](xs, ws, bs)
        g = tocha.autograd.grad((y * y).sum(), (xs, ws, bs), create_graph=create_graph)
        grads.append([t.detach().numpy() for t in g])
    for fast, composite in zip(*grads, strict=True):
        np.testing.assert_allclose(fast, composite, rtol=1e-4, atol=1e-4)


def test_instance_norm_running_stats() -> None:
    m = nn.InstanceNorm1d(3, track_running_stats=True)
    x = _randn(4, 3, 6)
    m(x)
    per_instance = x.numpy().astype(np.float64)
    np.testing.assert_allclose(m.running_mean.numpy(), 0.1 * per_instance.mean(2).mean(0), atol=1e-6)
    unbiased = per_instance.var(2, ddof=1).mean(0)
    np.testing.assert_allclose(m.running_var.numpy(), 0.9 + 0.1 * unbiased, atol=1e-6)
    m.eval()
    y = m(x)
    expected = (x.numpy() - m.running_mean.numpy()[:, None]) / np.sqrt(m.running_var.numpy()[:, None] + 1e-5)
    np.testing.assert_allclose(y.numpy(), expected, atol=1e-5)


def test_unbatched_instance_norm() -> None:
    x = _randn(3, 5)
    np.testing.assert_allclose(nn.InstanceNorm1d(3)(x).numpy(), _normalize(x.numpy(), (1,), 1e-5), atol=1e-5)


def test_module_defaults_state_dicts_and_reprs() -> None:
    ln = nn.LayerNorm([3, 4])
    assert ln.normalized_shape == (3, 4)
    assert list(ln.state_dict()) == ["weight", "bias"]
    np.testing.assert_array_equal(ln.weight.detach().numpy(), np.ones((3, 4)))
    assert repr(ln) == "LayerNorm((3, 4), eps=1e-05, elementwise_affine=True, bias=True)"
    assert repr(nn.LayerNorm(4, bias=False)) == "LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=False)"
    assert list(nn.LayerNorm(4, elementwise_affine=False).state_dict()) == []
    gn = nn.GroupNorm(2, 4, eps=1e-3)
    assert repr(gn) == "GroupNorm(2, 4, eps=0.001, affine=True, bias=True)"
    assert repr(nn.GroupNorm(2, 4, affine=False)) == "GroupNorm(2, 4, eps=1e-05, affine=False, bias=False)"
    assert repr(nn.RMSNorm(4)) == "RMSNorm((4,), eps=None, elementwise_affine=True)"
    assert repr(nn.RMSNorm([2, 4], eps=1e-3, elementwise_affine=False)) == (
        "RMSNorm((2, 4), eps=0.001, elementwise_affine=False)"
    )
    assert repr(nn.LocalResponseNorm(2)) == "LocalResponseNorm(2, alpha=0.0001, beta=0.75, k=1.0)"
    assert repr(nn.CrossMapLRN2d(3)) == "CrossMapLRN2d(3, alpha=0.0001, beta=0.75, k=1)"
    inorm = nn.InstanceNorm2d(3)
    assert repr(inorm) == (
        "InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=False)"
    )
    assert list(inorm.state_dict()) == []
    tracked = nn.InstanceNorm1d(3, affine=True, track_running_stats=True)
    assert list(tracked.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert nn.LayerNorm(4, dtype=tocha.float64).weight.dtype == tocha.float64


def test_errors() -> None:
    with pytest.raises(ValueError, match=r"^num_channels \(4\) must be divisible by num_groups \(3\)$"):
        nn.GroupNorm(3, 4)
    with pytest.raises(RuntimeError, match=r"divisible by num_groups, but got input of shape \[2, 4, 3\] and num_gro"):
        F.group_norm(tocha.ones(2, 4, 3), 3)
    with pytest.raises(RuntimeError, match=r"weight of shape \[3\] and input of shape \[2, 4, 3\]"):
        F.group_norm(tocha.ones(2, 4, 3), 2, tocha.ones(3))
    with pytest.raises(RuntimeError, match=r"expected input with shape \[\*, 4\], but got input of size\[2, 4, 3\]"):
        F.layer_norm(tocha.ones(2, 4, 3), (4,))
    with pytest.raises(RuntimeError, match=r"expected input with shape \[\*, 3\], but got input of size\[2, 4\]"):
        nn.LayerNorm(3)(tocha.ones(2, 4))
    with pytest.raises(RuntimeError, match=r"bias of shape \[2\] and normalized_shape = \[3\]"):
        F.layer_norm(tocha.ones(2, 3), (3,), tocha.ones(3), tocha.ones(2))
    with pytest.raises(RuntimeError, match=r"expected input with shape \[\*4, 3\]"):
        F.rms_norm(tocha.ones(2, 3), (4, 3))
    with pytest.raises(ValueError, match=r"^expected 2D or 3D input \(got 4D input\)$"):
        nn.InstanceNorm1d(3)(tocha.ones(2, 3, 4, 5))
    with pytest.raises(ValueError, match=r"^expected 3D or 4D input \(got 2D input\)$"):
        nn.InstanceNorm2d(3)(tocha.ones(2, 3))
    with pytest.raises(ValueError, match="Expected more than 1 spatial element when training, got input size"):
        nn.InstanceNorm1d(3)(tocha.ones(2, 3, 1))
    with pytest.raises(ValueError, match=r"expected input's size at dim=1 to match num_features \(3\), but got: 4\."):
        nn.InstanceNorm1d(3, affine=True)(tocha.ones(2, 4, 5))
    with pytest.warns(UserWarning, match="input's size at dim=1 does not match num_features"):
        nn.InstanceNorm1d(3)(_randn(2, 4, 5))
    with pytest.raises(ValueError, match="Expected 3D or higher dimensionality input"):
        F.local_response_norm(tocha.ones(2), 2)
    with pytest.raises(ValueError, match="CrossMapLRN2d: Expected input to be 4D, got 3D instead"):
        nn.CrossMapLRN2d(3)(tocha.ones(2, 3, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.InstanceNorm1d(3)(_randn(2, 3, 5))


def test_load_running_stats_into_untracked_instance_norm() -> None:
    state = nn.InstanceNorm1d(3, track_running_stats=True).state_dict()
    plain = {k: v for k, v in state.items() if k != "num_batches_tracked"}  # a plain dict: no version metadata
    with pytest.raises(RuntimeError, match=r'Unexpected running stats buffer\(s\) "running_mean" and "running_var"'):
        nn.InstanceNorm1d(3).load_state_dict(plain)


def test_empty_batch() -> None:
    assert F.layer_norm(tocha.ones(0, 3), (3,)).shape == (0, 3)
    assert F.group_norm(tocha.ones(0, 4), 2).shape == (0, 4)


def test_lazy_instance_norm() -> None:
    m = nn.LazyInstanceNorm2d()
    m(_randn(2, 3, 4, 4))
    assert type(m) is nn.InstanceNorm2d
    assert m.num_features == 3
    assert tuple(m.running_mean.shape) == (3,)


# ------------------------------------------------------------------ against PyTorch


@pytest.mark.parametrize(
    ("make", "shape"),
    [
        (lambda nn: nn.LayerNorm(128), (4, 8, 128)),
        (lambda nn: nn.LayerNorm([8, 6], eps=1e-3), (3, 8, 6)),
        (lambda nn: nn.LayerNorm(6, bias=False), (5, 6)),
        (lambda nn: nn.LayerNorm(6, elementwise_affine=False), (5, 6)),
        (lambda nn: nn.GroupNorm(3, 6), (4, 6, 5)),
        (lambda nn: nn.GroupNorm(2, 4, affine=False), (3, 4, 2, 3)),
        (lambda nn: nn.GroupNorm(1, 4, bias=False), (3, 4)),
        (lambda nn: nn.RMSNorm(6), (5, 6)),
        (lambda nn: nn.RMSNorm([4, 6], eps=1e-4), (2, 4, 6)),
        (lambda nn: nn.RMSNorm(6, elementwise_affine=False), (5, 6)),
        (lambda nn: nn.InstanceNorm1d(3), (4, 3, 6)),
        (lambda nn: nn.InstanceNorm1d(3), (3, 6)),
        (lambda nn: nn.InstanceNorm2d(3, affine=True), (2, 3, 4, 4)),
        (lambda nn: nn.InstanceNorm3d(3, affine=True, bias=False), (2, 3, 2, 3, 2)),
        (lambda nn: nn.LocalResponseNorm(3, alpha=0.1, k=2.0), (2, 5, 4)),
        (lambda nn: nn.LocalResponseNorm(4, alpha=0.1, beta=0.5), (2, 6, 3, 3)),
    ],
)
def test_modules_against_torch(make: Callable[[Any], Any], shape: tuple[int, ...]) -> None:
    torch = torch_or_skip()
    ours, theirs = make(nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    with torch.no_grad():
        for p in theirs.parameters():
            p.uniform_(-1.5, 1.5)
    compare_with_torch(ours, theirs, _randn(*shape) * 2 + 1, atol=2e-5, rtol=1e-4)


@pytest.mark.parametrize("kwargs", [{}, {"affine": True}, {"momentum": 0.3, "eps": 1e-3}])
def test_instance_norm_running_stats_against_torch(kwargs: dict[str, Any]) -> None:
    torch = torch_or_skip()
    ours = nn.InstanceNorm2d(3, track_running_stats=True, **kwargs)
    theirs = torch.nn.InstanceNorm2d(3, track_running_stats=True, **kwargs)
    assert repr(ours) == repr(theirs)
    for step in range(3):
        compare_with_torch(ours, theirs, _randn(2, 3, 4, 5) + step, atol=2e-5, rtol=1e-4, copy_weights=step == 0)
        for name, buf in theirs.named_buffers():
            assert_close_to_torch(getattr(ours, name), buf, atol=1e-5, what=name)
        ours.zero_grad()
        theirs.zero_grad()
    ours.eval()
    theirs.eval()
    compare_with_torch(ours, theirs, _randn(2, 3, 4, 5), atol=2e-5, rtol=1e-4, copy_weights=False)


def test_cross_map_lrn2d_forward_against_torch() -> None:
    torch = torch_or_skip()
    for size, channels in ((3, 5), (4, 5), (1, 3), (5, 2), (6, 9)):
        x = _randn(2, channels, 3, 3, dtype=np.float64)
        ours = nn.CrossMapLRN2d(size, alpha=0.5, beta=0.75, k=1)(x)
        theirs = torch.nn.CrossMapLRN2d(size, alpha=0.5, beta=0.75, k=1)(to_torch(x))
        assert_close_to_torch(ours, theirs, atol=1e-12)


def test_functional_against_torch() -> None:
    torch = torch_or_skip()
    tf = torch.nn.functional
    x = _randn(3, 4, 5)
    assert_close_to_torch(F.layer_norm(x, [5]), tf.layer_norm(to_torch(x), [5]), atol=1e-5)
    assert_close_to_torch(F.group_norm(x, 2), tf.group_norm(to_torch(x), 2), atol=1e-5)
    assert_close_to_torch(F.rms_norm(x, [4, 5]), tf.rms_norm(to_torch(x), [4, 5]), atol=1e-5)
    assert_close_to_torch(F.instance_norm(x), tf.instance_norm(to_torch(x)), atol=1e-5)
    rm, rv = _randn(4), tocha.rand(4) + 0.5
    ours = F.instance_norm(x, rm, rv, use_input_stats=False)
    assert_close_to_torch(ours, tf.instance_norm(to_torch(x), to_torch(rm), to_torch(rv), use_input_stats=False))
    assert_close_to_torch(F.local_response_norm(x, 2), tf.local_response_norm(to_torch(x), 2), atol=1e-6)


def test_double_backward_against_torch() -> None:
    torch = torch_or_skip()
    x, w, b = _randn(3, 4, 6, dtype=np.float64), _randn(6, dtype=np.float64), _randn(6, dtype=np.float64)
    cases = [
        (lambda f, x, w, b: f.layer_norm(x, (6,), w, b)),
        (lambda f, x, w, b: f.group_norm(x.transpose(1, 2), 3, w, b)),
        (lambda f, x, w, b: f.rms_norm(x, (6,), w) * b),
    ]
    for case in cases:
        ours_in = [t.detach().requires_grad_() for t in (x, w, b)]
        theirs_in = [to_torch(t) for t in ours_in]
        y = case(F, *ours_in)
        ty = case(torch.nn.functional, *theirs_in)
        g = tocha.autograd.grad((y**3).sum(), ours_in, create_graph=True)
        tg = torch.autograd.grad((ty**3).sum(), theirs_in, create_graph=True)
        second = tocha.autograd.grad(sum((a * a).sum() for a in g), ours_in)
        tsecond = torch.autograd.grad(sum((a * a).sum() for a in tg), theirs_in)
        for a, t in zip(second, tsecond, strict=True):
            assert_close_to_torch(a, t, atol=1e-8, rtol=1e-6)


def test_forward_ad_through_layer_norm() -> None:
    fw_ad = pytest.importorskip("tocha.autograd.forward_ad")
    x, t = _randn(3, 4, dtype=np.float64), _randn(3, 4, dtype=np.float64)
    with fw_ad.dual_level():
        tangent = fw_ad.unpack_dual(F.layer_norm(fw_ad.make_dual(x, t), (4,))).tangent
    h = 1e-6
    numeric = (F.layer_norm(x + h * t, (4,)) - F.layer_norm(x - h * t, (4,))) / (2 * h)
    np.testing.assert_allclose(tangent.numpy(), numeric.numpy(), atol=1e-6)
