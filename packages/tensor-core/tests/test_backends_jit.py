"""tocha.accelerator, tocha.backends, tocha.cpu, tocha.mps, tocha.jit and the constants, against PyTorch 2.13."""

from __future__ import annotations

import math
import subprocess
import sys
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

import tocha

# ------------------------------------------------------------------ fixtures


@pytest.fixture(autouse=True)
def _restore_flags() -> Iterator[None]:
    cudnn = tocha.backends.cudnn
    saved = cudnn.set_flags()
    precision = tocha.get_float32_matmul_precision()
    matmul = tocha.backends.cuda.matmul
    reductions = (matmul.allow_bf16_reduced_precision_reduction, matmul.allow_fp16_reduced_precision_reduction)
    sdp = tocha.backends.cuda._sdp.copy()
    yield
    cudnn.set_flags(*saved)
    tocha.set_float32_matmul_precision(precision)
    matmul.allow_bf16_reduced_precision_reduction, matmul.allow_fp16_reduced_precision_reduction = reductions
    tocha.backends.cuda._sdp.update(sdp)
    tocha.backends.mkldnn.set_flags(True, False)


# ------------------------------------------------------------------ constants


def test_constants() -> None:
    assert tocha.e == math.e
    assert tocha.pi == math.pi
    assert tocha.inf == math.inf
    assert math.isnan(tocha.nan)
    assert all(type(c) is float for c in (tocha.e, tocha.pi, tocha.inf, tocha.nan))
    assert tocha.newaxis is None
    assert tocha.ones(3)[:, tocha.newaxis].shape == (3, 1)


def test_constants_match_torch() -> None:
    torch = pytest.importorskip("torch")
    assert (tocha.e, tocha.pi, tocha.inf) == (torch.e, torch.pi, torch.inf)
    assert math.isnan(torch.nan)
    assert tocha.newaxis is torch.newaxis


def test_new_modules_are_lazy() -> None:
    code = (
        "import sys, tocha\n"
        "names = ['tocha.jit', 'tocha.backends', 'tocha.accelerator', 'tocha.cpu', 'tocha.mps']\n"
        "assert not any(n in sys.modules for n in names), [n for n in names if n in sys.modules]\n"
        "assert tocha.jit.is_scripting() is False and 'tocha.jit' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ------------------------------------------------------------------ accelerator


def test_accelerator_without_gpu() -> None:
    if tocha.cuda.is_available():
        pytest.skip("checks the CPU-only behaviour")
    acc = tocha.accelerator
    assert acc.is_available() is False
    assert acc.device_count() == 0
    assert acc.current_accelerator(check_available=True) is None
    device = acc.current_accelerator().type if acc.is_available() else "cpu"  # PyTorch's tutorial line
    assert device == "cpu"
    for call in (
        acc.current_device_index,
        acc.current_device_idx,
        acc.synchronize,
        acc.current_stream,
        acc.memory_allocated,
        acc.memory_stats,
        acc.empty_cache,
        acc.empty_host_cache,
        acc.get_memory_info,
        acc.reset_peak_memory_stats,
        acc.get_device_capability,
        lambda: acc.set_device_index(0),
    ):
        with pytest.raises(RuntimeError, match=r"Cannot access accelerator device when none is available\."):
            call()
    with acc.device_index(None):
        pass
    with pytest.raises(RuntimeError, match="none is available"), acc.device_index(0):
        pass


def test_accelerator_names_match_torch() -> None:
    torch = pytest.importorskip("torch")
    public = {n for n in dir(torch.accelerator) if not n.startswith("_") and callable(getattr(torch.accelerator, n))}
    # Not ported: torch's `Graph`/`graphs` (CUDA graphs), `cache` (functools), `deprecated` and `Any` (imports).
    missing = public - set(tocha.accelerator.__all__) - {"Graph", "cache", "deprecated", "Any"}
    assert not missing


@pytest.mark.gpu
def test_accelerator_with_gpu() -> None:
    if not tocha.cuda.is_available():
        pytest.skip("needs CuPy and an NVIDIA GPU")
    acc = tocha.accelerator
    assert acc.current_accelerator() == tocha.device("cuda")
    assert acc.device_count() >= 1
    assert acc.current_device_index() == tocha.cuda.current_device()
    acc.set_device_index(0)
    with acc.device_index(0):
        acc.synchronize()
    acc.set_stream(acc.current_stream())
    assert tocha.float32 in acc.get_device_capability()["supported_dtypes"]
    assert acc.memory_allocated() >= 0
    assert acc.get_memory_info()[1] > 0


# ------------------------------------------------------------------ backends.cudnn


def test_cudnn_flags_assign_and_validate() -> None:
    cudnn = tocha.backends.cudnn
    assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic, cudnn.allow_tf32) == (True, False, False, True)
    assert cudnn.is_available() is False
    assert cudnn.version() is None
    cudnn.benchmark = True
    cudnn.deterministic = True
    assert cudnn.benchmark
    assert cudnn.deterministic
    for name, setter in (
        ("benchmark", "set_benchmark_cudnn"),
        ("deterministic", "set_deterministic_cudnn"),
        ("enabled", "set_enabled_cudnn"),
    ):
        with pytest.raises(RuntimeError, match=f"{setter} expects a bool, but got int"):
            setattr(cudnn, name, 1)
    cudnn.benchmark_limit = 5
    assert cudnn.benchmark_limit == 5


