"""tocha.nn.attention.flex_attention: attention with score and mask functions (``torch.nn.attention.flex_attention``).

NOTE [ Eager flex attention ]
tocha computes ``flex_attention`` eagerly, as PyTorch does without ``torch.compile``, from tocha ops, so it is
differentiable through ``tocha.autograd`` (including tensors that ``score_mod`` captures; PyTorch's CPU path
refuses gradients):

1. scores :math:`S = s\\,QK^T` in float32 (float64 for float64 inputs), GQA heads repeated;
2. ``score_mod(S, b, h, q_idx, kv_idx)`` with int64 index tensors shaped to broadcast against ``S``
   (``b`` is ``(B, 1, 1, 1)``, ``h`` ``(1, H, 1, 1)``, ``q_idx`` ``(1, 1, L, 1)``, ``kv_idx``
   ``(1, 1, 1, S)``) in place of PyTorch's vmap over scalars: a function of the indices written with tensor
   ops and indexing (``bias[h, q_idx]``) works unchanged;
3. masking by the ``BlockMask``: an element is kept when its block is full, or its block is partial and
   ``mask_mod`` is True; blocks not listed are dropped (the block-sparse kernels' semantics; PyTorch's eager
   path applies ``mask_mod`` alone, which agrees for every mask made by ``create_block_mask`` for the
   batch and heads it is used with; a mask made for ``B=1`` whose ``mask_mod`` reads ``b`` differs);
4. a softmax whose fully masked rows give zeros, an output in the query's dtype, and
   ``lse = logsumexp(scores)`` (``-inf`` on fully masked rows) in the working dtype.

``return_aux=AuxRequest(max_scores=True)`` is computed too (PyTorch refuses it on CPU). No compile warning
is issued: eager is tocha's implementation, not a fallback.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable
from typing import Any, NamedTuple

import tocha
from tocha import Tensor

__all__ = [
    "BlockMask",
    "flex_attention",
    "AuxOutput",
    "AuxRequest",
    "FlexKernelOptions",
    "create_block_mask",
    "create_mask",
    "or_masks",
    "and_masks",
    "noop_mask",
]

_score_mod_signature = Callable[[Tensor, Tensor, Tensor, Tensor, Tensor], Tensor]
_mask_mod_signature = Callable[[Tensor, Tensor, Tensor, Tensor], Tensor]

FlexKernelOptions = dict[str, Any]
"""Options for PyTorch's Triton kernels; accepted and ignored by tocha's eager implementation."""

_DEFAULT_SPARSE_BLOCK_SIZE = 128
_LARGE_SPARSE_BLOCK_SIZE = 1 << 30


class AuxRequest(NamedTuple):
    """Which auxiliary outputs ``flex_attention`` returns (``return_aux=``).

    Example:
        >>> from tocha.nn.attention.flex_attention import AuxRequest
        >>> AuxRequest(lse=True)
        AuxRequest(lse=True, max_scores=False)
    """

    lse: bool = False
    max_scores: bool = False


class AuxOutput(NamedTuple):
    """The auxiliary outputs of ``flex_attention``: each a ``(B, H, L)`` tensor, or None when not requested.

    Example:
        >>> from tocha.nn.attention.flex_attention import AuxOutput
        >>> AuxOutput()
        AuxOutput(lse=None, max_scores=None)
    """

    lse: Tensor | None = None
    max_scores: Tensor | None = None


def noop_mask(batch: Tensor, head: Tensor, token_q: Tensor, token_kv: Tensor) -> Tensor:
    """The mask_mod that keeps everything: a 0-dim ``True``.

    Example:
        >>> import tocha
        >>> from tocha.nn.attention.flex_attention import noop_mask
        >>> i = tocha.tensor(0)
        >>> noop_mask(i, i, i, i)
        tensor(True)
    """
    return tocha.ones((), dtype=tocha.bool, device=batch.device)


def _sliced_mask_mod_error(batch: Tensor, head: Tensor, token_q: Tensor, token_kv: Tensor) -> Tensor:
    raise RuntimeError(
        "Cannot use mask_mod from a sliced BlockMask. When you slice a BlockMask using [], the mask_mod "
        "attribute is reset. You must set it from the original BlockMask's mask_mod."
    )


def or_masks(*mask_mods: _mask_mod_signature) -> _mask_mod_signature:
    """The mask_mod that keeps an element when any of ``mask_mods`` keeps it.

    Raises:
        RuntimeError: an argument is not callable.

    Example:
        >>> from tocha.nn.attention.flex_attention import create_mask, or_masks
        >>> diag = or_masks(lambda b, h, q, k: q == k, lambda b, h, q, k: k == 0)
        >>> create_mask(diag, 1, 1, 2, 2, device="cpu")
        tensor([[[[ True, False],
                  [ True,  True]]]])
    """
    if not all(callable(m) for m in mask_mods):
        raise RuntimeError(f"All inputs should be callable mask_mods: {mask_mods}")

    def or_mask(b: Tensor, h: Tensor, q_idx: Tensor, kv_idx: Tensor) -> Tensor:
        result = tocha.zeros((), dtype=tocha.bool, device=b.device)
        for mask in mask_mods:
            result = result | mask(b, h, q_idx, kv_idx)
        return result

    return or_mask


def and_masks(*mask_mods: _mask_mod_signature) -> _mask_mod_signature:
    """The mask_mod that keeps an element when all of ``mask_mods`` keep it.

    Raises:
        RuntimeError: an argument is not callable.

    Example:
        >>> from tocha.nn.attention.flex_attention import and_masks, create_mask
        >>> band = and_masks(lambda b, h, q, k: q >= k, lambda b, h, q, k: q - k < 2)
        >>> create_mask(band, 1, 1, 3, 3, device="cpu")
        tensor([[[[ True, False, False],
                  [ True,  True, False],
                  [False,  True,  True]]]])
    """
    if not all(callable(m) for m in mask_mods):
        raise RuntimeError(f"All inputs should be callable mask_mods: {mask_mods}")

    def and_mask(b: Tensor, h: Tensor, q_idx: Tensor, kv_idx: Tensor) -> Tensor:
        result = tocha.ones((), dtype=tocha.bool, device=b.device)
        for mask in mask_mods:
            result = result & mask(b, h, q_idx, kv_idx)
        return result

    return and_mask


def _positional_count(fn: Callable[..., Any]) -> int:
    code = getattr(fn, "__code__", None)
    if code is not None:
        return int(code.co_argcount) - len(getattr(fn, "__defaults__", None) or ())
    import inspect

    empty = inspect.Parameter.empty
    return sum(1 for p in inspect.signature(fn).parameters.values() if p.default is empty)


def _is_score_mod(fn: Callable[..., Any]) -> bool:
    count = _positional_count(fn)
    if count not in (4, 5):
        raise AssertionError(f"Expected 4 or 5 positional args, got {count}")
    return count == 5


def _default_device() -> str:
    return "cuda" if tocha.cuda.is_available() else "cpu"


def _grids(shape: tuple[int, int, int, int], device: Any) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Index tensors ``b, h, q_idx, kv_idx`` that broadcast to ``shape``; see NOTE [ Eager flex attention ]."""
    return tuple(  # type: ignore[return-value]
        tocha.arange(n, device=device).reshape([n if i == d else 1 for i in range(4)]) for d, n in enumerate(shape)
    )


