"""PackedSequence and the pad/pack helpers of ``torch.nn.utils.rnn``.

Every helper that moves rows between the padded and the packed layout does it with one differentiable
``index_select`` over a row index computed on the host (sorting, batch-first transposition and padding are
folded into that index), so gradients flow through packing and padding.

Example:
    >>> import tocha
    >>> from tocha.nn.utils.rnn import pack_sequence, pad_packed_sequence
    >>> packed = pack_sequence([tocha.tensor([1.0, 2.0, 3.0]), tocha.tensor([4.0, 5.0])])
    >>> packed.batch_sizes
    tensor([2, 2, 1])
    >>> pad_packed_sequence(packed, batch_first=True)
    (tensor([[1., 2., 3.],
            [4., 5., 0.]]), tensor([3, 2]))
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np

import tocha

__all__ = [
    "PackedSequence",
    "invert_permutation",
    "pack_padded_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpad_sequence",
    "pack_sequence",
    "unpack_sequence",
]

Tensor = tocha.Tensor


class _PackedSequenceFields(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(_PackedSequenceFields):
    """A batch of variable-length sequences packed time step by time step, as ``torch.nn.utils.rnn``'s.

    ``data`` holds the rows of time step 0 of every sequence, then those of step 1 of the sequences that
    are that long, and so on; ``batch_sizes[t]`` is how many sequences have a step ``t`` (a CPU int64
    tensor). ``sorted_indices`` maps positions in the packed (length-sorted) batch to the original batch and
    ``unsorted_indices`` is its inverse; both are None when the batch was packed already sorted. Build one
    with :func:`pack_padded_sequence` or :func:`pack_sequence` rather than directly.

    Example:
        >>> import tocha
        >>> from tocha.nn.utils.rnn import PackedSequence
        >>> p = PackedSequence(tocha.tensor([1.0, 2.0, 3.0]), tocha.tensor([2, 1]))
        >>> p.batch_sizes, p.sorted_indices
        (tensor([2, 1]), None)
    """

    __slots__ = ()

    def __new__(
        cls,
        data: Tensor,
        batch_sizes: Tensor | None = None,
        sorted_indices: Tensor | None = None,
        unsorted_indices: Tensor | None = None,
    ) -> PackedSequence:
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            raise TypeError("PackedSequence(): batch_sizes must be given (a 1-D int64 CPU tensor)")
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """The sequence with ``data`` converted by ``Tensor.to(*args, **kwargs)``; indices follow its device.

        ``batch_sizes`` always stays on the CPU, as in PyTorch.

        Example:
            >>> import tocha
            >>> from tocha.nn.utils.rnn import pack_sequence
            >>> pack_sequence([tocha.tensor([1.0, 2.0])]).to(tocha.float64).data.dtype
            tocha.float64
        """
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        device = data.device
        sorted_indices = None if self.sorted_indices is None else self.sorted_indices.to(device)
        unsorted_indices = None if self.unsorted_indices is None else self.unsorted_indices.to(device)
        return type(self)(data, self.batch_sizes, sorted_indices, unsorted_indices)

    def cpu(self) -> PackedSequence:
        """The sequence on the CPU."""
        return self.to("cpu")

    def cuda(self, device: Any = None) -> PackedSequence:
        """The sequence on a CUDA device (the current one by default)."""
        return self.to("cuda" if device is None else device)

    def double(self) -> PackedSequence:
        """``data`` as float64."""
        return self.to(tocha.float64)

    def float(self) -> PackedSequence:
        """``data`` as float32."""
        return self.to(tocha.float32)

    def half(self) -> PackedSequence:
        """``data`` as float16."""
        return self.to(tocha.float16)

    def long(self) -> PackedSequence:
        """``data`` as int64."""
        return self.to(tocha.int64)

    def int(self) -> PackedSequence:
        """``data`` as int32."""
        return self.to(tocha.int32)

    @property
    def is_cuda(self) -> bool:
        """Whether ``data`` lives on a CUDA device."""
        return self.data.device.type == "cuda"

    def is_pinned(self) -> bool:
        """Whether ``data`` is in pinned memory (never, for CPU tensors here)."""
        return False


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of a permutation tensor (None stays None).

    Example:
        >>> import tocha
        >>> from tocha.nn.utils.rnn import invert_permutation
        >>> invert_permutation(tocha.tensor([2, 0, 1]))
        tensor([1, 2, 0])
    """
    if permutation is None:
        return None
    perm = permutation.cpu().numpy()
    inverse = np.empty_like(perm)
    inverse[perm] = np.arange(perm.shape[0], dtype=perm.dtype)
    return tocha.from_numpy(inverse).to(permutation.device)


