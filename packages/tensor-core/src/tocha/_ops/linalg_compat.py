"""``tocha.lu`` / ``tocha.lu_solve`` (PyTorch's deprecated forms) and ``tocha.linalg.ldl_factor`` & co.

NOTE [ LDL factorisation ]
``ldl_factor`` follows LAPACK's ``?sytf2``/``?hetf2`` with ``uplo='L'`` (what PyTorch calls), so ``LD`` and
``pivots`` match PyTorch's to rounding: Bunch-Kaufman pivoting with ``alpha = (1 + sqrt(17)) / 8`` picks a
1x1 or 2x2 diagonal block at each step; interchanges are applied to the trailing submatrix only; ``LD`` holds
the unit lower factor below the diagonal and ``D`` on the diagonal (and, for a 2x2 block, the subdiagonal);
``pivots`` are 1-based, positive for a 1x1 block (the row swapped with), negative and repeated for a 2x2
block. The loop runs over columns on the host array module, once per matrix of a batch (the pivots differ).
Neither function is differentiable in PyTorch either.
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .._backend import xp_of
from .._tensor_base import TensorBase, wrap
from ._common import type_name
from .linalg_decomp import LinAlgError
from .linalg_functions import _repr

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = ["lu", "lu_solve"]

_ALPHA = (1.0 + math.sqrt(17.0)) / 8.0


class _lu_with_info(NamedTuple):
    """``(LU, pivots, info)`` of :func:`tocha.lu` with ``get_infos=True``."""

    LU: Tensor
    pivots: Tensor
    info: Tensor


class linalg_ldl_factor(NamedTuple):
    """``(LD, pivots)`` of :func:`tocha.linalg.ldl_factor`."""

    LD: Tensor
    pivots: Tensor


class linalg_ldl_factor_ex(NamedTuple):
    """``(LD, pivots, info)`` of :func:`tocha.linalg.ldl_factor_ex`."""

    LD: Tensor
    pivots: Tensor
    info: Tensor


for _cls in (_lu_with_info, linalg_ldl_factor, linalg_ldl_factor_ex):
    _cls.__repr__ = _repr  # type: ignore[method-assign,assignment]
    _cls.__module__ = "tocha.return_types"
del _cls


# ------------------------------------------------------------------ deprecated LU forms


def lu(A: Tensor, pivot: bool = True, get_infos: bool = False) -> Any:
    """``(LU, pivots)`` (and ``info`` with ``get_infos``) of ``A``: :func:`tocha.linalg.lu_factor_ex`.

    Deprecated in PyTorch (and here: it warns); use :func:`tocha.linalg.lu_factor` or ``lu_factor_ex``.
    A singular matrix does not raise: ``info`` says which ``U[i, i]`` is zero.

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     LU, pivots = tocha.lu(tocha.tensor([[1.0, 2.0], [3.0, 4.0]]))
        >>> pivots
        tensor([2, 2], dtype=tocha.int32)
    """
    from .linalg_functions import lu_factor_ex

    warnings.warn(
        "tocha.lu is deprecated in favor of tocha.linalg.lu_factor / tocha.linalg.lu_factor_ex and will be removed "
        "in a future release.\nLU, pivots = tocha.lu(A, compute_pivots)\nshould be replaced with\n"
        "LU, pivots = tocha.linalg.lu_factor(A, compute_pivots)\nand\n"
        "LU, pivots, info = tocha.lu(A, compute_pivots, get_infos=True)\nshould be replaced with\n"
        "LU, pivots, info = tocha.linalg.lu_factor_ex(A, compute_pivots)",
        UserWarning,
        stacklevel=2,
    )
    factors, pivots, info = lu_factor_ex(A, pivot=pivot)
    if get_infos:
        return _lu_with_info(factors, pivots, info)
    return (factors, pivots)


def lu_solve(b: Tensor, LU_data: Tensor, LU_pivots: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The solution of ``A x = b`` from ``A``'s :func:`tocha.lu` factors (note the argument order).

    Deprecated in PyTorch (and here: it warns); use ``tocha.linalg.lu_solve(LU, pivots, B)``.

    Example:
        >>> import tocha, warnings
        >>> A = tocha.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.lu_solve(tocha.tensor([[5.0], [11.0]]), *tocha.lu(A))
        tensor([[1.],
                [2.]])
    """
    from .linalg_functions import lu_solve as linalg_lu_solve

    warnings.warn(
        "tocha.lu_solve is deprecated in favor of tocha.linalg.lu_solve and will be removed in a future release.\n"
        "Note that tocha.linalg.lu_solve has its arguments reversed.\nX = tocha.lu_solve(B, LU, pivots)\n"
        "should be replaced with\nX = tocha.linalg.lu_solve(LU, pivots, B)",
        UserWarning,
        stacklevel=2,
    )
    return linalg_lu_solve(LU_data, LU_pivots, b, out=out)


