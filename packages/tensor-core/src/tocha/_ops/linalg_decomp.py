"""``tocha.linalg``'s primitives: inverses, solves, determinants and the decompositions, with their vjps.

Each primitive is one :class:`OpRecord` whose forward runs ``xp.linalg`` (NumPy and CuPy share it) over
the leading batch dimensions; LU with partial pivoting is written here against ``xp`` (neither has it
without SciPy), vectorised over the batch. The vjps are PyTorch's formulas written with tocha ops, so
they differentiate again. Public functions live in :mod:`tocha.linalg` (see ``linalg_functions``).

NOTE [ Linalg errors ]
PyTorch reports a singular or non-positive-definite input with ``torch.linalg.LinAlgError`` (a
RuntimeError) naming the first failing batch element and LAPACK's ``info`` (the 1-based index of the
first zero pivot, or the order of the first leading minor that is not positive-definite). NumPy only
says "Singular matrix". A forward therefore runs ``xp.linalg`` on the fast path and, only when that
fails (NumPy raises; CuPy returns NaNs), recomputes ``info`` with the batched LU / Cholesky loops below,
which pivot as LAPACK does (the largest ``|re| + |im|``). The ``_ex`` variants return ``info`` instead
of raising; each primitive therefore returns ``(result, info)`` and takes ``check_errors``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._backend import xp_of
from .._dispatch import OpRecord, OpTest, call, register_op
from .._dtype import complex64, complex128, dtype, float32, float64
from .._tensor_base import TensorBase
from ._common import type_name

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__: list[str] = []

LINALG_DTYPES: tuple[dtype, ...] = (float32, float64, complex64, complex128)


class LinAlgError(RuntimeError):
    """A linear-algebra routine failed on its input (singular, not positive-definite, no convergence).

    A subclass of RuntimeError, as ``torch.linalg.LinAlgError``.

    Example:
        >>> import tocha
        >>> try:
        ...     tocha.linalg.inv(tocha.zeros(2, 2))
        ... except tocha.linalg.LinAlgError as e:
        ...     print(e)
        linalg.inv: The diagonal element 1 is zero, the inversion could not be completed because the input matrix is singular.
    """  # noqa: E501

    __module__ = "tocha.linalg"


# ------------------------------------------------------------------ argument checks


def as_tensor(op: str, x: Any, name: str = "A") -> Tensor:
    """``x`` as a tensor (NumPy arrays are wrapped); TypeError in PyTorch's words otherwise."""
    if isinstance(x, TensorBase):
        return x  # type: ignore[return-value]
    if isinstance(x, np.ndarray):
        from .creation import from_numpy

        return from_numpy(x)
    raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")


def check_float(op: str, a: Tensor) -> None:
    """RuntimeError in PyTorch's words unless ``a`` is float32/64 or complex64/128."""
    d = a._dtype
    if d in LINALG_DTYPES:
        return
    if d.is_floating_point:
        raise RuntimeError(f"{op}: Low precision dtypes not supported. Got {type_name(d)}")
    raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got {type_name(d)}")


def check_matrix(op: str, a: Tensor, name: str = "A", *, square: bool = False) -> None:
    """RuntimeError unless ``a`` is a (batch of) matrix (square when asked)."""
    shape = a._data.shape
    if len(shape) < 2:
        raise RuntimeError(f"{op}: The input tensor {name} must have at least 2 dimensions.")
    if square and shape[-1] != shape[-2]:
        raise RuntimeError(
            f"{op}: {name} must be batches of square matrices, but they are {shape[-2]} by {shape[-1]} matrices"
        )


def check_square_float(op: str, a: Any) -> Tensor:
    """A float/complex batch of square matrices, or PyTorch's error."""
    a = as_tensor(op, a)
    check_matrix(op, a, square=True)
    check_float(op, a)
    return a  # type: ignore[no-any-return]


def _batch_prefix(shape: tuple[int, ...], flat_index: int) -> str:
    return f"(Batch element {flat_index}): " if len(shape) > 2 else ""


def _first_failure(xp: Any, info: Any) -> tuple[int, int]:
    """(flat batch index, info value) of the first nonzero entry of ``info``; (-1, 0) when none."""
    flat = np.asarray(info.get() if hasattr(info, "get") else info).reshape(-1)
    bad = np.flatnonzero(flat)
    if bad.size == 0:
        return -1, 0
    return int(bad[0]), int(flat[bad[0]])


# ------------------------------------------------------------------ batched LU and Cholesky in xp


def _pivot_magnitude(xp: Any, x: Any) -> Any:
    return xp.abs(x.real) + xp.abs(x.imag) if x.dtype.kind == "c" else xp.abs(x)


def lu_arrays(xp: Any, a: Any, pivot: bool = True) -> tuple[Any, Any, Any, Any]:
    """LU with partial pivoting of every matrix of ``a``: ``(LU, pivots, info, perm)``.

    ``pivots`` are LAPACK's 1-based row interchanges (int32), ``perm`` the resulting row order (``A[perm] =
    L U``), ``info`` the 1-based index of the first zero pivot (0 when none). A loop over the columns, each
    step one vectorised update of the whole batch.
    """
    *batch, m, n = a.shape
    k = min(m, n)
    count = int(np.prod(batch)) if batch else 1
    lu = a.reshape(count, m, n).copy()
    rows = xp.arange(count)
    perm = xp.broadcast_to(xp.arange(m), (count, m)).copy()
    pivots = xp.broadcast_to(xp.arange(1, k + 1, dtype=xp.int32), (count, k)).copy()
    info = xp.zeros(count, dtype=xp.int32)
    for j in range(k):
        if pivot and j + 1 < m:
            p = xp.argmax(_pivot_magnitude(xp, lu[:, j:, j]), axis=-1) + j
            pivots[:, j] = (p + 1).astype(xp.int32)
            row_j = lu[:, j, :].copy()
            lu[:, j, :] = lu[rows, p, :]
            lu[rows, p, :] = row_j
            perm_j = perm[:, j].copy()
            perm[:, j] = perm[rows, p]
            perm[rows, p] = perm_j
        d = lu[:, j, j]
        zero = d == 0
        info = xp.where((info == 0) & zero, j + 1, info).astype(xp.int32)
        if j + 1 < m:
            lu[:, j + 1 :, j] /= xp.where(zero, 1, d)[:, None]
            lu[:, j + 1 :, j + 1 :] -= lu[:, j + 1 :, j : j + 1] * lu[:, j : j + 1, j + 1 :]
    return (
        lu.reshape(a.shape),
        pivots.reshape((*batch, k)),
        info.reshape(tuple(batch)),
        perm.reshape((*batch, m)),
    )


