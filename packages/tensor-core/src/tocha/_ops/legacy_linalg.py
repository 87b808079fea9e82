"""PyTorch's removed and deprecated top-level linear algebra, and the randomized low-rank SVD and PCA:
``tocha.solve`` (gone: PyTorch's error), ``tocha.triangular_solve``, ``tocha.frobenius_norm``,
``tocha.nuclear_norm``, ``tocha.svd_lowrank``, ``tocha.pca_lowrank``.

NOTE [ Legacy linear algebra ]
``solve``, ``lstsq``, ``eig``, ``symeig`` and ``matrix_rank`` are gone from PyTorch; calling them raises the
RuntimeError PyTorch raises, with its text, naming the ``tocha.linalg`` replacement. ``triangular_solve``,
``frobenius_norm`` and ``nuclear_norm`` are deprecated in PyTorch and warn here on every call (PyTorch warns once
per process). They and the randomized ``svd_lowrank``/``pca_lowrank`` (Halko et al., on ``tocha.randn``, so
``tocha.manual_seed`` fixes them) are composites of ``tocha.linalg``, so autograd reaches through them.
"""

from __future__ import annotations

import operator
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .._dtype import bfloat16, float16, float32
from .._memory_format import contiguous_format
from ._common import broadcast_shape, tensor_arg, type_name
from .elementwise_base import copy_to_out
from .linalg_decomp import LINALG_DTYPES
from .linalg_functions import _repr, matrix_norm, solve_triangular, vector_norm

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = [
    "eig",
    "frobenius_norm",
    "lstsq",
    "matrix_rank",
    "nuclear_norm",
    "pca_lowrank",
    "solve",
    "svd_lowrank",
    "symeig",
    "triangular_solve",
]

_REMOVED = "This function was deprecated since version 1.9 and is now removed."


def _bool_arg(op: str, x: Any, name: str) -> bool:
    if not isinstance(x, (bool, np.bool_)):
        raise TypeError(f"{op}(): argument '{name}' must be bool, not {type(x).__name__}")
    return bool(x)


# ------------------------------------------------------------------ removed linear algebra


def solve(*args: Any, **kwargs: Any) -> Any:
    """Removed from PyTorch: always raises RuntimeError; use ``tocha.linalg.solve(A, B)`` (arguments reversed).

    Example:
        >>> import tocha
        >>> tocha.solve(tocha.eye(2), tocha.eye(2))
        Traceback (most recent call last):
        ...
        RuntimeError: This function was deprecated since version 1.9 and is now removed. ...
    """
    raise RuntimeError(
        f"{_REMOVED} `tocha.solve` is deprecated in favor of `tocha.linalg.solve`. `tocha.linalg.solve` has its "
        "arguments reversed and does not return the LU factorization.\n\nTo get the LU factorization see "
        "`tocha.lu`, which can be used with `tocha.lu_solve` or `tocha.lu_unpack`.\n"
        "X = tocha.solve(B, A).solution should be replaced with:\nX = tocha.linalg.solve(A, B)"
    )


def lstsq(*args: Any, **kwargs: Any) -> Any:
    """Removed from PyTorch: always raises RuntimeError; use ``tocha.linalg.lstsq(A, B)`` (arguments reversed).

    Example:
        >>> import tocha
        >>> tocha.lstsq(tocha.eye(2), tocha.eye(2))
        Traceback (most recent call last):
        ...
        RuntimeError: This function was deprecated since version 1.9 and is now removed. ...
    """
    raise RuntimeError(
        f"{_REMOVED} `tocha.lstsq` is deprecated in favor of `tocha.linalg.lstsq`.\n`tocha.linalg.lstsq` has "
        "reversed arguments and does not return the QR decomposition in the returned tuple (although it returns "
        "other information about the problem).\n\nTo get the QR decomposition consider using `tocha.linalg.qr`."
        "\n\nThe returned solution in `tocha.lstsq` stored the residuals of the solution in the last m - n "
        "columns of the returned value whenever m > n. In tocha.linalg.lstsq, the residuals are in the field "
        "'residuals' of the returned named tuple.\n\nThe unpacking of the solution, as in\n"
        "X, _ = tocha.lstsq(B, A).solution[:A.size(1)]\nshould be replaced with:\n"
        "X = tocha.linalg.lstsq(A, B).solution"
    )