# ------------------------------------------------------------------ LDL


def _cabs1(z: Any) -> Any:
    return np.abs(z.real) + np.abs(z.imag) if np.iscomplexobj(z) else np.abs(z)


def _sytf2(a: np.ndarray[Any, Any], hermitian: bool) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], int]:
    """One matrix's Bunch-Kaufman LDL (lower); see NOTE [ LDL factorisation ]. ``a`` is the full (Hermitian) matrix."""
    n = a.shape[0]
    herm = hermitian and np.iscomplexobj(a)

    def t(x: Any) -> Any:
        return x.conj() if herm else x

    pivots = np.zeros(n, dtype=np.int32)
    info = 0
    k = 0
    while k < n:
        kstep = 1
        absakk = abs(a[k, k].real) if herm else float(_cabs1(a[k, k]))
        if k + 1 < n:
            col = _cabs1(a[k + 1 :, k])
            imax = k + 1 + int(np.argmax(col))
            colmax = float(col[imax - k - 1])
        else:
            imax, colmax = k, 0.0
        if max(absakk, colmax) == 0.0 or math.isnan(absakk):
            if info == 0:
                info = k + 1
            pivots[k] = k + 1
            k += 1
            continue
        if absakk >= _ALPHA * colmax:
            kp = k
        else:
            rowmax = float(np.max(_cabs1(a[imax, k:imax])))
            if imax + 1 < n:
                rowmax = max(rowmax, float(np.max(_cabs1(a[imax + 1 :, imax]))))
            diag_imax = abs(a[imax, imax].real) if herm else float(_cabs1(a[imax, imax]))
            if absakk >= _ALPHA * colmax * (colmax / rowmax):
                kp = k
            elif diag_imax >= _ALPHA * rowmax:
                kp = imax
            else:
                kp, kstep = imax, 2
        kk = k + kstep - 1
        if kp != kk:  # a symmetric interchange of kk and kp within the trailing matrix
            a[[kk, kp], k:] = a[[kp, kk], k:]
            a[k:, [kk, kp]] = a[k:, [kp, kk]]
        if kstep == 1:
            if k + 1 < n:
                d = a[k, k].real if herm else a[k, k]
                x = a[k + 1 :, k].copy()
                a[k + 1 :, k + 1 :] -= np.outer(x, t(x)) / d
                a[k + 1 :, k] = x / d
                a[k, k + 1 :] = t(a[k + 1 :, k])
            pivots[k] = kp + 1
        else:
            if k + 2 < n:
                c = a[k + 2 :, k : k + 2].copy()
                if herm:
                    dist = abs(a[k + 1, k])
                    d11, d22 = a[k + 1, k + 1].real / dist, a[k, k].real / dist
                    d21 = a[k + 1, k] / dist
                    scale = (1.0 / (d11 * d22 - 1.0)) / dist
                    wk = scale * (d11 * c[:, 0] - d21 * c[:, 1])
                    wkp1 = scale * (d22 * c[:, 1] - np.conj(d21) * c[:, 0])
                else:
                    b21 = a[k + 1, k]
                    d11, d22 = a[k + 1, k + 1] / b21, a[k, k] / b21
                    scale = (1.0 / (d11 * d22 - 1.0)) / b21
                    wk = scale * (d11 * c[:, 0] - c[:, 1])
                    wkp1 = scale * (d22 * c[:, 1] - c[:, 0])
                w = np.stack([wk, wkp1], axis=1)
                a[k + 2 :, k + 2 :] -= c @ t(w).T
                a[k + 2 :, k : k + 2] = w
                a[k : k + 2, k + 2 :] = t(w).T
            pivots[k] = pivots[k + 1] = -(kp + 1)
        k += kstep
    if herm:
        a[np.diag_indices(n)] = a.diagonal().real
    return np.tril(a), pivots, info


