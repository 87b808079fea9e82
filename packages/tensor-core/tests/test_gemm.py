"""``tocha.library.gemm`` (NOTE [ Direct cuBLAS products ]): products of every operand layout against NumPy.

Without a GPU, a stand-in for CuPy and for its cuBLAS binding runs the column-major ``sgemm``/``dgemm`` the
function calls on host memory, so the mapping of row-major operands (C-ordered, transposed, sliced) to cuBLAS's
``op``, sizes and leading dimensions is checked here; the gpu-marked test runs the real binding.
"""

from __future__ import annotations

import ctypes
import math
import types
from typing import Any

import numpy as np
import pytest

import tocha
from tocha import _gemm


class _Device:
    """A host array posing as a CuPy array: what ``gemm`` reads of one (its address as ``data.ptr``)."""

    def __init__(self, array: np.ndarray) -> None:
        self.a = array
        self.shape, self.strides, self.dtype, self.ndim = array.shape, array.strides, array.dtype, array.ndim
        self.itemsize, self.flags, self.size = array.itemsize, array.flags, array.size
        self.data = types.SimpleNamespace(ptr=array.ctypes.data)

    def fill(self, value: float) -> None:
        self.a.fill(value)

    def reshape(self, *shape: Any) -> _Device:
        view = self.a.reshape(*shape)
        assert np.shares_memory(view, self.a) or not view.size  # CuPy's reshape of a C-contiguous array is a view
        return _Device(view)

    def __getitem__(self, key: Any) -> _Device:
        return _Device(self.a[key])


def _host_sum(a: _Device, axis: Any = None, out: Any = None) -> _Device:
    if out is None:
        return _Device(a.a.sum(axis=axis))
    a.a.sum(axis=axis, out=out.a)
    return out


def _column_major(pointer: int, dtype: Any, rows: int, cols: int, ld: int) -> np.ndarray:
    """The ``(rows, cols)`` column-major matrix with leading dimension ``ld`` at host address ``pointer``."""
    count = ld * (cols - 1) + rows
    buffer = (ctypes.c_char * (count * np.dtype(dtype).itemsize)).from_address(pointer)
    flat = np.frombuffer(buffer, dtype=dtype, count=count)
    return np.lib.stride_tricks.as_strided(flat, (rows, cols), (flat.itemsize, ld * flat.itemsize))


