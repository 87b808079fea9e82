"""``tocha.func``: composable function transforms, as ``torch.func``.

:func:`vmap` maps a function over a batch dimension; :func:`grad`, :func:`grad_and_value`, :func:`vjp`,
:func:`jvp`, :func:`jacrev`, :func:`jacfwd`, :func:`hessian` and :func:`linearize` turn a function of tensors
into its derivatives; :func:`functional_call` and :func:`stack_module_state` run a module with other
parameters. Transforms compose: ``vmap(grad(loss), in_dims=(None, 0, 0))(params, x, y)`` gives per-sample
gradients.

:func:`vmap` runs the function once on the whole batch, through batching rules for the ops it calls, and
falls back to one call per batch entry where the batched run cannot go (NOTE [ Batched vmap ] in
tocha._vmap).

NOTE [ Function transforms ]
tocha has no batched-tensor or functorch-level machinery; the transforms are written on the public
dispatcher and on tocha-autograd's public API (loaded with ``load_autograd(required=True)``):

- ``vmap`` first runs the function batched (NOTE [ Batched vmap ] in tocha._vmap). Where that cannot go, it
  slices each batched argument with ``select`` (a view), calls the function once per entry and ``stack``s
  the outputs: the loop, correct for any function (the result equals the explicit loop's), and the
  reference the batched run equals. Gradients flow through both. ``randomness='error'`` pushes a
  dispatch layer that refuses random ops (ops whose params carry a ``Generator``); in the loop ``'same'``
  rewinds the default generators before each entry and ``'different'`` lets each entry draw (the batched
  run: NOTE [ Randomness under vmap ] in tocha._vmap). ``out_dims=None`` for an output
  accepts it when every entry returned the same object or equal values (a loop cannot see which outputs were
  batched).
- The reverse-mode transforms differentiate with respect to fresh leaves: an argument that does not require
  grad (or any argument while grad mode is off outside) is replaced by ``x.detach().requires_grad_()`` (with
  its forward-mode tangent re-attached when it has one), one that requires grad by an alias ``x.view_as(x)``
  so that an enclosing transform (or the caller's ``backward``) sees through it. The backward pass builds a
  graph (``create_graph=True``) only when something outside the transform needs it: the function's outputs
  depend on a tensor requiring grad other than the transform's own leaves (an enclosing ``grad``, a module
  parameter closed over), or carry a forward-mode tangent. Results that depend only on the transform's own
  leaves are detached, so ``grad(f)(x)`` does not require grad, as in PyTorch, while a gradient penalty
  (``grad`` of a model's output, then ``backward`` to its parameters) keeps its graph.
- ``jvp`` and ``jacfwd`` use ``tocha.autograd.forward_ad``; its levels do not nest, so forward mode inside
  forward mode (``jacfwd(jacfwd(f))``, ``jvp`` of a ``jvp``) runs the inner transform by reverse mode (NOTE
  [ Nested forward transforms ]). ``hessian`` is ``jacrev(jacrev(f))`` (reverse over reverse, where PyTorch goes
  forward over reverse: same values, faster here, and batched under ``vmap``).
  ``jacrev`` takes each output's rows from one backward pass over a batch of cotangents and ``jacfwd`` each
  input's columns from one forward pass over a batch of tangents, each falling back to one pass per element.

Example (``grad`` needs tocha-autograd):
    >>> import tocha
    >>> from tocha.func import grad, vmap
    >>> x = tocha.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> vmap(grad(lambda r: (r**2).sum()))(x)
    tensor([[2., 4.],
            [6., 8.]])
"""

from __future__ import annotations

import contextlib
import functools
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from . import _tensor_base, _vmap
from ._dispatch import DispatchLayer, OpCall, pop_layer, push_layer
from ._grad_mode import enable_grad, is_grad_enabled
from ._ops.creation import eye, zeros
from ._ops.random import Generator, get_rng_state, set_rng_state
from ._ops.shape_join import stack
from ._tensor import Tensor
from ._vmap import UnbatchableError as _Unbatchable

__all__ = [
    "vmap",
    "grad",
    "grad_and_value",
    "vjp",
    "jvp",
    "jacrev",
    "jacfwd",
    "hessian",
    "linearize",
    "functional_call",
    "stack_module_state",
    "functionalize",
    "replace_all_batch_norm_modules_",
]


# ------------------------------------------------------------------ pytrees


class _TreeSpec:
    """The structure of a pytree: tuples, lists, dicts and namedtuples; anything else is a leaf."""

    __slots__ = ("children", "context", "kind", "num_leaves")

    def __init__(self, kind: type | None, context: Any, children: list[_TreeSpec]) -> None:
        self.kind = kind
        self.context = context
        self.children = children
        self.num_leaves: int = 1 if kind is None else sum(c.num_leaves for c in children)

    def is_leaf(self) -> bool:
        return self.kind is None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _TreeSpec):
            return NotImplemented
        return self.kind is other.kind and self.context == other.context and self.children == other.children

    def __hash__(self) -> int:  # pragma: no cover - specs are never hashed
        return hash((self.kind, len(self.children)))

    def __repr__(self) -> str:
        if self.kind is None:
            return "*"
        children = ", ".join(repr(c) for c in self.children)
        context = None if self.kind in (tuple, list) else self.context
        return f"TreeSpec({self.kind.__name__}, {context!r}, [{children}])"


_LEAF = _TreeSpec(None, None, [])


def _flatten_into(x: Any, leaves: list[Any]) -> _TreeSpec:
    kind = type(x)
    if kind is tuple or kind is list or (isinstance(x, tuple) and hasattr(kind, "_fields")):
        return _TreeSpec(kind, None, [_flatten_into(c, leaves) for c in x])
    if kind is dict or kind is OrderedDict:
        keys = list(x)
        return _TreeSpec(kind, keys, [_flatten_into(x[k], leaves) for k in keys])
    leaves.append(x)
    return _LEAF


def _flatten(tree: Any) -> tuple[list[Any], _TreeSpec]:
    leaves: list[Any] = []
    spec = _flatten_into(tree, leaves)
    return leaves, spec


def _build(spec: _TreeSpec, leaves: Iterator[Any]) -> Any:
    kind = spec.kind
    if kind is None:
        return next(leaves)
    children = [_build(c, leaves) for c in spec.children]
    if kind is tuple or kind is list:
        return kind(children)
    if kind is dict or kind is OrderedDict:
        return kind(zip(spec.context, children, strict=True))
    return kind(*children)  # a namedtuple


def _unflatten(spec: _TreeSpec, leaves: Sequence[Any]) -> Any:
    return _build(spec, iter(leaves))


def _children_of(prefix: Any, spec: _TreeSpec) -> list[Any] | None:
    """``prefix``'s children in ``spec``'s order when ``prefix`` has ``spec``'s node type and keys; else None."""
    node: Any = prefix
    kind: Any = spec.kind
    if type(node) is not kind:
        return None
    if spec.kind is dict or spec.kind is OrderedDict:
        if set(node) != set(spec.context):
            return None
        return [node[k] for k in spec.context]
    if len(node) != len(spec.children):
        return None
    return list(node)


def _broadcast_prefix(prefix: Any, spec: _TreeSpec, out: list[Any]) -> bool:
    """Append one value of ``prefix`` per leaf of ``spec`` (an int or None covers a whole subtree)."""
    if prefix is None or isinstance(prefix, int):
        out.extend([prefix] * spec.num_leaves)
        return True
    if spec.is_leaf():
        return False
    children = _children_of(prefix, spec)
    if children is None:
        return False
    return all(_broadcast_prefix(p, s, out) for p, s in zip(children, spec.children, strict=True))


def _valid_dims(dims: Any) -> bool:
    if dims is None or isinstance(dims, int):
        return True
    if isinstance(dims, (tuple, list)):
        return all(_valid_dims(d) for d in dims)
    if isinstance(dims, dict):
        return all(_valid_dims(d) for d in dims.values())
    return False


# ------------------------------------------------------------------ vmap


_RANDOMNESS = ("error", "different", "same")


def _check_randomness(randomness: Any) -> None:
    if randomness not in _RANDOMNESS:
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}")


def _func_name(func: Any) -> str:
    if isinstance(func, functools.partial):
        return f"functools.partial({_func_name(func.func)}, ...)"
    name = getattr(func, "__name__", None)
    return name if isinstance(name, str) else repr(func)


class _RefuseRandom(DispatchLayer):
    """Pushed while a function runs under ``vmap(..., randomness='error')``: random ops raise.

    Layers are per thread, so only the random ops of the thread running the vmap are refused.
    """

    def handle(self, call: OpCall, proceed: Callable[[OpCall], Any]) -> Any:
        for p in call.params:
            if isinstance(p, Generator):
                raise RuntimeError(
                    "vmap: called random operation while in randomness error mode. Please either use the 'same' "
                    "or 'different' randomness flags on vmap or perform the randomness operation out of vmap"
                )
        return proceed(call)


class _Randomness:
    """Context for the per-entry calls: refuses random ops ('error') or rewinds the generators ('same')."""

    def __init__(self, randomness: str) -> None:
        self.layer = _RefuseRandom() if randomness == "error" else None
        self.states: tuple[Any, Any] | None = _rng_states() if randomness == "same" else None

    def __enter__(self) -> _Randomness:
        if self.layer is not None:
            push_layer(self.layer)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.layer is not None:
            pop_layer(self.layer)

    def before_entry(self) -> None:
        if self.states is not None:
            _restore_rng_states(self.states)


def _restore_rng_states(states: tuple[Any, Any]) -> None:
    cpu, devices = states
    set_rng_state(cpu)
    if devices is not None:
        from . import cuda

        cuda.set_rng_state_all(devices)


