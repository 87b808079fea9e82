"""Transforms, biject_to / transform_to, TransformedDistribution and Independent."""

from __future__ import annotations

import gc
import math
import pickle
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import tocha
from tocha.distributions import (
    Independent,
    Normal,
    TransformedDistribution,
    biject_to,
    constraints,
    kl_divergence,
    transform_to,
)
from tocha.distributions import transforms as T
from tocha.distributions.constraint_registry import ConstraintRegistry
from tocha.distributions.utils import tril_matrix_to_vec

F64 = tocha.float64


def t64(values: Any) -> tocha.Tensor:
    return tocha.tensor(values, dtype=F64)


def _rand(*shape: int, seed: int = 0, low: float = -1.5, high: float = 1.5) -> tocha.Tensor:
    rng = np.random.default_rng(seed)
    return tocha.tensor(rng.uniform(low, high, size=shape), dtype=F64)


# (name, tocha transform factory, torch transform factory, input maker): the bijections checked against PyTorch
def _cases() -> list[tuple[str, Callable[[Any], Any], Callable[[], tocha.Tensor]]]:
    scale = t64([2.0, -0.5, 1.5])
    return [
        ("exp", lambda m: m.ExpTransform(), lambda: _rand(4, 3)),
        ("power", lambda m: m.PowerTransform(_as(m, t64([0.5, 2.0, -1.5]))), lambda: _rand(4, 3, low=0.2, high=3.0)),
        ("power_scalar", lambda m: m.PowerTransform(3.0), lambda: _rand(5, low=0.2, high=3.0)),
        ("sigmoid", lambda m: m.SigmoidTransform(), lambda: _rand(4, 3, low=-5, high=5)),
        ("softplus", lambda m: m.SoftplusTransform(), lambda: _rand(4, 3, low=-5, high=5)),
        ("tanh", lambda m: m.TanhTransform(), lambda: _rand(4, 3, low=-2, high=2)),
        ("affine", lambda m: m.AffineTransform(_as(m, t64(1.0)), _as(m, scale)), lambda: _rand(4, 3)),
        ("affine_number", lambda m: m.AffineTransform(1.0, -2.0), lambda: _rand(4, 3)),
        ("affine_event", lambda m: m.AffineTransform(0.5, _as(m, scale), event_dim=1), lambda: _rand(4, 3)),
        ("stick", lambda m: m.StickBreakingTransform(), lambda: _rand(4, 3)),
        ("corr", lambda m: m.CorrCholeskyTransform(), lambda: _rand(2, 6)),
        ("independent", lambda m: m.IndependentTransform(m.ExpTransform(), 1), lambda: _rand(4, 3)),
        ("reshape", lambda m: m.ReshapeTransform((2, 3), (6,)), lambda: _rand(4, 2, 3)),
        (
            "compose",
            lambda m: m.ComposeTransform([m.AffineTransform(0.5, 2.0), m.StickBreakingTransform(), m.ExpTransform()]),
            lambda: _rand(4, 3),
        ),
        (
            "cat",
            lambda m: m.CatTransform([m.ExpTransform(), m.AffineTransform(1.0, 3.0)], dim=1, lengths=[1, 2]),
            lambda: _rand(4, 3),
        ),
        (
            "stack",
            lambda m: m.StackTransform([m.ExpTransform(), m.SigmoidTransform(), m.TanhTransform()], dim=1),
            lambda: _rand(4, 3),
        ),
    ]


def _as(module: Any, value: tocha.Tensor) -> Any:
    """``value`` as a tensor of the library ``module`` belongs to."""
    if module is T:
        return value
    import torch

    return torch.from_numpy(value.numpy().copy())


CASES = _cases()


