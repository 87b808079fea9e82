"""The gather/scatter family: gather, scatter(+reduce), scatter_add, scatter_reduce, index_add/copy/fill/reduce,
take_along_dim, put, masked_scatter, argwhere and their in-place forms.

Hand-checked values and NumPy references run everywhere; PyTorch comparisons skip without torch; gradients
(gradcheck / gradgradcheck in float64) need tocha-autograd (marker ``autograd``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tocha

REDUCES = ("sum", "prod", "mean", "amax", "amin")


def _rng(seed=0):
    return np.random.default_rng(seed)


def _t(array):
    return tocha.from_numpy(np.ascontiguousarray(array))


def _torch(torch, x):
    return torch.from_numpy(np.ascontiguousarray(np.asarray(x)))


def _same(ours, theirs):
    ours_np = np.asarray(ours)
    theirs_np = theirs.numpy()
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch."), (ours.dtype, theirs.dtype)
    assert ours_np.shape == theirs_np.shape
    np.testing.assert_allclose(ours_np, theirs_np, rtol=1e-6, atol=1e-6, equal_nan=True)


# ------------------------------------------------------------------ hand-checked values


def test_gather_values():
    x = tocha.tensor([[1, 2, 3], [4, 5, 6]])
    assert tocha.gather(x, 1, tocha.tensor([[2, 0], [1, 1]])).tolist() == [[3, 1], [5, 5]]
    assert tocha.gather(x, 0, tocha.tensor([[1, 0, 1]])).tolist() == [[4, 2, 6]]
    assert x.gather(-1, tocha.tensor([[0], [2]], dtype=tocha.int32)).tolist() == [[1], [6]]
    assert tocha.gather(tocha.tensor(3.0), 0, tocha.tensor([0, 0])).tolist() == [3.0, 3.0]
    assert tocha.gather(x, 1, tocha.zeros(2, 0, dtype=tocha.int64)).shape == (2, 0)


def test_scatter_values_and_forms():
    x = tocha.zeros(2, 3)
    index = tocha.tensor([[2, 0], [1, 2]])
    src = tocha.tensor([[1.0, 2.0, 9.0], [3.0, 4.0, 9.0]])
    assert tocha.scatter(x, 1, index, src).tolist() == [[2.0, 0.0, 1.0], [0.0, 3.0, 4.0]]
    assert x.scatter(1, index, 5.0).tolist() == [[5.0, 0.0, 5.0], [0.0, 5.0, 5.0]]
    assert x.scatter(1, index, value=7).tolist() == [[7.0, 0.0, 7.0], [0.0, 7.0, 7.0]]
    dup = tocha.tensor([[0, 0]])
    ones = tocha.ones(1, 3)
    assert ones.scatter(1, dup, tocha.tensor([[2.0, 3.0]]), reduce="add").tolist() == [[6.0, 1.0, 1.0]]
    assert ones.scatter(1, dup, tocha.tensor([[2.0, 3.0]]), reduce="multiply").tolist() == [[6.0, 1.0, 1.0]]
    assert ones.scatter(1, dup, 2.0, reduce="multiply").tolist() == [[4.0, 1.0, 1.0]]
    assert x.tolist() == [[0.0] * 3] * 2  # out of place


def test_scatter_add_and_reduce_values():
    src = tocha.tensor([1.0, 2.0, 3.0, 4.0])
    index = tocha.tensor([0, 1, 0, 1])
    base = tocha.tensor([10.0, 20.0, 30.0])
    assert tocha.scatter_add(base, 0, index, src).tolist() == [14.0, 26.0, 30.0]
    expected = {
        ("sum", True): [14.0, 26.0, 30.0],
        ("sum", False): [4.0, 6.0, 30.0],
        ("prod", True): [30.0, 160.0, 30.0],
        ("prod", False): [3.0, 8.0, 30.0],
        ("mean", True): [14.0 / 3, 26.0 / 3, 30.0],
        ("mean", False): [2.0, 3.0, 30.0],
        ("amax", True): [10.0, 20.0, 30.0],
        ("amax", False): [3.0, 4.0, 30.0],
        ("amin", True): [1.0, 2.0, 30.0],
        ("amin", False): [1.0, 2.0, 30.0],
    }
    for (reduce, include_self), values in expected.items():
        found = tocha.scatter_reduce(base, 0, index, src, reduce, include_self=include_self)
        np.testing.assert_allclose(np.asarray(found), values, err_msg=f"{reduce} {include_self}")
    ints = tocha.tensor([1, 2, 3]).scatter_reduce(0, tocha.tensor([0, 0, 1]), tocha.tensor([4, 5, 7]), "mean")
    assert ints.tolist() == [3, 4, 3]  # integer mean rounds down
    nan = tocha.tensor([1.0, 2.0]).scatter_reduce(0, tocha.tensor([0, 0]), tocha.tensor([float("nan"), 5.0]), "amax")
    assert np.isnan(nan[0].item())
    assert nan[1].item() == 2.0


def test_index_ops_values():
    x = tocha.zeros(3, 2)
    index = tocha.tensor([0, 2, 0])
    source = tocha.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    assert tocha.index_add(x, 0, index, source).tolist() == [[6.0, 8.0], [0.0, 0.0], [3.0, 4.0]]
    assert x.index_add(0, index, source, alpha=-1).tolist() == [[-6.0, -8.0], [0.0, 0.0], [-3.0, -4.0]]
    assert tocha.tensor([1, 2]).index_add(0, tocha.tensor([0]), tocha.tensor([1]), alpha=2.5).tolist() == [3, 2]
    copied = tocha.index_copy(x, 0, tocha.tensor([2, 0]), source[:2])
    assert copied.tolist() == [[3.0, 4.0], [0.0, 0.0], [1.0, 2.0]]
    assert tocha.index_fill(x, 1, tocha.tensor([1]), -1.0).tolist() == [[0.0, -1.0]] * 3
    assert x.index_fill(0, tocha.tensor(2), tocha.tensor(4.0)).tolist() == [[0.0, 0.0], [0.0, 0.0], [4.0, 4.0]]
    base = tocha.tensor([1.0, 2.0, 3.0])
    src = tocha.tensor([4.0, 5.0, 6.0])
    idx = tocha.tensor([0, 0, 2])
    assert tocha.index_reduce(base, 0, idx, src, "prod").tolist() == [20.0, 2.0, 18.0]
    assert tocha.index_reduce(base, 0, idx, src, "mean", include_self=False).tolist() == [4.5, 2.0, 6.0]
    assert tocha.index_reduce(base, 0, idx, src, "amax").tolist() == [5.0, 2.0, 6.0]
    assert tocha.index_reduce(base, 0, idx, src, "amin", include_self=False).tolist() == [4.0, 2.0, 6.0]
    ints = tocha.tensor([1, 2, 3]).index_reduce(0, tocha.tensor([0, 0]), tocha.tensor([4, 5]), "mean")
    assert ints.tolist() == [3, 2, 3]


def test_take_along_dim_put_masked_scatter_argwhere():
    x = tocha.tensor([[10, 30, 20], [60, 40, 50]])
    assert tocha.take_along_dim(x, tocha.tensor([[0], [1]]), 1).tolist() == [[10], [40]]
    assert tocha.take_along_dim(x, tocha.tensor([[0, 2]]), 1).tolist() == [[10, 20], [60, 50]]  # broadcast
    assert tocha.take_along_dim(x, tocha.tensor([5, 0])).tolist() == [50, 10]
    assert x.take_along_dim(tocha.sort(x, dim=1).indices, dim=1).tolist() == [[10, 20, 30], [40, 50, 60]]
    z = tocha.zeros(2, 2)
    assert tocha.put(z, tocha.tensor([0, -1]), tocha.tensor([1.0, 2.0])).tolist() == [[1.0, 0.0], [0.0, 2.0]]
    acc = z.put(tocha.tensor([0, 0, 3]), tocha.tensor([1.0, 2.0, 3.0]), accumulate=True)
    assert acc.tolist() == [[3.0, 0.0], [0.0, 3.0]]
    mask = tocha.tensor([[True, False], [True, True]])
    assert tocha.masked_scatter(z, mask, tocha.arange(5.0)).tolist() == [[0.0, 0.0], [1.0, 2.0]]
    assert tocha.masked_scatter(tocha.zeros(2), mask, tocha.arange(5.0)).tolist() == [[0.0, 0.0], [1.0, 2.0]]
    assert tocha.argwhere(tocha.tensor([[0, 1], [2, 0]])).tolist() == [[0, 1], [1, 0]]
    assert tocha.argwhere(tocha.tensor(3)).shape == (1, 0)
    assert x.argwhere().shape == (6, 2)


def test_inplace_forms_write_into_self_and_bump_version():
    cases = [
        ("scatter_", (1, tocha.tensor([[0], [2]]), tocha.tensor([[1.0], [2.0]])), {}),
        ("scatter_add_", (1, tocha.tensor([[0, 0], [2, 2]]), tocha.ones(2, 2)), {}),
        ("scatter_reduce_", (1, tocha.tensor([[0, 0], [2, 2]]), tocha.full((2, 2), 2.0), "prod"), {}),
        ("index_add_", (0, tocha.tensor([1]), tocha.ones(1, 3)), {"alpha": 3}),
        ("index_copy_", (1, tocha.tensor([2]), tocha.ones(2, 1)), {}),
        ("index_fill_", (1, tocha.tensor([0, 1]), 9.0), {}),
        ("index_reduce_", (1, tocha.tensor([0]), tocha.full((2, 1), 4.0), "amax"), {}),
        ("put_", (tocha.tensor([5, 0]), tocha.tensor([7.0, 8.0])), {}),
        ("masked_scatter_", (tocha.tensor([True, False, True]), tocha.tensor([5.0, 6.0, 7.0, 8.0])), {}),
    ]
    for name, args, kwargs in cases:
        x = tocha.arange(6.0).reshape(2, 3)
        expected = getattr(x, name[:-1])(*args, **kwargs)
        version = tocha.library.tensor_version(x)
        result = getattr(x, name)(*args, **kwargs)
        assert result is x, name
        assert x.tolist() == expected.tolist(), name
        assert tocha.library.tensor_version(x) > version, name
        # a non-contiguous target is written through its view
        buffer = tocha.zeros(2, 6)
        view = buffer[:, ::2]
        view.copy_(tocha.arange(6.0).reshape(2, 3))
        getattr(view, name)(*args, **kwargs)
        assert view.tolist() == expected.tolist(), name
        assert buffer[:, ::2].tolist() == expected.tolist(), name


def test_out_arguments():
    x = tocha.arange(6.0).reshape(2, 3)
    out = tocha.empty(0)
    assert tocha.gather(x, 1, tocha.tensor([[1], [0]]), out=out) is out
    assert out.tolist() == [[1.0], [3.0]]
    out = tocha.empty(2, 3)
    tocha.scatter_add(x, 1, tocha.tensor([[0], [0]]), tocha.ones(2, 1), out=out)
    assert out.tolist() == [[1.0, 1.0, 2.0], [4.0, 4.0, 5.0]]
    tocha.take_along_dim(x, tocha.tensor([[2], [1]]), 1, out=out)
    assert out.tolist() == [[2.0], [4.0]]


# ------------------------------------------------------------------ NumPy references on random inputs


def _random_scatter_case(rng, shape=(4, 5), dim=1, index_shape=(4, 7)):
    a = rng.standard_normal(shape)
    index = rng.integers(0, shape[dim], size=index_shape)
    src = rng.standard_normal(index_shape)
    return a, index, src


def _numpy_scatter_reduce(a, dim, index, src, reduce, include_self):
    out = a.copy()
    groups = {}
    for pos in np.ndindex(*index.shape):
        target = list(pos)
        target[dim] = index[pos]
        groups.setdefault(tuple(target), []).append(src[pos])
    for target, values in groups.items():
        items = ([out[target]] if include_self else []) + values
        out[target] = {"sum": np.sum, "prod": np.prod, "mean": np.mean, "amax": np.max, "amin": np.min}[reduce](items)
    return out


@pytest.mark.parametrize("reduce", REDUCES)
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_matches_numpy(reduce, include_self):
    rng = _rng(1)
    a, index, src = _random_scatter_case(rng)
    found = tocha.scatter_reduce(_t(a), 1, _t(index), _t(src), reduce, include_self=include_self)
    np.testing.assert_allclose(np.asarray(found), _numpy_scatter_reduce(a, 1, index, src, reduce, include_self))


def test_gather_matches_numpy_take_along_axis():
    rng = _rng(2)
    a = rng.standard_normal((3, 4, 5))
    index = rng.integers(0, 4, size=(3, 6, 5))
    np.testing.assert_array_equal(np.asarray(tocha.gather(_t(a), 1, _t(index))), np.take_along_axis(a, index, 1))
    # non-contiguous input and index
    view = _t(a).transpose(0, 2)
    idx = _t(rng.integers(0, 4, size=(3, 4, 5))).transpose(0, 2)
    expected = np.take_along_axis(np.asarray(view), np.asarray(idx), 1)
    np.testing.assert_array_equal(np.asarray(tocha.gather(view, 1, idx)), expected)


def test_index_add_matches_numpy_add_at():
    rng = _rng(3)
    a = rng.standard_normal((5, 3))
    index = rng.integers(0, 5, size=8)
    source = rng.standard_normal((8, 3))
    expected = a.copy()
    np.add.at(expected, index, 2 * source)
    np.testing.assert_allclose(np.asarray(tocha.index_add(_t(a), 0, _t(index), _t(source), alpha=2)), expected)


# ------------------------------------------------------------------ errors


def test_errors():
    x = tocha.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"gather\(\): Expected dtype int32/int64 for index"):
        tocha.gather(x, 1, tocha.tensor([[0.0]]))
    with pytest.raises(RuntimeError, match="Index tensor must have the same number of dimensions as input tensor"):
        tocha.gather(x, 1, tocha.tensor([0]))
    with pytest.raises(RuntimeError, match=r"Size does not match at dimension 0 expected index \[3, 1\]"):
        tocha.gather(x, 1, tocha.zeros(3, 1, dtype=tocha.int64))
    with pytest.raises(RuntimeError, match="index 5 is out of bounds for dimension 1 with size 3"):
        tocha.gather(x, 1, tocha.tensor([[5]]))
    with pytest.raises(IndexError, match="Dimension out of range"):
        tocha.gather(x, 2, tocha.tensor([[0]]))
    with pytest.raises(RuntimeError, match=r"scatter\(\): Expected self.dtype to be equal to src.dtype"):
        x.scatter(1, tocha.tensor([[0]]), tocha.ones(1, 1, dtype=tocha.float64))
    with pytest.raises(RuntimeError, match=r"Expected index \[1, 2\] to be no larger than self \[2, 3\]"):
        x.scatter_add(1, tocha.tensor([[0, 1]]), tocha.ones(1, 1))
    with pytest.raises(RuntimeError, match="index -1 is out of bounds"):
        x.scatter(1, tocha.tensor([[-1]]), 1.0)
    with pytest.raises(RuntimeError, match="reduce argument must be either add or multiply"):
        x.scatter(1, tocha.tensor([[0]]), 1.0, reduce="mean")
    with pytest.raises(RuntimeError, match="reduce argument must be either sum, prod, mean, amax or amin, got add"):
        x.scatter_reduce(1, tocha.tensor([[0]]), tocha.ones(1, 1), "add")
    with pytest.raises(RuntimeError, match=r"index_add_\(\): Number of indices \(2\) should be equal"):
        tocha.zeros(3).index_add(0, tocha.tensor([0, 0]), tocha.ones(3))
    with pytest.raises(RuntimeError, match=r"index_add_\(\): Expected dtype int32/int64 for index but got: Float"):
        tocha.zeros(3).index_add(0, tocha.tensor([0.0]), tocha.ones(1))
    with pytest.raises(RuntimeError, match=r"self \(Float\) and source \(Double\) must have the same scalar type"):
        x.index_add(1, tocha.tensor([0]), tocha.ones(2, 1, dtype=tocha.float64))
    with pytest.raises(RuntimeError, match="source tensor shape must match self tensor shape"):
        x.index_add(1, tocha.tensor([0]), tocha.ones(3, 1))
    with pytest.raises(RuntimeError, match=r"index_copy_\(\): Expected a long tensor for index, but got Int"):
        tocha.zeros(3).index_copy(0, tocha.tensor([0], dtype=tocha.int32), tocha.ones(1))
    with pytest.raises(IndexError, match=r"index_copy_\(\): index 5 is out of bounds for dimension 1 with size 3"):
        x.index_copy(1, tocha.tensor([5]), tocha.ones(2, 1))
    with pytest.raises(IndexError, match=r"index_fill_\(\): Expected dtype int64 for index"):
        x.index_fill(1, tocha.tensor([0], dtype=tocha.int32), 1.0)
    with pytest.raises(RuntimeError, match="only supports a 0-dimensional value tensor"):
        x.index_fill(1, tocha.tensor([0]), tocha.tensor([1.0]))
    with pytest.raises(RuntimeError, match="Expected reduce to be one of prod, mean, amax or amin but got sum"):
        x.index_reduce(1, tocha.tensor([0]), tocha.ones(2, 1), "sum")
    with pytest.raises(RuntimeError, match="dtype of indices should be Long but got Int"):
        tocha.take_along_dim(x, tocha.tensor([[0]], dtype=tocha.int32), 1)
    with pytest.raises(RuntimeError, match="should have the same number of dimensions"):
        tocha.take_along_dim(x, tocha.tensor([0]), 1)
    with pytest.raises(IndexError, match="tried to access index 9 on a tensor of 6 elements"):
        x.put(tocha.tensor([9]), tocha.ones(1))
    with pytest.raises(IndexError, match="Expected source and index to have the same number of elements"):
        x.put(tocha.tensor([0, 1]), tocha.ones(3))
    with pytest.raises(RuntimeError, match="Number of elements of source < number of ones in mask"):
        x.masked_scatter(tocha.tensor([True, True, False]), tocha.ones(3))
    with pytest.raises(RuntimeError, match="masked_scatter_ only supports boolean masks"):
        x.masked_scatter(tocha.tensor([1, 0, 1]), tocha.ones(6))
    with pytest.raises(RuntimeError, match="masked_scatter: expected self and source to have same dtypes"):
        x.masked_scatter(tocha.tensor([True, False, True]), tocha.ones(6, dtype=tocha.float64))


# ------------------------------------------------------------------ PyTorch


def test_forward_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = _rng(4)
    a, index, src = _random_scatter_case(rng)
    ta, ti, ts = _torch(torch, a), _torch(torch, index), _torch(torch, src)
    for reduce in REDUCES:
        for include_self in (True, False):
            ours = tocha.scatter_reduce(_t(a), 1, _t(index), _t(src), reduce, include_self=include_self)
            _same(ours, ta.scatter_reduce(1, ti, ts, reduce, include_self=include_self))
    ints = rng.integers(-5, 6, size=(4, 5))
    int_src = rng.integers(-5, 6, size=(4, 7))
    for reduce in REDUCES:
        for include_self in (True, False):
            ours = tocha.scatter_reduce(_t(ints), 1, _t(index), _t(int_src), reduce, include_self=include_self)
            theirs = _torch(torch, ints).scatter_reduce(
                1, ti, _torch(torch, int_src), reduce, include_self=include_self
            )
            _same(ours, theirs)
    _same(tocha.scatter_add(_t(a), 1, _t(index), _t(src)), ta.scatter_add(1, ti, ts))
    _same(tocha.gather(_t(a), 1, _t(index)), ta.gather(1, ti))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # PyTorch: scatter's reduce= is deprecated; index_reduce is beta
        for reduce in ("add", "multiply"):
            _same(_t(a).scatter(1, _t(index), _t(src), reduce=reduce), ta.scatter(1, ti, ts, reduce=reduce))
            _same(_t(a).scatter(1, _t(index), 1.5, reduce=reduce), ta.scatter(1, ti, 1.5, reduce=reduce))
        sel = rng.integers(0, 5, size=6)
        source = rng.standard_normal((4, 6))
        for reduce in ("prod", "mean", "amax", "amin"):
            for include_self in (True, False):
                ours = tocha.index_reduce(_t(a), 1, _t(sel), _t(source), reduce, include_self=include_self)
                theirs = ta.index_reduce(
                    1, _torch(torch, sel), _torch(torch, source), reduce, include_self=include_self
                )
                _same(ours, theirs)
    sel = rng.integers(0, 4, size=6)
    source = rng.standard_normal((6, 5))
    _same(tocha.index_add(_t(a), 0, _t(sel), _t(source), alpha=0.5), ta.index_add(0, _torch(torch, sel),
          _torch(torch, source), alpha=0.5))  # fmt: skip
    _same(tocha.take_along_dim(_t(a), _t(index[:1]), 1), torch.take_along_dim(ta, ti[:1], 1))
    mask = rng.random((4, 5)) > 0.5
    _same(tocha.masked_scatter(_t(a), _t(mask), _t(src)), ta.masked_scatter(_torch(torch, mask), ts))
    flat = rng.integers(-20, 20, size=9)
    _same(tocha.put(_t(a), _t(flat), _t(src.reshape(-1)[:9]), accumulate=True), ta.put(_torch(torch, flat),
          _torch(torch, src.reshape(-1)[:9]), accumulate=True))  # fmt: skip
    _same(tocha.argwhere(_t(mask)), torch.argwhere(_torch(torch, mask)))


# ------------------------------------------------------------------ gradients (tocha-autograd)


def _check_grads(fn, *inputs):
    from tocha.autograd import gradcheck, gradgradcheck

    leaves = tuple(x.detach().clone().requires_grad_() for x in inputs)
    assert gradcheck(fn, leaves)
    assert gradgradcheck(fn, leaves)


@pytest.mark.autograd
@pytest.mark.parametrize("reduce", REDUCES)
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_gradients(reduce, include_self):
    rng = _rng(5)
    a, index, src = _random_scatter_case(rng, index_shape=(4, 6))
    idx = _t(index)
    _check_grads(lambda x, s: tocha.scatter_reduce(x, 1, idx, s, reduce, include_self=include_self), _t(a), _t(src))
    # the in-place form, on a non-leaf
    _check_grads(lambda x, s: (x * 1).scatter_reduce_(1, idx, s, reduce, include_self=include_self), _t(a), _t(src))


@pytest.mark.autograd
@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
def test_index_reduce_gradients(reduce):
    rng = _rng(6)
    a = _t(rng.standard_normal((3, 4)))
    source = _t(rng.standard_normal((3, 5)))
    idx = tocha.tensor([0, 3, 0, 1, 3])
    for include_self in (True, False):
        _check_grads(lambda x, s: tocha.index_reduce(x, 1, idx, s, reduce, include_self=include_self), a, source)


@pytest.mark.autograd
def test_other_gradients():
    rng = _rng(7)
    a = _t(rng.standard_normal((3, 4)))
    idx = tocha.tensor([[0, 3], [2, 2], [1, 0]])
    _check_grads(lambda x: tocha.gather(x, 1, idx), a)
    _check_grads(lambda x: tocha.take_along_dim(x, tocha.tensor([[1], [3], [0]]), 1), a)
    _check_grads(lambda x: tocha.take_along_dim(x, tocha.tensor([0, 11, 11])), a)
    _check_grads(lambda x: tocha.take_along_dim(x, tocha.tensor([[1, 2]]), 1), a)  # broadcast index
    _check_grads(lambda x, s: tocha.scatter(x, 1, tocha.tensor([[0], [1], [2]]), s), a, _t(rng.standard_normal((3, 2))))
    _check_grads(lambda x, s: x.scatter(1, tocha.tensor([[0, 0]]), s, reduce="multiply"), a, _t(rng.random((1, 2))))
    _check_grads(lambda x: tocha.scatter(x, 0, tocha.tensor([[1, 0]]), 2.0), a)
    _check_grads(lambda x, s: tocha.index_add(x, 0, tocha.tensor([2, 2]), s, alpha=3), a, _t(rng.random((2, 4))))
    _check_grads(lambda x, s: tocha.index_copy(x, 1, tocha.tensor([3, 0]), s), a, _t(rng.random((3, 2))))
    _check_grads(
        lambda x, v: tocha.index_fill(x, 1, tocha.tensor([3, 0]), v), a, tocha.tensor(2.0, dtype=tocha.float64)
    )
    _check_grads(lambda x, s: tocha.put(x, tocha.tensor([0, -1]), s), a, _t(rng.random(2)))
    _check_grads(lambda x, s: tocha.put(x, tocha.tensor([1, 1]), s, accumulate=True), a, _t(rng.random(2)))
    mask = tocha.tensor([True, False, False, True])
    _check_grads(lambda x, s: tocha.masked_scatter(x, mask, s), a, _t(rng.random(9)))
    _check_grads(lambda x, s: (x * 1).masked_scatter_(mask, s), a, _t(rng.random(9)))
    _check_grads(lambda x, s: (x * 1).index_add_(0, tocha.tensor([0]), s), a, _t(rng.random((1, 4))))


@pytest.mark.autograd
def test_gradients_with_ties_and_zeros_match_pytorch():
    torch = pytest.importorskip("torch")
    base = np.array([1.0, 3.0, 0.0, 2.0])
    src = np.array([3.0, 3.0, 0.0, 2.0, 5.0, 0.0])
    index = np.array([1, 1, 0, 2, 3, 3])
    for reduce in ("amax", "amin", "prod"):
        for include_self in (True, False):
            x = _t(base).requires_grad_()
            s = _t(src).requires_grad_()
            tocha.scatter_reduce(x, 0, _t(index), s, reduce, include_self=include_self).sum().backward()
            tx = _torch(torch, base).requires_grad_()
            ts = _torch(torch, src).requires_grad_()
            tx.scatter_reduce(0, _torch(torch, index), ts, reduce, include_self=include_self).sum().backward()
            np.testing.assert_allclose(np.asarray(x.grad), tx.grad.numpy(), err_msg=f"{reduce} {include_self}")
            np.testing.assert_allclose(np.asarray(s.grad), ts.grad.numpy(), err_msg=f"{reduce} {include_self}")
