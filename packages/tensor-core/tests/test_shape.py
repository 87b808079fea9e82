"""Shape and view ops: results vs NumPy and PyTorch, memory sharing, strides, errors and vjps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tocha
from tocha.library import DispatchLayer, VjpContext

RNG = np.random.default_rng(0)


def arr(*shape: int, dtype: Any = np.float64) -> np.ndarray:
    return RNG.standard_normal(shape).astype(dtype) if shape else np.asarray(RNG.standard_normal(), dtype=dtype)


def T(a: np.ndarray) -> tocha.Tensor:
    return tocha.from_numpy(np.array(a))


def check(t: tocha.Tensor, expected: Any) -> None:
    expected = np.asarray(expected)
    assert tuple(t.shape) == expected.shape
    np.testing.assert_array_equal(t.numpy(), expected)


def shares(a: tocha.Tensor, b: tocha.Tensor) -> bool:
    return bool(np.shares_memory(a.numpy(), b.numpy()))


# ------------------------------------------------------------------ view / reshape


def test_view_shapes_and_sharing() -> None:
    x = tocha.arange(12)
    v = x.view(3, -1)
    check(v, np.arange(12).reshape(3, 4))
    assert v.stride() == (4, 1)
    assert v._base is x
    v[1, 1] = 100
    assert x[5].item() == 100
    assert x.view((2, 6)).shape == (2, 6)
    assert x.view(tocha.Size([4, 3])).shape == (4, 3)
    assert x.view_as(tocha.zeros(6, 2)).shape == (6, 2)
    assert tocha.zeros(()).view(1, 1).shape == (1, 1)
    assert tocha.zeros(1, 1).view(()).shape == ()
    assert tocha.zeros(0, 3).view(3, 0).shape == (3, 0)


def test_view_non_contiguous() -> None:
    base = tocha.arange(24).view(4, 6)
    x = base.narrow(1, 0, 4)  # (4, 4) strides (6, 1)
    v = x.view(4, 2, 2)
    assert v.stride() == (6, 2, 1)
    v[0, 1, 1] = -1
    assert base[0, 3].item() == -1
    with pytest.raises(RuntimeError, match=r"view size is not compatible .* Use \.reshape\(\.\.\.\) instead\."):
        x.view(16)
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        base.t().view(24)
    assert base.t().view(6, 2, 2).stride() == (1, 12, 6)


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        ((2, 5), r"shape '\[2, 5\]' is invalid for input of size 6"),
        ((-1, -1), "only one dimension can be inferred"),
        ((-1, 4), r"shape '\[-1, 4\]' is invalid for input of size 6"),
        ((-2, 3), r"invalid shape dimension -2 at index 0 of shape \[-2, 3\]"),
    ],
)
def test_view_errors(shape: tuple[int, ...], message: str) -> None:
    x = tocha.zeros(2, 3)
    with pytest.raises(RuntimeError, match=message):
        x.view(shape)
    with pytest.raises(RuntimeError, match=message):
        x.reshape(shape)


def test_view_zero_elements_ambiguous() -> None:
    with pytest.raises(RuntimeError, match="unspecified dimension size -1 can be any value and is ambiguous"):
        tocha.zeros(0, 3).view(-1, 0)
    with pytest.raises(TypeError, match="must be tuple of ints"):
        tocha.zeros(2).view(2.0)


def test_view_dtype() -> None:
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    x = tocha.from_numpy(a)
    check(x.view(tocha.int32), a.view(np.int32))
    h = x.view(tocha.float16)
    check(h, a.view(np.float16))
    assert h.shape == (2, 6)
    assert h.dtype == tocha.float16
    d = tocha.zeros(4, dtype=tocha.float32).view(tocha.float64)
    assert d.shape == (2,)
    u = tocha.tensor([0, 1, 2], dtype=tocha.uint8).view(tocha.bool)
    assert u.tolist() == [False, True, True]
    wide = x.view(tocha.int32)
    wide[0, 0] = 7
    assert x[0, 0].view(tocha.int32).item() == 7
    with pytest.raises(RuntimeError, match=r"self.stride\(-1\) must be 1 to view Float as Half"):
        x.t().view(tocha.float16)
    with pytest.raises(RuntimeError, match=r"self.dim\(\) cannot be 0 to view Float as Half"):
        tocha.zeros(()).view(tocha.float16)
    with pytest.raises(RuntimeError, match=r"self.size\(-1\) must be divisible by 2 to view Float as Double"):
        tocha.zeros(3).view(tocha.float64)


def test_reshape_view_or_copy() -> None:
    x = tocha.arange(12).view(3, 4)
    r = x.reshape(4, 3)
    assert shares(r, x)
    assert r._base is x._base
    c = x.t().reshape(12)
    assert not shares(c, x)
    assert c._base is None
    check(c, np.arange(12).reshape(3, 4).T.reshape(12))
    assert tocha.reshape(x, (-1,)).shape == (12,)
    assert x.reshape_as(tocha.zeros(2, 6)).shape == (2, 6)
    narrowed = x.narrow(0, 1, 2)  # rows 1..2 stay contiguous
    flat = narrowed.reshape(-1)
    assert shares(flat, x)
    assert flat.storage_offset() == 4


def test_flatten_unflatten_ravel() -> None:
    a = arr(2, 3, 4)
    x = T(a)
    check(x.flatten(), a.reshape(-1))
    check(tocha.flatten(x, 1), a.reshape(2, 12))
    check(x.flatten(0, 1), a.reshape(6, 4))
    assert x.flatten(1, 1) is x
    assert tocha.zeros(()).flatten().shape == (1,)
    with pytest.raises(RuntimeError, match="start_dim cannot come after end_dim"):
        x.flatten(2, 1)
    check(x.unflatten(2, (2, -1)), a.reshape(2, 3, 2, 2))
    check(x.t().unflatten(0, (2, 2)) if False else x.unflatten(-1, (4, 1)), a.reshape(2, 3, 4, 1))
    with pytest.raises(RuntimeError, match=r"Provided sizes \[2, 2\] don't multiply up to the size of dim 1 \(3\)"):
        x.unflatten(1, (2, 2))
    check(tocha.ravel(x.permute(2, 0, 1)), a.transpose(2, 0, 1).reshape(-1))
    assert shares(x.ravel(), x)


# ------------------------------------------------------------------ permute family


def test_permute_transpose() -> None:
    a = arr(2, 3, 4)
    x = T(a)
    p = x.permute(2, 0, 1)
    check(p, a.transpose(2, 0, 1))
    assert shares(p, x)
    assert p.stride() == (1, 12, 4)
    check(tocha.permute(x, (-1, 0, 1)), a.transpose(2, 0, 1))
    check(x.transpose(0, 2), a.swapaxes(0, 2))
    check(tocha.swapaxes(x, 0, 1), a.swapaxes(0, 1))
    check(x.swapdims(-1, -2), a.swapaxes(-1, -2))
    check(x.mT, a.swapaxes(-1, -2))
    check(x.T, a.transpose(2, 1, 0))
    check(tocha.movedim(x, 0, -1), np.moveaxis(a, 0, -1))
    check(x.moveaxis((0, 1), (2, 0)), np.moveaxis(a, (0, 1), (2, 0)))
    check(x.movedim((0, 1), (1, 0)), np.moveaxis(a, (0, 1), (1, 0)))
    m = T(a[0])
    check(m.t(), a[0].T)
    check(tocha.t(T(a[0, 0])), a[0, 0])
    check(m.H, a[0].T)
    check(x.mH, a.swapaxes(-1, -2))
    check(tocha.adjoint(x), a.swapaxes(-1, -2))


def test_permute_errors() -> None:
    x = tocha.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"input.dim\(\) = 2 is not equal to len\(dims\) = 1"):
        x.permute(0)
    with pytest.raises(RuntimeError, match="duplicate dims are not allowed"):
        x.permute(0, 0)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"):
        x.transpose(0, 2)
    with pytest.raises(RuntimeError, match="t\\(\\) expects a tensor with <= 2 dimensions, but self is 3D"):
        tocha.zeros(1, 2, 3).t()
    with pytest.raises(RuntimeError, match=r"tensor.mT is only supported on matrices or batches of matrices. Got 1-D"):
        tocha.zeros(3).mT
    with pytest.raises(RuntimeError, match=r"tensor.H is only supported on matrices \(2-D tensors\). Got 3-D tensor"):
        tocha.zeros(1, 2, 3).H
    with pytest.raises(RuntimeError, match="should contain the same number of dims"):
        tocha.movedim(x, (0, 1), (0,))
    with pytest.raises(RuntimeError, match="repeated dim in `source`"):
        tocha.movedim(x, (0, 0), (0, 1))


# ------------------------------------------------------------------ expand and broadcasting


def test_expand() -> None:
    a = arr(3, 1)
    x = T(a)
    e = x.expand(2, 3, 4)
    check(e, np.broadcast_to(a, (2, 3, 4)))
    assert e.stride() == (0, 1, 0)
    assert shares(e, x)
    assert x.expand(-1, 5).shape == (3, 5)
    assert x.expand(1, 3, 4).stride() == (3, 1, 0)
    assert x.expand(1, 1, 3, 1).stride() == (3, 3, 1, 1)
    check(x.expand_as(tocha.zeros(3, 2)), np.broadcast_to(a, (3, 2)))
    check(tocha.broadcast_to(x, (3, 3)), np.broadcast_to(a, (3, 3)))
    x[0, 0] = 42.0
    assert e[1, 0, 3].item() == 42.0
    with pytest.raises(RuntimeError, match=r"The expanded size of the tensor \(3\) must match the existing size \(2\)"):
        tocha.zeros(2, 3).expand(3, 3)
    with pytest.raises(RuntimeError, match=r"the number of sizes provided \(1\) must be greater or equal"):
        tocha.zeros(2, 3).expand(3)


def test_broadcast_tensors_and_shapes() -> None:
    p, q = tocha.broadcast_tensors(tocha.zeros(2, 1), tocha.ones(3))
    assert p.shape == q.shape == (2, 3)
    assert tocha.broadcast_shapes((2, 1), (3,)) == (2, 3)
    assert tocha.broadcast_shapes(2, (3, 1)) == (3, 2)
    assert tocha.broadcast_shapes() == ()
    with pytest.raises(RuntimeError, match="must match the size"):
        tocha.broadcast_shapes((2, 3), (3, 2))
    with pytest.raises(ValueError, match="negative length"):
        tocha.broadcast_shapes((-1,))


# ------------------------------------------------------------------ squeeze / unsqueeze


def test_squeeze_unsqueeze() -> None:
    a = arr(2, 1, 3, 1)
    x = T(a)
    check(x.squeeze(), a.squeeze())
    check(tocha.squeeze(x, 1), a.squeeze(1))
    check(x.squeeze(0), a)  # not size 1: unchanged
    check(x.squeeze((1, 3)), a.squeeze((1, 3)))
    check(x.squeeze(-1), a.squeeze(-1))
    assert tocha.zeros(()).squeeze(0).shape == ()
    assert shares(x.squeeze(), x)
    check(x.unsqueeze(0), a[None])
    check(tocha.unsqueeze(x, -1), a[..., None])
    assert tocha.zeros(()).unsqueeze(0).shape == (1,)
    with pytest.raises(IndexError, match="but got -6"):
        x.unsqueeze(-6)
    with pytest.raises(IndexError, match="but got 4"):
        x.squeeze(4)


# ------------------------------------------------------------------ narrow / select / diagonal


def test_narrow_select() -> None:
    a = arr(4, 5)
    x = T(a)
    n = x.narrow(1, 1, 3)
    check(n, a[:, 1:4])
    assert n.storage_offset() == 1
    assert n.stride() == (5, 1)
    check(x.narrow(0, -2, 2), a[-2:])
    check(x.narrow(1, tocha.tensor(2), 2), a[:, 2:4])
    s = x.select(1, -1)
    check(s, a[:, -1])
    assert s.storage_offset() == 4
    assert s.stride() == (5,)
    check(tocha.select(x, 0, 2), a[2])
    s[0] = 9.0
    assert x[0, 4].item() == 9.0
    assert tocha.select(tocha.zeros(3), 0, 1).shape == ()
    with pytest.raises(RuntimeError, match=r"start \(2\) \+ length \(2\) exceeds dimension size \(3\)\."):
        tocha.zeros(2, 3).narrow(1, 2, 2)
    with pytest.raises(IndexError, match=r"start out of range \(expected to be in range of \[-3, 3\], but got 4\)"):
        tocha.zeros(2, 3).narrow(1, 4, 0)
    with pytest.raises(IndexError, match=r"index 3 out of range for tensor of size \[2, 3\] at dimension 1"):
        tocha.zeros(2, 3).select(1, 3)
    with pytest.raises(IndexError, match="cannot be applied to a 0-dim tensor"):
        tocha.zeros(()).select(0, 0)


@pytest.mark.parametrize(
    ("shape", "offset", "dim1", "dim2"),
    [
        ((3, 4), 0, 0, 1),
        ((3, 4), 1, 0, 1),
        ((3, 4), -2, 0, 1),
        ((3, 4), 5, 0, 1),
        ((2, 3, 4), 1, 2, 0),
        ((2, 3, 4), -1, -1, 1),
    ],
)
def test_diagonal(shape: tuple[int, ...], offset: int, dim1: int, dim2: int) -> None:
    a = arr(*shape)
    x = T(a)
    d = x.diagonal(offset, dim1, dim2)
    check(d, np.diagonal(a, offset, dim1, dim2))
    if d.numel():
        assert shares(d, x)
        d.fill_(0.5) if hasattr(d, "fill_") else d.copy_(tocha.full(d.shape, 0.5, dtype=tocha.float64))
        assert np.all(np.diagonal(x.numpy(), offset, dim1, dim2) == 0.5)
    with pytest.raises(RuntimeError, match="diagonal dimensions cannot be identical 0, 0"):
        tocha.diagonal(x, 0, 0, 0)


def test_diag_diag_embed_triangles() -> None:
    v = arr(3)
    check(tocha.diag(T(v)), np.diag(v))
    check(tocha.diag(T(v), 1), np.diag(v, 1))
    check(tocha.diag(T(v), -2), np.diag(v, -2))
    m = arr(3, 4)
    d = tocha.diag(T(m), 1)
    check(d, np.diag(m, 1))
    assert d.is_contiguous()
    assert not shares(d, T(m))
    with pytest.raises(RuntimeError, match=r"diag\(\): Supports 1D or 2D tensors. Got 3D"):
        tocha.diag(tocha.zeros(2, 2, 2))
    b = arr(2, 3)
    e = tocha.diag_embed(T(b), 1)
    assert e.shape == (2, 4, 4)
    for i in range(2):
        np.testing.assert_array_equal(e.numpy()[i], np.diag(b[i], 1))
    e2 = tocha.diag_embed(T(b), -1, 0, 2)
    assert e2.shape == (4, 2, 4)
    np.testing.assert_array_equal(np.diagonal(e2.numpy(), -1, 0, 2), b)
    s = arr(2, 3, 4)
    check(tocha.triu(T(s)), np.triu(s))
    check(tocha.tril(T(s), -1), np.tril(s, -1))
    check(T(s).triu(2), np.triu(s, 2))
    y = T(s)
    y.tril_(1)
    check(y, np.tril(s, 1))
    with pytest.raises(RuntimeError, match="tril: input tensor must have at least 2 dimensions"):
        tocha.tril(tocha.zeros(3))


# ------------------------------------------------------------------ joins


def test_cat() -> None:
    a, b = arr(2, 3), arr(1, 3)
    check(tocha.cat([T(a), T(b)]), np.concatenate([a, b]))
    check(tocha.concat((T(a), T(a)), dim=-1), np.concatenate([a, a], -1))
    check(tocha.concatenate([T(a), T(b)], axis=0), np.concatenate([a, b]))
    mixed = tocha.cat([tocha.tensor([1, 2], dtype=tocha.int32), tocha.tensor([3], dtype=tocha.uint8)])
    assert mixed.dtype == tocha.int32
    assert mixed.tolist() == [1, 2, 3]
    promoted = tocha.cat([tocha.tensor([1, 2]), tocha.tensor([0.5])])
    assert promoted.dtype == tocha.float32
    legacy = tocha.cat([T(a), tocha.zeros(0, dtype=tocha.float64), T(b)])
    check(legacy, np.concatenate([a, b]))
    wider = tocha.cat([tocha.zeros(0, dtype=tocha.float64), tocha.zeros(2, 3, dtype=tocha.int32)])
    assert wider.dtype == tocha.float64
    assert wider.shape == (2, 3)
    assert tocha.cat([tocha.zeros(0), tocha.zeros(0)]).shape == (0,)
    out = tocha.empty(0, dtype=tocha.float64)
    tocha.cat([T(a), T(b)], out=out)
    check(out, np.concatenate([a, b]))
    c = tocha.cat([T(a).t(), T(a).t()], 1)  # non-contiguous inputs
    check(c, np.concatenate([a.T, a.T], 1))


def test_cat_errors() -> None:
    x = tocha.zeros(2, 3)
    with pytest.raises(
        RuntimeError,
        match=r"Sizes of tensors must match except in dimension 0. Expected size 3 but got size 2 for tensor number 1 in the list.",
    ):
        tocha.cat([x, tocha.zeros(3, 2)])
    with pytest.raises(RuntimeError, match="Tensors must have same number of dimensions: got 2 and 3"):
        tocha.cat([x, tocha.zeros(2, 3, 1)])
    with pytest.raises(RuntimeError, match="zero-dimensional tensor \\(at position 0\\) cannot be concatenated"):
        tocha.cat([tocha.zeros(())])
    with pytest.raises(ValueError, match="expected a non-empty list of Tensors"):
        tocha.cat([])
    with pytest.raises(TypeError, match="must be tuple of Tensors, not Tensor"):
        tocha.cat(x)  # type: ignore[arg-type]
    with pytest.raises(IndexError, match="Dimension out of range"):
        tocha.cat([x, x], dim=2)


def test_stack_family() -> None:
    a, b = arr(2, 3), arr(2, 3)
    check(tocha.stack([T(a), T(b)]), np.stack([a, b]))
    check(tocha.stack([T(a), T(b)], dim=-1), np.stack([a, b], -1))
    s = tocha.stack([tocha.zeros(2), tocha.ones(2, dtype=tocha.int64)])
    assert s.dtype == tocha.float32
    with pytest.raises(
        RuntimeError,
        match=r"stack expects each tensor to be equal size, but got \[2, 3\] at entry 0 and \[3, 2\] at entry 1",
    ):
        tocha.stack([T(a), T(a.T)])
    with pytest.raises(RuntimeError, match="stack expects a non-empty TensorList"):
        tocha.stack([])
    v, w = arr(3), arr(3)
    check(tocha.hstack([T(v), T(w)]), np.hstack([v, w]))
    check(tocha.hstack([T(a), T(b)]), np.hstack([a, b]))
    check(tocha.vstack([T(v), T(w)]), np.vstack([v, w]))
    check(tocha.row_stack([T(v), T(w)]), np.vstack([v, w]))
    check(tocha.dstack([T(v), T(w)]), np.dstack([v, w]))
    check(tocha.dstack([T(a), T(b)]), np.dstack([a, b]))
    check(
        tocha.column_stack([T(v), T(a.T), T(np.asarray(v[0]))[None].expand(3)]),
        np.column_stack([v, a.T, np.full(3, v[0])]),
    )


def test_atleast() -> None:
    s = tocha.tensor(1.0)
    assert tocha.atleast_1d(s).shape == (1,)
    assert tocha.atleast_2d(s).shape == (1, 1)
    assert tocha.atleast_3d(s).shape == (1, 1, 1)
    v = tocha.zeros(3)
    assert tocha.atleast_2d(v).shape == (1, 3)
    assert tocha.atleast_3d(v).shape == (1, 3, 1)
    assert tocha.atleast_3d(tocha.zeros(2, 3)).shape == (2, 3, 1)
    assert tocha.atleast_1d(v) is v
    pair = tocha.atleast_1d(v, s)
    assert isinstance(pair, tuple)
    assert [t.shape for t in pair] == [(3,), (1,)]
    assert [t.shape for t in tocha.atleast_2d([v, s])] == [(1, 3), (1, 1)]
    assert shares(tocha.atleast_3d(v), v)


# ------------------------------------------------------------------ splits


def test_split_chunk_unbind() -> None:
    a = arr(5, 4)
    x = T(a)
    parts = tocha.split(x, 2)
    assert [p.shape[0] for p in parts] == [2, 2, 1]
    for p, e in zip(parts, np.split(a, [2, 4])):
        check(p, e)
        assert shares(p, x)
    assert [p.shape for p in x.split([1, 3], 1)] == [(5, 1), (5, 3)]
    assert [p.shape for p in tocha.chunk(x, 3)] == [(2, 4), (2, 4), (1, 4)]
    assert [p.shape[0] for p in tocha.chunk(tocha.zeros(6), 4)] == [2, 2, 2]
    assert [p.shape[0] for p in tocha.chunk(tocha.zeros(0), 4)] == [0, 0, 0, 0]
    assert [p.shape[0] for p in tocha.split(tocha.zeros(0), 0)] == [0]
    rows = x.unbind()
    assert len(rows) == 5
    check(rows[3], a[3])
    cols = tocha.unbind(x, 1)
    check(cols[2], a[:, 2])
    assert [r.tolist() for r in tocha.tensor([[1, 2], [3, 4]])] == [[1, 2], [3, 4]]
    with pytest.raises(
        RuntimeError, match="split_size can only be 0 if dimension size is 0, but got dimension size of 3"
    ):
        tocha.split(tocha.zeros(2, 3), 0, 1)
    with pytest.raises(
        RuntimeError, match=r"split_with_sizes expects split_sizes to sum exactly to 3 .* split_sizes=\[1, 1\]"
    ):
        tocha.split(tocha.zeros(2, 3), [1, 1], 1)
    with pytest.raises(RuntimeError, match="chunk expects `chunks` to be greater than 0, got: 0"):
        tocha.chunk(x, 0)
    with pytest.raises(IndexError, match="Dimension specified as 0 but tensor has no dimensions"):
        tocha.zeros(()).unbind()
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(tocha.zeros(()))


def test_tensor_split_and_directional() -> None:
    r = np.arange(7)
    x = T(r)
    for spec in (3, [1, 5], [1, 5, 3, 10], [-2]):
        got = tocha.tensor_split(x, spec)
        expected = np.array_split(r, spec) if isinstance(spec, int) else np.split(r, spec)
        assert [g.tolist() for g in got] == [e.tolist() for e in expected]
    assert [g.tolist() for g in x.tensor_split(tocha.tensor(3))] == [[0, 1, 2], [3, 4], [5, 6]]
    assert [g.tolist() for g in x.tensor_split(tocha.tensor([2, 4]))] == [[0, 1], [2, 3], [4, 5, 6]]
    with pytest.raises(RuntimeError, match="number of sections must be larger than 0, got 0"):
        tocha.tensor_split(x, 0)
    m = arr(4, 6, 2)
    y = T(m)
    for ours, theirs, spec in [
        (tocha.hsplit, np.hsplit, 3),
        (tocha.vsplit, np.vsplit, [1, 3]),
        (tocha.dsplit, np.dsplit, 2),
    ]:
        for g, e in zip(ours(y, spec), theirs(m, spec)):
            check(g, e)
    assert [g.shape for g in tocha.hsplit(tocha.zeros(6), 2)] == [(3,), (3,)]
    with pytest.raises(RuntimeError, match="the size of the dimension 6 is not divisible by the split_size 4"):
        tocha.hsplit(y, 4)
    with pytest.raises(RuntimeError, match="vsplit requires a tensor with at least 2 dimension"):
        tocha.vsplit(tocha.zeros(3), 3)
    with pytest.raises(RuntimeError, match="dsplit requires a tensor with at least 3 dimension"):
        tocha.dsplit(tocha.zeros(2, 2), 2)


# ------------------------------------------------------------------ repeat / tile / repeat_interleave


def test_repeat_tile() -> None:
    a = arr(2, 3)
    x = T(a)
    check(x.repeat(2, 1), np.tile(a, (2, 1)))
    check(x.repeat(2, 1, 2), np.tile(a, (2, 1, 2)))
    check(tocha.tile(x, (2,)), np.tile(a, 2))
    check(x.tile(2, 2), np.tile(a, (2, 2)))
    check(x.t().repeat(1, 2), np.tile(a.T, (1, 2)))
    assert x.repeat(0, 1).shape == (0, 3)
    with pytest.raises(RuntimeError, match="Number of dimensions of repeat dims can not be smaller"):
        x.repeat(2)
    with pytest.raises(RuntimeError, match=r"negative dimension -2: \[-2, 6\]"):
        x.repeat(-1, 2)


def test_repeat_interleave() -> None:
    a = arr(2, 3)
    x = T(a)
    check(tocha.repeat_interleave(x, 2), np.repeat(a, 2))
    check(x.repeat_interleave(2, dim=1), np.repeat(a, 2, axis=1))
    check(x.repeat_interleave(tocha.tensor([1, 2]), dim=0), np.repeat(a, [1, 2], axis=0))
    check(x.repeat_interleave(tocha.tensor(2), dim=1), np.repeat(a, 2, axis=1))
    check(x.repeat_interleave(tocha.tensor([2]), dim=1), np.repeat(a, 2, axis=1))
    check(tocha.repeat_interleave(tocha.tensor([2, 0, 1])), np.array([0, 0, 2]))
    check(x.repeat_interleave(tocha.tensor([0, 2]), dim=0, output_size=2), np.repeat(a, [0, 2], axis=0))
    check(tocha.repeat_interleave(tocha.tensor(3.0), 2), np.array([3.0, 3.0], dtype=np.float32))
    with pytest.raises(RuntimeError, match="repeats must have the same size as input along dim"):
        x.repeat_interleave(tocha.tensor([1, 2, 3]), dim=0)
    with pytest.raises(RuntimeError, match="allocated size does not match required size"):
        x.repeat_interleave(tocha.tensor([1, 2]), dim=0, output_size=4)
    with pytest.raises(RuntimeError, match="Repeats must be non-negative"):
        x.repeat_interleave(-1)
    with pytest.raises(RuntimeError, match="repeats can not be negative"):
        tocha.repeat_interleave(tocha.tensor([1, -2]))
    with pytest.raises(RuntimeError, match="repeats must be 0-dim or 1-dim tensor"):
        x.repeat_interleave(tocha.tensor([[1, 2]]), dim=0)


# ------------------------------------------------------------------ flip / roll / rot90


def test_flip_roll_rot90() -> None:
    a = arr(2, 3, 4)
    x = T(a)
    f = tocha.flip(x, (0, 2))
    check(f, np.flip(a, (0, 2)))
    assert f.is_contiguous()
    assert not shares(f, x)
    check(x.flip(-1), np.flip(a, -1))
    check(x.flip(), a)
    check(tocha.fliplr(x), np.fliplr(a))
    check(tocha.flipud(x), np.flipud(a))
    check(tocha.roll(x, 1), np.roll(a, 1))
    check(tocha.roll(x, (1, -2), (0, 2)), np.roll(a, (1, -2), (0, 2)))
    check(x.roll(5, 1), np.roll(a, 5, 1))
    for k in (-1, 0, 1, 2, 3, 6):
        check(tocha.rot90(x, k), np.rot90(a, k))
        check(x.rot90(k, (2, 1)), np.rot90(a, k, (2, 1)))
    assert not shares(tocha.rot90(x, 0), x)
    with pytest.raises(RuntimeError, match="dim 0 appears multiple times in the list of dims"):
        tocha.flip(x, (0, 0))
    with pytest.raises(RuntimeError, match=r"Input must be >= 2-d."):
        tocha.fliplr(tocha.zeros(3))
    with pytest.raises(RuntimeError, match=r"Input must be >= 1-d."):
        tocha.flipud(tocha.zeros(()))
    with pytest.raises(RuntimeError, match=r"shifts and dimensions must align. shifts: 2, dims:1"):
        tocha.roll(x, (1, 2), 0)
    with pytest.raises(RuntimeError, match=r"shifts and dimensions must align. shifts: 2, dims:0"):
        tocha.roll(x, (1, 2))
    with pytest.raises(RuntimeError, match="expected rotation dims to be different"):
        tocha.rot90(x, 1, (0, 0))
    with pytest.raises(RuntimeError, match="expected total rotation dims == 2, but got dims = 1"):
        tocha.rot90(x, 1, (0,))
    with pytest.raises(RuntimeError, match="expected total dims >= 2, but got total dims = 1"):
        tocha.rot90(tocha.zeros(3))


def test_contiguous() -> None:
    x = tocha.arange(6).view(2, 3)
    assert x.contiguous() is x
    c = x.t().contiguous()
    assert c.is_contiguous()
    assert c.stride() == (2, 1)
    assert not shares(c, x)
    check(c, np.arange(6).reshape(2, 3).T)


def test_dtypes_and_empty() -> None:
    for d in (tocha.bool, tocha.uint8, tocha.int32, tocha.float16, tocha.bfloat16, tocha.complex64):
        x = tocha.zeros(2, 3, dtype=d)
        assert x.view(3, 2).dtype == d
        assert x.t().dtype == d
        assert tocha.cat([x, x]).dtype == d
        assert tocha.flip(x, (0,)).dtype == d
        assert tocha.triu(x).dtype == d
    e = tocha.zeros(0, 3)
    assert e.t().shape == (3, 0)
    assert tocha.cat([e, e], 1).shape == (0, 6)
    assert tocha.stack([e, e]).shape == (2, 0, 3)
    assert tocha.flip(e, (0,)).shape == (0, 3)
    assert e.expand(2, 0, 3).shape == (2, 0, 3)
    assert e.diagonal().shape == (0,)
    assert e.repeat(2, 2).shape == (0, 6)


def test_complex_H() -> None:
    a = (arr(2, 3) + 1j * arr(2, 3)).astype(np.complex128)
    x = T(a)
    if not hasattr(x, "conj"):
        pytest.skip("conj is not available yet")
    check(x.H, a.conj().T)
    check(x.mH, a.conj().T)


# ------------------------------------------------------------------ against PyTorch


def _prep_noncontig(m: Any, x: Any) -> Any:
    return x.transpose(0, 1)


TORCH_CASES: list[tuple[str, tuple[int, ...], Callable[[Any, Any], Any]]] = [
    ("view", (4, 6), lambda m, x: x.view(2, 2, 6)),
    ("view_nc", (6, 4), lambda m, x: x.t().view(2, 2, 6) if False else x.narrow(1, 0, 2).view(3, 2, 2)),
    ("view_t_split", (6, 4), lambda m, x: x.t().view(4, 3, 2)),
    ("reshape_copy", (6, 4), lambda m, x: x.t().reshape(-1)),
    ("reshape_view", (6, 4), lambda m, x: x.narrow(0, 1, 3).reshape(12)),
    ("flatten_nc", (6, 4), lambda m, x: x.t().flatten()),
    ("unflatten_nc", (6, 4), lambda m, x: x.t().unflatten(1, (3, 2))),
    ("permute", (2, 3, 4), lambda m, x: x.permute(1, 2, 0)),
    ("movedim", (2, 3, 4), lambda m, x: m.movedim(x, (0, 2), (2, 1))),
    ("T", (2, 3, 4), lambda m, x: x.permute(2, 1, 0)),
    ("mT", (2, 3, 4), lambda m, x: x.mT),
    ("expand", (3, 1), lambda m, x: x.expand(2, 3, 4)),
    ("expand_lead1", (3, 1), lambda m, x: x.expand(1, 1, 3, 1)),
    ("expand_nc", (3, 4), lambda m, x: x.t().unsqueeze(1).expand(4, 5, 3)),
    ("unsqueeze_nc_end", (4, 6), lambda m, x: x.narrow(1, 0, 3).unsqueeze(2)),
    ("unsqueeze_nc_mid", (4, 6), lambda m, x: x.t().unsqueeze(1)),
    ("squeeze", (2, 1, 3), lambda m, x: x.transpose(0, 2).squeeze()),
    ("narrow", (4, 5), lambda m, x: x.narrow(1, 2, 2)),
    ("select", (4, 5), lambda m, x: x.t().select(0, 3)),
    ("diagonal", (3, 4), lambda m, x: x.diagonal(1)),
    ("diagonal_neg", (3, 4), lambda m, x: x.diagonal(-2)),
    ("diagonal_3d", (2, 3, 4), lambda m, x: m.diagonal(x, 1, 2, 0)),
    ("diagonal_nc", (4, 5), lambda m, x: x.narrow(1, 1, 4).diagonal()),
    ("split_last", (5, 4), lambda m, x: m.split(x, 2)[-1]),
    ("chunk_nc", (5, 4), lambda m, x: m.chunk(x.t(), 3, 1)[1]),
    ("tensor_split", (7, 2), lambda m, x: m.tensor_split(x, [1, 5])[1]),
    ("unbind", (3, 4), lambda m, x: m.unbind(x, 1)[2]),
    ("atleast_3d", (4,), lambda m, x: m.atleast_3d(x)),
    ("cat_nc", (3, 4), lambda m, x: m.cat([x.t(), x.t()], 1)),
    ("stack", (3, 4), lambda m, x: m.stack([x, x.flip(0)], 1)),
    ("hstack", (3, 4), lambda m, x: m.hstack([x, x])),
    ("vstack", (4,), lambda m, x: m.vstack([x, x])),
    ("dstack", (3, 4), lambda m, x: m.dstack([x, x])),
    ("column_stack", (4,), lambda m, x: m.column_stack([x, x])),
    ("flip", (3, 4), lambda m, x: m.flip(x.t(), (0,))),
    ("roll", (3, 4), lambda m, x: m.roll(x, (1, -1), (0, 1))),
    ("rot90", (3, 4), lambda m, x: m.rot90(x, 1, (0, 1))),
    ("rot90_3", (3, 4), lambda m, x: m.rot90(x, 3, (1, 0))),
    ("diag", (4,), lambda m, x: m.diag(x, -1)),
    ("diag_embed", (2, 3), lambda m, x: m.diag_embed(x, 1, 0, 2)),
    ("triu", (2, 3, 4), lambda m, x: m.triu(x, -1)),
    ("tril", (3, 4), lambda m, x: m.tril(x.t(), 1)),
    ("repeat", (2, 3), lambda m, x: x.repeat(2, 1, 3)),
    ("tile", (2, 3), lambda m, x: m.tile(x, (2,))),
    ("repeat_interleave", (2, 3), lambda m, x: m.repeat_interleave(x, 2, dim=0)),
    ("contiguous", (2, 3), lambda m, x: x.t().contiguous()),
]


@pytest.mark.parametrize(("name", "shape", "fn"), TORCH_CASES, ids=[c[0] for c in TORCH_CASES])
def test_matches_torch(name: str, shape: tuple[int, ...], fn: Callable[[Any, Any], Any]) -> None:
    torch = pytest.importorskip("torch")
    a = arr(*shape)
    ours = fn(tocha, tocha.from_numpy(a.copy()))
    theirs = fn(torch, torch.from_numpy(a.copy()))
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    if theirs._base is not None:  # strides are part of the contract for views only
        assert ours.stride() == theirs.stride()
    assert ours.storage_offset() == theirs.storage_offset()
    assert ours.is_contiguous() == theirs.is_contiguous()


def test_view_sharing_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    a = arr(4, 6)
    x, y = tocha.from_numpy(a.copy()), torch.from_numpy(a.copy())
    for f in (
        lambda t: t.view(6, 4),
        lambda t: t.t(),
        lambda t: t.expand(2, 4, 6),
        lambda t: t.diagonal(),
        lambda t: t.unsqueeze(0),
        lambda t: t.narrow(0, 1, 2),
        lambda t: t.select(1, 2),
        lambda t: t.reshape(24),
        lambda t: t.t().reshape(24),
        lambda t: t.split(2)[1],
        lambda t: t.flatten(),
    ):
        assert np.shares_memory(f(x).numpy(), x.numpy()) == np.shares_memory(f(y).numpy(), y.numpy())


def test_dtype_promotion_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    kinds = ["bool", "uint8", "int8", "int32", "int64", "float16", "float32", "float64", "complex64"]
    for p in kinds:
        for q in kinds:
            ours = tocha.cat([tocha.zeros(2, dtype=getattr(tocha, p)), tocha.zeros(3, dtype=getattr(tocha, q))])
            theirs = torch.cat([torch.zeros(2, dtype=getattr(torch, p)), torch.zeros(3, dtype=getattr(torch, q))])
            assert ours.dtype.name == str(theirs.dtype).split(".")[-1]


ERROR_CASES: list[Callable[[Any], Any]] = [
    lambda m: m.zeros(2, 3).view(2, 5),
    lambda m: m.zeros(2, 3).t().view(6),
    lambda m: m.zeros(2, 3).expand(3, 3),
    lambda m: m.zeros(2, 3).permute(0, 0),
    lambda m: m.zeros(2, 3).transpose(0, 2),
    lambda m: m.zeros(2, 3, 4).t(),
    lambda m: m.zeros(2, 3).narrow(1, 2, 2),
    lambda m: m.zeros(2, 3).select(1, 3),
    lambda m: m.cat([m.zeros(2, 3), m.zeros(3, 2)]),
    lambda m: m.cat([m.zeros(())]),
    lambda m: m.stack([m.zeros(2), m.zeros(3)]),
    lambda m: m.split(m.zeros(2, 3), [1, 1], 1),
    lambda m: m.chunk(m.zeros(3), 0),
    lambda m: m.zeros(3).unflatten(0, (2, 2)),
    lambda m: m.zeros(2, 3).repeat(2),
    lambda m: m.diag(m.zeros(2, 2, 2)),
    lambda m: m.diagonal(m.zeros(2, 2), 0, 0, 0),
    lambda m: m.tril(m.zeros(3)),
    lambda m: m.roll(m.zeros(3), (1, 2), 0),
    lambda m: m.rot90(m.zeros(3, 3), 1, (0, 0)),
    lambda m: m.zeros(3).mT,
    lambda m: m.zeros(()).unbind(),
    lambda m: m.zeros(3).view(m.float64),
    lambda m: m.tensor_split(m.zeros(3), 0),
    lambda m: m.broadcast_shapes((2, 3), (3, 2)),
    lambda m: m.zeros(2, 3).unsqueeze(3),
]


@pytest.mark.parametrize("fn", ERROR_CASES)
def test_error_types_match_torch(fn: Callable[[Any], Any]) -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(Exception) as ours:
        fn(tocha)
    assert type(ours.value) is type(theirs.value), (ours.value, theirs.value)


# ------------------------------------------------------------------ vjps by finite differences


class _Record(DispatchLayer):
    def __init__(self) -> None:
        self.calls: list[Any] = []

    def handle(self, call: Any, proceed: Any) -> Any:
        self.calls.append(call)
        return proceed(call)


def _check_vjp(fn: Callable[..., tocha.Tensor], *arrays: np.ndarray, eps: float = 1e-6) -> None:
    """The recorded primitive's vjp against central differences of ``fn`` (which must make one primitive call)."""
    inputs = [tocha.from_numpy(a.copy()) for a in arrays]
    with _Record() as rec:
        result = fn(*inputs)
    primitive = [c for c in rec.calls if c.op.name not in ("to_dtype",)]
    assert len(primitive) == 1, [c.op.name for c in rec.calls]
    call = primitive[0]
    op = call.op
    tensors = [x for x in call.inputs]
    ctx = VjpContext(
        inputs=tuple(x if i in op.saves_inputs else None for i, x in enumerate(tensors)),
        result=result if op.saves_result else None,
        params=call.params,
        input_shapes=tuple(tuple(x.shape) for x in tensors),
        input_dtypes=tuple(x.dtype for x in tensors),
        needs_input_grad=tuple(True for _ in tensors),
    )
    cotangent = RNG.standard_normal(tuple(result.shape))
    grads = op.vjp(ctx, tocha.from_numpy(cotangent.copy()))
    assert len(grads) == len(tensors)
    for k, a in enumerate(arrays):
        numeric = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            plus, minus = [b.copy() for b in arrays], [b.copy() for b in arrays]
            plus[k][idx] += eps
            minus[k][idx] -= eps
            fp = fn(*[tocha.from_numpy(b) for b in plus]).numpy()
            fm = fn(*[tocha.from_numpy(b) for b in minus]).numpy()
            numeric[idx] = np.sum((fp - fm) * cotangent) / (2 * eps)
        g = grads[k]
        assert g is not None
        assert tuple(g.shape) == a.shape
        np.testing.assert_allclose(g.numpy(), numeric, rtol=1e-6, atol=1e-8)


