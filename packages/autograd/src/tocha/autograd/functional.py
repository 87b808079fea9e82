"""Higher-order derivatives of whole functions (``torch.autograd.functional``).

Each function takes a user function ``func`` and its ``inputs`` (a Tensor or a tuple of Tensors) and returns
derivatives of ``func`` at ``inputs``: :func:`vjp` (``v^T J``), :func:`jvp` (``J v``), :func:`jacobian`,
:func:`hessian`, :func:`vhp` (``v^T H``) and :func:`hvp` (``H v``). All are built on :func:`tocha.autograd.grad`:
``jvp`` uses the double-vjp trick (the vjp ``u -> J^T u`` is linear in ``u``, so ``J v = d/du <J^T u, v>``), and
the second-order functions differentiate a gradient computed with ``create_graph=True``.

Results are detached unless ``create_graph=True``. A result that does not depend on an input is zeros, or an error
with ``strict=True``. ``vectorize=True`` is accepted and computes the same values with a loop.

Example:
    >>> import tocha
    >>> from tocha.autograd.functional import jacobian
    >>> jacobian(lambda x: x**2, tocha.tensor([1.0, 2.0]))
    tensor([[2., 0.],
            [0., 4.]])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import tocha
from tocha.library import is_tensor_like

__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]

_STRATEGY_ERROR = (
    'Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your function has more outputs than '
    'inputs, "forward-mode" tends to be more performant. Otherwise, prefer to use "reverse-mode".'
)


def _as_tuple(x: Any, arg_name: str, fn_name: str) -> tuple[bool, tuple[Any, ...]]:
    """``(was_tuple, x as a tuple)``; TypeError unless ``x`` is a Tensor or a tuple of Tensors."""
    is_tuple = isinstance(x, tuple)
    items = x if is_tuple else (x,)
    for item in items:
        if not is_tensor_like(item):
            what = type(x if not is_tuple else item)
            if is_tuple:
                raise TypeError(
                    f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but the "
                    f"value at index {items.index(item)} has type {what}."
                )
            raise TypeError(
                f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but the given "
                f"{arg_name} has type {what}."
            )
    return is_tuple, items


def _untuple(res: tuple[Any, ...], is_tuple: bool) -> Any:
    return res if is_tuple else res[0]


def _untuple2(res: tuple[tuple[Any, ...], ...], outer: bool, inner: bool) -> Any:
    rows = tuple(_untuple(row, inner) for row in res)
    return _untuple(rows, outer)


def _prepare(inputs: tuple[Any, ...], create_graph: bool, need_graph: bool) -> tuple[Any, ...]:
    """Inputs cut from the caller's graph (kept in it, as views, when building a graph of the result)."""
    prepared = []
    for x in inputs:
        if create_graph and x.requires_grad:
            prepared.append(x.view_as(x))
        else:
            prepared.append(x.detach().requires_grad_(need_graph))
    return tuple(prepared)


def _finish(values: tuple[Any, ...], create_graph: bool) -> tuple[Any, ...]:
    return tuple(v if create_graph or v is None else v.detach() for v in values)


def _check_v(v: tuple[Any, ...], against: tuple[Any, ...], against_is_tuple: bool, fn_name: str) -> None:
    if len(v) != len(against):
        if against_is_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(against)} but got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for vi, a in zip(v, against, strict=True):
        if tuple(vi.shape) != tuple(a.shape):
            raise RuntimeError(f"v has invalid size: should be {a.shape} but got {vi.shape}.")


def _check_requires_grad(values: tuple[Any, ...], kind: str, strict: bool) -> None:
    if not strict:
        return
    for i, value in enumerate(values):
        if value is None or not value.requires_grad:
            if kind == "outputs":
                raise RuntimeError(
                    f"Output {i} of the user-provided function does not require gradients. The outputs must be "
                    "computed in a differentiable manner from the input when running in strict mode."
                )
            raise RuntimeError(
                "While computing the hessian, found that the jacobian of the user-provided function with respect to "
                f"input {i} is independent of the input. This is not allowed in strict mode. You should ensure that "
                "your function is twice differentiable and that the jacobian depends on the inputs (this would be "
                "violated by a linear function for example)."
            )


