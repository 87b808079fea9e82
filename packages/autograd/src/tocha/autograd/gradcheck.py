"""``gradcheck`` and ``gradgradcheck``: the engine's gradients against finite differences (``torch.autograd``).

NOTE [ gradcheck ]
For a function ``f`` of tensors, each differentiable output ``y`` and each
input ``x`` that requires grad, two Jacobians of shape ``(x.numel(),
y.numel())`` are compared (PyTorch's layout: one row per input element):

- numerical: each element of ``x`` is moved by ``±eps`` in place (and by
  ``±i·eps`` for complex ``x``) and ``f`` re-run; the central difference
  ``dy/da`` (plus ``1j·dy/db`` for complex ``x = a + ib``) is the row;
- analytical: one backward per element ``m`` of ``y`` with a one-hot
  ``grad_output``, through the real engine (``tocha.autograd.grad``).

A complex output is checked as two real functions: its real part (one-hot
``grad_output`` 1), then its imaginary part (``grad_output`` ``1j``); this
is PyTorch's convention, where the gradient of a real ``L`` with respect to
``z = a + ib`` is ``dL/da + i·dL/db``. The backward pass runs twice, and the
two results must agree within ``nondet_tol`` (reentrancy). ``fast_mode``
compares ``v^T J u`` for random ``u``, ``v`` instead of whole Jacobians.

With ``check_forward_ad=True`` the same numerical Jacobians are compared
with forward mode (``tocha.autograd.forward_ad``): under one dual level,
every input that requires grad is replaced by a dual tensor of its detached
values (zero tangent; inputs that do not require grad get none), and for each
element of each input a one-hot tangent is pushed through ``f``; the output
tangents read by ``unpack_dual`` (None counts as zeros) are the rows. A
complex input ``x = a + ib`` is checked as two real inputs, as PyTorch does:
first its imaginary part (tangent ``1j``, against ``dy/db``), then its real
part (tangent 1, against ``dy/da``); the Jacobian keeps the output's dtype,
so a complex output is compared whole. ``fast_mode`` pushes one random
tangent ``u`` (uniform, unit norm) per input and compares ``J u`` with the
central difference along ``u``, with ``atol`` scaled by ``sum(u)``. With
``check_undefined_grad``, a zero tangent and no tangent must give the same
output tangents. ``check_backward_ad=False`` runs only the forward check.

``gradgradcheck`` runs ``gradcheck`` on ``(inputs, grad_outputs) ->
grad(f(inputs), inputs, grad_outputs, create_graph=True)``, which checks the
second derivative: reverse-over-reverse (the vjps' own vjps,
``check_rev_over_rev``) and forward-over-reverse (``check_fwd_over_rev``:
tangents pushed through the backward pass, i.e. ``check_forward_ad`` on that
function). Forward mode gives that function detached dual inputs, so it
turns ``requires_grad`` back on for those that had it before calling
``grad``, as PyTorch does.

``check_batched_grad`` (PyTorch's batched-gradient check) computes, for each
differentiable output, the vjps of two random grad_outputs once through
``tocha.func.vmap`` over their stack and once in a plain loop, and requires
them to agree (``allclose``); ``check_batched_forward_grad`` does the same
with the jvps of two random tangents per input. tocha's vmap runs the
function once per batch entry (NOTE [ Function transforms ] in ``tocha.func``),
so these checks catch derivatives that depend on the memory layout of their
incoming gradient (a ``select`` view of a stacked batch), that write into it,
or that keep state between calls; they cannot find the batching-rule bugs
PyTorch's check is for, since there are none. ``gradgradcheck`` passes
``check_batched_grad`` on to the ``gradcheck`` of its vjp function.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

import tocha
import tocha.testing
from tocha.library import is_tensor_like, tensor_array

from . import forward_ad

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by :func:`gradcheck` and :func:`gradgradcheck` when a check fails."""


GradcheckError.__module__ = "tocha.autograd.gradcheck"

_FAILED_NONDET = (
    "\n\nNOTE: If your op relies on non-deterministic operations i.e., it is listed here:\n"
    "https://pytorch.org/docs/stable/generated/torch.use_deterministic_algorithms.html\n"
    "this failure might be expected.\n\n"
    "If you are adding a new operator, please file an issue and then use one of the\n"
    "workarounds. The workaround depends on how your test invokes gradcheck/gradgradcheck.\n"
    "If the test\n"
    "- manually invokes gradcheck/gradgradcheck, then call gradcheck/gradgradcheck\n"
    "  with `nondet_tol=<tol>` as a keyword argument.\n"
)


def _grad(*args: Any, **kwargs: Any) -> tuple[Any, ...]:
    from . import grad  # the package imports this module before defining grad

    return grad(*args, **kwargs)


def _as_tuple(x: Any) -> tuple[Any, ...]:
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _iter_tensors(x: Any, only_requiring_grad: bool) -> Iterator[Any]:
    if is_tensor_like(x):
        if x.requires_grad or not only_requiring_grad:
            yield x
    elif isinstance(x, (list, tuple)):
        for item in x:
            yield from _iter_tensors(item, only_requiring_grad)


def _differentiable_outputs(out: Any) -> tuple[Any, ...]:
    return tuple(o for o in _as_tuple(out) if is_tensor_like(o) and o.requires_grad)


def _is_differentiable_dtype(t: Any) -> bool:
    return bool(t.dtype.is_floating_point or t.dtype.is_complex)


def _host(t: Any) -> np.ndarray[Any, Any]:
    """A NumPy copy of ``t``'s values (complex128 or float64)."""
    array = tensor_array(t.detach())
    if not isinstance(array, np.ndarray):
        array = array.get()  # CuPy
    return np.array(array, dtype=np.complex128 if t.dtype.is_complex else np.float64)


