"""Loss modules: thin classes over :mod:`tocha.nn.functional`'s losses, as ``torch.nn``'s.

Every loss takes ``reduction`` ('none', 'mean' or 'sum'); the deprecated ``size_average`` / ``reduce`` pair
is accepted and converted with PyTorch's warning. Class weights are registered buffers (``weight``,
``pos_weight``), so they appear in the state dict and move with ``.to()``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

from tocha import Tensor

from ..functional import _loss as _fn
from .distance import PairwiseDistance
from .module import Module

__all__ = [
    "L1Loss",
    "MSELoss",
    "SmoothL1Loss",
    "HuberLoss",
    "CrossEntropyLoss",
    "NLLLoss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "KLDivLoss",
    "PoissonNLLLoss",
    "GaussianNLLLoss",
    "CosineEmbeddingLoss",
    "MarginRankingLoss",
    "HingeEmbeddingLoss",
    "MultiLabelMarginLoss",
    "MultiLabelSoftMarginLoss",
    "MultiMarginLoss",
    "SoftMarginLoss",
    "TripletMarginLoss",
    "TripletMarginWithDistanceLoss",
    "CTCLoss",
]


class _Loss(Module):
    """Base of the losses: holds ``reduction``."""

    reduction: str

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            self.reduction = _fn.legacy_reduction(size_average, reduce, stacklevel=4)
        else:
            self.reduction = reduction


class _WeightedLoss(_Loss):
    """Base of the losses with a class-weight buffer ``weight``."""

    weight: Tensor | None

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class L1Loss(_Loss):
    """Mean absolute error (see :func:`tocha.nn.functional.l1_loss`).

    Example:
        >>> import tocha
        >>> tocha.nn.L1Loss()(tocha.tensor([1.0, 2.0]), tocha.tensor([0.0, 4.0]))
        tensor(1.5000)
    """

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``input`` against ``target``."""
        return _fn.l1_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error (see :func:`tocha.nn.functional.mse_loss`).

    Example:
        >>> import tocha
        >>> tocha.nn.MSELoss()(tocha.tensor([1.0, 2.0]), tocha.tensor([0.0, 4.0]))
        tensor(2.5000)
    """

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``input`` against ``target``."""
        return _fn.mse_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """Squared error below ``beta``, absolute error above (see :func:`tocha.nn.functional.smooth_l1_loss`).

    Example:
        >>> import tocha
        >>> tocha.nn.SmoothL1Loss(beta=1.0)(tocha.tensor([0.5, 3.0]), tocha.tensor([0.0, 0.0]))
        tensor(1.3125)
    """

    def __init__(
        self,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        beta: float = 1.0,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``input`` against ``target``."""
        return _fn.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Squared error below ``delta``, scaled absolute error above (see :func:`tocha.nn.functional.huber_loss`).

    Example:
        >>> import tocha
        >>> tocha.nn.HuberLoss(delta=2.0)(tocha.tensor([0.5, 3.0]), tocha.tensor([0.0, 0.0]))
        tensor(2.0625)
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``input`` against ``target``."""
        return _fn.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class CrossEntropyLoss(_WeightedLoss):
    """Cross entropy of logits against class indices or probabilities (see :func:`tocha.nn.functional.cross_entropy`).

    Example:
        >>> import tocha
        >>> loss = tocha.nn.CrossEntropyLoss()
        >>> loss(tocha.tensor([[2.0, 0.0], [0.0, 2.0]]), tocha.tensor([0, 1]))
        tensor(0.1269)
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of the logits ``input`` against ``target``."""
        return _fn.cross_entropy(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of class indices (see :func:`tocha.nn.functional.nll_loss`).

    Example:
        >>> import tocha
        >>> tocha.nn.NLLLoss()(tocha.tensor([[-0.5, -1.0], [-2.0, -0.1]]), tocha.tensor([0, 1]))
        tensor(0.3000)
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of the log-probabilities ``input`` against ``target``."""
        return _fn.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index, reduction=self.reduction)


class NLLLoss2d(NLLLoss):
    """The deprecated name of :class:`NLLLoss` for 4-D inputs (which :class:`NLLLoss` takes); warns
    FutureWarning, as PyTorch.

    Example:
        >>> import warnings, tocha
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", FutureWarning)
        ...     loss = tocha.nn.NLLLoss2d()
        >>> loss(tocha.zeros(1, 2, 1, 1), tocha.zeros(1, 1, 1, dtype=tocha.int64))
        tensor(-0.)
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        warnings.warn(
            "`NLLLoss2d` has been deprecated. Please use `NLLLoss` instead as a drop-in replacement.",
            FutureWarning,
            stacklevel=2,
        )
        super().__init__(weight, size_average, ignore_index, reduce, reduction)


class BCELoss(_WeightedLoss):
    """Binary cross entropy of probabilities (see :func:`tocha.nn.functional.binary_cross_entropy`).

    Example:
        >>> import tocha
        >>> tocha.nn.BCELoss()(tocha.tensor([0.9, 0.2]), tocha.tensor([1.0, 0.0]))
        tensor(0.1643)
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of the probabilities ``input`` against ``target``."""
        return _fn.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross entropy of logits (see :func:`tocha.nn.functional.binary_cross_entropy_with_logits`).

    ``weight`` and ``pos_weight`` are buffers.

    Example:
        >>> import tocha
        >>> tocha.nn.BCEWithLogitsLoss()(tocha.tensor([2.0, -1.0]), tocha.tensor([1.0, 0.0]))
        tensor(0.2201)
    """

    weight: Tensor | None
    pos_weight: Tensor | None

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        pos_weight: Tensor | None = None,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of the logits ``input`` against ``target``."""
        return _fn.binary_cross_entropy_with_logits(
            input, target, self.weight, pos_weight=self.pos_weight, reduction=self.reduction
        )


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence (see :func:`tocha.nn.functional.kl_div`).

    Example:
        >>> import tocha
        >>> loss = tocha.nn.KLDivLoss(reduction="batchmean")
        >>> loss(tocha.tensor([[0.5, 0.5]]).log(), tocha.tensor([[0.25, 0.75]]))
        tensor(0.1308)
    """

    def __init__(
        self,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        log_target: bool = False,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The divergence of ``target`` from the log-probabilities ``input``."""
        return _fn.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class PoissonNLLLoss(_Loss):
    """Poisson negative log-likelihood (see :func:`tocha.nn.functional.poisson_nll_loss`).

    Example:
        >>> import tocha
        >>> tocha.nn.PoissonNLLLoss()(tocha.tensor([0.0, 1.0]), tocha.tensor([1.0, 2.0]))
        tensor(0.8591)
    """

    def __init__(
        self,
        log_input: bool = True,
        full: bool = False,
        size_average: bool | None = None,
        eps: float = 1e-8,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_input = log_input
        self.full = full
        self.eps = eps

    def forward(self, log_input: Tensor, target: Tensor) -> Tensor:
        """The loss of the predicted rates ``log_input`` against the counts ``target``."""
        return _fn.poisson_nll_loss(
            log_input, target, log_input=self.log_input, full=self.full, eps=self.eps, reduction=self.reduction
        )


class GaussianNLLLoss(_Loss):
    """Gaussian negative log-likelihood (see :func:`tocha.nn.functional.gaussian_nll_loss`).

    Example:
        >>> import tocha
        >>> loss = tocha.nn.GaussianNLLLoss()
        >>> loss(tocha.tensor([1.0, 2.0]), tocha.tensor([1.5, 2.0]), tocha.tensor([1.0, 1.0]))
        tensor(0.0625)
    """

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(None, None, reduction)
        self.full = full
        self.eps = eps

    def forward(self, input: Tensor, target: Tensor, var: Tensor | float) -> Tensor:
        """The loss of the means ``input`` and variances ``var`` against ``target``."""
        return _fn.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps, reduction=self.reduction)


class _PairMarginLoss(_Loss):
    """A loss over input pairs with a ``margin`` (default 0): CosineEmbeddingLoss, MarginRankingLoss."""

    def __init__(
        self,
        margin: float = 0.0,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin


class CosineEmbeddingLoss(_PairMarginLoss):
    """Cosine-similarity embedding loss (see :func:`tocha.nn.functional.cosine_embedding_loss`).

    Example:
        >>> import tocha
        >>> x = tocha.tensor([[1.0, 0.0]])
        >>> tocha.nn.CosineEmbeddingLoss()(x, tocha.tensor([[0.0, 1.0]]), tocha.tensor([1]))
        tensor(1.)
    """

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        """The loss of the pairs ``(input1, input2)`` labelled ``target`` (1 similar, -1 dissimilar)."""
        return _fn.cosine_embedding_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class MarginRankingLoss(_PairMarginLoss):
    """Margin ranking loss (see :func:`tocha.nn.functional.margin_ranking_loss`).

    Example:
        >>> import tocha
        >>> loss = tocha.nn.MarginRankingLoss()
        >>> loss(tocha.tensor([1.0, 2.0]), tocha.tensor([2.0, 1.0]), tocha.tensor([1.0, 1.0]))
        tensor(0.5000)
    """

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        """The loss of ranking ``input1`` above ``input2`` where ``target`` is 1 (below where -1)."""
        return _fn.margin_ranking_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class HingeEmbeddingLoss(_Loss):
    """Hinge embedding loss (see :func:`tocha.nn.functional.hinge_embedding_loss`).

    Example:
        >>> import tocha
        >>> tocha.nn.HingeEmbeddingLoss()(tocha.tensor([0.3, 0.4]), tocha.tensor([1.0, -1.0]))
        tensor(0.4500)
    """

    def __init__(
        self,
        margin: float = 1.0,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of the distances ``input`` labelled ``target`` (1 or -1)."""
        return _fn.hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """Multi-class multi-label hinge loss (see :func:`tocha.nn.functional.multilabel_margin_loss`).

    Example:
        >>> import tocha
        >>> loss = tocha.nn.MultiLabelMarginLoss()
        >>> loss(tocha.tensor([[0.1, 0.2, 0.4, 0.8]]), tocha.tensor([[3, 0, -1, 1]]))
        tensor(0.8500)
    """

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of the scores ``input`` against the -1-padded class lists ``target``."""
        return _fn.multilabel_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """One-versus-all logistic loss (see :func:`tocha.nn.functional.multilabel_soft_margin_loss`).

    Example:
        >>> import tocha
        >>> tocha.nn.MultiLabelSoftMarginLoss()(tocha.tensor([[1.0, -1.0]]), tocha.tensor([[1.0, 0.0]]))
        tensor(0.3133)
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of the logits ``input`` against the 0/1 labels ``target``."""
        return _fn.multilabel_soft_margin_loss(input, target, weight=self.weight, reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss (see :func:`tocha.nn.functional.multi_margin_loss`).

    Example:
        >>> import tocha
        >>> tocha.nn.MultiMarginLoss()(tocha.tensor([[0.1, 0.2, 0.4, 0.8]]), tocha.tensor([3]))
        tensor(0.3250)
    """

    def __init__(
        self,
        p: int = 1,
        margin: float = 1.0,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        if p not in (1, 2):
            raise ValueError("only p == 1 and p == 2 supported")
        if weight is not None and weight.dim() != 1:
            raise ValueError(f"MultiMarginLoss: expected weight to be None or 1D tensor, got {weight.dim()}D instead")
        self.p = p
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of the scores ``input`` against the class indices ``target``."""
        return _fn.multi_margin_loss(
            input, target, p=self.p, margin=self.margin, weight=self.weight, reduction=self.reduction
        )


class SoftMarginLoss(_Loss):
    """Two-class logistic loss (see :func:`tocha.nn.functional.soft_margin_loss`).

    Example:
        >>> import tocha
        >>> tocha.nn.SoftMarginLoss()(tocha.tensor([1.0, -2.0]), tocha.tensor([1.0, -1.0]))
        tensor(0.2201)
    """

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """The loss of ``input`` against the labels ``target`` (1 or -1)."""
        return _fn.soft_margin_loss(input, target, reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """Triplet loss with the p-norm distance (see :func:`tocha.nn.functional.triplet_margin_loss`).

    Example:
        >>> import tocha
        >>> a = tocha.tensor([[0.0, 0.0]])
        >>> tocha.nn.TripletMarginLoss()(a, tocha.tensor([[1.0, 0.0]]), tocha.tensor([[0.0, 1.5]]))
        tensor(0.5000)
    """

    def __init__(
        self,
        margin: float = 1.0,
        p: float = 2.0,
        eps: float = 1e-6,
        swap: bool = False,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: expected margin to be greater than 0, got {margin} instead")
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        """The loss of the triplets ``(anchor, positive, negative)``."""
        return _fn.triplet_margin_loss(
            anchor,
            positive,
            negative,
            margin=self.margin,
            p=self.p,
            eps=self.eps,
            swap=self.swap,
            reduction=self.reduction,
        )


class TripletMarginWithDistanceLoss(_Loss):
    """Triplet loss with any distance (see :func:`tocha.nn.functional.triplet_margin_with_distance_loss`).

    ``distance_function`` defaults to ``nn.PairwiseDistance()`` (a submodule, as in PyTorch).

    Example:
        >>> import tocha
        >>> a = tocha.tensor([[0.0, 0.0]])
        >>> loss = tocha.nn.TripletMarginWithDistanceLoss()
        >>> loss(a, tocha.tensor([[1.0, 0.0]]), tocha.tensor([[0.0, 1.5]]))
        tensor(0.5000)
    """

    def __init__(
        self,
        *,
        distance_function: Callable[[Tensor, Tensor], Tensor] | None = None,
        margin: float = 1.0,
        swap: bool = False,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average=None, reduce=None, reduction=reduction)
        if margin <= 0:
            raise ValueError(
                f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, got {margin} instead"
            )
        if distance_function is None:
            distance_function = PairwiseDistance()
        self.distance_function = distance_function
        self.margin = margin
        self.swap = swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        """The loss of the triplets ``(anchor, positive, negative)``."""
        return _fn.triplet_margin_with_distance_loss(
            anchor,
            positive,
            negative,
            distance_function=self.distance_function,
            margin=self.margin,
            swap=self.swap,
            reduction=self.reduction,
        )


class CTCLoss(_Loss):
    """Connectionist Temporal Classification loss (see :func:`tocha.nn.functional.ctc_loss`).

    Example:
        >>> import tocha
        >>> log_probs = tocha.full((2, 1, 2), 0.5).log()
        >>> tocha.nn.CTCLoss(reduction="sum")(log_probs, tocha.tensor([[1]]), [2], [1])
        tensor(0.2877)
    """

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> None:
        super().__init__(reduction=reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(
        self,
        log_probs: Tensor,
        targets: Tensor,
        input_lengths: Tensor | Sequence[int],
        target_lengths: Tensor | Sequence[int],
    ) -> Tensor:
        """The loss of the log-probabilities ``log_probs`` (T, N, C) against ``targets``."""
        return _fn.ctc_loss(
            log_probs,
            targets,
            input_lengths,
            target_lengths,
            blank=self.blank,
            reduction=self.reduction,
            zero_infinity=self.zero_infinity,
        )
