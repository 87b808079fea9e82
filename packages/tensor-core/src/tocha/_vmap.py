"""Batched execution for ``tocha.func.vmap``: batched tensors, the batching layer and its rules' registry.

NOTE [ Batched vmap ]
``vmap(f)(x)`` first runs ``f`` once on the whole batch. Each batched argument is handed to ``f`` as a
:class:`BatchedTensor`: a tensor that reports one entry's shape (``x.shape``, ``x.dim()``, ``len(x)``) and
holds the batched value, batch dimension first, together with the vmap's level. A :class:`BatchingLayer`,
pushed while ``f`` runs, sees every op call; a call with operands batched at its level runs the op's
batching rule on the values (the batch dimension first; rules get them with a flag per operand) and wraps
the result again; a call with none proceeds unchanged. An op without a rule runs once per entry on slices
of the values (the per-op loop), except a view op, whose per-entry results could not alias the batched
value.

Whatever the batched run cannot do raises :class:`UnbatchableError` inside it, and ``vmap`` then runs ``f``
once per entry (the loop of NOTE [ Function transforms ] in tocha.func), whose result is the reference
the batched run must equal. That covers reading values on the host (``item()``, ``tolist()``, ``bool(x)``,
printing), a tensor-core fast path that reads a batched tensor's array directly (``_data`` is a
shape-only stand-in: its shape, ndim, dtype and size are one entry's, anything else raises), the random
draws NOTE [ Randomness under vmap ] leaves to the loop, per-entry results of different shapes, in-place writes of
batched values into unbatched tensors, ``backward()`` and the autograd API called on batched tensors
inside ``f`` (``tocha.func.grad`` and ``grad_and_value`` are batched themselves), and nested vmaps whose
batched tensors meet a transform. Any other exception in the batched run also falls back to the loop,
so an error ``f`` raises is the loop's (with one entry's shapes in it). Side effects of ``f`` (appends to
a list, prints) may then happen once more than the loop alone would make them.

Gradients flow through: rules run tocha ops on the values, which the gradient layer (below every
dispatch layer) records as batched ops. ``grad`` inside ``vmap`` differentiates with respect to leaves
that hold the whole batch (an unbatched argument is expanded over it), and since entries never mix, the
gradient of the batched output's sum is every entry's gradient at once.

Nested vmaps nest levels: a BatchedTensor's value may itself be batched at an outer level, and the
rules' ops on it pass through the outer layer.

NOTE [ Randomness under vmap ]
A random op is one whose params carry a ``Generator``. Under ``randomness='error'`` it raises (a dispatch
layer of tocha.func refuses it). Under ``'different'`` each entry draws its own values: a random op with a
batched operand runs its rule on the whole batch (an in-place sampler such as ``bernoulli_`` fills every
entry of a batched target; ``bernoulli``, ``poisson`` and ``normal`` draw per element of the batched value;
``multinomial`` samples each entry's rows), and one without (``randn(3)``, ``randperm(5)``) draws once per
entry, the draws stacked into a batched result. Under ``'same'`` an op without batched operands draws once
(every entry sees that draw), and an in-place sampler on a batched target fills entry 0 and copies it to the
others. The ``*_like`` factories of a batched tensor are batched (``empty_like(x)`` is one entry's tensor
per entry, as in PyTorch), so ``dropout``'s noise, ``empty_like(x).bernoulli_(q)``, is drawn as above.

Under ``'same'`` the batched run equals the per-entry loop (which rewinds the generators before each entry)
draw for draw. Under ``'different'`` the draws are as independent as the loop's, but come in another order,
so the values differ from the loop's. What neither covers falls back to the loop: an in-place sampler
filling an unbatched tensor under ``'different'`` (its entries would differ), and random ops with batched
operands other than the target under ``'same'``. The generators are restored before such a fallback, so
the loop draws what it would have drawn had the batched run not been tried.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from ._dispatch import DispatchLayer, OpCall, OpRecord
from ._tensor import Tensor

__all__ = [
    "BatchedTensor",
    "BatchingLayer",
    "BatchingRule",
    "UnbatchableError",
    "register_batching_rule",
    "batching_rule_of",
    "active_layers",
    "loop",
    "unwrap_batched",
    "wrap_batched",
]

Proceed = Callable[[OpCall], Any]
# rule(call, batched, size, proceed): ``call`` holds the values (batch dimension first where batched),
# ``batched`` one flag per input (a tuple of flags for a list input); returns the batched result(s).
BatchingRule = Callable[[OpCall, tuple[Any, ...], int, Proceed], Any]

_RULES: dict[str, BatchingRule] = {}
# False makes vmap raise UnbatchableError instead of running the loop (the tests check which functions batch)
LOOP_FALLBACK = True


class UnbatchableError(RuntimeError):
    """The batched run of a vmapped function hit something only the per-entry loop can do.

    Outside vmap's batched run (a batched tensor that escaped its vmap) it reaches the caller as a
    RuntimeError saying so.
    """


def register_batching_rule(name: str, rule: BatchingRule) -> None:
    """Make ``rule`` the batching rule of the op named ``name`` (NOTE [ Batched vmap ] in tocha._vmap).

    ``rule(call, batched, size, proceed)`` gets the op call with every batched operand replaced by its value
    (the batch dimension, of length ``size``, first), ``batched`` with one flag per input (a tuple of flags
    for a list input), and ``proceed`` to run ops below the batching layer; it returns the result with the
    batch dimension first (a tuple for an op of several outputs). For an in-place call ``call.out`` is the
    batched target's value; the rule writes it and returns it.

    Example:
        >>> import tocha
        >>> from tocha.library import register_batching_rule, pointwise_batching_rule
        >>> register_batching_rule("demo_twice", pointwise_batching_rule)
    """
    if not isinstance(name, str):
        raise TypeError(f"register_batching_rule(): expected an op name (str), got {type(name).__name__}")
    if not callable(rule):
        raise TypeError(f"register_batching_rule(): expected a callable rule, got {type(rule).__name__}")
    _RULES[name] = rule


def batching_rule_of(name: str) -> BatchingRule | None:
    """The batching rule registered for op ``name``, or None.

    Example:
        >>> import tocha
        >>> tocha.library.batching_rule_of("add") is not None
        True
    """
    if not _installed:
        _install_rules()
    return _RULES.get(name)


_installed: list[bool] = []


def _install_rules() -> None:
    from . import _vmap_rules

    _vmap_rules.install()
    _installed.append(True)


def registered_rule(name: str) -> BatchingRule | None:
    """The rule registered so far for ``name`` (without installing tensor-core's)."""
    return _RULES.get(name)


class _Flags:
    """One entry's contiguity, as NumPy's ``ndarray.flags`` reports it (read-only)."""

    __slots__ = ("c_contiguous", "f_contiguous", "writeable")

    def __init__(self, shape: tuple[int, ...], strides: tuple[int, ...], itemsize: int, writeable: bool) -> None:
        self.c_contiguous = _dense(shape, strides, itemsize, reversed(range(len(shape))))
        self.f_contiguous = _dense(shape, strides, itemsize, range(len(shape)))
        self.writeable = writeable


def _dense(shape: tuple[int, ...], strides: tuple[int, ...], itemsize: int, order: Any) -> bool:
    """Whether ``strides`` lay ``shape`` out densely, innermost dimension first in ``order`` (size-1 dims free)."""
    if 0 in shape:
        return True
    expected = itemsize
    for d in order:
        if shape[d] != 1 and strides[d] != expected:
            return False
        expected *= shape[d]
    return True


class _ShapeOnly:
    """A batched tensor's ``_data``: one entry's shape, ndim, dtype, size, strides and contiguity flags.

    Anything else is UnbatchableError: a fast path that would compute on the array leaves the batched run.
    """

    __slots__ = ("dtype", "flags", "itemsize", "ndim", "shape", "size", "strides")

    def __init__(self, shape: tuple[int, ...], dtype: Any, strides: tuple[int, ...], writeable: bool) -> None:
        self.shape = shape
        self.ndim = len(shape)
        self.dtype = dtype
        self.itemsize = dtype.itemsize
        self.strides = strides
        self.flags = _Flags(shape, strides, dtype.itemsize, writeable)
        n = 1
        for s in shape:
            n *= s
        self.size = n

    def __getattr__(self, name: str) -> Any:
        raise UnbatchableError(f"vmap: reading a batched tensor's array ({name})")

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __getitem__(self, key: Any) -> Any:
        raise UnbatchableError("vmap: indexing a batched tensor's array")

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        raise UnbatchableError("vmap: converting a batched tensor to an array")

    def __array_ufunc__(self, *args: Any, **kwargs: Any) -> Any:
        raise UnbatchableError("vmap: a NumPy function on a batched tensor's array")

    def __array_function__(self, *args: Any, **kwargs: Any) -> Any:
        raise UnbatchableError("vmap: a NumPy function on a batched tensor's array")

    def __bool__(self) -> bool:
        raise UnbatchableError("vmap: the truth value of a batched tensor's array")


def _escaped(name: str) -> UnbatchableError:
    return UnbatchableError(f"vmap: {name} of a batched tensor (one made inside a vmapped function) is not available")


class BatchedTensor(Tensor):
    """A tensor inside a vmapped function: one entry's shape outside, the whole batch inside.

    ``_value`` holds the batch (batch dimension first), ``_level`` the vmap it belongs to. Made only by
    :class:`BatchingLayer` and ``tocha.func``; users see it as an ordinary tensor of one entry's shape.
    """

    __slots__ = ()

    _value: Tensor
    _level: int

    @property  # type: ignore[override]
    def _data(self) -> Any:
        return self.__dict__["_shape_only"]

    @_data.setter
    def _data(self, value: Any) -> None:
        raise _escaped("replacing the data")

    @property  # type: ignore[override]
    def _requires_grad(self) -> bool:
        return self._value.requires_grad

    @_requires_grad.setter
    def _requires_grad(self, value: bool) -> None:
        raise _escaped("requires_grad_()")

    @property  # type: ignore[override]
    def _grad_fn(self) -> Any:
        raise _escaped("the autograd history")

    @_grad_fn.setter
    def _grad_fn(self, value: Any) -> None:
        raise _escaped("the autograd history")

    @property  # type: ignore[override]
    def _autograd_meta(self) -> Any:
        raise _escaped("the autograd history")

    @_autograd_meta.setter
    def _autograd_meta(self, value: Any) -> None:
        raise _escaped("the autograd history")

    @property
    def _batched_value(self) -> Tensor:  # type: ignore[override]
        return self._value

    def detach(self) -> Tensor:
        """This entry's values cut from autograd history (the batch's value detached)."""
        return batched(self._value.detach(), self._level)

    def numpy(self, *, force: bool = False) -> Any:
        """Refused: one entry's values are not an array of their own (the batched run falls back to the loop)."""
        raise _escaped("numpy()")

    def __repr__(self) -> str:
        raise _escaped("printing")


_new = object.__new__


def batched(value: Tensor, level: int) -> BatchedTensor:
    """``value`` (batch dimension first) as a BatchedTensor of vmap level ``level``."""
    t = _new(BatchedTensor)
    shape = tuple(value.shape)
    array = value._data  # the value's array, or its own stand-in when it is batched at an outer level
    t.__dict__["_shape_only"] = _ShapeOnly(
        shape[1:], _numpy_dtype(value), tuple(array.strides[1:]), bool(getattr(array.flags, "writeable", True))
    )
    t.__dict__["_value"] = value
    t.__dict__["_level"] = level
    t._dtype = value.dtype
    t._device = value.device
    t._base = None
    t._version = 0
    t._grad = None
    return t  # type: ignore[no-any-return]


def unwrap_batched(t: Any) -> tuple[Tensor, int] | None:
    """For a tensor a vmapped function holds that carries the batch: the batch (batch dimension first) and its
    vmap level; None for any other tensor.

    The extension interface for code that works on whole batches below the batching layer (tocha-autograd's
    gradients inside vmap). The level counts from 0 for the outermost running vmap.

    Example:
        >>> import tocha
        >>> from tocha.library import unwrap_batched
        >>> tocha.func.vmap(lambda x: unwrap_batched(x)[0].sum(0).expand_as(x))(tocha.ones(3, 2))
        tensor([[3., 3.],
                [3., 3.],
                [3., 3.]])
        >>> unwrap_batched(tocha.ones(2)) is None
        True
    """
    if t.__class__ is BatchedTensor:
        return t._value, t._level
    return None


def wrap_batched(value: Tensor, level: int) -> Tensor:
    """``value`` (a whole batch, batch dimension first) as a tensor of the running vmap of level ``level``.

    The inverse of :func:`unwrap_batched`. Raises RuntimeError when no vmap of that level runs, or when
    ``value``'s first dimension is not that vmap's batch size.

    Example:
        >>> import tocha
        >>> from tocha.library import unwrap_batched, wrap_batched
        >>> def f(x):
        ...     value, level = unwrap_batched(x)
        ...     return x + wrap_batched(value.cumsum(0), level)
        >>> tocha.func.vmap(f)(tocha.ones(3))
        tensor([2., 3., 4.])
    """
    layer = next((la for la in _active.layers if la.level == level), None)
    if layer is None:
        raise RuntimeError(f"wrap_batched(): no vmap of level {level} is running")
    if not isinstance(value, Tensor) or value.dim() == 0 or value.shape[0] != layer.size:
        shape = list(value.shape) if isinstance(value, Tensor) else type(value).__name__
        raise RuntimeError(
            f"wrap_batched(): expected a tensor whose first dimension is the batch size {layer.size}, got {shape}"
        )
    return batched(value, level)


def _numpy_dtype(value: Tensor) -> Any:
    return value.dtype.numpy_dtype  # type: ignore[attr-defined]


class _Active(threading.local):
    def __init__(self) -> None:
        self.layers: list[BatchingLayer] = []


_active = _Active()


def active_layers() -> list[BatchingLayer]:
    """This thread's batching layers, outermost first."""
    return _active.layers


def _has_generator(params: Sequence[Any]) -> bool:
    from ._ops.random import Generator

    return any(isinstance(p, Generator) for p in params)


class BatchingLayer(DispatchLayer):
    """Pushed while a vmapped function runs batched: runs the batching rules of its level's calls."""

    def __init__(self, level: int, size: int, randomness: str) -> None:
        if not _installed:
            _install_rules()
        self.level = level
        self.size = size
        self.randomness = randomness

    def __enter__(self) -> BatchingLayer:
        super().__enter__()
        _active.layers.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _active.layers.pop()
        super().__exit__(*exc)

    def owns(self, x: Any) -> bool:
        return x.__class__ is BatchedTensor and x._level == self.level

    def _touches(self, call: OpCall) -> bool:
        """Whether any operand (or the target) of ``call`` is batched at this level."""
        level = self.level
        for x in call.inputs:
            if x.__class__ is BatchedTensor:
                if x._level == level:
                    return True
            elif (type(x) is list or type(x) is tuple) and any(
                t.__class__ is BatchedTensor and t._level == level for t in x
            ):
                return True
        out = call.out
        return out is not None and out.__class__ is BatchedTensor and out._level == level

    def wrap(self, value: Any) -> Any:
        if isinstance(value, tuple):
            return tuple(batched(v, self.level) for v in value)
        return batched(value, self.level)

    def handle(self, call: OpCall, proceed: Proceed) -> Any:
        if not self._touches(call):  # the common call in a backward pass: nothing of this level in it
            if self.randomness != "error" and _has_generator(call.params):
                return self._draw_unbatched(call, proceed)
            return proceed(call)
        flags: list[Any] = []
        values: list[Any] = []
        any_batched = False
        for x in call.inputs:
            if type(x) is list or type(x) is tuple:
                inner = tuple(self.owns(t) for t in x)
                any_batched = any_batched or any(inner)
                flags.append(inner)
                values.append(type(x)(t._value if f else t for t, f in zip(x, inner, strict=True)))
            else:
                owned = self.owns(x)
                any_batched = any_batched or owned
                flags.append(owned)
                values.append(x._value if owned else x)
        out = call.out
        out_batched = out is not None and self.owns(out)
        if not any_batched and not out_batched:
            if self.randomness != "error" and _has_generator(call.params):
                return self._draw_unbatched(call, proceed)
            return proceed(call)
        if out is not None and not out_batched:
            raise UnbatchableError(f"vmap: {call.op.name} writes batched values into an unbatched tensor")
        target = out._value if out_batched else None  # type: ignore[union-attr]
        inner_call = OpCall(call.op, call.device, tuple(values), call.params, target)
        rule = _RULES.get(call.op.name)
        if self.randomness != "error" and _has_generator(call.params):
            result = self._draw_batched(inner_call, tuple(flags), rule, proceed)
        elif rule is not None:
            result = rule(inner_call, tuple(flags), self.size, proceed)
        elif call.op.view:
            raise UnbatchableError(f"vmap: view op {call.op.name} has no batching rule")
        else:
            result = loop(inner_call, tuple(flags), self.size, proceed)
        if out is not None:
            return out
        return self.wrap(result)

    def _draw_unbatched(self, call: OpCall, proceed: Proceed) -> Any:
        """A random op none of whose operands is batched (NOTE [ Randomness under vmap ])."""
        if self.randomness == "same":
            return proceed(call)
        if call.out is not None:
            raise UnbatchableError(
                f"vmap: {call.op.name} fills an unbatched tensor with values that differ per entry "
                "(randomness='different')"
            )
        return self.wrap(loop(call, (False,) * len(call.inputs), self.size, proceed))  # one draw per entry

    def _draw_batched(self, call: OpCall, flags: tuple[Any, ...], rule: BatchingRule | None, proceed: Proceed) -> Any:
        """A random op with batched operands, ``call`` holding their values (NOTE [ Randomness under vmap ])."""
        if self.randomness == "different":
            return loop(call, flags, self.size, proceed) if rule is None else rule(call, flags, self.size, proceed)
        target = call.out
        if target is None or any(f is not False for f in flags[1:]):
            raise UnbatchableError(
                f"vmap: {call.op.name} with batched operands under randomness='same' (one draw for every entry)"
            )
        first = target.select(0, 0)
        proceed(OpCall(call.op, call.device, (first, *call.inputs[1:]), call.params, first))
        if self.size > 1:
            target.narrow(0, 1, self.size - 1).copy_(first)
        return target


def _entry(x: Any, flag: Any, b: int) -> Any:
    if flag is True:
        return x.select(0, b)
    if type(flag) is tuple:
        return type(x)(t.select(0, b) if f else t for t, f in zip(x, flag, strict=True))
    return x


def loop(call: OpCall, flags: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """The per-op loop: ``call`` (values, batch dimension first) once per entry; the results stacked.

    A rule falls back to it for the cases it does not batch; registered as an op's rule, the op runs per
    entry without leaving vmap's batched run (``tocha.library.per_entry_batching_rule``).

    Example:
        >>> import tocha
        >>> from tocha.library import OpRecord, call, per_entry_batching_rule, register_batching_rule, register_op
        >>> first = register_op(OpRecord(name="doc_first", forward=lambda xp, a: a[:1] * 1), replace=True)
        >>> register_batching_rule("doc_first", per_entry_batching_rule)
        >>> tocha.func.vmap(lambda x: call(first, x.device, (x,), ()))(tocha.arange(6.0).view(2, 3))
        tensor([[0.],
                [3.]])
    """
    from ._ops.shape_join import stack

    op: OpRecord = call.op
    results = []
    for b in range(size):
        inputs = tuple(_entry(x, f, b) for x, f in zip(call.inputs, flags, strict=True))
        out = None if call.out is None else call.out.select(0, b)
        results.append(proceed(OpCall(op, call.device, inputs, call.params, out)))
    if call.out is not None:
        return call.out
    try:
        if op.num_outputs != 1:
            return tuple(stack([r[k] for r in results]) for k in range(op.num_outputs))
        return stack(results)
    except RuntimeError as exc:  # entries of different shapes (nonzero, unique...)
        raise UnbatchableError(f"vmap: {op.name} gave entries of different shapes") from exc
