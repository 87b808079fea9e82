"""Convolution layers and F.conv*/F.conv_transpose*: forward, gradients, errors, reprs, initialisation."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from nn_oracle import (
    assert_close_to_torch,
    compare_with_torch,
    gradcheck_function,
    one_op_gradients,
    to_torch,
    torch_or_skip,
)

import tocha
import tocha.nn as nn
import tocha.nn.functional as F
from tocha.autograd import gradgradcheck

# (name, dims, input shape, weight shape, kwargs, bias)
DIRECT_CASES: list[tuple[str, int, tuple[int, ...], tuple[int, ...], dict[str, Any], bool]] = [
    ("2d_pad1", 2, (2, 3, 7, 8), (4, 3, 3, 3), {"padding": 1}, True),
    (
        "2d_stride_dil_groups",
        2,
        (2, 4, 9, 8),
        (6, 2, 3, 2),
        {"padding": (1, 2), "stride": (2, 3), "dilation": (2, 1), "groups": 2},
        True,
    ),
    ("2d_nobias_valid", 2, (1, 2, 6, 5), (3, 2, 2, 3), {"padding": "valid"}, False),
    ("2d_same_even", 2, (2, 3, 7, 8), (4, 3, 4, 3), {"padding": "same", "dilation": (1, 2)}, True),
    ("2d_depthwise", 2, (2, 4, 6, 6), (4, 1, 3, 3), {"padding": 1, "groups": 4}, True),
    ("2d_wide_stride1_dil", 2, (2, 3, 10, 12), (2, 3, 3, 3), {"dilation": 2, "padding": 2}, True),
    ("1d_stride", 1, (2, 3, 10), (4, 3, 3), {"padding": 2, "stride": 2}, False),
    ("1d_same", 1, (2, 2, 9), (4, 2, 4), {"padding": "same", "dilation": 3}, True),
    ("3d_groups", 3, (2, 2, 5, 6, 5), (4, 1, 2, 3, 2), {"padding": 1, "groups": 2}, True),
    ("3d_stride_dil", 3, (1, 2, 5, 6, 7), (3, 2, 3, 3, 3), {"stride": (1, 2, 1), "dilation": (1, 1, 2)}, True),
    ("2d_unbatched", 2, (3, 7, 8), (4, 3, 3, 3), {"padding": 1}, True),
    ("1d_unbatched", 1, (3, 7), (4, 3, 3), {}, True),
]

TRANSPOSED_CASES: list[tuple[str, int, tuple[int, ...], tuple[int, ...], dict[str, Any], bool]] = [
    ("t2d_pad1", 2, (2, 4, 5, 6), (4, 3, 3, 3), {"padding": 1}, True),
    (
        "t2d_all",
        2,
        (2, 4, 5, 6),
        (4, 3, 3, 2),
        {"padding": (1, 0), "stride": (2, 3), "output_padding": (1, 2), "groups": 2, "dilation": (1, 2)},
        True,
    ),
    ("t1d_dil_outpad", 1, (2, 4, 5), (4, 3, 3), {"dilation": 2, "output_padding": 1}, True),
    ("t1d_stride", 1, (2, 2, 5), (2, 3, 4), {"stride": 3, "padding": 1}, False),
    ("t3d_stride", 3, (1, 2, 3, 4, 3), (2, 3, 2, 2, 2), {"stride": 2, "padding": 1}, True),
    ("t2d_bigpad", 2, (2, 2, 5, 6), (2, 3, 3, 3), {"padding": 2}, False),
    ("t2d_unbatched", 2, (4, 3, 3), (4, 2, 3, 3), {"stride": 2}, True),
]


def _make(shape: tuple[int, ...], seed: int, dtype: Any = np.float64) -> tocha.Tensor:
    return tocha.from_numpy(np.random.default_rng(seed).standard_normal(shape).astype(dtype))


def _fn(dims: int, transposed: bool) -> Any:
    return getattr(F, f"conv_transpose{dims}d" if transposed else f"conv{dims}d")


def _bias_size(wshape: tuple[int, ...], kwargs: dict[str, Any], transposed: bool) -> int:
    return wshape[1] * kwargs.get("groups", 1) if transposed else wshape[0]


def _reference_conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, stride: int, padding: int) -> np.ndarray:
    """A direct loop over output positions (the NumPy reference that runs without torch)."""
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    n, _, h, wd = xp.shape
    o, _, kh, kw = w.shape
    oh, ow = (h - kh) // stride + 1, (wd - kw) // stride + 1
    out = np.zeros((n, o, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i * stride : i * stride + kh, j * stride : j * stride + kw]
            out[:, :, i, j] = np.einsum("nchw,ochw->no", patch, w)
    if b is not None:
        out += b[None, :, None, None]
    return out


# ------------------------------------------------------------------------------------------- no torch


@pytest.mark.parametrize(("stride", "padding"), [(1, 0), (1, 1), (2, 1), (3, 2)])
def test_conv2d_matches_numpy_reference(stride: int, padding: int) -> None:
    x, w, b = _make((2, 3, 7, 6), 0), _make((4, 3, 3, 2), 1), _make((4,), 2)
    out = F.conv2d(x, w, b, stride=stride, padding=padding)
    expected = _reference_conv2d(x.numpy(), w.numpy(), b.numpy(), stride, padding)
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-12)


def test_conv_transpose_is_adjoint_of_conv() -> None:
    # <conv(x, W), y> == <x, conv_transpose(y, W)> for the same stride/padding/dilation/groups
    x, w = _make((2, 4, 9, 8), 0), _make((6, 2, 3, 2), 1)
    kw = {"stride": (2, 3), "padding": (1, 1), "dilation": (2, 1), "groups": 2}
    y = F.conv2d(x, w, **kw)
    g = _make(tuple(y.shape), 2)
    op = (x.shape[2] - ((y.shape[2] - 1) * 2 - 2 + 2 * 2 + 1), x.shape[3] - ((y.shape[3] - 1) * 3 - 2 + 1 + 1))
    back = F.conv_transpose2d(
        g, w, stride=kw["stride"], padding=kw["padding"], output_padding=op, groups=2, dilation=(2, 1)
    )
    assert back.shape == x.shape
    assert math.isclose(float((y * g).sum()), float((x * back).sum()), rel_tol=1e-10)


@pytest.mark.parametrize("case", DIRECT_CASES + TRANSPOSED_CASES, ids=lambda c: c[0])
def test_conv_gradcheck_and_gradgradcheck(case: Any) -> None:
    name, dims, xs, ws, kwargs, bias = case
    transposed = name.startswith("t")
    fn = _fn(dims, transposed)
    x, w = _make(xs, 0), _make(ws, 1)
    b = _make((_bias_size(ws, kwargs, transposed),), 2) if bias else None
    inputs = (x, w, b) if bias else (x, w)

    def f(*args: Any) -> tocha.Tensor:
        return fn(*args, **kwargs)  # type: ignore[no-any-return]

    gradcheck_function(f, *inputs)
    prepared = tuple(t.detach().requires_grad_(True) for t in inputs)
    assert gradgradcheck(f, prepared)


def test_conv2d_float32_stays_float32() -> None:
    x = tocha.randn(2, 3, 6, 6, requires_grad=True)
    conv = nn.Conv2d(3, 4, 3, padding=1)
    y = conv(x)
    assert y.dtype == tocha.float32
    y.sum().backward()
    assert x.grad is not None
    assert x.grad.dtype == tocha.float32
    assert conv.weight.grad is not None
    assert conv.weight.grad.dtype == tocha.float32


def test_conv_no_grad_for_unneeded_inputs() -> None:
    x = tocha.randn(2, 3, 6, 6)
    conv = nn.Conv2d(3, 4, 3)
    conv(x).sum().backward()
    assert x.grad is None
    assert conv.weight.grad is not None
    assert conv.bias is not None
    assert conv.bias.grad is not None


def test_padding_modes_equal_explicit_pad() -> None:
    x = _make((2, 3, 6, 7), 0).float()
    for mode in ("reflect", "replicate", "circular"):
        conv = nn.Conv2d(3, 2, 3, padding=(1, 2), padding_mode=mode)
        expected = F.conv2d(F.pad(x, (2, 2, 1, 1), mode=mode), conv.weight, conv.bias)
        np.testing.assert_allclose(conv(x).detach().numpy(), expected.detach().numpy(), rtol=1e-6)


def test_same_padding_keeps_size() -> None:
    for k, d in [(3, 1), (4, 1), (4, 2), (5, 3)]:
        conv = nn.Conv1d(2, 2, k, padding="same", dilation=d)
        assert conv(tocha.randn(1, 2, 11)).shape == (1, 2, 11)


def test_reset_parameters_bounds_and_state_dict() -> None:
    conv = nn.Conv2d(8, 16, (3, 2), groups=2)
    fan_in = 4 * 3 * 2
    bound = 1 / math.sqrt(fan_in)
    assert conv.weight.shape == (16, 4, 3, 2)
    assert float(conv.weight.abs().max()) <= bound + 1e-7
    assert conv.bias is not None
    assert float(conv.bias.abs().max()) <= bound + 1e-7
    assert float(conv.weight.std()) > bound / 4  # not all zeros
    assert list(conv.state_dict()) == ["weight", "bias"]
    assert list(nn.Conv1d(2, 3, 1, bias=False).state_dict()) == ["weight"]
    t = nn.ConvTranspose2d(4, 6, 3, groups=2)
    assert t.weight.shape == (4, 3, 3, 3)


def test_factory_kwargs() -> None:
    conv = nn.Conv2d(2, 3, 3, dtype=tocha.float64, device="cpu")
    assert conv.weight.dtype == tocha.float64
    assert conv.bias is not None
    assert conv.bias.dtype == tocha.float64
    assert conv(tocha.randn(1, 2, 4, 4, dtype=tocha.float64)).dtype == tocha.float64


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        (lambda: nn.Conv2d(1, 32, 3, padding=1), "Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"),
        (
            lambda: nn.Conv2d(
                16, 33, (3, 5), stride=(2, 1), padding=(4, 2), dilation=(3, 1), bias=False, padding_mode="reflect"
            ),
            "Conv2d(16, 33, kernel_size=(3, 5), stride=(2, 1), padding=(4, 2), dilation=(3, 1), bias=False, "
            "padding_mode=reflect)",
        ),
        (
            lambda: nn.ConvTranspose2d(16, 33, 3, stride=2, output_padding=1),
            "ConvTranspose2d(16, 33, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1))",
        ),
        (
            lambda: nn.Conv1d(4, 4, 3, padding="same", groups=2),
            "Conv1d(4, 4, kernel_size=(3,), stride=(1,), padding=same, groups=2)",
        ),
        (
            lambda: nn.ConvTranspose1d(4, 4, 3, dilation=2, padding=1),
            "ConvTranspose1d(4, 4, kernel_size=(3,), stride=(1,), padding=(1,), dilation=(2,))",
        ),
        (lambda: nn.LazyConv2d(4, 3), "LazyConv2d(0, 4, kernel_size=(3, 3), stride=(1, 1))"),
        (lambda: nn.Conv3d(2, 2, 1), "Conv3d(2, 2, kernel_size=(1, 1, 1), stride=(1, 1, 1))"),
    ],
)
def test_repr(module: Any, expected: str) -> None:
    assert repr(module()) == expected


def test_conv_errors() -> None:
    with pytest.raises(RuntimeError) as info:
        F.conv2d(tocha.randn(64, 3, 28, 28), tocha.randn(32, 1, 3, 3))
    assert str(info.value) == (
        "Given groups=1, weight of size [32, 1, 3, 3], expected input[64, 3, 28, 28] to have 1 channels, but got 3 "
        "channels instead"
    )
    with pytest.raises(
        RuntimeError,
        match=r"Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d, but got input of size: \[28, 28\]",
    ):
        F.conv2d(tocha.randn(28, 28), tocha.randn(32, 1, 3, 3))
    with pytest.raises(
        RuntimeError, match=r"Kernel size: \(3 x 3\). Kernel size can't be greater than actual input size"
    ):
        F.conv2d(tocha.randn(1, 1, 2, 2), tocha.randn(1, 1, 3, 3))
    with pytest.raises(RuntimeError, match="padding='same' is not supported for strided convolutions"):
        F.conv2d(tocha.randn(1, 1, 5, 5), tocha.randn(1, 1, 3, 3), stride=2, padding="same")
    with pytest.raises(RuntimeError, match="Invalid padding string: 'foo'"):
        F.conv2d(tocha.randn(1, 1, 5, 5), tocha.randn(1, 1, 3, 3), padding="foo")
    with pytest.raises(
        RuntimeError, match=r"expected bias to be 1-dimensional with 32 elements, but got bias of size \[3\]"
    ):
        F.conv2d(tocha.randn(1, 1, 5, 5), tocha.randn(32, 1, 3, 3), tocha.randn(3))
    with pytest.raises(RuntimeError, match="expected scalar type Float but found Double"):
        F.conv2d(tocha.randn(1, 1, 5, 5), tocha.randn(2, 1, 3, 3, dtype=tocha.float64))
    with pytest.raises(
        RuntimeError,
        match=r"Given transposed=1, weight of size \[2, 4, 3, 3\], expected input\[1, 3, 5, 5\] to have 2 channels",
    ):
        F.conv_transpose2d(tocha.randn(1, 3, 5, 5), tocha.randn(2, 4, 3, 3))
    with pytest.raises(RuntimeError, match="output padding must be smaller than either stride or dilation"):
        F.conv_transpose2d(tocha.randn(1, 2, 5, 5), tocha.randn(2, 4, 3, 3), stride=2, output_padding=2)
    with pytest.raises(RuntimeError, match="non-positive stride is not supported"):
        F.conv2d(tocha.randn(1, 1, 5, 5), tocha.randn(1, 1, 3, 3), stride=0)
    with pytest.raises(RuntimeError, match="negative padding is not supported"):
        F.conv2d(tocha.randn(1, 1, 5, 5), tocha.randn(1, 1, 3, 3), padding=-1)
    with pytest.raises(RuntimeError, match=r"expected stride to be a single integer value or a list of 2 values"):
        F.conv2d(tocha.randn(1, 1, 5, 5), tocha.randn(1, 1, 3, 3), stride=(1, 1, 1))
    with pytest.raises(RuntimeError, match=r"Given groups=3, expected weight to be divisible by 3 at dimension 0"):
        F.conv2d(tocha.randn(1, 4, 5, 5), tocha.randn(4, 2, 3, 3), groups=3)
    with pytest.raises(RuntimeError, match="Output size is too small"):
        F.conv_transpose2d(tocha.randn(1, 1, 3, 3), tocha.randn(1, 1, 3, 3), padding=3)


def test_module_errors() -> None:
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 2, 3, groups=2)
    with pytest.raises(ValueError, match="out_channels must be divisible by groups"):
        nn.Conv2d(4, 3, 3, groups=2)
    with pytest.raises(ValueError, match="padding='same' is not supported for strided convolutions"):
        nn.Conv2d(1, 2, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="Invalid padding string 'foo'"):
        nn.Conv2d(1, 2, 3, padding="foo")
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(4, 4, 3, padding_mode="foo")
    with pytest.raises(ValueError, match='Only "zeros" padding mode is supported for ConvTranspose2d'):
        nn.ConvTranspose2d(2, 4, 3, padding_mode="reflect")
    m = nn.ConvTranspose2d(2, 4, 3, stride=2)
    with pytest.raises(
        ValueError, match=r"requested an output size of \[20, 20\], but valid sizes range from \[11, 11\] to \[12, 12\]"
    ):
        m(tocha.randn(1, 2, 5, 5), output_size=[20, 20])


def test_conv_transpose_output_size() -> None:
    m = nn.ConvTranspose2d(2, 4, 3, stride=2)
    x = tocha.randn(1, 2, 5, 5)
    assert m(x, output_size=[12, 12]).shape == (1, 4, 12, 12)
    assert m(x, output_size=(1, 4, 11, 12)).shape == (1, 4, 11, 12)
    assert m(x[0], output_size=[12, 11]).shape == (4, 12, 11)


def test_lazy_conv() -> None:
    m = nn.LazyConv2d(4, 3, padding=1, groups=2)
    y = m(tocha.randn(2, 6, 5, 5))
    assert type(m) is nn.Conv2d
    assert m.in_channels == 6
    assert m.weight.shape == (4, 3, 3, 3)
    assert y.shape == (2, 4, 5, 5)
    t = nn.LazyConvTranspose1d(5, 2, stride=2, bias=False)
    assert t(tocha.randn(3, 4)).shape == (5, 8)
    assert type(t) is nn.ConvTranspose1d
    assert t.weight.shape == (3, 5, 2)
    assert t.bias is None
    assert float(m.weight.abs().max()) <= 1 / math.sqrt(27) + 1e-7


# ------------------------------------------------------------------------------------------- torch oracle


@pytest.mark.parametrize("case", DIRECT_CASES + TRANSPOSED_CASES, ids=lambda c: c[0])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_functional_against_torch(case: Any, dtype: Any) -> None:
    torch = torch_or_skip()
    name, dims, xs, ws, kwargs, bias = case
    transposed = name.startswith("t")
    x, w = _make(xs, 0, dtype).requires_grad_(True), _make(ws, 1, dtype).requires_grad_(True)
    b = _make((_bias_size(ws, kwargs, transposed),), 2, dtype).requires_grad_(True) if bias else None
    tx, tw, tb = to_torch(x), to_torch(w), to_torch(b) if bias else None
    tfn = getattr(torch.nn.functional, f"conv_transpose{dims}d" if transposed else f"conv{dims}d")
    ours = _fn(dims, transposed)(x, w, b, **kwargs)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch warns about 'same' with even kernels
        theirs = tfn(tx, tw, tb, **kwargs)
    tol = {"atol": 1e-10, "rtol": 1e-10} if dtype == np.float64 else {"atol": 1e-4, "rtol": 1e-4}
    assert_close_to_torch(ours, theirs, what="output", **tol)
    g = np.random.default_rng(3).standard_normal(tuple(theirs.shape)).astype(dtype)
    (ours * tocha.from_numpy(g)).sum().backward()
    (theirs * torch.from_numpy(g)).sum().backward()
    assert_close_to_torch(x.grad, tx.grad, what="grad input", **tol)
    assert_close_to_torch(w.grad, tw.grad, what="grad weight", **tol)
    if bias:
        assert_close_to_torch(b.grad, tb.grad, what="grad bias", **tol)


@pytest.mark.parametrize(
    ("make", "shape"),
    [
        (lambda nn_: nn_.Conv2d(3, 4, 3, padding=1, padding_mode="reflect"), (2, 3, 6, 7)),
        (lambda nn_: nn_.Conv2d(3, 4, 3, padding=(1, 2), padding_mode="replicate", stride=2), (2, 3, 6, 7)),
        (lambda nn_: nn_.Conv2d(4, 4, 3, padding=2, padding_mode="circular", groups=2, dilation=2), (2, 4, 6, 7)),
        (lambda nn_: nn_.Conv1d(2, 3, 4, padding="same", padding_mode="reflect"), (2, 2, 9)),
        (lambda nn_: nn_.Conv1d(2, 3, 3, bias=False), (2, 9)),
        (lambda nn_: nn_.Conv3d(2, 2, 3, padding=1, padding_mode="circular"), (1, 2, 4, 5, 4)),
        (lambda nn_: nn_.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1), (2, 3, 4, 5)),
        (lambda nn_: nn_.ConvTranspose1d(2, 4, 3, groups=2, dilation=2), (2, 2, 5)),
        (lambda nn_: nn_.ConvTranspose3d(2, 2, 2, stride=2), (1, 2, 2, 3, 2)),
    ],
)
def test_modules_against_torch(make: Any, shape: tuple[int, ...]) -> None:
    torch = torch_or_skip()
    ours, theirs = make(nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    compare_with_torch(ours, theirs, tocha.randn(*shape), atol=1e-5, rtol=1e-4)


def test_reprs_match_torch() -> None:
    torch = torch_or_skip()
    for args, kwargs in [
        ((16, 33, 3), {"stride": 2}),
        ((16, 33, (3, 5)), {"stride": (2, 1), "padding": (4, 2), "dilation": (3, 1), "bias": False}),
        ((4, 4, 3), {"padding": "same", "groups": 2, "padding_mode": "circular"}),
        ((4, 4, 3), {"padding": "valid"}),
    ]:
        assert repr(nn.Conv2d(*args, **kwargs)) == repr(torch.nn.Conv2d(*args, **kwargs))
    assert repr(nn.ConvTranspose3d(2, 4, 3, stride=2, output_padding=1, groups=2, dilation=2)) == repr(
        torch.nn.ConvTranspose3d(2, 4, 3, stride=2, output_padding=1, groups=2, dilation=2)
    )
    assert repr(nn.LazyConvTranspose2d(4, 3)) == repr(torch.nn.LazyConvTranspose2d(4, 3))


def test_error_messages_match_torch() -> None:
    torch = torch_or_skip()
    cases = [
        ((64, 3, 28, 28), (32, 1, 3, 3), {}),
        ((28, 28), (32, 1, 3, 3), {}),
        ((1, 1, 2, 2), (32, 1, 3, 3), {}),
        ((1, 4, 5, 5), (4, 2, 3, 3), {"groups": 3}),
        ((1, 1, 5, 5), (1, 1, 3, 3), {"stride": 2, "padding": "same"}),
    ]
    for xs, ws, kw in cases:
        with pytest.raises(RuntimeError) as theirs:
            torch.nn.functional.conv2d(torch.randn(*xs), torch.randn(*ws), **kw)
        with pytest.raises(RuntimeError) as ours:
            F.conv2d(tocha.randn(*xs), tocha.randn(*ws), **kw)
        assert str(ours.value) == str(theirs.value).split("\n")[0]


def test_default_init_distribution_matches_torch() -> None:
    torch = torch_or_skip()
    ours, theirs = nn.Conv2d(32, 64, 3), torch.nn.Conv2d(32, 64, 3)
    bound = 1 / math.sqrt(32 * 9)
    for a, b in [(ours.weight, theirs.weight.detach()), (ours.bias, theirs.bias.detach())]:
        assert a is not None
        assert float(a.abs().max()) <= bound
        assert float(b.abs().max()) <= bound
    # 18432 draws of U(-bound, bound) each: the standard deviations agree to well under 3%
    assert abs(float(ours.weight.std()) / float(theirs.weight.detach().std()) - 1) < 0.03


def test_forward_columns_reused_for_weight_grad() -> None:
    # Two convs of one input with the same geometry, then a conv of the first's output: every weight gradient
    # (taken from the forward's cached columns or recomputed) must equal finite differences.
    x = _make((2, 3, 6, 5), 0)
    w1, w2, w3 = _make((4, 3, 3, 3), 1), _make((4, 3, 3, 3), 2), _make((2, 4, 3, 3), 3)

    def f(a: tocha.Tensor, b: tocha.Tensor, c: tocha.Tensor) -> tocha.Tensor:
        h = F.conv2d(x, a, padding=1)
        return F.conv2d(h, c, padding=1) + F.conv2d(x, b, padding=1).sum(1, keepdim=True)

    gradcheck_function(f, w1, w2, w3)


def test_column_cache_is_bounded_and_skipped_without_grad() -> None:
    from tocha.nn.functional import _conv

    conv = nn.Conv2d(2, 2, 3)
    _conv._columns.entries.clear()
    with tocha.no_grad():
        conv(tocha.randn(1, 2, 5, 5))
    assert not _conv._columns.entries
    for _ in range(10):
        conv(tocha.randn(1, 2, 5, 5))  # never backpropagated
    assert len(_conv._columns.entries) == _conv._COLUMN_CACHE_SIZE
    _conv._columns.entries.clear()


def test_inplace_change_of_input_is_detected() -> None:
    x = tocha.randn(1, 2, 5, 5)
    conv = nn.Conv2d(2, 2, 3)
    y = conv(x)
    x.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


@pytest.mark.parametrize(
    ("dims", "groups", "bias", "stride", "padding"),
    [(1, 1, True, 1, 1), (2, 1, True, 2, 1), (2, 2, False, 1, 0), (3, 1, True, 1, 1), (2, 4, True, 1, 2)],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv_backward_is_one_op_with_the_composite_gradients(
    dims: int, groups: int, bias: bool, stride: int, padding: int, dtype: Any
) -> None:
    """A backward that builds no graph takes all of a convolution's gradients from one ``convolution_backward``
    op; they equal the composite vjp's (the one a double backward runs) bit for bit."""

    rng = np.random.default_rng(dims * 10 + groups)
    conv = (F.conv1d, F.conv2d, F.conv3d)[dims - 1]
    x = tocha.tensor(rng.standard_normal((2, 4, *(6,) * dims)).astype(dtype), requires_grad=True)
    w = tocha.tensor(rng.standard_normal((4, 4 // groups, *(3,) * dims)).astype(dtype), requires_grad=True)
    b = tocha.tensor(rng.standard_normal(4).astype(dtype), requires_grad=True) if bias else None
    leaves = [x, w] + ([b] if b is not None else [])
    out = conv(x, w, b, stride=stride, padding=padding, groups=groups)
    g = tocha.tensor(rng.standard_normal(tuple(out.shape)).astype(dtype))
    fused = one_op_gradients(out, leaves, g, "convolution_backward")
    (only_w,) = tocha.autograd.grad(conv(x, w, b, stride=stride, padding=padding, groups=groups), w, g)
    np.testing.assert_array_equal(only_w.numpy(), fused[1].numpy())
