"""Sample inputs of the sorting and searching ops for ``tocha.testing``'s op database.

Samples of sort/topk/kthvalue hold distinct values (a shuffled range) unless
they test ties on purpose with ``stable=True``: PyTorch leaves the order of
equal values of an unstable sort, topk and kthvalue unspecified.
"""

from __future__ import annotations

from typing import Any

from .._dtype import dtype

__all__: list[str] = []


def _kit(device: Any, d: dtype) -> tuple[Any, Any, Any, Any]:
    from .. import float64, tensor
    from ..testing import SampleInput, make_tensor

    def make(*shape: int, noncontiguous: bool = False) -> Any:
        return make_tensor(*shape, dtype=d, device=device, noncontiguous=noncontiguous)

    def distinct(*shape: int, noncontiguous: bool = False) -> Any:
        """Distinct values (a shuffled range, shifted for signed and floating dtypes)."""
        n = 1
        for s in shape:
            n *= s
        keys = make_tensor(n, dtype=float64, device=device)
        ranks = keys.argsort().to(device=device)
        shift = 0 if d.name in ("uint8", "bool") else n // 2
        values = (ranks - shift).to(d) if d.category != 0 else (ranks % 2).to(d)
        if d.category >= 2:
            values = values * 0.5
        if noncontiguous and shape:
            wide = make_tensor(*shape[:-1], 2 * shape[-1], dtype=d, device=device)
            view = wide[..., ::2]
            view.copy_(values.reshape(shape))
            return view
        return values.reshape(shape)

    def index(values: Any) -> Any:
        return tensor(values, device=device)

    return SampleInput, make, distinct, index


def sort_samples(device: Any, d: dtype) -> list[Any]:
    """``sort``: both dims, descending, stable ties, non-contiguous, 0-dim, empty."""
    sample_input, make, distinct, _ = _kit(device, d)
    ties = make(3, 4)
    return [
        sample_input(distinct(3, 4), name="last-dim"),
        sample_input(distinct(3, 4), args=(0,), name="dim0"),
        sample_input(distinct(3, 4), args=(1, True), name="descending"),
        sample_input(ties, kwargs={"stable": True}, name="stable"),
        sample_input(ties, kwargs={"dim": -1, "descending": True, "stable": True}, name="stable-descending"),
        sample_input(distinct(2, 3, noncontiguous=True), name="noncontiguous"),
        sample_input(distinct(), name="0-dim"),
        sample_input(make(2, 0), name="empty"),
    ]


def topk_samples(device: Any, d: dtype) -> list[Any]:
    """``topk``: largest and smallest, both dims, k = 0 and k = size, non-contiguous, 0-dim."""
    sample_input, _, distinct, _ = _kit(device, d)
    return [
        sample_input(distinct(3, 4), args=(2,), name="largest"),
        sample_input(distinct(3, 4), args=(2, 0, False), name="smallest"),
        sample_input(distinct(3, 4), args=(4,), name="all"),
        sample_input(distinct(3, 4), args=(0,), name="k0"),
        sample_input(distinct(2, 3, noncontiguous=True), args=(1,), name="noncontiguous"),
        sample_input(distinct(), args=(1,), name="0-dim"),
    ]


def kthvalue_samples(device: Any, d: dtype) -> list[Any]:
    """``kthvalue``: both dims, keepdim, non-contiguous, 0-dim."""
    sample_input, _, distinct, _ = _kit(device, d)
    return [
        sample_input(distinct(3, 4), args=(2,), name="last-dim"),
        sample_input(distinct(3, 4), args=(3, 0, True), name="keepdim"),
        sample_input(distinct(2, 3, noncontiguous=True), args=(1,), name="noncontiguous"),
        sample_input(distinct(), args=(1,), name="0-dim"),
    ]


def unique_samples(device: Any, d: dtype) -> list[Any]:
    """``unique`` with repeats: flat, with inverse and counts, along a dim."""
    sample_input, _, _, _ = _kit(device, d)
    from .. import tensor

    def rep(values: Any) -> Any:
        t = tensor(values, device=device)
        return t.to(d) if d.category != 0 else (t % 2).to(d)

    flat = rep([[2, 1, 2], [3, 1, 1]])
    rows = rep([[1, 2], [0, 5], [1, 2]])
    return [
        sample_input(flat, name="flat"),
        sample_input(flat, kwargs={"return_inverse": True, "return_counts": True}, name="inverse-counts"),
        sample_input(rows, kwargs={"dim": 0, "return_inverse": True, "return_counts": True}, name="dim0"),
        sample_input(rows, kwargs={"dim": 1, "return_counts": True}, name="dim1"),
        sample_input(rep(3), kwargs={"return_inverse": True}, name="0-dim"),
    ]


def searchsorted_samples(device: Any, d: dtype) -> list[Any]:
    """``searchsorted``: 1-D and batched boundaries, ``right``, ``side``, ``out_int32``, a ``sorter``."""
    sample_input, _, _, index = _kit(device, d)
    from .. import tensor

    def t(values: Any) -> Any:
        return tensor(values, device=device).to(d)

    seq = t([1, 2, 2, 5])
    return [
        sample_input(seq, args=(t([2, 0, 6, 5]),), name="left"),
        sample_input(seq, args=(t([2, 0, 6, 5]),), kwargs={"right": True}, name="right"),
        sample_input(seq, args=(t([[2, 3], [1, 7]]),), kwargs={"side": "right", "out_int32": True}, name="side"),
        sample_input(t([[1, 3, 4], [0, 2, 2]]), args=(t([[3, 0], [2, 9]]),), name="batched"),
        sample_input(t([5, 1, 2]), args=(t([2, 4]),), kwargs={"sorter": index([1, 2, 0])}, name="sorter"),
    ]


def histc_samples(device: Any, d: dtype) -> list[Any]:
    """``histc``: default range (the data's), an explicit range dropping outliers, one bin."""
    sample_input, make, _, _ = _kit(device, d)
    return [
        sample_input(make(20), args=(5,), name="data-range"),
        sample_input(make(4, 5), kwargs={"bins": 4, "min": -4, "max": 4}, name="range"),
        sample_input(make(6), kwargs={"bins": 1}, name="one-bin"),
    ]


def bincount_samples(device: Any, d: dtype) -> list[Any]:
    """``bincount`` with repeats, ``minlength`` and float weights."""
    sample_input, _, _, _ = _kit(device, d)
    from .. import float64, tensor

    values = tensor([1, 1, 3, 0, 7], device=device).to(d)
    return [
        sample_input(values, name="counts"),
        sample_input(values, kwargs={"minlength": 10}, name="minlength"),
        sample_input(values, args=(tensor([0.5, 1.0, 2.0, 3.0, 1.5], dtype=float64, device=device),), name="weights"),
        sample_input(tensor([], device=device).to(d), kwargs={"minlength": 2}, name="empty"),
    ]
