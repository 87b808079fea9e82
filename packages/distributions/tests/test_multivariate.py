"""The multivariate families: MultivariateNormal, LowRankMultivariateNormal (and their KLs), MixtureSameFamily,
Wishart, LKJCholesky."""

from __future__ import annotations

import math
import warnings
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import tocha
from tocha.distributions import (
    Categorical,
    Gamma,
    LKJCholesky,
    LowRankMultivariateNormal,
    MixtureSameFamily,
    MultivariateNormal,
    Normal,
    Wishart,
    constraints,
    kl_divergence,
)

needs_gamma = pytest.mark.skipif(
    not hasattr(tocha, "_standard_gamma"), reason="tocha._standard_gamma (tensor-core) is not available yet"
)


def _t(x: Any, dtype: Any = tocha.float64, requires_grad: bool = False) -> tocha.Tensor:
    return tocha.tensor(np.asarray(x), dtype=dtype, requires_grad=requires_grad)


def _spd(rs: np.random.RandomState, *shape: int) -> np.ndarray:
    """Random well-conditioned symmetric positive-definite matrices of shape ``shape + (n, n)``."""
    n = shape[-1]
    a = rs.randn(*shape[:-1], n, n)
    return a @ np.swapaxes(a, -1, -2) / n + np.eye(n)


_RS = np.random.RandomState(1234)
_COV = _spd(_RS, 3, 1, 4)  # batch (3, 1), n = 4
_LOC = _RS.randn(2, 4)  # batch (2,)
_FACTOR = _RS.randn(3, 1, 4, 2)
_DIAG = _RS.rand(4) + 0.5


EXAMPLES = [
    (
        "MultivariateNormal",
        [
            {"loc": _t(_LOC), "covariance_matrix": _t(_COV)},
            {"loc": _t(_LOC[0]), "precision_matrix": _t(_COV)},
            {"loc": _t(_LOC), "scale_tril": _t(np.linalg.cholesky(_COV[0, 0]))},
        ],
    ),
    (
        "LowRankMultivariateNormal",
        [
            {"loc": _t(_LOC), "cov_factor": _t(_FACTOR), "cov_diag": _t(_DIAG)},
            {"loc": _t(_LOC[0]), "cov_factor": _t(_FACTOR[0, 0]), "cov_diag": _t(_RS.rand(2, 4) + 0.5)},
        ],
    ),
    (
        "MixtureSameFamily",
        [
            {
                "mixture_distribution": Categorical(logits=_t(_RS.randn(2, 3))),
                "component_distribution": Normal(_t(_RS.randn(2, 3)), _t(_RS.rand(2, 3) + 0.5)),
            },
            {
                "mixture_distribution": Categorical(probs=_t([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]])),
                "component_distribution": MultivariateNormal(_t(_RS.randn(2, 3, 4)), _t(_COV[:, 0])),
            },
        ],
    ),
    (
        "Wishart",
        [
            {"df": _t([4.0, 6.5]), "covariance_matrix": _t(_COV[:, 0, :3, :3]).unsqueeze(1)},
            {"df": 5.0, "scale_tril": _t(np.linalg.cholesky(_COV[:, 0]))},
            {"df": _t([3.5, 8.0]), "precision_matrix": _t(_COV[0, 0])},
        ],
    ),
    (
        "LKJCholesky",
        [
            {"dim": 3, "concentration": _t([0.5, 1.0, 4.0])},
            {"dim": 2, "concentration": _t([[2.0], [0.7]])},
        ],
    ),
]


def _build(oracle: SimpleNamespace, name: str, kwargs: dict[str, Any]) -> tuple[Any, Any]:
    """Our distribution and PyTorch's, from the same arguments (mixtures rebuilt part by part)."""
    ours = globals()[name](**kwargs)
    torch_kwargs = {}
    for key, value in kwargs.items():
        if isinstance(value, Categorical):
            value = oracle.dist("Categorical")(logits=oracle.to_torch(value.logits))
        elif isinstance(value, Normal):
            value = oracle.dist("Normal")(oracle.to_torch(value.loc), oracle.to_torch(value.scale))
        elif isinstance(value, MultivariateNormal):
            value = oracle.dist("MultivariateNormal")(
                oracle.to_torch(value.loc), covariance_matrix=oracle.to_torch(value.covariance_matrix)
            )
        else:
            value = oracle.to_torch(value)
        torch_kwargs[key] = value
    return ours, oracle.dist(name)(**torch_kwargs)


# ---------------------------------------------------------------------------------------------------------------
# MultivariateNormal


