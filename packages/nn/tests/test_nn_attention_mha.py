"""nn.MultiheadAttention and F.multi_head_attention_forward: PyTorch, finite differences, keys, reprs, errors."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from nn_oracle import (
    assert_close_to_torch,
    compare_with_torch,
    copy_weights_from_torch,
    gradcheck_function,
    to_torch,
    torch_or_skip,
)

import tocha
import tocha.nn as nn
import tocha.nn.functional as F

E, H, L, S, N = 8, 2, 4, 5, 3


def _rand(shape: Any, seed: int, dtype: Any = np.float32) -> tocha.Tensor:
    return tocha.tensor(np.random.default_rng(seed).standard_normal(shape).astype(dtype))


class _Call(nn.Module):
    """Calls the wrapped attention with fixed keyword arguments (so compare_with_torch can pass tensors)."""

    def __init__(self, mha: Any, self_attention: bool = False, **kwargs: Any) -> None:
        super().__init__()
        self.mha = mha
        self.self_attention = self_attention
        self.kwargs = kwargs

    def forward(self, *inputs: Any) -> Any:
        if self.self_attention:
            inputs = (inputs[0], inputs[0], inputs[0])
        return self.mha(*inputs, **self.kwargs)


def _torch_call(torch: Any, mha: Any, self_attention: bool = False, **kwargs: Any) -> Any:
    class Call(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.mha = mha

        def forward(self, *inputs: Any) -> Any:
            if self_attention:
                inputs = (inputs[0], inputs[0], inputs[0])
            return self.mha(*inputs, **kwargs)

    return Call()


def _qkv(batch_first: bool, kdim: int = E, vdim: int = E, batched: bool = True) -> tuple[tocha.Tensor, ...]:
    q, k, v = _rand((L, N, E), 0), _rand((S, N, kdim), 1), _rand((S, N, vdim), 2)
    if not batched:
        return q[:, 0], k[:, 0], v[:, 0]
    if batch_first:
        return tuple(x.transpose(0, 1).contiguous() for x in (q, k, v))
    return q, k, v


def _masks(kind: str, batched: bool = True, L: int = L, S: int = S) -> dict[str, Any]:
    rng = np.random.default_rng(5)
    if kind == "none":
        return {}
    if kind == "bool_attn":
        m = rng.random((L, S)) > 0.6
        m[:, 0] = False
        return {"attn_mask": tocha.tensor(m)}
    if kind == "float_attn":
        return {"attn_mask": _rand((L, S), 6)}
    if kind == "attn_3d":
        return {"attn_mask": _rand((N * H, L, S), 6)}
    if kind == "key_padding":
        m = np.zeros((N, S), dtype=bool)
        m[0, 3:] = True
        m[2, 1] = True
        return {"key_padding_mask": tocha.tensor(m if batched else m[0])}
    if kind == "float_padding":
        f = np.zeros((N, S), dtype=np.float32)
        f[0, 3:] = -np.inf
        f[1] = np.linspace(-1, 1, S)
        return {"key_padding_mask": tocha.tensor(f)}
    if kind == "both_bool":
        a = rng.random((L, S)) > 0.7
        a[:, 0] = False
        m = np.zeros((N, S), dtype=bool)
        m[1, 2:] = True
        return {"attn_mask": tocha.tensor(a), "key_padding_mask": tocha.tensor(m)}
    if kind == "causal":
        return {"attn_mask": nn.Transformer.generate_square_subsequent_mask(L), "is_causal": True}
    raise AssertionError(kind)


def _pair(torch: Any, **kwargs: Any) -> tuple[Any, Any]:
    torch.manual_seed(0)
    return nn.MultiheadAttention(E, H, **kwargs), torch.nn.MultiheadAttention(E, H, **kwargs)


# ------------------------------------------------------------------ without PyTorch


def test_state_dict_keys_and_shapes() -> None:
    mha = nn.MultiheadAttention(E, H)
    assert {k: tuple(v.shape) for k, v in mha.state_dict().items()} == {
        "in_proj_weight": (3 * E, E),
        "in_proj_bias": (3 * E,),
        "out_proj.weight": (E, E),
        "out_proj.bias": (E,),
    }
    mha = nn.MultiheadAttention(E, H, kdim=3, vdim=5, add_bias_kv=True)
    assert {k: tuple(v.shape) for k, v in mha.state_dict().items()} == {
        "q_proj_weight": (E, E),
        "k_proj_weight": (E, 3),
        "v_proj_weight": (E, 5),
        "in_proj_bias": (3 * E,),
        "bias_k": (1, 1, E),
        "bias_v": (1, 1, E),
        "out_proj.weight": (E, E),
        "out_proj.bias": (E,),
    }
    assert mha.in_proj_weight is None
    assert list(nn.MultiheadAttention(E, H, bias=False).state_dict()) == ["in_proj_weight", "out_proj.weight"]


def test_default_initialisation() -> None:
    mha = nn.MultiheadAttention(64, 4, add_bias_kv=True)
    assert mha.in_proj_bias is not None
    assert mha.out_proj.bias is not None
    np.testing.assert_array_equal(mha.in_proj_bias.detach().numpy(), 0.0)
    np.testing.assert_array_equal(mha.out_proj.bias.detach().numpy(), 0.0)
    w = mha.in_proj_weight.detach().numpy()  # type: ignore[union-attr]
    bound = math.sqrt(6 / (64 + 192))
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.9 * bound
    assert type(mha.out_proj).__name__ == "NonDynamicallyQuantizableLinear"
    assert isinstance(mha.out_proj, nn.Linear)
    assert mha.bias_k is not None
    assert float(mha.bias_k.detach().numpy().std()) > 0


def test_repr() -> None:
    assert repr(nn.MultiheadAttention(E, H)) == (
        "MultiheadAttention(\n  (out_proj): NonDynamicallyQuantizableLinear(in_features=8, out_features=8, bias=True)\n)"
    )


def test_forward_matches_numpy_reference() -> None:
    mha = nn.MultiheadAttention(E, H, dtype=tocha.float64)
    q, k, v = (x.double() for x in _qkv(False))
    out, weights = mha(q, k, v, average_attn_weights=False)
    w_in = mha.in_proj_weight.detach().numpy()  # type: ignore[union-attr]
    b_in = mha.in_proj_bias.detach().numpy()  # type: ignore[union-attr]
    qn, kn, vn = q.numpy(), k.numpy(), v.numpy()
    d = E // H

    def heads(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
        y = x @ w.T + b  # (T, N, E)
        return y.reshape(y.shape[0], N, H, d).transpose(1, 2, 0, 3)

    qh = heads(qn, w_in[:E], b_in[:E])
    kh = heads(kn, w_in[E : 2 * E], b_in[E : 2 * E])
    vh = heads(vn, w_in[2 * E :], b_in[2 * E :])
    s = qh @ kh.transpose(0, 1, 3, 2) / math.sqrt(d)
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    o = (p @ vh).transpose(2, 0, 1, 3).reshape(L, N, E)
    expected = o @ mha.out_proj.weight.detach().numpy().T + mha.out_proj.bias.detach().numpy()  # type: ignore[union-attr]
    np.testing.assert_allclose(out.detach().numpy(), expected, atol=1e-12)
    np.testing.assert_allclose(weights.detach().numpy(), p, atol=1e-12)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"add_bias_kv": True, "add_zero_attn": True}, {"kdim": 3, "vdim": 5}, {"batch_first": True}],
)
@pytest.mark.parametrize("need_weights", [True, False])
def test_gradcheck(kwargs: dict[str, Any], need_weights: bool) -> None:
    mha = nn.MultiheadAttention(4, 2, dtype=tocha.float64, **kwargs)
    q = _rand((3, 2, 4), 0, np.float64)
    k = _rand((2, 2, kwargs.get("kdim", 4)), 1, np.float64)
    v = _rand((2, 2, kwargs.get("vdim", 4)), 2, np.float64)
    mask = tocha.tensor([[False, True], [False, False], [True, False]])
    if kwargs.get("batch_first"):
        q, k, v = (x.transpose(0, 1).contiguous() for x in (q, k, v))

    def fn(q: Any, k: Any, v: Any) -> Any:
        out, w = mha(q, k, v, attn_mask=mask, need_weights=need_weights)
        return (out, w) if need_weights else out

    gradcheck_function(fn, q, k, v)


def test_self_attention_and_shared_key_value_paths_agree() -> None:
    mha = nn.MultiheadAttention(E, H, dtype=tocha.float64)
    x = _rand((L, N, E), 0, np.float64)
    packed = mha(x, x, x)[0]
    shared = mha(x, x.clone(), x.clone())[0]
    kv = x.clone()
    separate = mha(x, kv, kv)[0]
    np.testing.assert_allclose(packed.detach().numpy(), shared.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(packed.detach().numpy(), separate.detach().numpy(), atol=1e-12)


def test_errors() -> None:
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        nn.MultiheadAttention(7, 2)
    with pytest.raises(ValueError, match="embed_dim and num_heads must be greater than 0"):
        nn.MultiheadAttention(0, 2)
    mha = nn.MultiheadAttention(E, H)
    x = _rand((S, N, E), 0)
    with pytest.raises(RuntimeError, match=r"The shape of the 2D attn_mask is .*\[4, 3\].*, but should be \(5, 5\)\."):
        mha(x, x, x, attn_mask=tocha.zeros(4, 3, dtype=tocha.bool))
    with pytest.raises(RuntimeError, match=r"The shape of the 3D attn_mask is .*, but should be \(6, 5, 5\)\."):
        mha(x, x, x, attn_mask=tocha.zeros(5, 5, 5, dtype=tocha.bool))
    with pytest.raises(AssertionError, match="expected `attn_mask` to be `None`, 2-D or 3-D but found 4-D"):
        mha(x, x, x, attn_mask=tocha.zeros(1, 1, 5, 5, dtype=tocha.bool))
    with pytest.raises(AssertionError, match="only bool and floating types of attn_mask are supported"):
        mha(x, x, x, attn_mask=tocha.zeros(5, 5, dtype=tocha.int64))
    with pytest.raises(AssertionError, match="only bool and floating types of key_padding_mask are supported"):
        mha(x, x, x, key_padding_mask=tocha.zeros(3, 5, dtype=tocha.int64))
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        mha(x, x, x, is_causal=True)
    with pytest.raises(AssertionError, match="was expecting embedding dimension of 8, but got 6"):
        mha(_rand((S, N, 6), 1), x, x)
    with pytest.raises(AssertionError, match=r"key shape .* does not match value shape"):
        mha(x, x, x[:2])
    with pytest.raises(AssertionError, match="For unbatched \\(2-D\\) `query`, expected `key` and `value` to be 2-D"):
        mha(x[0], x, x)


# ------------------------------------------------------------------ against PyTorch


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize(
    "kwargs",
    [{}, {"kdim": 3, "vdim": 5}, {"add_bias_kv": True}, {"add_zero_attn": True}, {"bias": False}],
)
def test_cross_attention_matches_torch(batch_first: bool, kwargs: dict[str, Any]) -> None:
    torch = torch_or_skip()
    ours, theirs = _pair(torch, batch_first=batch_first, **kwargs)
    q, k, v = _qkv(batch_first, kwargs.get("kdim", E), kwargs.get("vdim", E))
    compare_with_torch(ours, theirs, q, k, v, atol=1e-5)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize(
    "masks", ["none", "bool_attn", "float_attn", "attn_3d", "key_padding", "float_padding", "both_bool", "causal"]
)
@pytest.mark.parametrize(("need_weights", "average"), [(True, True), (True, False), (False, True)])
def test_self_attention_masks_match_torch(batch_first: bool, masks: str, need_weights: bool, average: bool) -> None:
    torch = torch_or_skip()
    ours, theirs = _pair(torch, batch_first=batch_first)
    q = _qkv(batch_first)[1]  # (S, N, E): self-attention over S positions
    m = _masks(masks, L=S)
    kw = {"need_weights": need_weights, "average_attn_weights": average}
    compare_with_torch(
        _Call(ours, True, **m, **kw), _torch_call(torch, theirs, True, **to_torch(m), **kw), q, atol=1e-5
    )


@pytest.mark.parametrize("kwargs", [{}, {"add_bias_kv": True, "add_zero_attn": True}, {"kdim": 3, "vdim": 5}])
@pytest.mark.parametrize("masks", ["bool_attn", "key_padding", "both_bool", "attn_3d"])
def test_masks_with_bias_kv_zero_attn_and_kdim_match_torch(kwargs: dict[str, Any], masks: str) -> None:
    torch = torch_or_skip()
    ours, theirs = _pair(torch, **kwargs)
    q, k, v = _qkv(False, kwargs.get("kdim", E), kwargs.get("vdim", E))
    m = _masks(masks)
    if masks == "attn_3d" and (kwargs.get("add_bias_kv") or kwargs.get("add_zero_attn")):
        m = {"attn_mask": _rand((N * H, L, S), 6)}
    compare_with_torch(_Call(ours, **m), _torch_call(torch, theirs, **to_torch(m)), q, k, v, atol=1e-5)


@pytest.mark.parametrize("masks", ["none", "bool_attn", "key_padding"])
@pytest.mark.parametrize("need_weights", [True, False])
def test_unbatched_matches_torch(masks: str, need_weights: bool) -> None:
    torch = torch_or_skip()
    ours, theirs = _pair(torch, batch_first=True)
    q, k, v = _qkv(False, batched=False)
    m = _masks(masks, batched=False)
    kw = {"need_weights": need_weights, **m}
    compare_with_torch(_Call(ours, **kw), _torch_call(torch, theirs, **to_torch(kw)), q, k, v, atol=1e-5)


def test_unbatched_3d_attn_mask_matches_torch() -> None:
    torch = torch_or_skip()
    ours, theirs = _pair(torch)
    q, k, v = _qkv(False, batched=False)
    m = {"attn_mask": _rand((H, L, S), 3), "average_attn_weights": False}
    compare_with_torch(_Call(ours, **m), _torch_call(torch, theirs, **to_torch(m)), q, k, v, atol=1e-5)


def test_fully_masked_rows_match_torch() -> None:
    torch = torch_or_skip()
    ours, theirs = _pair(torch, batch_first=True)
    x = _rand((N, S, E), 0)
    kpm = tocha.zeros(N, S, dtype=tocha.bool)
    kpm[1] = True
    copy_weights_from_torch(ours, theirs)
    for need_weights in (True, False):
        a = ours(x, x, x, key_padding_mask=kpm, need_weights=need_weights)
        b = theirs(to_torch(x), to_torch(x), to_torch(x), key_padding_mask=to_torch(kpm), need_weights=need_weights)
        np.testing.assert_allclose(a[0].detach().numpy(), b[0].detach().numpy(), atol=1e-5, equal_nan=True)


def test_dropout_eval_matches_torch_and_train_drops() -> None:
    torch = torch_or_skip()
    ours, theirs = _pair(torch, dropout=0.5)
    q, k, v = _qkv(False)
    ours.eval()
    theirs.eval()
    compare_with_torch(ours, theirs, q, k, v, atol=1e-5)
    ours.train()
    tocha.manual_seed(0)
    _, w = ours(q, k, v, average_attn_weights=False)
    assert w is not None
    assert float((w == 0).float().mean()) > 0.2


def test_functional_with_static_kv_matches_torch() -> None:
    torch = torch_or_skip()
    ours, theirs = _pair(torch)
    copy_weights_from_torch(ours, theirs)
    q = _rand((L, N, E), 0)
    static_k, static_v = _rand((N * H, S, E // H), 1), _rand((N * H, S, E // H), 2)
    args = (q, q, q, E, H, ours.in_proj_weight, ours.in_proj_bias, None, None, False, 0.0)
    targs = (*to_torch(args[:5]), theirs.in_proj_weight, theirs.in_proj_bias, None, None, False, 0.0)
    a = F.multi_head_attention_forward(
        *args, ours.out_proj.weight, ours.out_proj.bias, static_k=static_k, static_v=static_v
    )
    b = torch.nn.functional.multi_head_attention_forward(
        *targs, theirs.out_proj.weight, theirs.out_proj.bias, static_k=to_torch(static_k), static_v=to_torch(static_v)
    )
    assert_close_to_torch(a, b, atol=1e-5)


def test_state_dict_keys_and_reprs_match_torch() -> None:
    torch = torch_or_skip()
    for kwargs in ({}, {"kdim": 3, "vdim": 5, "add_bias_kv": True}, {"bias": False}):
        ours, theirs = _pair(torch, **kwargs)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert repr(ours) == repr(theirs)


def test_error_messages_match_torch() -> None:
    torch = torch_or_skip()
    ours, theirs = _pair(torch)
    x = _rand((S, N, E), 0)
    tx = to_torch(x)
    cases = [
        ({"attn_mask": tocha.zeros(5, 5, dtype=tocha.int64)}, AssertionError),
        ({"key_padding_mask": tocha.zeros(3, 4, dtype=tocha.bool)}, AssertionError),
        ({"key_padding_mask": tocha.zeros(2, 5, dtype=tocha.bool)}, AssertionError),
        ({"is_causal": True}, RuntimeError),
    ]
    for kwargs, error in cases:
        with pytest.raises(error) as expected:
            theirs(tx, tx, tx, **to_torch(kwargs))
        with pytest.raises(error) as got:
            ours(x, x, x, **kwargs)
        assert str(got.value) == str(expected.value)


def test_gradients_through_weights_only_match_torch() -> None:
    torch = torch_or_skip()
    ours, theirs = _pair(torch)

    class Weights(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.mha = ours

        def forward(self, q: Any, k: Any, v: Any) -> Any:
            return self.mha(q, k, v, average_attn_weights=False)[1]

    class TorchWeights(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.mha = theirs

        def forward(self, q: Any, k: Any, v: Any) -> Any:
            return self.mha(q, k, v, average_attn_weights=False)[1]

    q, k, v = _qkv(False)
    compare_with_torch(Weights(), TorchWeights(), q, k, v, atol=1e-5)


def test_gradgradcheck_through_weights_and_output() -> None:
    from tocha.autograd import gradgradcheck

    mha = nn.MultiheadAttention(4, 2, dtype=tocha.float64)
    q = _rand((3, 2, 4), 0, np.float64).requires_grad_(True)
    kv = _rand((2, 2, 4), 1, np.float64).requires_grad_(True)
    mask = tocha.tensor([[0.0, -1.0], [0.5, 0.0], [0.0, 0.0]], dtype=tocha.float64)
    assert gradgradcheck(lambda q, kv: mha(q, kv, kv, attn_mask=mask), (q, kv))


def test_signatures_match_torch() -> None:
    import inspect

    torch = torch_or_skip()
    pairs = [
        (nn.MultiheadAttention.__init__, torch.nn.MultiheadAttention.__init__),
        (nn.MultiheadAttention.forward, torch.nn.MultiheadAttention.forward),
        (F.multi_head_attention_forward, torch.nn.functional.multi_head_attention_forward),
        (nn.Transformer.__init__, torch.nn.Transformer.__init__),
        (nn.Transformer.forward, torch.nn.Transformer.forward),
        (nn.TransformerEncoderLayer.forward, torch.nn.TransformerEncoderLayer.forward),
        (nn.TransformerDecoderLayer.forward, torch.nn.TransformerDecoderLayer.forward),
        (nn.TransformerEncoder.__init__, torch.nn.TransformerEncoder.__init__),
        (nn.TransformerEncoder.forward, torch.nn.TransformerEncoder.forward),
        (nn.TransformerDecoder.forward, torch.nn.TransformerDecoder.forward),
    ]
    for ours, theirs in pairs:
        a = [(p.name, p.default) for p in inspect.signature(ours).parameters.values()]
        b = [(p.name, p.default) for p in inspect.signature(theirs).parameters.values()]
        assert [n for n, _ in a] == [n for n, _ in b], ours
        assert [d for _, d in a if not callable(d)] == [d for _, d in b if not callable(d)], ours
