"""tocha.UntypedStorage, Tensor.untyped_storage() and Tensor.set_(): against PyTorch's behaviour and messages."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import tocha
from tocha.testing import assert_close


def test_a_tensors_storage_covers_its_roots_memory_and_shares_it() -> None:
    x = tocha.arange(4, dtype=tocha.int16)
    view = x[1:3]
    storage = view.untyped_storage()
    assert (storage.nbytes(), storage.size(), len(storage), storage.element_size()) == (8, 8, 8, 1)
    assert storage.tolist() == [0, 0, 1, 0, 2, 0, 3, 0]
    assert storage.data_ptr() == x.data_ptr()
    assert x.untyped_storage().data_ptr() == x.data_ptr()
    assert view.storage_offset() == 1
    assert (storage.device, storage.is_cuda, storage.get_device()) == (tocha.device("cpu"), False, -1)
    storage[2] = 9  # writes through the storage show in the tensor, and the other way round
    assert x.tolist() == [0, 9, 2, 3]
    x[3] = 5
    assert storage[6] == 5


def test_storage_indexing_and_slicing() -> None:
    storage = tocha.tensor([1, 2, 3], dtype=tocha.uint8).untyped_storage()
    assert (storage[0], storage[-1]) == (1, 3)
    part = storage[1:]
    assert part.tolist() == [2, 3]
    assert part.data_ptr() == storage.data_ptr() + 1
    with pytest.raises(IndexError, match="index 3 out of range for storage of size 3"):
        storage[3]
    with pytest.raises(TypeError, match="storage indices must be integers or slices"):
        storage["a"]


def test_a_storage_of_a_strided_numpy_array_covers_its_extent() -> None:
    torch = pytest.importorskip("torch")
    a = np.arange(10.0)[::2]
    assert tocha.from_numpy(a).untyped_storage().nbytes() == torch.from_numpy(a).untyped_storage().nbytes() == 72


def test_storages_of_their_own() -> None:
    storage = tocha.UntypedStorage(5)
    assert storage.nbytes() == 5
    storage.fill_(7)
    storage[0] = 3
    copy = storage.clone()
    copy[1] = 9
    assert (storage.tolist(), copy.tolist()) == ([3, 7, 7, 7, 7], [3, 9, 7, 7, 7])
    storage.copy_(copy)
    assert storage.tolist() == [3, 9, 7, 7, 7]
    assert tocha.UntypedStorage([1, 2, 255]).tolist() == [1, 2, 255]
    assert pickle.loads(pickle.dumps(storage)).tolist() == [3, 9, 7, 7, 7]
    assert storage.cpu() is storage
    assert repr(tocha.UntypedStorage([4, 5])) == " 4\n 5\n[tocha.UntypedStorage(device=cpu) of size 2]"


def test_storage_errors_match_pytorch() -> None:
    with pytest.raises(RuntimeError, match="size does not match, self was 5 bytes but src was 3 bytes"):
        tocha.UntypedStorage(5).copy_(tocha.UntypedStorage(3))
    with pytest.raises(RuntimeError, match="the size must be non-negative"):
        tocha.UntypedStorage(-1)
    with pytest.raises(RuntimeError, match="byte values must lie in"):
        tocha.UntypedStorage([256])
    storage = tocha.zeros(2).untyped_storage()
    assert not storage.resizable()
    with pytest.raises(RuntimeError, match="Trying to resize storage that is not resizable"):
        storage.resize_(100)


def test_set_to_a_tensor_makes_an_alias() -> None:
    source = tocha.arange(6.0).view(2, 3)[:, 1:]
    x = tocha.empty(0)
    assert x.set_(source) is x
    assert (x.shape, x.stride(), x.storage_offset()) == ((2, 2), (3, 1), 1)
    assert x.is_set_to(source)
    x[0, 0] = 100.0
    assert source[0, 0].item() == 100.0


def test_set_to_a_storage_places_the_view() -> None:
    storage = tocha.arange(6.0).untyped_storage()
    assert_close(tocha.empty(0).set_(storage), tocha.arange(6.0))
    placed = tocha.empty(0).set_(storage, 1, (2, 2))
    assert_close(placed, tocha.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert placed.storage_offset() == 1
    strided = tocha.empty(0).set_(storage, 0, (3,), (2,))
    assert_close(strided, tocha.tensor([0.0, 2.0, 4.0]))
    as_bytes = tocha.empty(0, dtype=tocha.uint8).set_(tocha.tensor([258], dtype=tocha.int16).untyped_storage())
    assert as_bytes.tolist() == [2, 1]
    via_tensor = tocha.empty(0).set_(tocha.arange(6.0), 2, (2,))
    assert via_tensor.tolist() == [2.0, 3.0]


def test_set_with_no_source_empties_the_tensor() -> None:
    x = tocha.ones(3)
    x.set_()
    assert x.shape == (0,)
    assert x.untyped_storage().nbytes() == 0


def test_set_errors_match_pytorch() -> None:
    with pytest.raises(RuntimeError, match="Could not set tensor of type double to a tensor of type float"):
        tocha.empty(0).set_(tocha.zeros(2, dtype=tocha.float64))
    with pytest.raises(RuntimeError, match="Could not set tensor of type long int to a tensor of type c10::Half"):
        tocha.empty(0, dtype=tocha.float16).set_(tocha.zeros(2, dtype=tocha.int64))
    with pytest.raises(RuntimeError, match="Trying to resize storage that is not resizable"):
        tocha.empty(0).set_(tocha.UntypedStorage(5), 0, (2,), (1,))
    with pytest.raises(TypeError, match="argument 'source' must be Tensor or Storage"):
        tocha.empty(0).set_(5)


@pytest.mark.autograd
def test_set_refuses_a_tensor_requiring_grad() -> None:
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        tocha.zeros(3, requires_grad=True).set_(tocha.ones(3))


def test_storages_match_pytorchs_bytes() -> None:
    torch = pytest.importorskip("torch")
    values = np.array([[1.5, -2.0], [3.25, 1e-3]], dtype=np.float32)
    ours = tocha.from_numpy(values.copy()).t().untyped_storage()
    theirs = torch.from_numpy(values.copy()).t().untyped_storage()
    assert ours.tolist() == theirs.tolist()
    placed = tocha.empty(0, dtype=tocha.float16).set_(ours, 1, (2, 2), (1, 2))
    expected = torch.empty(0, dtype=torch.float16).set_(theirs, 1, (2, 2), (1, 2))
    np.testing.assert_array_equal(placed.numpy(), expected.numpy())


@pytest.mark.gpu
def test_storages_on_cuda() -> None:
    x = tocha.arange(6.0, device="cuda")
    storage = x[2:].untyped_storage()
    assert storage.is_cuda
    assert storage.nbytes() == 24
    assert storage.is_shared()
    assert storage.data_ptr() == x.data_ptr()
    placed = tocha.empty(0, device="cuda").set_(storage, 1, (2, 2))
    assert_close(placed.cpu(), tocha.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert storage.cpu().tolist() == x.cpu().untyped_storage().tolist()