def _check_square(op: str, A: Any) -> Tensor:
    if not isinstance(A, TensorBase):
        raise TypeError(f"{op}(): argument 'A' (position 1) must be Tensor, not {type(A).__name__}")
    shape = A.shape
    if len(shape) < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    if shape[-1] != shape[-2]:
        raise RuntimeError(
            f"{op}: A must be batches of square matrices, but they are {shape[-2]} by {shape[-1]} matrices"
        )
    if not (A.dtype.is_floating_point or A.dtype.is_complex) or A.dtype.name in ("float16", "bfloat16"):
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got {type_name(A.dtype)}")
    return A  # type: ignore[return-value]


def ldl_factor_ex(A: Tensor, *, hermitian: bool = False, check_errors: bool = False) -> linalg_ldl_factor_ex:
    """``(LD, pivots, info)``: the Bunch-Kaufman LDL factorisation ``A = P L D L^T P^T`` (``L^H`` if ``hermitian``).

    Only the lower triangle of ``A`` is read. ``info`` is ``i`` (1-based) when ``D[i, i]`` is exactly zero
    (the factorisation is then complete but ``D`` is singular), else 0. See NOTE [ LDL factorisation ].

    Raises:
        RuntimeError: non-square matrices or an integer dtype; with ``check_errors``, a nonzero ``info``.

    Example:
        >>> import tocha
        >>> A = tocha.tensor([[4.0, 2.0], [2.0, 3.0]], dtype=tocha.float64)
        >>> tocha.linalg.ldl_factor_ex(A).LD
        tensor([[4.0000, 0.0000],
                [0.5000, 2.0000]], dtype=tocha.float64)
    """
    a = _check_square("torch.linalg.ldl_factor_ex", A)
    host = np.asarray(a.cpu()._data)
    n = host.shape[-1]
    batch = host.shape[:-2]
    flat = host.reshape(-1, n, n)
    lds = np.empty_like(flat)
    pivots = np.empty((flat.shape[0], n), dtype=np.int32)
    infos = np.zeros(flat.shape[0], dtype=np.int32)
    herm = hermitian and np.iscomplexobj(flat)
    for i, matrix in enumerate(flat):
        low = np.tril(matrix)
        full = low + (np.tril(matrix, -1).conj().T if herm else np.tril(matrix, -1).T)
        if herm:
            full[np.diag_indices(n)] = matrix.diagonal().real
        lds[i], pivots[i], infos[i] = _sytf2(full.copy(), hermitian)
    dev = a._device
    xp = xp_of(dev)

    def put(array: np.ndarray[Any, Any]) -> Tensor:
        return wrap(array if xp is np else xp.asarray(array), dev)

    info = put(infos.reshape(batch))
    if check_errors and infos.any():
        first = int(np.flatnonzero(infos)[0])
        prefix = f"(Batch element {first}): " if batch else ""
        raise LinAlgError(
            f"torch.linalg.ldl_factor_ex: {prefix}The factorization could not be completed because the input is "
            f"singular: D[{int(infos[first])},{int(infos[first])}] is zero"
        )
    return linalg_ldl_factor_ex(put(lds.reshape(host.shape)), put(pivots.reshape((*batch, n))), info)


def ldl_factor(A: Tensor, *, hermitian: bool = False) -> linalg_ldl_factor:
    """``(LD, pivots)`` of :func:`ldl_factor_ex`.

    Raises:
        LinAlgError: a singular ``D`` (PyTorch raises an internal error there; tocha says what happened).

    Example:
        >>> import tocha
        >>> A = tocha.tensor([[0.0, 1.0], [1.0, 0.0]], dtype=tocha.float64)
        >>> tocha.linalg.ldl_factor(A).pivots
        tensor([-2, -2], dtype=tocha.int32)
    """
    LD, pivots, _ = ldl_factor_ex(A, hermitian=hermitian, check_errors=True)
    return linalg_ldl_factor(LD, pivots)