def test_cudnn_flags_context() -> None:
    cudnn = tocha.backends.cudnn
    cudnn.deterministic = True
    with cudnn.flags(enabled=True, benchmark=True) as result:
        assert result is None
        assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic, cudnn.allow_tf32) == (True, True, False, True)
    assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic) == (True, False, True)
    with cudnn.flags():
        assert cudnn.enabled is False
    with pytest.raises(ValueError), cudnn.flags(benchmark=True):
        raise ValueError
    assert cudnn.benchmark is False


def test_cudnn_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    tc, pc = tocha.backends.cudnn, torch.backends.cudnn
    assert (tc.enabled, tc.benchmark, tc.deterministic, tc.allow_tf32) == (
        pc.enabled,
        pc.benchmark,
        pc.deterministic,
        pc.allow_tf32,
    )
    assert tc.is_available() == pc.is_available()
    assert tc.version() == pc.version()
    with pc.flags(), tc.flags():
        assert (tc.enabled, tc.benchmark, tc.deterministic, tc.allow_tf32) == (
            pc.enabled,
            pc.benchmark,
            pc.deterministic,
            pc.allow_tf32,
        )
    with pytest.raises(RuntimeError) as pt_err:
        pc.benchmark = 1
    with pytest.raises(RuntimeError) as tc_err:
        tc.benchmark = 1
    assert str(tc_err.value) == str(pt_err.value)


# ------------------------------------------------------------------ backends.cuda


def test_matmul_allow_tf32_is_matmul_precision() -> None:
    matmul = tocha.backends.cuda.matmul
    assert matmul.allow_tf32 is False
    assert tocha.get_float32_matmul_precision() == "highest"
    matmul.allow_tf32 = True
    assert tocha.get_float32_matmul_precision() == "high"
    matmul.allow_tf32 = False
    assert tocha.get_float32_matmul_precision() == "highest"
    for precision, tf32 in (("medium", True), ("high", True), ("highest", False)):
        tocha.set_float32_matmul_precision(precision)
        assert matmul.allow_tf32 is tf32
    with pytest.raises(RuntimeError, match="set_allow_tf32_cublas expects a bool, but got str"):
        matmul.allow_tf32 = "yes"
    with pytest.raises(AttributeError, match="Unknown attribute foo"):
        matmul.foo = 1
    with pytest.raises(AttributeError, match="Unknown attribute bar"):
        _ = matmul.bar
    assert matmul.allow_bf16_reduced_precision_reduction
    assert matmul.allow_fp16_reduced_precision_reduction
    matmul.allow_fp16_reduced_precision_reduction = False
    assert matmul.allow_fp16_reduced_precision_reduction is False


