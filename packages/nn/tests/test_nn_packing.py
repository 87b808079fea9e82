"""tocha.nn.utils.rnn: PackedSequence and the pad/pack helpers, against NumPy and PyTorch."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from nn_oracle import assert_close_to_torch, gradcheck_function, to_torch

import tocha
from tocha.nn.utils.rnn import (
    PackedSequence,
    invert_permutation,
    pack_padded_sequence,
    pack_sequence,
    pad_packed_sequence,
    pad_sequence,
    unpack_sequence,
    unpad_sequence,
)


def _seqs(lengths: list[int], *trailing: int) -> list[tocha.Tensor]:
    rng = np.random.default_rng(0)
    return [tocha.from_numpy(rng.standard_normal((n, *trailing))) for n in lengths]


# ------------------------------------------------------------------ without PyTorch


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_numpy(batch_first: bool, side: str) -> None:
    seqs = _seqs([2, 4, 1], 3)
    out = pad_sequence(seqs, batch_first=batch_first, padding_value=-1.0, padding_side=side)
    expected = np.full((3, 4, 3), -1.0)
    for i, s in enumerate(seqs):
        n = s.shape[0]
        if side == "right":
            expected[i, :n] = s.numpy()
        else:
            expected[i, 4 - n :] = s.numpy()
    if not batch_first:
        expected = expected.transpose(1, 0, 2)
    np.testing.assert_array_equal(out.numpy(), expected)


def test_pack_pad_round_trip_numpy() -> None:
    seqs = _seqs([2, 5, 1, 3], 2)
    packed = pack_sequence(seqs, enforce_sorted=False)
    assert packed.batch_sizes.tolist() == [4, 3, 2, 1, 1]
    assert packed.batch_sizes.dtype == tocha.int64
    assert packed.sorted_indices is not None
    assert packed.sorted_indices.tolist() == [1, 3, 0, 2]
    assert packed.unsorted_indices is not None
    assert packed.unsorted_indices.tolist() == [2, 0, 3, 1]
    padded, lengths = pad_packed_sequence(packed, batch_first=True, padding_value=7.0, total_length=6)
    assert lengths.tolist() == [2, 5, 1, 3]
    assert tuple(padded.shape) == (4, 6, 2)
    for i, s in enumerate(seqs):
        n = s.shape[0]
        np.testing.assert_array_equal(padded.numpy()[i, :n], s.numpy())
        assert np.all(padded.numpy()[i, n:] == 7.0)
    back = unpack_sequence(packed)
    for a, b in zip(back, seqs, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    unpadded = unpad_sequence(pad_sequence(seqs), tocha.tensor([2, 5, 1, 3]))
    for a, b in zip(unpadded, seqs, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_packed_data_layout_numpy() -> None:
    x = tocha.arange(12.0).reshape(4, 3)  # (T=4, B=3)
    packed = pack_padded_sequence(x, tocha.tensor([4, 2, 1]))
    assert packed.data.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 9.0]
    assert packed.sorted_indices is None
    assert packed.unsorted_indices is None
    packed_bf = pack_padded_sequence(x.t(), [4, 2, 1], batch_first=True)
    assert packed_bf.data.tolist() == packed.data.tolist()


def test_packing_gradients() -> None:
    x = tocha.randn(4, 3, 2, dtype=tocha.float64)

    def pack_then_pad(t: Any) -> Any:
        packed = pack_padded_sequence(t, [2, 4, 1], enforce_sorted=False)
        return pad_packed_sequence(packed, batch_first=True, padding_value=3.0)[0] * 2

    gradcheck_function(pack_then_pad, x)
    gradcheck_function(lambda a, b: pad_sequence([a, b], padding_side="left"), x[:, 0], x[:2, 1])


def test_packed_sequence_is_a_named_tuple_with_to() -> None:
    packed = pack_sequence(_seqs([3, 2], 2), enforce_sorted=False)
    data, batch_sizes, sorted_indices, unsorted_indices = packed
    assert packed._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
    moved = packed.to(tocha.float32)
    assert isinstance(moved, PackedSequence)
    assert moved.data.dtype == tocha.float32
    assert packed.to(tocha.float64) is packed
    assert packed.float().data.dtype == tocha.float32
    assert packed.double().data.dtype == tocha.float64
    assert not packed.is_cuda
    assert not packed.is_pinned()
    rebuilt = PackedSequence(data, batch_sizes, sorted_indices)
    assert rebuilt.unsorted_indices is not None
    assert rebuilt.unsorted_indices.tolist() == unsorted_indices.tolist()
    assert invert_permutation(None) is None


def test_packing_errors() -> None:
    x = tocha.zeros(3, 2, 2)
    with pytest.raises(RuntimeError, match="`lengths` array must be sorted in decreasing order when `enforce_sorted`"):
        pack_padded_sequence(x, [2, 3])
    with pytest.raises(RuntimeError, match="Length of all samples has to be greater than 0"):
        pack_padded_sequence(x, [2, 0], enforce_sorted=False)
    with pytest.raises(
        RuntimeError, match=r"Expected `len\(lengths\)` to be equal to batch_size, but got 1 \(batch_size=2\)"
    ):
        pack_padded_sequence(x, [3])
    with pytest.raises(RuntimeError, match=r"Cannot pack empty tensors\."):
        pack_padded_sequence(tocha.zeros(0, 2), [])
    with pytest.raises(RuntimeError, match=r"Expected padding_side to be one of left or right, but got middle\."):
        pad_sequence([x], padding_side="middle")
    with pytest.raises(RuntimeError, match="received an empty list of sequences"):
        pad_sequence([])
    packed = pack_padded_sequence(x, [3, 2])
    with pytest.raises(ValueError, match="Expected total_length to be at least the length of the longest sequence"):
        pad_packed_sequence(packed, total_length=2)


# ------------------------------------------------------------------ against PyTorch


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("lengths_as_tensor", [False, True])
def test_pack_padded_matches_torch(batch_first: bool, enforce_sorted: bool, lengths_as_tensor: bool) -> None:
    torch = pytest.importorskip("torch")
    from torch.nn.utils import rnn as trnn

    lengths = [5, 3, 3, 1] if enforce_sorted else [3, 5, 1, 3]
    x = tocha.randn(4, 5, 2, dtype=tocha.float64) if batch_first else tocha.randn(5, 4, 2, dtype=tocha.float64)
    x.requires_grad_()
    tx = to_torch(x)
    lens: Any = tocha.tensor(lengths) if lengths_as_tensor else lengths
    t_lens: Any = torch.tensor(lengths) if lengths_as_tensor else lengths
    ours = pack_padded_sequence(x, lens, batch_first=batch_first, enforce_sorted=enforce_sorted)
    theirs = trnn.pack_padded_sequence(tx, t_lens, batch_first=batch_first, enforce_sorted=enforce_sorted)
    assert_close_to_torch(tuple(ours), tuple(theirs))
    padded, out_lens = pad_packed_sequence(ours, batch_first=batch_first, padding_value=-2.0, total_length=6)
    t_padded, t_out_lens = trnn.pad_packed_sequence(theirs, batch_first=batch_first, padding_value=-2.0,
                                                    total_length=6)  # fmt: skip
    assert_close_to_torch((padded, out_lens), (t_padded, t_out_lens))
    w = tocha.randn(*padded.shape, dtype=tocha.float64)
    (padded * w).sum().backward()
    (t_padded * to_torch(w)).sum().backward()
    assert_close_to_torch(x.grad, tx.grad)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_matches_torch(batch_first: bool, side: str) -> None:
    torch = pytest.importorskip("torch")
    from torch.nn.utils import rnn as trnn

    seqs = _seqs([2, 4, 1], 3, 2)
    ours = pad_sequence(seqs, batch_first=batch_first, padding_value=0.5, padding_side=side)
    theirs = trnn.pad_sequence(to_torch(seqs), batch_first=batch_first, padding_value=0.5, padding_side=side)
    assert_close_to_torch(ours, theirs)
    stacked = tocha.randn(3, 4, 2)
    assert_close_to_torch(pad_sequence(stacked), trnn.pad_sequence(to_torch(stacked)))
    del torch


@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_and_unpack_sequence_match_torch(enforce_sorted: bool) -> None:
    pytest.importorskip("torch")
    from torch.nn.utils import rnn as trnn

    seqs = _seqs([4, 3, 1] if enforce_sorted else [3, 4, 1], 2)
    ours = pack_sequence(seqs, enforce_sorted=enforce_sorted)
    theirs = trnn.pack_sequence(to_torch(seqs), enforce_sorted=enforce_sorted)
    assert_close_to_torch(tuple(ours), tuple(theirs))
    assert_close_to_torch(unpack_sequence(ours), trnn.unpack_sequence(theirs))
    padded = pad_sequence(seqs, batch_first=True)
    lengths = tocha.tensor([s.shape[0] for s in seqs])
    t_lengths = trnn.pad_sequence(to_torch(seqs), batch_first=True), to_torch(lengths)
    assert_close_to_torch(unpad_sequence(padded, lengths, batch_first=True), trnn.unpad_sequence(*t_lengths, True))
