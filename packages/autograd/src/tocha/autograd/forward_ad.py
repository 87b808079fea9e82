"""Forward-mode automatic differentiation (``torch.autograd.forward_ad``).

Inside a :class:`dual_level`, :func:`make_dual` attaches a *tangent* to a tensor; every op applied to such a
*dual tensor* computes its output's tangent along with its value, and :func:`unpack_dual` reads it back. One pass
gives a Jacobian-vector product ``J @ v`` of any composition of ops, however many outputs it has.

NOTE [ Forward AD ]
Tangents are propagated by a dispatch layer (``tocha.library.DispatchLayer``) pushed while a level is active, so it
sees every primitive op call. For a call in which some tensor input carries a tangent, the layer runs the op (through
the layers below, so reverse-mode recording still happens), then computes the output tangent:

- with the op record's ``jvp`` rule when it has one: ``jvp(ctx, *tangents)``, where ``ctx`` is a
  ``tocha.library.VjpContext`` holding *all* the inputs, the result and the params, and ``tangents`` holds one
  tangent per input (None for an input without one; a list for a list input);
- otherwise with the double-vjp trick on that single op: the vjp ``u -> J^T u`` is linear in ``u``, so
  ``J t = d/du <J^T u, t>``; the layer runs the op's vjp on a zero ``u`` that requires grad and differentiates
  ``<J^T u, t>`` with respect to ``u`` through the engine. This works for every op with a vjp. Under vmap with
  batched tangents (jacfwd's columns) ``u`` holds the batch too, so that one backward pass gives every entry's
  ``J t`` (NOTE [ Gradients of batched tensors ] in ``_batched.py``).

  Complex values: a complex tensor is read as the real vector of its real and imaginary parts, and ``J`` is the
  real Jacobian of the op on those vectors (holomorphic or not, it is what finite differences along real and
  imaginary directions measure). PyTorch's convention, which tocha's vjps follow, makes the vjp exactly ``J^T``
  on those vectors: the gradient of a real ``L`` with respect to ``z = a + ib`` is ``dL/da + i dL/db``. So the
  inner product is the real one, ``<g, t> = Re(sum(conj(g) * t))``, and the gradient of that real scalar with
  respect to a complex ``u`` (same convention) is ``J t`` written back as a complex tensor. Real-to-complex ops
  (a complex ``u``, real ``g`` and ``t``) and complex-to-real ones (a real ``u``) are the same formula.

The tangent computation is written with tocha ops, so it is itself recorded by reverse mode when the primals or
tangents require grad (reverse-over-forward). Ops the layer runs itself skip the layer, so tangents never carry
tangents: nested levels are refused, as in PyTorch. An in-place op on a dual tensor writes the new tangent into the
existing tangent's memory (so views of a dual tensor, whose tangents are views of its tangent, stay consistent).
Tangents are kept in a table keyed by the tensor's identity (weakly), dropped when the level exits.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import tocha
from tocha.library import DispatchLayer, OpCall, VjpContext, is_tensor_like, unwrap_batched, wrap_batched

from ._batched import innermost_batch

__all__ = ["dual_level", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual", "UnpackedDualTensor"]


class UnpackedDualTensor(NamedTuple):
    """What :func:`unpack_dual` returns: the primal (a view without tangent) and the tangent (or None)."""

    primal: Any
    tangent: Any


class _DualLayer(DispatchLayer):
    """The dispatch layer of the active level: holds the tangents and propagates them. See NOTE [ Forward AD ]."""

    def __init__(self) -> None:
        self.tangents: dict[int, tuple[weakref.ref[Any], Any]] = {}
        self.suspended = 0  # > 0 while a custom Function's forward or jvp runs: no tangents are seen or made

    def get(self, t: Any) -> Any:
        if self.suspended:
            return None
        entry = self.tangents.get(id(t))
        if entry is None or entry[0]() is not t:
            return None
        return entry[1]

    def set(self, t: Any, tangent: Any) -> None:
        key = id(t)
        table = self.tangents

        def forget(_: object) -> None:
            table.pop(key, None)

        table[key] = (weakref.ref(t, forget), tangent)

    def drop(self, t: Any) -> None:
        if self.get(t) is not None:
            del self.tangents[id(t)]

    def handle(self, call: OpCall, proceed: Callable[[OpCall], Any]) -> Any:
        if not self.tangents or self.suspended:
            return proceed(call)
        tangents, found = self._input_tangents(call)
        if not found:
            return proceed(call)
        out = call.out
        if out is None:
            result = proceed(call)
            self._propagate(call, result, tangents)
            return result
        # In place: compute the tangent from an out-of-place run, before the kernel overwrites the inputs.
        pure = proceed(OpCall(call.op, call.device, call.inputs, call.params))
        new = _output_tangents(call, pure, tangents)
        result = proceed(call)
        if new is not None and _has_tangent_dtype(out):
            existing = self.get(out)
            if existing is not None:
                existing.copy_(new)
            else:
                self.set(out, _fit(new, out))
        return result

    def _input_tangents(self, call: OpCall) -> tuple[list[Any], bool]:
        allowed = call.op.differentiable_inputs
        tangents: list[Any] = []
        found = False
        for i, x in enumerate(call.inputs):
            tangent: Any = None
            if allowed is None or i in allowed:
                if is_tensor_like(x):
                    tangent = self.get(x)
                elif type(x) is list or type(x) is tuple:
                    items = [self.get(e) if is_tensor_like(e) else None for e in x]
                    if any(e is not None for e in items):
                        tangent = items
            found = found or tangent is not None
            tangents.append(tangent)
        return tangents, found

    def _propagate(self, call: OpCall, result: Any, tangents: list[Any]) -> None:
        new = _output_tangents(call, result, tangents)
        if new is None:
            return
        if call.op.num_outputs == 1:
            if _has_tangent_dtype(result):
                self.set(result, _fit(new, result))
            return
        for r, tangent in zip(result, new, strict=True):
            if tangent is not None and is_tensor_like(r) and _has_tangent_dtype(r):
                self.set(r, _fit(tangent, r))


_level: list[_DualLayer] = []


def _active() -> _DualLayer | None:
    """The layer of the current level when it propagates tangents (for custom Functions), else None."""
    if not _level:
        return None
    layer = _level[-1]
    return None if layer.suspended else layer


@contextlib.contextmanager
def _suspended(layer: _DualLayer) -> Iterator[None]:
    """Forward AD off in ``layer`` (PyTorch's ``AutoFwGradMode(false)``): ops make no tangents, none are seen."""
    layer.suspended += 1
    try:
        yield
    finally:
        layer.suspended -= 1


def _has_tangent_dtype(t: Any) -> bool:
    d = t.dtype
    return bool(d.is_floating_point or d.is_complex)


def _fit(tangent: Any, result: Any) -> Any:
    """``tangent`` with ``result``'s shape (a rule may return a broadcastable tangent)."""
    if tuple(tangent.shape) != tuple(result.shape):
        return tangent.expand(result.shape).clone()
    return tangent


def _output_tangents(call: OpCall, result: Any, tangents: list[Any]) -> Any:
    """The tangent of the op's output (a tuple for several outputs), or None when it has none."""
    op = call.op
    multi = op.num_outputs != 1
    if not multi and not _has_tangent_dtype(result):
        return None
    inputs = call.inputs
    ctx = VjpContext(
        tuple(inputs),
        result,
        call.params,
        tuple(tuple(x.shape) if is_tensor_like(x) else None for x in inputs),
        tuple(x.dtype if is_tensor_like(x) else None for x in inputs),
        tuple(t is not None for t in tangents),
    )
    if op.jvp is not None:
        return op.jvp(ctx, *tangents)
    if op.vjp is None:
        raise NotImplementedError(
            f"forward AD: op '{op.name}' has neither a jvp rule nor a vjp, so it cannot propagate tangents"
        )
    return _double_vjp(call, ctx, result, tangents)


def _double_vjp(call: OpCall, ctx: VjpContext, result: Any, tangents: list[Any]) -> Any:
    """``J t`` from the op's vjp: ``d/du <J^T u, t>`` at ``u = 0``. See NOTE [ Forward AD ]."""
    op = call.op
    multi = op.num_outputs != 1
    outputs = tuple(result) if multi else (result,)
    allowed = op.differentiable_outputs
    batch = innermost_batch(_flat(tangents))
    us: list[Any] = []
    for k, r in enumerate(outputs):
        usable = is_tensor_like(r) and _has_tangent_dtype(r) and (allowed is None or k in allowed)
        us.append(_cotangent_seed(r, batch) if usable else None)
    from . import grad as autograd_grad

    wanted = [u for u in us if u is not None]
    if not wanted:
        return None
    create_graph = tocha.is_grad_enabled() and any(
        is_tensor_like(x) and x.requires_grad for x in (*call.inputs, *_flat(tangents))
    )
    with tocha.enable_grad():
        grads = op.vjp(ctx, tuple(us) if multi else us[0])  # type: ignore[misc]
        total: Any = None
        for g, t in zip(_flat(grads), _flat(tangents), strict=False):
            if g is not None and t is not None:
                term = _real_dot(g, t)
                total = term if total is None else total + term
        if total is None or not total.requires_grad:
            found: tuple[Any, ...] = (None,) * len(wanted)
        else:
            found = autograd_grad(total, wanted, create_graph=create_graph, allow_unused=True)
    it = iter(found)
    out = [None if u is None else _or_zeros(next(it), u) for u in us]
    return tuple(out) if multi else out[0]


def _cotangent_seed(result: Any, batch: tuple[int, int] | None) -> Any:
    """The zero ``u`` to differentiate at, shaped like ``result``; under vmap, holding the batch the tangents hold,
    so that one backward pass gives every entry's ``J t`` (NOTE [ Gradients of batched tensors ])."""
    u = tocha.zeros_like(result, requires_grad=True)
    if batch is None:
        return u
    level, size = batch
    unwrapped = unwrap_batched(u)
    if unwrapped is not None and unwrapped[1] == level:
        return u
    seed = tocha.zeros((size, *result.shape), dtype=result.dtype, device=result.device, requires_grad=True)
    return wrap_batched(seed, level)


def _real_dot(g: Any, t: Any) -> Any:
    """``Re(sum(conj(g) * t))``: the inner product of ``C^n`` seen as ``R^2n`` (the plain dot for real tensors)."""
    if g.dtype.is_complex and t.dtype.is_complex:
        return (g.real * t.real + g.imag * t.imag).sum()
    if g.dtype.is_complex:
        return (g.real * t).sum()
    if t.dtype.is_complex:
        return (g * t.real).sum()
    return (g * t).sum()


def _or_zeros(g: Any, like: Any) -> Any:
    return tocha.zeros_like(like) if g is None else g


def _flat(items: Any) -> list[Any]:
    flat: list[Any] = []
    for x in items:
        if type(x) is list or type(x) is tuple:
            flat.extend(x)
        else:
            flat.append(x)
    return flat


# ------------------------------------------------------------------ the public API


def enter_dual_level() -> int:
    """Start a forward AD level and return its index (levels cannot be nested).

    Prefer the :class:`dual_level` context manager.

    Example:
        >>> import tocha.autograd.forward_ad as fwAD
        >>> level = fwAD.enter_dual_level()
        >>> level
        0
        >>> fwAD.exit_dual_level(level=level)
    """
    if _level:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    layer = _DualLayer()
    layer.__enter__()
    _level.append(layer)
    return 0


def exit_dual_level(*, level: int | None = None) -> None:
    """End the forward AD level ``level`` (the current one by default); its dual tensors lose their tangents.

    Example:
        >>> import tocha.autograd.forward_ad as fwAD
        >>> fwAD.exit_dual_level(level=fwAD.enter_dual_level())
    """
    current = len(_level) - 1
    if level is None:
        level = current
    if level < 0:
        raise RuntimeError("Dual level must be a positive number.")
    if level != current:
        raise RuntimeError(
            "Trying to exit a forward AD level that was not the last one that was created. This is not supported."
        )
    layer = _level.pop()
    layer.tangents.clear()
    layer.__exit__()


class dual_level:
    """Context manager: a forward AD level, the scope in which dual tensors carry tangents.

    Example:
        >>> import tocha
        >>> import tocha.autograd.forward_ad as fwAD
        >>> with fwAD.dual_level():
        ...     x = fwAD.make_dual(tocha.tensor([1.0, 2.0]), tocha.tensor([1.0, 0.0]))
        ...     fwAD.unpack_dual(x * x).tangent
        tensor([2., 0.])
    """

    def __enter__(self) -> int:
        return enter_dual_level()

    def __exit__(self, *exc: object) -> None:
        exit_dual_level()


def _current(level: int | None, fn: str) -> _DualLayer | None:
    if level is None:
        return _level[-1] if _level else None
    if not 0 <= level < len(_level):
        raise RuntimeError(f"Invalid level given to {fn}")
    return _level[level]


def make_dual(tensor: Any, tangent: Any, *, level: int | None = None) -> Any:
    """A view of ``tensor`` carrying ``tangent`` (same shape) as its forward gradient.

    Ops on the returned dual tensor compute tangents as well: ``unpack_dual(f(dual)).tangent`` is ``J_f @ tangent``.

    Args:
        tensor: the primal, a floating point or complex tensor.
        tangent: its tangent, a tensor of the same shape (kept as given, not copied, unless converted to the
            primal's dtype).
        level: the forward AD level (the current one by default).

    Example:
        >>> import tocha
        >>> import tocha.autograd.forward_ad as fwAD
        >>> with fwAD.dual_level():
        ...     x = fwAD.make_dual(tocha.tensor([0.0, 1.0]), tocha.ones(2))
        ...     fwAD.unpack_dual(x.exp()).tangent
        tensor([1.0000, 2.7183])
    """
    if not _level:
        raise RuntimeError(
            "Trying to create a dual Tensor for forward AD but no level exists, make sure to enter_dual_level() first."
        )
    layer = _current(level, "_make_dual")
    assert layer is not None
    if not is_tensor_like(tensor) or not is_tensor_like(tangent):
        bad = tangent if is_tensor_like(tensor) else tensor
        raise TypeError(f"make_dual(): expected Tensors for tensor and tangent, got {type(bad).__name__}")
    if not _has_tangent_dtype(tensor):
        raise ValueError(f"Expected primal to be floating point or complex, but got: {tensor.dtype}")
    if not _has_tangent_dtype(tangent):
        raise ValueError(f"Expected tangent to be floating point or complex, but got: {tangent.dtype}")
    if tuple(tangent.shape) != tuple(tensor.shape):
        raise RuntimeError(
            "Trying to set a forward gradient that has a different size than that of the original Tensor, this is "
            f"not supported. Tensor is of size {list(tensor.shape)} while the given forward gradient is of size "
            f"{list(tangent.shape)}."
        )
    if tensor.device != tangent.device:
        raise RuntimeError(
            f"make_dual(): the tangent is on {tangent.device} but the primal is on {tensor.device}; "
            "they must be on the same device"
        )
    if tangent.dtype != tensor.dtype:
        tangent = tangent.to(tensor.dtype)
    dual = tensor.expand(tensor.shape)  # an alias (a view keeping reverse-mode history)
    layer.set(dual, tangent)
    return dual


def unpack_dual(tensor: Any, *, level: int | None = None) -> UnpackedDualTensor:
    """The primal (a view of ``tensor`` without tangent) and the tangent of ``tensor`` (None when it has none).

    Example:
        >>> import tocha
        >>> import tocha.autograd.forward_ad as fwAD
        >>> with fwAD.dual_level():
        ...     t = tocha.ones(2)
        ...     dual = fwAD.make_dual(tocha.zeros(2), t)
        ...     fwAD.unpack_dual(dual).tangent is t, fwAD.unpack_dual(tocha.zeros(2)).tangent
        (True, None)
    """
    layer = _current(level, "_unpack_dual")
    tangent = None if layer is None else layer.get(tensor)
    if tangent is None:
        return UnpackedDualTensor(tensor, None)
    assert layer is not None
    primal = tensor.expand(tensor.shape)
    layer.drop(primal)
    return UnpackedDualTensor(primal, tangent)
