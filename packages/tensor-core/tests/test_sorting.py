"""Sorting and searching: sort, argsort, msort, topk, kthvalue, unique, unique_consecutive, searchsorted,
bucketize, histc, histogram, bincount.

Hand-checked values and NumPy references run everywhere; PyTorch comparisons skip without torch; gradients
(gradcheck / gradgradcheck in float64) need tocha-autograd (marker ``autograd``).
"""

from __future__ import annotations

import numpy as np
import pytest

import tocha

NAN = float("nan")


def _t(array):
    return tocha.from_numpy(np.ascontiguousarray(array))


def _torch(torch, x):
    return torch.from_numpy(np.ascontiguousarray(np.asarray(x)))


def _same(ours, theirs):
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple)
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs, strict=True):
            _same(a, b)
        return
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch."), (ours.dtype, theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(np.asarray(ours), theirs.numpy(), rtol=1e-6, equal_nan=True)


# ------------------------------------------------------------------ sort family


def test_sort_values_nan_and_stability():
    x = tocha.tensor([3.0, NAN, 1.0, 3.0, NAN, -0.0, 0.0])
    values, indices = tocha.sort(x)
    assert indices.tolist() == [5, 6, 2, 0, 3, 1, 4]
    assert np.isnan(np.asarray(values)[-2:]).all()
    down = x.sort(descending=True, stable=True)
    assert down.indices.tolist() == [1, 4, 0, 3, 2, 5, 6]
    assert repr(down).startswith("tocha.return_types.sort(")
    ints = tocha.tensor([[2, 1, 2, 1], [0, 0, 0, 0]])
    assert tocha.argsort(ints, descending=True, stable=True).tolist() == [[0, 2, 1, 3], [0, 1, 2, 3]]
    assert tocha.argsort(ints, dim=0).tolist() == [[1, 1, 1, 1], [0, 0, 0, 0]]
    assert tocha.msort(tocha.tensor([[2, 1], [0, 3]])).tolist() == [[0, 1], [2, 3]]
    assert tocha.sort(tocha.tensor([True, False, True])).indices.tolist() == [1, 0, 2]
    scalar = tocha.sort(tocha.tensor(3.0))
    assert scalar.values.item() == 3.0
    assert scalar.indices.item() == 0
    assert tocha.sort(tocha.zeros(2, 0), dim=1).indices.shape == (2, 0)


def test_sort_matches_numpy_on_noncontiguous_input():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 6))
    view = _t(a).t()
    values, indices = view.sort(dim=0)
    np.testing.assert_array_equal(np.asarray(values), np.sort(a.T, axis=0, kind="stable"))
    np.testing.assert_array_equal(np.asarray(indices), np.argsort(a.T, axis=0, kind="stable"))


def test_topk_and_kthvalue():
    x = tocha.tensor([1.0, 5.0, 3.0, 4.0])
    assert tocha.topk(x, 2).indices.tolist() == [1, 3]
    assert x.topk(2, largest=False).values.tolist() == [1.0, 3.0]
    assert tocha.topk(x, 0).values.shape == (0,)
    assert tocha.topk(tocha.tensor([1.0, NAN, 2.0]), 1).indices.tolist() == [1]  # NaN is the largest
    ties = tocha.topk(tocha.tensor([1.0, 2.0, 2.0, 1.0, 2.0]), 2)  # earliest among equal values
    assert ties.values.tolist() == [2.0, 2.0]
    assert ties.indices.tolist() == [1, 2]
    m = tocha.tensor([[4.0, 1.0, 3.0], [2.0, 6.0, 5.0]])
    k = tocha.kthvalue(m, 2, dim=1)
    assert k.values.tolist() == [3.0, 5.0]
    assert k.indices.tolist() == [2, 2]
    kept = m.kthvalue(1, 0, keepdim=True)
    assert kept.values.tolist() == [[2.0, 1.0, 3.0]]
    assert kept.indices.tolist() == [[1, 0, 0]]
    assert tocha.kthvalue(tocha.tensor([1.0, NAN, 2.0]), 3).indices.item() == 1
    assert tocha.kthvalue(tocha.tensor(3.0), 1).values.item() == 3.0


