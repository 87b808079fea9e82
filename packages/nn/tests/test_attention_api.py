"""tocha.nn.attention: SDPBackend/sdpa_kernel, bias (CausalBias) and flex_attention (BlockMask, masks, lse).

Checks against tocha's own scaled_dot_product_attention run without PyTorch; the ``torch`` tests compare with
PyTorch 2.13 (its flex_attention runs eagerly on CPU with a warning, without gradients). Gradients of
flex_attention, including those of a tensor captured by ``score_mod``, are checked against central finite
differences in float64.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest

import tocha
import tocha.nn.functional as F
from tocha.nn.attention import (
    SDPAParams,
    SDPBackend,
    _backends,
    can_use_efficient_attention,
    can_use_flash_attention,
    sdpa_kernel,
)
from tocha.nn.attention.bias import CausalBias, CausalVariant, causal_lower_right, causal_upper_left
from tocha.nn.attention.flex_attention import (
    AuxOutput,
    AuxRequest,
    BlockMask,
    and_masks,
    create_block_mask,
    create_mask,
    flex_attention,
    noop_mask,
    or_masks,
)

NO_VIABLE = "No viable backend for scaled_dot_product_attention was found"


def _rand(*shape: int, dtype: Any = tocha.float32, seed: int = 0) -> tocha.Tensor:
    rng = np.random.default_rng(seed + sum(shape))
    return tocha.tensor(rng.standard_normal(shape), dtype=dtype)


def _causal(b: Any, h: Any, q_idx: Any, kv_idx: Any) -> Any:
    return q_idx >= kv_idx


# ------------------------------------------------------------------ SDPBackend, sdpa_kernel


def test_sdp_backend_members() -> None:
    assert [(b.name, b.value) for b in SDPBackend] == [
        ("ERROR", -1),
        ("MATH", 0),
        ("FLASH_ATTENTION", 1),
        ("EFFICIENT_ATTENTION", 2),
        ("CUDNN_ATTENTION", 3),
        ("OVERRIDEABLE", 4),
    ]
    assert repr(SDPBackend.MATH) == "<SDPBackend.MATH: 0>"
    assert str(SDPBackend.MATH) == "SDPBackend.MATH"
    assert SDPBackend.MATH != 0
    assert int(SDPBackend.CUDNN_ATTENTION) == 3
    assert SDPBackend.__module__ == "tocha.nn.attention"


@pytest.mark.parametrize("bad", ["math", 0, None, (SDPBackend.MATH,)])
def test_sdpa_kernel_rejects(bad: Any) -> None:
    with (
        pytest.raises(AssertionError, match=f"list of SDPBackend instances, got {type(bad).__name__}"),
        sdpa_kernel(bad),
    ):
        pass


def test_sdpa_kernel_records_and_restores() -> None:
    assert _backends.MATH_ENABLED
    with sdpa_kernel([SDPBackend.FLASH_ATTENTION, SDPBackend.FLASH_ATTENTION]) as found:
        assert found == {}
        assert {1} == _backends.ENABLED
        assert not _backends.MATH_ENABLED
        with sdpa_kernel(SDPBackend.MATH):
            assert {0} == _backends.ENABLED
        assert {1} == _backends.ENABLED
    assert _backends.MATH_ENABLED
    assert {0, 1, 2, 3, 4} == _backends.ENABLED
    with sdpa_kernel([SDPBackend.EFFICIENT_ATTENTION, SDPBackend.MATH], set_priority=True):
        assert _backends.PRIORITY[:2] == (2, 0)
    assert _backends.PRIORITY == (3, 1, 2, 0, 4)
    with pytest.raises(ValueError), sdpa_kernel([]):
        raise ValueError
    assert _backends.MATH_ENABLED


def test_sdpa_kernel_backend_choice() -> None:
    q = _rand(2, 3, 4, 8)
    expected = F.scaled_dot_product_attention(q, q, q)
    with sdpa_kernel(SDPBackend.FLASH_ATTENTION):  # PyTorch's CPU flash kernel runs this: tocha stands in
        assert tocha.equal(F.scaled_dot_product_attention(q, q, q), expected)
    with sdpa_kernel([SDPBackend.FLASH_ATTENTION, SDPBackend.MATH]):
        assert F.scaled_dot_product_attention(q[0], q[0], q[0]).shape == (3, 4, 8)
    for only in ([], SDPBackend.EFFICIENT_ATTENTION, [SDPBackend.CUDNN_ATTENTION, SDPBackend.OVERRIDEABLE]):
        with sdpa_kernel(only), pytest.raises(RuntimeError, match=NO_VIABLE):
            F.scaled_dot_product_attention(q, q, q)
    with sdpa_kernel(SDPBackend.FLASH_ATTENTION), warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")  # the kernel warns its reasons, then refuses
        with pytest.raises(RuntimeError, match="No available kernel"):
            F.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    assert [str(w.message) for w in record] == [
        "Flash attention kernel not used because:",
        "Both fused kernels do not support non-zero dropout.",
    ]


def _flash_cases() -> list[tuple[str, tuple[Any, ...], dict[str, Any]]]:
    q = np.random.default_rng(0).standard_normal((2, 3, 4, 8)).astype(np.float32)
    k1 = q[:, :1]
    return [
        ("4d", (q, q, q), {}),
        ("3d", (q[0], q[0], q[0]), {}),
        ("value dim", (q, q, q[..., :5]), {}),
        ("batch", (q, q[:1], q[:1]), {}),
        ("heads", (q, k1, k1), {}),
        ("gqa", (q, k1, k1), {"enable_gqa": True}),
        ("mask 3d", (q, q, q), {"attn_mask": np.zeros((3, 4, 4), np.float32)}),
        ("mask 4d", (q, q, q), {"attn_mask": np.zeros((2, 1, 1, 4), np.float32)}),
        ("stride", (np.swapaxes(np.swapaxes(q, -1, -2).copy(), -1, -2), q, q), {}),
        ("causal", (q, q, q), {"is_causal": True}),
    ]


@pytest.mark.parametrize("case", _flash_cases(), ids=lambda c: c[0])
def test_sdpa_kernel_flash_matches_torch(case: tuple[str, tuple[Any, ...], dict[str, Any]]) -> None:
    torch = pytest.importorskip("torch")
    import torch.nn.attention as tattn

    _, arrays, kwargs = case

    def run(lib: Any, functional: Any, kernel: Any, backend: Any) -> tuple[Any, list[str]]:
        args = [lib.from_numpy(a) if lib is torch else tocha.tensor(a) for a in arrays]
        if lib is tocha and arrays[0].strides[-1] != 4:
            args[0] = tocha.tensor(np.swapaxes(arrays[0], -1, -2).copy()).transpose(-1, -2)
        kw = {
            k: (lib.from_numpy(v) if lib is torch else tocha.tensor(v)) if isinstance(v, np.ndarray) else v
            for k, v in kwargs.items()
        }
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            try:
                with kernel(backend.FLASH_ATTENTION):
                    out: Any = functional.scaled_dot_product_attention(*args, **kw).numpy()
            except RuntimeError as error:
                out = str(error)
        return out, [str(w.message).split(" (Triggered")[0] for w in record]

    mine, my_warnings = run(tocha, F, sdpa_kernel, SDPBackend)
    theirs, their_warnings = run(torch, torch.nn.functional, tattn.sdpa_kernel, tattn.SDPBackend)
    assert my_warnings == their_warnings
    if isinstance(theirs, str):
        assert mine == theirs
    else:
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6)


def test_sdpa_kernel_messages_match_torch() -> None:
    torch = pytest.importorskip("torch")
    import torch.nn.attention as tattn

    with pytest.raises(AssertionError) as mine, sdpa_kernel("flash"):  # type: ignore[arg-type]
        pass
    with pytest.raises(AssertionError) as theirs, tattn.sdpa_kernel("flash"):
        pass
    assert str(mine.value) == str(theirs.value)
    q = torch.randn(1, 1, 2, 4)
    with tattn.sdpa_kernel(tattn.SDPBackend.EFFICIENT_ATTENTION), pytest.raises(RuntimeError) as theirs_run:
        torch.nn.functional.scaled_dot_product_attention(q, q, q)
    assert str(theirs_run.value).startswith(NO_VIABLE)
    assert [(b.name, b.value) for b in SDPBackend] == [
        (name, int(member)) for name, member in tattn.SDPBackend.__members__.items()
    ]


def test_can_use_fused_kernels() -> None:
    q = _rand(1, 1, 2, 4)
    params = SDPAParams(q, q, q, None, 0.0, False, False)
    assert params.query is q
    assert params.attn_mask is None
    assert params.dropout == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not can_use_flash_attention(params, True)
        assert not can_use_efficient_attention(params, True)


# ------------------------------------------------------------------ bias


@pytest.mark.parametrize("size", [(3, 5), (4, 4), (1, 3), (0, 2)])
def test_causal_bias_materialize(size: tuple[int, int]) -> None:
    length, source = size
    ones = np.ones(size, dtype=bool)
    upper, lower = causal_upper_left(*size), causal_lower_right(*size)
    assert upper.variant is CausalVariant.UPPER_LEFT
    assert (upper.seq_len_q, upper.seq_len_kv) == size
    np.testing.assert_array_equal(upper._materialize().numpy(), np.tril(ones))
    np.testing.assert_array_equal(lower._materialize().numpy(), np.tril(ones, source - length))
    assert repr(lower) == repr(tocha.tensor(np.tril(ones, source - length)))


def test_causal_bias_errors() -> None:
    with pytest.raises(AssertionError, match="causal_upper_left only supports 2D tensors"):
        causal_upper_left(3)
    with pytest.raises(AssertionError, match="causal_lower_right only supports 2D tensors"):
        causal_lower_right(1, 2, 3)
    with pytest.raises(AssertionError, match="variant must be a CausalVariant, got int"):
        CausalBias(1, 2, 3)  # type: ignore[arg-type]
    with pytest.warns(UserWarning, match="Lower right causal bias will produce NaNs"):
        causal_lower_right(5, 3)
    q = _rand(1, 2, 3, 4)
    with pytest.raises(ValueError, match="CausalBias should not be used with causal=True"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=causal_upper_left(3, 3), is_causal=True)  # type: ignore[arg-type]


@pytest.mark.parametrize("lengths", [(3, 5), (4, 4), (5, 3)])
def test_causal_bias_in_sdpa(lengths: tuple[int, int]) -> None:
    length, source = lengths
    q, k, v = _rand(2, 2, length, 4), _rand(2, 2, source, 4, seed=1), _rand(2, 2, source, 3, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lower, upper = causal_lower_right(length, source), causal_upper_left(length, source)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=lower)  # type: ignore[arg-type]
    dense = tocha.tensor(np.tril(np.ones(lengths, dtype=bool), source - length))
    tocha.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=dense))
    tocha.testing.assert_close(
        F.scaled_dot_product_attention(q, k, v, attn_mask=upper),  # type: ignore[arg-type]
        F.scaled_dot_product_attention(q, k, v, is_causal=True),
    )
    if length > source:  # the first rows attend to nothing: zeros, as PyTorch's
        assert not out[..., : length - source, :].any()


@pytest.mark.parametrize("lengths", [(3, 5), (5, 3)])
def test_causal_bias_matches_torch(lengths: tuple[int, int]) -> None:
    torch = pytest.importorskip("torch")
    from torch.nn.attention.bias import causal_lower_right as torch_lower_right

    length, source = lengths
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((2, 2, n, 4)).astype(np.float32) for n in (length, source, source)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mine = F.scaled_dot_product_attention(
            *[tocha.tensor(a) for a in arrays],
            attn_mask=causal_lower_right(*lengths),  # type: ignore[arg-type]
        )
        theirs = torch.nn.functional.scaled_dot_product_attention(
            *[torch.from_numpy(a) for a in arrays], attn_mask=torch_lower_right(*lengths)
        )
        assert repr(causal_lower_right(*lengths)) == repr(torch_lower_right(*lengths)).replace("torch.", "tocha.")
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------ masks and BlockMask


def _doc_mask(b: Any, h: Any, q_idx: Any, kv_idx: Any) -> Any:
    docs = tocha.tensor([0, 0, 0, 1, 1, 2, 2, 2, 2, 3])
    return (docs[q_idx] == docs[kv_idx]) & (q_idx >= kv_idx)


def test_create_mask_and_combinators() -> None:
    mask = create_mask(_causal, 2, 3, 4, 5, device="cpu")
    assert mask.shape == (2, 3, 4, 5)
    assert mask.dtype == tocha.bool
    assert mask.is_contiguous()
    np.testing.assert_array_equal(mask.numpy(), np.broadcast_to(np.tril(np.ones((4, 5), bool)), (2, 3, 4, 5)))
    assert create_mask(noop_mask, None, None, 2, 2, device="cpu").all()
    band = and_masks(_causal, lambda b, h, q, k: q - k < 2)
    np.testing.assert_array_equal(
        create_mask(band, 1, 1, 3, 3, device="cpu").numpy()[0, 0],
        [[1, 0, 0], [1, 1, 0], [0, 1, 1]],
    )
    either = or_masks(lambda b, h, q, k: k == 0, lambda b, h, q, k: h == 1)
    np.testing.assert_array_equal(create_mask(either, 1, 2, 1, 2, device="cpu").numpy(), [[[[1, 0]], [[1, 1]]]])
    score = create_mask(lambda s, b, h, q, k: s.masked_fill(k > q, -math.inf), 1, 1, 2, 2, device="cpu")
    np.testing.assert_array_equal(score.numpy()[0, 0], [[1, 0], [1, 1]])
    with pytest.raises(RuntimeError, match="All inputs should be callable mask_mods"):
        and_masks(_causal, 3)  # type: ignore[arg-type]
    with pytest.raises(AssertionError, match="Expected 4 or 5 positional args, got 2"):
        create_mask(lambda a, b: a, 1, 1, 2, 2, device="cpu")
    with pytest.raises(AssertionError, match="requires a mask_mod function"):
        create_block_mask(lambda s, b, h, q, k: s, 1, 1, 2, 2, device="cpu")


def test_block_mask_structure() -> None:
    mask = create_block_mask(_causal, 2, 2, 8, 6, device="cpu", BLOCK_SIZE=4)
    assert mask.shape == (2, 2, 8, 6)
    assert mask.numel() == 192
    assert mask.BLOCK_SIZE == (4, 4)
    assert mask.kv_num_blocks.dtype == tocha.int32
    assert mask.kv_indices.shape == (2, 2, 2, 2)
    np.testing.assert_array_equal(mask.kv_num_blocks.numpy()[0, 0], [1, 1])
    np.testing.assert_array_equal(mask.full_kv_num_blocks.numpy()[0, 0], [0, 1])  # type: ignore[union-attr]
    np.testing.assert_array_equal(mask.to_dense().numpy()[1, 1], [[1, 0], [1, 1]])
    assert mask.sparsity() == 0.0
    assert create_block_mask(_causal, None, None, 8, 6, device="cpu").sparsity() == pytest.approx(-34033.333333)
    sliced = mask[0, 1]
    assert sliced.shape == (1, 1, 8, 6)
    assert sliced.mask_mod.__name__ == "_sliced_mask_mod_error"
    assert mask[:, -1].kv_num_blocks.shape == (2, 1, 2)
    assert mask.to("cpu").kv_indices.device.type == "cpu"
    assert "mask_mod=_causal" in repr(mask)
    assert "BLOCK_SIZE=(4, 4)" in repr(mask)
    unsplit = create_block_mask(_causal, 1, 1, 8, 8, device="cpu", BLOCK_SIZE=4, separate_full_blocks=False)
    assert unsplit.full_kv_num_blocks is None
    np.testing.assert_array_equal(unsplit.kv_num_blocks.numpy()[0, 0], [1, 2])
    with pytest.raises(RuntimeError, match="BlockMask must have at least 2 dimensions"):
        BlockMask.from_kv_blocks(tocha.zeros(1, dtype=tocha.int32), tocha.zeros(1, dtype=tocha.int32))


def test_block_mask_matches_torch() -> None:
    pytest.importorskip("torch")
    import torch.nn.attention.flex_attention as tflex

    def doc(b: Any, h: Any, q_idx: Any, kv_idx: Any) -> Any:
        return (q_idx // 3 == kv_idx // 3) | (kv_idx == 0)

    for args in [(doc, 2, 3, 10, 9), (_causal, 1, 2, 8, 8), (doc, None, None, 5, 7)]:
        for block in (2, (4, 2), 128):
            mine = create_block_mask(*args, device="cpu", BLOCK_SIZE=block)
            theirs = tflex.create_block_mask(*args, device="cpu", BLOCK_SIZE=block)
            assert repr(mine) == repr(theirs).replace("torch.", "tocha.")
            assert str(mine) == str(theirs)
            for name in ("kv_num_blocks", "full_kv_num_blocks", "q_num_blocks", "full_q_num_blocks"):
                np.testing.assert_array_equal(getattr(mine, name).numpy(), getattr(theirs, name).numpy())
            np.testing.assert_array_equal(mine.to_dense().numpy(), theirs.to_dense().numpy())
            assert repr(mine[-1:, 0]) == repr(theirs[-1:, 0]).replace("torch.", "tocha.")
            np.testing.assert_array_equal(
                create_mask(args[0], *args[1:], device="cpu").numpy(),
                tflex.create_mask(args[0], *args[1:], device="cpu").numpy(),
            )


# ------------------------------------------------------------------ flex_attention


def _inputs(b: int = 2, h: int = 2, length: int = 6, source: int = 5, dtype: Any = tocha.float32) -> list[Any]:
    return [
        _rand(b, h, length, 4, dtype=dtype),
        _rand(b, h, source, 4, dtype=dtype, seed=1),
        _rand(b, h, source, 3, dtype=dtype, seed=2),
    ]


def test_flex_attention_equals_sdpa() -> None:
    q, k, v = _inputs()
    tocha.testing.assert_close(flex_attention(q, k, v), F.scaled_dot_product_attention(q, k, v))
    mask = create_block_mask(_causal, 2, 2, 6, 5, device="cpu", BLOCK_SIZE=2)
    tocha.testing.assert_close(
        flex_attention(q, k, v, block_mask=mask), F.scaled_dot_product_attention(q, k, v, is_causal=True)
    )
    bias = _rand(2, 6, 5, seed=7)

    def add_bias(score: Any, b: Any, h: Any, q_idx: Any, kv_idx: Any) -> Any:
        return score + bias[h, q_idx, kv_idx]

    tocha.testing.assert_close(
        flex_attention(q, k, v, score_mod=add_bias, scale=0.3),
        F.scaled_dot_product_attention(q, k, v, attn_mask=bias.unsqueeze(0), scale=0.3),
    )
    q1, k1, v1 = _rand(2, 4, 6, 4), _rand(2, 2, 5, 4, seed=1), _rand(2, 2, 5, 3, seed=2)
    tocha.testing.assert_close(
        flex_attention(q1, k1, v1, enable_gqa=True), F.scaled_dot_product_attention(q1, k1, v1, enable_gqa=True)
    )
    kb, vb = k[:1], v[:1]  # key/value batch 1, broadcast by the block mask's batch
    tocha.testing.assert_close(
        flex_attention(q, kb, vb, block_mask=mask), F.scaled_dot_product_attention(q, kb, vb, is_causal=True)
    )


def test_flex_attention_block_sparsity() -> None:
    # a hand-made mask: only diagonal 2x2 tiles (noop mask_mod), and one full tile below
    num = tocha.tensor([[[1, 1, 1]]], dtype=tocha.int32)
    idx = tocha.tensor([[[[0, 1, 2], [1, 0, 2], [2, 0, 1]]]], dtype=tocha.int32)
    full_num = tocha.tensor([[[0, 1, 0]]], dtype=tocha.int32)
    full_idx = tocha.tensor([[[[0, 1, 2], [0, 1, 2], [0, 1, 2]]]], dtype=tocha.int32)
    mask = BlockMask.from_kv_blocks(num, idx, full_num, full_idx, BLOCK_SIZE=2, mask_mod=_causal)
    assert mask.shape == (1, 1, 6, 6)
    assert mask.q_num_blocks is not None
    np.testing.assert_array_equal(mask.to_dense().numpy()[0, 0], [[1, 0, 0], [1, 1, 0], [0, 0, 1]])
    dense = np.kron(np.eye(3), np.ones((2, 2))).astype(bool) & np.tril(np.ones((6, 6), bool))
    dense[2:4, 0:2] = True
    q, k, v = _inputs(1, 1, 6, 6)
    tocha.testing.assert_close(
        flex_attention(q, k, v, block_mask=mask),
        F.scaled_dot_product_attention(q, k, v, attn_mask=tocha.tensor(dense)),
    )


def test_flex_attention_fully_masked_rows() -> None:
    q, k, v = _inputs()
    mask = create_block_mask(lambda b, h, q_idx, kv_idx: kv_idx > q_idx + 1, 1, 1, 6, 5, device="cpu")
    out, aux = flex_attention(q, k, v, block_mask=mask, return_aux=AuxRequest(lse=True, max_scores=True))
    assert isinstance(aux, AuxOutput)
    assert aux.lse is not None
    assert aux.max_scores is not None
    assert not out[:, :, 3:].any()
    assert out[:, :, :3].all()
    assert aux.lse[:, :, 3:].isneginf().all()
    assert aux.lse[:, :, :3].isfinite().all()
    assert aux.max_scores[:, :, 3:].isneginf().all()
    ref = F.scaled_dot_product_attention(q, k, v, attn_mask=create_mask(mask.mask_mod, 1, 1, 6, 5, device="cpu"))
    tocha.testing.assert_close(out, ref)


def test_flex_attention_lse_and_dtypes() -> None:
    q, k, v = _inputs(dtype=tocha.float64)
    out, lse = flex_attention(q, k, v, return_aux=AuxRequest(lse=True))
    scores = q.matmul(k.transpose(-2, -1)) / 2.0
    tocha.testing.assert_close(lse.lse, tocha.logsumexp(scores, -1))
    assert out.dtype == lse.lse.dtype == tocha.float64
    with pytest.warns(FutureWarning, match="return_lse is deprecated"):
        _out2, lse2 = flex_attention(q, k, v, return_lse=True)
    tocha.testing.assert_close(lse2, lse.lse)
    assert flex_attention(q, k, v, return_aux=AuxRequest())[1] == AuxOutput()
    h = [t.to(tocha.float16) for t in _inputs()]
    out, aux = flex_attention(*h, return_aux=AuxRequest(lse=True))
    assert out.dtype == tocha.float16
    assert aux.lse.dtype == tocha.float32


def test_flex_attention_errors() -> None:
    q, k, v = _inputs()
    with pytest.raises(NotImplementedError, match="NYI: query, key, and value must be 4D tensors"):
        flex_attention(q[0], k[0], v[0])
    with pytest.raises(ValueError, match="same embedding dimension but got E=4 and E=3"):
        flex_attention(q, v, v)
    with pytest.raises(ValueError, match=r"Hq=2 and Hkv=1. Try setting enable_gqa=True"):
        flex_attention(q, k[:, :1], v[:, :1])
    with pytest.raises(ValueError, match=r"multiple of kv heads for GQA but got Hq=3 and Hkv=2"):
        flex_attention(_rand(2, 3, 6, 4), k, v, enable_gqa=True)
    with pytest.raises(ValueError, match="block_mask=None, Bq=2, and Bkv=1"):
        flex_attention(q, k[:1], v[:1])
    small = create_block_mask(_causal, 1, 1, 4, 5, device="cpu")
    with pytest.raises(ValueError, match="created for a smaller length"):
        flex_attention(q, k, v, block_mask=small)
    big = create_block_mask(_causal, 1, 1, 8, 5, device="cpu")
    with pytest.raises(ValueError, match="created for a larger length"):
        flex_attention(q, k, v, block_mask=big)
    with pytest.raises(RuntimeError, match="Cannot use mask_mod from a sliced BlockMask"):
        flex_attention(q, k, v, block_mask=create_block_mask(_causal, 2, 2, 6, 5, device="cpu")[0])
    with pytest.raises(ValueError, match="Cannot specify both return_lse and return_aux"):
        flex_attention(q, k, v, return_lse=True, return_aux=AuxRequest(lse=True))


def test_flex_attention_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    import torch.nn.attention.flex_attention as tflex

    rng = np.random.default_rng(0)
    arrays = [
        rng.standard_normal((2, 2, 10, 4)),
        rng.standard_normal((2, 2, 10, 4)),
        rng.standard_normal((2, 2, 10, 3)),
    ]
    bias = rng.standard_normal((2, 10))

    def run(lib: Any, flex: Any, dtype: Any) -> tuple[np.ndarray, np.ndarray]:
        q, k, v = (lib.tensor(a, dtype=dtype) for a in arrays)
        table = lib.tensor(bias, dtype=dtype)

        def score_mod(score: Any, b: Any, h: Any, q_idx: Any, kv_idx: Any) -> Any:
            return score * 0.5 + table[h, kv_idx] - (q_idx - kv_idx).abs() * 0.1

        def mask_mod(b: Any, h: Any, q_idx: Any, kv_idx: Any) -> Any:
            return (q_idx >= kv_idx) & ((kv_idx + b) % 3 != 0) | (q_idx == 0)

        mask = flex.create_block_mask(mask_mod, 2, 2, 10, 10, device="cpu", BLOCK_SIZE=4)
        out, aux = flex.flex_attention(
            q, k, v, score_mod=score_mod, block_mask=mask, scale=0.7, return_aux=flex.AuxRequest(lse=True)
        )
        return out.numpy(), aux.lse.numpy()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for mine_dtype, their_dtype in [(tocha.float64, torch.float64), (tocha.float32, torch.float32)]:
            mine = run(tocha, __import__("tocha.nn.attention.flex_attention", fromlist=["x"]), mine_dtype)
            theirs = run(torch, tflex, their_dtype)
            for a, b in zip(mine, theirs, strict=True):
                np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("gqa", [False, True])
def test_flex_attention_masked_rows_match_torch(gqa: bool) -> None:
    torch = pytest.importorskip("torch")
    import torch.nn.attention.flex_attention as tflex

    import tocha.nn.attention.flex_attention as mine_flex

    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(s) for s in [(2, 4, 6, 4), (2, 2, 5, 4), (2, 2, 5, 4)]]

    def mask_mod(b: Any, h: Any, q_idx: Any, kv_idx: Any) -> Any:
        return (kv_idx > q_idx + 1) & (h != b)

    def run(lib: Any, flex: Any) -> tuple[np.ndarray, np.ndarray]:
        q, k, v = (lib.tensor(a, dtype=lib.float32) for a in arrays)
        if not gqa:
            k, v = k.repeat_interleave(2, 1), v.repeat_interleave(2, 1)
        mask = flex.create_block_mask(mask_mod, 2, 4, 6, 5, device="cpu", BLOCK_SIZE=2)
        out, aux = flex.flex_attention(q, k, v, block_mask=mask, enable_gqa=gqa, return_aux=flex.AuxRequest(lse=True))
        return out.numpy(), aux.lse.numpy()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (out, lse), (their_out, their_lse) = run(tocha, mine_flex), run(torch, tflex)
    assert np.isneginf(their_lse).any()
    np.testing.assert_array_equal(np.isneginf(lse), np.isneginf(their_lse))
    np.testing.assert_allclose(out, their_out, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(lse[~np.isneginf(lse)], their_lse[~np.isneginf(their_lse)], rtol=1e-5)


def _numeric_grad(fn: Any, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[i] += eps
        minus[i] -= eps
        grad[i] = (fn(plus) - fn(minus)) / (2 * eps)
    return grad


def test_flex_attention_gradients() -> None:
    rng = np.random.default_rng(3)
    arrays = [
        rng.standard_normal((1, 2, 4, 3)),
        rng.standard_normal((1, 2, 5, 3)),
        rng.standard_normal((1, 2, 5, 2)),
        rng.standard_normal((2, 5)),
    ]
    weight = rng.standard_normal((1, 2, 4, 2))
    lse_weight = rng.standard_normal((1, 2, 4))
    mask = create_block_mask(lambda b, h, q_idx, kv_idx: kv_idx <= q_idx + 1, 1, 2, 4, 5, device="cpu", BLOCK_SIZE=2)

    def loss(*tensors: Any) -> Any:
        q, k, v, table = tensors

        def score_mod(score: Any, b: Any, h: Any, q_idx: Any, kv_idx: Any) -> Any:
            return score + table[h, kv_idx] * (q_idx + 1)

        out, aux = flex_attention(q, k, v, score_mod=score_mod, block_mask=mask, return_aux=AuxRequest(lse=True))
        lse = aux.lse.masked_fill(aux.lse.isneginf(), 0.0)
        return (out * tocha.tensor(weight)).sum() + (lse * tocha.tensor(lse_weight)).sum()

    leaves = [tocha.tensor(a, requires_grad=True) for a in arrays]
    loss(*leaves).backward()
    for i, leaf in enumerate(leaves):

        def value(x: np.ndarray, i: int = i) -> float:
            args = [tocha.tensor(x if j == i else a) for j, a in enumerate(arrays)]
            return float(loss(*args).item())

        assert leaf.grad is not None
        np.testing.assert_allclose(leaf.grad.numpy(), _numeric_grad(value, arrays[i]), rtol=1e-5, atol=1e-7)


def test_flex_attention_gradient_fully_masked_rows_is_zero() -> None:
    q, k, v = (t.to(tocha.float64).requires_grad_() for t in _inputs())
    mask = create_block_mask(lambda b, h, q_idx, kv_idx: q_idx < 2, 1, 1, 6, 5, device="cpu")
    out, _aux = flex_attention(q, k, v, block_mask=mask, return_aux=AuxRequest(lse=True))
    out.sum().backward()
    assert q.grad is not None
    assert q.grad.isfinite().all()
    assert not q.grad[:, :, 2:].any()
    assert k.grad is not None
    assert k.grad.isfinite().all()


# ------------------------------------------------------------------ CUDA


@pytest.mark.gpu
def test_attention_api_on_cuda() -> None:
    if not tocha.cuda.is_available():
        pytest.skip("no CUDA device (set PYTHONPATH=tools/fake_cupy for the stand-in)")
    q, k, v = (t.to("cuda") for t in _inputs())
    mask = create_block_mask(_causal, 2, 2, 6, 5, device="cuda", BLOCK_SIZE=2)
    assert mask.kv_indices.device.type == "cuda"
    out, aux = flex_attention(q, k, v, block_mask=mask, return_aux=AuxRequest(lse=True))
    assert out.device.type == "cuda"
    assert aux.lse is not None
    cpu_mask = create_block_mask(_causal, 2, 2, 6, 5, device="cpu", BLOCK_SIZE=2)
    ref = flex_attention(*(t.cpu() for t in (q, k, v)), block_mask=cpu_mask)
    tocha.testing.assert_close(out.cpu(), ref)
    expected = F.scaled_dot_product_attention(*(t.cpu() for t in (q, k, v)))
    with sdpa_kernel(SDPBackend.EFFICIENT_ATTENTION):  # a CUDA fused backend: tocha's kernel stands in
        found = F.scaled_dot_product_attention(q, k, v)
    tocha.testing.assert_close(found.cpu(), expected)
    with sdpa_kernel(SDPBackend.OVERRIDEABLE), pytest.raises(RuntimeError, match=NO_VIABLE):
        F.scaled_dot_product_attention(q, k, v)
    kv = (k[:, :, :4], v[:, :, :4])
    lower = F.scaled_dot_product_attention(q[:, :, :3], *kv, attn_mask=causal_lower_right(3, 4))  # type: ignore[arg-type]
    tocha.testing.assert_close(
        lower.cpu(),
        F.scaled_dot_product_attention(q[:, :, :3].cpu(), *(t.cpu() for t in kv), attn_mask=causal_lower_right(3, 4)),
    )  # type: ignore[arg-type]
    assert lower.device.type == "cuda"


# ------------------------------------------------------------------ shared state with tocha.backends.cuda


def _flag_state(backends: Any) -> tuple[bool, bool, bool, bool]:
    return (
        backends.flash_sdp_enabled(),
        backends.mem_efficient_sdp_enabled(),
        backends.math_sdp_enabled(),
        backends.cudnn_sdp_enabled(),
    )


def test_sdpa_kernel_and_backend_flags_share_state() -> None:
    from tocha.nn.attention import _cur_sdpa_kernel_backends

    flags = tocha.backends.cuda
    assert _flag_state(flags) == (True, True, True, True)
    with sdpa_kernel([SDPBackend.MATH]):
        assert _flag_state(flags) == (False, False, True, False)
        flags.enable_flash_sdp(True)
        assert set(_cur_sdpa_kernel_backends()) == {SDPBackend.FLASH_ATTENTION, SDPBackend.MATH}
    assert _flag_state(flags) == (True, True, True, True)
    flags.enable_math_sdp(False)
    try:
        assert SDPBackend.MATH not in _cur_sdpa_kernel_backends()
        assert not _backends.MATH_ENABLED
        q = tocha.ones(2, 3)  # 2-d: PyTorch's flash kernel refuses it, and MATH is off
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            with pytest.raises(RuntimeError, match="No available kernel"):
                F.scaled_dot_product_attention(q, q, q)
        flags.enable_flash_sdp(False)
        with pytest.raises(RuntimeError, match="No viable backend"):
            F.scaled_dot_product_attention(q, q, q)
    finally:
        flags.enable_math_sdp(True)
        flags.enable_flash_sdp(True)
    assert _backends.MATH_ENABLED
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        with flags.sdp_kernel(enable_math=False, enable_cudnn=False):
            assert set(_cur_sdpa_kernel_backends()) == {
                SDPBackend.FLASH_ATTENTION,
                SDPBackend.EFFICIENT_ATTENTION,
                SDPBackend.OVERRIDEABLE,
            }
    assert _flag_state(flags) == (True, True, True, True)


def test_sdpa_kernel_and_backend_flags_match_torch() -> None:
    torch = pytest.importorskip("torch")
    from torch.nn.attention import SDPBackend as TorchBackend
    from torch.nn.attention import _cur_sdpa_kernel_backends as torch_current
    from torch.nn.attention import sdpa_kernel as torch_sdpa_kernel

    from tocha.nn.attention import _cur_sdpa_kernel_backends

    def names(found: list[Any]) -> set[str]:  # sets: tocha lists in enum order, PyTorch in priority order
        return {b.name for b in found}

    with (
        torch_sdpa_kernel([TorchBackend.MATH, TorchBackend.EFFICIENT_ATTENTION]),
        sdpa_kernel([SDPBackend.MATH, SDPBackend.EFFICIENT_ATTENTION]),
    ):
        assert _flag_state(tocha.backends.cuda) == _flag_state(torch.backends.cuda)
        torch.backends.cuda.enable_cudnn_sdp(True)
        tocha.backends.cuda.enable_cudnn_sdp(True)
        assert names(_cur_sdpa_kernel_backends()) == names(torch_current())
    assert names(_cur_sdpa_kernel_backends()) == names(torch_current())
    assert _flag_state(tocha.backends.cuda) == _flag_state(torch.backends.cuda)
    torch.backends.cuda.enable_mem_efficient_sdp(False)
    tocha.backends.cuda.enable_mem_efficient_sdp(False)
    try:
        assert names(_cur_sdpa_kernel_backends()) == names(torch_current())
    finally:
        torch.backends.cuda.enable_mem_efficient_sdp(True)
        tocha.backends.cuda.enable_mem_efficient_sdp(True)
