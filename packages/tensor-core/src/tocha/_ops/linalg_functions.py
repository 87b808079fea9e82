"""The public functions of ``tocha.linalg`` (re-exported there), the top-level aliases and the Tensor methods.

Primitives (inverse, solves, determinants, decompositions, ``matrix_exp``) are the records of
``linalg_decomp``; everything else here is composed of tocha ops, so it differentiates through them:
norms, ``pinv`` (SVD), ``lstsq`` (pseudo-inverse), ``matrix_power``, ``cross``, ``multi_dot``...
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .._backend import xp_of
from .._dispatch import OpRecord, call, register_op
from .._dtype import dtype
from .._tensor_base import TensorBase, wrap
from ._common import type_name
from .linalg_decomp import (
    DET,
    EIG,
    EIGH,
    LU_FACTOR,
    MATRIX_EXP,
    QR,
    SLOGDET,
    SVD,
    LinAlgError,
    apply_permutation,
    as_tensor,
    check_float,
    check_matrix,
    check_square_float,
    eye_like,
    pivots_to_perm,
    run_cholesky,
    run_inv,
    run_solve,
    solve_triangular_,
)

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__: list[str] = []  # the public names live in tocha.linalg (LINALG_ALL) and linalg_toplevel

LINALG_ALL = [
    "LinAlgError",
    "norm",
    "vector_norm",
    "matrix_norm",
    "det",
    "slogdet",
    "inv",
    "inv_ex",
    "pinv",
    "solve",
    "solve_ex",
    "solve_triangular",
    "lstsq",
    "cholesky",
    "cholesky_ex",
    "qr",
    "lu",
    "lu_factor",
    "lu_factor_ex",
    "lu_solve",
    "svd",
    "svdvals",
    "eig",
    "eigvals",
    "eigh",
    "eigvalsh",
    "matrix_rank",
    "matrix_power",
    "matrix_exp",
    "cross",
    "multi_dot",
    "vecdot",
    "diagonal",
    "householder_product",
    "tensorinv",
    "tensorsolve",
    "cond",
    "vander",
]


# ------------------------------------------------------------------ result types (torch.return_types)


def _repr(self: Any) -> str:
    fields = ",\n".join(f"{name}={value!r}" for name, value in zip(self._fields, self, strict=True))
    return f"tocha.return_types.{type(self).__name__}(\n{fields})"


class linalg_inv_ex(NamedTuple):
    """``(inverse, info)`` of :func:`tocha.linalg.inv_ex`."""

    inverse: Tensor
    info: Tensor


class linalg_slogdet(NamedTuple):
    """``(sign, logabsdet)`` of :func:`tocha.linalg.slogdet`."""

    sign: Tensor
    logabsdet: Tensor


class slogdet_result(NamedTuple):
    """``(sign, logabsdet)`` of :func:`tocha.slogdet`."""

    sign: Tensor
    logabsdet: Tensor


class linalg_solve_ex(NamedTuple):
    """``(result, info)`` of :func:`tocha.linalg.solve_ex`."""

    result: Tensor
    info: Tensor


class linalg_cholesky_ex(NamedTuple):
    """``(L, info)`` of :func:`tocha.linalg.cholesky_ex`."""

    L: Tensor
    info: Tensor


class linalg_qr(NamedTuple):
    """``(Q, R)`` of :func:`tocha.linalg.qr`."""

    Q: Tensor
    R: Tensor


class qr_result(NamedTuple):
    """``(Q, R)`` of :func:`tocha.qr`."""

    Q: Tensor
    R: Tensor


class linalg_eigh(NamedTuple):
    """``(eigenvalues, eigenvectors)`` of :func:`tocha.linalg.eigh`."""

    eigenvalues: Tensor
    eigenvectors: Tensor


class linalg_eig(NamedTuple):
    """``(eigenvalues, eigenvectors)`` of :func:`tocha.linalg.eig`."""

    eigenvalues: Tensor
    eigenvectors: Tensor


class linalg_svd(NamedTuple):
    """``(U, S, Vh)`` of :func:`tocha.linalg.svd`."""

    U: Tensor
    S: Tensor
    Vh: Tensor


class svd_result(NamedTuple):
    """``(U, S, V)`` of :func:`tocha.svd` (``V``, not ``Vh``)."""

    U: Tensor
    S: Tensor
    V: Tensor


class linalg_lu_factor(NamedTuple):
    """``(LU, pivots)`` of :func:`tocha.linalg.lu_factor`."""

    LU: Tensor
    pivots: Tensor


class linalg_lu_factor_ex(NamedTuple):
    """``(LU, pivots, info)`` of :func:`tocha.linalg.lu_factor_ex`."""

    LU: Tensor
    pivots: Tensor
    info: Tensor


class linalg_lu(NamedTuple):
    """``(P, L, U)`` of :func:`tocha.linalg.lu`."""

    P: Tensor
    L: Tensor
    U: Tensor


class linalg_lstsq(NamedTuple):
    """``(solution, residuals, rank, singular_values)`` of :func:`tocha.linalg.lstsq`."""

    solution: Tensor
    residuals: Tensor
    rank: Tensor
    singular_values: Tensor


for _cls, _name in (
    (linalg_inv_ex, None), (linalg_slogdet, None), (slogdet_result, "slogdet"), (linalg_solve_ex, None),
    (linalg_cholesky_ex, None), (linalg_qr, None), (qr_result, "qr"), (linalg_eigh, None), (linalg_eig, None),
    (linalg_svd, None), (svd_result, "svd"), (linalg_lu_factor, None), (linalg_lu_factor_ex, None),
    (linalg_lu, None), (linalg_lstsq, None),
):  # fmt: skip
    _cls.__repr__ = _repr  # type: ignore[method-assign,assignment]
    _cls.__module__ = "tocha.return_types"
    if _name is not None:
        _cls.__name__ = _cls.__qualname__ = _name
del _cls, _name


# ------------------------------------------------------------------ helpers


def _mh(x: Tensor) -> Tensor:
    return x.mH  # type: ignore[no-any-return,attr-defined]


def _real_dtype(d: dtype) -> dtype:
    return d.to_real() if d.is_complex else d  # type: ignore[no-any-return,attr-defined]


def _eps(d: dtype) -> float:
    return float(np.finfo(d.numpy_dtype).eps)


def _zeros(shape: Sequence[int], d: dtype, like: Tensor) -> Tensor:
    from .creation import zeros

    return zeros(*shape, dtype=d, device=like.device)


# ------------------------------------------------------------------ inverses and determinants


def inv(A: Tensor, *, out: Tensor | None = None) -> Tensor:
    r"""The inverse of each square matrix of ``A`` (batched over leading dimensions).

    Raises :class:`tocha.linalg.LinAlgError` when a matrix is singular.

    Example:
        >>> import tocha
        >>> tocha.linalg.inv(tocha.tensor([[2.0, 0.0], [0.0, 4.0]]))
        tensor([[0.5000, 0.0000],
                [0.0000, 0.2500]])
    """
    a = check_square_float("linalg.inv", A)
    return _out(run_inv("linalg.inv", a, True)[0], out)


def inv_ex(A: Tensor, *, check_errors: bool = False) -> linalg_inv_ex:
    """``(inverse, info)``: like :func:`inv`, with LAPACK's ``info`` (0, or the first zero pivot) instead of an error.

    Example:
        >>> import tocha
        >>> tocha.linalg.inv_ex(tocha.eye(2)).info
        tensor(0, dtype=tocha.int32)
    """
    a = check_square_float("linalg.inv_ex", A)
    return linalg_inv_ex(*run_inv("linalg.inv_ex", a, check_errors))


def det(A: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The determinant of each square matrix of ``A``.

    Example:
        >>> import tocha
        >>> tocha.linalg.det(tocha.tensor([[2.0, 0.0], [1.0, 3.0]]))
        tensor(6.)
    """
    a = check_square_float("linalg.det", A)
    return _out(call(DET, a._device, (a,), ()), out)


