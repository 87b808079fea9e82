"""tocha.autocast: op policies on CPU (bfloat16 / float16), nesting, threads, the cast cache, gradients."""

from __future__ import annotations

import threading
import warnings
from typing import Any

import numpy as np
import pytest

import tocha
from tocha import _dispatch
from tocha._autocast import allows_mixed


class _CountCasts(tocha.library.DispatchLayer):
    def __init__(self) -> None:
        self.casts: list[tuple[Any, Any]] = []

    def handle(self, call: Any, proceed: Any) -> Any:
        if call.op.name == "to_dtype":
            self.casts.append((call.inputs[0].dtype, call.params[0]))
        return proceed(call)


def _f32(*shape: int) -> tocha.Tensor:
    return tocha.randn(*shape, generator=tocha.Generator().manual_seed(sum(shape)))


# ------------------------------------------------------------------ state and the context manager


def test_defaults_and_state() -> None:
    assert tocha.get_autocast_dtype("cpu") is tocha.bfloat16
    assert tocha.get_autocast_dtype("cuda") is tocha.float16
    assert not tocha.is_autocast_enabled("cpu")
    with tocha.autocast("cpu"):
        assert tocha.is_autocast_enabled("cpu")
        assert not tocha.is_autocast_enabled("cuda")
        with tocha.autocast("cpu", enabled=False):
            assert not tocha.is_autocast_enabled("cpu")
        assert tocha.is_autocast_enabled("cpu")
        with tocha.autocast("cpu", dtype=tocha.float16):
            assert tocha.get_autocast_dtype("cpu") is tocha.float16
        assert tocha.get_autocast_dtype("cpu") is tocha.bfloat16
    assert not tocha.is_autocast_enabled("cpu")
    assert tocha.amp.autocast is tocha.autocast
    assert tocha.amp.is_autocast_available("cpu")
    assert not tocha.amp.is_autocast_available("mps")


def test_layer_is_popped_even_after_an_exception() -> None:
    before = list(_dispatch._layers)
    depth: list[int] = []

    def fail() -> None:
        with tocha.autocast("cpu"):
            depth.append(len(_dispatch._layers))
            raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        fail()
    assert depth == [len(before) + 1]
    assert _dispatch._layers == before
    assert not tocha.is_autocast_enabled("cpu")


def test_decorator() -> None:
    @tocha.autocast("cpu")
    def product(a: tocha.Tensor, b: tocha.Tensor) -> tocha.Tensor:
        assert tocha.is_autocast_enabled("cpu")
        return a @ b

    assert product(_f32(2, 3), _f32(3, 4)).dtype is tocha.bfloat16
    assert not tocha.is_autocast_enabled("cpu")


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="Expected `device_type` of type `str`"):
        tocha.autocast(1)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="unsupported autocast device_type 'mps'"):
        tocha.autocast("mps")
    with pytest.warns(UserWarning, match="target dtype is not supported. Disabling autocast"):
        region = tocha.autocast("cpu", dtype=tocha.float32)
    with region:
        assert not tocha.is_autocast_enabled("cpu")
        assert (_f32(2, 2) @ _f32(2, 2)).dtype is tocha.float32


def test_state_is_per_thread() -> None:
    seen: list[Any] = []

    def worker() -> None:
        seen.append(tocha.is_autocast_enabled("cpu"))
        seen.append((_f32(2, 2) @ _f32(2, 2)).dtype)

    with tocha.autocast("cpu"):
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        assert (_f32(2, 2) @ _f32(2, 2)).dtype is tocha.bfloat16
    assert seen == [False, tocha.float32]


# ------------------------------------------------------------------ policies (tensor-core ops)


@pytest.mark.parametrize("low", [tocha.bfloat16, tocha.float16])
def test_lower_precision_ops(low: tocha.dtype) -> None:
    a, b = _f32(2, 3), _f32(3, 4)
    with tocha.autocast("cpu", dtype=low):
        results = [
            a @ b,
            tocha.matmul(a, b),
            tocha.mm(a, b),
            tocha.bmm(a[None], b[None]),
            tocha.einsum("ij,jk->ik", a, b),
            tocha.matmul(a.to(low), b),  # mixed dtypes are allowed inside the region
        ]
    for r in results:
        assert r.dtype is low
    expected = (a.numpy().astype(low.numpy_dtype) @ b.numpy().astype(low.numpy_dtype)).astype(np.float32)
    np.testing.assert_allclose(results[0].float().numpy(), expected, rtol=1e-2, atol=1e-2)


