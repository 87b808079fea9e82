"""Custom autograd Functions: both styles, ctx features, gradient checks, once_differentiable, double backward.

Each Function is built by a factory taking the library module (``tocha`` or ``torch``), so the same definition
runs on both; values are checked by hand always and against PyTorch when it is installed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tocha
import tocha.autograd
from tocha.autograd import Function, FunctionCtx, once_differentiable

# ----------------------------------------------------------------------------------------------- definitions


def scale_fn(m: Any) -> Any:
    """y = x * k with k a Python number: the old style, with a non-tensor argument."""

    class Scale(m.autograd.Function):  # type: ignore[misc]
        @staticmethod
        def forward(ctx: Any, x: Any, k: float) -> Any:
            ctx.k = k
            ctx.seen = (m.is_grad_enabled(), ctx.needs_input_grad)
            return x * k

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            return grad * ctx.k, None

    return Scale


def mul_fn(m: Any) -> Any:
    """z = x * y saving both inputs: the new style (forward + setup_context)."""

    class Mul(m.autograd.Function):  # type: ignore[misc]
        @staticmethod
        def forward(x: Any, y: Any, alpha: float = 1.0) -> Any:
            return x * y * alpha

        @staticmethod
        def setup_context(ctx: Any, inputs: Any, output: Any) -> None:
            x, y, alpha = inputs
            ctx.save_for_backward(x, y)
            ctx.alpha = alpha

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            x, y = ctx.saved_tensors
            return grad * y * ctx.alpha, grad * x * ctx.alpha, None

    return Mul


def cube_fn(m: Any, once: bool = False) -> Any:
    """y = x³ with a backward written in differentiable ops (or marked once_differentiable)."""

    def backward(ctx: Any, grad: Any) -> Any:
        (x,) = ctx.saved_tensors
        ctx.backward_grad_mode = m.is_grad_enabled()
        return 3 * x**2 * grad

    if once:
        backward = m.autograd.function.once_differentiable(backward)

    class Cube(m.autograd.Function):  # type: ignore[misc]
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            ctx.save_for_backward(x)
            return x**3

    Cube.backward = staticmethod(backward)
    return Cube


def split_fn(m: Any) -> Any:
    """(2x, argmax x, 'tag', 3x) with argmax marked non-differentiable: several outputs of several kinds."""

    class Split(m.autograd.Function):  # type: ignore[misc]
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            index = x.argmax()
            ctx.mark_non_differentiable(index)
            return x * 2, index, "tag", x * 3

        @staticmethod
        def backward(ctx: Any, g_double: Any, g_index: Any, g_tag: Any, g_triple: Any) -> Any:
            ctx.received = (g_double, g_index, g_tag, g_triple)
            return g_double * 2 + g_triple * 3

    return Split


def _grad_of(m: Any, build: Any, values: list[float], *, weights: list[float] | None = None) -> np.ndarray:
    x = m.tensor(values, dtype=m.float64, requires_grad=True)
    out = build(m, x)
    w = m.tensor(weights if weights is not None else [1.0] * len(values), dtype=m.float64)
    (out * w).sum().backward()
    return np.asarray(x.grad.detach().numpy(), dtype=float)


def _check(build: Any, values: list[float], expected: list[float], **kwargs: Any) -> None:
    ours = _grad_of(tocha, build, values, **kwargs)
    np.testing.assert_allclose(ours, expected, rtol=1e-12)


def _check_torch(build: Any, values: list[float], **kwargs: Any) -> None:
    torch = pytest.importorskip("torch")
    np.testing.assert_allclose(
        _grad_of(tocha, build, values, **kwargs), _grad_of(torch, build, values, **kwargs), rtol=1e-12
    )


CASES: list[tuple[str, Any, list[float], list[float]]] = [
    ("scale", lambda m, x: scale_fn(m).apply(x, 3.0), [1.0, -2.0], [3.0, 3.0]),
    ("mul", lambda m, x: mul_fn(m).apply(x, x * 2, 0.5), [1.0, -2.0], [2.0, -4.0]),
    ("mul_kwargs", lambda m, x: mul_fn(m).apply(x, x.detach(), alpha=2.0), [1.0, 3.0], [2.0, 6.0]),
    ("cube", lambda m, x: cube_fn(m).apply(x), [1.0, -2.0], [3.0, 12.0]),
    ("split", lambda m, x: split_fn(m).apply(x)[0] + split_fn(m).apply(x)[3], [1.0, 5.0], [5.0, 5.0]),
    ("chain", lambda m, x: cube_fn(m).apply(scale_fn(m).apply(x.sin(), 2.0)), [0.3, 1.1], None),
]


@pytest.mark.parametrize(("name", "build", "values", "expected"), CASES, ids=[c[0] for c in CASES])
def test_gradients(name: str, build: Any, values: list[float], expected: list[float] | None) -> None:
    if expected is None:  # chain: d/dx (2 sin x)³ = 24 sin² x cos x
        expected = [24 * np.sin(v) ** 2 * np.cos(v) for v in values]
    _check(build, values, expected)


@pytest.mark.parametrize(("name", "build", "values", "expected"), CASES, ids=[c[0] for c in CASES])
def test_gradients_match_torch(name: str, build: Any, values: list[float], expected: Any) -> None:
    _check_torch(build, values, weights=[0.5, -1.5])


# ------------------------------------------------------------------------------------------------ the node


def test_node_name_edges_and_ctx() -> None:
    x = tocha.tensor([1.0, 2.0], requires_grad=True)
    y = scale_fn(tocha).apply(x, 3.0)
    node = y.grad_fn
    assert node.name() == "ScaleBackward"
    assert repr(y) == "tensor([3., 6.], grad_fn=<ScaleBackward>)"
    assert isinstance(node, tocha.autograd.graph.Node)
    assert isinstance(node, FunctionCtx)
    assert node.seen == (False, (True, False))  # forward runs with grad mode off
    assert node.needs_input_grad == (True, False)
    (edge,) = node.next_functions  # one edge per tensor argument only
    assert edge[0].name() == "AccumulateGrad"
    assert edge[0].variable is x

    mul = mul_fn(tocha).apply(x, x.detach())
    assert mul.grad_fn.name() == "MulBackward"
    assert [n is None for n, _ in mul.grad_fn.next_functions] == [False, True]
    assert mul.grad_fn.needs_input_grad == (True, False, False)


def test_no_graph_without_grad() -> None:
    x = tocha.tensor([1.0, 2.0], requires_grad=True)
    with tocha.no_grad():
        y = scale_fn(tocha).apply(x, 2.0)
    assert not y.requires_grad
    assert y.grad_fn is None
    z = scale_fn(tocha).apply(x.detach(), 2.0)
    assert not z.requires_grad
    assert z.grad_fn is None
    assert z.tolist() == [2.0, 4.0]


def test_kwargs_reach_an_old_style_forward() -> None:
    class Pow(Function):
        @staticmethod
        def forward(ctx: Any, x: Any, *, exponent: float = 2.0) -> Any:
            ctx.save_for_backward(x)
            ctx.exponent = exponent
            return x**exponent

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            (x,) = ctx.saved_tensors
            return grad * ctx.exponent * x ** (ctx.exponent - 1)

    x = tocha.tensor([2.0], requires_grad=True)
    Pow.apply(x, exponent=3.0).backward()
    assert x.grad is not None
    assert x.grad.tolist() == [12.0]


def test_vjp_may_stand_for_backward() -> None:
    class Neg(Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            return -x

        @staticmethod
        def vjp(ctx: Any, grad: Any) -> Any:
            return -grad

    x = tocha.tensor([2.0], requires_grad=True)
    Neg.apply(x).backward()
    assert x.grad is not None
    assert x.grad.tolist() == [-1.0]


def test_missing_forward_or_backward() -> None:
    x = tocha.ones(2, requires_grad=True)
    with pytest.raises(NotImplementedError, match="You must implement the forward function"):
        Function.apply(x)

    class NoBackward(Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            return x * 2

    with pytest.raises(NotImplementedError, match="You must implement either the backward or vjp method"):
        NoBackward.apply(x).sum().backward()


# --------------------------------------------------------------------------------- gradients returned


def _returning(*grads: Any) -> Any:
    class Returns(Function):
        @staticmethod
        def forward(ctx: Any, x: Any, y: Any) -> Any:
            return x * 1

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            return grads

    return Returns


def test_wrong_number_of_gradients() -> None:
    x = tocha.ones(2, requires_grad=True)
    with pytest.raises(
        RuntimeError, match=r"function ReturnsBackward returned an incorrect number of gradients \(expected 2, got 1\)"
    ):
        _returning(tocha.ones(2)).apply(x, 1.0).sum().backward()
    with pytest.raises(RuntimeError, match=r"incorrect number of gradients \(expected 2, got 3\)"):
        _returning(tocha.ones(2), None, tocha.ones(2)).apply(x, 1.0).sum().backward()
    _returning(tocha.ones(2), None, None, None).apply(x, 1.0).sum().backward()  # trailing Nones are fine
    assert x.grad is not None
    assert x.grad.tolist() == [1.0, 1.0]


def test_gradient_for_a_non_tensor_input() -> None:
    x = tocha.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="returned a gradient different than None at position 2, but the"):
        _returning(tocha.ones(2), tocha.ones(1)).apply(x, 1.0).sum().backward()
    with pytest.raises(RuntimeError, match=r"expected Variable or None \(got float\)"):
        _returning(1.0, None).apply(x, 1.0).sum().backward()


def test_gradient_shapes_and_dtypes() -> None:
    x = tocha.ones(2, requires_grad=True)
    with pytest.raises(
        RuntimeError,
        match=r"Function ReturnsBackward returned an invalid gradient at index 0 - got \[3\] but expected shape "
        r"compatible with \[2\]",
    ):
        _returning(tocha.ones(3), None).apply(x, 1.0).sum().backward()
    with pytest.raises(RuntimeError, match=r"got \[1\] but expected shape compatible with \[2\]"):
        _returning(tocha.ones(1), None).apply(x, 1.0).sum().backward()
    # A larger gradient the input broadcasts to is summed down, and cast to the input's dtype.
    _returning(tocha.ones(3, 2, dtype=tocha.float64), None).apply(x, 1.0).sum().backward()
    assert x.grad is not None
    assert x.grad.dtype == tocha.float32
    assert x.grad.tolist() == [3.0, 3.0]
    # A gradient for a tensor input that needs none is dropped, whatever its shape.
    _returning(None, tocha.ones(5)).apply(x, tocha.ones(2)).sum().backward()


# ----------------------------------------------------------------------------------------- saved tensors


def test_saved_tensors_check_versions() -> None:
    x = tocha.tensor([1.0, 2.0], requires_grad=True)
    a = x * 1
    y = cube_fn(tocha).apply(a)
    a.add_(1)
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation: .*used by CubeBackward, is at version"):
        y.sum().backward()


def test_saved_tensors_are_released_after_backward() -> None:
    x = tocha.tensor([1.0, 2.0], requires_grad=True)
    y = cube_fn(tocha).apply(x)
    assert y.grad_fn.saved_tensors[0] is x
    s = y.sum()
    s.backward(retain_graph=True)
    s.backward()
    assert x.grad is not None
    assert x.grad.tolist() == [6.0, 24.0]
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        s.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        _ = y.grad_fn.saved_tensors
    # A Function that saved nothing can run again, as in PyTorch.
    t = scale_fn(tocha).apply(x, 2.0).sum()
    t.backward()
    t.backward()
    assert x.grad.tolist() == [10.0, 28.0]


def test_save_for_backward_takes_tensors_and_none() -> None:
    class Saves(Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            ctx.save_for_backward(x, None)
            ctx.during_forward = ctx.saved_tensors
            return x * 2

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            _x, nothing = ctx.saved_tensors
            assert nothing is None
            return grad * 2

    x = tocha.ones(2, requires_grad=True)
    y = Saves.apply(x)
    assert y.grad_fn.during_forward == ()
    y.sum().backward()
    assert x.grad is not None
    assert x.grad.tolist() == [2.0, 2.0]

    class SavesInt(Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            ctx.save_for_backward(x, None, 3)
            return x

    with pytest.raises(TypeError, match="save_for_backward can only save variables, but argument 2 is of type int"):
        SavesInt.apply(x)


def test_saved_tensors_hooks_see_saved_tensors() -> None:
    packed: list[Any] = []

    def pack(t: Any) -> Any:
        packed.append(tuple(t.shape))
        return t

    x = tocha.tensor([1.0, 2.0], requires_grad=True)
    with tocha.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        y = cube_fn(tocha).apply(x)
    assert packed == [(2,)]
    y.sum().backward()
    assert x.grad is not None
    assert x.grad.tolist() == [3.0, 12.0]


# ---------------------------------------------------------------------------------------- ctx.mark_dirty


def _double_inplace(m: Any) -> Any:
    class DoubleInplace(m.autograd.Function):  # type: ignore[misc]
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            return grad * 2

    return DoubleInplace


def test_mark_dirty_rebases_the_input() -> None:
    x = tocha.tensor([1.0, 2.0], requires_grad=True)
    a = x * 3
    b = _double_inplace(tocha).apply(a)
    assert b is a
    assert a.grad_fn.name() == "DoubleInplaceBackward"
    assert a.grad_fn.next_functions[0][0].name() == "MulBackward0"  # the old history
    assert a.tolist() == [6.0, 12.0]
    a.sum().backward()
    assert x.grad is not None
    assert x.grad.tolist() == [6.0, 6.0]


def test_mark_dirty_on_a_view_rewrites_the_base() -> None:
    x = tocha.tensor([1.0, 2.0, 3.0], requires_grad=True)
    base = x * 1
    view = base[1:]
    _double_inplace(tocha).apply(view)
    assert base.tolist() == [1.0, 4.0, 6.0]
    (base * tocha.tensor([1.0, 10.0, 100.0])).sum().backward()
    assert x.grad is not None
    assert x.grad.tolist() == [1.0, 20.0, 200.0]


def test_mark_dirty_errors() -> None:
    x = tocha.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad has been used in an in-place operation"):
        _double_inplace(tocha).apply(x)

    class Forgets(Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            ctx.mark_dirty(x)
            return x * 2

    with pytest.raises(RuntimeError, match="Some elements marked as dirty during the forward method were not returned"):
        Forgets.apply(x * 1)


def test_mark_dirty_matches_torch() -> None:
    torch = pytest.importorskip("torch")

    def run(m: Any) -> list[float]:
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        base = x * x
        _double_inplace(m).apply(base[:2])
        (base * m.tensor([1.0, 10.0, 100.0])).sum().backward()
        return [float(v) for v in x.grad.tolist()]

    assert run(tocha) == run(torch)


def test_an_input_returned_as_is_comes_back_as_a_view() -> None:
    class Identity(Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            return x

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            return grad * 5

    x = tocha.tensor([1.0, 2.0], requires_grad=True)
    a = x * 1
    b = Identity.apply(a)
    assert b is not a
    assert tocha.library.view_base(b) is a
    assert a.grad_fn.name() == "MulBackward0"
    assert b.grad_fn.name() == "IdentityBackward"
    b.sum().backward()
    assert x.grad is not None
    assert x.grad.tolist() == [5.0, 5.0]


# ------------------------------------------------------------- outputs: non-differentiable, materialized


def test_several_outputs_non_differentiable_and_materialized() -> None:
    x = tocha.tensor([1.0, 5.0], requires_grad=True)
    double, index, tag, triple = split_fn(tocha).apply(x)
    assert tag == "tag"
    assert not index.requires_grad
    assert index.grad_fn is None
    assert double.grad_fn is triple.grad_fn
    double.sum().backward()
    g_double, g_index, g_tag, g_triple = double.grad_fn.received
    assert g_double.tolist() == [1.0, 1.0]
    assert g_index.tolist() == 0
    assert g_index.dtype == tocha.int64
    assert g_tag is None
    assert g_triple.tolist() == [0.0, 0.0]  # materialized: zeros, not None
    assert x.grad is not None
    assert x.grad.tolist() == [2.0, 2.0]


def test_set_materialize_grads_false_passes_none() -> None:
    class Two(Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx: Any, g1: Any, g2: Any) -> Any:
            ctx.received = (g1, g2)
            return g1 * 2 if g2 is None else g1 * 2 + g2 * 3

    x = tocha.ones(2, requires_grad=True)
    y, _ = Two.apply(x)
    y.sum().backward()
    assert y.grad_fn.received[1] is None
    assert x.grad is not None
    assert x.grad.tolist() == [2.0, 2.0]


def test_outputs_keep_their_container_and_integer_outputs_need_no_grad() -> None:
    class Pair(Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            return [x * 2, x.long()]

        @staticmethod
        def backward(ctx: Any, g: Any, g_long: Any) -> Any:
            return g * 2

    x = tocha.ones(2, requires_grad=True)
    out = Pair.apply(x)
    assert isinstance(out, list)
    assert out[0].requires_grad
    assert not out[1].requires_grad


# ------------------------------------------------------------------- double backward, once_differentiable


def test_double_backward_through_a_function() -> None:
    x = tocha.tensor([1.0, -2.0], requires_grad=True)
    (g,) = tocha.autograd.grad(cube_fn(tocha).apply(x).sum(), x, create_graph=True)
    assert g.tolist() == [3.0, 12.0]
    assert g.grad_fn is not None
    (gg,) = tocha.autograd.grad(g.sum(), x)
    assert gg.tolist() == [6.0, -12.0]  # d²/dx² x³ = 6x


def test_double_backward_matches_torch() -> None:
    torch = pytest.importorskip("torch")

    def run(m: Any) -> list[float]:
        x = m.tensor([0.5, -2.0], dtype=m.float64, requires_grad=True)
        y = mul_fn(m).apply(cube_fn(m).apply(x), x.sin(), 2.0).sum()
        (g,) = m.autograd.grad(y, x, create_graph=True)
        (gg,) = m.autograd.grad((g * g).sum(), x)
        return [float(v) for v in gg.tolist()]

    np.testing.assert_allclose(run(tocha), run(torch), rtol=1e-12)


def test_backward_grad_mode_follows_create_graph() -> None:
    x = tocha.tensor([2.0], requires_grad=True)
    y = cube_fn(tocha).apply(x)
    node = y.grad_fn
    tocha.autograd.grad(y.sum(), x, retain_graph=True)
    assert node.backward_grad_mode is False
    tocha.autograd.grad(y.sum(), x, create_graph=True)
    assert node.backward_grad_mode is True


def test_once_differentiable() -> None:
    x = tocha.tensor([1.0, 2.0], requires_grad=True)
    y = cube_fn(tocha, once=True).apply(x)
    node = y.grad_fn
    (g,) = tocha.autograd.grad((y * y).sum(), x, create_graph=True)
    assert node.backward_grad_mode is False  # ran under no_grad
    assert g.tolist() == [6.0, 192.0]  # d/dx x⁶ = 6x⁵
    assert g.grad_fn.name() == "Error"
    with pytest.raises(
        RuntimeError, match="trying to differentiate twice a function that was marked with @once_differentiable"
    ):
        g.sum().backward()
    # Without create_graph (or when no incoming gradient requires grad) the results are plain tensors.
    (g2,) = tocha.autograd.grad(cube_fn(tocha, once=True).apply(x).sum(), x, create_graph=True)
    assert not g2.requires_grad
    assert g2.tolist() == [3.0, 12.0]
    assert once_differentiable.__name__ == "once_differentiable"


def test_once_differentiable_matches_torch() -> None:
    torch = pytest.importorskip("torch")

    def run(m: Any) -> tuple[list[float], str]:
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = cube_fn(m, once=True).apply(x)
        (g,) = m.autograd.grad((y * y).sum(), x, create_graph=True)
        try:
            g.sum().backward()
        except RuntimeError as e:
            return [float(v) for v in g.tolist()], str(e)
        return [], ""

    assert run(tocha) == run(torch)


# ------------------------------------------------------------------------------------ hooks and grad()


def test_hooks_on_function_nodes_and_outputs() -> None:
    calls: list[str] = []
    x = tocha.tensor([1.0, 2.0], requires_grad=True)
    y = scale_fn(tocha).apply(x, 2.0)
    y.grad_fn.register_prehook(lambda go: calls.append(f"pre {go[0].tolist()}"))
    y.grad_fn.register_hook(lambda gi, go: calls.append(f"post {gi[0].tolist()}"))
    y.register_hook(lambda g: g * 10)
    y.retain_grad()
    y.sum().backward()
    assert calls == ["pre [10.0, 10.0]", "post [20.0, 20.0]"]
    assert y.grad is not None
    assert y.grad.tolist() == [10.0, 10.0]
    assert x.grad is not None
    assert x.grad.tolist() == [20.0, 20.0]


def test_autograd_grad_through_functions() -> None:
    x = tocha.tensor([1.0, 2.0], requires_grad=True)
    w = tocha.tensor([3.0, 4.0], requires_grad=True)
    out = mul_fn(tocha).apply(x, w, alpha=2.0)
    gx, gw = tocha.autograd.grad(out.sum(), (x, w))
    assert gx.tolist() == [6.0, 8.0]
    assert gw.tolist() == [2.0, 4.0]
    assert x.grad is None
    assert w.grad is None
    (only_w,) = tocha.autograd.grad(mul_fn(tocha).apply(x, w).sum(), w)
    assert only_w.tolist() == [1.0, 2.0]