def slogdet(A: Tensor) -> linalg_slogdet:
    r"""``(sign, logabsdet)`` with :math:`\det A = \text{sign} \cdot e^{\text{logabsdet}}`, computed stably.

    Example:
        >>> import tocha
        >>> tocha.linalg.slogdet(tocha.tensor([[-2.0, 0.0], [0.0, 1.0]])).sign
        tensor(-1.)
    """
    a = check_square_float("linalg.slogdet", A)
    return linalg_slogdet(*call(SLOGDET, a._device, (a,), ()))


def logdet(input: Tensor) -> Tensor:
    """The natural log of the determinant (NaN for a negative real determinant, -inf for zero).

    Example:
        >>> import tocha
        >>> tocha.logdet(tocha.tensor([[2.0, 0.0], [0.0, 3.0]]))
        tensor(1.7918)
    """
    from .elementwise import where

    a = check_square_float("linalg.logdet", input)
    sign, logabs = call(SLOGDET, a._device, (a,), ())
    if a.dtype.is_complex:
        return sign.log() + logabs  # type: ignore[no-any-return]
    return where(sign < 0, math.nan, logabs)  # type: ignore[no-any-return]


def _out(result: Tensor, out: Tensor | None) -> Tensor:
    if out is None:
        return result
    from .elementwise import copy_to_out

    return copy_to_out(result, out)


# ------------------------------------------------------------------ solves


def _as_rhs(op: str, a: Tensor, b: Tensor) -> tuple[Tensor, bool]:
    """``B`` as a batch of matrices and whether it was a (batch of) vector(s), as PyTorch decides."""
    nb, na = b._data.ndim, a._data.ndim
    vector = nb == 1 or (nb == na - 1 and tuple(b.shape) == tuple(a.shape[:-1]))
    return (b.unsqueeze(-1) if vector else b), vector  # type: ignore[attr-defined]


def _check_solve(op: str, a: Tensor, b: Tensor, left: bool) -> None:
    check_matrix(op, a, square=True)
    check_float(op, a)
    if a._dtype is not b._dtype:
        raise RuntimeError(
            f"{op}: Expected A and B to have the same dtype, but found A of type {type_name(a._dtype)} and B of "
            f"type {type_name(b._dtype)} instead"
        )
    if a._device is not b._device:
        raise RuntimeError(f"{op}: Expected A and B to be on the same device, but found {a.device} and {b.device}")


def _solve_impl(op: str, A: Any, B: Any, left: bool, check_errors: bool) -> tuple[Tensor, Tensor]:
    a, b = as_tensor(op, A), as_tensor(op, B, "B")
    _check_solve(op, a, b, left)
    if not left:  # X A = B  <=>  A^T X^T = B^T
        x, info = _solve_impl(op, a.mT, b.mT, True, check_errors)  # type: ignore[attr-defined]
        return x.mT, info  # type: ignore[attr-defined]
    rhs, vector = _as_rhs(op, a, b)
    n = a.shape[-1]
    if rhs.shape[-2] != n:
        raise RuntimeError(
            f"{op}: Incompatible shapes of A and B for the equation AX = B ({n}x{n} and "
            f"{rhs.shape[-2]}x{rhs.shape[-1]})"
        )
    try:
        if a._data.shape[:-2] != rhs._data.shape[:-2]:
            np.broadcast_shapes(a._data.shape[:-2], rhs._data.shape[:-2])
    except ValueError:
        raise RuntimeError(
            f"{op}: Incompatible batch shapes of A and B: {list(a.shape[:-2])} and {list(rhs.shape[:-2])}"
        ) from None
    x, info = run_solve(a, rhs, check_errors)
    return (x.squeeze(-1) if vector else x), info  # type: ignore[attr-defined]


def solve(A: Tensor, B: Tensor, *, left: bool = True, out: Tensor | None = None) -> Tensor:
    """The solution ``X`` of ``A X = B`` (``X A = B`` when ``left=False``) for square ``A``.

    ``B`` is a vector (or batch of vectors) when it is 1-D or has the shape ``A.shape[:-1]``;
    batch dimensions broadcast. Raises :class:`tocha.linalg.LinAlgError` for a singular ``A``.

    Example:
        >>> import tocha
        >>> A = tocha.tensor([[3.0, 1.0], [1.0, 2.0]])
        >>> tocha.linalg.solve(A, tocha.tensor([9.0, 8.0]))
        tensor([2., 3.])
    """
    return _out(_solve_impl("linalg.solve", A, B, left, True)[0], out)


def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False) -> linalg_solve_ex:
    """``(result, info)``: :func:`solve` reporting singular matrices in ``info`` instead of raising.

    Example:
        >>> import tocha
        >>> tocha.linalg.solve_ex(tocha.eye(2), tocha.ones(2))
        tocha.return_types.linalg_solve_ex(
        result=tensor([1., 1.]),
        info=tensor(0, dtype=tocha.int32))
    """
    return linalg_solve_ex(*_solve_impl("linalg.solve_ex", A, B, left, check_errors))


def solve_triangular(
    A: Tensor,
    B: Tensor,
    *,
    upper: bool,
    left: bool = True,
    unitriangular: bool = False,
    out: Tensor | None = None,
) -> Tensor:
    """The solution of ``A X = B`` (``X A = B`` if not ``left``) for triangular ``A``.

    Only the triangle ``upper`` names is read; ``unitriangular`` takes its diagonal as ones.
    ``B`` is always a matrix (batch dimensions broadcast).

    Example:
        >>> import tocha
        >>> A = tocha.tensor([[2.0, 1.0], [0.0, 4.0]])
        >>> tocha.linalg.solve_triangular(A, tocha.tensor([[4.0], [8.0]]), upper=True)
        tensor([[1.],
                [2.]])
    """
    op = "linalg.solve_triangular"
    a, b = as_tensor(op, A), as_tensor(op, B, "B")
    _check_solve(op, a, b, left)
    check_matrix(op, b, "B")
    if not left:
        x = solve_triangular_(a.mT, b.mT, upper=not upper, unitriangular=unitriangular)  # type: ignore[attr-defined]
        return _out(x.mT, out)  # type: ignore[attr-defined]
    if b.shape[-2] != a.shape[-1]:
        raise RuntimeError(
            f"{op}: Incompatible shapes of A and B for the equation AX = B ({a.shape[-2]}x{a.shape[-1]} and "
            f"{b.shape[-2]}x{b.shape[-1]})"
        )
    return _out(solve_triangular_(a, b, upper=upper, unitriangular=unitriangular), out)


# ------------------------------------------------------------------ Cholesky, QR, eigen, SVD


def cholesky(A: Tensor, *, upper: bool = False, out: Tensor | None = None) -> Tensor:
    """The Cholesky factor ``L`` (``A = L L^H``) of Hermitian positive-definite matrices; ``U = L^H`` if ``upper``.

    Only the lower triangle of ``A`` is read. Raises :class:`tocha.linalg.LinAlgError` if ``A`` is not
    positive-definite.

    Example:
        >>> import tocha
        >>> tocha.linalg.cholesky(tocha.tensor([[4.0, 2.0], [2.0, 5.0]]))
        tensor([[2., 0.],
                [1., 2.]])
    """
    a = check_square_float("linalg.cholesky", A)
    low = run_cholesky("linalg.cholesky", a, True)[0]
    return _out(_mh(low) if upper else low, out)


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False) -> linalg_cholesky_ex:
    """``(L, info)``: :func:`cholesky` with the failing minor's order in ``info`` instead of an error.

    Example:
        >>> import tocha
        >>> tocha.linalg.cholesky_ex(tocha.tensor([[1.0, 2.0], [2.0, 1.0]])).info
        tensor(2, dtype=tocha.int32)
    """
    a = check_square_float("linalg.cholesky_ex", A)
    low, info = run_cholesky("linalg.cholesky_ex", a, check_errors)
    return linalg_cholesky_ex(_mh(low) if upper else low, info)


