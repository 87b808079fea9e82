"""Activation functions: one op record per meaningful activation, the rest composites of tocha ops.

NOTE [ Activation ops ]
Each hot activation is one op record (its name is what ONNX export maps; its params are its static
arguments): ``threshold``, ``hardtanh`` (also ``relu6``), ``leaky_relu``, ``elu``, ``selu``, ``celu``,
``gelu``, ``silu``, ``mish``, ``softplus``, ``softshrink``, ``hardshrink``, ``hardsigmoid``, ``hardswish``,
``logsigmoid``, ``prelu``; ``relu``, ``softmax`` and ``log_softmax`` are tensor-core's records (``tocha.relu``,
``Tensor.softmax``...), for which this module registers the fused CUDA kernels (NOTE [ Device kernels ]).
The vjps of the hottest ones (relu, hardtanh, leaky_relu, the elu family, gelu, silu, softmax, log_softmax)
are themselves one op each (``threshold_backward``, ``hardtanh_backward``, ``leaky_relu_backward``,
``elu_backward``, ``gelu_backward``, ``silu_backward``, ``softmax_backward``, ``log_softmax_backward``),
whose own vjps are written with tocha ops, so double backward works. The others have vjps composed of tocha ops.

``relu`` saves its result (as PyTorch does), the others their input; in-place variants (``relu_``...) run
the same op into the input (the autograd layer clones an input the vjp needs before it is overwritten).

On NumPy, ``maximum(x, 0)`` with a broadcast scalar runs a strided (non-SIMD) inner loop, about 3x slower
than against a same-shaped array, so ``hardtanh`` and co. compare with ``tocha.library.cached_zeros_like``.
GELU needs erf: tensor-core's exact kernel took 1.5 ms for 64K float32 elements (PyTorch's GELU: 40 µs), so
below float64 GELU uses Abramowitz & Stegun 7.1.26 (absolute error under 1.5e-7, float32's resolution);
float64 keeps the exact erf.
Every record sets ``fp_errors``: infinities and NaNs flow through as in PyTorch, without NumPy warnings.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

import tocha
from tocha import Tensor
from tocha.library import (
    OpRecord,
    call,
    call_inplace,
    check_scalar_fits,
    get_op,
    masked_gradient,
    promote_0d,
    register_kernel,
    register_op,
)
from tocha.library import autocast_allows_mixed as allows_mixed

from . import _cuda_kernels

__all__ = [
    "relu",
    "relu_",
    "relu6",
    "leaky_relu",
    "leaky_relu_",
    "prelu",
    "rrelu",
    "rrelu_",
    "elu",
    "elu_",
    "selu",
    "selu_",
    "celu",
    "celu_",
    "gelu",
    "silu",
    "mish",
    "sigmoid",
    "hardsigmoid",
    "tanh",
    "hardtanh",
    "hardtanh_",
    "hardswish",
    "softplus",
    "softsign",
    "softshrink",
    "hardshrink",
    "tanhshrink",
    "threshold",
    "threshold_",
    "logsigmoid",
    "softmax",
    "log_softmax",
    "softmin",
    "glu",
    "gumbel_softmax",
]

_C_NAMES = {
    "int64": "Long",
    "int32": "Int",
    "int16": "Short",
    "int8": "Char",
    "uint8": "Byte",
    "bool": "Bool",
    "float32": "Float",
    "float64": "Double",
    "float16": "Half",
    "bfloat16": "BFloat16",
}


def _type_name(t: Tensor) -> str:
    name = str(t.dtype).rsplit(".", 1)[-1]
    return _C_NAMES.get(name, name)


def _floating(name: str, x: Any) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(x).__name__}")
    if not x.is_floating_point():
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{_type_name(x)}'")
    return x


def _tensor(name: str, x: Any) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(x).__name__}")
    return x


def _run(op: OpRecord, x: Tensor, params: tuple[Any, ...], inplace: bool) -> Tensor:
    if inplace:
        return call_inplace(op, x.device, x, (x,), params)
    return call(op, x.device, (x,), params)  # type: ignore[no-any-return]


# ------------------------------------------------------------------ kernels shared by forwards

_SQRT1_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_K_TANH = math.sqrt(2.0 / math.pi)
_C_TANH = 0.044715
_erf_exact = get_op("erf").forward
# Abramowitz & Stegun 7.1.26: erf(y) = 1 - t (a1 + t (a2 + ...)) exp(-y^2), t = 1 / (1 + p y), y >= 0.
_AS_P = 0.3275911
_AS_A = (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)


def _erf(xp: Any, x: Any) -> Any:
    """erf of a float array: exact (tensor-core's ``erf``) in float64, A&S 7.1.26 (|error| < 1.5e-7) below.

    See NOTE [ Activation ops ] for why float32 does not use the exact kernel.
    """
    if x.dtype.itemsize >= 8:
        return _erf_exact(xp, x)
    y = xp.abs(x)
    t = y * _AS_P
    t += 1
    xp.reciprocal(t, out=t)
    poly = t * _AS_A[0]
    for c in _AS_A[1:]:
        poly += c
        poly *= t
    y *= y
    xp.negative(y, out=y)
    xp.exp(y, out=y)
    poly *= y
    xp.subtract(1, poly, out=poly)
    return xp.copysign(poly, x, out=poly)


_GELU_CHUNK = 1 << 16  # float32 elements: each temporary (256 KiB) stays in cache across the ~20 passes


def _gelu_chunks(x: Any, grad: Any = None) -> Any:
    """GELU of a float32 NumPy array (or, given ``grad``, its backward ``grad * GELU'(x)``), in cache-sized chunks.

    With ``e = erfc(|x|/√2)`` from A&S 7.1.26, ``Φ(x) = 1 - e/2`` for ``x >= 0`` (``e/2`` below):
    ``GELU(x) = x Φ(x)`` and ``GELU'(x) = Φ(x) + x φ(x)``.
    """
    flat = x.reshape(-1)
    out = np.empty_like(flat)
    grad_flat = None if grad is None else grad.reshape(-1)
    size = min(_GELU_CHUNK, flat.size)
    t, gauss = np.empty(size, flat.dtype), np.empty(size, flat.dtype)
    for start in range(0, flat.size, _GELU_CHUNK):
        xs = flat[start : start + _GELU_CHUNK]
        n = xs.size
        o, ts, gs = out[start : start + n], t[:n], gauss[:n]
        np.multiply(xs, _SQRT1_2 * _AS_P, out=ts)
        np.abs(ts, out=ts)
        ts += 1
        np.reciprocal(ts, out=ts)
        np.multiply(ts, _AS_A[0], out=o)
        for c in _AS_A[1:]:
            o += c
            o *= ts
        np.multiply(xs, xs, out=gs)
        gs *= -0.5
        np.exp(gs, out=gs)  # exp(-x²/2)
        o *= gs  # e = erfc(|x|/√2)
        o *= 0.5
        np.copysign(o, xs, out=o)
        np.copysign(0.5, xs, out=ts)
        np.subtract(ts, o, out=o)
        o += 0.5  # Φ(x): 1 - e/2, or e/2 where x's sign bit is set (-0.0 included)
        if grad_flat is None:
            o *= xs
            np.multiply(xs, 0.0, out=ts)
            o += ts  # GELU(±inf) is nan, as PyTorch's
        else:
            gs *= _INV_SQRT_2PI
            gs *= xs  # x φ(x)
            o += gs
            o *= grad_flat[start : start + n]
    return out.reshape(x.shape)


def _sigmoid(xp: Any, x: Any) -> Any:
    """1 / (1 + exp(-x)): exp overflows to inf for very negative x, giving the exact limit 0 (fp_errors ops)."""
    result = xp.negative(x)
    xp.exp(result, out=result)
    result += 1
    return xp.reciprocal(result, out=result)


def _softplus_kernel(xp: Any, z: Any) -> Any:
    """log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|)), stable; NumPy's logaddexp is ten times slower."""
    result = xp.abs(z)
    xp.negative(result, out=result)
    xp.exp(result, out=result)
    xp.log1p(result, out=result)
    result += xp.maximum(z, 0)
    return result


