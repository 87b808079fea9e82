"""Losses against PyTorch: values and input gradients (float64), every reduction and option, errors, reprs."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from nn_oracle import to_torch, torch_or_skip

import tocha
import tocha.nn as nn
import tocha.nn.functional as F

REDUCTIONS = ["none", "mean", "sum"]


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def t64(a: Any, requires_grad: bool = False) -> tocha.Tensor:
    return tocha.from_numpy(np.asarray(a, dtype=np.float64).copy()).requires_grad_(requires_grad)


def long(a: Any) -> tocha.Tensor:
    return tocha.from_numpy(np.asarray(a, dtype=np.int64).copy())


def compare(
    ours_fn: Callable[..., Any],
    torch_fn: Callable[..., Any],
    *inputs: Any,
    atol: float = 1e-8,
    rtol: float = 1e-6,
) -> None:
    """Output and the gradient of every floating input requiring grad agree with PyTorch."""
    torch = torch_or_skip()
    ours_in = [x.detach().requires_grad_(x.requires_grad) if isinstance(x, tocha.Tensor) else x for x in inputs]
    theirs_in = [to_torch(x) if isinstance(x, tocha.Tensor) else x for x in ours_in]
    ours = ours_fn(*ours_in)
    theirs = torch_fn(*theirs_in)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), atol=atol, rtol=rtol)
    wants = [isinstance(x, tocha.Tensor) and x.requires_grad for x in ours_in]
    if not any(wants):
        return
    w = rng(7).standard_normal(tuple(ours.shape))
    (ours * tocha.from_numpy(w)).sum().backward()
    (theirs * torch.from_numpy(w)).sum().backward()
    for i, (a, b) in enumerate(zip(ours_in, theirs_in, strict=True)):
        if wants[i]:
            assert a.grad is not None, f"no gradient for input {i}"
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=atol, rtol=rtol, err_msg=f"input {i}")


def tfn(name: str) -> Callable[..., Any]:
    torch = torch_or_skip()
    return getattr(torch.nn.functional, name)  # type: ignore[no-any-return]


# ------------------------------------------------------------------ regression losses


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["l1_loss", "mse_loss", "smooth_l1_loss", "huber_loss", "soft_margin_loss"])
def test_pointwise_losses_match_torch(name: str, reduction: str) -> None:
    r = rng(1)
    x = t64(r.standard_normal((4, 5)) * 2, True)
    y = t64(r.standard_normal((4, 5)) * 2, name != "soft_margin_loss")
    if name == "soft_margin_loss":
        y = t64(np.sign(r.standard_normal((4, 5))))
    compare(
        lambda a, b: getattr(F, name)(a, b, reduction=reduction),
        lambda a, b: tfn(name)(a, b, reduction=reduction),
        x,
        y,
    )


@pytest.mark.parametrize("beta", [0.0, 0.5, 2.0])
def test_smooth_l1_beta_and_huber_delta(beta: float) -> None:
    r = rng(2)
    x = t64(r.standard_normal((3, 6)) * 2, True)
    y = t64(r.standard_normal((3, 6)), True)
    compare(lambda a, b: F.smooth_l1_loss(a, b, beta=beta), lambda a, b: tfn("smooth_l1_loss")(a, b, beta=beta), x, y)
    if beta > 0:
        compare(lambda a, b: F.huber_loss(a, b, delta=beta), lambda a, b: tfn("huber_loss")(a, b, delta=beta), x, y)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["l1_loss", "mse_loss", "huber_loss"])
def test_elementwise_weight_matches_torch(name: str, reduction: str) -> None:
    r = rng(3)
    x = t64(r.standard_normal((3, 4)), True)
    y = t64(r.standard_normal((3, 4)))
    w = t64(r.random((3, 4)))
    compare(
        lambda a, b, c: getattr(F, name)(a, b, reduction=reduction, weight=c),
        lambda a, b, c: tfn(name)(a, b, reduction=reduction, weight=c),
        x,
        y,
        w,
    )


def test_broadcasting_size_warning_matches_torch() -> None:
    x = t64(np.ones((3, 1)), True)
    y = t64(np.arange(3.0))
    with pytest.warns(UserWarning, match=r"Using a target size \(tocha.Size\(\[3\]\)\) that is different to the input"):
        out = F.mse_loss(x, y)
    torch = torch_or_skip()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = torch.nn.functional.mse_loss(to_torch(x), to_torch(y))
    np.testing.assert_allclose(out.item(), expected.item())


# ------------------------------------------------------------------ cross entropy and nll


CE_CASES = [
    ((6, 5), {}),
    ((6, 5), {"weight": True}),
    ((6, 5), {"ignore_index": 2}),
    ((6, 5), {"weight": True, "ignore_index": 1}),
    ((6, 5), {"label_smoothing": 0.2}),
    ((6, 5), {"label_smoothing": 0.3, "weight": True}),
    ((6, 5), {"label_smoothing": 0.1, "weight": True, "ignore_index": 0}),
    ((6, 5), {"label_smoothing": 0.1, "ignore_index": 4}),
    ((5,), {}),
    ((5,), {"weight": True, "label_smoothing": 0.25}),
    ((3, 4, 2, 3), {}),
    ((3, 4, 2, 3), {"weight": True, "ignore_index": 3}),
    ((3, 4, 5), {"label_smoothing": 0.2, "weight": True, "ignore_index": 0}),
    ((0, 4), {}),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("shape", "opts"), CE_CASES)
def test_cross_entropy_class_indices_match_torch(shape: tuple[int, ...], opts: dict[str, Any], reduction: str) -> None:
    r = rng(4)
    c = shape[1] if len(shape) > 1 else shape[0]
    x = t64(r.standard_normal(shape) * 3, True)
    tshape = (shape[0], *shape[2:]) if len(shape) > 1 else ()
    target = long(r.integers(0, c, tshape))
    kwargs = dict(opts)
    if kwargs.pop("weight", False):
        kwargs["weight"] = t64(r.random(c) + 0.1)
    ours_kw = dict(kwargs)
    theirs_kw = {k: to_torch(v) if isinstance(v, tocha.Tensor) else v for k, v in kwargs.items()}
    compare(
        lambda a, b: F.cross_entropy(a, b, reduction=reduction, **ours_kw),
        lambda a, b: tfn("cross_entropy")(a, b, reduction=reduction, **theirs_kw),
        x,
        target,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    ("shape", "opts"),
    [((6, 5), {}), ((6, 5), {"weight": True}), ((6, 5), {"label_smoothing": 0.2, "weight": True}), ((3, 4, 2), {})],
)
def test_cross_entropy_probabilities_match_torch(shape: tuple[int, ...], opts: dict[str, Any], reduction: str) -> None:
    r = rng(5)
    x = t64(r.standard_normal(shape), True)
    p = r.random(shape)
    target = t64(p / p.sum(1, keepdims=True), True)
    kwargs = dict(opts)
    if kwargs.pop("weight", False):
        kwargs["weight"] = t64(r.random(shape[1]) + 0.1)
    theirs_kw = {k: to_torch(v) if isinstance(v, tocha.Tensor) else v for k, v in kwargs.items()}
    compare(
        lambda a, b: F.cross_entropy(a, b, reduction=reduction, **kwargs),
        lambda a, b: tfn("cross_entropy")(a, b, reduction=reduction, **theirs_kw),
        x,
        target,
    )


def test_cross_entropy_all_ignored_is_nan_like_torch() -> None:
    x = t64(np.zeros((2, 3)), True)
    target = long([-100, -100])
    out = F.cross_entropy(x, target)
    assert np.isnan(out.item())
    torch = torch_or_skip()
    assert torch.isnan(torch.nn.functional.cross_entropy(to_torch(x), to_torch(target)))


def test_cross_entropy_float32_matches_torch() -> None:
    r = rng(6)
    for shape in [(128, 10), (64, 1000)]:
        x = tocha.from_numpy(r.standard_normal(shape).astype(np.float32) * 4).requires_grad_(True)
        target = long(r.integers(0, shape[1], shape[0]))
        compare(F.cross_entropy, tfn("cross_entropy"), x, target, atol=1e-5, rtol=1e-5)


def test_cross_entropy_extreme_logits_are_stable() -> None:
    x = t64([[1000.0, 0.0, -1000.0], [-1e4, -1e4 + 1, -1e4 + 2], [0.0, 1.0, 2.0]], True)
    target = long([0, 2, 1])
    compare(
        lambda a, b: F.cross_entropy(a, b, reduction="none"),
        lambda a, b: tfn("cross_entropy")(a, b, reduction="none"),
        x,
        target,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    ("shape", "opts"),
    [
        ((6, 5), {}),
        ((6, 5), {"weight": True, "ignore_index": 3}),
        ((4,), {"weight": True}),
        ((2, 3, 4, 2), {"weight": True}),
    ],
)
def test_nll_loss_matches_torch(shape: tuple[int, ...], opts: dict[str, Any], reduction: str) -> None:
    r = rng(8)
    c = shape[1] if len(shape) > 1 else shape[0]
    x = t64(r.standard_normal(shape), True)
    tshape = (shape[0], *shape[2:]) if len(shape) > 1 else ()
    target = long(r.integers(0, c, tshape))
    kwargs = dict(opts)
    if kwargs.pop("weight", False):
        kwargs["weight"] = t64(r.random(c) + 0.1)
    theirs_kw = {k: to_torch(v) if isinstance(v, tocha.Tensor) else v for k, v in kwargs.items()}
    compare(
        lambda a, b: F.nll_loss(a, b, reduction=reduction, **kwargs),
        lambda a, b: tfn("nll_loss")(a, b, reduction=reduction, **theirs_kw),
        x,
        target,
    )


# ------------------------------------------------------------------ binary cross entropy


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy_matches_torch(reduction: str, weighted: bool) -> None:
    r = rng(9)
    x = t64(r.random((4, 3)) * 0.98 + 0.01, True)
    y = t64(r.random((4, 3)), True)
    w = t64(r.random((4, 3))) if weighted else None
    compare(
        lambda a, b: F.binary_cross_entropy(a, b, weight=w, reduction=reduction),
        lambda a, b: tfn("binary_cross_entropy")(a, b, weight=to_torch(w), reduction=reduction),
        x,
        y,
    )


def test_binary_cross_entropy_clamps_log_like_torch() -> None:
    x = t64([0.0, 1.0, 0.5])
    y = t64([1.0, 0.0, 1.0])
    compare(
        lambda a, b: F.binary_cross_entropy(a, b, reduction="none"),
        lambda a, b: tfn("binary_cross_entropy")(a, b, reduction="none"),
        x,
        y,
    )
    np.testing.assert_allclose(F.binary_cross_entropy(x, y, reduction="none").numpy()[:2], [100.0, 100.0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("opts", [{}, {"weight": True}, {"pos_weight": True}, {"weight": True, "pos_weight": True}])
def test_bce_with_logits_matches_torch(reduction: str, opts: dict[str, bool]) -> None:
    r = rng(10)
    x = t64(r.standard_normal((5, 3)) * 30, True)
    y = t64(r.random((5, 3)), True)
    w = t64(r.random((5, 3))) if opts.get("weight") else None
    pw = t64(r.random(3) * 3) if opts.get("pos_weight") else None
    compare(
        lambda a, b: F.binary_cross_entropy_with_logits(a, b, weight=w, reduction=reduction, pos_weight=pw),
        lambda a, b: tfn("binary_cross_entropy_with_logits")(
            a, b, weight=to_torch(w), reduction=reduction, pos_weight=to_torch(pw)
        ),
        x,
        y,
    )


def test_bce_with_logits_gradient_at_zero() -> None:
    x = t64([0.0, 0.0], True)
    compare(F.binary_cross_entropy_with_logits, tfn("binary_cross_entropy_with_logits"), x, t64([1.0, 0.0]))


# ------------------------------------------------------------------ divergences and likelihoods


@pytest.mark.parametrize("reduction", ["none", "sum", "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_torch(reduction: str, log_target: bool) -> None:
    r = rng(11)
    x = t64(np.log(r.dirichlet(np.ones(4), 3)), True)
    p = r.dirichlet(np.ones(4), 3)
    p[0, 1] = 0.0
    y = t64(np.log(p + 1e-3) if log_target else p, True)
    compare(
        lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target),
        lambda a, b: tfn("kl_div")(a, b, reduction=reduction, log_target=log_target),
        x,
        y,
    )


def test_kl_div_mean_warns_like_torch() -> None:
    x = t64([[-1.0, -2.0]])
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        ours = F.kl_div(x, t64([[0.5, 0.5]]))
    torch = torch_or_skip()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.nn.functional.kl_div(to_torch(x), torch.tensor([[0.5, 0.5]], dtype=torch.float64))
    np.testing.assert_allclose(ours.item(), theirs.item())


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("log_input", "full"), [(True, False), (False, False), (True, True), (False, True)])
def test_poisson_nll_matches_torch(reduction: str, log_input: bool, full: bool) -> None:
    r = rng(12)
    x = t64(r.random((3, 4)) * 3 + (0 if log_input else 0.1), True)
    y = t64(r.integers(0, 5, (3, 4)).astype(float), True)
    compare(
        lambda a, b: F.poisson_nll_loss(a, b, log_input=log_input, full=full, reduction=reduction),
        lambda a, b: tfn("poisson_nll_loss")(a, b, log_input=log_input, full=full, reduction=reduction),
        x,
        y,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("var_shape", [(4, 3), (4, 1), (4,), "float"])
@pytest.mark.parametrize("full", [False, True])
def test_gaussian_nll_matches_torch(reduction: str, var_shape: Any, full: bool) -> None:
    r = rng(13)
    x = t64(r.standard_normal((4, 3)), True)
    y = t64(r.standard_normal((4, 3)), True)
    if var_shape == "float":
        compare(
            lambda a, b: F.gaussian_nll_loss(a, b, 0.7, full=full, reduction=reduction),
            lambda a, b: tfn("gaussian_nll_loss")(a, b, 0.7, full=full, reduction=reduction),
            x,
            y,
        )
        return
    v = r.random(var_shape) + 0.1
    v.flat[0] = 1e-9  # clamped to eps
    var = t64(v, True)
    compare(
        lambda a, b, c: F.gaussian_nll_loss(a, b, c, full=full, reduction=reduction),
        lambda a, b, c: tfn("gaussian_nll_loss")(a, b, c, full=full, reduction=reduction),
        x,
        y,
        var,
    )


# ------------------------------------------------------------------ margin and embedding losses


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.3])
@pytest.mark.parametrize("batched", [True, False])
def test_cosine_embedding_matches_torch(reduction: str, margin: float, batched: bool) -> None:
    r = rng(14)
    shape = (5, 4) if batched else (4,)
    x1 = t64(r.standard_normal(shape), True)
    x2 = t64(r.standard_normal(shape), True)
    y = long([1, -1, 1, -1, -1]) if batched else long(-1)
    compare(
        lambda a, b, c: F.cosine_embedding_loss(a, b, c, margin=margin, reduction=reduction),
        lambda a, b, c: tfn("cosine_embedding_loss")(a, b, c, margin=margin, reduction=reduction),
        x1,
        x2,
        y,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_margin_ranking_and_hinge_embedding_match_torch(reduction: str) -> None:
    r = rng(15)
    x1 = t64(r.standard_normal(6), True)
    x2 = t64(r.standard_normal(6), True)
    y = t64(np.sign(r.standard_normal(6)))
    compare(
        lambda a, b, c: F.margin_ranking_loss(a, b, c, margin=0.2, reduction=reduction),
        lambda a, b, c: tfn("margin_ranking_loss")(a, b, c, margin=0.2, reduction=reduction),
        x1,
        x2,
        y,
    )
    compare(
        lambda a, c: F.hinge_embedding_loss(a, c, margin=0.5, reduction=reduction),
        lambda a, c: tfn("hinge_embedding_loss")(a, c, margin=0.5, reduction=reduction),
        x1,
        y,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("batched", [True, False])
def test_multilabel_margin_matches_torch(reduction: str, batched: bool) -> None:
    r = rng(16)
    x = t64(r.standard_normal((3, 5)) if batched else r.standard_normal(5), True)
    target = long([[3, 0, -1, 1, 2], [4, 4, 1, -1, -1], [-1, 0, 1, 2, 3]]) if batched else long([2, 1, -1, 0, 0])
    compare(
        lambda a, b: F.multilabel_margin_loss(a, b, reduction=reduction),
        lambda a, b: tfn("multilabel_margin_loss")(a, b, reduction=reduction),
        x,
        target,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_multilabel_soft_margin_matches_torch(reduction: str, weighted: bool) -> None:
    r = rng(17)
    x = t64(r.standard_normal((4, 3)) * 3, True)
    y = t64(r.integers(0, 2, (4, 3)).astype(float))
    w = t64(r.random(3)) if weighted else None
    compare(
        lambda a, b: F.multilabel_soft_margin_loss(a, b, weight=w, reduction=reduction),
        lambda a, b: tfn("multilabel_soft_margin_loss")(a, b, weight=to_torch(w), reduction=reduction),
        x,
        y,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    ("p", "margin", "weighted"), [(1, 1.0, False), (2, 0.5, False), (1, 2.0, True), (2, 1.0, True)]
)
@pytest.mark.parametrize("batched", [True, False])
def test_multi_margin_matches_torch(reduction: str, p: int, margin: float, weighted: bool, batched: bool) -> None:
    r = rng(18)
    x = t64(r.standard_normal((5, 4)) if batched else r.standard_normal(4), True)
    target = long(r.integers(0, 4, 5)) if batched else long(2)
    w = t64(r.random(4)) if weighted else None
    compare(
        lambda a, b: F.multi_margin_loss(a, b, p=p, margin=margin, weight=w, reduction=reduction),
        lambda a, b: tfn("multi_margin_loss")(a, b, p=p, margin=margin, weight=to_torch(w), reduction=reduction),
        x,
        target,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("p", "swap"), [(2.0, False), (1.0, True), (3.0, False), (2.0, True)])
@pytest.mark.parametrize("batched", [True, False])
def test_triplet_margin_matches_torch(reduction: str, p: float, swap: bool, batched: bool) -> None:
    r = rng(19)
    shape = (5, 3) if batched else (3,)
    a, pos, neg = (t64(r.standard_normal(shape), True) for _ in range(3))
    compare(
        lambda x, y, z: F.triplet_margin_loss(x, y, z, margin=1.5, p=p, swap=swap, reduction=reduction),
        lambda x, y, z: tfn("triplet_margin_loss")(x, y, z, margin=1.5, p=p, swap=swap, reduction=reduction),
        a,
        pos,
        neg,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("custom", [False, True])
def test_triplet_margin_with_distance_matches_torch(reduction: str, swap: bool, custom: bool) -> None:
    r = rng(20)
    a, pos, neg = (t64(r.standard_normal((5, 3)), True) for _ in range(3))

    def ours_dist(x: tocha.Tensor, y: tocha.Tensor) -> tocha.Tensor:
        return 1 - (x * y).sum(-1) / (x.norm(dim=-1) * y.norm(dim=-1))

    def theirs_dist(x: Any, y: Any) -> Any:
        return 1 - (x * y).sum(-1) / (x.norm(dim=-1) * y.norm(dim=-1))

    compare(
        lambda x, y, z: F.triplet_margin_with_distance_loss(
            x, y, z, distance_function=ours_dist if custom else None, margin=0.7, swap=swap, reduction=reduction
        ),
        lambda x, y, z: tfn("triplet_margin_with_distance_loss")(
            x, y, z, distance_function=theirs_dist if custom else None, margin=0.7, swap=swap, reduction=reduction
        ),
        a,
        pos,
        neg,
    )


# ------------------------------------------------------------------ CTC


def _ctc_case(
    seed: int, t_max: int, n: int, c: int, s_max: int, *, concatenated: bool = False, impossible: bool = False
) -> tuple[tocha.Tensor, tocha.Tensor, list[int], list[int]]:
    r = rng(seed)
    logits = r.standard_normal((t_max, n, c))
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    target_lengths = [int(v) for v in r.integers(0, s_max + 1, n)]
    target_lengths[0] = s_max
    input_lengths = [int(v) for v in r.integers(max(1, 2 * s_max), t_max + 1, n)]
    input_lengths[-1] = t_max
    if impossible:
        input_lengths[0] = max(s_max - 1, 0)
    padded = r.integers(1, c, (n, s_max))
    padded[0, :2] = 1  # a repeated label needs a blank between
    if concatenated:
        targets = long(np.concatenate([padded[i, : target_lengths[i]] for i in range(n)]))
    else:
        targets = long(padded)
    return t64(log_probs, True), targets, input_lengths, target_lengths


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    ("t_max", "n", "c", "s_max", "concatenated"),
    [(12, 3, 5, 4, False), (12, 3, 5, 4, True), (1, 2, 3, 0, False), (20, 4, 6, 7, False), (6, 1, 4, 3, True)],
)
def test_ctc_matches_torch(reduction: str, t_max: int, n: int, c: int, s_max: int, concatenated: bool) -> None:
    log_probs, targets, il, tl = _ctc_case(t_max + n, t_max, n, c, s_max, concatenated=concatenated)
    torch = torch_or_skip()
    compare(
        lambda a, b: F.ctc_loss(a, b, il, tl, reduction=reduction),
        lambda a, b: tfn("ctc_loss")(a, b, torch.tensor(il), torch.tensor(tl), reduction=reduction),
        log_probs,
        targets,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_ctc_zero_infinity_matches_torch(reduction: str) -> None:
    log_probs, targets, il, tl = _ctc_case(3, 10, 3, 5, 4, impossible=True)
    torch = torch_or_skip()
    compare(
        lambda a, b: F.ctc_loss(a, b, il, tl, reduction=reduction, zero_infinity=True),
        lambda a, b: tfn("ctc_loss")(a, b, torch.tensor(il), torch.tensor(tl), reduction=reduction, zero_infinity=True),
        log_probs,
        targets,
    )
    ours = F.ctc_loss(log_probs, targets, il, tl, reduction="none")
    theirs = tfn("ctc_loss")(
        to_torch(log_probs), to_torch(targets), torch.tensor(il), torch.tensor(tl), reduction="none"
    )
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy())
    assert np.isinf(ours.detach().numpy()[0])


def test_ctc_blank_and_unbatched_match_torch() -> None:
    log_probs, targets, il, tl = _ctc_case(5, 9, 2, 5, 3)
    torch = torch_or_skip()
    # blank = 4: targets drawn from 1..4 must avoid it
    t = targets.numpy().copy()
    t[t == 4] = 0
    targets = long(t)
    compare(
        lambda a, b: F.ctc_loss(a, b, il, tl, blank=4),
        lambda a, b: tfn("ctc_loss")(a, b, torch.tensor(il), torch.tensor(tl), blank=4),
        log_probs,
        targets,
    )
    single = t64(log_probs.detach().numpy()[:, 0], True)
    compare(
        lambda a, b: F.ctc_loss(a, b, tocha.tensor(il[0]), tocha.tensor(tl[0])),
        lambda a, b: tfn("ctc_loss")(a, b, torch.tensor(il[0]), torch.tensor(tl[0])),
        single,
        long(t[0, : tl[0]]),
    )


def test_ctc_through_log_softmax_matches_torch() -> None:
    r = rng(21)
    logits = t64(r.standard_normal((8, 2, 4)), True)
    targets = long([[1, 2, 2], [3, 1, 0]])
    torch = torch_or_skip()
    compare(
        lambda a, b: F.ctc_loss(F.log_softmax(a, 2), b, [8, 6], [3, 2]),
        lambda a, b: tfn("ctc_loss")(a.log_softmax(2), b, torch.tensor([8, 6]), torch.tensor([3, 2])),
        logits,
        targets,
    )


def test_ctc_double_backward_raises_like_torch() -> None:
    log_probs, targets, il, tl = _ctc_case(4, 6, 2, 4, 2)
    loss = F.ctc_loss(log_probs, targets, il, tl)
    (g,) = tocha.autograd.grad(loss, log_probs, create_graph=True)
    with pytest.raises(RuntimeError, match="derivative for aten::_ctc_loss_backward is not implemented"):
        g.sum().backward()


# ------------------------------------------------------------------ legacy arguments, errors


@pytest.mark.parametrize(
    ("size_average", "reduce", "expected"),
    [(None, False, "none"), (False, None, "sum"), (True, True, "mean"), (False, False, "none")],
)
def test_legacy_size_average_reduce(size_average: Any, reduce: Any, expected: str) -> None:
    x = t64([1.0, -2.0, 3.0])
    y = t64([0.0, 0.0, 0.0])
    with pytest.warns(UserWarning, match=f"please use reduction='{expected}' instead"):
        out = F.l1_loss(x, y, size_average=size_average, reduce=reduce)
    np.testing.assert_allclose(out.numpy(), F.l1_loss(x, y, reduction=expected).numpy())
    with pytest.warns(UserWarning, match=f"please use reduction='{expected}' instead"):
        module = nn.CrossEntropyLoss(size_average=size_average, reduce=reduce)
    assert module.reduction == expected


def _raises(exc: type[Exception], message: str, fn: Callable[[], Any]) -> None:
    with pytest.raises(exc) as info:
        fn()
    assert str(info.value) == message


def test_errors_match_torch_messages() -> None:
    x = t64(np.ones((3, 4)))
    _raises(ValueError, "foo is not a valid value for reduction", lambda: F.l1_loss(x, x, reduction="foo"))
    _raises(
        ValueError,
        "Expected input batch_size (3) to match target batch_size (4).",
        lambda: F.cross_entropy(x, long([0, 1, 2, 3])),
    )
    _raises(IndexError, "Target 5 is out of bounds.", lambda: F.nll_loss(x, long([0, 1, 5])))
    _raises(IndexError, "Target -5 is out of bounds.", lambda: F.cross_entropy(x, long([0, -5, 1])))
    _raises(
        RuntimeError,
        "Expected target size [3, 5], got [3]",
        lambda: F.nll_loss(t64(np.ones((3, 4, 5))), long([0, 1, 2])),
    )
    _raises(
        RuntimeError,
        "weight tensor should be defined either for all 4 classes or no classes but got weight tensor of shape: [3]",
        lambda: F.nll_loss(x, long([0, 1, 2]), weight=t64(np.ones(3))),
    )
    _raises(ValueError, "Expected 1 or more dimensions (got 0)", lambda: F.nll_loss(t64(1.0), long(0)))
    _raises(
        RuntimeError,
        "label_smoothing must be between 0.0 and 1.0. Got: 1.5",
        lambda: F.cross_entropy(x, long([0, 1, 2]), label_smoothing=1.5),
    )
    _raises(
        RuntimeError,
        "Expected floating point type for target with class probabilities, got Long",
        lambda: F.cross_entropy(x, long(np.zeros((3, 4)))),
    )
    _raises(
        RuntimeError,
        "smooth_l1_loss does not support negative values for beta.",
        lambda: F.smooth_l1_loss(x, x, beta=-1),
    )
    _raises(
        RuntimeError, "huber_loss does not support non-positive values for delta.", lambda: F.huber_loss(x, x, delta=0)
    )
    _raises(RuntimeError, "all elements of input should be between 0 and 1", lambda: F.binary_cross_entropy(x * 2, x))
    _raises(RuntimeError, "all elements of target should be between 0 and 1", lambda: F.binary_cross_entropy(x, x * 2))
    nan = tocha.full_like(x, float("nan"))
    _raises(RuntimeError, "all elements of input should be between 0 and 1", lambda: F.binary_cross_entropy(nan, x))
    _raises(RuntimeError, "all elements of target should be between 0 and 1", lambda: F.binary_cross_entropy(x, nan))
    _raises(
        ValueError,
        "Using a target size (tocha.Size([4])) that is different to the input size (tocha.Size([3])) is deprecated. "
        "Please ensure they have the same size.",
        lambda: F.binary_cross_entropy(t64([0.5] * 3), t64([0.5] * 4)),
    )
    _raises(
        ValueError,
        "Target size (tocha.Size([4])) must be the same as input size (tocha.Size([3]))",
        lambda: F.binary_cross_entropy_with_logits(t64([0.5] * 3), t64([0.5] * 4)),
    )
    _raises(ValueError, "only p == 1 and p == 2 supported", lambda: F.multi_margin_loss(x, long([0, 1, 2]), p=3))
    _raises(RuntimeError, "target out of range", lambda: F.multi_margin_loss(x, long([0, 1, 5])))
    _raises(ValueError, "var is of incorrect size", lambda: F.gaussian_nll_loss(x, x, t64(np.ones(2))))
    _raises(ValueError, "var has negative entry/entries", lambda: F.gaussian_nll_loss(x, x, -x))
    _raises(ValueError, "foo is not valid", lambda: F.gaussian_nll_loss(x, x, x, reduction="foo"))
    _raises(ValueError, "Weights and input must have the same size.", lambda: F.mse_loss(x, x, weight=t64(np.ones(3))))
    _raises(
        ValueError,
        "margin must be greater than 0, got 0",
        lambda: F.triplet_margin_with_distance_loss(x, x, x, margin=0),
    )
    _raises(
        RuntimeError,
        "The anchor, positive, and negative tensors are expected to have the same number of dimensions, but got: "
        "anchor 2D, positive 1D, and negative 2D inputs",
        lambda: F.triplet_margin_loss(x, x[0], x),
    )
    _raises(
        RuntimeError,
        "margin_ranking_loss : All input tensors should have same dimension but got sizes: input1: "
        "tocha.Size([3, 4]), input2: tocha.Size([4]), target: tocha.Size([3, 4]) ",
        lambda: F.margin_ranking_loss(x, x[0], x),
    )
    _raises(
        RuntimeError,
        "inconsistent target size: [2, 4] for input of size: [3, 4]",
        lambda: F.multilabel_margin_loss(x, long(np.zeros((2, 4)))),
    )
    _raises(ValueError, "foo is not a valid value for reduction", lambda: F.kl_div(x, x, reduction="foo"))


def test_more_error_messages_match_torch() -> None:
    torch = torch_or_skip()
    tf = torch.nn.functional
    cases: list[tuple[Callable[[], Any], Callable[[], Any]]] = [
        (
            lambda: F.nll_loss(t64(np.ones((3, 4))), t64([0.0, 1.0, 2.0])),
            lambda: tf.nll_loss(torch.ones(3, 4), torch.tensor([0.0, 1, 2], dtype=torch.float64)),
        ),
        (
            lambda: F.multilabel_margin_loss(t64(np.ones((3, 4))), long(np.full((3, 4), 7))),
            lambda: tf.multilabel_margin_loss(torch.ones(3, 4), torch.full((3, 4), 7)),
        ),
        (
            lambda: F.ctc_loss(t64(np.zeros((2, 1, 3))), long([[1]]), [3], [1]),
            lambda: tf.ctc_loss(torch.zeros(2, 1, 3), torch.tensor([[1]]), [3], [1]),
        ),
        (
            lambda: F.ctc_loss(t64(np.zeros((2, 1, 3))), long([[1]]), [2], [2]),
            lambda: tf.ctc_loss(torch.zeros(2, 1, 3), torch.tensor([[1]]), [2], [2]),
        ),
        (
            lambda: F.ctc_loss(t64(np.zeros((2, 1, 3))), long([[1]]), [2, 2], [1]),
            lambda: tf.ctc_loss(torch.zeros(2, 1, 3), torch.tensor([[1]]), [2, 2], [1]),
        ),
        (
            lambda: F.ctc_loss(t64(np.zeros((2, 1, 3))), long([[1]]), [2], [1], blank=3),
            lambda: tf.ctc_loss(torch.zeros(2, 1, 3), torch.tensor([[1]]), [2], [1], blank=3),
        ),
    ]
    for ours, theirs in cases:
        with pytest.raises(Exception) as mine:
            ours()
        with pytest.raises(Exception) as ref:
            theirs()
        assert type(mine.value) is type(ref.value)
        assert str(mine.value) == str(ref.value).replace("torch.", "tocha.")


def test_error_types_match_torch() -> None:
    torch = torch_or_skip()
    tf = torch.nn.functional
    x = np.ones((3, 4))
    cases: list[tuple[Callable[..., Any], Callable[..., Any], tuple[Any, ...]]] = [
        (F.cross_entropy, tf.cross_entropy, (x, np.array([0, 1, 2, 3]))),
        (F.nll_loss, tf.nll_loss, (x, np.array([0, 1, 9]))),
        (F.nll_loss, tf.nll_loss, (x, np.array([0.0, 1.0, 2.0]))),
        (F.multi_margin_loss, tf.multi_margin_loss, (x, np.array([0, 1, 7]))),
    ]
    for ours, theirs, args in cases:
        ours_args = [t64(a) if a.dtype.kind == "f" else long(a) for a in args]
        theirs_args = [torch.from_numpy(a) for a in args]
        with pytest.raises(Exception) as mine:
            ours(*ours_args)
        with pytest.raises(Exception) as ref:
            theirs(*theirs_args)
        assert type(mine.value) is type(ref.value), (ours.__name__, mine.value, ref.value)


# ------------------------------------------------------------------ modules


def _module_pairs() -> list[tuple[Any, str, dict[str, Any]]]:
    w = np.array([0.5, 1.0, 2.0])
    return [
        (nn.L1Loss, "L1Loss", {}),
        (nn.MSELoss, "MSELoss", {"reduction": "sum"}),
        (nn.SmoothL1Loss, "SmoothL1Loss", {"beta": 0.5}),
        (nn.HuberLoss, "HuberLoss", {"delta": 2.0}),
        (nn.CrossEntropyLoss, "CrossEntropyLoss", {"weight": w, "ignore_index": 1, "label_smoothing": 0.1}),
        (nn.NLLLoss, "NLLLoss", {"weight": w}),
        (nn.BCELoss, "BCELoss", {"weight": w}),
        (nn.BCEWithLogitsLoss, "BCEWithLogitsLoss", {"weight": w, "pos_weight": w}),
        (nn.KLDivLoss, "KLDivLoss", {"reduction": "batchmean", "log_target": True}),
        (nn.PoissonNLLLoss, "PoissonNLLLoss", {"log_input": False, "full": True}),
        (nn.GaussianNLLLoss, "GaussianNLLLoss", {"full": True, "eps": 1e-3}),
        (nn.CosineEmbeddingLoss, "CosineEmbeddingLoss", {"margin": 0.1}),
        (nn.MarginRankingLoss, "MarginRankingLoss", {"margin": 0.1}),
        (nn.HingeEmbeddingLoss, "HingeEmbeddingLoss", {"margin": 2.0}),
        (nn.MultiLabelMarginLoss, "MultiLabelMarginLoss", {}),
        (nn.MultiLabelSoftMarginLoss, "MultiLabelSoftMarginLoss", {"weight": w}),
        (nn.MultiMarginLoss, "MultiMarginLoss", {"p": 2, "margin": 0.5, "weight": w}),
        (nn.SoftMarginLoss, "SoftMarginLoss", {}),
        (nn.TripletMarginLoss, "TripletMarginLoss", {"margin": 0.5, "p": 1.0, "swap": True}),
        (nn.TripletMarginWithDistanceLoss, "TripletMarginWithDistanceLoss", {"margin": 0.5, "swap": True}),
        (nn.CTCLoss, "CTCLoss", {"blank": 1, "zero_infinity": True}),
    ]


@pytest.mark.parametrize(("cls", "name", "kwargs"), _module_pairs(), ids=lambda v: v if isinstance(v, str) else "")
def test_module_attributes_buffers_and_repr_match_torch(cls: Any, name: str, kwargs: dict[str, Any]) -> None:
    torch = torch_or_skip()
    ours_kw = {k: t64(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    theirs_kw = {k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    ours = cls(**ours_kw)
    theirs = getattr(torch.nn, name)(**theirs_kw)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    skip = {"training", "distance_function"}
    for key, value in vars(theirs).items():
        if key.startswith("_") or key in skip:
            continue
        assert getattr(ours, key) == value, key


def test_weighted_module_buffers_move_and_forward() -> None:
    w = t64([0.5, 1.0, 2.0])
    loss = nn.CrossEntropyLoss(weight=w)
    assert loss.weight is w
    assert [n for n, _ in loss.named_buffers()] == ["weight"]
    assert "weight" in loss.state_dict()
    loss = loss.float()
    assert loss.weight is not None
    assert loss.weight.dtype == tocha.float32
    unweighted = nn.NLLLoss()
    assert unweighted.weight is None
    assert list(unweighted.state_dict()) == []


@pytest.mark.parametrize(
    ("module", "torch_name", "torch_kwargs", "inputs"),
    [
        (lambda: nn.CrossEntropyLoss(label_smoothing=0.1), "CrossEntropyLoss", {"label_smoothing": 0.1}, "ce"),
        (
            lambda: nn.BCEWithLogitsLoss(pos_weight=t64([1.0, 2.0, 3.0])),
            "BCEWithLogitsLoss",
            {"pos_weight": [1.0, 2.0, 3.0]},
            "bce",
        ),
        (lambda: nn.GaussianNLLLoss(), "GaussianNLLLoss", {}, "gauss"),
        (
            lambda: nn.TripletMarginWithDistanceLoss(swap=True),
            "TripletMarginWithDistanceLoss",
            {"swap": True},
            "triplet",
        ),
        (lambda: nn.CTCLoss(reduction="sum"), "CTCLoss", {"reduction": "sum"}, "ctc"),
    ],
)
def test_modules_forward_match_torch(module: Any, torch_name: str, torch_kwargs: dict[str, Any], inputs: str) -> None:
    torch = torch_or_skip()
    r = rng(22)
    kw = {k: torch.tensor(v, dtype=torch.float64) if isinstance(v, list) else v for k, v in torch_kwargs.items()}
    theirs = getattr(torch.nn, torch_name)(**kw)
    ours = module()
    if inputs == "ce":
        args: list[Any] = [t64(r.standard_normal((4, 3)), True), long([0, 2, 1, 2])]
    elif inputs == "bce":
        args = [t64(r.standard_normal((4, 3)), True), t64(r.random((4, 3)))]
    elif inputs == "gauss":
        args = [t64(r.standard_normal((4, 3)), True), t64(r.standard_normal((4, 3))), t64(r.random((4, 1)) + 0.1, True)]
    elif inputs == "triplet":
        args = [t64(r.standard_normal((4, 3)), True) for _ in range(3)]
    else:
        log_probs, targets, il, tl = _ctc_case(9, 8, 2, 4, 3)
        compare(
            lambda a, b: ours(a, b, il, tl),
            lambda a, b: theirs(a, b, torch.tensor(il), torch.tensor(tl)),
            log_probs,
            targets,
        )
        return
    compare(ours, theirs, *args)


def test_non_contiguous_inputs_match_torch() -> None:
    r = rng(23)
    x = t64(r.standard_normal((5, 6)), True)
    target = long(r.integers(0, 5, (4, 3)))
    compare(
        lambda a, b: F.cross_entropy(a.t()[:, :4].unsqueeze(2).expand(6, 4, 3).transpose(0, 1), b, reduction="none"),
        lambda a, b: tfn("cross_entropy")(
            a.t()[:, :4].unsqueeze(2).expand(6, 4, 3).transpose(0, 1), b, reduction="none"
        ),
        x,
        target,
    )
    compare(
        lambda a, b: F.nll_loss(a.t()[::2], b[:3, 0] % 5, reduction="sum"),
        lambda a, b: tfn("nll_loss")(a.t()[::2], b[:3, 0] % 5, reduction="sum"),
        x,
        target,
    )


def test_unbatched_probabilities_match_torch() -> None:
    r = rng(24)
    x = t64(r.standard_normal(5), True)
    p = r.random(5)
    target = t64(p / p.sum(), True)
    compare(
        lambda a, b: F.cross_entropy(a, b, label_smoothing=0.2),
        lambda a, b: tfn("cross_entropy")(a, b, label_smoothing=0.2),
        x,
        target,
    )
