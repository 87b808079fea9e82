"""gradcheck(check_forward_ad=True) and gradgradcheck(check_fwd_over_rev=True): forward mode against finite differences.

Correct functions pass (slow and fast mode, real and complex, several inputs and outputs, non-contiguous inputs);
ops with a wrong jvp rule fail with PyTorch's message; the outcomes agree with ``torch.autograd.gradcheck`` on the
equivalent torch functions (skipped when torch is absent).

A wrong forward-mode rule is made with an op record whose ``jvp`` is wrong (custom Functions with a wrong ``jvp``
are in test_forward_ad_function.py).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import tocha
import tocha.autograd
import tocha.autograd.forward_ad as fwAD
from tocha.autograd import Function, gradcheck, gradgradcheck
from tocha.autograd.gradcheck import GradcheckError
from tocha.library import OpRecord, call, register_op

F64 = tocha.float64
C128 = tocha.complex128


def _square_forward(xp: Any, a: Any) -> Any:
    return a * a


def _square_vjp(ctx: Any, grad: Any) -> tuple[Any]:
    return (2 * grad * ctx.inputs[0].conj(),)


def _op(name: str, jvp: Any, vjp: Any = _square_vjp) -> Any:
    record = register_op(
        OpRecord(name=name, forward=_square_forward, vjp=vjp, jvp=jvp, saves_inputs=(0,)), replace=True
    )
    return lambda t: call(record, t.device, (t,), ())


# x * x with a right jvp rule (2 x t) and with a wrong one (3 x t); both have the right vjp.
good_square = _op("test_gradcheck_fwd_good_square", lambda ctx, t: 2 * ctx.inputs[0] * t)
bad_jvp_square = _op("test_gradcheck_fwd_bad_jvp_square", lambda ctx, t: 3 * ctx.inputs[0] * t)
# x * x whose jvp forgets the tangent when the input is complex (right for real inputs only)
real_only_square = _op("test_gradcheck_fwd_real_only_square", lambda ctx, t: 2 * ctx.inputs[0].real * t)


def _x(*values: float) -> Any:
    return tocha.tensor(list(values), dtype=F64, requires_grad=True)


def _z(*values: complex) -> Any:
    return tocha.tensor(list(values), dtype=C128, requires_grad=True)


def _forward(func: Any, inputs: Any, **kwargs: Any) -> bool:
    return gradcheck(func, inputs, check_forward_ad=True, check_backward_ad=False, **kwargs)


class Square(Function):
    """x * x with backward and jvp written out."""

    @staticmethod
    def forward(x: Any) -> Any:
        return x * x

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
        ctx.save_for_backward(inputs[0])
        ctx.save_for_forward(inputs[0])

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (x,) = ctx.saved_tensors
        return 2 * x * grad

    @staticmethod
    def jvp(ctx: Any, tangent: Any) -> Any:
        (x,) = ctx.saved_tensors
        return 2 * x * tangent


class FlatBackwardSquare(Function):
    """x * x whose backward treats x as a constant: right first derivatives, second derivatives lost."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        ctx.save_for_forward(x)
        return x * x

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (x,) = ctx.saved_tensors
        return 2 * x.detach().conj() * grad

    @staticmethod
    def jvp(ctx: Any, tangent: Any) -> Any:
        (x,) = ctx.saved_tensors
        return 2 * x * tangent


