"""tocha.cuda and the Tensor device methods: without CUDA, against a fake CuPy, and (gpu-marked) on a GPU."""

from __future__ import annotations

import re
import types
from typing import Any

import numpy as np
import pytest

import tocha
from tocha import cuda

_NO_CUDA = re.escape(cuda._NOT_AVAILABLE)

no_cuda = pytest.mark.skipif(tocha.cuda.is_available(), reason="checks the behaviour without CUDA")


# ------------------------------------------------------------------ without CUDA (PyTorch's CPU-only build)


@no_cuda
def test_queries_without_cuda() -> None:
    assert cuda.is_available() is False
    assert cuda.device_count() == 0
    assert cuda.is_initialized() is False
    assert cuda.memory_allocated() == 0
    assert cuda.max_memory_allocated() == 0
    assert cuda.memory_reserved() == 0
    assert cuda.max_memory_reserved() == 0
    assert cuda.memory_stats() == {}
    cuda.empty_cache()
    cuda.manual_seed(0)
    cuda.manual_seed_all(0)
    cuda.seed()
    cuda.seed_all()
    cuda.set_rng_state(tocha.zeros(16, dtype=tocha.uint8))  # nothing to set, as PyTorch's lazy call
    cuda.set_rng_state_all([])
    assert cuda.get_rng_state_all() == []
    assert "no CUDA device" in cuda.memory_summary()


@no_cuda
@pytest.mark.parametrize(
    "call",
    [
        cuda.current_device,
        cuda.synchronize,
        cuda.get_device_name,
        cuda.get_device_properties,
        cuda.get_device_capability,
        cuda.initial_seed,
        cuda.get_rng_state,
        cuda.init,
        cuda.current_stream,
        cuda.default_stream,
        cuda.reset_peak_memory_stats,
        cuda.mem_get_info,
        lambda: cuda.set_device(0),
    ],
)
def test_device_functions_raise_assertion_error(call: Any) -> None:
    with pytest.raises(AssertionError, match=_NO_CUDA):
        call()


@no_cuda
def test_streams_events_and_device_context_without_cuda() -> None:
    with pytest.raises(RuntimeError, match=r"tocha\.cuda\.Stream requires CUDA support"):
        cuda.Stream()
    with pytest.raises(RuntimeError, match=r"tocha\.cuda\.Event requires CUDA support"):
        cuda.Event(enable_timing=True)
    with pytest.raises(RuntimeError, match=_NO_CUDA), cuda.device(0):
        pass
    with cuda.device(None), cuda.device(-1), cuda.stream(None), cuda.device_of(tocha.ones(1)):
        assert tocha.ones(1).device.type == "cpu"


@no_cuda
def test_tensor_methods_without_cuda() -> None:
    t = tocha.arange(6.0).reshape(2, 3)
    assert t.is_cuda is False
    assert t.get_device() == -1
    assert t.is_pinned() is False
    assert t.cpu() is t
    assert t.to("cpu", non_blocking=True) is t
    assert t.to(tocha.float64, non_blocking=True).dtype is tocha.float64
    with pytest.raises(RuntimeError, match=r"pin_memory\(\): " + _NO_CUDA):
        t.pin_memory()
    with pytest.raises(RuntimeError, match=r"pin_memory\(\): " + _NO_CUDA):
        tocha.tensor([1.0], pin_memory=True)
    with pytest.raises(RuntimeError, match="needs CuPy and an NVIDIA GPU"):
        t.cuda()
    with pytest.raises(RuntimeError, match="needs CuPy and an NVIDIA GPU"):
        t.cuda(0, non_blocking=True)
    with pytest.raises(RuntimeError, match="needs CuPy and an NVIDIA GPU"):
        t.to("cuda", non_blocking=True)


def test_public_names() -> None:
    for name in cuda.__all__:
        found = getattr(cuda, name)
        assert callable(found) or isinstance(found, types.ModuleType), name
    assert tocha.cuda is cuda


# ------------------------------------------------------------------ against a fake CuPy (the logic, no GPU)


