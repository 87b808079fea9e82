"""Muon against its definition and PyTorch's torch.optim.Muon."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tocha
from tocha.optim import Muon
from tocha.optim.muon import _orthogonalize

RNG = np.random.default_rng(3)
NS = (3.4445, -4.775, 2.0315)


def test_newton_schulz_pushes_singular_values_towards_one() -> None:
    g = RNG.standard_normal((16, 24)).astype(np.float32)
    o = _orthogonalize(tocha.from_numpy(g), NS, 5, 1e-7).float().numpy()
    s = np.linalg.svd(o, compute_uv=False)
    assert 0.5 < s.min() < s.max() < 1.5  # the quintic's fixed band, not exactly 1
    u, _, vt = np.linalg.svd(g, full_matrices=False)
    rotated = u.T @ o @ vt.T  # in g's singular bases the result is diagonal (up to bfloat16 rounding)
    diagonal = np.diag(rotated)
    assert ((diagonal > 0.5) & (diagonal < 1.5)).all()
    assert np.abs(rotated - np.diag(diagonal)).max() < 0.1
    assert _orthogonalize(tocha.from_numpy(g.T), NS, 5, 1e-7).shape == (24, 16)  # tall: through the transpose


def test_one_step_by_hand() -> None:
    # momentum 0, nesterov off: the update is NS(g); a diagonal gradient stays diagonal
    w = tocha.zeros(2, 2, requires_grad=True)
    w.grad = tocha.tensor([[3.0, 0.0], [0.0, 4.0]])
    Muon([w], lr=0.5, weight_decay=0.0, momentum=0.0, nesterov=False).step()
    expected = -0.5 * _orthogonalize(w.grad, NS, 5, 1e-7).float()
    np.testing.assert_allclose(w.detach().numpy(), expected.numpy())
    assert w[0, 1].item() == 0.0
    # decoupled weight decay shrinks the weights before the update
    v = tocha.ones(2, 2, requires_grad=True)
    v.grad = tocha.zeros(2, 2)
    Muon([v], lr=0.1, weight_decay=0.5).step()
    np.testing.assert_allclose(v.detach().numpy(), 0.95)


@pytest.mark.parametrize(
    ("shape", "kwargs"),
    [
        ((4, 6), {}),
        ((6, 4), {}),
        ((5, 5), {"nesterov": False, "adjust_lr_fn": "match_rms_adamw", "weight_decay": 0.01}),
        ((3, 8), {"momentum": 0.0, "adjust_lr_fn": "original"}),
        ((8, 3), {"ns_steps": 3, "ns_coefficients": (2.0, -1.5, 0.5), "eps": 1e-5}),
    ],
)
def test_matches_pytorch(shape: tuple[int, int], kwargs: dict[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    w0 = RNG.standard_normal(shape).astype(np.float32)
    ours, theirs = tocha.tensor(w0, requires_grad=True), torch.tensor(w0, requires_grad=True)
    our_opt, their_opt = Muon([ours], lr=0.02, **kwargs), torch.optim.Muon([theirs], lr=0.02, **kwargs)
    for _ in range(4):
        g = RNG.standard_normal(shape).astype(np.float32)
        ours.grad, theirs.grad = tocha.tensor(g), torch.tensor(g)
        our_opt.step()
        their_opt.step()
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        our_opt.state[ours]["momentum_buffer"].numpy(),
        their_opt.state[theirs]["momentum_buffer"].numpy(),
        rtol=1e-5,
        atol=1e-7,
    )


def test_errors() -> None:
    w = tocha.zeros(2, 2, requires_grad=True)
    with pytest.raises(ValueError, match="Learning rate should be >= 0 but is: -1"):
        Muon([w], lr=-1)
    with pytest.raises(ValueError, match="weight decay should be >= 0 but is: -1"):
        Muon([w], weight_decay=-1)
    with pytest.raises(ValueError, match="momentum should be >= 0 but is: -1"):
        Muon([w], momentum=-1)
    with pytest.raises(ValueError, match="Adjust learning rate function x is not supported"):
        Muon([w], adjust_lr_fn="x")
    with pytest.raises(ValueError, match=r"Muon only supports 2D parameters .* size: tocha.Size\(\[2\]\)"):
        Muon([tocha.zeros(2, requires_grad=True)])
    w.grad = tocha.ones(2, 2)
    with pytest.raises(ValueError, match="Number of steps must be less than 100"):
        Muon([w], ns_steps=100).step()
    z = tocha.zeros(2, 2, dtype=tocha.complex64, requires_grad=True)
    z.grad = tocha.ones(2, 2, dtype=tocha.complex64)
    with pytest.raises(RuntimeError, match="Muon does not support complex parameters"):
        Muon([z]).step()


def test_state_dict_round_trip() -> None:
    w = tocha.ones(3, 2, requires_grad=True)
    opt = Muon([w], lr=0.01)
    w.grad = tocha.ones(3, 2)
    opt.step()
    again = Muon([w], lr=0.01)
    again.load_state_dict(opt.state_dict())
    np.testing.assert_array_equal(again.state[w]["momentum_buffer"].numpy(), opt.state[w]["momentum_buffer"].numpy())