def eig(*args: Any, **kwargs: Any) -> Any:
    """Removed from PyTorch: always raises RuntimeError; use ``tocha.linalg.eig`` or ``tocha.linalg.eigvals``.

    Example:
        >>> import tocha
        >>> tocha.eig(tocha.eye(2))
        Traceback (most recent call last):
        ...
        RuntimeError: This function was deprecated since version 1.9 and is now removed. ...
    """
    raise RuntimeError(
        f"{_REMOVED} `tocha.linalg.eig` returns complex tensors of dtype `cfloat` or `cdouble` rather than real "
        "tensors mimicking complex tensors.\n\nL, _ = tocha.eig(A) should be replaced with:\n"
        "L_complex = tocha.linalg.eigvals(A)\n\nand\n\nL, V = tocha.eig(A, eigenvectors=True) should be replaced "
        "with:\nL_complex, V_complex = tocha.linalg.eig(A)"
    )


def symeig(*args: Any, **kwargs: Any) -> Any:
    """Removed from PyTorch: always raises RuntimeError; use ``tocha.linalg.eigh`` or ``tocha.linalg.eigvalsh``.

    Example:
        >>> import tocha
        >>> tocha.symeig(tocha.eye(2))
        Traceback (most recent call last):
        ...
        RuntimeError: This function was deprecated since version 1.9 and is now removed. ...
    """
    raise RuntimeError(
        f"{_REMOVED} The default behavior has changed from using the upper triangular portion of the matrix by "
        "default to using the lower triangular portion.\n\nL, _ = tocha.symeig(A, upper=upper) should be replaced "
        "with:\nL = tocha.linalg.eigvalsh(A, UPLO='U' if upper else 'L')\n\nand\n\n"
        "L, V = tocha.symeig(A, eigenvectors=True) should be replaced with:\n"
        "L, V = tocha.linalg.eigh(A, UPLO='U' if upper else 'L')"
    )


def matrix_rank(*args: Any, **kwargs: Any) -> Any:
    """Removed from PyTorch: always raises RuntimeError; use ``tocha.linalg.matrix_rank``.

    Example:
        >>> import tocha
        >>> tocha.matrix_rank(tocha.eye(2))
        Traceback (most recent call last):
        ...
        RuntimeError: This function was deprecated since version 1.9 and is now removed. ...
    """
    raise RuntimeError(
        f"{_REMOVED}\nPlease use the `tocha.linalg.matrix_rank` function instead. The parameter 'symmetric' was "
        "renamed in `tocha.linalg.matrix_rank()` to 'hermitian'."
    )


# ------------------------------------------------------------------ deprecated linear algebra


class _TriangularSolve(NamedTuple):
    """``(solution, cloned_coefficient)`` of :func:`tocha.triangular_solve`."""

    solution: Tensor
    cloned_coefficient: Tensor


_TriangularSolve.__name__ = _TriangularSolve.__qualname__ = "triangular_solve"
_TriangularSolve.__module__ = "tocha.return_types"
_TriangularSolve.__repr__ = _repr  # type: ignore[method-assign,assignment]


