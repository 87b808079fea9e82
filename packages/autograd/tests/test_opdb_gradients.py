"""Every differentiable op of the op database through gradcheck and gradgradcheck, with the real engine.

On cpu and (``gpu``-marked) on cuda: the samples are made on the device, the leaves stay there, and gradcheck's
finite differences and the engine's gradients run there too.

For each op with a vjp and each of float64 / complex128 it accepts, every sample runs with its floating
and complex tensors as the inputs that require grad (non-contiguous samples keep their layout). Skips
and loosened tolerances are data, each with its reason; the op database's own skips (``vjp`` kind or
sample-wide) apply too.
"""

from __future__ import annotations

from typing import Any

import pytest

import tocha
import tocha.autograd
from tocha.autograd import gradcheck, gradgradcheck
from tocha.library import is_tensor_like
from tocha.testing import OpInfo, SampleInput, op_db

# op name -> why its second derivative is not checked.
GRADGRAD_SKIPS: dict[str, str] = {}

# (op name, sample name, dtype name) -> (atol, reason) for the gradgradcheck of that sample.
GRADGRAD_ATOL: dict[tuple[str, str, str], tuple[float, str]] = {
    ("prod", "full", "float64"): (
        1e-3,
        "the Hessian of a product of 12 values in [-9, 9) has entries up to ~1e6: the central differences "
        "carry ~1e-5 of rounding noise where the exact value is 0",
    ),
    ("prod", "full", "complex128"): (
        10.0,
        "the Hessian of a product of 12 complex values of modulus up to ~12 has entries up to ~2e9: the central "
        "differences carry ~1 of rounding noise where the exact value is 0 (a relative error of 1e-9)",
    ),
}


# (test, op name, device) -> why it fails: a known bug outside this package (strict xfail: fixing it fails here).
XFAILS: dict[tuple[str, str, str], str] = {}

# Samples per op and dtype, to keep this file fast; the families put their main cases first.
MAX_SAMPLES = 8

DTYPES = (tocha.float64, tocha.complex128)


def _differentiable(t: Any) -> bool:
    return is_tensor_like(t) and bool(t.dtype.is_floating_point or t.dtype.is_complex)


def _cases(test: str, devices: tuple[str, ...] = ("cpu", "cuda")) -> list[Any]:
    cases = []
    for device in devices:
        for info in op_db():
            if info.record.vjp is None:
                continue
            marks: list[Any] = [pytest.mark.gpu] if device == "cuda" else []
            reason = XFAILS.get((test, info.name, device))
            if reason is not None:
                marks.append(pytest.mark.xfail(reason=reason, strict=True))
            for d in DTYPES:
                if d in info.dtypes:
                    cases.append(pytest.param(info, d, device, id=f"{info.name}-{d.name}-{device}", marks=marks))
    return cases


CASES = _cases("gradcheck")
GRADGRAD_CASES = _cases("gradgradcheck")

# (op name, dtype name) -> why forward mode cannot run on it (strict xfail, expecting NotImplementedError only, so a
# wrong tangent still fails). Empty: every op with a vjp has a tangent, from its jvp rule or the double-vjp fallback,
# complex dtypes included (NOTE [ Forward AD ]).
FORWARD_AD_XFAILS: dict[tuple[str, str], str] = {}


def _forward_ad_cases() -> list[Any]:
    cases = []
    for param in _cases("forward_ad_gradcheck", devices=("cpu",)):
        reason = FORWARD_AD_XFAILS.get((param.values[0].name, param.values[1].name))
        marks = list(param.marks)
        if reason is not None:
            marks.append(pytest.mark.xfail(reason=reason, raises=NotImplementedError, strict=True))
        cases.append(pytest.param(*param.values, id=param.id, marks=marks))
    return cases


FORWARD_AD_CASES = _forward_ad_cases()


def _leaf_like(t: Any) -> Any:
    """A float leaf requiring grad with ``t``'s values and, when ``t`` is non-contiguous, a gapped layout."""
    if t.is_contiguous() or t.dim() == 0:
        return t.detach().clone().requires_grad_()
    shape = tuple(t.shape)
    buffer = tocha.zeros(*shape[:-1], 2 * shape[-1], dtype=t.dtype, device=t.device)
    view = buffer[..., ::2]
    view.copy_(t.detach())
    return view.detach().requires_grad_()


