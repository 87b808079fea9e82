"""What an autograd engine may read and set on tensors: the public contract behind ``tocha.library``.

tocha-autograd (or any other engine installed with ``tocha.library.set_gradient_layer``) records history
through these functions, never through Tensor's private fields, so tensor-core may change its layout freely.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._tensor_base import TensorBase

if TYPE_CHECKING:
    from ._tensor import Tensor

__all__ = [
    "tensor_array",
    "tensor_version",
    "view_base",
    "set_history",
    "autograd_meta",
    "set_autograd_meta",
    "is_tensor_like",
    "autograd_state",
]


def tensor_array(t: Tensor) -> Any:
    """The array (of the device's array module) holding ``t``'s elements, without copying.

    Example:
        >>> import tocha
        >>> type(tocha.library.tensor_array(tocha.ones(2))).__name__
        'ndarray'
    """
    return t._data


def tensor_version(t: Tensor) -> int:
    """The version counter ``t`` shares with every view of its storage; in-place writes bump it.

    Example:
        >>> import tocha
        >>> x = tocha.zeros(2); before = tocha.library.tensor_version(x)
        >>> _ = x.add_(1)
        >>> tocha.library.tensor_version(x) - before
        1
    """
    root = t._base if t._base is not None else t
    return root._version


def increment_version(t: Tensor) -> None:
    """Record an in-place write to ``t`` made outside the ops (a fused kernel writing its memory): its version
    counter, shared with every view of its storage, moves as after an in-place op, so autograd still notices that
    a tensor it saved has changed.

    Example:
        >>> import tocha
        >>> x = tocha.zeros(2); before = tocha.library.tensor_version(x)
        >>> tocha.library.increment_version(x[1:])
        >>> tocha.library.tensor_version(x) - before
        1
    """
    root = t._base if t._base is not None else t
    root._version += 1


def view_base(t: Tensor) -> Tensor | None:
    """The tensor whose storage ``t`` views (the root of a chain of views), or None.

    Example:
        >>> import tocha
        >>> x = tocha.zeros(2, 2)
        >>> tocha.library.view_base(x[0]) is x
        True
    """
    return t._base


def set_history(t: Tensor, grad_fn: Any, requires_grad: bool = True) -> None:
    """Record that ``t`` was produced by graph node ``grad_fn`` (None makes it a leaf) and whether it needs grad.

    Example:
        >>> import tocha
        >>> t = tocha.ones(2)
        >>> tocha.library.set_history(t, None, requires_grad=False)
        >>> t.is_leaf, t.requires_grad
        (True, False)
    """
    t._grad_fn = grad_fn
    t._requires_grad = requires_grad


def autograd_meta(t: Tensor) -> Any:
    """The engine's own per-tensor record (hooks, retain_grad, view origin...), or None.

    Example:
        >>> import tocha
        >>> tocha.library.autograd_meta(tocha.ones(1)) is None
        True
    """
    return t._autograd_meta


def set_autograd_meta(t: Tensor, meta: Any) -> None:
    """Attach the engine's per-tensor record to ``t``.

    Example:
        >>> import tocha
        >>> t = tocha.ones(1); tocha.library.set_autograd_meta(t, {"note": 1})
        >>> tocha.library.autograd_meta(t)
        {'note': 1}
    """
    t._autograd_meta = meta


def is_tensor_like(x: object) -> bool:
    """Whether ``x`` is a tocha tensor (of any subclass).

    Example:
        >>> import tocha
        >>> tocha.library.is_tensor_like(tocha.ones(1)), tocha.library.is_tensor_like(1.0)
        (True, False)
    """
    return isinstance(x, TensorBase)


def autograd_state(t: Tensor) -> tuple[Any, Any, bool, Any, Tensor | None, Any, int, bool]:
    """Everything a gradient layer reads from an op input, in one call (it runs once per recorded input).

    Returns ``(shape, dtype, requires_grad, grad_fn, view_base, autograd_meta, version, is_inference)``:
    ``shape`` is the array's shape tuple, ``version`` is :func:`tensor_version`, ``view_base`` is
    :func:`view_base` and ``autograd_meta`` is :func:`autograd_meta`.

    Example:
        >>> import tocha
        >>> shape, dtype, requires_grad, grad_fn, base, meta, version, inference = tocha.library.autograd_state(
        ...     tocha.ones(2))
        >>> shape, dtype, requires_grad, grad_fn, base, meta, version, inference
        ((2,), tocha.float32, False, None, None, None, 0, False)
    """
    base = t._base
    return (
        t._data.shape,
        t._dtype,
        t._requires_grad,
        t._grad_fn,
        base,
        t._autograd_meta,
        t._version if base is None else base._version,
        t._inference,
    )
