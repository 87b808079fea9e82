"""tocha.onnx.export: models of every layer family exported, checked and run in onnxruntime against tocha."""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import onnx
import pytest

import tocha
import tocha.nn as nn
import tocha.nn.functional as F
import tocha.onnx

RTOL = 1e-5


def _verify(model: Any, args: Any, exported: Any, **kwargs: Any) -> list[tocha.onnx.VerificationResult]:
    pytest.importorskip("onnxruntime")  # a test dependency (extra "test"); export itself needs only onnx
    return tocha.onnx.verify(model, args, exported, **kwargs)


def _export_and_verify(model: Any, args: Any, **kwargs: Any) -> onnx.ModelProto:
    buffer = io.BytesIO()
    proto = tocha.onnx.export(model, args, buffer, **kwargs)
    onnx.checker.check_model(onnx.load_from_string(buffer.getvalue()), full_check=True)
    results = _verify(model, args, buffer.getvalue())
    assert results, "no outputs compared"
    for r in results:
        assert r.max_rel_diff <= RTOL, str(r)
    return proto


# ------------------------------------------------------------------ models


class TensorOps(nn.Module):
    """reshape/view/permute/transpose/cat/stack/split/slicing/indexing, reductions, matmul/einsum, where/clamp..."""

    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(tocha.randn(4, 4))

    def forward(self, x: tocha.Tensor) -> Any:
        a = x.reshape(x.shape[0], 2, 6).permute(0, 2, 1).transpose(1, 2).contiguous().view(x.shape[0], 12)
        b = tocha.cat([a, x * 2 + 1], dim=1)
        c = tocha.stack([b, b - 1], dim=1)
        first, second = tocha.split(x, 6, dim=1)
        d = first[:, 1:5:2] + second[:, ::3]
        e = x[:, 2] * x[0, 3] - x[..., None][:, :, 0].sum(-1)
        m = x[:, :4] @ self.w
        ein = tocha.einsum("bi,ij->bj", x[:, 4:8], self.w)
        f = tocha.where(m > 0, m, ein).clamp(-1.0, 2.0)
        g = (x.amax(dim=1) - x.amin(dim=1)) / x.mean() + x.std(dim=1) + x.var(dim=1, keepdim=True).squeeze(1)
        ints = (x > 0).sum(dim=1)  # int64
        promoted = ints / 2 + ints.float() ** 2  # int / scalar promotes to float
        cmp = ((x >= 0.5) & (x != 0)).float().prod(dim=1) + (x < -0.5).any(dim=1).float()
        h = x.max(dim=1).values + x.argmax(dim=1).float() - x.exp().log().abs().sqrt().neg().tanh().sigmoid()[:, 0]
        return c.flatten(1).sum(1) + d.sum(1) + e + f.mean(1) + g + promoted + cmp + h


class MoreTensorOps(nn.Module):
    """roll/flip/cumsum, tril/triu/masked_fill, index tensors, expand/repeat, casts, integer arithmetic, norms."""

    def forward(self, x: tocha.Tensor) -> Any:
        a = x.cumsum(1) + x.flip(0) + x.roll(1, 0) + x.roll((1, -1), (0, 1)) + x.roll(2)
        b = x.tril() + x.triu(1) + x.masked_fill(x > 0, 0.5)
        c = x[tocha.tensor([2, 0, 1])] + x[:, tocha.tensor([1, 1, 0, 3])].sum(1, keepdim=True)
        d = x[:, :1].expand(3, 4) * x.unsqueeze(0).repeat(2, 1, 1).sum(0)
        e = ((x * 10).long() * 3 + 1) // 2 % 5
        f = x.abs() ** 0.5 + 2**x + x.pow(2) + x.t().mm(x)[:3] + tocha.split(x, [1, 3], 1)[1].sum(1, keepdim=True)
        g = x.logsumexp(1) + x.norm(dim=1) + x.norm(p=1, dim=1) + F.normalize(x, dim=1).sum(1)
        h = x.unfold(1, 2, 1).sum(-1).sum(1) + x.unfold(0, 2, 1)[0].prod(1).sum(0)  # sliding windows
        return (a + b + c + d + e.float() + f).double().sum(1) + g.double() + h.double()


class Positional(nn.Module):
    """A positional table sliced to the sequence length and an arange: sizes that follow a dynamic axis."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("table", tocha.randn(50, 4))

    def forward(self, x: tocha.Tensor) -> tocha.Tensor:
        steps = tocha.arange(x.shape[1]).float().unsqueeze(1)
        y = x + self.table[: x.shape[1]] + steps + tocha.zeros_like(x) + tocha.ones(x.shape[0], 1, 1)
        q = y.view(x.shape[0], x.shape[1], 2, 2).transpose(1, 2)
        return F.scaled_dot_product_attention(q, q, q, is_causal=True).transpose(1, 2).reshape(x.shape)


class LossesAndSorting(nn.Module):
    """Losses (cross entropy with weights/label smoothing, nll, mse, bce), topk/sort, gather/scatter, index_select."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("w", tocha.rand(5))

    def forward(self, x: tocha.Tensor, t: tocha.Tensor) -> Any:
        return (
            F.cross_entropy(x, t),
            F.cross_entropy(x, t, weight=self.w, reduction="sum"),
            F.cross_entropy(x, t, label_smoothing=0.1, ignore_index=0),
            F.nll_loss(F.log_softmax(x, 1), t, reduction="none"),
            F.mse_loss(x, x * 2) + F.binary_cross_entropy_with_logits(x, x.sigmoid()),
            x.topk(2)[0],
            x.topk(2, largest=False)[1],
            x.sort(1, descending=True)[0],
            x.sort(0)[1],
            x.gather(1, t[:, None]) + x.index_select(1, t),
            tocha.zeros(4, 5).scatter(1, t[:, None], x),
            tocha.zeros(4, 5).scatter_add(1, t[:, None].expand(4, 3), x[:, :3]),
            ~(x > 0),
        )


class Special(nn.Module):
    """Elementwise special cases: erfc, frac, hypot, atan2, isfinite/isposinf/isneginf, logit, nan_to_num, xlogy..."""

    def forward(self, x: tocha.Tensor, y: tocha.Tensor) -> Any:
        xs = tocha.where(x.abs() < 0.3, tocha.zeros_like(x), x)
        return (
            tocha.erfc(x) + tocha.frac(x * 3) + tocha.hypot(x, y) + tocha.atan2(y, x) + tocha.atan2(xs, xs * 0),
            tocha.isfinite(x / xs) ^ tocha.isposinf(x / xs) ^ tocha.isneginf(x / xs),
            tocha.logit(x.sigmoid(), eps=1e-3) + tocha.nan_to_num(x / xs) + tocha.xlogy(xs, y.abs()),
            tocha.logaddexp2(x, y) + tocha.div(x, y, rounding_mode="trunc") + tocha.take(x, tocha.tensor([0, 5, 3, 1])),
            tocha.isclose(x, x + 1e-9),
            tocha.count_nonzero(xs, dim=1),
            tocha.nansum(xs / xs, dim=1) + tocha.nanmean(xs / xs),
            x.repeat_interleave(2, dim=1),
            x.repeat_interleave(3, dim=0),  # dims after the repeated one keep their sizes
            x[None].repeat_interleave(2, dim=1),
            x / xs,  # NaN and infinities agree too
        )


class Tagger(nn.Module):
    """Embedding + bidirectional 2-layer LSTM + Linear + log_softmax: an LSTM tagger."""

    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.Embedding(20, 8)
        self.lstm = nn.LSTM(8, 6, num_layers=2, batch_first=True, bidirectional=True)
        self.out = nn.Linear(12, 5)

    def forward(self, tokens: tocha.Tensor) -> tocha.Tensor:
        h, _ = self.lstm(self.emb(tokens))
        return F.log_softmax(self.out(h), dim=-1)


class Decoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, batch_first=True), 2)

    def forward(self, tgt: tocha.Tensor, memory: tocha.Tensor) -> tocha.Tensor:
        mask = nn.Transformer.generate_square_subsequent_mask(tgt.shape[1])
        return self.dec(tgt, memory, tgt_mask=mask)


