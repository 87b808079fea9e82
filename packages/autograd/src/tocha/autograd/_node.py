"""Graph nodes: one per recorded op (``grad_fn``), plus ``AccumulateGrad`` for leaves.

NOTE [ Saved tensors ]
A node keeps only what its op's vjp names (``saves_inputs`` / ``saves_result``)
as :class:`SavedTensor` objects, each with the version of its storage at save
time. Reading one after its storage was written in place raises PyTorch's
"modified by an inplace operation" error. A saved *output* is the output
tensor itself (its ``grad_fn`` is the node, which is what double backward
differentiates through); that node → output → node cycle is broken when
backward releases the node, and left to Python's cycle collector otherwise.
Backward without ``retain_graph`` releases every saved tensor of a node right
after the node runs, so memory falls as the backward pass proceeds.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import tocha
from tocha.library import (
    OpRecord,
    VjpContext,
    autograd_meta,
    set_autograd_meta,
    set_history,
    tensor_array,
    tensor_version,
    view_base,
)
from tocha.utils.hooks import RemovableHandle as _SharedHandle

__all__ = ["Node", "OpNode", "AccumulateGrad", "SavedTensor", "TensorMeta", "RemovableHandle", "meta_of"]

_sequence = itertools.count()

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they have already "
    "been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). "
    "Specify retain_graph=True if you need to backward through the graph a second time or if you need to access "
    "saved tensors after calling backward."
)


class RemovableHandle(_SharedHandle):
    """The handle of a hook kept in a list (tensor and node hooks): ``remove()`` takes it out.

    A ``tocha.utils.hooks.RemovableHandle``, as every hook handle is in PyTorch.
    """

    def __init__(self, hooks: list[Any], hook: Any) -> None:
        self._hooks = hooks
        self._hook = hook
        self.id = next(_SharedHandle._ids)
        self.extra_dict_ref = ()

    def remove(self) -> None:
        """Unregister the hook (idempotent)."""
        if any(h is self._hook for h in self._hooks):
            self._hooks.remove(self._hook)

    def __getstate__(self) -> Any:
        return (self._hooks, self._hook, self.id)

    def __setstate__(self, state: Any) -> None:
        self._hooks, self._hook, self.id = state
        self.extra_dict_ref = ()


class TensorMeta:
    """autograd's per-tensor record, stored with ``tocha.library.set_autograd_meta``."""

    __slots__ = ("__weakref__", "accumulate", "output_nr", "post_accumulate_hooks", "view_version")

    def __init__(self) -> None:
        self.output_nr = 0
        self.view_version = -1  # the storage version at which a view's history was made (-1: not a tracked view)
        self.accumulate: AccumulateGrad | None = None
        self.post_accumulate_hooks: list[Callable[[Any], None]] = []


def meta_of(t: Any) -> TensorMeta:
    """``t``'s TensorMeta, created on first use."""
    meta = autograd_meta(t)
    if meta is None:
        meta = TensorMeta()
        set_autograd_meta(t, meta)
    return meta  # type: ignore[no-any-return]


class _NodeExtra:
    """What few nodes have: hooks, retained gradients, user metadata, the anomaly-mode forward trace."""

    __slots__ = ("anomaly_trace", "hooks", "metadata", "pre_hooks", "retained", "tensor_pre_hooks")

    def __init__(self) -> None:
        self.pre_hooks: list[Callable[..., Any]] | None = None
        self.hooks: list[Callable[..., Any]] | None = None
        self.tensor_pre_hooks: dict[int, list[Callable[..., Any]]] | None = None
        self.retained: dict[int, Any] | None = None
        self.metadata: dict[str, Any] | None = None
        self.anomaly_trace: str | None = None