REPEATS = tocha.tensor([2, 0, 1])

VJP_CASES: list[tuple[str, Callable[..., Any], list[tuple[int, ...]]]] = [
    ("view", lambda x: x.view(3, 4), [(4, 3)]),
    ("reshape_copy", lambda x: x.reshape(12), [(4, 3)]),
    ("permute", lambda x: x.permute(2, 0, 1), [(2, 3, 4)]),
    ("expand", lambda x: x.expand(2, 3, 4), [(3, 1)]),
    ("squeeze", lambda x: x.squeeze(), [(2, 1, 3)]),
    ("unsqueeze", lambda x: x.unsqueeze(1), [(2, 3)]),
    ("narrow", lambda x: x.narrow(1, 1, 2), [(3, 4)]),
    ("select", lambda x: x.select(0, 2), [(3, 4)]),
    ("diagonal", lambda x: x.diagonal(1, 1, 2), [(2, 3, 4)]),
    ("diag_embed", lambda x: tocha.diag_embed(x, -1), [(2, 3)]),
    ("cat", lambda x, y: tocha.cat([x, y], 1), [(2, 3), (2, 2)]),
    ("cat3", lambda x, y, z: tocha.cat([x, y, z]), [(1, 2), (2, 2), (3, 2)]),
    ("stack", lambda x, y: tocha.stack([x, y], 2), [(2, 3), (2, 3)]),
    ("flip", lambda x: tocha.flip(x, (0, 1)), [(2, 3)]),
    ("roll", lambda x: tocha.roll(x, (1, 2), (0, 1)), [(2, 3)]),
    ("roll_flat", lambda x: tocha.roll(x, 4), [(2, 3)]),
    ("repeat", lambda x: x.repeat(2, 1, 3), [(2, 3)]),
    ("repeat_interleave_int", lambda x: x.repeat_interleave(3, dim=1), [(2, 3)]),
    ("repeat_interleave_tensor", lambda x: x.repeat_interleave(REPEATS, dim=1), [(2, 3)]),
    ("triu", lambda x: tocha.triu(x, 1), [(3, 4)]),
    ("tril", lambda x: tocha.tril(x, -1), [(2, 3, 3)]),
]


