"""BatchNorm1d/2d/3d, LazyBatchNorm* and F.batch_norm: NumPy references, finite differences and PyTorch."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from nn_oracle import assert_close_to_torch, compare_with_torch, from_torch, gradcheck_function, to_torch, torch_or_skip

import tocha
import tocha.nn as nn
import tocha.nn.functional as F
from tocha.autograd import gradgradcheck

RNG = np.random.default_rng(0)


def _randn(*shape: int, dtype: Any = np.float32) -> tocha.Tensor:
    return tocha.from_numpy(RNG.standard_normal(shape).astype(dtype))


def _reference_train(x: np.ndarray, w: np.ndarray | None, b: np.ndarray | None, eps: float) -> np.ndarray:
    axes = (0, *range(2, x.ndim))
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    x64 = x.astype(np.float64)
    y = (x64 - x64.mean(axes, keepdims=True)) / np.sqrt(x64.var(axes, keepdims=True) + eps)
    if w is not None:
        y = y * w.reshape(shape)
    if b is not None:
        y = y + b.reshape(shape)
    return y


# ------------------------------------------------------------------ without PyTorch


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 6), (2, 3, 4, 5), (2, 3, 2, 3, 2)])
def test_batch_norm_training_matches_numpy(shape: tuple[int, ...]) -> None:
    x = _randn(*shape)
    w, b = _randn(3), _randn(3)
    rm, rv = tocha.zeros(3), tocha.ones(3)
    y = F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.1)
    assert y.dtype == tocha.float32
    np.testing.assert_allclose(y.numpy(), _reference_train(x.numpy(), w.numpy(), b.numpy(), 1e-5), atol=1e-5)
    axes = (0, *range(2, len(shape)))
    count = x.numel() // 3
    np.testing.assert_allclose(rm.numpy(), 0.1 * x.numpy().mean(axes), atol=1e-6)
    unbiased = x.numpy().astype(np.float64).var(axes) * count / (count - 1)
    np.testing.assert_allclose(rv.numpy(), 0.9 + 0.1 * unbiased, atol=1e-6)


def test_batch_norm_eval_uses_running_stats() -> None:
    x = _randn(4, 3, 5)
    rm, rv, w, b = _randn(3), tocha.rand(3) + 0.5, _randn(3), _randn(3)
    y = F.batch_norm(x, rm, rv, w, b, training=False)
    expected = (x.numpy() - rm.numpy()[:, None]) / np.sqrt(rv.numpy()[:, None] + 1e-5) * w.numpy()[:, None]
    np.testing.assert_allclose(y.numpy(), expected + b.numpy()[:, None], atol=1e-5)


def test_batch_norm_gradcheck_and_gradgradcheck() -> None:
    x, w, b = _randn(3, 2, 4, dtype=np.float64), _randn(2, dtype=np.float64), _randn(2, dtype=np.float64)

    def train(x: Any, w: Any, b: Any) -> Any:
        return F.batch_norm(x, None, None, w, b, training=True)

    rm = tocha.tensor([0.2, -0.1], dtype=tocha.float64)
    rv = tocha.tensor([1.5, 0.7], dtype=tocha.float64)

    def evaluate(x: Any, w: Any, b: Any) -> Any:
        return F.batch_norm(x, rm, rv, w, b, training=False)

    def no_affine(x: Any) -> Any:
        return F.batch_norm(x, None, None, training=True)

    for fn, inputs in ((train, (x, w, b)), (evaluate, (x, w, b)), (no_affine, (x,))):
        gradcheck_function(fn, *inputs)
        prepared = tuple(t.detach().requires_grad_(True) for t in inputs)
        assert gradgradcheck(fn, prepared)


def test_fast_backward_matches_composite_backward() -> None:
    # NOTE [ Normalisation ops ]: a plain backward uses the fused kernel, create_graph the composite formula.
    x, w, b = _randn(4, 3, 5), _randn(3), _randn(3)
    grads = []
    for create_graph in (False, True):
        xs, ws, bs = (t.detach().requires_grad_(True) for t in (x, w, b))
        y = F.batch_norm(xs, None, None, ws, bs, training=True)
        g = tocha.autograd.grad((y * y).sum(), (xs, ws, bs), create_graph=create_graph)
        grads.append([t.detach().numpy() for t in g])
    for fast, composite in zip(*grads, strict=True):
        np.testing.assert_allclose(fast, composite, rtol=1e-4, atol=1e-5)


def test_module_running_stats_and_num_batches_tracked() -> None:
    m = nn.BatchNorm2d(3, momentum=None)
    xs = [_randn(4, 3, 2, 2) for _ in range(3)]
    for x in xs:
        m(x)
    assert m.num_batches_tracked.item() == 3
    assert m.num_batches_tracked.dtype == tocha.int64
    stacked = np.stack([x.numpy().mean((0, 2, 3)) for x in xs])
    np.testing.assert_allclose(m.running_mean.numpy(), stacked.mean(0), atol=1e-6)  # cumulative average
    m.eval()
    y = m(xs[0])
    expected = (xs[0].numpy() - m.running_mean.numpy()[:, None, None]) / np.sqrt(
        m.running_var.numpy()[:, None, None] + 1e-5
    )
    np.testing.assert_allclose(y.detach().numpy(), expected, atol=1e-5)
    assert m.num_batches_tracked.item() == 3


def test_track_running_stats_false_uses_batch_stats_in_eval() -> None:
    m = nn.BatchNorm1d(3, affine=False, track_running_stats=False).eval()
    assert m.running_mean is None
    assert m.num_batches_tracked is None
    x = _randn(6, 3)
    np.testing.assert_allclose(m(x).numpy(), _reference_train(x.numpy(), None, None, 1e-5), atol=1e-5)
    assert list(m.state_dict()) == []


def test_state_dict_keys_defaults_and_repr() -> None:
    m = nn.BatchNorm1d(4)
    assert list(m.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    np.testing.assert_array_equal(m.weight.detach().numpy(), np.ones(4))
    np.testing.assert_array_equal(m.bias.detach().numpy(), np.zeros(4))
    assert repr(m) == "BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)"
    m2 = nn.BatchNorm3d(2, eps=1e-3, momentum=None, affine=False, track_running_stats=False)
    assert repr(m2) == "BatchNorm3d(2, eps=0.001, momentum=None, affine=False, bias=False, track_running_stats=False)"
    m3 = nn.BatchNorm2d(2, bias=False, dtype=tocha.float64)
    assert m3.bias is None
    assert m3.weight.dtype == tocha.float64
    assert m3.running_mean.dtype == tocha.float64
    assert list(m3.state_dict()) == ["weight", "running_mean", "running_var", "num_batches_tracked"]


def test_load_state_dict_without_num_batches_tracked() -> None:
    m = nn.BatchNorm1d(2)
    state = {k: v for k, v in nn.BatchNorm1d(2).state_dict().items() if k != "num_batches_tracked"}
    m.load_state_dict(state)
    assert m.num_batches_tracked.item() == 0


def test_reset_running_stats() -> None:
    m = nn.BatchNorm1d(2)
    m(_randn(4, 2))
    m.reset_running_stats()
    np.testing.assert_array_equal(m.running_mean.numpy(), np.zeros(2))
    np.testing.assert_array_equal(m.running_var.numpy(), np.ones(2))
    assert m.num_batches_tracked.item() == 0


def test_errors() -> None:
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when training, got input size"):
        nn.BatchNorm1d(3)(tocha.ones(1, 3))
    with pytest.raises(ValueError, match=r"^expected 2D or 3D input \(got 4D input\)$"):
        nn.BatchNorm1d(3)(tocha.ones(2, 3, 4, 5))
    with pytest.raises(ValueError, match=r"^expected 4D input \(got 3D input\)$"):
        nn.BatchNorm2d(3)(tocha.ones(2, 3, 4))
    with pytest.raises(ValueError, match=r"^expected 5D input \(got 3D input\)$"):
        nn.BatchNorm3d(3)(tocha.ones(2, 3, 4))
    with pytest.raises(RuntimeError, match="running_mean should contain 4 elements not 3"):
        nn.BatchNorm2d(3)(tocha.ones(2, 4, 4, 4))
    with pytest.raises(RuntimeError, match="running_mean must be defined in evaluation mode"):
        F.batch_norm(tocha.ones(2, 4), None, None, training=False)
    with pytest.raises(TypeError, match="argument 'momentum' must be float, not NoneType"):
        F.batch_norm(tocha.ones(2, 4), None, None, training=True, momentum=None)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="weight should contain 4 elements not 3"):
        F.batch_norm(tocha.ones(2, 4), None, None, tocha.ones(3), training=True)


def test_eval_no_grad_and_double_input() -> None:
    m = nn.BatchNorm1d(3).double().eval()
    x = _randn(4, 3, dtype=np.float64)
    with tocha.no_grad():
        y = m(x)
    assert y.dtype == tocha.float64
    assert not y.requires_grad


def test_lazy_batch_norm() -> None:
    m = nn.LazyBatchNorm2d()
    assert m.has_uninitialized_params()
    y = m(_randn(2, 5, 3, 3))
    assert type(m) is nn.BatchNorm2d
    assert m.num_features == 5
    assert tuple(m.weight.shape) == (5,)
    assert tuple(m.running_var.shape) == (5,)
    assert y.shape == (2, 5, 3, 3)
    np.testing.assert_array_equal(m.weight.detach().numpy(), np.ones(5))
    assert m.num_batches_tracked.item() == 1
    lazy = nn.LazyBatchNorm1d(affine=False, track_running_stats=False)
    lazy(_randn(4, 2))
    assert type(lazy) is nn.BatchNorm1d
    assert lazy.weight is None
    assert lazy.running_mean is None


# ------------------------------------------------------------------ against PyTorch


@pytest.mark.parametrize(
    ("cls", "shape"),
    [
        ("BatchNorm1d", (8, 3)),
        ("BatchNorm1d", (4, 3, 5)),
        ("BatchNorm2d", (4, 3, 5, 6)),
        ("BatchNorm3d", (2, 3, 2, 3, 4)),
    ],
)
@pytest.mark.parametrize(
    "kwargs",
    [{}, {"momentum": None}, {"affine": False}, {"track_running_stats": False}, {"bias": False}, {"eps": 1e-3}],
)
def test_module_against_torch_over_steps(cls: str, shape: tuple[int, ...], kwargs: dict[str, Any]) -> None:
    torch = torch_or_skip()
    ours = getattr(nn, cls)(3, **kwargs)
    theirs = getattr(torch.nn, cls)(3, **kwargs)
    assert repr(ours) == repr(theirs)
    if kwargs.get("affine", True):
        with torch.no_grad():
            theirs.weight.uniform_(0.5, 1.5)
            if theirs.bias is not None:
                theirs.bias.uniform_(-0.5, 0.5)
    for step in range(3):
        x = _randn(*shape) * (step + 1) + step
        compare_with_torch(ours, theirs, x, atol=2e-5, rtol=1e-4, copy_weights=step == 0)
        for name, buf in theirs.named_buffers():
            assert_close_to_torch(getattr(ours, name), buf, atol=1e-5, rtol=1e-5, what=name)
        for p in ours.parameters():
            p.grad = None
        theirs.zero_grad()
    ours.eval()
    theirs.eval()
    compare_with_torch(ours, theirs, _randn(*shape), atol=2e-5, rtol=1e-4, copy_weights=False)


def test_functional_against_torch() -> None:
    torch = torch_or_skip()
    x = _randn(6, 4, 3)
    rm, rv = _randn(4), tocha.rand(4) + 0.5
    trm, trv = to_torch(rm), to_torch(rv)
    ours = F.batch_norm(x, rm, rv, None, None, True, 0.3, 1e-3)
    theirs = torch.nn.functional.batch_norm(to_torch(x), trm, trv, None, None, True, 0.3, 1e-3)
    assert_close_to_torch(ours, theirs, atol=1e-5)
    assert_close_to_torch(rm, trm, atol=1e-6)
    assert_close_to_torch(rv, trv, atol=1e-6)


def test_double_backward_against_torch() -> None:
    torch = torch_or_skip()
    x, w, b = _randn(4, 3, 5, dtype=np.float64), _randn(3, dtype=np.float64), _randn(3, dtype=np.float64)
    ours_in = [t.requires_grad_() for t in (x, w, b)]
    theirs_in = [to_torch(t) for t in ours_in]
    y = F.batch_norm(*ours_in[:1], None, None, *ours_in[1:], training=True)
    ty = torch.nn.functional.batch_norm(theirs_in[0], None, None, *theirs_in[1:], training=True)
    g = tocha.autograd.grad((y**3).sum(), ours_in, create_graph=True)
    tg = torch.autograd.grad((ty**3).sum(), theirs_in, create_graph=True)
    second = tocha.autograd.grad(sum((a * a).sum() for a in g), ours_in)
    tsecond = torch.autograd.grad(sum((a * a).sum() for a in tg), theirs_in)
    for a, t in zip(second, tsecond, strict=True):
        assert_close_to_torch(a, t, atol=1e-8, rtol=1e-6)
    assert from_torch(tsecond[0]).shape == (4, 3, 5)


def test_non_contiguous_input() -> None:
    base = _randn(5, 4, 3)
    x = base.permute(2, 1, 0)  # (3, 4, 5), not contiguous
    y = F.batch_norm(x, None, None, training=True)
    np.testing.assert_allclose(
        y.numpy(), _reference_train(np.ascontiguousarray(x.numpy()), None, None, 1e-5), atol=1e-5
    )
    xs = x.detach().requires_grad_(True)
    F.batch_norm(xs, None, None, training=True).sum().backward()
    np.testing.assert_allclose(xs.grad.numpy(), np.zeros((3, 4, 5)), atol=1e-5)  # normalised sums are constant