# ------------------------------------------------------------------ relu, threshold


THRESHOLD_BACKWARD = get_op("threshold_backward")  # tensor-core's, with relu (tocha.relu)


def threshold_backward(grad: Tensor, input: Tensor, threshold: float) -> Tensor:
    """``grad`` where ``input > threshold``, zero elsewhere: the vjp of ``relu`` and ``threshold``."""
    return call(THRESHOLD_BACKWARD, grad.device, (grad, input), (threshold,))  # type: ignore[no-any-return]


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    r"""Rectified linear unit, :math:`\max(x, 0)`, elementwise.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.relu(tocha.tensor([-1.0, 0.0, 2.0]))
        tensor([0., 0., 2.])
    """
    return tocha.relu_(input) if inplace else tocha.relu(input)


def relu_(input: Tensor) -> Tensor:
    """In-place :func:`relu`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> x = tocha.tensor([-1.0, 2.0])
        >>> _ = F.relu_(x); x
        tensor([0., 2.])
    """
    return relu(input, inplace=True)


def _threshold_forward(xp: Any, x: Any, threshold: float, value: float) -> Any:
    return xp.where(x > threshold, x, value).astype(x.dtype, copy=False)


def _threshold_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (threshold_backward(grad, ctx.inputs[0], ctx.params[0]),)


THRESHOLD = register_op(
    OpRecord(name="threshold", forward=_threshold_forward, vjp=_threshold_vjp, saves_inputs=(0,), fp_errors=True)
)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``input`` where it is greater than ``threshold``, ``value`` elsewhere.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.threshold(tocha.tensor([0.5, 1.5]), 1.0, -3.0)
        tensor([-3.0000,  1.5000])
    """
    return _threshold(input, threshold, value, inplace)


def _threshold(input: Tensor, threshold: float, value: float, inplace: bool) -> Tensor:
    x = _tensor("threshold", input)
    threshold = check_scalar_fits(threshold, x.dtype)  # PyTorch's "cannot be converted ... without overflow"
    value = check_scalar_fits(value, x.dtype)
    return _run(THRESHOLD, x, (threshold, value), inplace)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place :func:`threshold`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.threshold_(tocha.tensor([0.5, 1.5]), 1.0, 0.0)
        tensor([0.0000, 1.5000])
    """
    return _threshold(input, threshold, value, True)


# ------------------------------------------------------------------ hardtanh, relu6


