"""``make_tensor``: random test tensors with PyTorch's default value ranges per dtype."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._backend import get_backend
from .._device import CPU, DeviceLike
from .._dtype import _BOOL, _COMPLEX, _INT, dtype
from .._tensor_base import wrap

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = ["make_tensor", "manual_seed"]

_rng: list[np.random.Generator] = [np.random.default_rng(0)]


def manual_seed(seed: int) -> None:
    """Seed the generator behind :func:`make_tensor` (separate from ``tocha.manual_seed``).

    Example:
        >>> import tocha
        >>> from tocha.testing import make_tensor, manual_seed
        >>> manual_seed(3); a = make_tensor(4, dtype=tocha.float32, device="cpu")
        >>> manual_seed(3); b = make_tensor(4, dtype=tocha.float32, device="cpu")
        >>> a.tolist() == b.tolist()
        True
    """
    _rng[0] = np.random.default_rng(seed)


def _shape_of(shape: tuple[Any, ...]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], Sequence):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def _check_range(low: float, high: float, d: dtype) -> None:
    if math.isnan(low) or math.isnan(high):
        raise ValueError(f"`low` and `high` cannot be NaN, but got low={low} and high={high}")
    if d.category == _INT and low == high:
        raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
    if low > high or (math.isinf(low) and low == high):
        raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")


def _integers(rng: np.random.Generator, shape: tuple[int, ...], d: dtype, low: Any, high: Any) -> Any:
    info = np.iinfo(d.numpy_dtype)
    default_low = -9 if d.is_signed else 0
    lo = default_low if low is None else low
    hi = 10 if high is None else high
    _check_range(lo, hi, d)
    lo = max(math.ceil(lo), int(info.min))
    hi = min(math.ceil(hi), int(info.max))
    if hi <= lo:
        hi = lo + 1
    return np.asarray(rng.integers(lo, hi, size=shape, dtype=np.int64, endpoint=False)).astype(d.numpy_dtype)


def _floats(rng: np.random.Generator, shape: tuple[int, ...], d: dtype, low: Any, high: Any) -> Any:
    lo = -9 if low is None else low
    hi = 9 if high is None else high
    _check_range(lo, hi, d)
    lo, hi = float(lo), float(hi)
    real = d.to_real()
    limit = float(np.finfo(np.float32 if real.name == "bfloat16" else real.numpy_dtype).max)
    if real.name == "bfloat16":
        limit = 3.3895313892515355e38
    lo, hi = max(lo, -limit), min(hi, limit)
    if lo == hi:
        return np.full(shape, lo, dtype=np.float64)
    return np.asarray(rng.uniform(lo, hi, size=shape))


def make_tensor(
    *shape: Any,
    dtype: dtype,
    device: DeviceLike | None,
    low: float | None = None,
    high: float | None = None,
    requires_grad: bool = False,
    noncontiguous: bool = False,
    exclude_zero: bool = False,
) -> Tensor:
    """A tensor of ``shape`` filled with random values, as ``torch.testing.make_tensor``.

    Values are drawn uniformly from ``[low, high)``, by default ``[-9, 9)``
    for floating and complex dtypes (real and imaginary parts each),
    ``[-9, 10)`` for signed integers and ``[0, 10)`` for unsigned ones, clamped to
    what the dtype can hold; bools are random. ``noncontiguous`` returns a
    view with gaps (every other element of a buffer twice as long in the
    last dimension); ``exclude_zero`` replaces zeros with the smallest
    positive value of the dtype (1 for integers).

    Args:
        *shape: sizes, or a single sequence of sizes.
        dtype: the dtype of the result.
        device: where to create it.
        low: inclusive lower bound of the values.
        high: exclusive upper bound of the values.
        requires_grad: set ``requires_grad`` on the result.
        noncontiguous: make the result a non-contiguous view (when it has more than one element).
        exclude_zero: make sure no element is zero.

    Raises:
        ValueError: ``low`` or ``high`` is NaN, or ``low`` is not below ``high``.

    Example:
        >>> import tocha
        >>> from tocha.testing import make_tensor
        >>> t = make_tensor(2, 3, dtype=tocha.float32, device="cpu", low=0, high=1, noncontiguous=True)
        >>> t.shape, t.is_contiguous(), all(0 <= v < 1 for row in t.tolist() for v in row)
        (tocha.Size([2, 3]), False, True)
    """
    from .._ops.creation import resolve_device

    size = _shape_of(shape)
    dev = resolve_device(device)
    rng = _rng[0]
    buffer_shape = size
    if noncontiguous and math.prod(size) > 1:
        buffer_shape = (*size[:-1], size[-1] * 2)
    if dtype.category == _BOOL:
        host = np.asarray(rng.integers(0, 2, size=buffer_shape)).astype(np.bool_)
    elif dtype.category == _INT:
        host = _integers(rng, buffer_shape, dtype, low, high)
        if exclude_zero:
            host[host == 0] = 1
    else:
        values = _floats(rng, buffer_shape, dtype, low, high)
        if dtype.category == _COMPLEX:
            values = values + 1j * _floats(rng, buffer_shape, dtype, low, high)
        host = values.astype(dtype.numpy_dtype)
        if exclude_zero:
            tiny = np.finfo(np.float32 if dtype.name == "bfloat16" else dtype.to_real().numpy_dtype).tiny
            host[host == 0] = tiny
    host = np.asarray(host)  # NumPy returns scalars, not 0-dim arrays, for size=()
    if dev is not CPU:
        host = get_backend(dev.type).from_host(host, dev.index)
    t = wrap(host[..., ::2] if buffer_shape != size else host, dev)
    if requires_grad:
        t.requires_grad_(True)
    return t