def _cublas_stand_in(calls: list[tuple[Any, ...]]) -> types.ModuleType:
    module = types.ModuleType("cupy_backends.cuda.libs.cublas")
    module.CUBLAS_OP_N, module.CUBLAS_OP_T, module.CUBLAS_POINTER_MODE_HOST = 0, 1, 0  # type: ignore[attr-defined]

    def gemm(dtype: Any) -> Any:
        def run(handle: int, ta: int, tb: int, m: int, n: int, k: int, alpha: int, a: int, lda: int, b: int,
                ldb: int, beta: int, c: int, ldc: int) -> None:  # fmt: skip
            calls.append((ta, tb, m, n, k, lda, ldb, ldc))
            left = _column_major(a, dtype, k, m, lda).T if ta else _column_major(a, dtype, m, k, lda)
            right = _column_major(b, dtype, n, k, ldb).T if tb else _column_major(b, dtype, k, n, ldb)
            scale = np.frombuffer((ctypes.c_char * np.dtype(dtype).itemsize).from_address(alpha), dtype=dtype)[0]
            target = _column_major(c, dtype, m, n, ldc)
            target[...] = scale * (left @ right)

        return run

    def batched(dtype: Any) -> Any:
        def run(handle: int, ta: int, tb: int, m: int, n: int, k: int, alpha: int, a: int, lda: int, stride_a: int,
                b: int, ldb: int, stride_b: int, beta: int, c: int, ldc: int, stride_c: int, count: int) -> None:  # fmt: skip
            calls.append(("batched", count, m, n, k))
            item = np.dtype(dtype).itemsize
            single = gemm(dtype)
            for i in range(count):
                single(handle, ta, tb, m, n, k, alpha, a + i * stride_a * item, lda, b + i * stride_b * item, ldb, beta,
                       c + i * stride_c * item, ldc)  # fmt: skip
            del calls[-count:]

        return run

    def listed(dtype: Any) -> Any:
        def run(handle: int, ta: int, tb: int, m: int, n: int, k: int, alpha: int, a: int, lda: int, b: int,
                ldb: int, beta: int, c: int, ldc: int, count: int) -> None:  # fmt: skip
            calls.append(("listed", count, m, n, k))
            single = gemm(dtype)
            tables = [np.frombuffer((ctypes.c_char * (8 * count)).from_address(t), np.int64) for t in (a, b, c)]
            for pa, pb, pc in zip(*tables, strict=True):
                single(handle, ta, tb, m, n, k, alpha, int(pa), lda, int(pb), ldb, beta, int(pc), ldc)
            del calls[-count:]

        return run

    module.sgemmBatched, module.dgemmBatched = listed(np.float32), listed(np.float64)  # type: ignore[attr-defined]
    module.sgemm, module.dgemm = gemm(np.float32), gemm(np.float64)  # type: ignore[attr-defined]
    module.sgemmStridedBatched = batched(np.float32)  # type: ignore[attr-defined]
    module.dgemmStridedBatched = batched(np.float64)  # type: ignore[attr-defined]
    module.setPointerMode = lambda handle, mode: None  # type: ignore[attr-defined]
    mode = [7]  # the handle's math mode: some value tocha must restore
    module.getMathMode = lambda handle: mode[0]  # type: ignore[attr-defined]

    def set_math_mode(handle: int, value: int) -> None:
        calls.append(("math mode", value))
        mode[0] = value

    module.setMathMode = set_math_mode  # type: ignore[attr-defined]
    return module


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> tuple[Any, list[tuple[Any, ...]]]:
    calls: list[tuple[Any, ...]] = []
    binding = _cublas_stand_in(calls)
    monkeypatch.setattr(_gemm, "_cublas", lambda: binding)
    monkeypatch.setattr(_gemm, "_ONES", {})
    monkeypatch.setattr(_gemm, "_POINTERS", {})
    xp = types.SimpleNamespace(
        __version__="14.2.0",
        empty=lambda shape, dtype: _Device(np.full(shape, np.nan, dtype)),
        ones=lambda n, dtype: _Device(np.ones(n, dtype)),
        asarray=lambda host: _Device(np.array(host)),
        sum=_host_sum,
        matmul=lambda a, b, out=None: pytest.fail("fell back to xp.matmul"),
        cuda=types.SimpleNamespace(device=types.SimpleNamespace(get_cublas_handle=lambda: 1)),
    )
    return xp, calls


def _operand(rng: Any, shape: tuple[int, int], layout: str, dtype: Any, to: Any = None) -> Any:
    """A ``shape`` operand laid out as C-ordered, a transposed view, or a slice of rows/columns of a wider one;
    ``to`` moves the underlying array first (to the device), so the operand's strides are the same there."""
    r, c = shape
    base_shape = {"c": (r, c), "t": (c, r), "c-slice": (r, c + 3), "t-slice": (c + 2, r + 4)}[layout]
    base = rng.standard_normal(base_shape).astype(dtype)
    if to is not None:
        base = to(base)
    if layout == "c":
        return base
    if layout == "t":
        return base.T
    if layout == "c-slice":
        return base[:, 1 : c + 1]
    return base[1 : c + 1, 2 : r + 2].T


