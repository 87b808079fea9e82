"""Helpers that compare tocha.nn with PyTorch (the optional oracle) and with finite differences.

Tests import this module directly (pytest puts this folder on ``sys.path``). Functions that need PyTorch
call ``pytest.importorskip("torch")`` themselves, so a test using them skips when it is absent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

import tocha
import tocha.nn as nn
from tocha.autograd import gradcheck


def torch_or_skip() -> Any:
    """The ``torch`` module, or skip the calling test when PyTorch is not installed."""
    return pytest.importorskip("torch")


def to_torch(value: Any, requires_grad: bool | None = None) -> Any:
    """A PyTorch copy of a tocha tensor (other values pass through, containers are mapped)."""
    torch = torch_or_skip()
    if isinstance(value, tocha.Tensor):
        out = torch.from_numpy(np.array(value.detach().cpu().numpy(), copy=True))
        wants = value.requires_grad if requires_grad is None else requires_grad
        return out.requires_grad_(wants) if out.is_floating_point() or out.is_complex() else out
    if isinstance(value, (list, tuple)):
        return type(value)(to_torch(v, requires_grad) for v in value)
    if isinstance(value, dict):
        return {k: to_torch(v, requires_grad) for k, v in value.items()}
    return value


def from_torch(value: Any) -> Any:
    """A tocha copy of a PyTorch tensor (containers are mapped)."""
    torch = torch_or_skip()
    if isinstance(value, torch.Tensor):
        return tocha.from_numpy(value.detach().cpu().numpy().copy())
    if isinstance(value, (list, tuple)):
        return type(value)(from_torch(v) for v in value)
    return value


def copy_weights_from_torch(module: nn.Module, torch_module: Any) -> None:
    """Copy every parameter and buffer of ``torch_module`` into ``module``; the state-dict keys must match."""
    theirs = torch_module.state_dict()
    ours = module.state_dict()
    assert list(ours) == list(theirs), f"state_dict keys differ:\n tocha {list(ours)}\n torch {list(theirs)}"
    with tocha.no_grad():
        for key, value in theirs.items():
            target = ours[key]
            assert tuple(target.shape) == tuple(value.shape), f"{key}: {tuple(target.shape)} vs {tuple(value.shape)}"
            target.copy_(from_torch(value).to(target.dtype))


def assert_close_to_torch(ours: Any, theirs: Any, *, atol: float = 1e-6, rtol: float = 1e-5, what: str = "") -> None:
    """Recursively compare tocha outputs with PyTorch outputs (tensors, tuples, None)."""
    torch = torch_or_skip()
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, tocha.Tensor), f"{what}: expected a tensor, got {type(ours).__name__}"
        assert tuple(ours.shape) == tuple(theirs.shape), f"{what}: shape {tuple(ours.shape)} vs {tuple(theirs.shape)}"
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1], (
            f"{what}: {ours.dtype} vs {theirs.dtype}"
        )
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), atol=atol, rtol=rtol, err_msg=what)
    elif isinstance(theirs, (tuple, list)):
        assert len(ours) == len(theirs), what
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            assert_close_to_torch(a, b, atol=atol, rtol=rtol, what=f"{what}[{i}]")
    else:
        assert ours == theirs, f"{what}: {ours!r} vs {theirs!r}"


def compare_with_torch(
    module: nn.Module,
    torch_module: Any,
    *inputs: Any,
    atol: float = 1e-6,
    rtol: float = 1e-5,
    check_grad: bool = True,
    copy_weights: bool = True,
) -> None:
    """Same weights, same inputs: outputs, input gradients and parameter gradients must agree with PyTorch.

    Inputs are tocha tensors; floating inputs are made to require grad when ``check_grad``. The backward
    pass uses a fixed random cotangent for each floating output.
    """
    torch = torch_or_skip()
    if copy_weights:
        copy_weights_from_torch(module, torch_module)
    ours_in = [x.detach().requires_grad_(check_grad) if _is_float(x) else x for x in inputs]
    theirs_in = [to_torch(x) for x in ours_in]
    ours_out = module(*ours_in)
    theirs_out = torch_module(*theirs_in)
    assert_close_to_torch(ours_out, theirs_out, atol=atol, rtol=rtol, what="output")
    if not check_grad:
        return
    rng = np.random.default_rng(0)
    ours_loss: Any = 0
    theirs_loss: Any = 0
    for o, t in zip(_flat(ours_out), _flat(theirs_out), strict=True):
        if isinstance(o, tocha.Tensor) and o.requires_grad:
            w = rng.standard_normal(tuple(o.shape)).astype(t.detach().numpy().dtype)
            ours_loss = ours_loss + (o * tocha.from_numpy(w)).sum()
            theirs_loss = theirs_loss + (t * torch.from_numpy(w)).sum()
    ours_loss.backward()
    theirs_loss.backward()
    for i, (a, b) in enumerate(zip(ours_in, theirs_in, strict=True)):
        if isinstance(a, tocha.Tensor) and a.requires_grad:
            assert_close_to_torch(a.grad, b.grad, atol=atol, rtol=rtol, what=f"grad of input {i}")
    theirs_params = dict(torch_module.named_parameters())
    for name, p in module.named_parameters():
        assert_close_to_torch(p.grad, theirs_params[name].grad, atol=atol, rtol=rtol, what=f"grad of {name}")


def gradcheck_function(fn: Callable[..., Any], *inputs: Any, **kwargs: Any) -> None:
    """``tocha.autograd.gradcheck`` (float64 finite differences) on ``fn`` with the floating inputs requiring grad."""
    prepared = [x.detach().double().requires_grad_(True) if _is_float(x) else x for x in inputs]
    assert gradcheck(fn, tuple(prepared), **kwargs)


def _is_float(x: Any) -> bool:
    return isinstance(x, tocha.Tensor) and (x.is_floating_point() or x.is_complex())


def _flat(x: Any) -> Sequence[Any]:
    if isinstance(x, (tuple, list)):
        return [y for item in x for y in _flat(item)]
    return [x]


class OpNames(tocha.library.DispatchLayer):
    """A dispatch layer that records the name of every op called while it is pushed (``with OpNames() as ops:``)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def handle(self, call: Any, proceed: Any) -> Any:
        self.names.append(call.op.name)
        return proceed(call)


def one_op_gradients(out: Any, leaves: Sequence[Any], grad: Any, op_name: str) -> tuple[Any, ...]:
    """The gradients of ``out`` with respect to ``leaves`` from a backward that builds no graph, checked to come
    from the one op ``op_name`` and to equal, bit for bit, the composite vjp's (the one a double backward runs)."""
    with OpNames() as ops:
        fused = tocha.autograd.grad(out, list(leaves), grad, retain_graph=True)
    composite = tocha.autograd.grad(out, list(leaves), grad, create_graph=True)
    assert ops.names == [op_name]
    for a, e in zip(fused, composite, strict=True):
        assert a.dtype == e.dtype
        assert a.shape == e.shape
        np.testing.assert_array_equal(a.numpy(), e.detach().numpy())
    return tuple(fused)
