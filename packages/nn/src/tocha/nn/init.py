"""``tocha.nn.init``: weight initialisation (``torch.nn.init``).

Every function fills its tensor in place under :class:`tocha.no_grad`, returns it, and draws from tocha's
random generators (``generator=`` picks one; the device's default generator otherwise). The distributions,
bounds and fan computations are PyTorch's; the values differ, since tocha's bit generators are not PyTorch's.

Example:
    >>> import tocha
    >>> import tocha.nn as nn
    >>> w = tocha.empty(3, 5)
    >>> nn.init.kaiming_uniform_(w, a=5**0.5, generator=tocha.Generator().manual_seed(0)).shape
    tocha.Size([3, 5])
    >>> bool((w.abs() <= 1 / 5**0.5).all())
    True
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any, Literal

import tocha
from tocha import Tensor
from tocha.library import get_backend, tensor_array, wrap_array

__all__: list[str] = [
    "calculate_gain",
    "uniform_",
    "normal_",
    "trunc_normal_",
    "constant_",
    "ones_",
    "zeros_",
    "eye_",
    "dirac_",
    "xavier_uniform_",
    "xavier_normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
    "orthogonal_",
    "sparse_",
    "uniform",
    "normal",
    "constant",
    "eye",
    "dirac",
    "xavier_uniform",
    "xavier_normal",
    "kaiming_uniform",
    "kaiming_normal",
    "orthogonal",
    "sparse",
]

_NonlinearityType = Literal[
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "selu",
]
_FanMode = Literal["fan_in", "fan_out"]

_GAIN_ONE = frozenset(
    ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid")
)


def calculate_gain(nonlinearity: _NonlinearityType | str, param: float | None = None) -> float:
    r"""The recommended gain for a nonlinearity, as ``torch.nn.init.calculate_gain``.

    ====================  ======================================
    nonlinearity          gain
    ====================  ======================================
    linear / conv / sigm  :math:`1`
    tanh                  :math:`5/3`
    relu                  :math:`\sqrt{2}`
    leaky_relu            :math:`\sqrt{2 / (1 + \text{slope}^2)}` (slope ``param``, default 0.01)
    selu                  :math:`3/4`
    ====================  ======================================

    Args:
        nonlinearity: the function's name.
        param: the negative slope of ``leaky_relu``.

    Raises:
        ValueError: an unknown nonlinearity, or a slope that is not a number.

    Example:
        >>> import tocha.nn as nn
        >>> nn.init.calculate_gain("tanh")
        1.6666666666666667
        >>> round(nn.init.calculate_gain("leaky_relu", 0.2), 4)
        1.3868
    """
    if nonlinearity in _GAIN_ONE:
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif (isinstance(param, int) and not isinstance(param, bool)) or isinstance(param, float):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight: dims 1 and 0, each times the product of the dims after the second.

    Example:
        >>> import tocha
        >>> from tocha.nn.init import _calculate_fan_in_and_fan_out
        >>> _calculate_fan_in_and_fan_out(tocha.empty(8, 3, 5, 5))
        (75, 200)
    """
    if tensor.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    shape = tensor.shape
    receptive = 1
    for s in shape[2:]:
        receptive *= s
    return shape[1] * receptive, shape[0] * receptive


def _calculate_correct_fan(tensor: Tensor, mode: _FanMode | str) -> int:
    """``fan_in`` or ``fan_out`` of ``tensor`` as ``mode`` says (case-insensitive)."""
    mode = mode.lower()
    valid = ["fan_in", "fan_out"]
    if mode not in valid:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: tocha.Generator | None = None) -> Tensor:
    r"""Fill ``tensor`` with draws from :math:`\mathcal{U}(a, b)`.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> w = nn.init.uniform_(tocha.empty(2, 3), -1.0, 1.0)
        >>> bool(((w >= -1) & (w < 1)).all())
        True
    """
    with tocha.no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: tocha.Generator | None = None) -> Tensor:
    r"""Fill ``tensor`` with draws from :math:`\mathcal{N}(\text{mean}, \text{std}^2)`.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.init.normal_(tocha.empty(2, 3), std=0.02).shape
        tocha.Size([2, 3])
    """
    with tocha.no_grad():
        return tensor.normal_(mean, std, generator=generator)


def _norm_cdf(x: float) -> float:
    return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0


