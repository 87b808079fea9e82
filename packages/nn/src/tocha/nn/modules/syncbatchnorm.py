"""SyncBatchNorm (``torch.nn.SyncBatchNorm``) for a single process.

tocha has no process groups, so there is nothing to synchronise with: :class:`SyncBatchNorm` is batch
normalisation over an input of any rank ``>= 2`` (channels in dimension 1), exactly what PyTorch computes when
no distributed process group is initialised. ``process_group`` is kept as an attribute for compatibility.
"""

from __future__ import annotations

from typing import Any

from tocha import Tensor

from .batchnorm import _BatchNorm
from .module import Module

__all__: list[str] = ["SyncBatchNorm"]


class SyncBatchNorm(_BatchNorm):
    r"""Batch normalisation over an N-D input ``(N, C, ...)``, as ``torch.nn.SyncBatchNorm`` in one process.

    .. math:: y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} \gamma + \beta

    The statistics are taken per channel over every other dimension; running statistics, ``momentum`` and eval
    mode behave as in :class:`~tocha.nn.BatchNorm1d`.

    Args:
        num_features: ``C``.
        eps: added to the variance.
        momentum: running-average factor (None: cumulative moving average).
        affine: learn ``weight`` (ones) and ``bias`` (zeros).
        track_running_stats: keep running statistics.
        process_group: accepted and stored; tocha runs a single process, so it is never used.
        device: where to create parameters and buffers.
        dtype: their dtype.
        bias: learn ``bias`` (with ``affine``).

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.SyncBatchNorm(2)
        >>> m
        SyncBatchNorm(2, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
        >>> m(tocha.tensor([[1.0, 2.0], [3.0, 6.0]]))
        tensor([[-1.0000, -1.0000],
                [ 1.0000,  1.0000]], grad_fn=<BatchNormBackward0>)
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        process_group: Any | None = None,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__(
            num_features, eps, momentum, affine, track_running_stats, device=device, dtype=dtype, bias=bias
        )
        self.process_group = process_group

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {input.dim()}D input)")

    def forward(self, input: Tensor) -> Tensor:
        """Normalise ``input`` with batch statistics (training) or the running ones (eval)."""
        self._check_input_dim(input)
        if input.shape[1] == 0:
            raise ValueError("SyncBatchNorm number of input channels should be non-zero")
        return super().forward(input)

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group: Any | None = None) -> Module:
        """Return ``module`` with every ``BatchNorm*d`` in it replaced by a :class:`SyncBatchNorm`.

        The new layers share the old ones' parameters and running-statistic buffers and keep their mode.

        Args:
            module: the module (itself converted when it is a batch-norm layer).
            process_group: stored on the new layers.

        Returns:
            The converted module (the same object unless ``module`` itself was a batch-norm layer).

        Example:
            >>> import tocha.nn as nn
            >>> net = nn.Sequential(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4))
            >>> nn.SyncBatchNorm.convert_sync_batchnorm(net)
            Sequential(
              (0): Conv2d(3, 4, kernel_size=(1, 1), stride=(1, 1))
              (1): SyncBatchNorm(4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
            )
        """
        output = module
        if isinstance(module, _BatchNorm):
            output = SyncBatchNorm(
                module.num_features,
                module.eps,
                module.momentum,
                module.affine,
                module.track_running_stats,
                process_group,
                bias=module.bias is not None,
            )
            if module.affine:
                output.weight = module.weight
                output.bias = module.bias
            output.running_mean = module.running_mean
            output.running_var = module.running_var
            output.num_batches_tracked = module.num_batches_tracked
            output.training = module.training
            if hasattr(module, "qconfig"):
                output.qconfig = module.qconfig
        for name, child in module.named_children():
            output.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return output
