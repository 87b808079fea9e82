"""tocha.nn.functional: ``linear_cross_entropy`` and its chunked, memory-efficient path.

NOTE [ Chunked linear cross-entropy ]
``linear_cross_entropy(input, W, target)`` is ``cross_entropy(linear(input, W, b), target)``. With
``options=None`` it is exactly that composition (the reference path). With a
:class:`~tocha.nn.LinearCrossEntropyOptions` the ``(N, C)`` logits are never formed: the batch is cut into
chunks of ``batch_chunk_size`` rows and, for each chunk ``k``,

    z_k = x_k W^T + b                               (chunk, C), the only C-wide buffer
    l_n = log(sum_c exp(z_nc)) - z_{n, t_n}          per row, times the class weight w_{t_n}
    G_k = c_k * (softmax(z_k) - onehot(t_k))         written over z_k in place
    dx_k = G_k W,   dW += G_k^T x_k,   db += sum_n G_k[n]

with ``c_n = w_{t_n} / sum(w)`` ('mean'), ``w_{t_n}`` ('sum') and ``w_{t_n} = 0`` for ignored rows. For the
scalar reductions the gradients are computed during forward (one pass over the weight instead of two) and
kept on the graph node; backward only multiplies them by the incoming (scalar) gradient. For 'none' the
incoming gradient is a vector, so forward saves its inputs and backward reruns the chunk loop with
``c_n = grad_n * w_{t_n}``.

Peak memory is ``O(chunk * C + C * D + N * D)`` instead of ``O(N * C)``. Everything runs on arrays of the
input's module (NumPy or CuPy); the loop has no host read (the total weight of 'mean' stays a device
array), so on CUDA nothing synchronises beyond the target bounds check that ``cross_entropy`` also queues.

As in PyTorch, the chunked path is first-order only: the precomputed gradients are constants, so backward
with ``create_graph=True`` raises, and without ``allow_retain_graph`` the gradients are consumed by the first
backward (a second one raises). Forward-mode AD is not defined (``NotImplementedError``).

``acc_dtype`` / ``acc_policy``: with float16/bfloat16 inputs and ``acc_dtype=float32`` each chunk is cast to
float32 for the matmuls and the softmax; 'accurate' and 'balanced' accumulate the weight gradient in
float32, 'compact' adds each chunk's contribution into a buffer of the input dtype.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from typing import Any, Literal, NamedTuple

import numpy as np

import tocha
from tocha import Tensor
from tocha.autograd import Function
from tocha.library import get_backend, tensor_array, wrap_array

from ._linear import _type_name as _tensor_type_name
from ._linear import linear
from ._loss import _nll_weights, _sum_keepdim, _type_name, cross_entropy

__all__ = ["linear_cross_entropy"]  # LinearCrossEntropyOptions: exported by tocha.nn, as PyTorch

_POLICIES = ("auto", "accurate", "balanced", "compact")
_HALF = (tocha.float16, tocha.bfloat16)


class _Resolved(NamedTuple):
    """Options resolved against one call: rows per chunk, policy, accumulation dtype."""

    batch_chunk_size: int
    acc_policy: str
    acc_dtype: tocha.dtype


# ``"auto"`` picks per (device type, input dtype); other pairs use the fallback (as PyTorch's table).
_AUTO = {
    ("cuda", tocha.bfloat16): ("compact", "aspect_ratio:2"),
    ("cuda", tocha.float16): ("compact", "aspect_ratio:2"),
    ("cpu", tocha.bfloat16): ("accurate", "aspect_ratio"),
    ("cpu", tocha.float16): ("accurate", "aspect_ratio"),
}
_AUTO_FALLBACK = ("compact", "aspect_ratio:2")


def _aspect_ratio_factor(method: str) -> int | None:
    """The ``N`` of ``"aspect_ratio"`` (1) or ``"aspect_ratio:N"``; None when ``method`` is not one."""
    name, sep, factor = method.partition(":")
    if name != "aspect_ratio":
        return None
    if not sep:
        return 1
    if not factor.isdigit() or int(factor) < 1:
        return None
    return int(factor)


@dataclasses.dataclass(frozen=True, slots=True)
class LinearCrossEntropyOptions:
    """Configuration of the chunked path of :func:`tocha.nn.functional.linear_cross_entropy`.

    Passing an instance (instead of ``options=None``) selects the chunked implementation, which never forms
    the full ``(N, C)`` logits: useful when ``C`` is much larger than ``in_features`` (language-model heads).
    Unsupported configurations (K-dimensional weights, label smoothing, class-probability or non-int64
    targets) fall back to the reference path with a warning. See NOTE [ Chunked linear cross-entropy ].

    Attributes:
        allow_retain_graph: keep the precomputed gradients after backward ('mean'/'sum'), so that
            ``backward(retain_graph=True)`` may run again; otherwise a second backward raises.
        batch_chunk_size: rows per chunk (``None``: the whole batch, unless ``chunking_method`` sets it).
            An explicit size with ``chunking_method="auto"`` disables the heuristic; with an explicit
            heuristic the two must agree (``ValueError`` otherwise).
        chunking_method: ``"auto"``, ``"aspect_ratio"`` (each chunk's ``(rows, C)`` logits about the size of
            the ``(N, in_features)`` input: ``next_pow2(ceil(N / ceil(C / in_features)))`` rows),
            ``"aspect_ratio:K"`` (the same divided by ``K``), or ``None`` (use ``batch_chunk_size``).
        acc_policy: ``"auto"``, ``"accurate"``, ``"balanced"`` or ``"compact"``: where ``acc_dtype`` is used
            for accumulation (only matters when it differs from the input dtype).
        acc_dtype: accumulation dtype; ``None`` picks float32 for float16/bfloat16 inputs under
            ``acc_policy="auto"``, else the input dtype. Mixed precision needs float16/bfloat16 inputs with
            ``acc_dtype=tocha.float32``.

    Raises:
        ValueError: an unknown ``acc_policy`` or ``chunking_method``, a ``batch_chunk_size`` that is not a
            positive int, or an ``acc_dtype`` that is not a floating dtype.

    Example:
        >>> import tocha.nn as nn
        >>> nn.LinearCrossEntropyOptions(batch_chunk_size=256)
        LinearCrossEntropyOptions(allow_retain_graph=False, batch_chunk_size=256, chunking_method='auto',
                                  acc_policy='auto', acc_dtype=None)
    """

    allow_retain_graph: bool = False
    batch_chunk_size: int | None = None
    chunking_method: str | None = "auto"
    acc_policy: Literal["accurate", "balanced", "compact", "auto"] = "auto"
    acc_dtype: tocha.dtype | None = None

    def __post_init__(self) -> None:
        if self.acc_policy not in _POLICIES:
            raise ValueError(f"invalid acc_policy: {self.acc_policy!r}")
        method = self.chunking_method
        if method is not None and method != "auto" and _aspect_ratio_factor(method) is None:
            raise ValueError(f"invalid chunking_method: {method!r}")
        size = self.batch_chunk_size
        if size is not None and not (isinstance(size, int) and size > 0):
            raise ValueError(f"batch_chunk_size must be positive int or None, got {size!r}")
        if self.acc_dtype is not None and self.acc_dtype not in (*_HALF, tocha.float32, tocha.float64):
            raise ValueError(
                "acc_dtype must be one of {None, tocha.float16, tocha.bfloat16, tocha.float32, tocha.float64}, "
                f"got {self.acc_dtype!r}. Pass acc_dtype=None to let the op pick automatically."
            )

    def _resolve(
        self, num_batches: int, in_features: int, num_classes: int, dtype: tocha.dtype, kind: str
    ) -> _Resolved:
        """The chunk size, policy and accumulation dtype for one call (``"auto"`` and ``None`` resolved)."""
        method = self.chunking_method
        if method == "auto" and self.batch_chunk_size is not None:
            method = None  # an explicit size wins over the automatic heuristic
        policy: str = self.acc_policy
        if policy == "auto" or method == "auto":
            auto_policy, auto_method = _AUTO.get((kind, dtype), _AUTO_FALLBACK)
            policy = auto_policy if policy == "auto" else policy
            method = auto_method if method == "auto" else method
        size = num_batches if self.batch_chunk_size is None else min(self.batch_chunk_size, num_batches)
        if method is not None:
            factor = _aspect_ratio_factor(method) or 1
            per_row = -(-num_classes // max(in_features, 1))  # ceil(C / in_features)
            rows = -(-num_batches // max(per_row, 1))
            size = min((1 << max(rows - 1, 0).bit_length()) // factor, num_batches)
            if self.batch_chunk_size is not None and self.batch_chunk_size != size:
                raise ValueError(
                    f"batch_chunk_size (={self.batch_chunk_size}) and chunking_method ('{method}') give different "
                    f"chunk sizes ({self.batch_chunk_size} vs {size}); pass only one."
                )
        acc = self.acc_dtype
        if acc is None:
            auto_acc = self.acc_policy == "auto" and dtype in _HALF and kind in ("cpu", "cuda")
            acc = tocha.float32 if auto_acc else dtype
        return _Resolved(max(1, size), policy, acc)


LinearCrossEntropyOptions.__module__ = "tocha.nn"


# ------------------------------------------------------------------ the chunk loop (arrays)


def _chunk_loop(*args: Any) -> tuple[Any, Any, Any, Any]:
    """:func:`_chunk_loop_body` with NumPy's floating-point warnings off (PyTorch never warns)."""
    with np.errstate(all="ignore"):
        return _chunk_loop_body(*args)


