"""Reductions over many short rows (NOTE [ Short rows on NumPy ]): the gemv sum and the transposed max/min give
NumPy's results, NaNs and infinities included, and softmax over them matches its definition."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tocha
from tocha._ops import _rows

SHAPES = [(64, 3), (40, 32), (8, 8, 17), (20, 1024), (16, 2)]


def _data(shape: Any, dtype: Any, seed: int = 0) -> np.ndarray[Any, Any]:
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind in "iu":
        return rng.integers(0, 100, shape).astype(dtype)
    if np.dtype(dtype).kind == "b":
        return rng.random(shape) < 0.3
    x = rng.standard_normal(shape).astype(dtype)
    x.reshape(-1, shape[-1])[1, 0] = np.nan
    x.reshape(-1, shape[-1])[2, -1] = np.inf
    x.reshape(-1, shape[-1])[3, :] = -np.inf
    return x


def _numpy_reduction(fn: str, x: np.ndarray[Any, Any], keepdim: bool) -> Any:
    if fn != "logsumexp":
        return getattr(np, fn)(x, axis=-1, keepdims=keepdim)
    with np.errstate(invalid="ignore", divide="ignore"):
        top = np.max(x, axis=-1, keepdims=True)
        top = np.where(np.isfinite(top), top, 0.0)
        result = np.log(np.exp(x - top).sum(-1, keepdims=True)) + top
    return result if keepdim else result[..., 0]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("keepdim", [False, True])
def test_sums_over_short_rows_match_numpy(shape: Any, dtype: Any, keepdim: bool) -> None:
    x = _data(shape, dtype)
    assert _rows.row_sum(x, keepdim) is not None  # the gemv path runs
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    for fn in ("sum", "mean", "logsumexp"):
        ours = getattr(tocha.from_numpy(x), fn)(-1, keepdim=keepdim)
        expected = _numpy_reduction(fn, x.astype(np.float64), keepdim)
        assert ours.dtype == tocha.from_numpy(x).dtype
        np.testing.assert_allclose(ours.numpy(), expected, rtol=rtol, atol=rtol, err_msg=fn)


@pytest.mark.parametrize("shape", [s for s in SHAPES if s[-1] <= 32])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.uint8, np.bool_])
def test_amax_and_amin_over_short_rows_match_numpy(shape: Any, dtype: Any) -> None:
    x = _data(shape, dtype)
    assert _rows.row_extreme(x, False, largest=True) is not None  # the transposed path runs
    for keepdim in (False, True):
        ours_max = tocha.from_numpy(x).amax(-1, keepdim=keepdim).numpy()
        ours_min = tocha.from_numpy(x).amin(-1, keepdim=keepdim).numpy()
        np.testing.assert_array_equal(ours_max, np.max(x, axis=-1, keepdims=keepdim))
        np.testing.assert_array_equal(ours_min, np.min(x, axis=-1, keepdims=keepdim))


def test_short_row_paths_leave_other_layouts_to_numpy() -> None:
    x = _data((64, 8), np.float32)
    assert _rows.row_sum(x.T, False) is None  # not C-contiguous
    assert _rows.row_sum(x[:8], False) is None  # too few rows
    assert _rows.row_sum(_data((64, 8), np.int64), False) is None  # no BLAS for integers
    assert _rows.row_extreme(_data((64, 33), np.float32), False, largest=True) is None  # NumPy's SIMD wins there
    strided = tocha.from_numpy(_data((64, 16), np.float64))[:, ::2]
    np.testing.assert_array_equal(strided.amax(-1).numpy(), np.max(strided.numpy(), axis=-1))
    np.testing.assert_allclose(strided.sum(-1).numpy(), np.sum(strided.numpy(), axis=-1))


@pytest.mark.autograd
@pytest.mark.parametrize("shape", [(128, 32), (4, 16, 7)])
def test_softmax_and_its_gradients_over_short_rows(shape: Any) -> None:
    x = np.random.default_rng(1).standard_normal(shape)
    x.reshape(-1, shape[-1])[0, :3] = -np.inf  # a masked start, as attention masks
    expected = np.exp(x - x.max(-1, keepdims=True))
    expected /= expected.sum(-1, keepdims=True)
    t = tocha.from_numpy(x).requires_grad_()
    y = t.softmax(-1)
    np.testing.assert_allclose(y.detach().numpy(), expected, rtol=1e-12, atol=1e-15)
    with np.errstate(divide="ignore"):
        log_expected = np.log(expected)
    np.testing.assert_allclose(t.log_softmax(-1).detach().numpy(), log_expected, rtol=1e-12)
    g = np.random.default_rng(2).standard_normal(shape)
    (gx,) = tocha.autograd.grad(y, t, tocha.from_numpy(g))
    np.testing.assert_allclose(gx.numpy(), expected * (g - (g * expected).sum(-1, keepdims=True)), atol=1e-13)
    (gl,) = tocha.autograd.grad(t.log_softmax(-1), t, tocha.from_numpy(g))
    np.testing.assert_allclose(gl.numpy(), g - expected * g.sum(-1, keepdims=True), atol=1e-13)