LAYOUTS = ["c", "t", "c-slice", "t-slice"]
SHAPES = [(3, 4, 5), (1, 7, 2), (6, 1, 3), (5, 3, 1), (1, 1, 1), (33, 17, 65)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_every_layout_maps_to_cublas_correctly(stand_in: Any, dtype: Any, shape: tuple[int, int, int]) -> None:
    xp, calls = stand_in
    m, k, n = shape
    rng = np.random.default_rng(m * 100 + k * 10 + n)
    for layout_a in LAYOUTS:
        for layout_b in LAYOUTS:
            a, b = _operand(rng, (m, k), layout_a, dtype), _operand(rng, (k, n), layout_b, dtype)
            out = _gemm.gemm(xp, _Device(a), _Device(b))
            tolerance = 1e-5 if dtype == np.float32 else 1e-12
            np.testing.assert_allclose(out.a, a @ b, rtol=tolerance, atol=tolerance, err_msg=f"{layout_a} @ {layout_b}")
            assert out.a.dtype == dtype
    assert len(calls) == len(LAYOUTS) ** 2


def test_an_output_array_is_written_in_place(stand_in: Any) -> None:
    xp, calls = stand_in
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((4, 3)).astype(np.float32), rng.standard_normal((3, 5)).astype(np.float32)
    target = np.full((2, 4, 5), np.nan, np.float32)
    out = _Device(target[1])
    assert _gemm.gemm(xp, _Device(a), _Device(b), out) is out
    np.testing.assert_allclose(target[1], a @ b, rtol=1e-5)
    assert np.isnan(target[0]).all()
    assert calls == [(0, 0, 5, 4, 3, 5, 3, 5)]  # row-major a @ b as column-major b^T-first: n, m, k; ld b, a, out


@pytest.mark.parametrize("precision", ["highest", "high", "medium"])
def test_tf32_follows_the_float32_matmul_precision(stand_in: Any, precision: str) -> None:
    xp, calls = stand_in
    a32, a64 = np.ones((2, 3), np.float32), np.ones((2, 3))
    before = tocha.get_float32_matmul_precision()
    tocha.set_float32_matmul_precision(precision)
    try:
        _gemm.gemm(xp, _Device(a32), _Device(a32.T.copy()))
        float32_calls = list(calls)
        calls.clear()
        _gemm.gemm(xp, _Device(a64), _Device(a64.T.copy()))  # float64 never uses TF32
    finally:
        tocha.set_float32_matmul_precision(before)
    modes = [call[1] for call in float32_calls if call[0] == "math mode"]
    assert modes == ([] if precision == "highest" else [3, 7])  # TF32 for the call, then the handle's own mode
    assert not any(call[0] == "math mode" for call in calls)


@pytest.mark.parametrize("allow_tf32", [True, False])
def test_an_explicit_tf32_choice_overrides_the_matmul_precision(stand_in: Any, allow_tf32: bool) -> None:
    xp, calls = stand_in
    a32 = np.ones((2, 3), np.float32)
    before = tocha.get_float32_matmul_precision()
    for precision in ("highest", "high"):
        tocha.set_float32_matmul_precision(precision)
        try:
            _gemm.gemm(xp, _Device(a32), _Device(a32.T.copy()), allow_tf32=allow_tf32)
        finally:
            tocha.set_float32_matmul_precision(before)
        modes = [call[1] for call in calls if call[0] == "math mode"]
        assert modes == ([3, 7] if allow_tf32 else []), precision
        calls.clear()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(300, 17), (2, 3), (70000, 3), (1, 40), (5, 0), (3, 16)], ids=str)
