"""``relu`` and the softmax family: the activations PyTorch has on ``torch`` and ``Tensor`` themselves.

``tocha.relu``, ``tocha.softmax``, ``tocha.log_softmax`` and the Tensor methods ``relu``, ``relu_``,
``softmax``, ``log_softmax`` are these records; ``tocha.nn.functional`` builds on the same records (adding
PyTorch's deprecated implicit ``dim``) and registers its fused CUDA kernels for them (NOTE [ Device kernels ]).
Their vjps are ops too (``threshold_backward``, ``softmax_backward``, ``log_softmax_backward``) with vjps of
their own, so double backward works. ``relu`` saves its result, as PyTorch's does.

``relu`` compares with ``cached_zeros_like`` (NumPy's maximum against a broadcast scalar is 3x slower).
Half-precision softmax accumulates in float32, as PyTorch's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._dispatch import OpRecord, OpTest, call, call_inplace, register_op
from .._dtype import _BOOL, _COMPLEX, _FLOAT, dtype
from .._forward_helpers import cached_zeros_like, promote_0d
from .._tensor_base import TensorBase
from ._common import cast_operand, normalize_dim, type_name
from ._dtypes import FLOATING, REAL_NO_BOOL
from ._rows import row_extreme, row_sum

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = ["relu", "relu_", "softmax", "log_softmax"]


def _unary_samples(device: Any, d: dtype) -> list[Any]:
    from ..testing import SampleInput, make_tensor

    def make(*shape: int, noncontiguous: bool = False) -> Any:
        return make_tensor(*shape, dtype=d, device=device, noncontiguous=noncontiguous)

    return [
        SampleInput(make(3, 4), name="2d"),
        SampleInput(make(), name="0-dim"),
        SampleInput(make(0, 3), name="empty"),
        SampleInput(make(3, 4, noncontiguous=True), name="noncontiguous"),
    ]


def _dim_samples(device: Any, d: dtype) -> list[Any]:
    from ..testing import SampleInput, make_tensor

    def make(*shape: int, noncontiguous: bool = False) -> Any:
        return make_tensor(*shape, dtype=d, device=device, noncontiguous=noncontiguous)

    return [
        SampleInput(make(3, 4), args=(1,), name="2d"),
        SampleInput(make(3, 4), args=(0,), name="dim0"),
        SampleInput(make(2, 3, 4), args=(-2,), name="3d middle"),
        SampleInput(make(5), args=(-1,), name="1d"),
        SampleInput(make(), args=(0,), name="0-dim"),
        SampleInput(make(3, 4, noncontiguous=True), args=(-1,), name="noncontiguous"),
    ]


# ------------------------------------------------------------------ relu


def masked_gradient(xp: Any, grad: Any, masked: Any) -> Any:
    """``grad`` with 0 where ``masked``, also where ``grad`` is NaN (PyTorch's; not ``grad * 0``). On NumPy a
    multiply, the masked NaNs zeroed only when there are any: NumPy's ``where`` is ten times slower.

    Example:
        >>> import numpy as np
        >>> from tocha.library import masked_gradient
        >>> masked_gradient(np, np.array([np.nan, 2.0, 3.0]), np.array([True, True, False]))
        array([0., 0., 3.])
    """
    if xp is not np:
        return xp.where(masked, grad.dtype.type(0), grad)
    result = xp.multiply(grad, ~masked)
    if np.isnan(grad).any():
        result[masked] = 0
    return result


def _threshold_backward_forward(xp: Any, grad: Any, x: Any, threshold: float) -> Any:
    # NaN inputs pass the gradient, and masked entries are 0 even for a NaN gradient, as in PyTorch
    return masked_gradient(xp, grad, x <= threshold)


def _threshold_backward_vjp(ctx: Any, gg: Tensor) -> tuple[Tensor | None, None]:
    return (call(THRESHOLD_BACKWARD, gg.device, (gg, ctx.inputs[1]), ctx.params), None)


THRESHOLD_BACKWARD = register_op(
    OpRecord(
        name="threshold_backward",
        forward=_threshold_backward_forward,
        vjp=_threshold_backward_vjp,
        saves_inputs=(1,),
        differentiable_inputs=(0,),
        fp_errors=True,
    )
)


def _relu_forward(xp: Any, x: Any, out: Any = None) -> Any:
    return xp.maximum(x, cached_zeros_like(xp, x), out=out)


def _relu_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (call(THRESHOLD_BACKWARD, grad.device, (grad, ctx.result), (0,)),)


RELU = register_op(
    OpRecord(
        name="relu",
        forward=promote_0d(_relu_forward),
        vjp=_relu_vjp,
        saves_result=True,
        supports_out=True,
        fp_errors=False,  # maximum sets no floating-point flags (NaN propagates quietly): no errstate per call
        dtypes=REAL_NO_BOOL,
        test=OpTest(samples=_unary_samples, reference=lambda a: np.maximum(a, 0), torch_name="relu"),
    )
)


def _tensor_input(op: str, input: Any) -> Tensor:
    if not isinstance(input, TensorBase):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return input  # type: ignore[return-value]


def _relu_input(op: str, input: Any) -> Tensor:
    x = _tensor_input(op, input)
    if x._dtype.category == _BOOL:
        raise RuntimeError(f"{op}(): Boolean inputs not supported for relu (input of shape {list(x.shape)})")
    if x._dtype.category == _COMPLEX:
        raise NotImplementedError(f"{op}(): clamp is not supported for complex types (got {type_name(x._dtype)})")
    return x


def relu(input: Tensor) -> Tensor:
    r"""Rectified linear unit, :math:`\max(x, 0)`, elementwise.

    Raises:
        RuntimeError: a bool input.

    Example:
        >>> import tocha
        >>> tocha.relu(tocha.tensor([-1.0, 0.0, 2.0]))
        tensor([0., 0., 2.])
    """
    x = _relu_input("relu", input)
    return call(RELU, x._device, (x,), ())  # type: ignore[no-any-return]


def relu_(input: Tensor) -> Tensor:
    """In-place :func:`relu`; returns ``input``.

    Example:
        >>> import tocha
        >>> x = tocha.tensor([-1.0, 2.0])
        >>> _ = tocha.relu_(x); x
        tensor([0., 2.])
    """
    x = _relu_input("relu_", input)
    return call_inplace(RELU, x._device, x, (x,), ())


# ------------------------------------------------------------------ softmax, log_softmax


def _widened(a: Any) -> Any:
    """Half types accumulate in float32, as PyTorch."""
    return a if a.dtype.itemsize >= 4 else a.astype(np.float32)


def _max_along(xp: Any, x: Any, dim: int) -> Any:
    if xp is np and dim in (-1, x.ndim - 1):
        found = row_extreme(x, True, largest=True)  # NOTE [ Short rows on NumPy ]
        if found is not None:
            return found
    return x.max(axis=dim, keepdims=True)


def _sum_along(xp: Any, x: Any, dim: int) -> Any:
    if xp is np and dim in (-1, x.ndim - 1):
        found = row_sum(x, True)  # NOTE [ Short rows on NumPy ]
        if found is not None:
            return found
    return x.sum(axis=dim, keepdims=True)


def _softmax_forward(xp: Any, x: Any, dim: int) -> Any:
    if x.dtype.itemsize < 4:
        return _softmax_forward(xp, _widened(x), dim).astype(x.dtype)
    if x.ndim == 0:
        return xp.exp(x - x)
    if x.size == 0:
        return xp.empty_like(x)
    result = x - _max_along(xp, x, dim)
    xp.exp(result, out=result)
    result /= _sum_along(xp, result, dim)
    return result


def _log_softmax_forward(xp: Any, x: Any, dim: int) -> Any:
    if x.dtype.itemsize < 4:
        return _log_softmax_forward(xp, _widened(x), dim).astype(x.dtype)
    if x.ndim == 0:
        return x - x
    if x.size == 0:
        return xp.empty_like(x)
    shifted = x - _max_along(xp, x, dim)
    total = _sum_along(xp, xp.exp(shifted), dim)
    shifted -= xp.log(total, out=total)
    return shifted


def _softmax_backward_forward(xp: Any, grad: Any, y: Any, dim: int) -> Any:
    if y.ndim == 0:
        return grad - grad
    gy = grad * y
    gy -= y * _sum_along(xp, gy, dim)
    return gy


def _softmax_backward_vjp(ctx: Any, gg: Tensor) -> tuple[Tensor | None, Tensor | None]:
    grad, y = ctx.inputs
    (dim,) = ctx.params
    g_grad = call(SOFTMAX_BACKWARD, gg.device, (gg, y), ctx.params) if ctx.needs_input_grad[0] else None
    g_y = None
    if ctx.needs_input_grad[1]:
        s = (grad * y).sum(dim, keepdim=True)
        g_y = gg * (grad - s) - grad * (gg * y).sum(dim, keepdim=True)
    return (g_grad, g_y)


SOFTMAX_BACKWARD = register_op(
    OpRecord(
        name="softmax_backward",
        forward=promote_0d(_softmax_backward_forward),
        vjp=_softmax_backward_vjp,
        saves_inputs=(0, 1),
        fp_errors=True,
    )
)


def _log_softmax_backward_forward(xp: Any, grad: Any, y: Any, dim: int) -> Any:
    if y.ndim == 0:
        return grad - grad
    p = xp.exp(y)
    p *= _sum_along(xp, grad, dim)
    return xp.subtract(grad, p, out=p)


def _log_softmax_backward_vjp(ctx: Any, gg: Tensor) -> tuple[Tensor | None, Tensor | None]:
    grad, y = ctx.inputs
    (dim,) = ctx.params
    p = y.exp()
    g_grad = gg - (gg * p).sum(dim, keepdim=True) if ctx.needs_input_grad[0] else None
    g_y = -(gg * p) * grad.sum(dim, keepdim=True) if ctx.needs_input_grad[1] else None
    return (g_grad, g_y)


LOG_SOFTMAX_BACKWARD = register_op(
    OpRecord(
        name="log_softmax_backward",
        forward=promote_0d(_log_softmax_backward_forward),
        vjp=_log_softmax_backward_vjp,
        saves_inputs=(0, 1),
        fp_errors=True,
    )
)


def _softmax_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (call(SOFTMAX_BACKWARD, grad.device, (grad, ctx.result), ctx.params),)


def _log_softmax_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    return (call(LOG_SOFTMAX_BACKWARD, grad.device, (grad, ctx.result), ctx.params),)


def _softmax_reference(a: Any, dim: int) -> Any:
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        return np.exp(a - a)
    e = np.exp(a - a.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


def _log_softmax_reference(a: Any, dim: int) -> Any:
    return np.log(_softmax_reference(a, dim))


_HALF_ROUNDING = {
    "torch:float16": "PyTorch rounds differently near 0 in half precision; the float64 reference passes",
    "torch:bfloat16": "PyTorch rounds differently near 0 in bfloat16; the float64 reference passes",
}

SOFTMAX = register_op(
    OpRecord(
        name="softmax",
        forward=_softmax_forward,
        vjp=_softmax_vjp,
        saves_result=True,
        fp_errors=True,
        dtypes=FLOATING,
        test=OpTest(samples=_dim_samples, reference=_softmax_reference, torch_name="softmax"),
    )
)
LOG_SOFTMAX = register_op(
    OpRecord(
        name="log_softmax",
        forward=_log_softmax_forward,
        vjp=_log_softmax_vjp,
        saves_result=True,
        fp_errors=True,
        dtypes=FLOATING,
        test=OpTest(
            samples=_dim_samples, reference=_log_softmax_reference, torch_name="log_softmax", skips=_HALF_ROUNDING
        ),
    )
)


def softmax_call(op: OpRecord, name: str, input: Any, dim: Any, dtype: dtype | None) -> Tensor:
    """Check and run ``softmax``/``log_softmax`` (``op``) along ``dim``, casting to ``dtype`` first."""
    x = _tensor_input(name, input)
    if dim is None or isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{name}(): argument 'dim' must be int, not {type(dim).__name__}")
    if dtype is not None:
        x = cast_operand(x, dtype, x._device)
    if x._dtype.category != _FLOAT:
        raise NotImplementedError(f"\"{name}_lastdim_kernel_impl\" not implemented for '{type_name(x._dtype)}'")
    d = normalize_dim(name, int(dim), x._data.ndim)
    return call(op, x._device, (x,), (d,))  # type: ignore[no-any-return]


def softmax(input: Tensor, dim: int, dtype: dtype | None = None) -> Tensor:
    r""":math:`e^{x_i} / \sum_j e^{x_j}` along ``dim``, computed stably; ``dtype`` casts the input first.

    Raises:
        NotImplementedError: a non-floating input (without a floating ``dtype``).
        IndexError: ``dim`` out of range.

    Example:
        >>> import tocha
        >>> tocha.softmax(tocha.tensor([[1.0, 1.0], [0.0, 2.0]]), 1)
        tensor([[0.5000, 0.5000],
                [0.1192, 0.8808]])
    """
    return softmax_call(SOFTMAX, "softmax", input, dim, dtype)


def log_softmax(input: Tensor, dim: int, dtype: dtype | None = None) -> Tensor:
    r""":math:`x_i - \log \sum_j e^{x_j}` along ``dim``, computed without forming the softmax.

    Example:
        >>> import tocha
        >>> tocha.log_softmax(tocha.tensor([0.0, 0.0]), 0)
        tensor([-0.6931, -0.6931])
    """
    return softmax_call(LOG_SOFTMAX, "log_softmax", input, dim, dtype)


class ActivationMethods:
    """Tensor methods ``relu``, ``relu_``, ``softmax`` and ``log_softmax``."""

    __slots__ = ()

    def relu(self: Any) -> Tensor:
        """See :func:`tocha.relu`.

        Example:
            >>> import tocha
            >>> tocha.tensor([-2.0, 3.0]).relu()
            tensor([0., 3.])
        """
        return relu(self)

    def relu_(self: Any) -> Tensor:
        """See :func:`tocha.relu_`.

        Example:
            >>> import tocha
            >>> tocha.tensor([-2.0, 3.0]).relu_()
            tensor([0., 3.])
        """
        return relu_(self)

    def softmax(self: Any, dim: int, dtype: dtype | None = None) -> Tensor:
        """See :func:`tocha.softmax`.

        Example:
            >>> import tocha
            >>> tocha.tensor([0.0, 0.0]).softmax(-1)
            tensor([0.5000, 0.5000])
        """
        return softmax_call(SOFTMAX, "softmax", self, dim, dtype)

    def log_softmax(self: Any, dim: int, dtype: dtype | None = None) -> Tensor:
        """See :func:`tocha.log_softmax`.

        Example:
            >>> import tocha
            >>> tocha.tensor([0.0, 0.0]).log_softmax(0)
            tensor([-0.6931, -0.6931])
        """
        return softmax_call(LOG_SOFTMAX, "log_softmax", self, dim, dtype)
