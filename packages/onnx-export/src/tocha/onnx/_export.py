"""``tocha.onnx.export``: trace a model under a dispatch layer and write the ONNX graph.

NOTE [ Tracing ]
:func:`export` runs the model once (in its current mode, without gradients) with an :class:`_Tracer` pushed on
``tocha.library``'s dispatch stack. Every tensor the run touches gets a :class:`~tocha.onnx._context.Value`, keyed
by the tensor's ``id`` (the tracer keeps each tensor alive, so ids are not reused): graph inputs get the input
names, parameters and buffers are constants named by their state-dict key, other tensors made outside the traced
ops are constants too. An op call whose tensor inputs are all constants (and whose params do not depend on a
dynamic axis) is *folded*: its result becomes a constant, no node is written (random ops are never folded). Any
other call goes to the symbolic function registered for its op name (:mod:`tocha.onnx._symbolic`'s table, or
:func:`register_custom_op_symbolic`), which adds ONNX nodes and names the result. Only constants that some node
reads become initializers. Module paths for error messages come from global forward pre/post hooks of
``tocha.nn``; the user's source line is the innermost stack frame outside tocha's packages.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import os
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import IO, Any

import numpy as np

import onnx
import tocha
from onnx import helper
from tocha.nn.modules.module import Module, register_module_forward_hook, register_module_forward_pre_hook

from ._context import (
    DynInt,
    Graph,
    Symbol,
    SymbolicContext,
    TracerWarning,
    UnsupportedOperatorError,
    Value,
    onnx_dtype,
    user_frame,
)
from ._symbolic import COMPLEX_OPS, NO_FOLD, REFUSED, SYMBOLICS, SymbolicFn

__all__ = ["export", "is_in_onnx_export", "register_custom_op_symbolic", "unregister_custom_op_symbolic"]

MIN_OPSET = 13
MAX_OPSET = 21
_exporting = [False]
_custom: dict[str, list[tuple[int, SymbolicFn]]] = {}


def is_in_onnx_export() -> bool:
    """Whether an :func:`export` is tracing right now (a model may branch on it, as with ``torch.onnx``).

    Example:
        >>> import tocha.onnx
        >>> tocha.onnx.is_in_onnx_export()
        False
    """
    return _exporting[0]


def register_custom_op_symbolic(op_name: str, symbolic_fn: SymbolicFn, opset_version: int) -> None:
    """Tell the exporter how to write the tocha op ``op_name`` (from ``opset_version`` on).

    ``symbolic_fn(ctx)`` receives a :class:`~tocha.onnx.SymbolicContext` and returns the ONNX name of the
    result (one per output for multi-output ops), adding nodes with ``ctx.op(...)``. A registration overrides
    the built-in table for the same op; several registrations for one op are chosen by opset.

    Example:
        >>> import tocha.onnx
        >>> def double(ctx):
        ...     return ctx.op("Add", ctx.input(0), ctx.input(0))
        >>> tocha.onnx.register_custom_op_symbolic("my_plugin_double", double, 13)
        >>> tocha.onnx.unregister_custom_op_symbolic("my_plugin_double", 13)
    """
    if not callable(symbolic_fn):
        raise TypeError(
            f"register_custom_op_symbolic(): symbolic_fn must be callable, got {type(symbolic_fn).__name__}"
        )
    if not isinstance(opset_version, int) or not MIN_OPSET <= opset_version <= MAX_OPSET:
        raise ValueError(
            f"register_custom_op_symbolic(): opset_version must be in [{MIN_OPSET}, {MAX_OPSET}], got {opset_version!r}"
        )
    entries = [e for e in _custom.get(op_name, []) if e[0] != opset_version]
    entries.append((opset_version, symbolic_fn))
    entries.sort(key=lambda e: e[0])
    _custom[op_name] = entries


def unregister_custom_op_symbolic(op_name: str, opset_version: int) -> None:
    """Remove a registration made by :func:`register_custom_op_symbolic`.

    Example:
        >>> import tocha.onnx
        >>> tocha.onnx.register_custom_op_symbolic("my_plugin_op", lambda ctx: ctx.input(0), 13)
        >>> tocha.onnx.unregister_custom_op_symbolic("my_plugin_op", 13)
    """
    entries = [e for e in _custom.get(op_name, []) if e[0] != opset_version]
    if entries:
        _custom[op_name] = entries
    else:
        _custom.pop(op_name, None)


def _lookup(op_name: str, opset: int) -> SymbolicFn | None:
    for version, fn in reversed(_custom.get(op_name, [])):
        if version <= opset:
            return fn
    return SYMBOLICS.get(op_name)


def _np_dtype(t: tocha.Tensor) -> np.dtype[Any]:
    return np.dtype(str(t.dtype).rpartition(".")[2])


def _host(t: tocha.Tensor) -> np.ndarray[Any, Any]:
    return np.array(t.detach().cpu().numpy(), copy=True)


def _alias_key(t: tocha.Tensor) -> tuple[Any, ...] | None:
    """Where a CPU tensor's elements live (address, shape, strides, dtype): tensors made without an op
    (``detach()``, ``.data``) share it with the tensor they alias."""
    if t.device.type != "cpu":
        return None
    array = np.asarray(t.detach())
    return (array.__array_interface__["data"][0], array.shape, array.strides, array.dtype.str)


def _merge_params(traced: Any, shadow: Any) -> Any:
    """``traced`` with each int leaf that differs from ``shadow``'s replaced by a :class:`DynInt`."""
    if isinstance(traced, bool) or isinstance(shadow, bool):
        return traced
    if isinstance(traced, int) and isinstance(shadow, int) and not isinstance(traced, np.dtype):
        return DynInt(traced, shadow) if traced != shadow else traced
    if isinstance(traced, (tuple, list)) and isinstance(shadow, (tuple, list)) and len(traced) == len(shadow):
        merged = [_merge_params(a, b) for a, b in zip(traced, shadow, strict=False)]
        return type(traced)(merged) if isinstance(traced, list) else tuple(merged)
    if isinstance(traced, slice) and isinstance(shadow, slice):
        return slice(
            _merge_params(traced.start, shadow.start),
            _merge_params(traced.stop, shadow.stop),
            _merge_params(traced.step, shadow.step),
        )
    return traced


