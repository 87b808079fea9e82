"""The op registry, dispatch layers and the gradient-layer hook (tocha.library)."""

from __future__ import annotations

import math
import threading
from typing import Any

import numpy as np
import pytest

import tocha
from tocha import _dispatch
from tocha.library import DispatchLayer, OpCall, OpRecord, VjpContext


class Recorder(DispatchLayer):
    def __init__(self, name="rec", log=None):
        self.name = name
        self.log = [] if log is None else log
        self.calls = []

    def handle(self, call, proceed):
        self.log.append((self.name, call.op.name))
        result = proceed(call)
        self.calls.append((call.op.name, call.inputs, call.params, result))
        return result


@pytest.fixture(autouse=True)
def _clean_layers():
    yield
    while _dispatch._layers:
        _dispatch._layers.pop()


def test_layer_sees_every_call_with_inputs_and_outputs():
    a = tocha.tensor([1.0, 2.0])
    with Recorder() as rec:
        result = a * 2 + 1
    names = [name for name, *_ in rec.calls]
    assert names == ["mul", "add"]
    _mul_name, mul_inputs, mul_params, _mul_out = rec.calls[0]
    assert mul_inputs[0] is a
    assert mul_inputs[1] == 2.0
    assert mul_params == ()
    assert rec.calls[1][3] is result
    assert result.tolist() == [3.0, 5.0]
    assert not _dispatch._layers


def test_layer_sees_creation_and_inplace_calls():
    with Recorder() as rec:
        t = tocha.zeros(2)
        t.add_(1) if hasattr(t, "add_") else None
    names = [name for name, *_ in rec.calls]
    assert names[0] == "full"
    if hasattr(t, "add_"):
        assert names[-1] == "add"
        assert rec.calls[-1][3] is t


def test_layer_can_change_the_call():
    class Swap(DispatchLayer):
        def handle(self, call, proceed):
            if call.op.name == "add":
                call = OpCall(tocha.library.get_op("mul"), call.device, call.inputs, call.params, call.out)
            return proceed(call)

    with Swap():
        result = tocha.tensor([2.0, 3.0]) + tocha.tensor([4.0, 5.0])
    assert result.tolist() == [8.0, 15.0]


def test_nested_layers_order():
    log = []
    outer, inner = Recorder("outer", log), Recorder("inner", log)
    with outer, inner:
        tocha.ones(1) + 1
    # the layer pushed last is the outermost: it sees each call first
    assert log == [("inner", "full"), ("outer", "full"), ("inner", "add"), ("outer", "add")]


def test_layer_own_ops_do_not_reenter():
    class Doubler(DispatchLayer):
        def __init__(self):
            self.seen = []

        def handle(self, call, proceed):
            self.seen.append(call.op.name)
            result = proceed(call)
            if call.op.name == "add":
                return result * 2  # a tocha op run by the layer itself
            return result

    below = Recorder("below")
    with below, Doubler() as doubler:
        out = tocha.tensor([1.0]) + 1
    assert out.tolist() == [4.0]
    assert doubler.seen == ["tensor", "add"]
    # the layer's own mul skips the layer and everything above it, but layers below it still see it
    assert [name for name, *_ in below.calls] == ["tensor", "add", "mul"]


def test_pop_order_errors():
    a, b = Recorder("a"), Recorder("b")
    tocha.library.push_layer(a)
    tocha.library.push_layer(b)
    with pytest.raises(RuntimeError, match="reverse order of pushing"):
        tocha.library.pop_layer(a)
    assert tocha.library.pop_layer(b) is b
    assert tocha.library.pop_layer() is a
    with pytest.raises(RuntimeError, match="no dispatch layer is pushed"):
        tocha.library.pop_layer()
    with pytest.raises(TypeError, match="expected a DispatchLayer"):
        tocha.library.push_layer(object())


def test_layer_exception_propagates_and_state_recovers():
    class Boom(DispatchLayer):
        def handle(self, call, proceed):
            raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"), Boom():
        tocha.ones(1)
    assert not _dispatch._layers
    assert _dispatch._state.visible_layers == -1
    assert tocha.ones(1).tolist() == [1.0]


def _square_forward(xp, a):
    return a * a


def _square_vjp(ctx, grad):
    (a,) = ctx.inputs
    return (grad * a * 2,)


