"""The base classes: Distribution's shapes and validation, constraints, utils, KL dispatch; Normal and Bernoulli."""

from __future__ import annotations

import math
import warnings
from types import SimpleNamespace
from typing import ClassVar

import numpy as np
import pytest

import tocha
from tocha.distributions import Bernoulli, Distribution, Normal, constraints, kl_divergence, register_kl
from tocha.distributions.utils import (
    broadcast_all,
    clamp_probs,
    lazy_property,
    logits_to_probs,
    probs_to_logits,
    tril_matrix_to_vec,
    vec_to_tril_matrix,
)

EXAMPLES = [
    ("Normal", [{"loc": tocha.tensor([0.0, 1.0]), "scale": tocha.tensor([1.0, 2.0])}, {"loc": 0.5, "scale": 2.0}]),
    ("Bernoulli", [{"probs": tocha.tensor([0.2, 0.5])}, {"logits": tocha.tensor([[-1.0], [3.0]])}]),
    ("Independent", [{"base_distribution": Normal(tocha.zeros(2, 3), 1.0), "reinterpreted_batch_ndims": 1}]),
]


def test_normal_shapes_and_moments() -> None:
    d = Normal(tocha.zeros(2, 3), tocha.ones(3))
    assert d.batch_shape == (2, 3)
    assert d.event_shape == ()
    assert d.sample().shape == (2, 3)
    assert d.sample((4, 5)).shape == (4, 5, 2, 3)
    assert d.log_prob(tocha.zeros(7, 1, 1)).shape == (7, 2, 3)
    scalar = Normal(0.0, 1.0)
    assert scalar.batch_shape == ()
    assert scalar.loc.dtype == tocha.float32
    tocha.manual_seed(0)
    x = Normal(tocha.tensor([1.0, -2.0]), tocha.tensor([0.5, 3.0])).sample((200_000,)).numpy()
    np.testing.assert_allclose(x.mean(0), [1.0, -2.0], atol=0.03)
    np.testing.assert_allclose(x.std(0), [0.5, 3.0], rtol=0.01)


