"""F.grouped_mm (NOTE [ Grouped matmul ]): the four layouts, gradients and errors, against NumPy and PyTorch."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

import tocha
import tocha.nn.functional as F

RNG = np.random.default_rng(0)


def _rand(*shape: int) -> np.ndarray[Any, Any]:
    return RNG.standard_normal(shape).astype(np.float32)


def _offs(*ends: int) -> tocha.Tensor:
    return tocha.tensor(ends, dtype=tocha.int32)


def _reference(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any], ends: list[int] | None) -> np.ndarray[Any, Any]:
    """The products group by group, in float64; zeros past the last offset."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    if ends is None:
        return a @ b
    starts = [0, *ends[:-1]]
    if a.ndim == 2 and b.ndim == 3:
        out = np.zeros((a.shape[0], b.shape[2]))
        for i, (s, e) in enumerate(zip(starts, ends, strict=True)):
            out[s:e] = a[s:e] @ b[i]
        return out
    if a.ndim == 3 and b.ndim == 2:
        out = np.zeros((a.shape[1], b.shape[1]))
        for i, (s, e) in enumerate(zip(starts, ends, strict=True)):
            out[:, s:e] = a[i] @ b[:, s:e]
        return out
    return np.stack([a[:, s:e] @ b[s:e] for s, e in zip(starts, ends, strict=True)])


LAYOUTS = [
    ("3d3d", (3, 8, 16), (3, 16, 8), None),
    ("2d3d", (16, 16), (3, 16, 8), [4, 4, 12]),  # an empty group, and 4 rows past the last offset
    ("3d2d", (3, 8, 16), (16, 24), [8, 16, 24]),
    ("2d2d", (8, 24), (24, 8), [8, 16, 24]),
]


