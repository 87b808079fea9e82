"""vmap's batched run (NOTE [ Batched vmap ] in tocha._vmap): every op against the per-entry loop, the forms that
must batch without falling back, the fallback's semantics, and the batching-rule registry."""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tocha
from tocha import _vmap
from tocha.func import vmap
from tocha.library import OpRecord, call, register_batching_rule, register_op
from tocha.testing import SampleInput, assert_close, op_db

F64 = tocha.float64
OPS = [info for info in op_db() if F64 in info.dtypes]
# as_strided reads the storage its input views: one entry's select() view and a clone differ by design
NOT_LOOP_EQUAL = {"as_strided": "as_strided addresses the storage under a view, which batching changes"}


def _t(*shape: int, seed: int = 0) -> tocha.Tensor:
    return tocha.from_numpy(np.random.default_rng(seed).standard_normal(shape))


@pytest.fixture
def batched_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """vmap raises instead of falling back to the loop: the function must run batched."""
    monkeypatch.setattr(_vmap, "LOOP_FALLBACK", False)


def _as_tuple(result: Any) -> Any:
    return tuple(result) if isinstance(result, tuple) else result


def _floating(x: Any) -> bool:
    return isinstance(x, tocha.Tensor) and x.is_floating_point()


@pytest.mark.parametrize("info", OPS, ids=[info.name for info in OPS])
@pytest.mark.parametrize("operands", ["input", "every floating operand"])
def test_every_op_under_vmap_equals_the_per_entry_results(info: Any, operands: str) -> None:
    if info.name in NOT_LOOP_EQUAL:
        pytest.skip(NOT_LOOP_EQUAL[info.name])
    ran = 0
    for sample in info.sample_inputs("cpu", F64):
        if not _floating(sample.input):
            continue
        both = (sample.input, *sample.args)
        mapped = [k == 0 or (operands != "input" and _floating(a)) for k, a in enumerate(both)]
        batches = [tocha.stack([a * c for c in (1.0, 0.5, -0.75)]) if m else a for a, m in zip(both, mapped)]

        def one(*entry: Any, sample: SampleInput = sample) -> Any:
            result = info.run(SampleInput(entry[0], entry[1:], sample.kwargs, params=sample.params))
            return _as_tuple(result)

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                tocha.manual_seed(0)  # random ops: the loop vmap falls back to draws as these calls do
                entries = [one(*(a[b].clone() if m else a for a, m in zip(batches, mapped))) for b in range(3)]
            except Exception:
                continue
            expected = (
                tuple(tocha.stack(r) for r in zip(*entries, strict=True))
                if isinstance(entries[0], tuple)
                else tocha.stack(entries)
            )
            tocha.manual_seed(0)
            in_dims = tuple(0 if m else None for m in mapped)
            actual = vmap(one, in_dims=in_dims, randomness="different")(*batches)
        assert_close(actual, expected, equal_nan=True, msg=lambda m, s=sample: f"{info.name} sample {s.name}: {m}")
        ran += 1
    if not ran:
        pytest.skip("no floating sample that one entry runs")


