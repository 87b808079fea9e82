"""dtype facts and tensor predicates: finfo, iinfo, result_type, is_tensor, numel, typename, from_dlpack.

Also re-exports the print options of ``tocha._tensor_repr`` (``set_printoptions`` & co).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._dlpack import from_dlpack
from .._dtype import _FLOAT, _INT, get_default_dtype
from .._dtype import dtype as DType  # noqa: N812
from .._tensor_base import TensorBase
from .._tensor_repr import get_printoptions, printoptions, set_printoptions
from ._common import result_type_of

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = [
    "finfo",
    "iinfo",
    "result_type",
    "is_tensor",
    "is_floating_point",
    "is_complex",
    "is_nonzero",
    "is_signed",
    "is_same_size",
    "numel",
    "typename",
    "from_dlpack",
    "set_printoptions",
    "get_printoptions",
    "printoptions",
]


def _limits_module(d: DType) -> Any:
    if d.name == "bfloat16":
        import ml_dtypes

        return ml_dtypes.finfo(d.numpy_dtype)  # type: ignore[no-untyped-call]
    return np.finfo(d.numpy_dtype)


# PyTorch's limits of the float8 dtypes: (max, min, eps, tiny); float8_e8m0fnu holds only positive powers of two,
# and PyTorch gives float8_e5m2fnuz an eps of 2^-3.
_FLOAT8_LIMITS = {
    "float8_e4m3fn": (448.0, -448.0, 2.0**-3, 2.0**-6),
    "float8_e5m2": (57344.0, -57344.0, 2.0**-2, 2.0**-14),
    "float8_e4m3fnuz": (240.0, -240.0, 2.0**-3, 2.0**-7),
    "float8_e5m2fnuz": (57344.0, -57344.0, 2.0**-3, 2.0**-15),
    "float8_e8m0fnu": (2.0**127, 2.0**-127, 1.0, 2.0**-127),
}


class finfo:
    """Numerical limits of a floating-point dtype, as ``torch.finfo``.

    ``finfo()`` describes the default dtype; a complex dtype is described by
    its real counterpart.

    Attributes:
        bits: bits per element.
        eps: the gap between 1.0 and the next representable number.
        max: the largest finite value.
        min: the most negative finite value (``-max``).
        tiny: the smallest positive normal number (same as ``smallest_normal``).
        smallest_normal: the smallest positive normal number.
        resolution: ``10 ** -precision``, the approximate decimal resolution.
        dtype: the dtype's name (``'float32'``).

    Example:
        >>> import tocha
        >>> tocha.finfo(tocha.float16).max, tocha.finfo().eps
        (65504.0, 1.1920928955078125e-07)
        >>> tocha.finfo(tocha.bfloat16)
        finfo(resolution=0.01, min=-3.38953e+38, max=3.38953e+38, eps=0.0078125, smallest_normal=1.17549e-38,
              tiny=1.17549e-38, dtype=bfloat16)
    """

    __slots__ = ("bits", "dtype", "eps", "max", "min", "resolution", "smallest_normal", "tiny")

    bits: int
    eps: float
    max: float
    min: float
    tiny: float
    smallest_normal: float
    resolution: float
    dtype: str

    def __init__(self, type: DType | None = None) -> None:
        d = get_default_dtype() if type is None else type
        if not isinstance(d, DType):
            raise TypeError(f"finfo(): argument 'type' must be tocha.dtype, not {d.__class__.__name__}")
        d = d.to_real()
        if d.category != _FLOAT:
            raise TypeError(
                "tocha.finfo() requires a floating point input type. Use tocha.iinfo to handle 'tocha.finfo'"
            )
        if d.name in _FLOAT8_LIMITS:
            self.bits, self.resolution, self.dtype = 8, 1.0, d.name
            self.max, self.min, self.eps, self.tiny = _FLOAT8_LIMITS[d.name]
            self.smallest_normal = self.tiny
            return
        info = _limits_module(d)
        self.bits = int(info.bits)
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = -self.max
        self.tiny = float(info.smallest_normal)
        self.smallest_normal = self.tiny
        self.resolution = 10.0 ** -int(info.precision)
        self.dtype = d.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, finfo) and other.dtype == self.dtype

    def __hash__(self) -> int:
        return hash(("finfo", self.dtype))

    def __repr__(self) -> str:
        return (
            f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
            f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})"
        )


class iinfo:
    """Numerical limits of an integer dtype, as ``torch.iinfo``.

    Attributes:
        bits: bits per element.
        max: the largest value.
        min: the smallest value.
        dtype: the dtype's name (``'int32'``).

    Example:
        >>> import tocha
        >>> tocha.iinfo(tocha.uint8).max, tocha.iinfo(tocha.int8).min
        (255, -128)
        >>> tocha.iinfo(tocha.int32)
        iinfo(min=-2.14748e+09, max=2.14748e+09, dtype=int32)
    """

    __slots__ = ("bits", "dtype", "max", "min")

    bits: int
    max: int
    min: int
    dtype: str

    def __init__(self, type: DType) -> None:
        if not isinstance(type, DType):
            raise TypeError(f"iinfo(): argument 'type' must be tocha.dtype, not {type.__class__.__name__}")
        if type.name == "bool":
            raise TypeError("tocha.bool is not supported by tocha.iinfo")
        if type.category != _INT:
            raise TypeError("tocha.iinfo() requires an integer input type. Use tocha.finfo to handle 'tocha.iinfo'")
        info = np.iinfo(type.numpy_dtype)
        self.bits = int(info.bits)
        self.max = int(info.max)
        self.min = int(info.min)
        self.dtype = type.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, iinfo) and other.dtype == self.dtype

    def __hash__(self) -> int:
        return hash(("iinfo", self.dtype))

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"


_NUMBER_TYPES = (bool, int, float, complex, np.bool_, np.number)


def _participant(x: Any) -> Any:
    if isinstance(x, TensorBase):
        return x
    if isinstance(x, (np.bool_, np.number)):
        return x.item()
    if isinstance(x, _NUMBER_TYPES):
        return x
    return None


def result_type(tensor: Tensor | complex, other: Tensor | complex) -> DType:
    """The dtype an arithmetic op on ``tensor`` and ``other`` (tensors or numbers) produces.

    Follows PyTorch's promotion (NOTE [ Type promotion ] in ``tocha._dtype``):
    a Python number or zero-dim tensor only raises the category, never the
    width, of a dimensioned tensor.

    Example:
        >>> import tocha
        >>> tocha.result_type(tocha.tensor([1, 2], dtype=tocha.uint8), 1.0)
        tocha.float32
        >>> tocha.result_type(tocha.tensor([1], dtype=tocha.int8), tocha.tensor(5))
        tocha.int8
    """
    a, b = _participant(tensor), _participant(other)
    if a is None or b is None:
        raise TypeError(
            "result_type() received an invalid combination of arguments - got "
            f"({type(tensor).__name__}, {type(other).__name__}), but expected one of: (Tensor tensor, Tensor other), "
            "(Number scalar, Tensor tensor), (Tensor tensor, Number other), (Number scalar1, Number scalar2)"
        )
    return result_type_of(a, b)


def is_tensor(obj: Any) -> bool:
    """Whether ``obj`` is a tocha tensor.

    Example:
        >>> import tocha
        >>> tocha.is_tensor(tocha.ones(1)), tocha.is_tensor([1])
        (True, False)
    """
    return isinstance(obj, TensorBase)


def _require_tensor(op: str, input: Any) -> TensorBase:
    if not isinstance(input, TensorBase):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return input


def is_floating_point(input: Tensor) -> bool:
    """Whether ``input``'s dtype is a floating-point type.

    Example:
        >>> import tocha
        >>> tocha.is_floating_point(tocha.ones(1)), tocha.is_floating_point(tocha.arange(2))
        (True, False)
    """
    return _require_tensor("is_floating_point", input)._dtype.category == _FLOAT


def is_complex(input: Tensor) -> bool:
    """Whether ``input``'s dtype is a complex type.

    Example:
        >>> import tocha
        >>> tocha.is_complex(tocha.tensor([1j]))
        True
    """
    return _require_tensor("is_complex", input)._dtype.is_complex


def is_nonzero(input: Tensor) -> bool:
    """Whether the single value of a one-element tensor is nonzero.

    Example:
        >>> import tocha
        >>> tocha.is_nonzero(tocha.tensor([0.5])), tocha.is_nonzero(tocha.tensor(0))
        (True, False)
    """
    return bool(_require_tensor("is_nonzero", input))


def is_signed(input: Tensor) -> bool:
    """Whether ``input``'s dtype can hold negative values (False for bool and uint8).

    Example:
        >>> import tocha
        >>> tocha.is_signed(tocha.ones(1)), tocha.is_signed(tocha.ones(1, dtype=tocha.uint8))
        (True, False)
    """
    return bool(_require_tensor("is_signed", input)._dtype.is_signed)


def is_same_size(input: Tensor, other: Tensor) -> bool:
    """Whether ``input`` and ``other`` have the same shape.

    Example:
        >>> import tocha
        >>> tocha.is_same_size(tocha.zeros(2, 3), tocha.ones(2, 3, dtype=tocha.int64))
        True
    """
    a = _require_tensor("is_same_size", input)
    if not isinstance(other, TensorBase):
        raise TypeError(f"is_same_size(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    return bool(a._data.shape == other._data.shape)


def numel(input: Tensor) -> int:
    """The number of elements of ``input``.

    Example:
        >>> import tocha
        >>> tocha.numel(tocha.zeros(2, 3))
        6
    """
    return int(_require_tensor("numel", input)._data.size)


def typename(obj: Any) -> str:
    """A type name: PyTorch's tensor type string for tensors (``'tocha.FloatTensor'``), else the qualified name.

    Example:
        >>> import tocha
        >>> tocha.typename(tocha.ones(1)), tocha.typename(3), tocha.typename(tocha.Tensor)
        ('tocha.FloatTensor', 'int', 'tocha.Tensor')
    """
    if isinstance(obj, TensorBase):
        return obj.type()  # type: ignore[attr-defined,no-any-return]
    qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if isinstance(qualname, str):
        module = getattr(obj, "__module__", "") or ""
    else:
        module = type(obj).__module__
        qualname = type(obj).__qualname__
    if module in ("", "builtins"):
        return qualname
    return f"{module}.{qualname}"


def _tensor_class() -> type:
    from .._tensor import Tensor

    return Tensor


class DtypeInfoMethods:
    """Tensor methods asking about a tensor's dtype, shape or single value."""

    __slots__ = ()

    def is_signed(self: Any) -> bool:
        """See :func:`tocha.is_signed`."""
        return is_signed(self)

    def is_same_size(self: Any, other: Tensor) -> bool:
        """See :func:`tocha.is_same_size`."""
        return is_same_size(self, other)

    def is_nonzero(self: Any) -> bool:
        """See :func:`tocha.is_nonzero`."""
        return is_nonzero(self)

    def is_set_to(self: Any, tensor: Tensor) -> bool:
        """Whether ``tensor`` is this tensor's exact alias: the same storage, storage offset, sizes and strides.

        Example:
            >>> import tocha
            >>> x = tocha.zeros(2, 3)
            >>> x.is_set_to(x.view(2, 3)), x.is_set_to(x.t())
            (True, False)
        """
        if not isinstance(tensor, TensorBase):
            raise TypeError(f"is_set_to(): argument 'tensor' (position 1) must be Tensor, not {type(tensor).__name__}")
        mine = self._base if self._base is not None else self
        theirs = tensor._base if tensor._base is not None else tensor
        return bool(
            mine is theirs
            and self._device == tensor._device
            and self.data_ptr() == tensor.data_ptr()
            and tuple(self._data.shape) == tuple(tensor._data.shape)
            and self.stride() == tensor.stride()
        )

    def to_sparse(self: Any, sparse_dim: int | None = None) -> Tensor:
        """This tensor in the sparse COO layout: its nonzero entries (NOTE [ Sparse COO tensors ]).

        Example:
            >>> import tocha
            >>> tocha.tensor([0.0, 5.0, 0.0]).to_sparse().values()
            tensor([5.])
        """
        from .._sparse import to_sparse

        return to_sparse(self, sparse_dim)

    def sparse_mask(self: Any, mask: Tensor) -> Tensor:
        """This tensor's entries where the sparse ``mask`` stores one, as a sparse tensor.

        Example:
            >>> import tocha
            >>> mask = tocha.sparse_coo_tensor([[1]], [1.0], (3,))
            >>> tocha.tensor([5.0, 6.0, 7.0]).sparse_mask(mask).to_dense()
            tensor([0., 6., 0.])
        """
        from .._sparse import sparse_mask

        return sparse_mask(self, mask)

    def to_sparse_coo(self: Any) -> Tensor:
        """:meth:`to_sparse`.

        Example:
            >>> import tocha
            >>> tocha.eye(2).to_sparse_coo()._nnz()
            2
        """
        from .._sparse import to_sparse

        return to_sparse(self)

    def to_dense(self: Any, dtype: DType | None = None, *, masked_grad: bool | None = None) -> Tensor:
        """This tensor in the strided layout: itself (every tocha tensor is strided), or converted to ``dtype``.

        Example:
            >>> import tocha
            >>> x = tocha.ones(2)
            >>> x.to_dense() is x, x.to_dense(tocha.float64).dtype
            (True, tocha.float64)
        """
        if dtype is None or dtype is self._dtype:
            return self  # type: ignore[no-any-return]
        return self.to(dtype)  # type: ignore[no-any-return]

    def as_subclass(self: Any, cls: type) -> Tensor:
        """An instance of ``cls`` (a subclass of ``tocha.Tensor``) sharing this tensor's data and autograd history.

        Raises:
            TypeError: ``cls`` does not inherit from ``tocha.Tensor``.

        Example:
            >>> import tocha
            >>> class Tagged(tocha.Tensor):
            ...     pass
            >>> x = tocha.ones(2)
            >>> y = x.as_subclass(Tagged)
            >>> type(y).__name__, y.data_ptr() == x.data_ptr()
            ('Tagged', True)
        """
        if not isinstance(cls, type) or not issubclass(cls, _tensor_class()):
            raise TypeError(
                "Creating a Tensor subclass from a class that does not inherit from Tensor is not possible. Make "
                "sure your class inherits from Tensor."
            )
        alias = self.view_as(self)
        alias.__class__ = cls
        return alias  # type: ignore[no-any-return]

    def ndimension(self: Any) -> int:
        """The number of dims (another name for :meth:`dim`).

        Example:
            >>> import tocha
            >>> tocha.zeros(2, 3).ndimension()
            2
        """
        return int(self._data.ndim)