class Resize(nn.Module):
    def forward(self, x: tocha.Tensor) -> tocha.Tensor:
        a = F.interpolate(x, scale_factor=2, mode="nearest")
        b = F.interpolate(x, size=(16, 16), mode="bilinear", align_corners=False)
        c = F.interpolate(x, size=(16, 16), mode="bilinear", align_corners=True)
        d = F.interpolate(x, size=(16, 16), mode="bicubic", align_corners=False)
        return a + b + c + d


class PoolIndices(nn.Module):
    """max pooling's return_indices (PyTorch's per-plane flat indices) and nearest-exact resizing."""

    def forward(self, x: tocha.Tensor) -> Any:
        values, indices = F.max_pool2d(x, 2, stride=2, padding=1, return_indices=True)
        adaptive, adaptive_indices = F.adaptive_max_pool2d(x, 1, return_indices=True)
        one_d = F.max_pool1d(x.flatten(2), 3, return_indices=True)[1]
        exact = (
            F.interpolate(x, size=(9, 5), mode="nearest-exact")
            + F.interpolate(x, scale_factor=1.7, mode="nearest").sum()
        )
        return values, indices, adaptive, adaptive_indices, one_d, exact


class Pads(nn.Module):
    def forward(self, x: tocha.Tensor) -> tocha.Tensor:
        a = F.pad(x, (1, 2, 0, 1), value=0.5)
        b = F.pad(x, (1, 2, 2, 1), mode="reflect")
        c = F.pad(x, (1, 2, 0, 1), mode="replicate")
        d = F.pad(x, (1, 2, 2, 1), mode="circular")
        return a.sum() + b.mean((2, 3)) + c.amax((2, 3)) + d.sum((2, 3))


class RecurrentPair(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.gru = nn.GRU(4, 5, num_layers=2, bidirectional=True)
        self.rnn = nn.RNN(10, 3, nonlinearity="relu")

    def forward(self, x: tocha.Tensor) -> Any:
        y, h = self.gru(x)
        z, hz = self.rnn(y)
        return z, h, hz


def _img(*shape: int) -> tocha.Tensor:
    return tocha.randn(*shape)


def _cnn() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 8, 3, padding=1, groups=2, dilation=1, bias=False),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d((2, 2)),
        nn.Flatten(),
        nn.Dropout(0.5),
        nn.Linear(32, 10),
    )


_ACTIVATIONS: list[tuple[str, Callable[[], nn.Module]]] = [
    (name, factory)
    for name, factory in [
        ("ReLU", nn.ReLU),
        ("ReLU6", nn.ReLU6),
        ("LeakyReLU", lambda: nn.LeakyReLU(0.2)),
        ("PReLU", lambda: nn.PReLU(6)),
        ("ELU", lambda: nn.ELU(0.7)),
        ("SELU", nn.SELU),
        ("CELU", lambda: nn.CELU(1.3)),
        ("GELU", nn.GELU),
        ("GELU-tanh", lambda: nn.GELU(approximate="tanh")),
        ("SiLU", nn.SiLU),
        ("Mish", nn.Mish),
        ("Sigmoid", nn.Sigmoid),
        ("Tanh", nn.Tanh),
        ("Hardtanh", lambda: nn.Hardtanh(-0.5, 1.5)),
        ("Hardsigmoid", nn.Hardsigmoid),
        ("Hardswish", nn.Hardswish),
        ("LogSigmoid", nn.LogSigmoid),
        ("Softplus", lambda: nn.Softplus(beta=2.0, threshold=3.0)),
        ("Softshrink", lambda: nn.Softshrink(0.3)),
        ("Hardshrink", lambda: nn.Hardshrink(0.3)),
        ("Tanhshrink", nn.Tanhshrink),
        ("Softsign", nn.Softsign),
        ("Threshold", lambda: nn.Threshold(0.1, -2.0)),
        ("GLU", lambda: nn.GLU(dim=1)),
        ("Softmax", lambda: nn.Softmax(dim=1)),
        ("LogSoftmax", lambda: nn.LogSoftmax(dim=1)),
        ("Softmin", lambda: nn.Softmin(dim=1)),
    ]
]


MODELS: list[tuple[str, Callable[[], nn.Module], Callable[[], Any]]] = [
    ("linear", lambda: nn.Linear(4, 5), lambda: _img(3, 4)),
    ("linear-3d-nobias", lambda: nn.Linear(4, 5, bias=False), lambda: _img(2, 3, 4)),
    (
        "mlp",
        lambda: nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(), nn.Linear(16, 3), nn.Softmax(dim=1)),
        lambda: _img(5, 4),
    ),
    ("cnn", _cnn, lambda: _img(2, 3, 8, 8)),
    ("conv1d", lambda: nn.Conv1d(3, 4, 3, stride=2, padding=1), lambda: _img(2, 3, 9)),
    ("conv2d-dilated", lambda: nn.Conv2d(4, 6, 3, dilation=2, groups=2, padding=2), lambda: _img(2, 4, 9, 9)),
    ("conv3d", lambda: nn.Conv3d(2, 3, 2, stride=(1, 2, 1)), lambda: _img(1, 2, 4, 5, 4)),
    ("convtranspose1d", lambda: nn.ConvTranspose1d(3, 2, 3, stride=2), lambda: _img(2, 3, 5)),
    (
        "convtranspose2d",
        lambda: nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1, groups=2),
        lambda: _img(2, 4, 5, 5),
    ),
    ("convtranspose3d", lambda: nn.ConvTranspose3d(2, 2, 2, stride=2), lambda: _img(1, 2, 3, 3, 3)),
    ("maxpool1d", lambda: nn.MaxPool1d(3, stride=2, padding=1), lambda: _img(2, 3, 10)),
    ("maxpool3d", lambda: nn.MaxPool3d(2), lambda: _img(1, 2, 4, 4, 4)),
    ("avgpool2d", lambda: nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), lambda: _img(2, 3, 9, 9)),
    ("avgpool1d", lambda: nn.AvgPool1d(2), lambda: _img(2, 3, 8)),
    ("adaptive-avg-uneven", lambda: nn.AdaptiveAvgPool2d((3, 5)), lambda: _img(2, 3, 8, 7)),
    ("adaptive-max", lambda: nn.AdaptiveMaxPool2d((2, 2)), lambda: _img(2, 3, 8, 8)),
    ("batchnorm1d", lambda: nn.BatchNorm1d(4), lambda: _img(5, 4)),
    ("batchnorm2d-noaffine", lambda: nn.BatchNorm2d(3, affine=False), lambda: _img(2, 3, 4, 4)),
    ("layernorm", lambda: nn.LayerNorm([4, 5]), lambda: _img(2, 3, 4, 5)),
    ("groupnorm", lambda: nn.GroupNorm(2, 4), lambda: _img(2, 4, 3, 3)),
    ("instancenorm", lambda: nn.InstanceNorm2d(3, affine=True), lambda: _img(2, 3, 5, 5)),
    ("embedding", lambda: nn.Embedding(10, 4, padding_idx=0), lambda: tocha.tensor([[1, 2, 0], [9, 4, 4]])),
    ("tensor-ops", TensorOps, lambda: _img(3, 12)),
    ("lstm-tagger", Tagger, lambda: tocha.randint(0, 20, (2, 5))),
    ("gru-rnn", RecurrentPair, lambda: _img(4, 2, 4)),
    ("mha", lambda: nn.MultiheadAttention(8, 2), lambda: (_img(3, 2, 8), _img(4, 2, 8), _img(4, 2, 8))),
    (
        "transformer-encoder",
        lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True), 2),
        lambda: _img(2, 5, 8),
    ),
    ("transformer-decoder", Decoder, lambda: (_img(2, 4, 8), _img(2, 6, 8))),
    ("interpolate", Resize, lambda: _img(1, 2, 8, 8)),
    ("pad", Pads, lambda: _img(2, 3, 5, 6)),
    ("pool-indices-nearest-exact", PoolIndices, lambda: _img(2, 3, 6, 7)),
    ("pixel-shuffle", lambda: nn.Sequential(nn.PixelShuffle(2), nn.Unflatten(1, (1, 2))), lambda: _img(2, 8, 3, 3)),
    ("more-tensor-ops", MoreTensorOps, lambda: _img(3, 4)),
    ("positional-causal-sdpa", Positional, lambda: _img(2, 5, 4)),
    ("transformer", lambda: nn.Transformer(8, 2, 1, 1, 16, dropout=0.0), lambda: (_img(3, 2, 8), _img(4, 2, 8))),
    (
        "rrelu-softmax2d-lrn",
        lambda: nn.Sequential(nn.RReLU(), nn.Softmax2d(), nn.LocalResponseNorm(2)),
        lambda: _img(2, 3, 4, 4),
    ),
    (
        "channel-shuffle-zeropad",
        lambda: nn.Sequential(nn.ChannelShuffle(3), nn.ZeroPad2d((1, 0, 2, 1))),
        lambda: _img(2, 6, 3, 3),
    ),
    ("rmsnorm", lambda: nn.RMSNorm(6), lambda: _img(2, 3, 6)),
    ("cosine-similarity", lambda: nn.CosineSimilarity(), lambda: (_img(4, 6), _img(4, 6))),
    ("pairwise-distance", lambda: nn.PairwiseDistance(), lambda: (_img(4, 6), _img(4, 6))),
    ("bilinear", lambda: nn.Bilinear(6, 5, 3), lambda: (_img(4, 6), _img(4, 5))),
    ("embedding-bag", lambda: nn.EmbeddingBag(10, 3), lambda: tocha.tensor([[1, 2], [3, 9]])),
    ("unfold", lambda: nn.Unfold(2, dilation=1, padding=1, stride=2), lambda: _img(2, 3, 5, 5)),
    ("lppool", lambda: nn.LPPool2d(2, 2), lambda: _img(2, 3, 6, 6)),
    ("upsample-scale", lambda: nn.Upsample(scale_factor=1.5, mode="bilinear"), lambda: _img(2, 3, 6, 6)),
    ("losses-sorting", LossesAndSorting, lambda: (_img(4, 5), tocha.tensor([1, 0, 4, 2]))),
    ("fold", lambda: nn.Fold((5, 5), 3, stride=2, padding=1), lambda: _img(2, 18, 9)),
    ("special", Special, lambda: (_img(3, 4), _img(3, 4))),
]


