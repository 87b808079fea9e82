"""DLPack: zero-copy exchange with NumPy and PyTorch (CuPy and JAX where installed)."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

import tocha
from tocha.utils.dlpack import to_dlpack

DTYPES = [tocha.bool, tocha.uint8, tocha.int8, tocha.int16, tocha.int32, tocha.int64, tocha.float16]
DTYPES += [tocha.float32, tocha.float64, tocha.complex64, tocha.complex128]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_numpy_round_trip_shares_memory(dtype):
    t = tocha.ones(4, dtype=dtype)
    a = np.from_dlpack(t)
    assert a.dtype == dtype.numpy_dtype
    assert np.shares_memory(a, t.numpy())
    back = tocha.from_dlpack(a)
    assert back.dtype is dtype
    assert np.shares_memory(back.numpy(), a)


def test_from_numpy_array_shares_memory_both_ways():
    a = np.arange(6.0).reshape(2, 3)
    t = tocha.from_dlpack(a)
    a[0, 0] = 9
    assert t[0, 0].item() == 9
    t[1, 1] = -1
    assert a[1, 1] == -1
    assert t.device == tocha.device("cpu")
    assert t.__dlpack_device__() == (1, 0)


def test_non_contiguous_and_zero_dim_and_empty():
    base = tocha.arange(12.0).reshape(3, 4)
    view = base.t()[1:, ::2]
    a = np.from_dlpack(view)
    assert a.tolist() == view.tolist()
    assert np.shares_memory(a, base.numpy())
    assert tocha.from_dlpack(view).stride() == view.stride()
    scalar = tocha.tensor(2.5)
    assert np.from_dlpack(scalar).shape == ()
    assert tocha.from_dlpack(np.ones(())).shape == ()
    empty = tocha.zeros(0, 3)
    assert np.from_dlpack(empty).shape == (0, 3)
    assert tocha.from_dlpack(np.zeros((2, 0))).shape == (2, 0)


def test_dlpack_keywords():
    t = tocha.arange(3.0)
    versioned = t.__dlpack__(max_version=(1, 0))
    assert "dltensor_versioned" in repr(versioned)
    assert "dltensor" in repr(t.__dlpack__())
    copied = np.from_dlpack(t, copy=True)
    copied[0] = 5
    assert t[0].item() == 0
    assert np.shares_memory(np.from_dlpack(t, copy=False), t.numpy())
    assert t.__dlpack__(dl_device=(1, 0)) is not None
    with pytest.raises(BufferError, match="stream must be None"):
        t.__dlpack__(stream=1)
    with pytest.raises(BufferError, match="cannot export"):
        t.__dlpack__(dl_device=(2, 0))


def test_from_dlpack_copy_and_device():
    a = np.arange(3.0)
    copied = tocha.from_dlpack(a, copy=True)
    a[0] = 7
    assert copied[0].item() == 0
    shared = tocha.from_dlpack(a, copy=False, device="cpu")
    a[1] = 8
    assert shared[1].item() == 8
    t = tocha.arange(2)
    assert tocha.from_dlpack(t)._data is t._data
    assert tocha.from_dlpack(t, copy=True)._data is not t._data


def test_read_only_arrays_import_read_only():
    a = np.arange(3.0)
    a.flags.writeable = False
    t = tocha.from_dlpack(a)
    assert t.tolist() == [0.0, 1.0, 2.0]
    assert not t.numpy().flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        t.add_(1)


def test_legacy_capsules():
    a = np.arange(3.0)
    t = tocha.from_dlpack(a.__dlpack__())
    assert t.tolist() == [0.0, 1.0, 2.0]
    capsule = to_dlpack(tocha.arange(3))
    assert tocha.from_dlpack(capsule).tolist() == [0, 1, 2]


def test_errors():
    with pytest.raises(TypeError, match="DLPack protocol"):
        tocha.from_dlpack([1, 2])
    with pytest.raises(TypeError, match="must be Tensor"):
        to_dlpack(np.ones(2))


def test_bfloat16_has_no_numpy_dlpack_but_round_trips():
    t = tocha.tensor([1.5, -2.0], dtype=tocha.bfloat16)
    back = tocha.from_dlpack(t.__dlpack__())
    assert back.dtype is tocha.bfloat16
    assert back.tolist() == [1.5, -2.0]
    assert np.shares_memory(back.numpy().view(np.uint16), t.numpy().view(np.uint16))
    versioned = tocha.from_dlpack(t.__dlpack__(max_version=(1, 0)))
    assert versioned.numpy().dtype == ml_dtypes.bfloat16


def test_torch_both_directions_share_memory():
    torch = pytest.importorskip("torch")
    theirs = torch.arange(6.0).reshape(2, 3)
    ours = tocha.from_dlpack(theirs)
    theirs[0, 0] = 7
    assert ours[0, 0].item() == 7
    ours[1, 2] = -3
    assert theirs[1, 2].item() == -3
    mine = tocha.arange(4, dtype=tocha.int32)
    back = torch.from_dlpack(mine)
    assert back.dtype == torch.int32
    back[0] = 42
    assert mine[0].item() == 42
    view = tocha.arange(12.0).reshape(3, 4).t()
    assert torch.from_dlpack(view).stride() == view.stride()


@pytest.mark.parametrize("name", ["bool", "uint8", "int8", "int16", "int64", "float16", "bfloat16", "complex64"])
def test_torch_dtypes(name):
    torch = pytest.importorskip("torch")
    theirs = torch.ones(3, dtype=getattr(torch, name))
    ours = tocha.from_dlpack(theirs)
    assert ours.dtype is getattr(tocha, name)
    again = torch.from_dlpack(ours)
    assert again.dtype == theirs.dtype
    assert again.data_ptr() == theirs.data_ptr()


def test_torch_bfloat16_shares_memory():
    torch = pytest.importorskip("torch")
    theirs = torch.tensor([1.0, 2.0], dtype=torch.bfloat16)
    ours = tocha.from_dlpack(theirs)
    theirs[0] = 4.0
    assert ours.tolist() == [4.0, 2.0]
    mine = tocha.tensor([0.5, 0.25], dtype=tocha.bfloat16)
    back = torch.from_dlpack(mine)
    mine[1] = 8.0
    assert back.tolist() == [0.5, 8.0]


def test_torch_matches_our_errors():
    torch = pytest.importorskip("torch")
    with pytest.raises(BufferError):
        torch.ones(1, requires_grad=True).__dlpack__()
    assert torch.ones(1).__dlpack_device__()[0] == tocha.ones(1).__dlpack_device__()[0]


def test_cupy_if_present():
    cupy = pytest.importorskip("cupy")
    if not tocha.cuda.is_available():
        pytest.skip("no CUDA device")
    theirs = cupy.arange(3.0)
    ours = tocha.from_dlpack(theirs)
    assert ours.device.type == "cuda"
    theirs[0] = 5
    assert ours[0].item() == 5
    assert cupy.from_dlpack(ours).data.ptr == theirs.data.ptr
    host = tocha.from_dlpack(theirs, device="cpu")
    assert host.tolist() == [5.0, 1.0, 2.0]


def test_jax_if_present():
    jnp = pytest.importorskip("jax.numpy")
    theirs = jnp.arange(3.0)
    ours = tocha.from_dlpack(theirs)
    assert ours.tolist() == [0.0, 1.0, 2.0]
    back = jnp.from_dlpack(tocha.arange(3.0))
    assert back.tolist() == [0.0, 1.0, 2.0]
