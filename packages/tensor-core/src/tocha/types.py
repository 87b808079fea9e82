"""``tocha.types``: the type aliases of ``torch.types``, for annotations in code ported from PyTorch.

tocha has no symbolic shapes, so the ``*LikeType`` aliases are the plain Python types.

Example:
    >>> import tocha
    >>> from tocha.types import Device, Number
    >>> def place(x: Number, device: Device = None) -> tocha.Tensor:
    ...     return tocha.tensor(x, device=device)
    >>> place(2.5)
    tensor(2.5000)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import IO, TypeAlias, Union

from . import _device as _device_module
from . import _dtype as _dtype_module
from . import _layout as _layout_module
from ._tensor import Tensor
from ._tensor_base import Size

__all__ = [
    "BoolLikeType",
    "Device",
    "FileLike",
    "FloatLikeType",
    "IntLikeType",
    "Number",
    "Tensor",
]

_device = _device_module.device
_dtype = _dtype_module.dtype
_layout = _layout_module.layout
_int = int
_float = float
_bool = bool
_complex = complex
_str = str
_bytes = bytes
_Number = (int, float, bool)

Number: TypeAlias = Union[int, float, bool]
Device: TypeAlias = Union[_device, str, int, None]
FileLike: TypeAlias = Union[str, "os.PathLike[str]", IO[bytes]]
IntLikeType: TypeAlias = int
FloatLikeType: TypeAlias = float
BoolLikeType: TypeAlias = bool
_size: TypeAlias = Union[Size, list[int], tuple[int, ...]]
_symsize: TypeAlias = Union[Size, Sequence[int]]
_TensorOrTensors: TypeAlias = Union[Tensor, Sequence[Tensor]]
_TensorOrOptionalTensors: TypeAlias = Union[Tensor, Sequence[Union[Tensor, None]]]