def _chunk_loop_body(
    xp: Any,
    x: Any,
    w: Any,
    b: Any,
    safe: Any,
    row_weight: Any,
    coef: Any,
    chunk: int,
    acc: Any,
    needs: tuple[bool, bool, bool],
    want_loss: bool,
    compact: bool,
) -> tuple[Any, Any, Any, Any]:
    """One pass over the batch in chunks: per-row losses (weighted) and, where ``needs`` says, the gradients.

    ``coef`` (N,) scales each row's logit gradient (None when no gradient is needed); ``row_weight`` (N,) is
    the class weight of each row's target (None: all ones). Gradients come back in ``x``'s dtype, the bias
    gradient in ``acc``.
    """
    n, classes = x.shape[0], w.shape[0]
    need_x, need_w, need_b = needs
    wa = w.astype(acc, copy=False)
    wt = wa.T
    ba = None if b is None else b.astype(acc, copy=False)
    losses = xp.empty(n, dtype=acc) if want_loss else None
    gx = xp.empty(x.shape, dtype=x.dtype) if need_x else None
    gw_dtype = w.dtype if compact else acc
    gw = None
    if need_w:  # the first chunk's product is written straight into it when the dtypes allow
        gw = xp.empty(w.shape, dtype=gw_dtype) if n and gw_dtype == acc else xp.zeros(w.shape, dtype=gw_dtype)
    gb = xp.zeros(classes, dtype=acc) if need_b else None
    grads = need_x or need_w or need_b
    buf = xp.empty((min(chunk, n), classes), dtype=acc)  # the chunk's logits, then its logit gradient
    scratch = None  # (C, in_features) product of a chunk, added into gw
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        xk = x[start:stop].astype(acc, copy=False)
        rows = xp.arange(stop - start)
        t = safe[start:stop]
        z = buf[: stop - start]
        xp.matmul(xk, wt, out=z)
        if ba is not None:
            z += ba
        z -= z.max(axis=1, keepdims=True)
        picked = z[rows, t]
        xp.exp(z, out=z)
        sums = _sum_keepdim(xp, z, 1)[:, 0]
        if losses is not None:
            lk = xp.log(sums) - picked
            losses[start:stop] = lk if row_weight is None else lk * row_weight[start:stop]
        if not grads:
            continue
        ck = coef[start:stop].astype(acc, copy=False)
        z *= (ck / sums)[:, None]
        z[rows, t] -= ck
        if gx is not None:
            gx[start:stop] = z @ wa
        if gw is not None:
            if start == 0 and gw_dtype == acc:
                xp.matmul(z.T, xk, out=gw)
            else:
                if scratch is None:
                    scratch = xp.empty(w.shape, dtype=acc)
                xp.matmul(z.T, xk, out=scratch)
                gw += scratch
        if gb is not None:
            gb += z.sum(axis=0)
    if gw is not None and gw.dtype != w.dtype:
        gw = gw.astype(w.dtype)
    return losses, gx, gw, gb


