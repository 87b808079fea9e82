"""gradcheck / gradgradcheck: passing cases, failures with PyTorch's messages, arguments and input errors."""

from __future__ import annotations

import inspect
import math
from typing import Any

import pytest

import tocha
import tocha.autograd
from tocha.autograd import gradcheck, gradgradcheck
from tocha.autograd.gradcheck import GradcheckError
from tocha.library import OpRecord, call, register_op


def _op(name: str, forward: Any, vjp: Any, saves: tuple[int, ...] = (0,)) -> Any:
    record = register_op(OpRecord(name=name, forward=forward, vjp=vjp, saves_inputs=saves), replace=True)
    return lambda t: call(record, t.device, (t,), ())


# x * x with a wrong derivative (3x instead of 2x)
bad_square = _op("test_gradcheck_bad_square", lambda xp, a: a * a, lambda ctx, g: (3 * g * ctx.inputs[0].conj(),))
# x * x whose vjp treats x as a constant: right first derivative, second derivative lost
flat_square = _op("test_gradcheck_flat_square", lambda xp, a: a * a, lambda ctx, g: (g * 2 * ctx.inputs[0].detach(),))
# identity whose vjp ignores the incoming gradient
deaf_identity = _op("test_gradcheck_deaf_identity", lambda xp, a: a + 0, lambda ctx, g: (tocha.ones_like(g),), ())


def _x(*values: float) -> Any:
    return tocha.tensor(list(values), dtype=tocha.float64, requires_grad=True)


def test_passes_on_correct_gradients() -> None:
    x = _x(0.5, -1.5, 2.0)
    w = tocha.tensor([[1.0, 2.0], [0.5, -1.0], [3.0, 0.1]], dtype=tocha.float64, requires_grad=True)
    assert gradcheck(lambda a, b: (a.sin() @ b).exp(), (x, w)) is True
    assert gradgradcheck(lambda a, b: (a.sin() @ b).exp(), (x, w)) is True
    assert gradcheck(lambda a: a * a, x) is True  # a single tensor for inputs
    assert gradcheck(lambda a: (a * 2, a.sum()), (x,), fast_mode=True) is True


def test_non_tensor_and_non_differentiable_arguments_pass_through() -> None:
    x = _x(1.0, 2.0)
    n = tocha.tensor([1.0, 3.0], dtype=tocha.float64)  # does not require grad
    assert gradcheck(lambda a, k, b: a * k + b * a, (x, 3.0, n))
    assert gradgradcheck(lambda a, k, b: a * a * k + b * a, (x, 3.0, n))


def test_nested_list_inputs() -> None:
    a, b = _x(1.0, 2.0), _x(3.0)
    assert gradcheck(lambda ts: tocha.cat(ts) ** 2, ([a, b],))


def test_complex_inputs_and_outputs() -> None:
    z = tocha.tensor([1 + 1j, 2 - 0.5j], dtype=tocha.complex128, requires_grad=True)
    assert gradcheck(lambda t: t * t.exp(), (z,))
    assert gradcheck(lambda t: (t * t).abs(), (z,))  # complex input, real output
    assert gradgradcheck(lambda t: t * t.exp(), (z,))
    x = _x(0.3, -0.7)
    assert gradcheck(lambda a: a * z.detach(), (x,))  # real input, complex output


def test_mismatch_message() -> None:
    x = _x(1.0, 2.0)
    with pytest.raises(GradcheckError) as info:
        gradcheck(bad_square, (x,))
    assert str(info.value) == (
        "Jacobian mismatch for output 0 with respect to input 0,\n"
        "numerical:tensor([[2.0000, 0.0000],\n        [0.0000, 4.0000]], dtype=tocha.float64)\n"
        "analytical:tensor([[3., 0.],\n        [0., 6.]], dtype=tocha.float64)\n"
    )
    assert isinstance(info.value, RuntimeError)
    assert gradcheck(bad_square, (x,), raise_exception=False) is False
    assert tocha.autograd.gradcheck.GradcheckError is GradcheckError  # type: ignore[attr-defined]


