"""MultiheadAttention (and the NonDynamicallyQuantizableLinear its output projection is, as in PyTorch)."""

from __future__ import annotations

from typing import Any

import tocha
from tocha import Tensor

from .. import init
from ..functional._attention import _canonical_mask, multi_head_attention_forward
from ..parameter import Parameter
from .linear import Linear
from .module import Module

__all__: list[str] = ["MultiheadAttention"]


class NonDynamicallyQuantizableLinear(Linear):
    """A :class:`~tocha.nn.Linear` under PyTorch's name for :class:`MultiheadAttention`'s ``out_proj``.

    Example:
        >>> from tocha.nn.modules.attention import NonDynamicallyQuantizableLinear
        >>> NonDynamicallyQuantizableLinear(4, 2)
        NonDynamicallyQuantizableLinear(in_features=4, out_features=2, bias=True)
    """


class MultiheadAttention(Module):
    r"""Multi-head attention, as ``torch.nn.MultiheadAttention``.

    :math:`\mathrm{MultiHead}(Q, K, V) = \mathrm{Concat}(\mathrm{head}_1, \dots, \mathrm{head}_h) W^O` with
    :math:`\mathrm{head}_i = \mathrm{softmax}(Q W_i^Q (K W_i^K)^T / \sqrt{d}) V W_i^V`, :math:`d` the head size.

    Parameters (PyTorch's names and initialisation): ``in_proj_weight`` ``(3E, E)`` (Xavier uniform) when
    ``kdim == vdim == embed_dim``, else ``q_proj_weight``, ``k_proj_weight``, ``v_proj_weight``;
    ``in_proj_bias`` ``(3E,)`` (zeros); ``out_proj`` (a Linear, bias zeroed); ``bias_k``/``bias_v``
    ``(1, 1, E)`` (Xavier normal) with ``add_bias_kv``.

    Args:
        embed_dim: the model dimension ``E``.
        num_heads: the number of heads; must divide ``embed_dim``.
        dropout: dropout probability on the attention weights.
        bias: learn input/output projection biases.
        add_bias_kv: learn an extra key and value row appended to the sequences.
        add_zero_attn: append a row of zeros to the keys and values.
        kdim: the key feature size (``embed_dim`` when None).
        vdim: the value feature size (``embed_dim`` when None).
        batch_first: inputs and outputs are ``(N, L, E)`` instead of ``(L, N, E)``.
        device: where to create the parameters.
        dtype: their dtype.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> mha = nn.MultiheadAttention(8, 2, batch_first=True)
        >>> x = tocha.randn(3, 5, 8)
        >>> out, weights = mha(x, x, x)
        >>> out.shape, weights.shape
        (tocha.Size([3, 5, 8]), tocha.Size([3, 5, 5]))
    """

    in_proj_weight: Parameter | None
    q_proj_weight: Parameter | None
    k_proj_weight: Parameter | None
    v_proj_weight: Parameter | None
    in_proj_bias: Parameter | None
    bias_k: Parameter | None
    bias_v: Parameter | None

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(
                f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} and "
                f"num_heads={num_heads} instead"
            )
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(tocha.empty((embed_dim, embed_dim), **factory))
            self.k_proj_weight = Parameter(tocha.empty((embed_dim, self.kdim), **factory))
            self.v_proj_weight = Parameter(tocha.empty((embed_dim, self.vdim), **factory))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(tocha.empty((3 * embed_dim, embed_dim), **factory))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(tocha.empty(3 * embed_dim, **factory))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, **factory)
        if add_bias_kv:
            self.bias_k = Parameter(tocha.empty((1, 1, embed_dim), **factory))
            self.bias_v = Parameter(tocha.empty((1, 1, embed_dim), **factory))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            assert self.in_proj_weight is not None
            init.xavier_uniform_(self.in_proj_weight)
        else:
            assert self.q_proj_weight is not None
            assert self.k_proj_weight is not None
            assert self.v_proj_weight is not None
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            if self.out_proj.bias is not None:
                init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def reset_parameters(self) -> None:
        """Re-draw the projections with PyTorch's initialisation (the out-projection weight keeps its own)."""
        self._reset_parameters()

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Tensor | None = None,
        need_weights: bool = True,
        attn_mask: Tensor | None = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """Attend ``query`` to ``key``/``value``.

        Args:
            query: ``(L, N, E)`` (``(N, L, E)`` with ``batch_first``) or unbatched ``(L, E)``.
            key: ``(S, N, kdim)`` likewise.
            value: ``(S, N, vdim)`` likewise.
            key_padding_mask: ``(N, S)`` (or ``(S,)``); bool ``True`` ignores a key, float values are added.
            need_weights: also return the attention weights.
            attn_mask: ``(L, S)`` or ``(N * num_heads, L, S)``; bool ``True`` masks out, float is added.
            average_attn_weights: average the weights over the heads.
            is_causal: hint that ``attn_mask`` is the causal mask.

        Returns:
            ``(output, weights)``: the output shaped like ``query`` (with ``E`` features) and the weights
            ``(N, L, S)`` (``(N, num_heads, L, S)`` when not averaged) or None.
        """
        is_batched = query.dim() == 3
        key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", attn_mask, "attn_mask", query.dtype)
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, check_other=False)
        if self.batch_first and is_batched:
            if key is value:
                if query is key:
                    query = key = value = query.transpose(1, 0)
                else:
                    query, key = (x.transpose(1, 0) for x in (query, key))
                    value = key
            else:
                query, key, value = (x.transpose(1, 0) for x in (query, key, value))
        out, weights = multi_head_attention_forward(
            query,
            key,
            value,
            self.embed_dim,
            self.num_heads,
            self.in_proj_weight,
            self.in_proj_bias,
            self.bias_k,
            self.bias_v,
            self.add_zero_attn,
            self.dropout,
            self.out_proj.weight,
            self.out_proj.bias,
            training=self.training,
            key_padding_mask=key_padding_mask,
            need_weights=need_weights,
            attn_mask=attn_mask,
            use_separate_proj_weight=not self._qkv_same_embed_dim,
            q_proj_weight=self.q_proj_weight,
            k_proj_weight=self.k_proj_weight,
            v_proj_weight=self.v_proj_weight,
            average_attn_weights=average_attn_weights,
            is_causal=is_causal,
        )
        if self.batch_first and is_batched:
            return out.transpose(1, 0), weights
        return out, weights
