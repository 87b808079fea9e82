"""The fused cross-entropy kernels (NOTE [ Fused cross-entropy kernels ]) agree with the generic forwards and with
PyTorch, run without a GPU on tools/cuda_emulator (see test_nn_cuda_kernels.py for how the emulator works)."""

from __future__ import annotations

import types
from typing import Any

import numpy as np
import pytest
from nn_oracle import torch_or_skip

import tocha
from tocha.nn.functional import _cuda_ce_kernels as CE
from tocha.nn.functional import _cuda_kernels as K
from tocha.nn.functional import _loss


@pytest.fixture(scope="module")
def emulated(cuda_emulator: Any) -> Any:
    return cuda_emulator.build_kernels("nn_ce_kernels", CE.SOURCE)


@pytest.fixture
def kernels(emulated: Any, cuda_emulator: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    return cuda_emulator.use(monkeypatch, emulated, CE, K)


def _launches(kernels: dict[str, Any]) -> int:
    return sum(len(k.launches) for k in kernels.values())


DTYPES = [np.float32, np.float64]
REDUCTIONS = ["none", "mean", "sum"]
# (rows, classes): a row of 1 class, below / above a warp, a warp per row in one block and in several, and rows
# of more than 1024 classes (a block per row, more than one pass of 1024 threads; several blocks: below)
SHAPES = [(1, 1), (7, 1), (1, 10), (70, 10), (70, 33), (3, 1000), (40, 1000), (2, 5000)]


def _tolerance(dtype: Any) -> dict[str, float]:
    return {"rtol": 3e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-14}


def _case(rows: int, n: int, dtype: Any, weighted: bool, ignore: bool, seed: int = 0) -> tuple[Any, Any, Any, int]:
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((rows, n)) * 3).astype(dtype)
    x[rows // 2] *= 5000  # large logits: exp overflows without the shift
    if n > 1:
        x[rng.integers(0, rows), rng.integers(1, n)] = -np.inf
    target = rng.integers(0, n, rows).astype(np.int64)
    ignore_index = -100
    if ignore:
        ignore_index = int(target[0]) if rows > 3 and n > 1 else -100
        target[:: max(rows // 3, 1)] = ignore_index  # ignored rows, and ignore_index a valid class when rows > 3
    weight = rng.uniform(0.1, 2.0, n).astype(dtype) if weighted else None
    return x, target, weight, ignore_index


def _generic(x: Any, target: Any, weight: Any, reduction: str, ignore_index: int, grad: Any) -> tuple[Any, Any, Any]:
    with np.errstate(all="ignore"):
        loss, probs = _loss._ce_forward(np, x, target, weight, reduction, ignore_index)
        dx = _loss._ce_backward_forward(np, grad, probs, target, weight, reduction, ignore_index)
    return loss, probs, dx


def _grad(rows: int, reduction: str, dtype: Any) -> Any:
    if reduction == "none":
        return np.random.default_rng(5).standard_normal(rows).astype(dtype)
    return np.asarray(1.7, dtype=dtype)


# (class weight, ignored targets, reduction): every option, each with another (the emulator is slow)
OPTIONS = [(False, False, "mean"), (True, False, "sum"), (False, True, "none"), (True, True, "mean")]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("rows", "n"), SHAPES)
def test_forward_and_backward_match_the_generic_path(kernels: dict[str, Any], rows: int, n: int, dtype: Any) -> None:
    for weighted, ignore, reduction in OPTIONS:
        x, target, weight, ignore_index = _case(rows, n, dtype, weighted, ignore)
        grad = _grad(rows, reduction, dtype)
        loss, probs, dx = _generic(x, target, weight, reduction, ignore_index, grad)
        got = CE.cross_entropy(np, x, target, weight, reduction, ignore_index, True)
        assert got is not None
        assert got[0].shape == loss.shape
        assert got[0].dtype == loss.dtype == dtype
        np.testing.assert_allclose(got[0], loss, **_tolerance(dtype))
        np.testing.assert_allclose(got[1], probs, **_tolerance(dtype))
        for recompute, src in ((False, probs), (True, x)):
            got_dx = CE.cross_entropy_backward(np, grad, src, target, weight, reduction, ignore_index, recompute)
            assert got_dx.shape == dx.shape
            assert got_dx.dtype == dtype
            np.testing.assert_allclose(got_dx, dx, **_tolerance(dtype))
    loss_only = CE.cross_entropy(np, x, target, weight, reduction, ignore_index, False)
    assert loss_only is not None
    assert loss_only[1] is None
    np.testing.assert_allclose(loss_only[0], loss, **_tolerance(dtype))


def test_launch_configuration(kernels: dict[str, Any]) -> None:
    dtype = np.float32
    d = np.dtype(dtype)
    x, target, weight, _ = _case(512, 10, dtype, True, False)
    CE.cross_entropy(np, x, target, weight, "mean", -100, False)  # a CNN's batch: one launch, one block
    assert kernels[f"cross_entropy_forward<{d}>"].launches == [(1, 1024)]
    CE.cross_entropy_backward(np, np.asarray(1.0, dtype), x, target, weight, "mean", -100, True)
    assert kernels[f"cross_entropy_backward<{d}>"].launches == [(64, 256)]  # a warp per row, 8 rows a block
    assert _launches(kernels) == 2
    x, target, weight, _ = _case(7, 5000, dtype, True, False)
    CE.cross_entropy(np, x, target, weight, "sum", -100, True)  # a block per row, partial sums, the finish
    assert kernels[f"cross_entropy_forward<{d}>"].launches[-1] == (7, 1024)
    assert kernels[f"cross_entropy_finish<{d}>"].launches == [(1, 32)]


@pytest.mark.parametrize(("n", "dtype"), [(10, np.float32), (1500, np.float64)])
def test_blocks_stride_over_rows_and_the_mean_total_is_summed_once_for_many_rows(
    kernels: dict[str, Any], dtype: Any, n: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(CE, "_MAX_BLOCKS", 2)
    monkeypatch.setattr(CE, "_OWN_TOTAL_ROWS", 4)
    monkeypatch.setattr(CE, "_ONE_BLOCK_ELEMENTS", 0)
    rows = 37 if n == 10 else 5
    x, target, weight, ignore_index = _case(rows, n, dtype, True, True, seed=3)
    for reduction in REDUCTIONS:
        grad = _grad(rows, reduction, dtype)
        loss, probs, dx = _generic(x, target, weight, reduction, ignore_index, grad)
        got = CE.cross_entropy(np, x, target, weight, reduction, ignore_index, True)
        assert got is not None
        np.testing.assert_allclose(got[0], loss, **_tolerance(dtype))
        np.testing.assert_allclose(got[1], probs, **_tolerance(dtype))
        np.testing.assert_allclose(
            CE.cross_entropy_backward(np, grad, x, target, weight, reduction, ignore_index, True),
            dx,
            **_tolerance(dtype),
        )
    d = np.dtype(dtype)
    assert {grid for grid, _ in kernels[f"cross_entropy_forward<{d}>"].launches} == {2}
    assert kernels[f"cross_entropy_weight_total<{d}>"].launches == [(1, 1024)]  # 'mean' only


def test_strided_targets_and_a_broadcast_gradient(kernels: dict[str, Any]) -> None:
    x, target, weight, ignore_index = _case(12, 7, np.float64, True, True)
    strided = np.repeat(target, 2)[::2]
    assert not strided.flags.c_contiguous
    got = CE.cross_entropy(np, x, strided, weight, "none", ignore_index, True)
    assert got is not None
    loss, probs, _ = _generic(x, target, weight, "none", ignore_index, _grad(12, "none", np.float64))
    np.testing.assert_allclose(got[0], loss, **_tolerance(np.float64))
    ones = np.broadcast_to(np.asarray(2.0), (12,))  # the gradient of loss.sum() with reduction 'none'
    dx = CE.cross_entropy_backward(np, ones, probs, strided, weight, "none", ignore_index, False)
    _, _, expected = _generic(x, target, weight, "none", ignore_index, np.full(12, 2.0))
    np.testing.assert_allclose(dx, expected, **_tolerance(np.float64))


@pytest.mark.parametrize("dtype", DTYPES)
def test_infinite_and_nan_logits_as_pytorch(kernels: dict[str, Any], dtype: Any) -> None:
    inf, nan = np.inf, np.nan
    x = np.array(
        [[0.0, -inf, 1.0], [-inf, -inf, -inf], [nan, 1.0, 2.0], [inf, 0.0, 1.0], [3.0, 3.0, 3.0], [-inf, 2.0, 1.0]],
        dtype=dtype,
    )
    target = np.array([1, 0, 2, 1, 0, 1], dtype=np.int64)
    with np.errstate(all="ignore"):
        logp = x - x.max(1, keepdims=True)
        logp = logp - np.log(np.exp(logp).sum(1, keepdims=True))
    expected = -logp[np.arange(6), target]
    assert np.isinf(expected[0])
    assert np.isnan(expected[1:4]).all()
    got = CE.cross_entropy(np, x, target, None, "none", -100, False)
    assert got is not None
    np.testing.assert_allclose(got[0], expected, **_tolerance(dtype))
    # an ignored row contributes exactly 0 whatever its logits (PyTorch's nll_loss skips it)
    ignored = np.array([0, -100, -100, -100, 0, 1], dtype=np.int64)
    got = CE.cross_entropy(np, x, ignored, None, "none", -100, False)
    assert got is not None
    np.testing.assert_array_equal(got[0][1:4], 0)
    mean = CE.cross_entropy(np, x[[1, 4, 5]], ignored[[1, 4, 5]], None, "mean", -100, False)
    assert mean is not None
    np.testing.assert_allclose(mean[0], (expected[4] + expected[5]) / 2, **_tolerance(dtype))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_every_target_ignored(kernels: dict[str, Any], reduction: str) -> None:
    x = np.ones((4, 3), np.float32)
    target = np.full(4, 2, np.int64)
    got = CE.cross_entropy(np, x, target, None, reduction, 2, True)
    assert got is not None
    loss, _, dx = _generic(x, target, None, reduction, 2, _grad(4, reduction, np.float32))
    np.testing.assert_allclose(got[0], loss)  # 'mean' 0/0: NaN, as PyTorch
    got_dx = CE.cross_entropy_backward(np, _grad(4, reduction, np.float32), x, target, None, reduction, 2, True)
    np.testing.assert_allclose(got_dx, dx)


def test_out_of_range_targets_raise_the_generic_error(kernels: dict[str, Any]) -> None:
    x = np.zeros((5, 4), np.float32)
    for bad in (4, -1, 99):
        target = np.array([0, -100, bad, 1, 7], dtype=np.int64)
        message = f"Target {bad} is out of bounds."
        with pytest.raises(IndexError, match=message):
            _loss._nll_weights(np, target, None, -100, 4, np.float32)
        with pytest.raises(IndexError, match=message):
            CE.cross_entropy(np, x, target, None, "mean", -100, False)


def test_the_fused_path_takes_only_its_common_case(kernels: dict[str, Any]) -> None:
    x = np.zeros((3, 4), np.float32)
    t = np.zeros(3, np.int64)
    assert CE.cross_entropy(np, x[0], t[0], None, "mean", -100, True) is None  # unbatched
    assert (
        CE.cross_entropy(np, np.zeros((3, 4, 2), np.float32), np.zeros((3, 2), np.int64), None, "mean", -100, True)
        is None
    )
    assert CE.cross_entropy(np, x.astype(np.float16), t, None, "mean", -100, True) is None
    assert CE.cross_entropy(np, np.zeros((4, 3), np.float32).T, t, None, "mean", -100, True) is None  # strided
    assert CE.cross_entropy(np, x, t.astype(np.uint8), None, "mean", -100, True) is None
    assert CE.cross_entropy(np, x, t, np.ones(4, np.float64), "mean", -100, True) is None  # mixed dtypes
    assert CE.cross_entropy(np, np.zeros((0, 4), np.float32), t[:0], None, "mean", -100, True) is None
    assert CE.cross_entropy(np, x, t, None, "mean", 2**70, True) is None
    g = np.zeros(3, np.float64)
    assert CE.cross_entropy_backward(np, g, x, t, None, "none", -100, True) is None  # grad of another dtype
    assert CE.cross_entropy_backward(np, g[:2].astype(np.float32), x, t, None, "none", -100, True) is None
    assert CE.cross_entropy_backward(np, np.float32(1.0), x, t, None, "none", -100, True) is None
    assert _launches(kernels) == 0


_CUDA_STANDIN = types.ModuleType("cupy_standin_ce")  # module-level: array modules live as long as the process
_CUDA_STANDIN.__dict__.update({name: getattr(np, name) for name in dir(np) if not name.startswith("__")})


@pytest.mark.parametrize("numel", ["small", "large"])
def test_the_ops_run_the_kernels_on_cuda(kernels: dict[str, Any], numel: str) -> None:
    # the op a training step runs: "cross_entropy" (recomputing backward) or "cross_entropy_with_softmax"
    rows, n = (20, 10) if numel == "small" else (170, 100)  # 17000 elements: above _CE_RECOMPUTE_LIMIT
    x, target, weight, ignore_index = _case(rows, n, np.float32, True, True)
    g = np.asarray(1.0, np.float32)
    if numel == "small":
        loss = tocha.library.get_op("cross_entropy").forward(_CUDA_STANDIN, x, target, weight, "mean", ignore_index)
        dx = tocha.library.get_op("cross_entropy_backward").forward(
            _CUDA_STANDIN, g, x, target, weight, "mean", ignore_index
        )
        assert set(kernels) == {"cross_entropy_forward<float32>", "cross_entropy_backward<float32>"}
    else:
        loss, probs = tocha.library.get_op("cross_entropy_with_softmax").forward(
            _CUDA_STANDIN, x, target, weight, "mean", ignore_index
        )
        dx = tocha.library.get_op("cross_entropy_with_softmax_backward").forward(
            _CUDA_STANDIN, g, probs, target, weight, "mean", ignore_index
        )
        assert set(kernels) == {"cross_entropy_forward<float32>", "cross_entropy_backward<float32>"}
        np.testing.assert_allclose(probs, _generic(x, target, weight, "mean", ignore_index, g)[1], rtol=3e-5, atol=1e-6)
    expected_loss, _, expected_dx = _generic(x, target, weight, "mean", ignore_index, g)
    assert loss.shape == ()
    assert dx.shape == x.shape
    np.testing.assert_allclose(loss, expected_loss, **_tolerance(np.float32))
    np.testing.assert_allclose(dx, expected_dx, **_tolerance(np.float32))
    tocha.library.raise_deferred_checks()


def test_an_out_of_range_target_raises_at_the_next_host_read_on_cuda(kernels: dict[str, Any]) -> None:
    x = np.zeros((3, 4), np.float32)
    target = np.array([1, 4, -100], np.int64)
    loss = tocha.library.get_op("cross_entropy").forward(_CUDA_STANDIN, x, target, None, "sum", -100)
    assert loss.shape == ()  # queued, not raised
    with pytest.raises(RuntimeError, match=r"Target 4 is out of bounds\. \(IndexError found by a device-side check"):
        tocha.library.raise_deferred_checks()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_loss_and_gradient_match_pytorch(kernels: dict[str, Any], dtype: Any, reduction: str, weighted: bool) -> None:
    torch = torch_or_skip()
    x, target, weight, ignore_index = _case(70, 33, dtype, weighted, True, seed=7)
    x[3, :] = -np.inf  # an ignored row of only -inf: PyTorch skips it
    target[3] = ignore_index
    grad = _grad(70, reduction, dtype)
    got = CE.cross_entropy(np, x, target, weight, reduction, ignore_index, False)
    assert got is not None
    dx = CE.cross_entropy_backward(np, grad, x, target, weight, reduction, ignore_index, True)
    tx = torch.from_numpy(x.copy()).requires_grad_(True)
    tw = None if weight is None else torch.from_numpy(weight)
    expected = torch.nn.functional.cross_entropy(
        tx, torch.from_numpy(target), weight=tw, ignore_index=ignore_index, reduction=reduction
    )
    expected.backward(torch.from_numpy(grad))
    np.testing.assert_allclose(got[0], expected.detach().numpy(), **_tolerance(dtype))
    np.testing.assert_allclose(dx, tx.grad.numpy(), **_tolerance(dtype))  # row 3: NaN, as PyTorch's