@pytest.mark.parametrize("param", ["covariance_matrix", "precision_matrix", "scale_tril"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_mvn_matches_pytorch(oracle: SimpleNamespace, param: str, dtype: str) -> None:
    rs = np.random.RandomState(0)
    cov = _spd(rs, 3, 1, 4)
    matrix = np.linalg.cholesky(cov) if param == "scale_tril" else cov
    tdtype = getattr(tocha, dtype)
    loc, mat = _t(rs.randn(2, 4), tdtype), _t(matrix, tdtype)
    ours = MultivariateNormal(loc, **{param: mat})
    ref = oracle.dist("MultivariateNormal")(oracle.to_torch(loc), **{param: oracle.to_torch(mat)})
    assert ours.batch_shape == ref.batch_shape == (3, 2)
    assert ours.event_shape == (4,)
    tol = {"rtol": 1e-4, "atol": 1e-4} if dtype == "float32" else {"rtol": 1e-10, "atol": 1e-10}
    x = _t(rs.randn(5, 3, 2, 4) * 2, tdtype)
    oracle.assert_close(ours.log_prob(x), ref.log_prob(oracle.to_torch(x)), **tol)
    oracle.assert_close(ours.log_prob(x[0, 0, 0]), ref.log_prob(oracle.to_torch(x[0, 0, 0])), **tol)
    oracle.assert_close(ours.entropy(), ref.entropy(), **tol)
    for name in ("mean", "mode", "variance", "stddev", "scale_tril", "covariance_matrix", "precision_matrix"):
        oracle.assert_close(getattr(ours, name), getattr(ref, name), **tol)
    assert repr(ours.arg_constraints) == repr(ref.arg_constraints)
    assert repr(ours.support) == repr(ref.support)
    assert ours.has_rsample


def test_mvn_unbatched_and_broadcast_shapes() -> None:
    d = MultivariateNormal(tocha.zeros(2), tocha.eye(2))
    assert d.batch_shape == ()
    assert d.event_shape == (2,)
    assert d.entropy().shape == ()
    assert d.sample().shape == (2,)
    assert d.sample((3, 5)).shape == (3, 5, 2)
    assert d.log_prob(tocha.zeros(7, 1, 2)).shape == (7, 1)
    assert d.sample().dtype == tocha.float32
    batched = MultivariateNormal(tocha.zeros(3, 1, 2), scale_tril=tocha.eye(2).expand(4, 2, 2))
    assert batched.batch_shape == (3, 4)
    assert batched.loc.shape == (3, 4, 2)
    assert batched._unbroadcasted_scale_tril.shape == (4, 2, 2)
    assert batched.rsample((6,)).shape == (6, 3, 4, 2)
    assert batched.variance.shape == (3, 4, 2)


def test_mvn_expand(oracle: SimpleNamespace) -> None:
    rs = np.random.RandomState(1)
    d = MultivariateNormal(_t(rs.randn(3, 2)), precision_matrix=_t(_spd(rs, 2)))
    e = d.expand((4, 3))
    assert e.batch_shape == (4, 3)
    assert e.loc.shape == (4, 3, 2)
    assert e.precision_matrix.shape == (4, 3, 2, 2)
    assert e.covariance_matrix.shape == (4, 3, 2, 2)
    assert e._validate_args == d._validate_args
    x = _t(rs.randn(4, 3, 2))
    ref = oracle.dist("MultivariateNormal")(*oracle.to_torch((d.loc, d.covariance_matrix))).expand((4, 3))
    oracle.assert_close(e.log_prob(x), ref.log_prob(oracle.to_torch(x)), rtol=1e-10)
    with pytest.raises(RuntimeError):
        d.expand((4,))


def _raises_like(oracle: SimpleNamespace, ours: Any, theirs: Any) -> None:
    """Both callables raise the same exception type with the same message (torch names mapped to tocha)."""
    with pytest.raises(Exception) as ref_info:
        theirs()
    with pytest.raises(type(ref_info.value)) as info:
        ours()
    assert str(info.value) == str(ref_info.value).replace("torch.Size", "tocha.Size")


def test_mvn_validation_errors(oracle: SimpleNamespace) -> None:
    torch = oracle.torch
    mvn, tmvn = MultivariateNormal, oracle.dist("MultivariateNormal")
    eye, teye = tocha.eye(2), torch.eye(2)
    cases = [
        ((tocha.tensor(0.0), eye), (torch.tensor(0.0), teye), {}),
        ((tocha.zeros(2),), (torch.zeros(2),), {}),
        ((tocha.zeros(2), eye), (torch.zeros(2), teye), {"scale_tril": "eye"}),
        ((tocha.zeros(2), tocha.ones(2)), (torch.zeros(2), torch.ones(2)), {}),
        ((tocha.zeros(2), tocha.ones(2, 2)), (torch.zeros(2), torch.ones(2, 2)), {}),
    ]
    for ours_args, ref_args, extra in cases:
        ours_kw = {"scale_tril": eye} if extra else {}
        ref_kw = {"scale_tril": teye} if extra else {}
        _raises_like(oracle, lambda a=ours_args, k=ours_kw: mvn(*a, **k), lambda a=ref_args, k=ref_kw: tmvn(*a, **k))
    for kw in ("precision_matrix", "scale_tril"):
        _raises_like(
            oracle,
            lambda kw=kw: mvn(tocha.zeros(2), **{kw: tocha.ones(2)}),
            lambda kw=kw: tmvn(torch.zeros(2), **{kw: torch.ones(2)}),
        )
    _raises_like(oracle, lambda: mvn(tocha.zeros(2), scale_tril=-eye), lambda: tmvn(torch.zeros(2), scale_tril=-teye))
    with pytest.raises(RuntimeError):
        mvn(tocha.zeros(3, 2), tocha.eye(2).expand(4, 2, 2))
    d, ref = mvn(tocha.zeros(3, 2), eye), tmvn(torch.zeros(3, 2), teye)
    _raises_like(oracle, lambda: d.log_prob(tocha.zeros(3)), lambda: ref.log_prob(torch.zeros(3)))
    _raises_like(oracle, lambda: d.log_prob(tocha.zeros(4, 2)), lambda: ref.log_prob(torch.zeros(4, 2)))
    assert repr(d) == repr(ref).replace("torch", "tocha")


def test_mvn_sampling_moments() -> None:
    tocha.manual_seed(0)
    cov = np.array([[2.0, 0.6, -0.3], [0.6, 1.0, 0.2], [-0.3, 0.2, 0.5]])
    loc = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]])
    d = MultivariateNormal(_t(loc), _t(cov))
    x = d.sample((100_000,)).numpy()
    assert x.shape == (100_000, 2, 3)
    np.testing.assert_allclose(x.mean(0), loc, atol=0.03)
    for b in range(2):
        np.testing.assert_allclose(np.cov(x[:, b].T), cov, atol=0.03)
    assert not d.sample().requires_grad