def trunc_normal_(
    tensor: Tensor,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    generator: tocha.Generator | None = None,
) -> Tensor:
    r"""Fill ``tensor`` from :math:`\mathcal{N}(\text{mean}, \text{std}^2)` truncated to :math:`[a, b]`.

    Sampled by inverting the normal CDF on a uniform draw over :math:`[\Phi(\alpha), \Phi(\beta)]`, with
    :math:`\alpha = (a - \text{mean}) / \text{std}` and :math:`\beta = (b - \text{mean}) / \text{std}`:
    :math:`x = \text{mean} + \text{std}\,\sqrt{2}\,\operatorname{erfinv}(2u - 1)`, clamped to :math:`[a, b]`.
    Warns when ``mean`` lies more than two ``std`` outside :math:`[a, b]`.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> w = nn.init.trunc_normal_(tocha.empty(100), std=0.02, a=-0.04, b=0.04)
        >>> bool((w.abs() <= 0.04).all())
        True
    """
    if (mean < a - 2 * std) or (mean > b + 2 * std):
        warnings.warn(
            "mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
            "The distribution of values may be incorrect.",
            stacklevel=2,
        )
    with tocha.no_grad():
        low = _norm_cdf((a - mean) / std)
        high = _norm_cdf((b - mean) / std)
        tensor.uniform_(2 * low - 1, 2 * high - 1, generator=generator)
        tensor.erfinv_()
        tensor.mul_(std * math.sqrt(2.0))
        tensor.add_(mean)
        tensor.clamp_(min=a, max=b)
        return tensor


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill ``tensor`` with ``val``.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.init.constant_(tocha.empty(3), 0.5)
        tensor([0.5000, 0.5000, 0.5000])
    """
    with tocha.no_grad():
        tensor[...] = val
    return tensor


def ones_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with ones.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.init.ones_(tocha.empty(2))
        tensor([1., 1.])
    """
    return constant_(tensor, 1.0)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with zeros.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.init.zeros_(tocha.empty(2))
        tensor([0., 0.])
    """
    return constant_(tensor, 0.0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D ``tensor`` with the identity (ones on the main diagonal, zeros elsewhere).

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.init.eye_(tocha.empty(2, 3))
        tensor([[1., 0., 0.],
                [0., 1., 0.]])
    """
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    with tocha.no_grad():
        tensor.copy_(tocha.eye(tensor.shape[0], tensor.shape[1], dtype=tensor.dtype, device=tensor.device))
    return tensor


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a 3-, 4- or 5-D conv weight with the Dirac delta: the convolution keeps its input channels.

    With ``groups``, each group of ``out_channels // groups`` output channels keeps the first input channels.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.init.dirac_(tocha.empty(2, 2, 3))[:, :, 1]
        tensor([[1., 0.],
                [0., 1.]])
    """
    dims = tensor.dim()
    if dims not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    shape = tensor.shape
    if shape[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    per_group = shape[0] // groups
    count = min(per_group, shape[1])
    centre = tuple(s // 2 for s in shape[2:])
    with tocha.no_grad():
        tensor[...] = 0.0
        for g in range(groups):
            for d in range(count):
                index: tuple[int, ...] = (g * per_group + d, d)
                tensor[index + centre] = 1.0
    return tensor


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: tocha.Generator | None = None) -> Tensor:
    r"""Glorot uniform: :math:`\mathcal{U}(-b, b)`, :math:`b = g\sqrt{6 / (\text{fan\_in} + \text{fan\_out})}`.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> w = nn.init.xavier_uniform_(tocha.empty(3, 5))
        >>> bool((w.abs() <= (6 / 8) ** 0.5).all())
        True
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: tocha.Generator | None = None) -> Tensor:
    r"""Glorot normal: :math:`\mathcal{N}(0, s^2)`, :math:`s = g\sqrt{2 / (\text{fan\_in} + \text{fan\_out})}`.

    :math:`g` is ``gain``.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.init.xavier_normal_(tocha.empty(3, 5)).shape
        tocha.Size([3, 5])
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    fan = _calculate_correct_fan(tensor, mode)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0,
    mode: _FanMode | str = "fan_in",
    nonlinearity: _NonlinearityType | str = "leaky_relu",
    generator: tocha.Generator | None = None,
) -> Tensor:
    r"""He uniform: :math:`\mathcal{U}(-b, b)` with :math:`b = \text{gain}\sqrt{3 / \text{fan\_mode}}`.

    ``gain`` is :func:`calculate_gain` of ``nonlinearity`` with slope ``a``; ``mode`` picks ``fan_in`` (keeps
    the forward variance) or ``fan_out`` (keeps the backward variance). A tensor with no elements is left
    alone, with a warning.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> w = nn.init.kaiming_uniform_(tocha.empty(4, 6), mode="fan_out", nonlinearity="relu")
        >>> bool((w.abs() <= (6 / 4) ** 0.5).all())
        True
    """
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0,
    mode: _FanMode | str = "fan_in",
    nonlinearity: _NonlinearityType | str = "leaky_relu",
    generator: tocha.Generator | None = None,
) -> Tensor:
    r"""He normal: :math:`\mathcal{N}(0, \sigma^2)` with :math:`\sigma = \text{gain} / \sqrt{\text{fan\_mode}}`.

    Arguments as :func:`kaiming_uniform_`.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.init.kaiming_normal_(tocha.empty(4, 6), nonlinearity="relu").shape
        tocha.Size([4, 6])
    """
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator)


def orthogonal_(tensor: Tensor, gain: float = 1, generator: tocha.Generator | None = None) -> Tensor:
    """Fill ``tensor`` with a (semi-)orthogonal matrix times ``gain``; dims after the first are flattened.

    Made from the QR decomposition of a standard normal matrix, with the signs of ``R``'s diagonal folded
    into ``Q`` so the distribution is uniform (Haar).

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> w = nn.init.orthogonal_(tocha.empty(3, 5))
        >>> bool(((w @ w.T - tocha.eye(3)).abs() < 1e-5).all())
        True
    """
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    with tocha.no_grad():
        flat = tocha.empty(rows, cols, dtype=tensor.dtype, device=tensor.device).normal_(0.0, 1.0, generator=generator)
        if rows < cols:
            flat = flat.t()
        xp = get_backend(tensor.device.type).xp
        q, r = xp.linalg.qr(tensor_array(flat))
        q = q * xp.sign(xp.diagonal(r))
        if rows < cols:
            q = q.T
        tensor.view(rows, cols).copy_(wrap_array(q, tensor.device))
        tensor.mul_(gain)
    return tensor


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator: tocha.Generator | None = None) -> Tensor:
    r"""Fill a 2-D ``tensor`` from :math:`\mathcal{N}(0, \text{std}^2)`, then zero ``ceil(sparsity * rows)``
    randomly chosen entries in every column.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> w = nn.init.sparse_(tocha.empty(4, 3), sparsity=0.5)
        >>> (w == 0).sum(0).tolist()
        [2, 2, 2]
    """
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    zeros = math.ceil(sparsity * rows)
    with tocha.no_grad():
        tensor.normal_(0.0, std, generator=generator)
        for col in range(cols):
            picked = tocha.randperm(rows, generator=generator, device=tensor.device)[:zeros]
            tensor[picked, col] = 0.0
    return tensor


def _deprecated(new: Callable[..., Tensor]) -> Callable[..., Tensor]:
    new_name = new.__name__
    old_name = new_name[:-1]

    def deprecated_init(*args: Any, **kwargs: Any) -> Tensor:
        warnings.warn(
            f"`nn.init.{old_name}` is now deprecated in favor of `nn.init.{new_name}`.", FutureWarning, stacklevel=2
        )
        return new(*args, **kwargs)

    deprecated_init.__name__ = old_name
    deprecated_init.__qualname__ = old_name
    deprecated_init.__doc__ = f"Deprecated alias of :func:`{new_name}` (warns with ``FutureWarning``)."
    return deprecated_init


uniform = _deprecated(uniform_)
normal = _deprecated(normal_)
constant = _deprecated(constant_)
eye = _deprecated(eye_)
dirac = _deprecated(dirac_)
xavier_uniform = _deprecated(xavier_uniform_)
xavier_normal = _deprecated(xavier_normal_)
kaiming_uniform = _deprecated(kaiming_uniform_)
kaiming_normal = _deprecated(kaiming_normal_)
orthogonal = _deprecated(orthogonal_)
sparse = _deprecated(sparse_)
