"""Sample inputs of the gather/scatter family for ``tocha.testing``'s op database.

Each function is an ``OpTest.samples`` callable ``(device, dtype) -> list of
SampleInput``. Plain scatter / index_copy / put samples write each position
at most once (PyTorch leaves the winner of duplicates unspecified); the
reducing ops get duplicates on purpose.
"""

from __future__ import annotations

from typing import Any

from .._dtype import dtype

__all__: list[str] = []


def _kit(device: Any, d: dtype) -> tuple[Any, Any, Any]:
    from .. import tensor
    from ..testing import SampleInput, make_tensor

    def make(*shape: int, noncontiguous: bool = False) -> Any:
        return make_tensor(*shape, dtype=d, device=device, noncontiguous=noncontiguous)

    def index(values: Any) -> Any:
        return tensor(values, device=device)

    return SampleInput, make, index


def _number(d: dtype) -> Any:
    return True if d.category == 0 else 3


def gather_samples(device: Any, d: dtype) -> list[Any]:
    """``gather(input, dim, index)``: both dims, an index smaller than the input, duplicates, 0-dim, empty."""
    sample_input, make, index = _kit(device, d)
    return [
        sample_input(make(3, 4), args=(1, index([[0, 3], [2, 2], [1, 0]])), name="dim1"),
        sample_input(make(3, 4), args=(0, index([[2, 0, 1, 1], [0, 0, 2, 1]])), name="dim0"),
        sample_input(make(3, 4), args=(-1, index([[1], [3]])), name="smaller"),
        sample_input(make(3, 4, noncontiguous=True), args=(1, index([[0, 1], [2, 3], [3, 3]])), name="noncontiguous"),
        sample_input(make(2, 3, 2), args=(1, index([[[2, 0], [1, 1]], [[0, 0], [2, 1]]])), name="3d"),
        sample_input(make(), args=(0, index(0)), name="0-dim"),
        sample_input(make(3, 4), args=(1, index([[], [], []]).long()), name="empty"),
    ]


def gather_backward_samples(device: Any, d: dtype) -> list[Any]:
    """``gather_backward(grad, index; dim, shape)``: gradients added at (duplicate) gathered positions."""
    sample_input, make, index = _kit(device, d)
    return [
        sample_input(make(3, 2), args=(index([[0, 3], [2, 2], [1, 0]]),), params=(1, (3, 4)), name="duplicates"),
        sample_input(make(1, 4), args=(index([[2, 0, 1, 1]]),), params=(0, (3, 4)), name="dim0"),
    ]


def _unique_index(index: Any) -> tuple[Any, Any]:
    # (dim 1, index) pairs writing each position at most once
    return index([[0, 2], [3, 1], [1, 0]]), index([[2, 0, 1, 1]])


def scatter_samples(device: Any, d: dtype) -> list[Any]:
    """``scatter``: tensor src (larger than index), number value, legacy reduce forms, 0-dim, non-contiguous."""
    sample_input, make, index = _kit(device, d)
    rows, cols = _unique_index(index)
    samples = [
        sample_input(make(3, 4), args=(1, rows, make(3, 4)), name="dim1"),
        sample_input(make(3, 4), args=(0, cols, make(2, 4)), name="dim0"),
        sample_input(make(3, 4), args=(1, rows), kwargs={"value": _number(d)}, name="value"),
        sample_input(make(3, 4, noncontiguous=True), args=(1, rows, make(3, 2)), name="noncontiguous"),
        sample_input(make(), args=(0, index(0), make()), name="0-dim"),
    ]
    if d.category != 0:
        dup = index([[0, 0], [3, 3], [1, 1]])
        samples.append(sample_input(make(3, 4), args=(1, dup, make(3, 2)), kwargs={"reduce": "add"}, name="legacy-add"))
        samples.append(
            sample_input(make(3, 4), args=(1, dup, make(3, 2)), kwargs={"reduce": "multiply"}, name="legacy-multiply")
        )
    return samples


def scatter_add_samples(device: Any, d: dtype) -> list[Any]:
    """``scatter_add`` with duplicate indices, a larger src, both dims, 0-dim and non-contiguous input."""
    sample_input, make, index = _kit(device, d)
    return [
        sample_input(make(3, 4), args=(1, index([[0, 0, 2], [3, 1, 3], [1, 1, 1]]), make(3, 4)), name="duplicates"),
        sample_input(make(3, 4), args=(0, index([[2, 0, 2, 1], [2, 0, 0, 1]]), make(2, 4)), name="dim0"),
        sample_input(
            make(3, 4, noncontiguous=True), args=(1, index([[1, 1], [0, 2], [3, 3]]), make(3, 2)), name="noncontiguous"
        ),
        sample_input(make(), args=(0, index(0), make()), name="0-dim"),
    ]


