"""Embedding, EmbeddingBag."""

from __future__ import annotations

from typing import Any

import tocha
from tocha import Tensor

from .. import init
from ..functional._sparse import embedding, embedding_bag
from ..parameter import Parameter
from .module import Module

__all__: list[str] = ["Embedding", "EmbeddingBag"]


def _padding_index(padding_idx: int | None, num_embeddings: int) -> int | None:
    if padding_idx is None:
        return None
    if padding_idx > 0:
        if padding_idx >= num_embeddings:
            raise AssertionError("Padding_idx must be within num_embeddings")
    elif padding_idx < 0:
        if padding_idx < -num_embeddings:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx = num_embeddings + padding_idx
    return padding_idx


def _given_weight(weight: Tensor, num_embeddings: int, embedding_dim: int, freeze: bool) -> Parameter:
    if tuple(weight.shape) != (num_embeddings, embedding_dim):
        raise AssertionError("Shape of weight does not match num_embeddings and embedding_dim")
    return Parameter(weight, requires_grad=not freeze)


class Embedding(Module):
    """A lookup table of ``num_embeddings`` vectors of size ``embedding_dim``, as ``torch.nn.Embedding``.

    ``weight`` is drawn from N(0, 1), with the ``padding_idx`` row zeroed; that row's gradient is always zero.

    Args:
        num_embeddings: number of rows.
        embedding_dim: size of each row.
        padding_idx: the row that stays fixed (zeros at initialisation, no gradient); negative counts from the end.
        max_norm: referenced rows whose norm exceeds it are renormalised in place at each lookup.
        norm_type: the p of that norm.
        scale_grad_by_freq: divide each row's gradient by the index's count in the mini-batch.
        sparse: sparse gradients (not supported by tocha; the gradient is dense).
        _weight: an initial weight to use instead of drawing one.
        _freeze: with ``_weight``: don't learn it.
        device: where to create the weight.
        dtype: its dtype.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.Embedding(10, 3, padding_idx=0)
        >>> m
        Embedding(10, 3, padding_idx=0)
        >>> m(tocha.tensor([[0, 2], [4, 9]])).shape
        tocha.Size([2, 2, 3])
    """

    num_embeddings: int
    embedding_dim: int
    padding_idx: int | None
    max_norm: float | None
    norm_type: float
    scale_grad_by_freq: bool
    sparse: bool
    weight: Parameter

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight: Tensor | None = None,
        _freeze: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = _padding_index(padding_idx, num_embeddings)
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        if _weight is None:
            self.weight = Parameter(
                tocha.empty((num_embeddings, embedding_dim), device=device, dtype=dtype), requires_grad=not _freeze
            )
            self.reset_parameters()
        else:
            self.weight = _given_weight(_weight, num_embeddings, embedding_dim, _freeze)
        self.sparse = sparse

    def reset_parameters(self) -> None:
        """``weight`` from N(0, 1), the ``padding_idx`` row zeroed."""
        init.normal_(self.weight)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self) -> None:
        if self.padding_idx is not None:
            with tocha.no_grad():
                self.weight[self.padding_idx] = 0

    def forward(self, input: Tensor) -> Tensor:
        """The rows of ``weight`` at the indices in ``input`` (shape ``input.shape + (embedding_dim,)``)."""
        return embedding(
            input, self.weight, self.padding_idx, self.max_norm, self.norm_type, self.scale_grad_by_freq, self.sparse
        )

    def extra_repr(self) -> str:
        """``num_embeddings, embedding_dim`` and the options that differ from the defaults."""
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            text += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        if self.sparse is not False:
            text += ", sparse=True"
        return text

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Tensor,
        freeze: bool = True,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
    ) -> Embedding:
        """An :class:`Embedding` whose weight is ``embeddings`` (2-D), frozen unless ``freeze=False``.

        Example:
            >>> import tocha
            >>> import tocha.nn as nn
            >>> m = nn.Embedding.from_pretrained(tocha.tensor([[1.0, 2.0], [3.0, 4.0]]))
            >>> m(tocha.tensor([1]))
            tensor([[3., 4.]])
        """
        if embeddings.dim() != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        return cls(
            num_embeddings=rows,
            embedding_dim=cols,
            _weight=embeddings,
            _freeze=freeze,
            padding_idx=padding_idx,
            max_norm=max_norm,
            norm_type=norm_type,
            scale_grad_by_freq=scale_grad_by_freq,
            sparse=sparse,
        )