@pytest.mark.autograd
def test_mvn_rsample_pathwise_gradient() -> None:
    # E[|x|²] = |μ|² + tr(L Lᵀ): d/dμ = 2μ, d/dL = 2L
    tocha.manual_seed(1)
    loc = _t([0.5, -1.0], requires_grad=True)
    lower = _t([[1.2, 0.0], [0.4, 0.7]], requires_grad=True)
    x = MultivariateNormal(loc, scale_tril=lower).rsample((200_000,))
    x.pow(2).sum(-1).mean().backward()
    assert loc.grad is not None
    assert lower.grad is not None
    np.testing.assert_allclose(loc.grad.numpy(), 2 * loc.detach().numpy(), atol=0.02)
    np.testing.assert_allclose(np.tril(lower.grad.numpy()), 2 * lower.detach().numpy(), atol=0.03)


@pytest.mark.autograd
@pytest.mark.parametrize("param", ["covariance_matrix", "precision_matrix", "scale_tril"])
def test_mvn_gradients_match_pytorch(oracle: SimpleNamespace, param: str) -> None:
    rs = np.random.RandomState(2)
    cov = _spd(rs, 3)
    matrix = np.linalg.cholesky(cov) if param == "scale_tril" else cov
    x = rs.randn(4, 3)

    def grads(lib: Any, make: Any, tensor: Any) -> list[np.ndarray]:
        loc, mat = tensor(rs_loc, requires_grad=True), tensor(matrix, requires_grad=True)
        d = make(loc, **{param: mat})
        (d.log_prob(tensor(x)).sum() + 2 * d.entropy()).backward()
        return [loc.grad.numpy(), mat.grad.numpy()]

    rs_loc = rs.randn(3)
    torch = oracle.torch
    ours = grads(tocha, MultivariateNormal, lambda a, requires_grad=False: _t(a, requires_grad=requires_grad))
    ref = grads(
        torch,
        oracle.dist("MultivariateNormal"),
        lambda a, requires_grad=False: torch.tensor(a, dtype=torch.float64, requires_grad=requires_grad),
    )
    for a, b in zip(ours, ref, strict=True):
        if param == "scale_tril":
            a, b = np.tril(a), np.tril(b)
        else:  # PyTorch's gradient w.r.t. a symmetric matrix may be unsymmetrised: compare the symmetric parts
            a, b = (
                (a + np.swapaxes(a, -1, -2)) / 2 if a.ndim == 2 else a,
                (b + np.swapaxes(b, -1, -2)) / 2 if b.ndim == 2 else b,
            )
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)


# ---------------------------------------------------------------------------------------------------------------
# LowRankMultivariateNormal


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lowrank_matches_pytorch(oracle: SimpleNamespace, dtype: str) -> None:
    rs = np.random.RandomState(3)
    tdtype = getattr(tocha, dtype)
    loc, factor, diag = _t(rs.randn(2, 4), tdtype), _t(rs.randn(3, 1, 4, 2), tdtype), _t(rs.rand(4) + 0.5, tdtype)
    ours = LowRankMultivariateNormal(loc, factor, diag)
    ref = oracle.dist("LowRankMultivariateNormal")(*oracle.to_torch((loc, factor, diag)))
    assert ours.batch_shape == ref.batch_shape == (3, 2)
    tol = {"rtol": 1e-4, "atol": 1e-4} if dtype == "float32" else {"rtol": 1e-10, "atol": 1e-10}
    x = _t(rs.randn(5, 3, 2, 4), tdtype)
    oracle.assert_close(ours.log_prob(x), ref.log_prob(oracle.to_torch(x)), **tol)
    oracle.assert_close(ours.log_prob(x[0, 0]), ref.log_prob(oracle.to_torch(x[0, 0])), **tol)
    oracle.assert_close(ours.entropy(), ref.entropy(), **tol)
    for name in ("mean", "mode", "variance", "scale_tril", "covariance_matrix", "precision_matrix"):
        oracle.assert_close(getattr(ours, name), getattr(ref, name), **tol)
    assert repr(ours.arg_constraints) == repr(ref.arg_constraints)
    assert repr(ours.support) == repr(ref.support)
    assert repr(ours) == repr(ref).replace("torch", "tocha")
    e = ours.expand((4, 3, 2))
    assert e.batch_shape == (4, 3, 2)
    assert e.cov_factor.shape == (4, 3, 2, 4, 2)
    assert e.cov_diag.shape == (4, 3, 2, 4)
    oracle.assert_close(e.log_prob(x[0]), ref.expand((4, 3, 2)).log_prob(oracle.to_torch(x[0])), **tol)