def _lengths_list(lengths: Tensor | Sequence[int] | Any) -> list[int]:
    if isinstance(lengths, Tensor):
        if lengths.dim() != 1:
            raise RuntimeError(f"'lengths' argument should be a 1D tensor, but got a {lengths.dim()}D tensor")
        return [int(v) for v in lengths.cpu().tolist()]
    return [int(v) for v in lengths]


def _index(array: np.ndarray[Any, Any], device: Any) -> Tensor:
    return tocha.from_numpy(np.ascontiguousarray(array, dtype=np.int64)).to(device)


def pack_padded_sequence(
    input: Tensor, lengths: Tensor | list[int], batch_first: bool = False, enforce_sorted: bool = True
) -> PackedSequence:
    """Pack a padded batch ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``) of sequences of ``lengths``.

    With ``enforce_sorted=True`` the lengths must be in decreasing order; otherwise the batch is sorted by
    length and the permutation kept in ``sorted_indices``. Gradients flow back to ``input``.

    Example:
        >>> import tocha
        >>> from tocha.nn.utils.rnn import pack_padded_sequence
        >>> x = tocha.tensor([[1.0, 4.0], [2.0, 5.0], [3.0, 0.0]])
        >>> p = pack_padded_sequence(x, [3, 2])
        >>> p.data, p.batch_sizes
        (tensor([1., 4., 2., 5., 3.]), tensor([2, 2, 1]))
    """
    lens = np.asarray(_lengths_list(lengths), dtype=np.int64)
    if input.dim() < 2:
        raise ValueError(f"pack_padded_sequence(): expected a padded input with at least 2 dims, got {input.dim()}")
    steps, batch = (input.shape[1], input.shape[0]) if batch_first else (input.shape[0], input.shape[1])
    if input.numel() == 0:
        raise RuntimeError("Cannot pack empty tensors.")
    if lens.shape[0] != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {lens.shape[0]} "
                           f"(batch_size={batch})")  # fmt: skip
    if enforce_sorted:
        if np.any(lens[1:] > lens[:-1]):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass "
                "`enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this requirement "
                "if you do not need ONNX exportability."
            )
        order = np.arange(batch, dtype=np.int64)
        sorted_indices: Tensor | None = None
    else:
        order = np.argsort(-lens, kind="stable").astype(np.int64)
        sorted_indices = _index(order, input.device)
    sorted_lens = lens[order]
    if batch and sorted_lens[-1] <= 0:
        raise RuntimeError(
            "Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0"
        )
    if batch and sorted_lens[0] > steps:
        raise RuntimeError(
            f"pack_padded_sequence(): a length of {int(sorted_lens[0])} exceeds the padded length {steps}"
        )
    max_len = int(sorted_lens[0]) if batch else 0
    batch_sizes = (sorted_lens[None, :] > np.arange(max_len)[:, None]).sum(axis=1)
    rows = []
    for t in range(max_len):
        cols = order[: batch_sizes[t]]
        rows.append(cols * steps + t if batch_first else t * batch + cols)
    flat = input.reshape((-1, *input.shape[2:]))
    data = flat.index_select(0, _index(np.concatenate(rows), input.device))
    # the inverse permutation from the host's copy (invert_permutation would read sorted_indices back)
    unsorted_indices = None if sorted_indices is None else _index(np.argsort(order), input.device)
    return PackedSequence(data, tocha.from_numpy(batch_sizes.astype(np.int64)), sorted_indices, unsorted_indices)


