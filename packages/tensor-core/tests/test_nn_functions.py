"""tocha's top-level nn functions (``tocha.conv2d``, ``tocha.dropout``...): PyTorch agreement of forwards,
gradients, in-place forms, dropout statistics, errors, and the hand-over's error without tocha-nn."""

from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tocha
from tocha._ops import nn_functions

RNG = np.random.default_rng(20)


@pytest.fixture
def nn() -> Any:
    return pytest.importorskip("tocha.nn")


@pytest.fixture
def torch(nn: Any) -> Any:
    return pytest.importorskip("torch")


def _randn(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def _ints(high: int, *shape: int) -> np.ndarray:
    return RNG.integers(0, high, shape).astype(np.int64)


def _signs(*shape: int) -> np.ndarray:
    return np.where(RNG.random(shape) < 0.5, -1.0, 1.0)


def _log_softmax(a: np.ndarray, axis: int = -1) -> np.ndarray:
    shifted = a - a.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _convert(lib: Any, value: Any, dtype: Any) -> Any:
    """numpy arrays become ``lib`` tensors (floating ones of ``dtype``); anything else stays."""
    if isinstance(value, np.ndarray):
        array = value.astype(dtype) if value.dtype.kind == "f" else value
        return lib.from_numpy(np.ascontiguousarray(array).copy())
    return value


def _call(lib: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], dtype: Any) -> Any:
    return getattr(lib, name)(
        *(_convert(lib, a, dtype) for a in args), **{k: _convert(lib, v, dtype) for k, v in kwargs.items()}
    )


def _assert_matches(ours: Any, theirs: Any, dtype: Any) -> None:
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple)
        assert len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            _assert_matches(o, t, dtype)
        return
    assert isinstance(ours, tocha.Tensor)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
    rtol, atol = (1e-10, 1e-12) if dtype == np.float64 else (2e-4, 2e-5)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=rtol, atol=atol)


def _ctc_args() -> tuple[Any, ...]:
    log_probs = _log_softmax(_randn(8, 2, 5))
    targets = RNG.integers(1, 5, (2, 4)).astype(np.int64)
    return log_probs, targets


_BN_X = _randn(4, 3, 5)
_CTC = _ctc_args()

