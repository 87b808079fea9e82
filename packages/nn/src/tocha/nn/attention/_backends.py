"""The backend choice that ``sdpa_kernel`` records and ``scaled_dot_product_attention`` consults.

NOTE [ SDPA backends ]
tocha has one attention implementation, which counts as PyTorch's MATH backend. ``sdpa_kernel`` records the
allowed set here; the attention function reads one module attribute, ``MATH_ENABLED``, and only when MATH is
off calls :func:`check_fused`, which decides as PyTorch does whether an allowed fused backend could have run:

- on CPU, PyTorch has one fused kernel, FLASH_ATTENTION, with conditions (no dropout, 4-d inputs, equal batch
  sizes and heads, a 2-d or 4-d mask, equal head dims, unit last stride). When FLASH is allowed and its
  conditions hold, tocha's implementation stands in for it; when they fail, PyTorch's warnings are issued and
  ``RuntimeError('No available kernel.  Aborting execution.')`` raised. With no CPU kernel allowed at all the
  error is PyTorch's "No viable backend" one.
- on CUDA any allowed FLASH_ATTENTION, EFFICIENT_ATTENTION or CUDNN_ATTENTION counts as runnable (tocha's
  kernel stands in); OVERRIDEABLE alone is not.

The allowed set is not kept here: MATH, FLASH, EFFICIENT and CUDNN are the flags of ``tocha.backends.cuda``
(``enable_math_sdp`` / ``math_sdp_enabled`` and the rest), so ``sdpa_kernel`` and those functions see each other's
changes as in PyTorch; ``ENABLED`` and ``MATH_ENABLED`` are read from them on each access (module ``__getattr__``).
OVERRIDEABLE, which ``tocha.backends.cuda`` has no switch for (as PyTorch's), and the priority order stay here.

This module imports nothing from ``tocha.nn`` so that ``tocha.nn.functional`` can import it.
"""

from __future__ import annotations

import warnings
from typing import Any

import tocha.backends.cuda as _flags

# Backend values, as PyTorch numbers them: MATH 0, FLASH 1, EFFICIENT 2, CUDNN 3, OVERRIDEABLE 4.
MATH, FLASH, EFFICIENT, CUDNN, OVERRIDEABLE = 0, 1, 2, 3, 4
ALL: tuple[int, ...] = (CUDNN, FLASH, EFFICIENT, MATH, OVERRIDEABLE)  # PyTorch's default priority order

# Computed by __getattr__ from tocha.backends.cuda's flags (declared here for type checkers).
ENABLED: frozenset[int]
MATH_ENABLED: bool
PRIORITY: tuple[int, ...] = ALL
_overrideable = [True]


def __getattr__(name: str) -> Any:
    if name == "MATH_ENABLED":
        return _flags.math_sdp_enabled()
    if name == "ENABLED":
        return enabled()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def math_enabled() -> bool:
    """Whether the MATH backend (tocha's attention) is allowed: the check on the attention hot path."""
    return _flags.math_sdp_enabled()


def enabled() -> frozenset[int]:
    """The allowed backends (values as in ``SDPBackend``), read from ``tocha.backends.cuda``'s SDP flags."""
    found = [
        b
        for b, on in (
            (MATH, _flags.math_sdp_enabled()),
            (FLASH, _flags.flash_sdp_enabled()),
            (EFFICIENT, _flags.mem_efficient_sdp_enabled()),
            (CUDNN, _flags.cudnn_sdp_enabled()),
            (OVERRIDEABLE, _overrideable[0]),
        )
        if on
    ]
    return frozenset(found)


_NO_VIABLE = (
    "No viable backend for scaled_dot_product_attention was found. "
    "This is likely due to turning off both the math kernel and the fused kernels."
)
_NO_KERNEL = "No available kernel.  Aborting execution."


def set_enabled(enabled: frozenset[int]) -> None:
    """Allow exactly ``enabled`` (values as in ``SDPBackend``), through ``tocha.backends.cuda``'s SDP flags."""
    _flags.enable_math_sdp(MATH in enabled)
    _flags.enable_flash_sdp(FLASH in enabled)
    _flags.enable_mem_efficient_sdp(EFFICIENT in enabled)
    _flags.enable_cudnn_sdp(CUDNN in enabled)
    _overrideable[0] = OVERRIDEABLE in enabled