class _FakeRuntime:
    def __init__(self, count: int) -> None:
        self.count = count
        self.current = 0
        self.syncs: list[int] = []

    def getDeviceCount(self) -> int:
        return self.count

    def getDevice(self) -> int:
        return self.current

    def getDeviceProperties(self, index: int) -> dict[str, Any]:
        return {
            "name": f"Fake GPU {index}".encode(),
            "major": 9,
            "minor": 0,
            "totalGlobalMem": 80 * 2**30,
            "multiProcessorCount": 132,
            "integrated": 0,
            "isMultiGpuBoard": 0,
        }

    def deviceSynchronize(self) -> None:
        self.syncs.append(self.current)

    def memGetInfo(self) -> tuple[int, int]:
        return 70 * 2**30, 80 * 2**30

    def pointerGetAttributes(self, ptr: int) -> Any:
        raise RuntimeError("cudaErrorInvalidValue")


class _FakePool:
    def __init__(self) -> None:
        self.used = 0
        self.total = 0
        self.used_walks = 0

    def used_bytes(self) -> int:
        self.used_walks += 1
        return self.used

    def total_bytes(self) -> int:
        return self.total

    def malloc(self, size: int) -> Any:
        self.used += size
        self.total = max(self.total, self.used)
        return types.SimpleNamespace(mem=types.SimpleNamespace(size=size))  # a MemoryPointer to a block of size

    def free(self, size: int) -> None:
        self.used -= size

    def free_all_blocks(self) -> None:
        self.total = self.used


def _make_fake_cupy(count: int = 2) -> Any:
    runtime = _FakeRuntime(count)
    pool = _FakePool()
    allocator: list[Any] = []
    current_stream: list[Any] = []

    class Device:
        def __init__(self, index: int) -> None:
            self.id = index
            self._previous: list[int] = []

        def use(self) -> None:
            runtime.current = self.id

        def __enter__(self) -> Device:
            self._previous.append(runtime.current)
            runtime.current = self.id
            return self

        def __exit__(self, *exc: object) -> None:
            runtime.current = self._previous.pop()

    class Event:
        def __init__(self, block: bool = False, disable_timing: bool = False, interprocess: bool = False) -> None:
            self.disable_timing = disable_timing
            self.recorded_on: Any = None
            self.done = True
            self.time = 0.0

        def record(self, stream: Any = None) -> None:
            self.recorded_on = stream
            stream.clock += 1.5
            self.time = stream.clock

        def synchronize(self) -> None:
            pass

    class Stream:
        null: Any = None
        _next = 0x100

        def __init__(self, non_blocking: bool = False, priority: int = 0) -> None:
            Stream._next += 0x10
            self.ptr = Stream._next
            self.priority = priority
            self.done = True
            self.clock = 0.0
            self.waited: list[Any] = []
            self.synced = 0

        def wait_event(self, event: Any) -> None:
            self.waited.append(event)

        def synchronize(self) -> None:
            self.synced += 1

        def use(self) -> Any:
            current_stream[-1:] = [self]
            return self

        def __enter__(self) -> Any:
            current_stream.append(self)
            return self

        def __exit__(self, *exc: object) -> None:
            current_stream.pop()

    Stream.null = Stream()
    Stream.null.ptr = 0

    class PinnedMemoryPointer(bytearray):
        pass

    def get_elapsed_time(start: Any, end: Any) -> float:
        return float(end.time - start.time)

    cuda_ns = types.SimpleNamespace(
        runtime=runtime,
        Device=Device,
        Stream=Stream,
        Event=Event,
        PinnedMemoryPointer=PinnedMemoryPointer,
        get_current_stream=lambda: current_stream[-1] if current_stream else Stream.null,
        get_elapsed_time=get_elapsed_time,
        set_allocator=allocator.append,
        alloc_pinned_memory=lambda n: PinnedMemoryPointer(n),
    )
    return types.SimpleNamespace(
        cuda=cuda_ns,
        get_default_memory_pool=lambda: pool,
        get_default_pinned_memory_pool=lambda: types.SimpleNamespace(free_all_blocks=lambda: None),
        _pool=pool,
        _allocator=allocator,
    )


@pytest.fixture
def fake_cupy(monkeypatch: pytest.MonkeyPatch) -> Any:
    from tocha._ops import random as random_ops

    fake = _make_fake_cupy()
    monkeypatch.setattr(tocha.library.get_backend("cuda"), "_cupy", fake)
    monkeypatch.setattr(cuda, "_initialized", False)
    monkeypatch.setattr(cuda, "_peaks", {})
    monkeypatch.setattr(random_ops, "_defaults", dict(random_ops._defaults))
    return fake