@pytest.mark.parametrize(("name", "fn", "shapes"), VJP_CASES, ids=[c[0] for c in VJP_CASES])
def test_vjp(name: str, fn: Callable[..., Any], shapes: list[tuple[int, ...]]) -> None:
    _check_vjp(fn, *[arr(*s) for s in shapes])


def test_backward_ops_vjps() -> None:
    # The helper primitives the vjps use are differentiable too (double backward).
    from tocha._ops import shape

    x = arr(2, 3)
    _check_vjp(lambda g: tocha.library.call(shape.SLICE_BACKWARD, g.device, (g,), ((2, 5), 1, 1, 3)), x)
    _check_vjp(lambda g: tocha.library.call(shape.SELECT_BACKWARD, g.device, (g,), ((2, 4, 3), 1, 2)), x)
    _check_vjp(lambda g: tocha.library.call(shape.DIAGONAL_BACKWARD, g.device, (g,), ((3, 4, 2), 0, 0, 2)), arr(4, 2))
    _check_vjp(lambda g: tocha.library.call(shape.CONTIGUOUS, g.device, (g,), ()), x)
    from tocha._ops import shape_join

    _check_vjp(lambda g: tocha.library.call(shape_join.SEGMENT_SUM, g.device, (g,), ((2, 1, 0, 3), 1)), arr(2, 6))


