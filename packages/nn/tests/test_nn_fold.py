"""F.unfold / F.fold and the Unfold / Fold layers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from nn_oracle import assert_close_to_torch, gradcheck_function, to_torch, torch_or_skip

import tocha
import tocha.nn as nn
import tocha.nn.functional as F
from tocha.autograd import gradgradcheck

CASES: list[tuple[tuple[int, ...], dict[str, Any]]] = [
    ((2, 3, 5, 6), {"kernel_size": 2}),
    ((2, 2, 6, 7), {"kernel_size": (2, 3), "stride": (2, 1), "padding": 1}),
    ((1, 2, 7, 7), {"kernel_size": 3, "dilation": 2, "padding": (2, 1), "stride": 2}),
    ((3, 5, 4), {"kernel_size": (1, 2)}),
]


def _make(shape: tuple[int, ...], seed: int = 0) -> tocha.Tensor:
    return tocha.from_numpy(np.random.default_rng(seed).standard_normal(shape))


def test_unfold_matches_loop_reference() -> None:
    x = _make((2, 3, 5, 6))
    cols = F.unfold(x, (2, 3), stride=(1, 2)).numpy()
    xn = x.numpy()
    blocks = [xn[:, :, i : i + 2, j : j + 3].reshape(2, -1) for i in range(4) for j in range(0, 4, 2)]
    np.testing.assert_array_equal(cols, np.stack(blocks, axis=-1))


@pytest.mark.parametrize(("shape", "kwargs"), CASES)
def test_fold_of_unfold_counts_overlaps(shape: tuple[int, ...], kwargs: dict[str, Any]) -> None:
    x = _make(shape)
    size = shape[-2:]
    cols = F.unfold(x, **kwargs)
    back = F.fold(cols, size, **kwargs)
    counts = F.fold(F.unfold(tocha.ones_like(x, dtype=tocha.float64), **kwargs), size, **kwargs)
    np.testing.assert_allclose(back.numpy(), (x * counts).numpy(), atol=1e-12)


@pytest.mark.parametrize(("shape", "kwargs"), CASES)
def test_fold_unfold_gradcheck(shape: tuple[int, ...], kwargs: dict[str, Any]) -> None:
    x = _make(shape)
    gradcheck_function(lambda t: F.unfold(t, **kwargs), x)
    cols = F.unfold(x, **kwargs).detach()
    gradcheck_function(lambda t: F.fold(t, shape[-2:], **kwargs), cols)
    assert gradgradcheck(lambda t: F.fold(t, shape[-2:], **kwargs), (cols.requires_grad_(True),))


def test_modules_and_reprs() -> None:
    fold = nn.Fold(output_size=(4, 5), kernel_size=2)
    unfold = nn.Unfold(kernel_size=2, dilation=1, padding=0, stride=1)
    assert repr(fold) == "Fold(output_size=(4, 5), kernel_size=2, dilation=1, padding=0, stride=1)"
    assert repr(unfold) == "Unfold(kernel_size=2, dilation=1, padding=0, stride=1)"
    x = _make((1, 2, 4, 5))
    assert unfold(x).shape == (1, 8, 12)
    assert fold(unfold(x)).shape == (1, 2, 4, 5)


def test_errors() -> None:
    with pytest.raises(
        RuntimeError,
        match=r"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got input.size\(1\)=3 and kernel_size=\(2, 2\).",
    ):
        F.fold(tocha.randn(1, 3, 4), (3, 3), 2)
    with pytest.raises(
        RuntimeError,
        match=r"expected size of input's dimension 2 to match the calculated number of sliding blocks 2 \* 2 = 4, but got input.size\(2\)=3.",
    ):
        F.fold(tocha.randn(1, 4, 3), (3, 3), 2)
    with pytest.raises(RuntimeError, match="Expected 3D or 4D"):
        F.unfold(tocha.randn(3, 3), 2)
    with pytest.raises(RuntimeError, match="must be at least one"):
        F.unfold(tocha.randn(1, 1, 2, 2), 3)


@pytest.mark.parametrize(("shape", "kwargs"), CASES)
def test_against_torch(shape: tuple[int, ...], kwargs: dict[str, Any]) -> None:
    torch = torch_or_skip()
    x = _make(shape).requires_grad_(True)
    tx = to_torch(x)
    ours, theirs = F.unfold(x, **kwargs), torch.nn.functional.unfold(tx, **kwargs)
    assert_close_to_torch(ours, theirs, what="unfold")
    g = np.random.default_rng(1).standard_normal(tuple(theirs.shape))
    (ours * tocha.from_numpy(g)).sum().backward()
    (theirs * torch.from_numpy(g)).sum().backward()
    assert_close_to_torch(x.grad, tx.grad, what="unfold grad")
    cols = tocha.from_numpy(g).requires_grad_(True)
    tcols = to_torch(cols)
    ours, theirs = F.fold(cols, shape[-2:], **kwargs), torch.nn.functional.fold(tcols, shape[-2:], **kwargs)
    assert_close_to_torch(ours, theirs, what="fold")
    g2 = np.random.default_rng(2).standard_normal(tuple(theirs.shape))
    (ours * tocha.from_numpy(g2)).sum().backward()
    (theirs * torch.from_numpy(g2)).sum().backward()
    assert_close_to_torch(cols.grad, tcols.grad, what="fold grad")


def test_reprs_and_errors_match_torch() -> None:
    torch = torch_or_skip()
    assert repr(nn.Fold((4, 5), 2)) == repr(torch.nn.Fold((4, 5), 2))
    assert repr(nn.Unfold((2, 3), padding=1)) == repr(torch.nn.Unfold((2, 3), padding=1))
    for shape, size in [((1, 3, 4), (3, 3)), ((1, 4, 3), (3, 3))]:
        with pytest.raises(RuntimeError) as theirs:
            torch.nn.functional.fold(torch.randn(*shape), size, 2)
        with pytest.raises(RuntimeError) as ours:
            F.fold(tocha.randn(*shape), size, 2)
        assert str(ours.value) == str(theirs.value)
