"""tocha.signal.windows against closed forms and PyTorch's torch.signal.windows."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest

import tocha
from tocha.signal import windows

CASES: list[tuple[str, dict[str, Any]]] = [
    ("bartlett", {}), ("blackman", {}), ("cosine", {}), ("exponential", {}), ("exponential", {"tau": 2.5}),
    ("gaussian", {}), ("gaussian", {"std": 0.7}), ("general_cosine", {"a": [0.46, 0.23, 0.31]}),
    ("general_hamming", {"alpha": 0.6}), ("hamming", {}), ("hann", {}), ("kaiser", {}), ("kaiser", {"beta": 3.0}),
    ("nuttall", {}),
]  # fmt: skip


def test_closed_forms() -> None:
    n = np.arange(7.0)
    np.testing.assert_allclose(windows.hann(7, dtype=tocha.float64).numpy(), 0.5 - 0.5 * np.cos(2 * np.pi * n / 6))
    np.testing.assert_allclose(windows.hann(6, sym=False, dtype=tocha.float64).numpy(),
                               0.5 - 0.5 * np.cos(2 * np.pi * np.arange(6.0) / 6), atol=1e-15)  # fmt: skip
    np.testing.assert_allclose(windows.gaussian(7, std=2.0, dtype=tocha.float64).numpy(), np.exp(-((n - 3) ** 2) / 8))
    np.testing.assert_allclose(windows.bartlett(7, dtype=tocha.float64).numpy(), 1 - np.abs(n / 3 - 1))
    np.testing.assert_allclose(windows.cosine(7, dtype=tocha.float64).numpy(), np.sin(np.pi * (n + 0.5) / 7))
    kaiser = windows.kaiser(7, beta=4.0, dtype=tocha.float64).numpy()
    np.testing.assert_allclose(kaiser, np.kaiser(7, 4.0), rtol=1e-13)
    np.testing.assert_allclose(windows.exponential(5, center=1.0, sym=False, dtype=tocha.float64).numpy(),
                               np.exp(-np.abs(np.arange(5.0) - 1)))  # fmt: skip
    assert windows.hann(0).shape == (0,)
    assert windows.gaussian(1).tolist() == [1.0]
    assert windows.hann(4).dtype is tocha.float32


@pytest.mark.autograd
def test_requires_grad() -> None:
    assert windows.hann(4, requires_grad=True).requires_grad
    assert windows.kaiser(1, requires_grad=True).requires_grad


@pytest.mark.parametrize(("name", "kwargs"), CASES)
def test_matches_pytorch(name: str, kwargs: dict[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    for M in (0, 1, 2, 5, 8, 33):
        for sym in (True, False):
            for dtype in ("float32", "float64"):
                ours = getattr(windows, name)(M, sym=sym, dtype=getattr(tocha, dtype), **kwargs)
                theirs = getattr(torch.signal.windows, name)(M, sym=sym, dtype=getattr(torch, dtype), **kwargs)
                assert ours.dtype.name == dtype
                tol = 2e-6 if dtype == "float32" else 1e-12
                np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=tol, atol=tol, err_msg=f"{M} {sym}")


def test_errors_match_pytorch() -> None:
    calls = [
        ("hann", (-1,), {}), ("bartlett", (-2,), {}), ("gaussian", (3,), {"std": 0.0}), ("exponential", (3,), {"tau": 0}),
        ("exponential", (3,), {"center": 1.0}), ("kaiser", (3,), {"beta": -1.0}), ("general_cosine", (3,), {"a": 1.0}),
    ]  # fmt: skip
    for name, args, kwargs in calls:
        with pytest.raises((ValueError, TypeError)) as ours:
            getattr(windows, name)(*args, **kwargs)
        torch = pytest.importorskip("torch")
        with warnings.catch_warnings(), pytest.raises(type(ours.value)) as theirs:
            getattr(torch.signal.windows, name)(*args, **kwargs)
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(ValueError, match=r"general_cosine expects float32 or float64 dtypes, got: tocha\.int64"):
        windows.hann(3, dtype=tocha.int64)
    assert math.isclose(windows.nuttall(9)[4].item(), 1.0, rel_tol=1e-6)
