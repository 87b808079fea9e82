"""dtypes: promotion, result_type, can_cast, finfo/iinfo, default dtype."""

from __future__ import annotations

import itertools
import pickle

import numpy as np
import pytest

import tocha
from tocha._dtype import ALL_DTYPES

NAMES = [d.name for d in ALL_DTYPES]


def _torch_dtype(torch, d):
    return getattr(torch, d.name)


def _sample(lib, name, zero_dim):
    d = getattr(lib, name)
    shape = () if zero_dim else (2,)
    return lib.ones(shape, dtype=d)


SCALARS = [True, 2, 2.5, 1 + 2j]


def test_dtype_basics():
    assert tocha.float32.is_floating_point
    assert not tocha.int32.is_floating_point
    assert tocha.complex64.is_complex
    assert tocha.complex64.to_real() is tocha.float32
    assert tocha.float64.to_complex() is tocha.complex128
    assert repr(tocha.bfloat16) == "tocha.bfloat16"
    assert tocha.float is tocha.float32
    assert tocha.long is tocha.int64
    assert tocha.half is tocha.float16
    assert tocha.cdouble is tocha.complex128
    assert tocha.double is tocha.float64
    assert tocha.short is tocha.int16
    for d in ALL_DTYPES:
        assert pickle.loads(pickle.dumps(d)) is d
        assert d.itemsize == np.dtype(d.numpy_dtype).itemsize


def test_promote_types_examples():
    assert tocha.promote_types(tocha.uint8, tocha.int8) is tocha.int16
    assert tocha.promote_types(tocha.float16, tocha.bfloat16) is tocha.float32
    assert tocha.promote_types(tocha.float64, tocha.complex64) is tocha.complex128
    assert tocha.promote_types(tocha.bool, tocha.uint8) is tocha.uint8
    with pytest.raises(TypeError, match="promote_types"):
        tocha.promote_types(tocha.float32, "float64")


def test_promote_types_vs_torch():
    torch = pytest.importorskip("torch")
    for a, b in itertools.product(ALL_DTYPES, repeat=2):
        expected = torch.promote_types(_torch_dtype(torch, a), _torch_dtype(torch, b))
        assert tocha.promote_types(a, b).name == str(expected).split(".")[1], (a, b)


def test_can_cast_vs_torch():
    torch = pytest.importorskip("torch")
    for a, b in itertools.product(ALL_DTYPES, repeat=2):
        assert tocha.can_cast(a, b) == torch.can_cast(_torch_dtype(torch, a), _torch_dtype(torch, b)), (a, b)


def _participants(lib):
    out = []
    for name in NAMES:
        out.append((f"{name}[2]", _sample(lib, name, False)))
        out.append((f"{name}[]", _sample(lib, name, True)))
    out.extend((repr(s), s) for s in SCALARS)
    return out


@pytest.mark.parametrize("default", ["float32", "float64"])
def test_result_type_vs_torch(default):
    torch = pytest.importorskip("torch")
    ours, theirs = _participants(tocha), _participants(torch)
    old = torch.get_default_dtype()
    torch.set_default_dtype(getattr(torch, default))
    tocha.set_default_dtype(getattr(tocha, default))
    try:
        for (label_a, a), (_, ta) in zip(ours, theirs):
            for (label_b, b), (_, tb) in zip(ours, theirs):
                # tocha has no complex32 (NumPy lacks it): float16 meeting complex gives complex64.
                expected = str(torch.result_type(ta, tb)).split(".")[1].replace("complex32", "complex64")
                assert tocha.result_type(a, b).name == expected, (label_a, label_b)
    finally:
        torch.set_default_dtype(old)
        tocha.set_default_dtype(tocha.float32)


