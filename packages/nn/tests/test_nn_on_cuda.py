"""Every tocha.nn layer on 'cuda' gives the CPU's numbers: outputs, input gradients, parameter gradients (``gpu``).

Each case builds its module (or function) and its inputs on the CPU under ``tocha.manual_seed(0)``, deep-copies
the module to 'cuda', and runs forward and backward on both with the same inputs (floating inputs require grad)
and the same random output gradient. The outputs, the inputs' gradients, the parameters' gradients and the
state after the step (running statistics, renormalised embeddings) must agree with the CPU's, and every result
must live on 'cuda'.

On a machine without a GPU, ``PYTHONPATH=tools/fake_cupy`` runs these against tools/fake_cupy, a NumPy-backed
stand-in for CuPy that refuses what CuPy refuses (NumPy operands, implicit host conversion, names CuPy lacks).
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

import tocha
import tocha.nn as nn
import tocha.nn.functional as F
import tocha.nn.utils.parametrizations as parametrizations
import tocha.nn.utils.rnn as rnn_utils

pytestmark = pytest.mark.gpu


@dataclass(frozen=True)
class Case:
    """A module (or function) factory, its inputs, and which inputs require grad."""

    make: Callable[[], Any]
    inputs: Callable[[], tuple[Any, ...]]
    grad: tuple[int, ...] | None = None  # positions of the inputs that require grad; None: every floating tensor
    double: bool = False  # run in float64 (where float32 rounding would make the comparison flaky)
    lazy: bool = False  # a lazy module: materialised by a first call on each device, then given the CPU's values


def _randn(*shape: int) -> Callable[[], tuple[Any, ...]]:
    return lambda: (tocha.randn(*shape),)


def _loss(make: Callable[[], Any], *inputs: Callable[[], Any], grad: tuple[int, ...] = (0,)) -> Case:
    return Case(make, lambda: tuple(f() for f in inputs), grad=grad)


def _classes(n: int, *shape: int) -> Callable[[], tocha.Tensor]:
    return lambda: tocha.randint(0, n, shape)


def _signs(*shape: int) -> Callable[[], tocha.Tensor]:
    return lambda: tocha.randint(0, 2, shape).float() * 2 - 1


def _rand(*shape: int, low: float = 0.0) -> Callable[[], tocha.Tensor]:
    return lambda: tocha.rand(*shape) * (1 - low) + low


def _normal(*shape: int) -> Callable[[], tocha.Tensor]:
    return lambda: tocha.randn(*shape)


class _PoolUnpool(nn.Module):
    """Max pooling with indices, then MaxUnpool back to the input's size."""

    def __init__(self, pool: nn.Module, unpool: nn.Module) -> None:
        super().__init__()
        self.pool = pool
        self.unpool = unpool

    def forward(self, x: tocha.Tensor) -> tocha.Tensor:
        y, indices = self.pool(x)
        return self.unpool(y, indices, output_size=x.shape)  # type: ignore[no-any-return]


class _Packed(nn.Module):
    """A recurrent layer run on a packed batch of unsorted lengths, padded back."""

    def __init__(self, rnn: nn.Module, lengths: list[int]) -> None:
        super().__init__()
        self.rnn = rnn
        self.lengths = lengths

    def forward(self, x: tocha.Tensor) -> tuple[Any, ...]:
        packed = rnn_utils.pack_padded_sequence(x, self.lengths, batch_first=True, enforce_sorted=False)
        out, hidden = self.rnn(packed)
        padded, lengths = rnn_utils.pad_packed_sequence(out, batch_first=True)
        assert lengths.tolist() == self.lengths
        return padded, hidden


def _causal(n: int) -> Callable[[], tocha.Tensor]:
    return lambda: tocha.ones(n, n, dtype=tocha.bool).triu(1)


def _float_causal(n: int) -> Callable[[], tocha.Tensor]:
    return lambda: nn.Transformer.generate_square_subsequent_mask(n)


def _padding_mask(batch: int, n: int) -> Callable[[], tocha.Tensor]:
    return lambda: tocha.arange(n).expand(batch, n) >= tocha.tensor([[n], [n - 2], [n - 1]][:batch])


LINEAR = {
    "Linear": Case(lambda: nn.Linear(5, 4), _randn(3, 5)),
    "Linear-nobias-3d": Case(lambda: nn.Linear(5, 4, bias=False), _randn(2, 3, 5)),
    "Bilinear": Case(lambda: nn.Bilinear(3, 4, 5), lambda: (tocha.randn(6, 3), tocha.randn(6, 4))),
    "Identity": Case(nn.Identity, _randn(3, 4)),
    "F.linear": Case(lambda: F.linear, lambda: (tocha.randn(3, 5), tocha.randn(4, 5), tocha.randn(4))),
}

CONV = {
    "Conv1d-stride-pad": Case(lambda: nn.Conv1d(4, 6, 3, stride=2, padding=1), _randn(2, 4, 9)),
    "Conv1d-dilation-groups": Case(lambda: nn.Conv1d(4, 6, 3, dilation=2, groups=2), _randn(2, 4, 10)),
    "Conv1d-reflect": Case(lambda: nn.Conv1d(3, 4, 3, padding=2, padding_mode="reflect"), _randn(2, 3, 8)),
    "Conv1d-same": Case(lambda: nn.Conv1d(3, 4, 4, padding="same", dilation=2), _randn(2, 3, 8)),
    "Conv2d-stride-pad": Case(lambda: nn.Conv2d(3, 4, 3, stride=(2, 1), padding=1), _randn(2, 3, 7, 6)),
    "Conv2d-dilation-groups": Case(lambda: nn.Conv2d(4, 8, 3, padding=2, dilation=2, groups=4), _randn(2, 4, 6, 6)),
    "Conv2d-replicate": Case(lambda: nn.Conv2d(3, 4, 3, padding=1, padding_mode="replicate"), _randn(2, 3, 5, 5)),
    "Conv2d-circular": Case(lambda: nn.Conv2d(3, 4, 3, padding=(1, 2), padding_mode="circular"), _randn(1, 3, 5, 6)),
    "Conv2d-nobias": Case(lambda: nn.Conv2d(2, 3, (2, 3), bias=False), _randn(2, 2, 5, 5)),
    "Conv3d-stride-pad": Case(lambda: nn.Conv3d(2, 3, 3, stride=2, padding=1), _randn(1, 2, 5, 5, 5)),
    "Conv3d-circular": Case(lambda: nn.Conv3d(2, 2, 3, padding=1, padding_mode="circular"), _randn(1, 2, 4, 4, 4)),
    "Conv3d-reflect": Case(lambda: nn.Conv3d(2, 2, 3, padding=1, padding_mode="reflect"), _randn(1, 2, 4, 4, 4)),
    "ConvTranspose1d-output_padding": Case(
        lambda: nn.ConvTranspose1d(4, 3, 3, stride=2, padding=1, output_padding=1), _randn(2, 4, 5)
    ),
    "ConvTranspose2d-dilation-groups": Case(
        lambda: nn.ConvTranspose2d(4, 6, 3, stride=2, groups=2, dilation=2), _randn(2, 4, 4, 4)
    ),
    "ConvTranspose2d-output_size": Case(
        lambda: _OutputSize(nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1), (9, 10)), _randn(1, 3, 5, 5)
    ),
    "ConvTranspose3d": Case(lambda: nn.ConvTranspose3d(2, 3, 2, stride=2, padding=1), _randn(1, 2, 3, 3, 3)),
}


class _OutputSize(nn.Module):
    """A transposed convolution called with an explicit ``output_size``."""

    def __init__(self, conv: nn.Module, size: tuple[int, ...]) -> None:
        super().__init__()
        self.conv = conv
        self.size = size

    def forward(self, x: tocha.Tensor) -> tocha.Tensor:
        return self.conv(x, output_size=self.size)  # type: ignore[no-any-return]


