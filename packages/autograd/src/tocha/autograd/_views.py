"""In-place ops on views of tensors in the graph (PyTorch's CopySlices), written with tocha ops.

NOTE [ In-place on views ]
When ``v`` views storage of a tensor ``b`` that is part of the graph and an
op writes ``v`` in place, both ``v`` and ``b`` need new history. With ``idx``
the flat positions of ``v``'s elements in ``b`` (from strides and offsets),
``v == take(b, idx)``, so:

1. the op runs out of place on ``v_old = take(b, idx)``, recorded as usual;
2. its values are copied into ``v``'s memory without recording;
3. ``b``'s new history is ``index_put(b_old.flatten(), idx, result)``:
   the gradient of ``b_old`` is the incoming one with the region replaced by
   the op's gradient for ``v_old``, as CopySlices computes;
4. ``v``'s new history is ``take(b, idx)`` on the new ``b``.

A view whose base was rewritten through another view has stale history; it
is regenerated the same way (``take(b, idx)``) when it next enters the graph
(:func:`refresh_view`). The base must be C-contiguous (every tensor an op
returns is); otherwise the positions are not expressible and the call raises.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import tocha
from tocha.library import OpCall, autograd_meta, set_history, tensor_array, tensor_version, view_base

from ._node import meta_of

__all__ = ["rebase_view", "refresh_view", "view_positions"]


def view_positions(view: Any, base: Any) -> Any:
    """int64 tensor of ``view``'s shape: the flat position of each element of ``view`` in ``base``."""
    view_array, base_array = tensor_array(view), tensor_array(base)
    if not base_array.flags.c_contiguous:
        raise RuntimeError(
            "autograd: an in-place op on a view whose base is not contiguous is not supported; "
            "call .contiguous() on the base first"
        )
    itemsize = base_array.dtype.itemsize
    offset = (_address(view_array) - _address(base_array)) // itemsize
    strides = [s // itemsize for s in view_array.strides]
    xp = tocha.library.get_backend(view.device.type).xp  # made on the view's device: no host-to-device copy
    positions = xp.full(view_array.shape, offset, dtype=np.int64)
    for axis, (size, stride) in enumerate(zip(view_array.shape, strides, strict=True)):
        shape = [1] * view_array.ndim
        shape[axis] = size
        positions = positions + (xp.arange(size, dtype=np.int64) * stride).reshape(shape)
    return tocha.library.wrap_array(xp.ascontiguousarray(positions), view.device)


def _address(array: Any) -> int:
    if isinstance(array, np.ndarray):
        return int(array.__array_interface__["data"][0])
    return int(array.data.ptr)


def rebase_view(call: OpCall, run_kernel: Callable[[OpCall], Any], record: Callable[..., Any]) -> Any:
    """Run the in-place ``call`` on a view and give the view and its base their new history."""
    view: Any = call.out
    base: Any = view_base(view)
    if base.grad_fn is None and base.requires_grad:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
    positions = view_positions(view, base)
    old_view = tocha.take(base, positions)
    inputs = tuple(old_view if x is view else x for x in call.inputs)
    result = record(OpCall(call.op, call.device, inputs, call.params), run_kernel)
    with tocha.no_grad():
        view.copy_(result)
    new_base = tocha.index_put(base.reshape(-1), (positions.reshape(-1),), result.reshape(-1)).reshape(base.shape)
    _adopt(base, new_base)
    _adopt(view, tocha.take(base, positions))
    return view


def _adopt(target: Any, source: Any) -> None:
    """Give ``target`` the history of ``source`` (same values)."""
    set_history(target, source.grad_fn, source.requires_grad)
    source_meta = autograd_meta(source)
    meta = meta_of(target)
    meta.output_nr = 0 if source_meta is None else source_meta.output_nr
    meta.view_version = tensor_version(target)


def refresh_view(t: Any) -> None:
    """Regenerate the history of a view whose base was written through another view (see the NOTE)."""
    base = view_base(t)
    if base is None or not base.requires_grad:
        return
    meta = autograd_meta(t)
    if meta is None or meta.view_version < 0 or meta.view_version == tensor_version(t):
        return
    _adopt(t, tocha.take(base, view_positions(t, base)))