def pad_packed_sequence(
    sequence: PackedSequence,
    batch_first: bool = False,
    padding_value: float = 0.0,
    total_length: int | None = None,
) -> tuple[Tensor, Tensor]:
    """Undo :func:`pack_padded_sequence`: the padded batch and the length of each sequence.

    The batch comes back in its original order; ``total_length`` pads to at least that many time steps.

    Example:
        >>> import tocha
        >>> from tocha.nn.utils.rnn import pack_sequence, pad_packed_sequence
        >>> p = pack_sequence([tocha.tensor([1.0]), tocha.tensor([2.0, 3.0])], enforce_sorted=False)
        >>> pad_packed_sequence(p, total_length=3)
        (tensor([[1., 2.],
                [0., 3.],
                [0., 0.]]), tensor([1, 2]))
    """
    data = sequence.data
    batch_sizes = np.asarray(sequence.batch_sizes.cpu().tolist(), dtype=np.int64)
    max_len = batch_sizes.shape[0]
    batch = int(batch_sizes[0]) if max_len else 0
    if total_length is not None:
        if total_length < max_len:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in input, but got "
                f"total_length={total_length} and max sequence length being {max_len}"
            )
        steps = total_length
    else:
        steps = max_len
    pad_row = data.shape[0]
    index = np.full((steps, batch), pad_row, dtype=np.int64)
    start = 0
    for t in range(max_len):
        b = int(batch_sizes[t])
        index[t, :b] = np.arange(start, start + b)
        start += b
    lengths = (batch_sizes[None, :] > np.arange(batch)[:, None]).sum(axis=1).astype(np.int64)
    if sequence.unsorted_indices is not None:
        unsorted = sequence.unsorted_indices.cpu().numpy()
        index = index[:, unsorted]
        lengths = lengths[unsorted]
    if batch_first:
        index = index.T
    padding = tocha.full((1, *data.shape[1:]), padding_value, dtype=data.dtype, device=data.device)
    source = tocha.cat([data, padding], 0)
    padded = source.index_select(0, _index(index.reshape(-1), data.device))
    return padded.reshape((*index.shape, *data.shape[1:])), tocha.from_numpy(lengths)


def pad_sequence(
    sequences: Tensor | list[Tensor],
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Stack sequences of different lengths ``(L_i, *)`` into one padded tensor ``(L_max, B, *)``.

    ``batch_first`` gives ``(B, L_max, *)``; ``padding_side="left"`` puts the padding before each sequence.

    Example:
        >>> import tocha
        >>> from tocha.nn.utils.rnn import pad_sequence
        >>> pad_sequence([tocha.tensor([1.0, 2.0]), tocha.tensor([3.0])], batch_first=True, padding_value=-1.0)
        tensor([[ 1.,  2.],
                [ 3., -1.]])
    """
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    seqs: list[Tensor] = list(sequences.unbind(0)) if isinstance(sequences, Tensor) else list(sequences)
    if not seqs:
        raise RuntimeError("received an empty list of sequences")
    lens = np.asarray([s.shape[0] for s in seqs], dtype=np.int64)
    batch = len(seqs)
    max_len = int(lens.max())
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
    pad_row = int(lens.sum())
    steps = np.arange(max_len)[None, :]  # (1, L)
    offset = (max_len - lens)[:, None] if padding_side == "left" else np.zeros((batch, 1), dtype=np.int64)
    pos = steps - offset  # position inside each sequence, (B, L)
    valid = (pos >= 0) & (pos < lens[:, None])
    index = np.where(valid, starts[:, None] + pos, pad_row)
    if not batch_first:
        index = index.T
    first = seqs[0]
    padding = tocha.full((1, *first.shape[1:]), padding_value, dtype=first.dtype, device=first.device)
    source = tocha.cat([*seqs, padding], 0)
    padded = source.index_select(0, _index(index.reshape(-1), first.device))
    return padded.reshape((*index.shape, *first.shape[1:]))


def unpad_sequence(padded_sequences: Tensor, lengths: Tensor, batch_first: bool = False) -> list[Tensor]:
    """Split a padded batch back into its sequences, the inverse of :func:`pad_sequence`.

    Example:
        >>> import tocha
        >>> from tocha.nn.utils.rnn import unpad_sequence
        >>> unpad_sequence(tocha.tensor([[1.0, 2.0], [3.0, 0.0]]), tocha.tensor([2, 1]), batch_first=True)
        [tensor([1., 2.]), tensor([3.])]
    """
    padded = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    return [padded[i, :length] for i, length in enumerate(_lengths_list(lengths))]


def pack_sequence(sequences: Iterable[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences ``(L_i, *)``; with ``enforce_sorted`` they must come longest first.

    Example:
        >>> import tocha
        >>> from tocha.nn.utils.rnn import pack_sequence
        >>> pack_sequence([tocha.tensor([1.0, 2.0]), tocha.tensor([3.0])]).data
        tensor([1., 3., 2.])
    """
    seqs = list(sequences)
    lengths = [s.shape[0] for s in seqs]
    return pack_padded_sequence(pad_sequence(seqs), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The list of sequences a :class:`PackedSequence` holds, in the original order.

    Example:
        >>> import tocha
        >>> from tocha.nn.utils.rnn import pack_sequence, unpack_sequence
        >>> unpack_sequence(pack_sequence([tocha.tensor([1.0]), tocha.tensor([2.0, 3.0])], enforce_sorted=False))
        [tensor([1.]), tensor([2., 3.])]
    """
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