def _rng_states() -> tuple[Any, Any]:
    from . import cuda

    return get_rng_state(), (cuda.get_rng_state_all() if cuda.is_available() else None)


def vmap(
    func: Callable[..., Any],
    in_dims: Any = 0,
    out_dims: Any = 0,
    randomness: str = "error",
    *,
    chunk_size: int | None = None,
) -> Callable[..., Any]:
    """Map ``func`` over a dimension of its inputs: ``vmap(f)(x)[i] == f(x[i])``.

    The returned function runs ``func`` once on the whole batch: inside, each batched argument looks like one
    entry (its ``shape`` lacks the mapped dimension) and every op runs on the whole batch through its batching
    rule, so ``vmap(grad(loss))`` gives per-sample gradients from one backward pass; random ops draw per
    entry or once as ``randomness`` says (NOTE [ Randomness under vmap ]). What the batched run cannot do
    (reading values with ``item()``/``bool()``, printing) makes vmap call ``func`` once per batch entry
    instead and stack the outputs along
    ``out_dims``, as the explicit loop would (NOTE [ Batched vmap ] in tocha._vmap). An output that does not
    depend on the batch comes back expanded over it (a view), as PyTorch's does.

    Args:
        func: a function of tensors (and other values) returning tensors, or tuples / lists / dicts of them.
        in_dims: which dimension of each argument to map over: an int for all of them, or a tuple with one
            entry per positional argument, nested like the arguments (tuples, lists, dicts); None leaves an
            argument unbatched. Negative dims count from the end. Keyword arguments are never batched.
        out_dims: where the mapped dimension goes in each output: an int, None (the output does not depend on
            the batch; returned once) or a tuple nested like the outputs.
        randomness: ``'error'`` (a random op inside raises), ``'different'`` (each entry draws its own values)
            or ``'same'`` (every entry gets the same draws).
        chunk_size: how many entries run at once (None: all of them): the batch runs in chunks of that size,
            whose outputs are concatenated, to bound the memory the intermediates take.

    Returns:
        The batched version of ``func``.

    Raises:
        ValueError: mismatched batch sizes, an ``in_dim`` out of range or on a non-tensor, a non-tensor output.
        RuntimeError: an unknown ``randomness``, or a random op under ``randomness='error'``.

    Example:
        >>> import tocha
        >>> x = tocha.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
        >>> tocha.func.vmap(tocha.dot)(x, x)
        tensor([ 5., 25., 61.])
        >>> tocha.func.vmap(tocha.mul, in_dims=(1, None))(x, tocha.tensor([1.0, 10.0, 100.0]))
        tensor([[  1.,  30., 500.],
                [  2.,  40., 600.]])
    """
    _check_randomness(randomness)
    if chunk_size is not None:
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int):
            raise TypeError(f"vmap: chunk_size should be None or an int, got {type(chunk_size).__name__}")
        if chunk_size <= 0:
            raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

    def batched(*args: Any, **kwargs: Any) -> Any:
        return _vmap_call(func, in_dims, out_dims, randomness, args, kwargs, chunk_size)

    with contextlib.suppress(AttributeError, TypeError):  # exotic callables keep the wrapper's own name
        functools.update_wrapper(batched, func)
    return batched


def _vmap_call(
    func: Callable[..., Any],
    in_dims: Any,
    out_dims: Any,
    randomness: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    chunk_size: int | None = None,
) -> Any:
    name = _func_name(func)
    if not (isinstance(in_dims, int) or type(in_dims) is tuple):
        raise ValueError(
            f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): expected `in_dims` to be int or a (potentially "
            f"nested) tuple matching the structure of inputs, got: {type(in_dims)}."
        )
    if not args:
        raise ValueError(
            f"vmap({name})(<inputs>): got no inputs. Maybe you forgot to add inputs, or you are trying to vmap "
            "over a function with no inputs. The latter is unsupported."
        )
    leaves, spec = _flatten(args)
    dims: list[Any] = []
    if not _valid_dims(in_dims) or not _broadcast_prefix(in_dims, spec, dims):
        raise ValueError(
            f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): in_dims is not compatible with the structure of "
            f"`inputs`. in_dims has structure {_flatten(in_dims)[1]} but inputs has structure {spec}."
        )
    sizes: list[int] = []
    for k, (leaf, d) in enumerate(zip(leaves, dims, strict=True)):
        if d is None:
            continue
        if not isinstance(leaf, Tensor):
            raise ValueError(
                f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} for an input but the input is "
                f"of type {type(leaf)}. We cannot vmap over non-Tensor arguments, please use None as the "
                "respective in_dim"
            )
        nd = leaf.dim()
        if not -nd <= d < nd:
            raise ValueError(
                f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} for some input, but that input "
                f"is a Tensor of dimensionality {nd} so expected in_dim to satisfy -{nd} <= in_dim < {nd}."
            )
        dims[k] = d % nd
        sizes.append(leaf.shape[dims[k]])
    if not sizes:
        raise ValueError("vmap: Expected at least one Tensor to vmap over")
    size = sizes[0]
    if any(s != size for s in sizes):
        raise ValueError(
            "vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
            f"{sizes} for the mapped dimension"
        )
    if not _valid_dims(out_dims):
        raise ValueError(
            f"vmap({name}, ..., out_dims={out_dims}): `out_dims` must be an int, None or a python collection of "
            "ints representing where in the outputs the vmapped dimension should appear."
        )
    mapped = _Mapped(func, name, spec, out_dims, randomness, kwargs)
    if chunk_size is not None and size > chunk_size and randomness != "same":  # 'same': one draw for all chunks
        return _in_chunks(mapped, leaves, dims, size, chunk_size)
    return _run(mapped, leaves, dims, size)


@dataclass(frozen=True)
class _Mapped:
    """One vmapped call: the function and what stays the same over its chunks and entries."""

    func: Callable[..., Any]
    name: str
    spec: _TreeSpec  # the structure of the arguments
    out_dims: Any
    randomness: str
    kwargs: dict[str, Any]

    def call(self, leaves: Sequence[Any]) -> Any:
        return self.func(*_unflatten(self.spec, leaves), **self.kwargs)


def _in_chunks(mapped: _Mapped, leaves: list[Any], dims: list[Any], size: int, chunk_size: int) -> Any:
    """vmap over ``chunk_size`` entries at a time (at most that many entries' intermediates alive at once)."""
    parts = []
    for start in range(0, size, chunk_size):
        n = min(chunk_size, size - start)
        chunk = [leaf if d is None else leaf.narrow(d, start, n) for leaf, d in zip(leaves, dims, strict=True)]
        parts.append(_flatten(_run(mapped, chunk, dims, n)))
    out_spec = parts[0][1]
    joined = []
    for k, d in enumerate(_out_dims_for(mapped.name, mapped.out_dims, out_spec)):
        values = [flat[k] for flat, _ in parts]
        joined.append(values[0] if d is None else _cat(values, d))
    return _unflatten(out_spec, joined)


def _cat(values: list[Any], dim: int) -> Any:
    from ._ops.shape_join import cat

    return cat(values, dim)


def _run(mapped: _Mapped, leaves: list[Any], dims: list[Any], size: int) -> Any:
    """The mapped function over ``size`` entries: batched, or once per entry where that cannot run."""
    if size > 0:
        states = None if mapped.randomness == "error" else _rng_states()
        try:
            return _vmap_batched(mapped, leaves, dims, size)
        except _Unbatchable:
            if not _vmap.LOOP_FALLBACK:
                raise
            if states is not None:  # the loop draws what it would have drawn without the batched attempt
                _restore_rng_states(states)
    entries: list[Any] = []
    with _Randomness(mapped.randomness) as rng:
        for b in range(size):
            rng.before_entry()
            entries.append(
                mapped.call([leaf if d is None else leaf.select(d, b) for leaf, d in zip(leaves, dims, strict=True)])
            )
        if size == 0:  # run once on zeros to learn the outputs' structure, shapes and dtypes
            rng.before_entry()
            probe = mapped.call(
                [
                    leaf if d is None else zeros(_drop(leaf.shape, d), dtype=leaf.dtype, device=leaf.device)
                    for leaf, d in zip(leaves, dims, strict=True)
                ]
            )
    if size == 0:
        return _empty_outputs(mapped.name, probe, mapped.out_dims)
    return _stack_outputs(mapped.name, entries, mapped.out_dims)


def _vmap_batched(mapped: _Mapped, leaves: list[Any], dims: list[Any], size: int) -> Any:
    """The mapped function run once on the whole batch (NOTE [ Batched vmap ] in tocha._vmap); UnbatchableError
    where only the per-entry loop can run it."""
    level = len(_vmap.active_layers())
    entry = [
        leaf if d is None else _vmap.batched(leaf.movedim(d, 0), level) for leaf, d in zip(leaves, dims, strict=True)
    ]
    inputs = [leaf for leaf in leaves if isinstance(leaf, Tensor)]
    versions = [_root(t)._version for t in inputs]
    try:
        with _Randomness(mapped.randomness), _vmap.BatchingLayer(level, size, mapped.randomness):
            output = mapped.call(entry)
        flat, out_spec = _flatten(output)
        out_dims = _out_dims_for(mapped.name, mapped.out_dims, out_spec)
        results = [_unbatch(leaf, d, level, size) for leaf, d in zip(flat, out_dims, strict=True)]
    except Exception as exc:
        if any(_root(t)._version != v for t, v in zip(inputs, versions, strict=True)):
            name = mapped.name
            raise RuntimeError(
                f"vmap({name}): `{name}` wrote into one of its inputs in place, then did something that only "
                f"running it once per batch entry can do ({exc}); running it per entry now would write twice. "
                "Move the in-place write after that, or out of the function."
            ) from exc
        raise _Unbatchable(str(exc)) from exc
    return _unflatten(out_spec, results)


