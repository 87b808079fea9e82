"""tocha.nn.functional: batch_norm, layer_norm, group_norm, instance_norm, local_response_norm, rms_norm.

NOTE [ Normalisation ops ]
``batch_norm``, ``layer_norm``, ``group_norm`` and ``rms_norm`` are op records. Each forward is one kernel
against ``xp`` that returns the output and the statistics the backward needs (mean and variance for batch
norm, mean and reciprocal standard deviation for layer/group norm, the reciprocal root mean square for RMS
norm) as extra, non-differentiable outputs; the node keeps the input, the weight and those statistics.

Each vjp has two paths:

- grad mode off (a plain ``backward()``, by far the common case): it calls the op's backward op
  (``batch_norm_backward``, ``layer_norm_backward``...), one fused kernel that reuses the saved statistics;
- grad mode on (``create_graph=True``, double backward, forward AD through the vjp): it writes the closed-form
  gradient with differentiable tocha ops, recomputing the statistics from the saved input so that the second
  derivative sees their dependence on the input. The tests check that both paths agree.

Batch norm's running statistics are updated by :func:`batch_norm` itself, under ``no_grad`` with in-place
ops, from the batch statistics the op returns (unbiased variance for ``running_var``, biased for the
normalisation, as PyTorch does). ``instance_norm`` is ``batch_norm`` on the input viewed as
``(1, N * C, *)``, as in PyTorch; ``local_response_norm`` is a composite of tocha ops.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

import tocha
from tocha import Tensor
from tocha.library import OpRecord, call, gemm, register_op, sum_rows

from . import _cuda_kernels

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm", "local_response_norm", "rms_norm"]


# ------------------------------------------------------------------ shared kernel pieces


def _rows_normalize(xp: Any, x2: Any, eps: float) -> tuple[Any, Any, Any]:
    """``(xhat, mean, rstd)`` of a 2-D array normalised along its rows; ``mean``/``rstd`` are ``(rows, 1)``.

    The row means are a matrix-vector product (BLAS; NumPy's ``mean(axis=1)`` is several times slower on
    short rows), the variance is taken of the centred rows (two passes, as accurate as PyTorch's Welford).
    """
    d = x2.shape[1]
    mean = x2 @ xp.full(d, 1.0 / d, dtype=x2.dtype)
    xhat = x2 - mean[:, None]
    var = xp.einsum("ij,ij->i", xhat, xhat)
    var /= d
    var += eps
    rstd = xp.sqrt(var)
    xp.reciprocal(rstd, out=rstd)
    xhat *= rstd[:, None]
    return xhat, mean[:, None], rstd[:, None]


def _rows_input_grad(xp: Any, gw2: Any, x2: Any, mean: Any, rstd: Any, owned: bool, scratch: Any = None) -> Any:
    """The input gradient of a row normalisation, ``rstd * (gw - mean(gw) - xhat * mean(gw * xhat))``.

    Written as ``dx = a * gw + b * x + c`` with per-row ``a, b, c`` so that ``xhat`` is never formed:
    ``a = rstd``, ``b = rstd**3 * (mean * mean(gw) - mean(gw * x))``, ``c = -rstd * mean(gw) - b * mean``.
    ``owned``: ``gw2`` is a temporary the result may overwrite; ``scratch``: a free array of ``x2``'s
    shape and dtype, or None (fewer fresh full-size arrays: each one costs page faults when the allocator
    has given the memory back to the OS).
    """
    d = gw2.shape[1]
    m = mean[:, 0]
    r = rstd[:, 0]
    mean_gw = gw2 @ xp.full(d, 1.0 / d, dtype=gw2.dtype)
    mean_gwx = xp.einsum("ij,ij->i", gw2, x2)
    mean_gwx /= d
    b = (m * mean_gw - mean_gwx) * (r * r * r)
    c = -r * mean_gw - b * m
    dx = xp.multiply(gw2, r[:, None], out=gw2 if owned else None)
    dx += xp.multiply(x2, b[:, None], out=scratch)
    dx += c[:, None]
    return dx


def _composite_input_grad(gw: Tensor, xhat: Tensor, rstd: Tensor, dims: tuple[int, ...]) -> Tensor:
    """The closed-form input gradient of a normalisation over ``dims``, in differentiable tocha ops."""
    centred = gw - gw.mean(dim=dims, keepdim=True)
    return (centred - xhat * (gw * xhat).mean(dim=dims, keepdim=True)) * rstd


def _composite_stats(x: Tensor, dims: tuple[int, ...], eps: float) -> tuple[Tensor, Tensor]:
    """``(xhat, rstd)`` of ``x`` normalised over ``dims``, in differentiable tocha ops."""
    xc = x - x.mean(dim=dims, keepdim=True)
    rstd = ((xc * xc).mean(dim=dims, keepdim=True) + eps).rsqrt()
    return xc * rstd, rstd


def _wants_graph(*tensors: Tensor | None) -> bool:
    """Whether a vjp must build a differentiable graph (grad mode on and some operand requires grad)."""
    return tocha.is_grad_enabled() and any(t is not None and t.requires_grad for t in tensors)


def _shape_str(shape: Sequence[int]) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


# ------------------------------------------------------------------ batch_norm


def _bn_view(x: Any) -> Any:
    n, c = x.shape[0], x.shape[1]
    return x.reshape(n, c, math.prod(x.shape[2:]))


def _channel_sum(a3: Any) -> Any:
    """Sum of an ``(N, C, L)`` array over N and L (pairwise along the contiguous L first)."""
    return a3.sum(axis=2).sum(axis=0)


def _batch_norm_forward(
    xp: Any, x: Any, weight: Any, bias: Any, running_mean: Any, running_var: Any, training: bool, eps: float
) -> tuple[Any, Any, Any]:
    x3 = _bn_view(x)
    if training:
        count = x3.shape[0] * x3.shape[2]
        mean = _channel_sum(x3) / count
        out = x3 - mean[:, None]
        var = xp.einsum("ncl,ncl->c", out, out) / count
    else:
        mean = running_mean.astype(x.dtype, copy=True)
        var = running_var.astype(x.dtype, copy=True)
        out = None
    scale = 1.0 / xp.sqrt(var + eps)
    if weight is not None:
        scale = scale * weight
    if out is None:
        shift = -mean * scale
        if bias is not None:
            shift += bias
        out = x3 * scale[:, None]
        out += shift[:, None]
    else:
        out *= scale[:, None]
        if bias is not None:
            out += bias[:, None]
    return out.reshape(x.shape), mean, var


def _batch_norm_backward_forward(
    xp: Any, grad: Any, x: Any, weight: Any, mean: Any, var: Any, training: bool, eps: float
) -> tuple[Any, Any, Any]:
    g3 = _bn_view(grad)
    xc = _bn_view(x) - mean[:, None]
    rstd = 1.0 / xp.sqrt(var + eps)
    sum_g = _channel_sum(g3)
    sum_gxc = xp.einsum("ncl,ncl->c", g3, xc)
    a = rstd if weight is None else rstd * weight
    if training:
        count = g3.shape[0] * g3.shape[2]
        b = -a * rstd * rstd * sum_gxc / count
        xc *= b[:, None]
        xc += (-a * sum_g / count)[:, None]
        dx = g3 * a[:, None]
        dx += xc
    else:
        dx = g3 * a[:, None]
    return dx.reshape(x.shape), sum_gxc * rstd, sum_g


def _batch_norm_vjp(ctx: Any, grads: tuple[Any, ...]) -> tuple[Tensor | None, ...]:
    grad = grads[0]
    x, weight = ctx.inputs[0], ctx.inputs[1]
    training, eps = ctx.params
    need_x, need_w, need_b = ctx.needs_input_grad[:3]
    stats: tuple[None, None] = (None, None)  # running_mean, running_var
    if grad is None:
        return (None, None, None, *stats)
    if not _wants_graph(grad, x, weight):
        _, mean, var = ctx.result
        dx, dw, db = call(BATCH_NORM_BACKWARD, grad.device, (grad, x, weight, mean, var), (training, eps))
        return (dx if need_x else None, dw if need_w else None, db if need_b else None, *stats)
    c = x.shape[1]
    bshape = (1, c) + (1,) * (x.dim() - 2)
    dims = (0, *range(2, x.dim()))
    if training:
        xhat, rstd = _composite_stats(x, dims, eps)
    else:
        _, mean, var = ctx.result
        rstd = (var + eps).rsqrt().reshape(bshape)
        xhat = (x - mean.reshape(bshape)) * rstd
    gw = grad if weight is None else grad * weight.reshape(bshape)
    dx = None
    if need_x:
        dx = _composite_input_grad(gw, xhat, rstd, dims) if training else gw * rstd
    dw = (grad * xhat).sum(dim=dims) if need_w else None
    db = grad.sum(dim=dims) if need_b else None
    return (dx, dw, db, *stats)


BATCH_NORM = register_op(
    OpRecord(
        name="batch_norm",
        forward=_batch_norm_forward,
        vjp=_batch_norm_vjp,
        saves_inputs=(0, 1),
        saves_result=True,
        num_outputs=3,
        differentiable_inputs=(0, 1, 2),
        differentiable_outputs=(0,),
        fp_errors=True,
    )
)
BATCH_NORM_BACKWARD = register_op(
    OpRecord(name="batch_norm_backward", forward=_batch_norm_backward_forward, num_outputs=3, fp_errors=True)
)


def _check_channels(name: str, t: Tensor | None, c: int) -> None:
    if t is not None and t.numel() != c:
        raise RuntimeError(f"{name} should contain {c} elements not {t.numel()}")


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Batch normalisation over the channel dimension (dim 1) of ``input``.

    In training mode each channel is normalised with its batch mean and (biased) variance over the batch
    and spatial dimensions, and the running statistics, when given, are updated in place:
    ``running = (1 - momentum) * running + momentum * batch_stat`` (``running_var`` takes the unbiased
    variance; the modules turn ``momentum=None`` into the cumulative average's factor, see
    :class:`~tocha.nn.BatchNorm1d`).
    Otherwise the running statistics are used. Then
    ``y = (x - mean) / sqrt(var + eps) * weight + bias``.

    Args:
        input: ``(N, C, *)`` tensor.
        running_mean: ``(C,)`` running mean, or None.
        running_var: ``(C,)`` running variance, or None.
        weight: ``(C,)`` scale, or None.
        bias: ``(C,)`` shift, or None.
        training: use batch statistics (and update the running ones).
        momentum: the running-average factor.
        eps: added to the variance.

    Returns:
        The normalised tensor, shaped like ``input``.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.batch_norm(tocha.tensor([[1.0], [3.0]]), None, None, training=True)
        tensor([[-1.0000],
                [ 1.0000]])
    """
    if not isinstance(momentum, (int, float)):
        raise TypeError(f"batch_norm(): argument 'momentum' must be float, not {type(momentum).__name__}")
    if input.dim() < 2:
        raise ValueError(f"batch_norm(): expected input with at least 2 dimensions, got {input.dim()}D input")
    c = input.shape[1]
    if not training and (running_mean is None or running_var is None):
        which = "running_mean" if running_mean is None else "running_var"
        raise RuntimeError(f"{which} must be defined in evaluation mode")
    _check_channels("running_mean", running_mean, c)
    _check_channels("running_var", running_var, c)
    _check_channels("weight", weight, c)
    _check_channels("bias", bias, c)
    if training:
        size = tuple(input.shape)
        count = math.prod(size) // c
        if count <= 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size {_torch_size(size)}"
            )
    result, mean, var = call(
        BATCH_NORM, input.device, (input, weight, bias, running_mean, running_var), (bool(training), float(eps))
    )
    if training and running_mean is not None and running_var is not None:
        count = input.numel() // c
        _update_running(running_mean, running_var, mean, var, count, momentum)
    return result  # type: ignore[no-any-return]


