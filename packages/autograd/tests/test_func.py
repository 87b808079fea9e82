"""tocha.func's autograd transforms (grad, vjp, jvp, jacrev, jacfwd, hessian, ...) against torch.func and loops.

Also functional_call / stack_module_state with tocha.nn (skipped when it is not importable) and gradcheck's
check_batched_grad / check_batched_forward_grad, which run through tocha.func.vmap.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tocha
import tocha.autograd
from tocha.autograd import gradcheck, gradgradcheck
from tocha.autograd.gradcheck import GradcheckError
from tocha.func import (
    functional_call,
    grad,
    grad_and_value,
    hessian,
    jacfwd,
    jacrev,
    jvp,
    linearize,
    stack_module_state,
    vjp,
    vmap,
)
from tocha.library import is_tensor_like
from tocha.testing import SampleInput, op_db

F64 = tocha.float64


def _t(*shape: int, seed: int = 0) -> tocha.Tensor:
    return tocha.from_numpy(np.random.default_rng(seed).standard_normal(shape))


def _np(x: Any) -> Any:
    if isinstance(x, (tuple, list)):
        return [_np(v) for v in x]
    if isinstance(x, dict):
        return {k: _np(v) for k, v in x.items()}
    return x.detach().numpy() if hasattr(x, "detach") else np.asarray(x)


def _close(a: Any, b: Any, tol: float = 1e-10) -> None:
    a, b = _np(a), _np(b)
    if isinstance(a, list):
        assert isinstance(b, list)
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _close(x, y, tol)
    elif isinstance(a, dict):
        assert isinstance(b, dict)
        assert a.keys() == b.keys()
        for k in a:
            _close(a[k], b[k], tol)
    else:
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def _f_cube(x: Any) -> Any:
    return (x**3).sum()


def _f_two(x: Any, y: Any) -> Any:
    return (x.sin() * y).sum() + (x * x).mean()


# ------------------------------------------------------------------ grad, grad_and_value


def test_grad_values_and_structure() -> None:
    x = _t(3, 4)
    y = _t(3, 4, seed=1)
    _close(grad(_f_cube)(x), 3 * x.numpy() ** 2)
    gx, gy = grad(_f_two, argnums=(0, 1))(x, y)
    _close(gx, np.cos(x.numpy()) * y.numpy() + 2 * x.numpy() / 12)
    _close(gy, np.sin(x.numpy()))
    assert isinstance(grad(_f_two, argnums=(1,))(x, y), tuple)
    _close(grad(_f_two, argnums=-1)(x, y), np.sin(x.numpy()))
    tree = grad(lambda d: (d["a"] * d["b"][0]).sum())({"a": x, "b": [y]})
    _close(tree, {"a": y, "b": [x]})
    unused = grad(lambda a, b: b.sum())(x, y)
    _close(unused, np.zeros((3, 4)))
    _close(grad(lambda a: tocha.tensor(3.0, dtype=F64))(x), np.zeros((3, 4)))  # output independent of the input
    _close(grad(lambda a, k: (a * k).sum())(x, k=tocha.full((4,), 2.0, dtype=F64)), np.full((3, 4), 2.0))


def test_grad_and_value_and_has_aux() -> None:
    x = _t(5)
    g, value = grad_and_value(_f_cube)(x)
    _close(g, 3 * x.numpy() ** 2)
    _close(value, (x.numpy() ** 3).sum())
    g, aux = grad(lambda a: ((a * a).sum(), {"double": a * 2}), has_aux=True)(x)
    _close(g, 2 * x.numpy())
    _close(aux["double"], 2 * x.numpy())
    g, (value, aux) = grad_and_value(lambda a: ((a * a).sum(), a.max()), has_aux=True)(x)
    _close(value, (x.numpy() ** 2).sum())
    _close(aux, x.numpy().max())
    for result in (g, value, aux):
        assert not result.requires_grad


def test_requires_grad_at_top_level() -> None:
    x = _t(3)
    assert not grad(_f_cube)(x).requires_grad  # as torch.func.grad: nothing outside requires grad
    leaf = x.clone().requires_grad_()
    g = grad(_f_cube)(leaf)
    assert g.requires_grad  # connected to the caller's leaf
    g.sum().backward()
    _close(leaf.grad, 6 * x.numpy())
    with tocha.no_grad():
        assert not grad(_f_cube)(leaf).requires_grad


def test_transforms_inside_no_grad_and_on_inputs_requiring_grad() -> None:
    with tocha.no_grad():
        g = grad(lambda a: (a**2).sum())(tocha.ones(2, dtype=F64, requires_grad=True))
    _close(g, [2.0, 2.0])
    assert not g.requires_grad
    x = tocha.ones(2, dtype=F64, requires_grad=True)
    out, tangent = jvp(lambda a: a**2, (x,), (tocha.ones(2, dtype=F64),))
    assert out.requires_grad
    assert tangent.requires_grad  # reverse over forward
    out, fn = vjp(lambda a: a**2, x)
    assert out.requires_grad
    assert fn(tocha.ones(2, dtype=F64))[0].requires_grad
    for transform in (jacrev, jacfwd):
        assert transform(lambda a: a**2)(x).requires_grad
    h = hessian(lambda a: (a**3).sum())(x)  # diag(6 x): third order through the caller's backward
    h.sum().backward()
    _close(x.grad, [6.0, 6.0])
    w = tocha.ones(2, dtype=F64, requires_grad=True)
    out, fn = vjp(lambda a: a * w, tocha.ones(2, dtype=F64))
    assert out.requires_grad
    assert fn(tocha.ones(2, dtype=F64))[0].requires_grad
    _, fn = vjp(tocha.sin, tocha.ones(2, dtype=F64))
    assert not fn(tocha.ones(2, dtype=F64), create_graph=True)[0].requires_grad  # as PyTorch at the top level


def test_gradient_penalty_reaches_closed_over_parameters() -> None:
    w = _t(4, seed=3).requires_grad_()
    x = _t(2, 4)
    g = grad(lambda a: (w * a * a).sum())(x)  # 2 w x
    assert g.requires_grad
    (g * g).sum().backward()  # sum 4 w^2 x^2 -> d/dw = 8 w x^2 summed over rows
    _close(w.grad, (8 * w.detach().numpy() * x.numpy() ** 2).sum(0))


def test_higher_order_and_composition() -> None:
    x = tocha.tensor(1.5, dtype=F64)
    _close(grad(grad(lambda a: a**4))(x), 12 * 1.5**2)
    _close(grad(grad(grad(lambda a: a.sin())))(x), -np.cos(1.5))
    xs = _t(4, 3)
    _close(vmap(grad(_f_cube))(xs), 3 * xs.numpy() ** 2)
    _close(vmap(grad(grad(lambda a: (a**3).sum())))(tocha.arange(3.0, dtype=F64)), [0.0, 6.0, 12.0])
    # grad over a closure of an outer grad's argument
    outer = grad(lambda a: grad(lambda b: (a * b * b).sum())(a).sum())(_t(3))  # d/da sum(2 a a) = 4 a
    _close(outer, 4 * _t(3).numpy())


def test_per_sample_gradients_match_a_loop() -> None:
    weight = _t(4, 2)
    bias = _t(2, seed=1)
    data = _t(6, 4, seed=2)
    targets = _t(6, 2, seed=3)

    def loss(params: dict[str, Any], x: Any, y: Any) -> Any:
        return ((x @ params["weight"] + params["bias"] - y) ** 2).mean()

    params = {"weight": weight, "bias": bias}
    batched = vmap(grad(loss), in_dims=(None, 0, 0))(params, data, targets)
    loop = [grad(loss)(params, data[i], targets[i]) for i in range(6)]
    _close(batched["weight"], tocha.stack([g["weight"] for g in loop]))
    _close(batched["bias"], tocha.stack([g["bias"] for g in loop]))
    # against the engine directly, one sample at a time
    w = weight.clone().requires_grad_()
    b = bias.clone().requires_grad_()
    gw, gb = tocha.autograd.grad(loss({"weight": w, "bias": b}, data[2], targets[2]), (w, b))
    _close(batched["weight"][2], gw)
    _close(batched["bias"][2], gb)


def test_grad_errors() -> None:
    x = _t(3, 4)
    with pytest.raises(RuntimeError, match="Expected f\\(\\*args\\) to return a scalar Tensor, got tensor with 2 dims"):
        grad(lambda a: a)(x)
    with pytest.raises(RuntimeError, match="Expected f\\(\\*args\\) to return a Tensor, got <class 'int'>"):
        grad(lambda a: 3)(x)
    with pytest.raises(RuntimeError, match="Got argnum=1, but only 1 positional inputs"):
        grad(_f_cube, argnums=1)(x)
    with pytest.raises(RuntimeError, match="argnums must be non-empty"):
        grad(_f_cube, argnums=())(x)
    with pytest.raises(RuntimeError, match=re.escape("argnums must be int or Tuple[int, ...], got: <class 'float'>")):
        grad(_f_cube, argnums=1.0)(x)
    with pytest.raises(RuntimeError, match="argnum must be int, got: <class 'float'>"):
        grad(_f_cube, argnums=(0.0,))(x)
    with pytest.raises(RuntimeError, match="argnums elements must be unique, got \\(0, 0\\)"):
        grad(_f_two, argnums=(0, 0))(x, x)
    with pytest.raises(RuntimeError, match="should be a tuple: \\(output, aux\\) if has_aux is True"):
        grad(_f_cube, has_aux=True)(x)
    with pytest.raises(RuntimeError, match="Expected tensors, got unsupported type <class 'int'>"):
        grad(lambda a: (a.sum(), 3), has_aux=True)(x)
    with pytest.raises(ValueError, match="Thing passed to transform API must be Tensor, got <class 'float'>"):
        grad(lambda a: a)(2.0)
    with pytest.raises(RuntimeError, match="floating point"):
        grad(lambda a: a.sum())(tocha.ones(3, dtype=tocha.int64))
    with pytest.raises(RuntimeError, match="only for real scalar outputs"):
        grad(lambda a: (a * 1j).sum())(x)


# ------------------------------------------------------------------ vjp, jvp, linearize


def test_vjp() -> None:
    x = _t(3, 4)
    y = _t(3, 4, seed=1)
    out, vjp_fn = vjp(lambda a, b: a.sin() * b, x, y)
    _close(out, np.sin(x.numpy()) * y.numpy())
    assert not out.requires_grad
    v = _t(3, 4, seed=2)
    gx, gy = vjp_fn(v)
    _close(gx, np.cos(x.numpy()) * y.numpy() * v.numpy())
    _close(gy, np.sin(x.numpy()) * v.numpy())
    _close(vjp_fn(v)[0], gx)  # callable again
    out, fn, aux = vjp(lambda a: ({"y": a * 2}, a.sum()), x, has_aux=True)
    _close(fn({"y": tocha.ones(3, 4, dtype=F64)})[0], np.full((3, 4), 2.0))
    _close(aux, x.numpy().sum())
    _, fn = vjp(lambda a, b: a * 2, x, y)
    _close(fn(tocha.ones(3, 4, dtype=F64))[1], np.zeros((3, 4)))  # unused primal: zeros


def test_vjp_errors() -> None:
    x = _t(3, 4)
    _, fn = vjp(tocha.sin, x)
    with pytest.raises(RuntimeError, match="Mismatch in shape: grad_output\\[0\\] has a shape of"):
        fn(tocha.ones(3, dtype=F64))
    with pytest.raises(RuntimeError, match="Expected pytree structure of cotangents to be the same"):
        fn((tocha.ones(3, 4, dtype=F64),))
    with pytest.raises(RuntimeError, match="expected f\\(\\*primals\\) to return only tensors"):
        vjp(lambda a: 3, x)
    with pytest.raises(ValueError, match="Thing passed to transform API must be Tensor"):
        vjp(tocha.sin, 2.0)
    with pytest.raises(RuntimeError, match="output of function f should be a tuple"):
        vjp(tocha.sin, x, has_aux=True)


def test_jvp_and_linearize() -> None:
    x = _t(3, 4)
    t = _t(3, 4, seed=1)
    out, tangent = jvp(tocha.sin, (x,), (t,))
    _close(out, np.sin(x.numpy()))
    _close(tangent, np.cos(x.numpy()) * t.numpy())
    out, tangent = jvp(lambda d: d["a"] * 2, ({"a": x},), ({"a": t},))
    _close(tangent, 2 * t.numpy())
    _, tangent = jvp(lambda a: tocha.ones(2, dtype=F64), (x,), (t,))
    _close(tangent, np.zeros(2))
    _, tangent, aux = jvp(lambda a: (a.exp(), a.sum()), (x,), (t,), has_aux=True)
    _close(aux, x.numpy().sum())
    _close(jvp(grad(_f_cube), (x,), (t,))[1], 6 * x.numpy() * t.numpy())  # forward over reverse
    out, jvp_fn = linearize(tocha.exp, x)
    _close(out, np.exp(x.numpy()))
    _close(jvp_fn(t), np.exp(x.numpy()) * t.numpy())
    with pytest.raises(RuntimeError, match="tangent:0 with shape"):
        jvp_fn(tocha.ones(2, dtype=F64))


def test_jvp_errors() -> None:
    x = _t(3)
    with pytest.raises(RuntimeError, match="Expected primals to be a tuple"):
        jvp(tocha.sin, x, x)
    with pytest.raises(RuntimeError, match="Expected primals and tangents to have the same python structure"):
        jvp(tocha.sin, (x,), (x, x))
    with pytest.raises(RuntimeError, match="Expected primals to contain at least one Tensor"):
        jvp(tocha.sin, (), ())
    with pytest.raises(RuntimeError, match="Expected primals to only contain Tensors, got <class 'float'>"):
        jvp(tocha.sin, (2.0,), (1.0,))
    with pytest.raises(RuntimeError, match="Trying to set a forward gradient that has a different size"):
        jvp(tocha.sin, (x,), (tocha.ones(2, dtype=F64),))
    with pytest.raises(RuntimeError, match="expected f\\(\\*primals\\) to return only tensors"):
        jvp(lambda a: 3, (x,), (x,))


# ------------------------------------------------------------------ jacobians and hessians


def _finite_hessian(f: Callable[[Any], Any], x: np.ndarray, eps: float = 1e-4) -> np.ndarray:
    n = x.size
    h = np.zeros((n, n))
    flat = x.reshape(-1)

    def value(v: np.ndarray) -> float:
        return float(f(tocha.from_numpy(v.reshape(x.shape).copy())).item())

    for i in range(n):
        for j in range(n):
            e_i = np.zeros(n)
            e_j = np.zeros(n)
            e_i[i] = eps
            e_j[j] = eps
            h[i, j] = (
                value(flat + e_i + e_j) - value(flat + e_i - e_j) - value(flat - e_i + e_j) + value(flat - e_i - e_j)
            ) / (4 * eps * eps)
    return h.reshape(*x.shape, *x.shape)


def test_jacobians() -> None:
    x = _t(3, 4)
    for transform in (jacrev, jacfwd):
        jac = transform(lambda a: a.sin().sum(0))(x)
        expected = np.zeros((4, 3, 4))
        for i in range(3):
            for j in range(4):
                expected[j, i, j] = np.cos(x.numpy()[i, j])
        _close(jac, expected)
        assert not jac.requires_grad
        out = transform(lambda a: {"s": a.sum(), "x": a * 2})(x)
        assert tuple(out["s"].shape) == (3, 4)
        assert tuple(out["x"].shape) == (3, 4, 3, 4)
        per_input = transform(lambda a, b: a * b, argnums=(0, 1))(x, x)
        assert isinstance(per_input, tuple)
        _close(per_input[0], per_input[1])
        jac, aux = transform(lambda a: (a.exp(), a.sum()), has_aux=True)(x[0])
        _close(jac, np.diag(np.exp(x.numpy()[0])))
        _close(aux, x.numpy()[0].sum())
        _close(transform(lambda a: a * 3)(tocha.tensor(2.0, dtype=F64)), 3.0)
    with pytest.raises(ValueError, match=re.escape("jacrev: `chunk_size` should be greater than 0.")):
        jacrev(tocha.sin, chunk_size=0)
    with pytest.raises(RuntimeError, match="All outputs of f must be floating-point or complex Tensors"):
        jacrev(lambda a: a.long())(x)
    with pytest.raises(RuntimeError, match="vmap: called random operation while in randomness error mode"):
        jacfwd(lambda a: a + tocha.rand(4, dtype=F64))(x)
    jac = jacfwd(lambda a: a + tocha.rand(4, dtype=F64), randomness="same")(x)
    _close(jac, np.eye(12).reshape(3, 4, 3, 4))


def test_hessian_against_finite_differences() -> None:
    x = _t(2, 3)

    def f(a: Any) -> Any:
        return (a.sin() * a.sum() + a**3).sum()

    h = hessian(f)(x)
    assert tuple(h.shape) == (2, 3, 2, 3)
    assert not h.requires_grad
    _close(h, _finite_hessian(f, x.numpy()), tol=1e-5)
    _close(jacrev(jacrev(f))(x), h)
    blocks = hessian(lambda a, b: a.sum() * b.prod(), argnums=(0, 1))(_t(2), _t(3, 1, seed=1))
    assert [[tuple(b.shape) for b in row] for row in blocks] == [[(2, 2), (2, 3, 1)], [(3, 1, 2), (3, 1, 3, 1)]]


def test_nested_forward_transforms_run_the_inner_one_by_reverse_mode() -> None:
    x = _t(2, 3)

    def f(a: Any) -> Any:
        return (a.sin() * a.sum() + a**3).sum()

    expected = _finite_hessian(f, x.numpy())
    _close(jacfwd(jacfwd(f))(x), expected, tol=1e-5)
    third = jacfwd(jacfwd(jacfwd(lambda a: (a.exp() * a).sum())))(_t(2))
    _close(third, np.diag([np.exp(v) * (v + 3) for v in _t(2).numpy()]).reshape(2, 1, 2) * np.eye(2)[None], tol=1e-10)
    v = tocha.ones_like(x)
    # d/dx <grad f(x), v> along v: the second directional derivative v^T H v
    primal, second = jvp(lambda a: jvp(f, (a,), (v,))[1], (x,), (v,))
    assert not second.requires_grad
    _close(primal, jvp(f, (x,), (v,))[1])
    _close(second, np.einsum("ij,ijkl,kl->", np.ones((2, 3)), expected, np.ones((2, 3))), tol=1e-5)

    def inner(a: Any) -> Any:
        _, tangent, aux = jvp(lambda b: (f(b), b * 2.0), (a,), (v,), has_aux=True)
        return tangent + aux.sum()

    _close(jvp(inner, (x,), (v,))[1], second.item() + 2.0 * v.sum().item(), tol=1e-5)


# ------------------------------------------------------------------ against torch.func


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch.func imports torch.jit
def test_against_torch_func() -> None:
    torch = pytest.importorskip("torch")
    x = _t(3, 4)
    y = _t(3, 4, seed=1)
    tx, ty = torch.from_numpy(x.numpy()), torch.from_numpy(y.numpy())

    def ours(a: Any, b: Any) -> Any:
        return (a.sin() * b).sum() + (a * a * b).mean()

    def theirs(a: Any, b: Any) -> Any:
        return (a.sin() * b).sum() + (a * a * b).mean()

    tf = torch.func
    _close(grad(ours, argnums=(0, 1))(x, y), [g.numpy() for g in tf.grad(theirs, argnums=(0, 1))(tx, ty)])
    _close(jacrev(lambda a: a.sin() * a.sum())(x[0]), tf.jacrev(lambda a: a.sin() * a.sum())(tx[0]).numpy())
    _close(jacfwd(lambda a: a.exp().cumsum(0))(x[0]), tf.jacfwd(lambda a: a.exp().cumsum(0))(tx[0]).numpy())
    _close(hessian(ours)(x, y), tf.hessian(theirs)(tx, ty).numpy())
    _close(
        vmap(grad(ours), in_dims=(0, None))(x, y[0]),
        tf.vmap(tf.grad(theirs), in_dims=(0, None))(tx, ty[0]).numpy(),
    )
    out, fn = vjp(lambda a: a.tanh() @ a.t(), x)
    t_out, t_fn = tf.vjp(lambda a: a.tanh() @ a.t(), tx)
    _close(out, t_out.numpy())
    _close(fn(tocha.ones(3, 3, dtype=F64))[0], t_fn(torch.ones(3, 3, dtype=torch.float64))[0].numpy())
    _close(
        jvp(lambda a: a.tanh() @ a.t(), (x,), (y,)),
        [t.numpy() for t in tf.jvp(lambda a: a.tanh() @ a.t(), (tx,), (ty,))],
    )


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch.func imports torch.jit
def test_error_messages_match_torch() -> None:
    torch = pytest.importorskip("torch")

    def message(fn: Callable[[], Any]) -> str:
        with pytest.raises((RuntimeError, ValueError)) as info:
            fn()
        return str(info.value)

    x = _t(3, 4)
    tx = torch.from_numpy(x.numpy())
    tf = torch.func
    pairs = [
        (lambda: grad(lambda a: a)(x), lambda: tf.grad(lambda a: a)(tx)),
        (lambda: grad(lambda a: 3)(x), lambda: tf.grad(lambda a: 3)(tx)),
        (lambda: grad(_f_cube, argnums=2)(x), lambda: tf.grad(_f_cube, argnums=2)(tx)),
        (lambda: grad(_f_cube, argnums=())(x), lambda: tf.grad(_f_cube, argnums=())(tx)),
        (lambda: grad(_f_two, argnums=(0, 0))(x, x), lambda: tf.grad(_f_two, argnums=(0, 0))(tx, tx)),
        (lambda: grad(_f_cube, has_aux=True)(x), lambda: tf.grad(_f_cube, has_aux=True)(tx)),
        (lambda: grad(_f_cube)(2.0), lambda: tf.grad(_f_cube)(2.0)),
        (lambda: vjp(lambda a: 3, x), lambda: tf.vjp(lambda a: 3, tx)),
        (lambda: jvp(tocha.sin, x, x), lambda: tf.jvp(torch.sin, tx, tx)),
        (lambda: jvp(tocha.sin, (), ()), lambda: tf.jvp(torch.sin, (), ())),
        (lambda: jvp(tocha.sin, (2.0,), (1.0,)), lambda: tf.jvp(torch.sin, (2.0,), (1.0,))),
        (lambda: jacrev(tocha.sin, chunk_size=0)(x), lambda: tf.jacrev(torch.sin, chunk_size=0)(tx)),
    ]
    for ours, theirs in pairs:
        assert message(ours) == message(theirs)


# ------------------------------------------------------------------ functional_call, stack_module_state


def _nn() -> Any:
    try:
        import tocha.nn as nn
    except ImportError:
        pytest.skip("tocha.nn is not installed")
    return nn


def test_functional_call_with_a_module() -> None:
    nn = _nn()
    tocha.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2, dtype=F64), nn.Tanh(), nn.Linear(2, 1, dtype=F64))
    x = _t(5, 3)
    original = {name: p for name, p in model.named_parameters()}
    zeros = {name: tocha.zeros_like(p) for name, p in original.items()}
    _close(functional_call(model, zeros, (x,)), np.zeros((5, 1)))
    _close(functional_call(model, zeros, x), np.zeros((5, 1)))  # a single argument
    assert all(p is original[name] for name, p in model.named_parameters())  # restored
    # gradients with respect to the swapped-in tensors, and through grad
    params = {name: p.detach().clone() for name, p in original.items()}

    def loss(p: dict[str, Any], inputs: Any) -> Any:
        return functional_call(model, p, (inputs,)).pow(2).sum()

    grads = grad(loss)(params, x)
    model.zero_grad()
    model(x).pow(2).sum().backward()
    for name, p in model.named_parameters():
        _close(grads[name], p.grad)
    # a second dict and kwargs
    out = functional_call(
        nn.Linear(3, 2, dtype=F64),
        ({"weight": tocha.ones(2, 3, dtype=F64)}, {"bias": tocha.zeros(2, dtype=F64)}),
        (),
        {"input": x},
    )
    _close(out, np.repeat(x.numpy().sum(1, keepdims=True), 2, axis=1))


def test_functional_call_restores_after_raise_and_checks_keys() -> None:
    nn = _nn()

    class Boom(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = nn.Parameter(tocha.ones(2))

        def forward(self, x: Any) -> Any:
            raise ValueError("boom")

    module = Boom()
    w = module.w
    with pytest.raises(ValueError, match="boom"):
        functional_call(module, {"w": tocha.zeros(2), "extra": tocha.zeros(1)}, (tocha.ones(2),))
    assert module.w is w
    assert not hasattr(module, "extra")
    linear = nn.Linear(2, 2)
    with pytest.raises(
        RuntimeError, match=re.escape("Error(s) in reparametrizing for Linear:\n\tMissing key(s): 'bias'.")
    ):
        functional_call(linear, {"weight": tocha.zeros(2, 2)}, (tocha.ones(2),), strict=True)
    with pytest.raises(RuntimeError, match=re.escape("Unexpected key(s): 'foo'.")):
        functional_call(
            linear,
            {"weight": tocha.zeros(2, 2), "bias": tocha.zeros(2), "foo": tocha.zeros(1)},
            (tocha.ones(2),),
            strict=True,
        )
    with pytest.raises(ValueError, match="\\['weight'\\] appeared in multiple dictionaries"):
        functional_call(linear, ({"weight": tocha.zeros(2, 2)}, {"weight": tocha.zeros(2, 2)}), (tocha.ones(2),))
    with pytest.raises(ValueError, match="Expected parameter_and_buffer_dicts to be a dict"):
        functional_call(linear, 3, (tocha.ones(2),))
    with pytest.raises(AttributeError, match="Linear has no attribute `foo`"):
        functional_call(linear, {"foo.bar": tocha.zeros(1)}, (tocha.ones(2),))


def test_functional_call_tied_weights() -> None:
    nn = _nn()

    class Tied(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = nn.Linear(2, 2, bias=False)
            self.b = nn.Linear(2, 2, bias=False)
            self.b.weight = self.a.weight

        def forward(self, x: Any) -> Any:
            return self.a(x) + self.b(x)

    module = Tied()
    x = tocha.ones(1, 2)
    _close(functional_call(module, {"a.weight": tocha.zeros(2, 2)}, (x,)), np.zeros((1, 2)))
    untied = functional_call(module, {"a.weight": tocha.zeros(2, 2)}, (x,), tie_weights=False)
    _close(untied, module.b(x))
    with pytest.raises(ValueError, match=re.escape("which are tied. Consider using tie_weights=False")):
        functional_call(module, {"a.weight": tocha.zeros(2, 2), "b.weight": tocha.ones(2, 2)}, (x,))
    assert module.b.weight is module.a.weight


def test_stack_module_state_and_an_ensemble() -> None:
    nn = _nn()
    tocha.manual_seed(1)
    models = [nn.Linear(3, 2, dtype=F64) for _ in range(4)]
    params, buffers = stack_module_state(models)
    assert tuple(params["weight"].shape) == (4, 2, 3)
    assert params["weight"].requires_grad
    assert params["weight"].is_leaf
    assert buffers == {}
    x = _t(5, 3)
    base = models[0]
    out = vmap(lambda p, b, inp: functional_call(base, (p, b), (inp,)), in_dims=(0, 0, None))(params, buffers, x)
    _close(out, tocha.stack([m(x) for m in models]))
    with pytest.raises(RuntimeError, match="Expected at least one model, got 0"):
        stack_module_state([])


# ------------------------------------------------------------------ gradcheck's batched checks


def test_gradcheck_batched_grad_passes() -> None:
    x = _t(3).requires_grad_()
    y = _t(3, seed=1).requires_grad_()
    assert gradcheck(lambda a, b: (a.sin() * b, a.exp().sum()), (x, y), check_batched_grad=True)
    assert gradgradcheck(lambda a, b: a.sin() * b * b, (x, y), check_batched_grad=True)
    assert gradcheck(
        lambda a: a.tanh() * a, (x,), check_forward_ad=True, check_batched_forward_grad=True, check_batched_grad=True
    )


class _WritesIntoGrad(tocha.autograd.Function):
    """Doubles x; its backward writes the result into the incoming gradient (a bug batched checks can see)."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        return x * 2

    @staticmethod
    def backward(ctx: Any, grad_output: Any) -> Any:
        return grad_output.mul_(2)


