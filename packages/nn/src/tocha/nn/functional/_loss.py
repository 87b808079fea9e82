"""tocha.nn.functional: losses.

NOTE [ Loss ops ]
Most losses are composites of tocha ops (their gradients, and gradients of gradients, come from those ops).
Three are op records, for speed (forwards written against ``xp``, so they serve NumPy and CuPy):

- ``nll_loss`` takes log-probabilities ``(N, C, d1..dk)`` (or ``(C,)``), int64 targets and an optional class
  weight, with params ``(reduction, ignore_index)``. Its vjp is the op ``nll_loss_backward`` (the dense
  gradient: ``-w[target] * grad`` at each target position, divided by the total weight for 'mean'), which is
  linear in ``grad``; the vjp of that op is ``nll_loss`` itself, so double backward works.
  PyTorch's 'mean' rule: the weighted sum divided by the sum of the weights of the non-ignored targets.
- ``cross_entropy`` with class indices and no label smoothing is one fused op (``log_softmax`` then
  ``nll_loss`` in one kernel; one graph node instead of two is what brings it near PyTorch's speed). Its
  backward op computes ``c * (softmax(input) - onehot(target))`` (``c`` the per-target coefficient of
  ``nll_loss_backward``) in one pass; that op's vjp is written with ``nll_loss``, ``nll_loss_backward`` and
  ``softmax``, so double backward works. See NOTE [ Two cross-entropy ops ] for the two variants; on CUDA,
  ``(N, C)`` inputs run NOTE [ Fused cross-entropy kernels ] in _cuda_ce_kernels.py.
  Class probabilities and label smoothing are composites of ``log_softmax`` (and ``nll_loss``).
- ``ctc_loss`` runs the CTC alpha recursion in log space, vectorised over the batch and the label positions
  (a Python loop over time steps only), returning one negative log-likelihood per sample and, as a second,
  non-differentiable output, every step's log alpha (PyTorch's ``log_alpha``). Its vjp is the op
  ``ctc_loss_backward``, which runs the beta recursion and gives PyTorch's gradient
  ``exp(log_probs) - exp(log(alpha * beta) + nll - log_probs)`` (the gradient through a ``log_softmax`` of the
  logits, as PyTorch's). ``ctc_loss_backward`` has no derivative, as in PyTorch.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import tocha
from tocha import Tensor
from tocha.library import OpRecord, VjpContext, call, register_op, scalar_type_name

from . import _cuda_ce_kernels, _cuda_kernels
from ._activation import log_softmax, softmax
from ._distance import pairwise_distance

__all__ = [
    "l1_loss",
    "mse_loss",
    "smooth_l1_loss",
    "huber_loss",
    "cross_entropy",
    "nll_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "kl_div",
    "poisson_nll_loss",
    "gaussian_nll_loss",
    "cosine_embedding_loss",
    "margin_ranking_loss",
    "hinge_embedding_loss",
    "multilabel_margin_loss",
    "multilabel_soft_margin_loss",
    "multi_margin_loss",
    "soft_margin_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
    "ctc_loss",
]

_REDUCTIONS = ("none", "mean", "sum")


# ------------------------------------------------------------------ reduction helpers


def legacy_reduction(size_average: bool | None, reduce: bool | None, *, stacklevel: int = 3) -> str:
    """The reduction named by PyTorch's deprecated ``size_average`` / ``reduce`` pair, with PyTorch's warning."""
    if size_average is None:
        size_average = True
    if reduce is None:
        reduce = True
    reduction = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(
        f"size_average and reduce args will be deprecated, please use reduction='{reduction}' instead.",
        UserWarning,
        stacklevel=stacklevel,
    )
    return reduction


def _resolve(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    if size_average is not None or reduce is not None:
        return legacy_reduction(size_average, reduce, stacklevel=4)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _size(t: Tensor) -> str:
    return repr(t.shape)


def _value_check(bad: Tensor, error: type[Exception], message: str) -> None:
    """Raise ``error(message)`` if the 0-dim boolean ``bad`` holds: now on the CPU, at the next host read elsewhere.

    See NOTE [ Deferred device checks ] in tensor-core: on a device, reading ``bad`` back would stall it.
    """
    if bad.device.type == "cpu":
        if bool(bad):
            raise error(message)
        return
    xp = tocha.library.get_backend(bad.device.type).xp
    tocha.library.device_check(xp, tocha.library.tensor_array(bad), error, message)


def _warn_size(input: Tensor, target: Tensor) -> None:
    if target.shape != input.shape:
        warnings.warn(
            f"Using a target size ({_size(target)}) that is different to the input size ({_size(input)}). "
            "This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            UserWarning,
            stacklevel=3,
        )


def _weighted(loss: Tensor, weight: Tensor | None, input: Tensor, reduction: str, by_weight: bool = True) -> Tensor:
    """PyTorch's element-weighted regression losses: 'mean' divides by the weights' sum (``by_weight``)."""
    if weight is None:
        return _reduce(loss, reduction)
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    if reduction not in _REDUCTIONS:
        raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")
    loss = loss * weight
    if reduction == "mean" and by_weight:
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


def _softplus_neg(x: Tensor) -> Tensor:
    """``log(1 + exp(-x))``, stable for every ``x`` (its gradient is ``-sigmoid(-x)`` everywhere)."""
    return tocha.logaddexp(tocha.zeros((), dtype=x.dtype, device=x.device), -x)


# ------------------------------------------------------------------ regression losses


def _weighted_reduction(size_average: bool | None, reduce: bool | None, reduction: str, weight: Any) -> str:
    """The reduction of l1/mse: PyTorch warns about legacy arguments only without element weights."""
    if weight is None:
        return _resolve(size_average, reduce, reduction)
    if size_average is not None or reduce is not None:
        return legacy_reduction(size_average, reduce)
    return reduction


def l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Mean absolute error ``|input - target|`` (see :class:`tocha.nn.L1Loss`).

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.l1_loss(tocha.tensor([1.0, 2.0]), tocha.tensor([0.0, 4.0]))
        tensor(1.5000)
    """
    _warn_size(input, target)
    reduction = _weighted_reduction(size_average, reduce, reduction, weight)
    return _weighted((input - target).abs(), weight, input, reduction)