def qr(A: Tensor, mode: str = "reduced") -> linalg_qr:
    """The QR decomposition ``A = Q R`` (``Q`` with orthonormal columns, ``R`` upper triangular).

    ``mode``: ``'reduced'`` (``Q`` is ``m x k``, ``k = min(m, n)``), ``'complete'`` (``Q`` is ``m x m``) or
    ``'r'`` (only ``R``; ``Q`` is empty).

    Example:
        >>> import tocha
        >>> Q, R = tocha.linalg.qr(tocha.tensor([[3.0, 1.0], [4.0, 2.0]]))
        >>> (Q @ R).round(decimals=4)
        tensor([[3., 1.],
                [4., 2.]])
    """
    a = as_tensor("linalg.qr", A)
    check_matrix("linalg.qr", a)
    check_float("linalg.qr", a)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', or "
                           "'complete'")  # fmt: skip
    return linalg_qr(*call(QR, a._device, (a,), (mode,)))


def eigh(A: Tensor, UPLO: str = "L") -> linalg_eigh:
    """Eigenvalues (ascending, real) and orthonormal eigenvectors of Hermitian matrices.

    Only the triangle ``UPLO`` (``'L'`` or ``'U'``) is read.

    Example:
        >>> import tocha
        >>> tocha.linalg.eigh(tocha.tensor([[2.0, 1.0], [1.0, 2.0]])).eigenvalues
        tensor([1., 3.])
    """
    a = as_tensor("linalg.eigh", A)
    _check_eigh(a, UPLO)
    return linalg_eigh(*call(EIGH, a._device, (a,), (UPLO,)))


def _check_eigh(a: Tensor, uplo: str) -> None:
    check_matrix("linalg.eigh", a, square=True)
    if not (a.dtype.is_floating_point or a.dtype.is_complex):
        raise NotImplementedError(f"\"linalg_eigh_cpu\" not implemented for '{type_name(a.dtype)}'")
    check_float("linalg.eigh", a)
    if uplo not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {uplo}")


def eigvalsh(A: Tensor, UPLO: str = "L", *, out: Tensor | None = None) -> Tensor:
    """The eigenvalues of Hermitian matrices, ascending (see :func:`eigh`).

    Example:
        >>> import tocha
        >>> tocha.linalg.eigvalsh(tocha.tensor([[2.0, 0.0], [0.0, -1.0]]))
        tensor([-1.,  2.])
    """
    return _out(eigh(A, UPLO).eigenvalues, out)


def eig(A: Tensor) -> linalg_eig:
    """Eigenvalues and eigenvectors (complex, eigenvectors of norm 1) of general square matrices.

    Example:
        >>> import tocha
        >>> tocha.linalg.eig(tocha.tensor([[0.0, -1.0], [1.0, 0.0]])).eigenvalues
        tensor([0.+1.j, 0.-1.j])
    """
    a = check_square_float("linalg.eig", A)
    return linalg_eig(*call(EIG, a._device, (a,), ()))


