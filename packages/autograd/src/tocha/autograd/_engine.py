"""The backward engine: runs the graph from some outputs back to the leaves (or to given inputs).

Nodes run in dependency order (a node runs once every node that feeds it a
gradient has run), highest sequence number first among the ready ones, which
replays the tape in reverse. Gradients for one node output are summed before
the node runs. When only some inputs are wanted (``grad()`` or
``backward(inputs=...)``) only the nodes on a path to them run.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable, Sequence
from typing import Any

import tocha
from tocha.library import is_tensor_like

from . import _anomaly
from ._node import GradientEdge, Node, edge_or_tensor, hooks_saw_gradients

__all__ = ["current_pass", "queue_callback", "release_graph", "run_backward"]


class _Passes(threading.local):
    """This thread's backward passes in progress (nested: a hook may run a backward), innermost last: each one's
    id and the callbacks to run when it ends."""

    def __init__(self) -> None:
        self.stack: list[tuple[int, list[Callable[[], Any]]]] = []


_passes = _Passes()
_pass_ids = itertools.count(1)


def current_pass() -> int | None:
    """The id of the backward pass running in this thread (None outside backward)."""
    return _passes.stack[-1][0] if _passes.stack else None


def queue_callback(callback: Callable[[], Any]) -> None:
    """Run ``callback()`` when the backward pass running in this thread ends (PyTorch's
    ``Variable._execution_engine.queue_callback``)."""
    if not _passes.stack:
        raise RuntimeError("Final callbacks can only be installed during backward pass.")
    _passes.stack[-1][1].append(callback)


def _check_outputs(outputs: Sequence[Any], grad_outputs: Sequence[Any], create_graph: bool) -> list[Any]:
    grads: list[Any] = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs, strict=True)):
        if isinstance(out, GradientEdge):
            if not is_tensor_like(g):
                raise RuntimeError(f"grad_outputs[{i}] must be a Tensor: output {i} is a GradientEdge")
            grads.append(g if create_graph else g.detach())
            continue
        if not is_tensor_like(out):
            raise TypeError(f"backward(): expected a Tensor as output {i}, got {type(out).__name__}")
        if not out.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if out.numel() != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs (output {i} has shape "
                    f"{list(out.shape)}); pass gradient= (or grad_outputs=) with that shape"
                )
            if out.is_complex():
                raise RuntimeError(
                    f"grad can be implicitly created only for real scalar outputs but got {out.dtype} (output {i}); "
                    "pass gradient= (or grad_outputs=)"
                )
            g = tocha.ones_like(out)
        else:
            if not is_tensor_like(g):
                raise TypeError(f"backward(): gradient {i} must be a Tensor or None, got {type(g).__name__}")
            if tuple(g.shape) != tuple(out.shape):
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] has a shape "
                    f"of {out.shape}."
                )
            if g.dtype is not out.dtype:
                g = g.to(out.dtype)
            if not create_graph:
                g = g.detach()
        grads.append(g)
    return grads


def _dependencies(roots: list[Node]) -> dict[Node, int]:
    """Every node reachable from ``roots``, each with the count of edges into it (one pass)."""
    deps = dict.fromkeys(roots, 0)
    stack = list(deps)
    while stack:
        for child, _ in stack.pop().next_functions:
            if child is not None:
                count = deps.get(child)
                if count is None:
                    deps[child] = 1
                    stack.append(child)
                else:
                    deps[child] = count + 1
    return deps


def _needed_nodes(roots: list[Node], targets: set[Node]) -> dict[Node, int]:
    """Nodes on a path from ``roots`` to ``targets``, each with the count of needed nodes that feed it a gradient."""
    order: list[Node] = []
    seen: set[Node] = set()
    stack: list[tuple[Node, bool]] = [(r, False) for r in roots]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        for child, _ in node.next_functions:
            if child is not None and child not in seen:
                stack.append((child, False))
    needed: set[Node] = set()
    for node in order:  # children before parents
        if node in targets or any(c in needed for c, _ in node.next_functions if c is not None):
            needed.add(node)
    deps = dict.fromkeys(needed, 0)
    for node in needed:
        for child, _ in node.next_functions:
            if child is not None and child in needed:
                deps[child] += 1
    return deps


def run_backward(
    outputs: Sequence[Any],
    grad_outputs: Sequence[Any],
    *,
    retain_graph: bool,
    create_graph: bool,
    inputs: Sequence[Any] | None,
    accumulate: bool,
) -> list[Any]:
    """Propagate ``grad_outputs`` from ``outputs``; returns the gradients of ``inputs`` (when not accumulating)."""
    callbacks: list[Callable[[], Any]] = []
    _passes.stack.append((next(_pass_ids), callbacks))
    witnessed = hooks_saw_gradients()
    hooks_saw_gradients(False)
    try:
        captured = _run(outputs, grad_outputs, retain_graph, create_graph, inputs, accumulate)
    finally:
        _passes.stack.pop()
        hooks_saw_gradients(witnessed)
    for callback in callbacks:  # appended to while running: a callback may queue another
        callback()
    return captured


def _run(
    outputs: Sequence[Any],
    grad_outputs: Sequence[Any],
    retain_graph: bool,
    create_graph: bool,
    inputs: Sequence[Any] | None,
    accumulate: bool,
) -> list[Any]:
    grads = _check_outputs(outputs, grad_outputs, create_graph)
    roots = [edge_or_tensor(out) for out in outputs]
    capture: dict[tuple[Node, int], list[int]] = {}
    targets: set[Node] | None = None
    if inputs is not None:
        targets = set()
        for k, t in enumerate(inputs):
            edge = edge_or_tensor(t)
            capture.setdefault(edge, []).append(k)
            targets.add(edge[0])
    root_nodes = [root for root, _ in roots]
    deps = _dependencies(root_nodes) if targets is None else _needed_nodes(root_nodes, targets)
    buffers: dict[Node, list[Any]] = {}
    for (root, nr), g in zip(roots, grads, strict=True):
        if root in deps:
            _add_to(buffers, root, nr, g)
    captured: list[Any] = [None] * (0 if inputs is None else len(inputs))
    ready = [(-n._sequence_nr, id(n), n) for n in buffers if deps[n] == 0]
    heapq.heapify(ready)
    skip_leaves = not accumulate
    anomaly = _anomaly.is_enabled()
    deps_get = deps.get
    with tocha.set_grad_enabled(create_graph):
        # ``node`` is the next node to run. When a node makes exactly one node ready and none was waiting
        # (a chain), that one runs next, its gradients handed over directly instead of through the heap and
        # ``buffers``.
        node: Node | None = None
        grads_of: list[Any] | None = None
        while True:
            if node is None:
                if not ready:
                    break
                node = heapq.heappop(ready)[2]
                grads_of = buffers.pop(node, None)
            if grads_of is None:
                grads_of = [None] * node.num_outputs
            extra = node._extra
            if extra is not None and (extra.tensor_pre_hooks or extra.retained):
                _run_tensor_hooks(node, grads_of, create_graph)
            if capture:
                for nr, g in enumerate(grads_of):
                    for k in capture.get((node, nr), ()):
                        captured[k] = g
            if node.accumulates and (skip_leaves or (targets is not None and node not in targets)):
                in_grads: Sequence[Any] = ()
            elif anomaly or (extra is not None and (extra.pre_hooks or extra.hooks)):
                in_grads = _apply(node, grads_of, create_graph)
            else:
                in_grads = node.apply(grads_of, create_graph)
            if not retain_graph:
                node.release()
            following: Node | None = None
            following_grads: list[Any] | None = None
            for (child, nr), g in zip(node.next_functions, in_grads, strict=False):
                if child is None:
                    continue
                count = deps_get(child)
                if count is None:
                    continue
                if count != 1:  # more gradients to come: sum into the buffer
                    deps[child] = count - 1
                    if g is not None:
                        _add_to(buffers, child, nr, g)
                    continue
                deps[child] = 0  # the last gradient: the child is ready
                buf = buffers.pop(child, None) if buffers else None
                if g is not None:
                    if buf is None:
                        if nr == 0 and child.num_outputs == 1:
                            buf = [g]
                        else:
                            buf = [None] * child.num_outputs
                            buf[nr] = g
                    else:
                        previous = buf[nr]
                        buf[nr] = g if previous is None else previous + g
                if following is None and not ready:
                    following, following_grads = child, buf
                    continue
                if buf is not None:
                    buffers[child] = buf
                heapq.heappush(ready, (-child._sequence_nr, id(child), child))
                if following is not None:
                    if following_grads is not None:
                        buffers[following] = following_grads
                    heapq.heappush(ready, (-following._sequence_nr, id(following), following))
                    following = following_grads = None
            node, grads_of = following, following_grads
    return captured


def _add_to(buffers: dict[Node, list[Any]], node: Node, nr: int, g: Any) -> None:
    buf = buffers.get(node)
    if buf is None:
        buf = buffers[node] = [None] * node.num_outputs
    buf[nr] = g if buf[nr] is None else buf[nr] + g


def _run_tensor_hooks(node: Node, grads: list[Any], create_graph: bool) -> None:
    hooks = node._tensor_pre_hooks
    if hooks:
        hooks_saw_gradients(True)
        for nr, fns in hooks.items():
            for fn in list(fns):
                if grads[nr] is not None:
                    replaced = fn(grads[nr])
                    if replaced is not None:
                        grads[nr] = replaced
    retained = node._retained
    if retained:
        for nr, ref in retained.items():
            t = ref()
            g = grads[nr]
            if t is not None and g is not None:
                if t.grad is None:
                    t.grad = g if create_graph else g.detach().clone()
                else:
                    t.grad = t.grad + g


def _apply(node: Node, grads: list[Any], create_graph: bool) -> Sequence[Any]:
    """``node.apply`` with its pre-hooks and hooks, and the anomaly check (the engine's slow path)."""
    if node._pre_hooks or node._hooks:
        hooks_saw_gradients(True)
    for hook in list(node._pre_hooks or ()):
        replaced = hook(tuple(grads))
        if replaced is not None:
            grads = list(replaced)
    if all(g is None for g in grads):
        return [None] * len(node.next_functions)
    in_grads = node.apply(grads, create_graph)
    if node._hooks:
        for hook in list(node._hooks):
            replaced = hook(tuple(in_grads), tuple(grads))
            if replaced is not None:
                in_grads = list(replaced)
    if _anomaly.is_enabled():
        _anomaly.check(node, in_grads)
    return in_grads


def release_graph(outputs: Sequence[Any], inputs: Sequence[Any]) -> None:
    """Free what the nodes between ``outputs`` and ``inputs`` saved, as a backward pass without retain_graph would."""
    roots = [edge_or_tensor(out)[0] for out in outputs]
    for node in _needed_nodes(roots, {edge_or_tensor(t)[0] for t in inputs}):
        node.release()