@pytest.mark.parametrize(("name", "make", "make_x"), CASES, ids=[c[0] for c in CASES])
def test_transform_matches_pytorch(oracle: SimpleNamespace, name: str, make: Any, make_x: Any) -> None:
    ours, ref = make(T), make(oracle.torch.distributions.transforms)
    x = make_x()
    tx = oracle.to_torch(x)
    y, ty = ours(x), ref(tx)
    oracle.assert_close(y, ty, rtol=1e-10, atol=1e-12)
    oracle.assert_close(ours.inv(y), ref.inv(ty), rtol=1e-8, atol=1e-10)
    oracle.assert_close(ours.inv(y), x, rtol=1e-6, atol=1e-8)  # power_scalar: a float32 exponent
    oracle.assert_close(ours.log_abs_det_jacobian(x, y), ref.log_abs_det_jacobian(tx, ty), rtol=1e-10, atol=1e-12)
    oracle.assert_close(ours.inv.log_abs_det_jacobian(y, x), ref.inv.log_abs_det_jacobian(ty, tx), rtol=1e-10)
    assert repr(ours.domain) == repr(ref.domain)
    assert repr(ours.codomain) == repr(ref.codomain)
    assert ours.domain.event_dim == ref.domain.event_dim
    assert ours.codomain.event_dim == ref.codomain.event_dim
    assert ours.bijective == ref.bijective
    assert tuple(ours.forward_shape(x.shape)) == tuple(ref.forward_shape(tx.shape))
    assert tuple(ours.inverse_shape(y.shape)) == tuple(ref.inverse_shape(ty.shape))
    assert bool(ours.codomain.check(y).all())
    try:
        sign = ref.sign
    except NotImplementedError:
        with pytest.raises(NotImplementedError):
            _ = ours.sign
    else:
        oracle.assert_close(
            tocha.as_tensor(ours.sign, dtype=F64), oracle.torch.as_tensor(sign, dtype=oracle.torch.float64)
        )
    assert repr(ours).replace("tocha", "torch") == repr(ref)


def _elementwise_jacobian_logdet(transform: T.Transform, x: tocha.Tensor) -> np.ndarray:
    """``log |det J|`` of ``transform`` at each row of ``x`` (a batch of vectors), by autograd."""
    from tocha.autograd.functional import jacobian

    out = []
    for row in x.unbind(0):
        jac = jacobian(lambda v: transform(v).reshape(-1), row).numpy()
        if jac.shape[0] != jac.shape[1]:  # stick breaking adds one coordinate: drop the last (it is 1 - sum)
            jac = jac[:-1]
        out.append(np.linalg.slogdet(jac)[1])
    return np.array(out)


@pytest.mark.autograd
@pytest.mark.parametrize(
    ("transform", "x"),
    [
        (T.ExpTransform(), _rand(3, 4)),
        (T.SigmoidTransform(), _rand(3, 4, low=-4, high=4)),
        (T.SoftplusTransform(), _rand(3, 4, low=-4, high=4)),
        (T.TanhTransform(), _rand(3, 4)),
        (T.PowerTransform(t64([0.5, 2.0, 3.0, -1.0])), _rand(3, 4, low=0.3, high=2.0)),
        (T.AffineTransform(t64([1.0, 2.0, 3.0, 4.0]), t64([0.5, -2.0, 3.0, 1.0])), _rand(3, 4)),
        (T.StickBreakingTransform(), _rand(3, 4)),
        (T.ComposeTransform([T.AffineTransform(0.0, 3.0), T.SigmoidTransform()]), _rand(3, 4)),
    ],
    ids=["exp", "sigmoid", "softplus", "tanh", "power", "affine", "stick", "compose"],
)
def test_log_abs_det_jacobian_against_autograd(transform: T.Transform, x: tocha.Tensor) -> None:
    y = transform(x)
    lad = transform.log_abs_det_jacobian(x, y)
    if transform.domain.event_dim == 0:
        lad = lad.sum(-1)
    np.testing.assert_allclose(lad.numpy(), _elementwise_jacobian_logdet(transform, x), rtol=1e-9, atol=1e-10)


