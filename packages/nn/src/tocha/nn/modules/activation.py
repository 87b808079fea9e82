"""Activation layers: each wraps its function in ``tocha.nn.functional`` (PyTorch's names, arguments, reprs).

Example:
    >>> import tocha
    >>> import tocha.nn as nn
    >>> nn.LeakyReLU(0.2, inplace=True)
    LeakyReLU(negative_slope=0.2, inplace=True)
"""

from __future__ import annotations

import warnings
from typing import Any

import tocha
from tocha import Tensor

from .. import init
from ..functional import _activation as _act
from ..parameter import Parameter
from .module import Module

__all__: list[str] = [
    "ReLU",
    "ReLU6",
    "LeakyReLU",
    "PReLU",
    "RReLU",
    "ELU",
    "SELU",
    "CELU",
    "GELU",
    "SiLU",
    "Mish",
    "Sigmoid",
    "Hardsigmoid",
    "Tanh",
    "Hardtanh",
    "Hardswish",
    "Softplus",
    "Softsign",
    "Softshrink",
    "Hardshrink",
    "Tanhshrink",
    "Threshold",
    "LogSigmoid",
    "Softmax",
    "LogSoftmax",
    "Softmin",
    "Softmax2d",
    "GLU",
]


def _inplace_suffix(inplace: bool) -> str:
    return ", inplace=True" if inplace else ""


class ReLU(Module):
    r""":math:`\max(x, 0)` elementwise (see :func:`tocha.nn.functional.relu`).

    Args:
        inplace: overwrite the input.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.ReLU()(tocha.tensor([-1.0, 2.0]))
        tensor([0., 2.])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return _act.relu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        """``inplace=True`` when set."""
        return "inplace=True" if self.inplace else ""


class Hardtanh(Module):
    """Clamp to ``[min_val, max_val]`` (see :func:`tocha.nn.functional.hardtanh`).

    Args:
        min_val: lower bound.
        max_val: upper bound (must be greater than ``min_val``).
        inplace: overwrite the input.
        min_value: deprecated name of ``min_val``.
        max_value: deprecated name of ``max_val``.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.Hardtanh(-2, 2)(tocha.tensor([-3.0, 1.0, 3.0]))
        tensor([-2.,  1.,  2.])
    """

    def __init__(
        self,
        min_val: float = -1.0,
        max_val: float = 1.0,
        inplace: bool = False,
        min_value: float | None = None,
        max_value: float | None = None,
    ) -> None:
        super().__init__()
        if min_value is not None:
            warnings.warn("keyword argument `min_value` is deprecated and renamed to `min_val`", FutureWarning, 2)
            min_val = min_value
        if max_value is not None:
            warnings.warn("keyword argument `max_value` is deprecated and renamed to `max_val`", FutureWarning, 2)
            max_val = max_value
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace
        if not self.max_val > self.min_val:
            raise AssertionError(f"max_val ({max_val}) must be greater than min_val ({min_val})")

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return _act.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        """``min_val=..., max_val=...`` and ``inplace=True`` when set."""
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace_suffix(self.inplace)}"


class ReLU6(Hardtanh):
    r""":math:`\min(\max(x, 0), 6)` (see :func:`tocha.nn.functional.relu6`).

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.ReLU6()(tocha.tensor([-1.0, 7.0]))
        tensor([0., 6.])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        """``inplace=True`` when set."""
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """``x`` for positive inputs, ``negative_slope * x`` otherwise.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.LeakyReLU(0.1)(tocha.tensor([-1.0, 2.0]))
        tensor([-0.1000,  2.0000])
    """

    def __init__(self, negative_slope: float = 1e-2, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return _act.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        """``negative_slope=...`` and ``inplace=True`` when set."""
        return f"negative_slope={self.negative_slope}{_inplace_suffix(self.inplace)}"


class PReLU(Module):
    """Leaky ReLU with a learnt slope: one shared (``num_parameters=1``) or one per channel (dim 1).

    Args:
        num_parameters: 1 or the number of channels.
        init: the slopes' initial value.
        device: where to create ``weight``.
        dtype: its dtype.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.PReLU()
        >>> m
        PReLU(num_parameters=1)
        >>> m(tocha.tensor([-4.0, 2.0])).tolist()
        [-1.0, 2.0]
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None, dtype: Any = None) -> None:
        self.num_parameters = num_parameters
        super().__init__()
        self.init = init
        self.weight = Parameter(tocha.empty(num_parameters, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Set every slope to ``init``."""
        init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return _act.prelu(input, self.weight)

    def extra_repr(self) -> str:
        """``num_parameters=...``."""
        return f"num_parameters={self.num_parameters}"


class RReLU(Module):
    """Randomised leaky ReLU: random slopes in training, their mean in evaluation.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.RReLU(0.1, 0.3).eval()(tocha.tensor([-1.0, 2.0]))
        tensor([-0.2000,  2.0000])
    """

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False) -> None:
        super().__init__()
        self.lower = lower
        self.upper = upper
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation (random slopes when ``self.training``)."""
        return _act.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        """``lower=..., upper=...`` and ``inplace=True`` when set."""
        return f"lower={self.lower}, upper={self.upper}{_inplace_suffix(self.inplace)}"


class _AlphaActivation(Module):
    """An activation with a scale ``alpha`` and the ``inplace`` option (ELU, CELU)."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def extra_repr(self) -> str:
        """``alpha=...`` and ``inplace=True`` when set."""
        return f"alpha={self.alpha}{_inplace_suffix(self.inplace)}"