def _to_tensor(matrix: np.ndarray[Any, Any], like: Any) -> Any:
    return tocha.from_numpy(np.ascontiguousarray(matrix)).to(like.dtype)


def _check_inputs(tupled_inputs: tuple[Any, ...]) -> list[Any]:
    diff_inputs = list(_iter_tensors(tupled_inputs, True))
    if not diff_inputs:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, but none of them have requires_grad=True."
        )
    for idx, t in enumerate(diff_inputs):
        if t.dtype not in (tocha.float64, tocha.complex128):
            warnings.warn(
                f"Input #{idx} requires gradient and is not a double precision floating point or complex. "
                "This check will likely fail if all the inputs are not of double precision floating point or "
                "complex. ",
                UserWarning,
                stacklevel=3,
            )
        for size, stride in zip(t.shape, t.stride(), strict=True):
            if stride == 0 and size > 1 and t.numel() > 0:
                raise RuntimeError(
                    f"The {idx}th input has a dimension with stride 0. gradcheck only supports inputs that are "
                    "non-overlapping to be able to compute the numerical gradients correctly. You should call "
                    ".contiguous on the input before passing it to gradcheck."
                )
    return diff_inputs


# ------------------------------------------------------------------ numerical


def _run_outputs(func: Callable[..., Any], inputs: tuple[Any, ...], indices: Sequence[int]) -> list[Any]:
    outs = _as_tuple(func(*inputs))
    return [_host(outs[k]) for k in indices]


def _numerical_jacobians(
    func: Callable[..., Any], inputs: tuple[Any, ...], x: Any, out_indices: Sequence[int], eps: float
) -> list[np.ndarray[Any, Any]]:
    """Per output ``y``: complex ``(x.numel(), y.numel(), d)``; ``[..., 0]`` is ``dy/da``, ``[..., 1]`` ``dy/db``.

    ``d`` is 2 for a complex input ``x = a + ib`` and 1 for a real one; the caller picks output parts.
    """
    array = tensor_array(x)
    directions = (1.0, 1j) if x.dtype.is_complex else (1.0,)
    n_in = x.numel()
    result: list[np.ndarray[Any, Any]] | None = None
    if n_in == 0:
        sizes = [o.size for o in _run_outputs(func, inputs, out_indices)]
        return [np.zeros((0, n, len(directions)), dtype=np.complex128) for n in sizes]
    for flat in range(n_in):
        index = np.unravel_index(flat, array.shape)
        original = array[index].copy()
        for d, direction in enumerate(directions):
            array[index] = original + eps * direction
            plus = _run_outputs(func, inputs, out_indices)
            array[index] = original - eps * direction
            minus = _run_outputs(func, inputs, out_indices)
            array[index] = original
            if result is None:
                result = [np.zeros((n_in, p.size, len(directions)), dtype=np.complex128) for p in plus]
            for k, (p, m) in enumerate(zip(plus, minus, strict=True)):
                result[k][flat, :, d] = ((p - m) / (2 * eps)).reshape(-1)
    assert result is not None
    return result


def _part(raw: np.ndarray[Any, Any], imag_part: bool, complex_input: bool) -> np.ndarray[Any, Any]:
    """The Jacobian of the real (or imaginary) part of an output, in PyTorch's convention."""
    pick = np.imag if imag_part else np.real
    values = pick(raw)
    if complex_input:
        return values[..., 0] + 1j * values[..., 1]  # type: ignore[no-any-return]
    return values[..., 0]  # type: ignore[no-any-return]


# ------------------------------------------------------------------ analytical


def _analytical_jacobians(
    y: Any,
    diff_inputs: list[Any],
    imag_part: bool,
    check_grad_dtypes: bool,
    nondet_tol: float,
) -> list[np.ndarray[Any, Any]]:
    """Per input: the matrix ``(x.numel(), y.numel())`` from one backward per element of ``y``."""
    n_out = y.numel()
    columns: list[list[np.ndarray[Any, Any]]] = [[] for _ in diff_inputs]
    for m in range(n_out):
        flat = np.zeros(n_out, dtype=np.complex128 if y.dtype.is_complex else np.float64)
        flat[m] = 1j if imag_part else 1.0
        grad_output = tocha.from_numpy(flat.reshape(tuple(y.shape))).to(dtype=y.dtype, device=y.device)
        first = _vjp(y, diff_inputs, grad_output, check_grad_dtypes)
        second = _vjp(y, diff_inputs, grad_output, check_grad_dtypes)
        for j, (a, b) in enumerate(zip(first, second, strict=True)):
            if a.size and np.max(np.abs(a - b)) > nondet_tol:
                raise GradcheckError(
                    "Backward is not reentrant, i.e., running backward with same input and grad_output multiple "
                    "times gives different values, although analytical gradient matches numerical gradient."
                    f"The tolerance for nondeterminism was {nondet_tol}." + _FAILED_NONDET
                )
            columns[j].append(a)
    result = []
    for x, cols in zip(diff_inputs, columns, strict=True):
        matrix = np.stack(cols, axis=1) if cols else np.zeros((x.numel(), 0), dtype=np.complex128)
        result.append(matrix if x.dtype.is_complex else np.real(matrix))
    return result