@pytest.mark.autograd
def test_corr_cholesky_log_abs_det_jacobian_against_autograd() -> None:
    from tocha.autograd.functional import jacobian

    t = T.CorrCholeskyTransform()
    x = _rand(6, seed=3)
    y = t(x)
    # the map onto the free coordinates: the strictly lower triangle of the factor
    jac = jacobian(lambda v: tril_matrix_to_vec(t(v), diag=-1), x).numpy()
    np.testing.assert_allclose(t.log_abs_det_jacobian(x, y).item(), np.linalg.slogdet(jac)[1], rtol=1e-10)
    assert bool(constraints.corr_cholesky.check(y))


def test_cache_weak_inverse_and_equality() -> None:
    t = T.ExpTransform(cache_size=1)
    x = t64([0.5, 1.0])
    y = t(x)
    assert t(x) is y
    assert t.inv(y) is x
    assert T.ExpTransform()(x) is not T.ExpTransform()(x)
    other = tocha.log(y.clone())
    assert t.inv(y.clone()) is not x
    assert bool(tocha.allclose(t.inv(y.clone()), other))
    # a non-injective transform inverts its own samples through the cache
    a = T.AbsTransform(cache_size=1)
    neg = t64([-2.0])
    assert a.inv(a(neg)) is neg
    with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
        T.ExpTransform(cache_size=2)
    with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
        T.ExpTransform().with_cache(2)
    e = T.ExpTransform()
    assert e.with_cache(0) is e
    assert e.with_cache(1)._cache_size == 1
    aff = T.AffineTransform(1.0, 2.0).with_cache(1)
    assert isinstance(aff, T.AffineTransform)
    assert aff._cache_size == 1
    assert aff.scale == 2.0
    assert T.ComposeTransform([T.ExpTransform()]).with_cache(1).parts[0]._cache_size == 1

    class Custom(T.Transform):
        def __init__(self, k: int) -> None:
            super().__init__()

    with pytest.raises(NotImplementedError, match="with_cache is not implemented"):
        Custom(1).with_cache(1)
    # .inv is made once, held weakly; .inv.inv is the transform
    inv = e.inv
    assert e.inv is inv
    assert inv.inv is e
    del inv
    gc.collect()
    assert e.inv.inv is e
    c = T.ComposeTransform([T.ExpTransform(), T.AffineTransform(1.0, 2.0)])
    assert c.inv.inv is c
    assert (
        repr(c.inv)
        == "ComposeTransform(\n    _InverseTransform(AffineTransform()),\n    _InverseTransform(ExpTransform())\n)"
    )
    # equality: by type for parameter-free transforms, by value for parameterised ones
    assert T.ExpTransform() == T.ExpTransform()
    assert T.ExpTransform().inv == T.ExpTransform().inv
    assert T.ExpTransform() != T.SigmoidTransform()
    assert T.ExpTransform() != T.ExpTransform().inv
    assert T.AffineTransform(1.0, 2.0) == T.AffineTransform(1.0, 2.0) != T.AffineTransform(1.0, 3.0)
    assert T.AffineTransform(t64([1.0]), t64([2.0])) == T.AffineTransform(t64([1.0]), t64([2.0]))
    assert T.PowerTransform(2.0) == T.PowerTransform(2.0) != T.PowerTransform(3.0)
    assert T.ComposeTransform([T.ExpTransform()]) == T.ComposeTransform([T.ExpTransform()])
    assert T.Transform() != T.Transform()
    restored = pickle.loads(pickle.dumps(T.ComposeTransform([T.ExpTransform()])))
    assert restored.inv.inv is restored