# (id, function, args, kwargs): numpy arrays are converted to each library's tensors
CASES: list[tuple[str, str, tuple[Any, ...], dict[str, Any]]] = [
    ("conv1d", "conv1d", (_randn(2, 4, 9), _randn(6, 2, 3), _randn(6), 2, 1, 1, 2), {}),
    ("conv1d same", "conv1d", (_randn(2, 3, 9), _randn(4, 3, 3)), {"padding": "same", "dilation": 2}),
    ("conv1d valid", "conv1d", (_randn(2, 3, 9), _randn(4, 3, 3), None, 1, "valid"), {}),
    ("conv2d", "conv2d", (_randn(2, 3, 7, 6), _randn(4, 3, 3, 2), _randn(4), (2, 1), (1, 0)), {}),
    ("conv2d groups", "conv2d", (_randn(1, 4, 6, 6), _randn(6, 2, 3, 3), None, 1, 2, 2, 2), {}),
    ("conv3d", "conv3d", (_randn(1, 2, 5, 4, 4), _randn(3, 2, 2, 3, 2), _randn(3)), {"padding": 1}),
    ("conv_transpose1d", "conv_transpose1d", (_randn(2, 4, 5), _randn(4, 3, 3), _randn(3), 2, 1, 1), {}),
    ("conv_transpose1d groups", "conv_transpose1d", (_randn(2, 4, 5), _randn(4, 2, 3), None, 1, 0, 0, 2, 2), {}),
    (
        "conv_transpose2d",
        "conv_transpose2d",
        (_randn(1, 2, 4, 3), _randn(2, 3, 3, 2), _randn(3), 2, (1, 0), (1, 0)),
        {},
    ),
    ("conv_transpose3d", "conv_transpose3d", (_randn(1, 2, 3, 3, 3), _randn(2, 2, 2, 2, 2), None, 2), {}),
    ("conv_tbc", "conv_tbc", (_randn(7, 2, 3), _randn(3, 3, 4), _randn(4)), {}),
    ("conv_tbc pad", "conv_tbc", (_randn(7, 2, 3), _randn(3, 3, 4), _randn(4), 4), {}),
    ("conv_tbc negative pad", "conv_tbc", (_randn(7, 2, 3), _randn(2, 3, 4), _randn(4), -1), {}),
    ("avg_pool1d", "avg_pool1d", (_randn(2, 3, 10), 3, 2, 1, True, False), {}),
    ("avg_pool1d unbatched", "avg_pool1d", (_randn(3, 10), 2), {}),
    ("max_pool1d", "max_pool1d", (_randn(2, 3, 11), 3, 2, 1, 2, True), {}),
    ("max_pool1d_with_indices", "max_pool1d_with_indices", (_randn(2, 3, 11), 3, 2, 1, 2, True), {}),
    ("max_pool1d_with_indices default", "max_pool1d_with_indices", (_randn(3, 8), 2), {}),
    ("max_pool2d", "max_pool2d", (_randn(2, 3, 8, 7), (3, 2), (2, 1), 1, 1, False), {}),
    ("max_pool2d unbatched", "max_pool2d", (_randn(3, 8, 8), 2), {}),
    ("max_pool3d", "max_pool3d", (_randn(1, 2, 5, 6, 4), 2), {"ceil_mode": True}),
    ("adaptive_avg_pool1d", "adaptive_avg_pool1d", (_randn(2, 3, 10), 4), {}),
    ("adaptive_avg_pool1d unbatched", "adaptive_avg_pool1d", (_randn(3, 7), 3), {}),
    ("adaptive_max_pool1d", "adaptive_max_pool1d", (_randn(2, 3, 10), 4), {}),
    (
        "batch_norm eval",
        "batch_norm",
        (_BN_X, _randn(3), _randn(3), _randn(3), RNG.random(3) + 0.5, False, 0.1, 1e-5, True),
        {},
    ),
    ("batch_norm train", "batch_norm", (_BN_X, _randn(3), _randn(3), None, None, True, 0.1, 1e-5, True), {}),
    ("batch_norm 2d", "batch_norm", (_randn(6, 3), None, None, None, None, True, 0.1, 1e-3, False), {}),
    ("instance_norm", "instance_norm", (_BN_X, _randn(3), _randn(3), None, None, True, 0.1, 1e-5, True), {}),
    (
        "instance_norm eval",
        "instance_norm",
        (_BN_X, None, None, _randn(3), RNG.random(3) + 0.5, False, 0.1, 1e-5, True),
        {},
    ),
    ("group_norm", "group_norm", (_randn(2, 6, 5), 3, _randn(6), _randn(6), 1e-5), {}),
    ("group_norm plain", "group_norm", (_randn(2, 4, 3, 3), 2), {}),
    ("layer_norm", "layer_norm", (_randn(3, 4, 5), [5], _randn(5), _randn(5)), {}),
    ("layer_norm 2 dims", "layer_norm", (_randn(3, 4, 5), (4, 5)), {"eps": 1e-3}),
    ("rms_norm", "rms_norm", (_randn(3, 4, 5), [5], _randn(5)), {}),
    ("rms_norm eps", "rms_norm", (_randn(3, 4, 5), [4, 5]), {"eps": 1e-3}),
    ("bilinear", "bilinear", (_randn(5, 3), _randn(5, 4), _randn(2, 3, 4), _randn(2)), {}),
    ("bilinear no bias", "bilinear", (_randn(5, 3), _randn(5, 4), _randn(2, 3, 4)), {}),
    ("prelu", "prelu", (_randn(2, 3, 4), RNG.random(3)), {}),
    ("prelu single", "prelu", (_randn(2, 3, 4), RNG.random(1)), {}),
    ("celu", "celu", (_randn(3, 4),), {}),
    ("celu alpha", "celu", (_randn(3, 4), 0.5), {}),
    ("selu", "selu", (_randn(3, 4),), {}),
    ("hardshrink", "hardshrink", (_randn(3, 4),), {}),
    ("hardshrink lambd", "hardshrink", (_randn(3, 4), 1.0), {}),
    ("threshold", "threshold", (_randn(3, 4), 0.1, 20.0), {}),
    ("threshold int", "threshold", (_ints(5, 6), 2, -1), {}),
    ("rrelu eval", "rrelu", (_randn(3, 4), 0.1, 0.3), {}),
    ("rrelu default", "rrelu", (_randn(3, 4),), {}),
    ("cosine_similarity", "cosine_similarity", (_randn(4, 5), _randn(4, 5)), {}),
    ("cosine_similarity broadcast", "cosine_similarity", (_randn(3, 4), _randn(1, 4), -1, 1e-6), {}),
    ("pairwise_distance", "pairwise_distance", (_randn(4, 5), _randn(4, 5)), {}),
    ("pairwise_distance p1 keepdim", "pairwise_distance", (_randn(4, 5), _randn(4, 5), 1.0, 1e-3, True), {}),
    ("pdist", "pdist", (_randn(5, 3),), {}),
    ("pdist p1", "pdist", (_randn(5, 3), 1.0), {}),
    ("pdist p3", "pdist", (_randn(4, 6), 3.0), {}),
    ("pdist inf", "pdist", (_randn(4, 6), math.inf), {}),
    ("pixel_shuffle", "pixel_shuffle", (_randn(1, 8, 2, 3), 2), {}),
    ("pixel_unshuffle", "pixel_unshuffle", (_randn(2, 2, 4, 6), 2), {}),
    ("channel_shuffle", "channel_shuffle", (_randn(2, 6, 3), 3), {}),
    ("channel_shuffle 5d", "channel_shuffle", (_randn(1, 6, 2, 2, 2), 2), {}),
    ("native_channel_shuffle", "native_channel_shuffle", (_randn(2, 6, 3), 2), {}),
    ("embedding", "embedding", (_randn(5, 3), _ints(5, 2, 4)), {}),
    ("embedding padding", "embedding", (_randn(5, 3), _ints(5, 2, 4), 1, True), {}),
    ("embedding padding past end", "embedding", (_randn(5, 3), _ints(5, 7), 10), {}),
    ("embedding negative padding", "embedding", (_randn(5, 3), _ints(5, 7), -3), {}),
]

