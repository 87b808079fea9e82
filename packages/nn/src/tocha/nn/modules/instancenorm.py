"""InstanceNorm1d/2d/3d and LazyInstanceNorm1d/2d/3d."""

from __future__ import annotations

import warnings
from typing import Any

from tocha import Tensor

from ..functional._normalization import instance_norm
from .batchnorm import _LazyNormBase, _NormBase

__all__: list[str] = [
    "InstanceNorm1d",
    "InstanceNorm2d",
    "InstanceNorm3d",
    "LazyInstanceNorm1d",
    "LazyInstanceNorm2d",
    "LazyInstanceNorm3d",
]


class _InstanceNorm(_NormBase):
    _no_batch_dim = 2

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def _check_input_dim(self, input: Tensor) -> None:
        raise NotImplementedError

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
        # A state dict without version metadata may hold running statistics of a layer that does not track
        # them (checkpoints from before PyTorch 0.4): reported as PyTorch does, and dropped.
        if local_metadata.get("version") is None and not self.track_running_stats:
            keys = [prefix + name for name in ("running_mean", "running_var") if prefix + name in state_dict]
            if keys:
                klass = type(self).__name__
                names = " and ".join(f'"{k}"' for k in keys)
                error_msgs.append(
                    f"Unexpected running stats buffer(s) {names} for {klass} with track_running_stats=False. If "
                    f"state_dict is a checkpoint saved before 0.4.0, this may be expected because {klass} does not "
                    "track running stats by default since 0.4.0. Please remove these keys from state_dict. If the "
                    f"running stats are actually needed, instead set track_running_stats=True in {klass} to enable "
                    f"them. See the documentation of {klass} for details."
                )
                for key in keys:
                    state_dict.pop(key)
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
        )

    def _apply_instance_norm(self, input: Tensor) -> Tensor:
        return instance_norm(
            input,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            self.training or not self.track_running_stats,
            self.momentum if self.momentum is not None else 0.0,
            self.eps,
        )

    def forward(self, input: Tensor) -> Tensor:
        """Normalise each channel of each sample (an unbatched input is taken as a batch of one)."""
        self._check_input_dim(input)
        feature_dim = input.dim() - self._no_batch_dim
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(
                    f"expected input's size at dim={feature_dim} to match num_features ({self.num_features}), "
                    f"but got: {input.shape[feature_dim]}."
                )
            warnings.warn(
                f"input's size at dim={feature_dim} does not match num_features. You can silence this warning by "
                "not passing in num_features, which is not used because affine=False",
                stacklevel=2,
            )
        if input.dim() == self._no_batch_dim:
            return self._apply_instance_norm(input.unsqueeze(0)).squeeze(0)
        return self._apply_instance_norm(input)


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of a ``(N, C, L)`` or unbatched ``(C, L)`` input, as ``torch.nn.InstanceNorm1d``.

    Each channel of each sample is normalised over its length. Unlike batch norm the defaults are
    ``affine=False`` and ``track_running_stats=False``; with running statistics, eval mode uses them.

    Args:
        num_features: ``C``.
        eps: added to the variance.
        momentum: running-average factor.
        affine: learn per-channel ``weight`` (ones) and ``bias`` (zeros).
        track_running_stats: keep running statistics.
        device: where to create parameters and buffers.
        dtype: their dtype.
        bias: learn ``bias`` (with ``affine``).

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.InstanceNorm1d(1)
        >>> m
        InstanceNorm1d(1, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=False)
        >>> m(tocha.tensor([[[1.0, 3.0]]]))
        tensor([[[-1.0000,  1.0000]]])
    """

    _no_batch_dim = 2

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() not in (2, 3):
            raise ValueError(f"expected 2D or 3D input (got {input.dim()}D input)")


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of a ``(N, C, H, W)`` or ``(C, H, W)`` input; see :class:`InstanceNorm1d`.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.InstanceNorm2d(3)(tocha.randn(2, 3, 4, 4)).shape
        tocha.Size([2, 3, 4, 4])
    """

    _no_batch_dim = 3

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() not in (3, 4):
            raise ValueError(f"expected 3D or 4D input (got {input.dim()}D input)")


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of a ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input; see :class:`InstanceNorm1d`.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> nn.InstanceNorm3d(3)(tocha.randn(2, 3, 2, 2, 2)).shape
        tocha.Size([2, 3, 2, 2, 2])
    """

    _no_batch_dim = 4

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() not in (4, 5):
            raise ValueError(f"expected 4D or 5D input (got {input.dim()}D input)")


class _LazyInstanceNorm(_LazyNormBase, _InstanceNorm):
    def _channel_dim(self, input: Tensor) -> int:
        return 0 if input.dim() == self._no_batch_dim else 1


class LazyInstanceNorm1d(_LazyInstanceNorm):
    """:class:`InstanceNorm1d` with ``num_features`` inferred from the first input.

    As in PyTorch the lazy form defaults to ``affine=True, track_running_stats=True``.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.LazyInstanceNorm1d()
        >>> _ = m(tocha.randn(2, 3, 5))
        >>> type(m).__name__, m.num_features
        ('InstanceNorm1d', 3)
    """

    cls_to_become = InstanceNorm1d
    _no_batch_dim = 2

    def _check_input_dim(self, input: Tensor) -> None:
        InstanceNorm1d._check_input_dim(self, input)  # type: ignore[arg-type]


class LazyInstanceNorm2d(_LazyInstanceNorm):
    """:class:`InstanceNorm2d` with ``num_features`` inferred from the first input.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.LazyInstanceNorm2d()
        >>> _ = m(tocha.randn(2, 3, 4, 4))
        >>> type(m).__name__, m.num_features
        ('InstanceNorm2d', 3)
    """

    cls_to_become = InstanceNorm2d
    _no_batch_dim = 3

    def _check_input_dim(self, input: Tensor) -> None:
        InstanceNorm2d._check_input_dim(self, input)  # type: ignore[arg-type]


class LazyInstanceNorm3d(_LazyInstanceNorm):
    """:class:`InstanceNorm3d` with ``num_features`` inferred from the first input.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> m = nn.LazyInstanceNorm3d()
        >>> _ = m(tocha.randn(2, 3, 2, 2, 2))
        >>> type(m).__name__, m.num_features
        ('InstanceNorm3d', 3)
    """

    cls_to_become = InstanceNorm3d
    _no_batch_dim = 4

    def _check_input_dim(self, input: Tensor) -> None:
        InstanceNorm3d._check_input_dim(self, input)  # type: ignore[arg-type]
