"""PyTorch's legacy and rarely used top-level names: removed and deprecated linear algebra, the randomized
low-rank SVD/PCA, the per-device autocast switches, the ``sym_*`` helpers on plain numbers, ``segment_reduce``,
``from_file`` and a few small settings.

Everything here is a composite of other tocha functions (so autograd reaches through it) or plain Python.

NOTE [ Legacy top-level names ]
* ``solve``, ``lstsq``, ``eig``, ``symeig`` and ``matrix_rank`` are gone from PyTorch; calling them raises the
  RuntimeError PyTorch raises, with its text, naming the ``tocha.linalg`` replacement.
* ``triangular_solve``, ``frobenius_norm``, ``nuclear_norm``, ``set_default_tensor_type`` and the
  ``*_cpu``/``*_gpu``/``*_ipu``/``*_xla`` autocast functions are deprecated in PyTorch and warn here on
  every call (PyTorch warns once per process for most of them).
* The autocast functions read and write the calling thread's state in ``tocha._autocast`` (the one
  ``tocha.autocast`` uses). As there, turning autocast on with ``set_autocast_*_enabled`` casts ops only
  inside an ``autocast`` region. The nesting counter is the region depth ``autocast`` keeps; leaving the
  outermost region clears the cast cache, while ``autocast_decrement_nesting`` itself only returns the new
  count, here as in PyTorch (``clear_autocast_cache`` empties the cache).
* ``segment_reduce`` labels each position along ``axis`` with its segment (read on the host from the
  lengths or offsets; positions in no segment get an extra label, dropped afterwards) and runs one
  ``scatter_reduce`` (sum, prod, amax, amin) into a tensor holding the reduction's identity (0, 1, -inf,
  +inf), then folds ``initial`` in: O(elements + segments) memory, and the gradient is scatter_reduce's.
  Out-of-range offsets and lengths that run past the data raise here, where PyTorch reads past the end of
  its buffer.
"""

from __future__ import annotations

import importlib.util
import math
import mmap
import operator
import os
import warnings
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .. import _autocast
from .._backend import _backends
from .._device import CPU, device
from .._dtype import bfloat16, dtype, float16, float32, float64
from .._layout import check_layout
from .._memory_format import contiguous_format
from .._tensor_base import TensorBase, normalize_dim, wrap
from ._common import broadcast_shape, type_name
from .elementwise_base import copy_to_out
from .linalg_decomp import LINALG_DTYPES
from .linalg_functions import _repr, matrix_norm, solve_triangular, vector_norm
from .misc_toplevel import _C_TYPE

if TYPE_CHECKING:
    from .._device import DeviceLike
    from .._layout import layout as layout_
    from .._tensor import Tensor

__all__ = [
    "autocast_decrement_nesting",
    "autocast_increment_nesting",
    "clear_autocast_cache",
    "eig",
    "frobenius_norm",
    "from_file",
    "get_autocast_cpu_dtype",
    "get_autocast_gpu_dtype",
    "get_autocast_ipu_dtype",
    "get_autocast_xla_dtype",
    "get_device_module",
    "init_num_threads",
    "is_autocast_cache_enabled",
    "is_autocast_cpu_enabled",
    "is_autocast_ipu_enabled",
    "is_autocast_xla_enabled",
    "is_storage",
    "is_vulkan_available",
    "lstsq",
    "matrix_rank",
    "nuclear_norm",
    "pca_lowrank",
    "segment_reduce",
    "set_autocast_cache_enabled",
    "set_autocast_cpu_dtype",
    "set_autocast_cpu_enabled",
    "set_autocast_dtype",
    "set_autocast_gpu_dtype",
    "set_autocast_ipu_dtype",
    "set_autocast_ipu_enabled",
    "set_autocast_xla_dtype",
    "set_autocast_xla_enabled",
    "set_default_tensor_type",
    "solve",
    "svd_lowrank",
    "sym_float",
    "sym_int",
    "sym_ite",
    "sym_max",
    "sym_min",
    "sym_not",
    "sym_sqrt",
    "sym_sum",
    "symeig",
    "triangular_solve",
]

_REMOVED = "This function was deprecated since version 1.9 and is now removed."


def _tensor_arg(op: str, x: Any, name: str, position: int | None = None) -> Tensor:
    if isinstance(x, TensorBase):
        return x  # type: ignore[return-value]
    where = f"argument '{name}'" if position is None else f"argument '{name}' (position {position})"
    raise TypeError(f"{op}(): {where} must be Tensor, not {type(x).__name__}")


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
    b = _tensor_arg(op, b, "input", 1)
    A = _tensor_arg(op, A, "A", 2)
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
    input = _tensor_arg("frobenius_norm", input, "input", 1)
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
    input = _tensor_arg("nuclear_norm", input, "input", 1)
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
    A = _tensor_arg("svd_lowrank", A, "A", 1)
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
    A = _tensor_arg("pca_lowrank", A, "A", 1)
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


