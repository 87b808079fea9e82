"""tocha.nn.functional: interpolate / upsample, grid_sample, affine_grid.

NOTE [ Interpolation as separable linear maps ]
Every ``interpolate`` mode is separable: along each spatial axis the output is a fixed linear combination of
the input samples (nearest picks one, linear two, bicubic four with clamped taps, area averages an adaptive
window). For linear and bicubic modes the forward applies one small ``(out, in)`` weight matrix per axis with
``matmul`` (``apply_matrices`` in ``_pooling.py``); nearest modes index with ``take`` instead (any dtype). Each
forward op has a ``*_backward`` op applying the transposed matrices, and the two are each other's vjp, so
gradients of every order work. The matrices are built once per (sizes, scale, option, dtype) with the source
coordinates PyTorch uses, in the input's precision. ``area`` is ``adaptive_avg_pool``.

``grid_sample`` and ``affine_grid`` are composites of tocha ops (indexing, floor, clamp, arithmetic), so their
gradients with respect to both the input and the grid come from autograd.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Sequence
from itertools import product
from typing import Any

import numpy as np

import tocha
from tocha import Tensor
from tocha.library import OpRecord, call, register_op, scalar_type_name

from . import _pooling
from ._antialias import antialiased_resize, bilinear_uint8
from ._pooling import apply_matrices

__all__ = [
    "interpolate",
    "upsample",
    "upsample_nearest",
    "upsample_bilinear",
    "grid_sample",
    "affine_grid",
]

_A = -0.75  # PyTorch's bicubic convolution coefficient


# ------------------------------------------------------------------ source coordinates


def _scale_value(dtype: Any, scale: float | None, n_in: int, n_out: int) -> Any:
    if scale is not None and scale > 0:
        return dtype.type(1.0 / scale)
    return dtype.type(n_in) / dtype.type(n_out)


def _source(dtype: Any, n_in: int, n_out: int, scale: float | None, align_corners: bool, cubic: bool) -> Any:
    """PyTorch's source coordinate of every output position (linear and cubic modes), in ``dtype``."""
    dst = np.arange(n_out, dtype=dtype)
    if align_corners:
        step = dtype.type((n_in - 1) / (n_out - 1)) if n_out > 1 else dtype.type(0)
        return step * dst
    src = _scale_value(dtype, scale, n_in, n_out) * (dst + dtype.type(0.5)) - dtype.type(0.5)
    return src if cubic else np.maximum(src, dtype.type(0))


@functools.lru_cache(maxsize=256)
def _nearest_index(n_in: int, n_out: int, scale: float | None, exact: bool) -> np.ndarray[Any, Any] | None:
    """Input position read by each output position (None: the identity)."""
    if n_in == n_out:
        return None
    f32 = np.dtype(np.float32)
    s = _scale_value(f32, scale, n_in, n_out)
    dst = np.arange(n_out, dtype=np.float32)
    src = np.floor((dst + np.float32(0.5)) * s) if exact else np.floor(dst * s)
    if not exact and n_out == 2 * n_in:
        src = np.arange(n_out) >> 1
    index: np.ndarray[Any, Any] = np.minimum(src.astype(np.int64), n_in - 1)
    return index


@functools.lru_cache(maxsize=256)
def _matrix(kind: str, n_in: int, n_out: int, scale: float | None, option: bool, dtype_name: str) -> Any:
    """The ``(n_out, n_in)`` interpolation matrix of one axis (None: the identity)."""
    dtype = np.dtype(dtype_name)
    rows = np.arange(n_out)
    m = np.zeros((n_out, n_in), dtype=np.float64)
    if kind == "nearest":
        idx = _nearest_index(n_in, n_out, scale, option)
        if idx is None:
            return None
        m[rows, idx] = 1.0
    elif kind == "linear":
        if n_in == n_out and (option or scale is None or scale == 1.0):
            return None
        src = _source(dtype, n_in, n_out, scale, option, False)
        i0 = src.astype(np.int64)
        i1 = np.minimum(i0 + 1, n_in - 1)
        lam1 = src - i0.astype(dtype)
        lam0 = dtype.type(1) - lam1
        np.add.at(m, (rows, i0), lam0)
        np.add.at(m, (rows, i1), lam1)
    else:
        src = _source(dtype, n_in, n_out, scale, option, True)
        i0 = np.floor(src)
        t = src - i0
        coeffs = (_cubic2(t + 1), _cubic1(t), _cubic1(1 - t), _cubic2(2 - t))
        for k, c in enumerate(coeffs):
            np.add.at(m, (rows, np.clip(i0.astype(np.int64) - 1 + k, 0, n_in - 1)), c)
    return m.astype(dtype)


