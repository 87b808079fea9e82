"""nn.Transformer, TransformerEncoder/Decoder and their layers: PyTorch, finite differences, keys, reprs, errors."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from nn_oracle import OpNames, compare_with_torch, gradcheck_function, to_torch, torch_or_skip

import tocha
import tocha.nn as nn
import tocha.nn.functional as F
from tocha.nn.modules.transformer import _generate_square_subsequent_mask

D, NHEAD, FF, S, T, N = 8, 2, 16, 5, 4, 3


def _rand(shape: Any, seed: int, dtype: Any = np.float32) -> tocha.Tensor:
    return tocha.tensor(np.random.default_rng(seed).standard_normal(shape).astype(dtype))


def _seq(length: int, batch_first: bool, seed: int, batched: bool = True) -> tocha.Tensor:
    if not batched:
        return _rand((length, D), seed)
    return _rand((N, length, D) if batch_first else (length, N, D), seed)


class _Call(nn.Module):
    def __init__(self, inner: Any, **kwargs: Any) -> None:
        super().__init__()
        self.inner = inner
        self.kwargs = kwargs

    def forward(self, *inputs: Any) -> Any:
        return self.inner(*inputs, **self.kwargs)


def _torch_call(torch: Any, inner: Any, **kwargs: Any) -> Any:
    class Call(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *inputs: Any) -> Any:
            return self.inner(*inputs, **kwargs)

    return Call()


def _padding(length: int) -> tocha.Tensor:
    m = np.zeros((N, length), dtype=bool)
    m[0, length - 2 :] = True
    m[2, 1] = True
    return tocha.tensor(m)


# ------------------------------------------------------------------ without PyTorch


def test_generate_square_subsequent_mask() -> None:
    mask = nn.Transformer.generate_square_subsequent_mask(3)
    expected = np.array([[0, -np.inf, -np.inf], [0, 0, -np.inf], [0, 0, 0]], dtype=np.float32)
    np.testing.assert_array_equal(mask.numpy(), expected)
    assert mask.dtype == tocha.float32
    assert _generate_square_subsequent_mask(2, dtype=tocha.float64).dtype == tocha.float64


def test_encoder_layer_children_and_keys() -> None:
    layer = nn.TransformerEncoderLayer(D, NHEAD, FF)
    assert [name for name, _ in layer.named_children()] == [
        "self_attn", "linear1", "dropout", "linear2", "norm1", "norm2", "dropout1", "dropout2"
    ]  # fmt: skip
    assert list(layer.state_dict()) == [
        "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
        "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias",
        "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias",
    ]  # fmt: skip
    assert layer.activation is F.relu
    assert nn.TransformerEncoderLayer(D, NHEAD, FF, activation="gelu").activation is F.gelu
    assert "norm1.bias" not in nn.TransformerEncoderLayer(D, NHEAD, FF, bias=False).state_dict()


def test_decoder_layer_children() -> None:
    layer = nn.TransformerDecoderLayer(D, NHEAD, FF, activation=nn.GELU())
    assert [name for name, _ in layer.named_children()] == [
        "self_attn", "multihead_attn", "linear1", "dropout", "linear2", "norm1", "norm2", "norm3",
        "dropout1", "dropout2", "dropout3", "activation",
    ]  # fmt: skip


def test_stacks_are_independent_copies() -> None:
    layer = nn.TransformerEncoderLayer(D, NHEAD, FF)
    enc = nn.TransformerEncoder(layer, 3, enable_nested_tensor=False)
    assert len(enc.layers) == 3
    assert enc.num_layers == 3
    w0 = enc.layers[0].linear1.weight
    w1 = enc.layers[1].linear1.weight
    assert w0 is not w1
    assert w0 is not layer.linear1.weight
    np.testing.assert_array_equal(w0.detach().numpy(), w1.detach().numpy())
    assert next(iter(enc.state_dict())) == "layers.0.self_attn.in_proj_weight"


def test_transformer_xavier_initialisation_and_keys() -> None:
    model = nn.Transformer(D, NHEAD, 1, 1, FF)
    keys = list(model.state_dict())
    assert keys[0] == "encoder.layers.0.self_attn.in_proj_weight"
    assert "encoder.norm.weight" in keys
    assert "decoder.norm.bias" in keys
    assert "decoder.layers.0.multihead_attn.out_proj.weight" in keys
    w = model.encoder.layers[0].linear1.weight.detach().numpy()
    assert np.abs(w).max() <= math.sqrt(6 / (D + FF))


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_gradcheck(norm_first: bool) -> None:
    layer = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, norm_first=norm_first, dtype=tocha.float64)
    x = _rand((3, 2, 4), 0, np.float64)
    mask = nn.Transformer.generate_square_subsequent_mask(3, dtype=tocha.float64)
    gradcheck_function(lambda x: layer(x, src_mask=mask), x)


def test_decoder_layer_gradcheck() -> None:
    layer = nn.TransformerDecoderLayer(4, 2, 6, dropout=0.0, activation="gelu", dtype=tocha.float64)
    gradcheck_function(layer, _rand((3, 2, 4), 0, np.float64), _rand((2, 2, 4), 1, np.float64))


def test_errors() -> None:
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(D, NHEAD, FF, activation="tanh")
    model = nn.Transformer(D, NHEAD, 1, 1, FF)
    with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
        model(_rand((S, 2, D), 0), _rand((T, 3, D), 1))
    with pytest.raises(RuntimeError, match="the feature number of src and tgt must be equal to d_model"):
        model(_rand((S, 2, D), 0), _rand((T, 2, 6), 1))
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        nn.TransformerEncoderLayer(7, 2)


def test_mismatched_mask_types_warn() -> None:
    layer = nn.TransformerEncoderLayer(D, NHEAD, FF, dropout=0.0)
    with pytest.warns(UserWarning, match="Support for mismatched src_key_padding_mask and src_mask is deprecated"):
        layer(
            _seq(S, False, 0),
            src_mask=nn.Transformer.generate_square_subsequent_mask(S),
            src_key_padding_mask=_padding(S),
        )


def test_train_mode_dropout_is_random_and_eval_is_not() -> None:
    layer = nn.TransformerEncoderLayer(D, NHEAD, FF, dropout=0.5)
    x = _seq(S, False, 0)
    a, b = layer(x), layer(x)
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())
    layer.eval()
    np.testing.assert_array_equal(layer(x).detach().numpy(), layer(x).detach().numpy())


# ------------------------------------------------------------------ against PyTorch


ENCODER_CASES = [
    {},
    {"norm_first": True},
    {"activation": "gelu"},
    {"activation": "gelu", "norm_first": True, "batch_first": True},
    {"batch_first": True},
    {"bias": False},
    {"layer_norm_eps": 1e-3},
]


def _pair(torch: Any, name: str, *args: Any, **kwargs: Any) -> tuple[Any, Any]:
    torch.manual_seed(0)
    theirs_kwargs = dict(kwargs)
    if name == "TransformerEncoder":
        theirs_kwargs.setdefault("enable_nested_tensor", False)
    return getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **theirs_kwargs)


@pytest.mark.parametrize("kwargs", ENCODER_CASES)
@pytest.mark.parametrize("train", [False, True])
def test_encoder_layer_matches_torch(kwargs: dict[str, Any], train: bool) -> None:
    torch = torch_or_skip()
    ours, theirs = _pair(torch, "TransformerEncoderLayer", D, NHEAD, FF, dropout=0.0 if train else 0.1, **kwargs)
    ours.train(train)
    theirs.train(train)
    compare_with_torch(ours, theirs, _seq(S, kwargs.get("batch_first", False), 0), atol=1e-5)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize(
    "masks",
    [
        {"src_mask": "causal", "is_causal": True},
        {"src_mask": "causal"},
        {"src_mask": "bool"},
        {"src_key_padding_mask": "padding"},
        {"src_mask": "bool", "src_key_padding_mask": "padding"},
    ],
)
def test_encoder_layer_masks_match_torch(batch_first: bool, masks: dict[str, Any]) -> None:
    torch = torch_or_skip()
    ours, theirs = _pair(torch, "TransformerEncoderLayer", D, NHEAD, FF, dropout=0.0, batch_first=batch_first)
    kw = _make_masks(masks, S, S)
    compare_with_torch(
        _Call(ours, **kw), _torch_call(torch, theirs, **to_torch(kw)), _seq(S, batch_first, 0), atol=1e-5
    )


def _make_masks(spec: dict[str, Any], rows: int, cols: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, kind in spec.items():
        if kind == "causal":
            out[key] = nn.Transformer.generate_square_subsequent_mask(rows)
        elif kind == "bool":
            m = np.random.default_rng(4).random((rows, cols)) > 0.6
            m[:, 0] = False
            out[key] = tocha.tensor(m)
        elif kind == "padding":
            out[key] = _padding(cols if "memory" in key or "src" in key else rows)
        else:
            out[key] = kind
    return out


def test_unbatched_encoder_layer_matches_torch() -> None:
    torch = torch_or_skip()
    ours, theirs = _pair(torch, "TransformerEncoderLayer", D, NHEAD, FF, dropout=0.0)
    compare_with_torch(ours, theirs, _seq(S, False, 0, batched=False), atol=1e-5)


def test_callable_activation_matches_torch() -> None:
    torch = torch_or_skip()
    torch.manual_seed(0)
    ours = nn.TransformerEncoderLayer(D, NHEAD, FF, dropout=0.0, activation=nn.GELU(approximate="tanh"))
    theirs = torch.nn.TransformerEncoderLayer(D, NHEAD, FF, dropout=0.0, activation=torch.nn.GELU(approximate="tanh"))
    compare_with_torch(ours, theirs, _seq(S, False, 0), atol=1e-5)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("kwargs", ENCODER_CASES)
@pytest.mark.parametrize("train", [False, True])
def test_decoder_layer_matches_torch(kwargs: dict[str, Any], train: bool) -> None:
    torch = torch_or_skip()
    ours, theirs = _pair(torch, "TransformerDecoderLayer", D, NHEAD, FF, dropout=0.0 if train else 0.1, **kwargs)
    ours.train(train)
    theirs.train(train)
    bf = kwargs.get("batch_first", False)
    compare_with_torch(ours, theirs, _seq(T, bf, 0), _seq(S, bf, 1), atol=1e-5)


@pytest.mark.parametrize(
    "masks",
    [
        {"tgt_mask": "causal", "tgt_is_causal": True},
        {"tgt_mask": "causal", "memory_key_padding_mask": "padding"},
        {"tgt_key_padding_mask": "padding", "memory_mask": "bool"},
    ],
)
def test_decoder_layer_masks_match_torch(masks: dict[str, Any]) -> None:
    torch = torch_or_skip()
    ours, theirs = _pair(torch, "TransformerDecoderLayer", D, NHEAD, FF, dropout=0.0)
    kw = _make_masks(masks, T, S)
    if "tgt_key_padding_mask" in kw:
        kw["tgt_key_padding_mask"] = _padding(T)
    compare_with_torch(
        _Call(ours, **kw), _torch_call(torch, theirs, **to_torch(kw)), _seq(T, False, 0), _seq(S, False, 1), atol=1e-5
    )


@pytest.mark.filterwarnings("ignore:Support for mismatched:UserWarning")
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("is_causal", [None, True, False])
def test_encoder_stack_matches_torch(norm_first: bool, is_causal: Any) -> None:
    torch = torch_or_skip()
    torch.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(D, NHEAD, FF, dropout=0.0, norm_first=norm_first)
    theirs = torch.nn.TransformerEncoder(layer, 2, norm=torch.nn.LayerNorm(D), enable_nested_tensor=False)
    ours = nn.TransformerEncoder(
        nn.TransformerEncoderLayer(D, NHEAD, FF, dropout=0.0, norm_first=norm_first), 2, norm=nn.LayerNorm(D)
    )
    kw = {"mask": nn.Transformer.generate_square_subsequent_mask(S), "is_causal": is_causal}
    kw["src_key_padding_mask"] = _padding(S)
    compare_with_torch(_Call(ours, **kw), _torch_call(torch, theirs, **to_torch(kw)), _seq(S, False, 0), atol=1e-5)


def test_decoder_stack_matches_torch() -> None:
    torch = torch_or_skip()
    torch.manual_seed(0)
    theirs = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(D, NHEAD, FF, dropout=0.0), 2)
    ours = nn.TransformerDecoder(nn.TransformerDecoderLayer(D, NHEAD, FF, dropout=0.0), 2)
    kw = {"tgt_mask": nn.Transformer.generate_square_subsequent_mask(T)}
    compare_with_torch(
        _Call(ours, **kw), _torch_call(torch, theirs, **to_torch(kw)), _seq(T, False, 0), _seq(S, False, 1), atol=1e-5
    )


@pytest.mark.filterwarnings("ignore:Support for mismatched:UserWarning")
@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True:UserWarning")
@pytest.mark.parametrize("kwargs", [{}, {"batch_first": True, "norm_first": True, "activation": "gelu"}])
def test_transformer_matches_torch(kwargs: dict[str, Any]) -> None:
    torch = torch_or_skip()
    torch.manual_seed(0)
    theirs = torch.nn.Transformer(D, NHEAD, 2, 2, FF, dropout=0.0, **kwargs)
    ours = nn.Transformer(D, NHEAD, 2, 2, FF, dropout=0.0, **kwargs)
    bf = kwargs.get("batch_first", False)
    kw = {"tgt_mask": nn.Transformer.generate_square_subsequent_mask(T), "src_key_padding_mask": _padding(S)}
    kw["memory_key_padding_mask"] = _padding(S)
    compare_with_torch(
        _Call(ours, **kw), _torch_call(torch, theirs, **to_torch(kw)), _seq(S, bf, 0), _seq(T, bf, 1), atol=1e-4
    )


@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True:UserWarning")
def test_state_dict_keys_and_reprs_match_torch() -> None:
    torch = torch_or_skip()
    pairs = [
        _pair(torch, "TransformerEncoderLayer", D, NHEAD, FF),
        _pair(torch, "TransformerEncoderLayer", D, NHEAD, FF, bias=False, norm_first=True),
        _pair(torch, "TransformerDecoderLayer", D, NHEAD, FF, activation="gelu"),
        _pair(torch, "Transformer", D, NHEAD, 2, 1, FF, batch_first=True),
    ]
    for ours, theirs in pairs:
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert repr(ours) == repr(theirs)
    ours_enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, NHEAD, FF), 2, norm=nn.LayerNorm(D))
    theirs_enc = torch.nn.TransformerEncoder(
        torch.nn.TransformerEncoderLayer(D, NHEAD, FF), 2, norm=torch.nn.LayerNorm(D), enable_nested_tensor=False
    )
    assert list(ours_enc.state_dict()) == list(theirs_enc.state_dict())
    assert repr(ours_enc) == repr(theirs_enc)


def test_generate_square_subsequent_mask_matches_torch() -> None:
    torch = torch_or_skip()
    np.testing.assert_array_equal(
        nn.Transformer.generate_square_subsequent_mask(5).numpy(),
        torch.nn.Transformer.generate_square_subsequent_mask(5).numpy(),
    )


def test_packed_self_attention_heads_split_and_merge_as_one_op_each() -> None:
    """Self-attention's packed projection becomes the query, key and value heads through one op, and their
    gradients go back through one (not three selects and three zero-filled copies); both differentiate twice."""

    mha = nn.MultiheadAttention(8, 2, batch_first=True).double()
    x = _rand((2, 5, 8), 3, np.float64).requires_grad_()
    with OpNames() as layer:
        out, _ = mha(x, x, x, need_weights=False)
        out.sum().backward()
    assert layer.names.count("split_attention_heads") == 1
    assert layer.names.count("merge_attention_heads") == 1
    assert "select_backward" not in layer.names
    weight = mha.in_proj_weight.detach().clone().requires_grad_()

    def attend(inputs: tocha.Tensor, w: tocha.Tensor) -> tocha.Tensor:
        seq_first = inputs.transpose(0, 1)  # one tensor as query, key and value: the packed path
        return F.multi_head_attention_forward(
            seq_first, seq_first, seq_first, 8, 2, w, mha.in_proj_bias, None, None, False, 0.0, mha.out_proj.weight,
            mha.out_proj.bias, need_weights=False,
        )[0]  # fmt: skip

    x = x.detach().requires_grad_()
    with OpNames() as layer:
        attend(x, weight)
    assert "split_attention_heads" in layer.names
    assert tocha.autograd.gradcheck(attend, (x, weight))
    assert tocha.autograd.gradgradcheck(attend, (x, weight))