# ------------------------------------------------------------------ autocast (legacy per-device forms)

# Device types PyTorch's device strings accept; autocast settings take any of them (tocha runs cpu and cuda).
_DEVICE_TYPES = (
    "cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia", "xla",
    "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone",
)  # fmt: skip
_LEGACY_DEFAULT = {"ipu": float16, "xla": bfloat16}


def _enabled_arg(enabled: Any) -> bool:
    if not isinstance(enabled, (bool, np.bool_)):
        raise TypeError(f"enabled must be a bool (got {type(enabled).__name__})")
    return bool(enabled)


def _dtype_arg(d: Any) -> dtype:
    if not isinstance(d, dtype):
        raise TypeError(f"dtype must be a tocha.dtype (got {type(d).__name__})")
    return d


def _deprecated(old: str, new: str) -> None:
    warnings.warn(f"tocha.{old} is deprecated. Please use tocha.{new} instead.", DeprecationWarning, stacklevel=3)


def _set_dtype(device_type: str, d: dtype) -> None:
    _autocast._state.dtype[device_type] = d


def _legacy_dtype(device_type: str) -> dtype:
    found = _autocast._state.dtype.get(device_type)
    return _LEGACY_DEFAULT[device_type] if found is None else found


def set_autocast_dtype(device_type: str, dtype: dtype) -> None:
    """Make ``dtype`` the low-precision dtype autocast uses on ``device_type`` in this thread.

    ``tocha.autocast(device_type)`` regions opened afterwards default to it, and
    :func:`tocha.get_autocast_dtype` returns it.

    Example:
        >>> import tocha
        >>> tocha.set_autocast_dtype("cpu", tocha.float16)
        >>> tocha.get_autocast_dtype("cpu")
        tocha.float16
        >>> tocha.set_autocast_dtype("cpu", tocha.bfloat16)
    """
    if not isinstance(device_type, str):
        raise TypeError(
            f"set_autocast_dtype(): argument 'device_type' (position 1) must be str, not {type(device_type).__name__}"
        )
    if not isinstance(dtype, _autocast._Dtype):
        raise TypeError(
            f"set_autocast_dtype(): argument 'dtype' (position 2) must be tocha.dtype, not {type(dtype).__name__}"
        )
    kind = device(device_type).type
    if kind not in _DEVICE_TYPES and kind not in _backends:  # PyTorch's device types and tocha's plugins
        raise RuntimeError(
            f"Expected one of {', '.join(_DEVICE_TYPES)} device type at start of device string: {device_type}"
        )
    _set_dtype(kind, dtype)


def is_autocast_cpu_enabled() -> bool:
    """Deprecated: :func:`tocha.is_autocast_enabled` ``("cpu")``.

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.is_autocast_cpu_enabled()
        False
    """
    _deprecated("is_autocast_cpu_enabled()", "is_autocast_enabled('cpu')")
    return _autocast.is_autocast_enabled("cpu")


def set_autocast_cpu_enabled(enabled: bool) -> None:
    """Deprecated: :func:`tocha.set_autocast_enabled` ``("cpu", enabled)``.

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.set_autocast_cpu_enabled(False)
    """
    enabled = _enabled_arg(enabled)
    _deprecated("set_autocast_cpu_enabled(enabled)", "set_autocast_enabled('cpu', enabled)")
    _autocast.set_autocast_enabled("cpu", enabled)


def get_autocast_cpu_dtype() -> dtype:
    """Deprecated: :func:`tocha.get_autocast_dtype` ``("cpu")`` (bfloat16 by default).

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.get_autocast_cpu_dtype()
        tocha.bfloat16
    """
    _deprecated("get_autocast_cpu_dtype()", "get_autocast_dtype('cpu')")
    return _autocast.get_autocast_dtype("cpu")


def set_autocast_cpu_dtype(dtype: dtype) -> None:
    """Deprecated: :func:`tocha.set_autocast_dtype` ``("cpu", dtype)``.

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.set_autocast_cpu_dtype(tocha.bfloat16)
    """
    d = _dtype_arg(dtype)
    _deprecated("set_autocast_cpu_dtype(dtype)", "set_autocast_dtype('cpu', dtype)")
    _set_dtype("cpu", d)