@pytest.mark.parametrize(("name", "factory", "make_args"), MODELS, ids=[m[0] for m in MODELS])
def test_model_matches_onnxruntime(name: str, factory: Callable[[], nn.Module], make_args: Callable[[], Any]) -> None:
    tocha.manual_seed(0)
    model = factory().eval()
    _export_and_verify(model, make_args())


@pytest.mark.parametrize(("name", "factory"), _ACTIVATIONS, ids=[a[0] for a in _ACTIVATIONS])
def test_activation_matches_onnxruntime(name: str, factory: Callable[[], nn.Module]) -> None:
    tocha.manual_seed(0)
    _export_and_verify(factory().eval(), tocha.randn(4, 6, 3) * 3)


@pytest.mark.parametrize("opset", [13, 14, 17, 18, 20, 21])
@pytest.mark.parametrize(
    "family",
    ["cnn", "transformer-encoder", "transformer-decoder", "lstm-tagger", "gru-rnn", "tensor-ops", "more-tensor-ops",
     "positional-causal-sdpa", "losses-sorting", "interpolate", "pad", "layernorm", "groupnorm", "unfold", "fold"],
)  # fmt: skip
def test_opsets(opset: int, family: str) -> None:
    _, factory, make_args = next(m for m in MODELS if m[0] == family)
    tocha.manual_seed(0)
    if family == "losses-sorting" and opset < 16:
        with pytest.raises(tocha.onnx.UnsupportedOperatorError, match="scatter_add needs opset 16"):
            tocha.onnx.export(factory().eval(), make_args(), opset_version=opset)
        return
    proto = _export_and_verify(factory().eval(), make_args(), opset_version=opset)
    assert proto.opset_import[0].version == opset


@pytest.mark.parametrize("name", ["GELU", "GELU-tanh", "Mish", "Hardswish"])
@pytest.mark.parametrize("opset", [13, 21])
def test_activation_opsets(name: str, opset: int) -> None:
    factory = dict(_ACTIVATIONS)[name]
    _export_and_verify(factory().eval(), tocha.randn(4, 6) * 3, opset_version=opset)


# ------------------------------------------------------------------ dynamic axes


def _ort_run(proto: onnx.ModelProto, feeds: dict[str, np.ndarray[Any, Any]]) -> list[Any]:
    onnxruntime = pytest.importorskip("onnxruntime")

    session = onnxruntime.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, feeds)  # type: ignore[no-any-return]


def _assert_close(got: Any, want: tocha.Tensor) -> None:
    np.testing.assert_allclose(got, want.detach().numpy(), rtol=RTOL, atol=1e-6)


def test_dynamic_batch_cnn() -> None:
    tocha.manual_seed(0)
    model = _cnn().eval()
    proto = tocha.onnx.export(
        model, _img(2, 3, 8, 8), input_names=["x"], output_names=["y"], dynamic_axes={"x": {0: "batch"}, "y": [0]}
    )
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    assert proto.graph.output[0].type.tensor_type.shape.dim[0].dim_param == "y_dynamic_axes_1"
    for batch in (1, 2, 7):
        x = _img(batch, 3, 8, 8)
        (y,) = _ort_run(proto, {"x": x.numpy()})
        _assert_close(y, model(x))


def test_dynamic_batch_and_sequence_transformer() -> None:
    tocha.manual_seed(0)
    model = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True), 2).eval()
    proto = tocha.onnx.export(model, _img(2, 3, 8), input_names=["src"], dynamic_axes={"src": {0: "batch", 1: "seq"}})
    for batch, seq in ((1, 1), (4, 7), (3, 2)):
        x = _img(batch, seq, 8)
        (y,) = _ort_run(proto, {"src": x.numpy()})
        _assert_close(y, model(x))


def test_dynamic_sequence_first_mha() -> None:
    tocha.manual_seed(0)
    model = nn.MultiheadAttention(8, 2).eval()
    q = _img(3, 2, 8)
    proto = tocha.onnx.export(model, (q, q, q), input_names=["q"], dynamic_axes={"q": [0, 1]})
    assert len(proto.graph.input) == 1  # the same tensor passed three times is one graph input
    x = _img(6, 5, 8)
    out, weights = _ort_run(proto, {"q": x.numpy()})
    want_out, want_weights = model(x, x, x)
    _assert_close(out, want_out)
    _assert_close(weights, want_weights)


def test_dynamic_batch_and_sequence_lstm_tagger() -> None:
    tocha.manual_seed(0)
    model = Tagger().eval()
    tokens = tocha.randint(0, 20, (2, 5))
    proto = tocha.onnx.export(model, tokens, input_names=["tokens"], dynamic_axes={"tokens": [0, 1]})
    for shape in ((1, 3), (4, 9)):
        t = tocha.randint(0, 20, shape)
        (y,) = _ort_run(proto, {"tokens": t.numpy()})
        _assert_close(y, model(t))
    assert _verify(model, tocha.randint(0, 20, (3, 2)), proto)[0].max_rel_diff <= RTOL


def test_dynamic_sizes_from_shape_arithmetic() -> None:
    tocha.manual_seed(0)
    model = Positional().eval()
    proto = tocha.onnx.export(model, _img(2, 5, 4), input_names=["x"], dynamic_axes={"x": {0: "batch", 1: "seq"}})
    for shape in ((1, 1), (3, 9), (2, 5)):
        assert _verify(model, _img(*shape, 4), proto)[0].max_rel_diff <= RTOL


def test_dynamic_gru_rnn_and_interpolate() -> None:
    tocha.manual_seed(0)
    model = RecurrentPair().eval()
    proto = tocha.onnx.export(model, _img(4, 2, 4), input_names=["x"], dynamic_axes={"x": [0, 1]})
    for r in _verify(model, _img(6, 3, 4), proto):
        assert r.max_rel_diff <= RTOL
    resize = Resize().eval()
    proto = tocha.onnx.export(resize, _img(1, 2, 8, 8), input_names=["x"], dynamic_axes={"x": [0]})
    assert _verify(resize, _img(3, 2, 8, 8), proto)[0].max_rel_diff <= RTOL


