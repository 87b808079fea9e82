"""Custom differentiable operations: ``tocha.autograd.Function`` (``torch.autograd.Function``).

NOTE [ Custom Functions ]
``MyFn.apply(*args)`` builds one graph node per call, an instance of
``MyFnBackward`` (made once per subclass), which is also the ``ctx`` that
``forward`` / ``setup_context`` and ``backward`` receive, as in PyTorch.

1. The node's edges are taken *before* ``forward`` runs, one per tensor
   argument (``(None, 0)`` for those that need no gradient; non-tensor
   arguments have no edge), so an input that ``forward`` writes in place
   (``ctx.mark_dirty``) still sends its gradient to its old history.
2. ``forward`` (and ``setup_context``) run with grad mode off.
3. Tensor outputs with a floating or complex dtype get the node as
   ``grad_fn`` (output number = position in the returned tuple), except those
   marked non-differentiable. An input returned unchanged and not marked dirty
   is returned as a fresh view, so the caller's tensor keeps its own history.
   A dirtied input takes the node as its new history; a dirtied *view* is
   rebased like any in-place op on a view (NOTE [ In-place on views ]).
4. Tensors given to ``ctx.save_for_backward`` are packed as
   :class:`~tocha.autograd._node.SavedTensor` after ``forward`` returns (so a
   dirtied input is saved at its new version); reading ``ctx.saved_tensors``
   checks their versions, and raises once backward has released them.
5. In backward, missing output gradients become zeros (unless
   ``ctx.set_materialize_grads(False)``), ``backward`` returns one gradient per
   ``forward`` argument (trailing extra Nones allowed), and each gradient is
   checked against its input: a larger shape the input broadcasts to is
   summed down, another shape raises, the dtype is cast to the input's.
6. Forward mode (``tocha.autograd.forward_ad``), as PyTorch: while a dual
   level is active, ``forward``, ``setup_context`` and step 3 run with tangent
   propagation off (the ops of ``forward`` make no tangents; ``unpack_dual``
   sees none). When an argument carries a tangent, ``jvp(ctx, *tangents)``
   runs next (grad mode as the caller's, propagation still off), given one
   tangent per argument: zeros for a float/complex tensor without one, None
   for other arguments; ``ctx.saved_tensors`` is then what
   ``ctx.save_for_forward`` kept. It returns one tangent (or None) per output:
   None for outputs that are not differentiable (non-tensors, integer dtypes,
   ``mark_non_differentiable``); the same size as the output; for a dirtied
   input, that input's tangent modified in place; for an output that is an
   input (or a view of one), a view. Each becomes its output's tangent (cast
   to the output's dtype). No ``jvp`` raises NotImplementedError. The
   backward pass is ordinary ops, so forward-over-reverse through a Function
   needs no ``jvp``; a ``once_differentiable`` backward propagates tangents
   too, except through its outputs when they require grad (detached, as in
   PyTorch).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import tocha
from tocha.library import is_tensor_like, tensor_array, view_base, wrap_array

from . import _anomaly, _saved_hooks, forward_ad
from ._node import FREED_MESSAGE, Node, SavedTensor, attach, differentiable_dtype, edge_of

__all__ = ["Function", "FunctionCtx", "BackwardCFunction", "once_differentiable"]

_NO_EDGE: tuple[None, int] = (None, 0)


class FunctionCtx:
    """The ``ctx`` of a custom :class:`Function`: what ``forward`` hands to ``backward``.

    Any attribute may be set on it (``ctx.scale = 2``). ``ctx.needs_input_grad`` is a tuple with one bool per
    ``forward`` argument: whether a gradient is wanted for it.
    """

    needs_input_grad: tuple[bool, ...] = ()
    materialize_grads: bool = True
    _to_save: tuple[Any, ...] = ()
    _to_save_forward: tuple[Any, ...] = ()
    _dirty: tuple[Any, ...] = ()
    _non_differentiable: tuple[Any, ...] = ()

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep ``tensors`` (tensors or None) for ``backward``, with checks against later in-place writes.

        Example:
            >>> import tocha
            >>> from tocha.autograd import Function
            >>> class Square(Function):
            ...     @staticmethod
            ...     def forward(ctx, x):
            ...         ctx.save_for_backward(x)
            ...         return x * x
            ...     @staticmethod
            ...     def backward(ctx, grad):
            ...         (x,) = ctx.saved_tensors
            ...         return 2 * x * grad
            >>> x = tocha.tensor([3.0], requires_grad=True)
            >>> Square.apply(x).backward()
            >>> x.grad
            tensor([6.])
        """
        for i, t in enumerate(tensors):
            if t is not None and not is_tensor_like(t):
                raise TypeError(
                    f"save_for_backward can only save variables, but argument {i} is of type {type(t).__name__}"
                )
        self._to_save = tensors

    def save_for_forward(self, *tensors: Any) -> None:
        """Keep ``tensors`` (tensors or None) for ``jvp``, where ``ctx.saved_tensors`` returns them.

        Example:
            >>> import tocha
            >>> import tocha.autograd.forward_ad as fwAD
            >>> from tocha.autograd import Function
            >>> class Square(Function):
            ...     @staticmethod
            ...     def forward(ctx, x):
            ...         ctx.save_for_forward(x)
            ...         return x * x
            ...     @staticmethod
            ...     def jvp(ctx, t):
            ...         (x,) = ctx.saved_tensors
            ...         return 2 * x * t
            >>> with fwAD.dual_level():
            ...     x = fwAD.make_dual(tocha.tensor([3.0]), tocha.tensor([1.0]))
            ...     fwAD.unpack_dual(Square.apply(x)).tangent
            tensor([6.])
        """
        if not all(t is None or is_tensor_like(t) for t in tensors):
            raise AssertionError(
                "save_for_forward expects all arguments to be tensors; you should save non-tensors as attributes on "
                "ctx."
            )
        self._to_save_forward = tensors

    def mark_dirty(self, *args: Any) -> None:
        """Declare that ``forward`` modified these input tensors in place (each must also be returned)."""
        self._dirty = args

    def mark_non_differentiable(self, *args: Any) -> None:
        """Declare outputs that get no gradient (they do not require grad; backward sees zeros for them)."""
        self._non_differentiable = args

    def set_materialize_grads(self, value: bool) -> None:
        """Whether ``backward`` receives zeros (True, the default) or None for outputs that got no gradient."""
        self.materialize_grads = bool(value)

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """The tensors given to ``save_for_backward`` (RuntimeError if one was modified in place since)."""
        return ()