def test_result_type_examples_and_errors():
    assert tocha.result_type(tocha.ones(2, dtype=tocha.int32), 2.5) is tocha.float32
    assert tocha.result_type(2, 3) is tocha.int64
    assert tocha.result_type(2, 2.5) is tocha.float32
    assert tocha.result_type(tocha.ones(2, dtype=tocha.float16), 1 + 1j) is tocha.complex64  # torch: complex32
    assert tocha.result_type(tocha.ones(2, dtype=tocha.int8), tocha.tensor(1000)) is tocha.int8
    assert tocha.result_type(tocha.ones(2, dtype=tocha.int8), tocha.tensor(1.0, dtype=tocha.float64)) is tocha.float64
    assert tocha.result_type(tocha.ones(2, dtype=tocha.uint8), np.float64(1.0)) is tocha.float32
    with pytest.raises(TypeError, match="result_type"):
        tocha.result_type(2, "a")
    with pytest.raises(TypeError, match="result_type"):
        tocha.result_type(tocha.ones(1), [1])


def test_finfo_vs_numpy():
    info = tocha.finfo(tocha.float32)
    assert info.bits == 32
    assert info.eps == float(np.finfo(np.float32).eps)
    assert info.max == float(np.finfo(np.float32).max)
    assert info.min == -info.max
    assert info.tiny == info.smallest_normal == float(np.finfo(np.float32).tiny)
    assert info.resolution == 1e-06
    assert info.dtype == "float32"
    assert tocha.finfo() == tocha.finfo(tocha.float32)
    assert tocha.finfo(tocha.complex128).dtype == "float64"
    assert tocha.finfo(tocha.bfloat16).eps == 0.0078125
    with pytest.raises(TypeError, match="requires a floating point input type"):
        tocha.finfo(tocha.int32)
    with pytest.raises(TypeError, match=r"must be tocha\.dtype"):
        tocha.finfo("float32")


def test_iinfo_vs_numpy():
    for d in (tocha.uint8, tocha.int8, tocha.int16, tocha.int32, tocha.int64):
        info = tocha.iinfo(d)
        np_info = np.iinfo(d.numpy_dtype)
        assert (info.bits, info.max, info.min, info.dtype) == (np_info.bits, np_info.max, np_info.min, d.name)
        assert isinstance(info.max, int)
    with pytest.raises(TypeError, match=r"tocha\.bool is not supported by tocha\.iinfo"):
        tocha.iinfo(tocha.bool)
    with pytest.raises(TypeError, match="requires an integer input type"):
        tocha.iinfo(tocha.float32)


def test_finfo_iinfo_vs_torch():
    torch = pytest.importorskip("torch")
    for d in (tocha.float16, tocha.bfloat16, tocha.float32, tocha.float64, tocha.complex64, tocha.complex128):
        ours, theirs = tocha.finfo(d), torch.finfo(_torch_dtype(torch, d))
        for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
            assert getattr(ours, field) == getattr(theirs, field), (d, field)
        assert repr(ours) == repr(theirs)
    for d in (tocha.uint8, tocha.int8, tocha.int16, tocha.int32, tocha.int64):
        ours, theirs = tocha.iinfo(d), torch.iinfo(_torch_dtype(torch, d))
        assert (ours.bits, ours.max, ours.min, ours.dtype) == (theirs.bits, theirs.max, theirs.min, theirs.dtype)
        assert repr(ours) == repr(theirs)


@pytest.fixture
def float64_default():
    tocha.set_default_dtype(tocha.float64)
    yield
    tocha.set_default_dtype(tocha.float32)


def test_default_dtype_effects(float64_default):
    assert tocha.get_default_dtype() is tocha.float64
    assert tocha.tensor([1.0]).dtype is tocha.float64
    assert tocha.tensor([1j]).dtype is tocha.complex128
    assert tocha.tensor([1]).dtype is tocha.int64
    assert tocha.arange(0, 1, 0.5).dtype is tocha.float64
    assert tocha.arange(3).dtype is tocha.int64
    assert tocha.zeros(2).dtype is tocha.float64
    assert tocha.result_type(tocha.arange(2), 1.5) is tocha.float64
    assert repr(tocha.tensor([1.5])) == "tensor([1.5000])"
    assert repr(tocha.tensor([1.5], dtype=tocha.float32)) == "tensor([1.5000], dtype=tocha.float32)"
    assert repr(tocha.tensor([1j])) == "tensor([0.+1.j])"