def test_matmul_tf32_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    saved = torch.get_float32_matmul_precision()
    try:
        for value in (True, False):
            torch.backends.cuda.matmul.allow_tf32 = value
            tocha.backends.cuda.matmul.allow_tf32 = value
            assert tocha.get_float32_matmul_precision() == torch.get_float32_matmul_precision()
        for precision in ("high", "medium", "highest"):
            torch.set_float32_matmul_precision(precision)
            tocha.set_float32_matmul_precision(precision)
            assert tocha.backends.cuda.matmul.allow_tf32 == torch.backends.cuda.matmul.allow_tf32
    finally:
        torch.set_float32_matmul_precision(saved)


def test_sdp_flags() -> None:
    cuda = tocha.backends.cuda
    getters = (cuda.flash_sdp_enabled, cuda.mem_efficient_sdp_enabled, cuda.math_sdp_enabled, cuda.cudnn_sdp_enabled)
    setters = (cuda.enable_flash_sdp, cuda.enable_mem_efficient_sdp, cuda.enable_math_sdp, cuda.enable_cudnn_sdp)
    assert all(get() for get in getters)
    for get, set_ in zip(getters, setters, strict=True):
        set_(False)
        assert get() is False
        set_(True)
        with pytest.raises(RuntimeError, match="expects a bool, but got int"):
            set_(1)
    assert cuda.fp16_bf16_reduction_math_sdp_allowed() is False
    assert cuda.is_flash_attention_available() is False


def test_sdp_kernel_deprecated_context() -> None:
    cuda = tocha.backends.cuda
    context = cuda.sdp_kernel(enable_flash=False)
    with pytest.warns(FutureWarning, match="sdp_kernel"):
        ctx = context.__enter__()
    assert ctx == {}
    assert (cuda.flash_sdp_enabled(), cuda.math_sdp_enabled()) == (False, True)
    context.__exit__(None, None, None)
    assert cuda.flash_sdp_enabled()


def test_sdp_flags_match_torch() -> None:
    torch = pytest.importorskip("torch")
    tb, pb = tocha.backends.cuda, torch.backends.cuda
    names = ("flash_sdp_enabled", "mem_efficient_sdp_enabled", "math_sdp_enabled", "cudnn_sdp_enabled")
    assert [getattr(tb, n)() for n in names] == [getattr(pb, n)() for n in names]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        with pb.sdp_kernel(enable_math=False, enable_cudnn=False), tb.sdp_kernel(enable_math=False, enable_cudnn=False):
            assert [getattr(tb, n)() for n in names] == [getattr(pb, n)() for n in names]
    with pytest.raises(RuntimeError, match="expects a bool, but got int"):
        pb.enable_flash_sdp(1)


def test_cuda_misc() -> None:
    cuda = tocha.backends.cuda
    assert isinstance(cuda.is_built(), bool)
    assert cuda.preferred_linalg_library().name == "Default"
    assert cuda.preferred_linalg_library("cusolver").name == "Cusolver"
    assert cuda.preferred_linalg_library().name == "Cusolver"
    cuda.preferred_linalg_library("default")
    with pytest.raises(RuntimeError, match="Unknown input value"):
        cuda.preferred_linalg_library("nope")
    assert cuda.preferred_blas_library().name == "Cublas"


def test_cuda_names_match_torch() -> None:
    torch = pytest.importorskip("torch")
    ours = set(tocha.backends.cuda.__all__)
    for name in (
        "is_built",
        "matmul",
        "enable_flash_sdp",
        "flash_sdp_enabled",
        "enable_mem_efficient_sdp",
        "mem_efficient_sdp_enabled",
        "enable_math_sdp",
        "math_sdp_enabled",
        "enable_cudnn_sdp",
        "cudnn_sdp_enabled",
        "sdp_kernel",
        "preferred_linalg_library",
        "preferred_blas_library",
        "allow_fp16_bf16_reduction_math_sdp",
        "fp16_bf16_reduction_math_sdp_allowed",
        "is_flash_attention_available",
    ):
        assert hasattr(torch.backends.cuda, name)
        assert name in ours


# ------------------------------------------------------------------ other backends