POOL = {
    "MaxPool1d-stride-pad": Case(lambda: nn.MaxPool1d(3, stride=2, padding=1), _randn(2, 3, 9)),
    "MaxPool1d-indices": Case(lambda: nn.MaxPool1d(2, return_indices=True), _randn(2, 3, 8)),
    "MaxPool2d-ceil": Case(lambda: nn.MaxPool2d(3, stride=2, ceil_mode=True), _randn(2, 3, 8, 8)),
    "MaxPool2d-dilation-indices": Case(lambda: nn.MaxPool2d(2, dilation=2, return_indices=True), _randn(1, 2, 7, 7)),
    "MaxPool3d-pad-indices": Case(
        lambda: nn.MaxPool3d(2, stride=2, padding=1, return_indices=True), _randn(1, 2, 5, 5, 5)
    ),
    "AvgPool1d-exclude-pad": Case(
        lambda: nn.AvgPool1d(3, stride=2, padding=1, count_include_pad=False), _randn(2, 3, 9)
    ),
    "AvgPool2d-ceil": Case(lambda: nn.AvgPool2d(3, stride=2, ceil_mode=True), _randn(2, 3, 8, 8)),
    "AvgPool2d-divisor": Case(lambda: nn.AvgPool2d(2, padding=1, divisor_override=3), _randn(2, 3, 5, 5)),
    "AvgPool3d": Case(lambda: nn.AvgPool3d(2, stride=1, padding=1, ceil_mode=True), _randn(1, 2, 4, 4, 4)),
    "AdaptiveMaxPool1d": Case(lambda: nn.AdaptiveMaxPool1d(4), _randn(2, 3, 10)),
    "AdaptiveMaxPool2d-indices": Case(lambda: nn.AdaptiveMaxPool2d((3, 2), return_indices=True), _randn(2, 3, 7, 5)),
    "AdaptiveMaxPool3d": Case(lambda: nn.AdaptiveMaxPool3d((2, None, 3)), _randn(1, 2, 5, 4, 6)),
    "AdaptiveAvgPool1d": Case(lambda: nn.AdaptiveAvgPool1d(3), _randn(2, 3, 10)),
    "AdaptiveAvgPool2d": Case(lambda: nn.AdaptiveAvgPool2d((3, 4)), _randn(2, 3, 7, 9)),
    "AdaptiveAvgPool3d": Case(lambda: nn.AdaptiveAvgPool3d(2), _randn(1, 2, 5, 4, 3)),
    "LPPool1d": Case(lambda: nn.LPPool1d(2, 3, stride=2), _randn(2, 3, 9)),
    "LPPool2d-ceil": Case(lambda: nn.LPPool2d(3, 2, ceil_mode=True), lambda: (tocha.rand(2, 3, 5, 5) + 0.1,)),
    "LPPool3d": Case(lambda: nn.LPPool3d(2, 2), _randn(1, 2, 4, 4, 4)),
    "FractionalMaxPool2d-indices": Case(
        lambda: nn.FractionalMaxPool2d(2, output_size=(4, 3), return_indices=True, _random_samples=tocha.rand(2, 3, 2)),
        _randn(2, 3, 8, 7),
    ),
    "FractionalMaxPool3d-ratio": Case(
        lambda: nn.FractionalMaxPool3d(2, output_ratio=0.5, _random_samples=tocha.rand(1, 2, 3)), _randn(1, 2, 6, 6, 6)
    ),
    "MaxUnpool1d": Case(lambda: _PoolUnpool(nn.MaxPool1d(2, return_indices=True), nn.MaxUnpool1d(2)), _randn(2, 3, 9)),
    "MaxUnpool2d": Case(
        lambda: _PoolUnpool(nn.MaxPool2d(2, stride=2, return_indices=True), nn.MaxUnpool2d(2, stride=2)),
        _randn(2, 3, 6, 7),
    ),
    "MaxUnpool3d": Case(
        lambda: _PoolUnpool(nn.MaxPool3d(2, return_indices=True), nn.MaxUnpool3d(2)), _randn(1, 2, 4, 4, 5)
    ),
}

NORM = {
    "BatchNorm1d-train-2d": Case(lambda: nn.BatchNorm1d(3), _randn(6, 3)),
    "BatchNorm1d-train-3d": Case(lambda: nn.BatchNorm1d(3, momentum=None), _randn(4, 3, 5)),
    "BatchNorm1d-eval": Case(lambda: _with_stats(nn.BatchNorm1d(3)).eval(), _randn(4, 3, 5)),
    "BatchNorm2d-train": Case(lambda: nn.BatchNorm2d(3), _randn(2, 3, 4, 4)),
    "BatchNorm2d-eval": Case(lambda: _with_stats(nn.BatchNorm2d(3)).eval(), _randn(2, 3, 4, 4)),
    "BatchNorm2d-no-affine-no-stats": Case(
        lambda: nn.BatchNorm2d(3, affine=False, track_running_stats=False), _randn(2, 3, 4, 4)
    ),
    "BatchNorm3d-train": Case(lambda: nn.BatchNorm3d(2), _randn(2, 2, 3, 3, 3)),
    "BatchNorm3d-eval": Case(lambda: _with_stats(nn.BatchNorm3d(2)).eval(), _randn(2, 2, 3, 3, 3)),
    "SyncBatchNorm-train": Case(lambda: nn.SyncBatchNorm(3), _randn(2, 3, 4, 4)),
    "LayerNorm": Case(lambda: nn.LayerNorm([4, 5]), _randn(3, 4, 5)),
    "LayerNorm-no-affine": Case(lambda: nn.LayerNorm(5, elementwise_affine=False), _randn(3, 5)),
    "LayerNorm-no-bias": Case(lambda: nn.LayerNorm(5, bias=False), _randn(3, 5)),
    "GroupNorm": Case(lambda: nn.GroupNorm(2, 4), _randn(2, 4, 3, 3)),
    "GroupNorm-no-affine": Case(lambda: nn.GroupNorm(3, 6, affine=False), _randn(2, 6, 5)),
    "InstanceNorm1d": Case(lambda: nn.InstanceNorm1d(3), _randn(2, 3, 6)),
    "InstanceNorm2d-affine-stats": Case(
        lambda: nn.InstanceNorm2d(3, affine=True, track_running_stats=True), _randn(2, 3, 4, 4)
    ),
    "InstanceNorm2d-eval-stats": Case(
        lambda: _with_stats(nn.InstanceNorm2d(3, track_running_stats=True)).eval(), _randn(2, 3, 4, 4)
    ),
    "InstanceNorm3d-affine": Case(lambda: nn.InstanceNorm3d(2, affine=True), _randn(2, 2, 3, 3, 3)),
    "LocalResponseNorm": Case(lambda: nn.LocalResponseNorm(3), _randn(2, 5, 4, 4)),
    "LocalResponseNorm-3d": Case(lambda: nn.LocalResponseNorm(2, alpha=0.1, k=2.0), _randn(2, 4, 6)),
    "CrossMapLRN2d": Case(lambda: nn.CrossMapLRN2d(3, alpha=0.01), _randn(2, 5, 3, 3)),
    "RMSNorm": Case(lambda: nn.RMSNorm([4, 5]), _randn(3, 4, 5)),
    "RMSNorm-eps-no-affine": Case(lambda: nn.RMSNorm(5, eps=1e-3, elementwise_affine=False), _randn(3, 5)),
}


def _with_stats(module: nn.Module) -> nn.Module:
    """Non-trivial running statistics, so that eval mode uses them."""
    with tocha.no_grad():
        module.running_mean.copy_(tocha.randn(module.running_mean.shape))
        module.running_var.copy_(tocha.rand(module.running_var.shape) + 0.5)
    return module


