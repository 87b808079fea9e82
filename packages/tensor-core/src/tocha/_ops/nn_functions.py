"""The neural-network functions PyTorch has on ``torch`` itself: ``tocha.conv2d``, ``tocha.dropout``...

NOTE [ nn functions on tocha ]
PyTorch exposes many ``nn`` functions at the top level with their ATen signatures, which differ from
``torch.nn.functional``'s: ``dropout(input, p, train)`` with ``p`` and ``train`` required, losses taking an int
``reduction`` (0 ``'none'``, 1 ``'mean'``, 2 ``'sum'``; any other value gives the unreduced loss; left out, it is
0: PyTorch's top-level losses return the unreduced loss by default, unlike ``torch.nn.functional``'s), norms taking
their running statistics after ``weight`` and ``bias`` and a ``cudnn_enabled`` flag (accepted and ignored),
``embedding(weight, indices, padding_idx=-1)`` with the weight first and a negative ``padding_idx`` meaning
none. These functions take those signatures and hand over to ``tocha.nn.functional``, which tocha-nn ships:
tensor-core must stay installable alone (ARCHITECTURE.md §2), so tocha-nn is imported on first use, through
its public module only, inside an ``ImportError`` guard; without it a call raises ``RuntimeError`` naming the
package. The module is kept in a list after the first import, so each call costs one lookup.

What ``tocha.nn.functional`` lacks is written here with tocha ops: channel-wise ``feature_dropout`` for any
rank, ``conv_tbc`` (``conv1d`` between permutes), ``rrelu`` with a ``generator``, and the ATen-level checks
(dropout's ``p`` is a ``RuntimeError``, ``p == 1`` zeroes inputs of any rank and dtype).

``embedding_bag`` returns, as its ATen form does, the auxiliary tensors of PyTorch's CPU kernel along with the
result: ``offset2bag`` (each index's bag; empty for ``mode=0`` without ``padding_idx`` on a float32, float16 or
bfloat16 weight, PyTorch's fast path),
``bag_size`` (the bag's count of non-padding indices; zeros, one per offset, for ``mode=0``) and
``max_indices`` (``mode=2``: the weight row each maximum came from, 0 for empty bags; ``mode=1``: the bag sizes;
``mode=0``: zeros like ``bag_size``).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .._dtype import float64
from .._grad_mode import no_grad
from .._tensor_base import TensorBase
from ._common import type_name
from .creation import empty, zeros

if TYPE_CHECKING:
    from .._tensor import Tensor
    from .random import Generator

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_max_pool1d",
    "alpha_dropout",
    "alpha_dropout_",
    "avg_pool1d",
    "batch_norm",
    "bilinear",
    "binary_cross_entropy_with_logits",
    "celu",
    "celu_",
    "channel_shuffle",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_tbc",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "cosine_embedding_loss",
    "cosine_similarity",
    "ctc_loss",
    "dropout",
    "dropout_",
    "embedding",
    "embedding_bag",
    "feature_alpha_dropout",
    "feature_alpha_dropout_",
    "feature_dropout",
    "feature_dropout_",
    "group_norm",
    "hardshrink",
    "hinge_embedding_loss",
    "instance_norm",
    "kl_div",
    "layer_norm",
    "margin_ranking_loss",
    "max_pool1d",
    "max_pool1d_with_indices",
    "max_pool2d",
    "max_pool3d",
    "native_channel_shuffle",
    "pairwise_distance",
    "pdist",
    "pixel_shuffle",
    "pixel_unshuffle",
    "poisson_nll_loss",
    "prelu",
    "rms_norm",
    "rrelu",
    "rrelu_",
    "selu",
    "selu_",
    "threshold",
    "threshold_",
    "triplet_margin_loss",
]

_Size = int | Sequence[int]

_nn_functional: list[Any] = []


def load_nn_functional() -> Any:
    """``tocha.nn.functional``, imported once (NOTE [ nn functions on tocha ]); RuntimeError without tocha-nn."""
    if _nn_functional:
        return _nn_functional[0]
    try:
        module = importlib.import_module("tocha.nn.functional")
    except ImportError:
        raise RuntimeError(
            "tocha's nn functions (tocha.conv2d, tocha.dropout, tocha.layer_norm, ...) need the tocha-nn "
            "package: pip install tocha-nn (or the full stack: pip install tocha)"
        ) from None
    _nn_functional.append(module)
    return module


def _reduction(op: str, reduction: int) -> str:
    if not isinstance(reduction, int) or isinstance(reduction, bool):
        raise TypeError(f"{op}(): argument 'reduction' must be int, not {type(reduction).__name__}")
    return "mean" if reduction == 1 else "sum" if reduction == 2 else "none"


def _shape_list(op: str, normalized_shape: Sequence[int]) -> list[int]:
    if isinstance(normalized_shape, int) or not isinstance(normalized_shape, Sequence):
        raise TypeError(
            f"{op}(): argument 'normalized_shape' (position 2) must be tuple of ints, "
            f"not {type(normalized_shape).__name__}"
        )
    return list(normalized_shape)


# ------------------------------------------------------------------ convolution


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: _Size = 1,
    padding: _Size | str = 0,
    dilation: _Size = 1,
    groups: int = 1,
) -> Tensor:
    """1-D convolution (cross-correlation) of ``(N, C_in, L)`` by ``(C_out, C_in / groups, K)``.

    ``padding`` may be ``'valid'`` (none) or ``'same'`` (output as long as the input, stride 1).

    Example:
        >>> import tocha
        >>> tocha.conv1d(tocha.ones(1, 1, 4), tocha.ones(1, 1, 2), padding=1)
        tensor([[[1., 2., 2., 2., 1.]]])
    """
    result: Tensor = load_nn_functional().conv1d(input, weight, bias, stride, padding, dilation, groups)
    return result


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: _Size = 1,
    padding: _Size | str = 0,
    dilation: _Size = 1,
    groups: int = 1,
) -> Tensor:
    """2-D convolution of ``(N, C_in, H, W)`` by ``(C_out, C_in / groups, kH, kW)``.

    Example:
        >>> import tocha
        >>> tocha.conv2d(tocha.ones(1, 1, 3, 3), tocha.ones(1, 1, 2, 2)).shape
        tocha.Size([1, 1, 2, 2])
    """
    result: Tensor = load_nn_functional().conv2d(input, weight, bias, stride, padding, dilation, groups)
    return result


def conv3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: _Size = 1,
    padding: _Size | str = 0,
    dilation: _Size = 1,
    groups: int = 1,
) -> Tensor:
    """3-D convolution of ``(N, C_in, D, H, W)`` by ``(C_out, C_in / groups, kD, kH, kW)``.

    Example:
        >>> import tocha
        >>> tocha.conv3d(tocha.ones(1, 1, 3, 3, 3), tocha.ones(2, 1, 2, 2, 2), padding="same").shape
        tocha.Size([1, 2, 3, 3, 3])
    """
    result: Tensor = load_nn_functional().conv3d(input, weight, bias, stride, padding, dilation, groups)
    return result


def conv_transpose1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: _Size = 1,
    padding: _Size = 0,
    output_padding: _Size = 0,
    groups: int = 1,
    dilation: _Size = 1,
) -> Tensor:
    """1-D transposed convolution of ``(N, C_in, L)`` by ``(C_in, C_out / groups, K)``.

    Example:
        >>> import tocha
        >>> tocha.conv_transpose1d(tocha.ones(1, 1, 3), tocha.ones(1, 1, 2))
        tensor([[[1., 2., 2., 1.]]])
    """
    f = load_nn_functional()
    result: Tensor = f.conv_transpose1d(input, weight, bias, stride, padding, output_padding, groups, dilation)
    return result


def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: _Size = 1,
    padding: _Size = 0,
    output_padding: _Size = 0,
    groups: int = 1,
    dilation: _Size = 1,
) -> Tensor:
    """2-D transposed convolution of ``(N, C_in, H, W)`` by ``(C_in, C_out / groups, kH, kW)``.

    Example:
        >>> import tocha
        >>> tocha.conv_transpose2d(tocha.ones(1, 1, 2, 2), tocha.ones(1, 3, 2, 2), stride=2).shape
        tocha.Size([1, 3, 4, 4])
    """
    f = load_nn_functional()
    result: Tensor = f.conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups, dilation)
    return result


def conv_transpose3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: _Size = 1,
    padding: _Size = 0,
    output_padding: _Size = 0,
    groups: int = 1,
    dilation: _Size = 1,
) -> Tensor:
    """3-D transposed convolution of ``(N, C_in, D, H, W)`` by ``(C_in, C_out / groups, kD, kH, kW)``.

    Example:
        >>> import tocha
        >>> tocha.conv_transpose3d(tocha.ones(1, 2, 2, 2, 2), tocha.ones(2, 1, 3, 3, 3)).shape
        tocha.Size([1, 1, 4, 4, 4])
    """
    f = load_nn_functional()
    result: Tensor = f.conv_transpose3d(input, weight, bias, stride, padding, output_padding, groups, dilation)
    return result


def conv_tbc(input: Tensor, weight: Tensor, bias: Tensor, pad: int = 0) -> Tensor:
    r"""1-D convolution in time-batch-channel layout.

    ``input`` is ``(T, B, C_in)``, ``weight`` ``(K, C_in, C_out)``, ``bias`` ``(C_out,)``; the result is
    ``(T + 2 pad - K + 1, B, C_out)``:
    :math:`y_{t,b,o} = \text{bias}_o + \sum_{k,i} x_{t + k - \text{pad},b,i}\, w_{k,i,o}`
    (``x`` is zero outside ``[0, T)``; a negative ``pad`` crops the input).

    Example:
        >>> import tocha
        >>> tocha.conv_tbc(tocha.ones(5, 2, 3), tocha.ones(2, 3, 4), tocha.zeros(4), 1).shape
        tocha.Size([6, 2, 4])
    """
    for position, (name, value) in enumerate((("self", input), ("weight", weight), ("bias", bias)), 1):
        if not isinstance(value, TensorBase):
            raise TypeError(
                f"conv_tbc(): argument '{name}' (position {position}) must be Tensor, not {type(value).__name__}"
            )
    if input.dim() != 3:
        raise RuntimeError("Input must have 3 dims: time, batch, in_channel")
    if weight.dim() != 3:
        raise RuntimeError("Weight tensor must have 3 dims: kernel_width, in_channels, out_channels.")
    if bias.dim() != 1:
        raise RuntimeError("Bias must be 1-D")
    if input.shape[2] != weight.shape[1]:
        raise RuntimeError("Input dim 2 (input channels) is not == dim 1 in the weight tensor")
    if weight.shape[2] != bias.shape[0]:
        raise RuntimeError("Bias size must equal dim 2 in the weight tensor (output channels).")
    length = input.shape[0] + 2 * pad - weight.shape[0] + 1
    if length < 0:
        raise RuntimeError(
            f"Trying to create tensor with negative dimension {length}: [{length}, {input.shape[1]}, {weight.shape[2]}]"
        )
    if pad < 0:
        input, pad = input[-pad : input.shape[0] + pad], 0
    result: Tensor = load_nn_functional().conv1d(input.permute(1, 2, 0), weight.permute(2, 1, 0), bias, padding=pad)
    return result.permute(2, 0, 1).contiguous()


# ------------------------------------------------------------------ pooling


def avg_pool1d(
    input: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """Mean over windows of ``kernel_size`` along the last dim of ``(N, C, L)`` or ``(C, L)``.

    ``stride`` defaults to ``kernel_size``.

    Example:
        >>> import tocha
        >>> tocha.avg_pool1d(tocha.tensor([[1.0, 3.0, 5.0, 7.0]]), 2)
        tensor([[2., 6.]])
    """
    f = load_nn_functional()
    result: Tensor = f.avg_pool1d(input, kernel_size, stride, padding, ceil_mode, count_include_pad)
    return result


def max_pool1d(
    input: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    dilation: _Size = 1,
    ceil_mode: bool = False,
) -> Tensor:
    """Maximum over windows of ``kernel_size`` along the last dim of ``(N, C, L)`` or ``(C, L)``.

    Example:
        >>> import tocha
        >>> tocha.max_pool1d(tocha.tensor([[1.0, 3.0, 5.0, 2.0]]), 2)
        tensor([[3., 5.]])
    """
    result: Tensor = load_nn_functional().max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode)
    return result


def max_pool1d_with_indices(
    input: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    dilation: _Size = 1,
    ceil_mode: bool = False,
) -> tuple[Tensor, Tensor]:
    """:func:`max_pool1d` and the positions of the maxima along the last dim, as ``(values, indices)``.

    Example:
        >>> import tocha
        >>> tocha.max_pool1d_with_indices(tocha.tensor([[1.0, 3.0, 5.0, 2.0]]), 2)
        (tensor([[3., 5.]]), tensor([[1, 2]]))
    """
    f = load_nn_functional()
    values, indices = f.max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)
    return values, indices


def max_pool2d(
    input: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    dilation: _Size = 1,
    ceil_mode: bool = False,
) -> Tensor:
    """Maximum over ``kernel_size`` windows of the last two dims of ``(N, C, H, W)`` or ``(C, H, W)``.

    Example:
        >>> import tocha
        >>> tocha.max_pool2d(tocha.arange(16.0).reshape(1, 4, 4), 2)
        tensor([[[ 5.,  7.],
                 [13., 15.]]])
    """
    result: Tensor = load_nn_functional().max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode)
    return result


def max_pool3d(
    input: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    dilation: _Size = 1,
    ceil_mode: bool = False,
) -> Tensor:
    """Maximum over ``kernel_size`` windows of the last three dims of ``(N, C, D, H, W)`` or ``(C, D, H, W)``.

    Example:
        >>> import tocha
        >>> tocha.max_pool3d(tocha.arange(8.0).reshape(1, 2, 2, 2), 2)
        tensor([[[[7.]]]])
    """
    result: Tensor = load_nn_functional().max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode)
    return result


def adaptive_avg_pool1d(input: Tensor, output_size: _Size) -> Tensor:
    """Mean pooling of the last dim of ``(N, C, L)`` or ``(C, L)`` to ``output_size`` values.

    Example:
        >>> import tocha
        >>> tocha.adaptive_avg_pool1d(tocha.tensor([[1.0, 3.0, 5.0, 7.0]]), 1)
        tensor([[4.]])
    """
    result: Tensor = load_nn_functional().adaptive_avg_pool1d(input, output_size)
    return result


def adaptive_max_pool1d(input: Tensor, output_size: _Size) -> tuple[Tensor, Tensor]:
    """Max pooling of the last dim to ``output_size`` values, as ``(values, indices)``.

    Example:
        >>> import tocha
        >>> tocha.adaptive_max_pool1d(tocha.tensor([[1.0, 3.0, 5.0, 2.0]]), 2)
        (tensor([[3., 5.]]), tensor([[1, 2]]))
    """
    values, indices = load_nn_functional().adaptive_max_pool1d(input, output_size, return_indices=True)
    return values, indices


# ------------------------------------------------------------------ dropout


def _dropout(input: Tensor, p: float, train: bool, *, inplace: bool, feature: bool, alpha: bool) -> Tensor:
    """ATen's dropout family: the checks and the trivial cases here, the noise from tocha.nn.functional
    (or :func:`_feature_dropout` for channel-wise plain dropout, which it lacks for every rank)."""
    if not 0 <= p <= 1:  # NaN too
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
    if p == 0 or not train or input.numel() == 0:
        return input
    if p == 1:  # every unit dropped: input times zero, of any rank and dtype
        zero = zeros((), dtype=input.dtype, device=input.device)
        dropped: Tensor = input.mul_(zero) if inplace else input * zero
        return dropped
    if feature and input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    if feature and not alpha:
        return _feature_dropout(input, p, inplace)
    f = load_nn_functional()
    hand_over = f.feature_alpha_dropout if feature else f.alpha_dropout if alpha else f.dropout
    result: Tensor = hand_over(input, p, True, inplace)
    return result


def _feature_dropout(input: Tensor, p: float, inplace: bool) -> Tensor:
    """Zero whole ``(N, C)`` slices of an input of rank >= 2 with probability ``p``; scale the rest."""
    shape = (input.shape[0], input.shape[1]) + (1,) * (input.dim() - 2)
    with no_grad():
        noise = empty(shape, dtype=input.dtype, device=input.device).bernoulli_(1 - p).div_(1 - p)
    result: Tensor = input.mul_(noise) if inplace else input * noise
    return result


def dropout(input: Tensor, p: float, train: bool) -> Tensor:
    r"""Zero each element with probability ``p`` and scale the rest by :math:`1/(1-p)` when ``train``.

    Returns ``input`` itself when ``train`` is false, ``p == 0`` or ``input`` is empty.

    Raises:
        RuntimeError: ``p`` outside ``[0, 1]``.

    Example:
        >>> import tocha
        >>> sorted(set(tocha.dropout(tocha.ones(1000), 0.5, True).tolist()))
        [0.0, 2.0]
    """
    return _dropout(input, p, train, inplace=False, feature=False, alpha=False)


def dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place :func:`dropout`; returns ``input``.

    Example:
        >>> import tocha
        >>> x = tocha.ones(4)
        >>> tocha.dropout_(x, 1.0, True) is x, x
        (True, tensor([0., 0., 0., 0.]))
    """
    return _dropout(input, p, train, inplace=True, feature=False, alpha=False)


def alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    r"""Dropout for SELU networks, keeping zero mean and unit variance when ``train``.

    Dropped units become :math:`\alpha' = -\lambda\alpha \approx -1.7581` (SELU's saturation), then every unit
    goes through :math:`a x + b` with :math:`a = ((1 - p)(1 + p\alpha'^2))^{-1/2}` and :math:`b = -a\alpha' p`.

    Example:
        >>> import tocha
        >>> y = tocha.alpha_dropout(tocha.randn(100000), 0.2, True)
        >>> abs(y.mean().item()) < 0.05, abs(y.std().item() - 1) < 0.05
        (True, True)
    """
    return _dropout(input, p, train, inplace=False, feature=False, alpha=True)


def alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place :func:`alpha_dropout`; returns ``input``.

    Example:
        >>> import tocha
        >>> x = tocha.ones(3)
        >>> tocha.alpha_dropout_(x, 0.5, False) is x
        True
    """
    return _dropout(input, p, train, inplace=True, feature=False, alpha=True)


def feature_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    r"""Zero whole channels: for ``(N, C, *)``, each ``input[n, c]`` with probability ``p``; scale the rest by
    :math:`1/(1-p)`. A 2-D input ``(N, C)`` drops single elements.

    Raises:
        RuntimeError: ``p`` outside ``[0, 1]``; an input of fewer than 2 dims (when ``train`` and
            ``0 < p < 1``).

    Example:
        >>> import tocha
        >>> y = tocha.feature_dropout(tocha.ones(4, 3, 5), 0.5, True)
        >>> bool((y == y[:, :, :1]).all())
        True
    """
    return _dropout(input, p, train, inplace=False, feature=True, alpha=False)


def feature_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place :func:`feature_dropout`; returns ``input``.

    Example:
        >>> import tocha
        >>> x = tocha.ones(2, 3, 4)
        >>> tocha.feature_dropout_(x, 0.5, True) is x
        True
    """
    return _dropout(input, p, train, inplace=True, feature=True, alpha=False)


