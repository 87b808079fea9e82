"""LazyModuleMixin: parameters materialized from the first input, then the class becomes cls_to_become."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest

import tocha
from tocha import nn
from tocha.nn.modules.lazy import LazyModuleMixin
from tocha.nn.parameter import is_lazy


class Affine(nn.Module):
    def __init__(self, features: int) -> None:
        super().__init__()
        self.features = features
        self.weight = nn.Parameter(tocha.empty(features))
        self.register_buffer("shift", tocha.empty(features))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        with tocha.no_grad():
            self.weight.copy_(tocha.ones(self.weight.shape))
            self.shift.copy_(tocha.zeros(self.shift.shape))

    def forward(self, x: Any) -> Any:
        return x * self.weight + self.shift

    def extra_repr(self) -> str:
        return f"features={self.features}"


class LazyAffine(LazyModuleMixin, Affine):
    cls_to_become = Affine

    def __init__(self) -> None:
        super().__init__(0)
        self.weight = nn.UninitializedParameter()
        self.shift = nn.UninitializedBuffer()

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.features != 0:
            super().reset_parameters()

    def initialize_parameters(self, x: Any) -> None:
        if self.has_uninitialized_params():
            with tocha.no_grad():
                self.features = x.shape[-1]
                self.weight.materialize((self.features,))
                self.shift.materialize((self.features,))
                self.reset_parameters()


def test_first_call_materializes_and_changes_class() -> None:
    m = LazyAffine()
    assert m.has_uninitialized_params()
    assert len(m._forward_pre_hooks) == 1
    assert len(m._load_state_dict_pre_hooks) == 1
    out = m(tocha.full((2, 3), 2.0))
    assert out.tolist() == [[2.0, 2.0, 2.0]] * 2
    assert type(m) is Affine
    assert type(m.weight) is nn.Parameter
    assert tuple(m.weight.shape) == (3,)
    assert type(m.shift) is tocha.Tensor
    assert len(m._forward_pre_hooks) == 0
    assert len(m._load_state_dict_pre_hooks) == 0
    assert "_initialize_hook" not in m.__dict__
    assert repr(m) == "Affine(features=3)"
    out.sum().backward()
    assert m.weight.grad is not None


def test_state_dict_of_uninitialized_module() -> None:
    m = LazyAffine()
    sd = m.state_dict()
    assert list(sd) == ["weight", "shift"]
    assert is_lazy(sd["weight"])
    assert is_lazy(sd["shift"])


def test_load_state_dict_materializes() -> None:
    source = Affine(4)
    with tocha.no_grad():
        source.weight.copy_(tocha.arange(4.0))
    m = LazyAffine()
    m.load_state_dict(source.state_dict())
    assert not m.has_uninitialized_params()
    assert m.weight.tolist() == [0.0, 1.0, 2.0, 3.0]
    assert tuple(m.shift.shape) == (4,)
    assert type(m) is LazyAffine  # becomes Affine at the first forward, as in PyTorch
    m.features = 4
    m(tocha.ones(4))
    assert type(m) is Affine


def test_lazy_copy_and_pickle_before_init() -> None:
    m = LazyAffine()
    for twin in (copy.deepcopy(m), pickle.loads(pickle.dumps(m))):
        assert twin.has_uninitialized_params()
        twin(tocha.ones(1, 5))
        assert type(twin) is Affine
        assert tuple(twin.weight.shape) == (5,)
    assert m.has_uninitialized_params()


def test_incomplete_initialization_raises() -> None:
    class Broken(LazyAffine):
        def initialize_parameters(self, x: Any) -> None:
            pass

    with pytest.raises(RuntimeError, match="module Broken has not been fully initialized"):
        Broken()(tocha.ones(2))


def test_initialize_parameters_receives_kwargs() -> None:
    seen: list[Any] = []

    class WithKw(LazyAffine):
        cls_to_become = None

        def initialize_parameters(self, x: Any, *, scale: float = 1.0) -> None:
            seen.append(scale)
            super().initialize_parameters(x)

        def forward(self, x: Any, *, scale: float = 1.0) -> Any:
            return super().forward(x) * scale

    m = WithKw()
    assert m(tocha.ones(2), scale=3.0).tolist() == [3.0, 3.0]
    assert seen == [3.0]


def test_parameters_of_uninitialized_module() -> None:
    m = nn.Sequential(LazyAffine())
    params = list(m.parameters())
    assert len(params) == 1
    assert is_lazy(params[0])
    m(tocha.ones(2))
    assert [tuple(p.shape) for p in m.parameters()] == [(2,)]