def test_event_dims_and_errors(oracle: SimpleNamespace) -> None:
    tt = oracle.torch.distributions.transforms
    pairs = [
        (T.ComposeTransform([T.ExpTransform(), T.StickBreakingTransform()]),
         tt.ComposeTransform([tt.ExpTransform(), tt.StickBreakingTransform()])),
        (T.ComposeTransform([T.StickBreakingTransform(), T.ExpTransform()]),
         tt.ComposeTransform([tt.StickBreakingTransform(), tt.ExpTransform()])),
        (T.ComposeTransform([T.ReshapeTransform((6,), (2, 3)), T.ExpTransform()]),
         tt.ComposeTransform([tt.ReshapeTransform((6,), (2, 3)), tt.ExpTransform()])),
        (T.identity_transform, tt.identity_transform),
        (T.CorrCholeskyTransform().inv, tt.CorrCholeskyTransform().inv),
        (T.LowerCholeskyTransform(), tt.LowerCholeskyTransform()),
        (T.PositiveDefiniteTransform(), tt.PositiveDefiniteTransform()),
        (T.SoftmaxTransform(), tt.SoftmaxTransform()),
        (T.AbsTransform(), tt.AbsTransform()),
        (T.IndependentTransform(T.SigmoidTransform(), 2), tt.IndependentTransform(tt.SigmoidTransform(), 2)),
        (T.CatTransform([T.ExpTransform(), T.StickBreakingTransform()], -1, [1, 2]),
         tt.CatTransform([tt.ExpTransform(), tt.StickBreakingTransform()], -1, [1, 2])),
    ]  # fmt: skip
    for ours, ref in pairs:
        assert repr(ours.domain) == repr(ref.domain), repr(ours)
        assert repr(ours.codomain) == repr(ref.codomain), repr(ours)
        assert ours.bijective == ref.bijective
    assert T.CatTransform([T.ExpTransform(), T.StickBreakingTransform()], -1, [1, 2]).event_dim == 1
    with pytest.raises(ValueError, match=r"Please use either \.domain\.event_dim or \.codomain\.event_dim"):
        _ = T.ReshapeTransform((6,), (2, 3)).event_dim
    with pytest.raises(ValueError, match="in_shape, out_shape have different numbers of elements"):
        T.ReshapeTransform((2, 3), (5,))
    with pytest.raises(ValueError, match="Too few dimensions on input"):
        T.StickBreakingTransform().forward_shape(())
    with pytest.raises(ValueError, match=r"Shape mismatch: expected \(4,\) but got \(6,\)"):
        T.ReshapeTransform((6,), (2, 3)).forward_shape((3, 4))
    with pytest.raises(ValueError, match="Input is not a flattened lower-diagonal number"):
        T.CorrCholeskyTransform().forward_shape((4,))
    with pytest.raises(ValueError, match="Input is not square"):
        T.CorrCholeskyTransform().inverse_shape((2, 3))
    with pytest.raises(NotImplementedError):
        T.Transform()(t64([1.0]))
    with pytest.raises(AssertionError):
        T.StackTransform([T.ExpTransform()], dim=0)(t64([1.0, 2.0]))
    with pytest.raises(AssertionError):
        T.CatTransform([T.ExpTransform()], dim=0, lengths=[2])(t64([1.0]))
    assert T.ComposeTransform([]).log_abs_det_jacobian(t64([1.0, 2.0]), t64([1.0, 2.0])).shape == (2,)
    assert int(T.ComposeTransform([T.AffineTransform(0.0, -1.0), T.ExpTransform()]).sign) == -1


def test_non_bijective_and_matrix_transforms(oracle: SimpleNamespace) -> None:
    tt = oracle.torch.distributions.transforms
    x = _rand(2, 3, 3, seed=4)
    for ours, ref in ((T.LowerCholeskyTransform(), tt.LowerCholeskyTransform()),
                      (T.PositiveDefiniteTransform(), tt.PositiveDefiniteTransform())):  # fmt: skip
        y = ours(x)
        oracle.assert_close(y, ref(oracle.to_torch(x)), rtol=1e-12)
        oracle.assert_close(ours.inv(y), ref.inv(oracle.to_torch(y)), rtol=1e-8, atol=1e-10)
        assert bool(ours.codomain.check(y).all())
    s = T.SoftmaxTransform()
    y = s(x)
    oracle.assert_close(y, tt.SoftmaxTransform()(oracle.to_torch(x)), rtol=1e-12)
    oracle.assert_close(s.inv(y), tt.SoftmaxTransform().inv(oracle.to_torch(y)), rtol=1e-12)
    oracle.assert_close(T.AbsTransform()(x), tt.AbsTransform()(oracle.to_torch(x)))
    # CumulativeDistributionTransform: cdf forward, icdf back, log_prob as the log-Jacobian
    normal = Normal(t64([0.5]), t64([2.0]))
    ref = tt.CumulativeDistributionTransform(
        oracle.torch.distributions.Normal(*oracle.to_torch((normal.loc, normal.scale)))
    )
    cdt = T.CumulativeDistributionTransform(normal)
    v = t64([[-1.0], [0.3], [4.0]])
    y = cdt(v)
    oracle.assert_close(y, ref(oracle.to_torch(v)), rtol=1e-12)
    oracle.assert_close(cdt.inv(y), v, rtol=1e-10)
    oracle.assert_close(
        cdt.log_abs_det_jacobian(v, y), ref.log_abs_det_jacobian(oracle.to_torch(v), ref(oracle.to_torch(v)))
    )
    assert repr(cdt.domain) == "Real()"
    assert repr(cdt.codomain) == repr(ref.codomain)
    assert cdt.sign == 1
    assert cdt.with_cache(1)._cache_size == 1