class Node:
    """A node of the backward graph: takes the gradients of its outputs, returns those of its inputs.

    ``next_functions`` holds one ``(node, output_nr)`` edge per differentiable tensor input (``(None, 0)``
    for the others), in input order, list inputs flattened.
    """

    __slots__ = ("__weakref__", "_extra", "_sequence_nr", "next_functions", "num_outputs")

    # Whether this is an AccumulateGrad (a class attribute: the engine tests it without isinstance).
    accumulates = False

    def __init__(self, next_functions: tuple[tuple[Node | None, int], ...], num_outputs: int = 1) -> None:
        self.next_functions = next_functions
        self.num_outputs = num_outputs
        self._sequence_nr = next(_sequence)
        # Hooks, retained grads, metadata and the anomaly trace live in one _NodeExtra made on first use:
        # most nodes never get any (the engine tests ``_extra`` alone).
        self._extra: _NodeExtra | None = None

    def _extras(self) -> _NodeExtra:
        extra = self._extra
        if extra is None:
            extra = self._extra = _NodeExtra()
        return extra

    @property
    def _pre_hooks(self) -> list[Callable[..., Any]] | None:
        return None if self._extra is None else self._extra.pre_hooks

    @property
    def _hooks(self) -> list[Callable[..., Any]] | None:
        return None if self._extra is None else self._extra.hooks

    @property
    def _tensor_pre_hooks(self) -> dict[int, list[Callable[..., Any]]] | None:
        return None if self._extra is None else self._extra.tensor_pre_hooks

    @property
    def _retained(self) -> dict[int, Any] | None:
        return None if self._extra is None else self._extra.retained

    @property
    def metadata_dict(self) -> dict[str, Any] | None:
        return None if self._extra is None else self._extra.metadata

    @property
    def _anomaly_trace(self) -> str | None:
        return None if self._extra is None else self._extra.anomaly_trace

    @_anomaly_trace.setter
    def _anomaly_trace(self, trace: str | None) -> None:
        self._extras().anomaly_trace = trace

    def name(self) -> str:
        """PyTorch-style name, such as ``MulBackward0``."""
        return type(self).__name__

    @property
    def metadata(self) -> dict[str, Any]:
        """A free-form dict for users' annotations."""
        extra = self._extras()
        if extra.metadata is None:
            extra.metadata = {}
        return extra.metadata

    def register_hook(self, fn: Callable[..., Any]) -> RemovableHandle:
        """``fn(grad_inputs, grad_outputs)`` after the node runs; a returned tuple replaces ``grad_inputs``."""
        extra = self._extras()
        if extra.hooks is None:
            extra.hooks = []
        extra.hooks.append(fn)
        return RemovableHandle(extra.hooks, fn)

    def register_prehook(self, fn: Callable[..., Any]) -> RemovableHandle:
        """``fn(grad_outputs)`` before the node runs; a returned tuple replaces ``grad_outputs``."""
        extra = self._extras()
        if extra.pre_hooks is None:
            extra.pre_hooks = []
        extra.pre_hooks.append(fn)
        return RemovableHandle(extra.pre_hooks, fn)

    def add_tensor_pre_hook(self, output_nr: int, fn: Callable[..., Any]) -> RemovableHandle:
        """A hook on the gradient of output ``output_nr`` (``Tensor.register_hook`` on a non-leaf)."""
        extra = self._extras()
        if extra.tensor_pre_hooks is None:
            extra.tensor_pre_hooks = {}
        hooks = extra.tensor_pre_hooks.setdefault(output_nr, [])
        hooks.append(fn)
        return RemovableHandle(hooks, fn)

    def retain_output(self, output_nr: int, t: Any) -> None:
        """Store the gradient of output ``output_nr`` into ``t.grad`` when backward reaches this node."""
        extra = self._extras()
        if extra.retained is None:
            extra.retained = {}
        extra.retained[output_nr] = weakref.ref(t)

    def retains(self, output_nr: int, t: Any) -> bool:
        """Whether ``t`` (output ``output_nr``) asked to retain its gradient."""
        retained = self._retained
        ref = None if retained is None else retained.get(output_nr)
        return ref is not None and ref() is t

    def apply(self, grad_outputs: list[Any], create_graph: bool) -> Sequence[Any]:
        """The gradients of the flattened inputs, given those of the outputs."""
        raise NotImplementedError

    def release(self) -> None:
        """Free what was saved for backward (after a backward without retain_graph)."""

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self):#x}>"