_ACTIVATIONS: dict[str, Callable[[], Any]] = {
    "ReLU": nn.ReLU,
    "ReLU6": lambda: nn.ReLU6(),
    "LeakyReLU": lambda: nn.LeakyReLU(0.1),
    "PReLU": lambda: nn.PReLU(4),
    "RReLU-eval": lambda: nn.RReLU().eval(),
    "ELU": lambda: nn.ELU(0.7),
    "CELU": lambda: nn.CELU(1.3),
    "SELU": nn.SELU,
    "GELU": nn.GELU,
    "GELU-tanh": lambda: nn.GELU(approximate="tanh"),
    "SiLU": nn.SiLU,
    "Mish": nn.Mish,
    "Sigmoid": nn.Sigmoid,
    "Tanh": nn.Tanh,
    "Hardtanh": lambda: nn.Hardtanh(-0.5, 0.8),
    "Hardsigmoid": nn.Hardsigmoid,
    "Hardswish": nn.Hardswish,
    "Hardshrink": lambda: nn.Hardshrink(0.3),
    "Softshrink": lambda: nn.Softshrink(0.3),
    "Tanhshrink": nn.Tanhshrink,
    "Softplus": lambda: nn.Softplus(beta=2.0, threshold=1.0),
    "Softsign": nn.Softsign,
    "LogSigmoid": nn.LogSigmoid,
    "Threshold": lambda: nn.Threshold(0.1, 20.0),
    "GLU": lambda: nn.GLU(dim=1),
    "Softmax": lambda: nn.Softmax(dim=1),
    "Softmax-last": lambda: nn.Softmax(dim=-1),
    "LogSoftmax": lambda: nn.LogSoftmax(dim=2),
    "Softmin": lambda: nn.Softmin(dim=0),
    "Softmax2d": nn.Softmax2d,
}
ACTIVATION = {name: Case(make, _randn(3, 4, 5)) for name, make in _ACTIVATIONS.items()}

ATTENTION = {
    "MultiheadAttention-self": Case(lambda: nn.MultiheadAttention(8, 2), lambda: (tocha.randn(5, 2, 8),) * 3),
    "MultiheadAttention-batch_first-masks": Case(
        lambda: nn.MultiheadAttention(8, 2, batch_first=True),
        lambda: (
            tocha.randn(3, 5, 8),
            tocha.randn(3, 4, 8),
            tocha.randn(3, 4, 8),
            _padding_mask(3, 4)(),
            True,
            tocha.ones(5, 4, dtype=tocha.bool).triu(2),
        ),
    ),
    "MultiheadAttention-kdim-vdim-bias_kv-zero_attn": Case(
        lambda: nn.MultiheadAttention(8, 4, add_bias_kv=True, add_zero_attn=True, kdim=6, vdim=3),
        lambda: (tocha.randn(5, 2, 8), tocha.randn(4, 2, 6), tocha.randn(4, 2, 3)),
    ),
    "MultiheadAttention-causal-per-head-weights": Case(
        lambda: _Causal(nn.MultiheadAttention(8, 2, batch_first=True)), _randn(2, 5, 8)
    ),
    "F.scaled_dot_product_attention": Case(
        lambda: F.scaled_dot_product_attention, lambda: (tocha.randn(2, 3, 5, 4),) + (tocha.randn(2, 3, 6, 4),) * 2
    ),
    "F.scaled_dot_product_attention-causal-scale": Case(
        lambda: lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.3),
        lambda: (tocha.randn(2, 5, 4), tocha.randn(2, 5, 4), tocha.randn(2, 5, 3)),
    ),
    "F.scaled_dot_product_attention-bool-mask": Case(
        lambda: lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
        lambda: (tocha.randn(2, 5, 4), tocha.randn(2, 6, 4), tocha.randn(2, 6, 3), tocha.rand(5, 6) > 0.3),
    ),
    "F.scaled_dot_product_attention-float-mask-gqa": Case(
        lambda: lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m, enable_gqa=True),
        lambda: (tocha.randn(1, 4, 5, 4), tocha.randn(1, 2, 6, 4), tocha.randn(1, 2, 6, 4), tocha.randn(5, 6)),
        grad=(0, 1, 2),
    ),
}


class _Causal(nn.Module):
    """Self-attention with a causal mask, per-head weights."""

    def __init__(self, attention: nn.Module) -> None:
        super().__init__()
        self.attention = attention

    def forward(self, x: tocha.Tensor) -> Any:
        mask = nn.Transformer.generate_square_subsequent_mask(x.shape[1], device=x.device)
        return self.attention(x, x, x, attn_mask=mask, is_causal=True, average_attn_weights=False)


