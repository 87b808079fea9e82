"""LayerNorm, GroupNorm, LocalResponseNorm, RMSNorm, CrossMapLRN2d."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import tocha
from tocha import Tensor

from .. import init
from ..functional._normalization import group_norm, layer_norm, local_response_norm, rms_norm
from ..parameter import Parameter
from .module import Module

__all__: list[str] = ["LayerNorm", "GroupNorm", "LocalResponseNorm", "RMSNorm", "CrossMapLRN2d"]


def _as_shape(normalized_shape: int | Sequence[int]) -> tuple[int, ...]:
    if isinstance(normalized_shape, int):
        return (normalized_shape,)
    return tuple(int(s) for s in normalized_shape)


class LayerNorm(Module):
    r"""Layer normalisation over the trailing ``normalized_shape`` dimensions, as ``torch.nn.LayerNorm``.

    .. math:: y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} \gamma + \beta

    Args:
        normalized_shape: the trailing shape to normalise over (an int for the last dimension).
        eps: added to the variance.
        elementwise_affine: learn ``weight`` (ones) and ``bias`` (zeros) of shape ``normalized_shape``.
        bias: learn ``bias`` (with ``elementwise_affine``).
        device: where to create the parameters.
        dtype: their dtype.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.LayerNorm(2)
        >>> m
        LayerNorm((2,), eps=1e-05, elementwise_affine=True, bias=True)
        >>> m(tocha.tensor([[1.0, 3.0]]))
        tensor([[-1.0000,  1.0000]], grad_fn=<LayerNormBackward0>)
    """

    normalized_shape: tuple[int, ...]
    eps: float
    elementwise_affine: bool

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.normalized_shape = _as_shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(tocha.empty(self.normalized_shape, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(tocha.empty(self.normalized_shape, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """``weight`` to ones, ``bias`` to zeros."""
        if self.elementwise_affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        """``layer_norm(input, normalized_shape, weight, bias, eps)``."""
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        """``normalized_shape, eps=..., elementwise_affine=..., bias=...``."""
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
            f"bias={self.bias is not None}"
        )


class GroupNorm(Module):
    """Group normalisation, as ``torch.nn.GroupNorm``: ``num_channels`` split into ``num_groups`` groups.

    Args:
        num_groups: number of groups (must divide ``num_channels``).
        num_channels: ``C`` of the ``(N, C, *)`` input.
        eps: added to the variance.
        affine: learn per-channel ``weight`` (ones) and ``bias`` (zeros).
        device: where to create the parameters.
        dtype: their dtype.
        bias: learn ``bias`` (with ``affine``).

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.GroupNorm(2, 4)
        >>> m
        GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)
        >>> m(tocha.randn(3, 4, 5)).shape
        tocha.Size([3, 4, 5])
    """

    num_groups: int
    num_channels: int
    eps: float
    affine: bool

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        if affine:
            self.weight = Parameter(tocha.empty(num_channels, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(tocha.empty(num_channels, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """``weight`` to ones, ``bias`` to zeros."""
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        """``group_norm(input, num_groups, weight, bias, eps)``."""
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        """``num_groups, num_channels, eps=..., affine=..., bias=...``."""
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )


class RMSNorm(Module):
    r"""Root-mean-square normalisation over the trailing ``normalized_shape`` dimensions (``torch.nn.RMSNorm``).

    .. math:: y = \frac{x}{\sqrt{\mathrm{E}[x^2] + \epsilon}} \gamma

    Args:
        normalized_shape: the trailing shape to normalise over.
        eps: added to the mean square (None: ``tocha.finfo(input.dtype).eps``).
        elementwise_affine: learn ``weight`` (ones) of shape ``normalized_shape``.
        device: where to create the parameter.
        dtype: its dtype.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.RMSNorm(2)
        >>> m
        RMSNorm((2,), eps=None, elementwise_affine=True)
        >>> m(tocha.tensor([[3.0, 4.0]]))
        tensor([[0.8485, 1.1314]], grad_fn=<RmsNormBackward0>)
    """

    normalized_shape: tuple[int, ...]
    eps: float | None
    elementwise_affine: bool

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float | None = None,
        elementwise_affine: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.normalized_shape = _as_shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(tocha.empty(self.normalized_shape, device=device, dtype=dtype))
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """``weight`` to ones."""
        if self.elementwise_affine:
            init.ones_(self.weight)

    def forward(self, x: Tensor) -> Tensor:
        """``rms_norm(x, normalized_shape, weight, eps)``."""
        return rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        """``normalized_shape, eps=..., elementwise_affine=...``."""
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class LocalResponseNorm(Module):
    """Local response normalisation across channels, as ``torch.nn.LocalResponseNorm``.

    Args:
        size: number of neighbouring channels in the window.
        alpha: multiplicative factor.
        beta: exponent.
        k: additive factor.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.LocalResponseNorm(2)
        >>> m
        LocalResponseNorm(2, alpha=0.0001, beta=0.75, k=1.0)
        >>> m(tocha.ones(1, 3, 2)).shape
        tocha.Size([1, 3, 2])
    """

    size: int
    alpha: float
    beta: float
    k: float

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:
        """``local_response_norm(input, size, alpha, beta, k)``."""
        return local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        """``size, alpha=..., beta=..., k=...``."""
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class CrossMapLRN2d(Module):
    """Local response normalisation across the channels of a 4-D input (Lua Torch's ``CrossMapLRN2d``).

    ``y_c = x_c * (k + alpha / size * sum_{c' in window(c)} x_{c'} ** 2) ** -beta``. The window is PyTorch's
    (Lua Torch's): channels ``c - r + 1 .. c + r - 1`` with ``r = (size - 1) // 2 + 1``, clipped to the
    input, and channel 0 always (the legacy running-sum implementation never removes it).

    Args:
        size: number of neighbouring channels in the window.
        alpha: multiplicative factor.
        beta: exponent.
        k: additive factor.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.CrossMapLRN2d(3)
        >>> m
        CrossMapLRN2d(3, alpha=0.0001, beta=0.75, k=1)
        >>> m(tocha.ones(1, 3, 2, 2)).shape
        tocha.Size([1, 3, 2, 2])
    """

    size: int
    alpha: float
    beta: float
    k: float

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:
        """The normalised 4-D ``input``."""
        if input.dim() != 4:
            raise ValueError(
                f"CrossMapLRN2d: Expected input to be 4D, got {input.dim()}D instead (input of shape "
                f"{list(input.shape)})"
            )
        c = input.shape[1]
        reach = int((self.size - 1) / 2 + 1)
        square = input * input
        zero = tocha.zeros((input.shape[0], 1, *input.shape[2:]), dtype=input.dtype, device=input.device)
        prefix = tocha.cat([zero, square.cumsum(1)], dim=1)  # prefix[:, j] = sum of square[:, :j]
        upper = [min(ch + reach - 1, c - 1) + 1 for ch in range(c)]
        lower = [max(1, ch - reach + 1) for ch in range(c)]
        window = prefix[:, upper] - prefix[:, lower] + square.narrow(1, 0, 1)
        scale = window * (self.alpha / self.size) + self.k
        return input * scale ** (-self.beta)

    def extra_repr(self) -> str:
        """``size, alpha=..., beta=..., k=...``."""
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