def get_autocast_gpu_dtype() -> dtype:
    """Deprecated: :func:`tocha.get_autocast_dtype` ``("cuda")`` (float16 by default).

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.get_autocast_gpu_dtype()
        tocha.float16
    """
    _deprecated("get_autocast_gpu_dtype()", "get_autocast_dtype('cuda')")
    return _autocast.get_autocast_dtype("cuda")


def set_autocast_gpu_dtype(dtype: dtype) -> None:
    """Deprecated: :func:`tocha.set_autocast_dtype` ``("cuda", dtype)``.

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.set_autocast_gpu_dtype(tocha.float16)
    """
    d = _dtype_arg(dtype)
    _deprecated("set_autocast_gpu_dtype(dtype)", "set_autocast_dtype('cuda', dtype)")
    _set_dtype("cuda", d)


def is_autocast_ipu_enabled() -> bool:
    """Deprecated: :func:`tocha.is_autocast_enabled` ``("ipu")`` (tocha runs no IPU ops; a setting only).

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.is_autocast_ipu_enabled()
        False
    """
    _deprecated("is_autocast_ipu_enabled()", "is_autocast_enabled('ipu')")
    return _autocast.is_autocast_enabled("ipu")


def set_autocast_ipu_enabled(enabled: bool) -> None:
    """Deprecated: :func:`tocha.set_autocast_enabled` ``("ipu", enabled)``.

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.set_autocast_ipu_enabled(False)
    """
    enabled = _enabled_arg(enabled)
    _deprecated("set_autocast_ipu_enabled(enabled)", "set_autocast_enabled('ipu', enabled)")
    _autocast.set_autocast_enabled("ipu", enabled)


def get_autocast_ipu_dtype() -> dtype:
    """Deprecated: the autocast dtype of device type ``"ipu"`` (float16 by default, as in PyTorch).

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.get_autocast_ipu_dtype()
        tocha.float16
    """
    _deprecated("get_autocast_ipu_dtype()", "get_autocast_dtype('ipu')")
    return _legacy_dtype("ipu")


def set_autocast_ipu_dtype(dtype: dtype) -> None:
    """Deprecated: :func:`tocha.set_autocast_dtype` ``("ipu", dtype)``.

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.set_autocast_ipu_dtype(tocha.float16)
    """
    d = _dtype_arg(dtype)
    _deprecated("set_autocast_ipu_dtype(dtype)", "set_autocast_dtype('ipu', dtype)")
    _set_dtype("ipu", d)


def is_autocast_xla_enabled() -> bool:
    """Deprecated: :func:`tocha.is_autocast_enabled` ``("xla")`` (tocha runs no XLA ops; a setting only).

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.is_autocast_xla_enabled()
        False
    """
    _deprecated("is_autocast_xla_enabled()", "is_autocast_enabled('xla')")
    return _autocast.is_autocast_enabled("xla")


def set_autocast_xla_enabled(enabled: bool) -> None:
    """Deprecated: :func:`tocha.set_autocast_enabled` ``("xla", enabled)``.

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.set_autocast_xla_enabled(False)
    """
    enabled = _enabled_arg(enabled)
    _deprecated("set_autocast_xla_enabled(enabled)", "set_autocast_enabled('xla', enabled)")
    _autocast.set_autocast_enabled("xla", enabled)


def get_autocast_xla_dtype() -> dtype:
    """Deprecated: the autocast dtype of device type ``"xla"`` (bfloat16 by default, as in PyTorch).

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.get_autocast_xla_dtype()
        tocha.bfloat16
    """
    _deprecated("get_autocast_xla_dtype()", "get_autocast_dtype('xla')")
    return _legacy_dtype("xla")


def set_autocast_xla_dtype(dtype: dtype) -> None:
    """Deprecated: :func:`tocha.set_autocast_dtype` ``("xla", dtype)``.

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.set_autocast_xla_dtype(tocha.bfloat16)
    """
    d = _dtype_arg(dtype)
    _deprecated("set_autocast_xla_dtype(dtype)", "set_autocast_dtype('xla', dtype)")
    _set_dtype("xla", d)


def is_autocast_cache_enabled() -> bool:
    """Whether autocast reuses its casts of parameters within a region (True by default).

    Example:
        >>> import tocha
        >>> tocha.is_autocast_cache_enabled()
        True
        >>> with tocha.autocast("cpu", cache_enabled=False):
        ...     tocha.is_autocast_cache_enabled()
        False
    """
    return _autocast._state.cache_enabled