_REGISTRY_CONSTRAINTS = [
    "real", "positive", "nonnegative", ("greater_than", 1.5), ("greater_than_eq", -2.0), ("less_than", 3.0),
    "unit_interval", ("interval", -1.0, 2.0), ("half_open_interval", 0.0, 1.0), "simplex", "corr_cholesky",
    "real_vector", "lower_cholesky", "positive_definite", "positive_semidefinite",
]  # fmt: skip


def _constraint(module: Any, spec: Any) -> Any:
    if isinstance(spec, str):
        return getattr(module, spec)
    return getattr(module, spec[0])(*spec[1:])


@pytest.mark.parametrize("spec", _REGISTRY_CONSTRAINTS, ids=str)
def test_biject_to_and_transform_to_match_pytorch(oracle: SimpleNamespace, spec: Any) -> None:
    torch = oracle.torch
    ours_c, ref_c = _constraint(constraints, spec), _constraint(torch.distributions.constraints, spec)
    for ours_reg, ref_reg in ((biject_to, torch.distributions.biject_to),
                              (transform_to, torch.distributions.transform_to)):  # fmt: skip
        try:
            ref_t = ref_reg(ref_c)
        except NotImplementedError as exc:
            with pytest.raises(NotImplementedError, match=str(exc)):
                ours_reg(ours_c)
            continue
        ours_t = ours_reg(ours_c)
        assert repr(ours_t) == repr(ref_t)
        shape = ours_t.inverse_shape((2, 3, 3)) if ours_t.codomain.event_dim == 2 else (2, 3)
        x = _rand(*shape, seed=5)
        y = ours_t(x)
        oracle.assert_close(y, ref_t(oracle.to_torch(x)), rtol=1e-10, atol=1e-12)
        assert bool(ours_c.check(y).all())
        if ours_reg is biject_to:
            oracle.assert_close(ours_t.inv(y), x, rtol=1e-7, atol=1e-9)
            oracle.assert_close(
                ours_t.log_abs_det_jacobian(x, y),
                ref_t.log_abs_det_jacobian(oracle.to_torch(x), oracle.to_torch(y)),
                rtol=1e-10,
            )


def test_registry_composite_constraints_and_errors(oracle: SimpleNamespace) -> None:
    c = constraints.cat([constraints.positive, constraints.interval(0.0, 2.0)], dim=0, lengths=[2, 1])
    t = biject_to(c)
    x = t64([-1.0, 3.0, 0.2])
    y = t(x)
    assert isinstance(t, T.CatTransform)
    assert bool(c.check(y).all())
    np.testing.assert_allclose(t.inv(y).numpy(), x.numpy())
    s = constraints.stack([constraints.positive, constraints.real], dim=-1)
    y = transform_to(s)(t64([[-1.0, -1.0]]))
    np.testing.assert_allclose(y.numpy(), [[math.exp(-1) + 0.0, -1.0]])
    ind = constraints.independent(constraints.positive, 1)
    assert repr(biject_to(ind)) == repr(oracle.torch.distributions.biject_to(oracle.torch.distributions.constraints.independent(oracle.torch.distributions.constraints.positive, 1)))  # fmt: skip
    assert isinstance(transform_to(constraints.interval(t64(0.0), t64(1.0))), T.ComposeTransform)
    with pytest.raises(NotImplementedError, match="Cannot transform _Boolean constraints"):
        biject_to(constraints.boolean)
    registry = ConstraintRegistry()
    with pytest.raises(
        TypeError, match="Expected constraint to be either a Constraint subclass or instance, but got 3"
    ):
        registry.register(3, lambda c: T.ExpTransform())

    @registry.register(constraints.positive)
    def _factory(constraint: Any) -> T.Transform:
        return T.SoftplusTransform()

    assert isinstance(registry(constraints.greater_than(0.0)), T.SoftplusTransform)