def test_fake_devices(fake_cupy: Any) -> None:
    assert cuda.is_available()
    assert cuda.device_count() == 2
    assert not cuda.is_initialized()
    assert cuda.current_device() == 0
    assert cuda.is_initialized()
    props = cuda.get_device_properties(1)
    assert (props.name, props.major, props.minor, props.multi_processor_count) == ("Fake GPU 1", 9, 0, 132)
    assert props.total_memory == 80 * 2**30
    assert repr(props).startswith("_CudaDeviceProperties(name='Fake GPU 1', major=9, minor=0, total_memory=81920MB")
    assert cuda.get_device_name("cuda:1") == "Fake GPU 1"
    assert cuda.get_device_capability(tocha.device("cuda", 0)) == (9, 0)
    with pytest.raises(AssertionError, match="Invalid device id"):
        cuda.get_device_properties(5)
    with pytest.raises(ValueError, match="Expected a cuda device, but got: cpu"):
        cuda.get_device_properties("cpu")
    cuda.set_device(1)
    assert cuda.current_device() == 1
    cuda.set_device(-1)
    assert cuda.current_device() == 1
    with cuda.device(0):
        assert cuda.current_device() == 0
        with cuda.device("cuda:1"):
            assert cuda.current_device() == 1
        assert cuda.current_device() == 0
    assert cuda.current_device() == 1
    cuda.synchronize(0)
    cuda.synchronize()
    assert fake_cupy.cuda.runtime.syncs == [0, 1]
    assert cuda.mem_get_info() == (70 * 2**30, 80 * 2**30)
    cuda.set_device(0)


def test_fake_memory_statistics_and_peaks(fake_cupy: Any) -> None:
    pool = fake_cupy._pool
    pool.used, pool.total = 100, 200
    cuda.init()
    (malloc,) = fake_cupy._allocator  # the peak hook was installed
    assert cuda.memory_allocated() == 100
    assert cuda.memory_reserved() == 200
    malloc(1000)
    pool.free(900)
    assert cuda.memory_allocated() == 200
    assert cuda.max_memory_allocated() == 1100
    assert cuda.max_memory_reserved() == 1100
    stats = cuda.memory_stats(0)
    assert stats["allocated_bytes.all.current"] == 200
    assert stats["allocated_bytes.all.peak"] == 1100
    cuda.reset_peak_memory_stats()
    assert cuda.max_memory_allocated() == 200
    malloc(1000)
    pool.free(1000)
    assert cuda.max_memory_allocated() == 1200  # the peak between the reset and the read
    pool.used_walks = 0
    malloc(50)  # 250 in use at most, under the peak: the pool's blocks are not walked
    assert pool.used_walks == 0
    pool.free(50)
    cuda.reset_peak_memory_stats()  # the peak is the current use again: the next allocation passes it
    pool.used_walks = 0
    malloc(10)
    assert pool.used_walks == 1
    pool.free(10)
    assert cuda.max_memory_allocated() == 210
    cuda.empty_cache()
    assert cuda.memory_reserved() == 200
    summary = cuda.memory_summary()
    assert "device 0" in summary
    assert "allocated memory" in summary


def test_fake_peak_after_a_reset_on_one_device(monkeypatch: pytest.MonkeyPatch) -> None:
    """With one device the allocation hook holds that device's peaks: a reset must restart them in place, or
    the peaks after it would stop moving."""
    fake = _make_fake_cupy(count=1)
    monkeypatch.setattr(tocha.library.get_backend("cuda"), "_cupy", fake)
    monkeypatch.setattr(cuda, "_initialized", False)
    monkeypatch.setattr(cuda, "_peaks", {})
    cuda.init()
    (malloc,) = fake._allocator
    malloc(300)
    fake._pool.free(300)
    cuda.reset_peak_memory_stats()
    malloc(100)
    fake._pool.free(100)
    assert cuda.max_memory_allocated() == 100


def test_fake_streams_and_events(fake_cupy: Any) -> None:
    s = cuda.Stream()
    other = cuda.Stream(priority=-1)
    assert other._stream.priority == -1
    assert s.query()
    s.synchronize()
    assert s._stream.synced == 1
    s.wait_stream(other)
    assert len(s._stream.waited) == 1
    assert cuda.current_stream() == cuda.default_stream()
    with cuda.stream(s):
        assert cuda.current_stream() == s
        start = cuda.Event(enable_timing=True)
        end = cuda.Event(enable_timing=True)
        start.record()
        end.record()
    assert cuda.current_stream() != s
    assert start.query()
    end.synchronize()
    assert end.elapsed_time(start) == -1.5
    assert start.elapsed_time(end) == 1.5
    with pytest.raises(RuntimeError, match="enable_timing=True"):
        cuda.Event().elapsed_time(end)
    e = s.record_event()
    e.wait(other)
    assert other._stream.waited == [e._event]
    assert "cuda_stream=" in repr(s)
    assert hash(s) == hash(s)


