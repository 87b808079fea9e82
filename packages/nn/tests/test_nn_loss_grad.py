"""Losses without PyTorch: NumPy references, finite differences (gradcheck) and double backward (gradgradcheck)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tocha
import tocha.nn as nn
import tocha.nn.functional as F
from tocha.autograd import gradcheck, gradgradcheck


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def t64(a: Any, requires_grad: bool = False) -> tocha.Tensor:
    return tocha.from_numpy(np.asarray(a, dtype=np.float64).copy()).requires_grad_(requires_grad)


def long(a: Any) -> tocha.Tensor:
    return tocha.from_numpy(np.asarray(a, dtype=np.int64).copy())


def check(fn: Callable[..., tocha.Tensor], *inputs: tocha.Tensor, double: bool = True) -> None:
    assert gradcheck(fn, inputs)
    if double:
        assert gradgradcheck(fn, inputs)


# ------------------------------------------------------------------ NumPy references


def _np_log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))  # type: ignore[no-any-return]


def test_cross_entropy_matches_numpy_reference_with_weights_and_ignore_index(ce_variant: str) -> None:
    r = rng(0)
    x = r.standard_normal((7, 4))
    target = r.integers(0, 4, 7)
    target[2] = -1
    w = r.random(4) + 0.2
    logp = _np_log_softmax(x, 1)
    keep = target != -1
    safe = np.where(keep, target, 0)
    per = -logp[np.arange(7), safe] * w[safe] * keep
    ours = F.cross_entropy(t64(x), long(target), weight=t64(w), ignore_index=-1, reduction="none")
    np.testing.assert_allclose(ours.numpy(), per)
    ours_mean = F.cross_entropy(t64(x), long(target), weight=t64(w), ignore_index=-1)
    np.testing.assert_allclose(ours_mean.item(), per.sum() / (w[safe] * keep).sum())
    # label smoothing: (1 - eps) * nll + eps / C * smooth, smooth normalised by the same total weight
    eps = 0.2
    smooth = -(logp * w).sum(1) * keep
    expected = (1 - eps) * per.sum() / (w[safe] * keep).sum() + eps / 4 * smooth.sum() / (w[safe] * keep).sum()
    ours_ls = F.cross_entropy(t64(x), long(target), weight=t64(w), ignore_index=-1, label_smoothing=eps)
    np.testing.assert_allclose(ours_ls.item(), expected)


def test_cross_entropy_k_dimensional_matches_flattened() -> None:
    r = rng(1)
    x = r.standard_normal((2, 3, 4, 5))
    target = r.integers(0, 3, (2, 4, 5))
    ours = F.cross_entropy(t64(x), long(target), reduction="none")
    flat = np.moveaxis(x, 1, -1).reshape(-1, 3)
    expected = -_np_log_softmax(flat, 1)[np.arange(flat.shape[0]), target.reshape(-1)]
    np.testing.assert_allclose(ours.numpy(), expected.reshape(2, 4, 5))


def test_cross_entropy_probabilities_matches_numpy() -> None:
    r = rng(2)
    x = r.standard_normal((5, 3))
    p = r.dirichlet(np.ones(3), 5)
    ours = F.cross_entropy(t64(x), t64(p))
    np.testing.assert_allclose(ours.item(), -(p * _np_log_softmax(x, 1)).sum() / 5)


def test_cross_entropy_float32_gradient_is_softmax_minus_onehot(ce_variant: str) -> None:
    r = rng(3)
    x = r.standard_normal((128, 10)).astype(np.float32)
    target = r.integers(0, 10, 128)
    a = tocha.from_numpy(x).requires_grad_(True)
    loss = F.cross_entropy(a, long(target))
    assert loss.dtype == tocha.float32
    loss.backward()
    p = np.exp(_np_log_softmax(x.astype(np.float64), 1))
    p[np.arange(128), target] -= 1
    assert a.grad is not None
    np.testing.assert_allclose(a.grad.numpy(), p / 128, atol=1e-7)


def test_cross_entropy_with_huge_row_offsets_uses_per_row_shift(ce_variant: str) -> None:
    x = np.array([[0.0, 1.0, 2.0], [-500.0, -499.0, -498.0]], dtype=np.float32)
    ours = F.cross_entropy(tocha.from_numpy(x), long([2, 0]), reduction="none")
    expected = -_np_log_softmax(x.astype(np.float64), 1)[[0, 1], [2, 0]]
    np.testing.assert_allclose(ours.numpy(), expected, rtol=1e-6)


def test_bce_with_logits_is_stable_for_large_logits() -> None:
    out = F.binary_cross_entropy_with_logits(t64([1000.0, -1000.0, 0.0]), t64([0.0, 1.0, 1.0]), reduction="none")
    np.testing.assert_allclose(out.numpy(), [1000.0, 1000.0, np.log(2.0)])


def test_kl_div_zero_target_contributes_nothing() -> None:
    out = F.kl_div(t64([-1.0, -2.0]), t64([0.0, 0.5]), reduction="none")
    np.testing.assert_allclose(out.numpy(), [0.0, 0.5 * (np.log(0.5) + 2.0)])


def _np_ctc(log_probs: np.ndarray, target: list[int], blank: int = 0) -> float:
    """Brute-force CTC: sum the probability of every alignment (small T only)."""
    import itertools

    t_max, c = log_probs.shape
    total = 0.0
    for path in itertools.product(range(c), repeat=t_max):
        collapsed = [k for i, k in enumerate(path) if i == 0 or k != path[i - 1]]
        if [k for k in collapsed if k != blank] == target:
            total += float(np.exp(sum(log_probs[t, k] for t, k in enumerate(path))))
    return -np.log(total) if total > 0 else np.inf


@pytest.mark.parametrize("target", [[1], [1, 1], [1, 2], [2, 1, 2], []])
def test_ctc_matches_brute_force(target: list[int]) -> None:
    r = rng(4)
    logits = r.standard_normal((5, 3))
    lp = _np_log_softmax(logits, 1)
    ours = F.ctc_loss(t64(lp[:, None]), long([target + [0] * (3 - len(target))]), [5], [len(target)], reduction="sum")
    np.testing.assert_allclose(ours.item(), _np_ctc(lp, target), rtol=1e-10)


def test_ctc_impossible_alignment_is_inf_or_zero() -> None:
    lp = t64(np.log(np.full((2, 1, 3), 1 / 3)), True)
    target = long([[1, 1]])  # needs three steps
    out = F.ctc_loss(lp, target, [2], [2], reduction="none")
    assert np.isinf(out.detach().numpy()[0])
    zeroed = F.ctc_loss(lp, target, [2], [2], reduction="sum", zero_infinity=True)
    assert zeroed.item() == 0.0
    zeroed.backward()
    assert lp.grad is not None
    np.testing.assert_array_equal(lp.grad.numpy(), np.zeros((2, 1, 3)))


def test_ctc_mean_divides_by_target_lengths() -> None:
    r = rng(5)
    lp = t64(_np_log_softmax(r.standard_normal((6, 2, 4)), 2))
    targets = long([[1, 2, 3], [2, 0, 0]])
    per = F.ctc_loss(lp, targets, [6, 5], [3, 1], reduction="none").numpy()
    mean = F.ctc_loss(lp, targets, [6, 5], [3, 1]).item()
    np.testing.assert_allclose(mean, (per[0] / 3 + per[1] / 1) / 2)
    concatenated = F.ctc_loss(lp, long([1, 2, 3, 2]), [6, 5], [3, 1], reduction="none").numpy()
    np.testing.assert_allclose(concatenated, per)


# ------------------------------------------------------------------ gradcheck / gradgradcheck


@pytest.fixture(params=["recompute", "with_softmax"])
def ce_variant(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Runs a test with each cross-entropy op (NOTE [ Two cross-entropy ops ])."""
    if request.param == "with_softmax":
        monkeypatch.setattr(F._loss, "_CE_RECOMPUTE_LIMIT", 0)
    return str(request.param)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_cross_entropy_gradgradcheck(reduction: str, ce_variant: str) -> None:
    r = rng(6)
    x = t64(r.standard_normal((4, 3)), True)
    w = t64(r.random(3) + 0.5)
    target = long([0, 2, 1, 1])
    check(lambda a: F.cross_entropy(a, target, reduction=reduction), x)
    check(lambda a: F.cross_entropy(a, long([0, 2, -100, 1]), weight=w, reduction=reduction), x)
    check(lambda a: F.cross_entropy(a, target, weight=w, label_smoothing=0.3, reduction=reduction), x)
    p = t64(r.dirichlet(np.ones(3), 4), True)
    check(lambda a, b: F.cross_entropy(a, b, weight=w, label_smoothing=0.1, reduction=reduction), x, p)