def set_priority(order: tuple[int, ...]) -> None:
    """Record the backend priority order."""
    global PRIORITY
    PRIORITY = order


def flash_cpu_reasons(
    query: Any, key: Any, value: Any, attn_mask: Any, dropout_p: float, enable_gqa: bool
) -> list[str]:
    """Why PyTorch's CPU flash kernel would refuse these inputs (empty when it would run), first reason first."""
    if dropout_p > 0.0:
        return ["Both fused kernels do not support non-zero dropout."]
    nq, nk, nv = query.dim(), key.dim(), value.dim()
    if not nq == nk == nv == 4:
        return [
            "All fused kernels requires query, key and value to be 4 dimensional, but got Query dim: "
            f"{nq}, Key dim: {nk}, Value dim: {nv} instead."
        ]
    qs, ks, vs = list(query.shape), list(key.shape), list(value.shape)
    if not qs[0] == ks[0] == vs[0]:
        return [
            "For dense inputs, both fused kernels require query, key and value to have the same batch_size. "
            f"Query.sizes(): {qs}, Key.sizes(): {ks}, Value.sizes(): {vs} instead. To broadcast dense inputs, "
            "try using unsqueeze and expand_to before passing them into the kernel."
        ]
    if enable_gqa:
        if qs[1] % ks[1] or qs[1] % vs[1]:
            return [
                "The number of heads in key/value must divide number of heads in query."
                f"Got input Key sizes(): {ks[1]}, Value sizes(): {vs[1]}, Query sizes(): {qs[1]} instead."
            ]
    elif not qs[1] == ks[1] == vs[1]:
        return [
            "For dense input, both fused kernels require query, key and value to have the same num_heads. "
            f"Query.sizes(): {qs}, Key sizes(): {ks}, Value sizes(): {vs} instead. To broadcast dense inputs, "
            "try using unsqueeze and expand_to before passing them into the kernel."
        ]
    if attn_mask is not None and attn_mask.dim() not in (2, 4):
        return [
            "Please use the following attn mask shapes: 2d - ({Q_seq_len, 1}  x {KV_seq_len, 1}); "
            "4d - ({Batch, 1} x {Num_heads, 1} x {Q_seq_len, 1}  x {KV_seq_len, 1})"
        ]
    if not qs[3] == ks[3] == vs[3]:
        return [
            "Flash attention requires q,k,v to have the same last dimension. Got Query.size(-1): "
            f"{qs[3]}, Key.size(-1): {ks[3]}, Value.size(-1): {vs[3]} instead."
        ]
    strides = (query.stride(-1), key.stride(-1), value.stride(-1))
    if strides != (1, 1, 1):
        return [
            "All fused kernels require the last dimension of the input to have stride 1. Got Query.stride(-1): "
            f"{strides[0]}, Key.stride(-1): {strides[1]}, Value.stride(-1): {strides[2]}"
        ]
    return []


def check_fused(query: Any, key: Any, value: Any, attn_mask: Any, dropout_p: float, enable_gqa: bool) -> None:
    """Raise PyTorch's error when MATH is off and no allowed fused backend could run; see NOTE [ SDPA backends ].

    Raises:
        RuntimeError: no allowed backend can run these inputs (after PyTorch's warnings saying why).
    """
    if query.device.type != "cpu":
        if _flags.flash_sdp_enabled() or _flags.mem_efficient_sdp_enabled() or _flags.cudnn_sdp_enabled():
            return
        raise RuntimeError(_NO_VIABLE)
    if not _flags.flash_sdp_enabled():
        raise RuntimeError(_NO_VIABLE)
    reasons = flash_cpu_reasons(query, key, value, attn_mask, dropout_p, enable_gqa)
    if not reasons:
        return
    warnings.warn("Flash attention kernel not used because:", UserWarning, stacklevel=3)
    for reason in reasons:
        warnings.warn(reason, UserWarning, stacklevel=3)
    raise RuntimeError(_NO_KERNEL)
