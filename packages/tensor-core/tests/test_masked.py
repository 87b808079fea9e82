"""tocha.masked (NOTE [ Masked reductions ]): values against NumPy and PyTorch, gradients, errors."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

import tocha

RNG = np.random.default_rng(0)
VALUES = RNG.standard_normal((3, 4, 5)).astype(np.float32)
MASK = RNG.random((3, 4, 5)) < 0.6
MASK[1, 2] = False  # one slice along the last dim with nothing selected
MASK[2, :, 3] = False  # and one along dim 1


def _masked(values: np.ndarray[Any, Any], mask: np.ndarray[Any, Any]) -> np.ma.MaskedArray[Any, Any]:
    return np.ma.masked_array(values.astype(np.float64), mask=~mask)


def _ours(name: str, *args: Any, **kwargs: Any) -> np.ndarray[Any, Any]:
    x, m = tocha.from_numpy(VALUES), tocha.from_numpy(MASK)
    return getattr(tocha.masked, name)(x, *args, mask=m, **kwargs).numpy()  # type: ignore[no-any-return]


@pytest.mark.parametrize("dim", [2, 1, (0, 2), None])
def test_reductions_against_numpy(dim: Any) -> None:
    axis = dim if dim is None or isinstance(dim, int) else tuple(dim)
    data = _masked(VALUES, MASK)
    empty = ~MASK.any(axis=axis)
    np.testing.assert_allclose(_ours("sum", dim), np.ma.filled(data.sum(axis=axis), 0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_ours("prod", dim), np.ma.filled(data.prod(axis=axis), 1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_ours("amax", dim), np.ma.filled(data.max(axis=axis), -np.inf), rtol=1e-6)
    np.testing.assert_allclose(_ours("amin", dim), np.ma.filled(data.min(axis=axis), np.inf), rtol=1e-6)
    mean = np.ma.filled(data.mean(axis=axis), np.nan)
    np.testing.assert_allclose(_ours("mean", dim), mean, rtol=1e-5, atol=1e-6)
    variance = np.where(MASK.sum(axis=axis) > 1, np.ma.filled(data.var(axis=axis, ddof=1), np.nan), np.nan)
    np.testing.assert_allclose(_ours("var", dim), variance, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(_ours("std", dim, unbiased=False), np.ma.filled(data.std(axis=axis), np.nan), rtol=1e-4)
    with np.errstate(divide="ignore"):
        logsumexp = np.log(np.ma.filled(np.exp(data).sum(axis=axis), 0))
    np.testing.assert_allclose(_ours("logsumexp", dim), logsumexp, rtol=1e-5, atol=1e-6)
    norm = np.sqrt(np.ma.filled((data**2).sum(axis=axis), 0))
    np.testing.assert_allclose(_ours("norm", 2.0, dim), norm, rtol=1e-5, atol=1e-6)
    assert np.isnan(_ours("mean", dim)[empty]).all()


def test_index_median_and_scans_against_numpy() -> None:
    data = _masked(VALUES, MASK)
    for dim in (2, 0):
        filled = data.filled(-np.inf)
        np.testing.assert_array_equal(_ours("argmax", dim), filled.argmax(axis=dim))
        np.testing.assert_array_equal(_ours("argmin", dim), data.filled(np.inf).argmin(axis=dim))
        ordered = np.sort(data.filled(np.inf), axis=dim)
        count = MASK.sum(axis=dim, keepdims=True)
        lower = np.take_along_axis(ordered, np.maximum(count - 1, 0) // 2, axis=dim)
        expected = np.where(count > 0, lower, np.nan).squeeze(dim)
        np.testing.assert_allclose(_ours("median", dim), expected, rtol=1e-6)
        np.testing.assert_allclose(_ours("cumsum", dim), np.cumsum(data.filled(0), axis=dim), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(_ours("cumprod", dim), np.cumprod(data.filled(1), axis=dim), rtol=1e-5, atol=1e-6)
        exp = np.exp(data - data.max(axis=dim, keepdims=True)).filled(0)
        with np.errstate(invalid="ignore"):
            softmax = exp / exp.sum(axis=dim, keepdims=True)
        softmax[~MASK.any(axis=dim, keepdims=True).repeat(VALUES.shape[dim], axis=dim)] = np.nan
        np.testing.assert_allclose(_ours("softmax", dim), softmax, rtol=1e-5, atol=1e-6)
        assert _ours("argmax", dim).dtype == np.int64


@pytest.mark.autograd
def test_gradients_reach_selected_elements_only() -> None:
    x = tocha.from_numpy(VALUES.copy()).requires_grad_()
    mask = tocha.from_numpy(MASK)
    (tocha.masked.sum(x, 2, mask=mask) * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 2.0 * MASK)
    x.grad = None
    tocha.masked.amax(x, 2, mask=mask).sum().backward()
    selected = np.where(MASK, VALUES, -np.inf)
    winners = (selected == selected.max(axis=2, keepdims=True)) & MASK
    np.testing.assert_array_equal(x.grad.numpy(), winners.astype(np.float32))
    x.grad = None
    tocha.masked.softmax(x, 2, mask=mask)[0].sum().backward()
    assert (x.grad.numpy()[~MASK] == 0).all()


def test_options_and_errors() -> None:
    x = tocha.tensor([[1, 2, 3]])
    with pytest.raises(ValueError, match=re.escape("mean(): Could not infer output dtype. Input dtype must be")):
        tocha.masked.mean(x, 1, mask=tocha.tensor([[True, True, False]]))
    assert tocha.masked.mean(x, 1, dtype=tocha.float64, mask=tocha.tensor([[True, True, False]])).item() == 1.5
    assert tocha.masked.amax(x, 1, mask=tocha.tensor([[False, False, False]])).item() == -(2**63)
    assert tocha.masked.sum(x, 1, mask=tocha.tensor([1, 0, 1])).tolist() == [4]  # broadcast, read as bool
    assert tocha.masked.sum(x).item() == 6
    assert tocha.masked.sum(x, 1, keepdim=True).shape == (1, 1)
    assert tocha.masked.median(tocha.tensor([[1, 7, 3, 2]]), 1, mask=tocha.tensor([[1, 0, 1, 1]])).tolist() == [2]
    y = tocha.tensor([0.0, 1.0])
    both = tocha.masked.logaddexp(y, y, input_mask=tocha.tensor([True, False]), other_mask=tocha.tensor([True, False]))
    assert both[0].item() == pytest.approx(math.log(2.0))
    assert both[1].item() == -math.inf
    assert tocha.masked.norm(tocha.tensor([3.0, 1.0]), -math.inf, 0, mask=tocha.tensor([True, False])).item() == 3.0


def test_module_is_lazy() -> None:
    code = "import sys, tocha\nassert 'tocha.masked' not in sys.modules\ntocha.masked.sum(tocha.ones(2))\n"
    subprocess.run([sys.executable, "-c", code], check=True)


CASES = [
    ("sum", (1,), {}), ("sum", ((0, 2),), {"keepdim": True}), ("prod", (2,), {}), ("amax", (1,), {}),
    ("amin", (2,), {}), ("mean", (2,), {}), ("mean", (None,), {}), ("var", (2,), {}),
    ("var", (1,), {"correction": 0}), ("std", (2,), {"unbiased": False}), ("logsumexp", (2,), {}),
    ("norm", (2.0, 2), {}), ("norm", (1.0, (0, 1)), {}), ("norm", (-1.0, 2), {}), ("norm", (math.inf, 2), {}),
    ("norm", (-math.inf, 2), {}), ("norm", (0.0, 2), {}), ("normalize", (2.0, 2), {}), ("softmax", (2,), {}),
    ("log_softmax", (1,), {}), ("softmin", (2,), {}), ("cumsum", (2,), {}), ("cumprod", (1,), {}),
    ("median", (2,), {}), ("median", (0,), {}), ("argmax", (2,), {}), ("argmin", (1,), {}),
]  # fmt: skip


@pytest.mark.parametrize(("name", "args", "kwargs"), CASES, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(CASES)])
def test_against_pytorch(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    x, m = torch.from_numpy(VALUES), torch.from_numpy(MASK)
    theirs = getattr(torch.masked, name)(x, *args, mask=m, **kwargs)
    ours = getattr(tocha.masked, name)(tocha.from_numpy(VALUES), *args, mask=tocha.from_numpy(MASK), **kwargs)
    if name in ("argmax", "argmin"):  # PyTorch returns them in the input's float dtype
        assert ours.dtype is tocha.int64
        theirs = theirs.long()
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6, equal_nan=True)