class ELU(_AlphaActivation):
    r""":math:`x` for :math:`x > 0`, :math:`\alpha (e^x - 1)` otherwise.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.ELU()(tocha.tensor([-1.0, 2.0]))
        tensor([-0.6321,  2.0000])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return _act.elu(input, self.alpha, self.inplace)


class CELU(_AlphaActivation):
    r""":math:`\max(0, x) + \min(0, \alpha (e^{x/\alpha} - 1))`.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.CELU()(tocha.tensor([-1.0, 2.0]))
        tensor([-0.6321,  2.0000])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return _act.celu(input, self.alpha, self.inplace)


class _InplaceActivation(Module):
    """An activation whose only option is ``inplace``."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def extra_repr(self) -> str:
        """``inplace=True`` when set."""
        return "inplace=True" if self.inplace else ""


class SELU(_InplaceActivation):
    """Scaled ELU (see :func:`tocha.nn.functional.selu`).

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.SELU()(tocha.tensor([2.0]))
        tensor([2.1014])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return _act.selu(input, self.inplace)


class SiLU(_InplaceActivation):
    r""":math:`x \sigma(x)` (swish).

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.SiLU()(tocha.tensor([0.0]))
        tensor([0.])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return _act.silu(input, self.inplace)


class Mish(_InplaceActivation):
    r""":math:`x \tanh(\text{softplus}(x))`.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.Mish()(tocha.tensor([0.0]))
        tensor([0.])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return _act.mish(input, self.inplace)


class Hardsigmoid(_InplaceActivation):
    r""":math:`\text{relu6}(x + 3) / 6`.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.Hardsigmoid()(tocha.tensor([0.0]))
        tensor([0.5000])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return _act.hardsigmoid(input, self.inplace)

    def extra_repr(self) -> str:
        """Nothing (PyTorch shows no options)."""
        return ""


class Hardswish(_InplaceActivation):
    r""":math:`x\,\text{relu6}(x + 3) / 6`.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.Hardswish()(tocha.tensor([4.0]))
        tensor([4.])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return _act.hardswish(input, self.inplace)

    def extra_repr(self) -> str:
        """Nothing (PyTorch shows no options)."""
        return ""


class GELU(Module):
    r""":math:`x \Phi(x)`; ``approximate="tanh"`` uses the tanh approximation.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.GELU("tanh")
        GELU(approximate='tanh')
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return _act.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        """``approximate='...'``."""
        return f"approximate={self.approximate!r}"


class Sigmoid(Module):
    r""":math:`1 / (1 + e^{-x})`.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.Sigmoid()(tocha.tensor([0.0]))
        tensor([0.5000])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return tocha.sigmoid(input)


class Tanh(Module):
    """The hyperbolic tangent.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.Tanh()(tocha.tensor([0.0]))
        tensor([0.])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return tocha.tanh(input)


class Softsign(Module):
    r""":math:`x / (1 + |x|)`.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.Softsign()(tocha.tensor([1.0]))
        tensor([0.5000])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return _act.softsign(input)