def _hardtanh_backward_forward(xp: Any, grad: Any, x: Any, min_val: float, max_val: float) -> Any:
    # Clipped entries and NaN inputs get 0, also for a NaN gradient: PyTorch's vectorised kernel (its scalar tail,
    # for the last few elements, lets NaN inputs pass)
    return masked_gradient(xp, grad, ~((x > min_val) & (x < max_val)))


def _hardtanh_backward_vjp(ctx: Any, gg: Tensor) -> tuple[Tensor | None, None]:
    x = ctx.inputs[1]
    return (call(HARDTANH_BACKWARD, gg.device, (gg, x), ctx.params), None)


HARDTANH_BACKWARD = register_op(
    OpRecord(
        name="hardtanh_backward",
        forward=_hardtanh_backward_forward,
        vjp=_hardtanh_backward_vjp,
        saves_inputs=(1,),
        differentiable_inputs=(0,),
        fp_errors=True,
    )
)


def _hardtanh_forward(xp: Any, x: Any, min_val: float, max_val: float, out: Any = None) -> Any:
    if out is not None:
        return xp.clip(x, min_val, max_val, out=out)
    return xp.clip(x, min_val, max_val).astype(x.dtype, copy=False)


def _hardtanh_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (call(HARDTANH_BACKWARD, grad.device, (grad, ctx.inputs[0]), ctx.params),)


