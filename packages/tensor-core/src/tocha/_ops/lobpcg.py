"""``tocha.lobpcg``: the extreme eigenpairs of a symmetric (generalized) eigenproblem, as ``torch.lobpcg``.

PyTorch iterates (LOBPCG) towards the ``k`` largest or smallest eigenpairs of ``A x = λ B x``. tocha's tensors are
dense, so it solves the problem directly instead: ``B = L Lᵀ`` (Cholesky), the eigendecomposition of
``L⁻¹ A L⁻ᵀ``, then ``X = L⁻ᵀ V`` (B-orthonormal). The result is what the iteration converges to, exactly, and
differentiable through the decompositions; the iteration's controls (``X`` beyond its width, ``iK``, ``niter``,
``tol``, ``method``, ``tracker``, the ``ortho_*`` parameters) have nothing to steer and are accepted for
PyTorch's signature.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._tensor_base import TensorBase

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = ["lobpcg"]


def lobpcg(
    A: Tensor,
    k: int | None = None,
    B: Tensor | None = None,
    X: Tensor | None = None,
    n: int | None = None,
    iK: Tensor | None = None,
    niter: int | None = None,
    tol: float | None = None,
    largest: bool | None = None,
    method: str | None = None,
    tracker: Callable[..., Any] | None = None,
    ortho_iparams: dict[str, int] | None = None,
    ortho_fparams: dict[str, float] | None = None,
    ortho_bparams: dict[str, bool] | None = None,
) -> tuple[Tensor, Tensor]:
    """The ``k`` largest (or, with ``largest=False``, smallest) eigenvalues of symmetric ``A`` (``(..., m, m)``)
    and their eigenvectors, of ``A x = λ B x`` when ``B`` is given (``X`` then B-orthonormal): ``(E, X)`` with
    ``E`` ``(..., k)`` ordered from the most extreme and ``X`` ``(..., m, k)``. ``k`` defaults to ``X``'s width
    (else 1). See the module docstring for how tocha solves it.

    Example:
        >>> import tocha
        >>> A = tocha.diag(tocha.tensor([1.0, 5.0, 2.0, 4.0, 3.0, 6.0], dtype=tocha.float64))
        >>> E, X = tocha.lobpcg(A, k=2)
        >>> E, X.abs().argmax(0)
        (tensor([6., 5.], dtype=tocha.float64), tensor([5, 1]))
    """
    from .linalg_decomp import solve_triangular_
    from .linalg_functions import cholesky, eigh

    if not isinstance(A, TensorBase) or A.dim() < 2 or A.shape[-1] != A.shape[-2]:
        raise ValueError(f"lobpcg: A must be a square matrix or a batch of them, got shape {_shape(A)}")
    if B is not None and tuple(B.shape) != tuple(A.shape):
        raise ValueError(f"A and B must have the same shapes, got {tuple(A.shape)} and {tuple(B.shape)}")
    if X is not None and (X.dim() < 2 or X.shape[-2] != A.shape[-1]):
        raise ValueError(f"lobpcg: X must have {A.shape[-1]} rows, got shape {tuple(X.shape)}")
    wanted = k if k is not None else (X.shape[-1] if X is not None else 1)
    width = n if n is not None else (X.shape[-1] if X is not None else wanted)
    rows = A.shape[-1]
    if rows < 3 * width:
        raise ValueError(
            f"LOBPCG algorithm is not applicable when the number of A rows (={rows}) is smaller than 3 x the number"
            f" of requested eigenpairs (={width})"
        )
    if B is None:
        values, vectors = eigh(A)
    else:
        low = cholesky(B)
        left = solve_triangular_(low, A, upper=False)  # L⁻¹ A
        reduced = solve_triangular_(low, left.mT, upper=False)  # L⁻¹ A L⁻ᵀ (A symmetric)
        values, vectors = eigh(reduced)
        vectors = solve_triangular_(low.mT, vectors, upper=True)  # L⁻ᵀ V
    if largest is None or largest:
        return values[..., -wanted:].flip(-1), vectors[..., -wanted:].flip(-1)
    return values[..., :wanted], vectors[..., :wanted]


def _shape(x: Any) -> Any:
    return tuple(x.shape) if hasattr(x, "shape") else type(x).__name__
