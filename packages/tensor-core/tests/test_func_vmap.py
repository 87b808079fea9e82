"""tocha.func.vmap (and tocha.vmap): values against an explicit loop and against torch.func.vmap, errors, randomness."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tocha
from tocha.func import vmap

F64 = tocha.float64


def _t(*shape: int, seed: int = 0, dtype: Any = F64) -> tocha.Tensor:
    rng = np.random.default_rng(seed)
    return tocha.from_numpy(rng.standard_normal(shape)).to(dtype)


def _loop(func: Callable[..., Any], xs: tocha.Tensor, dim: int = 0) -> tocha.Tensor:
    return tocha.stack([func(xs.select(dim, b)) for b in range(xs.shape[dim])])


def _close(a: Any, b: Any) -> None:
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-12, atol=1e-12)


def test_vmap_is_exported() -> None:
    assert tocha.vmap is tocha.func.vmap
    assert "vmap" in tocha.__all__
    assert "func" in tocha.__all__
    assert set(tocha.func.__all__) >= {"vmap", "grad", "jacrev", "jacfwd", "hessian", "functional_call"}


def test_matches_loop_for_several_functions() -> None:
    x = _t(5, 3, 4)
    w = _t(4, 2, seed=1)
    for func in (
        tocha.sin,
        lambda r: r @ w,
        lambda r: r.sum(0),
        lambda r: r.softmax(-1),
        lambda r: r.t(),
        lambda r: (r * r).mean(),
    ):
        _close(vmap(func)(x), _loop(func, x))


def test_in_dims_and_out_dims() -> None:
    x = _t(3, 4)
    y = _t(3, seed=1)
    _close(vmap(tocha.mul, in_dims=(1, None))(x, y), np.stack([x.numpy()[:, j] * y.numpy() for j in range(4)]))
    _close(vmap(tocha.sin, in_dims=-1)(x), np.sin(x.numpy()).T)
    _close(vmap(tocha.sin, out_dims=1)(x), np.sin(x.numpy()).T)
    _close(vmap(tocha.sin, out_dims=-1)(x), np.sin(x.numpy()).T)
    _close(vmap(lambda r: r, in_dims=1, out_dims=1)(x), x.numpy())
    a, b = vmap(lambda r: (r, r.sum()), out_dims=(1, 0))(x)
    assert tuple(a.shape) == (4, 3)
    assert tuple(b.shape) == (3,)
    out = vmap(lambda r: r, out_dims=(0,))(x)  # a one-element out_dims for a single output
    _close(out, x.numpy())


def test_pytree_inputs_and_outputs() -> None:
    x = _t(3, 4)
    ones = tocha.ones(4, dtype=F64)
    out = vmap(lambda d: d["a"] + d["b"], in_dims=({"a": 0, "b": None},))({"a": x, "b": ones})
    _close(out, x.numpy() + 1)
    out = vmap(lambda p: p[0] * p[1], in_dims=((0, None),))((x, ones * 2))
    _close(out, x.numpy() * 2)
    out = vmap(lambda items: items[0] - items[1])([x, x])
    _close(out, np.zeros((3, 4)))
    result = vmap(lambda r: {"s": r.sum(), "list": [r, r * 2]})(x)
    assert isinstance(result, dict)
    assert isinstance(result["list"], list)
    _close(result["s"], x.numpy().sum(1))
    _close(result["list"][1], x.numpy() * 2)
    Pair = namedtuple("Pair", ["first", "second"])
    pair = vmap(lambda r: Pair(r.sum(), r.max()))(x)
    assert isinstance(pair, Pair)
    _close(pair.second, x.numpy().max(1))


def test_kwargs_are_not_batched_and_non_tensors_pass_with_none() -> None:
    x = _t(3, 4)
    _close(vmap(lambda r, scale=1.0: r * scale)(x, scale=tocha.full((4,), 3.0, dtype=F64)), x.numpy() * 3)
    _close(vmap(lambda r, k: r * k, in_dims=(0, None))(x, 2.0), x.numpy() * 2)


def test_nested_vmap() -> None:
    x = _t(2, 3, 4)
    y = _t(3, 4, seed=2)
    out = vmap(vmap(tocha.dot))(x, x)
    _close(out, (x.numpy() ** 2).sum(-1))
    outer = vmap(vmap(tocha.mul, in_dims=(0, None)), in_dims=(None, 0))(y, tocha.tensor([1.0, 2.0], dtype=F64))
    _close(outer, np.stack([y.numpy() * s for s in (1.0, 2.0)]))


def test_zero_batch_and_out_dims_none() -> None:
    out = vmap(lambda r: r.sum(-1))(tocha.zeros(0, 3, 2))
    assert tuple(out.shape) == (0, 3)
    out = vmap(tocha.sin, out_dims=1)(tocha.zeros(0, 3))
    assert tuple(out.shape) == (3, 0)
    const = tocha.ones(2)
    assert vmap(lambda r: const, out_dims=None)(tocha.zeros(3)) is const
    assert vmap(lambda r: 7, out_dims=None)(tocha.zeros(3)) == 7
    a, b = vmap(lambda r: (r, tocha.ones(2)), out_dims=(0, None))(tocha.zeros(3, 2))
    assert tuple(a.shape) == (3, 2)
    assert tuple(b.shape) == (2,)


def test_non_contiguous_and_0dim_entries() -> None:
    x = _t(4, 3).t()  # non-contiguous (3, 4)
    _close(vmap(tocha.exp)(x), np.exp(x.numpy()))
    _close(vmap(lambda s: s * 2)(tocha.arange(4.0)), [0.0, 2.0, 4.0, 6.0])


def test_errors() -> None:
    x = tocha.zeros(3, 4)
    with pytest.raises(ValueError, match=r"got sizes \[3, 5\] for the mapped dimension"):
        vmap(tocha.add)(x, tocha.zeros(5, 4))
    with pytest.raises(ValueError, match=r"vmap\(sin, in_dims=2, ...\)\(<inputs>\): Got in_dim=2 for some input"):
        vmap(tocha.sin, in_dims=2)(x)
    with pytest.raises(ValueError, match=r"expected in_dim to satisfy -2 <= in_dim < 2"):
        vmap(tocha.sin, in_dims=-3)(x)
    with pytest.raises(ValueError, match=r"expected in_dim to satisfy -0 <= in_dim < 0"):
        vmap(tocha.sin)(tocha.tensor(1.0))
    with pytest.raises(ValueError, match=r"expected `in_dims` to be int or a \(potentially nested\) tuple"):
        vmap(tocha.add, in_dims=[0, 0])(x, x)
    with pytest.raises(ValueError, match="in_dims is not compatible with the structure of `inputs`"):
        vmap(tocha.add, in_dims=(0,))(x, x)
    with pytest.raises(ValueError, match="in_dims is not compatible"):
        vmap(lambda d: d["a"], in_dims=({"a": 0},))({"a": x, "b": x})
    with pytest.raises(ValueError, match="Expected at least one Tensor to vmap over"):
        vmap(tocha.add, in_dims=(None, None))(x, x)
    with pytest.raises(ValueError, match="got no inputs"):
        vmap(lambda: tocha.ones(2))()
    with pytest.raises(ValueError, match=r"Got in_dim=0 for an input but the input is of type <class 'float'>"):
        vmap(lambda a, b: a * b)(x, 2.0)
    with pytest.raises(ValueError, match=r"`<lambda>` must only return Tensors, got type <class 'int'>"):
        vmap(lambda a: 3)(x)
    with pytest.raises(ValueError, match="must only return Tensors, got type <class 'NoneType'>"):
        vmap(lambda a: (a, None))(x)
    with pytest.raises(ValueError, match="can not return a BatchedTensor when out_dim is None"):
        vmap(lambda a: a, out_dims=None)(tocha.arange(3.0))
    with pytest.raises(IndexError, match="Dimension out of range"):
        vmap(tocha.sin, out_dims=2)(x)
    with pytest.raises(ValueError, match="`out_dims` must be an int, None or a python collection of ints"):
        vmap(tocha.sin, out_dims="a")(x)
    with pytest.raises(ValueError, match="out_dims is not compatible with the structure of `outputs`"):
        vmap(lambda a: (a, a), out_dims=(0, 0, 0))(x)
    with pytest.raises(RuntimeError, match="Only allowed values for randomness are 'error', 'different', or 'same'"):
        vmap(tocha.sin, randomness="foo")
    with pytest.raises(ValueError, match=r"chunk_size should be None or greater than 0. \(got 0\)"):
        vmap(tocha.sin, chunk_size=0)
    with pytest.raises(TypeError, match="chunk_size"):
        vmap(tocha.sin, chunk_size=1.5)  # type: ignore[arg-type]
    assert tocha.equal(vmap(tocha.sin, chunk_size=2)(x), tocha.zeros(3, 4))


def test_randomness_error() -> None:
    x = tocha.zeros(3, 4)
    message = "vmap: called random operation while in randomness error mode"
    for func in (
        lambda a: a + tocha.rand(4),
        lambda a: tocha.randn_like(a),
        lambda a: a.clone().normal_(),
        lambda a: tocha.bernoulli(a + 0.5),
    ):
        with pytest.raises(RuntimeError, match=message):
            vmap(func)(x)
    with pytest.raises(RuntimeError, match=message):  # an outer 'error' level refuses an inner 'different' one
        vmap(vmap(lambda a: a + tocha.rand(()), randomness="different"))(tocha.zeros(2, 3))
    with pytest.raises(RuntimeError, match=message):
        vmap(vmap(lambda a: a + tocha.rand(())), randomness="different")(tocha.zeros(2, 3))
    assert tocha.rand(2).shape == (2,)  # the refusing layer is gone after the error


def test_randomness_error_refuses_only_this_thread() -> None:
    import threading

    drawn: list[Any] = []
    started = threading.Event()
    release = threading.Event()

    def other_thread() -> None:
        started.wait(5)
        drawn.append(tocha.rand(2))  # while the main thread's vmap runs
        release.set()

    def body(a: tocha.Tensor) -> tocha.Tensor:
        started.set()
        release.wait(5)
        return a * 2

    worker = threading.Thread(target=other_thread)
    worker.start()
    vmap(body)(tocha.zeros(1))
    worker.join()
    assert len(drawn) == 1


def test_randomness_same_and_different() -> None:
    tocha.manual_seed(0)
    same = vmap(lambda a: a + tocha.rand(()), randomness="same")(tocha.zeros(4))
    assert len(set(same.tolist())) == 1
    masks = vmap(lambda a: tocha.bernoulli(tocha.full((8,), 0.5)), randomness="same")(tocha.zeros(3))
    assert tocha.equal(masks[0], masks[1])
    assert tocha.equal(masks[1], masks[2])
    different = vmap(lambda a: a + tocha.rand(()), randomness="different")(tocha.zeros(4))
    assert len(set(different.tolist())) == 4
    tocha.manual_seed(1)
    expected = tocha.rand(())
    tocha.manual_seed(1)
    assert vmap(lambda a: tocha.rand(()), randomness="same")(tocha.zeros(3)).tolist() == [expected.item()] * 3
    assert tocha.rand(()).item() != expected.item()  # the generator moved on by one draw


def test_wraps_function_name() -> None:
    def scaled(a: tocha.Tensor) -> tocha.Tensor:
        """Doc."""
        return a * 2

    batched = vmap(scaled)
    assert batched.__name__ == "scaled"
    assert batched.__doc__ == "Doc."


@pytest.mark.autograd
def test_gradients_flow_through_vmap() -> None:
    x = _t(3, 4).requires_grad_()
    w = _t(4, seed=1).requires_grad_()
    vmap(lambda r: (r * w).sin().sum())(x).sum().backward()
    assert x.grad is not None
    assert w.grad is not None
    expected_x = np.cos(x.detach().numpy() * w.detach().numpy()) * w.detach().numpy()
    _close(x.grad, expected_x)
    _close(w.grad, (np.cos(x.detach().numpy() * w.detach().numpy()) * x.detach().numpy()).sum(0))


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch.func imports torch.jit
def test_against_torch() -> None:
    torch = pytest.importorskip("torch")
    x = _t(3, 4)
    y = _t(4, 3, seed=1)
    tx = torch.from_numpy(x.numpy())
    ty = torch.from_numpy(y.numpy())
    cases: list[tuple[Any, Any, dict[str, Any]]] = [
        (lambda a, b: a * b.sum(), lambda a, b: a * b.sum(), {"in_dims": (0, 1)}),
        (lambda a, b: a @ b, lambda a, b: a @ b, {"in_dims": (0, None)}),
        (lambda a, b: (a.sum(), a * 2), lambda a, b: (a.sum(), a * 2), {"in_dims": (1, None), "out_dims": (0, 1)}),
        (lambda a, b: a.softmax(0), lambda a, b: a.softmax(0), {"in_dims": (-1, None), "out_dims": -1}),
    ]
    for ours, theirs, options in cases:
        mine = vmap(ours, **options)(x, y)
        expected = torch.func.vmap(theirs, **options)(tx, ty)
        if isinstance(expected, tuple):
            for m, e in zip(mine, expected, strict=True):
                _close(m, e.numpy())
        else:
            _close(mine, expected.numpy())
    nested = vmap(vmap(lambda a, b: a * b), in_dims=(0, None))(x, x[0])
    _close(nested, torch.func.vmap(torch.func.vmap(lambda a, b: a * b), in_dims=(0, None))(tx, tx[0]).numpy())


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch.func imports torch.jit
def test_error_messages_match_torch() -> None:
    torch = pytest.importorskip("torch")

    def message(fn: Callable[[], Any]) -> str:
        with pytest.raises((ValueError, RuntimeError)) as info:
            fn()
        return str(info.value)

    x = tocha.zeros(3, 4)
    tx = torch.zeros(3, 4)
    pairs = [
        (lambda: vmap(tocha.add)(x, tocha.zeros(5, 4)), lambda: torch.vmap(torch.add)(tx, torch.zeros(5, 4))),
        (lambda: vmap(tocha.sin, in_dims=2)(x), lambda: torch.vmap(torch.sin, in_dims=2)(tx)),
        (lambda: vmap(tocha.sin, in_dims="a")(x), lambda: torch.vmap(torch.sin, in_dims="a")(tx)),
        (lambda: vmap(lambda a: 3)(x), lambda: torch.vmap(lambda a: 3)(tx)),
        (lambda: vmap(lambda a, b: a)(x, 2.0), lambda: torch.vmap(lambda a, b: a)(tx, 2.0)),
        (
            lambda: vmap(tocha.add, in_dims=(None, None))(x, x),
            lambda: torch.vmap(torch.add, in_dims=(None, None))(tx, tx),
        ),
        (lambda: vmap(lambda a: a + tocha.rand(4))(x), lambda: torch.vmap(lambda a: a + torch.rand(4))(tx)),
        (lambda: vmap(tocha.sin, randomness="x"), lambda: torch.vmap(torch.sin, randomness="x")),
    ]
    for ours, theirs in pairs:
        assert message(ours) == message(theirs)


def test_functionalize() -> None:
    def f(x: tocha.Tensor) -> tocha.Tensor:
        y = x.view(-1)
        y.add_(1)
        return y[:2]

    for remove in ("mutations", "mutations_and_views"):
        x = tocha.zeros(2, 2)
        out = tocha.func.functionalize(f, remove=remove)(x)
        assert out.tolist() == [1.0, 1.0]
        assert x.tolist() == [[1.0, 1.0], [1.0, 1.0]]  # mutations of the inputs still happen
        out.add_(5)
        assert x[0, 0].item() == (6.0 if remove == "mutations" else 1.0)  # only the first keeps the view
    with pytest.raises(RuntimeError, match="received invalid argument for remove=views"):
        tocha.func.functionalize(f, remove="views")
