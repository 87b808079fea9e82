"""tocha.frombuffer, empty_permuted, range, histogramdd, lu_unpack, geqrf/orgqr/ormqr, rsub, constant_pad_nd,
nonzero_static, set_flush_denormal, get_device, to_dlpack, cond, while_loop and the anomaly switches.

PyTorch comparisons (``torch = pytest.importorskip("torch")``) check values, dtypes, strides and error types;
gradient checks are marked ``autograd``; ``gpu`` tests compare CUDA with the CPU.
"""

from __future__ import annotations

import array
import mmap
import warnings

import numpy as np
import pytest

import tocha
from tocha._ops import control_flow, misc_toplevel


def _np(x):
    return np.array(x.detach() if x.requires_grad else x)


def _torch(torch, x):
    data = torch.from_numpy(_np(x))
    t = torch.empty_strided(tuple(x.shape), x.stride(), dtype=data.dtype)
    return t.copy_(data)


def _same(got, expected, *, strides=True, rtol=1e-6, atol=1e-6):
    assert got.dtype.name == str(expected.dtype).removeprefix("torch.")
    assert tuple(got.shape) == tuple(expected.shape)
    if strides and got.numel() > 1:
        assert got.stride() == expected.stride()
    np.testing.assert_allclose(_np(got), expected.detach().numpy(), rtol=rtol, atol=atol, equal_nan=True)


def _raises_like(torch, make_torch, make_tocha):
    """Both calls raise, tocha with PyTorch's exception type (or a subclass); returns (PyTorch's, tocha's)."""
    with pytest.raises(Exception) as theirs:
        make_torch()
    builtin = next(c for c in type(theirs.value).__mro__ if c.__module__ == "builtins")  # torch's own subclasses
    with pytest.raises(builtin) as ours:
        make_tocha()
    return theirs.value, ours.value


# ------------------------------------------------------------------ frombuffer


@pytest.mark.parametrize("dtype", ["uint8", "int16", "int32", "int64", "float32", "float64", "complex64", "bool"])
def test_frombuffer_shares_memory_and_matches_pytorch(dtype):
    torch = pytest.importorskip("torch")
    source = np.arange(24, dtype=np.uint8)
    buffer = bytearray(source.tobytes())
    d = getattr(tocha, dtype)
    size = d.itemsize
    for count, offset in ((-1, 0), (-1, size), (2, 0), (1, 2 * size)):
        if (len(buffer) - offset) % size and count < 0:
            continue
        t = tocha.frombuffer(buffer, dtype=d, count=count, offset=offset)
        expected = torch.frombuffer(buffer, dtype=getattr(torch, dtype), count=count, offset=offset)
        _same(t, expected)
    t = tocha.frombuffer(buffer, dtype=tocha.uint8, offset=3)
    t[0] = 200  # writes reach the buffer, and the buffer's writes reach the tensor
    assert buffer[3] == 200
    buffer[4] = 17
    assert int(t[1]) == 17


def test_frombuffer_buffer_kinds():
    a = array.array("d", [1.0, 2.0, 3.0])
    t = tocha.frombuffer(a, dtype=tocha.float64)
    t[2] = 9.0
    assert a[2] == 9.0
    n = np.arange(4, dtype=np.int32)
    t = tocha.frombuffer(n, dtype=tocha.int32, count=2, offset=8)
    t += 10
    np.testing.assert_array_equal(n, [0, 1, 12, 13])
    view = memoryview(bytearray(8))[4:]
    assert tocha.frombuffer(view, dtype=tocha.int32).shape == (1,)
    with mmap.mmap(-1, 8) as m:
        t = tocha.frombuffer(m, dtype=tocha.uint8)
        t[1] = 5
        assert m[1] == 5
        del t


def test_frombuffer_read_only_buffer_warns_and_refuses_writes():
    with pytest.warns(UserWarning, match="not writable"):
        t = tocha.frombuffer(b"\x01\x02", dtype=tocha.uint8)
    assert t.tolist() == [1, 2]
    with pytest.raises(ValueError):
        t[0] = 3


FROMBUFFER_ERRORS = [
    lambda m: m.frombuffer(bytearray(), dtype=m.int32),
    lambda m: m.frombuffer(bytearray(8), dtype=m.int32, count=0),
    lambda m: m.frombuffer(bytearray(8), dtype=m.int32, offset=8),
    lambda m: m.frombuffer(bytearray(8), dtype=m.int32, offset=-1),
    lambda m: m.frombuffer(bytearray(8), dtype=m.int32, offset=1),
    lambda m: m.frombuffer(bytearray(5), dtype=m.int32),
    lambda m: m.frombuffer(bytearray(8), dtype=m.int32, count=3),
    lambda m: m.frombuffer(bytearray(8), dtype=m.int32, count=2, offset=4),
    lambda m: m.frombuffer([1, 2], dtype=m.int32),
    lambda m: m.frombuffer("ab", dtype=m.uint8),
    lambda m: m.frombuffer(memoryview(bytearray(8))[::2], dtype=m.uint8),
    lambda m: m.frombuffer(bytearray(8)),
    lambda m: m.frombuffer(bytearray(8), m.int32),
]


@pytest.mark.parametrize("make", FROMBUFFER_ERRORS)
def test_frombuffer_errors_match_pytorch(make):
    torch = pytest.importorskip("torch")
    theirs, ours = _raises_like(torch, lambda: make(torch), lambda: make(tocha))
    if isinstance(theirs, ValueError):
        assert str(ours) == str(theirs)


@pytest.mark.autograd
def test_frombuffer_requires_grad():
    t = tocha.frombuffer(array.array("d", [1.0, 2.0]), dtype=tocha.float64, requires_grad=True)
    assert t.requires_grad
    with pytest.raises(RuntimeError, match="floating point"):
        tocha.frombuffer(bytearray(4), dtype=tocha.int32, requires_grad=True)


# ------------------------------------------------------------------ empty_permuted


@pytest.mark.parametrize(
    ("size", "order"),
    [((2, 3, 5, 7), (0, 2, 3, 1)), ((2, 3), (1, 0)), ((4, 0, 3), (2, 0, 1)), ((), ()), ((2, 3, 4), (0, 1, 2))],
)
def test_empty_permuted_strides_match_pytorch(size, order):
    torch = pytest.importorskip("torch")
    got = tocha.empty_permuted(size, order, dtype=tocha.int32)
    expected = torch.empty_permuted(size, order, dtype=torch.int32)
    assert tuple(got.shape) == tuple(expected.shape)
    assert got.dtype is tocha.int32
    assert got.stride() == expected.stride()
    assert got.is_contiguous() == expected.is_contiguous()
    assert tocha.empty_permuted(list(size), list(order), layout=tocha.strided).dtype is tocha.float32


