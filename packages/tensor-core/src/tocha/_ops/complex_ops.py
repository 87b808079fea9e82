"""Complex helpers: complex, polar, view_as_real, view_as_complex, conj_physical, resolve_conj/resolve_neg.

NOTE [ Complex views ]
``view_as_real`` and ``view_as_complex`` are views sharing memory, as in
PyTorch: a complex array of shape ``s`` is viewed as a real one of shape
``s + (2,)`` (``a[..., None].view(real)``), and a real array whose last dim
has size 2 and stride 1 is viewed as complex (``a.view(complex)[..., 0]``).
Their vjps are each other, which is PyTorch's convention for complex
gradients (``grad_z = g_re + i g_im``). tocha never keeps a lazy conjugate or
negative bit, so ``resolve_conj`` / ``resolve_neg`` return their input and
``view_as_real`` accepts every complex tensor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._dispatch import OpRecord, OpTest, call, register_op
from .._dtype import _COMPLEX, _FLOAT, dtype, float32, float64
from ._common import broadcast_shape, common_device, type_name
from ._dtypes import COMPLEX
from .elementwise_base import as_tensor_arg, broadcast_vjp

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = [
    "complex",
    "polar",
    "view_as_real",
    "view_as_complex",
    "conj_physical",
    "resolve_conj",
    "resolve_neg",
    "is_conj",
    "is_neg",
]

_REAL = (float32, float64)


def _view_as_real_forward(xp: Any, a: Any) -> Any:
    real = np.float32 if a.dtype == np.complex64 else np.float64
    return a[..., None].view(real)


def _view_as_real_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    g = grad if grad._data.flags.c_contiguous else grad.contiguous()  # type: ignore[attr-defined]
    return (call(VIEW_AS_COMPLEX, g._device, (g,), ()),)


def _view_as_complex_forward(xp: Any, a: Any) -> Any:
    complex_ = np.complex64 if a.dtype == np.float32 else np.complex128
    if a.size == 0:
        return xp.empty(a.shape[:-1], dtype=complex_)  # NumPy refuses to reinterpret some empty layouts
    return a.view(complex_)[..., 0]


def _view_as_complex_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (call(VIEW_AS_REAL, grad._device, (grad,), ()),)


def _view_as_real_samples(device: Any, d: dtype) -> list[Any]:
    from ..testing import SampleInput, make_tensor

    return [
        SampleInput(make_tensor(3, 4, dtype=d, device=device), name="2d"),
        SampleInput(make_tensor(dtype=d, device=device), name="0-dim"),
        SampleInput(make_tensor(0, 3, dtype=d, device=device), name="empty"),
        SampleInput(make_tensor(3, 4, dtype=d, device=device, noncontiguous=True), name="noncontiguous"),
    ]


def _view_as_complex_samples(device: Any, d: dtype) -> list[Any]:
    from ..testing import SampleInput, make_tensor

    return [
        SampleInput(make_tensor(3, 2, dtype=d, device=device), name="1d-result"),
        SampleInput(make_tensor(2, 3, 2, dtype=d, device=device), name="2d"),
        SampleInput(make_tensor(2, dtype=d, device=device), name="0-dim-result"),
        SampleInput(make_tensor(0, 2, dtype=d, device=device), name="empty"),
    ]


VIEW_AS_REAL = register_op(
    OpRecord(
        name="view_as_real",
        forward=_view_as_real_forward,
        vjp=_view_as_real_vjp,
        view=True,
        dtypes=COMPLEX,
        test=OpTest(
            samples=_view_as_real_samples,
            reference=lambda a: np.stack([a.real, a.imag], axis=-1),
            torch_name="view_as_real",
        ),
    )
)
VIEW_AS_COMPLEX = register_op(
    OpRecord(
        name="view_as_complex",
        forward=_view_as_complex_forward,
        vjp=_view_as_complex_vjp,
        view=True,
        dtypes=_REAL,
        test=OpTest(
            samples=_view_as_complex_samples,
            reference=lambda a: a[..., 0] + 1j * a[..., 1],
            torch_name="view_as_complex",
            skips={"torch:empty": "the empty sample's NumPy strides reach PyTorch as a last-dim stride other than 1"},
        ),
    )
)


def view_as_real(input: Tensor) -> Tensor:
    """A real view of a complex tensor, with a last dim of size 2 holding the real and imaginary parts.

    The result shares ``input``'s memory.

    Raises:
        RuntimeError: ``input`` is not complex.

    Example:
        >>> import tocha
        >>> tocha.view_as_real(tocha.tensor([1 + 2j, 3 - 4j]))
        tensor([[ 1.,  2.],
                [ 3., -4.]])
    """
    x = as_tensor_arg("view_as_real", input)
    if x._dtype.category != _COMPLEX:
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return call(VIEW_AS_REAL, x._device, (x,), ())  # type: ignore[no-any-return]


def view_as_complex(input: Tensor) -> Tensor:
    """A complex view of a float tensor whose last dim (size 2, stride 1) holds real and imaginary parts.

    The result shares ``input``'s memory.

    Raises:
        RuntimeError: ``input`` is not float32/float64, is 0-dim, its last dim is not of size 2 with stride 1,
            or its other strides or storage offset are odd.

    Example:
        >>> import tocha
        >>> tocha.view_as_complex(tocha.tensor([[1.0, 2.0], [3.0, -4.0]]))
        tensor([1.+2.j, 3.-4.j])
    """
    x = as_tensor_arg("view_as_complex", input)
    d = x._dtype
    if d not in VIEW_AS_COMPLEX.dtype_set:
        raise RuntimeError(
            f"view_as_complex is only supported for float and double tensors, but got a tensor of scalar type: "
            f"{type_name(d)}"
        )
    array = x._data
    if array.ndim == 0:
        raise RuntimeError("Input tensor must have one or more dimensions")
    if array.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    item = array.dtype.itemsize
    if array.size == 0:
        return call(VIEW_AS_COMPLEX, x._device, (x,), ())  # type: ignore[no-any-return]
    if array.strides[-1] != item:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    if any((s // item) % 2 for s, n in zip(array.strides[:-1], array.shape[:-1], strict=True) if n > 1):
        raise RuntimeError("Tensor must have a stride divisible by 2 for all but last dimension")
    if x.storage_offset() % 2:  # type: ignore[attr-defined]
        raise RuntimeError("Tensor must have a storage_offset divisible by 2")
    return call(VIEW_AS_COMPLEX, x._device, (x,), ())  # type: ignore[no-any-return]


# ------------------------------------------------------------------ complex(real, imag) and polar


def _complex_forward(xp: Any, a: Any, b: Any) -> Any:
    shape = xp.broadcast_shapes(a.shape, b.shape)
    out = xp.empty(shape, dtype=np.complex64 if a.dtype == np.float32 else np.complex128)
    out.real = a
    out.imag = b
    return out


def _complex_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    return broadcast_vjp(ctx, grad.real, grad.imag)


def _complex_samples(device: Any, d: dtype) -> list[Any]:
    from ..testing import SampleInput, make_tensor

    def make(*shape: int, noncontiguous: bool = False) -> Any:
        return make_tensor(*shape, dtype=d, device=device, noncontiguous=noncontiguous)

    return [
        SampleInput(make(3, 4), args=(make(3, 4),), name="2d"),
        SampleInput(make(3, 1), args=(make(4),), name="broadcast"),
        SampleInput(make(), args=(make(),), name="0-dim"),
        SampleInput(make(0, 3), args=(make(0, 3),), name="empty"),
        SampleInput(make(3, 4, noncontiguous=True), args=(make(3, 4, noncontiguous=True),), name="noncontiguous"),
    ]


COMPLEX_OP = register_op(
    OpRecord(
        name="complex",
        forward=_complex_forward,
        vjp=_complex_vjp,
        dtypes=_REAL,
        test=OpTest(samples=_complex_samples, reference=lambda a, b: a + 1j * b, torch_name="complex"),
    )
)


def _complex_operands(name: str, first: Any, second: Any) -> tuple[Tensor, Tensor]:
    a = as_tensor_arg(name, first)
    if not hasattr(second, "_dtype"):
        raise TypeError(f"{name}(): argument '{'imag' if name == 'complex' else 'angle'}' (position 2) must be Tensor, "
                        f"not {type(second).__name__}")  # fmt: skip
    b: Tensor = second
    da, db = a._dtype, b._dtype
    if da.category != _FLOAT or db.category != _FLOAT or da not in _REAL or db not in _REAL:
        if da.category == _FLOAT and db.category == _FLOAT and (da not in _REAL or db not in _REAL):
            raise RuntimeError(f"{name}(): {type_name(da)} inputs are not supported (tocha has no complex32)")
        raise RuntimeError(
            f"Expected both inputs to be Half, Float or Double tensors but got {type_name(da)} and {type_name(db)}"
        )
    if da is not db:
        raise RuntimeError(
            f"Expected object of scalar type {type_name(da)} but got scalar type {type_name(db)} for second argument"
        )
    common_device(name, a, b)
    broadcast_shape(name, tuple(a._data.shape), tuple(b._data.shape))
    return a, b


def complex(real: Tensor, imag: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The complex tensor ``real + i imag`` (float32 → complex64, float64 → complex128; broadcast).

    Raises:
        RuntimeError: the inputs are not both float32 or both float64.

    Example:
        >>> import tocha
        >>> tocha.complex(tocha.tensor([1.0, 2.0]), tocha.tensor([3.0, 4.0]))
        tensor([1.+3.j, 2.+4.j])
    """
    from .elementwise_base import copy_to_out

    a, b = _complex_operands("complex", real, imag)
    dev = common_device("complex", a, b)
    result: Tensor = call(COMPLEX_OP, dev, (a, b), ())
    return result if out is None else copy_to_out(result, out)