def _is_static(v: Any) -> bool:
    """Whether an input's value (a Value, a list of them, or None for a non-tensor) is known at export time."""
    if isinstance(v, Value):
        return v.array is not None
    if isinstance(v, list):
        return all(w is None or w.array is not None for w in v)
    return True


def _has_complex(values: tuple[Any, ...]) -> bool:
    for v in values:
        if isinstance(v, Value) and v.dtype.kind == "c":
            return True
        if isinstance(v, list) and any(w is not None and w.dtype.kind == "c" for w in v):
            return True
    return False


def _data_dependent(nodes: Sequence[onnx.NodeProto]) -> set[str]:
    """Value names whose shape depends on tensor data (NOTE [ Data-dependent sizes ] in ``_symbolic.py``)."""
    found: set[str] = set()
    for node in nodes:
        if node.op_type in ("NonZero", "Compress") or any(i in found for i in node.input):
            found.update(node.output)
        elif node.op_type == "Unique":  # not its inverse indices (output 2): those have the input's shape
            found.update(o for k, o in enumerate(node.output) if k != 2)
    return found


def _has_dyn(params: Any) -> bool:
    if isinstance(params, DynInt):
        return True
    if isinstance(params, (tuple, list)):
        return any(_has_dyn(p) for p in params)
    if isinstance(params, slice):
        return _has_dyn(params.start) or _has_dyn(params.stop) or _has_dyn(params.step)
    return False