EMPTY_PERMUTED_ERRORS = [
    lambda m: m.empty_permuted((2, 3), (0,)),
    lambda m: m.empty_permuted((2, 3), (0, 0)),
    lambda m: m.empty_permuted((2, 3), (0, 2)),
    lambda m: m.empty_permuted((2, 3), (-1, 0)),
    lambda m: m.empty_permuted((2, -3), (1, 0)),
    lambda m: m.empty_permuted(3, (0,)),
    lambda m: m.empty_permuted((2,), (0,), dtype=m.int64, requires_grad=True),
]


@pytest.mark.parametrize("make", EMPTY_PERMUTED_ERRORS)
def test_empty_permuted_errors_match_pytorch(make):
    torch = pytest.importorskip("torch")
    theirs, ours = _raises_like(torch, lambda: make(torch), lambda: make(tocha))
    if "dimension" in str(theirs).lower() or "Duplicate" in str(theirs):
        assert str(ours) == str(theirs)


@pytest.mark.autograd
def test_empty_permuted_requires_grad():
    assert tocha.empty_permuted((2, 3), (1, 0), requires_grad=True).requires_grad


# ------------------------------------------------------------------ range

RANGE_CASES = [
    ((1, 4), {}),
    ((0, 1, 0.25), {}),
    ((0, 1, 0.1), {}),
    ((1, 0, -0.3), {}),
    ((4, 1, -1), {}),
    ((1, 1), {}),
    ((0, 10, 3), {}),
    ((1, 4), {"dtype": "int64"}),
    ((1, 4, 1.5), {"dtype": "int64"}),
    ((-2, 2), {"dtype": "uint8"}),
    ((0, 1, 0.1), {"dtype": "float16"}),
    ((0, 3), {"dtype": "bfloat16"}),
    ((0, 0.3, 0.1), {"dtype": "float64"}),
    ((0, 1e8, 1e7), {}),
    ((True, 3), {}),
    ((-5, 5, 2), {"dtype": "int32"}),
]


