"""``check_vjp``: an op's vjp against central finite differences, without an autograd engine.

NOTE [ check_vjp ]
The function under test runs once under a recording dispatch layer, which
keeps every op call (op, inputs, params, result): a small tape. A random
cotangent ``g_j`` is drawn for each floating or complex output ``y_j``, which
defines the real scalar ``L = sum_j Re(sum(conj(g_j) * y_j))``. The tape is
then replayed backwards, calling each record's ``vjp`` directly with a
:class:`tocha.library.VjpContext` holding exactly what the op declares it
saves (``saves_inputs`` / ``saves_result``; other inputs are None, so a vjp
reading an undeclared input fails here). Multi-output ops receive a tuple of
gradients with None for outputs that carry none.

The numerical gradient perturbs each element of each floating/complex leaf
tensor of the sample by ``±eps`` (and ``±i·eps`` for complex leaves) and
re-runs the function: ``dL/dx + i·dL/dy``, which is PyTorch's convention for
complex gradients (the conjugate Wirtinger derivative, times two). Samples
should be float64 or complex128.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .._dispatch import DispatchLayer, OpCall, OpRecord, VjpContext
from .._dtype import _FLOAT
from .._tensor_base import TensorBase, wrap
from ._comparison import assert_close
from ._creation import make_tensor, manual_seed
from ._opdb import OpInfo, SampleInput, op_info

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = ["check_vjp"]


class _Tape(DispatchLayer):
    def __init__(self) -> None:
        self.entries: list[tuple[OpCall, Any]] = []

    def handle(self, call: OpCall, proceed: Callable[[OpCall], Any]) -> Any:
        result = proceed(call)
        self.entries.append((call, result))
        return result


def _differentiable(x: Any) -> bool:
    return isinstance(x, TensorBase) and x._dtype.category >= _FLOAT


def _flat_outputs(out: Any) -> list[Any]:
    if isinstance(out, TensorBase):
        return [out]
    if isinstance(out, (list, tuple)):
        return [t for t in out if isinstance(t, TensorBase)]
    raise TypeError(f"check_vjp(): the function returned {type(out).__name__}, expected tensors")


def _loss(outputs: list[Any], cotangents: list[Any]) -> float:
    total = 0.0
    for y, g in zip(outputs, cotangents, strict=False):
        if g is not None:
            total += float(np.real(np.sum(np.conj(np.asarray(g)) * np.asarray(y).astype(np.complex128))))
    return total


def _resolve(op_or_fn: Any) -> tuple[OpRecord | None, Callable[..., Any]]:
    if isinstance(op_or_fn, str):
        op_or_fn = op_info(op_or_fn)
    if isinstance(op_or_fn, OpRecord):
        op_or_fn = OpInfo(op_or_fn)
    if isinstance(op_or_fn, OpInfo):
        return op_or_fn.record, op_or_fn.run
    if callable(op_or_fn):
        return None, lambda s: op_or_fn(s.input, *s.args, **s.kwargs)
    raise TypeError(f"check_vjp(): expected an op name, OpRecord, OpInfo or callable, got {type(op_or_fn).__name__}")


def _add(a: Any, b: Any) -> Any:
    return b if a is None else a + b


def _backward(entries: list[tuple[OpCall, Any]], grads: dict[int, Any], frozen: set[int]) -> None:
    """Replay ``entries`` backwards, accumulating gradients by tensor identity into ``grads``."""
    for op_call, result in reversed(entries):
        op = op_call.op
        outs = list(result) if op.num_outputs != 1 else [result]
        out_grads = [grads.pop(id(o), None) for o in outs]
        if all(g is None for g in out_grads):
            continue
        if op.vjp is None:
            raise AssertionError(f"op '{op.name}' produced a floating result that needs a gradient but has no vjp")
        inputs = op_call.inputs
        ctx = VjpContext(
            inputs=tuple(x if i in op.saves_inputs else None for i, x in enumerate(inputs)),
            result=result if op.saves_result else None,
            params=op_call.params,
            input_shapes=tuple(tuple(x.shape) if isinstance(x, TensorBase) else None for x in inputs),
            input_dtypes=tuple(x.dtype if isinstance(x, TensorBase) else None for x in inputs),
            needs_input_grad=tuple(_needs_grad(op, i, x) for i, x in enumerate(inputs)),
        )
        grad_arg: Any = out_grads[0] if op.num_outputs == 1 else tuple(out_grads)
        in_grads = op.vjp(ctx, grad_arg)
        if len(in_grads) != len(inputs):
            raise AssertionError(f"op '{op.name}': vjp returned {len(in_grads)} gradients for {len(inputs)} inputs")
        for i, (x, g) in enumerate(zip(inputs, in_grads, strict=False)):
            _accumulate(op, i, x, g, grads, frozen)


def _needs_grad(op: OpRecord, i: int, x: Any) -> bool:
    if op.differentiable_inputs is not None and i not in op.differentiable_inputs:
        return False
    if isinstance(x, (list, tuple)):
        return any(_differentiable(t) for t in x)
    return _differentiable(x)


def _accumulate(op: OpRecord, i: int, x: Any, g: Any, grads: dict[int, Any], frozen: set[int]) -> None:
    if isinstance(x, (list, tuple)):
        if g is None:
            return
        if not isinstance(g, (list, tuple)) or len(g) != len(x):
            raise AssertionError(f"op '{op.name}': vjp must return one gradient per tensor of list input {i}")
        for xj, gj in zip(x, g, strict=False):
            _accumulate(op, i, xj, gj, grads, frozen)
        return
    if not _differentiable(x):
        return
    if op.differentiable_inputs is not None and i not in op.differentiable_inputs:
        frozen.add(id(x))
        return
    if g is None:
        return
    if not isinstance(g, TensorBase):
        raise AssertionError(f"op '{op.name}': vjp returned {type(g).__name__} for input {i}, expected a Tensor")
    if tuple(g.shape) != tuple(x.shape):
        raise AssertionError(
            f"op '{op.name}': vjp returned a gradient of shape {list(g.shape)} for input {i} of shape {list(x.shape)}"
        )
    if g.dtype is not x.dtype:
        raise AssertionError(f"op '{op.name}': vjp returned a {g.dtype!r} gradient for input {i} of dtype {x.dtype!r}")
    grads[id(x)] = _add(grads.get(id(x)), g)


def _numerical(run: Callable[[], Any], leaf: Tensor, outputs_cotangents: list[Any], eps: float) -> np.ndarray[Any, Any]:
    data = leaf._data
    host = np.asarray(leaf)
    is_complex = leaf.dtype.is_complex
    result = np.zeros(host.shape, dtype=np.complex128 if is_complex else np.float64)
    directions = (1.0, 1j) if is_complex else (1.0,)
    for index in np.ndindex(*host.shape):
        original = data[index].copy() if hasattr(data[index], "copy") else data[index]
        for direction in directions:
            values = []
            for sign in (1.0, -1.0):
                data[index] = original + sign * eps * direction
                values.append(_loss(_flat_outputs(run()), outputs_cotangents))
            data[index] = original
            derivative = (values[0] - values[1]) / (2 * eps)
            result[index] += derivative * (1 if direction == 1.0 else 1j)
    return result


def check_vjp(
    op_or_fn: Any,
    sample: SampleInput,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    cotangents: list[Any] | None = None,
) -> None:
    """Assert that the vjps behind ``op_or_fn(sample)`` agree with central finite differences.

    See NOTE [ check_vjp ]. ``op_or_fn`` is an op name, an ``OpRecord``, an
    :class:`OpInfo` (the op runs through its public function and must be
    called by it) or any callable ``fn(input, *args, **kwargs)`` built from
    tocha ops. Each vjp's gradients must have their input's shape and dtype.

    Args:
        op_or_fn: what to check.
        sample: the arguments; its floating/complex tensors are the leaves (use float64/complex128).
        eps: the finite-difference step.
        atol: absolute tolerance of the comparison.
        rtol: relative tolerance of the comparison.
        cotangents: the output cotangents (one per tensor output, None for none); random by default.

    Raises:
        AssertionError: a gradient differs from its numerical estimate, or a vjp is malformed.

    Example:
        >>> import tocha
        >>> from tocha.testing import SampleInput, check_vjp
        >>> x = tocha.tensor([1.0, -2.0, 3.0], dtype=tocha.float64)
        >>> check_vjp("mul", SampleInput(x, args=(x.clone(),)))
    """
    __tracebackhide__ = True
    record, fn = _resolve(op_or_fn)
    leaves = [t for t in sample.tensors() if _differentiable(t)]
    tape = _Tape()
    with tape:
        out = fn(sample)
    name = record.name if record is not None else getattr(op_or_fn, "__name__", repr(op_or_fn))
    if record is not None and not any(c.op is record for c, _ in tape.entries):
        raise AssertionError(f"check_vjp(): running op '{name}' on {sample!r} never called the op")
    outputs = _flat_outputs(out)
    if cotangents is None:
        manual_seed(1234)
        cotangents = [
            make_tensor(*y.shape, dtype=y.dtype, device=y.device, low=-1, high=1) if _differentiable(y) else None
            for y in outputs
        ]
    grads: dict[int, Any] = {}
    for y, g in zip(outputs, cotangents, strict=False):
        if g is not None:
            grads[id(y)] = _add(grads.get(id(y)), g)
    frozen: set[int] = set()
    _backward(tape.entries, grads, frozen)
    for position, leaf in enumerate(leaves):
        if id(leaf) in frozen:
            continue
        analytic = grads.get(id(leaf))
        expected = _numerical(lambda: fn(sample), leaf, cotangents, eps)
        if analytic is None:
            analytic_host = np.zeros(expected.shape, dtype=expected.dtype)
        else:
            analytic_host = np.asarray(analytic).astype(expected.dtype)
        header = f"vjp of {name} for tensor {position} of {sample!r} differs from finite differences:\n"
        assert_close(
            wrap(analytic_host, _cpu()),
            wrap(expected, _cpu()),
            atol=atol,
            rtol=rtol,
            msg=functools.partial(_prefixed, header),
        )


def _prefixed(header: str, message: str) -> str:
    return header + message


def _cpu() -> Any:
    from .._device import CPU

    return CPU