def mse_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Mean squared error ``(input - target)**2`` (see :class:`tocha.nn.MSELoss`).

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.mse_loss(tocha.tensor([1.0, 2.0]), tocha.tensor([0.0, 4.0]))
        tensor(2.5000)
    """
    _warn_size(input, target)
    reduction = _weighted_reduction(size_average, reduce, reduction, weight)
    return _weighted((input - target).square(), weight, input, reduction)


def smooth_l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """``0.5 * d**2 / beta`` where ``d = |input - target| < beta``, ``d - 0.5 * beta`` elsewhere.

    ``beta == 0`` gives the L1 loss (see :class:`tocha.nn.SmoothL1Loss`).

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.smooth_l1_loss(tocha.tensor([0.5, 3.0]), tocha.tensor([0.0, 0.0]), reduction="none")
        tensor([0.1250, 2.5000])
    """
    _warn_size(input, target)
    reduction = _resolve(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    d = (input - target).abs()
    if beta == 0:
        return _reduce(d, reduction)
    loss = tocha.where(d < beta, d.square() * (0.5 / beta), d - 0.5 * beta)
    return _reduce(loss, reduction)


def huber_loss(
    input: Tensor,
    target: Tensor,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: Tensor | None = None,
) -> Tensor:
    """``0.5 * d**2`` where ``d = |input - target| < delta``, ``delta * (d - 0.5 * delta)`` elsewhere.

    See :class:`tocha.nn.HuberLoss`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.huber_loss(tocha.tensor([0.5, 3.0]), tocha.tensor([0.0, 0.0]), reduction="none", delta=2.0)
        tensor([0.1250, 4.0000])
    """
    _warn_size(input, target)
    if weight is None and reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    d = (input - target).abs()
    loss = tocha.where(d < delta, d.square() * 0.5, (d - 0.5 * delta) * delta)
    return _weighted(loss, weight, input, reduction, by_weight=False)  # PyTorch's Huber 'mean' is a plain mean


# ------------------------------------------------------------------ nll_loss op


def _nll_weights(xp: Any, target: Any, weight: Any, ignore_index: int, num_classes: int, dtype: Any) -> Any:
    """Safe targets (ignored ones replaced by 0, bounds checked) and each target's weight (0 when ignored).

    The weights are None when every target counts with weight 1 (no class weight, nothing ignored).
    """
    if target.dtype != np.int64:
        target = target.astype(np.int64)
    if xp is not np:  # no host read on a device: the weights are always made and the check is queued
        mask = target != ignore_index
        safe = xp.where(mask, target, 0)
        tocha.library.device_check(
            xp, ((safe < 0) | (safe >= num_classes)).any(), IndexError,
            lambda: f"Target {int(safe[(safe < 0) | (safe >= num_classes)].ravel()[0])} is out of bounds.",
        )  # fmt: skip
        return safe, mask.astype(dtype) if weight is None else weight[safe] * mask
    if not 0 <= ignore_index < num_classes and not (target.view(np.uint64) >= num_classes).any():
        # every target is a class (negatives wrap to huge unsigned values), so none is ignored
        return target, None if weight is None else weight[target]
    mask = target != ignore_index
    safe = xp.where(mask, target, 0)
    if (safe.view(np.uint64) >= num_classes).any():
        bad = safe[(safe < 0) | (safe >= num_classes)].ravel()[0]
        raise IndexError(f"Target {int(bad)} is out of bounds.")
    return safe, mask.astype(dtype) if weight is None else weight[safe] * mask


def _nll_index(xp: Any, safe: Any) -> Any:
    """The index of each target's entry in an ``(N, C, ...)`` array, for targets ``safe`` of shape ``(N, ...)``."""
    n = safe.shape[0]
    if safe.ndim == 1:
        return (xp.arange(n), safe)
    rest = safe.shape[1:]
    grids = xp.ogrid[tuple(slice(0, k) for k in rest)] if len(rest) > 1 else [xp.arange(rest[0])]
    return (xp.arange(n).reshape((n,) + (1,) * len(rest)), safe, *grids)


def _nll_forward(xp: Any, x: Any, target: Any, weight: Any, reduction: str, ignore_index: int) -> Any:
    shape = target.shape
    if x.ndim == 1:
        x = x[None]
        target = target.reshape(1)
    safe, w = _nll_weights(xp, target, weight, ignore_index, x.shape[1], x.dtype)
    loss = x[_nll_index(xp, safe)]
    if w is not None:
        loss = loss * w
    if reduction == "none":
        return -loss.reshape(shape) if loss.shape != shape else -loss
    total = -loss.sum()
    if reduction == "sum":
        return xp.asarray(total)
    count = w.sum() if w is not None else x.dtype.type(loss.size)
    return xp.asarray(total / count)


def _nll_coefficients(
    xp: Any, grad: Any, target: Any, weight: Any, reduction: str, ignore_index: int, num_classes: int
) -> Any:
    """Safe targets and ``c``: the gradient of the loss is ``-c`` at each target's entry (``c`` may be 0-dim)."""
    safe, w = _nll_weights(xp, target, weight, ignore_index, num_classes, grad.dtype)
    if reduction == "none":
        c = grad.reshape(target.shape)
    elif reduction == "sum":
        c = grad
    else:
        c = grad / (w.sum() if w is not None else grad.dtype.type(target.size))
    return safe, c if w is None else c * w


def _nll_backward_forward(
    xp: Any,
    grad: Any,
    target: Any,
    weight: Any,
    reduction: str,
    ignore_index: int,
    shape: tuple[int, ...],
) -> Any:
    out = xp.zeros(shape, dtype=grad.dtype)
    view = out[None] if len(shape) == 1 else out
    t = target.reshape(1) if len(shape) == 1 else target
    safe, c = _nll_coefficients(xp, grad, t, weight, reduction, ignore_index, view.shape[1])
    view[_nll_index(xp, safe)] = -c
    return out


def _nll_vjp(ctx: VjpContext, grad: Tensor) -> tuple[Tensor | None, ...]:
    reduction, ignore_index = ctx.params
    shape = ctx.input_shapes[0]
    assert shape is not None
    _, target, weight = ctx.inputs
    g = call(NLL_LOSS_BACKWARD, grad.device, (grad, target, weight), (reduction, ignore_index, shape))
    return (g, None, None)


def _nll_backward_vjp(ctx: VjpContext, grad: Tensor) -> tuple[Tensor | None, ...]:
    reduction, ignore_index, _ = ctx.params
    _, target, weight = ctx.inputs
    return (call(NLL_LOSS, grad.device, (grad, target, weight), (reduction, ignore_index)), None, None)


NLL_LOSS = register_op(
    OpRecord(
        name="nll_loss",
        forward=_nll_forward,
        vjp=_nll_vjp,
        saves_inputs=(1, 2),
        differentiable_inputs=(0,),
        fp_errors=True,
    )
)

NLL_LOSS_BACKWARD = register_op(
    OpRecord(
        name="nll_loss_backward",
        forward=_nll_backward_forward,
        vjp=_nll_backward_vjp,
        saves_inputs=(1, 2),
        differentiable_inputs=(0,),
        fp_errors=True,
    )
)

_TARGET_DTYPES = (tocha.int64, tocha.uint8)


def _type_name(d: Any) -> str:
    return scalar_type_name(d) if isinstance(d, tocha.dtype) else str(d)


