"""Distributions on 'cuda': results on the device, equal to the CPU's (``gpu``-marked).

On a machine without a GPU, ``nox -s fakegpu`` runs these against tools/fake_cupy (CuPy's rules on NumPy).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tocha
import tocha.distributions as D

pytestmark = pytest.mark.gpu


def _families(device: str) -> list[tuple[str, Callable[[], Any]]]:
    def t(values: Any) -> tocha.Tensor:
        return tocha.tensor(values, dtype=tocha.float64, device=device)

    return [
        ("Normal", lambda: D.Normal(t([0.0, 1.0]), t([1.0, 2.0]))),
        ("Gamma", lambda: D.Gamma(t([0.5, 3.0]), t([1.0, 2.0]))),
        ("Beta", lambda: D.Beta(t([0.5, 2.0]), t([1.5, 3.0]))),
        ("Dirichlet", lambda: D.Dirichlet(t([[0.5, 1.0, 2.0]]))),
        ("Categorical", lambda: D.Categorical(logits=t([[0.0, -1.0, 2.0]]))),
        ("Binomial", lambda: D.Binomial(t([3.0, 10.0]), probs=t([0.2, 0.9]))),
        ("Poisson", lambda: D.Poisson(t([0.5, 3.0]))),
        ("MultivariateNormal", lambda: D.MultivariateNormal(t([0.0, 1.0]), scale_tril=t([[1.0, 0.0], [0.5, 2.0]]))),
        ("LogNormal", lambda: D.LogNormal(t([0.0, 1.0]), t([0.5, 1.5]))),
        ("VonMises", lambda: D.VonMises(t([0.0, 1.0]), t([0.5, 4.0]))),
    ]


@pytest.mark.parametrize("index", range(10))
def test_family_on_cuda_matches_cpu(index: int) -> None:
    name, make_gpu = _families("cuda")[index]
    _, make_cpu = _families("cpu")[index]
    gpu, cpu = make_gpu(), make_cpu()
    tocha.manual_seed(0)
    sample = gpu.sample((4,))
    assert sample.device.type == "cuda", name
    assert bool(gpu.support.check(sample).all()), name
    log_prob = gpu.log_prob(sample)
    assert log_prob.device.type == "cuda"
    np.testing.assert_allclose(log_prob.cpu().numpy(), cpu.log_prob(sample.cpu()).numpy(), rtol=1e-12, err_msg=name)
    try:
        entropy = gpu.entropy()
    except NotImplementedError:
        return
    np.testing.assert_allclose(entropy.cpu().numpy(), cpu.entropy().numpy(), rtol=1e-12, err_msg=name)


@pytest.mark.autograd
def test_rsample_gradients_on_cuda() -> None:
    loc = tocha.tensor([0.5, 1.0], dtype=tocha.float64, device="cuda", requires_grad=True)
    concentration = tocha.tensor([2.0, 3.0], dtype=tocha.float64, device="cuda", requires_grad=True)
    (D.Normal(loc, 1.0).rsample((8,)).sum() + D.Gamma(concentration, 1.0).rsample((8,)).sum()).backward()
    assert loc.grad is not None
    assert concentration.grad is not None
    assert loc.grad.device.type == "cuda"
    np.testing.assert_allclose(loc.grad.cpu().numpy(), [8.0, 8.0])
    assert bool((concentration.grad > 0).all())