class _Recorder(tocha.library.DispatchLayer):
    """Records ``(op name, params)`` of every call (the shadow run of NOTE [ Dynamic sizes ])."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def handle(self, call: tocha.library.OpCall, proceed: Callable[[tocha.library.OpCall], Any]) -> Any:
        self.calls.append((call.op.name, call.params))
        return proceed(call)


class _Tracer(tocha.library.DispatchLayer):
    """The dispatch layer that turns op calls into ONNX nodes (NOTE [ Tracing ])."""

    def __init__(self, exporter: _Exporter) -> None:
        self.exporter = exporter
        self.failure: str | None = None  # the message as raised (nn may prefix a module path while it unwinds)

    def handle(self, call: tocha.library.OpCall, proceed: Callable[[tocha.library.OpCall], Any]) -> Any:
        result = proceed(call)
        if self.failure is None:
            try:
                self.exporter.record(call, result)
            except UnsupportedOperatorError as exc:
                self.failure = str(exc.args[0])
                raise
        return result


class _Exporter:
    def __init__(
        self,
        model: Any,
        opset: int,
        fold: bool,
        export_params: bool,
        shadow: list[tuple[str, tuple[Any, ...]]] | None,
    ) -> None:
        self.graph = Graph(opset)
        self.values: dict[int, Value] = {}
        self.aliases: dict[tuple[Any, ...], Value] = {}  # traced (non-constant) values by _alias_key
        self.alive: list[Any] = []  # keeps traced tensors alive so their ids stay unique
        self.param_keys: dict[int, str] = {}
        self.fold_params = fold and export_params
        self.export_params = export_params
        self.param_inputs: list[tuple[str, Value]] = []
        self.shadow = shadow
        self.calls: list[str] = []
        self.module_names: dict[int, str] = {}
        self.module_stack: list[str] = []
        if isinstance(model, Module):
            for name, module in model.named_modules():
                self.module_names.setdefault(id(module), name)
            for name, p in model.named_parameters():
                self.param_keys.setdefault(id(p), name)
            for name, b in model.named_buffers():
                if b is not None:
                    self.param_keys.setdefault(id(b), name)

    # -------------------------------------------------------------- values

    def value_of(self, t: Any) -> Value:
        found = self.values.get(id(t))
        if found is not None:
            return found
        alias_key = _alias_key(t) if self.aliases else None
        alias = self.aliases.get(alias_key) if alias_key is not None else None
        if alias is not None:  # detach() or .data of a traced tensor: the same value
            self.values[id(t)] = alias
            self.alive.append(t)
            return alias
        key = self.param_keys.get(id(t))
        array = _host(t)
        if key is not None and not self.fold_params:
            name = self.graph.reserve(key)
            v = Value(name, array.dtype, array.shape, None, key)
            if self.export_params:
                self.graph.initializers.append(onnx.numpy_helper.from_array(np.ascontiguousarray(array), name))
            else:
                self.param_inputs.append((name, v))
        else:
            v = Value(None, array.dtype, array.shape, array, key)
        self.values[id(t)] = v
        self.alive.append(t)
        return v

    def materialize(self, v: Value) -> str:
        if v.name is None:
            if v.array is None:  # an output a symbolic function returned as None
                raise UnsupportedOperatorError(f"Exporting a value is not supported: the model uses the {v.key}")
            if v.key is not None:
                v.name = self.graph.add_initializer(v.key, v.array)
            elif v.array.size <= 16:
                v.name = self.graph.constant(v.array)
            else:
                v.name = self.graph.add_initializer("onnx::Constant", v.array)
        return v.name

    def add_input(self, t: tocha.Tensor, name: str) -> None:
        v = Value(self.graph.reserve(name), _np_dtype(t), tuple(t.shape), None, None)
        self.values[id(t)] = v
        self.alive.append(t)
        self._note_alias(t, v)

    def _note_alias(self, t: tocha.Tensor, v: Value) -> None:
        key = _alias_key(t)
        if key is not None:
            self.aliases[key] = v

    def _input_value(self, x: Any) -> Any:
        if isinstance(x, tocha.Tensor):
            return self.value_of(x)
        if isinstance(x, (list, tuple)) and any(isinstance(t, tocha.Tensor) for t in x):
            return [self.value_of(t) if isinstance(t, tocha.Tensor) else None for t in x]
        return None

    # -------------------------------------------------------------- recording

    def record(self, call: tocha.library.OpCall, result: Any) -> None:
        op = call.op
        index = len(self.calls)
        self.calls.append(op.name)
        params = call.params
        if self.shadow is not None and index < len(self.shadow) and self.shadow[index][0] == op.name:
            params = _merge_params(params, self.shadow[index][1])
        outs: tuple[Any, ...] = result if op.num_outputs != 1 else (result,)
        values = tuple(self._input_value(x) for x in call.inputs)
        static = op.name not in NO_FOLD and not _has_dyn(params)
        if static:
            static = all(_is_static(v) for v in values)
        if static:
            self._fold(outs)
            return
        results = tuple(
            Value(None, _np_dtype(t), tuple(t.shape), None, None) if isinstance(t, tocha.Tensor) else None for t in outs
        )
        if call.out is not None:
            self._check_not_viewed(call.out, op.name)
        fn = _lookup(op.name, self.graph.opset)
        if fn is None and op.name not in NO_FOLD and all(_is_static(v) for v in values):
            warnings.warn(
                f"export(): '{op.name}' has sizes that follow a dynamic axis but no symbolic function; its result is "
                "computed at export time and will not change with the input size",
                TracerWarning,
                stacklevel=2,
            )
            self._fold(outs)
            return
        ctx = SymbolicContext(self.graph, op.name, call.inputs, values, params, results, self.materialize)  # type: ignore[arg-type]
        try:
            if fn is None and op.name in NO_FOLD:
                raise ctx.error(
                    "it draws random numbers (call model.eval() first; run lazy modules once before exporting)"
                )
            if fn is None:
                raise ctx.error(REFUSED.get(op.name, "no symbolic function is registered for it"))
            if op.name not in COMPLEX_OPS and op.name not in _custom and _has_complex(values):
                raise ctx.error(
                    "it takes a complex tensor, and ONNX has no complex tensor type (only fft ops, real/imag/abs/"
                    "conj and view_as_real read complex values; see NOTE [ Complex values ])"
                )
            self.graph.scope = self.module_stack[-1] if self.module_stack else ""
            names = fn(ctx)
        except UnsupportedOperatorError as exc:
            raise self._locate(exc) from None
        except Exception as exc:  # a bug in a symbolic function: report it with the op, module and line
            message = f"its symbolic function failed ({type(exc).__name__}: {exc})"
            raise self._locate(ctx.error(message)) from exc
        names_seq: Sequence[Any] = [names] if isinstance(names, str) or names is None else list(names)
        if len(names_seq) != len(outs):
            raise self._locate(
                ctx.error(f"its symbolic function returned {len(names_seq)} outputs, expected {len(outs)}")
            )
        for t, v, name in zip(outs, results, names_seq, strict=False):
            if isinstance(t, tocha.Tensor) and v is not None:
                if name is None:  # an output the symbolic function cannot produce: using it is an error
                    v.name = None
                    v.key = f"<output of '{op.name}' that ONNX cannot produce>"
                else:
                    v.name = name
                self.values[id(t)] = v
                self.alive.append(t)
                self._note_alias(t, v)

    def _check_not_viewed(self, out: tocha.Tensor, op_name: str) -> None:
        """Refuse an in-place write into memory another traced tensor views (the graph would miss the change)."""
        if out.device.type != "cpu":
            return
        target = np.asarray(out.detach())
        for t in self.alive:
            v = self.values.get(id(t))
            if (
                t is out
                or v is None
                or v.array is not None
                or not isinstance(t, tocha.Tensor)
                or v is self.values.get(id(out))
            ):
                continue
            if np.may_share_memory(target, np.asarray(t.detach())):
                message = (
                    f"Exporting the operator '{op_name}' to ONNX opset {self.graph.opset} is not supported: an "
                    f"in-place write into a tensor of shape {list(out.shape)} that shares memory with another traced "
                    f"tensor of shape {list(t.shape)} (a view); write out of place (torch.where, cat) instead"
                )
                raise self._locate(UnsupportedOperatorError(message))

    def _fold(self, outs: tuple[Any, ...]) -> None:
        for t in outs:
            if isinstance(t, tocha.Tensor):
                self.values[id(t)] = Value(None, _np_dtype(t), tuple(t.shape), _host(t), None)
                self.alive.append(t)

    def _locate(self, exc: UnsupportedOperatorError) -> UnsupportedOperatorError:
        path = self.module_stack[-1] if self.module_stack else ""
        where = f"module '{path}'" if path else "the top-level module" if self.module_stack else "no module"
        return UnsupportedOperatorError(f"{exc.args[0]}\n  called in {where}\n  at {user_frame()}")

    # -------------------------------------------------------------- module paths

    @contextlib.contextmanager
    def module_hooks(self) -> Iterator[None]:
        def pre(module: Any, args: Any) -> None:
            name = self.module_names.get(id(module))
            if name is None:
                parent = self.module_stack[-1] if self.module_stack else ""
                name = f"{parent}.<{type(module).__name__}>" if parent else f"<{type(module).__name__}>"
            self.module_stack.append(name)

        def post(module: Any, args: Any, output: Any) -> None:
            if self.module_stack:
                self.module_stack.pop()

        h1 = register_module_forward_pre_hook(pre)
        h2 = register_module_forward_hook(post, always_call=True)
        try:
            yield
        finally:
            h1.remove()
            h2.remove()
            self.module_stack.clear()


# ------------------------------------------------------------------ Tensor-to-Python conversions


_CONVERSIONS = ("__bool__", "item", "tolist", "numpy", "__int__", "__float__", "__index__")


@contextlib.contextmanager
def _warn_on_conversions(exporter: _Exporter) -> Iterator[None]:
    """Wrap the Tensor methods that turn a traced value into Python (control flow) to warn TracerWarning.

    tensor-core has no public hook for this yet, so the methods are swapped on ``tocha.Tensor`` for the
    duration of the trace and restored afterwards.
    """
    cls = tocha.Tensor
    saved = {name: cls.__dict__.get(name) for name in _CONVERSIONS}

    def wrap(name: str) -> Any:
        original = getattr(cls, name)

        def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            v = exporter.values.get(id(self))
            if v is not None and v.array is None:
                warnings.warn(
                    f"Converting a tensor to a Python value ({name}) during ONNX export: the exported graph keeps "
                    "the value seen while tracing and will not generalise to other inputs",
                    TracerWarning,
                    stacklevel=2,
                )
            return original(self, *args, **kwargs)

        method.__name__ = name
        return method

    for name in _CONVERSIONS:
        setattr(cls, name, wrap(name))
    try:
        yield
    finally:
        for name, original in saved.items():
            if original is None:
                delattr(cls, name)
            else:
                setattr(cls, name, original)


# ------------------------------------------------------------------ argument handling


def _flatten(obj: Any, out: list[Any]) -> None:
    if isinstance(obj, tocha.Tensor):
        out.append(obj)
    elif isinstance(obj, (list, tuple)):
        for o in obj:
            _flatten(o, out)
    elif isinstance(obj, Mapping):
        for o in obj.values():
            _flatten(o, out)
    elif obj is not None and not isinstance(obj, (int, float, bool, str)):
        raise TypeError(f"export(): cannot export an input or output of type {type(obj).__name__}")


def _split_args(args: Any, kwargs: Mapping[str, Any] | None) -> tuple[tuple[Any, ...], dict[str, Any]]:
    if isinstance(args, tocha.Tensor):
        positional: tuple[Any, ...] = (args,)
    elif isinstance(args, tuple):
        positional = args
    elif isinstance(args, list):
        positional = tuple(args)
    else:
        raise TypeError(f"export(): args must be a Tensor or a tuple of arguments, got {type(args).__name__}")
    extra: dict[str, Any] = {}
    if positional and isinstance(positional[-1], dict):
        extra = dict(positional[-1])
        positional = positional[:-1]
    if kwargs:
        extra.update(kwargs)
    return positional, extra


def _default_input_names(model: Any, positional: tuple[Any, ...], extra: dict[str, Any], count: int) -> list[str]:
    names: list[str] = []
    try:
        params = list(inspect.signature(model.forward if isinstance(model, Module) else model).parameters)
    except (TypeError, ValueError):
        params = []
    for i, arg in enumerate(positional):
        flat: list[Any] = []
        _flatten(arg, flat)
        base = params[i] if i < len(params) else f"input_{i}"
        names.extend([base] if len(flat) == 1 else [f"{base}.{k}" for k in range(len(flat))])
    for key, arg in extra.items():
        flat = []
        _flatten(arg, flat)
        names.extend([key] if len(flat) == 1 else [f"{key}.{k}" for k in range(len(flat))])
    return names[:count] + [f"input_{i}" for i in range(len(names), count)]


def _axes_spec(spec: Any, name: str) -> dict[int, str]:
    if isinstance(spec, Mapping):
        return {int(k): str(v) for k, v in spec.items()}
    if isinstance(spec, (list, tuple)):
        return {int(k): f"{name}_dynamic_axes_{i + 1}" for i, k in enumerate(spec)}
    raise TypeError(f"export(): dynamic_axes['{name}'] must be a list of axes or a dict axis -> name")


def _shadow_args(obj: Any, grow: dict[int, dict[int, int]], made: dict[int, Any]) -> Any:
    """A copy of ``obj`` in which the tensors listed in ``grow`` (by id) are longer along their dynamic axes.

    A tensor passed several times gets one copy (``made``), so identity checks in the model (self-attention's
    ``query is key``) take the same path as in the traced run.
    """
    if isinstance(obj, tocha.Tensor):
        axes = grow.get(id(obj))
        if not axes:
            return obj
        found = made.get(id(obj))
        if found is None:
            array = _host(obj)
            for axis, new in axes.items():
                array = np.take(array, np.arange(new) % array.shape[axis], axis=axis)
            found = made[id(obj)] = tocha.from_numpy(np.ascontiguousarray(array)).to(obj.device)
        return found
    if isinstance(obj, tuple):
        return tuple(_shadow_args(o, grow, made) for o in obj)
    if isinstance(obj, list):
        return [_shadow_args(o, grow, made) for o in obj]
    if isinstance(obj, dict):
        return {k: _shadow_args(o, grow, made) for k, o in obj.items()}
    return obj


def _run(model: Any, positional: tuple[Any, ...], extra: dict[str, Any]) -> Any:
    with tocha.no_grad():
        return model(*positional, **extra)


@contextlib.contextmanager
def _keep_buffers(model: Any) -> Iterator[None]:
    """Restore the model's buffers after a run (the shadow run must not move BatchNorm's running stats)."""
    saved = []
    if isinstance(model, Module):
        saved = [(b, _host(b)) for _, b in model.named_buffers() if b is not None]
    try:
        yield
    finally:
        with tocha.no_grad():
            for b, array in saved:
                b.copy_(tocha.from_numpy(array).to(b.device))


def export(
    model: Any,
    args: Any,
    f: str | os.PathLike[str] | IO[bytes] | None = None,
    *,
    kwargs: Mapping[str, Any] | None = None,
    export_params: bool = True,
    verbose: bool = False,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    opset_version: int | None = None,
    do_constant_folding: bool = True,
    dynamic_axes: Mapping[str, Sequence[int] | Mapping[int, str]] | None = None,
    keep_initializers_as_inputs: bool = False,
) -> onnx.ModelProto:
    """Export ``model`` to ONNX by tracing one run on ``args`` (``torch.onnx.export``'s tracing path).

    The model runs once in its current mode (call ``model.eval()`` first for inference behaviour of Dropout and
    BatchNorm) with gradients off; every op call becomes ONNX nodes, parameters and buffers become initializers
    named by their state-dict keys, and Python control flow is recorded as taken. The model is checked with
    ``onnx.checker.check_model(full_check=True)`` and written to ``f`` (a path or a binary file object).

    Args:
        model: a ``tocha.Module`` (or any callable taking tensors).
        args: the example inputs: a Tensor or a tuple of positional arguments (a trailing dict is taken as
            keyword arguments).
        f: where to write the model; None writes nothing (the model is returned either way).
        kwargs: keyword arguments for the model.
        export_params: store parameters as initializers; False makes them graph inputs.
        verbose: print the exported graph.
        input_names: names of the graph inputs (the flattened tensors of ``args``), default the forward's
            argument names.
        output_names: names of the graph outputs, default ``output`` / ``output_0``, ``output_1``...
        opset_version: the ONNX opset, 13 to 21 (default 18).
        do_constant_folding: compute sub-graphs that depend only on parameters and constants at export time.
        dynamic_axes: ``{name: [axis, ...]}`` or ``{name: {axis: "symbol"}}`` for inputs and outputs whose
            sizes may change (see NOTE [ Dynamic sizes ] for how size arithmetic is kept symbolic).
        keep_initializers_as_inputs: also list the initializers as graph inputs (overridable at run time).

    Returns:
        The exported ``onnx.ModelProto``.

    Raises:
        UnsupportedOperatorError: an op cannot be expressed in ONNX; the message names the op, the module path
            and the source line that called it.

    Example:
        >>> import io, tocha, tocha.nn as nn, tocha.onnx
        >>> model = nn.Sequential(nn.Linear(4, 3), nn.ReLU()).eval()
        >>> proto = tocha.onnx.export(model, tocha.randn(2, 4), io.BytesIO(), input_names=["x"])
        >>> [n.op_type for n in proto.graph.node]
        ['Gemm', 'Relu', 'Identity']
        >>> [i.name for i in proto.graph.input]
        ['x']
    """
    opset = 18 if opset_version is None else opset_version
    if not isinstance(opset, int) or not MIN_OPSET <= opset <= MAX_OPSET:
        raise ValueError(f"export(): opset_version must be in [{MIN_OPSET}, {MAX_OPSET}], got {opset_version!r}")
    if _exporting[0]:
        raise RuntimeError("export(): an ONNX export is already running (export is not re-entrant)")
    positional, extra = _split_args(args, kwargs)
    flat_inputs: list[Any] = []
    _flatten((positional, extra), flat_inputs)
    names = (
        list(input_names)
        if input_names is not None
        else _default_input_names(model, positional, extra, len(flat_inputs))
    )
    if len(names) < len(flat_inputs):
        names += [f"input_{i}" for i in range(len(names), len(flat_inputs))]
    for t, name in zip(flat_inputs, names, strict=False):
        if t.is_complex():
            raise UnsupportedOperatorError(
                f"export(): input '{name}' is a complex tensor of shape {list(t.shape)}, and ONNX has no complex "
                "tensor type; pass tocha.view_as_real(z) and rebuild it with tocha.view_as_complex inside the model"
            )
    dyn = dict(dynamic_axes or {})
    input_axes: list[dict[int, str]] = [_axes_spec(dyn[n], n) if n in dyn else {} for n in names[: len(flat_inputs)]]

    # One symbol per dynamic size (NOTE [ Dynamic sizes ]): axes given the same name in dict form are one size;
    # axes given in list form (auto-named) are one size when their traced sizes are equal.
    symbols: list[Symbol] = []
    by_name: dict[str, Symbol] = {}
    by_size: dict[int, Symbol] = {}
    grow: dict[int, dict[int, int]] = {}
    for t, name, axes in zip(flat_inputs, names, input_axes, strict=False):
        if id(t) in grow:
            continue  # the same tensor passed again: one graph input, its first name's axes
        named = isinstance(dyn.get(name), Mapping)
        used: list[Symbol] = []  # two auto-named axes of one tensor are two sizes, even when equal now
        for axis in sorted(axes):
            if not -t.dim() <= axis < t.dim():
                raise IndexError(
                    f"export(): dynamic axis {axis} of input '{name}' is out of range for shape {list(t.shape)}"
                )
            symbol_name = axes[axis]
            axis %= t.dim()
            size = int(t.shape[axis])
            sym = by_name.get(symbol_name) if named else by_size.get(size)
            if sym is None or sym.size != size or (not named and any(u is sym for u in used)):
                sym = Symbol(name, axis, size, size + len(symbols) + 1)
                symbols.append(sym)
                if named:
                    by_name[symbol_name] = sym
                else:
                    by_size[size] = sym
            used.append(sym)
            grow.setdefault(id(t), {})[axis] = sym.shadow

    _exporting[0] = True
    try:
        shadow_calls: list[tuple[str, tuple[Any, ...]]] | None = None
        shadow_outputs: list[Any] = []
        if symbols:
            recorder = _Recorder()
            try:
                made: dict[int, Any] = {}  # made before recording: moving them to a device is no call of the model
                shadow_positional, shadow_extra = _shadow_args(positional, grow, made), _shadow_args(extra, grow, made)
                with _keep_buffers(model), recorder, warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    out = _run(model, shadow_positional, shadow_extra)
                _flatten(out, shadow_outputs)
                shadow_calls = recorder.calls
            except Exception as exc:  # the model refuses other sizes: export what the trace shows
                warnings.warn(
                    f"export(): the model fails when the dynamic axes change size ({type(exc).__name__}: {exc}); "
                    "exporting with the traced sizes baked in",
                    TracerWarning,
                    stacklevel=2,
                )
                shadow_outputs = []
        exporter = _Exporter(model, opset, do_constant_folding, export_params, shadow_calls)
        outputs = _trace(exporter, model, positional, extra, flat_inputs, names, symbols)
        if shadow_calls is not None and [c[0] for c in shadow_calls] != exporter.calls:
            warnings.warn(
                "export(): the model calls different ops when the dynamic axes change size; exporting with the "
                "traced sizes baked in",
                TracerWarning,
                stacklevel=2,
            )
            exporter = _Exporter(model, opset, do_constant_folding, export_params, None)
            outputs = _trace(exporter, model, positional, extra, flat_inputs, names, symbols)
            shadow_outputs = []
    finally:
        _exporting[0] = False

    proto = _build_model(
        exporter,
        outputs,
        shadow_outputs,
        flat_inputs,
        names,
        input_axes,
        output_names,
        dyn,
        keep_initializers_as_inputs,
    )
    onnx.checker.check_model(proto, full_check=True)
    if verbose:
        print(onnx.printer.to_text(proto.graph))
    if f is not None:
        if isinstance(f, (str, os.PathLike)):
            onnx.save(proto, os.fspath(f))
        else:
            f.write(proto.SerializeToString())
    return proto


def _trace(
    exporter: _Exporter,
    model: Any,
    positional: tuple[Any, ...],
    extra: dict[str, Any],
    flat_inputs: list[Any],
    names: list[str],
    symbols: list[Symbol],
) -> list[Any]:
    for t, name in zip(flat_inputs, names, strict=False):
        if id(t) in exporter.values:
            continue  # the same tensor passed twice: one graph input
        exporter.add_input(t, name)
    for sym in symbols:
        sym.input = (
            exporter.values[id(next(t for t, n in zip(flat_inputs, names, strict=False) if n == sym.input))].name
            or sym.input
        )
    exporter.graph.symbols = symbols
    tracer = _Tracer(exporter)
    try:
        with exporter.module_hooks(), _warn_on_conversions(exporter), tracer:
            out = _run(model, positional, extra)
    except Exception:
        if tracer.failure is not None:
            raise UnsupportedOperatorError(tracer.failure) from None
        raise
    flat: list[Any] = []
    _flatten(out, flat)
    return flat


def _value_info(name: str, dtype: np.dtype[Any], shape: Sequence[int | str]) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, onnx_dtype(dtype), list(shape))


def _build_model(
    exporter: _Exporter,
    outputs: list[Any],
    shadow_outputs: list[Any],
    flat_inputs: list[Any],
    names: list[str],
    input_axes: list[dict[int, str]],
    output_names: Sequence[str] | None,
    dyn: dict[str, Any],
    keep_initializers_as_inputs: bool,
) -> onnx.ModelProto:
    graph = exporter.graph
    if not outputs:
        raise RuntimeError("export(): the model returned no tensors")
    out_names = (
        list(output_names)
        if output_names is not None
        else (["output"] if len(outputs) == 1 else [f"output_{i}" for i in range(len(outputs))])
    )
    out_names += [f"output_{i}" for i in range(len(out_names), len(outputs))]
    unknown = sorted(set(dyn) - set(names) - set(out_names))
    if unknown:
        warnings.warn(
            f"export(): dynamic_axes names {unknown} are neither input nor output names "
            f"(inputs {names}, outputs {out_names[: len(outputs)]})",
            UserWarning,
            stacklevel=3,
        )
    graph_outputs = []
    data_dependent = _data_dependent(graph.nodes)
    for k, (t, name) in enumerate(zip(outputs, out_names, strict=False)):
        v = exporter.values.get(id(t)) or exporter.value_of(t)
        if v.name is None and v.array is None:
            raise UnsupportedOperatorError(f"export(): output {k} is {v.key}")
        if v.dtype.kind == "c":
            raise UnsupportedOperatorError(
                f"export(): output {k} is a complex tensor, and ONNX has no complex tensor type; return "
                "tocha.view_as_real(z), z.real or z.abs() instead"
            )
        source = exporter.materialize(v)
        final = graph.reserve(name)
        graph.nodes.append(helper.make_node("Identity", [source], [final], name=final + "_identity"))
        shape: list[int | str] = list(t.shape)
        axes = _axes_spec(dyn[name], name) if name in dyn else {}
        if k < len(shadow_outputs):
            other = tuple(shadow_outputs[k].shape)
            for i, (a, b) in enumerate(zip(t.shape, other, strict=False)):
                if a != b and i not in axes:
                    axes[i] = f"{name}_dim_{i}"
        if source in data_dependent:  # sizes that follow the data (masked_select, boolean masks)
            axes = {i: axes.get(i, f"{name}_dim_{i}") for i in range(len(shape))}
        for axis, symbol in axes.items():
            shape[axis % len(shape)] = symbol
        graph_outputs.append(_value_info(final, v.dtype, shape))

    graph_inputs = []
    seen: set[str] = set()
    for t, axes in zip(flat_inputs, input_axes, strict=False):
        v = exporter.values[id(t)]
        if v.name in seen or v.name is None:
            continue
        seen.add(v.name)
        shape = list(t.shape)
        for axis, symbol in axes.items():
            shape[axis % len(shape)] = symbol
        graph_inputs.append(_value_info(v.name, v.dtype, shape))
    for name, v in exporter.param_inputs:
        graph_inputs.append(_value_info(name, v.dtype, v.shape))

    # drop nodes no output depends on (values traced only to decide Python control flow), then initializers
    # no node reads (parameters folded into other constants)
    needed = {o.name for o in graph_outputs}
    kept: list[onnx.NodeProto] = []
    for node in reversed(graph.nodes):
        if any(o in needed for o in node.output):
            kept.append(node)
            needed.update(i for i in node.input if i)
    graph.nodes = kept[::-1]
    read = {i for node in graph.nodes for i in node.input}
    initializers = [init for init in graph.initializers if init.name in read]
    if keep_initializers_as_inputs:
        for init in initializers:
            graph_inputs.append(_value_info(init.name, onnx.helper.tensor_dtype_to_np_dtype(init.data_type), init.dims))
    onnx_graph = helper.make_graph(graph.nodes, "main_graph", graph_inputs, graph_outputs, initializers)
    opset_ids = [helper.make_opsetid("", graph.opset)]
    # nodes a plugin put in its own domain (``ctx.op(..., domain="com.example")``): version 1 of that domain
    opset_ids += [helper.make_opsetid(d, 1) for d in sorted({n.domain for n in graph.nodes} - {"", "ai.onnx"})]
    proto = helper.make_model(onnx_graph, opset_imports=opset_ids, producer_name="tocha.onnx", producer_version="0.1.0")
    proto.ir_version = min(proto.ir_version, _ir_version_for(graph.opset))
    return proto


def _ir_version_for(opset: int) -> int:
    """The oldest IR version that supports ``opset`` (so older runtimes can load the file)."""
    return int(helper.find_min_ir_version_for([helper.make_opsetid("", opset)]))


def _model_bytes(exported: Any) -> bytes:
    if isinstance(exported, onnx.ModelProto):
        return exported.SerializeToString()  # type: ignore[no-any-return]
    if isinstance(exported, (bytes, bytearray)):
        return bytes(exported)
    if isinstance(exported, io.BytesIO):
        return exported.getvalue()
    if isinstance(exported, (str, os.PathLike)):
        with open(exported, "rb") as fh:
            return fh.read()
    raise TypeError(f"expected an onnx.ModelProto, bytes, a BytesIO or a path, got {type(exported).__name__}")
