"""tocha.autograd: tape-based reverse-mode automatic differentiation (``torch.autograd``).

Importing it installs the gradient layer in tensor-core's dispatcher: from
then on, ops on tensors that require grad (with grad mode on) are recorded as
graph nodes, each reading its op's vjp from the op registry, and
``Tensor.backward()`` / :func:`grad` replay them in reverse. tensor-core loads
this package by itself the first time a tensor is asked to require grad.

Example:
    >>> import tocha
    >>> x = tocha.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4., 6.])
"""

from __future__ import annotations

from typing import Any

import tocha
from tocha import enable_grad as enable_grad
from tocha import inference_mode as inference_mode
from tocha import is_grad_enabled as is_grad_enabled
from tocha import is_inference_mode_enabled as is_inference_mode_enabled
from tocha import no_grad as no_grad
from tocha import set_grad_enabled as set_grad_enabled
from tocha.library import is_tensor_like, set_gradient_layer

from . import forward_ad as forward_ad
from . import functional as functional
from . import graph as graph
from . import profiler as profiler
from ._anomaly import is_check_nan_enabled as is_anomaly_check_nan_enabled
from ._anomaly import is_enabled as is_anomaly_enabled
from ._anomaly import set_enabled as _set_anomaly
from ._batched import grad_of_batches, grads_batched, innermost_batch
from ._engine import release_graph, run_backward
from ._node import GradientEdge
from ._record import record, record_direct
from .checkpoint import checkpoint as checkpoint
from .function import Function as Function
from .function import FunctionCtx as FunctionCtx
from .function import once_differentiable as once_differentiable
from .gradcheck import gradcheck as gradcheck
from .gradcheck import gradgradcheck as gradgradcheck
from .variable import Variable as Variable

__all__ = [
    "Function",
    "FunctionCtx",
    "once_differentiable",
    "backward",
    "grad",
    "graph",
    "profiler",
    "forward_ad",
    "functional",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "inference_mode",
    "is_grad_enabled",
    "is_inference_mode_enabled",
    "detect_anomaly",
    "set_detect_anomaly",
    "is_anomaly_check_nan_enabled",
    "is_anomaly_enabled",
    "gradcheck",
    "gradgradcheck",
    "checkpoint",
    "Variable",
]

TensorOrTensors = Any


def _as_tuple(x: Any) -> tuple[Any, ...]:
    if x is None:
        return ()
    if is_tensor_like(x) or isinstance(x, GradientEdge):
        return (x,)
    return tuple(x)


def backward(
    tensors: TensorOrTensors,
    grad_tensors: TensorOrTensors = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: TensorOrTensors = None,
) -> None:
    """Accumulate the gradients of ``tensors`` (weighted by ``grad_tensors``) into the leaves' ``.grad``.

    Example:
        >>> import tocha
        >>> x = tocha.ones(2, requires_grad=True)
        >>> tocha.autograd.backward([(x * 2).sum()])
        >>> x.grad
        tensor([2., 2.])
    """
    outputs = _as_tuple(tensors)
    grads = _as_tuple(grad_tensors) or (None,) * len(outputs)
    if len(grads) != len(outputs):
        raise RuntimeError(f"got {len(grads)} gradients for {len(outputs)} tensors")
    wanted = _as_tuple(inputs) or None
    if inputs is not None and not wanted:
        raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    run_backward(
        outputs,
        grads,
        retain_graph=create_graph if retain_graph is None else retain_graph,
        create_graph=create_graph,
        inputs=wanted,
        accumulate=True,
    )


def grad(
    outputs: TensorOrTensors,
    inputs: TensorOrTensors,
    grad_outputs: TensorOrTensors = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple[Any, ...]:
    """The gradients of ``outputs`` with respect to ``inputs``, returned rather than accumulated.

    With ``is_grads_batched=True`` the first dimension of every ``grad_outputs`` tensor is a batch of cotangents,
    and the result holds one vector-Jacobian product per entry of it, computed by ``tocha.func.vmap`` over the
    backward pass (one batched pass where every op on the way has a batching rule).

    Example:
        >>> import tocha
        >>> x = tocha.tensor([3.0], requires_grad=True)
        >>> (g,) = tocha.autograd.grad((x ** 3).sum(), x, create_graph=True)
        >>> g, tocha.autograd.grad(g.sum(), x)[0]
        (tensor([27.], grad_fn=<MulBackward0>), tensor([18.]))
        >>> y = x.expand(2) * tocha.tensor([2.0, 5.0])
        >>> tocha.autograd.grad(y, x, tocha.eye(2), is_grads_batched=True)
        (tensor([[2.],
                [5.]]),)
    """
    outs = _as_tuple(outputs)
    wanted = _as_tuple(inputs)
    if not wanted:
        raise RuntimeError("grad requires non-empty inputs.")
    for t in wanted:
        if isinstance(t, GradientEdge):
            continue
        if not is_tensor_like(t):
            raise TypeError(f"grad(): inputs must be Tensors, got {type(t).__name__}")
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    grads = _as_tuple(grad_outputs) or (None,) * len(outs)
    if len(grads) != len(outs):
        raise RuntimeError(
            f"grad_outputs has {len(grads)} elements for {len(outs)} outputs: give one per output (or None)"
        )
    if allow_unused is None:
        allow_unused = materialize_grads
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True")
    batch = innermost_batch(tuple(x for x in (*outs, *wanted) if not isinstance(x, GradientEdge)))
    if is_grads_batched:
        result = grads_batched(grad, outs, wanted, grads, create_graph)
        if not (create_graph if retain_graph is None else retain_graph):
            release_graph(outs, wanted)
    elif batch is not None:  # inside vmap, of tensors holding its batch: NOTE [ Gradients of batched tensors ]
        result = grad_of_batches(grad, batch[0], outs, wanted, grads, retain_graph, create_graph)
    else:
        result = run_backward(
            outs,
            grads,
            retain_graph=create_graph if retain_graph is None else retain_graph,
            create_graph=create_graph,
            inputs=wanted,
            accumulate=False,
        )
    for k, g in enumerate(result):
        if g is None:
            if materialize_grads and isinstance(wanted[k], GradientEdge):
                raise RuntimeError("materialize_grads cannot make a zero gradient for a GradientEdge input")
            if materialize_grads:
                result[k] = tocha.zeros_like(wanted[k])
            elif not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior."
                )
    return tuple(result)


class detect_anomaly:
    """Context manager (and decorator) turning anomaly detection on: NaN gradients raise with the forward trace.

    Example:
        >>> import tocha
        >>> with tocha.autograd.detect_anomaly():
        ...     tocha.autograd.is_anomaly_enabled()
        True
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        self._previous: list[bool] = []

    def __enter__(self) -> None:
        self._previous.append(is_anomaly_enabled())
        _set_anomaly(True, self.check_nan)

    def __exit__(self, *exc: object) -> None:
        _set_anomaly(self._previous.pop())

    def __call__(self, func: Any) -> Any:
        import functools

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with detect_anomaly(self.check_nan):
                return func(*args, **kwargs)

        return wrapper


class set_detect_anomaly:
    """Turn anomaly detection on or off; also a context manager restoring the previous state.

    Example:
        >>> import tocha
        >>> with tocha.autograd.set_detect_anomaly(True):
        ...     tocha.autograd.is_anomaly_enabled()
        True
        >>> tocha.autograd.is_anomaly_enabled()
        False
    """

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._previous = is_anomaly_enabled()
        _set_anomaly(mode, check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        _set_anomaly(self._previous)


set_gradient_layer(record, record_direct)