class EmbeddingBag(Module):
    """Sums, means or maxima of bags of embeddings, as ``torch.nn.EmbeddingBag``.

    Args:
        num_embeddings: number of rows.
        embedding_dim: size of each row.
        max_norm: referenced rows whose norm exceeds it are renormalised in place at each lookup.
        norm_type: the p of that norm.
        scale_grad_by_freq: divide each row's gradient by the index's count in the mini-batch.
        mode: ``"sum"``, ``"mean"`` (default) or ``"max"``.
        sparse: sparse gradients (not supported by tocha).
        _weight: an initial weight to use instead of drawing one.
        include_last_offset: ``offsets`` has one more entry, the end of the last bag.
        padding_idx: entries equal to it belong to no bag (its row is zeroed at initialisation).
        device: where to create the weight.
        dtype: its dtype.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.EmbeddingBag(10, 3, mode="sum")
        >>> m
        EmbeddingBag(10, 3, mode='sum')
        >>> m(tocha.tensor([1, 2, 4, 5, 4]), tocha.tensor([0, 2])).shape
        tocha.Size([2, 3])
    """

    num_embeddings: int
    embedding_dim: int
    max_norm: float | None
    norm_type: float
    scale_grad_by_freq: bool
    mode: str
    sparse: bool
    include_last_offset: bool
    padding_idx: int | None
    weight: Parameter

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        mode: str = "mean",
        sparse: bool = False,
        _weight: Tensor | None = None,
        include_last_offset: bool = False,
        padding_idx: int | None = None,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.padding_idx = _padding_index(padding_idx, num_embeddings)
        if _weight is None:
            self.weight = Parameter(tocha.empty((num_embeddings, embedding_dim), device=device, dtype=dtype))
            self.reset_parameters()
        else:
            self.weight = _given_weight(_weight, num_embeddings, embedding_dim, False)
        self.mode = mode
        self.sparse = sparse
        self.include_last_offset = include_last_offset

    def reset_parameters(self) -> None:
        """``weight`` from N(0, 1), the ``padding_idx`` row zeroed."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with tocha.no_grad():
                self.weight[self.padding_idx] = 0

    def forward(self, input: Tensor, offsets: Tensor | None = None, per_sample_weights: Tensor | None = None) -> Tensor:
        """One row per bag: ``embedding_bag(input, weight, offsets, ...)``."""
        return embedding_bag(
            input,
            self.weight,
            offsets,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
            self.mode,
            self.sparse,
            per_sample_weights,
            self.include_last_offset,
            self.padding_idx,
        )

    def extra_repr(self) -> str:
        """``num_embeddings, embedding_dim`` and the options that differ from the defaults, then ``mode``."""
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            text += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        text += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        return text

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Tensor,
        freeze: bool = True,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        mode: str = "mean",
        sparse: bool = False,
        include_last_offset: bool = False,
        padding_idx: int | None = None,
    ) -> EmbeddingBag:
        """An :class:`EmbeddingBag` whose weight is ``embeddings`` (2-D), frozen unless ``freeze=False``.

        Example:
            >>> import tocha
            >>> import tocha.nn as nn
            >>> m = nn.EmbeddingBag.from_pretrained(tocha.tensor([[1.0, 2.0], [3.0, 4.0]]))
            >>> m(tocha.tensor([[0, 1]]))
            tensor([[2., 3.]])
        """
        if embeddings.dim() != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        bag = cls(
            num_embeddings=rows,
            embedding_dim=cols,
            _weight=embeddings,
            max_norm=max_norm,
            norm_type=norm_type,
            scale_grad_by_freq=scale_grad_by_freq,
            mode=mode,
            sparse=sparse,
            include_last_offset=include_last_offset,
            padding_idx=padding_idx,
        )
        bag.weight.requires_grad = not freeze
        return bag