# ------------------------------------------------------------------ export options


def test_initializers_are_named_by_state_dict_keys(tmp_path: Any) -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)).eval()
    path = tmp_path / "model.onnx"
    tocha.onnx.export(model, _img(2, 3), path)
    loaded = onnx.load(str(path))
    names = {init.name for init in loaded.graph.initializer}
    assert {"0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var"} <= names
    np.testing.assert_array_equal(
        next(onnx.numpy_helper.to_array(i) for i in loaded.graph.initializer if i.name == "0.weight"),
        model[0].weight.detach().numpy(),
    )


def test_export_params_false_and_keep_initializers_as_inputs() -> None:
    model = nn.Linear(3, 2).eval()
    proto = tocha.onnx.export(model, _img(2, 3), input_names=["x"], export_params=False)
    assert [i.name for i in proto.graph.input] == ["x", "weight", "bias"]
    assert not proto.graph.initializer
    assert _verify(model, _img(2, 3), proto)[0].max_rel_diff <= RTOL  # verify feeds the parameters
    proto = tocha.onnx.export(model, _img(2, 3), input_names=["x"], keep_initializers_as_inputs=True)
    assert [i.name for i in proto.graph.input] == ["x", "weight", "bias"]
    assert len(proto.graph.initializer) == 2
    assert _verify(model, _img(2, 3), proto)[0].max_rel_diff <= RTOL


def test_constant_folding_off_keeps_parameter_ops() -> None:
    model = nn.RNN(4, 5).eval()  # its forward transposes weight_ih_l0 and adds the two biases
    x = _img(3, 2, 4)
    folded = tocha.onnx.export(model, x)
    unfolded = tocha.onnx.export(model, x, do_constant_folding=False)
    assert "weight_ih_l0" not in {i.name for i in folded.graph.initializer}
    assert {"weight_ih_l0", "bias_ih_l0", "bias_hh_l0"} <= {i.name for i in unfolded.graph.initializer}
    assert len(unfolded.graph.node) > len(folded.graph.node)
    for r in _verify(model, x, unfolded):
        assert r.max_rel_diff <= RTOL


def test_kwargs_and_verbose(capsys: pytest.CaptureFixture[str]) -> None:
    model = Decoder().eval()
    tgt, memory = _img(2, 4, 8), _img(2, 6, 8)
    proto = tocha.onnx.export(model, (tgt,), kwargs={"memory": memory}, verbose=True)
    assert [i.name for i in proto.graph.input] == ["tgt", "memory"]
    assert capsys.readouterr().out.startswith("main_graph (float[2,4,8] tgt, float[2,6,8] memory)")


def test_windows_along_a_dynamic_axis() -> None:
    class Windows(nn.Module):
        def forward(self, x: tocha.Tensor) -> tocha.Tensor:
            return x.unfold(1, 3, 2) * 2

    ort = pytest.importorskip("onnxruntime")
    for axes in ([0], [1], [0, 1]):
        buffer = io.BytesIO()
        tocha.onnx.export(Windows(), _img(2, 9), buffer, input_names=["x"], dynamic_axes={"x": axes})
        session = ort.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
        for shape in ((2, 9), (3, 9), (2, 12), (1, 3)):
            if any(shape[a] != (2, 9)[a] for a in (0, 1) if a not in axes):
                continue  # a static axis keeps its traced size
            x = _img(*shape)
            np.testing.assert_array_equal(
                session.run(None, {"x": x.numpy()})[0], Windows()(x).numpy(), err_msg=str(shape)
            )


def test_bad_opset_and_args() -> None:
    with pytest.raises(ValueError, match=r"opset_version must be in \[13, 21\], got 12"):
        tocha.onnx.export(nn.ReLU(), _img(2), opset_version=12)
    with pytest.raises(TypeError, match="args must be a Tensor or a tuple"):
        tocha.onnx.export(nn.ReLU(), 3.0)
    with pytest.raises(IndexError, match="dynamic axis 3 of input 'x' is out of range"):
        tocha.onnx.export(nn.ReLU(), _img(2), input_names=["x"], dynamic_axes={"x": [3]})


# ------------------------------------------------------------------ errors, warnings, plugins

_CUBE = tocha.library.register_op(tocha.library.OpRecord(name="test_onnx_cube", forward=lambda xp, a: a * a * a))


class _Cube(nn.Module):
    def forward(self, x: tocha.Tensor) -> tocha.Tensor:
        return tocha.library.call(_CUBE, x.device, (x,), ())  # the unexportable call


class _Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(3, 3), _Cube())

    def forward(self, x: tocha.Tensor) -> tocha.Tensor:
        return self.body(x) + 1


def test_unexportable_op_names_op_module_path_and_source_line() -> None:
    with pytest.raises(tocha.onnx.UnsupportedOperatorError) as info:
        tocha.onnx.export(_Net().eval(), _img(2, 3))
    message = str(info.value)
    assert "Exporting the operator 'test_onnx_cube' to ONNX opset 18 is not supported" in message
    assert "module 'body.1'" in message
    assert re.search(r"test_onnx_export\.py\", line \d+, in forward: return tocha\.library\.call\(_CUBE", message)
    assert not tocha.onnx.is_in_onnx_export()


def test_custom_op_symbolic_plugin() -> None:
    def cube(ctx: tocha.onnx.SymbolicContext) -> str:
        x = ctx.input(0)
        return ctx.op("Mul", ctx.op("Mul", x, x), x)  # type: ignore[no-any-return]

    tocha.onnx.register_custom_op_symbolic("test_onnx_cube", cube, 13)
    try:
        model = _Net().eval()
        proto = _export_and_verify(model, _img(2, 3))
        assert [n.op_type for n in proto.graph.node].count("Mul") == 2
    finally:
        tocha.onnx.unregister_custom_op_symbolic("test_onnx_cube", 13)
    with pytest.raises(tocha.onnx.UnsupportedOperatorError):
        tocha.onnx.export(_Net().eval(), _img(2, 3))


def test_random_ops_are_refused_with_a_hint() -> None:
    with pytest.raises(tocha.onnx.UnsupportedOperatorError, match=r"'bernoulli_?'.*call model.eval\(\) first"):
        tocha.onnx.export(nn.Dropout(0.5).train(), _img(4, 4))


def test_custom_op_symbolic_can_override_builtin_and_is_chosen_by_opset() -> None:
    def relu_as_max(ctx: tocha.onnx.SymbolicContext) -> str:
        return ctx.op("Max", ctx.input(0), ctx.constant(0.0, np.float32))  # type: ignore[no-any-return]

    tocha.onnx.register_custom_op_symbolic("relu", relu_as_max, 17)
    try:
        assert "Max" in [n.op_type for n in tocha.onnx.export(nn.ReLU(), _img(3)).graph.node]
        assert "Relu" in [n.op_type for n in tocha.onnx.export(nn.ReLU(), _img(3), opset_version=16).graph.node]
    finally:
        tocha.onnx.unregister_custom_op_symbolic("relu", 17)
    with pytest.raises(ValueError, match="opset_version must be in"):
        tocha.onnx.register_custom_op_symbolic("relu", relu_as_max, 99)
    with pytest.raises(TypeError, match="must be callable"):
        tocha.onnx.register_custom_op_symbolic("relu", "nope", 17)  # type: ignore[arg-type]


class _Branchy(nn.Module):
    def forward(self, x: tocha.Tensor) -> tocha.Tensor:
        if x.sum() > 0:  # decided by a traced value
            return x * 2
        return x - 1


def test_tracer_warning_when_a_traced_value_decides_a_branch() -> None:
    x = tocha.ones(2, 3)
    originals = {name: getattr(tocha.Tensor, name) for name in ("__bool__", "item", "tolist", "__float__")}
    with pytest.warns(tocha.onnx.TracerWarning, match=r"Converting a tensor to a Python value \(__bool__\)") as rec:
        proto = tocha.onnx.export(_Branchy(), x)
    assert rec[0].filename == __file__  # points at the user's line
    assert [n.op_type for n in proto.graph.node if n.op_type != "Constant"] == ["Mul", "Identity"]
    assert {name: getattr(tocha.Tensor, name) for name in originals} == originals  # the wrappers are gone