def feature_alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """:func:`alpha_dropout` of whole channels: one draw per ``(N, C)`` pair.

    Example:
        >>> import tocha
        >>> y = tocha.feature_alpha_dropout(tocha.ones(4, 3, 5), 0.5, True)
        >>> bool((y == y[:, :, :1]).all())
        True
    """
    return _dropout(input, p, train, inplace=False, feature=True, alpha=True)


def feature_alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place :func:`feature_alpha_dropout`; returns ``input``.

    Example:
        >>> import tocha
        >>> x = tocha.ones(2, 3, 4)
        >>> tocha.feature_alpha_dropout_(x, 0.5, True) is x
        True
    """
    return _dropout(input, p, train, inplace=True, feature=True, alpha=True)


# ------------------------------------------------------------------ normalisation


def batch_norm(
    input: Tensor,
    weight: Tensor | None,
    bias: Tensor | None,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    training: bool,
    momentum: float,
    eps: float,
    cudnn_enabled: bool,
) -> Tensor:
    r"""Batch normalisation over every dim but the channel dim 1:
    :math:`y = (x - \mu) / \sqrt{\sigma^2 + \epsilon} \cdot \text{weight} + \text{bias}`.

    In training the batch statistics normalise and update ``running_mean`` / ``running_var`` in place (with
    ``momentum``); otherwise the running statistics normalise. ``cudnn_enabled`` is ignored.

    Example:
        >>> import tocha
        >>> x = tocha.tensor([[1.0], [3.0]])
        >>> tocha.batch_norm(x, None, None, None, None, True, 0.1, 0.0, True)
        tensor([[-1.],
                [ 1.]])
    """
    f = load_nn_functional()
    result: Tensor = f.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)
    return result


def instance_norm(
    input: Tensor,
    weight: Tensor | None,
    bias: Tensor | None,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    use_input_stats: bool,
    momentum: float,
    eps: float,
    cudnn_enabled: bool,
) -> Tensor:
    """Normalise each ``(n, c)`` slice of ``(N, C, *)`` by its own mean and variance (``use_input_stats``), or
    by the running statistics; ``cudnn_enabled`` is ignored.

    Example:
        >>> import tocha
        >>> x = tocha.tensor([[[1.0, 3.0]]])
        >>> tocha.instance_norm(x, None, None, None, None, True, 0.1, 0.0, True)
        tensor([[[-1.,  1.]]])
    """
    f = load_nn_functional()
    result: Tensor = f.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)
    return result


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
    cudnn_enabled: bool = True,
) -> Tensor:
    """Normalise ``(N, C, *)`` over groups of ``C / num_groups`` channels (and the other dims); per-channel
    ``weight`` and ``bias``. ``cudnn_enabled`` is ignored.

    Example:
        >>> import tocha
        >>> tocha.group_norm(tocha.tensor([[1.0, 3.0, 5.0, 7.0]]), 2, eps=0.0)
        tensor([[-1.,  1., -1.,  1.]])
    """
    result: Tensor = load_nn_functional().group_norm(input, num_groups, weight, bias, eps)
    return result


def layer_norm(
    input: Tensor,
    normalized_shape: Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
    cudnn_enable: bool = True,
) -> Tensor:
    """Normalise over the last ``len(normalized_shape)`` dims; ``cudnn_enable`` is ignored.

    Raises:
        TypeError: ``normalized_shape`` is an int (as in PyTorch's ``torch.layer_norm``: a sequence is needed).

    Example:
        >>> import tocha
        >>> tocha.layer_norm(tocha.tensor([[1.0, 3.0]]), [2], eps=0.0)
        tensor([[-1.,  1.]])
    """
    shape = _shape_list("layer_norm", normalized_shape)
    result: Tensor = load_nn_functional().layer_norm(input, shape, weight, bias, eps)
    return result


def rms_norm(
    input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None, eps: float | None = None
) -> Tensor:
    r"""Divide by the root mean square over the last ``len(normalized_shape)`` dims:
    :math:`y = x / \sqrt{\overline{x^2} + \epsilon} \cdot \text{weight}` (``eps`` None: the dtype's eps).

    Example:
        >>> import tocha
        >>> tocha.rms_norm(tocha.tensor([[3.0, 4.0]]), [2], eps=0.0)
        tensor([[0.8485, 1.1314]])
    """
    shape = _shape_list("rms_norm", normalized_shape)
    result: Tensor = load_nn_functional().rms_norm(input, shape, weight, eps)
    return result


# ------------------------------------------------------------------ linear and activations


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    r""":math:`y_k = x_1^\top W_k x_2 + b_k` for ``weight`` ``(out, in1, in2)``.

    Example:
        >>> import tocha
        >>> tocha.bilinear(tocha.ones(1, 2), tocha.ones(1, 3), tocha.ones(4, 2, 3)).shape
        tocha.Size([1, 4])
    """
    result: Tensor = load_nn_functional().bilinear(input1, input2, weight, bias)
    return result


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``max(0, x) + weight * min(0, x)``, with one ``weight`` per channel (dim 1) or a single one.

    Example:
        >>> import tocha
        >>> tocha.prelu(tocha.tensor([-2.0, 3.0]), tocha.tensor([0.25]))
        tensor([-0.5000,  3.0000])
    """
    result: Tensor = load_nn_functional().prelu(input, weight)
    return result


def celu(input: Tensor, alpha: float = 1.0) -> Tensor:
    r""":math:`\max(0, x) + \min(0, \alpha (e^{x/\alpha} - 1))`.

    Example:
        >>> import tocha
        >>> tocha.celu(tocha.tensor([-1.0, 2.0]))
        tensor([-0.6321,  2.0000])
    """
    result: Tensor = load_nn_functional().celu(input, alpha)
    return result


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place :func:`celu`; returns ``input``.

    Example:
        >>> import tocha
        >>> x = tocha.tensor([-1.0, 2.0])
        >>> tocha.celu_(x) is x, x
        (True, tensor([-0.6321,  2.0000]))
    """
    result: Tensor = load_nn_functional().celu_(input, alpha)
    return result


def selu(input: Tensor) -> Tensor:
    r""":math:`\lambda (\max(0, x) + \min(0, \alpha (e^x - 1)))` with :math:`\alpha \approx 1.6733`,
    :math:`\lambda \approx 1.0507`.

    Example:
        >>> import tocha
        >>> tocha.selu(tocha.tensor([-1.0, 1.0]))
        tensor([-1.1113,  1.0507])
    """
    result: Tensor = load_nn_functional().selu(input)
    return result


def selu_(input: Tensor) -> Tensor:
    """In-place :func:`selu`; returns ``input``.

    Example:
        >>> import tocha
        >>> x = tocha.tensor([-1.0, 1.0])
        >>> tocha.selu_(x) is x, x
        (True, tensor([-1.1113,  1.0507]))
    """
    result: Tensor = load_nn_functional().selu_(input)
    return result


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    r""":math:`x` where :math:`|x| > \lambda`, else 0.

    Example:
        >>> import tocha
        >>> tocha.hardshrink(tocha.tensor([-1.0, 0.2, 0.7]))
        tensor([-1.0000,  0.0000,  0.7000])
    """
    result: Tensor = load_nn_functional().hardshrink(input, lambd)
    return result


def threshold(input: Tensor, threshold: float, value: float) -> Tensor:
    """``input`` where it is greater than ``threshold``, else ``value``.

    Example:
        >>> import tocha
        >>> tocha.threshold(tocha.tensor([0.5, 2.0]), 1.0, -1.0)
        tensor([-1.,  2.])
    """
    result: Tensor = load_nn_functional().threshold(input, threshold, value)
    return result


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place :func:`threshold`; returns ``input``.

    Example:
        >>> import tocha
        >>> x = tocha.tensor([0.5, 2.0])
        >>> tocha.threshold_(x, 1.0, -1.0) is x, x
        (True, tensor([-1.,  2.]))
    """
    result: Tensor = load_nn_functional().threshold_(input, threshold, value)
    return result


def _rrelu(
    input: Tensor, lower: float, upper: float, training: bool, generator: Generator | None, inplace: bool
) -> Tensor:
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    f = load_nn_functional()
    if generator is None or not training:
        result: Tensor = f.rrelu(input, lower, upper, training, inplace)
        return result
    if not input.is_floating_point():
        raise NotImplementedError(f"rrelu(): not implemented for '{type_name(input.dtype)}'")
    with no_grad():  # tocha.nn.functional.rrelu takes no generator: the same slopes, drawn from ``generator``
        slopes = empty(input.shape, dtype=input.dtype, device=input.device)
        slopes.uniform_(lower, upper, generator=generator).masked_fill_(input >= 0, 1.0)
    result = input.mul_(slopes) if inplace else input * slopes
    return result


def rrelu(
    input: Tensor,
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    generator: Generator | None = None,
) -> Tensor:
    r"""Randomised leaky ReLU: in training each negative element is scaled by a slope drawn from
    :math:`\mathcal{U}(\text{lower}, \text{upper})` (from ``generator`` if given); otherwise by
    :math:`(\text{lower} + \text{upper}) / 2`.

    Example:
        >>> import tocha
        >>> tocha.rrelu(tocha.tensor([-1.0, 2.0]), 0.1, 0.3)
        tensor([-0.2000,  2.0000])
    """
    return _rrelu(input, lower, upper, training, generator, inplace=False)


def rrelu_(
    input: Tensor,
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    generator: Generator | None = None,
) -> Tensor:
    """In-place :func:`rrelu`; returns ``input``.

    Example:
        >>> import tocha
        >>> x = tocha.tensor([-1.0, 2.0])
        >>> tocha.rrelu_(x, 0.1, 0.3) is x, x
        (True, tensor([-0.2000,  2.0000]))
    """
    return _rrelu(input, lower, upper, training, generator, inplace=True)


# ------------------------------------------------------------------ losses


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    pos_weight: Tensor | None = None,
    reduction: int = 0,
) -> Tensor:
    r"""Binary cross entropy of ``sigmoid(input)`` against ``target``, computed stably:
    :math:`\ell = -w\,[p_w\, t \log\sigma(x) + (1 - t) \log(1 - \sigma(x))]`.

    ``reduction``: 0 none, 1 mean, 2 sum.

    Example:
        >>> import tocha
        >>> tocha.binary_cross_entropy_with_logits(tocha.zeros(2), tocha.ones(2), reduction=2)
        tensor(1.3863)
    """
    r = _reduction("binary_cross_entropy_with_logits", reduction)
    f = load_nn_functional()
    result: Tensor = f.binary_cross_entropy_with_logits(input, target, weight, reduction=r, pos_weight=pos_weight)
    return result


def cosine_embedding_loss(
    input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, reduction: int = 0
) -> Tensor:
    r""":math:`1 - \cos(x_1, x_2)` where ``target`` is 1, :math:`\max(0, \cos(x_1, x_2) - \text{margin})` where
    it is -1; ``reduction``: 0 none, 1 mean, 2 sum.

    Example:
        >>> import tocha
        >>> tocha.cosine_embedding_loss(tocha.tensor([[1.0, 0.0]]), tocha.tensor([[0.0, 1.0]]), tocha.tensor([1]))
        tensor([1.])
    """
    r = _reduction("cosine_embedding_loss", reduction)
    result: Tensor = load_nn_functional().cosine_embedding_loss(input1, input2, target, margin, reduction=r)
    return result


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, reduction: int = 0) -> Tensor:
    r""":math:`x` where ``target`` is 1, :math:`\max(0, \text{margin} - x)` where it is -1; ``reduction``: 0
    none, 1 mean, 2 sum.

    Example:
        >>> import tocha
        >>> tocha.hinge_embedding_loss(tocha.tensor([0.3, 0.4]), tocha.tensor([1.0, -1.0]), reduction=0)
        tensor([0.3000, 0.6000])
    """
    r = _reduction("hinge_embedding_loss", reduction)
    result: Tensor = load_nn_functional().hinge_embedding_loss(input, target, margin, reduction=r)
    return result