def _cubic1(x: Any) -> Any:
    return ((_A + 2) * x - (_A + 3)) * x * x + 1


def _cubic2(x: Any) -> Any:
    return ((_A * x - 5 * _A) * x + 8 * _A) * x - 4 * _A


def _mats(xp: Any, kind: str, dtype: Any, spatial: Sequence[int], out: Sequence[int], scales: Sequence[Any],
          option: bool) -> list[Any]:  # fmt: skip
    found = [_matrix(kind, n, o, s, option, np.dtype(dtype).name) for n, o, s in zip(spatial, out, scales, strict=True)]
    return [None if m is None else xp.asarray(m) for m in found]


# ------------------------------------------------------------------ ops


def _resample_forward(kind: str) -> Any:
    def forward(xp: Any, x: Any, out: tuple[int, ...], scales: tuple[Any, ...], option: bool) -> Any:
        nd = len(out)
        spatial = x.shape[-nd:]
        if kind == "nearest":
            y = x
            for a, (n, o, s) in enumerate(zip(spatial, out, scales, strict=True)):
                idx = _nearest_index(n, o, s, option)
                if idx is not None:
                    y = xp.take(y, xp.asarray(idx), axis=x.ndim - nd + a)
        else:
            y = apply_matrices(xp, x, _mats(xp, kind, x.dtype, spatial, out, scales, option), False)
        return y.copy() if y is x else y

    return forward


def _resample_backward_forward(kind: str) -> Any:
    def forward(xp: Any, grad: Any, spatial: tuple[int, ...], out: tuple[int, ...], scales: tuple[Any, ...],
                option: bool) -> Any:  # fmt: skip
        y = apply_matrices(xp, grad, _mats(xp, kind, grad.dtype, spatial, out, scales, option), True)
        return y.copy() if y is grad else y

    return forward


def _register_pair(kind: str, name: str) -> tuple[OpRecord, OpRecord]:
    def vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
        out = ctx.params[0]
        spatial = tuple(ctx.input_shapes[0][-len(out) :])
        return (call(backward, grad.device, (grad,), (spatial, *ctx.params)),)

    def backward_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
        return (call(forward, grad.device, (grad,), tuple(ctx.params[1:])),)

    # fp_errors: matmul's spurious FPU flags, as the adaptive pools in _pooling.py
    forward = register_op(OpRecord(name=name, forward=_resample_forward(kind), vjp=vjp, fp_errors=True))
    backward = register_op(
        OpRecord(name=f"{name}_backward", forward=_resample_backward_forward(kind), vjp=backward_vjp, fp_errors=True)
    )
    return forward, backward


UPSAMPLE_NEAREST, UPSAMPLE_NEAREST_BACKWARD = _register_pair("nearest", "upsample_nearest")
UPSAMPLE_LINEAR, UPSAMPLE_LINEAR_BACKWARD = _register_pair("linear", "upsample_linear")
UPSAMPLE_BICUBIC, UPSAMPLE_BICUBIC_BACKWARD = _register_pair("cubic", "upsample_bicubic")

_MODES = "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact"
_LINEAR_RANK = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}


# ------------------------------------------------------------------ interpolate


def _output_size(input: Tensor, size: Any, scale_factor: Any, recompute: bool | None,
                 mode: str) -> tuple[tuple[int, ...], tuple[float | None, ...]]:  # fmt: skip
    dim = input.dim() - 2
    spatial = list(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got input with spatial "
                    f"dimensions of {spatial} and output size of {size}. Please provide input tensor in (N, C, d1, "
                    "d2, ...,dK) format and output size in (o1, o2, ...,oK) format."
                )
            sizes = tuple(int(s) for s in size)
        else:
            sizes = (int(size),) * dim
        if recompute:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        return sizes, (None,) * dim
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if isinstance(scale_factor, (list, tuple)):
        if len(scale_factor) != dim:
            raise ValueError(
                "Input and scale_factor must have the same number of spatial dimensions, but got input with spatial "
                f"dimensions of {spatial} and scale_factor of shape {scale_factor}. Please provide input tensor in "
                "(N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format."
            )
        factors = tuple(float(s) for s in scale_factor)
    else:
        factors = (float(scale_factor),) * dim
    sizes = tuple(math.floor(float(n) * s) for n, s in zip(spatial, factors, strict=True))
    if mode == "area" or recompute:
        return sizes, (None,) * dim
    return sizes, factors