def _vjp(y: Any, diff_inputs: list[Any], grad_output: Any, check_grad_dtypes: bool) -> list[np.ndarray[Any, Any]]:
    grads = _grad(y, diff_inputs, grad_output, retain_graph=True, allow_unused=True)
    rows = []
    for x, g in zip(diff_inputs, grads, strict=True):
        if g is None:
            rows.append(np.zeros(x.numel(), dtype=np.complex128))
            continue
        if tuple(g.shape) != tuple(x.shape):
            raise GradcheckError(
                f"Gradient has shape mismatch: the gradient of an input of shape {list(x.shape)} has shape "
                f"{list(g.shape)}"
            )
        if check_grad_dtypes and (g.dtype is not x.dtype or g.device != x.device):
            raise GradcheckError("Gradient has dtype mismatch")
        rows.append(_host(g).reshape(-1).astype(np.complex128))
    return rows


# ------------------------------------------------------------------ checks


def _mismatch_message(
    analytical: np.ndarray[Any, Any],
    numerical: np.ndarray[Any, Any],
    output_idx: int,
    input_idx: int,
    complex_output: bool,
    imag_part: bool,
    x: Any,
) -> str:
    prefix = ""
    if complex_output:
        prefix = f"While considering the {'imaginary' if imag_part else 'real'} part of complex outputs only, "
    return (
        prefix + f"Jacobian mismatch for output {output_idx:d} with respect to input {input_idx:d},\n"
        f"numerical:{_to_tensor(numerical, x)}\nanalytical:{_to_tensor(analytical, x)}\n"
    )


def _slow_check(
    func: Callable[..., Any],
    tupled_inputs: tuple[Any, ...],
    diff_inputs: list[Any],
    outputs: tuple[Any, ...],
    out_positions: list[int],
    *,
    eps: float,
    atol: float,
    rtol: float,
    nondet_tol: float,
    check_grad_dtypes: bool,
) -> None:
    numerical = [_numerical_jacobians(func, tupled_inputs, x, out_positions, eps) for x in diff_inputs]
    for imag_part in (True, False):  # PyTorch checks the imaginary parts of complex outputs first
        analytical = [
            _analytical_jacobians(y, diff_inputs, imag_part, check_grad_dtypes, nondet_tol)
            if (not imag_part or y.dtype.is_complex)
            else None
            for y in outputs
        ]
        for j, x in enumerate(diff_inputs):
            for i, y in enumerate(outputs):
                a_all = analytical[i]
                if a_all is None:
                    continue
                n = _part(numerical[j][i], imag_part, x.dtype.is_complex)
                a = a_all[j]
                if not np.allclose(a, n, rtol=rtol, atol=atol, equal_nan=True):
                    raise GradcheckError(_mismatch_message(a, n, i, j, y.dtype.is_complex, imag_part, x))