def set_autocast_cache_enabled(enabled: bool) -> None:
    """Turn autocast's cast cache on or off in this thread (``autocast`` regions set it on entry).

    Example:
        >>> import tocha
        >>> tocha.set_autocast_cache_enabled(False)
        >>> tocha.is_autocast_cache_enabled()
        False
        >>> tocha.set_autocast_cache_enabled(True)
    """
    _autocast._state.cache_enabled = _enabled_arg(enabled)


def clear_autocast_cache() -> None:
    """Drop the parameter casts autocast has cached in this thread.

    Example:
        >>> import tocha
        >>> tocha.clear_autocast_cache()
    """
    _autocast._state.cache.clear()


def autocast_increment_nesting() -> int:
    """Count one more open autocast region in this thread; returns the new depth.

    Example:
        >>> import tocha
        >>> tocha.autocast_increment_nesting()
        1
        >>> tocha.autocast_decrement_nesting()
        0
    """
    _autocast._state.depth += 1
    return _autocast._state.depth


def autocast_decrement_nesting() -> int:
    """Count one autocast region fewer in this thread; returns the new depth (negative when unbalanced).

    Example:
        >>> import tocha
        >>> with tocha.autocast("cpu"):
        ...     tocha.autocast_decrement_nesting()
        ...     tocha.autocast_increment_nesting()
        0
        1
    """
    _autocast._state.depth -= 1
    return _autocast._state.depth


# ------------------------------------------------------------------ symbolic-shape helpers on plain numbers

_ALL_TYPES = (np.integer, np.floating, int, float)
_FLOAT_TYPES = (np.floating, float)


def sym_int(a: Any) -> int:
    """``int(a)``: PyTorch's symbolic-int-aware cast, on plain numbers (floats truncate toward zero).

    Example:
        >>> import tocha
        >>> tocha.sym_int(-3.7), tocha.sym_int(tocha.tensor(2.5))
        (-3, 2)
    """
    return int(a)


def sym_float(a: Any) -> float:
    """``float(a)``: PyTorch's symbolic-float-aware cast, on plain numbers.

    Example:
        >>> import tocha
        >>> tocha.sym_float(3)
        3.0
    """
    return float(a)


def _sym_extreme(a: Any, b: Any, pick: Any) -> Any:
    for x in (a, b):
        if not isinstance(x, _ALL_TYPES):
            raise AssertionError(f"expected {_ALL_TYPES}, got {type(x)}")
    result = pick(a, b)
    return float(result) if isinstance(a, _FLOAT_TYPES) or isinstance(b, _FLOAT_TYPES) else result


def sym_max(a: Any, b: Any) -> Any:
    """``max(a, b)`` of two ints/floats, a float when either is a float.

    Unlike :func:`max`, the result is promoted to float whenever either argument is one. NaN: ``a`` unless ``b``
    compares greater, as :func:`max`. Tensors raise AssertionError, as in PyTorch.

    Example:
        >>> import tocha
        >>> tocha.sym_max(3, 2.0), tocha.sym_max(1, 2)
        (3.0, 2)
    """
    return _sym_extreme(a, b, max)


def sym_min(a: Any, b: Any) -> Any:
    """``min(a, b)`` of two ints/floats, a float when either is a float (see :func:`sym_max`).

    Example:
        >>> import tocha
        >>> tocha.sym_min(3, 2.0), tocha.sym_min(1, 2)
        (2.0, 1)
    """
    return _sym_extreme(a, b, min)


def sym_not(a: Any) -> bool:
    """``not a``: PyTorch's symbolic-bool-aware negation, on plain values (and one-element tensors).

    Example:
        >>> import tocha
        >>> tocha.sym_not(True), tocha.sym_not(0)
        (False, True)
    """
    return not a


def sym_sqrt(a: Any) -> float:
    """``math.sqrt(a)`` as a float (ValueError for a negative number, as :func:`math.sqrt`).

    Example:
        >>> import tocha
        >>> tocha.sym_sqrt(4)
        2.0
    """
    return math.sqrt(a)


def sym_sum(*args: Any) -> Any:
    """The sum of ``sym_sum(a, b, c)`` or ``sym_sum([a, b, c])``, from 0 as :func:`sum` (0 when empty).

    Example:
        >>> import tocha
        >>> tocha.sym_sum([1, 2, 3]), tocha.sym_sum(1, 2.5), tocha.sym_sum([])
        (6, 3.5, 0)
    """
    items = args[0] if len(args) == 1 and isinstance(args[0], (list, tuple)) else args
    return sum(items)