def test_sort_family_errors():
    with pytest.raises(RuntimeError, match="Sort does not support complex"):
        tocha.sort(tocha.tensor([1 + 1j]))
    with pytest.raises(RuntimeError, match="selected index k out of range"):
        tocha.topk(tocha.ones(3), 4)
    with pytest.raises(RuntimeError, match="selected index k out of range"):
        tocha.topk(tocha.ones(3), -1)
    with pytest.raises(RuntimeError, match="topk does not support complex"):
        tocha.topk(tocha.tensor([1j]), 1)
    with pytest.raises(RuntimeError, match=r"kthvalue\(\): selected number k out of range for dimension 0"):
        tocha.kthvalue(tocha.ones(3), 0)
    with pytest.raises(IndexError, match="Dimension out of range"):
        tocha.sort(tocha.ones(2), 1)


# ------------------------------------------------------------------ unique


def test_unique_values():
    x = tocha.tensor([2, 1, 2, 3])
    assert tocha.unique(x).tolist() == [1, 2, 3]
    assert tocha.unique(x, sorted=False).tolist() == [1, 2, 3]
    values, inverse, counts = tocha.unique(x, return_inverse=True, return_counts=True)
    assert inverse.tolist() == [1, 0, 1, 2]
    assert counts.tolist() == [1, 2, 1]
    nans = tocha.unique(tocha.tensor([2.0, NAN, 1.0, NAN]), return_inverse=True, return_counts=True)
    assert nans[1].tolist() == [1, 2, 0, 3]
    assert nans[2].tolist() == [1, 1, 1, 1]
    rows = tocha.tensor([[1, 2], [1, 2], [0, 5]])
    values, inverse, counts = rows.unique(dim=0, return_inverse=True, return_counts=True)
    assert values.tolist() == [[0, 5], [1, 2]]
    assert inverse.tolist() == [1, 1, 0]
    assert counts.tolist() == [1, 2]
    assert tocha.unique(rows, return_inverse=True)[1].tolist() == [[1, 2], [1, 2], [0, 3]]
    scalar = tocha.unique(tocha.tensor(3), return_inverse=True)
    assert scalar[0].tolist() == [3]
    assert scalar[1].shape == ()
    empty = tocha.unique(tocha.zeros(0, 2), dim=0, return_inverse=True, return_counts=True)
    assert empty[0].shape == (0, 2)
    assert empty[1].shape == (0,)
    with pytest.raises(RuntimeError, match="There are 0 sized dimensions"):
        tocha.unique(tocha.zeros(2, 0), dim=0)
    consecutive = tocha.unique_consecutive(tocha.tensor([1, 1, 2, 2, 1]), return_inverse=True, return_counts=True)
    assert [t.tolist() for t in consecutive] == [[1, 2, 1], [0, 0, 1, 1, 2], [2, 2, 1]]
    assert tocha.unique_consecutive(rows, dim=0, return_counts=True)[1].tolist() == [2, 1]