def test_mixed_dtypes_still_rejected_outside_the_region() -> None:
    a = _f32(2, 3)
    with pytest.raises(RuntimeError, match=r"mm\(\): expected m1 and m2 to have the same dtype"):
        tocha.mm(a, a.t().bfloat16())
    with tocha.autocast("cpu"):
        assert tocha.mm(a, a.t().bfloat16()).dtype is tocha.bfloat16
        assert allows_mixed("matmul", "cpu", tocha.float32, tocha.bfloat16)
        assert not allows_mixed("matmul", "cpu", tocha.float64, tocha.bfloat16)
        assert not allows_mixed("prod", "cpu", tocha.float32, tocha.bfloat16)  # an fp32 op: no casting to one dtype
        assert not allows_mixed("matmul", "cuda", tocha.float32, tocha.bfloat16)
    with tocha.autocast("cpu"), pytest.raises(RuntimeError, match="expected both vectors to have same dtype"):
        tocha.vdot(a[0], a[0].bfloat16())  # vdot is on no list


def test_fp32_ops_on_cpu() -> None:
    x = _f32(3, 4).bfloat16()
    with tocha.autocast("cpu"):
        assert tocha.prod(x).dtype is tocha.float32
        assert tocha.quantile(x.float(), 0.5).dtype is tocha.float32
        # not on PyTorch's CPU lists: they run in the input dtype
        assert tocha.sum(x).dtype is tocha.bfloat16
        assert tocha.exp(x).dtype is tocha.bfloat16
        assert tocha.cumsum(x, 0).dtype is tocha.bfloat16
        assert (_f32(2) + 1).dtype is tocha.float32


def test_promote_ops() -> None:
    low, high = _f32(2, 3).bfloat16(), _f32(2, 3)
    with tocha.autocast("cpu"):
        assert tocha.cat([low, high]).dtype is tocha.float32
        assert tocha.stack([low, high]).dtype is tocha.float32
        assert tocha.cat([low, low]).dtype is tocha.bfloat16
        # index_copy is on the list too, but its public function rejects mixed dtypes before dispatching


def test_ineligible_operands_are_never_cast() -> None:
    d = tocha.ones(2, 2, dtype=tocha.float64)
    i = tocha.ones(2, 2, dtype=tocha.int64)
    with tocha.autocast("cpu"):
        assert (d @ d).dtype is tocha.float64
        assert (i @ i).dtype is tocha.int64
        assert tocha.prod(d).dtype is tocha.float64


def test_other_device_type_is_untouched() -> None:
    with tocha.autocast("cuda"):
        assert tocha.is_autocast_enabled("cuda")
        assert (_f32(2, 2) @ _f32(2, 2)).dtype is tocha.float32  # cpu tensors: the cuda policy does not apply


def test_in_place_calls_are_not_cast() -> None:
    out = _f32(2, 2)
    with tocha.autocast("cpu"):
        tocha.matmul(_f32(2, 2), _f32(2, 2), out=out)
    assert out.dtype is tocha.float32


def test_views_and_empty_and_noncontiguous() -> None:
    a = _f32(4, 6)[:, ::2]  # non-contiguous
    with tocha.autocast("cpu"):
        r = a @ a.t()
        e = tocha.ones(0, 3) @ tocha.ones(3, 2)
    assert r.dtype is tocha.bfloat16
    assert r.shape == (4, 4)
    assert e.dtype is tocha.bfloat16
    assert e.shape == (0, 2)


# ------------------------------------------------------------------ the cast cache and gradients


@pytest.mark.autograd
def test_cast_cache_for_parameters() -> None:
    w = _f32(3, 3).requires_grad_()
    x = _f32(2, 3)
    with _CountCasts() as counter, tocha.autocast("cpu"):
        _ = x @ w
        _ = x @ w
    w_casts = [c for c in counter.casts if c[0] is tocha.float32]
    assert len(w_casts) == 3  # x twice, w once (cached)
    with _CountCasts() as counter, tocha.autocast("cpu", cache_enabled=False):
        _ = x @ w
        _ = x @ w
    assert len(counter.casts) == 4


