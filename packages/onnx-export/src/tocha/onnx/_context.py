"""The graph under construction and the per-call context handed to symbolic functions.

NOTE [ Dynamic sizes ]
A traced run bakes every Python int into the op params: a reshape target computed from ``x.shape`` is just
``(2, 192)``. To keep the sizes named in ``dynamic_axes`` symbolic, :func:`tocha.onnx.export` first runs the
model on a *shadow* copy of the inputs in which every dynamic size is larger (size ``k`` grows by ``k + 1``,
repeating the data, so token ids stay valid; axes named alike in dict form, or auto-named axes of equal traced
size on different inputs, are one size and grow together), records the params of each op call, then runs the
real trace and compares the params call by call. An int leaf that differs between the two runs is handed to the symbolic
function as a :class:`DynInt` (an ``int`` holding the shadow value too). :meth:`SymbolicContext.ints` turns such
a leaf into ONNX nodes: it looks for a constant ``c`` and a set ``S`` of dynamic input axes with
``value == c * prod(S)`` in both runs and computes ``c * prod(Shape(input)[axis] for axis in S)`` at run time;
failing that, for one axis ``a * size + b`` with integer ``a > 0`` and ``b`` (``seq - 1``). Static leaves stay
constants. An op with such a param and no symbolic function is computed at export time (its sizes baked in,
with a TracerWarning) when none of its inputs depends on the graph inputs. When the two runs do not call the
same ops, nothing is treated as dynamic (the exporter warns).
"""

from __future__ import annotations

import itertools
import sys
import traceback
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np

import onnx
from onnx import helper, numpy_helper

__all__ = ["DynInt", "SymbolicContext", "UnsupportedOperatorError", "TracerWarning"]


class TracerWarning(UserWarning):
    """Warned when a traced tensor's value decided Python control flow during export.

    The exported graph keeps only the branch taken, as ``torch.onnx``'s tracer does.
    """


class UnsupportedOperatorError(RuntimeError):
    """An op call cannot be expressed in ONNX; the message names the op, the module path and the source line."""


class DynInt(int):
    """An int param that depends on a dynamic axis: ``int(self)`` is the traced value, ``shadow`` the other run's.

    Example:
        >>> from tocha.onnx import DynInt
        >>> n = DynInt(6, 15)
        >>> n + 1, n.shadow
        (7, 15)
    """

    shadow: int

    def __new__(cls, value: int, shadow: int) -> DynInt:
        obj = super().__new__(cls, value)
        obj.shadow = shadow
        return obj


_ONNX_OF_NUMPY: dict[np.dtype[Any], int] = {}


def onnx_dtype(dtype: Any) -> int:
    """The ONNX element type of a NumPy dtype (or a ``tocha.dtype``, via its NumPy name)."""
    np_dtype = np.dtype(getattr(dtype, "name", dtype) if not isinstance(dtype, np.dtype) else dtype)
    found = _ONNX_OF_NUMPY.get(np_dtype)
    if found is None:
        found = _ONNX_OF_NUMPY[np_dtype] = helper.np_dtype_to_tensor_dtype(np_dtype)
    return found


class Value:
    """What the exporter knows about one traced tensor: its ONNX name, dtype, shape and whether it is static."""

    __slots__ = ("array", "dtype", "key", "name", "shape")

    def __init__(self, name: str | None, dtype: np.dtype[Any], shape: tuple[int, ...], array: Any, key: str | None):
        self.name = name  # None until a constant is first used by a node
        self.dtype = dtype
        self.shape = shape
        self.array = array  # host array of a static (constant-foldable) tensor, else None
        self.key = key  # state-dict key of a parameter or buffer


class Symbol:
    """One dynamic input axis: the graph input's name, the axis, and its size in the traced and shadow runs."""

    __slots__ = ("axis", "input", "shadow", "size")

    def __init__(self, input: str, axis: int, size: int, shadow: int) -> None:
        self.input = input
        self.axis = axis
        self.size = size
        self.shadow = shadow


