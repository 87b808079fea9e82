"""PyTorch's legacy top-level names (tocha._ops.legacy_linalg, legacy_autocast, legacy_toplevel): removed and
deprecated linear algebra, svd/pca_lowrank, the per-device autocast switches, the sym_* helpers,
set_default_tensor_type & co., segment_reduce and from_file.

PyTorch comparisons (``torch = pytest.importorskip("torch")``) check values, dtypes, error types and texts;
gradient checks are marked ``autograd``; ``gpu`` tests compare CUDA with the CPU.
"""

from __future__ import annotations

import itertools
import math
import os
import warnings

import numpy as np
import pytest

import tocha
from tocha import _autocast


def _np(x):
    x = x.detach() if x.requires_grad else x
    if x.dtype in (tocha.float16, tocha.bfloat16):
        x = x.to(tocha.float64)
    return np.array(x.cpu())


def _same(got, expected, *, rtol=1e-6, atol=1e-6):
    assert got.dtype.name == str(expected.dtype).removeprefix("torch.")
    assert tuple(got.shape) == tuple(expected.shape)
    want = expected.detach()
    if want.is_floating_point() and want.element_size() == 2:  # float16 / bfloat16: NumPy compares in float64
        want = want.double()
    np.testing.assert_allclose(_np(got), want.numpy(), rtol=rtol, atol=atol, equal_nan=True)


