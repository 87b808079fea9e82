"""Dropout: elementwise, channel-wise (1d/2d/3d) and the SELU-preserving alpha variants.

NOTE [ Dropout ]
Each form draws a Bernoulli noise tensor without grad (the kept probability is ``1 - p``), scales it, and
multiplies the input by it (one ``mul``, whose vjp is ``grad * noise``), so dropout needs no op record of
its own; in evaluation (``training=False``) or with ``p == 0`` the input comes back as it is. Channel-wise
("feature") forms draw one value per ``(N, C)`` pair, shaped ``(N, C, 1, ..., 1)`` to broadcast over the
spatial dims. The alpha forms set dropped units to the SELU saturation value
:math:`\\alpha' = -\\lambda\\alpha \\approx -1.7581` and apply the affine map :math:`a x + b` that keeps zero
mean and unit variance: :math:`a = ((1 - p)(1 + p \\alpha'^2))^{-1/2}`, :math:`b = -a \\alpha' p` on kept
units (``noise * a`` and ``(noise - 1) * a * |alpha'| + a * |alpha'| * p``).
"""

from __future__ import annotations

import math
import warnings

import tocha
from tocha import Tensor

__all__ = [
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "alpha_dropout",
    "feature_alpha_dropout",
]

_SELU_SATURATION = 1.7580993408473766  # scale * alpha of SELU


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _noise(input: Tensor, feature: bool, p: float) -> Tensor:
    if feature:
        if input.dim() < 2:
            raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
        template = input  # (N, C, 1, ..., 1): a view, so that under vmap the noise is batched as the input is
        for dim in range(2, input.dim()):
            template = template.narrow(dim, 0, 1)
        noise = tocha.empty_like(template, memory_format=tocha.contiguous_format)
    else:
        noise = tocha.empty_like(input)
    return noise.bernoulli_(1.0 - p)


def _dropout_impl(input: Tensor, p: float, training: bool, inplace: bool, feature: bool, alpha: bool) -> Tensor:
    _check_p(p)
    if p == 0.0 or not training or input.numel() == 0:
        return input
    if p == 1.0:
        with tocha.no_grad():
            zeros = tocha.zeros_like(input) if not feature else _noise(input, feature, p).mul_(0.0)
        result: Tensor = input.mul_(zeros) if inplace else input * zeros
        return result
    with tocha.no_grad():
        noise = _noise(input, feature, p)
        if alpha:
            a = 1.0 / math.sqrt((_SELU_SATURATION**2 * p + 1) * (1 - p))
            shift = (noise - 1) * (_SELU_SATURATION * a) + _SELU_SATURATION * a * p
            noise.mul_(a)
        else:
            noise.mul_(1.0 / (1.0 - p))
    if alpha:
        result = input.mul_(noise).add_(shift) if inplace else input * noise + shift
    else:
        result = input.mul_(noise) if inplace else input * noise
    return result


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    r"""Zero each element with probability ``p`` and scale the rest by :math:`1/(1-p)` (in training).

    Args:
        input: any shape.
        p: the probability of zeroing an element.
        training: apply dropout (``False`` returns ``input``).
        inplace: write into ``input``.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> y = F.dropout(tocha.ones(1000), 0.5)
        >>> sorted(set(y.tolist()))
        [0.0, 2.0]
        >>> F.dropout(tocha.ones(2), 0.5, training=False)
        tensor([1., 1.])
    """
    return _dropout_impl(input, p, training, inplace, feature=False, alpha=False)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Dropout for SELU networks: keeps zero mean and unit variance (see NOTE [ Dropout ]).

    Note that ``training`` defaults to ``False``, as in PyTorch.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> y = F.alpha_dropout(tocha.randn(100000), 0.2, training=True)
        >>> abs(y.mean().item()) < 0.05, abs(y.std().item() - 1) < 0.05
        (True, True)
    """
    return _dropout_impl(input, p, training, inplace, feature=False, alpha=True)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """:func:`alpha_dropout` of whole channels: one draw per ``(N, C)`` pair.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> y = F.feature_alpha_dropout(tocha.ones(4, 3, 5), 0.5, training=True)
        >>> bool((y == y[:, :, :1]).all())
        True
    """
    return _dropout_impl(input, p, training, inplace, feature=True, alpha=True)


def _feature_dropout_batched(input: Tensor, p: float, training: bool, inplace: bool, batched: bool) -> Tensor:
    if batched:
        return _dropout_impl(input, p, training, inplace, feature=True, alpha=False)
    _check_p(p)
    if not training:
        return input
    result = _dropout_impl(input.unsqueeze(0), p, training, inplace, feature=True, alpha=False).squeeze(0)
    return input if inplace else result


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of ``(N, C, L)`` or ``(C, L)`` inputs with probability ``p``; scale the rest.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> y = F.dropout1d(tocha.ones(8, 4, 5), 0.5)
        >>> bool((y == y[:, :, :1]).all())
        True
    """
    _check_p(p)
    dims = input.dim()
    if dims not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {dims}D input. Note that dropout1d exists to "
            "provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, and an optional "
            "batch dimension (i.e. 2D or 3D inputs)."
        )
    return _feature_dropout_batched(input, p, training, inplace, batched=dims == 3)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of ``(N, C, H, W)`` or ``(C, H, W)`` inputs with probability ``p``; scale the rest.

    As in PyTorch, a 3-D input is taken as ``(N, C, L)`` (with a warning), and other ranks warn.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> y = F.dropout2d(tocha.ones(2, 4, 3, 3), 0.5)
        >>> bool((y == y[:, :, :1, :1]).all())
        True
    """
    _check_p(p)
    dims = input.dim()
    if dims not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {dims}-D input to dropout2d, which is deprecated and will result in an error "
            "in a future release. To retain the behavior and silence this warning, please use dropout instead. "
            "Note that dropout2d exists to provide channel-wise dropout on inputs with 2 spatial dimensions, a "
            "channel dimension, and an optional batch dimension (i.e. 3D or 4D inputs).",
            stacklevel=2,
        )
    if dims == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior is "
            "desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior will "
            "change in a future release to interpret the input as one without a batch dimension, i.e. shape "
            "(C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2,
        )
    return _dropout_impl(input, p, training, inplace, feature=True, alpha=False)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` inputs with probability ``p``.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> y = F.dropout3d(tocha.ones(2, 4, 2, 2, 2), 0.5)
        >>> bool((y == y[:, :, :1, :1, :1]).all())
        True
    """
    _check_p(p)
    dims = input.dim()
    if dims not in (4, 5):
        warnings.warn(
            f"dropout3d: Received a {dims}-D input to dropout3d, which is deprecated and will result in an error "
            "in a future release. To retain the behavior and silence this warning, please use dropout instead. "
            "Note that dropout3d exists to provide channel-wise dropout on inputs with 3 spatial dimensions, a "
            "channel dimension, and an optional batch dimension (i.e. 4D or 5D inputs).",
            stacklevel=2,
        )
    return _feature_dropout_batched(input, p, training, inplace, batched=dims != 4)
