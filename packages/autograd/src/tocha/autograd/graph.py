"""The backward graph: nodes, tensor hooks, retained gradients and saved-tensor hooks.

Example:
    >>> import tocha
    >>> import tocha.autograd
    >>> x = tocha.ones(2, requires_grad=True)
    >>> y = (x * 3).sum()
    >>> y.grad_fn.name(), y.grad_fn.next_functions[0][0].name()
    ('SumBackward0', 'MulBackward0')
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from . import _engine, _saved_hooks
from ._node import AccumulateGrad as AccumulateGrad
from ._node import GradientEdge as GradientEdge
from ._node import Node as Node
from ._node import RemovableHandle as RemovableHandle
from ._node import accumulate_node, edge_of, meta_of

__all__ = [
    "Node",
    "AccumulateGrad",
    "RemovableHandle",
    "saved_tensors_hooks",
    "save_on_cpu",
    "disable_saved_tensors_hooks",
    "retain_grad",
    "retains_grad",
    "register_tensor_hook",
    "register_post_accumulate_grad_hook",
    "increment_version",
    "register_multi_grad_hook",
    "GradientEdge",
    "get_gradient_edge",
]


class saved_tensors_hooks:
    """Pack every tensor saved for backward with ``pack_hook`` and unpack it with ``unpack_hook`` when needed.

    Example:
        >>> import tocha, tocha.autograd
        >>> packed = []
        >>> def pack(t):
        ...     packed.append(t.shape)
        ...     return t
        >>> x = tocha.ones(3, requires_grad=True)
        >>> with tocha.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        ...     y = (x * x).sum()
        >>> packed
        [tocha.Size([3]), tocha.Size([3])]
    """

    def __init__(self, pack_hook: Callable[[Any], Any], unpack_hook: Callable[[Any], Any]) -> None:
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self) -> None:
        if _saved_hooks._state.disabled is not None:
            raise RuntimeError(_saved_hooks._state.disabled)
        _saved_hooks.push((self.pack_hook, self.unpack_hook))

    def __exit__(self, *exc: object) -> None:
        _saved_hooks.pop()


class save_on_cpu(saved_tensors_hooks):
    """Keep the tensors saved for backward in host memory (pinned when ``pin_memory``) and move them back to their
    device when backward needs them: device memory for activations traded for copies.

    Example:
        >>> import tocha, tocha.autograd
        >>> x = tocha.ones(3, requires_grad=True)
        >>> with tocha.autograd.graph.save_on_cpu():
        ...     y = (x * x).sum()
        >>> y.backward(); x.grad
        tensor([2., 2., 2.])
    """

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        def pack(t: Any) -> tuple[Any, Any]:
            if t.device.type == "cpu":
                return t.device, t
            host = t.cpu()
            return t.device, (host.pin_memory() if pin_memory else host)

        def unpack(packed: tuple[Any, Any]) -> Any:
            device, t = packed
            return t.to(device, non_blocking=pin_memory)

        super().__init__(pack, unpack)


@contextlib.contextmanager
def disable_saved_tensors_hooks(error_message: str) -> Iterator[None]:
    """Make registering saved-tensor hooks (:class:`saved_tensors_hooks`, :class:`save_on_cpu`) raise
    ``RuntimeError(error_message)`` inside the block (this thread).

    Example:
        >>> import tocha.autograd
        >>> graph = tocha.autograd.graph
        >>> with graph.disable_saved_tensors_hooks("not here"):
        ...     try:
        ...         graph.save_on_cpu().__enter__()
        ...     except RuntimeError as e:
        ...         print(e)
        not here
    """
    previous = _saved_hooks._state.disabled
    _saved_hooks._state.disabled = error_message
    try:
        yield
    finally:
        _saved_hooks._state.disabled = previous


def retain_grad(t: Any) -> None:
    """``Tensor.retain_grad()``: keep a non-leaf tensor's gradient in ``.grad``."""
    if not t.requires_grad:
        raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    fn = t.grad_fn
    if fn is None:
        return  # leaves keep their gradient anyway
    fn.retain_output(meta_of(t).output_nr, t)


def retains_grad(t: Any) -> bool:
    """``Tensor.retains_grad``: whether ``retain_grad()`` was called on this non-leaf tensor."""
    fn = t.grad_fn
    return fn is not None and bool(fn.retains(meta_of(t).output_nr, t))


