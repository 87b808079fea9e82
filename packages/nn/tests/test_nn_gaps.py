"""Legacy weight_norm / spectral_norm, stateless.functional_call, SyncBatchNorm, fractional max pooling and
AdaptiveLogSoftmaxWithLoss: against PyTorch (when installed), NumPy references and finite differences."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from nn_oracle import (
    assert_close_to_torch,
    compare_with_torch,
    copy_weights_from_torch,
    from_torch,
    gradcheck_function,
    to_torch,
    torch_or_skip,
)

import tocha
import tocha.func
import tocha.nn as nn
import tocha.nn.functional as F
from tocha.nn.utils import remove_spectral_norm, remove_weight_norm, spectral_norm, weight_norm
from tocha.nn.utils.stateless import functional_call


def _quiet_weight_norm(module: Any, *args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return weight_norm(module, *args, **kwargs)


def _torch_weight_norm(torch: Any, module: Any, *args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return torch.nn.utils.weight_norm(module, *args, **kwargs)


# ------------------------------------------------------------------ weight_norm (legacy)


def test_weight_norm_warns_and_reparametrizes() -> None:
    lin = nn.Linear(4, 3)
    w = lin.weight.detach().numpy().copy()
    with pytest.warns(FutureWarning, match="parametrizations.weight_norm"):
        weight_norm(lin)
    assert list(lin.state_dict()) == ["bias", "weight_g", "weight_v"]
    assert lin.weight_g.shape == (3, 1)
    np.testing.assert_allclose(lin.weight_g.detach().numpy(), np.linalg.norm(w, axis=1, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(lin.weight.detach().numpy(), w, rtol=1e-6, atol=1e-7)
    with tocha.no_grad():
        lin.weight_g.mul_(2.0)
    x = tocha.randn(2, 4)
    np.testing.assert_allclose(lin(x).detach().numpy(), x.numpy() @ (2 * w).T + lin.bias.detach().numpy(), rtol=1e-5)
    lin(x).sum().backward()
    assert lin.weight_g.grad is not None
    assert lin.weight_v.grad is not None


def test_weight_norm_dim_none_and_errors() -> None:
    m = _quiet_weight_norm(nn.Linear(4, 3), dim=None)
    assert m.weight_g.shape == ()
    with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks on the same parameter weight"):
        _quiet_weight_norm(m)
    remove_weight_norm(m)
    assert list(m.state_dict()) == ["bias", "weight"]
    assert isinstance(m.weight, nn.Parameter)
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found in"):
        remove_weight_norm(m)


def test_weight_norm_gradcheck() -> None:
    m = _quiet_weight_norm(nn.Linear(3, 2).double(), dim=1)

    def fn(g: tocha.Tensor, v: tocha.Tensor) -> tocha.Tensor:
        return functional_call_quiet(m, {"weight_g": g, "weight_v": v}, (tocha.ones(1, 3, dtype=tocha.float64),))

    gradcheck_function(fn, m.weight_g.detach(), m.weight_v.detach())


def functional_call_quiet(module: Any, params: dict[str, Any], args: Any) -> Any:
    return tocha.func.functional_call(module, params, args)


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_matches_torch(dim: int | None) -> None:
    torch = torch_or_skip()
    theirs = _torch_weight_norm(torch, torch.nn.Conv2d(3, 4, 3), dim=dim)
    ours = _quiet_weight_norm(nn.Conv2d(3, 4, 3), dim=dim)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    compare_with_torch(ours, theirs, tocha.randn(2, 3, 5, 5), atol=1e-5)


# ------------------------------------------------------------------ spectral_norm (legacy)


def test_spectral_norm_layout_and_estimate() -> None:
    lin = spectral_norm(nn.Linear(5, 4), n_power_iterations=3)
    assert list(lin.state_dict()) == ["bias", "weight_orig", "weight_u", "weight_v"]
    assert [name for name, _ in lin.named_parameters()] == ["bias", "weight_orig"]
    for _ in range(30):
        lin(tocha.randn(2, 5))
    sigma = np.linalg.svd(lin.weight_orig.detach().numpy(), compute_uv=False)[0]
    np.testing.assert_allclose(lin.weight.detach().numpy(), lin.weight_orig.detach().numpy() / sigma, rtol=1e-4)
    u_before = lin.weight_u.clone()
    lin.eval()
    lin(tocha.randn(2, 5))
    assert tocha.equal(lin.weight_u, u_before)
    assert lin.state_dict()._metadata[""]["spectral_norm"] == {"weight.version": 1}  # type: ignore[attr-defined]


def test_spectral_norm_errors_and_remove() -> None:
    with pytest.raises(ValueError, match="Expected n_power_iterations to be positive"):
        spectral_norm(nn.Linear(2, 2), n_power_iterations=0)
    m = spectral_norm(nn.Linear(2, 3))
    with pytest.raises(RuntimeError, match="Cannot register two spectral_norm hooks on the same parameter weight"):
        spectral_norm(m)
    remove_spectral_norm(m)
    assert list(m.state_dict()) == ["bias", "weight"]
    assert not m._state_dict_hooks
    assert not m._load_state_dict_pre_hooks
    with pytest.raises(ValueError, match="spectral_norm of 'weight' not found in"):
        remove_spectral_norm(m)
    assert spectral_norm(nn.ConvTranspose2d(3, 5, 2)).weight_u.shape == (5,)


def test_spectral_norm_state_dict_round_trip() -> None:
    a = spectral_norm(nn.Linear(4, 3))
    a(tocha.randn(1, 4))
    b = spectral_norm(nn.Linear(4, 3))
    b.load_state_dict(a.state_dict())
    a.eval()
    b.eval()
    x = tocha.randn(2, 4)
    np.testing.assert_allclose(a(x).detach().numpy(), b(x).detach().numpy(), rtol=1e-6)


@pytest.mark.parametrize("kind", ["linear", "conv_transpose"])
def test_spectral_norm_matches_torch(kind: str) -> None:
    torch = torch_or_skip()
    if kind == "linear":
        theirs = torch.nn.utils.spectral_norm(torch.nn.Linear(6, 4), n_power_iterations=2)
        ours = spectral_norm(nn.Linear(6, 4), n_power_iterations=2)
        x = tocha.randn(3, 6)
    else:
        theirs = torch.nn.utils.spectral_norm(torch.nn.ConvTranspose2d(3, 4, 2))
        ours = spectral_norm(nn.ConvTranspose2d(3, 4, 2))
        x = tocha.randn(2, 3, 4, 4)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    compare_with_torch(ours, theirs, x, atol=1e-5)
    assert_close_to_torch(ours.weight_u, theirs.weight_u, atol=1e-6, what="weight_u")
    assert_close_to_torch(ours.weight_v, theirs.weight_v, atol=1e-6, what="weight_v")
    ours.eval()
    theirs.eval()
    assert_close_to_torch(ours(x), theirs(to_torch(x)), atol=1e-5, what="eval output")


# ------------------------------------------------------------------ stateless


def test_stateless_functional_call_warns_and_delegates() -> None:
    lin = nn.Linear(2, 1)
    params = {"weight": tocha.ones(1, 2), "bias": tocha.zeros(1)}
    with pytest.warns(FutureWarning, match="tocha.func.functional_call"):
        out = functional_call(lin, params, (tocha.tensor([[1.0, 2.0]]),))
    assert out.tolist() == [[3.0]]
    assert not tocha.equal(lin.weight, tocha.ones(1, 2))


# ------------------------------------------------------------------ SyncBatchNorm


def test_sync_batchnorm_nd_and_errors() -> None:
    m = nn.SyncBatchNorm(3)
    x = tocha.randn(4, 3, 2, 2, 2, 2)
    y = m(x).detach().numpy()
    xs = x.numpy()
    mean = xs.mean(axis=(0, 2, 3, 4, 5), keepdims=True)
    var = xs.var(axis=(0, 2, 3, 4, 5), keepdims=True)
    np.testing.assert_allclose(y, (xs - mean) / np.sqrt(var + 1e-5), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match=r"expected at least 2D input \(got 1D input\)"):
        m(tocha.randn(3))
    with pytest.raises(ValueError, match="SyncBatchNorm number of input channels should be non-zero"):
        nn.SyncBatchNorm(0)(tocha.randn(2, 0))


def test_convert_sync_batchnorm() -> None:
    net = nn.Sequential(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4), nn.Sequential(nn.BatchNorm1d(2, affine=False)))
    bn = net[1]
    net.eval()
    out = nn.SyncBatchNorm.convert_sync_batchnorm(net, process_group="pg")
    assert out is net
    assert type(net[1]) is nn.SyncBatchNorm
    assert type(net[2][0]) is nn.SyncBatchNorm
    assert net[1].weight is bn.weight
    assert net[1].running_mean is bn.running_mean
    assert net[1].process_group == "pg"
    assert not net[1].training
    assert net[2][0].weight is None
    single = nn.SyncBatchNorm.convert_sync_batchnorm(nn.BatchNorm3d(2))
    assert type(single) is nn.SyncBatchNorm


def test_sync_batchnorm_matches_torch() -> None:
    torch = torch_or_skip()
    theirs = torch.nn.SyncBatchNorm(3, momentum=None)
    ours = nn.SyncBatchNorm(3, momentum=None)
    assert repr(ours) == repr(theirs)
    x = tocha.randn(4, 3, 5, 2, 2)
    compare_with_torch(ours, theirs, x, atol=1e-5)
    compare_with_torch(ours, theirs, x * 2 + 1, atol=1e-5, copy_weights=False)
    assert_close_to_torch(ours.running_var, theirs.running_var, what="running_var")
    converted = torch.nn.SyncBatchNorm.convert_sync_batchnorm(torch.nn.Sequential(torch.nn.BatchNorm2d(2)))
    mine = nn.SyncBatchNorm.convert_sync_batchnorm(nn.Sequential(nn.BatchNorm2d(2)))
    assert repr(mine) == repr(converted)


# ------------------------------------------------------------------ fractional max pooling


def _fractional_reference(x: np.ndarray, k: tuple[int, ...], out: tuple[int, ...], u: np.ndarray) -> np.ndarray:
    """A loop transcription of the windows (samples in PyTorch's column order) for 2-D input ``(N, C, H, W)``."""
    n, c, h, w = x.shape

    def starts(s: Any, n_in: int, n_out: int, kk: int) -> list[int]:
        alpha = x.dtype.type(n_in - kk) / x.dtype.type(n_out - 1) if n_out > 1 else 0
        seq = [int((x.dtype.type(i) + s) * alpha) - int(s * alpha) for i in range(n_out - 1)]
        return [*seq, n_in - kk]

    result = np.empty((n, c, *out), x.dtype)
    for b in range(n):
        for ch in range(c):
            rows = starts(u[b, ch, 1], h, out[0], k[0])
            cols = starts(u[b, ch, 0], w, out[1], k[1])
            for i, r in enumerate(rows):
                for j, q in enumerate(cols):
                    result[b, ch, i, j] = x[b, ch, r : r + k[0], q : q + k[1]].max()
    return result


def test_fractional_max_pool2d_reference_and_gradcheck() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 9, 8)).astype(np.float32)
    u = rng.random((2, 3, 2)).astype(np.float32)
    ours = F.fractional_max_pool2d(tocha.tensor(x), (2, 3), output_size=(5, 4), _random_samples=tocha.tensor(u))
    np.testing.assert_array_equal(ours.numpy(), _fractional_reference(x, (2, 3), (5, 4), u))
    samples = tocha.tensor(u.astype(np.float64))
    xd = tocha.tensor(rng.permutation(2 * 3 * 9 * 8).reshape(2, 3, 9, 8).astype(np.float64) / 10)
    gradcheck_function(lambda t: F.fractional_max_pool2d(t, 3, output_size=4, _random_samples=samples), xd)


