"""The gradient layer's direct entry (``record_direct``): the same graphs as the OpCall entry (``record``)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

import tocha
import tocha.autograd
from tocha.autograd._record import record, record_direct


def _chain(x: tocha.Tensor) -> tocha.Tensor:
    y = x
    for i in range(9):
        y = y * 1.5 if i % 3 == 0 else (y + 0.5 if i % 3 == 1 else y.sin())
    return (y * x).exp().sum()


@pytest.fixture
def opcall_entry_only() -> Iterator[None]:
    """The autograd handler installed without its direct entry (every recorded op builds an OpCall)."""
    tocha.library.set_gradient_layer(record)
    try:
        yield
    finally:
        tocha.library.set_gradient_layer(record, record_direct)


def _grad_and_names() -> tuple[np.ndarray, list[str]]:
    x = tocha.tensor([0.1, -0.4, 0.7], dtype=tocha.float64, requires_grad=True)
    out = _chain(x)
    names = []
    fn = out.grad_fn
    while fn is not None:
        names.append(fn.name())
        fn = next((f for f, _ in fn.next_functions if f is not None and f.name() != "AccumulateGrad"), None)
    out.backward()
    assert x.grad is not None
    return x.grad.numpy(), names


def test_direct_and_opcall_entries_agree(opcall_entry_only: None) -> None:
    tocha.library.set_gradient_layer(record, record_direct)
    direct_grad, direct_names = _grad_and_names()
    tocha.library.set_gradient_layer(record)
    opcall_grad, opcall_names = _grad_and_names()
    assert direct_names == opcall_names
    assert direct_names[:3] == ["SumBackward0", "ExpBackward0", "MulBackward0"]
    np.testing.assert_array_equal(direct_grad, opcall_grad)


def test_handler_without_direct_entry_sees_every_call(opcall_entry_only: None) -> None:
    seen: list[str] = []

    def handler(call: tocha.library.OpCall, proceed: object) -> object:
        seen.append(call.op.name)
        return record(call, tocha.library.run_kernel)

    tocha.library.set_gradient_layer(handler)  # no direct entry: every recorded call arrives as an OpCall
    x = tocha.ones(2, requires_grad=True)
    (x * 2.0).sum().backward()
    assert seen == ["mul", "sum"]
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


def test_saved_tensor_hooks_and_anomaly_take_the_general_path() -> None:
    packed: list[int] = []

    def pack(t: tocha.Tensor) -> tocha.Tensor:
        packed.append(1)
        return t

    x = tocha.tensor([0.5, 1.0], requires_grad=True)
    with tocha.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        y = x.sin()
    assert packed == [1]
    z = x.sin()  # hooks gone: the fast path again, nothing packed
    assert packed == [1]
    (y + z).sum().backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.cos([0.5, 1.0]), rtol=1e-6)
    with tocha.autograd.detect_anomaly():
        w = x * 2.0
    assert w.grad_fn is not None
    assert w.grad_fn._anomaly_trace
    assert (x * 2.0).grad_fn._anomaly_trace is None  # type: ignore[union-attr]


def test_run_kernel_direct_records_nothing() -> None:
    x = tocha.ones(3, requires_grad=True)
    y = tocha.library.run_kernel_direct(tocha.library.get_op("add"), x.device, (x, x), ())
    assert not y.requires_grad
    assert y.grad_fn is None
    np.testing.assert_array_equal(y.numpy(), [2.0, 2.0, 2.0])