def test_no_tracer_warning_for_constants_and_shapes() -> None:
    class ShapeUser(nn.Module):
        def forward(self, x: tocha.Tensor) -> tocha.Tensor:
            if x.shape[0] > 1 and bool(tocha.tensor(1.0) > 0):  # shapes and constants are fine
                return x.view(x.shape[0], -1)
            return x

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tocha.onnx.export(ShapeUser(), _img(2, 3, 2))


def test_is_in_onnx_export() -> None:
    seen: list[bool] = []

    class Probe(nn.Module):
        def forward(self, x: tocha.Tensor) -> tocha.Tensor:
            seen.append(tocha.onnx.is_in_onnx_export())
            return x + 1

    assert not tocha.onnx.is_in_onnx_export()
    tocha.onnx.export(Probe(), _img(2))
    assert seen == [True]
    assert not tocha.onnx.is_in_onnx_export()


def test_verify_reports_differences_and_rtol() -> None:
    model = nn.Linear(3, 2).eval()
    x = _img(4, 3)
    proto = tocha.onnx.export(model, x, output_names=["logits"])
    (result,) = _verify(model, x, proto)
    assert result.name == "logits"
    assert result.max_abs_diff <= 1e-6
    other = nn.Linear(3, 2).eval()
    with pytest.raises(AssertionError, match="differ beyond rtol"):
        _verify(other, x, proto, rtol=1e-5)


class _LastStep(nn.Module):
    """Sizes affine in a dynamic axis (``seq - 1``) and an op without a symbolic function whose size follows one."""

    def forward(self, x: tocha.Tensor) -> Any:
        shifted = x[:, 1:] - x[:, : x.shape[1] - 1]
        ramp = tocha.linspace(0.0, 1.0, x.shape[1] - 1).unsqueeze(1)
        return shifted * ramp + x.var(dim=1, keepdim=True)


def test_affine_sizes_and_baked_in_fallback() -> None:
    model = _LastStep().eval()
    x = _img(2, 6, 3)
    with pytest.warns(tocha.onnx.TracerWarning, match="'linspace' has sizes that follow a dynamic axis"):
        proto = tocha.onnx.export(model, x, input_names=["x"], dynamic_axes={"x": [0, 1]})
    assert _verify(model, x, proto)[0].max_rel_diff <= RTOL
    x = _img(4, 6, 3)  # other batch sizes work; the sequence length is baked into the linspace constant
    assert _verify(model, x, proto)[0].max_rel_diff <= RTOL


def test_dynamic_var_counts_elements_at_run_time() -> None:
    class Var(nn.Module):
        def forward(self, x: tocha.Tensor) -> tocha.Tensor:
            return x.var(dim=1) + x.std(dim=(0, 1), correction=0)

    model = Var().eval()
    proto = tocha.onnx.export(model, _img(2, 5, 3), input_names=["x"], dynamic_axes={"x": [0, 1]})
    assert _verify(model, _img(3, 8, 3), proto)[0].max_rel_diff <= RTOL


@pytest.mark.gpu
def test_export_a_model_on_the_gpu() -> None:
    tocha.manual_seed(0)
    model = _cnn().eval().to("cuda")
    x = _img(2, 3, 8, 8).to("cuda")
    proto = tocha.onnx.export(model, x, input_names=["x"], dynamic_axes={"x": [0]})
    for batch in (2, 5):
        assert _verify(model, _img(batch, 3, 8, 8).to("cuda"), proto)[0].max_rel_diff <= RTOL


def test_detach_and_data_stay_traced() -> None:
    class Detaching(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lin = nn.Linear(3, 3)

        def forward(self, x: tocha.Tensor) -> tocha.Tensor:
            y = self.lin(x)
            return y.detach() * 2 + y.data + x.detach()

    model = Detaching().eval()
    proto = tocha.onnx.export(model, _img(2, 3), input_names=["x"], dynamic_axes={"x": [0]})
    assert _verify(model, _img(5, 3), proto)[0].max_rel_diff <= RTOL  # nothing was baked in


def test_tracer_warning_for_numpy_and_item() -> None:
    class Converting(nn.Module):
        def forward(self, x: tocha.Tensor) -> tocha.Tensor:
            scale = float(x.abs().max().item())
            return x / scale + tocha.tensor(x.numpy().sum())

    with pytest.warns(tocha.onnx.TracerWarning) as record:
        tocha.onnx.export(Converting(), _img(2, 3))
    assert [str(w.message).split("(")[1].split(")")[0] for w in record] == ["item", "numpy"]


def test_a_model_that_refuses_other_sizes_exports_with_sizes_baked_in() -> None:
    class FixedLength(nn.Module):
        def forward(self, x: tocha.Tensor) -> tocha.Tensor:
            return x.view(2, 6).sum(0)  # only takes 12 elements

    with pytest.warns(tocha.onnx.TracerWarning, match="fails when the dynamic axes change size"):
        proto = tocha.onnx.export(FixedLength(), _img(2, 6), input_names=["x"], dynamic_axes={"x": [0]})
    assert _verify(FixedLength(), _img(2, 6), proto)[0].max_rel_diff <= RTOL


def test_control_flow_on_sizes_falls_back_to_static_sizes() -> None:
    class SizeBranch(nn.Module):
        def forward(self, x: tocha.Tensor) -> tocha.Tensor:
            return x.exp() if x.shape[0] > 2 else x.sigmoid()

    with pytest.warns(tocha.onnx.TracerWarning, match="calls different ops when the dynamic axes change size"):
        proto = tocha.onnx.export(SizeBranch(), _img(2, 3), input_names=["x"], dynamic_axes={"x": [0]})
    assert [n.op_type for n in proto.graph.node] == ["Sigmoid", "Identity"]


def test_unknown_dynamic_axes_names_warn() -> None:
    with pytest.warns(UserWarning, match=r"dynamic_axes names \['inptu'\] are neither input nor output names"):
        tocha.onnx.export(nn.ReLU(), _img(2, 3), input_names=["input"], dynamic_axes={"inptu": [0]})


def test_training_mode_batchnorm_uses_batch_statistics() -> None:
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU()).train()
    x = _img(4, 3, 6, 6)
    before = model[1].running_mean.clone()
    proto = tocha.onnx.export(model, x, input_names=["x"], dynamic_axes={"x": [0]})
    assert not any(n.op_type == "BatchNormalization" for n in proto.graph.node)
    assert np.abs(model[1].running_mean.numpy() - before.numpy()).max() > 0  # the traced run updated the stats
    assert _verify(model, _img(6, 3, 6, 6), proto)[0].max_rel_diff <= RTOL


_PAIR = tocha.library.register_op(
    tocha.library.OpRecord(name="test_onnx_pair", forward=lambda xp, a: (a + 1, a * 2), num_outputs=2)
)


def test_using_an_output_a_symbolic_function_cannot_produce_is_an_error() -> None:
    class Pair(nn.Module):
        def forward(self, x: tocha.Tensor) -> Any:
            first, second = tocha.library.call(_PAIR, x.device, (x,), ())
            return first if x.shape[0] == 0 else first + second

    def only_first(ctx: tocha.onnx.SymbolicContext) -> Any:
        return ctx.op("Add", ctx.input(0), ctx.constant(1.0, np.float32)), None

    tocha.onnx.register_custom_op_symbolic("test_onnx_pair", only_first, 13)
    try:
        with pytest.raises(tocha.onnx.UnsupportedOperatorError, match=r"(?s)output of 'test_onnx_pair'.*line \d+"):
            tocha.onnx.export(Pair(), _img(2, 3))
    finally:
        tocha.onnx.unregister_custom_op_symbolic("test_onnx_pair", 13)


