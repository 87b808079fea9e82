"""F.scaled_dot_product_attention: NumPy references, finite differences, errors, and PyTorch."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from nn_oracle import assert_close_to_torch, gradcheck_function, to_torch, torch_or_skip

import tocha
import tocha.nn.functional as F
from tocha.autograd import gradgradcheck


def _rand(shape: Any, seed: int, dtype: Any = np.float64) -> tocha.Tensor:
    return tocha.tensor(np.random.default_rng(seed).standard_normal(shape).astype(dtype))


def _reference(
    q: np.ndarray, k: np.ndarray, v: np.ndarray, mask: Any = None, is_causal: bool = False, scale: Any = None
) -> np.ndarray:
    s = q @ np.swapaxes(k, -1, -2) * (1 / math.sqrt(q.shape[-1]) if scale is None else scale)
    if is_causal:
        s = np.where(np.tril(np.ones(s.shape[-2:], dtype=bool)), s, -np.inf)
    if mask is not None:
        s = np.where(mask, s, -np.inf) if mask.dtype == bool else s + mask
    m = s.max(-1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    e = np.exp(s - m)
    total = e.sum(-1, keepdims=True)
    p = e / np.where(total == 0, 1, total)
    return p @ v


CASES = [
    {"q": (2, 3, 4, 8), "k": (2, 3, 5, 8), "v": (2, 3, 5, 6)},
    {"q": (4, 8), "k": (5, 8), "v": (5, 3)},
    {"q": (2, 4, 8), "k": (2, 5, 8), "v": (2, 5, 8), "is_causal": True},
    {"q": (2, 3, 4, 8), "k": (2, 3, 4, 8), "v": (2, 3, 4, 8), "is_causal": True},
    {"q": (2, 3, 4, 8), "k": (2, 3, 5, 8), "v": (2, 3, 5, 6), "mask": ((4, 5), "float")},
    {"q": (2, 3, 4, 8), "k": (2, 3, 5, 8), "v": (2, 3, 5, 6), "mask": ((2, 1, 4, 5), "bool")},
    {"q": (2, 4, 8), "k": (2, 5, 8), "v": (2, 5, 6), "mask": ((2, 4, 5), "float"), "scale": 0.3},
    {"q": (2, 1, 4, 8), "k": (1, 3, 5, 8), "v": (1, 3, 5, 6)},
]


def _inputs(case: dict[str, Any], dtype: Any = np.float64) -> tuple[Any, ...]:
    q, k, v = (_rand(case[n], i, dtype) for i, n in enumerate(("q", "k", "v")))
    mask = None
    if "mask" in case:
        shape, kind = case["mask"]
        if kind == "bool":
            m = np.random.default_rng(7).random(shape) > 0.3
            m[..., 0] = True
            mask = tocha.tensor(m)
        else:
            mask = _rand(shape, 8, dtype)
    return q, k, v, mask


def _kwargs(case: dict[str, Any]) -> dict[str, Any]:
    return {n: case[n] for n in ("is_causal", "scale") if n in case}


@pytest.mark.parametrize("case", CASES)
def test_sdpa_matches_numpy(case: dict[str, Any]) -> None:
    q, k, v, mask = _inputs(case)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, **_kwargs(case))
    expected = _reference(q.numpy(), k.numpy(), v.numpy(), None if mask is None else mask.numpy(), **_kwargs(case))
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-12)


@pytest.mark.parametrize("case", CASES)
def test_sdpa_gradcheck_and_gradgradcheck(case: dict[str, Any]) -> None:
    q, k, v, mask = _inputs(case)
    kw = _kwargs(case)
    if mask is not None and mask.is_floating_point():

        def fn(q: Any, k: Any, v: Any, m: Any) -> Any:
            return F.scaled_dot_product_attention(q, k, v, attn_mask=m, **kw)

        args = (q, k, v, mask)
    else:

        def fn(q: Any, k: Any, v: Any) -> Any:  # type: ignore[misc]
            return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, **kw)

        args = (q, k, v)
    gradcheck_function(fn, *args)
    assert gradgradcheck(fn, tuple(a.detach().requires_grad_(True) for a in args))


def test_sdpa_float32_and_noncontiguous_views() -> None:
    packed = _rand((2, 5, 3, 2, 4), 0, np.float32)  # (N, L, 3, H, E), as a fused projection makes it
    q, k, v = (packed[:, :, i].transpose(1, 2) for i in range(3))
    out = F.scaled_dot_product_attention(q, k, v)
    assert out.dtype == tocha.float32
    expected = _reference(q.numpy(), k.numpy(), v.numpy())
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-6)
    assert out.transpose(1, 2).is_contiguous()  # laid out like the packed heads: merging them is a view


def test_sdpa_fully_masked_rows_give_zeros_and_finite_grads() -> None:
    q, k, v = _rand((3, 4), 0), _rand((5, 4), 1), _rand((5, 2), 2)
    mask = tocha.ones(3, 5, dtype=tocha.bool)
    mask[1] = False
    q.requires_grad_(True)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    np.testing.assert_array_equal(out.detach().numpy()[1], 0.0)
    out.sum().backward()
    assert q.grad is not None
    assert np.isfinite(q.grad.numpy()).all()
    np.testing.assert_array_equal(q.grad.numpy()[1], 0.0)


def test_sdpa_gqa_repeats_key_and_value_heads() -> None:
    q, k, v = _rand((1, 4, 3, 2), 0), _rand((1, 2, 5, 2), 1), _rand((1, 2, 5, 3), 2)
    out = F.scaled_dot_product_attention(q, k, v, enable_gqa=True)
    expected = _reference(q.numpy(), np.repeat(k.numpy(), 2, axis=1), np.repeat(v.numpy(), 2, axis=1))
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-12)
    gradcheck_function(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, enable_gqa=True), q, k, v)


def test_sdpa_dropout() -> None:
    q, k, v = _rand((2, 3, 4), 0), _rand((2, 5, 4), 1), _rand((2, 5, 6), 2)
    np.testing.assert_array_equal(F.scaled_dot_product_attention(q, k, v, dropout_p=1.0).numpy(), 0.0)
    tocha.manual_seed(0)
    q.requires_grad_(True)
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    out.sum().backward()
    assert out.shape == (2, 3, 6)
    assert q.grad is not None
    expected = _reference(q.detach().numpy(), k.numpy(), v.numpy())
    assert not np.allclose(out.detach().numpy(), expected)


def test_sdpa_op_is_registered() -> None:
    op = tocha.library.get_op("scaled_dot_product_attention")
    assert op.num_outputs == 2
    assert tocha.library.get_op("scaled_dot_product_attention_backward").num_outputs == 4


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        (((2, 3, 4), (2, 5, 3), (2, 5, 6)), {}, RuntimeError, "Expected size for first two dimensions of batch2"),
        (((2, 3, 4), (2, 5, 4), (2, 4, 6)), {}, RuntimeError, "Expected size for first two dimensions of batch2"),
        (((4,), (4,), (4,)), {}, RuntimeError, "to all be  at least 2 dimensional"),
        (
            ((2, 3, 4), (2, 5, 4), (2, 5, 6)),
            {"attn_mask": ("bool", (3, 5)), "is_causal": True},
            RuntimeError,
            "Explicit attn_mask should not be set when is_causal=True",
        ),
        (((2, 3, 4), (2, 5, 4), (2, 5, 6)), {"attn_mask": ("bool", (4, 5))}, RuntimeError, "must match"),
        (
            ((2, 3, 4), (2, 5, 4), (2, 5, 6)),
            {"attn_mask": ("float", (2, 2, 3, 5))},
            RuntimeError,
            r"output with shape \[2, 3, 5\] doesn't match the broadcast shape \[2, 2, 3, 5\]",
        ),
        (
            ((2, 3, 4), (2, 5, 4), (2, 5, 6)),
            {"attn_mask": ("long", (3, 5))},
            RuntimeError,
            "Expected attn_mask dtype to be bool or float or to match query dtype, but got attn_mask.dtype: long int",
        ),
        (
            ((1, 4, 3, 4), (1, 3, 5, 4), (1, 3, 5, 4)),
            {"enable_gqa": True},
            RuntimeError,
            "Number of heads in key and value must divide the number of heads in",
        ),
    ],
)
def test_sdpa_errors(args: Any, kwargs: dict[str, Any], error: type[Exception], message: str) -> None:
    q, k, v = (tocha.zeros(s) for s in args)
    kw = dict(kwargs)
    if "attn_mask" in kw:
        kind, shape = kw["attn_mask"]
        kw["attn_mask"] = tocha.zeros(
            shape, dtype={"bool": tocha.bool, "float": tocha.float32, "long": tocha.int64}[kind]
        )
    with pytest.raises(error, match=message):
        F.scaled_dot_product_attention(q, k, v, **kw)


def test_sdpa_dtype_mismatch_error() -> None:
    with pytest.raises(RuntimeError, match=r"query\.dtype: float key\.dtype: double and value\.dtype: float"):
        F.scaled_dot_product_attention(tocha.zeros(2, 3), tocha.zeros(2, 3, dtype=tocha.float64), tocha.zeros(2, 3))


# ------------------------------------------------------------------ against PyTorch


@pytest.mark.parametrize("case", CASES)
def test_sdpa_matches_torch_with_grads(case: dict[str, Any]) -> None:
    torch = torch_or_skip()
    q, k, v, mask = _inputs(case, np.float32)
    ours_in = [t.requires_grad_(True) for t in (q, k, v)]
    theirs_in = [to_torch(t) for t in ours_in]
    kw = _kwargs(case)
    ours = F.scaled_dot_product_attention(*ours_in, attn_mask=mask, **kw)
    theirs = torch.nn.functional.scaled_dot_product_attention(*theirs_in, attn_mask=to_torch(mask), **kw)
    assert_close_to_torch(ours, theirs, atol=1e-5, what="output")
    w = np.random.default_rng(3).standard_normal(tuple(ours.shape)).astype(np.float32)
    (ours * tocha.tensor(w)).sum().backward()
    (theirs * torch.from_numpy(w)).sum().backward()
    for name, a, b in zip("qkv", ours_in, theirs_in, strict=True):
        assert_close_to_torch(a.grad, b.grad, atol=1e-5, what=f"grad of {name}")


def test_sdpa_gqa_and_fully_masked_match_torch() -> None:
    torch = torch_or_skip()
    q, k, v = _rand((1, 4, 3, 2), 0, np.float32), _rand((1, 2, 5, 2), 1, np.float32), _rand((1, 2, 5, 3), 2, np.float32)
    ours = F.scaled_dot_product_attention(q, k, v, enable_gqa=True)
    theirs = torch.nn.functional.scaled_dot_product_attention(to_torch(q), to_torch(k), to_torch(v), enable_gqa=True)
    assert_close_to_torch(ours, theirs, atol=1e-6)
    mask = tocha.zeros(3, 5)
    mask[1] = -math.inf
    ours = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, enable_gqa=True)
    theirs = torch.nn.functional.scaled_dot_product_attention(
        to_torch(q), to_torch(k), to_torch(v), attn_mask=to_torch(mask), enable_gqa=True
    )
    assert_close_to_torch(ours, theirs, atol=1e-6)


def test_sdpa_error_messages_match_torch() -> None:
    torch = torch_or_skip()
    q, k, v = tocha.zeros(2, 3, 4), tocha.zeros(2, 5, 4), tocha.zeros(2, 5, 6)
    masks = [tocha.zeros(3, 5, dtype=tocha.int64), tocha.zeros(3, 5, dtype=tocha.float64)]
    for mask in masks:
        with pytest.raises(RuntimeError) as theirs:
            torch.nn.functional.scaled_dot_product_attention(to_torch(q), to_torch(k), to_torch(v), to_torch(mask))
        with pytest.raises(RuntimeError) as ours:
            F.scaled_dot_product_attention(q, k, v, mask)
        assert str(ours.value) == str(theirs.value)
