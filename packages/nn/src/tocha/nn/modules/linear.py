"""Identity, Linear, Bilinear, LazyLinear."""

from __future__ import annotations

import math
from typing import Any

import tocha
from tocha import Tensor

from .. import init
from ..functional._linear import bilinear, linear
from ..parameter import Parameter, UninitializedParameter
from .lazy import LazyModuleMixin
from .module import Module

__all__: list[str] = ["Identity", "Linear", "Bilinear", "LazyLinear"]


class Identity(Module):
    """A placeholder that returns its input unchanged; constructor arguments are ignored.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.Identity(54, unused="argument")(tocha.ones(2))
        tensor([1., 1.])
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        """Return ``input``."""
        return input


class Linear(Module):
    r"""The affine map :math:`y = x W^T + b`, as ``torch.nn.Linear``.

    ``weight`` is ``(out_features, in_features)`` and ``bias`` ``(out_features,)``, both drawn from
    :math:`\mathcal{U}(-k, k)` with :math:`k = 1/\sqrt{\text{in\_features}}` (PyTorch's default: He uniform
    with :math:`a = \sqrt{5}` for the weight).

    Args:
        in_features: size of each input sample's last dim.
        out_features: size of each output sample's last dim.
        bias: whether to learn an additive bias.
        device: where to create the parameters.
        dtype: their dtype.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.Linear(20, 30)
        >>> m
        Linear(in_features=20, out_features=30, bias=True)
        >>> m(tocha.randn(128, 20)).shape
        tocha.Size([128, 30])
    """

    in_features: int
    out_features: int
    weight: Parameter
    bias: Parameter | None

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, device: Any = None, dtype: Any = None
    ) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(tocha.empty((out_features, in_features), device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(tocha.empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw ``weight`` and ``bias`` with PyTorch's default initialisation."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        """``linear(input, weight, bias)``."""
        return linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        """``in_features=..., out_features=..., bias=...``."""
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Bilinear(Module):
    r"""The bilinear map :math:`y = x_1^T A x_2 + b`, as ``torch.nn.Bilinear``.

    ``weight`` is ``(out_features, in1_features, in2_features)``; ``weight`` and ``bias`` are drawn from
    :math:`\mathcal{U}(-k, k)` with :math:`k = 1/\sqrt{\text{in1\_features}}`.

    Args:
        in1_features: last dim of the first input.
        in2_features: last dim of the second input.
        out_features: last dim of the output.
        bias: whether to learn an additive bias.
        device: where to create the parameters.
        dtype: their dtype.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.Bilinear(20, 30, 40)
        >>> m
        Bilinear(in1_features=20, in2_features=30, out_features=40, bias=True)
        >>> m(tocha.randn(128, 20), tocha.randn(128, 30)).shape
        tocha.Size([128, 40])
    """

    in1_features: int
    in2_features: int
    out_features: int
    weight: Parameter
    bias: Parameter | None

    def __init__(
        self,
        in1_features: int,
        in2_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = Parameter(tocha.empty((out_features, in1_features, in2_features), device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(tocha.empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw ``weight`` and ``bias`` from :math:`\\mathcal{U}(-k, k)`, :math:`k = 1/\\sqrt{\\text{in1}}`."""
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        """``bilinear(input1, input2, weight, bias)``."""
        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        """``in1_features=..., in2_features=..., out_features=..., bias=...``."""
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )


class LazyLinear(LazyModuleMixin, Linear):
    """A :class:`Linear` whose ``in_features`` is inferred from the first input's last dim.

    Until then ``weight`` and ``bias`` are :class:`~tocha.nn.UninitializedParameter`; the first call
    materializes them, draws PyTorch's default initialisation and turns the module into a :class:`Linear`.

    Args:
        out_features: size of each output sample's last dim.
        bias: whether to learn an additive bias.
        device: where to create the parameters.
        dtype: their dtype.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.LazyLinear(4)
        >>> m
        LazyLinear(in_features=0, out_features=4, bias=True)
        >>> m(tocha.ones(2, 3)).shape
        tocha.Size([2, 4])
        >>> m
        Linear(in_features=3, out_features=4, bias=True)
    """

    cls_to_become = Linear
    weight: UninitializedParameter  # type: ignore[assignment]
    bias: UninitializedParameter  # type: ignore[assignment]

    def __init__(self, out_features: int, bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__(0, 0, False)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        """Draw the default initialisation once the parameters have their shapes."""
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor) -> None:  # type: ignore[override]
        """Materialize ``weight`` as ``(out_features, input.shape[-1])`` (and ``bias``), then initialise them."""
        if self.has_uninitialized_params():
            with tocha.no_grad():
                self.in_features = input.shape[-1]
                self.weight.materialize((self.out_features, self.in_features))
                if self.bias is not None:
                    self.bias.materialize((self.out_features,))
                self.reset_parameters()
