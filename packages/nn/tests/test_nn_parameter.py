"""Parameter, Buffer, UninitializedParameter, UninitializedBuffer."""

from __future__ import annotations

import copy
import pickle

import pytest
from nn_oracle import torch_or_skip

import tocha
from tocha import nn
from tocha.nn.parameter import is_lazy


def test_parameter_basics() -> None:
    p = nn.Parameter(tocha.ones(2))
    assert isinstance(p, tocha.Tensor)
    assert p.requires_grad
    assert p.is_leaf
    assert repr(p) == "Parameter containing:\ntensor([1., 1.], requires_grad=True)"
    assert not nn.Parameter(tocha.ones(1), requires_grad=False).requires_grad
    assert tuple(nn.Parameter().shape) == (0,)
    assert type(p * 2) is tocha.Tensor
    assert type(p.detach()) is tocha.Tensor
    with pytest.raises(RuntimeError, match="Only Tensors of floating point and complex dtype can require gradients"):
        nn.Parameter(tocha.tensor([1, 2]))
    assert not nn.Parameter(tocha.tensor([1, 2]), requires_grad=False).requires_grad


def test_parameter_shares_memory_with_data() -> None:
    data = tocha.zeros(3)
    p = nn.Parameter(data)
    with tocha.no_grad():
        p.add_(1)
    assert data.tolist() == [1.0, 1.0, 1.0]


def test_parameter_copy_and_pickle() -> None:
    p = nn.Parameter(tocha.tensor([1.0, 2.0]), requires_grad=False)
    for q in (copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert type(q) is nn.Parameter
        assert not q.requires_grad
        assert q.tolist() == [1.0, 2.0]
        assert q is not p
    memo: dict[int, object] = {}
    assert copy.deepcopy(p, memo) is copy.deepcopy(p, memo)


def test_parameter_repr_matches_torch() -> None:
    torch = torch_or_skip()
    assert repr(nn.Parameter(tocha.ones(2, 2))) == repr(torch.nn.Parameter(torch.ones(2, 2)))
    assert repr(nn.Buffer(tocha.ones(2))) == repr(torch.nn.Buffer(torch.ones(2)))
    assert repr(nn.UninitializedParameter()) == repr(torch.nn.UninitializedParameter())
    assert repr(nn.UninitializedBuffer()) == repr(torch.nn.UninitializedBuffer())


def test_buffer() -> None:
    m = nn.Module()
    m.a = nn.Buffer(tocha.ones(1))
    m.b = nn.Buffer(tocha.ones(1), persistent=False)
    assert type(m.a) is tocha.Tensor
    assert list(m.state_dict()) == ["a"]
    assert [n for n, _ in m.named_buffers()] == ["a", "b"]
    m.register_buffer("c", nn.Buffer(tocha.zeros(1), persistent=False))
    assert "c" in m._non_persistent_buffers_set


def test_uninitialized_parameter() -> None:
    u = nn.UninitializedParameter(dtype=tocha.float64)
    assert is_lazy(u)
    assert isinstance(u, nn.Parameter)
    assert u.requires_grad
    u.materialize((2, 3))
    assert type(u) is nn.Parameter
    assert tuple(u.shape) == (2, 3)
    assert u.dtype == tocha.float64
    assert not is_lazy(u)
    assert u.requires_grad
    v = nn.UninitializedParameter(requires_grad=False)
    v.materialize(4, dtype=tocha.float16)
    assert tuple(v.shape) == (4,)
    assert v.dtype == tocha.float16
    assert not v.requires_grad


def test_uninitialized_copy_and_pickle() -> None:
    u = nn.UninitializedParameter(dtype=tocha.float64)
    for q in (copy.deepcopy(u), pickle.loads(pickle.dumps(u))):
        assert type(q) is nn.UninitializedParameter
        assert q.dtype == tocha.float64
        assert q is not u
    b = nn.UninitializedBuffer()
    for q in (copy.deepcopy(b), pickle.loads(pickle.dumps(b))):
        assert type(q) is nn.UninitializedBuffer
    b.materialize((2,))
    assert type(b) is tocha.Tensor
    assert tuple(b.shape) == (2,)