@pytest.mark.parametrize(("args", "kwargs"), RANGE_CASES)
def test_range_matches_pytorch(args, kwargs):
    torch = pytest.importorskip("torch")
    with pytest.warns(UserWarning, match=r"tocha\.range is deprecated"):
        got = tocha.range(*args, **{k: getattr(tocha, v) for k, v in kwargs.items()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = torch.range(*args, **{k: getattr(torch, v) for k, v in kwargs.items()})
    if expected.dtype is torch.bfloat16:
        expected = expected.float()
        got = got.float()
    _same(got, expected, rtol=0, atol=0)


def test_range_warning_text_and_defaults():
    with pytest.warns(UserWarning, match="deprecated") as record:
        t = tocha.range(0, 2)
    assert str(record[0].message) == (
        "tocha.range is deprecated and will be removed in a future release because its behavior is inconsistent "
        "with Python's range builtin. Instead, use tocha.arange, which produces values in [start, end)."
    )
    assert t.dtype is tocha.float32
    assert t.tolist() == [0.0, 1.0, 2.0]
    out = tocha.empty(0, dtype=tocha.int64)
    with pytest.warns(UserWarning, match="deprecated"):
        result = tocha.range(0, 3, out=out)
    assert result is out
    assert out.tolist() == [0, 1, 2, 3]
    with pytest.warns(UserWarning, match="deprecated"):
        t = tocha.range(tocha.tensor(0), tocha.tensor(2), layout=tocha.strided)
    assert t.tolist() == [0.0, 1.0, 2.0]


RANGE_ERRORS = [
    lambda m: m.range(0, 4, 0),
    lambda m: m.range(4, 1, 1),
    lambda m: m.range(1, 0.5),
    lambda m: m.range(0, float("inf")),
    lambda m: m.range(float("nan"), 1),
    lambda m: m.range(0, 3, dtype=m.complex64),
    lambda m: m.range(0, 3, dtype=m.bool),
    lambda m: m.range(0, 3, dtype=m.int64, requires_grad=True),
    lambda m: m.range(0, 1j),
    lambda m: m.range(end=3),
    lambda m: m.range(0, 3, dtype=m.float64, out=m.empty(0, dtype=m.int64)),
]


@pytest.mark.parametrize("make", RANGE_ERRORS)
def test_range_errors_match_pytorch(make):
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs, ours = _raises_like(torch, lambda: make(torch), lambda: make(tocha))
        if isinstance(theirs, RuntimeError) and "gradients" not in str(theirs):
            assert str(ours) == str(theirs)


def test_range_integer_step_truncated_to_zero_raises():
    # PyTorch divides by the truncated step (a crash); tocha refuses it
    with pytest.warns(UserWarning, match="deprecated"), pytest.raises(RuntimeError, match="step must be nonzero"):
        tocha.range(0, 2, 0.5, dtype=tocha.int64)


@pytest.mark.autograd
def test_range_requires_grad():
    with pytest.warns(UserWarning, match="deprecated"):
        assert tocha.range(0, 3, requires_grad=True).requires_grad


# ------------------------------------------------------------------ histogramdd

POINTS = [[0.0, 1.0], [1.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.5, 1.5], [-1.0, 0.25]]


def _hist_cases(m):
    x = m.tensor(POINTS)
    rng = np.random.default_rng(0)
    cloud = m.from_numpy(rng.standard_normal((50, 3)))
    w = m.tensor([1.0, 2.0, 4.0, 8.0, 0.5, 3.0])
    return {
        "int": lambda: m.histogramdd(x, bins=3),
        "list": lambda: m.histogramdd(x, bins=[2, 4]),
        "tuple-range": lambda: m.histogramdd(x, bins=(2, 2), range=[0.0, 1.0, 0.0, 1.0]),
        "weight": lambda: m.histogramdd(x, bins=[2, 2], weight=w),
        "density": lambda: m.histogramdd(x, bins=[2, 4], density=True),
        "weight-density": lambda: m.histogramdd(x, bins=2, weight=w, density=True),
        "tensors": lambda: m.histogramdd(x, bins=[m.tensor([0.0, 1.0, 2.0]), m.tensor([-1.0, 0.5, 1.0, 3.0])]),
        "tensors-partial": lambda: m.histogramdd(x, bins=[m.tensor([0.5, 1.5]), m.tensor([0.0, 1.0])]),
        "float64-3d": lambda: m.histogramdd(cloud, bins=[3, 4, 5]),
        "batched": lambda: m.histogramdd(cloud.reshape(5, 10, 3), bins=4, density=True),
        "empty": lambda: m.histogramdd(m.zeros(0, 2), bins=2),
        "constant": lambda: m.histogramdd(m.ones(3, 2), bins=2),
        "equal-range": lambda: m.histogramdd(x, bins=2, range=[1.0, 1.0, 0.0, 1.0]),
        "nan-outside": lambda: m.histogramdd(
            m.tensor([[float("nan"), 0.5], [0.2, 0.2]]), bins=2, range=[0.0, 1.0, 0.0, 1.0]
        ),
        "keyword": lambda: m.histogramdd(input=x, bins=2),
    }


@pytest.mark.parametrize("case", list(_hist_cases(tocha)))
def test_histogramdd_matches_pytorch(case):
    torch = pytest.importorskip("torch")
    got = _hist_cases(tocha)[case]()
    expected = _hist_cases(torch)[case]()
    _same(got.hist, expected.hist, rtol=1e-6, atol=1e-7)
    assert isinstance(got.bin_edges, tuple)
    assert len(got.bin_edges) == len(expected.bin_edges)
    for g, e in zip(got.bin_edges, expected.bin_edges):
        _same(g, e)


def test_histogramdd_result_type():
    result = tocha.histogramdd(tocha.tensor(POINTS), bins=2)
    assert type(result).__name__ == "histogramdd"
    assert type(result).__module__ == "tocha.return_types"
    assert result._fields == ("hist", "bin_edges")
    assert tocha.return_types.histogramdd is type(result)
    hist, edges = result
    assert hist is result.hist
    assert edges is result.bin_edges
    assert repr(result).startswith("tocha.return_types.histogramdd(\nhist=tensor(")


HIST_ERRORS = [
    lambda m: m.histogramdd(m.tensor(1.0), bins=2),
    lambda m: m.histogramdd(m.tensor([1.0, 2.0]), bins=2),
    lambda m: m.histogramdd(m.ones(3, 2, dtype=m.int64), bins=2),
    lambda m: m.histogramdd(m.ones(3, 2, dtype=m.float16), bins=2),
    lambda m: m.histogramdd(m.ones(3, 2), bins=[2, 2, 2]),
    lambda m: m.histogramdd(m.ones(3, 2), bins=2, range=[0.0, 1.0]),
    lambda m: m.histogramdd(m.ones(3, 2), bins=2, range=[1.0, 0.0, 0.0, 1.0]),
    lambda m: m.histogramdd(m.ones(3, 2), bins=0),
    lambda m: m.histogramdd(m.ones(3, 2), bins=[2, -1]),
    lambda m: m.histogramdd(m.ones(3, 2), bins=[2, -2]),
    lambda m: m.histogramdd(m.ones(3, 2), bins=2, weight=m.ones(2)),
    lambda m: m.histogramdd(m.ones(3, 2), bins=2, weight=m.ones(3, dtype=m.float64)),
    lambda m: m.histogramdd(m.ones(3, 2), bins=[m.ones(2, dtype=m.float64), m.ones(2)]),
    lambda m: m.histogramdd(m.ones(3, 2), bins=[m.ones(1, 2), m.ones(2)]),
    lambda m: m.histogramdd(m.ones(3, 2), bins=[m.ones(1), m.ones(2)]),
    lambda m: m.histogramdd(m.tensor([[float("nan"), 1.0]]), bins=2),
    lambda m: m.histogramdd(m.ones(3, 2), bins=2, range=[0.0, float("inf"), 0.0, 1.0]),
    lambda m: m.histogramdd(m.ones(3, 2), bins=2.0),
    lambda m: m.histogramdd(m.ones(3, 2), bins=[2.0, 2.0]),
    lambda m: m.histogramdd(m.ones(3, 2), bins=m.tensor([0.0, 1.0])),
]


@pytest.mark.parametrize("make", HIST_ERRORS)
def test_histogramdd_errors_match_pytorch(make):
    torch = pytest.importorskip("torch")
    theirs, ours = _raises_like(torch, lambda: make(torch), lambda: make(tocha))
    if isinstance(theirs, RuntimeError) and str(theirs).startswith(("torch.histogramdd", "histogramdd")):
        assert str(ours) == str(theirs)


# ------------------------------------------------------------------ lu_unpack


@pytest.mark.parametrize("shape", [(3, 3), (4, 3), (3, 5), (2, 4, 4), (2, 3, 5, 2), (0, 0), (2, 0, 3)])
@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64", "complex128"])
def test_lu_unpack_matches_pytorch(shape, dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    a = rng.standard_normal(shape) + (1j * rng.standard_normal(shape) if dtype.startswith("complex") else 0)
    A = tocha.from_numpy(a.astype(dtype))
    LU, pivots = tocha.linalg.lu_factor(A)
    tLU, tpivots = torch.linalg.lu_factor(_torch(torch, A))
    for flags in ((True, True), (True, False), (False, True), (False, False)):
        got = tocha.lu_unpack(LU, pivots, *flags)
        expected = torch.lu_unpack(tLU, tpivots, *flags)
        for g, e in zip(got, expected):
            _same(g, e, rtol=1e-5, atol=1e-5)
    P, L, U = tocha.lu_unpack(LU, pivots)
    np.testing.assert_allclose(_np(P @ L @ U), a.astype(dtype), rtol=1e-4, atol=1e-4)


def test_lu_unpack_other_dtypes_and_pivots_like_pytorch():
    torch = pytest.importorskip("torch")
    piv = [3, 3, 3]
    for dtype in ("int64", "bool", "float16"):
        data = tocha.ones(3, 3, dtype=getattr(tocha, dtype))
        got = tocha.lu_unpack(data, tocha.tensor(piv, dtype=tocha.int32))
        expected = torch.lu_unpack(_torch(torch, data), torch.tensor(piv, dtype=torch.int32))
        for g, e in zip(got, expected):
            _same(g, e)
    LU = tocha.randn(2, 4, 3)
    _, pivots = tocha.linalg.lu_factor(LU)  # one set of pivots, applied to every matrix of the batch
    P = tocha.lu_unpack(LU, pivots[0]).P  # (PyTorch applies them to the first matrix only)
    assert P.shape == (2, 4, 4)
    assert P[0].tolist() == P[1].tolist() == tocha.lu_unpack(LU[0], pivots[0]).P.tolist()
    nc = tocha.tensor([[3, 0], [3, 0], [3, 0]], dtype=tocha.int32)[:, 0]  # non-contiguous pivots are accepted
    _same(tocha.lu_unpack(tocha.ones(3, 3), nc).P, torch.lu_unpack(torch.ones(3, 3), _torch(torch, nc)).P)
    result = tocha.lu_unpack(tocha.ones(2, 2), tocha.tensor([1, 2], dtype=tocha.int32))
    assert type(result).__name__ == "lu_unpack"
    assert result._fields == ("P", "L", "U")
    assert repr(result).startswith("tocha.return_types.lu_unpack(\nP=tensor(")


LU_UNPACK_ERRORS = [
    lambda m: m.lu_unpack(m.ones(3), m.ones(3, dtype=m.int32)),
    lambda m: m.lu_unpack(m.ones(3, 3), m.ones(3, dtype=m.int64)),
    lambda m: m.lu_unpack(m.ones(3, 3), m.ones(3)),
    lambda m: m.lu_unpack(m.ones(3, 3), m.tensor([5, 2, 3], dtype=m.int32)),
    lambda m: m.lu_unpack(m.ones(3, 3), m.tensor([0, 2, 3], dtype=m.int32)),
    lambda m: m.lu_unpack(m.ones(3, 3), m.tensor(1, dtype=m.int32)),
    lambda m: m.lu_unpack([[1.0]], m.ones(1, dtype=m.int32)),
]


@pytest.mark.parametrize("make", LU_UNPACK_ERRORS)
def test_lu_unpack_errors_match_pytorch(make):
    torch = pytest.importorskip("torch")
    _raises_like(torch, lambda: make(torch), lambda: make(tocha))


def test_lu_unpack_skips_pivot_checks_without_unpack_pivots():
    P, L, _U = tocha.lu_unpack(tocha.ones(3, 3), tocha.tensor([9, 9, 9]), unpack_pivots=False)
    assert P.shape == (0,)
    assert L.shape == (3, 3)


@pytest.mark.autograd
def test_lu_unpack_gradient_matches_pytorch():
    torch = pytest.importorskip("torch")
    LU, pivots = tocha.linalg.lu_factor(tocha.randn(2, 4, 3, dtype=tocha.float64))
    x = LU.clone().requires_grad_(True)
    t = _torch(torch, LU).requires_grad_(True)
    _, L, U = tocha.lu_unpack(x, pivots)
    _, tL, tU = torch.lu_unpack(t, _torch(torch, pivots))
    wl, wu = (
        np.random.default_rng(2).standard_normal(tuple(tL.shape)),
        np.random.default_rng(3).standard_normal(tuple(tU.shape)),
    )
    ((L * tocha.from_numpy(wl)).sum() + (U * tocha.from_numpy(wu)).sum()).backward()
    ((tL * torch.from_numpy(wl)).sum() + (tU * torch.from_numpy(wu)).sum()).backward()
    np.testing.assert_allclose(_np(x.grad), t.grad.numpy(), rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------ geqrf / orgqr / ormqr

QR_SHAPES = [(3, 3), (5, 3), (3, 5), (2, 4, 3), (2, 2, 3, 4), (0, 3), (2, 0, 3)]


def _matrix(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape) + (1j * rng.standard_normal(shape) if dtype.startswith("complex") else 0)
    return tocha.from_numpy(a.astype(dtype))


@pytest.mark.parametrize("shape", QR_SHAPES)
@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64", "complex128"])
def test_geqrf_and_orgqr_match_pytorch(shape, dtype):
    torch = pytest.importorskip("torch")
    A = _matrix(shape, dtype)
    a, tau = tocha.geqrf(A)
    ta, ttau = torch.geqrf(_torch(torch, A))
    tol = 1e-4 if dtype in ("float32", "complex64") else 1e-10
    _same(a, ta, rtol=tol, atol=tol)
    _same(tau, ttau, rtol=tol, atol=tol)
    if A.numel():
        assert A.geqrf().a.stride() == ta.stride()  # column-major, as LAPACK leaves it
    if shape[-2] >= shape[-1]:
        q = tocha.orgqr(a, tau)
        _same(q, torch.orgqr(ta, ttau), rtol=tol, atol=tol)
        _same(a.orgqr(tau), torch.orgqr(ta, ttau), rtol=tol, atol=tol)
        np.testing.assert_allclose(_np(q), _np(tocha.linalg.householder_product(a, tau)), rtol=tol, atol=tol)


def test_geqrf_result_type_and_out():
    result = tocha.geqrf(tocha.eye(2))
    assert type(result).__name__ == "geqrf"
    assert result._fields == ("a", "tau")
    outs = (tocha.empty(0), tocha.empty(0))
    a, tau = tocha.geqrf(tocha.tensor([[3.0, 1.0], [4.0, 2.0]]), out=outs)
    assert a is outs[0]
    assert tau is outs[1]
    np.testing.assert_allclose(_np(tau), [1.6, 0.0], atol=1e-6)
    out = tocha.empty(0)
    assert tocha.orgqr(a, tau, out=out) is out
    np.testing.assert_allclose(_np(out), [[-0.6, -0.8], [-0.8, 0.6]], atol=1e-6)


@pytest.mark.parametrize(
    ("shape", "other"),
    [((4, 3), (4, 2)), ((3, 3), (3, 5)), ((2, 5, 2), (2, 5, 3)), ((3, 4), (3, 2)), ((2, 3), (2, 5))],
)
@pytest.mark.parametrize("dtype", ["float32", "float64", "complex128"])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("transpose", [False, True])
def test_ormqr_matches_pytorch(shape, other, dtype, left, transpose):
    torch = pytest.importorskip("torch")
    a, tau = tocha.geqrf(_matrix(shape, dtype))
    ta, ttau = torch.geqrf(_torch(torch, _matrix(shape, dtype)))
    C = _matrix(other, dtype, seed=1)
    if not left:
        C = C.mT.contiguous()
    k = min(C.shape[-2 if left else -1], shape[-1])
    a, ta, tau, ttau = a, ta, tau[..., :k], ttau[..., :k]
    got = tocha.ormqr(a, tau, C, left, transpose)
    expected = torch.ormqr(ta, ttau, _torch(torch, C), left, transpose)
    tol = 1e-4 if dtype == "float32" else 1e-10
    _same(got, expected, rtol=tol, atol=tol)
    _same(a.ormqr(tau, C, left=left, transpose=transpose), expected, rtol=tol, atol=tol)


QR_ERRORS = [
    lambda m: m.geqrf(m.ones(3)),
    lambda m: m.geqrf(m.ones(3, 3, dtype=m.int64)),
    lambda m: m.geqrf(m.ones(3, 3, dtype=m.float16)),
    lambda m: m.geqrf(m.ones(3, 3, dtype=m.bool)),
    lambda m: m.orgqr(m.ones(3), m.ones(3)),
    lambda m: m.orgqr(m.ones(2, 3), m.ones(2)),
    lambda m: m.orgqr(m.ones(3, 2), m.ones(3)),
    lambda m: m.orgqr(m.ones(3, 2), m.ones(2, dtype=m.float64)),
    lambda m: m.orgqr(m.ones(3, 2, dtype=m.int64), m.ones(2, dtype=m.int64)),
    lambda m: m.orgqr(m.ones(3, 3, dtype=m.float16), m.ones(3, dtype=m.float16)),
    lambda m: m.orgqr(m.ones(2, 3, 2), m.ones(3, 2)),
    lambda m: m.orgqr(m.ones(2, 3, 2), m.ones(2)),
    lambda m: m.orgqr(m.ones(3, 3), m.tensor(1.0)),
    lambda m: m.orgqr(m.ones(3, 3), tau=m.ones(3)),
    lambda m: m.ormqr(m.ones(3), m.ones(3), m.ones(3)),
    lambda m: m.ormqr(m.ones(3, 3), m.ones(3), m.ones(3)),
    lambda m: m.ormqr(m.ones(3, 3), m.ones(3), m.ones(3, 3, dtype=m.float64)),
    lambda m: m.ormqr(m.ones(3, 3, dtype=m.int64), m.ones(3, dtype=m.int64), m.ones(3, 3, dtype=m.int64)),
    lambda m: m.ormqr(m.ones(4, 3), m.ones(4), m.ones(4, 2)),
    lambda m: m.ormqr(m.ones(4, 3), m.ones(2), m.ones(4, 2)),
    lambda m: m.ormqr(m.ones(4, 3), m.ones(3), m.ones(3, 2)),
    lambda m: m.ormqr(m.ones(4, 3), m.ones(3), m.ones(2, 3), left=False),
    lambda m: m.ormqr(m.ones(2, 3), m.ones(3), m.ones(5, 2), left=False),
    lambda m: m.ormqr(m.ones(4, 3), m.ones(3, dtype=m.float64), m.ones(4, 2)),
    lambda m: m.ormqr(m.ones(3, 3), m.ones(1, 3), m.ones(3, 3)),
    lambda m: m.ormqr(m.ones(2, 4, 3), m.ones(2, 3), m.ones(4, 2)),
    lambda m: m.ormqr(m.ones(2, 4, 3), m.ones(3, 3), m.ones(2, 4, 2)),
    lambda m: m.ormqr(m.ones(2, 4, 3), m.ones(2, 3), m.ones(3, 4, 2)),
    lambda m: m.ormqr(m.ones(3, 3), m.ones(3), other=m.ones(3, 3)),
]


@pytest.mark.parametrize("make", QR_ERRORS)
def test_qr_helper_errors_match_pytorch(make):
    torch = pytest.importorskip("torch")
    theirs, ours = _raises_like(torch, lambda: make(torch), lambda: make(tocha))
    if isinstance(theirs, RuntimeError):
        assert str(ours) == str(theirs)


def test_geqrf_is_not_differentiable():
    assert tocha.geqrf(tocha.eye(2)).a.grad_fn is None


@pytest.mark.autograd
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("dtype", ["float64", "complex128"])
def test_ormqr_and_orgqr_gradients_match_pytorch(left, transpose, dtype):
    torch = pytest.importorskip("torch")
    a, tau = tocha.geqrf(_matrix((4, 3), dtype))
    C = _matrix((4, 2) if left else (2, 4), dtype, seed=5)
    xs = [v.clone().requires_grad_(True) for v in (a, tau, C)]
    ts = [_torch(torch, v).requires_grad_(True) for v in (a, tau, C)]
    w = _matrix((4, 2) if left else (2, 4), dtype, seed=6)
    ((tocha.ormqr(*xs, left, transpose) * w).sum().abs() + (tocha.orgqr(xs[0], xs[1]) * 2).sum().abs()).backward()
    (
        (torch.ormqr(*ts, left, transpose) * _torch(torch, w)).sum().abs() + (torch.orgqr(ts[0], ts[1]) * 2).sum().abs()
    ).backward()
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(_np(x.grad), t.grad.numpy(), rtol=1e-9, atol=1e-9)


# ------------------------------------------------------------------ rsub

RSUB_CASES = [
    lambda m: m.rsub(m.tensor([1.0, 2.0]), 5),
    lambda m: m.rsub(m.tensor([1.0, 2.0]), 5, alpha=2),
    lambda m: m.rsub(m.tensor([1.0, 2.0]), m.tensor([10.0, 20.0]), alpha=2),
    lambda m: m.rsub(m.tensor([1, 2]), 2.5),
    lambda m: m.rsub(m.tensor([1, 2], dtype=m.int8), 1000),
    lambda m: m.rsub(m.tensor([1], dtype=m.uint8), m.tensor([3], dtype=m.int8)),
    lambda m: m.rsub(m.tensor(1.0, dtype=m.float64), m.tensor([1], dtype=m.int32)),
    lambda m: m.rsub(m.ones(2, 1), m.arange(3.0)),
    lambda m: m.rsub(m.tensor([1 + 1j]), 2, alpha=1j),
    lambda m: m.rsub(m.tensor([1.0], dtype=m.float16), m.tensor([2.0], dtype=m.bfloat16)),
    lambda m: m.rsub(m.tensor([3, 4]), m.tensor([1, 1]), alpha=2),
]


@pytest.mark.parametrize("make", RSUB_CASES)
def test_rsub_matches_pytorch(make):
    torch = pytest.importorskip("torch")
    got, expected = make(tocha), make(torch)
    assert got.dtype.name == str(expected.dtype).removeprefix("torch.")
    np.testing.assert_allclose(
        _np(got.float() if got.dtype is tocha.bfloat16 else got),
        expected.float().numpy() if expected.dtype is torch.bfloat16 else expected.numpy(),
    )


RSUB_ERRORS = [
    lambda m: m.rsub(m.tensor([1, 2]), 2, alpha=1.5),
    lambda m: m.rsub(m.tensor([1, 2]), m.tensor([1, 2]), alpha=1.5),
    lambda m: m.rsub(m.tensor([1.0]), 1, alpha=1j),
    lambda m: m.rsub(m.tensor([True]), m.tensor([False])),
    lambda m: m.rsub(m.tensor([True]), 1),
    lambda m: m.rsub(2, m.tensor([1.0])),
    lambda m: m.rsub(m.ones(2), m.ones(3)),
]


@pytest.mark.parametrize("make", RSUB_ERRORS)
def test_rsub_errors_match_pytorch(make):
    torch = pytest.importorskip("torch")
    _raises_like(torch, lambda: make(torch), lambda: make(tocha))


@pytest.mark.autograd
def test_rsub_gradient():
    x = tocha.tensor([1.0, 2.0], requires_grad=True)
    y = tocha.tensor([3.0, 5.0], requires_grad=True)
    tocha.rsub(x, y, alpha=3).sum().backward()
    assert x.grad.tolist() == [-3.0, -3.0]
    assert y.grad.tolist() == [1.0, 1.0]


# ------------------------------------------------------------------ constant_pad_nd

PAD_CASES = [
    ((2, 3), "float32", (1, 2), 0),
    ((2, 3), "float32", [1, 0, 0, 1], 9),
    ((2, 3), "float32", (-1, 0), 0),
    ((2, 3), "float32", (-3, 0), 0),
    ((2, 3), "float32", (-1, 2, 1, -1), 0.5),
    ((2, 3), "int64", (1, 1), 2.5),
    ((2, 3), "bool", (1, 1), 1),
    ((2, 3), "complex64", (1, 1), 1j),
    ((2, 3), "float64", (), 0),
    ((), "float32", (), 0),
    ((2, 3, 4), "float16", (1, 1, 0, 0, 2, 0), -1),
    ((1, 2, 2, 2), "float32", (1, 1), 0),
    ((2, 0, 3), "float32", (1, 1, 1, 1), 3),
]


@pytest.mark.parametrize(("shape", "dtype", "pad", "value"), PAD_CASES)
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "channels_last"])
def test_constant_pad_nd_matches_pytorch(shape, dtype, pad, value, layout):
    torch = pytest.importorskip("torch")
    x = tocha.from_numpy(np.asarray(np.arange(int(np.prod(shape))).reshape(shape) % 5).astype(dtype))
    if layout == "transposed" and len(shape) >= 2:
        x = x.mT.contiguous().mT
    elif layout == "channels_last" and len(shape) == 4:
        x = x.contiguous(memory_format=tocha.channels_last)
    before = _np(x).copy()
    got = tocha.constant_pad_nd(x, pad, value)
    expected = torch.constant_pad_nd(_torch(torch, x), pad, value)
    _same(got, expected, rtol=0, atol=0)
    assert not np.shares_memory(np.asarray(got), np.asarray(x))
    got.fill_(1)
    np.testing.assert_array_equal(_np(x), before)


def test_constant_pad_nd_of_bfloat16():
    got = tocha.constant_pad_nd(tocha.ones(2, dtype=tocha.bfloat16), (1, 1), 2.5)
    assert got.dtype == tocha.bfloat16
    assert got.tolist() == [2.5, 1.0, 1.0, 2.5]


def test_constant_pad_nd_tensor_value_and_keyword():
    got = tocha.constant_pad_nd(tocha.zeros(1, 2), pad=(1, 1), value=tocha.tensor(2.0))
    assert got.tolist() == [[2.0, 0.0, 0.0, 2.0]]


PAD_ERRORS = [
    lambda m: m.constant_pad_nd(m.ones(2, 3), (1,)),
    lambda m: m.constant_pad_nd(m.ones(2, 3), (1, 1, 1, 1, 1, 1)),
    lambda m: m.constant_pad_nd(m.ones(2, 3), (-4, 0)),
    lambda m: m.constant_pad_nd(m.ones(2, 3), (-2, -2)),
    lambda m: m.constant_pad_nd(m.ones(2, 3), (1, 1), 1j),
    lambda m: m.constant_pad_nd(m.ones(2, dtype=m.int8), (1, 1), 1000),
    lambda m: m.constant_pad_nd(m.ones(2, dtype=m.int64), (1, 1), float("inf")),
    lambda m: m.constant_pad_nd(m.ones(2, dtype=m.bfloat16), (1, 1), 1e39),
    lambda m: m.constant_pad_nd(m.ones(2), (1, 1), out=m.empty(0)),
    lambda m: m.constant_pad_nd([1.0], (1, 1)),
]


@pytest.mark.parametrize("make", PAD_ERRORS)
def test_constant_pad_nd_errors_match_pytorch(make):
    torch = pytest.importorskip("torch")
    theirs, ours = _raises_like(torch, lambda: make(torch), lambda: make(tocha))
    if isinstance(theirs, RuntimeError):
        assert str(ours) == str(theirs)


@pytest.mark.autograd
def test_constant_pad_nd_gradient_matches_pytorch():
    torch = pytest.importorskip("torch")
    x = tocha.randn(2, 3, 4, dtype=tocha.float64).requires_grad_(True)
    t = _torch(torch, x).requires_grad_(True)
    pad = (1, -1, -1, 2, 1, 0)
    w = np.random.default_rng(4).standard_normal(tuple(torch.constant_pad_nd(t, pad, 3.0).shape))
    (tocha.constant_pad_nd(x, pad, 3.0) * tocha.from_numpy(w)).sum().backward()
    (torch.constant_pad_nd(t, pad, 3.0) * torch.from_numpy(w)).sum().backward()
    np.testing.assert_allclose(_np(x.grad), t.grad.numpy())


# ------------------------------------------------------------------ nonzero_static

NZS_CASES = [
    lambda m: m.nonzero_static(m.tensor([[0, 1], [2, 0]]), size=3),
    lambda m: m.nonzero_static(m.tensor([[0, 1], [2, 0]]), size=1),
    lambda m: m.nonzero_static(m.tensor([[0, 1], [2, 0]]), size=0),
    lambda m: m.nonzero_static(m.tensor([[0, 1], [2, 0]]), size=4, fill_value=9),
    lambda m: m.nonzero_static(m.tensor(3), size=2),
    lambda m: m.nonzero_static(m.tensor(0), size=2),
    lambda m: m.nonzero_static(m.tensor([0.0, 2.0, 3.0]), size=2),
    lambda m: m.nonzero_static(m.tensor([True, False]), size=2),
    lambda m: m.nonzero_static(m.tensor([0j, 1j]), size=2),
    lambda m: m.nonzero_static(m.tensor([float("nan"), 0.0]), size=2),
    lambda m: m.nonzero_static(m.zeros(0, 3), size=2),
    lambda m: m.nonzero_static(m.ones(2, 3).t(), size=7, fill_value=2**40),
    lambda m: m.nonzero_static(m.tensor([[0, 1], [2, 0]]), size=m.tensor(2)),
    lambda m: m.tensor([[1, 0], [1, 1]]).nonzero_static(size=5, fill_value=-7),
]


@pytest.mark.parametrize("make", NZS_CASES)
def test_nonzero_static_matches_pytorch(make):
    torch = pytest.importorskip("torch")
    _same(make(tocha), make(torch), rtol=0, atol=0)


def test_nonzero_static_out():
    out = tocha.empty(0, dtype=tocha.int64)
    assert tocha.nonzero_static(tocha.tensor([0, 3]), size=2, out=out) is out
    assert out.tolist() == [[1], [-1]]


NZS_ERRORS = [
    lambda m: m.nonzero_static(m.ones(2), size=-1),
    lambda m: m.nonzero_static(m.ones(2), size=2.0),
    lambda m: m.nonzero_static(m.ones(2), size=2, fill_value=1.5),
    lambda m: m.nonzero_static(m.ones(2), 2),
    lambda m: m.nonzero_static(m.ones(2), size=2, out=m.empty(0, dtype=m.int32)),
]


@pytest.mark.parametrize("make", NZS_ERRORS)
def test_nonzero_static_errors_match_pytorch(make):
    torch = pytest.importorskip("torch")
    _raises_like(torch, lambda: make(torch), lambda: make(tocha))


# ------------------------------------------------------------------ settings and interop


def test_set_flush_denormal_cannot_be_honoured():
    assert tocha.set_flush_denormal(True) is False
    assert tocha.set_flush_denormal(False) is False


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.set_flush_denormal(1),
        lambda m: m.set_flush_denormal("x"),
        lambda m: m.set_flush_denormal(),
        lambda m: m.set_flush_denormal(mode=True),
    ],
)
def test_set_flush_denormal_errors_match_pytorch(make):
    torch = pytest.importorskip("torch")
    _raises_like(torch, lambda: make(torch), lambda: make(tocha))


