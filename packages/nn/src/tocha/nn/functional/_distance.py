"""Distances and normalisation: ``cosine_similarity``, ``pairwise_distance``, ``pdist``, ``normalize``.

All are composites of tocha ops (norms, products, sums), so their gradients come from those ops.
"""

from __future__ import annotations

import tocha
from tocha import Tensor
from tocha.library import scalar_type_name

__all__ = ["cosine_similarity", "pairwise_distance", "pdist", "normalize"]


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    r"""Cosine of the angle between ``x1`` and ``x2`` along ``dim`` (the inputs broadcast).

    .. math:: \frac{x_1 \cdot x_2}{\max(\lVert x_1 \rVert, \epsilon)\,\max(\lVert x_2 \rVert, \epsilon)}

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.cosine_similarity(tocha.tensor([[1.0, 0.0], [0.0, 2.0]]), tocha.tensor([[2.0, 0.0], [1.0, 0.0]]))
        tensor([1., 0.])
    """
    common = tocha.result_type(x1, x2)
    if not common.is_floating_point:
        raise RuntimeError(
            f"cosine_similarity: expected common dtype to be floating point, yet common dtype is "
            f"{scalar_type_name(common)} (x1 {x1.dtype}, x2 {x2.dtype})"
        )
    a, b = tocha.broadcast_tensors(x1.to(common), x2.to(common))
    na = a.norm(2, dim, keepdim=True).clamp_min(eps)
    nb = b.norm(2, dim, keepdim=True).clamp_min(eps)
    result: Tensor = ((a / na) * (b / nb)).sum(dim)
    return result


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    r"""The ``p``-norm distance :math:`\lVert x_1 - x_2 + \epsilon \rVert_p` along the last dim (inputs broadcast).

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.pairwise_distance(tocha.tensor([[3.0, 0.0]]), tocha.tensor([[0.0, 4.0]]), eps=0.0)
        tensor([5.])
    """
    diff = x1 - x2 + eps
    if diff.dim() == 0:
        result: Tensor = diff.reshape(1).norm(p, 0, keepdim=keepdim)
        return result if keepdim else result.reshape(())
    result = diff.norm(p, diff.dim() - 1, keepdim=keepdim)
    return result


def pdist(input: Tensor, p: float = 2) -> Tensor:
    r"""The ``p``-norm distances between all pairs of rows of ``input`` (``(N, M)``): the upper triangle of
    the distance matrix, row by row, ``N (N - 1) / 2`` values.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.pdist(tocha.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]]))
        tensor([5.0000, 1.0000, 4.2426])
    """
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    n = input.shape[0]
    index = tocha.arange(n, device=input.device)
    above = index.reshape(n, 1) < index.reshape(1, n)  # the strict upper triangle, row by row
    first = index.reshape(n, 1).expand(n, n)[above]
    second = index.reshape(1, n).expand(n, n)[above]
    result: Tensor = (input[first] - input[second]).norm(p, 1)
    return result


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Tensor | None = None) -> Tensor:
    r"""Divide ``input`` by its ``p``-norm along ``dim``: :math:`v / \max(\lVert v \rVert_p, \epsilon)`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.normalize(tocha.tensor([[3.0, 4.0]]))
        tensor([[0.6000, 0.8000]])
    """
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps)
    result: Tensor = input / denom
    if out is not None:
        with tocha.no_grad():
            out.copy_(result)
        return out
    return result
