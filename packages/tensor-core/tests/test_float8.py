"""The float8 dtypes (NOTE [ Float8 dtypes ]): PyTorch's conversions bit for bit, its op set and its errors."""

from __future__ import annotations

import io
import re
from typing import Any

import numpy as np
import pytest

import tocha

FLOAT8 = ["float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu"]


def _bytes(t: tocha.Tensor) -> list[int]:
    return t.view(tocha.uint8).tolist()  # type: ignore[no-any-return]


# ------------------------------------------------------------------ conversions


def test_e4m3fn_saturates_and_rounds_to_nearest_even() -> None:
    x = tocha.tensor([500.0, float("inf"), -float("inf"), 1e30, 0.1, 464.0, 1.0625, 1.1875, -0.0])
    y = x.to(tocha.float8_e4m3fn).float()
    expected = [448.0, 448.0, -448.0, 448.0, 0.1015625, 448.0, 1.0, 1.25, -0.0]
    assert y.tolist() == expected
    assert tocha.tensor([float("nan")]).to(tocha.float8_e4m3fn).float().isnan().item()


def test_e8m0fnu_keeps_the_exponent() -> None:
    values = [3.0, -3.0, 5.0, 0.0, 1e-40, 5.877472e-39, 8e-39, 2.0**127, 2.0**127 * 1.5, float("inf"), float("nan")]
    assert _bytes(tocha.tensor(values).to(tocha.float8_e8m0fnu)) == [129, 129, 129, 0, 0, 0, 1, 254, 255, 255, 255]


def test_e5m2_nans_are_pytorchs() -> None:
    assert _bytes(tocha.tensor([float("nan"), -float("nan"), 1.0]).to(tocha.float8_e5m2)) == [0x7F, 0xFF, 0x3C]


def test_nan_to_integers() -> None:
    nan = tocha.tensor([float("nan")])
    assert nan.to(tocha.float8_e4m3fn).to(tocha.int32).item() == -(2**31)
    assert nan.to(tocha.float8_e4m3fnuz).to(tocha.int32).item() == 0
    assert nan.to(tocha.float8_e8m0fnu).to(tocha.int64).item() == 0


def test_conversions_keep_the_layout() -> None:
    transposed = tocha.arange(12.0).reshape(3, 4).t()
    as_float8 = transposed.to(tocha.float8_e5m2)
    assert as_float8.stride() == transposed.stride() == (1, 4)
    assert as_float8.float().stride() == (1, 4)
    assert as_float8.float().tolist() == tocha.arange(12.0).reshape(3, 4).to(tocha.float8_e5m2).t().float().tolist()


def test_through_float32_from_wider_types() -> None:
    # 1 + 2^-4 + 2^-30 rounds up in one step, but float64 -> float32 first drops the 2^-30: a tie, to even
    value = 1 + 2**-4 + 2**-30
    assert tocha.tensor([value], dtype=tocha.float64).to(tocha.float8_e4m3fn).item() == 1.0
    assert tocha.tensor([17, 1000, -1000]).to(tocha.float8_e4m3fn).float().tolist() == [16.0, 448.0, -448.0]
    assert tocha.tensor([True, False]).to(tocha.float8_e5m2).float().tolist() == [1.0, 0.0]


@pytest.mark.parametrize("name", FLOAT8)
def test_conversions_equal_pytorch_bit_for_bit(name: str) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    every_half = np.arange(65536, dtype=np.uint16).view(np.float16).astype(np.float32)
    with np.errstate(over="ignore"):  # past float32's range: infinities, which convert too
        spread = (rng.standard_normal(100_000) * np.exp(rng.uniform(-90, 90, 100_000))).astype(np.float32)
    patterns = rng.integers(0, 2**32, 100_000, dtype=np.uint64).astype(np.uint32).view(np.float32)
    floats = np.concatenate([every_half, spread, patterns])
    ours = tocha.from_numpy(floats).to(getattr(tocha, name)).view(tocha.uint8).numpy()
    theirs = torch.from_numpy(floats).to(getattr(torch, name)).view(torch.uint8).numpy()
    np.testing.assert_array_equal(ours, theirs)
    wide = rng.standard_normal(20_000) * np.exp(rng.uniform(-20, 20, 20_000))
    ints = rng.integers(-100_000, 100_000, 20_000)
    for source in (wide, ints):
        ours = tocha.from_numpy(source).to(getattr(tocha, name)).view(tocha.uint8).numpy()
        np.testing.assert_array_equal(ours, torch.from_numpy(source).to(getattr(torch, name)).view(torch.uint8).numpy())
    every_byte = np.arange(256, dtype=np.uint8)
    for target in ("float32", "float64", "float16", "int64", "int32", "int8", "uint8", "bool"):
        ours = tocha.from_numpy(every_byte).view(getattr(tocha, name)).to(getattr(tocha, target)).numpy()
        theirs = torch.from_numpy(every_byte).view(getattr(torch, name)).to(getattr(torch, target)).numpy()
        np.testing.assert_array_equal(ours, theirs, err_msg=target)