def test_dynamic_axes_shared_between_inputs() -> None:
    tocha.manual_seed(0)
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True, norm_first=True, activation="gelu")
    model = nn.TransformerEncoder(layer, 2).eval()
    x = _img(2, 5, 8)
    pad = tocha.tensor([[False] * 5, [False] * 3 + [True] * 2])
    for axes in ({"src": [0, 1], "pad": [0, 1]}, {"src": {0: "b", 1: "s"}, "pad": {0: "b", 1: "s"}}):
        proto = tocha.onnx.export(model, (x, {"src_key_padding_mask": pad}), input_names=["src", "pad"],
                                  dynamic_axes=axes)  # fmt: skip
        pad2 = tocha.zeros(3, 7, dtype=tocha.bool)
        pad2[1, 5:] = True
        for args in ((x, {"src_key_padding_mask": pad}), (_img(3, 7, 8), {"src_key_padding_mask": pad2})):
            assert _verify(model, args, proto)[0].max_rel_diff <= RTOL


def test_attention_with_a_boolean_mask() -> None:
    mha = nn.MultiheadAttention(8, 2, batch_first=True).eval()
    x = _img(2, 5, 8)
    mask = tocha.triu(tocha.ones(5, 5, dtype=tocha.bool), 1)
    _export_and_verify(mha, (x, x, x, {"attn_mask": mask, "need_weights": False}))


def test_plugin_nodes_in_a_custom_domain() -> None:
    def fused_gelu(ctx: tocha.onnx.SymbolicContext) -> str:
        return ctx.op("Gelu", ctx.input(0), domain="com.microsoft")  # type: ignore[no-any-return]

    tocha.onnx.register_custom_op_symbolic("gelu", fused_gelu, 13)
    try:
        proto = _export_and_verify(nn.GELU().eval(), _img(3, 4))
    finally:
        tocha.onnx.unregister_custom_op_symbolic("gelu", 13)
    assert {(o.domain, o.version) for o in proto.opset_import} == {("", 18), ("com.microsoft", 1)}
    assert proto.graph.node[0].domain == "com.microsoft"


class _Writes(nn.Module):
    def forward(self, x: tocha.Tensor) -> Any:
        y = x * 2
        y[:, 1] = 0.0
        y[1:3] = tocha.ones(4)
        y[..., -1] = x[:, 0]
        z = x + 1
        z[:, :2] = x[:, 2:] * 3
        F.relu(z.add_(1.0), inplace=True)
        return y, z


def test_in_place_writes_into_slices() -> None:
    model = _Writes()
    proto = _export_and_verify(model, _img(3, 4), input_names=["x"], dynamic_axes={"x": [0]})
    for r in _verify(model, _img(6, 4), proto):
        assert r.max_rel_diff <= RTOL


def test_in_place_write_into_a_viewed_tensor_is_refused() -> None:
    class WriteThroughView(nn.Module):
        def forward(self, x: tocha.Tensor) -> tocha.Tensor:
            y = x * 2
            flat = y.view(12)
            y[:, 0] = 1.0  # flat sees this write; the graph could not
            return flat

    with pytest.raises(tocha.onnx.UnsupportedOperatorError, match=r"(?s)'setitem'.*shares memory.*\(a view\)"):
        tocha.onnx.export(WriteThroughView(), _img(3, 4))


# ------------------------------------------------------------------ packed sequences (ONNX sequence_lens)


class _PackedRNN(nn.Module):
    def __init__(self, cls: Any, lengths: list[int], batch_first: bool) -> None:
        super().__init__()
        self.rnn = cls(3, 4, num_layers=2, bidirectional=True, batch_first=batch_first)
        self.lengths = lengths
        self.batch_first = batch_first

    def forward(self, x: tocha.Tensor) -> Any:
        enforce = self.lengths == sorted(self.lengths, reverse=True)
        packed = nn.utils.rnn.pack_padded_sequence(x, self.lengths, self.batch_first, enforce_sorted=enforce)
        out, h = self.rnn(packed)
        padded = nn.utils.rnn.pad_packed_sequence(out, batch_first=self.batch_first)[0]
        return (padded, *h) if isinstance(h, tuple) else (padded, h)


@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRU, nn.RNN], ids=["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("lengths", [[5, 3, 2], [2, 5, 3]], ids=["sorted", "unsorted"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_packed_sequences_use_sequence_lens(cls: Any, lengths: list[int], batch_first: bool) -> None:
    model = _PackedRNN(cls, lengths, batch_first).eval()
    x = _img(3, 5, 3) if batch_first else _img(5, 3, 3)
    proto = _export_and_verify(model, x)
    nodes = [n for n in proto.graph.node if n.op_type in ("LSTM", "GRU", "RNN")]
    assert len(nodes) == 4  # 2 layers x 2 directions
    assert all(len(n.input) > 4 and n.input[4] for n in nodes)  # sequence_lens given
    out = model(x)[0].detach().numpy()
    steps = np.arange(5)[None, :] if batch_first else np.arange(5)[:, None]
    lens = np.asarray(lengths)[:, None] if batch_first else np.asarray(lengths)[None, :]
    assert np.all(out[steps >= lens] == 0)  # padded with zeros, as ONNX pads past each sequence's end


def test_packed_sequences_with_an_initial_state_and_a_tagger() -> None:
    class Tagger(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(10, 3)
            self.lstm = nn.LSTM(3, 4, batch_first=True)
            self.head = nn.Linear(4, 5)

        def forward(self, tokens: tocha.Tensor, h0: tocha.Tensor, c0: tocha.Tensor) -> tocha.Tensor:
            packed = nn.utils.rnn.pack_padded_sequence(self.embed(tokens), [2, 4, 1], True, enforce_sorted=False)
            out, _ = self.lstm(packed, (h0, c0))
            return self.head(nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=5)[0])

    tokens = tocha.tensor([[1, 2, 0, 0, 0], [3, 4, 5, 6, 0], [7, 0, 0, 0, 0]])
    _export_and_verify(Tagger().eval(), (tokens, tocha.randn(1, 3, 4), tocha.randn(1, 3, 4)))


# ------------------------------------------------------------------ unpooling, adaptive max pooling


class _Unpool(nn.Module):
    def __init__(self, nd: int, output_size: Any) -> None:
        super().__init__()
        pool = (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d)[nd - 1]
        unpool = (nn.MaxUnpool1d, nn.MaxUnpool2d, nn.MaxUnpool3d)[nd - 1]
        self.pool = pool(2, return_indices=True)
        self.unpool = unpool(2)
        self.output_size = output_size

    def forward(self, x: tocha.Tensor) -> tocha.Tensor:
        values, indices = self.pool(x)
        return self.unpool(values, indices, output_size=self.output_size)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("nd", "shape", "output_size"),
    [(1, (2, 3, 8), None), (1, (3, 7), [7]), (2, (2, 3, 4, 6), None), (2, (2, 3, 5, 5), (5, 5)),
     (3, (1, 2, 4, 4, 5), (4, 4, 5))],
)  # fmt: skip
def test_max_unpool(nd: int, shape: tuple[int, ...], output_size: Any) -> None:
    proto = _export_and_verify(_Unpool(nd, output_size).eval(), _img(*shape))
    assert "MaxUnpool" in [n.op_type for n in proto.graph.node]


def test_max_unpool_dynamic_batch() -> None:
    model = _Unpool(2, None).eval()
    proto = tocha.onnx.export(model, _img(2, 3, 4, 4), input_names=["x"], dynamic_axes={"x": [0]})
    x = _img(5, 3, 4, 4)
    (got,) = _ort_run(proto, {"x": x.numpy()})
    _assert_close(got, model(x))


@pytest.mark.parametrize(
    ("factory", "shape"),
    [(lambda: nn.AdaptiveMaxPool1d(3, return_indices=True), (2, 3, 7)),
     (lambda: nn.AdaptiveMaxPool2d((3, 4), return_indices=True), (2, 3, 5, 7)),
     (lambda: nn.AdaptiveMaxPool2d((3, None)), (2, 3, 5, 7)),
     (lambda: nn.AdaptiveMaxPool2d(3), (3, 5, 7)),
     (lambda: nn.AdaptiveMaxPool3d((2, 3, 2), return_indices=True), (1, 2, 5, 7, 3)),
     (lambda: nn.AdaptiveAvgPool2d((3, 4)), (2, 3, 5, 7)),
     (lambda: nn.AdaptiveAvgPool3d((2, 3, 2)), (1, 2, 5, 7, 3))],
    ids=["max1d", "max2d", "max2d-none", "max2d-unbatched", "max3d", "avg2d", "avg3d"],
)  # fmt: skip
def test_adaptive_pooling_to_uneven_sizes(factory: Callable[[], nn.Module], shape: tuple[int, ...]) -> None:
    _export_and_verify(factory().eval(), _img(*shape))


