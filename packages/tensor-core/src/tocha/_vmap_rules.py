"""The batching rules of tensor-core's ops (NOTE [ Batched vmap ] in tocha._vmap).

A rule gets the op call with batched operands replaced by their values (batch dimension first) and a flag
per operand. Rules rewrite the call for the values, one entry's dims shifted past the batch dimension, and
fall back to the per-op loop (:func:`tocha._vmap.loop`) for what they do not batch.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

from ._dispatch import OpCall
from ._tensor import Tensor
from ._vmap import BatchingRule, Proceed, UnbatchableError, loop, register_batching_rule
from ._vmap import registered_rule as batching_rule_of_registered

__all__ = ["pointwise", "install"]


def _rank(x: Any, flag: Any) -> int:
    """One entry's number of dimensions of operand ``x``."""
    return int(x.dim()) - (1 if flag is True else 0)


def _pad(x: Tensor, rank: int) -> Tensor:
    """Batched value ``x`` with ones inserted after the batch dimension up to one entry's ``rank``."""
    missing = rank - (x.dim() - 1)
    if missing <= 0:
        return x
    shape = tuple(x.shape)
    return x.reshape(shape[:1] + (1,) * missing + shape[1:])


def _with(call: OpCall, inputs: tuple[Any, ...] | None = None, params: tuple[Any, ...] | None = None) -> OpCall:
    return OpCall(
        call.op,
        call.device,
        call.inputs if inputs is None else inputs,
        call.params if params is None else params,
        call.out,
    )


