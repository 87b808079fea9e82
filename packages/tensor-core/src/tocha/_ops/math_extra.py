"""More of ``torch.*``'s math: elementwise extras (copysign, ldexp, gcd...), distances, cov, diff, kron, meshgrid...

Elementwise functions with their own kernel are op records (copysign, nextafter,
gcd, lcm, heaviside, signbit, frexp, isin); the rest are composites of
differentiable tocha ops, so their gradients come from those ops.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._dispatch import OpRecord, OpTest, call, register_op
from .._dtype import _BOOL, _COMPLEX, _FLOAT, _INT, dtype, float32, float64, get_default_dtype, int32, int64
from .._layout import check_layout
from .._layout import layout as layout_
from .._tensor_base import TensorBase
from ._common import (
    cast_operand,
    common_device,
    normalize_dim,
    result_type_of,
    scalar_or_tensor,
    to_tensor_list,
    type_name,
)
from ._dtypes import FLOATING, INTEGRAL, REAL
from .elementwise_base import (
    as_tensor_arg,
    binary_inplace,
    binary_promoted,
    broadcast_vjp,
    check_dtype,
    copy_to_out,
    run_binary,
)

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = [
    "cross",
    "copysign",
    "nextafter",
    "ldexp",
    "float_power",
    "frexp",
    "gcd",
    "lcm",
    "heaviside",
    "igamma",
    "igammac",
    "mvlgamma",
    "unravel_index",
    "gradient",
    "deg2rad",
    "rad2deg",
    "deg2rad_",
    "rad2deg_",
    "signbit",
    "isin",
    "clamp_min_",
    "clamp_max_",
    "diff",
    "kron",
    "meshgrid",
    "cartesian_prod",
    "combinations",
    "trapezoid",
    "trapz",
    "cumulative_trapezoid",
    "renorm",
    "dist",
    "cdist",
    "cov",
    "corrcoef",
    "block_diag",
    "vander",
    "tril_indices",
    "triu_indices",
]


def _tensor_or_number(name: str, x: Any) -> Any:
    return scalar_or_tensor(name, x)


def _tensor_only(name: str, x: Any) -> Any:
    if not isinstance(x, TensorBase):
        raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not {type(x).__name__}")
    return x


# ------------------------------------------------------------------ elementwise records


def _copysign_forward(xp: Any, a: Any, b: Any) -> Any:
    return xp.copysign(a, b)


def _copysign_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    from .elementwise import where

    a = ctx.inputs[0]
    ratio = where(a == 0, 0.0, ctx.result / where(a == 0, 1.0, a))
    return broadcast_vjp(ctx, grad * ratio, grad * 0 if len(ctx.input_shapes) > 1 else None)


COPYSIGN = register_op(
    OpRecord(
        name="copysign",
        forward=_copysign_forward,
        vjp=_copysign_vjp,
        saves_inputs=(0,),
        saves_result=True,
        dtypes=FLOATING,
        test=OpTest(samples="binary", reference=np.copysign, torch_name="copysign"),
    )
)


def _float_binary(op: OpRecord, a: Any, b: Any) -> Tensor:
    from .elementwise_math import _float_binary as run

    return run(op, a, b)


def copysign(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``input``'s magnitude with ``other``'s sign (the sign bit: ``-0.0`` counts as negative).

    Integer inputs give the default float dtype.

    Example:
        >>> import tocha
        >>> tocha.copysign(tocha.tensor([1.0, -2.0, 3.0]), tocha.tensor([-1.0, 1.0, -0.0]))
        tensor([-1.,  2., -3.])
    """
    result = _float_binary(COPYSIGN, as_tensor_arg("copysign", input), other)
    return result if out is None else copy_to_out(result, out)


def _nextafter_forward(xp: Any, a: Any, b: Any) -> Any:
    if a.dtype.itemsize >= 4:
        return xp.nextafter(a, b)
    return _nextafter_half(xp, *xp.broadcast_arrays(a, b))


def _nextafter_half(xp: Any, a: Any, b: Any) -> Any:
    # NumPy has no nextafter loop for bfloat16, and its float16 one returns -0.0 for (-0.0, 0.0): step the bit
    # pattern one unit towards ``b``, as IEEE's nextafter
    bits = a.view(xp.uint16)
    one = xp.uint16(1)
    stepped = xp.where((a < b) == (a > 0), bits + one, bits - one)
    smallest_toward_b = (b.view(xp.uint16) & xp.uint16(0x8000)) | one  # from zero: the tiniest subnormal
    result = xp.where(a == 0, smallest_toward_b, stepped).view(a.dtype)
    result = xp.where(a == b, b, result)
    return xp.where(xp.isnan(a) | xp.isnan(b), a + b, result)


_TENSORS_ONLY = {"scalar": "PyTorch takes tensors only here"}


def _nextafter_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    # PyTorch's: the step is a constant, so the input's gradient passes (but where input == other), other's is 0
    a, b = ctx.inputs
    from .creation import zeros_like

    return broadcast_vjp(ctx, grad * (a != b), zeros_like(grad))


def _nextafter_jvp(ctx: Any, tangent_a: Tensor | None, tangent_b: Tensor | None) -> Any:
    a, b = ctx.inputs
    from .creation import zeros_like

    return zeros_like(ctx.result) if tangent_a is None else tangent_a * (a != b)


NEXTAFTER = register_op(
    OpRecord(
        name="nextafter",
        forward=_nextafter_forward,
        vjp=_nextafter_vjp,
        jvp=_nextafter_jvp,
        saves_inputs=(0, 1),
        fp_errors=True,
        dtypes=FLOATING,
        test=OpTest(
            samples="binary",
            reference=np.nextafter,
            torch_name="nextafter",
            atol=0.0,
            rtol=0.0,
            skips={
                **_TENSORS_ONLY,
                "forward:bfloat16": "the reference sees bfloat16 widened to float32, whose neighbours are others",
            },
        ),
    )
)


def nextafter(input: Tensor, other: Any, *, out: Tensor | None = None) -> Tensor:
    """The next representable float after ``input`` in the direction of ``other``.

    Example:
        >>> import tocha
        >>> one = tocha.tensor([1.0], dtype=tocha.float64)
        >>> (tocha.nextafter(one, one * 2) - 1).item()
        2.220446049250313e-16
    """
    x = as_tensor_arg("nextafter", input)
    result = binary_promoted(NEXTAFTER, x, _tensor_only("nextafter", other))
    return result if out is None else copy_to_out(result, out)


def _gcd_forward(xp: Any, a: Any, b: Any) -> Any:
    return xp.gcd(a, b)