def eigvals(A: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The eigenvalues (complex) of general square matrices.

    Example:
        >>> import tocha
        >>> tocha.linalg.eigvals(tocha.tensor([[2.0, 0.0], [0.0, 3.0]]))
        tensor([2.+0.j, 3.+0.j])
    """
    return _out(eig(A).eigenvalues, out)


def svd(A: Tensor, full_matrices: bool = True, *, driver: str | None = None) -> linalg_svd:
    """The singular value decomposition ``A = U diag(S) Vh`` (``S`` descending, real).

    With ``full_matrices=False`` ``U`` is ``m x k`` and ``Vh`` is ``k x n`` (``k = min(m, n)``).

    Example:
        >>> import tocha
        >>> tocha.linalg.svd(tocha.tensor([[3.0, 0.0], [0.0, -4.0]])).S
        tensor([4., 3.])
    """
    a = as_tensor("linalg.svd", A)
    check_matrix("linalg.svd", a)
    check_float("linalg.svd", a)
    return linalg_svd(*call(SVD, a._device, (a,), (bool(full_matrices),)))


def svdvals(A: Tensor, *, driver: str | None = None, out: Tensor | None = None) -> Tensor:
    """The singular values of ``A``, descending.

    Example:
        >>> import tocha
        >>> tocha.linalg.svdvals(tocha.tensor([[0.0, 2.0], [1.0, 0.0]]))
        tensor([2., 1.])
    """
    a = as_tensor("linalg.svdvals", A)
    check_matrix("linalg.svd", a)
    check_float("linalg.svd", a)
    return _out(call(SVD, a._device, (a,), (False,))[1], out)


# ------------------------------------------------------------------ LU


def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False) -> linalg_lu_factor_ex:
    """``(LU, pivots, info)``: LU with partial pivoting packed in one matrix, LAPACK's 1-based pivots, info.

    Example:
        >>> import tocha
        >>> tocha.linalg.lu_factor_ex(tocha.tensor([[1.0, 2.0], [3.0, 4.0]])).pivots
        tensor([2, 2], dtype=tocha.int32)
    """
    a = as_tensor("linalg.lu_factor_ex", A)
    check_matrix("linalg.lu_factor_ex", a)
    _check_lu_dtype(a)
    lu, pivots, info = call(LU_FACTOR, a._device, (a,), (bool(pivot),))
    if check_errors:
        _raise_lu(a, info)
    return linalg_lu_factor_ex(lu, pivots, info)


def _check_lu_dtype(a: Tensor) -> None:
    if not (a.dtype.is_floating_point or a.dtype.is_complex):
        raise NotImplementedError(f"\"lu_cpu\" not implemented for '{type_name(a.dtype)}'")
    check_float("linalg.lu_factor", a)


def _raise_lu(a: Tensor, info: Tensor) -> None:
    flat = info.reshape(-1)
    bad = np.flatnonzero(np.asarray(flat))
    if bad.size:
        value = int(flat[int(bad[0])])
        prefix = f"(Batch element {int(bad[0])}): " if a.dim() > 2 else ""  # type: ignore[attr-defined]
        raise LinAlgError(
            f"torch.linalg.lu_factor: {prefix}U[{value},{value}] is zero and using it on lu_solve would result in a "
            "division by zero. If you still want to perform the factorization, consider calling linalg.lu(A, pivot) "
            "or linalg.lu_factor_ex(A, pivot)"
        )


def lu_factor(A: Tensor, *, pivot: bool = True) -> linalg_lu_factor:
    """``(LU, pivots)`` of :func:`lu_factor_ex`; raises if a matrix is singular.

    Example:
        >>> import tocha
        >>> LU, pivots = tocha.linalg.lu_factor(tocha.tensor([[1.0, 2.0], [3.0, 4.0]]))
        >>> LU
        tensor([[3.0000, 4.0000],
                [0.3333, 0.6667]])
    """
    lu, pivots, info = lu_factor_ex(A, pivot=pivot)
    _raise_lu(lu, info)
    return linalg_lu_factor(lu, pivots)


def lu(A: Tensor, *, pivot: bool = True) -> linalg_lu:
    """``(P, L, U)`` with ``A = P L U``: ``P`` a permutation, ``L`` unit lower, ``U`` upper triangular.

    Example:
        >>> import tocha
        >>> P, L, U = tocha.linalg.lu(tocha.tensor([[1.0, 2.0], [3.0, 4.0]]))
        >>> P
        tensor([[0., 1.],
                [1., 0.]])
    """
    from .shape import narrow, tril, triu

    packed, pivots, _ = lu_factor_ex(A, pivot=pivot)
    m, n = packed.shape[-2], packed.shape[-1]
    k = min(m, n)
    low = tril(narrow(packed, -1, 0, k), -1) + eye_like(packed, m)[:, :k]
    up = triu(narrow(packed, -2, 0, k))
    xp = packed._device._xp or xp_of(packed._device)
    perm = pivots_to_perm(xp, pivots._data, m)
    eye = xp.eye(m, dtype=packed._data.dtype)
    # P[perm[i], i] = 1, i.e. column i of P is e_{perm[i]}
    p = xp.swapaxes(eye[perm], -1, -2) if pivot else xp.broadcast_to(eye, (*packed.shape[:-2], m, m)).copy()
    return linalg_lu(wrap(xp.ascontiguousarray(p), packed._device), low, up)  # type: ignore[arg-type]


def lu_solve(
    LU: Tensor,
    pivots: Tensor,
    B: Tensor,
    *,
    left: bool = True,
    adjoint: bool = False,
    out: Tensor | None = None,
) -> Tensor:
    """The solution of ``A X = B`` given ``A``'s :func:`lu_factor` (``A^H`` if ``adjoint``, ``X A`` if not ``left``).

    Example:
        >>> import tocha
        >>> A = tocha.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> LU, pivots = tocha.linalg.lu_factor(A)
        >>> tocha.linalg.lu_solve(LU, pivots, tocha.tensor([[5.0], [11.0]]))
        tensor([[1.],
                [2.]])
    """
    lu_ = as_tensor("linalg.lu_solve", LU, "LU")
    b = as_tensor("linalg.lu_solve", B, "B")
    if b.dim() < 2:
        raise RuntimeError("linalg.lu_solve: The input tensor B must have at least 2 dimensions.")
    _check_solve("linalg.lu_solve", lu_, b, left)
    n = lu_.shape[-1]
    rows, columns = b.shape[-2], b.shape[-1]
    if (rows if left else columns) != n:
        equation = "AX = B" if left else "XA = B"
        raise RuntimeError(
            f"linalg.lu_solve: Incompatible shapes of A and B for the equation {equation} ({n}x{n} and "
            f"{rows}x{columns})"
        )
    if not left:  # X A = B  <=>  A^H X^H = B^H
        x = lu_solve(lu_, pivots, _mh(b), left=True, adjoint=not adjoint)
        return _out(_mh(x), out)
    if adjoint:  # A^H = U^H L^H P^T: X = P L^{-H} U^{-H} B
        y = solve_triangular_(_mh(lu_), b, upper=False)
        y = solve_triangular_(_mh(lu_), y, upper=True, unitriangular=True)
        return _out(apply_permutation(y, pivots, inverse=True), out)
    y = apply_permutation(b, pivots, inverse=False)
    y = solve_triangular_(lu_, y, upper=False, unitriangular=True)
    return _out(solve_triangular_(lu_, y, upper=True), out)


# ------------------------------------------------------------------ composites: pinv, lstsq, rank, powers


def _tolerances(op: str, s_max: Tensor, d: dtype, size: int, atol: Any, rtol: Any) -> Tensor | float:
    """``max(atol, rtol * s_max)`` with PyTorch's defaults (``rtol = eps * max(m, n)`` when both are None)."""
    from .elementwise import maximum

    if atol is None and rtol is None:
        rtol = _eps(d) * size
    elif rtol is None:
        rtol = 0.0
    atol = 0.0 if atol is None else atol
    scaled = s_max * rtol
    if isinstance(atol, TensorBase):
        bound: Any = atol.unsqueeze(-1) if atol.dim() else atol  # type: ignore[attr-defined]
        return maximum(bound, scaled)
    return scaled.clamp(min=float(atol))  # type: ignore[attr-defined,no-any-return]


def _pinv_forward(xp: Any, a: Any, atol: float | None, rtol: float | None, hermitian: bool) -> Any:
    """The pseudo-inverse from the SVD (``eigh``'s lower triangle when ``hermitian``), values at most
    ``max(atol, rtol * largest)`` dropped (PyTorch's defaults: ``rtol = eps * max(m, n)`` when both are None)."""
    m, n = a.shape[-2:]
    if atol is None and rtol is None:
        rtol = float(np.finfo(a.dtype).eps) * max(m, n)
    rtol, atol = rtol or 0.0, atol or 0.0
    if a.size == 0:
        return xp.zeros((*a.shape[:-2], n, m), dtype=a.dtype)
    if hermitian:
        values, left = xp.linalg.eigh(a)
        right = xp.conj(left).swapaxes(-1, -2)
    else:
        left, values, vh = xp.linalg.svd(a, full_matrices=False)
        left, right = xp.conj(vh).swapaxes(-1, -2), xp.conj(left).swapaxes(-1, -2)
    magnitude = xp.abs(values)
    keep = magnitude > xp.maximum(magnitude.max(axis=-1, keepdims=True) * rtol, atol)
    inverted = xp.where(keep, 1 / xp.where(keep, values, 1), 0).astype(a.dtype, copy=False)
    return xp.matmul(left * inverted[..., None, :], right).astype(a.dtype, copy=False)


def _pinv_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    """Golub and Pereyra's derivative of the pseudo-inverse ``X`` of ``A``, which needs no SVD derivative (that one
    divides by differences of singular values: NaN for an identity or any repeated value):
    ``-X^H G X^H + (I - A X) G^H X X^H + X^H X G^H (I - X A)``."""
    a = ctx.inputs[0]
    x = ctx.result
    xh, gh = _mh(x), _mh(grad)
    first = -(xh @ grad @ xh)
    second = (gh - a @ (x @ gh)) @ (x @ xh)
    third = (xh @ x) @ (gh - (gh @ x) @ a)
    return (first + second + third,)


PINV = register_op(
    OpRecord(name="linalg_pinv", forward=_pinv_forward, vjp=_pinv_vjp, saves_inputs=(0,), saves_result=True)
)


def pinv(
    A: Tensor,
    *,
    atol: Any = None,
    rtol: Any = None,
    hermitian: bool = False,
    out: Tensor | None = None,
) -> Tensor:
    """The Moore-Penrose pseudo-inverse, from the SVD (or ``eigh`` when ``hermitian``).

    Singular values at most ``max(atol, rtol * sigma_max)`` are treated as zero
    (default ``rtol = eps * max(m, n)``).

    Example:
        >>> import tocha
        >>> tocha.linalg.pinv(tocha.tensor([[1.0, 0.0], [0.0, 0.0]]))
        tensor([[1., 0.],
                [0., 0.]])
    """
    from .elementwise import where

    a = as_tensor("linalg.pinv", A)
    check_matrix("linalg.pinv", a)
    check_float("linalg.pinv", a)
    if not isinstance(atol, TensorBase) and not isinstance(rtol, TensorBase):
        bounds = (None if atol is None else float(atol), None if rtol is None else float(rtol))
        return _out(call(PINV, a._device, (a,), (*bounds, bool(hermitian))), out)
    # tensor tolerances: composed from the SVD (its derivative divides by differences of singular values)
    size = max(a.shape[-2], a.shape[-1])
    if hermitian:
        w, v = call(EIGH, a._device, (a,), ("L",))
        magnitude = w.abs()
        s_max = magnitude.amax(-1, keepdim=True) if w.shape[-1] else magnitude
        keep = magnitude > _tolerances("linalg.pinv", s_max, a.dtype, size, atol, rtol)
        w_inv = where(keep, 1 / where(keep, w, 1.0), 0.0).to(a.dtype)
        return _out((v * w_inv.unsqueeze(-2)) @ _mh(v), out)
    u, s, vh = call(SVD, a._device, (a,), (False,))
    s_max = s.amax(-1, keepdim=True) if s.shape[-1] else s
    keep = s > _tolerances("linalg.pinv", s_max, a.dtype, size, atol, rtol)
    s_inv = where(keep, 1 / where(keep, s, 1.0), 0.0).to(a.dtype)
    return _out((_mh(vh) * s_inv.unsqueeze(-2)) @ _mh(u), out)


def matrix_rank(
    A: Tensor,
    *,
    atol: Any = None,
    rtol: Any = None,
    hermitian: bool = False,
    out: Tensor | None = None,
) -> Tensor:
    """The number of singular values above ``max(atol, rtol * sigma_max)`` (int64).

    Example:
        >>> import tocha
        >>> tocha.linalg.matrix_rank(tocha.tensor([[1.0, 2.0], [2.0, 4.0]]))
        tensor(1)
    """
    a = as_tensor("linalg.matrix_rank", A)
    check_matrix("linalg.matrix_rank", a)
    check_float("linalg.matrix_rank", a)
    s = eigvalsh(a).abs() if hermitian else svdvals(a)
    if not s.shape[-1]:
        return _out(_zeros(tuple(a.shape[:-2]), _int64(), a), out)
    s_max = s.amax(-1, keepdim=True)
    tol = _tolerances("linalg.matrix_rank", s_max, a.dtype, max(a.shape[-2], a.shape[-1]), atol, rtol)
    return _out((s > tol).sum(-1), out)  # type: ignore[no-any-return]


def _int64() -> dtype:
    from .._dtype import int64

    return int64


def lstsq(
    A: Tensor,
    B: Tensor,
    rcond: float | None = None,
    *,
    driver: str | None = None,
) -> linalg_lstsq:
    """A least-squares solution of ``A X = B``: ``(solution, residuals, rank, singular_values)``.

    As PyTorch on CPU: ``driver`` is ``'gelsy'`` (default), ``'gels'``, ``'gelsd'`` or ``'gelss'``;
    ``rank`` is returned by all but ``'gels'``, ``singular_values`` by ``'gelsd'``/``'gelss'``, and
    ``residuals`` (the squared residual norms of the columns) when ``m > n``, every matrix has full rank
    and the driver is not ``'gelsy'``. The solution is ``pinv(A) B`` (differentiable).

    Example:
        >>> import tocha
        >>> A = tocha.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
        >>> tocha.linalg.lstsq(A, tocha.tensor([[1.0], [1.0], [2.0]])).solution.round(decimals=4)
        tensor([[1.],
                [1.]])
    """
    op = "linalg.lstsq"
    a, b = as_tensor(op, A), as_tensor(op, B, "B")
    check_matrix(op, a)
    check_float(op, a)
    if a.dtype is not b.dtype:
        raise RuntimeError(f"{op}: Expected input and other to have the same dtype, but got input's dtype "
                           f"{type_name(a.dtype)} and other's dtype {type_name(b.dtype)}")  # fmt: skip
    driver = "gelsy" if driver is None else driver
    if driver not in ("gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError(f"{op}: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    vector = b.dim() == 1 or (b.dim() == a.dim() - 1 and b.shape[-1] == a.shape[-2])  # type: ignore[attr-defined]
    rhs = b.unsqueeze(-1) if vector else b  # type: ignore[attr-defined]
    m, n = a.shape[-2], a.shape[-1]
    if rhs.shape[-2] != m:
        raise RuntimeError(f"{op}: input.size(-2) should match other.size(-2)")
    eps = _eps(a.dtype) * max(m, n)
    rtol = eps if rcond is None or rcond < 0 else rcond
    x = pinv(a, rtol=rtol) @ rhs
    real = _real_dtype(a.dtype)
    batch = tuple(a.shape[:-2])
    rank = _zeros((0,), _int64(), a)
    singular = _zeros((0,), real, a)
    if driver != "gels":
        s = svdvals(a).detach()  # type: ignore[attr-defined]
        if s.shape[-1]:
            rank = (s > s.amax(-1, keepdim=True) * rtol).sum(-1)
        else:
            rank = _zeros(batch, _int64(), a)
        if driver in ("gelsd", "gelss"):
            singular = s
    residuals = _zeros((0,), real, a)
    if m > n and driver != "gelsy":
        full = bool((svdvals(a).detach() > 0).all()) if driver == "gels" else bool((rank == n).all())  # type: ignore[attr-defined]
        if full:
            residuals = ((a @ x - rhs).abs() ** 2).sum(-2)
    return linalg_lstsq(x.squeeze(-1) if vector else x, residuals, rank, singular)  # type: ignore[attr-defined]


def matrix_power(A: Tensor, n: int, *, out: Tensor | None = None) -> Tensor:
    """``A`` multiplied by itself ``n`` times (``n = 0``: the identity; ``n < 0``: powers of the inverse).

    Example:
        >>> import tocha
        >>> tocha.linalg.matrix_power(tocha.tensor([[1, 1], [0, 1]]), 3)
        tensor([[1, 3],
                [0, 1]])
    """
    a = as_tensor("linalg.matrix_power", A)
    check_matrix("linalg.matrix_power", a, square=True)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"linalg.matrix_power(): argument 'n' must be int, not {type(n).__name__}")
    n = int(n)
    if n == 0:
        # written over a copy of A, as PyTorch: the identity still requires grad when A does (zero gradient)
        return _out(a.clone().copy_(eye_like(a).expand(a.shape)), out)  # type: ignore[attr-defined]
    if n < 0:
        check_float("linalg.inv", a)
        a = run_inv("linalg.inv", a, True)[0]
        n = -n
    result: Tensor | None = None
    base = a
    while n:
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if n:
            base = base @ base
    assert result is not None
    return _out(result, out)


def matrix_exp(A: Tensor) -> Tensor:
    r"""The matrix exponential :math:`e^A = \sum_k A^k / k!` (scaling and squaring with a Padé approximant).

    Example:
        >>> import tocha
        >>> tocha.linalg.matrix_exp(tocha.zeros(2, 2))
        tensor([[1., 0.],
                [0., 1.]])
    """
    a = check_square_float("linalg.matrix_exp", A)
    return call(MATRIX_EXP, a._device, (a,), ())  # type: ignore[no-any-return]


# ------------------------------------------------------------------ norms


def _norm_dtype(op: str, x: Tensor, d: dtype | None) -> Tensor:
    if d is not None:
        if not (d.is_floating_point or d.is_complex):
            raise RuntimeError(f"{op}: dtype should be floating point or complex. Got {type_name(d)}")
        x = x.to(d)  # type: ignore[attr-defined]
    if not (x.dtype.is_floating_point or x.dtype.is_complex):
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got {type_name(x.dtype)}")
    return x


def vector_norm(
    x: Tensor,
    ord: float = 2,
    dim: int | Sequence[int] | None = None,
    keepdim: bool = False,
    *,
    dtype: dtype | None = None,
    out: Tensor | None = None,
) -> Tensor:
    r"""The vector ``ord``-norm :math:`(\sum |x|^{ord})^{1/ord}` over ``dim`` (all elements when None).

    ``inf`` / ``-inf`` give the largest / smallest ``|x|``, ``0`` the number of nonzeros.

    Example:
        >>> import tocha
        >>> tocha.linalg.vector_norm(tocha.tensor([3.0, -4.0])), tocha.linalg.vector_norm(tocha.tensor([3.0, -4.0]), 1)
        (tensor(5.), tensor(7.))
    """
    from .reduction_stats import norm as _norm

    t = as_tensor("linalg.vector_norm", x, "x")
    t = _norm_dtype("linalg.vector_norm", t, dtype)
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    if isinstance(dim, (list, tuple)) and len(dim) == 0:
        dim = None
    return _out(_norm(t, float(ord), dim, keepdim), out)


def _check_matrix_dims(op: str, x: Tensor, dim: Sequence[int]) -> tuple[int, int]:
    from .._tensor_base import normalize_dim

    if len(dim) != 2:
        raise RuntimeError(f"{op}: dim must be a 2-tuple. Got {' '.join(str(d) for d in dim)}")
    d0, d1 = normalize_dim(op, dim[0], x.dim()), normalize_dim(op, dim[1], x.dim())  # type: ignore[attr-defined]
    if d0 == d1:
        raise RuntimeError(f"{op}: dims must be different. Got ({dim[0]}, {dim[1]})")
    return d0, d1


def matrix_norm(
    A: Tensor,
    ord: float | str = "fro",
    dim: tuple[int, int] = (-2, -1),
    keepdim: bool = False,
    *,
    dtype: dtype | None = None,
    out: Tensor | None = None,
) -> Tensor:
    """A matrix norm over the two dimensions ``dim``.

    ``ord``: ``'fro'`` (Frobenius), ``'nuc'`` (sum of singular values), ``inf`` / ``-inf`` (max / min row
    sum of ``|A|``), ``1`` / ``-1`` (max / min column sum), ``2`` / ``-2`` (largest / smallest singular value).

    Example:
        >>> import tocha
        >>> A = tocha.tensor([[1.0, -2.0], [3.0, 4.0]])
        >>> tocha.linalg.matrix_norm(A, 1), tocha.linalg.matrix_norm(A, float("inf"))
        (tensor(6.), tensor(7.))
    """
    op = "linalg.matrix_norm"
    a = as_tensor(op, A)
    if a.dim() < 2:  # type: ignore[attr-defined]
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    a = _norm_dtype(op, a, dtype)
    d0, d1 = _check_matrix_dims(op, a, dim)
    if ord == "fro":
        return _out(vector_norm(a, 2, (d0, d1), keepdim), out)
    if ord == "nuc" or ord in (2, -2):
        moved = a.movedim((d0, d1), (-2, -1))  # type: ignore[attr-defined]
        s = svdvals(moved)
        if ord == "nuc":
            r = s.sum(-1)
        else:
            r = s.amax(-1) if ord == 2 else s.amin(-1)
        if keepdim:
            lo, hi = sorted((d0, d1))
            r = r.unsqueeze(lo).unsqueeze(hi)
        return _out(r, out)
    if ord in (1, -1, math.inf, -math.inf):
        sum_dim, max_dim = (d0, d1) if ord in (1, -1) else (d1, d0)
        sums = a.abs().sum(sum_dim, keepdim=True)  # type: ignore[attr-defined]
        r = sums.amax(max_dim, keepdim=True) if ord in (1, math.inf) else sums.amin(max_dim, keepdim=True)
        if not keepdim:
            r = r.squeeze((d0, d1))
        return _out(r, out)
    raise RuntimeError(f"{op}: Order {ord} not supported.")


def norm(
    A: Tensor,
    ord: float | str | None = None,
    dim: int | Sequence[int] | None = None,
    keepdim: bool = False,
    *,
    dtype: dtype | None = None,
    out: Tensor | None = None,
) -> Tensor:
    """A vector or matrix norm, as :func:`vector_norm` / :func:`matrix_norm` decide from ``ord`` and ``dim``.

    With ``dim`` a 2-tuple (or ``dim=None``, ``ord`` given and ``A`` 2-D) it is a matrix norm; otherwise a
    vector norm (``ord=None``: the 2-norm of the flattened tensor when ``dim`` is None).

    Example:
        >>> import tocha
        >>> A = tocha.tensor([[3.0, 0.0], [0.0, 4.0]])
        >>> tocha.linalg.norm(A), tocha.linalg.norm(A, 2), tocha.linalg.norm(A, dim=1)
        (tensor(5.), tensor(4.), tensor([3., 4.]))
    """
    a = as_tensor("linalg.norm", A)
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
    else:
        dims = None
    if (dims is not None and len(dims) == 2) or (dims is None and ord is not None and a.dim() == 2):  # type: ignore[attr-defined]
        return matrix_norm(a, "fro" if ord is None else ord, dims or (-2, -1), keepdim, dtype=dtype, out=out)
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                           f"{a.dim()}D.")  # type: ignore[attr-defined]  # fmt: skip
    if dims is None and ord is not None and a.dim() != 1:  # type: ignore[attr-defined]
        raise RuntimeError(
            f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {a.dim()}D."  # type: ignore[attr-defined]
        )
    return vector_norm(a, 2 if ord is None else ord, dims, keepdim, dtype=dtype, out=out)


