"""The gradient layer: records ops on tensors that require grad as graph nodes.

tensor-core's dispatcher hands this layer every op call in which grad mode is
on and some input requires grad (NOTE [ Dispatch ] in tocha._dispatch). The
layer runs the kernel, then attaches an :class:`OpNode` holding exactly what
the op's vjp reads (NOTE [ Saved tensors ]).

In-place calls (``call.out`` set) rebase the target's history onto the new
node; a leaf that requires grad refuses, as in PyTorch. An input the vjp needs
that is also the in-place target is cloned before the kernel overwrites it.

:func:`record` runs once per recorded op, so it is written for speed: what can
be known from the op alone is computed once per op (:class:`_OpFacts`), the
common call (tensor and scalar inputs, one output, no saved-tensor hooks)
reads each tensor input once (``tocha.library.autograd_state``) in one loop
over the inputs, unrolled for one or two inputs (nearly every op), and list
inputs, several outputs or hooks go the general way (:func:`_record_general`).
Out-of-place calls made without dispatch layers arrive at :func:`record_direct`
(``set_gradient_layer``'s ``direct`` entry) as ``(op, device, inputs, params)``:
its fast path builds no OpCall, reads one per-thread flag for "no saved-tensor
hooks, anomaly mode off" (``_saved_hooks._state.plain``) and sets the node's
fields itself; anything else it hands to :func:`record`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tocha import Tensor
from tocha.library import (
    OpCall,
    OpRecord,
    autograd_meta,
    autograd_state,
    is_tensor_like,
    run_kernel,
    run_kernel_direct,
    set_history,
    tensor_version,
    view_base,
)

from . import _anomaly, _saved_hooks
from ._node import (
    Node,
    OpNode,
    OverwriteNode,
    SavedTensor,
    _sequence,
    attach,
    differentiable_dtype,
    edge_of,
    meta_of,
    op_node_class,
)
from ._views import rebase_view

__all__ = ["record", "record_direct"]

_NO_EDGE: tuple[None, int] = (None, 0)
_hook_stack = _saved_hooks._state  # per-thread; ``.stack`` is read once per call (see _saved_hooks.current)
_anomaly_state = _anomaly._state


class _OpFacts:
    """What :func:`record` needs to know about an op, computed once per op."""

    __slots__ = ("allowed", "node_class", "num_outputs", "op", "plain", "saves", "saves0", "saves1", "saves_result",
                 "view", "vjp")  # fmt: skip

    def __init__(self, op: OpRecord) -> None:
        self.op = op
        self.vjp = op.vjp
        self.allowed = None if op.differentiable_inputs is None else frozenset(op.differentiable_inputs)
        self.saves = frozenset(op.saves_inputs)
        self.saves0 = 0 in self.saves
        self.saves1 = 1 in self.saves
        self.saves_result = bool(op.saves_result)
        self.num_outputs = op.num_outputs
        self.view = bool(op.view)
        self.node_class = op_node_class(op)
        self.plain = op.vjp is not None and op.num_outputs == 1  # record_direct's fast path may take it


_FACTS: dict[int, _OpFacts] = {}
_DIFFERENTIABLE: dict[Any, bool] = {}  # dtype -> whether a result of that dtype carries a gradient


def _facts_of(op: OpRecord) -> _OpFacts:
    facts = _FACTS.get(id(op))
    if facts is None or facts.op is not op:  # an id can be reused after an op record is dropped
        facts = _FACTS[id(op)] = _OpFacts(op)
    return facts


def record(call: OpCall, run_kernel: Callable[[OpCall], Any]) -> Any:
    """Run ``call`` and record it in the graph (the handler given to ``set_gradient_layer``)."""
    op = call.op
    facts = _FACTS.get(id(op))
    if facts is None or facts.op is not op:
        facts = _facts_of(op)
    if facts.vjp is None:
        return _run_untracked(call, run_kernel)
    if facts.num_outputs != 1 or _hook_stack.stack:
        return _record_general(call, run_kernel, facts)
    inputs = call.inputs
    allowed = facts.allowed
    saves = facts.saves
    out = call.out
    n = len(inputs)
    saved: tuple[Any, ...] = ()
    versions: tuple[int | None, ...] = ()
    edges: tuple[tuple[Node | None, int], ...]
    needs: tuple[bool, ...]
    shapes: tuple[Any, ...]
    dtypes: tuple[Any, ...]
    e0: tuple[Node | None, int]
    e1: tuple[Node | None, int]
    if n == 1 or n == 2:
        # One or two operands (nearly every recorded op): the loop below, unrolled.
        x0 = inputs[0]
        if isinstance(x0, Tensor):
            s0, d0, rg, fn, base, meta, v0, inference0 = autograd_state(x0)
            need0 = rg and (allowed is None or 0 in allowed)
            if not need0:
                e0 = _NO_EDGE
            elif fn is None or base is not None:
                e0 = edge_of(x0)
            else:  # edge_of(x0), inlined for the common case
                e0 = (fn, 0) if meta is None else (fn, meta.output_nr)
        elif type(x0) is list or type(x0) is tuple:
            return _record_general(call, run_kernel, facts)
        else:
            s0 = d0 = v0 = None
            need0 = inference0 = False
            e0 = _NO_EDGE
        if n == 1:
            if not need0:
                return _run_untracked(call, run_kernel)
            edges, needs, shapes, dtypes = (e0,), (True,), (s0,), (d0,)
            if saves and out is None:
                if facts.saves0:
                    if inference0:
                        raise RuntimeError(INFERENCE_SAVE_MESSAGE)
                    saved, versions = (x0,), (v0,)
                else:
                    saved, versions = (None,), (None,)
        else:
            x1 = inputs[1]
            kind1 = x1.__class__
            if kind1 is float or kind1 is int or not isinstance(x1, Tensor):  # a number (``y * 1.01``) first
                if kind1 is list or kind1 is tuple:
                    return _record_general(call, run_kernel, facts)
                s1 = d1 = v1 = None
                need1 = inference1 = False
                e1 = _NO_EDGE
            else:
                s1, d1, rg, fn, base, meta, v1, inference1 = autograd_state(x1)
                need1 = rg and (allowed is None or 1 in allowed)
                if not need1:
                    e1 = _NO_EDGE
                elif fn is None or base is not None:
                    e1 = edge_of(x1)
                else:
                    e1 = (fn, 0) if meta is None else (fn, meta.output_nr)
            if not (need0 or need1):
                return _run_untracked(call, run_kernel)
            edges, needs, shapes, dtypes = (e0, e1), (need0, need1), (s0, s1), (d0, d1)
            if saves and out is None:
                save0 = facts.saves0
                save1 = facts.saves1
                if (save0 and inference0) or (save1 and inference1):
                    raise RuntimeError(INFERENCE_SAVE_MESSAGE)
                saved = (x0 if save0 else None, x1 if save1 else None)
                versions = (v0 if save0 else None, v1 if save1 else None)
    else:
        edge_list: list[tuple[Node | None, int]] = []
        need_list: list[bool] = []
        shape_list: list[Any] = []
        dtype_list: list[Any] = []
        versions_list: list[int | None] = [None] * n
        wanted = False
        saves_inference = False
        for i, x in enumerate(inputs):
            if isinstance(x, Tensor):
                shape, dtype, requires_grad, fn, base, meta, version, inference = autograd_state(x)
                shape_list.append(shape)
                dtype_list.append(dtype)
                if i in saves:
                    versions_list[i] = version
                    saves_inference = saves_inference or inference
                if requires_grad and (allowed is None or i in allowed):
                    if fn is None or base is not None:
                        edge_list.append(edge_of(x))
                    else:  # edge_of(x), inlined for the common case
                        edge_list.append((fn, 0) if meta is None else (fn, meta.output_nr))
                    need_list.append(True)
                    wanted = True
                else:
                    edge_list.append(_NO_EDGE)
                    need_list.append(False)
            elif type(x) is list or type(x) is tuple:
                return _record_general(call, run_kernel, facts)
            else:
                shape_list.append(None)
                dtype_list.append(None)
                edge_list.append(_NO_EDGE)
                need_list.append(False)
        if not wanted:
            return _run_untracked(call, run_kernel)
        edges, needs, shapes, dtypes = tuple(edge_list), tuple(need_list), tuple(shape_list), tuple(dtype_list)
        if saves and out is None:
            if saves_inference:
                raise RuntimeError(INFERENCE_SAVE_MESSAGE)
            saved = tuple([x if k in saves else None for k, x in enumerate(inputs)])
            versions = tuple(versions_list)

    if out is not None:
        _check_inplace_target(out)
        if view_base(out) is not None:
            return rebase_view(call, run_kernel, record)
        if saves:
            saved, versions = _save_for_inplace(saves, inputs, out)

    result = run_kernel(call)

    node = facts.node_class(op, edges, None, call.params, shapes, dtypes, needs, saved, versions)
    if _anomaly_state.enabled:
        node._anomaly_trace = _anomaly.forward_trace()
    d = result.dtype
    differentiable = _DIFFERENTIABLE.get(d)
    if differentiable is None:
        differentiable = _DIFFERENTIABLE[d] = bool(d.is_floating_point or d.is_complex)
    if differentiable:
        set_history(result, node, True)
        if out is not None:
            meta = autograd_meta(result)
            if meta is not None:
                meta.output_nr = 0
        elif facts.view and view_base(result) is not None:
            meta_of(result).view_version = tensor_version(result)
    if facts.saves_result:
        node.result = result
        node._result_version = tensor_version(result)
    return result


def record_direct(op: OpRecord, dev: Any, inputs: tuple[Any, ...], params: tuple[Any, ...]) -> Any:
    """:func:`record` for an out-of-place call given as its parts (``set_gradient_layer``'s ``direct``).

    The hot path of recording (one or two inputs, tensors or numbers; one output; no saved-tensor hooks;
    anomaly mode off) builds no OpCall; anything else goes to :func:`record`.
    """
    facts = _FACTS.get(id(op))
    if facts is None:  # (no identity check needed: _FACTS keeps ``facts.op`` alive, so its id is not reused)
        facts = _facts_of(op)
    n = len(inputs)
    if not (facts.plain and _hook_stack.plain) or n > 2:
        return record(OpCall(op, dev, inputs, params), run_kernel)
    allowed = facts.allowed
    edges: tuple[tuple[Node | None, int], ...]
    shapes: tuple[Any, ...]
    dtypes: tuple[Any, ...]
    needs: tuple[bool, ...]
    saved: tuple[Any, ...] = ()
    versions: tuple[int | None, ...] = ()
    e0: tuple[Node | None, int]
    e1: tuple[Node | None, int]
    x0 = inputs[0]
    if isinstance(x0, Tensor):
        s0, d0, rg, fn, base, meta, v0, inference0 = autograd_state(x0)
        need0 = rg and (allowed is None or 0 in allowed)
        if not need0:
            e0 = _NO_EDGE
        elif fn is None or base is not None:
            e0 = edge_of(x0)
        else:  # edge_of(x0), inlined for the common case
            e0 = (fn, 0) if meta is None else (fn, meta.output_nr)
    elif type(x0) is list or type(x0) is tuple:
        return record(OpCall(op, dev, inputs, params), run_kernel)
    else:
        s0 = d0 = v0 = None
        need0 = inference0 = False
        e0 = _NO_EDGE
    if n == 1:
        if not need0:
            return run_kernel_direct(op, dev, inputs, params)
        if facts.saves0:
            if inference0:
                raise RuntimeError(INFERENCE_SAVE_MESSAGE)
            saved, versions = (x0,), (v0,)
        elif facts.saves:
            saved, versions = (None,), (None,)
        edges, shapes, dtypes, needs = (e0,), (s0,), (d0,), _NEEDS1
    else:
        x1 = inputs[1]
        kind1 = x1.__class__
        if kind1 is float or kind1 is int or not isinstance(x1, Tensor):  # a number (``y * 1.01``) first
            if kind1 is list or kind1 is tuple:
                return record(OpCall(op, dev, inputs, params), run_kernel)
            s1 = d1 = v1 = None
            need1 = inference1 = False
            e1 = _NO_EDGE
        else:
            s1, d1, rg, fn, base, meta, v1, inference1 = autograd_state(x1)
            need1 = rg and (allowed is None or 1 in allowed)
            if not need1:
                e1 = _NO_EDGE
            elif fn is None or base is not None:
                e1 = edge_of(x1)
            else:
                e1 = (fn, 0) if meta is None else (fn, meta.output_nr)
        if not (need0 or need1):
            return run_kernel_direct(op, dev, inputs, params)
        if facts.saves:
            save0 = facts.saves0
            save1 = facts.saves1
            if (save0 and inference0) or (save1 and inference1):
                raise RuntimeError(INFERENCE_SAVE_MESSAGE)
            saved = (x0 if save0 else None, x1 if save1 else None)
            versions = (v0 if save0 else None, v1 if save1 else None)
        edges, shapes, dtypes, needs = (e0, e1), (s0, s1), (d0, d1), (need0, need1)
    result = run_kernel_direct(op, dev, inputs, params)
    if _INLINE_NODE:  # OpNode.__init__, inlined (one call less per recorded op)
        node = _new(facts.node_class)
        node.next_functions = edges
        node.num_outputs = 1
        node._sequence_nr = next(_sequence)
        node._extra = None
        node._op = op
        node._layout = None
        node.params = params
        node.input_shapes = shapes
        node.input_dtypes = dtypes
        node.needs_input_grad = needs
        node.inputs = saved
        node._saved_versions = versions
        node.result = None
        node._result_version = -1
        node._released = False
    else:
        node = facts.node_class(op, edges, None, params, shapes, dtypes, needs, saved, versions)
    d = result.dtype
    differentiable = _DIFFERENTIABLE.get(d)
    if differentiable is None:
        differentiable = _DIFFERENTIABLE[d] = bool(d.is_floating_point or d.is_complex)
    if differentiable:
        set_history(result, node, True)
        if facts.view and view_base(result) is not None:
            meta_of(result).view_version = tensor_version(result)
    if facts.saves_result:
        node.result = result
        node._result_version = tensor_version(result)
    return result


_NEEDS1 = (True,)  # the needs_input_grad of every one-input node
_new = object.__new__


def _slots_of(cls: type) -> set[str]:
    return {name for klass in cls.__mro__ for name in getattr(klass, "__slots__", ())} - {"__weakref__"}


# record_direct sets these OpNode fields itself, as OpNode.__init__ does; should OpNode's fields change, it
# calls the constructor instead.
_INLINE_NODE = _slots_of(OpNode) == {
    "next_functions", "num_outputs", "_sequence_nr", "_extra", "_op", "_layout", "params", "input_shapes",
    "input_dtypes", "needs_input_grad", "inputs", "_saved_versions", "result", "_result_version", "_released",
}  # fmt: skip


def _save_for_inplace(
    saves: frozenset[int], inputs: tuple[Any, ...], out: Any
) -> tuple[tuple[Any, ...], tuple[int | None, ...]]:
    """The saved inputs and their versions of an in-place call (an input that is the target is cloned)."""
    n = len(inputs)
    saved_list: list[Any] = [None] * n
    version_list: list[int | None] = [None] * n
    for k in saves:
        if k < n:
            x = inputs[k]
            if isinstance(x, Tensor):
                if x.is_inference():
                    raise RuntimeError(INFERENCE_SAVE_MESSAGE)
                if x is out:
                    x = x.detach().clone()  # the kernel is about to overwrite it
                version_list[k] = tensor_version(x)
            saved_list[k] = x
    return tuple(saved_list), tuple(version_list)


def _record_general(call: OpCall, run_kernel: Callable[[OpCall], Any], facts: _OpFacts) -> Any:
    """:func:`record` for list inputs, several outputs or active saved-tensor hooks."""
    op = call.op
    inputs = call.inputs
    allowed = facts.allowed
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
    saved_inputs = _save_inputs(facts.saves, inputs, out, hooks)
    result = run_kernel(call)

    node: OpNode = facts.node_class(
        op,
        tuple(edges),
        tuple(layout),
        call.params,
        tuple(tuple(x.shape) if is_tensor_like(x) else None for x in inputs),
        tuple(x.dtype if is_tensor_like(x) else None for x in inputs),
        tuple(needs),
    )
    node.inputs = saved_inputs
    node._saved_versions = None  # SavedTensor entries
    if _anomaly.is_enabled():
        node._anomaly_trace = _anomaly.forward_trace()
    if op.num_outputs == 1:
        if differentiable_dtype(result):
            attach(result, node, 0)
            if op.view and view_base(result) is not None:
                meta_of(result).view_version = tensor_version(result)
        if op.saves_result:
            node.result = SavedTensor(result, hooks)
    else:
        differentiable = op.differentiable_outputs
        for k, r in enumerate(result):
            if is_tensor_like(r) and differentiable_dtype(r) and (differentiable is None or k in differentiable):
                attach(r, node, k)
        if op.saves_result:
            node.result = tuple(SavedTensor(r, hooks) if is_tensor_like(r) else None for r in result)
    return result


def _run_untracked(call: OpCall, run_kernel: Callable[[OpCall], Any]) -> Any:
    out = call.out
    if out is not None and out.requires_grad:
        _check_inplace_target(out)
        if view_base(out) is not None:  # the base's history must learn that these elements were overwritten
            return rebase_view(call, run_kernel, record)
        edge = edge_of(out)
        result = run_kernel(call)
        if differentiable_dtype(out):  # overwritten by a non-differentiable op: zeros flow back, as in PyTorch
            attach(out, OverwriteNode(call.op.name, edge), 0)
        else:
            set_history(out, None, False)
        return result
    return run_kernel(call)


def _check_inplace_target(out: Any) -> None:
    if out.requires_grad and out.grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")


INFERENCE_SAVE_MESSAGE = (
    "Inference tensors cannot be saved for backward. Please do not use Tensors created in inference mode in "
    "computation tracked by autograd. To work around this, you can make a clone to get a normal tensor and use it "
    "in autograd, or use `tocha.no_grad()` instead of `tocha.inference_mode()`."
)


def _save_inputs(indices: frozenset[int], inputs: tuple[Any, ...], out: Any, hooks: Any) -> tuple[Any, ...]:
    if not indices:
        return ()
    saved: list[Any] = []
    for i, x in enumerate(inputs):
        if i not in indices or i >= len(inputs):
            saved.append(None)
        elif is_tensor_like(x):
            if x.is_inference():
                raise RuntimeError(INFERENCE_SAVE_MESSAGE)
            if out is not None and x is out:
                x = x.detach().clone()  # the kernel is about to overwrite it
            saved.append(SavedTensor(x, hooks))
        elif type(x) is list or type(x) is tuple:
            if any(is_tensor_like(t) and t.is_inference() for t in x):
                raise RuntimeError(INFERENCE_SAVE_MESSAGE)
            saved.append([SavedTensor(t, hooks) if is_tensor_like(t) else t for t in x])
        else:
            saved.append(x)
    return tuple(saved)
