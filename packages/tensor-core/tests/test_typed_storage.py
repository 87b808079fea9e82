"""Tensor.storage(), tocha.TypedStorage and the legacy storage types (NOTE [ Typed storages ])."""

from __future__ import annotations

import pickle
import warnings
from typing import Any

import numpy as np
import pytest

import tocha

pytestmark = pytest.mark.filterwarnings("ignore:TypedStorage is deprecated:UserWarning")


def test_storage_warns_as_pytorch_and_shares_the_tensor_memory() -> None:
    x = tocha.arange(6.0).reshape(2, 3)[1:]
    with pytest.warns(UserWarning, match="TypedStorage is deprecated"):
        s = x.storage()
    assert isinstance(s, tocha.TypedStorage)
    assert (s.dtype, s.size(), len(s), s.element_size(), s.nbytes()) == (tocha.float32, 6, 6, 4, 24)
    assert s.data_ptr() == x.untyped_storage().data_ptr()
    assert s.untyped().nbytes() == 24
    assert s.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    s[3] = 42.0
    assert x.tolist() == [[42.0, 4.0, 5.0]]
    assert s[-3] == 42.0
    s.fill_(7)
    assert x.tolist() == [[7.0, 7.0, 7.0]]
    assert (
        repr(tocha.tensor([1, 2]).storage()) == " 1\n 2\n[tocha.TypedStorage(dtype=tocha.int64, device=cpu) of size 2]"
    )


def test_storage_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    for dtype in ("float32", "float64", "int16", "bool", "complex64", "bfloat16"):
        data = np.arange(12).reshape(3, 4) % 3
        ours = tocha.tensor(data).to(getattr(tocha, dtype))[1:, ::2]
        theirs = torch.tensor(data).to(getattr(torch, dtype))[1:, ::2]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a, b = ours.storage(), theirs.storage()
        assert (a.size(), a.element_size(), a.nbytes()) == (b.size(), b.element_size(), b.nbytes()), dtype
        assert a.tolist() == b.tolist(), dtype
        assert a.type().removeprefix("tocha.") == b.type().removeprefix("torch."), dtype
        assert a.pickle_storage_type() == b.pickle_storage_type(), dtype
        assert ours.storage_type().__name__ == theirs.storage_type().__name__, dtype


def test_typed_storage_constructors_and_legacy_types() -> None:
    assert tocha.TypedStorage(4, dtype=tocha.float64).size() == 4
    assert tocha.TypedStorage([1, 2, 3]).dtype is tocha.get_default_dtype()
    assert tocha.TypedStorage([1, 2, 3], dtype=tocha.int64).tolist() == [1, 2, 3]
    assert tocha.TypedStorage().size() == 0
    wrapped = tocha.TypedStorage(wrap_storage=tocha.UntypedStorage([0, 0, 128, 63]), dtype=tocha.float32)
    assert wrapped.tolist() == [1.0]
    floats = tocha.FloatStorage([1.5, 2.0])
    assert type(floats) is tocha.FloatStorage
    assert (floats.dtype, floats.tolist()) == (tocha.float32, [1.5, 2.0])
    assert tocha.BFloat16Storage([1.5]).tolist() == [1.5]
    assert tocha.LongStorage(3).dtype is tocha.int64
    assert isinstance(floats, tocha.TypedStorage)
    assert isinstance(tocha.ones(2).storage(), tocha.FloatStorage)
    assert not isinstance(tocha.ones(2).storage(), tocha.DoubleStorage)
    assert not isinstance(floats, tocha.DoubleStorage)
    assert tocha.ones(2, dtype=tocha.int8).storage_type() is tocha.CharStorage
    with pytest.raises(RuntimeError, match=r"the dtype is tocha\.float32, got dtype=tocha\.float64"):
        tocha.FloatStorage(2, dtype=tocha.float64)
    with pytest.raises(TypeError, match="expected a size"):
        tocha.TypedStorage("3")


def test_typed_storage_conversions_copies_and_errors() -> None:
    s = tocha.tensor([1.5, -2.0]).storage()
    assert s.double().dtype is tocha.float64
    assert s.long().tolist() == [1, -2]
    assert s.float() is s
    assert s.type(tocha.DoubleStorage).tolist() == [1.5, -2.0]
    assert s.type("tocha.IntStorage").dtype is tocha.int32
    target = tocha.LongStorage(2)
    assert target.copy_(s).tolist() == [1, -2]
    clone = s.clone()
    clone[0] = 9.0
    assert s[0] == 1.5
    with pytest.raises(RuntimeError, match=r"slices are only supported in UntypedStorage\.__getitem__"):
        s[0:1]
    with pytest.raises(IndexError, match="index 2 out of range for storage of size 2"):
        s[2]
    with pytest.raises(RuntimeError, match="size does not match"):
        tocha.FloatStorage(3).copy_(s)
    with pytest.raises(RuntimeError, match="Trying to resize storage that is not resizable"):
        s.resize_(5)
    restored: Any = pickle.loads(pickle.dumps(s))
    assert (restored.dtype, restored.tolist()) == (tocha.float32, [1.5, -2.0])


def test_set_takes_a_typed_storage() -> None:
    x = tocha.arange(4.0)
    view = tocha.tensor([]).set_(x.storage(), 1, (2,))
    assert view.tolist() == [1.0, 2.0]
    view[0] = 10.0
    assert x[1].item() == 10.0
    with pytest.raises(
        RuntimeError, match="Expected a Storage of type double or an UntypedStorage, but got type Float"
    ):
        tocha.tensor([], dtype=tocha.float64).set_(x.storage())


@pytest.mark.gpu
def test_storage_of_a_cuda_tensor() -> None:
    if not tocha.cuda.is_available():
        pytest.skip("needs CUDA")
    x = tocha.arange(3.0, device="cuda")
    s = x.storage()
    assert s.is_cuda
    assert s.type() == "tocha.cuda.FloatStorage"
    assert s.tolist() == [0.0, 1.0, 2.0]
    assert s[2] == 2.0
    assert s.cpu().tolist() == [0.0, 1.0, 2.0]
    assert not isinstance(s, tocha.FloatStorage)  # the legacy types are the CPU's
    host = tocha.FloatStorage([4.0, 5.0, 6.0])
    s.copy_(host)
    assert x.tolist() == [4.0, 5.0, 6.0]
