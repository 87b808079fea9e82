"""The Array API standard's ``linalg`` extension.

Products, norms, ``trace``, ``diagonal``, ``cross`` and ``matrix_power`` are
written here with tocha ops; the decompositions and solvers (``cholesky``,
``det``, ``eigh``, ``eigvalsh``, ``inv``, ``matrix_rank``, ``pinv``, ``qr``,
``slogdet``, ``solve``, ``svd``, ``svdvals``) call ``tocha.linalg``'s function
of the same name and raise NotImplementedError while ``tocha.linalg`` lacks it
(:func:`missing` lists those).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, NamedTuple

import tocha as _t

from .._dtype import dtype as DType  # noqa: N812
from ._core import _pair, matmul, matrix_transpose, sum, tensordot, vecdot

if TYPE_CHECKING:
    from .._tensor import Tensor as Array

__all__ = [
    "cholesky", "cross", "det", "diagonal", "eigh", "eigvalsh", "inv", "matmul", "matrix_norm", "matrix_power",
    "matrix_rank", "matrix_transpose", "outer", "pinv", "qr", "slogdet", "solve", "svd", "svdvals", "tensordot",
    "trace", "vecdot", "vector_norm",
]  # fmt: skip

_DELEGATED = (
    "cholesky", "det", "eigh", "eigvalsh", "inv", "matrix_rank", "pinv", "qr", "slogdet", "solve", "svd", "svdvals",
)  # fmt: skip


class EighResult(NamedTuple):
    """``eigh``'s result."""

    eigenvalues: Array
    eigenvectors: Array


class QRResult(NamedTuple):
    """``qr``'s result."""

    Q: Array
    R: Array


class SlogdetResult(NamedTuple):
    """``slogdet``'s result."""

    sign: Array
    logabsdet: Array


class SVDResult(NamedTuple):
    """``svd``'s result."""

    U: Array
    S: Array
    Vh: Array


def _tocha_linalg(name: str) -> Any:
    try:
        module = importlib.import_module("tocha.linalg")
    except ImportError:
        module = None
    fn = getattr(module, name, None)
    if fn is None:
        raise NotImplementedError(f"linalg.{name}(): tocha.linalg.{name} is not available in this tocha version")
    return fn


def missing() -> list[str]:
    """The functions of this extension whose ``tocha.linalg`` counterpart does not exist yet.

    Example:
        >>> import tocha.array_api as xp
        >>> isinstance(xp.linalg.missing(), list)
        True
    """
    try:
        module: Any = importlib.import_module("tocha.linalg")
    except ImportError:
        return list(_DELEGATED)
    return [name for name in _DELEGATED if not hasattr(module, name)]


def cholesky(x: Array, /, *, upper: bool = False) -> Array:
    """Cholesky factor of symmetric/Hermitian positive-definite matrices (lower, or upper with ``upper``)."""
    return _tocha_linalg("cholesky")(x, upper=upper)  # type: ignore[no-any-return]


def det(x: Array, /) -> Array:
    """Determinant of each square matrix."""
    return _tocha_linalg("det")(x)  # type: ignore[no-any-return]


def eigh(x: Array, /) -> EighResult:
    """Eigenvalues (ascending) and eigenvectors of symmetric/Hermitian matrices."""
    values, vectors = _tocha_linalg("eigh")(x)
    return EighResult(values, vectors)


def eigvalsh(x: Array, /) -> Array:
    """Eigenvalues (ascending) of symmetric/Hermitian matrices."""
    return _tocha_linalg("eigvalsh")(x)  # type: ignore[no-any-return]


def inv(x: Array, /) -> Array:
    """Inverse of each square matrix."""
    return _tocha_linalg("inv")(x)  # type: ignore[no-any-return]


def matrix_rank(x: Array, /, *, rtol: float | Array | None = None) -> Array:
    """Rank of each matrix (singular values above ``rtol * largest``)."""
    return _tocha_linalg("matrix_rank")(x, rtol=rtol)  # type: ignore[no-any-return]


def pinv(x: Array, /, *, rtol: float | Array | None = None) -> Array:
    """Moore-Penrose pseudo-inverse of each matrix."""
    return _tocha_linalg("pinv")(x, rtol=rtol)  # type: ignore[no-any-return]


def qr(x: Array, /, *, mode: str = "reduced") -> QRResult:
    """QR decomposition (``mode`` 'reduced' or 'complete')."""
    q, r = _tocha_linalg("qr")(x, mode=mode)
    return QRResult(q, r)


def slogdet(x: Array, /) -> SlogdetResult:
    """Sign and log of the absolute value of each determinant."""
    sign, logabsdet = _tocha_linalg("slogdet")(x)
    return SlogdetResult(sign, logabsdet)


def solve(x1: Array, x2: Array, /) -> Array:
    """The solution ``X`` of ``x1 @ X = x2`` (``x2`` a vector when 1-D)."""
    a, b = _pair("solve", x1, x2)
    return _tocha_linalg("solve")(a, b)  # type: ignore[no-any-return]


def svd(x: Array, /, *, full_matrices: bool = True) -> SVDResult:
    """Singular value decomposition ``x = U @ diag(S) @ Vh``."""
    u, s, vh = _tocha_linalg("svd")(x, full_matrices=full_matrices)
    return SVDResult(u, s, vh)


