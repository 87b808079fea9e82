"""Batching rules of tocha-nn's backward ops: jacrev / jacfwd / hessian, ``is_grads_batched`` and vmap over a vjp
run them batched (no per-op loop anywhere), and equal the per-op loop (and torch.func)."""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest

import tocha
import tocha.nn.functional as F
from tocha import _vmap
from tocha.func import hessian, jacfwd, jacrev, vjp, vmap
from tocha.library import OpCall, call, get_op
from tocha.nn.functional import _batching, _batching_backward, _loss
from tocha.testing import assert_close

Tensor = tocha.Tensor


def _t(*shape: int, seed: int = 0) -> Tensor:
    return tocha.from_numpy(np.random.default_rng(seed).standard_normal(shape))


def _raising(call: OpCall, *args: Any, **kwargs: Any) -> Any:
    raise AssertionError(f"{call.op.name} ran once per entry")


@contextmanager
def _no_loops(ops: tuple[str, ...]) -> Iterator[dict[str, int]]:
    """No per-op loop and no whole-function fallback; counts how often each of ``ops``' rules ran."""
    counts = dict.fromkeys(ops, 0)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_vmap, "LOOP_FALLBACK", False)
        mp.setattr(_vmap, "loop", _raising)
        mp.setattr(_batching, "per_entry_batching_rule", _raising)
        mp.setattr(_batching_backward, "per_entry_batching_rule", _raising)
        for name in ops:
            mp.setitem(_vmap._RULES, name, _counting(_vmap._RULES[name], name, counts))
        yield counts


def _counting(rule: Any, name: str, counts: dict[str, int]) -> Any:
    def counted(*args: Any) -> Any:
        counts[name] += 1
        return rule(*args)

    return counted


def _per_op_loop(ops: tuple[str, ...], fn: Callable[[], Any]) -> Any:
    """``fn()`` with ``ops`` run once per entry (their rules replaced by the per-op loop)."""
    with pytest.MonkeyPatch.context() as mp:
        for name in ops:
            mp.setitem(_vmap._RULES, name, _vmap.loop)
        return fn()


def check(ops: str | tuple[str, ...], fn: Callable[[], Any]) -> Any:
    """``fn()`` batched (every op of ``ops`` through its rule, at least once) equals ``fn()`` with ``ops`` looped."""
    ops = (ops,) if isinstance(ops, str) else ops
    expected = _per_op_loop(ops, fn)
    with _no_loops(ops) as counts:
        got = fn()
    assert all(counts.values()), f"rules not reached: {counts}"
    assert_close(got, expected, rtol=1e-12, atol=1e-12, equal_nan=True)
    return got


def _torch() -> Any:
    return pytest.importorskip("torch")


def _to_torch(t: Tensor) -> Any:
    return _torch().from_numpy(t.numpy().copy())