def scatter_reduce_samples(device: Any, d: dtype) -> list[Any]:
    """``scatter_reduce`` for every reduction, with and without ``include_self``, duplicates included."""
    sample_input, make, index = _kit(device, d)
    samples = []
    for reduce in ("sum", "prod", "mean", "amax", "amin"):
        for include_self in (True, False):
            samples.append(
                sample_input(
                    make(3, 4),
                    args=(1, index([[0, 0, 2], [3, 1, 3], [1, 1, 1]]), make(3, 4), reduce),
                    kwargs={"include_self": include_self},
                    name=f"{reduce}-{'self' if include_self else 'no-self'}",
                )
            )
    samples.append(sample_input(make(4, 2), args=(0, index([[3, 0], [3, 3]]), make(2, 2), "amax"), name="dim0"))
    samples.append(sample_input(make(), args=(0, index(0), make(), "prod"), name="0-dim"))
    return samples


def index_add_samples(device: Any, d: dtype) -> list[Any]:
    """``index_add`` along both dims with duplicates, ``alpha``, 0-dim and non-contiguous input."""
    sample_input, make, index = _kit(device, d)
    return [
        sample_input(make(3, 4), args=(0, index([0, 2, 0]), make(3, 4)), name="dim0"),
        sample_input(make(3, 4), args=(1, index([1, 1]), make(3, 2)), kwargs={"alpha": 2}, name="alpha"),
        sample_input(make(3, 4, noncontiguous=True), args=(1, index([3, 0, 3]), make(3, 3)), name="noncontiguous"),
        sample_input(make(), args=(0, index(0), make()), name="0-dim"),
    ]


def index_copy_samples(device: Any, d: dtype) -> list[Any]:
    """``index_copy`` along both dims (each position written once), 0-dim index and non-contiguous input."""
    sample_input, make, index = _kit(device, d)
    return [
        sample_input(make(3, 4), args=(0, index([2, 0]), make(2, 4)), name="dim0"),
        sample_input(make(3, 4), args=(1, index([3, 1, 0]), make(3, 3)), name="dim1"),
        sample_input(make(3, 4), args=(1, index(2), make(3, 1)), name="0-dim-index"),
        sample_input(make(3, 4, noncontiguous=True), args=(1, index([1]), make(3, 1)), name="noncontiguous"),
    ]


def index_fill_samples(device: Any, d: dtype) -> list[Any]:
    """``index_fill`` with a number and with a 0-dim tensor value."""
    sample_input, make, index = _kit(device, d)
    return [
        sample_input(make(3, 4), args=(1, index([0, 2, 2]), _number(d)), name="number"),
        sample_input(make(3, 4), args=(0, index([1]), make()), name="tensor-value"),
        sample_input(make(3, 4, noncontiguous=True), args=(-1, index([3]), make()), name="noncontiguous"),
        sample_input(make(), args=(0, index([0]), make()), name="0-dim"),
    ]


def index_reduce_samples(device: Any, d: dtype) -> list[Any]:
    """``index_reduce`` for every reduction, with and without ``include_self``, duplicates included."""
    sample_input, make, index = _kit(device, d)
    samples = []
    for reduce in ("prod", "mean", "amax", "amin"):
        for include_self in (True, False):
            samples.append(
                sample_input(
                    make(3, 4),
                    args=(1, index([0, 2, 0]), make(3, 3), reduce),
                    kwargs={"include_self": include_self},
                    name=f"{reduce}-{'self' if include_self else 'no-self'}",
                )
            )
    samples.append(sample_input(make(3, 2), args=(0, index([2, 2]), make(2, 2), "amin"), name="dim0"))
    return samples


def put_samples(device: Any, d: dtype) -> list[Any]:
    """``put`` with negative flat indices, a 2-D index, and ``accumulate`` with duplicates."""
    sample_input, make, index = _kit(device, d)
    samples = [
        sample_input(make(3, 4), args=(index([0, 5, -1]), make(3)), name="flat"),
        sample_input(make(3, 4), args=(index([[1, 2], [7, 8]]), make(4)), name="2d-index"),
        sample_input(make(3, 4, noncontiguous=True), args=(index([3]), make(1)), name="noncontiguous"),
    ]
    if d.category != 0:
        samples.append(
            sample_input(make(3, 4), args=(index([1, 1, 0]), make(3)), kwargs={"accumulate": True}, name="accumulate")
        )
    return samples


def masked_scatter_samples(device: Any, d: dtype) -> list[Any]:
    """``masked_scatter`` with a full mask, a broadcast mask, a larger source and a 0-dim input."""
    sample_input, make, index = _kit(device, d)
    return [
        sample_input(make(2, 3), args=(index([[True, False, True], [False, True, True]]), make(6)), name="full"),
        sample_input(make(3, 2), args=(index([False, True]), make(2, 3)), name="broadcast"),
        sample_input(
            make(3, 2, noncontiguous=True), args=(index([[True], [False], [True]]), make(5)), name="noncontiguous"
        ),
        sample_input(make(), args=(index(True), make(2)), name="0-dim"),
    ]
