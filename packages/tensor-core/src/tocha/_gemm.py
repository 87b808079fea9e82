"""Matrix products of 2-D float32/float64 device arrays through cuBLAS, called directly.

NOTE [ Direct cuBLAS products ]
``cupy.matmul`` spends 20-70 us of host time per call before cuBLAS sees it (argument checks, the gufunc machinery,
a GemmEx set-up), against a few microseconds for the ``sgemm``/``dgemm`` binding itself; a training step makes a
dozen such products (linear layers, convolutions, bias-gradient sums) and on the GPU is bound by host time.
:func:`gemm` calls the binding: row-major ``C = A @ B`` is column-major ``C^T = B^T @ A^T``, and an operand with
unit stride along either axis (C-ordered, a transposed view, or a slice of rows or columns of either) is read in
place with the matching ``op`` and leading dimension. Other operands, other dtypes, NumPy and tools/fake_cupy go to
``xp.matmul``. cuBLAS runs on the current stream with host scalars, in full float32 unless
``tocha.set_float32_matmul_precision("high" | "medium")`` (``tocha.backends.cuda.matmul.allow_tf32 = True``)
allows TF32 tensor cores: then float32 products run in cuBLAS's TF32 math mode, the handle's own mode restored
after each call (CuPy's batched products follow ``CUPY_TF32`` instead). Convolutions decide by
``tocha.backends.cudnn.allow_tf32`` instead, which is on by default, as in PyTorch (its cuDNN convolutions run
float32 on TF32 tensor cores unless told not to). A small product over a long inner dimension runs as slices of it
(NOTE [ Split-K products ]).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from ._settings import get_float32_matmul_precision

# cuBLAS's alpha and beta, read from host memory during the call: the arrays, and their addresses
_ONE: dict[np.dtype[Any], np.ndarray[Any, Any]] = {np.dtype(t): np.ones(1, t) for t in (np.float32, np.float64)}
_ZERO: dict[np.dtype[Any], np.ndarray[Any, Any]] = {np.dtype(t): np.zeros(1, t) for t in (np.float32, np.float64)}
_SCALARS: dict[np.dtype[Any], tuple[int, int]] = {t: (_ONE[t].ctypes.data, _ZERO[t].ctypes.data) for t in _ONE}
_INT_MAX = 2**31 - 1
_TF32_TENSOR_OP_MATH = 3  # cublasMath_t's CUBLAS_TF32_TENSOR_OP_MATH (cublas_api.h)


def _layout(a: Any) -> tuple[bool, int] | None:
    """``(transposed, leading dimension)`` of a 2-D operand (of each matrix of a stack) as cuBLAS reads it
    (column-major), or None.

    Row-major ``(r, c)`` with row stride ``s`` is column-major ``(c, r)`` with leading dimension ``s``: not
    transposed. Unit row stride (a transposed view) is column-major ``(r, c)``: transposed for cuBLAS.
    """
    item = a.itemsize
    rows, cols = a.shape[-2:]
    s0, s1 = a.strides[-2:]
    if (s1 == item or cols == 1) and s0 % item == 0 and s0 // item >= max(cols, 1):
        return False, s0 // item
    if (s0 == item or rows == 1) and s1 % item == 0 and s1 // item >= max(rows, 1):
        return True, s1 // item
    return None


def _on_cuda(xp: Any) -> bool:
    """Whether ``xp`` is CuPy (not NumPy, not tools/fake_cupy, which has no cuBLAS)."""
    return xp is not np and not getattr(xp, "__version__", "").endswith("+fake")


def _direct(xp: Any, a: Any, b: Any, out: Any) -> bool:
    if not _on_cuda(xp):
        return False
    dtype = a.dtype
    return (
        a.ndim == 2
        and b.ndim == 2
        and dtype in _SCALARS
        and b.dtype == dtype
        and (out is None or (out.ndim == 2 and out.dtype == dtype))
    )


@functools.cache
def _cublas() -> Any:
    """CuPy's cuBLAS binding (imported on the first direct product)."""
    from cupy_backends.cuda.libs import cublas

    return cublas


