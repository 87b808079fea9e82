"""Reductions and scans: forward against NumPy and PyTorch, dtypes, errors, vjps against finite differences."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tocha
from tocha.library import VjpContext, get_op

RNG = np.random.default_rng(0)


def t(a: Any) -> Any:
    return tocha.from_numpy(np.ascontiguousarray(a) if isinstance(a, np.ndarray) else np.asarray(a))


def arr(*shape: int, dtype: Any = np.float64) -> np.ndarray:
    return RNG.standard_normal(shape).astype(dtype)


# ------------------------------------------------------------------ forward vs NumPy


@pytest.mark.parametrize("dim", [None, 0, 1, -1, (0, 2), ()])
@pytest.mark.parametrize("keepdim", [False, True])
def test_sum_mean_match_numpy(dim: Any, keepdim: bool) -> None:
    a = arr(2, 3, 4)
    axis = None if dim == () else dim
    np.testing.assert_allclose(tocha.sum(t(a), dim, keepdim).numpy(), a.sum(axis=axis, keepdims=keepdim))
    np.testing.assert_allclose(t(a).mean(dim, keepdim=keepdim).numpy(), a.mean(axis=axis, keepdims=keepdim))
    np.testing.assert_allclose(t(a).prod(None if dim in ((0, 2), ()) else dim).numpy(),
                               a.prod(axis=None if dim in ((0, 2), ()) else dim))  # fmt: skip


def test_sum_result_dtypes() -> None:
    assert t(np.array([True, True])).sum().dtype is tocha.int64
    assert t(np.array([1, 2], np.int32)).sum().dtype is tocha.int64
    assert t(np.array([1, 2], np.uint8)).prod().dtype is tocha.int64
    assert t(np.array([1, 2], np.int8)).cumsum(0).dtype is tocha.int64
    assert t(np.array([1, 2], np.int32)).sum(dtype=tocha.int32).dtype is tocha.int32
    assert t(np.array([1.5, 2.7], np.float32)).sum(dtype=tocha.int32).item() == 3  # cast first, like PyTorch
    assert t(np.array([1.0], np.float16)).sum().dtype is tocha.float16
    assert t(np.array([1, 2])).mean(dtype=tocha.float64).item() == 1.5
    big = np.full(4096, 0.1, np.float16)
    assert abs(t(big).sum().item() - 409.6) < 0.5  # accumulated in float32


def test_sum_returns_zero_dim_arrays_and_no_copy_views() -> None:
    x = t(arr(4, 6))
    s = x.sum()
    assert isinstance(s._data, np.ndarray)
    assert s.shape == ()
    assert s.dtype is tocha.float64
    assert x.T.sum(0).shape == (4,)  # non-contiguous input
    np.testing.assert_allclose(x.T.sum(0).numpy(), x.numpy().T.sum(0))


def test_empty_and_zero_dim() -> None:
    e = tocha.zeros(0)
    assert e.sum().item() == 0
    assert e.prod().item() == 1
    assert math.isnan(e.mean().item())
    assert math.isnan(e.std().item())
    assert tocha.zeros(0, 3).sum(0).tolist() == [0.0, 0.0, 0.0]
    s = tocha.tensor(3.0)
    assert s.sum(0).item() == 3.0
    assert s.max(0).indices.item() == 0
    assert s.argmax().item() == 0
    assert s.amax(-1).item() == 3.0
    assert s.cumsum(0).item() == 3.0
    assert tocha.zeros(0, 3).max(1).values.shape == (0,)


@pytest.mark.parametrize("op", ["amax", "amin"])
def test_amax_amin(op: str) -> None:
    a = arr(3, 4, 5)
    ref = getattr(np, op)
    np.testing.assert_array_equal(getattr(tocha, op)(t(a), (0, 2)).numpy(), ref(a, axis=(0, 2)))
    np.testing.assert_array_equal(getattr(t(a), op)(1, True).numpy(), ref(a, axis=1, keepdims=True))
    assert getattr(t(a), op)().item() == ref(a)


def test_max_min_forms() -> None:
    a = arr(3, 4)
    values, indices = t(a).max(dim=1)
    np.testing.assert_array_equal(values.numpy(), a.max(1))
    np.testing.assert_array_equal(indices.numpy(), a.argmax(1))
    assert indices.dtype is tocha.int64
    r = tocha.min(t(a), 0, keepdim=True)
    assert r.values.shape == (1, 4)
    assert r.indices.shape == (1, 4)
    assert "tocha.return_types.min(" in repr(r)
    assert tocha.max(t(a)).item() == a.max()
    mm = tocha.aminmax(t(a), dim=0)
    np.testing.assert_array_equal(mm.min.numpy(), a.min(0))
    np.testing.assert_array_equal(mm.max.numpy(), a.max(0))
    nan = t(np.array([1.0, np.nan, 3.0]))
    assert math.isnan(nan.max().item())
    assert nan.argmax().item() == 1


def test_argmax_argmin() -> None:
    a = arr(3, 4)
    assert t(a).argmax().item() == a.argmax()
    np.testing.assert_array_equal(t(a).argmin(1).numpy(), a.argmin(1))
    assert t(a).argmax(keepdim=True).shape == (1, 1)
    assert t(a).argmax(0, True).shape == (1, 4)


def test_all_any_count_nonzero() -> None:
    b = np.array([[True, False], [True, True]])
    np.testing.assert_array_equal(t(b).all(1).numpy(), b.all(1))
    np.testing.assert_array_equal(t(b).any(0).numpy(), b.any(0))
    assert t(np.array([1, 2], np.uint8)).all().dtype is tocha.uint8
    assert t(np.array([1, 2], np.int32)).any().dtype is tocha.bool
    assert tocha.zeros(0).all().item() is True
    assert tocha.zeros(0).any().item() is False
    i = np.array([[0, 1], [2, 3]])
    assert t(i).count_nonzero().item() == 3
    np.testing.assert_array_equal(tocha.count_nonzero(t(i), dim=0).numpy(), [1, 2])


@pytest.mark.parametrize("correction", [0, 1, 2])
def test_std_var(correction: int) -> None:
    a = arr(4, 5)
    np.testing.assert_allclose(t(a).var(1, correction=correction).numpy(), a.var(1, ddof=correction))
    np.testing.assert_allclose(t(a).std(correction=correction).numpy(), a.std(ddof=correction))
    np.testing.assert_allclose(t(a).std(0, False).numpy(), a.std(0))  # legacy unbiased positional
    np.testing.assert_allclose(tocha.var(t(a), True).numpy(), a.var(ddof=1))
    s, m = tocha.std_mean(t(a), 1, keepdim=True)
    np.testing.assert_allclose(s.numpy(), a.std(1, ddof=1, keepdims=True))
    np.testing.assert_allclose(m.numpy(), a.mean(1, keepdims=True))
    v, m = tocha.var_mean(t(a))
    np.testing.assert_allclose(v.numpy(), a.var(ddof=1))
    c = (arr(6) + 1j * arr(6)).astype(np.complex128)
    assert t(c).var().dtype is tocha.float64
    np.testing.assert_allclose(t(c).var().item(), c.var(ddof=1))


@pytest.mark.parametrize("p", [1, 2, 3, 0.5, 0, math.inf, -math.inf, "fro"])
def test_norm(p: Any) -> None:
    a = arr(3, 4)
    pp = 2 if p == "fro" else p
    ref = np.linalg.norm(a.reshape(-1), ord=pp)
    np.testing.assert_allclose(t(a).norm(p).numpy(), ref)
    np.testing.assert_allclose(tocha.norm(t(a), pp, dim=1).numpy(), np.linalg.norm(a, ord=pp, axis=1))
    assert tocha.norm(t(a.astype(np.float32)), dtype=tocha.float64).dtype is tocha.float64


def test_logsumexp_is_stable() -> None:
    a = arr(3, 4) * 500
    m = a.max(1, keepdims=True)
    ref = (np.log(np.exp(a - m).sum(1, keepdims=True)) + m)[:, 0]
    np.testing.assert_allclose(t(a).logsumexp(1).numpy(), ref)
    assert t(np.array([1, 2])).logsumexp(0).dtype is tocha.float32
    assert t(np.array([-np.inf, -np.inf])).logsumexp(0).item() == -np.inf


def test_scans() -> None:
    a = arr(3, 4)
    np.testing.assert_allclose(t(a).cumsum(1).numpy(), a.cumsum(1))
    np.testing.assert_allclose(t(a).cumprod(0).numpy(), a.cumprod(0))
    np.testing.assert_allclose(tocha.logcumsumexp(t(a), 1).numpy(), np.logaddexp.accumulate(a, 1))
    v, i = tocha.cummax(t(np.array([1, 3, 3, 2])), 0)
    assert v.tolist() == [1, 3, 3, 3]
    assert i.tolist() == [0, 1, 2, 2]
    v, i = tocha.cummin(t(np.array([3.0, np.nan, 1.0])), 0)
    assert i.tolist() == [0, 1, 1]
    assert math.isnan(v.tolist()[2])


def test_median_mode_quantile() -> None:
    a = arr(5, 6)
    assert t(a).median().item() == np.sort(a.reshape(-1))[(a.size - 1) // 2]
    r = t(a).median(1)
    np.testing.assert_array_equal(r.values.numpy(), np.sort(a, 1)[:, 2])
    np.testing.assert_array_equal(np.take_along_axis(a, r.indices.numpy()[:, None], 1)[:, 0], r.values.numpy())
    assert math.isnan(t(np.array([2.0, np.nan, 1.0])).median().item())
    assert t(np.array([2.0, np.nan, 1.0])).nanmedian().item() == 1.0
    m = tocha.mode(t(np.array([1, 2, 2, 1, 3, 1])))
    assert (m.values.item(), m.indices.item()) == (1, 5)
    for method in ("linear", "lower", "higher", "midpoint", "nearest"):
        np.testing.assert_allclose(t(a).quantile(0.3, 1, interpolation=method).numpy(),
                                   np.quantile(a, 0.3, axis=1, method=method))  # fmt: skip
    q = np.array([0.1, 0.5, 0.9])
    np.testing.assert_allclose(t(a).quantile(t(q), 0, keepdim=True).numpy(), np.quantile(a, q, axis=0, keepdims=True))
    b = a.copy()
    b[0, 1] = np.nan
    np.testing.assert_allclose(t(b).nanquantile(0.5, 1).numpy(), np.nanquantile(b, 0.5, axis=1))
    assert math.isnan(t(b).quantile(0.5).item())


def test_nan_reductions() -> None:
    a = np.array([[1.0, np.nan], [3.0, 4.0]])
    np.testing.assert_allclose(t(a).nansum(1).numpy(), np.nansum(a, 1))
    np.testing.assert_allclose(t(a).nanmean(0).numpy(), np.nanmean(a, 0))
    assert t(np.array([1, 2])).nansum().dtype is tocha.int64


def test_sum_to_size() -> None:
    a = arr(2, 3, 4)
    np.testing.assert_allclose(t(a).sum_to_size(3, 1).numpy(), a.sum(axis=(0, 2))[:, None])
    np.testing.assert_allclose(t(a).sum_to_size((1, 1, 4)).numpy(), a.sum(axis=(0, 1), keepdims=True))
    with pytest.raises(RuntimeError, match="not expandable"):
        t(a).sum_to_size(2, 4)


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("fn", "exc", "match"),
    [
        (lambda: tocha.zeros(0).max(), RuntimeError, r"max\(\): Expected reduction dim to be specified"),
        (lambda: tocha.zeros(0).max(0), IndexError, r"max\(\): Expected reduction dim 0 to have non-zero size"),
        (lambda: tocha.zeros(0, 3).amax(0), IndexError, "amax"),
        (lambda: tocha.zeros(0).argmax(), IndexError, "argmax"),
        (lambda: tocha.zeros(0).aminmax(), RuntimeError, "no identity"),
        (lambda: tocha.tensor([1, 2]).mean(), RuntimeError, "mean.*Got: Long"),
        (lambda: tocha.ones(2).mean(dtype=tocha.int32), RuntimeError, "Optional dtype.*Got: Int"),
        (lambda: tocha.tensor([1, 2]).std(), RuntimeError, "floating point"),
        (lambda: tocha.tensor([1, 2]).norm(), RuntimeError, "Got Long"),
        (lambda: tocha.tensor([1, 2]).nanmean(), RuntimeError, "Long"),
        (lambda: tocha.ones(2, 2).sum(2), IndexError, r"Dimension out of range \(expected to be in range of \[-2, 1\]"),
        (lambda: tocha.ones(2, 2).sum((0, 0)), RuntimeError, "multiple times"),
        (lambda: tocha.ones(3).quantile(1.5), RuntimeError, r"q must be in the range \[0, 1\] but got 1.5"),
        (lambda: tocha.tensor([1, 2]).quantile(0.5), RuntimeError, "float or double"),
        (lambda: tocha.ones(3).quantile(0.5, interpolation="foo"), RuntimeError, "interpolation must be one of"),
        (lambda: tocha.zeros(0).quantile(0.5), RuntimeError, "non-empty"),
        (lambda: tocha.tensor([1, 2]).logcumsumexp(0), NotImplementedError, "Long"),
        (lambda: tocha.zeros(0).mode(), IndexError, "mode"),
    ],
)
def test_errors(fn: Callable[[], Any], exc: type[Exception], match: str) -> None:
    with pytest.raises(exc, match=match):
        fn()


# ------------------------------------------------------------------ vjps against finite differences


def _vjp(op_name: str, inputs: tuple[Any, ...], params: tuple[Any, ...], grad: Any, n_out: int = 1) -> Any:
    op = get_op(op_name)
    result = tocha.library.call(op, inputs[0].device, inputs, params)
    ctx = VjpContext(
        inputs=tuple(x if i in op.saves_inputs else None for i, x in enumerate(inputs)),
        result=result if op.saves_result else None,
        params=params,
        input_shapes=tuple(tuple(x.shape) if hasattr(x, "shape") else None for x in inputs),
        input_dtypes=tuple(getattr(x, "dtype", None) for x in inputs),
        needs_input_grad=tuple(i == 0 for i in range(len(inputs))),
    )
    return op.vjp(ctx, grad)[0]  # type: ignore[misc]


def _numeric(f: Callable[[np.ndarray], np.ndarray], a: np.ndarray, g: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    out = np.zeros_like(a)
    flat = out.reshape(-1)
    for k in range(a.size):
        plus, minus = a.copy().reshape(-1), a.copy().reshape(-1)
        plus[k] += eps
        minus[k] -= eps
        flat[k] = ((f(plus.reshape(a.shape)) - f(minus.reshape(a.shape))) * g).sum() / (2 * eps)
    return out


def _check(op_name: str, a: np.ndarray, params: tuple[Any, ...], fwd: Callable[[np.ndarray], Any], *extra: Any) -> None:
    out = np.asarray(fwd(a))
    g = RNG.standard_normal(out.shape)
    got = _vjp(op_name, (t(a), *extra), params, t(g))
    np.testing.assert_allclose(got.numpy(), _numeric(lambda x: np.asarray(fwd(x)), a, g), rtol=1e-5, atol=1e-6)


def _val(op_name: str, params: tuple[Any, ...], index: int | None = None) -> Callable[[np.ndarray], Any]:
    op = get_op(op_name)

    def f(x: np.ndarray) -> Any:
        r = op.forward(np, x, *params)
        return r[0] if index is not None else r

    return f


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("sum", ((1,), False, np.dtype(np.float64))),
        ("sum", (None, False, np.dtype(np.float64))),
        ("mean", ((0, 2), True, np.dtype(np.float64))),
        ("nansum", ((1,), False, np.dtype(np.float64))),
        ("logsumexp", ((2,), False)),
        ("var", ((1,), 1.0, False)),
        ("std", (None, 0.0, True)),
        ("norm", (2.0, (1,), False)),
        ("norm", (3.0, None, False)),
        ("norm", (1.0, (0,), True)),
    ],
)
def test_simple_vjps(name: str, params: tuple[Any, ...]) -> None:
    a = arr(2, 3, 4)
    _check(name, a, params, _val(name, params))


def test_prod_vjp_with_and_without_zeros() -> None:
    a = arr(3, 4)
    params = ((1,), False, np.dtype(np.float64))
    _check("prod", a, params, _val("prod", params))
    a[1, 2] = 0.0
    _check("prod", a, params, _val("prod", params))
    a[2, 0] = a[2, 3] = 0.0
    _check("prod", a, (None, False, np.dtype(np.float64)), _val("prod", (None, False, np.dtype(np.float64))))


def test_select_vjps() -> None:
    a = arr(3, 4)
    for name, params in [("max", (1, False)), ("min", (0, True)), ("median", (1, False, False)), ("mode", (1, False))]:
        _check(name, a, params, _val(name, params, 0))


def test_amax_vjp_splits_ties_evenly() -> None:
    a = np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]])
    got = _vjp("amax", (t(a),), (None, False), tocha.tensor(1.0, dtype=tocha.float64))
    assert got.tolist() == [[0.0, 0.5, 0.5], [0.0, 0.0, 0.0]]
    got = _vjp("amax", (t(a),), ((1,), False), t(np.array([1.0, 1.0])))
    assert got.tolist() == [[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]]


def test_scan_vjps() -> None:
    a = arr(3, 4)
    _check("cumsum", a, (1, np.dtype(np.float64)), _val("cumsum", (1, np.dtype(np.float64))))
    _check("cumprod", a, (1, np.dtype(np.float64)), _val("cumprod", (1, np.dtype(np.float64))))
    z = a.copy()
    z[0, 1] = z[1, 0] = z[2, 2] = z[2, 3] = 0.0
    _check("cumprod", z, (1, np.dtype(np.float64)), _val("cumprod", (1, np.dtype(np.float64))))
    _check("logcumsumexp", a, (0,), _val("logcumsumexp", (0,)))
    _check("cummax", a, (1, True), _val("cummax", (1, True), 0))


def test_quantile_vjp() -> None:
    a = arr(3, 5)
    q = t(np.array(0.3))
    params = (1, False, False, "linear")
    _check("quantile", a, params, lambda x: get_op("quantile").forward(np, x, np.array(0.3), *params), q)


def test_put_take_are_adjoint() -> None:
    g = arr(3, 2)
    idx = t(np.array([[0, 3], [1, 1], [2, 0]]))
    put = tocha.library.call(get_op("_reduction_put"), tocha.device("cpu"), (t(g), idx), (1, True, (3, 4)))
    expected = np.zeros((3, 4))
    np.add.at(expected, (np.arange(3)[:, None], idx.numpy()), g)
    np.testing.assert_allclose(put.numpy(), expected)
    back = _vjp("_reduction_put", (t(g), idx), (1, True, (3, 4)), t(np.ones((3, 4))))
    assert back.shape == (3, 2)


# ------------------------------------------------------------------ against PyTorch


def test_against_torch() -> None:
    torch = pytest.importorskip("torch")
    a = arr(3, 4, 5, dtype=np.float32)
    ta = torch.from_numpy(a)
    cases = [
        (lambda x: x.sum((0, 2)), lambda x: x.sum((0, 2))),
        (lambda x: x.mean(1, keepdim=True), lambda x: x.mean(1, keepdim=True)),
        (lambda x: x.std(1, correction=0), lambda x: x.std(1, correction=0)),
        (lambda x: x.var(), lambda x: x.var()),
        (lambda x: x.norm(3, 2), lambda x: x.norm(3, 2)),
        (lambda x: x.logsumexp((0, 1)), lambda x: x.logsumexp((0, 1))),
        (lambda x: x.amax(1), lambda x: x.amax(1)),
        (lambda x: x.max(2).values, lambda x: x.max(2).values),
        (lambda x: x.max(2).indices, lambda x: x.max(2).indices),
        (lambda x: x.argmin(), lambda x: x.argmin()),
        (lambda x: x.cumsum(1), lambda x: x.cumsum(1)),
        (lambda x: x.cumprod(2), lambda x: x.cumprod(2)),
        (lambda x: x.logcumsumexp(0), lambda x: x.logcumsumexp(0)),
        (lambda x: x.cummin(1).indices, lambda x: x.cummin(1).indices),
        (lambda x: x.median(), lambda x: x.median()),
        (lambda x: x.median(1).values, lambda x: x.median(1).values),
        (lambda x: x.quantile(0.7, 2, interpolation="nearest"), lambda x: x.quantile(0.7, 2, interpolation="nearest")),
        (lambda x: x.nanquantile(0.25), lambda x: x.nanquantile(0.25)),
        (lambda x: x.prod(1), lambda x: x.prod(1)),
        (lambda x: (x > 0).sum(1), lambda x: (x > 0).sum(1)),
        (lambda x: x.count_nonzero((0, 1)), lambda x: x.count_nonzero((0, 1))),
    ]
    for ours, theirs in cases:
        expected = theirs(ta)
        got = ours(t(a))
        assert str(got.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-5, atol=1e-6)


def test_int_dtypes_against_torch() -> None:
    torch = pytest.importorskip("torch")
    for np_dtype in (np.uint8, np.int8, np.int16, np.int32, np.int64, np.bool_):
        a = RNG.integers(0, 3, (3, 4)).astype(np_dtype)
        ta = torch.from_numpy(a)
        for name in ("sum", "prod", "all", "any"):
            expected = getattr(ta, name)()
            got = getattr(t(a), name)()
            assert str(got.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1], (name, np_dtype)
            assert got.item() == expected.item()
        if np_dtype is not np.bool_:
            m = ta.mode(1)
            ours = t(a).mode(1)
            assert ours.values.tolist() == m.values.tolist()
            assert ours.indices.tolist() == m.indices.tolist()


def test_grads_against_torch() -> None:
    torch = pytest.importorskip("torch")
    a = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 0.0, 1.0, 0.0]])
    for name, params, torch_fn in [
        ("prod", ((1,), False, np.dtype(np.float64)), lambda x: x.prod(1)),
        ("amax", ((1,), False), lambda x: x.amax(1)),
        ("cumprod", (1, np.dtype(np.float64)), lambda x: x.cumprod(1)),
        ("median_all", (False,), lambda x: x.median()),
    ]:
        x = torch.tensor(a, requires_grad=True)
        out = torch_fn(x)
        g = torch.ones_like(out)
        out.backward(g)
        got = _vjp(name, (t(a),), params, t(g.numpy()))
        np.testing.assert_allclose(got.numpy(), x.grad.numpy(), err_msg=name)


# ------------------------------------------------------------------ review fixes: sum_to_size, silent FP, vjp helpers


def test_sum_to_size_hand_checked() -> None:
    x = tocha.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert x.sum_to_size(1, 3).tolist() == [[5.0, 7.0, 9.0]]
    assert x.sum_to_size((3,)).tolist() == [5.0, 7.0, 9.0]
    assert x.sum_to_size(2, 1).tolist() == [[6.0], [15.0]]
    assert x.sum_to_size(2, 3) is x
    assert x.int().sum_to_size(3).dtype is tocha.int64  # integer sums widen to int64, as in PyTorch
    assert x.t().sum_to_size(1, 2).tolist() == [[6.0, 15.0]]  # non-contiguous input
    with pytest.raises(RuntimeError, match=r"size \[4\] is not expandable to size \[2, 3\]"):
        x.sum_to_size(4)


def test_sum_to_size_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    a = RNG.standard_normal((2, 1, 3))
    for size in [(1, 3), (3,), (2, 1, 1), (1, 1, 1), (2, 1, 3)]:
        got = t(a).sum_to_size(*size)
        want = torch.from_numpy(a).sum_to_size(*size)
        assert tuple(got.shape) == tuple(want.shape)
        np.testing.assert_allclose(got.numpy(), want.numpy())


def test_reductions_with_fp_flags_are_silent() -> None:
    # Warnings are errors under pytest; these used to need a hand-placed np.errstate.
    assert math.isnan(tocha.zeros(0).mean().item())
    assert math.isnan(tocha.tensor([math.nan]).nanmean().item())
    assert tocha.tensor([-math.inf, -math.inf]).logsumexp(0).item() == -math.inf
    assert tocha.tensor([-math.inf, -math.inf]).logcumsumexp(0).tolist() == [-math.inf, -math.inf]
    assert tocha.tensor([1e30, 1e30], dtype=tocha.float32).norm(3.0).item() == math.inf


def test_reductions_with_fp_flags_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    assert math.isnan(torch.zeros(0).mean().item())
    assert math.isnan(tocha.zeros(0).mean().item())
    got = tocha.tensor([-math.inf, -math.inf]).logsumexp(0).item()
    assert got == torch.tensor([-math.inf, -math.inf]).logsumexp(0).item()


def test_nanmean_vjp_all_nan_slice_is_nan() -> None:
    a = np.array([[math.nan, math.nan], [1.0, 2.0]])
    got = _vjp("nanmean", (t(a),), ((1,), False, np.dtype(np.float64)), t(np.ones(2)))
    # Hand-checked (and PyTorch): NaN for the all-NaN row, 1/count elsewhere.
    np.testing.assert_array_equal(got.numpy(), [[math.nan, math.nan], [0.5, 0.5]])


def test_norm_vjp_p1_complex_and_inf_ties() -> None:
    c = tocha.tensor([3 + 4j, 0j, -1 + 0j])
    got = _vjp("norm", (c,), (1.0, None, False), tocha.tensor(1.0))
    np.testing.assert_allclose(got.numpy(), [0.6 + 0.8j, 0, -1])  # sgn(x); 0 at 0, hand-checked
    r = tocha.tensor([1.0, -3.0, 3.0])
    got = _vjp("norm", (r,), (math.inf, None, False), tocha.tensor(1.0))
    np.testing.assert_allclose(got.numpy(), [0.0, -0.5, 0.5])  # the tie splits the gradient


def test_norm_vjp_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    r = torch.tensor([1.0, -3.0, 3.0], requires_grad=True)
    torch.linalg.vector_norm(r, math.inf).backward()
    got = _vjp("norm", (tocha.tensor([1.0, -3.0, 3.0]),), (math.inf, None, False), tocha.tensor(1.0))
    np.testing.assert_allclose(got.numpy(), r.grad.numpy())


def test_put_along_accumulates_duplicates_through_add_at() -> None:
    from tocha._ops.reduction_core import put_along

    grad = tocha.tensor([1.0, 2.0, 4.0])
    idx = tocha.tensor([0, 0, 2])
    got = put_along(grad, idx, None, False, (3,))
    assert got.tolist() == [3.0, 0.0, 4.0]  # duplicates add up
    g2 = tocha.tensor([[1.0], [2.0]])
    got = put_along(g2, tocha.tensor([[1], [0]]), 1, True, (2, 3))
    assert got.tolist() == [[0.0, 1.0, 0.0], [2.0, 0.0, 0.0]]


def test_mode_over_a_dim_of_an_empty_tensor_that_is_not_empty() -> None:
    # the reduced dim has entries, another dim has none: an empty result, as PyTorch's (not an error)
    m = tocha.mode(tocha.zeros(3, 1, 0), 1)
    assert m.values.shape == (3, 0)
    assert (m.indices.shape, m.indices.dtype) == ((3, 0), tocha.int64)
    assert tocha.mode(tocha.zeros(0, 3), 1, keepdim=True).values.shape == (0, 1)
    with pytest.raises(IndexError, match="mode\\(\\): Expected reduction dim 1 to have non-zero size"):
        tocha.mode(tocha.zeros(3, 0), 1)


def test_median_of_bool_is_not_implemented_as_in_pytorch() -> None:
    flags = tocha.tensor([True, False, True])
    with pytest.raises(NotImplementedError, match="\"median_cpu\" not implemented for 'Bool'"):
        flags.median()
    with pytest.raises(NotImplementedError, match="\"median_out\" not implemented for 'Bool'"):
        tocha.nanmedian(flags, 0)


# ------------------------------------------------------------------ hash_tensor


def test_hash_tensor_xors_the_widened_bits() -> None:
    x = tocha.tensor([[1.5, -2.0], [0.25, float("nan")]])
    widened = x.numpy().astype(np.float64).view(np.uint64)
    assert tocha.hash_tensor(x).item() == int(np.bitwise_xor.reduce(widened, axis=None))
    assert tocha.hash_tensor(x, dim=1).tolist() == np.bitwise_xor.reduce(widened, axis=1).tolist()
    assert x.hash_tensor(0, keepdim=True).shape == (1, 2)
    assert tocha.hash_tensor(x).dtype is tocha.uint64
    assert tocha.hash_tensor(tocha.tensor([-1], dtype=tocha.int8)).item() == 2**64 - 1  # int64 -1's bits
    assert tocha.hash_tensor(tocha.tensor([1.5]).bfloat16()).item() == tocha.hash_tensor(tocha.tensor([1.5])).item()
    assert tocha.hash_tensor(tocha.tensor([3, 3])).item() == 0  # XOR: pairs cancel


def test_hash_tensor_errors() -> None:
    with pytest.raises(RuntimeError, match=r"Expected reduction dim to be specified for input\.numel\(\) == 0"):
        tocha.hash_tensor(tocha.tensor([]))
    with pytest.raises(IndexError, match="Expected reduction dim 0 to have non-zero size"):
        tocha.hash_tensor(tocha.zeros(0, 3), dim=0)
    with pytest.raises(RuntimeError, match="Unknown hash_tensor mode: 1"):
        tocha.hash_tensor(tocha.ones(2), mode=1)
    with pytest.raises(NotImplementedError, match="\"hash_tensor\" not implemented for 'ComplexFloat'"):
        tocha.hash_tensor(tocha.ones(2, dtype=tocha.complex64))


def test_hash_tensor_equals_pytorch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for values in (rng.standard_normal((3, 4, 5)).astype(np.float32), rng.integers(-9, 9, (3, 4, 5))):
        for kwargs in ({}, {"dim": 1}, {"dim": (0, 2), "keepdim": True}):
            ours = tocha.hash_tensor(tocha.from_numpy(values), **kwargs)
            assert ours.tolist() == torch.hash_tensor(torch.from_numpy(values), **kwargs).tolist()


@pytest.mark.gpu
@pytest.mark.parametrize("shape", [(1,), (7,), (1000, 3), (5, 0, 3), (3, 33, 9)])
def test_gpu_hash_tensor_equals_the_cpus(shape: tuple[int, ...]) -> None:
    values = np.random.default_rng(1).standard_normal(shape)
    x = tocha.from_numpy(values)
    dims = [d for d in ((-1,), (0,), (0, 2), None) if d is None or max(d) < len(shape) or min(d) < 0]
    for dim in dims:
        if dim is None and x.numel() == 0:
            continue
        for keepdim in (False, True):
            expected = tocha.hash_tensor(x, dim, keepdim=keepdim)
            ours = tocha.hash_tensor(x.cuda(), dim, keepdim=keepdim)
            assert ours.device.type == "cuda"
            assert ours.dtype is tocha.uint64
            assert ours.cpu().tolist() == expected.tolist(), (shape, dim, keepdim)


@pytest.mark.parametrize(
    ("name", "call", "error"),
    [
        ("amax", lambda lib, x: lib.amax(x), NotImplementedError),
        ("amin", lambda lib, x: lib.amin(x, 0), NotImplementedError),
        ("max", lambda lib, x: lib.max(x), NotImplementedError),
        ("min", lambda lib, x: lib.min(x), NotImplementedError),
        ("min_dim", lambda lib, x: lib.min(x, 1), RuntimeError),
        ("aminmax", lambda lib, x: lib.aminmax(x), NotImplementedError),
        ("median", lambda lib, x: lib.median(x), NotImplementedError),
        ("nanmedian", lambda lib, x: lib.nanmedian(x, 0), NotImplementedError),
        ("mode", lambda lib, x: lib.mode(x), NotImplementedError),
        ("cummax", lambda lib, x: lib.cummax(x, 0), NotImplementedError),
        ("cummin", lambda lib, x: lib.cummin(x, 1), NotImplementedError),
        ("kthvalue", lambda lib, x: lib.kthvalue(x, 1), NotImplementedError),
        ("unique_consecutive", lambda lib, x: lib.unique_consecutive(x), NotImplementedError),
        ("argmax", lambda lib, x: lib.argmax(x), RuntimeError),
        ("sort", lambda lib, x: lib.sort(x), RuntimeError),
    ],
)
def test_complex_inputs_are_refused_with_pytorchs_error_types(name: str, call: Any, error: type) -> None:
    with pytest.raises(error) as ours:
        call(tocha, tocha.ones(2, 2, dtype=tocha.complex64))
    if error is RuntimeError:
        assert type(ours.value) is RuntimeError, name
    torch = pytest.importorskip("torch")
    with pytest.raises(error):
        call(torch, torch.ones(2, 2, dtype=torch.complex64))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_std_of_half_types_rounds_once_as_pytorch(dtype: str) -> None:
    torch = pytest.importorskip("torch")
    values = np.round(np.random.default_rng(0).standard_normal((64, 12)) * 3)
    ours = tocha.from_numpy(values).to(getattr(tocha, dtype))
    theirs = torch.from_numpy(values).to(getattr(torch, dtype))
    for dim in (None, 0, 1):
        for name in ("std", "var"):
            got = getattr(ours, name)() if dim is None else getattr(ours, name)(dim)
            want = getattr(theirs, name)() if dim is None else getattr(theirs, name)(dim)
            assert got.float().tolist() == want.float().tolist(), (name, dim)
