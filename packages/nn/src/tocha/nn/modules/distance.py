"""CosineSimilarity, PairwiseDistance."""

from __future__ import annotations

from tocha import Tensor

from ..functional._distance import cosine_similarity, pairwise_distance
from .module import Module

__all__: list[str] = ["CosineSimilarity", "PairwiseDistance"]


class PairwiseDistance(Module):
    r"""The ``p``-norm distance :math:`\lVert x_1 - x_2 + \epsilon \rVert_p` along the last dim.

    Args:
        p: the norm degree.
        eps: added to the difference to avoid division by zero in the gradient.
        keepdim: keep the reduced dim.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.PairwiseDistance(eps=0.0)(tocha.tensor([[3.0, 0.0]]), tocha.tensor([[0.0, 4.0]]))
        tensor([5.])
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        """The distances between ``x1`` and ``x2``."""
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class CosineSimilarity(Module):
    """The cosine similarity of ``x1`` and ``x2`` along ``dim``.

    Args:
        dim: the dim along which to compare.
        eps: the smallest norm used in the division.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.CosineSimilarity(dim=0)(tocha.tensor([1.0, 0.0]), tocha.tensor([2.0, 0.0]))
        tensor(1.)
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        """The similarities of ``x1`` and ``x2``."""
        return cosine_similarity(x1, x2, self.dim, self.eps)