def triangular_solve(
    b: Tensor,
    A: Tensor,
    upper: bool = True,
    transpose: bool = False,
    unitriangular: bool = False,
    *,
    out: tuple[Tensor, Tensor] | None = None,
) -> _TriangularSolve:
    """The solution ``X`` of ``op(A) X = b`` for triangular ``A``, and a copy of ``A``: deprecated.

    ``op(A)`` is ``A``, or its transpose ``A^T`` (not the conjugate transpose) with ``transpose``. Only the
    triangle ``upper`` names is read; ``unitriangular`` takes the diagonal as ones. Batch dimensions of ``b``
    and ``A`` broadcast; ``cloned_coefficient`` is ``A`` broadcast to them and copied. Differentiable (through
    :func:`tocha.linalg.solve_triangular`). PyTorch deprecates it (and so it warns): use
    ``tocha.linalg.solve_triangular(A, b, upper=upper)``, whose arguments are reversed.

    Args:
        b: the right-hand sides, ``(*, m, k)``.
        A: the triangular matrices, ``(*, m, m)``.
        upper: whether ``A`` is upper (True) or lower triangular.
        transpose: solve ``A^T X = b`` instead.
        unitriangular: take ``A``'s diagonal as ones.
        out: a pair of tensors to write ``(solution, cloned_coefficient)`` into.

    Example:
        >>> import tocha, warnings
        >>> A = tocha.tensor([[2.0, 1.0], [0.0, 4.0]])
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     X, M = tocha.triangular_solve(tocha.tensor([[4.0], [8.0]]), A)
        >>> X
        tensor([[1.],
                [2.]])
    """
    op = "triangular_solve"
    b = tensor_arg(op, b, "input", 1)
    A = tensor_arg(op, A, "A", 2)
    upper = _bool_arg(op, upper, "upper")
    transpose = _bool_arg(op, transpose, "transpose")
    unitriangular = _bool_arg(op, unitriangular, "unitriangular")
    warnings.warn(
        "tocha.triangular_solve is deprecated in favor of tocha.linalg.solve_triangular and will be removed in a "
        "future release.\ntocha.linalg.solve_triangular has its arguments reversed and does not return a copy of "
        "one of the inputs.\nX = tocha.triangular_solve(B, A).solution\nshould be replaced with\n"
        "X = tocha.linalg.solve_triangular(A, B).",
        UserWarning,
        stacklevel=2,
    )
    for name, t in (("b", b), ("A", A)):
        if t.ndim < 2:
            raise RuntimeError(
                f"tocha.triangular_solve: Expected {name} to have at least 2 dimensions, but it has {t.ndim} "
                "dimensions instead"
            )
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(
            f"A must be batches of square matrices, but they are {A.shape[-2]} by {A.shape[-1]} matrices"
        )
    if A.shape[-1] != b.shape[-2]:
        raise RuntimeError(
            f"Incompatible matrix sizes for triangular_solve: each A matrix is {A.shape[-2]} by {A.shape[-1]} but "
            f"each b matrix is {b.shape[-2]} by {b.shape[-1]}"
        )
    if b.dtype is not A.dtype:
        raise RuntimeError(
            f"Expected b and A to have the same dtype, but found b of type {type_name(b.dtype)} and A of type "
            f"{type_name(A.dtype)} instead."
        )
    if A.dtype not in LINALG_DTYPES:
        raise NotImplementedError(f"\"triangular_solve_{A.device.type}\" not implemented for '{type_name(A.dtype)}'")
    batch = broadcast_shape(op, tuple(b.shape[:-2]), tuple(A.shape[:-2]))
    b = b.expand(*batch, *b.shape[-2:])
    A = A.expand(*batch, *A.shape[-2:])
    if transpose:
        solution = solve_triangular(A.mT, b, upper=not upper, unitriangular=unitriangular)
    else:
        solution = solve_triangular(A, b, upper=upper, unitriangular=unitriangular)
    coefficient = A.clone(memory_format=contiguous_format)  # a dense copy even of a broadcast A
    if out is not None:
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise TypeError(f"triangular_solve(): argument 'out' must be tuple of Tensors, not {type(out).__name__}")
        solution, coefficient = copy_to_out(solution, out[0]), copy_to_out(coefficient, out[1])
    return _TriangularSolve(solution, coefficient)


def _floating_input(op: str, x: Tensor) -> None:
    if not (x.is_floating_point() or x.is_complex()):
        raise RuntimeError(
            f"{op}: input dtype should be either floating point or complex. Got {type_name(x.dtype)} instead."
        )