def _sytrs(ld: np.ndarray[Any, Any], pivots: np.ndarray[Any, Any], b: np.ndarray[Any, Any], herm: bool) -> Any:
    """Solve ``A X = B`` with one matrix's LDL factors (LAPACK's ``?sytrs``/``?hetrs``, lower)."""
    n = ld.shape[0]
    x = b.copy()

    def t(v: Any) -> Any:
        return v.conj() if herm else v

    k = 0
    while k < n:  # L D Y = P^T B
        if pivots[k] > 0:
            kp = pivots[k] - 1
            if kp != k:
                x[[k, kp]] = x[[kp, k]]
            x[k + 1 :] -= np.outer(ld[k + 1 :, k], x[k])
            x[k] /= ld[k, k].real if herm else ld[k, k]
            k += 1
        else:
            kp = -pivots[k] - 1
            if kp != k + 1:
                x[[k + 1, kp]] = x[[kp, k + 1]]
            x[k + 2 :] -= np.outer(ld[k + 2 :, k], x[k]) + np.outer(ld[k + 2 :, k + 1], x[k + 1])
            off = ld[k + 1, k]
            akm1 = ld[k, k] / t(off)
            ak = ld[k + 1, k + 1] / off
            denom = akm1 * ak - 1.0
            bkm1, bk = x[k] / t(off), x[k + 1] / off
            x[k], x[k + 1] = (ak * bkm1 - bk) / denom, (akm1 * bk - bkm1) / denom
            k += 2
    k = n - 1
    while k >= 0:  # L^T X = Y, then undo the interchanges
        if pivots[k] > 0:
            x[k] -= t(ld[k + 1 :, k]) @ x[k + 1 :]
            kp = pivots[k] - 1
            if kp != k:
                x[[k, kp]] = x[[kp, k]]
            k -= 1
        else:
            x[k] -= t(ld[k + 1 :, k]) @ x[k + 1 :]
            x[k - 1] -= t(ld[k + 1 :, k - 1]) @ x[k + 1 :]
            kp = -pivots[k] - 1
            if kp != k:
                x[[k, kp]] = x[[kp, k]]
            k -= 2
    return x


def ldl_solve(LD: Tensor, pivots: Tensor, B: Tensor, *, hermitian: bool = False, out: Tensor | None = None) -> Tensor:
    """The solution of ``A X = B`` from ``A``'s :func:`ldl_factor` (batch dimensions broadcast).

    Raises:
        RuntimeError: shapes that do not match, ``pivots`` not int32, or dtypes that differ.

    Example:
        >>> import tocha
        >>> A = tocha.tensor([[4.0, 2.0], [2.0, 3.0]], dtype=tocha.float64)
        >>> LD, pivots = tocha.linalg.ldl_factor(A)
        >>> tocha.linalg.ldl_solve(LD, pivots, tocha.tensor([[6.0], [5.0]], dtype=tocha.float64))
        tensor([[1.],
                [1.]], dtype=tocha.float64)
    """
    op = "torch.linalg.ldl_solve"
    for name, value in (("LD", LD), ("pivots", pivots), ("B", B)):
        if not isinstance(value, TensorBase):
            raise TypeError(f"linalg_ldl_solve(): argument '{name}' must be Tensor, not {type(value).__name__}")
    if LD.dim() < 2 or B.dim() < 2:
        raise RuntimeError(f"{op}: LD and B must have at least 2 dimensions, but got {LD.dim()} and {B.dim()}")
    n = LD.shape[-1]
    if LD.shape[-2] != n:
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are {LD.shape[-2]} by {n} matrices")
    if tuple(pivots.shape) != tuple(LD.shape[:-1]):
        raise RuntimeError(
            f"{op}: Expected LD.shape[:-1] and pivots.shape to be the same, but got pivots with shape "
            f"{list(pivots.shape)} instead"
        )
    if pivots.dtype.name != "int32":
        raise RuntimeError(f"{op}: Expected pivots to be integers. Got {type_name(pivots.dtype)}")
    if LD.dtype is not B.dtype:
        raise RuntimeError(
            f"{op}: Expected LD and B to have the same dtype, but found LD of type {type_name(LD.dtype)} and B of "
            f"type {type_name(B.dtype)} instead"
        )
    if B.shape[-2] != n:
        raise RuntimeError(
            f"{op}: Incompatible shapes of A and B for the equation AX = B ({n}x{n} and {B.shape[-2]}x{B.shape[-1]})"
        )
    ld, piv, b = (np.asarray(t.cpu()._data) for t in (LD, pivots, B))
    batch = np.broadcast_shapes(ld.shape[:-2], b.shape[:-2])
    ld = np.broadcast_to(ld, (*batch, n, n)).reshape(-1, n, n)
    piv = np.broadcast_to(piv, (*batch, n)).reshape(-1, n)
    bb = np.broadcast_to(b, (*batch, *b.shape[-2:])).reshape(-1, *b.shape[-2:])
    herm = hermitian and np.iscomplexobj(ld)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # a singular D gives inf/nan, as in PyTorch
        solved = [_sytrs(ld[i], piv[i], bb[i], herm) for i in range(bb.shape[0])]
    result = np.stack(solved) if solved else bb.copy()
    xp = xp_of(LD._device)
    x = wrap(xp.asarray(result.reshape((*batch, *b.shape[-2:]))), LD._device)
    if out is not None:
        out.resize_(x.shape)
        out.copy_(x)
        return out
    return x  # type: ignore[no-any-return]


