"""tocha.linalg forwards against NumPy (always) and PyTorch (when installed): shapes, dtypes, batches, errors."""

from __future__ import annotations

import math
import re
import zlib
from typing import Any

import numpy as np
import pytest

import tocha
from tocha.testing import assert_close

RNG = np.random.default_rng(0)
FLOAT_DTYPES = [np.float32, np.float64, np.complex64, np.complex128]
BATCHES = [(), (3,), (2, 1)]


@pytest.fixture(autouse=True)
def _seeded_per_test(request: pytest.FixtureRequest) -> None:
    """Each test draws the same data whichever tests ran before it (and whichever were skipped)."""
    global RNG
    RNG = np.random.default_rng(zlib.crc32(request.node.name.encode()))


def _random(shape: tuple[int, ...], dt: Any) -> np.ndarray:
    a = RNG.uniform(-1, 1, shape)
    if np.dtype(dt).kind == "c":
        a = a + 1j * RNG.uniform(-1, 1, shape)
    return a.astype(dt)


def _well_conditioned(shape: tuple[int, ...], dt: Any) -> np.ndarray:
    return (_random(shape, dt) + np.eye(shape[-1]) * (shape[-1] + 1)).astype(dt)


def _pd(shape: tuple[int, ...], dt: Any) -> np.ndarray:
    x = _random(shape, dt)
    return (x @ np.conj(np.swapaxes(x, -1, -2)) + np.eye(shape[-1]) * shape[-1]).astype(dt)


def _tol(dt: Any) -> dict[str, float]:
    single = np.dtype(dt) in (np.dtype(np.float32), np.dtype(np.complex64))
    return {"rtol": 1e-4, "atol": 1e-4} if single else {"rtol": 1e-9, "atol": 1e-9}


def _t(a: np.ndarray) -> tocha.Tensor:
    return tocha.from_numpy(np.array(a, order="C"))


def _close(actual: Any, expected: Any, dt: Any) -> None:
    assert_close(actual, _t(np.asarray(expected)), check_dtype=False, **_tol(dt))


# ------------------------------------------------------------------ against NumPy


@pytest.mark.parametrize("dt", FLOAT_DTYPES)
@pytest.mark.parametrize("batch", BATCHES)
def test_inv_det_slogdet(dt: Any, batch: tuple[int, ...]) -> None:
    a = _well_conditioned((*batch, 4, 4), dt)
    t = _t(a)
    inverse = tocha.linalg.inv(t)
    assert inverse.dtype == t.dtype
    assert tuple(inverse.shape) == a.shape
    _close(inverse, np.linalg.inv(a), dt)
    _close(tocha.linalg.det(t), np.linalg.det(a), dt)
    sign, logabs = tocha.linalg.slogdet(t)
    ns, nl = np.linalg.slogdet(a)
    _close(sign, ns, dt)
    _close(logabs, nl, dt)
    assert logabs.dtype == (tocha.float32 if dt in (np.float32, np.complex64) else tocha.float64)
    res = tocha.linalg.inv_ex(t)
    _close(res.inverse, np.linalg.inv(a), dt)
    assert res.info.dtype == tocha.int32
    assert not res.info.any()


@pytest.mark.parametrize("dt", FLOAT_DTYPES)
def test_solve_variants(dt: Any) -> None:
    a = _well_conditioned((2, 3, 3), dt)
    b = _random((2, 3, 2), dt)
    _close(tocha.linalg.solve(_t(a), _t(b)), np.linalg.solve(a, b), dt)
    v = _random((3,), dt)
    x = tocha.linalg.solve(_t(a), _t(v))  # broadcast vector
    _close(x, np.linalg.solve(a, np.broadcast_to(v[:, None], (2, 3, 1)))[..., 0], dt)
    bv = _random((2, 3), dt)  # batch of vectors (shape A.shape[:-1])
    _close(tocha.linalg.solve(_t(a), _t(bv)), np.linalg.solve(a, bv[..., None])[..., 0], dt)
    right = _random((2, 4, 3), dt)  # X A = B
    x = tocha.linalg.solve(_t(a), _t(right), left=False)
    _close(_t(x.numpy() @ a), right, dt)
    x, info = tocha.linalg.solve_ex(_t(a), _t(b))
    _close(x, np.linalg.solve(a, b), dt)
    assert tuple(info.shape) == (2,)