def _unit(v: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """``v`` scaled to unit length (a zero vector stays zero)."""
    norm = np.linalg.norm(v)
    return v / norm if norm > 0 else v


def _fast_check(
    func: Callable[..., Any],
    tupled_inputs: tuple[Any, ...],
    diff_inputs: list[Any],
    outputs: tuple[Any, ...],
    out_positions: list[int],
    *,
    eps: float,
    atol: float,
    rtol: float,
    nondet_tol: float,
    check_grad_dtypes: bool,
) -> None:
    """Compare ``v^T J u`` (one backward per output part, two forwards per input direction)."""
    rng = np.random.default_rng(0)
    for j, x in enumerate(diff_inputs):
        u = _unit(rng.standard_normal(x.numel()))
        directional = [  # per direction (real, imag): per output dy
            _numerical_jvp(func, tupled_inputs, x, out_positions, u * direction, eps)
            for direction in ((1.0, 1j) if x.dtype.is_complex else (1.0,))
        ]
        for i, y in enumerate(outputs):
            for imag_part in (False, True) if y.dtype.is_complex else (False,):
                v = rng.standard_normal(y.numel())
                pick = np.imag if imag_part else np.real
                numbers = [float(np.dot(v, pick(d[i]))) for d in directional]
                grad_output = tocha.from_numpy(np.asarray(v.reshape(tuple(y.shape)) * (1j if imag_part else 1.0)))
                grad_output = grad_output.to(dtype=y.dtype, device=y.device)
                g = _vjp(y, [x], grad_output, check_grad_dtypes)[0]
                analytic = [float(np.dot(u, np.real(g)))]
                if x.dtype.is_complex:
                    analytic.append(float(np.dot(u, np.imag(g))))
                a_value = analytic[0] + (1j * analytic[1] if len(analytic) > 1 else 0)
                n_value = numbers[0] + (1j * numbers[1] if len(numbers) > 1 else 0)
                if not np.allclose(a_value, n_value, rtol=rtol, atol=atol):
                    message = _mismatch_message(
                        np.asarray(a_value), np.asarray(n_value), i, j, y.dtype.is_complex, imag_part, x
                    )
                    raise GradcheckError(
                        message + "\nThe above quantities relating the numerical and analytical jacobians are "
                        "computed in fast mode (v^T J u for random u, v); run with fast_mode=False for the full "
                        "Jacobians.\n"
                    )


def _check_no_differentiable_outputs(
    func: Callable[..., Any], tupled_inputs: tuple[Any, ...], diff_inputs: list[Any], eps: float
) -> None:
    outs = _as_tuple(func(*tupled_inputs))
    positions = [k for k, o in enumerate(outs) if is_tensor_like(o) and _is_differentiable_dtype(o)]
    for x in diff_inputs:
        for raw in _numerical_jacobians(func, tupled_inputs, x, positions, eps):
            if raw.size and not np.all(raw == 0):
                raise GradcheckError("Numerical gradient for function expected to be zero")


def _check_backward_mul_by_grad_output(outputs: tuple[Any, ...], diff_inputs: list[Any]) -> None:
    zeros = [tocha.zeros_like(o) for o in outputs]
    grads = _grad(outputs, diff_inputs, zeros, retain_graph=True, allow_unused=True)
    for x, g in zip(diff_inputs, grads, strict=True):
        if g is None:
            continue
        if tuple(g.shape) != tuple(x.shape):
            raise GradcheckError("grad is incorrect size")
        if g.dtype is not x.dtype or g.device != x.device:
            raise GradcheckError("grad is incorrect type")
        if np.any(_host(g) != 0):
            raise GradcheckError("backward not multiplied by grad_output")


def _check_undefined_grad(outputs: tuple[Any, ...], diff_inputs: list[Any]) -> None:
    """Backward from each output alone: nodes with several outputs must accept None for the others."""
    if len(outputs) < 2:
        return
    for y in outputs:
        try:
            _grad(y, diff_inputs, tocha.zeros_like(y), retain_graph=True, allow_unused=True)
        except RuntimeError as error:
            raise GradcheckError(
                "Expected backward function to handle undefined output grads (None for the outputs that get no "
                f"gradient): backward from output {outputs.index(y)} alone failed with: {error}"
            ) from error


# ------------------------------------------------------------------ forward mode


def _forward_message(
    analytical: np.ndarray[Any, Any],
    numerical: np.ndarray[Any, Any],
    output_idx: int,
    input_idx: int,
    imag_part: bool,
    x: Any,
    y: Any,
) -> str:
    prefix = ""
    if x.dtype.is_complex:
        prefix = f"While considering the {'imaginary' if imag_part else 'real'} part of complex inputs only, "
    return (
        prefix + f"Jacobian computed with forward mode mismatch for output {output_idx:d} with respect to input "
        f"{input_idx:d},\nnumerical:{_to_tensor(numerical, y)}\nanalytical:{_to_tensor(analytical, y)}\n"
    )


def _replace_tensors(x: Any, by_id: dict[int, Any]) -> Any:
    """``x`` (a tensor or nested lists/tuples) with the tensors found in ``by_id`` replaced."""
    if is_tensor_like(x):
        return by_id.get(id(x), x)
    if isinstance(x, (list, tuple)):
        return type(x)(_replace_tensors(item, by_id) for item in x)
    return x


def _forward_rows(
    func: Callable[..., Any],
    tupled_inputs: tuple[Any, ...],
    diff_inputs: list[Any],
    out_positions: Sequence[int],
    input_idx: int,
    tangents: Sequence[np.ndarray[Any, Any]],
    check_grad_dtypes: bool,
) -> list[np.ndarray[Any, Any]]:
    """Per output ``y``: ``(len(tangents), y.numel())``, row ``r`` the tangent of ``y`` for tangent ``r`` of input
    ``input_idx`` (flat, complex for ``1j`` directions), the other inputs carrying zero tangents."""

    rows: list[list[np.ndarray[Any, Any]]] = [[] for _ in out_positions]
    with forward_ad.dual_level():
        zero_tangents = [tocha.zeros_like(t.detach()) for t in diff_inputs]
        duals = [forward_ad.make_dual(t.detach(), z) for t, z in zip(diff_inputs, zero_tangents, strict=True)]
        # The tangent as the dual tensor holds it (make_dual may convert it), written in place below.
        tangent = forward_ad.unpack_dual(duals[input_idx]).tangent
        dual_args = _replace_tensors(tupled_inputs, {id(t): d for t, d in zip(diff_inputs, duals, strict=True)})
        array = tensor_array(tangent)
        xp = tocha.library.get_backend(tangent.device.type).xp
        for direction in tangents:
            array[...] = xp.asarray(direction.reshape(array.shape).astype(array.dtype))
            outs = _as_tuple(func(*dual_args))
            for k, pos in enumerate(out_positions):
                o = outs[pos]
                t = forward_ad.unpack_dual(o).tangent
                if t is None:
                    rows[k].append(np.zeros(o.numel(), dtype=np.complex128))
                    continue
                if check_grad_dtypes and bool(t.dtype.is_complex) != bool(o.dtype.is_complex):
                    raise GradcheckError("Forward AD gradient has dtype mismatch.")
                rows[k].append(_host(t).reshape(-1).astype(np.complex128))
        array[...] = 0
    return [np.stack(r) if r else np.zeros((0, 0), dtype=np.complex128) for r in rows]


def _input_parts(x: Any) -> tuple[tuple[bool, complex], ...]:
    """``(imag_part, tangent direction)`` per part of ``x``: PyTorch checks a complex input's imaginary part first."""
    return ((True, 1j), (False, 1.0)) if x.dtype.is_complex else ((False, 1.0),)


def _slow_forward_check(
    func: Callable[..., Any],
    tupled_inputs: tuple[Any, ...],
    diff_inputs: list[Any],
    outputs: tuple[Any, ...],
    out_positions: list[int],
    *,
    eps: float,
    atol: float,
    rtol: float,
    check_grad_dtypes: bool,
) -> None:
    for j, x in enumerate(diff_inputs):
        numerical = _numerical_jacobians(func, tupled_inputs, x, out_positions, eps)
        for imag_part, direction in _input_parts(x):
            pairs = _forward_jacobians(
                func,
                tupled_inputs,
                diff_inputs,
                outputs,
                out_positions,
                j,
                imag_part,
                direction,
                numerical,
                check_grad_dtypes,
            )
            for i, (a, n) in enumerate(pairs):
                if not np.allclose(a, n, rtol=rtol, atol=atol, equal_nan=True):
                    raise GradcheckError(_forward_message(a, n, i, j, imag_part, x, outputs[i]))


def _forward_jacobians(
    func: Callable[..., Any],
    tupled_inputs: tuple[Any, ...],
    diff_inputs: list[Any],
    outputs: tuple[Any, ...],
    out_positions: list[int],
    input_idx: int,
    imag_part: bool,
    direction: complex,
    numerical: list[np.ndarray[Any, Any]],
    check_grad_dtypes: bool,
) -> list[tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]]:
    """Per output: (forward-mode, numerical) Jacobians ``(x.numel(), y.numel())`` for one part of input ``x``."""
    n_in = diff_inputs[input_idx].numel()
    one_hots = [np.eye(1, n_in, k).reshape(-1) * direction for k in range(n_in)]
    analytical = _forward_rows(func, tupled_inputs, diff_inputs, out_positions, input_idx, one_hots, check_grad_dtypes)
    pairs = []
    for i, y in enumerate(outputs):
        n = numerical[i][..., 1 if imag_part else 0]
        a = analytical[i] if n_in else np.zeros_like(n)
        if not y.dtype.is_complex:
            n, a = np.real(n), np.real(a)
        pairs.append((a, n))
    return pairs


