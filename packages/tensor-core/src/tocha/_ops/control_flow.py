"""PyTorch's ``torch.cond`` and ``torch.while_loop``, run eagerly.

NOTE [ Eager control flow ]
``tocha.cond`` and ``tocha.while_loop`` run their Python functions, as PyTorch's do outside ``torch.compile``;
autograd records the ops the chosen branch or the loop body runs. PyTorch traces the functions (both branches
of a tensor-predicated ``cond``, the loop body once) and refuses what it cannot capture; tocha has no tracer, so
it checks what it can see while running: the argument types, the predicate, the types of the outputs, that the
body keeps the carried values' number, shapes, dtypes and devices and that no output aliases an input. It cannot
check the branch that does not run, nor strides, and ``while_loop`` returns ``carried_inputs`` itself when the
loop runs no iteration (PyTorch returns them in the body's output structure).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .._dtype import bool as bool_
from .._tensor_base import TensorBase

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = ["cond", "while_loop"]


def _leaves(tree: Any) -> list[Any]:
    """The leaves of nested tuples, lists and dicts (PyTorch's pytree containers), in order."""
    if isinstance(tree, (list, tuple)):
        return [leaf for item in tree for leaf in _leaves(item)]
    if isinstance(tree, dict):
        return [leaf for key in tree for leaf in _leaves(tree[key])]
    return [tree]


def _storage(t: TensorBase) -> Any:
    return t._base if t._base is not None else t


def _check_no_alias(op: str, inputs: Sequence[Any], outputs: Sequence[Any]) -> None:
    storages = {id(_storage(t)) for t in inputs if isinstance(t, TensorBase)}
    for t in outputs:
        if isinstance(t, TensorBase) and id(_storage(t)) in storages:
            raise RuntimeError(
                f"{op}: an output aliases an input (it is that tensor or a view of it); higher order ops do not "
                "support aliasing: return a clone"
            )


def cond(
    pred: bool | int | float | Tensor,
    true_fn: Callable[..., Any],
    false_fn: Callable[..., Any],
    operands: tuple[Any, ...] | list[Any] = (),
) -> Any:
    """``true_fn(*operands)`` if ``pred`` else ``false_fn(*operands)``, run eagerly (NOTE [ Eager control flow ]).

    ``pred`` is a Python bool (or number) or a one-element tensor. With a Python ``pred`` the branch simply runs,
    as in PyTorch. With a tensor ``pred`` PyTorch's constraints are checked: both branches callable, ``operands``
    a tuple or list of (nested tuples/lists/dicts of) tensors, and the result made of tensors and ints, none of
    them an input or a view of one.

    Raises:
        RuntimeError: a ``pred`` of another type or with several elements, or a constraint above broken.

    Example:
        >>> import tocha
        >>> x = tocha.tensor([1.0, 2.0])
        >>> tocha.cond(x.sum() > 0, lambda t: t.cos(), lambda t: t.sin(), (x,))
        tensor([ 0.5403, -0.4161])
    """
    if isinstance(pred, TensorBase):
        if pred.numel() != 1:  # type: ignore[attr-defined]
            raise RuntimeError(f"Expected pred to be bool or single-element tensor, but got {pred}.")
    elif not isinstance(pred, (bool, int, float)):
        raise RuntimeError(f"Expected pred to be bool or tensor, but got {pred}.")
    if not isinstance(pred, TensorBase):
        return true_fn(*operands) if pred else false_fn(*operands)
    if not (callable(true_fn) and callable(false_fn)):
        raise RuntimeError("Expect both branches to be callable.")
    if not isinstance(operands, (tuple, list)) or not all(isinstance(t, TensorBase) for t in _leaves(operands)):
        raise RuntimeError(
            "Expect operands to be a tuple of possibly nested dict/list/tuple that only consists of tensor leaves, "
            f"but got {operands}."
        )
    result = true_fn(*operands) if bool(pred) else false_fn(*operands)
    outputs = _leaves(result)
    for leaf in outputs:
        if not isinstance(leaf, (TensorBase, int)):
            raise RuntimeError(
                f"torch.cond: unsupported branch return type: the branches must return tensors and ints, got "
                f"{type(leaf).__name__}"
            )
    _check_no_alias("torch.cond", _leaves(operands), outputs)
    return result


def _describe(x: Any) -> str:
    if isinstance(x, TensorBase):
        return f"Tensor(shape={list(x.shape)}, dtype={x.dtype}, device={x.device})"
    return repr(x)


def _check_carried(carried: Sequence[Any], outputs: Sequence[Any]) -> None:
    for leaf in outputs:
        if not isinstance(leaf, (TensorBase, int)):
            raise RuntimeError(
                f"HigherOrderOperator body's output must consist of tensors or ints/bools only but got {type(leaf)}"
            )
    if len(outputs) != len(carried):
        raise RuntimeError(
            "Expected body_fn_output and carried_inputs to have same number of outputs but got "
            f"lhs:[{', '.join(map(_describe, outputs))}] and rhs:[{', '.join(map(_describe, carried))}]"
        )
    for i, (new, old) in enumerate(zip(outputs, carried, strict=True)):
        if isinstance(new, TensorBase) != isinstance(old, TensorBase):
            raise RuntimeError(
                f"Expected body_fn_output and carried_inputs to have same metadata but found:\npair[{i}] differ in "
                f"type: {_describe(new)} vs {_describe(old)}"
            )
        if not isinstance(new, TensorBase):
            continue
        for what in ("shape", "dtype", "device"):
            a, b = getattr(new, what), getattr(old, what)
            if a != b:
                raise RuntimeError(
                    f"Expected body_fn_output and carried_inputs to have same metadata but found:\npair[{i}] differ "
                    f"in '{what}: {a} vs {b}'"
                )


def while_loop(cond_fn: Callable[..., Any], body_fn: Callable[..., Any], carried_inputs: Any) -> Any:
    """Run ``val = body_fn(*val)`` while ``cond_fn(*val)``, from ``val = carried_inputs``; return ``val``.

    Eager (NOTE [ Eager control flow ]): ``cond_fn`` must return a bool or a 0-dim bool tensor; the carried
    values (nested tuples/lists/dicts of tensors and ints) must keep their number, types, shapes, dtypes and
    devices, and no body output may be one of its inputs or a view of one (clone instead).

    Raises:
        RuntimeError: a function is not callable, ``cond_fn`` returns something else, or the body breaks the
            rules above.
        AssertionError: a carried input is not a tensor or an int (PyTorch's error type).

    Example:
        >>> import tocha
        >>> tocha.while_loop(lambda i, x: i < 3, lambda i, x: (i + 1, x * 2), (tocha.tensor(0), tocha.ones(2)))
        (tensor(3), tensor([8., 8.]))
    """
    if not (callable(cond_fn) and callable(body_fn)):
        raise RuntimeError("Expect cond_fn and body_fn to be callable.")
    carried = _leaves(carried_inputs)
    bad = [leaf for leaf in carried if not isinstance(leaf, (TensorBase, int))]
    if bad:
        raise AssertionError(
            f"{bad} can only be of (<class 'tocha.Tensor'>, <class 'int'>) but got {tuple(type(b) for b in bad)}"
        )
    leaves, result = carried, carried_inputs
    while True:
        args = _unflatten(carried_inputs, iter(leaves))  # the carried values in carried_inputs' structure
        go = cond_fn(*args)
        if isinstance(go, TensorBase):
            if go._data.ndim != 0 or go._dtype is not bool_:
                raise RuntimeError(
                    f"torch.while_loop: Expected cond_fn to return a scalar tensor or a bool but got {go.shape} "
                    f"({go.dtype})"
                )
            go = bool(go)
        elif not isinstance(go, bool):
            raise RuntimeError(
                f"torch.while_loop: Expected cond_fn to return a scalar tensor or a bool but got {type(go).__name__}"
            )
        if not go:
            return result
        result = body_fn(*args)
        outputs = _leaves(result)
        _check_carried(carried, outputs)
        _check_no_alias("torch.while_loop", leaves, outputs)
        leaves = outputs


def _unflatten(template: Any, leaves: Any) -> Any:
    """``template``'s structure (tuples, lists, dicts) filled with the next items of the iterator ``leaves``."""
    if isinstance(template, (list, tuple)):
        return type(template)(_unflatten(item, leaves) for item in template)
    if isinstance(template, dict):
        return {key: _unflatten(template[key], leaves) for key in template}
    return next(leaves)


for _fn in __all__:
    globals()[_fn].__module__ = "tocha"
del _fn
