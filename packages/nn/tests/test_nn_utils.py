"""nn.utils: gradient clipping, parameter vectors, skip_init."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from nn_oracle import torch_or_skip

import tocha
from tocha import nn
from tocha.nn.utils import (
    clip_grad_norm,
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
    parameters_to_vector,
    skip_init,
    vector_to_parameters,
)

GRADS = [
    np.array([[0.5, -2.0, 1.5], [3.0, 0.25, -1.0]], dtype=np.float32),
    np.array([-4.0, 0.0], dtype=np.float32),
    np.array(7.0, dtype=np.float32),
]


def make_params(grads: list[np.ndarray] = GRADS) -> list[nn.Parameter]:
    params = []
    for g in grads:
        p = nn.Parameter(tocha.zeros(*g.shape))
        p.grad = tocha.from_numpy(g.copy())
        params.append(p)
    return params


def numpy_vector_norm(flat: np.ndarray, p: float) -> float:
    flat = np.abs(flat.reshape(-1).astype(np.float64))
    if p == math.inf:
        return float(flat.max())
    if p == -math.inf:
        return float(flat.min())
    if p == 0:
        return float((flat != 0).sum())
    return float((flat**p).sum() ** (1 / p))


def numpy_norm(grads: list[np.ndarray], p: float) -> float:
    """The norm of the per-tensor norms, as PyTorch computes the total (equal to the norm of the concatenation
    except for p=0, where it counts the tensors with a non-zero entry)."""
    return numpy_vector_norm(np.array([numpy_vector_norm(g, p) for g in grads]), p)


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, math.inf, -math.inf, 0.0, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1000.0])
def test_clip_grad_norm_against_numpy(norm_type: Any, max_norm: float) -> None:
    params = make_params()
    total = clip_grad_norm_(params, max_norm, norm_type=norm_type)
    expected = numpy_norm(GRADS, float(norm_type))
    assert total.ndim == 0
    np.testing.assert_allclose(float(total), expected, rtol=1e-5)
    coef = min(1.0, max_norm / (expected + 1e-6))
    for p, g in zip(params, GRADS, strict=True):
        np.testing.assert_allclose(p.grad.numpy(), g * coef, rtol=1e-5)  # type: ignore[union-attr]


def test_clip_grad_norm_edge_cases() -> None:
    assert float(clip_grad_norm_([], 1.0)) == 0.0
    assert float(clip_grad_norm_([nn.Parameter(tocha.zeros(1))], 1.0)) == 0.0  # no grads
    single = make_params()[1]
    assert float(clip_grad_norm_(single, 10.0)) == 4.0  # a lone tensor
    gen = (p for p in make_params())
    np.testing.assert_allclose(float(clip_grad_norm_(gen, 1.0, foreach=True)), numpy_norm(GRADS, 2), rtol=1e-6)
    bad = make_params([np.array([1.0, np.inf], dtype=np.float32)])
    with pytest.raises(
        RuntimeError, match=r"The total norm of order 2\.0 for gradients from `parameters` is non-finite"
    ):
        clip_grad_norm_(bad, 1.0, error_if_nonfinite=True)
    total = clip_grad_norm_(make_params([np.array([1.0, np.nan], dtype=np.float32)]), 1.0)
    assert math.isnan(float(total))
    with pytest.warns(FutureWarning, match="clip_grad_norm` is now deprecated"):
        clip_grad_norm(make_params(), 1.0)


def test_get_total_norm_and_clip_with_norm() -> None:
    grads = [tocha.from_numpy(g.copy()) for g in GRADS]
    total = get_total_norm(grads, 2.0)
    np.testing.assert_allclose(float(total), numpy_norm(GRADS, 2), rtol=1e-6)
    assert float(get_total_norm([])) == 0.0
    assert float(get_total_norm(tocha.tensor([3.0, 4.0]))) == 5.0
    params = make_params()
    clip_grads_with_norm_(params, 1.0, total)
    for p, g in zip(params, GRADS, strict=True):
        np.testing.assert_allclose(p.grad.numpy(), g / (float(total) + 1e-6), rtol=1e-5)  # type: ignore[union-attr]
    clip_grads_with_norm_([nn.Parameter(tocha.zeros(1))], 1.0, total)  # no grads: nothing happens


def test_clip_grad_value() -> None:
    params = make_params()
    clip_grad_value_(params, 1.0)
    for p, g in zip(params, GRADS, strict=True):
        np.testing.assert_array_equal(p.grad.numpy(), np.clip(g, -1.0, 1.0))  # type: ignore[union-attr]
    p = make_params()[0]
    clip_grad_value_(p, 0.5, foreach=False)
    assert float(p.grad.abs().max()) == 0.5  # type: ignore[union-attr]


def test_clipping_does_not_record_history() -> None:
    p = nn.Parameter(tocha.ones(2))
    (p * tocha.tensor([3.0, 4.0])).sum().backward()
    clip_grad_norm_([p], 1.0)
    assert p.grad is not None
    assert p.grad.grad_fn is None
    assert not p.grad.requires_grad


def test_clip_grad_norm_matches_torch() -> None:
    torch = torch_or_skip()
    for norm_type in (2.0, 1.0, math.inf, 0.5, 0.0, -math.inf):
        ours = make_params()
        theirs = []
        for g in GRADS:
            t = torch.nn.Parameter(torch.zeros(g.shape))
            t.grad = torch.from_numpy(g.copy())
            theirs.append(t)
        a = clip_grad_norm_(ours, 1.0, norm_type)
        b = torch.nn.utils.clip_grad_norm_(theirs, 1.0, norm_type)
        np.testing.assert_allclose(float(a), float(b), rtol=1e-6)
        for p, t in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=1e-6)  # type: ignore[union-attr]
    with pytest.raises(RuntimeError) as err_a:
        clip_grad_norm_(make_params([np.array([np.inf], dtype=np.float32)]), 1.0, error_if_nonfinite=True)
    t = torch.nn.Parameter(torch.zeros(1))
    t.grad = torch.tensor([math.inf])
    with pytest.raises(RuntimeError) as err_b:
        torch.nn.utils.clip_grad_norm_([t], 1.0, error_if_nonfinite=True)
    assert str(err_a.value) == str(err_b.value)


def test_parameters_to_vector_and_back() -> None:
    a = nn.Parameter(tocha.tensor([[1.0, 2.0], [3.0, 4.0]]))
    b = nn.Parameter(tocha.tensor([5.0]))
    vec = parameters_to_vector([a, b])
    assert vec.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    vec.sum().backward()  # differentiable
    assert a.grad.tolist() == [[1.0, 1.0], [1.0, 1.0]]  # type: ignore[union-attr]
    new = tocha.arange(5.0) * 10
    vector_to_parameters(new, [a, b])
    assert a.tolist() == [[0.0, 10.0], [20.0, 30.0]]
    assert b.tolist() == [40.0]
    assert isinstance(a, nn.Parameter)
    assert tuple(a.shape) == (2, 2)
    with pytest.raises(TypeError, match=r"expected tocha\.Tensor, but got: list"):
        vector_to_parameters([1.0], [a])  # type: ignore[arg-type]


def test_parameters_to_vector_matches_torch() -> None:
    torch = torch_or_skip()
    shapes = [(2, 3), (4,), ()]
    values = [np.random.default_rng(i).standard_normal(s).astype(np.float32) for i, s in enumerate(shapes)]
    ours = parameters_to_vector([tocha.from_numpy(v.copy()) for v in values])
    theirs = torch.nn.utils.parameters_to_vector([torch.from_numpy(v.copy()) for v in values])
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


class Scale(nn.Module):
    def __init__(self, n: int, device: Any = None) -> None:
        super().__init__()
        self.weight = nn.Parameter(tocha.ones(n, device=device))
        self.register_buffer("count", tocha.zeros(1, dtype=tocha.int64, device=device))


class NoDevice(nn.Module):
    def __init__(self, n: int) -> None:
        super().__init__()


def test_skip_init() -> None:
    m = skip_init(Scale, 4)
    assert isinstance(m, Scale)
    assert isinstance(m.weight, nn.Parameter)
    assert tuple(m.weight.shape) == (4,)
    assert m.weight.requires_grad
    assert m.count.dtype == tocha.int64
    m = skip_init(Scale, n=2, device="cpu")
    assert m.weight.device.type == "cpu"
    with pytest.raises(RuntimeError, match="Module must support a 'device' arg to skip initialization"):
        skip_init(NoDevice, 2)
    with pytest.raises(RuntimeError, match="Expected a Module; got"):
        skip_init(int)  # type: ignore[type-var]


def test_skip_init_with_linear_if_present() -> None:
    linear = getattr(nn, "Linear", None)
    if linear is None:
        pytest.skip("nn.Linear not available yet")
    m = skip_init(linear, 3, 2)
    assert tuple(m.weight.shape) == (2, 3)
    assert tuple(m.bias.shape) == (2,)