def test_get_device():
    assert tocha.get_device(tocha.ones(2)) == -1
    assert tocha.get_device(input=tocha.ones(2)) == -1
    with pytest.raises(TypeError, match="must be Tensor, not list"):
        tocha.get_device([1])


def test_to_dlpack_shares_memory():
    x = tocha.arange(3.0)
    y = tocha.from_dlpack(tocha.to_dlpack(x))
    x[0] = 7.0
    assert y.tolist() == [7.0, 1.0, 2.0]
    with pytest.raises(TypeError):
        tocha.to_dlpack([1])


def test_to_dlpack_capsule_is_read_by_pytorch():
    torch = pytest.importorskip("torch")
    x = tocha.arange(4, dtype=tocha.int32)
    t = torch.from_dlpack(tocha.to_dlpack(x))
    t[1] = 9
    assert x.tolist() == [0, 9, 2, 3]


# ------------------------------------------------------------------ cond / while_loop


def test_cond_runs_the_chosen_branch():
    x = tocha.ones(3)
    assert tocha.cond(True, lambda a: a + 1, lambda a: a - 1, (x,)).tolist() == [2.0] * 3
    assert tocha.cond(tocha.tensor(False), lambda a: a + 1, lambda a: a - 1, (x,)).tolist() == [0.0] * 3
    assert tocha.cond(tocha.tensor([2.0]), lambda a: a * 2, lambda a: a, [x]).tolist() == [2.0] * 3
    assert tocha.cond(0.0, lambda: 1, lambda: 2) == 2
    nested = tocha.cond(tocha.tensor(True), lambda d: d["k"][0] + 1, lambda d: d["k"][0], ({"k": [x]},))
    assert nested.tolist() == [2.0] * 3
    pair = tocha.cond(tocha.tensor(True), lambda a: (a * 1, 3), lambda a: (a * 2, 4), (x,))
    assert pair[1] == 3
    assert tocha.cond(True, lambda a: a, None, (x,)) is x  # a Python pred just runs the branch, as PyTorch


