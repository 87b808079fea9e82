"""NumPy interop, DLPack and the Array API namespace."""

from __future__ import annotations

import numpy as np
import pytest

import tocha


def test_array_protocol_shares_memory_on_cpu():
    t = tocha.zeros(3)
    a = np.asarray(t)
    assert a.dtype == np.float32
    assert np.shares_memory(a, t.numpy())
    a[0] = 2
    assert t.tolist() == [2.0, 0.0, 0.0]
    assert np.asarray(t, copy=False) is t.numpy() or np.shares_memory(np.asarray(t, copy=False), a)
    c = np.array(t)  # np.array copies by default
    c[1] = 5
    assert t.tolist()[1] == 0.0
    d = np.asarray(t, dtype=np.float64)
    assert d.dtype == np.float64
    assert not np.shares_memory(d, a)
    with pytest.raises(ValueError, match="copy=False"):
        np.asarray(t, dtype=np.float64, copy=False)


def test_array_protocol_non_contiguous_and_0dim():
    t = tocha.from_numpy(np.arange(12.0).reshape(3, 4)[:, 1::2])
    assert np.asarray(t).tolist() == [[1.0, 3.0], [5.0, 7.0], [9.0, 11.0]]
    assert np.asarray(tocha.tensor(2.5)).shape == ()
    assert np.asarray(tocha.tensor([1.5], dtype=tocha.bfloat16)).astype(np.float32).tolist() == [1.5]


def test_from_numpy_and_numpy_share_memory():
    a = np.arange(6, dtype=np.int32).reshape(2, 3)
    t = tocha.from_numpy(a)
    assert t.dtype is tocha.int32
    assert t.shape == (2, 3)
    a[0, 0] = 9
    assert t[0, 0].item() == 9
    t[1, 2] = -1
    assert a[1, 2] == -1
    assert t.numpy() is a
    v = tocha.from_numpy(a.T)
    assert v.stride() == (1, 3)
    assert v.tolist() == a.T.tolist()
    with pytest.raises(TypeError, match=r"expected np\.ndarray"):
        tocha.from_numpy([1, 2])
    with pytest.raises(TypeError, match=r"can't convert np\.ndarray of type numpy\."):  # uint16 is supported now
        tocha.from_numpy(np.zeros(2, dtype=np.longdouble))


def test_numpy_values_where_torch_accepts_tensors_or_numbers():
    t = tocha.tensor([1.0, 2.0])
    assert (t + np.float64(1.5)).tolist() == [2.5, 3.5]
    assert (t + np.float64(1.5)).dtype is tocha.float32
    assert (t * np.int64(2)).dtype is tocha.float32
    assert (tocha.tensor([1, 2]) + np.int32(1)).dtype is tocha.int64
    assert (t + np.array([1.0, 1.0])).dtype is tocha.float64
    assert type(np.float64(1.5) + t) is tocha.Tensor
    assert (np.float64(1.5) + t).dtype is tocha.float32
    assert type(np.ones(2) + t) is tocha.Tensor
    assert (np.ones(2) * t).dtype is tocha.float64
    assert tocha.add(np.array([1, 2]), t).tolist() == [2.0, 4.0]
    assert tocha.full((2,), np.float32(3.0)).tolist() == [3.0, 3.0]
    assert tocha.tensor([np.float32(1.0), 2.0]).tolist() == [1.0, 2.0]
    assert tocha.zeros(np.int64(2), 3).shape == (2, 3)
    assert tocha.arange(np.int64(3)).tolist() == [0, 1, 2]
    if hasattr(t, "sum"):
        assert tocha.ones(2, 3).sum(dim=np.int64(1)).shape == (2,)


def test_numpy_scalars_vs_torch():
    torch = pytest.importorskip("torch")
    # np.bool_ is left out: PyTorch 2.13 gives int32 tensor + np.bool_(True) a float32 result (a quirk).
    for scalar in (np.float64(1.5), np.float32(1.5), np.int64(3), np.int8(3), np.complex128(1j)):
        ours = tocha.tensor([1, 2], dtype=tocha.int32) + scalar
        theirs = torch.tensor([1, 2], dtype=torch.int32) + scalar
        assert ours.dtype.name == str(theirs.dtype).split(".")[1], type(scalar)
        assert ours.tolist() == theirs.tolist()


def test_dlpack_from_numpy_and_tocha():
    a = np.arange(4.0)
    t = tocha.from_dlpack(a)
    a[0] = 10
    assert t.tolist() == [10.0, 1.0, 2.0, 3.0]
    assert t.device == tocha.device("cpu")
    u = tocha.from_dlpack(t)
    u[1] = 20
    assert a[1] == 20
    b = np.from_dlpack(t)
    assert np.shares_memory(b, a)
    assert t.__dlpack_device__() == (1, 0)
    for dtype in (tocha.int8, tocha.int64, tocha.bool, tocha.complex128, tocha.float16):
        s = tocha.ones(3, dtype=dtype)
        assert tocha.from_dlpack(np.from_dlpack(s)).dtype is dtype


@pytest.mark.autograd
def test_dlpack_legacy_capsule_and_errors():
    a = np.arange(3.0)
    t = tocha.from_dlpack(a.__dlpack__())
    assert t.tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(TypeError, match="DLPack protocol"):
        tocha.from_dlpack([1, 2])
    with pytest.raises(BufferError, match="require gradient"):  # PyTorch 2.13 raises BufferError too
        tocha.ones(2, requires_grad=True).__dlpack__()


def test_dlpack_vs_torch():
    torch = pytest.importorskip("torch")
    theirs = torch.arange(4.0)
    ours = tocha.from_dlpack(theirs)
    theirs[0] = 7
    assert ours.tolist() == [7.0, 1.0, 2.0, 3.0]
    back = torch.from_dlpack(tocha.ones(2, dtype=tocha.float64))
    assert back.dtype == torch.float64
    assert back.tolist() == [1.0, 1.0]


def test_array_namespace():
    t = tocha.ones(2, 3)
    xp = t.__array_namespace__()
    assert xp is tocha.zeros(1).__array_namespace__()
    assert xp.__array_api_version__ == "2023.12"
    assert xp.float32 is tocha.float32
    assert xp.asarray is tocha.array_api.asarray
    assert xp.isdtype(tocha.int8, "signed integer")
    assert not xp.isdtype(tocha.uint8, "signed integer")
    assert xp.isdtype(tocha.float32, ("real floating", "complex floating"))
    assert xp.astype(t, tocha.int64).dtype is tocha.int64
    assert xp.add(t, t).tolist() == [[2.0] * 3] * 2
    if hasattr(xp, "sum"):
        assert xp.sum(t, axis=1).tolist() == [3.0, 3.0]
        assert xp.sum(t, axis=1, keepdims=True).shape == (2, 1)
        assert xp.sum(t).item() == 6.0
    if hasattr(xp, "concat"):
        assert xp.concat([t, t], axis=0).shape == (4, 3) if "axis" in xp.concat.__code__.co_varnames else True
    with pytest.raises(ValueError, match="unsupported api_version"):
        t.__array_namespace__(api_version="1999.01")
    from tocha._ops.interop import MISSING

    assert all(not hasattr(xp, name) for name in MISSING)