FUNCTIONS: dict[str, tuple[Any, Any]] = {
    "elementwise": (lambda a: (a * a).sin() + a.exp() / (a * a + 1), lambda: (_x(0.5, -1.5, 2.0),)),
    "matmul": (
        lambda a, b: a @ b,
        lambda: (tocha.randn(3, 4, dtype=F64, requires_grad=True), tocha.randn(4, 2, dtype=F64, requires_grad=True)),
    ),
    "reductions": (lambda a: (a.sum(0), a.mean(), (a * a).sum(1).tanh()), lambda: (tocha.randn(3, 4, dtype=F64),)),
    "several_inputs_and_outputs": (
        lambda a, b, k: (a * b + k, (a - b).exp(), a.sigmoid() @ b),
        lambda: (_x(0.5, -1.5, 2.0), _x(1.0, 0.25, -0.5), 3.0),
    ),
    "complex": (lambda a: (a * a).exp() + a.conj() * 2, lambda: (_z(0.5 + 1j, -1.5 + 0.25j, 2.0),)),
    "complex_to_real": (lambda a: (a * a.conj()).real + a.imag * 3, lambda: (_z(0.5 + 1j, -1.5 + 0.25j),)),
    "real_to_complex": (lambda a, w: (a * w).exp(), lambda: (_x(0.5, -1.5), tocha.tensor([1 + 2j, -1j]))),
    "mixed_real_complex": (lambda a, z: (a * z).sin(), lambda: (_x(0.5, -1.5), _z(1 + 2j, -0.5j))),
    "noncontiguous": (
        lambda a: (a.t() @ a) * a.sum(),
        lambda: (tocha.randn(4, 6, dtype=F64)[:, ::2].requires_grad_(),),
    ),
    "custom_function": (lambda a: Square.apply(a) * a, lambda: (_x(0.5, -1.5, 2.0),)),
    "op_with_jvp_rule": (lambda a: good_square(a).sin(), lambda: (_x(0.5, -1.5, 2.0),)),
}


def _inputs(name: str) -> tuple[Any, ...]:
    tocha.manual_seed(0)
    args: tuple[Any, ...] = FUNCTIONS[name][1]()
    return tuple(a.requires_grad_() if tocha.is_tensor(a) and a.dtype is F64 and a.is_leaf else a for a in args)


@pytest.mark.parametrize("fast_mode", [False, True])
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_correct_functions_pass(name: str, fast_mode: bool) -> None:
    func = FUNCTIONS[name][0]
    inputs = _inputs(name)
    assert _forward(func, inputs, fast_mode=fast_mode) is True
    assert gradcheck(func, inputs, check_forward_ad=True, fast_mode=fast_mode) is True  # both modes


@pytest.mark.parametrize("name", ["elementwise", "matmul", "complex", "several_inputs_and_outputs", "custom_function"])
def test_fwd_over_rev_passes_for_correct_functions(name: str) -> None:
    func = FUNCTIONS[name][0]
    inputs = _inputs(name)
    tocha.manual_seed(0)
    assert (
        gradgradcheck(func, inputs, check_fwd_over_rev=True, check_rev_over_rev=False, check_undefined_grad=False)
        is True
    )
    assert gradgradcheck(func, inputs, check_fwd_over_rev=True, fast_mode=True) is True


def test_inputs_not_requiring_grad_get_no_tangent() -> None:
    seen: list[Any] = []

    def func(a: Any, b: Any) -> Any:
        seen.append((fwAD.unpack_dual(a).tangent, fwAD.unpack_dual(b).tangent))
        return a * b

    a, b = _x(0.5, 2.0), tocha.tensor([3.0, 4.0], dtype=F64)
    assert _forward(func, (a, b))
    duals = [pair for pair in seen if pair[0] is not None]
    assert duals
    assert all(tb is None for _, tb in duals)
    assert a.tolist() == [0.5, 2.0]  # inputs are left as they were
    assert fwAD.unpack_dual(a).tangent is None


def test_wrong_jvp_fails_in_slow_mode_with_pytorchs_message() -> None:
    x = _x(0.5, -1.5)
    with pytest.raises(GradcheckError) as info:
        _forward(bad_jvp_square, (x,))
    message = str(info.value)
    assert message.startswith("Jacobian computed with forward mode mismatch for output 0 with respect to input 0,\n")
    assert "numerical:tensor([[ 1.0000,  0.0000],\n        [ 0.0000, -3.0000]], dtype=tocha.float64)" in message
    assert "analytical:tensor([[ 1.5000, -0.0000],\n        [ 0.0000, -4.5000]], dtype=tocha.float64)" in message
    assert gradcheck(bad_jvp_square, (x,)) is True  # the backward mode is right
    assert _forward(bad_jvp_square, (x,), raise_exception=False) is False