@pytest.mark.autograd
def test_gradients_flow_through_the_casts() -> None:
    pytest.importorskip("tocha.autograd")
    w = _f32(3, 2).requires_grad_()
    x = _f32(4, 3).requires_grad_()
    with tocha.autocast("cpu"):
        y = x @ w
    assert y.dtype is tocha.bfloat16
    y.float().sum().backward()
    assert x.grad is not None
    assert w.grad is not None
    assert x.grad.dtype is tocha.float32
    assert w.grad.dtype is tocha.float32
    xb, wb = x.detach().bfloat16().float().numpy(), w.detach().bfloat16().float().numpy()
    np.testing.assert_allclose(w.grad.numpy(), xb.T @ np.ones((4, 2)), rtol=2e-2, atol=2e-2)
    np.testing.assert_allclose(x.grad.numpy(), np.ones((4, 2)) @ wb.T, rtol=2e-2, atol=2e-2)


# ------------------------------------------------------------------ against PyTorch


_CORE_CASES: dict[str, Any] = {
    "matmul": lambda m, a, b: m.matmul(a, b),
    "mm": lambda m, a, b: m.mm(a, b),
    "bmm": lambda m, a, b: m.bmm(a[None], b[None]),
    "einsum": lambda m, a, b: m.einsum("ij,jk->ik", a, b),
    "cat": lambda m, a, b: m.cat([a, b.t()]),
    "stack": lambda m, a, b: m.stack([a, b.t()]),
    "prod": lambda m, a, b: m.prod(a),
    "sum": lambda m, a, b: m.sum(a),
    "exp": lambda m, a, b: m.exp(a),
    "cumsum": lambda m, a, b: m.cumsum(a, 0),
    "add": lambda m, a, b: a + b.t(),
}


@pytest.mark.parametrize("name", sorted(_CORE_CASES))
@pytest.mark.parametrize("dtypes", [("float32", "float32"), ("bfloat16", "float32"), ("bfloat16", "bfloat16")])
@pytest.mark.parametrize("low", ["bfloat16", "float16"])
def test_core_ops_match_torch_cpu_autocast(name: str, dtypes: tuple[str, str], low: str) -> None:
    torch = pytest.importorskip("torch")
    fn = _CORE_CASES[name]
    a, b = _f32(3, 3), _f32(3, 3)
    ta, tb = (
        torch.from_numpy(a.numpy()).to(getattr(torch, dtypes[0])),
        torch.from_numpy(b.numpy()).to(getattr(torch, dtypes[1])),
    )
    xa, xb = a.to(getattr(tocha, dtypes[0])), b.to(getattr(tocha, dtypes[1]))
    try:
        with torch.autocast("cpu", dtype=getattr(torch, low)):
            expected = fn(torch, ta, tb)
    except RuntimeError as exc:  # PyTorch's CPU float16 autocast cannot promote bfloat16 with float32
        if "prioritize" not in str(exc):
            raise
        pytest.skip(f"PyTorch raises: {exc}")
    with tocha.autocast("cpu", dtype=getattr(tocha, low)):
        got = fn(tocha, xa, xb)
    assert str(got.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
    np.testing.assert_allclose(got.float().numpy(), expected.float().numpy(), rtol=3e-2, atol=3e-2)


def _nn_cases(F: Any, m: Any, lib: Any) -> dict[str, Any]:
    long_ = lib.int64
    return {
        "linear": lambda x: F.linear(x, x),
        "relu": lambda x: F.relu(x),
        "softmax": lambda x: F.softmax(x, -1),
        "log_softmax": lambda x: F.log_softmax(x, -1),
        "layer_norm": lambda x: F.layer_norm(x, (4,)),
        "gelu": lambda x: F.gelu(x),
        "cross_entropy": lambda x: F.cross_entropy(x, lib.zeros(4, dtype=long_)),
        "nll_loss": lambda x: F.nll_loss(x, lib.zeros(4, dtype=long_)),
        "mse_loss": lambda x: F.mse_loss(x, x),
        "prelu": lambda x: F.prelu(x, lib.ones(1)),
        "sdpa": lambda x: F.scaled_dot_product_attention(x[None], x[None], x[None]),
        "conv2d": lambda x: F.conv2d(x[None, None], x[None, None, :3, :3]),
        "conv2d_f32_weight": lambda x: F.conv2d(x[None, None], lib.ones(2, 1, 3, 3)),
        "linear_f32_weight": lambda x: F.linear(x, lib.ones(3, 4), lib.ones(3)),
    }


# (input dtype, case) pairs where tocha differs from PyTorch for reasons outside autocast:
_KNOWN_NN_DIFFERENCES = {
    # tocha.nn computes these in float32 for bfloat16 input even without autocast (an nn issue)
    ("bfloat16", "layer_norm"),
    ("bfloat16", "gelu"),
    # PyTorch's CPU list has mse_loss in float32; tocha builds it from primitives (sub, pow, mean)
    ("bfloat16", "mse_loss"),
}


@pytest.mark.autograd
@pytest.mark.parametrize("dtype_name", ["float32", "bfloat16"])
def test_nn_functional_dtypes_match_torch(dtype_name: str) -> None:
    torch = pytest.importorskip("torch")
    F = pytest.importorskip("tocha.nn.functional")
    import torch.nn.functional as TF

    x = _f32(4, 4)
    xt = torch.from_numpy(x.numpy()).to(getattr(torch, dtype_name))
    xx = x.to(getattr(tocha, dtype_name))
    ours, theirs = _nn_cases(F, None, tocha), _nn_cases(TF, None, torch)
    for name in ours:
        if (dtype_name, name) in _KNOWN_NN_DIFFERENCES:
            continue
        with torch.autocast("cpu"):
            expected = theirs[name](xt)
        with tocha.autocast("cpu"):
            got = ours[name](xx)
        assert str(got.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1], name
        np.testing.assert_allclose(
            got.float().detach().numpy(), expected.float().detach().numpy(), rtol=5e-2, atol=5e-2, err_msg=name
        )


@pytest.mark.autograd
def test_small_model_matches_torch_and_trains() -> None:
    torch = pytest.importorskip("torch")
    nn = pytest.importorskip("tocha.nn")

    ours = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    with torch.no_grad():
        for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
            q.copy_(torch.from_numpy(p.detach().numpy()))
    x = _f32(5, 4)
    target = tocha.tensor([0, 1, 2, 0, 1])
    with tocha.autocast("cpu"):
        hidden = ours[0](x)
        out = ours(x)
        loss = nn.functional.cross_entropy(out, target)
        probs = nn.functional.softmax(out, -1)
    with torch.autocast("cpu"):
        t_hidden = theirs[0](torch.from_numpy(x.numpy()))
        t_out = theirs(torch.from_numpy(x.numpy()))
        t_loss = torch.nn.functional.cross_entropy(t_out, torch.from_numpy(target.numpy()))
        t_probs = torch.nn.functional.softmax(t_out, -1)
    for got, expected in ((hidden, t_hidden), (out, t_out), (loss, t_loss), (probs, t_probs)):
        assert str(got.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
        np.testing.assert_allclose(got.float().detach().numpy(), expected.float().detach().numpy(), atol=3e-2)
    loss.backward()
    t_loss.backward()
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        assert p.grad is not None
        assert q.grad is not None
        assert p.grad.dtype is tocha.float32
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), atol=3e-2)