def test_register_op_duplicates_and_lookup():
    record = OpRecord(name="test_dispatch_square", forward=_square_forward, vjp=_square_vjp, saves_inputs=(0,))
    assert tocha.library.register_op(record) is record
    try:
        with pytest.raises(RuntimeError, match="an op named 'test_dispatch_square' is already registered"):
            tocha.library.register_op(OpRecord(name="test_dispatch_square", forward=_square_forward))
        replacement = OpRecord(name="test_dispatch_square", forward=_square_forward, vjp=_square_vjp, saves_inputs=(0,))
        assert tocha.library.register_op(replacement, replace=True) is replacement
        assert tocha.library.get_op("test_dispatch_square") is replacement
        assert "test_dispatch_square" in tocha.library.registered_ops()
    finally:
        _dispatch._registry.pop("test_dispatch_square", None)
    with pytest.raises(KeyError, match="no op named 'nope' is registered"):
        tocha.library.get_op("nope")
    with pytest.raises(TypeError, match="expected an OpRecord"):
        tocha.library.register_op("square")


def test_third_party_op_with_vjp_through_call():
    record = tocha.library.register_op(
        OpRecord(
            name="test_dispatch_cube",
            forward=lambda xp, a: a**3,
            vjp=lambda ctx, g: (g * 3 * ctx.inputs[0] * ctx.inputs[0],),
            saves_inputs=(0,),
        )
    )
    try:
        x = tocha.tensor([1.0, -2.0, 0.5], dtype=tocha.float64)
        with Recorder() as rec:
            y = tocha.library.call(record, x.device, (x,), ())
        assert [name for name, *_ in rec.calls] == ["test_dispatch_cube"]
        np.testing.assert_allclose(y.numpy(), x.numpy() ** 3)
        ctx = VjpContext(
            inputs=(x,),
            result=None,
            params=(),
            input_shapes=((3,),),
            input_dtypes=(tocha.float64,),
            needs_input_grad=(True,),
        )
        (grad,) = record.vjp(ctx, tocha.ones(3, dtype=tocha.float64))
        eps = 1e-6
        numeric = ((x.numpy() + eps) ** 3 - (x.numpy() - eps) ** 3) / (2 * eps)
        np.testing.assert_allclose(grad.numpy(), numeric, rtol=1e-6)
    finally:
        _dispatch._registry.pop("test_dispatch_cube", None)


def test_run_kernel_bypasses_layers():
    call = OpCall(tocha.library.get_op("add"), tocha.device("cpu"), (tocha.ones(2), 1.0), ())
    with Recorder() as rec:
        out = tocha.library.run_kernel(call)
    assert out.tolist() == [2.0, 2.0]
    assert rec.calls == []


class FakeGradientHandler:
    def __init__(self):
        self.calls = []

    def __call__(self, call, proceed):
        self.calls.append(call.op.name)
        return proceed(call)


@pytest.fixture
def gradient_handler():
    saved = list(_dispatch._gradient_layer)
    handler = FakeGradientHandler()
    tocha.library.set_gradient_layer(handler)
    yield handler
    _dispatch._gradient_layer[:] = saved


def _leaf():
    t = tocha.ones(2)
    t._requires_grad = True  # bypass requires_grad_(), which would import tocha-autograd
    return t


def test_gradient_layer_called_only_when_needed(gradient_handler):
    plain = tocha.ones(2)
    plain * 2 + plain
    assert gradient_handler.calls == []
    leaf = _leaf()
    out = leaf * 2
    assert gradient_handler.calls == ["mul"]
    assert out.tolist() == [2.0, 2.0]
    plain + leaf
    assert gradient_handler.calls == ["mul", "add"]
    with tocha.no_grad():
        leaf * 3
    assert gradient_handler.calls == ["mul", "add"]


def test_gradient_layer_sees_three_input_and_list_inputs(gradient_handler):
    leaf = _leaf()
    record = tocha.library.register_op(OpRecord(name="test_dispatch_sum3", forward=lambda xp, a, b, c: a + b + c))
    try:
        tocha.library.call(record, leaf.device, (tocha.ones(2), tocha.ones(2), tocha.ones(2)), ())
        assert gradient_handler.calls == []
        tocha.library.call(record, leaf.device, (tocha.ones(2), tocha.ones(2), leaf), ())
        assert gradient_handler.calls == ["test_dispatch_sum3"]
    finally:
        _dispatch._registry.pop("test_dispatch_sum3", None)


def test_gradient_layer_below_dispatch_layers(gradient_handler):
    leaf = _leaf()
    with Recorder() as rec:
        leaf * 2
    assert [name for name, *_ in rec.calls] == ["mul"]
    assert gradient_handler.calls == ["mul"]


