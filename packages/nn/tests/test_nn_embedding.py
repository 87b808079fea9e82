"""Embedding, EmbeddingBag, F.embedding, F.embedding_bag and F.one_hot."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from nn_oracle import assert_close_to_torch, compare_with_torch, gradcheck_function, to_torch, torch_or_skip

import tocha
import tocha.nn as nn
import tocha.nn.functional as F
from tocha.autograd import gradgradcheck

RNG = np.random.default_rng(2)


def _randn(*shape: int, dtype: Any = np.float32) -> tocha.Tensor:
    return tocha.from_numpy(RNG.standard_normal(shape).astype(dtype))


def _weight_grad(fn: Any, weight: tocha.Tensor, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    w = weight.detach().requires_grad_(True)
    y = fn(w)
    g = np.random.default_rng(seed).standard_normal(tuple(y.shape)).astype(np.float32)
    (y * tocha.from_numpy(g)).sum().backward()
    return g, w.grad.numpy()


# ------------------------------------------------------------------ embedding without PyTorch


def test_embedding_forward_and_backward_numpy() -> None:
    w = _randn(6, 3)
    idx = tocha.tensor([[1, 4, 1], [0, 5, 1]])
    np.testing.assert_array_equal(F.embedding(idx, w).numpy(), w.numpy()[idx.numpy()])
    g, grad = _weight_grad(lambda w: F.embedding(idx, w), w)
    expected = np.zeros((6, 3), np.float32)
    np.add.at(expected, idx.numpy().reshape(-1), g.reshape(-1, 3))
    np.testing.assert_allclose(grad, expected, atol=1e-6)


def test_embedding_padding_idx_and_scale_grad_by_freq() -> None:
    w = _randn(6, 3)
    idx = tocha.tensor([[1, 4, 1], [0, 5, 1]])
    g, grad = _weight_grad(lambda w: F.embedding(idx, w, padding_idx=1), w)
    expected = np.zeros((6, 3), np.float32)
    np.add.at(expected, idx.numpy().reshape(-1), g.reshape(-1, 3))
    expected[1] = 0
    np.testing.assert_allclose(grad, expected, atol=1e-6)
    g, grad = _weight_grad(lambda w: F.embedding(idx, w, padding_idx=-1, scale_grad_by_freq=True), w)
    flat = idx.numpy().reshape(-1)
    counts = np.bincount(flat, minlength=6)
    expected = np.zeros((6, 3), np.float32)
    np.add.at(expected, flat, g.reshape(-1, 3) / counts[flat][:, None])
    expected[5] = 0
    np.testing.assert_allclose(grad, expected, atol=1e-6)


def test_embedding_gradcheck_and_gradgradcheck() -> None:
    w = _randn(5, 3, dtype=np.float64)
    idx = tocha.tensor([[0, 1, 1], [4, 1, 2]])
    gradcheck_function(lambda w: F.embedding(idx, w), w)
    for kwargs in ({}, {"padding_idx": 1}, {"scale_grad_by_freq": True, "padding_idx": 2}):
        # padding_idx and scale_grad_by_freq change the gradient on purpose (not a derivative), but the
        # backward op is linear in the incoming gradient and its own vjp must agree with finite differences.
        assert gradgradcheck(lambda w, kw=kwargs: F.embedding(idx, w, **kw), (w.detach().requires_grad_(),))


def test_embedding_max_norm_renormalises_in_place() -> None:
    w = _randn(5, 3) * 4
    before = w.numpy().copy()
    idx = tocha.tensor([0, 2, 2])
    out = F.embedding(idx, w, max_norm=1.0)
    norms = np.linalg.norm(w.numpy(), axis=1)
    for row in (0, 2):
        assert norms[row] <= 1.0 + 1e-5
    for row in (1, 3, 4):
        np.testing.assert_array_equal(w.numpy()[row], before[row])
    np.testing.assert_allclose(out.numpy(), w.numpy()[[0, 2, 2]])
    w1 = _randn(4, 2) * 4
    F.embedding(tocha.tensor([1]), w1, max_norm=0.5, norm_type=1.0)
    assert abs(np.abs(w1.numpy()[1]).sum() - 0.5) < 1e-5


def test_embedding_module() -> None:
    tocha.manual_seed(0)
    m = nn.Embedding(1000, 4, padding_idx=3)
    assert list(m.state_dict()) == ["weight"]
    assert m.weight.requires_grad
    np.testing.assert_array_equal(m.weight.detach().numpy()[3], np.zeros(4))
    values = np.delete(m.weight.detach().numpy(), 3, axis=0)
    assert abs(values.mean()) < 0.1
    assert abs(values.std() - 1.0) < 0.1
    assert repr(m) == "Embedding(1000, 4, padding_idx=3)"
    assert nn.Embedding(5, 2, padding_idx=-1).padding_idx == 4
    out = m(tocha.tensor([[3, 5]]))
    assert out.shape == (1, 2, 4)
    out.sum().backward()
    np.testing.assert_array_equal(m.weight.grad.numpy()[3], np.zeros(4))
    np.testing.assert_array_equal(m.weight.grad.numpy()[5], np.ones(4))


def test_embedding_from_pretrained() -> None:
    weights = tocha.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    m = nn.Embedding.from_pretrained(weights)
    assert not m.weight.requires_grad
    assert repr(m) == "Embedding(3, 2)"
    np.testing.assert_array_equal(m(tocha.tensor([2])).numpy(), [[5.0, 6.0]])
    m2 = nn.Embedding.from_pretrained(weights, freeze=False, padding_idx=0)
    assert m2.weight.requires_grad
    assert m2.padding_idx == 0
    np.testing.assert_array_equal(m2.weight.detach().numpy()[0], [1.0, 2.0])  # not zeroed
    bag = nn.EmbeddingBag.from_pretrained(weights, mode="sum")
    assert not bag.weight.requires_grad
    assert repr(bag) == "EmbeddingBag(3, 2, mode='sum')"
    np.testing.assert_array_equal(bag(tocha.tensor([[0, 2]])).numpy(), [[6.0, 8.0]])


def test_embedding_errors() -> None:
    w = _randn(3, 2)
    with pytest.raises(RuntimeError, match="'indices' to have one of the following scalar types: Long, Int"):
        F.embedding(tocha.tensor([1.0]), w)
    with pytest.raises(IndexError, match="index out of range in self"):
        F.embedding(tocha.tensor([5]), w)
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(3, 2, padding_idx=3)
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        F.embedding(tocha.tensor([1]), w, padding_idx=-4)
    with pytest.raises(AssertionError, match="Embeddings parameter is expected to be 2-dimensional"):
        nn.Embedding.from_pretrained(tocha.ones(3))
    with pytest.raises(AssertionError, match="Shape of weight does not match num_embeddings and embedding_dim"):
        nn.Embedding(3, 2, _weight=tocha.ones(2, 2))
    with pytest.raises(NotImplementedError, match="sparse"):
        F.embedding(tocha.tensor([1]), w, sparse=True)


# ------------------------------------------------------------------ embedding_bag without PyTorch


def _bag_reference(
    idx: np.ndarray, w: np.ndarray, starts: list[int], ends: list[int], mode: str, psw: Any = None, pad: Any = None
) -> np.ndarray:
    rows = []
    for s, e in zip(starts, ends, strict=True):
        entries = [(i, k) for k, i in enumerate(idx[s:e], start=s) if i != pad]
        if not entries:
            rows.append(np.zeros(w.shape[1]))
            continue
        vectors = np.stack([w[i] * (1.0 if psw is None else psw[k]) for i, k in entries])
        rows.append({"sum": vectors.sum(0), "mean": vectors.mean(0), "max": vectors.max(0)}[mode])
    return np.stack(rows)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 9])
def test_embedding_bag_modes_with_offsets(mode: str, padding_idx: int | None) -> None:
    w = _randn(10, 4)
    idx = np.array([1, 2, 2, 5, 0, 9, 9, 9, 3])
    offsets = [0, 3, 3, 7]
    out = F.embedding_bag(tocha.from_numpy(idx), w, tocha.tensor(offsets), mode=mode, padding_idx=padding_idx)
    expected = _bag_reference(idx, w.numpy(), offsets, [*offsets[1:], 9], mode, pad=padding_idx)
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-6)
    last = F.embedding_bag(
        tocha.from_numpy(idx), w, tocha.tensor([*offsets, 9]), mode=mode, padding_idx=padding_idx,
        include_last_offset=True,
    )  # fmt: skip
    np.testing.assert_allclose(last.numpy(), expected, atol=1e-6)


def test_embedding_bag_2d_input_and_per_sample_weights() -> None:
    w = _randn(10, 3)
    idx = np.array([[1, 2, 4], [4, 3, 0]])
    out = F.embedding_bag(tocha.from_numpy(idx), w)
    np.testing.assert_allclose(out.numpy(), w.numpy()[idx].mean(1), atol=1e-6)
    psw = _randn(2, 3)
    out = F.embedding_bag(tocha.from_numpy(idx), w, mode="sum", per_sample_weights=psw)
    np.testing.assert_allclose(out.numpy(), (w.numpy()[idx] * psw.numpy()[..., None]).sum(1), atol=1e-6)


def test_embedding_bag_gradients() -> None:
    w = _randn(6, 3, dtype=np.float64)
    idx, offsets = tocha.tensor([0, 1, 1, 4, 1, 2]), tocha.tensor([0, 2, 2])
    for mode in ("sum", "mean", "max"):
        fn = lambda w, mode=mode: F.embedding_bag(idx, w, offsets, mode=mode)
        gradcheck_function(fn, w)
        assert gradgradcheck(fn, (w.detach().requires_grad_(),))
    psw = _randn(6, dtype=np.float64)
    gradcheck_function(lambda w, p: F.embedding_bag(idx, w, offsets, mode="sum", per_sample_weights=p), w, psw)


def test_embedding_bag_scale_grad_by_freq_divides_by_counts() -> None:
    # Documented semantics (each index's gradient divided by its count in the mini-batch), as F.embedding.
    w = _randn(6, 2)
    idx, offsets = tocha.tensor([1, 1, 1, 2, 2, 3]), tocha.tensor([0, 2])
    _, grad = _weight_grad(lambda w: F.embedding_bag(idx, w, offsets, mode="sum", scale_grad_by_freq=True), w, 3)
    g = np.random.default_rng(3).standard_normal((2, 2)).astype(np.float32)
    per_entry = g[[0, 0, 1, 1, 1, 1]]
    expected = np.zeros((6, 2), np.float32)
    np.add.at(expected, [1, 1, 1, 2, 2, 3], per_entry / np.array([3, 3, 3, 2, 2, 1.0])[:, None])
    np.testing.assert_allclose(grad, expected, atol=1e-6)


def test_embedding_bag_module() -> None:
    m = nn.EmbeddingBag(10, 3, mode="max", padding_idx=0, max_norm=2.0, include_last_offset=True)
    assert repr(m) == "EmbeddingBag(10, 3, max_norm=2.0, mode='max', padding_idx=0)"
    assert repr(nn.EmbeddingBag(10, 3)) == "EmbeddingBag(10, 3, mode='mean')"
    np.testing.assert_array_equal(m.weight.detach().numpy()[0], np.zeros(3))
    out = m(tocha.tensor([1, 2, 0, 4]), tocha.tensor([0, 2, 4]))
    assert out.shape == (2, 3)
    assert np.all(np.linalg.norm(m.weight.detach().numpy()[[1, 2, 4]], axis=1) <= 2.0 + 1e-5)
    assert list(m.state_dict()) == ["weight"]


def test_embedding_bag_errors() -> None:
    w = _randn(3, 2)
    with pytest.raises(NotImplementedError, match=r"per_sample_weights is only supported for mode='sum' \(got mod"):
        F.embedding_bag(tocha.tensor([1, 2]), w, tocha.tensor([0]), mode="mean", per_sample_weights=tocha.ones(2))
    with pytest.raises(ValueError, match="offsets has to be a 1D Tensor but got None"):
        F.embedding_bag(tocha.tensor([1, 2]), w)
    with pytest.raises(ValueError, match="if input is 2D, then offsets has to be None"):
        F.embedding_bag(tocha.tensor([[1, 2]]), w, tocha.tensor([0]))
    with pytest.raises(ValueError, match="max mode does not support scaling the gradient by the frequency"):
        F.embedding_bag(tocha.tensor([1, 2]), w, tocha.tensor([0]), mode="max", scale_grad_by_freq=True)
    with pytest.raises(ValueError, match="mode has to be one of sum, mean or max"):
        F.embedding_bag(tocha.tensor([1, 2]), w, tocha.tensor([0]), mode="foo")
    with pytest.raises(RuntimeError, match=r"offsets\[0\] has to be 0"):
        F.embedding_bag(tocha.tensor([1, 2]), w, tocha.tensor([1]))
    with pytest.raises(ValueError, match="offsets has to be a 1D Tensor"):
        F.embedding_bag(tocha.tensor([1, 2]), w, tocha.tensor([[0]]))
    with pytest.raises(ValueError, match=r"If per_sample_weights \(tocha.Size\(\[3\]\)\) is not None, then it must"):
        F.embedding_bag(tocha.tensor([1, 2]), w, tocha.tensor([0]), mode="sum", per_sample_weights=tocha.ones(3))


# ------------------------------------------------------------------ one_hot


def test_one_hot() -> None:
    out = F.one_hot(tocha.tensor([[0, 3], [1, 1]]), 5)
    assert out.dtype == tocha.int64
    assert out.shape == (2, 2, 5)
    np.testing.assert_array_equal(out.numpy(), np.eye(5, dtype=np.int64)[[[0, 3], [1, 1]]])
    assert F.one_hot(tocha.tensor([2, 0])).shape == (2, 3)
    assert F.one_hot(tocha.tensor([], dtype=tocha.int64), 3).shape == (0, 3)
    assert F.one_hot(tocha.tensor(1), 2).numpy().tolist() == [0, 1]


def test_one_hot_errors() -> None:
    with pytest.raises(RuntimeError, match=r"one_hot is only applicable to index tensor of type LongTensor."):
        F.one_hot(tocha.tensor([1.0]))
    with pytest.raises(RuntimeError, match=r"Class values must be non-negative."):
        F.one_hot(tocha.tensor([-1]))
    with pytest.raises(RuntimeError, match=r"Class values must be smaller than num_classes."):
        F.one_hot(tocha.tensor([3]), 2)
    with pytest.raises(RuntimeError, match=r"Can not infer total number of classes from empty tensor."):
        F.one_hot(tocha.tensor([], dtype=tocha.int64))


# ------------------------------------------------------------------ against PyTorch


@pytest.mark.parametrize(
    "kwargs", [{}, {"padding_idx": 2}, {"padding_idx": -1, "scale_grad_by_freq": True}, {"scale_grad_by_freq": True}]
)
def test_embedding_module_against_torch(kwargs: dict[str, Any]) -> None:
    torch = torch_or_skip()
    ours, theirs = nn.Embedding(7, 4, **kwargs), torch.nn.Embedding(7, 4, **kwargs)
    assert repr(ours) == repr(theirs)
    compare_with_torch(ours, theirs, tocha.tensor([[0, 2, 2], [6, 1, 2]]))


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.5])
def test_embedding_max_norm_against_torch(norm_type: float) -> None:
    torch = torch_or_skip()
    w = _randn(6, 3) * 3
    tw = to_torch(w)
    idx = tocha.tensor([[0, 2, 2], [5, 1, 2]])
    ours = F.embedding(idx, w, max_norm=1.5, norm_type=norm_type)
    theirs = torch.nn.functional.embedding(to_torch(idx), tw, max_norm=1.5, norm_type=norm_type)
    assert_close_to_torch(ours, theirs, atol=1e-6)
    assert_close_to_torch(w, tw, atol=1e-6)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 9, 2])
@pytest.mark.parametrize("include_last_offset", [False, True])
def test_embedding_bag_against_torch(mode: str, padding_idx: int | None, include_last_offset: bool) -> None:
    torch = torch_or_skip()
    kwargs = {"mode": mode, "padding_idx": padding_idx, "include_last_offset": include_last_offset}
    ours, theirs = nn.EmbeddingBag(10, 4, **kwargs), torch.nn.EmbeddingBag(10, 4, **kwargs)  # type: ignore[arg-type]
    assert repr(ours) == repr(theirs)
    offsets = [0, 3, 3, 7] + ([9] if include_last_offset else [])
    compare_with_torch(ours, theirs, tocha.tensor([1, 2, 2, 5, 0, 9, 9, 9, 3]), tocha.tensor(offsets))


def test_embedding_bag_per_sample_weights_against_torch() -> None:
    torch = torch_or_skip()
    ours, theirs = (
        nn.EmbeddingBag(10, 4, mode="sum", padding_idx=9),
        torch.nn.EmbeddingBag(10, 4, mode="sum", padding_idx=9),
    )
    idx, offsets, psw = tocha.tensor([1, 2, 2, 5, 0, 9, 9, 3]), tocha.tensor([0, 3, 3, 6]), _randn(8)
    compare_with_torch(ours, theirs, idx, offsets, psw)
    idx2, psw2 = tocha.tensor([[1, 2, 2], [5, 0, 9]]), _randn(2, 3)
    compare_with_torch(ours, theirs, idx2, None, psw2, copy_weights=False)


def test_one_hot_against_torch() -> None:
    torch = torch_or_skip()
    x = tocha.tensor([[0, 4], [2, 2]])
    assert_close_to_torch(F.one_hot(x), torch.nn.functional.one_hot(to_torch(x)))
    assert_close_to_torch(F.one_hot(x, 7), torch.nn.functional.one_hot(to_torch(x), 7))


def test_embedding_int32_indices_and_no_grad() -> None:
    w = _randn(4, 2)
    idx = tocha.tensor([3, 0], dtype=tocha.int32)
    np.testing.assert_array_equal(F.embedding(idx, w).numpy(), w.numpy()[[3, 0]])
    with tocha.no_grad():
        out = nn.Embedding(4, 2)(idx)
    assert not out.requires_grad
