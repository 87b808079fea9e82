"""Linear maps: ``linear`` (one op record, ``"linear"``) and ``bilinear`` (a composite).

NOTE [ Linear kernel ]
``linear(x, W, b)`` is :math:`x W^T + b` over any leading dims of ``x``. The forward flattens the leading
dims into one (a view for contiguous ``x``) so BLAS sees one GEMM; ``W.T`` is a transposed view, which
BLAS reads with its transpose flag (no copy). The bias is added in place into the fresh product (on CUDA, for
large products, by one kernel launch, ``add_to_rows``, which takes less GPU time than CuPy's broadcasting add).
The vjp, with tocha ops so double backward works, is :math:`\\bar{x} = \\bar{y} W`,
:math:`\\bar{W} = \\bar{y}_{2d}^T x_{2d}` (the leading dims summed by the GEMM itself) and
:math:`\\bar{b} = \\sum \\bar{y}` over the leading dims.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import tocha
from tocha import Tensor
from tocha.library import OpRecord, call, gemm, register_op, sum_rows
from tocha.library import autocast_allows_mixed as allows_mixed

from . import _cuda_kernels, _one_op

__all__ = ["linear", "bilinear"]


def _linear_forward(xp: Any, x: Any, w: Any, b: Any = None) -> Any:
    if w.ndim == 2:
        if x.ndim == 1:
            out = xp.matmul(x, w.T)
        else:
            lead = x.shape[:-1]
            out = gemm(xp, x.reshape(-1, x.shape[-1]), w.T).reshape(*lead, w.shape[0])
    else:
        out = xp.matmul(x, w)
    if b is not None:
        if b.ndim <= out.ndim and b.shape == out.shape[out.ndim - b.ndim :]:
            if xp is np or not _cuda_kernels.add_to_rows(xp, out, b):
                out += b  # the fresh product takes the bias in place
        else:
            out = out + b
    if out.dtype != x.dtype:  # NumPy's matmul returns float32 for ml_dtypes' bfloat16
        out = out.astype(x.dtype)
    return out


def _linear_backward_forward(xp: Any, grad: Any, x: Any, w: Any, need_x: bool, need_w: bool,
                             need_b: bool) -> tuple[Any, Any, Any]:  # fmt: skip
    g2 = grad.reshape(-1, w.shape[0])
    gx = gemm(xp, g2, w).reshape(x.shape) if need_x else None
    gw = gemm(xp, g2.T, x.reshape(-1, w.shape[1])) if need_w else None
    gb = None
    if need_b:  # an array of its own: a leaf's .grad, no copy
        if xp is np:
            gb = xp.add.reduce(grad, axis=tuple(range(grad.ndim - 1)))
        else:
            gb = _cuda_kernels.column_sums(xp, g2)
            if gb is None:
                gb = sum_rows(xp, g2)
    return _one_op.with_placeholders(xp, grad.dtype, (gx, gw, gb))


def _linear_backward_vjp(ctx: Any, grads: tuple[Any, ...]) -> tuple[Tensor | None, ...]:
    raise RuntimeError("linear_backward is not differentiable: a double backward takes linear's composite vjp")


# All of linear's gradients in one op (three products, or two and a row sum): see _one_op.
LINEAR_BACKWARD = register_op(
    OpRecord(name="linear_backward", forward=_linear_backward_forward, vjp=_linear_backward_vjp, num_outputs=3)
)


def _one_op_backward(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...] | None:
    x, w = ctx.inputs[0], ctx.inputs[1]
    need = ctx.needs_input_grad
    need_b = len(need) > 2 and bool(need[2])
    if w.dim() != 2 or (need_b and tuple(ctx.input_shapes[2]) != (w.shape[0],)) or not _one_op.applies(grad, x, w):
        return None
    gx, gw, gb = call(LINEAR_BACKWARD, grad.device, (grad, x, w), (bool(need[0]), bool(need[1]), need_b))
    return (gx if need[0] else None, gw if need[1] else None, gb if need_b else None)


def _linear_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
    fused = _one_op_backward(ctx, grad)
    if fused is not None:
        return fused
    x, w = ctx.inputs[0], ctx.inputs[1]
    need = ctx.needs_input_grad
    gx = gw = gb = None
    if w.dim() == 2:
        flat = grad.dim() == 2
        g2 = grad if flat else grad.reshape(-1, w.shape[0])
        if need[0]:
            gx = grad.matmul(w) if grad.dim() <= 2 else g2.matmul(w).reshape(x.shape)
        if need[1]:
            gw = g2.t().matmul(x if flat else x.reshape(-1, w.shape[1]))
    else:
        if need[0]:
            gx = grad.unsqueeze(-1) * w
        if need[1]:
            gw = (grad.unsqueeze(-1) * x).reshape(-1, w.shape[0]).sum(0)
    if len(need) > 2 and need[2]:
        bias_shape = ctx.input_shapes[2]
        if len(bias_shape) == 1 and grad.dim() >= 2 and bias_shape[0] == grad.shape[-1]:
            gb = grad.sum(tuple(range(grad.dim() - 1)))  # an array of its own: a leaf's .grad, no copy
        else:
            gb = grad.sum_to_size(bias_shape) if grad.shape != bias_shape else grad
    return (gx, gw, gb)


LINEAR = register_op(
    OpRecord(
        name="linear",
        forward=_linear_forward,
        vjp=_linear_vjp,
        saves_inputs=(0, 1),
    )
)


_C_NAMES = {
    "float32": "float",
    "float64": "double",
    "float16": "c10::Half",
    "bfloat16": "c10::BFloat16",
    "int64": "long",
}


def _type_name(t: Tensor) -> str:
    name = str(t.dtype).rsplit(".", 1)[-1]
    return _C_NAMES.get(name, name)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    r"""Apply the affine map :math:`y = x W^T + b`, as ``torch.nn.functional.linear``.

    Args:
        input: ``(*, in_features)``.
        weight: ``(out_features, in_features)`` (or ``(in_features,)``: then the output drops the last dim).
        bias: ``(out_features,)`` or anything that broadcasts to the output; optional.

    Returns:
        ``(*, out_features)``.

    Raises:
        RuntimeError: the shapes cannot be multiplied, or the dtypes differ.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.linear(tocha.ones(2, 3), tocha.ones(4, 3), tocha.tensor([0.0, 1.0, 2.0, 3.0]))
        tensor([[3., 4., 5., 6.],
                [3., 4., 5., 6.]])
    """
    xd = input.dim()
    wd = weight.dim()
    if xd == 0 or wd == 0:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are {xd}D and {wd}D")
    if wd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {wd}D")
    if input.shape[-1] != weight.shape[-1]:
        rows = 1
        for s in input.shape[:-1]:
            rows *= s
        left = f"{rows}x{input.shape[-1]}"
        right = f"{weight.shape[-1]}x{weight.shape[0]}" if wd == 2 else f"{weight.shape[0]}x1"
        raise RuntimeError(f"linear(): mat1 and mat2 shapes cannot be multiplied ({left} and {right})")
    if input.dtype != weight.dtype and not allows_mixed("linear", input.device.type, input.dtype, weight.dtype):
        raise RuntimeError(
            f"linear(): expected m1 and m2 to have the same dtype, but got: {_type_name(input)} != {_type_name(weight)}"
        )
    if bias is None:
        return call(LINEAR, input.device, (input, weight), ())  # type: ignore[no-any-return]
    if bias.dtype != input.dtype and not allows_mixed("linear", input.device.type, input.dtype, bias.dtype):
        raise RuntimeError(
            f"linear(): self and mat2 must have the same dtype, but got {_type_name(bias)} and {_type_name(input)}"
        )
    if bias.dim() == 1 and wd == 2 and bias.shape[0] == weight.shape[0]:
        return call(LINEAR, input.device, (input, weight, bias), ())  # type: ignore[no-any-return]
    out_shape = (*input.shape[:-1], weight.shape[0]) if wd == 2 else tuple(input.shape[:-1])
    try:
        tocha.broadcast_shapes(tuple(bias.shape), out_shape)
    except RuntimeError:
        raise RuntimeError(
            f"linear(): the bias of shape {list(bias.shape)} does not broadcast to the output shape {list(out_shape)}"
        ) from None
    return call(LINEAR, input.device, (input, weight, bias), ())  # type: ignore[no-any-return]


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    r"""Apply :math:`y_k = x_1^T A_k x_2 + b_k`, as ``torch.nn.functional.bilinear``.

    Args:
        input1: ``(*, in1_features)``.
        input2: ``(*, in2_features)``, the same leading dims.
        weight: ``(out_features, in1_features, in2_features)``.
        bias: ``(out_features,)``; optional.

    Returns:
        ``(*, out_features)``.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.bilinear(tocha.ones(2, 3), tocha.ones(2, 4), tocha.ones(5, 3, 4)).shape
        tocha.Size([2, 5])
    """
    if input1.dim() == 0 or input2.dim() == 0:
        raise RuntimeError("bilinear(): input1 and input2 must have at least one dimension")
    if weight.dim() != 3:
        raise RuntimeError(f"bilinear(): weight must be three-dimensional, got {weight.dim()}D")
    if tuple(input1.shape[:-1]) != tuple(input2.shape[:-1]):
        raise RuntimeError(
            f"bilinear(): input batch dimensions do not match: got {list(input1.shape[:-1])} "
            f"and {list(input2.shape[:-1])}"
        )
    out_features, in1, in2 = weight.shape
    if input1.shape[-1] != in1:
        raise RuntimeError(
            f"bilinear(): input1 size does not match weight size: got {input1.shape[-1]} but expected {in1}"
        )
    if input2.shape[-1] != in2:
        raise RuntimeError(
            f"bilinear(): input2 size does not match weight size: got {input2.shape[-1]} but expected {in2}"
        )
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != out_features):
        raise RuntimeError(
            f"bilinear(): bias size does not match weight size: got {bias.shape[-1] if bias.dim() else 1} "
            f"but expected {out_features}"
        )
    lead = tuple(input1.shape[:-1])
    x1 = input1.reshape(-1, in1)
    x2 = input2.reshape(-1, in2)
    # (N, in1) @ (in1, out*in2) -> (N, out, in2); then contract in2 with x2.
    t = x1.matmul(weight.permute(1, 0, 2).reshape(in1, out_features * in2)).reshape(-1, out_features, in2)
    out = t.matmul(x2.unsqueeze(-1)).squeeze(-1)
    if bias is not None:
        out = out + bias
    return out.reshape(*lead, out_features)