def pivots_to_perm(xp: Any, pivots: Any, m: int) -> Any:
    """The row order ``perm`` (``A[perm] = L U``) that LAPACK's 1-based ``pivots`` describe."""
    *batch, k = pivots.shape
    count = int(np.prod(batch)) if batch else 1
    piv = pivots.reshape(count, k).astype(xp.int64) - 1
    perm = xp.broadcast_to(xp.arange(m), (count, m)).copy()
    rows = xp.arange(count)
    for j in range(k):
        p = piv[:, j]
        keep = perm[:, j].copy()
        perm[:, j] = perm[rows, p]
        perm[rows, p] = keep
    return perm.reshape((*batch, m))


def _cholesky_info(xp: Any, a: Any) -> Any:
    """The order of the first leading minor that is not positive-definite, per matrix (0 when PD)."""
    *batch, n, _ = a.shape
    count = int(np.prod(batch)) if batch else 1
    work = a.reshape(count, n, n)
    low = xp.zeros_like(work)
    info = xp.zeros(count, dtype=xp.int32)
    for j in range(n):
        row = low[:, j, :j]
        d = work[:, j, j] - xp.sum(row * row.conj(), axis=-1)
        d = d.real
        bad = ~(d > 0)
        info = xp.where((info == 0) & bad, j + 1, info).astype(xp.int32)
        root = xp.sqrt(xp.where(bad, 1, d))
        low[:, j, j] = root
        if j + 1 < n:
            below = work[:, j + 1 :, j] - xp.einsum("bik,bk->bi", low[:, j + 1 :, :j], row.conj())
            low[:, j + 1 :, j] = below / root[:, None]
    return info.reshape(tuple(batch))


# ------------------------------------------------------------------ differentiable helpers used by vjps


def eye_like(a: Tensor, n: int | None = None) -> Tensor:
    """An identity matrix of ``a``'s dtype and device (``a``'s last size unless ``n``)."""
    from .creation import eye

    size = a.shape[-1] if n is None else n
    return eye(size, dtype=a.dtype, device=a.device)


def _mh(x: Tensor) -> Tensor:
    return x.mH  # type: ignore[no-any-return,attr-defined]


def _diag_embed(x: Tensor) -> Tensor:
    from .shape import diag_embed

    return diag_embed(x)


def _diagonal(x: Tensor) -> Tensor:
    from .shape import diagonal

    return diagonal(x, 0, -2, -1)


def _real_diag_imag_free(x: Tensor) -> Tensor:
    """``x`` with its diagonal replaced by ``i * imag(diag x)`` (complex) or zero (real)."""
    eye = eye_like(x)
    off = x * (1 - eye)
    if x.dtype.is_complex:
        return off + _diag_embed(_diagonal(x).imag * 1j)  # type: ignore[attr-defined,no-any-return]
    return off


def _none_to_zero(g: Tensor | None, like: Tensor) -> Tensor:
    if g is not None:
        return g
    from .creation import zeros_like

    return zeros_like(like)


# ------------------------------------------------------------------ inv


def _inv_forward(xp: Any, a: Any, op: str, check_errors: bool) -> tuple[Any, Any]:
    info = None
    try:
        result = xp.linalg.inv(a)
    except Exception:  # NumPy's LinAlgError: a singular matrix; see NOTE [ Linalg errors ]
        result = None
    if result is None or (xp is not np and bool(xp.isnan(result).any())):
        info = lu_arrays(xp, a)[2]
        if check_errors:
            index, value = _first_failure(xp, info)
            if index >= 0:
                raise LinAlgError(
                    f"{op}: {_batch_prefix(a.shape, index)}The diagonal element {value} is zero, the inversion "
                    "could not be completed because the input matrix is singular."
                )
        if result is None:
            eye = xp.eye(a.shape[-1], dtype=a.dtype)
            safe = xp.where((info != 0)[..., None, None], eye, a)
            result = xp.where((info != 0)[..., None, None], xp.asarray(xp.inf, dtype=a.dtype), xp.linalg.inv(safe))
    if info is None:
        info = xp.zeros(a.shape[:-2], dtype=xp.int32)
    return result.astype(a.dtype, copy=False), info


def _inv_vjp(ctx: Any, grad: Any) -> tuple[Tensor | None]:
    g = grad[0]
    inverse = _mh(ctx.result[0])
    return (-(inverse @ g @ inverse),)


def _inv_jvp(ctx: Any, t: Tensor) -> Any:
    inverse = ctx.result[0]
    return (-(inverse @ t @ inverse), None)


def _square_samples(make_fn: Any) -> Any:
    def samples(device: Any, d: dtype) -> Any:
        from ..testing import SampleInput

        for shape, name in (((3, 3), "2d"), ((2, 3, 3), "batched"), ((2, 1, 2, 2), "batched-4d"), ((0, 0), "empty")):
            yield SampleInput(make_fn(shape, d, device), name=name)
        yield SampleInput(_mT(make_fn((3, 3), d, device)), name="noncontiguous")

    return samples


def _mT(x: Tensor) -> Tensor:
    return x.mT  # type: ignore[no-any-return,attr-defined]


def well_conditioned(shape: tuple[int, ...], d: dtype, device: Any) -> Tensor:
    """A random batch of well-conditioned square matrices: ``X + n I`` with ``X`` uniform in ``[-1, 1)``."""
    from ..testing import make_tensor

    n = shape[-1]
    x = make_tensor(*shape, dtype=d, device=device, low=-1.0, high=1.0)
    return x + eye_like(x) * float(n + 1)


def positive_definite(shape: tuple[int, ...], d: dtype, device: Any) -> Tensor:
    """A random batch of Hermitian positive-definite matrices ``X X^H + n I``."""
    from ..testing import make_tensor

    n = shape[-1]
    x = make_tensor(*shape, dtype=d, device=device, low=-1.0, high=1.0)
    return x @ _mh(x) + eye_like(x) * float(n)


INV = register_op(
    OpRecord(
        name="linalg_inv_ex",
        forward=_inv_forward,
        vjp=_inv_vjp,
        jvp=_inv_jvp,
        saves_result=True,
        num_outputs=2,
        differentiable_outputs=(0,),
        dtypes=LINALG_DTYPES,
        test=OpTest(
            samples=_square_samples(well_conditioned),
            reference=np.linalg.inv,
            torch_name="linalg.inv",
            atol=1e-4,
            rtol=1e-4,
        ),
    )
)


def run_inv(op: str, a: Tensor, check_errors: bool) -> tuple[Tensor, Tensor]:
    """``(inverse, info)`` of the square matrices ``a`` (already checked)."""
    return call(INV, a._device, (a,), (op, check_errors))  # type: ignore[no-any-return]


def inv_(a: Tensor) -> Tensor:
    """The differentiable inverse used by vjps and composites (no argument checks)."""
    return run_inv("linalg.inv", a, True)[0]


# ------------------------------------------------------------------ det, slogdet


