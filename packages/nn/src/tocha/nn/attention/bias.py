"""tocha.nn.attention.bias: causal biases usable as ``attn_mask`` (``torch.nn.attention.bias``).

A :class:`CausalBias` stands for a boolean ``(seq_len_q, seq_len_kv)`` mask without storing it. Passed as
``attn_mask`` to ``tocha.nn.functional.scaled_dot_product_attention`` it becomes ``is_causal=True`` when that
means the same thing (the upper-left variant, or equal lengths) and the materialised lower-right mask
otherwise. Unlike PyTorch's it is not a ``Tensor`` subclass: only attention accepts it.

Example:
    >>> import tocha
    >>> import tocha.nn.functional as F
    >>> from tocha.nn.attention.bias import causal_lower_right
    >>> q, k = tocha.ones(1, 1, 2, 4), tocha.ones(1, 1, 3, 4)
    >>> F.scaled_dot_product_attention(q, k, k, attn_mask=causal_lower_right(2, 3)).shape
    tocha.Size([1, 1, 2, 4])
"""

from __future__ import annotations

import enum
import warnings
from typing import Any

import tocha
from tocha import Tensor

from . import SDPAParams, _raise_kernel_warnings

__all__ = ["causal_upper_left", "causal_lower_right", "CausalVariant", "CausalBias"]


class CausalVariant(enum.IntEnum):
    """Where a causal bias's triangle is anchored when ``seq_len_q != seq_len_kv``.

    ``UPPER_LEFT`` (1): ``tril(ones(L, S))``, as ``is_causal=True``. ``LOWER_RIGHT`` (2):
    ``tril(ones(L, S), diagonal=S - L)``, the last query sees every key. The two agree when ``L == S``.

    Example:
        >>> from tocha.nn.attention.bias import CausalVariant
        >>> CausalVariant.LOWER_RIGHT
        <CausalVariant.LOWER_RIGHT: 2>
    """

    UPPER_LEFT = 1
    LOWER_RIGHT = 2


class CausalBias:
    """A causal attention bias (see :class:`CausalVariant`); build it with :func:`causal_upper_left` or
    :func:`causal_lower_right`.

    Args:
        variant: the triangle's anchor.
        seq_len_q: the query length ``L``.
        seq_len_kv: the key/value length ``S``.

    Raises:
        AssertionError: ``variant`` is not a :class:`CausalVariant`.

    Warns:
        UserWarning: a lower-right bias with ``L > S`` (its first rows attend to nothing).

    Example:
        >>> from tocha.nn.attention.bias import CausalBias, CausalVariant
        >>> CausalBias(CausalVariant.UPPER_LEFT, 2, 3)
        tensor([[ True, False, False],
                [ True,  True, False]])
    """

    __slots__ = ("seq_len_kv", "seq_len_q", "variant")

    def __init__(self, variant: CausalVariant, seq_len_q: int, seq_len_kv: int) -> None:
        if not isinstance(variant, CausalVariant):
            raise AssertionError(f"variant must be a CausalVariant, got {type(variant).__name__}")
        self.variant = variant
        self.seq_len_q = seq_len_q
        self.seq_len_kv = seq_len_kv
        if seq_len_q > seq_len_kv and variant == CausalVariant.LOWER_RIGHT:
            warnings.warn(
                "Lower right causal bias will produce NaNs in the output when seq_len_q > seq_len_kv!",
                UserWarning,
                stacklevel=2,
            )

    def _materialize(self, device: Any = None) -> Tensor:
        """The bias as a boolean ``(seq_len_q, seq_len_kv)`` tensor (``True`` attends) on ``device`` (CPU)."""
        ones = tocha.ones(self.seq_len_q, self.seq_len_kv, dtype=tocha.bool, device=device or "cpu")
        if self.variant == CausalVariant.UPPER_LEFT:
            return ones.tril()
        return ones.tril(self.seq_len_kv - self.seq_len_q)

    def _sdpa_dispatch(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        dropout_p: float = 0.0,
        is_causal: bool = False,
        scale: float | None = None,
        enable_gqa: bool = False,
    ) -> Tensor:
        """Attention with this bias as the mask (called by ``scaled_dot_product_attention``)."""
        from tocha.nn.functional import scaled_dot_product_attention

        if is_causal:
            raise ValueError("CausalBias should not be used with causal=True")
        if self.seq_len_q == self.seq_len_kv or self.variant == CausalVariant.UPPER_LEFT:
            return scaled_dot_product_attention(
                query, key, value, None, dropout_p, True, scale=scale, enable_gqa=enable_gqa
            )
        _raise_kernel_warnings(SDPAParams(query, key, value, None, dropout_p, is_causal, enable_gqa))
        mask = self._materialize(query.device)
        return scaled_dot_product_attention(
            query, key, value, mask, dropout_p, False, scale=scale, enable_gqa=enable_gqa
        )

    def __repr__(self) -> str:
        """The materialised mask's repr, as PyTorch's."""
        return repr(self._materialize())


def causal_upper_left(*size: int) -> CausalBias:
    """An upper-left causal bias of ``size == (L, S)``: ``tril(ones(L, S))``, the same as ``is_causal=True``.

    Args:
        size: ``L`` and ``S``.

    Returns:
        The :class:`CausalBias`.

    Raises:
        AssertionError: ``size`` does not have two entries.

    Example:
        >>> from tocha.nn.attention.bias import causal_upper_left
        >>> causal_upper_left(3, 4)
        tensor([[ True, False, False, False],
                [ True,  True, False, False],
                [ True,  True,  True, False]])
    """
    if len(size) != 2:
        raise AssertionError("causal_upper_left only supports 2D tensors")
    return CausalBias(CausalVariant.UPPER_LEFT, size[0], size[1])


def causal_lower_right(*size: int) -> CausalBias:
    """A lower-right causal bias of ``size == (L, S)``: ``tril(ones(L, S), diagonal=S - L)``.

    Args:
        size: ``L`` and ``S``.

    Returns:
        The :class:`CausalBias`.

    Raises:
        AssertionError: ``size`` does not have two entries.

    Example:
        >>> from tocha.nn.attention.bias import causal_lower_right
        >>> causal_lower_right(3, 4)
        tensor([[ True,  True, False, False],
                [ True,  True,  True, False],
                [ True,  True,  True,  True]])
    """
    if len(size) != 2:
        raise AssertionError("causal_lower_right only supports 2D tensors")
    return CausalBias(CausalVariant.LOWER_RIGHT, size[0], size[1])


for _obj in (CausalVariant, CausalBias, causal_upper_left, causal_lower_right):
    _obj.__module__ = __name__
del _obj