def frobenius_norm(
    input: Tensor, dim: int | Sequence[int], keepdim: bool = False, *, out: Tensor | None = None
) -> Tensor:
    """The Frobenius norm ``sqrt(sum |x|^2)`` over at most two dims ``dim``: deprecated.

    PyTorch keeps it for TorchScript only (and so it warns); use ``tocha.linalg.vector_norm(input, 2, dim,
    keepdim)``, which this is. ``dim=()`` reduces every dim.

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.frobenius_norm(tocha.tensor([[3.0, 0.0], [0.0, 4.0]]), (0, 1))
        tensor(5.)
    """
    input = tensor_arg("frobenius_norm", input, "input", 1)
    warnings.warn(
        "at::frobenius_norm is deprecated and it is just left for JIT compatibility. It will be removed in a "
        "future release. Please use `linalg.vector_norm(A, 2., dim, keepdim)` instead",
        UserWarning,
        stacklevel=2,
    )
    if isinstance(dim, (float, bool)) or not isinstance(dim, (int, np.integer, Sequence)):
        raise TypeError(
            f"frobenius_norm(): argument 'dim' (position 2) must be tuple of ints, not {type(dim).__name__}"
        )
    keepdim = _bool_arg("frobenius_norm", keepdim, "keepdim")
    dims = (int(dim),) if isinstance(dim, (int, np.integer)) else tuple(dim)
    if len(dims) > 2:
        raise RuntimeError(f"Expected at most 2 dimensions, but got {len(dims)} dimensions instead.")
    _floating_input("norm()", input)
    return vector_norm(input, 2, dims, keepdim, out=out)


def nuclear_norm(
    input: Tensor,
    dim: int | Sequence[int] | bool | None = None,
    keepdim: bool = False,
    *,
    out: Tensor | None = None,
) -> Tensor:
    """The nuclear norm (the sum of the singular values) of matrices: deprecated.

    Called as ``nuclear_norm(input, keepdim=False)`` (the last two dims) or ``nuclear_norm(input, dim,
    keepdim=False)`` with a pair of dims, as in PyTorch. PyTorch keeps it for TorchScript only (and so it warns);
    use ``tocha.linalg.matrix_norm(input, "nuc", dim, keepdim)``, which this is.

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.nuclear_norm(tocha.tensor([[3.0, 0.0], [0.0, -4.0]]))
        tensor(7.)
    """
    input = tensor_arg("nuclear_norm", input, "input", 1)
    warnings.warn(
        "at::nuclear_norm is deprecated and it is just left for JIT compatibility. It will be removed in a future "
        "release. Please use `linalg.matrix_norm(A, 'nuc', dim, keepdim)` instead",
        UserWarning,
        stacklevel=2,
    )
    if isinstance(dim, (bool, np.bool_)):  # the overload nuclear_norm(input, keepdim)
        dim, keepdim = None, bool(dim)
    keepdim = _bool_arg("nuclear_norm", keepdim, "keepdim")
    if dim is None:
        pair: tuple[int, ...] = (-2, -1)
    elif isinstance(dim, (int, np.integer)):
        pair = (int(dim), int(dim))  # PyTorch reads an int as a pair of it
    else:
        pair = tuple(dim)
    if input.dtype in (float16, bfloat16):
        raise RuntimeError(f"linalg.matrix_norm: Low precision dtypes not supported. Got {type_name(input.dtype)}")
    return matrix_norm(input, "nuc", pair, keepdim, out=out)  # type: ignore[arg-type]


# ------------------------------------------------------------------ randomized low-rank SVD and PCA


def _approximate_basis(A: Tensor, q: int, niter: int, M: Tensor | None) -> Tensor:
    """``Q`` with ``q`` orthonormal columns whose span approximates ``A``'s range (Halko et al., 2009, alg. 4.4)."""
    import tocha

    d = A.dtype if A.is_floating_point() or A.is_complex() else float32
    R = tocha.randn(A.shape[-1], q, dtype=d, device=A.device)
    X = A @ R if M is None else A @ R - M @ R
    Q = tocha.linalg.qr(X).Q
    for _ in range(niter):  # subspace iterations: Q spans (A A^H)^i A R
        X = A.mH @ Q if M is None else A.mH @ Q - M.mH @ Q
        Q = tocha.linalg.qr(X).Q
        X = A @ Q if M is None else A @ Q - M @ Q
        Q = tocha.linalg.qr(X).Q
    return Q