def _grad(
    outputs: Sequence[Any], inputs: Sequence[Any], grad_outputs: Sequence[Any] | None, create_graph: bool
) -> tuple[Any, ...]:
    """``tocha.autograd.grad`` over the outputs that require grad; None for inputs they do not reach."""
    grads = (None,) * len(outputs) if grad_outputs is None else tuple(grad_outputs)
    pairs = [(o, g) for o, g in zip(outputs, grads, strict=True) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    from . import grad as autograd_grad

    return autograd_grad(
        [o for o, _ in pairs],
        list(inputs),
        [g for _, g in pairs],
        create_graph=create_graph,
        retain_graph=True,
        allow_unused=True,
    )


def _independent_jacobian(i: int) -> RuntimeError:
    return RuntimeError(
        f"The jacobian of the user-provided function is independent of input {i}. This is not allowed in strict "
        "mode when create_graph=True."
    )


def _fill_zeros(grads: tuple[Any, ...], refs: tuple[Any, ...], strict: bool, create_graph: bool, stage: str) -> Any:
    filled = []
    for i, (g, ref) in enumerate(zip(grads, refs, strict=True)):
        if strict and stage == "jacobian" and (g is None or not g.requires_grad):
            raise _independent_jacobian(i)
        if g is None:
            if strict:
                raise RuntimeError(
                    f"The output of the user-provided function is independent of input {i}. This is not allowed "
                    "in strict mode."
                )
            g = tocha.zeros_like(ref)
        filled.append(g)
    return tuple(filled)


def vjp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False) -> Any:
    """The vector-Jacobian product ``v^T J`` of ``func`` at ``inputs``, with ``func(*inputs)``.

    Args:
        func: a function of Tensors returning a Tensor or a tuple of Tensors.
        inputs: a Tensor or a tuple of Tensors.
        v: one Tensor per output of ``func`` (may be None when ``func`` returns a single one-element Tensor).
        create_graph: make the results differentiable.
        strict: raise when an output does not depend on the inputs (instead of giving zeros).

    Returns:
        ``(func_output, vjp)``, ``vjp`` shaped like ``inputs``.

    Example:
        >>> import tocha
        >>> from tocha.autograd.functional import vjp
        >>> vjp(lambda x: x**2, tocha.tensor([1.0, 2.0]), tocha.tensor([1.0, 1.0]))
        (tensor([1., 4.]), tensor([2., 4.]))
    """
    with tocha.enable_grad():
        is_inputs_tuple, xs = _as_tuple(inputs, "inputs", "vjp")
        xs = _prepare(xs, create_graph, need_graph=True)
        is_outputs_tuple, outputs = _as_tuple(func(*xs), "outputs of the user-provided function", "vjp")
        _check_requires_grad(outputs, "outputs", strict)
        if v is not None:
            _, vs = _as_tuple(v, "v", "vjp")
            vs = _prepare(vs, create_graph, need_graph=False)
            _check_v(vs, outputs, True, "vjp")
        else:
            if len(outputs) != 1 or outputs[0].numel() != 1:
                raise RuntimeError(
                    "The vector v can only be None if the user-provided function returns a single Tensor with a "
                    "single element."
                )
            vs = None
        grads = _grad(outputs, xs, vs, create_graph)
        result = _fill_zeros(grads, xs, strict, create_graph, "back")
    return _untuple(_finish(outputs, create_graph), is_outputs_tuple), _untuple(
        _finish(result, create_graph), is_inputs_tuple
    )


def jvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False) -> Any:
    """The Jacobian-vector product ``J v`` of ``func`` at ``inputs`` (by the double-vjp trick).

    Args:
        func: a function of Tensors returning a Tensor or a tuple of Tensors.
        inputs: a Tensor or a tuple of Tensors.
        v: one Tensor per input (may be None when the input is a single one-element Tensor).
        create_graph: make the results differentiable.
        strict: raise when an output does not depend on the inputs (instead of giving zeros).

    Returns:
        ``(func_output, jvp)``, ``jvp`` shaped like the outputs.

    Example:
        >>> import tocha
        >>> from tocha.autograd.functional import jvp
        >>> jvp(lambda x: x**2, tocha.tensor([1.0, 2.0]), tocha.tensor([1.0, 0.0]))
        (tensor([1., 4.]), tensor([2., 0.]))
    """
    with tocha.enable_grad():
        is_inputs_tuple, xs = _as_tuple(inputs, "inputs", "jvp")
        xs = _prepare(xs, create_graph, need_graph=True)
        if v is not None:
            _, vs = _as_tuple(v, "v", "jvp")
            vs = _prepare(vs, create_graph, need_graph=False)
            _check_v(vs, xs, is_inputs_tuple, "jvp")
        else:
            if len(xs) != 1 or xs[0].numel() != 1:
                raise RuntimeError(
                    "The vector v can only be None if the input to the user-provided function is a single Tensor "
                    "with a single element."
                )
            vs = (tocha.ones_like(xs[0]),)
        is_outputs_tuple, outputs = _as_tuple(func(*xs), "outputs of the user-provided function", "jvp")
        _check_requires_grad(outputs, "outputs", strict)
        # J v = d/du <J^T u, v>: the vjp is linear in u, so any u works; zeros keep it cheap.
        us = tuple(tocha.zeros_like(o, requires_grad=True) for o in outputs)
        grads = _fill_zeros(_grad(outputs, xs, us, True), xs, strict, create_graph, "back_trick")
        result = _grad(grads, us, vs, create_graph)
        result = _fill_zeros(result, outputs, strict and create_graph, create_graph, "jacobian")
    return _untuple(_finish(outputs, create_graph), is_outputs_tuple), _untuple(
        _finish(result, create_graph), is_outputs_tuple
    )


def _jacobian_reverse(
    outputs: tuple[Any, ...], xs: tuple[Any, ...], create_graph: bool, strict: bool
) -> tuple[tuple[Any, ...], ...]:
    rows: list[tuple[Any, ...]] = []
    for i, out in enumerate(outputs):
        flat = out.reshape(-1)
        per_input: list[list[Any]] = [[] for _ in xs]
        for j in range(flat.numel()):
            grads = _grad((flat[j],), xs, None, create_graph)
            for k, (g, x) in enumerate(zip(grads, xs, strict=True)):
                if g is None:
                    if strict:
                        raise RuntimeError(
                            f"Output {i} of the user-provided function is independent of input {k}. This is not "
                            "allowed in strict mode."
                        )
                    g = tocha.zeros_like(x)
                elif strict and create_graph and not g.requires_grad:
                    raise _independent_jacobian(k)
                per_input[k].append(g)
        row = []
        for k, x in enumerate(xs):
            if per_input[k]:
                block = tocha.stack(per_input[k])
            else:
                block = tocha.zeros((0, *x.shape), dtype=x.dtype, device=x.device)
            row.append(block.reshape(*out.shape, *x.shape))
        rows.append(tuple(row))
    return tuple(rows)


def _jacobian_forward(func: Callable[..., Any], xs: tuple[Any, ...]) -> tuple[tuple[Any, ...], ...]:
    from . import forward_ad

    columns: list[list[Any]] = []  # columns[k][e]: the tangents of all outputs for basis vector e of input k
    outputs: tuple[Any, ...] = ()
    for k, x in enumerate(xs):
        cols: list[Any] = []
        for e in range(x.numel()):
            basis = tocha.zeros(x.numel(), dtype=x.dtype, device=x.device)
            basis[e] = 1
            with forward_ad.dual_level():
                duals = tuple(
                    forward_ad.make_dual(xi, basis.reshape(x.shape)) if i == k else xi for i, xi in enumerate(xs)
                )
                _, outputs = _as_tuple(func(*duals), "outputs of the user-provided function", "jacobian")
                tangents = tuple(forward_ad.unpack_dual(o).tangent for o in outputs)
            cols.append(tuple(tocha.zeros_like(o) if t is None else t for o, t in zip(outputs, tangents, strict=True)))
        columns.append(cols)
    if not outputs:
        _, outputs = _as_tuple(func(*xs), "outputs of the user-provided function", "jacobian")
    rows = []
    for i, out in enumerate(outputs):
        row = []
        for k, x in enumerate(xs):
            if columns[k]:
                block = tocha.stack([c[i] for c in columns[k]], dim=-1)
            else:
                block = tocha.zeros((*out.shape, 0), dtype=out.dtype, device=out.device)
            row.append(block.reshape(*out.shape, *x.shape))
        rows.append(tuple(row))
    return tuple(rows)


