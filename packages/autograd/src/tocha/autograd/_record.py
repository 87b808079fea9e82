"""The gradient layer: records ops on tensors that require grad as graph nodes.

tensor-core's dispatcher hands this layer every op call in which grad mode is
on and some input requires grad (NOTE [ Dispatch ] in tocha._dispatch). The
layer runs the kernel, then attaches an :class:`OpNode` holding exactly what
the op's vjp reads (NOTE [ Saved tensors ]).

In-place calls (``call.out`` set) rebase the target's history onto the new
node; a leaf that requires grad refuses, as in PyTorch. An input the vjp needs
that is also the in-place target is cloned before the kernel overwrites it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tocha.library import OpCall, autograd_meta, is_tensor_like, set_history, tensor_version, view_base

from . import _anomaly, _saved_hooks
from ._node import Node, SavedTensor, edge_of, meta_of, op_node_class
from ._views import rebase_view

__all__ = ["record"]

_NO_EDGE: tuple[None, int] = (None, 0)


def _differentiable_dtype(t: Any) -> bool:
    d = t.dtype
    return bool(d.is_floating_point or d.is_complex)


def record(call: OpCall, run_kernel: Callable[[OpCall], Any]) -> Any:
    """Run ``call`` and record it in the graph (the handler given to ``set_gradient_layer``)."""
    op = call.op
    if op.vjp is None:
        return _run_untracked(call, run_kernel)
    inputs = call.inputs
    allowed = op.differentiable_inputs
    edges: list[tuple[Node | None, int]] = []
    layout: list[int] = []
    needs: list[bool] = []
    for i, x in enumerate(inputs):
        usable = allowed is None or i in allowed
        if is_tensor_like(x):
            need = usable and x.requires_grad
            edges.append(edge_of(x) if need else _NO_EDGE)
            layout.append(-1)
            needs.append(need)
        elif type(x) is list or type(x) is tuple:
            flags = [usable and is_tensor_like(t) and t.requires_grad for t in x]
            edges.extend(edge_of(t) if f else _NO_EDGE for t, f in zip(x, flags, strict=True))
            layout.append(len(x))
            needs.append(any(flags))
        else:
            edges.append(_NO_EDGE)
            layout.append(-1)
            needs.append(False)
    if not any(needs):
        return _run_untracked(call, run_kernel)

    out = call.out
    hooks = _saved_hooks.current()
    if out is not None:
        _check_inplace_target(out)
        if view_base(out) is not None:
            return rebase_view(call, run_kernel, record)
    saved_inputs = _save_inputs(op.saves_inputs, inputs, out, hooks)
    result = run_kernel(call)

    node = op_node_class(op)(
        op,
        tuple(edges),
        tuple(layout),
        call.params,
        tuple(tuple(x.shape) if is_tensor_like(x) else None for x in inputs),
        tuple(x.dtype if is_tensor_like(x) else None for x in inputs),
        tuple(needs),
    )
    node._saved_inputs = saved_inputs
    if _anomaly.is_enabled():
        node._anomaly_trace = _anomaly.forward_trace()
    if op.num_outputs == 1:
        if _differentiable_dtype(result):
            _attach(result, node, 0)
            if op.view and view_base(result) is not None:
                meta_of(result).view_version = tensor_version(result)
        if op.saves_result:
            node._saved_result = SavedTensor(result, hooks)
    else:
        differentiable = op.differentiable_outputs
        for k, r in enumerate(result):
            if is_tensor_like(r) and _differentiable_dtype(r) and (differentiable is None or k in differentiable):
                _attach(r, node, k)
        if op.saves_result:
            node._saved_result = tuple(SavedTensor(r, hooks) if is_tensor_like(r) else None for r in result)
    return result


def _attach(t: Any, node: Node, output_nr: int) -> None:
    set_history(t, node, True)
    if output_nr or autograd_meta(t) is not None:
        meta_of(t).output_nr = output_nr


def _run_untracked(call: OpCall, run_kernel: Callable[[OpCall], Any]) -> Any:
    out = call.out
    if out is not None and out.requires_grad:
        _check_inplace_target(out)
        result = run_kernel(call)
        set_history(out, None, False)  # overwritten by a non-differentiable op: no gradient flows back
        return result
    return run_kernel(call)


def _check_inplace_target(out: Any) -> None:
    if out.requires_grad and out.grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")


def _save_inputs(indices: tuple[int, ...], inputs: tuple[Any, ...], out: Any, hooks: Any) -> tuple[Any, ...]:
    if not indices:
        return ()
    saved: list[Any] = []
    for i, x in enumerate(inputs):
        if i not in indices or i >= len(inputs):
            saved.append(None)
        elif is_tensor_like(x):
            if out is not None and x is out:
                x = x.detach().clone()  # the kernel is about to overwrite it
            saved.append(SavedTensor(x, hooks))
        elif type(x) is list or type(x) is tuple:
            saved.append([SavedTensor(t, hooks) if is_tensor_like(t) else t for t in x])
        else:
            saved.append(x)
    return tuple(saved)