LOSS = {
    "L1Loss": _loss(nn.L1Loss, _normal(3, 4), _normal(3, 4), grad=(0, 1)),
    "L1Loss-sum": _loss(lambda: nn.L1Loss(reduction="sum"), _normal(3, 4), _normal(3, 4)),
    "MSELoss": _loss(nn.MSELoss, _normal(3, 4), _normal(3, 4), grad=(0, 1)),
    "MSELoss-none": _loss(lambda: nn.MSELoss(reduction="none"), _normal(3, 4), _normal(3, 4)),
    "CrossEntropyLoss": _loss(nn.CrossEntropyLoss, _normal(6, 5), _classes(5, 6)),
    "CrossEntropyLoss-weight-ignore_index": _loss(
        lambda: nn.CrossEntropyLoss(weight=tocha.rand(5) + 0.5, ignore_index=2), _normal(8, 5), _classes(5, 8)
    ),
    "CrossEntropyLoss-label_smoothing-weight": _loss(
        lambda: nn.CrossEntropyLoss(weight=tocha.rand(5) + 0.5, label_smoothing=0.2), _normal(6, 5), _classes(5, 6)
    ),
    "CrossEntropyLoss-probabilities": _loss(
        lambda: nn.CrossEntropyLoss(label_smoothing=0.1), _normal(6, 5), lambda: F.softmax(tocha.randn(6, 5), 1)
    ),
    "CrossEntropyLoss-2d-none": _loss(
        lambda: nn.CrossEntropyLoss(reduction="none"), _normal(2, 4, 3, 3), _classes(4, 2, 3, 3)
    ),
    "CrossEntropyLoss-2d-sum-ignore": _loss(
        lambda: nn.CrossEntropyLoss(reduction="sum", ignore_index=0), _normal(2, 4, 3, 3), _classes(4, 2, 3, 3)
    ),
    "NLLLoss": _loss(nn.NLLLoss, _normal(6, 5), _classes(5, 6)),
    "NLLLoss-weight-ignore_index": _loss(
        lambda: nn.NLLLoss(weight=tocha.rand(5) + 0.5, ignore_index=1), _normal(8, 5), _classes(5, 8)
    ),
    "NLLLoss-2d": _loss(nn.NLLLoss, _normal(2, 4, 3, 5), _classes(4, 2, 3, 5)),
    "NLLLoss-2d-none": _loss(lambda: nn.NLLLoss(reduction="none"), _normal(2, 4, 3, 5), _classes(4, 2, 3, 5)),
    "BCELoss": _loss(nn.BCELoss, _rand(4, 3, low=0.05), _rand(4, 3)),
    "BCELoss-weight-sum": _loss(
        lambda: nn.BCELoss(weight=tocha.rand(3), reduction="sum"), _rand(4, 3, low=0.05), _rand(4, 3)
    ),
    "BCEWithLogitsLoss": _loss(nn.BCEWithLogitsLoss, _normal(4, 3), _rand(4, 3), grad=(0, 1)),
    "BCEWithLogitsLoss-pos_weight-weight": _loss(
        lambda: nn.BCEWithLogitsLoss(weight=tocha.rand(3), pos_weight=tocha.rand(3) + 0.5),
        _normal(4, 3),
        _rand(4, 3),
    ),
    "KLDivLoss-batchmean": _loss(
        lambda: nn.KLDivLoss(reduction="batchmean"),
        lambda: F.log_softmax(tocha.randn(4, 5), 1),
        lambda: F.softmax(tocha.randn(4, 5), 1),
    ),
    "KLDivLoss-log_target-none": _loss(
        lambda: nn.KLDivLoss(reduction="none", log_target=True), _normal(4, 5), _normal(4, 5), grad=(0, 1)
    ),
    "MarginRankingLoss": _loss(
        lambda: nn.MarginRankingLoss(margin=0.2), _normal(6), _normal(6), _signs(6), grad=(0, 1)
    ),
    "TripletMarginLoss": _loss(
        lambda: nn.TripletMarginLoss(margin=1.5), _normal(5, 4), _normal(5, 4), _normal(5, 4), grad=(0, 1, 2)
    ),
    "TripletMarginLoss-p1-swap-none": _loss(
        lambda: nn.TripletMarginLoss(p=1, swap=True, reduction="none"),
        _normal(5, 4),
        _normal(5, 4),
        _normal(5, 4),
        grad=(0, 1, 2),
    ),
    "TripletMarginWithDistanceLoss": _loss(
        lambda: nn.TripletMarginWithDistanceLoss(distance_function=nn.PairwiseDistance(), swap=True),
        _normal(5, 4),
        _normal(5, 4),
        _normal(5, 4),
        grad=(0, 1, 2),
    ),
    "HuberLoss": _loss(lambda: nn.HuberLoss(delta=0.5), _normal(4, 5), _normal(4, 5), grad=(0, 1)),
    "SmoothL1Loss": _loss(lambda: nn.SmoothL1Loss(beta=0.5, reduction="sum"), _normal(4, 5), _normal(4, 5)),
    "SmoothL1Loss-beta0": _loss(lambda: nn.SmoothL1Loss(beta=0.0), _normal(4, 5), _normal(4, 5)),
    "PoissonNLLLoss": _loss(nn.PoissonNLLLoss, _normal(4, 3), lambda: tocha.randint(0, 5, (4, 3)).float()),
    "PoissonNLLLoss-not-log-full": _loss(
        lambda: nn.PoissonNLLLoss(log_input=False, full=True),
        _rand(4, 3, low=0.1),
        lambda: tocha.randint(0, 5, (4, 3)).float(),
    ),
    "GaussianNLLLoss": _loss(nn.GaussianNLLLoss, _normal(4, 3), _normal(4, 3), _rand(4, 3, low=0.1), grad=(0, 2)),
    "GaussianNLLLoss-full-shared-var-sum": _loss(
        lambda: nn.GaussianNLLLoss(full=True, reduction="sum"),
        _normal(4, 3),
        _normal(4, 3),
        _rand(4, 1, low=0.1),
        grad=(0, 1, 2),
    ),
    "MultiLabelSoftMarginLoss": _loss(
        lambda: nn.MultiLabelSoftMarginLoss(weight=tocha.rand(5)),
        _normal(3, 5),
        lambda: tocha.randint(0, 2, (3, 5)).float(),
    ),
    "MultiMarginLoss": _loss(nn.MultiMarginLoss, _normal(4, 5), _classes(5, 4)),
    "MultiMarginLoss-p2-margin-weight": _loss(
        lambda: nn.MultiMarginLoss(p=2, margin=0.5, weight=tocha.rand(5) + 0.5, reduction="none"),
        _normal(4, 5),
        _classes(5, 4),
    ),
    "CosineEmbeddingLoss": _loss(
        lambda: nn.CosineEmbeddingLoss(margin=0.1), _normal(5, 4), _normal(5, 4), _signs(5), grad=(0, 1)
    ),
    "HingeEmbeddingLoss": _loss(lambda: nn.HingeEmbeddingLoss(margin=0.5), _normal(4, 5), _signs(4, 5)),
    "SoftMarginLoss": _loss(nn.SoftMarginLoss, _normal(4, 5), _signs(4, 5)),
    "MultiLabelMarginLoss": _loss(
        nn.MultiLabelMarginLoss,
        _normal(3, 5),
        lambda: tocha.tensor([[3, 0, -1, 1, 2], [1, 4, 2, -1, 0], [0, -1, 2, 2, 2]]),
    ),
    "CTCLoss": _loss(
        lambda: _LogSoftmaxFirst(nn.CTCLoss()),
        _normal(12, 3, 5),
        _classes(4, 3, 4),
        lambda: tocha.tensor([12, 10, 11]),
        lambda: tocha.tensor([4, 3, 2]),
    ),
    "CTCLoss-blank-sum-concatenated": _loss(
        lambda: _LogSoftmaxFirst(nn.CTCLoss(blank=4, reduction="sum")),
        _normal(10, 2, 5),
        _classes(4, 7),
        lambda: tocha.tensor([10, 9]),
        lambda: tocha.tensor([3, 4]),
    ),
    "CTCLoss-none-zero_infinity": _loss(
        lambda: _LogSoftmaxFirst(nn.CTCLoss(reduction="none", zero_infinity=True)),
        _normal(4, 2, 5),
        lambda: tocha.tensor([[1, 2, 3, 4, 1], [2, 2, 0, 0, 0]]),
        lambda: tocha.tensor([4, 4]),
        lambda: tocha.tensor([5, 2]),
    ),
}


class _LogSoftmaxFirst(nn.Module):
    """A loss applied to the log-softmax of its first input over the last dimension."""

    def __init__(self, loss: nn.Module) -> None:
        super().__init__()
        self.loss = loss

    def forward(self, x: tocha.Tensor, *rest: Any) -> tocha.Tensor:
        return self.loss(F.log_softmax(x, -1), *rest)  # type: ignore[no-any-return]


EMBEDDING = {
    "Embedding": Case(lambda: nn.Embedding(10, 4), lambda: (tocha.randint(0, 10, (3, 5)),)),
    "Embedding-padding_idx": Case(
        lambda: nn.Embedding(10, 4, padding_idx=2), lambda: (tocha.tensor([[2, 1, 2, 9], [0, 2, 5, 1]]),)
    ),
    "Embedding-max_norm": Case(lambda: nn.Embedding(10, 4, max_norm=1.0), lambda: (tocha.tensor([[1, 3, 3, 7]]),)),
    "Embedding-scale_grad_by_freq": Case(
        lambda: nn.Embedding(10, 4, scale_grad_by_freq=True), lambda: (tocha.tensor([[1, 3, 3, 7, 3]]),)
    ),
    "EmbeddingBag-mean-2d": Case(lambda: nn.EmbeddingBag(10, 4), lambda: (tocha.randint(0, 10, (3, 4)),)),
    "EmbeddingBag-sum-offsets": Case(
        lambda: nn.EmbeddingBag(10, 4, mode="sum"),
        lambda: (tocha.tensor([1, 2, 4, 5, 4, 3, 2, 9]), tocha.tensor([0, 3, 3, 6])),
    ),
    "EmbeddingBag-max-offsets": Case(
        lambda: nn.EmbeddingBag(10, 4, mode="max"),
        lambda: (tocha.tensor([1, 2, 4, 5, 4, 3, 2, 9]), tocha.tensor([0, 2, 5])),
    ),
    "EmbeddingBag-per_sample_weights": Case(
        lambda: nn.EmbeddingBag(10, 4, mode="sum"),
        lambda: (tocha.tensor([1, 2, 4, 5, 4, 3]), tocha.tensor([0, 2]), tocha.rand(6)),
    ),
    "EmbeddingBag-include_last_offset-padding_idx": Case(
        lambda: nn.EmbeddingBag(10, 4, mode="mean", include_last_offset=True, padding_idx=4),
        lambda: (tocha.tensor([1, 2, 4, 5, 4, 3, 4, 4]), tocha.tensor([0, 3, 6, 8])),
    ),
    "EmbeddingBag-max_norm-2d-sum": Case(
        lambda: nn.EmbeddingBag(10, 4, mode="sum", max_norm=0.5), lambda: (tocha.randint(0, 10, (2, 3)),)
    ),
}

