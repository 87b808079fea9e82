"""Random ops under the batched vmap (NOTE [ Randomness under vmap ] in tocha._vmap).

'same' must equal the per-entry loop draw for draw; 'different' must give each entry its own draws, with every
batched parameter reaching its own entry (checked with parameters that make the draw certain).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import tocha
from tocha import _vmap
from tocha.func import vmap
from tocha.testing import assert_close


@pytest.fixture
def batched_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """vmap raises instead of falling back to the loop: the function must run batched."""
    monkeypatch.setattr(_vmap, "LOOP_FALLBACK", False)


def _same_loop(f: Callable[..., Any], x: tocha.Tensor, seed: int) -> tocha.Tensor:
    """The loop 'same' means: the generator rewound before each entry."""
    entries = []
    for b in range(x.shape[0]):
        tocha.manual_seed(seed)
        entries.append(f(x[b]))
    return tocha.stack(entries)


SAME_FORMS: list[tuple[str, Callable[[tocha.Tensor], tocha.Tensor]]] = [
    ("rand_like", lambda a: a + tocha.rand_like(a)),
    ("randn_like float64", lambda a: a * tocha.randn_like(a, dtype=tocha.float64)),
    ("randint_like", lambda a: a + tocha.randint_like(a, 3, 9)),
    ("unbatched randn", lambda a: a + tocha.randn(a.shape[-1])),
    ("unbatched normal", lambda a: a - tocha.normal(2.0, 3.0, (a.shape[-1],))),
    ("bernoulli_ of empty_like", lambda a: a * tocha.empty_like(a).bernoulli_(0.3)),
    ("bernoulli_ with a tensor p", lambda a: a * tocha.empty_like(a).bernoulli_(tocha.full((a.shape[-1],), 0.6))),
    ("normal_ then exponential_", lambda a: tocha.zeros_like(a).normal_(1.0, 2.0) + tocha.ones_like(a).exponential_()),
    ("uniform_ of full_like", lambda a: tocha.full_like(a, 7.0).uniform_(-1.0, 1.0) * a),
    ("two draws", lambda a: tocha.rand_like(a) * tocha.rand(()) + tocha.empty_like(a).cauchy_()),
]


@pytest.mark.parametrize(("name", "f"), SAME_FORMS, ids=[name for name, _ in SAME_FORMS])
def test_same_equals_the_rewinding_loop(batched_only: None, name: str, f: Callable[..., Any]) -> None:
    x = tocha.arange(12.0).view(3, 4) / 7
    expected = _same_loop(f, x, seed=5)
    after_loop = tocha.rand(())
    tocha.manual_seed(5)
    actual = vmap(f, randomness="same")(x)
    assert_close(actual, expected, rtol=0, atol=0)
    assert tocha.equal(tocha.rand(()), after_loop)  # the generator moved on by one entry's draws, as the loop's


DIFFERENT_FORMS: list[tuple[str, Callable[[tocha.Tensor], tocha.Tensor]]] = [
    ("rand_like", lambda a: tocha.rand_like(a)),
    ("unbatched randn", lambda a: tocha.randn(5)),
    ("randperm", lambda a: tocha.randperm(9).to(a.dtype)),
    ("bernoulli", lambda a: tocha.bernoulli(a * 0 + 0.5)),
    ("normal, batched mean", lambda a: tocha.normal(a, 1.0)),
    ("normal, batched std", lambda a: tocha.normal(0.0, a + 1.0)),
    ("poisson", lambda a: tocha.poisson(a * 0 + 4.0)),
    ("multinomial of rows", lambda a: tocha.multinomial((a * 0 + 1).view(1, -1).expand(3, -1), 4).to(a.dtype)),
    ("in-place samplers", lambda a: tocha.empty_like(a).geometric_(0.3) + tocha.empty_like(a).log_normal_()),
]


@pytest.mark.parametrize(("name", "f"), DIFFERENT_FORMS, ids=[name for name, _ in DIFFERENT_FORMS])
def test_different_draws_per_entry_and_runs_batched(batched_only: None, name: str, f: Callable[..., Any]) -> None:
    x = tocha.rand(1, 12, dtype=tocha.float64).expand(6, 12).clone()  # equal entries: only the draws tell them apart
    tocha.manual_seed(3)
    out = vmap(f, randomness="different")(x)
    assert out.shape[0] == 6
    rows = {tuple(row.reshape(-1).tolist()) for row in out}
    assert len(rows) == 6, f"{name}: entries drew the same values"
    tocha.manual_seed(3)
    assert tocha.equal(vmap(f, randomness="different")(x), out)  # the seed fixes the draws


def test_different_gives_each_entry_its_parameters(batched_only: None) -> None:
    """Parameters that make each draw certain: every batched parameter reaches its own entry."""
    p = tocha.tensor([[0.0, 1.0, 0.0], [1.0, 1.0, 0.0]])
    assert tocha.equal(vmap(tocha.bernoulli, randomness="different")(p), p)
    assert tocha.equal(vmap(lambda q: tocha.ones_like(q).bernoulli_(q), randomness="different")(p), p)
    means = tocha.tensor([[1.0, -2.0], [3.0, 4.0], [0.5, 0.25]])
    assert tocha.equal(
        vmap(lambda m: tocha.normal(m, tocha.zeros(3, 2)), randomness="different")(means),
        means.unsqueeze(1).expand(3, 3, 2),
    )
    assert tocha.equal(vmap(lambda m: tocha.normal(m, 0.0), randomness="different")(means), means)
    rates = tocha.tensor([[0.0, 0.0], [0.0, 0.0]])
    assert tocha.equal(vmap(tocha.poisson, randomness="different")(rates), rates)
    one_hot = tocha.eye(4)[[2, 0, 3]]  # each entry's weights single out one category
    drawn = vmap(lambda w: tocha.multinomial(w, 3, replacement=True), randomness="different")(one_hot)
    assert drawn.tolist() == [[2, 2, 2], [0, 0, 0], [3, 3, 3]]
    rows = tocha.eye(4)[tocha.tensor([[2, 1], [0, 3]])]  # entries of two rows each
    drawn = vmap(lambda w: tocha.multinomial(w, 2, replacement=True), randomness="different")(rows)
    assert drawn.tolist() == [[[2, 2], [1, 1]], [[0, 0], [3, 3]]]
    bounds = tocha.tensor([2.0, -1.0, 5.0])
    filled = vmap(
        lambda b: tocha.empty_like(b.expand(4), dtype=tocha.float64).uniform_(0, 0) + b, randomness="different"
    )(bounds)
    assert tocha.equal(filled, bounds.double().unsqueeze(1).expand(3, 4))


def test_different_masks_have_the_right_rate() -> None:
    x = tocha.ones(8, 4000)
    tocha.manual_seed(0)
    masks = vmap(lambda a: tocha.empty_like(a).bernoulli_(0.25), randomness="different")(x)
    rates = masks.mean(1)
    assert ((rates - 0.25).abs() < 0.03).all(), rates
    assert len({tuple(m.tolist()[:64]) for m in masks}) == 8


def test_nested_levels_draw_per_pair() -> None:
    tocha.manual_seed(0)
    inner = vmap(lambda a: a + tocha.rand(()), randomness="different")
    out = vmap(inner, randomness="different")(tocha.zeros(3, 4))
    assert len(set(out.reshape(-1).tolist())) == 12
    tocha.manual_seed(0)
    out = vmap(vmap(lambda a: a + tocha.rand(()), randomness="same"), randomness="different")(tocha.zeros(3, 4))
    assert [len(set(row.tolist())) for row in out] == [1, 1, 1]  # one draw per outer entry
    assert len(set(out[:, 0].tolist())) == 3


def test_chunks_draw_different_values() -> None:
    tocha.manual_seed(0)
    out = vmap(lambda a: a + tocha.rand_like(a), randomness="different", chunk_size=2)(tocha.zeros(5, 3))
    assert len({tuple(r) for r in out.tolist()}) == 5


def _loop_drawing_in_order(f: Callable[..., Any], x: tocha.Tensor, seed: int) -> tocha.Tensor:
    tocha.manual_seed(seed)
    return tocha.stack([f(x[b]) for b in range(x.shape[0])])


def test_a_fallback_draws_what_the_loop_alone_draws() -> None:
    """The generators are rewound before the loop: the batched attempt's draws leave no trace."""

    def reads_a_value(a: tocha.Tensor) -> tocha.Tensor:
        noisy = a + tocha.rand_like(a)
        return noisy * noisy.sum().item()  # a host read: only the loop can run this

    x = tocha.arange(6.0).view(2, 3)
    expected = _loop_drawing_in_order(reads_a_value, x, seed=11)
    tocha.manual_seed(11)
    assert tocha.equal(vmap(reads_a_value, randomness="different")(x), expected)

    def fills_an_unbatched_tensor(a: tocha.Tensor) -> tocha.Tensor:
        return a + tocha.empty(3).normal_()  # under 'different' its entries would have to differ

    expected = _loop_drawing_in_order(fills_an_unbatched_tensor, x, seed=12)
    tocha.manual_seed(12)
    assert tocha.equal(vmap(fills_an_unbatched_tensor, randomness="different")(x), expected)
    expected = _same_loop(lambda a: tocha.bernoulli(a / 6), x, seed=13)  # batched p under 'same': the loop
    tocha.manual_seed(13)
    assert tocha.equal(vmap(lambda a: tocha.bernoulli(a / 6), randomness="same")(x), expected)


def test_like_factories_are_batched(batched_only: None) -> None:
    x = tocha.arange(6.0).view(2, 3)
    assert tocha.equal(vmap(lambda a: tocha.zeros_like(a).add_(a))(x), x)
    assert tocha.equal(vmap(lambda a: tocha.ones_like(a, dtype=tocha.int64).mul_(a.long()))(x), x.long())
    assert tocha.equal(vmap(lambda a: tocha.full_like(a, 2.0).sub_(a))(x), 2.0 - x)
    assert tocha.equal(vmap(lambda a: tocha.empty_like(a).copy_(a * 3))(x), x * 3)
    assert tocha.equal(vmap(vmap(lambda a: tocha.zeros_like(a).add_(a)))(x.view(2, 3, 1)), x.view(2, 3, 1))
    with pytest.raises(RuntimeError, match="randomness error mode"):  # 'error' still refuses the draws
        vmap(lambda a: tocha.randn_like(a))(x)


def test_errors_of_like_draws_are_the_loops() -> None:
    x = tocha.arange(6).view(2, 3)
    with pytest.raises(NotImplementedError, match="\"rand\" not implemented for 'Long'"):
        vmap(lambda a: tocha.rand_like(a), randomness="different")(x)