@pytest.mark.parametrize("dt", FLOAT_DTYPES)
@pytest.mark.parametrize(("upper", "left", "unit"), [(True, True, False), (False, True, True), (True, False, False)])
def test_solve_triangular(dt: Any, upper: bool, left: bool, unit: bool) -> None:
    a = _well_conditioned((2, 4, 4), dt)
    b = _random((2, 4, 3) if left else (2, 3, 4), dt)
    x = tocha.linalg.solve_triangular(_t(a), _t(b), upper=upper, left=left, unitriangular=unit).numpy()
    tri = np.triu(a) if upper else np.tril(a)
    if unit:
        tri = tri - np.diag(np.diagonal(tri, 0, -2, -1)[0]) * 0  # keep the shape
        idx = np.arange(4)
        tri[..., idx, idx] = 1
    _close(_t(tri @ x if left else x @ tri), b, dt)


@pytest.mark.parametrize("dt", FLOAT_DTYPES)
@pytest.mark.parametrize("batch", BATCHES)
def test_cholesky(dt: Any, batch: tuple[int, ...]) -> None:
    a = _pd((*batch, 4, 4), dt)
    low = tocha.linalg.cholesky(_t(a))
    _close(low, np.linalg.cholesky(a), dt)
    up = tocha.linalg.cholesky(_t(a), upper=True)
    _close(up, np.conj(np.swapaxes(np.linalg.cholesky(a), -1, -2)), dt)
    res = tocha.linalg.cholesky_ex(_t(a))
    assert not res.info.any()
    # only the lower triangle is read
    garbage = a.copy()
    garbage[..., 0, 3] = 100
    _close(tocha.linalg.cholesky(_t(garbage)), np.linalg.cholesky(a), dt)


def test_cholesky_ex_of_a_nearly_singular_matrix_the_library_refuses() -> None:
    # rank-2 3x3 matrices rounded either way: some pass a leading-minor check but NumPy's factorization refuses
    rng = np.random.default_rng(0)
    for _ in range(2000):
        low = np.tril(rng.standard_normal((3, 3)))
        low[2, 2] = 1e-8 * rng.standard_normal()
        a = low @ low.T
        try:
            np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            break
    else:
        pytest.fail("no refused matrix found")
    batch = np.stack([np.eye(3), a])
    factor, info = tocha.linalg.cholesky_ex(_t(batch))
    assert info.tolist()[0] == 0
    assert info.tolist()[1] > 0
    np.testing.assert_array_equal(factor.numpy()[0], np.eye(3))
    assert np.isnan(factor.numpy()[1]).all()
    with pytest.raises(
        tocha.linalg.LinAlgError, match=r"\(Batch element 1\): The factorization could not be completed"
    ):
        tocha.linalg.cholesky(_t(batch))


@pytest.mark.parametrize("dt", FLOAT_DTYPES)
@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (2, 3, 3)])
@pytest.mark.parametrize("mode", ["reduced", "complete", "r"])
def test_qr(dt: Any, shape: tuple[int, ...], mode: str) -> None:
    a = _random(shape, dt)
    q, r = tocha.linalg.qr(_t(a), mode=mode)
    nq, nr = np.linalg.qr(a, mode=mode) if mode != "r" else (None, np.linalg.qr(a, mode="r"))
    assert tuple(r.shape) == nr.shape
    _close(r.abs(), np.abs(nr), dt)
    if mode == "r":
        assert q.numel() == 0
        return
    assert tuple(q.shape) == nq.shape
    _close(q @ r, a, dt)
    qn = q.numpy()
    k = qn.shape[-1]
    _close(_t(np.conj(np.swapaxes(qn, -1, -2)) @ qn), np.broadcast_to(np.eye(k), (*shape[:-2], k, k)), dt)


@pytest.mark.parametrize("dt", FLOAT_DTYPES)
@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh(dt: Any, uplo: str) -> None:
    x = _random((2, 4, 4), dt)
    a = x + np.conj(np.swapaxes(x, -1, -2))
    w, v = tocha.linalg.eigh(_t(a), UPLO=uplo)
    nw, _ = np.linalg.eigh(a, UPLO=uplo)
    _close(w, nw, dt)
    assert w.dtype == (tocha.float32 if dt in (np.float32, np.complex64) else tocha.float64)
    vn = v.numpy()
    _close(_t(vn @ (nw[..., None] * np.conj(np.swapaxes(vn, -1, -2)))), a, dt)
    _close(tocha.linalg.eigvalsh(_t(a), UPLO=uplo), nw, dt)