RECURRENT = {
    "RNN-tanh-2layers": Case(lambda: nn.RNN(4, 6, num_layers=2), _randn(5, 3, 4)),
    "RNN-relu-bidirectional-batch_first-h0": Case(
        lambda: nn.RNN(4, 6, nonlinearity="relu", bidirectional=True, batch_first=True),
        lambda: (tocha.randn(3, 5, 4), tocha.randn(2, 3, 6)),
    ),
    "LSTM": Case(lambda: nn.LSTM(4, 6), _randn(5, 3, 4)),
    "LSTM-2layers-bidirectional-h0-c0": Case(
        lambda: _TupleState(nn.LSTM(4, 6, num_layers=2, bidirectional=True)),
        lambda: (tocha.randn(5, 3, 4), tocha.randn(4, 3, 6), tocha.randn(4, 3, 6)),
    ),
    "LSTM-proj_size-batch_first": Case(lambda: nn.LSTM(4, 6, proj_size=3, batch_first=True), _randn(3, 5, 4)),
    "LSTM-unbatched": Case(lambda: nn.LSTM(4, 6, num_layers=2), _randn(5, 4)),
    "GRU-bidirectional-batch_first": Case(lambda: nn.GRU(4, 6, bidirectional=True, batch_first=True), _randn(3, 5, 4)),
    "GRU-2layers-no-bias-h0": Case(
        lambda: nn.GRU(4, 6, num_layers=2, bias=False), lambda: (tocha.randn(5, 3, 4), tocha.randn(2, 3, 6))
    ),
    "RNNCell": Case(lambda: nn.RNNCell(4, 6), lambda: (tocha.randn(3, 4), tocha.randn(3, 6))),
    "LSTMCell": Case(
        lambda: _TupleState(nn.LSTMCell(4, 6)), lambda: (tocha.randn(3, 4), tocha.randn(3, 6), tocha.randn(3, 6))
    ),
    "GRUCell": Case(lambda: nn.GRUCell(4, 6), _randn(3, 4)),
    "packed-LSTM-bidirectional": Case(
        lambda: _Packed(nn.LSTM(4, 6, bidirectional=True, batch_first=True), [3, 5, 2]), _randn(3, 5, 4)
    ),
    "packed-GRU-2layers": Case(lambda: _Packed(nn.GRU(4, 6, num_layers=2, batch_first=True), [4, 5]), _randn(2, 5, 4)),
    "packed-RNN-proj-LSTM": Case(
        lambda: _Packed(nn.LSTM(4, 6, proj_size=2, batch_first=True), [2, 4, 4]), _randn(3, 4, 4)
    ),
    "pad_sequence-pack_sequence": Case(
        lambda: _PackSequence(nn.GRU(4, 5)), lambda: (tocha.randn(3, 4), tocha.randn(5, 4), tocha.randn(2, 4))
    ),
}


class _TupleState(nn.Module):
    """An LSTM (or LSTMCell) given its state as two separate inputs."""

    def __init__(self, lstm: nn.Module) -> None:
        super().__init__()
        self.lstm = lstm

    def forward(self, x: tocha.Tensor, h: tocha.Tensor, c: tocha.Tensor) -> Any:
        return self.lstm(x, (h, c))


class _PackSequence(nn.Module):
    """pad_sequence, pack_sequence (unsorted) and unpack of a list of sequences."""

    def __init__(self, rnn: nn.Module) -> None:
        super().__init__()
        self.rnn = rnn

    def forward(self, *sequences: tocha.Tensor) -> Any:
        padded = rnn_utils.pad_sequence(list(sequences), padding_value=0.5)
        out, hidden = self.rnn(rnn_utils.pack_sequence(list(sequences), enforce_sorted=False))
        unpacked, _ = rnn_utils.pad_packed_sequence(out, total_length=6)
        return padded, unpacked, hidden


def _encoder_layer(norm_first: bool = False, activation: Any = F.relu) -> nn.TransformerEncoderLayer:
    return nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, norm_first=norm_first, activation=activation)


TRANSFORMER = {
    "TransformerEncoderLayer-masks": Case(
        lambda: _encoder_layer(), lambda: (tocha.randn(5, 3, 8), _causal(5)(), _padding_mask(3, 5)())
    ),
    "TransformerEncoderLayer-norm_first-gelu-batch_first": Case(
        lambda: nn.TransformerEncoderLayer(8, 2, 16, 0.0, activation="gelu", batch_first=True, norm_first=True),
        lambda: (tocha.randn(3, 5, 8), tocha.rand(5, 5) > 0.8),
    ),
    "TransformerDecoderLayer-masks": Case(
        lambda: nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0),
        lambda: (tocha.randn(4, 3, 8), tocha.randn(5, 3, 8), _causal(4)(), None, None, _padding_mask(3, 5)()),
    ),
    "TransformerDecoderLayer-norm_first-batch_first": Case(
        lambda: nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, batch_first=True, norm_first=True),
        lambda: (tocha.randn(3, 4, 8), tocha.randn(3, 5, 8), _float_causal(4)(), tocha.randn(4, 5)),
    ),
    "TransformerEncoder-norm": Case(
        lambda: nn.TransformerEncoder(_encoder_layer(), 2, norm=nn.LayerNorm(8), enable_nested_tensor=False),
        lambda: (tocha.randn(5, 3, 8), _causal(5)(), _padding_mask(3, 5)()),
    ),
    "TransformerDecoder": Case(
        lambda: nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0), 2),
        lambda: (tocha.randn(4, 2, 8), tocha.randn(5, 2, 8), _float_causal(4)()),
    ),
    "Transformer": Case(
        lambda: nn.Transformer(8, 2, 1, 1, 16, dropout=0.0, batch_first=True),
        lambda: (tocha.randn(2, 5, 8), tocha.randn(2, 4, 8), None, _float_causal(4)()),
    ),
}


def _interpolate(**options: Any) -> Callable[[tocha.Tensor], tocha.Tensor]:
    return lambda x: F.interpolate(x, **options)