def gemm(xp: Any, a: Any, b: Any, out: Any = None, *, allow_tf32: bool | None = None) -> Any:
    """``a @ b`` of two 2-D arrays, written into ``out`` when given (C-contiguous, ``(m, n)``, their dtype) and
    returned; on CuPy, float32/float64 products call cuBLAS directly (NOTE [ Direct cuBLAS products ]).

    ``allow_tf32`` says whether a float32 product on CuPy may run on TF32 tensor cores; ``None`` follows
    ``tocha.get_float32_matmul_precision()`` (TF32 unless "highest"). Convolutions pass
    ``tocha.backends.cudnn.allow_tf32``, as PyTorch's do.

    Example:
        >>> import numpy
        >>> import tocha.library
        >>> tocha.library.gemm(numpy, numpy.ones((2, 3)), numpy.ones((3, 4))).tolist()[0]
        [3.0, 3.0, 3.0, 3.0]
    """
    if not _direct(xp, a, b, out) or a.shape[1] != b.shape[0]:
        return xp.matmul(a, b) if out is None else xp.matmul(a, b, out=out)
    m, k = a.shape
    n = b.shape[1]
    if out is not None and (out.shape != (m, n) or not out.flags.c_contiguous):
        return xp.matmul(a, b, out=out)
    if m == 0 or n == 0 or k == 0:
        out = xp.empty((m, n), dtype=a.dtype) if out is None else out
        if out.size:
            out.fill(0)
        return out
    layout_a, layout_b = _layout(a), _layout(b)
    if layout_a is None or layout_b is None or max(m, n, k, layout_a[1], layout_b[1]) > _INT_MAX:
        return xp.matmul(a, b) if out is None else xp.matmul(a, b, out=out)
    if out is None:
        out = xp.empty((m, n), dtype=a.dtype)
    float32 = a.dtype == np.float32
    cublas, handle, previous = _prepare(xp, float32, allow_tf32)
    routine = cublas.sgemm if float32 else cublas.dgemm
    one, zero = _SCALARS[a.dtype]
    (trans_b, ld_b), (trans_a, ld_a) = layout_b, layout_a
    op = (cublas.CUBLAS_OP_N, cublas.CUBLAS_OP_T)
    slices = _k_slices(m, n, k)
    try:
        if slices == 1:
            routine(
                handle, op[trans_b], op[trans_a], n, m, k, one, b.data.ptr, ld_b, a.data.ptr, ld_a, zero,
                out.data.ptr, n,
            )  # fmt: skip
        else:
            partial = _sliced_products(xp, cublas, handle, a, b, (layout_a, layout_b), slices)
    finally:
        if previous is not None:
            cublas.setMathMode(handle, previous)
    if slices > 1:
        sum_rows(xp, partial.reshape(partial.shape[0], m * n), out=out.reshape(m * n))
    return out


def _prepare(xp: Any, float32: bool, allow_tf32: bool | None) -> tuple[Any, int, int | None]:
    """cuBLAS's binding and handle, set to host scalars, in TF32 math mode where allowed: ``(binding, handle, the
    handle's math mode to restore after the call or None)``. (CuPy's product bindings set the handle's stream to
    the current stream themselves, on every call.)"""
    cublas = _cublas()
    handle = xp.cuda.device.get_cublas_handle()
    cublas.setPointerMode(handle, cublas.CUBLAS_POINTER_MODE_HOST)
    if float32 and (get_float32_matmul_precision() != "highest" if allow_tf32 is None else allow_tf32):
        previous: int | None = cublas.getMathMode(handle)
        cublas.setMathMode(handle, _TF32_TENSOR_OP_MATH)
        return cublas, handle, previous
    return cublas, handle, None


# NOTE [ Split-K products ]
# A product with a long inner dimension and a small result (a convolution's weight gradient: 64 x 288 summed over
# 100k positions) gives cuBLAS a handful of output tiles, so a few of the GPU's 132 multiprocessors do all the work.
# Such a product runs as ``slices`` products over equal shares of K in one strided-batched call, into a
# ``(slices, m, n)`` workspace (the share left over, when K does not divide evenly, by one more call into an extra
# slice), and a full-precision row sum of the workspace into the result.
_SPLIT_MIN_K = 16384  # shorter inner dimensions: cuBLAS's own choice
_SPLIT_SLICE_K = 2048  # at least this much of K per slice
_SPLIT_TILES = 256  # 64 x 64 result tiles over all slices: about two per multiprocessor