def _expand(x: Tensor, shape: tuple[int, ...]) -> Tensor:
    return x if tuple(x.shape) == shape else x.expand(*shape)


def create_mask(
    mod_fn: Callable[..., Tensor],
    B: int | None,
    H: int | None,
    Q_LEN: int,
    KV_LEN: int,
    device: Any = None,
) -> Tensor:
    """The dense boolean ``(B, H, Q_LEN, KV_LEN)`` mask of a mask_mod (or of a score_mod: where not ``-inf``).

    Args:
        mod_fn: ``mask_mod(b, h, q_idx, kv_idx)`` or ``score_mod(score, b, h, q_idx, kv_idx)``.
        B: batch size (1 when None).
        H: number of heads (1 when None).
        Q_LEN: query length.
        KV_LEN: key/value length.
        device: where to build it (CUDA when available, else CPU, when None).

    Returns:
        The mask, ``True`` where attention is kept.

    Example:
        >>> from tocha.nn.attention.flex_attention import create_mask
        >>> create_mask(lambda b, h, q, k: q >= k, 1, 1, 2, 3, device="cpu")
        tensor([[[[ True, False, False],
                  [ True,  True, False]]]])
    """
    device = _default_device() if device is None else device
    shape = (1 if B is None else B, 1 if H is None else H, Q_LEN, KV_LEN)
    b, h, m, n = _grids(shape, device)
    if _is_score_mod(mod_fn):
        out = mod_fn(tocha.zeros(shape, device=device), b, h, m, n)
        return _expand(out.isneginf().logical_not(), shape).contiguous()
    return _expand(mod_fn(b, h, m, n).to(tocha.bool), shape).contiguous()


def _dense_to_ordered(dense: Tensor) -> tuple[Tensor, Tensor]:
    dense = dense.to(tocha.int32)
    num = dense.sum(-1).to(tocha.int32)
    indices = tocha.argsort(dense, dim=-1, descending=True, stable=True).to(tocha.int32)
    return num, indices