def _numerical_jvp(
    func: Callable[..., Any],
    tupled_inputs: tuple[Any, ...],
    x: Any,
    out_positions: Sequence[int],
    step: np.ndarray[Any, Any],
    eps: float,
) -> list[np.ndarray[Any, Any]]:
    """Per output: the central difference of ``func`` along ``step`` (flat, ``x``'s size), divided by ``2 eps``."""
    array = tensor_array(x)
    xp = tocha.library.get_backend(x.device.type).xp
    original = array.copy()
    shift = xp.asarray((eps * step).reshape(array.shape))  # on x's device
    array[...] = original + shift
    plus = _run_outputs(func, tupled_inputs, out_positions)
    array[...] = original - shift
    minus = _run_outputs(func, tupled_inputs, out_positions)
    array[...] = original
    return [((p - m) / (2 * eps)).reshape(-1) for p, m in zip(plus, minus, strict=True)]


def _fast_forward_check(
    func: Callable[..., Any],
    tupled_inputs: tuple[Any, ...],
    diff_inputs: list[Any],
    outputs: tuple[Any, ...],
    out_positions: list[int],
    *,
    eps: float,
    atol: float,
    rtol: float,
    check_grad_dtypes: bool,
) -> None:
    """Compare ``J u`` from one forward-mode pass with the central difference along ``u``, per input part."""
    rng = np.random.default_rng(0)
    for j, x in enumerate(diff_inputs):
        for imag_part, direction in _input_parts(x):
            u = _unit(rng.random(x.numel()))
            numerical = _numerical_jvp(func, tupled_inputs, x, out_positions, u * direction, eps)
            analytical = _forward_rows(
                func, tupled_inputs, diff_inputs, out_positions, j, [u * direction], check_grad_dtypes
            )
            scaled_atol = atol * float(u.sum())
            for i, y in enumerate(outputs):
                n = numerical[i].astype(np.complex128)
                a = analytical[i][0]
                if not y.dtype.is_complex:
                    n, a = np.real(n), np.real(a)
                if not np.allclose(a, n, rtol=rtol, atol=scaled_atol, equal_nan=True):
                    slow_a, slow_n = _forward_jacobians(
                        func,
                        tupled_inputs,
                        diff_inputs,
                        outputs,
                        out_positions,
                        j,
                        imag_part,
                        direction,
                        _numerical_jacobians(func, tupled_inputs, x, out_positions, eps),
                        False,
                    )[i]
                    raise GradcheckError(
                        _forward_message(a, n, i, j, imag_part, x, y)
                        + _slow_mode_note(slow_a, slow_n, y, rtol=rtol, atol=atol)
                    )


_FAST_FAIL_SLOW_OK = (
    "Fast gradcheck failed but element-wise differences are small. This means that the\n"
    "test might've passed in slow_mode!\n\n"
    "If you are adding a new operator, please file an issue and then use one of the\n"
    "workarounds: call gradcheck/gradgradcheck with `fast_mode=False` as a keyword argument."
)


def _slow_mode_note(
    analytical: np.ndarray[Any, Any], numerical: np.ndarray[Any, Any], y: Any, *, rtol: float, atol: float
) -> str:
    """PyTorch's addition to a fast-mode failure: the whole Jacobians, recomputed in slow mode."""
    max_diff = float(np.max(np.abs(numerical - analytical))) if numerical.size else 0.0
    note = (
        "\nThe above quantities relating the numerical and analytical jacobians are computed \n"
        "in fast mode. See: https://github.com/pytorch/pytorch/issues/53876 for more background \n"
        "about fast mode. Below, we recompute numerical and analytical jacobians in slow mode:\n\n"
        f"Numerical:\n {_to_tensor(numerical, y)}\nAnalytical:\n{_to_tensor(analytical, y)}\n\n"
        f"The max per-element difference (slow mode) is: {max_diff}.\n"
    )
    if np.allclose(analytical, numerical, rtol=rtol, atol=atol, equal_nan=True):
        note += _FAST_FAIL_SLOW_OK
    return note


