"""Tests generated from the op database (``tocha.testing.op_db``): ops x dtypes x sample kinds.

- forward against the op's NumPy reference, on cpu and (``gpu``-marked) on cuda;
- forward against PyTorch (values and result dtype) when it is installed and the op names ``torch_name``;
- each differentiable op's vjp against central finite differences (float64 / complex128), on cpu and cuda;
- every registered op with a public function carries test metadata.

Skips are data (``OpTest.skips``), each with its reason; an unknown sample family fails naming the op.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

import tocha
from tocha.testing import (
    SampleInput,
    assert_close,
    check_forward,
    check_vjp,
    default_tolerances,
    op_db,
    ops_missing_test_metadata,
)

OPS = op_db()
GRAD_DTYPES = (tocha.float64, tocha.complex128)


@functools.cache
def _samples(name, dtype_name, device):
    info = next(i for i in OPS if i.name == name)
    return info.sample_inputs(device, getattr(tocha, dtype_name))


def _cases(kind, devices=("cpu", "cuda")):
    params = []
    for device in devices:
        marks = [pytest.mark.gpu] if device == "cuda" else []
        for info in OPS:
            if kind == "vjp" and not info.supports_grad:
                continue
            for d in info.dtypes:
                if kind != "vjp" or d in GRAD_DTYPES:
                    params.append(pytest.param(info, d, device, id=f"{info.name}-{d.name}-{device}", marks=marks))
    return params


def _run_samples(info, dtype, kind, check, device="cpu"):
    """Run ``check(sample)`` on every sample of ``info`` for ``dtype``; fail listing every failing sample kind."""
    try:
        samples = _samples(info.name, dtype.name, device)
    except Exception as exc:
        raise AssertionError(f"op '{info.name}': could not make samples for {dtype!r}: {exc}") from exc
    whole = info.skip_reason(kind, dtype)
    if whole is not None:
        pytest.skip(whole)
    failures, skipped, ran = [], [], 0
    for i, sample in enumerate(samples):
        reason = info.skip_reason(kind, dtype, sample.name)
        if reason is not None:
            skipped.append(f"{sample.name or i}: {reason}")
            continue
        ran += 1
        try:
            check(sample)
        except Exception as exc:
            lines = str(exc).strip().splitlines() or [""]
            detail = " | ".join(line for line in lines[:6] if line)
            failures.append(f"[{sample.name or i}] {type(exc).__name__}: {detail}")
    if failures:
        raise AssertionError(
            f"{info.name} ({dtype!r}, {kind}) failed {len(failures)}/{ran} samples:\n" + "\n".join(failures)
        )
    if not ran:
        pytest.skip("; ".join(skipped) or "no samples")


@pytest.mark.parametrize(("info", "dtype", "device"), _cases("forward"))
def test_forward_matches_reference(info, dtype, device):
    if info.reference is None:
        pytest.skip("the op declares no NumPy reference")
    _run_samples(info, dtype, "forward", lambda sample: check_forward(info, sample), device)


def _on_cpu(x):
    """``x`` (a sample's input, args or kwargs) with cuda tensors and devices moved to the CPU."""
    if isinstance(x, tocha.Tensor):
        return x.cpu()
    if isinstance(x, tocha.device):
        return tocha.device("cpu") if x.type == "cuda" else x
    if isinstance(x, str) and x.startswith("cuda"):
        return "cpu"
    if isinstance(x, (list, tuple)) and not hasattr(x, "_fields"):
        return type(x)(_on_cpu(v) for v in x)
    if isinstance(x, dict):
        return {k: _on_cpu(v) for k, v in x.items()}
    return x


def _dtypes(result):
    if isinstance(result, tocha.Tensor):
        return result.dtype
    if isinstance(result, (list, tuple)):
        return tuple(_dtypes(r) for r in result)
    return type(result).__name__


@pytest.mark.parametrize(("info", "dtype", "device"), _cases("forward", devices=("cuda",)))
def test_cuda_results_have_the_cpu_dtypes(info, dtype, device):
    # test_forward_matches_reference compares values only; CuPy has promoted bfloat16 to float32 where NumPy did not
    def check(sample):
        cpu = SampleInput(
            _on_cpu(sample.input), _on_cpu(sample.args), _on_cpu(sample.kwargs), name=sample.name, params=sample.params
        )
        got, expected = _dtypes(info.run(sample)), _dtypes(info.run(cpu))
        assert got == expected, f"{info.name} on cuda gives {got}, on the CPU {expected}"

    _run_samples(info, dtype, "forward", check, device)


# ------------------------------------------------------------------ PyTorch


def _torch_function(torch, path):
    found = torch
    for part in path.split("."):
        found = getattr(found, part)
    return found


def _to_torch(torch, x):
    if isinstance(x, tocha.Tensor):
        array = np.asarray(x)
        if x.dtype is tocha.bfloat16:
            return torch.from_numpy(array.astype(np.float32)).to(torch.bfloat16)
        return torch.from_numpy(array.copy() if array.strides and min(array.strides) < 0 else array)
    if isinstance(x, tocha.dtype):
        return getattr(torch, x.name)
    if isinstance(x, tocha.device):
        return torch.device(str(x))
    if isinstance(x, list):
        return [_to_torch(torch, v) for v in x]
    if isinstance(x, tuple):
        return tuple(_to_torch(torch, v) for v in x)
    if isinstance(x, dict):
        return {k: _to_torch(torch, v) for k, v in x.items()}
    return x


def _from_torch(torch, x):
    if isinstance(x, torch.Tensor):
        x = x.detach()
        if x.dtype is torch.bfloat16:
            return tocha.from_numpy(x.float().numpy().astype(tocha.bfloat16.numpy_dtype))
        return tocha.from_numpy(x.resolve_conj().resolve_neg().numpy().copy())
    if isinstance(x, (list, tuple)):
        return tuple(_from_torch(torch, v) for v in x)
    return x


def _dtypes_of(x):
    if isinstance(x, tocha.Tensor):
        return [x.dtype]
    if isinstance(x, (list, tuple)):
        return [d for v in x for d in _dtypes_of(v)]
    return []


@pytest.mark.parametrize(("info", "dtype", "device"), _cases("torch", devices=("cpu",)))
def test_forward_matches_pytorch(info, dtype, device):
    if info.torch_name is None:
        pytest.skip("the op names no PyTorch function (torch_name)")
    torch = pytest.importorskip("torch")
    fn = _torch_function(torch, info.torch_name)
    _run_samples(info, dtype, "torch", lambda sample: _check_torch(torch, fn, info, sample))


def _check_torch(torch, fn, info, sample):
    if sample.params is not None:
        expected = fn(*_to_torch(torch, (sample.input, *sample.args)), *sample.params)
    else:
        expected = fn(_to_torch(torch, sample.input), *_to_torch(torch, sample.args), **_to_torch(torch, sample.kwargs))
    actual = info.run(sample)
    expected = _from_torch(torch, expected)
    if isinstance(actual, tocha.Tensor) is False and isinstance(actual, (list, tuple)):
        actual = tuple(actual)
    assert [d.name for d in _dtypes_of(actual)] == [d.name for d in _dtypes_of(expected)], (
        "result dtype differs from PyTorch"
    )
    rtol, atol = info.test.rtol, info.test.atol
    if rtol is None or atol is None:
        rtol, atol = default_tolerances(*_dtypes_of(actual))
    assert_close(
        actual, expected, rtol=rtol, atol=atol, equal_nan=True, msg=lambda m: f"{info.name} on {sample!r}:\n{m}"
    )


# ------------------------------------------------------------------ vjp


@pytest.mark.parametrize(("info", "dtype", "device"), _cases("vjp"))
def test_vjp_matches_finite_differences(info, dtype, device):
    _run_samples(info, dtype, "vjp", lambda sample: check_vjp(info, sample), device)


# ------------------------------------------------------------------ metadata


def test_every_op_with_a_public_function_has_test_metadata():
    missing = ops_missing_test_metadata()
    assert not missing, f"registered ops with a public function but no OpTest: {missing}"
