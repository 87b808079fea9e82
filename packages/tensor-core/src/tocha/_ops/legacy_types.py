"""The legacy tensor types: ``tocha.FloatTensor``, ``tocha.LongTensor``... and ``tocha.cuda.FloatTensor``...

NOTE [ Legacy tensor types ]
PyTorch's oldest API names a tensor's dtype and device by a type: ``torch.FloatTensor(2, 3)`` makes an
uninitialised float32 CPU tensor, ``torch.LongTensor([1, 2])`` one from data, ``isinstance(t, torch.FloatTensor)``
asks for float32 on the CPU, ``t.type(torch.cuda.FloatTensor)`` converts. PyTorch keeps them, and older code
still uses them. tocha's tensors are all of one class, so these are not classes of tensors: each is an instance
of the metaclass :class:`tensortype` that holds a dtype and a device type, whose ``isinstance`` check compares
them, and whose call is PyTorch's legacy constructor: sizes (ints, or one ``tocha.Size``) give an uninitialised
tensor, a sequence (or array) gives a copy of its data, a tensor of the same type gives an alias of it, nothing
gives an empty tensor. ``Tensor.type(...)`` and ``set_default_tensor_type(...)`` take them too.
"""

from __future__ import annotations

from typing import Any

from .._device import device as device_cls
from .._dtype import bfloat16, float16, float32, float64, int8, int16, int32, int64, uint8
from .._dtype import bool as bool_
from .._dtype import dtype as dtype_
from .._tensor_base import Size, TensorBase

__all__ = [
    "tensortype",
    "FloatTensor",
    "DoubleTensor",
    "HalfTensor",
    "BFloat16Tensor",
    "ByteTensor",
    "CharTensor",
    "ShortTensor",
    "IntTensor",
    "LongTensor",
    "BoolTensor",
]

LEGACY_DTYPES: dict[str, dtype_] = {
    "FloatTensor": float32,
    "DoubleTensor": float64,
    "HalfTensor": float16,
    "BFloat16Tensor": bfloat16,
    "ByteTensor": uint8,
    "CharTensor": int8,
    "ShortTensor": int16,
    "IntTensor": int32,
    "LongTensor": int64,
    "BoolTensor": bool_,
}


class tensortype(type):
    """The type of the legacy tensor types (NOTE [ Legacy tensor types ]): a dtype and a device type.

    Example:
        >>> import tocha
        >>> tocha.FloatTensor(2, 3).shape, tocha.LongTensor([1, 2]).dtype
        (tocha.Size([2, 3]), tocha.int64)
        >>> isinstance(tocha.ones(2), tocha.FloatTensor), isinstance(tocha.ones(2), tocha.DoubleTensor)
        (True, False)
    """

    dtype: dtype_
    is_cuda: bool

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, TensorBase) and obj._dtype is cls.dtype and (obj._device.type == "cuda") is cls.is_cuda

    def __repr__(cls) -> str:
        return f"<class '{cls.__module__}.{cls.__name__}'>"

    def __call__(cls, *args: Any, device: Any = None) -> Any:
        return _construct(cls, args, device)


def _name(cls: tensortype) -> str:
    return f"{cls.__module__}.{cls.__name__}"


def _device_of(cls: tensortype, device: Any) -> Any:
    from .. import cuda
    from .creation import resolve_device

    kind = "cuda" if cls.is_cuda else "cpu"
    if cls.is_cuda and not cuda.is_available():
        raise TypeError(f"type {_name(cls)} not available. CUDA is not available (tocha.cuda.is_available() is False).")
    if device is None:
        return resolve_device(kind)
    asked = device if isinstance(device, device_cls) else device_cls(device)
    if asked.type != kind:
        raise RuntimeError(f"legacy constructor expects device type: {kind} but device type: {asked.type} was passed")
    return resolve_device(asked)


def _construct(cls: tensortype, args: tuple[Any, ...], device: Any) -> Any:
    from .creation import empty, tensor

    dev = _device_of(cls, device)
    if not args:
        return empty(0, dtype=cls.dtype, device=dev)
    if all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        return empty(args, dtype=cls.dtype, device=dev)
    if len(args) > 1:
        got = ", ".join(type(a).__name__ for a in args)
        raise TypeError(f"{_name(cls)}(): expected sizes (ints) or one sequence of data, got ({got})")
    (data,) = args
    if isinstance(data, Size):
        return empty(tuple(data), dtype=cls.dtype, device=dev)
    if isinstance(data, TensorBase):
        if not isinstance(data, cls):
            raise TypeError(
                f"{_name(cls)}(): expected a tensor of dtype {cls.dtype} on {dev.type}, got one of dtype "
                f"{data._dtype} on {data._device.type}"
            )
        return data.view_as(data)  # type: ignore[attr-defined]
    if isinstance(data, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    if not hasattr(data, "__len__") and not hasattr(data, "__array__"):
        raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
    return tensor(data, dtype=cls.dtype, device=dev)


def _legacy(name: str, module: str, cuda: bool) -> tensortype:
    return tensortype(name, (), {"dtype": LEGACY_DTYPES[name], "is_cuda": cuda, "__module__": module})


def from_type_name(name: str) -> tensortype | None:
    """The legacy type named ``name`` (``'torch.cuda.FloatTensor'``, ``'tocha.LongTensor'``...); None if none is.

    Example:
        >>> from tocha._ops.legacy_types import from_type_name
        >>> from_type_name("torch.cuda.DoubleTensor")
        <class 'tocha.cuda.DoubleTensor'>
    """
    module, _, short = name.rpartition(".")
    if short not in LEGACY_DTYPES or module not in ("torch", "tocha", "torch.cuda", "tocha.cuda"):
        return None
    return (CUDA_TYPES if module.endswith(".cuda") else CPU_TYPES)[short]


CPU_TYPES = {name: _legacy(name, "tocha", cuda=False) for name in LEGACY_DTYPES}
CUDA_TYPES = {name: _legacy(name, "tocha.cuda", cuda=True) for name in LEGACY_DTYPES}

FloatTensor = CPU_TYPES["FloatTensor"]
DoubleTensor = CPU_TYPES["DoubleTensor"]
HalfTensor = CPU_TYPES["HalfTensor"]
BFloat16Tensor = CPU_TYPES["BFloat16Tensor"]
ByteTensor = CPU_TYPES["ByteTensor"]
CharTensor = CPU_TYPES["CharTensor"]
ShortTensor = CPU_TYPES["ShortTensor"]
IntTensor = CPU_TYPES["IntTensor"]
LongTensor = CPU_TYPES["LongTensor"]
BoolTensor = CPU_TYPES["BoolTensor"]
