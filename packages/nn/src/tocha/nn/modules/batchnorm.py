"""BatchNorm1d/2d/3d and LazyBatchNorm1d/2d/3d.

``_NormBase`` holds what batch and instance norm share: the affine parameters (``weight`` ones, ``bias``
zeros), the running statistics (``running_mean`` zeros, ``running_var`` ones, ``num_batches_tracked``, an
int64 count of training batches) and the repr, with PyTorch's names, state-dict keys and defaults.
"""

from __future__ import annotations

from typing import Any

import tocha
from tocha import Tensor

from .. import init
from ..functional._normalization import batch_norm
from ..parameter import Parameter, UninitializedBuffer, UninitializedParameter
from .lazy import LazyModuleMixin
from .module import Module

__all__: list[str] = [
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "LazyBatchNorm1d",
    "LazyBatchNorm2d",
    "LazyBatchNorm3d",
]


class _NormBase(Module):
    """Parameters, running statistics and repr shared by batch and instance normalisation."""

    _version = 2
    num_features: int
    eps: float
    momentum: float | None
    affine: bool
    track_running_stats: bool

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if self.affine:
            self.weight = Parameter(tocha.empty(num_features, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(tocha.empty(num_features, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if self.track_running_stats:
            self.register_buffer("running_mean", tocha.zeros(num_features, device=device, dtype=dtype))
            self.register_buffer("running_var", tocha.ones(num_features, device=device, dtype=dtype))
            self.register_buffer("num_batches_tracked", tocha.tensor(0, dtype=tocha.int64, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Running mean to zeros, running variance to ones, ``num_batches_tracked`` to 0."""
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            init.zeros_(self.num_batches_tracked)

    def reset_parameters(self) -> None:
        """Reset the running statistics, then ``weight`` to ones and ``bias`` to zeros (PyTorch's defaults)."""
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_input_dim(self, input: Tensor) -> None:
        raise NotImplementedError

    def extra_repr(self) -> str:
        """``num_features, eps=..., momentum=..., affine=..., bias=..., track_running_stats=...``."""
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}"
        )

    def _load_from_state_dict(
        self,
        state_dict: dict[str, Any],
        prefix: str,
        local_metadata: dict[str, Any],
        strict: bool,
        missing_keys: list[str],
        unexpected_keys: list[str],
        error_msgs: list[str],
    ) -> None:
        version = local_metadata.get("version")
        if (version is None or version < 2) and self.track_running_stats:
            key = prefix + "num_batches_tracked"
            if key not in state_dict:  # checkpoints older than num_batches_tracked
                current = self.num_batches_tracked
                state_dict[key] = current if current is not None else tocha.tensor(0, dtype=tocha.int64)
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
        )


class _BatchNorm(_NormBase):
    def forward(self, input: Tensor) -> Tensor:
        """Normalise ``input`` with batch statistics (training) or the running ones (eval)."""
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            with tocha.no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked.item())
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        keep = not self.training or self.track_running_stats
        return batch_norm(
            input,
            self.running_mean if keep else None,
            self.running_var if keep else None,
            self.weight,
            self.bias,
            use_batch_stats,
            factor,
            self.eps,
        )


class BatchNorm1d(_BatchNorm):
    r"""Batch normalisation over a 2-D ``(N, C)`` or 3-D ``(N, C, L)`` input, as ``torch.nn.BatchNorm1d``.

    .. math:: y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} \gamma + \beta

    In training the statistics are the batch's (biased variance), and the running statistics are updated
    with ``momentum`` (unbiased variance; ``momentum=None``: a cumulative average over
    ``num_batches_tracked`` batches); in eval mode the running statistics are used.

    Args:
        num_features: ``C``.
        eps: added to the variance.
        momentum: running-average factor (None: cumulative moving average).
        affine: learn ``weight`` (ones) and ``bias`` (zeros).
        track_running_stats: keep running statistics (else batch statistics are used in eval too).
        device: where to create parameters and buffers.
        dtype: their dtype.
        bias: learn ``bias`` (with ``affine``).

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.BatchNorm1d(2)
        >>> m
        BatchNorm1d(2, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
        >>> m(tocha.tensor([[1.0, 2.0], [3.0, 6.0]]))
        tensor([[-1.0000, -1.0000],
                [ 1.0000,  1.0000]], grad_fn=<BatchNormBackward0>)
        >>> m.running_mean
        tensor([0.2000, 0.4000])
    """

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() not in (2, 3):
            raise ValueError(f"expected 2D or 3D input (got {input.dim()}D input)")


class BatchNorm2d(_BatchNorm):
    """Batch normalisation over a 4-D ``(N, C, H, W)`` input; see :class:`BatchNorm1d`.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.BatchNorm2d(3)(tocha.randn(2, 3, 4, 4)).shape
        tocha.Size([2, 3, 4, 4])
    """

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() != 4:
            raise ValueError(f"expected 4D input (got {input.dim()}D input)")


class BatchNorm3d(_BatchNorm):
    """Batch normalisation over a 5-D ``(N, C, D, H, W)`` input; see :class:`BatchNorm1d`.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.BatchNorm3d(3)(tocha.randn(2, 3, 2, 2, 2)).shape
        tocha.Size([2, 3, 2, 2, 2])
    """

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() != 5:
            raise ValueError(f"expected 5D input (got {input.dim()}D input)")


class _LazyNormBase(LazyModuleMixin, _NormBase):
    """A norm layer whose ``num_features`` is read from the first input's channel dimension."""

    weight: Any
    bias: Any

    def __init__(
        self,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        # Built as a layer of 0 features without parameters or statistics; they are put in below.
        super().__init__(0, eps, momentum, False, False, device, dtype, bias=bias)
        self.affine = affine
        self.track_running_stats = track_running_stats
        if self.affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            if bias:
                self.bias = UninitializedParameter(device=device, dtype=dtype)
        if self.track_running_stats:
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype)
            self.num_batches_tracked = tocha.tensor(0, dtype=tocha.int64, device=device)

    def reset_parameters(self) -> None:
        """PyTorch's defaults, once the parameters exist."""
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def _channel_dim(self, input: Tensor) -> int:
        return 1

    def initialize_parameters(self, input: Tensor) -> None:
        """Materialize parameters and statistics with ``num_features = input.shape[1]``."""
        if self.has_uninitialized_params():
            self.num_features = input.shape[self._channel_dim(input)]
            with tocha.no_grad():
                if self.affine:
                    self.weight.materialize((self.num_features,))
                    if self.bias is not None:
                        self.bias.materialize((self.num_features,))
                if self.track_running_stats:
                    self.running_mean.materialize((self.num_features,))
                    self.running_var.materialize((self.num_features,))
                self.reset_parameters()


class LazyBatchNorm1d(_LazyNormBase, _BatchNorm):
    """:class:`BatchNorm1d` with ``num_features`` inferred from the first input (``input.shape[1]``).

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.LazyBatchNorm1d()
        >>> _ = m(tocha.randn(4, 3))
        >>> m
        BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    """

    cls_to_become = BatchNorm1d

    def _check_input_dim(self, input: Tensor) -> None:
        BatchNorm1d._check_input_dim(self, input)  # type: ignore[arg-type]


class LazyBatchNorm2d(_LazyNormBase, _BatchNorm):
    """:class:`BatchNorm2d` with ``num_features`` inferred from the first input.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.LazyBatchNorm2d()
        >>> _ = m(tocha.randn(2, 3, 4, 4))
        >>> type(m).__name__, m.num_features
        ('BatchNorm2d', 3)
    """

    cls_to_become = BatchNorm2d

    def _check_input_dim(self, input: Tensor) -> None:
        BatchNorm2d._check_input_dim(self, input)  # type: ignore[arg-type]


class LazyBatchNorm3d(_LazyNormBase, _BatchNorm):
    """:class:`BatchNorm3d` with ``num_features`` inferred from the first input.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.LazyBatchNorm3d()
        >>> _ = m(tocha.randn(2, 3, 2, 2, 2))
        >>> type(m).__name__, m.num_features
        ('BatchNorm3d', 3)
    """

    cls_to_become = BatchNorm3d

    def _check_input_dim(self, input: Tensor) -> None:
        BatchNorm3d._check_input_dim(self, input)  # type: ignore[arg-type]
