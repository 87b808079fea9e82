"""Sample inputs of the indexing ops for ``tocha.testing``'s op database.

Each function is an ``OpTest.samples`` callable ``(device, dtype) -> list of
SampleInput``; ``tocha.testing`` is imported only when a test asks for
samples. Keys are chosen where NumPy's reference and PyTorch agree (no int
separating advanced indices), and indices of assignments without
``accumulate`` hold no duplicates (their gradient would be ill-defined).
"""

from __future__ import annotations

from typing import Any

from .._dtype import dtype

__all__: list[str] = []

_FULL = slice(None)


def _kit(device: Any, d: dtype) -> tuple[Any, Any, Any]:
    from .. import tensor
    from ..testing import SampleInput, make_tensor

    def make(*shape: int, noncontiguous: bool = False) -> Any:
        return make_tensor(*shape, dtype=d, device=device, noncontiguous=noncontiguous)

    def index(values: Any) -> Any:
        return tensor(values, device=device)

    return SampleInput, make, index


_BASIC_KEYS: list[tuple[str, tuple[Any, ...]]] = [
    ("int", (1, Ellipsis)),
    ("negative-int", (-1, 2, Ellipsis)),
    ("slice", (slice(1, 3), Ellipsis)),
    ("step", (_FULL, slice(None, None, 2), Ellipsis)),
    ("none", (None, 0, None, Ellipsis)),
    ("ellipsis", (Ellipsis, 1)),
    ("empty-slice", (slice(2, 2), Ellipsis)),
]


def getitem_samples(device: Any, d: dtype) -> list[Any]:
    """``Tensor.__getitem__`` with basic keys (ints, slices with steps, None, Ellipsis); non-contiguous too."""
    sample_input, make, _ = _kit(device, d)
    samples = [sample_input(make(3, 4), args=(key,), name=name) for name, key in _BASIC_KEYS]
    samples.append(sample_input(make(3, 4, noncontiguous=True), args=((_FULL, 1),), name="noncontiguous"))
    samples.append(sample_input(make(), args=((None,),), name="0-dim"))
    return samples


def getitem_backward_samples(device: Any, d: dtype) -> list[Any]:
    """``getitem_backward(grad; shape, key)``: the gradient of a basic index, written into zeros."""
    sample_input, make, _ = _kit(device, d)
    return [
        sample_input(make(2, 4), params=((3, 4), (slice(1, 3), Ellipsis)), name="slice"),
        sample_input(make(4), params=((3, 4), (1, Ellipsis)), name="int"),
        sample_input(make(1, 2, 4), params=((3, 4), (None, slice(None, None, 2), Ellipsis)), name="step"),
    ]


def index_samples(device: Any, d: dtype) -> list[Any]:
    """``Tensor.__getitem__`` with advanced keys: integer tensors (duplicates, negatives), masks, mixed."""
    sample_input, make, index = _kit(device, d)
    mask = index([True, False, True])
    return [
        sample_input(make(3, 4), args=(index([2, 0, 2]),), name="int-tensor"),
        sample_input(make(3, 4), args=((_FULL, index([[1, -1], [0, 1]])),), name="2d-index"),
        sample_input(make(3, 4), args=((index([0, 2]), index([3, 1])),), name="pairs"),
        sample_input(make(3, 4, 5), args=((index([0, 2]), _FULL, index([1, 4])),), name="separated"),
        sample_input(make(3, 4), args=(mask,), name="mask"),
        sample_input(make(3, 4), args=((mask, slice(1, 3)),), name="mask-slice"),
        sample_input(make(3, 4), args=((index([1, 2]),),), name="tuple"),
        sample_input(make(3, 4, noncontiguous=True), args=((_FULL, index([3, 0])),), name="noncontiguous"),
        sample_input(make(0, 4), args=((_FULL, index([1])),), name="empty"),
    ]