# ------------------------------------------------------------------ promotion and ops


def test_promotion_raises() -> None:
    x = tocha.ones(2).to(tocha.float8_e4m3fn)
    message = "Promotion for Float8 Types is not supported, attempted to promote Float8_e4m3fn and Float"
    with pytest.raises(RuntimeError, match=re.escape(message)):
        tocha.promote_types(tocha.float8_e4m3fn, tocha.float32)
    with pytest.raises(RuntimeError, match=re.escape(message)):
        x == tocha.ones(2)
    with pytest.raises(RuntimeError, match="attempted to promote Float8_e4m3fn and Float8_e5m2"):
        tocha.cat([x, x.float().to(tocha.float8_e5m2)])
    assert tocha.result_type(x, 2.5) is tocha.float8_e4m3fn
    assert tocha.result_type(x, tocha.tensor(2.5)) is tocha.float8_e4m3fn  # a 0-dim tensor does not promote
    assert tocha.result_type(tocha.tensor(1.0).to(tocha.float8_e5m2), tocha.ones(2)) is tocha.float32
    with pytest.raises(RuntimeError, match="Unknown Complex ScalarType for Float8_e4m3fn"):
        tocha.result_type(x, 1j)


def test_numbers_meet_float8_in_float8() -> None:
    x = tocha.tensor([1.0, 2.0, 3.0]).to(tocha.float8_e4m3fn)
    assert (x == 1.01).tolist() == [True, False, False]  # 1.01 rounds to 1.0 in float8_e4m3fn
    assert (x != 2).tolist() == [True, False, True]
    assert tocha.where(x == 2.0, x, 500.0).float().tolist() == [448.0, 2.0, 448.0]


@pytest.mark.parametrize(
    ("name", "run"),
    [
        ("add", lambda x: x + x),
        ("add", lambda x: x.add_(1)),
        ("sum", lambda x: x.sum()),
        ("neg", lambda x: -x),
        ("sort", lambda x: x.sort()),
        ("amax", lambda x: x.max()),
        ("lt", lambda x: x < x),
        ("exp", lambda x: x.exp()),
        ("softmax", lambda x: tocha.softmax(x, 0)),
        ("mul", lambda x: x * 2.0),
        ("cumsum", lambda x: x.cumsum(0)),
    ],
)
def test_arithmetic_is_refused_with_pytorchs_error(name: str, run: Any) -> None:
    x = tocha.tensor([1.0, 2.0]).to(tocha.float8_e5m2)
    with pytest.raises(NotImplementedError, match=re.escape(f"\"{name}\" not implemented for 'Float8_e5m2'")):
        run(x)


def test_random_factories_are_refused() -> None:
    for run in (
        lambda: tocha.rand(2, dtype=tocha.float8_e4m3fn),
        lambda: tocha.randn(2, dtype=tocha.float8_e4m3fn),
        lambda: tocha.randint(3, (2,), dtype=tocha.float8_e4m3fn),
        lambda: tocha.zeros(2, dtype=tocha.float8_e4m3fn).uniform_(),
    ):
        with pytest.raises(NotImplementedError, match="not implemented for 'Float8_e4m3fn'"):
            run()
    with pytest.raises(TypeError, match="only floating-point types are supported as the default type"):
        tocha.set_default_dtype(tocha.float8_e4m3fn)


