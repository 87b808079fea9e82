"""The chunked NumPy convolution kernels (NOTE [ Convolution kernels ] in functional/_conv.py): every path
(wide rows, exact rows with one GEMM per sample or per chunk, bias folded in or not) over several chunks,
including a partial last one, against a float64 NumPy reference and finite differences."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import product
from typing import Any

import numpy as np
import pytest
from nn_oracle import gradcheck_function

import tocha
import tocha.nn.functional as F
from tocha.nn.functional import _conv


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Chunks of two samples, so a batch of 5 runs several GEMMs and a partial last chunk."""
    monkeypatch.setattr(_conv, "_chunk", lambda n_batch, *_: min(2, n_batch))
    yield
    _conv._workspace.arrays.clear()


def _reference_conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, stride: int, pad: int, dil: int) -> Any:
    n, _c, h, wd = x.shape
    o, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh = (h + 2 * pad - dil * (kh - 1) - 1) // stride + 1
    ow = (wd + 2 * pad - dil * (kw - 1) - 1) // stride + 1
    y = np.zeros((n, o, oh, ow))
    for i, j in product(range(kh), range(kw)):
        patch = xp[
            :, :, i * dil : i * dil + stride * (oh - 1) + 1 : stride, j * dil : j * dil + stride * (ow - 1) + 1 : stride
        ]
        y += np.einsum("nchw,oc->nohw", patch, w[:, :, i, j])
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y


