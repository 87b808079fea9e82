"""Sample inputs and NumPy references of the shape ops, for ``tocha.testing``'s op database.

Each sampler is ``(device, dtype) -> list of SampleInput`` (``OpTest.samples``
accepts such a callable); ``tocha.testing`` is imported when samples are made,
never when tocha is imported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["SAMPLERS", "REFERENCES", "op_test"]

Sampler = Callable[[Any, Any], list[Any]]


def _tools(device: Any, d: Any) -> tuple[Any, Callable[..., Any]]:
    from ..testing import SampleInput, make_tensor

    def make(*shape: int, noncontiguous: bool = False) -> Any:
        return make_tensor(*shape, dtype=d, device=device, noncontiguous=noncontiguous)

    return SampleInput, make


def _view(device: Any, d: Any) -> list[Any]:
    S, make = _tools(device, d)
    return [
        S(make(2, 3, 4), args=(4, 6), name="2d"),
        S(make(2, 3, 4), args=(-1,), name="infer"),
        S(make(), args=(1, 1), name="0-dim"),
        S(make(0, 3), args=(3, 0), name="empty"),
    ]


def _reshape(device: Any, d: Any) -> list[Any]:
    S, make = _tools(device, d)
    return [
        S(make(2, 3, 4), args=((4, -1),), name="infer"),
        S(make(3, 4, noncontiguous=True), args=((12,),), name="noncontiguous"),
        S(make(), args=((1,),), name="0-dim"),
        S(make(0, 3), args=((3, 0),), name="empty"),
    ]


def _view_dtype(device: Any, d: Any) -> list[Any]:
    from .. import _dtype

    S, make = _tools(device, d)
    return [S(make(2, 4), args=(_dtype.uint8,), name="bytes"), S(make(3), args=(d,), name="same")]


def _permute(device: Any, d: Any) -> list[Any]:
    S, make = _tools(device, d)
    return [
        S(make(2, 3, 4), args=((2, 0, 1),), name="3d"),
        S(make(3, 4, noncontiguous=True), args=((-1, 0),), name="noncontiguous"),
        S(make(), args=((),), name="0-dim"),
    ]


def _expand(device: Any, d: Any) -> list[Any]:
    S, make = _tools(device, d)
    return [
        S(make(3, 1), args=(2, 3, 4), name="new_dims"),
        S(make(3, 1), args=(-1, 5), name="keep"),
        S(make(), args=(2,), name="0-dim"),
    ]


def _squeeze(device: Any, d: Any) -> list[Any]:
    S, make = _tools(device, d)
    return [
        S(make(2, 1, 3, 1), name="all"),
        S(make(2, 1, 3, 1), args=(1,), name="dim"),
        S(make(2, 1, 3, 1), args=((0, 3),), name="dims"),
        S(make(), name="0-dim"),
    ]


def _unsqueeze(device: Any, d: Any) -> list[Any]:
    S, make = _tools(device, d)
    return [
        S(make(2, 3), args=(1,), name="middle"),
        S(make(3, 4, noncontiguous=True), args=(-1,), name="noncontiguous"),
        S(make(), args=(0,), name="0-dim"),
    ]


def _narrow(device: Any, d: Any) -> list[Any]:
    S, make = _tools(device, d)
    return [
        S(make(3, 4), args=(1, 1, 2), name="2d"),
        S(make(4, 3, noncontiguous=True), args=(0, -2, 2), name="noncontiguous"),
        S(make(3, 4), args=(0, 3, 0), name="empty"),
    ]


def _slice_backward(device: Any, d: Any) -> list[Any]:
    S, make = _tools(device, d)
    return [S(make(3, 2), params=((3, 4), 1, 1, 2), name="2d")]


def _select(device: Any, d: Any) -> list[Any]:
    S, make = _tools(device, d)
    return [
        S(make(3, 4), args=(1, -1), name="2d"),
        S(make(5), args=(0, 2), name="1d"),
        S(make(4, 3, noncontiguous=True), args=(0, 1), name="noncontiguous"),
    ]


def _select_backward(device: Any, d: Any) -> list[Any]:
    S, make = _tools(device, d)
    return [S(make(3), params=((3, 4), 1, 2), name="2d")]


def _diagonal(device: Any, d: Any) -> list[Any]:
    S, make = _tools(device, d)
    return [
        S(make(3, 4), name="square"),
        S(make(3, 4), args=(1,), name="offset"),
        S(make(2, 3, 4), args=(-1, 2, 0), name="3d"),
        S(make(3, 4), args=(5,), name="empty"),
    ]


def _diagonal_backward(device: Any, d: Any) -> list[Any]:
    S, make = _tools(device, d)
    return [S(make(2, 3), params=((2, 4, 3), -1, 1, 2), name="3d")]


def _unfold(device: Any, d: Any) -> list[Any]:
    S, make = _tools(device, d)
    return [
        S(make(7), args=(0, 3, 2), name="overlap"),
        S(make(2, 6, 3), args=(1, 2, 2), name="disjoint"),
        S(make(3, 5, noncontiguous=True), args=(-1, 2, 1), name="noncontiguous"),
        S(make(4, 3), args=(0, 2, 3), name="gaps"),
        S(make(), args=(0, 1, 1), name="0-dim"),
        S(make(0, 3), args=(1, 2, 1), name="empty"),
    ]


def _unfold_backward(device: Any, d: Any) -> list[Any]:
    S, make = _tools(device, d)
    return [
        S(make(3, 3), params=((7,), 0, 3, 2), name="overlap"),
        S(make(2, 3, 3, 2), params=((2, 6, 3), 1, 2, 2), name="disjoint"),
        S(make(1), params=((), 0, 1, 1), name="0-dim"),
    ]


def _noncontiguous(device: Any, d: Any) -> list[Any]:
    S, make = _tools(device, d)
    return [S(make(3, 4, noncontiguous=True), name="noncontiguous")]


def _cat(device: Any, d: Any) -> list[Any]:
    S, make = _tools(device, d)
    return [
        S([make(2, 3), make(1, 3)], name="dim0"),
        S([make(2, 3), make(2, 2, noncontiguous=True), make(2, 1)], args=(1,), name="noncontiguous"),
        S([make(3)], name="single"),
        S([make(0, 3), make(2, 3)], name="empty"),
    ]


def _stack(device: Any, d: Any) -> list[Any]:
    S, make = _tools(device, d)
    return [
        S([make(2, 3), make(2, 3)], name="dim0"),
        S([make(2, 3), make(2, 3, noncontiguous=True)], args=(-1,), name="noncontiguous"),
        S([make(), make()], name="0-dim"),
    ]


def _repeat(device: Any, d: Any) -> list[Any]:
    S, make = _tools(device, d)
    return [
        S(make(2, 3), args=(2, 1), name="2d"),
        S(make(2, 3, noncontiguous=True), args=(2, 1, 3), name="noncontiguous"),
        S(make(), args=(3,), name="0-dim"),
    ]


def _repeat_interleave(device: Any, d: Any) -> list[Any]:
    from .creation import tensor

    S, make = _tools(device, d)
    return [
        S(make(2, 3), args=(2, 1), name="int"),
        S(make(2, 3), args=(tensor([1, 0, 2], device=device), 1), name="tensor"),
        S(make(3, 2, noncontiguous=True), args=(2, 0), name="noncontiguous"),
    ]


def _segment_sum(device: Any, d: Any) -> list[Any]:
    S, make = _tools(device, d)
    return [S(make(2, 6), params=((2, 1, 0, 3), 1), name="2d")]


def _flip(device: Any, d: Any) -> list[Any]:
    S, make = _tools(device, d)
    return [
        S(make(2, 3, 4), args=((0, 2),), name="3d"),
        S(make(3, 4, noncontiguous=True), args=((-1,),), name="noncontiguous"),
        S(make(), args=((),), name="0-dim"),
    ]


def _roll(device: Any, d: Any) -> list[Any]:
    S, make = _tools(device, d)
    return [
        S(make(3, 4), args=(1,), name="flat"),
        S(make(3, 4), args=((1, -2), (0, 1)), name="dims"),
        S(make(3, 4, noncontiguous=True), args=(5, 1), name="noncontiguous"),
    ]


def _diag_embed(device: Any, d: Any) -> list[Any]:
    S, make = _tools(device, d)
    return [
        S(make(2, 3), name="batch"),
        S(make(3), args=(1,), name="offset"),
        S(make(2, 3), args=(-1, 0, 2), name="dims"),
    ]


def _triangle(device: Any, d: Any) -> list[Any]:
    S, make = _tools(device, d)
    return [
        S(make(3, 4), name="2d"),
        S(make(2, 3, 3), args=(1,), name="batch"),
        S(make(4, 3, noncontiguous=True), args=(-1,), name="noncontiguous"),
    ]


SAMPLERS: dict[str, Sampler] = {
    "view": _view,
    "reshape": _reshape,
    "view_dtype": _view_dtype,
    "permute": _permute,
    "expand": _expand,
    "squeeze": _squeeze,
    "unsqueeze": _unsqueeze,
    "narrow": _narrow,
    "slice_backward": _slice_backward,
    "select": _select,
    "select_backward": _select_backward,
    "diagonal": _diagonal,
    "diagonal_backward": _diagonal_backward,
    "contiguous": _noncontiguous,
    "unfold": _unfold,
    "unfold_backward": _unfold_backward,
    "cat": _cat,
    "stack": _stack,
    "repeat": _repeat,
    "repeat_interleave": _repeat_interleave,
    "segment_sum": _segment_sum,
    "flip": _flip,
    "roll": _roll,
    "diag_embed": _diag_embed,
    "triu": _triangle,
    "tril": _triangle,
}


# ------------------------------------------------------------------ NumPy references


def _squeeze_ref(a: Any, dim: Any = None) -> Any:
    if dim is None:
        return np.squeeze(a)
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    return np.squeeze(a, tuple(x for x in dims if a.ndim and a.shape[x] == 1))


def _expand_ref(a: Any, *shape: int) -> Any:
    lead = len(shape) - a.ndim
    return np.broadcast_to(a, tuple(a.shape[i - lead] if s == -1 else s for i, s in enumerate(shape)))


def _narrow_ref(a: Any, dim: int, start: int, length: int) -> Any:
    begin = start + a.shape[dim] if start < 0 else start
    return np.take(a, range(begin, begin + length), axis=dim)


def _slice_backward_ref(g: Any, shape: Any, dim: int, start: int, length: int) -> Any:
    out = np.zeros(shape, g.dtype)
    out[(slice(None),) * dim + (slice(start, start + length),)] = g
    return out


def _select_backward_ref(g: Any, shape: Any, dim: int, index: int) -> Any:
    out = np.zeros(shape, g.dtype)
    out[(slice(None),) * dim + (index,)] = g
    return out


def _diagonal_backward_ref(g: Any, shape: Any, offset: int, dim1: int, dim2: int) -> Any:
    out = np.zeros(shape, g.dtype)
    moved = np.moveaxis(out, (dim1, dim2), (-2, -1))
    rows = np.arange(g.shape[-1]) + max(-offset, 0)
    moved[..., rows, rows + offset] = g
    return out


def _unfold_ref(a: Any, dim: int, size: int, step: int) -> Any:
    if a.ndim == 0:
        return a.reshape(1)[:size]
    windows = np.lib.stride_tricks.sliding_window_view(a, size, axis=dim)
    return np.take(windows, range(0, windows.shape[dim], step), axis=dim)


def _unfold_backward_ref(g: Any, shape: Any, dim: int, size: int, step: int) -> Any:
    out = np.zeros(shape, g.dtype)
    if not shape:
        out[...] = g.sum()
        return out
    for i in range(g.shape[dim]):
        window = np.moveaxis(np.take(g, i, axis=dim), -1, dim)
        np.moveaxis(out, dim, 0)[i * step : i * step + size] += np.moveaxis(window, dim, 0)
    return out


def _segment_sum_ref(g: Any, repeats: Any, dim: int) -> Any:
    ends = np.cumsum(repeats)
    parts = [np.take(g, range(e - r, e), axis=dim).sum(axis=dim) for r, e in zip(repeats, ends, strict=True)]
    return np.stack(parts, axis=dim).astype(g.dtype)


def _diag_embed_ref(a: Any, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Any:
    n = a.shape[-1] + abs(offset)
    out = np.zeros((*a.shape[:-1], n, n), a.dtype)
    rows = np.arange(a.shape[-1]) + max(-offset, 0)
    out[..., rows, rows + offset] = a
    ndim = a.ndim + 1
    d1, d2 = dim1 % ndim, dim2 % ndim
    return np.moveaxis(out, (-2, -1), (d1, d2))


REFERENCES: dict[str, Callable[..., Any]] = {
    "view": lambda a, *shape: a.reshape(shape),
    "reshape": np.reshape,
    "permute": np.transpose,
    "expand": _expand_ref,
    "squeeze": _squeeze_ref,
    "unsqueeze": np.expand_dims,
    "narrow": _narrow_ref,
    "slice_backward": _slice_backward_ref,
    "select": lambda a, dim, index: np.take(a, index, axis=dim),
    "select_backward": _select_backward_ref,
    "diagonal": np.diagonal,
    "diagonal_backward": _diagonal_backward_ref,
    "contiguous": np.ascontiguousarray,
    "unfold": _unfold_ref,
    "unfold_backward": _unfold_backward_ref,
    "cat": lambda arrays, dim=0: np.concatenate([x for x in arrays if x.shape != (0,)] or arrays, axis=dim),
    "stack": lambda arrays, dim=0: np.stack(arrays, axis=dim),
    "repeat": lambda a, *reps: np.tile(a, reps),
    "repeat_interleave": np.repeat,
    "segment_sum": _segment_sum_ref,
    "flip": np.flip,
    "roll": np.roll,
    "diag_embed": _diag_embed_ref,
    "triu": np.triu,
    "tril": np.tril,
}  # fmt: skip


def op_test(name: str, torch_name: str | None = None, **options: Any) -> Any:
    """The ``OpTest`` of shape op ``name``: its sampler, its NumPy reference and its PyTorch name."""
    from .._dispatch import OpTest

    return OpTest(samples=SAMPLERS[name], reference=REFERENCES.get(name), torch_name=torch_name, **options)
