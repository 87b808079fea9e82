"""The engine end to end: recording, backward, grad(), higher order, in-place, views, hooks, errors.

Gradients are compared with PyTorch when it is installed and with hand-derived values otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tocha
import tocha.autograd


def _compare(fn: Callable[[Any], Any], expected: list[float] | None = None) -> None:
    ours = np.asarray(fn(tocha).detach().numpy(), dtype=float)
    if expected is not None:
        np.testing.assert_allclose(ours.reshape(-1), expected, rtol=1e-5)
    try:
        import torch
    except ImportError:
        return
    theirs = np.asarray(fn(torch).detach().numpy(), dtype=float)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-7)


def test_leaf_gradients_accumulate() -> None:
    x = tocha.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    (x * 2).sum().backward()
    assert x.grad is not None
    assert x.grad.tolist() == [4.0, 6.0, 8.0]
    assert x.is_leaf
    assert (x * 2).grad_fn is not None


def test_graph_nodes_have_names_and_edges() -> None:
    x = tocha.ones(2, requires_grad=True)
    y = (x * 3).sum()
    assert y.grad_fn.name() == "SumBackward0"
    mul, _ = y.grad_fn.next_functions[0]
    assert mul.name() == "MulBackward0"
    accumulate, _ = mul.next_functions[0]
    assert accumulate.name() == "AccumulateGrad"
    assert accumulate.variable is x


def test_integer_and_bool_results_are_not_differentiable() -> None:
    x = tocha.ones(3, requires_grad=True)
    assert not (x > 0).requires_grad
    assert not x.argmax().requires_grad
    values, indices = x.reshape(1, 3).max(dim=1)
    assert values.requires_grad
    assert not indices.requires_grad


def test_double_backward() -> None:
    def fn(m: Any) -> Any:
        x = m.tensor([3.0, 1.5], requires_grad=True)
        (g,) = m.autograd.grad((x**3).sum(), x, create_graph=True)
        return m.autograd.grad((g * g).sum(), x)[0]

    _compare(fn, [972.0, 121.5])


def test_inplace_on_non_leaf() -> None:
    def fn(m: Any) -> Any:
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        y.mul_(3)
        (y * y).sum().backward()
        return x.grad

    _compare(fn, [72.0, 144.0, 216.0])


@pytest.mark.parametrize(
    ("overwrite", "expected"), [("zero_", [0.0, 0.0]), ("fill_", [3.0, 3.0]), ("copy_", [1.0, 4.0])]
)
def test_a_non_differentiable_inplace_write_keeps_requires_grad(overwrite: str, expected: list[float]) -> None:
    # PyTorch: the overwritten tensor still requires grad, and its old history receives zeros
    def fn(m: Any) -> Any:
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        if overwrite == "copy_":
            y.copy_(m.tensor([1.0, 4.0]))
        else:
            getattr(y, overwrite)(*(() if overwrite == "zero_" else (3.0,)))
        assert y.requires_grad
        assert y.grad_fn is not None
        (y * x).sum().backward()
        return x.grad

    _compare(fn, expected)


def test_a_non_differentiable_inplace_write_sends_zeros_to_the_old_history() -> None:
    x = tocha.tensor([1.0, 2.0], requires_grad=True)
    y = x.clone()
    y.zero_()
    ((y + 1) ** 2).sum().backward()
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])
    assert y.grad_fn.next_functions[0][0].name() == "CloneBackward0"


def test_inplace_on_a_view_rewrites_the_base_history() -> None:
    def fn(m: Any) -> Any:
        x = m.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        y = x * 1
        y[1:3].mul_(3)
        (y * y).sum().backward()
        return x.grad

    _compare(fn, [2.0, 36.0, 54.0, 8.0])


def test_setitem_with_a_tensor_that_requires_grad() -> None:
    def fn(m: Any) -> Any:
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        w = m.tensor([5.0], requires_grad=True)
        y = x * 3
        y[1] = w[0] * 2
        y.sum().backward()
        return m.cat([x.grad, w.grad])

    _compare(fn, [3.0, 0.0, 3.0, 2.0])


def test_writing_into_a_plain_buffer_gives_it_history() -> None:
    def fn(m: Any) -> Any:
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        buffer = m.zeros(5)
        buffer[1:4] = x * 2
        (buffer**2).sum().backward()
        return x.grad

    _compare(fn, [8.0, 16.0, 24.0])


def test_views_made_before_an_inplace_write_see_the_new_values() -> None:
    def fn(m: Any) -> Any:
        x = m.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        y = x * 1
        tail = y[2:]
        y[:2].mul_(10)
        (tail * y[0]).sum().backward()
        return x.grad

    _compare(fn, [70.0, 0.0, 10.0, 10.0])


def test_hooks_and_retain_grad() -> None:
    def fn(m: Any) -> Any:
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.retain_grad()
        y.register_hook(lambda g: g * 10)
        (y**2).sum().backward()
        return m.cat([x.grad, y.grad])

    _compare(fn, [80.0, 160.0, 40.0, 80.0])
    x = tocha.ones(2, requires_grad=True)
    y = x * 2
    y.retain_grad()
    assert y.retains_grad
    seen: list[Any] = []
    handle = x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.tolist()))
    y.sum().backward()
    handle.remove()
    y2 = (x * 2).sum()
    y2.backward()
    assert seen == [[2.0, 2.0]]


def test_reductions_matmul_and_joins() -> None:
    def fn(m: Any) -> Any:
        a = m.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
        b = m.tensor(np.arange(3.0), requires_grad=True)
        ((a @ b).tanh().sum() + (a * b).max() + m.stack([a, a]).std()).backward()
        return m.cat([a.grad.reshape(-1), b.grad])

    _compare(fn)


def test_retain_graph_allows_a_second_backward() -> None:
    x = tocha.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp().sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp([1.0, 2.0]), rtol=1e-6)


def test_errors() -> None:
    x = tocha.ones(3, requires_grad=True)
    y = x.exp()
    z = y.sum()
    y.add_(1)
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation.*ExpBackward0.*is at version 1"):
        z.backward()
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()
    c = tocha.tensor([1 + 1j], requires_grad=True)
    with pytest.raises(
        RuntimeError, match=r"grad can be implicitly created only for real scalar outputs but got tocha.complex64"
    ):
        (c * c).sum().backward()
    with pytest.raises(RuntimeError, match="only for real scalar outputs"):
        tocha.autograd.grad((c * c).sum(), c)
    z = x.exp().sum()
    z.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        z.backward()
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        x.add_(1)
    w = tocha.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        tocha.autograd.grad((x * 2).sum(), [x, w])
    gx, gw = tocha.autograd.grad((x * 2).sum(), [x, w], allow_unused=True)
    assert gx.tolist() == [2.0, 2.0, 2.0]
    assert gw is None
    zero = tocha.autograd.grad((x * 2).sum(), [w], materialize_grads=True)[0]
    assert zero.tolist() == [0.0, 0.0]
    with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn"):
        tocha.ones(1).backward()
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(tocha.ones(2))


def test_backward_inputs_accumulates_only_there() -> None:
    a = tocha.ones(2, requires_grad=True)
    b = tocha.ones(2, requires_grad=True)
    (a * b * 3).sum().backward(inputs=[a])
    assert a.grad is not None
    assert a.grad.tolist() == [3.0, 3.0]
    assert b.grad is None


def test_no_grad_records_nothing() -> None:
    x = tocha.ones(2, requires_grad=True)
    with tocha.no_grad():
        y = x * 2
    assert y.grad_fn is None
    assert not y.requires_grad


def test_detach_and_detach_() -> None:
    x = tocha.ones(2, requires_grad=True)
    y = (x * 2).detach()
    assert not y.requires_grad
    assert y.is_leaf
    z = x * 2
    z.detach_()
    assert z.grad_fn is None
    assert not z.requires_grad


def test_anomaly_mode_names_the_forward_line() -> None:
    x = tocha.tensor([0.0], requires_grad=True)
    with tocha.autograd.detect_anomaly():
        y = x.sqrt() * 0.0  # d/dx sqrt at 0 is inf; inf * 0 -> nan
        with pytest.raises(RuntimeError, match=r"(?s)returned nan values.*test_engine\.py.*x.sqrt"):
            y.sum().backward()


def test_saved_tensors_hooks_pack_and_unpack() -> None:
    packed: list[Any] = []

    def pack(t: Any) -> Any:
        packed.append(tuple(t.shape))
        return t.detach().numpy().copy()

    x = tocha.tensor([1.0, 2.0], requires_grad=True)
    with tocha.autograd.graph.saved_tensors_hooks(pack, lambda a: tocha.from_numpy(a)):
        y = (x * x).sum()
    y.backward()
    assert packed == [(2,), (2,)]
    assert x.grad is not None
    assert x.grad.tolist() == [2.0, 4.0]


def test_increment_version_marks_tensors_written_outside_the_ops() -> None:
    w = tocha.ones(3, requires_grad=True)
    b = tocha.ones(2, requires_grad=True)
    loss = (w * w).sum() + (b * b).sum()
    before = [tocha.library.tensor_version(t) for t in (w, b)]
    tocha.autograd.graph.increment_version(w[1:])  # a view moves its base's counter
    tocha.autograd.graph.increment_version([b])
    assert [tocha.library.tensor_version(t) for t in (w, b)] == [v + 1 for v in before]
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_output_nr_names_the_output_of_a_multi_output_op() -> None:
    x = tocha.randn(4, 3, requires_grad=True)
    u, s, vh = tocha.linalg.svd(x, full_matrices=False)
    assert (x.output_nr, u.output_nr, s.output_nr, vh.output_nr) == (0, 0, 1, 2)
    assert u.grad_fn is s.grad_fn


def test_save_on_cpu_and_disabling_saved_tensor_hooks() -> None:
    x = tocha.tensor([1.0, 2.0], requires_grad=True)
    with tocha.autograd.graph.save_on_cpu(pin_memory=False):
        y = (x * x * x).sum()
    y.backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 12.0])
    off = tocha.autograd.graph.disable_saved_tensors_hooks("hooks are off here")
    with off, pytest.raises(RuntimeError, match="hooks are off here"):
        tocha.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t).__enter__()
    with tocha.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):  # allowed again after the block
        pass


def test_save_on_cpu_matches_pytorch_gradients() -> None:
    def fn(m: Any) -> Any:
        x = m.tensor([0.5, -1.0, 2.0], requires_grad=True)
        with m.autograd.graph.save_on_cpu():
            y = (x.exp() * x.sin()).sum()
        y.backward()
        return x.grad

    _compare(fn)


def test_register_multi_grad_hook() -> None:
    def fn(m: Any) -> Any:
        a, b = m.ones(2, requires_grad=True), m.ones(2, requires_grad=True)
        seen: list[Any] = []
        handle = m.autograd.graph.register_multi_grad_hook(
            (a, b), lambda grads: seen.append([g if g is not None else m.zeros(2) - 1 for g in grads])
        )
        (a * 2 + b * 3).sum().backward()  # both
        (a * 2).sum().backward()  # only a: b's entry is None
        handle.remove()
        (a * b).sum().backward()  # removed: not seen
        first: list[Any] = []
        m.autograd.graph.register_multi_grad_hook((a, b), first.append, mode="any")
        (a * 5 + b).sum().backward()
        return m.cat([g for pair in seen for g in pair] + first)

    _compare(fn, [2.0, 2.0, 3.0, 3.0, 2.0, 2.0, -1.0, -1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="Expects mode to be one of"):
        tocha.autograd.graph.register_multi_grad_hook((tocha.ones(1, requires_grad=True),), print, mode="some")


def test_queue_callback_runs_when_the_pass_ends() -> None:
    from tocha.autograd import _engine

    order: list[str] = []
    x = tocha.ones(2, requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: _engine.queue_callback(lambda: order.append("callback")) or order.append("hook"))
    (y * 3).sum().backward()
    order.append("after")
    assert order == ["hook", "callback", "after"]
    with pytest.raises(RuntimeError, match="Final callbacks can only be installed during backward pass"):
        _engine.queue_callback(lambda: None)


def test_a_gradient_a_hook_kept_is_not_changed_by_later_accumulation() -> None:
    # .grad accumulates in place; the tensor a hook was handed must not be that same tensor (PyTorch copies it)
    def fn(m: Any) -> Any:
        x = m.ones(2, requires_grad=True)
        y = m.ones(2, requires_grad=True)
        z = y + 0
        kept: list[Any] = []
        x.register_hook(kept.append)
        z.register_hook(kept.append)
        (x * 2 + z * 4).sum().backward()
        (x * 3 + y * 5).sum().backward()
        return m.cat([*kept, x.grad, y.grad])

    _compare(fn, [2.0, 2.0, 4.0, 4.0, 3.0, 3.0, 5.0, 5.0, 9.0, 9.0])


def test_gradient_edges_in_place_of_tensors() -> None:
    def fn(m: Any) -> Any:
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 3
        edge = m.autograd.graph.get_gradient_edge(y)
        z = (y * y).sum()
        (as_input,) = m.autograd.grad(z, edge, retain_graph=True)  # d z / d y through the edge
        both = m.autograd.grad(z, [edge, x], retain_graph=True)
        (as_output,) = m.autograd.grad(edge, x, grad_outputs=m.ones(2))  # from the edge down to x
        return m.cat([as_input, *both, as_output])

    _compare(fn, [6.0, 12.0, 6.0, 12.0, 18.0, 36.0, 3.0, 3.0])
    y = tocha.ones(2, requires_grad=True) * 2
    edge = tocha.autograd.graph.get_gradient_edge(y)
    assert (edge.node, edge.output_nr) == (y.grad_fn, 0)
    with pytest.raises(RuntimeError, match="not possible to get the gradient edge for a Tensor that does not"):
        tocha.autograd.graph.get_gradient_edge(tocha.ones(1))


def test_legacy_variable() -> None:
    from tocha.autograd import Variable

    data = tocha.ones(2)
    v = Variable(data, requires_grad=True)
    assert v is not data
    assert v.requires_grad
    assert not data.requires_grad
    assert isinstance(data, Variable)
    assert not isinstance(3, Variable)
    assert v.data_ptr() == data.data_ptr()  # shares memory
    (v * 2).sum().backward()
    assert v.grad is not None
    assert Variable().shape == (0,)
    with pytest.warns(UserWarning, match="volatile was removed"):
        Variable(data, volatile=True)
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got int"):
        Variable(3)
    order: list[str] = []
    x = tocha.ones(1, requires_grad=True)
    x.register_hook(lambda g: Variable._execution_engine.queue_callback(lambda: order.append("done")))
    (x * 2).sum().backward()
    assert order == ["done"]