def _backward_name(op_name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in op_name.split("_") if part) + "Backward0"


_NAMES: dict[str, type[OpNode]] = {}


def op_node_class(op: OpRecord) -> type[OpNode]:
    """A subclass of OpNode named after ``op`` (``MulBackward0``), made once per op."""
    found = _NAMES.get(op.name)
    if found is None:
        found = type(_backward_name(op.name), (OpNode,), {"__slots__": ()})
        found.__module__ = "tocha.autograd.graph"
        _NAMES[op.name] = found
    return found


class OverwriteNode(Node):
    """The node of a tensor that a non-differentiable in-place op overwrote (``y.zero_()``, ``y.fill_(1)``).

    As in PyTorch, the tensor keeps requiring grad; its old history receives zeros, since none of its old
    values survive. Named after the op that wrote (``CopyBackward0``: ``zero_``, ``fill_`` and ``copy_`` are
    copies in tocha).
    """

    __slots__ = ("_op_name",)

    def __init__(self, op_name: str, edge: tuple[Node | None, int]) -> None:
        super().__init__((edge,), 1)
        self._op_name = op_name

    def name(self) -> str:
        return _backward_name(self._op_name)

    def apply(self, grad_outputs: list[Any], create_graph: bool) -> Sequence[Any]:
        grad = grad_outputs[0]
        return [None if grad is None else tocha.zeros_like(grad)]


class SavedTensor:
    """One tensor a vjp needs, with its storage version at save time. See NOTE [ Saved tensors ].

    Used where saved-tensor hooks are active or an input is a list of tensors; the common case stores
    the tensors and their versions directly in the node (``OpNode._saved_versions``).
    """

    __slots__ = ("_packed", "_tensor", "_unpack", "_version")

    def __init__(self, t: Any, hooks: tuple[Any, Any] | None) -> None:
        self._version = tensor_version(t)
        if hooks is not None:
            pack, self._unpack = hooks
            self._packed = pack(t)
            self._tensor = None
        else:
            self._unpack = None
            self._packed = None
            self._tensor = t

    def unpack(self, node: Node) -> Any:
        """The saved tensor; RuntimeError if its storage was modified in place since."""
        if self._unpack is not None:
            return self._unpack(self._packed)
        t: Any = self._tensor
        if tensor_version(t) != self._version:
            raise _modified_error(t, node, self._version)
        return t


def _modified_error(t: Any, node: Node, expected: int) -> RuntimeError:
    return RuntimeError(
        f"one of the variables needed for gradient computation has been modified by an inplace operation: "
        f"[{t.type()} {list(t.shape)}], which is used by {node.name()}, is at version {tensor_version(t)}; "
        f"expected version {expected} instead. Hint: the operation that failed to compute its "
        "gradient is the one named; with tocha.autograd.set_detect_anomaly(True) the error also names "
        "the forward call that created it."
    )


