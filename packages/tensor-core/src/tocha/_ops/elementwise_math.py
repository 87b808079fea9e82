"""Math functions: exponentials, logarithms, trigonometry, special functions, rounding, clamping and blends.

Unary float ops (exp, sin, sqrt...) take integer and bool inputs in the
default float dtype; each op's vjp follows PyTorch's conjugate convention for
complex inputs (``grad * conj(f'(z))``). Special functions are in
``elementwise_special`` (see NOTE [ Special functions ] there).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from .._dispatch import OpRecord, OpTest, call, call_inplace, register_op
from .._dtype import _BOOL, _COMPLEX, _FLOAT, dtype, float32
from .._tensor_base import TensorBase
from . import elementwise_special as _special
from ._common import (
    cast_operand,
    common_device,
    float_result_dtype,
    is_tensor,
    result_type_of,
    scalar_or_tensor,
    type_name,
)
from ._dtypes import FLOATING, FLOATING_COMPLEX, NO_BOOL, REAL, REAL_NO_BOOL
from ._scalar_fits import check_scalar_fits
from .elementwise_base import (
    as_tensor_arg,
    binary_inplace,
    binary_promoted,
    broadcast_vjp,
    check_cast,
    check_dtype,
    check_inplace_shape,
    conj_if_complex,
    copy_to_out,
    raise_broadcast_error,
    unary,
    unary_inplace,
)
from .elementwise_samples import addc_samples, clamp_samples, lerp_samples, where_samples

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = [
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt",
    "sin", "cos", "tan", "asin", "acos", "atan", "arcsin", "arccos", "arctan",
    "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "arcsinh", "arccosh", "arctanh",
    "sigmoid", "logit", "erf", "erfc", "erfinv", "lgamma", "digamma", "polygamma",
    "floor", "ceil", "round", "trunc", "fix", "frac", "sign", "sgn",
    "angle", "conj", "real", "imag",
    "atan2", "arctan2", "hypot", "logaddexp", "logaddexp2", "xlogy",
    "maximum", "minimum", "fmax", "fmin",
    "clamp", "clip", "clamp_min", "clamp_max", "where", "lerp", "addcmul", "addcdiv", "nan_to_num",
]  # fmt: skip

_TENSORS_ONLY = {"scalar": "PyTorch takes tensors only here"}
_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_PI_OVER_2 = math.sqrt(math.pi) / 2.0


_MISSING: Any = object()  # where(condition) alone: an absent argument, distinct from None


def _np_rsqrt(a: Any) -> Any:
    return 1.0 / np.sqrt(a)


def _np_sigmoid(a: Any) -> Any:
    return 1.0 / (1.0 + np.exp(-a))


def _np_erf(a: Any) -> Any:
    return _special.erf(np, np.asarray(a))


def _np_erfc(a: Any) -> Any:
    return _special.erfc(np, np.asarray(a))


def _np_erfinv(a: Any) -> Any:
    return _special.erfinv(np, np.asarray(a))


def _np_lgamma(a: Any) -> Any:
    return _special.lgamma(np, np.asarray(a))


def _np_digamma(a: Any) -> Any:
    return _special.digamma(np, np.asarray(a))


def _zeros_as(grad: Tensor) -> Tensor:
    """Zeros like ``grad`` (not ``grad * 0``, which keeps its NaNs and infs as NaN)."""
    from .creation import zeros_like

    return zeros_like(grad)


def _zero_grad(ctx: Any, grad: Tensor) -> tuple[Tensor, ...]:
    zeros = _zeros_as(grad)
    return tuple(zeros if shape is not None else None for shape in ctx.input_shapes)  # type: ignore[misc]


# ------------------------------------------------------------------ unary float ops


def _rsqrt_forward(xp: Any, a: Any) -> Any:
    return xp.reciprocal(xp.sqrt(a))


def _sigmoid_forward(xp: Any, a: Any) -> Any:
    if a.dtype.kind == "c":
        return 1.0 / (1.0 + xp.exp(-a))
    # exp(-a) may overflow to inf (fp_errors is set), and 1 / (1 + inf) is the right 0; one buffer throughout.
    result = xp.negative(a, out=xp.empty_like(a))  # out=: a 0-dim input stays an array
    xp.exp(result, out=result)
    result += 1
    return xp.reciprocal(result, out=result)


def _exp_forward(xp: Any, a: Any, out: Any = None) -> Any:
    return xp.exp(a) if out is None else xp.exp(a, out=out)


def _exp_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (grad * conj_if_complex(ctx.result),)


def _exp_jvp(ctx: Any, tangent: Tensor) -> Any:
    return tangent * ctx.result


EXP = register_op(
    OpRecord(
        name="exp",
        forward=_exp_forward,
        fp_errors=True,
        vjp=_exp_vjp,
        jvp=_exp_jvp,
        saves_result=True,
        supports_out=True,
        dtypes=FLOATING_COMPLEX,
        test=OpTest(samples="unary", reference=np.exp, torch_name="exp"),
    )
)


def exp(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """E raised to each element.

    Integer and bool inputs give the default float dtype.

    Example:
        >>> import tocha
        >>> tocha.exp(tocha.tensor([0.0, 1.0]))
        tensor([1.0000, 2.7183])
    """
    return unary(EXP, input, out, floating=True)


def _exp2_forward(xp: Any, a: Any, out: Any = None) -> Any:
    return xp.exp2(a) if out is None else xp.exp2(a, out=out)


def _exp2_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (grad * conj_if_complex(ctx.result * _LN2),)


EXP2 = register_op(
    OpRecord(
        name="exp2",
        forward=_exp2_forward,
        fp_errors=True,
        vjp=_exp2_vjp,
        saves_result=True,
        supports_out=True,
        dtypes=FLOATING_COMPLEX,
        test=OpTest(samples="unary", reference=np.exp2, torch_name="exp2"),
    )
)


def exp2(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """2 raised to each element.

    Integer and bool inputs give the default float dtype.

    Example:
        >>> import tocha
        >>> tocha.exp2(tocha.tensor([0.0, 3.0]))
        tensor([1., 8.])
    """
    return unary(EXP2, input, out, floating=True)


def _expm1_forward(xp: Any, a: Any, out: Any = None) -> Any:
    return xp.expm1(a) if out is None else xp.expm1(a, out=out)


def _expm1_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (grad * conj_if_complex(ctx.result + 1),)


EXPM1 = register_op(
    OpRecord(
        name="expm1",
        forward=_expm1_forward,
        fp_errors=True,
        vjp=_expm1_vjp,
        saves_result=True,
        supports_out=True,
        dtypes=FLOATING_COMPLEX,
        test=OpTest(samples="unary", reference=np.expm1, torch_name="expm1"),
    )
)


def expm1(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``exp(x) - 1``, accurate for small x.

    Integer and bool inputs give the default float dtype.

    Example:
        >>> import tocha
        >>> tocha.expm1(tocha.tensor([0.0, 1e-10]))
        tensor([0.0000e+00, 1.0000e-10])
    """
    return unary(EXPM1, input, out, floating=True)


def _log_forward(xp: Any, a: Any, out: Any = None) -> Any:
    return xp.log(a) if out is None else xp.log(a, out=out)


def _log_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (grad / conj_if_complex(ctx.inputs[0]),)


def _log_jvp(ctx: Any, tangent: Tensor) -> Any:
    return tangent / ctx.inputs[0]


LOG = register_op(
    OpRecord(
        name="log",
        forward=_log_forward,
        fp_errors=True,
        vjp=_log_vjp,
        jvp=_log_jvp,
        saves_inputs=(0,),
        supports_out=True,
        dtypes=FLOATING_COMPLEX,
        test=OpTest(samples="unary", reference=np.log, torch_name="log", domain=(0.1, None)),
    )
)