def jacobian(
    func: Callable[..., Any],
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
) -> Any:
    """The Jacobian of ``func`` at ``inputs``: ``J[i][k]`` has shape ``outputs[i].shape + inputs[k].shape``.

    Args:
        func: a function of Tensors returning a Tensor or a tuple of Tensors.
        inputs: a Tensor or a tuple of Tensors.
        create_graph: make the result differentiable.
        strict: raise when an output does not depend on an input (instead of giving zeros).
        vectorize: accepted for compatibility; the result is computed with a loop either way.
        strategy: ``"reverse-mode"`` (one vjp per output element) or ``"forward-mode"`` (one forward-AD pass per
            input element; needs ``vectorize=True`` as in PyTorch).

    Returns:
        A Tensor for one input and one output; a tuple over inputs or outputs when either is a tuple, a tuple
        (over outputs) of tuples (over inputs) when both are.

    Example:
        >>> import tocha
        >>> from tocha.autograd.functional import jacobian
        >>> jacobian(lambda a, b: a * b, (tocha.tensor([1.0, 2.0]), tocha.tensor([3.0, 4.0])))
        (tensor([[3., 0.],
                [0., 4.]]), tensor([[1., 0.],
                [0., 2.]]))
    """
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError(_STRATEGY_ERROR)
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(
                'tocha.autograd.functional.jacobian: `create_graph=True` and `strategy="forward-mode"` are not '
                'supported together (yet). Please either set `create_graph=False` or `strategy="reverse-mode"`.'
            )
        if not vectorize:
            raise NotImplementedError(
                "Computing Jacobian using forward-AD or forward-over-reverse Hessian is only implemented for "
                "`vectorize=True`."
            )
    if strict and vectorize:
        raise RuntimeError(
            "tocha.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not supported together. "
            "Please either set `strict=False` or `vectorize=False`."
        )
    is_inputs_tuple, xs = _as_tuple(inputs, "inputs", "jacobian")
    if strategy == "forward-mode":
        xs = tuple(x.detach() for x in xs)
        with tocha.no_grad():
            probe = func(*xs)
        is_outputs_tuple, _ = _as_tuple(probe, "outputs of the user-provided function", "jacobian")
        return _untuple2(_jacobian_forward(func, xs), is_outputs_tuple, is_inputs_tuple)
    with tocha.enable_grad():
        xs = _prepare(xs, create_graph, need_graph=True)
        is_outputs_tuple, outputs = _as_tuple(func(*xs), "outputs of the user-provided function", "jacobian")
        _check_requires_grad(outputs, "outputs", strict)
        rows = _jacobian_reverse(outputs, xs, create_graph, strict)
    rows = tuple(_finish(row, create_graph) for row in rows)
    return _untuple2(rows, is_outputs_tuple, is_inputs_tuple)