def test_gradcheck_batched_grad_finds_a_backward_writing_into_its_gradient() -> None:
    x = _t(3).requires_grad_()
    # The Jacobian is right; the reentrancy check sees the write too, so it is given a tolerance here.
    assert gradcheck(_WritesIntoGrad.apply, (x,), nondet_tol=1e3)
    with pytest.raises(GradcheckError, match="For output 0 and input 0:\n\ngradcheck or gradgradcheck failed while"):
        gradcheck(_WritesIntoGrad.apply, (x,), nondet_tol=1e3, check_batched_grad=True)
    assert not gradcheck(_WritesIntoGrad.apply, (x,), nondet_tol=1e3, check_batched_grad=True, raise_exception=False)


def _op_db_function(sample: SampleInput, run: Callable[[SampleInput], Any]) -> tuple[Any, tuple[Any, ...]]:
    originals = [t for t in sample.tensors() if is_tensor_like(t) and t.dtype == F64]
    leaves = tuple(t.detach().clone().requires_grad_() for t in originals)

    def fn(*ts: Any) -> Any:
        by_id = {id(a): b for a, b in zip(originals, ts, strict=True)}

        def sub(x: Any) -> Any:
            if is_tensor_like(x):
                return by_id.get(id(x), x)
            if isinstance(x, (list, tuple)):
                return type(x)(sub(v) for v in x)
            return x

        replaced = SampleInput(
            sub(sample.input),
            sub(sample.args),
            {k: sub(v) for k, v in sample.kwargs.items()},
            name=sample.name,
            params=sample.params,
        )
        return run(replaced)

    return fn, leaves


def test_gradcheck_batched_grad_on_the_op_database() -> None:
    checked = 0
    for info in op_db():
        if info.record.vjp is None or F64 not in info.dtypes:
            continue
        for sample in list(info.sample_inputs("cpu", F64))[:1]:
            if info.skip_reason("vjp", F64, sample.name) is not None:
                continue
            fn, leaves = _op_db_function(sample, info.run)
            if not leaves:
                continue
            assert gradcheck(fn, leaves, check_batched_grad=True), info.name
            checked += 1
    assert checked > 50
