"""tocha's ATen-level nn functions (``tocha.convolution``, ``tocha.native_layer_norm``, ``tocha.grid_sampler``...):
PyTorch agreement of forwards, statistics, gradients, in-place updates and errors; dropout statistics; where tocha
raises and PyTorch reads out of bounds; the hand-over's error without tocha-nn."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tocha
from tocha._ops import nn_functions, nn_natives

RNG = np.random.default_rng(31)


@pytest.fixture
def nn() -> Any:
    return pytest.importorskip("tocha.nn")


@pytest.fixture
def torch() -> Any:
    return pytest.importorskip("torch")


@pytest.fixture
def torch_nn(nn: Any, torch: Any) -> Any:
    """PyTorch, for the functions that hand over to tocha-nn."""
    return torch


def _randn(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def _convert(lib: Any, value: Any, dtype: Any) -> Any:
    """numpy arrays become ``lib`` tensors (floating ones of ``dtype``); anything else stays."""
    if isinstance(value, np.ndarray):
        array = value.astype(dtype) if value.dtype.kind == "f" else value
        return lib.from_numpy(np.ascontiguousarray(array).copy())
    return value


def _call(lib: Any, name: str, args: tuple[Any, ...], dtype: Any = np.float64) -> Any:
    return getattr(lib, name)(*(_convert(lib, a, dtype) for a in args))


def _assert_matches(ours: Any, theirs: Any, dtype: Any = np.float64) -> None:
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, tuple)
        assert len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            _assert_matches(o, t, dtype)
        return
    assert isinstance(ours, tocha.Tensor)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
    rtol, atol = (1e-10, 1e-12) if dtype == np.float64 else (2e-4, 2e-5)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol, atol=atol)


def _grid(*shape: int) -> np.ndarray:
    return RNG.uniform(-1.2, 1.2, shape)  # past the edges too: padding modes matter


# ------------------------------------------------------------------ forwards

# (id, function, args): numpy arrays become each library's tensors
NN_CASES: list[tuple[str, str, tuple[Any, ...]]] = [
    ("conv1d", "convolution", (_randn(2, 4, 9), _randn(6, 2, 3), _randn(6), [2], [1], [1], False, [0], 2)),
    ("conv1d one-value lists", "convolution", (_randn(2, 3, 9), _randn(4, 3, 3), None, [1], [2], [2], False, [5], 1)),
    (
        "conv2d",
        "convolution",
        (_randn(2, 4, 7, 6), _randn(6, 2, 3, 2), _randn(6), [2, 1], [1, 0], [1, 2], False, [0, 0], 2),
    ),
    (
        "conv2d broadcast lists",
        "convolution",
        (_randn(1, 2, 6, 6), _randn(3, 2, 3, 3), None, [2], [1], [1], False, [0], 1),
    ),
    ("conv3d", "convolution", (_randn(1, 2, 5, 4, 4), _randn(3, 2, 2, 3, 2), _randn(3), [1], [1], [1], False, [0], 1)),
    ("conv_transpose1d", "convolution", (_randn(2, 4, 5), _randn(4, 3, 3), _randn(6), [2], [1], [1], True, [1], 2)),
    (
        "conv_transpose2d",
        "convolution",
        (_randn(2, 4, 7, 6), _randn(4, 3, 3, 3), _randn(6), [2, 1], [1, 0], [1, 1], True, [1, 0], 2),
    ),
    (
        "conv_transpose3d",
        "convolution",
        (_randn(1, 2, 3, 3, 3), _randn(2, 2, 2, 2, 2), None, [2], [0], [1], True, [1, 0, 1], 1),
    ),
    ("conv_transpose dilated", "convolution", (_randn(1, 2, 5), _randn(2, 3, 3), None, [3], [1], [2], True, [2], 1)),
    *[
        (
            f"grid_sampler {mode} {padding} {align}",
            "grid_sampler",
            (_randn(2, 3, 5, 6), _grid(2, 4, 7, 2), mode, padding, align),
        )
        for mode in (0, 1, 2)
        for padding in (0, 1, 2)
        for align in (False, True)
    ],
    *[
        (
            f"grid_sampler 3d {mode} {padding}",
            "grid_sampler",
            (_randn(2, 2, 3, 4, 5), _grid(2, 2, 3, 4, 3), mode, padding, mode == 0),
        )
        for mode in (0, 1)
        for padding in (0, 1, 2)
    ],
    ("grid_sampler_2d", "grid_sampler_2d", (_randn(1, 2, 4, 4), _grid(1, 3, 3, 2), 2, 1, False)),
    ("grid_sampler_3d", "grid_sampler_3d", (_randn(1, 2, 3, 4, 4), _grid(1, 2, 3, 3, 3), 1, 2, True)),
    ("grid_sampler empty channels", "grid_sampler", (_randn(2, 0, 4, 4), _grid(2, 3, 3, 2), 0, 0, False)),
]

CASES: list[tuple[str, str, tuple[Any, ...]]] = [
    ("layer_norm", "native_layer_norm", (_randn(2, 3, 4), [4], _randn(4), _randn(4), 1e-5)),
    ("layer_norm 2 dims", "native_layer_norm", (_randn(2, 3, 4, 5), (4, 5), None, None, 1e-3)),
    ("layer_norm all dims", "native_layer_norm", (_randn(2, 3, 4), [2, 3, 4], None, _randn(2, 3, 4), 1e-5)),
    ("layer_norm empty batch", "native_layer_norm", (_randn(0, 3, 4), [4], None, None, 1e-5)),
    (
        "batch_norm train",
        "native_batch_norm",
        (_randn(4, 3, 5), _randn(3), _randn(3), _randn(3), RNG.random(3) + 0.5, True, 0.1, 1e-5),
    ),
    ("batch_norm train no stats", "native_batch_norm", (_randn(4, 3, 2, 2), None, None, None, None, True, 0.1, 1e-5)),
    ("batch_norm 2d", "native_batch_norm", (_randn(6, 3), _randn(3), None, None, None, True, 0.3, 1e-3)),
    (
        "batch_norm eval",
        "native_batch_norm",
        (_randn(4, 3, 5), _randn(3), _randn(3), _randn(3), RNG.random(3) + 0.5, False, 0.1, 1e-5),
    ),
    ("group_norm", "native_group_norm", (_randn(2, 6, 5), _randn(6), _randn(6), 2, 6, 5, 3, 1e-5)),
    ("group_norm 4d", "native_group_norm", (_randn(2, 4, 3, 3), None, None, 2, 4, 9, 2, 1e-5)),
    ("group_norm one group", "native_group_norm", (_randn(3, 4, 2), _randn(4), None, 3, 4, 2, 1, 1e-3)),
    ("group_norm flat input", "native_group_norm", (_randn(6, 10), None, _randn(6), 2, 6, 5, 3, 1e-5)),
    ("group_norm empty", "native_group_norm", (_randn(0, 6, 5), None, None, 0, 6, 5, 3, 1e-5)),
    ("affine_grid 2d", "affine_grid_generator", (_randn(2, 2, 3), [2, 3, 4, 5], False)),
    ("affine_grid 2d align", "affine_grid_generator", (_randn(2, 2, 3), [2, 1, 4, 5], True)),
    ("affine_grid 3d", "affine_grid_generator", (_randn(2, 3, 4), [2, 3, 4, 5, 6], False)),
    ("affine_grid 3d align", "affine_grid_generator", (_randn(1, 3, 4), [1, 1, 2, 3, 4], True)),
    ("affine_grid unit sizes", "affine_grid_generator", (_randn(2, 2, 3), [2, 1, 1, 3], True)),
    ("affine_grid empty", "affine_grid_generator", (_randn(2, 2, 3), [2, 3, 0, 5], False)),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize(("name", "args"), [pytest.param(c[1], c[2], id=c[0]) for c in NN_CASES])
def test_hand_overs_match_pytorch(torch_nn: Any, name: str, args: tuple[Any, ...], dtype: Any) -> None:
    _assert_matches(_call(tocha, name, args, dtype), _call(torch_nn, name, args, dtype), dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize(("name", "args"), [pytest.param(c[1], c[2], id=c[0]) for c in CASES])
def test_composites_match_pytorch(torch: Any, name: str, args: tuple[Any, ...], dtype: Any) -> None:
    _assert_matches(_call(tocha, name, args, dtype), _call(torch, name, args, dtype), dtype)


@pytest.mark.parametrize(
    ("dtype", "param_dtype"), [("bfloat16", None), ("float16", "float32"), ("bfloat16", "float32")]
)
def test_reduced_precision_statistics_dtypes_as_in_pytorch(torch: Any, dtype: str, param_dtype: str | None) -> None:
    x = _randn(2, 4, 3)
    ours_x, theirs_x = tocha.from_numpy(x).to(getattr(tocha, dtype)), torch.from_numpy(x).to(getattr(torch, dtype))

    def params(lib: Any) -> Any:
        return None if param_dtype is None else lib.ones(4, dtype=getattr(lib, param_dtype))

    calls: list[Callable[[Any, Any], Any]] = [
        lambda lib, t: lib.native_layer_norm(t, [3], None, None, 1e-5),
        lambda lib, t: lib.native_batch_norm(t, params(lib), None, None, None, True, 0.1, 1e-5),
        lambda lib, t: lib.native_group_norm(t, params(lib), None, 2, 4, 3, 2, 1e-5),
    ]
    for call in calls:
        ours, theirs = call(tocha, ours_x), call(torch, theirs_x)
        assert [o.dtype.name for o in ours] == [str(t.dtype).removeprefix("torch.") for t in theirs]
        np.testing.assert_allclose(ours[0].float().numpy(), theirs[0].float().numpy(), rtol=2e-2, atol=2e-2)


@pytest.mark.autograd
def test_statistics_are_not_differentiable(torch: Any) -> None:
    x = tocha.randn(4, 3, 5, dtype=tocha.float64, requires_grad=True)
    for out, *stats in (
        tocha.native_layer_norm(x, [5], None, None, 1e-5),
        tocha.native_batch_norm(x, None, None, None, None, True, 0.1, 1e-5),
        tocha.native_group_norm(x, None, None, 4, 3, 5, 3, 1e-5),
        tocha.native_dropout(x, 0.5, True),
    ):
        assert out.requires_grad
        assert not any(s.requires_grad for s in stats)


# ------------------------------------------------------------------ batch norm's running statistics


@pytest.mark.parametrize("shape", [(4, 3, 5), (6, 3), (2, 3, 2, 2)])
def test_batch_norm_updates_running_statistics_as_in_pytorch(torch: Any, shape: tuple[int, ...]) -> None:
    x, mean, var = _randn(*shape), _randn(3), RNG.random(3) + 0.5
    ours_stats = [tocha.from_numpy(mean.copy()), tocha.from_numpy(var.copy())]
    theirs_stats = [torch.from_numpy(mean.copy()), torch.from_numpy(var.copy())]
    ours = tocha.native_batch_norm(tocha.from_numpy(x), None, None, *ours_stats, True, 0.3, 1e-5)
    theirs = torch.native_batch_norm(torch.from_numpy(x), None, None, *theirs_stats, True, 0.3, 1e-5)
    _assert_matches(ours, theirs)
    _assert_matches(tuple(ours_stats), theirs_stats)


def test_batch_norm_eval_leaves_running_statistics(torch: Any) -> None:
    mean, var = tocha.zeros(3), tocha.ones(3)
    tocha.native_batch_norm(tocha.randn(4, 3), None, None, mean, var, False, 0.5, 1e-5)
    assert bool((mean == 0).all())
    assert bool((var == 1).all())


def test_batch_norm_of_one_value_per_channel_gives_a_nan_running_variance(torch: Any) -> None:
    x = _randn(1, 3, 1)
    ours_stats, theirs_stats = [tocha.zeros(3), tocha.ones(3)], [torch.zeros(3), torch.ones(3)]
    tocha.native_batch_norm(tocha.from_numpy(x).float(), None, None, *ours_stats, True, 0.1, 1e-5)
    torch.native_batch_norm(torch.from_numpy(x).float(), None, None, *theirs_stats, True, 0.1, 1e-5)
    np.testing.assert_allclose(ours_stats[0].numpy(), theirs_stats[0].numpy(), rtol=1e-6)
    assert np.isnan(ours_stats[1].numpy()).all()
    assert np.isnan(theirs_stats[1].numpy()).all()


# ------------------------------------------------------------------ gradients


def _grads(lib: Any, name: str, args: tuple[Any, ...], differentiable: tuple[int, ...], upstream: Any) -> list[Any]:
    tensors = [_convert(lib, a, np.float64) for a in args]
    for i in differentiable:
        tensors[i].requires_grad_(True)
    out = getattr(lib, name)(*tensors)
    out = out[0] if isinstance(out, tuple) else out
    (out * lib.from_numpy(upstream.copy())).sum().backward()
    return [tensors[i].grad for i in differentiable]


GRAD_CASES: list[tuple[str, str, tuple[Any, ...], tuple[int, ...]]] = [
    (
        "conv2d",
        "convolution",
        (_randn(2, 4, 6, 5), _randn(6, 2, 3, 2), _randn(6), [2, 1], [1], [1], False, [0], 2),
        (0, 1, 2),
    ),
    (
        "conv_transpose1d",
        "convolution",
        (_randn(2, 4, 5), _randn(4, 3, 3), _randn(3), [2], [1], [1], True, [1], 1),
        (0, 1, 2),
    ),
    ("grid_sampler bilinear", "grid_sampler", (_randn(2, 3, 5, 6), _grid(2, 4, 3, 2), 0, 2, False), (0, 1)),
    ("grid_sampler bicubic", "grid_sampler_2d", (_randn(1, 2, 4, 5), _grid(1, 3, 3, 2), 2, 1, True), (0, 1)),
    ("grid_sampler 3d", "grid_sampler_3d", (_randn(1, 2, 3, 4, 4), _grid(1, 2, 2, 3, 3), 0, 0, False), (0, 1)),
    ("layer_norm", "native_layer_norm", (_randn(3, 4, 5), [4, 5], _randn(4, 5), _randn(4, 5), 1e-5), (0, 2, 3)),
    (
        "batch_norm train",
        "native_batch_norm",
        (_randn(4, 3, 5), _randn(3), _randn(3), _randn(3), RNG.random(3) + 0.5, True, 0.1, 1e-5),
        (0, 1, 2),
    ),
    (
        "batch_norm eval",
        "native_batch_norm",
        (_randn(4, 3, 5), _randn(3), _randn(3), _randn(3), RNG.random(3) + 0.5, False, 0.1, 1e-5),
        (0, 1, 2),
    ),
    ("group_norm", "native_group_norm", (_randn(2, 6, 5), _randn(6), _randn(6), 2, 6, 5, 3, 1e-5), (0, 1, 2)),
    ("affine_grid", "affine_grid_generator", (_randn(2, 2, 3), [2, 1, 3, 4], False), (0,)),
    ("affine_grid 3d", "affine_grid_generator", (_randn(2, 3, 4), [2, 1, 2, 3, 4], True), (0,)),
    ("native_dropout eval", "native_dropout", (_randn(3, 4), 0.5, False), (0,)),
]


@pytest.mark.autograd
@pytest.mark.parametrize(("name", "args", "differentiable"), [pytest.param(*c[1:], id=c[0]) for c in GRAD_CASES])
def test_gradients_match_pytorch(
    torch_nn: Any, name: str, args: tuple[Any, ...], differentiable: tuple[int, ...]
) -> None:
    expected = _call(torch_nn, name, args)
    expected = expected[0] if isinstance(expected, tuple) else expected
    upstream = _randn(*expected.shape)
    ours = _grads(tocha, name, args, differentiable, upstream)
    theirs = _grads(torch_nn, name, args, differentiable, upstream)
    for o, t in zip(ours, theirs):
        _assert_matches(o, t)


@pytest.mark.autograd
@pytest.mark.parametrize(("p", "dim"), [(2.0, None), (1.0, [1]), (3.0, [0, 1]), (math.inf, [0])])
def test_native_norm_gradient_matches_vector_norm(torch: Any, p: float, dim: list[int] | None) -> None:
    x = _randn(3, 4)
    ours_x = tocha.from_numpy(x.copy()).requires_grad_(True)
    theirs_x = torch.from_numpy(x.copy()).requires_grad_(True)
    ours = tocha.native_norm(ours_x, p) if dim is None else tocha.native_norm(ours_x, p, dim, False, None)
    theirs = torch.linalg.vector_norm(theirs_x, p, dim)
    _assert_matches(ours, theirs)
    ours.sum().backward()
    theirs.sum().backward()
    _assert_matches(ours_x.grad, theirs_x.grad)


@pytest.mark.autograd
def test_native_dropout_gradient_is_the_scaled_mask(torch: Any) -> None:
    x = tocha.randn(50, 40, dtype=tocha.float64, requires_grad=True)
    out, mask = tocha.native_dropout(x, 0.25, True)
    upstream = tocha.randn(50, 40, dtype=tocha.float64)
    (out * upstream).sum().backward()
    assert x.grad is not None
    expected = upstream.numpy() * mask.numpy() / 0.75
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12)


# ------------------------------------------------------------------ native_dropout


def test_native_dropout_zeros_scales_and_reports_its_mask(torch: Any) -> None:
    x = tocha.randn(200, 100, dtype=tocha.float64)
    out, mask = tocha.native_dropout(x, 0.3, True)
    assert mask.dtype == tocha.bool
    assert mask.shape == x.shape
    kept = mask.numpy()
    np.testing.assert_allclose(out.numpy()[kept], x.numpy()[kept] / 0.7, rtol=1e-12)
    assert (out.numpy()[~kept] == 0).all()
    assert abs((~kept).mean() - 0.3) < 0.02
    _, mask = tocha.native_dropout(x, 0.3, None)  # None trains, as in PyTorch
    assert abs((~mask.numpy()).mean() - 0.3) < 0.02


@pytest.mark.parametrize("train", [False, True])
@pytest.mark.parametrize("p", [0.0, 1.0, 0.4])
def test_native_dropout_trivial_cases_as_in_pytorch(torch: Any, p: float, train: bool) -> None:
    x = _randn(3, 4)
    if not train or p in (0.0, 1.0):
        xt = tocha.from_numpy(x)
        ours = tocha.native_dropout(xt, p, train)
        theirs = torch.native_dropout(torch.from_numpy(x), p, train)
        _assert_matches(ours, theirs)
        assert ours[0].data_ptr() != xt.data_ptr()  # a new tensor, as PyTorch's
    for shape in [(0,), ()]:
        a = _randn(*shape)
        ours_empty = tocha.native_dropout(tocha.from_numpy(a), p, train)
        theirs_empty = torch.native_dropout(torch.from_numpy(a), p, train)
        assert [tuple(t.shape) for t in ours_empty] == [tuple(t.shape) for t in theirs_empty]


def test_native_dropout_of_integers_without_training_as_in_pytorch(torch: Any) -> None:
    ints = np.arange(6)
    _assert_matches(
        tocha.native_dropout(tocha.from_numpy(ints), 0.5, False),
        torch.native_dropout(torch.from_numpy(ints), 0.5, False),
    )


# ------------------------------------------------------------------ native_norm


@pytest.mark.parametrize("p", [2, 1, 3.0, 0, math.inf, -math.inf, -1.0, 0.5])
def test_native_norm_matches_pytorchs_sparse_kernel(torch: Any, p: float) -> None:
    """PyTorch computes native_norm of sparse tensors only: the same values, stored sparse."""
    x = _randn(3, 4)
    ours = tocha.native_norm(tocha.from_numpy(x), p)
    theirs = torch.native_norm(torch.from_numpy(x).to_sparse(), p)
    _assert_matches(ours, theirs)
    ours = tocha.native_norm(tocha.from_numpy(x), p, [0, 1], False, None)
    theirs = torch.native_norm(torch.from_numpy(x).to_sparse(), p, [0, 1], False, None)
    _assert_matches(ours, theirs)


def test_native_norm_defaults_and_dense_dims(torch: Any) -> None:
    x = _randn(3, 4, 2)
    _assert_matches(tocha.native_norm(tocha.from_numpy(x)), torch.native_norm(torch.from_numpy(x).to_sparse()))
    _assert_matches(
        tocha.native_norm(tocha.from_numpy(x), None, [], False, None),
        torch.native_norm(torch.from_numpy(x).to_sparse(), None, [], False, None),
    )
    # dense dims, keepdim and dtype: as torch.linalg.vector_norm (PyTorch's sparse kernel refuses them)
    t = torch.from_numpy(x)
    _assert_matches(tocha.native_norm(tocha.from_numpy(x), 1, 1, True, None), torch.linalg.vector_norm(t, 1, 1, True))
    _assert_matches(
        tocha.native_norm(tocha.from_numpy(x).float(), 2, [0, 2], False, tocha.float64),
        torch.linalg.vector_norm(t.float(), 2, [0, 2], False, dtype=torch.float64),
        np.float32,
    )
    with pytest.raises(TypeError):
        tocha.native_norm(tocha.from_numpy(x), 2, [1])  # type: ignore[call-overload]


# ------------------------------------------------------------------ embedding_renorm_


@pytest.mark.parametrize(
    ("indices", "max_norm", "norm_type"),
    [
        ([[0, 2], [2, 4]], 1.0, 2.0),
        ([0, 0, 1, 1, 3], 1.5, 1.0),
        ([-1, 2, 4], 2.0, 2.0),  # -1 is row 4: scaled once
        ([0, 1], 1.0, math.inf),
        ([0, 1, 3], 1.0, 0.0),
        ([0, 0, 1], -1.0, 2.0),  # every norm exceeds a negative max_norm: the rows flip sign, once
        ([0, 1, 2, 3, 4], 100.0, 2.0),  # none exceeds it
    ],
)
def test_embedding_renorm_matches_pytorch(torch: Any, indices: list[Any], max_norm: float, norm_type: float) -> None:
    w = _randn(5, 3) * 3
    ours, theirs = tocha.from_numpy(w.copy()), torch.from_numpy(w.copy())
    assert tocha.embedding_renorm_(ours, tocha.tensor(indices), max_norm, norm_type) is ours
    torch.embedding_renorm_(theirs, torch.tensor(indices), max_norm, norm_type)
    _assert_matches(ours, theirs)


def test_embedding_renorm_scale_formula(torch: Any) -> None:
    w = tocha.tensor([[3.0, 4.0]], dtype=tocha.float64)
    tocha.embedding_renorm_(w, tocha.tensor([0], dtype=tocha.int32), 1.0, 2.0)
    np.testing.assert_allclose(w.numpy(), [[3 / (5 + 1e-7), 4 / (5 + 1e-7)]], rtol=1e-15)


def test_embedding_renorm_of_a_view_and_of_float32(torch: Any) -> None:
    w = _randn(6, 4).astype(np.float32) * 3
    ours, theirs = tocha.from_numpy(w.copy()), torch.from_numpy(w.copy())
    tocha.embedding_renorm_(ours[1:], tocha.tensor([0, 2]), 1.0, 2.0)
    torch.embedding_renorm_(theirs[1:], torch.tensor([0, 2]), 1.0, 2.0)
    _assert_matches(ours, theirs, np.float32)


@pytest.mark.autograd
def test_embedding_renorm_of_a_weight_requiring_grad(torch: Any) -> None:
    w = tocha.randn(5, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        tocha.embedding_renorm_(w, tocha.tensor([0]), 0.1, 2.0)
    with tocha.no_grad():
        assert tocha.embedding_renorm_(w, tocha.tensor([0]), 0.1, 2.0) is w
    assert abs(w[0].norm().item() - 0.1) < 1e-5
    assert w.requires_grad
    assert w.grad_fn is None


def test_embedding_renorm_of_no_indices(torch: Any) -> None:
    w = tocha.randn(0, 3)
    assert tocha.embedding_renorm_(w, tocha.tensor([], dtype=tocha.int64), 1.0, 2.0) is w


# ------------------------------------------------------------------ errors


ERROR_CASES: list[tuple[str, str, Callable[[], tuple[Any, ...]]]] = [
    ("conv weight 2-d", "convolution", lambda: (_randn(2, 4), _randn(3, 4), None, [1], [0], [1], False, [0], 1)),
    ("conv int stride", "convolution", lambda: (_randn(2, 4, 9), _randn(6, 2, 3), None, 2, [1], [1], False, [0], 2)),
    (
        "conv float stride",
        "convolution",
        lambda: (_randn(2, 4, 9), _randn(6, 2, 3), None, [2.0], [1], [1], False, [0], 2),
    ),
    (
        "conv stride length",
        "convolution",
        lambda: (_randn(2, 4, 9), _randn(6, 2, 3), None, [2, 2], [1], [1], False, [0], 2),
    ),
    (
        "conv empty dilation",
        "convolution",
        lambda: (_randn(1, 2, 5, 5), _randn(3, 2, 3, 3), None, [1], [0], [], False, [0], 1),
    ),
    (
        "conv out pad length",
        "convolution",
        lambda: (_randn(2, 4, 9), _randn(6, 2, 3), None, [1], [1], [1], False, [0, 0], 2),
    ),
    ("conv transposed int", "convolution", lambda: (_randn(2, 4, 9), _randn(6, 2, 3), None, [1], [1], [1], 0, [0], 2)),
    ("conv groups 0", "convolution", lambda: (_randn(2, 4, 9), _randn(6, 2, 3), None, [0], [-1], [0], False, [-1], 0)),
    (
        "conv negative padding",
        "convolution",
        lambda: (_randn(2, 4, 9), _randn(6, 2, 3), None, [0], [-1], [0], False, [-1], 2),
    ),
    (
        "conv negative out pad",
        "convolution",
        lambda: (_randn(2, 4, 9), _randn(6, 2, 3), None, [0], [0], [0], True, [-1], 2),
    ),
    ("conv zero stride", "convolution", lambda: (_randn(2, 4, 9), _randn(6, 2, 3), None, [0], [0], [0], False, [0], 2)),
    ("conv unbatched", "convolution", lambda: (_randn(4, 9), _randn(6, 2, 3), None, [1], [0], [1], False, [0], 2)),
    (
        "conv weight groups",
        "convolution",
        lambda: (_randn(2, 4, 9), _randn(5, 2, 3), None, [1], [0], [1], False, [0], 2),
    ),
    ("conv channels", "convolution", lambda: (_randn(2, 3, 9), _randn(6, 2, 3), None, [1], [0], [1], False, [0], 2)),
    (
        "conv transposed channels",
        "convolution",
        lambda: (_randn(2, 4, 9), _randn(6, 2, 3), None, [1], [1], [1], True, [0], 2),
    ),
    ("conv bias", "convolution", lambda: (_randn(2, 4, 9), _randn(6, 2, 3), _randn(5), [1], [0], [1], False, [0], 2)),
    (
        "conv bias 2-d",
        "convolution",
        lambda: (_randn(2, 4, 9), _randn(6, 2, 3), _randn(6, 1), [1], [0], [1], False, [0], 2),
    ),
    (
        "conv transposed bias",
        "convolution",
        lambda: (_randn(2, 4, 5), _randn(4, 3, 3), _randn(3), [1], [0], [1], True, [0], 2),
    ),
    ("grid_sampler batch", "grid_sampler", lambda: (_randn(1, 3, 5, 6), _grid(2, 4, 7, 2), 0, 0, False)),
    ("grid_sampler last dim", "grid_sampler", lambda: (_randn(2, 3, 5, 6), _grid(2, 4, 7, 3), 0, 0, False)),
    ("grid_sampler 3d last dim", "grid_sampler", lambda: (_randn(2, 3, 4, 5, 6), _grid(2, 4, 7, 2), 0, 0, False)),
    ("grid_sampler ranks", "grid_sampler", lambda: (_randn(2, 3, 5, 6), _grid(2, 3, 4, 7, 2), 0, 0, False)),
    ("grid_sampler 3-d input", "grid_sampler", lambda: (_randn(2, 3, 4), _grid(2, 4, 1), 0, 0, False)),
    ("grid_sampler empty spatial", "grid_sampler", lambda: (_randn(2, 3, 0, 6), _grid(2, 4, 7, 2), 0, 0, False)),
    ("grid_sampler 3d bicubic", "grid_sampler", lambda: (_randn(2, 3, 4, 5, 6), _grid(2, 3, 4, 7, 3), 2, 0, False)),
    ("grid_sampler align None", "grid_sampler", lambda: (_randn(2, 3, 5, 6), _grid(2, 4, 7, 2), 0, 0, None)),
    ("grid_sampler align int", "grid_sampler", lambda: (_randn(2, 3, 5, 6), _grid(2, 4, 7, 2), 0, 0, 1)),
    ("grid_sampler mode float", "grid_sampler", lambda: (_randn(2, 3, 5, 6), _grid(2, 4, 7, 2), 0.0, 0, False)),
    ("grid_sampler mode bool", "grid_sampler", lambda: (_randn(2, 3, 5, 6), _grid(2, 4, 7, 2), True, 0, False)),
    (
        "grid_sampler int input",
        "grid_sampler",
        lambda: (np.ones((2, 3, 5, 6), np.int64), _grid(2, 4, 7, 2), 0, 0, False),
    ),
    (
        "grid_sampler int grid",
        "grid_sampler",
        lambda: (_randn(2, 3, 5, 6), np.ones((2, 4, 7, 2), np.int64), 0, 0, False),
    ),
    ("grid_sampler_2d 5-d", "grid_sampler_2d", lambda: (_randn(2, 3, 4, 5, 6), _grid(2, 3, 4, 7, 3), 0, 0, False)),
    ("grid_sampler_3d 4-d", "grid_sampler_3d", lambda: (_randn(2, 3, 5, 6), _grid(2, 4, 7, 2), 0, 0, False)),
    ("grid_sampler_3d bicubic", "grid_sampler_3d", lambda: (_randn(2, 3, 4, 5, 6), _grid(2, 3, 4, 7, 3), 2, 0, False)),
]

COMPOSITE_ERROR_CASES: list[tuple[str, str, Callable[[], tuple[Any, ...]]]] = [
    ("layer_norm int shape", "native_layer_norm", lambda: (_randn(2, 3, 4), 4, None, None, 1e-5)),
    ("layer_norm empty shape", "native_layer_norm", lambda: (_randn(2, 3, 4), [], None, None, 1e-5)),
    ("layer_norm wrong shape", "native_layer_norm", lambda: (_randn(2, 3, 4), [5], None, None, 1e-5)),
    ("layer_norm too many dims", "native_layer_norm", lambda: (_randn(2, 3, 4), [1, 2, 3, 4], None, None, 1e-5)),
    ("layer_norm weight", "native_layer_norm", lambda: (_randn(2, 3, 4), [4], _randn(5), None, 1e-5)),
    ("layer_norm bias", "native_layer_norm", lambda: (_randn(2, 3, 4), [4], None, _randn(1, 4), 1e-5)),
    ("layer_norm weight of all", "native_layer_norm", lambda: (_randn(2, 3, 4), [3, 4], _randn(12), None, 1e-5)),
    ("layer_norm int input", "native_layer_norm", lambda: (np.ones((2, 3), np.int32), [3], None, None, 1e-5)),
    ("layer_norm eps None", "native_layer_norm", lambda: (_randn(2, 3, 4), [4], None, None, None)),
    ("batch_norm one stat", "native_batch_norm", lambda: (_randn(2, 3), None, None, _randn(3), None, True, 0.1, 1e-5)),
    (
        "batch_norm other stat",
        "native_batch_norm",
        lambda: (_randn(2, 3), None, None, None, _randn(3), True, 0.1, 1e-5),
    ),
    ("batch_norm 1-d", "native_batch_norm", lambda: (_randn(3), None, None, None, None, True, 0.1, 1e-5)),
    ("batch_norm empty", "native_batch_norm", lambda: (_randn(0, 3, 4), None, None, None, None, True, 0.1, 1e-5)),
    (
        "batch_norm int",
        "native_batch_norm",
        lambda: (np.ones((2, 3), np.int32), None, None, None, None, True, 0.1, 1e-5),
    ),
    ("batch_norm momentum None", "native_batch_norm", lambda: (_randn(2, 3), None, None, None, None, True, None, 1e-5)),
    ("group_norm zero groups", "native_group_norm", lambda: (_randn(2, 6, 5), None, None, 2, 6, 5, 0, 1e-5)),
    ("group_norm indivisible", "native_group_norm", lambda: (_randn(2, 6, 5), None, None, 2, 6, 5, 4, 1e-5)),
    ("group_norm weight", "native_group_norm", lambda: (_randn(2, 6, 5), _randn(5), None, 2, 6, 5, 3, 1e-5)),
    ("group_norm numel", "native_group_norm", lambda: (_randn(2, 6, 5), None, None, 2, 6, 4, 3, 1e-5)),
    ("group_norm int", "native_group_norm", lambda: (np.ones((2, 6, 5), np.int32), None, None, 2, 6, 5, 3, 1e-5)),
    ("dropout p > 1", "native_dropout", lambda: (_randn(3), 1.5, True)),
    ("dropout p < 0", "native_dropout", lambda: (_randn(3), -0.5, None)),
    ("dropout p nan", "native_dropout", lambda: (_randn(3), math.nan, True)),
    ("dropout int", "native_dropout", lambda: (np.arange(6), 0.5, True)),
    ("affine_grid size", "affine_grid_generator", lambda: (_randn(2, 2, 3), [2, 3, 4], False)),
    ("affine_grid theta 2d for 3d", "affine_grid_generator", lambda: (_randn(2, 2, 3), [2, 3, 4, 5, 6], False)),
    ("affine_grid theta 3d for 2d", "affine_grid_generator", lambda: (_randn(2, 3, 4), [2, 3, 4, 5], False)),
    ("affine_grid batch", "affine_grid_generator", lambda: (_randn(2, 2, 3), [3, 3, 4, 5], False)),
    ("affine_grid align None", "affine_grid_generator", lambda: (_randn(2, 2, 3), [2, 3, 4, 5], None)),
    ("renorm 1-d", "embedding_renorm_", lambda: (_randn(5), np.array([1]), 1.0, 2.0)),
    ("renorm 3-d", "embedding_renorm_", lambda: (_randn(5, 3, 2), np.array([1]), 1.0, 2.0)),
    ("renorm float indices", "embedding_renorm_", lambda: (_randn(5, 3), np.array([1.0]), 1.0, 2.0)),
    ("renorm past the end", "embedding_renorm_", lambda: (_randn(5, 3), np.array([5]), 1.0, 2.0)),
    ("renorm before the start", "embedding_renorm_", lambda: (_randn(5, 3), np.array([7, -9, -1]), 1.0, 2.0)),
    ("renorm int weight", "embedding_renorm_", lambda: (np.ones((5, 3), np.int32), np.array([1]), 1.0, 2.0)),
    ("renorm list indices", "embedding_renorm_", lambda: (_randn(5, 3), [1], 1.0, 2.0)),
]


def _same_error(lib_theirs: Any, name: str, args: tuple[Any, ...]) -> None:
    with pytest.raises(Exception) as expected:  # PyTorch's type and text, required of tocha below
        _call(lib_theirs, name, args)
    with pytest.raises(expected.type) as got:
        _call(tocha, name, args)
    theirs = str(expected.value).replace("torch.", "tocha.")
    assert str(got.value) == theirs


@pytest.mark.parametrize(("name", "make"), [pytest.param(c[1], c[2], id=c[0]) for c in ERROR_CASES])
def test_hand_over_errors_as_in_pytorch(torch_nn: Any, name: str, make: Callable[[], tuple[Any, ...]]) -> None:
    _same_error(torch_nn, name, make())


@pytest.mark.parametrize(("name", "make"), [pytest.param(c[1], c[2], id=c[0]) for c in COMPOSITE_ERROR_CASES])
def test_errors_as_in_pytorch(torch: Any, name: str, make: Callable[[], tuple[Any, ...]]) -> None:
    _same_error(torch, name, make())


def test_zero_dilation_is_refused(torch_nn: Any) -> None:
    """PyTorch's text here depends on the dtype (its float32 and float64 kernels check apart); tocha's is one."""
    for lib in (torch_nn, tocha):
        x, w = lib.randn(2, 4, 9, 9, dtype=lib.float64), lib.randn(6, 2, 3, 3, dtype=lib.float64)
        with pytest.raises(RuntimeError, match="dilation"):
            lib.convolution(x, w, None, [1], [0], [0], False, [0], 2)


def test_native_norm_of_integers_fails_as_pytorchs_sparse_kernel(torch: Any) -> None:
    with pytest.raises(RuntimeError) as theirs:
        torch.native_norm(torch.arange(6).to_sparse())
    with pytest.raises(RuntimeError) as ours:
        tocha.native_norm(tocha.arange(6))
    assert str(ours.value) == str(theirs.value)


def test_group_norm_bias_error_names_the_bias_shape(torch: Any) -> None:
    """PyTorch's message prints ``[0]`` for the bias's shape here; tocha prints the shape."""
    with pytest.raises(RuntimeError, match="Expected bias to be a vector"):
        torch.native_group_norm(torch.randn(2, 6, 5), None, torch.ones(1, 6), 2, 6, 5, 3, 1e-5)
    with pytest.raises(RuntimeError, match=r"got bias of shape \[1, 6\] and input of shape \[2, 6, 5\]"):
        tocha.native_group_norm(tocha.randn(2, 6, 5), None, tocha.ones(1, 6), 2, 6, 5, 3, 1e-5)


def test_mixed_parameter_dtypes_are_refused_as_in_pytorch(torch: Any) -> None:
    for lib in (torch, tocha):
        x = lib.randn(2, 3, 4)
        with pytest.raises(RuntimeError, match="mixed dtype"):
            lib.native_layer_norm(x, [4], lib.ones(4, dtype=lib.float64), None, 1e-5)
        with pytest.raises(RuntimeError, match="mixed dtype"):
            lib.native_group_norm(x, None, lib.ones(3, dtype=lib.float64), 2, 3, 4, 3, 1e-5)
        with pytest.raises(RuntimeError, match="mixed dtype"):
            lib.native_batch_norm(x.double(), lib.ones(3), None, None, None, True, 0.1, 1e-5)


def test_where_pytorch_reads_out_of_bounds_tocha_raises(nn: Any) -> None:
    """PyTorch segfaults, reads unchecked lengths or returns uninitialised memory here (NOTE [ Native nn
    functions ]); tocha refuses."""
    x = tocha.randn(2, 3, 4)
    with pytest.raises(RuntimeError, match="running_mean must be defined in evaluation mode"):
        tocha.native_batch_norm(x, None, None, None, None, False, 0.1, 1e-5)
    with pytest.raises(RuntimeError, match="weight should contain 3 elements not 4"):
        tocha.native_batch_norm(x, tocha.ones(4), None, None, None, True, 0.1, 1e-5)
    with pytest.raises(RuntimeError, match="running_var should contain 3 elements not 4"):
        tocha.native_batch_norm(x, None, None, tocha.zeros(3), tocha.ones(4), False, 0.1, 1e-5)
    grid = tocha.zeros(2, 1, 1, 2)
    with pytest.raises(RuntimeError, match="interpolation_mode"):
        tocha.grid_sampler(tocha.randn(2, 3, 4, 4), grid, 3, 0, False)
    with pytest.raises(RuntimeError, match="padding_mode"):
        tocha.grid_sampler_2d(tocha.randn(2, 3, 4, 4), grid, 0, -1, False)
    with pytest.raises(RuntimeError, match="1 to 3 spatial dims"):
        tocha.convolution(
            tocha.randn(1, 1, 2, 2, 2, 2), tocha.ones(1, 1, 1, 1, 1, 1), None, [1], [0], [1], False, [0], 1
        )


# ------------------------------------------------------------------ the namespace and the hand-over


def test_names_are_pytorchs(torch: Any) -> None:
    assert nn_natives.__all__ == sorted(nn_natives.__all__)
    for name in nn_natives.__all__:
        assert name in tocha.__all__
        assert getattr(tocha, name) is getattr(nn_natives, name)
        assert hasattr(torch, name), name
        assert "Example:" in (getattr(tocha, name).__doc__ or "")


def test_without_tocha_nn_the_hand_overs_name_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nn_functions, "_nn_functional", [])
    monkeypatch.setitem(sys.modules, "tocha.nn.functional", None)  # the import raises ImportError
    with pytest.raises(RuntimeError, match="tocha-nn"):
        tocha.convolution(tocha.ones(1, 1, 3), tocha.ones(1, 1, 2), None, [1], [0], [1], False, [0], 1)
    with pytest.raises(RuntimeError, match="tocha-nn"):
        tocha.grid_sampler(tocha.ones(1, 1, 2, 2), tocha.zeros(1, 1, 1, 2), 0, 0, False)
    out, _, _ = tocha.native_layer_norm(tocha.tensor([[1.0, 3.0]]), [2], None, None, 0.0)  # needs no nn
    assert out.tolist() == [[-1.0, 1.0]]
    assert tocha.affine_grid_generator(tocha.zeros(1, 2, 3), [1, 1, 2, 2], True).shape == (1, 2, 2, 2)


# ------------------------------------------------------------------ cuda


@pytest.mark.gpu
def test_composites_on_cuda_match_the_cpu() -> None:
    x = tocha.randn(4, 3, 5, dtype=tocha.float64)
    w, b = tocha.randn(3, dtype=tocha.float64), tocha.randn(3, dtype=tocha.float64)
    cpu = tocha.native_batch_norm(x, w, b, None, None, True, 0.1, 1e-5)
    gpu = tocha.native_batch_norm(x.cuda(), w.cuda(), b.cuda(), None, None, True, 0.1, 1e-5)
    for c, g in zip(cpu, gpu):
        assert g.device.type == "cuda"
        np.testing.assert_allclose(g.cpu().numpy(), c.numpy(), rtol=1e-10, atol=1e-12)
    weight = tocha.randn(5, 3, dtype=tocha.float64) * 3
    on_gpu = weight.cuda()
    tocha.embedding_renorm_(weight, tocha.tensor([0, 4, 0]), 1.0, 2.0)
    tocha.embedding_renorm_(on_gpu, tocha.tensor([0, 4, 0], device="cuda"), 1.0, 2.0)
    np.testing.assert_allclose(on_gpu.cpu().numpy(), weight.numpy(), rtol=1e-12)
    out, mask = tocha.native_dropout(tocha.ones(1000, device="cuda"), 0.5, True)
    assert out.device.type == "cuda"
    assert mask.dtype == tocha.bool