def kl_div(input: Tensor, target: Tensor, reduction: int = 0, *, log_target: bool = False) -> Tensor:
    r"""Pointwise Kullback-Leibler divergence :math:`t (\log t - x)` of log-probabilities ``input`` from
    ``target`` (log-probabilities too if ``log_target``).

    ``reduction``: 0 none, 1 the mean over all elements (without ``torch.nn.functional.kl_div``'s warning),
    2 sum.

    Example:
        >>> import tocha
        >>> tocha.kl_div(tocha.tensor([0.0, 0.0]), tocha.tensor([1.0, 1.0]))
        tensor([0., 0.])
    """
    r = _reduction("kl_div", reduction)
    f = load_nn_functional()
    if r == "mean":  # the elementwise mean, which tocha.nn.functional.kl_div's 'mean' warns about
        mean: Tensor = f.kl_div(input, target, reduction="none", log_target=log_target).mean()
        return mean
    result: Tensor = f.kl_div(input, target, reduction=r, log_target=log_target)
    return result


def margin_ranking_loss(
    input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, reduction: int = 0
) -> Tensor:
    r""":math:`\max(0, -t (x_1 - x_2) + \text{margin})`; ``reduction``: 0 none, 1 mean, 2 sum.

    Example:
        >>> import tocha
        >>> tocha.margin_ranking_loss(tocha.tensor([1.0]), tocha.tensor([2.0]), tocha.tensor([1.0]))
        tensor([1.])
    """
    r = _reduction("margin_ranking_loss", reduction)
    result: Tensor = load_nn_functional().margin_ranking_loss(input1, input2, target, margin, reduction=r)
    return result


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool, full: bool, eps: float, reduction: int) -> Tensor:
    r"""Poisson negative log likelihood: :math:`e^x - t x` (``log_input``) or :math:`x - t \log(x + \epsilon)`,
    plus Stirling's :math:`t \log t - t + \frac12 \log(2\pi t)` for :math:`t > 1` if ``full``.

    Example:
        >>> import tocha
        >>> tocha.poisson_nll_loss(tocha.zeros(2), tocha.ones(2), True, False, 1e-8, 1)
        tensor(1.)
    """
    r = _reduction("poisson_nll_loss", reduction)
    f = load_nn_functional()
    result: Tensor = f.poisson_nll_loss(input, target, log_input, full, eps=eps, reduction=r)
    return result


