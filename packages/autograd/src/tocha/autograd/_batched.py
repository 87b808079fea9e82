"""Gradients inside ``tocha.func.vmap``'s batched run, and ``grad(..., is_grads_batched=True)``.

NOTE [ Gradients of batched tensors ]
Inside a vmapped function a tensor that depends on the batch holds the whole batch, batch dimension first
(``tocha.library.unwrap_batched``), and the gradient layer records the ops on those batches. Entries never mix,
so the gradient of the sum over the batch of every entry's output, taken with respect to a batch of inputs, is
every entry's own gradient at once: :func:`grad` of outputs and inputs that hold the batch runs one backward
pass over the unwrapped batches and wraps the gradients again. This needs every input to hold the batch (an
entry's gradient with respect to a tensor the entries share cannot be told apart in a sum); otherwise it
raises, and vmap runs the function once per entry instead. Cotangents that alone hold the batch (the outputs
and inputs do not: ``is_grads_batched``, a vjp inside vmap) need nothing special: the backward pass runs on
them as on any batched values, through the batching rules.

``is_grads_batched=True`` is ``vmap`` of that backward pass over the first dimension of ``grad_outputs``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import tocha
from tocha.library import unwrap_batched, wrap_batched

GradFn = Callable[..., tuple[Any, ...]]


def innermost_batch(tensors: Sequence[Any]) -> tuple[int, int] | None:
    """The innermost vmap level any of ``tensors`` holds a batch of, and its batch size; None when none does."""
    found = None
    for t in tensors:
        u = None if t is None else unwrap_batched(t)
        if u is not None and (found is None or u[1] > found[0]):
            found = (u[1], u[0].shape[0])
    return found


def _at(t: Any, level: int) -> Any:
    """``t``'s batch when it holds that of vmap ``level``; None otherwise."""
    u = unwrap_batched(t)
    return u[0] if u is not None and u[1] == level else None


def _spread(t: Any, size: int) -> Any:
    """``t`` (the same for every entry) as a batch of ``size`` entries."""
    return t.unsqueeze(0).expand(size, *t.shape)


def grad_of_batches(
    grad: GradFn,
    level: int,
    outputs: tuple[Any, ...],
    inputs: tuple[Any, ...],
    grad_outputs: tuple[Any, ...],
    retain_graph: bool | None,
    create_graph: bool,
) -> list[Any]:
    """``grad`` of outputs and inputs holding the batch of vmap ``level``, from one backward pass over the batches.

    Returns the gradients (None where an input is unused) as tensors of that vmap.
    """
    values = []
    for k, t in enumerate(inputs):
        value = _at(t, level)
        if value is None:
            raise RuntimeError(
                f"autograd.grad() inside vmap: inputs[{k}] (shape {list(t.shape)}) does not depend on the batch, "
                "so each entry's gradient with respect to it needs a backward pass of its own"
            )
        values.append(value)
    size = values[0].shape[0]
    out_values, cotangents = [], []
    for o, g in zip(outputs, grad_outputs, strict=True):
        value = _at(o, level)
        if value is None:  # does not depend on the batch, so reaches no input: its gradient there is zero
            continue
        if g is None:
            if o.dim() != 0:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g_value = tocha.ones_like(value)
        else:
            g_value = _at(g, level)
            if g_value is None:
                g_value = _spread(g, size)
        out_values.append(value)
        cotangents.append(g_value)
    if not out_values:
        return [None] * len(inputs)
    found = grad(
        out_values, values, cotangents, retain_graph=retain_graph, create_graph=create_graph, allow_unused=True
    )
    return [None if g is None else wrap_batched(g, level) for g in found]


def grads_batched(
    grad: GradFn,
    outputs: tuple[Any, ...],
    inputs: tuple[Any, ...],
    grad_outputs: tuple[Any, ...],
    create_graph: bool,
) -> list[Any]:
    """``grad(..., is_grads_batched=True)``: one vector-Jacobian product per entry of the cotangents' first dimension.

    The graph is kept (a batch the backward pass cannot run batched is run once per entry): the caller frees it.
    """
    for k, (o, g) in enumerate(zip(outputs, grad_outputs, strict=True)):
        if g is None:
            raise ValueError(
                f"grad(): is_grads_batched=True takes a batch of cotangents for every output; grad_outputs[{k}] is None"
            )
        if g.dim() == 0 or tuple(g.shape[1:]) != tuple(o.shape):
            raise RuntimeError(
                "If `is_grads_batched=True`, we interpret the first dimension of each grad_output as the batch "
                "dimension. The sizes of the remaining dimensions are expected to match the shape of corresponding "
                f"output, but a mismatch was detected: grad_output[{k}] has a shape of {tocha.Size(g.shape[1:])!r} and "
                f"output[{k}] has a shape of {o.shape!r}. If you only want some tensors in `grad_output` to be "
                "considered batched, consider using vmap."
            )
    unused: list[bool] = []

    def one(*cotangents: Any) -> tuple[Any, ...]:
        found = grad(outputs, inputs, cotangents, retain_graph=True, create_graph=create_graph, allow_unused=True)
        unused[:] = [g is None for g in found]
        return tuple(g for g in found if g is not None)

    batched = iter(tocha.func.vmap(one)(*grad_outputs))
    return [None if gone else next(batched) for gone in unused]
