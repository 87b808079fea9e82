"""nn's fused CUDA kernels (NOTE [ Fused CUDA kernels ]) agree with the generic forwards, run without a GPU.

The kernels' CUDA source is compiled as C++ against tools/cuda_emulator/cuda_emulator.h, which runs each thread
block as OS threads with real barriers and warp shuffles; the module's own launch code (grid, block, arguments)
drives it through a stand-in for ``RawModule.get_function``. So the kernel logic and the launch configuration
are checked here; compiling for a GPU is tools/check_nvrtc.py's (nox -s nvrtc), speed is checked on one. Skips without a C++20 compiler.
"""

from __future__ import annotations

import types
from typing import Any

import numpy as np
import pytest

import tocha
from tocha.nn.functional import _activation, _normalization
from tocha.nn.functional import _cuda_kernels as K


@pytest.fixture(scope="module")
def emulated(cuda_emulator: Any) -> Any:
    return cuda_emulator.build_kernels("nn_kernels", K.SOURCE)


@pytest.fixture
def kernels(emulated: Any, cuda_emulator: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    return cuda_emulator.use(monkeypatch, emulated, K, K)


DTYPES = [np.float32, np.float64]
ROWS = [(3, 1), (4, 5), (2, 33), (3, 100), (2, 1500)]  # n below, at and above a warp, and above 1024 threads


def _tolerance(dtype: Any) -> dict[str, float]:
    return {"rtol": 2e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-13}


def _data(shape: tuple[int, ...], dtype: Any, seed: int = 0) -> Any:
    return (np.random.default_rng(seed).standard_normal(shape) * 3).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", ROWS)
@pytest.mark.parametrize("log", [False, True])
def test_softmax_forward_and_backward(kernels: dict[str, Any], shape: Any, dtype: Any, log: bool) -> None:
    x = _data(shape, dtype)
    g = _data(shape, dtype, seed=1)
    y = K.softmax(np, x, -1, log)
    generic = tocha.library.generic_forward("log_softmax" if log else "softmax")
    np.testing.assert_allclose(y, generic(np, x, 1), **_tolerance(dtype))
    dx = K.softmax_backward(np, g, y, 1, log)
    backward = tocha.library.generic_forward("log_softmax_backward" if log else "softmax_backward")
    np.testing.assert_allclose(dx, backward(np, g, y, 1), **_tolerance(dtype))
    assert kernels[f"softmax_forward<{np.dtype(dtype)}>"].launches == [(shape[0], K._row_threads(shape[1]))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("normalize", [True, False])
def test_softmax_parts_for_cross_entropy(kernels: dict[str, Any], dtype: Any, normalize: bool) -> None:
    x = _data((5, 37), dtype) * 10
    top, log_sums, e = K.softmax_parts(np, x, normalize)
    shift = x.max(axis=1, keepdims=True)
    np.testing.assert_array_equal(top, shift)
    np.testing.assert_allclose(log_sums, np.log(np.exp(x - shift).sum(axis=1, keepdims=True)), **_tolerance(dtype))
    expected = tocha.library.generic_forward("softmax")(np, x, 1) if normalize else np.exp(x - shift)
    np.testing.assert_allclose(e, expected, **_tolerance(dtype))
    assert K.softmax_parts(np, _data((2, 3, 4), dtype), normalize) is None


def test_softmax_rows_with_infinities_and_nan(kernels: dict[str, Any]) -> None:
    x = np.array([[0.0, -np.inf, 1.0], [-np.inf, -np.inf, -np.inf], [np.nan, 1.0, 2.0], [np.inf, 0.0, 1.0]])
    for log, generic in (
        (False, tocha.library.generic_forward("softmax")),
        (True, tocha.library.generic_forward("log_softmax")),
    ):
        with np.errstate(all="ignore"):
            expected = generic(np, x, 1)
        np.testing.assert_allclose(K.softmax(np, x, 1, log), expected, rtol=1e-14, atol=0)  # NaN where NaN


@pytest.mark.parametrize("dtype", DTYPES)
def test_safe_softmax_matches_attention_generic_rows(kernels: dict[str, Any], dtype: Any) -> None:
    # attention's safe softmax: a row of only -inf attends to nothing (zeros); NaN and +inf rows as the generic
    from tocha.nn.functional import _attention

    x = np.array(
        [[0.0, -np.inf, 1.0], [-np.inf, -np.inf, -np.inf], [np.nan, 1.0, 2.0], [np.inf, 0.0, 1.0], [3.0, 3.0, 3.0]],
        dtype=dtype,
    )
    x = np.concatenate([x, _data((3, 3), dtype)])
    with np.errstate(all="ignore"):
        expected = _attention._softmax_rows(np, x.copy(), True)
    got = K.softmax(np, x, -1, False, safe=True)
    np.testing.assert_allclose(got, expected, **_tolerance(dtype))
    assert (got[1] == 0).all()
    wide = _data((4, 3, 1500), dtype)
    wide[1, 2] = -np.inf
    np.testing.assert_allclose(
        K.softmax(np, wide, -1, False, safe=True), _attention._softmax_rows(np, wide.copy(), True), **_tolerance(dtype)
    )


def test_softmax_takes_only_the_last_dimension_of_contiguous_float_arrays(kernels: dict[str, Any]) -> None:
    x = _data((4, 6), np.float32)
    assert K.softmax(np, x, 0, False) is None
    assert K.softmax(np, x.T, 1, False) is None  # not C-contiguous
    assert K.softmax(np, x.astype(np.float16), 1, False) is None
    assert K.softmax(np, np.empty((0, 3), np.float32), 1, False) is None
    assert K.softmax(np, _data((2, 3, 5), np.float64), 2, True).shape == (2, 3, 5)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", ROWS)
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_forward_and_backward(kernels: dict[str, Any], shape: Any, dtype: Any, affine: bool) -> None:
    x = _data(shape, dtype) + 2.0
    g = _data(shape, dtype, seed=1)
    d = shape[1]
    w = _data((d,), dtype, seed=2) if affine else None
    b = _data((d,), dtype, seed=3) if affine else None
    got = K.layer_norm(np, x, w, b, d, 1e-5)
    assert got is not None
    expected = _normalization._layer_norm_forward(np, x, w, b, 1, 1e-5)
    for a, e in zip(got, expected, strict=True):
        assert a.shape == e.shape
        np.testing.assert_allclose(a, e, **_tolerance(dtype))
    _, mean, rstd = got
    dx = K.layer_norm_backward(np, g, x, w, mean, rstd, d)
    expected_dx = _normalization._layer_norm_backward_forward(np, g, x, w, mean, rstd, 1, False, False)[0]
    np.testing.assert_allclose(
        dx, expected_dx, rtol=1e-4 if dtype == np.float32 else 1e-10, atol=1e-4 if dtype == np.float32 else 1e-11
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_forward_and_backward(kernels: dict[str, Any], dtype: Any, approximate: str) -> None:
    x = np.concatenate([_data((700,), dtype), np.array([0.0, -0.0, 8.0, -8.0, 30.0, -30.0], dtype)])
    g = _data(x.shape, dtype, seed=1)
    np.testing.assert_allclose(
        K.gelu(np, x, approximate), _activation._gelu_forward(np, x, approximate), **_tolerance(dtype)
    )
    # float32's slope cancels near x = -2.5 (two terms of opposite sign): compare with float64's
    exact = _activation._gelu_backward_forward(np, g.astype(np.float64), x.astype(np.float64), approximate)
    np.testing.assert_allclose(
        K.gelu_backward(np, g, x, approximate),
        exact,
        rtol=1e-5 if dtype == np.float32 else 1e-12,
        atol=3e-6 if dtype == np.float32 else 1e-13,
    )
    grid, block = kernels[f"gelu_forward<{np.dtype(dtype)}>"].launches[0]
    assert grid * block >= x.size


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("threshold", [0.0, 0.1, -1.5])
def test_threshold_backward_matches_the_generic_op(kernels: dict[str, Any], dtype: Any, threshold: float) -> None:
    special = [0.0, -0.0, 0.1, -1.5, np.nan, np.inf, -np.inf]
    x = np.concatenate([_data((1000,), dtype), np.array(special, dtype)])
    g = _data(x.shape, dtype, seed=1)
    g[-3:] = [np.nan, 2.0, np.nan]  # a NaN gradient stays NaN where the input is masked (g * 0), as the generic op
    generic = tocha.library.generic_forward("threshold_backward")
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(K.threshold_backward(np, g, x, threshold), generic(np, g, x, threshold))
    assert K.threshold_backward(np, g[:10], x[:11], threshold) is None  # shapes differ: the generic op
    grid, block = kernels[f"threshold_backward<{np.dtype(dtype)}>"].launches[0]
    assert grid * block >= x.size


def test_fused_kernels_are_on_unless_turned_off_and_never_on_the_fake(monkeypatch: pytest.MonkeyPatch) -> None:
    class FakeCupy:
        __version__ = "14.2.0+fake"

    class RealCupy:
        __version__ = "14.2.0"

    monkeypatch.setattr(K, "_MODULES", [])  # nothing to compile: the gate's other conditions decide
    K._modules_compile.cache_clear()
    real, fake = RealCupy(), FakeCupy()
    monkeypatch.delenv("TOCHA_CUDA_FUSED", raising=False)
    assert K._compiles_for(real)  # on by default
    monkeypatch.setenv("TOCHA_CUDA_FUSED", "0")
    assert not K._compiles_for(real)
    monkeypatch.setenv("TOCHA_CUDA_FUSED", "1")
    assert K._compiles_for(real)
    assert not K._compiles_for(fake)
    assert not K._compiles_for(np)
    K._modules_compile.cache_clear()


def test_a_module_that_does_not_compile_turns_the_kernels_off_with_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    class RealCupy:
        __version__ = "14.2.0"

        class RawModule:  # NVRTC refusing the source
            def __init__(self, **kwargs: Any) -> None:
                raise RuntimeError("nvrtc: error: invalid value for --gpu-architecture")

    monkeypatch.delenv("TOCHA_CUDA_FUSED", raising=False)
    K._modules_compile.cache_clear()
    monkeypatch.setattr(K, "_MODULES", [])
    K.KernelModule("softmax/layer norm/gelu", K.SOURCE, K.KERNELS)
    cupy = RealCupy()
    with pytest.warns(RuntimeWarning, match="fused CUDA softmax/layer norm/gelu kernels did not compile.*gpu-arch"):
        assert not K._compiles_for(cupy)
    assert not K._compiles_for(cupy)  # checked once: no second warning
    assert not K._usable(cupy, np.zeros(3, np.float32))
    K._modules_compile.cache_clear()


_CUDA_STANDIN = types.ModuleType("cupy_standin")  # module-level: array modules live as long as the process
_CUDA_STANDIN.__dict__.update({name: getattr(np, name) for name in dir(np) if not name.startswith("__")})


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_tensor_core_records_run_the_kernels_nn_registers_on_cuda(
    kernels: dict[str, Any], monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setattr(tocha.library.get_backend("cuda"), "_cupy", _CUDA_STANDIN)  # the cuda backend's xp
    x = _data((4, 7), np.float32)
    g = _data((4, 7), np.float32, seed=2)
    y = tocha.library.get_op(name).forward(_CUDA_STANDIN, x, 1)
    assert kernels["softmax_forward<float32>"].launches == [(4, K._row_threads(7))]
    np.testing.assert_allclose(y, tocha.library.generic_forward(name)(np, x, 1), **_tolerance(np.float32))
    dx = tocha.library.get_op(f"{name}_backward").forward(_CUDA_STANDIN, g, y, 1)
    assert kernels["softmax_backward<float32>"].launches == [(4, K._row_threads(7))]
    generic = tocha.library.generic_forward(f"{name}_backward")(np, g, y, 1)
    np.testing.assert_allclose(dx, generic, **_tolerance(np.float32))
    cpu = tocha.library.get_op(name).forward(np, x, 1)  # the cpu path never reaches the kernels
    assert len(kernels["softmax_forward<float32>"].launches) == 1
    np.testing.assert_allclose(cpu, y, **_tolerance(np.float32))


COLUMN_SHAPES = [(1, 1), (5, 3), (64, 10), (300, 33), (1000, 70), (130, 1)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", COLUMN_SHAPES, ids=str)
@pytest.mark.parametrize("share", [7, 64])
def test_column_sums_add_their_shares_in_one_launch(
    kernels: dict[str, Any], monkeypatch: pytest.MonkeyPatch, dtype: Any, shape: tuple[int, int], share: int
) -> None:
    """A linear layer's bias gradient: each block sums 32 columns over a share of the rows, the last block of a
    column tile adds the shares (NOTE [ Last-block reductions ]) and leaves its counter at zero."""
    monkeypatch.setattr(K, "_COLUMN_SHARE", share)
    monkeypatch.setattr(K, "_COLUMN_BLOCKS", 8)
    a = _data(shape, dtype)
    got = K.column_sums(np, a)
    np.testing.assert_allclose(got, a.sum(axis=0), **_tolerance(dtype))
    assert got.shape == (shape[1],)
    assert got.flags.owndata  # AccumulateGrad keeps it as .grad without a copy
    rows, cols = shape
    tiles = -(-cols // 32)
    chunks = max(1, min(rows // share, 8 // tiles))
    assert kernels[f"column_sums<{np.dtype(dtype)}>"].launches == [(tiles * chunks, 256)]
    assert not K.completion_counters(np, tiles)[:tiles].any()  # ready for the next launch
    np.testing.assert_array_equal(K.column_sums(np, a), got)  # the shares are added in order: the same bits


def test_column_sums_decline_what_they_do_not_do(kernels: dict[str, Any]) -> None:
    a = _data((6, 4), np.float32)
    assert K.column_sums(np, a[:, :3]) is None  # not C-contiguous
    assert K.column_sums(np, a.ravel()) is None  # not 2-D
    assert K.column_sums(np, np.zeros((0, 4), np.float32)) is None  # empty: the generic row sum
    assert K.column_sums(np, a.astype(np.float16)) is None
    assert kernels == {}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(5, 7), (2, 3, 40), (1, 1)], ids=str)
def test_add_to_rows_adds_the_bias_in_place(
    kernels: dict[str, Any], monkeypatch: pytest.MonkeyPatch, dtype: Any, shape: tuple[int, ...]
) -> None:
    assert not K.add_to_rows(np, _data(shape, dtype), _data(shape[-1:], dtype))  # small: CuPy's add is cheaper
    monkeypatch.setattr(K, "_ADD_TO_ROWS_MIN", 1)
    y = _data(shape, dtype)
    b = _data(shape[-1:], dtype, seed=1)
    expected = y + b
    assert K.add_to_rows(np, y, b)
    np.testing.assert_array_equal(y, expected)
    assert not K.add_to_rows(np, y, b[:-1] if b.size > 1 else np.zeros(2, dtype))  # not a row of y
    assert not K.add_to_rows(np, y, b.astype(np.float16))  # dtypes differ: the generic add
    np.testing.assert_array_equal(y, expected)  # untouched by the declined calls


def test_completion_counters_are_kept_per_stream_for_a_bounded_number_of_streams(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Stream:
        def __init__(self, ptr: int) -> None:
            self.ptr = ptr

    current = [Stream(0)]
    module = types.SimpleNamespace(
        zeros=np.zeros,
        cuda=types.SimpleNamespace(
            runtime=types.SimpleNamespace(getDevice=lambda: 0), get_current_stream=lambda: current[0]
        ),
    )
    monkeypatch.setattr(K, "_COUNTERS", {})
    monkeypatch.setattr(K, "_COUNTER_SETS", 3)
    first = K.completion_counters(module, 10)
    assert first.dtype == np.uint32
    assert first.size == K._COUNTERS_MIN
    assert not first.any()
    assert K.completion_counters(module, 10) is first  # kept for the stream
    assert K.completion_counters(module, 5000).size == 5000  # grown when a launch needs more
    sets = []
    for ptr in (1, 2, 3):
        current[0] = Stream(ptr)
        sets.append(K.completion_counters(module, 1))
    assert len(K._COUNTERS) == 3  # stream 0's set went first
    current[0] = Stream(3)
    assert K.completion_counters(module, 1) is sets[-1]