COND_ERRORS = [
    lambda m, x: m.cond(m.tensor([True, False]), lambda a: a, lambda a: a, (x,)),
    lambda m, x: m.cond(m.tensor([]), lambda a: a, lambda a: a, (x,)),
    lambda m, x: m.cond("a", lambda a: a, lambda a: a, (x,)),
    lambda m, x: m.cond(None, lambda a: a, lambda a: a, (x,)),
    lambda m, x: m.cond(np.bool_(True), lambda a: a, lambda a: a, (x,)),
    lambda m, x: m.cond(m.tensor(True), lambda a: a + 1, None, (x,)),
    lambda m, x: m.cond(m.tensor(True), lambda a: a + 1, lambda a: a, {"a": x}),
    lambda m, x: m.cond(m.tensor(True), lambda a: a + 1, lambda a: a, (1.5,)),
    lambda m, x: m.cond(m.tensor(True), lambda a: a + 1, lambda a: a, (1,)),
    lambda m, x: m.cond(True, 1, lambda a: a, (x,)),
]


@pytest.mark.parametrize("make", COND_ERRORS)
def test_cond_errors_match_pytorch(make):
    torch = pytest.importorskip("torch")
    theirs, ours = _raises_like(torch, lambda: make(torch, torch.ones(3)), lambda: make(tocha, tocha.ones(3)))
    if str(theirs).startswith("Expect"):
        assert str(ours).replace("tocha", "torch") == str(theirs)