class BackwardCFunction(Node, FunctionCtx):
    """The graph node of one :meth:`Function.apply` call; also its ``ctx``. Subclassed per Function."""

    _forward_cls: ClassVar[type[Function]]

    def __init__(
        self, next_functions: tuple[tuple[Node | None, int], ...], needs: tuple[bool, ...], tensor_inputs: Any
    ) -> None:
        super().__init__(next_functions, 1)
        self.needs_input_grad = needs
        # Per forward argument: None (not a tensor) or the (shape, dtype) its gradient must have.
        self._fn_inputs: tuple[tuple[Any, Any] | None, ...] = tensor_inputs
        self._fn_outputs: tuple[tuple[Any, Any, Any] | None, ...] = ()
        self._fn_saved: tuple[SavedTensor | None, ...] | None = None
        self._fn_released = False
        self._fn_saved_forward: tuple[Any, ...] | None = None  # what ``saved_tensors`` returns while ``jvp`` runs

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """The tensors given to ``save_for_backward`` (in ``jvp``: to ``save_for_forward``)."""
        if self._fn_saved_forward is not None:
            return self._fn_saved_forward
        if self._fn_released:
            raise RuntimeError(FREED_MESSAGE)
        if self._fn_saved is None:
            return ()
        return tuple(None if s is None else s.unpack(self) for s in self._fn_saved)

    def apply(self, grad_outputs: list[Any], create_graph: bool) -> Sequence[Any]:
        grads = list(grad_outputs)
        if self.materialize_grads:
            for k, meta in enumerate(self._fn_outputs):
                if grads[k] is None and meta is not None:
                    shape, dtype, device = meta
                    grads[k] = tocha.zeros(shape, dtype=dtype, device=device)
        cls = self._forward_cls
        backward = cls.vjp if cls.backward is Function.backward else cls.backward
        result = backward(self, *grads)
        return self._check_grads(result if isinstance(result, tuple) else (result,))

    def _check_grads(self, result: tuple[Any, ...]) -> list[Any]:
        inputs = self._fn_inputs
        n = len(inputs)
        if len(result) != n:
            if len(result) < n or any(g is not None for g in result[n:]):
                raise RuntimeError(
                    f"function {self.name()} returned an incorrect number of gradients "
                    f"(expected {n}, got {len(result)})"
                )
            result = result[:n]
        flat: list[Any] = []
        for i, (g, meta) in enumerate(zip(result, inputs, strict=True)):
            if meta is None:
                if g is not None:
                    raise RuntimeError(
                        f"function {self.name()} returned a gradient different than None at position {i + 1}, "
                        "but the corresponding forward input was not a Variable"
                    )
                continue
            if g is not None and not is_tensor_like(g):
                raise RuntimeError(f"expected Variable or None (got {type(g).__name__})")
            if g is None or not self.needs_input_grad[i]:
                flat.append(None)
                continue
            shape, dtype = meta
            if tuple(g.shape) != shape:
                if not _expandable(shape, tuple(g.shape)):
                    raise RuntimeError(
                        f"Function {self.name()} returned an invalid gradient at index {len(flat)} - got "
                        f"{list(g.shape)} but expected shape compatible with {list(shape)}"
                    )
                g = g.sum_to_size(shape)
            if g.dtype is not dtype:
                g = g.to(dtype)
            flat.append(g)
        return flat

    def release(self) -> None:
        # Like PyTorch, a Function that saved nothing can run again after its graph was freed.
        if self._fn_saved:
            self._fn_released = True
        self._fn_saved = None