def test_op_records_declare_views() -> None:
    ops = tocha.library.registered_ops()
    for name in ("view", "permute", "expand", "squeeze", "unsqueeze", "narrow", "select", "diagonal", "view_dtype"):
        assert ops[name].view is True
    for name in ("reshape", "contiguous"):
        assert ops[name].view == "maybe"
    for name in ("cat", "stack", "flip", "roll", "repeat", "triu", "tril", "diag_embed", "repeat_interleave"):
        assert ops[name].view is False
        assert ops[name].test is not None


@pytest.mark.autograd
def test_inplace_layout_methods_change_self_and_bump_the_version() -> None:
    x = tocha.arange(6).reshape(2, 3)
    version = x._version_counter
    assert x.t_() is x
    assert x.shape == (3, 2)
    assert x.stride() == (1, 3)
    assert x._version_counter == version + 1
    assert x.tolist() == [[0, 3], [1, 4], [2, 5]]
    y = tocha.zeros(2, 1, 3)
    assert y.squeeze_().shape == (2, 3)
    assert y.unsqueeze_(0).shape == (1, 2, 3)
    assert y.transpose_(0, 2).shape == (3, 2, 1)
    assert not y.is_contiguous()
    assert y.swapdims_(0, 2).shape == (1, 2, 3)
    assert y.swapaxes_(1, 2).shape == (1, 3, 2)
    leaf = tocha.zeros(2, 3)
    leaf.requires_grad_()
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        leaf.t_()