def test_unique_matches_numpy():
    rng = np.random.default_rng(1)
    a = rng.integers(0, 4, size=(6, 3))
    values, inverse, counts = np.unique(a, return_inverse=True, return_counts=True)
    ours = tocha.unique(_t(a), return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(np.asarray(ours[0]), values)
    np.testing.assert_array_equal(np.asarray(ours[1]), inverse.reshape(a.shape))
    np.testing.assert_array_equal(np.asarray(ours[2]), counts)
    values, inverse, counts = np.unique(a, axis=0, return_inverse=True, return_counts=True)
    ours = tocha.unique(_t(a), dim=0, return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(np.asarray(ours[0]), values)
    np.testing.assert_array_equal(np.asarray(ours[1]), inverse.reshape(-1))
    np.testing.assert_array_equal(np.asarray(ours[2]), counts)


# ------------------------------------------------------------------ searchsorted / bucketize


def test_searchsorted_and_bucketize():
    seq = tocha.tensor([1.0, 2.0, 2.0, 3.0])
    assert tocha.searchsorted(seq, tocha.tensor([2.0, 0.0, 5.0, NAN])).tolist() == [1, 0, 4, 4]
    assert tocha.searchsorted(seq, tocha.tensor([2.0, 0.0, 5.0]), right=True).tolist() == [3, 0, 4]
    assert tocha.searchsorted(seq, tocha.tensor([2.0]), side="right").tolist() == [3]
    scalar = tocha.searchsorted(seq, 2, out_int32=True)
    assert scalar.shape == ()
    assert scalar.item() == 1
    assert scalar.dtype is tocha.int32
    assert tocha.searchsorted(tocha.tensor([1, 2]), tocha.tensor([1.5])).tolist() == [1]  # promoted
    batched = tocha.searchsorted(
        tocha.tensor([[1.0, 2.0], [3.0, 4.0]]), tocha.tensor([[2.0, 0.0, 1.0], [3.0, 5.0, 0.0]])
    )
    assert batched.tolist() == [[1, 0, 0], [0, 2, 0]]
    nan_rows = tocha.searchsorted(tocha.tensor([[1.0, NAN]]), tocha.tensor([[NAN, 2.0]]), right=True)
    assert nan_rows.tolist() == [[2, 1]]
    sorter = tocha.tensor([1, 2, 0])
    assert tocha.searchsorted(tocha.tensor([3.0, 1.0, 2.0]), tocha.tensor([2.0]), sorter=sorter).tolist() == [1]
    assert tocha.bucketize(tocha.tensor([2.0, 0.0, 5.0]), seq).tolist() == [1, 0, 4]
    assert tocha.bucketize(tocha.tensor([2.0, 0.0, 5.0]), seq, right=True).tolist() == [3, 0, 4]
    assert tocha.bucketize(3, seq).item() == 3
    with pytest.raises(RuntimeError, match="side and right can't be set to opposites"):
        tocha.searchsorted(seq, tocha.tensor([2.0]), side="left", right=True)
    with pytest.raises(RuntimeError, match="side can only be 'left' or 'right' but got foo"):
        tocha.searchsorted(seq, tocha.tensor([2.0]), side="foo")
    with pytest.raises(RuntimeError, match=r"boundaries tensor \[2, 2\] and input value tensor \[1, 3\]"):
        tocha.searchsorted(tocha.ones(2, 2), tocha.ones(1, 3))
    with pytest.raises(RuntimeError, match="sorter must be a tensor of long dtype but got dtype Int"):
        tocha.searchsorted(seq, tocha.ones(1), sorter=tocha.tensor([0, 1, 2, 3], dtype=tocha.int32))
    with pytest.raises(RuntimeError, match="boundary and sorter must have the same size"):
        tocha.searchsorted(seq, tocha.ones(1), sorter=tocha.tensor([0]))
    with pytest.raises(RuntimeError, match=r"boundaries tensor must be 1 dimension, but got dim\(2\)"):
        tocha.bucketize(tocha.ones(2), tocha.ones(1, 1))


def test_searchsorted_matches_numpy_batched():
    rng = np.random.default_rng(2)
    seq = np.sort(rng.standard_normal((3, 7)), axis=-1)
    values = rng.standard_normal((3, 5))
    for side in ("left", "right"):
        expected = np.stack([np.searchsorted(seq[i], values[i], side=side) for i in range(3)])
        found = tocha.searchsorted(_t(seq), _t(values), side=side)
        np.testing.assert_array_equal(np.asarray(found), expected)


# ------------------------------------------------------------------ histc / histogram / bincount


def test_histc_histogram_bincount_values():
    x = tocha.tensor([1.0, 2.0, 1.0, 4.0])
    assert tocha.histc(x, bins=4, min=0, max=3).tolist() == [0.0, 2.0, 1.0, 0.0]
    assert x.histc(bins=4).tolist() == [2.0, 1.0, 0.0, 1.0]
    assert tocha.histc(tocha.tensor([1.0, 1.0]), bins=4).tolist() == [0.0, 0.0, 2.0, 0.0]
    assert tocha.histc(tocha.tensor([1.0, 2.0]).half(), bins=2).dtype is tocha.float16
    hist, edges = tocha.histogram(x, bins=4)
    assert hist.tolist() == [2.0, 1.0, 0.0, 1.0]
    assert edges.tolist() == [1.0, 1.75, 2.5, 3.25, 4.0]
    hist, edges = x.histogram(tocha.tensor([0.0, 1.5, 5.0]))
    assert hist.tolist() == [2.0, 2.0]
    weighted = tocha.histogram(x, 2, range=(0.0, 2.0), weight=tocha.tensor([1.0, 2.0, 3.0, 4.0]), density=True)
    assert weighted.hist.tolist() == [0.0, 1.0]
    assert weighted.bin_edges.tolist() == [0.0, 1.0, 2.0]
    assert repr(weighted).startswith("tocha.return_types.histogram(")
    assert tocha.histogram(tocha.tensor([1.0, 1.0]), bins=2).bin_edges.tolist() == [0.5, 1.0, 1.5]
    assert tocha.histogram(x).hist.shape == (100,)  # PyTorch's default bins
    assert x.histogram().bin_edges.shape == (101,)
    assert tocha.bincount(tocha.tensor([1, 1, 3])).tolist() == [0, 2, 0, 1]
    assert tocha.tensor([1, 1, 3]).bincount(minlength=6).tolist() == [0, 2, 0, 1, 0, 0]
    weights32 = tocha.bincount(tocha.tensor([1, 1, 3]), tocha.tensor([0.5, 1.0, 2.0]))
    assert weights32.tolist() == [0.0, 1.5, 0.0, 2.0]
    assert weights32.dtype is tocha.float32
    assert tocha.bincount(tocha.tensor([0, 1]), tocha.tensor([1, 2])).dtype is tocha.float64
    assert tocha.bincount(tocha.tensor([], dtype=tocha.int64)).shape == (0,)


def test_histc_matches_numpy():
    rng = np.random.default_rng(3)
    a = rng.standard_normal(200)
    expected = np.histogram(a, bins=7, range=(-1.0, 2.0))[0]
    np.testing.assert_array_equal(np.asarray(tocha.histc(_t(a), 7, -1.0, 2.0)), expected)
    expected, edges = np.histogram(a, bins=9)
    hist, ours = tocha.histogram(_t(a), 9)
    np.testing.assert_array_equal(np.asarray(hist), expected)
    np.testing.assert_allclose(np.asarray(ours), edges)


def test_counting_errors():
    with pytest.raises(NotImplementedError, match="\"histogram_cpu\" not implemented for 'Long'"):
        tocha.histc(tocha.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="max must be larger than min"):
        tocha.histc(tocha.tensor([1.0]), bins=2, min=3, max=1)
    with pytest.raises(RuntimeError, match="bins must be > 0, but got 0"):
        tocha.histc(tocha.tensor([1.0]), bins=0)
    with pytest.raises(RuntimeError, match="is not finite"):
        tocha.histc(tocha.tensor([1.0, NAN]), bins=2)
    with pytest.raises(RuntimeError, match="min should not exceed max"):
        tocha.histogram(tocha.tensor([1.0]), 2, range=(3.0, 1.0))
    with pytest.raises(RuntimeError, match="input tensor and bins tensors should have the same dtype"):
        tocha.histogram(tocha.tensor([1.0]), tocha.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="bincount only supports 1-d non-negative integral inputs"):
        tocha.bincount(tocha.tensor([1, -1]))
    with pytest.raises(RuntimeError, match="bincount only supports 1-d non-negative integral inputs"):
        tocha.bincount(tocha.tensor([[1]]))
    with pytest.raises(NotImplementedError, match="\"bincount_cpu\" not implemented for 'Float'"):
        tocha.bincount(tocha.tensor([1.0]))
    with pytest.raises(RuntimeError, match="minlength should be >= 0"):
        tocha.bincount(tocha.tensor([1]), minlength=-1)
    with pytest.raises(RuntimeError, match="weights should be 1-d and have the same length as input"):
        tocha.bincount(tocha.tensor([1, 2]), tocha.tensor([1.0]))


# ------------------------------------------------------------------ PyTorch


def test_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    a = rng.standard_normal((5, 6)).astype(np.float32)
    a[1, 2] = a[3, 4] = np.nan
    ta = _torch(torch, a)
    for dim in (0, 1, -1):
        for descending in (False, True):
            ours = tocha.sort(_t(a), dim, descending, stable=True)
            _same(tuple(ours), tuple(torch.sort(ta, dim=dim, descending=descending, stable=True)))
    ints = rng.integers(0, 3, size=(4, 7))
    _same(tocha.argsort(_t(ints), stable=True), torch.argsort(_torch(torch, ints), stable=True))
    distinct = rng.permutation(30).reshape(5, 6).astype(np.float64)
    for largest in (True, False):
        ours = tocha.topk(_t(distinct), 3, dim=0, largest=largest)
        _same(tuple(ours), tuple(torch.topk(_torch(torch, distinct), 3, dim=0, largest=largest)))
    _same(tuple(tocha.kthvalue(_t(distinct), 4, 1, True)), tuple(torch.kthvalue(_torch(torch, distinct), 4, 1, True)))
    _same(tocha.msort(_t(a)), torch.msort(ta))
    for kwargs in ({}, {"return_inverse": True}, {"return_counts": True, "dim": 1}, {"return_inverse": True, "dim": 0}):
        _same(tocha.unique(_t(ints), **kwargs), torch.unique(_torch(torch, ints), **kwargs))
        _same(tocha.unique_consecutive(_t(ints), **kwargs), torch.unique_consecutive(_torch(torch, ints), **kwargs))
    _same(tocha.unique(_t(a), return_counts=True), torch.unique(ta, return_counts=True))
    seq = np.sort(rng.standard_normal((5, 8)), axis=-1)
    values = rng.standard_normal((5, 3))
    values[0, 0] = np.nan
    for right in (False, True):
        _same(
            tocha.searchsorted(_t(seq), _t(values), right=right),
            torch.searchsorted(_torch(torch, seq), _torch(torch, values), right=right),
        )
        _same(
            tocha.bucketize(_t(values), _t(seq[0]), right=right, out_int32=True),
            torch.bucketize(_torch(torch, values), _torch(torch, seq[0]), right=right, out_int32=True),
        )
    data = rng.standard_normal(300).astype(np.float32)
    _same(tocha.histc(_t(data), 13), torch.histc(_torch(torch, data), 13))
    _same(tocha.histc(_t(data), 5, -1, 1), torch.histc(_torch(torch, data), 5, -1, 1))
    weight = rng.random(300).astype(np.float32)
    for bins in (7, _t(np.array([-2.0, -0.5, 0.0, 3.0], np.float32))):
        their_bins = bins if isinstance(bins, int) else _torch(torch, bins)
        ours = tocha.histogram(_t(data), bins, weight=_t(weight), density=True)
        theirs = torch.histogram(_torch(torch, data), their_bins, weight=_torch(torch, weight), density=True)
        _same(tuple(ours), tuple(theirs))
    counts = rng.integers(0, 9, size=40)
    _same(tocha.bincount(_t(counts), minlength=12), torch.bincount(_torch(torch, counts), minlength=12))
    w = rng.random(40)
    _same(tocha.bincount(_t(counts), _t(w)), torch.bincount(_torch(torch, counts), _torch(torch, w)))


# ------------------------------------------------------------------ gradients (tocha-autograd)


@pytest.mark.autograd
def test_sort_topk_kthvalue_gradients():
    from tocha.autograd import gradcheck, gradgradcheck

    rng = np.random.default_rng(5)
    x = _t(rng.standard_normal((3, 5))).requires_grad_()
    functions = [
        lambda t: tocha.sort(t, 1).values,
        lambda t: tocha.sort(t, 0, descending=True).values,
        lambda t: tocha.topk(t, 2).values,
        lambda t: tocha.topk(t, 2, dim=0, largest=False).values,
        lambda t: tocha.kthvalue(t, 3).values,
        lambda t: tocha.kthvalue(t, 2, 0, keepdim=True).values,
        lambda t: tocha.msort(t),
    ]
    for fn in functions:
        assert gradcheck(fn, (x,))
        assert gradgradcheck(fn, (x,))
    x.sort(1).values.sum().backward()
    assert x.grad.tolist() == [[1.0] * 5] * 3


@pytest.mark.parametrize("dtype", [tocha.float16, tocha.bfloat16])
def test_half_precision_orders_like_float32(dtype):
    x = tocha.tensor([3.0, NAN, 1.0, float("inf"), -float("inf"), 3.0])
    y = x.to(dtype)
    for descending in (False, True):
        assert tocha.sort(y, descending=descending).indices.tolist() == x.sort(descending=descending).indices.tolist()
    assert tocha.topk(y, 2).indices.tolist() == [1, 3]
    assert tocha.unique(y, return_counts=True)[1].tolist() == [1, 1, 2, 1, 1]
    seq = tocha.tensor([[1.0, 2.0]]).to(dtype)
    assert tocha.searchsorted(seq, tocha.tensor([[NAN, 1.5]]).to(dtype)).tolist() == [[2, 1]]
