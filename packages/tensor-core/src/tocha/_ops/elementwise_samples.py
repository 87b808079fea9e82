"""Sample inputs of the elementwise ops whose calls the shared families (``"unary"``, ``"binary"``) cannot express.

Each function is an ``OpTest.samples`` callable ``(device, dtype) -> list of
SampleInput``; ``tocha.testing`` is imported only when a test asks for samples.
"""

from __future__ import annotations

from typing import Any

from .._dtype import dtype

__all__: list[str] = []


def _kit() -> tuple[Any, Any]:
    from ..testing import SampleInput, make_tensor

    return SampleInput, make_tensor


def _maker(device: Any, d: dtype, low: float | None = None, high: float | None = None) -> Any:
    _, make_tensor = _kit()
    if d.category == 0:
        low = high = None

    def make(*shape: int, noncontiguous: bool = False, lo: float | None = low, hi: float | None = high) -> Any:
        return make_tensor(*shape, dtype=d, device=device, low=lo, high=hi, noncontiguous=noncontiguous)

    return make


def div_trunc_samples(device: Any, d: dtype) -> list[Any]:
    """``div(a, b, rounding_mode='trunc')`` on same-shape, broadcast, 0-dim and scalar divisors."""
    sample_input, _ = _kit()
    make = _maker(device, d, 1, 9)
    trunc = {"rounding_mode": "trunc"}
    negative = make(3, 4, lo=-9, hi=9) if d.is_signed else make(3, 4)
    return [
        sample_input(negative, args=(make(3, 4),), kwargs=trunc, name="same-shape"),
        sample_input(make(3, 1), args=(make(4),), kwargs=trunc, name="broadcast"),
        sample_input(make(), args=(make(),), kwargs=trunc, name="0-dim"),
        sample_input(negative, args=(3,), kwargs=trunc, name="scalar"),
        sample_input(make(3, 4, noncontiguous=True), args=(make(3, 4),), kwargs=trunc, name="noncontiguous"),
    ]


def clamp_samples(device: Any, d: dtype) -> list[Any]:
    """clamp with number bounds, tensor bounds, one bound missing, and crossed bounds."""
    sample_input, _ = _kit()
    make = _maker(device, d)
    low, high = (2, 6) if d.name == "uint8" else (-3, 4)
    return [
        sample_input(make(3, 4), kwargs={"min": low, "max": high}, name="numbers"),
        sample_input(make(3, 4), kwargs={"min": low}, name="min-only"),
        sample_input(make(3, 4), kwargs={"max": high}, name="max-only"),
        sample_input(make(3, 4), kwargs={"min": make(4), "max": make(3, 1)}, name="tensor-bounds"),
        sample_input(make(3, 4), kwargs={"min": high, "max": low}, name="crossed"),
        sample_input(make(), kwargs={"min": low, "max": high}, name="0-dim"),
        sample_input(make(3, 4, noncontiguous=True), kwargs={"min": low, "max": high}, name="noncontiguous"),
    ]


def where_samples(device: Any, d: dtype) -> list[Any]:
    """where(condition, input, other) with tensors, broadcasting and a number."""
    sample_input, make_tensor = _kit()
    from .._dtype import bool as bool_

    make = _maker(device, d)

    def mask(*shape: int) -> Any:
        return make_tensor(*shape, dtype=bool_, device=device)

    number = make().item()
    return [
        sample_input(mask(3, 4), args=(make(3, 4), make(3, 4)), name="same-shape"),
        sample_input(mask(3, 1), args=(make(4), make(3, 4)), name="broadcast"),
        sample_input(mask(3, 4), args=(make(3, 4), number), name="scalar"),
        sample_input(mask(), args=(make(), make()), name="0-dim"),
        sample_input(mask(0, 3), args=(make(0, 3), make(0, 3)), name="empty"),
    ]


def lerp_samples(device: Any, d: dtype) -> list[Any]:
    """lerp with a number weight, a tensor weight and broadcasting."""
    sample_input, _ = _kit()
    make = _maker(device, d)
    weight = _maker(device, d, 0, 1)
    return [
        sample_input(make(3, 4), args=(make(3, 4), 0.25), name="scalar-weight"),
        sample_input(make(3, 4), args=(make(3, 4), weight(3, 4)), name="tensor-weight"),
        sample_input(make(3, 4), args=(make(4), weight(3, 1)), name="broadcast"),
        sample_input(make(), args=(make(), weight()), name="0-dim"),
        sample_input(make(3, 4, noncontiguous=True), args=(make(3, 4), 0.75), name="noncontiguous"),
    ]


def addc_samples(low: float | None) -> Any:
    """addcmul / addcdiv samples (``low`` keeps divisors away from zero)."""

    def samples(device: Any, d: dtype) -> list[Any]:
        sample_input, _ = _kit()
        make = _maker(device, d)
        divisor = _maker(device, d, low, None) if low is not None else make
        value = 2 if d.category <= 1 else 0.5
        return [
            sample_input(make(3, 4), args=(make(3, 4), divisor(3, 4)), name="same-shape"),
            sample_input(make(3, 4), args=(make(4), divisor(3, 1)), kwargs={"value": value}, name="broadcast"),
            sample_input(make(), args=(make(), divisor()), name="0-dim"),
            sample_input(make(3, 4, noncontiguous=True), args=(make(3, 4), divisor(3, 4)), name="noncontiguous"),
        ]

    return samples


def shift_samples(device: Any, d: dtype) -> list[Any]:
    """Shifts by amounts within the dtype's width, as tensors and as a number."""
    sample_input, make_tensor = _kit()
    make = _maker(device, d)
    width = d.itemsize * 8

    def amounts(*shape: int) -> Any:
        return make_tensor(*shape, dtype=d, device=device, low=0, high=min(width - 1, 7))

    return [
        sample_input(make(3, 4), args=(amounts(3, 4),), name="same-shape"),
        sample_input(make(3, 1), args=(amounts(4),), name="broadcast"),
        sample_input(make(3, 4), args=(2,), name="scalar"),
        sample_input(make(), args=(amounts(),), name="0-dim"),
    ]