def _root(t: Tensor) -> Tensor:
    return t._base if t._base is not None else t


def _unbatch(leaf: Any, d: Any, level: int, size: int) -> Any:
    """One output of the batched run as vmap returns it: the batch dimension moved to ``d``."""
    if isinstance(leaf, _vmap.BatchedTensor) and leaf._level == level:
        if d is None:
            raise _Unbatchable("a batched output with out_dims=None")
        return leaf._value.movedim(0, d)
    if d is None:
        return leaf
    if not isinstance(leaf, Tensor):
        raise _Unbatchable("a non-tensor output")
    one = leaf.unsqueeze(d)
    shape = list(one.shape)
    shape[d % one.dim()] = size
    return one.expand(shape)


def _drop(shape: Sequence[int], d: int) -> tuple[int, ...]:
    return tuple(n for k, n in enumerate(shape) if k != d)


def _out_dims_for(name: str, out_dims: Any, spec: _TreeSpec) -> list[Any]:
    if spec.is_leaf() and isinstance(out_dims, (tuple, list)) and len(out_dims) == 1:
        out_dims = out_dims[0]
    dims: list[Any] = []
    if not _broadcast_prefix(out_dims, spec, dims):
        raise ValueError(
            f"vmap({name}, ..., out_dims={out_dims})(<inputs>): out_dims is not compatible with the structure of "
            f"`outputs`. out_dims has structure {_flatten(out_dims)[1]} but outputs has structure {spec}."
        )
    return dims


def _not_tensor(name: str, value: Any) -> ValueError:
    return ValueError(
        f"vmap({name}, ...): `{name}` must only return Tensors, got type {type(value)}. Did you mean to set "
        "out_dims= to None for output?"
    )


def _stack_outputs(name: str, entries: list[Any], out_dims: Any) -> Any:
    flat = [_flatten(e) for e in entries]
    spec = flat[0][1]
    for _, other in flat[1:]:
        if other != spec:
            raise RuntimeError(
                f"vmap({name}, ...): `{name}` returned outputs of different structures for different batch "
                f"entries: {spec} and {other}"
            )
    dims = _out_dims_for(name, out_dims, spec)
    results: list[Any] = []
    for k, d in enumerate(dims):
        values = [leaves[k] for leaves, _ in flat]
        if d is None:
            results.append(_unbatched(name, values))
            continue
        for v in values:
            if not isinstance(v, Tensor):
                raise _not_tensor(name, v)
        results.append(stack(values, dim=d))
    return _unflatten(spec, results)


def _unbatched(name: str, values: list[Any]) -> Any:
    first = values[0]
    if all(v is first for v in values):
        return first
    if isinstance(first, Tensor):
        if all(
            isinstance(v, Tensor) and v.shape == first.shape and v.dtype == first.dtype and bool((v == first).all())
            for v in values
        ):
            return first
    elif all(not isinstance(v, Tensor) and v == first for v in values):
        return first
    raise ValueError(f"vmap({name}, ...): `{name}` can not return a BatchedTensor when out_dim is None")


def _empty_outputs(name: str, probe: Any, out_dims: Any) -> Any:
    leaves, spec = _flatten(probe)
    dims = _out_dims_for(name, out_dims, spec)
    results: list[Any] = []
    for leaf, d in zip(leaves, dims, strict=True):
        if d is None:
            results.append(leaf)
            continue
        if not isinstance(leaf, Tensor):
            raise _not_tensor(name, leaf)
        one = stack([leaf.detach()], dim=d)  # checks d as stack does
        results.append(one.narrow(d % one.dim(), 0, 0))
    return _unflatten(spec, results)


# ------------------------------------------------------------------ autograd-based transforms


def _autograd() -> Any:
    return _tensor_base.load_autograd(required=True)


def _normalize_argnums(argnums: Any, nargs: int) -> tuple[int, ...]:
    def one(a: Any) -> int:
        if not -nargs <= a < nargs:
            raise RuntimeError(f"Got argnum={a}, but only {nargs} positional inputs")
        return int(a) % nargs

    if isinstance(argnums, int):
        return (one(argnums),)
    if isinstance(argnums, tuple):
        if not argnums:
            raise RuntimeError("argnums must be non-empty")
        for a in argnums:
            if not isinstance(a, int):
                raise RuntimeError(f"argnum must be int, got: {type(a)}")
        if len(set(argnums)) != len(argnums):
            raise RuntimeError(f"argnums elements must be unique, got {argnums}")
        return tuple(one(a) for a in argnums)
    raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")


def _check_argnums_type(argnums: Any) -> None:
    if not isinstance(argnums, (int, tuple)):
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")


def _tangent_of(t: Any) -> Any:
    ag = _tensor_base.load_autograd()
    if ag is None:
        return None
    return ag.forward_ad.unpack_dual(t).tangent


class _Level:
    """One reverse-mode transform call: its own leaves and whether the backward pass must build a graph."""

    def __init__(self) -> None:
        self.ag = _autograd()
        self.outer_grad = is_grad_enabled()
        self.own: list[Any] = []  # the fresh leaves (kept alive so that their ids stay theirs)
        self.own_ids: set[int] = set()

    def enter(self, x: Any) -> tuple[Any, Any]:
        """``(the tensor to differentiate with respect to, the tensor handed to the function)`` for ``x``."""
        if not isinstance(x, Tensor):
            raise ValueError(f"Thing passed to transform API must be Tensor, got {type(x)}")
        if self.outer_grad and x.requires_grad:
            alias = x.view_as(x)
            return alias, alias
        tangent = _tangent_of(x)
        leaf = x.detach().requires_grad_()
        self.own.append(leaf)
        self.own_ids.add(id(leaf))
        if tangent is not None:
            return leaf, self.ag.forward_ad.make_dual(leaf, tangent)
        return leaf, leaf

    def depends_outside(self, t: Any) -> bool:
        """Whether ``t``'s graph reaches a tensor requiring grad other than this level's own leaves."""
        if not isinstance(t, Tensor) or not t.requires_grad:
            return False
        while t._batched_value is not None:  # inside vmap: the graph was recorded on the whole batch
            t = t._batched_value
        root = t.grad_fn
        if root is None:
            return id(t) not in self.own_ids
        todo = [root]
        seen: set[int] = set()
        while todo:
            node = todo.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            variable = getattr(node, "variable", None)
            if variable is not None:
                if id(variable) not in self.own_ids:
                    return True
                continue
            todo.extend(n for n, _ in node.next_functions if n is not None)
        return False

    def graph_for(self, cotangents: Sequence[Any]) -> bool:
        """Whether a backward pass with these cotangents must build a graph (they require grad outside)."""
        return self.outer_grad and any(c.requires_grad or _tangent_of(c) is not None for c in cotangents)

    def needs_graph(self, tensors: Sequence[Any]) -> bool:
        if not self.outer_grad:
            return False
        return any(self.depends_outside(t) or _tangent_of(t) is not None for t in tensors)

    def lift(self, t: Any) -> Any:
        """``t`` as the caller sees it: detached when it depends only on this level's own leaves.

        A forward-mode tangent of ``t`` is lifted the same way and re-attached.
        """
        if not isinstance(t, Tensor):
            return t
        tangent = _tangent_of(t)
        new_tangent = None if tangent is None else self.lift(tangent)
        if not t.requires_grad and new_tangent is tangent:
            return t
        keep = t.requires_grad and self.outer_grad and self.depends_outside(t)
        if keep and new_tangent is tangent:
            return t
        out = t if keep else t.detach()
        if new_tangent is not None:
            out = self.ag.forward_ad.make_dual(out.detach() if _tangent_of(out) is not None else out, new_tangent)
        return out

    def grads(
        self, outputs: Sequence[Any], wrt: Sequence[Any], grad_outputs: Sequence[Any] | None, create_graph: bool
    ) -> list[Any]:
        """Gradients of ``outputs`` (weighted by ``grad_outputs``) for ``wrt``; zeros where unused."""
        pairs = [(o, None if grad_outputs is None else grad_outputs[k]) for k, o in enumerate(outputs)]
        pairs = [(o, g) for o, g in pairs if o.requires_grad]
        if not pairs:
            found: Sequence[Any] = [None] * len(wrt)
        else:
            found = self.ag.grad(
                [o for o, _ in pairs],
                list(wrt),
                None if grad_outputs is None else [g for _, g in pairs],
                retain_graph=True,
                create_graph=create_graph,
                allow_unused=True,
            )
        return [g if g is not None else w.detach().new_zeros(w.shape) for g, w in zip(found, wrt, strict=True)]


def _split_aux(output: Any, has_aux: bool, prefix: str) -> tuple[Any, Any]:
    if not has_aux:
        return output, None
    if not (isinstance(output, tuple) and len(output) == 2):
        raise RuntimeError(f"{prefix}: output of function f should be a tuple: (output, aux) if has_aux is True")
    return output[0], output[1]


def _check_aux(aux: Any) -> list[Any]:
    leaves, _ = _flatten(aux)
    for leaf in leaves:
        if not isinstance(leaf, Tensor):
            raise RuntimeError(f"Expected tensors, got unsupported type {type(leaf)}")
    return leaves


def _lift_tree(level: _Level, tree: Any) -> Any:
    leaves, spec = _flatten(tree)
    return _unflatten(spec, [level.lift(t) for t in leaves])


def _prepare_args(level: _Level, args: tuple[Any, ...], argnums: tuple[int, ...]) -> tuple[list[Any], list[Any]]:
    """Replace the differentiated arguments by the level's tensors; returns (new args, per-argnum wrt lists)."""
    new_args = list(args)
    wrt: list[Any] = []
    for a in argnums:
        leaves, spec = _flatten(args[a])
        entered = [level.enter(x) for x in leaves]
        wrt.append((spec, [e[0] for e in entered]))
        new_args[a] = _unflatten(spec, [e[1] for e in entered])
    return new_args, wrt