def test_storage_ops_work() -> None:
    values = [1.0, -2.5, 448.0, 0.015625, 3.0, 0.5]
    x = tocha.tensor(values).reshape(2, 3).to(tocha.float8_e4m3fn)
    assert x.dtype is tocha.float8_e4m3fn
    assert x.t().contiguous().float().tolist() == [[1.0, 0.015625], [-2.5, 3.0], [448.0, 0.5]]
    assert tocha.cat([x, x]).shape == (4, 3)
    assert tocha.stack([x, x]).float()[1].tolist() == x.float().tolist()
    assert x[:, 1].float().tolist() == [-2.5, 3.0]
    assert x[tocha.tensor([1, 0])].float()[0].tolist() == [0.015625, 3.0, 0.5]
    assert x[x.float() > 1].float().tolist() == [448.0, 3.0]
    y = x.clone()
    y[0, 0] = 500.0  # saturates, as PyTorch's writes do
    y[1] = tocha.tensor([7.0, 8.0, 9.0]).to(tocha.float8_e4m3fn)
    assert y.float().tolist() == [[448.0, -2.5, 448.0], [7.0, 8.0, 9.0]]
    y.fill_(1000.0)
    assert y.float().unique().tolist() == [448.0]
    y.copy_(tocha.full((2, 3), -1e9))
    assert y.float().unique().tolist() == [-448.0]
    assert x.abs().float().tolist() == [[1.0, 2.5, 448.0], [0.015625, 3.0, 0.5]]
    assert x.isnan().any().item() is False
    assert x.view(tocha.uint8).dtype is tocha.uint8
    assert tocha.zeros(6, dtype=tocha.uint8).view(tocha.float8_e4m3fn).float().sum().item() == 0.0
    assert x.flip(0).roll(1, 1).repeat(1, 2).shape == (2, 6)
    assert tocha.full((2,), 500.0, dtype=tocha.float8_e4m3fn).float().tolist() == [448.0, 448.0]
    assert tocha.ones_like(x).float().sum().item() == 6.0
    assert x[0, 0].item() == 1.0
    assert x.tolist() == [[1.0, -2.5, 448.0], [0.015625, 3.0, 0.5]]


def test_products_round_once_from_float32() -> None:
    rng = np.random.default_rng(1)
    a = tocha.from_numpy(rng.standard_normal((5, 7)).astype(np.float32)).to(tocha.float8_e4m3fn)
    b = tocha.from_numpy(rng.standard_normal((7, 3)).astype(np.float32)).to(tocha.float8_e4m3fn)
    expected = (a.float() @ b.float()).to(tocha.float8_e4m3fn)
    assert _bytes(a @ b) == _bytes(expected)
    assert _bytes(tocha.mm(a, b)) == _bytes(expected)
    assert _bytes(a * a) == _bytes((a.float() * a.float()).to(tocha.float8_e4m3fn))
    big = tocha.full((2, 2), 20.0).to(tocha.float8_e4m3fn)
    assert (big @ big).float().tolist() == [[448.0, 448.0], [448.0, 448.0]]  # 800 saturates
    with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype"):
        big @ tocha.ones(2, 2)


def test_finfo() -> None:
    info = tocha.finfo(tocha.float8_e4m3fn)
    assert (info.max, info.min, info.eps, info.tiny, info.resolution, info.bits) == (448, -448, 0.125, 2**-6, 1, 8)
    e8 = tocha.finfo(tocha.float8_e8m0fnu)
    assert (e8.max, e8.min, e8.eps) == (2.0**127, 2.0**-127, 1.0)
    torch = pytest.importorskip("torch")
    for name in FLOAT8:
        ours, theirs = tocha.finfo(getattr(tocha, name)), torch.finfo(getattr(torch, name))
        assert repr(ours) == repr(theirs)


def test_repr_equals_pytorchs() -> None:
    torch = pytest.importorskip("torch")
    for name in FLOAT8:
        values = [1.0, 2.5, -3.0, 0.1, 448.0] if "e8m0" not in name else [1.0, 0.25, 4.0]
        ours = repr(tocha.tensor(values).to(getattr(tocha, name)))
        theirs = repr(torch.tensor(values).to(getattr(torch, name)))
        assert ours.replace("tocha.", "torch.") == theirs


# ------------------------------------------------------------------ checkpoints