class Graph:
    """The ONNX graph being built: nodes, initializers and unique names."""

    def __init__(self, opset: int) -> None:
        self.opset = opset
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.used: set[str] = set()
        self.counter = itertools.count()
        self.symbols: list[Symbol] = []
        self.symbol_cache: dict[tuple[int, ...], str] = {}
        self.const_cache: dict[tuple[Any, ...], str] = {}
        self.scope = ""

    def fresh(self, hint: str) -> str:
        """A new unique value name."""
        while True:
            name = f"/{self.scope}/{hint}_{next(self.counter)}" if self.scope else f"/{hint}_{next(self.counter)}"
            if name not in self.used:
                self.used.add(name)
                return name

    def reserve(self, name: str) -> str:
        """Claim ``name`` (a graph input, output or initializer name), made unique when taken."""
        base, n = name, 0
        while name in self.used:
            n += 1
            name = f"{base}.{n}"
        self.used.add(name)
        return name

    def add_initializer(self, name: str, array: Any) -> str:
        """Store ``array`` as an initializer called ``name`` (made unique)."""
        name = self.reserve(name)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def constant(self, array: Any) -> str:
        """A Constant node holding ``array``; small integer vectors are shared."""
        arr = np.asarray(array)
        cache_key: tuple[Any, ...] | None = None
        if arr.size <= 8:
            cache_key = (arr.dtype.str, arr.shape, arr.tobytes())
            found = self.const_cache.get(cache_key)
            if found is not None:
                return found
        name = self.fresh("Constant")
        self.nodes.append(helper.make_node("Constant", [], [name], value=numpy_helper.from_array(arr)))
        if cache_key is not None:
            self.const_cache[cache_key] = name
        return name

    def node(self, op_type: str, inputs: Sequence[str], num_outputs: int = 1, **attrs: Any) -> list[str]:
        """Append one node and return its output names."""
        outs = [self.fresh(op_type) for _ in range(num_outputs)]
        self.nodes.append(helper.make_node(op_type, list(inputs), outs, name=outs[0] + "_node", **attrs))
        return outs


