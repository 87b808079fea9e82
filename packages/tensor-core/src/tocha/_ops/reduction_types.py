"""Named result tuples of the reductions that return several tensors, like ``torch.return_types``.

Each is a ``NamedTuple`` (so it unpacks as ``values, indices = x.max(1)``)
printed as PyTorch prints its own: ``tocha.return_types.max(values=..., indices=...)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = [
    "max",
    "min",
    "aminmax",
    "cummax",
    "cummin",
    "median",
    "nanmedian",
    "mode",
]


def _repr(self: Any) -> str:
    fields = ",\n".join(f"{name}={value!r}" for name, value in zip(self._fields, self, strict=True))
    return f"tocha.return_types.{type(self).__name__}(\n{fields})"


class max(NamedTuple):
    """``(values, indices)`` of :func:`tocha.max` along a dim."""

    values: Tensor
    indices: Tensor


class min(NamedTuple):
    """``(values, indices)`` of :func:`tocha.min` along a dim."""

    values: Tensor
    indices: Tensor


class aminmax(NamedTuple):
    """``(min, max)`` of :func:`tocha.aminmax`."""

    min: Tensor
    max: Tensor


class cummax(NamedTuple):
    """``(values, indices)`` of :func:`tocha.cummax`."""

    values: Tensor
    indices: Tensor


class cummin(NamedTuple):
    """``(values, indices)`` of :func:`tocha.cummin`."""

    values: Tensor
    indices: Tensor


class median(NamedTuple):
    """``(values, indices)`` of :func:`tocha.median` along a dim."""

    values: Tensor
    indices: Tensor


class nanmedian(NamedTuple):
    """``(values, indices)`` of :func:`tocha.nanmedian` along a dim."""

    values: Tensor
    indices: Tensor


class mode(NamedTuple):
    """``(values, indices)`` of :func:`tocha.mode`."""

    values: Tensor
    indices: Tensor


for _cls in (max, min, aminmax, cummax, cummin, median, nanmedian, mode):
    _cls.__repr__ = _repr  # type: ignore[method-assign,assignment]
    _cls.__module__ = "tocha.return_types"
del _cls