def test_cross_entropy_k_dim_and_unbatched_gradgradcheck(ce_variant: str) -> None:
    r = rng(7)
    x = t64(r.standard_normal((2, 3, 2, 2)), True)
    target = long(r.integers(0, 3, (2, 2, 2)))
    check(lambda a: F.cross_entropy(a, target, ignore_index=1), x)
    check(lambda a: F.cross_entropy(a, long(2)), t64(r.standard_normal(4), True))


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_nll_loss_gradgradcheck(reduction: str) -> None:
    r = rng(8)
    x = t64(r.standard_normal((5, 4)), True)
    w = t64(r.random(4) + 0.5)
    check(lambda a: F.nll_loss(a, long([0, 3, 1, 1, 2]), weight=w, ignore_index=3, reduction=reduction), x)
    target = long(r.integers(0, 4, (5, 2)))
    check(lambda a: F.nll_loss(a, target, reduction=reduction), t64(r.standard_normal((5, 4, 2)), True))


def test_regression_losses_gradgradcheck() -> None:
    r = rng(9)
    x = t64(r.standard_normal((3, 4)), True)
    y = t64(r.standard_normal((3, 4)), True)
    w = t64(r.random((3, 4)))
    check(lambda a, b: F.mse_loss(a, b), x, y)
    check(lambda a, b: F.mse_loss(a, b, weight=w), x, y)
    check(lambda a, b: F.l1_loss(a, b, reduction="sum"), x, y)
    check(lambda a, b: F.smooth_l1_loss(a, b, beta=0.7), x, y)
    check(lambda a, b: F.huber_loss(a, b, delta=0.6, reduction="none"), x, y)


