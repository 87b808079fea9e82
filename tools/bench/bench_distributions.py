"""tocha.distributions against torch.distributions: construction, sampling, log_prob, entropy and KL, float32, CPU;
and quasirandom.SobolEngine.

Each row is one call on a batch of 1024 parameter sets (validation on, both libraries' default). No target is
named by an issue: the figures show where the Python layer over the ops costs more than PyTorch's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from common import compare, optional_torch, print_table

import tocha
import tocha.distributions

BATCH = 1024


def workloads(lib: Any, data: dict[str, np.ndarray]) -> dict[str, Callable[[], Any]]:
    """The workloads for library ``lib`` (tocha or torch), on the same data."""
    t = {k: lib.tensor(v) for k, v in data.items()}
    dist = lib.distributions
    normal = dist.Normal(t["loc"], t["scale"])
    categorical = dist.Categorical(logits=t["logits"])
    mvn = dist.MultivariateNormal(t["mvn_loc"], scale_tril=t["tril"])
    dirichlet = dist.Dirichlet(t["concentration"])
    gamma = dist.Gamma(t["scale"], t["scale"])
    beta = dist.Beta(t["scale"], t["scale"] + 1)
    independent = dist.Independent(normal, 1)
    other = dist.Normal(t["loc"] + 1, t["scale"])
    labels = categorical.sample()
    sobol = lib.quasirandom.SobolEngine(10)
    return {
        "Normal(loc, scale) (64 x 1024, validated)": lambda: dist.Normal(t["loc"], t["scale"]),
        "Normal.log_prob": lambda: normal.log_prob(t["x"]),
        "Normal.rsample((16,))": lambda: normal.rsample((16,)),
        "Independent(Normal, 1).log_prob": lambda: independent.log_prob(t["x"]),
        "kl_divergence(Normal, Normal)": lambda: dist.kl_divergence(normal, other),
        "Categorical(logits 1024 x 100).sample()": lambda: categorical.sample(),
        "Categorical.log_prob": lambda: categorical.log_prob(labels),
        "Categorical.entropy": lambda: categorical.entropy(),
        "MultivariateNormal(16).log_prob": lambda: mvn.log_prob(t["mvn_x"]),
        "MultivariateNormal(16).rsample()": lambda: mvn.rsample(),
        "Gamma.sample": lambda: gamma.sample(),
        "Beta.log_prob": lambda: beta.log_prob(t["unit"]),
        "Dirichlet(10).rsample()": lambda: dirichlet.rsample(),
        "SobolEngine(10).draw(4096)": lambda: sobol.reset().draw(4096),
        "SobolEngine(1000)": lambda: lib.quasirandom.SobolEngine(1000),
        "SobolEngine(16, scramble=True, seed=0)": lambda: lib.quasirandom.SobolEngine(16, scramble=True, seed=0),
    }


def main() -> None:
    rng = np.random.default_rng(0)
    shape = (BATCH, 64)
    low = np.tril(rng.standard_normal((16, 16)).astype(np.float32) * 0.1)
    low[np.arange(16), np.arange(16)] = 1.0 + rng.random(16).astype(np.float32)
    data = {
        "loc": rng.standard_normal(shape).astype(np.float32),
        "scale": (rng.random(shape) + 0.5).astype(np.float32),
        "x": rng.standard_normal(shape).astype(np.float32),
        "unit": rng.uniform(0.01, 0.99, shape).astype(np.float32),
        "logits": rng.standard_normal((BATCH, 100)).astype(np.float32),
        "mvn_loc": rng.standard_normal((BATCH, 16)).astype(np.float32),
        "mvn_x": rng.standard_normal((BATCH, 16)).astype(np.float32),
        "tril": low,
        "concentration": (rng.random((BATCH, 10)) + 0.5).astype(np.float32),
    }
    ours = workloads(tocha, data)
    torch = optional_torch()
    theirs = workloads(torch, data) if torch else {}
    rows = [compare(name, work, theirs.get(name), repeat=9, number=20) for name, work in ours.items()]
    print_table(
        "tocha.distributions vs torch.distributions (batch 1024, float32)",
        ["workload", "tocha", "torch", "tocha/torch"],
        rows,
    )


if __name__ == "__main__":
    main()