def _torch_forward(fn: Callable[[], Any]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return fn()


# ------------------------------------------------------------------ every operand combination, op by op
# vmap over the backward op itself, each subset of its tensor operands batched (the others one entry's), against
# the per-op loop: the cotangent alone (jacrev), the saved values alone, everything.

_SIZE = 3


def _ints(high: int, *shape: int, seed: int = 0) -> Tensor:
    return tocha.from_numpy(np.random.default_rng(seed).integers(0, high, shape))


def _run(name: str, inputs: tuple[Any, ...], params: tuple[Any, ...]) -> Any:
    return call(get_op(name), tocha.device("cpu"), inputs, params)


def check_combinations(name: str, make: Callable[[int], tuple[Any, ...]], params: tuple[Any, ...]) -> None:
    """Every subset of ``make``'s tensor operands batched (entries ``make(0)``, ``make(1)``...)."""
    entries = [make(seed) for seed in range(_SIZE)]
    tensors = [k for k, x in enumerate(entries[0]) if isinstance(x, Tensor)]
    for flags in itertools.product((False, True), repeat=len(tensors)):
        if not any(flags):
            continue
        batched = {k for k, f in zip(tensors, flags, strict=True) if f}
        args = tuple(
            tocha.stack([e[k] for e in entries]) if k in batched else entries[0][k] for k in range(len(entries[0]))
        )
        in_dims = tuple(0 if k in batched else None for k in range(len(args)))

        def op(*a: Any) -> Any:
            return _run(name, a, params)

        check(name, lambda in_dims=in_dims, args=args: vmap(op, in_dims=in_dims)(*args))


@pytest.mark.parametrize("need", [(True, True, True), (True, False, False), (False, True, False)])
@pytest.mark.parametrize("lead", [(), (2, 3)])
def test_linear_backward_combinations(need: tuple[bool, ...], lead: tuple[int, ...]) -> None:
    check_combinations(
        "linear_backward",
        lambda s: (_t(*lead, 4, seed=s), _t(*lead, 5, seed=s + 10), _t(4, 5, seed=s + 20)),
        need,
    )


def _norm_saved(op: str, x: Tensor, weight: Tensor | None, k: int) -> tuple[Tensor, ...]:
    if op == "rms_norm":
        return tuple(_run(op, (x, weight), (k, 1e-5))[1:])
    return tuple(_run(op, (x, weight, None), (k, 1e-5))[1:])


@pytest.mark.parametrize("op", ["layer_norm", "rms_norm"])
@pytest.mark.parametrize("weighted", [True, False])
@pytest.mark.parametrize(("lead", "k"), [((3,), 1), ((2,), 2)])
def test_row_norm_backward_combinations(op: str, weighted: bool, lead: tuple[int, ...], k: int) -> None:
    shape = (3, 4)[-k:] if k == 2 else (4,)

    def make(s: int) -> tuple[Any, ...]:
        x = _t(*lead, *shape, seed=s)
        w = _t(*shape, seed=s + 10) if weighted else None
        return (_t(*lead, *shape, seed=s + 20), x, w, *_norm_saved(op, x, w, k))

    params = (k, weighted, True) if op == "layer_norm" else (k, weighted)
    check_combinations(f"{op}_backward", make, params)


@pytest.mark.parametrize("weighted", [True, False])
def test_group_norm_backward_combinations(weighted: bool) -> None:
    def make(s: int) -> tuple[Any, ...]:
        x, w = _t(2, 4, 3, seed=s), _t(4, seed=s + 10) if weighted else None
        _, mean, rstd = _run("group_norm", (x, w, None), (2, 1e-5))
        return (_t(2, 4, 3, seed=s + 20), x, w, mean, rstd)

    check_combinations("group_norm_backward", make, (2,))


@pytest.mark.parametrize("training", [False, True])
def test_batch_norm_backward_combinations(training: bool) -> None:
    def make(s: int) -> tuple[Any, ...]:
        x, w = _t(4, 2, 3, seed=s), _t(2, seed=s + 10)
        _, mean, var = _run("batch_norm", (x, w, None, _t(2, seed=s + 30), _t(2, seed=s + 40).abs()), (training, 1e-5))
        return (_t(4, 2, 3, seed=s + 20), x, w, mean, var)

    check_combinations("batch_norm_backward", make, (training, 1e-5))


def _targets(shape: tuple[int, ...], classes: int, seed: int) -> Tensor:
    t = _ints(classes, *shape, seed=seed)
    if t.dim():
        t.view(-1)[0] = -100  # an ignored target
    return t


@pytest.mark.parametrize("name", ["cross_entropy_backward", "cross_entropy_with_softmax_backward", "nll_loss_backward"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("entry", [(4,), (3, 4), (3, 4, 2)])
@pytest.mark.parametrize("weighted", [False, True])
def test_class_index_loss_backward_combinations(
    name: str, reduction: str, entry: tuple[int, ...], weighted: bool
) -> None:
    target_shape = entry[:1] + entry[2:] if len(entry) > 1 else ()

    def make(s: int) -> tuple[Any, ...]:
        grad = _t(*target_shape, seed=s) if reduction == "none" else _t(seed=s)
        x = _t(*entry, seed=s + 10)
        if name == "cross_entropy_with_softmax_backward":
            x = F.softmax(x, 1 if len(entry) > 1 else 0)
        weight = _t(4, seed=s + 20).abs() + 0.5 if weighted else None
        target = _targets(target_shape, 4, s + 30)
        if name == "nll_loss_backward":
            return (grad, target, weight)
        return (grad, x, target, weight)

    params = (reduction, -100, entry) if name == "nll_loss_backward" else (reduction, -100)
    check_combinations(name, make, params)


@pytest.mark.parametrize(("padding_idx", "scale"), [(None, False), (1, True), (0, False)])
def test_embedding_backward_combinations(padding_idx: int | None, scale: bool) -> None:
    check_combinations(
        "embedding_backward",
        lambda s: (_t(2, 3, 4, seed=s), _ints(5, 2, 3, seed=s + 10)),
        (5, padding_idx, scale),
    )


@pytest.mark.parametrize("with_gp", [False, True])
@pytest.mark.parametrize(("q_shape", "kv_shape"), [((3, 4), (5, 4)), ((2, 3, 4), (1, 5, 4)), ((3, 4), (2, 5, 4))])
def test_attention_backward_combinations(with_gp: bool, q_shape: tuple[int, ...], kv_shape: tuple[int, ...]) -> None:
    def make(s: int) -> tuple[Any, ...]:
        q, k, v = _t(*q_shape, seed=s), _t(*kv_shape, seed=s + 10), _t(*kv_shape, seed=s + 20)
        out, p = _run("scaled_dot_product_attention", (q, k, v, None), (False, 0.5, True))
        gp = _t(*p.shape, seed=s + 30) if with_gp else None
        return (_t(*out.shape, seed=s + 40), gp, q, k, v, p)

    check_combinations("scaled_dot_product_attention_backward", make, (0.5,))


@pytest.mark.parametrize("stride", [1, 2])
def test_max_pool_backward_combinations(stride: int) -> None:
    window = ((2, 2), (stride, stride), (0, 0), (1, 1))

    def make(s: int) -> tuple[Any, ...]:
        x = _t(2, 3, 4, 4, seed=s)
        out = F.max_pool2d(x, 2, stride, return_indices=True)
        return (_t(*out[0].shape, seed=s + 10), out[1])

    check_combinations("max_pool_backward", make, ((4, 4), stride == 1, window))


@pytest.mark.parametrize("groups", [1, 2])
@pytest.mark.parametrize("need", [(True, True, True), (False, True, False), (True, False, False)])
def test_convolution_backward_combinations(groups: int, need: tuple[bool, ...]) -> None:
    check_combinations(
        "convolution_backward",
        lambda s: (_t(2, 4, 3, 3, seed=s), _t(2, 4, 6, 5, seed=s + 10), _t(4, 4 // groups, 2, 3, seed=s + 20)),
        ((2, 1), (1, 0), (1, 1), groups, *need),
    )


@pytest.mark.parametrize("groups", [1, 2])
def test_convolution_backward_weight_and_bias_combinations(groups: int) -> None:
    check_combinations(
        "convolution_backward_weight",
        lambda s: (_t(2, 4, 6, seed=s), _t(2, 6, 4, seed=s + 10)),
        ((6, 4 // groups, 3), (1,), (0,), (1,), groups),
    )
    check_combinations("convolution_backward_bias", lambda s: (_t(2, 4, 5, seed=s),), ())


# ------------------------------------------------------------------ the transforms that meet them


def _torch_jacobians(fn: Callable[..., Any], torch_fn: Callable[..., Any], *args: Tensor, rtol: float = 1e-10) -> None:
    """jacrev, jacfwd and hessian of ``fn`` (batched, against the per-op loop) against torch.func's."""
    torch = _torch()
    targs = tuple(_to_torch(a) for a in args)
    for ours, theirs in ((jacrev, torch.func.jacrev), (jacfwd, torch.func.jacfwd), (hessian, torch.func.hessian)):
        got = check((), lambda ours=ours: ours(fn)(*args))  # which backward ops each one reaches varies
        ref = _torch_forward(lambda theirs=theirs: theirs(torch_fn)(*targs))
        assert_close(got, tocha.from_numpy(ref.numpy()), rtol=rtol, atol=rtol)


def test_jacobians_of_a_classifier_head() -> None:
    torch = _torch()
    tf = torch.nn.functional
    w, t = _t(10, 16, seed=1), tocha.tensor([3])
    tw, tt = _to_torch(w), torch.tensor([3])
    x = _t(16)
    _torch_jacobians(
        lambda x: F.cross_entropy(F.linear(F.layer_norm(x, (16,)), w)[None], t),
        lambda x: tf.cross_entropy(tf.linear(tf.layer_norm(x, (16,)), tw)[None], tt),
        x,
    )
    jac = check(
        ("linear_backward", "layer_norm_backward", "cross_entropy_backward"),
        lambda: jacrev(lambda x: F.cross_entropy(F.linear(F.layer_norm(x, (16,)), w)[None], t))(x),
    )
    assert tuple(jac.shape) == (16,)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_jacobians_of_class_index_losses(reduction: str, weighted: bool) -> None:
    torch = _torch()
    tf = torch.nn.functional
    x, t = _t(3, 4), tocha.tensor([1, -100, 2])
    weight = _t(4, seed=1).abs() + 0.5 if weighted else None
    tw = None if weight is None else _to_torch(weight)

    def both(loss: str) -> None:
        _torch_jacobians(
            lambda x: getattr(F, loss)(x, t, weight=weight, reduction=reduction).sum(),
            lambda x: getattr(tf, loss)(x, torch.tensor([1, -100, 2]), weight=tw, reduction=reduction).sum(),
            x,
        )

    both("cross_entropy")
    both("nll_loss")
    check("cross_entropy_backward", lambda: jacrev(lambda x: F.cross_entropy(x, t, weight, reduction=reduction))(x))
    check("nll_loss_backward", lambda: jacrev(lambda x: F.nll_loss(x, t, weight, reduction=reduction))(x))


def test_cross_entropy_with_softmax_under_jacrev(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_loss, "_CE_RECOMPUTE_LIMIT", 0)
    x, t = _t(3, 4), tocha.tensor([1, 0, 2])
    jac = check("cross_entropy_with_softmax_backward", lambda: jacrev(lambda x: F.cross_entropy(x, t))(x))
    torch = _torch()
    ref = torch.func.jacrev(lambda x: torch.nn.functional.cross_entropy(x, torch.tensor([1, 0, 2])))(_to_torch(x))
    assert_close(jac, tocha.from_numpy(ref.numpy()), rtol=1e-12, atol=1e-12)


def test_jacobians_of_norms_and_linear() -> None:
    torch = _torch()
    tf = torch.nn.functional
    w, b = _t(5, 4, seed=1), _t(5, seed=2)
    lw, gw = _t(4, seed=3), _t(4, seed=4)
    tw, tb, tlw, tgw = (_to_torch(a) for a in (w, b, lw, gw))
    _torch_jacobians(
        lambda x: F.rms_norm(F.linear(F.layer_norm(x, (4,), lw), w, b), (5,)).sum(0),
        lambda x: tf.rms_norm(tf.linear(tf.layer_norm(x, (4,), tlw), tw, tb), (5,)).sum(0),
        _t(3, 4),
    )
    _torch_jacobians(
        lambda x: F.group_norm(x, 2, gw).sum((0, 2)),
        lambda x: tf.group_norm(x, 2, tgw).sum((0, 2)),
        _t(2, 4, 3),
    )
    names = ("linear_backward", "rms_norm_backward")
    x = _t(3, 4)
    check(
        names,
        lambda: jacrev(lambda w: F.rms_norm(F.linear(F.layer_norm(x, (4,), lw), w, b), (5,), lw[:1].expand(5)))(w),
    )


def test_jacrev_of_embedding_attention_and_batch_norm() -> None:
    table, idx = _t(5, 3), tocha.tensor([[0, 2, 0], [4, 1, 1]])
    check(
        "embedding_backward",
        lambda: jacrev(lambda w: F.embedding(idx, w, padding_idx=1, scale_grad_by_freq=True))(table),
    )
    q, k, v = _t(2, 3, 4), _t(2, 5, 4, seed=1), _t(2, 5, 4, seed=2)
    jac = check(
        "scaled_dot_product_attention_backward",
        lambda: jacrev(F.scaled_dot_product_attention, argnums=(0, 1, 2))(q, k, v),
    )
    torch = _torch()
    ref = torch.func.jacrev(torch.nn.functional.scaled_dot_product_attention, argnums=(0, 1, 2))(
        _to_torch(q), _to_torch(k), _to_torch(v)
    )
    for j, r in zip(jac, ref, strict=True):
        assert_close(j, tocha.from_numpy(r.numpy()), rtol=1e-10, atol=1e-10)
    mean, var, w = _t(3), _t(3, seed=1).abs() + 0.5, _t(3, seed=2)
    check("batch_norm_backward", lambda: jacrev(lambda x: F.batch_norm(x, mean, var, w), argnums=0)(_t(4, 3, 2)))


@pytest.mark.parametrize(
    ("name", "fn"),
    [
        ("max_pool_backward", lambda x: F.max_pool2d(x, 2, 1)),
        ("avg_pool_backward", lambda x: F.avg_pool2d(x, 2, padding=1, count_include_pad=False)),
        ("adaptive_avg_pool_backward", lambda x: F.adaptive_avg_pool2d(x, (3, 2))),
        ("upsample_nearest_backward", lambda x: F.interpolate(x, scale_factor=2, mode="nearest")),
        ("upsample_linear_backward", lambda x: F.interpolate(x, size=(5, 3), mode="bilinear")),
        ("upsample_bicubic_backward", lambda x: F.interpolate(x, size=(5, 6), mode="bicubic")),
        ("pad_backward", lambda x: F.pad(x, (1, 2, 2, 1), mode="reflect")),
        ("pad_backward", lambda x: F.pad(x, (1, 2, 2, 1), mode="circular")),
        ("pad_backward", lambda x: F.pad(x, (3, 1, 0, 1), mode="replicate")),
        ("convolution_backward", lambda x: F.conv2d(x, _t(4, 1, 2, 2), _t(4), stride=2, padding=1, groups=2)),
    ],
)
def test_jacobians_of_spatial_ops(name: str, fn: Callable[[Tensor], Tensor]) -> None:
    x = _t(1, 2, 4, 4)
    check(name, lambda: jacrev(fn)(x))
    if name != "max_pool_backward":  # max_pool_values has no tangents (forward AD)
        check((), lambda: jacfwd(fn)(x))  # jacfwd: tangents (no per-op loop anywhere), no backward op needed


def test_conv_weight_jacrev_and_vmap_of_a_vjp_function() -> None:
    x, w, b = _t(2, 2, 5, 5), _t(3, 2, 3, 3, seed=1), _t(3, seed=2)
    jac = check("convolution_backward", lambda: jacrev(F.conv2d, argnums=(0, 1, 2))(x, w, b))
    check("convolution_backward_weight", lambda: jacrev(lambda w: F.conv_transpose2d(x, w, stride=2))(w[:2]))
    torch = _torch()
    ref = torch.func.jacrev(torch.nn.functional.conv2d, argnums=(0, 1, 2))(_to_torch(x), _to_torch(w), _to_torch(b))
    for j, r in zip(jac, ref, strict=True):
        assert_close(j, tocha.from_numpy(r.numpy()), rtol=1e-10, atol=1e-10)
    out, vjp_fn = vjp(F.conv2d, x, w, b)
    cotangents = _t(4, *out.shape, seed=3)
    got = check("convolution_backward", lambda: vmap(vjp_fn)(cotangents))
    for k in range(4):
        for g, p in zip(got, vjp_fn(cotangents[k]), strict=True):
            assert_close(g[k], p, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("lead", [(), (3,)])
def test_is_grads_batched_linear_layer_norm(lead: tuple[int, ...]) -> None:
    x, w, b = (t.requires_grad_() for t in (_t(*lead, 5), _t(4, 5, seed=1), _t(4, seed=2)))
    gs = _t(6, *lead, 4, seed=3)

    def forward() -> Tensor:
        return F.linear(F.layer_norm(x, (5,), b[:1].expand(5)), w, b)

    got = check(
        ("linear_backward", "layer_norm_backward"),
        lambda: tocha.autograd.grad(forward(), (x, w, b), gs, is_grads_batched=True),
    )
    out = forward()
    for k in range(6):
        plain = tocha.autograd.grad(out, (x, w, b), gs[k], retain_graph=True)
        for g, p in zip(got, plain, strict=True):
            assert_close(g[k], p, rtol=1e-12, atol=1e-12)


def test_vmap_of_a_vjp_function_of_losses_and_embedding() -> None:
    x, t = _t(3, 4), tocha.tensor([1, 0, 2])
    table, idx = _t(5, 3), tocha.tensor([0, 2, 0])

    def f(x: Tensor, table: Tensor) -> Tensor:
        return F.cross_entropy(F.embedding(idx, table) @ x[:, :3].T, t, reduction="none")

    out, vjp_fn = vjp(f, x, table)
    cotangents = _t(4, *out.shape, seed=3)
    got = check(("cross_entropy_backward", "embedding_backward"), lambda: vmap(vjp_fn)(cotangents))
    for k in range(4):
        for g, p in zip(got, vjp_fn(cotangents[k]), strict=True):
            assert_close(g[k], p, rtol=1e-12, atol=1e-12)