def test_lowrank_validation_errors(oracle: SimpleNamespace) -> None:
    torch = oracle.torch
    lr, tlr = LowRankMultivariateNormal, oracle.dist("LowRankMultivariateNormal")
    cases = [
        ((0,), (1, 1), (1,)),
        ((2,), (2,), (2,)),
        ((2,), (3, 1), (2,)),
        ((2,), (2, 1), (3,)),
        ((3, 2), (4, 2, 1), (2,)),
    ]
    for loc_shape, factor_shape, diag_shape in cases:
        loc_shape = () if loc_shape == (0,) else loc_shape
        _raises_like(
            oracle,
            lambda a=loc_shape, b=factor_shape, c=diag_shape: lr(tocha.zeros(a), tocha.ones(b), tocha.ones(c)),
            lambda a=loc_shape, b=factor_shape, c=diag_shape: tlr(torch.zeros(a), torch.ones(b), torch.ones(c)),
        )
    with pytest.raises(ValueError, match="to satisfy the constraint IndependentConstraint"):
        lr(tocha.zeros(2), tocha.zeros(2, 1), tocha.tensor([1.0, -1.0]))


def test_lowrank_sampling_moments() -> None:
    tocha.manual_seed(4)
    factor = np.array([[1.0, 0.5], [-0.5, 0.2], [0.3, -1.0]])
    diag = np.array([0.5, 1.0, 0.2])
    loc = np.array([1.0, 0.0, -2.0])
    x = LowRankMultivariateNormal(_t(loc), _t(factor), _t(diag)).sample((100_000,)).numpy()
    np.testing.assert_allclose(x.mean(0), loc, atol=0.03)
    np.testing.assert_allclose(np.cov(x.T), factor @ factor.T + np.diag(diag), atol=0.03)


@pytest.mark.autograd
def test_lowrank_gradients(oracle: SimpleNamespace) -> None:
    torch = oracle.torch
    rs = np.random.RandomState(5)
    args = (rs.randn(2, 3), rs.randn(3, 2), rs.rand(3) + 0.5)
    x = rs.randn(4, 2, 3)

    def grads(make: Any, tensor: Any) -> list[np.ndarray]:
        params = [tensor(a) for a in args]
        d = make(*params)
        (d.log_prob(tensor(x, False)).sum() + d.entropy().sum()).backward()
        return [p.grad.numpy() for p in params]

    ours = grads(LowRankMultivariateNormal, lambda a, g=True: _t(a, requires_grad=g))
    ref = grads(
        oracle.dist("LowRankMultivariateNormal"),
        lambda a, g=True: torch.tensor(a, dtype=torch.float64, requires_grad=g),
    )
    for a, b in zip(ours, ref, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)
    # pathwise: E[|x|²] = |μ|² + |W|²_F + Σ D, so d/dW = 2W and d/dD = 1
    tocha.manual_seed(6)
    factor = _t(args[1], requires_grad=True)
    diag = _t(args[2], requires_grad=True)
    samples = LowRankMultivariateNormal(_t(args[0][0]), factor, diag).rsample((200_000,))
    samples.pow(2).sum(-1).mean().backward()
    assert factor.grad is not None
    assert diag.grad is not None
    np.testing.assert_allclose(factor.grad.numpy(), 2 * args[1], atol=0.03)
    np.testing.assert_allclose(diag.grad.numpy(), np.ones(3), atol=0.03)


# ---------------------------------------------------------------------------------------------------------------
# KL divergences


def _kl_family(oracle: SimpleNamespace, kind: str, batch: tuple[int, ...], seed: int) -> tuple[Any, Any]:
    rs = np.random.RandomState(seed)
    if kind == "mvn":
        args = (rs.randn(*batch, 3), _spd(rs, *batch, 3))
        return MultivariateNormal(*map(_t, args)), oracle.dist("MultivariateNormal")(
            *oracle.to_torch(tuple(map(_t, args)))
        )
    args = (rs.randn(*batch, 3), rs.randn(*batch, 3, 2), rs.rand(*batch, 3) + 0.5)
    return (
        LowRankMultivariateNormal(*map(_t, args)),
        oracle.dist("LowRankMultivariateNormal")(*oracle.to_torch(tuple(map(_t, args)))),
    )


@pytest.mark.parametrize("p_kind", ["mvn", "lowrank"])
@pytest.mark.parametrize("q_kind", ["mvn", "lowrank"])
def test_kl_pairs_match_pytorch(oracle: SimpleNamespace, p_kind: str, q_kind: str) -> None:
    for p_batch, q_batch in (((), ()), ((2,), (2,)), ((4, 1), (3,))):
        p, tp = _kl_family(oracle, p_kind, p_batch, 7)
        q, tq = _kl_family(oracle, q_kind, q_batch, 8)
        ours, ref = kl_divergence(p, q), oracle.torch.distributions.kl_divergence(tp, tq)
        oracle.assert_close(ours, ref, rtol=1e-10, atol=1e-12)
    same = kl_divergence(p, p)
    np.testing.assert_allclose(same.numpy(), 0.0, atol=1e-12)