HARDTANH = register_op(
    OpRecord(
        name="hardtanh",
        forward=_hardtanh_forward,
        vjp=_hardtanh_vjp,
        saves_inputs=(0,),
        supports_out=True,
        fp_errors=True,
    )
)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """``input`` clamped to ``[min_val, max_val]``.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.hardtanh(tocha.tensor([-2.0, 0.5, 3.0]))
        tensor([-1.0000,  0.5000,  1.0000])
    """
    x = _tensor("hardtanh", input)
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _run(HARDTANH, x, (min_val, max_val), inplace)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In-place :func:`hardtanh`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.hardtanh_(tocha.tensor([-2.0, 3.0]))
        tensor([-1.,  1.])
    """
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    r""":math:`\min(\max(x, 0), 6)`: :func:`hardtanh` on ``[0, 6]``.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.relu6(tocha.tensor([-1.0, 3.0, 8.0]))
        tensor([0., 3., 6.])
    """
    return hardtanh(input, 0.0, 6.0, inplace)


# ------------------------------------------------------------------ leaky_relu, prelu, rrelu


def _leaky_relu_backward_forward(xp: Any, grad: Any, x: Any, slope: float) -> Any:
    factor = xp.multiply(x > 0, 1.0 - slope, dtype=grad.dtype)  # where(x > 0, 1, slope) without where's cost
    factor += slope
    factor *= grad
    return factor


def _leaky_relu_backward_vjp(ctx: Any, gg: Tensor) -> tuple[Tensor | None, None]:
    return (call(LEAKY_RELU_BACKWARD, gg.device, (gg, ctx.inputs[1]), ctx.params), None)


LEAKY_RELU_BACKWARD = register_op(
    OpRecord(
        name="leaky_relu_backward",
        forward=_leaky_relu_backward_forward,
        vjp=_leaky_relu_backward_vjp,
        saves_inputs=(1,),
        differentiable_inputs=(0,),
        fp_errors=True,
    )
)


def _leaky_relu_forward(xp: Any, x: Any, slope: float, out: Any = None) -> Any:
    if 0.0 <= slope <= 1.0:
        return xp.maximum(x, x * slope, out=out)
    result = xp.where(x > 0, x, x * slope)
    if out is not None:
        out[...] = result
        return out
    return result


def _leaky_relu_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (call(LEAKY_RELU_BACKWARD, grad.device, (grad, ctx.inputs[0]), ctx.params),)


LEAKY_RELU = register_op(
    OpRecord(
        name="leaky_relu",
        forward=_leaky_relu_forward,
        vjp=_leaky_relu_vjp,
        saves_inputs=(0,),
        supports_out=True,
        fp_errors=True,
    )
)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    r""":math:`x` for :math:`x > 0`, :math:`\text{negative\_slope} \cdot x` otherwise.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.leaky_relu(tocha.tensor([-2.0, 3.0]), 0.1)
        tensor([-0.2000,  3.0000])
    """
    return _run(LEAKY_RELU, _floating("leaky_relu", input), (float(negative_slope),), inplace)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """In-place :func:`leaky_relu`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.leaky_relu_(tocha.tensor([-2.0, 3.0]), 0.5)
        tensor([-1.,  3.])
    """
    return leaky_relu(input, negative_slope, inplace=True)


def _prelu_forward(xp: Any, x: Any, w: Any) -> Any:
    return xp.where(x > 0, x, w * x)


def _prelu_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
    x, w = ctx.inputs
    positive = x > 0
    gx = grad * tocha.where(positive, tocha.ones_like(w), w) if ctx.needs_input_grad[0] else None
    gw = None
    if ctx.needs_input_grad[1]:
        gw = (grad * tocha.where(positive, tocha.zeros_like(x), x)).sum_to_size(ctx.input_shapes[1])
    return (gx, gw)


PRELU = register_op(OpRecord(name="prelu", forward=_prelu_forward, vjp=_prelu_vjp, saves_inputs=(0, 1), fp_errors=True))


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    r""":math:`\max(0, x) + a \min(0, x)` with a learnt slope ``a`` per channel (dim 1) or shared.

    Args:
        input: ``(N, C, *)`` (or a tensor of fewer dims: one channel).
        weight: one slope, or ``C`` slopes.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.prelu(tocha.tensor([[-2.0, 3.0]]), tocha.tensor([0.25]))
        tensor([[-0.5000,  3.0000]])
    """
    x = _floating("prelu", input)
    if weight.dtype != x.dtype and not allows_mixed("prelu", x.device.type, x.dtype, weight.dtype):
        raise RuntimeError(f"prelu: Type promoting not supported. Got {_type_name(x)} and {_type_name(weight)}")
    if weight.dim() > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.dim()}")
    n = weight.numel()
    channels = x.shape[1] if x.dim() >= 2 else 1
    if n != 1 and n != channels:
        raise RuntimeError(
            "Mismatch of parameter numbers and input channel size. "
            f"Found parameter numbers = {n} and channel size = {channels}."
        )
    w = weight.reshape((n,) + (1,) * (x.dim() - 2)) if x.dim() >= 2 else weight.reshape(())
    return call(PRELU, x.device, (x, w), ())  # type: ignore[no-any-return]


def rrelu(
    input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False, inplace: bool = False
) -> Tensor:
    r"""Randomised leaky ReLU: in training, each negative element is scaled by a slope drawn from
    :math:`\mathcal{U}(\text{lower}, \text{upper})`; in evaluation, by :math:`(\text{lower} + \text{upper}) / 2`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.rrelu(tocha.tensor([-1.0, 2.0]), 0.1, 0.3)
        tensor([-0.2000,  2.0000])
    """
    x = _floating("leaky_relu", input)
    if not training:
        return leaky_relu(x, (lower + upper) / 2, inplace)
    with tocha.no_grad():
        noise = tocha.empty_like(x).uniform_(lower, upper)
        noise = tocha.where(x >= 0, tocha.ones_like(noise), noise)
    result: Tensor = x.mul_(noise) if inplace else x * noise
    return result


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> Tensor:
    """In-place :func:`rrelu`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.rrelu_(tocha.tensor([-1.0, 2.0]), 0.1, 0.3)
        tensor([-0.2000,  2.0000])
    """
    return rrelu(input, lower, upper, training, inplace=True)


# ------------------------------------------------------------------ elu, selu, celu

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _elu_kernel(xp: Any, x: Any, alpha: float, scale: float, input_scale: float, out: Any = None) -> Any:
    negative = xp.expm1(xp.minimum(x, 0) * input_scale)
    negative *= alpha
    result = xp.add(xp.maximum(x, 0), negative, out=out)
    if scale != 1.0:
        result *= scale
    return result


def _elu_backward_forward(xp: Any, grad: Any, x: Any, alpha: float, scale: float, input_scale: float) -> Any:
    slope = xp.exp(xp.minimum(x, 0) * input_scale)
    slope *= alpha * input_scale
    negative = x <= 0  # NaN takes the x > 0 branch's slope times 0 * NaN: NaN, as PyTorch's vectorised kernel
    slope *= negative
    slope += ~negative
    if scale != 1.0:
        slope *= scale
    slope *= grad
    return slope


def _elu_backward_vjp(ctx: Any, gg: Tensor) -> tuple[Tensor | None, Tensor | None]:
    grad, x = ctx.inputs
    alpha, scale, input_scale = ctx.params
    g_grad = call(ELU_BACKWARD, gg.device, (gg, x), ctx.params) if ctx.needs_input_grad[0] else None
    g_x = None
    if ctx.needs_input_grad[1]:
        curvature = tocha.exp(x.clamp(max=0) * input_scale) * (alpha * scale * input_scale * input_scale)
        g_x = gg * grad * curvature * (x <= 0)
    return (g_grad, g_x)


ELU_BACKWARD = register_op(
    OpRecord(
        name="elu_backward",
        forward=promote_0d(_elu_backward_forward),
        vjp=_elu_backward_vjp,
        saves_inputs=(0, 1),
        fp_errors=True,
    )
)


def _elu_family_vjp(params_of: Any) -> Any:
    def vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
        return (call(ELU_BACKWARD, grad.device, (grad, ctx.inputs[0]), params_of(*ctx.params)),)

    return vjp


def _elu_forward(xp: Any, x: Any, alpha: float, out: Any = None) -> Any:
    return _elu_kernel(xp, x, alpha, 1.0, 1.0, out)


def _selu_forward(xp: Any, x: Any, out: Any = None) -> Any:
    return _elu_kernel(xp, x, _SELU_ALPHA, _SELU_SCALE, 1.0, out)


def _celu_forward(xp: Any, x: Any, alpha: float, out: Any = None) -> Any:
    return _elu_kernel(xp, x, alpha, 1.0, 1.0 / alpha, out)


ELU = register_op(
    OpRecord(
        name="elu",
        forward=promote_0d(_elu_forward),
        vjp=_elu_family_vjp(lambda alpha: (alpha, 1.0, 1.0)),
        saves_inputs=(0,),
        supports_out=True,
        fp_errors=True,
    )
)
SELU = register_op(
    OpRecord(
        name="selu",
        forward=promote_0d(_selu_forward),
        vjp=_elu_family_vjp(lambda: (_SELU_ALPHA, _SELU_SCALE, 1.0)),
        saves_inputs=(0,),
        supports_out=True,
        fp_errors=True,
    )
)
CELU = register_op(
    OpRecord(
        name="celu",
        forward=promote_0d(_celu_forward),
        vjp=_elu_family_vjp(lambda alpha: (alpha, 1.0, 1.0 / alpha)),
        saves_inputs=(0,),
        supports_out=True,
        fp_errors=True,
    )
)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    r"""Exponential linear unit: :math:`x` for :math:`x > 0`, :math:`\alpha (e^x - 1)` otherwise.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.elu(tocha.tensor([-1.0, 2.0]))
        tensor([-0.6321,  2.0000])
    """
    return _run(ELU, _floating("elu", input), (float(alpha),), inplace)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place :func:`elu`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.elu_(tocha.tensor([-1.0, 2.0]))
        tensor([-0.6321,  2.0000])
    """
    return elu(input, alpha, inplace=True)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    r"""Scaled ELU :math:`\lambda\,\text{elu}_\alpha(x)`, :math:`\alpha \approx 1.673`, :math:`\lambda \approx 1.051`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.selu(tocha.tensor([-1.0, 2.0]))
        tensor([-1.1113,  2.1014])
    """
    return _run(SELU, _floating("elu", input), (), inplace)


