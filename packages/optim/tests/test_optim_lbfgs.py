"""LBFGS on the Rosenbrock function, with and without the strong-Wolfe line search, against PyTorch."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tocha
import tocha.optim as optim
from tocha.optim.lbfgs import _cubic_minimum


def _rosenbrock(lib: Any, x: Any) -> Any:
    return ((1 - x[:-1]) ** 2 + 100 * (x[1:] - x[:-1] ** 2) ** 2).sum()


def _minimise(
    lib: Any, steps: int, start: tuple[float, ...] = (-1.5, 2.0, 0.5, -0.3), **options: Any
) -> tuple[np.ndarray, list[float], dict[str, Any]]:
    x = lib.tensor(start, dtype=lib.float64, requires_grad=True)
    opt = lib.optim.LBFGS([x], **options)

    def closure() -> Any:
        opt.zero_grad()
        loss = _rosenbrock(lib, x)
        loss.backward()
        return loss

    losses = [float(opt.step(closure).detach()) for _ in range(steps)]
    state = opt.state[x]
    return x.detach().numpy().copy(), losses, {"func_evals": state["func_evals"], "n_iter": state["n_iter"]}


OPTIONS = [
    {},
    {"lr": 0.1, "history_size": 5},
    {"line_search_fn": "strong_wolfe"},
    {"line_search_fn": "strong_wolfe", "history_size": 3, "max_iter": 7},
]


@pytest.mark.parametrize("options", OPTIONS, ids=[str(o) for o in OPTIONS])
def test_rosenbrock_matches_torch(options: dict[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    steps = 5
    x_ours, losses_ours, counts_ours = _minimise(tocha, steps, **options)
    x_theirs, losses_theirs, counts_theirs = _minimise(torch, steps, **options)
    np.testing.assert_allclose(x_ours, x_theirs, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(losses_ours, losses_theirs, rtol=1e-6, atol=1e-12)
    assert counts_ours == counts_theirs


def test_strong_wolfe_converges_without_torch() -> None:
    x, losses, _ = _minimise(tocha, 10, (-1.5, 2.0), line_search_fn="strong_wolfe")
    np.testing.assert_allclose(x, np.ones(2), atol=1e-5)
    assert losses[-1] < 1e-8


def test_quadratic_first_step_is_exact_with_line_search() -> None:
    x = tocha.tensor([3.0, -1.0], dtype=tocha.float64, requires_grad=True)
    opt = optim.LBFGS([x], line_search_fn="strong_wolfe")

    def closure() -> Any:
        opt.zero_grad()
        loss = ((x - 1.0) ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    np.testing.assert_allclose(x.detach().numpy(), [1.0, 1.0], atol=1e-10)


def test_cubic_minimum() -> None:
    # f = (x - 1)^2 sampled at 0 and 2 is a quadratic: the cubic fit finds its minimum
    assert _cubic_minimum(0.0, 1.0, -2.0, 2.0, 1.0, 2.0) == pytest.approx(1.0)
    assert _cubic_minimum(0.0, 1.0, -2.0, 2.0, 1.0, 2.0, bounds=(1.5, 3.0)) == pytest.approx(1.5)


def test_errors_and_state_dict() -> None:
    x = tocha.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
        optim.LBFGS([{"params": [x]}, {"params": [tocha.zeros(1, requires_grad=True)]}])
    opt = optim.LBFGS([x], line_search_fn="bogus")

    def closure() -> Any:
        opt.zero_grad()
        loss = ((x - 1.0) ** 2).sum()
        loss.backward()
        return loss

    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(closure)
    assert opt.state_dict()["param_groups"][0]["max_eval"] == 25
