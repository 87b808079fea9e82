"""Datasets, samplers and collation: behaviour checked by hand and, where deterministic, against PyTorch."""

from __future__ import annotations

import collections
from typing import Any

import numpy as np
import pytest

import tocha
from tocha.data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    DistributedSampler,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    StackDataset,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    default_convert,
    random_split,
)

Point = collections.namedtuple("Point", ["x", "y"])


class Stream(IterableDataset[int]):
    def __init__(self, n: int) -> None:
        self.n = n

    def __iter__(self) -> Any:
        return iter(range(self.n))

    def __len__(self) -> int:
        return self.n


def test_tensor_dataset_and_size_mismatch() -> None:
    ds = TensorDataset(tocha.arange(4), tocha.arange(8).reshape(4, 2))
    assert len(ds) == 4
    a, b = ds[2]
    assert a.item() == 2
    assert b.tolist() == [4, 5]
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(tocha.zeros(3), tocha.zeros(4))


def test_stack_dataset_tuple_and_dict_forms() -> None:
    assert StackDataset([1, 2], ["a", "b"])[0] == (1, "a")
    assert StackDataset(x=[1, 2], y=["a", "b"])[1] == {"x": 2, "y": "b"}
    with pytest.raises(ValueError, match="Size mismatch between datasets"):
        StackDataset([1], [1, 2])
    with pytest.raises(ValueError, match="both types are given"):
        StackDataset([1], y=[2])


def test_concat_and_chain() -> None:
    ds = ConcatDataset([[0, 1, 2], [3, 4]])
    assert [ds[i] for i in range(len(ds))] == [0, 1, 2, 3, 4]
    assert ds[-1] == 4
    assert ds.cumulative_sizes == [3, 5]
    with pytest.raises(ValueError, match="absolute value of index should not exceed dataset length"):
        ds[-6]
    with pytest.raises(AssertionError, match="does not support IterableDataset"):
        ConcatDataset([Stream(2)])
    assert list(ChainDataset([Stream(2), Stream(3)])) == [0, 1, 0, 1, 2]
    assert len(ChainDataset([Stream(2), Stream(3)])) == 5
    assert list(Stream(1) + Stream(2)) == [0, 0, 1]


