"""Deprecated names PyTorch code still uses: nn.NLLLoss2d, nn.Container, and nn.factory_kwargs."""

from __future__ import annotations

import re

import pytest

import tocha
from tocha import nn


def test_nllloss2d_is_nllloss_with_a_warning() -> None:
    with pytest.warns(FutureWarning, match="`NLLLoss2d` has been deprecated. Please use `NLLLoss` instead"):
        loss = nn.NLLLoss2d(ignore_index=1, reduction="sum")
    assert isinstance(loss, nn.NLLLoss)
    log_probs = tocha.log_softmax(tocha.arange(24.0).reshape(2, 3, 2, 2), dim=1)
    target = tocha.tensor([[[0, 1], [2, 0]], [[1, 2], [0, 0]]])
    expected = tocha.nn.functional.nll_loss(log_probs, target, ignore_index=1, reduction="sum")
    assert tocha.equal(loss(log_probs, target), expected)


def test_container_holds_its_keyword_modules() -> None:
    with pytest.warns(FutureWarning, match=re.escape("`nn.Container` is deprecated")):
        box = nn.Container(first=nn.Linear(2, 3), second=nn.ReLU())
    assert [name for name, _ in box.named_children()] == ["first", "second"]
    assert len(list(box.parameters())) == 2


def test_factory_kwargs() -> None:
    assert nn.factory_kwargs(None) == {}
    assert nn.factory_kwargs({"device": "cpu", "memory_format": tocha.channels_last}) == {
        "device": "cpu",
        "memory_format": tocha.channels_last,
    }
    merged = nn.factory_kwargs({"factory_kwargs": {"dtype": tocha.float64}, "device": "cpu"})
    assert merged == {"dtype": tocha.float64, "device": "cpu"}
    assert tocha.empty(2, **merged).dtype is tocha.float64
    with pytest.raises(TypeError, match=re.escape("unexpected kwargs {'bias'}")):
        nn.factory_kwargs({"bias": True})
    with pytest.raises(TypeError, match="dtype specified twice, in \\*\\*kwargs and in factory_kwargs"):
        nn.factory_kwargs({"factory_kwargs": {"dtype": tocha.float64}, "dtype": tocha.float32})


def test_factory_kwargs_equals_pytorch() -> None:
    torch = pytest.importorskip("torch")
    for kwargs in ({"device": "cpu"}, {"factory_kwargs": {"device": "cpu"}, "dtype": None}, {}):
        assert nn.factory_kwargs(kwargs) == torch.nn.factory_kwargs(kwargs)