def test_row_and_column_sums(stand_in: Any, dtype: Any, shape: tuple[int, int]) -> None:
    """Sums by products with ones vectors, in full precision even where TF32 is allowed; the shapes where a
    product is no gain (one row, few columns over very many rows, nothing to sum) go to ``xp.sum``."""
    xp, calls = stand_in
    a = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    before = tocha.get_float32_matmul_precision()
    tocha.set_float32_matmul_precision("medium")
    try:
        rows = _gemm.sum_rows(xp, _Device(a))
        row_products = len(calls)
        target = np.full(shape[1], np.nan, dtype)
        into = _gemm.sum_rows(xp, _Device(a), out=_Device(target))
    finally:
        tocha.set_float32_matmul_precision(before)
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(rows.a, a.sum(0), rtol=tolerance, atol=tolerance)
    np.testing.assert_allclose(target, a.sum(0), rtol=tolerance, atol=tolerance)
    assert into.a is target or np.shares_memory(into.a, target) or not target.size
    m, k = shape
    assert row_products == (0 if m < 2 or k == 0 or (k < 16 and m > 65536) else 1)
    assert len(calls) == 2 * row_products
    assert not any(call[0] == "math mode" for call in calls)  # a sum never runs on TF32


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("shape", "dims", "keepdim"), [((300, 17), (0,), False), ((8, 40, 33), (0, 1), True),
                                                        ((2, 300, 5, 4), (0, 1), False),
                                                        ((30, 20, 3, 6), (0, 2, 3), False),
                                                        ((30, 20, 3, 6), (0, 2, 3), True), ((300, 20, 4), (0, 2), True),
                                                        ((0, 3, 4), (0,), False), ((4, 0, 20), (0, 2), False)])  # fmt: skip