def test_subset_and_random_split() -> None:
    assert [Subset("abcde", [4, 0])[i] for i in range(2)] == ["e", "a"]
    parts = random_split(range(10), [3, 7], generator=tocha.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [3, 7]
    assert sorted(i for p in parts for i in (p[k] for k in range(len(p)))) == list(range(10))
    again = random_split(range(10), [3, 7], generator=tocha.Generator().manual_seed(0))
    assert [again[0][k] for k in range(3)] == [parts[0][k] for k in range(3)]
    assert [len(p) for p in random_split(range(11), [0.5, 0.3, 0.2])] == [6, 3, 2]
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        random_split(range(10), [3, 3])


def test_random_split_fraction_lengths_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    for n, fractions in [(11, [0.5, 0.3, 0.2]), (7, [0.1, 0.9]), (100, [0.33, 0.33, 0.34])]:
        ours = [len(p) for p in random_split(range(n), fractions)]
        theirs = [len(p) for p in torch.utils.data.random_split(range(n), fractions)]
        assert ours == theirs


def test_sequential_random_and_subset_samplers() -> None:
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    drawn = list(RandomSampler(range(6), generator=tocha.Generator().manual_seed(3)))
    assert sorted(drawn) == list(range(6))
    assert drawn == list(RandomSampler(range(6), generator=tocha.Generator().manual_seed(3)))
    many = list(RandomSampler(range(3), num_samples=7, generator=tocha.Generator().manual_seed(0)))
    assert len(many) == 7
    assert sorted(many[:3]) == [0, 1, 2]
    assert sorted(many[3:6]) == [0, 1, 2]
    replaced = list(RandomSampler(range(3), replacement=True, num_samples=100))
    assert len(replaced) == 100
    assert set(replaced) <= {0, 1, 2}
    with pytest.raises(ValueError, match="num_samples should be a positive integer value, but got num_samples=0"):
        RandomSampler(range(3), num_samples=0)
    assert sorted(SubsetRandomSampler([5, 7, 9])) == [5, 7, 9]


def test_weighted_random_sampler() -> None:
    g = tocha.Generator().manual_seed(0)
    drawn = list(WeightedRandomSampler([0.0, 3.0, 1.0], 4000, generator=g))
    counts = np.bincount(drawn, minlength=3)
    assert counts[0] == 0
    assert 0.7 < counts[1] / 4000 < 0.8
    assert sorted(WeightedRandomSampler([1.0, 1.0, 1.0], 3, replacement=False)) == [0, 1, 2]
    with pytest.raises(ValueError, match="weights should be a 1d sequence"):
        WeightedRandomSampler([[1.0]], 1)


def test_batch_sampler_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    for drop_last in (False, True):
        ours = list(BatchSampler(SequentialSampler(range(10)), 3, drop_last))
        theirs = list(torch.utils.data.BatchSampler(torch.utils.data.SequentialSampler(range(10)), 3, drop_last))
        assert ours == theirs
        assert len(BatchSampler(range(10), 3, drop_last)) == len(theirs)
    with pytest.raises(ValueError, match="batch_size should be a positive integer value, but got batch_size=0"):
        BatchSampler(range(3), 0, False)


@pytest.mark.parametrize("drop_last", [False, True])
def test_distributed_sampler_partitions_like_pytorch(drop_last: bool) -> None:
    torch = pytest.importorskip("torch")
    for n, replicas in [(10, 3), (12, 4), (5, 2)]:
        for rank in range(replicas):
            ours = DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
            theirs = torch.utils.data.DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
            assert list(ours) == list(theirs)
            assert len(ours) == len(theirs)


def test_distributed_sampler_shuffles_per_epoch_and_covers_everything() -> None:
    samplers = [DistributedSampler(range(10), 2, rank) for rank in range(2)]
    first = [list(s) for s in samplers]
    assert sorted(first[0] + first[1]) == list(range(10))
    for s in samplers:
        s.set_epoch(1)
    second = [list(s) for s in samplers]
    assert sorted(second[0] + second[1]) == list(range(10))
    assert second != first
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval \[0, 1\]"):
        DistributedSampler(range(4), num_replicas=2, rank=2)


def test_default_collate_structures() -> None:
    batch = default_collate(
        [
            {"image": tocha.ones(2), "label": 1, "score": 0.5, "name": "a", "p": Point(1, 2.0), "arr": np.ones(2)},
            {"image": tocha.zeros(2), "label": 2, "score": 1.5, "name": "b", "p": Point(3, 4.0), "arr": np.zeros(2)},
        ]
    )
    assert batch["image"].tolist() == [[1.0, 1.0], [0.0, 0.0]]
    assert batch["label"].dtype == tocha.int64
    assert batch["score"].dtype == tocha.float64
    assert batch["name"] == ["a", "b"]
    assert isinstance(batch["p"], Point)
    assert batch["p"].x.tolist() == [1, 3]
    assert batch["arr"].dtype == tocha.float64
    assert default_collate([(1, "x"), (2, "y")])[1] == ("x", "y")  # the transposed tuple, as in PyTorch
    assert isinstance(default_collate([[1, 2], [3, 4]]), list)
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors, numpy arrays, numbers"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="found <U1"):
        default_collate([np.array(["a"]), np.array(["b"])])


def test_default_collate_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    samples = [(np.float32(i), i, float(i), np.arange(3) * i, True) for i in range(4)]
    ours = default_collate(samples)
    theirs = torch.utils.data.default_collate(samples)
    for a, b in zip(ours, theirs, strict=True):
        assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_default_convert() -> None:
    out = default_convert({"a": np.arange(3), "b": (np.float64(2.0), "s"), "c": np.array(["x"])})
    assert out["a"].tolist() == [0, 1, 2]
    assert isinstance(out["b"], list)
    assert out["b"][0].item() == 2.0
    assert isinstance(out["c"], np.ndarray)