def cond(A: Tensor, p: float | str | None = None, *, out: Tensor | None = None) -> Tensor:
    """The condition number of ``A`` in the ``p`` matrix norm (``None``/``2``: ratio of extreme singular values).

    Example:
        >>> import tocha
        >>> tocha.linalg.cond(tocha.tensor([[1.0, 0.0], [0.0, 4.0]]))
        tensor(4.)
    """
    a = as_tensor("linalg.cond", A)
    check_matrix("linalg.cond", a)
    check_float("linalg.cond", a)
    if p is None or p in (2, -2):
        s = svdvals(a)
        big, small = s.amax(-1), s.amin(-1)
        return _out(small / big if p == -2 else big / small, out)
    check_matrix("linalg.cond", a, square=True)
    return _out(matrix_norm(a, p) * matrix_norm(run_inv("linalg.cond", a, True)[0], p), out)


# ------------------------------------------------------------------ products and shapes


def cross(input: Tensor, other: Tensor, *, dim: int = -1, out: Tensor | None = None) -> Tensor:
    """The cross product of 3-vectors along ``dim`` (the two inputs broadcast).

    Example:
        >>> import tocha
        >>> tocha.linalg.cross(tocha.tensor([1.0, 0.0, 0.0]), tocha.tensor([0.0, 1.0, 0.0]))
        tensor([0., 0., 1.])
    """
    from .._tensor_base import normalize_dim
    from ._common import broadcast_shape, cast_operand, common_device, result_type_of
    from .shape import select
    from .shape_join import stack

    a, b = as_tensor("linalg.cross", input, "input"), as_tensor("linalg.cross", other, "other")
    if a.dim() != b.dim():  # type: ignore[attr-defined]
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    shape = broadcast_shape("linalg.cross", tuple(a.shape), tuple(b.shape))
    d = normalize_dim("linalg.cross", dim, len(shape))
    if a.shape[d] != 3 or b.shape[d] != 3:
        raise RuntimeError(
            f"linalg.cross: inputs dimension {dim} must have length 3. Got {a.shape[d]} and {b.shape[d]}"
        )
    dev = common_device("linalg.cross", a, b)
    rt = result_type_of(a, b)
    a, b = cast_operand(a, rt, dev).expand(shape), cast_operand(b, rt, dev).expand(shape)
    a0, a1, a2 = (select(a, d, i) for i in range(3))
    b0, b1, b2 = (select(b, d, i) for i in range(3))
    return _out(stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], d), out)


