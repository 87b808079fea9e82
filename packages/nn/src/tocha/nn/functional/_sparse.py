"""tocha.nn.functional: embedding, embedding_bag, one_hot.

NOTE [ Embedding ops ]
``embedding(weight, indices; padding_idx, scale_grad_by_freq)`` is an op record whose forward takes rows of
the weight (``xp.take`` along dim 0). Its vjp is the op ``embedding_backward(grad, indices; num_weights,
padding_idx, scale_grad_by_freq)``: the rows of ``grad`` summed into a ``(num_weights, dim)`` array by
index (``add.at``), divided first by each index's count in the batch with ``scale_grad_by_freq``, with the
``padding_idx`` row zeroed. ``embedding_backward`` is linear in ``grad``; its vjp takes the rows of the
incoming gradient again (the same scaling and padding applied), so double backward works.

``max_norm`` renormalises, in place and under ``no_grad``, the weight rows the input refers to whose
``norm_type`` norm exceeds ``max_norm`` (as PyTorch's ``embedding_renorm_``) before the lookup.

``embedding_bag`` is a composite: the looked-up rows (times ``per_sample_weights``) laid out as a padded
``(bags, longest bag, dim)`` tensor with a mask of the real entries (``padding_idx`` entries are not part of
any bag), then summed, averaged or maximised per bag; an empty bag gives zeros.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import tocha
from tocha import Tensor
from tocha.library import OpRecord, call, register_op, scalar_type_name, tensor_array

__all__ = ["embedding", "embedding_bag", "one_hot"]

_INDEX_DTYPES = (tocha.int64, tocha.int32)


def _add_at(xp: Any, target: Any, index: Any, values: Any) -> None:
    """``target[index] += values`` with repeated indices adding up."""
    at = getattr(xp.add, "at", None)
    if at is not None:
        at(target, index, values)
        return
    import cupyx  # type: ignore[import-not-found]  # pragma: no cover - old CuPy

    cupyx.scatter_add(target, index, values)  # pragma: no cover


def _row_factors(xp: Any, flat: Any, num_weights: int, padding_idx: int | None, scale: bool, dtype: Any) -> Any:
    """Per-index factor of the gradient rows (``1/count`` with ``scale``, 0 at ``padding_idx``), or None."""
    if not scale and padding_idx is None:
        return None
    factor = xp.ones(flat.shape[0], dtype=dtype)
    if scale:
        counts = xp.bincount(flat, minlength=num_weights)
        factor /= counts[flat].astype(dtype)
    if padding_idx is not None:
        xp.copyto(factor, 0, where=flat == padding_idx)  # a mask assignment would read the count back on CuPy
    return factor[:, None]


def _embedding_forward(xp: Any, weight: Any, indices: Any, padding_idx: int | None, scale: bool) -> Any:
    return xp.take(weight, indices, axis=0)


def _embedding_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, None]:
    indices = ctx.inputs[1]
    padding_idx, scale = ctx.params
    num_weights = ctx.input_shapes[0][0]
    result = call(EMBEDDING_BACKWARD, grad.device, (grad, indices), (num_weights, padding_idx, scale))
    return (result, None)


def _embedding_backward_forward(
    xp: Any, grad: Any, indices: Any, num_weights: int, padding_idx: int | None, scale: bool
) -> Any:
    dim = grad.shape[-1]
    flat = indices.reshape(-1)
    rows = grad.reshape(-1, dim)
    factor = _row_factors(xp, flat, num_weights, padding_idx, scale, grad.dtype)
    if factor is not None:
        rows = rows * factor
    result = xp.zeros((num_weights, dim), dtype=grad.dtype)
    if flat.shape[0]:
        _add_at(xp, result, flat, rows)
    return result


def _embedding_backward_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, None]:
    indices = ctx.inputs[1]
    num_weights, padding_idx, scale = ctx.params
    rows = call(EMBEDDING, grad.device, (grad, indices), (None, False))
    if scale or padding_idx is not None:
        xp_flat = tensor_array(indices).reshape(-1)
        xp = np if isinstance(xp_flat, np.ndarray) else _module_of(xp_flat)
        factor = _row_factors(xp, xp_flat, num_weights, padding_idx, scale, tensor_array(grad).dtype)
        shape = (*indices.shape, 1)
        rows = rows * tocha.library.wrap_array(factor.reshape(shape), grad.device)
    return (rows, None)


def _module_of(array: Any) -> Any:  # pragma: no cover - CUDA only
    import cupy  # type: ignore[import-not-found]

    return cupy.get_array_module(array)


EMBEDDING = register_op(
    OpRecord(
        name="embedding",
        forward=_embedding_forward,
        vjp=_embedding_vjp,
        saves_inputs=(1,),
        differentiable_inputs=(0,),
    )
)
EMBEDDING_BACKWARD = register_op(
    OpRecord(
        name="embedding_backward",
        forward=_embedding_backward_forward,
        vjp=_embedding_backward_vjp,
        saves_inputs=(1,),
        differentiable_inputs=(0,),
    )
)


def _check_indices(input: Tensor, what: str) -> None:
    if input.dtype not in _INDEX_DTYPES:
        raise RuntimeError(
            f"Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; "
            f"but got {_type_name(input.dtype)}Tensor instead (while checking arguments for {what})"
        )


def _type_name(dtype: tocha.dtype) -> str:
    return "tocha." + scalar_type_name(dtype)


def _normalize_padding_idx(padding_idx: int | None, num_weights: int) -> int | None:
    if padding_idx is None:
        return None
    if padding_idx > 0:
        if padding_idx >= num_weights:
            raise AssertionError("Padding_idx must be within num_embeddings")
    elif padding_idx < 0:
        if padding_idx < -num_weights:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx = num_weights + padding_idx
    return padding_idx


def _check_range(input: Tensor, num_weights: int) -> None:
    array = tocha.library.values_to_check(input)
    if array.size and input.device.type != "cpu":
        xp = tocha.library.get_backend(input.device.type).xp
        tocha.library.device_check(
            xp, ((array < 0) | (array >= num_weights)).any(), IndexError,
            f"index out of range in self: indices must lie in [0, {num_weights}) for a weight of {num_weights} rows",
        )  # fmt: skip
    elif array.size and (int(array.min()) < 0 or int(array.max()) >= num_weights):
        raise IndexError(f"index out of range in self: indices must lie in [0, {num_weights}) for a weight of "
                         f"{num_weights} rows")  # fmt: skip


def _renorm(weight: Tensor, input: Tensor, max_norm: float, norm_type: float) -> None:
    """PyTorch's ``embedding_renorm_``: scale the referenced rows whose norm exceeds ``max_norm``, in place."""
    with tocha.no_grad():
        array = tensor_array(input).reshape(-1)
        xp = np if isinstance(array, np.ndarray) else _module_of(array)
        if xp is np:
            rows = tocha.library.wrap_array(xp.unique(array), input.device)
        else:  # no unique (its size is data, a host read): a repeated row is scaled to the same value twice
            rows = tocha.library.wrap_array(array, input.device)
        if rows.numel() == 0:
            return
        selected = weight.index_select(0, rows) if xp is np else weight[rows]  # range checked by _check_range
        norms = selected.norm(p=norm_type, dim=1, keepdim=True)
        scale = tocha.where(norms > max_norm, max_norm / (norms + 1e-7), tocha.ones_like(norms))
        weight.index_put_((rows,), selected * scale)


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Look up rows of ``weight`` by the integer indices in ``input``.

    Args:
        input: integer tensor (int64 or int32) of indices into ``weight``'s rows.
        weight: ``(num_embeddings, embedding_dim)`` matrix.
        padding_idx: the row whose gradient is always zero.
        max_norm: rows referenced by ``input`` whose norm exceeds it are renormalised in place first.
        norm_type: the p of the norm for ``max_norm``.
        scale_grad_by_freq: divide each row's gradient by the index's count in ``input``.
        sparse: sparse gradients (not supported: must be False).

    Returns:
        ``input.shape + (embedding_dim,)`` tensor.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.embedding(tocha.tensor([2, 0]), tocha.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
        tensor([[5., 6.],
                [1., 2.]])
    """
    if sparse:
        raise NotImplementedError("embedding(): sparse=True (sparse gradients) is not supported by tocha")
    _check_indices(input, "embedding")
    if weight.dim() != 2:
        raise RuntimeError(f"embedding(): 'weight' must be 2-D, got a weight of shape {list(weight.shape)}")
    num_weights = weight.shape[0]
    padding_idx = _normalize_padding_idx(padding_idx, num_weights)
    _check_range(input, num_weights)
    if max_norm is not None:
        _renorm(weight, input, float(max_norm), float(norm_type))
    return call(EMBEDDING, weight.device, (weight, input), (padding_idx, bool(scale_grad_by_freq)))  # type: ignore[no-any-return]


def embedding_bag(
    input: Tensor,
    weight: Tensor,
    offsets: Tensor | None = None,
    max_norm: float | None = None,
    norm_type: float = 2,
    scale_grad_by_freq: bool = False,
    mode: str = "mean",
    sparse: bool = False,
    per_sample_weights: Tensor | None = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> Tensor:
    """Sums, means or maxima of bags of embeddings, without materialising the per-index rows.

    ``input`` is either 2-D ``(B, L)`` (B bags of L indices; ``offsets`` must be None) or 1-D with
    ``offsets`` giving each bag's start (``include_last_offset``: the last offset ends the last bag).

    Args:
        input: integer indices.
        weight: ``(num_embeddings, embedding_dim)`` matrix.
        offsets: 1-D start positions of the bags in a 1-D ``input``.
        max_norm: renormalise referenced rows whose norm exceeds it (in place).
        norm_type: the p of the norm for ``max_norm``.
        scale_grad_by_freq: divide each row's gradient by the index's count in ``input``.
        mode: ``"sum"``, ``"mean"`` or ``"max"``.
        sparse: sparse gradients (not supported: must be False).
        per_sample_weights: weights of the entries (``mode="sum"`` only), shaped like ``input``.
        include_last_offset: ``offsets`` has one more entry, the end of the last bag.
        padding_idx: entries equal to it belong to no bag.

    Returns:
        ``(B, embedding_dim)`` tensor.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> w = tocha.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
        >>> F.embedding_bag(tocha.tensor([0, 2, 1]), w, tocha.tensor([0, 2]), mode="sum")
        tensor([[6., 8.],
                [3., 4.]])
    """
    if sparse:
        raise NotImplementedError("embedding_bag(): sparse=True (sparse gradients) is not supported by tocha")
    if weight.dim() != 2:
        raise RuntimeError(f"embedding_bag(): 'weight' must be 2-D, got a weight of shape {list(weight.shape)}")
    if per_sample_weights is not None and tuple(input.shape) != tuple(per_sample_weights.shape):
        raise ValueError(
            f"embedding_bag: If per_sample_weights ({_size(per_sample_weights.shape)}) is not None, then it must "
            f"have the same shape as the input ({_size(input.shape)})"
        )
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError(
                "if input is 2D, then offsets has to be None, as input is treated is a mini-batch of fixed length "
                f"sequences. However, found offsets of type {type(offsets).__name__}"
            )
        bags, length = input.shape
        flat_input = input.reshape(-1)
        starts = np.arange(0, bags * length, length, dtype=np.int64) if length else np.zeros(bags, dtype=np.int64)
        ends = starts + length
        psw = per_sample_weights.reshape(-1) if per_sample_weights is not None else None
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        flat_input = input
        offs = np.asarray(tensor_array(offsets.cpu()), dtype=np.int64)
        total = input.shape[0]
        if offs.size and offs[0] != 0:
            raise RuntimeError(
                "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from position 0. "
                f"However, got {int(offs[0])}"
            )
        if offs.size and offs[-1] > total:
            raise RuntimeError(
                f"offsets[-1] can not be greater than input's length ({total}), but got offsets[-1] of {int(offs[-1])}"
            )
        if include_last_offset:
            if offs.size < 1:
                raise RuntimeError("include_last_offset: number of offsets should be at least 1")
            starts, ends = offs[:-1], offs[1:]
        else:
            starts, ends = offs, np.append(offs[1:], total)
        psw = per_sample_weights
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if scale_grad_by_freq and mode == "max":
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for mode='sum' "
            f"(got mode='{mode}'). Please open a feature request on GitHub."
        )
    _check_indices(input, "embedding_bag")
    num_weights = weight.shape[0]
    padding_idx = _normalize_padding_idx(padding_idx, num_weights)
    if max_norm is not None:
        _check_range(flat_input, num_weights)
        _renorm(weight, flat_input, float(max_norm), float(norm_type))
    return _bags(flat_input, weight, starts, ends, mode, psw, padding_idx, scale_grad_by_freq)


def _bags(
    flat_input: Tensor,
    weight: Tensor,
    starts: Any,
    ends: Any,
    mode: str,
    psw: Tensor | None,
    padding_idx: int | None,
    scale_grad_by_freq: bool,
) -> Tensor:
    """The per-bag reduction of ``embedding(flat_input, weight)`` over ``[starts[b], ends[b])``."""
    bags = len(starts)
    dim = weight.shape[1]
    device = weight.device
    lengths = np.maximum(np.asarray(ends, dtype=np.int64) - np.asarray(starts, dtype=np.int64), 0)
    longest = int(lengths.max()) if bags else 0
    if longest == 0 or flat_input.numel() == 0:
        return tocha.zeros(bags, dim, dtype=weight.dtype, device=device) + weight.sum() * 0
    steps = np.arange(longest)[None, :]
    host_valid = steps < lengths[:, None]
    positions = tocha.from_numpy(np.where(host_valid, np.asarray(starts, dtype=np.int64)[:, None] + steps, 0))
    positions = positions.to(device)
    valid = tocha.from_numpy(host_valid).to(device)
    if padding_idx is not None:  # on the input's device: no host read of the indices
        valid = valid & (flat_input[positions] != padding_idx)
    rows: Tensor = call(EMBEDDING, device, (weight, flat_input), (padding_idx, bool(scale_grad_by_freq)))
    if psw is not None:
        rows = rows * psw.unsqueeze(-1)
    padded = rows[positions]
    if mode == "max":
        best = padded.masked_fill(~valid.unsqueeze(2), float("-inf")).amax(dim=1)
        return best.masked_fill(~valid.any(1).unsqueeze(1), 0.0)
    summed = (padded * valid.unsqueeze(2).to(weight.dtype)).sum(dim=1)
    if mode == "sum":
        return summed
    counts = valid.sum(1).clamp_min(1).to(weight.dtype)
    return summed / counts.unsqueeze(1)


def _size(shape: Any) -> str:
    return "tocha.Size([" + ", ".join(str(s) for s in shape) + "])"


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """One-hot encoding: an int64 tensor of shape ``tensor.shape + (num_classes,)``.

    Args:
        tensor: int64 class indices.
        num_classes: number of classes; -1 takes ``tensor.max() + 1``.

    Returns:
        Int64 tensor with a 1 at each index's class and 0 elsewhere.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> F.one_hot(tocha.tensor([0, 2]))
        tensor([[1, 0, 0],
                [0, 0, 1]])
    """
    if tensor.dtype != tocha.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        array = tensor_array(tensor)  # the classes are read from the values (one vmap entry's, never a batch's)
        if array.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(array.max()) + 1
    else:
        array = tocha.library.values_to_check(tensor)
    if array.size and tensor.device.type != "cpu":  # checked on the device, read at the next host read
        xp = tocha.library.get_backend(tensor.device.type).xp
        tocha.library.device_check(xp, (array < 0).any(), RuntimeError, "Class values must be non-negative.")
        tocha.library.device_check(
            xp, (array >= num_classes).any(), RuntimeError, "Class values must be smaller than num_classes."
        )
    elif array.size:
        if int(array.min()) < 0:
            raise RuntimeError("Class values must be non-negative.")
        if int(array.max()) >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    elif num_classes < 0:
        raise RuntimeError("Class values must be smaller than num_classes.")
    classes = tocha.arange(num_classes, device=tensor.device)
    hot: Tensor = tensor.unsqueeze(-1) == classes
    return hot.long()