def hessian(
    func: Callable[..., Any],
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    outer_jacobian_strategy: str = "reverse-mode",
) -> Any:
    """The Hessian of a scalar function ``func`` at ``inputs``.

    ``H[i][j]`` has shape ``inputs[i].shape + inputs[j].shape``.

    Args:
        func: a function of Tensors returning a Tensor with a single element.
        inputs: a Tensor or a tuple of Tensors.
        create_graph: make the result differentiable.
        strict: raise when the gradient does not depend on an input (a linear function, for example).
        vectorize: accepted for compatibility; computed with a loop.
        outer_jacobian_strategy: the strategy of the outer :func:`jacobian` (the inner one is reverse-mode).

    Example:
        >>> import tocha
        >>> from tocha.autograd.functional import hessian
        >>> hessian(lambda x: (x**3).sum(), tocha.tensor([1.0, 2.0]))
        tensor([[ 6.,  0.],
                [ 0., 12.]])
    """
    is_inputs_tuple, xs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError(_STRATEGY_ERROR)

    def single_output(*args: Any) -> Any:
        out = func(*args)
        is_tuple, outs = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _check_requires_grad(outs, "outputs", strict)
        if is_tuple:
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.numel() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should contain a single element")
        return out.squeeze()

    def jac_func(*args: Any) -> Any:
        if outer_jacobian_strategy == "forward-mode":
            args = tuple(a.requires_grad_(True) for a in args)
        jac = jacobian(single_output, args, create_graph=True)
        _check_requires_grad(jac, "hessian", strict)
        return jac

    res = jacobian(jac_func, xs, create_graph, strict, vectorize, outer_jacobian_strategy)
    return _untuple2(res, is_inputs_tuple, is_inputs_tuple)


def _second_order(
    name: str, func: Callable[..., Any], inputs: Any, v: Any, create_graph: bool, strict: bool
) -> tuple[Any, Any]:
    with tocha.enable_grad():
        is_inputs_tuple, xs = _as_tuple(inputs, "inputs", name)
        xs = _prepare(xs, create_graph, need_graph=True)
        if v is not None:
            _, vs = _as_tuple(v, "v", name)
            vs = _prepare(vs, create_graph, need_graph=False)
            _check_v(vs, xs, is_inputs_tuple, name)
        else:
            if len(xs) != 1 or xs[0].numel() != 1:
                raise RuntimeError(
                    "The vector v can only be None if the input to the user-provided function is a single Tensor "
                    "with a single element."
                )
            vs = (tocha.ones_like(xs[0]),)
        out = func(*xs)
        is_outputs_tuple, outputs = _as_tuple(out, "outputs of the user-provided function", name)
        _check_requires_grad(outputs, "outputs", strict)
        if is_outputs_tuple:
            raise RuntimeError(f"The function given to {name} should return a single Tensor")
        if out.numel() != 1:
            raise RuntimeError(f"The Tensor returned by the function given to {name} should contain a single element")
        jac = _grad(outputs, xs, None, True)
        _check_requires_grad(jac, "hessian", strict)
        # H is symmetric, so v^T H and H v are the same vector: the gradient of <grad f, v>.
        result = _grad(jac, xs, vs, create_graph)
        result = _fill_zeros(result, xs, strict, create_graph, "double_back")
    return _untuple(_finish(outputs, create_graph), False), _untuple(_finish(result, create_graph), is_inputs_tuple)


def vhp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False) -> Any:
    """The vector-Hessian product ``v^T H`` of a scalar function ``func`` at ``inputs``.

    Returns:
        ``(func_output, vhp)``, ``vhp`` shaped like ``inputs``.

    Example:
        >>> import tocha
        >>> from tocha.autograd.functional import vhp
        >>> vhp(lambda x: (x**3).sum(), tocha.tensor([1.0, 2.0]), tocha.tensor([1.0, 1.0]))
        (tensor(9.), tensor([ 6., 12.]))
    """
    return _second_order("vhp", func, inputs, v, create_graph, strict)


def hvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False) -> Any:
    """The Hessian-vector product ``H v`` of a scalar function ``func`` at ``inputs``.

    The Hessian of a twice-differentiable function is symmetric, so this equals :func:`vhp`.

    Returns:
        ``(func_output, hvp)``, ``hvp`` shaped like ``inputs``.

    Example:
        >>> import tocha
        >>> from tocha.autograd.functional import hvp
        >>> hvp(lambda x: (x**3).sum(), tocha.tensor([1.0, 2.0]), tocha.tensor([1.0, 0.0]))
        (tensor(9.), tensor([6., 0.]))
    """
    return _second_order("hvp", func, inputs, v, create_graph, strict)
