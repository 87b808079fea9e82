"""Creation functions: results, dtypes, devices and errors, against NumPy and PyTorch."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import tocha


def test_tensor_infers_pytorch_dtypes() -> None:
    assert tocha.tensor([1, 2]).dtype is tocha.int64
    assert tocha.tensor([1, 2.5]).dtype is tocha.float32
    assert tocha.tensor([True, False]).dtype is tocha.bool
    assert tocha.tensor([True, 1]).dtype is tocha.int64
    assert tocha.tensor([1j]).dtype is tocha.complex64
    assert tocha.tensor([]).dtype is tocha.float32
    assert tocha.tensor(np.zeros(2, np.float64)).dtype is tocha.float64
    assert tocha.tensor(np.zeros(2, np.int16)).dtype is tocha.int16
    assert tocha.tensor([[]]).shape == (1, 0)
    assert tocha.tensor(3.5).shape == ()


def test_tensor_copies_its_data() -> None:
    source = np.zeros(3)
    t = tocha.tensor(source)
    source[0] = 5
    assert t.tolist() == [0.0, 0.0, 0.0]
    base = tocha.zeros(2)
    copy = tocha.tensor(base)
    base.copy_(tocha.ones(2))
    assert copy.tolist() == [0.0, 0.0]


def test_tensor_from_nested_tensors_and_numpy_scalars() -> None:
    t = tocha.tensor([tocha.tensor(1.0), np.float32(2.0), 3])
    assert t.tolist() == [1.0, 2.0, 3.0]


def test_tensor_rejects_ragged_and_strings() -> None:
    with pytest.raises(ValueError, match=r"expected sequence of length 2 at dim 1 \(got 1\)"):
        tocha.tensor([[1, 2], [3]])
    with pytest.raises(TypeError, match="invalid data type 'str'"):
        tocha.tensor("abc")


def test_as_tensor_and_from_numpy_share_memory() -> None:
    array = np.arange(4, dtype=np.float32)
    shared = tocha.as_tensor(array)
    numpy_view = tocha.from_numpy(array)
    array[0] = 10
    assert shared[0].item() == 10
    assert numpy_view[0].item() == 10
    converted = tocha.as_tensor(array, dtype=tocha.float64)
    array[1] = 20
    assert converted[1].item() == 1.0
    existing = tocha.ones(2)
    assert tocha.as_tensor(existing) is existing
    assert tocha.asarray(existing) is existing
    assert tocha.asarray(existing, copy=True) is not existing
    with pytest.raises(TypeError, match=r"expected np\.ndarray"):
        tocha.from_numpy([1, 2])  # type: ignore[arg-type]


@pytest.mark.parametrize("factory", ["zeros", "ones", "empty"])
def test_filled_shapes_and_dtypes(factory: str) -> None:
    fn = getattr(tocha, factory)
    assert fn(2, 3).shape == (2, 3)
    assert fn((2, 3)).shape == (2, 3)
    assert fn([4]).shape == (4,)
    assert fn(tocha.Size([1, 2])).shape == (1, 2)
    assert fn().shape == ()
    assert fn(2).dtype is tocha.float32
    assert fn(2, dtype=tocha.int8).dtype is tocha.int8
    assert fn(2, requires_grad=False).requires_grad is False


def test_zeros_and_ones_values() -> None:
    np.testing.assert_array_equal(tocha.zeros(2, 2).numpy(), np.zeros((2, 2), np.float32))
    np.testing.assert_array_equal(tocha.ones(3, dtype=tocha.int32).numpy(), np.ones(3, np.int32))


def test_full_infers_dtype_from_value() -> None:
    assert tocha.full((2,), 7).dtype is tocha.int64
    assert tocha.full((2,), 7.0).dtype is tocha.float32
    assert tocha.full((2,), True).dtype is tocha.bool
    assert tocha.full((2,), 1 + 1j).dtype is tocha.complex64
    assert tocha.full((2,), 1.5, dtype=tocha.int64).tolist() == [1, 1]
    assert tocha.full([2, 1], 3.0).shape == (2, 1)


def test_like_factories_follow_input() -> None:
    source = tocha.ones(2, 3, dtype=tocha.int16)
    for fn in (tocha.zeros_like, tocha.ones_like, tocha.empty_like):
        made = fn(source)
        assert made.shape == (2, 3)
        assert made.dtype is tocha.int16
    assert tocha.full_like(source, 4).tolist() == [[4, 4, 4]] * 2
    assert tocha.zeros_like(source, dtype=tocha.float64).dtype is tocha.float64


def test_new_factories_use_self_dtype() -> None:
    base = tocha.tensor([1, 2])
    assert base.new_zeros(2, 3).dtype is tocha.int64
    assert base.new_ones((2,)).tolist() == [1, 1]
    assert base.new_full((2,), 5).tolist() == [5, 5]
    assert base.new_empty(3).shape == (3,)
    assert tocha.ones(2).new_tensor([1, 2]).dtype is tocha.float32


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((5,), np.arange(5)),
        ((2, 7, 2), np.arange(2, 7, 2)),
        ((10, 0, -3), np.arange(10, 0, -3)),
        ((0, 1, 0.25), np.arange(0, 1, 0.25, dtype=np.float32)),
        ((0.1, 0.5, 0.1), np.array([0.1, 0.2, 0.3, 0.4], np.float32)),
    ],
)
def test_arange(args: tuple[float, ...], expected: np.ndarray) -> None:
    result = tocha.arange(*args)
    assert result.dtype is (tocha.int64 if expected.dtype.kind == "i" else tocha.float32)
    np.testing.assert_allclose(result.numpy(), expected, rtol=1e-6)


def test_arange_errors() -> None:
    with pytest.raises(RuntimeError, match="upper bound and lower bound inconsistent with step sign"):
        tocha.arange(0, 10, -1)
    with pytest.raises(RuntimeError, match="step must be nonzero"):
        tocha.arange(0, 10, 0)


def test_linspace_logspace_eye() -> None:
    np.testing.assert_allclose(tocha.linspace(0, 1, 5).numpy(), np.linspace(0, 1, 5), rtol=1e-6)
    assert tocha.linspace(-1, 1, 1).tolist() == [-1.0]
    assert tocha.linspace(0, 1, 0).shape == (0,)
    np.testing.assert_allclose(tocha.logspace(0, 2, 3).numpy(), [1, 10, 100])
    np.testing.assert_allclose(tocha.logspace(0, 3, 4, base=2).numpy(), [1, 2, 4, 8])
    np.testing.assert_array_equal(tocha.eye(2, 3).numpy(), np.eye(2, 3, dtype=np.float32))
    assert tocha.eye(3, dtype=tocha.int64).dtype is tocha.int64
    with pytest.raises(RuntimeError, match="n must be greater or equal to 0, got -1"):
        tocha.eye(-1)
    with pytest.raises(RuntimeError, match="number of steps must be non-negative"):
        tocha.linspace(0, 1, -2)


def test_bad_sizes() -> None:
    with pytest.raises(RuntimeError, match="negative dimension -1"):
        tocha.zeros(-1)
    with pytest.raises(TypeError, match="must be tuple of ints"):
        tocha.ones(2, "a")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="unexpected keyword argument 'foo'"):
        tocha.zeros(2, foo=1)  # type: ignore[call-arg]


def test_default_dtype_governs_floats() -> None:
    tocha.set_default_dtype(tocha.float64)
    try:
        assert tocha.tensor([1.0]).dtype is tocha.float64
        assert tocha.zeros(1).dtype is tocha.float64
        assert tocha.arange(0, 1, 0.5).dtype is tocha.float64
        assert tocha.tensor([1j]).dtype is tocha.complex128
    finally:
        tocha.set_default_dtype(tocha.float32)
    with pytest.raises(TypeError, match="only floating-point types"):
        tocha.set_default_dtype(tocha.int64)


def test_requires_grad_only_for_float_and_complex() -> None:
    with pytest.raises(RuntimeError, match="Only Tensors of floating point and complex dtype can require gradients"):
        tocha.zeros(2, dtype=tocha.int64, requires_grad=True)


def test_copy_broadcasts_and_converts() -> None:
    target = tocha.zeros(2, 3)
    target.copy_(tocha.tensor([1, 2, 3]))
    assert target.tolist() == [[1.0, 2.0, 3.0]] * 2
    with pytest.raises(RuntimeError, match=r"output with shape \[2\] doesn't match the broadcast shape \[2, 2\]"):
        tocha.zeros(2).copy_(tocha.ones(2, 2))


def test_clone_and_conversions() -> None:
    a = tocha.tensor([1.5, -2.5])
    b = a.clone()
    b.copy_(tocha.zeros(2))
    assert a.tolist() == [1.5, -2.5]
    assert a.int().tolist() == [1, -2]
    assert a.long().dtype is tocha.int64
    assert a.double().dtype is tocha.float64
    assert a.half().dtype is tocha.float16
    assert a.bfloat16().dtype is tocha.bfloat16
    assert a.bool().tolist() == [True, True]
    assert a.to(tocha.float64).dtype is tocha.float64
    assert a.to("cpu") is a
    assert a.to(a) is a
    assert a.to(tocha.float32, copy=True) is not a
    assert a.type() == "tocha.FloatTensor"
    assert a.type_as(tocha.zeros(1, dtype=tocha.int16)).dtype is tocha.int16


def test_against_torch() -> None:
    torch = pytest.importorskip("torch")
    for args in [(5,), (1, 4, 0.3), (-2.0, 2.0, 0.5), (0, 10, 3)]:
        ours, theirs = tocha.arange(*args), torch.arange(*args)
        assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    for steps in (0, 1, 2, 7):
        np.testing.assert_allclose(
            tocha.linspace(-3, 5, steps).numpy(), torch.linspace(-3, 5, steps).numpy(), rtol=1e-6
        )


def test_numpy_scalars_keep_their_dtype() -> None:
    assert tocha.tensor(np.float64(2.0)).dtype is tocha.float64
    assert tocha.tensor(np.int32(2)).dtype is tocha.int32
    assert tocha.tensor(np.float64(2.0)).shape == ()
    assert tocha.tensor([np.float32(1), 2.0]).dtype is tocha.float32


# ------------------------------------------------------------------ review fixes: zeros/ones, silent overflowing casts


@pytest.mark.parametrize(
    "dtype", [tocha.float32, tocha.bfloat16, tocha.float16, tocha.int8, tocha.bool, tocha.complex64]
)
def test_zeros_ones_every_dtype(dtype: Any) -> None:
    z = tocha.zeros(2, 3, dtype=dtype)
    o = tocha.ones((3,), dtype=dtype)
    assert z.dtype is dtype
    assert o.dtype is dtype
    assert z.shape == (2, 3)
    assert o.shape == (3,)
    assert z.tolist() == [[0, 0, 0], [0, 0, 0]]  # 0 == 0.0 == False == 0j: every dtype's zero
    assert o.tolist() == [1, 1, 1]
    assert tocha.zeros(0, dtype=dtype).numel() == 0
    assert tocha.ones((), dtype=dtype).dim() == 0


def test_zeros_ones_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    for fn in ("zeros", "ones"):
        for dtype in ("float32", "bfloat16", "int64", "bool", "complex128"):
            got = getattr(tocha, fn)(2, dtype=getattr(tocha, dtype))
            want = getattr(torch, fn)(2, dtype=getattr(torch, dtype))
            assert str(want.dtype) == f"torch.{got.dtype.name}"
            assert got.tolist() == want.tolist()


def test_zeros_ones_are_full_to_dispatch_layers() -> None:
    seen = []

    class Log(tocha.library.DispatchLayer):
        def handle(self, call: Any, proceed: Any) -> Any:
            seen.append((call.op.name, call.params[1]))
            return proceed(call)

    with Log():
        tocha.zeros(2)
        tocha.ones(2)
        tocha.full((2,), 7.0)
    assert seen == [("full", 0), ("full", 1), ("full", 7.0)]


def test_overflowing_conversions_give_inf_silently() -> None:
    # Warnings are errors under pytest: NumPy's "overflow encountered in cast" would fail these.
    f16 = tocha.float16
    assert tocha.tensor([1e5], dtype=f16).tolist() == [math.inf]
    assert tocha.tensor(np.array([1e5]), dtype=f16).tolist() == [math.inf]
    assert tocha.tensor(tocha.tensor([-1e5]), dtype=f16).tolist() == [-math.inf]
    # full() writes a number, which must fit (NOTE [ Scalar overflow ]), as in PyTorch
    with pytest.raises(RuntimeError, match=r"^value cannot be converted to type c10::Half without overflow$"):
        tocha.full((2,), 1e5, dtype=f16)
    assert tocha.arange(0, 1e5, 5e4, dtype=f16).tolist() == [0.0, 49984.0]  # 5e4 rounds to 49984 in float16
    assert tocha.logspace(0, 10, 2, dtype=f16).tolist() == [1.0, math.inf]


def test_overflowing_creation_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    f16, t16 = tocha.float16, torch.float16
    assert tocha.tensor([1e5], dtype=f16).tolist() == torch.tensor([1e5], dtype=t16).tolist()
    assert tocha.arange(0, 1e5, 5e4, dtype=f16).tolist() == torch.arange(0, 1e5, 5e4, dtype=t16).tolist()
    assert tocha.logspace(0, 10, 2, dtype=f16).tolist() == torch.logspace(0, 10, 2, dtype=t16).tolist()


@pytest.mark.parametrize(
    ("data", "dtype", "expected"),
    [
        ([300], "int8", "value cannot be converted to type int8 without overflow"),
        ([-256], "uint8", "value cannot be converted to type uint8 without overflow"),
        ([1.5, -1.5], "uint8", "value cannot be converted to type uint8 without overflow"),
        ([math.nan], "int64", "value cannot be converted to type int64 without overflow"),
        ([3.7e10], "int32", "value cannot be converted to type int32 without overflow"),
        (300, "int8", "value cannot be converted to type int8 without overflow"),
        ([-1, 255], "uint8", [255, 255]),
        ([1.7, -2.7], "int8", [1, -2]),
        ([2**64 - 1, 0], "uint64", [2**64 - 1, 0]),
        ([1e40], "float32", [math.inf]),
    ],
)
def test_tensor_checks_numbers_against_an_explicit_dtype_as_pytorch(data: Any, dtype: str, expected: Any) -> None:
    if isinstance(expected, str):
        with pytest.raises(RuntimeError, match=f"^{expected}$"):
            tocha.tensor(data, dtype=getattr(tocha, dtype))
    else:
        assert tocha.tensor(data, dtype=getattr(tocha, dtype)).tolist() == expected


def test_tensor_refuses_what_it_cannot_infer_and_takes_ranges() -> None:
    with pytest.raises(TypeError, match="must be real number, not complex"):
        tocha.tensor([1j], dtype=tocha.float32)
    with pytest.raises(TypeError, match="'complex' object cannot be interpreted as an integer"):
        tocha.tensor([1 + 1j], dtype=tocha.int32)
    with pytest.raises(RuntimeError, match=r"^Could not infer dtype of NoneType$"):
        tocha.tensor([[1], [None]])
    with pytest.raises(TypeError, match="invalid data type 'str'"):
        tocha.tensor([1, "a"])
    with pytest.raises(OverflowError, match="int too big to convert"):
        tocha.tensor([2**64], dtype=tocha.uint64)
    assert tocha.tensor(range(3)).tolist() == [0, 1, 2]
    assert tocha.tensor(range(3)).dtype is tocha.int64


def test_arange_of_an_infinite_range_and_complex_linspace_as_pytorch() -> None:
    with pytest.raises(RuntimeError, match=r"^unsupported range: 0 -> inf$"):
        tocha.arange(0, math.inf)
    with pytest.raises(RuntimeError, match="unsupported range: 0 -> nan"):
        tocha.arange(0, math.nan)
    assert tocha.linspace(1 + 1j, 2, 3).tolist() == [1 + 1j, 1.5 + 0.5j, 2 + 0j]
    assert tocha.linspace(1 + 1j, 2, 3).dtype is tocha.complex64
    assert tocha.linspace(0, 1j, 2, dtype=tocha.complex128).tolist() == [0j, 1j]
    with pytest.raises(RuntimeError, match="inferred dtype complex64 can't be safely cast to passed dtype float32"):
        tocha.linspace(1j, 2, 3, dtype=tocha.float32)
    torch = pytest.importorskip("torch")
    np.testing.assert_allclose(tocha.logspace(0, 1j, 4).numpy(), torch.logspace(0, 1j, 4).numpy(), rtol=1e-6)