def matmul(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``tocha.linalg.matmul``: the same function as :func:`tocha.matmul`.

    Example:
        >>> import tocha
        >>> tocha.linalg.matmul(tocha.ones(2, 3), tocha.ones(3)).tolist()
        [3.0, 3.0]
    """
    from .linalg import matmul as matmul_

    if out is None:
        return matmul_(input, other)
    return matmul_(input, other, out=out)


class LinalgCompatMethods:
    """``Tensor.lu``, ``lu_solve`` and ``triangular_solve`` (PyTorch's deprecated forms), and the methods PyTorch
    removed, which raise its errors (``solve``, ``lstsq``, ``eig``, ``symeig``)."""

    __slots__ = ()

    def lu(self: Any, pivot: bool = True, get_infos: bool = False) -> Any:
        """See :func:`tocha.lu`."""
        return lu(self, pivot, get_infos)

    def lu_solve(self: Any, LU_data: Tensor, LU_pivots: Tensor) -> Tensor:
        """See :func:`tocha.lu_solve`."""
        return lu_solve(self, LU_data, LU_pivots)

    def triangular_solve(
        self: Any, A: Tensor, upper: bool = True, transpose: bool = False, unitriangular: bool = False
    ) -> Any:
        """See :func:`tocha.triangular_solve` (deprecated: use :func:`tocha.linalg.solve_triangular`)."""
        from .legacy_linalg import triangular_solve

        return triangular_solve(self, A, upper, transpose, unitriangular)

    def solve(self: Any, *args: Any, **kwargs: Any) -> Any:
        """Removed from PyTorch: raises, pointing to :func:`tocha.linalg.solve` (see :func:`tocha.solve`)."""
        from .legacy_linalg import solve

        return solve(self, *args, **kwargs)

    def lstsq(self: Any, *args: Any, **kwargs: Any) -> Any:
        """Removed from PyTorch: raises, pointing to :func:`tocha.linalg.lstsq` (see :func:`tocha.lstsq`)."""
        from .legacy_linalg import lstsq

        return lstsq(self, *args, **kwargs)

    def eig(self: Any, *args: Any, **kwargs: Any) -> Any:
        """Removed from PyTorch: raises, pointing to :func:`tocha.linalg.eig` (see :func:`tocha.eig`)."""
        from .legacy_linalg import eig

        return eig(self, *args, **kwargs)

    def symeig(self: Any, *args: Any, **kwargs: Any) -> Any:
        """Removed from PyTorch: raises, pointing to :func:`tocha.linalg.eigh` (see :func:`tocha.symeig`)."""
        from .legacy_linalg import symeig

        return symeig(self, *args, **kwargs)
