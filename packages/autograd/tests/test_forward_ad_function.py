"""Forward mode through custom Functions (``Function.jvp``) and the complex double-vjp fallback, against PyTorch.

The Functions are written once against a library module (tocha or torch), so each case runs the same code in both
and compares tangents and error messages; the torch halves skip when torch is absent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tocha
import tocha.autograd
import tocha.autograd.forward_ad as fwAD
from tocha.autograd import Function, gradcheck, gradgradcheck, once_differentiable
from tocha.autograd.gradcheck import GradcheckError

# torch's forward AD scripts helpers with the deprecated torch.jit on first use
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")

F64 = tocha.float64
C128 = tocha.complex128


def _torch() -> Any:
    return pytest.importorskip("torch")


def _fw(lib: Any) -> Any:
    return lib.autograd.forward_ad


def _functions(lib: Any) -> dict[str, Any]:
    """The Functions of these tests, made from ``lib.autograd.Function`` (tocha or torch)."""
    base = lib.autograd.Function

    class Exp(base):  # type: ignore[misc,valid-type]
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            result = x.exp()
            ctx.save_for_forward(result)
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            (result,) = ctx.saved_tensors
            return grad * result.conj()

        @staticmethod
        def jvp(ctx: Any, t: Any) -> Any:
            (result,) = ctx.saved_tensors
            return t * result

    class MulAdd(base):  # type: ignore[misc,valid-type]
        """(x * y * k, x + y): two tensor inputs, a non-tensor one, two outputs."""

        @staticmethod
        def forward(ctx: Any, x: Any, y: Any, k: float) -> Any:
            ctx.save_for_forward(x, y)
            ctx.k = k
            ctx.seen = None
            return x * y * k, x + y

        @staticmethod
        def jvp(ctx: Any, tx: Any, ty: Any, tk: Any) -> Any:
            ctx.seen = (tx, ty, tk)
            x, y = ctx.saved_tensors
            return (tx * y + x * ty) * ctx.k, tx + ty

    class SplitSign(base):  # type: ignore[misc,valid-type]
        """(3 x, sign x marked non-differentiable, argmax x): jvp gives None where it must."""

        @staticmethod
        def forward(ctx: Any, x: Any, wrong: bool) -> Any:
            sign = x.sign()
            ctx.mark_non_differentiable(sign)
            ctx.wrong = wrong
            return x * 3, sign, x.argmax()

        @staticmethod
        def jvp(ctx: Any, t: Any, _: Any) -> Any:
            return t * 3, (t * 0 if ctx.wrong else None), None

    class Scale(base):  # type: ignore[misc,valid-type]
        """The setup_context style, with a default argument."""

        @staticmethod
        def forward(x: Any, k: float = 2.0) -> Any:
            return x * k

        @staticmethod
        def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
            ctx.k = inputs[1]
            ctx.save_for_forward(inputs[0])

        @staticmethod
        def jvp(ctx: Any, t: Any, tk: Any) -> Any:
            (x,) = ctx.saved_tensors
            assert tk is None
            assert x.shape == t.shape
            return t * ctx.k

    class NoJvp(base):  # type: ignore[misc,valid-type]
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            return x * 2

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            return grad * 2

    class DoubleInPlace(base):  # type: ignore[misc,valid-type]
        @staticmethod
        def forward(ctx: Any, x: Any, in_place: bool) -> Any:
            x.mul_(2)
            ctx.mark_dirty(x)
            ctx.in_place = in_place
            return x

        @staticmethod
        def jvp(ctx: Any, t: Any, _: Any) -> Any:
            return t.mul_(2) if ctx.in_place else t * 2

    class Identity(base):  # type: ignore[misc,valid-type]
        @staticmethod
        def forward(ctx: Any, x: Any, as_view: bool) -> Any:
            ctx.as_view = as_view
            return x

        @staticmethod
        def jvp(ctx: Any, t: Any, _: Any) -> Any:
            return t.view_as(t) if ctx.as_view else t

    class BadJvp(base):  # type: ignore[misc,valid-type]
        """x * 2 whose jvp returns ``ctx.kind`` of wrong thing."""

        @staticmethod
        def forward(ctx: Any, x: Any, kind: str) -> Any:
            ctx.kind = kind
            return x * 2

        @staticmethod
        def jvp(ctx: Any, t: Any, _: Any) -> Any:
            if ctx.kind == "count":
                return t * 2, t
            if ctx.kind == "shape":
                return t.sum()
            return 3.0

    return {f.__name__: f for f in (Exp, MulAdd, SplitSign, Scale, NoJvp, DoubleInPlace, Identity, BadJvp)}


def _tensor(lib: Any, values: Any) -> Any:
    return lib.from_numpy(np.array(values))


def _run(lib: Any, fn: Callable[..., Any], primal: Any, tangent: Any, *args: Any) -> Any:
    """``fn(dual, *args)`` under a dual level: the (primal, tangent) of each output as numpy (tangent None kept)."""
    fw = _fw(lib)
    with fw.dual_level():
        out = fn(fw.make_dual(_tensor(lib, primal), _tensor(lib, tangent)), *args)
        outs = out if isinstance(out, tuple) else (out,)
        result = []
        for o in outs:
            p, t = fw.unpack_dual(o)
            result.append((p.detach().numpy(), None if t is None else t.detach().numpy()))
        return result


def _error(lib: Any, fn: Callable[..., Any], *args: Any) -> tuple[type, str]:
    with pytest.raises(Exception) as info:
        _run(lib, fn, *args)
    return info.type, str(info.value)


def _same(ours: list[Any], theirs: list[Any]) -> None:
    assert len(ours) == len(theirs)
    for (p, t), (tp, tt) in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p, tp)
        assert (t is None) == (tt is None)
        if t is not None:
            np.testing.assert_allclose(t, tt)


X = [0.5, -1.5, 2.0]
T = [1.0, 0.25, -2.0]
Z = [0.5 + 1j, -1.5 + 0.25j, 2.0]
TZ = [1.0 - 1j, 0.5j, 0.25]

# ------------------------------------------------------------------ results and errors against torch


@pytest.mark.parametrize(("primal", "tangent"), [(X, T), (Z, TZ)], ids=["real", "complex"])
def test_elementwise_jvp(primal: Any, tangent: Any) -> None:
    ours = _run(tocha, _functions(tocha)["Exp"].apply, primal, tangent)
    np.testing.assert_allclose(ours[0][1], np.exp(primal) * np.array(tangent))
    torch = _torch()
    _same(ours, _run(torch, _functions(torch)["Exp"].apply, primal, tangent))


def test_two_inputs_two_outputs_and_input_tangents() -> None:
    def case(lib: Any) -> tuple[Any, Any]:
        fn = _functions(lib)["MulAdd"]
        fw = _fw(lib)
        with fw.dual_level():
            x = fw.make_dual(_tensor(lib, X), _tensor(lib, T))
            a, b = fn.apply(x, _tensor(lib, [3.0, 4.0, 5.0]), 2.0)
            node = a.grad_fn if lib is tocha else None
            tangents = [fw.unpack_dual(o).tangent.numpy() for o in (a, b)]
        return tangents, node

    ours, _ = case(tocha)
    t, y = np.array(T), np.array([3.0, 4.0, 5.0])
    np.testing.assert_allclose(ours[0], t * y * 2)
    np.testing.assert_allclose(ours[1], t)
    torch = _torch()
    theirs, _ = case(torch)
    for o, th in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(o, th)


@pytest.mark.parametrize("lib_name", ["tocha", "torch"])
def test_jvp_receives_zeros_for_tensors_without_tangent_and_none_for_the_rest(lib_name: str) -> None:
    lib = tocha if lib_name == "tocha" else _torch()
    fn = _functions(lib)["MulAdd"]
    fw = _fw(lib)
    seen: list[Any] = []

    class Spy(fn):  # type: ignore[misc,valid-type]
        @staticmethod
        def jvp(ctx: Any, tx: Any, ty: Any, tk: Any) -> Any:
            seen.append((tx, ty, tk))
            return fn.jvp(ctx, tx, tx * 0 if ty is None else ty, tk)

    with fw.dual_level():
        x = fw.make_dual(_tensor(lib, X), _tensor(lib, T))
        Spy.apply(x, _tensor(lib, [3.0, 4.0, 5.0]), 2.0)
        Spy.apply(x, _tensor(lib, [3, 4, 5]), 2.0)  # an integer tensor has no tangent
    (tx, ty, tk), (_, ty_int, _) = seen
    np.testing.assert_allclose(tx.numpy(), T)
    np.testing.assert_array_equal(ty.numpy(), np.zeros(3))
    assert tk is None
    assert ty_int is None


def test_no_tangent_no_jvp() -> None:
    fns = _functions(tocha)
    x = _tensor(tocha, X)
    with fwAD.dual_level():  # no input carries a tangent: neither jvp nor its absence matters
        out = fns["NoJvp"].apply(x)
        assert fwAD.unpack_dual(out).tangent is None
    np.testing.assert_allclose(fns["NoJvp"].apply(x).numpy(), 2 * np.array(X))


def test_missing_jvp_raises_as_torch() -> None:
    ours = _error(tocha, _functions(tocha)["NoJvp"].apply, X, T)
    assert ours == (
        NotImplementedError,
        "You must implement the jvp function for custom autograd.Function to use it with forward mode AD.",
    )
    torch = _torch()
    assert ours == _error(torch, _functions(torch)["NoJvp"].apply, X, T)


def test_non_differentiable_outputs() -> None:
    def case(lib: Any) -> Any:
        return _run(lib, _functions(lib)["SplitSign"].apply, X, T, False)

    ours = case(tocha)
    np.testing.assert_allclose(ours[0][1], 3 * np.array(T))
    assert ours[1][1] is None
    assert ours[2][1] is None
    wrong = _error(tocha, _functions(tocha)["SplitSign"].apply, X, T, True)
    assert wrong == (
        RuntimeError,
        "Function's jvp returned a gradient at position 1, but  the corresponding forward output is not a "
        "differentiable Tensor.You should return None at that position instead.",
    )
    torch = _torch()
    _same(ours, case(torch))
    assert wrong == _error(torch, _functions(torch)["SplitSign"].apply, X, T, True)


def test_save_for_forward() -> None:
    def case(lib: Any) -> list[Any]:
        fw = _fw(lib)
        seen: list[Any] = []

        class Saves(lib.autograd.Function):  # type: ignore[misc,name-defined]
            @staticmethod
            def forward(ctx: Any, x: Any) -> Any:
                ctx.save_for_backward(x * 10)
                ctx.save_for_forward(x)
                return x * 2

            @staticmethod
            def jvp(ctx: Any, t: Any) -> Any:
                seen.append([s.detach().numpy() for s in ctx.saved_tensors])
                return t * 2

            @staticmethod
            def backward(ctx: Any, grad: Any) -> Any:
                seen.append([s.detach().numpy() for s in ctx.saved_tensors])
                return grad * 2

        class SavesForBackwardOnly(Saves):
            @staticmethod
            def forward(ctx: Any, x: Any) -> Any:
                ctx.save_for_backward(x * 10)
                return x * 2

        with fw.dual_level():
            x = _tensor(lib, X).requires_grad_()
            Saves.apply(fw.make_dual(x, _tensor(lib, T))).sum().backward()
            SavesForBackwardOnly.apply(fw.make_dual(x, _tensor(lib, T)))
        return seen

    ours = case(tocha)
    assert len(ours) == 3
    np.testing.assert_allclose(ours[0][0], X)  # jvp: what save_for_forward kept
    np.testing.assert_allclose(ours[1][0], 10 * np.array(X))  # backward: what save_for_backward kept
    assert ours[2] == []  # jvp without save_for_forward: nothing
    torch = _torch()
    theirs = case(torch)
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    for o, th in zip(ours, theirs, strict=True):
        for a, b in zip(o, th, strict=True):
            np.testing.assert_allclose(a, b)


def test_save_for_forward_refuses_non_tensors() -> None:
    class Bad(Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            ctx.save_for_forward(x, 3)
            return x

    with pytest.raises(AssertionError, match="save_for_forward expects all arguments to be tensors"):
        Bad.apply(tocha.ones(2))


def test_setup_context_style() -> None:
    ours = _run(tocha, _functions(tocha)["Scale"].apply, X, T)
    np.testing.assert_allclose(ours[0][1], 2 * np.array(T))
    torch = _torch()
    _same(ours, _run(torch, _functions(torch)["Scale"].apply, X, T))
    _same(
        _run(tocha, _functions(tocha)["Scale"].apply, X, T, 5.0),
        _run(torch, _functions(torch)["Scale"].apply, X, T, 5.0),
    )


@pytest.mark.parametrize("kind", ["count", "shape", "not_a_tensor"])
def test_bad_jvp_results_raise_as_torch(kind: str) -> None:
    ours = _error(tocha, _functions(tocha)["BadJvp"].apply, X, T, kind)
    assert ours[0] is RuntimeError
    torch = _torch()
    assert ours == _error(torch, _functions(torch)["BadJvp"].apply, X, T, kind)


def test_mark_dirty_needs_the_tangent_modified_in_place() -> None:
    def case(lib: Any) -> Any:
        fw = _fw(lib)
        fn = _functions(lib)["DoubleInPlace"]
        with fw.dual_level():
            tangent = _tensor(lib, T)
            x = fw.make_dual(_tensor(lib, X), tangent)
            out = fn.apply(x, True)
            assert out is x
            assert fw.unpack_dual(out).tangent is tangent
            return out.detach().numpy().copy(), tangent.numpy().copy()

    ours = case(tocha)
    np.testing.assert_allclose(ours[1], 2 * np.array(T))
    wrong = _error(tocha, _functions(tocha)["DoubleInPlace"].apply, X, T, False)
    assert wrong == (
        RuntimeError,
        "An inplace custom Function is not modifying the forward mode gradients inplace. If the forward is "
        "modifying an input inplace, then the jvp function must modify the corresponding gradient inplace.",
    )
    torch = _torch()
    for a, b in zip(ours, case(torch), strict=True):
        np.testing.assert_allclose(a, b)
    assert wrong == _error(torch, _functions(torch)["DoubleInPlace"].apply, X, T, False)


def test_input_returned_as_is_needs_a_view_tangent() -> None:
    ours = _run(tocha, _functions(tocha)["Identity"].apply, X, T, True)
    np.testing.assert_allclose(ours[0][1], T)
    wrong = _error(tocha, _functions(tocha)["Identity"].apply, X, T, False)
    assert wrong == (
        RuntimeError,
        "A custom Function's forward is returning a view (or an input as-is) but the jvp is not returning a view.",
    )
    torch = _torch()
    _same(ours, _run(torch, _functions(torch)["Identity"].apply, X, T, True))
    assert wrong == _error(torch, _functions(torch)["Identity"].apply, X, T, False)


def test_forward_runs_without_tangents_and_jvp_decides() -> None:
    seen: list[Any] = []

    class Lies(Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            seen.append(fwAD.unpack_dual(x).tangent)
            return x * x

        @staticmethod
        def jvp(ctx: Any, t: Any) -> Any:
            inner = t * 5
            seen.append(fwAD.unpack_dual(inner).tangent)
            return inner

    ((_, tangent),) = _run(tocha, Lies.apply, X, T)
    np.testing.assert_allclose(tangent, 5 * np.array(T))  # the jvp's word, not the derivative of forward's ops
    assert seen == [None, None]


def test_reverse_over_forward_through_jvp() -> None:
    x = tocha.tensor(X, dtype=F64)
    t = tocha.tensor(T, dtype=F64, requires_grad=True)
    with fwAD.dual_level():
        out = _functions(tocha)["Exp"].apply(fwAD.make_dual(x, t))
        tangent = fwAD.unpack_dual(out).tangent
        assert tangent.requires_grad
        (grad,) = tocha.autograd.grad(tangent.sum(), t)
    np.testing.assert_allclose(grad.numpy(), np.exp(X))


def test_forward_over_reverse_through_backward_ops() -> None:
    """The cotangent is dual: tangents flow through the ops of backward, no jvp needed (as in torch)."""

    class Cube(Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            (x,) = ctx.saved_tensors
            return 3 * x**2 * grad

    class OnceCube(Cube):
        @staticmethod
        @once_differentiable
        def backward(ctx: Any, grad: Any) -> Any:
            (x,) = ctx.saved_tensors
            return 3 * x**2 * grad

    x = tocha.tensor(X, dtype=F64, requires_grad=True)
    for fn in (Cube, OnceCube):
        with fwAD.dual_level():
            u = fwAD.make_dual(tocha.ones(3, dtype=F64), tocha.tensor(T, dtype=F64))
            (g,) = tocha.autograd.grad(fn.apply(x), x, u, create_graph=True)
            np.testing.assert_allclose(fwAD.unpack_dual(g).tangent.detach().numpy(), 3 * np.array(X) ** 2 * np.array(T))
    with fwAD.dual_level():  # once_differentiable's outputs stand for an error node: their tangent is lost (torch)
        u = fwAD.make_dual(tocha.ones(3, dtype=F64, requires_grad=True), tocha.tensor(T, dtype=F64))
        (g,) = tocha.autograd.grad(OnceCube.apply(x), x, u, create_graph=True)
        assert fwAD.unpack_dual(g).tangent is None


# ------------------------------------------------------------------ gradcheck(check_forward_ad=True)


class Square(Function):
    """x * x with jvp ``factor * x * t``: right for factor 2."""

    @staticmethod
    def forward(ctx: Any, x: Any, factor: float) -> Any:
        ctx.save_for_backward(x)
        ctx.save_for_forward(x)
        ctx.factor = factor
        return x * x

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (x,) = ctx.saved_tensors
        return 2 * x.conj() * grad, None

    @staticmethod
    def jvp(ctx: Any, t: Any, _: Any) -> Any:
        (x,) = ctx.saved_tensors
        return ctx.factor * x * t


@pytest.mark.parametrize("dtype", [F64, C128], ids=["float64", "complex128"])
@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradcheck_uses_the_jvp(dtype: Any, fast_mode: bool) -> None:
    x = tocha.tensor(Z if dtype is C128 else X, dtype=dtype, requires_grad=True)
    kwargs: dict[str, Any] = {"check_forward_ad": True, "fast_mode": fast_mode}
    assert gradcheck(lambda a: Square.apply(a, 2.0), (x,), **kwargs)
    with pytest.raises(GradcheckError, match="Jacobian computed with forward mode mismatch for output 0"):
        gradcheck(lambda a: Square.apply(a, 3.0), (x,), check_backward_ad=False, **kwargs)
    assert gradcheck(lambda a: Square.apply(a, 3.0), (x,), fast_mode=fast_mode)  # backward mode is right
    assert gradgradcheck(
        lambda a: Square.apply(a, 2.0),
        (x,),
        check_fwd_over_rev=True,
        check_rev_over_rev=False,
        check_undefined_grad=False,
        fast_mode=fast_mode,
    )


def test_gradcheck_without_jvp_raises() -> None:
    x = tocha.tensor(X, dtype=F64, requires_grad=True)
    with pytest.raises(NotImplementedError, match="You must implement the jvp function"):
        gradcheck(_functions(tocha)["NoJvp"].apply, (x,), check_forward_ad=True)


# ------------------------------------------------------------------ complex ops without a jvp rule (double vjp)

_RNG = np.random.default_rng(0)


def _c(*shape: int) -> np.ndarray:
    return _RNG.standard_normal(shape) + 1j * _RNG.standard_normal(shape)  # type: ignore[no-any-return]


def _r(*shape: int) -> np.ndarray:
    return _RNG.standard_normal(shape)  # type: ignore[no-any-return]


# name -> (function of the library module, primals); each op named has no jvp rule in tocha.
COMPLEX_CASES: dict[str, tuple[Callable[..., Any], tuple[np.ndarray, ...]]] = {
    "abs": (lambda lib, z: z.abs(), (_c(4),)),
    "sgn": (lambda lib, z: z.sgn(), (_c(4),)),
    "angle": (lambda lib, z: z.angle(), (_c(4),)),
    "sqrt_rsqrt": (lambda lib, z: z.sqrt() + z.rsqrt(), (_c(4),)),
    "tan_sinh": (lambda lib, z: z.tan() * z.sinh(), (_c(4),)),
    "cumprod": (lambda lib, z: z.cumprod(0), (_c(4),)),
    "prod": (lambda lib, z: z.prod(), (_c(4),)),
    "vdot": (lambda lib, a, b: lib.vdot(a, b), (_c(4), _c(4))),
    "var": (lambda lib, z: z.var(), (_c(5),)),
    "det": (lambda lib, a: lib.linalg.det(a), (_c(3, 3),)),
    "view_as_real": (lambda lib, z: lib.view_as_real(z) * 2, (_c(3),)),
    "view_as_complex": (lambda lib, a: lib.view_as_complex(a).exp(), (_r(3, 2),)),
    "complex": (lambda lib, a, b: lib.complex(a, b) ** 2, (_r(3), _r(3))),
    "rfft": (lambda lib, a: lib.fft.rfft(a), (_r(6),)),
    "fft_mixed": (lambda lib, a, z: lib.fft.fft(a * z), (_r(4), _c(4))),
}


def _jvp(lib: Any, name: str) -> list[np.ndarray]:
    fn, primals = COMPLEX_CASES[name]
    fw = _fw(lib)
    rng = np.random.default_rng(1)
    tangents = [
        rng.standard_normal(p.shape) + (1j * rng.standard_normal(p.shape) if p.dtype.kind == "c" else 0)
        for p in primals
    ]
    with fw.dual_level():
        duals = [fw.make_dual(_tensor(lib, p), _tensor(lib, t)) for p, t in zip(primals, tangents, strict=True)]
        out = fn(lib, *duals)
        tangent = fw.unpack_dual(out).tangent
        assert tangent is not None
        values = [out.detach().numpy(), tangent.numpy()]
    eps = 1e-6
    plus = fn(lib, *(_tensor(lib, p + eps * t) for p, t in zip(primals, tangents, strict=True))).numpy()
    minus = fn(lib, *(_tensor(lib, p - eps * t) for p, t in zip(primals, tangents, strict=True))).numpy()
    values.append((plus - minus) / (2 * eps))
    return values


@pytest.mark.parametrize("name", sorted(COMPLEX_CASES))
def test_complex_fallback_matches_finite_differences_and_torch(name: str) -> None:
    primal, tangent, numerical = _jvp(tocha, name)
    np.testing.assert_allclose(tangent, numerical, rtol=1e-6, atol=1e-6)
    t_primal, t_tangent, _ = _jvp(_torch(), name)
    np.testing.assert_allclose(primal, t_primal, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tangent, t_tangent, rtol=1e-8, atol=1e-10)