def _check_nll(input: Tensor, target: Tensor, weight: Tensor | None) -> None:
    dim = input.dim()
    if dim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {dim})")
    if dim != 1 and input.shape[0] != target.shape[0]:
        raise ValueError(
            f"Expected input batch_size ({input.shape[0]}) to match target batch_size ({target.shape[0]})."
        )
    if target.dtype not in _TARGET_DTYPES:
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_type_name(target.dtype)}")
    if dim <= 2:
        if target.dim() > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if dim == 1 and target.dim() != 0:
            raise RuntimeError(
                f"Expected input batch_size (1) to match target batch_size ({target.shape[0]})."
                if target.dim() == 1 and target.shape[0] != 1
                else "0D or 1D target tensor expected, multi-target not supported"
            )
    else:
        expected = [input.shape[0], *input.shape[2:]]
        if list(target.shape) != expected:
            raise RuntimeError(f"Expected target size {expected}, got {list(target.shape)}")
    classes = input.shape[1] if dim > 1 else input.shape[0]
    if weight is not None and (weight.dim() != 1 or weight.shape[0] != classes):
        raise RuntimeError(
            f"weight tensor should be defined either for all {classes} classes or no classes but got weight "
            f"tensor of shape: {list(weight.shape)}"
        )


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of class-index targets: ``-weight[t] * input[n, t]`` (see :class:`tocha.nn.NLLLoss`).

    ``input`` holds log-probabilities, ``(C,)``, ``(N, C)`` or ``(N, C, d1, ..., dk)``; ``target`` class
    indices, ``()``, ``(N,)`` or ``(N, d1, ..., dk)``. Targets equal to ``ignore_index`` contribute nothing;
    'mean' divides by the sum of the weights of the other targets.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> logp = tocha.tensor([[-0.5, -1.0], [-2.0, -0.1]])
        >>> F.nll_loss(logp, tocha.tensor([0, 1]))
        tensor(0.3000)
    """
    reduction = _resolve(size_average, reduce, reduction)
    _check_nll(input, target, weight)
    return call(NLL_LOSS, input.device, (input, target, weight), (reduction, ignore_index))  # type: ignore[no-any-return]


# ------------------------------------------------------------------ cross entropy


_ONES: dict[tuple[int, str], Any] = {}  # NumPy column vectors of ones, by (length, dtype)


def _sum_keepdim(xp: Any, x: Any, dim: int) -> Any:
    """``x.sum(dim, keepdims=True)``; a product with a column of ones for the last axis of a 2-D float array
    (BLAS beats NumPy's reduction over a short inner axis by 2-3x)."""
    if x.ndim == 2 and (dim == 1 or dim == -1) and x.dtype.kind == "f" and x.dtype.itemsize >= 4:
        if xp is not np:
            return x @ xp.ones((x.shape[1], 1), dtype=x.dtype)
        key = (x.shape[1], x.dtype.str)
        ones = _ONES.get(key)
        if ones is None:
            if len(_ONES) > 64:
                _ONES.clear()
            ones = _ONES[key] = np.ones((x.shape[1], 1), dtype=x.dtype)
        return x @ ones
    return x.sum(axis=dim, keepdims=True)


_NO_SHIFT = {"f": 60.0, "d": 600.0}  # largest maxima for which exp(x) and its row sums stay finite
_TINY = {"e": float(np.finfo(np.float16).tiny) * 2.0**8, "f": float(np.finfo(np.float32).tiny) * 2.0**26}


def _softmax_parts(xp: Any, x: Any, dim: int, normalize: bool = True) -> Any:
    """``(shift, log(sum(exp(x - shift))), softmax(x))`` along ``dim`` (kept), in few passes over ``x``.

    Shifting by the global maximum instead of each row's (a reduction over a short axis is slow in NumPy)
    is exact unless a row's sum underflows; such inputs, and non-finite ones, take the per-row shift. A
    maximum small enough that nothing overflows needs no shift at all.
    """
    if xp is not np and (dim == 1 or dim == -1) and (fused := _cuda_kernels.softmax_parts(xp, x, normalize)):
        return fused
    e = None
    if x.size and xp is np:  # on a device, reading the maximum back would stall it: per-row shifts below
        top = float(x.max())
        if top <= _NO_SHIFT.get(x.dtype.char, -math.inf):  # exp(x) cannot overflow: skip the shift's pass
            top = 0.0
            e = xp.exp(x)
        elif math.isfinite(top):
            e = x - top
            xp.exp(e, out=e)
        if e is not None:
            sums = _sum_keepdim(xp, e, dim)
            if not float(sums.min()) > _TINY.get(x.dtype.char, 1e-290):
                e = None
    if e is None:
        top = x.max(axis=dim, keepdims=True) if x.size else 0.0
        e = x - top
        xp.exp(e, out=e)
        sums = e.sum(axis=dim, keepdims=True)
    if normalize:
        xp.multiply(e, 1 / sums, out=e)
    return top, xp.log(sums), e


def _ce_forward(
    xp: Any, x: Any, target: Any, weight: Any, reduction: str, ignore_index: int, with_probs: bool = True
) -> Any:
    if xp is not np:  # without with_probs the fused kernels return no probabilities (only the loss is used)
        fused = _cuda_ce_kernels.cross_entropy(xp, x, target, weight, reduction, ignore_index, with_probs)
        if fused is not None:
            return fused
    batched = x.ndim > 1
    top, log_sums, probs = _softmax_parts(xp, x, 1 if batched else 0, with_probs)
    xb = x if batched else x[None]
    t = target if batched else target.reshape(1)
    safe, w = _nll_weights(xp, t, weight, ignore_index, xb.shape[1], x.dtype)
    index = _nll_index(xp, safe)
    picked = xb[index]
    if not batched:
        picked = (picked - top) - log_sums
    elif x.ndim == 2:  # rows in order: basic slicing instead of a gather
        picked = (picked - (top if isinstance(top, float) else top[:, 0])) - log_sums[:, 0]
    else:
        at_row = (index[0], 0, *index[2:])
        picked = (picked - (top if isinstance(top, float) else top[at_row])) - log_sums[at_row]
    loss = picked if w is None else picked * w
    if reduction == "none":
        out = -loss.reshape(target.shape) if loss.shape != target.shape else -loss
    elif reduction == "sum":
        out = xp.asarray(-loss.sum())
    else:
        count = w.sum() if w is not None else x.dtype.type(loss.size)
        out = xp.asarray(-loss.sum() / count)
    return out, probs


def _ce_backward_forward(
    xp: Any,
    grad: Any,
    probs: Any,
    target: Any,
    weight: Any,
    reduction: str,
    ignore_index: int,
    overwrite: bool = False,
) -> Any:
    # d loss / d x = sum_n c_n * (probs_n - onehot(target_n)), c_n = weight[target_n] * grad_n (/ total weight)
    if xp is not np:
        fused = _cuda_ce_kernels.cross_entropy_backward(xp, grad, probs, target, weight, reduction, ignore_index, False)
        if fused is not None:
            return fused
    batched = probs.ndim > 1
    view = probs if batched else probs[None]
    t = target if batched else target.reshape(1)
    safe, c = _nll_coefficients(xp, grad, t, weight, reduction, ignore_index, view.shape[1])
    if overwrite:  # probs is a temporary
        out = view
        out *= c[:, None] if c.ndim else c
    else:
        out = view * (c[:, None] if c.ndim else c)
    out[_nll_index(xp, safe)] -= c
    return out if batched else out[0]


def _ce_probs_vjp(ctx: VjpContext, grad: Any) -> tuple[Tensor | None, ...]:
    g_loss, g_probs = grad
    _, target, weight = ctx.inputs
    probs = ctx.result[1]
    reduction, ignore_index = ctx.params
    dim = 1 if probs.dim() > 1 else 0
    gx = None
    if g_loss is not None:
        gx = call(CE_PROBS_BACKWARD, probs.device, (g_loss, probs, target, weight), (reduction, ignore_index))
    if g_probs is not None:  # only in double backward: the softmax's own vjp
        pg = probs * g_probs
        g2 = pg - probs * pg.sum(dim, keepdim=True)
        gx = g2 if gx is None else gx + g2
    return (gx, None, None)


def _ce_backward_vjp_parts(
    grad: Tensor, g: Tensor, probs: Tensor, target: Tensor, weight: Tensor | None, params: Any, needs: Any
) -> tuple[Tensor | None, Tensor | None, Tensor]:
    # The backward op is (probs - onehot) * c with c linear in g; see NOTE [ Loss ops ].
    reduction, ignore_index = params
    dim = 1 if probs.dim() > 1 else 0
    d_g = d_probs = None
    if needs[0]:
        v = grad - (grad * probs).sum(dim, keepdim=True)
        d_g = call(NLL_LOSS, grad.device, (v, target, weight), (reduction, ignore_index))
    scale = call(NLL_LOSS_BACKWARD, grad.device, (g, target, weight), (reduction, ignore_index, tuple(probs.shape)))
    c = -scale.sum(dim, keepdim=True)
    if needs[1]:
        d_probs = grad * c
    return d_g, d_probs, c


def _ce_probs_backward_vjp(ctx: VjpContext, grad: Tensor) -> tuple[Tensor | None, ...]:
    g, probs, target, weight = ctx.inputs
    d_g, d_probs, _ = _ce_backward_vjp_parts(grad, g, probs, target, weight, ctx.params, ctx.needs_input_grad)
    return (d_g, d_probs, None, None)


def _ce_vjp(ctx: VjpContext, grad: Tensor) -> tuple[Tensor | None, ...]:
    x, target, weight = ctx.inputs
    return (call(CE_BACKWARD, grad.device, (grad, x, target, weight), ctx.params), None, None)


def _ce_backward_recompute_forward(
    xp: Any, grad: Any, x: Any, target: Any, weight: Any, reduction: str, ignore_index: int
) -> Any:
    if xp is not np:
        fused = _cuda_ce_kernels.cross_entropy_backward(xp, grad, x, target, weight, reduction, ignore_index, True)
        if fused is not None:
            return fused
    _, _, probs = _softmax_parts(xp, x, 1 if x.ndim > 1 else 0)
    return _ce_backward_forward(xp, grad, probs, target, weight, reduction, ignore_index, True)


def _ce_backward_vjp(ctx: VjpContext, grad: Tensor) -> tuple[Tensor | None, ...]:
    g, x, target, weight = ctx.inputs
    dim = 1 if x.dim() > 1 else 0
    probs = softmax(x, dim)
    d_g, d_probs, _ = _ce_backward_vjp_parts(grad, g, probs, target, weight, ctx.params, ctx.needs_input_grad)
    d_x = None
    if d_probs is not None:  # through the softmax
        pu = probs * d_probs
        d_x = pu - probs * pu.sum(dim, keepdim=True)
    return (d_g, d_x, None, None)


def _ce_loss_forward(xp: Any, x: Any, target: Any, weight: Any, reduction: str, ignore_index: int) -> Any:
    return _ce_forward(xp, x, target, weight, reduction, ignore_index, False)[0]


# NOTE [ Two cross-entropy ops ]
# Small inputs use "cross_entropy" (one output; its backward recomputes the softmax, which costs less than
# recording a second output); large ones use "cross_entropy_with_softmax", which also returns the softmax
# so that the backward needs no exponential. Same values, same gradients.
_CE_RECOMPUTE_LIMIT = 16384

CROSS_ENTROPY = register_op(
    OpRecord(
        name="cross_entropy",
        forward=_ce_loss_forward,
        vjp=_ce_vjp,
        saves_inputs=(0, 1, 2),
        differentiable_inputs=(0,),
        fp_errors=True,
    )
)

CE_BACKWARD = register_op(
    OpRecord(
        name="cross_entropy_backward",
        forward=_ce_backward_recompute_forward,
        vjp=_ce_backward_vjp,
        saves_inputs=(0, 1, 2, 3),
        differentiable_inputs=(0, 1),
        fp_errors=True,
    )
)

CROSS_ENTROPY_WITH_SOFTMAX = register_op(
    OpRecord(
        name="cross_entropy_with_softmax",
        forward=_ce_forward,
        vjp=_ce_probs_vjp,
        num_outputs=2,
        saves_inputs=(1, 2),
        saves_result=True,
        differentiable_inputs=(0,),
        fp_errors=True,
    )
)

CE_PROBS_BACKWARD = register_op(
    OpRecord(
        name="cross_entropy_with_softmax_backward",
        forward=_ce_backward_forward,
        vjp=_ce_probs_backward_vjp,
        saves_inputs=(0, 1, 2, 3),
        differentiable_inputs=(0, 1),
        fp_errors=True,
    )
)


def _class_view(weight: Tensor, ndim: int) -> Tensor:
    """``weight`` (C,) shaped to broadcast along the class dimension of an ``ndim``-dimensional input."""
    if ndim <= 1:
        return weight
    return weight.reshape((1, weight.shape[0]) + (1,) * (ndim - 2))


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross entropy between the logits ``input`` and class indices or class probabilities ``target``.

    ``log_softmax`` over the class dimension (1, or 0 for an unbatched ``(C,)`` input) followed by
    :func:`nll_loss` for class indices; for probabilities (``target`` of ``input``'s shape, floating)
    ``-sum_c weight[c] * target[c] * log_softmax(input)[c]``, and 'mean' divides by the number of samples.
    ``label_smoothing`` mixes the targets with the uniform distribution. See :class:`tocha.nn.CrossEntropyLoss`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.cross_entropy(tocha.tensor([[2.0, 0.0], [0.0, 2.0]]), tocha.tensor([0, 1]))
        tensor(0.1269)
    """
    reduction = _resolve(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    dim = input.dim()
    if dim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {dim})")
    class_dim = 0 if dim == 1 else 1
    classes = input.shape[class_dim]
    if input.shape == target.shape:
        if not target.is_floating_point():
            raise RuntimeError(
                f"Expected floating point type for target with class probabilities, got {_type_name(target.dtype)}"
            )
        if weight is not None and (weight.dim() != 1 or weight.shape[0] != classes):
            raise RuntimeError(
                f"weight tensor should be defined either for all {classes} classes or no classes but got weight "
                f"tensor of shape: {list(weight.shape)}"
            )
        logp = log_softmax(input, class_dim)
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / classes
        prod = logp * target
        if weight is not None:
            prod = prod * _class_view(weight, dim)
        loss = -prod.sum(class_dim)
        if reduction == "mean":
            return loss.sum() / (input.numel() // classes if classes else 0)
        return _reduce(loss, reduction)
    _check_nll(input, target, weight)
    if label_smoothing <= 0:
        if not input.is_floating_point():
            raise RuntimeError(f"log_softmax: expected a floating point input, got {_type_name(input.dtype)}")
        if input.numel() <= _CE_RECOMPUTE_LIMIT:
            return call(CROSS_ENTROPY, input.device, (input, target, weight), (reduction, ignore_index))  # type: ignore[no-any-return]
        return call(CROSS_ENTROPY_WITH_SOFTMAX, input.device, (input, target, weight), (reduction, ignore_index))[0]  # type: ignore[no-any-return]
    logp = log_softmax(input, class_dim)
    nll = call(NLL_LOSS, input.device, (logp, target, weight), (reduction, ignore_index))
    ignored = target == ignore_index
    smooth = -(logp * _class_view(weight, dim)).sum(class_dim) if weight is not None else -logp.sum(class_dim)
    smooth = smooth.masked_fill(ignored, 0.0)
    if reduction == "mean":
        if weight is not None:
            kept = target.masked_fill(ignored, 0)
            total = (weight[kept] * (~ignored)).sum()
        else:
            total = (~ignored).sum()
        smooth = smooth.sum() / total
    else:
        smooth = _reduce(smooth, reduction)
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / classes)  # type: ignore[no-any-return]


# ------------------------------------------------------------------ binary cross entropy


def binary_cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``-weight * (target * log(input) + (1 - target) * log(1 - input))``, each log clamped to ``>= -100``.

    See :class:`tocha.nn.BCELoss`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.binary_cross_entropy(tocha.tensor([0.9, 0.2]), tocha.tensor([1.0, 0.0]))
        tensor(0.1643)
    """
    reduction = _resolve(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(
            f"Using a target size ({_size(target)}) that is different to the input size ({_size(input)}) is "
            "deprecated. Please ensure they have the same size."
        )
    if input.numel():  # NaN fails these checks too, as PyTorch's
        outside = ~((input >= 0) & (input <= 1))
        _value_check(outside.any(), RuntimeError, "all elements of input should be between 0 and 1")
        outside = ~((target >= 0) & (target <= 1))
        _value_check(outside.any(), RuntimeError, "all elements of target should be between 0 and 1")
    log_p = input.log().clamp_min(-100.0)
    log_q = (1 - input).log().clamp_min(-100.0)
    loss = -(target * log_p + (1 - target) * log_q)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """Binary cross entropy of ``sigmoid(input)``, computed stably from the logits.

    ``pos_weight`` weighs the positive term: ``-(pos_weight * t * log(sigmoid(x)) + (1 - t) * log(1 -
    sigmoid(x)))``, broadcast along the last (class) dimension. See :class:`tocha.nn.BCEWithLogitsLoss`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.binary_cross_entropy_with_logits(tocha.tensor([2.0, -1.0]), tocha.tensor([1.0, 0.0]))
        tensor(0.2201)
    """
    reduction = _resolve(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({_size(target)}) must be the same as input size ({_size(input)})")
    softplus_neg = _softplus_neg(input)  # -log(sigmoid(x))
    if pos_weight is not None:
        loss = (1 - target) * input + (1 + (pos_weight - 1) * target) * softplus_neg
    else:
        loss = (1 - target) * input + softplus_neg
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


# ------------------------------------------------------------------ divergences and likelihoods


def kl_div(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """Kullback-Leibler divergence ``target * (log(target) - input)`` with ``input`` in log space.

    ``log_target=True`` takes ``target`` in log space too. ``reduction='batchmean'`` divides the sum by the
    batch size (the mathematical KL divergence); 'mean' divides by the number of elements and warns, as
    PyTorch. See :class:`tocha.nn.KLDivLoss`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.kl_div(tocha.tensor([[0.5, 0.5]]).log(), tocha.tensor([[0.25, 0.75]]), reduction="batchmean")
        tensor(0.1308)
    """
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            UserWarning,
            stacklevel=2,
        )
    elif reduction not in ("none", "sum", "batchmean"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = tocha.xlogy(target, target) - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input.dim() != 0 else total
    return _reduce(loss, reduction)


def poisson_nll_loss(
    input: Tensor,
    target: Tensor,
    log_input: bool = True,
    full: bool = False,
    size_average: bool | None = None,
    eps: float = 1e-8,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Poisson negative log-likelihood: ``exp(input) - target * input`` (``log_input``) or
    ``input - target * log(input + eps)``; ``full`` adds Stirling's term for ``target > 1``.

    See :class:`tocha.nn.PoissonNLLLoss`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.poisson_nll_loss(tocha.tensor([0.0, 1.0]), tocha.tensor([1.0, 2.0]))
        tensor(0.8591)
    """
    reduction = _resolve(size_average, reduce, reduction)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + stirling.masked_fill(target <= 1, 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(
    input: Tensor,
    target: Tensor,
    var: Tensor | float,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:
    """Gaussian negative log-likelihood ``0.5 * (log(var) + (input - target)**2 / var)`` (+ ``0.5 * log(2 pi)``
    when ``full``).

    ``var`` has ``input``'s shape, or lacks its last dimension, or has size 1 there (one variance per
    sample); a float is one variance for all. Variances are clamped to ``>= eps`` without affecting the
    gradient. See :class:`tocha.nn.GaussianNLLLoss`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.gaussian_nll_loss(tocha.tensor([1.0, 2.0]), tocha.tensor([1.5, 2.0]), tocha.tensor([1.0, 1.0]))
        tensor(0.0625)
    """
    if not isinstance(var, Tensor):
        var = tocha.full_like(input, float(var))
    if var.shape != input.shape:
        if input.shape[:-1] == var.shape:
            var = var.unsqueeze(-1)
        elif not (input.shape[:-1] == var.shape[:-1] and var.dim() > 0 and var.shape[-1] == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not valid")
    if var.numel():
        _value_check((var < 0).any(), ValueError, "var has negative entry/entries")
    var = var + (var.detach().clamp_min(eps) - var.detach())  # clamped value, identity gradient
    loss = 0.5 * (var.log() + (input - target).square() / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


# ------------------------------------------------------------------ margin and embedding losses


def cosine_embedding_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``1 - cos(x1, x2)`` where ``target == 1``, ``max(0, cos(x1, x2) - margin)`` where ``target == -1``.

    See :class:`tocha.nn.CosineEmbeddingLoss`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> x = tocha.tensor([[1.0, 0.0], [1.0, 1.0]])
        >>> y = tocha.tensor([[0.0, 1.0], [1.0, 1.0]])
        >>> F.cosine_embedding_loss(x, y, tocha.tensor([1, -1]), reduction="none")
        tensor([1., 1.])
    """
    reduction = _resolve(size_average, reduce, reduction)
    if target.dim() > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input1.dim() not in (1, 2) or input1.shape != input2.shape:
        raise RuntimeError(
            f"cosine_embedding_loss: expected 1D or 2D inputs of the same shape, got {list(input1.shape)} and "
            f"{list(input2.shape)}"
        )
    dim = input1.dim() - 1
    prod = (input1 * input2).sum(dim)
    mag1 = input1.square().sum(dim) + 1e-12
    mag2 = input2.square().sum(dim) + 1e-12
    cos = prod / (mag1 * mag2).sqrt()
    zero = tocha.zeros((), dtype=cos.dtype, device=cos.device)
    pos = tocha.where(target == 1, 1 - cos, zero)
    neg = tocha.where(target == -1, (cos - margin).clamp_min(0), zero)
    return _reduce(pos + neg, reduction)


def margin_ranking_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``max(0, -target * (input1 - input2) + margin)`` (see :class:`tocha.nn.MarginRankingLoss`).

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.margin_ranking_loss(tocha.tensor([1.0, 2.0]), tocha.tensor([2.0, 1.0]), tocha.tensor([1.0, 1.0]))
        tensor(0.5000)
    """
    reduction = _resolve(size_average, reduce, reduction)
    if not input1.dim() == input2.dim() == target.dim():
        raise RuntimeError(
            "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {_size(input1)}, input2: {_size(input2)}, target: {_size(target)} "
        )
    return _reduce((-target * (input1 - input2) + margin).clamp_min(0), reduction)


def hinge_embedding_loss(
    input: Tensor,
    target: Tensor,
    margin: float = 1.0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``input`` where ``target == 1``, ``max(0, margin - input)`` where ``target == -1``.

    See :class:`tocha.nn.HingeEmbeddingLoss`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.hinge_embedding_loss(tocha.tensor([0.3, 0.4]), tocha.tensor([1.0, -1.0]), reduction="none")
        tensor([0.3000, 0.6000])
    """
    reduction = _resolve(size_average, reduce, reduction)
    zero = tocha.zeros((), dtype=input.dtype, device=input.device)
    margin_part = tocha.where(target != 1, (margin - input).clamp_min(0), zero)
    self_part = tocha.where(target != -1, input, zero)
    return _reduce(margin_part + self_part, reduction)


def multilabel_margin_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Multi-class multi-label hinge loss.

    ``target`` holds class indices, padded with -1 after the last one; for each sample,
    ``sum_{j in targets, i not in targets} max(0, 1 - (x[j] - x[i])) / C``.
    See :class:`tocha.nn.MultiLabelMarginLoss`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.multilabel_margin_loss(tocha.tensor([[0.1, 0.2, 0.4, 0.8]]), tocha.tensor([[3, 0, -1, 1]]))
        tensor(0.8500)
    """
    reduction = _resolve(size_average, reduce, reduction)
    dim = input.dim()
    if dim > 2 or (dim == 2 and input.shape[1] == 0):
        raise RuntimeError(
            f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: {_size(input)}"
        )
    if target.shape != input.shape:
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: {list(input.shape)}")
    x = input.reshape(1, -1) if dim < 2 else input
    t = target.reshape(1, -1) if dim < 2 else target
    n, c = x.shape
    valid = (t != -1).to(tocha.int64).cumprod(1).bool()  # entries before the first -1
    safe = t.masked_fill(~valid, 0)
    if safe.numel():
        _value_check(((safe < 0) | (safe >= c)).any(), RuntimeError, "argument #2 'target' is out of range")
    rows = tocha.arange(n, device=x.device).unsqueeze(1)
    classes = tocha.arange(c, device=x.device)
    is_target = ((safe.unsqueeze(2) == classes) & valid.unsqueeze(2)).any(1)  # (N, C): class listed before a -1
    picked = x[rows, safe]  # (N, C): x at each listed target
    hinge = (1 - picked.unsqueeze(2) + x.unsqueeze(1)).clamp_min(0)  # (N, J, C)
    keep = valid.unsqueeze(2) & (~is_target).unsqueeze(1)
    loss = (hinge * keep).sum((1, 2)) / c
    if dim < 2:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def multilabel_soft_margin_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """One-versus-all logistic loss averaged over the classes (see :class:`tocha.nn.MultiLabelSoftMarginLoss`).

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.multilabel_soft_margin_loss(tocha.tensor([[1.0, -1.0]]), tocha.tensor([[1.0, 0.0]]))
        tensor(0.3133)
    """
    reduction = _resolve(size_average, reduce, reduction)
    loss = target * _softplus_neg(input) + (1 - target) * _softplus_neg(-input)
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(input.dim() - 1) / input.shape[-1]
    return _reduce(loss, reduction)


def multi_margin_loss(
    input: Tensor,
    target: Tensor,
    p: int = 1,
    margin: float = 1.0,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Multi-class hinge loss ``sum_{i != y} max(0, margin - x[y] + x[i])**p * weight[y] / C``.

    See :class:`tocha.nn.MultiMarginLoss`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.multi_margin_loss(tocha.tensor([[0.1, 0.2, 0.4, 0.8]]), tocha.tensor([3]))
        tensor(0.3250)
    """
    reduction = _resolve(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    dim = input.dim()
    if dim > 2 or (dim == 2 and input.shape[1] == 0):
        raise RuntimeError(
            f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: {_size(input)}"
        )
    x = input.reshape(1, -1) if dim < 2 else input
    n, c = x.shape
    t = target.reshape(-1)
    if t.shape[0] != n:
        raise RuntimeError(f"inconsistent target size, expected {n} but got {list(target.shape)}")
    if t.numel():
        _value_check(((t < 0) | (t >= c)).any(), RuntimeError, "target out of range")
    rows = tocha.arange(n, device=x.device)
    picked = x[rows, t].unsqueeze(1)
    z = (margin - picked + x).clamp_min(0)
    if p == 2:
        z = z.square()
    if weight is not None:
        z = z * weight[t].unsqueeze(1)
    not_target = tocha.arange(c, device=x.device).unsqueeze(0) != t.unsqueeze(1)
    loss = (z * not_target).sum(1) / c
    if dim < 2:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def soft_margin_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Two-class logistic loss ``log(1 + exp(-target * input))`` (see :class:`tocha.nn.SoftMarginLoss`).

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.soft_margin_loss(tocha.tensor([1.0, -2.0]), tocha.tensor([1.0, -1.0]))
        tensor(0.2201)
    """
    reduction = _resolve(size_average, reduce, reduction)
    return _reduce(_softplus_neg(target * input), reduction)


def _check_triplet_dims(anchor: Tensor, positive: Tensor, negative: Tensor) -> None:
    a, p, n = anchor.dim(), positive.dim(), negative.dim()
    if not a == p == n:
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number of dimensions, but "
            f"got: anchor {a}D, positive {p}D, and negative {n}D inputs"
        )


def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``max(0, margin + d(anchor, positive) - d(anchor, negative))`` with the p-norm distance.

    ``swap`` uses ``min(d(anchor, negative), d(positive, negative))``. See :class:`tocha.nn.TripletMarginLoss`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> a = tocha.tensor([[0.0, 0.0]])
        >>> F.triplet_margin_loss(a, tocha.tensor([[1.0, 0.0]]), tocha.tensor([[0.0, 1.5]]))
        tensor(0.5000)
    """
    reduction = _resolve(size_average, reduce, reduction)
    _check_triplet_dims(anchor, positive, negative)
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = tocha.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction)


def triplet_margin_with_distance_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    *,
    distance_function: Callable[[Tensor, Tensor], Tensor] | None = None,
    margin: float = 1.0,
    swap: bool = False,
    reduction: str = "mean",
) -> Tensor:
    """``max(0, margin + d(anchor, positive) - d(anchor, negative))`` for any distance function ``d``.

    ``distance_function`` defaults to the Euclidean pairwise distance.
    See :class:`tocha.nn.TripletMarginWithDistanceLoss`.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> a = tocha.tensor([[0.0, 0.0]])
        >>> F.triplet_margin_with_distance_loss(a, tocha.tensor([[1.0, 0.0]]), tocha.tensor([[0.0, 3.0]]))
        tensor(0.)
    """
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    dist = distance_function if distance_function is not None else pairwise_distance
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_neg = tocha.minimum(d_neg, dist(positive, negative))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction)


# ------------------------------------------------------------------ CTC


def _logsumexp3(xp: Any, a: Any, b: Any, c: Any) -> Any:
    return xp.logaddexp(xp.logaddexp(a, b), c)  # exact for -inf operands


def _ctc_setup(xp: Any, lp: Any, targets: Any, input_lengths: Any, target_lengths: Any, blank: int) -> Any:
    """Extended labels (blanks between targets), their skip mask and each position's log-probabilities."""
    n = lp.shape[1]
    target_lengths = target_lengths.astype(np.int64)
    s_max = int(target_lengths.max()) if n else 0
    if targets.ndim == 1:  # concatenated: cut the padded (N, S_max) layout out of it
        offsets = xp.cumsum(target_lengths) - target_lengths
        idx = offsets[:, None] + xp.arange(s_max)[None, :]
        inside = xp.arange(s_max)[None, :] < target_lengths[:, None]
        padded = targets[xp.clip(idx, 0, max(targets.shape[0] - 1, 0))] if targets.shape[0] else xp.zeros_like(idx)
        padded = xp.where(inside, padded, blank)
    else:
        padded = targets[:, :s_max]
    width = 2 * s_max + 1
    ext = xp.full((n, width), blank, dtype=np.int64)
    ext[:, 1::2] = padded
    skip = xp.zeros((n, width), dtype=bool)
    if width > 2:
        skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    lp_ext = lp[:, xp.arange(n)[:, None], ext]  # (T, N, width)
    lengths = 2 * target_lengths + 1
    return ext, skip, lp_ext, lengths


def _ctc_alpha(xp: Any, lp_ext: Any, skip: Any, input_lengths: Any) -> Any:
    """Every step's log alpha, ``(T, N, W)`` (frozen after each sample's last step)."""
    t_max, n, width = lp_ext.shape
    buf = xp.full((max(t_max, 1), n, width + 2), -np.inf, dtype=lp_ext.dtype)  # two -inf columns in front
    if t_max == 0:
        return buf[:, :, 2:]
    buf[0, :, 2:4] = lp_ext[0, :, :2]
    skip_add = xp.where(skip, 0.0, -np.inf).astype(lp_ext.dtype)
    shortest = int(input_lengths.min()) if n else t_max
    for t in range(1, t_max):
        before = buf[t - 1]
        new = buf[t, :, 2:]
        xp.logaddexp(before[:, 2:], before[:, 1:-1], out=new)
        xp.logaddexp(new, before[:, :-2] + skip_add, out=new)
        new += lp_ext[t]
        if t >= shortest:
            new[...] = xp.where((t < input_lengths)[:, None], new, before[:, 2:])
    return buf[:, :, 2:]


def _ctc_beta(xp: Any, lp_ext: Any, skip: Any, input_lengths: Any, lengths: Any) -> Any:
    """Every step's log beta, ``(T, N, W)`` (-inf after each sample's last step)."""
    t_max, n, width = lp_ext.shape
    buf = xp.full((t_max + 1, n, width + 2), -np.inf, dtype=lp_ext.dtype)  # a -inf step and two columns after
    positions = xp.arange(width)[None, :]
    inside_add = xp.where(positions < lengths[:, None], 0.0, -np.inf).astype(lp_ext.dtype)
    ends = (positions < lengths[:, None]) & (positions >= lengths[:, None] - 2)
    skip_next = xp.zeros((n, width), dtype=bool)  # s -> s + 2 allowed
    if width > 2:
        skip_next[:, :-2] = skip[:, 2:]
    skip_add = xp.where(skip_next, 0.0, -np.inf).astype(lp_ext.dtype)
    last_step = input_lengths - 1
    steps = [int(v) for v in last_step.tolist()]
    latest = max(steps) if steps else -1
    for t in range(latest, -1, -1):
        after = buf[t + 1]
        new = buf[t, :, :width]
        xp.logaddexp(after[:, :width], after[:, 1:-1], out=new)
        xp.logaddexp(new, after[:, 2:] + skip_add, out=new)
        new += lp_ext[t]
        new += inside_add
        if t in steps:
            new[...] = xp.where((last_step == t)[:, None], xp.where(ends, lp_ext[t], -np.inf), new)
        if t > min(steps):
            new[...] = xp.where((last_step < t)[:, None], -np.inf, new)
    return buf[:t_max, :, :width]


def _ctc_nll(xp: Any, alpha: Any, lengths: Any, input_lengths: Any) -> Any:
    n = alpha.shape[0]
    rows = xp.arange(n)
    last = alpha[rows, lengths - 1]
    before = xp.where(lengths >= 2, alpha[rows, xp.maximum(lengths - 2, 0)], -np.inf)
    nll = -xp.logaddexp(last, before)
    return xp.where(input_lengths == 0, xp.where(lengths == 1, 0.0, np.inf), nll).astype(alpha.dtype)


def _ctc_forward(
    xp: Any, lp: Any, targets: Any, input_lengths: Any, target_lengths: Any, blank: int, zero_infinity: bool
) -> Any:
    _, skip, lp_ext, lengths = _ctc_setup(xp, lp, targets, input_lengths, target_lengths, blank)
    alphas = _ctc_alpha(xp, lp_ext, skip, input_lengths)
    nll = _ctc_nll(xp, alphas[-1], lengths, input_lengths)
    if zero_infinity:
        nll = xp.where(xp.isinf(nll), 0, nll).astype(lp.dtype)
    return nll, alphas  # the alphas are kept for the backward, as PyTorch's log_alpha


def _ctc_backward_forward(
    xp: Any,
    grad: Any,
    lp: Any,
    targets: Any,
    input_lengths: Any,
    target_lengths: Any,
    alphas: Any,
    blank: int,
    zero_infinity: bool,
) -> Any:
    t_max, _, c = lp.shape
    ext, skip, lp_ext, lengths = _ctc_setup(xp, lp, targets, input_lengths, target_lengths, blank)
    nll = _ctc_nll(xp, alphas[-1], lengths, input_lengths)
    log_ab = alphas + _ctc_beta(xp, lp_ext, skip, input_lengths, lengths)
    # posterior of each extended position, gathered per class by a one-hot product
    finite = xp.isfinite(nll)
    nll_safe = xp.where(finite, nll, 0)
    post = xp.exp(log_ab + nll_safe[None, :, None] - lp_ext)  # (T, N, width)
    post = xp.where(xp.isfinite(post), post, 0)
    onehot = (ext[:, :, None] == xp.arange(c)[None, None, :]).astype(lp.dtype)  # (N, width, C)
    per_class = xp.matmul(post.transpose(1, 0, 2), onehot).transpose(1, 0, 2)  # (T, N, C)
    g = xp.exp(lp) - per_class
    valid_t = (xp.arange(t_max)[:, None] < input_lengths[None, :])[:, :, None]
    g = xp.where(valid_t, g, 0)
    scale = grad.astype(lp.dtype)
    if zero_infinity:
        scale = xp.where(finite, scale, 0)
    else:
        scale = xp.where(finite, scale, np.nan)
    return (g * scale[None, :, None]).astype(lp.dtype)


def _ctc_vjp(ctx: VjpContext, grad: Tensor) -> tuple[Tensor | None, ...]:
    lp, targets, input_lengths, target_lengths = ctx.inputs
    g = call(
        CTC_LOSS_BACKWARD,
        lp.device,
        (grad[0], lp, targets, input_lengths, target_lengths, ctx.result[1]),
        ctx.params,
    )
    return (g, None, None, None)


def _ctc_backward_vjp(ctx: VjpContext, grad: Tensor) -> tuple[Tensor | None, ...]:
    raise RuntimeError("derivative for aten::_ctc_loss_backward is not implemented")


CTC_LOSS = register_op(
    OpRecord(
        name="ctc_loss",
        forward=_ctc_forward,
        vjp=_ctc_vjp,
        num_outputs=2,
        saves_inputs=(0, 1, 2, 3),
        saves_result=True,
        differentiable_inputs=(0,),
        differentiable_outputs=(0,),
        fp_errors=True,
    )
)

CTC_LOSS_BACKWARD = register_op(
    OpRecord(
        name="ctc_loss_backward",
        forward=_ctc_backward_forward,
        vjp=_ctc_backward_vjp,
        differentiable_inputs=(0, 1),
        fp_errors=True,
    )
)


def _lengths(value: Tensor | Sequence[int] | int, device: Any) -> Tensor:
    if isinstance(value, Tensor):
        return value.to(tocha.int64)
    return tocha.tensor(value, dtype=tocha.int64, device=device)


def ctc_loss(
    log_probs: Tensor,
    targets: Tensor,
    input_lengths: Tensor | Sequence[int],
    target_lengths: Tensor | Sequence[int],
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
) -> Tensor:
    """Connectionist Temporal Classification loss (see :class:`tocha.nn.CTCLoss`).

    ``log_probs`` is ``(T, N, C)`` (or ``(T, C)`` unbatched) log-probabilities; ``targets`` is ``(N, S)``
    padded or the 1-D concatenation of every target; ``input_lengths`` and ``target_lengths`` give each
    sample's lengths. 'mean' divides each loss by its target length, then averages over the batch;
    ``zero_infinity`` replaces infinite losses (impossible alignments) and their gradients by zero.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> log_probs = tocha.full((2, 1, 2), 0.5).log()
        >>> F.ctc_loss(log_probs, tocha.tensor([[1]]), [2], [1], reduction="sum")
        tensor(0.2877)
    """
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    device = log_probs.device
    unbatched = log_probs.dim() == 2
    in_len = _lengths(input_lengths, device)
    tgt_len = _lengths(target_lengths, device)
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
        targets = targets.unsqueeze(0) if targets.dim() == 1 else targets
        in_len = in_len.reshape(1)
        tgt_len = tgt_len.reshape(1)
    if log_probs.dim() != 3:
        raise RuntimeError(f"ctc_loss: expected log_probs of 2 or 3 dimensions, got {_size(log_probs)}")
    t_max, n, c = log_probs.shape
    if not 0 <= blank < c:
        raise RuntimeError("blank must be in label range")
    if in_len.numel() != n:
        raise RuntimeError("input_lengths must be of size batch_size")
    if tgt_len.numel() != n:
        raise RuntimeError("target_lengths must be of size batch_size")
    in_len = in_len.reshape(n)
    tgt_len = tgt_len.reshape(n)
    if n and int(in_len.max()) > t_max:
        raise RuntimeError(
            f"Expected input_lengths to have value at most {t_max}, but got value {int(in_len.max())} "
            "(while checking arguments for ctc_loss_allocate_outputs)"
        )
    if targets.dim() == 2 and n and int(tgt_len.max()) > targets.shape[1]:
        raise RuntimeError(
            f"Expected tensor to have size at least {int(tgt_len.max())} at dimension 1, but got size "
            f"{targets.shape[1]} for argument #2 'targets' (while checking arguments for ctc_loss_allocate_outputs)"
        )
    args = (log_probs, targets.to(tocha.int64), in_len, tgt_len)
    losses = call(CTC_LOSS, device, args, (blank, bool(zero_infinity)))[0]
    if reduction == "mean":
        return (losses / tgt_len.clamp_min(1).to(losses.dtype)).mean()  # type: ignore[no-any-return]
    if reduction == "sum":
        return losses.sum()  # type: ignore[no-any-return]
    return losses.reshape(()) if unbatched else losses  # type: ignore[no-any-return]