def polar(abs: Tensor, angle: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The complex tensor with modulus ``abs`` and argument ``angle``: ``abs (cos angle + i sin angle)``.

    Raises:
        RuntimeError: the inputs are not both float32 or both float64.

    Example:
        >>> import math, tocha
        >>> tocha.polar(tocha.tensor([2.0]), tocha.tensor([math.pi / 2])).imag
        tensor([2.])
    """
    from .elementwise_base import copy_to_out

    r, theta = _complex_operands("polar", abs, angle)
    result = complex(r * theta.cos(), r * theta.sin())  # type: ignore[attr-defined]
    return result if out is None else copy_to_out(result, out)


# ------------------------------------------------------------------ conjugate and negative bits


def conj_physical(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The complex conjugate, materialised; real tensors are returned as they are.

    Example:
        >>> import tocha
        >>> tocha.conj_physical(tocha.tensor([1 + 2j]))
        tensor([1.-2.j])
    """
    from .elementwise import conj
    from .elementwise_base import copy_to_out

    result = conj(as_tensor_arg("conj_physical", input))
    return result if out is None else copy_to_out(result, out)


def resolve_conj(input: Tensor) -> Tensor:
    """``input`` itself: tocha materialises conjugates, so there is no conjugate bit to resolve.

    Example:
        >>> import tocha
        >>> x = tocha.tensor([1j])
        >>> tocha.resolve_conj(x) is x
        True
    """
    return as_tensor_arg("resolve_conj", input)


def resolve_neg(input: Tensor) -> Tensor:
    """``input`` itself: tocha has no lazy negative bit.

    Example:
        >>> import tocha
        >>> x = tocha.tensor([1.0])
        >>> tocha.resolve_neg(x) is x
        True
    """
    return as_tensor_arg("resolve_neg", input)


def is_conj(input: Tensor) -> bool:
    """False: tocha's conjugates are materialised.

    Example:
        >>> import tocha
        >>> tocha.is_conj(tocha.tensor([1j]).conj())
        False
    """
    as_tensor_arg("is_conj", input)
    return False


def is_neg(input: Tensor) -> bool:
    """False: tocha has no lazy negative bit.

    Example:
        >>> import tocha
        >>> tocha.is_neg(tocha.tensor([1.0]))
        False
    """
    as_tensor_arg("is_neg", input)
    return False


class ComplexMethods:
    """Tensor methods of the complex helpers (the conj/real/imag methods live in elementwise)."""

    __slots__ = ()

    def resolve_neg(self: Any) -> Tensor:
        """This tensor (tocha has no lazy negative bit)."""
        return self  # type: ignore[no-any-return]

    def is_neg(self: Any) -> bool:
        """False: tocha has no lazy negative bit."""
        return False

    def conj_physical_(self: Any) -> Tensor:
        """Conjugate this tensor in place (nothing to do for real tensors)."""
        if self._dtype.category == _COMPLEX:
            from .elementwise import conj

            self.copy_(conj(self))
        return self  # type: ignore[no-any-return]