def test_kl_event_shape_errors(oracle: SimpleNamespace) -> None:
    torch = oracle.torch
    tdist = torch.distributions
    pairs = [
        (MultivariateNormal(tocha.zeros(3), tocha.eye(3)), tdist.MultivariateNormal(torch.zeros(3), torch.eye(3))),
        (
            LowRankMultivariateNormal(tocha.zeros(2), tocha.ones(2, 1), tocha.ones(2)),
            tdist.LowRankMultivariateNormal(torch.zeros(2), torch.ones(2, 1), torch.ones(2)),
        ),
    ]
    others = [
        (MultivariateNormal(tocha.zeros(4), tocha.eye(4)), tdist.MultivariateNormal(torch.zeros(4), torch.eye(4))),
        (
            LowRankMultivariateNormal(tocha.zeros(4), tocha.ones(4, 1), tocha.ones(4)),
            tdist.LowRankMultivariateNormal(torch.zeros(4), torch.ones(4, 1), torch.ones(4)),
        ),
    ]
    for p, tp in pairs:
        for q, tq in others:
            _raises_like(oracle, lambda p=p, q=q: kl_divergence(p, q), lambda tp=tp, tq=tq: tdist.kl_divergence(tp, tq))


@pytest.mark.autograd
def test_kl_gradients_match_pytorch(oracle: SimpleNamespace) -> None:
    torch = oracle.torch
    rs = np.random.RandomState(9)
    mvn_args = (rs.randn(3), _spd(rs, 3))
    lr_args = (rs.randn(3), rs.randn(3, 2), rs.rand(3) + 0.5)

    def grads(mvn: Any, lowrank: Any, kl: Any, tensor: Any) -> list[np.ndarray]:
        a = [tensor(x) for x in mvn_args]
        b = [tensor(x) for x in lr_args]
        p, q = mvn(*a), lowrank(*b)
        (kl(p, q) + 2 * kl(q, p) + kl(q, q)).backward()
        return [t.grad.numpy() for t in a + b]

    ours = grads(MultivariateNormal, LowRankMultivariateNormal, kl_divergence, lambda x: _t(x, requires_grad=True))
    ref = grads(
        torch.distributions.MultivariateNormal,
        torch.distributions.LowRankMultivariateNormal,
        torch.distributions.kl_divergence,
        lambda x: torch.tensor(x, dtype=torch.float64, requires_grad=True),
    )
    for a, b in zip(ours, ref, strict=True):
        if a.ndim == 2 and a.shape[0] == a.shape[1]:
            a, b = (a + a.T) / 2, (b + b.T) / 2
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)


# ---------------------------------------------------------------------------------------------------------------
# MixtureSameFamily


@pytest.mark.parametrize("index", [0, 1])
def test_mixture_matches_pytorch(oracle: SimpleNamespace, index: int) -> None:
    kwargs = EXAMPLES[2][1][index]
    ours, ref = _build(oracle, "MixtureSameFamily", kwargs)
    assert ours.batch_shape == ref.batch_shape
    assert ours.event_shape == ref.event_shape
    rs = np.random.RandomState(10)
    x = _t(rs.randn(5, *ours.batch_shape, *ours.event_shape))
    oracle.assert_close(ours.log_prob(x), ref.log_prob(oracle.to_torch(x)), rtol=1e-10)
    oracle.assert_close(ours.mean, ref.mean, rtol=1e-10)
    oracle.assert_close(ours.variance, ref.variance, rtol=1e-10)
    if index == 0:
        oracle.assert_close(ours.cdf(x), ref.cdf(oracle.to_torch(x)), rtol=1e-10)
    assert repr(ours.support) == repr(ref.support)
    assert ours.arg_constraints == {}
    assert not ours.has_rsample
    assert repr(ours) == repr(ref).replace("torch", "tocha")
    assert ours.mixture_distribution is kwargs["mixture_distribution"]
    assert ours.component_distribution is kwargs["component_distribution"]
    e, te = ours.expand((4, *ours.batch_shape)), ref.expand((4, *ref.batch_shape))
    assert e.batch_shape == te.batch_shape
    assert e.component_distribution.batch_shape == te.component_distribution.batch_shape
    oracle.assert_close(e.log_prob(x[:4]), te.log_prob(oracle.to_torch(x[:4])), rtol=1e-10)
    with pytest.raises(NotImplementedError):
        ours.rsample()


