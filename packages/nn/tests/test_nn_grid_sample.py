"""grid_sample and affine_grid against PyTorch and finite differences."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from nn_oracle import assert_close_to_torch, gradcheck_function, to_torch, torch_or_skip

import tocha
import tocha.nn.functional as F
from tocha.autograd import gradgradcheck

RNG = np.random.default_rng(2)


def _rand(*shape: int, dtype: Any = np.float32, scale: float = 1.0) -> tocha.Tensor:
    return tocha.from_numpy((RNG.standard_normal(shape) * scale).astype(dtype))


@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_2d_matches_torch(mode: str, padding_mode: str, align_corners: bool) -> None:
    torch = torch_or_skip()
    x = _rand(2, 3, 5, 6).requires_grad_(True)
    grid = _rand(2, 4, 7, 2, scale=0.8).requires_grad_(True)  # some points fall outside [-1, 1]
    tx, tgrid = to_torch(x), to_torch(grid)
    ours = F.grid_sample(x, grid, mode, padding_mode, align_corners)
    theirs = torch.nn.functional.grid_sample(tx, tgrid, mode, padding_mode, align_corners)
    assert_close_to_torch(ours, theirs, atol=1e-5)
    w = RNG.standard_normal(tuple(ours.shape)).astype(np.float32)
    (ours * tocha.from_numpy(w)).sum().backward()
    (theirs * torch.from_numpy(w)).sum().backward()
    assert_close_to_torch(x.grad, tx.grad, atol=1e-5, what="input grad")
    assert_close_to_torch(grid.grad, tgrid.grad, atol=1e-4, rtol=1e-4, what="grid grad")


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_3d_matches_torch(mode: str, padding_mode: str, align_corners: bool) -> None:
    torch = torch_or_skip()
    x = _rand(2, 2, 3, 4, 5).requires_grad_(True)
    grid = _rand(2, 2, 3, 4, 3, scale=0.8).requires_grad_(True)
    tx, tgrid = to_torch(x), to_torch(grid)
    ours = F.grid_sample(x, grid, mode, padding_mode, align_corners)
    theirs = torch.nn.functional.grid_sample(tx, tgrid, mode, padding_mode, align_corners)
    assert_close_to_torch(ours, theirs, atol=1e-5)
    (ours.sum()).backward()
    theirs.sum().backward()
    assert_close_to_torch(x.grad, tx.grad, atol=1e-5, what="input grad")
    assert_close_to_torch(grid.grad, tgrid.grad, atol=1e-4, rtol=1e-4, what="grid grad")


def test_identity_grid_reproduces_input_without_torch() -> None:
    x = _rand(2, 3, 4, 5)
    theta = tocha.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]]).expand(2, 2, 3)
    for align in (False, True):
        grid = F.affine_grid(theta, (2, 3, 4, 5), align_corners=align)
        for mode in ("bilinear", "nearest", "bicubic"):
            out = F.grid_sample(x, grid, mode, align_corners=align)
            np.testing.assert_allclose(out.numpy(), x.numpy(), atol=1e-5)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_grid_sample_gradcheck(mode: str, padding_mode: str) -> None:
    x = _rand(1, 2, 3, 4, dtype=np.float64)
    grid = _rand(1, 2, 3, 2, dtype=np.float64, scale=0.7)

    def fn(a: tocha.Tensor, g: tocha.Tensor) -> tocha.Tensor:
        return F.grid_sample(a, g, mode, padding_mode, align_corners=False)

    gradcheck_function(fn, x, grid)
    assert gradgradcheck(fn, (x.requires_grad_(True), grid.requires_grad_(True)))


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("size", [(2, 3, 4, 5), (2, 1, 3, 4, 2)])
def test_affine_grid_matches_torch(align_corners: bool, size: tuple[int, ...]) -> None:
    torch = torch_or_skip()
    theta = _rand(2, len(size) - 2, len(size) - 1).requires_grad_(True)
    ttheta = to_torch(theta)
    ours = F.affine_grid(theta, size, align_corners=align_corners)
    theirs = torch.nn.functional.affine_grid(ttheta, size, align_corners=align_corners)
    assert_close_to_torch(ours, theirs, atol=1e-6)
    ours.sum().backward()
    theirs.sum().backward()
    assert_close_to_torch(theta.grad, ttheta.grad, atol=1e-5)


def test_affine_grid_gradcheck() -> None:
    gradcheck_function(lambda t: F.affine_grid(t, (1, 1, 3, 2), align_corners=False), _rand(1, 2, 3, dtype=np.float64))


def test_errors_and_warnings() -> None:
    x = _rand(1, 1, 3, 3)
    grid = _rand(1, 2, 2, 2)
    with pytest.raises(ValueError, match="expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: 'foo'"):
        F.grid_sample(x, grid, "foo", align_corners=False)
    with pytest.raises(ValueError, match="expected padding_mode"):
        F.grid_sample(x, grid, padding_mode="foo", align_corners=False)
    with pytest.raises(RuntimeError, match="grid_sampler"):
        F.grid_sample(x, _rand(1, 2, 2, 3), align_corners=False)
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.grid_sample(x, grid)
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.affine_grid(_rand(1, 2, 3), (1, 1, 2, 2))
    with pytest.raises(ValueError, match="Expected a batch of 2D affine matrices of shape Nx2x3"):
        F.affine_grid(_rand(1, 3, 4), (1, 1, 2, 2), align_corners=False)
    with pytest.raises(NotImplementedError, match="affine_grid only supports 4D and 5D sizes"):
        F.affine_grid(_rand(1, 2, 3), (1, 2, 2), align_corners=False)
