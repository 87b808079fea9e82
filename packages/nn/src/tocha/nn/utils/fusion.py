"""fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval."""

from __future__ import annotations

__all__: list[str] = []
