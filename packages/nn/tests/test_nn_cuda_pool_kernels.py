"""nn's fused max-pool kernels (NOTE [ Fused max-pool kernels ]) agree with the generic forwards and with
PyTorch's CPU max pool, run without a GPU.

The kernels' CUDA source is compiled as C++ against tools/cuda_emulator/cuda_emulator.h and driven by the module's
own launch code through a stand-in for ``RawModule.get_function`` (as in test_nn_cuda_kernels.py). So the kernel
logic and the launch configuration are checked here; compiling for a GPU is tools/check_nvrtc.py's (nox -s nvrtc), speed is checked on one.
Skips without a C++20 compiler.
"""

from __future__ import annotations

import itertools
import types
from typing import Any

import numpy as np
import pytest
from nn_oracle import torch_or_skip

import tocha
from tocha.nn.functional import _cuda_kernels as CK
from tocha.nn.functional import _cuda_pool_kernels as K
from tocha.nn.functional import _pooling as P


@pytest.fixture(scope="module")
def emulated(cuda_emulator: Any) -> Any:
    return cuda_emulator.build_kernels("nn_pool_kernels", K.SOURCE)


@pytest.fixture
def kernels(emulated: Any, cuda_emulator: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    return cuda_emulator.use(monkeypatch, emulated, K, CK)


DTYPES = [np.float32, np.float64]
KERNELS = [(1, 1), (2, 2), (3, 3), (2, 3), (1, 3), (3, 1)]


def _options(kernel: tuple[int, int]) -> list[tuple[tuple[int, int], tuple[int, int], tuple[int, int], bool]]:
    """(stride, padding, dilation, ceil_mode) with strides 1..3, paddings 0..1 and dilations 1..2, square and
    not, that PyTorch accepts for ``kernel``."""
    found = []
    strides, paddings, dilations = ((1, 1), (2, 2), (3, 3), (1, 2)), ((0, 0), (1, 1), (0, 1)), ((1, 1), (2, 2), (2, 1))
    for s, p, d, ceil in itertools.product(strides, paddings, dilations, (False, True)):
        if all(pi <= ((k - 1) * di + 1) // 2 for k, pi, di in zip(kernel, p, d, strict=True)):
            found.append((s, p, d, ceil))
    return found


def _data(shape: tuple[int, ...], dtype: Any, kind: str, seed: int = 0) -> Any:
    """Small integers (many ties); with ``nan_inf`` also NaN, -inf and +inf here and there."""
    rng = np.random.default_rng(seed)
    x = rng.integers(-2, 3, shape).astype(dtype)
    if kind == "nan_inf":
        u = rng.random(shape)
        x[u < 0.08] = np.nan
        x[(u >= 0.08) & (u < 0.3)] = -np.inf
        x[(u >= 0.3) & (u < 0.32)] = np.inf
    return x


def _reference(x: Any, kernel: Any, stride: Any, padding: Any, dilation: Any, out: Any) -> tuple[Any, Any]:
    """PyTorch's CPU scan, written out: the window clipped to the plane, ``v > best or isnan(v)`` replaces."""
    lead, (height, width) = x.shape[:-2], x.shape[-2:]
    planes = x.reshape(-1, height, width)
    values = np.empty((planes.shape[0], *out), x.dtype)
    indices = np.empty((planes.shape[0], *out), np.int64)
    for n, oh, ow in itertools.product(range(planes.shape[0]), range(out[0]), range(out[1])):
        h0, w0 = oh * stride[0] - padding[0], ow * stride[1] - padding[1]
        h1 = min(h0 + (kernel[0] - 1) * dilation[0] + 1, height)
        w1 = min(w0 + (kernel[1] - 1) * dilation[1] + 1, width)
        while h0 < 0:
            h0 += dilation[0]
        while w0 < 0:
            w0 += dilation[1]
        best, arg = -np.inf, h0 * width + w0
        for h in range(h0, h1, dilation[0]):
            for w in range(w0, w1, dilation[1]):
                v = planes[n, h, w]
                if v > best or np.isnan(v):
                    best, arg = v, h * width + w
        values[n, oh, ow], indices[n, oh, ow] = best, arg
    return values.reshape(*lead, *out), indices.reshape(*lead, *out)


def _out(shape: tuple[int, ...], kernel: Any, stride: Any, padding: Any, dilation: Any, ceil: bool) -> Any:
    return P._pool_shape("max_pool2d", shape, tuple(kernel), tuple(stride), tuple(padding), tuple(dilation), ceil)


def _generic_backward(grad: Any, indices: Any, spatial: tuple[int, ...]) -> Any:
    with np.errstate(all="ignore"):
        return P._scatter_forward(np, grad, indices, spatial, True)


def _tolerance(dtype: Any) -> dict[str, float]:
    return {"rtol": 1e-6, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-14, "atol": 1e-14}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel", KERNELS)
def test_forward_and_backward_agree_with_the_generic_path(
    kernels: dict[str, Any], dtype: Any, kernel: tuple[int, int]
) -> None:
    shape = (2, 3, 7, 9)
    x = _data(shape, dtype, "ties")
    for i, (stride, padding, dilation, ceil) in enumerate(_options(kernel)):
        out = _out(shape, kernel, stride, padding, dilation, ceil)
        values, indices = K.max_pool2d(np, x, kernel, stride, padding, dilation, out)
        expected_values, expected_indices = P._max_pool_forward(np, x, kernel, stride, padding, dilation, ceil, out)
        what = f"stride {stride} padding {padding} dilation {dilation} ceil_mode {ceil}"
        np.testing.assert_array_equal(values, expected_values, err_msg=what)
        np.testing.assert_array_equal(indices, expected_indices, err_msg=what)  # first maximum on ties
        assert values.dtype == dtype
        assert indices.dtype == np.int64
        grad = _data(values.shape, dtype, "ties", seed=i + 1) * dtype(0.37)
        dx = K.max_pool2d_backward(np, grad, indices, shape[-2:], kernel, stride, padding, dilation)
        np.testing.assert_allclose(dx, _generic_backward(grad, indices, shape[-2:]), err_msg=what, **_tolerance(dtype))
        assert dx.dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel", KERNELS)
def test_nan_and_infinities_follow_pytorchs_scan(kernels: dict[str, Any], dtype: Any, kernel: Any) -> None:
    shape = (2, 2, 9, 7)
    x = _data(shape, dtype, "nan_inf", seed=3)
    for stride, padding, dilation, ceil in _options(kernel):
        out = _out(shape, kernel, stride, padding, dilation, ceil)
        values, indices = K.max_pool2d(np, x, kernel, stride, padding, dilation, out)
        expected_values, expected_indices = _reference(x, kernel, stride, padding, dilation, out)
        what = f"stride {stride} padding {padding} dilation {dilation} ceil_mode {ceil}"
        np.testing.assert_array_equal(values, expected_values, err_msg=what)  # NaN where NaN
        np.testing.assert_array_equal(indices, expected_indices, err_msg=what)
        with np.errstate(all="ignore"):
            generic_values, generic_indices = P._max_pool_forward(np, x, kernel, stride, padding, dilation, ceil, out)
        np.testing.assert_array_equal(values, generic_values, err_msg=what)
        np.testing.assert_array_equal(indices, generic_indices, err_msg=what)  # NaN and all -inf windows too
        grad = _data(values.shape, dtype, "ties", seed=5)
        dx = K.max_pool2d_backward(np, grad, indices, shape[-2:], kernel, stride, padding, dilation)
        np.testing.assert_allclose(dx, _generic_backward(grad, indices, shape[-2:]), err_msg=what, **_tolerance(dtype))


@pytest.mark.parametrize(
    "shape",
    [(1, 1, 1, 1), (1, 1, 5, 5), (1, 7, 31, 33), (2, 3, 33, 31), (4, 13, 11), (3, 1, 2, 40)],
    ids=str,
)
@pytest.mark.parametrize("dtype", DTYPES)
def test_shapes_and_launch_configuration(kernels: dict[str, Any], shape: tuple[int, ...], dtype: Any) -> None:
    x = (np.random.default_rng(1).standard_normal(shape) * 3).astype(dtype)
    kernel, stride, padding, dilation = (2, 2), (2, 2), (0, 1), (1, 1)
    if shape[-2] == 1:
        kernel, padding = (1, 1), (0, 0)
    out = _out(shape, kernel, stride, padding, dilation, True)
    values, indices = K.max_pool2d(np, x, kernel, stride, padding, dilation, out)
    assert values.shape == indices.shape == shape[:-2] + tuple(out)
    expected = P._max_pool_forward(np, x, kernel, stride, padding, dilation, True, out)
    np.testing.assert_array_equal(values, expected[0])
    np.testing.assert_array_equal(indices, expected[1])
    total = values.size
    assert kernels[f"max_pool2d_forward<{np.dtype(dtype)}>"].launches == [(-(-total // 256), 256)]
    grad = (np.random.default_rng(2).standard_normal(values.shape)).astype(dtype)
    dx = K.max_pool2d_backward(np, grad, indices, shape[-2:], kernel, stride, padding, dilation)
    assert dx.shape == shape
    np.testing.assert_allclose(dx, _generic_backward(grad, indices, shape[-2:]), **_tolerance(dtype))
    assert kernels[f"max_pool2d_backward<{np.dtype(dtype)}>"].launches == [(-(-x.size // 256), 256)]


@pytest.mark.parametrize("dtype", DTYPES)
def test_one_dimensional_pooling_runs_as_height_one(kernels: dict[str, Any], dtype: Any) -> None:
    x = _data((3, 4, 17), dtype, "nan_inf", seed=7)
    for k, s, p, d, ceil in itertools.product((1, 2, 3), (1, 2, 3), (0, 1), (1, 2), (False, True)):
        if p > ((k - 1) * d + 1) // 2:
            continue
        out = P._pool_shape("max_pool1d", x.shape, (k,), (s,), (p,), (d,), ceil)
        values, indices = K.max_pool2d(np, x, (k,), (s,), (p,), (d,), out)
        expected_values, expected_indices = _reference(x[..., None, :], (1, k), (1, s), (0, p), (1, d), (1, *out))
        np.testing.assert_array_equal(values, expected_values[..., 0, :])
        np.testing.assert_array_equal(indices, expected_indices[..., 0, :])
        grad = _data(values.shape, dtype, "ties", seed=k)
        dx = K.max_pool2d_backward(np, grad, indices, x.shape[-1:], (k,), (s,), (p,), (d,))
        np.testing.assert_allclose(dx, _generic_backward(grad, indices, x.shape[-1:]), **_tolerance(dtype))


def test_values_only_launches_without_indices(kernels: dict[str, Any]) -> None:
    x = _data((2, 3, 8, 8), np.float32, "nan_inf")
    values, indices = K.max_pool2d(np, x, (3, 3), (2, 2), (1, 1), (1, 1), (4, 4), with_indices=False)
    assert indices is None
    np.testing.assert_array_equal(values, K.max_pool2d(np, x, (3, 3), (2, 2), (1, 1), (1, 1), (4, 4))[0])
    with np.errstate(all="ignore"):
        generic = P._max_pool_values_forward(np, x, (3, 3), (2, 2), (1, 1), (1, 1), False, (4, 4))
    np.testing.assert_array_equal(values, generic)


def test_the_kernels_decline_what_they_do_not_do(kernels: dict[str, Any]) -> None:
    x = _data((2, 3, 6, 6), np.float32, "ties")
    args = ((2, 2), (2, 2), (0, 0), (1, 1), (3, 3))
    assert K.max_pool2d(np, x, *args) is not None
    assert K.max_pool2d(np, x[..., ::2], (2, 2), (2, 2), (0, 0), (1, 1), (3, 1)) is None  # not C-contiguous
    assert K.max_pool2d(np, x.astype(np.float16), *args) is None
    assert K.max_pool2d(np, x.astype(np.int64), *args) is None
    assert K.max_pool2d(np, np.empty((0, 3, 6, 6), np.float32), *args) is None
    assert K.max_pool2d(np, x[..., None], (2, 2, 2), (2, 2, 2), (0, 0, 0), (1, 1, 1), (3, 3, 1)) is None  # 3-D
    assert K.max_pool2d(np, x[0, 0], *args) is None  # no plane dimension
    grad = _data((2, 3, 3, 3), np.float32, "ties")
    indices = np.zeros((2, 3, 3, 3), np.int64)
    window = ((2, 2), (2, 2), (0, 0), (1, 1))
    assert K.max_pool2d_backward(np, grad, indices, (6, 6), *window) is not None
    assert K.max_pool2d_backward(np, grad, indices.astype(np.int32), (6, 6), *window) is None
    assert K.max_pool2d_backward(np, grad, indices[..., :2], (6, 6), *window) is None
    assert K.max_pool2d_backward(np, grad.astype(np.float16), indices, (6, 6), *window) is None
    assert K.max_pool2d_backward(np, grad, indices, (6, 6, 6), *window) is None
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(CK, "_compiles_for", lambda xp: False)  # fused kernels off, or tools/fake_cupy
        assert K.max_pool2d(np, x, *args) is None
        assert K.max_pool2d_backward(np, grad, indices, (6, 6), *window) is None


_CUDA_STANDIN = types.ModuleType("cupy_standin")  # module-level: array modules live as long as the process
_CUDA_STANDIN.__dict__.update({name: getattr(np, name) for name in dir(np) if not name.startswith("__")})


def test_the_max_pool_ops_run_the_kernels_on_cuda(kernels: dict[str, Any]) -> None:
    x = _data((2, 3, 9, 8), np.float64, "ties")
    params = ((3, 3), (2, 2), (1, 1), (1, 1), True, _out(x.shape, (3, 3), (2, 2), (1, 1), (1, 1), True))
    values, indices = tocha.library.get_op("max_pool").forward(_CUDA_STANDIN, x, *params)
    assert len(kernels["max_pool2d_forward<float64>"].launches) == 1
    expected = P._max_pool_forward(np, x, *params)  # the cpu path never reaches the kernels
    assert len(kernels["max_pool2d_forward<float64>"].launches) == 1
    np.testing.assert_array_equal(values, expected[0])
    np.testing.assert_array_equal(indices, expected[1])
    only = tocha.library.get_op("max_pool_values").forward(_CUDA_STANDIN, x, *params)
    assert len(kernels["max_pool2d_forward<float64>"].launches) == 2
    np.testing.assert_array_equal(only, expected[0])
    grad = _data(values.shape, np.float64, "ties", seed=1)
    backward = tocha.library.get_op("max_pool_backward").forward
    dx = backward(_CUDA_STANDIN, grad, indices, x.shape[-2:], True, params[:4])
    assert len(kernels["max_pool2d_backward<float64>"].launches) == 1
    np.testing.assert_allclose(dx, _generic_backward(grad, indices, x.shape[-2:]), rtol=1e-14)
    backward(_CUDA_STANDIN, grad, indices, x.shape[-2:], True)  # no window (adaptive, fractional): scatters
    assert len(kernels["max_pool2d_backward<float64>"].launches) == 1


def test_the_autograd_vjp_passes_the_window(kernels: dict[str, Any]) -> None:
    x = tocha.tensor(_data((1, 2, 6, 7), np.float64, "ties"), requires_grad=True)
    y, indices = tocha.nn.functional.max_pool2d(x, 3, stride=2, padding=1, return_indices=True)
    y.backward(tocha.ones_like(y))
    expected = _generic_backward(np.ones(tuple(y.shape)), indices.numpy(), (6, 7))
    np.testing.assert_array_equal(x.grad.numpy(), expected)  # type: ignore[union-attr]
    assert not kernels  # cpu tensors: the kernels stay out


def test_empty_windows_of_a_dilated_kernel_keep_pytorchs_index(kernels: dict[str, Any]) -> None:
    x = np.arange(3.0).reshape(1, 1, 1, 3)  # height 1, kernel 2 dilated by 2, padding 1: the taps miss the row
    out = _out(x.shape, (2, 1), (1, 1), (1, 0), (2, 1), False)
    values, indices = K.max_pool2d(np, x, (2, 1), (1, 1), (1, 0), (2, 1), out)
    expected_values, expected_indices = _reference(x, (2, 1), (1, 1), (1, 0), (2, 1), out)
    np.testing.assert_array_equal(values, expected_values)
    np.testing.assert_array_equal(indices, expected_indices)
    dx = K.max_pool2d_backward(np, np.ones_like(values), indices, (1, 3), (2, 1), (1, 1), (1, 0), (2, 1))
    np.testing.assert_array_equal(dx, np.zeros_like(x))  # the index points past the plane: no element gets it


@pytest.mark.parametrize("kernel", KERNELS)
def test_forward_and_backward_agree_with_pytorch(kernels: dict[str, Any], kernel: Any) -> None:
    torch = torch_or_skip()
    shape = (2, 3, 9, 8)
    for i, (stride, padding, dilation, ceil) in enumerate(_options(kernel)):
        dtype = DTYPES[i % 2]
        x = _data(shape, dtype, "nan_inf", seed=i)  # small integers, ties among them
        out = _out(shape, kernel, stride, padding, dilation, ceil)
        values, indices = K.max_pool2d(np, x, kernel, stride, padding, dilation, out)
        theirs_x = torch.from_numpy(x.copy()).requires_grad_(True)
        theirs, theirs_indices = torch.nn.functional.max_pool2d(
            theirs_x, kernel, stride, padding, dilation, ceil_mode=ceil, return_indices=True
        )
        what = f"{np.dtype(dtype)} stride {stride} padding {padding} dilation {dilation} ceil_mode {ceil}"
        np.testing.assert_array_equal(values, theirs.detach().numpy(), err_msg=what)
        np.testing.assert_array_equal(indices, theirs_indices.numpy(), err_msg=what)
        grad = _data(values.shape, dtype, "ties", seed=2) * dtype(0.3)
        theirs.backward(torch.from_numpy(grad))
        dx = K.max_pool2d_backward(np, grad, indices, shape[-2:], kernel, stride, padding, dilation)
        assert theirs_x.grad is not None
        np.testing.assert_allclose(dx, theirs_x.grad.numpy(), err_msg=what, **_tolerance(dtype))