def test_leading_sums_by_products(stand_in: Any, dtype: Any, shape: Any, dims: Any, keepdim: bool) -> None:
    """``sum`` over leading dims (and trailing ones: a conv bias gradient) on CuPy, through the stand-in: at least
    256 rows of at least 16 columns by a product, fewer by CuPy's sum."""
    from tocha._ops import reduction_core

    xp, calls = stand_in
    a = np.random.default_rng(1).standard_normal(shape).astype(dtype)
    got = reduction_core._leading_sum_by_gemv(xp, _Device(a), dims, keepdim)
    if got is None:
        assert any(n == 0 for n in shape)  # nothing to sum along a leading dim: CuPy's sum gives the zeros
        return
    expected = a.sum(dims, keepdims=keepdim)
    assert got.shape == expected.shape
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got.a, expected, rtol=tolerance, atol=tolerance)
    lead = sum(1 for i, d in enumerate(sorted(dims)) if i == d)
    rows, kept = math.prod(shape[:lead]), math.prod(shape[lead : len(shape) - (len(dims) - lead)])
    assert bool(calls) == (rows >= 256 and kept >= 16)  # CuPy sums the trailing dims, a product the leading ones


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("m", "k", "n"), [(5, 40960, 7), (3, 40963, 2), (64, 20000, 65)], ids=str)
def test_long_inner_dimensions_are_split(stand_in: Any, dtype: Any, m: int, k: int, n: int) -> None:
    """A small result over a long K (a conv weight gradient) runs as K slices in one batched call (plus one for
    the rest when K does not divide), then a row sum of the slices (NOTE [ Split-K products ]); in every layout."""
    xp, calls = stand_in
    rng = np.random.default_rng(k)
    slices = _gemm._k_slices(m, n, k)
    assert slices > 1
    for layout_a in LAYOUTS:
        for layout_b in ("c", "t"):
            a, b = _operand(rng, (m, k), layout_a, dtype), _operand(rng, (k, n), layout_b, dtype)
            calls.clear()
            out = _gemm.gemm(xp, _Device(a), _Device(b))
            tolerance = 1e-3 if dtype == np.float32 else 1e-10
            np.testing.assert_allclose(out.a, a.astype(np.float64) @ b, rtol=tolerance, atol=tolerance)
            assert calls[0] == ("batched", slices, n, m, k // slices)
            assert len(calls) == 2 + (k % slices > 0)  # the batched call, the rest, the row sum
    assert _gemm._k_slices(64, 4096, 100352) == 1  # enough result tiles: cuBLAS's own choice
    assert _gemm._k_slices(64, 288, 8192) == 1  # a short K


def _stack(rng: Any, batch: tuple[int, ...], shape: tuple[int, int], kind: str, dtype: Any) -> np.ndarray:
    """A stack of ``shape`` matrices: C-ordered, transposed matrices, or heads interleaved in a wider row (as
    attention's ``(N, L, H, D)`` viewed as ``(N, H, L, D)``), or one matrix broadcast over the batch."""
    r, c = shape
    if kind == "c":
        return rng.standard_normal((*batch, r, c)).astype(dtype)
    if kind == "t":
        return np.swapaxes(rng.standard_normal((*batch, c, r)).astype(dtype), -1, -2)
    if kind == "heads":  # (N, r, H, c) -> (N, H, r, c)
        return np.moveaxis(rng.standard_normal((*batch[:-1], r, batch[-1], c)).astype(dtype), -2, -3)
    return np.broadcast_to(rng.standard_normal((r, c)).astype(dtype), (*batch, r, c))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch", [(3,), (2, 4), (1, 3)], ids=str)
def test_batched_products(stand_in: Any, dtype: Any, batch: tuple[int, ...]) -> None:
    """Stacks of matrices: one strided-batched call where a single stride steps through each stack, a batched
    call over a table of addresses where not (interleaved heads, partial broadcasts); results as NumPy's."""
    xp, calls = stand_in
    rng = np.random.default_rng(len(batch))
    m, k, n = 5, 3, 4
    for kind_a in ("c", "t", "heads", "broadcast"):
        for kind_b in ("c", "t", "heads"):
            a, b = _stack(rng, batch, (m, k), kind_a, dtype), _stack(rng, batch, (k, n), kind_b, dtype)
            calls.clear()
            out = _gemm.gemm_batched(xp, _Device(a), _Device(b))
            tolerance = 1e-5 if dtype == np.float32 else 1e-12
            np.testing.assert_allclose(out.a, np.matmul(a, b), rtol=tolerance, atol=tolerance)
            assert out.a.shape == (*batch, m, n)
            assert out.a.flags.c_contiguous
            uniform = _gemm._batch_stride(a) is not None and _gemm._batch_stride(b) is not None
            assert calls == [("batched" if uniform else "listed", math.prod(batch), n, m, k)], (kind_a, kind_b)
    a, b = _stack(rng, batch, (m, k), "heads", dtype), _stack(rng, batch, (k, n), "c", dtype)
    c_ordered = np.full((*batch, m, n), np.nan, dtype)
    heads = np.moveaxis(np.full((*batch[:-1], m, batch[-1], n), np.nan, dtype), -2, -3)  # interleaved in a row
    for target in (c_ordered, heads):
        out = _Device(target)
        assert _gemm.gemm_batched(xp, _Device(a), _Device(b), out) is out
        np.testing.assert_allclose(target, np.matmul(a, b), rtol=1e-5)


def test_batched_products_reuse_their_address_tables(stand_in: Any) -> None:
    xp, calls = stand_in
    a = _stack(np.random.default_rng(0), (2, 3), (4, 5), "heads", np.float32)
    b, out = _Device(np.ones((2, 3, 5, 2), np.float32)), _Device(np.empty((2, 3, 4, 2), np.float32))
    first = _gemm.gemm_batched(xp, _Device(a), b, out)
    assert len(_gemm._POINTERS) == 1
    _gemm.gemm_batched(xp, _Device(a), b, out)  # the same addresses, shapes and strides: the same table
    assert len(_gemm._POINTERS) == 1
    assert calls == [("listed", 6, 2, 4, 5)] * 2
    np.testing.assert_allclose(first.a, np.matmul(a, b.a), rtol=1e-6)


def test_batched_products_leave_the_rest_to_matmul(stand_in: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    xp, _ = stand_in
    seen: list[str] = []
    monkeypatch.setattr(xp, "matmul", lambda a, b, out=None: seen.append("matmul"), raising=False)
    f32 = np.ones((2, 3, 3), np.float32)
    _gemm.gemm_batched(xp, _Device(f32), _Device(np.ones((3, 3), np.float32)))  # batch dims differ (broadcast)
    _gemm.gemm_batched(xp, _Device(f32.astype(np.float16)), _Device(f32.astype(np.float16)))  # float16
    _gemm.gemm_batched(xp, _Device(f32[..., ::2]), _Device(f32[:, ::2]))  # no unit stride in a matrix
    _gemm.gemm_batched(xp, _Device(np.ones((0, 3, 3), np.float32)), _Device(np.ones((0, 3, 3), np.float32)))
    assert seen == ["matmul"] * 4
    assert _gemm.gemm_batched(np, np.ones((2, 1, 2)), np.ones((2, 2, 1))).tolist() == [[[2.0]], [[2.0]]]


def test_empty_products(stand_in: Any) -> None:
    xp, calls = stand_in
    zero_k = _gemm.gemm(xp, _Device(np.ones((2, 0), np.float32)), _Device(np.ones((0, 3), np.float32)))
    assert zero_k.a.tolist() == [[0.0] * 3] * 2
    assert _gemm.gemm(xp, _Device(np.ones((0, 2))), _Device(np.ones((2, 3)))).a.shape == (0, 3)
    assert calls == []


def test_what_cublas_cannot_read_goes_to_matmul() -> None:
    seen: list[str] = []
    xp = types.SimpleNamespace(__version__="14.2.0", matmul=lambda a, b, out=None: seen.append("matmul") or a @ b)
    a = np.ones((4, 6), np.float32)
    _gemm.gemm(xp, a[:, ::2], np.ones((3, 2), np.float32))  # no unit stride
    _gemm.gemm(xp, np.ones((2, 2), np.float16), np.ones((2, 2), np.float16))  # float16
    _gemm.gemm(xp, np.ones((2, 2), np.float32), np.ones((2, 2), np.float64))  # mixed dtypes
    _gemm.gemm(xp, np.ones((2, 2, 2), np.float32), np.ones((2, 2), np.float32))  # batched
    assert seen == ["matmul"] * 4
    assert _gemm.gemm(np, np.eye(2), np.full((2, 2), 3.0)).tolist() == [[3.0, 3.0], [3.0, 3.0]]


def _real_cupy() -> Any:
    """CuPy on a GPU machine; the test skips elsewhere (the CuPy stand-in has no cuBLAS: the stand-in tests above
    check the mapping, the slicing and the math mode)."""
    if not tocha.cuda.is_available():
        pytest.skip("needs CUDA")
    import cupy

    if cupy.__version__.endswith("+fake"):
        pytest.skip("the CuPy stand-in has no cuBLAS (the stand-in tests above check what reaches it)")
    return cupy


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_direct_cublas_products_on_the_gpu(dtype: Any) -> None:
    cupy = _real_cupy()
    rng = np.random.default_rng(1)
    for m, k, n in SHAPES:
        for layout_a in LAYOUTS:
            for layout_b in LAYOUTS:
                a = _operand(rng, (m, k), layout_a, dtype, to=cupy.asarray)
                b = _operand(rng, (k, n), layout_b, dtype, to=cupy.asarray)
                got = _gemm.gemm(cupy, a, b)
                assert got.dtype == dtype
                tolerance = 1e-4 if dtype == np.float32 else 1e-12
                expected = cupy.asnumpy(a) @ cupy.asnumpy(b)
                np.testing.assert_allclose(cupy.asnumpy(got), expected, rtol=tolerance, atol=tolerance)
                out = cupy.full((m, n), cupy.nan, dtype=dtype)
                assert _gemm.gemm(cupy, a, b, out) is out
                np.testing.assert_allclose(cupy.asnumpy(out), expected, rtol=tolerance, atol=tolerance)


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_split_k_products_on_the_gpu(dtype: Any) -> None:
    cupy = _real_cupy()
    rng = np.random.default_rng(3)
    for m, k, n in [(64, 100352, 288), (3, 40963, 2)]:
        assert _gemm._k_slices(m, n, k) > 1
        for layout_b in ("c", "t"):
            a = _operand(rng, (m, k), "c", dtype, to=cupy.asarray)
            b = _operand(rng, (k, n), layout_b, dtype, to=cupy.asarray)
            got = cupy.asnumpy(_gemm.gemm(cupy, a, b))
            expected = cupy.asnumpy(a).astype(np.float64) @ cupy.asnumpy(b)
            tolerance = {"rtol": 1e-4, "atol": 0.05} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-9}
            np.testing.assert_allclose(got, expected, **tolerance)


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batched_products_on_the_gpu(dtype: Any) -> None:
    cupy = _real_cupy()
    rng = np.random.default_rng(4)
    batch, (m, k, n) = (3, 4), (33, 17, 65)
    for kind_a in ("c", "t", "heads", "broadcast"):
        for kind_b in ("c", "t", "heads"):
            a, b = _stack(rng, batch, (m, k), kind_a, dtype), _stack(rng, batch, (k, n), kind_b, dtype)
            da, db = (cupy.lib.stride_tricks.as_strided(cupy.asarray(x.base if x.base is not None else x), x.shape,
                                                        x.strides) for x in (a, b))  # fmt: skip
            np.testing.assert_array_equal(cupy.asnumpy(da), a)  # the same layout on the device
            got = cupy.asnumpy(_gemm.gemm_batched(cupy, da, db))
            tolerance = 1e-4 if dtype == np.float32 else 1e-12
            np.testing.assert_allclose(
                got, np.matmul(a, b), rtol=tolerance, atol=tolerance, err_msg=f"{kind_a} {kind_b}"
            )


@pytest.mark.gpu
def test_tf32_products_on_the_gpu() -> None:
    cupy = _real_cupy()
    from cupy_backends.cuda.libs import cublas

    handle = cupy.cuda.device.get_cublas_handle()
    mode = cublas.getMathMode(handle)
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((256, 512)), rng.standard_normal((512, 128))
    before = tocha.get_float32_matmul_precision()
    tocha.set_float32_matmul_precision("high")
    try:
        got = _gemm.gemm(cupy, cupy.asarray(a, np.float32), cupy.asarray(b, np.float32))
    finally:
        tocha.set_float32_matmul_precision(before)
    assert cublas.getMathMode(handle) == mode
    np.testing.assert_allclose(cupy.asnumpy(got), a @ b, rtol=0, atol=0.1)  # TF32: 10-bit mantissas, K = 512


@pytest.mark.gpu
def test_products_run_on_the_current_stream() -> None:
    """CuPy's bindings set the handle's stream on every call: a product made under another stream runs there."""
    cupy = _real_cupy()
    from cupy_backends.cuda.libs import cublas

    handle = cupy.cuda.device.get_cublas_handle()
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((64, 96)), rng.standard_normal((96, 32))
    da, db = cupy.asarray(a), cupy.asarray(b)
    stream = cupy.cuda.Stream(non_blocking=True)
    with stream:
        got = _gemm.gemm(cupy, da, db)
        assert cublas.getStream(handle) == stream.ptr
        split = _gemm.gemm(cupy, cupy.ones((2, 40963)), cupy.ones((40963, 3)))  # split K: a batched call and a sum
        assert cublas.getStream(handle) == stream.ptr
    stream.synchronize()
    np.testing.assert_allclose(cupy.asnumpy(got), a @ b, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(cupy.asnumpy(split), np.full((2, 3), 40963.0))
    _gemm.gemm(cupy, da, db)
    assert cublas.getStream(handle) == cupy.cuda.get_current_stream().ptr