def multi_dot(tensors: Sequence[Tensor], *, out: Tensor | None = None) -> Tensor:
    """The product of a chain of matrices, multiplied in the cheapest order.

    The first and last tensors may be 1-D (a row and a column vector); the others must be 2-D.

    Example:
        >>> import tocha
        >>> tocha.linalg.multi_dot([tocha.ones(2), tocha.ones(2, 3), tocha.ones(3)])
        tensor(6.)
    """
    from ._common import to_tensor_list

    ts = to_tensor_list("linalg.multi_dot", tensors)
    if len(ts) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(ts)}")
    first_vec, last_vec = ts[0].dim() == 1, ts[-1].dim() == 1  # type: ignore[attr-defined]
    mats = list(ts)
    if first_vec:
        mats[0] = mats[0].unsqueeze(0)  # type: ignore[attr-defined]
    if last_vec:
        mats[-1] = mats[-1].unsqueeze(-1)  # type: ignore[attr-defined]
    for i, t in enumerate(mats):
        if t.dim() != 2:  # type: ignore[attr-defined]
            where = "first" if i == 0 else "last" if i == len(mats) - 1 else None
            if where:
                raise RuntimeError(f"multi_dot(): the {where} tensor must be 1D or 2D but got {ts[i].dim()}D")  # type: ignore[attr-defined]
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.dim()}D")  # type: ignore[attr-defined]
    for i in range(len(mats) - 1):
        if mats[i].shape[1] != mats[i + 1].shape[0]:
            raise RuntimeError(
                f"multi_dot(): tensors {i} and {i + 1} with shapes {list(ts[i].shape)} and {list(ts[i + 1].shape)} "
                "cannot be multiplied"
            )
    result = _chain(mats)
    if first_vec:
        result = result.squeeze(0)  # type: ignore[attr-defined]
    if last_vec:
        result = result.squeeze(-1)  # type: ignore[attr-defined]
    return _out(result, out)


def _chain(mats: list[Tensor]) -> Tensor:
    """The matrix chain product in the order of fewest scalar multiplications (dynamic programming)."""
    n = len(mats)
    dims = [mats[0].shape[0]] + [m.shape[1] for m in mats]
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = -1
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] < 0 or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k

    def build(i: int, j: int) -> Tensor:
        if i == j:
            return mats[i]
        return build(i, split[i][j]) @ build(split[i][j] + 1, j)

    return build(0, n - 1)


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1, out: Tensor | None = None) -> Tensor:
    r"""The dot product :math:`\sum \bar{x} y` along ``dim`` (``x`` conjugated; inputs broadcast).

    Example:
        >>> import tocha
        >>> tocha.linalg.vecdot(tocha.tensor([1.0, 2.0]), tocha.tensor([[3.0, 4.0], [1.0, 1.0]]))
        tensor([11.,  3.])
    """
    a, b = as_tensor("linalg.vecdot", x, "x"), as_tensor("linalg.vecdot", y, "y")
    for t in (a, b):
        if not (t.dtype.is_floating_point or t.dtype.is_complex):
            raise RuntimeError(
                f"linalg.vecdot: Expected a floating point or complex tensor as input. Got {type_name(t.dtype)}"
            )
    return _out((a.conj() * b).sum(dim), out)  # type: ignore[attr-defined]


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """The diagonal (``offset`` above it when positive) of the matrices of ``A``, as a view.

    Example:
        >>> import tocha
        >>> tocha.linalg.diagonal(tocha.arange(9).reshape(3, 3), offset=1)
        tensor([1, 5])
    """
    from .shape import diagonal as _diagonal

    return _diagonal(as_tensor("linalg.diagonal", A), offset, dim1, dim2)


