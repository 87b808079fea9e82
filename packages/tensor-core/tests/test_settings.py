"""Global settings: default device, determinism, matmul precision, threads, warn_always, compile, record_stream."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest

import tocha
from tocha import _settings
from tocha._backend import _backends
from tocha._device import DEFAULT


class FakeBackend(tocha.library.CpuBackend):
    """A second NumPy-backed device type, standing in for cuda as the default device."""


@pytest.fixture(autouse=True)
def restore_settings():
    saved = (
        DEFAULT.current,
        DEFAULT.saved,
        _settings._deterministic,
        _settings._deterministic_warn_only,
        _settings._matmul_precision,
        _settings._num_threads,
        _settings._num_interop_threads,
        _settings._warn_always,
    )
    yield
    (
        DEFAULT.current,
        DEFAULT.saved,
        _settings._deterministic,
        _settings._deterministic_warn_only,
        _settings._matmul_precision,
        _settings._num_threads,
        _settings._num_interop_threads,
        _settings._warn_always,
    ) = saved


@pytest.fixture
def fakedev():
    tocha.library.register_backend("fakedev", FakeBackend())
    yield "fakedev"
    _backends.pop("fakedev", None)


def in_thread(fn):
    box = []
    thread = threading.Thread(target=lambda: box.append(fn()))
    thread.start()
    thread.join()
    return box[0]


# ------------------------------------------------------------------ default device

# name -> a call of the factory with no device argument, for module m (tocha or torch).
FACTORIES = {
    "zeros": lambda m: m.zeros(2),
    "ones": lambda m: m.ones(2, 3),
    "empty": lambda m: m.empty(2),
    "full": lambda m: m.full((2,), 1.5),
    "arange": lambda m: m.arange(3),
    "linspace": lambda m: m.linspace(0, 1, 3),
    "logspace": lambda m: m.logspace(0, 1, 3),
    "eye": lambda m: m.eye(2),
    "rand": lambda m: m.rand(2),
    "randn": lambda m: m.randn(2),
    "randint": lambda m: m.randint(0, 3, (2,)),
    "randperm": lambda m: m.randperm(3),
    "tensor": lambda m: m.tensor([1.0, 2.0]),
    "tensor_of_tensor": lambda m: m.tensor(m.ones(2, device="cpu")),
    "as_tensor_list": lambda m: m.as_tensor([1.0]),
    "as_tensor_numpy": lambda m: m.as_tensor(np.zeros(2)),
    "as_tensor_tensor": lambda m: m.as_tensor(m.zeros(2, device="cpu")),
    "asarray": lambda m: m.asarray([1.0]),
    "scalar_tensor": lambda m: m.scalar_tensor(1.0),
    "empty_strided": lambda m: m.empty_strided((2, 2), (1, 2)),
    "hann_window": lambda m: m.hann_window(4),
    "hamming_window": lambda m: m.hamming_window(4),
    "blackman_window": lambda m: m.blackman_window(4),
    "bartlett_window": lambda m: m.bartlett_window(4),
    "kaiser_window": lambda m: m.kaiser_window(4),
    "tril_indices": lambda m: m.tril_indices(3, 3),
    "triu_indices": lambda m: m.triu_indices(3, 3),
    "fftfreq": lambda m: m.fft.fftfreq(4),
    "rfftfreq": lambda m: m.fft.rfftfreq(4),
    # these keep their own device: cpu
    "from_numpy": lambda m: m.from_numpy(np.zeros(2)),
    "Tensor": lambda m: m.Tensor(2),
    "Tensor_list": lambda m: m.Tensor([1.0]),
    "zeros_like": lambda m: m.zeros_like(m.zeros(2, device="cpu")),
    "rand_like": lambda m: m.rand_like(m.zeros(2, device="cpu")),
    "new_zeros": lambda m: m.zeros(2, device="cpu").new_zeros(3),
    "new_tensor": lambda m: m.zeros(2, device="cpu").new_tensor([1.0]),
    "explicit_cpu": lambda m: m.ones(2, device="cpu"),
}
KEEP_CPU = {"from_numpy", "Tensor", "Tensor_list", "zeros_like", "rand_like", "new_zeros", "new_tensor", "explicit_cpu"}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_factories_use_default_device(fakedev, name):
    make = FACTORIES[name]
    tocha.set_default_device(fakedev)
    t = make(tocha)
    assert t.device == (tocha.device("cpu") if name in KEEP_CPU else tocha.device("fakedev", 0))
    tocha.set_default_device(None)
    assert make(tocha).device == tocha.device("cpu")


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_factories_follow_default_device_as_torch(fakedev, name):
    torch = pytest.importorskip("torch")
    make = FACTORIES[name]
    torch.set_default_device("meta")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch.tensor(a_tensor) warns
            moved_in_torch = make(torch).device.type == "meta"
    finally:
        torch.set_default_device(None)
    with tocha.device(fakedev):
        assert (make(tocha).device.type == fakedev) == moved_in_torch


def test_normal_with_sizes_uses_default_device(fakedev):
    # PyTorch 2.13 leaves normal(float, float, size) on cpu under a default device (it is missing from its list
    # of factories); tocha treats it as every other factory.
    with tocha.device(fakedev):
        assert tocha.normal(0.0, 1.0, (2,)).device.type == fakedev
        assert tocha.normal(tocha.zeros(2, device="cpu"), 1.0).device.type == "cpu"


def test_default_device_values(fakedev):
    assert tocha.get_default_device() == tocha.device("cpu")
    tocha.set_default_device(tocha.device(fakedev))
    assert tocha.get_default_device() == tocha.device("fakedev:0")
    tocha.set_default_device("cpu:0")
    assert tocha.get_default_device() is tocha.device("cpu")
    tocha.set_default_device("fakedev:3")
    assert tocha.get_default_device() == tocha.device("fakedev:3")
    assert tocha.zeros(1).device == tocha.device("fakedev:3")
    tocha.set_default_device(None)
    assert tocha.get_default_device() == tocha.device("cpu")


def test_default_device_does_not_change_values(fakedev):
    with tocha.device(fakedev):
        t = tocha.arange(6, dtype=tocha.float64).reshape(2, 3)
        assert t.dtype == tocha.float64
        assert t.cpu().numpy().tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
        assert tocha.tensor([1, 2]).dtype == tocha.int64


def test_set_default_device_errors():
    with pytest.raises(RuntimeError, match="Invalid device string: 'cuda:x'"):
        tocha.set_default_device("cuda:x")
    with pytest.raises(TypeError, match="got float"):
        tocha.set_default_device(1.5)  # type: ignore[arg-type]
    assert tocha.get_default_device() == tocha.device("cpu")


def test_set_default_device_int_means_cuda():
    tocha.set_default_device(1)
    assert DEFAULT.current == tocha.device("cuda:1")


def test_set_default_device_errors_as_torch():
    torch = pytest.importorskip("torch")
    for bad, error in (("foo bar", RuntimeError), (1.5, TypeError)):
        with pytest.raises(error):
            torch.set_default_device(bad)
        with pytest.raises(error):
            tocha.set_default_device(bad)  # type: ignore[arg-type]


def test_device_context_nests_and_restores(fakedev):
    with tocha.device(fakedev) as d:
        assert d is tocha.device(fakedev)
        assert tocha.get_default_device() == tocha.device("fakedev:0")
        with tocha.device("cpu"):
            assert tocha.zeros(1).device == tocha.device("cpu")
            with tocha.device("fakedev:2"):
                assert tocha.zeros(1).device == tocha.device("fakedev:2")
            assert tocha.get_default_device() == tocha.device("cpu")
        with d:  # the same (interned) device twice
            assert tocha.zeros(1).device.type == fakedev
        assert tocha.ones(1).device.type == fakedev
    assert tocha.get_default_device() == tocha.device("cpu")
    assert DEFAULT.saved == ()


def test_device_context_restores_on_exception(fakedev):
    tocha.set_default_device("fakedev:1")
    with pytest.raises(ValueError, match="inside"), tocha.device("cpu"):
        raise ValueError("inside")
    assert tocha.get_default_device() == tocha.device("fakedev:1")


def test_default_device_is_per_thread(fakedev):
    tocha.set_default_device(fakedev)
    assert in_thread(tocha.get_default_device) == tocha.device("cpu")
    assert in_thread(lambda: tocha.zeros(1).device) == tocha.device("cpu")
    with tocha.device("fakedev:1"):
        assert in_thread(lambda: tocha.zeros(1).device) == tocha.device("cpu")

    def inner():
        with tocha.device(fakedev):
            return tocha.zeros(1).device

    tocha.set_default_device(None)
    assert in_thread(inner).type == fakedev
    assert tocha.zeros(1).device == tocha.device("cpu")


def test_device_context_as_torch():
    torch = pytest.importorskip("torch")
    with torch.device("meta") as d:
        assert d == torch.device("meta")
        assert in_thread(lambda: torch.zeros(1).device) == torch.device("cpu")
    with tocha.device("cpu") as e:
        assert e is tocha.device("cpu")


# ------------------------------------------------------------------ determinism


def test_deterministic_state():
    assert not tocha.are_deterministic_algorithms_enabled()
    assert tocha.get_deterministic_debug_mode() == 0
    tocha.use_deterministic_algorithms(True)
    assert tocha.are_deterministic_algorithms_enabled()
    assert not tocha.is_deterministic_algorithms_warn_only_enabled()
    assert tocha.get_deterministic_debug_mode() == 2
    tocha.use_deterministic_algorithms(True, warn_only=True)
    assert tocha.get_deterministic_debug_mode() == 1
    tocha.use_deterministic_algorithms(False, warn_only=True)
    assert tocha.get_deterministic_debug_mode() == 0
    assert tocha.is_deterministic_algorithms_warn_only_enabled()


@pytest.mark.parametrize("mode", ["default", "warn", "error", 0, 1, 2, True, False])
def test_debug_mode_values(mode):
    tocha.set_deterministic_debug_mode(mode)
    level = {"default": 0, "warn": 1, "error": 2}.get(mode, mode)  # type: ignore[call-overload]
    assert tocha.get_deterministic_debug_mode() == level
    assert tocha.are_deterministic_algorithms_enabled() == (level > 0)
    assert tocha.is_deterministic_algorithms_warn_only_enabled() == (level == 1)


@pytest.mark.parametrize("mode", ["default", "warn", "error", 0, 1, 2, True])
def test_debug_mode_values_as_torch(mode):
    torch = pytest.importorskip("torch")
    try:
        torch.set_deterministic_debug_mode(mode)
        tocha.set_deterministic_debug_mode(mode)
        assert tocha.get_deterministic_debug_mode() == torch.get_deterministic_debug_mode()
        assert tocha.are_deterministic_algorithms_enabled() == torch.are_deterministic_algorithms_enabled()
        assert (
            tocha.is_deterministic_algorithms_warn_only_enabled()
            == torch.is_deterministic_algorithms_warn_only_enabled()
        )
    finally:
        torch.use_deterministic_algorithms(False)


DETERMINISM_ERRORS = [
    (lambda m: m.use_deterministic_algorithms(1), TypeError, "argument 'mode' (position 1) must be bool, not int"),
    (lambda m: m.use_deterministic_algorithms(None), TypeError, "must be bool, not NoneType"),
    (lambda m: m.use_deterministic_algorithms(True, warn_only=1), TypeError, "argument 'warn_only' must be bool"),
    (lambda m: m.set_deterministic_debug_mode(3), RuntimeError, "expected 0, 1, or 2, but got 3"),
    (lambda m: m.set_deterministic_debug_mode(-1), RuntimeError, "expected 0, 1, or 2, but got -1"),
    (lambda m: m.set_deterministic_debug_mode("x"), RuntimeError, "`default`, `warn`, `error`, but got x"),
    (
        lambda m: m.set_deterministic_debug_mode(1.0),
        TypeError,
        "debug_mode must be str or int, but got <class 'float'>",
    ),
    (lambda m: m.set_deterministic_debug_mode(None), TypeError, "but got <class 'NoneType'>"),
]


@pytest.mark.parametrize(("call", "error", "message"), DETERMINISM_ERRORS)
def test_determinism_errors(call, error, message):
    with pytest.raises(error) as info:
        call(tocha)
    assert message in str(info.value)
    assert not tocha.are_deterministic_algorithms_enabled()


@pytest.mark.parametrize(("call", "error", "message"), DETERMINISM_ERRORS)
def test_determinism_errors_as_torch(call, error, message):
    torch = pytest.importorskip("torch")
    with pytest.raises(error) as info:
        call(torch)
    assert message in str(info.value)


def test_use_deterministic_algorithms_positional_as_torch():
    torch = pytest.importorskip("torch")
    for m in (torch, tocha):
        with pytest.raises(TypeError, match="positional"):
            m.use_deterministic_algorithms(True, True)  # type: ignore[misc]


def test_cpu_add_at_ops_stay_allowed_under_determinism():
    tocha.use_deterministic_algorithms(True)
    out = tocha.zeros(3).scatter_add(0, tocha.tensor([0, 0, 2]), tocha.ones(3))
    assert out.tolist() == [2.0, 0.0, 1.0]
    assert tocha.zeros(3).index_add(0, tocha.tensor([1, 1]), tocha.ones(2)).tolist() == [0.0, 2.0, 0.0]


@pytest.mark.gpu
def test_cuda_atomic_adds_alert_under_determinism():
    index = tocha.tensor([0, 0, 2], device="cuda")
    src = tocha.ones(3, device="cuda")
    assert tocha.zeros(3, device="cuda").scatter_add(0, index, src).tolist() == [2.0, 0.0, 1.0]
    tocha.use_deterministic_algorithms(True)
    with pytest.raises(RuntimeError, match=r"cuda atomic float add .* does not have a deterministic implementation"):
        tocha.zeros(3, device="cuda").scatter_add(0, index, src)
    with pytest.raises(RuntimeError, match="use_deterministic_algorithms"):
        tocha.zeros(3, device="cuda").index_add(0, index, src)
    ints = tocha.zeros(3, dtype=tocha.int64, device="cuda").scatter_add(0, index, tocha.ones_like(index))
    assert ints.tolist() == [2, 0, 1]  # integer adds are exact in any order
    tocha.set_deterministic_debug_mode("warn")
    with pytest.warns(UserWarning, match="does not have a deterministic implementation"):
        out = tocha.zeros(3, device="cuda").scatter_add(0, index, src)
    assert out.tolist() == [2.0, 0.0, 1.0]


# ------------------------------------------------------------------ float32 matmul precision


def test_matmul_precision():
    assert tocha.get_float32_matmul_precision() == "highest"
    for value in ("high", "medium", "highest"):
        tocha.set_float32_matmul_precision(value)
        assert tocha.get_float32_matmul_precision() == value
    tocha.set_float32_matmul_precision("medium")
    with pytest.warns(UserWarning, match="HIGH is not one of 'highest', 'high', or 'medium'"):
        tocha.set_float32_matmul_precision("HIGH")
    assert tocha.get_float32_matmul_precision() == "medium"
    with pytest.raises(RuntimeError, match="expects a str, but got int"):
        tocha.set_float32_matmul_precision(1)  # type: ignore[arg-type]
    a = tocha.tensor([[1.0 + 2**-20, 1.0]])
    assert (a @ a.T).item() == np.float32(np.float32(1.0 + 2**-20) ** 2 + 1.0)  # still full float32


def test_matmul_precision_as_torch():
    torch = pytest.importorskip("torch")
    try:
        with pytest.warns(UserWarning, match="low is not one of 'highest', 'high', or 'medium'"):
            torch.set_float32_matmul_precision("low")
        with pytest.warns(UserWarning, match="low is not one of 'highest', 'high', or 'medium'"):
            tocha.set_float32_matmul_precision("low")
        for bad in (None, 1):
            with pytest.raises(RuntimeError) as expected:
                torch.set_float32_matmul_precision(bad)
            with pytest.raises(RuntimeError) as got:
                tocha.set_float32_matmul_precision(bad)  # type: ignore[arg-type]
            assert str(got.value) == str(expected.value)
        assert tocha.get_float32_matmul_precision() == torch.get_float32_matmul_precision()
    finally:
        torch.set_float32_matmul_precision("highest")


# ------------------------------------------------------------------ threads


def test_threads():
    assert tocha.get_num_threads() >= 1
    assert tocha.get_num_interop_threads() >= 1
    tocha.set_num_threads(3)
    assert tocha.get_num_threads() == 3
    tocha.set_num_interop_threads(5)
    assert tocha.get_num_interop_threads() == 5
    assert (tocha.ones(2, 2) @ tocha.ones(2, 2)).tolist() == [[2.0, 2.0], [2.0, 2.0]]


def test_threads_default_from_omp_env(monkeypatch):
    monkeypatch.setattr(_settings, "_num_threads", None)  # a doctest may have set it
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert tocha.get_num_threads() == 3
    monkeypatch.setenv("OMP_NUM_THREADS", "nonsense")
    assert tocha.get_num_threads() >= 1


THREAD_ERRORS = [
    (0, "set_num_threads expects a positive integer"),
    (-1, "set_num_threads expects a positive integer"),
    (1.5, "set_num_threads expects an int, but got float"),
    ("2", "set_num_threads expects an int, but got str"),
    (True, "set_num_threads expects an int, but got bool"),
]


@pytest.mark.parametrize(("value", "message"), THREAD_ERRORS)
def test_thread_errors(value, message):
    before = tocha.get_num_threads()
    with pytest.raises(RuntimeError) as info:
        tocha.set_num_threads(value)
    assert str(info.value) == message
    with pytest.raises(RuntimeError) as info:
        tocha.set_num_interop_threads(value)
    assert str(info.value) == message.replace("set_num_threads", "set_num_interop_threads")
    assert tocha.get_num_threads() == before


@pytest.mark.parametrize(("value", "message"), THREAD_ERRORS)
def test_thread_errors_as_torch(value, message):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError) as info:
        torch.set_num_threads(value)
    assert str(info.value) == message


# ------------------------------------------------------------------ warn_always, is_inference


def test_warn_always():
    assert not tocha.is_warn_always_enabled()
    tocha.set_warn_always(True)
    assert tocha.is_warn_always_enabled()
    with pytest.raises(RuntimeError, match="setWarnOnlyOnce expects a bool, but got int"):
        tocha.set_warn_always(1)  # type: ignore[arg-type]
    assert tocha.is_warn_always_enabled()


def test_warn_always_as_torch():
    torch = pytest.importorskip("torch")
    for bad in (1, "x"):
        with pytest.raises(RuntimeError) as expected:
            torch.set_warn_always(bad)
        with pytest.raises(RuntimeError) as got:
            tocha.set_warn_always(bad)  # type: ignore[arg-type]
        assert str(got.value) == str(expected.value)


def test_is_inference():
    with tocha.inference_mode():
        x = tocha.ones(2)
    assert tocha.is_inference(x)
    assert not tocha.is_inference(tocha.ones(2))
    with pytest.raises(TypeError, match=r"is_inference\(\): argument 'input' \(position 1\) must be Tensor, not int"):
        tocha.is_inference(1)


def test_is_inference_as_torch():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError) as expected:
        torch.is_inference(1)
    with pytest.raises(TypeError) as got:
        tocha.is_inference(1)
    assert str(got.value) == str(expected.value)


# ------------------------------------------------------------------ compile


def test_compile_returns_model():
    def f(x):
        return x + 1

    assert tocha.compile(f) is f
    assert tocha.compile(f, fullgraph=True, dynamic=True, backend="eager", disable=True) is f
    assert tocha.compile(f, mode="max-autotune") is f
    assert tocha.compile(f, options={"triton.cudagraphs": True}) is f
    assert tocha.compile(f, backend=lambda gm, inputs: gm, mode="anything") is f
    assert tocha.compile()(f) is f
    assert tocha.compile(mode="reduce-overhead")(f) is f
    assert tocha.compiler.compile is tocha.compile

    @tocha.compile
    def g(x):
        return x * 2

    assert g(tocha.ones(2)).tolist() == [2.0, 2.0]

    class Model:
        def __call__(self, x):
            return x

    m = Model()
    assert tocha.compile(m) is m


COMPILE_ERRORS = [
    (dict(mode="bogus"), RuntimeError, "Unrecognized mode=bogus, should be one of: default, lite, reduce-overhead"),
    (dict(mode="bogus", disable=True), RuntimeError, "Unrecognized mode=bogus"),
    (dict(mode="default", options={}), RuntimeError, "Either mode or options can be specified, but both can't"),
]


@pytest.mark.parametrize(("kwargs", "error", "message"), COMPILE_ERRORS)
def test_compile_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        tocha.compile(lambda x: x, **kwargs)
    decorator = tocha.compile(**kwargs)
    with pytest.raises(error, match=message):
        decorator(lambda x: x)
    with pytest.raises(AssertionError, match=r"A callable function is expected, but <class 'int'> is provided\."):
        tocha.compile(1)


@pytest.mark.parametrize(("kwargs", "error", "message"), COMPILE_ERRORS)
def test_compile_errors_as_torch(kwargs, error, message):
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error) as expected:
            torch.compile(lambda x: x, **kwargs)
    with pytest.raises(error) as got:
        tocha.compile(lambda x: x, **kwargs)
    assert str(got.value) == str(expected.value)


def test_compiler_markers():
    def f(x):
        return x

    assert tocha.compiler.is_compiling() is False
    assert tocha.compiler.is_dynamo_compiling() is False
    assert tocha.compiler.disable(f) is f
    assert tocha.compiler.disable(f, recursive=False) is f
    assert tocha.compiler.disable(recursive=False)(f) is f
    assert tocha.compiler.disable(reason="slow")(f) is f
    assert tocha.compiler.allow_in_graph(f) is f
    assert tocha.compiler.assume_constant_result(f) is f
    assert tocha.compiler.reset() is None


def test_compiler_markers_as_torch():
    torch = pytest.importorskip("torch")
    assert torch.compiler.is_compiling() is tocha.compiler.is_compiling()
    assert torch.compiler.is_dynamo_compiling() is tocha.compiler.is_dynamo_compiling()
    assert set(tocha.compiler.__all__) <= set(dir(torch.compiler))


# ------------------------------------------------------------------ record_stream


def test_record_stream_cpu_raises():
    with pytest.raises(NotImplementedError, match="Could not run 'aten::record_stream' with arguments from the 'CPU'"):
        tocha.ones(2).record_stream(None)


def test_record_stream_cpu_as_torch():
    torch = pytest.importorskip("torch")
    with pytest.raises(NotImplementedError, match="Could not run 'aten::record_stream' with arguments from the 'CPU'"):
        torch.ones(2).record_stream(torch.Stream(device="cpu"))


@pytest.mark.gpu
def test_record_stream_keeps_memory_until_stream_work_is_done():
    backend = tocha.library.get_backend("cuda")
    stream = tocha.cuda.Stream()
    t = tocha.ones(4, device="cuda")
    view = t[1:]
    with pytest.raises(TypeError, match=r"must be tocha\.cuda\.Stream, not NoneType"):
        t.record_stream(None)
    view.record_stream(stream)
    assert any(array is view._data for _, array in backend._in_flight)  # type: ignore[attr-defined]
    stream.synchronize()
    tocha.cuda.synchronize()
    t.record_stream(tocha.cuda.current_stream())  # finished entries are dropped on the next record
    left = [event.done for event, array in backend._in_flight if array is view._data]  # type: ignore[attr-defined]
    assert left == [], f"an entry whose stream was synchronised is still held (its event done: {left})"


@pytest.mark.gpu
def test_default_device_cuda():
    with tocha.device("cuda"):
        assert tocha.get_default_device() == tocha.device("cuda:0")
        x = tocha.zeros(2)
        assert x.device == tocha.device("cuda:0")
        assert tocha.as_tensor(np.ones(2)).device.type == "cuda"
        assert tocha.from_numpy(np.ones(2)).device.type == "cpu"
        assert (x + tocha.arange(2)).tolist() == [0.0, 1.0]
    assert tocha.zeros(2).device.type == "cpu"


def test_set_num_threads_resizes_the_blas_pool() -> None:
    threadpoolctl = pytest.importorskip("threadpoolctl", reason="the `threads` extra (the full tocha install has it)")
    before = tocha.get_num_threads()
    pools = [info for info in threadpoolctl.threadpool_info() if info["user_api"] == "blas"]
    assert pools, "NumPy loads a BLAS library"
    try:
        tocha.set_num_threads(1)
        assert tocha.get_num_threads() == 1
        assert {info["num_threads"] for info in threadpoolctl.threadpool_info() if info["user_api"] == "blas"} == {1}
        a = tocha.randn(64, 64)
        np.testing.assert_allclose((a @ a).numpy(), a.numpy() @ a.numpy(), rtol=1e-5, atol=1e-5)
    finally:
        tocha.set_num_threads(before)
        threadpoolctl.threadpool_limits(limits=pools)  # each library's pool as it was
    assert [info["num_threads"] for info in threadpoolctl.threadpool_info() if info["user_api"] == "blas"] == [
        info["num_threads"] for info in pools
    ]