def interpolate(
    input: Tensor,
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resize ``(N, C, *spatial)`` to ``size`` or by ``scale_factor``.

    Modes: ``nearest`` (``src = floor(dst * in / out)``), ``nearest-exact`` (``floor((dst + 0.5) * in / out)``),
    ``linear`` / ``bilinear`` / ``trilinear`` (3-D / 4-D / 5-D inputs), ``bicubic`` (4-D, PyTorch's ``A = -0.75``
    kernel) and ``area`` (adaptive average pooling). With ``align_corners`` the corner pixels' centres are
    matched (``src = dst * (in - 1) / (out - 1)``); otherwise ``src = (dst + 0.5) * in / out - 0.5``, where a
    given ``scale_factor`` replaces ``out / in`` unless ``recompute_scale_factor``.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.interpolate(tocha.tensor([[[1.0, 2.0]]]), scale_factor=2, mode="linear")
        tensor([[[1.0000, 1.2500, 1.7500, 2.0000]]])
    """
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError(
                "align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | "
                "trilinear"
            )
    elif align_corners is None:
        align_corners = False
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.dim() == 4):
        raise ValueError(
            "Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a 4-D tensor as input"
        )
    if (
        input.dim() not in (3, 4, 5)
        or mode not in ("nearest", "nearest-exact", "area", "lanczos", *_LINEAR_RANK)
        or (mode == "lanczos" and input.dim() != 4)
    ):
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) for the modes: {_MODES} "
            f"(got {mode})"
        )
    if mode == "lanczos":
        if not antialias:
            raise ValueError("Lanczos mode requires antialias=True")
        if align_corners:
            raise ValueError("Lanczos mode does not support align_corners=True")
    out, scales = _output_size(input, size, scale_factor, recompute_scale_factor, mode)
    if mode == "area":
        pools = {3: _pooling.adaptive_avg_pool1d, 4: _pooling.adaptive_avg_pool2d, 5: _pooling.adaptive_avg_pool3d}
        return pools[input.dim()](input, out)
    if any(o <= 0 for o in out):
        raise RuntimeError(
            f"Input and output sizes should be greater than 0, but got input ({', '.join(map(str, input.shape[2:]))})"
            f" and output ({', '.join(map(str, out))})"
        )
    if antialias:
        return antialiased_resize(input, out, scales, bool(align_corners), mode)
    if mode in ("nearest", "nearest-exact"):
        return call(UPSAMPLE_NEAREST, input.device, (input,), (out, scales, mode == "nearest-exact"))  # type: ignore[no-any-return]
    if input.dim() != _LINEAR_RANK[mode]:
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs {_LINEAR_RANK[mode]}D input")
    if input.dtype == tocha.uint8 and mode == "bilinear":
        return bilinear_uint8(input, out, scales, bool(align_corners))
    if not input.is_floating_point():
        name = scalar_type_name(input.dtype)
        raise RuntimeError(f"\"upsample_{mode}{input.dim() - 2}d\" not implemented for '{name}'")
    op = UPSAMPLE_BICUBIC if mode == "bicubic" else UPSAMPLE_LINEAR
    return call(op, input.device, (input,), (out, scales, bool(align_corners)))  # type: ignore[no-any-return]


def upsample(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:  # fmt: skip
    """Deprecated alias of :func:`interpolate` (warns, as PyTorch does).

    Example:
        >>> import warnings
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     F.upsample(tocha.tensor([[[1.0, 2.0]]]), scale_factor=2)
        tensor([[[1., 1., 2., 2.]]])
    """
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """Deprecated: ``interpolate(input, size, scale_factor, mode="nearest")``.

    Example:
        >>> import warnings
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     F.upsample_nearest(tocha.tensor([[[1.0, 2.0]]]), 4)
        tensor([[[1., 1., 2., 2.]]])
    """
    warnings.warn(
        "`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2
    )
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """Deprecated: ``interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)``.

    Example:
        >>> import warnings
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     F.upsample_bilinear(tocha.tensor([[[[0.0, 2.0]]]]), (1, 3))
        tensor([[[[0., 1., 2.]]]])
    """
    warnings.warn(
        "`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2
    )
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ------------------------------------------------------------------ grid_sample


_ALIGN_WARNING = (
    "Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. Please specify "
    "align_corners=True if the old behavior is desired. See the documentation of grid_sample for details."
)


def _unnormalize(coord: Tensor, size: int, align_corners: bool) -> Tensor:
    if align_corners:
        return (coord + 1) * ((size - 1) / 2)
    return ((coord + 1) * size - 1) / 2


def _reflect(coord: Tensor, twice_low: int, twice_high: int) -> Tensor:
    if twice_low == twice_high:
        return coord * 0
    low = twice_low / 2
    span = (twice_high - twice_low) / 2
    c = (coord - low).abs()
    extra = tocha.fmod(c, span)
    flips = tocha.floor(c / span)
    even = tocha.fmod(flips, 2) == 0
    reflected: Tensor = tocha.where(even, extra + low, span - extra + low)
    return reflected


def _pad_coord(coord: Tensor, size: int, padding_mode: str, align_corners: bool) -> Tensor:
    if padding_mode == "border":
        return coord.clamp(0, size - 1)
    if padding_mode == "reflection":
        if align_corners:
            coord = _reflect(coord, 0, 2 * (size - 1))
        else:
            coord = _reflect(coord, -1, 2 * size - 1)
        return coord.clamp(0, size - 1)
    return coord


def _sample(flat: Tensor, coords: Sequence[Tensor], sizes: Sequence[int], batch: Tensor) -> tuple[Tensor, Tensor]:
    """Values of ``flat`` (N*prod(sizes), C) at integer ``coords`` (zeros outside) and the validity mask."""
    valid: Tensor | None = None
    index = batch
    for c, n in zip(coords, sizes, strict=True):
        ok = (c >= 0) & (c <= n - 1)
        valid = ok if valid is None else valid & ok
        index = index * n + c.clamp(0, n - 1).to(tocha.int64)
    assert valid is not None
    return flat[index], valid


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: bool | None = None) -> Tensor:  # fmt: skip
    """Sample ``input`` (N, C, H, W) at the normalised locations ``grid`` (N, H_out, W_out, 2), in ``[-1, 1]``.

    ``grid[..., 0]`` is x (width), ``grid[..., 1]`` is y; a 5-D input takes a (N, D, H, W, 3) grid.
    ``mode``: ``bilinear`` (trilinear in 5-D), ``nearest`` (round half to even) or ``bicubic`` (4-D only);
    ``padding_mode``: ``zeros``, ``border`` (clamp) or ``reflection``. ``align_corners`` maps -1 and 1 to the
    corner pixels' centres (otherwise to their outer edges). Differentiable in ``input`` and ``grid``.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> x = tocha.arange(4.0).reshape(1, 1, 2, 2)
        >>> F.grid_sample(x, tocha.zeros(1, 1, 1, 2), align_corners=False)
        tensor([[[[1.5000]]]])
    """
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(
            f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: '{mode}'"
        )
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(
            "nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or 'reflection', "
            f"but got: '{padding_mode}'"
        )
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    nd = input.dim() - 2
    if nd not in (2, 3) or grid.dim() != input.dim():
        raise RuntimeError(
            f"grid_sampler(): expected 4D or 5D input and grid with same number of dimensions, but got input with "
            f"sizes {list(input.shape)} and grid with sizes {list(grid.shape)}"
        )
    if grid.shape[0] != input.shape[0] or grid.shape[-1] != nd:
        raise RuntimeError(
            f"grid_sampler(): expected grid to have size {nd} in last dimension and the same batch size as input, "
            f"but got input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}"
        )
    if mode == "bicubic" and nd != 2:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    n, c = int(input.shape[0]), int(input.shape[1])
    sizes = tuple(int(s) for s in input.shape[2:])
    out = tuple(int(s) for s in grid.shape[1:-1])
    # (N * prod(sizes), C): one row per input pixel, read with a flat index
    flat = input.reshape(n, c, -1).transpose(1, 2).reshape(-1, c)
    batch = tocha.arange(n, device=input.device).reshape((n,) + (1,) * nd)
    # grid's last axis is (x, y[, z]): reverse it to the input's axis order (.., H, W)
    coords = [_unnormalize(grid[..., nd - 1 - a], sizes[a], align_corners) for a in range(nd)]
    result: Tensor | None = None
    if mode == "bicubic":
        floors = [tocha.floor(x).detach() for x in coords]
        weights = []
        for x, f in zip(coords, floors, strict=True):
            t = x - f
            weights.append((_cubic2(t + 1), _cubic1(t), _cubic1(1 - t), _cubic2(2 - t)))
        for taps in product(range(4), repeat=nd):
            pos = [
                tocha.trunc(_pad_coord(f + (k - 1), s, padding_mode, align_corners))
                for f, k, s in zip(floors, taps, sizes, strict=True)
            ]
            values, valid = _sample(flat, pos, sizes, batch)
            w = math.prod(weights[a][k] for a, k in enumerate(taps)) * valid
            term = values * w.unsqueeze(-1)
            result = term if result is None else result + term
    else:
        coords = [_pad_coord(x, s, padding_mode, align_corners) for x, s in zip(coords, sizes, strict=True)]
        if mode == "nearest":
            values, valid = _sample(flat, [tocha.round(x).detach() for x in coords], sizes, batch)
            result = values * valid.unsqueeze(-1)
            if grid.requires_grad:  # PyTorch gives the grid a zero gradient here, not None
                zero = coords[0] * 0
                for x in coords[1:]:
                    zero = zero + x * 0
                result = result + zero.unsqueeze(-1)
        else:
            lows = [tocha.floor(x).detach() for x in coords]
            for corner in product((0, 1), repeat=nd):
                pos = [low + k for low, k in zip(lows, corner, strict=True)]
                w = math.prod(
                    (x - low) if k else (1 - (x - low)) for x, low, k in zip(coords, lows, corner, strict=True)
                )
                values, valid = _sample(flat, pos, sizes, batch)
                term = values * (w * valid).unsqueeze(-1)
                result = term if result is None else result + term
    assert result is not None
    return result.movedim(-1, 1).reshape((n, c, *out))


# ------------------------------------------------------------------ affine_grid


def _base_coords(size: int, align_corners: bool, like: Tensor) -> Tensor:
    if size == 1:
        return tocha.zeros(1, dtype=like.dtype, device=like.device)
    line = tocha.linspace(-1.0, 1.0, size, dtype=like.dtype, device=like.device)
    return line if align_corners else line * ((size - 1) / size)


def affine_grid(theta: Tensor, size: Sequence[int], align_corners: bool | None = None) -> Tensor:
    """The sampling grid of the affine maps ``theta`` (N, 2, 3) or (N, 3, 4) for output ``size`` (N, C, H, W[, D]).

    ``grid[n, h, w] = theta[n] @ (x_w, y_h, 1)`` with ``x``, ``y`` spaced evenly in ``[-1, 1]`` (pixel centres
    when ``align_corners`` is False). Feed it to :func:`grid_sample`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> theta = tocha.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
        >>> F.affine_grid(theta, (1, 1, 2, 2), align_corners=True)
        tensor([[[[-1., -1.],
                  [ 1., -1.]],
        <BLANKLINE>
                 [[-1.,  1.],
                  [ 1.,  1.]]]])
    """
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = tuple(int(s) for s in size)
    if len(size) == 4:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ValueError(
                f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. Got {tuple(theta.shape)}."
            )
    elif len(size) == 5:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (3, 4):
            raise ValueError(
                f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {size}. Got {tuple(theta.shape)}."
            )
    else:
        raise NotImplementedError(
            "affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, respectively. "
            f"Got size {size}."
        )
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if align_corners and min(size[2:]) == 1:
        warnings.warn(
            "Since version 1.3.0, affine_grid behavior has changed for unit-size grids when align_corners=True. "
            "This is not an intended use case of affine_grid. See the documentation of affine_grid for details.",
            stacklevel=2,
        )
    spatial = size[2:]
    nd = len(spatial)
    lines = [_base_coords(s, align_corners, theta) for s in spatial]
    # base[..., 0] is x (the last axis), then y (, z), then 1
    parts = []
    for a in range(nd):
        axis = nd - 1 - a
        shape = [1] * nd
        shape[axis] = spatial[axis]
        parts.append(lines[axis].reshape(shape).expand(*spatial))
    parts.append(tocha.ones(*spatial, dtype=theta.dtype, device=theta.device))
    base = tocha.stack(parts, dim=-1).reshape(1, -1, nd + 1)
    grid = base @ theta.transpose(1, 2)
    return grid.reshape((size[0], *spatial, nd))