def test_inplace_layout_methods_against_torch() -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = tocha.arange(24).reshape(2, 1, 3, 4), torch.arange(24).reshape(2, 1, 3, 4)
    for name, args in [("squeeze_", (1,)), ("transpose_", (0, 2)), ("unsqueeze_", (-1,)), ("swapdims_", (1, 3))]:
        getattr(ours, name)(*args)
        getattr(theirs, name)(*args)
        assert tuple(ours.shape) == tuple(theirs.shape)
        assert ours.stride() == theirs.stride()
        assert ours.tolist() == theirs.tolist()


# ------------------------------------------------------------------ 0-dim inputs to axis ops


ZERO_DIM_ALIASES: list[tuple[str, Callable[[Any], Any]]] = [
    ("transpose(0, -1)", lambda x: x.transpose(0, -1)),
    ("transpose(-1, -1)", lambda x: x.transpose(-1, -1)),
    ("swapdims(0, 0)", lambda x: x.swapdims(0, 0)),
    ("swapaxes(-1, 0)", lambda x: x.swapaxes(-1, 0)),
    ("movedim(0, 0)", lambda x: x.movedim(0, 0)),
    ("movedim(-1, 0)", lambda x: x.movedim(-1, 0)),
    ("movedim((0,), (-1,))", lambda x: x.movedim((0,), (-1,))),
    ("moveaxis(0, 0)", lambda x: x.moveaxis(0, 0)),
    ("t()", lambda x: x.t()),
    ("squeeze(0)", lambda x: x.squeeze(0)),
    ("squeeze()", lambda x: x.squeeze()),
]