_LOSS_CASES: list[tuple[str, str, tuple[Any, ...], dict[str, Any]]] = [
    ("bce_with_logits", "binary_cross_entropy_with_logits", (_randn(4, 3), RNG.random((4, 3))), {}),
    (
        "bce_with_logits weights",
        "binary_cross_entropy_with_logits",
        (_randn(4, 3), RNG.random((4, 3)), RNG.random(3), RNG.random(3) + 0.5),
        {},
    ),
    ("cosine_embedding_loss", "cosine_embedding_loss", (_randn(5, 4), _randn(5, 4), _signs(5), 0.2), {}),
    ("hinge_embedding_loss", "hinge_embedding_loss", (_randn(5, 4), _signs(5, 4), 0.5), {}),
    ("kl_div", "kl_div", (_log_softmax(_randn(4, 5)), np.exp(_log_softmax(_randn(4, 5)))), {}),
    ("kl_div log_target", "kl_div", (_log_softmax(_randn(4, 5)), _log_softmax(_randn(4, 5))), {"log_target": True}),
    ("margin_ranking_loss", "margin_ranking_loss", (_randn(6), _randn(6), _signs(6), 0.1), {}),
    ("poisson_nll_loss log", "poisson_nll_loss", (_randn(4, 3), RNG.poisson(2.0, (4, 3)) * 1.0, True, False, 1e-8), {}),
    (
        "poisson_nll_loss full",
        "poisson_nll_loss",
        (RNG.random((4, 3)) + 0.1, RNG.poisson(3.0, (4, 3)) * 1.0, False, True, 1e-6),
        {},
    ),
    ("triplet_margin_loss", "triplet_margin_loss", (_randn(5, 4), _randn(5, 4), _randn(5, 4)), {}),
    (
        "triplet_margin_loss p1 swap",
        "triplet_margin_loss",
        (_randn(5, 4), _randn(5, 4), _randn(5, 4), 0.5, 1.0, 1e-6, True),
        {},
    ),
    ("triplet_margin_loss p3", "triplet_margin_loss", (_randn(5, 4), _randn(5, 4), _randn(5, 4), 2.0, 3.0), {}),
    ("ctc_loss", "ctc_loss", (*_CTC, [8, 6], [4, 2]), {}),
    ("ctc_loss tensors", "ctc_loss", (*_CTC, np.array([8, 7]), np.array([3, 4])), {"blank": 0}),
    ("ctc_loss zero_infinity", "ctc_loss", (*_CTC, [2, 8], [4, 3]), {"zero_infinity": True}),
]