BATCHED_FORMS: list[tuple[str, Callable[..., Any], tuple[int, ...]]] = [
    ("elementwise broadcast", lambda x: (x * _t(4, 1, seed=1) + 1.0).sin(), (4, 5)),
    ("reductions", lambda x: x.sum() + x.mean(0).amax() + x.std(dim=1).sum() + x.logsumexp(-1).prod(), (3, 5)),
    ("views", lambda x: x.t().reshape(-1)[2:].view(2, -1).unsqueeze(0).squeeze(0).flip(0), (3, 4)),
    ("indexing", lambda x: x[1:, 0] * x[..., None, -1].sum() + x[-1].select(0, 2), (3, 4)),
    ("permute and movedim", lambda x: x.permute(2, 0, 1).movedim(0, -1).contiguous().diagonal(), (3, 3, 2)),
    ("matmul forms", lambda x: (x @ x) @ x[0] + x[:, 0] @ x + _t(2, 3, 3, seed=2) @ x[0], (3, 3)),
    ("softmax", lambda x: tocha.softmax(x @ x.T / 2.0, dim=-1) @ x + x.log_softmax(0), (4, 3)),
    ("join", lambda x: tocha.stack([x, x.exp()], 1).flatten() + tocha.cat([x, _t(3, seed=3)]).sum(), (3,)),
    ("in-place on a copy", lambda x: x.clone().mul_(2).add_(_t(3, seed=4)).clamp_(-1.0, 1.0), (3,)),
    ("scans and sorts", lambda x: x.cumsum(0) + x.sort(descending=True).values + x.topk(2).values.sum(), (5,)),
    ("triangles", lambda x: x.tril() - x.triu(1).T + x.expand(2, 3, 3).sum(0), (3, 3)),
    ("dtype", lambda x: x.to(tocha.float32).double() * tocha.where(x > 0, x, 0.0), (3,)),
]


@pytest.mark.parametrize(("name", "func", "shape"), BATCHED_FORMS, ids=[f[0] for f in BATCHED_FORMS])
def test_common_forms_run_batched_and_equal_the_loop(batched_only: None, name: str, func: Any, shape: Any) -> None:
    xs = _t(4, *shape)
    expected = tocha.stack([func(xs[b].clone()) for b in range(4)])
    assert_close(vmap(func)(xs), expected, rtol=1e-12, atol=1e-12)
    assert_close(vmap(func, in_dims=-1, out_dims=-1)(xs.movedim(0, -1)), expected.movedim(0, -1))


def test_forms_match_torch_func_vmap(batched_only: None) -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(5).standard_normal((6, 4, 8))
    ours = vmap(lambda q: tocha.softmax(q @ q.transpose(0, 1), dim=-1) @ q)(tocha.tensor(x))
    theirs = torch.func.vmap(lambda q: torch.softmax(q @ q.transpose(0, 1), dim=-1) @ q)(torch.tensor(x))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def test_nested_vmap_runs_batched_at_both_levels(batched_only: None) -> None:
    a, b = _t(4, 5, 3), _t(3, 2, seed=1)
    inner = vmap(lambda r, m: (r @ m).sum(), in_dims=(0, None))
    result = vmap(inner, in_dims=(0, None))(a, b)
    assert_close(result, (a @ b).sum(-1), rtol=1e-12, atol=1e-12)


def test_inside_the_function_a_batched_argument_looks_like_one_entry(batched_only: None) -> None:
    seen: list[Any] = []

    def f(x: tocha.Tensor) -> tocha.Tensor:
        seen.append((tuple(x.shape), x.dim(), len(x), x.numel(), x.dtype))
        return x

    vmap(f, in_dims=1)(_t(3, 7, 2))
    assert seen == [((3, 2), 2, 3, 6, F64)]


def test_an_output_independent_of_the_batch_comes_back_expanded(batched_only: None) -> None:
    c = tocha.arange(3.0)
    out = vmap(lambda x: c * 2, out_dims=1)(_t(4, 2))
    assert out.shape == (3, 4)
    assert out.stride() == (1, 0)
    assert_close(out, (c * 2).unsqueeze(1).expand(3, 4))


def test_a_zero_dim_entry_keeps_pytorchs_promotion(batched_only: None) -> None:
    xs = _t(3)  # float64 entries of shape (): a 0-dim operand does not widen a dimensioned float32 one
    out = vmap(lambda s: s * tocha.ones(2, dtype=tocha.float32))(xs)
    assert out.dtype == tocha.float32
    assert_close(out, (xs.unsqueeze(1) * tocha.ones(2)).float())


def test_reading_values_falls_back_to_the_loop() -> None:
    xs = _t(4, 3)
    out = vmap(lambda v: (v * float(v.sum()) if bool(v[0] > 0) else -v) + tocha.from_numpy(v.numpy() * 0))(xs)
    expected = [v * v.sum() if v[0] > 0 else -v for v in xs.numpy()]
    np.testing.assert_allclose(out.numpy(), np.stack(expected), rtol=1e-12)