def test_normal_against_closed_forms() -> None:
    loc, scale = tocha.tensor([0.5, -1.0], dtype=tocha.float64), tocha.tensor([2.0, 0.25], dtype=tocha.float64)
    d = Normal(loc, scale)
    x = tocha.tensor([1.5, 0.0], dtype=tocha.float64)
    lp = -((x - loc) ** 2) / (2 * scale**2) - tocha.log(scale) - 0.5 * math.log(2 * math.pi)
    np.testing.assert_allclose(d.log_prob(x).numpy(), lp.numpy(), rtol=1e-14)
    np.testing.assert_allclose(d.icdf(d.cdf(x)).numpy(), x.numpy(), rtol=1e-12)
    np.testing.assert_allclose(d.entropy().numpy(), 0.5 * np.log(2 * np.pi * np.e * scale.numpy() ** 2), rtol=1e-14)
    # ExponentialFamily's generic entropy (from the log-normaliser) agrees with the closed form
    np.testing.assert_allclose(super(Normal, d).entropy().detach().numpy(), d.entropy().numpy(), rtol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_normal_and_bernoulli_match_pytorch(oracle: SimpleNamespace, dtype: str) -> None:
    torch = oracle.torch
    loc = tocha.tensor([0.5, -1.0, 3.0], dtype=getattr(tocha, dtype))
    scale = tocha.tensor([2.0, 0.25, 1.0], dtype=getattr(tocha, dtype))
    x = tocha.tensor([[1.5, 0.0, 3.0], [-4.0, 2.0, 0.1]], dtype=getattr(tocha, dtype))
    ours, ref = Normal(loc, scale), oracle.dist("Normal")(*oracle.to_torch((loc, scale)))
    tx = oracle.to_torch(x)
    for method in ("log_prob", "cdf"):
        oracle.assert_close(getattr(ours, method)(x), getattr(ref, method)(tx), rtol=1e-5)
    u = tocha.tensor([0.1, 0.5, 0.99], dtype=getattr(tocha, dtype))
    oracle.assert_close(ours.icdf(u), ref.icdf(oracle.to_torch(u)), rtol=1e-5)
    for attr in ("mean", "mode", "variance", "stddev"):
        oracle.assert_close(getattr(ours, attr), getattr(ref, attr))
    oracle.assert_close(ours.entropy(), ref.entropy(), rtol=1e-6)

    logits = tocha.tensor([-30.0, -1.0, 0.0, 2.0, 40.0], dtype=getattr(tocha, dtype))
    value = tocha.tensor([0.0, 1.0, 1.0, 0.0, 1.0], dtype=getattr(tocha, dtype))
    ours_b, ref_b = Bernoulli(logits=logits), oracle.dist("Bernoulli")(logits=oracle.to_torch(logits))
    oracle.assert_close(ours_b.log_prob(value), ref_b.log_prob(oracle.to_torch(value)), rtol=1e-5)
    oracle.assert_close(ours_b.entropy(), ref_b.entropy(), rtol=1e-5, atol=1e-6)
    oracle.assert_close(ours_b.probs, ref_b.probs)
    probs = tocha.tensor([0.0, 0.2, 0.5, 1.0], dtype=getattr(tocha, dtype))
    ours_p, ref_p = Bernoulli(probs=probs), oracle.dist("Bernoulli")(probs=oracle.to_torch(probs))
    oracle.assert_close(ours_p.logits, ref_p.logits)
    oracle.assert_close(ours_p.mode, ref_p.mode)
    oracle.assert_close(ours_p.enumerate_support(), ref_p.enumerate_support())
    oracle.assert_close(ours_p.enumerate_support(expand=False), ref_p.enumerate_support(expand=False))
    oracle.assert_close(
        kl_divergence(ours, Normal(1.0, 3.0)),
        torch.distributions.kl_divergence(ref, oracle.dist("Normal")(1.0, 3.0)),
        rtol=1e-5,
    )


@pytest.mark.autograd
def test_normal_rsample_passes_gradients() -> None:
    loc = tocha.tensor([1.0, 2.0], requires_grad=True)
    scale = tocha.tensor([0.5, 3.0], requires_grad=True)
    tocha.manual_seed(1)
    x = Normal(loc, scale).rsample((5,))
    x.sum().backward()
    assert loc.grad is not None
    assert scale.grad is not None
    np.testing.assert_allclose(loc.grad.numpy(), [5.0, 5.0])
    eps = (x.detach() - loc.detach()) / scale.detach()
    np.testing.assert_allclose(scale.grad.numpy(), eps.sum(0).numpy(), rtol=1e-5)
    sampled = Normal(loc, scale).sample((3,))
    assert not sampled.requires_grad


def test_validation_errors_match_pytorch_messages() -> None:
    with pytest.raises(
        ValueError,
        match=r"Expected parameter scale \(Tensor of shape \(1,\)\) of distribution "
        r"Normal\(loc: tensor\(\[0\.\]\), scale: tensor\(\[-1\.\]\)\) to satisfy the constraint "
        r"GreaterThan\(lower_bound=0\.0\), but found invalid values:\ntensor\(\[-1\.\]\)",
    ):
        Normal(tocha.tensor([0.0]), tocha.tensor([-1.0]))
    d = Normal(tocha.zeros(2), 1.0)
    with pytest.raises(
        ValueError,
        match=r"Value is not broadcastable with batch_shape\+event_shape: "
        r"tocha.Size\(\[3\]\) vs tocha.Size\(\[2\]\)\.",
    ):
        d.log_prob(tocha.zeros(3))
    with pytest.raises(ValueError, match="The value argument to log_prob must be a Tensor"):
        d.log_prob([0.0])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"to be within the support \(Boolean\(\)\) of the distribution Bernoulli"):
        Bernoulli(probs=tocha.tensor(0.5)).log_prob(tocha.tensor(0.3))
    with pytest.raises(ValueError, match=r"Either `probs` or `logits` must be specified, but not both\."):
        Bernoulli(probs=0.5, logits=0.1)
    with pytest.raises(ValueError, match="Either `probs` or `logits` must be specified"):
        Bernoulli()
    # validation off: no error, and log_prob computes the formula
    assert Normal(tocha.tensor([0.0]), tocha.tensor([-1.0]), validate_args=False).scale.item() == -1.0
    Distribution.set_default_validate_args(False)
    try:
        Normal(tocha.tensor([0.0]), tocha.tensor([-1.0]))
    finally:
        Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        Distribution.set_default_validate_args(2)  # type: ignore[arg-type]


def test_base_class_interface() -> None:
    with pytest.warns(UserWarning, match="does not define `arg_constraints`"):
        base = Distribution()
    with pytest.raises(NotImplementedError, match="does not implement mode"):
        _ = base.mode
    for name in ("mean", "variance", "support", "arg_constraints"):
        with pytest.raises(NotImplementedError):
            getattr(base, name)
    for call in (base.rsample, base.entropy, base.enumerate_support, lambda: base.log_prob(tocha.zeros(1))):
        with pytest.raises(NotImplementedError):
            call()
    with pytest.warns(FutureWarning, match="sample_n"):
        assert Normal(0.0, 1.0).sample_n(4).shape == (4,)
    assert Distribution(validate_args=False)._extended_shape((2,)) == (2,)

    class Custom(Normal):
        def __init__(self) -> None:
            super().__init__(0.0, 1.0)

    with pytest.raises(NotImplementedError, match="that defines a custom __init__ method must also define"):
        Custom().expand((3,))


