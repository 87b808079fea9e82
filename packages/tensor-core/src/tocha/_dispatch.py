"""Op records, the registry and the dispatcher.

NOTE [ Dispatch ]
Every primitive op call reaches :func:`call` (or :func:`call_inplace`) as
``(op, device, inputs, params)``: ``inputs`` holds the op's tensor operands
(a Python scalar may stand in for a tensor operand), ``params`` its static
arguments in the order the op's forward takes them. The forward is called as
``op.forward(xp, *arrays, *params)``.

Three stages, outermost first:

1. Dispatch layers pushed with :func:`push_layer` (tracers, profilers,
   plugins) see the call first, as an :class:`OpCall`. A layer forwards the
   call with ``proceed(call)``; tocha ops a layer runs itself skip that layer
   and everything above it, so a layer never sees its own work. Layers are
   per thread, as PyTorch's dispatch modes: a layer sees the calls of the
   thread that pushed it, and each thread pushes and pops its own stack.
2. The gradient layer (registered by tocha-autograd) sees calls in which grad
   mode is on and some input requires grad.
3. The kernel: the backend's array module runs the forward and the result is
   wrapped as a Tensor.

With no layer pushed and no input requiring grad, :func:`call` goes straight
to stage 3: no objects are built besides the result, no dicts, no exceptions.
That path is the small-op overhead budget (about 2 µs per op end to end).
With no layer pushed and some input requiring grad, an out-of-place call goes
to the gradient layer's ``direct`` entry when it has one (see
:func:`set_gradient_layer`) as ``(op, device, inputs, params)``, no OpCall
built; it runs the kernel with :func:`run_kernel_direct`.

NOTE [ Scalar operands ]
NumPy takes about 0.25 µs longer for ``array * 1.01`` than for ``array * array``: it converts the Python
float on every call. A 0-dim array of the array's float dtype gives the same result (NumPy casts a Python
float to the array's float dtype first) at the array * array cost, so for the ops named with
:func:`cache_scalar_operands` (add, mul) :func:`call` and :func:`run_kernel` pass a Python float second
operand of a NumPy float array as a cached 0-dim array: one per dtype and value, made on the value's
second use (a value used once costs little), in a small cache cleared when full. Zeros (0.0 == -0.0), NaN,
infinities and values outside the dtype's finite range stay Python floats, so converting never warns.
Dispatch layers and the gradient layer still see the Python float.

NOTE [ Floating-point warnings ]
PyTorch never warns about overflow, 0/0 or inf - inf; NumPy does
(RuntimeWarning). An op whose forward may raise such flags sets
``OpRecord.fp_errors``, and the dispatcher (the only place that does this)
runs its NumPy forward with every floating-point error ignored. ``np.errstate``
costs about 1 µs per use, so on NumPy 2 the forward runs instead in a
per-thread :class:`contextvars.Context` whose NumPy error state is "ignore"
(about 0.2 µs with the lookups); NumPy 1.x falls back to ``np.errstate``.
CuPy never warns. :func:`call`'s hot path enters that context directly; a
forward must therefore not run an ``fp_errors`` op through :func:`call`
(forwards work on arrays only; a context cannot be entered twice).
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from . import _float8, _tensor_base
from ._backend import xp_of
from ._device import device
from ._dtype import _FROM_NUMPY, ALL_DTYPES, FLOAT8_DTYPES, LIMITED_UNSIGNED_DTYPES, dtype, from_numpy_dtype, uint8
from ._layout import SparseLayoutError as _SparseLayoutError
from ._memory_errors import OutOfMemoryError, out_of_memory
from ._tensor_base import TensorBase, wrap

if TYPE_CHECKING:
    from ._tensor import Tensor

__all__ = [
    "OpRecord",
    "OpTest",
    "OpCall",
    "VjpContext",
    "DispatchLayer",
    "register_op",
    "get_op",
    "registered_ops",
    "call",
    "call_inplace",
    "run_kernel_direct",
    "push_layer",
    "pop_layer",
    "set_gradient_layer",
    "is_grad_enabled",
    "set_grad_enabled_state",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class OpTest:
    """Test metadata of an op, consumed by ``tocha.testing``'s op database.

    ``samples`` names a sample family of ``tocha.testing`` (``"unary"``,
    ``"binary"``, ...) or is a callable ``(device, dtype) -> iterable of
    SampleInput``. ``reference`` computes the expected result from NumPy
    arrays; ``torch_name`` names the PyTorch function to compare with.
    ``skips`` maps a test name to the reason it is skipped for this op.
    """

    samples: str | Callable[..., Any]
    reference: Callable[..., Any] | None = None
    torch_name: str | None = None
    domain: tuple[float | None, float | None] = (None, None)
    atol: float | None = None
    rtol: float | None = None
    skips: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class OpRecord:
    """One primitive op: forward, derivative and test metadata in one place.

    Attributes:
        name: the op's public name (``"add"``, ``"sum"``...).
        forward: ``forward(xp, *arrays, *params)`` returning an array (or a
            tuple of arrays when ``num_outputs > 1``); written once against
            the array module ``xp`` so NumPy and CuPy share it.
        vjp: ``vjp(ctx, grad) -> tuple`` of one gradient (or None) per input,
            written with tocha ops so that it is itself differentiable.
            None means the op is not differentiable.
        saves_inputs: indices of the inputs the vjp reads (``ctx.inputs``);
            nothing else is kept alive by the graph.
        saves_result: whether the vjp reads ``ctx.result``.
        differentiable_inputs: inputs that can receive a gradient (None: all).
        differentiable_outputs: outputs that carry a gradient (None: all).
        num_outputs: how many arrays the forward returns.
        view: ``True`` when the result always aliases input 0, ``"maybe"``
            when it does only for some layouts (reshape), ``False`` otherwise.
        supports_out: the forward accepts ``out=`` (a NumPy ufunc-style
            output array), used by in-place variants to avoid a copy.
        dtypes: the dtypes the op accepts (uint16/32/64 also run where uint8 is accepted,
            outside the test sweeps: NOTE [ Limited unsigned dtypes ] in tocha._dtype).
        fp_errors: the forward may raise floating-point flags (overflow,
            0/0...): NumPy's warnings for them are silenced, as PyTorch never
            warns there (see NOTE [ Floating-point warnings ]).
        test: metadata for the generated tests.
        jvp: ``jvp(ctx, *tangents) -> tangent`` (a tuple when ``num_outputs > 1``), the
            forward-mode derivative used by ``tocha.autograd.forward_ad``: ``ctx`` is a
            :class:`VjpContext` holding *all* the inputs, the result and the params;
            ``tangents`` has one entry per input (None where the input has no tangent,
            a list for a list input). Written with tocha ops. None: forward AD falls
            back to applying the vjp twice (see NOTE [ Forward AD ] in tocha.autograd).
    """

    name: str
    forward: Callable[..., Any]
    vjp: Callable[[VjpContext, Any], Sequence[Tensor | None]] | None = None
    saves_inputs: tuple[int, ...] = ()
    saves_result: bool = False
    differentiable_inputs: tuple[int, ...] | None = None
    differentiable_outputs: tuple[int, ...] | None = None
    num_outputs: int = 1
    view: bool | Literal["maybe"] = False
    supports_out: bool = False
    dtypes: tuple[dtype, ...] = ALL_DTYPES
    fp_errors: bool = False
    test: OpTest | None = None
    jvp: Callable[..., Any] | None = None
    dtype_set: frozenset[dtype] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        accepted = frozenset(self.dtypes)  # O(1) membership for the fast paths
        if uint8 in accepted:  # uint16/32/64 run wherever uint8 does: NOTE [ Limited unsigned dtypes ] in tocha._dtype
            accepted |= frozenset(LIMITED_UNSIGNED_DTYPES)
        if self.name in _float8.OPERAND_OPS:  # NOTE [ Float8 dtypes ] in tocha._float8
            accepted |= frozenset(FLOAT8_DTYPES)
        object.__setattr__(self, "dtype_set", accepted)


@dataclass(slots=True)
class VjpContext:
    """What a vjp may read: the saved inputs and result, the params and input shapes.

    ``inputs[i]`` is None unless ``i`` is in the op's ``saves_inputs``;
    ``result`` is None unless ``saves_result``. ``needs_input_grad[i]`` says
    whether input ``i`` wants a gradient, so a vjp can skip work.
    """

    inputs: tuple[Any, ...]
    result: Any
    params: tuple[Any, ...]
    input_shapes: tuple[tuple[int, ...] | None, ...]
    input_dtypes: tuple[dtype | None, ...]
    needs_input_grad: tuple[bool, ...]


@dataclass(slots=True)
class OpCall:
    """One op call as dispatch layers see it. ``out`` is the target of an in-place call."""

    op: OpRecord
    device: device
    inputs: tuple[Any, ...]
    params: tuple[Any, ...]
    out: Tensor | None = None


Proceed = Callable[[OpCall], Any]


class DispatchLayer:
    """An interposer that sees every op call while it is pushed.

    Override :meth:`handle`; call ``proceed(call)`` to run the op (through
    the layers below), possibly with a changed call, and return its result.

    Example:
        >>> import tocha
        >>> class Count(tocha.library.DispatchLayer):
        ...     def __init__(self):
        ...         self.names = []
        ...     def handle(self, call, proceed):
        ...         self.names.append(call.op.name)
        ...         return proceed(call)
        >>> with Count() as counter:
        ...     _ = tocha.ones(3) * 2 + 1
        >>> counter.names
        ['full', 'mul', 'add']
    """

    def handle(self, call: OpCall, proceed: Proceed) -> Any:
        """Handle one op call; the default forwards it unchanged."""
        return proceed(call)

    def __enter__(self) -> Any:
        push_layer(self)
        return self

    def __exit__(self, *exc: object) -> None:
        pop_layer(self)


_new = object.__new__
_ndarray = np.ndarray
_registry: dict[str, OpRecord] = {}


def register_op(record: OpRecord, *, replace: bool = False) -> OpRecord:
    """Add ``record`` to the registry and return it.

    Example:
        >>> import tocha
        >>> from tocha.library import OpRecord, register_op
        >>> twice = register_op(OpRecord(name="demo_twice", forward=lambda xp, a: a * 2))
        >>> tocha.library.call(twice, tocha.device("cpu"), (tocha.ones(2),), ())
        tensor([2., 2.])
    """
    if not isinstance(record, OpRecord):
        raise TypeError(f"register_op(): expected an OpRecord, got {type(record).__name__}")
    if record.name in _registry and not replace:
        raise RuntimeError(f"register_op(): an op named '{record.name}' is already registered")
    _registry[record.name] = record
    return record


def get_op(name: str) -> OpRecord:
    """The registered op called ``name``.

    Example:
        >>> import tocha
        >>> tocha.library.get_op("add").name
        'add'
    """
    try:
        return _registry[name]
    except KeyError:
        raise KeyError(f"no op named '{name}' is registered") from None


def registered_ops() -> dict[str, OpRecord]:
    """A copy of the registry, by name.

    Example:
        >>> import tocha
        >>> "matmul" in tocha.library.registered_ops()
        True
    """
    return dict(_registry)


# ------------------------------------------------------------------ state


try:  # NumPy 2 keeps its floating-point error state in a context variable
    from numpy._core._ufunc_config import _extobj_contextvar  # type: ignore[attr-defined]

    _np_errors: contextvars.ContextVar[Any] | None = _extobj_contextvar
    with np.errstate(all="ignore"):
        _ERRORS_IGNORED: Any = _extobj_contextvar.get()
except ImportError:  # pragma: no cover - NumPy 1.x
    _np_errors = None
    _ERRORS_IGNORED = None


def _errstate_run(forward: Callable[..., Any], *args: Any) -> Any:
    with np.errstate(all="ignore"):
        return forward(*args)


def _new_quiet_run() -> Callable[..., Any]:
    # See NOTE [ Floating-point warnings ].
    if _np_errors is None:  # pragma: no cover - NumPy 1.x
        return _errstate_run
    context = contextvars.Context()
    context.run(_np_errors.set, _ERRORS_IGNORED)
    return context.run


class _ThreadState(threading.local):
    grad_enabled: bool = True
    visible_layers: int = -1  # how many of this thread's layers ops may see; -1 means all

    def __init__(self) -> None:
        self.quiet_run = _new_quiet_run()  # runs a forward with NumPy's FP warnings off (one per thread)
        self.layers: list[DispatchLayer] = []  # this thread's dispatch stack (layers are per thread, as modes)


_state = _ThreadState()


def quiet_call(forward: Callable[..., Any], *args: Any) -> Any:
    """``forward(*args)`` with NumPy's floating-point warnings silenced.

    The dispatcher runs the forwards of ``fp_errors`` ops through this; host-side
    NumPy conversions outside an op (``tocha.tensor``'s) use it too. See
    NOTE [ Floating-point warnings ].
    """
    if _np_errors is not None and _np_errors.get() is _ERRORS_IGNORED:
        return forward(*args)  # already quiet: a forward running an op, or a nested quiet_call
    return _state.quiet_run(forward, *args)


_scalar_forwards: set[Callable[..., Any]] = set()  # forwards of the ops given to cache_scalar_operands
# dtype -> (largest finite value, cache of 0-dim arrays by value)
_SCALARS: dict[Any, tuple[float, dict[float, Any]]] = {
    np.dtype(t): (float(np.finfo(t).max), {}) for t in (np.float16, np.float32, np.float64)
}
_SCALAR_CACHE_SIZE = 256


def cache_scalar_operands(op: OpRecord) -> None:
    """Let ``op`` receive a Python float second operand as a cached 0-dim array (NOTE [ Scalar operands ])."""
    _scalar_forwards.add(op.forward)


def _cached_scalar(a: Any, b: float) -> Any:
    """``b`` as a cached read-only 0-dim array of NumPy float array ``a``'s dtype; ``b`` itself otherwise."""
    if a.__class__ is not _ndarray:
        return b
    entry = _SCALARS.get(a.dtype)
    if entry is None:
        return b
    largest, cache = entry
    found = cache.get(b)
    if found is None:  # first use of this value: remember it, make the array from the second use on
        if b == 0.0 or not -largest <= b <= largest:  # zeros, NaN, inf and values out of range stay floats
            return b
        if len(cache) >= _SCALAR_CACHE_SIZE:
            cache.clear()
        cache[b] = b
        return b
    if found.__class__ is float:
        found = cache[b] = np.array(b, dtype=a.dtype)
        found.flags.writeable = False
    return found


_layers: list[DispatchLayer] = []  # every thread's pushed layers: the dispatcher's one-check fast path reads it
_layers_lock = threading.Lock()
_gradient_layer: list[Callable[[OpCall, Proceed], Any]] = []
# [handler, direct]: the ``direct`` entry given with the gradient layer's handler (see set_gradient_layer), used
# for out-of-place calls made with no dispatch layer while ``handler`` is still the installed one.
_gradient_direct: list[Any] = [None, None]


def is_grad_enabled() -> bool:
    """Whether gradient recording is on in this thread."""
    return _state.grad_enabled


def set_grad_enabled_state(mode: bool) -> None:
    """Turn gradient recording on or off in this thread."""
    _state.grad_enabled = bool(mode)


def push_layer(layer: DispatchLayer) -> None:
    """Push ``layer`` on top of this thread's dispatch stack: it sees the op calls this thread makes."""
    if not isinstance(layer, DispatchLayer):
        raise TypeError(f"push_layer(): expected a DispatchLayer, got {type(layer).__name__}")
    _state.layers.append(layer)
    with _layers_lock:
        _layers.append(layer)


def pop_layer(layer: DispatchLayer | None = None) -> DispatchLayer:
    """Pop the top layer of this thread's stack (which must be ``layer`` when given) and return it."""
    stack = _state.layers
    if not stack:
        raise RuntimeError("pop_layer(): no dispatch layer is pushed in this thread")
    if layer is not None and stack[-1] is not layer:
        raise RuntimeError("pop_layer(): layers must be popped in the reverse order of pushing")
    top = stack.pop()
    with _layers_lock:
        for i in range(len(_layers) - 1, -1, -1):  # list.remove would compare layers with ==, not identity
            if _layers[i] is top:
                del _layers[i]
                break
    return top


def set_gradient_layer(
    handler: Callable[[OpCall, Proceed], Any] | None,
    direct: Callable[[OpRecord, device, tuple[Any, ...], tuple[Any, ...]], Any] | None = None,
) -> None:
    """Install the handler that records ops on tensors requiring grad (tocha-autograd's).

    ``handler(call, proceed)`` sees every call the gradient layer gets. ``direct``, optional, is the same
    handler for the hot case, an out-of-place call made with no dispatch layer pushed, taking
    ``(op, device, inputs, params)`` so that no :class:`OpCall` is built; it must behave exactly as
    ``handler(OpCall(op, device, inputs, params), run_kernel)`` and runs the kernel with
    :func:`run_kernel_direct`.
    """
    _gradient_layer.clear()
    _gradient_direct[:] = [handler, direct] if direct is not None else [None, None]
    if handler is not None:
        _gradient_layer.append(handler)


# ------------------------------------------------------------------ the kernel


def _wants_grad(inputs: tuple[Any, ...]) -> bool:
    if not _state.grad_enabled:
        return False
    for x in inputs:
        if isinstance(x, TensorBase) and x._requires_grad:
            return True
        if (type(x) is list or type(x) is tuple) and any(isinstance(t, TensorBase) and t._requires_grad for t in x):
            return True
    return False


def _unwrap(x: Any) -> Any:
    if isinstance(x, TensorBase):
        return x._data
    if type(x) is list or type(x) is tuple:
        return [t._data if isinstance(t, TensorBase) else t for t in x]
    return x


def _refuse_float8_off_cpu(dev: device, params: tuple[Any, ...]) -> None:
    """NotImplementedError for a factory asked for a float8 tensor on a GPU (NOTE [ Float8 dtypes ])."""
    for param in params:
        found = param if isinstance(param, np.dtype) else param.dtype if isinstance(param, np.ndarray) else None
        if found is not None and found in _float8.NUMPY_TYPES:
            raise _float8.off_cpu(found, dev)


def _uncommon_dtype(op: OpRecord, np_dtype: Any) -> dtype:
    """The dtype of a result that is not in ``_FROM_NUMPY``: float8 only from the ops that take it."""
    if np_dtype in _float8.NUMPY_TYPES:
        return _float8.check_result(op.name, np_dtype)  # type: ignore[no-any-return]
    return from_numpy_dtype(np_dtype)


def _wrap_result(op: OpRecord, dev: device, result: Any, inputs: tuple[Any, ...]) -> Any:
    if op.name not in _float8.OPS:
        for array in result if op.num_outputs != 1 else (result,):
            if getattr(array, "dtype", None) in _float8.NUMPY_TYPES:
                raise _float8.not_implemented(op.name, array.dtype)
    if op.num_outputs != 1:
        return tuple(wrap(r, dev) for r in result)
    if op.view:
        source = inputs[0]
        data = source._data
        base = result.base
        if (
            op.view is True
            or (base is not None and (base is data or base is data.base))  # a view of the same memory owner
            or (dev._xp or xp_of(dev)).may_share_memory(result, data)
        ):
            return wrap(result, dev, source._base if source._base is not None else source)
    if isinstance(result, np.generic):
        result = np.asarray(result)  # NumPy ufuncs return scalars for 0-dim operands
    return wrap(result, dev)


def run_kernel(call: OpCall) -> Any:
    """Run ``call`` on its backend, bypassing every layer (the innermost stage)."""
    out = call.out
    if out is None:
        return run_kernel_direct(call.op, call.device, call.inputs, call.params)
    op = call.op
    xp = call.device._xp or xp_of(call.device)
    return _write_inplace(op, xp, out, [_unwrap(x) for x in call.inputs], call.params)


def run_kernel_direct(op: OpRecord, dev: device, inputs: tuple[Any, ...], params: tuple[Any, ...]) -> Any:
    """Run out-of-place op ``op`` on ``dev``, bypassing every layer: :func:`run_kernel` without an OpCall.

    Example:
        >>> import tocha
        >>> x = tocha.ones(2)
        >>> tocha.library.run_kernel_direct(tocha.library.get_op("mul"), x.device, (x, 3.0), ())
        tensor([3., 3.])
    """
    xp = dev._xp or xp_of(dev)
    if op.num_outputs == 1 and not op.view and 0 < len(inputs) <= 2:
        # The gradient layer's common call (one or two operands, one plain result): the same steps as the
        # general path below, without the list, the star-args and _wrap_result.
        x = inputs[0]
        a = x._data if isinstance(x, TensorBase) else _unwrap(x)
        if len(inputs) == 2:
            y = inputs[1]
            if isinstance(y, TensorBase):
                b = y._data
            elif y.__class__ is float:
                b = _cached_scalar(a, y) if op.forward in _scalar_forwards else y  # NOTE [ Scalar operands ]
            else:
                b = _unwrap(y)
            if op.fp_errors and xp is np:
                run = _state.quiet_run  # quiet_call, inlined as in call()
                result = run(op.forward, xp, a, b, *params) if params else run(op.forward, xp, a, b)
            else:
                result = op.forward(xp, a, b, *params) if params else op.forward(xp, a, b)
        elif op.fp_errors and xp is np:
            run = _state.quiet_run  # quiet_call, inlined as in call()
            result = run(op.forward, xp, a, *params) if params else run(op.forward, xp, a)
        else:
            result = op.forward(xp, a, *params) if params else op.forward(xp, a)
        if result.__class__ is not _ndarray and isinstance(result, np.generic):
            result = np.asarray(result)  # NumPy ufuncs return scalars for 0-dim operands
        # wrap(result, dev), inlined as in call(): this runs once per recorded op.
        t = _new(_tensor_base._tensor_class)
        t._data = result
        found = _FROM_NUMPY.get(result.dtype)
        t._dtype = found if found is not None else _uncommon_dtype(op, result.dtype)
        t._device = dev
        t._base = None
        t._version = 0
        t._requires_grad = False
        t._grad = None
        t._grad_fn = None
        t._autograd_meta = None
        return t
    arrays = [_unwrap(x) for x in inputs]
    if op.fp_errors and xp is np:
        result = quiet_call(op.forward, xp, *arrays, *params)
    else:
        result = op.forward(xp, *arrays, *params)
    return _wrap_result(op, dev, result, inputs)


def _write_inplace(op: OpRecord, xp: Any, out: TensorBase, arrays: list[Any], params: tuple[Any, ...]) -> Any:
    if op.fp_errors and xp is np:
        _state.quiet_run(_write, op, xp, out._data, arrays, params)  # quiet_call, inlined
    else:
        _write(op, xp, out._data, arrays, params)
    root = out._base if out._base is not None else out
    root._version += 1
    return out


def _write(op: OpRecord, xp: Any, target: Any, arrays: list[Any], params: tuple[Any, ...]) -> None:
    if target.dtype in _float8.NUMPY_TYPES:
        _write_float8(op, xp, target, arrays, params)
        return
    if op.supports_out:
        try:
            op.forward(xp, *arrays, *params, out=target)
            return
        except TypeError:
            # a ufunc refusing to cast its result into ``out`` (int64 into uint8 is not NumPy's 'same_kind'),
            # which PyTorch's in-place ops do, wrapping: the caller checked that PyTorch allows the cast
            pass
    result = op.forward(xp, *arrays, *params)
    if target.shape != result.shape:
        target[...] = result  # broadcasting rules were checked by the caller
    else:
        xp.copyto(target, result, casting="unsafe")


def _write_float8(op: OpRecord, xp: Any, target: Any, arrays: list[Any], params: tuple[Any, ...]) -> None:
    """An in-place op into a float8 tensor: computed out of place, then rounded as PyTorch rounds
    (NOTE [ Float8 dtypes ])."""
    if op.name not in _float8.OPS:
        raise _float8.not_implemented(op.name, target.dtype)
    result = op.forward(xp, *arrays, *params)
    if result.dtype != target.dtype:
        result = _float8.convert(result, target.dtype)
    target[...] = result


def _proceed_gradient(call: OpCall) -> Any:
    out = call.out
    if _gradient_layer and (
        _wants_grad(call.inputs) or (out is not None and out._requires_grad and _state.grad_enabled)
    ):
        return _gradient_layer[0](call, run_kernel)
    return run_kernel(call)


def _through_layers(call: OpCall) -> Any:
    visible = _state.visible_layers
    level = (len(_state.layers) if visible < 0 else visible) - 1
    return _run_level(level, call)


def _run_level(level: int, call: OpCall) -> Any:
    if level < 0:
        return _proceed_gradient(call)
    layer = _state.layers[level]
    previous = _state.visible_layers
    _state.visible_layers = level
    try:
        return layer.handle(call, lambda c: _run_level(level - 1, c))
    finally:
        _state.visible_layers = previous


def call(op: OpRecord, dev: device, inputs: tuple[Any, ...], params: tuple[Any, ...]) -> Any:
    """Run op ``op`` on ``dev`` with tensor operands ``inputs`` and static ``params``.

    Example:
        >>> import tocha
        >>> add = tocha.library.get_op("add")
        >>> tocha.library.call(add, tocha.device("cpu"), (tocha.ones(2), 3.0), ())
        tensor([4., 4.])
    """
    try:
        if _layers and _state.visible_layers != 0:
            return _through_layers(OpCall(op, dev, inputs, params))
        xp = dev._xp or xp_of(dev)
        n = len(inputs)
        if n == 2:
            x, y = inputs
            xt = isinstance(x, TensorBase)
            yt = isinstance(y, TensorBase)
            if (
                _gradient_layer
                and ((xt and x._requires_grad) or (yt and y._requires_grad) or (not (xt or yt) and _wants_grad(inputs)))
                and _state.grad_enabled  # last: a thread-local read, skipped when nothing requires grad
            ):
                if _gradient_layer[0] is _gradient_direct[0]:
                    return _gradient_direct[1](op, dev, inputs, params)
                return _gradient_layer[0](OpCall(op, dev, inputs, params), run_kernel)
            a = x._data if xt else _unwrap(x)
            if yt:
                b = y._data
            elif y.__class__ is float:
                b = _cached_scalar(a, y) if op.forward in _scalar_forwards else y  # NOTE [ Scalar operands ]
            else:
                b = _unwrap(y)
            if op.fp_errors and xp is np:
                run = _state.quiet_run  # quiet_call, inlined
                result = run(op.forward, xp, a, b, *params) if params else run(op.forward, xp, a, b)
            else:
                result = op.forward(xp, a, b, *params) if params else op.forward(xp, a, b)
        elif n == 1:
            x = inputs[0]
            xt = isinstance(x, TensorBase)
            if _gradient_layer and (x._requires_grad if xt else _wants_grad(inputs)) and _state.grad_enabled:
                if _gradient_layer[0] is _gradient_direct[0]:
                    return _gradient_direct[1](op, dev, inputs, params)
                return _gradient_layer[0](OpCall(op, dev, inputs, params), run_kernel)
            a = x._data if xt else _unwrap(x)
            if op.fp_errors and xp is np:
                run = _state.quiet_run  # quiet_call, inlined
                result = run(op.forward, xp, a, *params) if params else run(op.forward, xp, a)
            else:
                result = op.forward(xp, a, *params) if params else op.forward(xp, a)
        else:
            if _gradient_layer and _wants_grad(inputs):
                if _gradient_layer[0] is _gradient_direct[0]:
                    return _gradient_direct[1](op, dev, inputs, params)
                return _gradient_layer[0](OpCall(op, dev, inputs, params), run_kernel)
            arrays = [_unwrap(x) for x in inputs]
            if op.fp_errors and xp is np:
                result = quiet_call(op.forward, xp, *arrays, *params)
            else:
                if xp is not np:
                    _refuse_float8_off_cpu(dev, params)
                result = op.forward(xp, *arrays, *params)
        if op.num_outputs != 1 or op.view:
            return _wrap_result(op, dev, result, inputs)
        if result.__class__ is not _ndarray and isinstance(result, np.generic):
            result = np.asarray(result)  # NumPy ufuncs return scalars for 0-dim operands
        # wrap(result, dev), inlined: this is the small-op hot path.
        t = _new(_tensor_base._tensor_class)
        t._data = result
        found = _FROM_NUMPY.get(result.dtype)
        t._dtype = found if found is not None else _uncommon_dtype(op, result.dtype)
        t._device = dev
        t._base = None
        t._version = 0
        t._requires_grad = False
        t._grad = None
        t._grad_fn = None
        t._autograd_meta = None
        return t
    except OutOfMemoryError:  # an inner call's, which named its op
        raise
    except MemoryError as error:  # NOTE [ Out of memory ] in tocha._memory_errors
        raise out_of_memory(op.name, dev, inputs, error) from error
    except _SparseLayoutError:  # a sparse operand (NOTE [ Sparse COO tensors ]): its own rules
        from ._sparse import run_op

        return run_op(op, dev, inputs, params)
    except TypeError as error:  # NumPy refusing a float8 operand: PyTorch's error instead (NOTE [ Float8 dtypes ])
        for x in inputs:
            if isinstance(x, TensorBase) and x._data.dtype in _float8.NUMPY_TYPES:
                raise _float8.not_implemented(op.name, x._data.dtype) from error
        raise


# NOTE [ Writing into overlapping memory ]
# An in-place op whose target has several elements at one memory location (a stride 0 over a dim of size > 1:
# ``x.expand(2, 3).add_(1)``) raises, as PyTorch's element-wise kernels do, rather than write each location
# several times. As in PyTorch, filling with a number (``fill_``, ``zero_``, ``x[i] = 3.0``), indexed writes
# (``x[idx] = v``: allowed, ``index_put_``/``masked_fill_``/``index_fill_`` with PyTorch's deprecation warning) are
# let through; ``copy_`` (which ``fill_`` and ``zero_`` use too) checks in ``copy_into``, which knows whether it
# copies a tensor. (PyTorch also lets ``tril_``/``triu_`` through, with results that depend on its write order;
# tocha raises there. Overlaps without a stride 0, from ``as_strided``, are not detected, as in PyTorch, but
# tocha's writes act as if the operands did not overlap, where PyTorch's depend on the order of its writes.)
_OVERLAP_WARNS = {
    "index_put": ("index_put_", "tensor[indices] = tensor"),
    "masked_fill": ("masked_fill_", "tensor[mask] = scalar"),
    "index_fill": ("index_fill_", "tensor[mask] = scalar"),
}
_OVERLAP_ALLOWED = frozenset({"setitem", "copy_"})


def check_no_internal_overlap(name: str, out: Any) -> None:
    """Raise PyTorch's RuntimeError when ``out`` (an in-place op's target) has several elements at one memory
    location (NOTE [ Writing into overlapping memory ]); ``name``: the op, for the message."""
    data = out._data
    if (
        0 not in data.strides
        or data.size == 0
        or not any(stride == 0 and n > 1 for stride, n in zip(data.strides, data.shape, strict=True))
    ):
        return
    raise RuntimeError(
        "unsupported operation: more than one element of the written-to tensor refers to a single memory location. "
        f"Please clone() the tensor before performing the operation. ({name.rstrip('_')}_ into a tensor of shape "
        f"{list(data.shape)} and strides {[st // data.itemsize for st in data.strides]})"
    )


def _check_overlapping_target(op: OpRecord, out: Any) -> None:
    name = op.name
    if name in _OVERLAP_ALLOWED:
        return
    if name not in _OVERLAP_WARNS:
        check_no_internal_overlap(name, out)
        return
    data = out._data
    if any(stride == 0 and n > 1 for stride, n in zip(data.strides, data.shape, strict=True)):
        import warnings

        method, example = _OVERLAP_WARNS[name]
        warnings.warn(
            f"Use of {method} on expanded tensors is deprecated. Please clone() the tensor before performing this "
            f"operation. This also applies to advanced indexing e.g. {example}",
            UserWarning,
            stacklevel=4,
        )


def call_inplace(op: OpRecord, dev: device, out: Tensor, inputs: tuple[Any, ...], params: tuple[Any, ...]) -> Tensor:
    """Run ``op`` and write its result into ``out`` (an in-place op); returns ``out``.

    Example:
        >>> import tocha
        >>> t = tocha.zeros(2)
        >>> _ = tocha.library.call_inplace(tocha.library.get_op("add"), t.device, t, (t, 5.0), ())
        >>> t
        tensor([5., 5.])
    """
    if 0 in out._data.strides:  # a stride 0 may make several elements share memory (an expanded tensor)
        _check_overlapping_target(op, out)
    try:
        if (_layers and _state.visible_layers != 0) or (
            # the target counts too: overwriting a tensor that requires grad changes its history (copy_, fill_)
            _gradient_layer and (_wants_grad(inputs) or (out._requires_grad and _state.grad_enabled))
        ):
            return _through_layers(OpCall(op, dev, inputs, params, out))  # type: ignore[no-any-return]
        xp = dev._xp or xp_of(dev)
        arrays = [x._data if isinstance(x, TensorBase) else _unwrap(x) for x in inputs]
        return _write_inplace(op, xp, out, arrays, params)  # type: ignore[no-any-return]
    except OutOfMemoryError:  # an inner call's, which named its op
        raise
    except MemoryError as error:  # NOTE [ Out of memory ] in tocha._memory_errors
        raise out_of_memory(op.name, dev, inputs, error) from error
    except _SparseLayoutError:  # a sparse operand (NOTE [ Sparse COO tensors ])
        from ._sparse import run_inplace

        return run_inplace(op, dev, out, inputs, params)
    except TypeError as error:  # NumPy refusing a float8 operand: PyTorch's error instead (NOTE [ Float8 dtypes ])
        for x in inputs:
            if isinstance(x, TensorBase) and x._data.dtype in _float8.NUMPY_TYPES:
                raise _float8.not_implemented(op.name, x._data.dtype) from error
        raise