def _td_cases(m: Any, lib: Any) -> list[Any]:
    """TransformedDistributions built the same way from tocha and from torch (``lib`` its tensor library)."""
    f = lib.tensor
    d = m.distributions
    return [
        d.TransformedDistribution(d.Normal(f([0.5, -1.0]), f([1.0, 2.0])), [d.transforms.ExpTransform()]),
        d.TransformedDistribution(
            d.Normal(f([0.5, -1.0]), f([1.0, 2.0])),
            [d.transforms.AffineTransform(1.0, f([-2.0, 3.0])), d.transforms.SigmoidTransform()],
        ),
        d.TransformedDistribution(d.Normal(f([[0.5, -1.0, 0.0]]), f([[1.0, 2.0, 0.5]])), d.transforms.StickBreakingTransform()),
        d.TransformedDistribution(d.Normal(f([0.0] * 6), f([1.0] * 6)), [d.transforms.ReshapeTransform((6,), (2, 3))]),
        d.TransformedDistribution(d.Normal(f(0.0), f(1.0)), [d.transforms.AffineTransform(f([[1.0], [2.0]]), f([1.0, 2.0, 3.0]))]),
        d.TransformedDistribution(d.Normal(f([0.0, 1.0]), f([1.0, 1.0])), []),
    ]  # fmt: skip


def test_transformed_distribution_matches_pytorch(oracle: SimpleNamespace) -> None:
    torch = oracle.torch
    torch_lib = SimpleNamespace(tensor=lambda v: torch.tensor(v, dtype=torch.float64))
    tocha_lib = SimpleNamespace(tensor=lambda v: tocha.tensor(v, dtype=F64))
    ours_cases = _td_cases(SimpleNamespace(distributions=__import__("tocha.distributions").distributions), tocha_lib)
    ref_cases = _td_cases(torch, torch_lib)
    tocha.manual_seed(0)
    for ours, ref in zip(ours_cases, ref_cases, strict=True):
        assert ours.batch_shape == tuple(ref.batch_shape)
        assert ours.event_shape == tuple(ref.event_shape)
        assert ours.base_dist.batch_shape == tuple(ref.base_dist.batch_shape)
        assert repr(ours.support) == repr(ref.support)
        assert ours.has_rsample
        assert ours.arg_constraints == {}
        x = ours.sample((3,))
        assert x.shape == (3, *ours.batch_shape, *ours.event_shape)
        oracle.assert_close(ours.log_prob(x), ref.log_prob(oracle.to_torch(x)), rtol=1e-9, atol=1e-9)
        e = ours.expand((4, *ours.batch_shape))
        re = ref.expand((4, *ref.batch_shape))
        assert e.batch_shape == tuple(re.batch_shape)
        assert e.base_dist.batch_shape == tuple(re.base_dist.batch_shape)
        assert e.log_prob(x.unsqueeze(1)).shape == (3, 4, *ours.batch_shape)
    # cdf / icdf through increasing and decreasing scalar maps
    for i in (0, 1, 4):
        ours, ref = ours_cases[i], ref_cases[i]
        x = ours.sample((5,))
        oracle.assert_close(ours.cdf(x), ref.cdf(oracle.to_torch(x)), rtol=1e-9, atol=1e-12)
        q = tocha.full((5, *ours.batch_shape), 0.3, dtype=F64)
        oracle.assert_close(ours.icdf(q), ref.icdf(oracle.to_torch(q)), rtol=1e-9)
        np.testing.assert_allclose(ours.cdf(ours.icdf(q)).numpy(), q.numpy(), rtol=1e-9)


