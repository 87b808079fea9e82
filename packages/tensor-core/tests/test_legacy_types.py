"""The legacy tensor types (NOTE [ Legacy tensor types ]): tocha.FloatTensor & co. against PyTorch's."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import tocha
from tocha._ops.legacy_types import LEGACY_DTYPES

NAMES = list(LEGACY_DTYPES)


def _torch() -> Any:
    return pytest.importorskip("torch")


@pytest.mark.parametrize("name", NAMES)
def test_constructors_match_torch(name: str) -> None:
    torch = _torch()
    ours, theirs = getattr(tocha, name), getattr(torch, name)
    for args in [(2, 3), (tocha.Size([4]),), (), ([1, 0, 1],), ([[1, 2], [3, 4]],), ((1, 0),)]:
        targs = tuple(torch.Size(a) if isinstance(a, tocha.Size) else a for a in args)
        made, expected = ours(*args), theirs(*targs)
        assert tuple(made.shape) == tuple(expected.shape), (name, args)
        assert str(made.dtype).split(".")[1] == str(expected.dtype).split(".")[1]
        if args and not isinstance(args[0], (int, tocha.Size)):
            np.testing.assert_array_equal(made.float().numpy(), expected.float().numpy())
    np.testing.assert_array_equal(ours(np.array([1, 0])).float().numpy(), [1.0, 0.0])


def test_a_tensor_of_the_same_type_is_aliased_and_others_are_refused() -> None:
    torch = _torch()
    x = tocha.ones(3)
    alias = tocha.FloatTensor(x)
    assert alias is not x
    assert alias.data_ptr() == x.data_ptr()
    for bad in (tocha.ones(2, dtype=tocha.float64), 2.5, "x"):
        with pytest.raises(TypeError):
            tocha.FloatTensor(bad)
        with pytest.raises(TypeError):
            torch.FloatTensor(torch.ones(2, dtype=torch.float64) if isinstance(bad, tocha.Tensor) else bad)
    with pytest.raises(TypeError, match=r"new\(\): data must be a sequence \(got float\)"):
        tocha.FloatTensor(2.5)
    with pytest.raises(TypeError, match=r"new\(\): invalid data type 'str'"):
        tocha.LongTensor("x")
    with pytest.raises(TypeError, match=r"expected sizes \(ints\) or one sequence of data, got \(list, int\)"):
        tocha.FloatTensor([1, 2], 3)
    with pytest.raises(
        RuntimeError, match="legacy constructor expects device type: cpu but device type: cuda was passed"
    ):
        tocha.FloatTensor(2, device="cuda")
    assert tocha.FloatTensor(2, device="cpu").shape == (2,)


@pytest.mark.parametrize("name", NAMES)
def test_isinstance_and_conversions_match_torch(name: str) -> None:
    torch = _torch()
    ours, theirs = getattr(tocha, name), getattr(torch, name)
    for d in LEGACY_DTYPES.values():
        t_d = getattr(torch, str(d).split(".")[1])
        assert isinstance(tocha.ones(2, dtype=d), ours) == isinstance(torch.ones(2, dtype=t_d), theirs), (name, d)
    x, tx = tocha.tensor([0.0, 1.5, 2.0]), torch.tensor([0.0, 1.5, 2.0])
    for target, expected in ((ours, tx.type(theirs)), (f"torch.{name}", tx.type(f"torch.{name}"))):
        converted = x.type(target)
        assert isinstance(converted, ours)
        np.testing.assert_array_equal(converted.float().numpy(), expected.float().numpy())
    same = x.type(tocha.FloatTensor)
    assert same is x


def test_types_are_not_tensor_classes_and_print_as_pytorch() -> None:
    torch = _torch()
    assert repr(tocha.FloatTensor) == repr(torch.FloatTensor).replace("torch", "tocha")
    assert repr(tocha.cuda.LongTensor) == repr(torch.cuda.LongTensor).replace("torch", "tocha")
    assert isinstance(tocha.FloatTensor, type)
    assert not issubclass(tocha.FloatTensor, tocha.Tensor)
    assert tocha.FloatTensor.dtype is tocha.float32
    assert tocha.ones(2).type() == "tocha.FloatTensor"


def test_default_tensor_type_takes_the_types() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        tocha.set_default_tensor_type(tocha.DoubleTensor)
        try:
            assert tocha.tensor([1.0]).dtype is tocha.float64
        finally:
            tocha.set_default_tensor_type(tocha.FloatTensor)
    assert tocha.tensor([1.0]).dtype is tocha.float32


@pytest.mark.skipif(tocha.cuda.is_available(), reason="checks the behaviour without CUDA")
def test_cuda_types_without_cuda() -> None:
    with pytest.raises(TypeError, match=r"type tocha\.cuda\.FloatTensor not available\. CUDA is not available"):
        tocha.cuda.FloatTensor(2)
    assert not isinstance(tocha.ones(2), tocha.cuda.FloatTensor)


@pytest.mark.gpu
def test_gpu_cuda_types() -> None:
    y = tocha.cuda.FloatTensor([1.0, 2.0])
    assert y.device.type == "cuda"
    assert isinstance(y, tocha.cuda.FloatTensor)
    assert not isinstance(y, tocha.FloatTensor)
    assert tocha.cuda.LongTensor(2, 3).shape == (2, 3)
    moved = tocha.ones(2).type(tocha.cuda.DoubleTensor)
    assert (moved.device.type, moved.dtype) == ("cuda", tocha.float64)
    back = moved.type("torch.LongTensor")
    assert (back.device.type, back.dtype) == ("cpu", tocha.int64)
