"""Fixtures for tocha-distributions' tests: PyTorch as the oracle (the tests that use it skip without it)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import tocha


def _to_torch(torch: Any, value: Any) -> Any:
    """A tocha tensor (or a nested tuple/list/dict of them) as PyTorch tensors; other values unchanged."""
    if isinstance(value, tocha.Tensor):
        return torch.from_numpy(value.detach().cpu().numpy().copy())
    if isinstance(value, (tuple, list)):
        return type(value)(_to_torch(torch, v) for v in value)
    if isinstance(value, dict):
        return {k: _to_torch(torch, v) for k, v in value.items()}
    return value


def _assert_close(actual: Any, expected: Any, rtol: float = 1e-6, atol: float = 1e-6) -> None:
    """A tocha result equal to a PyTorch result: same shape and dtype name, values within tolerance."""
    a = actual.detach().cpu().numpy() if isinstance(actual, tocha.Tensor) else np.asarray(actual)
    e = expected.detach().cpu().numpy() if hasattr(expected, "detach") else np.asarray(expected)
    assert a.shape == e.shape, f"shape {a.shape} != {e.shape}"
    if hasattr(actual, "dtype") and hasattr(expected, "dtype"):
        assert str(actual.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
    np.testing.assert_allclose(a, e, rtol=rtol, atol=atol, equal_nan=True)


@pytest.fixture
def oracle() -> SimpleNamespace:
    """``oracle.torch`` (skips the test without PyTorch), ``oracle.to_torch(x)``, ``oracle.assert_close(t, ref)``.

    ``oracle.dist(name)`` is ``torch.distributions``' class of that name.
    """
    torch = pytest.importorskip("torch")
    # torch._dynamo (which PyTorch's flex_attention runs, in other packages' tests of the same process) turns
    # distribution validation off globally; the oracle validates, as PyTorch does by default.
    torch.distributions.Distribution.set_default_validate_args(True)
    return SimpleNamespace(
        torch=torch,
        to_torch=lambda value: _to_torch(torch, value),
        assert_close=_assert_close,
        dist=lambda name: getattr(torch.distributions, name),
    )