class Tanhshrink(Module):
    r""":math:`x - \tanh(x)`.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.Tanhshrink()(tocha.tensor([0.0]))
        tensor([0.])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return _act.tanhshrink(input)


class LogSigmoid(Module):
    r""":math:`\log \sigma(x)`.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.LogSigmoid()(tocha.tensor([0.0]))
        tensor([-0.6931])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return _act.logsigmoid(input)


class Softplus(Module):
    r""":math:`\frac{1}{\beta}\log(1 + e^{\beta x})`, linear above ``threshold``.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.Softplus()
        Softplus(beta=1.0, threshold=20.0)
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return _act.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        """``beta=..., threshold=...``."""
        return f"beta={self.beta}, threshold={self.threshold}"


class Softshrink(Module):
    """Soft shrinkage by ``lambd`` (see :func:`tocha.nn.functional.softshrink`).

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.Softshrink()(tocha.tensor([1.0]))
        tensor([0.5000])
    """

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return _act.softshrink(input, self.lambd)

    def extra_repr(self) -> str:
        """The ``lambd`` value."""
        return str(self.lambd)


class Hardshrink(Module):
    """Hard shrinkage by ``lambd`` (see :func:`tocha.nn.functional.hardshrink`).

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.Hardshrink()(tocha.tensor([0.3, 1.0]))
        tensor([0., 1.])
    """

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return _act.hardshrink(input, self.lambd)

    def extra_repr(self) -> str:
        """The ``lambd`` value."""
        return f"{self.lambd}"


class Threshold(Module):
    """``input`` above ``threshold``, ``value`` elsewhere.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.Threshold(0.1, 20)(tocha.tensor([0.0, 1.0]))
        tensor([20.,  1.])
    """

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Apply the activation."""
        return _act.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        """``threshold=..., value=...`` and ``inplace=True`` when set."""
        return f"threshold={self.threshold}, value={self.value}{_inplace_suffix(self.inplace)}"


class _SoftmaxBase(Module):
    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def extra_repr(self) -> str:
        """``dim=...``."""
        return f"dim={self.dim}"


class Softmax(_SoftmaxBase):
    """Softmax along ``dim`` (see :func:`tocha.nn.functional.softmax`).

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.Softmax(dim=0)(tocha.tensor([0.0, 0.0]))
        tensor([0.5000, 0.5000])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Apply softmax along ``self.dim``."""
        return _act.softmax(input, self.dim, _stacklevel=5)


class LogSoftmax(_SoftmaxBase):
    """Log-softmax along ``dim`` (see :func:`tocha.nn.functional.log_softmax`).

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.LogSoftmax(dim=0)(tocha.tensor([0.0, 0.0]))
        tensor([-0.6931, -0.6931])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Apply log-softmax along ``self.dim``."""
        return _act.log_softmax(input, self.dim, _stacklevel=5)


class Softmin(_SoftmaxBase):
    """Softmin along ``dim`` (see :func:`tocha.nn.functional.softmin`).

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.Softmin(dim=0)(tocha.tensor([0.0, 0.0]))
        tensor([0.5000, 0.5000])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Apply softmin along ``self.dim``."""
        return _act.softmin(input, self.dim, _stacklevel=5)


class Softmax2d(Module):
    """Softmax over the channels of ``(N, C, H, W)`` or ``(C, H, W)`` inputs (dim ``-3``).

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.Softmax2d()(tocha.zeros(1, 2, 1, 1)).flatten()
        tensor([0.5000, 0.5000])
    """

    def forward(self, input: Tensor) -> Tensor:
        """Apply softmax along dim ``-3``."""
        if input.dim() not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.dim()}D instead")
        return _act.softmax(input, -3, _stacklevel=5)


class GLU(Module):
    """Gated linear unit along ``dim`` (see :func:`tocha.nn.functional.glu`).

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.GLU()(tocha.tensor([1.0, 0.0]))
        tensor([0.5000])
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """Apply the gate."""
        return _act.glu(input, self.dim)

    def extra_repr(self) -> str:
        """``dim=...``."""
        return f"dim={self.dim}"