def test_cond_output_checks_with_a_tensor_pred():
    x = tocha.ones(2)
    with pytest.raises(RuntimeError, match="alias"):
        tocha.cond(tocha.tensor(True), lambda a: a, lambda a: a + 1, (x,))
    with pytest.raises(RuntimeError, match="alias"):
        tocha.cond(tocha.tensor(True), lambda a: a[:1], lambda a: a + 1, (x,))
    with pytest.raises(RuntimeError, match="return type"):
        tocha.cond(tocha.tensor(True), lambda a: None, lambda a: None, (x,))
    assert tocha.cond(tocha.tensor(True), lambda a: 1, lambda a: 2, (x,)) == 1


def test_while_loop_runs_eagerly():
    i, x = tocha.while_loop(lambda i, x: i < 3, lambda i, x: (i + 1, x * 2), (tocha.tensor(0), tocha.ones(2)))
    assert int(i) == 3
    assert x.tolist() == [8.0, 8.0]
    n, y = tocha.while_loop(lambda n, y: 2 * n < y.shape[0] + 4, lambda n, y: (n + 1, y + n), (0, tocha.zeros(2)))
    assert n == 3
    assert y.tolist() == [3.0, 3.0]
    assert int(tocha.while_loop(lambda i: i < 3, lambda i: i + 1, (tocha.tensor(0),))) == 3  # one leaf, unwrapped
    assert tocha.while_loop(lambda i: i < 3, lambda i: [i + 1], [tocha.tensor(0)])[0].item() == 3
    (d,) = tocha.while_loop(lambda d: d["i"] < 2, lambda d: ({"i": d["i"] + 1},), ({"i": tocha.tensor(0)},))
    assert int(d["i"]) == 2
    start = (tocha.tensor(5), tocha.ones(1))
    assert tocha.while_loop(lambda i, x: i < 0, lambda i, x: (i + 1, x + 1), start) is start
    assert tocha.while_loop(lambda: False, lambda: (), ()) == ()
    flag = tocha.while_loop(lambda i, b: i < 2, lambda i, b: (i + 1, b), (tocha.tensor(0), True))
    assert flag[1] is True