def test_reading_values_raises_in_the_batched_run(batched_only: None) -> None:
    with pytest.raises(_vmap.UnbatchableError, match="batched tensor"):
        vmap(lambda v: v * v.sum().item())(_t(2, 3))


def test_an_input_written_before_a_fallback_raises_instead_of_being_written_twice() -> None:
    xs = _t(4, 3)
    before = xs.clone()
    with pytest.raises(RuntimeError, match=r"wrote into one of its inputs in place.*would write twice"):
        vmap(lambda v: v.add_(1.0) * float(v.sum()))(xs)
    assert_close(xs, before + 1.0)  # written once, by the batched run


def test_random_ops_under_different_draw_per_entry() -> None:
    tocha.manual_seed(0)
    out = vmap(lambda x: x + tocha.rand(3), randomness="different")(tocha.zeros(4, 3, dtype=tocha.float32))
    assert len({tuple(row) for row in out.tolist()}) == 4


def test_a_batched_tensor_that_escapes_its_vmap_raises() -> None:
    kept: list[tocha.Tensor] = []

    def f(x: tocha.Tensor) -> tocha.Tensor:
        kept.append(x * 2)
        return x

    vmap(f)(_t(2, 3))
    with pytest.raises(RuntimeError, match="batched tensor"):
        kept[0] + 1


def test_a_registered_rule_is_used() -> None:
    op = register_op(OpRecord(name="test_vmap_twice", forward=lambda xp, a: a * 2), replace=True)
    seen: list[tuple[Any, ...]] = []

    def rule(c: Any, batched: tuple[Any, ...], size: int, proceed: Any) -> Any:
        seen.append((batched, size, tuple(c.inputs[0].shape)))
        return proceed(c)

    register_batching_rule("test_vmap_twice", rule)
    out = vmap(lambda x: call(op, x.device, (x,), ()))(_t(5, 2))
    assert seen == [((True,), 5, (5, 2))]
    assert_close(out, _t(5, 2) * 2)


def test_register_batching_rule_checks_its_arguments() -> None:
    with pytest.raises(TypeError, match="expected a callable rule"):
        register_batching_rule("add", None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="expected an op name"):
        register_batching_rule(3, lambda *a: None)  # type: ignore[arg-type]


@pytest.mark.autograd
def test_per_sample_gradients_come_from_one_batched_backward(batched_only: None) -> None:
    from tocha.func import grad

    w = _t(3, 2, seed=1)

    def loss(w: tocha.Tensor, x: tocha.Tensor, y: tocha.Tensor) -> tocha.Tensor:
        return ((x @ w).tanh() - y).pow(2).sum()

    xs, ys = _t(6, 3, seed=2), _t(6, 2, seed=3)
    per_sample = vmap(grad(loss), in_dims=(None, 0, 0))(w, xs, ys)
    expected = tocha.stack([grad(loss)(w, xs[b], ys[b]) for b in range(6)])
    assert per_sample.shape == (6, 3, 2)
    assert_close(per_sample, expected, rtol=1e-12, atol=1e-12)
    by_input = vmap(grad(loss, argnums=1))(w.expand(6, 3, 2), xs, ys)
    assert_close(by_input, tocha.stack([grad(loss, argnums=1)(w, xs[b], ys[b]) for b in range(6)]))


@pytest.mark.autograd
def test_gradients_flow_through_a_batched_vmap_to_closed_over_parameters(batched_only: None) -> None:
    w = _t(3, seed=1).requires_grad_()
    xs = _t(5, 3, seed=2)
    vmap(lambda x: (x * w).sin().sum())(xs).sum().backward()
    assert w.grad is not None
    assert_close(w.grad, (xs * (xs * w.detach()).cos()).sum(0), rtol=1e-12, atol=1e-12)