class OpNode(Node):
    """The node of a recorded primitive op: its backward is the op's vjp.

    Saved values come in two forms (see NOTE [ Saved tensors ]). When ``_saved_versions`` is a tuple, the
    common case, ``inputs`` holds the saved inputs themselves (None where not saved) and
    ``_saved_versions`` the storage version of each saved tensor (None for non-tensors); likewise
    ``result`` is the result tensor itself when ``_result_version >= 0``. Otherwise (saved-tensor
    hooks, list inputs, several outputs) entries are :class:`SavedTensor` objects.
    """

    # The node is also its vjp's context: ``inputs``, ``result``, ``params``, ``input_shapes``, ``input_dtypes``
    # and ``needs_input_grad`` are the attributes of ``tocha.library.VjpContext`` (read by name by every vjp), so
    # the common backward passes the node itself and builds no context object.
    __slots__ = ("_layout", "_op", "_released", "_result_version", "_saved_versions", "input_dtypes", "input_shapes",
                 "inputs", "needs_input_grad", "params", "result")  # fmt: skip

    def __init__(
        self,
        op: OpRecord,
        next_functions: tuple[tuple[Node | None, int], ...],
        layout: tuple[int, ...] | None,
        params: tuple[Any, ...],
        shapes: tuple[Any, ...],
        dtypes: tuple[Any, ...],
        needs: tuple[bool, ...],
        saved_inputs: tuple[Any, ...] = (),
        saved_versions: tuple[int | None, ...] | None = (),
    ) -> None:
        # Node.__init__, inlined: one frame less per recorded op.
        self.next_functions = next_functions
        self.num_outputs = op.num_outputs
        self._sequence_nr = next(_sequence)
        self._extra = None
        self._op = op
        self._layout = layout  # None: no list inputs, the vjp's gradients are already flat
        self.params = params
        self.input_shapes = shapes
        self.input_dtypes = dtypes
        self.needs_input_grad = needs
        self.inputs: tuple[Any, ...] = saved_inputs
        self._saved_versions: tuple[int | None, ...] | None = saved_versions
        self.result: Any = None
        self._result_version = -1
        self._released = False

    def apply(self, grad_outputs: list[Any], create_graph: bool) -> Sequence[Any]:
        if self.num_outputs == 1:
            grad: Any = grad_outputs[0]
            if grad is None:
                return [None] * len(self.next_functions)
        else:
            for g in grad_outputs:
                if g is not None:
                    break
            else:
                return [None] * len(self.next_functions)
            grad = tuple(grad_outputs)
        if self._released:
            raise RuntimeError(FREED_MESSAGE)
        inputs = self.inputs
        versions = self._saved_versions
        ctx: Any = self  # see __slots__
        if versions is None:
            inputs = tuple([_unpack_saved(s, self) for s in inputs])
            ctx = None
        elif inputs:
            for i, v in enumerate(versions):  # not zip(inputs, versions): this runs once per node in every backward
                if v is not None and tensor_version(inputs[i]) != v:
                    raise _modified_error(inputs[i], self, v)
        result = self.result
        if result is not None:
            if self._result_version < 0:
                result = _unpack_saved(result, self)
                ctx = None
            elif tensor_version(result) != self._result_version:
                raise _modified_error(result, self, self._result_version)
        if ctx is None:  # SavedTensor entries: the vjp gets the unpacked values
            ctx = VjpContext(inputs, result, self.params, self.input_shapes, self.input_dtypes, self.needs_input_grad)
        grads = self._op.vjp(ctx, grad)  # type: ignore[misc]
        layout = self._layout
        return grads if layout is None else _flatten(grads, layout)

    def release(self) -> None:
        # Like PyTorch, a node that saved nothing can run again after its graph was freed.
        if self.result is None:
            for s in self.inputs:
                if s is not None:
                    break
            else:
                return  # nothing saved (add, sub...): nothing to free
        self._released = True
        self.inputs = ()
        self._saved_versions = ()
        self.result = None


def _unpack_saved(saved: Any, node: Node) -> Any:
    if saved is None:
        return None
    if isinstance(saved, SavedTensor):
        return saved.unpack(node)
    if isinstance(saved, (list, tuple)):
        return type(saved)(_unpack_saved(s, node) for s in saved)
    return saved


def _flatten(grads: Sequence[Any], layout: tuple[int, ...]) -> list[Any]:
    """Per-input gradients (a list for each list input) as one flat list matching ``next_functions``."""
    flat: list[Any] = []
    for g, count in zip(grads, layout, strict=False):
        if count < 0:
            flat.append(g)
        elif g is None:
            flat.extend([None] * count)
        else:
            flat.extend(g)
    return flat