def log(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The natural logarithm.

    Integer and bool inputs give the default float dtype.

    Example:
        >>> import tocha
        >>> tocha.log(tocha.tensor([1.0, 2.718281828]))
        tensor([0., 1.])
    """
    return unary(LOG, input, out, floating=True)


def _log2_forward(xp: Any, a: Any, out: Any = None) -> Any:
    return xp.log2(a) if out is None else xp.log2(a, out=out)


def _log2_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (grad / conj_if_complex(ctx.inputs[0] * _LN2),)


LOG2 = register_op(
    OpRecord(
        name="log2",
        forward=_log2_forward,
        fp_errors=True,
        vjp=_log2_vjp,
        saves_inputs=(0,),
        supports_out=True,
        dtypes=FLOATING_COMPLEX,
        test=OpTest(samples="unary", reference=np.log2, torch_name="log2", domain=(0.1, None)),
    )
)


def log2(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The base-2 logarithm.

    Integer and bool inputs give the default float dtype.

    Example:
        >>> import tocha
        >>> tocha.log2(tocha.tensor([1.0, 8.0]))
        tensor([0., 3.])
    """
    return unary(LOG2, input, out, floating=True)


def _log10_forward(xp: Any, a: Any, out: Any = None) -> Any:
    return xp.log10(a) if out is None else xp.log10(a, out=out)


def _log10_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (grad / conj_if_complex(ctx.inputs[0] * _LN10),)


LOG10 = register_op(
    OpRecord(
        name="log10",
        forward=_log10_forward,
        fp_errors=True,
        vjp=_log10_vjp,
        saves_inputs=(0,),
        supports_out=True,
        dtypes=FLOATING_COMPLEX,
        test=OpTest(samples="unary", reference=np.log10, torch_name="log10", domain=(0.1, None)),
    )
)


def log10(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The base-10 logarithm.

    Integer and bool inputs give the default float dtype.

    Example:
        >>> import tocha
        >>> tocha.log10(tocha.tensor([1.0, 100.0]))
        tensor([0.0000, 2.0000])
    """
    return unary(LOG10, input, out, floating=True)


def _log1p_forward(xp: Any, a: Any, out: Any = None) -> Any:
    return xp.log1p(a) if out is None else xp.log1p(a, out=out)


def _log1p_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (grad / conj_if_complex(ctx.inputs[0] + 1),)


LOG1P = register_op(
    OpRecord(
        name="log1p",
        forward=_log1p_forward,
        fp_errors=True,
        vjp=_log1p_vjp,
        saves_inputs=(0,),
        supports_out=True,
        dtypes=FLOATING_COMPLEX,
        test=OpTest(samples="unary", reference=np.log1p, torch_name="log1p", domain=(-0.9, None)),
    )
)


def log1p(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``log(1 + x)``, accurate for small x.

    Integer and bool inputs give the default float dtype.

    Example:
        >>> import tocha
        >>> tocha.log1p(tocha.tensor([0.0, 1e-10]))
        tensor([0.0000e+00, 1.0000e-10])
    """
    return unary(LOG1P, input, out, floating=True)


def _sqrt_forward(xp: Any, a: Any, out: Any = None) -> Any:
    return xp.sqrt(a) if out is None else xp.sqrt(a, out=out)


def _sqrt_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (grad / conj_if_complex(ctx.result * 2),)


SQRT = register_op(
    OpRecord(
        name="sqrt",
        forward=_sqrt_forward,
        fp_errors=True,
        vjp=_sqrt_vjp,
        saves_result=True,
        supports_out=True,
        dtypes=FLOATING_COMPLEX,
        test=OpTest(samples="unary", reference=np.sqrt, torch_name="sqrt", domain=(0.1, None)),
    )
)


def sqrt(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The square root (nan for negative reals).

    Integer and bool inputs give the default float dtype.

    Example:
        >>> import tocha
        >>> tocha.sqrt(tocha.tensor([4.0, 2.0]))
        tensor([2.0000, 1.4142])
    """
    return unary(SQRT, input, out, floating=True)


def _rsqrt_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (grad * conj_if_complex(ctx.result * ctx.result * ctx.result * -0.5),)


RSQRT = register_op(
    OpRecord(
        name="rsqrt",
        forward=_rsqrt_forward,
        fp_errors=True,
        vjp=_rsqrt_vjp,
        saves_result=True,
        dtypes=FLOATING_COMPLEX,
        test=OpTest(samples="unary", reference=_np_rsqrt, torch_name="rsqrt", domain=(0.1, None)),
    )
)


def rsqrt(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``1 / sqrt(x)``.

    Integer and bool inputs give the default float dtype.

    Example:
        >>> import tocha
        >>> tocha.rsqrt(tocha.tensor([4.0, 0.25]))
        tensor([0.5000, 2.0000])
    """
    return unary(RSQRT, input, out, floating=True)


def _sin_forward(xp: Any, a: Any, out: Any = None) -> Any:
    return xp.sin(a) if out is None else xp.sin(a, out=out)


def _sin_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    x = ctx.inputs[0]
    if (
        grad._dtype is x._dtype
        and x._dtype.category == _FLOAT
        and grad._device is x._device
        and grad._data.shape == x._data.shape
    ):
        return (call(_SIN_BACKWARD, x._device, (grad, x), ()),)  # one op instead of cos and mul
    return (grad * conj_if_complex(x.cos()),)


def _sin_backward_forward(xp: Any, grad: Any, a: Any) -> Any:
    c = xp.cos(a)
    return xp.multiply(grad, c, out=c) if c.ndim else xp.multiply(grad, c)  # 0-dim: NumPy gives a scalar


def _sin_backward_vjp(ctx: Any, gg: Tensor) -> tuple[Tensor | None, ...]:
    grad, x = ctx.inputs
    need_grad, need_x = ctx.needs_input_grad
    return (gg * x.cos() if need_grad else None, gg * grad * -x.sin() if need_x else None)


# sin's vjp for real floats, ``grad * cos(x)`` in one dispatch (not registered: an internal op with its own vjp,
# so double backward works).
_SIN_BACKWARD = OpRecord(
    name="sin_backward",
    forward=_sin_backward_forward,
    fp_errors=True,
    vjp=_sin_backward_vjp,
    saves_inputs=(0, 1),
    dtypes=FLOATING,
)


def _sin_jvp(ctx: Any, tangent: Tensor) -> Any:
    return tangent * ctx.inputs[0].cos()


SIN = register_op(
    OpRecord(
        name="sin",
        forward=_sin_forward,
        fp_errors=True,
        vjp=_sin_vjp,
        jvp=_sin_jvp,
        saves_inputs=(0,),
        supports_out=True,
        dtypes=FLOATING_COMPLEX,
        test=OpTest(samples="unary", reference=np.sin, torch_name="sin"),
    )
)


def sin(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The sine.

    Integer and bool inputs give the default float dtype.

    Example:
        >>> import tocha
        >>> tocha.sin(tocha.tensor([0.0, 1.5707963]))
        tensor([0., 1.])
    """
    return unary(SIN, input, out, floating=True)


def _cos_forward(xp: Any, a: Any, out: Any = None) -> Any:
    return xp.cos(a) if out is None else xp.cos(a, out=out)


def _cos_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (grad * conj_if_complex(-ctx.inputs[0].sin()),)


def _cos_jvp(ctx: Any, tangent: Tensor) -> Any:
    return tangent * -ctx.inputs[0].sin()


COS = register_op(
    OpRecord(
        name="cos",
        forward=_cos_forward,
        fp_errors=True,
        vjp=_cos_vjp,
        jvp=_cos_jvp,
        saves_inputs=(0,),
        supports_out=True,
        dtypes=FLOATING_COMPLEX,
        test=OpTest(samples="unary", reference=np.cos, torch_name="cos"),
    )
)


def cos(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The cosine.

    Integer and bool inputs give the default float dtype.

    Example:
        >>> import tocha
        >>> tocha.cos(tocha.tensor([0.0, 3.1415927]))
        tensor([ 1., -1.])
    """
    return unary(COS, input, out, floating=True)


def _tan_forward(xp: Any, a: Any, out: Any = None) -> Any:
    return xp.tan(a) if out is None else xp.tan(a, out=out)


def _tan_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (grad * conj_if_complex(ctx.result * ctx.result + 1),)


TAN = register_op(
    OpRecord(
        name="tan",
        forward=_tan_forward,
        fp_errors=True,
        vjp=_tan_vjp,
        saves_result=True,
        supports_out=True,
        dtypes=FLOATING_COMPLEX,
        test=OpTest(samples="unary", reference=np.tan, torch_name="tan", domain=(-1.2, 1.2)),
    )
)


def tan(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The tangent.

    Integer and bool inputs give the default float dtype.

    Example:
        >>> import tocha
        >>> tocha.tan(tocha.tensor([0.0, 0.7853982]))
        tensor([0., 1.])
    """
    return unary(TAN, input, out, floating=True)


def _asin_forward(xp: Any, a: Any, out: Any = None) -> Any:
    return xp.arcsin(a) if out is None else xp.arcsin(a, out=out)


def _asin_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (grad / conj_if_complex((1 - ctx.inputs[0] * ctx.inputs[0]).sqrt()),)


ASIN = register_op(
    OpRecord(
        name="asin",
        forward=_asin_forward,
        fp_errors=True,
        vjp=_asin_vjp,
        saves_inputs=(0,),
        supports_out=True,
        dtypes=FLOATING_COMPLEX,
        test=OpTest(samples="unary", reference=np.arcsin, torch_name="asin", domain=(-0.95, 0.95)),
    )
)


def asin(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The inverse sine (nan outside [-1, 1]).

    Integer and bool inputs give the default float dtype.

    Example:
        >>> import tocha
        >>> tocha.asin(tocha.tensor([0.0, 1.0]))
        tensor([0.0000, 1.5708])
    """
    return unary(ASIN, input, out, floating=True)


def _acos_forward(xp: Any, a: Any, out: Any = None) -> Any:
    return xp.arccos(a) if out is None else xp.arccos(a, out=out)


def _acos_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (-grad / conj_if_complex((1 - ctx.inputs[0] * ctx.inputs[0]).sqrt()),)


ACOS = register_op(
    OpRecord(
        name="acos",
        forward=_acos_forward,
        fp_errors=True,
        vjp=_acos_vjp,
        saves_inputs=(0,),
        supports_out=True,
        dtypes=FLOATING_COMPLEX,
        test=OpTest(samples="unary", reference=np.arccos, torch_name="acos", domain=(-0.95, 0.95)),
    )
)


def acos(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The inverse cosine (nan outside [-1, 1]).

    Integer and bool inputs give the default float dtype.

    Example:
        >>> import tocha
        >>> tocha.acos(tocha.tensor([1.0, 0.0]))
        tensor([0.0000, 1.5708])
    """
    return unary(ACOS, input, out, floating=True)


def _atan_forward(xp: Any, a: Any, out: Any = None) -> Any:
    return xp.arctan(a) if out is None else xp.arctan(a, out=out)


def _atan_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (grad / conj_if_complex(ctx.inputs[0] * ctx.inputs[0] + 1),)


ATAN = register_op(
    OpRecord(
        name="atan",
        forward=_atan_forward,
        fp_errors=True,
        vjp=_atan_vjp,
        saves_inputs=(0,),
        supports_out=True,
        dtypes=FLOATING_COMPLEX,
        test=OpTest(samples="unary", reference=np.arctan, torch_name="atan"),
    )
)


def atan(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The inverse tangent.

    Integer and bool inputs give the default float dtype.

    Example:
        >>> import tocha
        >>> tocha.atan(tocha.tensor([0.0, 1.0]))
        tensor([0.0000, 0.7854])
    """
    return unary(ATAN, input, out, floating=True)


def _sinh_forward(xp: Any, a: Any, out: Any = None) -> Any:
    return xp.sinh(a) if out is None else xp.sinh(a, out=out)


def _sinh_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (grad * conj_if_complex(ctx.inputs[0].cosh()),)


SINH = register_op(
    OpRecord(
        name="sinh",
        forward=_sinh_forward,
        fp_errors=True,
        vjp=_sinh_vjp,
        saves_inputs=(0,),
        supports_out=True,
        dtypes=FLOATING_COMPLEX,
        test=OpTest(samples="unary", reference=np.sinh, torch_name="sinh"),
    )
)


def sinh(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The hyperbolic sine.

    Integer and bool inputs give the default float dtype.

    Example:
        >>> import tocha
        >>> tocha.sinh(tocha.tensor([0.0, 1.0]))
        tensor([0.0000, 1.1752])
    """
    return unary(SINH, input, out, floating=True)


def _cosh_forward(xp: Any, a: Any, out: Any = None) -> Any:
    return xp.cosh(a) if out is None else xp.cosh(a, out=out)


def _cosh_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (grad * conj_if_complex(ctx.inputs[0].sinh()),)


COSH = register_op(
    OpRecord(
        name="cosh",
        forward=_cosh_forward,
        fp_errors=True,
        vjp=_cosh_vjp,
        saves_inputs=(0,),
        supports_out=True,
        dtypes=FLOATING_COMPLEX,
        test=OpTest(samples="unary", reference=np.cosh, torch_name="cosh"),
    )
)


def cosh(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The hyperbolic cosine.

    Integer and bool inputs give the default float dtype.

    Example:
        >>> import tocha
        >>> tocha.cosh(tocha.tensor([0.0, 1.0]))
        tensor([1.0000, 1.5431])
    """
    return unary(COSH, input, out, floating=True)


def _tanh_forward(xp: Any, a: Any, out: Any = None) -> Any:
    return xp.tanh(a) if out is None else xp.tanh(a, out=out)


def _tanh_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (grad * conj_if_complex(1 - ctx.result * ctx.result),)


def _tanh_jvp(ctx: Any, tangent: Tensor) -> Any:
    return tangent * (1 - ctx.result * ctx.result)


TANH = register_op(
    OpRecord(
        name="tanh",
        forward=_tanh_forward,
        fp_errors=True,
        vjp=_tanh_vjp,
        jvp=_tanh_jvp,
        saves_result=True,
        supports_out=True,
        dtypes=FLOATING_COMPLEX,
        test=OpTest(samples="unary", reference=np.tanh, torch_name="tanh"),
    )
)


def tanh(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The hyperbolic tangent.

    Integer and bool inputs give the default float dtype.

    Example:
        >>> import tocha
        >>> tocha.tanh(tocha.tensor([0.0, 1.0]))
        tensor([0.0000, 0.7616])
    """
    return unary(TANH, input, out, floating=True)


def _asinh_forward(xp: Any, a: Any, out: Any = None) -> Any:
    return xp.arcsinh(a) if out is None else xp.arcsinh(a, out=out)


def _asinh_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (grad / conj_if_complex((ctx.inputs[0] * ctx.inputs[0] + 1).sqrt()),)


ASINH = register_op(
    OpRecord(
        name="asinh",
        forward=_asinh_forward,
        fp_errors=True,
        vjp=_asinh_vjp,
        saves_inputs=(0,),
        supports_out=True,
        dtypes=FLOATING_COMPLEX,
        test=OpTest(samples="unary", reference=np.arcsinh, torch_name="asinh"),
    )
)


def asinh(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The inverse hyperbolic sine.

    Integer and bool inputs give the default float dtype.

    Example:
        >>> import tocha
        >>> tocha.asinh(tocha.tensor([0.0, 1.0]))
        tensor([0.0000, 0.8814])
    """
    return unary(ASINH, input, out, floating=True)


def _acosh_forward(xp: Any, a: Any, out: Any = None) -> Any:
    return xp.arccosh(a) if out is None else xp.arccosh(a, out=out)


def _acosh_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (grad / conj_if_complex((ctx.inputs[0] * ctx.inputs[0] - 1).sqrt()),)


ACOSH = register_op(
    OpRecord(
        name="acosh",
        forward=_acosh_forward,
        fp_errors=True,
        vjp=_acosh_vjp,
        saves_inputs=(0,),
        supports_out=True,
        dtypes=FLOATING_COMPLEX,
        test=OpTest(samples="unary", reference=np.arccosh, torch_name="acosh", domain=(1.1, None)),
    )
)


def acosh(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The inverse hyperbolic cosine (nan below 1).

    Integer and bool inputs give the default float dtype.

    Example:
        >>> import tocha
        >>> tocha.acosh(tocha.tensor([1.0, 2.0]))
        tensor([0.0000, 1.3170])
    """
    return unary(ACOSH, input, out, floating=True)


def _atanh_forward(xp: Any, a: Any, out: Any = None) -> Any:
    return xp.arctanh(a) if out is None else xp.arctanh(a, out=out)


def _atanh_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (grad / conj_if_complex(1 - ctx.inputs[0] * ctx.inputs[0]),)


ATANH = register_op(
    OpRecord(
        name="atanh",
        forward=_atanh_forward,
        fp_errors=True,
        vjp=_atanh_vjp,
        saves_inputs=(0,),
        supports_out=True,
        dtypes=FLOATING_COMPLEX,
        test=OpTest(samples="unary", reference=np.arctanh, torch_name="atanh", domain=(-0.95, 0.95)),
    )
)


def atanh(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The inverse hyperbolic tangent (nan outside [-1, 1]).

    Integer and bool inputs give the default float dtype.

    Example:
        >>> import tocha
        >>> tocha.atanh(tocha.tensor([0.0, 0.5]))
        tensor([0.0000, 0.5493])
    """
    return unary(ATANH, input, out, floating=True)


def _sigmoid_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (grad * conj_if_complex(ctx.result * (1 - ctx.result)),)


def _sigmoid_jvp(ctx: Any, tangent: Tensor) -> Any:
    return tangent * (ctx.result * (1 - ctx.result))


SIGMOID = register_op(
    OpRecord(
        name="sigmoid",
        forward=_sigmoid_forward,
        fp_errors=True,
        vjp=_sigmoid_vjp,
        jvp=_sigmoid_jvp,
        saves_result=True,
        dtypes=FLOATING_COMPLEX,
        test=OpTest(samples="unary", reference=_np_sigmoid, torch_name="sigmoid"),
    )
)


def sigmoid(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The logistic function ``1 / (1 + exp(-x))``.

    Integer and bool inputs give the default float dtype.

    Example:
        >>> import tocha
        >>> tocha.sigmoid(tocha.tensor([0.0, 2.0]))
        tensor([0.5000, 0.8808])
    """
    return unary(SIGMOID, input, out, floating=True)


def _erf_forward(xp: Any, a: Any) -> Any:
    return _special.erf(xp, a)


def _erf_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (grad * (ctx.inputs[0] * ctx.inputs[0] * -1).exp() * _TWO_OVER_SQRT_PI,)


ERF = register_op(
    OpRecord(
        name="erf",
        forward=_erf_forward,
        fp_errors=True,
        vjp=_erf_vjp,
        saves_inputs=(0,),
        dtypes=FLOATING,
        test=OpTest(samples="unary", reference=_np_erf, torch_name="erf"),
    )
)


def erf(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The error function.

    Integer and bool inputs give the default float dtype.

    Example:
        >>> import tocha
        >>> tocha.erf(tocha.tensor([0.0, 1.0]))
        tensor([0.0000, 0.8427])
    """
    return unary(ERF, input, out, floating=True)


def _erfc_forward(xp: Any, a: Any) -> Any:
    return _special.erfc(xp, a)


def _erfc_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (grad * (ctx.inputs[0] * ctx.inputs[0] * -1).exp() * -_TWO_OVER_SQRT_PI,)


ERFC = register_op(
    OpRecord(
        name="erfc",
        forward=_erfc_forward,
        fp_errors=True,
        vjp=_erfc_vjp,
        saves_inputs=(0,),
        dtypes=FLOATING,
        test=OpTest(samples="unary", reference=_np_erfc, torch_name="erfc"),
    )
)


def erfc(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The complementary error function ``1 - erf(x)``.

    Integer and bool inputs give the default float dtype.

    Example:
        >>> import tocha
        >>> tocha.erfc(tocha.tensor([0.0, 1.0]))
        tensor([1.0000, 0.1573])
    """
    return unary(ERFC, input, out, floating=True)


def _erfinv_forward(xp: Any, a: Any) -> Any:
    return _special.erfinv(xp, a)


def _erfinv_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (grad * (ctx.result * ctx.result).exp() * _SQRT_PI_OVER_2,)


ERFINV = register_op(
    OpRecord(
        name="erfinv",
        forward=_erfinv_forward,
        fp_errors=True,
        vjp=_erfinv_vjp,
        saves_result=True,
        dtypes=FLOATING,
        test=OpTest(samples="unary", reference=_np_erfinv, torch_name="erfinv", domain=(-0.95, 0.95)),
    )
)


def erfinv(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The inverse error function (±inf at ±1, nan outside).

    Integer and bool inputs give the default float dtype.

    Example:
        >>> import tocha
        >>> tocha.erfinv(tocha.tensor([0.0, 0.5]))
        tensor([0.0000, 0.4769])
    """
    return unary(ERFINV, input, out, floating=True)


def _lgamma_forward(xp: Any, a: Any) -> Any:
    return _special.lgamma(xp, a)


def _lgamma_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (grad * digamma(ctx.inputs[0]),)


LGAMMA = register_op(
    OpRecord(
        name="lgamma",
        forward=_lgamma_forward,
        fp_errors=True,
        vjp=_lgamma_vjp,
        saves_inputs=(0,),
        dtypes=FLOATING,
        test=OpTest(samples="unary", reference=_np_lgamma, torch_name="lgamma", domain=(0.1, None)),
    )
)


def lgamma(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``log |Γ(x)|``.

    Integer and bool inputs give the default float dtype.

    Example:
        >>> import tocha
        >>> tocha.lgamma(tocha.tensor([1.0, 5.0]))
        tensor([0.0000, 3.1781])
    """
    return unary(LGAMMA, input, out, floating=True)


def _digamma_forward(xp: Any, a: Any) -> Any:
    return _special.digamma(xp, a)


def _digamma_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (grad * call(POLYGAMMA, ctx.inputs[0]._device, (ctx.inputs[0],), (1,)),)


DIGAMMA = register_op(
    OpRecord(
        name="digamma",
        forward=_digamma_forward,
        fp_errors=True,
        vjp=_digamma_vjp,
        saves_inputs=(0,),
        dtypes=FLOATING,
        test=OpTest(samples="unary", reference=_np_digamma, torch_name="digamma", domain=(0.1, None)),
    )
)


def digamma(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The digamma function ψ(x) = Γ'(x)/Γ(x).

    Integer and bool inputs give the default float dtype.

    Example:
        >>> import tocha
        >>> tocha.digamma(tocha.tensor([1.0, 2.0]))
        tensor([-0.5772,  0.4228])
    """
    return unary(DIGAMMA, input, out, floating=True)


def _polygamma_forward(xp: Any, a: Any, n: int) -> Any:
    return _special.polygamma(xp, a, n)


def _polygamma_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    (n,) = ctx.params
    return (grad * call(POLYGAMMA, ctx.inputs[0]._device, (ctx.inputs[0],), (n + 1,)),)


def _np_polygamma(n: int, a: Any) -> Any:
    return _special.polygamma(np, np.asarray(a), n)


def _polygamma_samples(device: Any, d: dtype) -> list[Any]:
    """``polygamma(n, x)`` for n = 0..3 away from the poles, on 0-dim, empty and non-contiguous inputs."""
    from ..testing import SampleInput, make_tensor

    def make(*shape: int, low: float = 0.5, high: float = 5.0, noncontiguous: bool = False) -> Any:
        return make_tensor(*shape, dtype=d, device=device, low=low, high=high, noncontiguous=noncontiguous)

    samples = [SampleInput(n, args=(make(3, 4),), name=f"n={n}") for n in range(4)]
    samples += [
        SampleInput(2, args=(make(5, low=-2.8, high=-2.2),), name="negative"),
        SampleInput(3, args=(make(),), name="0-dim"),
        SampleInput(1, args=(make(0, 3),), name="empty"),
        SampleInput(2, args=(make(3, 4, noncontiguous=True),), name="noncontiguous"),
    ]
    return samples


POLYGAMMA = register_op(
    OpRecord(
        name="polygamma",
        forward=_polygamma_forward,
        fp_errors=True,
        vjp=_polygamma_vjp,
        saves_inputs=(0,),
        dtypes=FLOATING,
        test=OpTest(samples=_polygamma_samples, reference=_np_polygamma, torch_name="polygamma"),
    )
)


def _check_polygamma_order(n: Any) -> int:
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"polygamma(): argument 'n' (position 1) must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return n


def polygamma(n: int, input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The n-th derivative of the digamma function, ψ⁽ⁿ⁾(x); ``polygamma(0, x)`` is ``digamma(x)``.

    Integer and bool inputs give the default float dtype. At the poles 0, -1, -2... the result is
    ``(-1)ⁿ⁺¹ inf`` for ``n >= 1``.

    Args:
        n: the order, an int >= 0.
        input: the tensor.
        out: the output tensor.

    Raises:
        TypeError: ``n`` is not an int or ``input`` not a tensor.
        RuntimeError: ``n`` is negative.

    Example:
        >>> import tocha
        >>> tocha.polygamma(1, tocha.tensor([1.0, 0.5]))
        tensor([1.6449, 4.9348])
    """
    order = _check_polygamma_order(n)
    if not isinstance(input, TensorBase):
        raise TypeError(f"polygamma(): argument 'input' (position 2) must be Tensor, not {type(input).__name__}")
    return unary(POLYGAMMA, input, out, floating=True, params=(order,))


arcsin = asin
arccos = acos
arctan = atan
arcsinh = asinh
arccosh = acosh
arctanh = atanh


def _logit_reference(a: Any) -> Any:
    # In the input's dtype: PyTorch rounds the odds ratio of half types before the logarithm.
    return np.log(a / (np.ones_like(a) - a))


def _logit_forward(xp: Any, a: Any, eps: float | None) -> Any:
    if eps is not None:
        a = xp.clip(a, eps, 1.0 - eps).astype(a.dtype, copy=False)
    return xp.log(a / (1 - a)).astype(a.dtype, copy=False)


def _logit_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    (x,) = ctx.inputs
    (eps,) = ctx.params
    if eps is None:  # as PyTorch's: no derivative outside [0, 1], where the logit itself is NaN
        outside = (x < 0) | (x > 1)
        return (grad / (x * (1 - x)) * where(outside, math.nan, 1.0),)
    clamped = (x < eps) | (x > 1 - eps)
    inside = where(clamped, 0.5, x)  # the masked entries' own derivative stays finite (forward mode, double backward)
    return (where(clamped, 0.0, grad / (inside * (1 - inside))),)


LOGIT = register_op(
    OpRecord(
        name="logit",
        forward=_logit_forward,
        fp_errors=True,
        vjp=_logit_vjp,
        saves_inputs=(0,),
        dtypes=FLOATING,
        test=OpTest(
            samples="unary",
            reference=_logit_reference,
            torch_name="logit",
            domain=(0.05, 0.95),
            skips={"forward:bfloat16": "the reference sees bfloat16 as float32; PyTorch rounds the odds in bfloat16"},
        ),
    )
)


def logit(input: Tensor, eps: float | None = None, *, out: Tensor | None = None) -> Tensor:
    """``log(p / (1 - p))``; with ``eps``, ``p`` is first clamped to ``[eps, 1 - eps]``.

    Example:
        >>> import tocha
        >>> tocha.logit(tocha.tensor([0.5, 0.0]), eps=1e-6)
        tensor([  0.0000, -13.8155])
    """
    return unary(LOGIT, input, out, floating=True, params=(eps,))


# ------------------------------------------------------------------ rounding and signs


def _rounding_forward(name: str) -> Any:
    def forward(xp: Any, a: Any) -> Any:
        if a.dtype.kind in "iu":
            return a.copy()
        return getattr(xp, name)(a)

    forward.__name__ = f"_{name}_forward"
    return forward


FLOOR = register_op(
    OpRecord(
        name="floor",
        forward=_rounding_forward("floor"),
        vjp=_zero_grad,
        dtypes=REAL_NO_BOOL,
        test=OpTest(samples="unary", reference=np.floor, torch_name="floor"),
    )
)
CEIL = register_op(
    OpRecord(
        name="ceil",
        forward=_rounding_forward("ceil"),
        vjp=_zero_grad,
        dtypes=REAL_NO_BOOL,
        test=OpTest(samples="unary", reference=np.ceil, torch_name="ceil"),
    )
)
TRUNC = register_op(
    OpRecord(
        name="trunc",
        forward=_rounding_forward("trunc"),
        vjp=_zero_grad,
        dtypes=REAL_NO_BOOL,
        test=OpTest(samples="unary", reference=np.trunc, torch_name="trunc"),
    )
)


def _round_forward(xp: Any, a: Any, decimals: int) -> Any:
    if a.dtype.kind in "iu":
        return a.copy()
    if decimals == 0:
        return xp.rint(a)
    # PyTorch scales, rounds half to even and scales back, in the input's dtype.
    scale = a.dtype.type(10.0 ** abs(decimals))
    if decimals > 0:
        return (xp.rint(a * scale) / scale).astype(a.dtype, copy=False)
    return (xp.rint(a / scale) * scale).astype(a.dtype, copy=False)


ROUND = register_op(
    OpRecord(
        name="round",
        forward=_round_forward,
        vjp=_zero_grad,
        dtypes=REAL_NO_BOOL,
        test=OpTest(samples="unary", reference=np.round, torch_name="round"),
    )
)


def _check_rounding_input(name: str, x: Tensor) -> None:
    if x._dtype.category == _COMPLEX:
        raise NotImplementedError(f"{name} is not supported for complex inputs")


def floor(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The largest integer not greater than each element (integers are returned unchanged).

    Example:
        >>> import tocha
        >>> tocha.floor(tocha.tensor([-1.5, 1.5]))
        tensor([-2.,  1.])
    """
    _check_rounding_input("floor", input)
    return unary(FLOOR, input, out)


def ceil(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The smallest integer not less than each element.

    Example:
        >>> import tocha
        >>> tocha.ceil(tocha.tensor([-1.5, 1.5]))
        tensor([-1.,  2.])
    """
    _check_rounding_input("ceil", input)
    return unary(CEIL, input, out)


def trunc(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Each element rounded toward zero.

    Example:
        >>> import tocha
        >>> tocha.trunc(tocha.tensor([-1.5, 1.5]))
        tensor([-1.,  1.])
    """
    _check_rounding_input("trunc", input)
    return unary(TRUNC, input, out)


fix = trunc


def round(input: Tensor, *, decimals: int = 0, out: Tensor | None = None) -> Tensor:
    """Each element rounded half to even, to ``decimals`` decimal places (negative: tens, hundreds...).

    Example:
        >>> import tocha
        >>> tocha.round(tocha.tensor([0.5, 1.5, 2.567])), tocha.round(tocha.tensor([2.567]), decimals=2)
        (tensor([0., 2., 3.]), tensor([2.5700]))
    """
    x = as_tensor_arg("round", input)
    _check_rounding_input("round", x)
    if decimals != 0 and x._dtype.category < _FLOAT:
        raise NotImplementedError(f"\"round\" not implemented for '{type_name(x._dtype)}' with decimals != 0")
    return unary(ROUND, x, out, params=(int(decimals),))


def _frac_forward(xp: Any, a: Any) -> Any:
    return a - xp.trunc(a)


def _identity_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (grad,)


FRAC = register_op(
    OpRecord(
        name="frac",
        forward=_frac_forward,
        fp_errors=True,
        vjp=_identity_vjp,
        dtypes=FLOATING,
        test=OpTest(samples="unary", reference=lambda a: a - np.trunc(a), torch_name="frac"),
    )
)


def frac(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The fractional part ``input - trunc(input)``, with the sign of the input.

    Example:
        >>> import tocha
        >>> tocha.frac(tocha.tensor([-1.25, 2.5]))
        tensor([-0.2500,  0.5000])
    """
    return unary(FRAC, input, out)


def _sign_reference(a: Any) -> Any:
    return a.copy() if a.dtype == np.bool_ else np.where(np.isnan(a), 0, np.sign(a)).astype(a.dtype)


def _sgn_reference(a: Any) -> Any:
    if a.dtype.kind != "c":
        return _sign_reference(a)
    magnitude = np.abs(a)
    with np.errstate(all="ignore"):
        return np.where(magnitude == 0, 0, a / np.where(magnitude == 0, 1, magnitude))


def _sign_forward(xp: Any, a: Any) -> Any:
    if a.dtype.kind == "b":
        return a.copy()
    result = xp.asarray(xp.sign(a))  # an array also for 0-d input (NumPy gives a scalar)
    if a.dtype.kind not in "iu":  # floats, bfloat16 included
        xp.copyto(result, 0, where=result != result)  # sign(NaN) is 0, as PyTorch's (x > 0) - (x < 0)
    return result


SIGN = register_op(
    OpRecord(
        name="sign",
        forward=_sign_forward,
        vjp=_zero_grad,
        dtypes=REAL,
        test=OpTest(samples="unary", reference=_sign_reference, torch_name="sign"),
    )
)


def sign(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """-1, 0 or 1 by the sign of each element (bool stays bool); complex inputs need :func:`sgn`.

    Example:
        >>> import tocha
        >>> tocha.sign(tocha.tensor([-2.0, 0.0, 3.0]))
        tensor([-1.,  0.,  1.])
    """
    x = as_tensor_arg("sign", input)
    if x._dtype.category == _COMPLEX:
        raise NotImplementedError(
            "sign(): Unlike NumPy, torch.sign is not intended to support complex numbers. Please use torch.sgn instead."
        )
    return unary(SIGN, x, out)


def _sgn_forward(xp: Any, a: Any) -> Any:
    if a.dtype.kind != "c":
        return _sign_forward(xp, a)
    magnitude = xp.abs(a)
    return xp.where(magnitude == 0, 0, a / xp.where(magnitude == 0, 1, magnitude)).astype(a.dtype, copy=False)


def _sgn_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    (x,) = ctx.inputs
    if not x._dtype.is_complex:
        return (grad * 0,)
    magnitude = x.abs()
    s = ctx.result if ctx.result is not None else sgn(x)
    local = (grad - (grad * s.conj()).real * s) / where(magnitude == 0, 1.0, magnitude)
    return (where(magnitude == 0, 0.0, local),)


SGN = register_op(
    OpRecord(
        name="sgn",
        forward=_sgn_forward,
        fp_errors=True,
        vjp=_sgn_vjp,
        saves_inputs=(0,),
        saves_result=True,
        test=OpTest(samples="unary", reference=_sgn_reference, torch_name="sgn"),
    )
)


def sgn(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``input / |input|`` for complex inputs (0 at 0); :func:`sign` for real ones.

    Example:
        >>> import tocha
        >>> tocha.sgn(tocha.tensor([3 + 4j, 0j]))
        tensor([0.6000+0.8000j, 0.0000+0.0000j])
    """
    return unary(SGN, input, out)


def _angle_forward(xp: Any, a: Any) -> Any:
    if a.dtype.kind == "c":
        return xp.angle(a)
    pi = xp.where(a < 0, math.pi, 0.0).astype(a.dtype, copy=False)
    # CuPy's where promotes bfloat16 operands to float32 (the values stay bfloat16's): cast back
    return xp.where(xp.isnan(a), a, pi).astype(a.dtype, copy=False)


def _angle_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    (x,) = ctx.inputs
    if not x._dtype.is_complex:
        return (grad * 0,)
    # d angle = (x dy - y dx) / |z|^2, so the conjugate-convention gradient is grad * i z / |z|^2.
    return (grad * 1j * x / (x * x.conj()).real,)


ANGLE = register_op(
    OpRecord(
        name="angle",
        forward=_angle_forward,
        fp_errors=True,
        vjp=_angle_vjp,
        saves_inputs=(0,),
        dtypes=FLOATING_COMPLEX,
        test=OpTest(samples="unary", reference=np.angle, torch_name="angle"),
    )
)


def angle(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The argument of each complex element in radians (0 or π for reals; integers give floats).

    Example:
        >>> import tocha
        >>> tocha.angle(tocha.tensor([-1.0, 2.0])), tocha.angle(tocha.tensor([1j]))
        (tensor([3.1416, 0.0000]), tensor([1.5708]))
    """
    return unary(ANGLE, input, out, floating=True)


def _conj_forward(xp: Any, a: Any) -> Any:
    return xp.conj(a)


def _conj_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (conj_if_complex(grad),)


def _conj_jvp(ctx: Any, tangent: Tensor) -> Tensor:
    return conj_if_complex(tangent)


CONJ = register_op(
    OpRecord(
        name="conj",
        forward=_conj_forward,
        vjp=_conj_vjp,
        jvp=_conj_jvp,
        dtypes=tuple(d for d in FLOATING_COMPLEX if d.is_complex),
        test=OpTest(samples="unary", reference=np.conj, torch_name="conj_physical"),
    )
)


def conj(input: Tensor) -> Tensor:
    """The complex conjugate; real tensors are returned as they are.

    tocha materialises the conjugate (PyTorch returns a lazy view).

    Example:
        >>> import tocha
        >>> tocha.conj(tocha.tensor([1 + 2j]))
        tensor([1.-2.j])
    """
    x = as_tensor_arg("conj", input)
    if not x._dtype.is_complex:
        return x
    return call(CONJ, x._device, (x,), ())  # type: ignore[no-any-return]


def _real_forward(xp: Any, a: Any) -> Any:
    return a.real


def _real_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (grad * (1 + 0j),)


def _imag_forward(xp: Any, a: Any) -> Any:
    return a.imag


def _imag_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (grad * 1j,)


def _real_jvp(ctx: Any, tangent: Tensor) -> Tensor:
    return real(tangent)


def _imag_jvp(ctx: Any, tangent: Tensor) -> Tensor:
    return imag(tangent)


_COMPLEX_ONLY = tuple(d for d in FLOATING_COMPLEX if d.is_complex)
REAL_PART = register_op(
    OpRecord(
        name="real",
        forward=_real_forward,
        vjp=_real_vjp,
        jvp=_real_jvp,
        view=True,
        dtypes=_COMPLEX_ONLY,
        test=OpTest(samples="unary", reference=np.real, torch_name="real"),
    )
)
IMAG_PART = register_op(
    OpRecord(
        name="imag",
        forward=_imag_forward,
        vjp=_imag_vjp,
        jvp=_imag_jvp,
        view=True,
        dtypes=_COMPLEX_ONLY,
        test=OpTest(samples="unary", reference=np.imag, torch_name="imag"),
    )
)


def real(input: Tensor) -> Tensor:
    """The real part as a view (the tensor itself for real dtypes).

    Example:
        >>> import tocha
        >>> tocha.real(tocha.tensor([1 + 2j]))
        tensor([1.])
    """
    x = as_tensor_arg("real", input)
    if not x._dtype.is_complex:
        return x
    return call(REAL_PART, x._device, (x,), ())  # type: ignore[no-any-return]


def imag(input: Tensor) -> Tensor:
    """The imaginary part as a view; RuntimeError for real dtypes, as PyTorch.

    Example:
        >>> import tocha
        >>> tocha.imag(tocha.tensor([1 + 2j]))
        tensor([2.])
    """
    x = as_tensor_arg("imag", input)
    if not x._dtype.is_complex:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return call(IMAG_PART, x._device, (x,), ())  # type: ignore[no-any-return]


# ------------------------------------------------------------------ binary float ops


def _float_binary(op: OpRecord, a: Any, b: Any) -> Tensor:
    a, b = scalar_or_tensor(op.name, a), scalar_or_tensor(op.name, b)
    return binary_promoted(op, a, b, compute_dtype=float_result_dtype(result_type_of(a, b)))


def _float_binary_inplace(op: OpRecord, target: Tensor, other: Any) -> Tensor:
    other = scalar_or_tensor(op.name + "_", other)
    return binary_inplace(op, target, other, compute_dtype=float_result_dtype(result_type_of(target, other)))


def _atan2_forward(xp: Any, a: Any, b: Any, out: Any = None) -> Any:
    return xp.arctan2(a, b) if out is None else xp.arctan2(a, b, out=out)


def _atan2_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    a, b = ctx.inputs
    squares = a * a + b * b
    origin = squares == 0  # PyTorch's gradient at (0, 0) is 0, not 0/0
    scale = where(origin, 0.0, grad / where(origin, 1.0, squares))
    return broadcast_vjp(ctx, scale * b, -scale * a)


def _atan2_jvp(ctx: Any, tangent_a: Tensor | None, tangent_b: Tensor | None) -> Any:
    a, b = ctx.inputs  # PyTorch's: 0/0 at (0, 0), where the vjp gives 0
    along_a = _zeros_as(ctx.result) if tangent_a is None else tangent_a * b
    numerator = along_a - (0 if tangent_b is None else tangent_b * a)
    return numerator / (a * a + b * b)


ATAN2 = register_op(
    OpRecord(
        name="atan2",
        forward=_atan2_forward,
        fp_errors=True,
        vjp=_atan2_vjp,
        jvp=_atan2_jvp,
        saves_inputs=(0, 1),
        supports_out=True,
        dtypes=FLOATING,
        test=OpTest(samples="binary", reference=np.arctan2, torch_name="atan2", skips=_TENSORS_ONLY),
    )
)


def atan2(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """The angle of the point ``(other, input)``: ``atan(input / other)`` in the right quadrant.

    Example:
        >>> import tocha
        >>> tocha.atan2(tocha.tensor([1.0, -1.0]), tocha.tensor([-1.0, -1.0]))
        tensor([ 2.3562, -2.3562])
    """
    _require_tensors(ATAN2, input, other)
    result = _float_binary(ATAN2, input, other)
    return result if out is None else copy_to_out(result, out)


arctan2 = atan2


def _hypot_forward(xp: Any, a: Any, b: Any, out: Any = None) -> Any:
    return xp.hypot(a, b) if out is None else xp.hypot(a, b, out=out)


def _hypot_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    a, b = ctx.inputs
    scale = grad / ctx.result
    return broadcast_vjp(ctx, scale * a, scale * b)


HYPOT = register_op(
    OpRecord(
        name="hypot",
        forward=_hypot_forward,
        fp_errors=True,
        vjp=_hypot_vjp,
        saves_inputs=(0, 1),
        saves_result=True,
        supports_out=True,
        dtypes=FLOATING,
        test=OpTest(samples="binary", reference=np.hypot, torch_name="hypot", skips=_TENSORS_ONLY),
    )
)


def hypot(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``sqrt(input² + other²)`` without intermediate overflow; floating dtypes only.

    Example:
        >>> import tocha
        >>> tocha.hypot(tocha.tensor([3.0]), tocha.tensor([4.0]))
        tensor([5.])
    """
    _require_tensors(HYPOT, input, other)
    result = binary_promoted(HYPOT, input, other)
    return result if out is None else copy_to_out(result, out)


def _logaddexp_forward(xp: Any, a: Any, b: Any) -> Any:
    if a.dtype.kind != "c":
        return xp.logaddexp(a, b)
    # NumPy's logaddexp is real only: factor out the operand with the larger real part.
    first = a.real >= b.real
    high = xp.where(first, a, b)
    low = xp.where(first, b, a)
    return high + xp.log1p(xp.exp(low - high))


def _logaddexp_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    a, b = ctx.inputs
    weight = conj_if_complex(sigmoid(a - b))
    return broadcast_vjp(ctx, grad * weight, grad * (1 - weight))


def _logaddexp_reference(a: Any, b: Any) -> Any:
    a, b = np.asarray(a), np.asarray(b)
    if np.result_type(a, b).kind != "c":
        return np.logaddexp(a, b)
    first = a.real >= b.real
    high = np.where(first, a, b).astype(np.complex128)
    low = np.where(first, b, a)
    return high + np.log1p(np.exp(low - high))


def _logaddexp2_forward(xp: Any, a: Any, b: Any) -> Any:
    return xp.logaddexp2(a, b)


def _logaddexp2_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    a, b = ctx.inputs
    weight = sigmoid((a - b) * _LN2)
    return broadcast_vjp(ctx, grad * weight, grad * (1 - weight))


LOGADDEXP = register_op(
    OpRecord(
        name="logaddexp",
        forward=_logaddexp_forward,
        fp_errors=True,
        vjp=_logaddexp_vjp,
        saves_inputs=(0, 1),
        dtypes=FLOATING_COMPLEX,
        test=OpTest(samples="binary", reference=_logaddexp_reference, torch_name="logaddexp", skips=_TENSORS_ONLY),
    )
)
LOGADDEXP2 = register_op(
    OpRecord(
        name="logaddexp2",
        forward=_logaddexp2_forward,
        fp_errors=True,
        vjp=_logaddexp2_vjp,
        saves_inputs=(0, 1),
        dtypes=FLOATING,
        test=OpTest(samples="binary", reference=np.logaddexp2, torch_name="logaddexp2", skips=_TENSORS_ONLY),
    )
)


def logaddexp(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``log(exp(input) + exp(other))`` without overflow; floating and complex dtypes.

    Example:
        >>> import tocha
        >>> tocha.logaddexp(tocha.tensor([1000.0, 0.0]), tocha.tensor([1000.0, 0.0]))
        tensor([1.0007e+03, 6.9315e-01])
    """
    _require_tensors(LOGADDEXP, input, other)
    result = binary_promoted(LOGADDEXP, input, other)
    return result if out is None else copy_to_out(result, out)


def logaddexp2(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``log2(2**input + 2**other)`` without overflow; floating dtypes only.

    Example:
        >>> import tocha
        >>> tocha.logaddexp2(tocha.tensor([3.0]), tocha.tensor([3.0]))
        tensor([4.])
    """
    _require_tensors(LOGADDEXP2, input, other)
    result = binary_promoted(LOGADDEXP2, input, other)
    return result if out is None else copy_to_out(result, out)


def _xlogy_forward(xp: Any, a: Any, b: Any) -> Any:
    result_dtype = xp.result_type(a, b)
    product = a * xp.log(xp.asarray(b, dtype=result_dtype))
    result = xp.where((a == 0) & ~xp.isnan(b), 0, product)
    return result.astype(result_dtype, copy=False)


def _xlogy_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    a, b = ctx.inputs
    # d/da a log(b) = log(b), zeroed where a = 0 and b <= 0 (where the op is defined as 0), as PyTorch
    if ctx.needs_input_grad[0]:
        other: Tensor = b if isinstance(b, TensorBase) else _as_0dim(b, grad.dtype, grad.device)  # type: ignore[assignment]
        grad_a = where((a == 0) & (other <= 0), 0.0, xlogy(grad, other))  # 0 where grad is 0, even for log(b) NaN
    else:
        grad_a = None
    grad_b = grad * a / b if len(ctx.needs_input_grad) > 1 and ctx.needs_input_grad[1] else None
    return broadcast_vjp(ctx, grad_a, grad_b)


def _xlogy_jvp(ctx: Any, tangent_a: Tensor | None, tangent_b: Tensor | None) -> Any:
    # Its own rule: the vjp's derivative at the zero cotangent the double-vjp trick differentiates at is masked
    a, b = ctx.inputs
    other: Tensor = b if isinstance(b, TensorBase) else _as_0dim(b, ctx.result.dtype, ctx.result.device)  # type: ignore[assignment]
    result = None
    if tangent_a is not None:
        result = where((a == 0) & (other <= 0), 0.0, xlogy(tangent_a, other))
    if tangent_b is not None:
        term = tangent_b * a / other
        result = term if result is None else result + term
    return result


XLOGY = register_op(
    OpRecord(
        name="xlogy",
        forward=_xlogy_forward,
        fp_errors=True,
        vjp=_xlogy_vjp,
        jvp=_xlogy_jvp,
        saves_inputs=(0, 1),
        dtypes=FLOATING,
        test=OpTest(
            samples="binary",
            reference=lambda a, b: np.where(a == 0, 0, a * np.log(b)),
            torch_name="xlogy",
            domain=(0.1, None),
        ),
    )
)


def xlogy(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``input * log(other)``, with 0 where ``input`` is 0 (unless ``other`` is nan).

    Example:
        >>> import tocha
        >>> tocha.xlogy(tocha.tensor([0.0, 2.0]), tocha.tensor([0.0, 1.0]))
        tensor([0., 0.])
    """
    result = _float_binary(XLOGY, input, other)
    return result if out is None else copy_to_out(result, out)


# ------------------------------------------------------------------ maximum / minimum


def _extremum_forward(name: str) -> Any:
    def forward(xp: Any, a: Any, b: Any, out: Any = None) -> Any:
        fn = getattr(xp, name)
        return fn(a, b) if out is None else fn(a, b, out=out)

    forward.__name__ = f"_{name}_forward"
    return forward


def _extremum_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    a, b = ctx.inputs
    result = ctx.result
    hit_a = (a == result).to(grad.dtype)
    hit_b = (b == result).to(grad.dtype)
    share = hit_a + hit_b
    share = where(share == 0, 1.0, share)
    return broadcast_vjp(ctx, grad * hit_a / share, grad * hit_b / share)


def _nan_skipping_extremum(
    to_input: Callable[[Any, Any], Any], forward_to_input: Callable[[Any, Any], Any]
) -> tuple[Any, Any]:
    """fmax/fmin's vjp and jvp, as PyTorch's: the input gets the whole gradient where ``to_input(a, b)`` (``a >= b``
    for fmax, ``a <= b`` for fmin: ties go to the input) or ``b`` is NaN, the other operand elsewhere; forward mode
    takes the input's tangent where ``forward_to_input(a, b)`` (``a > b`` for fmax, ``a <= b`` for fmin) or ``b``
    is NaN."""

    def vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
        a, b = ctx.inputs
        picked = to_input(a, b) | b.isnan()
        return broadcast_vjp(ctx, where(picked, grad, 0.0), where(picked, 0.0, grad))

    def jvp(ctx: Any, tangent_a: Tensor | None, tangent_b: Tensor | None) -> Any:
        a, b = ctx.inputs
        picked = forward_to_input(a, b) | b.isnan()
        zero = _zeros_as(ctx.result)
        return where(picked, zero if tangent_a is None else tangent_a, zero if tangent_b is None else tangent_b)

    return vjp, jvp


_FMAX_VJP, _FMAX_JVP = _nan_skipping_extremum(lambda a, b: a >= b, lambda a, b: a > b)
_FMIN_VJP, _FMIN_JVP = _nan_skipping_extremum(lambda a, b: a <= b, lambda a, b: a <= b)


def _extremum_record(name: str, np_name: str, vjp: Any = _extremum_vjp, jvp: Any = None) -> OpRecord:
    return register_op(
        OpRecord(
            name=name,
            forward=_extremum_forward(np_name),
            vjp=vjp,
            jvp=jvp,
            saves_inputs=(0, 1),
            saves_result=True,
            supports_out=True,
            dtypes=REAL,
            test=OpTest(samples="binary", reference=getattr(np, np_name), torch_name=name, skips=_TENSORS_ONLY),
        )
    )


MAXIMUM = _extremum_record("maximum", "maximum")
MINIMUM = _extremum_record("minimum", "minimum")
FMAX = _extremum_record("fmax", "fmax", _FMAX_VJP, _FMAX_JVP)
FMIN = _extremum_record("fmin", "fmin", _FMIN_VJP, _FMIN_JVP)


def _require_tensors(op: OpRecord, input: Any, other: Any) -> None:
    for position, (arg, x) in enumerate((("input", input), ("other", other)), start=1):
        if not isinstance(x, (TensorBase, np.ndarray)):
            raise TypeError(
                f"{op.name}(): argument '{arg}' (position {position}) must be Tensor, not {type(x).__name__}"
            )


def _extremum(op: OpRecord, input: Any, other: Any, out: Tensor | None) -> Tensor:
    _require_tensors(op, input, other)
    a, b = scalar_or_tensor(op.name, input), scalar_or_tensor(op.name, other)
    if a._dtype.is_complex or b._dtype.is_complex:
        raise RuntimeError(f"{op.name} not implemented for complex tensors.")
    result = binary_promoted(op, a, b)
    return result if out is None else copy_to_out(result, out)


def maximum(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The elementwise maximum of two tensors; nan wins.

    Example:
        >>> import tocha
        >>> tocha.maximum(tocha.tensor([1, 5]), tocha.tensor([3.0, 2.0]))
        tensor([3., 5.])
    """
    return _extremum(MAXIMUM, input, other, out)


def minimum(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The elementwise minimum of two tensors; nan wins.

    Example:
        >>> import tocha
        >>> tocha.minimum(tocha.tensor([1, 5]), tocha.tensor([3, 2]))
        tensor([1, 2])
    """
    return _extremum(MINIMUM, input, other, out)


def fmax(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The elementwise maximum, ignoring nan when the other element is a number.

    Example:
        >>> import tocha
        >>> tocha.fmax(tocha.tensor([float("nan"), 1.0]), tocha.tensor([2.0, float("nan")]))
        tensor([2., 1.])
    """
    return _extremum(FMAX, input, other, out)


def fmin(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The elementwise minimum, ignoring nan when the other element is a number.

    Example:
        >>> import tocha
        >>> tocha.fmin(tocha.tensor([float("nan"), 1.0]), tocha.tensor([2.0, float("nan")]))
        tensor([2., 1.])
    """
    return _extremum(FMIN, input, other, out)


# ------------------------------------------------------------------ clamp


def _clamp_reference(a: Any, min: Any = None, max: Any = None) -> Any:
    result = a if min is None else np.maximum(a, min)
    return result if max is None else np.minimum(result, max)


_FILLED_BOUND_MIN_SIZE = 4096


def _clamp_forward(xp: Any, a: Any, low: Any, high: Any) -> Any:
    if xp is np and a.size >= _FILLED_BOUND_MIN_SIZE and a.dtype.kind == "f" and _scalar_bounds(low, high):
        return _clamp_filled(a, low, high)
    result = a
    if low is not None:
        result = xp.maximum(result, low)
    if high is not None:
        result = xp.minimum(result, high)
    if result is a:
        return a.copy()
    return result.astype(xp.result_type(a), copy=False)


def _scalar_bounds(low: Any, high: Any) -> bool:
    return (low is None or isinstance(low, (int, float))) and (high is None or isinstance(high, (int, float)))


def _clamp_filled(a: Any, low: Any, high: Any) -> Any:
    """``clamp`` of a large float array by Python-number bounds, with each bound filled into an array first.

    NumPy's maximum/minimum run vectorised only when both operands are arrays of the same layout; against a
    broadcast scalar they are about 3x slower, more than the fill costs. NaNs propagate as before.
    """
    result = np.empty_like(a)
    if low is not None:
        result.fill(low)
        np.maximum(a, result, out=result)
    if high is not None:
        bound = np.empty_like(a)
        bound.fill(high)
        np.minimum(a if low is None else result, bound, out=result)
    return result


def _clamp_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    """As PyTorch's: the input's gradient passes where ``low <= x <= high`` (ties included; a NaN input gets 0), a
    tensor bound's where the input was clamped to it (``low`` only while ``low < high``; ``high`` also wherever
    ``high < low``, where the result is ``high``)."""
    x, low, high = ctx.inputs
    zero = _zeros_as(grad)  # masked entries get 0 even where grad is NaN, as PyTorch's
    if low is not None and high is not None:
        keep = (x >= low) & (x <= high)
        to_low = (x < low) & (low < high) if isinstance(low, TensorBase) else None
        to_high = (x > high) | (high < low) if isinstance(high, TensorBase) else None
    elif low is not None:
        keep, to_low, to_high = x >= low, x < low if isinstance(low, TensorBase) else None, None
    elif high is not None:
        keep, to_low, to_high = x <= high, None, x > high if isinstance(high, TensorBase) else None
    else:
        return broadcast_vjp(ctx, grad, None, None)
    return broadcast_vjp(
        ctx,
        where(keep, grad, zero),
        None if to_low is None else where(to_low, grad, zero),
        None if to_high is None else where(to_high, grad, zero),
    )


def _clamp_jvp(ctx: Any, tangent_x: Tensor | None, tangent_low: Tensor | None, tangent_high: Tensor | None) -> Any:
    # PyTorch's: a value at a bound takes the bound's tangent (its vjp gives that gradient to the input instead)
    x, low_bound, high_bound = ctx.inputs
    zero = _zeros_as(ctx.result)
    low: Any = low_bound if low_bound is None or isinstance(low_bound, TensorBase) else zero + low_bound
    high: Any = high_bound if high_bound is None or isinstance(high_bound, TensorBase) else zero + high_bound
    tx = zero if tangent_x is None else tangent_x
    tl = zero if tangent_low is None else tangent_low
    th = zero if tangent_high is None else tangent_high
    if low is not None and high is not None:
        return where(low > high, th, where(x < low, tl, where(x > high, th, tx)))
    if low is not None:
        return where(x > low, tx, tl)
    if high is not None:
        return where(x < high, tx, th)
    return tx


CLAMP = register_op(
    OpRecord(
        name="clamp",
        forward=_clamp_forward,
        vjp=_clamp_vjp,
        jvp=_clamp_jvp,
        saves_inputs=(0, 1, 2),
        dtypes=REAL_NO_BOOL,
        test=OpTest(samples=clamp_samples, reference=_clamp_reference, torch_name="clamp"),
    )
)


def _clamp_operands(name: str, input: Any, min: Any, max: Any) -> tuple[Tensor, Any, Any, dtype]:
    x = as_tensor_arg(name, input)
    if min is None and max is None:
        raise RuntimeError(f"{name}: At least one of 'min' or 'max' must not be None")
    if x._dtype.is_complex:
        raise NotImplementedError(f"{name} is not supported for complex types")
    low = None if min is None else scalar_or_tensor(name, min)
    high = None if max is None else scalar_or_tensor(name, max)
    d = result_type_of(x, low, high)
    if d.is_complex:  # a complex bound: PyTorch refuses, the type depending on where the complex came from
        scalar = next((b for b in (low, high) if isinstance(b, complex)), None)
        if scalar is not None and x._dtype.is_floating_point:
            raise RuntimeError(
                f"{name}: value cannot be converted to type {x._dtype.name} without overflow (the complex bound "
                f"{scalar!r})"
            )
        raise NotImplementedError(f"{name} is not supported for complex types")
    if d.category == _BOOL and not _one_tensor_bound(low, high):
        raise NotImplementedError(f"\"{name}\" not implemented for 'Bool'")
    return x, check_scalar_fits(low, d), check_scalar_fits(high, d), d


def _one_tensor_bound(low: Any, high: Any) -> bool:
    """Whether exactly one bound is given, as a tensor: the form PyTorch's ``clamp`` takes for bool tensors."""
    bound = high if low is None else low if high is None else None
    return isinstance(bound, TensorBase)


def _run_clamp(name: str, x: Tensor, low: Any, high: Any, d: dtype) -> Tensor:
    if d.category == _BOOL:  # one tensor bound (_clamp_operands): OR with a lower bound, AND with an upper one
        return maximum(x, low) if high is None else minimum(x, high)
    dev = common_device(name, x, low, high)
    operands = (cast_operand(x, d, dev), _cast_bound(low, d, dev), _cast_bound(high, d, dev))
    try:
        return call(CLAMP, dev, operands, ())  # type: ignore[no-any-return]
    except ValueError:
        raise_broadcast_error(name, *operands)
        raise


def _cast_bound(bound: Any, d: dtype, dev: Any) -> Any:
    return None if bound is None else cast_operand(bound, d, dev)


def clamp(input: Tensor, min: Any = None, max: Any = None, *, out: Tensor | None = None) -> Tensor:
    """Each element limited to ``[min, max]`` (numbers or broadcastable tensors; either may be None).

    Where ``min > max`` every element becomes ``max``, as in PyTorch.

    Example:
        >>> import tocha
        >>> tocha.clamp(tocha.tensor([-2, 0, 2]), min=-1, max=1), tocha.clamp(tocha.tensor([1, 5]), 2.5)
        (tensor([-1,  0,  1]), tensor([2.5000, 5.0000]))
    """
    x, low, high, d = _clamp_operands("clamp", input, min, max)
    result = _run_clamp("clamp", x, low, high, d)
    return result if out is None else copy_to_out(result, out)


clip = clamp


def clamp_min(input: Tensor, min: Any, *, out: Tensor | None = None) -> Tensor:
    """:func:`clamp` with only a lower bound.

    Example:
        >>> import tocha
        >>> tocha.clamp_min(tocha.tensor([-2.0, 3.0]), 0)
        tensor([0., 3.])
    """
    return clamp(input, min, None, out=out)


def clamp_max(input: Tensor, max: Any, *, out: Tensor | None = None) -> Tensor:
    """:func:`clamp` with only an upper bound.

    Example:
        >>> import tocha
        >>> tocha.clamp_max(tocha.tensor([-2.0, 3.0]), 0)
        tensor([-2.,  0.])
    """
    return clamp(input, None, max, out=out)


def clamp_inplace(target: Tensor, min: Any, max: Any) -> Tensor:
    """``target.clamp_(min, max)``."""
    x, low, high, d = _clamp_operands("clamp_", target, min, max)
    check_cast("clamp_", d, target._dtype)
    check_inplace_shape("clamp_", target, low, high)
    dev = common_device("clamp_", x, low, high)
    operands = (cast_operand(x, d, dev), _cast_bound(low, d, dev), _cast_bound(high, d, dev))
    return call_inplace(CLAMP, dev, target, operands, ())


# ------------------------------------------------------------------ where


def _where_forward(xp: Any, condition: Any, a: Any, b: Any) -> Any:
    result = xp.where(condition, a, b)
    kind = getattr(a, "dtype", None) if hasattr(a, "dtype") else getattr(b, "dtype", None)
    return result if kind is None or result.dtype == kind else result.astype(kind, copy=False)


def _where_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    (condition, _, _) = ctx.inputs
    zero = _zeros_as(grad)  # the branch not taken gets 0 even where grad is NaN, as PyTorch's
    return (None, *broadcast_vjp(ctx, None, where(condition, grad, zero), where(condition, zero, grad))[1:])


WHERE = register_op(
    OpRecord(
        name="where",
        forward=_where_forward,
        vjp=_where_vjp,
        saves_inputs=(0,),
        differentiable_inputs=(1, 2),
        test=OpTest(samples=where_samples, reference=np.where, torch_name="where"),
    )
)


@overload
def where(condition: Tensor) -> tuple[Tensor, ...]: ...


@overload
def where(condition: Tensor, input: Any, other: Any, *, out: Tensor | None = None) -> Tensor: ...


def where(condition: Tensor, input: Any = _MISSING, other: Any = _MISSING, *, out: Tensor | None = None) -> Any:
    """``input`` where ``condition`` holds, else ``other`` (numbers or tensors, broadcast, promoted).

    ``where(condition)`` alone is ``nonzero(condition, as_tuple=True)``.

    Example:
        >>> import tocha
        >>> tocha.where(tocha.tensor([True, False]), tocha.tensor([1, 2]), 0.5)
        tensor([1.0000, 0.5000])
        >>> tocha.where(tocha.tensor([[0, 1], [1, 0]]))
        (tensor([0, 1]), tensor([1, 0]))
    """
    if input is _MISSING and other is _MISSING:
        from .indexing_select import nonzero

        return nonzero(as_tensor_arg("where", condition), as_tuple=True)
    if input is _MISSING or other is _MISSING:
        raise TypeError("where() takes either one argument (condition) or three (condition, input, other)")
    cond = as_tensor_arg("where", condition)
    if cond._dtype.category != _BOOL:
        raise RuntimeError(
            f"where expected condition to be a boolean tensor, but got a tensor with dtype {type_name(cond._dtype)}"
        )
    a, b = scalar_or_tensor("where", input), scalar_or_tensor("where", other)
    d = result_type_of(a, b)
    a, b = check_scalar_fits(a, d, half_range=False), check_scalar_fits(b, d, half_range=False)
    dev = common_device("where", cond, a, b)
    operands = (cast_operand(cond, cond._dtype, dev), cast_operand(a, d, dev), cast_operand(b, d, dev))
    if not isinstance(operands[1], TensorBase) and not isinstance(operands[2], TensorBase):
        operands = (operands[0], _as_0dim(operands[1], d, dev), operands[2])
    try:
        result: Tensor = call(WHERE, dev, operands, ())
    except ValueError:
        raise_broadcast_error("where", *operands)
        raise
    return result if out is None else copy_to_out(result, out)


def _as_0dim(value: Any, d: dtype, dev: Any) -> Tensor:
    from .creation import scalar_tensor

    return scalar_tensor(value, dtype=d, device=dev)


# ------------------------------------------------------------------ lerp, addcmul, addcdiv


def _upcast_half(xp: Any, *arrays: Any) -> tuple[Any, ...]:
    # Composite forwards on float16/bfloat16 compute in float32 and round once, as PyTorch does.
    return tuple(x.astype(xp.float32) if x.dtype.kind in "fV" and x.dtype.itemsize == 2 else x for x in arrays)


def _wide(a: Any) -> Any:
    return a.astype(np.complex128 if a.dtype.kind == "c" else np.float64)


def _addcmul_reference(a: Any, b: Any, c: Any, value: Any = 1) -> Any:
    return _wide(a) + value * _wide(b) * _wide(c)


def _addcdiv_reference(a: Any, b: Any, c: Any, value: Any = 1) -> Any:
    with np.errstate(all="ignore"):
        return _wide(a) + value * _wide(b) / _wide(c)


def _lerp_reference(a: Any, b: Any, w: Any) -> Any:
    w = _wide(w) if isinstance(w, np.ndarray) else w
    return _wide(a) + w * (_wide(b) - _wide(a))


def _lerp_forward(xp: Any, start: Any, end: Any, weight: Any) -> Any:
    dt = start.dtype
    start, end = _upcast_half(xp, start, end)
    if hasattr(weight, "dtype"):
        (weight,) = _upcast_half(xp, weight)
    return (start + weight * (end - start)).astype(dt, copy=False)


def _lerp_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    start, end, weight = ctx.inputs
    weighted = is_tensor(weight)
    w = conj_if_complex(weight) if weighted else weight
    grad_weight = grad * conj_if_complex(end - start) if weighted else None
    return broadcast_vjp(ctx, grad * (1 - w), grad * w, grad_weight)


LERP = register_op(
    OpRecord(
        name="lerp",
        forward=_lerp_forward,
        vjp=_lerp_vjp,
        saves_inputs=(0, 1, 2),
        dtypes=FLOATING_COMPLEX,
        test=OpTest(samples=lerp_samples, reference=_lerp_reference, torch_name="lerp"),
    )
)


def lerp(input: Tensor, end: Tensor, weight: Any, *, out: Tensor | None = None) -> Tensor:
    """``input + weight * (end - input)``; ``end`` (and a tensor ``weight``) must share ``input``'s dtype.

    Example:
        >>> import tocha
        >>> tocha.lerp(tocha.tensor([0.0, 10.0]), tocha.tensor([10.0, 20.0]), 0.25)
        tensor([ 2.5000, 12.5000])
    """
    start, stop, w = _lerp_operands("lerp", input, end, weight)
    dev = common_device("lerp", start, stop, w)
    try:
        result: Tensor = call(LERP, dev, (start, stop, w), ())
    except ValueError:
        raise_broadcast_error("lerp", start, stop, w)
        raise
    return result if out is None else copy_to_out(result, out)


def _lerp_operands(name: str, input: Any, end: Any, weight: Any) -> tuple[Tensor, Tensor, Any]:
    start = as_tensor_arg(name, input)
    stop = as_tensor_arg(name, end)
    check_dtype(LERP, start._dtype)
    if stop._dtype is not start._dtype:
        raise RuntimeError(f"{name}(): expected dtype {start._dtype.name} for `end` but got dtype {stop._dtype.name}")
    w = scalar_or_tensor(name, weight)
    if isinstance(w, TensorBase):
        if w._dtype is not start._dtype:
            raise RuntimeError(
                f"{name}(): expected dtype {start._dtype.name} for `weight` but got dtype {w._dtype.name}"
            )
    else:
        half = start._dtype.is_floating_point and start._dtype.itemsize == 2  # computed in float32
        check_scalar_fits(w, float32 if half else start._dtype)  # NOTE [ Scalar overflow ]
        w = cast_operand(w, start._dtype, start._device)
    return start, stop, w


def _addcmul_forward(xp: Any, a: Any, t1: Any, t2: Any, value: Any) -> Any:
    dt = xp.result_type(a, t1, t2)
    a, t1, t2 = _upcast_half(xp, a, t1, t2)
    return (a + value * (t1 * t2)).astype(dt, copy=False)


def _addcdiv_forward(xp: Any, a: Any, t1: Any, t2: Any, value: Any) -> Any:
    dt = xp.result_type(a, t1, t2)
    a, t1, t2 = _upcast_half(xp, a, t1, t2)
    return (a + value * (t1 / t2)).astype(dt, copy=False)


def _addcmul_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    _, t1, t2 = ctx.inputs
    (value,) = ctx.params
    scaled = grad * value
    return broadcast_vjp(ctx, grad, scaled * conj_if_complex(t2), scaled * conj_if_complex(t1))


def _addcdiv_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    _, t1, t2 = ctx.inputs
    (value,) = ctx.params
    grad_t1 = grad * value / conj_if_complex(t2)
    grad_t2 = -grad_t1 * conj_if_complex(t1 / t2)
    return broadcast_vjp(ctx, grad, grad_t1, grad_t2)


ADDCMUL = register_op(
    OpRecord(
        name="addcmul",
        forward=_addcmul_forward,
        vjp=_addcmul_vjp,
        saves_inputs=(1, 2),
        dtypes=NO_BOOL,
        test=OpTest(samples=addc_samples(None), reference=_addcmul_reference, torch_name="addcmul"),
    )
)
ADDCDIV = register_op(
    OpRecord(
        name="addcdiv",
        forward=_addcdiv_forward,
        fp_errors=True,
        vjp=_addcdiv_vjp,
        saves_inputs=(1, 2),
        dtypes=FLOATING_COMPLEX,
        test=OpTest(samples=addc_samples(1), reference=_addcdiv_reference, torch_name="addcdiv"),
    )
)


def _addc(op: OpRecord, input: Any, tensor1: Any, tensor2: Any, value: Any, target: Tensor | None = None) -> Tensor:
    name = op.name if target is None else op.name + "_"
    a = as_tensor_arg(name, input)
    t1 = as_tensor_arg(name, tensor1)
    t2 = as_tensor_arg(name, tensor2)
    if op is ADDCDIV and t1._dtype.category <= 1 and t2._dtype.category <= 1:
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future release addcdiv will perform "
            "a true division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as "
            "(input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as "
            "(input + value * tensor1 / tensor2) for float inputs. The future addcdiv behavior is just the latter "
            "implementation: (input + value * tensor1 / tensor2), for all dtypes."
        )
    d = result_type_of(a, t1, t2)
    check_dtype(op, d)
    # NOTE [ Scalar overflow ]; float16 and bfloat16 compute in float32, which is the range PyTorch checks
    value = check_scalar_fits(value, float32 if d.is_floating_point and d.itemsize == 2 else d)
    if d.category <= 1 and isinstance(value, float):
        value = int(value)
    dev = common_device(name, a, t1, t2)
    operands = (cast_operand(a, d, dev), cast_operand(t1, d, dev), cast_operand(t2, d, dev))
    if target is not None:
        check_cast(name, d, target._dtype)
        check_inplace_shape(name, target, t1, t2)
        return call_inplace(op, dev, target, operands, (value,))
    try:
        return call(op, dev, operands, (value,))  # type: ignore[no-any-return]
    except ValueError:
        raise_broadcast_error(name, *operands)
        raise


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1, out: Tensor | None = None) -> Tensor:
    """``input + value * tensor1 * tensor2``, broadcast.

    Example:
        >>> import tocha
        >>> tocha.addcmul(tocha.tensor([1.0]), tocha.tensor([2.0]), tocha.tensor([3.0]), value=0.5)
        tensor([4.])
    """
    result = _addc(ADDCMUL, input, tensor1, tensor2, value)
    return result if out is None else copy_to_out(result, out)


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1, out: Tensor | None = None) -> Tensor:
    """``input + value * tensor1 / tensor2``, broadcast (integer ``tensor1 / tensor2`` is refused).

    Example:
        >>> import tocha
        >>> tocha.addcdiv(tocha.tensor([1.0]), tocha.tensor([3.0]), tocha.tensor([2.0]), value=2)
        tensor([4.])
    """
    result = _addc(ADDCDIV, input, tensor1, tensor2, value)
    return result if out is None else copy_to_out(result, out)


# ------------------------------------------------------------------ nan_to_num


def _nan_to_num_forward(xp: Any, a: Any, nan: float, posinf: float | None, neginf: float | None) -> Any:
    if a.dtype.kind in "biu":
        return a.copy()
    real = a.real.dtype if a.dtype.kind == "c" else a.dtype
    info = _finfo(real)
    high = info.max if posinf is None else posinf
    low = info.min if neginf is None else neginf
    if a.dtype.kind == "c":
        return xp.nan_to_num(a, nan=nan, posinf=high, neginf=low)
    result = xp.where(xp.isnan(a), nan, xp.where(a == xp.inf, high, xp.where(a == -xp.inf, low, a)))
    return result.astype(a.dtype, copy=False)


def _finfo(np_dtype: Any) -> Any:
    import ml_dtypes

    return ml_dtypes.finfo(np_dtype)  # type: ignore[no-untyped-call]


def _nan_to_num_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    (x,) = ctx.inputs
    return (where(x.isfinite(), grad, grad * 0),)


NAN_TO_NUM = register_op(
    OpRecord(
        name="nan_to_num",
        forward=_nan_to_num_forward,
        vjp=_nan_to_num_vjp,
        saves_inputs=(0,),
        test=OpTest(samples="unary", reference=np.nan_to_num, torch_name="nan_to_num"),
    )
)


def nan_to_num(
    input: Tensor,
    nan: float = 0.0,
    posinf: float | None = None,
    neginf: float | None = None,
    *,
    out: Tensor | None = None,
) -> Tensor:
    """nan, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf`` (default: the dtype's extremes).

    Example:
        >>> import tocha
        >>> tocha.nan_to_num(tocha.tensor([float("nan"), float("inf"), 1.0]), posinf=9.0)
        tensor([0., 9., 1.])
    """
    return unary(NAN_TO_NUM, input, out, params=(nan, posinf, neginf))


# ------------------------------------------------------------------ Tensor methods


class MathMethods:
    """Tensor methods of the math functions (see the module functions for details)."""

    __slots__ = ()

    def exp(self: Any) -> Tensor:
        """See :func:`tocha.exp`."""
        return unary(EXP, self, floating=True)

    def exp_(self: Any) -> Tensor:
        """In-place :func:`tocha.exp`."""
        return unary_inplace(EXP, self, floating=True)

    def exp2(self: Any) -> Tensor:
        """See :func:`tocha.exp2`."""
        return unary(EXP2, self, floating=True)

    def exp2_(self: Any) -> Tensor:
        """In-place :func:`tocha.exp2`."""
        return unary_inplace(EXP2, self, floating=True)

    def expm1(self: Any) -> Tensor:
        """See :func:`tocha.expm1`."""
        return unary(EXPM1, self, floating=True)

    def expm1_(self: Any) -> Tensor:
        """In-place :func:`tocha.expm1`."""
        return unary_inplace(EXPM1, self, floating=True)

    def log(self: Any) -> Tensor:
        """See :func:`tocha.log`."""
        return unary(LOG, self, floating=True)

    def log_(self: Any) -> Tensor:
        """In-place :func:`tocha.log`."""
        return unary_inplace(LOG, self, floating=True)

    def log2(self: Any) -> Tensor:
        """See :func:`tocha.log2`."""
        return unary(LOG2, self, floating=True)

    def log2_(self: Any) -> Tensor:
        """In-place :func:`tocha.log2`."""
        return unary_inplace(LOG2, self, floating=True)

    def log10(self: Any) -> Tensor:
        """See :func:`tocha.log10`."""
        return unary(LOG10, self, floating=True)

    def log10_(self: Any) -> Tensor:
        """In-place :func:`tocha.log10`."""
        return unary_inplace(LOG10, self, floating=True)

    def log1p(self: Any) -> Tensor:
        """See :func:`tocha.log1p`."""
        return unary(LOG1P, self, floating=True)

    def log1p_(self: Any) -> Tensor:
        """In-place :func:`tocha.log1p`."""
        return unary_inplace(LOG1P, self, floating=True)

    def sqrt(self: Any) -> Tensor:
        """See :func:`tocha.sqrt`."""
        return unary(SQRT, self, floating=True)

    def sqrt_(self: Any) -> Tensor:
        """In-place :func:`tocha.sqrt`."""
        return unary_inplace(SQRT, self, floating=True)

    def rsqrt(self: Any) -> Tensor:
        """See :func:`tocha.rsqrt`."""
        return unary(RSQRT, self, floating=True)

    def rsqrt_(self: Any) -> Tensor:
        """In-place :func:`tocha.rsqrt`."""
        return unary_inplace(RSQRT, self, floating=True)

    def sin(self: Any) -> Tensor:
        """See :func:`tocha.sin`."""
        return unary(SIN, self, floating=True)

    def sin_(self: Any) -> Tensor:
        """In-place :func:`tocha.sin`."""
        return unary_inplace(SIN, self, floating=True)

    def cos(self: Any) -> Tensor:
        """See :func:`tocha.cos`."""
        return unary(COS, self, floating=True)

    def cos_(self: Any) -> Tensor:
        """In-place :func:`tocha.cos`."""
        return unary_inplace(COS, self, floating=True)

    def tan(self: Any) -> Tensor:
        """See :func:`tocha.tan`."""
        return unary(TAN, self, floating=True)

    def tan_(self: Any) -> Tensor:
        """In-place :func:`tocha.tan`."""
        return unary_inplace(TAN, self, floating=True)

    def asin(self: Any) -> Tensor:
        """See :func:`tocha.asin`."""
        return unary(ASIN, self, floating=True)

    def asin_(self: Any) -> Tensor:
        """In-place :func:`tocha.asin`."""
        return unary_inplace(ASIN, self, floating=True)

    def acos(self: Any) -> Tensor:
        """See :func:`tocha.acos`."""
        return unary(ACOS, self, floating=True)

    def acos_(self: Any) -> Tensor:
        """In-place :func:`tocha.acos`."""
        return unary_inplace(ACOS, self, floating=True)

    def atan(self: Any) -> Tensor:
        """See :func:`tocha.atan`."""
        return unary(ATAN, self, floating=True)

    def atan_(self: Any) -> Tensor:
        """In-place :func:`tocha.atan`."""
        return unary_inplace(ATAN, self, floating=True)

    def sinh(self: Any) -> Tensor:
        """See :func:`tocha.sinh`."""
        return unary(SINH, self, floating=True)

    def sinh_(self: Any) -> Tensor:
        """In-place :func:`tocha.sinh`."""
        return unary_inplace(SINH, self, floating=True)

    def cosh(self: Any) -> Tensor:
        """See :func:`tocha.cosh`."""
        return unary(COSH, self, floating=True)

    def cosh_(self: Any) -> Tensor:
        """In-place :func:`tocha.cosh`."""
        return unary_inplace(COSH, self, floating=True)

    def tanh(self: Any) -> Tensor:
        """See :func:`tocha.tanh`."""
        return unary(TANH, self, floating=True)

    def tanh_(self: Any) -> Tensor:
        """In-place :func:`tocha.tanh`."""
        return unary_inplace(TANH, self, floating=True)

    def asinh(self: Any) -> Tensor:
        """See :func:`tocha.asinh`."""
        return unary(ASINH, self, floating=True)

    def asinh_(self: Any) -> Tensor:
        """In-place :func:`tocha.asinh`."""
        return unary_inplace(ASINH, self, floating=True)

    def acosh(self: Any) -> Tensor:
        """See :func:`tocha.acosh`."""
        return unary(ACOSH, self, floating=True)

    def acosh_(self: Any) -> Tensor:
        """In-place :func:`tocha.acosh`."""
        return unary_inplace(ACOSH, self, floating=True)

    def atanh(self: Any) -> Tensor:
        """See :func:`tocha.atanh`."""
        return unary(ATANH, self, floating=True)

    def atanh_(self: Any) -> Tensor:
        """In-place :func:`tocha.atanh`."""
        return unary_inplace(ATANH, self, floating=True)

    def sigmoid(self: Any) -> Tensor:
        """See :func:`tocha.sigmoid`."""
        return unary(SIGMOID, self, floating=True)

    def sigmoid_(self: Any) -> Tensor:
        """In-place :func:`tocha.sigmoid`."""
        return unary_inplace(SIGMOID, self, floating=True)

    def erf(self: Any) -> Tensor:
        """See :func:`tocha.erf`."""
        return unary(ERF, self, floating=True)

    def erf_(self: Any) -> Tensor:
        """In-place :func:`tocha.erf`."""
        return unary_inplace(ERF, self, floating=True)

    def erfc(self: Any) -> Tensor:
        """See :func:`tocha.erfc`."""
        return unary(ERFC, self, floating=True)

    def erfc_(self: Any) -> Tensor:
        """In-place :func:`tocha.erfc`."""
        return unary_inplace(ERFC, self, floating=True)

    def erfinv(self: Any) -> Tensor:
        """See :func:`tocha.erfinv`."""
        return unary(ERFINV, self, floating=True)

    def erfinv_(self: Any) -> Tensor:
        """In-place :func:`tocha.erfinv`."""
        return unary_inplace(ERFINV, self, floating=True)

    def lgamma(self: Any) -> Tensor:
        """See :func:`tocha.lgamma`."""
        return unary(LGAMMA, self, floating=True)

    def lgamma_(self: Any) -> Tensor:
        """In-place :func:`tocha.lgamma`."""
        return unary_inplace(LGAMMA, self, floating=True)

    def digamma(self: Any) -> Tensor:
        """See :func:`tocha.digamma`."""
        return unary(DIGAMMA, self, floating=True)

    def digamma_(self: Any) -> Tensor:
        """In-place :func:`tocha.digamma`."""
        return unary_inplace(DIGAMMA, self, floating=True)

    def polygamma(self: Any, n: int) -> Tensor:
        """See :func:`tocha.polygamma`."""
        return unary(POLYGAMMA, self, floating=True, params=(_check_polygamma_order(n),))

    def polygamma_(self: Any, n: int) -> Tensor:
        """In-place :func:`tocha.polygamma`."""
        return unary_inplace(POLYGAMMA, self, floating=True, params=(_check_polygamma_order(n),))

    arcsin = asin
    arcsin_ = asin_
    arccos = acos
    arccos_ = acos_
    arctan = atan
    arctan_ = atan_
    arcsinh = asinh
    arcsinh_ = asinh_
    arccosh = acosh
    arccosh_ = acosh_
    arctanh = atanh
    arctanh_ = atanh_

    def logit(self: Any, eps: float | None = None) -> Tensor:
        """See :func:`tocha.logit`."""
        return unary(LOGIT, self, floating=True, params=(eps,))

    def logit_(self: Any, eps: float | None = None) -> Tensor:
        """In-place :func:`tocha.logit`."""
        return unary_inplace(LOGIT, self, floating=True, params=(eps,))

    def floor(self: Any) -> Tensor:
        """See :func:`tocha.floor`."""
        return floor(self)

    def floor_(self: Any) -> Tensor:
        """In-place :func:`tocha.floor`."""
        _check_rounding_input("floor", self)
        return unary_inplace(FLOOR, self)

    def ceil(self: Any) -> Tensor:
        """See :func:`tocha.ceil`."""
        return ceil(self)

    def ceil_(self: Any) -> Tensor:
        """In-place :func:`tocha.ceil`."""
        _check_rounding_input("ceil", self)
        return unary_inplace(CEIL, self)

    def trunc(self: Any) -> Tensor:
        """See :func:`tocha.trunc`."""
        return trunc(self)

    def trunc_(self: Any) -> Tensor:
        """In-place :func:`tocha.trunc`."""
        _check_rounding_input("trunc", self)
        return unary_inplace(TRUNC, self)

    fix = trunc
    fix_ = trunc_

    def round(self: Any, *, decimals: int = 0) -> Tensor:
        """See :func:`tocha.round`."""
        return round(self, decimals=decimals)

    def round_(self: Any, *, decimals: int = 0) -> Tensor:
        """In-place :func:`tocha.round`."""
        _check_rounding_input("round", self)
        if decimals != 0 and self._dtype.category < _FLOAT:
            raise NotImplementedError(f"\"round\" not implemented for '{type_name(self._dtype)}' with decimals != 0")
        return unary_inplace(ROUND, self, params=(int(decimals),))

    def frac(self: Any) -> Tensor:
        """See :func:`tocha.frac`."""
        return frac(self)

    def frac_(self: Any) -> Tensor:
        """In-place :func:`tocha.frac`."""
        return unary_inplace(FRAC, self)

    def sign(self: Any) -> Tensor:
        """See :func:`tocha.sign`."""
        return sign(self)

    def sign_(self: Any) -> Tensor:
        """In-place :func:`tocha.sign`."""
        sign(self)
        return unary_inplace(SIGN, self)

    def sgn(self: Any) -> Tensor:
        """See :func:`tocha.sgn`."""
        return sgn(self)

    def sgn_(self: Any) -> Tensor:
        """In-place :func:`tocha.sgn`."""
        return unary_inplace(SGN, self)

    def angle(self: Any) -> Tensor:
        """See :func:`tocha.angle`."""
        return angle(self)

    def conj(self: Any) -> Tensor:
        """See :func:`tocha.conj`."""
        return conj(self)

    def conj_physical(self: Any) -> Tensor:
        """The complex conjugate, materialised (the same as :meth:`conj` in tocha)."""
        return conj(self)

    def resolve_conj(self: Any) -> Tensor:
        """This tensor (tocha never keeps a lazy conjugate bit)."""
        return self  # type: ignore[no-any-return]

    def is_conj(self: Any) -> bool:
        """False: tocha's conjugates are materialised."""
        return False

    @property
    def real(self: Any) -> Tensor:
        """The real part (a view for complex tensors, the tensor itself otherwise); assignable."""
        return real(self)

    @real.setter
    def real(self: Any, value: Any) -> None:
        real(self).copy_(value)

    @property
    def imag(self: Any) -> Tensor:
        """The imaginary part as a view; RuntimeError for real dtypes; assignable."""
        return imag(self)

    @imag.setter
    def imag(self: Any, value: Any) -> None:
        imag(self).copy_(value)

    def atan2(self: Any, other: Any) -> Tensor:
        """See :func:`tocha.atan2`."""
        return atan2(self, other)

    def atan2_(self: Any, other: Any) -> Tensor:
        """In-place :func:`tocha.atan2`."""
        return _float_binary_inplace(ATAN2, self, other)

    arctan2 = atan2
    arctan2_ = atan2_

    def hypot(self: Any, other: Any) -> Tensor:
        """See :func:`tocha.hypot`."""
        return hypot(self, other)

    def hypot_(self: Any, other: Any) -> Tensor:
        """In-place :func:`tocha.hypot`."""
        return binary_inplace(HYPOT, self, other)

    def logaddexp(self: Any, other: Any) -> Tensor:
        """See :func:`tocha.logaddexp`."""
        return logaddexp(self, other)

    def logaddexp2(self: Any, other: Any) -> Tensor:
        """See :func:`tocha.logaddexp2`."""
        return logaddexp2(self, other)

    def xlogy(self: Any, other: Any) -> Tensor:
        """See :func:`tocha.xlogy`."""
        return xlogy(self, other)

    def xlogy_(self: Any, other: Any) -> Tensor:
        """In-place :func:`tocha.xlogy`."""
        return _float_binary_inplace(XLOGY, self, other)

    def maximum(self: Any, other: Tensor) -> Tensor:
        """See :func:`tocha.maximum`."""
        return maximum(self, other)

    def minimum(self: Any, other: Tensor) -> Tensor:
        """See :func:`tocha.minimum`."""
        return minimum(self, other)

    def fmax(self: Any, other: Tensor) -> Tensor:
        """See :func:`tocha.fmax`."""
        return fmax(self, other)

    def fmin(self: Any, other: Tensor) -> Tensor:
        """See :func:`tocha.fmin`."""
        return fmin(self, other)

    def clamp(self: Any, min: Any = None, max: Any = None) -> Tensor:
        """See :func:`tocha.clamp`."""
        return clamp(self, min, max)

    def clamp_(self: Any, min: Any = None, max: Any = None) -> Tensor:
        """In-place :func:`tocha.clamp`."""
        return clamp_inplace(self, min, max)

    clip = clamp
    clip_ = clamp_

    def clamp_min(self: Any, min: Any) -> Tensor:
        """See :func:`tocha.clamp_min`."""
        return clamp(self, min, None)

    def clamp_min_(self: Any, min: Any) -> Tensor:
        """In-place :func:`tocha.clamp_min`."""
        return clamp_inplace(self, min, None)

    def clamp_max(self: Any, max: Any) -> Tensor:
        """See :func:`tocha.clamp_max`."""
        return clamp(self, None, max)

    def clamp_max_(self: Any, max: Any) -> Tensor:
        """In-place :func:`tocha.clamp_max`."""
        return clamp_inplace(self, None, max)

    def where(self: Any, condition: Tensor, other: Any) -> Tensor:
        """``self`` where ``condition`` holds, else ``other``: :func:`tocha.where`."""
        result: Tensor = where(condition, self, other)
        return result

    def lerp(self: Any, end: Tensor, weight: Any) -> Tensor:
        """See :func:`tocha.lerp`."""
        return lerp(self, end, weight)

    def lerp_(self: Any, end: Tensor, weight: Any) -> Tensor:
        """In-place :func:`tocha.lerp`."""
        start, stop, w = _lerp_operands("lerp_", self, end, weight)
        check_inplace_shape("lerp_", self, stop, w)
        return call_inplace(LERP, self._device, self, (start, stop, w), ())

    def addcmul(self: Any, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
        """See :func:`tocha.addcmul`."""
        return _addc(ADDCMUL, self, tensor1, tensor2, value)

    def addcmul_(self: Any, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
        """In-place :func:`tocha.addcmul`."""
        return _addc(ADDCMUL, self, tensor1, tensor2, value, target=self)

    def addcdiv(self: Any, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
        """See :func:`tocha.addcdiv`."""
        return _addc(ADDCDIV, self, tensor1, tensor2, value)

    def addcdiv_(self: Any, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
        """In-place :func:`tocha.addcdiv`."""
        return _addc(ADDCDIV, self, tensor1, tensor2, value, target=self)

    def nan_to_num(self: Any, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:
        """See :func:`tocha.nan_to_num`."""
        return nan_to_num(self, nan, posinf, neginf)

    def nan_to_num_(self: Any, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:
        """In-place :func:`tocha.nan_to_num`."""
        return unary_inplace(NAN_TO_NUM, self, params=(nan, posinf, neginf))