def test_transformed_distribution_errors_and_validation() -> None:
    with pytest.raises(ValueError, match="transforms must be a Transform or list, but was 3"):
        TransformedDistribution(Normal(0.0, 1.0), 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"base_distribution needs to have shape with size at least 1, but got"):
        TransformedDistribution(Normal(0.0, 1.0), [T.StickBreakingTransform()])
    d = TransformedDistribution(Normal(tocha.zeros(2), tocha.ones(2)), [T.ExpTransform()])
    assert repr(d.support) == "GreaterThan(lower_bound=0.0)"
    with pytest.raises(ValueError, match=r"within the support \(GreaterThan\(lower_bound=0.0\)\)"):
        d.log_prob(tocha.tensor([-1.0, 1.0]))
    with pytest.raises(ValueError, match="Value is not broadcastable with batch_shape"):
        d.log_prob(tocha.ones(3))
    off = TransformedDistribution(Normal(tocha.zeros(2), tocha.ones(2)), [T.ExpTransform()], validate_args=False)
    assert off.expand((3, 2))._validate_args is False
    assert constraints.is_dependent(TransformedDistribution.support)
    # sample carries no gradient, rsample does
    loc = tocha.zeros(2, requires_grad=True)
    td = TransformedDistribution(Normal(loc, 1.0), [T.ExpTransform()])
    assert not td.sample().requires_grad
    assert td.rsample().requires_grad


def test_independent_matches_pytorch(oracle: SimpleNamespace) -> None:
    torch = oracle.torch
    loc, scale = _rand(2, 3, 4, seed=1), _rand(2, 3, 4, seed=2, low=0.5, high=2.0)
    base, ref_base = Normal(loc, scale), torch.distributions.Normal(*oracle.to_torch((loc, scale)))
    for n in (0, 1, 2, 3):
        ours, ref = Independent(base, n), torch.distributions.Independent(ref_base, n)
        assert ours.batch_shape == tuple(ref.batch_shape)
        assert ours.event_shape == tuple(ref.event_shape)
        assert repr(ours.support) == repr(ref.support)
        x = ours.sample((5,))
        oracle.assert_close(ours.log_prob(x), ref.log_prob(oracle.to_torch(x)), rtol=1e-12)
        oracle.assert_close(ours.entropy(), ref.entropy(), rtol=1e-12)
        for attr in ("mean", "mode", "variance", "stddev"):
            oracle.assert_close(getattr(ours, attr), getattr(ref, attr))
        assert ours.has_rsample
        assert ours.has_enumerate_support is False
        e = ours.expand((7, *ours.batch_shape))
        assert e.batch_shape == (7, *ours.batch_shape)
        assert e.event_shape == ours.event_shape
        assert e.base_dist.batch_shape == tuple(ref.expand((7, *ref.batch_shape)).base_dist.batch_shape)
    assert repr(Independent(Normal(tocha.zeros(2, 3), 1.0), 1)) == repr(torch.distributions.Independent(
        torch.distributions.Normal(torch.zeros(2, 3), 1.0), 1)).replace("torch", "tocha")  # fmt: skip
    with pytest.raises(
        ValueError, match=r"Expected reinterpreted_batch_ndims <= len\(base_distribution.batch_shape\), actual 4 vs 3"
    ):
        Independent(base, 4)
    from tocha.distributions import Bernoulli

    b = Independent(Bernoulli(probs=tocha.tensor([[0.2, 0.7]])), 0)
    assert b.has_enumerate_support
    assert b.enumerate_support().shape == (2, 1, 2)
    with pytest.raises(NotImplementedError, match="Enumeration over cartesian product is not implemented"):
        Independent(Bernoulli(probs=tocha.tensor([[0.2, 0.7]])), 1).enumerate_support()
    # validation happens in the base: an out-of-support value is refused
    with pytest.raises(ValueError, match="within the support"):
        Independent(Bernoulli(probs=tocha.tensor([0.2, 0.7])), 1).log_prob(tocha.tensor([0.5, 1.0]))