@pytest.mark.parametrize("dt", FLOAT_DTYPES)
def test_eig(dt: Any) -> None:
    a = _random((2, 4, 4), dt)
    w, v = tocha.linalg.eig(_t(a))
    assert w.dtype.is_complex
    assert v.dtype.is_complex
    _close(_t(a.astype(v.numpy().dtype) @ v.numpy()), v.numpy() * w.numpy()[..., None, :], dt)
    _close(tocha.linalg.eigvals(_t(a)), np.linalg.eigvals(a), dt)


@pytest.mark.parametrize("dt", FLOAT_DTYPES)
@pytest.mark.parametrize("shape", [(4, 3), (3, 5), (2, 3, 3)])
@pytest.mark.parametrize("full", [True, False])
def test_svd(dt: Any, shape: tuple[int, ...], full: bool) -> None:
    a = _random(shape, dt)
    u, s, vh = tocha.linalg.svd(_t(a), full_matrices=full)
    nu, ns, nvh = np.linalg.svd(a, full_matrices=full)
    assert (tuple(u.shape), tuple(s.shape), tuple(vh.shape)) == (nu.shape, ns.shape, nvh.shape)
    _close(s, ns, dt)
    k = ns.shape[-1]
    _close((u[..., :k] * s.to(u.dtype).unsqueeze(-2)) @ vh[..., :k, :], a, dt)
    _close(tocha.linalg.svdvals(_t(a)), ns, dt)
    # torch.svd's convention: reduced by default and V, not Vh
    U, S, V = tocha.svd(_t(a))
    _close((U * S.to(U.dtype).unsqueeze(-2)) @ V.mH, a, dt)
    assert tuple(V.shape) == (*shape[:-2], shape[-1], k)


@pytest.mark.parametrize("dt", FLOAT_DTYPES)
@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 3), (5, 3), (3, 5)])
def test_lu_family(dt: Any, shape: tuple[int, ...]) -> None:
    a = _random(shape, dt)
    P, L, U = tocha.linalg.lu(_t(a))
    _close(P.to(L.dtype) @ L @ U, a, dt)
    LU, pivots = tocha.linalg.lu_factor(_t(a))
    assert pivots.dtype == tocha.int32
    m = shape[-2]
    if shape[-1] == m:
        b = _random((*shape[:-2], m, 2), dt)
        x = tocha.linalg.lu_solve(LU, pivots, _t(b))
        _close(x, np.linalg.solve(a, b), dt)
        xa = tocha.linalg.lu_solve(LU, pivots, _t(b), adjoint=True)
        _close(xa, np.linalg.solve(np.conj(np.swapaxes(a, -1, -2)), b), dt)
        br = _random((*shape[:-2], 2, m), dt)
        xr = tocha.linalg.lu_solve(LU, pivots, _t(br), left=False)
        _close(_t(xr.numpy() @ a), br, dt)


def test_lu_matches_lapack_pivoting() -> None:
    torch = pytest.importorskip("torch")
    a = _random((3, 5, 5), np.float64)
    LU, pivots = tocha.linalg.lu_factor(_t(a))
    tLU, tpiv = torch.linalg.lu_factor(torch.from_numpy(a))
    np.testing.assert_allclose(LU.numpy(), tLU.numpy(), atol=1e-10)
    np.testing.assert_array_equal(pivots.numpy(), tpiv.numpy())


@pytest.mark.parametrize("dt", FLOAT_DTYPES)
def test_matrix_exp(dt: Any) -> None:
    a = _random((3, 4, 4), dt) * np.array([0.1, 1.0, 20.0])[:, None, None].astype(np.dtype(dt).type(0).real.dtype)
    e = tocha.linalg.matrix_exp(_t(a))
    w, v = np.linalg.eig(a.astype(np.complex128))
    expected = v @ (np.exp(w)[..., None] * np.linalg.inv(v))
    if np.dtype(dt).kind != "c":
        expected = expected.real
    scale = np.abs(expected).max(axis=(-1, -2), keepdims=True)
    assert_close(_t(e.numpy() / scale), _t(expected / scale), check_dtype=False, **_tol(dt))
    assert e.dtype == _t(a).dtype
    assert tocha.matrix_exp(_t(a)).shape == e.shape


