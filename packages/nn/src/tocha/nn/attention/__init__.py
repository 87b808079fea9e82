"""tocha.nn.attention: choosing and describing the backends of ``scaled_dot_product_attention``.

As ``torch.nn.attention``: :class:`SDPBackend`, the :func:`sdpa_kernel` context manager,
``WARN_FOR_UNFUSED_KERNELS``, :class:`SDPAParams` with :func:`can_use_flash_attention` and
:func:`can_use_efficient_attention`; the submodules ``tocha.nn.attention.bias`` (causal biases usable as
``attn_mask``) and ``tocha.nn.attention.flex_attention`` (attention with score and mask functions).

tocha has one attention implementation and it counts as the MATH backend; see NOTE [ SDPA backends ] in
``_backends.py`` for what happens when ``sdpa_kernel`` turns MATH off. Not here: PyTorch's registry of
external flash-attention implementations (``register_flash_attention_impl`` and friends).

Example:
    >>> import tocha
    >>> import tocha.nn.functional as F
    >>> from tocha.nn.attention import SDPBackend, sdpa_kernel
    >>> q = tocha.ones(1, 1, 2, 4)
    >>> with sdpa_kernel([SDPBackend.MATH]):
    ...     F.scaled_dot_product_attention(q, q, q).shape
    tocha.Size([1, 1, 2, 4])
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Iterable, Iterator
from typing import Any

from tocha import Tensor

from . import _backends

__all__ = [
    "SDPBackend",
    "sdpa_kernel",
    "WARN_FOR_UNFUSED_KERNELS",
    "SDPAParams",
    "can_use_flash_attention",
    "can_use_efficient_attention",
]

# If True, attention through a ``bias`` subclass warns when it cannot use a fused kernel (tocha: always).
WARN_FOR_UNFUSED_KERNELS = False


class SDPBackend(enum.Enum):
    """The backends of ``scaled_dot_product_attention``, as ``torch.nn.attention.SDPBackend``.

    Members (PyTorch's names and values): ``ERROR`` (-1), ``MATH`` (0), ``FLASH_ATTENTION`` (1),
    ``EFFICIENT_ATTENTION`` (2), ``CUDNN_ATTENTION`` (3), ``OVERRIDEABLE`` (4). As in PyTorch a member is not
    equal to its integer value, but ``int(member)`` gives it.

    Example:
        >>> from tocha.nn.attention import SDPBackend
        >>> SDPBackend.FLASH_ATTENTION, int(SDPBackend.MATH)
        (<SDPBackend.FLASH_ATTENTION: 1>, 0)
    """

    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4

    def __int__(self) -> int:
        """The backend's integer value."""
        return int(self.value)

    def __index__(self) -> int:
        """The backend's integer value."""
        return int(self.value)


def _set_backends(backends: Iterable[SDPBackend], set_priority: bool) -> None:
    chosen = list(backends)
    _backends.set_enabled(frozenset(b.value for b in SDPBackend if b.value >= 0 and b in chosen))
    if set_priority:
        order = [b.value for b in chosen if b.value >= 0]
        order += [b for b in _backends.PRIORITY if b not in order]
        _backends.set_priority(tuple(order))


def _cur_sdpa_kernel_backends(with_priority: bool = False) -> list[SDPBackend]:
    """The backends now allowed (in priority order when ``with_priority``), as PyTorch's private helper."""
    found = [b for b in SDPBackend if b.value in _backends.ENABLED]
    if with_priority:
        found.sort(key=lambda b: _backends.PRIORITY.index(b.value))
    return found


@contextlib.contextmanager
def sdpa_kernel(backends: list[SDPBackend] | SDPBackend, set_priority: bool = False) -> Iterator[dict[str, Any]]:
    """Allow only ``backends`` for ``scaled_dot_product_attention`` inside the block, as ``torch.nn.attention``.

    tocha's single implementation counts as ``MATH``; with ``MATH`` not allowed, attention runs only where
    PyTorch would have run an allowed fused kernel (on CPU: ``FLASH_ATTENTION`` with its conditions) and
    raises PyTorch's ``RuntimeError`` otherwise. The previous choice is restored on exit.

    Args:
        backends: one backend or a list of them.
        set_priority: also take the list's order as the backends' priority order.

    Yields:
        An empty dict, as PyTorch's.

    Raises:
        AssertionError: ``backends`` is neither an ``SDPBackend`` nor a list.

    Example:
        >>> import tocha
        >>> import tocha.nn.functional as F
        >>> from tocha.nn.attention import SDPBackend, sdpa_kernel
        >>> q = tocha.ones(2, 3)
        >>> with sdpa_kernel(SDPBackend.EFFICIENT_ATTENTION):
        ...     F.scaled_dot_product_attention(q, q, q)
        Traceback (most recent call last):
        ...
        RuntimeError: No viable backend for scaled_dot_product_attention was found. This is likely due to turning off both the math kernel and the fused kernels.
    """  # noqa: E501
    if not isinstance(backends, (list, SDPBackend)):
        raise AssertionError(
            "Backend must be an instance of SDPBackend or a list of SDPBackend instances, "
            f"got {type(backends).__name__}"
        )
    chosen = [backends] if isinstance(backends, SDPBackend) else list(dict.fromkeys(backends))
    previous, previous_priority = _backends.ENABLED, _backends.PRIORITY
    try:
        _set_backends(chosen, set_priority)
        yield {}
    finally:
        _backends.set_enabled(previous)
        if set_priority:
            _backends.set_priority(previous_priority)


class SDPAParams:
    """The arguments of one attention call, as ``torch.backends.cuda.SDPAParams`` (all positional).

    Args:
        query: the query tensor.
        key: the key tensor.
        value: the value tensor.
        attn_mask: the mask or None.
        dropout: the dropout probability.
        is_causal: whether the attention is causal.
        enable_gqa: whether grouped-query attention is on.

    Example:
        >>> import tocha
        >>> from tocha.nn.attention import SDPAParams
        >>> q = tocha.ones(1, 1, 2, 4)
        >>> SDPAParams(q, q, q, None, 0.0, False, False).dropout
        0.0
    """

    __slots__ = ("attn_mask", "dropout", "enable_gqa", "is_causal", "key", "query", "value")

    def __init__(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        attn_mask: Tensor | None,
        dropout: float,
        is_causal: bool,
        enable_gqa: bool,
    ) -> None:
        self.query = query
        self.key = key
        self.value = value
        self.attn_mask = attn_mask
        self.dropout = float(dropout)
        self.is_causal = bool(is_causal)
        self.enable_gqa = bool(enable_gqa)


def can_use_flash_attention(params: SDPAParams, debug: bool = False) -> bool:
    """Whether a fused flash-attention kernel can run ``params``: always False in tocha.

    As PyTorch without CUDA, which also returns False and says nothing even with ``debug``; tocha has no fused
    kernels (its one implementation is the MATH backend).

    Args:
        params: the call's arguments.
        debug: accepted for PyTorch's signature; nothing is reported.

    Returns:
        False.

    Example:
        >>> import tocha
        >>> from tocha.nn.attention import SDPAParams, can_use_flash_attention
        >>> q = tocha.ones(1, 1, 2, 4)
        >>> can_use_flash_attention(SDPAParams(q, q, q, None, 0.0, False, False))
        False
    """
    return False


def can_use_efficient_attention(params: SDPAParams, debug: bool = False) -> bool:
    """Whether a fused memory-efficient kernel can run ``params``: always False in tocha.

    As PyTorch without CUDA; see :func:`can_use_flash_attention`.

    Args:
        params: the call's arguments.
        debug: accepted for PyTorch's signature; nothing is reported.

    Returns:
        False.

    Example:
        >>> import tocha
        >>> from tocha.nn.attention import SDPAParams, can_use_efficient_attention
        >>> q = tocha.ones(1, 1, 2, 4)
        >>> can_use_efficient_attention(SDPAParams(q, q, q, None, 0.0, False, False))
        False
    """
    return False


def _raise_kernel_warnings(params: SDPAParams) -> None:
    """With ``WARN_FOR_UNFUSED_KERNELS`` set, warn that no fused kernel can run ``params`` (PyTorch's words)."""
    if WARN_FOR_UNFUSED_KERNELS:
        import warnings

        warnings.warn("Efficient attention can't be used because:", UserWarning, stacklevel=2)
        warnings.warn("Flash attention can't be used because:", UserWarning, stacklevel=2)


for _obj in (SDPBackend, sdpa_kernel, SDPAParams, can_use_flash_attention, can_use_efficient_attention):
    _obj.__module__ = __name__
del _obj