def test_probability_losses_gradgradcheck() -> None:
    r = rng(10)
    p = t64(r.random((3, 4)) * 0.9 + 0.05, True)
    y = t64(r.random((3, 4)), True)
    logits = t64(r.standard_normal((3, 4)) * 3, True)
    w = t64(r.random((3, 4)))
    pos_weight = t64(r.random(4) * 2)
    counts = t64(r.integers(0, 5, (3, 4)).astype(float))
    check(lambda a, b: F.binary_cross_entropy(a, b, weight=w), p, y)
    check(lambda a, b: F.binary_cross_entropy_with_logits(a, b, pos_weight=pos_weight), logits, y)
    check(lambda a, b: F.kl_div(a, b, reduction="batchmean"), t64(np.log(r.dirichlet(np.ones(4), 3)), True), p)
    check(lambda a, b: F.kl_div(a, b, reduction="sum", log_target=True), logits, t64(np.log(p.detach().numpy()), True))
    check(lambda a, b: F.poisson_nll_loss(a, b, full=True), logits, counts)
    check(lambda a, b: F.poisson_nll_loss(a, b, log_input=False), p, y)
    var = t64(r.random((3, 1)) + 0.2, True)
    check(lambda a, b, v: F.gaussian_nll_loss(a, b, v, full=True), logits, y, var)


def test_margin_losses_gradgradcheck() -> None:
    r = rng(11)
    x1 = t64(r.standard_normal((4, 3)), True)
    x2 = t64(r.standard_normal((4, 3)), True)
    x3 = t64(r.standard_normal((4, 3)), True)
    sign = t64([1.0, -1.0, -1.0, 1.0])
    check(lambda a, b: F.cosine_embedding_loss(a, b, long([1, -1, 1, -1]), margin=-0.5), x1, x2)
    check(
        lambda a, b: F.margin_ranking_loss(a, b, sign, margin=5.0),
        x1[:, 0].detach().requires_grad_(),
        x2[:, 0].detach().requires_grad_(),
    )
    check(lambda a: F.hinge_embedding_loss(a, sign.unsqueeze(1).expand(4, 3), margin=5.0), x1)
    check(
        lambda a: F.multilabel_margin_loss(a, long([[2, 0, -1], [1, -1, 0], [0, 1, 2], [-1, 0, 0]])), x1 * 0 + x1 / 10
    )
    labels = t64(r.integers(0, 2, (4, 3)).astype(float))
    signs = t64(np.sign(r.standard_normal((4, 3))))
    check(lambda a: F.multilabel_soft_margin_loss(a, labels), x1)
    check(lambda a: F.multi_margin_loss(a, long([0, 1, 2, 1]), p=2, margin=3.0, weight=t64([1.0, 2.0, 0.5])), x1)
    check(lambda a: F.soft_margin_loss(a, signs), x1)
    check(lambda a, b, c: F.triplet_margin_loss(a, b, c, margin=10.0, swap=True), x1, x2, x3)
    check(lambda a, b, c: F.triplet_margin_with_distance_loss(a, b, c, margin=10.0), x1, x2, x3)