def _xp(t: Tensor) -> Any:
    return get_backend(t.device.type).xp


def _row_weights(xp: Any, target: Any, weight: Any, ignore_index: int, classes: int, acc: Any) -> tuple[Any, Any]:
    """Safe targets (ignored ones replaced by 0, bounds checked) and each row's weight (None: all ones)."""
    wa = None if weight is None else weight.astype(acc, copy=False)
    return _nll_weights(xp, target, wa, ignore_index, classes, acc)  # type: ignore[no-any-return]


class _ChunkedLinearCrossEntropy(Function):
    """The chunked path for 'mean' and 'sum': gradients computed in forward, scaled in backward."""

    @staticmethod
    def forward(
        ctx: Any,
        x: Tensor,
        w: Tensor,
        b: Tensor | None,
        target: Tensor,
        weight: Tensor | None,
        reduction: str,
        ignore_index: int,
        config: _Resolved,
        allow_retain_graph: bool,
    ) -> Tensor:
        xp = _xp(x)
        acc = config.acc_dtype.numpy_dtype
        arr_x = tensor_array(x)
        safe, row_w = _row_weights(
            xp, tensor_array(target), None if weight is None else tensor_array(weight), ignore_index, w.shape[0], acc
        )
        n = arr_x.shape[0]
        with np.errstate(all="ignore"):  # 0/0 when every target is ignored: nan, silently (as PyTorch)
            if reduction == "mean":
                total = row_w.sum() if row_w is not None else acc.type(n)
                coef = (row_w if row_w is not None else xp.ones(n, dtype=acc)) / total
            else:
                total = None
                coef = row_w if row_w is not None else xp.ones(n, dtype=acc)
            needs = (ctx.needs_input_grad[0], ctx.needs_input_grad[1], ctx.needs_input_grad[2])
            losses, gx, gw, gb = _chunk_loop(
                xp,
                arr_x,
                tensor_array(w),
                None if b is None else tensor_array(b),
                safe,
                row_w,
                coef if any(needs) else None,
                config.batch_chunk_size,
                acc,
                needs,
                True,
                config.acc_policy == "compact",
            )
            loss = losses.sum()
            if total is not None:
                loss = loss / total
        dev = x.device
        if gb is not None and b is not None:
            gb = gb.astype(b.dtype.numpy_dtype, copy=False)
        ctx.grads = [None if g is None else wrap_array(g, dev) for g in (gx, gw, gb)]
        ctx.allow_retain_graph = allow_retain_graph
        return wrap_array(xp.asarray(loss, dtype=x.dtype.numpy_dtype), dev)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Any, ...]:
        _no_higher_order()
        grads = ctx.grads
        if grads is None:
            raise RuntimeError(
                "linear_cross_entropy chunked backward called twice; retain_graph=True / double backward are not "
                "supported (construct LinearCrossEntropyOptions(allow_retain_graph=True) to allow it)."
            )
        if ctx.allow_retain_graph:
            out = [None if g is None else g * grad for g in grads]
        else:
            ctx.grads = None
            out = [None if g is None else g.mul_(grad) for g in grads]
        return (out[0], out[1], out[2], None, None, None, None, None, None)