@pytest.mark.parametrize("dt", FLOAT_DTYPES)
def test_pinv_lstsq_rank(dt: Any) -> None:
    a = _random((2, 5, 3), dt)
    _close(tocha.linalg.pinv(_t(a)), np.linalg.pinv(a), dt)
    h = a[0, :3] + np.conj(a[0, :3].T)
    _close(tocha.linalg.pinv(_t(h), hermitian=True), np.linalg.pinv(h), dt)
    b = _random((2, 5, 2), dt)
    res = tocha.linalg.lstsq(_t(a), _t(b), driver="gelsd")
    expected = np.stack([np.linalg.lstsq(a[i], b[i], rcond=None)[0] for i in range(2)])
    _close(res.solution, expected, dt)
    assert res.rank.tolist() == [3, 3]
    _close(res.singular_values, np.linalg.svd(a, compute_uv=False), dt)
    residuals = np.stack([np.linalg.lstsq(a[i], b[i], rcond=None)[1] for i in range(2)])
    _close(res.residuals, residuals, dt)
    low_rank = _random((4, 2), dt) @ _random((2, 4), dt)
    assert int(tocha.linalg.matrix_rank(_t(low_rank))) == 2
    assert int(tocha.linalg.matrix_rank(_t(low_rank @ np.conj(low_rank.T)), hermitian=True)) == 2
    assert int(tocha.linalg.matrix_rank(_t(low_rank), atol=1e9)) == 0


@pytest.mark.parametrize("dt", FLOAT_DTYPES)
def test_norms(dt: Any) -> None:
    a = _random((2, 3, 4), dt)
    for ord in ["fro", "nuc", math.inf, -math.inf, 1, -1, 2, -2]:
        expected = np.linalg.norm(a, ord=ord, axis=(-2, -1))
        _close(tocha.linalg.matrix_norm(_t(a), ord), expected, dt)
        kept = tocha.linalg.matrix_norm(_t(a), ord, dim=(0, 2), keepdim=True)
        assert tuple(kept.shape) == (1, 3, 1)
        _close(kept, np.linalg.norm(np.moveaxis(a, (0, 2), (-2, -1)), ord=ord, axis=(-2, -1))[None, :, None], dt)
    for ord in [2, 1, 0, 3.5, math.inf, -math.inf]:
        _close(tocha.linalg.vector_norm(_t(a), ord, dim=-1), np.linalg.norm(a, ord=ord, axis=-1), dt)
    _close(tocha.linalg.vector_norm(_t(a)), np.linalg.norm(a.reshape(-1)), dt)
    _close(tocha.linalg.norm(_t(a)), np.linalg.norm(a.reshape(-1)), dt)
    _close(tocha.linalg.norm(_t(a[0]), 2), np.linalg.norm(a[0], 2), dt)
    _close(tocha.linalg.norm(_t(a), dim=(1, 2)), np.linalg.norm(a, axis=(1, 2)), dt)
    _close(tocha.linalg.norm(_t(a), 1, dim=1), np.linalg.norm(a, 1, axis=1), dt)
    sq = _well_conditioned((3, 3), dt)
    for p in [None, "fro", "nuc", 1, -1, 2, -2, math.inf]:
        _close(tocha.linalg.cond(_t(sq), p), np.linalg.cond(sq, p), dt)


def test_vector_norm_dtype_argument() -> None:
    x = tocha.tensor([3.0, 4.0])
    r = tocha.linalg.vector_norm(x, dtype=tocha.float64)
    assert r.dtype == tocha.float64
    assert float(r) == 5.0


@pytest.mark.parametrize("dt", FLOAT_DTYPES)
def test_products(dt: Any) -> None:
    a, b = _random((2, 4, 3), dt), _random((1, 4, 3), dt)
    _close(tocha.linalg.cross(_t(a), _t(b)), np.cross(a, b), dt)
    with pytest.raises(RuntimeError, match=re.escape("linalg.cross: inputs must have the same number of dimensions.")):
        tocha.linalg.cross(_t(a), _t(b[0]))
    c = _random((3, 2), dt)
    _close(tocha.linalg.cross(_t(c), _t(c[::-1].copy()), dim=0), np.cross(c, c[::-1], axis=0), dt)
    mats = [_random((4, 3), dt), _random((3, 5), dt), _random((5, 2), dt), _random((2,), dt)]
    expected = np.linalg.multi_dot(mats)
    _close(tocha.linalg.multi_dot([_t(m) for m in mats]), expected, dt)
    x, y = _random((3, 4), dt), _random((4,), dt)
    _close(tocha.linalg.vecdot(_t(x), _t(y)), (np.conj(x) * y).sum(-1), dt)
    sq = _random((2, 3, 3), dt)
    for n in [0, 1, 2, 5]:
        _close(tocha.linalg.matrix_power(_t(sq), n), np.linalg.matrix_power(sq, n), dt)
    wc = _well_conditioned((3, 3), dt)
    _close(tocha.linalg.matrix_power(_t(wc), -3), np.linalg.matrix_power(wc, -3), dt)