def test_ctc_gradcheck_through_log_softmax() -> None:
    r = rng(12)
    logits = t64(r.standard_normal((7, 2, 4)), True)
    targets = long([[1, 2, 2], [3, 1, 0]])

    def fn(a: tocha.Tensor) -> tocha.Tensor:
        return F.ctc_loss(F.log_softmax(a, 2), targets, [7, 6], [3, 2], reduction="none")

    assert gradcheck(fn, (logits,))


def test_ctc_gradient_is_pytorch_convention_on_log_probs() -> None:
    # d/d log_probs = exp(log_probs) - posterior (PyTorch's formula, exact after a log_softmax)
    r = rng(13)
    lp = t64(_np_log_softmax(r.standard_normal((4, 1, 3)), 2), True)
    F.ctc_loss(lp, long([[1]]), [4], [1], reduction="sum").backward()
    assert lp.grad is not None
    g = lp.grad.numpy()
    np.testing.assert_allclose(g.sum(2), np.zeros((4, 1)), atol=1e-12)  # exp(lp) and the posterior each sum to 1


# ------------------------------------------------------------------ modules, errors


def test_modules_compute_their_functional() -> None:
    r = rng(14)
    x = t64(r.standard_normal((4, 3)))
    y = t64(r.standard_normal((4, 3)))
    target = long([0, 2, 1, 1])
    w = t64([0.2, 1.0, 3.0])
    assert nn.CrossEntropyLoss(weight=w, label_smoothing=0.1)(x, target).item() == pytest.approx(
        F.cross_entropy(x, target, weight=w, label_smoothing=0.1).item()
    )
    assert nn.MSELoss(reduction="sum")(x, y).item() == pytest.approx(F.mse_loss(x, y, reduction="sum").item())
    assert nn.HuberLoss(delta=0.3)(x, y).item() == pytest.approx(F.huber_loss(x, y, delta=0.3).item())
    bce = nn.BCEWithLogitsLoss(pos_weight=w)
    assert [n for n, _ in bce.named_buffers()] == ["pos_weight"]
    assert bce(x, y.sigmoid()).item() == pytest.approx(
        F.binary_cross_entropy_with_logits(x, y.sigmoid(), pos_weight=w).item()
    )
    triplet = nn.TripletMarginWithDistanceLoss()
    assert repr(triplet) == "TripletMarginWithDistanceLoss(\n  (distance_function): PairwiseDistance()\n)"
    assert repr(nn.CTCLoss()) == "CTCLoss()"
    with pytest.raises(ValueError, match="only p == 1 and p == 2 supported"):
        nn.MultiMarginLoss(p=3)


def test_error_messages_without_torch() -> None:
    x = t64(np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"Expected input batch_size \(3\) to match target batch_size \(4\)\."):
        F.cross_entropy(x, long([0, 1, 2, 3]))
    with pytest.raises(IndexError, match=r"Target 4 is out of bounds\."):
        F.cross_entropy(x, long([0, 1, 4]))
    with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte, but got Double"):
        F.nll_loss(x, t64([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="bar is not a valid value for reduction"):
        nn.MSELoss(reduction="bar")(x, x)
    with pytest.raises(RuntimeError, match="Expected input_lengths to have value at most 2"):
        F.ctc_loss(t64(np.zeros((2, 1, 3))), long([[1]]), [3], [1])
    with pytest.raises(RuntimeError, match="Expected tensor to have size at least 2 at dimension 1"):
        F.ctc_loss(t64(np.zeros((2, 1, 3))), long([[1]]), [2], [2])