def selu_(input: Tensor) -> Tensor:
    """In-place :func:`selu`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.selu_(tocha.tensor([2.0]))
        tensor([2.1014])
    """
    return selu(input, inplace=True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    r"""Continuously differentiable ELU: :math:`\max(0, x) + \min(0, \alpha (e^{x/\alpha} - 1))`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.celu(tocha.tensor([-1.0, 2.0]), alpha=2.0)
        tensor([-0.7869,  2.0000])
    """
    x = _floating("elu", input)
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return _run(CELU, x, (float(alpha),), inplace)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place :func:`celu`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.celu_(tocha.tensor([2.0]))
        tensor([2.])
    """
    return celu(input, alpha, inplace=True)


# ------------------------------------------------------------------ gelu, silu, mish


def _gelu_backward_forward(xp: Any, grad: Any, x: Any, approximate: str) -> Any:
    if xp is not np and (fused := _cuda_kernels.gelu_backward(xp, grad, x, approximate)) is not None:
        return fused
    if approximate == "tanh":
        x2 = x * x
        inner = _K_TANH * (x + _C_TANH * x * x2)
        t = xp.tanh(inner)
        d_inner = _K_TANH * (1 + 3 * _C_TANH * x2)
        derivative = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * d_inner
    else:
        if xp is np and x.dtype == np.float32 and grad.dtype == np.float32 and grad.shape == x.shape:
            return _gelu_chunks(x, grad)
        cdf = 0.5 * (1 + _erf(xp, x * _SQRT1_2))
        pdf = xp.exp(-0.5 * x * x) * _INV_SQRT_2PI
        derivative = cdf + x * pdf
    return grad * derivative


def _gelu_backward_vjp(ctx: Any, gg: Tensor) -> tuple[Tensor | None, Tensor | None]:
    grad, x = ctx.inputs
    (approximate,) = ctx.params
    g_grad = call(GELU_BACKWARD, gg.device, (gg, x), ctx.params) if ctx.needs_input_grad[0] else None
    g_x = None
    if ctx.needs_input_grad[1]:
        if approximate == "tanh":
            x2 = x * x
            t = tocha.tanh((x + x * x2 * _C_TANH) * _K_TANH)
            d_inner = (x2 * (3 * _C_TANH) + 1) * _K_TANH
            curvature = (1 - t * t) * (d_inner - x * t * d_inner * d_inner + x * x * (3 * _C_TANH * _K_TANH))
        else:
            curvature = tocha.exp(x * x * -0.5) * _INV_SQRT_2PI * (2 - x * x)
        g_x = gg * grad * curvature
    return (g_grad, g_x)


GELU_BACKWARD = register_op(
    OpRecord(
        name="gelu_backward",
        forward=promote_0d(_gelu_backward_forward),
        vjp=_gelu_backward_vjp,
        saves_inputs=(0, 1),
        fp_errors=True,
    )
)


def _gelu_forward(xp: Any, x: Any, approximate: str) -> Any:
    if xp is not np and (fused := _cuda_kernels.gelu(xp, x, approximate)) is not None:
        return fused
    if approximate == "tanh":
        inner = xp.tanh(_K_TANH * (x + _C_TANH * x * x * x))
        inner += 1
        return 0.5 * x * inner
    if xp is np and x.dtype == np.float32:
        return _gelu_chunks(x)
    cdf = _erf(xp, x * _SQRT1_2)
    cdf += 1
    cdf *= x
    cdf *= 0.5
    return cdf


def _gelu_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (call(GELU_BACKWARD, grad.device, (grad, ctx.inputs[0]), ctx.params),)


GELU = register_op(
    OpRecord(name="gelu", forward=promote_0d(_gelu_forward), vjp=_gelu_vjp, saves_inputs=(0,), fp_errors=True)
)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    r"""Gaussian error linear unit :math:`x \Phi(x)`; ``approximate="tanh"`` uses
    :math:`\tfrac{x}{2}(1 + \tanh(\sqrt{2/\pi}(x + 0.044715 x^3)))`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.gelu(tocha.tensor([-1.0, 0.0, 1.0]))
        tensor([-0.1587,  0.0000,  0.8413])
    """
    x = _floating("GeluKernelImpl", input)
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return call(GELU, x.device, (x,), (approximate,))  # type: ignore[no-any-return]


def _silu_backward_forward(xp: Any, grad: Any, x: Any) -> Any:
    s = _sigmoid(xp, x)
    return grad * s * (1 + x * (1 - s))


def _silu_backward_vjp(ctx: Any, gg: Tensor) -> tuple[Tensor | None, Tensor | None]:
    grad, x = ctx.inputs
    g_grad = call(SILU_BACKWARD, gg.device, (gg, x), ()) if ctx.needs_input_grad[0] else None
    g_x = None
    if ctx.needs_input_grad[1]:
        s = tocha.sigmoid(x)
        g_x = gg * grad * s * (1 - s) * (2 + x * (1 - 2 * s))
    return (g_grad, g_x)


SILU_BACKWARD = register_op(
    OpRecord(
        name="silu_backward",
        forward=promote_0d(_silu_backward_forward),
        vjp=_silu_backward_vjp,
        saves_inputs=(0, 1),
        fp_errors=True,
    )
)


def _silu_forward(xp: Any, x: Any, out: Any = None) -> Any:
    return xp.multiply(x, _sigmoid(xp, x), out=out)


def _silu_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (call(SILU_BACKWARD, grad.device, (grad, ctx.inputs[0]), ()),)


SILU = register_op(
    OpRecord(
        name="silu",
        forward=promote_0d(_silu_forward),
        vjp=_silu_vjp,
        saves_inputs=(0,),
        supports_out=True,
        fp_errors=True,
    )
)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    r"""Sigmoid linear unit (swish), :math:`x \sigma(x)`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.silu(tocha.tensor([-1.0, 0.0, 1.0]))
        tensor([-0.2689,  0.0000,  0.7311])
    """
    return _run(SILU, _floating("silu", input), (), inplace)


def _mish_forward(xp: Any, x: Any) -> Any:
    return x * xp.tanh(_softplus_kernel(xp, x))


def _mish_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    x = ctx.inputs[0]
    t = tocha.tanh(softplus(x))
    return (grad * (t + x * tocha.sigmoid(x) * (1 - t * t)),)


MISH = register_op(
    OpRecord(name="mish", forward=promote_0d(_mish_forward), vjp=_mish_vjp, saves_inputs=(0,), fp_errors=True)
)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    r"""Mish, :math:`x \tanh(\text{softplus}(x))`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.mish(tocha.tensor([-1.0, 0.0, 1.0]))
        tensor([-0.3034,  0.0000,  0.8651])
    """
    return _run(MISH, _floating("mish", input), (), inplace)


# ------------------------------------------------------------------ sigmoid family


def sigmoid(input: Tensor) -> Tensor:
    r"""The logistic function :math:`1 / (1 + e^{-x})` (``tocha.sigmoid``).

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.sigmoid(tocha.tensor([0.0]))
        tensor([0.5000])
    """
    return tocha.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """The hyperbolic tangent (``tocha.tanh``).

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.tanh(tocha.tensor([0.0]))
        tensor([0.])
    """
    return tocha.tanh(input)


def _hardsigmoid_forward(xp: Any, x: Any, out: Any = None) -> Any:
    result = x / 6
    result += 0.5
    return xp.clip(result, 0, 1, out=out if out is not None else result)


def _hardsigmoid_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    x = ctx.inputs[0]
    # 0 outside (-3, 3) and for NaN inputs, also for a NaN gradient, as PyTorch's vectorised kernel
    return (tocha.where((x > -3) & (x < 3), grad / 6, 0.0),)


HARDSIGMOID = register_op(
    OpRecord(
        name="hardsigmoid",
        forward=promote_0d(_hardsigmoid_forward),
        vjp=_hardsigmoid_vjp,
        saves_inputs=(0,),
        supports_out=True,
        fp_errors=True,
    )
)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    r""":math:`\text{relu6}(x + 3) / 6`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.hardsigmoid(tocha.tensor([-4.0, 0.0, 1.5, 4.0]))
        tensor([0.0000, 0.5000, 0.7500, 1.0000])
    """
    return _run(HARDSIGMOID, _floating("hardsigmoid", input), (), inplace)


def _hardswish_forward(xp: Any, x: Any, out: Any = None) -> Any:
    gate = x / 6
    gate += 0.5
    xp.clip(gate, 0, 1, out=gate)
    return xp.multiply(x, gate, out=out)


def _hardswish_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    x = ctx.inputs[0]
    slope = tocha.where(x >= 3, 1.0, x / 3 + 0.5)  # PyTorch's at the kinks; NaN for NaN
    return (tocha.where(x <= -3, 0.0, grad * slope),)  # 0 there even for a NaN gradient


HARDSWISH = register_op(
    OpRecord(
        name="hardswish",
        forward=promote_0d(_hardswish_forward),
        vjp=_hardswish_vjp,
        saves_inputs=(0,),
        supports_out=True,
        fp_errors=True,
    )
)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    r""":math:`x \cdot \text{relu6}(x + 3) / 6`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.hardswish(tocha.tensor([-4.0, 1.0, 4.0]))
        tensor([-0.0000,  0.6667,  4.0000])
    """
    return _run(HARDSWISH, _floating("hardswish", input), (), inplace)


def _logsigmoid_forward(xp: Any, x: Any) -> Any:
    result = _softplus_kernel(xp, -x)
    return xp.negative(result, out=result)


def _logsigmoid_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    # d/dx log sigmoid(x) = sigmoid(-x): softplus' slope at -x (beta 1, never linear).
    return (call(SOFTPLUS_BACKWARD, grad.device, (grad, -ctx.inputs[0]), (1.0, math.inf)),)


LOGSIGMOID = register_op(
    OpRecord(
        name="logsigmoid",
        forward=promote_0d(_logsigmoid_forward),
        vjp=_logsigmoid_vjp,
        saves_inputs=(0,),
        fp_errors=True,
    )
)


def logsigmoid(input: Tensor) -> Tensor:
    r""":math:`\log \sigma(x) = -\text{softplus}(-x)`, computed stably.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.logsigmoid(tocha.tensor([0.0, -100.0]))
        tensor([  -0.6931, -100.0000])
    """
    return call(LOGSIGMOID, input.device, (_floating("log_sigmoid", input),), ())  # type: ignore[no-any-return]


# ------------------------------------------------------------------ softplus, shrinks, softsign


def _softplus_forward(xp: Any, x: Any, beta: float, threshold: float) -> Any:
    scaled = x * beta
    smooth = _softplus_kernel(xp, scaled)
    if beta != 1:
        smooth /= beta
    return xp.where(scaled > threshold, x, smooth)


def _softplus_backward_forward(xp: Any, grad: Any, x: Any, beta: float, threshold: float) -> Any:
    scaled = x * beta
    slope = _sigmoid(xp, scaled)
    linear = scaled > threshold
    slope *= ~linear
    slope += linear
    slope *= grad
    return slope


def _softplus_backward_vjp(ctx: Any, gg: Tensor) -> tuple[Tensor | None, Tensor | None]:
    grad, x = ctx.inputs
    beta, threshold = ctx.params
    g_grad = call(SOFTPLUS_BACKWARD, gg.device, (gg, x), ctx.params) if ctx.needs_input_grad[0] else None
    g_x = None
    if ctx.needs_input_grad[1]:
        s = tocha.sigmoid(x * beta)
        g_x = gg * grad * s * (1 - s) * beta * (x * beta <= threshold)
    return (g_grad, g_x)


SOFTPLUS_BACKWARD = register_op(
    OpRecord(
        name="softplus_backward",
        forward=promote_0d(_softplus_backward_forward),
        vjp=_softplus_backward_vjp,
        saves_inputs=(0, 1),
        fp_errors=True,
    )
)


def _softplus_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (call(SOFTPLUS_BACKWARD, grad.device, (grad, ctx.inputs[0]), ctx.params),)


SOFTPLUS = register_op(
    OpRecord(
        name="softplus", forward=promote_0d(_softplus_forward), vjp=_softplus_vjp, saves_inputs=(0,), fp_errors=True
    )
)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    r""":math:`\frac{1}{\beta}\log(1 + e^{\beta x})`, or :math:`x` where :math:`\beta x > \text{threshold}`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.softplus(tocha.tensor([0.0, 30.0]))
        tensor([ 0.6931, 30.0000])
    """
    x = _floating("softplus", input)
    return call(SOFTPLUS, x.device, (x,), (beta, threshold))  # type: ignore[no-any-return]


def _check_lambda(name: str, x: Tensor, lambd: float) -> None:
    if lambd < 0:
        top = tocha.finfo(x.dtype).max
        raise RuntimeError(
            f"{name}: lambda must be in range [0, {top:g}] for input dtype {_type_name(x)}, but found {lambd:g}"
        )


def _softshrink_forward(xp: Any, x: Any, lambd: float) -> Any:
    return x - xp.clip(x, -lambd, lambd)


def _shrink_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    # 0 inside [-lambd, lambd] and for NaN inputs, also for a NaN gradient, as PyTorch's vectorised kernel
    return (tocha.where(ctx.inputs[0].abs() > ctx.params[0], grad, 0.0),)


SOFTSHRINK = register_op(
    OpRecord(name="softshrink", forward=_softshrink_forward, vjp=_shrink_vjp, saves_inputs=(0,), fp_errors=True)
)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    r""":math:`x - \lambda` above :math:`\lambda`, :math:`x + \lambda` below :math:`-\lambda`, zero between.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.softshrink(tocha.tensor([-1.0, 0.2, 2.0]))
        tensor([-0.5000,  0.0000,  1.5000])
    """
    x = _floating("softshrink", input)
    _check_lambda("softshrink", x, lambd)
    return call(SOFTSHRINK, x.device, (x,), (lambd,))  # type: ignore[no-any-return]


def _hardshrink_forward(xp: Any, x: Any, lambd: float) -> Any:
    return x * (xp.abs(x) > lambd)


HARDSHRINK = register_op(
    OpRecord(name="hardshrink", forward=_hardshrink_forward, vjp=_shrink_vjp, saves_inputs=(0,), fp_errors=True)
)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    r""":math:`x` where :math:`|x| > \lambda`, zero elsewhere.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.hardshrink(tocha.tensor([-1.0, 0.2, 2.0]))
        tensor([-1.,  0.,  2.])
    """
    x = _floating("hardshrink", input)
    return call(HARDSHRINK, x.device, (x,), (lambd,))  # type: ignore[no-any-return]


def tanhshrink(input: Tensor) -> Tensor:
    r""":math:`x - \tanh(x)`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.tanhshrink(tocha.tensor([0.0, 1.0]))
        tensor([0.0000, 0.2384])
    """
    return input - tocha.tanh(input)


def softsign(input: Tensor) -> Tensor:
    r""":math:`x / (1 + |x|)`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.softsign(tocha.tensor([-1.0, 3.0]))
        tensor([-0.5000,  0.7500])
    """
    return input / (input.abs() + 1)


# ------------------------------------------------------------------ softmax family


SOFTMAX = get_op("softmax")  # tensor-core's records (tocha.softmax); the fused CUDA kernels below join them
LOG_SOFTMAX = get_op("log_softmax")


def _register_fused_kernels() -> None:
    """nn's fused CUDA kernels for tensor-core's softmax and relu-backward records (NOTE [ Device kernels ])."""
    register_kernel("softmax", "cuda", lambda xp, x, dim: _cuda_kernels.softmax(xp, x, dim, log=False))
    register_kernel("log_softmax", "cuda", lambda xp, x, dim: _cuda_kernels.softmax(xp, x, dim, log=True))
    register_kernel(
        "softmax_backward", "cuda", lambda xp, g, y, dim: _cuda_kernels.softmax_backward(xp, g, y, dim, log=False)
    )
    register_kernel(
        "log_softmax_backward", "cuda", lambda xp, g, y, dim: _cuda_kernels.softmax_backward(xp, g, y, dim, log=True)
    )
    register_kernel("threshold_backward", "cuda", _cuda_kernels.threshold_backward)


_register_fused_kernels()


def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an argument.",
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def _wrap_dim(dim: int, ndim: int) -> int:
    rank = max(ndim, 1)
    if not -rank <= dim < rank:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], but got {dim})")
    return dim % rank


def _softmax_like(
    op: OpRecord, name: str, kernel: str, input: Tensor, dim: int | None, stacklevel: int, dtype: Any
) -> Tensor:
    x = _tensor(name, input)
    if dim is None:
        dim = _softmax_dim(name, x.dim(), stacklevel + 1)
    axis = _wrap_dim(dim, x.dim())
    if dtype is not None:
        x = x.to(dtype)
    if not x.is_floating_point():
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_type_name(x)}'")
    return call(op, x.device, (x,), (axis,))  # type: ignore[no-any-return]


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    r""":math:`e^{x_i} / \sum_j e^{x_j}` along ``dim``.

    Args:
        input: the input.
        dim: the dim to normalise; None (deprecated, warns) picks 0 for 0-, 1- and 3-D inputs, else 1.
        dtype: cast the input to this dtype first.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.softmax(tocha.tensor([[1.0, 1.0], [0.0, 2.0]]), dim=1)
        tensor([[0.5000, 0.5000],
                [0.1192, 0.8808]])
    """
    return _softmax_like(SOFTMAX, "softmax", "softmax_lastdim_kernel_impl", input, dim, _stacklevel, dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    r""":math:`x_i - \log \sum_j e^{x_j}` along ``dim``, computed stably.

    Arguments as :func:`softmax`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.log_softmax(tocha.tensor([0.0, 0.0]), dim=0)
        tensor([-0.6931, -0.6931])
    """
    return _softmax_like(LOG_SOFTMAX, "log_softmax", "log_softmax_lastdim_kernel_impl", input, dim, _stacklevel, dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    r""":math:`e^{-x_i} / \sum_j e^{-x_j}` along ``dim``: :func:`softmax` of ``-input``.

    Arguments as :func:`softmax`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.softmin(tocha.tensor([0.0, 0.0]), dim=0)
        tensor([0.5000, 0.5000])
    """
    x = _tensor("softmin", input)
    if dim is None:
        dim = _softmax_dim("softmin", x.dim(), _stacklevel)
    if dtype is not None:
        x = x.to(dtype)
    return softmax(-x, dim)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    r"""Gated linear unit: split ``input`` in halves :math:`a, b` along ``dim``; :math:`a \otimes \sigma(b)`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.glu(tocha.tensor([[1.0, 2.0, 0.0, 0.0]]))
        tensor([[0.5000, 1.0000]])
    """
    x = _tensor("glu", input)
    if x.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    axis = _wrap_dim(dim, x.dim())
    size = x.shape[axis]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {axis} is size {size}")
    half = size // 2
    return x.narrow(axis, 0, half) * tocha.sigmoid(x.narrow(axis, half, half))


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1) -> Tensor:
    r"""Sample from the Gumbel-softmax distribution: :math:`\text{softmax}((\text{logits} + g) / \tau)` with
    Gumbel noise :math:`g = -\log E`, :math:`E \sim \text{Exp}(1)`.

    With ``hard=True`` the result is one-hot (the argmax) in the forward pass while its gradient is the soft
    sample's (the straight-through estimator).

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> y = F.gumbel_softmax(tocha.zeros(2, 5), hard=True)
        >>> y.sum(-1)
        tensor([1., 1.])
    """
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    with tocha.no_grad():
        gumbels = -tocha.empty_like(logits).exponential_().log()
    soft = softmax((logits + gumbels) / tau, dim)
    if not hard:
        return soft
    axis = _wrap_dim(dim, soft.dim())
    index = soft.argmax(axis, keepdim=True)
    shape = [1] * soft.dim()
    shape[axis] = soft.shape[axis]
    positions = tocha.arange(soft.shape[axis], device=soft.device).reshape(shape)
    one_hot = (positions == index).to(soft.dtype)
    result: Tensor = one_hot - soft.detach() + soft
    return result