def _det_forward(xp: Any, a: Any) -> Any:
    if a.shape[-1] == 0:
        return xp.ones(a.shape[:-2], dtype=a.dtype)
    return xp.asarray(xp.linalg.det(a)).astype(a.dtype, copy=False)


def _det_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None]:
    """``grad * adj(A)^H``: ``conj(det) A^-H`` for an invertible ``A``; from the SVD where a determinant is 0
    (found on the host, so on the CPU only: on a GPU a singular matrix still gets inv's infs and NaNs)."""
    a = ctx.inputs[0]
    det = ctx.result
    if _singular_on_host(a, lambda: det._data == 0):
        return (grad.unsqueeze(-1).unsqueeze(-1) * _mh(_adjugate(a)),)
    scale = (grad * det.conj()).unsqueeze(-1).unsqueeze(-1)  # type: ignore[attr-defined]
    return (scale * _mh(inv_(a)),)


def _singular_on_host(a: Tensor, singular: Any) -> bool:
    """Whether any of ``a``'s matrices is singular (``singular()``: the mask, asked on the CPU only: on a GPU the
    question would wait for the device, and inv's infs and NaNs stand)."""
    return xp_of(a._device) is np and a._data.shape[-1] > 0 and bool(np.any(singular()))


def _adjugate(a: Tensor) -> Tensor:
    """``adj(A) = det(U) det(V^H) V diag(prod of the other singular values) U^H`` for ``A = U S V^H``: defined for
    singular matrices too (PyTorch's det gradient there)."""
    from .reduction_core import _prod_of_others

    u, s, vh = call(SVD, a._device, (a,), (False,))
    rotation = call(DET, a._device, (u,), ()) * call(DET, a._device, (vh,), ())
    others = _prod_of_others(s, -1).to(a.dtype)
    adjugate: Tensor = (_mh(vh) * others.unsqueeze(-2)) @ _mh(u)
    return adjugate * rotation.unsqueeze(-1).unsqueeze(-1)  # type: ignore[no-any-return]


DET = register_op(
    OpRecord(
        name="linalg_det",
        forward=_det_forward,
        vjp=_det_vjp,
        saves_inputs=(0,),
        saves_result=True,
        dtypes=LINALG_DTYPES,
        test=OpTest(
            samples=_square_samples(well_conditioned),
            reference=np.linalg.det,
            torch_name="linalg.det",
            atol=1e-3,
            rtol=1e-4,
        ),
    )
)


def _slogdet_forward(xp: Any, a: Any) -> tuple[Any, Any]:
    if a.shape[-1] == 0:
        return xp.ones(a.shape[:-2], dtype=a.dtype), xp.zeros(a.shape[:-2], dtype=a.real.dtype)
    sign, logabs = xp.linalg.slogdet(a)
    return xp.asarray(sign).astype(a.dtype, copy=False), xp.asarray(logabs).astype(a.real.dtype, copy=False)


def _slogdet_vjp(ctx: Any, grad: Any) -> tuple[Tensor | None]:
    g_sign, g_logabs = grad
    a = ctx.inputs[0]
    sign = ctx.result[0]
    if ctx.input_dtypes[0].is_complex:
        g = _none_to_zero(g_logabs, sign.real).to(sign.dtype)
        if g_sign is not None:
            g = g + (sign.conj() * g_sign).imag * 1j
    else:
        if g_logabs is None:
            return (None,)
        g = g_logabs
    logabs = ctx.result[1]
    if _singular_on_host(a, lambda: np.isneginf(logabs._data)):
        # a singular matrix: A^-H = adj(A)^H / conj(det), infinite (inv would raise), as PyTorch's
        det = call(DET, a._device, (a,), ())
        inverse_h = _mh(_adjugate(a)) / det.conj().unsqueeze(-1).unsqueeze(-1)  # type: ignore[attr-defined]
        return (g.unsqueeze(-1).unsqueeze(-1) * inverse_h,)  # type: ignore[attr-defined]
    return (g.unsqueeze(-1).unsqueeze(-1) * _mh(inv_(a)),)  # type: ignore[attr-defined]


SLOGDET = register_op(
    OpRecord(
        name="linalg_slogdet",
        forward=_slogdet_forward,
        vjp=_slogdet_vjp,
        saves_inputs=(0,),
        saves_result=True,
        num_outputs=2,
        dtypes=LINALG_DTYPES,
        test=OpTest(
            samples=_square_samples(well_conditioned),
            reference=lambda a: tuple(np.linalg.slogdet(a)),
            torch_name="linalg.slogdet",
            atol=1e-4,
            rtol=1e-4,
        ),
    )
)


# ------------------------------------------------------------------ solve


def _broadcast_batches(xp: Any, a: Any, b: Any) -> tuple[Any, Any, tuple[int, ...]]:
    """``a`` and ``b`` with their batch dimensions (all but the last two) broadcast to each other."""
    batch = a.shape[:-2]
    if batch == b.shape[:-2]:
        return a, b, batch
    batch = np.broadcast_shapes(batch, b.shape[:-2])
    return xp.broadcast_to(a, (*batch, *a.shape[-2:])), xp.broadcast_to(b, (*batch, *b.shape[-2:])), batch


def _solve_forward(xp: Any, a: Any, b: Any, check_errors: bool) -> tuple[Any, Any]:
    a, b, batch = _broadcast_batches(xp, a, b)
    info = None
    try:
        result = xp.linalg.solve(a, b) if a.size and b.size else xp.zeros(b.shape, dtype=a.dtype)
    except Exception:  # a singular matrix: see NOTE [ Linalg errors ]
        result = None
    if result is None or (xp is not np and bool(xp.isnan(result).any())):
        info = lu_arrays(xp, a)[2]
        if check_errors:
            index, _ = _first_failure(xp, info)
            if index >= 0:
                raise LinAlgError(
                    f"torch.linalg.solve: {_batch_prefix(a.shape, index)}The solver failed because the input "
                    "matrix is singular."
                )
        if result is None:
            bad = (info != 0)[..., None, None]
            eye = xp.eye(a.shape[-1], dtype=a.dtype)
            result = xp.where(bad, xp.asarray(xp.nan, dtype=a.dtype), xp.linalg.solve(xp.where(bad, eye, a), b))
    if info is None:
        info = xp.zeros(batch, dtype=xp.int32)
    return result.astype(a.dtype, copy=False), info


def _solve_vjp(ctx: Any, grad: Any) -> tuple[Tensor | None, Tensor | None]:
    from ._grad_utils import reduce_to_shape

    g = grad[0]
    a = ctx.inputs[0]
    x = ctx.result[0]
    g_b = solve_(_mh(a), g)
    g_a = None
    if ctx.needs_input_grad[0]:
        g_a = reduce_to_shape(-(g_b @ _mh(x)), ctx.input_shapes[0])
    return g_a, reduce_to_shape(g_b, ctx.input_shapes[1])