# (input shape, weight shape, stride, padding, dilation): rows = C_in * kH * kW against C_out picks the path
PATHS = [
    ((5, 1, 9, 8), (16, 1, 3, 3), 1, 1, 1),  # exact rows, one GEMM per sample (rows 9 < 16 outputs)
    ((5, 3, 9, 8), (4, 3, 3, 3), 1, 1, 1),  # exact rows, one GEMM per chunk (4 <= rows 27 < 32)
    ((5, 8, 10, 10), (2, 8, 3, 3), 1, 1, 1),  # wide rows (rows 72 >= 8 * 2 outputs)
    ((5, 8, 10, 10), (2, 8, 3, 3), 1, 2, 2),  # wide rows with dilation
    ((5, 3, 9, 8), (4, 3, 3, 2), 2, 1, 1),  # strided: exact rows
]


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize(("xs", "ws", "stride", "pad", "dil"), PATHS)
@pytest.mark.usefixtures("small_chunks")
def test_chunked_forward_and_grads_match_reference(
    xs: tuple[int, ...], ws: tuple[int, ...], stride: int, pad: int, dil: int, bias: bool
) -> None:
    rng = np.random.default_rng(0)
    xn = rng.standard_normal(xs).astype(np.float32)
    wn = rng.standard_normal(ws).astype(np.float32)
    bn = rng.standard_normal(ws[0]).astype(np.float32) if bias else None
    x = tocha.tensor(xn, requires_grad=True)
    w = tocha.tensor(wn, requires_grad=True)
    b = tocha.tensor(bn, requires_grad=True) if bn is not None else None
    y = F.conv2d(x, w, b, stride=stride, padding=pad, dilation=dil)
    ref = _reference_conv2d(xn.astype(np.float64), wn.astype(np.float64), bn, stride, pad, dil)
    np.testing.assert_allclose(y.detach().numpy(), ref, rtol=1e-4, atol=1e-4)
    gy = rng.standard_normal(ref.shape).astype(np.float32)
    y.backward(tocha.tensor(gy))
    # reference gradients through the linear map: <gy, conv(x, w)> differentiated by finite parts of the sum
    eye_w = np.zeros(ws)
    gw_ref = np.zeros(ws)
    for idx in np.ndindex(*ws):
        eye_w[idx] = 1.0
        gw_ref[idx] = np.sum(gy * _reference_conv2d(xn.astype(np.float64), eye_w, None, stride, pad, dil))
        eye_w[idx] = 0.0
    assert w.grad is not None
    assert x.grad is not None
    np.testing.assert_allclose(w.grad.numpy(), gw_ref, rtol=1e-4, atol=1e-3)
    gx_ref = np.zeros(xs)
    for c, i, j in product(range(xs[1]), range(xs[2]), range(xs[3])):
        probe = np.zeros((1, *xs[1:]))
        probe[0, c, i, j] = 1.0
        response = _reference_conv2d(probe, wn.astype(np.float64), None, stride, pad, dil)[0]
        gx_ref[:, c, i, j] = np.einsum("nohw,ohw->n", gy.astype(np.float64), response)
    np.testing.assert_allclose(x.grad.numpy(), gx_ref, rtol=1e-4, atol=1e-3)
    if b is not None:
        assert b.grad is not None
        np.testing.assert_allclose(b.grad.numpy(), gy.astype(np.float64).sum(axis=(0, 2, 3)), rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize(("xs", "ws", "stride", "pad", "dil"), PATHS)
@pytest.mark.usefixtures("small_chunks")
def test_chunked_gradcheck(xs: tuple[int, ...], ws: tuple[int, ...], stride: int, pad: int, dil: int) -> None:
    rng = np.random.default_rng(1)
    small = (3, xs[1], min(xs[2], 6), min(xs[3], 6))
    x = tocha.tensor(rng.standard_normal(small), requires_grad=True)
    w = tocha.tensor(rng.standard_normal(ws), requires_grad=True)
    b = tocha.tensor(rng.standard_normal(ws[0]), requires_grad=True)
    gradcheck_function(lambda a, c, d: F.conv2d(a, c, d, stride=stride, padding=pad, dilation=dil), x, w, b)


@pytest.mark.usefixtures("small_chunks")
def test_chunked_1d_3d_and_transposed_match_float64() -> None:
    # the same computation in float32 (chunked kernels) and float64 agree; 1-D, 3-D and a unit-stride
    # transposed conv (a direct conv of the flipped kernel) included
    rng = np.random.default_rng(2)
    cases: list[tuple[Any, tuple[int, ...], tuple[int, ...], dict[str, Any]]] = [
        (F.conv1d, (5, 3, 11), (4, 3, 3), {"padding": 2, "dilation": 2}),
        (F.conv3d, (5, 2, 4, 5, 4), (3, 2, 2, 3, 2), {"padding": 1}),
        (F.conv_transpose2d, (5, 4, 6, 7), (4, 3, 3, 3), {"padding": 1}),
        (F.conv_transpose1d, (5, 4, 7), (4, 2, 3), {"output_padding": 1, "dilation": 2}),
    ]
    for fn, xs, ws, kwargs in cases:
        xn, wn = rng.standard_normal(xs), rng.standard_normal(ws)
        lo = fn(tocha.tensor(xn.astype(np.float32)), tocha.tensor(wn.astype(np.float32)), **kwargs)
        hi = fn(tocha.tensor(xn), tocha.tensor(wn), **kwargs)
        np.testing.assert_allclose(lo.numpy(), hi.numpy(), rtol=1e-4, atol=1e-4)


def test_workspace_survives_alternating_shapes() -> None:
    # scratch arrays are keyed by shape: two convs of different geometry, alternating, keep their results
    rng = np.random.default_rng(3)
    x1, w1 = tocha.tensor(rng.standard_normal((4, 3, 8, 8))), tocha.tensor(rng.standard_normal((5, 3, 3, 3)))
    x2, w2 = tocha.tensor(rng.standard_normal((2, 5, 6, 6))), tocha.tensor(rng.standard_normal((7, 5, 3, 3)))
    first = (F.conv2d(x1, w1, padding=1).numpy(), F.conv2d(x2, w2, padding=1).numpy())
    for _ in range(3):
        np.testing.assert_array_equal(F.conv2d(x1, w1, padding=1).numpy(), first[0])
        np.testing.assert_array_equal(F.conv2d(x2, w2, padding=1).numpy(), first[1])
    ref = _reference_conv2d(x1.numpy(), w1.numpy(), None, 1, 1, 1)
    np.testing.assert_allclose(first[0], ref, rtol=1e-10, atol=1e-10)