def _check_undefined_forward_grad(
    func: Callable[..., Any], tupled_inputs: tuple[Any, ...], diff_inputs: list[Any], out_positions: list[int]
) -> None:
    """A zero tangent and no tangent on one input (random tangents on the others) must give the same tangents."""

    rng = np.random.default_rng(0)
    with forward_ad.dual_level():
        duals = []
        for x in diff_inputs:
            u = rng.random(x.numel()).reshape(tuple(x.shape))
            duals.append(forward_ad.make_dual(x.detach(), tocha.from_numpy(u).to(dtype=x.dtype, device=x.device)))
        for x in diff_inputs:
            by_id = {id(t): d for t, d in zip(diff_inputs, duals, strict=True)}
            by_id[id(x)] = forward_ad.make_dual(x.detach(), tocha.zeros_like(x.detach()))
            outs_zero = _as_tuple(func(*_replace_tensors(tupled_inputs, by_id)))
            by_id[id(x)] = x.detach()
            outs_none = _as_tuple(func(*_replace_tensors(tupled_inputs, by_id)))
            for k, pos in enumerate(out_positions):
                res1 = forward_ad.unpack_dual(outs_zero[pos]).tangent
                res2 = forward_ad.unpack_dual(outs_none[pos]).tangent
                if res1 is None or res2 is None:
                    continue
                if not np.allclose(_host(res1), _host(res2)):
                    raise GradcheckError(
                        f"Mismatch in tangent values for output with index: {k} when input: {x.detach()} has an "
                        f"undefined tangent value.  Got: {res1} but expected: {res2}"
                    )


# ------------------------------------------------------------------ batched gradients


_BATCHED_HELP = (
    "gradcheck or gradgradcheck failed while testing batched gradient computation: the gradients computed for "
    "a batch of grad_outputs by tocha.func.vmap (one call per batch entry, on views of the stacked batch) differ "
    "from those computed one by one. Look for a backward that depends on the memory layout of its incoming "
    "gradient, writes into it, or keeps state between calls; or pass check_batched_grad=False."
)
_BATCHED_FORWARD_HELP = (
    "gradcheck failed while testing batched gradient computation with forward-mode AD: the jvps computed for a "
    "batch of tangents by tocha.func.vmap differ from those computed one by one. Look for a forward derivative "
    "(Function.jvp) that depends on the memory layout of its tangent, writes into it, or keeps state between "
    "calls; or pass check_batched_forward_grad=False."
)


def _batched_mismatch(output_idx: int, input_idx: int, res: Any, exp: Any, help_text: str) -> GradcheckError:
    return GradcheckError(
        f"For output {output_idx} and input {input_idx}:\n\n{help_text}\n\nGot:\n{res}\n\nExpected:\n{exp}"
    )


def _compare_batched(result: Sequence[Any], expected: Sequence[Any], output_idx: int | None, help_text: str) -> None:
    for k, (res, exp) in enumerate(zip(result, expected, strict=True)):
        if not tocha.allclose(res, exp):
            raise _batched_mismatch(k if output_idx is None else output_idx, k, res, exp, help_text)


def _check_batched_grad(diff_inputs: list[Any], output: Any, output_idx: int) -> None:
    """vjps of two random grad_outputs: through ``tocha.func.vmap`` against a loop (PyTorch's batched-grad check)."""

    def vjp(v: Any) -> tuple[Any, ...]:
        grads = _grad(output, diff_inputs, v, retain_graph=True, allow_unused=True)
        return tuple(
            g if g is not None else tocha.zeros((), dtype=x.dtype, device=x.device).expand(x.shape)
            for g, x in zip(grads, diff_inputs, strict=True)
        )

    grad_outputs = [tocha.randn_like(output) for _ in range(2)]
    expected = [tocha.stack(shards) for shards in zip(*(vjp(v) for v in grad_outputs), strict=True)]
    try:
        result = tocha.func.vmap(vjp)(tocha.stack(grad_outputs))
    except RuntimeError as error:
        raise GradcheckError(f"While computing batched gradients, got: {error}\n\n{_BATCHED_HELP}") from error
    _compare_batched(result, expected, output_idx, _BATCHED_HELP)


def _check_batched_forward_grad(func: Callable[..., Any], tupled_inputs: tuple[Any, ...]) -> None:
    """jvps of two random tangents per input: through ``tocha.func.vmap`` against a loop."""
    for index, current in enumerate(tupled_inputs):
        if not (is_tensor_like(current) and current.requires_grad and _is_differentiable_dtype(current)):
            continue

        def jvp(tangent: Any, index: int = index, current: Any = current) -> tuple[Any, ...]:
            with forward_ad.dual_level():
                dual = forward_ad.make_dual(current.detach(), tangent)
                args = tuple(
                    dual if k == index else (x.detach() if is_tensor_like(x) else x)
                    for k, x in enumerate(tupled_inputs)
                )
                found = []
                for out in _as_tuple(func(*args)):
                    if out is None:
                        continue
                    primal, tangent_out = forward_ad.unpack_dual(out)
                    if tangent_out is None:
                        tangent_out = tocha.zeros((), dtype=primal.dtype, device=primal.device).expand(primal.shape)
                    found.append(tangent_out)
                return tuple(found)

        tangents = [tocha.randn_like(current) for _ in range(2)]
        expected = [tocha.stack(shards) for shards in zip(*(jvp(t) for t in tangents), strict=True)]
        try:
            result = tocha.func.vmap(jvp)(tocha.stack(tangents))
        except RuntimeError as error:
            raise GradcheckError(
                f"While computing batched gradients, got: {error}\n\n{_BATCHED_FORWARD_HELP}"
            ) from error
        _compare_batched(result, expected, None, _BATCHED_FORWARD_HELP)


# ------------------------------------------------------------------ public