def _solve_jvp(ctx: Any, ta: Tensor | None, tb: Tensor | None) -> Any:
    a = ctx.inputs[0]
    x = ctx.result[0]
    rhs: Any = tb if ta is None else (-(ta @ x) if tb is None else tb - ta @ x)
    return (solve_(a, rhs), None)


def _solve_samples(device: Any, d: dtype) -> Any:
    from ..testing import SampleInput, make_tensor

    def make(*shape: int) -> Tensor:
        return make_tensor(*shape, dtype=d, device=device, low=-1.0, high=1.0)

    yield SampleInput(well_conditioned((3, 3), d, device), args=(make(3, 2),), name="2d")
    yield SampleInput(well_conditioned((2, 3, 3), d, device), args=(make(2, 3, 1),), name="batched")
    yield SampleInput(well_conditioned((2, 1, 3, 3), d, device), args=(make(4, 3, 2),), name="broadcast")
    yield SampleInput(well_conditioned((3, 3), d, device), args=(make(3),), name="vector")
    yield SampleInput(well_conditioned((2, 3, 3), d, device), args=(make(2, 3),), name="batched-vector")
    yield SampleInput(_mT(well_conditioned((3, 3), d, device)), args=(_mT(make(2, 3)),), name="noncontiguous")


def _solve_reference(a: Any, b: Any) -> Any:
    if b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1]):
        return np.linalg.solve(a, b[..., None])[..., 0]
    return np.linalg.solve(a, b)


SOLVE = register_op(
    OpRecord(
        name="linalg_solve_ex",
        forward=_solve_forward,
        vjp=_solve_vjp,
        jvp=_solve_jvp,
        saves_inputs=(0,),
        saves_result=True,
        num_outputs=2,
        differentiable_outputs=(0,),
        dtypes=LINALG_DTYPES,
        test=OpTest(
            samples=_solve_samples, reference=_solve_reference, torch_name="linalg.solve", atol=1e-4, rtol=1e-4
        ),
    )
)


def run_solve(a: Tensor, b: Tensor, check_errors: bool) -> tuple[Tensor, Tensor]:
    """``(X, info)`` with ``A X = B`` for matrices ``b`` (batch dimensions broadcast; already checked)."""
    return call(SOLVE, a._device, (a, b), (check_errors,))  # type: ignore[no-any-return]


def solve_(a: Tensor, b: Tensor) -> Tensor:
    """The differentiable ``A^{-1} B`` (``B`` a batch of matrices) used by vjps and composites."""
    return run_solve(a, b, True)[0]


# ------------------------------------------------------------------ solve_triangular


def _triangle(xp: Any, a: Any, upper: bool, unitriangular: bool) -> Any:
    t = xp.triu(a) if upper else xp.tril(a)
    if unitriangular:
        n = a.shape[-1]
        t = t * (1 - xp.eye(n, dtype=a.dtype)) + xp.eye(n, dtype=a.dtype)
    return t


def _solve_triangular_forward(xp: Any, a: Any, b: Any, upper: bool, unitriangular: bool) -> Any:
    t, b, _ = _broadcast_batches(xp, _triangle(xp, a, upper, unitriangular), b)
    if not (t.size and b.size):
        return xp.zeros(b.shape, dtype=a.dtype)
    if xp is np and not xp.diagonal(t, 0, -2, -1).all():
        # An exactly zero diagonal: LU's pivoting may not even notice (it returns huge finite values); the
        # substitution LAPACK's trtrs runs divides by it, giving PyTorch's infs and NaNs.
        with np.errstate(all="ignore"):
            return _substitute(xp, t, b, upper).astype(a.dtype, copy=False)
    try:
        return xp.linalg.solve(t, b).astype(a.dtype, copy=False)
    except Exception:  # a singular system on a device: NaN, where no host check ran
        diag = xp.diagonal(t, 0, -2, -1)
        safe = t + xp.eye(t.shape[-1], dtype=t.dtype) * (diag == 0)[..., None, :]
        result = xp.linalg.solve(safe, b)
        return xp.where((diag == 0).any(axis=-1)[..., None, None], xp.nan, result).astype(a.dtype, copy=False)


def _substitute(xp: Any, t: Any, b: Any, upper: bool) -> Any:
    """``t^-1 b`` for triangular ``t`` by row substitution (batched), dividing by zero pivots as LAPACK does."""
    n = t.shape[-1]
    x = xp.zeros(b.shape, dtype=xp.result_type(t, b))
    for i in range(n - 1, -1, -1) if upper else range(n):
        known = slice(i + 1, n) if upper else slice(0, i)
        partial = (t[..., i : i + 1, known] @ x[..., known, :])[..., 0, :]
        x[..., i, :] = (b[..., i, :] - partial) / t[..., i, i][..., None]
    return x


def _solve_triangular_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
    from ._grad_utils import reduce_to_shape
    from .shape import tril, triu

    upper, unitriangular = ctx.params
    a = ctx.inputs[0]
    x = ctx.result
    g_b = solve_triangular_(_mh(a), grad, upper=not upper, unitriangular=unitriangular)
    g_a = None
    if ctx.needs_input_grad[0]:
        full = -(g_b @ _mh(x))
        offset = 1 if unitriangular else 0
        g_a = triu(full, offset) if upper else tril(full, -offset)
        g_a = reduce_to_shape(g_a, ctx.input_shapes[0])
    return g_a, reduce_to_shape(g_b, ctx.input_shapes[1])


def _triangular_samples(device: Any, d: dtype) -> Any:
    from ..testing import SampleInput, make_tensor

    def make(*shape: int) -> Tensor:
        return make_tensor(*shape, dtype=d, device=device, low=-1.0, high=1.0)

    a = well_conditioned((3, 3), d, device)
    yield SampleInput(a, args=(make(3, 2),), kwargs={"upper": True}, name="upper")
    yield SampleInput(a, args=(make(3, 2),), kwargs={"upper": False}, name="lower")
    yield SampleInput(a, args=(make(2, 3),), kwargs={"upper": True, "left": False}, name="right")
    yield SampleInput(a, args=(make(3, 1),), kwargs={"upper": False, "unitriangular": True}, name="unit")
    yield SampleInput(well_conditioned((2, 1, 3, 3), d, device), args=(make(4, 3, 2),), kwargs={"upper": True},
                      name="broadcast")  # fmt: skip


def _triangular_reference(a: Any, b: Any, *, upper: bool, left: bool = True, unitriangular: bool = False) -> Any:
    t = _triangle(np, a, upper, unitriangular)
    if left:
        return np.linalg.solve(t, b)
    return np.swapaxes(np.linalg.solve(np.swapaxes(t, -1, -2), np.swapaxes(b, -1, -2)), -1, -2)