def _raises_like(torch, make_torch, make_tocha):
    """Both calls raise, tocha with PyTorch's exception type (or a subclass); returns (PyTorch's, tocha's)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as theirs:
            make_torch()
        builtin = next(c for c in type(theirs.value).__mro__ if c.__module__ == "builtins")  # torch's own subclasses
        with pytest.raises(builtin) as ours:
            make_tocha()
    return theirs.value, ours.value


def _torch_text(e):
    return str(e).replace("torch.", "tocha.").replace("Torch", "Tocha")


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


# ------------------------------------------------------------------ removed linear algebra


@pytest.mark.parametrize("name", ["solve", "lstsq", "eig", "symeig", "matrix_rank"])
def test_removed_functions_raise_pytorchs_error(name):
    torch = pytest.importorskip("torch")
    theirs, ours = _raises_like(
        torch,
        lambda: getattr(torch, name)(torch.eye(2), torch.eye(2)),
        lambda: getattr(tocha, name)(tocha.eye(2), tocha.eye(2)),
    )
    assert str(ours) == str(theirs).replace("torch.", "tocha.")
    assert type(ours) is RuntimeError


@pytest.mark.parametrize("name", ["solve", "lstsq", "eig", "symeig", "matrix_rank"])
def test_removed_functions_take_any_arguments(name):
    fn = getattr(tocha, name)
    for args, kwargs in (((), {}), ((1, 2, 3), {"out": None, "eigenvectors": True})):
        with pytest.raises(RuntimeError, match=r"deprecated since version 1\.9 and is now removed"):
            fn(*args, **kwargs)
    assert fn.__module__ == "tocha"


@pytest.mark.parametrize("name", ["solve", "lstsq", "eig", "symeig"])
def test_removed_tensor_methods_raise_pytorchs_error(name):
    torch = pytest.importorskip("torch")
    theirs, ours = _raises_like(
        torch,
        lambda: getattr(torch.eye(2), name)(torch.eye(2)),
        lambda: getattr(tocha.eye(2), name)(tocha.eye(2)),
    )
    assert str(ours) == str(theirs).replace("torch.", "tocha.")


def test_tensor_triangular_solve_is_the_function():
    b, a = tocha.tensor([[2.0], [3.0]]), tocha.tensor([[1.0, 1.0], [0.0, 2.0]])
    with pytest.warns(UserWarning, match="triangular_solve is deprecated"):
        solution, copied = b.triangular_solve(a)
    assert solution.tolist() == [[0.5], [1.5]]
    assert copied.tolist() == a.tolist()
    with pytest.warns(UserWarning, match="triangular_solve is deprecated"):
        assert b.triangular_solve(a.mT, upper=False).solution.tolist() == [[2.0], [0.5]]


# ------------------------------------------------------------------ resize and resize_as (the non-inplace forms)


@pytest.mark.autograd
def test_resize_and_resize_as_reshape_differentiably_and_warn():
    x = tocha.arange(6.0).reshape(2, 3).requires_grad_()
    with pytest.warns(UserWarning, match="^non-inplace resize is deprecated$"):
        y = x.mT.resize(3, 2)
    assert y.is_contiguous()
    assert y.tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]
    (y * tocha.arange(6.0).reshape(3, 2)).sum().backward()
    assert x.grad.tolist() == [[0.0, 2.0, 4.0], [1.0, 3.0, 5.0]]
    with pytest.warns(UserWarning, match="^non-inplace resize_as is deprecated$"):
        assert x.resize_as(tocha.zeros(6)).tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert x.shape == (2, 3)  # unlike resize_, the tensor itself keeps its shape


def test_resize_refuses_another_element_count_as_pytorch():
    torch = pytest.importorskip("torch")
    theirs, ours = _raises_like(torch, lambda: torch.ones(2, 3).resize(4), lambda: tocha.ones(2, 3).resize(4))
    assert str(ours) == str(theirs)
    with pytest.raises(TypeError, match="must be Tensor"), pytest.warns(UserWarning, match="resize_as is deprecated"):
        tocha.ones(2).resize_as([1, 2])


# ------------------------------------------------------------------ triangular_solve


def _triangular(n, *, batch=(), dtype="float64", seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((*batch, n, n)) + 3 * np.eye(n)
    if dtype.startswith("complex"):
        a = a + 1j * rng.standard_normal((*batch, n, n))
    return a


@pytest.mark.parametrize(("upper", "transpose", "unitriangular"), list(itertools.product([True, False], repeat=3)))
@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64", "complex128"])
def test_triangular_solve_matches_pytorch(upper, transpose, unitriangular, dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    a = _triangular(4, dtype=dtype)  # both triangles full: only the named one may be read
    b = rng.standard_normal((4, 3))
    ta, tb = torch.tensor(a).to(getattr(torch, dtype)), torch.tensor(b).to(getattr(torch, dtype))
    ca, cb = tocha.tensor(a).to(getattr(tocha, dtype)), tocha.tensor(b).to(getattr(tocha, dtype))
    expected = _quiet(torch.triangular_solve, tb, ta, upper, transpose, unitriangular)
    with pytest.warns(UserWarning, match="tocha.triangular_solve is deprecated"):
        got = tocha.triangular_solve(cb, ca, upper, transpose, unitriangular)
    tol = 1e-4 if dtype in ("float32", "complex64") else 1e-10
    _same(got.solution, expected.solution, rtol=tol, atol=tol)
    _same(got.cloned_coefficient, expected.cloned_coefficient)
    # keywords as PyTorch names them
    kw = _quiet(tocha.triangular_solve, cb, ca, upper=upper, transpose=transpose, unitriangular=unitriangular)
    _same(kw[0], expected[0], rtol=tol, atol=tol)


@pytest.mark.parametrize(
    ("b_shape", "a_batch"),
    [((3, 2), (5,)), ((4, 3, 2), ()), ((4, 1, 3, 2), (5,)), ((0, 3, 2), ()), ((3, 0), ()), ((2, 3, 1), (2,))],
)
def test_triangular_solve_broadcasts_batches_like_pytorch(b_shape, a_batch):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    a = _triangular(3, batch=a_batch)
    b = rng.standard_normal(b_shape)
    expected = _quiet(torch.triangular_solve, torch.tensor(b), torch.tensor(a), False)
    got = _quiet(tocha.triangular_solve, tocha.tensor(b), tocha.tensor(a), False)
    _same(got.solution, expected.solution, rtol=1e-10, atol=1e-10)
    _same(got.cloned_coefficient, expected.cloned_coefficient)
    assert got.cloned_coefficient.is_contiguous()


def test_triangular_solve_result_type_and_copy():
    A = tocha.tensor([[2.0, 1.0], [0.0, 4.0]])
    result = _quiet(tocha.triangular_solve, tocha.tensor([[4.0], [8.0]]), A)
    assert type(result).__name__ == "triangular_solve"
    assert type(result).__module__ == "tocha.return_types"
    assert result._fields == ("solution", "cloned_coefficient")
    assert repr(result).startswith("tocha.return_types.triangular_solve(\nsolution=tensor(")
    result.cloned_coefficient[0, 0] = 100.0  # a copy, not A
    assert float(A[0, 0]) == 2.0
    solution, coefficient = _quiet(tocha.triangular_solve, tocha.zeros(0, 2), tocha.zeros(0, 0))
    assert tuple(solution.shape) == (0, 2)
    assert tuple(coefficient.shape) == (0, 0)


def test_triangular_solve_out():
    A = tocha.tensor([[2.0, 1.0], [0.0, 4.0]])
    b = tocha.tensor([[4.0], [8.0]])
    x, m = tocha.empty(0), tocha.empty(0)
    result = _quiet(tocha.triangular_solve, b, A, out=(x, m))
    assert result.solution is x
    assert result.cloned_coefficient is m
    np.testing.assert_allclose(_np(x), [[1.0], [2.0]])
    np.testing.assert_array_equal(_np(m), _np(A))


@pytest.mark.parametrize(
    ("b", "A", "kwargs"),
    [
        ((3, 2), (2, 3), {}),  # A not square
        ((2, 2), (3, 3), {}),  # incompatible sizes
        ((3,), (3, 3), {}),  # b 1-D
        ((3, 2), (3,), {}),  # A 1-D
        ((4, 3, 2), (2, 3, 3), {}),  # batches do not broadcast
        ((3, 2), (3, 3), {"upper": 1}),
        ((3, 2), (3, 3), {"transpose": "yes"}),
        ((3, 2), (3, 3), {"unitriangular": None}),
    ],
)
def test_triangular_solve_shape_errors_match_pytorch(b, A, kwargs):
    torch = pytest.importorskip("torch")
    theirs, ours = _raises_like(
        torch,
        lambda: torch.triangular_solve(torch.ones(b), torch.ones(A), **kwargs),
        lambda: tocha.triangular_solve(tocha.ones(b), tocha.ones(A), **kwargs),
    )
    assert _torch_text(theirs) in str(ours)


@pytest.mark.parametrize(
    ("b_dtype", "a_dtype"),
    [
        ("float64", "float32"),
        ("float32", "complex64"),
        ("int32", "int32"),
        ("float16", "float16"),
        ("bfloat16", "bfloat16"),
    ],
)
def test_triangular_solve_dtype_errors_match_pytorch(b_dtype, a_dtype):
    torch = pytest.importorskip("torch")
    theirs, ours = _raises_like(
        torch,
        lambda: torch.triangular_solve(
            torch.ones(3, 2, dtype=getattr(torch, b_dtype)), torch.eye(3, dtype=getattr(torch, a_dtype))
        ),
        lambda: tocha.triangular_solve(
            tocha.ones(3, 2, dtype=getattr(tocha, b_dtype)), tocha.eye(3, dtype=getattr(tocha, a_dtype))
        ),
    )
    assert str(ours) == str(theirs)


def test_triangular_solve_non_tensor_arguments():
    torch = pytest.importorskip("torch")
    for args in ((1, None), (None, [[1.0]])):
        theirs, ours = _raises_like(
            torch,
            lambda: torch.triangular_solve(torch.ones(2, 2) if args[0] is None else args[0], args[1] or torch.eye(2)),
            lambda: tocha.triangular_solve(tocha.ones(2, 2) if args[0] is None else args[0], args[1] or tocha.eye(2)),
        )
        assert str(ours) == str(theirs)


@pytest.mark.autograd
@pytest.mark.parametrize(("upper", "transpose", "unitriangular"), [(True, False, False), (False, True, True)])
def test_triangular_solve_gradients_match_pytorch(upper, transpose, unitriangular):
    torch = pytest.importorskip("torch")
    import tocha.autograd

    rng = np.random.default_rng(3)
    a, b = _triangular(3, batch=(2,)), rng.standard_normal((3, 2))
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    ca, cb = tocha.tensor(a, requires_grad=True), tocha.tensor(b, requires_grad=True)
    x, m = _quiet(torch.triangular_solve, tb, ta, upper, transpose, unitriangular)
    expected = torch.autograd.grad((x**3).sum() + (m**2).sum(), (ta, tb))
    x, m = _quiet(tocha.triangular_solve, cb, ca, upper, transpose, unitriangular)
    got = tocha.autograd.grad((x**3).sum() + (m**2).sum(), (ca, cb))
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_allclose(_np(g), e.numpy(), rtol=1e-9, atol=1e-9)
    assert tocha.autograd.gradcheck(lambda b, a: _quiet(tocha.triangular_solve, b, a, upper)[0], (cb, ca))


# ------------------------------------------------------------------ frobenius_norm, nuclear_norm


@pytest.mark.parametrize(
    ("dim", "keepdim"), [((1, 2), False), ((1, 2), True), (1, False), ([0], True), ((), False), ((-1, -2), False)]
)
@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64", "float16"])
def test_frobenius_norm_matches_pytorch(dim, keepdim, dtype):
    torch = pytest.importorskip("torch")
    x = np.arange(24.0).reshape(2, 3, 4) - 11.5
    expected = _quiet(torch.frobenius_norm, torch.tensor(x).to(getattr(torch, dtype)), dim, keepdim)
    with pytest.warns(UserWarning, match="frobenius_norm is deprecated"):
        got = tocha.frobenius_norm(tocha.tensor(x).to(getattr(tocha, dtype)), dim, keepdim)
    _same(got, expected, rtol=1e-3 if dtype == "float16" else 1e-6)


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((), {}),
        (((0, 1, 2),), {}),
        (((1, 1),), {}),
        (((1, 5),), {}),
        ((1.0,), {}),
        (((1, 2),), {"keepdim": 1}),
    ],
)
def test_frobenius_norm_errors_match_pytorch(args, kwargs):
    torch = pytest.importorskip("torch")
    theirs, ours = _raises_like(
        torch,
        lambda: torch.frobenius_norm(torch.ones(2, 3, 4), *args, **kwargs),
        lambda: tocha.frobenius_norm(tocha.ones(2, 3, 4), *args, **kwargs),
    )
    if args:  # tocha's missing-argument TypeError is Python's own
        assert _torch_text(theirs).split(": ")[-1] in str(ours)


def test_frobenius_norm_integer_input_and_out():
    torch = pytest.importorskip("torch")
    theirs, ours = _raises_like(
        torch,
        lambda: torch.frobenius_norm(torch.ones(2, 3, dtype=torch.int32), (0, 1)),
        lambda: tocha.frobenius_norm(tocha.ones(2, 3, dtype=tocha.int32), (0, 1)),
    )
    assert str(ours) == str(theirs)
    out = tocha.empty(0)
    assert _quiet(tocha.frobenius_norm, tocha.full((2, 2), 2.0), (0, 1), out=out) is out
    assert out.item() == 4.0
    out = tocha.empty(0)
    assert _quiet(tocha.nuclear_norm, tocha.eye(3), out=out) is out
    assert out.item() == 3.0


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((), {}),
        ((True,), {}),
        ((), {"keepdim": True}),
        (((1, 2),), {}),
        (((2, 1),), {}),
        (((0, 2), True), {}),
        ((), {"dim": (-2, -1), "keepdim": True}),
    ],
)
@pytest.mark.parametrize("dtype", ["float32", "float64", "complex128"])
def test_nuclear_norm_matches_pytorch(args, kwargs, dtype):
    torch = pytest.importorskip("torch")
    x = np.sin(np.arange(24.0)).reshape(2, 3, 4)
    expected = _quiet(torch.nuclear_norm, torch.tensor(x).to(getattr(torch, dtype)), *args, **kwargs)
    with pytest.warns(UserWarning, match="nuclear_norm is deprecated"):
        got = tocha.nuclear_norm(tocha.tensor(x).to(getattr(tocha, dtype)), *args, **kwargs)
    _same(got, expected, rtol=1e-5)


@pytest.mark.parametrize(
    ("shape", "dtype", "dim"),
    [
        ((2, 3, 4), "float32", 1),
        ((2, 3, 4), "float32", (1,)),
        ((2, 3, 4), "float32", (1, 1)),
        ((2, 3, 4), "float32", (1, 2, 0)),
        ((2, 3, 4), "int32", (1, 2)),
        ((3, 4), "float16", None),
        ((3, 4), "float32", (0, 5)),
        ((4,), "float32", None),
    ],
)
def test_nuclear_norm_errors_match_pytorch(shape, dtype, dim):
    torch = pytest.importorskip("torch")
    args = () if dim is None else (dim,)
    theirs, ours = _raises_like(
        torch,
        lambda: torch.nuclear_norm(torch.ones(shape, dtype=getattr(torch, dtype)), *args),
        lambda: tocha.nuclear_norm(tocha.ones(shape, dtype=getattr(tocha, dtype)), *args),
    )
    assert str(theirs).split(": ")[-1] in str(ours)


@pytest.mark.autograd
def test_norms_are_differentiable():
    import tocha.autograd

    x = tocha.tensor(np.random.default_rng(0).standard_normal((3, 4)), requires_grad=True)  # full rank
    assert tocha.autograd.gradcheck(lambda x: _quiet(tocha.frobenius_norm, x, (0, 1)), (x,))
    assert tocha.autograd.gradcheck(lambda x: _quiet(tocha.nuclear_norm, x), (x,))


# ------------------------------------------------------------------ svd_lowrank, pca_lowrank


def _low_rank(m, n, rank, *, batch=(), dtype=tocha.float64, seed=0):
    g = tocha.Generator().manual_seed(seed)
    return tocha.randn(*batch, m, rank, generator=g, dtype=dtype) @ tocha.randn(
        *batch, rank, n, generator=g, dtype=dtype
    )


def _check_orthonormal(Q, atol=1e-8):
    k = Q.shape[-1]
    eye = np.broadcast_to(np.eye(k), (*Q.shape[:-2], k, k))
    np.testing.assert_allclose(_np(Q.mH @ Q), eye, atol=atol)


@pytest.mark.parametrize(("m", "n"), [(30, 12), (12, 30)])
@pytest.mark.parametrize("batch", [(), (2, 3)])
def test_svd_lowrank_recovers_a_low_rank_matrix(m, n, batch):
    tocha.manual_seed(0)
    A = _low_rank(m, n, 4, batch=batch)
    U, S, V = tocha.svd_lowrank(A, q=5)
    assert tuple(U.shape) == (*batch, m, 5)
    assert tuple(S.shape) == (*batch, 5)
    assert tuple(V.shape) == (*batch, n, 5)
    assert U.dtype is S.dtype is V.dtype is tocha.float64
    np.testing.assert_allclose(_np(U @ tocha.diag_embed(S) @ V.mT), _np(A), atol=1e-9)
    np.testing.assert_allclose(_np(S[..., :4]), _np(tocha.linalg.svdvals(A)[..., :4]), rtol=1e-9)
    np.testing.assert_allclose(_np(S[..., 4]), 0.0, atol=1e-9)
    _check_orthonormal(U)
    _check_orthonormal(V)


def test_svd_lowrank_defaults_shapes_and_dtypes():
    tocha.manual_seed(1)
    A = tocha.randn(5, 7)
    U, S, V = tocha.svd_lowrank(A)  # q=6 > min(m, n): k = 5
    assert [tuple(t.shape) for t in (U, S, V)] == [(5, 5), (5,), (7, 5)]
    assert A.dtype is U.dtype is S.dtype is V.dtype is tocha.float32
    np.testing.assert_allclose(_np(U @ tocha.diag(S) @ V.mT), _np(A), atol=1e-4)  # full rank, q >= rank: exact
    U, S, V = tocha.svd_lowrank(A, q=0)
    assert [tuple(t.shape) for t in (U, S, V)] == [(5, 0), (0,), (7, 0)]
    U, S, V = tocha.svd_lowrank(A, q=None, niter=None)
    assert tuple(S.shape) == (5,)
    Z = tocha.randn(6, 3, dtype=tocha.complex128)
    U, S, V = tocha.svd_lowrank(Z, q=3)
    assert U.dtype is tocha.complex128
    assert S.dtype is tocha.float64
    np.testing.assert_allclose(_np(U @ tocha.diag(S).to(Z.dtype) @ V.mH), _np(Z), atol=1e-10)


def test_svd_lowrank_is_seeded_by_manual_seed():
    A = tocha.randn(20, 8)
    tocha.manual_seed(5)
    first = tocha.svd_lowrank(A, q=2, niter=0)
    tocha.manual_seed(5)
    second = tocha.svd_lowrank(A, q=2, niter=0)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(_np(a), _np(b))


def test_svd_lowrank_with_mean():
    tocha.manual_seed(2)
    A = _low_rank(20, 8, 3) + 5.0
    M = tocha.full((8,), 5.0, dtype=tocha.float64)  # broadcast to A
    U, S, V = tocha.svd_lowrank(A, q=3, M=M)
    np.testing.assert_allclose(_np(U @ tocha.diag(S) @ V.mT), _np(A - M), atol=1e-9)
    Ut, St, Vt = tocha.svd_lowrank(A.mT, q=3, M=M.reshape(8, 1))
    np.testing.assert_allclose(_np(Ut @ tocha.diag(St) @ Vt.mT), _np((A - M).mT), atol=1e-9)


def test_svd_lowrank_approximates_with_power_iterations():
    tocha.manual_seed(3)
    A = _low_rank(60, 40, 5) + 1e-6 * tocha.randn(60, 40, dtype=tocha.float64)  # rank 5 plus noise
    U, S, V = tocha.svd_lowrank(A, q=8, niter=2)
    np.testing.assert_allclose(_np(S[:5]), _np(tocha.linalg.svdvals(A)[:5]), rtol=1e-8)
    assert float(tocha.linalg.matrix_norm(U @ tocha.diag(S) @ V.mT - A)) < 1e-4


def test_svd_lowrank_errors_match_pytorch():
    torch = pytest.importorskip("torch")
    for A, kwargs in ((np.ones((5, 7)), {"q": -1}), (np.ones((5, 7)), {"q": 2.5}), (np.ones(5), {})):
        _raises_like(
            torch,
            lambda: torch.svd_lowrank(torch.tensor(A, dtype=torch.float32), **kwargs),
            lambda: tocha.svd_lowrank(tocha.tensor(A, dtype=tocha.float32), **kwargs),
        )
    theirs, ours = _raises_like(
        torch,
        lambda: torch.svd_lowrank(torch.ones(5, 7, dtype=torch.int32)),
        lambda: tocha.svd_lowrank(tocha.ones(5, 7, dtype=tocha.int32)),
    )
    assert str(theirs) in str(ours)


@pytest.mark.parametrize("batch", [(), (3,)])
def test_pca_lowrank_centres_and_recovers(batch):
    tocha.manual_seed(4)
    A = _low_rank(40, 6, 2, batch=batch) + tocha.arange(6, dtype=tocha.float64)
    centred = A - A.mean(-2, keepdim=True)
    U, S, V = tocha.pca_lowrank(A, q=3)
    assert tuple(U.shape) == (*batch, 40, 3)
    assert tuple(S.shape) == (*batch, 3)
    assert tuple(V.shape) == (*batch, 6, 3)
    np.testing.assert_allclose(_np(U @ tocha.diag_embed(S) @ V.mT), _np(centred), atol=1e-9)
    np.testing.assert_allclose(_np(S[..., :2]), _np(tocha.linalg.svdvals(centred)[..., :2]), rtol=1e-9)
    _check_orthonormal(V)
    # center=False factors A itself (rank 3 with the column offsets)
    U, S, V = tocha.pca_lowrank(A, q=3, center=False)
    np.testing.assert_allclose(_np(U @ tocha.diag_embed(S) @ V.mT), _np(A), atol=1e-9)
    U, S, V = tocha.pca_lowrank(A)  # q = min(6, m, n)
    assert tuple(S.shape) == (*batch, 6)


@pytest.mark.parametrize(
    ("shape", "kwargs"),
    [((5, 7), {"q": 6}), ((5, 7), {"q": -1}), ((5, 7), {"niter": -1}), ((5, 7), {"q": "a"}), ((5,), {})],
)
def test_pca_lowrank_errors_match_pytorch(shape, kwargs):
    torch = pytest.importorskip("torch")
    theirs, ours = _raises_like(
        torch,
        lambda: torch.pca_lowrank(torch.ones(shape), **kwargs),
        lambda: tocha.pca_lowrank(tocha.ones(shape), **kwargs),
    )
    assert str(ours) == str(theirs)


@pytest.mark.autograd
def test_svd_lowrank_is_differentiable():
    import tocha.autograd

    A = _low_rank(6, 4, 2).requires_grad_(True)

    def top_singular_value(A):
        tocha.manual_seed(0)
        return tocha.svd_lowrank(A, q=2)[1][0]

    assert tocha.autograd.gradcheck(top_singular_value, (A,))


# ------------------------------------------------------------------ autocast (legacy forms)


@pytest.fixture
def autocast_state():
    st = _autocast._state
    saved = (dict(st.enabled), dict(st.dtype), st.cache_enabled, st.depth)
    yield st
    st.enabled, st.dtype = saved[0], saved[1]
    st.cache_enabled, st.depth = saved[2], saved[3]
    st.cache.clear()


_LEGACY_AUTOCAST = [
    ("cpu", "is_autocast_cpu_enabled", "set_autocast_cpu_enabled", "get_autocast_cpu_dtype", "set_autocast_cpu_dtype"),
    ("cuda", None, None, "get_autocast_gpu_dtype", "set_autocast_gpu_dtype"),
    ("ipu", "is_autocast_ipu_enabled", "set_autocast_ipu_enabled", "get_autocast_ipu_dtype", "set_autocast_ipu_dtype"),
    ("xla", "is_autocast_xla_enabled", "set_autocast_xla_enabled", "get_autocast_xla_dtype", "set_autocast_xla_dtype"),
]


@pytest.mark.parametrize(("device_type", "is_on", "set_on", "get_dtype", "set_dtype"), _LEGACY_AUTOCAST)
def test_legacy_autocast_functions_match_pytorch(autocast_state, device_type, is_on, set_on, get_dtype, set_dtype):
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        expected_dtype = str(getattr(torch, get_dtype)()).replace("torch.", "tocha.")
    torch_message = str(caught[0].message).split(" (Triggered internally")[0]
    with pytest.warns(DeprecationWarning, match=r"is deprecated\. Please use tocha\.get_autocast_dtype") as ours:
        assert repr(getattr(tocha, get_dtype)()) == expected_dtype  # defaults: bf16 cpu/xla, f16 cuda/ipu
    assert str(ours[0].message) == torch_message.replace("torch.", "tocha.")
    with pytest.warns(DeprecationWarning, match=f"set_autocast_dtype\\('{device_type}', dtype\\)"):
        getattr(tocha, set_dtype)(tocha.float32)
    assert _quiet(getattr(tocha, get_dtype)) is tocha.float32
    assert tocha.get_autocast_dtype(device_type) is tocha.float32
    theirs, ours_error = _raises_like(
        torch, lambda: getattr(torch, set_dtype)("a"), lambda: getattr(tocha, set_dtype)("a")
    )
    assert str(ours_error) == _torch_text(theirs)
    if is_on is None:
        return
    with pytest.warns(DeprecationWarning, match=f"is_autocast_enabled\\('{device_type}'\\)"):
        assert getattr(tocha, is_on)() is False
    with pytest.warns(DeprecationWarning, match=f"set_autocast_enabled\\('{device_type}', enabled\\)"):
        getattr(tocha, set_on)(True)
    assert tocha.is_autocast_enabled(device_type) is True
    assert _quiet(getattr(tocha, is_on)) is True
    _quiet(getattr(tocha, set_on), False)
    assert tocha.is_autocast_enabled(device_type) is False
    for bad in (1, "a", None):
        theirs, ours_error = _raises_like(
            torch, lambda: getattr(torch, set_on)(bad), lambda: getattr(tocha, set_on)(bad)
        )
        assert str(ours_error) == str(theirs)


def test_set_autocast_dtype_feeds_autocast_regions(autocast_state):
    tocha.set_autocast_dtype("cpu", tocha.float16)
    assert tocha.get_autocast_dtype("cpu") is tocha.float16
    assert _quiet(tocha.get_autocast_cpu_dtype) is tocha.float16
    a, b = tocha.ones(2, 3), tocha.ones(3, 2)
    with tocha.autocast("cpu"):
        assert (a @ b).dtype is tocha.float16
        with tocha.autocast("cpu", dtype=tocha.bfloat16):
            assert (a @ b).dtype is tocha.bfloat16
        assert tocha.get_autocast_dtype("cpu") is tocha.float16
    assert tocha.get_autocast_dtype("cpu") is tocha.float16
    tocha.set_autocast_dtype("cuda:0", tocha.bfloat16)  # a device string: its type
    assert tocha.get_autocast_dtype("cuda") is tocha.bfloat16
    tocha.set_autocast_dtype("mps", tocha.float16)
    assert tocha.get_autocast_dtype("mps") is tocha.float16


@pytest.mark.parametrize(
    ("device_type", "d"), [("foo", "float16"), (1, "float16"), ("cpu", 1), ("CPU", "float16"), ("", "float16")]
)
def test_set_autocast_dtype_errors_match_pytorch(autocast_state, device_type, d):
    torch = pytest.importorskip("torch")
    theirs, ours = _raises_like(
        torch,
        lambda: torch.set_autocast_dtype(device_type, getattr(torch, d) if isinstance(d, str) else d),
        lambda: tocha.set_autocast_dtype(device_type, getattr(tocha, d) if isinstance(d, str) else d),
    )
    if device_type not in ("CPU", ""):  # tocha's device parser words these its own way
        assert str(ours) == _torch_text(theirs)


def test_autocast_cache_and_nesting_match_pytorch(autocast_state):
    torch = pytest.importorskip("torch")
    assert tocha.is_autocast_cache_enabled() is torch.is_autocast_cache_enabled() is True
    tocha.set_autocast_cache_enabled(False)
    assert tocha.is_autocast_cache_enabled() is False
    with tocha.autocast("cpu", cache_enabled=True):
        assert tocha.is_autocast_cache_enabled() is True
    assert tocha.is_autocast_cache_enabled() is False
    tocha.set_autocast_cache_enabled(True)
    theirs, ours = _raises_like(
        torch, lambda: torch.set_autocast_cache_enabled(1), lambda: tocha.set_autocast_cache_enabled(1)
    )
    assert str(ours) == str(theirs)
    counts_torch = [torch.autocast_increment_nesting(), torch.autocast_increment_nesting()]
    counts_torch += [torch.autocast_decrement_nesting() for _ in range(3)]
    torch.autocast_increment_nesting()
    counts = [tocha.autocast_increment_nesting(), tocha.autocast_increment_nesting()]
    counts += [tocha.autocast_decrement_nesting() for _ in range(3)]
    tocha.autocast_increment_nesting()
    assert counts == counts_torch == [1, 2, 1, 0, -1]
    with tocha.autocast("cpu"):
        assert tocha.autocast_increment_nesting() == 2
        assert tocha.autocast_decrement_nesting() == 1
    assert tocha.clear_autocast_cache() is None


@pytest.mark.autograd
def test_clear_autocast_cache_drops_cached_casts(autocast_state):
    w = tocha.ones(3, 3, requires_grad=True)
    with tocha.autocast("cpu"):
        _ = w @ w
        assert autocast_state.cache
        tocha.clear_autocast_cache()
        assert not autocast_state.cache


# ------------------------------------------------------------------ sym_* helpers

_NAN = float("nan")
_SYM_CASES = [
    ("sym_int", (3.7,)), ("sym_int", (-3.7,)), ("sym_int", (3,)), ("sym_int", (True,)), ("sym_int", ("3",)),
    ("sym_int", (2.0**70,)), ("sym_int", (np.float64(2.5),)),
    ("sym_float", (3,)), ("sym_float", (3.5,)), ("sym_float", (True,)), ("sym_float", ("3",)),
    ("sym_max", (1, 2)), ("sym_max", (1, 2.0)), ("sym_max", (2.0, 1)), ("sym_max", (3, 2.0)), ("sym_max", (True, False)),
    ("sym_max", (True, 2)), ("sym_max", (_NAN, 1.0)), ("sym_max", (1.0, _NAN)), ("sym_max", (np.int64(1), 2)),
    ("sym_max", (np.float32(1.5), 1)),
    ("sym_min", (1, 2)), ("sym_min", (1, 2.0)), ("sym_min", (2.0, 1)), ("sym_min", (True, False)), ("sym_min", (_NAN, 1.0)),
    ("sym_min", (1.0, _NAN)),
    ("sym_not", (True,)), ("sym_not", (0,)), ("sym_not", (1.5,)), ("sym_not", ("",)), ("sym_not", (None,)),
    ("sym_sqrt", (4,)), ("sym_sqrt", (2.0,)), ("sym_sqrt", (True,)),
    ("sym_sum", ([1, 2, 3],)), ("sym_sum", (1, 2, 3)), ("sym_sum", ([1, 2.5],)), ("sym_sum", ([],)), ("sym_sum", ((),)),
    ("sym_sum", ([True, True],)), ("sym_sum", ((1, 2),)), ("sym_sum", (1,)), ("sym_sum", (2.5,)), ("sym_sum", ()),
    ("sym_ite", (True, 1, 2)), ("sym_ite", (False, 1, 2)), ("sym_ite", (True, "a", "b")),
]  # fmt: skip


@pytest.mark.parametrize(("name", "args"), _SYM_CASES)
def test_sym_helpers_match_pytorch(name, args):
    torch = pytest.importorskip("torch")
    expected = getattr(torch, name)(*args)
    got = getattr(tocha, name)(*args)
    assert type(got) is type(expected)
    assert got == expected or (math.isnan(got) and math.isnan(expected))


@pytest.mark.parametrize("name", ["sym_int", "sym_float", "sym_not", "sym_sqrt"])
def test_sym_helpers_take_one_element_tensors(name):
    torch = pytest.importorskip("torch")
    for value in (4.0, 2.5, 0.0):
        for dt in ("float32", "int64", "bool"):
            expected = getattr(torch, name)(torch.tensor(value, dtype=getattr(torch, dt)))
            got = getattr(tocha, name)(tocha.tensor(value, dtype=getattr(tocha, dt)))
            assert type(got) is type(expected)
            assert got == expected
    assert tocha.sym_sum([tocha.tensor(1), 2]).item() == 3


_SYM_ERRORS = [
    ("sym_int", (float("inf"),)), ("sym_int", (_NAN,)), ("sym_int", (None,)), ("sym_int", (1 + 2j,)),
    ("sym_float", (None,)), ("sym_float", (2**1100,)),
    ("sym_max", ("a", "b")), ("sym_max", ([1], [2])), ("sym_max", (None, 1)), ("sym_min", (1, "b")),
    ("sym_max", ("tensor", 2)), ("sym_min", (2, "tensor")),
    ("sym_sqrt", (-1,)), ("sym_sqrt", ("a",)), ("sym_sqrt", ("tensor2",)), ("sym_not", ("tensor2",)),
    ("sym_sum", ([[1], [2]],)), ("sym_sum", (["a", "b"],)), ("sym_sum", (iter([1, 2]),)),
    ("sym_ite", (False, 1, 2.0)), ("sym_ite", (1, 1, 2)), ("sym_ite", (None, 1, 2)), ("sym_ite", ("tensor", 1, 2)),
    ("sym_ite", (True, "tensor", 2)),
]  # fmt: skip


def _sym_arg(module, x):
    if x == "tensor":
        return module.tensor(1)
    if x == "tensor2":
        return module.tensor([4.0, 9.0])
    return x


@pytest.mark.parametrize(("name", "args"), _SYM_ERRORS)
def test_sym_helper_errors_match_pytorch(name, args):
    torch = pytest.importorskip("torch")
    theirs, ours = _raises_like(
        torch,
        lambda: getattr(torch, name)(*(_sym_arg(torch, a) for a in args)),
        lambda: getattr(tocha, name)(*(_sym_arg(tocha, a) for a in args)),
    )
    expected = str(theirs).replace("torch.Tensor", "tocha.Tensor").replace("list_iterator", "generator")
    if name == "sym_sum" and "iterator" in str(theirs):
        assert "unsupported operand" in str(ours)
    elif name == "sym_not":
        assert "more than one value is ambiguous" in str(ours)
    else:
        assert str(ours) == expected


# ------------------------------------------------------------------ set_default_tensor_type & co.


@pytest.fixture
def default_dtype_and_device():
    d = tocha.get_default_dtype()
    yield
    tocha.set_default_dtype(d)
    tocha.set_default_device(None)


@pytest.mark.parametrize(
    "name", ["torch.DoubleTensor", "torch.HalfTensor", "torch.BFloat16Tensor", "torch.FloatTensor"]
)
def test_set_default_tensor_type_matches_pytorch(default_dtype_and_device, name):
    torch = pytest.importorskip("torch")
    saved = torch.get_default_dtype()
    try:
        _quiet(torch.set_default_tensor_type, name)
        expected = str(torch.get_default_dtype()).replace("torch.", "")
    finally:
        torch.set_default_dtype(saved)
    with pytest.warns(UserWarning, match="set_default_tensor_type\\(\\) is deprecated"):
        tocha.set_default_tensor_type(name)
    assert tocha.get_default_dtype().name == expected
    assert tocha.tensor([1.0]).dtype.name == expected
    _quiet(tocha.set_default_tensor_type, "tocha.FloatTensor")
    assert tocha.get_default_dtype() is tocha.float32
    _quiet(tocha.set_default_tensor_type, name.replace("torch.", "tocha."))
    assert tocha.get_default_dtype().name == expected


@pytest.mark.parametrize(
    "name",
    [
        "torch.IntTensor", "torch.LongTensor", "torch.BoolTensor", "torch.Foo", "torch.ComplexFloatTensor",
        "torch.sparse.FloatTensor", "torch.sparse.IntTensor", "torch.sparse.Foo", "torch.cuda.Foo", "foo",
        "FloatTensor", "", "torch", "torch.cuda", "torch.tensor", "os.path", 1, None,
    ],
)  # fmt: skip
def test_set_default_tensor_type_errors_match_pytorch(default_dtype_and_device, name):
    torch = pytest.importorskip("torch")
    saved = torch.get_default_dtype()
    try:
        theirs, ours = _raises_like(
            torch, lambda: torch.set_default_tensor_type(name), lambda: tocha.set_default_tensor_type(name)
        )
    finally:
        torch.set_default_dtype(saved)
    assert type(ours) is type(theirs)
    assert str(ours) == str(theirs)
    assert tocha.get_default_dtype() is tocha.float32


@pytest.mark.skipif(tocha.cuda.is_available(), reason="checks the error without CUDA")
@pytest.mark.parametrize("name", ["torch.cuda.FloatTensor", "tocha.cuda.IntTensor", "torch.cuda.sparse.FloatTensor"])
def test_set_default_tensor_type_cuda_without_cuda(default_dtype_and_device, name):
    with pytest.raises(TypeError, match=f"type {name} not available. CUDA is not available"):
        _quiet(tocha.set_default_tensor_type, name)
    assert tocha.get_default_device() == tocha.device("cpu")


@pytest.mark.gpu
def test_set_default_tensor_type_cuda_sets_the_default_device(default_dtype_and_device):
    _quiet(tocha.set_default_tensor_type, "torch.cuda.DoubleTensor")
    t = tocha.ones(2)
    assert t.device.type == "cuda"
    assert t.dtype is tocha.float64
    _quiet(tocha.set_default_tensor_type, "torch.FloatTensor")
    t = tocha.ones(2)
    assert t.device.type == "cpu"
    assert t.dtype is tocha.float32


def test_is_storage_and_small_helpers():
    for obj in (tocha.ones(2), np.ones(2), b"ab", bytearray(2), None, 1):
        assert tocha.is_storage(obj) is False
    assert tocha.init_num_threads() is None
    assert tocha.is_vulkan_available() is False


def test_small_helpers_match_pytorch():
    torch = pytest.importorskip("torch")
    assert tocha.is_storage(tocha.tensor([1])) is torch.is_storage(torch.tensor([1]))
    assert tocha.is_vulkan_available() is torch.is_vulkan_available()
    assert tocha.init_num_threads() is torch.init_num_threads()


def test_get_device_module():
    assert tocha.get_device_module("cuda") is tocha.cuda
    assert tocha.get_device_module("cuda:1") is tocha.cuda
    assert tocha.get_device_module(tocha.device("cpu")) is tocha.cpu
    assert tocha.get_device_module("cpu") is tocha.cpu
    assert tocha.get_device_module("mps") is tocha.mps
    assert tocha.get_device_module() is (tocha.cuda if tocha.accelerator.current_accelerator() else tocha.cpu)
    for name in ("xla", "meta", "linalg", "foo"):
        with pytest.raises(
            RuntimeError, match=f"Device '{name}' does not have a corresponding module registered as 'tocha.{name}'."
        ):
            tocha.get_device_module(name)
    with pytest.raises(RuntimeError, match=r"Invalid value of device '1', expect tocha\.device, str, or None"):
        tocha.get_device_module(1)


def test_get_device_module_errors_match_pytorch():
    torch = pytest.importorskip("torch")
    for device in ("xla", "meta", "privateuseone", 1):
        theirs, ours = _raises_like(
            torch, lambda: torch.get_device_module(device), lambda: tocha.get_device_module(device)
        )
        assert str(ours) == str(theirs).replace("torch.", "tocha.")


# ------------------------------------------------------------------ segment_reduce

_REDUCTIONS = ["sum", "mean", "max", "min", "prod", "amax", "amin"]
_SEGMENTS = [  # data shape, lengths, axis
    ((7,), [3, 0, 2, 2], 0),
    ((7, 3), [3, 0, 2, 2], 0),
    ((2, 7, 3), [[3, 0, 2, 2], [1, 1, 5, 0]], 1),
    ((2, 7), [[3, 0, 2, 2], [0, 0, 0, 7]], -1),
    ((0, 3), [0, 0], 0),
    ((2, 0), [1, 1], 0),
    ((6,), [], 0),  # no segment; lengths must sum to 0 unless unsafe
]


def _offsets(lengths):
    lengths = np.asarray(lengths, dtype=np.int64)
    zero = np.zeros((*lengths.shape[:-1], 1), dtype=np.int64)
    return np.concatenate([zero, np.cumsum(lengths, axis=-1)], axis=-1)


@pytest.mark.parametrize("reduce", _REDUCTIONS)
@pytest.mark.parametrize("initial", [None, 2.5, -1])
@pytest.mark.parametrize("mode", ["lengths", "offsets"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_segment_reduce_matches_pytorch(reduce, initial, mode, dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for shape, lengths, axis in _SEGMENTS[:-1]:
        x = rng.standard_normal(shape)
        bounds = np.asarray(lengths, dtype=np.int64) if mode == "lengths" else _offsets(lengths)
        expected = torch.segment_reduce(
            torch.tensor(x).to(getattr(torch, dtype)),
            reduce,
            **{mode: torch.tensor(bounds)},
            axis=axis,
            initial=initial,
        )
        got = tocha.segment_reduce(
            tocha.tensor(x).to(getattr(tocha, dtype)),
            reduce,
            **{mode: tocha.tensor(bounds)},
            axis=axis,
            initial=initial,
        )
        tol = 2e-2 if dtype in ("float16", "bfloat16") else 1e-6
        _same(got, expected, rtol=tol, atol=tol)


def test_segment_reduce_by_numpy():
    data = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    lengths = tocha.tensor([2, 0, 3, 1])
    cases = {
        "sum": [3, 0, 12, 6],
        "mean": [1.5, math.nan, 4, 6],
        "max": [2, -math.inf, 5, 6],
        "min": [1, math.inf, 3, 6],
        "prod": [2, 1, 60, 6],
    }
    for reduce, expected in cases.items():
        got = tocha.segment_reduce(tocha.tensor(data), reduce, lengths=lengths)
        np.testing.assert_array_equal(_np(got), np.array(expected))
    with_initial = {"sum": [13, 10, 22, 16], "mean": [6.5, 10, 22 / 3, 16], "max": [10] * 4, "min": [1, 10, 3, 6]}
    for reduce, expected in with_initial.items():
        got = tocha.segment_reduce(tocha.tensor(data), reduce, lengths=lengths, initial=10)
        np.testing.assert_allclose(_np(got), expected)
    # offsets need not start at 0 nor end at the last element; they win over lengths
    got = tocha.segment_reduce(tocha.tensor(data), "sum", lengths=lengths, offsets=tocha.tensor([1, 2, 6]))
    np.testing.assert_array_equal(_np(got), [2.0, 18.0])
    got = tocha.segment_reduce(tocha.tensor(data), "sum", lengths=tocha.tensor([3, 0]), unsafe=True)
    np.testing.assert_array_equal(_np(got), [6.0, 0.0])
    got = tocha.segment_reduce(tocha.tensor(data), "sum", lengths=tocha.tensor([], dtype=tocha.int64), unsafe=True)
    assert tuple(got.shape) == (0,)
    got = tocha.segment_reduce(tocha.tensor(data), "mean", offsets=tocha.tensor([0]))
    assert tuple(got.shape) == (0,)
    nan = tocha.tensor([1.0, math.nan, 2.0])
    assert math.isnan(float(tocha.segment_reduce(nan, "max", lengths=tocha.tensor([3]))))
    assert math.isnan(
        float(tocha.segment_reduce(tocha.tensor([1.0, 2.0]), "max", lengths=tocha.tensor([2]), initial=math.nan))
    )


def test_segment_reduce_unsafe_and_offsets_match_pytorch():
    torch = pytest.importorskip("torch")
    x = np.arange(12.0).reshape(3, 4)
    for kwargs in (
        {"lengths": [3, 0], "unsafe": True},
        {"lengths": [1, 1], "unsafe": True},
        {"offsets": [1, 2, 3]},
        {"offsets": [[0, 1, 4], [1, 1, 3], [0, 0, 4]], "axis": 1},
        {"lengths": [3, 3], "offsets": [0, 1, 3]},
        {"lengths": [1, 2], "offsets": [0, 1]},
    ):
        t_kwargs = {k: torch.tensor(v) if isinstance(v, list) else v for k, v in kwargs.items()}
        c_kwargs = {k: tocha.tensor(v) if isinstance(v, list) else v for k, v in kwargs.items()}
        _same(
            tocha.segment_reduce(tocha.tensor(x), "sum", **c_kwargs),
            torch.segment_reduce(torch.tensor(x), "sum", **t_kwargs),
        )


def _t(module, value, dtype=None):
    if value is None or isinstance(value, (str, float)):
        return value
    return module.tensor(value) if dtype is None else module.tensor(value, dtype=getattr(module, dtype))


_SEGMENT_ERRORS = [  # data shape, data dtype, reduce, keyword arguments (lists become int64 tensors)
    ((6,), "float32", "foo", {"lengths": [6]}),
    ((6,), "float32", "SUM", {"lengths": [6]}),
    ((6,), "float32", "sum", {}),
    ((6,), "float32", "sum", {"indices": [1]}),
    ((6,), "float32", "sum", {"indices": [1], "lengths": [6]}),
    ((6,), "float32", "foo", {"indices": [1]}),
    ((6,), "float32", "sum", {"lengths": [2, 2]}),
    ((6,), "float32", "sum", {"lengths": [2, 2, 2, 2]}),
    ((6,), "float32", "sum", {"lengths": [2, -1, 5]}),
    ((6,), "float32", "sum", {"lengths": [2, 4], "axis": 1}),
    ((3, 4), "float32", "sum", {"lengths": [1, 2], "axis": 2}),
    ((3, 4), "float32", "sum", {"lengths": [1, 2], "axis": -3}),
    ((3, 4), "float32", "sum", {"lengths": [1, 2], "axis": 1}),
    ((3, 4), "float32", "sum", {"lengths": [1, 2], "axis": -1}),
    ((3, 4), "float32", "sum", {"lengths": [[1, 3], [2, 2], [0, 4]], "axis": 0}),
    ((3, 4), "float32", "sum", {"lengths": [[1, 3], [2, 2], [0, 3]], "axis": 1}),
    ((6,), "float32", "sum", {"offsets": [0, 4, 2, 6]}),
    ((6,), "float32", "sum", {"lengths": 6}),
    ((6,), "float32", "sum", {"lengths": [[6]]}),
    ((), "float32", "sum", {"lengths": [1]}),
    ((6,), "int32", "sum", {"lengths": [6]}),
    ((6,), "bool", "sum", {"lengths": [6]}),
    ((6,), "complex64", "sum", {"lengths": [6]}),
    ((6,), "float32", "sum", {"lengths": [6], "initial": "a"}),
    ((6,), "float32", "sum", {"lengths": [6], "initial": 1 + 1j}),
    ((6,), "float16", "sum", {"lengths": [6], "initial": 70000}),
    ((6,), "float32", "sum", {"lengths": [6], "axis": 1.0}),
    ((6,), "float32", 1, {"lengths": [6]}),
]


@pytest.mark.parametrize(("shape", "dtype", "reduce", "kwargs"), _SEGMENT_ERRORS)
def test_segment_reduce_errors_match_pytorch(shape, dtype, reduce, kwargs):
    torch = pytest.importorskip("torch")

    def run(module):
        args = {k: v if k in ("axis", "initial") else _t(module, v) for k, v in kwargs.items()}
        return module.segment_reduce(module.zeros(shape, dtype=getattr(module, dtype)), reduce, **args)

    theirs, ours = _raises_like(torch, lambda: run(torch), lambda: run(tocha))
    expected = str(theirs).split("  (Could this error")[0]
    if isinstance(theirs, NotImplementedError):  # PyTorch names its kernels
        assert str(ours).split(" not implemented for ")[1] == expected.split(" not implemented for ")[1]
    elif "lengths_value" in expected:
        assert "Expected data.dim() >= lengths.dim() to be true, but got false." in str(ours)
    else:
        assert str(ours).removeprefix("segment_reduce(): ") == expected.removeprefix("segment_reduce(): ")


def test_segment_reduce_bounds_dtypes_and_type_errors():
    data = tocha.zeros(6)
    with pytest.raises(NotImplementedError, match="not implemented for 'Float'"):
        tocha.segment_reduce(data, "sum", lengths=tocha.tensor([6.0]))
    with pytest.raises(NotImplementedError, match="not implemented for 'Short'"):
        tocha.segment_reduce(data, "sum", offsets=tocha.tensor([0, 6], dtype=tocha.int16))
    out = tocha.segment_reduce(data, "sum", lengths=tocha.tensor([6], dtype=tocha.int32))
    assert out.tolist() == [0.0]
    with pytest.raises(TypeError, match="argument 'lengths' must be Tensor, not list"):
        tocha.segment_reduce(data, "sum", lengths=[6])
    with pytest.raises(TypeError, match="argument 'data' \\(position 1\\) must be Tensor, not list"):
        tocha.segment_reduce([1.0], "sum", lengths=tocha.tensor([1]))
    # where PyTorch reads past its buffer, tocha refuses
    for kwargs in ({"offsets": tocha.tensor([-1, 1, 3])}, {"offsets": tocha.tensor([0, 1, 7])}):
        with pytest.raises(RuntimeError, match="offsets must lie in"):
            tocha.segment_reduce(data, "sum", **kwargs)
    with pytest.raises(RuntimeError, match="lengths run past"):
        tocha.segment_reduce(data, "sum", lengths=tocha.tensor([3, 4]), unsafe=True)
    with pytest.raises(RuntimeError, match=r"Expected lengths\.shape\[:-1\]"):
        tocha.segment_reduce(tocha.zeros(3, 4), "sum", lengths=tocha.tensor([[1, 3], [2, 2]]), axis=1)
    with pytest.raises(RuntimeError, match="at least one entry"):
        tocha.segment_reduce(data, "sum", offsets=tocha.tensor([], dtype=tocha.int64))


@pytest.mark.autograd
@pytest.mark.parametrize("reduce", ["sum", "mean", "max", "min", "prod"])
@pytest.mark.parametrize("initial", [None, 0.3])
def test_segment_reduce_gradients_match_pytorch(reduce, initial):
    torch = pytest.importorskip("torch")
    import tocha.autograd

    rng = np.random.default_rng(1)
    for shape, lengths, axis in _SEGMENTS[:4]:
        x = rng.standard_normal(shape)
        x.flat[1] = 0.0  # a zero for prod
        x.flat[2] = x.flat[0]  # a tie for max/min
        tx, cx = torch.tensor(x, requires_grad=True), tocha.tensor(x, requires_grad=True)
        expected = torch.segment_reduce(tx, reduce, lengths=torch.tensor(lengths), axis=axis, initial=initial)
        got = tocha.segment_reduce(cx, reduce, lengths=tocha.tensor(lengths), axis=axis, initial=initial)
        g = rng.standard_normal(tuple(expected.shape))
        (ge,) = torch.autograd.grad(expected, tx, torch.tensor(g))
        (ga,) = tocha.autograd.grad(got, cx, tocha.tensor(g))
        np.testing.assert_allclose(_np(ga), ge.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.autograd
@pytest.mark.parametrize("reduce", ["sum", "mean", "prod", "max"])
def test_segment_reduce_gradcheck(reduce):
    import tocha.autograd

    x = tocha.tensor(np.linspace(0.5, 2.0, 12).reshape(6, 2), requires_grad=True)

    def f(x):
        return tocha.segment_reduce(x, reduce, offsets=tocha.tensor([1, 3, 3, 6]), initial=0.25)

    assert tocha.autograd.gradcheck(f, (x,))
    assert tocha.autograd.gradgradcheck(f, (x,))


@pytest.mark.gpu
@pytest.mark.parametrize("reduce", ["sum", "mean", "max", "min", "prod"])
def test_segment_reduce_on_cuda_matches_cpu(reduce):
    x = tocha.tensor(np.random.default_rng(2).standard_normal((2, 7, 3)))
    lengths = tocha.tensor([[3, 0, 2, 2], [1, 1, 5, 0]])
    cpu = tocha.segment_reduce(x, reduce, lengths=lengths, axis=1, initial=0.5)
    gpu = tocha.segment_reduce(x.cuda(), reduce, lengths=lengths.cuda(), axis=1, initial=0.5)
    assert gpu.device.type == "cuda"
    np.testing.assert_allclose(_np(gpu), _np(cpu), rtol=1e-12)


# ------------------------------------------------------------------ from_file


def _write(path, array):
    array.tofile(path)
    return str(path)


@pytest.mark.parametrize(
    ("dtype", "size"),
    [
        ("float32", 4),
        ("float32", 10),
        ("float64", 5),
        ("uint8", 40),
        ("int16", 3),
        ("bool", 2),
        ("complex64", 2),
        ("float16", 3),
        ("bfloat16", 3),
    ],
)
def test_from_file_matches_pytorch(tmp_path, dtype, size):
    torch = pytest.importorskip("torch")
    path = _write(tmp_path / "data.bin", np.arange(10, dtype=np.float32))
    expected = torch.from_file(path, size=size, dtype=getattr(torch, dtype))
    got = tocha.from_file(path, size=size, dtype=getattr(tocha, dtype))
    _same(got, expected, rtol=0, atol=0)
    assert got.device.type == "cpu"


@pytest.mark.autograd
def test_from_file_defaults_and_sizes(tmp_path):
    path = _write(tmp_path / "data.bin", np.arange(10, dtype=np.float32))
    t = tocha.from_file(path, size=3)
    assert t.dtype is tocha.float32
    assert t.tolist() == [0.0, 1.0, 2.0]
    for size in (0, None):
        assert tuple(tocha.from_file(path, size=size).shape) == (0,)
    assert tuple(tocha.from_file(str(tmp_path / "missing.bin"), size=0).shape) == (0,)  # not opened
    assert not (tmp_path / "missing.bin").exists()
    assert tocha.from_file(os.fsencode(path), size=1).tolist() == [0.0]
    t = tocha.from_file(path, size=2, requires_grad=True)
    assert t.requires_grad
    assert tocha.from_file(path, size=2, layout=tocha.strided, device="cpu").tolist() == [0.0, 1.0]
    tocha.set_default_dtype(tocha.float64)
    try:
        assert tocha.from_file(path, size=1).dtype is tocha.float64
    finally:
        tocha.set_default_dtype(tocha.float32)


def test_from_file_shared_writes_reach_the_file(tmp_path):
    path = _write(tmp_path / "data.bin", np.arange(4, dtype=np.float32))
    shared = tocha.from_file(path, shared=True, size=4)
    shared[0] = 100.0
    assert np.fromfile(path, dtype=np.float32).tolist() == [100.0, 1.0, 2.0, 3.0]
    private = tocha.from_file(path, shared=False, size=4)
    private[1] = 200.0
    assert np.fromfile(path, dtype=np.float32).tolist() == [100.0, 1.0, 2.0, 3.0]
    assert tocha.from_file(path, size=4).tolist() == [100.0, 1.0, 2.0, 3.0]
    grown = tocha.from_file(path, shared=True, size=6)  # a short file grows, zero-filled
    assert grown.tolist() == [100.0, 1.0, 2.0, 3.0, 0.0, 0.0]
    assert os.path.getsize(path) == 24
    created = tocha.from_file(str(tmp_path / "new.bin"), shared=True, size=3)
    assert created.tolist() == [0.0, 0.0, 0.0]
    assert os.path.getsize(tmp_path / "new.bin") == 12


def test_from_file_shared_matches_pytorch(tmp_path):
    torch = pytest.importorskip("torch")
    for module, name in ((torch, "t.bin"), (tocha, "c.bin")):
        path = _write(tmp_path / name, np.arange(4, dtype=np.float32))
        t = module.from_file(path, shared=True, size=6)
        t[0] = 7.0
        assert os.path.getsize(path) == 24
        assert np.fromfile(path, dtype=np.float32).tolist() == [7.0, 1.0, 2.0, 3.0, 0.0, 0.0]
        p = module.from_file(path, shared=False, size=2)
        p[1] = 9.0
        assert np.fromfile(path, dtype=np.float32)[1] == 1.0


@pytest.mark.parametrize(
    ("name", "args", "kwargs"),
    [
        ("data.bin", (), {"size": 11}),
        ("missing.bin", (), {"size": 3}),
        ("nodir/x.bin", (True,), {"size": 2}),
        ("data.bin", (), {"size": -1}),
        ("data.bin", (), {"size": 2, "pin_memory": True}),
        ("data.bin", (1, 2), {}),
        (1, (), {"size": 2}),
    ],
)
def test_from_file_errors_match_pytorch(tmp_path, name, args, kwargs):
    torch = pytest.importorskip("torch")
    _write(tmp_path / "data.bin", np.arange(10, dtype=np.float32))
    filename = str(tmp_path / name) if isinstance(name, str) else name
    theirs, ours = _raises_like(
        torch, lambda: torch.from_file(filename, *args, **kwargs), lambda: tocha.from_file(filename, *args, **kwargs)
    )
    assert str(ours) == str(theirs)


def test_from_file_refuses_other_devices(tmp_path):
    path = _write(tmp_path / "data.bin", np.arange(4, dtype=np.float32))
    with pytest.raises(RuntimeError, match="lives on the CPU"):
        tocha.from_file(path, size=2, device="cuda")


# ------------------------------------------------------------------ the namespace


@pytest.mark.parametrize("module", ["legacy_linalg", "legacy_autocast", "legacy_toplevel"])
def test_names_are_public_and_sorted(module):
    import importlib

    found = importlib.import_module(f"tocha._ops.{module}")
    assert found.__all__ == sorted(found.__all__)
    for name in found.__all__:
        assert getattr(tocha, name) is getattr(found, name)
        assert getattr(tocha, name).__module__ == "tocha"
        assert getattr(tocha, name).__doc__