def test_save_and_load() -> None:
    tensors = {name: tocha.tensor([1.0, 2.0, 0.5]).to(getattr(tocha, name)) for name in FLOAT8}
    tensors["strided"] = tocha.randn(4, 3).to(tocha.float8_e5m2).t()
    buffer = io.BytesIO()
    tocha.save(tensors, buffer)
    loaded = tocha.load(io.BytesIO(buffer.getvalue()))
    for key, value in tensors.items():
        assert loaded[key].dtype is value.dtype
        assert _bytes(loaded[key].contiguous()) == _bytes(value.contiguous())


def test_safetensors_interoperate(tmp_path: Any) -> None:
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    ours = {"w": tocha.tensor([1.0, -2.5, 448.0]).to(tocha.float8_e4m3fn)}
    tocha.save(ours, tmp_path / "ours.safetensors")
    read = safetensors_torch.load_file(str(tmp_path / "ours.safetensors"))
    assert read["w"].dtype == torch.float8_e4m3fn
    assert read["w"].float().tolist() == [1.0, -2.5, 448.0]
    theirs = {"e5": torch.randn(3, 3).to(torch.float8_e5m2), "e8": torch.tensor([2.0, 0.5]).to(torch.float8_e8m0fnu)}
    safetensors_torch.save_file(theirs, str(tmp_path / "theirs.safetensors"))
    loaded = tocha.load(tmp_path / "theirs.safetensors")
    for key, value in theirs.items():
        assert loaded[key].view(tocha.uint8).tolist() == value.view(torch.uint8).tolist()


def test_torch_save_files_with_untyped_storages() -> None:
    torch = pytest.importorskip("torch")
    base = torch.tensor([1.0, -2.5, 448.0, 0.01, float("nan"), 3.0]).to(torch.float8_e4m3fn)
    saved = {
        "f8": base,
        "view": base[1:4],
        "bytes": base.view(torch.uint8),
        "e5": torch.randn(3, 4).to(torch.float8_e5m2).t(),
        "e8": torch.tensor([2.0, 0.5]).to(torch.float8_e8m0fnu),
        "u16": torch.tensor([1, 65535], dtype=torch.uint16),
    }
    buffer = io.BytesIO()
    torch.save(saved, buffer)
    loaded = tocha.load(io.BytesIO(buffer.getvalue()))
    for key, value in saved.items():
        assert loaded[key].dtype.name == str(value.dtype).removeprefix("torch.")
        assert loaded[key].stride() == value.stride()
        as_bytes = value.contiguous().view(torch.uint8) if value.dtype.itemsize == 1 else value
        ours = loaded[key].contiguous()
        assert (ours.view(tocha.uint8) if ours.dtype.itemsize == 1 else ours).tolist() == as_bytes.tolist()
    loaded["f8"][1] = 1.0  # the three tensors share one storage again
    assert loaded["view"][0].item() == 1.0
    assert loaded["bytes"][1].item() == 0x38


def test_dlpack_with_pytorch_shares_memory() -> None:
    torch = pytest.importorskip("torch")
    ours = tocha.tensor([1.0, 2.5, -448.0]).to(tocha.float8_e4m3fn)
    theirs = torch.from_dlpack(ours)
    assert theirs.dtype == torch.float8_e4m3fn
    theirs[0] = 3.0
    assert ours.float().tolist() == [3.0, 2.5, -448.0]
    for name in FLOAT8:
        source = torch.tensor([1.0, 2.0, 0.5]).to(getattr(torch, name))
        imported = tocha.from_dlpack(source)
        assert imported.dtype is getattr(tocha, name)
        assert imported.view(tocha.uint8).tolist() == source.view(torch.uint8).tolist()
    assert tocha.tensor(torch.tensor([1.5]).to(torch.float8_e5m2)).dtype is tocha.float8_e5m2


# ------------------------------------------------------------------ devices


@pytest.mark.gpu
def test_float8_tensors_stay_on_the_cpu() -> None:
    message = "tocha.float8_e4m3fn tensors live on the CPU only"
    for run in (
        lambda: tocha.ones(2).to(tocha.float8_e4m3fn).cuda(),
        lambda: tocha.zeros(2, dtype=tocha.float8_e4m3fn, device="cuda"),
        lambda: tocha.tensor([1.0], dtype=tocha.float8_e4m3fn, device="cuda"),
        lambda: tocha.ones(2, device="cuda").to(tocha.float8_e4m3fn),
    ):
        with pytest.raises(NotImplementedError, match=message):
            run()
