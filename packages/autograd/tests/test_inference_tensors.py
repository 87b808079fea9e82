"""Tensors made under inference_mode refuse to join a graph later, as PyTorch's inference tensors do."""

from __future__ import annotations

import threading
from typing import Any

import pytest

import tocha
import tocha.autograd
from tocha.library import DispatchLayer

SAVE_MESSAGE = (
    "Inference tensors cannot be saved for backward. Please do not use Tensors created in inference mode in "
    "computation tracked by autograd. To work around this, you can make a clone to get a normal tensor and use it "
    "in autograd, or use `tocha.no_grad()` instead of `tocha.inference_mode()`."
)


def test_tensors_made_inside_are_inference_tensors() -> None:
    normal = tocha.ones(3)
    with tocha.inference_mode():
        made = tocha.ones(3)
        literal = tocha.tensor([1.0, 2.0])
        computed = normal * 2
        values, indices = tocha.ones(2, 3).max(dim=1)
        view_of_normal = normal[1:]
        view_of_inference = made[1:]
        assert tocha.is_inference_mode_enabled()
        assert not tocha.is_grad_enabled()
    assert made.is_inference()
    assert literal.is_inference()
    assert computed.is_inference()
    assert values.is_inference()
    assert indices.is_inference()
    assert view_of_inference.is_inference()
    assert not view_of_normal.is_inference()  # a view of a normal tensor stays normal
    assert not normal.is_inference()
    assert not tocha.ones(1).is_inference()
    assert not tocha.is_inference_mode_enabled()
    assert tocha.is_grad_enabled()


def test_inplace_on_a_normal_tensor_inside_keeps_it_normal() -> None:
    t = tocha.zeros(2)
    with tocha.inference_mode():
        t.add_(1)
    assert not t.is_inference()
    assert t.tolist() == [1.0, 1.0]


def test_saving_an_inference_tensor_for_backward_raises() -> None:
    with tocha.inference_mode():
        x = tocha.ones(2)
    w = tocha.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        x * w  # mul saves both inputs
    assert str(info.value) == SAVE_MESSAGE
    assert tocha.stack([x, w]).prod().requires_grad  # stack saves nothing; prod saves the (normal) stacked tensor
    y = x + w  # add saves nothing: allowed, as in PyTorch
    y.sum().backward()
    assert w.grad is not None
    assert w.grad.tolist() == [1.0, 1.0]
    z = x.clone() * w  # the documented workaround
    assert z.grad_fn is not None


def test_list_inputs_that_are_saved() -> None:
    with tocha.inference_mode():
        x = tocha.ones(2)
    w = tocha.ones(2, requires_grad=True)
    out = tocha.cat([x, w])  # cat saves nothing
    assert out.requires_grad


def test_requires_grad_refused_outside_inference_mode() -> None:
    with tocha.inference_mode():
        x = tocha.ones(2)
        x.requires_grad_()  # allowed inside, as in PyTorch
        assert x.requires_grad
    with tocha.inference_mode():
        y = tocha.ones(2)
    with pytest.raises(RuntimeError, match="Setting requires_grad=True on inference tensor outside InferenceMode"):
        y.requires_grad_()
    with pytest.raises(RuntimeError, match="Setting requires_grad=True on inference tensor outside InferenceMode"):
        y.requires_grad = True
    y.requires_grad_(False)  # turning it off is fine


def test_nested_inference_mode_false_and_decorator() -> None:
    with tocha.inference_mode():
        with tocha.inference_mode(False):
            assert not tocha.is_inference_mode_enabled()
            assert tocha.is_grad_enabled()
            normal = tocha.ones(1)
        assert tocha.is_inference_mode_enabled()
        marked = tocha.ones(1)
    assert not normal.is_inference()
    assert marked.is_inference()

    @tocha.inference_mode()
    def make() -> Any:
        return tocha.ones(2)

    assert make().is_inference()
    assert not tocha.is_inference_mode_enabled()


def test_the_marking_layer_is_gone_after_the_block() -> None:
    seen: list[str] = []

    class Spy(DispatchLayer):
        def handle(self, call: Any, proceed: Any) -> Any:
            seen.append(call.op.name)
            return proceed(call)

    with tocha.inference_mode():
        pass
    with Spy():
        tocha.ones(2) * 2
    assert seen == ["full", "mul"]
    with Spy(), tocha.inference_mode():
        t = tocha.ones(2)
    assert t.is_inference()


def test_other_threads_are_not_in_inference_mode() -> None:
    made: list[Any] = []
    started, release = threading.Event(), threading.Event()

    def other() -> None:
        started.wait()
        made.append((tocha.ones(1), tocha.is_inference_mode_enabled()))
        release.set()

    thread = threading.Thread(target=other)
    thread.start()
    with tocha.inference_mode():
        started.set()
        release.wait()
    thread.join()
    tensor, enabled = made[0]
    assert not enabled
    assert not tensor.is_inference()


def test_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    with torch.inference_mode():
        x = torch.ones(2)
    w = torch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError) as theirs:
        x * w
    assert str(theirs.value).replace("torch.", "tocha.") == SAVE_MESSAGE
    with pytest.raises(RuntimeError) as theirs:
        x.requires_grad_()
    with tocha.inference_mode():
        y = tocha.ones(2)
    with pytest.raises(RuntimeError) as ours:
        y.requires_grad_()
    assert str(ours.value) == str(theirs.value)
