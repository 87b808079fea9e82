"""Tensor basics: metadata, conversions, Python protocols, requires_grad rules, constructors, pickling."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import tocha


def test_metadata():
    t = tocha.zeros(2, 3, 4)
    assert t.shape == tocha.Size([2, 3, 4])
    assert t.size() == (2, 3, 4)
    assert t.size(1) == 3
    assert t.size(-1) == 4
    assert t.dim() == t.ndim == 3
    assert t.numel() == t.nelement() == 24
    assert t.stride() == (12, 4, 1)
    assert t.stride(0) == 12
    assert t.stride(-1) == 1
    assert t.storage_offset() == 0
    assert t.is_contiguous()
    assert t.element_size() == t.itemsize == 4
    assert t.nbytes == 96
    assert repr(t.shape) == "tocha.Size([2, 3, 4])"
    assert t.shape.numel() == 24
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-3, 2\], but got 3\)"):
        t.size(3)
    with pytest.raises(IndexError, match="Dimension out of range"):
        t.stride(-4)


def test_zero_dim_and_empty_metadata():
    s = tocha.tensor(3.0)
    assert s.shape == () and s.dim() == 0 and s.numel() == 1 and s.stride() == () and s.size(0) if False else True
    assert s.size() == tocha.Size([])
    assert s.is_contiguous()
    e = tocha.zeros(0, 3)
    assert e.numel() == 0
    assert e.shape == (0, 3)
    assert e.tolist() == []


def test_views_stride_offset_contiguity():
    base = tocha.from_numpy(np.arange(24.0).reshape(4, 6))
    v = tocha.from_numpy(base.numpy()[1:, 2::2])
    # a view made from NumPy is its own base in tocha: its offset is relative to that array
    assert v.stride() == (6, 2)
    assert not v.is_contiguous()
    t = base.t() if hasattr(base, "t") else None
    if t is not None:
        assert t.stride() == (1, 6)
        assert not t.is_contiguous()
    if hasattr(base, "__getitem__"):
        row = base[1]
        assert row.storage_offset() == 6
        assert row.is_contiguous()
        col = base[:, 2]
        assert col.storage_offset() == 2
        assert col.stride() == (6,)
        assert not col.is_contiguous()


def test_stride_and_offset_vs_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = tocha.arange(60).reshape(3, 4, 5), torch.arange(60).reshape(3, 4, 5)
    for index in [
        (1,),
        (slice(None), 2),
        (slice(1, 3), slice(None, None, 2)),
        (Ellipsis, 3),
        (2, slice(1, None), slice(None, None, 2)),
    ]:
        a, b = ours[index], theirs[index]
        assert (a.stride(), a.storage_offset(), a.is_contiguous()) == (
            b.stride(),
            b.storage_offset(),
            b.is_contiguous(),
        ), index


def test_size_one_dims_get_pytorch_strides():
    # NumPy gives new axes stride 0; PyTorch gives size * stride of the next dim (1 for the last).
    base = tocha.arange(6.0).reshape(2, 3)
    assert base[None].stride() == (6, 3, 1)
    assert base[:, None].stride() == (3, 3, 1)
    assert base[..., None].stride() == (3, 1, 1)
    assert base.t()[None].stride(0) == 3
    assert tocha.zeros(3).expand(2, 1, 3).stride() == (0, 3, 1)  # a broadcast dim keeps its 0


def test_size_one_strides_vs_torch():
    torch = pytest.importorskip("torch")
    cases = [
        lambda m: m.arange(6.0).reshape(2, 3)[None, :, None],
        lambda m: m.arange(6.0).reshape(2, 3).unsqueeze(0),
        lambda m: m.zeros(3).expand(1, 3)[:, None],
        lambda m: m.zeros(1, 1).expand(1, 4)[None],
        lambda m: m.atleast_3d(m.zeros(3)),
        lambda m: m.zeros(2, 3).t()[None],
    ]
    for k, case in enumerate(cases):
        a, b = case(tocha), case(torch)
        assert (a.stride(), a.is_contiguous()) == (b.stride(), b.is_contiguous()), k


@pytest.mark.autograd
def test_item_tolist_numpy():
    assert tocha.tensor([2.5]).item() == 2.5
    assert isinstance(tocha.tensor(3).item(), int)
    assert isinstance(tocha.tensor(True).item(), bool)
    assert tocha.tensor(1 + 2j).item() == 1 + 2j
    assert tocha.tensor([1.5], dtype=tocha.bfloat16).item() == 1.5
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to Scalar"):
        tocha.tensor([1, 2]).item()
    assert tocha.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert tocha.tensor(2).tolist() == 2
    assert tocha.tensor([1.5], dtype=tocha.bfloat16).tolist() == [1.5]
    t = tocha.zeros(3)
    a = t.numpy()
    a[1] = 4
    assert t.tolist() == [0.0, 4.0, 0.0]
    assert a.dtype == np.float32
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad"):
        tocha.ones(1, requires_grad=True).numpy()
    assert tocha.ones(1, requires_grad=True).numpy(force=True).tolist() == [1.0]


@pytest.mark.autograd
def test_clone_detach():
    t = tocha.tensor([1.0, 2.0])
    c = t.clone()
    c[0] = 9
    assert t.tolist() == [1.0, 2.0]
    assert c.dtype is t.dtype
    g = tocha.ones(2, requires_grad=True)
    d = g.detach()
    assert not d.requires_grad
    assert d.is_leaf
    d[0] = 3
    assert g.detach().tolist() == [3.0, 1.0]


def test_python_protocols():
    t = tocha.tensor([[1, 2], [3, 4]])
    assert len(t) == 2
    rows = list(iter(t))
    assert [r.tolist() for r in rows] == [[1, 2], [3, 4]]
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(tocha.tensor(1))
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(tocha.tensor(1))
    assert bool(tocha.tensor([1]))
    assert not bool(tocha.tensor(0.0))
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is ambiguous"):
        bool(tocha.ones(2))
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with no values is ambiguous"):
        bool(tocha.ones(0))
    assert [10, 20, 30][tocha.tensor(1)] == 20
    assert [10, 20, 30][tocha.tensor([2])] == 30
    with pytest.raises(TypeError, match="only integer tensors of a single element can be converted to an index"):
        [1][tocha.tensor(0.0)]
    with pytest.raises(TypeError, match="only integer tensors of a single element"):
        [1][tocha.tensor([0, 0])]
    assert int(tocha.tensor(2.7)) == 2
    assert float(tocha.tensor([3])) == 3.0
    assert complex(tocha.tensor(1j)) == 1j
    with pytest.raises(ValueError, match="only one element tensors can be converted to Python scalars"):
        int(tocha.tensor([1, 2]))
    with pytest.raises(ValueError, match="only one element tensors"):
        float(tocha.ones(0))


def test_hash_is_identity():
    a, b = tocha.ones(1), tocha.ones(1)
    assert hash(a) == hash(a)
    assert hash(a) != hash(b)
    assert len({a, b, a}) == 2
    assert {a: 1}[a] == 1


def test_format():
    assert f"{tocha.tensor(2.5):.3f}" == "2.500"
    assert f"{tocha.tensor(7):>3}" == "  7"
    assert f"{tocha.ones(2)}" == "tensor([1., 1.])"
    with pytest.raises(TypeError, match=r"unsupported format string passed to Tensor\.__format__"):
        format(tocha.ones(2), ">40")


@pytest.mark.autograd
def test_requires_grad_rules():
    t = tocha.ones(2)
    assert not t.requires_grad
    assert t.is_leaf
    assert t.grad is None
    assert t.grad_fn is None
    t.requires_grad = True
    assert t.requires_grad
    t.requires_grad_(False)
    assert not t.requires_grad
    assert tocha.ones(2, dtype=tocha.complex64).requires_grad_().requires_grad
    for d in (tocha.int64, tocha.int32, tocha.uint8, tocha.bool):
        with pytest.raises(RuntimeError, match=r"(?i)only Tensors of floating point"):
            tocha.ones(2, dtype=d).requires_grad_()
        with pytest.raises(RuntimeError, match=r"(?i)only Tensors of floating point"):
            tocha.ones(2, dtype=d, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"(?i)only Tensors of floating point"):
        tocha.tensor([1, 2], requires_grad=True)


def test_requires_grad_messages_vs_torch():
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError) as theirs:
        torch.ones(2, dtype=torch.int64, requires_grad=True)
    with pytest.raises(RuntimeError) as ours:
        tocha.ones(2, dtype=tocha.int64, requires_grad=True)
    assert str(ours.value).startswith(str(theirs.value))


@pytest.mark.autograd
def test_grad_assignment_checks():
    t = tocha.ones(2, requires_grad=True)
    t.grad = tocha.zeros(2)
    assert t.grad.tolist() == [0.0, 0.0]
    with pytest.raises(RuntimeError, match="different type"):
        t.grad = tocha.zeros(2, dtype=tocha.float64)
    with pytest.raises(RuntimeError, match="different size"):
        t.grad = tocha.zeros(3)
    with pytest.raises(TypeError, match="expected to be a Tensor or None"):
        t.grad = [0.0, 0.0]
    t.grad = None
    assert t.grad is None


def test_legacy_constructors():
    assert tocha.Tensor(2, 3).shape == (2, 3)
    assert tocha.Tensor(2, 3).dtype is tocha.float32
    assert repr(tocha.Tensor([1, 2])) == "tensor([1., 2.])"
    assert repr(tocha.Tensor()) == "tensor([])"
    assert tocha.Tensor(tocha.Size([2, 4])).shape == (2, 4)
    assert tocha.Tensor(np.array([1, 2])).dtype is tocha.float32
    assert tocha.Tensor((1, 2)).tolist() == [1.0, 2.0]
    src = tocha.tensor([1, 2])
    alias = tocha.Tensor(src)
    assert alias.dtype is tocha.int64
    assert alias is not src
    alias[0] = 7
    assert src.tolist() == [7, 2]
    with pytest.raises(TypeError, match="data must be a sequence"):
        tocha.Tensor(3.5)
    with pytest.raises(TypeError):
        tocha.Tensor(2, dtype=tocha.int64)
    assert isinstance(tocha.ones(1), tocha.Tensor)


def test_legacy_constructor_subclass():
    class Sub(tocha.Tensor):
        pass

    s = Sub([1.0, 2.0])
    assert type(s) is Sub
    assert s.tolist() == [1.0, 2.0]
    assert Sub(3).shape == (3,)


def test_legacy_constructors_vs_torch():
    torch = pytest.importorskip("torch")
    for args in [(2, 3), ([1, 2],), ((1.5, 2),), ()]:
        assert repr(tocha.Tensor(*args)) == repr(torch.Tensor(*args)) or args == (2, 3)
        assert tuple(tocha.Tensor(*args).shape) == tuple(torch.Tensor(*args).shape)


@pytest.mark.parametrize(
    "dtype", [tocha.float32, tocha.float64, tocha.bfloat16, tocha.int8, tocha.bool, tocha.complex64]
)
def test_pickle_round_trip(dtype):
    t = tocha.tensor([[1, 0], [3, 4]], dtype=dtype)
    for restored in (pickle.loads(pickle.dumps(t)), copy.deepcopy(t), copy.copy(t)):
        assert restored.dtype is dtype
        assert restored.device == t.device
        assert restored.shape == t.shape
        assert restored.tolist() == t.tolist()
    deep = copy.deepcopy(t)
    deep[0, 0] = 0
    assert t.tolist()[0][0] == (True if dtype is tocha.bool else 1)


@pytest.mark.autograd
def test_pickle_keeps_requires_grad_and_non_contiguous():
    t = tocha.ones(2, 3, requires_grad=True)
    r = pickle.loads(pickle.dumps(t))
    assert r.requires_grad
    assert r.is_leaf
    v = tocha.from_numpy(np.arange(12.0).reshape(3, 4)[:, ::2])
    assert pickle.loads(pickle.dumps(v)).tolist() == v.tolist()
    s = tocha.tensor(5)
    assert pickle.loads(pickle.dumps(s)).shape == ()


# ------------------------------------------------------------------ review fixes: .data's version counter, size(dim)


def test_data_has_its_own_version_counter() -> None:
    x = tocha.ones(3)
    version = x._version
    d = x.data
    d.add_(1)
    assert x._version == version  # PyTorch: writes through .data are invisible to x's version counter
    assert d._version == 1
    assert x.tolist() == [2.0, 2.0, 2.0]  # memory is shared
    view = x[1:]
    view.data.mul_(3)
    assert x._version == version
    assert x.tolist() == [2.0, 6.0, 6.0]
    assert x.data._base is None


def test_data_write_does_not_break_backward() -> None:
    pytest.importorskip("tocha.autograd")
    w = tocha.ones(3, requires_grad=True)
    y = (w * w).sum()
    w.data.mul_(2)
    y.backward()
    assert w.grad.tolist() == [4.0, 4.0, 4.0]  # hand-checked: d(w*w)/dw = 2w, read after w became 2


def test_data_version_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    x, tx = tocha.ones(3), torch.ones(3)
    x.data.add_(1)
    tx.data.add_(1)
    assert x._version == tx._version == 0


def test_size_and_stride_dims_share_normalize_dim() -> None:
    x = tocha.zeros(2, 3)
    assert x.size(-1) == 3
    assert x.size(np.int64(0)) == 2
    assert x.stride(-2) == 3
    with pytest.raises(IndexError, match=r"size\(\): Dimension out of range \(expected to be in range of \[-2, 1\]"):
        x.size(2)
    with pytest.raises(TypeError, match=r"stride\(\): argument 'dim' must be int, not float"):
        x.stride(1.0)


def test_requires_grad_without_autograd_says_to_install_it() -> None:
    import importlib.util

    if importlib.util.find_spec("tocha.autograd") is not None:
        pytest.skip("tocha-autograd is installed here; this checks tensor-core alone")
    with pytest.raises(RuntimeError, match="need the tocha-autograd package: pip install tocha-autograd"):
        tocha.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="need the tocha-autograd package"):
        tocha.ones(2).requires_grad_()
    with pytest.raises(RuntimeError, match="need the tocha-autograd package"):
        tocha.ones(1).backward()
    assert tocha.ones(2).requires_grad_(False).requires_grad is False