def register_tensor_hook(t: Any, hook: Callable[[Any], Any]) -> RemovableHandle:
    """``Tensor.register_hook``: ``hook(grad)`` may return a tensor that replaces the gradient."""
    if not t.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    fn = t.grad_fn
    if fn is None:
        return accumulate_node(t).add_tensor_pre_hook(0, hook)
    return fn.add_tensor_pre_hook(meta_of(t).output_nr, hook)  # type: ignore[no-any-return]


def register_post_accumulate_grad_hook(t: Any, hook: Callable[[Any], None]) -> RemovableHandle:
    """``Tensor.register_post_accumulate_grad_hook``: ``hook(tensor)`` after a leaf's ``.grad`` is updated."""
    if t.grad_fn is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    if not t.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    hooks = meta_of(t).post_accumulate_hooks
    hooks.append(hook)
    return RemovableHandle(hooks, hook)


def increment_version(tensor: Any) -> None:
    """Tell autograd that ``tensor`` (or each tensor of an iterable) was written in place by code it cannot see (a
    custom kernel): its version counter moves, so a backward that saved it raises instead of using new values.

    Example:
        >>> import tocha, tocha.autograd
        >>> w = tocha.ones(2, requires_grad=True)
        >>> y = (w * w).sum()
        >>> tocha.autograd.graph.increment_version(w)
        >>> try:
        ...     y.backward()
        ... except RuntimeError as e:
        ...     print("modified by an inplace operation" in str(e))
        True
    """
    import tocha

    for t in [tensor] if isinstance(tensor, tocha.Tensor) else tensor:
        tocha.library.increment_version(t)


class _MultiHandle:
    """Removes every per-tensor hook of a :func:`register_multi_grad_hook`."""

    def __init__(self, handles: list[Any]) -> None:
        self.handles = handles

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()

    def __enter__(self) -> _MultiHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def register_multi_grad_hook(tensors: Sequence[Any], fn: Callable[..., Any], *, mode: str = "all") -> Any:
    """Call ``fn`` once per backward pass for the gradients of ``tensors``: with ``mode="all"``,
    ``fn(grads)`` when the pass ends, ``grads`` a tuple with None for the tensors the pass gave no gradient;
    with ``mode="any"``, ``fn(grad)`` with the first of their gradients computed. Returns a handle whose
    ``remove()`` unregisters it.

    Example:
        >>> import tocha, tocha.autograd
        >>> a, b = tocha.ones(2, requires_grad=True), tocha.ones(2, requires_grad=True)
        >>> seen = []
        >>> _ = tocha.autograd.graph.register_multi_grad_hook((a, b), lambda grads: seen.append(grads))
        >>> (a * 2).sum().backward()
        >>> seen
        [(tensor([2., 2.]), None)]
    """
    if mode not in ("all", "any"):
        raise ValueError(f"Expects mode to be one of ('all', 'any') but got {mode}")
    tensors = tuple(tensors)
    state: dict[str, Any] = {"pass": None, "grads": [], "fired": False}

    def start_pass() -> bool:
        """Reset for a new backward pass; True the first time in a pass."""
        current = _engine.current_pass()
        if state["pass"] == current:
            return False
        state["pass"], state["grads"], state["fired"] = current, [None] * len(tensors), False
        return True

    def hook_for(index: int) -> Callable[[Any], None]:
        def hook(grad: Any) -> None:
            first = start_pass()
            if mode == "any":
                if not state["fired"]:
                    state["fired"] = True
                    fn(grad)
                return
            state["grads"][index] = grad
            if first:
                grads = state["grads"]
                _engine.queue_callback(lambda: fn(tuple(grads)))

        return hook

    return _MultiHandle([register_tensor_hook(t, hook_for(i)) for i, t in enumerate(tensors)])


def get_gradient_edge(tensor: Any) -> GradientEdge:
    """Where ``tensor``'s gradient enters the graph: its ``grad_fn`` (a leaf's AccumulateGrad) and output number.
    ``tocha.autograd.grad`` takes it in place of the tensor (also after the tensor was overwritten in place).

    Example:
        >>> import tocha, tocha.autograd
        >>> x = tocha.ones(2, requires_grad=True)
        >>> y = x * 3
        >>> edge = tocha.autograd.graph.get_gradient_edge(y)
        >>> y.mul_(2)  # y's history moves on; the edge still names the first product
        tensor([6., 6.], grad_fn=<MulBackward0>)
        >>> tocha.autograd.grad(y.sum(), edge)
        (tensor([2., 2.]),)
    """
    if not tensor.requires_grad:
        raise RuntimeError("It is not possible to get the gradient edge for a Tensor that does not require gradients")
    node, output_nr = edge_of(tensor)
    return GradientEdge(node, output_nr)