def test_default_dtype_float32():
    assert tocha.get_default_dtype() is tocha.float32
    assert tocha.tensor([1j]).dtype is tocha.complex64
    assert tocha.tensor([1.0]).dtype is tocha.float32


def test_int_int_division_gives_default_float(float64_default):
    if not hasattr(tocha, "div"):
        pytest.skip("div is not implemented yet")
    assert tocha.div(tocha.tensor([1, 2]), tocha.tensor([2, 2])).dtype is tocha.float64
    assert (tocha.tensor([1, 2]) / 2).dtype is tocha.float64


def test_set_default_dtype_errors():
    with pytest.raises(TypeError, match="only floating-point types"):
        tocha.set_default_dtype(tocha.int64)
    with pytest.raises(TypeError, match="only floating-point types"):
        tocha.set_default_dtype(tocha.complex64)
    assert tocha.get_default_dtype() is tocha.float32


def test_set_default_dtype_half_vs_torch():
    torch = pytest.importorskip("torch")
    old = torch.get_default_dtype()
    try:
        for name in ("float16", "bfloat16"):
            torch.set_default_dtype(getattr(torch, name))
            tocha.set_default_dtype(getattr(tocha, name))
            assert tocha.tensor([1.0]).dtype.name == str(torch.tensor([1.0]).dtype).split(".")[1]
            assert tocha.arange(0, 1, 0.5).dtype.name == name
        # torch gives complex32 (float16 default) or refuses (bfloat16); tocha, without complex32, gives complex64.
        assert tocha.tensor([1j]).dtype is tocha.complex64
    finally:
        torch.set_default_dtype(old)
        tocha.set_default_dtype(tocha.float32)


def test_default_dtype_is_thread_local_like_torch():
    import threading

    seen = []
    tocha.set_default_dtype(tocha.float64)
    try:
        t = threading.Thread(target=lambda: seen.append(tocha.get_default_dtype()))
        t.start()
        t.join()
    finally:
        tocha.set_default_dtype(tocha.float32)
    assert seen == [tocha.float32] or seen == [tocha.float64]


def test_predicates():
    assert tocha.is_tensor(tocha.ones(1))
    assert not tocha.is_tensor(np.ones(1))
    assert tocha.is_floating_point(tocha.ones(1, dtype=tocha.bfloat16))
    assert not tocha.is_floating_point(tocha.ones(1, dtype=tocha.complex64))
    assert tocha.is_complex(tocha.ones(1, dtype=tocha.complex64))
    assert tocha.numel(tocha.zeros(2, 0)) == 0
    assert tocha.numel(tocha.tensor(3)) == 1
    assert tocha.is_nonzero(tocha.tensor([1]))
    assert not tocha.is_nonzero(tocha.tensor(0.0))
    with pytest.raises(
        TypeError, match=r"is_floating_point\(\): argument 'input' \(position 1\) must be Tensor, not int"
    ):
        tocha.is_floating_point(3)
    with pytest.raises(TypeError, match=r"numel\(\): argument 'input'"):
        tocha.numel([1])
    with pytest.raises(RuntimeError, match="more than one value is ambiguous"):
        tocha.is_nonzero(tocha.ones(2))
    with pytest.raises(RuntimeError, match="no values is ambiguous"):
        tocha.is_nonzero(tocha.ones(0))


def test_typename():
    assert tocha.typename(tocha.ones(1)) == "tocha.FloatTensor"
    assert tocha.typename(tocha.ones(1, dtype=tocha.int64)) == "tocha.LongTensor"
    assert tocha.typename(3) == "int"
    assert tocha.typename(int) == "int"
    assert tocha.typename(tocha.Tensor) == "tocha.Tensor"
    assert tocha.typename(np.ones(1)) == "numpy.ndarray"


def test_typename_vs_torch():
    torch = pytest.importorskip("torch")
    for d in ALL_DTYPES:
        ours = tocha.typename(tocha.ones(1, dtype=d))
        theirs = torch.typename(torch.ones(1, dtype=_torch_dtype(torch, d)))
        assert ours == theirs.replace("torch.", "tocha."), d
