"""Activation gradients at the edges, against PyTorch: NaN and infinite inputs, and NaN cotangents where an
activation masks its gradient (masked entries get 0, not NaN * 0)."""

from __future__ import annotations

import numpy as np
import pytest

import tocha
import tocha.nn.functional as F

# 18 entries, so that PyTorch runs its vectorised kernels (their scalar tails treat NaN inputs differently)
X = np.array([-2.0, -0.5, 0.0, 0.5, 2.0, 7.0, np.nan, np.inf, -np.inf, -1.0, 1.0, 6.0, 0.25, -0.25, 3.0, -3.0, 0.1, 9])
COTANGENT = np.where(np.arange(X.size) % 2 == 0, np.nan, np.arange(X.size, dtype=np.float64))

NAMES = ["relu", "relu6", "elu", "selu", "celu", "gelu", "silu", "mish", "softplus", "hardtanh", "hardsigmoid",
         "hardswish", "leaky_relu", "logsigmoid", "softsign", "tanhshrink", "softshrink", "hardshrink"]  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_activation_gradients_at_the_edges_match_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    for cotangent in (COTANGENT, np.ones(X.size)):
        found = []
        for lib, functional in ((tocha, F), (torch, torch.nn.functional)):
            x = lib.from_numpy(X.copy()).requires_grad_()
            (g,) = lib.autograd.grad(getattr(functional, name)(x), x, lib.from_numpy(cotangent.copy()))
            found.append(g.numpy())
        ours, theirs = found
        np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs), err_msg=f"{name}: NaN positions")
        np.testing.assert_allclose(np.nan_to_num(ours), np.nan_to_num(theirs), rtol=1e-6, atol=1e-8, err_msg=name)