def test_gradient_layer_removed():
    saved = list(_dispatch._gradient_layer)
    handler = FakeGradientHandler()
    tocha.library.set_gradient_layer(handler)
    tocha.library.set_gradient_layer(None)
    try:
        _leaf() * 2
        assert handler.calls == []
    finally:
        _dispatch._gradient_layer[:] = saved


# ------------------------------------------------------------------ fp_errors: NumPy floating-point warnings


def _overflowing(xp, a, out=None):
    return xp.multiply(a, a) if out is None else xp.multiply(a, a, out=out)


@pytest.mark.parametrize("fp_errors", [False, True])
def test_fp_errors_silences_numpy_warnings_only_when_set(fp_errors):
    op = OpRecord(name="test_dispatch_overflow", forward=_overflowing, supports_out=True, fp_errors=fp_errors)
    big = tocha.tensor([1e30], dtype=tocha.float32)
    cpu = big.device
    calls = [
        lambda: tocha.library.call(op, cpu, (big,), ()),  # call()'s one-input path
        lambda: _dispatch.run_kernel(OpCall(op, cpu, (big,), ())),  # what layers and autograd proceed to
        lambda: tocha.library.call_inplace(op, cpu, big.clone(), (big.clone(),), ()),  # _write_inplace
    ]
    for run in calls:
        if fp_errors:
            assert run().tolist() == [math.inf]  # float32 overflow: inf, no RuntimeWarning
        else:
            with pytest.warns(RuntimeWarning, match="overflow"):
                run()
    # NumPy's own error state outside ops is untouched.
    with pytest.warns(RuntimeWarning, match="overflow"):
        np.multiply(np.float32(1e30), np.float32(1e30))


def test_fp_errors_two_and_many_inputs_and_layers():
    three = OpRecord(name="test_dispatch_div3", forward=lambda xp, a, b, c: a / b / c, fp_errors=True)
    zero = tocha.zeros(2)
    assert math.isnan(tocha.library.call(three, zero.device, (zero, zero, tocha.ones(2)), ()).tolist()[0])
    with DispatchLayer():
        assert tocha.zeros(1).div(0.0).tolist() == [pytest.approx(math.nan, nan_ok=True)]
        assert (tocha.tensor([-1.0]) / 0).tolist() == [-math.inf]


def test_fp_errors_in_another_thread_and_nested():
    import threading

    results = []

    def work():
        results.append((tocha.tensor([0.0]) / 0.0).isnan().tolist())

    threads = [threading.Thread(target=work) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert results == [[True]] * 4
    # quiet_call nests (a forward that runs another quiet forward).
    inner = _dispatch.quiet_call(lambda: _dispatch.quiet_call(np.divide, np.zeros(1), np.zeros(1)))
    assert np.isnan(inner[0])


def test_dtype_set_mirrors_dtypes():
    op = OpRecord(name="test_dispatch_dtypes", forward=lambda xp, a: a, dtypes=(tocha.float32, tocha.int64))
    assert op.dtype_set == frozenset({tocha.float32, tocha.int64})
    add = tocha.library.get_op("add")  # takes uint8, so uint16/32/64 too (NOTE [ Limited unsigned dtypes ])
    assert add.dtype_set == frozenset(add.dtypes) | {tocha.uint16, tocha.uint32, tocha.uint64}


def test_dispatch_layers_are_per_thread() -> None:
    class Record(tocha.library.DispatchLayer):
        def __init__(self, names: list[str]) -> None:
            self.names = names

        def handle(self, call: Any, proceed: Any) -> Any:
            self.names.append(call.op.name)
            return proceed(call)

    seen_here: list[str] = []
    seen_there: list[str] = []
    pushed, main_done = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def other_thread() -> None:
        try:
            with Record(seen_there):
                pushed.set()
                assert main_done.wait(10)
                tocha.ones(2).exp()
        except BaseException as exc:  # reported below, in the main thread
            errors.append(exc)

    thread = threading.Thread(target=other_thread)
    thread.start()
    assert pushed.wait(10)
    with Record(seen_here):  # pushed after the other thread's layer and popped before it: each thread's own stack
        tocha.ones(2).sin()
    main_done.set()
    thread.join(10)
    assert errors == []
    assert "sin" in seen_here
    assert "exp" not in seen_here
    assert "exp" in seen_there
    assert "sin" not in seen_there
    with pytest.raises(RuntimeError, match=r"pop_layer\(\): no dispatch layer is pushed in this thread"):
        tocha.library.pop_layer()