def test_mixture_validation_errors(oracle: SimpleNamespace) -> None:
    torch = oracle.torch
    tdist = torch.distributions
    msf, tmsf = MixtureSameFamily, tdist.MixtureSameFamily
    cases = [
        (
            lambda: msf(Normal(0.0, 1.0), Normal(tocha.zeros(2), 1.0)),
            lambda: tmsf(tdist.Normal(0.0, 1.0), tdist.Normal(torch.zeros(2), 1.0)),
        ),  # type: ignore[arg-type]
        (lambda: msf(Categorical(tocha.ones(2)), 3), lambda: tmsf(tdist.Categorical(torch.ones(2)), 3)),  # type: ignore[arg-type]
        (
            lambda: msf(Categorical(tocha.ones(3, 2)), Normal(tocha.zeros(4, 2), 1.0)),
            lambda: tmsf(tdist.Categorical(torch.ones(3, 2)), tdist.Normal(torch.zeros(4, 2), 1.0)),
        ),
        (
            lambda: msf(Categorical(tocha.ones(2)), Normal(tocha.zeros(3), 1.0)),
            lambda: tmsf(tdist.Categorical(torch.ones(2)), tdist.Normal(torch.zeros(3), 1.0)),
        ),
    ]
    for ours, ref in cases:
        _raises_like(oracle, ours, ref)
    d = msf(Categorical(tocha.ones(2)), Normal(tocha.zeros(2), 1.0))
    tmsf(tdist.Categorical(torch.ones(2)), tdist.Normal(torch.zeros(2), 1.0))
    gamma = tmsf(tdist.Categorical(torch.ones(2)), tdist.Gamma(torch.ones(2), torch.ones(2)))
    ours_gamma = msf(Categorical(tocha.ones(2)), Gamma(tocha.ones(2), tocha.ones(2)))
    _raises_like(oracle, lambda: ours_gamma.log_prob(-tocha.ones(1)), lambda: gamma.log_prob(-torch.ones(1)))
    value = tocha.tensor([[1.0], [-1.0]])
    _raises_like(oracle, lambda: ours_gamma.log_prob(value), lambda: gamma.log_prob(oracle.to_torch(value)))
    assert ours_gamma.support.check(tocha.tensor([1.0, -1.0])).tolist() == [True, False]
    assert d.log_prob(tocha.zeros(4, 1)).shape == (4, 1)
    with pytest.raises(ValueError, match="to be within the support"):
        msf(Categorical(tocha.ones(2)), MultivariateNormal(tocha.zeros(2, 2), tocha.eye(2))).log_prob(
            tocha.tensor([float("nan"), 0.0])
        )


def test_mixture_sampling() -> None:
    tocha.manual_seed(11)
    probs = np.array([[0.2, 0.8], [0.6, 0.4]])
    locs = np.array([[-3.0, 2.0], [0.0, 5.0]])
    scales = np.array([[0.5, 1.0], [1.0, 0.3]])
    d = MixtureSameFamily(Categorical(probs=_t(probs)), Normal(_t(locs), _t(scales)))
    x = d.sample((200_000,))
    assert x.shape == (200_000, 2)
    assert not x.requires_grad
    np.testing.assert_allclose(x.numpy().mean(0), d.mean.numpy(), atol=0.03)
    np.testing.assert_allclose(x.numpy().var(0), d.variance.numpy(), rtol=0.02)
    # the fraction below the midpoint of each batch's two components matches the mixture cdf there
    mid = _t(locs.mean(-1))
    np.testing.assert_allclose((x.numpy() < mid.numpy()).mean(0), d.cdf(mid).numpy(), atol=0.005)
    # vector events: gathered whole
    mvn = MultivariateNormal(_t([[0.0, 10.0], [10.0, 0.0]]), tocha.eye(2, dtype=tocha.float64) * 0.01)
    y = MixtureSameFamily(Categorical(probs=_t([0.5, 0.5])), mvn).sample((1000, 3)).numpy()
    assert y.shape == (1000, 3, 2)
    np.testing.assert_allclose(np.sort(np.round(y / 10), axis=-1), np.broadcast_to([0.0, 1.0], y.shape))


# ---------------------------------------------------------------------------------------------------------------
# Wishart