def index_backward_samples(device: Any, d: dtype) -> list[Any]:
    """``index_backward(grad, indices; shape)``: gradients accumulated at (duplicate) indices."""
    sample_input, make, index = _kit(device, d)
    return [
        sample_input(make(3, 4), args=([index([1, 1, 0])],), params=((2, 4),), name="duplicates"),
        sample_input(make(2, 2, 2), args=([None, index([[0, 0], [3, 1]])],), params=((2, 4),), name="2d-index"),
        sample_input(make(2), args=([index([True, False, True])],), params=((3,),), name="mask"),
    ]


def setitem_samples(device: Any, d: dtype) -> list[Any]:
    """``setitem(a, value; key)`` out of place: tensor values (broadcast) and number values."""
    sample_input, make, _ = _kit(device, d)
    number: Any = True if d.category == 0 else 2
    return [
        sample_input(make(3, 4), args=(make(4),), params=((slice(0, 2), Ellipsis),), name="broadcast"),
        sample_input(make(3, 4), args=(make(3),), params=((_FULL, 1, Ellipsis),), name="column"),
        sample_input(make(3, 4), args=(number,), params=((1, Ellipsis),), name="number"),
        sample_input(
            make(3, 4, noncontiguous=True), args=(make(2, 4),), params=((slice(1, 3), Ellipsis),), name="noncontiguous"
        ),
    ]


def index_put_samples(device: Any, d: dtype) -> list[Any]:
    """``index_put(input, indices, values, accumulate)`` with pairs, broadcast values, masks and duplicates."""
    sample_input, make, index = _kit(device, d)
    samples = [
        sample_input(make(3, 4), args=((index([0, 2]), index([1, 3])), make(2)), name="pairs"),
        sample_input(make(3, 4), args=((index([2, 0]),), make(4)), name="broadcast"),
        sample_input(make(3, 4), args=((index([True, False, True]),), make(2, 4)), name="mask"),
    ]
    if d.category != 0:  # accumulating bools is not an addition
        samples.append(
            sample_input(
                make(3, 4), args=((index([1, 1, 0]),), make(3, 4)), kwargs={"accumulate": True}, name="accumulate"
            )
        )
    return samples


def masked_samples(device: Any, d: dtype) -> list[Any]:
    """``masked_fill`` / ``masked_select``: a broadcast mask, a full mask, 0-dim and non-contiguous input."""
    sample_input, make, index = _kit(device, d)
    return [
        sample_input(make(3, 4), args=(index([True, False, False, True]),), name="broadcast"),
        sample_input(make(2, 3), args=(index([[True, False, True], [False, False, True]]),), name="full"),
        sample_input(make(), args=(index(True),), name="0-dim"),
        sample_input(make(3, 4, noncontiguous=True), args=(index([[True], [False], [True]]),), name="noncontiguous"),
    ]


def masked_fill_samples(device: Any, d: dtype) -> list[Any]:
    """``masked_fill`` with a number value and with a 0-dim tensor value."""
    sample_input, make, _ = _kit(device, d)
    number: Any = True if d.category == 0 else 3
    return [
        sample_input(s.input, args=(*s.args, number if i % 2 else make()), name=s.name)
        for i, s in enumerate(masked_samples(device, d))
    ]


def take_samples(device: Any, d: dtype) -> list[Any]:
    """``take`` with negative and duplicate indices, a 2-D index, and a non-contiguous input."""
    sample_input, make, index = _kit(device, d)
    return [
        sample_input(make(3, 4), args=(index([0, -1, 5, 5]),), name="1d"),
        sample_input(make(3, 4), args=(index([[11, 0], [3, -12]]),), name="2d-index"),
        sample_input(make(3, 4, noncontiguous=True), args=(index([1, 7]),), name="noncontiguous"),
        sample_input(make(), args=(index([0, -1]),), name="0-dim"),
    ]


def take_backward_samples(device: Any, d: dtype) -> list[Any]:
    """``take_backward(grad, index; shape)``: gradients accumulated at flat (duplicate, negative) indices."""
    sample_input, make, index = _kit(device, d)
    return [
        sample_input(make(4), args=(index([0, -1, 5, 5]),), params=((3, 4),), name="duplicates"),
        sample_input(make(2, 2), args=(index([[11, 0], [3, -12]]),), params=((3, 4),), name="2d-index"),
    ]