def pointwise(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """The rule of elementwise ops (broadcasting operands, params that name no dimension).

    Batched operands get ones after their batch dimension so that one entry's broadcasting holds.

    Example:
        >>> import tocha
        >>> tocha.func.vmap(tocha.add, in_dims=(0, None))(tocha.ones(2, 3), tocha.arange(3.0))
        tensor([[1., 2., 3.],
                [1., 2., 3.]])
    """
    if any(type(f) is tuple for f in batched):
        return loop(call, batched, size, proceed)
    tensors = [(x, f) for x, f in zip(call.inputs, batched, strict=True) if isinstance(x, Tensor)]
    ranks = [_rank(x, f) for x, f in tensors]
    if call.out is not None:
        ranks.append(int(call.out.dim()) - 1)
    rank = max(ranks)
    if (
        rank > 0
        and any(f and r == 0 for (_, f), r in zip(tensors, ranks, strict=False))
        and len({x.dtype for x, _ in tensors}) > 1
    ):  # a batched 0-dim operand turns dimensioned: PyTorch's promotion would treat it differently
        return loop(call, batched, size, proceed)
    inputs = tuple(_pad(x, rank) if f is True else x for x, f in zip(call.inputs, batched, strict=True))
    return proceed(_with(call, inputs))


def _single(call: OpCall, batched: tuple[Any, ...]) -> Tensor | None:
    """The op's one operand when it is batched and the call is out-of-place; None otherwise."""
    if len(call.inputs) != 1 or batched[0] is not True or call.out is not None:
        return None
    x: Tensor = call.inputs[0]
    return x


def reduce_over(index: int) -> BatchingRule:
    """The rule of a reduction whose param ``index`` is a tuple of dims or None (all of them)."""

    def rule(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
        x = _single(call, batched)
        if x is None or x.dim() == 1:  # a 0-dim entry: PyTorch's special cases stay the loop's
            return loop(call, batched, size, proceed)
        n = x.dim() - 1
        params = list(call.params)
        axis = params[index]
        params[index] = tuple(range(1, n + 1)) if axis is None else tuple(int(d) % n + 1 for d in axis)
        return proceed(_with(call, params=tuple(params)))

    return rule


def along(*indices: int, extra: int = 0) -> BatchingRule:
    """The rule of an op whose params ``indices`` are single dims of its one operand.

    ``extra`` widens the range of a dim (1 for ``unsqueeze``, whose dim may name the new last position).
    """

    def rule(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
        x = _single(call, batched)
        n = -1 if x is None else x.dim() - 1 + extra
        params = list(call.params)
        if x is None or n <= 0 or any(params[i] is None for i in indices):
            if call.op.view:
                raise UnbatchableError(f"vmap: {call.op.name} of this form has no batching rule")
            return loop(call, batched, size, proceed)
        for i in indices:
            params[i] = int(params[i]) % n + 1
        return proceed(_with(call, params=tuple(params)))

    return rule


def dims_tuple(index: int) -> BatchingRule:
    """The rule of an op whose param ``index`` is a tuple of dims (``flip``, ``squeeze``, ``permute``)."""

    def rule(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
        x = _single(call, batched)
        params = list(call.params)
        if x is None or x.dim() == 1 or params[index] is None:
            if call.op.view:
                raise UnbatchableError(f"vmap: {call.op.name} of this form has no batching rule")
            return loop(call, batched, size, proceed)
        n = x.dim() - 1
        shifted = tuple(int(d) % n + 1 for d in params[index])
        params[index] = (0, *shifted) if call.op.name == "permute" else shifted
        return proceed(_with(call, params=tuple(params)))

    return rule


def _same_call(min_rank: int) -> BatchingRule:
    """The rule of an op that works on the trailing ``min_rank`` dims only (``tril``, ``contiguous``)."""

    def rule(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
        x = _single(call, batched)
        if x is None or x.dim() - 1 < min_rank:
            if call.op.view:
                raise UnbatchableError(f"vmap: {call.op.name} of this form has no batching rule")
            return loop(call, batched, size, proceed)
        return proceed(call)

    return rule


def _new_shape(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """``reshape`` / ``view`` / ``expand``: the batch size in front of one entry's target shape."""
    x = _single(call, batched)
    if x is None:
        raise UnbatchableError(f"vmap: {call.op.name} of this form has no batching rule")
    (shape,) = call.params
    if call.op.name == "expand":
        x = _pad(x, len(shape))
    return proceed(OpCall(call.op, call.device, (x,), ((size, *shape),)))


_BASIC_KEYS = (slice, type(None), type(Ellipsis))


def _getitem(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """Basic indexing (ints, slices, None, ...): the whole batch kept in front."""
    x = _single(call, batched)
    (key,) = call.params
    if x is None or not all(
        isinstance(k, _BASIC_KEYS) or (isinstance(k, numbers.Integral) and not isinstance(k, bool)) for k in key
    ):
        raise UnbatchableError("vmap: indexing with tensors or booleans has no batching rule")
    return proceed(OpCall(call.op, call.device, (x,), ((slice(None), *key),)))


def _join(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """``cat`` and ``stack``: unbatched tensors expanded over the batch, the dim shifted past it."""
    if len(call.inputs) != 1 or type(batched[0]) is not tuple or call.out is not None:
        return loop(call, batched, size, proceed)
    items, flags = call.inputs[0], batched[0]
    ranks = {_rank(x, f) for x, f in zip(items, flags, strict=True)}
    if len(ranks) != 1 or 0 in ranks:
        return loop(call, batched, size, proceed)
    joined = [x if f else x.unsqueeze(0).expand(size, *x.shape) for x, f in zip(items, flags, strict=True)]
    (dim,) = call.params
    return proceed(OpCall(call.op, call.device, (type(items)(joined),), (int(dim) + 1,)))


def _matmul(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """``matmul`` with one entry's 1-D operands made matrices, so that the batch dimension broadcasts."""
    if len(call.inputs) != 2 or call.out is not None:
        return loop(call, batched, size, proceed)
    (a, b), (fa, fb) = call.inputs, batched
    ra, rb = _rank(a, fa), _rank(b, fb)
    if ra == 0 or rb == 0:
        return loop(call, batched, size, proceed)
    drop: tuple[int, ...] = ()
    if ra == 1:
        a, ra, drop = a.unsqueeze(-2), 2, (-2,)
    if rb == 1:
        b, rb, drop = b.unsqueeze(-1), 2, (*drop, -1)
    rank = max(ra, rb)
    a = _pad(a, rank) if fa else a
    b = _pad(b, rank) if fb else b
    result = proceed(OpCall(call.op, call.device, (a, b), call.params))
    for d in sorted(drop):  # -2 before -1: each squeeze leaves the other's position
        result = result.squeeze(d)
    return result


def _argmax(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """``argmax`` / ``argmin``: along a dim shifted past the batch; over all of one entry as its flat index."""
    x = _single(call, batched)
    dim, keepdim, largest = call.params
    if x is None or x.dim() == 1 or (dim is None and keepdim):
        return loop(call, batched, size, proceed)
    if dim is None:
        return proceed(OpCall(call.op, call.device, (x.reshape(size, -1),), (1, False, largest)))
    return proceed(_with(call, params=(int(dim) % (x.dim() - 1) + 1, keepdim, largest)))


def _outer(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """``outer`` of two vectors: a broadcast product of a column and a row."""
    (a, b), (fa, fb) = call.inputs, batched
    if call.out is not None or _rank(a, fa) != 1 or _rank(b, fb) != 1:
        return loop(call, batched, size, proceed)
    return a.unsqueeze(-1) * b.unsqueeze(-2)


def _repeat(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """``repeat``: one entry padded to the repeats' length, the batch dimension repeated once."""
    x = _single(call, batched)
    (repeats,) = call.params
    if x is None or len(repeats) < x.dim() - 1:
        return loop(call, batched, size, proceed)
    return proceed(OpCall(call.op, call.device, (_pad(x, len(repeats)),), ((1, *repeats),)))


def _reduction_expand(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """A reduction's gradient broadcast back to its input's shape (``sum``'s vjp): dims shifted past the batch."""
    x = _single(call, batched)
    if x is None:
        raise UnbatchableError("vmap: _reduction_expand of this form has no batching rule")
    axis, keepdim, shape = call.params
    n = len(shape)
    axis = tuple(range(1, n + 1)) if axis is None else tuple(int(d) % max(n, 1) + 1 for d in axis)
    return proceed(OpCall(call.op, call.device, (x,), (axis, keepdim, (size, *shape))))


def _entry_dim0(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """``_reduction_squeeze0`` / ``_reduction_unsqueeze0``: one entry's first dim is the value's second."""
    x = _single(call, batched)
    if x is None:
        raise UnbatchableError(f"vmap: {call.op.name} of this form has no batching rule")
    return x.squeeze(1) if call.op.name == "_reduction_squeeze0" else x.unsqueeze(1)


def _gather(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """``gather``: input and index both over the batch (an unbatched one expanded), the dim shifted past it."""
    (a, index), (fa, fi) = call.inputs, batched
    rank = _rank(a, fa)
    if call.out is not None or rank == 0:
        return loop(call, batched, size, proceed)
    a = a if fa else a.unsqueeze(0).expand(size, *a.shape)
    index = index if fi else index.unsqueeze(0).expand(size, *index.shape)
    (dim,) = call.params
    return proceed(OpCall(call.op, call.device, (a, index), (int(dim) % rank + 1,)))


def _index(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """Advanced indexing with integer tensors (``x[idx]``, ``x[:, i, j]``), on batched values or indices.

    Unbatched indices: a full slice over the batch dimension goes first. Batched ones: the batch dimension is
    indexed by ``arange(B)`` too, which joins the advanced group; NumPy's placement of that group (in place
    when the indices are adjacent, first otherwise) is then undone where one entry's would differ.
    """
    (a, indices), (fa, flags) = call.inputs, batched
    tensors = [t for t in indices if t is not None]
    if call.out is not None or not tensors or any(t.dtype.name == "bool" for t in tensors):
        return loop(call, batched, size, proceed)
    from ._ops.creation import arange

    scalars = [k for k, (t, f) in enumerate(zip(indices, flags, strict=True)) if f is True and t.dim() == 1]
    if scalars:  # an int per entry: PyTorch selects with it first (basic indexing), then indexes with the rest
        a = a if fa else a.unsqueeze(0).expand(size, *a.shape)
        picks = [indices[k] if k in scalars else None for k in range(len(indices))]
        selected = proceed(OpCall(call.op, call.device, (a, [arange(size, device=call.device), *picks]), ()))
        rest = [t for k, t in enumerate(indices) if k not in scalars]
        rest_flags = tuple(f for k, f in enumerate(flags) if k not in scalars)
        if all(t is None for t in rest):
            return selected
        return _index(OpCall(call.op, call.device, (selected, rest), ()), (True, rest_flags), size, proceed)
    positions = [k for k, t in enumerate(indices) if t is not None]
    adjacent = positions[-1] - positions[0] + 1 == len(positions)
    rank = max(_rank(t, f) for t, f in zip(indices, flags, strict=True) if t is not None)
    if not any(flags):
        result = proceed(OpCall(call.op, call.device, (a, [None, *indices]), call.params))
        return result if adjacent else result.movedim(rank, 0)
    a = a if fa else a.unsqueeze(0).expand(size, *a.shape)
    key = [None if t is None else _pad(t, rank) if f else t for t, f in zip(indices, flags, strict=True)]
    entries = arange(size, device=call.device).reshape(size, *((1,) * rank))
    result = proceed(OpCall(call.op, call.device, (a, [entries, *key]), call.params))
    first = positions[0]
    if adjacent and first:  # one entry's group sits after its first ``first`` dims: move it back there
        order = [0, *range(1 + rank, 1 + rank + first), *range(1, 1 + rank), *range(1 + rank + first, result.dim())]
        return result.permute(order)
    return result


def _einsum(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """``einsum`` (its canonical equation: one letter per dim, output explicit): a fresh letter for the batch,
    on the batched operands and first in the output."""
    import string

    equation, optimize = call.params
    if call.out is not None or any(type(f) is tuple for f in batched):
        return loop(call, batched, size, proceed)
    free = next((c for c in string.ascii_letters if c not in equation), None)
    if free is None:  # every letter taken (52 dims): the per-entry loop
        return loop(call, batched, size, proceed)
    lhs, rhs = equation.split("->")
    terms = [free + term if f else term for term, f in zip(lhs.split(","), batched, strict=True)]
    return proceed(_with(call, params=(",".join(terms) + "->" + free + rhs, optimize)))


def _spread(x: Any, flag: Any, size: int) -> Any:
    """Operand ``x`` with the batch dimension in front: its value when batched, else expanded over the batch."""
    return x if flag is True or not isinstance(x, Tensor) else x.unsqueeze(0).expand(size, *x.shape)


def shared_dims(*dims: int, shape: int | None = None, min_rank: int = 1) -> BatchingRule:
    """The rule of an op whose tensor operands all index one entry's dims the same way (mostly backward ops).

    Unbatched operands are expanded over the batch, the params ``dims`` (single dims of an entry of rank
    ``len(params[shape])``, else of the first operand's) are shifted past it, and the param ``shape`` (the
    shape of one entry's result) gets the batch size in front. Entries of rank below ``min_rank`` and dims of
    None (all dims) run per entry.
    """

    def rule(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
        params = list(call.params)
        rank = len(params[shape]) if shape is not None else _rank(call.inputs[0], batched[0])
        if (
            call.out is not None
            or rank < min_rank
            or any(type(f) is tuple for f in batched)
            or any(params[i] is None for i in dims)
        ):
            return loop(call, batched, size, proceed)
        for i in dims:
            params[i] = int(params[i]) % rank + 1
        if shape is not None:
            params[shape] = (size, *params[shape])
        inputs = tuple(_spread(x, f, size) for x, f in zip(call.inputs, batched, strict=True))
        return proceed(_with(call, inputs, tuple(params)))

    return rule


def _getitem_backward(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """The gradient of basic indexing: written into a zero batch through the key behind a full slice."""
    shape, key = call.params
    if not all(isinstance(k, (*_BASIC_KEYS, numbers.Integral)) and not isinstance(k, bool) for k in key):
        return loop(call, batched, size, proceed)
    return proceed(_with(call, params=((size, *shape), (slice(None), *key))))


def _take_backward(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """The gradient of ``take`` (flat indices): every entry's indices moved to its own block of a flat batch."""
    (g, index), (fg, fi) = call.inputs, batched
    (shape,) = call.params
    numel = 1
    for n in shape:
        numel *= n
    if call.out is not None or numel == 0 or _rank(g, fg) == 0:
        return loop(call, batched, size, proceed)
    from ._ops.creation import arange

    index = _spread(index, fi, size)
    offsets = arange(size, device=call.device).mul_(numel).reshape(size, *((1,) * (index.dim() - 1)))
    flat = proceed(_with(call, (_spread(g, fg, size), index.remainder(numel) + offsets), ((size * numel,),)))
    return flat.reshape(size, *shape)


def _index_backward(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """The gradient of advanced indexing: the batched forward's key (see ``_index``) and its layout undone."""
    (g, indices), (fg, flags) = call.inputs, batched
    (shape,) = call.params
    tensors = [t for t in indices if t is not None]
    if (
        call.out is not None
        or not tensors
        or any(t.dtype.name == "bool" for t in tensors)
        or any(f is True and t.dim() == 1 for t, f in zip(indices, flags, strict=True))
    ):
        return loop(call, batched, size, proceed)
    from ._ops.creation import arange

    positions = [k for k, t in enumerate(indices) if t is not None]
    adjacent = positions[-1] - positions[0] + 1 == len(positions)
    rank = max(_rank(t, f) for t, f in zip(indices, flags, strict=True) if t is not None)
    g = _spread(g, fg, size)
    if not any(flags):
        g = g if adjacent else g.movedim(0, rank)
        return proceed(OpCall(call.op, call.device, (g, [None, *indices]), ((size, *shape),)))
    first = positions[0]
    if adjacent and first:  # the batched forward moved the group back behind one entry's first dims
        g = g.movedim(tuple(range(1 + first, 1 + first + rank)), tuple(range(1, 1 + rank)))
    key = [None if t is None else _pad(t, rank) if f else t for t, f in zip(indices, flags, strict=True)]
    entries = arange(size, device=call.device).reshape(size, *((1,) * rank))
    return proceed(OpCall(call.op, call.device, (g, [entries, *key]), ((size, *shape),)))


def _normal(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """``normal`` with batched means or deviations: every entry's shape drawn (its params name the shape)."""
    shape, *rest = call.params
    inputs = tuple(_pad(x, len(shape)) if f is True else x for x, f in zip(call.inputs, batched, strict=True))
    return proceed(_with(call, inputs, ((size, *shape), *rest)))


def _leading_dims(call: OpCall, batched: tuple[Any, ...], size: int, proceed: Proceed) -> Any:
    """An op whose forward maps over any leading dimensions of its one operand (``multinomial``)."""
    return proceed(call) if _single(call, batched) is not None else loop(call, batched, size, proceed)


def install() -> None:
    """Register tensor-core's batching rules (once, on vmap's first batched run: every op is registered by then)."""
    from ._dispatch import registered_ops

    ops = registered_ops()

    def family(name: str) -> str | None:
        test = ops[name].test
        samples = None if test is None else test.samples
        return samples if isinstance(samples, str) else None

    rules: dict[str, BatchingRule] = dict.fromkeys(
        (name for name in ops if family(name) in ("unary", "binary") and name not in _NOT_POINTWISE), pointwise
    )
    rules.update(dict.fromkeys(_POINTWISE, pointwise))
    rules.update(_RULES)
    for name, rule in rules.items():
        if batching_rule_of_registered(name) is None:  # a plugin's own rule for a tensor-core op wins
            register_batching_rule(name, rule)


_NOT_POINTWISE = frozenset({"nonzero"})
_POINTWISE = (
    "where",
    "clamp",
    "lerp",
    "addcmul",
    "addcdiv",
    "masked_fill",
    "copy_",
    "to_dtype",
    "relu",
    "polygamma",
    "zeta",
    "xlogy",
    "complex",
)
_RULES: dict[str, Callable[..., Any]] = {
    **{name: reduce_over(0) for name in ("sum", "mean", "nansum", "nanmean", "amax", "amin", "all", "any")},
    **{name: reduce_over(0) for name in ("prod", "logsumexp", "count_nonzero", "std", "var")},
    **{name: along(0) for name in ("softmax", "log_softmax", "cumsum", "cumprod", "logcumsumexp", "cummax")},
    **{name: along(0) for name in ("max", "min", "sort", "select", "narrow", "unfold")},
    "topk": along(1),
    "_reduction_expand": _reduction_expand,
    "_reduction_squeeze0": _entry_dim0,
    "_reduction_unsqueeze0": _entry_dim0,
    "norm": reduce_over(1),
    "argmax": _argmax,
    "outer": _outer,
    "gather": _gather,
    "index": _index,
    "einsum": _einsum,
    "repeat": _repeat,
    "diagonal": along(1, 2),
    "unsqueeze": along(0, extra=1),
    "flip": dims_tuple(0),
    "squeeze": dims_tuple(0),
    "permute": dims_tuple(0),
    "tril": _same_call(2),
    "triu": _same_call(2),
    "contiguous": _same_call(0),
    "reshape": _new_shape,
    "view": _new_shape,
    "expand": _new_shape,
    "getitem": _getitem,
    "cat": _join,
    "stack": _join,
    "matmul": _matmul,
    # backward ops (they meet batched cotangents in jacrev, jacfwd, hessian and is_grads_batched)
    "softmax_backward": shared_dims(0),
    "log_softmax_backward": shared_dims(0),
    "_reduction_reverse_cumsum": shared_dims(0),
    "_reduction_take": shared_dims(0),
    "_reduction_put": shared_dims(0, shape=2, min_rank=0),
    "select_backward": shared_dims(1, shape=0),
    "slice_backward": shared_dims(1, shape=0),
    "diagonal_backward": shared_dims(2, 3, shape=0),
    "unfold_backward": shared_dims(1, shape=0),
    "gather_backward": shared_dims(0, shape=1),
    "sin_backward": shared_dims(min_rank=0),  # its forward writes into cos(input): operands of one shape
    "getitem_backward": _getitem_backward,
    "take_backward": _take_backward,
    "index_backward": _index_backward,
    # random ops: these rules run under randomness='different', each entry drawing its own values
    **{name: pointwise for name in ("bernoulli", "poisson", "uniform_", "normal_", "random_", "bernoulli_")},
    **{name: pointwise for name in ("exponential_", "geometric_", "log_normal_", "cauchy_")},
    "normal": _normal,
    "multinomial": _leading_dims,
}