def test_matrix_power_integers() -> None:
    a = np.array([[1, 2], [3, 4]])
    assert tocha.linalg.matrix_power(_t(a), 3).tolist() == np.linalg.matrix_power(a, 3).tolist()
    assert tocha.matrix_power(_t(a), 0).tolist() == [[1, 0], [0, 1]]
    with pytest.raises(
        RuntimeError, match=re.escape("linalg.inv: Expected a floating point or complex tensor as input. Got Long")
    ):
        tocha.linalg.matrix_power(_t(a), -1)


def test_shape_helpers() -> None:
    a = np.arange(24.0).reshape(2, 3, 4)
    assert tocha.linalg.diagonal(_t(a)).tolist() == np.diagonal(a, 0, -2, -1).tolist()
    assert tocha.linalg.diagonal(_t(a), offset=1, dim1=0, dim2=2).tolist() == np.diagonal(a, 1, 0, 2).tolist()
    assert tocha.trace(_t(a[0])).item() == np.trace(a[0])
    x = np.array([1.0, 2.0, 3.0])
    assert tocha.linalg.vander(_t(x)).tolist() == np.vander(x, increasing=True).tolist()
    assert tocha.linalg.vander(_t(x), N=4).tolist() == np.vander(x, 4, increasing=True).tolist()
    t = _well_conditioned((6, 6), np.float64).reshape(6, 2, 3)
    inv = tocha.linalg.tensorinv(_t(t), ind=1)
    np.testing.assert_allclose(inv.numpy(), np.linalg.tensorinv(t, ind=1), atol=1e-10)
    a4 = _well_conditioned((6, 6), np.float64).reshape(2, 3, 6)
    b = _random((2, 3), np.float64)
    np.testing.assert_allclose(
        tocha.linalg.tensorsolve(_t(a4), _t(b)).numpy(), np.linalg.tensorsolve(a4, b), atol=1e-10
    )


@pytest.mark.parametrize("dt", FLOAT_DTYPES)
def test_householder_product(dt: Any) -> None:
    a = _random((5, 3), dt)
    tau = _random((3,), dt)
    q = tocha.linalg.householder_product(_t(a), _t(tau)).numpy()
    expected = np.eye(5, dtype=dt)
    for i in range(3):
        v = np.zeros(5, dtype=dt)
        v[i] = 1
        v[i + 1 :] = a[i + 1 :, i]
        expected = expected @ (np.eye(5) - tau[i] * np.outer(v, np.conj(v)))
    _close(_t(q), expected[:, :3], dt)


def test_noncontiguous_and_empty() -> None:
    a = _well_conditioned((4, 4), np.float64)
    t = _t(a).mT
    np.testing.assert_allclose(tocha.linalg.inv(t).numpy(), np.linalg.inv(a.T), atol=1e-12)
    np.testing.assert_allclose(tocha.linalg.det(t).item(), np.linalg.det(a), rtol=1e-12)
    empty = tocha.zeros(0, 3, 3, dtype=tocha.float64)
    assert tuple(tocha.linalg.inv(empty).shape) == (0, 3, 3)
    assert tuple(tocha.linalg.det(empty).shape) == (0,)
    assert tocha.linalg.det(tocha.zeros(0, 0)).item() == 1.0
    assert tuple(tocha.linalg.svdvals(tocha.zeros(2, 0, 3)).shape) == (2, 0)
    assert tuple(tocha.linalg.eigh(tocha.zeros(0, 0)).eigenvectors.shape) == (0, 0)


