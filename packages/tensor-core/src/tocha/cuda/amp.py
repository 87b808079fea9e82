"""``tocha.cuda.amp``: PyTorch's older spelling of ``tocha.amp`` for CUDA, kept for the code that still uses it.

``autocast(...)`` is ``tocha.autocast("cuda", ...)``, ``GradScaler(...)`` is ``tocha.amp.GradScaler("cuda", ...)``,
``custom_fwd``/``custom_bwd`` are ``tocha.amp``'s with ``device_type="cuda"``. Each warns, as PyTorch's do,
with a FutureWarning naming the current spelling.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from .. import amp as _amp
from .._autocast import autocast as _autocast
from .._dtype import dtype, float16

__all__ = ["autocast", "GradScaler", "custom_fwd", "custom_bwd"]


class autocast(_autocast):
    """``tocha.autocast("cuda", ...)`` under its older name (deprecated, as in PyTorch).

    Example:
        >>> import warnings
        >>> import tocha.cuda.amp
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     region = tocha.cuda.amp.autocast(dtype=tocha.bfloat16)
        >>> region.device, region.fast_dtype, caught[0].category.__name__
        ('cuda', tocha.bfloat16, 'FutureWarning')
    """

    def __init__(self, enabled: bool = True, dtype: dtype = float16, cache_enabled: bool = True) -> None:
        warnings.warn(
            "`tocha.cuda.amp.autocast(args...)` is deprecated. Please use `tocha.amp.autocast('cuda', args...)` "
            "instead.",
            FutureWarning,
            stacklevel=2,
        )
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class GradScaler(_amp.GradScaler):
    """``tocha.amp.GradScaler("cuda", ...)`` under its older name (deprecated, as in PyTorch).

    Example:
        >>> import warnings
        >>> import tocha.cuda.amp
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     scaler = tocha.cuda.amp.GradScaler(init_scale=2.0**10)
        >>> isinstance(scaler, tocha.amp.GradScaler)
        True
    """

    def __init__(
        self,
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ) -> None:
        warnings.warn(
            "`tocha.cuda.amp.GradScaler(args...)` is deprecated. Please use `tocha.amp.GradScaler('cuda', args...)` "
            "instead.",
            FutureWarning,
            stacklevel=2,
        )
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled)


def custom_fwd(fwd: Callable[..., Any] | None = None, *, cast_inputs: Any = None) -> Callable[..., Any]:
    """``tocha.amp.custom_fwd(..., device_type="cuda")`` under its older name (deprecated, as in PyTorch).

    Example:
        >>> import warnings
        >>> import tocha.cuda.amp
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     decorate = tocha.cuda.amp.custom_fwd(cast_inputs=tocha.float32)
        >>> callable(decorate)
        True
    """
    warnings.warn(
        "`tocha.cuda.amp.custom_fwd(args...)` is deprecated. Please use `tocha.amp.custom_fwd(args..., "
        "device_type='cuda')` instead.",
        FutureWarning,
        stacklevel=2,
    )
    return _amp.custom_fwd(fwd, device_type="cuda", cast_inputs=cast_inputs)


def custom_bwd(bwd: Callable[..., Any] | None = None) -> Callable[..., Any]:
    """``tocha.amp.custom_bwd(..., device_type="cuda")`` under its older name (deprecated, as in PyTorch).

    Example:
        >>> import warnings
        >>> import tocha.cuda.amp
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     backward = tocha.cuda.amp.custom_bwd(lambda ctx, g: g)
        >>> callable(backward)
        True
    """
    warnings.warn(
        "`tocha.cuda.amp.custom_bwd(args...)` is deprecated. Please use `tocha.amp.custom_bwd(args..., "
        "device_type='cuda')` instead.",
        FutureWarning,
        stacklevel=2,
    )
    return _amp.custom_bwd(bwd, device_type="cuda")
