"""The rest of PyTorch's CUDA surface: OutOfMemoryError, tocha.cuda.amp's deprecated spellings, amp.custom_fwd /
custom_bwd, NVTX ranges, stream contexts, the allocator's limit, capability queries. Without CUDA here, and
gpu-marked on a GPU (or the CuPy stand-in of tools/fake_cupy)."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

import tocha
import tocha.cuda.amp
import tocha.cuda.nvtx
from tocha import cuda

no_cuda = pytest.mark.skipif(tocha.cuda.is_available(), reason="checks the behaviour without CUDA")


# ------------------------------------------------------------------ out of memory


def test_out_of_memory_is_pytorchs_class_and_numpys() -> None:
    assert tocha.OutOfMemoryError is cuda.OutOfMemoryError
    assert issubclass(tocha.OutOfMemoryError, RuntimeError)
    assert issubclass(tocha.OutOfMemoryError, MemoryError)
    torch = pytest.importorskip("torch")
    assert issubclass(torch.OutOfMemoryError, RuntimeError)


def test_an_allocation_failing_in_an_op_names_the_op_and_its_operands() -> None:
    x = tocha.ones(2**20)
    with pytest.raises(tocha.OutOfMemoryError) as caught:
        x.expand(2**30, 2**20).exp()  # 4 PiB: the failure comes at once, nothing is paged in
    message = str(caught.value)
    assert message.startswith("CPU out of memory. Tried to allocate 4.00 PiB in exp(float32[1073741824, 1048576])")
    assert isinstance(caught.value.__cause__, MemoryError)
    assert not isinstance(caught.value.__cause__, tocha.OutOfMemoryError)
    with pytest.raises(RuntimeError, match=r"in add\(float32\[1073741824, 1048576\], 1\)"):  # as PyTorch's users do
        x.expand(2**30, 2**20) + 1
    with pytest.raises(MemoryError, match=r"in empty\(\)"):  # NumPy's users catch MemoryError
        tocha.empty(2**52, dtype=tocha.uint8)


@pytest.mark.autograd
def test_an_allocation_failing_in_backward_names_the_backward_op() -> None:
    class Huge(tocha.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: tocha.Tensor) -> tocha.Tensor:
            return x * 1

        @staticmethod
        def backward(ctx: Any, grad: tocha.Tensor) -> tocha.Tensor:
            return grad.expand(2**30, 2**20).exp().sum(0)  # 4 PiB: the failure comes at once, nothing is paged in

    w = tocha.ones(2**20, requires_grad=True)
    with pytest.raises(tocha.OutOfMemoryError, match=r"^CPU out of memory\. Tried to allocate 4\.00 PiB in exp\("):
        Huge.apply(w).sum().backward()


# ------------------------------------------------------------------ autocast helpers for custom Functions


@pytest.mark.autograd
def test_custom_fwd_casts_inputs_and_custom_bwd_replays_the_forwards_autocast_state() -> None:
    seen: dict[str, Any] = {}

    class Scale(tocha.autograd.Function):
        @staticmethod
        @tocha.amp.custom_fwd(device_type="cpu", cast_inputs=tocha.float32)
        def forward(ctx: Any, x: tocha.Tensor, w: tocha.Tensor) -> tocha.Tensor:
            seen["forward"] = (x.dtype, w.dtype, tocha.is_autocast_enabled("cpu"))
            ctx.save_for_backward(w)
            return x * w

        @staticmethod
        @tocha.amp.custom_bwd(device_type="cpu")
        def backward(ctx: Any, grad: tocha.Tensor) -> tuple[tocha.Tensor, None]:
            seen["backward"] = tocha.is_autocast_enabled("cpu")
            (w,) = ctx.saved_tensors
            return grad * w, None

    x = tocha.ones(3, dtype=tocha.bfloat16, requires_grad=True)
    w = tocha.full((3,), 2.0, dtype=tocha.float64)
    with tocha.autocast("cpu"):
        y = Scale.apply(x, w)
    assert seen["forward"] == (tocha.float32, tocha.float64, False)  # float64 is never cast, as PyTorch's
    y.sum().backward()
    assert seen["backward"] is False  # forward ran with autocast off
    assert x.grad is not None
    assert x.grad.dtype == tocha.bfloat16
    Scale.apply(x, w)  # outside a region: a no-op
    assert seen["forward"] == (tocha.bfloat16, tocha.float64, False)


@pytest.mark.autograd
def test_custom_fwd_without_cast_inputs_keeps_the_region_for_backward() -> None:
    seen: list[Any] = []

    class Product(tocha.autograd.Function):
        @staticmethod
        @tocha.amp.custom_fwd(device_type="cpu")
        def forward(ctx: Any, a: tocha.Tensor, b: tocha.Tensor) -> tocha.Tensor:
            ctx.save_for_backward(a, b)
            return a @ b

        @staticmethod
        @tocha.amp.custom_bwd(device_type="cpu")
        def backward(ctx: Any, grad: tocha.Tensor) -> tuple[tocha.Tensor, tocha.Tensor]:
            a, b = ctx.saved_tensors
            seen.append((tocha.is_autocast_enabled("cpu"), tocha.get_autocast_dtype("cpu")))
            return grad @ b.T, a.T @ grad

    a = tocha.ones(2, 3, requires_grad=True)
    b = tocha.ones(3, 4, requires_grad=True)
    with tocha.autocast("cpu", dtype=tocha.float16):
        out = Product.apply(a, b)
    assert out.dtype == tocha.float16
    out.float().sum().backward()
    assert seen == [(True, tocha.float16)]


def test_custom_fwd_and_bwd_argument_errors_match_torch() -> None:
    torch = pytest.importorskip("torch")
    for ours, theirs in (
        (lambda: tocha.amp.custom_fwd(lambda ctx: ctx), lambda: torch.amp.custom_fwd(lambda ctx: ctx)),
        (lambda: tocha.amp.custom_bwd(lambda ctx: ctx), lambda: torch.amp.custom_bwd(lambda ctx: ctx)),
    ):
        with pytest.raises(TypeError, match="missing 1 required keyword-only argument: 'device_type'"):
            ours()
        with pytest.raises(TypeError, match="missing 1 required keyword-only argument: 'device_type'"):
            theirs()
    with pytest.raises(ValueError, match="Expected `device_type` of type `str`, got: `<class 'int'>`"):
        tocha.amp.custom_fwd(device_type=0)  # type: ignore[arg-type]


# ------------------------------------------------------------------ tocha.cuda.amp, deprecated as PyTorch's


def _future_warnings(make: Any) -> tuple[Any, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        made = make()
    return made, [str(w.message) for w in caught if w.category is FutureWarning]


def test_cuda_amp_spellings_warn_and_build_the_current_ones() -> None:
    region, said = _future_warnings(lambda: tocha.cuda.amp.autocast(dtype=tocha.bfloat16))
    assert isinstance(region, tocha.autocast)
    assert (region.device, region.fast_dtype) == ("cuda", tocha.bfloat16)
    assert said == [
        "`tocha.cuda.amp.autocast(args...)` is deprecated. Please use `tocha.amp.autocast('cuda', args...)` instead."
    ]
    scaler, said = _future_warnings(lambda: tocha.cuda.amp.GradScaler(init_scale=1024.0))
    assert isinstance(scaler, tocha.amp.GradScaler)
    assert said == [
        "`tocha.cuda.amp.GradScaler(args...)` is deprecated. Please use `tocha.amp.GradScaler('cuda', args...)` "
        "instead."
    ]
    _, said = _future_warnings(lambda: tocha.cuda.amp.custom_fwd(cast_inputs=tocha.float32))
    assert said[0].startswith("`tocha.cuda.amp.custom_fwd(args...)` is deprecated.")
    _, said = _future_warnings(lambda: tocha.cuda.amp.custom_bwd(lambda ctx, g: g))
    assert said[0].startswith("`tocha.cuda.amp.custom_bwd(args...)` is deprecated.")
    assert tocha.GradScaler is tocha.amp.GradScaler


# ------------------------------------------------------------------ without CUDA


@no_cuda
def test_queries_and_names_without_cuda() -> None:
    assert cuda.is_bf16_supported() is False
    assert cuda.is_tf32_supported() is False
    assert cuda.get_arch_list() == []
    assert cuda.get_gencode_flags() == ""
    assert cuda.memory_stats_as_nested_dict() == {}
    assert cuda.is_current_stream_capturing() is False
    assert _future_warnings(cuda.memory_cached) == (
        0,
        ["`tocha.cuda.memory_cached` has been renamed to `tocha.cuda.memory_reserved`"],
    )
    assert _future_warnings(cuda.max_memory_cached)[0] == 0
    assert cuda.memory.memory_allocated is cuda.memory_allocated
    cuda.set_stream(None)
    with cuda.StreamContext(None), cuda.stream(None):
        pass
    for call in (
        lambda: cuda.set_per_process_memory_fraction(0.5),
        cuda.get_per_process_memory_fraction,
        cuda.reset_accumulated_memory_stats,
        lambda: cuda.can_device_access_peer(0, 1),
    ):
        with pytest.raises(AssertionError, match="CUDA is not available"):
            call()
    with pytest.raises(RuntimeError, match=r"tocha\.cuda\.ExternalStream requires CUDA support"):
        cuda.ExternalStream(0)


def test_nvtx_without_cupy_raises_as_pytorchs_cpu_build() -> None:
    if cuda.is_available():
        pytest.skip("CuPy is here")
    for call in (lambda: tocha.cuda.nvtx.range_push("a"), tocha.cuda.nvtx.range_pop, lambda: tocha.cuda.nvtx.mark("m")):
        with pytest.raises(RuntimeError, match="NVTX functions not installed"):
            call()
    with pytest.raises(RuntimeError, match="NVTX functions not installed"), tocha.cuda.nvtx.range("step {}", 1):
        pass


# ------------------------------------------------------------------ on a GPU (or the CuPy stand-in)


@pytest.mark.gpu
def test_gpu_out_of_memory_under_a_process_limit() -> None:
    # The pool splits cached blocks: memory freed by earlier tests in this process, cached or left over in a
    # block that x would be carved from, would serve x * 2 without a new allocation.
    cuda.empty_cache()
    x = tocha.ones(2**22, device="cuda")
    try:
        cuda.set_per_process_memory_fraction(1e-9)
        assert 0 < cuda.get_per_process_memory_fraction() < 1e-8
        with pytest.raises(cuda.OutOfMemoryError) as caught:
            (x * 2).sum()
        message = str(caught.value)
        assert message.startswith(
            "CUDA out of memory. Tried to allocate 16.00 MiB in mul(float32[4194304], 2) on cuda:0"
        )
        assert "reserved by tocha's caching allocator" in message
    finally:
        cuda.set_per_process_memory_fraction(1.0)
    assert (x * 2).sum().item() == 2**23
    with pytest.raises(ValueError, match=r"Invalid fraction value: 1\.5\. Allowed range: 0~1"):
        cuda.set_per_process_memory_fraction(1.5)
    with pytest.raises(TypeError, match="must be `float`"):
        cuda.set_per_process_memory_fraction(1)  # type: ignore[arg-type]


@pytest.mark.gpu
def test_gpu_capabilities_and_nested_statistics() -> None:
    major, minor = cuda.get_device_capability()
    assert cuda.get_arch_list() == [f"sm_{major}{minor}"]
    assert cuda.get_gencode_flags() == f"-gencode compute=compute_{major}{minor},code=sm_{major}{minor}"
    assert cuda.is_bf16_supported() is True
    assert cuda.is_bf16_supported(including_emulation=False) is ((major, minor) >= (8, 0))
    assert cuda.is_tf32_supported() is ((major, minor) >= (8, 0))
    x = tocha.ones(1024, device="cuda")
    nested = cuda.memory_stats_as_nested_dict()
    assert nested["allocated_bytes"]["all"]["current"] == cuda.memory_allocated() >= x.nbytes
    cuda.reset_accumulated_memory_stats()
    assert cuda.max_memory_allocated() == cuda.memory_allocated()


@pytest.mark.gpu
def test_gpu_nvtx_ranges_nest_per_thread() -> None:
    nvtx = tocha.cuda.nvtx
    assert nvtx.range_push("outer") == 0
    assert nvtx.range_push("inner") == 1
    nvtx.mark("here")
    assert nvtx.range_pop() == 1
    assert nvtx.range_pop() == 0
    assert nvtx.range_pop() == -1

    @nvtx.range("layer {}", 2)
    def layer() -> str:
        return "ran"

    assert layer() == "ran"
    recorded = getattr(__import__("cupy").cuda.nvtx, "events", None)  # the stand-in records what it was sent
    if recorded is not None:
        assert recorded[-2:] == [("push", "layer 2"), ("pop", "")]


@pytest.mark.gpu
def test_gpu_stream_context_and_external_streams() -> None:
    before = cuda.current_stream()
    side = cuda.Stream()
    with cuda.stream(side):
        assert cuda.current_stream() == side
        y = tocha.ones(4, device="cuda") * 3
    assert cuda.current_stream() == before
    side.synchronize()
    assert y.sum().item() == 12
    wrapped = cuda.ExternalStream(side.cuda_stream)
    assert wrapped == side
    cuda.set_stream(wrapped)
    assert cuda.current_stream() == side
    cuda.set_stream(before)
    assert cuda.current_stream() == before


@pytest.mark.gpu
def test_gpu_cuda_amp_autocast_runs_products_in_half() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        region = tocha.cuda.amp.autocast()
    with region:
        y = tocha.ones(2, 3, device="cuda") @ tocha.ones(3, 2, device="cuda")
    assert y.dtype == tocha.float16
