"""F.pad (constant/reflect/replicate/circular, negative pads) and the padding layers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from nn_oracle import assert_close_to_torch, compare_with_torch, gradcheck_function, to_torch, torch_or_skip

import tocha
import tocha.nn as nn
import tocha.nn.functional as F
from tocha.autograd import gradgradcheck

# (input shape, pad, mode)
PAD_CASES: list[tuple[tuple[int, ...], tuple[int, ...], str]] = [
    ((2, 3, 4), (1, 2), "constant"),
    ((2, 3, 4), (1, 2, -1, 1), "constant"),
    ((2, 3, 4, 5), (0, -2, 2, 0, 1, 1, 0, 1), "constant"),
    ((5,), (-1, 3), "constant"),
    ((2, 3, 4), (1, 3), "reflect"),
    ((3, 4), (3, 2), "reflect"),
    ((2, 3, 4, 5), (1, 2, 3, 1), "reflect"),
    ((2, 3, 4, 5), (-1, 2, 3, -1), "reflect"),
    ((1, 2, 3, 4, 5), (1, 2, 2, 1, 1, 2), "reflect"),
    ((2, 3, 4), (5, 1), "replicate"),
    ((3, 4, 5), (1, 2, 3, 4), "replicate"),
    ((2, 1, 3, 4, 5), (1, 2, 0, 1, 2, -1), "replicate"),
    ((2, 3, 4), (4, 2), "circular"),
    ((2, 3, 4, 5), (1, 5, 3, -1), "circular"),
    ((2, 3, 2, 4), (1, 1, 2, 1, 1, 2), "circular"),
]


def _numpy_pad(x: np.ndarray, pad: tuple[int, ...], mode: str, value: float = 0.0) -> np.ndarray:
    """Reference: np.pad by the positive pads and crop by the negative ones (circular crops first, as PyTorch)."""
    widths = [(0, 0)] * x.ndim
    crops = [slice(None)] * x.ndim
    for i in range(len(pad) // 2):
        dim = x.ndim - 1 - i
        lo, hi = pad[2 * i], pad[2 * i + 1]
        widths[dim] = (max(lo, 0), max(hi, 0))
        crops[dim] = slice(max(-lo, 0), x.shape[dim] - max(-hi, 0))
    if mode == "circular":
        return np.pad(x[tuple(crops)], widths, mode="wrap")
    np_mode = {"constant": "constant", "reflect": "reflect", "replicate": "edge"}[mode]
    kwargs = {"constant_values": value} if mode == "constant" else {}
    padded = np.pad(x, widths, mode=np_mode, **kwargs)
    for dim, c in enumerate(crops):
        if c != slice(None):
            index = [slice(None)] * x.ndim
            index[dim] = slice(c.start, padded.shape[dim] - (x.shape[dim] - c.stop))
            padded = padded[tuple(index)]
    return padded


def _make(shape: tuple[int, ...], seed: int = 0) -> tocha.Tensor:
    return tocha.from_numpy(np.random.default_rng(seed).standard_normal(shape))


@pytest.mark.parametrize("case", PAD_CASES, ids=lambda c: f"{c[2]}-{c[0]}-{c[1]}")
def test_pad_matches_numpy(case: Any) -> None:
    shape, pad, mode = case
    x = _make(shape)
    np.testing.assert_array_equal(F.pad(x, pad, mode=mode).numpy(), _numpy_pad(x.numpy(), pad, mode))


@pytest.mark.parametrize("case", PAD_CASES, ids=lambda c: f"{c[2]}-{c[0]}-{c[1]}")
def test_pad_gradcheck(case: Any) -> None:
    shape, pad, mode = case
    x = _make(shape)
    gradcheck_function(lambda t: F.pad(t, pad, mode=mode), x)
    assert gradgradcheck(lambda t: F.pad(t, pad, mode=mode), (x.detach().requires_grad_(True),))


def test_constant_value_and_dtypes() -> None:
    x = tocha.ones(2, 2)
    np.testing.assert_array_equal(F.pad(x, (1, 0), value=3.5).numpy(), [[3.5, 1, 1], [3.5, 1, 1]])
    ints = F.pad(tocha.tensor([[1, 2]]), (1, 1), value=2.7)
    assert ints.dtype == tocha.int64
    assert ints.tolist() == [[2, 1, 2, 2]]
    assert F.pad(tocha.ones(3, dtype=tocha.float32), (1, 1)).dtype == tocha.float32
    assert F.pad(tocha.ones(2, 4), (-2, -2)).shape == (2, 0)


def test_pad_errors() -> None:
    x = tocha.randn(2, 3, 4, 5)
    with pytest.raises(RuntimeError, match="Padding length must be divisible by 2"):
        F.pad(x, (1, 2, 3))
    with pytest.raises(
        RuntimeError, match="Padding length should be less than or equal to two times the input dimension"
    ):
        F.pad(x, (1, 2) * 5)
    with pytest.raises(NotImplementedError, match=r"Padding size 2 is not supported for 4D input tensor\."):
        F.pad(x, (1, 1), mode="reflect")
    with pytest.raises(NotImplementedError, match="Unrecognised padding mode foo"):
        F.pad(x, (1, 1), mode="foo")
    with pytest.raises(RuntimeError, match='Padding mode "reflect" doesn\'t take in value argument'):
        F.pad(x, (1, 1, 1, 1), mode="reflect", value=1.0)
    with pytest.raises(
        RuntimeError,
        match=r"Padding size should be less than the corresponding input dimension, but got: padding \(5, 5\) at dimension 3 of input \[2, 3, 4, 5\]",
    ):
        F.pad(x, (5, 5, 1, 1), mode="reflect")
    with pytest.raises(RuntimeError, match=r"Padding value causes wrapping around more than once\."):
        F.pad(x, (6, 6, 1, 1), mode="circular")
    with pytest.raises(RuntimeError, match="negative size"):
        F.pad(tocha.randn(3, 2, 4), (-3, -3))


@pytest.mark.parametrize(
    ("cls", "padding", "shape", "expected_repr"),
    [
        ("ZeroPad1d", 2, (2, 3, 4), "ZeroPad1d((2, 2))"),
        ("ZeroPad2d", (1, 0, -1, 2), (2, 3, 4), "ZeroPad2d((1, 0, -1, 2))"),
        ("ZeroPad3d", 1, (1, 2, 2, 3, 2), "ZeroPad3d((1, 1, 1, 1, 1, 1))"),
        ("ReflectionPad1d", (1, 2), (2, 3, 4), "ReflectionPad1d((1, 2))"),
        ("ReflectionPad2d", 1, (3, 4, 5), "ReflectionPad2d((1, 1, 1, 1))"),
        ("ReflectionPad3d", 1, (1, 2, 2, 3, 2), "ReflectionPad3d((1, 1, 1, 1, 1, 1))"),
        ("ReplicationPad1d", (3, 0), (2, 4), "ReplicationPad1d((3, 0))"),
        ("ReplicationPad2d", 2, (1, 2, 3, 4), "ReplicationPad2d((2, 2, 2, 2))"),
        ("ReplicationPad3d", (1, 0, 0, 1, 2, 0), (2, 2, 3, 2), "ReplicationPad3d((1, 0, 0, 1, 2, 0))"),
        ("CircularPad1d", 2, (2, 3, 4), "CircularPad1d((2, 2))"),
        ("CircularPad2d", (1, 2, 0, 1), (2, 3, 4), "CircularPad2d((1, 2, 0, 1))"),
        ("CircularPad3d", 1, (1, 2, 2, 3, 2), "CircularPad3d((1, 1, 1, 1, 1, 1))"),
    ],
)
def test_padding_layers(cls: str, padding: Any, shape: tuple[int, ...], expected_repr: str) -> None:
    layer = getattr(nn, cls)(padding)
    assert repr(layer) == expected_repr
    mode = {"Zero": "constant", "Refl": "reflect", "Repl": "replicate", "Circ": "circular"}[cls[:4]]
    x = _make(shape)
    np.testing.assert_array_equal(layer(x).numpy(), F.pad(x, layer.padding, mode=mode).numpy())
    gradcheck_function(layer, x)


def test_constant_pad_layers() -> None:
    assert repr(nn.ConstantPad1d((1, 2), 3.5)) == "ConstantPad1d(padding=(1, 2), value=3.5)"
    assert repr(nn.ConstantPad3d(1, 2)) == "ConstantPad3d(padding=(1, 1, 1, 1, 1, 1), value=2)"
    out = nn.ConstantPad2d((1, 0, 0, 1), -1.0)(tocha.ones(1, 1, 1))
    assert out.tolist() == [[[-1.0, 1.0], [-1.0, -1.0]]]
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.CircularPad1d(1)(tocha.ones(1, 1, 1, 1))


# ------------------------------------------------------------------------------------------- torch oracle


@pytest.mark.parametrize("case", PAD_CASES, ids=lambda c: f"{c[2]}-{c[0]}-{c[1]}")
def test_pad_against_torch(case: Any) -> None:
    torch = torch_or_skip()
    shape, pad, mode = case
    x = _make(shape).requires_grad_(True)
    tx = to_torch(x)
    ours, theirs = F.pad(x, pad, mode=mode), torch.nn.functional.pad(tx, pad, mode=mode)
    assert_close_to_torch(ours, theirs, what="output")
    g = np.random.default_rng(1).standard_normal(tuple(theirs.shape))
    (ours * tocha.from_numpy(g)).sum().backward()
    (theirs * torch.from_numpy(g)).sum().backward()
    assert_close_to_torch(x.grad, tx.grad, what="grad")


def test_padding_layers_against_torch() -> None:
    torch = torch_or_skip()
    for name, arg, shape in [
        ("ZeroPad2d", (1, 2, -1, 0), (2, 3, 4, 5)),
        ("ConstantPad1d", None, (2, 3, 4)),
        ("ReflectionPad2d", (1, 2, 3, 1), (2, 3, 4, 5)),
        ("ReplicationPad3d", 2, (1, 2, 3, 4, 2)),
        ("CircularPad2d", (1, 5, 2, 0), (1, 2, 3, 5)),
    ]:
        if arg is None:
            ours, theirs = nn.ConstantPad1d((2, 1), 0.5), torch.nn.ConstantPad1d((2, 1), 0.5)
        else:
            ours, theirs = getattr(nn, name)(arg), getattr(torch.nn, name)(arg)
        assert repr(ours) == repr(theirs)
        compare_with_torch(ours, theirs, tocha.randn(*shape))


def test_pad_error_messages_match_torch() -> None:
    torch = torch_or_skip()
    for shape, pad, mode in [
        ((2, 3, 4, 5), (1, 2, 3), "constant"),
        ((2, 3, 4, 5), (1, 1), "reflect"),
        ((2, 3, 4, 5), (5, 5, 1, 1), "reflect"),
        ((2, 3, 4, 5), (6, 6, 1, 1), "circular"),
    ]:
        with pytest.raises((RuntimeError, NotImplementedError)) as theirs:
            torch.nn.functional.pad(torch.randn(*shape), pad, mode=mode)
        with pytest.raises((RuntimeError, NotImplementedError)) as ours:
            F.pad(tocha.randn(*shape), pad, mode=mode)
        assert type(ours.value) is type(theirs.value)
        assert str(ours.value) == str(theirs.value)