@pytest.mark.gpu
@pytest.mark.autograd
def test_vmap_runs_batched_on_cuda_with_the_cpus_results(batched_only: None) -> None:
    from tocha.func import grad

    w, xs = _t(3, 2, seed=1), _t(6, 3, seed=2)

    def loss(w: tocha.Tensor, x: tocha.Tensor) -> tocha.Tensor:
        return tocha.softmax(x @ w, dim=0).log().sum() + (x[None] @ w).tanh().sum()

    on_cpu = vmap(grad(loss), in_dims=(None, 0))(w, xs)
    on_cuda = vmap(grad(loss), in_dims=(None, 0))(w.cuda(), xs.cuda())
    assert on_cuda.device.type == "cuda"
    assert_close(on_cuda.cpu(), on_cpu, rtol=1e-10, atol=1e-12)


@pytest.mark.autograd
def test_a_vjp_function_runs_batched_over_cotangents(batched_only: None) -> None:
    from tocha.func import jacrev, vjp

    x = _t(5, seed=1)

    def f(v: tocha.Tensor) -> tocha.Tensor:
        return (v.sin() * v.sum()).exp()

    _, vjp_fn = vjp(f, x)
    (rows,) = vmap(vjp_fn)(tocha.eye(5, dtype=F64))
    assert_close(rows, jacrev(f)(x), rtol=1e-12, atol=1e-12)


@pytest.mark.autograd
def test_jacrev_takes_every_row_from_one_batched_backward(monkeypatch: pytest.MonkeyPatch) -> None:
    from tocha import func
    from tocha.func import jacrev

    def f(v: tocha.Tensor) -> tuple[tocha.Tensor, tocha.Tensor]:
        return (v.sin() * v.sum()).reshape(2, 3), v.prod()

    x = _t(6, seed=2)
    ran: list[bool] = []
    batched_rows = func._batched_vjp_rows

    def spy(*args: Any) -> Any:
        rows = batched_rows(*args)
        ran.append(rows is not None)
        return rows

    monkeypatch.setattr(func, "_batched_vjp_rows", spy)
    batched = jacrev(f)(x)
    assert ran == [True, True]
    monkeypatch.setattr(func, "_batched_vjp_rows", lambda *args: None)  # the per-element loop
    looped = jacrev(f)(x)
    assert batched[0].shape == (2, 3, 6)
    assert_close(batched, looped, rtol=1e-12, atol=1e-12)


@pytest.mark.autograd
def test_jacrev_inside_vmap_equals_the_loop() -> None:
    from tocha.func import jacrev

    xs = _t(4, 3, seed=3)

    def f(v: tocha.Tensor) -> tocha.Tensor:
        return v.sin() * v.sum()

    assert_close(vmap(jacrev(f))(xs), tocha.stack([jacrev(f)(xs[b]) for b in range(4)]), rtol=1e-12, atol=1e-12)


def test_gather_batches_either_operand(batched_only: None) -> None:
    xs = _t(4, 3, 5)
    index = tocha.tensor([[0, 4], [2, 2], [1, 3]])
    indices = tocha.stack([index, index.flip(0), 4 - index, index])
    f = lambda x, i: x.gather(1, i)
    assert_close(vmap(f)(xs, indices), tocha.stack([f(xs[b], indices[b]) for b in range(4)]))
    assert_close(vmap(f, in_dims=(0, None))(xs, index), tocha.stack([f(xs[b], index) for b in range(4)]))
    assert_close(vmap(f, in_dims=(None, 0))(xs[0], indices), tocha.stack([f(xs[0], indices[b]) for b in range(4)]))


def test_an_index_out_of_range_in_one_entry_raises_as_the_loop_does() -> None:
    indices = tocha.tensor([[[0, 1]], [[1, 7]]])
    with pytest.raises(RuntimeError, match="index 7 is out of bounds for dimension 1 with size 5"):
        vmap(lambda x, i: x.gather(1, i))(_t(2, 1, 5), indices)


