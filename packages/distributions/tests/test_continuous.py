"""The continuous families: Uniform, Exponential, Cauchy, Gamma, Chi2, Beta, Dirichlet, StudentT, Laplace,
FisherSnedecor, VonMises, ContinuousBernoulli — against PyTorch, closed forms and sampling statistics.

Their KL divergences are tested in test_continuous_kl.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import tocha
import tocha.distributions as D
from tocha.distributions import (
    Beta,
    Cauchy,
    Chi2,
    ContinuousBernoulli,
    Dirichlet,
    Exponential,
    FisherSnedecor,
    Gamma,
    Laplace,
    StudentT,
    Uniform,
    VonMises,
)

HAS_GAMMA_SAMPLER = hasattr(tocha, "_standard_gamma")
needs_gamma = pytest.mark.skipif(not HAS_GAMMA_SAMPLER, reason="tocha._standard_gamma is not available yet")
GAMMA_BASED = {"Gamma", "Chi2", "Beta", "Dirichlet", "StudentT", "FisherSnedecor"}


def t(values: Any, dtype: Any = tocha.float32) -> tocha.Tensor:
    return tocha.tensor(values, dtype=dtype)


# name -> builder(dtype) -> (constructor kwargs, values in the support of shape (2, *batch, *event))
SPECS: dict[str, Callable[[Any], tuple[dict[str, Any], tocha.Tensor]]] = {
    "Uniform": lambda dt: (
        {"low": t([-1.0, 0.5, 2.0], dt), "high": t([1.0, 0.75, 5.0], dt)},
        t([[-0.5, 0.6, 2.0], [0.99, 0.7, 4.5]], dt),
    ),
    "Exponential": lambda dt: ({"rate": t([0.5, 1.0, 3.0], dt)}, t([[0.0, 1.0, 0.2], [4.0, 0.1, 2.0]], dt)),
    "Cauchy": lambda dt: (
        {"loc": t([0.0, -1.0, 2.0], dt), "scale": t([1.0, 0.5, 3.0], dt)},
        t([[0.0, 1.0, -5.0], [10.0, -1.2, 2.5]], dt),
    ),
    "Gamma": lambda dt: (
        {"concentration": t([0.5, 1.0, 4.0], dt), "rate": t([1.0, 2.0, 0.5], dt)},
        t([[0.3, 1.0, 5.0], [2.0, 0.01, 10.0]], dt),
    ),
    "Chi2": lambda dt: ({"df": t([1.0, 2.5, 7.0], dt)}, t([[0.3, 1.0, 5.0], [2.0, 0.01, 10.0]], dt)),
    "Beta": lambda dt: (
        {"concentration1": t([0.5, 2.0, 5.0], dt), "concentration0": t([0.5, 3.0, 1.0], dt)},
        t([[0.1, 0.5, 0.9], [0.99, 0.2, 0.5]], dt),
    ),
    "Dirichlet": lambda dt: (
        {"concentration": t([[0.5, 0.3, 0.9], [2.0, 3.0, 1.5]], dt)},
        t([[[0.2, 0.3, 0.5], [0.1, 0.6, 0.3]], [[0.9, 0.05, 0.05], [1 / 3, 1 / 3, 1 / 3]]], dt),
    ),
    "StudentT": lambda dt: (
        {"df": t([0.8, 1.5, 3.0, 10.0], dt), "loc": t([0.0, 1.0, -1.0, 2.0], dt), "scale": t([1.0, 2.0, 0.5, 1.0], dt)},
        t([[0.0, 1.0, -5.0, 3.0], [10.0, -1.2, 2.5, 2.0]], dt),
    ),
    "Laplace": lambda dt: (
        {"loc": t([0.0, -1.0, 2.0], dt), "scale": t([1.0, 0.5, 3.0], dt)},
        t([[0.0, 1.0, -5.0], [10.0, -1.2, 2.5]], dt),
    ),
    "FisherSnedecor": lambda dt: (
        {"df1": t([1.0, 3.0, 5.0, 10.0], dt), "df2": t([1.0, 3.0, 6.0, 20.0], dt)},
        t([[0.5, 1.0, 2.0, 0.1], [3.0, 0.2, 1.0, 1.0]], dt),
    ),
    "VonMises": lambda dt: (
        {"loc": t([0.0, 1.0, -2.0], dt), "concentration": t([0.5, 3.0, 50.0], dt)},
        t([[0.0, 1.0, -3.0], [3.0, -1.2, -2.0]], dt),
    ),
    "ContinuousBernoulli": lambda dt: (
        {"probs": t([0.1, 0.4995, 0.5, 0.7, 0.99], dt)},
        t([[0.0, 0.3, 0.5, 1.0, 0.2], [0.9, 0.7, 0.1, 0.6, 1.0]], dt),
    ),
}
FAMILIES = list(SPECS)

# Constructor arguments (batched tocha tensors) of each family, for the package's shared contract test.
EXAMPLES = [
    ("Uniform", [{"low": t([0.0, -1.0]), "high": t([1.0, 2.0])}]),
    ("Exponential", [{"rate": t([0.5, 2.0])}]),
    ("Cauchy", [{"loc": t([0.0, 1.0]), "scale": t([1.0, 2.0])}]),
    ("Gamma", [{"concentration": t([0.5, 3.0]), "rate": t([1.0, 2.0])}]),
    ("Chi2", [{"df": t([1.0, 4.0])}]),
    ("Beta", [{"concentration1": t([0.5, 2.0]), "concentration0": t([1.5, 3.0])}]),
    ("Dirichlet", [{"concentration": t([[0.5, 1.0, 2.0], [3.0, 1.0, 1.0]])}]),
    ("StudentT", [{"df": t([3.0, 10.0])}, {"df": t([3.0, 10.0]), "loc": t([1.0, -1.0]), "scale": t([2.0, 0.5])}]),
    ("Laplace", [{"loc": t([0.0, 1.0]), "scale": t([1.0, 2.0])}]),
    ("FisherSnedecor", [{"df1": t([3.0, 5.0]), "df2": t([6.0, 10.0])}]),
    ("VonMises", [{"loc": t([0.0, 1.0]), "concentration": t([0.5, 4.0])}]),
    ("ContinuousBernoulli", [{"probs": t([0.2, 0.8])}, {"logits": t([-1.0, 2.0])}]),
]


def _pair(oracle: SimpleNamespace, name: str, dtype: Any) -> tuple[Any, Any, tocha.Tensor, Any]:
    kwargs, value = SPECS[name](dtype)
    ours = getattr(D, name)(**kwargs)
    ref = oracle.dist(name)(**oracle.to_torch(kwargs))
    return ours, ref, value, oracle.to_torch(value)


def _call(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except NotImplementedError:
        return NotImplemented


@pytest.mark.parametrize("dtype", [tocha.float32, tocha.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", FAMILIES)
def test_matches_pytorch(oracle: SimpleNamespace, name: str, dtype: Any) -> None:
    ours, ref, value, tvalue = _pair(oracle, name, dtype)
    rtol = 2e-5 if dtype == tocha.float32 else 1e-10
    if name == "VonMises":
        rtol = max(rtol, 1e-4)  # PyTorch's log I0 / I1 are polynomial fits (~1e-7..1e-5); ours are i0e / i1e
    assert ours.batch_shape == tuple(ref.batch_shape)
    assert ours.event_shape == tuple(ref.event_shape)
    assert ours.has_rsample == ref.has_rsample
    assert repr(ours.support) == repr(ref.support).replace("torch.", "tocha.")
    assert {k: repr(v) for k, v in ours.arg_constraints.items()} == {
        k: repr(v).replace("torch.", "tocha.") for k, v in ref.arg_constraints.items()
    }
    for method in ("log_prob", "cdf"):
        expected = _call(lambda: getattr(ref, method)(tvalue))
        actual = _call(lambda: getattr(ours, method)(value))
        if expected is NotImplemented:
            assert actual is NotImplemented, method
        else:
            oracle.assert_close(actual, expected, rtol=rtol, atol=rtol)
    u = tocha.tensor([0.01, 0.3, 0.5, 0.999], dtype=dtype).reshape(4, *(1,) * len(ours.batch_shape))
    expected = _call(lambda: ref.icdf(oracle.to_torch(u)))
    actual = _call(lambda: ours.icdf(u))
    if expected is NotImplemented:
        assert actual is NotImplemented
    else:
        oracle.assert_close(actual, expected, rtol=rtol, atol=rtol)
    for attr in ("mean", "mode", "variance", "stddev"):
        expected = _call(lambda: getattr(ref, attr))
        actual = _call(lambda: getattr(ours, attr))
        if expected is NotImplemented:
            assert actual is NotImplemented, attr
        else:
            oracle.assert_close(actual, expected, rtol=rtol, atol=rtol)
    expected = _call(ref.entropy)
    actual = _call(ours.entropy)
    if expected is NotImplemented:
        assert actual is NotImplemented
    else:
        oracle.assert_close(actual, expected, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("name", FAMILIES)
def test_expand_shapes_and_values(name: str) -> None:
    kwargs, value = SPECS[name](tocha.float64)
    d = getattr(D, name)(**kwargs)
    new_shape = (2, *d.batch_shape)
    e = d.expand(new_shape)
    assert type(e) is type(d)
    assert e.batch_shape == new_shape
    assert e.event_shape == d.event_shape
    assert e._validate_args == d._validate_args
    np.testing.assert_allclose(e.log_prob(value).numpy(), d.log_prob(value).numpy(), rtol=1e-12)
    np.testing.assert_allclose(e.mean.numpy(), np.broadcast_to(d.mean.numpy(), e.mean.shape), rtol=1e-12)
    if name not in GAMMA_BASED or HAS_GAMMA_SAMPLER:
        assert e.sample((3,)).shape == (3, *new_shape, *d.event_shape)
    with pytest.raises((RuntimeError, ValueError)):
        d.expand((5, 7))


def test_scalar_parameters_give_scalar_batch() -> None:
    for d in (Uniform(0.0, 1.0), Exponential(1.0), Cauchy(0.0, 1.0), Gamma(1.0, 1.0), Chi2(2.0), Beta(1.0, 2.0),
              StudentT(3.0), Laplace(0.0, 1.0), FisherSnedecor(2.0, 3.0), VonMises(0.0, 1.0),
              ContinuousBernoulli(0.3)):  # fmt: skip
        assert d.batch_shape == ()
        assert d.event_shape == ()
        assert d.mean.dtype == tocha.float32
    assert Dirichlet(t([1.0, 2.0])).batch_shape == ()
    assert Dirichlet(t([1.0, 2.0])).event_shape == (2,)


INVALID = [
    ("Uniform", {"low": t([1.0]), "high": t([0.0])}),
    ("Exponential", {"rate": t([-1.0])}),
    ("Cauchy", {"loc": 0.0, "scale": -1.0}),
    ("Gamma", {"concentration": 1.0, "rate": -1.0}),
    ("Gamma", {"concentration": t([0.0, 1.0]), "rate": 1.0}),
    ("Chi2", {"df": -1.0}),
    ("Beta", {"concentration1": -1.0, "concentration0": 1.0}),
    ("Dirichlet", {"concentration": t([-1.0, 1.0])}),
    ("Dirichlet", {"concentration": t(1.0)}),
    ("StudentT", {"df": -1.0}),
    ("StudentT", {"df": 1.0, "scale": t([0.0])}),
    ("Laplace", {"loc": t([0.0]), "scale": t([0.0])}),
    ("FisherSnedecor", {"df1": t([1.0]), "df2": t([-2.0])}),
    ("VonMises", {"loc": 0.0, "concentration": -1.0}),
    ("ContinuousBernoulli", {"probs": 0.3, "logits": 0.1}),
    ("ContinuousBernoulli", {"probs": t([1.5]), "validate_args": True}),
]


@pytest.mark.parametrize(("name", "kwargs"), INVALID, ids=[f"{n}-{i}" for i, (n, _) in enumerate(INVALID)])
def test_validation_errors_match_pytorch(oracle: SimpleNamespace, name: str, kwargs: dict[str, Any]) -> None:
    with pytest.raises(Exception) as expected:
        oracle.dist(name)(**oracle.to_torch(kwargs))
    with pytest.raises(type(expected.value)) as actual:
        getattr(D, name)(**kwargs)
    assert str(actual.value) == str(expected.value).replace("torch.", "tocha.")


@pytest.mark.parametrize("name", FAMILIES)
def test_log_prob_outside_support_is_refused(oracle: SimpleNamespace, name: str) -> None:
    outside = {"Uniform": 7.0, "Exponential": -1.0, "Gamma": -1.0, "Chi2": -1.0, "Beta": 1.5, "FisherSnedecor": -1.0,
               "ContinuousBernoulli": 1.5, "Cauchy": float("nan"), "StudentT": float("nan"), "Laplace": float("nan"),
               "VonMises": float("nan")}  # fmt: skip
    kwargs, value = SPECS[name](tocha.float32)
    ours = getattr(D, name)(**kwargs)
    ref = oracle.dist(name)(**oracle.to_torch(kwargs))
    bad = tocha.full_like(value[0], 0.2) if name == "Dirichlet" else tocha.full_like(value[0], outside[name])
    with pytest.raises(ValueError) as expected:
        ref.log_prob(oracle.to_torch(bad))
    with pytest.raises(ValueError) as actual:
        ours.log_prob(bad)
    assert str(actual.value) == str(expected.value).replace("torch.", "tocha.")
    unchecked = getattr(D, name)(**kwargs, validate_args=False)
    unchecked.log_prob(bad)  # no error without validation


# --- sampling --------------------------------------------------------------------------------------------------------

MOMENT_CASES = [
    ("Uniform", {"low": t([-1.0, 2.0]), "high": t([1.0, 5.0])}),
    ("Exponential", {"rate": t([0.5, 3.0])}),
    ("Gamma", {"concentration": t([0.3, 4.0]), "rate": t([1.0, 0.5])}),
    ("Chi2", {"df": t([1.0, 6.0])}),
    ("Beta", {"concentration1": t([0.5, 2.0]), "concentration0": t([0.5, 5.0])}),
    ("Dirichlet", {"concentration": t([[0.3, 1.0, 2.0], [4.0, 4.0, 1.0]])}),
    ("StudentT", {"df": t([5.0, 12.0]), "loc": t([1.0, -2.0]), "scale": t([2.0, 0.5])}),
    ("Laplace", {"loc": t([0.0, -1.0]), "scale": t([1.0, 0.3])}),
    ("FisherSnedecor", {"df1": t([3.0, 10.0]), "df2": t([12.0, 20.0])}),
    ("ContinuousBernoulli", {"probs": t([0.1, 0.5, 0.8, 0.9999])}),
]


@pytest.mark.parametrize(("name", "kwargs"), MOMENT_CASES, ids=[c[0] for c in MOMENT_CASES])
def test_sample_moments_and_support(name: str, kwargs: dict[str, Any]) -> None:
    if name in GAMMA_BASED and not HAS_GAMMA_SAMPLER:
        pytest.skip("tocha._standard_gamma is not available yet")
    tocha.manual_seed(0)
    d = getattr(D, name)(**kwargs)
    n = 100_000
    x = d.sample((n,))
    assert x.shape == (n, *d.batch_shape, *d.event_shape)
    assert x.dtype == tocha.float32
    assert not x.requires_grad
    assert bool(d.support.check(x).all())
    xs = x.to(tocha.float64).numpy()
    mean, var = d.mean.to(tocha.float64).numpy(), d.variance.to(tocha.float64).numpy()
    # the sample mean is within 5 standard errors; the sample variance within 5 of its own (via the 4th moment)
    np.testing.assert_array_less(np.abs(xs.mean(0) - mean), 5 * np.sqrt(var / n) + 1e-6)
    fourth = ((xs - mean) ** 4).mean(0)
    np.testing.assert_array_less(np.abs(xs.var(0) - var), 5 * np.sqrt(np.maximum(fourth - var**2, 0) / n) + 1e-6)


def test_cauchy_and_uniform_quantiles() -> None:
    # Cauchy has no moments: check the sample quartiles against icdf
    tocha.manual_seed(1)
    d = Cauchy(t([0.0, 3.0]), t([1.0, 0.5]))
    x = d.sample((100_000,)).numpy()
    q = np.quantile(x, [0.25, 0.5, 0.75], axis=0)
    expected = d.icdf(t([[0.25], [0.5], [0.75]])).numpy()
    np.testing.assert_allclose(q, expected, atol=0.03)


def test_von_mises_sampler() -> None:
    tocha.manual_seed(2)
    loc, kappa = t([0.5, -2.5, 3.0, 1.0]), t([0.01, 1.0, 5.0, 200.0])
    d = VonMises(loc, kappa)
    n = 100_000
    x = d.sample((n,))
    assert x.dtype == tocha.float32
    assert x.shape == (n, 4)
    xs = x.to(tocha.float64).numpy()
    assert (xs >= -math.pi).all()
    assert (xs <= math.pi).all()
    # E[exp(i(x - loc))] = I1(κ)/I0(κ), real
    resultant = np.exp(1j * (xs - loc.numpy())).mean(0)
    expected = (tocha.special.i1e(kappa.double()) / tocha.special.i0e(kappa.double())).numpy()
    np.testing.assert_allclose(resultant.real, expected, atol=5 / math.sqrt(n))
    np.testing.assert_allclose(resultant.imag, 0, atol=5 / math.sqrt(n))
    np.testing.assert_allclose(1 - resultant.real, d.variance.numpy(), atol=5 / math.sqrt(n))
    x64 = VonMises(loc.double(), kappa.double()).sample((3,))
    assert x64.dtype == tocha.float64


def test_von_mises_log_normaliser_is_stable() -> None:
    # log I0 via i0e stays finite where I0 overflows (float32 overflows near κ = 90)
    d = VonMises(t([0.0, 0.0]), t([1e3, 1e6]))
    lp = d.log_prob(t([0.0, 0.0]))
    # large κ: ≈ Normal(0, 1/sqrt κ) at its mode: -log(2π)/2 + log(κ)/2
    np.testing.assert_allclose(lp.numpy(), -0.5 * math.log(2 * math.pi) + 0.5 * np.log([1e3, 1e6]), rtol=1e-3)
    d64 = VonMises(t([0.0, 0.0, 0.0], tocha.float64), t([50.0, 1e3, 1e6], tocha.float64))
    # 1 - I1(κ)/I0(κ) = 1/(2κ) + 1/(8κ²) + 1/(8κ³) + 25/(128κ⁴) + O(κ⁻⁵)
    kappa = np.array([50.0, 1e3, 1e6])
    series = 1 / (2 * kappa) + 1 / (8 * kappa**2) + 1 / (8 * kappa**3) + 25 / (128 * kappa**4)
    np.testing.assert_allclose(d64.variance.numpy(), series, rtol=1e-6)


def test_continuous_bernoulli_taylor_region(oracle: SimpleNamespace) -> None:
    probs = tocha.tensor([0.4989, 0.499, 0.4995, 0.5, 0.5005, 0.501, 0.5011], dtype=tocha.float64)
    ours = ContinuousBernoulli(probs)
    ref = oracle.dist("ContinuousBernoulli")(oracle.to_torch(probs))
    value = tocha.tensor(0.3, dtype=tocha.float64)
    for got, want in (
        (ours.log_prob(value), ref.log_prob(oracle.to_torch(value))),
        (ours.cdf(value), ref.cdf(oracle.to_torch(value))),
        (ours.icdf(value), ref.icdf(oracle.to_torch(value))),
        (ours.mean, ref.mean),
        (ours.variance, ref.variance),
        (ours.entropy(), ref.entropy()),
    ):
        oracle.assert_close(got, want, rtol=1e-12, atol=1e-12)
    # the exact and expanded branches agree at the seam
    np.testing.assert_allclose(ours.mean.numpy()[[1, 2]], 0.5 + (probs.numpy()[[1, 2]] - 0.5) / 3, atol=1e-8)
    # a custom lims moves the seam; the logits parameterisation and cdf boundaries
    wide = ContinuousBernoulli(probs, lims=(0.4, 0.6))
    wide_ref = oracle.dist("ContinuousBernoulli")(oracle.to_torch(probs), lims=(0.4, 0.6))
    oracle.assert_close(wide.log_prob(value), wide_ref.log_prob(oracle.to_torch(value)), rtol=1e-12)
    logits = tocha.tensor([-3.0, -1e-4, 0.0, 2.0], dtype=tocha.float64)
    by_logits = ContinuousBernoulli(logits=logits)
    by_logits_ref = oracle.dist("ContinuousBernoulli")(logits=oracle.to_torch(logits))
    oracle.assert_close(by_logits.probs, by_logits_ref.probs)
    oracle.assert_close(by_logits.entropy(), by_logits_ref.entropy(), rtol=1e-12)
    edges = tocha.tensor([0.0, 1.0], dtype=tocha.float64)
    np.testing.assert_allclose(ContinuousBernoulli(tocha.tensor(0.2, dtype=tocha.float64)).cdf(edges).numpy(), [0, 1])
    assert ContinuousBernoulli(probs).param_shape == (7,)


@pytest.mark.autograd
@pytest.mark.parametrize("name", ["Exponential", "Gamma", "Beta", "Dirichlet", "ContinuousBernoulli"])
def test_exponential_family_generic_entropy_matches_closed_form(name: str) -> None:
    kwargs, _ = SPECS[name](tocha.float64)
    d = getattr(D, name)(**kwargs)
    generic = D.ExponentialFamily.entropy(d)
    np.testing.assert_allclose(generic.detach().numpy(), d.entropy().numpy(), rtol=1e-8, atol=1e-10)


# --- gradients -------------------------------------------------------------------------------------------------------


def _grad(fn: Callable[..., tocha.Tensor], *params: tocha.Tensor) -> list[np.ndarray]:
    leaves = [p.detach().clone().requires_grad_() for p in params]
    grads = tocha.autograd.grad(fn(*leaves).sum(), leaves, allow_unused=True)
    return [np.zeros(p.shape) if g is None else g.numpy() for p, g in zip(params, grads)]


def _torch_grad(torch: Any, fn: Callable[..., Any], *params: tocha.Tensor) -> list[np.ndarray]:
    leaves = [torch.from_numpy(p.numpy().copy()).requires_grad_() for p in params]
    fn(*leaves).sum().backward()
    return [np.zeros(leaf.shape) if leaf.grad is None else leaf.grad.numpy() for leaf in leaves]


# name -> (parameter names in constructor order)
PARAMS = {
    "Uniform": ("low", "high"),
    "Exponential": ("rate",),
    "Cauchy": ("loc", "scale"),
    "Gamma": ("concentration", "rate"),
    "Chi2": ("df",),
    "Beta": ("concentration1", "concentration0"),
    "Dirichlet": ("concentration",),
    "StudentT": ("df", "loc", "scale"),
    "Laplace": ("loc", "scale"),
    "FisherSnedecor": ("df1", "df2"),
    "VonMises": ("loc", "concentration"),
    "ContinuousBernoulli": ("probs",),
}


@pytest.mark.autograd
@pytest.mark.parametrize("name", FAMILIES)
def test_log_prob_and_entropy_gradients_match_pytorch(oracle: SimpleNamespace, name: str) -> None:
    kwargs, value = SPECS[name](tocha.float64)
    params = [kwargs[k] for k in PARAMS[name]]
    ours_cls, ref_cls = getattr(D, name), oracle.dist(name)

    def ours_fn(method: str) -> Callable[..., tocha.Tensor]:
        def f(*ps: tocha.Tensor) -> tocha.Tensor:
            d = ours_cls(**dict(zip(PARAMS[name], ps)))
            return d.log_prob(value) if method == "log_prob" else d.entropy()

        return f

    def ref_fn(method: str) -> Callable[..., Any]:
        tvalue = oracle.to_torch(value)

        def f(*ps: Any) -> Any:
            d = ref_cls(**dict(zip(PARAMS[name], ps)))
            return d.log_prob(tvalue) if method == "log_prob" else d.entropy()

        return f

    methods = ["log_prob"] if name in ("FisherSnedecor", "VonMises") else ["log_prob", "entropy"]
    rtol = 1e-6 if name == "VonMises" else 1e-8  # PyTorch's log I0 is a polynomial fit
    for method in methods:
        for got, want in zip(_grad(ours_fn(method), *params), _torch_grad(oracle.torch, ref_fn(method), *params)):
            np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-10)


# pathwise gradients of E[x] (or E[x²]) estimated from rsample vs their closed forms
PATHWISE = [
    ("Uniform", {"low": [-1.0, 2.0], "high": [1.0, 5.0]}, lambda p: (p["low"] + p["high"]) / 2),
    ("Exponential", {"rate": [0.5, 3.0]}, lambda p: 1 / p["rate"]),
    ("Laplace", {"loc": [0.5, -1.0], "scale": [1.0, 0.3]}, lambda p: p["loc"]),
    ("Gamma", {"concentration": [0.4, 3.0], "rate": [1.0, 0.5]}, lambda p: p["concentration"] / p["rate"]),
    ("Chi2", {"df": [1.5, 6.0]}, lambda p: p["df"]),
    ("Beta", {"concentration1": [0.7, 2.0], "concentration0": [1.5, 5.0]},
     lambda p: p["concentration1"] / (p["concentration1"] + p["concentration0"])),
    ("StudentT", {"df": [5.0, 12.0], "loc": [1.0, -2.0], "scale": [2.0, 0.5]}, lambda p: p["loc"]),
    ("FisherSnedecor", {"df1": [3.0, 10.0], "df2": [12.0, 20.0]}, lambda p: p["df2"] / (p["df2"] - 2)),
    ("ContinuousBernoulli", {"probs": [0.2, 0.8]}, None),
]  # fmt: skip


@pytest.mark.autograd
@pytest.mark.parametrize(("name", "params", "mean_fn"), PATHWISE, ids=[c[0] for c in PATHWISE])
def test_rsample_pathwise_gradient_of_the_mean(name: str, params: dict[str, Any], mean_fn: Any) -> None:
    if name in GAMMA_BASED and not HAS_GAMMA_SAMPLER:
        pytest.skip("tocha._standard_gamma is not available yet")
    tocha.manual_seed(3)
    leaves = {k: tocha.tensor(v, dtype=tocha.float64, requires_grad=True) for k, v in params.items()}
    d = getattr(D, name)(**leaves)
    n = 40_000 if name in GAMMA_BASED else 200_000  # the gamma sampler's gradient costs ~10 µs a draw
    x = d.rsample((n,))
    assert x.requires_grad
    estimate = tocha.autograd.grad(x.mean(0).sum(), list(leaves.values()), allow_unused=True)
    # the exact gradient of the mean formula (by autograd on the closed form, or the family's own mean)
    exact_leaves = {k: v.detach().clone().requires_grad_() for k, v in leaves.items()}
    exact_mean = getattr(D, name)(**exact_leaves).mean if mean_fn is None else mean_fn(exact_leaves)
    exact = tocha.autograd.grad(exact_mean.sum(), list(exact_leaves.values()), allow_unused=True)
    for got, want in zip(estimate, exact):
        expected = 0.0 if want is None else want.numpy()
        np.testing.assert_allclose(np.zeros(2) if got is None else got.numpy(), expected, rtol=0.05, atol=0.02)


@pytest.mark.autograd
def test_uniform_cauchy_rsample_gradients_are_exact() -> None:
    tocha.manual_seed(4)
    low, high = t([0.0, 1.0], tocha.float64).requires_grad_(), t([2.0, 5.0], tocha.float64).requires_grad_()
    x = Uniform(low, high).rsample((5,))
    g_low, g_high = tocha.autograd.grad(x.sum(), [low, high])
    u = ((x - low) / (high - low)).detach().numpy()  # the uniform draws
    np.testing.assert_allclose(g_high.numpy(), u.sum(0), rtol=1e-12)
    np.testing.assert_allclose(g_low.numpy(), (1 - u).sum(0), rtol=1e-12)
    loc, scale = t([0.0, 1.0], tocha.float64).requires_grad_(), t([2.0, 0.5], tocha.float64).requires_grad_()
    y = Cauchy(loc, scale).rsample((5,))
    g_loc, g_scale = tocha.autograd.grad(y.sum(), [loc, scale])
    np.testing.assert_allclose(g_loc.numpy(), [5.0, 5.0])
    np.testing.assert_allclose(g_scale.numpy(), ((y - loc) / scale).detach().sum(0).numpy(), rtol=1e-12)


@pytest.mark.autograd
@needs_gamma
def test_dirichlet_rsample_gradient_of_the_mean() -> None:
    tocha.manual_seed(5)
    alpha = tocha.tensor([0.5, 2.0, 3.0], dtype=tocha.float64, requires_grad=True)
    x = Dirichlet(alpha).rsample((40_000,))
    assert bool(constraints_simplex_check(x).all())
    weights = tocha.tensor([1.0, -2.0, 0.5], dtype=tocha.float64)
    (estimate,) = tocha.autograd.grad((x.mean(0) * weights).sum(), [alpha])
    a = alpha.detach().numpy()
    total = a.sum()
    # d/da_j Σ w_i a_i / a₀ = w_j / a₀ - Σ w_i a_i / a₀²
    exact = weights.numpy() / total - (weights.numpy() * a).sum() / total**2
    np.testing.assert_allclose(estimate.numpy(), exact, atol=0.01)


def constraints_simplex_check(x: tocha.Tensor) -> tocha.Tensor:
    return D.constraints.simplex.check(x.detach())


@needs_gamma
def test_gamma_sampling_edge_cases() -> None:
    tocha.manual_seed(6)
    tiny = Gamma(t([1e-3, 1e-3]), t([1.0, 1e3])).sample((1000,))
    assert bool((tiny > 0).all())
    assert bool(tocha.isfinite(tiny).all())
    small = Dirichlet(t([0.01, 0.01, 0.01])).sample((1000,))
    assert bool(tocha.isfinite(small).all())
    np.testing.assert_allclose(small.sum(-1).numpy(), 1.0, rtol=1e-5)
    # Dirichlet(0.01, ...) puts nearly all its mass near the vertices; float32 rsample keeps that (float64 gammas)
    spiky = Dirichlet(t([0.01, 0.01, 0.01]))
    for draws in (spiky.sample((4000,)), spiky.rsample((4000,))):
        assert bool(spiky.support.check(draws).all())
        assert (draws.max(-1).values.numpy() > 0.99).mean() > 0.9
        np.testing.assert_allclose(draws.mean(0).numpy(), 1 / 3, atol=0.05)
        assert bool(tocha.isfinite(spiky.log_prob(draws)).all())