def svdvals(x: Array, /) -> Array:
    """Singular values of each matrix, descending."""
    return _tocha_linalg("svdvals")(x)  # type: ignore[no-any-return]


def cross(x1: Array, x2: Array, /, *, axis: int = -1) -> Array:
    """Cross product of 3-vectors along ``axis`` (broadcasting the other axes).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.linalg.cross(xp.asarray([1.0, 0.0, 0.0]), xp.asarray([0.0, 1.0, 0.0]))
        tensor([0., 0., 1.])
    """
    a, b = _pair("cross", x1, x2)
    if a.shape[axis] != 3 or b.shape[axis] != 3:
        raise ValueError(f"cross(): axis {axis} must have size 3 in shapes {list(a.shape)} and {list(b.shape)}")
    a0, a1, a2 = _t.unbind(a, axis)
    b0, b1, b2 = _t.unbind(b, axis)
    return _t.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis)


def diagonal(x: Array, /, *, offset: int = 0) -> Array:
    """The ``offset``-th diagonal of each matrix (a view).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.linalg.diagonal(xp.asarray([[1, 2], [3, 4]]))
        tensor([1, 4])
    """
    return _t.diagonal(x, offset, -2, -1)


def matrix_norm(x: Array, /, *, keepdims: bool = False, ord: float | str | None = "fro") -> Array:
    """Matrix norm of each matrix: 'fro', 'nuc', 1, -1, 2, -2, inf or -inf.

    Example:
        >>> import tocha.array_api as xp
        >>> xp.linalg.matrix_norm(xp.asarray([[3.0, 0.0], [0.0, 4.0]]))
        tensor(5.)
    """
    absolute = _t.abs(x)
    if ord == "fro" or ord is None:
        result = _t.sqrt(_t.sum(absolute * absolute, dim=(-2, -1)))
    elif ord in (1, -1, float("inf"), float("-inf")):
        along = -2 if ord in (1, -1) else -1
        sums = _t.sum(absolute, dim=along)
        result = _t.amax(sums, dim=-1) if ord in (1, float("inf")) else _t.amin(sums, dim=-1)
    elif ord in ("nuc", 2, -2):
        values = svdvals(x)
        result = _t.sum(values, dim=-1) if ord == "nuc" else values[..., 0] if ord == 2 else values[..., -1]
    else:
        raise ValueError(f"matrix_norm(): unsupported ord {ord!r}")
    return result.unsqueeze(-1).unsqueeze(-1) if keepdims else result


def matrix_power(x: Array, n: int, /) -> Array:
    """``x`` multiplied by itself ``n`` times (identity for 0, the inverse's power for negative ``n``).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.linalg.matrix_power(xp.asarray([[1, 1], [0, 1]]), 3)
        tensor([[1, 3],
                [0, 1]])
    """
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ValueError(f"matrix_power(): expected square matrices, got shape {list(x.shape)}")
    if n < 0:
        x, n = inv(x), -n
    result = _t.zeros_like(x) + _t.eye(x.shape[-1], dtype=x.dtype, device=x.device)
    base = x
    while n:
        if n & 1:
            result = _t.matmul(result, base)
        n >>= 1
        if n:
            base = _t.matmul(base, base)
    return result


def outer(x1: Array, x2: Array, /) -> Array:
    """Outer product of two 1-D arrays.

    Example:
        >>> import tocha.array_api as xp
        >>> xp.linalg.outer(xp.asarray([1, 2]), xp.asarray([1, 10]))
        tensor([[ 1, 10],
                [ 2, 20]])
    """
    a, b = _pair("outer", x1, x2)
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"outer(): expected 1-D arrays, got shapes {list(a.shape)} and {list(b.shape)}")
    return _t.outer(a, b)


def trace(x: Array, /, *, offset: int = 0, dtype: DType | None = None) -> Array:
    """Sum of the ``offset``-th diagonal of each matrix (integers accumulate in int64).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.linalg.trace(xp.asarray([[1, 2], [3, 4]], dtype=xp.int8))
        tensor(5)
    """
    return sum(_t.diagonal(x, offset, -2, -1), axis=-1, dtype=dtype)


def vector_norm(
    x: Array, /, *, axis: int | tuple[int, ...] | None = None, keepdims: bool = False, ord: float = 2
) -> Array:
    """The ``ord``-norm of vectors along ``axis`` (all elements when None).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.linalg.vector_norm(xp.asarray([3.0, -4.0])), xp.linalg.vector_norm(xp.asarray([3.0, -4.0]), ord=1)
        (tensor(5.), tensor(7.))
    """
    from ._core import max as amax
    from ._core import min as amin

    absolute = _t.abs(x)
    if absolute.dtype.category < 2:
        absolute = absolute.to(_t.get_default_dtype())
    if ord == float("inf"):
        return amax(absolute, axis=axis, keepdims=keepdims)
    if ord == float("-inf"):
        return amin(absolute, axis=axis, keepdims=keepdims)
    if ord == 0:
        return sum((absolute != 0).to(absolute.dtype), axis=axis, keepdims=keepdims)
    if ord == 1:
        return sum(absolute, axis=axis, keepdims=keepdims)
    if ord == 2:
        return _t.sqrt(sum(absolute * absolute, axis=axis, keepdims=keepdims))
    return sum(absolute**ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)


__all__ += ["matmul", "matrix_transpose", "tensordot", "vecdot"]
__all__ = sorted(set(__all__))