INDEXINGS: list[Callable[..., Any]] = [
    lambda x, a, b: x[a],
    lambda x, a, b: x[:, a],
    lambda x, a, b: x[a, :, b],
    lambda x, a, b: x[:, a, b],
    lambda x, a, b: x[a, b],
    lambda x, a, b: x[..., a],
    lambda x, a, b: x[a, 1:3, b],
    lambda x, a, b: x[1, a],
]


@pytest.mark.parametrize("key", range(len(INDEXINGS)))
def test_advanced_indexing_batches_values_indices_or_both(batched_only: None, key: int) -> None:
    f = INDEXINGS[key]
    xs = _t(3, 4, 5, 6)
    i2, i1, i0 = tocha.tensor([[0, 3], [2, 1]]), tocha.tensor([1, 4, 0]), tocha.tensor(2)
    batched_indices = {id(i2): tocha.stack([i2, i2.flip(0), 3 - i2]), id(i1): tocha.stack([i1, 4 - i1, i1.flip(0)])}
    batched_indices[id(i0)] = tocha.tensor([0, 3, 1])  # one int per entry: PyTorch's basic indexing with it
    checked = 0
    for a, b in itertools.product((i2, i1, i0), repeat=2):
        for map_x, map_a, map_b in itertools.product((False, True), repeat=3):
            if not (map_x or map_a or map_b):
                continue
            args = (
                xs if map_x else xs[0],
                batched_indices[id(a)] if map_a else a,
                batched_indices[id(b)] if map_b else b,
            )
            dims = tuple(0 if m else None for m in (map_x, map_a, map_b))
            try:
                expected = tocha.stack([f(*(v[e] if d == 0 else v for v, d in zip(args, dims))) for e in range(3)])
            except IndexError:  # out of range for one entry: not a case to vmap
                continue
            assert_close(vmap(f, in_dims=dims)(*args), expected)
            checked += 1
    assert checked >= 28  # the forms whose index shapes broadcast


@pytest.mark.autograd
def test_jacfwd_takes_every_column_from_one_batched_forward(monkeypatch: pytest.MonkeyPatch) -> None:
    from tocha import func
    from tocha.func import jacfwd

    def f(v: tocha.Tensor, w: tocha.Tensor) -> tuple[tuple[tocha.Tensor, tocha.Tensor], tocha.Tensor]:
        return ((v.sin() * w.sum()).reshape(2, 2), (v @ w).exp()), v.cos()

    v, w = _t(4, seed=4), _t(4, seed=5)
    ran: list[bool] = []
    batched_columns = func._batched_columns

    def spy(*args: Any) -> Any:
        block = batched_columns(*args)
        ran.append(block is not None)
        return block

    monkeypatch.setattr(func, "_batched_columns", spy)
    batched, aux = jacfwd(f, argnums=(0, 1), has_aux=True)(v, w)
    assert ran == [True, True]
    monkeypatch.setattr(func, "_batched_columns", lambda *args: None)  # one forward pass per element
    looped, looped_aux = jacfwd(f, argnums=(0, 1), has_aux=True)(v, w)
    assert batched[0][0].shape == (2, 2, 4)
    assert_close(batched, looped, rtol=1e-12, atol=1e-12)
    assert_close(aux, looped_aux)


@pytest.mark.parametrize(
    ("equation", "shapes"),
    [
        ("ij,jk->ik", ((2, 3), (3, 4))),
        ("ii->i", ((3, 3),)),
        ("...ij,...jk", ((2, 2, 3), (3, 4))),
        ("bi,bi->b", ((2, 3), (2, 3))),
        ("i,j->ij", ((3,), (4,))),
        ("ijk->", ((2, 3, 4),)),
    ],
)
def test_einsum_batches_any_operand(batched_only: None, equation: str, shapes: Any) -> None:
    operands = [_t(3, *shape, seed=k) for k, shape in enumerate(shapes)]
    for mapped in itertools.product((0, None), repeat=len(operands)):
        if all(m is None for m in mapped):
            continue
        args = [t if m == 0 else t[0] for t, m in zip(operands, mapped)]

        def f(*xs: tocha.Tensor) -> tocha.Tensor:
            return tocha.einsum(equation, *xs)

        expected = tocha.stack([f(*(a[e] if m == 0 else a for a, m in zip(args, mapped))) for e in range(3)])
        assert_close(vmap(f, in_dims=mapped)(*args), expected, rtol=1e-12, atol=1e-12)