class AccumulateGrad(Node):
    """The node of a leaf tensor that requires grad: adds the incoming gradient to ``.grad``."""

    __slots__ = ("_variable",)

    accumulates = True

    def __init__(self, variable: Any) -> None:
        super().__init__((), 1)
        self._variable = weakref.ref(variable)

    @property
    def variable(self) -> Any:
        """The leaf tensor."""
        return self._variable()

    def apply(self, grad_outputs: list[Any], create_graph: bool) -> Sequence[Any]:
        grad = grad_outputs[0]
        variable = self._variable()
        if grad is None or variable is None:
            return ()
        current = variable.grad
        if current is None:
            if not create_graph:
                grad = grad.detach()
                if not variable._data.flags.c_contiguous and grad.stride() != variable.stride():
                    # PyTorch's layout contract: a dense leaf's .grad takes its strides (channels-last weights)
                    grad = tocha.empty_like(variable, dtype=grad.dtype).copy_(grad)
                elif not _owns_writable(grad) or _witness.saw:
                    grad = grad.clone()  # a hook may hold this gradient: .grad must not alias it (it accumulates)
            variable.grad = grad
        elif create_graph:
            variable.grad = current + grad
        else:
            with tocha.no_grad():
                current.add_(grad)
        meta = autograd_meta(variable)
        if meta is not None and meta.post_accumulate_hooks:
            for hook in list(meta.post_accumulate_hooks):
                hook(variable)
        return ()


class GradientEdge(NamedTuple):
    """Where a gradient enters the graph: a node and which of its outputs (``graph.get_gradient_edge``)."""

    node: Node
    output_nr: int


def edge_or_tensor(x: Any) -> tuple[Node, int]:
    """The graph edge of a tensor (:func:`edge_of`) or of a :class:`GradientEdge`."""
    if isinstance(x, GradientEdge):
        return x.node, x.output_nr
    return edge_of(x)


class _HookWitness(threading.local):
    """Whether a hook has been handed gradients in this thread's backward pass (then a leaf's first ``.grad``
    is a copy: PyTorch only steals a gradient nothing else holds)."""

    saw = False


_witness = _HookWitness()


def hooks_saw_gradients(saw: bool | None = None) -> bool:
    """Record that hooks were handed gradients (``saw=True``), reset (``False``) or read (None) the flag."""
    if saw is not None:
        _witness.saw = saw
    return _witness.saw


def _owns_writable(t: Any) -> bool:
    array = tensor_array(t)
    flags = getattr(array, "flags", None)
    # CuPy's flags have no ``writeable``: device arrays always are
    return flags is None or bool(getattr(flags, "writeable", True) and flags.c_contiguous and flags.owndata)


def accumulate_node(leaf: Any) -> AccumulateGrad:
    """The leaf's AccumulateGrad node (one per leaf, made on first use)."""
    meta = meta_of(leaf)
    node = meta.accumulate
    if node is None or node.variable is not leaf:
        node = AccumulateGrad(leaf)
        meta.accumulate = node
    return node


def differentiable_dtype(t: Any) -> bool:
    """Whether ``t``'s dtype can carry a gradient (floating or complex)."""
    d = t.dtype
    return bool(d.is_floating_point or d.is_complex)


def attach(t: Any, node: Node, output_nr: int) -> None:
    """Make ``t`` output ``output_nr`` of ``node``."""
    set_history(t, node, True)
    if output_nr or autograd_meta(t) is not None:
        meta_of(t).output_nr = output_nr


def edge_of(t: Any) -> tuple[Node, int]:
    """The graph edge a gradient for ``t`` travels: its grad_fn and output number, or its AccumulateGrad."""
    if view_base(t) is not None:
        from ._views import refresh_view

        refresh_view(t)
    fn = t.grad_fn
    if fn is not None:
        meta = autograd_meta(t)
        return fn, 0 if meta is None else meta.output_nr
    return accumulate_node(t), 0