# (make, the builtin exception type PyTorch raises): test_while_loop_error_table_is_pytorch_s checks the types
WHILE_ERRORS = [
    (lambda m: m.while_loop(1, lambda i: (i + 1,), (m.tensor(0),)), RuntimeError),
    (lambda m: m.while_loop(lambda i: i < 3, 2, (m.tensor(0),)), RuntimeError),
    (lambda m: m.while_loop(lambda i: i < 3, lambda i: (i + 1,), (0.5,)), AssertionError),
    (lambda m: m.while_loop(lambda i: i < 3, lambda i: (i + 1,), ({m.tensor(0)},)), AssertionError),
    (lambda m: m.while_loop(lambda i: 3 - i, lambda i: (i + 1,), (m.tensor(0),)), RuntimeError),
    (lambda m: m.while_loop(lambda i: i < 3, lambda i: (i + 1,), (m.tensor([0, 1]),)), RuntimeError),
    (lambda m: m.while_loop(lambda i: i < 3, lambda i: (i + 1,), (m.tensor([0]),)), RuntimeError),
    (lambda m: m.while_loop(lambda i: "x", lambda i: (i + 1,), (m.tensor(0),)), RuntimeError),
    (lambda m: m.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1,), (m.tensor(0), m.ones(3))), RuntimeError),
    (lambda m: m.while_loop(lambda a: a.numel() < 4, lambda a: (m.cat([a, a]),), (m.ones(3),)), RuntimeError),
    (lambda m: m.while_loop(lambda a: a.sum() < 4, lambda a: (a.double() + 1,), (m.ones(3),)), RuntimeError),
    (lambda m: m.while_loop(lambda i, b: i < 3, lambda i, b: (i + 1, 0.5), (m.tensor(0), 1)), RuntimeError),
    (lambda m: m.while_loop(lambda i, b: i < 3, lambda i, b: (i + 1, b), (m.tensor(0), m.ones(3))), RuntimeError),
    (lambda m: m.while_loop(lambda i, b: i < 3, lambda i, b: (i + 1, m.tensor(b)), (m.tensor(0), 1)), RuntimeError),
]