def test_wrong_jvp_fails_in_fast_mode() -> None:
    x = _x(0.5, -1.5, 2.0)
    with pytest.raises(GradcheckError) as info:
        _forward(bad_jvp_square, (x,), fast_mode=True)
    message = str(info.value)
    assert message.startswith("Jacobian computed with forward mode mismatch for output 0 with respect to input 0,\n")
    assert "Below, we recompute numerical and analytical jacobians in slow mode" in message
    assert "The max per-element difference (slow mode) is: 1.99999" in message
    assert _forward(bad_jvp_square, (x,), fast_mode=True, raise_exception=False) is False


def test_wrong_jvp_of_second_input_and_output_is_named() -> None:
    a, b = _x(0.5, -1.5), _x(1.0, 2.0)
    with pytest.raises(GradcheckError, match="mismatch for output 1 with respect to input 1,"):
        _forward(lambda p, q: (p * q, p + bad_jvp_square(q)), (a, b))


def test_complex_inputs_are_checked_imaginary_part_first() -> None:
    z = _z(0.5 + 1j, -1.5)
    assert _forward(good_square, (z,))
    with pytest.raises(GradcheckError) as info:
        _forward(bad_jvp_square, (z,))
    assert str(info.value).startswith(
        "While considering the imaginary part of complex inputs only, Jacobian computed with forward mode "
        "mismatch for output 0 with respect to input 0,\nnumerical:tensor([[-2.0000+1.0000j,  0.0000+0.0000j],"
    )
    # 2 Re(x) t is right along real tangents and wrong along imaginary ones
    with pytest.raises(GradcheckError, match=r"^While considering the imaginary part of complex inputs only"):
        _forward(real_only_square, (z,))
    assert _forward(real_only_square, (_x(0.5, -1.5),))
    with pytest.raises(GradcheckError, match=r"^While considering the imaginary part of complex inputs only"):
        _forward(real_only_square, (z,), fast_mode=True)


def test_missing_tangent_counts_as_zero() -> None:
    x = _x(0.5, -1.5)
    with pytest.raises(GradcheckError, match="forward mode mismatch") as info:
        _forward(lambda a: a.detach() * 2 + 0 * a, (x,))
    assert "analytical:tensor([[0., 0.],\n        [0., 0.]], dtype=tocha.float64)" in str(info.value)


def test_fwd_over_rev_fails_when_backward_is_not_differentiable() -> None:
    x = _x(0.5, -1.5, 2.0)
    assert gradcheck(FlatBackwardSquare.apply, (x,), check_forward_ad=True)  # first derivatives are right
    for fast_mode in (False, True):
        with pytest.raises(GradcheckError, match="Jacobian computed with forward mode mismatch for output 0"):
            gradgradcheck(
                FlatBackwardSquare.apply,
                (x,),
                check_fwd_over_rev=True,
                check_rev_over_rev=False,
                check_undefined_grad=False,
                fast_mode=fast_mode,
            )
    assert gradgradcheck(FlatBackwardSquare.apply, (x,), check_fwd_over_rev=True, raise_exception=False) is False


def test_grad_dtypes_and_undefined_tangents() -> None:
    x = _x(0.5, -1.5)
    assert _forward(lambda a: a.sin(), (x,), check_grad_dtypes=True)
    y = _x(2.0, 3.0)
    assert _forward(lambda a, b: a * b + b, (x, y), check_undefined_grad=True)
    assert _forward(lambda a, b: a * b + b, (x, y), check_undefined_grad=False)


def test_mode_arguments() -> None:
    x = _x(0.5)
    with pytest.raises(AssertionError, match="Expected at least one of check_forward_ad or check_backward_ad"):
        gradcheck(lambda a: a * 2, (x,), check_backward_ad=False)
    with pytest.raises(AssertionError, match="Expected at least one of check_fwd_over_rev or check_rev_over_rev"):
        gradgradcheck(lambda a: a * 2, (x,), check_rev_over_rev=False)
    with pytest.raises(AssertionError, match="check_undefined_grad=True requires check_rev_over_rev to be True"):
        gradgradcheck(lambda a: a * 2, (x,), check_fwd_over_rev=True, check_rev_over_rev=False)
    with pytest.raises(AssertionError, match="check_batched_forward_grad=True requires check_forward_ad"):
        gradcheck(lambda a: a * 2, (x,), check_batched_forward_grad=True)
    # batched checks run through tocha.func.vmap (tests in test_func.py)
    assert gradcheck(lambda a: a * 2, (x,), check_forward_ad=True, check_batched_forward_grad=True)
    assert gradgradcheck(lambda a: a * 2, (x,), check_fwd_over_rev=True, check_batched_grad=True)