def _ordered_to_dense(num: Tensor, indices: Tensor, num_cols: int) -> Tensor:
    entries = indices.shape[-1]
    valid = tocha.arange(entries, device=indices.device) < num.unsqueeze(-1)
    hit = indices.unsqueeze(-1) == tocha.arange(num_cols, device=indices.device)
    kept: Tensor = (hit & valid.unsqueeze(-1)).any(-2)
    return kept.to(tocha.int32)


def _transpose_ordered(num: Tensor, indices: Tensor) -> tuple[Tensor, Tensor]:
    return _dense_to_ordered(_ordered_to_dense(num, indices, indices.shape[-1]).transpose(-2, -1))


def _shape_of(x: Tensor | None) -> Any:
    return None if x is None else x.shape


class BlockMask:
    """A block-sparse attention mask, as ``torch.nn.attention.flex_attention.BlockMask``.

    For each ``BLOCK_SIZE[0]``-row tile of queries, ``kv_num_blocks`` counts the key tiles that are partly
    kept (``mask_mod`` decides inside them) and ``kv_indices`` lists them first; ``full_kv_*`` the same for
    tiles kept whole. ``q_*`` are the transposed lists. Usually made by :func:`create_block_mask`.

    Args:
        seq_lengths: ``(Q_LEN, KV_LEN)``.
        kv_num_blocks: ``(*, rows)`` int32.
        kv_indices: ``(*, rows, cols)`` int32.
        full_kv_num_blocks: as ``kv_num_blocks`` for full tiles, or None.
        full_kv_indices: as ``kv_indices`` for full tiles, or None.
        q_num_blocks: transposed ``kv_num_blocks`` or None.
        q_indices: transposed ``kv_indices`` or None.
        full_q_num_blocks: transposed ``full_kv_num_blocks`` or None.
        full_q_indices: transposed ``full_kv_indices`` or None.
        BLOCK_SIZE: ``(Q tile, KV tile)``.
        mask_mod: the element mask inside partial tiles.

    Raises:
        RuntimeError: ``kv_indices`` has fewer than 2 dims.
        AssertionError: only one of a ``full_*`` pair is given.

    Example:
        >>> from tocha.nn.attention.flex_attention import create_block_mask
        >>> def causal(b, h, q_idx, kv_idx):
        ...     return q_idx >= kv_idx
        >>> mask = create_block_mask(causal, 1, 1, 4, 4, device="cpu", BLOCK_SIZE=2)
        >>> mask.shape, mask.sparsity()
        ((1, 1, 4, 4), 25.0)
        >>> mask.to_dense()
        tensor([[[[1, 0],
                  [1, 1]]]], dtype=tocha.int32)
    """

    def __init__(
        self,
        seq_lengths: tuple[int, int],
        kv_num_blocks: Tensor,
        kv_indices: Tensor,
        full_kv_num_blocks: Tensor | None,
        full_kv_indices: Tensor | None,
        q_num_blocks: Tensor | None,
        q_indices: Tensor | None,
        full_q_num_blocks: Tensor | None,
        full_q_indices: Tensor | None,
        BLOCK_SIZE: tuple[int, int] = (_DEFAULT_SPARSE_BLOCK_SIZE, _DEFAULT_SPARSE_BLOCK_SIZE),
        mask_mod: _mask_mod_signature = noop_mask,
    ) -> None:
        if kv_indices.dim() < 2:
            raise RuntimeError("BlockMask must have at least 2 dimensions")
        if (full_kv_num_blocks is None) != (full_kv_indices is None):
            raise AssertionError("full_kv_num_blocks and full_kv_indices must be both provided or omitted")
        if (full_q_num_blocks is None) != (full_q_indices is None):
            raise AssertionError("full_q_num_blocks and full_q_indices must be both provided or omitted")
        self.seq_lengths: tuple[int, int] = (int(seq_lengths[0]), int(seq_lengths[1]))
        self.kv_num_blocks = kv_num_blocks
        self.kv_indices = kv_indices
        self.full_kv_num_blocks = full_kv_num_blocks
        self.full_kv_indices = full_kv_indices
        self.q_num_blocks = q_num_blocks
        self.q_indices = q_indices
        self.full_q_num_blocks = full_q_num_blocks
        self.full_q_indices = full_q_indices
        self.BLOCK_SIZE: tuple[int, int] = (int(BLOCK_SIZE[0]), int(BLOCK_SIZE[1]))
        self.mask_mod = mask_mod

    @classmethod
    def from_kv_blocks(
        cls,
        kv_num_blocks: Tensor,
        kv_indices: Tensor,
        full_kv_num_blocks: Tensor | None = None,
        full_kv_indices: Tensor | None = None,
        BLOCK_SIZE: int | tuple[int, int] = _DEFAULT_SPARSE_BLOCK_SIZE,
        mask_mod: _mask_mod_signature | None = None,
        seq_lengths: tuple[int, int] | None = None,
        compute_q_blocks: bool = True,
    ) -> BlockMask:
        """A BlockMask from its key-tile lists, the query-tile lists computed.

        Args:
            kv_num_blocks: partial key tiles per query tile.
            kv_indices: their indices.
            full_kv_num_blocks: full key tiles per query tile, or None.
            full_kv_indices: their indices, or None.
            BLOCK_SIZE: the tile sizes (one int for both).
            mask_mod: the element mask in partial tiles (:func:`noop_mask` when None).
            seq_lengths: ``(Q_LEN, KV_LEN)``; the tiles' extent when None.
            compute_q_blocks: whether to compute the transposed lists.

        Returns:
            The BlockMask.

        Raises:
            RuntimeError: ``kv_indices`` has fewer than 2 dims.
            AssertionError: only one of ``full_kv_num_blocks`` and ``full_kv_indices`` is given.

        Example:
            >>> import tocha
            >>> from tocha.nn.attention.flex_attention import BlockMask
            >>> num = tocha.tensor([[[1, 1]]], dtype=tocha.int32)
            >>> idx = tocha.tensor([[[[0, 1], [1, 0]]]], dtype=tocha.int32)
            >>> BlockMask.from_kv_blocks(num, idx, BLOCK_SIZE=2).sparsity()
            50.0
        """
        if kv_indices.dim() < 2:
            raise RuntimeError("BlockMask must have at least 2 dimensions")
        if (full_kv_num_blocks is None) != (full_kv_indices is None):
            raise AssertionError("full_kv_num_blocks and full_kv_indices must be both provided or omitted")
        q_num, q_idx, full_q_num, full_q_idx = None, None, None, None
        if compute_q_blocks:
            q_num, q_idx = _transpose_ordered(kv_num_blocks, kv_indices)
            if full_kv_num_blocks is not None and full_kv_indices is not None:
                full_q_num, full_q_idx = _transpose_ordered(full_kv_num_blocks, full_kv_indices)
        size = (BLOCK_SIZE, BLOCK_SIZE) if isinstance(BLOCK_SIZE, int) else tuple(BLOCK_SIZE)
        if seq_lengths is None:
            seq_lengths = (kv_indices.shape[-2] * size[0], kv_indices.shape[-1] * size[1])
        return cls(
            seq_lengths,
            kv_num_blocks,
            kv_indices,
            full_kv_num_blocks,
            full_kv_indices,
            q_num,
            q_idx,
            full_q_num,
            full_q_idx,
            BLOCK_SIZE=(size[0], size[1]),
            mask_mod=noop_mask if mask_mod is None else mask_mod,
        )

    def as_tuple(self, flatten: bool = True) -> tuple[Any, ...]:
        """The fields as a tuple (``seq_lengths`` and ``BLOCK_SIZE`` spread out when ``flatten``).

        Example:
            >>> from tocha.nn.attention.flex_attention import create_block_mask, noop_mask
            >>> create_block_mask(noop_mask, 1, 1, 4, 4, device="cpu").as_tuple()[:2]
            (4, 4)
        """
        lengths = self.seq_lengths if flatten else (self.seq_lengths,)
        block = self.BLOCK_SIZE if flatten else (self.BLOCK_SIZE,)
        return (
            *lengths,
            self.kv_num_blocks,
            self.kv_indices,
            self.full_kv_num_blocks,
            self.full_kv_indices,
            self.q_num_blocks,
            self.q_indices,
            self.full_q_num_blocks,
            self.full_q_indices,
            *block,
            self.mask_mod,
        )

    @property
    def shape(self) -> tuple[int, ...]:
        """``(*batch dims of the tiles, Q_LEN, KV_LEN)``."""
        return tuple(self.kv_indices.shape[:-2]) + tuple(self.seq_lengths)

    def numel(self) -> int:
        """The number of elements of the mask (sparsity not counted).

        Example:
            >>> from tocha.nn.attention.flex_attention import create_block_mask, noop_mask
            >>> create_block_mask(noop_mask, 2, 1, 4, 4, device="cpu").numel()
            32
        """
        return math.prod(self.shape)

    def sparsity(self) -> float:
        """The percentage of the mask in tiles that are skipped (negative when tiles overhang the lengths).

        Example:
            >>> from tocha.nn.attention.flex_attention import create_block_mask
            >>> create_block_mask(lambda b, h, q, k: k < 2, 1, 1, 4, 4, device="cpu", BLOCK_SIZE=2).sparsity()
            50.0
        """
        computed = int(self.kv_num_blocks.sum().item())
        if self.full_kv_num_blocks is not None:
            computed += int(self.full_kv_num_blocks.sum().item())
        return 100 * (1 - computed * self.BLOCK_SIZE[0] * self.BLOCK_SIZE[1] / self.numel())

    def to_dense(self) -> Tensor:
        """The tile-level mask, int32 ``(*, rows, cols)``: 1 where a tile is computed (partial or full).

        Example:
            >>> from tocha.nn.attention.flex_attention import create_block_mask
            >>> create_block_mask(lambda b, h, q, k: k < 2, 1, 1, 4, 4, device="cpu", BLOCK_SIZE=2).to_dense()
            tensor([[[[1, 0],
                      [1, 0]]]], dtype=tocha.int32)
        """
        dense = _ordered_to_dense(self.kv_num_blocks, self.kv_indices, self.kv_indices.shape[-1])
        if self.full_kv_num_blocks is not None and self.full_kv_indices is not None:
            full = _ordered_to_dense(self.full_kv_num_blocks, self.full_kv_indices, self.full_kv_indices.shape[-1])
            dense = dense | full
        return dense

    def to_string(self, grid_size: int | tuple[int, int] = (20, 20), limit: int = 4) -> str:
        """A drawing of the tiles (``█`` computed, ``░`` in part, blank skipped), one per batch/head, as PyTorch's.

        Args:
            grid_size: the most characters per side (-1: one per tile).
            limit: the most batch/head entries drawn.

        Returns:
            The drawing.

        Example:
            >>> from tocha.nn.attention.flex_attention import create_block_mask
            >>> print(create_block_mask(lambda b, h, q, k: q >= k, 1, 1, 4, 4, device="cpu", BLOCK_SIZE=2).to_string())
            (0, 0)
            ██
            ████
            <BLANKLINE>
        """
        dense = self.to_dense().cpu().numpy()
        *batch_dims, rows, cols = dense.shape
        if grid_size == -1:
            max_rows, max_cols = rows, cols
        elif isinstance(grid_size, int):
            max_rows = max_cols = grid_size
        else:
            max_rows, max_cols = grid_size
        row_step = max(1, -(-rows // max_rows))
        col_step = max(1, -(-cols // max_cols))
        drawings: list[str] = []
        for count, index in enumerate(itertools.product(*[range(n) for n in batch_dims])):
            if count == limit:
                drawings.append("...")
                drawings.append("To print out more, set BlockMask.to_string(limit=N)")
                drawings.append("You can also index (BlockMask[batch, head]) to choose a specific batch or head")
                break
            tiles = dense[index]
            text = f"{index}\n"
            for r in range(0, rows, row_step):
                for c in range(0, cols, col_step):
                    share = float(tiles[r : r + row_step, c : c + col_step].mean())
                    text += ("█" if share == 1 else " " if share == 0 else "░") * 2
                text += "\n"
            drawings.append(text)
        return "\n".join(drawings)

    def __str__(self) -> str:
        """The shape, sparsity and :meth:`to_string` drawing, as PyTorch's."""
        return f"BlockMask(shape={self.shape}, sparsity={self.sparsity():.2f}%, \n{self.to_string().strip()}\n)"

    def __repr__(self) -> str:
        """The fields' shapes, as PyTorch's."""
        name = getattr(self.mask_mod, "__name__", self.mask_mod)
        return (
            "BlockMask(\n"
            f"    kv_num_blocks={self.kv_num_blocks.shape},\n"
            f"    kv_indices={self.kv_indices.shape},\n"
            f"    full_kv_num_blocks={_shape_of(self.full_kv_num_blocks)},\n"
            f"    full_kv_indices={_shape_of(self.full_kv_indices)},\n"
            f"    q_num_blocks={_shape_of(self.q_num_blocks)},\n"
            f"    q_indices={_shape_of(self.q_indices)},\n"
            f"    full_q_num_blocks={_shape_of(self.full_q_num_blocks)},\n"
            f"    full_q_indices={_shape_of(self.full_q_indices)},\n"
            f"    BLOCK_SIZE={self.BLOCK_SIZE},\n"
            f"    shape={self.shape},\n"
            f"    sparsity={self.sparsity():.2f}%,\n"
            f"    mask_mod={name}\n"
            ")"
        )

    def __getitem__(self, index: Any) -> BlockMask:
        """The mask of some batches/heads/query tiles (an int keeps its dim); its ``mask_mod`` is reset.

        Example:
            >>> from tocha.nn.attention.flex_attention import create_block_mask, noop_mask
            >>> create_block_mask(noop_mask, 2, 3, 4, 4, device="cpu")[0, 1].shape
            (1, 1, 4, 4)
        """
        index = index if isinstance(index, tuple) else (index,)
        padded = (*index, slice(None), slice(None), slice(None))[:3]
        sizes = self.kv_num_blocks.shape[:3]
        index = tuple(
            (slice(i + n, i + n + 1) if -n <= i < 0 else slice(i, i + 1)) if isinstance(i, int) else i
            for i, n in zip(padded, sizes, strict=False)
        )
        full: tuple[Tensor | None, Tensor | None] = (None, None)
        if self.full_kv_num_blocks is not None and self.full_kv_indices is not None:
            full = (self.full_kv_num_blocks[index], self.full_kv_indices[index])
        return BlockMask.from_kv_blocks(
            self.kv_num_blocks[index],
            self.kv_indices[index],
            full[0],
            full[1],
            BLOCK_SIZE=self.BLOCK_SIZE,
            mask_mod=_sliced_mask_mod_error,
            seq_lengths=self.seq_lengths,
            compute_q_blocks=self.q_indices is not None,
        )

    def to(self, device: Any) -> BlockMask:
        """A copy with the tensors on ``device``.

        Example:
            >>> from tocha.nn.attention.flex_attention import create_block_mask, noop_mask
            >>> create_block_mask(noop_mask, 1, 1, 4, 4, device="cpu").to("cpu").kv_indices.device
            device(type='cpu')
        """

        def move(x: Tensor | None) -> Tensor | None:
            return None if x is None else x.to(device)

        return BlockMask(
            self.seq_lengths,
            self.kv_num_blocks.to(device),
            self.kv_indices.to(device),
            move(self.full_kv_num_blocks),
            move(self.full_kv_indices),
            move(self.q_num_blocks),
            move(self.q_indices),
            move(self.full_q_num_blocks),
            move(self.full_q_indices),
            BLOCK_SIZE=self.BLOCK_SIZE,
            mask_mod=self.mask_mod,
        )

    def _element_mask(self, shape: tuple[int, int, int, int], device: Any) -> Tensor | None:
        """The kept elements, broadcastable to ``shape``; see NOTE [ Eager flex attention ] (None: all kept)."""
        b, h, m, n = _grids(shape, device)
        large = self.BLOCK_SIZE == (_LARGE_SPARSE_BLOCK_SIZE, _LARGE_SPARSE_BLOCK_SIZE)
        inner = None if self.mask_mod is noop_mask else self.mask_mod(b, h, m, n).to(tocha.bool)
        if large:
            return inner
        length, source = shape[2], shape[3]

        def elements(num: Tensor, indices: Tensor) -> Tensor:
            tiles = _ordered_to_dense(num, indices, indices.shape[-1]).to(tocha.bool)
            tiles = tiles.repeat_interleave(self.BLOCK_SIZE[0], -2)[..., :length, :]
            return tiles.repeat_interleave(self.BLOCK_SIZE[1], -1)[..., :source]

        kept = elements(self.kv_num_blocks, self.kv_indices)
        if inner is not None:
            kept = kept & inner
        if self.full_kv_num_blocks is not None and self.full_kv_indices is not None:
            kept = kept | elements(self.full_kv_num_blocks, self.full_kv_indices)
        return kept


def create_block_mask(
    mask_mod: _mask_mod_signature,
    B: int | None,
    H: int | None,
    Q_LEN: int,
    KV_LEN: int,
    device: Any = None,
    BLOCK_SIZE: int | tuple[int, int] = _DEFAULT_SPARSE_BLOCK_SIZE,
    _compile: bool = False,
    separate_full_blocks: bool = True,
) -> BlockMask:
    """The :class:`BlockMask` of ``mask_mod`` over ``(B, H, Q_LEN, KV_LEN)``.

    Args:
        mask_mod: ``mask_mod(b, h, q_idx, kv_idx) -> bool tensor`` (``True`` keeps), called once with
            broadcasting index tensors.
        B: batch size (1, broadcast, when None).
        H: number of heads (1 when None).
        Q_LEN: query length.
        KV_LEN: key/value length.
        device: where to build it (CUDA when available, else CPU, when None).
        BLOCK_SIZE: the tile size, one int or ``(Q tile, KV tile)``.
        _compile: ignored (PyTorch's deprecated flag).
        separate_full_blocks: list whole tiles apart from partial ones.

    Returns:
        The BlockMask.

    Raises:
        AssertionError: ``mask_mod`` does not take 4 positional arguments.

    Example:
        >>> from tocha.nn.attention.flex_attention import create_block_mask
        >>> def causal(b, h, q_idx, kv_idx):
        ...     return q_idx >= kv_idx
        >>> create_block_mask(causal, None, None, 256, 256, device="cpu").to_dense()
        tensor([[[[1, 0],
                  [1, 1]]]], dtype=tocha.int32)
    """
    device = _default_device() if device is None else device
    if _is_score_mod(mask_mod):
        raise AssertionError(f"create-block_mask requires a mask_mod function! Got {mask_mod}")
    bq, bk = (BLOCK_SIZE, BLOCK_SIZE) if isinstance(BLOCK_SIZE, int) else BLOCK_SIZE
    mask = create_mask(mask_mod, B, H, Q_LEN, KV_LEN, device)
    rows, cols = -(-Q_LEN // bq), -(-KV_LEN // bk)
    padded = tocha.zeros(mask.shape[0], mask.shape[1], rows * bq, cols * bk, dtype=tocha.int32, device=device)
    padded[..., :Q_LEN, :KV_LEN] = mask.to(tocha.int32)
    sums = padded.reshape(mask.shape[0], mask.shape[1], rows, bq, cols, bk).sum((3, 5))
    if separate_full_blocks:
        full: Tensor | None = sums == bq * bk
        partial = (sums > 0) & (sums < bq * bk)
    else:
        full, partial = None, sums > 0
    num, indices = _dense_to_ordered(partial)
    full_num, full_indices = _dense_to_ordered(full) if full is not None else (None, None)
    return BlockMask.from_kv_blocks(
        num,
        indices,
        full_num,
        full_indices,
        BLOCK_SIZE=(bq, bk),
        mask_mod=mask_mod,
        seq_lengths=(Q_LEN, KV_LEN),
    )


def _validate(query: Tensor, key: Tensor, value: Tensor, block_mask: BlockMask | None, enable_gqa: bool) -> None:
    if query.device != key.device or query.device != value.device:
        raise ValueError(
            "Expected query, key, and value to have the same device type, but got query.device: "
            f"{query.device}, key.device: {key.device}, and value.device: {value.device} instead."
        )
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise ValueError(
            "Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: "
            f"{query.dim()}, key.dim: {key.dim()} and value.dim: {value.dim()} instead."
        )
    if query.shape[-1] != key.shape[-1]:
        raise ValueError(
            "Expect query and key/value to have the same embedding dimension but got "
            f"E={query.shape[-1]} and E={key.shape[-1]}."
        )
    if query.dim() != 4 or key.dim() != 4 or value.dim() != 4:
        raise NotImplementedError("NYI: query, key, and value must be 4D tensors")
    hq, hkv = query.shape[1], key.shape[1]
    if not enable_gqa and hq != hkv:
        raise ValueError(
            "Expect query and key/value to have the same number of heads but got "
            f"Hq={hq} and Hkv={hkv}. Try setting enable_gqa=True for GQA."
        )
    if enable_gqa and hq % hkv:
        raise ValueError(
            f"Expect number of query heads to be a multiple of kv heads for GQA but got Hq={hq} and Hkv={hkv}."
        )
    if query.shape[0] != key.shape[0]:
        if block_mask is None:
            raise ValueError(
                "Expect query and key/value to have the same batch size, or non-none block_mask, but got "
                f"block_mask=None, Bq={query.shape[0]}, and Bkv={key.shape[0]}."
            )
        if block_mask.kv_num_blocks.shape[0] != query.shape[0]:
            raise ValueError(
                "Expect query and key/value to have the same batch size, or block_mask and query to have the "
                f"same batch size, but got Bq={query.shape[0]}, Bkv={key.shape[0]}, "
                f"B_block_mask={block_mask.kv_num_blocks.shape[0]}."
            )
    if block_mask is None:
        return
    if block_mask.mask_mod is _sliced_mask_mod_error:
        raise RuntimeError("Cannot use mask_mod from a sliced BlockMask")
    if block_mask.BLOCK_SIZE != (_LARGE_SPARSE_BLOCK_SIZE, _LARGE_SPARSE_BLOCK_SIZE):
        mq, mkv = block_mask.shape[-2], block_mask.shape[-1]
        q_len, kv_len = query.shape[-2], key.shape[-2]
        if q_len > mq or kv_len > mkv:
            raise ValueError(
                f"block_mask was created for block_mask.shape={block_mask.shape} but got q_len={q_len} and "
                f"kv_len={kv_len}. As the block mask was created for a smaller length than you're using it for, "
                "you likely need to create a new block mask."
            )
        if q_len != mq or kv_len != mkv:
            raise ValueError(
                f"block_mask was created for block_mask.shape={block_mask.shape} but got q_len={q_len} and "
                f"kv_len={kv_len}. As the block mask was created for a larger length than you're using it for, "
                "you can either 1. create a new block mask with the correct length, or 2. 'adjust' the existing "
                "block mask to the correct length by calling block_mask._adjust(q_len, kv_len). This essentially "
                "'crops' the block mask to the upper left corner, which does not work for all mask_mods!"
            )
    if query.device != block_mask.kv_num_blocks.device:
        raise RuntimeError(
            "Expect q/k/v and block_mask to be on the same device but got "
            f"{query.device} and {block_mask.kv_num_blocks.device}."
        )


def flex_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    score_mod: _score_mod_signature | None = None,
    block_mask: BlockMask | None = None,
    scale: float | None = None,
    enable_gqa: bool = False,
    return_lse: bool = False,
    kernel_options: FlexKernelOptions | None = None,
    *,
    return_aux: AuxRequest | None = None,
) -> Any:
    r"""Attention :math:`\mathrm{softmax}(\mathrm{mod}(s\,QK^T))\,V` with a score function and a block mask.

    As ``torch.nn.attention.flex_attention``, computed eagerly; see NOTE [ Eager flex attention ].

    Args:
        query: ``(B, Hq, L, E)``.
        key: ``(B, Hkv, S, E)`` (``B`` may be 1 with a ``block_mask`` of query's batch).
        value: ``(B, Hkv, S, Ev)``.
        score_mod: ``score_mod(score, b, h, q_idx, kv_idx) -> score``, called once on the whole score tensor
            with broadcasting index tensors.
        block_mask: which elements are kept (all when None).
        scale: the factor :math:`s`; ``1 / sqrt(E)`` when None.
        enable_gqa: let ``Hkv`` divide ``Hq``, each key/value head shared by a group of query heads.
        return_lse: also return the log-sum-exp of the scores (deprecated for ``return_aux``).
        kernel_options: accepted and ignored.
        return_aux: which of ``lse`` and ``max_scores`` to return in an :class:`AuxOutput`.

    Returns:
        ``(B, Hq, L, Ev)`` in the query's dtype; with ``return_lse`` also ``lse`` ``(B, Hq, L)``; with
        ``return_aux`` also an :class:`AuxOutput`. A query row with nothing kept gives zeros and ``lse = -inf``.

    Raises:
        ValueError: mismatched devices, embedding dims, heads, batch sizes or block-mask lengths, or both
            ``return_lse`` and ``return_aux``.
        NotImplementedError: inputs that are not 4-d.

    Example:
        >>> import tocha
        >>> from tocha.nn.attention.flex_attention import flex_attention
        >>> q = tocha.tensor([[[[1.0, 0.0], [0.0, 1.0]]]])
        >>> v = tocha.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
        >>> def causal_score(score, b, h, q_idx, kv_idx):
        ...     return score.masked_fill(q_idx < kv_idx, float("-inf"))
        >>> flex_attention(q, q, v, score_mod=causal_score)
        tensor([[[[1.0000, 2.0000],
                  [2.3395, 3.3395]]]])
    """
    _validate(query, key, value, block_mask, enable_gqa)
    if return_lse and return_aux is not None:
        raise ValueError(
            "Cannot specify both return_lse and return_aux. "
            "return_lse is deprecated, please use return_aux=AuxRequest(lse=True) instead."
        )
    if return_lse and return_aux is None:
        warnings.warn(
            "return_lse is deprecated and will be removed in v2.10. "
            "Please use return_aux=AuxRequest(lse=True) instead.",
            FutureWarning,
            stacklevel=2,
        )
    if scale is None:
        scale = 1.0 / math.sqrt(query.shape[-1])
    group = query.shape[1] // key.shape[1]
    if group > 1:
        key = key.repeat_interleave(group, 1)
        value = value.repeat_interleave(group, 1)
    batch = query.shape[0]
    if key.shape[0] != batch:
        key = key.expand(batch, *key.shape[1:])
        value = value.expand(batch, *value.shape[1:])
    work = tocha.float64 if query.dtype == tocha.float64 else tocha.float32
    scores = query.to(work).matmul(key.to(work).transpose(-2, -1)) * scale
    shape = (batch, query.shape[1], query.shape[2], key.shape[2])
    if score_mod is not None:
        scores = _expand(score_mod(scores, *_grids(shape, query.device)), shape)
    if block_mask is not None:
        kept = block_mask._element_mask(shape, query.device)
        if kept is not None:
            scores = scores.masked_fill(kept.logical_not(), -math.inf)
    with tocha.no_grad():
        top = scores.amax(-1, keepdim=True)
        dead = top.isneginf()
        top = top.masked_fill(dead, 0.0)
    weights = (scores - top).exp()
    total = weights.sum(-1, keepdim=True)
    probs = weights / total.masked_fill(dead, 1.0)
    out = probs.to(query.dtype).matmul(value.to(query.dtype))
    want_lse = return_lse or (return_aux is not None and return_aux.lse)
    want_max = return_aux is not None and return_aux.max_scores
    lse = None
    if want_lse:
        lse = (total.masked_fill(dead, 1.0).log() + top).masked_fill(dead, -math.inf).squeeze(-1)
    if return_aux is not None:
        return out, AuxOutput(lse=lse, max_scores=scores.amax(-1) if want_max else None)
    if return_lse:
        return out, lse
    return out


for _obj in (
    AuxRequest,
    AuxOutput,
    BlockMask,
    noop_mask,
    or_masks,
    and_masks,
    create_mask,
    create_block_mask,
    flex_attention,
):
    _obj.__module__ = __name__
del _obj