def test_fake_seeding(fake_cupy: Any) -> None:
    cuda.manual_seed(123)
    assert cuda.initial_seed() == 123
    cuda.manual_seed_all(7)
    cuda.set_device(1)
    assert cuda.initial_seed() == 7
    cuda.set_device(0)
    cuda.seed()
    assert cuda.initial_seed() != 7


def _state(seed: int, offset: int) -> tocha.Tensor:
    return tocha.tensor(list(seed.to_bytes(8, "little") + offset.to_bytes(8, "little")), dtype=tocha.uint8)


def test_fake_rng_states_are_seed_and_offset_per_device(fake_cupy: Any) -> None:
    cuda.manual_seed_all(7)
    states = cuda.get_rng_state_all()
    assert [s.tolist() for s in states] == [_state(7, 0).tolist()] * 2
    assert all(s.dtype is tocha.uint8 and s.device.type == "cpu" for s in states)
    cuda.set_rng_state(_state(9, 5), device=1)
    assert cuda.get_rng_state("cuda:1").tolist() == _state(9, 5).tolist()
    assert cuda.get_rng_state().tolist() == _state(7, 0).tolist()  # the current device, 0
    g = tocha.Generator("cuda:1").set_state(cuda.get_rng_state(1))
    assert (g.initial_seed(), g.get_offset()) == (9, 5)
    assert g.set_offset(12).get_offset() == 12
    twin = g.clone_state()
    assert (twin.device, twin.initial_seed(), twin.get_offset()) == (tocha.device("cuda", 1), 9, 12)
    cuda.set_rng_state_all([_state(1, 2), _state(3, 4)])
    assert [s.tolist() for s in cuda.get_rng_state_all()] == [_state(1, 2).tolist(), _state(3, 4).tolist()]
    cuda.manual_seed(11)
    assert cuda.get_rng_state(0).tolist() == _state(11, 0).tolist()  # seeding restarts the stream


def test_fake_rng_state_errors(fake_cupy: Any) -> None:
    with pytest.raises(TypeError, match=r"set_state\(\): RNG state must be a tocha.ByteTensor \(uint8\)"):
        cuda.set_rng_state(tocha.zeros(16))
    with pytest.raises(
        RuntimeError, match=r"set_state\(\): RNG state is wrong size: a cuda generator's state is 16 bytes .*got 3"
    ):
        cuda.set_rng_state(tocha.zeros(3, dtype=tocha.uint8))
    with pytest.raises(ValueError, match="Expected a cuda device, but got: cpu"):
        cuda.get_rng_state("cpu")


