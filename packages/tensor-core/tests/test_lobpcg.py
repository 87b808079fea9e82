"""tocha.lobpcg: extreme eigenpairs of (generalized) symmetric problems, against eigh and PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import tocha

RNG = np.random.default_rng(11)


def _spd(n: int, *batch: int) -> np.ndarray:
    m = RNG.standard_normal((*batch, n, n))
    return m @ np.swapaxes(m, -1, -2) + n * np.eye(n)


@pytest.mark.parametrize("largest", [True, False, None])
def test_standard_problem(largest: bool | None) -> None:
    a = _spd(12)
    values, vectors = tocha.lobpcg(tocha.from_numpy(a), k=3, largest=largest)
    reference = np.linalg.eigvalsh(a)
    expected = reference[::-1][:3] if largest is not False else reference[:3]  # the most extreme first
    np.testing.assert_allclose(values.numpy(), expected, rtol=1e-12)
    x = vectors.numpy()
    np.testing.assert_allclose(a @ x, x * values.numpy(), atol=1e-10)
    np.testing.assert_allclose(x.T @ x, np.eye(3), atol=1e-12)


def test_generalized_problem_and_batches() -> None:
    a, b = _spd(10, 2), _spd(10, 2)
    values, vectors = tocha.lobpcg(tocha.from_numpy(a), k=2, B=tocha.from_numpy(b))
    assert values.shape == (2, 2)
    assert vectors.shape == (2, 10, 2)
    for i in range(2):
        x, w = vectors[i].numpy(), values[i].numpy()
        np.testing.assert_allclose(a[i] @ x, b[i] @ x * w, atol=1e-9)  # A x = λ B x
        np.testing.assert_allclose(x.T @ b[i] @ x, np.eye(2), atol=1e-12)  # B-orthonormal
    # k defaults to X's width, else 1
    assert tocha.lobpcg(tocha.from_numpy(a[0]), X=tocha.ones(10, 3, dtype=tocha.float64))[0].shape == (3,)
    assert tocha.lobpcg(tocha.from_numpy(a[0]))[0].shape == (1,)


def test_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    a, b = _spd(15), _spd(15)
    for kwargs in ({"k": 2}, {"k": 3, "largest": False}):
        for with_b in (False, True):
            extra = {"B": b} if with_b else {}
            theirs = torch.lobpcg(torch.from_numpy(a), **kwargs, **{k: torch.from_numpy(v) for k, v in extra.items()})
            ours = tocha.lobpcg(tocha.from_numpy(a), **kwargs, **{k: tocha.from_numpy(v) for k, v in extra.items()})
            np.testing.assert_allclose(ours[0].numpy(), theirs[0].numpy(), rtol=1e-8)
            np.testing.assert_allclose(np.abs(ours[1].numpy()), np.abs(theirs[1].numpy()), atol=1e-6)


def test_errors() -> None:
    with pytest.raises(ValueError, match=r"number of A rows \(=5\) is smaller than 3 x the number of requested"):
        tocha.lobpcg(tocha.from_numpy(_spd(5)), k=2)
    with pytest.raises(ValueError, match="A and B must have the same shapes"):
        tocha.lobpcg(tocha.from_numpy(_spd(9)), B=tocha.eye(8, dtype=tocha.float64))
    with pytest.raises(ValueError, match="A must be a square matrix"):
        tocha.lobpcg(tocha.ones(3, 4))


@pytest.mark.autograd
def test_gradients_of_the_eigenvalues() -> None:
    autograd = pytest.importorskip("tocha.autograd")
    a = tocha.from_numpy(_spd(9)).requires_grad_()
    values, _ = tocha.lobpcg(a, k=2)
    values.sum().backward()
    assert a.grad is not None
    # d(λ)/dA = v vᵀ for a simple eigenvalue
    _, vectors = np.linalg.eigh(a.detach().numpy())
    expected = sum(np.outer(vectors[:, -i], vectors[:, -i]) for i in (1, 2))
    np.testing.assert_allclose(a.grad.numpy(), expected, atol=1e-10)
    assert autograd.gradcheck(lambda m: tocha.lobpcg((m + m.mT) / 2 + 9 * tocha.eye(9, dtype=m.dtype), k=2)[0],
                              (tocha.from_numpy(RNG.standard_normal((9, 9))).requires_grad_(),))  # fmt: skip
