"""``scaled_mm``: the product of two float8 matrices with their decoding scales, as PyTorch computes it on a CPU.

NOTE [ Scaled matmul ]
A float8 matrix stores ``value / scale`` (the scale chosen so its values fill float8's range); ``scaled_mm``
multiplies two of them and undoes the scaling. PyTorch's CPU kernel, and tocha, take the two recipes its CPU
kernel takes: ``TensorWise`` (one float32 scale per matrix) and ``RowWise`` (``scale_a`` of shape ``(M, 1)``,
``scale_b`` of shape ``(1, N)``), and compute ``((a.float() * scale_a) @ (b.float() * scale_b) + bias)`` in
float32, converted once to ``output_dtype`` (the same values, bit for bit, for the same float32 product). The
block-wise recipes of the MX formats and DeepSeek's 128-blocks are CUDA kernels in PyTorch; the swizzles,
``contraction_dim`` and ``use_fast_accum`` select among those kernels and change nothing here.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any

import tocha
from tocha import Tensor

__all__ = ["ScalingType", "SwizzleType", "scaled_mm"]

_FLOAT8_DATA = (tocha.float8_e4m3fn, tocha.float8_e5m2, tocha.float8_e4m3fnuz, tocha.float8_e5m2fnuz)


class ScalingType(enum.Enum):
    """How a float8 operand of :func:`scaled_mm` was scaled (PyTorch's ``F.ScalingType``).

    Example:
        >>> import tocha.nn.functional as F
        >>> F.ScalingType.RowWise.value
        1
    """

    TensorWise = 0
    RowWise = 1
    BlockWise1x16 = 2
    BlockWise1x32 = 3
    BlockWise1x128 = 4
    BlockWise128x128 = 5


class SwizzleType(enum.Enum):
    """The memory layout of a block-wise scale (PyTorch's ``F.SwizzleType``).

    Example:
        >>> import tocha.nn.functional as F
        >>> F.SwizzleType.NO_SWIZZLE.name
        'NO_SWIZZLE'
    """

    NO_SWIZZLE = 0
    SWIZZLE_32_4_4 = 1


def _single(value: Any) -> Any:
    """A scale or recipe given alone or as a one-element list; None for a longer list."""
    if isinstance(value, Sequence) and not isinstance(value, Tensor):
        return value[0] if len(value) == 1 else None
    return value


def _valid_configuration(a: Tensor, b: Tensor, scale_a: Any, recipe_a: Any, scale_b: Any, recipe_b: Any) -> bool:
    if a.dtype not in _FLOAT8_DATA or b.dtype not in _FLOAT8_DATA:
        return False
    if not isinstance(scale_a, Tensor) or not isinstance(scale_b, Tensor):
        return False
    if scale_a.dtype is not tocha.float32 or scale_b.dtype is not tocha.float32:
        return False
    if recipe_a is ScalingType.TensorWise and recipe_b is ScalingType.TensorWise:
        return scale_a.numel() == 1 and scale_b.numel() == 1
    if recipe_a is ScalingType.RowWise and recipe_b is ScalingType.RowWise:
        return (
            tuple(scale_a.shape) == (a.shape[0], 1)
            and tuple(scale_b.shape) == (1, b.shape[1])
            and scale_a.is_contiguous()
            and scale_b.is_contiguous()
        )
    return False


def _configuration_error(a: Tensor, b: Tensor, scale_a: Any, scale_b: Any) -> ValueError:
    def described(name: str, scale: Any) -> str:
        if not isinstance(scale, Tensor):
            return f"{name}={type(scale).__name__}"
        dtype = tocha.library.scalar_type_name(scale.dtype)
        return f"{name}.dtype()={dtype}, {name}.size()={list(scale.shape)}, {name}.stride()={list(scale.stride())}"

    names = tocha.library.scalar_type_name
    return ValueError(
        "Invalid scaling configuration.\n"
        "- For TensorWise scaling, a and b should be float8, scales should be float and singletons.\n"
        f"- For RowWise scaling, a and b should be float8, scales should be float, scale_a should be "
        f"({a.shape[0]}, 1) and scale_b should be (1, {b.shape[1]}), and both should be contiguous.\n"
        f"Got mat_a.dtype()={names(a.dtype)}, {described('scale_a', scale_a)}, mat_b.dtype()={names(b.dtype)}, "
        f"{described('scale_b', scale_b)}"
    )


def scaled_mm(
    mat_a: Tensor,
    mat_b: Tensor,
    scale_a: Tensor | list[Tensor],
    scale_recipe_a: ScalingType | list[ScalingType],
    scale_b: Tensor | list[Tensor],
    scale_recipe_b: ScalingType | list[ScalingType],
    swizzle_a: SwizzleType | list[SwizzleType] | None = None,
    swizzle_b: SwizzleType | list[SwizzleType] | None = None,
    bias: Tensor | None = None,
    output_dtype: tocha.dtype | None = tocha.bfloat16,
    contraction_dim: Sequence[int] = (),
    use_fast_accum: bool = False,
) -> Tensor:
    """``mat_a @ mat_b`` for float8 matrices stored with decoding scales (NOTE [ Scaled matmul ]):
    ``(mat_a * scale_a) @ (mat_b * scale_b) + bias`` in float32, returned in ``output_dtype`` (``None``:
    ``mat_a``'s dtype).

    ``TensorWise`` scaling takes one float32 scale per matrix, ``RowWise`` scaling ``scale_a`` of shape
    ``(M, 1)`` and ``scale_b`` of shape ``(1, N)``; other configurations raise PyTorch's ValueError.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> a = tocha.full((2, 3), 2.0).to(tocha.float8_e4m3fn)
        >>> b = tocha.full((3, 2), 4.0).to(tocha.float8_e4m3fn)
        >>> F.scaled_mm(a, b, tocha.tensor(0.5), F.ScalingType.TensorWise, tocha.tensor(0.25),
        ...             F.ScalingType.TensorWise, output_dtype=tocha.float32)
        tensor([[3., 3.],
                [3., 3.]])
    """
    del swizzle_a, swizzle_b, contraction_dim, use_fast_accum  # kernel choices: NOTE [ Scaled matmul ]
    for name, mat in (("mat_a", mat_a), ("mat_b", mat_b)):
        if not isinstance(mat, Tensor):
            raise TypeError(f"scaled_mm(): argument '{name}' must be Tensor, not {type(mat).__name__}")
        if mat.dim() != 2:
            raise ValueError(f"{name} must be a matrix")
    if mat_a.shape[1] != mat_b.shape[0]:
        raise ValueError(
            f"mat_a and mat_b shapes cannot be multiplied ({mat_a.shape[0]}x{mat_a.shape[1]} and "
            f"{mat_b.shape[0]}x{mat_b.shape[1]})"
        )
    one_a, one_b = _single(scale_a), _single(scale_b)
    recipe_a, recipe_b = _single(scale_recipe_a), _single(scale_recipe_b)
    if not _valid_configuration(mat_a, mat_b, one_a, recipe_a, one_b, recipe_b):
        raise _configuration_error(mat_a, mat_b, one_a, one_b)
    if recipe_a is ScalingType.TensorWise:
        one_a, one_b = one_a.reshape(()), one_b.reshape(())
    product = tocha.matmul(mat_a.float() * one_a, mat_b.float() * one_b)
    if bias is not None:
        product = product + bias.float()
    return product.to(output_dtype if output_dtype is not None else mat_a.dtype)