@pytest.mark.parametrize("index", [0, 1, 2])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_wishart_matches_pytorch(oracle: SimpleNamespace, index: int, dtype: str) -> None:
    kwargs = {
        k: v.to(getattr(tocha, dtype)) if isinstance(v, tocha.Tensor) else v for k, v in EXAMPLES[3][1][index].items()
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ours, ref = _build(oracle, "Wishart", kwargs)
    assert ours.batch_shape == ref.batch_shape
    assert ours.event_shape == ref.event_shape
    tol = {"rtol": 2e-4, "atol": 2e-4} if dtype == "float32" else {"rtol": 1e-10, "atol": 1e-10}
    rs = np.random.RandomState(12)
    p = ours.event_shape[-1]
    x = _t(_spd(rs, 4, *ours.batch_shape, p), getattr(tocha, dtype))
    oracle.assert_close(ours.log_prob(x), ref.log_prob(oracle.to_torch(x)), **tol)
    oracle.assert_close(ours.entropy(), ref.entropy(), **tol)
    moments_ref = ref
    if not isinstance(kwargs["df"], tocha.Tensor):  # PyTorch's moments fail for a Number df with batched matrices
        df = oracle.torch.full(tuple(ref.batch_shape), kwargs["df"], dtype=ref.scale_tril.dtype)
        moments_ref = oracle.dist("Wishart")(df, scale_tril=ref.scale_tril)
    for name in ("mean", "mode", "variance", "scale_tril", "covariance_matrix", "precision_matrix"):
        oracle.assert_close(getattr(ours, name), getattr(moments_ref, name), **tol)
    assert repr(ours.arg_constraints) == repr(ref.arg_constraints)
    assert repr(ours.support) == repr(ref.support)
    e, te = ours.expand((2, *ours.batch_shape)), ref.expand((2, *ref.batch_shape))
    assert e.batch_shape == te.batch_shape
    assert e.df.shape == te.df.shape
    oracle.assert_close(e.log_prob(x[:2]), te.log_prob(oracle.to_torch(x[:2])), **tol)
    if dtype == "float64":  # the exponential-family entropy (autograd through the log-normaliser) agrees
        generic = super(Wishart, ours).entropy()
        np.testing.assert_allclose(generic.detach().numpy(), ours.entropy().numpy(), rtol=1e-8)


def test_wishart_validation_errors(oracle: SimpleNamespace) -> None:
    torch = oracle.torch
    w, tw = Wishart, oracle.dist("Wishart")
    cases = [
        (lambda: w(3.0), lambda: tw(3.0)),
        (lambda: w(3.0, tocha.ones(2)), lambda: tw(3.0, torch.ones(2))),
        (lambda: w(3.0, precision_matrix=tocha.ones(2)), lambda: tw(3.0, precision_matrix=torch.ones(2))),
        (lambda: w(0.5, tocha.eye(2)), lambda: tw(0.5, torch.eye(2))),
        (lambda: w(tocha.tensor([0.5, 3.0]), tocha.eye(2)), lambda: tw(torch.tensor([0.5, 3.0]), torch.eye(2))),
        (lambda: w(3.0, -tocha.eye(2)), lambda: tw(3.0, -torch.eye(2))),
    ]
    for ours, ref in cases:
        _raises_like(oracle, ours, ref)
    with pytest.warns(UserWarning, match="Low df values detected"):
        w(1.5, tocha.eye(2))
    d, td = w(tocha.tensor([3.0, 4.0]), tocha.eye(2)), tw(torch.tensor([3.0, 4.0]), torch.eye(2))
    _raises_like(oracle, lambda: d.log_prob(tocha.eye(3)), lambda: td.log_prob(torch.eye(3)))
    _raises_like(oracle, lambda: d.log_prob(-tocha.eye(2)), lambda: td.log_prob(-torch.eye(2)))
    assert repr(d) == repr(td).replace("torch", "tocha")
    assert repr(w(3.0, tocha.eye(2))) == "Wishart(covariance_matrix: tocha.Size([2, 2]), df: 3.0)"


@needs_gamma
def test_wishart_sampling_moments() -> None:
    tocha.manual_seed(13)
    cov = np.array([[1.0, 0.3, 0.0], [0.3, 2.0, -0.4], [0.0, -0.4, 0.5]])
    d = Wishart(_t([4.0, 7.5]), _t(cov))
    x = d.sample((50_000,))
    assert x.shape == (50_000, 2, 3, 3)
    assert bool(d.support.check(x).all())
    np.testing.assert_allclose(x.numpy().mean(0), d.mean.numpy(), rtol=0.03, atol=0.03)
    np.testing.assert_allclose(x.numpy().var(0), d.variance.numpy(), rtol=0.08, atol=0.05)


@needs_gamma
@pytest.mark.autograd
def test_wishart_rsample_pathwise_gradient() -> None:
    # E[tr X] = df · tr Σ: d/d df = tr Σ, d/dΣ = df · I
    tocha.manual_seed(14)
    df = _t(5.5, requires_grad=True)
    cov = _t([[1.0, 0.2], [0.2, 0.8]], requires_grad=True)
    x = Wishart(df, cov).rsample((100_000,))
    x.diagonal(dim1=-2, dim2=-1).sum(-1).mean().backward()
    assert df.grad is not None
    assert cov.grad is not None
    np.testing.assert_allclose(float(df.grad), 1.8, rtol=0.03)
    sym = (cov.grad.numpy() + cov.grad.numpy().T) / 2
    np.testing.assert_allclose(sym, 5.5 * np.eye(2), atol=0.15)


@pytest.mark.autograd
def test_wishart_gradients_match_pytorch(oracle: SimpleNamespace) -> None:
    torch = oracle.torch
    rs = np.random.RandomState(15)
    df, lower = np.array([4.0, 6.0]), np.linalg.cholesky(_spd(rs, 3))
    x = _spd(rs, 2, 3)

    def grads(make: Any, tensor: Any) -> list[np.ndarray]:
        params = [tensor(df), tensor(lower)]
        d = make(params[0], scale_tril=params[1])
        (d.log_prob(tensor(x, False)).sum() + d.entropy().sum()).backward()
        return [p.grad.numpy() for p in params]

    ours = grads(Wishart, lambda a, g=True: _t(a, requires_grad=g))
    ref = grads(oracle.dist("Wishart"), lambda a, g=True: torch.tensor(a, dtype=torch.float64, requires_grad=g))
    np.testing.assert_allclose(ours[0], ref[0], rtol=1e-8)
    np.testing.assert_allclose(np.tril(ours[1]), np.tril(ref[1]), rtol=1e-8, atol=1e-10)


# ---------------------------------------------------------------------------------------------------------------
# LKJCholesky


@pytest.mark.parametrize("dim", [2, 3, 5])
def test_lkj_log_prob_matches_pytorch(oracle: SimpleNamespace, dim: int) -> None:
    torch = oracle.torch
    torch.manual_seed(dim)
    conc = _t([0.5, 1.0, 3.0])
    ref = oracle.dist("LKJCholesky")(dim, oracle.to_torch(conc))
    ours = LKJCholesky(dim, conc)
    values = ref.sample((4,))
    oracle.assert_close(ours.log_prob(_t(values.numpy())), ref.log_prob(values), rtol=1e-10)
    assert ours.batch_shape == (3,)
    assert ours.event_shape == (dim, dim)
    assert not ours.has_rsample
    assert repr(ours.arg_constraints) == repr(ref.arg_constraints)
    assert repr(ours.support) == repr(ref.support)
    assert repr(ours) == repr(ref).replace("torch", "tocha")
    e = ours.expand((2, 3))
    assert e.batch_shape == (2, 3)
    assert e.concentration.shape == (2, 3)
    oracle.assert_close(e.log_prob(_t(values.numpy()[:2])), ref.expand((2, 3)).log_prob(values[:2]), rtol=1e-10)


def test_lkj_normaliser_integrates_to_one() -> None:
    # d = 2: L = [[1, 0], [r, √(1-r²)]], the density in r integrates to 1
    r = np.linspace(-1 + 1e-9, 1 - 1e-9, 200_001)
    values = np.zeros((r.size, 2, 2))
    values[:, 0, 0], values[:, 1, 0], values[:, 1, 1] = 1.0, r, np.sqrt(1 - r**2)
    for eta in (0.8, 1.0, 2.5):
        density = np.exp(LKJCholesky(2, _t(eta), validate_args=False).log_prob(_t(values)).numpy())
        assert abs(np.trapezoid(density, r) - 1) < 2e-3


def test_lkj_validation_errors(oracle: SimpleNamespace) -> None:
    torch = oracle.torch
    _raises_like(oracle, lambda: LKJCholesky(1), lambda: oracle.dist("LKJCholesky")(1))
    with pytest.raises(ValueError, match="Expected parameter concentration"):
        LKJCholesky(2, -1.0)
    d, td = LKJCholesky(3, tocha.tensor([0.5, 2.0])), oracle.dist("LKJCholesky")(3, torch.tensor([0.5, 2.0]))
    _raises_like(oracle, lambda: d.log_prob(2 * tocha.eye(3)), lambda: td.log_prob(2 * torch.eye(3)))
    with pytest.raises(NotImplementedError):
        d.rsample()


@needs_gamma
@pytest.mark.parametrize(("dim", "eta"), [(3, 1.0), (4, 2.0), (5, 0.7)])
def test_lkj_sampling_marginals(dim: int, eta: float) -> None:
    # LKJ is exchangeable: every correlation C_ij has the law 2 Beta(a, a) - 1, a = η - 1 + d/2, variance 1/(2a+1)
    tocha.manual_seed(16)
    d = LKJCholesky(dim, _t(eta))
    factors = d.sample((40_000,))
    assert factors.shape == (40_000, dim, dim)
    assert bool(d.support.check(factors).all())
    corr = (factors @ factors.mT).numpy()
    rows, cols = np.tril_indices(dim, -1)
    off = corr[:, rows, cols]
    a = eta - 1 + dim / 2
    np.testing.assert_allclose(off.mean(0), 0.0, atol=0.015)
    np.testing.assert_allclose(off.var(0), 1 / (2 * a + 1), rtol=0.04)
    np.testing.assert_allclose(np.diagonal(corr, axis1=-2, axis2=-1), 1.0, atol=1e-12)


def test_examples_cover_every_family() -> None:
    assert [name for name, _ in EXAMPLES] == [
        "MultivariateNormal",
        "LowRankMultivariateNormal",
        "MixtureSameFamily",
        "Wishart",
        "LKJCholesky",
    ]
    for name, kwargs_list in EXAMPLES:
        for kwargs in kwargs_list:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                d = globals()[name](**kwargs)
            assert len(d.batch_shape) >= 1
            assert isinstance(d.support, constraints.Constraint)
            value = tocha.eye(d.dim, dtype=tocha.float64) if name == "LKJCholesky" else d.mean
            assert math.isfinite(float(d.log_prob(value).sum()))


@pytest.mark.autograd
def test_mixture_and_lkj_gradients_match_pytorch(oracle: SimpleNamespace) -> None:
    torch = oracle.torch
    rs = np.random.RandomState(17)
    logits, locs, scales = rs.randn(2, 3), rs.randn(2, 3), rs.rand(2, 3) + 0.5
    x = rs.randn(4, 2)
    conc = np.array([0.5, 2.0])
    lkj_values = oracle.dist("LKJCholesky")(3, torch.tensor(conc)).sample((3,)).numpy()

    def grads(dist: Any, tensor: Any) -> list[np.ndarray]:
        params = [tensor(logits), tensor(locs), tensor(scales), tensor(conc)]
        mixture = dist.MixtureSameFamily(dist.Categorical(logits=params[0]), dist.Normal(params[1], params[2]))
        loss = mixture.log_prob(tensor(x, False)).sum() + mixture.variance.sum() + mixture.mean.sum()
        loss = loss + dist.LKJCholesky(3, params[3]).log_prob(tensor(lkj_values, False)).sum()
        loss.backward()
        return [p.grad.numpy() for p in params]

    ours = grads(tocha.distributions, lambda a, g=True: _t(a, requires_grad=g))
    ref = grads(torch.distributions, lambda a, g=True: torch.tensor(a, dtype=torch.float64, requires_grad=g))
    for a, b in zip(ours, ref, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)
