"""Sparse COO tensors against PyTorch's (NOTE [ Sparse COO tensors ])."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tocha

INDICES = [[0, 1, 1, 2], [2, 0, 2, 1]]
VALUES = [3.0, 4.0, 5.0, -1.0]


def _pair(dtype: str = "float32", requires_grad: bool = False) -> tuple[Any, Any]:
    torch = pytest.importorskip("torch")
    ours = tocha.sparse_coo_tensor(INDICES, VALUES, (3, 4), dtype=getattr(tocha, dtype), requires_grad=requires_grad)
    theirs = torch.sparse_coo_tensor(
        INDICES, VALUES, (3, 4), dtype=getattr(torch, dtype), requires_grad=requires_grad, check_invariants=True
    )
    return ours, theirs


def _dense(x: Any) -> np.ndarray:
    x = x.to_dense() if x.layout != tocha.strided and hasattr(x, "to_dense") else x
    return np.asarray(x.detach().cpu().numpy())


def _same(ours: Any, theirs: Any) -> None:
    assert str(ours.layout).split(".")[-1] == str(theirs.layout).split(".")[-1]
    assert tuple(ours.shape) == tuple(theirs.shape)
    theirs_dense = theirs.to_dense() if theirs.is_sparse else theirs
    np.testing.assert_allclose(_dense(ours), theirs_dense.detach().numpy(), rtol=1e-6, atol=1e-6)


def test_construction_metadata_and_repr_equal_pytorchs() -> None:
    ours, theirs = _pair()
    assert (ours.is_sparse, ours.layout, ours.dtype, tuple(ours.shape)) == (
        True,
        tocha.sparse_coo,
        tocha.float32,
        (3, 4),
    )
    assert (ours.sparse_dim(), ours.dense_dim(), ours._nnz(), ours.is_coalesced()) == (
        theirs.sparse_dim(), theirs.dense_dim(), theirs._nnz(), theirs.is_coalesced()
    )  # fmt: skip
    assert repr(ours) == repr(theirs).replace("torch.", "tocha.")
    for args in ((INDICES, [1.0, 2.0, 3.0, 4.0], None, "float64"), ([[1, 0, 1]], [[1.0, 2.0]] * 3, (2, 2), "float32")):
        torch = pytest.importorskip("torch")
        size = () if args[2] is None else (args[2],)
        mine = tocha.sparse_coo_tensor(args[0], args[1], *size, dtype=getattr(tocha, args[3]))
        reference = torch.sparse_coo_tensor(
            args[0], args[1], *size, dtype=getattr(torch, args[3]), check_invariants=True
        )
        assert repr(mine) == repr(reference).replace("torch.", "tocha.")
        _same(mine, reference)
    assert isinstance(ours, tocha.Tensor)
    assert ours.dim() == 2
    assert ours.numel() == 12


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (([[0, 3]], [1.0, 2.0], (2,)), "size is inconsistent with indices: for dim 0, size is 2 but found index 3"),
        (([[0, -1]], [1.0, 2.0], (2,)), "found negative index -1 for dim 0"),
        (([[0, 1]], [1.0], (2,)), "indices and values must have same nnz, but got nnz from indices: 2, nnz from values: 1"),
        (([[0, 1]], [1.0, 2.0], (2, 2)), r"'len\(size\) == sparse_dim \+ dense_dim' is not satisfied"),
        (([[0.5]], [1.0], (2,)), "indices must be an int64 tensor"),
        (([0, 1], [1.0, 2.0], (2,)), r"indices must be sparse_dim x nnz, but got: \[2\]"),
    ],
)  # fmt: skip
def test_bad_construction_raises(args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(RuntimeError, match=message):
        tocha.sparse_coo_tensor(*args)


def test_coalesce_indices_and_values() -> None:
    torch = pytest.importorskip("torch")
    ours = tocha.sparse_coo_tensor([[1, 0, 1, 2]], [1.0, 2.0, 3.0, 4.0])
    theirs = torch.sparse_coo_tensor([[1, 0, 1, 2]], [1.0, 2.0, 3.0, 4.0], check_invariants=True)
    with pytest.raises(RuntimeError, match="Cannot get indices on an uncoalesced tensor"):
        ours.indices()
    with pytest.raises(RuntimeError, match="Cannot get values on an uncoalesced tensor"):
        ours.values()
    assert ours.coalesce().indices().tolist() == theirs.coalesce().indices().tolist()
    assert ours.coalesce().values().tolist() == theirs.coalesce().values().tolist()
    assert ours._indices().tolist() == [[1, 0, 1, 2]]
    _same(ours, theirs)


@pytest.mark.parametrize("sparse_dim", [None, 1, 2])
def test_to_sparse_of_dense_and_hybrid_tensors(sparse_dim: int | None) -> None:
    torch = pytest.importorskip("torch")
    data = np.array([[[0.0, 1.0], [0.0, 0.0]], [[2.0, 0.0], [0.0, 3.0]]], dtype=np.float32)
    ours = tocha.from_numpy(data).to_sparse(sparse_dim)
    theirs = torch.from_numpy(data).to_sparse() if sparse_dim is None else torch.from_numpy(data).to_sparse(sparse_dim)
    assert ours.indices().tolist() == theirs.indices().tolist()
    np.testing.assert_array_equal(ours.values().numpy(), theirs.values().numpy())
    assert repr(ours) == repr(theirs).replace("torch.", "tocha.")
    assert tocha.from_numpy(data).to_dense() is not None
    with pytest.raises(RuntimeError, match=r"sparse_dim argument must be in \[0, 3\] range, but 4 is given"):
        tocha.from_numpy(data).to_sparse(4)


def test_element_wise_ops_follow_pytorchs_rules() -> None:
    ours, theirs = _pair()
    for call in (
        lambda x: x * 2, lambda x: x / 4, lambda x: -x, lambda x: abs(x), lambda x: x.sin(), lambda x: x**2,
        lambda x: x.sqrt(), lambda x: x.neg().relu(), lambda x: x.to(x.dtype).double(),
    ):  # fmt: skip
        _same(call(ours), call(theirs))
        assert call(ours).layout is tocha.sparse_coo
    with pytest.raises(NotImplementedError, match="Could not run 'aten::exp' with arguments from the 'SparseCPU'"):
        ours.exp()
    with pytest.raises(RuntimeError, match=r"add\(sparse, dense\) is not supported. Use add\(dense, sparse\)"):
        ours + 1
    with pytest.raises(TypeError, match="can't convert Sparse layout tensor to numpy"):
        ours.numpy()
    with pytest.raises(NotImplementedError, match=r"call \.to_dense\(\) first"):
        ours.reshape(12)
    with pytest.raises(RuntimeError, match="Cannot access data pointer"):
        ours.tolist()


def test_sums_and_products_of_sparse_and_dense_operands() -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = _pair()
    other = tocha.sparse_coo_tensor([[0, 2, 1], [2, 1, 3]], [10.0, 20.0, 30.0], (3, 4))
    their_other = torch.sparse_coo_tensor([[0, 2, 1], [2, 1, 3]], [10.0, 20.0, 30.0], (3, 4), check_invariants=True)
    _same(ours + other, theirs + their_other)
    _same(ours - other, theirs - their_other)
    _same(ours * other, theirs * their_other)
    dense = np.arange(12, dtype=np.float32).reshape(3, 4)
    _same(tocha.from_numpy(dense) + ours, torch.from_numpy(dense) + theirs)
    _same(tocha.from_numpy(dense) - ours, torch.from_numpy(dense) - theirs)
    with pytest.raises(RuntimeError, match="expected sizes of the sparse operands to match"):
        ours + tocha.sparse_coo_tensor([[0]], [1.0], (3,))


@pytest.mark.autograd
def test_matrix_products_and_their_gradients_equal_pytorchs() -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(requires_grad=True)
    dense = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    d_ours = tocha.from_numpy(dense.copy()).requires_grad_()
    d_theirs = torch.from_numpy(dense.copy()).requires_grad_()
    for product_ours, product_theirs in (
        (tocha.sparse.mm(ours, d_ours), torch.sparse.mm(theirs, d_theirs)),
        (ours @ d_ours, theirs @ d_theirs),
        (tocha.mm(ours, d_ours), torch.mm(theirs, d_theirs)),
        (tocha.matmul(ours, d_ours[:, 0]), torch.matmul(theirs, d_theirs[:, 0])),
    ):
        _same(product_ours, product_theirs)
        assert product_ours.layout is tocha.strided
    loss_ours = (tocha.sparse.mm(ours, d_ours) * tocha.arange(15.0).reshape(3, 5)).sum()
    loss_theirs = (torch.sparse.mm(theirs, d_theirs) * torch.arange(15.0).reshape(3, 5)).sum()
    loss_ours.backward()
    loss_theirs.backward()
    np.testing.assert_allclose(d_ours.grad.numpy(), d_theirs.grad.numpy(), rtol=1e-5)
    assert ours.grad.layout is tocha.sparse_coo
    _same(ours.grad, theirs.grad)
    left = np.random.default_rng(1).standard_normal((2, 3)).astype(np.float32)
    _same(tocha.from_numpy(left) @ ours.detach(), torch.from_numpy(left) @ theirs.detach())
    added = tocha.sparse.addmm(tocha.ones(3, 5), ours.detach(), d_ours.detach(), beta=0.5, alpha=2.0)
    reference = torch.sparse.addmm(torch.ones(3, 5), theirs.detach(), d_theirs.detach(), beta=0.5, alpha=2.0)
    _same(added, reference)
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(3x4 and 3x5\)"):
        tocha.sparse.mm(ours, tocha.ones(3, 5))


@pytest.mark.autograd
def test_sums_softmaxes_and_transposes_equal_pytorchs() -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(requires_grad=True)
    assert tocha.sparse.sum(ours).item() == pytest.approx(torch.sparse.sum(theirs).item())
    for dim in (0, 1, (0, 1), -1):
        _same(tocha.sparse.sum(ours, dim), torch.sparse.sum(theirs, dim))
    for name in ("softmax", "log_softmax"):
        for dim in (0, 1):
            mine, reference = getattr(tocha.sparse, name)(ours, dim), getattr(torch.sparse, name)(theirs, dim)
            np.testing.assert_allclose(
                mine.coalesce().values().detach().numpy(), reference.coalesce().values().detach().numpy(), rtol=1e-5
            )
    (tocha.sparse.softmax(ours, 1).to_dense() * tocha.arange(12.0).reshape(3, 4)).sum().backward()
    (torch.sparse.softmax(theirs, 1).to_dense() * torch.arange(12.0).reshape(3, 4)).sum().backward()
    _same(ours.grad, theirs.grad)
    _same(ours.t(), theirs.t())
    _same(ours.transpose(0, 1), theirs.transpose(0, 1))


@pytest.mark.autograd
def test_a_sparse_leafs_gradient_is_sparse_and_settable() -> None:
    s = tocha.sparse_coo_tensor([[0, 2]], [1.0, 2.0], (3,), requires_grad=True)
    assert (s.requires_grad, s.is_leaf, s.grad) == (True, True, None)
    (s.to_dense() * tocha.tensor([5.0, 6.0, 7.0])).sum().backward()
    assert s.grad.to_dense().tolist() == [5.0, 0.0, 7.0]
    s.grad = tocha.tensor([1.0, 1.0, 1.0])
    assert s.grad.to_dense().tolist() == [1.0, 0.0, 1.0]
    s.grad = None
    (s * 3).backward(tocha.tensor([1.0, 1.0, 1.0]))
    assert s.grad.to_dense().tolist() == [3.0, 0.0, 3.0]
    assert not s.detach().requires_grad


@pytest.mark.gpu
def test_gpu_sparse_products_equal_the_cpus() -> None:
    s = tocha.sparse_coo_tensor(INDICES, VALUES, (3, 4))
    dense = tocha.arange(20.0).reshape(4, 5)
    on_gpu = s.cuda()
    assert on_gpu.device.type == "cuda"
    assert on_gpu._indices().device.type == "cuda"
    assert tocha.sparse.mm(on_gpu, dense.cuda()).cpu().tolist() == tocha.sparse.mm(s, dense).tolist()
    assert (on_gpu * 2).to_dense().cpu().tolist() == (s * 2).to_dense().tolist()
    assert on_gpu.coalesce().cpu().to_dense().tolist() == s.to_dense().tolist()


def test_save_and_load_keep_sparse_tensors(tmp_path: Any) -> None:
    sparse = tocha.sparse_coo_tensor([[1, 0, 1]], [1.0, 2.0, 3.0], (4,))
    path = tmp_path / "sparse.safetensors"
    tocha.save({"adjacency": sparse, "coalesced": [sparse.coalesce()], "weight": tocha.ones(2)}, path)
    loaded = tocha.load(path)
    assert loaded["adjacency"].layout is tocha.sparse_coo
    assert loaded["adjacency"]._indices().tolist() == [[1, 0, 1]]
    assert loaded["adjacency"].is_coalesced() is False
    assert loaded["coalesced"][0].is_coalesced() is True
    assert loaded["coalesced"][0].to_dense().tolist() == [2.0, 4.0, 0.0, 0.0]
    assert loaded["weight"].tolist() == [1.0, 1.0]


def test_pytorch_checkpoints_of_sparse_tensors_load(tmp_path: Any) -> None:
    torch = pytest.importorskip("torch")
    theirs = torch.sparse_coo_tensor([[0, 1, 0]], [1.0, 2.0, 3.0], (3,), check_invariants=True)
    torch.save({"raw": theirs, "coalesced": theirs.coalesce()}, tmp_path / "ck.pt")
    loaded = tocha.load(tmp_path / "ck.pt")
    for key in ("raw", "coalesced"):
        assert loaded[key].layout is tocha.sparse_coo
        assert loaded[key].is_coalesced() == {"raw": theirs, "coalesced": theirs.coalesce()}[key].is_coalesced()
        _same(loaded[key], theirs)


def test_copies_pickles_and_python_numbers() -> None:
    import copy
    import pickle

    sparse = tocha.sparse_coo_tensor([[0, 2]], [1.0, 2.0], (3,))
    for copied in (copy.deepcopy(sparse), copy.copy(sparse), pickle.loads(pickle.dumps(sparse))):
        assert copied.layout is tocha.sparse_coo
        assert copied.to_dense().tolist() == [1.0, 0.0, 2.0]
    single = tocha.sparse_coo_tensor([[0]], [2.5], (1,))
    assert (bool(single), float(single), int(single), single.item()) == (True, 2.5, 2, 2.5)
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is ambiguous"):
        bool(sparse)
    assert len(sparse) == 3
    assert sparse.size(0) == 3


def test_in_place_ops_and_sparse_mask_equal_pytorchs() -> None:
    torch = pytest.importorskip("torch")
    for name, args in (("mul_", (3.0,)), ("div_", (2.0,)), ("neg_", ()), ("zero_", ())):
        ours, theirs = _pair()
        assert getattr(ours, name)(*args) is ours
        getattr(theirs, name)(*args)
        _same(ours, theirs)
    ours, theirs = _pair()
    ours.add_(ours.clone(), alpha=2.0)
    theirs.add_(theirs.clone(), alpha=2.0)
    _same(ours, theirs)
    ours, theirs = _pair()
    dense, their_dense = tocha.ones(3, 4), torch.ones(3, 4)
    dense.add_(ours)
    their_dense.add_(theirs)
    np.testing.assert_array_equal(dense.numpy(), their_dense.numpy())
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        tocha.sparse_coo_tensor([[0]], [1], (2,)).mul_(1.5)
    values = np.arange(12, dtype=np.float32).reshape(3, 4)
    mine = tocha.from_numpy(values).sparse_mask(ours)
    reference = torch.from_numpy(values).sparse_mask(theirs.coalesce())
    _same(mine, reference)
    assert mine.layout is tocha.sparse_coo
    with pytest.raises(RuntimeError, match="sparse_mask\\(\\): operands have incompatible sizes"):
        tocha.ones(2).sparse_mask(ours)
