"""Pooling: forward and gradients against PyTorch, finite differences, errors and reprs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from nn_oracle import assert_close_to_torch, compare_with_torch, gradcheck_function, to_torch, torch_or_skip

import tocha
import tocha.nn as nn
import tocha.nn.functional as F
from tocha.autograd import gradgradcheck

RNG = np.random.default_rng(0)


def _rand(*shape: int, dtype: Any = np.float32) -> tocha.Tensor:
    return tocha.from_numpy(RNG.standard_normal(shape).astype(dtype))


def _against_torch(name: str, x: tocha.Tensor, *args: Any, atol: float = 1e-6, **kwargs: Any) -> None:
    """``F.<name>`` forward (all outputs) and input gradient agree with ``torch.nn.functional.<name>``."""
    torch = torch_or_skip()
    ours_x = x.detach().requires_grad_(True)
    theirs_x = to_torch(ours_x)
    ours = getattr(F, name)(ours_x, *args, **kwargs)
    theirs = getattr(torch.nn.functional, name)(theirs_x, *args, **kwargs)
    assert_close_to_torch(ours, theirs, atol=atol, what=name)
    o = ours[0] if isinstance(ours, tuple) else ours
    t = theirs[0] if isinstance(theirs, tuple) else theirs
    w = RNG.standard_normal(tuple(o.shape)).astype(np.float32)
    (o * tocha.from_numpy(w)).sum().backward()
    (t * torch.from_numpy(w)).sum().backward()
    assert_close_to_torch(ours_x.grad, theirs_x.grad, atol=atol, what=f"grad of {name}")


MAX_CASES = [
    (1, (2, 3, 11), dict(kernel_size=3)),
    (1, (3, 9), dict(kernel_size=2, stride=1, padding=1, ceil_mode=True)),
    (1, (2, 2, 10), dict(kernel_size=3, stride=2, dilation=2, padding=1)),
    (2, (2, 3, 8, 8), dict(kernel_size=2)),
    (2, (2, 3, 9, 7), dict(kernel_size=2)),
    (2, (2, 3, 9, 7), dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1), ceil_mode=True)),
    (2, (3, 10, 10), dict(kernel_size=3, stride=2, dilation=2, padding=1)),
    (2, (1, 2, 7, 7), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    (2, (1, 2, 5, 5), dict(kernel_size=2, stride=3, ceil_mode=True)),
    (3, (2, 2, 6, 5, 4), dict(kernel_size=2)),
    (3, (2, 5, 6, 7), dict(kernel_size=3, stride=2, padding=1, dilation=(1, 2, 1), ceil_mode=True)),
]


@pytest.mark.parametrize(("nd", "shape", "kwargs"), MAX_CASES)
@pytest.mark.parametrize("return_indices", [False, True])
def test_max_pool_matches_torch(nd: int, shape: tuple[int, ...], kwargs: dict[str, Any], return_indices: bool) -> None:
    _against_torch(f"max_pool{nd}d", _rand(*shape), return_indices=return_indices, **kwargs)


@pytest.mark.parametrize(("nd", "shape", "kwargs"), MAX_CASES)
def test_max_pool_with_indices_matches_torch(nd: int, shape: tuple[int, ...], kwargs: dict[str, Any]) -> None:
    _against_torch(f"max_pool{nd}d_with_indices", _rand(*shape), **kwargs)


def test_max_pool_ties_and_integers_match_torch() -> None:
    torch = torch_or_skip()
    x = tocha.tensor([[[1.0, 1.0, 0.0, 2.0], [1.0, 1.0, 2.0, 2.0]]])
    ours = F.max_pool2d(x, 2, return_indices=True)
    theirs = torch.nn.functional.max_pool2d(to_torch(x), 2, return_indices=True)
    assert_close_to_torch(ours, theirs)
    ones = tocha.ones(1, 2, 7, 5)
    for size in (3, (2, 4), 1):
        theirs = torch.nn.functional.adaptive_max_pool2d(to_torch(ones), size, return_indices=True)
        assert_close_to_torch(F.adaptive_max_pool2d(ones, size, return_indices=True), theirs)
    assert_close_to_torch(
        F.max_pool2d(ones, 3, 2, 1, return_indices=True),
        torch.nn.functional.max_pool2d(to_torch(ones), 3, 2, 1, return_indices=True),
    )
    xi = tocha.arange(30).reshape(1, 5, 6)
    assert_close_to_torch(F.max_pool2d(xi, 2, padding=1), torch.nn.functional.max_pool2d(to_torch(xi), 2, padding=1))


AVG_CASES = [
    (1, (2, 3, 11), dict(kernel_size=3)),
    (1, (3, 9), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    (2, (2, 3, 8, 8), dict(kernel_size=2)),
    (2, (2, 3, 9, 7), dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1), ceil_mode=True)),
    (2, (2, 3, 9, 7), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    (2, (3, 10, 10), dict(kernel_size=3, stride=2, padding=1, divisor_override=5)),
    (2, (1, 2, 5, 5), dict(kernel_size=2, stride=3, ceil_mode=True)),
    (3, (2, 2, 6, 5, 4), dict(kernel_size=2)),
    (3, (2, 5, 6, 7), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    (3, (1, 2, 5, 6, 7), dict(kernel_size=(2, 3, 2), padding=1, divisor_override=3)),
]


@pytest.mark.parametrize(("nd", "shape", "kwargs"), AVG_CASES)
def test_avg_pool_matches_torch(nd: int, shape: tuple[int, ...], kwargs: dict[str, Any]) -> None:
    _against_torch(f"avg_pool{nd}d", _rand(*shape), **kwargs)


ADAPTIVE_CASES = [
    (1, (2, 3, 11), 4),
    (1, (3, 7), 7),
    (1, (2, 3, 5), 8),
    (2, (2, 3, 8, 8), 1),
    (2, (2, 3, 9, 7), (4, 3)),
    (2, (3, 10, 10), (None, 3)),
    (2, (1, 2, 5, 5), (7, 2)),
    (3, (2, 2, 6, 5, 4), (3, 2, 3)),
    (3, (2, 5, 6, 7), 2),
]


@pytest.mark.parametrize(("nd", "shape", "size"), ADAPTIVE_CASES)
def test_adaptive_avg_pool_matches_torch(nd: int, shape: tuple[int, ...], size: Any) -> None:
    _against_torch(f"adaptive_avg_pool{nd}d", _rand(*shape), size)


@pytest.mark.parametrize(("nd", "shape", "size"), ADAPTIVE_CASES)
@pytest.mark.parametrize("return_indices", [False, True])
def test_adaptive_max_pool_matches_torch(nd: int, shape: tuple[int, ...], size: Any, return_indices: bool) -> None:
    _against_torch(f"adaptive_max_pool{nd}d", _rand(*shape), size, return_indices=return_indices)


@pytest.mark.parametrize(
    ("nd", "shape", "args"),
    [
        (1, (2, 3, 10), (2.0, 3)),
        (1, (3, 9), (3.0, 2, 1, True)),
        (2, (2, 3, 8, 8), (2.0, 2)),
        (2, (2, 3, 9, 7), (1.5, (3, 2), (2, 1), True)),
        (3, (1, 2, 4, 5, 6), (2.0, 2)),
    ],
)
def test_lp_pool_matches_torch(nd: int, shape: tuple[int, ...], args: tuple[Any, ...]) -> None:
    x = tocha.from_numpy(RNG.uniform(0.5, 2.0, shape).astype(np.float32))
    _against_torch(f"lp_pool{nd}d", x, *args, atol=1e-5)


@pytest.mark.parametrize(
    ("nd", "shape", "kwargs", "output_size"),
    [
        (1, (2, 3, 10), dict(kernel_size=2), None),
        (1, (2, 3, 11), dict(kernel_size=2), [11]),
        (2, (2, 3, 8, 8), dict(kernel_size=2), None),
        (2, (2, 3, 9, 7), dict(kernel_size=3, stride=2, padding=1), (2, 3, 9, 7)),
        (3, (2, 2, 4, 6, 4), dict(kernel_size=2), None),
    ],
)
def test_max_unpool_matches_torch(nd: int, shape: tuple[int, ...], kwargs: dict[str, Any], output_size: Any) -> None:
    torch = torch_or_skip()
    x = _rand(*shape)
    values, indices = getattr(F, f"max_pool{nd}d")(x, return_indices=True, **kwargs)
    values.requires_grad_(True)
    stride = kwargs.get("stride")
    padding = kwargs.get("padding", 0)
    ours = getattr(F, f"max_unpool{nd}d")(values, indices, kwargs["kernel_size"], stride, padding, output_size)
    tv = to_torch(values)
    theirs = getattr(torch.nn.functional, f"max_unpool{nd}d")(
        tv, to_torch(indices), kwargs["kernel_size"], stride, padding, output_size
    )
    assert_close_to_torch(ours, theirs)
    w = RNG.standard_normal(tuple(ours.shape)).astype(np.float32)
    (ours * tocha.from_numpy(w)).sum().backward()
    (theirs * torch.from_numpy(w)).sum().backward()
    assert_close_to_torch(values.grad, tv.grad)


def test_max_unpool_inverts_max_pool() -> None:
    x = F.relu(_rand(2, 3, 8, 6)) + 0.1 if hasattr(F, "relu") else _rand(2, 3, 8, 6).abs() + 0.1
    values, indices = F.max_pool2d(x, 2, return_indices=True)
    restored = F.max_unpool2d(values, indices, 2)
    again, again_idx = F.max_pool2d(restored, 2, return_indices=True)
    np.testing.assert_array_equal(again.numpy(), values.numpy())
    np.testing.assert_array_equal(again_idx.numpy(), indices.numpy())
    kept = restored.numpy() != 0
    np.testing.assert_array_equal(restored.numpy()[kept], x.numpy()[kept])
    assert kept.sum() == values.numel()


# ------------------------------------------------------------------ NumPy references (no torch)


def _max_pool2d_reference(x: np.ndarray, k: int, s: int, p: int) -> tuple[np.ndarray, np.ndarray]:
    n, c, h, w = x.shape
    oh, ow = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
    values = np.empty((n, c, oh, ow), x.dtype)
    index = np.empty((n, c, oh, ow), np.int64)
    for i in range(oh):
        for j in range(ow):
            best = np.full((n, c), -np.inf)
            arg = np.zeros((n, c), np.int64)
            for a in range(k):
                for b in range(k):
                    r, q = i * s + a - p, j * s + b - p
                    if 0 <= r < h and 0 <= q < w:
                        better = x[:, :, r, q] > best
                        best = np.where(better, x[:, :, r, q], best)
                        arg = np.where(better, r * w + q, arg)
            values[:, :, i, j] = best
            index[:, :, i, j] = arg
    return values, index


@pytest.mark.parametrize(("k", "s", "p"), [(2, 2, 0), (3, 2, 1), (3, 1, 1), (2, 3, 0)])
def test_max_pool2d_matches_numpy_reference(k: int, s: int, p: int) -> None:
    x = RNG.standard_normal((2, 3, 9, 8))
    values, indices = F.max_pool2d(tocha.from_numpy(x), k, s, p, return_indices=True)
    ref_values, ref_indices = _max_pool2d_reference(x, k, s, p)
    np.testing.assert_array_equal(values.numpy(), ref_values)
    np.testing.assert_array_equal(indices.numpy(), ref_indices)
    assert indices.dtype == tocha.int64


def test_avg_pool2d_matches_numpy_reference() -> None:
    x = RNG.standard_normal((2, 3, 6, 8))
    out = F.avg_pool2d(tocha.from_numpy(x), 2)
    np.testing.assert_allclose(out.numpy(), x.reshape(2, 3, 3, 2, 4, 2).mean(axis=(3, 5)))
    padded = F.avg_pool2d(tocha.from_numpy(x), 3, 1, 1, count_include_pad=False)
    ref = np.empty_like(x)
    for i in range(6):
        for j in range(8):
            ref[:, :, i, j] = x[:, :, max(i - 1, 0) : i + 2, max(j - 1, 0) : j + 2].mean(axis=(2, 3))
    np.testing.assert_allclose(padded.numpy(), ref)


def test_adaptive_pools_match_numpy_reference() -> None:
    x = RNG.standard_normal((2, 3, 7))
    avg = F.adaptive_avg_pool1d(tocha.from_numpy(x), 3).numpy()
    mx = F.adaptive_max_pool1d(tocha.from_numpy(x), 3).numpy()
    for i, (a, b) in enumerate([(0, 3), (2, 5), (4, 7)]):
        np.testing.assert_allclose(avg[..., i], x[..., a:b].mean(-1))
        np.testing.assert_allclose(mx[..., i], x[..., a:b].max(-1))


# ------------------------------------------------------------------ finite differences


def _distinct(*shape: int) -> tocha.Tensor:
    """float64 values with well separated entries, so max pooling is differentiable at them."""
    n = int(np.prod(shape))
    return tocha.from_numpy(RNG.permutation(n).reshape(shape).astype(np.float64) / n + 0.1)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: F.max_pool2d(x, 2),
        lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True),
        lambda x: F.max_pool2d(x, 2, 1, dilation=2),
        lambda x: F.max_pool1d(x.flatten(2), 3, 2, 1),
        lambda x: F.max_pool3d(x.unsqueeze(2), (1, 2, 2)),
        lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
        lambda x: F.avg_pool2d(x, 2, divisor_override=3),
        lambda x: F.avg_pool3d(x.unsqueeze(2), (1, 3, 2), padding=(0, 1, 1)),
        lambda x: F.adaptive_avg_pool2d(x, (3, 2)),
        lambda x: F.adaptive_max_pool2d(x, (3, 2)),
        lambda x: F.lp_pool2d(x, 2.0, 2),
        lambda x: F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2),
    ],
)
def test_gradcheck_and_gradgradcheck(fn: Any) -> None:
    x = _distinct(1, 2, 5, 4).requires_grad_(True)
    gradcheck_function(fn, x)
    assert gradgradcheck(fn, (x,))


# ------------------------------------------------------------------ modules


def test_module_reprs_match_torch() -> None:
    torch = torch_or_skip()
    pairs = [
        ("MaxPool2d", (2,), {}),
        ("MaxPool1d", (3,), dict(stride=1, padding=1, return_indices=True, ceil_mode=True)),
        ("MaxPool3d", ((2, 2, 1),), dict(dilation=2)),
        ("MaxUnpool1d", (2,), {}),
        ("MaxUnpool2d", (2,), dict(stride=1, padding=1)),
        ("MaxUnpool3d", (2,), {}),
        ("AvgPool1d", (2,), {}),
        ("AvgPool2d", (2,), dict(padding=1, divisor_override=2)),
        ("AvgPool3d", ((1, 2, 2),), {}),
        ("AdaptiveAvgPool1d", (3,), {}),
        ("AdaptiveAvgPool2d", ((None, 3),), {}),
        ("AdaptiveAvgPool3d", (1,), {}),
        ("AdaptiveMaxPool1d", (3,), {}),
        ("AdaptiveMaxPool2d", ((2, 3), True), {}),
        ("AdaptiveMaxPool3d", (1,), {}),
        ("LPPool1d", (2, 3), {}),
        ("LPPool2d", (2.0, (2, 3)), dict(stride=1, ceil_mode=True)),
        ("LPPool3d", (1, 2), {}),
    ]
    for name, args, kwargs in pairs:
        assert repr(getattr(nn, name)(*args, **kwargs)) == repr(getattr(torch.nn, name)(*args, **kwargs)), name


@pytest.mark.parametrize(
    ("name", "args", "shape"),
    [
        ("MaxPool2d", (2,), (4, 3, 8, 8)),
        ("MaxPool1d", (3, 2, 1), (2, 3, 9)),
        ("MaxPool3d", (2,), (1, 2, 4, 4, 4)),
        ("AvgPool2d", (3, 2, 1, True, False), (2, 3, 9, 9)),
        ("AvgPool1d", (2,), (2, 3, 9)),
        ("AdaptiveAvgPool2d", ((3, 5),), (2, 3, 7, 9)),
        ("AdaptiveMaxPool2d", ((3, 5),), (2, 3, 7, 9)),
        ("LPPool2d", (2, 2), (2, 3, 8, 8)),
    ],
)
def test_modules_match_torch(name: str, args: tuple[Any, ...], shape: tuple[int, ...]) -> None:
    torch = torch_or_skip()
    x = tocha.from_numpy(RNG.uniform(0.5, 2.0, shape).astype(np.float32))
    compare_with_torch(getattr(nn, name)(*args), getattr(torch.nn, name)(*args), x, atol=1e-5)


def test_max_pool_module_returns_indices_and_unpool_module_inverts() -> None:
    pool = nn.MaxPool2d(2, return_indices=True)
    unpool = nn.MaxUnpool2d(2)
    x = _rand(1, 2, 4, 4)
    values, indices = pool(x)
    assert unpool(values, indices, output_size=x.shape).shape == x.shape
    assert pool.stride == 2
    assert nn.AvgPool1d(3).stride == (3,)


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: F.max_pool2d(_rand(1, 1, 5, 5), 2, padding=2),
            RuntimeError,
            "pad should be at most half of effective kernel size, but got pad=2, kernel_size=2 and dilation=1",
        ),
        (lambda: F.avg_pool2d(_rand(1, 1, 5, 5), 2, padding=2), RuntimeError, "pad should be at most half"),
        (
            lambda: F.max_pool2d(_rand(1, 1, 5, 5), 7),
            RuntimeError,
            "Given input size: (1x5x5). Calculated output size: (1x0x0). Output size is too small",
        ),
        (lambda: F.max_pool2d(_rand(1, 1, 5, 5), 2, stride=0), RuntimeError, "stride should not be zero"),
        (lambda: F.max_pool2d(_rand(1, 1, 5, 5), 2, dilation=0), RuntimeError, "dilation should be greater than zero"),
        (
            lambda: F.max_pool1d(_rand(5), 2),
            RuntimeError,
            "max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, but got:[5]",
        ),
        (
            lambda: F.max_pool2d(_rand(1, 5, 5), (2, 2, 2)),
            RuntimeError,
            "max_pool2d: kernel_size must either be a single int, or a tuple of two ints",
        ),
        (lambda: F.avg_pool2d(_rand(2, 3, 0, 4), 2), RuntimeError, "got:[2, 3, 0, 4]"),
        (lambda: F.avg_pool2d(tocha.ones(1, 4, 4, dtype=tocha.int64), 2), RuntimeError, "not implemented for 'Long'"),
        (
            lambda: F.adaptive_avg_pool2d(_rand(5), 2),
            RuntimeError,
            "adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got [5]",
        ),
        (
            lambda: F.max_unpool2d(_rand(1, 1, 5, 5), tocha.full((1, 1, 5, 5), 100, dtype=tocha.int64), 2),
            RuntimeError,
            "Found an invalid max index: 100 (output volumes are of size 10x10)",
        ),
    ],
)
def test_errors(call: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)


def test_error_types_match_torch() -> None:
    torch = torch_or_skip()
    cases = [
        ("max_pool2d", (1, 1, 5, 5), (2,), dict(padding=2)),
        ("max_pool2d", (1, 1, 5, 5), (7,), {}),
        ("avg_pool1d", (1, 1, 5), (7,), {}),
        ("max_pool1d", (1, 1, 5), (7,), {}),
        ("max_pool1d", (1, 1, 5), (7,), dict(return_indices=True)),
        ("max_pool1d", (1, 1, 5), (0,), {}),
        ("max_pool2d", (1, 1, 5, 5), (0, 1), {}),
        ("max_pool1d", (1, 1, 5), (3,), dict(padding=2)),
    ]
    for name, shape, args, kwargs in cases:
        x = _rand(*shape)
        with pytest.raises(Exception) as theirs:
            getattr(torch.nn.functional, name)(to_torch(x), *args, **kwargs)
        with pytest.raises(type(theirs.value)) as ours:
            getattr(F, name)(x, *args, **kwargs)
        assert str(theirs.value) in str(ours.value) or str(ours.value) in str(theirs.value), (ours, theirs)
    # a wrong rank: the same type; our message names the op and the shape (PyTorch's wording varies by op)
    with pytest.raises(RuntimeError, match=r"max_pool3d: Expected 4D or 5D .* but got:\[1, 5, 5\]"):
        F.max_pool3d(_rand(1, 5, 5), 2)
    with pytest.raises(RuntimeError):
        torch.nn.functional.max_pool3d(torch.randn(1, 5, 5), 2)


def test_max_pool_indices_of_nan_and_all_minus_inf_windows_follow_pytorchs_scan() -> None:
    # a window holding NaN points at its last NaN; one whose maximum is -inf at its first in-bounds position
    x = tocha.tensor([[[[1.0, float("nan"), 2.0], [float("nan"), 0.0, 3.0], [4.0, 5.0, float("nan")]]]])
    values, indices = F.max_pool2d(x, 2, ceil_mode=True, return_indices=True)
    assert indices.tolist() == [[[[3, 5], [7, 8]]]]  # 8, not 12 (past the 9-element plane)
    assert values.isnan().tolist() == [[[[True, False], [False, True]]]]
    ninf = tocha.full((1, 1, 4, 4), float("-inf"))
    _, indices = F.max_pool2d(ninf, 2, padding=1, return_indices=True)
    assert indices.tolist() == [[[[0, 1, 3], [4, 5, 7], [12, 13, 15]]]]  # never negative


@pytest.mark.parametrize("seed", range(6))
def test_max_pool_indices_with_nan_and_inf_match_torch(seed: int) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 3, 7, 6))
    mask = rng.random(x.shape)
    x[mask < 0.15] = np.nan
    x[(mask > 0.15) & (mask < 0.5)] = -np.inf
    if seed == 0:
        x[:] = -np.inf
    for kernel, stride, padding, dilation, ceil_mode in [
        (2, 2, 1, 1, True),
        (3, 2, 1, 2, False),
        ((2, 3), 1, 0, 1, True),
    ]:
        expected = torch.nn.functional.max_pool2d(
            torch.from_numpy(x), kernel, stride, padding, dilation, ceil_mode=ceil_mode, return_indices=True
        )
        got = F.max_pool2d(tocha.from_numpy(x), kernel, stride, padding, dilation, ceil_mode, return_indices=True)
        np.testing.assert_array_equal(got[0].numpy(), expected[0].numpy())
        np.testing.assert_array_equal(got[1].numpy(), expected[1].numpy())