def _loss_cases() -> list[Any]:
    cases = []
    for case_id, name, args, kwargs in _LOSS_CASES:
        for reduction in (0, 1, 2):
            if name == "poisson_nll_loss":
                cases.append(pytest.param(name, (*args, reduction), kwargs, id=f"{case_id}-{reduction}"))
            else:
                cases.append(pytest.param(name, args, {**kwargs, "reduction": reduction}, id=f"{case_id}-{reduction}"))
        if name != "poisson_nll_loss":  # left out, PyTorch's top-level losses are unreduced
            cases.append(pytest.param(name, args, kwargs, id=f"{case_id}-default"))
    return cases


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize(("name", "args", "kwargs"), [pytest.param(*c[1:], id=c[0]) for c in CASES] + _loss_cases())
def test_forward_matches_pytorch(
    torch: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], dtype: Any
) -> None:
    theirs = _call(torch, name, args, kwargs, dtype)
    ours = _call(tocha, name, args, kwargs, dtype)
    _assert_matches(ours, theirs, dtype)


def test_unknown_int_reduction_is_unreduced(torch: Any) -> None:
    x, t = _randn(4, 3), RNG.random((4, 3))
    for reduction in (3, -1):
        ours = _call(tocha, "binary_cross_entropy_with_logits", (x, t), {"reduction": reduction}, np.float64)
        theirs = _call(torch, "binary_cross_entropy_with_logits", (x, t), {"reduction": reduction}, np.float64)
        _assert_matches(ours, theirs, np.float64)