def _regroup(wrt: list[Any], flat: list[Any], single: bool) -> Any:
    """Per-argnum pytrees of ``flat`` (one value per wrt tensor); the bare pytree when ``argnums`` was an int."""
    trees = []
    k = 0
    for spec, tensors in wrt:
        trees.append(_unflatten(spec, flat[k : k + len(tensors)]))
        k += len(tensors)
    return trees[0] if single else tuple(trees)


def grad_and_value(func: Callable[..., Any], argnums: Any = 0, has_aux: bool = False) -> Callable[..., Any]:
    """A function returning ``(gradient of func, value of func)`` at the given arguments.

    ``func`` must return a scalar tensor (with ``has_aux=True``, a tuple ``(scalar, aux)``). The gradient is
    taken with respect to the positional arguments named by ``argnums`` (each a tensor or a pytree of tensors).

    Args:
        func: the function to differentiate.
        argnums: an int (the gradient has that argument's structure) or a tuple of ints (a tuple of them).
        has_aux: ``func`` returns ``(output, aux)``; aux (tensors) is returned alongside, not differentiated.

    Returns:
        A function returning ``(grad, value)``, or ``(grad, (value, aux))`` with ``has_aux``.

    Needs tocha-autograd.

    Example:
        >>> import tocha
        >>> g, value = tocha.func.grad_and_value(lambda x: (x**3).sum())(tocha.tensor([1.0, 2.0]))
        >>> g, value
        (tensor([ 3., 12.]), tensor(9.))
    """
    _check_argnums_type(argnums)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nums = _normalize_argnums(argnums, len(args))
        layers = _vmap.active_layers()
        if layers:
            return _batched_grad_and_value(func, nums, has_aux, isinstance(argnums, int), layers, args, kwargs)
        level = _Level()
        with enable_grad():
            new_args, wrt = _prepare_args(level, args, nums)
            output, aux = _split_aux(func(*new_args, **kwargs), has_aux, "grad_and_value(f)(*args)")
            aux_leaves = _check_aux(aux) if has_aux else []
            if not isinstance(output, Tensor):
                raise RuntimeError(
                    f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got {type(output)}"
                )
            if output.dim() != 0:
                raise RuntimeError(
                    "grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got tensor with "
                    f"{output.dim()} dims. Maybe you wanted to use the vjp or jacrev APIs instead?"
                )
            if output.is_complex():
                raise RuntimeError(
                    f"grad can be implicitly created only for real scalar outputs but got {output.dtype}"
                )
            create_graph = level.needs_graph([output])
            flat_wrt = [t for _, tensors in wrt for t in tensors]
            grads = level.grads([output], flat_wrt, None, create_graph)
        result = _regroup(wrt, [level.lift(g) for g in grads], isinstance(argnums, int))
        value = level.lift(output)
        if has_aux:
            _, aux_spec = _flatten(aux)
            return result, (value, _unflatten(aux_spec, [level.lift(t) for t in aux_leaves]))
        return result, value

    return wrapper


