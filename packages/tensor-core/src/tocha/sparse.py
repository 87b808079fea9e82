"""``tocha.sparse``: PyTorch's functions on sparse COO tensors (NOTE [ Sparse COO tensors ] in ``tocha._sparse``).

Example:
    >>> import tocha
    >>> adjacency = tocha.sparse_coo_tensor([[0, 1, 2], [1, 2, 0]], [1.0, 1.0, 1.0], (3, 3))
    >>> tocha.sparse.mm(adjacency, tocha.eye(3))
    tensor([[0., 1., 0.],
            [0., 0., 1.],
            [1., 0., 0.]])
"""

from __future__ import annotations

from typing import Any

from ._sparse import SparseCooTensor, dense_mm_sparse, sparse_mm, sparse_softmax, sparse_sum
from ._tensor import Tensor

__all__ = ["addmm", "log_softmax", "mm", "softmax", "sum"]


def mm(mat1: Tensor, mat2: Tensor, reduce: str = "sum") -> Tensor:
    """The product of a sparse and a dense matrix (or of a dense and a sparse one), dense, differentiable in the
    sparse values and the dense matrix.

    Example:
        >>> import tocha
        >>> s = tocha.sparse_coo_tensor([[0, 1], [1, 0]], [2.0, 3.0], (2, 2))
        >>> tocha.sparse.mm(s, tocha.tensor([[1.0], [10.0]]))
        tensor([[20.],
                [ 3.]])
    """
    if reduce != "sum":
        raise NotImplementedError(f"tocha.sparse.mm: reduce={reduce!r} is not supported (only 'sum')")
    if isinstance(mat1, SparseCooTensor):
        return sparse_mm(mat1, mat2)
    if isinstance(mat2, SparseCooTensor):
        return dense_mm_sparse(mat1, mat2)
    raise TypeError("tocha.sparse.mm: one of mat1 and mat2 must be a sparse COO tensor")


def addmm(mat: Tensor, mat1: Tensor, mat2: Tensor, *, beta: float = 1.0, alpha: float = 1.0) -> Tensor:
    """``beta * mat + alpha * (mat1 @ mat2)`` for a sparse ``mat1`` and dense ``mat``, ``mat2``.

    Example:
        >>> import tocha
        >>> s = tocha.sparse_coo_tensor([[0], [0]], [2.0], (1, 1))
        >>> tocha.sparse.addmm(tocha.ones(1, 1), s, tocha.ones(1, 1), alpha=3.0)
        tensor([[7.]])
    """
    product = mm(mat1, mat2)
    return beta * mat + alpha * product if (beta, alpha) != (1.0, 1.0) else mat + product  # type: ignore[no-any-return]


def sum(input: Tensor, dim: Any = None, dtype: Any = None) -> Tensor:
    """The sum of a sparse tensor's values, all of them (dense) or over ``dim`` (sparse while sparse dims remain).

    Example:
        >>> import tocha
        >>> s = tocha.sparse_coo_tensor([[0, 1, 1], [2, 0, 2]], [3.0, 4.0, 5.0], (2, 3))
        >>> tocha.sparse.sum(s)
        tensor(12.)
    """
    return sparse_sum(input, dim, dtype=dtype)


def softmax(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Softmax over the stored entries along ``dim``; entries not stored count as -inf and stay unstored.

    Example:
        >>> import tocha
        >>> s = tocha.sparse_coo_tensor([[0, 0], [0, 2]], [1.0, 1.0], (1, 3))
        >>> tocha.sparse.softmax(s, 1).to_dense()
        tensor([[0.5000, 0.0000, 0.5000]])
    """
    return sparse_softmax(input, dim, dtype)


def log_softmax(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Log-softmax over the stored entries along ``dim`` (see :func:`softmax`).

    Example:
        >>> import tocha
        >>> s = tocha.sparse_coo_tensor([[0, 0], [0, 2]], [1.0, 1.0], (1, 3))
        >>> tocha.sparse.log_softmax(s, 1).values()
        tensor([-0.6931, -0.6931])
    """
    return sparse_softmax(input, dim, dtype, log=True)