def sym_ite(b: bool, t: Any, f: Any) -> Any:
    """``t if b else f`` for a bool ``b`` and ``t``, ``f`` of one type (AssertionError otherwise, as PyTorch).

    Example:
        >>> import tocha
        >>> tocha.sym_ite(False, 1, 2)
        2
    """
    if not isinstance(b, bool):
        raise AssertionError(f"expected SymBool or bool, got {type(b)}")
    if type(t) is not type(f):
        raise AssertionError(f"type mismatch: {type(t)} vs {type(f)}")
    return t if b else f


# ------------------------------------------------------------------ settings and small helpers

_TENSOR_TYPES = {
    "FloatTensor": float32, "DoubleTensor": float64, "HalfTensor": float16, "BFloat16Tensor": bfloat16,
    "ByteTensor": None, "CharTensor": None, "ShortTensor": None, "IntTensor": None, "LongTensor": None,
    "BoolTensor": None,
}  # fmt: skip
_TENSOR_TYPE_MODULES = {
    f"{root}{sub}": (sub.startswith(".cuda"), sub.endswith(".sparse"))
    for root in ("torch", "tocha")
    for sub in ("", ".cuda", ".sparse", ".cuda.sparse")
}
_set_by_tensor_type: list[device | None] = [None]  # the default device set_default_tensor_type last chose


def set_default_tensor_type(t: str, /) -> None:
    """Make the floating tensor type ``t`` (``"torch.DoubleTensor"``...) the default: deprecated.

    Sets the default dtype (float32, float64, float16 or bfloat16 for ``FloatTensor``, ``DoubleTensor``,
    ``HalfTensor``, ``BFloat16Tensor``); a ``torch.cuda.*`` / ``tocha.cuda.*`` type also makes ``cuda`` the
    default device (a TypeError when CUDA is not available), and a CPU type afterwards makes it ``cpu`` again.
    ``tocha.`` and ``torch.`` spellings are both accepted; tocha has no tensor type classes. PyTorch deprecates
    it (and so it warns): use :func:`tocha.set_default_dtype` and :func:`tocha.set_default_device`.

    Raises:
        TypeError: an integer, sparse or unknown type, or a CUDA type without CUDA.

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.set_default_tensor_type("torch.DoubleTensor")
        ...     tocha.tensor([1.0]).dtype
        ...     tocha.set_default_tensor_type("tocha.FloatTensor")
        tocha.float64
    """
    import tocha

    invalid = "invalid type object: only floating-point types are supported as the default type"
    warnings.warn(
        "tocha.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use tocha.set_default_dtype() and "
        "tocha.set_default_device() as alternatives.",
        UserWarning,
        stacklevel=2,
    )
    if not isinstance(t, str):
        raise TypeError(invalid)
    if not t:
        raise ValueError("Empty module name")
    module, _, name = t.rpartition(".")
    if module not in _TENSOR_TYPE_MODULES:
        top = t.split(".")[0]
        if top not in ("torch", "tocha") and importlib.util.find_spec(top) is None:
            raise ModuleNotFoundError(f"No module named '{top}'", name=top)
        raise TypeError(invalid)
    if name not in _TENSOR_TYPES:
        if module in ("torch", "tocha") and hasattr(tocha, name):
            raise TypeError(invalid)  # a tocha name that is no tensor type ("torch.tensor")
        raise AttributeError(f"module '{module}' has no attribute '{name}'")
    cuda, sparse = _TENSOR_TYPE_MODULES[module]
    if cuda and not tocha.cuda.is_available():
        raise TypeError(f"type {t} not available. CUDA is not available (tocha.cuda.is_available() is False).")
    if sparse:
        raise TypeError("only dense types are supported as the default type")
    d = _TENSOR_TYPES[name]
    if d is None:
        raise TypeError("only floating-point types are supported as the default type")
    tocha.set_default_dtype(d)
    if cuda:
        tocha.set_default_device("cuda")
        _set_by_tensor_type[0] = tocha.get_default_device()
    elif _set_by_tensor_type[0] is not None:
        if tocha.get_default_device() == _set_by_tensor_type[0]:
            tocha.set_default_device(None)
        _set_by_tensor_type[0] = None


def is_storage(obj: Any, /) -> bool:
    """Whether ``obj`` is a storage object: always False, as tocha has no storage classes.

    Example:
        >>> import tocha
        >>> tocha.is_storage(tocha.ones(2))
        False
    """
    return False