def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2.0,
    eps: float = 1e-6,
    swap: bool = False,
    reduction: int = 0,
) -> Tensor:
    r""":math:`\max(d(a, p) - d(a, n) + \text{margin}, 0)` with the ``p``-norm pairwise distance ``d``
    (``swap``: the smaller of ``d(a, n)`` and ``d(p, n)``); ``reduction``: 0 none, 1 mean, 2 sum.

    Example:
        >>> import tocha
        >>> a = tocha.tensor([[0.0, 0.0]])
        >>> tocha.triplet_margin_loss(a, a, tocha.tensor([[3.0, 4.0]]), margin=6.0, eps=0.0)
        tensor([1.])
    """
    r = _reduction("triplet_margin_loss", reduction)
    f = load_nn_functional()
    result: Tensor = f.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, reduction=r)
    return result


def ctc_loss(
    log_probs: Tensor,
    targets: Tensor,
    input_lengths: Tensor | Sequence[int],
    target_lengths: Tensor | Sequence[int],
    blank: int = 0,
    reduction: int = 0,
    zero_infinity: bool = False,
) -> Tensor:
    """Connectionist temporal classification loss of ``log_probs`` ``(T, N, C)`` (or ``(T, C)``) against
    ``targets``; ``reduction``: 0 none, 1 the mean of the losses divided by the target lengths, 2 sum.

    Example:
        >>> import tocha
        >>> log_probs = tocha.full((1, 1, 2), 0.5).log()
        >>> tocha.ctc_loss(log_probs, tocha.tensor([[1]]), [1], [1], reduction=2)
        tensor(0.6931)
    """
    r = _reduction("ctc_loss", reduction)
    f = load_nn_functional()
    result: Tensor = f.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, r, zero_infinity)
    return result


