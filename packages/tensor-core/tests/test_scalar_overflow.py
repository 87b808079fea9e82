"""Numbers written into tensors must fit their dtype, as in PyTorch (NOTE [ Scalar overflow ])."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tocha
from tocha.library import check_scalar_fits


@pytest.mark.parametrize(
    ("value", "dtype", "expected"),
    [
        (127, "int8", 127), (-128, "int8", -128), (-1, "uint8", 255), (-255, "uint8", 1), (255, "uint8", 255),
        (1.5, "int8", 1.5), (2**63 - 1, "int64", 2**63 - 1), (2**64 - 1, "uint64", 2**64 - 1),
        (65504.0, "float16", 65504.0), (math.inf, "float16", math.inf), (1e300, "float64", 1e300),
        (3e38, "float32", 3e38), (math.nan, "float32", math.nan), (2 + 0j, "int32", 2 + 0j), (1j, "complex64", 1j),
        (1e300, "bool", 1e300), (1j, "bool", 1j),
    ],
)  # fmt: skip
def test_numbers_that_fit(value: Any, dtype: str, expected: Any) -> None:
    got = check_scalar_fits(value, getattr(tocha, dtype))
    assert got == expected or (math.isnan(got) and math.isnan(expected))


@pytest.mark.parametrize(
    ("value", "dtype", "c_name"),
    [
        (128, "int8", "int8_t"), (-129, "int8", "int8_t"), (256, "uint8", "uint8_t"), (-256, "uint8", "uint8_t"),
        (math.nan, "int32", "int"), (math.inf, "int64", "int64_t"), (2**63, "int64", "int64_t"),
        (1j, "float32", "float"), (1e39, "float32", "float"), (65520.0, "float16", "c10::Half"),
        (1e39, "bfloat16", "c10::BFloat16"), (1j, "float64", "double"), (1e39 + 0j, "complex64", "c10::complex<float>"),
    ],
)  # fmt: skip
def test_numbers_that_do_not_fit(value: Any, dtype: str, c_name: str) -> None:
    with pytest.raises(RuntimeError, match=rf"^value cannot be converted to type {c_name} without overflow$"):
        check_scalar_fits(value, getattr(tocha, dtype))


def test_integers_past_64_bits_and_the_half_and_unsigned_options() -> None:
    with pytest.raises(OverflowError, match="int too big to convert"):
        check_scalar_fits(2**64, tocha.float64)
    with pytest.raises(OverflowError, match="can't convert negative int to unsigned"):
        check_scalar_fits(-(2**63) - 1, tocha.float64)
    assert check_scalar_fits(1e5, tocha.float16, half_range=False) == 1e5
    with pytest.raises(RuntimeError, match="uint8_t"):
        check_scalar_fits(-1, tocha.uint8, wrap_unsigned=False)
    assert check_scalar_fits(tocha.tensor(300), tocha.int8) is not None  # tensors are not numbers: no check


def test_the_ops_that_write_numbers_refuse_overflow() -> None:
    x = tocha.tensor([1, 2, 3], dtype=tocha.uint8)
    for write in (
        lambda: x.masked_fill(x > 0, 300),
        lambda: x.clone().fill_(300),
        lambda: tocha.full((2,), 300, dtype=tocha.uint8),
        lambda: tocha.full_like(x, 300),
        lambda: x.new_full((2,), 300),
        lambda: x.index_fill(0, tocha.tensor([0]), 300),
        lambda: x.scatter(0, tocha.tensor([0]), 300),
        lambda: tocha.where(x > 1, x, 300),
        lambda: tocha.clamp(x, min=300),
        lambda: tocha.add(x, x, alpha=300),
        lambda: tocha.addcmul(x, x, x, value=300),
        lambda: x.clone().__setitem__(0, 300),
    ):
        with pytest.raises(RuntimeError, match="value cannot be converted to type uint8_t without overflow"):
            write()
    assert x.masked_fill(x > 1, -1).tolist() == [1, 255, 255]  # a negative number wraps, as in PyTorch
    assert tocha.full((2,), -1, dtype=tocha.uint8).tolist() == [255, 255]
    assert x.tolist() == [1, 2, 3]


def test_alpha_is_checked_as_pytorch_checks_it() -> None:
    x = tocha.ones(2, dtype=tocha.int8)
    with pytest.raises(RuntimeError, match="Boolean alpha only supported for Boolean results"):
        tocha.add(x, x, alpha=True)
    with pytest.raises(RuntimeError, match="argument alpha must not be a floating point number"):
        tocha.add(x, x, alpha=1.0)
    with pytest.raises(RuntimeError, match="argument alpha must not be a complex number"):
        tocha.add(x.float(), x.float(), alpha=1j)
    assert tocha.add(x.bool(), x.bool(), alpha=True).tolist() == [True, True]
    assert tocha.add(x, x).tolist() == [2, 2]


def test_lerp_and_clamp_refuse_complex_numbers_for_real_tensors() -> None:
    x = tocha.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"value cannot be converted to type float without overflow"):
        tocha.lerp(x, x, 1j)
    with pytest.raises(RuntimeError, match=r"value cannot be converted"):
        tocha.clamp(x, min=2 + 1j)
    with pytest.raises(NotImplementedError, match="clamp is not supported for complex types"):
        tocha.clamp(x.int(), min=2 + 1j)
    with pytest.raises(NotImplementedError, match="clamp is not supported for complex types"):
        tocha.clamp(x, min=tocha.tensor([1 + 1j]))


def test_clamp_of_bool_tensors_by_one_tensor_bound() -> None:
    b = tocha.tensor([True, False])
    assert tocha.clamp(b, min=tocha.tensor([False, True])).tolist() == [True, True]
    assert tocha.clamp(b, max=tocha.tensor([False, True])).tolist() == [False, False]
    with pytest.raises(NotImplementedError, match="not implemented for 'Bool'"):
        tocha.clamp(b, min=True)
    with pytest.raises(NotImplementedError, match="not implemented for 'Bool'"):
        tocha.clamp(b, min=b, max=b)


_WRITERS: dict[str, Callable[[Any, Any, Any], Any]] = {
    "fill_": lambda lib, x, v: x.fill_(v),
    "full": lambda lib, x, v: lib.full((2,), v, dtype=x.dtype),
    "full_like": lambda lib, x, v: lib.full_like(x, v),
    "new_full": lambda lib, x, v: x.new_full((2,), v),
    "masked_fill": lambda lib, x, v: x.masked_fill(x > -100, v),
    "index_fill": lambda lib, x, v: x.index_fill(0, lib.tensor([0]), v),
    "setitem": lambda lib, x, v: x.__setitem__(0, v),
    "scatter": lambda lib, x, v: x.scatter(0, lib.tensor([0]), v),
    "where": lambda lib, x, v: lib.where(x > 0, x, v),
    "clamp": lambda lib, x, v: lib.clamp(x, min=v),
    "clamp_": lambda lib, x, v: x.clamp_(min=v),
    "add_alpha": lambda lib, x, v: lib.add(x, x, alpha=v),
    "addcmul": lambda lib, x, v: lib.addcmul(x, x, x, value=v),
    "lerp": lambda lib, x, v: lib.lerp(x, x, v),
    "scalar_tensor": lambda lib, x, v: lib.scalar_tensor(v, dtype=x.dtype),
}
_CASES = [
    ("int8", [300, -129, -1, 1.5, math.nan, 1j]), ("uint8", [300, -129, -256, -1]), ("int64", [2**63]),
    ("float16", [1e5, 1e300, 1j]), ("bfloat16", [1e300]), ("float32", [1e300, 1j]), ("float64", [2**63]),
]  # fmt: skip


# PyTorch's indexed assignment unpacks any Python int as int64, so 2**63 fails there even for float64; tocha writes it
_PYTORCH_LIMITS = {("setitem", "float64", 2**63)}


@pytest.mark.parametrize("op", list(_WRITERS))
def test_writes_refuse_and_accept_what_pytorch_does(op: str) -> None:
    torch = pytest.importorskip("torch")
    write = _WRITERS[op]
    for dtype, values in _CASES:
        if op == "lerp" and not dtype.startswith(("float", "bfloat")):
            continue
        for value in values:
            if (op, dtype, value) in _PYTORCH_LIMITS:
                continue

            def run(lib: Any) -> Any:
                x = lib.tensor([1, 2, 3]).to(getattr(lib, dtype))
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    try:
                        result = write(lib, x, value)
                    except (RuntimeError, TypeError, ValueError, OverflowError, NotImplementedError) as error:
                        return type(error), "without overflow" in str(error)
                return x if result is None else result

            theirs, ours = run(torch), run(tocha)
            label = f"{op}({dtype}, {value!r})"
            if isinstance(theirs, tuple):
                assert isinstance(ours, tuple), f"{label}: PyTorch raises {theirs[0].__name__}, tocha does not"
                if theirs[1]:
                    assert ours == theirs, label
                continue
            assert not isinstance(ours, tuple), f"{label}: tocha raises {ours[0].__name__}, PyTorch does not"
            np.testing.assert_array_equal(
                ours.to(tocha.complex128).numpy(), theirs.to(torch.complex128).numpy(), err_msg=label
            )
