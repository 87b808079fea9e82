"""The discrete families: Categorical, OneHotCategorical(StraightThrough), Binomial, Multinomial, Poisson, Geometric,
NegativeBinomial, and their KL divergences (PyTorch is the oracle)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import tocha
from tocha.distributions import Bernoulli, kl_divergence
from tocha.distributions.binomial import Binomial
from tocha.distributions.categorical import Categorical
from tocha.distributions.geometric import Geometric
from tocha.distributions.multinomial import Multinomial
from tocha.distributions.negative_binomial import NegativeBinomial
from tocha.distributions.one_hot_categorical import OneHotCategorical, OneHotCategoricalStraightThrough
from tocha.distributions.poisson import Poisson

T = tocha.tensor

EXAMPLES: list[tuple[str, list[dict[str, Any]]]] = [
    ("Categorical", [{"probs": T([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]])}, {"logits": T([[0.0, -1.0, 2.0], [1.0, 1.0, 1.0]])}]),
    ("OneHotCategorical", [{"probs": T([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]])}, {"logits": T([[0.0, -1.0, 2.0]])}]),
    ("OneHotCategoricalStraightThrough", [{"probs": T([[0.1, 0.9], [0.5, 0.5]])}, {"logits": T([[0.0, -1.0, 2.0]])}]),
    ("Binomial", [{"total_count": T([3.0, 10.0]), "probs": T([0.2, 0.9])}, {"total_count": 5, "logits": T([-1.0, 0.5])}]),
    ("Multinomial", [{"total_count": 5, "probs": T([[0.2, 0.3, 0.5], [0.6, 0.2, 0.2]])}, {"total_count": 3, "logits": T([[0.0, 1.0]])}]),
    ("Poisson", [{"rate": T([0.5, 3.0, 10.0])}]),
    ("Geometric", [{"probs": T([0.2, 0.9])}, {"logits": T([-1.0, 0.5])}]),
    ("NegativeBinomial", [{"total_count": T([3.0, 10.0]), "probs": T([0.2, 0.6])}, {"total_count": T([2.5]), "logits": T([-1.0, 0.5])}]),
]  # fmt: skip

_CLASSES = {
    "Categorical": Categorical,
    "OneHotCategorical": OneHotCategorical,
    "OneHotCategoricalStraightThrough": OneHotCategoricalStraightThrough,
    "Binomial": Binomial,
    "Multinomial": Multinomial,
    "Poisson": Poisson,
    "Geometric": Geometric,
    "NegativeBinomial": NegativeBinomial,
}


def _cases(dtype: Any) -> list[tuple[str, dict[str, Any], Any]]:
    """(class name, constructor kwargs, values for log_prob) in ``dtype``: edge parameters included."""

    def t(x: Any) -> Any:
        return tocha.tensor(x, dtype=dtype)

    return [
        ("Categorical", {"probs": t([[0.1, 0.2, 0.7], [0.0, 0.5, 0.5]])}, tocha.tensor([[2, 0], [1, 1]])),
        ("Categorical", {"logits": t([[0.0, -1.0, 30.0], [-50.0, 1.0, 1.0]])}, tocha.tensor([0, 2])),
        ("Categorical", {"logits": t([0.0, float("-inf"), 1.0])}, tocha.tensor([[0], [2]])),
        ("OneHotCategorical", {"probs": t([[0.1, 0.2, 0.7], [0.0, 0.5, 0.5]])}, t([[[0, 0, 1], [0, 1, 0]], [[1, 0, 0], [0, 0, 1]]])),
        ("OneHotCategorical", {"logits": t([0.5, -2.0])}, t([[1, 0], [0, 1]])),
        ("OneHotCategoricalStraightThrough", {"logits": t([[0.5, -2.0, 1.0]])}, t([0, 1, 0])),
        ("Binomial", {"total_count": t([3.0, 10.0, 0.0, 4.0]), "probs": t([0.2, 0.9, 0.5, 1.0])}, t([[0, 10, 0, 4], [3, 7, 0, 2]])),
        ("Binomial", {"total_count": 6, "logits": t([-1.0, 0.0, 25.0, -40.0])}, t([2.0, 6.0, 6.0, 0.0])),
        ("Binomial", {"total_count": t([5.0]), "probs": t([[0.0], [0.3]])}, t([0.0, 1.0, 5.0])),
        ("Multinomial", {"total_count": 5, "probs": t([[0.2, 0.3, 0.5], [0.0, 0.5, 0.5]])}, t([[1, 1, 3], [0, 2, 3]])),
        ("Multinomial", {"total_count": 3, "logits": t([0.0, 1.0, float("-inf")])}, t([[1, 2, 0], [0, 3, 0]])),
        ("Poisson", {"rate": t([0.5, 3.0, 0.0, 100.0])}, t([[0, 5, 0, 90], [2, 0, 1, 100]])),
        ("Geometric", {"probs": t([0.2, 0.9, 1.0])}, t([[0, 3, 0], [5, 0, 2]])),
        ("Geometric", {"logits": t([-1.0, 0.5, 20.0])}, t([1.0, 0.0, 3.0])),
        ("NegativeBinomial", {"total_count": t([3.0, 10.0, 0.0, 2.5]), "probs": t([0.2, 0.6, 0.3, 0.0])}, t([[0, 4, 0, 0], [7, 0, 2, 1]])),
        ("NegativeBinomial", {"total_count": t([2.5]), "logits": t([-1.0, 0.5, 10.0])}, t([0.0, 3.0, 50.0])),
    ]  # fmt: skip


def _pair(oracle: SimpleNamespace, name: str, kwargs: dict[str, Any], **extra: Any) -> tuple[Any, Any]:
    ours = _CLASSES[name](**kwargs, **extra)
    ref = oracle.dist(name)(**oracle.to_torch(kwargs), **extra)
    return ours, ref


def _call(fn: Any) -> tuple[str, Any]:
    """``("ok", result)`` or ``(exception type name, message)``."""
    try:
        return "ok", fn()
    except (NotImplementedError, ValueError) as exc:
        return type(exc).__name__, str(exc)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_matches_pytorch(oracle: SimpleNamespace, dtype: str) -> None:
    tol = {"rtol": 1e-5, "atol": 1e-5} if dtype == "float32" else {"rtol": 1e-10, "atol": 1e-10}
    for name, kwargs, value in _cases(getattr(tocha, dtype)):
        ours, ref = _pair(oracle, name, kwargs)
        where = f"{name}({kwargs})"
        assert ours.batch_shape == ref.batch_shape, where
        assert ours.event_shape == ref.event_shape, where
        assert repr(ours.arg_constraints) == repr(ref.arg_constraints), where
        assert type(ours.support).__name__.lstrip("_") == type(ref.support).__name__.lstrip("_"), where
        assert ours.support.event_dim == ref.support.event_dim, where
        assert ours.support.is_discrete, where
        assert ours.has_enumerate_support == ref.has_enumerate_support, where
        assert ours.has_rsample == ref.has_rsample, where
        oracle.assert_close(ours.support.check(value), ref.support.check(oracle.to_torch(value)))
        oracle.assert_close(ours.log_prob(value), ref.log_prob(oracle.to_torch(value)), **tol)
        for attr in ("mean", "mode", "variance", "stddev", "probs", "logits", "param_shape"):
            if not hasattr(type(ref), attr):
                assert not hasattr(type(ours), attr), f"{where}.{attr}"
                continue
            status, got = _call(lambda: getattr(ours, attr))
            ref_status, expected = _call(lambda: getattr(ref, attr))
            assert status == ref_status, f"{where}.{attr}: {got}"
            if status == "ok" and attr == "param_shape":
                assert got == expected
            elif status == "ok":
                oracle.assert_close(got, expected, **tol)
        for method in ("entropy", "enumerate_support"):
            status, got = _call(getattr(ours, method))
            ref_status, expected = _call(getattr(ref, method))
            assert status == ref_status, f"{where}.{method}: {got}"
            if status == "ok":
                # PyTorch's Multinomial.entropy computes lgamma(n + 1) in float32 whatever the dtype
                loose = name == "Multinomial" and method == "entropy"
                oracle.assert_close(got, expected, **({"rtol": 1e-6} if loose else tol))
            else:
                assert got == expected, where
        if ours.has_enumerate_support and status == "ok":
            oracle.assert_close(ours.enumerate_support(expand=False), ref.enumerate_support(expand=False))
            # every support value has a log_prob, and the probabilities sum to 1
            total = ours.log_prob(ours.enumerate_support()).exp().sum(0)
            np.testing.assert_allclose(total.numpy(), 1.0, rtol=1e-5)
        for method in ("cdf", "icdf"):
            with pytest.raises(NotImplementedError):
                getattr(ours, method)(value)


def test_expand(oracle: SimpleNamespace) -> None:
    for name, kwargs, value in _cases(tocha.float64):
        ours, ref = _pair(oracle, name, kwargs)
        shape = (2, *ours.batch_shape)
        big, ref_big = ours.expand(shape), ref.expand(shape)
        assert type(big) is type(ours)
        assert big.batch_shape == shape
        assert big.event_shape == ours.event_shape
        assert big._validate_args == ours._validate_args
        oracle.assert_close(big.log_prob(value), ref_big.log_prob(oracle.to_torch(value)), rtol=1e-10)
        assert big.sample((3,)).shape == (3, *shape, *ours.event_shape) if name not in _NEEDS else True
        status, got = _call(big.enumerate_support)
        ref_status, expected = _call(ref_big.enumerate_support)
        assert status == ref_status, f"{name}.expand: {got}"
        if status == "ok":
            oracle.assert_close(got, expected)
    # the parameterisation given is kept, the other stays lazy
    d = Categorical(logits=T([[0.0, 1.0]])).expand((3, 1))
    assert "probs" not in d.__dict__
    assert d.probs.shape == (3, 1, 2)
    assert d.param_shape == (3, 1, 2)


# families whose sampler needs a tensor-core sampler that may not exist yet
_NEEDS = {"Binomial": "binomial", "NegativeBinomial": "_standard_gamma"}


def _require_sampler(name: str) -> None:
    if name in _NEEDS and not hasattr(tocha, _NEEDS[name]):
        pytest.skip(f"tocha.{_NEEDS[name]} is not available yet")


@pytest.mark.parametrize("name", list(_CLASSES))
def test_sampling_statistics(name: str) -> None:
    _require_sampler(name)
    tocha.manual_seed(0)
    n = 40_000
    for kwargs in dict(EXAMPLES)[name]:
        for dtype in (tocha.float32, tocha.float64):
            kw = {k: v.to(dtype) if isinstance(v, tocha.Tensor) else v for k, v in kwargs.items()}
            d = _CLASSES[name](**kw)
            x = d.sample((n,))
            assert x.shape == (n, *d.batch_shape, *d.event_shape)
            assert x.dtype == (tocha.int64 if name == "Categorical" else dtype)
            assert not x.requires_grad
            assert bool(d.support.check(x).all())
            if name == "Categorical":
                # frequencies of each category against probs
                freq = tocha.stack([(x == k).to(dtype).mean(0) for k in range(d.param_shape[-1])], -1).numpy()
                np.testing.assert_allclose(freq, d.probs.numpy(), atol=4 * 0.5 / np.sqrt(n))
                continue
            xs = x.to(tocha.float64).numpy()
            mean, var = d.mean.to(tocha.float64).numpy(), d.variance.to(tocha.float64).numpy()
            # 5 standard errors of the mean, and a loose bound on the sample variance
            np.testing.assert_array_less(np.abs(xs.mean(0) - mean), 5 * np.sqrt(var / n) + 1e-12)
            np.testing.assert_allclose(xs.var(0), var, rtol=0.1, atol=1e-9)
    assert (
        _CLASSES[name](**dict(EXAMPLES)[name][0]).sample().shape
        == _CLASSES[name](**dict(EXAMPLES)[name][0])._extended_shape()
    )


def test_sampling_edges() -> None:
    tocha.manual_seed(1)
    assert Categorical(T([0.0, 1.0, 0.0])).sample((100,)).eq(1).all()
    assert Poisson(T([0.0])).sample((50,)).eq(0).all()
    assert Geometric(T([1.0])).sample((50,)).eq(0).all()
    counts = Multinomial(7, T([[0.0, 1.0], [0.5, 0.5]])).sample((20,))
    assert counts.shape == (20, 2, 2)
    assert counts.sum(-1).eq(7).all()
    assert counts[:, 0, 0].eq(0).all()
    x = Geometric(T([1e-6], dtype=tocha.float64)).sample((1000,))
    assert bool(tocha.isfinite(x).all())
    assert x.mean().item() > 1e5
    if hasattr(tocha, "binomial"):
        x = Binomial(T([0.0, 5.0, 5.0]), T([0.5, 0.0, 1.0])).sample((50,))
        assert x.eq(T([0.0, 0.0, 5.0])).all()
    if hasattr(tocha, "_standard_gamma"):
        assert NegativeBinomial(T([3.0]), T([0.0])).sample((50,)).eq(0).all()
    oh = OneHotCategorical(T([[0.2, 0.8]])).sample((5, 3))
    assert oh.shape == (5, 3, 1, 2)
    assert oh.sum(-1).eq(1).all()
    assert oh.dtype == tocha.float32


def test_kl_pairs_match_pytorch(oracle: SimpleNamespace) -> None:
    torch = oracle.torch
    f64 = tocha.float64

    def check(p: Any, q: Any, tp: Any, tq: Any, **tol: float) -> None:
        oracle.assert_close(kl_divergence(p, q), torch.distributions.kl_divergence(tp, tq), **(tol or {"rtol": 1e-10}))

    probs_a, probs_b = T([[0.1, 0.2, 0.7], [0.3, 0.3, 0.4]], dtype=f64), T([0.5, 0.25, 0.25], dtype=f64)
    ta, tb = oracle.to_torch(probs_a), oracle.to_torch(probs_b)
    check(Categorical(probs_a), Categorical(logits=probs_b.log()), torch.distributions.Categorical(ta),
          torch.distributions.Categorical(logits=tb.log()))  # fmt: skip
    check(OneHotCategorical(probs_a), OneHotCategorical(probs_b), torch.distributions.OneHotCategorical(ta),
          torch.distributions.OneHotCategorical(tb))  # fmt: skip
    # zeros: 0 where p is 0, inf where only q is
    pz, qz = T([[0.0, 0.5, 0.5], [0.5, 0.5, 0.0]]), T([[0.5, 0.5, 0.0], [0.5, 0.0, 0.5]])
    check(Categorical(pz), Categorical(qz), torch.distributions.Categorical(oracle.to_torch(pz)),
          torch.distributions.Categorical(oracle.to_torch(qz)))  # fmt: skip
    ps, qs = T([0.2, 0.7, 0.5], dtype=f64), T([0.6, 0.1, 0.5], dtype=f64)
    tps, tqs = oracle.to_torch(ps), oracle.to_torch(qs)
    n = T([4.0, 4.0, 4.0], dtype=f64)
    check(Binomial(n, ps), Binomial(n, qs), torch.distributions.Binomial(oracle.to_torch(n), tps),
          torch.distributions.Binomial(oracle.to_torch(n), tqs))  # fmt: skip
    check(Binomial(T([5.0, 4.0, 4.0]), ps.float()), Binomial(n.float(), qs.float()),
          torch.distributions.Binomial(torch.tensor([5.0, 4.0, 4.0]), tps.float()),
          torch.distributions.Binomial(oracle.to_torch(n).float(), tqs.float()), rtol=1e-6)  # fmt: skip
    with pytest.raises(NotImplementedError, match=r"KL between Binomials where q\.total_count > p\.total_count"):
        kl_divergence(Binomial(3, ps), Binomial(4, qs))
    check(Geometric(ps), Geometric(logits=qs), torch.distributions.Geometric(tps),
          torch.distributions.Geometric(logits=tqs))  # fmt: skip
    rates_p, rates_q = T([0.5, 3.0, 2.0], dtype=f64), T([1.5, 0.2, 2.0], dtype=f64)
    trp, trq = oracle.to_torch(rates_p), oracle.to_torch(rates_q)
    check(Poisson(rates_p), Poisson(rates_q), torch.distributions.Poisson(trp), torch.distributions.Poisson(trq))
    check(Bernoulli(ps), Poisson(rates_q), torch.distributions.Bernoulli(tps), torch.distributions.Poisson(trq))
    check(Poisson(rates_p), Bernoulli(ps), torch.distributions.Poisson(trp), torch.distributions.Bernoulli(tps))
    check(Poisson(rates_p), Binomial(n, ps), torch.distributions.Poisson(trp),
          torch.distributions.Binomial(oracle.to_torch(n), tps))  # fmt: skip
    # KL is 0 from a law to itself
    for d in (Categorical(probs_a), Binomial(n, ps), Geometric(ps), Poisson(rates_p), OneHotCategorical(probs_a)):
        np.testing.assert_allclose(kl_divergence(d, d).numpy(), 0.0, atol=1e-12)


def test_kl_edges_against_enumeration() -> None:
    # the edges where PyTorch's formulas give nan: checked against the definition instead
    p, q = Poisson(T([0.0, 0.0], dtype=tocha.float64)), Poisson(T([2.0, 0.0], dtype=tocha.float64))
    np.testing.assert_allclose(kl_divergence(p, q).numpy(), [2.0, 0.0])  # KL(δ0 || Poisson(λ)) = λ
    assert kl_divergence(Poisson(T([1.0])), Poisson(T([0.0]))).item() == float("inf")
    b = Bernoulli(probs=T([0.0, 1.0, 0.3], dtype=tocha.float64))
    lam = T([2.0, 2.0, 0.7], dtype=tocha.float64)
    ks = T([0.0, 1.0], dtype=tocha.float64).view(2, 1)
    pk = b.log_prob(ks).exp()
    expected = (pk * (b.log_prob(ks) - Poisson(lam).log_prob(ks))).nan_to_num(0.0).sum(0)
    np.testing.assert_allclose(kl_divergence(b, Poisson(lam)).numpy(), expected.numpy(), rtol=1e-12)
    # a Poisson of rate 0 is a point mass at 0: finite KL to bounded laws
    kl = kl_divergence(Poisson(T([0.0, 1.0])), Binomial(3, T([0.5, 0.5])))
    np.testing.assert_allclose(kl.numpy(), [3 * np.log(2), np.inf], rtol=1e-6)
    kl = kl_divergence(Poisson(T([0.0])), Bernoulli(T([0.25])))
    np.testing.assert_allclose(kl.numpy(), [-np.log(0.75)], rtol=1e-6)
    # Binomial KL, n_p > n_q: p puts mass where q has none
    assert kl_divergence(Binomial(T([5.0]), T([0.5])), Binomial(T([4.0]), T([0.5]))).item() == float("inf")


def test_validation_errors_match_pytorch(oracle: SimpleNamespace) -> None:
    cases: list[tuple[str, dict[str, Any]]] = [
        ("Categorical", {"probs": T(0.5)}),
        ("Categorical", {"logits": T(0.5)}),
        ("Categorical", {"probs": T([0.5, -1.0])}),
        ("Categorical", {}),
        ("OneHotCategorical", {"probs": T([0.5, 0.5]), "logits": T([0.0, 0.0])}),
        ("Geometric", {"probs": T([0.0, 0.5])}),
        ("Geometric", {"probs": T([1.5])}),
        ("Poisson", {"rate": T([-1.0])}),
        ("Binomial", {"total_count": T([2.5]), "probs": T([0.5])}),
        ("Binomial", {"total_count": T([2.0]), "logits": T([float("nan")])}),
        ("Binomial", {"total_count": 3}),
        ("Multinomial", {"total_count": T(3), "probs": T([0.5, 0.5])}),
        ("NegativeBinomial", {"total_count": T([2.0]), "probs": T([1.0])}),
        ("NegativeBinomial", {"total_count": T([-2.0]), "probs": T([0.5])}),
    ]
    for name, kwargs in cases:
        with pytest.raises(Exception) as ref_err:
            oracle.dist(name)(**oracle.to_torch(kwargs))
        with pytest.raises(ref_err.type) as err:
            _CLASSES[name](**kwargs)
        assert str(err.value).replace("tocha", "torch") == str(ref_err.value), name
    # a value outside the support
    values: list[tuple[str, dict[str, Any], tocha.Tensor]] = [
        ("Categorical", {"probs": T([0.5, 0.5])}, T(2)),
        ("Poisson", {"rate": T([1.0])}, T([1.5])),
        ("Geometric", {"probs": T([0.5])}, T([-1.0])),
        ("Multinomial", {"total_count": 3, "probs": T([0.5, 0.5])}, T([3.0, 1.0])),
        ("OneHotCategorical", {"probs": T([0.5, 0.5])}, T([1.0, 1.0])),
        ("NegativeBinomial", {"total_count": T([2.0]), "probs": T([0.5])}, T([0.5])),
    ]
    for name, kwargs, value in values:
        ours, ref = _pair(oracle, name, kwargs)
        with pytest.raises(ValueError) as ref_err:
            ref.log_prob(oracle.to_torch(value))
        with pytest.raises(ValueError) as err:
            ours.log_prob(value)
        assert str(err.value).replace("tocha", "torch") == str(ref_err.value), name
    with pytest.raises(ValueError, match="within the support"):
        Binomial(2, T(0.5)).log_prob(T(3.0))
    with pytest.raises(ValueError, match=r"The right-most size of value must match event_shape"):
        OneHotCategorical(T([0.5, 0.5])).log_prob(T([1.0, 0.0, 0.0]))
    # validation off: the formulas are evaluated as they are
    assert Poisson(T([-1.0]), validate_args=False).rate.item() == -1.0
    Geometric(T([0.0]), validate_args=False)


def test_entropy_by_enumeration() -> None:
    # the families without enumerate_support: entropy against a truncated sum over the support
    g = Geometric(T([0.2, 0.9], dtype=tocha.float64))
    k = tocha.arange(400, dtype=tocha.float64).view(-1, 1)
    lp = g.log_prob(k)
    np.testing.assert_allclose(g.entropy().numpy(), -(lp.exp() * lp).sum(0).numpy(), rtol=1e-10)
    m = Multinomial(3, T([[0.2, 0.3, 0.5], [0.0, 0.5, 0.5]], dtype=tocha.float64))
    grid = [(a, b, 3 - a - b) for a in range(4) for b in range(4 - a)]
    v = T(grid, dtype=tocha.float64).view(-1, 1, 3)
    lp = m.log_prob(v)
    h = -(tocha.special.xlogy(lp.exp(), lp.exp())).sum(0)
    np.testing.assert_allclose(m.entropy().numpy(), h.numpy(), rtol=1e-10)
    with pytest.raises(NotImplementedError):
        Poisson(T([1.0])).entropy()


def test_repr_and_constraint_checks() -> None:
    assert repr(Categorical(T([[0.5, 0.5]]))) == "Categorical(probs: tocha.Size([1, 2]))"
    assert repr(Categorical(T([0.5, 0.5])).support) == "IntegerInterval(lower_bound=0, upper_bound=1)"
    assert repr(Multinomial(4, T([0.5, 0.5])).support) == "Multinomial()"
    assert Multinomial(4, T([0.5, 0.5])).support.upper_bound == 4
    assert repr(Geometric(T([0.5])).support) == "IntegerGreaterThan(lower_bound=0)"
    assert repr(OneHotCategorical(T([0.5, 0.5])).support) == "OneHot()"
    assert Binomial(T([3.0, 4.0]), T([0.5, 0.5])).support.check(T([4.0, 4.0])).tolist() == [False, True]
    assert Categorical(T([0.1, 0.9])).mode.item() == 1
    assert OneHotCategorical(T([[0.1, 0.9]])).mode.tolist() == [[0.0, 1.0]]
    assert np.isnan(Categorical(T([[0.1, 0.9]])).mean.numpy()).all()


# ---------------------------------------------------------------------------------------------- gradients


def _grads_match(oracle: SimpleNamespace, fn: Any, params: list[Any], rtol: float = 1e-8) -> None:
    """Gradients of ``fn(*params).sum()`` (a tocha function, also run on the torch copies) equal PyTorch's."""
    torch = oracle.torch
    ours = [p.detach().requires_grad_() for p in params]
    theirs = [oracle.to_torch(p).requires_grad_() for p in params]
    grads = tocha.autograd.grad(fn(tocha, *ours).sum(), ours)
    ref = torch.autograd.grad(fn(torch, *theirs).sum(), theirs)
    for g, r in zip(grads, ref):
        oracle.assert_close(g, r, rtol=rtol, atol=1e-10)


