"""tocha.tensor, as_tensor and asarray take other libraries' arrays and tensors: through DLPack (shared by
as_tensor, copied by tensor) or ``__array__``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tocha


class _DLPackOnly:
    """A producer that speaks DLPack and nothing else."""

    def __init__(self, array: np.ndarray[Any, Any]) -> None:
        self._array = array

    def __dlpack__(self, **kwargs: Any) -> Any:
        return self._array.__dlpack__(**kwargs)

    def __dlpack_device__(self) -> Any:
        return self._array.__dlpack_device__()


class _ArrayOnly:
    def __init__(self, array: np.ndarray[Any, Any]) -> None:
        self._array = array

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray[Any, Any]:
        return self._array if dtype is None else self._array.astype(dtype)


def test_a_dlpack_producer_is_copied_by_tensor_and_shared_by_as_tensor() -> None:
    values = np.arange(6.0).reshape(2, 3)
    copied = tocha.tensor(_DLPackOnly(values))
    shared = tocha.as_tensor(_DLPackOnly(values))
    values[0, 0] = 42.0
    assert copied[0, 0].item() == 0.0
    assert shared[0, 0].item() == 42.0
    assert tocha.asarray(_DLPackOnly(values)).data_ptr() == values.__array_interface__["data"][0]
    assert tocha.tensor(_DLPackOnly(values), dtype=tocha.int32).dtype is tocha.int32


def test_an_array_protocol_object_is_read_through_array() -> None:
    result = tocha.tensor(_ArrayOnly(np.array([1, 2, 3], dtype=np.int16)))
    assert (result.dtype, result.tolist()) == (tocha.int16, [1, 2, 3])
    with pytest.raises(TypeError, match="tensor\\(\\): invalid data type 'object'"):
        tocha.tensor(object())


def test_pytorch_tensors_convert_as_pytorch_converts_them() -> None:
    torch = pytest.importorskip("torch")
    source = torch.arange(6.0).reshape(2, 3)
    copied = tocha.tensor(source.t())
    assert copied.tolist() == source.t().tolist()
    assert copied.is_contiguous()
    assert copied.data_ptr() != source.data_ptr()
    assert tocha.as_tensor(source).data_ptr() == source.data_ptr()
    assert tocha.tensor(torch.ones(2, dtype=torch.bfloat16)).dtype is tocha.bfloat16  # not NumPy's to read
    leaf = torch.ones(2, requires_grad=True)  # PyTorch refuses to export it: its values are read detached
    assert tocha.tensor(leaf).tolist() == [1.0, 1.0]
    assert not tocha.as_tensor(leaf).requires_grad
    assert tocha.tensor(torch.tensor(True)).dtype is tocha.bool


def test_tensor_of_a_tensor_is_a_contiguous_detached_copy_where_the_tensor_lives() -> None:
    source = tocha.arange(6.0).reshape(2, 3)
    copied = tocha.tensor(source.t(), dtype=tocha.float64)
    assert (copied.dtype, copied.is_contiguous(), copied.tolist()) == (tocha.float64, True, source.t().tolist())
    copied[0, 0] = 9.0
    assert source[0, 0].item() == 0.0
    assert tocha.tensor(source).device == source.device


@pytest.mark.gpu
def test_tensor_of_a_cuda_tensor_stays_on_its_device() -> None:
    if not tocha.cuda.is_available():
        pytest.skip("needs CUDA")
    source = tocha.arange(4.0, device="cuda")
    copied = tocha.tensor(source)  # PyTorch's rule: the data's device when none is given (this used to fail)
    assert copied.device == source.device
    assert copied.data_ptr() != source.data_ptr()
    assert tocha.tensor(source, device="cpu").tolist() == [0.0, 1.0, 2.0, 3.0]