SOLVE_TRIANGULAR = register_op(
    OpRecord(
        name="linalg_solve_triangular",
        forward=_solve_triangular_forward,
        vjp=_solve_triangular_vjp,
        saves_inputs=(0,),
        saves_result=True,
        dtypes=LINALG_DTYPES,
        fp_errors=True,
        test=OpTest(
            samples=_triangular_samples,
            reference=_triangular_reference,
            torch_name="linalg.solve_triangular",
            atol=1e-4,
            rtol=1e-4,
        ),
    )
)


def solve_triangular_(a: Tensor, b: Tensor, *, upper: bool, unitriangular: bool = False) -> Tensor:
    """The differentiable left triangular solve (no argument checks)."""
    return call(SOLVE_TRIANGULAR, a._device, (a, b), (upper, unitriangular))  # type: ignore[no-any-return]


# ------------------------------------------------------------------ cholesky


def _cholesky_forward(xp: Any, a: Any, op: str, check_errors: bool) -> tuple[Any, Any]:
    try:
        result = xp.linalg.cholesky(a) if a.size else xp.zeros(a.shape, dtype=a.dtype)
    except Exception:  # not positive-definite: see NOTE [ Linalg errors ]
        result = None
    info = None
    if result is None or (xp is not np and bool(xp.isnan(result).any())):
        info = _cholesky_info(xp, a)
        if result is None:
            result, info = _cholesky_masked(xp, a, info)
        if check_errors:
            index, value = _first_failure(xp, info)
            if index >= 0:
                raise LinAlgError(
                    f"{op}: {_batch_prefix(a.shape, index)}The factorization could not be completed because the "
                    f"input is not positive-definite (the leading minor of order {value} is not positive-definite)."
                )
    if info is None:
        info = xp.zeros(a.shape[:-2], dtype=xp.int32)
    return result.astype(a.dtype, copy=False), info


def _cholesky_masked(xp: Any, a: Any, info: Any) -> tuple[Any, Any]:
    """Factors of the matrices ``info`` passes, NaN for the others (and ``info`` updated).

    The library may still refuse a matrix ``_cholesky_info`` passed (a nearly singular one, rounded the other
    way): then the matrices are factored one at a time and such a one is marked at order ``n``.
    """
    n = a.shape[-1]
    bad = (info != 0)[..., None, None]
    try:
        factors = xp.linalg.cholesky(xp.where(bad, xp.eye(n, dtype=a.dtype), a))
        return xp.where(bad, xp.asarray(xp.nan, dtype=a.dtype), factors), info
    except Exception:
        flat = a.reshape(-1, n, n)
        out = xp.full(flat.shape, xp.nan, dtype=a.dtype)
        flat_info = info.reshape(-1).copy()
        for k in range(flat.shape[0]):
            if flat_info[k] == 0:
                try:
                    out[k] = xp.linalg.cholesky(flat[k])
                except Exception:
                    flat_info[k] = n
        return out.reshape(a.shape), flat_info.reshape(info.shape)


def _cholesky_vjp(ctx: Any, grad: Any) -> tuple[Tensor | None]:
    from .shape import tril

    low = ctx.result[0]
    g = grad[0]
    # L^{-H} P L^{-1} with P = (T + tril(T, -1)^H) / 2, T = tril(L^H g), as PyTorch: Hermitian off the
    # diagonal, whose imaginary part (complex A) is kept
    t = tril(_mh(low) @ g)
    p = (t + _mh(tril(t, -1))) * 0.5
    s = solve_triangular_(_mh(low), p, upper=True)
    return (_mh(solve_triangular_(_mh(low), _mh(s), upper=True)),)


def _pd_samples(device: Any, d: dtype) -> Any:
    from ..testing import SampleInput

    for shape, name in (((3, 3), "2d"), ((2, 3, 3), "batched"), ((0, 0), "empty")):
        yield SampleInput(positive_definite(shape, d, device), name=name)
    yield SampleInput(positive_definite((3, 3), d, device), kwargs={"upper": True}, name="upper")


def _cholesky_reference(a: Any, *, upper: bool = False) -> Any:
    low = np.linalg.cholesky(a)
    return np.conj(np.swapaxes(low, -1, -2)) if upper else low


_SIGN_SKIP = {
    "torch": "the signs (phases) of Q's columns / eigenvectors / singular vectors depend on the LAPACK build; "
    "test_linalg_forward compares sign-invariant quantities with PyTorch"
}
_HERMITIAN_SKIP = {
    "vjp": "the op reads one triangle of a Hermitian input, so an unsymmetric perturbation of the whole input "
    "changes the finite differences; test_linalg_grad checks the gradient through a symmetrising wrapper"
}

CHOLESKY = register_op(
    OpRecord(
        name="linalg_cholesky_ex",
        forward=_cholesky_forward,
        vjp=_cholesky_vjp,
        saves_result=True,
        num_outputs=2,
        differentiable_outputs=(0,),
        dtypes=LINALG_DTYPES,
        test=OpTest(
            samples=_pd_samples,
            reference=_cholesky_reference,
            torch_name="linalg.cholesky",
            atol=1e-4,
            rtol=1e-4,
            skips=_HERMITIAN_SKIP,
        ),
    )
)


def run_cholesky(op: str, a: Tensor, check_errors: bool) -> tuple[Tensor, Tensor]:
    """``(L, info)`` of the Hermitian matrices ``a`` (already checked)."""
    return call(CHOLESKY, a._device, (a,), (op, check_errors))  # type: ignore[no-any-return]


# ------------------------------------------------------------------ qr


def _qr_forward(xp: Any, a: Any, mode: str) -> tuple[Any, Any]:
    m, n = a.shape[-2:]
    if a.size == 0:
        k = min(m, n)
        qcols = m if mode == "complete" else k
        q = xp.zeros((*a.shape[:-2], m, qcols), dtype=a.dtype)
        if qcols:
            q[...] = xp.eye(m, qcols, dtype=a.dtype)
        r = xp.zeros((*a.shape[:-2], qcols, n), dtype=a.dtype)
        return (q if mode != "r" else xp.zeros((0,), dtype=a.dtype)), r
    if mode == "r":
        return xp.zeros((0,), dtype=a.dtype), xp.linalg.qr(a, mode="r").astype(a.dtype, copy=False)
    q, r = xp.linalg.qr(a, mode=mode)
    return q.astype(a.dtype, copy=False), r.astype(a.dtype, copy=False)