@pytest.mark.parametrize(("name", "fn"), ZERO_DIM_ALIASES, ids=[n for n, _ in ZERO_DIM_ALIASES])
def test_zero_dim_axis_ops_return_an_alias(name: str, fn: Callable[[Any], Any]) -> None:
    x = tocha.tensor(2.0)
    y = fn(x)
    assert y.shape == ()
    assert y.item() == 2.0
    assert shares(x, y)
    y.copy_(tocha.tensor(5.0))  # a view: writes reach the input
    assert x.item() == 5.0


def test_zero_dim_flip_is_a_copy_and_inplace_transposes_keep_the_tensor() -> None:
    x = tocha.tensor(2.0)
    for dims in (0, -1, (0,), ()):
        y = x.flip(dims)
        assert y.shape == ()
        assert y.item() == 2.0
        assert not shares(x, y)
    for name in ("transpose_", "swapdims_", "swapaxes_"):
        z = tocha.tensor(3.0)
        assert getattr(z, name)(0, -1) is z
        assert z.shape == ()
        assert z.item() == 3.0
    with pytest.raises(IndexError, match=r"flip\(\): Dimension out of range \(expected to be in range of \[-1, 0\], "):
        x.flip(1)
    with pytest.raises(RuntimeError, match=r"dim 0 appears multiple times"):
        x.flip((0, -1))
    with pytest.raises(IndexError, match=r"transpose\(\): Dimension out of range .* but got 1\)"):
        x.transpose(0, 1)
    with pytest.raises(IndexError, match=r"movedim\(\): Dimension out of range .* but got 1\)"):
        x.movedim(1, 0)