def get_device_module(device: device | str | None = None) -> ModuleType:
    """The module of a device type: ``tocha.cuda`` for ``"cuda"``, ``tocha.cpu`` for ``"cpu"``, ``tocha.mps``...

    With no device, the module of the current accelerator (:func:`tocha.accelerator.current_accelerator`), or
    ``tocha.cpu`` when there is none.

    Raises:
        RuntimeError: ``device`` is not a device, a string or None, or its type has no module.

    Example:
        >>> import tocha
        >>> tocha.get_device_module("cuda:0") is tocha.cuda
        True
        >>> tocha.get_device_module("cpu").__name__
        'tocha.cpu'
    """
    import tocha

    if device is None:
        current = tocha.accelerator.current_accelerator()
        kind = "cpu" if current is None else current.type
    elif isinstance(device, (str, tocha.device)):
        kind = tocha.device(device).type
    else:
        raise RuntimeError(f"Invalid value of device '{device}', expect tocha.device, str, or None")
    try:
        module = getattr(tocha, kind)
    except AttributeError:
        module = None
    if not isinstance(module, ModuleType) or not callable(getattr(module, "is_available", None)):
        raise RuntimeError(f"Device '{kind}' does not have a corresponding module registered as 'tocha.{kind}'.")
    return module


def init_num_threads() -> None:
    """Set up intra-op threads for a new thread: nothing to do in tocha (NumPy/CuPy manage their own).

    Example:
        >>> import tocha
        >>> tocha.init_num_threads()
    """
    return None


def is_vulkan_available() -> bool:
    """Whether the Vulkan backend is available: never in tocha.

    Example:
        >>> import tocha
        >>> tocha.is_vulkan_available()
        False
    """
    return False


# ------------------------------------------------------------------ segment_reduce

# reduce name -> (scatter_reduce's reduction, its identity)
_SEGMENT_REDUCTIONS = {
    "sum": ("sum", 0.0),
    "mean": ("sum", 0.0),
    "prod": ("prod", 1.0),
    "max": ("amax", -math.inf),
    "amax": ("amax", -math.inf),
    "min": ("amin", math.inf),
    "amin": ("amin", math.inf),
}
_SEGMENT_DTYPES = (float16, bfloat16, float32, float64)


def _host_ints(op: str, t: Tensor, name: str) -> np.ndarray[Any, Any]:
    if t.dtype.name not in ("int32", "int64"):
        raise NotImplementedError(f"\"{op}_{name}\" not implemented for '{type_name(t.dtype)}'")
    return np.asarray(t.cpu(), dtype=np.int64)


def _initial_value(initial: Any, d: dtype) -> float:
    """``initial`` as a float for data of dtype ``d``; PyTorch's RuntimeError when it does not fit."""
    import tocha

    if isinstance(initial, np.generic):
        initial = initial.item()
    overflow = RuntimeError(f"value cannot be converted to type {_C_TYPE[d.name]} without overflow")
    if isinstance(initial, complex):
        if initial.imag != 0:
            raise overflow
        initial = initial.real
    value = float(initial)
    if math.isfinite(value) and abs(value) > tocha.finfo(d).max:
        raise overflow
    return value