def _qr_vjp(ctx: Any, grad: Any) -> tuple[Tensor | None]:
    (mode,) = ctx.params
    g_q, g_r = grad
    q, r = ctx.result
    m, n = ctx.input_shapes[0][-2:]
    if mode == "r":
        raise RuntimeError(
            "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use "
            "linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr."
        )
    if mode == "complete" and m > n:
        raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
    if m < n:
        # A = [X | Y], R = [U | V], X = Q U: the gradient of Y is Q g_V; X sees g_Q + Y g_V^H.
        from .shape import narrow

        g_r_full = _none_to_zero(g_r, r)
        u = narrow(r, -1, 0, m)
        g_u = narrow(g_r_full, -1, 0, m)
        g_v = narrow(g_r_full, -1, m, n - m)
        a = q @ r
        y = narrow(a, -1, m, n - m)
        g_q2 = _none_to_zero(g_q, q) + y @ _mh(g_v)
        g_x = _qr_square_grad(q, u, g_q2, g_u)
        from .shape_join import cat

        return (cat([g_x, q @ g_v], -1),)
    return (_qr_square_grad(q, r, _none_to_zero(g_q, q), _none_to_zero(g_r, r)),)


def _qr_square_grad(q: Tensor, r: Tensor, g_q: Tensor, g_r: Tensor) -> Tensor:
    """The gradient of ``A = Q R`` for ``m >= n``: ``(g_Q + Q K) R^{-H}``.

    With ``N = Q^H g_Q - g_R R^H``, ``K = tril(N - N^H, -1) + i Im diag(N) - N`` (the adjoint of the QR
    tangent map ``dQ = Q(dO - Y) + X``, ``dR = (Y - dO) R``, ``X = dA R^{-1}``, ``Y = Q^H X``).
    """
    from .shape import tril

    big_n = _mh(q) @ g_q - g_r @ _mh(r)
    k = tril(big_n - _mh(big_n), -1) - big_n
    if big_n.dtype.is_complex:
        k = k + _diag_embed(_diagonal(big_n).imag * 1j)  # type: ignore[attr-defined]
    w = g_q + q @ k
    # W R^{-H}: solve X R^H = W, i.e. R X^H = W^H
    return _mh(solve_triangular_(r, _mh(w), upper=True))


def _qr_samples(device: Any, d: dtype) -> Any:
    from ..testing import SampleInput, make_tensor

    def make(*shape: int) -> Tensor:
        return make_tensor(*shape, dtype=d, device=device, low=-1.0, high=1.0)

    yield SampleInput(well_conditioned((3, 3), d, device), name="square")
    yield SampleInput(make(4, 3), name="tall")
    yield SampleInput(make(2, 4, 2), name="batched")
    yield SampleInput(make(3, 3), kwargs={"mode": "complete"}, name="complete")


QR = register_op(
    OpRecord(
        name="linalg_qr",
        forward=_qr_forward,
        vjp=_qr_vjp,
        saves_result=True,
        num_outputs=2,
        dtypes=LINALG_DTYPES,
        test=OpTest(samples=_qr_samples, torch_name="linalg.qr", atol=1e-4, rtol=1e-4, skips=_SIGN_SKIP),
    )
)


# ------------------------------------------------------------------ eigh


def _eigh_forward(xp: Any, a: Any, uplo: str) -> tuple[Any, Any]:
    if a.size == 0:
        return xp.zeros(a.shape[:-1], dtype=a.real.dtype), xp.zeros(a.shape, dtype=a.dtype)
    w, v = xp.linalg.eigh(a, UPLO=uplo)
    return w.astype(a.real.dtype, copy=False), v.astype(a.dtype, copy=False)


def _gauge_check(op: str, what: str, x: Tensor) -> None:
    """PyTorch's check that a loss does not depend on the phases of complex eigen/singular vectors."""
    if x.dtype.is_complex and x.numel() and float(_diagonal(x).imag.abs().max()) > 1e-4:  # type: ignore[attr-defined]
        raise RuntimeError(
            f"{op}: The {what} in the complex case are specified up to multiplication by e^{{i phi}}. "
            "The specified loss function depends on this quantity, so it is ill-defined."
        )


def _eigh_vjp(ctx: Any, grad: Any) -> tuple[Tensor | None]:
    g_l, g_v = grad
    w, v = ctx.result
    if g_v is None:
        return ((v * g_l.unsqueeze(-2)) @ _mh(v),)
    vhgv = _mh(v) @ g_v
    _gauge_check("linalg_eigh_backward", "eigenvectors", vhgv)
    eye = eye_like(vhgv)
    e = w.unsqueeze(-2) - w.unsqueeze(-1) + eye.real  # type: ignore[attr-defined]
    inner = ((vhgv - _mh(vhgv)) * 0.5 / e) * (1 - eye)
    if g_l is not None:
        inner = inner + _diag_embed(g_l)
    return (v @ inner @ _mh(v),)


def _hermitian_samples(device: Any, d: dtype) -> Any:
    from ..testing import SampleInput, make_tensor

    def make(*shape: int) -> Tensor:
        x = make_tensor(*shape, dtype=d, device=device, low=-1.0, high=1.0)
        return x + _mh(x)

    yield SampleInput(make(3, 3), name="2d")
    yield SampleInput(make(2, 3, 3), name="batched")
    yield SampleInput(make(3, 3), kwargs={"UPLO": "U"}, name="upper")
    yield SampleInput(make(0, 0), name="empty")


def _eigh_reference(a: Any, UPLO: Any = "L") -> Any:
    return np.linalg.eigvalsh(a, UPLO=UPLO)  # check_forward compares the first output, the eigenvalues


EIGH = register_op(
    OpRecord(
        name="linalg_eigh",
        forward=_eigh_forward,
        vjp=_eigh_vjp,
        saves_result=True,
        num_outputs=2,
        dtypes=LINALG_DTYPES,
        test=OpTest(
            samples=_hermitian_samples,
            reference=_eigh_reference,
            torch_name="linalg.eigh",
            atol=1e-4,
            rtol=1e-4,
            skips={**_HERMITIAN_SKIP, **_SIGN_SKIP},
        ),
    )
)


# ------------------------------------------------------------------ svd


def _svd_forward(xp: Any, a: Any, full_matrices: bool) -> tuple[Any, Any, Any]:
    m, n = a.shape[-2:]
    if a.size == 0:
        k = min(m, n)
        ucols, vrows = (m, n) if full_matrices else (k, k)
        u = xp.zeros((*a.shape[:-2], m, ucols), dtype=a.dtype)
        vh = xp.zeros((*a.shape[:-2], vrows, n), dtype=a.dtype)
        if ucols:
            u[...] = xp.eye(m, ucols, dtype=a.dtype)
        if vrows:
            vh[...] = xp.eye(vrows, n, dtype=a.dtype)
        return u, xp.zeros((*a.shape[:-2], k), dtype=a.real.dtype), vh
    u, s, vh = xp.linalg.svd(a, full_matrices=full_matrices)
    return u.astype(a.dtype, copy=False), s.astype(a.real.dtype, copy=False), vh.astype(a.dtype, copy=False)


