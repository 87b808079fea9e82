"""``tocha.Tensor``: the data-holding base plus one method mixin per op family."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _device, _tensor_base
from ._ops.activation import ActivationMethods
from ._ops.complex_ops import ComplexMethods
from ._ops.creation import CreationMethods, tensor
from ._ops.dtype_info import DtypeInfoMethods
from ._ops.elementwise import ElementwiseMethods
from ._ops.indexing import IndexingMethods
from ._ops.linalg import LinalgMethods
from ._ops.linalg_compat import LinalgCompatMethods
from ._ops.linalg_functions import LinalgDecompMethods
from ._ops.math_extra import MathExtraMethods
from ._ops.misc_toplevel import MiscToplevelMethods
from ._ops.nn_functions import NnFunctionMethods
from ._ops.random import RandomMethods
from ._ops.reduction import ReductionMethods
from ._ops.scatter import ScatterMethods
from ._ops.shape import ShapeMethods
from ._ops.sorting import SortingMethods
from ._ops.special_ops import SpecialMethods
from ._ops.spectral import SpectralMethods
from ._ops.strided import StridedMethods
from ._storage import StorageMethods
from ._tensor_base import TensorBase
from ._typed_storage import TypedStorageMethods

__all__ = ["Tensor"]


class Tensor(
    TensorBase,
    CreationMethods,
    ElementwiseMethods,
    ReductionMethods,
    ShapeMethods,
    IndexingMethods,
    LinalgMethods,
    LinalgDecompMethods,
    RandomMethods,
    ScatterMethods,
    SortingMethods,
    SpecialMethods,
    ComplexMethods,
    MathExtraMethods,
    MiscToplevelMethods,
    ActivationMethods,
    DtypeInfoMethods,
    SpectralMethods,
    LinalgCompatMethods,
    StridedMethods,
    NnFunctionMethods,
    StorageMethods,
    TypedStorageMethods,
):
    """A multi-dimensional array on a device, with PyTorch's API.

    ``Tensor(data)`` and ``Tensor(*sizes)`` are PyTorch's legacy constructors
    (default dtype); prefer :func:`tocha.tensor`, :func:`tocha.zeros` & co.

    Example:
        >>> import tocha
        >>> x = tocha.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> (x @ x.T).sum().item()
        52.0
    """

    __slots__ = ()
    __module__ = "tocha"

    def __new__(cls, *args: Any, **kwargs: Any) -> Tensor:
        from ._dtype import get_default_dtype
        from ._ops.creation import empty, resolve_device

        requested = kwargs.pop("device", None)  # the legacy constructor ignores the default device, as PyTorch's
        dev = _device.CPU if requested is None else resolve_device(requested)
        if kwargs:
            raise TypeError(f"Tensor(): got an unexpected keyword argument '{next(iter(kwargs))}'")
        data = args[0] if len(args) == 1 else None
        if isinstance(data, TensorBase):
            source = _tensor_base.wrap(data._data, data._device, data._base if data._base is not None else data)  # type: ignore[arg-type]
        elif isinstance(data, _tensor_base.Size):
            source = empty(*data, device=dev)
        elif data is not None and not isinstance(data, (int, np.integer)):
            if not isinstance(data, (list, tuple, np.ndarray)):
                raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
            source = tensor(data, dtype=get_default_dtype(), device=dev)
        else:
            source = empty(*args, device=dev) if args else empty(0, device=dev)
        if cls is Tensor:
            return source
        result = TensorBase.__new__(cls)
        _tensor_base.copy_fields(result, source)
        return result  # type: ignore[no-any-return]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass


_tensor_base._tensor_class = Tensor