def test_adaptive_max_pooling_to_uneven_sizes_with_a_dynamic_batch() -> None:
    model = nn.AdaptiveMaxPool2d((3, 4), return_indices=True).eval()
    proto = tocha.onnx.export(model, _img(2, 3, 5, 7), input_names=["x"], dynamic_axes={"x": [0]})
    x = _img(4, 3, 5, 7)
    got = _ort_run(proto, {"x": x.numpy()})
    want = model(x)
    _assert_close(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1].numpy())


# ------------------------------------------------------------------ scans, selections, index writes, masks


class _Selections(nn.Module):
    def forward(self, x: tocha.Tensor, i: tocha.Tensor) -> Any:
        return (
            tocha.cumprod(x, 1) + tocha.cumprod(x, 0),
            tocha.diagonal(x, 1, 0, 1) + tocha.diagonal(x, -1, 1, 0)[:2].sum(),
            tocha.diagonal(x.reshape(2, 3, 4), -1, 2, 1),
            *tocha.median(x, 1),
            tocha.median(x, 0, keepdim=True).values,
            tocha.median(x),
            x[i, i],
            x.reshape(2, 3, 4)[:, i[:2], i[:2]],
            x.reshape(2, 3, 4)[i[:2], :, i[:2]],
            x.reshape(2, 3, 4)[:, i[:2, None], i[:2]],
        )


def test_cumprod_diagonal_median_and_several_index_tensors() -> None:
    x = tocha.randn(6, 4)
    _export_and_verify(_Selections().eval(), (x, tocha.tensor([0, -1, 2])))


class _IndexWrites(nn.Module):
    def forward(self, x: tocha.Tensor, i: tocha.Tensor) -> Any:
        y = x.clone()
        y[x > 1] = 5.0
        y[:, i] = tocha.arange(3.0)
        y[i[:, None], i] += 1.0
        z = x.reshape(4, 3, 4).clone()
        z[:, i[:2], i[:2]] = tocha.ones(2) * 3
        z[i[:2], :, i[:2]] = tocha.ones(2, 3) * 7
        a = x.index_put((tocha.tensor([0, 0, 2]),), tocha.ones(3, 4), accumulate=True)
        b = x.index_put((i, i), tocha.ones(3), accumulate=False)
        c = x.index_add(1, tocha.tensor([1, 1, 3]), x[:, :3], alpha=2) + x.index_add(0, tocha.tensor([3, 0, 3]), x[:3])
        return y, z, a, b, c


@pytest.mark.parametrize("opset", [16, 18, 21])
def test_index_put_and_index_add(opset: int) -> None:
    proto = _export_and_verify(_IndexWrites().eval(), (tocha.randn(12, 4), tocha.tensor([0, -1, 2])),
                               opset_version=opset)  # fmt: skip
    reductions = [a.s for n in proto.graph.node if n.op_type == "ScatterND" for a in n.attribute]
    assert b"add" in reductions


def test_accumulating_index_writes_need_opset_16() -> None:
    def accumulate(x: tocha.Tensor) -> tocha.Tensor:
        return x.index_put((tocha.tensor([0, 0]),), tocha.ones(2, 4), accumulate=True)

    with pytest.raises(tocha.onnx.UnsupportedOperatorError, match=r"'index_put' to ONNX opset 15.*needs opset 16"):
        tocha.onnx.export(accumulate, tocha.randn(3, 4), opset_version=15)
    with pytest.raises(tocha.onnx.UnsupportedOperatorError, match=r"'index_add' to ONNX opset 13.*needs opset 16"):
        tocha.onnx.export(lambda x: x.index_add(0, tocha.tensor([0]), x[:1]), tocha.randn(3, 4), opset_version=13)


class _Masks(nn.Module):
    def forward(self, x: tocha.Tensor) -> Any:
        return (tocha.masked_select(x, x > 0), tocha.masked_select(x, x[0] > 0), x[x > 0.5], x[:, x[0] > 0],
                x.reshape(3, 4, 2)[x.reshape(3, 4, 2)[..., 0] < 0])  # fmt: skip


def test_masked_select_and_boolean_mask_indexing_have_data_dependent_sizes() -> None:
    model = _Masks().eval()
    x = tocha.randn(6, 4)
    proto = _export_and_verify(model, x, input_names=["x"])
    assert "NonZero" in [n.op_type for n in proto.graph.node]
    assert all(d.dim_param for o in proto.graph.output for d in o.type.tensor_type.shape.dim)
    other = tocha.randn(6, 4) * 2  # other masks select other counts
    for got, want in zip(_ort_run(proto, {"x": other.numpy()}), model(other), strict=True):
        _assert_close(got, want)


# ------------------------------------------------------------------ linalg, fft


class _Spectra(nn.Module):
    def forward(self, x: tocha.Tensor) -> Any:
        return (
            tocha.fft.rfft(x, norm="ortho").abs(),
            tocha.view_as_real(tocha.fft.rfft(x)),
            tocha.fft.irfft(tocha.fft.rfft(x), n=4),
            tocha.fft.irfft(tocha.fft.rfft(x), n=5, norm="forward"),
            tocha.fft.irfft(tocha.fft.rfft(x), n=7),
            tocha.fft.fft(x, dim=0).real,
            tocha.fft.ifft(tocha.fft.fft(x, norm="forward"), norm="forward").real,
            tocha.fft.ifft(x, n=6, norm="ortho").imag,
            tocha.fft.rfft2(x).abs(),
            tocha.fft.irfft2(tocha.fft.rfft2(x), s=(6, 4)),
            tocha.fft.fftn(x).conj().imag,
            tocha.linalg.det(x[:4].reshape(2, 2, 2, 2)) + tocha.det(x[:4]),
        )


@pytest.mark.parametrize("opset", [17, 18, 20, 21])
def test_fft_and_det(opset: int) -> None:
    proto = _export_and_verify(_Spectra().eval(), tocha.randn(6, 4), opset_version=opset)
    types = {n.op_type for n in proto.graph.node}
    assert {"DFT", "Det"} <= types


def test_fft_and_complex_values_refused_where_onnx_cannot_express_them() -> None:
    with pytest.raises(tocha.onnx.UnsupportedOperatorError, match=r"'fft_r2c' to ONNX opset 16.*need opset 17"):
        tocha.onnx.export(lambda x: tocha.fft.rfft(x).abs(), tocha.randn(3, 4), opset_version=16)
    with pytest.raises(tocha.onnx.UnsupportedOperatorError, match=r"'mul'.*takes a complex tensor"):
        tocha.onnx.export(lambda x: (tocha.fft.rfft(x) * 2).abs(), tocha.randn(3, 4))
    with pytest.raises(tocha.onnx.UnsupportedOperatorError, match=r"output 0 is a complex tensor"):
        tocha.onnx.export(lambda x: tocha.fft.rfft(x), tocha.randn(3, 4))
    with pytest.raises(tocha.onnx.UnsupportedOperatorError, match=r"'linalg_inv_ex'.*no operator for a matrix inv"):
        tocha.onnx.export(lambda x: tocha.linalg.inv(x), tocha.randn(3, 3))


# ------------------------------------------------------------------ nonzero, unique: data-dependent sizes


class _NonZeros(nn.Module):
    def forward(self, x: tocha.Tensor) -> Any:
        return (
            tocha.nonzero(x > 0),
            tocha.argwhere(x.reshape(-1, 2, 2) < -0.5),
            *tocha.where(x > 1),
            tocha.nonzero(x > 0, as_tuple=True)[1] * 2,
            x[x > 0.3],
            tocha.nonzero(x[0, 0] > 0),  # 0-dim: an (n, 0) result
        )