def test_kl_div_mean_does_not_warn(nn: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = tocha.kl_div(tocha.randn(3, 4).log_softmax(1), tocha.rand(3, 4), 1)
    assert loss.shape == ()


def test_running_statistics_update_as_in_pytorch(torch: Any) -> None:
    x, mean, var = _randn(4, 3, 5), _randn(3), RNG.random(3) + 0.5
    for name in ("batch_norm", "instance_norm"):
        ours_stats = [tocha.from_numpy(mean.copy()), tocha.from_numpy(var.copy())]
        theirs_stats = [torch.from_numpy(mean.copy()), torch.from_numpy(var.copy())]
        ours = getattr(tocha, name)(tocha.from_numpy(x), None, None, *ours_stats, True, 0.3, 1e-5, True)
        theirs = getattr(torch, name)(torch.from_numpy(x), None, None, *theirs_stats, True, 0.3, 1e-5, True)
        _assert_matches(ours, theirs, np.float64)
        for o, t in zip(ours_stats, theirs_stats):
            _assert_matches(o, t, np.float64)


# ------------------------------------------------------------------ gradients


def _grads(
    lib: Any, name: str, args: tuple[Any, ...], differentiable: tuple[int, ...], upstream: np.ndarray
) -> list[Any]:
    tensors = [_convert(lib, a, np.float64) for a in args]
    for i in differentiable:
        tensors[i].requires_grad_(True)
    out = getattr(lib, name)(*tensors)
    (out * lib.from_numpy(upstream.copy())).sum().backward()
    return [tensors[i].grad for i in differentiable]


GRAD_CASES = [
    ("conv2d", (_randn(2, 3, 6, 5), _randn(4, 3, 3, 2), _randn(4), (2, 1), 1), (0, 1, 2)),
    ("layer_norm", (_randn(3, 4, 5), [4, 5], _randn(4, 5), _randn(4, 5)), (0, 2, 3)),
    (
        "batch_norm",
        (_randn(4, 3, 5), _randn(3), _randn(3), _randn(3), RNG.random(3) + 0.5, True, 0.1, 1e-5, True),
        (0, 1, 2),
    ),
    ("embedding", (_randn(5, 3), np.array([[0, 1, 1], [2, 4, 1]]), 1), (0,)),
    (
        "binary_cross_entropy_with_logits",
        (_randn(4, 3), RNG.random((4, 3)), RNG.random(3), RNG.random(3) + 0.5, 0),
        (0, 1),
    ),
    ("dropout", (_randn(3, 4), 0.5, False), (0,)),
]


@pytest.mark.parametrize(("name", "args", "differentiable"), GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradients_match_pytorch(torch: Any, name: str, args: tuple[Any, ...], differentiable: tuple[int, ...]) -> None:
    expected = getattr(torch, name)(*(_convert(torch, a, np.float64) for a in args))
    upstream = _randn(*expected.shape)
    ours = _grads(tocha, name, args, differentiable, upstream)
    theirs = _grads(torch, name, args, differentiable, upstream)
    for o, t in zip(ours, theirs):
        _assert_matches(o, t, np.float64)


# ------------------------------------------------------------------ in-place forms


@pytest.mark.parametrize(
    ("name", "extra"),
    [("celu_", (0.7,)), ("selu_", ()), ("threshold_", (0.1, -2.0)), ("rrelu_", (0.1, 0.3, False))],
)
def test_inplace_returns_its_input_modified(torch: Any, name: str, extra: tuple[Any, ...]) -> None:
    a = _randn(3, 4)
    x = tocha.from_numpy(a.copy())
    result = getattr(tocha, name)(x, *extra)
    assert result is x
    expected = getattr(torch, name)(torch.from_numpy(a.copy()), *extra)
    _assert_matches(x, expected, np.float64)


@pytest.mark.parametrize("name", ["dropout_", "alpha_dropout_", "feature_dropout_", "feature_alpha_dropout_"])
def test_inplace_dropout_returns_its_input_modified(nn: Any, name: str) -> None:
    x = tocha.ones(8, 6, 4)
    assert getattr(tocha, name)(x, 0.5, True) is x
    assert not bool((x == 1).all())
    y = tocha.ones(3, 2)
    assert getattr(tocha, name)(y, 0.5, False) is y
    assert bool((y == 1).all())
    assert getattr(tocha, name)(y, 1.0, True) is y
    assert bool((y == 0).all())


def test_inplace_dropout_of_a_leaf_requiring_grad_fails_as_in_pytorch(torch: Any) -> None:
    for name in ("dropout_", "alpha_dropout_", "feature_dropout_", "feature_alpha_dropout_"):
        with pytest.raises(RuntimeError):
            getattr(torch, name)(torch.ones(3, 4, requires_grad=True), 0.5, True)
        with pytest.raises(RuntimeError):
            getattr(tocha, name)(tocha.ones(3, 4, requires_grad=True), 0.5, True)
        leaf = tocha.ones(3, 4, requires_grad=True)
        assert getattr(tocha, name)(leaf, 0.5, False) is leaf


# ------------------------------------------------------------------ dropout


DROPOUTS = ["dropout", "alpha_dropout", "feature_dropout", "feature_alpha_dropout"]


@pytest.mark.parametrize("name", DROPOUTS)
def test_dropout_trivial_cases_as_in_pytorch(torch: Any, name: str) -> None:
    ours, theirs = getattr(tocha, name), getattr(torch, name)
    for shape in [(4, 3, 5), (5,), ()]:
        a = _randn(*shape)
        x, t = tocha.from_numpy(a.copy()), torch.from_numpy(a.copy())
        assert ours(x, 0.5, False) is x
        assert theirs(t, 0.5, False) is t
        assert ours(x, 0.0, True) is x
        assert theirs(t, 0.0, True) is t
        _assert_matches(ours(x, 1.0, True), theirs(t, 1.0, True), np.float64)
    empty = tocha.ones(0)
    assert ours(empty, 0.5, True) is empty
    ints = np.arange(6).reshape(2, 3)
    _assert_matches(ours(tocha.from_numpy(ints), 1.0, True), theirs(torch.from_numpy(ints), 1.0, True), np.float64)


@pytest.mark.parametrize("name", DROPOUTS)
def test_dropout_errors_as_in_pytorch(torch: Any, name: str) -> None:
    cases: list[tuple[Any, float, bool]] = [(_randn(3, 4), 1.5, True), (_randn(3, 4), -0.1, False)]
    cases.append((_randn(3, 4), math.nan, False))
    cases.append((np.arange(6).reshape(2, 3), 0.5, True))
    if name.startswith("feature"):
        cases += [(_randn(5), 0.5, True), (_randn(), 0.3, True)]
    for a, p, train in cases:
        with pytest.raises(Exception) as expected:  # PyTorch's type, required of tocha below
            getattr(torch, name)(torch.from_numpy(np.asarray(a)), p, train)
        with pytest.raises(expected.type):
            getattr(tocha, name)(tocha.from_numpy(np.asarray(a)), p, train)


def test_dropout_zeros_and_scales(nn: Any) -> None:
    y = tocha.dropout(tocha.ones(20000, dtype=tocha.float64), 0.3, True).numpy()
    assert set(np.unique(y).tolist()) == {0.0, 1 / 0.7}
    assert abs((y == 0).mean() - 0.3) < 0.02
    flat = tocha.feature_dropout(tocha.ones(4000, 5, dtype=tocha.float64), 0.25, True).numpy()
    assert set(np.unique(flat).tolist()) == {0.0, 1 / 0.75}
    assert abs((flat == 0).mean() - 0.25) < 0.02  # (N, C): single elements


@pytest.mark.parametrize("name", ["feature_dropout", "feature_alpha_dropout"])
@pytest.mark.parametrize("shape", [(50, 40, 3), (40, 30, 2, 3), (40, 50, 2, 2, 1)])
def test_feature_dropout_drops_whole_channels(nn: Any, name: str, shape: tuple[int, ...]) -> None:
    y = getattr(tocha, name)(tocha.ones(*shape, dtype=tocha.float64), 0.4, True).numpy()
    per_channel = y.reshape(shape[0], shape[1], -1)
    assert (per_channel == per_channel[:, :, :1]).all()
    values = np.unique(per_channel[:, :, 0])
    assert len(values) == 2
    dropped = (per_channel[:, :, 0] == values.min()).mean()
    assert abs(dropped - 0.4) < 0.07
    if name == "feature_dropout":
        assert values.tolist() == [0.0, 1 / 0.6]


def test_feature_dropout_gradient_is_its_mask(nn: Any) -> None:
    x = tocha.randn(6, 5, 4, dtype=tocha.float64, requires_grad=True)
    y = tocha.feature_dropout(x, 0.5, True)
    y.sum().backward()
    assert x.grad is not None
    mask = (y.detach() / x.detach()).numpy()
    np.testing.assert_allclose(x.grad.numpy(), mask, rtol=1e-12)
    assert set(np.unique(mask).tolist()) <= {0.0, 2.0}


def test_alpha_dropout_values_match_pytorch(torch: Any) -> None:
    for name in ("alpha_dropout", "feature_alpha_dropout"):
        ours = getattr(tocha, name)(tocha.ones(200, 50, dtype=tocha.float64), 0.2, True)
        theirs = getattr(torch, name)(torch.ones(200, 50, dtype=torch.float64), 0.2, True)
        np.testing.assert_allclose(np.unique(ours.numpy()), np.unique(theirs.numpy()), rtol=1e-12)
    y = tocha.alpha_dropout(tocha.randn(100000, dtype=tocha.float64), 0.3, True).numpy()
    assert abs(y.mean()) < 0.03
    assert abs(y.std() - 1) < 0.03


def test_rrelu_training_slopes(nn: Any) -> None:
    x = tocha.linspace(-3, 3, 1001, dtype=tocha.float64)
    for generator in (None, tocha.Generator().manual_seed(3)):
        y = tocha.rrelu(x, 0.2, 0.4, True, generator)
        negative = (x < 0).numpy()
        slopes = (y / x).numpy()[negative]
        assert ((slopes >= 0.2) & (slopes <= 0.4)).all()
        assert slopes.std() > 0.03
        assert bool((y[x >= 0] == x[x >= 0]).all())
    first = tocha.rrelu(x, 0.2, 0.4, True, tocha.Generator().manual_seed(5))
    second = x.clone()
    assert tocha.rrelu_(second, 0.2, 0.4, True, tocha.Generator().manual_seed(5)) is second
    assert bool((first == second).all())


# ------------------------------------------------------------------ errors


ERROR_CASES: list[tuple[str, str, Callable[[], tuple[Any, ...]]]] = [
    ("conv_tbc 2-d input", "conv_tbc", lambda: (_randn(7, 3), _randn(3, 3, 4), _randn(4))),
    ("conv_tbc 2-d weight", "conv_tbc", lambda: (_randn(7, 2, 3), _randn(3, 4), _randn(4))),
    ("conv_tbc 2-d bias", "conv_tbc", lambda: (_randn(7, 2, 3), _randn(3, 3, 4), _randn(1, 4))),
    ("conv_tbc channels", "conv_tbc", lambda: (_randn(7, 2, 3), _randn(3, 2, 4), _randn(4))),
    ("conv_tbc bias size", "conv_tbc", lambda: (_randn(7, 2, 3), _randn(3, 3, 4), _randn(5))),
    ("conv_tbc long kernel", "conv_tbc", lambda: (_randn(7, 2, 3), _randn(9, 3, 4), _randn(4))),
    ("conv_tbc no bias", "conv_tbc", lambda: (_randn(7, 2, 3), _randn(3, 3, 4), None)),
    ("conv2d same strided", "conv2d", lambda: (_randn(1, 2, 5, 5), _randn(3, 2, 3, 3), None, 2, "same")),
    ("conv2d channels", "conv2d", lambda: (_randn(1, 2, 5, 5), _randn(3, 4, 3, 3))),
    ("layer_norm int shape", "layer_norm", lambda: (_randn(3, 5), 5)),
    ("layer_norm wrong shape", "layer_norm", lambda: (_randn(3, 5), [4])),
    ("rms_norm int shape", "rms_norm", lambda: (_randn(3, 5), 5)),
    ("group_norm indivisible", "group_norm", lambda: (_randn(4, 3, 5), 2)),
    (
        "batch_norm eval without stats",
        "batch_norm",
        lambda: (_randn(4, 3), None, None, None, None, False, 0.1, 1e-5, True),
    ),
    (
        "instance_norm without stats",
        "instance_norm",
        lambda: (_randn(4, 3, 5), None, None, None, None, False, 0.1, 1e-5, True),
    ),
    ("channel_shuffle 2-d", "channel_shuffle", lambda: (_randn(2, 6), 3)),
    ("channel_shuffle zero groups", "channel_shuffle", lambda: (_randn(2, 6, 2), 0)),
    ("channel_shuffle indivisible", "channel_shuffle", lambda: (_randn(2, 6, 2), 4)),
    ("native_channel_shuffle indivisible", "native_channel_shuffle", lambda: (_randn(2, 6, 2), 4)),
    ("pixel_shuffle indivisible", "pixel_shuffle", lambda: (_randn(1, 6, 2, 2), 2)),
    ("embedding out of range", "embedding", lambda: (_randn(5, 3), np.array([0, 7]))),
    ("embedding float indices", "embedding", lambda: (_randn(5, 3), _randn(2))),
    ("embedding 1-d weight", "embedding", lambda: (_randn(5), np.array([0, 1]))),
    ("embedding None padding", "embedding", lambda: (_randn(5, 3), np.array([0, 1]), None)),
    ("reduction str", "binary_cross_entropy_with_logits", lambda: (_randn(3), RNG.random(3), None, None, "mean")),
    ("rrelu bounds", "rrelu", lambda: (_randn(3), 0.5, 0.1, True)),
    ("rrelu bounds eval", "rrelu", lambda: (_randn(3), 0.5, 0.1, False)),
    ("rrelu int", "rrelu", lambda: (np.arange(3),)),
    ("celu int", "celu", lambda: (np.arange(3),)),
    ("celu zero alpha", "celu", lambda: (_randn(3), 0.0)),
    ("selu int", "selu", lambda: (np.arange(3),)),
    ("hardshrink int", "hardshrink", lambda: (np.arange(3), 1)),
    ("pdist 1-d", "pdist", lambda: (_randn(4),)),
    ("max_pool1d big kernel", "max_pool1d", lambda: (_randn(1, 2, 3), 5)),
    ("kl_div reduction str", "kl_div", lambda: (_randn(3), _randn(3), "sum")),
]


@pytest.mark.parametrize(("name", "make"), [pytest.param(c[1], c[2], id=c[0]) for c in ERROR_CASES])
def test_errors_as_in_pytorch(torch: Any, name: str, make: Callable[[], tuple[Any, ...]]) -> None:
    args = make()
    with pytest.raises(Exception) as expected:  # PyTorch's type, required of tocha below
        _call(torch, name, args, {}, np.float64)
    with pytest.raises(expected.type):
        _call(tocha, name, args, {}, np.float64)


# ------------------------------------------------------------------ the namespace and the hand-over


def test_names_are_pytorchs(torch: Any) -> None:
    for name in nn_functions.__all__:
        assert name in tocha.__all__
        assert getattr(tocha, name) is getattr(nn_functions, name)
        assert hasattr(torch, name), name


def test_the_module_is_loaded_once(nn: Any) -> None:
    import tocha.nn.functional as F

    tocha.selu(tocha.ones(1))
    assert nn_functions._nn_functional == [F]
    assert nn_functions.load_nn_functional() is F


def test_without_tocha_nn_a_call_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nn_functions, "_nn_functional", [])
    monkeypatch.setitem(sys.modules, "tocha.nn.functional", None)  # the import raises ImportError
    with pytest.raises(RuntimeError, match="tocha-nn"):
        tocha.conv2d(tocha.ones(1, 1, 3, 3), tocha.ones(1, 1, 2, 2))
    with pytest.raises(RuntimeError, match="tocha-nn"):
        tocha.dropout(tocha.ones(3), 0.5, True)
    assert nn_functions._nn_functional == []
    x = tocha.ones(3)  # what needs no hand-over still works
    assert tocha.dropout(x, 0.5, False) is x


@pytest.mark.parametrize("mode", [0, 1, 2])
@pytest.mark.parametrize("padding_idx", [None, 4])
def test_embedding_bag_with_pytorch_auxiliary_outputs(torch: Any, mode: int, padding_idx: int | None) -> None:
    weight = _randn(6, 3)
    cases = [([1, 2, 4, 5, 4, 3], [0, 2, 2, 4], False), ([3, 3, 3, 1], [0, 1, 1, 4], True), ([], [0, 0], False)]
    for indices, offsets, last in cases:
        args = (np.array(indices, dtype=np.int64), np.array(offsets, dtype=np.int64))
        ours = tocha.embedding_bag(tocha.from_numpy(weight), *map(tocha.from_numpy, args), False, mode, False, None,
                                   last, padding_idx)  # fmt: skip
        theirs = torch.embedding_bag(torch.from_numpy(weight), *map(torch.from_numpy, args), False, mode, False,
                                     None, last, padding_idx)  # fmt: skip
        for name, a, b in zip(("output", "offset2bag", "bag_size", "max_indices"), ours, theirs, strict=True):
            assert a.dtype.name == str(b.dtype).removeprefix("torch."), name
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, err_msg=f"{name} {indices} {offsets}")
    fast = tocha.embedding_bag(tocha.from_numpy(weight).float(), tocha.tensor([1, 2]), tocha.tensor([0]), mode=0)
    assert fast[1].shape == (0,)  # float32 sums take PyTorch's fast path, which leaves offset2bag empty
    with pytest.raises(RuntimeError, match="mode must be 0"):
        tocha.embedding_bag(tocha.from_numpy(weight), tocha.tensor([0]), tocha.tensor([0]), mode=3)