def test_other_backends() -> None:
    b = tocha.backends
    assert (b.mps.is_available(), b.mps.is_built()) == (False, False)
    assert b.openmp.is_available() is False
    assert b.mkldnn.is_available() is False
    assert isinstance(b.mkl.is_available(), bool)
    assert b.cpu.get_cpu_capability() in ("DEFAULT", "AVX2", "AVX512", "NEON")
    assert b.mkldnn.enabled is True
    with b.mkldnn.flags(enabled=False):
        assert b.mkldnn.enabled is False
    assert b.mkldnn.enabled is True
    with pytest.raises(RuntimeError, match="expects a bool"):
        b.mkldnn.enabled = 1
    assert b.opt_einsum.enabled == b.opt_einsum.is_available()
    assert b.opt_einsum.strategy == ("auto" if b.opt_einsum.is_available() else None)
    with b.opt_einsum.flags(enabled=False):
        assert b.opt_einsum.enabled is False
    assert b.opt_einsum.enabled == b.opt_einsum.is_available()
    if not b.opt_einsum.is_available():
        with pytest.raises(ValueError, match="opt_einsum is not available"):
            b.opt_einsum.set_flags(_strategy="auto")


def test_other_backends_match_torch() -> None:
    torch = pytest.importorskip("torch")
    assert tocha.backends.mps.is_available() == torch.backends.mps.is_available()
    assert tocha.backends.mps.is_built() == torch.backends.mps.is_built()
    assert tocha.backends.opt_einsum.is_available() == torch.backends.opt_einsum.is_available()
    assert tocha.backends.opt_einsum.strategy == torch.backends.opt_einsum.strategy
    assert isinstance(torch.backends.cpu.get_cpu_capability(), str)
    for name in ("cpu", "cuda", "cudnn", "mkl", "mkldnn", "mps", "openmp", "opt_einsum"):
        assert hasattr(torch.backends, name)
        assert hasattr(tocha.backends, name)


# ------------------------------------------------------------------ cpu, mps


def test_cpu_module() -> None:
    cpu = tocha.cpu
    assert (cpu.is_available(), cpu.device_count(), cpu.current_device(), cpu.is_initialized()) == (
        True,
        1,
        "cpu",
        True,
    )
    cpu.synchronize()
    cpu.set_device("cpu")
    stream = cpu.current_stream()
    assert stream is cpu.current_stream()
    assert isinstance(stream, cpu.Stream)
    with cpu.stream(cpu.Stream()) as ctx:
        assert ctx is None
    event = stream.record_event()
    assert event.query() is True
    stream.wait_event(event)
    stream.wait_stream(cpu.Stream())


def test_cpu_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    assert (tocha.cpu.is_available(), tocha.cpu.device_count(), tocha.cpu.current_device()) == (
        torch.cpu.is_available(),
        torch.cpu.device_count(),
        torch.cpu.current_device(),
    )
    for name in ("Stream", "Event", "StreamContext", "current_stream", "stream", "synchronize", "set_device"):
        assert hasattr(torch.cpu, name)
        assert hasattr(tocha.cpu, name)


def test_mps_module() -> None:
    mps = tocha.mps
    assert mps.is_available() is False
    assert mps.device_count() == 0
    mps.manual_seed(0)
    for call, what in (
        (mps.synchronize, "deviceSynchronize"),
        (mps.empty_cache, "emptyCache"),
        (mps.current_allocated_memory, "getCurrentAllocatedMemory"),
        (mps.seed, "getDefaultGenerator"),
    ):
        with pytest.raises(RuntimeError, match=f"Cannot execute {what}\\(\\) without MPS backend."):
            call()


def test_mps_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    assert (tocha.mps.is_available(), tocha.mps.device_count()) == (torch.mps.is_available(), torch.mps.device_count())
    for name in ("synchronize", "empty_cache", "current_allocated_memory", "driver_allocated_memory", "seed"):
        with pytest.raises(RuntimeError) as pt_err:
            getattr(torch.mps, name)()
        with pytest.raises(RuntimeError) as tc_err:
            getattr(tocha.mps, name)()
        assert str(tc_err.value) == str(pt_err.value)


# ------------------------------------------------------------------ jit


def test_jit_script_returns_argument() -> None:
    def f(x: Any) -> Any:
        return x * 2

    class Box:
        pass

    assert tocha.jit.script(f) is f
    assert tocha.jit.script(Box) is Box
    assert tocha.jit.is_scripting() is False
    assert tocha.jit.is_tracing() is False
    assert not isinstance(tocha.jit.script(f), tocha.jit.ScriptFunction)
    with pytest.raises(NotImplementedError):
        tocha.jit.ScriptModule()


