"""AdaptiveLogSoftmaxWithLoss (``torch.nn.AdaptiveLogSoftmaxWithLoss``)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, NamedTuple

import tocha
from tocha import Tensor

from ..functional._activation import log_softmax
from .container import ModuleList, Sequential
from .linear import Linear
from .module import Module

__all__: list[str] = ["AdaptiveLogSoftmaxWithLoss"]


class _ASMoutput(NamedTuple):
    output: Tensor
    loss: Tensor


class AdaptiveLogSoftmaxWithLoss(Module):
    r"""Efficient softmax approximation for large output spaces (Grave et al., "adaptive softmax").

    Classes are split by ``cutoffs`` into a frequent shortlist ``[0, cutoffs[0])`` and tail clusters
    ``[cutoffs[i], cutoffs[i+1])``. The ``head`` (``Linear(in_features, cutoffs[0] + n_clusters)``) scores the
    shortlist and one entry per cluster; cluster ``i`` has a two-layer projection
    ``Linear(in_features, in_features // div_value**(i+1)) -> Linear(.., cluster size)``, both without bias.
    For a target ``t`` in cluster ``i``:

    .. math::
        \log p(t \mid x) = \log\mathrm{softmax}(\mathrm{head}(x))_{\text{cluster } i}
            + \log\mathrm{softmax}(\mathrm{tail}_i(x))_{t - \text{cutoff}_i}

    Args:
        in_features: the input's feature count.
        n_classes: the number of classes.
        cutoffs: increasing, unique integers in ``[1, n_classes - 1]``.
        div_value: the exponent base shrinking each cluster's hidden size.
        head_bias: give the head a bias.
        device: where to create the parameters.
        dtype: their dtype.

    Forward ``(input, target)``: ``input`` ``(N, in_features)`` or ``(in_features,)``, ``target`` ``(N,)`` or
    ``()``; returns a named tuple ``(output, loss)``: each target's log-probability and the mean negative
    log-likelihood.

    Example:
        >>> import tocha
        >>> import tocha.nn as nn
        >>> asm = nn.AdaptiveLogSoftmaxWithLoss(16, 10, cutoffs=[4, 8])
        >>> out = asm(tocha.randn(3, 16), tocha.tensor([0, 5, 9]))
        >>> out.output.shape, out.loss.shape
        (tocha.Size([3]), tocha.Size([]))
        >>> bool(tocha.allclose(asm.log_prob(tocha.randn(3, 16)).exp().sum(1), tocha.ones(3)))
        True
    """

    in_features: int
    n_classes: int
    cutoffs: list[int]
    div_value: float
    head_bias: bool
    head: Linear
    tail: ModuleList

    def __init__(
        self,
        in_features: int,
        n_classes: int,
        cutoffs: Sequence[int],
        div_value: float = 4.0,
        head_bias: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (
            cutoffs != sorted(cutoffs)
            or min(cutoffs) <= 0
            or max(cutoffs) > n_classes - 1
            or len(set(cutoffs)) != len(cutoffs)
            or any(int(c) != c for c in cutoffs)
        ):
            raise ValueError(
                "cutoffs should be a sequence of unique, positive integers sorted in an increasing order, "
                "where each value is between 1 and n_classes-1"
            )
        self.in_features = in_features
        self.n_classes = n_classes
        self.cutoffs = [*cutoffs, n_classes]
        self.div_value = div_value
        self.head_bias = head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias, device=device, dtype=dtype)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hsz = int(in_features // (div_value ** (i + 1)))
            osz = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(
                Sequential(
                    Linear(in_features, hsz, bias=False, device=device, dtype=dtype),
                    Linear(hsz, osz, bias=False, device=device, dtype=dtype),
                )
            )

    def reset_parameters(self) -> None:
        """Re-initialise the head and every projection as ``Linear`` does.

        Example:
            >>> import tocha.nn as nn
            >>> nn.AdaptiveLogSoftmaxWithLoss(8, 10, [4]).reset_parameters()
        """
        self.head.reset_parameters()
        for projection in self.tail:
            for layer in projection.children():
                layer.reset_parameters()  # type: ignore[operator]

    def forward(self, input_: Tensor, target_: Tensor) -> _ASMoutput:
        """Return ``(output, loss)``: each target's log-probability and their mean negative."""
        targ_dim = target_.dim()
        if targ_dim == 1:
            if input_.shape[0] != target_.shape[0]:
                raise RuntimeError("Input and target should have the same size in the batch dimension.")
            if input_.dim() != 2:
                raise RuntimeError(
                    f"1D target tensor expects 2D input tensors, but found inputs with size {input_.shape}"
                )
        elif targ_dim == 0:
            if input_.dim() != 1:
                raise RuntimeError(
                    f"0D target tensor expects 1D input tensors, but found inputs with size {input_.shape}"
                )
        else:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        is_batched = targ_dim > 0
        input = input_ if is_batched else input_.unsqueeze(0)
        target = target_ if is_batched else target_.unsqueeze(0)
        batch_size = target.shape[0]
        in_range = (target >= 0) & (target < self.n_classes)
        if not bool(in_range.all()):
            raise RuntimeError(
                f"Target values should be in [0, {self.n_classes - 1}], but values in range "
                f"[{target.min().item()}, {target.max().item()}] were found. "
            )
        # Each row's cluster (0: the shortlist), its head column and, for tail rows, the tail log-probability.
        cluster = tocha.bucketize(target, tocha.tensor(self.cutoffs[:-1], device=target.device), right=True)
        gather_inds = tocha.where(cluster == 0, target, cluster + (self.shortlist_size - 1))
        rows: list[Tensor] = [(cluster == 0).nonzero().reshape(-1)]
        pieces: list[Tensor] = [tocha.zeros(rows[0].shape[0], dtype=input.dtype, device=input.device)]
        for i in range(1, self.n_clusters + 1):
            row_indices = (cluster == i).nonzero().reshape(-1)
            if row_indices.numel() == 0:
                continue
            relative_target = target.index_select(0, row_indices) - self.cutoffs[i - 1]
            cluster_logprob = log_softmax(self.tail[i - 1](input.index_select(0, row_indices)), dim=1)
            rows.append(row_indices)
            pieces.append(cluster_logprob.gather(1, relative_target.unsqueeze(1)).squeeze(1))
        tail_logprob = tocha.cat(pieces)[tocha.argsort(tocha.cat(rows))] if len(pieces) > 1 else pieces[0]
        head_logprob = log_softmax(self.head(input), dim=1)
        output = tail_logprob + head_logprob.gather(1, gather_inds.unsqueeze(1)).reshape(batch_size)
        loss = (-output).mean()
        if not is_batched:
            output = output.squeeze(0)
        return _ASMoutput(output, loss)

    def _get_full_log_prob(self, input: Tensor, head_output: Tensor) -> Tensor:
        head_logprob = log_softmax(head_output, dim=1)
        columns = [head_logprob[:, : self.shortlist_size]]
        for i, _ in enumerate(itertools.pairwise(self.cutoffs)):
            cluster_logprob = log_softmax(self.tail[i](input), dim=1)
            columns.append(cluster_logprob + head_logprob[:, self.shortlist_size + i].unsqueeze(1))
        return tocha.cat(columns, dim=1)

    def log_prob(self, input: Tensor) -> Tensor:
        """The log-probability of every class, ``(N, n_classes)``.

        Example:
            >>> import tocha, tocha.nn as nn
            >>> nn.AdaptiveLogSoftmaxWithLoss(8, 10, [4]).log_prob(tocha.randn(2, 8)).shape
            tocha.Size([2, 10])
        """
        return self._get_full_log_prob(input, self.head(input))

    def predict(self, input: Tensor) -> Tensor:
        """The most likely class of each row, ``(N,)`` (cheap when it is in the shortlist).

        Example:
            >>> import tocha, tocha.nn as nn
            >>> nn.AdaptiveLogSoftmaxWithLoss(8, 10, [4]).predict(tocha.randn(2, 8)).shape
            tocha.Size([2])
        """
        head_output = self.head(input)
        output = tocha.argmax(head_output, dim=1)
        not_in_shortlist = output >= self.shortlist_size
        if not bool(not_in_shortlist.any()):
            return output
        if bool(not_in_shortlist.all()):
            return tocha.argmax(self._get_full_log_prob(input, head_output), dim=1)
        log_prob = self._get_full_log_prob(input[not_in_shortlist], head_output[not_in_shortlist])
        output[not_in_shortlist] = tocha.argmax(log_prob, dim=1)
        return output
