"""interpolate / upsample and the Upsample modules against PyTorch and finite differences."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from nn_oracle import assert_close_to_torch, compare_with_torch, gradcheck_function, to_torch, torch_or_skip

import tocha
import tocha.nn as nn
import tocha.nn.functional as F
from tocha.autograd import gradgradcheck

RNG = np.random.default_rng(1)


def _rand(*shape: int, dtype: Any = np.float32) -> tocha.Tensor:
    return tocha.from_numpy(RNG.standard_normal(shape).astype(dtype))


SHAPES = {"nearest": (1, 2, 3), "nearest-exact": (1, 2, 3), "area": (1, 2, 3), "linear": (1,), "bilinear": (2,),
          "bicubic": (2,), "trilinear": (3,)}  # fmt: skip
SIZES = [
    dict(scale_factor=2),
    dict(scale_factor=0.5),
    dict(scale_factor=1.7),
    dict(scale_factor=1.7, recompute_scale_factor=True),
    dict(size=7),
    dict(size=2),
    dict(size=1),
]


def _cases() -> list[tuple[str, int, dict[str, Any]]]:
    cases = []
    for mode, dims in SHAPES.items():
        for nd in dims:
            for size in SIZES:
                aligns = [None] if mode in ("nearest", "nearest-exact", "area") else [False, True]
                for align in aligns:
                    cases.append((mode, nd, dict(size, align_corners=align)))
    return cases


@pytest.mark.parametrize(("mode", "nd", "kwargs"), _cases())
def test_interpolate_matches_torch(mode: str, nd: int, kwargs: dict[str, Any]) -> None:
    torch = torch_or_skip()
    spatial = (5, 6, 4)[:nd] if nd > 1 else (7,)
    x = _rand(2, 3, *spatial).requires_grad_(True)
    tx = to_torch(x)
    ours = F.interpolate(x, mode=mode, **kwargs)
    theirs = torch.nn.functional.interpolate(tx, mode=mode, **kwargs)
    assert_close_to_torch(ours, theirs, atol=1e-5, what=f"{mode} {kwargs}")
    w = RNG.standard_normal(tuple(ours.shape)).astype(np.float32)
    (ours * tocha.from_numpy(w)).sum().backward()
    (theirs * torch.from_numpy(w)).sum().backward()
    assert_close_to_torch(x.grad, tx.grad, atol=1e-5, what=f"grad {mode} {kwargs}")


def test_interpolate_per_axis_sizes_and_integers_match_torch() -> None:
    torch = torch_or_skip()
    x = _rand(1, 2, 5, 6)
    for kwargs in (dict(size=(3, 9)), dict(scale_factor=(2.0, 0.5)), dict(scale_factor=(1.5, 3))):
        for mode in ("nearest", "bilinear", "bicubic", "area", "nearest-exact"):
            ours = F.interpolate(x, mode=mode, **kwargs)
            theirs = torch.nn.functional.interpolate(to_torch(x), mode=mode, **kwargs)
            assert_close_to_torch(ours, theirs, atol=1e-5, what=f"{mode} {kwargs}")
    xi = tocha.arange(12, dtype=tocha.uint8).reshape(1, 1, 3, 4)
    assert_close_to_torch(
        F.interpolate(xi, scale_factor=2.5), torch.nn.functional.interpolate(to_torch(xi), scale_factor=2.5)
    )


def test_interpolate_matches_numpy_without_torch() -> None:
    x = RNG.standard_normal((1, 1, 3))
    nearest = F.interpolate(tocha.from_numpy(x), scale_factor=2).numpy()
    np.testing.assert_array_equal(nearest, np.repeat(x, 2, axis=-1))
    aligned = F.interpolate(tocha.from_numpy(x), size=5, mode="linear", align_corners=True).numpy()
    np.testing.assert_allclose(aligned, np.interp(np.linspace(0, 2, 5), np.arange(3), x[0, 0])[None, None])
    area = F.interpolate(tocha.from_numpy(RNG.standard_normal((1, 1, 4, 4))), size=2, mode="area")
    assert tuple(area.shape) == (1, 1, 2, 2)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(scale_factor=2, mode="nearest"),
        dict(size=(3, 7), mode="nearest-exact"),
        dict(scale_factor=1.5, mode="bilinear", align_corners=False),
        dict(size=(5, 3), mode="bilinear", align_corners=True),
        dict(scale_factor=2, mode="bicubic", align_corners=False),
        dict(size=(3, 3), mode="bicubic", align_corners=True),
        dict(size=(3, 2), mode="area"),
    ],
)
def test_interpolate_gradcheck_gradgradcheck(kwargs: dict[str, Any]) -> None:
    x = _rand(1, 2, 4, 3, dtype=np.float64).requires_grad_(True)

    def fn(t: tocha.Tensor) -> tocha.Tensor:
        return F.interpolate(t, **kwargs)

    gradcheck_function(fn, x)
    assert gradgradcheck(fn, (x,))


def test_trilinear_and_linear_gradcheck() -> None:
    gradcheck_function(lambda t: F.interpolate(t, scale_factor=1.5, mode="trilinear"), _rand(1, 1, 2, 3, 2))
    gradcheck_function(lambda t: F.interpolate(t, size=6, mode="linear", align_corners=True), _rand(1, 2, 4))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda x: F.interpolate(x, size=3, scale_factor=2), ValueError, "only one of size or scale_factor"),
        (lambda x: F.interpolate(x), ValueError, "either size or scale_factor should be defined"),
        (lambda x: F.interpolate(x, size=3, align_corners=True), ValueError, "align_corners option can only be set"),
        (
            lambda x: F.interpolate(x, size=3, mode="linear"),
            NotImplementedError,
            "Got 4D input, but linear mode needs 3D input",
        ),
        (
            lambda x: F.interpolate(x, size=3, mode="foo"),
            NotImplementedError,
            "Only 3D, 4D and 5D input Tensors supported (got 4D)",
        ),
        (
            lambda x: F.interpolate(x, size=(3, 3, 3)),
            ValueError,
            "spatial dimensions of [5, 5] and output size of (3, 3, 3)",
        ),
        (lambda x: F.interpolate(x, scale_factor=(2, 2, 2)), ValueError, "Input and scale_factor must have the same"),
        (
            lambda x: F.interpolate(x, size=3, recompute_scale_factor=True),
            ValueError,
            "recompute_scale_factor is not meaningful",
        ),
        (lambda x: F.interpolate(x, size=3, mode="lanczos"), ValueError, "Lanczos mode requires antialias=True"),
        (
            lambda x: F.interpolate(x, size=3, mode="lanczos", antialias=True, align_corners=True),
            ValueError,
            "Lanczos mode does not support align_corners=True",
        ),
        (
            lambda x: F.interpolate(x.int(), size=3, mode="bilinear", antialias=True),
            RuntimeError,
            "\"upsample_bilinear2d_aa\" not implemented for 'Int'",
        ),
        (
            lambda x: F.interpolate(x, size=3, mode="nearest", antialias=True),
            ValueError,
            "Anti-alias option is restricted",
        ),
    ],
)
def test_interpolate_errors(call: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as info:
        call(_rand(1, 1, 5, 5))
    assert message in str(info.value)


def test_interpolate_error_types_match_torch() -> None:
    torch = torch_or_skip()
    x = _rand(1, 1, 5, 5)
    for kwargs in (dict(size=3, scale_factor=2), dict(), dict(size=3, mode="linear"), dict(size=(3, 3, 3)),
                   dict(size=3, align_corners=True), dict(size=3, mode="foo")):  # fmt: skip
        with pytest.raises(Exception) as theirs:
            torch.nn.functional.interpolate(to_torch(x), **kwargs)
        with pytest.raises(type(theirs.value)) as ours:
            F.interpolate(x, **kwargs)
        assert str(ours.value) == str(theirs.value)


def test_deprecated_aliases_warn_and_match_interpolate() -> None:
    x = _rand(1, 1, 3, 3)
    with pytest.warns(UserWarning, match="`nn.functional.upsample` is deprecated"):
        a = F.upsample(x, scale_factor=2, mode="bilinear")
    np.testing.assert_array_equal(a.numpy(), F.interpolate(x, scale_factor=2, mode="bilinear").numpy())
    with pytest.warns(UserWarning, match="upsample_nearest` is deprecated"):
        b = F.upsample_nearest(x, 6)
    np.testing.assert_array_equal(b.numpy(), F.interpolate(x, 6).numpy())
    with pytest.warns(UserWarning, match="upsample_bilinear` is deprecated"):
        c = F.upsample_bilinear(x, scale_factor=2)
    np.testing.assert_array_equal(c.numpy(), F.interpolate(x, None, 2, "bilinear", True).numpy())


def test_upsample_modules_match_torch() -> None:
    torch = torch_or_skip()
    x = _rand(2, 3, 4, 5)
    pairs: list[tuple[Any, Any]] = [
        (nn.Upsample(scale_factor=2), torch.nn.Upsample(scale_factor=2)),
        (nn.Upsample(size=(3, 7), mode="bilinear"), torch.nn.Upsample(size=(3, 7), mode="bilinear")),
        (nn.Upsample(scale_factor=(1.5, 2.0), mode="bicubic", align_corners=True),
         torch.nn.Upsample(scale_factor=(1.5, 2.0), mode="bicubic", align_corners=True)),
        (nn.UpsamplingNearest2d(scale_factor=3), torch.nn.UpsamplingNearest2d(scale_factor=3)),
        (nn.UpsamplingBilinear2d(size=(6, 6)), torch.nn.UpsamplingBilinear2d(size=(6, 6))),
    ]  # fmt: skip
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compare_with_torch(ours, theirs, x, atol=1e-5)
    assert repr(nn.Upsample(size=3, mode="bilinear")) == repr(torch.nn.Upsample(size=3, mode="bilinear"))


# ------------------------------------------------------------------ antialias

AA_SIZES = [
    dict(size=(3, 4)),
    dict(size=(13, 20)),
    dict(size=(6, 9)),
    dict(scale_factor=0.37),
    dict(scale_factor=(0.5, 1.3)),
    dict(scale_factor=0.37, recompute_scale_factor=True),
    dict(size=(5, 7), align_corners=True),
]


def test_antialiased_bilinear_halving_taps_by_hand() -> None:
    # 8 -> 4 pixels, scale 2: the triangle stretched to radius 2, sampled at offsets ±0.25, ±0.75 from the centre
    # 2i + 1: taps (1, 3, 3, 1)/8 inside; at the first output the window is clipped to pixels 0..2, taps
    # (3, 3, 1) renormalised to /7
    impulses = tocha.eye(8, dtype=tocha.float64).reshape(8, 1, 1, 8)  # one image per input pixel
    columns = F.interpolate(impulses, size=(1, 4), mode="bilinear", antialias=True).reshape(8, 4).numpy()
    np.testing.assert_allclose(columns[:, 1], [0, 1 / 8, 3 / 8, 3 / 8, 1 / 8, 0, 0, 0], rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(columns[:, 0], [3 / 7, 3 / 7, 1 / 7, 0, 0, 0, 0, 0], rtol=1e-14, atol=1e-16)
    # a constant image stays constant for every filter (the taps are normalised)
    for mode in ("bilinear", "bicubic", "lanczos"):
        flat = F.interpolate(
            tocha.full((1, 2, 9, 7), 3.5, dtype=tocha.float64), size=(4, 11), mode=mode, antialias=True
        )
        np.testing.assert_allclose(flat.numpy(), 3.5, rtol=1e-14)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "lanczos"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_antialias_matches_torch(mode: str, dtype: Any) -> None:
    torch = torch_or_skip()
    for kwargs in AA_SIZES:
        if mode == "lanczos" and kwargs.get("align_corners"):
            continue
        x = _rand(2, 3, 9, 11, dtype=dtype)
        ours = F.interpolate(x, mode=mode, antialias=True, **kwargs)
        theirs = torch.nn.functional.interpolate(to_torch(x), mode=mode, antialias=True, **kwargs)
        tol = 1e-5 if dtype == np.float32 else 1e-12
        assert_close_to_torch(ours, theirs, atol=tol, rtol=tol, what=str(kwargs))


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "lanczos"])
def test_antialias_on_uint8_matches_torch_exactly(mode: str) -> None:
    # Pillow's fixed-point arithmetic, which PyTorch reproduces: not a float resize rounded at the end
    torch = torch_or_skip()
    for kwargs in AA_SIZES[:6]:
        x = tocha.from_numpy(RNG.integers(0, 256, (2, 3, 17, 12)).astype(np.uint8))
        ours = F.interpolate(x, mode=mode, antialias=True, **kwargs)
        theirs = torch.nn.functional.interpolate(to_torch(x), mode=mode, antialias=True, **kwargs)
        assert ours.dtype == tocha.uint8
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=str(kwargs))


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "lanczos"])
def test_antialias_gradients(mode: str) -> None:
    x = _rand(1, 2, 7, 6, dtype=np.float64).requires_grad_()
    gradcheck_function(lambda t: F.interpolate(t, size=(3, 4), mode=mode, antialias=True), x)
    gradcheck_function(lambda t: F.interpolate(t, size=(9, 10), mode=mode, antialias=True), x)
    assert gradgradcheck(lambda t: F.interpolate(t, size=(3, 8), mode=mode, antialias=True), (x,))
    torch = torch_or_skip()
    y = _rand(2, 3, 9, 11, dtype=np.float64).requires_grad_()
    cotangent = _rand(2, 3, 4, 5, dtype=np.float64)
    F.interpolate(y, size=(4, 5), mode=mode, antialias=True).backward(cotangent)
    theirs = to_torch(y, requires_grad=True)
    torch.nn.functional.interpolate(theirs, size=(4, 5), mode=mode, antialias=True).backward(to_torch(cotangent))
    assert y.grad is not None
    np.testing.assert_allclose(y.grad.numpy(), theirs.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_antialias_keeps_channels_last() -> None:
    x = _rand(2, 3, 10, 12).contiguous(memory_format=tocha.channels_last)
    result = F.interpolate(x, size=(5, 6), mode="bilinear", antialias=True)
    assert result.is_contiguous(memory_format=tocha.channels_last)
    np.testing.assert_allclose(
        result.numpy(), F.interpolate(x.contiguous(), size=(5, 6), mode="bilinear", antialias=True).numpy()
    )


def test_bilinear_on_uint8_matches_torch_exactly() -> None:
    # without antialias too PyTorch resizes uint8 images in fixed point (the plain triangle filter)
    torch = torch_or_skip()
    for kwargs in (dict(size=(5, 7)), dict(size=(20, 30)), dict(scale_factor=0.37), dict(scale_factor=(1.7, 0.3)),
                   dict(size=(5, 7), align_corners=True), dict(size=(17, 12))):  # fmt: skip
        x = tocha.from_numpy(RNG.integers(0, 256, (2, 3, 17, 12)).astype(np.uint8))
        ours = F.interpolate(x, mode="bilinear", **kwargs)
        theirs = torch.nn.functional.interpolate(to_torch(x), mode="bilinear", **kwargs)
        assert ours.dtype == tocha.uint8
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=str(kwargs))
    ramp = tocha.tensor([[[[0, 100]]]], dtype=tocha.uint8)
    assert F.interpolate(ramp, size=(1, 4), mode="bilinear").tolist() == [[[[0, 25, 75, 100]]]]
    with pytest.raises(RuntimeError, match="\"upsample_bicubic2d\" not implemented for 'Byte'"):
        F.interpolate(ramp, size=(1, 4), mode="bicubic")