def _as_function(info: OpInfo, sample: SampleInput) -> tuple[Any, tuple[Any, ...]]:
    """``fn(*leaves)`` running the op on ``sample`` with its differentiable tensors replaced, and the leaves."""
    originals = [t for t in sample.tensors() if _differentiable(t)]
    leaves = tuple(_leaf_like(t) for t in originals)

    def fn(*ts: Any) -> Any:
        by_id = {id(a): b for a, b in zip(originals, ts, strict=True)}

        def sub(x: Any) -> Any:
            if is_tensor_like(x):
                return by_id.get(id(x), x)
            if isinstance(x, list):
                return [sub(v) for v in x]
            if isinstance(x, tuple):
                return tuple(sub(v) for v in x)
            return x

        replaced = SampleInput(
            sub(sample.input),
            sub(sample.args),
            {k: sub(v) for k, v in sample.kwargs.items()},
            name=sample.name,
            params=sample.params,
        )
        return info.run(replaced)

    return fn, leaves


def _samples(info: OpInfo, d: Any, device: str) -> list[SampleInput]:
    chosen = []
    for sample in info.sample_inputs(device, d):
        if info.skip_reason("vjp", d, sample.name) is None and any(_differentiable(t) for t in sample.tensors()):
            chosen.append(sample)
    return chosen[:MAX_SAMPLES]


def test_the_database_has_differentiable_ops() -> None:
    names = {param.values[0].name for param in CASES}
    assert {"add", "mul", "sum", "matmul", "cat", "prod", "norm"} <= names
    assert any(param.values[1] is tocha.complex128 for param in CASES)


@pytest.mark.parametrize(("info", "d", "device"), CASES)
def test_gradcheck(info: OpInfo, d: Any, device: str) -> None:
    samples = _samples(info, d, device)
    if not samples:
        pytest.skip(f"{info.name} has no {d.name} sample with a differentiable tensor")
    for sample in samples:
        fn, leaves = _as_function(info, sample)
        assert all(leaf.device.type == device for leaf in leaves)
        try:
            assert gradcheck(fn, leaves)
        except tocha.autograd.gradcheck.GradcheckError as error:
            raise AssertionError(f"gradcheck of {info.name} ({d.name}, {device}) on {sample!r}:\n{error}") from None


@pytest.mark.parametrize(("info", "d", "device"), GRADGRAD_CASES)
def test_gradgradcheck(info: OpInfo, d: Any, device: str) -> None:
    if info.name in GRADGRAD_SKIPS:
        pytest.skip(GRADGRAD_SKIPS[info.name])
    samples = _samples(info, d, device)
    if not samples:
        pytest.skip(f"{info.name} has no {d.name} sample with a differentiable tensor")
    tocha.manual_seed(0)
    for sample in samples:
        fn, leaves = _as_function(info, sample)
        atol = GRADGRAD_ATOL.get((info.name, sample.name, d.name), (1e-5, ""))[0]
        try:
            assert gradgradcheck(fn, leaves, atol=atol)
        except tocha.autograd.gradcheck.GradcheckError as error:
            raise AssertionError(f"gradgradcheck of {info.name} ({d.name}, {device}) on {sample!r}:\n{error}") from None


@pytest.mark.parametrize(("info", "d", "device"), FORWARD_AD_CASES)
def test_forward_ad_gradcheck(info: OpInfo, d: Any, device: str) -> None:
    """Forward mode (the op's jvp rule, or the double-vjp fallback) against finite differences."""
    samples = _samples(info, d, device)
    if not samples:
        pytest.skip(f"{info.name} has no {d.name} sample with a differentiable tensor")
    for sample in samples:
        fn, leaves = _as_function(info, sample)
        try:
            assert gradcheck(fn, leaves, check_forward_ad=True, check_backward_ad=False)
        except tocha.autograd.gradcheck.GradcheckError as error:
            raise AssertionError(
                f"forward-mode gradcheck of {info.name} ({d.name}, {device}) on {sample!r}:\n{error}"
            ) from None


def test_skip_lists_name_real_ops() -> None:
    names = {param.values[0].name for param in CASES}
    assert set(GRADGRAD_SKIPS) <= names
    assert {name for name, _, _ in GRADGRAD_ATOL} <= names
    assert {name for _, name, _ in XFAILS} <= names


def test_forward_ad_xfails_name_real_ops() -> None:
    names = {(param.values[0].name, param.values[1].name) for param in FORWARD_AD_CASES}
    assert set(FORWARD_AD_XFAILS) <= names