# ------------------------------------------------------------------ distances


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    r""":math:`x_1 \cdot x_2 / \max(\|x_1\| \|x_2\|, \epsilon)` along ``dim`` (the inputs broadcast).

    Example:
        >>> import tocha
        >>> tocha.cosine_similarity(tocha.tensor([[1.0, 0.0]]), tocha.tensor([[1.0, 1.0]]))
        tensor([0.7071])
    """
    result: Tensor = load_nn_functional().cosine_similarity(x1, x2, dim, eps)
    return result


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    r""":math:`\|x_1 - x_2 + \epsilon\|_p` over the last dim.

    Example:
        >>> import tocha
        >>> tocha.pairwise_distance(tocha.tensor([[0.0, 0.0]]), tocha.tensor([[3.0, 4.0]]), eps=0.0)
        tensor([5.])
    """
    result: Tensor = load_nn_functional().pairwise_distance(x1, x2, p, eps, keepdim)
    return result


def pdist(input: Tensor, p: float = 2.0) -> Tensor:
    """The ``p``-norm distances between the rows of an ``(N, M)`` input, the upper triangle row by row.

    Example:
        >>> import tocha
        >>> tocha.pdist(tocha.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]]))
        tensor([5.0000, 1.0000, 4.2426])
    """
    result: Tensor = load_nn_functional().pdist(input, p)
    return result