@pytest.mark.gpu
def test_cuda_autocast_policies() -> None:
    a, b = tocha.randn(8, 8, device="cuda"), tocha.randn(8, 8, device="cuda")
    with tocha.autocast("cuda"):
        assert (a @ b).dtype is tocha.float16
        assert tocha.sum(a @ b).dtype is tocha.float32  # sum is on the CUDA fp32 list
        assert tocha.exp(a @ b).dtype is tocha.float32
        assert tocha.cat([a.half(), b]).dtype is tocha.float32
        assert (a.cpu() @ b.cpu()).dtype is tocha.float32
    with tocha.autocast("cuda", dtype=tocha.bfloat16):
        assert (a @ b).dtype is tocha.bfloat16


def test_no_warning_from_a_plain_region() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with tocha.autocast("cpu"):
            pass


@pytest.mark.parametrize("device_type", ["cpu", "cuda", "cuda:0", "ipu", "xpu", "hpu", "mps", "xla", "mtia", "maia"])
def test_default_autocast_dtypes_are_pytorchs(device_type):
    torch = pytest.importorskip("torch")
    assert str(tocha.get_autocast_dtype(device_type)) == str(torch.get_autocast_dtype(device_type)).replace(
        "torch", "tocha"
    )
    assert tocha.is_autocast_enabled(device_type) is False


@pytest.mark.parametrize("device_type", ["foo", "CPU", ""])
def test_unknown_device_types_raise_pytorchs_error(device_type):
    torch = pytest.importorskip("torch")
    for name, args in (("get_autocast_dtype", ()), ("is_autocast_enabled", ()), ("set_autocast_enabled", (True,))):
        with pytest.raises(RuntimeError) as theirs:
            getattr(torch, name)(device_type, *args)
        with pytest.raises(RuntimeError) as ours:
            getattr(tocha, name)(device_type, *args)
        assert str(ours.value) == str(theirs.value)