def test_zero_dim_roll_repeat_interleave_unflatten_errors() -> None:
    x = tocha.tensor(2.0)
    assert x.roll(1).item() == 2.0  # dims=None flattens
    for dims in (0, -1, 3):
        with pytest.raises(IndexError, match=rf"roll\(\): Dimension specified as {dims} but tensor has no dimensions"):
            x.roll(1, dims)
    check(x.repeat_interleave(2), [2.0, 2.0])  # dim=None flattens
    for dim in (0, -1):
        with pytest.raises(
            IndexError, match=r"Dimension out of range \(expected to be in range of \[-1, 0\], but got 1\)"
        ):
            x.repeat_interleave(2, dim)
        with pytest.raises(IndexError, match=rf"Dimension specified as {dim} but tensor has no dimensions"):
            x.repeat_interleave(tocha.tensor([2]), dim)
    with pytest.raises(IndexError, match=r"but got 5\)"):
        x.repeat_interleave(2, 5)
    with pytest.raises(RuntimeError, match="unflatten got an unexpected error:\nDimension specified as 0 but tensor"):
        x.unflatten(0, (1,))


def test_zero_dim_mT_mH_are_deprecated_identities() -> None:
    x = tocha.tensor(2.0 + 1.0j)
    with pytest.warns(UserWarning, match=r"Tensor.mT is deprecated on 0-D tensors"):
        y = x.mT
    assert y.item() == 2.0 + 1.0j
    assert shares(x, y)
    with pytest.warns(UserWarning, match=r"Tensor.mH is deprecated on 0-D tensors"):
        assert x.mH.item() == 2.0 - 1.0j
    with pytest.raises(
        RuntimeError, match=r"tensor\.mT is only supported on matrices or batches of matrices\. Got 1-D"
    ):
        tocha.zeros(2).mT