def _svd_vjp(ctx: Any, grad: Any) -> tuple[Tensor | None]:
    from .shape import narrow

    g_u, g_s, g_vh = grad
    u, s, vh = ctx.result
    m, n = ctx.input_shapes[0][-2:]
    k = min(m, n)
    if u.shape[-1] != k:  # full_matrices: only the first k singular vectors are determined
        u = narrow(u, -1, 0, k)
        g_u = None if g_u is None else narrow(g_u, -1, 0, k)
    if vh.shape[-2] != k:
        vh = narrow(vh, -2, 0, k)
        g_vh = None if g_vh is None else narrow(g_vh, -2, 0, k)
    return (svd_backward(g_u, g_s, g_vh, u, s, vh),)


def svd_backward(
    g_u: Tensor | None, g_s: Tensor | None, g_vh: Tensor | None, u: Tensor, s: Tensor, vh: Tensor
) -> Tensor | None:
    """The gradient of ``A = U diag(S) Vh`` (reduced SVD) given the gradients of its three factors."""
    m, n = u.shape[-2], vh.shape[-1]
    k = s.shape[-1]
    if g_u is None and g_vh is None:
        if g_s is None:
            return None
        g_s_c = g_s.to(u.dtype)  # type: ignore[attr-defined]
        return (u * g_s_c.unsqueeze(-2)) @ vh  # type: ignore[no-any-return]
    complex_input = u.dtype.is_complex
    v = _mh(vh)
    s_c = s.to(u.dtype)  # type: ignore[attr-defined]
    eye = eye_like(u, k)
    s2 = s * s
    e = s2.unsqueeze(-2) - s2.unsqueeze(-1) + eye.real  # type: ignore[attr-defined]
    ret: Tensor | None = None
    uhgu = None
    vhgv = None
    if g_u is not None:
        uhgu = _mh(u) @ g_u
    if g_vh is not None:
        vhgv = _mh(v) @ _mh(g_vh)
    if complex_input:
        total = uhgu if vhgv is None else (vhgv if uhgu is None else uhgu + vhgv)
        assert total is not None
        _gauge_check("linalg_svd_backward", "singular vectors", total)
    if uhgu is not None:
        ret = (uhgu - _mh(uhgu)) * s_c.unsqueeze(-2)
    if vhgv is not None:
        term = s_c.unsqueeze(-1) * (vhgv - _mh(vhgv))
        ret = term if ret is None else ret + term
    assert ret is not None
    ret = ret / e * (1 - eye)
    if g_s is not None:
        ret = ret + _diag_embed(g_s.to(u.dtype))  # type: ignore[attr-defined]
    if complex_input:
        # the phases: with dU^H U and dV^H V splitting Im diag(U^H dA V) / S evenly (the loss is gauge invariant)
        imag = _diagonal(uhgu).imag if uhgu is not None else None  # type: ignore[attr-defined]
        if vhgv is not None:
            imag = -_diagonal(vhgv).imag if imag is None else imag - _diagonal(vhgv).imag  # type: ignore[attr-defined]
        ret = ret + _diag_embed(imag / (2 * s) * 1j)
    if m > k and g_u is not None:
        ret = u @ ret
        g_u_sinv = g_u / s_c.unsqueeze(-2)
        ret = ret + g_u_sinv - u @ (_mh(u) @ g_u_sinv)
        return ret @ vh
    if n > k and g_vh is not None:
        ret = ret @ vh
        g_v_sinv = _mh(g_vh) / s_c.unsqueeze(-2)
        ret = ret + _mh(g_v_sinv - v @ (_mh(v) @ g_v_sinv))
        return u @ ret
    return u @ ret @ vh


def _svd_samples(device: Any, d: dtype) -> Any:
    from ..testing import SampleInput, make_tensor

    def make(*shape: int) -> Tensor:
        return make_tensor(*shape, dtype=d, device=device, low=-1.0, high=1.0)

    yield SampleInput(make(3, 3), name="square")
    yield SampleInput(make(4, 3), name="tall")
    yield SampleInput(make(2, 4), name="wide")
    yield SampleInput(make(2, 3, 2), name="batched")
    yield SampleInput(_mT(make(3, 4)), name="noncontiguous")


def _svd_reference(a: Any) -> Any:
    return np.linalg.svd(a, compute_uv=False)


SVD = register_op(
    OpRecord(
        name="linalg_svd",
        forward=_svd_forward,
        vjp=_svd_vjp,
        saves_result=True,
        num_outputs=3,
        dtypes=LINALG_DTYPES,
        test=OpTest(
            samples=_svd_samples,
            reference=_svd_reference,
            torch_name="linalg.svdvals",
            atol=1e-4,
            rtol=1e-4,
        ),
    )
)


# ------------------------------------------------------------------ eig (forward only)


def _eig_forward(xp: Any, a: Any) -> tuple[Any, Any]:
    ctype = np.result_type(a.dtype, np.complex64)
    if a.size == 0:
        return xp.zeros(a.shape[:-1], dtype=ctype), xp.zeros(a.shape, dtype=ctype)
    if not hasattr(xp.linalg, "eig"):  # CuPy has no general eigensolver: run it on the host
        w, v = np.linalg.eig(xp.asnumpy(a))
        return xp.asarray(w.astype(ctype)), xp.asarray(v.astype(ctype))
    w, v = xp.linalg.eig(a)
    return w.astype(ctype, copy=False), v.astype(ctype, copy=False)


def _eig_vjp(ctx: Any, grad: Any) -> tuple[Tensor | None]:
    """PyTorch's eig backward: ``gA = V^{-H} (diag(gL) + (V^H gV - V^H V Re diag(V^H gV)) / conj(E)) V^H``."""
    g_l, g_v = grad
    w, v = ctx.result
    vh = _mh(v)
    if g_v is None:
        inner = _diag_embed(g_l)
    else:
        vhgv = vh @ g_v
        _gauge_check("linalg_eig_backward", "eigenvectors", vhgv)
        eye = eye_like(vhgv)
        e = (w.conj().unsqueeze(-2) - w.conj().unsqueeze(-1)) + eye
        inner = (vhgv - (vh @ v) * _diagonal(vhgv).real.unsqueeze(-2)) / e * (1 - eye)  # type: ignore[attr-defined]
        if g_l is not None:
            inner = inner + _diag_embed(g_l)
    g_a = solve_(vh, inner @ vh)
    return (g_a if ctx.input_dtypes[0].is_complex else g_a.real,)  # type: ignore[attr-defined]


EIG = register_op(
    OpRecord(
        name="linalg_eig",
        forward=_eig_forward,
        vjp=_eig_vjp,
        saves_result=True,
        num_outputs=2,
        dtypes=LINALG_DTYPES,
        test=OpTest(
            samples=_square_samples(well_conditioned),
            reference=np.linalg.eigvals,
            torch_name="linalg.eigvals",
            atol=1e-4,
            rtol=1e-4,
        ),
    )
)


# ------------------------------------------------------------------ matrix_exp


# Padé [13/13] coefficients and the 1-norm bound of the scaled matrix (Higham 2005).
_PADE13 = (
    64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0, 129060195264000.0,
    10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0,
)  # fmt: skip
_THETA13 = 5.371920351148152