class _ChunkedLinearCrossEntropyNoReduction(Function):
    """The chunked path for 'none': forward computes the losses; backward reruns the loop with ``grad``."""

    @staticmethod
    def forward(
        ctx: Any,
        x: Tensor,
        w: Tensor,
        b: Tensor | None,
        target: Tensor,
        weight: Tensor | None,
        ignore_index: int,
        config: _Resolved,
    ) -> Tensor:
        xp = _xp(x)
        acc = config.acc_dtype.numpy_dtype
        safe, row_w = _row_weights(
            xp,
            tensor_array(target),
            None if weight is None else tensor_array(weight),
            ignore_index,
            w.shape[0],
            acc,
        )
        arr_b = None if b is None else tensor_array(b)
        losses, _, _, _ = _chunk_loop(
            xp, tensor_array(x), tensor_array(w), arr_b, safe, row_w, None, config.batch_chunk_size, acc,
            (False, False, False), True, False,
        )  # fmt: skip
        ctx.save_for_backward(x, w, b, target, weight)
        ctx.config = config
        ctx.ignore_index = ignore_index
        return wrap_array(losses.astype(x.dtype.numpy_dtype, copy=False), x.device)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Any, ...]:
        _no_higher_order()
        x, w, b, target, weight = ctx.saved_tensors
        config: _Resolved = ctx.config
        xp = _xp(x)
        acc = config.acc_dtype.numpy_dtype
        safe, row_w = _row_weights(
            xp,
            tensor_array(target),
            None if weight is None else tensor_array(weight),
            ctx.ignore_index,
            w.shape[0],
            acc,
        )
        g = tensor_array(grad).astype(acc, copy=False)
        coef = g if row_w is None else g * row_w
        needs = (ctx.needs_input_grad[0], ctx.needs_input_grad[1], ctx.needs_input_grad[2])
        arr_b = None if b is None else tensor_array(b)
        _, gx, gw, gb = _chunk_loop(
            xp, tensor_array(x), tensor_array(w), arr_b, safe, row_w, coef, config.batch_chunk_size, acc, needs,
            False, config.acc_policy == "compact",
        )  # fmt: skip
        dev = x.device
        out_x = None if gx is None else wrap_array(gx, dev)
        out_w = None if gw is None else wrap_array(gw, dev)
        out_b = None if gb is None or b is None else wrap_array(gb.astype(b.dtype.numpy_dtype, copy=False), dev)
        return (out_x, out_w, out_b, None, None, None, None)