def test_tensor_methods_and_aliases() -> None:
    a = _t(_pd((3, 3), np.float64))
    assert_close(a.det(), tocha.linalg.det(a))
    assert_close(a.inverse(), tocha.linalg.inv(a))
    assert_close(a.cholesky(), tocha.linalg.cholesky(a))
    assert_close(a.logdet(), tocha.logdet(a))
    assert_close(a.slogdet().logabsdet, tocha.linalg.slogdet(a).logabsdet)
    assert_close(a.pinverse(), tocha.linalg.pinv(a, rtol=1e-15))
    assert_close(a.matrix_power(2), a @ a)
    assert_close(a.matrix_exp(), tocha.linalg.matrix_exp(a))
    assert_close(a.trace(), a.diagonal().sum())
    q, r = a.qr()
    assert_close(q @ r, a)
    u, s, v = a.svd()
    assert_close((u * s) @ v.mT, a)
    assert "tocha.return_types.linalg_slogdet(" in repr(tocha.linalg.slogdet(a))
    assert repr(tocha.slogdet(a)).startswith("tocha.return_types.slogdet(")
    assert tocha.linalg.LinAlgError.__module__ == "tocha.linalg"
    assert issubclass(tocha.linalg.LinAlgError, RuntimeError)
    assert tocha.logdet(_t(np.diag([-1.0, 2.0]))).isnan().item()


# ------------------------------------------------------------------ errors