def test_no_differentiable_outputs_and_empty_inputs() -> None:
    x = _x(1.0, 2.0)
    assert _forward(lambda a: (a > 1.5).to(F64), (x,))
    empty = tocha.zeros(0, 3, dtype=F64, requires_grad=True)
    assert _forward(lambda a: a.exp(), (empty,))
    assert _forward(lambda a: a.exp(), (empty,), fast_mode=True)


# ------------------------------------------------------------------ against PyTorch


def _torch_cases() -> dict[str, tuple[Any, Any]]:
    """name -> (tocha function, the same function in torch)."""
    torch = pytest.importorskip("torch")

    def torch_square_function(jvp_factor: float, flat_backward: bool = False) -> Any:
        class TorchSquare(torch.autograd.Function):
            @staticmethod
            def forward(x: Any) -> Any:
                return x * x

            @staticmethod
            def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> None:
                ctx.save_for_backward(inputs[0])
                ctx.save_for_forward(inputs[0])

            @staticmethod
            def backward(ctx: Any, grad: Any) -> Any:
                (x,) = ctx.saved_tensors
                return 2 * (x.detach() if flat_backward else x).conj() * grad

            @staticmethod
            def jvp(ctx: Any, tangent: Any) -> Any:
                (x,) = ctx.saved_tensors
                return jvp_factor * x * tangent

        return TorchSquare.apply

    return {
        "good_jvp": (good_square, torch_square_function(2.0)),
        "bad_jvp": (bad_jvp_square, torch_square_function(3.0)),
        "flat_backward": (FlatBackwardSquare.apply, torch_square_function(2.0, flat_backward=True)),
        "composite": (lambda a: (a * a).sin() * a.exp(), lambda a: (a * a).sin() * a.exp()),
    }


@pytest.mark.parametrize("dtype", ["float64", "complex128"])
@pytest.mark.parametrize("fast_mode", [False, True])
@pytest.mark.parametrize("name", ["good_jvp", "bad_jvp", "flat_backward", "composite"])
def test_outcomes_match_torch(name: str, fast_mode: bool, dtype: str) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = _torch_cases()[name]
    values = np.array([0.5 + 1j, -1.5 + 0.25j, 2.0]) if dtype == "complex128" else np.array([0.5, -1.5, 2.0])
    x = tocha.from_numpy(values.copy()).requires_grad_()
    tx = torch.from_numpy(values.copy()).requires_grad_()
    kwargs: dict[str, Any] = {"fast_mode": fast_mode, "raise_exception": False}
    ours_forward = _forward(ours, (x,), **kwargs)
    ours_fwd_over_rev = gradgradcheck(
        ours, (x,), check_fwd_over_rev=True, check_rev_over_rev=False, check_undefined_grad=False, **kwargs
    )
    with warnings.catch_warnings():  # torch's forward AD scripts helpers with the deprecated torch.jit on first use
        warnings.simplefilter("ignore", DeprecationWarning)
        theirs_forward = torch.autograd.gradcheck(
            theirs, (tx,), check_forward_ad=True, check_backward_ad=False, **kwargs
        )
        theirs_fwd_over_rev = torch.autograd.gradgradcheck(
            theirs, (tx,), check_fwd_over_rev=True, check_rev_over_rev=False, check_undefined_grad=False, **kwargs
        )
    assert (ours_forward, ours_fwd_over_rev) == (theirs_forward, theirs_fwd_over_rev) == EXPECTED[name]


# name -> (check_forward_ad passes, check_fwd_over_rev passes), the same in tocha and torch. A wrong jvp of the
# op itself does not enter forward-over-reverse (the vjp's tangent is computed from the vjp's own ops).
EXPECTED = {
    "good_jvp": (True, True),
    "bad_jvp": (False, True),
    "flat_backward": (True, False),
    "composite": (True, True),
}