def test_expand_makes_views_and_keeps_validation() -> None:
    d = Normal(tocha.tensor([0.0, 1.0]), tocha.tensor([1.0, 2.0]), validate_args=False)
    e = d.expand((3, 2))
    assert e.batch_shape == (3, 2)
    assert e.loc.shape == (3, 2)
    assert not e._validate_args
    np.testing.assert_allclose(e.log_prob(tocha.zeros(3, 2)).numpy()[2], d.log_prob(tocha.zeros(2)).numpy())
    b = Bernoulli(logits=tocha.tensor([0.0, 1.0])).expand((4, 2))
    assert b.batch_shape == (4, 2)
    assert "probs" not in b.__dict__
    assert b.probs.shape == (4, 2)
    assert repr(Normal(tocha.zeros(2), 1.0)) == "Normal(loc: tocha.Size([2]), scale: tocha.Size([2]))"


def test_constraints_check_and_repr(oracle: SimpleNamespace) -> None:
    tc = oracle.torch.distributions.constraints
    values = tocha.tensor([[-1.0, 0.0, 0.5, 1.0, 2.0, float("nan")]])
    pairs = [
        (constraints.real, tc.real), (constraints.positive, tc.positive), (constraints.nonnegative, tc.nonnegative),
        (constraints.unit_interval, tc.unit_interval), (constraints.boolean, tc.boolean),
        (constraints.nonnegative_integer, tc.nonnegative_integer), (constraints.positive_integer, tc.positive_integer),
        (constraints.greater_than(0.5), tc.greater_than(0.5)), (constraints.greater_than_eq(0.5), tc.greater_than_eq(0.5)),
        (constraints.less_than(0.5), tc.less_than(0.5)), (constraints.interval(-1, 1), tc.interval(-1, 1)),
        (constraints.half_open_interval(-1, 1), tc.half_open_interval(-1, 1)),
        (constraints.integer_interval(0, 1), tc.integer_interval(0, 1)), (constraints.real_vector, tc.real_vector),
        (constraints.simplex, tc.simplex), (constraints.one_hot, tc.one_hot), (constraints.multinomial(3), tc.multinomial(3)),
        (constraints.independent(constraints.positive, 1), tc.independent(tc.positive, 1)),
    ]  # fmt: skip
    for ours, ref in pairs:
        assert repr(ours) == repr(ref)
        assert ours.event_dim == ref.event_dim, repr(ours)
        assert ours.is_discrete == ref.is_discrete, repr(ours)
        oracle.assert_close(ours.check(values), ref.check(oracle.to_torch(values)))
    matrices = tocha.tensor([[[1.0, 0.0], [0.5, 2.0]], [[1.0, 0.2], [0.2, 1.0]], [[-1.0, 0.0], [0.0, 1.0]],
                             [[0.6, 0.0], [0.6, 0.8]]])  # fmt: skip
    for name in ("lower_triangular", "lower_cholesky", "corr_cholesky", "square", "symmetric",
                 "positive_definite", "positive_semidefinite"):  # fmt: skip
        ours, ref = getattr(constraints, name), getattr(tc, name)
        assert repr(ours) == repr(ref)
        assert ours.event_dim == ref.event_dim
        oracle.assert_close(ours.check(matrices), ref.check(oracle.to_torch(matrices)))
    cat, ref_cat = (
        constraints.cat([constraints.positive, constraints.real], 0, [1, 2]),
        tc.cat([tc.positive, tc.real], 0, [1, 2]),
    )
    stack, ref_stack = (
        constraints.stack([constraints.positive, constraints.real], 1),
        tc.stack([tc.positive, tc.real], 1),
    )
    v = tocha.tensor([[-1.0, 2.0], [1.0, -3.0], [0.0, 1.0]])
    oracle.assert_close(cat.check(v), ref_cat.check(oracle.to_torch(v)))
    oracle.assert_close(stack.check(v), ref_stack.check(oracle.to_torch(v)))
    assert stack.event_dim == ref_stack.event_dim
    assert cat.event_dim == ref_cat.event_dim