def _expandable(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    """Whether ``shape`` broadcasts to ``target``."""
    if len(shape) > len(target):
        return False
    return all(s == t or s == 1 for s, t in zip(reversed(shape), reversed(target), strict=False))


class Function:
    """Base class of custom differentiable operations: subclass it, define ``forward`` and ``backward``.

    Two styles, as in PyTorch: ``forward(ctx, *args, **kwargs)`` receiving the context, or ``forward(*args)``
    plus ``setup_context(ctx, inputs, output)``. ``backward(ctx, *grad_outputs)`` returns one gradient (or None)
    per ``forward`` argument. Call the operation with ``MyFn.apply(*args)``; see NOTE [ Custom Functions ].

    Example:
        >>> import tocha
        >>> from tocha.autograd import Function
        >>> class Scale(Function):
        ...     @staticmethod
        ...     def forward(x, k):
        ...         return x * k
        ...     @staticmethod
        ...     def setup_context(ctx, inputs, output):
        ...         ctx.k = inputs[1]
        ...     @staticmethod
        ...     def backward(ctx, grad):
        ...         return grad * ctx.k, None
        >>> x = tocha.tensor([1.0, 2.0], requires_grad=True)
        >>> y = Scale.apply(x, 3.0)
        >>> y
        tensor([3., 6.], grad_fn=<ScaleBackward>)
        >>> y.sum().backward()
        >>> x.grad
        tensor([3., 3.])
    """

    _backward_cls: ClassVar[type[BackwardCFunction]]
    _signature: ClassVar[inspect.Signature | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        node_cls = type(f"{cls.__name__}Backward", (BackwardCFunction,), {"_forward_cls": cls})
        node_cls.__module__ = __name__
        cls._backward_cls = node_cls
        cls._signature = None

    @staticmethod
    def forward(*args: Any, **kwargs: Any) -> Any:
        """The computation, run with grad mode off: ``forward(ctx, *args)`` or ``forward(*args)``."""
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> Any:
        """Fill ``ctx`` from the inputs and output (the style where ``forward`` takes no ctx)."""
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        """One gradient (or None) per ``forward`` argument, given one per output."""
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom autograd.Function to use it "
            "with backward mode AD."
        )

    vjp = backward

    @staticmethod
    def jvp(ctx: Any, *grad_inputs: Any) -> Any:
        """Forward mode: one output tangent (or None) per ``forward`` output, given one tangent per argument.

        A tensor argument without a tangent comes as zeros, a non-tensor one as None. See NOTE [ Custom Functions ].
        """
        raise NotImplementedError(
            "You must implement the jvp function for custom autograd.Function to use it with forward mode AD."
        )

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` on ``args`` and record it in the graph so that ``backward`` gives its gradients.

        Example:
            >>> import tocha
            >>> from tocha.autograd import Function
            >>> class Double(Function):
            ...     @staticmethod
            ...     def forward(ctx, x):
            ...         return x * 2
            ...     @staticmethod
            ...     def backward(ctx, grad):
            ...         return grad * 2
            >>> x = tocha.ones(2, requires_grad=True)
            >>> Double.apply(x).grad_fn.name()
            'DoubleBackward'
        """
        if cls.forward is Function.forward:
            raise NotImplementedError("You must implement the forward function for custom autograd.Function.")
        new_style = cls.setup_context is not Function.setup_context
        if new_style:  # defaults are filled in, so ``inputs`` holds every argument, as in PyTorch
            args = cls._bind(args, kwargs)
            kwargs = {}
        grad_on = tocha.is_grad_enabled()
        edges: list[tuple[Node | None, int]] = []
        needs: list[bool] = []
        inputs: list[tuple[Any, Any] | None] = []
        for a in args:
            if is_tensor_like(a):
                need = grad_on and a.requires_grad
                edges.append(edge_of(a) if need else _NO_EDGE)
                needs.append(need)
                inputs.append((tuple(a.shape), a.dtype))
            else:
                needs.append(False)
                inputs.append(None)
        node = cls._backward_cls(tuple(edges), tuple(needs), tuple(inputs))
        layer = forward_ad._active()
        tangents = [] if layer is None else [layer.get(a) if is_tensor_like(a) else None for a in args]
        with contextlib.nullcontext() if layer is None else forward_ad._suspended(layer):
            with tocha.no_grad():
                if new_style:
                    outputs = cls.forward(*args)
                    cls.setup_context(node, args, outputs)
                else:
                    outputs = cls.forward(node, *args, **kwargs)
            result = _wrap_outputs(node, args, outputs, any(needs))
            if layer is None or all(t is None for t in tangents):
                node._to_save_forward = ()
                return result
            out_tangents = _run_jvp(node, args, tangents)
        _set_output_tangents(node, layer, args, tangents, outputs, result, out_tangents)
        return result

    @classmethod
    def _bind(cls, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
        signature = cls._signature
        if signature is None:
            signature = cls._signature = inspect.signature(cls.forward)
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return tuple(bound.args)


def _wrap_outputs(node: BackwardCFunction, args: tuple[Any, ...], outputs: Any, executable: bool) -> Any:
    """Give the outputs of ``forward`` their history (step 3 of NOTE [ Custom Functions ])."""
    several = isinstance(outputs, (tuple, list))
    outs: tuple[Any, ...] = tuple(outputs) if several else (outputs,)
    dirty = {id(t) for t in node._dirty}
    if not dirty <= {id(o) for o in outs}:
        raise RuntimeError(
            "Some elements marked as dirty during the forward method were not returned as output. The inputs "
            "that are modified inplace must all be outputs of the Function."
        )
    non_differentiable = {id(t) for t in node._non_differentiable}
    taken = {id(a) for a in args if is_tensor_like(a)}
    node.num_outputs = len(outs)
    metas: list[tuple[Any, Any, Any] | None] = []
    result: list[Any] = []
    for k, o in enumerate(outs):
        if not is_tensor_like(o):
            metas.append(None)
            result.append(o)
            continue
        is_dirty = id(o) in dirty
        if id(o) in taken and not is_dirty:
            with tocha.no_grad():
                o = o.view_as(o)  # an input returned as is: a view, so the input keeps its own history
        taken.add(id(o))
        metas.append((tuple(o.shape), o.dtype, o.device))
        if executable and id(o) not in non_differentiable and differentiable_dtype(o):
            if is_dirty:
                _rebase_dirty(o, node, k)
            else:
                attach(o, node, k)
        result.append(o)
    node._fn_outputs = tuple(metas)
    if executable:
        hooks = _saved_hooks.current()
        node._fn_saved = tuple(None if t is None else SavedTensor(t, hooks) for t in node._to_save)
        node._to_save = ()
        if _anomaly.is_enabled():
            node._anomaly_trace = _anomaly.forward_trace()
    if not several:
        return result[0]
    return type(outputs)(result) if type(outputs) in (tuple, list) else tuple(result)


def _run_jvp(node: BackwardCFunction, args: tuple[Any, ...], tangents: list[Any]) -> tuple[Any, ...]:
    """Call the Function's ``jvp`` (step 6 of NOTE [ Custom Functions ]); its result as a tuple."""
    grad_inputs = []
    for a, t in zip(args, tangents, strict=True):
        if t is None and is_tensor_like(a) and differentiable_dtype(a):
            t = tocha.zeros_like(a.detach())
        grad_inputs.append(t)
    tangents[:] = grad_inputs
    node._fn_saved_forward = node._to_save_forward
    node._to_save_forward = ()
    try:
        out = node._forward_cls.jvp(node, *grad_inputs)
    finally:
        node._fn_saved_forward = None
    return out if isinstance(out, tuple) else (out,)


def _set_output_tangents(
    node: BackwardCFunction,
    layer: forward_ad._DualLayer,
    args: tuple[Any, ...],
    tangents: list[Any],
    outputs: Any,
    result: Any,
    out_tangents: tuple[Any, ...],
) -> None:
    """Check the tangents ``jvp`` returned against the outputs and attach them (NOTE [ Custom Functions ], 6)."""
    raw: tuple[Any, ...] = tuple(outputs) if isinstance(outputs, (tuple, list)) else (outputs,)
    outs: tuple[Any, ...] = tuple(result) if isinstance(outputs, (tuple, list)) else (result,)
    if len(out_tangents) != len(outs):
        raise RuntimeError(
            "Function's jvp returned an invalid number of forward gradients "
            f"(expected {len(outs)} but got {len(out_tangents)})"
        )
    dirty = {id(t) for t in node._dirty}
    non_differentiable = {id(t) for t in node._non_differentiable}
    arg_ids = [id(a) if is_tensor_like(a) else None for a in args]
    bases = {id(b) for a in args if is_tensor_like(a) for b in (a, view_base(a)) if b is not None}
    for k, (o_raw, o, g) in enumerate(zip(raw, outs, out_tangents, strict=True)):
        if g is None:
            continue
        if not is_tensor_like(g):
            raise RuntimeError(f"expected Variable or None (got {type(g).__name__}) for grad output {k}.")
        if not is_tensor_like(o) or id(o_raw) in non_differentiable or not differentiable_dtype(o):
            raise RuntimeError(
                f"Function's jvp returned a gradient at position {k}, but  the corresponding forward output is not "
                "a differentiable Tensor.You should return None at that position instead."
            )
        if tuple(g.shape) != tuple(o.shape):
            raise RuntimeError(
                "Trying to set a forward gradient that has a different size than that of the original Tensor, this "
                f"is not supported. Tensor is of size {list(o.shape)} while the given forward gradient is of size "
                f"{list(g.shape)}."
            )
        if id(o_raw) in dirty and id(o_raw) in arg_ids:
            if g is not tangents[arg_ids.index(id(o_raw))]:
                raise RuntimeError(
                    "An inplace custom Function is not modifying the forward mode gradients inplace. If the forward "
                    "is modifying an input inplace, then the jvp function must modify the corresponding gradient "
                    "inplace."
                )
        else:
            base = view_base(o_raw)
            if (id(o_raw) in arg_ids or (base is not None and id(base) in bases)) and view_base(g) is None:
                raise RuntimeError(
                    "A custom Function's forward is returning a view (or an input as-is) but the jvp is not "
                    "returning a view."
                )
        if g.dtype != o.dtype:
            g = g.to(o.dtype)
        layer.set(o, g)


def _rebase_dirty(t: Any, node: Node, output_nr: int) -> None:
    """``t`` was written in place by ``forward``: its history becomes ``node`` (through its base for a view)."""
    if t.requires_grad and t.grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad has been used in an in-place operation.")
    base = view_base(t)
    if base is None:
        attach(t, node, output_nr)
        return
    from ._views import _adopt, view_positions

    if base.requires_grad and base.grad_fn is None:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
    positions = view_positions(t, base)
    new_values = wrap_array(tensor_array(t), t.device)  # same memory, with the node as its history
    attach(new_values, node, output_nr)
    flat = positions.reshape(-1)
    new_base = tocha.index_put(base.reshape(-1), (flat,), new_values.reshape(-1)).reshape(base.shape)
    _adopt(base, new_base)
    _adopt(t, tocha.take(base, positions))


class _DelayedError(Node):
    """Stands in for the gradient of a ``once_differentiable`` backward: differentiating it raises."""

    __slots__ = ()

    def name(self) -> str:
        return "Error"

    def apply(self, grad_outputs: list[Any], create_graph: bool) -> Sequence[Any]:
        raise RuntimeError("trying to differentiate twice a function that was marked with @once_differentiable")


def once_differentiable(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a ``backward`` that is not itself differentiable: it runs under no_grad, and double backward
    through its results raises.

    Example:
        >>> import tocha
        >>> from tocha.autograd import Function, once_differentiable
        >>> class Cube(Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x**3
        ...     @staticmethod
        ...     @once_differentiable
        ...     def backward(ctx, grad):
        ...         (x,) = ctx.saved_tensors
        ...         return 3 * x**2 * grad
        >>> x = tocha.tensor([2.0], requires_grad=True)
        >>> Cube.apply(x).backward()
        >>> x.grad
        tensor([12.])
    """

    @functools.wraps(fn)
    def wrapper(ctx: Any, *args: Any) -> Any:
        with tocha.no_grad():
            outputs = fn(ctx, *args)
        if not tocha.is_grad_enabled() or not any(is_tensor_like(a) and a.requires_grad for a in args):
            return outputs
        several = isinstance(outputs, tuple)
        outs = outputs if several else (outputs,)
        error = _DelayedError((), len(outs))
        wrapped = []
        for k, g in enumerate(outs):
            if is_tensor_like(g) and differentiable_dtype(g):
                g = g.detach()
                attach(g, error, k)
            wrapped.append(g)
        return tuple(wrapped) if several else wrapped[0]

    return wrapper