def test_fractional_max_pool_double_backward_and_unbatched() -> None:
    x = tocha.randn(2, 7, 7, dtype=tocha.float64, requires_grad=True)
    u = tocha.rand(1, 2, 2, dtype=tocha.float64)
    y, idx = F.fractional_max_pool2d(x, 2, output_ratio=0.5, return_indices=True, _random_samples=u)
    assert y.shape == (2, 3, 3)
    assert idx.dtype == tocha.int64
    np.testing.assert_array_equal(
        y.detach().numpy(), x.detach().reshape(2, -1).gather(1, idx.reshape(2, -1)).reshape(2, 3, 3).numpy()
    )
    (g,) = tocha.autograd.grad((y * y).sum(), x, create_graph=True)
    assert g.requires_grad
    np.testing.assert_allclose(tocha.autograd.grad(g.sum(), x)[0].numpy(), g.detach().numpy() / x.detach().numpy())
    samples = tocha.rand(1, 2, 2, dtype=tocha.float64)
    xd = tocha.tensor(np.random.default_rng(1).permutation(2 * 7 * 7).reshape(2, 7, 7) / 7.0, requires_grad=True)
    assert tocha.autograd.gradgradcheck(
        lambda t: F.fractional_max_pool2d(t, 3, output_size=4, _random_samples=samples), (xd,)
    )
    z = F.fractional_max_pool3d(tocha.randn(2, 5, 6, 7), (2, 2, 3), output_size=(3, 4, 2))
    assert z.shape == (2, 3, 4, 2)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: F.fractional_max_pool2d(tocha.randn(1, 1, 5, 5), 2), ValueError, "requires specifying either"),
        (lambda: F.fractional_max_pool2d(tocha.randn(1, 1, 5, 5), 3, output_size=4), RuntimeError,
         r"fractional_max_pool2d\(\): pool height 3 too large relative to input height 5"),
        (lambda: F.fractional_max_pool2d(tocha.randn(1, 1, 5, 5), 2, output_size=2,
                                         _random_samples=tocha.rand(1, 1, 3)), RuntimeError,
         r"Expect _random_samples.size\(2\) equals to 2; got 3."),
        (lambda: F.fractional_max_pool2d(tocha.randn(1, 2, 5, 5), 2, output_size=2,
                                         _random_samples=tocha.rand(1, 3, 2)), RuntimeError,
         "equals to input channel size"),
        (lambda: F.fractional_max_pool2d(tocha.randn(1, 2, 5, 5), 2, output_size=2,
                                         _random_samples=tocha.rand(1, 2, 2, dtype=tocha.float64)), RuntimeError,
         "same dtype as input"),
        (lambda: F.fractional_max_pool3d(tocha.randn(1, 2, 5, 5, 5, 5), 2, output_size=2), RuntimeError,
         r"fractional_max_pool3d_out\(\): Expected 4D or 5D tensor, but got: \[1, 2, 5, 5, 5, 5\]"),
        (lambda: F.fractional_max_pool3d(tocha.randn(1, 1, 5, 5, 5), (1, 1, 4), output_size=3), RuntimeError,
         "pool width 4 too large relative to input width 5"),
        (lambda: nn.FractionalMaxPool2d(2), ValueError, "FractionalMaxPool2d requires specifying either"),
        (lambda: nn.FractionalMaxPool2d(2, 3, 0.5), ValueError, "only one of output_size and output_ratio"),
        (lambda: nn.FractionalMaxPool3d(2, output_ratio=1.5), ValueError, "output_ratio must be between 0 and 1"),
        (lambda: nn.FractionalMaxPool3d(0, output_size=2), ValueError, "kernel_size must be greater than 0"),
    ],
)  # fmt: skip
def test_fractional_max_pool_errors(call: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize(
    ("nd", "shape", "kernel", "options"),
    [
        (2, (2, 3, 9, 7), (2, 3), {"output_size": (4, 3)}),
        (2, (3, 11, 13), 3, {"output_ratio": (0.5, 0.4)}),
        (2, (2, 2, 9, 7), 2, {"output_size": 1}),
        (3, (2, 3, 9, 7, 8), (2, 3, 2), {"output_size": (4, 3, 5)}),
        (3, (3, 6, 7, 8), 3, {"output_ratio": 0.5}),
    ],
)
def test_fractional_max_pool_matches_torch(
    nd: int, shape: tuple[int, ...], kernel: Any, options: dict[str, Any]
) -> None:
    torch = torch_or_skip()
    n = 1 if len(shape) == nd + 1 else shape[0]
    samples = tocha.rand(n, shape[-nd - 1], nd)
    ours_cls = nn.FractionalMaxPool2d if nd == 2 else nn.FractionalMaxPool3d
    theirs_cls = torch.nn.FractionalMaxPool2d if nd == 2 else torch.nn.FractionalMaxPool3d
    ours = ours_cls(kernel, return_indices=True, _random_samples=samples, **options)
    theirs = theirs_cls(kernel, return_indices=True, _random_samples=to_torch(samples), **options)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["_random_samples"]
    x = tocha.randn(*shape)
    out, idx = ours(x)
    t_out, t_idx = theirs(to_torch(x))
    np.testing.assert_array_equal(out.numpy(), t_out.numpy())
    np.testing.assert_array_equal(idx.numpy(), t_idx.numpy())
    ours.return_indices = theirs.return_indices = False
    compare_with_torch(ours, theirs, x)
    fn = F.fractional_max_pool2d if nd == 2 else F.fractional_max_pool3d
    t_fn = torch.nn.functional.fractional_max_pool2d if nd == 2 else torch.nn.functional.fractional_max_pool3d
    xd = x.double()
    np.testing.assert_array_equal(
        fn(xd, kernel, _random_samples=samples.double(), **options).numpy(),
        t_fn(to_torch(xd), kernel, _random_samples=to_torch(samples.double()), **options).numpy(),
    )


# ------------------------------------------------------------------ AdaptiveLogSoftmaxWithLoss


def test_adaptive_log_softmax_numpy_and_errors() -> None:
    asm = nn.AdaptiveLogSoftmaxWithLoss(16, 10, [3, 7], div_value=2.0, head_bias=True)
    assert [k for k in asm.state_dict()] == [
        "head.weight", "head.bias", "tail.0.0.weight", "tail.0.1.weight", "tail.1.0.weight", "tail.1.1.weight"
    ]  # fmt: skip
    x = tocha.randn(6, 16)
    target = tocha.tensor([0, 2, 3, 6, 7, 9])
    full = asm.log_prob(x)
    np.testing.assert_allclose(np.exp(full.detach().numpy()).sum(1), np.ones(6), rtol=1e-5)
    out = asm(x, target)
    expected = full.detach().numpy()[np.arange(6), target.numpy()]
    np.testing.assert_allclose(out.output.detach().numpy(), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out.loss.item(), -expected.mean(), rtol=1e-5)
    assert out._fields == ("output", "loss")
    np.testing.assert_array_equal(asm.predict(x).numpy(), full.detach().numpy().argmax(1))
    single = asm(x[1], target[1])
    assert single.output.shape == ()
    assert np.isclose(single.output.item(), expected[1], rtol=1e-5)
    out.loss.backward()
    assert all(p.grad is not None for p in asm.parameters())
    with pytest.raises(RuntimeError, match=r"Target values should be in \[0, 9\]"):
        asm(x, tocha.tensor([0, 1, 2, 3, 4, 10]))
    with pytest.raises(RuntimeError, match="0D or 1D target tensor expected"):
        asm(x, tocha.zeros(6, 1, dtype=tocha.int64))
    with pytest.raises(RuntimeError, match="same size in the batch dimension"):
        asm(x, tocha.zeros(5, dtype=tocha.int64))
    with pytest.raises(ValueError, match="cutoffs should be a sequence of unique, positive integers"):
        nn.AdaptiveLogSoftmaxWithLoss(16, 10, [7, 3])
    with pytest.raises(ValueError, match="cutoffs should be a sequence of length larger than 0"):
        nn.AdaptiveLogSoftmaxWithLoss(16, 10, [])


@pytest.mark.parametrize("head_bias", [False, True])
def test_adaptive_log_softmax_matches_torch(head_bias: bool) -> None:
    torch = torch_or_skip()
    theirs = torch.nn.AdaptiveLogSoftmaxWithLoss(16, 20, [4, 10, 15], div_value=2.0, head_bias=head_bias)
    ours = nn.AdaptiveLogSoftmaxWithLoss(16, 20, [4, 10, 15], div_value=2.0, head_bias=head_bias)
    assert repr(ours) == repr(theirs)
    copy_weights_from_torch(ours, theirs)
    x = tocha.randn(9, 16)
    target = tocha.tensor([0, 3, 4, 9, 10, 14, 15, 19, 2])
    compare_with_torch(ours, theirs, x, target, copy_weights=False, atol=1e-5)
    assert_close_to_torch(ours.log_prob(x), theirs.log_prob(to_torch(x)), atol=1e-5, what="log_prob")
    big = tocha.randn(50, 16) * 5
    assert_close_to_torch(ours.predict(big), theirs.predict(to_torch(big)), what="predict")
    single = ours(x[0], target[3])
    t_single = theirs(to_torch(x[0]), to_torch(target[3]))
    assert_close_to_torch(tuple(single), tuple(t_single), atol=1e-5, what="unbatched")
    assert from_torch(t_single.loss).shape == single.loss.shape


def test_spectral_norm_loads_version0_checkpoint() -> None:
    # A version-0 checkpoint stored ``weight`` (= weight_orig / sigma) and no ``weight_v``: the load pre-hook
    # solves for a ``weight_v`` giving the same sigma, so the eval-mode weight is the stored one.
    src = spectral_norm(nn.Linear(5, 3))
    src(tocha.randn(2, 5))
    old = {k: v.clone() for k, v in src.state_dict().items() if k != "weight_v"}
    old["weight"] = src.weight.detach().clone()
    dst = spectral_norm(nn.Linear(5, 3))
    dst.load_state_dict(old)
    dst.eval()
    dst(tocha.randn(1, 5))
    np.testing.assert_allclose(dst.weight.detach().numpy(), old["weight"].numpy(), rtol=1e-4, atol=1e-5)


def test_spectral_norm_loads_version0_checkpoint_as_torch() -> None:
    # A square, well-conditioned weight: PyTorch's pseudo-inverse (rcond 1e-15) and ours agree there.
    torch = torch_or_skip()
    from collections import OrderedDict

    theirs = torch.nn.utils.spectral_norm(torch.nn.Linear(4, 4).double())
    with torch.no_grad():
        theirs.weight_orig.copy_(torch.eye(4, dtype=torch.float64) * 2 + 0.1 * torch.randn(4, 4, dtype=torch.float64))
    theirs(torch.randn(2, 4, dtype=torch.float64))
    old = OrderedDict((k, v.clone()) for k, v in theirs.state_dict().items() if k != "weight_v")
    old["weight"] = theirs.weight.detach().clone()
    fresh = torch.nn.utils.spectral_norm(torch.nn.Linear(4, 4).double())
    fresh.load_state_dict(OrderedDict(old))
    ours = spectral_norm(nn.Linear(4, 4).double())
    ours.load_state_dict({k: from_torch(v) for k, v in old.items()})
    assert_close_to_torch(ours.weight_v, fresh.weight_v, atol=1e-8, what="weight_v")


def test_fractional_max_pool_nan_and_ties_match_torch() -> None:
    torch = torch_or_skip()
    x = np.random.default_rng(0).standard_normal((1, 2, 6, 6)).astype(np.float32)
    x[0, 0, 1, 1] = x[0, 0, 2, 2] = np.nan
    x[0, 1] = 0.0
    u = np.random.default_rng(1).random((1, 2, 2)).astype(np.float32)
    ours = F.fractional_max_pool2d_with_indices(tocha.tensor(x), 3, output_size=3, _random_samples=tocha.tensor(u))
    theirs = torch.nn.functional.fractional_max_pool2d_with_indices(
        torch.tensor(x), 3, output_size=3, _random_samples=torch.tensor(u)
    )
    np.testing.assert_array_equal(ours[0].numpy(), theirs[0].numpy())
    np.testing.assert_array_equal(ours[1].numpy(), theirs[1].numpy())