VISION = {
    "Upsample-nearest-1d": Case(lambda: nn.Upsample(scale_factor=2), _randn(2, 3, 5)),
    "Upsample-nearest-2d-size": Case(lambda: nn.Upsample(size=(7, 5)), _randn(2, 3, 4, 3)),
    "Upsample-nearest-3d": Case(lambda: nn.Upsample(scale_factor=(1, 2, 3)), _randn(1, 2, 2, 3, 2)),
    "Upsample-linear": Case(lambda: nn.Upsample(scale_factor=2.5, mode="linear"), _randn(2, 3, 5)),
    "Upsample-linear-align_corners": Case(
        lambda: nn.Upsample(size=9, mode="linear", align_corners=True), _randn(2, 3, 5)
    ),
    "Upsample-bilinear": Case(lambda: nn.Upsample(scale_factor=2, mode="bilinear"), _randn(2, 3, 4, 3)),
    "Upsample-bilinear-align_corners": Case(
        lambda: nn.Upsample(size=(5, 7), mode="bilinear", align_corners=True), _randn(2, 3, 4, 3)
    ),
    "Upsample-bicubic": Case(lambda: nn.Upsample(scale_factor=2, mode="bicubic"), _randn(1, 2, 4, 5)),
    "Upsample-bicubic-align_corners": Case(
        lambda: nn.Upsample(size=(6, 7), mode="bicubic", align_corners=True), _randn(1, 2, 4, 5)
    ),
    "Upsample-trilinear": Case(lambda: nn.Upsample(scale_factor=2, mode="trilinear"), _randn(1, 2, 2, 3, 2)),
    "Upsample-trilinear-align_corners": Case(
        lambda: nn.Upsample(size=(3, 4, 5), mode="trilinear", align_corners=True), _randn(1, 2, 2, 3, 2)
    ),
    "UpsamplingNearest2d": Case(lambda: nn.UpsamplingNearest2d(scale_factor=2), _randn(1, 2, 3, 3)),
    "UpsamplingBilinear2d": Case(lambda: nn.UpsamplingBilinear2d(size=(5, 4)), _randn(1, 2, 3, 3)),
    "interpolate-nearest-exact": Case(lambda: _interpolate(size=(5, 7), mode="nearest-exact"), _randn(1, 2, 3, 4)),
    "interpolate-area": Case(lambda: _interpolate(size=(2, 3), mode="area"), _randn(1, 2, 5, 7)),
    "interpolate-bilinear-downscale": Case(lambda: _interpolate(scale_factor=0.5, mode="bilinear"), _randn(1, 2, 6, 8)),
    "PixelShuffle": Case(lambda: nn.PixelShuffle(2), _randn(2, 8, 3, 3)),
    "PixelUnshuffle": Case(lambda: nn.PixelUnshuffle(2), _randn(2, 2, 4, 6)),
    "ChannelShuffle": Case(lambda: nn.ChannelShuffle(3), _randn(2, 6, 2, 2)),
    "Unfold": Case(lambda: nn.Unfold((2, 3), dilation=(1, 2), padding=1, stride=(2, 1)), _randn(2, 3, 5, 6)),
    "Fold": Case(lambda: nn.Fold((4, 5), (2, 2), padding=1, stride=(1, 2)), _randn(2, 12, 15)),
    "Fold-overlapping-unbatched": Case(lambda: nn.Fold((4, 4), 3, padding=1), _randn(9, 16)),
    "Flatten": Case(lambda: nn.Flatten(), _randn(2, 3, 4, 5)),
    "Flatten-range": Case(lambda: nn.Flatten(1, 2), _randn(2, 3, 4, 5)),
    "Unflatten": Case(lambda: nn.Unflatten(1, (3, 4)), _randn(2, 12, 5)),
    "CosineSimilarity": Case(lambda: nn.CosineSimilarity(dim=1), lambda: (tocha.randn(4, 5), tocha.randn(4, 5))),
    "CosineSimilarity-broadcast": Case(
        lambda: nn.CosineSimilarity(dim=-1, eps=1e-6), lambda: (tocha.randn(3, 1, 5), tocha.randn(4, 5))
    ),
    "PairwiseDistance": Case(lambda: nn.PairwiseDistance(), lambda: (tocha.randn(4, 5), tocha.randn(4, 5))),
    "PairwiseDistance-p1-keepdim": Case(
        lambda: nn.PairwiseDistance(p=1.0, keepdim=True), lambda: (tocha.randn(4, 5), tocha.randn(1, 5))
    ),
    "F.pdist": Case(lambda: F.pdist, _randn(5, 3)),
    "F.normalize": Case(lambda: lambda x: F.normalize(x, p=3.0, dim=0), _randn(4, 5)),
    "F.one_hot": Case(lambda: F.one_hot, lambda: (tocha.tensor([[0, 3], [2, 1]]),)),
    "F.one_hot-num_classes": Case(lambda: lambda t: F.one_hot(t, 6), lambda: (tocha.tensor([0, 3, 2]),)),
    "F.grid_sample-bilinear-zeros": Case(
        lambda: lambda x, g: F.grid_sample(x, g, align_corners=False),
        lambda: (tocha.randn(2, 3, 4, 5), tocha.rand(2, 6, 7, 2) * 2.4 - 1.2),
    ),
    "F.grid_sample-nearest-border-align_corners": Case(
        lambda: lambda x, g: F.grid_sample(x, g, mode="nearest", padding_mode="border", align_corners=True),
        lambda: (tocha.randn(2, 3, 4, 5), tocha.rand(2, 6, 7, 2) * 2.4 - 1.2),
        grad=(0,),
    ),
    "F.grid_sample-bicubic-reflection": Case(
        lambda: lambda x, g: F.grid_sample(x, g, mode="bicubic", padding_mode="reflection", align_corners=False),
        lambda: (tocha.randn(1, 2, 4, 5), tocha.rand(1, 3, 4, 2) * 2.4 - 1.2),
        double=True,
    ),
    "F.grid_sample-3d-bilinear-reflection-align_corners": Case(
        lambda: lambda x, g: F.grid_sample(x, g, padding_mode="reflection", align_corners=True),
        lambda: (tocha.randn(1, 2, 3, 4, 5), tocha.rand(1, 2, 3, 4, 3) * 2.4 - 1.2),
    ),
    "F.affine_grid-2d": Case(lambda: lambda t: F.affine_grid(t, [2, 3, 4, 5], align_corners=False), _randn(2, 2, 3)),
    "F.affine_grid-3d-align_corners": Case(
        lambda: lambda t: F.affine_grid(t, [1, 2, 3, 4, 5], align_corners=True), _randn(1, 3, 4)
    ),
    "F.affine_grid-then-grid_sample": Case(
        lambda: lambda x, t: F.grid_sample(x, F.affine_grid(t, [2, 3, 5, 4], align_corners=False), align_corners=False),
        lambda: (tocha.randn(2, 3, 4, 4), tocha.randn(2, 2, 3) * 0.5),
    ),
}

PADDING = {
    "ZeroPad1d": Case(lambda: nn.ZeroPad1d((1, 2)), _randn(2, 3, 4)),
    "ZeroPad2d": Case(lambda: nn.ZeroPad2d((1, 2, 0, 3)), _randn(2, 3, 4, 4)),
    "ZeroPad3d": Case(lambda: nn.ZeroPad3d(1), _randn(1, 2, 2, 3, 2)),
    "ConstantPad1d": Case(lambda: nn.ConstantPad1d(2, 3.5), _randn(2, 3, 4)),
    "ConstantPad2d-negative": Case(lambda: nn.ConstantPad2d((1, -1, 2, 0), -1.0), _randn(2, 3, 4, 4)),
    "ConstantPad3d": Case(lambda: nn.ConstantPad3d((1, 0, 0, 2, 1, 1), 0.5), _randn(1, 2, 2, 3, 2)),
    "ReflectionPad1d": Case(lambda: nn.ReflectionPad1d((3, 1)), _randn(2, 3, 5)),
    "ReflectionPad2d": Case(lambda: nn.ReflectionPad2d((1, 2, 2, 1)), _randn(2, 3, 4, 4)),
    "ReflectionPad3d": Case(lambda: nn.ReflectionPad3d(1), _randn(1, 2, 3, 3, 3)),
    "ReplicationPad1d": Case(lambda: nn.ReplicationPad1d((3, 1)), _randn(2, 3, 5)),
    "ReplicationPad2d": Case(lambda: nn.ReplicationPad2d((1, 2, 2, 1)), _randn(2, 3, 4, 4)),
    "ReplicationPad3d": Case(lambda: nn.ReplicationPad3d((1, 0, 2, 1, 0, 1)), _randn(1, 2, 3, 3, 3)),
    "CircularPad1d": Case(lambda: nn.CircularPad1d((3, 1)), _randn(2, 3, 5)),
    "CircularPad2d": Case(lambda: nn.CircularPad2d((1, 2, 2, 1)), _randn(2, 3, 4, 4)),
    "CircularPad3d": Case(lambda: nn.CircularPad3d(1), _randn(1, 2, 3, 3, 3)),
    "F.pad-reflect-unbatched": Case(lambda: lambda x: F.pad(x, (2, 1), mode="reflect"), _randn(3, 5)),
    "F.pad-constant-5d": Case(lambda: lambda x: F.pad(x, (1, 1, 0, 0, 0, 1, 1, 0), value=2.0), _randn(1, 2, 2, 2, 2)),
}