def test_dependent_constraints() -> None:
    assert constraints.is_dependent(constraints.dependent)
    assert not constraints.is_dependent(constraints.real)
    with pytest.raises(ValueError, match="Cannot determine validity of dependent constraint"):
        constraints.dependent.check(tocha.zeros(1))
    with pytest.raises(NotImplementedError):
        _ = constraints.dependent.event_dim
    assert constraints.dependent(is_discrete=True, event_dim=1).event_dim == 1

    class Shifted(Distribution):
        arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {}

        def __init__(self, low: float) -> None:
            self.low = low
            super().__init__()

        @constraints.dependent_property(is_discrete=False, event_dim=0)
        def support(self) -> constraints.Constraint:
            return constraints.greater_than(self.low)

    assert repr(Shifted(2.0).support) == "GreaterThan(lower_bound=2.0)"
    assert Shifted.support.event_dim == 0
    assert constraints.is_dependent(Shifted.support)


def test_utils() -> None:
    a, b = broadcast_all(tocha.zeros(2, 1, dtype=tocha.float64), 3)
    assert a.shape == b.shape == (2, 1)
    assert b.dtype == tocha.float64
    (c,) = broadcast_all(1.5)
    assert c.dtype == tocha.get_default_dtype()
    assert c.shape == ()
    with pytest.raises(ValueError, match=r"Input arguments must all be instances of numbers\.Number or tocha\.Tensor"):
        broadcast_all("x")  # type: ignore[arg-type]
    p = tocha.tensor([0.0, 0.3, 1.0], dtype=tocha.float64)
    eps = np.finfo(np.float64).eps
    np.testing.assert_allclose(clamp_probs(p).numpy(), [eps, 0.3, 1 - eps])
    np.testing.assert_allclose(logits_to_probs(probs_to_logits(p[1:2], True), True).numpy(), [0.3], rtol=1e-14)
    np.testing.assert_allclose(logits_to_probs(tocha.tensor([0.0, math.log(3.0)])).numpy(), [0.25, 0.75], rtol=1e-6)
    m = tocha.arange(16.0).reshape(4, 4)
    for diag in (-2, -1, 0, 1):
        vec = tril_matrix_to_vec(m, diag)
        np.testing.assert_array_equal(vec.numpy(), m.numpy()[np.tril_indices(4, diag)])
        np.testing.assert_array_equal(vec_to_tril_matrix(vec, diag).numpy(), np.tril(m.numpy(), diag))
    with pytest.raises(RuntimeError, match="cannot be expressed as the lower triangular part"):
        vec_to_tril_matrix(tocha.zeros(4))
    with pytest.raises(ValueError, match=r"diag \(3\) provided is outside \[-3, 2\]"):
        tril_matrix_to_vec(tocha.zeros(3, 3), 3)

    class Box:
        calls = 0

        @lazy_property
        def value(self) -> tocha.Tensor:
            Box.calls += 1
            return tocha.ones(1)

    box = Box()
    assert box.value is box.value
    assert Box.calls == 1
    assert "value" in box.__dict__
    assert isinstance(Box.__dict__["value"], lazy_property)
    assert isinstance(Box.value, property)


def test_kl_dispatch_picks_the_most_specific_pair() -> None:
    class A(Normal):
        pass

    class D(Distribution):
        pass

    class B(A):
        pass

    @register_kl(A, Normal)
    def _kl_a_normal(p: Normal, q: Normal) -> tocha.Tensor:
        return tocha.tensor(1.0)

    @register_kl(B, Normal)
    def _kl_b_normal(p: Normal, q: Normal) -> tocha.Tensor:
        return tocha.tensor(2.0)

    assert kl_divergence(B(0.0, 1.0), Normal(0.0, 1.0)).item() == 2.0
    assert kl_divergence(A(0.0, 1.0), B(0.0, 1.0)).item() == 1.0

    @register_kl(Normal, B)
    def _kl_normal_b(p: Normal, q: Normal) -> tocha.Tensor:
        return tocha.tensor(3.0)

    with pytest.warns(RuntimeWarning, match=r"Ambiguous kl_divergence\(B, B\). Please register_kl\(B, B\)"):
        assert kl_divergence(B(0.0, 1.0), B(0.0, 1.0)).item() == 2.0
    with pytest.raises(
        NotImplementedError, match="No KL\\(p \\|\\| q\\) is implemented for p type Normal and q type D"
    ):
        kl_divergence(Normal(0.0, 1.0), D(validate_args=False))
    with pytest.raises(NotImplementedError, match="between different exponential families cannot be computed"):
        kl_divergence(Bernoulli(0.5), Normal(0.0, 1.0))
    with pytest.raises(TypeError, match="expected type_p to be a Distribution subclass"):
        register_kl(int, Normal)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kl_divergence(Normal(0.0, 1.0), Normal(1.0, 2.0))