def _no_higher_order() -> None:
    if tocha.is_grad_enabled():
        raise RuntimeError(
            "linear_cross_entropy: the chunked path (options is not None) does not support higher-order "
            "gradients (backward with create_graph=True); use options=None for double backward."
        )


# ------------------------------------------------------------------ the public function


def _check_chunked(input: Tensor, w: Tensor, b: Tensor | None, target: Tensor, weight: Tensor | None) -> None:
    """The errors the reference composition would raise, checked up front for the chunked path."""
    dev = input.device
    for t in (w, b, target, weight):
        if t is not None and t.device != dev:
            raise RuntimeError(
                f"Expected all tensors to be on the same device, but found at least two devices, {dev} and {t.device}!"
            )
    if not input.is_floating_point():
        raise RuntimeError(f"linear_cross_entropy: expected a floating point input, got {_type_name(input.dtype)}")
    if w.dtype != input.dtype:
        raise RuntimeError(
            "linear(): expected m1 and m2 to have the same dtype, but got: "
            f"{_tensor_type_name(input)} != {_tensor_type_name(w)}"
        )
    if b is not None and b.dtype != input.dtype:
        raise RuntimeError(
            "linear(): self and mat2 must have the same dtype, but got "
            f"{_tensor_type_name(b)} and {_tensor_type_name(input)}"
        )
    if target.dim() > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input.dim() == 2 and (target.dim() != 1 or target.shape[0] != input.shape[0]):
        got = target.shape[0] if target.dim() == 1 else 1
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size ({got}).")
    if input.dim() == 1 and target.dim() != 0:
        raise RuntimeError(
            f"Expected input batch_size (1) to match target batch_size ({target.shape[0]})."
            if target.shape[0] != 1
            else "0D or 1D target tensor expected, multi-target not supported"
        )
    classes = w.shape[0]
    if weight is not None and (weight.dim() != 1 or weight.shape[0] != classes):
        raise RuntimeError(
            f"weight tensor should be defined either for all {classes} classes or no classes but got weight "
            f"tensor of shape: {list(weight.shape)}"
        )