DROPOUT = {
    f"{name}-eval": Case(lambda cls=cls: cls(0.5).eval(), _randn(*shape))  # type: ignore[misc]
    for name, (cls, shape) in {
        "Dropout": (nn.Dropout, (2, 3, 4)),
        "Dropout1d": (nn.Dropout1d, (2, 3, 4)),
        "Dropout2d": (nn.Dropout2d, (2, 3, 4, 4)),
        "Dropout3d": (nn.Dropout3d, (2, 3, 2, 2, 2)),
        "AlphaDropout": (nn.AlphaDropout, (2, 3, 4)),
        "FeatureAlphaDropout": (nn.FeatureAlphaDropout, (2, 3, 4, 4)),
    }.items()
}


def _legacy_weight_norm(module: nn.Module) -> nn.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # deprecated in favour of parametrizations, as in PyTorch
        return nn.utils.weight_norm(module)


LAZY_AND_PARAMETRIZED = {
    "LazyLinear": Case(lambda: nn.LazyLinear(4), _randn(3, 5), lazy=True),
    "LazyConv1d": Case(lambda: nn.LazyConv1d(4, 3, padding=1), _randn(2, 3, 6), lazy=True),
    "LazyConvTranspose2d": Case(lambda: nn.LazyConvTranspose2d(2, 3, stride=2), _randn(1, 3, 4, 4), lazy=True),
    "LazyBatchNorm1d": Case(lambda: nn.LazyBatchNorm1d(), _randn(5, 3), lazy=True),
    "LazyInstanceNorm2d-affine": Case(lambda: nn.LazyInstanceNorm2d(affine=True), _randn(2, 3, 4, 4), lazy=True),
    "Sequential": Case(lambda: nn.Sequential(nn.Linear(5, 6), nn.Tanh(), nn.Linear(6, 2)), _randn(3, 5)),
    "weight_norm": Case(lambda: parametrizations.weight_norm(nn.Linear(5, 4)), _randn(3, 5)),
    "weight_norm-legacy": Case(lambda: _legacy_weight_norm(nn.Linear(5, 4)), _randn(3, 5)),
    "spectral_norm-legacy": Case(lambda: nn.utils.spectral_norm(nn.Linear(5, 4)), _randn(3, 5)),
    "AdaptiveLogSoftmaxWithLoss": Case(
        lambda: nn.AdaptiveLogSoftmaxWithLoss(16, 10, cutoffs=[4, 8]),
        lambda: (tocha.randn(6, 16), tocha.randint(0, 10, (6,))),
        grad=(0,),
    ),
    "spectral_norm": Case(lambda: parametrizations.spectral_norm(nn.Conv2d(2, 3, 3)), _randn(1, 2, 5, 5)),
    "orthogonal": Case(lambda: parametrizations.orthogonal(nn.Linear(4, 4)), _randn(3, 4), double=True),
}

CASES = {
    **LAZY_AND_PARAMETRIZED,
    **LINEAR,
    **CONV,
    **POOL,
    **NORM,
    **ACTIVATION,
    **ATTENTION,
    **LOSS,
    **EMBEDDING,
    **RECURRENT,
    **TRANSFORMER,
    **VISION,
    **PADDING,
    **DROPOUT,
}


def _tensors(value: Any) -> list[tocha.Tensor]:
    """The tensors of a (nested) result, in order."""
    if isinstance(value, tocha.Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for item in value for t in _tensors(item)]
    return []


def _inputs(args: tuple[Any, ...], grad: tuple[int, ...] | None, device: str) -> list[Any]:
    out: list[Any] = []
    for i, arg in enumerate(args):
        if isinstance(arg, tocha.Tensor):
            arg = arg.detach().to(device)
            if arg.is_floating_point() and (grad is None or i in grad):
                arg.requires_grad_(True)
        out.append(arg)
    return out


def _close(actual: tocha.Tensor, expected: tocha.Tensor, what: str, double: bool) -> None:
    assert actual.device.type == "cuda", f"{what} is on {actual.device}"
    rtol, atol = (1e-7, 1e-10) if double else (1e-4, 1e-5)
    tocha.testing.assert_close(actual.cpu(), expected, rtol=rtol, atol=atol, msg=lambda m: f"{what}: {m}")


@pytest.mark.parametrize("case", [pytest.param(case, id=name) for name, case in CASES.items()])
def test_layer_on_cuda_matches_cpu(case: Case) -> None:
    tocha.manual_seed(0)
    layer = case.make()
    args = case.inputs()
    if case.double:
        args = tuple(a.double() if isinstance(a, tocha.Tensor) and a.is_floating_point() else a for a in args)
        layer = layer.double() if isinstance(layer, nn.Module) else layer
    gpu_layer = copy.deepcopy(layer).to("cuda") if isinstance(layer, nn.Module) else layer
    cpu_args, gpu_args = _inputs(args, case.grad, "cpu"), _inputs(args, case.grad, "cuda")
    if case.lazy:  # each copy draws its initial values from its own device's random stream
        with tocha.no_grad():
            layer(*cpu_args)
            gpu_layer(*gpu_args)
        gpu_layer.load_state_dict(layer.state_dict())

    outs, gpu_outs = _tensors(layer(*cpu_args)), _tensors(gpu_layer(*gpu_args))
    assert len(gpu_outs) == len(outs) > 0
    for i, (out, gpu_out) in enumerate(zip(outs, gpu_outs, strict=True)):
        _close(gpu_out, out, f"output {i}", case.double)

    differentiable = [i for i, out in enumerate(outs) if out.requires_grad]
    if differentiable:
        out_grads = [tocha.randn(outs[i].shape, dtype=outs[i].dtype) for i in differentiable]
        sum((outs[i] * g).sum() for i, g in zip(differentiable, out_grads, strict=True)).backward()  # type: ignore[union-attr]
        gpu_terms = [(gpu_outs[i] * g.to("cuda")).sum() for i, g in zip(differentiable, out_grads, strict=True)]
        sum(gpu_terms).backward()  # type: ignore[union-attr]
    for i, (arg, gpu_arg) in enumerate(zip(cpu_args, gpu_args, strict=True)):
        if isinstance(arg, tocha.Tensor) and arg.requires_grad:
            assert (arg.grad is None) == (gpu_arg.grad is None), f"input {i} gradient"
            if arg.grad is not None:
                _close(gpu_arg.grad, arg.grad, f"input {i} gradient", case.double)
    if isinstance(layer, nn.Module):
        for (name, p), gpu_p in zip(layer.named_parameters(), gpu_layer.parameters(), strict=True):
            assert (p.grad is None) == (gpu_p.grad is None), f"{name} gradient"
            if p.grad is not None:
                _close(gpu_p.grad, p.grad, f"{name} gradient", case.double)
        for (key, value), gpu_value in zip(layer.state_dict().items(), gpu_layer.state_dict().values(), strict=True):
            _close(gpu_value, value, f"{key} after the step", case.double)


TRAIN_DROPOUT = {
    "Dropout": (lambda: nn.Dropout(0.3), (4, 5)),
    "Dropout1d": (lambda: nn.Dropout1d(0.3), (2, 3, 5)),
    "Dropout2d": (lambda: nn.Dropout2d(0.3), (2, 3, 4, 4)),
    "Dropout3d": (lambda: nn.Dropout3d(0.3), (2, 3, 2, 2, 2)),
    "AlphaDropout": (lambda: nn.AlphaDropout(0.3), (4, 5)),
    "FeatureAlphaDropout": (lambda: nn.FeatureAlphaDropout(0.3), (2, 3, 4, 4)),
    "F.dropout-inplace": (lambda: lambda x: F.dropout(x * 1, 0.3, inplace=True), (4, 5)),
    "F.rrelu-train": (lambda: lambda x: F.rrelu(x, training=True), (4, 5)),
    "F.gumbel_softmax-hard": (lambda: lambda x: F.gumbel_softmax(x, tau=0.5, hard=True), (4, 5)),
}