@pytest.mark.parametrize(("name", "shape_a", "shape_b", "ends"), LAYOUTS, ids=[case[0] for case in LAYOUTS])
def test_layouts_against_numpy(name: str, shape_a: Any, shape_b: Any, ends: Any) -> None:
    a, b = _rand(*shape_a), _rand(*shape_b)
    offs = None if ends is None else _offs(*ends)
    result = F.grouped_mm(tocha.from_numpy(a), tocha.from_numpy(b), offs=offs)
    assert result.dtype is tocha.float32
    np.testing.assert_allclose(result.numpy(), _reference(a, b, ends), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(("name", "shape_a", "shape_b", "ends"), LAYOUTS, ids=[case[0] for case in LAYOUTS])
@pytest.mark.parametrize("dtype", ["bfloat16", "float16", "float32"])
def test_layouts_and_gradients_against_pytorch(name: str, shape_a: Any, shape_b: Any, ends: Any, dtype: str) -> None:
    torch = pytest.importorskip("torch")
    a, b = _rand(*shape_a), _rand(*shape_b)
    ta = torch.from_numpy(a).to(getattr(torch, dtype)).requires_grad_()
    tb = torch.from_numpy(b).to(getattr(torch, dtype)).requires_grad_()
    toffs = None if ends is None else torch.tensor(ends, dtype=torch.int32)
    theirs = torch.nn.functional.grouped_mm(ta, tb, offs=toffs)
    oa = tocha.from_numpy(a).to(getattr(tocha, dtype)).requires_grad_()
    ob = tocha.from_numpy(b).to(getattr(tocha, dtype)).requires_grad_()
    ours = F.grouped_mm(oa, ob, offs=None if ends is None else _offs(*ends))
    assert ours.dtype.name == dtype
    valid = slice(None) if name != "2d3d" else slice(0, ends[-1])  # PyTorch leaves the rest uninitialised
    np.testing.assert_allclose(
        ours.detach().float()[valid].numpy(), theirs.float()[valid].detach().numpy(), rtol=1e-2, atol=1e-2
    )
    weights = _rand(*ours.shape)
    if name == "2d3d":
        weights[ends[-1] :] = 0
    (theirs.float() * torch.from_numpy(weights)).sum().backward()
    (ours.float() * tocha.from_numpy(weights)).sum().backward()
    for mine, reference in ((oa.grad[valid], ta.grad[valid]), (ob.grad, tb.grad)):  # PyTorch's tail is garbage
        np.testing.assert_allclose(mine.float().numpy(), reference.float().numpy(), rtol=2e-2, atol=2e-2)
    if name == "2d3d":
        assert oa.grad[ends[-1] :].abs().sum().item() == 0


def test_bfloat16_products_round_once() -> None:
    a = tocha.from_numpy(_rand(12, 16)).bfloat16()
    b = tocha.from_numpy(_rand(2, 16, 8)).bfloat16()
    result = F.grouped_mm(a, b, offs=_offs(5, 12))
    exact = tocha.cat([a[:5].float() @ b[0].float(), a[5:].float() @ b[1].float()]).bfloat16()
    assert tocha.equal(result, exact)


def test_gradients_are_the_group_products() -> None:
    a = tocha.from_numpy(_rand(10, 6)).requires_grad_()
    b = tocha.from_numpy(_rand(2, 6, 3)).requires_grad_()
    out = F.grouped_mm(a, b, offs=_offs(4, 9))
    grad = tocha.from_numpy(_rand(10, 3))
    out.backward(grad)
    g, x, w = grad.numpy(), a.detach().numpy(), b.detach().numpy()
    expected_a = np.concatenate([g[:4] @ w[0].T, g[4:9] @ w[1].T, np.zeros((1, 6), np.float32)])
    expected_b = np.stack([x[:4].T @ g[:4], x[4:9].T @ g[4:9]])
    np.testing.assert_allclose(a.grad.numpy(), expected_a, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(b.grad.numpy(), expected_b, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("run", "error", "message"),
    [
        (lambda: F.grouped_mm(tocha.ones(4), tocha.ones(2, 4, 2)), RuntimeError, "mat_a has to be 2 or 3d"),
        (lambda: F.grouped_mm(tocha.ones(2, 4, 2, dtype=tocha.float64), tocha.ones(2, 2, 2, dtype=tocha.float64)),
         RuntimeError, "Expected mat_a to be Float32, BFloat16 or Float16 matrix, got Double"),
        (lambda: F.grouped_mm(tocha.ones(2, 4, 2), tocha.ones(2, 2, 2).half()), RuntimeError,
         "expected m1 and m2 to have the same dtype, but got: Float != Half"),
        (lambda: F.grouped_mm(tocha.ones(4, 2), tocha.ones(2, 2, 2)), RuntimeError, "Have to provide offsets"),
        (lambda: F.grouped_mm(tocha.ones(2, 4, 2), tocha.ones(2, 2, 2), offs=_offs(1, 2)), RuntimeError,
         "no offset if both matrices are 3d"),
        (lambda: F.grouped_mm(tocha.ones(4, 2), tocha.ones(2, 2, 2), offs=tocha.tensor([2, 4])), RuntimeError,
         "Offsets have to be int32, got Long"),
        (lambda: F.grouped_mm(tocha.ones(4, 2), tocha.ones(2, 2, 2), offs=_offs(4)), RuntimeError,
         "matrix batch sizes have to match: 1 offsets for 2 groups"),
        (lambda: F.grouped_mm(tocha.ones(4, 2), tocha.ones(2, 3, 2), offs=_offs(2, 4)), RuntimeError,
         "contraction dimension of mat_a and mat_b must match, got [4, 2] and [2, 3, 2]"),
        (lambda: F.grouped_mm(tocha.ones(2, 4, 2), tocha.ones(3, 2, 2)), RuntimeError,
         "batched dimension has to match, got 2 and 3"),
        (lambda: F.grouped_mm(tocha.ones(4, 2), tocha.ones(2, 2, 2), offs=_offs(3, 2)), RuntimeError,
         "offsets must be non-decreasing and at most the row dimension (4), got [3, 2]"),
        (lambda: F.grouped_mm(tocha.ones(4, 2), tocha.ones(2, 2, 2), offs=_offs(2, 5)), RuntimeError,
         "offsets must be non-decreasing and at most the row dimension (4), got [2, 5]"),
        (lambda: F.grouped_mm(tocha.ones(2, 4, 2), tocha.ones(2, 2, 2), bias=tocha.ones(2, 2)), RuntimeError,
         "Bias not supported yet"),
        (lambda: F.grouped_mm(tocha.ones(2, 4, 2), tocha.ones(2, 2, 2), out_dtype=tocha.bfloat16), RuntimeError,
         "Grouped gemm output dtype must match `mat_a` dtype"),
    ],
)  # fmt: skip
def test_errors(run: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=re.escape(message)):
        run()