def test_chunks_bound_the_entries_run_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from tocha import func

    sizes: list[int] = []
    batched_run = func._vmap_batched

    def spy(*args: Any) -> Any:
        sizes.append(args[3])  # (mapped, leaves, dims, size)
        return batched_run(*args)

    monkeypatch.setattr(func, "_vmap_batched", spy)
    xs, c = _t(10, 3), _t(3, seed=1)

    def f(x: tocha.Tensor) -> tuple[tocha.Tensor, tocha.Tensor]:
        return x.sin() * c, c

    chunked = vmap(f, out_dims=(1, None), chunk_size=4)(xs)
    assert sizes == [4, 4, 2]
    whole = vmap(f, out_dims=(1, None))(xs)
    assert_close(chunked[0], whole[0])
    assert chunked[1] is c


@pytest.mark.autograd
def test_jacrev_chunks_its_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    from tocha import func
    from tocha.func import jacrev

    sizes: list[int] = []
    batched_run = func._vmap_batched

    def spy(*args: Any) -> Any:
        sizes.append(args[3])  # (mapped, leaves, dims, size)
        return batched_run(*args)

    x = _t(7, seed=6)

    def f(v: tocha.Tensor) -> tocha.Tensor:
        return v.sin() * v.sum()

    whole = jacrev(f)(x)
    monkeypatch.setattr(func, "_vmap_batched", spy)
    assert_close(jacrev(f, chunk_size=3)(x), whole, rtol=1e-12, atol=1e-12)
    assert sizes == [3, 3, 1]


@pytest.mark.autograd
def test_vjp_inside_vmap_runs_batched(batched_only: None) -> None:
    from tocha.func import vjp

    xs, cs = _t(5, 3, seed=7), _t(5, 3, seed=8)

    def f(x: tocha.Tensor) -> tuple[tocha.Tensor, tocha.Tensor]:
        return x.sin() * x.sum(), x.exp()

    def per_entry(x: tocha.Tensor, c: tocha.Tensor) -> tuple[tocha.Tensor, tocha.Tensor]:
        out, vjp_fn = vjp(f, x)
        (g,) = vjp_fn((c, c * 2.0))
        return g, out[0]

    batched = vmap(per_entry)(xs, cs)
    looped = [per_entry(xs[b], cs[b]) for b in range(5)]
    assert_close(batched[0], tocha.stack([r[0] for r in looped]), rtol=1e-12, atol=1e-12)
    assert_close(batched[1], tocha.stack([r[1] for r in looped]), rtol=1e-12, atol=1e-12)
    shared = vmap(lambda x: vjp(f, x)[1]((tocha.ones(3, dtype=F64), tocha.zeros(3, dtype=F64)))[0])(xs)
    assert_close(
        shared, tocha.stack([vjp(f, x)[1]((tocha.ones(3, dtype=F64), tocha.zeros(3, dtype=F64)))[0] for x in xs])
    )


@pytest.mark.autograd
def test_a_vjp_function_made_inside_vmap_refuses_to_run_outside() -> None:
    from tocha.func import vjp

    kept: list[Any] = []

    def f(x: tocha.Tensor) -> tocha.Tensor:
        out, vjp_fn = vjp(lambda t: t * 2.0, x)
        kept.append(vjp_fn)
        return out

    vmap(f)(_t(2, 3))
    with pytest.raises(RuntimeError, match="can only be called inside that vmap"):
        kept[0](tocha.ones(3, dtype=F64))
