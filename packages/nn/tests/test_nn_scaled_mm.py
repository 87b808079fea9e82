"""F.scaled_mm (NOTE [ Scaled matmul ]): float8 products with tensor-wise and row-wise scales."""

from __future__ import annotations

import re

import numpy as np
import pytest

import tocha
import tocha.nn.functional as F

RNG = np.random.default_rng(0)
M, K, N = 16, 48, 32


def _float8(shape: tuple[int, ...], dtype: tocha.dtype = tocha.float8_e4m3fn) -> tocha.Tensor:
    return tocha.from_numpy(RNG.standard_normal(shape).astype(np.float32)).to(dtype)


def _scales(recipe: F.ScalingType) -> tuple[tocha.Tensor, tocha.Tensor]:
    if recipe is F.ScalingType.TensorWise:
        return tocha.tensor(0.37), tocha.tensor(1.3)
    return (
        tocha.from_numpy(RNG.uniform(0.3, 1.3, (M, 1)).astype(np.float32)),
        tocha.from_numpy(RNG.uniform(0.3, 1.3, (1, N)).astype(np.float32)),
    )


@pytest.mark.parametrize("recipe", [F.ScalingType.TensorWise, F.ScalingType.RowWise])
@pytest.mark.parametrize("output_dtype", [tocha.bfloat16, tocha.float32, tocha.float16, tocha.float8_e4m3fn])
@pytest.mark.parametrize("with_bias", [False, True])
def test_against_float64(recipe: F.ScalingType, output_dtype: tocha.dtype, with_bias: bool) -> None:
    a, b = _float8((M, K)), _float8((K, N), tocha.float8_e5m2)
    scale_a, scale_b = _scales(recipe)
    bias = tocha.from_numpy(RNG.standard_normal(N).astype(np.float32)) if with_bias else None
    result = F.scaled_mm(a, b, scale_a, recipe, scale_b, recipe, bias=bias, output_dtype=output_dtype)
    assert result.dtype is output_dtype
    expected = (a.double() * scale_a.double()) @ (b.double() * scale_b.double())
    if bias is not None:
        expected = expected + bias.double()
    tolerance = {tocha.float32: 1e-5, tocha.float16: 1e-3, tocha.bfloat16: 8e-3, tocha.float8_e4m3fn: 7e-2}
    rounded = expected.to(output_dtype).double().numpy()  # one rounding of the exact value, as ours has
    spacing = tolerance[output_dtype] * np.maximum(np.abs(rounded), 1.0)
    assert (np.abs(result.double().numpy() - rounded) <= spacing).all()


@pytest.mark.parametrize("recipe", ["TensorWise", "RowWise"])
def test_equals_pytorch(recipe: str) -> None:
    torch = pytest.importorskip("torch")
    a = torch.randn(M, K).to(torch.float8_e4m3fn)
    b = torch.randn(N, K).to(torch.float8_e5m2).t()  # column-major, as PyTorch's GPU kernels want it
    if recipe == "TensorWise":
        scale_a, scale_b = torch.tensor(0.37), torch.tensor(1.3)
    else:
        scale_a, scale_b = torch.rand(M, 1) + 0.3, torch.rand(1, N) + 0.3
    bias = torch.randn(N).bfloat16()
    theirs = torch.nn.functional.scaled_mm(
        a, b, scale_a, getattr(torch.nn.functional.ScalingType, recipe), scale_b,
        getattr(torch.nn.functional.ScalingType, recipe), bias=bias,
    )  # fmt: skip
    ours = F.scaled_mm(
        tocha.from_dlpack(a), tocha.from_dlpack(b), tocha.from_dlpack(scale_a), getattr(F.ScalingType, recipe),
        tocha.from_dlpack(scale_b), getattr(F.ScalingType, recipe), bias=tocha.from_dlpack(bias),
    )  # fmt: skip
    assert ours.dtype is tocha.bfloat16
    np.testing.assert_allclose(ours.float().numpy(), theirs.float().numpy(), rtol=8e-3, atol=1e-2)


def test_lists_output_dtype_and_ignored_choices() -> None:
    a, b = _float8((M, K)), _float8((K, N))
    scale_a, scale_b = _scales(F.ScalingType.TensorWise)
    plain = F.scaled_mm(a, b, scale_a, F.ScalingType.TensorWise, scale_b, F.ScalingType.TensorWise)
    listed = F.scaled_mm(
        a, b, [scale_a], [F.ScalingType.TensorWise], [scale_b], [F.ScalingType.TensorWise],
        swizzle_a=F.SwizzleType.NO_SWIZZLE, swizzle_b=F.SwizzleType.NO_SWIZZLE, contraction_dim=(1, 0),
        use_fast_accum=True,
    )  # fmt: skip
    assert plain.dtype is tocha.bfloat16
    assert tocha.equal(plain, listed)
    same = F.scaled_mm(a, b, scale_a, F.ScalingType.TensorWise, scale_b, F.ScalingType.TensorWise, output_dtype=None)
    assert same.dtype is tocha.float8_e4m3fn


def test_errors() -> None:
    a, b = _float8((M, K)), _float8((K, N))
    scale_a, scale_b = _scales(F.ScalingType.TensorWise)
    tensor_wise, row_wise = F.ScalingType.TensorWise, F.ScalingType.RowWise
    with pytest.raises(ValueError, match="mat_a must be a matrix"):
        F.scaled_mm(a[None], b, scale_a, tensor_wise, scale_b, tensor_wise)
    with pytest.raises(ValueError, match=re.escape("mat_a and mat_b shapes cannot be multiplied (16x48 and 32x48)")):
        F.scaled_mm(a, b.t(), scale_a, tensor_wise, scale_b, tensor_wise)
    invalid = (
        (a.float(), b, scale_a, tensor_wise, scale_b, tensor_wise),  # not float8
        (a, b, scale_a.double(), tensor_wise, scale_b, tensor_wise),  # not a float32 scale
        (a, b, tocha.ones(2), tensor_wise, scale_b, tensor_wise),  # not a single scale
        (a, b, scale_a, tensor_wise, tocha.ones(1, N), row_wise),  # mixed recipes
        (a, b, tocha.ones(M), row_wise, tocha.ones(1, N), row_wise),  # row-wise scale of the wrong shape
        (a, b, tocha.ones(M, 2)[:, :1], row_wise, tocha.ones(1, N), row_wise),  # not contiguous
        (a, b, tocha.ones(M, 1), F.ScalingType.BlockWise1x32, tocha.ones(1, N), F.ScalingType.BlockWise1x32),
        (a, b, [scale_a, scale_a], [tensor_wise, tensor_wise], scale_b, tensor_wise),
    )
    for arguments in invalid:
        with pytest.raises(ValueError, match="Invalid scaling configuration") as caught:
            F.scaled_mm(*arguments)
    assert str(caught.value).splitlines()[2] == (
        "- For RowWise scaling, a and b should be float8, scales should be float, scale_a should be (16, 1) and "
        "scale_b should be (1, 32), and both should be contiguous."
    )
    with pytest.raises(
        ValueError, match=re.escape("Got mat_a.dtype()=Float, scale_a.dtype()=Float, scale_a.size()=[]")
    ):
        F.scaled_mm(a.float(), b, scale_a, tensor_wise, scale_b, tensor_wise)


def test_enums_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    assert {m.name: m.value for m in F.ScalingType} == dict(
        (name, member.value) for name, member in torch.nn.functional.ScalingType.__members__.items()
    )
    assert {m.name: m.value for m in F.SwizzleType} == dict(
        (name, member.value) for name, member in torch.nn.functional.SwizzleType.__members__.items()
    )