def _batched_grad_and_value(
    func: Callable[..., Any],
    nums: tuple[int, ...],
    has_aux: bool,
    single: bool,
    layers: list[_vmap.BatchingLayer],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Any:
    """``grad_and_value`` inside a batched vmap: every entry's gradient from one backward pass.

    The leaves hold the whole batch (an unbatched argument is expanded over it); entries never mix, so the
    gradient of the batched output's sum is every entry's gradient (NOTE [ Batched vmap ] in tocha._vmap).
    An argument requiring grad outside is differentiated through an alias, so that its graph stays whole (a
    gradient penalty's backward reaches it). Nested vmaps and forward-mode tangents are left to the loop.
    """
    layer = _single_layer(layers, "grad")
    level = _Level()
    new_args, wrt = _prepare_batched_args(level, layer, args, nums)
    with enable_grad():
        output, aux = _split_aux(func(*new_args, **kwargs), has_aux, "grad_and_value(f)(*args)")
        aux_leaves = _check_aux(aux) if has_aux else []
        if not isinstance(output, Tensor):
            raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got {type(output)}")
        if output.dim() != 0:
            raise RuntimeError(
                "grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got tensor with "
                f"{output.dim()} dims. Maybe you wanted to use the vjp or jacrev APIs instead?"
            )
        if output.is_complex():
            raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but got {output.dtype}")
        if not (isinstance(output, _vmap.BatchedTensor) and output._level == layer.level):
            raise _Unbatchable("grad of an output that does not depend on the batch")
        value = output._value
        flat_wrt = [t for _, tensors in wrt for t in tensors]
        grads = level.grads([value], flat_wrt, [value.detach().new_ones(value.shape)], level.needs_graph([value]))

    def lifted(t: Any) -> Any:
        return _lift_batched(level, layer, t)

    result = _regroup(wrt, [_vmap.batched(level.lift(g), layer.level) for g in grads], single)
    if has_aux:
        _, aux_spec = _flatten(aux)
        return result, (lifted(output), _unflatten(aux_spec, [lifted(t) for t in aux_leaves]))
    return result, lifted(output)


def _single_layer(layers: list[_vmap.BatchingLayer], transform: str) -> _vmap.BatchingLayer:
    if len(layers) != 1:
        raise _Unbatchable(f"{transform} inside nested vmaps")
    return layers[0]


def _prepare_batched_args(
    level: _Level, layer: _vmap.BatchingLayer, args: tuple[Any, ...], argnums: tuple[int, ...]
) -> tuple[list[Any], list[Any]]:
    """:func:`_prepare_args` inside a batched vmap: the tensors to differentiate hold the whole batch.

    A batched argument's value becomes a fresh leaf, an unbatched one is expanded over the batch first, and
    one requiring grad outside gets an alias instead, so that the caller's graph stays whole; the function
    gets them as batched tensors. Returns (new args, per-argnum wrt lists), the leaves batch-first.
    """
    new_args = list(args)
    wrt: list[Any] = []
    for a in argnums:
        leaves, spec = _flatten(args[a])
        handed: list[Any] = []
        tensors: list[Any] = []
        for x in leaves:
            if not isinstance(x, Tensor):
                raise ValueError(f"Thing passed to transform API must be Tensor, got {type(x)}")
            if isinstance(x, _vmap.BatchedTensor):
                if x._level != layer.level:
                    raise _Unbatchable("a transform of a tensor batched at another level")
                value = x._value
            else:
                value = x.unsqueeze(0).expand(layer.size, *x.shape)
            if _tangent_of(x) is not None or _tangent_of(value) is not None:
                raise _Unbatchable("a transform of a tensor with a forward-mode tangent")
            if level.outer_grad and value.requires_grad:
                leaf = value.view_as(value)  # an alias, as _Level.enter's: the caller's graph sees through it
            else:
                leaf = value.detach().requires_grad_()
                level.own.append(leaf)
                level.own_ids.add(id(leaf))
            tensors.append(leaf)
            handed.append(_vmap.batched(leaf, layer.level))
        wrt.append((spec, tensors))
        new_args[a] = _unflatten(spec, handed)
    return new_args, wrt


def _batch_value(t: Any, layer: _vmap.BatchingLayer) -> Any:
    """Tensor ``t`` inside a batched vmap as the whole batch, batch-first (expanded when unbatched)."""
    if isinstance(t, _vmap.BatchedTensor):
        if t._level != layer.level:
            raise _Unbatchable("a tensor batched at another level")
        return t._value
    return t.unsqueeze(0).expand(layer.size, *t.shape)


def _lift_batched(level: _Level, layer: _vmap.BatchingLayer, t: Any) -> Any:
    """A transform's result inside a batched vmap: lifted as :meth:`_Level.lift` does, batched again."""
    if isinstance(t, _vmap.BatchedTensor):
        if t._level != layer.level:
            raise _Unbatchable("an output batched at another level")
        return _vmap.batched(level.lift(t._value), layer.level)
    return level.lift(t)


def grad(func: Callable[..., Any], argnums: Any = 0, has_aux: bool = False) -> Callable[..., Any]:
    """A function computing the gradient of scalar-valued ``func`` with respect to the arguments ``argnums``.

    Transforms compose: ``grad(grad(f))`` is the second derivative, ``vmap(grad(f))`` gives per-sample
    gradients. The result requires grad only when it depends on tensors requiring grad outside the transform
    (NOTE [ Function transforms ]).

    Args:
        func: a function returning a scalar tensor (or ``(scalar, aux)`` with ``has_aux``).
        argnums: an int or a tuple of ints: the positional arguments to differentiate (tensors or pytrees).
        has_aux: ``func`` returns ``(output, aux)``; the transformed function then returns ``(grad, aux)``.

    Returns:
        A function returning the gradient (or ``(gradient, aux)``).

    Needs tocha-autograd.

    Example:
        >>> import tocha
        >>> from tocha.func import grad
        >>> x = tocha.tensor(2.0)
        >>> grad(lambda t: t**3)(x), grad(grad(lambda t: t**3))(x)
        (tensor(12.), tensor(12.))
    """
    inner = grad_and_value(func, argnums, has_aux)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g, value = inner(*args, **kwargs)
        if has_aux:
            return g, value[1]
        return g

    return wrapper


def _check_outputs_tensors(leaves: Sequence[Any], prefix: str) -> None:
    for leaf in leaves:
        if not isinstance(leaf, Tensor):
            raise RuntimeError(
                f"{prefix}: expected f(*primals) to return only tensors, got unsupported type {type(leaf)}"
            )


def vjp(func: Callable[..., Any], *primals: Any, has_aux: bool = False) -> tuple[Any, ...]:
    """``func(*primals)`` and a function computing vector-Jacobian products at ``primals``.

    Args:
        func: a function of tensors (or pytrees of them) returning tensors (or pytrees of them).
        *primals: the point at which to differentiate.
        has_aux: ``func`` returns ``(output, aux)``; aux is returned third.

    Returns:
        ``(output, vjp_fn)`` or ``(output, vjp_fn, aux)``. ``vjp_fn(cotangents)``, with cotangents shaped like
        ``output``, returns a tuple with one gradient per primal (zeros for unused ones); it may be called
        many times.

    Needs tocha-autograd.

    Example:
        >>> import tocha
        >>> x = tocha.tensor([1.0, 2.0])
        >>> out, vjp_fn = tocha.func.vjp(lambda t: t * t, x)
        >>> vjp_fn(tocha.ones(2))
        (tensor([2., 4.]),)
    """
    layers = _vmap.active_layers()
    if layers:
        return _batched_vjp(func, primals, has_aux, _single_layer(layers, "vjp"))
    level = _Level()
    with enable_grad():
        new_args, wrt = _prepare_args(level, primals, tuple(range(len(primals))))
        output, aux = _split_aux(func(*new_args), has_aux, "vjp(f, *primals)")
        aux_leaves = _check_aux(aux) if has_aux else []
        out_leaves, out_spec = _flatten(output)
        _check_outputs_tensors(out_leaves, "vjp(f, *primals)")
    flat_wrt = [t for _, tensors in wrt for t in tensors]
    forward_graph = level.needs_graph(out_leaves)

    def vjp_fn(cotangents: Any, retain_graph: bool = True, create_graph: bool | None = None) -> tuple[Any, ...]:
        cot_leaves = _cotangent_leaves(cotangents, out_spec)
        graph = forward_graph or level.graph_for(cot_leaves)
        with enable_grad():
            grads = level.grads(out_leaves, flat_wrt, cot_leaves, bool(graph or create_graph))
        return tuple(_regroup(wrt, [level.lift(g) for g in grads], False))

    result = _unflatten(out_spec, [level.lift(t) for t in out_leaves])
    if has_aux:
        _, aux_spec = _flatten(aux)
        return result, vjp_fn, _unflatten(aux_spec, [level.lift(t) for t in aux_leaves])
    return result, vjp_fn


def _batched_vjp(
    func: Callable[..., Any], primals: tuple[Any, ...], has_aux: bool, layer: _vmap.BatchingLayer
) -> tuple[Any, ...]:
    """``vjp`` inside a batched vmap: the leaves hold the whole batch, and the vjp function takes every
    entry's cotangents at once (NOTE [ Batched vmap ] in tocha._vmap)."""
    level = _Level()
    prefix = "vjp(f, *primals)"
    with enable_grad():
        new_args, wrt = _prepare_batched_args(level, layer, primals, tuple(range(len(primals))))
        output, aux = _split_aux(func(*new_args), has_aux, prefix)
        aux_leaves = _check_aux(aux) if has_aux else []
        out_leaves, out_spec = _flatten(output)
        _check_outputs_tensors(out_leaves, prefix)
        values = [_batch_value(o, layer) for o in out_leaves]
    flat_wrt = [t for _, tensors in wrt for t in tensors]
    forward_graph = level.needs_graph(values)

    def vjp_fn(cotangents: Any, retain_graph: bool = True, create_graph: bool | None = None) -> tuple[Any, ...]:
        if layer not in _vmap.active_layers():
            raise RuntimeError("vjp_fn: a vjp made inside vmap can only be called inside that vmap")
        cot_values = [_batch_value(c, layer) for c in _cotangent_leaves(cotangents, out_spec)]
        graph = forward_graph or level.graph_for(cot_values)
        with enable_grad():
            grads = level.grads(values, flat_wrt, cot_values, bool(graph or create_graph))
        return tuple(_regroup(wrt, [_vmap.batched(level.lift(g), layer.level) for g in grads], False))

    result = _unflatten(out_spec, [_lift_batched(level, layer, t) for t in out_leaves])
    if has_aux:
        _, aux_spec = _flatten(aux)
        return result, vjp_fn, _unflatten(aux_spec, [_lift_batched(level, layer, t) for t in aux_leaves])
    return result, vjp_fn


def _cotangent_leaves(cotangents: Any, out_spec: _TreeSpec) -> list[Any]:
    """A vjp function's cotangents as tensors, checked against the outputs' structure."""
    leaves, spec = _flatten(cotangents)
    if spec != out_spec:
        raise RuntimeError(
            "Expected pytree structure of cotangents to be the same as pytree structure of outputs to the "
            f"function. cotangents: {spec}, primal output: {out_spec}"
        )
    for c in leaves:
        if not isinstance(c, Tensor):
            raise RuntimeError(f"Expected tensors, got unsupported type {type(c)}")
    return leaves


def _check_jvp_inputs(primals: Any, tangents: Any) -> tuple[list[Any], list[Any], _TreeSpec]:
    if type(primals) is not tuple:
        raise RuntimeError(
            "jvp(f, primals, tangents): Expected primals to be a tuple. E.g. it should be valid to call f(*primals)."
        )
    p_leaves, p_spec = _flatten(primals)
    t_leaves, t_spec = _flatten(tangents)
    if p_spec != t_spec:
        raise RuntimeError(
            "jvp(f, primals, tangents): Expected primals and tangents to have the same python structure. For "
            "example, if primals is a tuple of 3 tensors, tangents also must be. Got primals with structure "
            f"{p_spec} and tangents with structure {t_spec}"
        )
    if not p_leaves:
        raise RuntimeError("jvp(f, primals, tangents): Expected primals to contain at least one Tensor.")
    for p in p_leaves:
        if not isinstance(p, Tensor):
            raise RuntimeError(f"jvp(f, primals, tangents): Expected primals to only contain Tensors, got {type(p)}")
    for t in t_leaves:
        if not isinstance(t, Tensor):
            raise RuntimeError(f"jvp(f, primals, tangents): Expected tangents to only contain Tensors, got {type(t)}")
    return p_leaves, t_leaves, p_spec


def _unpack_outputs(fwad: Any, output: Any, prefix: str) -> tuple[list[Any], list[Any], _TreeSpec]:
    leaves, spec = _flatten(output)
    _check_outputs_tensors(leaves, prefix)
    primals: list[Any] = []
    tangents: list[Any] = []
    for o in leaves:
        primal, tangent = fwad.unpack_dual(o)
        primals.append(primal)
        tangents.append(tangent if tangent is not None else zeros(o.shape, dtype=o.dtype, device=o.device))
    return primals, tangents, spec


def jvp(
    func: Callable[..., Any], primals: Any, tangents: Any, *, strict: bool = False, has_aux: bool = False
) -> tuple[Any, ...]:
    """``func(*primals)`` and the Jacobian-vector product ``J @ tangents``, by forward-mode AD.

    Args:
        func: a function of tensors (or pytrees of them) returning tensors (or pytrees of them).
        primals: a tuple of the arguments.
        tangents: one tangent per primal, with the same structure and shapes.
        strict: accepted for PyTorch compatibility; must be False.
        has_aux: ``func`` returns ``(output, aux)``; aux is returned third.

    Returns:
        ``(output, jvp_out)`` or ``(output, jvp_out, aux)``; outputs that do not depend on the primals get a
        zero tangent.

    Needs tocha-autograd.

    Example:
        >>> import tocha
        >>> x = tocha.tensor([0.0, 1.0])
        >>> tocha.func.jvp(tocha.exp, (x,), (tocha.ones(2),))
        (tensor([1.0000, 2.7183]), tensor([1.0000, 2.7183]))
    """
    if strict:
        raise RuntimeError("jvp(f, primals, tangents): strict=True is not supported.")
    p_leaves, t_leaves, p_spec = _check_jvp_inputs(primals, tangents)
    fwad = _autograd().forward_ad
    if _forward_level_active(fwad):
        return _jvp_by_double_vjp(func, p_leaves, t_leaves, p_spec, has_aux)
    prefix = "jvp(f, primals, tangents)"
    with fwad.dual_level():
        duals = [fwad.make_dual(p, t) for p, t in zip(p_leaves, t_leaves, strict=True)]
        output, aux = _split_aux(func(*_unflatten(p_spec, duals)), has_aux, prefix)
        out_primals, out_tangents, out_spec = _unpack_outputs(fwad, output, prefix)
        aux_leaves = [fwad.unpack_dual(t).primal for t in _check_aux(aux)] if has_aux else []
    result = (_unflatten(out_spec, out_primals), _unflatten(out_spec, out_tangents))
    if has_aux:
        return (*result, _unflatten(_flatten(aux)[1], aux_leaves))
    return result


def _forward_level_active(fwad: Any) -> bool:
    """Whether a forward-mode level is already open (an outer ``jvp``/``jacfwd``): levels do not nest.

    NOTE [ Nested forward transforms ]
    tocha.autograd has one forward-mode level at a time (as ``torch.autograd.forward_ad``). A forward transform
    called inside another one (``jacfwd(jacfwd(f))``, ``jvp`` of a ``jvp``) therefore computes its product by
    reverse mode instead, which the outer level differentiates like any other ops: ``jacfwd`` becomes ``jacrev``
    (the same Jacobian), and ``jvp`` uses the double-vjp identity ``J t = d/du <J^T u, t>`` (``J^T u`` is linear
    in ``u``, so any ``u`` works; zeros are used).
    """
    try:
        level = fwad.enter_dual_level()
    except RuntimeError:
        return True
    fwad.exit_dual_level(level=level)
    return False


def _jvp_by_double_vjp(
    func: Callable[..., Any], p_leaves: list[Any], t_leaves: list[Any], p_spec: _TreeSpec, has_aux: bool
) -> tuple[Any, ...]:
    """:func:`jvp` by reverse mode, for a call inside an open forward level (NOTE [ Nested forward transforms ])."""
    prefix = "jvp(f, primals, tangents)"
    level = _Level()
    with enable_grad():
        new_args, wrt = _prepare_args(level, tuple(p_leaves), tuple(range(len(p_leaves))))
        output, aux = _split_aux(func(*_unflatten(p_spec, new_args)), has_aux, prefix)
        out_leaves, out_spec = _flatten(output)
        _check_outputs_tensors(out_leaves, prefix)
        flat_wrt = [t for _, tensors in wrt for t in tensors]
        cotangents = []
        for o in out_leaves:
            u = zeros(o.shape, dtype=o.dtype, device=o.device).requires_grad_()
            level.own.append(u)
            level.own_ids.add(id(u))
            cotangents.append(u)
        transposed = level.grads(out_leaves, flat_wrt, cotangents, create_graph=True)  # J^T u, linear in u
        products = level.grads(transposed, cotangents, t_leaves, level.needs_graph([*out_leaves, *t_leaves]))
    result = (
        _unflatten(out_spec, [level.lift(t) for t in out_leaves]),
        _unflatten(out_spec, [level.lift(t) for t in products]),
    )
    if has_aux:
        return (*result, _unflatten(_flatten(aux)[1], [level.lift(t) for t in _check_aux(aux)]))
    return result


def linearize(func: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[..., Any]]:
    """``func(*primals)`` and a function ``jvp_fn(*tangents)`` giving the Jacobian-vector product at ``primals``.

    PyTorch traces ``func`` once; here ``jvp_fn`` runs :func:`jvp` again at each call (same results).

    Needs tocha-autograd.

    Example:
        >>> import tocha
        >>> out, jvp_fn = tocha.func.linearize(tocha.sin, tocha.tensor([0.0]))
        >>> jvp_fn(tocha.tensor([2.0]))
        tensor([2.])
    """
    p_leaves, p_spec = _flatten(primals)
    for p in p_leaves:
        if not isinstance(p, Tensor):
            raise ValueError(f"Thing passed to transform API must be Tensor, got {type(p)}")
    output = func(*primals)

    def jvp_fn(*tangents: Any) -> Any:
        t_leaves, t_spec = _flatten(tangents)
        if t_spec != p_spec:
            raise RuntimeError(f"Expected the tangents {t_spec} to have the same argspec as the primals {p_spec}")
        for k, (p, t) in enumerate(zip(p_leaves, t_leaves, strict=True)):
            if not isinstance(t, Tensor):
                raise RuntimeError(f"Expected tensors, got unsupported type {type(t)}")
            if t.shape != p.shape:
                raise RuntimeError(
                    f"tangent:{k} with shape {t.shape} in flattened pytree doesn't match the shape {p.shape} "
                    "of the corresponding primal."
                )
            if t.dtype != p.dtype:
                raise RuntimeError(
                    f"tangent:{k} with dtype {t.dtype} in flattened pytree doesn't match the dtype {p.dtype} "
                    "of the corresponding primal."
                )
        return jvp(func, tuple(primals), tuple(tangents))[1]

    return output, jvp_fn


def _check_chunk_size(chunk_size: Any, fn: str) -> None:
    if chunk_size is not None and (isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError(f"{fn}: `chunk_size` should be greater than 0.")


def _jacobian_rows(rows: list[Any], out_shape: Sequence[int], in_shape: Sequence[int], like: Any) -> Any:
    """``rows`` (one per element of the output, each shaped like the input) as a ``out_shape + in_shape`` tensor."""
    shape = (*out_shape, *in_shape)
    if not rows:
        return zeros(shape, dtype=like.dtype, device=like.device)
    return stack(rows).reshape(shape)


def _batched_vjp_rows(
    level: _Level, output: Tensor, wrt: list[Any], basis: Tensor, create_graph: bool, chunk_size: int | None = None
) -> Any:
    """Every row of ``output``'s Jacobian for each of ``wrt`` from one backward pass over a batch of cotangents
    (``basis``, one row per output element; ``chunk_size`` rows per pass when given); None where that pass
    cannot run batched (the caller loops)."""

    def one(cotangent: Tensor) -> tuple[Any, ...]:
        return tuple(level.grads([output], wrt, [cotangent.reshape(output.shape)], create_graph))

    _, spec = _flatten((basis,))
    n = basis.shape[0]
    step = n if chunk_size is None else chunk_size
    parts = []
    try:
        for start in range(0, n, step):
            rows = basis[start : start + step]
            parts.append(_vmap_batched(_Mapped(one, "jacrev", spec, 0, "error", {}), [rows], [0], rows.shape[0]))
    except _Unbatchable:
        return None
    return parts[0] if len(parts) == 1 else tuple(_cat([p[i] for p in parts], 0) for i in range(len(parts[0])))


def _check_differentiable_outputs(leaves: Sequence[Any], prefix: str) -> None:
    """jacrev's outputs: tensors, of floating point or complex dtypes."""
    _check_outputs_tensors(leaves, prefix)
    for o in leaves:
        if not (o.is_floating_point() or o.is_complex()):
            raise RuntimeError(
                f"vjp(f, ...): All outputs of f must be floating-point or complex Tensors, got Tensor with dtype "
                f"{o.dtype}"
            )


def _try_prepare_batched(
    level: _Level, layers: list[_vmap.BatchingLayer], args: tuple[Any, ...], nums: tuple[int, ...]
) -> tuple[list[Any], list[Any]] | None:
    """:func:`_prepare_batched_args` for a transform inside one batched vmap; None where the transform must run as
    it does outside vmap (nested vmaps, forward-mode tangents: jacfwd's columns over a jacrev)."""
    if len(layers) != 1:
        return None
    try:
        with enable_grad():
            return _prepare_batched_args(level, layers[0], args, nums)
    except _Unbatchable:
        return None


def _batched_jacrev(
    func: Callable[..., Any],
    level: _Level,
    layer: _vmap.BatchingLayer,
    prepared: tuple[list[Any], list[Any]],
    has_aux: bool,
    single: bool,
    chunk_size: int | None,
    kwargs: dict[str, Any],
) -> Any:
    """``jacrev`` inside a batched vmap: every entry's Jacobian rows from backward passes over the whole batch.

    The leaves hold the batch (:func:`_prepare_batched_args`); row ``k`` of every entry's Jacobian is the
    gradient of the batched output with cotangent ``e_k`` in each entry (entries never mix), and all rows come
    from one backward pass over a batch of those cotangents (:func:`_batched_vjp_rows`).
    """
    new_args, wrt = prepared
    prefix = "vjp(f, *primals)"
    with enable_grad():
        output, aux = _split_aux(func(*new_args, **kwargs), has_aux, prefix)
        aux_leaves = _check_aux(aux) if has_aux else []
        out_leaves, out_spec = _flatten(output)
        _check_differentiable_outputs(out_leaves, prefix)
        values = [_batch_value(o, layer) for o in out_leaves]
        create_graph = level.needs_graph(values)
        flat_wrt = [t for _, tensors in wrt for t in tensors]
        size = layer.size
        per_output = []
        for o, value in zip(out_leaves, values, strict=True):
            n = o.numel()
            rows = None
            if n and value.requires_grad:
                basis = eye(n, dtype=o.dtype, device=o.device).reshape(n, 1, *o.shape).expand(n, size, *o.shape)
                rows = _batched_vjp_rows(level, value, flat_wrt, basis, create_graph, chunk_size)
                if rows is None:
                    raise _Unbatchable("jacrev: a backward pass over the batch of cotangents")
            jacs = [
                _vmap.batched(
                    level.lift(rows[i].movedim(0, 1).reshape(size, *o.shape, *x.shape[1:]))
                    if rows is not None
                    else zeros((size, *o.shape, *x.shape[1:]), dtype=x.dtype, device=x.device),
                    layer.level,
                )
                for i, x in enumerate(flat_wrt)
            ]
            per_output.append(_regroup(wrt, jacs, single))
    result = _unflatten(out_spec, per_output)
    if has_aux:
        return result, _unflatten(_flatten(aux)[1], [_lift_batched(level, layer, t) for t in aux_leaves])
    return result


def jacrev(
    func: Callable[..., Any],
    argnums: Any = 0,
    *,
    has_aux: bool = False,
    chunk_size: int | None = None,
    _preallocate_and_copy: bool = False,
) -> Callable[..., Any]:
    """A function computing the Jacobian of ``func`` with respect to ``argnums`` by reverse mode.

    For an output ``y`` and an input ``x`` the Jacobian has shape ``y.shape + x.shape``; pytrees of outputs
    and inputs give pytrees of Jacobians (outputs outermost; a tuple over ``argnums`` when it is a tuple).
    One backward pass runs per output, over a batch of all its cotangents at once (vmap's batched run),
    or per output element where that cannot run batched.

    Args:
        func: a function of tensors returning floating point or complex tensors (or pytrees of them).
        argnums: an int or a tuple of ints: the positional arguments to differentiate.
        has_aux: ``func`` returns ``(output, aux)``; the transformed function returns ``(jacobian, aux)``.
        chunk_size: how many rows of the Jacobian one backward pass computes (None: all of an output's).

    Needs tocha-autograd.

    Example:
        >>> import tocha
        >>> tocha.func.jacrev(lambda x: x**2)(tocha.tensor([1.0, 2.0]))
        tensor([[2., 0.],
                [0., 4.]])
    """
    del _preallocate_and_copy
    _check_argnums_type(argnums)
    _check_chunk_size(chunk_size, "jacrev")

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nums = _normalize_argnums(argnums, len(args))
        level = _Level()
        prefix = "vjp(f, *primals)"
        layers = _vmap.active_layers()
        if layers:
            prepared = _try_prepare_batched(level, layers, args, nums)
            if prepared is not None:
                single = isinstance(argnums, int)
                return _batched_jacrev(func, level, layers[0], prepared, has_aux, single, chunk_size, kwargs)
        with enable_grad():
            new_args, wrt = _prepare_args(level, args, nums)
            output, aux = _split_aux(func(*new_args, **kwargs), has_aux, prefix)
            aux_leaves = _check_aux(aux) if has_aux else []
            out_leaves, out_spec = _flatten(output)
            _check_differentiable_outputs(out_leaves, prefix)
            create_graph = level.needs_graph(out_leaves)
            flat_wrt = [t for _, tensors in wrt for t in tensors]
            per_output = []
            for o in out_leaves:
                n = o.numel()
                basis: Any = eye(n, dtype=o.dtype, device=o.device) if n and o.requires_grad else None
                batched = (
                    None if basis is None else _batched_vjp_rows(level, o, flat_wrt, basis, create_graph, chunk_size)
                )
                rows: list[list[Any]] = [[] for _ in flat_wrt]
                for k in range(n if basis is not None and batched is None else 0):
                    grads = level.grads([o], flat_wrt, [basis[k].reshape(o.shape)], create_graph)
                    for row, g in zip(rows, grads, strict=True):
                        row.append(g)
                jacs = [
                    level.lift(
                        batched[i].reshape((*o.shape, *x.shape))
                        if batched is not None
                        else _jacobian_rows(rows[i], o.shape, x.shape, x)
                    )
                    if basis is not None
                    else zeros((*o.shape, *x.shape), dtype=x.dtype, device=x.device)
                    for i, x in enumerate(flat_wrt)
                ]
                per_output.append(_regroup(wrt, jacs, isinstance(argnums, int)))
        result = _unflatten(out_spec, per_output)
        if has_aux:
            return result, _unflatten(_flatten(aux)[1], [level.lift(t) for t in aux_leaves])
        return result

    return wrapper


def _batched_columns(one: Callable[[Tensor], tuple[Any, ...]], basis: Tensor, randomness: str) -> Any:
    """``one(tangent)`` for every row of ``basis`` in one batched run (vmap's); None where it cannot run batched."""
    _, spec = _flatten((basis,))
    try:
        return _vmap_batched(_Mapped(one, "jacfwd", spec, 0, randomness, {}), [basis], [0], basis.shape[0])
    except _Unbatchable:
        return None


def jacfwd(
    func: Callable[..., Any], argnums: Any = 0, has_aux: bool = False, *, randomness: str = "error"
) -> Callable[..., Any]:
    """A function computing the Jacobian of ``func`` with respect to ``argnums`` by forward mode.

    Shapes and structure as :func:`jacrev`. One forward pass runs per input, over a batch of all its one-hot
    tangents at once (vmap's batched run), or per input element where that cannot run batched.

    Args:
        func: a function of tensors returning tensors (or pytrees of them).
        argnums: an int or a tuple of ints: the positional arguments to differentiate.
        has_aux: ``func`` returns ``(output, aux)``; the transformed function returns ``(jacobian, aux)``.
        randomness: as :func:`vmap`'s: ``'error'``, ``'different'`` or ``'same'``.

    Needs tocha-autograd.

    Example:
        >>> import tocha
        >>> tocha.func.jacfwd(lambda x: x.sum() * x)(tocha.tensor([1.0, 2.0]))
        tensor([[4., 1.],
                [2., 5.]])
    """
    _check_argnums_type(argnums)
    _check_randomness(randomness)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nums = _normalize_argnums(argnums, len(args))
        fwad = _autograd().forward_ad
        if _forward_level_active(fwad):  # NOTE [ Nested forward transforms ]
            return jacrev(func, argnums, has_aux=has_aux)(*args, **kwargs)
        prefix = "jvp(f, primals, tangents)"
        groups = []
        for a in nums:
            leaves, spec = _flatten(args[a])
            for x in leaves:
                if not isinstance(x, Tensor):
                    raise ValueError(f"Thing passed to transform API must be Tensor, got {type(x)}")
            groups.append((spec, leaves))
        flat = [(g, j) for g, (_, leaves) in enumerate(groups) for j in range(len(leaves))]
        columns: list[list[list[Any]]] = []  # [input][output] -> tangents, one per input element
        blocks: list[bool] = []  # per input: its columns came as one batched block
        first: tuple[list[Any], _TreeSpec, Any] | None = None
        # First every input's columns from one batched forward pass (vmap of the jvp, each in its own dual
        # level, entered inside the vmap so that the tangents' ops meet its batching layer)...
        batched_blocks: list[Any] = []
        for g, j in flat:
            x = groups[g][1][j]
            n = x.numel()

            seen: list[Any] = []

            def one(tangent: Tensor, g: int = g, j: int = j, x: Any = x, seen: list[Any] = seen) -> tuple[Any, ...]:
                with fwad.dual_level():
                    new_args = list(args)
                    leaves = list(groups[g][1])
                    leaves[j] = fwad.make_dual(x, tangent.reshape(x.shape))
                    new_args[nums[g]] = _unflatten(groups[g][0], leaves)
                    output, aux = _split_aux(func(*new_args, **kwargs), has_aux, prefix)
                    out_primals, out_tangents, out_spec = _unpack_outputs(fwad, output, prefix)
                    aux_leaves = [fwad.unpack_dual(t).primal for t in _check_aux(aux)] if has_aux else []
                seen.append((out_primals, out_spec, (aux, aux_leaves)))
                return tuple(out_tangents)

            block = _batched_columns(one, eye(n, dtype=x.dtype, device=x.device), randomness) if n else None
            batched_blocks.append(block)
            if block is not None and first is None:
                first = seen[-1]
        # ... then, per element, the inputs that could not run batched.
        with _Randomness(randomness) as rng, fwad.dual_level():
            for (g, j), batched in zip(flat, batched_blocks, strict=True):
                x = groups[g][1][j]
                n = x.numel()
                basis = eye(n, dtype=x.dtype, device=x.device) if n and batched is None else None
                per_output: list[list[Any]] = []
                if batched is not None:
                    per_output = [[t.movedim(0, -1)] for t in batched]
                blocks.append(batched is not None)
                for k in range(n if batched is None else 0):
                    assert basis is not None
                    rng.before_entry()
                    new_args = list(args)
                    leaves = list(groups[g][1])
                    leaves[j] = fwad.make_dual(x, basis[k].reshape(x.shape))
                    new_args[nums[g]] = _unflatten(groups[g][0], leaves)
                    output, aux = _split_aux(func(*new_args, **kwargs), has_aux, prefix)
                    out_primals, out_tangents, out_spec = _unpack_outputs(fwad, output, prefix)
                    if first is None:
                        aux_leaves = [fwad.unpack_dual(t).primal for t in _check_aux(aux)] if has_aux else []
                        first = (out_primals, out_spec, (aux, aux_leaves))
                    if not per_output:
                        per_output = [[] for _ in out_tangents]
                    for col, t in zip(per_output, out_tangents, strict=True):
                        col.append(t)
                columns.append(per_output)
            if first is None:  # every input is empty: run once for the outputs' shapes
                rng.before_entry()
                output, aux = _split_aux(func(*args, **kwargs), has_aux, prefix)
                out_leaves, out_spec = _flatten(output)
                _check_outputs_tensors(out_leaves, prefix)
                first = (out_leaves, out_spec, (aux, _check_aux(aux) if has_aux else []))
        out_primals, out_spec, (aux, aux_leaves) = first
        inputs = [groups[g][1][j] for g, j in flat]
        per_out = []
        for m, o in enumerate(out_primals):
            jacs = []
            for col, block, x in zip(columns, blocks, inputs, strict=True):
                shape = (*o.shape, *x.shape)
                if not col:
                    jacs.append(zeros(shape, dtype=o.dtype, device=o.device))
                else:  # o.shape + (x.numel(),): one batched block of columns, or one column per element
                    stacked = col[m][0] if block else stack(col[m], dim=-1)
                    jacs.append(stacked.reshape(shape))
            per_out.append(_regroup([(spec, leaves) for spec, leaves in groups], jacs, isinstance(argnums, int)))
        result = _unflatten(out_spec, per_out)
        if has_aux:
            return result, _unflatten(_flatten(aux)[1], aux_leaves)
        return result

    return wrapper


def hessian(func: Callable[..., Any], argnums: Any = 0) -> Callable[..., Any]:
    """A function computing the Hessian of scalar-valued ``func``: ``jacrev(jacrev(func, argnums), argnums)``.

    For a scalar output and an input ``x`` the Hessian has shape ``x.shape + x.shape``. PyTorch goes forward over
    reverse (``jacfwd(jacrev)``), with the same values; in tocha reverse over reverse is about 3x faster (one
    batched backward pass of the gradient's graph) and runs batched under ``vmap`` (forward mode there falls back
    to one call per batch entry: 100x slower).

    Needs tocha-autograd.

    Example:
        >>> import tocha
        >>> tocha.func.hessian(lambda x: (x**3).sum())(tocha.tensor([1.0, 2.0]))
        tensor([[ 6.,  0.],
                [ 0., 12.]])
    """
    return jacrev(jacrev(func, argnums), argnums)


# ------------------------------------------------------------------ modules


def _named(module: Any, method: str) -> list[tuple[str, Any]]:
    getter = getattr(module, method)
    try:
        return list(getter(remove_duplicate=False))
    except TypeError:
        return list(getter())


def _owner(module: Any, path: str) -> tuple[Any, str]:
    *parents, name = path.split(".")
    owner = module
    for part in parents:
        if not hasattr(owner, part):
            raise AttributeError(f"{type(owner).__name__} has no attribute `{part}`")
        owner = getattr(owner, part)
    return owner, name


_MISSING = object()


def _swap(owner: Any, name: str, value: Any) -> Callable[[], None]:
    """Put ``value`` at ``owner.name`` (in its parameter or buffer table when it has one); returns the undo."""
    state = getattr(owner, "__dict__", {})
    for table_name in ("_parameters", "_buffers"):
        table = state.get(table_name)
        if isinstance(table, dict) and name in table:
            old = table[name]
            table[name] = value

            def restore_table(table: dict[str, Any] = table, old: Any = old) -> None:
                table[name] = old

            return restore_table
    old_attr = state.get(name, _MISSING) if name in state else _MISSING
    setattr(owner, name, value)

    def restore_attr() -> None:
        if old_attr is _MISSING:
            delattr(owner, name)
        else:
            setattr(owner, name, old_attr)

    return restore_attr


def functional_call(
    module: Any,
    parameter_and_buffer_dicts: Any,
    args: Any = None,
    kwargs: dict[str, Any] | None = None,
    *,
    tie_weights: bool = True,
    strict: bool = False,
) -> Any:
    """Call ``module`` with some of its parameters and buffers replaced by the given tensors.

    The tensors are put in place (by dotted name, ``"layer.weight"``) for the call only and the module's own
    are restored afterwards, also when the call raises. Works with any module-like object that has
    ``named_parameters`` / ``named_buffers`` (tocha.nn modules; tocha-tensor-core does not import tocha.nn).

    Args:
        module: the module to call.
        parameter_and_buffer_dicts: a dict of name to tensor, or a sequence of such dicts (disjoint keys).
        args: the positional arguments (a single non-tuple value is one argument).
        kwargs: the keyword arguments.
        tie_weights: a tensor given for one of several tied names (the same parameter under two names) is used
            for all of them.
        strict: the dicts must name every parameter and buffer and nothing else.

    Returns:
        The module's output.

    Example:
        >>> import tocha
        >>> class Scale:
        ...     def __init__(self):
        ...         self.weight = tocha.tensor(2.0)
        ...     def named_parameters(self):
        ...         return iter([("weight", self.weight)])
        ...     def named_buffers(self):
        ...         return iter([])
        ...     def __call__(self, x):
        ...         return x * self.weight
        >>> m = Scale()
        >>> tocha.func.functional_call(m, {"weight": tocha.tensor(10.0)}, (tocha.tensor([1.0, 2.0]),))
        tensor([10., 20.])
        >>> m.weight
        tensor(2.)
    """
    if isinstance(parameter_and_buffer_dicts, dict):
        mapping = dict(parameter_and_buffer_dicts)
    elif isinstance(parameter_and_buffer_dicts, (list, tuple)):
        if not all(isinstance(d, dict) for d in parameter_and_buffer_dicts):
            raise ValueError("Expected all elements of parameter_and_buffer_dicts to be dictionaries")
        seen: set[str] = set()
        repeated: set[str] = set()
        mapping = {}
        for d in parameter_and_buffer_dicts:
            repeated.update(k for k in d if k in seen)
            seen.update(d)
            mapping.update(d)
        if repeated:
            raise ValueError(
                f"{sorted(repeated)} appeared in multiple dictionaries; behavior of functional call is ambiguous"
            )
    else:
        raise ValueError(
            "Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of dicts, but got "
            f"{type(parameter_and_buffer_dicts)}"
        )
    named = _named(module, "named_parameters") + _named(module, "named_buffers")
    if tie_weights:
        groups: dict[int, list[str]] = {}
        for name, tensor in named:
            if tensor is not None:
                groups.setdefault(id(tensor), []).append(name)
        for names in groups.values():
            if len(names) < 2:
                continue
            given = [n for n in names if n in mapping]
            if len(given) > 1 and any(mapping[n] is not mapping[given[0]] for n in given):
                raise ValueError(
                    f"functional_call got multiple values for keys {sorted(given)}, which are tied. Consider using "
                    "tie_weights=False"
                )
            if given:
                for n in names:
                    mapping[n] = mapping[given[0]]
    if strict:
        expected = {name for name, _ in named}
        unexpected = sorted(k for k in mapping if k not in expected)
        missing = sorted(k for k in expected if k not in mapping)
        if unexpected or missing:
            lines = [f"Error(s) in reparametrizing for {type(module).__name__}:"]
            if unexpected:
                lines.append("\tUnexpected key(s): " + ", ".join(f"'{k}'" for k in unexpected) + ".")
            if missing:
                lines.append("\tMissing key(s): " + ", ".join(f"'{k}'" for k in missing) + ".")
            raise RuntimeError("\n".join(lines))
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    undo: list[Callable[[], None]] = []
    try:
        for name, value in mapping.items():
            owner, attr = _owner(module, name)
            undo.append(_swap(owner, attr, value))
        return module(*args, **(kwargs or {}))
    finally:
        for restore in reversed(undo):
            restore()


def stack_module_state(models: Sequence[Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Stack the parameters and buffers of same-shaped ``models`` along a new leading dimension.

    The stacked parameters are new leaves (requiring grad when the models' parameters do), the buffers plain
    tensors, ready for ``vmap(functional_call)`` model ensembling.

    Returns:
        ``(params, buffers)``: dicts of name to stacked tensor.

    Example:
        >>> import tocha
        >>> class Affine:
        ...     def __init__(self, w):
        ...         self.w = tocha.tensor([w])
        ...     def named_parameters(self):
        ...         return iter([("w", self.w)])
        ...     def named_buffers(self):
        ...         return iter([])
        >>> params, buffers = tocha.func.stack_module_state([Affine(1.0), Affine(2.0)])
        >>> params["w"], buffers
        (tensor([[1.],
                [2.]]), {})
    """
    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    modes = {getattr(m, "training", None) for m in models}
    if len(modes) > 1:
        raise RuntimeError("stack_module_state: Expected all models to have the same training/eval mode.")

    def stacked(method: str, leaves: bool) -> dict[str, Any]:
        tables = [dict(getattr(m, method)()) for m in models]
        out: dict[str, Any] = {}
        for name in tables[0]:
            tensors: list[Any] = [table[name] for table in tables]
            result = stack([t.detach() for t in tensors])
            if leaves:
                wanted = [t.requires_grad for t in tensors]
                if any(wanted) and not all(wanted):
                    raise RuntimeError(
                        f"stack_module_state: Expected parameter '{name}' to either require grad in all models "
                        "or in none of them"
                    )
                if all(wanted):
                    result.requires_grad_()
            out[name] = result
        return out

    return stacked("named_parameters", True), stacked("named_buffers", False)


def functionalize(func: Callable[..., Any], *, remove: str = "mutations") -> Callable[..., Any]:
    """``func`` as a function without mutations, as ``torch.func.functionalize``.

    In tocha's eager execution ``func``'s results and its writes to its inputs are already what the
    functionalized program computes, so the function runs as it is; with ``remove="mutations_and_views"``
    no output aliases an input (one that would is returned as a copy).

    Example:
        >>> import tocha
        >>> def f(x):
        ...     y = x.view(-1)
        ...     y.add_(1)
        ...     return y[:2]
        >>> x = tocha.zeros(2, 2)
        >>> out = tocha.func.functionalize(f, remove="mutations_and_views")(x)
        >>> out, x.tolist(), out._base is None
        (tensor([1., 1.]), [[1.0, 1.0], [1.0, 1.0]], True)
    """
    if remove not in ("mutations", "mutations_and_views"):
        raise RuntimeError(
            f"functionalize(f, remove='mutations'): received invalid argument for remove={remove}. Valid options "
            "are:\n     remove='mutations': all inplace and out= operators will be removed from the program, and "
            "replaced with their out-of-place equivalents.\n     remove='mutations_and_views': In addition to the "
            "above, all aliasing operators {view} will be replaced with their non-aliasing counterparts, "
            "{view}_copy.\n"
        )

    @functools.wraps(func)
    def functionalized(*args: Any, **kwargs: Any) -> Any:
        result = func(*args, **kwargs)
        if remove == "mutations":
            return result
        inputs = [leaf for leaf in _flatten((args, kwargs))[0] if isinstance(leaf, Tensor)]
        leaves, spec = _flatten(result)
        return _unflatten(spec, [_unaliased(leaf, inputs) for leaf in leaves])

    return functionalized


def _unaliased(value: Any, inputs: list[Tensor]) -> Any:
    if isinstance(value, Tensor) and any(value.untyped_storage().data_ptr() == x.untyped_storage().data_ptr()
                                         for x in inputs):  # fmt: skip
        return value.clone()
    return value


def replace_all_batch_norm_modules_(root: Any) -> Any:
    """Stop every batch norm in ``root`` (itself included) from tracking running statistics, in place: its
    ``running_mean``, ``running_var`` and ``num_batches_tracked`` become None, so it normalizes with the batch's
    statistics (what ``vmap`` over a model needs). Returns ``root``.

    Example (needs tocha-nn):
        >>> import tocha, tocha.nn as nn
        >>> model = tocha.func.replace_all_batch_norm_modules_(nn.Sequential(nn.BatchNorm1d(3)))
        >>> model[0].running_mean, model[0].track_running_stats
        (None, False)
    """
    for module in root.modules():
        batch_norm = any(cls.__name__ == "_BatchNorm" for cls in type(module).__mro__)  # nn's, without importing it
        if batch_norm and module.track_running_stats:
            module.running_mean = None
            module.running_var = None
            module.num_batches_tracked = None
            module.track_running_stats = False
    return root