def trace(input: Tensor) -> Tensor:
    """The sum of the main diagonal of a 2-D tensor.

    Example:
        >>> import tocha
        >>> tocha.trace(tocha.tensor([[1.0, 2.0], [3.0, 4.0]]))
        tensor(5.)
    """
    from .shape import diagonal as _diagonal

    a = as_tensor("trace", input, "input")
    if a.dim() != 2:  # type: ignore[attr-defined]
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {a.dim()}")  # type: ignore[attr-defined]
    return _diagonal(a, 0, 0, 1).sum()  # type: ignore[no-any-return]


def householder_product(A: Tensor, tau: Tensor, *, out: Tensor | None = None) -> Tensor:
    r"""The first ``n`` columns of :math:`H_1 \cdots H_k`, :math:`H_i = I - \tau_i v_i v_i^H`.

    ``v_i`` is column ``i`` of ``A`` below the diagonal with a 1 on it (LAPACK's ``orgqr``).

    Example:
        >>> import tocha
        >>> A = tocha.tensor([[1.0], [1.0]])
        >>> tocha.linalg.householder_product(A, tocha.tensor([1.0]))
        tensor([[ 0.],
                [-1.]])
    """
    from .shape import narrow, select, tril

    op = "torch.linalg.householder_product"
    a, t = as_tensor(op, A), as_tensor(op, tau, "tau")
    check_matrix(op, a, "input")
    check_float("linalg.householder_product", a)
    m, n = a.shape[-2], a.shape[-1]
    if n > m:
        raise RuntimeError(f"{op}: input.shape[-2] must be greater than or equal to input.shape[-1]")
    k = t.shape[-1]
    if k > n:
        raise RuntimeError(f"{op}: input.shape[-1] must be greater than or equal to tau.shape[-1]")
    if t.dtype is not a.dtype:
        raise RuntimeError(f"{op}: tau dtype {type_name(t.dtype)} does not match input dtype {type_name(a.dtype)}")
    eye = eye_like(a, m)
    reflectors = tril(a, -1) + eye[:, :n]
    q = eye.expand((*a.shape[:-2], m, m))  # type: ignore[attr-defined]
    for i in range(k):
        v = select(reflectors, -1, i).unsqueeze(-1)
        tau_i = select(t, -1, i).unsqueeze(-1).unsqueeze(-1)
        q = q - (q @ v) @ (_mh(v) * tau_i)
    return _out(narrow(q, -1, 0, n), out)


def tensorinv(A: Tensor, ind: int = 2, *, out: Tensor | None = None) -> Tensor:
    """The inverse of ``A`` seen as a linear map from its last dims to its first ``ind`` dims.

    Example:
        >>> import tocha
        >>> tocha.linalg.tensorinv(tocha.eye(4).reshape(4, 2, 2), ind=1).shape
        tocha.Size([2, 2, 4])
    """
    a = as_tensor("linalg.tensorinv", A)
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    rows, cols = tuple(a.shape[:ind]), tuple(a.shape[ind:])
    size_rows, size_cols = math.prod(rows), math.prod(cols)
    if size_rows != size_cols:
        raise RuntimeError(
            f"Expected self to satisfy the requirement prod(self.shape[ind:]) == prod(self.shape[:ind]), but got "
            f"{size_cols} != {size_rows}"
        )
    result = inv(a.reshape(size_rows, size_cols))  # type: ignore[attr-defined]
    return _out(result.reshape(*cols, *rows), out)  # type: ignore[attr-defined]


def tensorsolve(
    A: Tensor,
    B: Tensor,
    dims: Sequence[int] | None = None,
    *,
    out: Tensor | None = None,
) -> Tensor:
    """The ``X`` with ``tensordot(A, X, X.ndim) = B`` (``dims`` of ``A`` are moved to the end first).

    Example:
        >>> import tocha
        >>> A = tocha.eye(6).reshape(2, 3, 6)
        >>> tocha.linalg.tensorsolve(A, tocha.ones(2, 3)).shape
        tocha.Size([6])
    """
    a, b = as_tensor("linalg.tensorsolve", A), as_tensor("linalg.tensorsolve", B, "B")
    if dims is not None:
        nd = a.dim()  # type: ignore[attr-defined]
        a = a.movedim(list(dims), list(range(nd - len(dims), nd)))  # type: ignore[attr-defined]
    result_shape = tuple(a.shape[b.dim() :])  # type: ignore[attr-defined]
    size = math.prod(result_shape)
    if math.prod(tuple(b.shape)) != size:
        raise RuntimeError(
            f"Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == prod(self.shape[:other.ndim])"
            f", but got {size} != {math.prod(tuple(b.shape))}"
        )
    x = solve(a.reshape(size, size), b.reshape(size))  # type: ignore[attr-defined]
    return _out(x.reshape(result_shape), out)  # type: ignore[attr-defined]


def vander(x: Tensor, *, N: int | None = None) -> Tensor:
    """The Vandermonde matrix with increasing powers: ``[1, x, x^2, ..., x^(N-1)]`` along a new last dim.

    Example:
        >>> import tocha
        >>> tocha.linalg.vander(tocha.tensor([1, 2, 3]))
        tensor([[1, 1, 1],
                [1, 2, 4],
                [1, 3, 9]])
    """
    from .creation import ones_like
    from .shape_join import cat

    t = as_tensor("linalg.vander", x, "x")
    if t.dim() == 0:  # type: ignore[attr-defined]
        raise RuntimeError("linalg.vander: x must have at least one dimension.")
    n = t.shape[-1] if N is None else N
    if n <= 1:
        if n < 0:
            raise RuntimeError(f"N must be greater than 1. Got {n}")
        return ones_like(t).unsqueeze(-1).expand(*t.shape, n).clone()  # type: ignore[attr-defined,no-any-return]
    if t.dtype.name == "bool":
        t = t.to(_int64())  # type: ignore[attr-defined]
    column = t.unsqueeze(-1)  # type: ignore[attr-defined]
    powers = cat([ones_like(column), column.expand(*t.shape, n - 1).cumprod(-1)], -1)
    return powers  # type: ignore[no-any-return]


# ------------------------------------------------------------------ top-level aliases (torch.*)