def _matrix_exp_forward(xp: Any, a: Any) -> Any:
    n = a.shape[-1]
    if a.size == 0:
        return a.copy()
    if n == 1:
        return xp.exp(a)
    norm = xp.abs(a).sum(axis=-2).max(axis=-1)
    with np.errstate(divide="ignore"):
        s = xp.maximum(0, xp.ceil(xp.log2(xp.maximum(norm, 1e-300) / _THETA13))).astype(xp.int64)
    s = xp.where(xp.isfinite(norm), s, 0)
    x = a / (2.0 ** s.astype(a.real.dtype))[..., None, None]
    b = _PADE13
    eye = xp.eye(n, dtype=a.dtype)
    x2 = x @ x
    x4 = x2 @ x2
    x6 = x4 @ x2
    u = x @ (x6 @ (b[13] * x6 + b[11] * x4 + b[9] * x2) + b[7] * x6 + b[5] * x4 + b[3] * x2 + b[1] * eye)
    v = x6 @ (b[12] * x6 + b[10] * x4 + b[8] * x2) + b[6] * x6 + b[4] * x4 + b[2] * x2 + b[0] * eye
    r = xp.linalg.solve(v - u, v + u)
    steps = int(s.max()) if s.size else 0
    for i in range(steps):
        r = xp.where((s > i)[..., None, None], r @ r, r)
    return r.astype(a.dtype, copy=False)


def _matrix_exp_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None]:
    return (matrix_exp_backward(ctx.inputs[0], grad),)


def matrix_exp_backward(a: Tensor, grad: Tensor) -> Tensor:
    """``exp([[A^H, G], [0, A^H]])``'s upper-right block: the vjp of ``matrix_exp`` at ``A``."""
    from .creation import zeros_like
    from .shape import narrow
    from .shape_join import cat

    n = a.shape[-1]
    ah = _mh(a)
    grad = grad.expand(a.shape) if tuple(grad.shape) != tuple(a.shape) else grad  # type: ignore[attr-defined]
    top = cat([ah, grad], -1)
    bottom = cat([zeros_like(ah), ah], -1)
    big = call(MATRIX_EXP, a._device, (cat([top, bottom], -2),), ())
    return narrow(narrow(big, -2, 0, n), -1, n, n)


def _matrix_exp_samples(device: Any, d: dtype) -> Any:
    from ..testing import SampleInput, make_tensor

    def make(*shape: int) -> Tensor:
        return make_tensor(*shape, dtype=d, device=device, low=-1.0, high=1.0)

    yield SampleInput(make(3, 3), name="2d")
    yield SampleInput(make(2, 3, 3), name="batched")
    yield SampleInput(make(2, 2) * 8, name="scaled")
    yield SampleInput(make(1, 1), name="1x1")
    yield SampleInput(make(0, 0), name="empty")


def _expm_reference(a: Any) -> Any:
    # Taylor series in extended steps: adequate for the small test matrices.
    a = np.asarray(a, dtype=np.complex128 if np.iscomplexobj(a) else np.float64)
    if a.size == 0:
        return a.copy()
    s = 8
    x = a / 2.0**s
    result = np.broadcast_to(np.eye(a.shape[-1]), a.shape).astype(a.dtype)
    term = result.copy()
    for k in range(1, 30):
        term = term @ x / k
        result = result + term
    for _ in range(s):
        result = result @ result
    return result


MATRIX_EXP = register_op(
    OpRecord(
        name="linalg_matrix_exp",
        forward=_matrix_exp_forward,
        vjp=_matrix_exp_vjp,
        saves_inputs=(0,),
        dtypes=LINALG_DTYPES,
        fp_errors=True,
        test=OpTest(
            samples=_matrix_exp_samples, reference=_expm_reference, torch_name="linalg.matrix_exp", atol=1e-4,
            rtol=1e-4,
        ),
    )
)  # fmt: skip


# ------------------------------------------------------------------ lu_factor


def _lu_factor_forward(xp: Any, a: Any, pivot: bool) -> tuple[Any, Any, Any]:
    lu, pivots, info, _ = lu_arrays(xp, a, pivot)
    return lu, pivots, info


def _lu_factor_vjp(ctx: Any, grad: Any) -> tuple[Tensor | None]:
    from .shape import tril, triu

    g = grad[0]
    lu, pivots, _ = ctx.result
    m, n = ctx.input_shapes[0][-2:]
    if m != n:
        raise NotImplementedError("linalg.lu_factor: the derivative is implemented for square matrices only")
    low = tril(lu, -1) + eye_like(lu)
    up = triu(lu)
    g_l = tril(g, -1)
    g_u = triu(g)
    # A = P L U: gA = P L^{-H} (tril(L^H gL, -1) + triu(gU U^H)) U^{-H}
    phi = tril(_mh(low) @ g_l, -1) + triu(g_u @ _mh(up))
    x = solve_triangular_(_mh(low), phi, upper=True, unitriangular=True)
    x = _mh(solve_triangular_(up, _mh(x), upper=True))
    return (apply_permutation(x, pivots, inverse=True),)


def apply_permutation(x: Tensor, pivots: Tensor, *, inverse: bool) -> Tensor:
    """``P^T X`` (rows of ``X`` in pivot order; ``inverse=False``) or ``P X`` (``inverse=True``), ``A = P L U``."""
    from .._tensor_base import wrap
    from .scatter import take_along_dim

    xp = x._device._xp or xp_of(x._device)
    m = x.shape[-2]
    perm = pivots_to_perm(xp, pivots._data, m)
    if inverse:
        perm = xp.argsort(perm, axis=-1)
    index = wrap(perm[..., :, None], x._device)
    batch = np.broadcast_shapes(tuple(x.shape[:-2]), tuple(perm.shape[:-1]))
    target = (*batch, m, x.shape[-1])
    return take_along_dim(x.expand(target), index.expand((*batch, m, 1)).expand(target), -2)  # type: ignore[attr-defined]


def _lu_samples(device: Any, d: dtype) -> Any:
    from ..testing import SampleInput, make_tensor

    def make(*shape: int) -> Tensor:
        return make_tensor(*shape, dtype=d, device=device, low=-1.0, high=1.0)

    yield SampleInput(make(3, 3), name="2d")
    yield SampleInput(make(2, 4, 4), name="batched")


LU_FACTOR = register_op(
    OpRecord(
        name="linalg_lu_factor_ex",
        forward=_lu_factor_forward,
        vjp=_lu_factor_vjp,
        saves_result=True,
        num_outputs=3,
        differentiable_outputs=(0,),
        dtypes=LINALG_DTYPES,
        test=OpTest(samples=_lu_samples, torch_name="linalg.lu_factor", atol=1e-4, rtol=1e-4),
    )
)