ZERO_DIM_CASES: list[tuple[str, Callable[[Any, Any], Any]]] = [
    ("transpose(0,-1)", lambda m, x: x.transpose(0, -1)),
    ("transpose(0,1)", lambda m, x: x.transpose(0, 1)),
    ("swapdims(0,0)", lambda m, x: x.swapdims(0, 0)),
    ("transpose_(0,0)", lambda m, x: x.clone().transpose_(0, 0)),
    ("movedim(0,0)", lambda m, x: x.movedim(0, 0)),
    ("movedim((),())", lambda m, x: x.movedim((), ())),
    ("flip(0)", lambda m, x: x.flip(0)),
    ("flip(-1)", lambda m, x: x.flip(-1)),
    ("flip(())", lambda m, x: x.flip(())),
    ("diagonal()", lambda m, x: x.diagonal()),
    ("narrow(0,0,1)", lambda m, x: x.narrow(0, 0, 1)),
    ("select(0,0)", lambda m, x: x.select(0, 0)),
    ("unsqueeze(0)", lambda m, x: x.unsqueeze(0)),
    ("unsqueeze(-1)", lambda m, x: x.unsqueeze(-1)),
    ("unsqueeze(1)", lambda m, x: x.unsqueeze(1)),
    ("squeeze()", lambda m, x: x.squeeze()),
    ("squeeze(-1)", lambda m, x: x.squeeze(-1)),
    ("squeeze(1)", lambda m, x: x.squeeze(1)),
    ("roll(1)", lambda m, x: x.roll(1)),
    ("roll(1,0)", lambda m, x: x.roll(1, 0)),
    ("rot90()", lambda m, x: x.rot90()),
    ("repeat_interleave(2)", lambda m, x: x.repeat_interleave(2)),
    ("repeat_interleave(2,0)", lambda m, x: x.repeat_interleave(2, 0)),
    ("repeat_interleave(t,0)", lambda m, x: x.repeat_interleave(m.tensor([2]), 0)),
    ("cat([x,x])", lambda m, x: m.cat([x, x])),
    ("cat([x,1d])", lambda m, x: m.cat([x, m.tensor([1.0])])),
    ("stack([x,x])", lambda m, x: m.stack([x, x])),
    ("stack([x,x],-1)", lambda m, x: m.stack([x, x], -1)),
    ("stack([x,x],1)", lambda m, x: m.stack([x, x], 1)),
    ("hstack", lambda m, x: m.hstack([x, x])),
    ("vstack", lambda m, x: m.vstack([x, x])),
    ("dstack", lambda m, x: m.dstack([x, x])),
    ("unbind(0)", lambda m, x: x.unbind(0)),
    ("flatten()", lambda m, x: x.flatten()),
    ("unflatten(0,(1,))", lambda m, x: x.unflatten(0, (1,))),
    ("expand(2)", lambda m, x: x.expand(2)),
    ("permute(())", lambda m, x: x.permute(())),
    ("tile(2)", lambda m, x: x.tile(2)),
]


@pytest.mark.parametrize(("name", "fn"), ZERO_DIM_CASES, ids=[n for n, _ in ZERO_DIM_CASES])
def test_zero_dim_axis_ops_match_torch(name: str, fn: Callable[[Any, Any], Any]) -> None:
    torch = pytest.importorskip("torch")

    def run(module: Any) -> Any:
        try:
            result = fn(module, module.tensor(2.0))
        except Exception as error:  # the exception type is what we compare
            return type(error)
        if isinstance(result, tuple):
            return [(tuple(r.shape), r.tolist()) for r in result]
        return (tuple(result.shape), result.tolist())

    assert run(tocha) == run(torch)


def test_join_ops_out_go_through_the_shared_copy_to_out() -> None:
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    for fn in (
        lambda out: tocha.cat([T(a), T(a)], out=out),
        lambda out: tocha.stack([T(a), T(a)], out=out),
        lambda out: tocha.triu(T(a), out=out),
        lambda out: tocha.tril(T(a), out=out),
        lambda out: tocha.diag(T(a), out=out),
    ):
        out = tocha.empty(7, dtype=tocha.float64)  # resized to the result's shape
        assert fn(out) is out
        check(out, fn(None).numpy())
        with pytest.raises(RuntimeError, match="result type Double can't be cast to the desired output type Long"):
            fn(tocha.empty(0, dtype=tocha.int64))
        with pytest.raises(TypeError, match="argument 'out' must be Tensor, not list"):
            fn([])
    check(tocha.triu(T(a), out=tocha.empty(2, 2, dtype=tocha.complex128)), np.triu(a).astype(np.complex128))


def test_segment_sum_adds_runs_by_hand() -> None:
    from tocha._ops import shape_join

    g = T(np.array([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]]))
    summed = tocha.library.call(shape_join.SEGMENT_SUM, g.device, (g,), ((2, 1, 0, 3), 1))
    check(summed, [[3.0, 3.0, 0.0, 15.0]])