def inverse(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """:func:`tocha.linalg.inv` under its ``torch.inverse`` name.

    Example:
        >>> import tocha
        >>> tocha.inverse(tocha.tensor([[2.0]]))
        tensor([[0.5000]])
    """
    return inv(input, out=out)


def pinverse(input: Tensor, rcond: float = 1e-15, hermitian: bool = False) -> Tensor:
    """:func:`tocha.linalg.pinv` with ``rtol=rcond`` (``torch.pinverse``).

    Example:
        >>> import tocha
        >>> tocha.pinverse(tocha.tensor([[2.0, 0.0]]))
        tensor([[0.5000],
                [0.0000]])
    """
    return pinv(input, rtol=rcond, hermitian=hermitian)


def _svd_top(input: Tensor, some: bool = True, compute_uv: bool = True) -> svd_result:
    """``(U, S, V)`` with ``input = U diag(S) V^H`` (``torch.svd``: reduced when ``some``, and ``V``, not ``Vh``).

    Example:
        >>> import tocha
        >>> tocha.svd(tocha.tensor([[0.0, 2.0], [1.0, 0.0]])).S
        tensor([2., 1.])
    """
    u, s, vh = svd(input, full_matrices=not some)
    if not compute_uv:
        return svd_result(u.new_zeros(u.shape).detach(), s, vh.new_zeros(vh.shape).mT.detach())  # type: ignore[attr-defined]
    return svd_result(u, s, _mh(vh))


def _qr_top(input: Tensor, some: bool = True) -> qr_result:
    """``(Q, R)`` (``torch.qr``: reduced when ``some``, complete otherwise).

    Example:
        >>> import tocha
        >>> tocha.qr(tocha.eye(2)).R.abs()
        tensor([[1., 0.],
                [0., 1.]])
    """
    q, r = qr(input, "reduced" if some else "complete")
    return qr_result(q, r)


def _slogdet_top(input: Tensor) -> slogdet_result:
    """``(sign, logabsdet)`` of :func:`tocha.linalg.slogdet` (``torch.slogdet``).

    Example:
        >>> import tocha
        >>> tocha.slogdet(tocha.eye(2) * 2).logabsdet
        tensor(1.3863)
    """
    return slogdet_result(*slogdet(input))


def _cholesky_top(input: Tensor, upper: bool = False) -> Tensor:
    """:func:`tocha.linalg.cholesky` (``torch.cholesky``, ``upper`` positional).

    Example:
        >>> import tocha
        >>> tocha.cholesky(tocha.eye(2) * 4)
        tensor([[2., 0.],
                [0., 2.]])
    """
    return cholesky(input, upper=upper)


def cholesky_solve(B: Tensor, L: Tensor, upper: bool = False, *, out: Tensor | None = None) -> Tensor:
    """The solution ``X`` of ``A X = B`` given the Cholesky factor of ``A`` (``A = L L^H``, or ``U^H U`` if ``upper``).

    Batch dimensions of ``B`` and ``L`` broadcast. Differentiable in both (two triangular solves).

    Raises:
        RuntimeError: fewer than 2 dims, mismatched matrix sizes or dtypes.
        NotImplementedError: non-floating dtypes.

    Example:
        >>> import tocha
        >>> L = tocha.linalg.cholesky(tocha.tensor([[4.0, 2.0], [2.0, 5.0]]))
        >>> tocha.cholesky_solve(tocha.tensor([[6.0], [7.0]]), L)
        tensor([[1.],
                [1.]])
    """
    b, low = as_tensor("cholesky_solve", B, "input"), as_tensor("cholesky_solve", L, "input2")
    for name, t in (("b", b), ("u", low)):
        if t._data.ndim < 2:
            raise RuntimeError(
                f"cholesky_solve(): {name} should have at least 2 dimensions, but has {t._data.ndim} dimensions instead"
            )
    if b._dtype is not low._dtype:
        raise RuntimeError(
            f"cholesky_solve(): Expected b and A to have the same dtype, but found b of type {type_name(b._dtype)} "
            f"and A of type {type_name(low._dtype)} instead."
        )
    if not (b._dtype.is_floating_point or b._dtype.is_complex):
        raise NotImplementedError(f"\"cholesky_solve\" not implemented for '{type_name(b._dtype)}'")
    check_float("cholesky_solve", b)
    n, m = low._data.shape[-2:]
    if n != m or b._data.shape[-2] != n:
        raise RuntimeError(
            f"cholesky_solve(): Incompatible matrix sizes for cholesky_solve: each A matrix is {n} by {m} but each "
            f"b matrix is {b._data.shape[-2]} by {b._data.shape[-1]}"
        )
    if upper:
        y = solve_triangular(_mh(low), b, upper=False)
        return _out(solve_triangular(low, y, upper=True), out)
    y = solve_triangular(low, b, upper=False)
    return _out(solve_triangular(_mh(low), y, upper=True), out)


def cholesky_inverse(L: Tensor, upper: bool = False, *, out: Tensor | None = None) -> Tensor:
    """The inverse of ``A`` from its Cholesky factor (``A = L L^H``, or ``U^H U`` if ``upper``); batches allowed.

    Raises:
        RuntimeError: not a (batch of) square matrix.
        NotImplementedError: non-floating dtypes.

    Example:
        >>> import tocha
        >>> tocha.cholesky_inverse(tocha.tensor([[2.0, 0.0], [1.0, 1.0]]))
        tensor([[ 0.5000, -0.5000],
                [-0.5000,  1.0000]])
    """
    low = as_tensor("cholesky_inverse", L, "input")
    check_matrix("cholesky_inverse", low, square=True)
    if not (low._dtype.is_floating_point or low._dtype.is_complex):
        raise NotImplementedError(f"\"cholesky_inverse\" not implemented for '{type_name(low._dtype)}'")
    check_float("cholesky_inverse", low)
    identity = eye_like(low).expand(low.shape)  # type: ignore[attr-defined]
    return _out(cholesky_solve(identity, low, upper), out)


def chain_matmul(*matrices: Tensor, out: Tensor | None = None) -> Tensor:
    """The product of 2-D ``matrices``, in the cheapest order (deprecated: use :func:`tocha.linalg.multi_dot`).

    Warns once per process, as PyTorch does (UserWarning). One matrix comes back as a copy.

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.chain_matmul(tocha.ones(2, 3), tocha.ones(3, 1))
        tensor([[3.],
                [3.]])
    """
    global _chain_matmul_warned
    if not _chain_matmul_warned:
        _chain_matmul_warned = True
        warnings.warn(
            "tocha.chain_matmul is deprecated and will be removed in a future release. Use tocha.linalg.multi_dot "
            "instead, which accepts a list of two or more tensors rather than multiple parameters.",
            UserWarning,
            stacklevel=2,
        )
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for t in matrices:
        if not isinstance(t, TensorBase):
            raise TypeError(f"chain_matmul(): expected Tensor arguments, but got {type(t).__name__}")
        if t._data.ndim != 2:
            raise RuntimeError(f"chain_matmul(): Tensor dimension is {t._data.ndim}, expected 2 instead.")
    if len(matrices) == 1:
        return _out(matrices[0].clone(), out)  # type: ignore[attr-defined]
    return multi_dot(list(matrices), out=out)


_chain_matmul_warned = False


# ------------------------------------------------------------------ Tensor methods


class LinalgDecompMethods:
    """Tensor methods of ``tocha.linalg``: det, inverse, cholesky, qr, svd, pinverse and friends."""

    __slots__ = ()

    def det(self: Any) -> Tensor:
        """See :func:`tocha.linalg.det`."""
        return det(self)

    def logdet(self: Any) -> Tensor:
        """See :func:`tocha.logdet`."""
        return logdet(self)

    def slogdet(self: Any) -> slogdet_result:
        """See :func:`tocha.linalg.slogdet`."""
        return _slogdet_top(self)

    def inverse(self: Any) -> Tensor:
        """See :func:`tocha.linalg.inv`."""
        return inv(self)

    def cholesky(self: Any, upper: bool = False) -> Tensor:
        """See :func:`tocha.linalg.cholesky`."""
        return cholesky(self, upper=upper)

    def cholesky_solve(self: Any, input2: Tensor, upper: bool = False) -> Tensor:
        """See :func:`tocha.cholesky_solve`."""
        return cholesky_solve(self, input2, upper)

    def cholesky_inverse(self: Any, upper: bool = False) -> Tensor:
        """See :func:`tocha.cholesky_inverse`."""
        return cholesky_inverse(self, upper)

    def qr(self: Any, some: bool = True) -> qr_result:
        """See :func:`tocha.qr`."""
        return _qr_top(self, some)

    def svd(self: Any, some: bool = True, compute_uv: bool = True) -> svd_result:
        """See :func:`tocha.svd`."""
        return _svd_top(self, some, compute_uv)

    def pinverse(self: Any, rcond: float = 1e-15) -> Tensor:
        """See :func:`tocha.pinverse`."""
        return pinverse(self, rcond)

    def matrix_power(self: Any, n: int) -> Tensor:
        """See :func:`tocha.linalg.matrix_power`."""
        return matrix_power(self, n)

    def matrix_exp(self: Any) -> Tensor:
        """See :func:`tocha.linalg.matrix_exp`."""
        return matrix_exp(self)

    def trace(self: Any) -> Tensor:
        """See :func:`tocha.trace`."""
        return trace(self)


def _rename(fn: Any, name: str) -> Any:
    fn.__name__ = fn.__qualname__ = name
    return fn


svd_top = _rename(_svd_top, "svd")
qr_top = _rename(_qr_top, "qr")
slogdet_top = _rename(_slogdet_top, "slogdet")
cholesky_top = _rename(_cholesky_top, "cholesky")