def segment_reduce(
    data: Tensor,
    reduce: str,
    *,
    lengths: Tensor | None = None,
    indices: Tensor | None = None,
    offsets: Tensor | None = None,
    axis: int = 0,
    unsafe: bool = False,
    initial: bool | int | float | complex | None = None,
) -> Tensor:
    """Reduce consecutive segments of ``data`` along ``axis`` with ``"sum"``, ``"mean"``, ``"prod"``, ``"max"``
    or ``"min"`` (also ``"amax"``, ``"amin"``).

    Segments are given by ``lengths`` (``(*, S)``: segment ``s`` holds the next ``lengths[..., s]`` elements) or
    ``offsets`` (``(*, S + 1)``: segment ``s`` is ``[offsets[..., s], offsets[..., s + 1])``; they win when both
    are given), int32 or int64, whose leading dims ``*`` are ``data``'s dims before ``axis``; ``axis`` must be
    the last dim of ``lengths``. The result has ``S`` entries along ``axis``. An empty segment gives the
    reduction's identity (0, 1, -inf, +inf; NaN for mean). With ``initial`` ``v``: ``v + sum``, ``v * prod``,
    ``max(v, ...)``, ``min(v, ...)``, ``(v + sum) / max(n, 1)``. ``lengths`` must sum to ``data.size(axis)``
    unless ``unsafe``. ``indices`` is not supported (nor in PyTorch). Differentiable in ``data``.

    Example:
        >>> import tocha
        >>> data = tocha.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
        >>> tocha.segment_reduce(data, "sum", lengths=tocha.tensor([2, 0, 3, 1]))
        tensor([ 3.,  0., 12.,  6.])
        >>> tocha.segment_reduce(data, "max", offsets=tocha.tensor([0, 2, 6]), initial=4.0)
        tensor([4., 6.])
    """
    import tocha

    op = "segment_reduce"
    data = _tensor_arg(op, data, "data", 1)
    if not isinstance(reduce, str):
        raise TypeError(f"{op}(): argument 'reduce' (position 2) must be str, not {type(reduce).__name__}")
    for name, given in (("lengths", lengths), ("indices", indices), ("offsets", offsets)):
        if given is not None:
            _tensor_arg(op, given, name)
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise TypeError(f"{op}(): argument 'axis' must be int, not {type(axis).__name__}")
    if initial is not None and not isinstance(initial, (int, float, complex, np.number)):
        raise TypeError(f"{op}(): argument 'initial' must be Number, not {type(initial).__name__}")
    if indices is not None:
        raise RuntimeError("segment_reduce(): indices based reduction is not supported yet.")
    if lengths is None and offsets is None:
        raise RuntimeError("segment_reduce(): Either lengths or offsets must be defined.")
    if reduce not in _SEGMENT_REDUCTIONS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if data.dtype not in _SEGMENT_DTYPES:
        raise NotImplementedError(f"\"{op}\" not implemented for '{type_name(data.dtype)}'")
    bounds = offsets if offsets is not None else lengths
    assert bounds is not None
    bounds_name = "offsets" if offsets is not None else "lengths"
    ax = normalize_dim(op, int(axis), data.ndim)
    if data.ndim < bounds.ndim:
        raise RuntimeError(f"{op}(): Expected data.dim() >= {bounds_name}.dim() to be true, but got false.")
    if ax != bounds.ndim - 1:
        raise RuntimeError(f"{op}(): Expected axis to be the last dimension of lengths but got {ax}.")
    if tuple(bounds.shape[:-1]) != tuple(data.shape[:ax]):
        raise RuntimeError(
            f"{op}(): Expected {bounds_name}.shape[:-1] to be data.shape[:axis] = {list(data.shape[:ax])}, but got "
            f"{list(bounds.shape[:-1])}"
        )
    size = data.shape[ax]
    host = _host_ints(op, bounds, bounds_name)
    if offsets is not None:
        if host.shape[-1] == 0:
            raise RuntimeError(f"{op}(): Expected offsets to have at least one entry along axis.")
        starts, counts = host[..., :-1], np.diff(host, axis=-1)
        if (counts < 0).any():
            raise RuntimeError("Expected segment_length >= 0 to be true, but got false.")
        if host.size and (host.min() < 0 or host.max() > size):
            raise RuntimeError(f"{op}(): offsets must lie in [0, {size}] (data.size(axis)), got {host.tolist()}")
    else:
        if (host < 0).any():
            raise RuntimeError("lengths contains negative value!")
        totals = host.sum(axis=-1)
        if not unsafe and (totals != size).any():
            raise RuntimeError(
                "segment_reduce(): Expected all rows of lengths along axis to sum to data.size(lengths.dim()-1) "
                "when !unsafe."
            )
        if (totals > size).any():
            raise RuntimeError(f"{op}(): lengths run past data.size(axis) = {size}")
        counts = host
        starts = np.cumsum(host, axis=-1) - host
    scatter, identity = _SEGMENT_REDUCTIONS[reduce]
    batch, segments, tail = tuple(data.shape[:ax]), counts.shape[-1], tuple(data.shape[ax + 1 :])
    # the segment of each position along axis, per row of the batch; positions in no segment go to segment S
    rows, reps = math.prod(batch), counts.reshape(-1)
    ids = np.full((rows, size), segments, dtype=np.int64)
    first = np.repeat(np.cumsum(reps) - reps, reps)  # each covered position's segment start in the flat order
    row_of = np.repeat(np.repeat(np.arange(rows), segments), reps)
    position = np.repeat(starts.reshape(-1), reps) + np.arange(first.size) - first
    ids[row_of, position] = np.repeat(np.tile(np.arange(segments), rows), reps)
    index = tocha.from_numpy(ids.reshape(*batch, size, *(1,) * len(tail))).to(data.device).expand(*data.shape)
    base = tocha.full((*batch, segments + 1, *tail), identity, dtype=data.dtype, device=data.device)
    result = base.scatter_reduce(ax, index, data, scatter).narrow(ax, 0, segments)
    if initial is not None:
        value = _initial_value(initial, data.dtype)
        if reduce in ("sum", "mean"):
            result = result + value
        elif reduce == "prod":
            result = result * value
        elif scatter == "amax":
            result = result.clamp(min=value)
        else:
            result = result.clamp(max=value)
    if reduce == "mean":  # (v + sum) / max(n, 1): v alone for an empty segment, or NaN without v
        shape = (*batch, segments, *(1,) * len(tail))
        divisor = tocha.from_numpy(np.maximum(counts, 1).reshape(shape)).to(data.device, data.dtype)
        result = result / divisor
        if initial is None and (counts == 0).any():  # NaN set here, not 0 / 0: its gradient would be NaN too
            empty = tocha.from_numpy((counts == 0).reshape(shape)).to(data.device)
            result = tocha.where(empty, math.nan, result)
    return result