def _assert_data_dependent_outputs(proto: onnx.ModelProto, count: int) -> None:
    # the element count follows the data: a symbolic dim, never the traced size
    dims = [o.type.tensor_type.shape.dim[0] for o in proto.graph.output[:count]]
    assert all(d.dim_param and not d.HasField("dim_value") for d in dims)


def test_nonzero_argwhere_and_one_argument_where_follow_the_data() -> None:
    model = _NonZeros().eval()
    proto = _export_and_verify(model, tocha.randn(6, 4), input_names=["x"], dynamic_axes={"x": {0: "batch"}})
    assert "NonZero" in [n.op_type for n in proto.graph.node]
    _assert_data_dependent_outputs(proto, 7)
    for rows in (1, 6, 9):  # other batch sizes and other data select other counts
        x = tocha.randn(rows, 4) * 2
        for got, want in zip(_ort_run(proto, {"x": x.numpy()}), model(x), strict=True):
            assert got.shape == tuple(want.shape)
            _assert_close(got, want)


class _Uniques(nn.Module):
    def forward(self, x: tocha.Tensor) -> Any:
        r = (x * 1.5).round()
        return (
            *tocha.unique(r, return_inverse=True, return_counts=True),
            tocha.unique(r.long()),
            tocha.unique(r > 0, return_counts=True)[1],
            *tocha.unique((x * 0.4).round(), dim=0, return_inverse=True, return_counts=True),
            *tocha.unique_consecutive((x * 0.5).round(), return_inverse=True, return_counts=True),
            *tocha.unique_consecutive((x * 0.2).round().int(), dim=1, return_inverse=True, return_counts=True),
        )


@pytest.mark.parametrize("opset", [13, 18])
def test_unique_and_unique_consecutive_follow_the_data(opset: int) -> None:
    model = _Uniques().eval()
    proto = _export_and_verify(
        model, tocha.randn(6, 4), input_names=["x"], dynamic_axes={"x": {0: "batch"}}, opset_version=opset
    )
    types = [n.op_type for n in proto.graph.node]
    assert "Unique" in types
    assert "Compress" in types
    data_dependent = [0, 2, 3, 4, 5, 7, 8, 10, 11, 13]  # values and counts, not the inverse indices
    shapes = [o.type.tensor_type.shape for o in proto.graph.output]
    assert all(any(d.dim_param for d in shapes[k].dim) for k in data_dependent)
    assert shapes[1].dim[0].dim_param  # the inverse indices have the input's shape
    assert shapes[1].dim[1].dim_value == 4
    for rows in (1, 5, 11):
        x = tocha.randn(rows, 4) * 3
        for got, want in zip(_ort_run(proto, {"x": x.numpy()}), model(x), strict=True):
            assert got.shape == tuple(want.shape)
            _assert_close(got, want)


# ------------------------------------------------------------------ linalg and small math ops


class _LinalgAndMath(nn.Module):
    def forward(self, x: tocha.Tensor) -> Any:
        sq = x[:3] @ x[:3].T + tocha.eye(3)  # positive definite: logdet is finite
        signed = x * tocha.tensor([0.0, -0.0, 1.0, -1.0])
        return (
            *tocha.linalg.slogdet(x[:4].reshape(1, 4, 4)),
            tocha.logdet(sq),
            tocha.det(x[:3, :3]),
            tocha.diag_embed(x) + tocha.diag_embed(x, 1)[:, :4, 1:],
            tocha.diag_embed(x[:2], -1, 0, 2),
            tocha.diag(x[0], 1) + tocha.diag(x[1], -1),
            tocha.diag(x),
            tocha.diagonal(x[:3, :3].reshape(1, 3, 3), 0, 1, 2),
            tocha.trace(x),
            tocha.outer(x[0], x[1]),
            tocha.linalg.vecdot(x, x.flip(0)),
            tocha.cross(x[:, :3], x[:, 1:], dim=1) + tocha.linalg.cross(x[:, 1:], x[:, :3]),
            x.triu(1) - x.tril(-1),
            *[tocha.linalg.vector_norm(x, p, dim=1) for p in (0, 1, 2, 3, float("inf"), -float("inf"))],
            *[tocha.linalg.matrix_norm(x.reshape(2, 3, 4), p) for p in ("fro", 1, -1, float("inf"), -float("inf"))],
            *tocha.kthvalue(x, 2, 1),
            tocha.kthvalue(x, 3, 0, keepdim=True).values,
            tocha.searchsorted(tocha.tensor([-1.0, 0.0, 0.5]), x)
            + tocha.bucketize(x, tocha.tensor([0.0, 1.0]), right=True),
            tocha.searchsorted(x.sort(1).values, x[:, :2] * 1.5, out_int32=True),
            tocha.copysign(x.flip(1), signed),
            tocha.signbit(signed),
            tocha.signbit(x > 0),
            tocha.heaviside(signed, tocha.tensor(0.5)),
            tocha.sinc(signed),
        )


@pytest.mark.parametrize("opset", [13, 18])
def test_linalg_and_small_math_ops(opset: int) -> None:
    tocha.manual_seed(0)
    proto = _export_and_verify(_LinalgAndMath().eval(), tocha.randn(6, 4), opset_version=opset)
    assert "Det" in [n.op_type for n in proto.graph.node]


def test_what_onnx_cannot_express_is_refused_with_the_reason() -> None:
    x = tocha.randn(3, 3)
    with pytest.raises(tocha.onnx.UnsupportedOperatorError, match=r"'lstm_layer'.*LSTMs with projections"):
        tocha.onnx.export(nn.LSTM(4, 6, proj_size=3).eval(), tocha.randn(5, 2, 4))
    with pytest.raises(tocha.onnx.UnsupportedOperatorError, match=r"'linalg_cholesky_ex'.*no operator for the Chol"):
        tocha.onnx.export(lambda a: tocha.linalg.cholesky(a @ a.T + tocha.eye(3)), x)
    with pytest.raises(tocha.onnx.UnsupportedOperatorError, match=r"'linalg_svd'.*ord=2, -2 or 'nuc'"):
        tocha.onnx.export(lambda a: tocha.linalg.matrix_norm(a, "nuc"), x)
    with pytest.raises(tocha.onnx.UnsupportedOperatorError, match=r"'linalg_solve_ex'.*no operator"):
        tocha.onnx.export(lambda a: tocha.linalg.solve(a, a), x)
    with pytest.raises(tocha.onnx.UnsupportedOperatorError, match=r"'complex'.*ONNX has no complex tensor type"):
        tocha.onnx.export(lambda a: tocha.complex(a, a).abs(), x)
    with pytest.raises(tocha.onnx.UnsupportedOperatorError, match=r"input 'a'.*ONNX has no complex tensor type"):
        tocha.onnx.export(lambda a: a.abs(), tocha.complex(x, x), input_names=["a"])
    with pytest.raises(tocha.onnx.UnsupportedOperatorError, match=r"output 0 is a complex.*no complex tensor type"):
        tocha.onnx.export(lambda a: tocha.fft.fft(a), x)


class _NanMedians(nn.Module):
    def forward(self, x: tocha.Tensor) -> Any:
        y = x.masked_fill(x > 0.8, float("nan"))
        return (*tocha.nanmedian(y, 1), tocha.nanmedian(y, 0, keepdim=True).values, tocha.nanmedian(y),
                *y.median(1), y.median())  # fmt: skip


def test_nanmedian_skips_nans_and_median_propagates_them() -> None:
    model = _NanMedians().eval()
    x = tocha.randn(5, 6)
    x[0] = 2.0  # a row of NaNs only: its nanmedian is NaN
    proto = tocha.onnx.export(model, x, input_names=["x"], dynamic_axes={"x": {0: "batch"}})
    for other in (x, tocha.randn(3, 6), tocha.randn(8, 6) * 0.5):
        for got, want in zip(_ort_run(proto, {"x": other.numpy()}), model(other), strict=True):
            np.testing.assert_allclose(got, want.numpy(), rtol=RTOL)  # NaNs where tocha has NaNs