class SymbolicContext:
    """What a symbolic function sees for one op call, and how it adds ONNX nodes.

    A symbolic function takes this context and returns the ONNX value name of the op's result (a sequence of
    names, one per output, for ops with several outputs; ``None`` for an output it cannot produce).

    Attributes:
        op_name: the tocha op's registered name.
        params: the op's static params; ints that depend on a dynamic axis are :class:`DynInt`.
        opset: the ONNX opset being exported.
    """

    def __init__(
        self,
        graph: Graph,
        op_name: str,
        inputs: tuple[Any, ...],
        values: tuple[Any, ...],
        params: tuple[Any, ...],
        results: tuple[Value, ...],
        materialize: Any,
    ) -> None:
        self._graph = graph
        self.op_name = op_name
        self._inputs = inputs  # raw call inputs (tensors, scalars, None, lists)
        self._values = values  # Value (or list of Value) per input, None where not a tensor
        self.params = params
        self._results = results
        self._materialize = materialize
        self.opset = graph.opset

    # -------------------------------------------------------------- inputs

    def num_inputs(self) -> int:
        """How many inputs the op call has."""
        return len(self._inputs)

    def is_none(self, i: int) -> bool:
        """Whether input ``i`` is None (an optional tensor left out)."""
        return self._inputs[i] is None

    def is_tensor(self, i: int) -> bool:
        """Whether input ``i`` is a tensor (not a Python scalar, None or a list)."""
        return isinstance(self._values[i], Value)

    def scalar(self, i: int) -> Any:
        """Input ``i`` as the Python scalar it was (for non-tensor operands)."""
        return self._inputs[i]

    def input(self, i: int, dtype: Any = None) -> str:
        """The ONNX name of input ``i``; a Python scalar becomes a constant of ``dtype`` (default: the result's).

        With ``dtype`` given, a tensor input of another dtype is cast to it.
        """
        v = self._values[i]
        if isinstance(v, Value):
            name: str = self._materialize(v)
            if dtype is not None and np.dtype(dtype) != v.dtype:
                name = self.op("Cast", name, to=onnx_dtype(dtype))
            return name
        if isinstance(v, list):
            raise TypeError(f"input {i} of '{self.op_name}' is a list: use input_list()")
        value = self._inputs[i]
        if value is None:
            raise TypeError(f"input {i} of '{self.op_name}' is None")
        target = np.dtype(dtype) if dtype is not None else self.output_dtype()
        return self.constant(np.asarray(value, dtype=target))

    def input_list(self, i: int, dtype: Any = None) -> list[str]:
        """The ONNX names of a list input (``index``'s tensors; None entries are left out)."""
        vs = self._values[i]
        if not isinstance(vs, list):
            return [self.input(i, dtype)]
        names = []
        for v in vs:
            if v is None:
                continue
            name: str = self._materialize(v)
            if dtype is not None and np.dtype(dtype) != v.dtype:
                name = self.op("Cast", name, to=onnx_dtype(dtype))
            names.append(name)
        return names

    def input_dtype(self, i: int) -> np.dtype[Any]:
        """The NumPy dtype of tensor input ``i`` (a Python scalar: the dtype NumPy gives it)."""
        v = self._values[i]
        if isinstance(v, Value):
            return v.dtype
        if isinstance(v, list):
            return next(w.dtype for w in v if w is not None)  # type: ignore[no-any-return]
        return np.asarray(self._inputs[i]).dtype

    def input_shape(self, i: int) -> tuple[int, ...]:
        """The traced shape of tensor input ``i``."""
        v = self._values[i]
        if isinstance(v, Value):
            return v.shape
        return ()

    def input_static(self, i: int) -> Any:
        """The host array of input ``i`` when it is a constant of the graph (no dependence on its inputs), else None."""
        v = self._values[i]
        if isinstance(v, Value):
            return v.array
        if v is None and not isinstance(self._inputs[i], list):
            return None if self._inputs[i] is None else np.asarray(self._inputs[i])
        return None

    def output_dtype(self, k: int = 0) -> np.dtype[Any]:
        """The NumPy dtype of output ``k``."""
        return self._results[k].dtype

    def output_shape(self, k: int = 0) -> tuple[int, ...]:
        """The traced shape of output ``k``."""
        return self._results[k].shape

    # -------------------------------------------------------------- building

    def op(self, op_type: str, *inputs: str, num_outputs: int = 1, **attrs: Any) -> Any:
        """Add an ONNX node; returns its output name (a list of names when ``num_outputs > 1``).

        Keyword arguments are the node's attributes; ``domain="com.example"`` puts the node in a custom operator
        domain (imported at version 1).

        Example:
            >>> # inside a symbolic function: ``return ctx.op("Relu", ctx.input(0))``
        """
        outs = self._graph.node(op_type, inputs, num_outputs, **attrs)
        return outs if num_outputs > 1 else outs[0]

    def constant(self, value: Any, dtype: Any = None) -> str:
        """A Constant node holding ``value`` (as ``dtype`` when given)."""
        return self._graph.constant(np.asarray(value, dtype=dtype))

    def ints(self, values: Sequence[int] | int) -> str:
        """A 1-D int64 tensor of ``values``; :class:`DynInt` entries are computed from the dynamic input sizes."""
        seq = [values] if isinstance(values, int) else list(values)
        if not any(isinstance(v, DynInt) for v in seq):
            return self.constant(np.asarray(seq, dtype=np.int64).reshape(len(seq)))
        pieces: list[str] = []
        run: list[int] = []
        for v in seq:
            if isinstance(v, DynInt):
                if run:
                    pieces.append(self.constant(np.asarray(run, dtype=np.int64)))
                    run = []
                pieces.append(self.dyn_size(v))
            else:
                run.append(int(v))
        if run:
            pieces.append(self.constant(np.asarray(run, dtype=np.int64)))
        return pieces[0] if len(pieces) == 1 else self.op("Concat", *pieces, axis=0)

    def dyn_size(self, value: DynInt) -> str:
        """A 1-element int64 tensor computing ``value`` from the dynamic axes (NOTE [ Dynamic sizes ])."""
        symbols = self._graph.symbols
        target = (int(value), value.shadow)
        for r in range(1, min(3, len(symbols)) + 1):
            for combo in itertools.combinations(range(len(symbols)), r):
                p1 = int(np.prod([symbols[k].size for k in combo]))
                p2 = int(np.prod([symbols[k].shadow for k in combo]))
                c = Fraction(target[0], p1)
                if c * p2 == target[1] and c > 0:
                    node = self._symbol_product(combo)
                    if c.numerator != 1:
                        node = self.op("Mul", node, self.constant(np.asarray([c.numerator], dtype=np.int64)))
                    if c.denominator != 1:
                        node = self.op("Div", node, self.constant(np.asarray([c.denominator], dtype=np.int64)))
                    return node
        # affine in one size: ``seq - 1`` first (slope 1 for any axis), then ``2 * batch + 1``
        candidates = [(k, Fraction(target[0] - target[1], s.size - s.shadow)) for k, s in enumerate(symbols)]
        for k, c in sorted(candidates, key=lambda kc: kc[1] != 1):
            d = target[0] - c * symbols[k].size
            if c > 0 and c.denominator == 1 and d.denominator == 1:
                node = self._symbol_product((k,))
                if c != 1:
                    node = self.op("Mul", node, self.constant(np.asarray([c.numerator], dtype=np.int64)))
                return self.op("Add", node, self.constant(np.asarray([int(d)], dtype=np.int64)))  # type: ignore[no-any-return]
        raise self.error(
            f"the size {int(value)} depends on a dynamic axis in a way the exporter cannot express "
            "(supported: c * product of dynamic sizes, or a * size + b)"
        )

    def _symbol_product(self, combo: tuple[int, ...]) -> str:
        cache = self._graph.symbol_cache
        found = cache.get(combo)
        if found is not None:
            return found
        node: str
        if len(combo) == 1:
            sym = self._graph.symbols[combo[0]]
            shape = self.op("Shape", sym.input)
            node = self.op("Gather", shape, self.constant(np.asarray([sym.axis], dtype=np.int64)), axis=0)
        else:
            node = self.op("Mul", self._symbol_product(combo[:-1]), self._symbol_product(combo[-1:]))
        cache[combo] = node
        return node

    def reduce(self, op_type: str, x: str, axes: Sequence[int] | None, keepdims: bool) -> str:
        """A Reduce* node over ``axes`` (None: all), written for the opset (axes as attribute or input)."""
        keep = int(keepdims)
        if axes is None:
            return self.op(op_type, x, keepdims=keep)  # type: ignore[no-any-return]
        axes = [int(a) for a in axes]
        if op_type == "ReduceSum" or self.opset >= 18:
            return self.op(op_type, x, self.ints(axes), keepdims=keep)  # type: ignore[no-any-return]
        return self.op(op_type, x, axes=axes, keepdims=keep)  # type: ignore[no-any-return]

    def unsqueeze(self, x: str, axes: Sequence[int]) -> str:
        """An Unsqueeze node (axes as input since opset 13)."""
        return self.op("Unsqueeze", x, self.ints(list(axes)))  # type: ignore[no-any-return]

    def squeeze(self, x: str, axes: Sequence[int] | None = None) -> str:
        """A Squeeze node (all size-1 axes when ``axes`` is None)."""
        if axes is None:
            return self.op("Squeeze", x)  # type: ignore[no-any-return]
        return self.op("Squeeze", x, self.ints(list(axes)))  # type: ignore[no-any-return]

    def cast(self, x: str, dtype: Any) -> str:
        """A Cast node to NumPy ``dtype``."""
        return self.op("Cast", x, to=onnx_dtype(dtype))  # type: ignore[no-any-return]

    def error(self, message: str) -> UnsupportedOperatorError:
        """An :class:`UnsupportedOperatorError` for this call (raise it); the exporter adds module and line."""
        return UnsupportedOperatorError(
            f"Exporting the operator '{self.op_name}' to ONNX opset {self.opset} is not supported: {message}"
        )


def user_frame() -> str:
    """``file:line (function): source`` of the innermost stack frame outside tocha's packages."""
    import tocha

    roots = tuple(str(p) for p in getattr(tocha, "__path__", []))
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(roots) and "importlib" not in filename:
            summary = traceback.extract_stack(frame, limit=1)[-1]
            line = (summary.line or "").strip()
            return f'File "{summary.filename}", line {summary.lineno}, in {summary.name}: {line}'
        frame = frame.f_back  # type: ignore[assignment]
    return "<unknown>"