def test_singular_and_not_positive_definite_errors() -> None:
    singular = tocha.tensor([[1.0, 2.0], [2.0, 4.0]])
    msg = (
        "linalg.inv: The diagonal element 2 is zero, the inversion could not be completed because the input "
        "matrix is singular."
    )
    with pytest.raises(tocha.linalg.LinAlgError) as info:
        tocha.linalg.inv(singular)
    assert str(info.value) == msg
    with pytest.raises(tocha.linalg.LinAlgError, match=r"linalg.inv: \(Batch element 1\): The diagonal element 2"):
        tocha.linalg.inv(tocha.stack([tocha.eye(2), singular]))
    not_pd = tocha.tensor([[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(tocha.linalg.LinAlgError) as info:
        tocha.linalg.cholesky(not_pd)
    assert str(info.value) == (
        "linalg.cholesky: The factorization could not be completed because the input is not positive-definite "
        "(the leading minor of order 2 is not positive-definite)."
    )
    with pytest.raises(tocha.linalg.LinAlgError, match=r"\(Batch element 1\).*order 2"):
        tocha.linalg.cholesky(tocha.stack([tocha.eye(2), not_pd]))
    assert tocha.linalg.cholesky_ex(tocha.stack([tocha.eye(2), not_pd])).info.tolist() == [0, 2]
    assert tocha.linalg.inv_ex(tocha.stack([tocha.eye(2), singular])).info.tolist() == [0, 2]
    with pytest.raises(
        tocha.linalg.LinAlgError, match=re.escape("torch.linalg.solve: The solver failed because the input matrix")
    ):
        tocha.linalg.solve(singular, tocha.ones(2))
    assert tocha.linalg.solve_ex(singular, tocha.ones(2)).info.item() == 2
    with pytest.raises(tocha.linalg.LinAlgError, match=r"U\[2,2\] is zero"):
        tocha.linalg.lu_factor(singular)
    assert tocha.linalg.lu_factor_ex(singular).info.item() == 2
    assert tocha.linalg.det(singular).item() == 0.0


def test_argument_errors() -> None:
    ints = tocha.ones(2, 2, dtype=tocha.int64)
    for fn, name in [
        (tocha.linalg.inv, "linalg.inv"), (tocha.linalg.det, "linalg.det"), (tocha.linalg.svd, "linalg.svd"),
        (tocha.linalg.qr, "linalg.qr"), (tocha.linalg.matrix_exp, "linalg.matrix_exp"),
        (tocha.linalg.vector_norm, "linalg.vector_norm"), (tocha.linalg.matrix_norm, "linalg.matrix_norm"),
        (tocha.linalg.cholesky, "linalg.cholesky"), (tocha.linalg.svdvals, "linalg.svd"),
    ]:  # fmt: skip
        with pytest.raises(
            RuntimeError, match=rf"^{name}: Expected a floating point or complex tensor as input. Got Long$"
        ):
            fn(ints)
    with pytest.raises(NotImplementedError, match=re.escape("\"linalg_eigh_cpu\" not implemented for 'Int'")):
        tocha.linalg.eigh(tocha.ones(2, 2, dtype=tocha.int32))
    with pytest.raises(RuntimeError, match=re.escape("linalg.inv: Low precision dtypes not supported. Got Half")):
        tocha.linalg.inv(tocha.ones(2, 2, dtype=tocha.float16))
    with pytest.raises(
        RuntimeError, match=re.escape("linalg.inv: A must be batches of square matrices, but they are 2 by 3 matrices")
    ):
        tocha.linalg.inv(tocha.ones(2, 3))
    with pytest.raises(
        RuntimeError, match=re.escape("linalg.inv: The input tensor A must have at least 2 dimensions.")
    ):
        tocha.linalg.inv(tocha.ones(3))
    with pytest.raises(
        RuntimeError, match=r"linalg.solve: Incompatible shapes of A and B for the equation AX = B \(2x2 and 3x1\)"
    ):
        tocha.linalg.solve(tocha.eye(2), tocha.ones(3))
    with pytest.raises(
        RuntimeError,
        match=re.escape("Expected A and B to have the same dtype, but found A of type Float and B of type Double"),
    ):
        tocha.linalg.solve(tocha.eye(2), tocha.ones(2, dtype=tocha.float64))
    with pytest.raises(RuntimeError, match=re.escape("linalg.matrix_norm: Order 3 not supported.")):
        tocha.linalg.matrix_norm(tocha.ones(2, 2), 3)
    with pytest.raises(
        RuntimeError, match=re.escape("linalg.cross: inputs dimension -1 must have length 3. Got 2 and 2")
    ):
        tocha.linalg.cross(tocha.ones(2, 2), tocha.ones(2, 2))
    with pytest.raises(TypeError):
        tocha.linalg.solve_triangular(tocha.eye(2), tocha.ones(2, 1))  # type: ignore[call-arg]
    with pytest.raises(RuntimeError, match=re.escape("linalg.vecdot: Expected a floating point or complex tensor")):
        tocha.linalg.vecdot(ints, ints)


# ------------------------------------------------------------------ against PyTorch


def _torch_close(actual: Any, expected: Any, **tol: float) -> None:
    np.testing.assert_allclose(np.asarray(actual), expected.detach().resolve_conj().numpy(), **tol)


@pytest.mark.parametrize("dt", ["float32", "float64", "complex128"])
def test_against_pytorch(dt: str) -> None:
    torch = pytest.importorskip("torch")
    tol = {"rtol": 1e-4, "atol": 1e-4} if dt == "float32" else {"rtol": 1e-9, "atol": 1e-9}
    ndt = np.dtype(dt)
    a = _well_conditioned((2, 4, 4), ndt)
    pd = _pd((2, 4, 4), ndt)
    b = _random((2, 4, 3), ndt)
    ta, tpd, tb = torch.from_numpy(a), torch.from_numpy(pd), torch.from_numpy(b)
    A, PD, B = _t(a), _t(pd), _t(b)
    _torch_close(tocha.linalg.inv(A), torch.linalg.inv(ta), **tol)
    _torch_close(tocha.linalg.det(A), torch.linalg.det(ta), **tol)
    for mine, theirs in zip(tocha.linalg.slogdet(A), torch.linalg.slogdet(ta), strict=True):
        _torch_close(mine, theirs, **tol)
    _torch_close(tocha.linalg.solve(A, B), torch.linalg.solve(ta, tb), **tol)
    _torch_close(
        tocha.linalg.solve_triangular(A, B, upper=True), torch.linalg.solve_triangular(ta, tb, upper=True), **tol
    )
    _torch_close(tocha.linalg.cholesky(PD), torch.linalg.cholesky(tpd), **tol)
    _torch_close(tocha.linalg.eigvalsh(PD), torch.linalg.eigvalsh(tpd), **tol)
    _torch_close(tocha.linalg.svdvals(B), torch.linalg.svdvals(tb), **tol)
    _torch_close(tocha.linalg.pinv(B), torch.linalg.pinv(tb), **tol)
    _torch_close(tocha.linalg.matrix_exp(A * 0.3), torch.linalg.matrix_exp(ta * 0.3), **tol)
    _torch_close(tocha.linalg.matrix_power(A, -2), torch.linalg.matrix_power(ta, -2), **tol)
    for ord in ["fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf]:
        _torch_close(tocha.linalg.matrix_norm(B, ord), torch.linalg.matrix_norm(tb, ord), **tol)
    _torch_close(tocha.linalg.norm(B), torch.linalg.norm(tb), **tol)
    _torch_close(tocha.linalg.cond(A), torch.linalg.cond(ta), **tol)
    _torch_close(tocha.linalg.matrix_rank(B), torch.linalg.matrix_rank(tb), **tol)
    LU, piv = tocha.linalg.lu_factor(A)
    tLU, tpiv = torch.linalg.lu_factor(ta)
    _torch_close(LU, tLU, **tol)
    _torch_close(piv, tpiv)
    for mine, theirs in zip(tocha.linalg.lu(A), torch.linalg.lu(ta), strict=True):
        _torch_close(mine, theirs, **tol)
    _torch_close(tocha.linalg.lu_solve(LU, piv, B), torch.linalg.lu_solve(tLU, tpiv, tb), **tol)
    tau = _random((2, 3), ndt)
    _torch_close(
        tocha.linalg.householder_product(B, _t(tau)),
        torch.linalg.householder_product(tb, torch.from_numpy(tau)),
        **tol,
    )
    q, r = tocha.linalg.qr(B)
    tq, tr = torch.linalg.qr(tb)
    _torch_close((q @ r), tq @ tr, **tol)
    _torch_close(r.abs(), tr.abs(), **tol)
    _torch_close(tocha.linalg.eigvals(A), torch.linalg.eigvals(ta), **tol)
    _torch_close(tocha.linalg.vander(_t(b[0, 0])), torch.linalg.vander(tb[0, 0]), **tol)


@pytest.mark.parametrize("driver", [None, "gels", "gelsy", "gelsd", "gelss"])
@pytest.mark.parametrize("shape", [(5, 3), (3, 5)])
def test_lstsq_against_pytorch(driver: str | None, shape: tuple[int, int]) -> None:
    torch = pytest.importorskip("torch")
    a = _random((2, *shape), np.float64)
    b = _random((2, shape[0], 2), np.float64)
    mine = tocha.linalg.lstsq(_t(a), _t(b), driver=driver)
    theirs = torch.linalg.lstsq(torch.from_numpy(a), torch.from_numpy(b), driver=driver)
    if shape[0] >= shape[1] or driver != "gels":  # gels on a wide matrix gives LAPACK's minimum-norm solution too
        _torch_close(mine.solution, theirs.solution, atol=1e-8)
    for field in ("residuals", "rank", "singular_values"):
        m, t = getattr(mine, field), getattr(theirs, field)
        assert tuple(m.shape) == tuple(t.shape), field
        if t.numel():
            _torch_close(m, t, atol=1e-8)


def test_lu_solve_shape_errors() -> None:
    LU, pivots = tocha.linalg.lu_factor(_t(_well_conditioned((3, 3), np.float64)))
    with pytest.raises(
        RuntimeError,
        match=re.escape("linalg.lu_solve: Incompatible shapes of A and B for the equation AX = B (3x3 and 4x2)"),
    ):
        tocha.linalg.lu_solve(LU, pivots, tocha.zeros(4, 2, dtype=tocha.float64))
    with pytest.raises(
        RuntimeError,
        match=re.escape("linalg.lu_solve: Incompatible shapes of A and B for the equation XA = B (3x3 and 2x4)"),
    ):
        tocha.linalg.lu_solve(LU, pivots, tocha.zeros(2, 4, dtype=tocha.float64), left=False)
    with pytest.raises(RuntimeError, match=r"linalg\.lu_solve: The input tensor B must have at least 2 dimensions"):
        tocha.linalg.lu_solve(LU, pivots, tocha.zeros(3, dtype=tocha.float64))


@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("left", [True, False])
def test_solve_triangular_with_a_zero_pivot_gives_pytorchs_infs_and_nans(upper: bool, left: bool) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    for n in range(1, 6):
        a = rng.standard_normal((2, n, n))
        a = np.triu(a) if upper else np.tril(a)
        a[1, n // 2, n // 2] = 0.0  # the second matrix is singular: LU's pivoting would return huge finite values
        b = rng.standard_normal((2, n, 3) if left else (2, 3, n))
        b[:, ..., 0] = 0.0  # 0 / 0 as well as x / 0
        ours = tocha.linalg.solve_triangular(tocha.tensor(a), tocha.tensor(b), upper=upper, left=left).numpy()
        theirs = torch.linalg.solve_triangular(torch.tensor(a), torch.tensor(b), upper=upper, left=left).numpy()
        np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
        np.testing.assert_array_equal(np.isposinf(ours), np.isposinf(theirs))
        np.testing.assert_array_equal(np.isneginf(ours), np.isneginf(theirs))
        finite = np.isfinite(theirs)
        np.testing.assert_allclose(ours[finite], theirs[finite], rtol=1e-9, atol=1e-12)