@pytest.mark.parametrize(("make", "shape"), list(TRAIN_DROPOUT.values()), ids=list(TRAIN_DROPOUT))
def test_random_layer_in_training_stays_on_cuda(make: Callable[[], Any], shape: tuple[int, ...]) -> None:
    """Random streams differ per device: only the result's device, shape and gradient's device are checked."""
    layer = make()
    x = tocha.randn(*shape, device="cuda", requires_grad=True)
    out = layer(x)
    assert out.device.type == "cuda"
    assert out.shape == x.shape
    (out * out).sum().backward()
    assert x.grad is not None
    assert x.grad.device.type == "cuda"
    assert x.grad.shape == x.shape


def _t(device: str, value: Any) -> tocha.Tensor:
    return tocha.tensor(value, device=device)


BAD_VALUES: dict[str, tuple[Callable[[str], Any], str]] = {
    "max_unpool-index": (
        lambda d: F.max_unpool1d(_t(d, [[[1.0, 1.0]]]), _t(d, [[[0, 9]]]), 2),
        r"Found an invalid max index: 9 \(output volumes are of size 4\)",
    ),
    "one_hot-negative": (lambda d: F.one_hot(_t(d, [1, -1]), 3), "Class values must be non-negative"),
    "one_hot-too-large": (lambda d: F.one_hot(_t(d, [1, 3]), 3), "Class values must be smaller than num_classes"),
    "binary_cross_entropy-input": (
        lambda d: F.binary_cross_entropy(_t(d, [0.5, 1.5]), _t(d, [0.0, 1.0])),
        "all elements of input should be between 0 and 1",
    ),
    "binary_cross_entropy-target": (
        lambda d: F.binary_cross_entropy(_t(d, [0.5, 0.5]), _t(d, [0.0, float("nan")])),
        "all elements of target should be between 0 and 1",
    ),
    "gaussian_nll_loss-var": (
        lambda d: F.gaussian_nll_loss(_t(d, [0.0, 0.0]), _t(d, [0.0, 0.0]), _t(d, [1.0, -1.0])),
        "var has negative entry/entries",
    ),
    "multi_margin_loss-target": (
        lambda d: F.multi_margin_loss(_t(d, [[0.0, 0.0, 0.0]] * 2), _t(d, [0, 3])),
        "target out of range",
    ),
    "multilabel_margin_loss-target": (
        lambda d: F.multilabel_margin_loss(_t(d, [[0.0, 0.0, 0.0]]), _t(d, [[0, 5, -1]])),
        "argument #2 'target' is out of range",
    ),
}


@pytest.mark.parametrize(("call", "message"), list(BAD_VALUES.values()), ids=list(BAD_VALUES))
def test_a_bad_value_on_cuda_surfaces_at_the_next_host_read(call: Callable[[str], Any], message: str) -> None:
    """The CPU raises at once; on cuda the op runs unchecked and the next host read raises (a device-side assert)."""
    with pytest.raises((RuntimeError, ValueError), match=message):
        call("cpu")
    out = call("cuda")  # the check is queued, not read back
    assert out.device.type == "cuda"
    with pytest.raises(RuntimeError, match=message + r".*found by a device-side check"):
        tocha.cuda.synchronize()


def test_float32_convolutions_use_tf32_while_cudnn_allows_it() -> None:
    """``tocha.backends.cudnn.allow_tf32`` (on by default, as PyTorch's) puts float32 convolutions on TF32 tensor
    cores: their results move off the full-float32 ones by TF32's rounding, and stay within it."""
    import cupy

    if cupy.__version__.endswith("+fake"):
        pytest.skip("the CuPy stand-in has no cuBLAS (test_nn_cuda_conv_kernels checks that the switch is passed)")
    tocha.manual_seed(0)
    x, w = tocha.randn(8, 32, 16, 16), tocha.randn(64, 32, 3, 3)
    expected = F.conv2d(x.double(), w.double(), padding=1)
    results = {}
    for allow in (False, True):
        with tocha.backends.cudnn.flags(enabled=True, allow_tf32=allow):
            results[allow] = F.conv2d(x.cuda(), w.cuda(), padding=1).cpu().double()
    full, tf32 = results[False], results[True]
    assert (full - expected).abs().max().item() < 1e-3  # float32 sums of 288 products of about 17
    assert not tocha.equal(tf32, full)  # the same cuBLAS call in full float32 would give the same bits
    assert (tf32 - expected).abs().max().item() < 0.5  # 10-bit mantissas: about 0.01 per output


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_convolution_bias_gradients_on_cuda_are_differentiable(dims: int) -> None:
    """The bias gradient runs as its own op on cuda (a fused sum); its double backward matches the CPU's."""
    results = []
    for device in ("cpu", "cuda"):
        tocha.manual_seed(0)
        x = tocha.randn(2, 3, *(5,) * dims, dtype=tocha.float64)
        w = tocha.randn(4, 3, *(3,) * dims, dtype=tocha.float64)
        b = tocha.randn(4, dtype=tocha.float64)
        g = tocha.randn(2, 4, *(3,) * dims, dtype=tocha.float64)
        x, w, b, g = (t.to(device).requires_grad_() for t in (x, w, b, g))
        conv = (F.conv1d, F.conv2d, F.conv3d)[dims - 1]
        y = conv(x, w, b)
        (gb,) = tocha.autograd.grad(y, b, g, create_graph=True)
        (gg,) = tocha.autograd.grad((gb * gb).sum(), g)
        assert gb.device.type == gg.device.type == device
        results.append((gb.detach().cpu(), gg.cpu()))
    for got, expected in zip(results[1], results[0], strict=True):
        tocha.testing.assert_close(got, expected, rtol=1e-10, atol=1e-10)


def test_last_block_reductions_on_several_streams() -> None:
    """Bias and weight gradients that sum shares in one launch (NOTE [ Last-block reductions ]) give the same bits
    every time and on every stream, and leave their completion counters at zero; each stream has its own."""
    import cupy
    import numpy as np

    from tocha.nn.functional import _conv
    from tocha.nn.functional import _cuda_conv_kernels as conv_kernels
    from tocha.nn.functional import _cuda_kernels as kernels

    rng = np.random.default_rng(0)
    rows = cupy.asarray(rng.standard_normal((4096, 300)))
    gy = cupy.asarray(rng.standard_normal((64, 16, 30, 30)))
    x = cupy.asarray(rng.standard_normal((64, 1, 30, 30)))
    if kernels.column_sums(cupy, rows) is None:
        pytest.skip("the fused kernels are off (TOCHA_CUDA_FUSED=0, or the CuPy stand-in)")
    geometry = ((1, 1), (1, 1), (1, 1), 1)

    def sums() -> list[Any]:
        return [kernels.column_sums(cupy, rows), conv_kernels.bias_gradient(cupy, gy),
                conv_kernels.weight_gradient(cupy, x, gy, (16, 1, 3, 3), *geometry)]  # fmt: skip

    first = [cupy.asnumpy(a) for a in sums()]
    streams = [cupy.cuda.Stream(non_blocking=True) for _ in range(2)]
    results = []
    for stream in streams * 3:
        with stream:
            results.append(sums())
    for stream in streams:
        stream.synchronize()
    for got in results:
        for value, reference in zip(got, first, strict=True):
            np.testing.assert_array_equal(cupy.asnumpy(value), reference)
    host_rows, host_gy, host_x = (cupy.asnumpy(a) for a in (rows, gy, x))
    np.testing.assert_allclose(first[0], host_rows.sum(axis=0), rtol=1e-12, atol=1e-10)
    np.testing.assert_allclose(first[1], host_gy.sum(axis=(0, 2, 3)), rtol=1e-12, atol=1e-10)
    weight = _conv._convolution_weight_forward(np, host_x, host_gy, (16, 1, 3, 3), *geometry)
    np.testing.assert_allclose(first[2], weight, rtol=1e-12, atol=1e-10)
    counters = []
    for stream in streams:
        with stream:
            counters.append(kernels.completion_counters(cupy, 1))
    assert counters[0] is not counters[1]
    assert not any(bool(c.any()) for c in counters)