@pytest.mark.autograd
def test_gradients_match_pytorch(oracle: SimpleNamespace) -> None:
    import tocha.autograd

    f64 = tocha.float64

    def D(lib: Any, name: str) -> Any:
        return getattr(lib.distributions, name) if lib is not tocha else _CLASSES.get(name) or Bernoulli

    def kl(lib: Any, p: Any, q: Any) -> Any:
        return (lib.distributions.kl_divergence if lib is not tocha else kl_divergence)(p, q)

    def v(lib: Any, x: list[Any]) -> Any:
        return lib.tensor(x, dtype=lib.float64)

    logits = T([[0.3, -1.0, 2.0], [0.0, 0.5, -0.5]], dtype=f64)
    logits_q = T([1.0, 0.0, -1.0], dtype=f64)
    _grads_match(oracle, lambda lib, a: D(lib, "Categorical")(logits=a).log_prob(lib.tensor([2, 0])), [logits])
    _grads_match(oracle, lambda lib, a: D(lib, "Categorical")(probs=a.exp()).entropy(), [logits])
    _grads_match(
        oracle,
        lambda lib, a, b: kl(lib, D(lib, "Categorical")(logits=a), D(lib, "Categorical")(logits=b)),
        [logits, logits_q],
    )
    _grads_match(oracle, lambda lib, a: D(lib, "OneHotCategorical")(logits=a).log_prob(v(lib, [0, 1, 0])), [logits])
    probs, _n = T([0.2, 0.5, 0.9], dtype=f64), T([3.0, 5.0, 5.0], dtype=f64)
    _grads_match(
        oracle, lambda lib, p: D(lib, "Binomial")(v(lib, [3.0, 5.0, 5.0]), p).log_prob(v(lib, [1.0, 0.0, 5.0])), [probs]
    )
    _grads_match(
        oracle, lambda lib, p: D(lib, "Binomial")(5, logits=p).log_prob(v(lib, [1.0, 0.0, 5.0])), [probs - 0.5]
    )
    _grads_match(oracle, lambda lib, p: D(lib, "Binomial")(5, p).entropy(), [probs])
    _grads_match(
        oracle, lambda lib, a: D(lib, "Multinomial")(4, logits=a).log_prob(v(lib, [[1, 1, 2], [0, 0, 4]])), [logits]
    )
    _grads_match(oracle, lambda lib, a: D(lib, "Multinomial")(4, logits=a).entropy(), [logits])
    rate = T([0.5, 2.0, 7.0], dtype=f64)
    _grads_match(oracle, lambda lib, r: D(lib, "Poisson")(r).log_prob(v(lib, [0.0, 3.0, 5.0])), [rate])
    _grads_match(oracle, lambda lib, r: D(lib, "Geometric")(r / 8).log_prob(v(lib, [0.0, 3.0, 5.0])), [rate])
    _grads_match(oracle, lambda lib, r: D(lib, "Geometric")(logits=r).entropy(), [rate])
    _grads_match(
        oracle,
        lambda lib, c, p: D(lib, "NegativeBinomial")(c, p).log_prob(v(lib, [0.0, 3.0, 5.0])),
        [rate, probs],
    )

    _grads_match(oracle, lambda lib, a, b: kl(lib, D(lib, "Poisson")(a), D(lib, "Poisson")(b)), [rate, rate + 1])
    _grads_match(oracle, lambda lib, a, b: kl(lib, D(lib, "Geometric")(a), D(lib, "Geometric")(b)), [probs, probs / 2])
    _grads_match(
        oracle, lambda lib, a, b: kl(lib, D(lib, "Binomial")(5, a), D(lib, "Binomial")(5, b)), [probs, probs / 2]
    )
    _grads_match(
        oracle,
        lambda lib, a, b: kl(lib, getattr(lib.distributions, "Bernoulli")(a), D(lib, "Poisson")(b)),
        [probs, rate],
    )


@pytest.mark.autograd
def test_straight_through_gradient() -> None:
    logits = T([[0.3, -1.0, 2.0]], dtype=tocha.float64, requires_grad=True)
    tocha.manual_seed(3)
    d = OneHotCategoricalStraightThrough(logits=logits)
    x = d.rsample((4,))
    assert x.shape == (4, 1, 3)
    assert bool(x.detach().sum(-1).eq(1).all())
    w = T([1.0, 2.0, 5.0], dtype=tocha.float64)
    (x * w).sum().backward()
    # the gradient is that of 4 * sum(w * softmax(logits)): J_softmax^T w
    p = tocha.softmax(logits.detach(), -1)
    expected = 4 * p * (w - (p * w).sum(-1, keepdim=True))
    assert logits.grad is not None
    np.testing.assert_allclose(logits.grad.numpy(), expected.numpy(), rtol=1e-12)
    # the forward value is exactly one-hot (probs - probs.detach() is 0)
    assert set(np.unique(x.detach().numpy())) <= {0.0, 1.0}
    assert not OneHotCategorical(logits=logits).has_rsample
    assert d.has_rsample