def test_kl_independent_and_transformed(oracle: SimpleNamespace) -> None:
    torch = oracle.torch
    tD = torch.distributions
    p_loc, q_loc = _rand(2, 3, seed=1), _rand(2, 3, seed=2)
    scale = _rand(2, 3, seed=3, low=0.5, high=2.0)
    p, q = Independent(Normal(p_loc, scale), 1), Independent(Normal(q_loc, 1.0), 1)
    rp = tD.Independent(tD.Normal(*oracle.to_torch((p_loc, scale))), 1)
    rq = tD.Independent(tD.Normal(oracle.to_torch(q_loc), 1.0), 1)
    oracle.assert_close(kl_divergence(p, q), tD.kl_divergence(rp, rq), rtol=1e-12)
    with pytest.raises(NotImplementedError):
        kl_divergence(p, Independent(Normal(q_loc, 1.0), 2))
    tp = TransformedDistribution(Normal(p_loc, scale), [T.ExpTransform()])
    tq = TransformedDistribution(Normal(q_loc, scale), [T.ExpTransform()])
    rtp = tD.TransformedDistribution(tD.Normal(*oracle.to_torch((p_loc, scale))), [tD.transforms.ExpTransform()])
    rtq = tD.TransformedDistribution(tD.Normal(*oracle.to_torch((q_loc, scale))), [tD.transforms.ExpTransform()])
    oracle.assert_close(kl_divergence(tp, tq), tD.kl_divergence(rtp, rtq), rtol=1e-12)
    sb_p = TransformedDistribution(Normal(p_loc, scale), [T.StickBreakingTransform()])
    sb_q = TransformedDistribution(Normal(q_loc, scale), [T.StickBreakingTransform()])
    assert kl_divergence(sb_p, sb_q).shape == (2,)
    with pytest.raises(NotImplementedError):
        kl_divergence(tp, TransformedDistribution(Normal(q_loc, scale), [T.SigmoidTransform()]))


@pytest.mark.autograd
def test_transformed_rsample_and_log_prob_gradients(oracle: SimpleNamespace) -> None:
    torch = oracle.torch
    loc_v, scale_v = [0.3, -0.5], [0.7, 1.2]
    loc, scale = t64(loc_v).requires_grad_(), t64(scale_v).requires_grad_()
    d = TransformedDistribution(Normal(loc, scale), [T.AffineTransform(1.0, 2.0), T.ExpTransform()])
    value = t64([1.5, 0.4])
    d.log_prob(value).sum().backward()
    rl = torch.tensor(loc_v, dtype=torch.float64, requires_grad=True)
    rs = torch.tensor(scale_v, dtype=torch.float64, requires_grad=True)
    tD = torch.distributions
    ref = tD.TransformedDistribution(
        tD.Normal(rl, rs), [tD.transforms.AffineTransform(1.0, 2.0), tD.transforms.ExpTransform()]
    )
    ref.log_prob(oracle.to_torch(value)).sum().backward()
    assert loc.grad is not None
    assert scale.grad is not None
    oracle.assert_close(loc.grad, rl.grad, rtol=1e-12)
    oracle.assert_close(scale.grad, rs.grad, rtol=1e-12)
    # pathwise: E[exp(1 + 2X)] = exp(1 + 2 loc + 2 scale²), so d/dloc = 2 E, d/dscale = 4 scale E
    loc.grad = scale.grad = None
    tocha.manual_seed(3)
    n = 200_000
    samples = d.rsample((n,))
    samples.mean(0).sum().backward()
    expected = np.exp(1 + 2 * np.array(loc_v) + 2 * np.array(scale_v) ** 2)
    np.testing.assert_allclose(loc.grad.numpy(), 2 * expected, rtol=0.05)
    np.testing.assert_allclose(scale.grad.numpy(), 4 * np.array(scale_v) * expected, rtol=0.08)