def test_jit_trace_runs_once() -> None:
    calls: list[int] = []

    def f(x: Any, y: Any = 0) -> Any:
        calls.append(1)
        return x + y

    x = tocha.ones(2)
    assert tocha.jit.trace(f, x) is f
    assert len(calls) == 1
    assert tocha.jit.trace(f, (x, x)) is f
    assert len(calls) == 2
    assert tocha.jit.trace(f, example_kwarg_inputs={"x": x, "y": 1}) is f
    assert len(calls) == 3
    with pytest.raises(RuntimeError, match="example_inputs"):
        tocha.jit.trace(f)

    def bad(x: Any) -> Any:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        tocha.jit.trace(bad, x)

    class M:
        def forward(self, x: Any) -> Any:
            calls.append(2)
            return x

    m = M()
    assert tocha.jit.trace_module(m, {"forward": (x,)}) is m
    assert calls[-1] == 2


def test_jit_decorators_and_helpers() -> None:
    def f(x: Any) -> Any:
        return x

    assert tocha.jit.ignore(f) is f
    assert tocha.jit.ignore(drop=True)(f) is f
    assert tocha.jit.unused(f) is f
    assert tocha.jit.export(f) is f
    assert tocha.jit.interface(f) is f
    assert tocha.jit.script_if_tracing(f) is f
    assert tocha.jit.annotate(list[int], []) == []
    fut = tocha.jit.fork(lambda a, b: a + b, 1, b=2)
    assert fut.done()
    assert tocha.jit.wait(fut) == 3
    assert fut.value() == 3
    assert fut.then(lambda done: done.wait() * 10).wait() == 30
    with pytest.raises(ValueError, match="x"):
        tocha.jit.fork(lambda: (_ for _ in ()).throw(ValueError("x")))
    m = object()
    assert tocha.jit.freeze(m) is m
    assert tocha.jit.optimize_for_inference(m) is m
    with pytest.raises(NotImplementedError, match=r"tocha\.save"):
        tocha.jit.save(m, "model.pt")
    with pytest.raises(NotImplementedError, match=r"tocha\.load"):
        tocha.jit.load("model.pt")
    assert tocha.jit.Attribute(3, int) == (3, int)
    assert tocha.jit.Attribute(3, int).value == 3

    class WithFinal:
        size: tocha.jit.Final[int] = 3

    assert WithFinal.size == 3


def test_jit_isinstance() -> None:
    check = tocha.jit.isinstance
    assert check([1, 2], list[int])
    assert not check([1, "a"], list[int])
    assert check({"a": tocha.ones(1)}, dict[str, tocha.Tensor])
    assert not check({"a": 1}, dict[str, tocha.Tensor])
    assert check((1, "a"), tuple[int, str])
    assert not check((1,), tuple[int, str])
    assert check(None, int | None)
    assert check(3, int | None)
    assert not check("3", int | None)


def test_jit_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    checks = [
        ([1, 2], list[int]),
        ([1, "a"], list[int]),
        ((1, "a"), tuple[int, str]),
        ({"a": 1}, dict[str, int]),
        ({"a": "b"}, dict[str, int]),
    ]
    for obj, target in checks:
        assert tocha.jit.isinstance(obj, target) == torch.jit.isinstance(obj, target)
    assert tocha.jit.is_scripting() == torch.jit.is_scripting()
    assert tocha.jit.is_tracing() == torch.jit.is_tracing()
    assert repr(tocha.jit.Attribute(3, int)) == repr(torch.jit.Attribute(3, int))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        assert tocha.jit.wait(tocha.jit.fork(pow, 2, 5)) == torch.jit.wait(torch.jit.fork(pow, 2, 5))
    assert tocha.jit.set_fusion_strategy([("STATIC", 2)]) == [("STATIC", 2), ("DYNAMIC", 10)]
    tocha.jit.set_fusion_strategy([("STATIC", 2), ("DYNAMIC", 10)])
    missing = [n for n in tocha.jit.__all__ if not hasattr(torch.jit, n)]
    assert not missing