# ------------------------------------------------------------------ shuffles and lookups


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """Rearrange ``(*, C r², H, W)`` into ``(*, C, H r, W r)`` with ``r = upscale_factor``.

    Example:
        >>> import tocha
        >>> tocha.pixel_shuffle(tocha.arange(4.0).reshape(1, 4, 1, 1), 2)
        tensor([[[[0., 1.],
                  [2., 3.]]]])
    """
    result: Tensor = load_nn_functional().pixel_shuffle(input, upscale_factor)
    return result


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """Inverse of :func:`pixel_shuffle`: ``(*, C, H r, W r)`` into ``(*, C r², H, W)``.

    Example:
        >>> import tocha
        >>> tocha.pixel_unshuffle(tocha.arange(4.0).reshape(1, 1, 2, 2), 2).flatten()
        tensor([0., 1., 2., 3.])
    """
    result: Tensor = load_nn_functional().pixel_unshuffle(input, downscale_factor)
    return result


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Interleave the ``groups`` groups of channels of ``(N, C, *)``: ``(N, g, C/g, *)`` transposed to
    ``(N, C/g, g, *)``.

    Example:
        >>> import tocha
        >>> tocha.channel_shuffle(tocha.arange(4.0).reshape(1, 4, 1), 2).flatten()
        tensor([0., 2., 1., 3.])
    """
    result: Tensor = load_nn_functional().channel_shuffle(input, groups)
    return result


def native_channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """:func:`channel_shuffle` (PyTorch's name for its kernel without the dispatch to backends).

    Example:
        >>> import tocha
        >>> tocha.native_channel_shuffle(tocha.arange(6.0).reshape(1, 6, 1), 3).flatten()
        tensor([0., 2., 4., 1., 3., 5.])
    """
    return channel_shuffle(input, groups)


def embedding_bag(
    weight: Tensor,
    indices: Tensor,
    offsets: Tensor,
    scale_grad_by_freq: bool = False,
    mode: int = 0,
    sparse: bool = False,
    per_sample_weights: Tensor | None = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Sums (``mode=0``), means (1) or maxima (2) of the ``weight`` rows in each bag of the 1-D ``indices``
    (bag ``b`` starts at ``offsets[b]``), with PyTorch's auxiliary outputs (NOTE [ nn functions on tocha ]):
    ``(output, offset2bag, bag_size, max_indices)``.

    Example:
        >>> import tocha
        >>> w = tocha.tensor([[1.0, 0.0], [0.0, 2.0], [3.0, 1.0]])
        >>> out, offset2bag, bag_size, max_indices = tocha.embedding_bag(
        ...     w, tocha.tensor([0, 2, 1]), tocha.tensor([0, 2]), mode=2)
        >>> out, offset2bag, bag_size, max_indices
        (tensor([[3., 1.],
                [0., 2.]]), tensor([0, 0, 1]), tensor([2, 1]), tensor([[2, 2],
                [1, 1]]))
    """
    if mode not in (0, 1, 2):
        raise RuntimeError(f"embedding_bag: mode must be 0 (sum), 1 (mean) or 2 (max), got {mode}")
    f = load_nn_functional()
    output: Tensor = f.embedding_bag(
        indices, weight, offsets, scale_grad_by_freq=scale_grad_by_freq, mode=("sum", "mean", "max")[mode],
        sparse=sparse, per_sample_weights=per_sample_weights, include_last_offset=include_last_offset,
        padding_idx=padding_idx,
    )  # fmt: skip
    with no_grad():
        flat = indices.reshape(-1)
        starts = offsets.reshape(-1).to(flat.dtype)
        count = starts.numel()
        bags = count - 1 if include_last_offset else count
        used = starts[:bags]
        positions = _arange_like(flat)
        bag_of = (used[1:].reshape(1, -1) <= positions.reshape(-1, 1)).sum(1).to(flat.dtype)  # offset2bag
        valid = flat != padding_idx if padding_idx is not None else flat == flat
        if mode == 0:
            fast = padding_idx is None and weight.dtype != float64  # PyTorch's fast path: no offset2bag
            offset2bag = empty(0, dtype=flat.dtype, device=flat.device) if fast else bag_of
            bag_size = zeros(count, dtype=flat.dtype, device=flat.device)
            return output, offset2bag, bag_size, bag_size.clone()
        bag_size = zeros(bags, dtype=flat.dtype, device=flat.device).index_add_(0, bag_of, valid.to(flat.dtype))
        if mode == 1:
            return output, bag_of, bag_size, bag_size.clone()
        return output, bag_of, bag_size, _argmax_rows(weight, flat, bag_of, valid, bags)


def _arange_like(flat: Tensor) -> Tensor:
    from .creation import arange

    return arange(flat.numel(), dtype=flat.dtype, device=flat.device)


def _argmax_rows(weight: Tensor, flat: Tensor, bag_of: Tensor, valid: Tensor, bags: int) -> Tensor:
    """For each bag and column, the ``weight`` row (among the bag's non-padding indices) holding the maximum."""
    dim = weight.shape[1]
    rows = weight.index_select(0, flat)  # (n, dim)
    lowest = weight.new_full((1,), float("-inf"))
    rows = rows.where(valid.reshape(-1, 1), lowest)
    spread = bag_of.reshape(-1, 1).expand(-1, dim)
    best = weight.new_full((bags, dim), float("-inf")).scatter_reduce(0, spread, rows, "amax", include_self=True)
    at_best = (rows == best.gather(0, spread)) & valid.reshape(-1, 1)
    n = flat.numel()
    first = _arange_like(flat).reshape(-1, 1).expand(-1, dim).where(at_best, n)
    position = zeros((bags, dim), dtype=flat.dtype, device=flat.device).fill_(n)
    position = position.scatter_reduce(0, spread, first, "amin", include_self=True)
    found = position < n
    padded = flat.new_zeros(n + 1)
    padded[:n] = flat
    return padded[position.reshape(-1)].reshape(bags, dim).where(found, 0)


def embedding(
    weight: Tensor,
    indices: Tensor,
    padding_idx: int = -1,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """The rows of ``weight`` ``(num_embeddings, dim)`` at the integer ``indices``: ``indices.shape + (dim,)``.

    Note the argument order (``weight`` first). ``padding_idx``: the row that gets no gradient; a negative
    value means none. ``scale_grad_by_freq`` divides each row's gradient by its count in ``indices``;
    ``sparse`` gradients are not supported (NotImplementedError, as in ``tocha.nn.functional.embedding``).

    Example:
        >>> import tocha
        >>> tocha.embedding(tocha.tensor([[1.0, 2.0], [3.0, 4.0]]), tocha.tensor([1, 1, 0]))
        tensor([[3., 4.],
                [3., 4.],
                [1., 2.]])
    """
    rows = weight.shape[0] if weight.dim() > 0 else 0
    padding = padding_idx if 0 <= padding_idx < rows else None  # a row past the end is never looked up
    f = load_nn_functional()
    result: Tensor = f.embedding(indices, weight, padding, scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)
    return result


class NnFunctionMethods:
    """The Tensor methods PyTorch has for two of these functions."""

    __slots__ = ()

    def hardshrink(self: Any, lambd: float = 0.5) -> Tensor:
        """See :func:`tocha.hardshrink`."""
        return hardshrink(self, lambd)

    def prelu(self: Any, weight: Tensor) -> Tensor:
        """See :func:`tocha.prelu`."""
        return prelu(self, weight)