def linear_cross_entropy(
    input: Tensor,
    linear_weight: Tensor,
    target: Tensor,
    *,
    linear_bias: Tensor | None = None,
    weight: Tensor | None = None,
    reduction: str = "mean",
    ignore_index: int | None = None,
    label_smoothing: float = 0.0,
    options: LinearCrossEntropyOptions | None = None,
) -> Tensor:
    """Cross entropy of the linearly transformed ``input`` against ``target``.

    ``cross_entropy(linear(input, linear_weight, linear_bias), target, ...)``, with ``linear_weight`` of shape
    ``(C, in_features)`` or ``(C, d_1, ..., d_K, in_features)`` for a K-dimensional loss (logits
    ``(N, C, d_1, ..., d_K)``). ``target`` holds class indices (``()``, ``(N,)`` or ``(N, d_1, ..., d_K)``,
    int64) or class probabilities (the logits' shape, floating). ``ignore_index=None`` means -100 for class
    indices; it may not be given with class probabilities. With ``options`` (a
    :class:`~tocha.nn.LinearCrossEntropyOptions`) the loss and its gradients are computed chunk by chunk
    without forming the ``(N, C)`` logits (NOTE [ Chunked linear cross-entropy ]); K-dimensional weights,
    label smoothing and non-int64 targets fall back to the reference path with a warning. The chunked path
    supports first-order gradients only.

    Args:
        input: ``(in_features,)`` or ``(N, in_features)``.
        linear_weight: ``(C, in_features)`` or ``(C, d_1, ..., d_K, in_features)`` (then ``input`` is batched).
        target: class indices or class probabilities.
        linear_bias: ``(C,)`` or ``(C, d_1, ..., d_K)``; optional.
        weight: ``(C,)`` class weights; optional.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``.
        ignore_index: target value that contributes nothing (class indices only); ``None``: -100.
        label_smoothing: in ``[0, 1]``.
        options: ``None`` for the reference path, or the chunked path's configuration.

    Returns:
        The loss: a scalar, or per sample for ``reduction='none'``.

    Raises:
        RuntimeError: ``input`` is not 1-D or 2-D, ``linear_weight`` has fewer than 2 dims, the feature sizes
            or the bias shape do not match, a K-dimensional weight with unbatched input, ``ignore_index`` with
            class probabilities; and whatever ``cross_entropy`` raises.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> import tocha.nn.functional as F
        >>> x = tocha.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
        >>> w = tocha.tensor([[2.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
        >>> t = tocha.tensor([0, 1, 2])
        >>> F.linear_cross_entropy(x, w, t)
        tensor(0.6379)
        >>> F.linear_cross_entropy(x, w, t, options=nn.LinearCrossEntropyOptions(batch_chunk_size=2))
        tensor(0.6379)
    """
    xd = input.dim()
    if xd < 1 or xd > 2:
        raise RuntimeError(f"expected input with dimensionality 1 or 2, got {xd}")
    if linear_weight.dim() < 2:
        raise RuntimeError(f"expected linear_weight with dimensionality at least 2, got {linear_weight.dim()}")
    in_features = input.shape[-1]
    if in_features != linear_weight.shape[-1]:
        raise RuntimeError(
            "expected equal input and linear_weight last dimensions (in_features), "
            f"got {in_features} and {linear_weight.shape[-1]}, respectively"
        )
    num_classes = linear_weight.shape[0]
    out_features = tuple(linear_weight.shape[1:-1])
    class_shape = (num_classes, *out_features)
    if linear_bias is not None and tuple(linear_bias.shape) != class_shape:
        raise RuntimeError(f"expected linear_bias shape {class_shape}, got {tuple(linear_bias.shape)}")
    if out_features and xd == 1:
        raise RuntimeError(
            f"K-dimensional loss defined by linear_weight shape {tuple(linear_weight.shape)} requires batched "
            f"input, (N, {in_features}), got unbatched input with shape {tuple(input.shape)}"
        )
    logits_shape = (*input.shape[:-1], *class_shape)
    if tuple(target.shape) == logits_shape and ignore_index is not None:
        raise RuntimeError("ignore_index cannot be specified when target contains probabilities")
    index = -100 if ignore_index is None else ignore_index
    if options is not None:
        chunkable = (
            not out_features
            and reduction in ("mean", "sum", "none")
            and label_smoothing == 0.0
            and target.dtype == tocha.int64
        )
        if chunkable:
            return _chunked(input, linear_weight, target, linear_bias, weight, reduction, index, options)
        bias_shape = None if linear_bias is None else tuple(linear_bias.shape)
        warnings.warn(
            "linear_cross_entropy: ``options`` ignored; chunked path needs reduction in {'mean','sum','none'}, "
            "label_smoothing == 0, target.dtype == int64, out_features == (). Got "
            f"reduction={reduction!r}, label_smoothing={label_smoothing}, target.dtype={target.dtype}, "
            f"out_features={out_features}, linear_bias.shape={bias_shape}.",
            stacklevel=2,
        )
    w2, b2 = linear_weight, linear_bias
    if out_features:
        flat = math.prod(out_features, start=num_classes)
        w2 = linear_weight.reshape(flat, in_features)
        b2 = None if linear_bias is None else linear_bias.reshape(flat)
    logits = linear(input, w2, b2)
    if out_features:
        logits = logits.reshape(logits_shape)
    return cross_entropy(
        logits, target, weight=weight, reduction=reduction, ignore_index=index, label_smoothing=label_smoothing
    )


def _chunked(
    input: Tensor,
    w: Tensor,
    target: Tensor,
    b: Tensor | None,
    weight: Tensor | None,
    reduction: str,
    ignore_index: int,
    options: LinearCrossEntropyOptions,
) -> Tensor:
    _check_chunked(input, w, b, target, weight)
    batched = input.dim() == 2
    if not batched:
        input = input.unsqueeze(0)
        target = target.reshape(1)
    config = options._resolve(input.shape[0], input.shape[1], w.shape[0], input.dtype, input.device.type)
    acc, dtype = config.acc_dtype, input.dtype
    if acc != dtype and not (dtype in _HALF and acc == tocha.float32):
        raise RuntimeError(
            "linear_cross_entropy supports float32 acc_dtype with float16/bfloat16 inputs, but got "
            f"{acc} acc_dtype and {dtype} inputs."
        )
    if reduction == "none":
        result = _ChunkedLinearCrossEntropyNoReduction.apply(input, w, b, target, weight, ignore_index, config)
    else:
        result = _ChunkedLinearCrossEntropy.apply(
            input, w, b, target, weight, reduction, ignore_index, config, options.allow_retain_graph
        )
    out: Tensor = result if batched else result.squeeze(0)
    return out