# ------------------------------------------------------------------ from_file


def from_file(
    filename: str,
    shared: bool | None = None,
    size: int | None = 0,
    *,
    dtype: dtype | None = None,
    layout: layout_ | None = None,
    device: DeviceLike | None = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
) -> Tensor:
    """A 1-D CPU tensor of ``size`` elements read from the start of file ``filename`` by memory mapping.

    With ``shared=True`` the tensor maps the file itself: writes through the tensor reach the file (and other
    processes mapping it); a missing file is created and a short one extended with zeros. Otherwise
    (``False`` / ``None``) the mapping is private: the tensor starts with the file's bytes and its writes stay
    in memory. ``dtype`` defaults to the default dtype; ``size`` ``0`` (or None) gives an empty tensor
    without opening the file.

    Raises:
        RuntimeError: the file cannot be opened, is shorter than ``size`` elements (unless ``shared``),
            ``size`` is negative, ``pin_memory`` is set or ``device`` is not the CPU.

    Example:
        >>> import pathlib, tempfile, tocha
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "data.bin"
        >>> _ = path.write_bytes(bytes([1, 2, 3, 4]))
        >>> tocha.from_file(str(path), size=4, dtype=tocha.uint8)
        tensor([1, 2, 3, 4], dtype=tocha.uint8)
        >>> t = tocha.from_file(str(path), shared=True, size=2, dtype=tocha.uint8)
        >>> t[0] = 9
        >>> path.read_bytes()
        b'\\t\\x02\\x03\\x04'
    """
    import tocha

    op = "from_file"
    if isinstance(filename, bytes):
        filename = os.fsdecode(filename)
    if not isinstance(filename, str):
        raise TypeError(f"{op}(): argument 'filename' (position 1) must be str, not {type(filename).__name__}")
    if shared is not None and not isinstance(shared, (bool, np.bool_)):
        raise TypeError(f"{op}(): argument 'shared' (position 2) must be bool, not {type(shared).__name__}")
    if size is not None and (not isinstance(size, (int, np.integer)) or isinstance(size, bool)):
        raise TypeError(f"{op}(): argument 'size' (position 3) must be int, not {type(size).__name__}")
    check_layout(op, layout)
    if pin_memory:
        raise RuntimeError("tensors constructed from a file cannot be pinned")
    if device is not None and tocha.device(device).type != "cpu":
        raise RuntimeError(f"{op}(): a tensor backed by a file lives on the CPU, got device={device!r}")
    d = tocha.get_default_dtype() if dtype is None else dtype
    count = 0 if size is None else int(size)
    nbytes = count * d.itemsize
    if nbytes < 0:
        raise RuntimeError(f"unable to mmap {nbytes} bytes from file <{filename}>: Cannot allocate memory (12)")
    if nbytes == 0:
        return tocha.empty(0, dtype=d, requires_grad=requires_grad)
    mode = "read-write" if shared else "read-only"
    try:
        fd = os.open(filename, os.O_RDWR | os.O_CREAT if shared else os.O_RDONLY, 0o600)
    except OSError as exc:
        raise RuntimeError(f"unable to open file <{filename}> in {mode} mode: {exc.strerror} ({exc.errno})") from None
    try:
        length = os.fstat(fd).st_size
        if length < nbytes:
            if not shared:
                raise RuntimeError(
                    f"file <{filename}> size <{length}> is smaller than the required mapping size <{nbytes}>"
                )
            os.ftruncate(fd, nbytes)
        if shared:
            buffer = mmap.mmap(fd, nbytes, access=mmap.ACCESS_WRITE)
        else:
            buffer = mmap.mmap(fd, nbytes, access=mmap.ACCESS_COPY)
    finally:
        os.close(fd)  # the mapping keeps the file's pages
    array = np.frombuffer(buffer, dtype=d.numpy_dtype, count=count)
    result: Tensor = wrap(array, CPU)  # type: ignore[assignment]
    if requires_grad:
        result.requires_grad_(True)
    return result


for _fn in __all__:
    globals()[_fn].__module__ = "tocha"
del _fn