def _update_running(
    running_mean: Tensor, running_var: Tensor, mean: Tensor, var: Tensor, count: int, momentum: float
) -> None:
    """The running-statistics update of batch norm, in place under no_grad."""
    factor = float(momentum)
    with tocha.no_grad():
        unbiased = var * (count / (count - 1)) if count > 1 else var
        running_mean.mul_(1.0 - factor).add_(mean.to(running_mean.dtype), alpha=factor)
        running_var.mul_(1.0 - factor).add_(unbiased.to(running_var.dtype), alpha=factor)


def _torch_size(shape: Sequence[int]) -> str:
    return "tocha.Size([" + ", ".join(str(s) for s in shape) + "])"


# ------------------------------------------------------------------ instance_norm


def instance_norm(
    input: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Instance normalisation: each channel of each sample normalised over its spatial dimensions.

    It is :func:`batch_norm` on ``input`` viewed as ``(1, N * C, *)``; with ``use_input_stats=False`` the
    running statistics are used instead, and when they are given in training mode they are updated with
    the batch average of the per-instance statistics.

    Args:
        input: ``(N, C, *)`` tensor with at least one spatial dimension.
        running_mean: ``(C,)`` running mean, or None.
        running_var: ``(C,)`` running variance, or None.
        weight: ``(C,)`` scale, or None.
        bias: ``(C,)`` shift, or None.
        use_input_stats: normalise with each instance's statistics.
        momentum: the running-average factor.
        eps: added to the variance.

    Returns:
        The normalised tensor, shaped like ``input``.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.instance_norm(tocha.tensor([[[1.0, 3.0]]]))
        tensor([[[-1.0000,  1.0000]]])
    """
    if input.dim() < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.dim()} dimensions)")
    if use_input_stats:
        size = tuple(input.shape)
        if math.prod(size[2:]) <= 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input size {_torch_size(size)}")
    n, c = input.shape[0], input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)):
        _check_channels(name, t, c)
    x = input.reshape((1, n * c, *input.shape[2:]))
    w = weight.repeat(n) if weight is not None else None
    b = bias.repeat(n) if bias is not None else None
    if use_input_stats:
        result, mean, var = call(BATCH_NORM, input.device, (x, w, b, None, None), (True, float(eps)))
        if running_mean is not None and running_var is not None:
            count = math.prod(input.shape[2:])
            with tocha.no_grad():
                _update_running(
                    running_mean, running_var, mean.reshape(n, c).mean(0), var.reshape(n, c).mean(0), count, momentum
                )
    else:
        if running_mean is None or running_var is None:
            which = "running_mean" if running_mean is None else "running_var"
            raise RuntimeError(f"Expected {which} to be defined when use_input_stats is false")
        rm = running_mean.repeat(n)
        rv = running_var.repeat(n)
        result, _, _ = call(BATCH_NORM, input.device, (x, w, b, rm, rv), (False, float(eps)))
    return result.reshape(input.shape)  # type: ignore[no-any-return]


# ------------------------------------------------------------------ layer_norm


def _layer_norm_forward(xp: Any, x: Any, weight: Any, bias: Any, k: int, eps: float) -> tuple[Any, Any, Any]:
    d = math.prod(x.shape[x.ndim - k :])
    if xp is not np and (fused := _cuda_kernels.layer_norm(xp, x, weight, bias, d, eps)) is not None:
        return fused
    x2 = x.reshape(-1, d)
    xhat, mean, rstd = _rows_normalize(xp, x2, eps)
    if weight is not None:
        xhat *= weight.reshape(1, d)
    if bias is not None:
        xhat += bias.reshape(1, d)
    return xhat.reshape(x.shape), mean, rstd


def _vector_matrix(xp: Any, column: Any, m: Any) -> Any:
    """``column[:, 0] @ m`` for a ``(rows, 1)`` column: on CuPy a direct cuBLAS product (``cupy.matmul`` costs
    20-70 us of host time)."""
    if xp is np:
        return column[:, 0] @ m
    return gemm(xp, column.reshape(1, -1), m).reshape(m.shape[1])


def _layer_norm_backward_forward(
    xp: Any, grad: Any, x: Any, weight: Any, mean: Any, rstd: Any, k: int, need_w: bool, need_b: bool
) -> tuple[Any, Any, Any]:
    d = math.prod(x.shape[x.ndim - k :])
    g2 = grad.reshape(-1, d)
    x2 = x.reshape(-1, d)
    empty = xp.empty(0, dtype=x.dtype)
    dw = db = empty
    # column sums as vector-matrix products (BLAS): dw = sum_i g * (x - mean) * rstd, db = sum_i g
    scratch = None
    if need_w:
        scratch = g2 * x2
        dw = _vector_matrix(xp, rstd, scratch) - _vector_matrix(xp, mean * rstd, g2)
    if need_b:
        db = xp.ones(g2.shape[0], dtype=g2.dtype) @ g2 if xp is np else sum_rows(xp, g2)
    fused = _cuda_kernels.layer_norm_backward(xp, grad, x, weight, mean, rstd, d) if xp is not np else None
    if fused is not None:
        dx = fused
    else:
        gw = g2 if weight is None else g2 * weight.reshape(1, d)
        dx = _rows_input_grad(xp, gw, x2, mean, rstd, weight is not None, scratch)
    shape = x.shape[x.ndim - k :]
    if need_w and dw.shape != shape:  # reshaped only where needed: a view would cost the leaf's .grad a copy
        dw = dw.reshape(shape)
    if need_b and db.shape != shape:
        db = db.reshape(shape)
    return dx.reshape(x.shape), dw, db


def _layer_norm_vjp(ctx: Any, grads: tuple[Any, ...]) -> tuple[Tensor | None, ...]:
    grad = grads[0]
    x, weight = ctx.inputs[0], ctx.inputs[1]
    k, eps = ctx.params
    need_x, need_w, need_b = ctx.needs_input_grad
    if grad is None:
        return (None, None, None)
    if not _wants_graph(grad, x, weight):
        _, mean, rstd = ctx.result
        dx, dw, db = call(
            LAYER_NORM_BACKWARD, grad.device, (grad, x, weight, mean, rstd), (k, bool(need_w), bool(need_b))
        )
        return (dx if need_x else None, dw if need_w else None, db if need_b else None)
    ndim = x.dim()
    dims = tuple(range(ndim - k, ndim))
    lead = tuple(range(ndim - k))
    xhat, rstd = _composite_stats(x, dims, eps)
    gw = grad if weight is None else grad * weight
    dx = _composite_input_grad(gw, xhat, rstd, dims) if need_x else None
    dw = (grad * xhat).sum(dim=lead) if need_w and lead else (grad * xhat if need_w else None)
    db = (grad.sum(dim=lead) if lead else grad) if need_b else None
    return (dx, dw, db)


LAYER_NORM = register_op(
    OpRecord(
        name="layer_norm",
        forward=_layer_norm_forward,
        vjp=_layer_norm_vjp,
        saves_inputs=(0, 1),
        saves_result=True,
        num_outputs=3,
        differentiable_outputs=(0,),
        fp_errors=True,
    )
)
LAYER_NORM_BACKWARD = register_op(
    OpRecord(name="layer_norm_backward", forward=_layer_norm_backward_forward, num_outputs=3, fp_errors=True)
)


def _normalized_shape(normalized_shape: int | Sequence[int]) -> tuple[int, ...]:
    if isinstance(normalized_shape, int):
        return (normalized_shape,)
    return tuple(int(s) for s in normalized_shape)


def _check_normalized(
    name: str, input: Tensor, shape: tuple[int, ...], weight: Tensor | None, bias: Tensor | None, star: str
) -> None:
    k = len(shape)
    if k == 0:
        raise RuntimeError(f"{name}(): Expected normalized_shape to be at least 1-dimensional, i.e., containing at "
                           "least one element, but got normalized_shape = []")  # fmt: skip
    for what, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(
                f"Expected {what} to be of same shape as normalized_shape, but got {what} of shape "
                f"{_shape_str(t.shape)} and normalized_shape = {_shape_str(shape)}"
            )
    if input.dim() < k or tuple(input.shape[input.dim() - k :]) != shape:
        raise RuntimeError(
            f"Given normalized_shape={_shape_str(shape)}, expected input with shape [*{star}"
            f"{', '.join(str(s) for s in shape)}], but got input of size{_shape_str(input.shape)}"
        )


def layer_norm(
    input: Tensor,
    normalized_shape: int | Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Layer normalisation over the last ``len(normalized_shape)`` dimensions.

    ``y = (x - mean) / sqrt(var + eps) * weight + bias`` with the mean and (biased) variance taken over
    the normalised dimensions.

    Args:
        input: tensor whose trailing dimensions equal ``normalized_shape``.
        normalized_shape: the trailing shape to normalise over.
        weight: scale of shape ``normalized_shape``, or None.
        bias: shift of shape ``normalized_shape``, or None.
        eps: added to the variance.

    Returns:
        The normalised tensor, shaped like ``input``.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.layer_norm(tocha.tensor([[1.0, 3.0]]), (2,))
        tensor([[-1.0000,  1.0000]])
    """
    shape = _normalized_shape(normalized_shape)
    _check_normalized("layer_norm", input, shape, weight, bias, ", ")
    result, _, _ = call(LAYER_NORM, input.device, (input, weight, bias), (len(shape), float(eps)))
    return result  # type: ignore[no-any-return]


# ------------------------------------------------------------------ group_norm


def _group_norm_forward(xp: Any, x: Any, weight: Any, bias: Any, groups: int, eps: float) -> tuple[Any, Any, Any]:
    n, c = x.shape[0], x.shape[1]
    d = c // groups * math.prod(x.shape[2:])
    xhat, mean, rstd = _rows_normalize(xp, x.reshape(n * groups, d), eps)
    if weight is not None or bias is not None:
        out = xhat.reshape(n, c, math.prod(x.shape[2:]))
        if weight is not None:
            out *= weight[:, None]
        if bias is not None:
            out += bias[:, None]
    return xhat.reshape(x.shape), mean, rstd


def _group_norm_backward_forward(
    xp: Any, grad: Any, x: Any, weight: Any, mean: Any, rstd: Any, groups: int
) -> tuple[Any, Any, Any]:
    n, c = x.shape[0], x.shape[1]
    d = c // groups * math.prod(x.shape[2:])
    g3 = _bn_view(grad)
    x3 = _bn_view(x)
    sum_gx = xp.einsum("ncl,ncl->nc", g3, x3)  # (N, C)
    sum_g = g3.sum(axis=2)
    m = mean.reshape(n, groups, 1)
    r = rstd.reshape(n, groups, 1)
    centred = (sum_gx.reshape(n, groups, -1) - m * sum_g.reshape(n, groups, -1)) * r
    dw = centred.reshape(n, c).sum(axis=0)
    db = sum_g.sum(axis=0)
    gw = g3 if weight is None else g3 * weight[:, None]
    dx = _rows_input_grad(xp, gw.reshape(n * groups, d), x.reshape(n * groups, d), mean, rstd, weight is not None)
    return dx.reshape(x.shape), dw, db


def _group_norm_vjp(ctx: Any, grads: tuple[Any, ...]) -> tuple[Tensor | None, ...]:
    grad = grads[0]
    x, weight = ctx.inputs[0], ctx.inputs[1]
    groups, eps = ctx.params
    need_x, need_w, need_b = ctx.needs_input_grad
    if grad is None:
        return (None, None, None)
    if not _wants_graph(grad, x, weight):
        _, mean, rstd = ctx.result
        dx, dw, db = call(GROUP_NORM_BACKWARD, grad.device, (grad, x, weight, mean, rstd), (groups,))
        return (dx if need_x else None, dw if need_w else None, db if need_b else None)
    shape = tuple(x.shape)
    n, c = shape[0], shape[1]
    xg = x.reshape(n, groups, -1)
    xhat_g, rstd = _composite_stats(xg, (2,), eps)
    xhat = xhat_g.reshape(shape)
    bshape = (1, c) + (1,) * (len(shape) - 2)
    dims = (0, *range(2, len(shape)))
    gw = grad if weight is None else grad * weight.reshape(bshape)
    dx = None
    if need_x:
        dx = _composite_input_grad(gw.reshape(n, groups, -1), xhat_g, rstd, (2,)).reshape(shape)
    dw = (grad * xhat).sum(dim=dims) if need_w else None
    db = grad.sum(dim=dims) if need_b else None
    return (dx, dw, db)


GROUP_NORM = register_op(
    OpRecord(
        name="group_norm",
        forward=_group_norm_forward,
        vjp=_group_norm_vjp,
        saves_inputs=(0, 1),
        saves_result=True,
        num_outputs=3,
        differentiable_outputs=(0,),
        fp_errors=True,
    )
)
GROUP_NORM_BACKWARD = register_op(
    OpRecord(name="group_norm_backward", forward=_group_norm_backward_forward, num_outputs=3, fp_errors=True)
)


def group_norm(
    input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None, eps: float = 1e-5
) -> Tensor:
    """Group normalisation: the channels split into ``num_groups`` groups, each normalised per sample.

    Statistics are taken over each group's channels and all spatial positions; then the per-channel
    ``weight`` and ``bias`` are applied.

    Args:
        input: ``(N, C, *)`` tensor, ``C`` divisible by ``num_groups``.
        num_groups: number of groups.
        weight: ``(C,)`` scale, or None.
        bias: ``(C,)`` shift, or None.
        eps: added to the variance.

    Returns:
        The normalised tensor, shaped like ``input``.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.group_norm(tocha.tensor([[[1.0], [3.0]]]), 1)
        tensor([[[-1.0000],
                 [ 1.0000]]])
    """
    if input.dim() < 2:
        raise RuntimeError(f"group_norm(): expected input with at least 2 dimensions, got {input.dim()}D input")
    c = input.shape[1]
    if num_groups <= 0 or c % num_groups != 0:
        raise RuntimeError(
            "Expected number of channels in input to be divisible by num_groups, but got input of shape "
            f"{_shape_str(input.shape)} and num_groups={num_groups}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.dim() != 1 or t.numel() != c):
            raise RuntimeError(
                f"Expected {name} to be a vector of size equal to the number of channels in input, but got "
                f"{name} of shape {_shape_str(t.shape)} and input of shape {_shape_str(input.shape)}"
            )
    result, _, _ = call(GROUP_NORM, input.device, (input, weight, bias), (int(num_groups), float(eps)))
    return result  # type: ignore[no-any-return]


# ------------------------------------------------------------------ rms_norm


def _rms_norm_forward(xp: Any, x: Any, weight: Any, k: int, eps: float) -> tuple[Any, Any]:
    d = math.prod(x.shape[x.ndim - k :])
    x2 = x.reshape(-1, d)
    rrms = xp.einsum("ij,ij->i", x2, x2)[:, None]
    rrms /= d
    rrms += eps
    xp.sqrt(rrms, out=rrms)
    xp.reciprocal(rrms, out=rrms)
    out = x2 * rrms
    if weight is not None:
        out *= weight.reshape(1, d)
    return out.reshape(x.shape), rrms


def _rms_norm_backward_forward(
    xp: Any, grad: Any, x: Any, weight: Any, rrms: Any, k: int, need_w: bool
) -> tuple[Any, Any]:
    d = math.prod(x.shape[x.ndim - k :])
    g2 = grad.reshape(-1, d)
    x2 = x.reshape(-1, d)
    xhat = x2 * rrms
    dw = xp.einsum("ij,ij->j", g2, xhat).reshape(weight.shape) if need_w else xp.empty(0, dtype=x.dtype)
    gw = g2 if weight is None else g2 * weight.reshape(1, d)
    c = xp.einsum("ij,ij->i", gw, xhat)[:, None]
    c /= d
    xhat *= c
    dx = gw - xhat
    dx *= rrms
    return dx.reshape(x.shape), dw


def _rms_norm_vjp(ctx: Any, grads: tuple[Any, ...]) -> tuple[Tensor | None, ...]:
    grad = grads[0]
    x, weight = ctx.inputs
    k, eps = ctx.params
    need_x, need_w = ctx.needs_input_grad
    if grad is None:
        return (None, None)
    if not _wants_graph(grad, x, weight):
        rrms = ctx.result[1]
        dx, dw = call(RMS_NORM_BACKWARD, grad.device, (grad, x, weight, rrms), (k, bool(need_w)))
        return (dx if need_x else None, dw if need_w else None)
    ndim = x.dim()
    dims = tuple(range(ndim - k, ndim))
    lead = tuple(range(ndim - k))
    rrms = ((x * x).mean(dim=dims, keepdim=True) + eps).rsqrt()
    xhat = x * rrms
    gw = grad if weight is None else grad * weight
    dx = (gw - xhat * (gw * xhat).mean(dim=dims, keepdim=True)) * rrms if need_x else None
    dw = None
    if need_w:
        dw = (grad * xhat).sum(dim=lead) if lead else grad * xhat
    return (dx, dw)


RMS_NORM = register_op(
    OpRecord(
        name="rms_norm",
        forward=_rms_norm_forward,
        vjp=_rms_norm_vjp,
        saves_inputs=(0, 1),
        saves_result=True,
        num_outputs=2,
        differentiable_outputs=(0,),
        fp_errors=True,
    )
)
RMS_NORM_BACKWARD = register_op(
    OpRecord(name="rms_norm_backward", forward=_rms_norm_backward_forward, num_outputs=2, fp_errors=True)
)


def rms_norm(
    input: Tensor, normalized_shape: int | Sequence[int], weight: Tensor | None = None, eps: float | None = None
) -> Tensor:
    """Root-mean-square normalisation over the last ``len(normalized_shape)`` dimensions.

    ``y = x / sqrt(mean(x ** 2) + eps) * weight``; ``eps=None`` takes ``tocha.finfo(input.dtype).eps``.

    Args:
        input: tensor whose trailing dimensions equal ``normalized_shape``.
        normalized_shape: the trailing shape to normalise over.
        weight: scale of shape ``normalized_shape``, or None.
        eps: added to the mean square (None: the dtype's machine epsilon).

    Returns:
        The normalised tensor, shaped like ``input``.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.rms_norm(tocha.tensor([[3.0, 4.0]]), (2,), eps=0.0)
        tensor([[0.8485, 1.1314]])
    """
    shape = _normalized_shape(normalized_shape)
    _check_normalized("rms_norm", input, shape, weight, None, "")
    if eps is None:
        eps = float(tocha.finfo(input.dtype).eps) if input.is_floating_point() else 1.1920928955078125e-07
    result, _ = call(RMS_NORM, input.device, (input, weight), (len(shape), float(eps)))
    return result  # type: ignore[no-any-return]


# ------------------------------------------------------------------ local_response_norm


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    """Local response normalisation across channels.

    ``y_c = x_c / (k + alpha / size * sum_{c' in window(c)} x_{c'} ** 2) ** beta``, the window covering
    ``size`` neighbouring channels (``size // 2`` before, ``(size - 1) // 2`` after; zero outside).

    Args:
        input: ``(N, C, *)`` tensor with at least 3 dimensions.
        size: number of neighbouring channels in the window.
        alpha: multiplicative factor.
        beta: exponent.
        k: additive factor.

    Returns:
        The normalised tensor, shaped like ``input``.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.local_response_norm(tocha.ones(1, 2, 1), 2, alpha=1.0, beta=1.0, k=1.0)
        tensor([[[0.6667],
                 [0.5000]]])
    """
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {dim} dimensions)")
    if input.numel() == 0:
        return input
    c = input.shape[1]
    square = input * input
    before, after = size // 2, (size - 1) // 2
    pad_shape = list(input.shape)
    parts = []
    if before:
        pad_shape[1] = before
        parts.append(tocha.zeros(pad_shape, dtype=input.dtype, device=input.device))
    parts.append(square)
    if after:
        pad_shape[1] = after
        parts.append(tocha.zeros(pad_shape, dtype=input.dtype, device=input.device))
    padded = tocha.cat(parts, dim=1) if len(parts) > 1 else square
    total = padded.narrow(1, 0, c)
    for offset in range(1, size):
        total = total + padded.narrow(1, offset, c)
    div = (total * (alpha / size) + k) ** beta
    return input / div
