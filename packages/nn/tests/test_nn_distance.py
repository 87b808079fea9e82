"""tocha.nn distances: cosine_similarity, pairwise_distance, pdist, normalize and their modules."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from nn_oracle import assert_close_to_torch, gradcheck_function, to_torch, torch_or_skip

import tocha
import tocha.nn as nn
import tocha.nn.functional as F
from tocha.autograd import gradgradcheck


def _rand(shape: Any, seed: int) -> tocha.Tensor:
    return tocha.tensor(np.random.default_rng(seed).standard_normal(shape))


def test_cosine_similarity_numpy() -> None:
    a, b = _rand((4, 5), 0), _rand((4, 5), 1)
    x, y = a.numpy(), b.numpy()
    expected = (x * y).sum(1) / (np.linalg.norm(x, axis=1) * np.linalg.norm(y, axis=1))
    np.testing.assert_allclose(F.cosine_similarity(a, b).numpy(), expected)
    np.testing.assert_allclose(nn.CosineSimilarity(dim=1)(a, b).numpy(), expected)
    # broadcasting and eps clamping each norm separately, as PyTorch
    np.testing.assert_allclose(F.cosine_similarity(a, b[:1]).shape, (4,))
    tiny = F.cosine_similarity(tocha.tensor([[1e-5, 0.0]]), tocha.tensor([[1e-9, 0.0]]))
    np.testing.assert_allclose(tiny.numpy(), [0.1], rtol=1e-6)


def test_cosine_similarity_promotes_its_operands_and_rejects_a_non_floating_common_dtype() -> None:
    ints = tocha.tensor([[3, 4], [1, 0]])
    floats = tocha.tensor([[3.0, 4.0], [0.0, 1.0]])
    mixed = F.cosine_similarity(ints, floats)
    assert mixed.dtype is tocha.float32
    np.testing.assert_allclose(mixed.numpy(), [1.0, 0.0], atol=1e-7)
    assert F.cosine_similarity(floats.half(), floats.double()).dtype is tocha.float64
    with pytest.raises(RuntimeError, match="expected common dtype to be floating point, yet common dtype is Long"):
        F.cosine_similarity(ints, ints)
    with pytest.raises(RuntimeError, match="yet common dtype is ComplexFloat"):
        F.cosine_similarity(floats, floats * 1j)


def test_pairwise_distance_numpy() -> None:
    a, b = _rand((4, 5), 0), _rand((4, 5), 1)
    for p in (1.0, 2.0, 3.0):
        expected = (np.abs(a.numpy() - b.numpy() + 1e-6) ** p).sum(-1) ** (1 / p)
        np.testing.assert_allclose(F.pairwise_distance(a, b, p).numpy(), expected)
        np.testing.assert_allclose(nn.PairwiseDistance(p)(a, b).numpy(), expected)
    assert F.pairwise_distance(a, b, keepdim=True).shape == (4, 1)
    assert F.pairwise_distance(a[0], b[0]).shape == ()


def test_pdist_numpy() -> None:
    a = _rand((5, 3), 0)
    x = a.numpy()
    expected = [np.linalg.norm(x[i] - x[j]) for i in range(5) for j in range(i + 1, 5)]
    np.testing.assert_allclose(F.pdist(a).numpy(), expected)
    assert F.pdist(_rand((1, 3), 0)).shape == (0,)
    with pytest.raises(RuntimeError, match="pdist only supports 2D tensors, got: 1D"):
        F.pdist(tocha.ones(3))
    with pytest.raises(RuntimeError, match="pdist only supports non-negative p values"):
        F.pdist(tocha.ones(3, 2), -1)


def test_normalize_numpy() -> None:
    a = _rand((4, 5), 0)
    np.testing.assert_allclose(F.normalize(a).numpy(), a.numpy() / np.linalg.norm(a.numpy(), axis=1, keepdims=True))
    np.testing.assert_allclose(F.normalize(a, p=1, dim=0).numpy(), a.numpy() / np.abs(a.numpy()).sum(0))
    np.testing.assert_array_equal(F.normalize(tocha.zeros(2, 3)).numpy(), 0.0)
    out = tocha.empty(4, 5, dtype=tocha.float64)
    assert F.normalize(a, out=out) is out


@pytest.mark.parametrize(
    ("fn", "args"),
    [
        (F.cosine_similarity, ((4, 5), (4, 5))),
        (F.pairwise_distance, ((4, 5), (4, 5))),
        (F.pdist, ((4, 3),)),
        (F.normalize, ((4, 5),)),
    ],
)
def test_gradcheck(fn: Any, args: Any) -> None:
    inputs = [_rand(s, i) for i, s in enumerate(args)]
    gradcheck_function(fn, *inputs)
    assert gradgradcheck(fn, tuple(t.requires_grad_(True) for t in inputs))


def test_match_torch() -> None:
    torch = torch_or_skip()
    tf = torch.nn.functional
    a, b = _rand((4, 5), 0), _rand((4, 5), 1)
    cases = [
        ("cosine_similarity", (a, b), {}),
        ("cosine_similarity", (a, b[:1]), {"dim": 1, "eps": 1e-3}),
        ("pairwise_distance", (a, b), {"p": 3.0, "keepdim": True}),
        ("pdist", (a,), {"p": 1.5}),
        ("normalize", (a,), {"p": 3, "dim": 0}),
    ]
    for name, inputs, kwargs in cases:
        ours_in = [t.detach().requires_grad_(True) for t in inputs]
        theirs_in = [to_torch(t) for t in ours_in]
        y, ty = getattr(F, name)(*ours_in, **kwargs), getattr(tf, name)(*theirs_in, **kwargs)
        assert_close_to_torch(y, ty, atol=1e-12, what=name)
        y.sum().backward()
        ty.sum().backward()
        for o, t in zip(ours_in, theirs_in, strict=True):
            assert_close_to_torch(o.grad, t.grad, atol=1e-12, what=f"{name} grad")


def test_module_reprs_and_attributes() -> None:
    assert repr(nn.CosineSimilarity()) == "CosineSimilarity()"
    assert repr(nn.PairwiseDistance()) == "PairwiseDistance()"
    m = nn.PairwiseDistance(p=1.0, eps=0.1, keepdim=True)
    assert (m.norm, m.eps, m.keepdim) == (1.0, 0.1, True)
    c = nn.CosineSimilarity(dim=0, eps=1e-6)
    assert (c.dim, c.eps) == (0, 1e-6)
