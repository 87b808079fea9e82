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
    """``(transposed, leading dimension)`` of a 2-D operand as cuBLAS reads it (column-major), or None.

    Row-major ``(r, c)`` with row stride ``s`` is column-major ``(c, r)`` with leading dimension ``s``: not
    transposed. Unit row stride (a transposed view) is column-major ``(r, c)``: transposed for cuBLAS.
    """
    item = a.itemsize
    rows, cols = a.shape
    s0, s1 = a.strides
    if (s1 == item or cols == 1) and s0 % item == 0 and s0 // item >= max(cols, 1):
        return False, s0 // item
    if (s0 == item or rows == 1) and s1 % item == 0 and s1 // item >= max(rows, 1):
        return True, s1 // item
    return None


def _direct(xp: Any, a: Any, b: Any, out: Any) -> bool:
    if xp is np or getattr(xp, "__version__", "").endswith("+fake"):
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
    cublas = _cublas()
    handle = xp.cuda.device.get_cublas_handle()
    cublas.setStream(handle, xp.cuda.get_current_stream().ptr)
    cublas.setPointerMode(handle, cublas.CUBLAS_POINTER_MODE_HOST)
    float32 = a.dtype == np.float32
    routine = cublas.sgemm if float32 else cublas.dgemm
    one, zero = _SCALARS[a.dtype]
    (trans_b, ld_b), (trans_a, ld_a) = layout_b, layout_a
    op = (cublas.CUBLAS_OP_N, cublas.CUBLAS_OP_T)
    tf32 = float32 and (get_float32_matmul_precision() != "highest" if allow_tf32 is None else allow_tf32)
    if tf32:
        previous = cublas.getMathMode(handle)
        cublas.setMathMode(handle, _TF32_TENSOR_OP_MATH)
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
        if tf32:
            cublas.setMathMode(handle, previous)
    if slices > 1:
        sum_rows(xp, partial.reshape(partial.shape[0], m * n), out=out.reshape(m * n))
    return out


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