def gradcheck(
    func: Callable[..., Any],
    inputs: Any,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_batched_forward_grad: bool = False,
    check_forward_ad: bool = False,
    check_backward_ad: bool = True,
    fast_mode: bool = False,
    masked: bool | None = None,
) -> bool:
    """Check the gradients of ``func`` at ``inputs`` against central finite differences (NOTE [ gradcheck ]).

    Inputs that require grad should be float64 or complex128. Each is perturbed in place (and restored).
    Forward mode (``check_forward_ad=True``) gives ``func`` dual tensors made from the detached inputs.

    Args:
        func: a function of tensors returning a tensor or a tuple of tensors.
        inputs: a tensor or a tuple of arguments (tensors may sit in nested lists/tuples).
        eps: the finite-difference step.
        atol: absolute tolerance.
        rtol: relative tolerance.
        raise_exception: raise :class:`GradcheckError` on failure (else return False).
        nondet_tol: how far two backward passes with the same grad_output may differ.
        check_undefined_grad: check that backward from one output alone works for multi-output functions.
        check_grad_dtypes: check that gradients have their input's dtype and device.
        check_batched_grad: check that the vjps of a batch of random grad_outputs computed through
            ``tocha.func.vmap`` equal those computed one by one (NOTE [ gradcheck ]).
        check_batched_forward_grad: the same for the jvps of a batch of random tangents (needs
            ``check_forward_ad``).
        check_forward_ad: also check forward mode (``tocha.autograd.forward_ad``): the Jacobian from one-hot
            tangents pushed through ``func`` against the numerical one (NOTE [ gradcheck ]).
        check_backward_ad: check the backward-mode gradients; at least one of the two modes must be checked.
        fast_mode: compare ``v^T J u`` (backward mode) and ``J u`` (forward mode) for random vectors instead of
            whole Jacobians.
        masked: accepted for compatibility (tocha has no sparse tensors).

    Returns:
        True when every check passes.

    Raises:
        GradcheckError: a check failed and ``raise_exception`` is True.
        ValueError: no input requires grad.

    Example:
        >>> import tocha
        >>> x = tocha.tensor([0.5, -1.5], dtype=tocha.float64, requires_grad=True)
        >>> tocha.autograd.gradcheck(lambda t: (t * t).sin(), (x,))
        True
        >>> tocha.autograd.gradcheck(lambda t: t.exp() * t, (x,), check_forward_ad=True, check_backward_ad=False)
        True
    """
    del masked
    if not (check_forward_ad or check_backward_ad):
        raise AssertionError("Expected at least one of check_forward_ad or check_backward_ad to be True")
    if check_batched_grad and not check_backward_ad:
        raise AssertionError("Setting check_batched_grad=True requires check_backward_ad to be True")
    if check_batched_forward_grad and not check_forward_ad:
        raise AssertionError("Setting check_batched_forward_grad=True requires check_forward_ad to be True")
    tupled_inputs = _as_tuple(inputs)
    try:
        _gradcheck(
            func,
            tupled_inputs,
            eps=eps,
            atol=atol,
            rtol=rtol,
            nondet_tol=nondet_tol,
            check_undefined_grad=check_undefined_grad,
            check_grad_dtypes=check_grad_dtypes,
            check_forward_ad=check_forward_ad,
            check_backward_ad=check_backward_ad,
            fast_mode=fast_mode,
            check_batched_grad=check_batched_grad,
            check_batched_forward_grad=check_batched_forward_grad,
        )
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def _gradcheck(
    func: Callable[..., Any],
    tupled_inputs: tuple[Any, ...],
    *,
    eps: float,
    atol: float,
    rtol: float,
    nondet_tol: float,
    check_undefined_grad: bool,
    check_grad_dtypes: bool,
    check_forward_ad: bool,
    check_backward_ad: bool,
    fast_mode: bool,
    check_batched_grad: bool = False,
    check_batched_forward_grad: bool = False,
) -> None:
    diff_inputs = _check_inputs(tupled_inputs)
    with tocha.enable_grad():
        raw_outputs = _as_tuple(func(*tupled_inputs))
    positions = [k for k, o in enumerate(raw_outputs) if is_tensor_like(o) and o.requires_grad]
    outputs = tuple(raw_outputs[k] for k in positions)
    if not outputs:
        _check_no_differentiable_outputs(func, tupled_inputs, diff_inputs, eps)
        return
    if check_backward_ad:
        _backward_checks(
            func,
            tupled_inputs,
            diff_inputs,
            outputs,
            positions,
            eps=eps,
            atol=atol,
            rtol=rtol,
            nondet_tol=nondet_tol,
            check_undefined_grad=check_undefined_grad,
            check_grad_dtypes=check_grad_dtypes,
            fast_mode=fast_mode,
            check_batched_grad=check_batched_grad,
        )
    if check_forward_ad:
        forward_check = _fast_forward_check if fast_mode else _slow_forward_check
        with tocha.enable_grad():  # gradgradcheck's function runs the engine on the dual tensors
            forward_check(
                func,
                tupled_inputs,
                diff_inputs,
                outputs,
                positions,
                eps=eps,
                atol=atol,
                rtol=rtol,
                check_grad_dtypes=check_grad_dtypes,
            )
            if check_undefined_grad:
                _check_undefined_forward_grad(func, tupled_inputs, diff_inputs, positions)
            if check_batched_forward_grad:
                _check_batched_forward_grad(func, tupled_inputs)


def _backward_checks(
    func: Callable[..., Any],
    tupled_inputs: tuple[Any, ...],
    diff_inputs: list[Any],
    outputs: tuple[Any, ...],
    positions: list[int],
    *,
    eps: float,
    atol: float,
    rtol: float,
    nondet_tol: float,
    check_undefined_grad: bool,
    check_grad_dtypes: bool,
    fast_mode: bool,
    check_batched_grad: bool = False,
) -> None:
    check = _fast_check if fast_mode else _slow_check
    with tocha.enable_grad():
        check(
            func,
            tupled_inputs,
            diff_inputs,
            outputs,
            positions,
            eps=eps,
            atol=atol,
            rtol=rtol,
            nondet_tol=nondet_tol,
            check_grad_dtypes=check_grad_dtypes,
        )
        if check_batched_grad:
            for k, output in enumerate(outputs):
                _check_batched_grad(diff_inputs, output, k)
        _check_backward_mul_by_grad_output(outputs, diff_inputs)
        if check_undefined_grad:
            _check_undefined_grad(outputs, diff_inputs)