@pytest.mark.parametrize(("make", "error"), WHILE_ERRORS)
def test_while_loop_errors(make, error):
    with pytest.raises(error):
        make(tocha)


@pytest.mark.slow
@pytest.mark.parametrize("index", [0, 2, 4, 9, 12])
def test_while_loop_error_table_is_pytorch_s(index):
    torch = pytest.importorskip("torch")  # PyTorch compiles the loop: seconds per case, so a sample of the table
    make, error = WHILE_ERRORS[index]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs, _ = _raises_like(torch, lambda: make(torch), lambda: make(tocha))
    assert isinstance(theirs, error)


@pytest.mark.autograd
def test_cond_and_while_loop_are_differentiable():
    x = tocha.tensor([1.0, 2.0], requires_grad=True)
    tocha.cond(x.sum() > 0, lambda a: a * 3, lambda a: a, (x,)).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    x.grad = None
    _, y = tocha.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * 2), (tocha.tensor(0), x))
    y.sum().backward()
    assert x.grad.tolist() == [8.0, 8.0]


# ------------------------------------------------------------------ anomaly switches


@pytest.mark.autograd
def test_anomaly_switches_hand_over_to_autograd():
    import tocha.autograd

    assert tocha.is_anomaly_enabled() is False
    assert tocha.is_anomaly_check_nan_enabled() is True
    try:
        tocha.set_anomaly_enabled(True, False)
        assert tocha.is_anomaly_enabled() is True
        assert tocha.autograd.is_anomaly_enabled() is True
        assert tocha.is_anomaly_check_nan_enabled() is False
        tocha.set_anomaly_enabled(enabled=True, check_nan=True)
        assert tocha.is_anomaly_check_nan_enabled() is True
    finally:
        tocha.set_anomaly_enabled(False)
    assert tocha.is_anomaly_enabled() is False
    assert tocha.autograd.is_anomaly_enabled() is False
    with tocha.autograd.detect_anomaly():
        assert tocha.is_anomaly_enabled() is True
    with tocha.autograd.detect_anomaly(check_nan=False):  # set through tocha-autograd's own API
        assert tocha.is_anomaly_check_nan_enabled() is False
        assert tocha.autograd.is_anomaly_check_nan_enabled() is False
    assert tocha.is_anomaly_check_nan_enabled() is True


@pytest.mark.parametrize(
    "make",
    [lambda m: m.set_anomaly_enabled(1), lambda m: m.set_anomaly_enabled(), lambda m: m.set_anomaly_enabled(True, 1)],
)
def test_set_anomaly_enabled_argument_errors_match_pytorch(make):
    torch = pytest.importorskip("torch")
    _raises_like(torch, lambda: make(torch), lambda: make(tocha))


def test_anomaly_switches_without_autograd(monkeypatch):
    monkeypatch.setattr(misc_toplevel, "load_autograd", lambda **kw: None)
    assert tocha.is_anomaly_enabled() is False
    assert tocha.is_anomaly_check_nan_enabled() is False
    with pytest.raises(RuntimeError, match="tocha-autograd"):
        tocha.set_anomaly_enabled(True)


def test_public_names():
    for name in (*misc_toplevel.__all__, *control_flow.__all__):
        fn = getattr(tocha, name)
        assert fn.__module__ == "tocha"
        assert name in tocha.__all__
        assert fn.__doc__
        assert "Example:" in fn.__doc__
    for name in ("geqrf", "orgqr", "ormqr", "nonzero_static"):
        assert callable(getattr(tocha.Tensor, name))


# ------------------------------------------------------------------ cuda


@pytest.mark.gpu
def test_cuda_matches_cpu():
    x = tocha.tensor(POINTS)
    h_cpu, h_gpu = tocha.histogramdd(x, bins=[2, 3]), tocha.histogramdd(x.cuda(), bins=[2, 3])
    assert h_gpu.hist.device.type == "cuda"
    np.testing.assert_allclose(np.array(h_gpu.hist.cpu()), np.array(h_cpu.hist))
    A = _matrix((2, 4, 3), "float64")
    a, tau = tocha.geqrf(A.cuda())
    a0, tau0 = tocha.geqrf(A)
    np.testing.assert_allclose(np.array(a.cpu()), np.array(a0), atol=1e-10)
    np.testing.assert_allclose(np.array(tau.cpu()), np.array(tau0), atol=1e-10)
    C = _matrix((2, 4, 2), "float64", seed=3)
    np.testing.assert_allclose(
        np.array(tocha.ormqr(a, tau, C.cuda(), True, True).cpu()),
        np.array(tocha.ormqr(a0, tau0, C, True, True)),
        atol=1e-10,
    )
    LU, piv = tocha.linalg.lu_factor(A[:, :3].cuda())
    P, L, U = tocha.lu_unpack(LU, piv)
    np.testing.assert_allclose(np.array((P @ L @ U).cpu()), np.array(A[:, :3]), atol=1e-10)
    y = tocha.arange(6.0, device="cuda").reshape(2, 3)
    assert tocha.constant_pad_nd(y, (1, 1), 2.0).cpu().tolist() == [[2, 0, 1, 2, 2], [2, 3, 4, 5, 2]]
    assert tocha.nonzero_static(y, size=7).cpu()[-1].tolist() == [-1, -1]
    assert tocha.rsub(y, 1).device.type == "cuda"
    with pytest.warns(UserWarning, match="deprecated"):
        assert tocha.range(0, 2, device="cuda").device.type == "cuda"
    assert tocha.empty_permuted((2, 3), (1, 0), device="cuda").stride() == (1, 2)
