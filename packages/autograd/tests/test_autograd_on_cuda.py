"""Autograd on 'cuda' gives the CPU's gradients and keeps them on the device (``gpu``-marked).

Each test runs the same computation on CPU tensors and on copies on 'cuda': backward through views and in-place
ops, ``tocha.autograd.grad`` with ``create_graph``, tensor and post-accumulate hooks, custom Functions saving
tensors for backward, gradcheck, forward-mode AD, the functional API, anomaly mode and checkpointing. Gradients
must be 'cuda' tensors with the CPU's values; a backward pass reads nothing back to the host (checked under
``cupyx.allow_synchronize(False)``) except where PyTorch's does too (gradcheck, anomaly mode's NaN check).

On a machine without a GPU, ``nox -s fakegpu`` runs these against tools/fake_cupy (CuPy's rules on NumPy).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import tocha
import tocha.autograd
import tocha.autograd.forward_ad as fwAD
from tocha.autograd import Function, checkpoint, gradcheck, gradgradcheck
from tocha.autograd.functional import hessian, jacobian, jvp, vjp
from tocha.testing import assert_close

pytestmark = pytest.mark.gpu

F64 = tocha.float64
DEVICES = ("cpu", "cuda")


@contextlib.contextmanager
def no_host_sync() -> Iterator[None]:
    """Any device-to-host read inside raises (CuPy warns that ``allow_synchronize`` is deprecated)."""
    cupyx = pytest.importorskip("cupyx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with cupyx.allow_synchronize(False):
            yield


def _leaves(device: str, *shapes: tuple[int, ...], dtype: tocha.dtype = F64) -> list[tocha.Tensor]:
    tocha.manual_seed(0)
    values = [tocha.randn(*s, dtype=dtype) for s in shapes]  # drawn on the CPU: both devices see the same values
    return [v.to(device).requires_grad_() for v in values]


def _same(cpu: Any, gpu: Any, what: str = "") -> None:
    if isinstance(cpu, (list, tuple)):
        assert isinstance(gpu, (list, tuple)), what
        assert len(gpu) == len(cpu), what
        for i, (a, b) in enumerate(zip(cpu, gpu, strict=True)):
            _same(a, b, f"{what}[{i}]")
        return
    if cpu is None:
        assert gpu is None, what
        return
    assert gpu.device.type == "cuda", f"{what} on {gpu.device}"
    assert gpu.dtype == cpu.dtype, what
    assert_close(gpu.detach().cpu(), cpu.detach(), msg=lambda m: f"{what}: {m}")


def _both(run: Callable[..., Any], *shapes: tuple[int, ...], sync_free: bool = True) -> tuple[Any, Any]:
    """``run(device, *leaves)`` on each device with leaves of ``shapes`` (the same values), the results compared;
    the cuda run must not read the device from the host (nor copy host data in) when ``sync_free``."""
    cpu = run("cpu", *_leaves("cpu", *shapes))
    leaves = _leaves("cuda", *shapes)
    with no_host_sync() if sync_free else contextlib.nullcontext():
        gpu = run("cuda", *leaves)
    _same(cpu, gpu)
    return cpu, gpu


# ------------------------------------------------------------------ views and in-place ops


def test_backward_through_views_on_cuda() -> None:
    def run(device: str, *leaves: tocha.Tensor) -> Any:
        (x,) = leaves
        y = x.view(2, 12).transpose(0, 1)[3:9].reshape(3, 4)
        z = x.t()[1::2].expand(2, 3, 4) * x[:, ::2].flatten()[:4]
        (y.exp() * tocha.arange(4, dtype=F64, device=device)).sum().backward()
        (z.sin().sum() + x.diagonal().pow(2).sum() + x.unsqueeze(0).squeeze(0)[0].sum()).backward()
        return x.grad

    _both(run, (4, 6))


def test_backward_through_in_place_ops_on_cuda() -> None:
    def run(device: str, *leaves: tocha.Tensor) -> Any:
        x, w = leaves
        y = x * 2
        y.mul_(w)  # saved w and y: the version counters must allow it
        y[1].add_(x[0])  # in place into a view of a non-leaf
        y[:, 2:].sigmoid_()
        v = y.view(12)
        v.clamp_(min=-0.5)  # through a view: y's grad_fn is rebased
        y.sum().backward()
        return x.grad, w.grad

    _both(run, (3, 4), (3, 4))


def test_modifying_a_saved_tensor_in_place_raises_on_cuda() -> None:
    (x,) = _leaves("cuda", (3,))
    y = x.exp()
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_in_place_on_a_leaf_view_raises_on_cuda() -> None:
    (x,) = _leaves("cuda", (3,))
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        x[0].mul_(2)


# ------------------------------------------------------------------ autograd.grad


def test_grad_with_create_graph_on_cuda() -> None:
    def run(device: str, *leaves: tocha.Tensor) -> Any:
        x, w = leaves
        y = (x.tanh() * w).pow(3).sum()
        (gx, gw) = tocha.autograd.grad(y, (x, w), create_graph=True)
        (hx,) = tocha.autograd.grad((gx * gx).sum() + gw.sum(), x, create_graph=True)
        (hxx,) = tocha.autograd.grad(hx.sum(), w)
        return gx, gw, hx, hxx

    _both(run, (5,), (5,))


def test_grad_outputs_and_allow_unused_on_cuda() -> None:
    def run(device: str, *leaves: tocha.Tensor) -> Any:
        x, unused = leaves
        y = x.cumsum(1) * x
        v = tocha.ones(2, 3, dtype=F64, device=device) * 0.5
        gx, gu = tocha.autograd.grad(y, (x, unused), grad_outputs=v, allow_unused=True)
        assert gu is None
        (gz,) = tocha.autograd.grad(y, (unused,), grad_outputs=v, allow_unused=True, materialize_grads=True)
        return gx, gz

    _both(run, (2, 3), (2,))


# ------------------------------------------------------------------ hooks


def test_hooks_on_cuda() -> None:
    def run(device: str, *leaves: tocha.Tensor) -> Any:
        x, w = leaves
        seen: list[tocha.Tensor] = []
        x.register_hook(lambda g: g * 3)  # replaces the gradient
        w.register_hook(lambda g: seen.append(g.clone()))  # observes it
        h = x * w
        h.register_hook(lambda g: g + 1)
        h.retain_grad()
        accumulated: list[tocha.Tensor] = []
        w.register_post_accumulate_grad_hook(lambda p: accumulated.append(p.grad.clone()))
        (h * h).sum().backward()
        assert len(seen) == 1
        assert len(accumulated) == 1
        return x.grad, w.grad, h.grad, seen[0], accumulated[0]

    _both(run, (4,), (4,))


def test_saved_tensors_hooks_on_cuda() -> None:
    def run(device: str, *leaves: tocha.Tensor) -> Any:
        (x,) = leaves
        packed: list[str] = []

        def pack(t: tocha.Tensor) -> tocha.Tensor:
            packed.append(t.device.type)
            return t.cpu()  # offload to the host, as people do to save device memory ...

        def unpack(t: tocha.Tensor) -> tocha.Tensor:
            return t.to(device)  # ... and bring it back for backward

        with tocha.autograd.graph.saved_tensors_hooks(pack, unpack):
            y = (x @ x).exp().sum()
        assert packed
        assert set(packed) == {device}
        y.backward()
        return x.grad

    _both(run, (3, 3), sync_free=False)  # the offloading hook itself copies to the host


# ------------------------------------------------------------------ custom Functions


class _ScaledSoftplus(Function):
    """y = softplus(x) * k for a tensor k, saving both inputs and the result."""

    @staticmethod
    def forward(ctx: Any, x: tocha.Tensor, k: tocha.Tensor) -> tocha.Tensor:
        y = (x.exp() + 1).log() * k
        ctx.save_for_backward(x, k, y)
        return y

    @staticmethod
    def backward(ctx: Any, grad: tocha.Tensor) -> tuple[tocha.Tensor, tocha.Tensor]:
        x, k, y = ctx.saved_tensors
        assert x.device == grad.device == k.device == y.device
        return grad * k * x.sigmoid(), grad * y / k


def test_custom_function_with_save_for_backward_on_cuda() -> None:
    def run(device: str, *leaves: tocha.Tensor) -> Any:
        x, k = leaves
        y = _ScaledSoftplus.apply(x, k.abs() + 0.5)
        assert y.device.type == device
        (y * y).sum().backward()
        return y, x.grad, k.grad

    _both(run, (2, 3), (3,))


def test_gradcheck_of_a_custom_function_on_cuda() -> None:
    x, k = _leaves("cuda", (2, 3), (3,))
    assert gradcheck(lambda a, b: _ScaledSoftplus.apply(a, b.abs() + 0.5), (x, k))
    assert gradgradcheck(lambda a, b: _ScaledSoftplus.apply(a, b.abs() + 0.5), (x, k))


# ------------------------------------------------------------------ gradcheck


def _composite(x: tocha.Tensor, y: tocha.Tensor) -> tuple[tocha.Tensor, tocha.Tensor]:
    return (x @ y).tanh(), (x.exp() * y.t()).sum(0)


@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradcheck_on_cuda(fast_mode: bool) -> None:
    x, y = _leaves("cuda", (3, 2), (2, 3))
    assert gradcheck(_composite, (x, y), fast_mode=fast_mode)
    assert gradgradcheck(_composite, (x, y), fast_mode=fast_mode)
    assert x.device.type == "cuda"
    assert x.grad is None


def test_gradcheck_on_cuda_complex() -> None:
    tocha.manual_seed(0)
    z = tocha.randn(4, dtype=tocha.complex128).to("cuda").requires_grad_()
    assert gradcheck(lambda t: (t * t.conj() + t.exp()).abs(), (z,))
    assert gradcheck(lambda t: (t * t.conj() + t.exp()).abs(), (z,), fast_mode=True)


def test_gradcheck_finds_a_wrong_gradient_on_cuda() -> None:
    class Wrong(Function):
        @staticmethod
        def forward(ctx: Any, x: tocha.Tensor) -> tocha.Tensor:
            return x * x

        @staticmethod
        def backward(ctx: Any, grad: tocha.Tensor) -> tocha.Tensor:
            return grad * 3

    (x,) = _leaves("cuda", (3,))
    with pytest.raises(tocha.autograd.gradcheck.GradcheckError, match="Jacobian mismatch"):
        gradcheck(Wrong.apply, (x,))
    assert not gradcheck(Wrong.apply, (x,), raise_exception=False, fast_mode=True)


# ------------------------------------------------------------------ forward-mode AD


def test_forward_ad_on_cuda() -> None:
    def run(device: str, *leaves: tocha.Tensor) -> Any:
        x, t, w = leaves
        with fwAD.dual_level():
            dual = fwAD.make_dual(x.detach(), t.detach())
            out = ((w.detach() @ dual).tanh() * dual.cumsum(0) + dual.abs().sqrt()).sum()
            primal, tangent = fwAD.unpack_dual(out)
        assert tangent is not None
        return primal, tangent

    _both(run, (4,), (4,), (4, 4))


def test_forward_over_reverse_on_cuda() -> None:
    def run(device: str, *leaves: tocha.Tensor) -> Any:
        x, t = leaves
        with fwAD.dual_level():
            dual = fwAD.make_dual(x.detach(), t.detach()).requires_grad_()
            (g,) = tocha.autograd.grad((dual.sin() * dual).sum(), dual, create_graph=True)
            return fwAD.unpack_dual(g)

    _both(run, (3,), (3,))


# ------------------------------------------------------------------ functional API


def test_functional_api_on_cuda() -> None:
    def f(a: tocha.Tensor, b: tocha.Tensor) -> tocha.Tensor:
        return (a.exp() * b).sum(0) + b.sin()

    def run(device: str, *leaves: tocha.Tensor) -> Any:
        a, b, v, u = leaves
        a, b = a.detach(), b.detach()
        out_v, (va, vb) = vjp(f, (a, b), v.detach())
        out_j, jb = jvp(lambda t: f(a, t), b, u.detach())
        ja, jbb = jacobian(f, (a, b))
        ja_fwd, _ = jacobian(f, (a, b), vectorize=True, strategy="forward-mode")
        h = hessian(lambda t: (t.exp() * t).sum(), b)
        return out_v, va, vb, out_j, jb, ja, jbb, ja_fwd, h

    _both(run, (2, 3), (3,), (3,), (3,))


# ------------------------------------------------------------------ anomaly mode


def test_anomaly_mode_on_cuda_names_the_forward_call_of_a_nan_gradient() -> None:
    (x,) = _leaves("cuda", (3,))
    with tocha.autograd.detect_anomaly():
        y = (x * 0).sqrt()  # the gradient of sqrt at 0 is inf, times 0: NaN
        with pytest.raises(RuntimeError, match="returned nan values in its 0th output") as caught:
            y.sum().backward()  # the NaN check reads the device, as PyTorch's does
    assert "The forward call that created it" in str(caught.value)
    assert "test_autograd_on_cuda.py" in str(caught.value)


def test_anomaly_mode_without_nan_gives_the_same_gradients_on_cuda() -> None:
    def run(device: str, *leaves: tocha.Tensor) -> Any:
        (x,) = leaves
        with tocha.autograd.detect_anomaly(check_nan=False):
            (x.exp() @ x.t()).sum().backward()
        return x.grad

    _both(run, (2, 3))


# ------------------------------------------------------------------ checkpointing


def _block(h: tocha.Tensor, w1: tocha.Tensor, w2: tocha.Tensor) -> tocha.Tensor:
    return ((h @ w1).tanh() @ w2).sigmoid() * h


def test_checkpoint_on_cuda_gives_the_gradients_without_it() -> None:
    def run(device: str, *leaves: tocha.Tensor) -> Any:
        x, w1, w2 = leaves
        checkpoint(_block, checkpoint(_block, x, w1, w2), w1, w2).pow(2).sum().backward()
        plain = [t.detach().clone().requires_grad_() for t in (x, w1, w2)]
        _block(_block(*plain), *plain[1:]).pow(2).sum().backward()
        return [x.grad, w1.grad, w2.grad], [t.grad for t in plain]

    _, (checkpointed, plain) = _both(run, (4, 5), (5, 5), (5, 5))
    for a, b in zip(checkpointed, plain, strict=True):
        assert_close(a.cpu(), b.cpu(), rtol=0, atol=0)


def test_checkpoint_replays_random_ops_on_cuda() -> None:
    (x,) = _leaves("cuda", (64,))
    out = checkpoint(lambda t: t * (tocha.rand_like(t) > 0.5) * 2, x)
    out.sum().backward()
    assert x.grad is not None
    assert x.grad.device.type == "cuda"
    kept = (out != 0).to(F64) * 2  # the forward's dropout mask, scaled
    assert_close(x.grad.cpu(), kept.cpu(), rtol=0, atol=0)


def test_checkpoint_with_create_graph_on_cuda() -> None:
    def run(device: str, *leaves: tocha.Tensor) -> Any:
        x, w1, w2 = leaves
        (g,) = tocha.autograd.grad(checkpoint(_block, x, w1, w2).sum(), x, create_graph=True)
        (gg,) = tocha.autograd.grad(g.pow(2).sum(), w1)
        return g, gg

    _both(run, (2, 5), (5, 5), (5, 5))
