"""Antialiased resizing: ``interpolate(..., antialias=True)`` for bilinear, bicubic and lanczos (4-D input).

NOTE [ Antialiased resize ]
The resize is separable, as Pillow's: each spatial dim is resampled in turn, output ``i`` taking the input
pixels under a filter centred on the input coordinate ``center = scale (i + 0.5)``:

- ``scale`` is PyTorch's ``area_pixel_compute_scale``: ``(in - 1) / (out - 1)`` with ``align_corners``
  (0 for one output), else ``1 / scale_factor`` when a scale factor was given, else ``in / out``;
- downsampling (``scale >= 1``) stretches the filter by ``scale`` (``support = radius * scale``, taps
  ``filter((j - center + 0.5) / scale)``), which is what averages away the aliasing; upsampling uses the
  filter as it is;
- the taps span input pixels ``trunc(center - support + 0.5) .. trunc(center + support + 0.5) - 1``, clipped
  to the image, and are normalised to sum to 1 (so the image edges need no padding);
- filters: triangle (bilinear, radius 1), Keys cubic with ``a = -0.5`` (bicubic, radius 2: Pillow's, where
  the non-antialiased bicubic uses -0.75) and Lanczos-3 ``sinc(x) sinc(x / 3)`` (radius 3).

Each pass is a few gathers (``index_select``) times per-output weights, summed: tocha ops, so autograd needs
nothing more. The taps are computed in the input's precision, as PyTorch does. uint8 inputs follow Pillow's
fixed-point arithmetic, which PyTorch reproduces exactly: per dim, taps scaled by ``2^p`` and rounded to int16
(``p`` the largest precision keeping the largest tap below 2^15), ``(Σ tap * pixel + 2^(p-1)) >> p`` clamped to
[0, 255], the width pass before the height pass (through a uint8 image), in int32.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import tocha
from tocha import Tensor
from tocha.library import scalar_type_name

__all__: list[str] = []  # interpolate(..., antialias=True) is the public entry

_RADIUS = {"bilinear": 1.0, "bicubic": 2.0, "lanczos": 3.0}
_KEYS_A = -0.5


def _triangle(x: Any) -> Any:
    return np.maximum(1.0 - np.abs(x), 0.0)


def _keys_cubic(x: Any) -> Any:
    x = np.abs(x)
    near = ((_KEYS_A + 2.0) * x - (_KEYS_A + 3.0)) * x * x + 1.0
    far = ((_KEYS_A * x - 5.0 * _KEYS_A) * x + 8.0 * _KEYS_A) * x - 4.0 * _KEYS_A
    return np.where(x < 1.0, near, np.where(x < 2.0, far, 0.0))


def _lanczos3(x: Any) -> Any:
    inside = np.abs(x) < 3.0
    return np.where(inside, np.sinc(x) * np.sinc(x / 3.0), 0.0)


_FILTERS: dict[str, Callable[[Any], Any]] = {"bilinear": _triangle, "bicubic": _keys_cubic, "lanczos": _lanczos3}


def _scale(in_size: int, out_size: int, align_corners: bool, factor: float | None) -> float:
    if align_corners:
        return (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
    if factor is not None and factor > 0:
        return 1.0 / factor
    return in_size / out_size


def resize_taps(
    in_size: int,
    out_size: int,
    mode: str,
    align_corners: bool,
    factor: float | None,
    precision: Any,
    antialias: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """One dim's taps (see the NOTE): output ``i`` is ``Σₖ values[i, k] * input[first[i] + k]``.

    ``values`` is ``(out_size, width)`` in float64, normalised, 0 past each row's window (whose positions
    ``first + k`` may then pass the input's end); ``precision`` is the NumPy float type the taps' positions are
    computed in (the input's, as PyTorch). Without ``antialias`` (uint8 bilinear) the filter keeps its width when
    downsampling, and ``align_corners`` shifts the sample positions by half a pixel.

    Example:
        >>> import numpy as np
        >>> from tocha.nn.functional._antialias import resize_taps
        >>> first, values = resize_taps(4, 2, "bilinear", False, None, np.float64)
        >>> first, values * 7
        (array([0, 1]), array([[3., 3., 1.],
               [1., 3., 3.]]))
    """
    real = np.dtype(precision).type
    scale = real(_scale(in_size, out_size, align_corners, factor))
    radius = real(_RADIUS[mode])
    stretch = antialias and scale >= 1.0
    support = radius * scale if stretch else radius
    inverse = real(1.0) / scale if stretch else real(1.0)
    half = real(0.5) - real(0.5 if align_corners and not antialias else 0.0)  # pixel centres, or corners
    center = scale * (np.arange(out_size, dtype=real) + half)
    first = np.maximum(np.trunc(center - support + real(1.0) - half), 0).astype(np.int64)
    stop = np.minimum(np.trunc(center + support + real(1.0) - half).astype(np.int64), in_size)
    width = max(int((stop - first).max(initial=0)), 1)
    taps = first[:, None] + np.arange(width)[None, :]
    valid = taps < stop[:, None]
    offsets = (taps.astype(real) - center[:, None] + half) * inverse
    values = np.where(valid, _FILTERS[mode](offsets.astype(np.float64)), 0.0).astype(real).astype(np.float64)
    totals = values.sum(axis=1, keepdims=True)
    return first, np.divide(values, totals, out=np.zeros_like(values), where=totals != 0)


def _fixed_point(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Pillow's int16 taps: the largest precision ``p < 22`` with ``round(max tap * 2^(p+1)) < 2^15``."""
    largest = float(values.max(initial=0.0))
    precision = 0
    while precision < 22 and int(0.5 + largest * (1 << (precision + 1))) < (1 << 15):
        precision += 1
    scaled = values * (1 << precision)
    return np.where(scaled < 0, np.trunc(scaled - 0.5), np.trunc(scaled + 0.5)).astype(np.int32), precision


def _resample_leading(x: Tensor, first: np.ndarray, values: np.ndarray) -> Tensor:
    """Σₖ values[:, k] * x[first + k] along dim 0 (a few taps, each a gather of whole rows)."""
    size = x.shape[0]
    shape = (len(first),) + (1,) * (x.dim() - 1)
    total: Tensor | None = None
    for k in range(values.shape[1]):
        positions = tocha.tensor(np.minimum(first + k, size - 1), device=x.device)
        weight = tocha.tensor(values[:, k].reshape(shape), dtype=x.dtype, device=x.device)
        term = x.index_select(0, positions) * weight
        total = term if total is None else total + term
    assert total is not None
    return total


def _separable(x: Tensor, taps: tuple[tuple[np.ndarray, np.ndarray], ...]) -> Tensor:
    """Both passes, each with the resampled dim leading, so that its gathers copy whole rows. A shrinking height
    pass goes first, on the input as it lies (no transpose); otherwise the width pass, so that the transposes
    move the smaller image."""
    height, width = taps
    if len(height[0]) <= x.shape[2]:
        rows = _resample_leading(x.movedim(2, 0), *height).movedim(0, 2)  # (N, C, H', W)
        rows = _resample_leading(rows.permute(3, 0, 1, 2).contiguous(), *width)  # (W', N, C, H')
        return rows.permute(1, 2, 3, 0)
    rows = _resample_leading(x.permute(3, 0, 1, 2).contiguous(), *width)  # (W', N, C, H)
    rows = _resample_leading(rows.permute(3, 1, 2, 0).contiguous(), *height)  # (H', N, C, W')
    return rows.permute(1, 2, 0, 3)


def _resize_uint8(input: Tensor, taps: tuple[tuple[np.ndarray, np.ndarray], ...]) -> Tensor:
    height, width = taps
    # (W, N, C, H), transposed as bytes; int32 sums stay below 255 * 2^15 * taps
    rows = _fixed_point_pass(input.permute(3, 0, 1, 2).contiguous().to(tocha.int32), width)
    rows = rows.to(tocha.uint8).permute(3, 1, 2, 0).contiguous()  # (H, N, C, W'): width first, as Pillow
    return _fixed_point_pass(rows.to(tocha.int32), height).to(tocha.uint8).permute(1, 2, 0, 3)


def _fixed_point_pass(rows: Tensor, taps: tuple[np.ndarray, np.ndarray]) -> Tensor:
    first, values = taps
    if values.shape == (rows.shape[0], 1) and (first == np.arange(len(first))).all():
        return rows  # the identity
    fixed, precision = _fixed_point(values)
    total = _resample_leading(rows, first, fixed)
    if precision:
        total = (total + (1 << (precision - 1))) >> precision
    return total.clamp_(0, 255)


def bilinear_uint8(
    input: Tensor, out: tuple[int, ...], factors: tuple[float | None, ...], align_corners: bool
) -> Tensor:
    """``interpolate(mode="bilinear")`` of a 4-D uint8 image: the fixed-point passes with the plain triangle, as
    PyTorch (bit for bit).

    Example:
        >>> import tocha
        >>> from tocha.nn.functional._antialias import bilinear_uint8
        >>> bilinear_uint8(tocha.tensor([[[[0, 100]]]], dtype=tocha.uint8), (1, 4), (None, None), False)
        tensor([[[[  0,  25,  75, 100]]]], dtype=tocha.uint8)
    """
    height, width = (
        resize_taps(int(n), o, "bilinear", align_corners, f, np.float64, antialias=False)
        for n, o, f in zip(input.shape[2:], out, factors, strict=True)
    )
    return _resize_uint8(input, (height, width)).contiguous(memory_format=_memory_format(input))


def antialiased_resize(
    input: Tensor, out: tuple[int, ...], factors: tuple[float | None, ...], align_corners: bool, mode: str
) -> Tensor:
    """Resize 4-D ``input`` to the spatial size ``out`` with an antialiasing ``mode`` filter (see the NOTE).

    Example:
        >>> import tocha
        >>> from tocha.nn.functional._antialias import antialiased_resize
        >>> antialiased_resize(tocha.arange(4.0).reshape(1, 1, 1, 4), (1, 2), (None, None), False, "bilinear")
        tensor([[[[0.7143, 2.2857]]]])
    """
    if input.dtype == tocha.uint8:
        precision: Any = np.float64
    elif input.is_floating_point():
        precision = np.float64 if input.dtype == tocha.float64 else np.float32
    else:
        raise RuntimeError(f"\"upsample_{mode}2d_aa\" not implemented for '{scalar_type_name(input.dtype)}'")
    height, width = (
        resize_taps(int(n), o, mode, align_corners, f, precision)
        for n, o, f in zip(input.shape[2:], out, factors, strict=True)
    )
    if input.dtype == tocha.uint8:
        result = _resize_uint8(input, (height, width))
    else:
        result = _separable(input, (height, width))
    return result.contiguous(memory_format=_memory_format(input))


def _memory_format(input: Tensor) -> Any:
    if input.dim() == 4 and input.is_contiguous(memory_format=tocha.channels_last) and not input.is_contiguous():
        return tocha.channels_last
    return tocha.contiguous_format