def _lcm_forward(xp: Any, a: Any, b: Any) -> Any:
    if xp is np:
        return np.lcm(a, b)
    # |a| / gcd * |b| in the operands' dtype, so an overflow wraps as NumPy's and PyTorch's (CuPy's lcm differs)
    g = xp.gcd(a, b)
    safe = xp.where(g == 0, xp.ones_like(g), g)
    return xp.where(g == 0, xp.zeros_like(g), (xp.abs(a) // safe) * xp.abs(b)).astype(g.dtype, copy=False)


GCD = register_op(
    OpRecord(
        name="gcd",
        forward=_gcd_forward,
        dtypes=INTEGRAL,
        test=OpTest(samples="binary", reference=np.gcd, torch_name="gcd", skips=_TENSORS_ONLY),
    )
)
LCM = register_op(
    OpRecord(
        name="lcm",
        forward=_lcm_forward,
        dtypes=INTEGRAL,
        test=OpTest(samples="binary", reference=np.lcm, torch_name="lcm", domain=(-20, 20), skips=_TENSORS_ONLY),
    )
)


def gcd(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The greatest common divisor, elementwise (integer tensors; ``gcd(0, 0) = 0``).

    Raises:
        NotImplementedError: a floating or bool dtype.

    Example:
        >>> import tocha
        >>> tocha.gcd(tocha.tensor([12, 0, -9]), tocha.tensor([18, 5, 6]))
        tensor([6, 5, 3])
    """
    result = binary_promoted(GCD, as_tensor_arg("gcd", input), _tensor_only("gcd", other))
    return result if out is None else copy_to_out(result, out)


def lcm(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The least common multiple, elementwise (integer tensors; non-negative).

    Example:
        >>> import tocha
        >>> tocha.lcm(tocha.tensor([4, 6]), tocha.tensor([6, -4]))
        tensor([12, 12])
    """
    result = binary_promoted(LCM, as_tensor_arg("lcm", input), _tensor_only("lcm", other))
    return result if out is None else copy_to_out(result, out)


def _heaviside_forward(xp: Any, a: Any, b: Any) -> Any:
    zero = xp.zeros((), dtype=a.dtype)
    one = xp.ones((), dtype=a.dtype)
    result = xp.where(a == 0, b, xp.where(a > 0, one, zero))
    if a.dtype.kind in "fV":  # float, and bfloat16 (ml_dtypes' kind "V"): CuPy's where widens bfloat16
        result = xp.where(xp.isnan(a), a, result)
    return result.astype(a.dtype, copy=False)


HEAVISIDE = register_op(
    OpRecord(
        name="heaviside",
        forward=_heaviside_forward,
        dtypes=REAL,
        test=OpTest(
            samples="binary",
            reference=lambda a, b: np.where(a == 0, b, (a > 0).astype(a.dtype)).astype(np.result_type(a, b)),
            torch_name="heaviside",
            skips=_TENSORS_ONLY,
        ),
    )
)


def heaviside(input: Tensor, values: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The Heaviside step: 0 for negative ``input``, 1 for positive, ``values`` where ``input`` is 0.

    Raises:
        RuntimeError: ``input`` and ``values`` of different dtypes.

    Example:
        >>> import tocha
        >>> tocha.heaviside(tocha.tensor([-1.0, 0.0, 2.0]), tocha.tensor([0.5]))
        tensor([0.0000, 0.5000, 1.0000])
    """
    x = as_tensor_arg("heaviside", input)
    v = as_tensor_arg("heaviside", values)
    if x._dtype is not v._dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    check_dtype(HEAVISIDE, x._dtype)
    result = run_binary(HEAVISIDE, common_device("heaviside", x, v), x, v, ())
    return result if out is None else copy_to_out(result, out)


def _signbit_forward(xp: Any, a: Any) -> Any:
    if a.dtype.kind == "b":
        return xp.zeros(a.shape, dtype=bool)
    if a.dtype.kind in "iu":
        return a < 0
    return xp.signbit(a)


SIGNBIT = register_op(
    OpRecord(
        name="signbit",
        forward=_signbit_forward,
        dtypes=REAL,
        test=OpTest(samples="unary", reference=np.signbit, torch_name="signbit"),
    )
)


def signbit(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Whether each element's sign bit is set (True for ``-0.0``; bool).

    Example:
        >>> import tocha
        >>> tocha.signbit(tocha.tensor([-1.0, -0.0, 2.0]))
        tensor([ True,  True, False])
    """
    x = as_tensor_arg("signbit", input)
    if x._dtype.category == _COMPLEX:
        raise NotImplementedError("signbit is not implemented for complex tensors.")
    result: Tensor = call(SIGNBIT, x._device, (x,), ())
    return result if out is None else copy_to_out(result, out)


def _frexp_forward(xp: Any, a: Any) -> tuple[Any, Any]:
    mantissa, exponent = xp.frexp(a)
    return xp.asarray(mantissa).astype(a.dtype, copy=False), xp.asarray(exponent).astype(np.int32)


def _frexp_vjp(ctx: Any, grads: Any) -> tuple[Tensor | None]:
    from .elementwise import exp2

    grad = grads[0]
    if grad is None:
        return (None,)
    mantissa = ctx.result[0]
    exponent = ctx.result[1]
    return (grad / exp2(exponent.to(mantissa.dtype)),)


FREXP = register_op(
    OpRecord(
        name="frexp",
        forward=_frexp_forward,
        vjp=_frexp_vjp,
        saves_result=True,
        num_outputs=2,
        differentiable_outputs=(0,),
        dtypes=FLOATING,
        test=OpTest(
            samples="unary",
            reference=lambda a: np.frexp(a)[0],
            torch_name="frexp",
            skips={"vjp": "checked by the gradcheck in test_math_extra (two outputs, one differentiable)"},
        ),
    )
)


def frexp(input: Tensor, *, out: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
    """Split into mantissa in ``[0.5, 1)`` (by magnitude) and int32 exponent: ``input = mantissa * 2**exponent``.

    Raises:
        RuntimeError: an integer or bool input.

    Example:
        >>> import tocha
        >>> tocha.frexp(tocha.tensor([8.0, 0.75]))
        torch.return_types.frexp(
        mantissa=tensor([0.5000, 0.7500]),
        exponent=tensor([4, 0], dtype=tocha.int32))
    """
    x = as_tensor_arg("frexp", input)
    if x._dtype.category != _FLOAT:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    mantissa, exponent = call(FREXP, x._device, (x,), ())
    if out is not None:
        copy_to_out(mantissa, out[0])
        copy_to_out(exponent, out[1])
        mantissa, exponent = out
    return _Frexp((mantissa, exponent))


class _Frexp(tuple):  # type: ignore[type-arg]
    """``(mantissa, exponent)``, as PyTorch's named tuple."""

    __slots__ = ()

    @property
    def mantissa(self) -> Tensor:
        """The mantissa."""
        return self[0]  # type: ignore[no-any-return]

    @property
    def exponent(self) -> Tensor:
        """The int32 exponent."""
        return self[1]  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return f"torch.return_types.frexp(\nmantissa={self[0]!r},\nexponent={self[1]!r})"


def _isin_forward(xp: Any, elements: Any, test: Any, assume_unique: bool, invert: bool) -> Any:
    if elements.dtype.name == "bfloat16":  # sorting needs a native dtype; float32 holds bfloat16 exactly
        elements, test = elements.astype(np.float32), test.astype(np.float32)
    return xp.isin(elements, test, assume_unique=assume_unique, invert=invert)


def _isin_samples(device: Any, d: dtype) -> list[Any]:
    from ..testing import SampleInput, make_tensor

    def make(*shape: int, noncontiguous: bool = False) -> Any:
        return make_tensor(*shape, dtype=d, device=device, low=-3, high=3, noncontiguous=noncontiguous)

    if d.category == _FLOAT:  # draws are rounded so that some elements match
        return [
            SampleInput(make(3, 4).round(), args=(make(5).round(),), name="2d"),
            SampleInput(make(4).round(), args=(make(2, 2).round(),), kwargs={"invert": True}, name="invert"),
        ]
    return [
        SampleInput(make(3, 4), args=(make(5),), name="2d"),
        SampleInput(make(4), args=(make(2, 2),), kwargs={"invert": True}, name="invert"),
        SampleInput(make(0, 3), args=(make(2),), name="empty"),
        SampleInput(make(3, 4, noncontiguous=True), args=(make(3),), name="noncontiguous"),
    ]


ISIN = register_op(
    OpRecord(
        name="isin",
        forward=_isin_forward,
        dtypes=tuple(d for d in REAL if d.name != "bool"),
        test=OpTest(
            samples=_isin_samples,
            reference=lambda a, b, invert=False: np.isin(a, b, invert=invert),
            torch_name="isin",
        ),
    )
)


def isin(elements: Any, test_elements: Any, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """Whether each element of ``elements`` is in ``test_elements`` (either may be a number); bool.

    Example:
        >>> import tocha
        >>> tocha.isin(tocha.tensor([1, 2, 3, 4]), tocha.tensor([2, 4, 6]))
        tensor([False,  True, False,  True])
    """
    from .creation import tensor

    a = _tensor_or_number("isin", elements)
    b = _tensor_or_number("isin", test_elements)
    if not isinstance(a, TensorBase) and not isinstance(b, TensorBase):
        raise TypeError("isin(): expected at least one Tensor argument")
    dev = common_device("isin", a, b)
    d = result_type_of(a, b)
    if d not in ISIN.dtype_set:
        raise RuntimeError(f"Unsupported input type encountered for isin(): {type_name(d)}")
    a = cast_operand(a, d, dev) if isinstance(a, TensorBase) else tensor(a, dtype=d, device=dev)
    b = cast_operand(b, d, dev) if isinstance(b, TensorBase) else tensor([b], dtype=d, device=dev)
    return call(ISIN, dev, (a, b), (bool(assume_unique), bool(invert)))  # type: ignore[no-any-return]


# ------------------------------------------------------------------ composites: elementwise


def ldexp(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``input * 2**other`` (integers give the default float dtype).

    Example:
        >>> import tocha
        >>> tocha.ldexp(tocha.tensor([1.0, 3.0]), tocha.tensor([3, -1]))
        tensor([8.0000, 1.5000])
    """
    from .elementwise import exp2, mul

    x = as_tensor_arg("ldexp", input)
    e = as_tensor_arg("ldexp", other)
    # PyTorch's dtype: the operands' (integers give the default float dtype), the power of two computed in it
    kind = result_type_of(x, e)
    if kind.category < _FLOAT:
        kind = get_default_dtype()
    result = mul(x, exp2(e.to(kind)))  # type: ignore[attr-defined]
    return result if out is None else copy_to_out(result, out)


def float_power(input: Any, exponent: Any, *, out: Tensor | None = None) -> Tensor:
    """``input ** exponent`` computed in double precision (float64, or complex128 for complex operands).

    Example:
        >>> import tocha
        >>> tocha.float_power(tocha.tensor([2, 3]), 2)
        tensor([4., 9.], dtype=tocha.float64)
    """
    from .elementwise import pow

    a = _tensor_or_number("float_power", input)
    b = _tensor_or_number("float_power", exponent)
    if not isinstance(a, TensorBase) and not isinstance(b, TensorBase):
        raise TypeError("float_power(): expected at least one Tensor argument")
    complex_ = any(
        (isinstance(v, TensorBase) and v._dtype.category == _COMPLEX) or isinstance(v, complex) for v in (a, b)
    )
    from .._dtype import complex128

    target = complex128 if complex_ else float64
    a = cast_operand(a, target, a._device) if isinstance(a, TensorBase) else a
    b = cast_operand(b, target, b._device) if isinstance(b, TensorBase) else b
    if not isinstance(a, TensorBase):
        a = complex(a) if complex_ else float(a)
    if not isinstance(b, TensorBase):
        b = complex(b) if complex_ else float(b)
    result: Tensor = pow(a, b)
    return result if out is None else copy_to_out(result, out)


def clamp_min_(input: Tensor, min: Any) -> Tensor:
    """In-place :func:`tocha.clamp_min`.

    Example:
        >>> import tocha
        >>> x = tocha.tensor([-1.0, 2.0])
        >>> tocha.clamp_min_(x, 0.0)
        tensor([0., 2.])
    """
    return as_tensor_arg("clamp_min_", input).clamp_min_(min)  # type: ignore[attr-defined,no-any-return]


def clamp_max_(input: Tensor, max: Any) -> Tensor:
    """In-place :func:`tocha.clamp_max`.

    Example:
        >>> import tocha
        >>> x = tocha.tensor([-1.0, 2.0])
        >>> tocha.clamp_max_(x, 0.0)
        tensor([-1.,  0.])
    """
    return as_tensor_arg("clamp_max_", input).clamp_max_(max)  # type: ignore[attr-defined,no-any-return]


def _angle_convert(name: str, input: Any, factor: float) -> Tensor:
    """``input * factor`` in a floating dtype (ints and bool give the default float; half precisions compute in
    float32 and round once, as PyTorch's kernels do)."""
    x = as_tensor_arg(name, input)
    d = x._dtype
    if d.category == _COMPLEX:
        raise RuntimeError(f"{name} is not supported for complex tensors.")
    if d.category < _FLOAT:
        return x.to(get_default_dtype()) * factor  # type: ignore[attr-defined,no-any-return]
    if d.itemsize < 4:
        return (x.to(float32) * factor).to(d)  # type: ignore[attr-defined,no-any-return]
    return x * factor  # type: ignore[no-any-return]


def _angle_convert_(name: str, input: Any, factor: float) -> Tensor:
    x = as_tensor_arg(name + "_", input)
    d = x._dtype
    if d.category == _COMPLEX:
        raise RuntimeError(f"{name} is not supported for complex tensors.")
    if d.category < _FLOAT:
        raise RuntimeError(
            f"{name}_(): result type {type_name(get_default_dtype())} can't be cast to the desired output type "
            f"{type_name(d)}"
        )
    return x.copy_(_angle_convert(name, x, factor))  # type: ignore[attr-defined,no-any-return]


_DEG2RAD = math.pi / 180.0
_RAD2DEG = 180.0 / math.pi


def deg2rad(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Angles in degrees converted to radians: ``input * pi / 180`` (integers give the default float dtype).

    Raises:
        RuntimeError: a complex ``input``.

    Example:
        >>> import tocha
        >>> tocha.deg2rad(tocha.tensor([180, 90]))
        tensor([3.1416, 1.5708])
    """
    result = _angle_convert("deg2rad", input, _DEG2RAD)
    return result if out is None else copy_to_out(result, out)


def rad2deg(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Angles in radians converted to degrees: ``input * 180 / pi`` (integers give the default float dtype).

    Raises:
        RuntimeError: a complex ``input``.

    Example:
        >>> import tocha
        >>> tocha.rad2deg(tocha.tensor([3.141592653589793, -1.0], dtype=tocha.float64))
        tensor([180.0000, -57.2958], dtype=tocha.float64)
    """
    result = _angle_convert("rad2deg", input, _RAD2DEG)
    return result if out is None else copy_to_out(result, out)


def deg2rad_(input: Tensor) -> Tensor:
    """In-place :func:`deg2rad`; integer tensors refuse (the float result cannot be written back).

    Example:
        >>> import tocha
        >>> tocha.deg2rad_(tocha.tensor([180.0]))
        tensor([3.1416])
    """
    return _angle_convert_("deg2rad", input, _DEG2RAD)


def rad2deg_(input: Tensor) -> Tensor:
    """In-place :func:`rad2deg`; integer tensors refuse (the float result cannot be written back).

    Example:
        >>> import tocha
        >>> tocha.rad2deg_(tocha.tensor([0.5]))
        tensor([28.6479])
    """
    return _angle_convert_("rad2deg", input, _RAD2DEG)


def igamma(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The regularized lower incomplete gamma function: another name for :func:`tocha.special.gammainc`.

    Example:
        >>> import tocha
        >>> tocha.igamma(tocha.tensor([1.0, 2.0]), tocha.tensor([0.5, 3.0]))
        tensor([0.3935, 0.8009])
    """
    from .special_ops import gammainc

    return gammainc(input, other, out=out)


def igammac(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The regularized upper incomplete gamma function: another name for :func:`tocha.special.gammaincc`.

    Example:
        >>> import tocha
        >>> tocha.igammac(tocha.tensor([1.0, 2.0]), tocha.tensor([0.5, 3.0]))
        tensor([0.6065, 0.1991])
    """
    from .special_ops import gammaincc

    return gammaincc(input, other, out=out)


def mvlgamma(input: Tensor, p: int, *, out: Tensor | None = None) -> Tensor:
    """The multivariate log-gamma function of dimension ``p``: :func:`tocha.special.multigammaln`.

    Integer and bool inputs are taken in the default float dtype, as PyTorch does.

    Example:
        >>> import tocha
        >>> tocha.mvlgamma(tocha.tensor([2.5, 3.0]), 2)
        tensor([0.8570, 1.5502])
    """
    from .special_ops import multigammaln

    x = as_tensor_arg("mvlgamma", input)
    if x._dtype.category == _BOOL:
        raise RuntimeError("The input tensor may not be a boolean tensor.")
    if x._dtype.category < _FLOAT:
        x = x.to(get_default_dtype())  # type: ignore[attr-defined]
    return multigammaln(x, p, out=out)


def _inplace_result(name: str, target: Tensor, result: Tensor) -> Tensor:
    """Write an out-of-place ``result`` back into ``target`` (``igamma_``...), refusing what PyTorch refuses."""
    from .._dtype import can_cast

    if not can_cast(result._dtype, target._dtype):
        raise RuntimeError(
            f"{name}(): result type {type_name(result._dtype)} can't be cast to the desired output type "
            f"{type_name(target._dtype)}"
        )
    if result._data.shape != target._data.shape:
        raise RuntimeError(
            f"{name}(): output with shape {list(target._data.shape)} doesn't match the broadcast shape "
            f"{list(result._data.shape)}"
        )
    return target.copy_(result)  # type: ignore[attr-defined,no-any-return]


def unravel_index(indices: Tensor, shape: int | Sequence[int]) -> tuple[Tensor, ...]:
    """The coordinates, in a tensor of ``shape``, of the flat (row-major) ``indices``: one int64 tensor per dim.

    Indices outside ``[0, numel)`` wrap around modulo the sizes, as in PyTorch.

    Raises:
        TypeError: ``indices`` not an integer tensor.
        ValueError: a negative size.

    Example:
        >>> import tocha
        >>> tocha.unravel_index(tocha.tensor([4, 1]), (2, 3))
        (tensor([1, 0]), tensor([1, 1]))
    """
    if not isinstance(indices, TensorBase):
        raise TypeError(f"unravel_index(): expected 'indices' to be a Tensor, but got {type(indices).__name__}")
    if indices._dtype.category != _INT:
        raise TypeError(f"unravel_index(): expected 'indices' to be integer dtype, but got {indices._dtype}")
    sizes = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    if any(s < 0 for s in sizes):
        raise ValueError(f"unravel_index(): 'shape' cannot have negative values, but got {sizes}")
    if 0 in sizes and indices._data.size:
        raise RuntimeError(f"unravel_index(): cannot unravel indices into a shape with no elements, {list(sizes)}")
    flat = indices.to(int64)  # type: ignore[attr-defined]
    coords: list[Tensor] = []
    for size in reversed(sizes):
        coords.append(flat.remainder(size) if size else flat)
        flat = flat.div(size, rounding_mode="floor") if size else flat
    return tuple(reversed(coords))


def gradient(
    input: Tensor, *, spacing: Any = 1, dim: int | Sequence[int] | None = None, edge_order: int = 1
) -> tuple[Tensor, ...]:
    """Estimates of ``input``'s derivative along each of ``dim`` (all dims by default), one tensor per dim.

    Central differences inside, one-sided differences of order ``edge_order`` (1 or 2) at the ends.
    ``spacing`` is one number (the step in every dim), a list of numbers (one step per dim) or a
    list of 1-D tensors (each dim's sample coordinates, which may be unevenly spaced). Integer
    inputs give the default float dtype. Differentiable.

    Raises:
        RuntimeError: ``edge_order`` not 1 or 2, a dim shorter than ``edge_order + 1``, or a ``spacing``
            list of the wrong length.

    Example:
        >>> import tocha
        >>> tocha.gradient(tocha.tensor([1.0, 4.0, 9.0, 16.0]))
        (tensor([3., 4., 6., 7.]),)
        >>> tocha.gradient(tocha.tensor([1.0, 4.0, 9.0]), spacing=[tocha.tensor([0.0, 1.0, 3.0])])
        (tensor([3.0000, 2.8333, 2.5000]),)
    """
    x = as_tensor_arg("gradient", input)
    ndim = x._data.ndim
    if edge_order not in (1, 2):
        raise RuntimeError("tocha.gradient only supports edge_order=1 and edge_order=2.")
    dims = list(range(ndim)) if dim is None else [normalize_dim("gradient", d, ndim) for d in _as_list(dim)]
    steps: list[Any]
    if isinstance(spacing, (list, tuple)):
        if len(spacing) != len(dims):
            what = (
                f"'self.dim() = {ndim}', since dim argument was not given"
                if dim is None
                else f"'len(dim) = {len(dims)}', since dim argument was given"
            )
            raise RuntimeError(
                "tocha.gradient expected spacing to be unspecified, a scalar, or a list of length equal to "
                f"{what}, but got a list of length {len(spacing)}"
            )
        steps = list(spacing)
    else:
        steps = [spacing] * len(dims)
    for d in dims:
        if x._data.shape[d] < edge_order + 1:
            raise RuntimeError("tocha.gradient expected each dimension size to be at least edge_order+1")
    if x._dtype.category < _FLOAT:
        x = x.to(get_default_dtype())  # type: ignore[attr-defined]
    return tuple(_gradient_along(x, d, step, edge_order) for d, step in zip(dims, steps, strict=True))


def _as_list(dim: int | Sequence[int]) -> list[int]:
    return [dim] if isinstance(dim, (int, np.integer)) else list(dim)


def _gradient_along(x: Tensor, d: int, step: Any, edge_order: int) -> Tensor:
    from .shape import cat, narrow

    n = x._data.shape[d]

    def part(start: int, length: int = 1) -> Tensor:
        return narrow(x, d, start if start >= 0 else n + start, length)

    if not isinstance(step, TensorBase):
        h = scalar_or_tensor("gradient", step)
        if isinstance(h, TensorBase):
            h = h.item()  # type: ignore[attr-defined]
        center = (part(2, n - 2) - part(0, n - 2)) / (2 * h)
        if edge_order == 1:
            first = (part(1) - part(0)) / h
            last = (part(-1) - part(-2)) / h
        else:
            first = (part(0) * -1.5 + part(1) * 2.0 - part(2) * 0.5) / h
            last = (part(-3) * 0.5 - part(-2) * 2.0 + part(-1) * 1.5) / h
        return cat([first, center, last], d)
    coords = step if step._dtype.category >= _FLOAT else step.to(x._dtype)  # type: ignore[attr-defined]
    view = [1] * x._data.ndim
    view[d] = -1
    dx = (coords[1:] - coords[:-1]).reshape(view)  # type: ignore[index]
    dx1, dx2 = narrow(dx, d, 0, n - 2), narrow(dx, d, 1, n - 2)
    a = -dx2 / (dx1 * (dx1 + dx2))
    b = (dx2 - dx1) / (dx1 * dx2)
    c = dx1 / (dx2 * (dx1 + dx2))
    center = a * part(0, n - 2) + b * part(1, n - 2) + c * part(2, n - 2)
    if edge_order == 1:
        first = (part(1) - part(0)) / narrow(dx, d, 0, 1)
        last = (part(-1) - part(-2)) / narrow(dx, d, n - 2, 1)
    else:
        h1, h2 = narrow(dx, d, 0, 1), narrow(dx, d, 1, 1)
        first = (
            part(0) * (-(2.0 * h1 + h2) / (h1 * (h1 + h2)))
            + part(1) * ((h1 + h2) / (h1 * h2))
            - part(2) * (h1 / (h2 * (h1 + h2)))
        )
        h1, h2 = narrow(dx, d, n - 3, 1), narrow(dx, d, n - 2, 1)
        last = (
            part(-3) * (h2 / (h1 * (h1 + h2)))
            - part(-2) * ((h1 + h2) / (h1 * h2))
            + part(-1) * ((2.0 * h2 + h1) / (h2 * (h1 + h2)))
        )
    return cat([first, center, last], d)


# ------------------------------------------------------------------ composites: shapes and differences


def diff(
    input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None, append: Tensor | None = None
) -> Tensor:
    """The ``n``-th forward difference along ``dim`` (``logical_xor`` for bool), after concatenating
    ``prepend`` / ``append``.

    Raises:
        RuntimeError: a 0-dim input or a negative ``n``.

    Example:
        >>> import tocha
        >>> tocha.diff(tocha.tensor([1, 3, 6, 10]), n=2)
        tensor([1, 1])
    """
    from .elementwise import logical_xor
    from .shape import cat

    x: Any = as_tensor_arg("diff", input)
    if x.dim() == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = normalize_dim("diff", dim, x.dim())
    parts = [p for p in (prepend, x, append) if p is not None]
    if len(parts) > 1:
        parts = [p if p.dim() else p.expand(*[s if i != d else 1 for i, s in enumerate(x.shape)]) for p in parts]
        x = cat(parts, d)
    for _ in range(n):
        length = x.shape[d]
        if length == 0:
            break
        hi, lo = x.narrow(d, 1, length - 1), x.narrow(d, 0, length - 1)
        x = logical_xor(hi, lo) if x.dtype.category == _BOOL else hi - lo
    return x  # type: ignore[no-any-return]


def kron(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The Kronecker product (dims aligned from the right).

    Example:
        >>> import tocha
        >>> tocha.kron(tocha.tensor([[1, 2], [3, 4]]), tocha.tensor([[1, 1]]))
        tensor([[1, 1, 2, 2],
                [3, 3, 4, 4]])
    """
    a: Any = as_tensor_arg("kron", input)
    b: Any = as_tensor_arg("kron", other)
    ndim = max(a.dim(), b.dim())
    sa = [1] * (ndim - a.dim()) + list(a.shape)
    sb = [1] * (ndim - b.dim()) + list(b.shape)
    a2 = a.reshape([v for s in sa for v in (s, 1)])
    b2 = b.reshape([v for s in sb for v in (1, s)])
    result: Tensor = (a2 * b2).reshape([x * y for x, y in zip(sa, sb, strict=True)])
    return result if out is None else copy_to_out(result, out)


def _tensor_args(name: str, tensors: tuple[Any, ...]) -> list[Any]:
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    return to_tensor_list(name, list(tensors))


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple[Tensor, ...]:
    """Coordinate grids from 0-dim/1-dim tensors: ``indexing='ij'`` (matrix) or ``'xy'`` (Cartesian).

    Without ``indexing`` it is ``'ij'`` and a UserWarning says it will be required, as PyTorch.

    Example:
        >>> import tocha
        >>> x, y = tocha.meshgrid(tocha.tensor([1, 2]), tocha.tensor([3, 4, 5]), indexing="ij")
        >>> x.shape, y[0]
        (tocha.Size([2, 3]), tensor([3, 4, 5]))
    """
    ts = _tensor_args("meshgrid", tensors)
    if indexing is None:
        warnings.warn(
            "torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
            UserWarning,
            stacklevel=2,
        )
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    if not ts:
        return ()
    for t in ts:
        if t.dim() > 1:
            raise RuntimeError(
                f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got a {t.dim()}D tensor"
            )
        if t._dtype is not ts[0]._dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    common_device("meshgrid", *ts)
    flat = [t.reshape(-1) for t in ts]
    order = list(range(len(flat)))
    if indexing == "xy" and len(flat) >= 2:
        order[0], order[1] = 1, 0
    shape = [flat[i].shape[0] for i in order]
    result = []
    for i, t in enumerate(flat):
        view = [1] * len(flat)
        view[order.index(i)] = -1
        result.append(t.reshape(view).expand(*shape))
    return tuple(result)


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """The Cartesian product of 1-D tensors, one row per combination (a single tensor is returned as is).

    Example:
        >>> import tocha
        >>> tocha.cartesian_prod(tocha.tensor([1, 2]), tocha.tensor([3, 4]))
        tensor([[1, 3],
                [1, 4],
                [2, 3],
                [2, 4]])
    """
    from .shape import stack

    ts = _tensor_args("cartesian_prod", tensors)
    for t in ts:
        if t.dim() != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
    if len(ts) == 1:
        return ts[0]  # type: ignore[no-any-return]
    grids = meshgrid(*ts, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """The length-``r`` combinations of a 1-D tensor's elements (as ``itertools.combinations``), one per row.

    Example:
        >>> import tocha
        >>> tocha.combinations(tocha.tensor([1, 2, 3]))
        tensor([[1, 2],
                [1, 3],
                [2, 3]])
    """
    from .creation import empty, tensor

    x: Any = as_tensor_arg("combinations", input)
    if x.dim() != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(x.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return empty(0, dtype=x.dtype, device=x.device)
    source = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    index = np.array(list(source(range(x.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    positions = tensor(index.reshape(-1), device=x.device)
    return x.index_select(0, positions).reshape(-1, r)  # type: ignore[no-any-return]


def _trapezoid_terms(name: str, y: Any, x: Any, dx: Any, dim: int) -> tuple[Any, int]:
    y = as_tensor_arg(name, y)
    d = normalize_dim(name, dim, y.dim())
    length = y.shape[d]
    if length == 0:
        return None, d
    pair = y.narrow(d, 1, length - 1) + y.narrow(d, 0, length - 1)
    if x is None:
        spacing = 1.0 if dx is None else dx
        return pair * (spacing / 2.0), d
    if not isinstance(x, TensorBase):
        return pair * (float(x) / 2.0), d
    xs: Any = x
    if xs.dim() == 1:
        if xs.shape[0] != length:
            raise RuntimeError(
                f"{name}: There must be one `x` value for each sample point, but got {xs.shape[0]} and {length}"
            )
        view = [1] * y.dim()
        view[d] = length
        xs = xs.reshape(view)
    dxs = diff(xs, dim=d if xs.dim() == y.dim() else -1)
    return pair * dxs / 2.0, d


def trapezoid(y: Tensor, x: Any = None, *, dx: float | None = None, dim: int = -1) -> Tensor:
    """The trapezoidal rule along ``dim``: sample points ``x`` (tensor or constant spacing) or spacing ``dx``.

    Example:
        >>> import tocha
        >>> tocha.trapezoid(tocha.tensor([1.0, 2.0, 3.0]), tocha.tensor([0.0, 1.0, 3.0]))
        tensor(6.5000)
    """
    from .creation import zeros

    if x is not None and dx is not None:
        raise RuntimeError("trapezoid: received both `x` and `dx`; only one of them may be given")
    terms, d = _trapezoid_terms("trapezoid", y, x, dx, dim)
    if terms is None:
        yt: Any = y
        shape = [s for i, s in enumerate(yt.shape) if i != d]
        dt = yt.dtype if yt.dtype.category >= _FLOAT else get_default_dtype()
        return zeros(*shape, dtype=dt, device=yt.device)
    return terms.sum(d)  # type: ignore[no-any-return]


def trapz(y: Tensor, x: Any = None, *, dx: float | None = None, dim: int = -1) -> Tensor:
    """Alias of :func:`trapezoid`.

    Example:
        >>> import tocha
        >>> tocha.trapz(tocha.tensor([1.0, 1.0]), dx=2.0)
        tensor(2.)
    """
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y: Tensor, x: Any = None, *, dx: float | None = None, dim: int = -1) -> Tensor:
    """The running trapezoidal integral along ``dim`` (one element shorter than ``y`` there).

    Example:
        >>> import tocha
        >>> tocha.cumulative_trapezoid(tocha.tensor([1.0, 2.0, 3.0]), dx=2.0)
        tensor([3., 8.])
    """
    if x is not None and dx is not None:
        raise RuntimeError("cumulative_trapezoid: received both `x` and `dx`; only one of them may be given")
    terms, d = _trapezoid_terms("cumulative_trapezoid", y, x, dx, dim)
    if terms is None:
        return as_tensor_arg("cumulative_trapezoid", y)
    return terms.cumsum(d)  # type: ignore[no-any-return]


# ------------------------------------------------------------------ composites: norms and statistics


def _vector_norm(x: Any, p: float, dim: Any, keepdim: bool = False) -> Tensor:
    import tocha

    return tocha.linalg.vector_norm(x, p, dim=dim, keepdim=keepdim)  # type: ignore[no-any-return]


def renorm(input: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:
    """Each sub-tensor along ``dim`` rescaled so that its ``p``-norm is at most ``maxnorm``.

    Example:
        >>> import tocha
        >>> tocha.renorm(tocha.tensor([[3.0, 4.0], [0.3, 0.4]]), 2, 0, 1.0)
        tensor([[0.6000, 0.8000],
                [0.3000, 0.4000]])
    """
    from .elementwise import where

    x: Any = as_tensor_arg("renorm", input)
    if p <= 0:
        raise RuntimeError(f"renorm: non-positive-norm not supported, got p={p}")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if x.dim() <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {x.dim()} dimensions")
    d = normalize_dim("renorm", dim, x.dim())
    others = [i for i in range(x.dim()) if i != d]
    norms = _vector_norm(x, p, others, keepdim=True)
    factor = where(norms > maxnorm, maxnorm / (norms + 1e-7), 1.0)
    return x * factor  # type: ignore[no-any-return]


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    """The ``p``-norm of ``input - other`` (broadcast).

    Example:
        >>> import tocha
        >>> tocha.dist(tocha.tensor([1.0, 1.0]), tocha.tensor([4.0, 5.0]))
        tensor(5.)
    """
    x: Any = as_tensor_arg("dist", input)
    return _vector_norm(x - other, p, None)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """The ``p``-norm distance between each row of ``x1`` (…, P, M) and each row of ``x2`` (…, R, M): (…, P, R).

    ``compute_mode`` is accepted for compatibility; distances are always computed directly.

    Raises:
        RuntimeError: inputs of fewer than 2 dims, different column counts, a negative ``p``.

    Example:
        >>> import tocha
        >>> tocha.cdist(tocha.tensor([[0.0, 0.0]]), tocha.tensor([[3.0, 4.0], [1.0, 0.0]]))
        tensor([[5., 1.]])
    """
    a: Any = as_tensor_arg("cdist", x1)
    b: Any = as_tensor_arg("cdist", x2)
    if a.dim() < 2 or b.dim() < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {a.dim()}D" if a.dim() < 2 else
                           f"cdist only supports at least 2D tensors, X2 got: {b.dim()}D")  # fmt: skip
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {a.shape[-1]} X2: {b.shape[-1]}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    if a.dtype.category != _FLOAT or b.dtype.category != _FLOAT:
        raise RuntimeError(f"cdist only supports floating-point dtypes, X1 got: {type_name(a.dtype)}")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"X1 and X2 must have the same dtype, X1: {type_name(a.dtype)} X2: {type_name(b.dtype)}")
    difference = a.unsqueeze(-2) - b.unsqueeze(-3)
    return _vector_norm(difference, p, -1)


def cov(
    input: Tensor, *, correction: int = 1, fweights: Tensor | None = None, aweights: Tensor | None = None
) -> Tensor:
    """The covariance matrix of the variables in the rows of ``input`` (observations in columns).

    ``fweights`` (integer frequencies) and ``aweights`` (float importance weights) weight the observations;
    ``correction`` is Bessel's (1) or none (0).

    Example:
        >>> import tocha
        >>> tocha.cov(tocha.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
        tensor([[ 1., -1.],
                [-1.,  1.]])
    """
    from .elementwise import where

    x: Any = as_tensor_arg("cov", input)
    if x.dim() > 2:
        raise RuntimeError(
            f"cov(): expected input to have two or fewer dimensions but got an input with {x.dim()} dimensions"
        )
    vector = x.dim() < 2
    if vector:
        x = x.reshape(1, -1)
    if x.dtype.category < _FLOAT:
        x = x.to(get_default_dtype())
    observations = x.shape[1]
    w: Any = None
    if fweights is not None:
        fw: Any = as_tensor_arg("cov", fweights)
        if fw.dim() > 1:
            raise RuntimeError(
                f"cov(): expected fweights to have one or fewer dimensions but got fweights with {fw.dim()} dimensions"
            )
        if fw.dtype.category not in (_INT,):
            raise RuntimeError(
                f"cov(): expected fweights to have integral dtype but got fweights with {type_name(fw.dtype)} dtype"
            )
        if fw.numel() != observations:
            raise RuntimeError(
                f"cov(): expected fweights to have the same numel as there are observations in the "
                f"input but got {fw.numel()} != {observations}"
            )
        if fw.numel() and bool((fw < 0).any()):
            raise RuntimeError("cov(): fweights cannot be negative")
        w = fw
    if aweights is not None:
        aw: Any = as_tensor_arg("cov", aweights)
        if aw.dim() > 1:
            raise RuntimeError(
                f"cov(): expected aweights to have one or fewer dimensions but got aweights with {aw.dim()} dimensions"
            )
        if aw.dtype.category != _FLOAT:
            raise RuntimeError(
                "cov(): expected aweights to have floating point dtype but got aweights with "
                f"{type_name(aw.dtype)} dtype"
            )
        if aw.numel() != observations:
            raise RuntimeError(
                f"cov(): expected aweights to have the same numel as there are observations in the "
                f"input but got {aw.numel()} != {observations}"
            )
        if aw.numel() and bool((aw < 0).any()):
            raise RuntimeError("cov(): aweights cannot be negative")
        w = aw if w is None else w * aw
    if w is None:
        average = x.mean(1, keepdim=True)
        weight_sum: Any = float(observations)
        norm_factor: Any = weight_sum - correction
    else:
        w = w.to(x.dtype.to_real()) if w.dtype.category != _COMPLEX else w
        weight_sum = w.sum()
        average = (x * w).sum(1, keepdim=True) / weight_sum
        if aweights is None:
            norm_factor = weight_sum - correction
        else:
            norm_factor = weight_sum - correction * (w * aweights).sum() / weight_sum
    if isinstance(norm_factor, float):
        if norm_factor <= 0:
            warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number "
                          "of observations.", UserWarning, stacklevel=2)  # fmt: skip
            norm_factor = 0.0
    else:
        norm_factor = where(norm_factor > 0, norm_factor, 0.0)
    centred = x - average
    weighted = centred if w is None else centred * w
    conj = centred.conj() if centred.dtype.category == _COMPLEX else centred
    result = weighted.matmul(conj.transpose(0, 1)) / norm_factor
    return result.squeeze() if vector else result  # type: ignore[no-any-return]


def corrcoef(input: Tensor) -> Tensor:
    """The Pearson correlation coefficients of the rows of ``input`` (clipped to [-1, 1]).

    Example:
        >>> import tocha
        >>> tocha.corrcoef(tocha.tensor([[0.0, 1.0, 2.0], [4.0, 2.0, 0.0]]))
        tensor([[ 1., -1.],
                [-1.,  1.]])
    """
    from .elementwise import sqrt

    x: Any = as_tensor_arg("corrcoef", input)
    if x.dim() > 2:
        raise RuntimeError(
            f"corrcoef(): expected input to have two or fewer dimensions but got an input with {x.dim()} dimensions"
        )
    c: Any = cov(x)
    if c.dim() == 0:
        return c / c  # type: ignore[no-any-return]
    diagonal = c.diagonal()
    std = sqrt(diagonal.real if diagonal.dtype.category == _COMPLEX else diagonal)
    c = c / std.unsqueeze(1) / std.unsqueeze(0)
    if c.dtype.category == _COMPLEX:
        from .complex_ops import complex as make_complex

        return make_complex(c.real.clamp(-1, 1), c.imag.clamp(-1, 1))
    return c.clamp(-1, 1)  # type: ignore[no-any-return]


# ------------------------------------------------------------------ composites: construction


def block_diag(*tensors: Tensor) -> Tensor:
    """A block-diagonal matrix from 0-, 1- or 2-dim tensors (promoted to a common dtype).

    Example:
        >>> import tocha
        >>> tocha.block_diag(tocha.tensor([[1, 2]]), tocha.tensor(3))
        tensor([[1, 2, 0],
                [0, 0, 3]])
    """
    from .creation import zeros
    from .shape import cat

    ts = _tensor_args("block_diag", tensors)
    if not ts:
        return zeros(1, 0)
    for i, t in enumerate(ts):
        if t.dim() > 2:
            raise RuntimeError(
                f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has {t.dim()} dimensions"
            )
    dev = common_device("block_diag", *ts)
    d = result_type_of(*[t.reshape(-1) if t.dim() == 0 else t for t in ts])
    blocks = [cast_operand(t.reshape(1, -1) if t.dim() < 2 else t, d, dev) for t in ts]
    width = sum(b.shape[1] for b in blocks)
    rows = []
    left = 0
    for b in blocks:
        h, w = b.shape
        parts = [zeros(h, left, dtype=d, device=dev), b, zeros(h, width - left - w, dtype=d, device=dev)]
        rows.append(cat(parts, 1))
        left += w
    return cat(rows, 0)


def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:
    """The Vandermonde matrix of 1-D ``x``: columns ``x**(N-1), ..., x, 1`` (reversed when ``increasing``).

    Integer and bool inputs give int64.

    Example:
        >>> import tocha
        >>> tocha.vander(tocha.tensor([1, 2, 3]), N=3)
        tensor([[1, 1, 1],
                [4, 2, 1],
                [9, 3, 1]])
    """
    from .creation import ones
    from .shape import cat

    v: Any = as_tensor_arg("vander", x)
    if v.dim() != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = v.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    if v.dtype.category < _FLOAT:
        v = v.to(int64)
    if n == 0:
        return ones(v.shape[0], 0, dtype=v.dtype, device=v.device)
    columns = [ones(v.shape[0], 1, dtype=v.dtype, device=v.device)]
    if n > 1:
        columns.append(v.unsqueeze(1).expand(v.shape[0], n - 1).cumprod(1))
    result: Any = cat(columns, 1)
    return result if increasing else result.flip(1)  # type: ignore[no-any-return]


def _triangle_indices(
    name: str, row: int, col: int, offset: int, dtype: dtype | None, device: Any, lower: bool
) -> Tensor:
    from .creation import resolve_device, tensor

    d = int64 if dtype is None else dtype
    if d not in (int64, int32):
        raise RuntimeError(f"\"{name}\" not implemented for '{type_name(d)}'")
    if row < 0 or col < 0:
        raise RuntimeError(f"{name}(): row and col must be non-negative, got {row} and {col}")
    rows, cols = (np.tril_indices if lower else np.triu_indices)(row, offset, col)
    return tensor(np.stack([rows, cols]).astype(d.numpy_dtype).reshape(2, -1), device=resolve_device(device))


def tril_indices(
    row: int,
    col: int,
    offset: int = 0,
    *,
    dtype: dtype | None = None,
    layout: layout_ | None = None,
    device: Any = None,
) -> Tensor:
    """The (2, K) coordinates of the lower triangle of a ``row`` x ``col`` matrix (``offset`` diagonals up).

    Example:
        >>> import tocha
        >>> tocha.tril_indices(3, 3)
        tensor([[0, 1, 1, 2, 2, 2],
                [0, 0, 1, 0, 1, 2]])
    """
    if layout is not None:
        check_layout("tril_indices", layout)
    return _triangle_indices("tril_indices", row, col, offset, dtype, device, True)


def triu_indices(
    row: int,
    col: int,
    offset: int = 0,
    *,
    dtype: dtype | None = None,
    layout: layout_ | None = None,
    device: Any = None,
) -> Tensor:
    """The (2, K) coordinates of the upper triangle of a ``row`` x ``col`` matrix (``offset`` diagonals up).

    Example:
        >>> import tocha
        >>> tocha.triu_indices(3, 3, 1)
        tensor([[0, 0, 1],
                [1, 2, 2]])
    """
    if layout is not None:
        check_layout("triu_indices", layout)
    return _triangle_indices("triu_indices", row, col, offset, dtype, device, False)


def cross(input: Tensor, other: Tensor, dim: int | None = None, *, out: Tensor | None = None) -> Tensor:
    """The cross product of 3-vectors along ``dim`` (PyTorch's ``torch.cross``).

    Without ``dim`` the first dimension of size 3 is used, with PyTorch's deprecation warning; prefer
    :func:`tocha.linalg.cross`, whose default is the last dimension.

    Example:
        >>> import tocha
        >>> tocha.cross(tocha.tensor([1.0, 0.0, 0.0]), tocha.tensor([0.0, 1.0, 0.0]), dim=0)
        tensor([0., 0., 1.])
    """
    from .. import linalg

    if dim is None:
        import warnings

        warnings.warn(
            "Using tocha.cross without specifying the dim arg is deprecated.\nPlease either pass the dim explicitly "
            "or simply use tocha.linalg.cross.\nThe default value of dim will change to agree with that of "
            "linalg.cross in a future release.",
            UserWarning,
            stacklevel=2,
        )
        shape = _broadcast_shape_of(input, other)
        dim = next((i for i, size in enumerate(shape) if size == 3), None)
        if dim is None:
            raise RuntimeError(f"no dimension of size 3 in input (shapes {list(input.shape)} and {list(other.shape)})")
    return linalg.cross(input, other, dim=dim, out=out)


def _broadcast_shape_of(a: Tensor, b: Tensor) -> tuple[int, ...]:
    from ._common import broadcast_shape

    return tuple(broadcast_shape("cross", tuple(a.shape), tuple(b.shape)))


class MathExtraMethods:
    """Tensor methods of these functions, as PyTorch has them."""

    __slots__ = ()

    def cross(self: Any, other: Any, dim: int | None = None) -> Tensor:
        """See :func:`tocha.cross`."""
        return cross(self, other, dim)

    def copysign(self: Any, other: Any) -> Tensor:
        """See :func:`tocha.copysign`."""
        return copysign(self, other)

    def copysign_(self: Any, other: Any) -> Tensor:
        """In-place :func:`tocha.copysign`."""
        return binary_inplace(COPYSIGN, self, _tensor_or_number("copysign_", other))

    def nextafter(self: Any, other: Any) -> Tensor:
        """See :func:`tocha.nextafter`."""
        return nextafter(self, other)

    def nextafter_(self: Any, other: Any) -> Tensor:
        """In-place :func:`tocha.nextafter`."""
        return binary_inplace(NEXTAFTER, self, _tensor_only("nextafter_", other))

    def ldexp(self: Any, other: Any) -> Tensor:
        """See :func:`tocha.ldexp`."""
        return ldexp(self, other)

    def ldexp_(self: Any, other: Any) -> Tensor:
        """In-place :func:`tocha.ldexp`."""
        return self.copy_(ldexp(self, other))  # type: ignore[no-any-return]

    def float_power(self: Any, exponent: Any) -> Tensor:
        """See :func:`tocha.float_power`."""
        return float_power(self, exponent)

    def float_power_(self: Any, exponent: Any) -> Tensor:
        """In-place :func:`tocha.float_power` (``self`` must be float64 or complex128)."""
        if self._dtype.itemsize < 8 or self._dtype.category < _FLOAT:
            raise RuntimeError(
                f"the base given to float_power_ has dtype {type_name(self._dtype)} but the operation's result "
                "requires dtype Double"
            )
        return self.copy_(float_power(self, exponent))  # type: ignore[no-any-return]

    def frexp(self: Any) -> tuple[Tensor, Tensor]:
        """See :func:`tocha.frexp`."""
        return frexp(self)

    def gcd(self: Any, other: Any) -> Tensor:
        """See :func:`tocha.gcd`."""
        return gcd(self, other)

    def gcd_(self: Any, other: Any) -> Tensor:
        """In-place :func:`tocha.gcd`."""
        return binary_inplace(GCD, self, _tensor_or_number("gcd_", other))

    def lcm(self: Any, other: Any) -> Tensor:
        """See :func:`tocha.lcm`."""
        return lcm(self, other)

    def lcm_(self: Any, other: Any) -> Tensor:
        """In-place :func:`tocha.lcm`."""
        return binary_inplace(LCM, self, _tensor_or_number("lcm_", other))

    def heaviside(self: Any, values: Any) -> Tensor:
        """See :func:`tocha.heaviside`."""
        return heaviside(self, values)

    def heaviside_(self: Any, values: Any) -> Tensor:
        """In-place :func:`tocha.heaviside`.

        Example:
            >>> import tocha
            >>> tocha.tensor([-2.0, 0.0, 3.0]).heaviside_(tocha.tensor([0.5]))
            tensor([0.0000, 0.5000, 1.0000])
        """
        v = as_tensor_arg("heaviside_", values)
        if self._dtype is not v._dtype:
            raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
        check_dtype(HEAVISIDE, self._dtype)
        return binary_inplace(HEAVISIDE, self, v)

    def deg2rad(self: Any) -> Tensor:
        """See :func:`tocha.deg2rad`."""
        return deg2rad(self)

    def deg2rad_(self: Any) -> Tensor:
        """See :func:`tocha.deg2rad_`."""
        return deg2rad_(self)

    def rad2deg(self: Any) -> Tensor:
        """See :func:`tocha.rad2deg`."""
        return rad2deg(self)

    def rad2deg_(self: Any) -> Tensor:
        """See :func:`tocha.rad2deg_`."""
        return rad2deg_(self)

    def igamma(self: Any, other: Tensor) -> Tensor:
        """See :func:`tocha.igamma`."""
        return igamma(self, other)

    def igamma_(self: Any, other: Tensor) -> Tensor:
        """In-place :func:`tocha.igamma`."""
        return _inplace_result("igamma_", self, igamma(self, other))

    def igammac(self: Any, other: Tensor) -> Tensor:
        """See :func:`tocha.igammac`."""
        return igammac(self, other)

    def igammac_(self: Any, other: Tensor) -> Tensor:
        """In-place :func:`tocha.igammac`."""
        return _inplace_result("igammac_", self, igammac(self, other))

    def mvlgamma(self: Any, p: int) -> Tensor:
        """See :func:`tocha.mvlgamma`."""
        return mvlgamma(self, p)

    def mvlgamma_(self: Any, p: int) -> Tensor:
        """In-place :func:`tocha.mvlgamma`."""
        return _inplace_result("mvlgamma_", self, mvlgamma(self, p))

    def signbit(self: Any) -> Tensor:
        """See :func:`tocha.signbit`."""
        return signbit(self)

    def isin(self: Any, test_elements: Any, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
        """See :func:`tocha.isin`."""
        return isin(self, test_elements, assume_unique=assume_unique, invert=invert)

    def diff(self: Any, n: int = 1, dim: int = -1, prepend: Any = None, append: Any = None) -> Tensor:
        """See :func:`tocha.diff`."""
        return diff(self, n, dim, prepend, append)

    def kron(self: Any, other: Any) -> Tensor:
        """See :func:`tocha.kron`."""
        return kron(self, other)

    def renorm(self: Any, p: float, dim: int, maxnorm: float) -> Tensor:
        """See :func:`tocha.renorm`."""
        return renorm(self, p, dim, maxnorm)

    def renorm_(self: Any, p: float, dim: int, maxnorm: float) -> Tensor:
        """In-place :func:`tocha.renorm`."""
        return self.copy_(renorm(self, p, dim, maxnorm))  # type: ignore[no-any-return]

    def dist(self: Any, other: Any, p: float = 2) -> Tensor:
        """See :func:`tocha.dist`."""
        return dist(self, other, p)

    def cov(self: Any, *, correction: int = 1, fweights: Any = None, aweights: Any = None) -> Tensor:
        """See :func:`tocha.cov`."""
        return cov(self, correction=correction, fweights=fweights, aweights=aweights)

    def corrcoef(self: Any) -> Tensor:
        """See :func:`tocha.corrcoef`."""
        return corrcoef(self)