def test_complex_mismatch_message_checks_imaginary_part_first() -> None:
    z = tocha.tensor([1 + 1j, 2.0], dtype=tocha.complex128, requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(bad_square, (z,))
    assert str(info.value) == (
        "While considering the imaginary part of complex outputs only, "
        "Jacobian mismatch for output 0 with respect to input 0,\n"
        "numerical:tensor([[2.0000+2.0000j, 0.0000+0.0000j],\n        [0.0000+0.0000j, 0.0000+4.0000j]], "
        "dtype=tocha.complex128)\n"
        "analytical:tensor([[3.+3.j, 0.+0.j],\n        [0.+0.j, 0.+6.j]], dtype=tocha.complex128)\n"
    )


def test_indices_name_the_output_and_input() -> None:
    x, y = _x(1.0), _x(2.0)
    with pytest.raises(GradcheckError, match="for output 1 with respect to input 1,"):
        gradcheck(lambda a, b: (a * b, a + bad_square(b)), (x, y))


def test_fast_mode_detects_a_wrong_gradient() -> None:
    with pytest.raises(GradcheckError, match="fast mode"):
        gradcheck(bad_square, (_x(1.0, 2.0, -0.5),), fast_mode=True)
    z = tocha.tensor([1 + 1j, 2.0], dtype=tocha.complex128, requires_grad=True)
    assert gradcheck(lambda t: t * t, (z,), fast_mode=True)
    assert not gradcheck(bad_square, (z,), fast_mode=True, raise_exception=False)


def test_gradgradcheck_catches_a_vjp_that_is_not_differentiable() -> None:
    x = _x(1.0, -2.0)
    assert gradcheck(flat_square, (x,))
    with pytest.raises(GradcheckError, match="Jacobian mismatch for output 0 with respect to input 0"):
        gradgradcheck(flat_square, (x,))
    assert gradgradcheck(flat_square, (x,), raise_exception=False) is False


def test_gradgradcheck_with_given_grad_outputs() -> None:
    x = _x(0.5, 1.5)
    g = tocha.tensor([1.0, -2.0], dtype=tocha.float64, requires_grad=True)
    assert gradgradcheck(lambda a: a.exp() * a, (x,), (g,))
    assert gradgradcheck(lambda a: a.exp() * a, (x,), gen_non_contig_grad_outputs=True)


def test_backward_must_multiply_by_grad_output() -> None:
    with pytest.raises(GradcheckError, match="backward not multiplied by grad_output"):
        gradcheck(deaf_identity, (_x(1.0),))


def test_nondeterministic_backward() -> None:
    calls = [0]

    def vjp(ctx: Any, g: Any) -> tuple[Any]:
        calls[0] += 1
        return (g * (1 + 1e-9 * calls[0]),)

    noisy = _op("test_gradcheck_noisy", lambda xp, a: a + 0, vjp, ())
    with pytest.raises(GradcheckError, match="Backward is not reentrant"):
        gradcheck(noisy, (_x(1.0, 2.0),))
    assert gradcheck(noisy, (_x(1.0, 2.0),), nondet_tol=1e-6)


def test_outputs_not_requiring_grad_must_have_zero_numerical_gradient() -> None:
    x = _x(1.0, 2.0)
    assert gradcheck(lambda a: (a > 1.5).to(tocha.float64), (x,))  # piecewise constant: zero
    with pytest.raises(GradcheckError, match="Numerical gradient for function expected to be zero"):
        gradcheck(lambda a: a.detach() * 2, (x,))


def test_input_errors() -> None:
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        gradcheck(lambda a: a * 2, (tocha.ones(2, dtype=tocha.float64),))
    expanded = tocha.ones(3, dtype=tocha.float64).expand(2, 3).requires_grad_()
    with pytest.raises(RuntimeError, match="The 0th input has a dimension with stride 0"):
        gradcheck(lambda a: a * 2, (expanded,))
    with pytest.warns(UserWarning, match="Input #0 requires gradient and is not a double precision"):
        gradcheck(lambda a: a * 2, (tocha.ones(2, requires_grad=True),), raise_exception=False)
    assert gradcheck(lambda a: a * 2, (_x(1.0),), check_batched_grad=True)  # tocha.func.vmap (test_func.py)
    assert gradgradcheck(lambda a: a * a, (_x(1.0),), check_fwd_over_rev=True)


def test_inputs_are_restored_and_empty_inputs_work() -> None:
    x = _x(0.25, 4.0)
    gradcheck(lambda a: a.sqrt(), (x,))
    assert x.tolist() == [0.25, 4.0]
    empty = tocha.zeros(0, 3, dtype=tocha.float64, requires_grad=True)
    assert gradcheck(lambda a: a.exp(), (empty,))


def test_non_contiguous_input() -> None:
    base = tocha.arange(12, dtype=tocha.float64).reshape(3, 4) / 7
    view = base[:, ::2].detach().requires_grad_()
    assert not view.is_contiguous()
    assert gradcheck(lambda a: a.sin() * a, (view,))
    assert gradgradcheck(lambda a: a.sin() * a, (view,))


def test_signatures_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    for ours, theirs in ((gradcheck, torch.autograd.gradcheck), (gradgradcheck, torch.autograd.gradgradcheck)):
        mine = inspect.signature(ours).parameters
        reference = inspect.signature(theirs).parameters
        assert list(mine) == list(reference)
        for name, param in reference.items():
            assert mine[name].default == param.default, name
            assert mine[name].kind == param.kind, name


def test_message_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    from torch.autograd.gradcheck import GradcheckError as TorchGradcheckError

    class Bad(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            (x,) = ctx.saved_tensors
            return 3 * g * x.conj()

    for values, dtype in (([1.0, 2.0], "float64"), ([1 + 1j, 2.0], "complex128")):
        tx = torch.tensor(values, dtype=getattr(torch, dtype), requires_grad=True)
        with pytest.raises(TorchGradcheckError) as theirs:
            torch.autograd.gradcheck(Bad.apply, (tx,))
        x = tocha.tensor(values, dtype=getattr(tocha, dtype), requires_grad=True)
        with pytest.raises(GradcheckError) as ours:
            gradcheck(bad_square, (x,))
        assert str(ours.value) == str(theirs.value).replace("torch.", "tocha.")


def test_agrees_with_pytorch_on_what_passes() -> None:
    torch = pytest.importorskip("torch")
    for lib, check in ((torch, torch.autograd.gradcheck), (tocha, gradcheck)):
        x = lib.tensor([0.5, -1.2, 2.0], dtype=lib.float64, requires_grad=True)
        assert check(lambda a, lib=lib: (a.sin() * a).cumsum(0) / (1 + a * a), (x,))
        # abs at 0: the central difference and the subgradient sign(0) are both 0
        z = lib.tensor([0.0, 1.0], dtype=lib.float64, requires_grad=True)
        assert check(lambda a, lib=lib: a.abs(), (z,))


def test_doc_example_values() -> None:
    x = _x(0.5, -1.5)
    assert gradcheck(lambda t: (t * t).sin(), (x,)) is True
    assert math.isclose(x.tolist()[0], 0.5)