def _k_slices(m: int, n: int, k: int) -> int:
    """How many shares of K the product of ``(m, k)`` and ``(k, n)`` runs as (NOTE [ Split-K products ])."""
    if k < _SPLIT_MIN_K:
        return 1
    tiles = -(-m // 64) * -(-n // 64)
    if tiles * 8 > _SPLIT_TILES:  # a quarter of the multiprocessors busy or more: left to cuBLAS
        return 1
    return max(1, min(k // _SPLIT_SLICE_K, _SPLIT_TILES // tiles))


def _sliced_products(xp: Any, cublas: Any, handle: int, a: Any, b: Any, layouts: tuple[Any, Any], slices: int) -> Any:
    """The ``slices`` products over equal shares of K (and one over the rest), stacked in a new array."""
    m, k = a.shape
    n = b.shape[1]
    share, rest = divmod(k, slices)
    item = a.itemsize
    (trans_a, ld_a), (trans_b, ld_b) = layouts
    step_a, step_b = share * (a.strides[1] // item), share * (b.strides[0] // item)  # one share along K, in elements
    partial = xp.empty((slices + (rest > 0), m, n), dtype=a.dtype)
    one, zero = _SCALARS[a.dtype]
    op = (cublas.CUBLAS_OP_N, cublas.CUBLAS_OP_T)
    batched = cublas.sgemmStridedBatched if a.dtype == np.float32 else cublas.dgemmStridedBatched
    batched(
        handle, op[trans_b], op[trans_a], n, m, share, one, b.data.ptr, ld_b, step_b, a.data.ptr, ld_a, step_a, zero,
        partial.data.ptr, n, m * n, slices,
    )  # fmt: skip
    if rest:
        routine = cublas.sgemm if a.dtype == np.float32 else cublas.dgemm
        routine(
            handle, op[trans_b], op[trans_a], n, m, rest, one, b.data.ptr + slices * step_b * item, ld_b,
            a.data.ptr + slices * step_a * item, ld_a, zero, partial.data.ptr + slices * m * n * item, n,
        )  # fmt: skip
    return partial


_ONES: dict[tuple[Any, ...], Any] = {}  # (id(xp), dtype, device) -> a ones vector, grown on demand; never written
_ONES_MIN = 4096


def _ones(xp: Any, a: Any, n: int) -> Any:
    device = getattr(a, "device", None)
    key = (id(xp), a.dtype, getattr(device, "id", device))
    ones = _ONES.get(key)
    if ones is None or ones.size < n:
        ones = _ONES[key] = xp.ones(max(n, _ONES_MIN), dtype=a.dtype)
    return ones


def sum_rows(xp: Any, a: Any, out: Any = None) -> Any:
    """The sum over the rows of 2-D ``a`` (shape ``(k,)``), written into ``out`` when given (C-contiguous,
    ``k`` elements) and returned; on CuPy, for C-contiguous float32/float64 ``a``, as the cuBLAS product of a
    ones vector and ``a`` in full precision (never TF32): a few microseconds of host time against a CuPy
    reduction's 15-30, and coalesced reads where a reduction over the leading axis walks strided columns.

    Example:
        >>> import numpy
        >>> import tocha.library
        >>> tocha.library.sum_rows(numpy, numpy.arange(6.0).reshape(3, 2)).tolist()
        [6.0, 9.0]
    """
    m, k = a.shape
    fits = out is None or (out.dtype == a.dtype and out.size == k and out.flags.c_contiguous)
    if not _direct(xp, a, a, None) or not fits or not a.flags.c_contiguous or m < 2 or k == 0 or (k < 16 and m > 65536):
        if out is None:
            return xp.sum(a, axis=0)
        return xp.sum(a, axis=0, out=out.reshape(k))
    target = xp.empty(k, dtype=a.dtype) if out is None else out
    gemm(xp, _ones(xp, a, m)[None, :m], a, target.reshape(1, k), allow_tf32=False)
    return target


def _batch_stride(a: Any) -> int | None:
    """The element stride between consecutive matrices of stack ``a`` when one stride steps through all of them
    (its batch dims collapse), else None."""
    stride = None
    outer = None
    for size, step in zip(reversed(a.shape[:-2]), reversed(a.strides[:-2]), strict=True):
        if size == 1:
            continue
        if stride is None:
            stride, outer = step, step * size
        elif step != outer:
            return None
        else:
            outer = step * size
    if stride is None:
        return 0
    return stride // a.itemsize if stride % a.itemsize == 0 else None


_POINTERS: dict[tuple[Any, ...], Any] = {}  # the device tables of matrix addresses of recent batched products
_POINTERS_KEPT = 64


def _pointer_table(xp: Any, arrays: tuple[Any, ...], batch: tuple[int, ...]) -> Any:
    """A ``(len(arrays), count)`` int64 device array: each stack's matrix addresses in batch order. Built on the
    host and copied (asynchronously) once per set of addresses, shapes and strides; a training step repeats
    them, as CuPy's memory pool hands the same blocks back."""
    key = tuple((a.data.ptr, a.shape, a.strides) for a in arrays)
    found = _POINTERS.get(key)
    if found is None:
        index = np.indices(batch).reshape(len(batch), -1)
        host = np.empty((len(arrays), index.shape[1]), np.int64)
        for row, a in enumerate(arrays):
            host[row] = a.data.ptr + np.asarray(a.strides[:-2], np.int64) @ index
        if len(_POINTERS) >= _POINTERS_KEPT:
            _POINTERS.pop(next(iter(_POINTERS)))
        found = _POINTERS[key] = xp.asarray(host)
    return found


def gemm_batched(xp: Any, a: Any, b: Any, out: Any = None, *, allow_tf32: bool | None = None) -> Any:
    """``a @ b`` for stacks of matrices with equal batch shapes (``(..., m, k)`` and ``(..., k, n)``), written into
    ``out`` when given (``(..., m, n)``, its matrices row-major: any batch strides, any row stride) and returned;
    on CuPy, float32/float64 stacks whose matrices
    cuBLAS can read in place (each with a unit stride along one of its two dims) run as one cuBLAS call: strided
    batched when one stride steps through each stack, else batched over a table of matrix addresses (attention's
    heads are views into ``(N, L, 3, H, D)`` projections). Anything else is ``xp.matmul``. TF32 as :func:`gemm`.

    Example:
        >>> import numpy
        >>> import tocha.library
        >>> tocha.library.gemm_batched(numpy, numpy.ones((2, 2, 3)), numpy.ones((2, 3, 1))).shape
        (2, 2, 1)
    """
    batch = a.shape[:-2]
    if (
        a.ndim < 3
        or b.ndim != a.ndim
        or b.shape[:-2] != batch
        or not _on_cuda(xp)
        or a.dtype not in _SCALARS
        or b.dtype != a.dtype
        or (out is not None and out.dtype != a.dtype)
    ):
        return xp.matmul(a, b) if out is None else xp.matmul(a, b, out=out)
    (m, k), n = a.shape[-2:], b.shape[-1]
    count = math.prod(batch)
    layout_a, layout_b = _layout(a), _layout(b)
    layout_out = (False, n) if out is None else _layout(out)
    if (
        b.shape[-2] != k
        or 0 in (m, n, k, count)
        or layout_a is None
        or layout_b is None
        or layout_out is None
        or layout_out[0]  # results are written row-major
        or (out is not None and out.shape != (*batch, m, n))
        or max(m, n, k, count, layout_a[1], layout_b[1], layout_out[1]) > _INT_MAX
    ):
        return xp.matmul(a, b) if out is None else xp.matmul(a, b, out=out)
    if out is None:
        out = xp.empty((*batch, m, n), dtype=a.dtype)
    float32 = a.dtype == np.float32
    ld_out = layout_out[1]
    stride_a, stride_b, stride_out = _batch_stride(a), _batch_stride(b), _batch_stride(out)
    uniform = stride_a is not None and stride_b is not None and stride_out is not None
    table = None if uniform else _pointer_table(xp, (a, b, out), batch)
    cublas, handle, previous = _prepare(xp, float32, allow_tf32)
    (trans_a, ld_a), (trans_b, ld_b) = layout_a, layout_b
    op = (cublas.CUBLAS_OP_N, cublas.CUBLAS_OP_T)
    one, zero = _SCALARS[a.dtype]
    try:
        if table is None:
            strided = cublas.sgemmStridedBatched if float32 else cublas.dgemmStridedBatched
            strided(
                handle, op[trans_b], op[trans_a], n, m, k, one, b.data.ptr, ld_b, stride_b, a.data.ptr, ld_a, stride_a,
                zero, out.data.ptr, ld_out, stride_out, count,
            )  # fmt: skip
        else:
            listed = cublas.sgemmBatched if float32 else cublas.dgemmBatched
            rows = table.data.ptr
            listed(
                handle, op[trans_b], op[trans_a], n, m, k, one, rows + 8 * count, ld_b, rows, ld_a, zero,
                rows + 16 * count, ld_out, count,
            )  # fmt: skip
    finally:
        if previous is not None:
            cublas.setMathMode(handle, previous)
    return out