def gradgradcheck(
    func: Callable[..., Any],
    inputs: Any,
    grad_outputs: Any = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    gen_non_contig_grad_outputs: bool = False,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_fwd_over_rev: bool = False,
    check_rev_over_rev: bool = True,
    fast_mode: bool = False,
    masked: bool = False,
) -> bool:
    """Check the second derivatives of ``func``: :func:`gradcheck` of its vector-Jacobian product.

    The checked function maps ``(*inputs, *grad_outputs)`` to ``grad(func(*inputs), inputs, grad_outputs,
    create_graph=True)``; ``grad_outputs`` are random in ``[-1, 1)`` (requiring grad) when not given.

    Args:
        func: a function of tensors returning a tensor or a tuple of tensors.
        inputs: a tensor or a tuple of arguments.
        grad_outputs: one gradient per differentiable output, or None for random ones.
        eps: the finite-difference step.
        atol: absolute tolerance.
        rtol: relative tolerance.
        gen_non_contig_grad_outputs: make the random grad_outputs non-contiguous.
        raise_exception: raise :class:`GradcheckError` on failure (else return False).
        nondet_tol: how far two backward passes may differ.
        check_undefined_grad: see :func:`gradcheck`.
        check_grad_dtypes: see :func:`gradcheck`.
        check_batched_grad: check batched vjps of the vjp function (see :func:`gradcheck`).
        check_fwd_over_rev: check forward-over-reverse: :func:`gradcheck` with ``check_forward_ad=True`` on the
            vector-Jacobian product (tangents pushed through the backward pass).
        check_rev_over_rev: check reverse-over-reverse; at least one of the two modes must be checked, and
            ``check_undefined_grad`` needs this one (pass ``check_undefined_grad=False`` without it).
        fast_mode: see :func:`gradcheck`.
        masked: accepted for compatibility.

    Returns:
        True when every check passes.

    Example:
        >>> import tocha
        >>> x = tocha.tensor([0.5, -1.5], dtype=tocha.float64, requires_grad=True)
        >>> tocha.autograd.gradgradcheck(lambda t: t.exp() * t, (x,))
        True
        >>> tocha.autograd.gradgradcheck(lambda t: t.exp() * t, (x,), check_fwd_over_rev=True)
        True
    """
    if not (check_fwd_over_rev or check_rev_over_rev):
        raise AssertionError("Expected at least one of check_fwd_over_rev or check_rev_over_rev to be True")
    if check_undefined_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_undefined_grad=True requires check_rev_over_rev to be True")
    if check_batched_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_batched_grad=True requires check_rev_over_rev to be True")
    tupled_inputs = _as_tuple(inputs)
    if grad_outputs is None:
        with tocha.enable_grad():
            outputs = _differentiable_outputs(func(*tupled_inputs))
        tupled_grad_outputs = tuple(
            tocha.testing.make_tensor(
                tuple(o.shape),
                dtype=o.dtype,
                device=o.device,
                low=-1,
                high=1,
                requires_grad=True,
                noncontiguous=gen_non_contig_grad_outputs,
            )
            for o in outputs
        )
    else:
        tupled_grad_outputs = _as_tuple(grad_outputs)
    num_outputs = len(tupled_grad_outputs)
    n_inputs = len(tupled_inputs)
    # Forward mode passes detached dual tensors: remember which tensors require grad, to turn it back on.
    input_mask = [t.requires_grad for t in _iter_tensors(tupled_inputs, False)]
    grad_output_mask = [t.requires_grad for t in _iter_tensors(tupled_grad_outputs, False)]

    def new_func(*args: Any) -> tuple[Any, ...]:
        input_args = args[:n_inputs]
        grad_outs = args[n_inputs : n_inputs + num_outputs]
        diff_input_args = _restore_requires_grad(input_args, input_mask)
        _restore_requires_grad(grad_outs, grad_output_mask)
        outs = _differentiable_outputs(func(*input_args))
        grad_inputs = _grad(outs, diff_input_args, grad_outs, create_graph=True, allow_unused=True)
        return tuple(g for g in grad_inputs if g is not None)

    return gradcheck(
        new_func,
        tupled_inputs + tupled_grad_outputs,
        eps=eps,
        atol=atol,
        rtol=rtol,
        raise_exception=raise_exception,
        nondet_tol=nondet_tol,
        check_undefined_grad=check_undefined_grad,
        check_grad_dtypes=check_grad_dtypes,
        check_batched_grad=check_batched_grad,
        check_forward_ad=check_fwd_over_rev,
        check_backward_ad=check_rev_over_rev,
        fast_mode=fast_mode,
        masked=masked,
    )


def _restore_requires_grad(args: tuple[Any, ...], mask: list[bool]) -> list[Any]:
    """The tensors of ``args`` that ``mask`` marks, each made to require grad (forward mode detached them)."""
    chosen = []
    for t, wanted in zip(_iter_tensors(args, False), mask, strict=True):
        if wanted:
            if not t.requires_grad:
                t.requires_grad_()
            chosen.append(t)
    return chosen


gradcheck.GradcheckError = GradcheckError  # type: ignore[attr-defined]