def test_fake_fork_rng_restores_every_device_and_warns_once(fake_cupy: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from tocha import random as tocha_random

    monkeypatch.setattr(tocha_random, "_many_devices_warned", [False])
    cuda.manual_seed_all(3)
    tocha.manual_seed(3)
    cpu_before = tocha.get_rng_state().tolist()
    forked = tocha.random.fork_rng()
    with pytest.warns(UserWarning, match=r"fork_rng\(\) forks the generators of all 2 cuda devices"):
        forked.__enter__()
    cuda.set_rng_state_all([_state(8, 8), _state(9, 9)])
    tocha.rand(3)
    forked.__exit__(None, None, None)
    assert [s.tolist() for s in cuda.get_rng_state_all()] == [_state(3, 0).tolist()] * 2
    assert tocha.get_rng_state().tolist() == cpu_before
    with tocha.random.fork_rng():  # warned once per process, as PyTorch
        pass
    with tocha.random.fork_rng(devices=["cuda:1"]):
        cuda.set_rng_state_all([_state(8, 8), _state(9, 9)])
    assert [s.tolist() for s in cuda.get_rng_state_all()] == [_state(8, 8).tolist(), _state(3, 0).tolist()]
    with tocha.random.fork_rng(devices=[0], enabled=False):
        cuda.set_rng_state(_state(1, 1), 0)
    assert cuda.get_rng_state(0).tolist() == _state(1, 1).tolist()
    with pytest.raises(ValueError, match=r"fork_rng\(\): expected a cuda device, but got: cpu"):
        tocha.random.fork_rng(devices=["cpu"]).__enter__()


def test_fake_pinned_memory(fake_cupy: Any) -> None:
    t = tocha.arange(6.0).reshape(2, 3)
    pinned = t.pin_memory()
    assert pinned is not t
    assert pinned.is_pinned()
    assert not t.is_pinned()
    np.testing.assert_array_equal(pinned.numpy(), t.numpy())
    assert pinned.dtype is t.dtype
    assert pinned.device.type == "cpu"
    assert pinned.pin_memory() is pinned
    assert pinned[1:].is_pinned()  # views of pinned memory are pinned
    empty = tocha.zeros(0, 3).pin_memory()
    assert empty.shape == (0, 3)
    assert empty.is_pinned()
    bf = tocha.ones(3, dtype=tocha.bfloat16).pin_memory()
    assert bf.dtype is tocha.bfloat16
    assert bf.tolist() == [1.0, 1.0, 1.0]
    made = tocha.tensor([[1, 2], [3, 4]], pin_memory=True)
    assert made.is_pinned()
    assert made.tolist() == [[1, 2], [3, 4]]
    assert made.dtype is tocha.int64
    noncontiguous = t.t().pin_memory()
    np.testing.assert_array_equal(noncontiguous.numpy(), t.numpy().T)


def test_fake_grad_scaler_on_cuda_is_enabled(fake_cupy: Any) -> None:
    assert tocha.amp.GradScaler().is_enabled()


# ------------------------------------------------------------------ on a GPU


@pytest.mark.gpu
def test_gpu_devices_and_properties() -> None:
    assert cuda.is_available()
    assert cuda.device_count() >= 1
    index = cuda.current_device()
    props = cuda.get_device_properties(index)
    assert props.total_memory > 0
    assert props.multi_processor_count > 0
    assert cuda.get_device_capability() == (props.major, props.minor)
    assert cuda.get_device_name() == props.name
    with cuda.device(index):
        assert cuda.current_device() == index
    cuda.synchronize()


@pytest.mark.gpu
def test_gpu_memory_statistics() -> None:
    cuda.synchronize()
    before = cuda.memory_allocated()
    cuda.reset_peak_memory_stats()
    x = tocha.empty(1024, 1024, device="cuda")  # 4 MiB
    assert cuda.memory_allocated() >= before + 4 * 2**20
    peak = cuda.max_memory_allocated()
    assert peak >= before + 4 * 2**20
    del x
    assert cuda.memory_allocated() <= before + 4 * 2**20
    assert cuda.max_memory_allocated() == peak
    assert cuda.memory_reserved() >= cuda.memory_allocated()
    reserved = cuda.memory_reserved()
    cuda.empty_cache()
    assert cuda.memory_reserved() >= cuda.memory_allocated()
    assert cuda.max_memory_reserved() >= reserved  # the reserved peak survives the pool shrinking
    assert "allocated memory" in cuda.memory_summary()
    cuda.reset_peak_memory_stats()
    y = tocha.empty(2048, 1024, device="cuda")  # 8 MiB, freed before the peak is read
    del y
    assert cuda.max_memory_allocated() >= cuda.memory_allocated() + 8 * 2**20


@pytest.mark.gpu
def test_gpu_streams_and_events() -> None:
    s = cuda.Stream()
    start, end = cuda.Event(enable_timing=True), cuda.Event(enable_timing=True)
    with cuda.stream(s):
        start.record()
        y = tocha.ones(512, 512, device="cuda") @ tocha.ones(512, 512, device="cuda")
        end.record()
    cuda.current_stream().wait_stream(s)
    end.synchronize()
    assert start.elapsed_time(end) >= 0.0
    assert s.query()
    assert y[0, 0].item() == 512.0


@pytest.mark.gpu
def test_gpu_tensor_moves_and_pinned_memory() -> None:
    t = tocha.arange(12.0).reshape(3, 4)
    pinned = t.pin_memory()
    assert pinned.is_pinned()
    assert not t.is_pinned()
    g = pinned.cuda(non_blocking=True)
    assert g.is_cuda
    assert g.get_device() == cuda.current_device()
    back = g.to("cpu", non_blocking=True)
    cuda.synchronize()
    np.testing.assert_array_equal(back.numpy(), t.numpy())
    assert g.cpu().tolist() == t.tolist()


@pytest.mark.gpu
def test_gpu_manual_seed() -> None:
    cuda.manual_seed(5)
    a = tocha.randn(4, device="cuda")
    cuda.manual_seed(5)
    b = tocha.randn(4, device="cuda")
    assert a.tolist() == b.tolist()
    assert cuda.initial_seed() == 5


@pytest.mark.gpu
def test_gpu_rng_state_replays_every_sampler() -> None:
    def draw() -> list[tocha.Tensor]:
        t = tocha.empty(1000, device="cuda")
        return [
            tocha.rand(1000, device="cuda"),
            tocha.randn(999, dtype=tocha.float64, device="cuda"),
            tocha.randn(5, dtype=tocha.float16, device="cuda"),
            tocha.randint(-5, 5, (100,), device="cuda"),
            tocha.randperm(50, device="cuda"),
            t.clone().bernoulli_(0.3),
            t.clone().exponential_(),
            t.clone().normal_(2.0, 3.0),
            tocha.multinomial(tocha.rand(3, 10, device="cuda"), 4),
            tocha.poisson(tocha.full((20,), 3.0, device="cuda")),
        ]

    cuda.manual_seed(21)
    state = cuda.get_rng_state()
    first = draw()
    moved = cuda.get_rng_state()
    assert moved[:8].tolist() == state[:8].tolist()  # same seed
    assert moved[8:].tolist() != state[8:].tolist()  # a later offset
    cuda.set_rng_state(state)
    for a, b in zip(first, draw(), strict=True):
        assert a.device.type == "cuda"
        assert a.cpu().tolist() == b.cpu().tolist()
    assert cuda.get_rng_state().tolist() == moved.tolist()
    uniform = first[0].cpu().numpy()
    assert uniform.min() >= 0
    assert uniform.max() < 1
    assert abs(float(first[7].mean()) - 2.0) < 0.5


@pytest.mark.gpu
def test_gpu_fork_rng_replays_dropout() -> None:
    x = tocha.ones(10000, device="cuda")
    with tocha.random.fork_rng(devices=[cuda.current_device()]):
        mask = tocha.rand_like(x) > 0.5
    again = tocha.rand_like(x) > 0.5
    assert tocha.equal(mask, again)
    assert 0.45 < float(mask.float().mean()) < 0.55


# ------------------------------------------------------------------ synchronisation debug mode


@pytest.fixture
def sync_mode_reset():
    yield
    cuda.set_sync_debug_mode(0)


def test_sync_debug_mode_values_and_errors(sync_mode_reset):
    assert cuda.get_sync_debug_mode() == 0
    for value, expected in (("warn", 1), ("default", 0), (2, 2), (1, 1), (0, 0)):
        cuda.set_sync_debug_mode(value)
        assert cuda.get_sync_debug_mode() == expected
    for bad in ("loud", 3, -1, True, 1.0):
        with pytest.raises(
            RuntimeError, match="invalid value of debug_mode, expected one of `default`, `warn`, `error`"
        ):
            cuda.set_sync_debug_mode(bad)
    assert cuda.get_sync_debug_mode() == 0


def test_sync_debug_mode_leaves_cpu_tensors_alone(sync_mode_reset):
    cuda.set_sync_debug_mode("error")
    x = tocha.arange(3.0)
    assert x.sum().item() == 3.0
    assert x.tolist() == [0.0, 1.0, 2.0]


@pytest.mark.gpu
def test_gpu_sync_debug_mode_warns_and_raises_at_host_reads(sync_mode_reset):
    import warnings

    x = tocha.arange(4.0, device="cuda")
    cuda.set_sync_debug_mode("warn")
    with pytest.warns(UserWarning, match="called a synchronizing CUDA operation"):
        assert x.sum().item() == 6.0
    cuda.set_sync_debug_mode("error")
    y = (x * 2).exp().sum()  # queued work: no host read
    for read in (y.item, y.cpu, lambda: float(y), lambda: repr(y), lambda: cuda.synchronize()):
        with pytest.raises(RuntimeError, match="called a synchronizing CUDA operation"):
            read()
    with pytest.raises(RuntimeError):  # CuPy's own wait inside an op: a boolean mask sizes its result
        x[x > 1]
    cuda.set_sync_debug_mode("default")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert x[x > 1].tolist() == [2.0, 3.0]