def _svd_lowrank(A: Tensor, q: int | None, niter: int | None, M: Tensor | None) -> tuple[Tensor, Tensor, Tensor]:
    import tocha

    q = 6 if q is None else operator.index(q)
    niter = 2 if niter is None else operator.index(niter)
    m, n = A.shape[-2:]
    if M is not None:
        M = M.broadcast_to(A.shape)
    if m < n:  # work on the tall matrix: fewer rows in R
        A = A.mH
        M = None if M is None else M.mH
    Q = _approximate_basis(A, q, niter, M)
    B = Q.mH @ A if M is None else Q.mH @ A - Q.mH @ M
    U, S, Vh = tocha.linalg.svd(B, full_matrices=False)
    U, V = Q @ U, Vh.mH
    if m < n:
        U, V = V, U
    return U, S, V


def svd_lowrank(
    A: Tensor, q: int | None = 6, niter: int | None = 2, M: Tensor | None = None
) -> tuple[Tensor, Tensor, Tensor]:
    """An approximate truncated SVD ``(U, S, V)`` of ``A - M``, ``A ≈ U diag(S) V^H``, by random projection.

    Halko, Martinsson and Tropp's randomized range finder (2009, algorithm 4.4 with ``niter`` subspace
    iterations): ``Q = orth((A A^H)^niter A R)`` for a Gaussian ``R`` of ``q`` columns, then the SVD of the small
    ``Q^H A``. ``U`` is ``(*, m, k)``, ``S`` ``(*, k)``, ``V`` ``(*, n, k)`` with ``k = min(q, m, n)``. Exact when
    the rank of ``A`` is at most ``q``; otherwise the error shrinks with ``niter``. Random: seed it with
    :func:`tocha.manual_seed`. Differentiable (composed of matmul, qr and svd). ``M`` broadcasts to ``A``.

    Args:
        A: the input, ``(*, m, n)``.
        q: a slight overestimate of ``A``'s rank (6 when None).
        niter: the number of subspace iterations (2 when None).
        M: subtracted from ``A`` (a mean), or None.

    Example:
        >>> import tocha
        >>> _ = tocha.manual_seed(0)
        >>> A = tocha.randn(20, 3, dtype=tocha.float64) @ tocha.randn(3, 10, dtype=tocha.float64)
        >>> U, S, V = tocha.svd_lowrank(A, q=3)
        >>> U.shape, S.shape, V.shape
        (tocha.Size([20, 3]), tocha.Size([3]), tocha.Size([10, 3]))
        >>> tocha.allclose(U @ tocha.diag(S) @ V.mT, A)
        True
    """
    A = tensor_arg("svd_lowrank", A, "A", 1)
    return _svd_lowrank(A, q, niter, M)


def pca_lowrank(A: Tensor, q: int | None = None, center: bool = True, niter: int = 2) -> tuple[Tensor, Tensor, Tensor]:
    """Principal component analysis of ``A`` (samples in rows) by :func:`svd_lowrank` of the centred data.

    With ``center``, the column means (``A.mean(-2)``) are subtracted first. The columns of ``V`` are the
    principal directions, ``S**2 / (m - 1)`` the variances along them, ``A @ V[:, :k]`` the projection on the
    first ``k`` components.

    Args:
        A: the data, ``(*, m, n)``.
        q: a slight overestimate of the rank, ``0 <= q <= min(m, n)`` (``min(6, m, n)`` when None).
        center: whether to centre the columns.
        niter: the number of subspace iterations (non-negative).

    Raises:
        ValueError: ``q`` or ``niter`` out of range.

    Example:
        >>> import tocha
        >>> _ = tocha.manual_seed(0)
        >>> A = tocha.randn(50, 2, dtype=tocha.float64) @ tocha.randn(2, 5, dtype=tocha.float64) + 3.0
        >>> U, S, V = tocha.pca_lowrank(A, q=2)
        >>> centred = A - A.mean(0)
        >>> tocha.allclose(U @ tocha.diag(S) @ V.mT, centred)
        True
    """
    A = tensor_arg("pca_lowrank", A, "A", 1)
    m, n = A.shape[-2:]
    if q is None:
        q = min(6, m, n)
    elif not (q >= 0 and q <= min(m, n)):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than min(m, n)={min(m, n)}")
    if not (niter >= 0):
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    if not center:
        return _svd_lowrank(A, q, niter, None)
    return _svd_lowrank(A - A.mean(dim=(-2,), keepdim=True), q, niter, None)


for _fn in __all__:
    globals()[_fn].__module__ = "tocha"
del _fn
