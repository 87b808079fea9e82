"""Gamma, Dirichlet and binomial samplers and the implicit Gamma gradient (tocha._ops.random_gamma)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import tocha
from tocha.library import VjpContext

N = 100_000
FLOATS = [tocha.float16, tocha.bfloat16, tocha.float32, tocha.float64]
TINY = {"float16": 2.0**-14, "bfloat16": 2.0**-126, "float32": 2.0**-126, "float64": 2.0**-1022}


def gen(seed: int = 0) -> tocha.Generator:
    return tocha.Generator().manual_seed(seed)


def values(x: tocha.Tensor) -> np.ndarray:
    return x.double().numpy()


def ks_statistic(sample: np.ndarray, cdf: np.ndarray) -> float:
    """Kolmogorov-Smirnov distance between the empirical CDF of sorted ``sample`` and ``cdf`` at it."""
    n = sample.size
    upper = np.arange(1, n + 1) / n - cdf
    lower = cdf - np.arange(n) / n
    return float(max(upper.max(), lower.max()))


def gamma_cdf(a: float, x: np.ndarray) -> np.ndarray:
    return tocha.special.gammainc(tocha.full(x.shape, a, dtype=tocha.float64), tocha.from_numpy(x)).numpy()


def gamma_density(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    lgamma = tocha.lgamma(tocha.from_numpy(np.asarray(a, dtype=np.float64))).numpy()
    return np.exp((a - 1) * np.log(x) - x - lgamma)


# ------------------------------------------------------------------ _standard_gamma


@pytest.mark.parametrize("a", [0.05, 0.5, 1.0, 3.0, 40.0])
def test_standard_gamma_moments_and_ks(a: float) -> None:
    x = values(tocha._standard_gamma(tocha.full((N,), a, dtype=tocha.float64), generator=gen(1)))
    se = math.sqrt(a / N)
    assert abs(x.mean() - a) < 6 * se
    assert abs(x.var() - a) < 6 * a * math.sqrt((2 + 6 / a) / N)  # var of the sample variance: a²(2 + 6/a)/n
    head = np.sort(x[:20_000])  # the CDF is costly: KS on the first 20k draws
    assert ks_statistic(head, gamma_cdf(a, head)) < 1.95 / math.sqrt(head.size)  # 0.1% critical value: 1.95/√n


@pytest.mark.parametrize("d", FLOATS, ids=lambda d: d.name)
def test_standard_gamma_dtypes_shapes(d: tocha.dtype) -> None:
    alpha = tocha.full((3, 200), 2.0, dtype=d).t()  # non-contiguous
    x = tocha._standard_gamma(alpha, generator=gen())
    assert x.dtype is d
    assert x.shape == (200, 3)
    v = values(x)
    assert (v >= TINY[d.name]).all()
    assert abs(v.mean() - 2.0) < 0.3
    assert tocha._standard_gamma(tocha.tensor(2.0, dtype=d)).shape == ()
    assert tocha._standard_gamma(tocha.ones(0, 3, dtype=d)).shape == (0, 3)


def test_standard_gamma_edges_and_reproducibility() -> None:
    alpha = tocha.tensor([0.0, -1.0, math.nan, math.inf, 1e-30, 1e-3])
    x = values(tocha._standard_gamma(alpha, generator=gen()))
    tiny = TINY["float32"]
    assert x[[0, 1, 2, 4]].tolist() == [tiny] * 4
    assert x[3] == math.inf
    assert x[5] >= tiny
    a = tocha.rand(50) + 0.1
    assert tocha._standard_gamma(a, gen(5)).tolist() == tocha._standard_gamma(a, generator=gen(5)).tolist()
    assert tocha._standard_gamma(a, gen(5)).tolist() != tocha._standard_gamma(a, generator=gen(6)).tolist()
    tocha.manual_seed(3)
    first = tocha._standard_gamma(a)
    tocha.manual_seed(3)
    assert first.tolist() == tocha._standard_gamma(a).tolist()


def test_standard_gamma_errors() -> None:
    with pytest.raises(NotImplementedError, match=r"\"_standard_gamma\" not implemented for 'Long'"):
        tocha._standard_gamma(tocha.tensor([1, 2]))
    with pytest.raises(NotImplementedError, match="ComplexFloat"):
        tocha._standard_gamma(tocha.ones(2, dtype=tocha.complex64))
    with pytest.raises(TypeError, match=r"argument 'input' \(position 1\) must be Tensor, not list"):
        tocha._standard_gamma([1.0])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"argument 'generator' must be tocha\.Generator, not int"):
        tocha._standard_gamma(tocha.ones(2), generator=3)  # type: ignore[arg-type]


def test_standard_gamma_against_torch() -> None:
    torch = pytest.importorskip("torch")
    for name in ("float32", "float64"):
        ours = tocha._standard_gamma(tocha.ones(2, 3, dtype=getattr(tocha, name)))
        theirs = torch._standard_gamma(torch.ones(2, 3, dtype=getattr(torch, name)))
        assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
        assert tuple(ours.shape) == tuple(theirs.shape)
    edges = [0.0, -1.0, math.nan, math.inf, 1e-30]
    expected = torch._standard_gamma(torch.tensor(edges)).tolist()
    assert values(tocha._standard_gamma(tocha.tensor(edges))).tolist() == expected
    for fn in (torch._standard_gamma, torch._sample_dirichlet, torch.binomial):
        assert not hasattr(torch.Tensor, fn.__name__)  # functions only, no Tensor methods
    for name in ("_standard_gamma", "_standard_gamma_grad", "_sample_dirichlet", "_dirichlet_grad", "binomial"):
        assert not hasattr(torch.Tensor, name)
        assert not hasattr(tocha.Tensor, name)


# ------------------------------------------------------------------ _standard_gamma_grad

GRAD_ALPHAS = [1e-3, 0.02, 0.3, 1.0, 2.5, 9.0, 60.0, 1500.0]


def _grad_cases() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(4)
    a = np.repeat(GRAD_ALPHAS, 8)
    x = np.maximum(rng.gamma(a), 1e-300)
    return a, x


def test_standard_gamma_grad_against_mpmath() -> None:
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    a, x = _grad_cases()
    ours = tocha._standard_gamma_grad(tocha.from_numpy(a), tocha.from_numpy(x)).numpy()
    for ai, xi, gi in zip(a, x, ours, strict=True):
        am, xm = mpmath.mpf(float(ai)), mpmath.mpf(float(xi))
        d_da = mpmath.diff(lambda s, xm=xm: mpmath.gammainc(s, 0, xm, regularized=True), am)
        density = xm ** (am - 1) * mpmath.exp(-xm) / mpmath.gamma(am)
        expected = float(-d_da / density)
        assert abs(gi - expected) <= 1e-10 * abs(expected), (ai, xi, gi, expected)


def test_standard_gamma_grad_large_alpha_against_quadrature() -> None:
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 30

    def reference(a: float, x: float) -> float:  # dx/da = ∫₀^∞ (ln(x+u) - ψ(a)) (1+u/x)^(a-1) e^(-u) du
        am, xm = mpmath.mpf(a), mpmath.mpf(x)
        psi = mpmath.digamma(am)

        def integrand(u: Any) -> Any:
            return (mpmath.log(xm + u) - psi) * mpmath.exp((am - 1) * mpmath.log1p(u / xm) - u)

        points = sorted({mpmath.mpf(0), *(max(0, am - xm) + k * mpmath.sqrt(am) for k in (1, 3, 6, 10, 20, 40))})
        return float(mpmath.quad(integrand, [*points, mpmath.inf]))

    rng = np.random.default_rng(7)
    a = np.repeat([3e3, 9e4, 2e5, 1e6, 1e7], 3)
    x = rng.gamma(a)
    ours = tocha._standard_gamma_grad(tocha.from_numpy(a), tocha.from_numpy(x)).numpy()
    expected = np.array([reference(float(ai), float(xi)) for ai, xi in zip(a, x, strict=True)])
    np.testing.assert_allclose(ours, expected, rtol=1e-9)


def test_standard_gamma_grad_against_cdf_finite_differences() -> None:
    a, x = _grad_cases()
    keep = (x > 1e-200) & (a >= 0.02)  # P's relative accuracy limits the float64 difference quotient
    a, x = a[keep], x[keep]
    h = 1e-5 * a
    dp_da = (gamma_cdf_pairs(a + h, x) - gamma_cdf_pairs(a - h, x)) / (2 * h)
    expected = -dp_da / gamma_density(a, x)
    ours = tocha._standard_gamma_grad(tocha.from_numpy(a), tocha.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours, expected, rtol=1e-6)


def gamma_cdf_pairs(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """P(a, x) where it is below 1/2, else -Q(a, x) (same derivative, no cancellation against 1)."""
    p = tocha.special.gammainc(tocha.from_numpy(a), tocha.from_numpy(x)).numpy()
    q = tocha.special.gammaincc(tocha.from_numpy(a), tocha.from_numpy(x)).numpy()
    lower = gamma_cdf_lower_side(a, x)
    return np.where(lower, p, -q)


def gamma_cdf_lower_side(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    return x < a  # fixed per element (not per perturbed a), so both sides of the quotient use one branch


@pytest.mark.parametrize("d", [tocha.float16, tocha.bfloat16, tocha.float32], ids=lambda d: d.name)
def test_standard_gamma_grad_dtypes_and_broadcasting(d: tocha.dtype) -> None:
    a = tocha.tensor([[0.5], [2.0]], dtype=d)
    x = tocha.tensor([0.3, 1.0, 4.0], dtype=d)
    ours = tocha._standard_gamma_grad(a, x)
    assert ours.dtype is d
    assert ours.shape == (2, 3)
    a64, x64 = np.broadcast_arrays(values(a), values(x))
    expected = tocha._standard_gamma_grad(tocha.from_numpy(a64.copy()), tocha.from_numpy(x64.copy())).numpy()
    np.testing.assert_allclose(values(ours), expected, rtol=1e-2)
    assert tocha._standard_gamma_grad(tocha.ones(0, 2, dtype=d), tocha.ones(2, dtype=d)).shape == (0, 2)
    assert tocha._standard_gamma_grad(tocha.tensor(1.0, dtype=d), tocha.tensor(1.0, dtype=d)).shape == ()


def test_standard_gamma_grad_edges_and_errors() -> None:
    a = tocha.tensor([1.0, 1.0, 1.0, math.nan, 2.0, 0.0, -1.0, 1.0])
    x = tocha.tensor([math.inf, -1.0, math.nan, 1.0, 1e-30, 1.0, 1.0, 0.0])
    got = tocha._standard_gamma_grad(a, x).tolist()
    assert [math.isnan(v) for v in got] == [True, False, True, True, False, True, True, False]
    assert got[1] == 0.0
    assert got[7] == 0.0
    assert got[4] == pytest.approx(3.5e-29, rel=1e-3)  # x/a (ψ(a+1) - ln x) ... in float32
    with pytest.raises(RuntimeError, match="Found dtype Double but expected Float"):
        tocha._standard_gamma_grad(tocha.ones(3), tocha.ones(3, dtype=tocha.float64))
    with pytest.raises(NotImplementedError, match="'Long'"):
        tocha._standard_gamma_grad(tocha.ones(3, dtype=tocha.int64), tocha.ones(3, dtype=tocha.int64))
    with pytest.raises(RuntimeError, match=r"_standard_gamma_grad.*\[3\].*\[2\]"):
        tocha._standard_gamma_grad(tocha.ones(3), tocha.ones(2))


def test_standard_gamma_grad_against_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    a = np.exp(rng.uniform(math.log(1e-3), math.log(1e4), 5000))
    x = np.maximum(rng.gamma(a), 1e-300)
    theirs = torch._standard_gamma_grad(torch.from_numpy(a), torch.from_numpy(x)).numpy()
    ours = tocha._standard_gamma_grad(tocha.from_numpy(a), tocha.from_numpy(x)).numpy()
    # PyTorch's is an approximation: ~1e-3 relative, worse for a < 0.1 in the far right tail.
    big = a >= 0.1
    np.testing.assert_allclose(ours[big], theirs[big], rtol=1e-3)
    np.testing.assert_allclose(ours[~big], theirs[~big], rtol=1e-2)
    edges_a, edges_x = [1.0, 1.0, 0.0, -1.0, 1.0], [math.inf, -1.0, 1.0, 1.0, 0.0]
    expected = torch._standard_gamma_grad(torch.tensor(edges_a), torch.tensor(edges_x)).tolist()
    got = tocha._standard_gamma_grad(tocha.tensor(edges_a), tocha.tensor(edges_x)).tolist()
    assert np.array_equal(np.array(got), np.array(expected), equal_nan=True)


def _inverse_cdf(a: np.ndarray, u: np.ndarray) -> np.ndarray:
    """x with P(a, x) = u, by bisection in log space (float64, 200 halvings)."""
    lo, hi = np.full_like(a, -745.0), np.log(a + 40 * np.sqrt(a) + 50)
    for _ in range(200):
        mid = (lo + hi) / 2
        below = tocha.special.gammainc(tocha.from_numpy(a), tocha.from_numpy(np.exp(mid))).numpy() < u
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return np.exp((lo + hi) / 2)


def test_standard_gamma_vjp_against_inverse_cdf_differences() -> None:
    a = np.array([0.3, 1.0, 2.5, 7.0, 30.0])
    u = np.array([0.2, 0.5, 0.9, 0.35, 0.7])
    x = _inverse_cdf(a, u)
    h = 1e-4 * a
    expected = (_inverse_cdf(a + h, u) - _inverse_cdf(a - h, u)) / (2 * h)
    from tocha._ops.random_gamma import STANDARD_GAMMA

    grad = np.array([1.0, 2.0, -1.0, 0.5, 3.0])
    ctx = VjpContext(
        inputs=(tocha.from_numpy(a),),
        result=tocha.from_numpy(x),
        params=(gen(),),
        input_shapes=((5,),),
        input_dtypes=(tocha.float64,),
        needs_input_grad=(True,),
    )
    (got,) = STANDARD_GAMMA.vjp(ctx, tocha.from_numpy(grad))  # type: ignore[misc]
    np.testing.assert_allclose(got.numpy(), grad * expected, rtol=1e-6)


@pytest.mark.autograd
def test_standard_gamma_backward() -> None:
    a = tocha.tensor([0.5, 1.0, 4.0], dtype=tocha.float64, requires_grad=True)
    x = tocha._standard_gamma(a, generator=gen(2))
    assert x.requires_grad
    x.sum().backward()
    assert a.grad is not None
    expected = tocha._standard_gamma_grad(a.detach(), x.detach())
    assert a.grad.tolist() == expected.tolist()
    y = tocha._standard_gamma_grad(a, x.detach())
    assert y.requires_grad
    with pytest.raises(NotImplementedError, match="the derivative for '_standard_gamma_grad' is not implemented"):
        y.sum().backward()


@pytest.mark.autograd
def test_not_differentiable_samplers_raise_on_backward() -> None:
    p = tocha.full((3,), 0.5, requires_grad=True)
    for y in (tocha.binomial(tocha.full((3,), 4.0), p), tocha._sample_dirichlet(p)):
        assert y.requires_grad
        with pytest.raises(RuntimeError, match="is not implemented"):
            y.sum().backward()


# ------------------------------------------------------------------ _sample_dirichlet


def test_sample_dirichlet_moments() -> None:
    alpha = np.array([0.5, 2.0, 4.0])
    x = values(tocha._sample_dirichlet(tocha.from_numpy(np.tile(alpha, (N, 1))), generator=gen(3)))
    total = alpha.sum()
    mean = alpha / total
    var = mean * (1 - mean) / (total + 1)
    np.testing.assert_allclose(x.sum(-1), 1.0, rtol=1e-12)
    assert (np.abs(x.mean(0) - mean) < 6 * np.sqrt(var / N)).all()
    assert (np.abs(x.var(0) - var) < 0.05 * var).all()
    # The marginal of component 0 is Beta(0.5, 6): the fraction below t is I_t(0.5, 6); check one point.
    below = (x[:, 0] < 0.1).mean()
    expected = 0.729310006909608  # regularised incomplete beta I_0.1(0.5, 6), from mpmath
    assert abs(below - expected) < 6 * math.sqrt(expected * (1 - expected) / N)


@pytest.mark.parametrize("d", FLOATS, ids=lambda d: d.name)
def test_sample_dirichlet_dtypes_shapes_edges(d: tocha.dtype) -> None:
    x = tocha._sample_dirichlet(tocha.ones(3, 4, dtype=d).t(), generator=gen())
    assert x.dtype is d
    assert x.shape == (4, 3)
    np.testing.assert_allclose(values(x).sum(-1), 1.0, rtol=1e-2)
    assert tocha._sample_dirichlet(tocha.ones(0, dtype=d)).shape == (0,)
    assert tocha._sample_dirichlet(tocha.ones(2, 0, dtype=d)).shape == (2, 0)
    below_one = {"float16": 1 - 2.0**-11, "bfloat16": 1 - 2.0**-8, "float32": 1 - 2.0**-24, "float64": 1 - 2.0**-53}
    assert values(tocha._sample_dirichlet(tocha.tensor(2.0, dtype=d))).tolist() == below_one[d.name]
    underflow = values(tocha._sample_dirichlet(tocha.full((4, 3), 1e-30, dtype=tocha.float64).to(d)))
    if d in (tocha.float32, tocha.float64):
        np.testing.assert_allclose(underflow, 1 / 3, rtol=1e-2)  # every gamma underflows: uniform
    edge = values(tocha._sample_dirichlet(tocha.tensor([[0.0, 1.0], [0.0, 0.0], [math.inf, 1.0]], dtype=d)))
    tiny = TINY[d.name]
    assert edge[0, 1] == below_one[d.name]
    assert edge[0, 0] == tiny if d is not tocha.float64 else tiny <= edge[0, 0] < 1e-300  # tiny64 / Gamma(1)
    assert edge[1].tolist() == [0.5, 0.5]
    assert edge[2].tolist() == [tiny, tiny]


def test_sample_dirichlet_errors() -> None:
    with pytest.raises(NotImplementedError, match=r"\"_sample_dirichlet\" not implemented for 'Long'"):
        tocha._sample_dirichlet(tocha.tensor([1, 2]))
    with pytest.raises(TypeError, match="must be Tensor"):
        tocha._sample_dirichlet((1.0, 2.0))  # type: ignore[arg-type]


def test_sample_dirichlet_against_torch() -> None:
    torch = pytest.importorskip("torch")
    cases = [[[1e-30] * 3] * 2, [0.0, 1.0], [0.0, 0.0], [-1.0, 1.0], [math.nan, 1.0], [math.inf, 1.0], 2.0]
    for d in ("float32", "float64"):
        for case in cases:
            theirs = torch._sample_dirichlet(torch.tensor(case, dtype=getattr(torch, d)))
            ours = tocha._sample_dirichlet(tocha.tensor(case, dtype=getattr(tocha, d)))
            assert ours.dtype.name == d
            assert tuple(ours.shape) == tuple(theirs.shape)
            random_tiny = d == "float64" and case in ([0.0, 1.0], [-1.0, 1.0], [math.nan, 1.0])
            if not random_tiny:  # float64 keeps tiny64 / Gamma(1), a random number, there
                assert np.array_equal(np.array(ours.tolist()), np.array(theirs.tolist())), (d, case)


# ------------------------------------------------------------------ binomial


@pytest.mark.parametrize(("n", "p"), [(10.0, 0.3), (1000.0, 0.02), (7.0, 0.9)])
def test_binomial_moments(n: float, p: float) -> None:
    x = values(tocha.binomial(tocha.full((N,), n, dtype=tocha.float64), tocha.full((N,), p, dtype=tocha.float64)))
    assert (x == np.round(x)).all()
    assert x.min() >= 0
    assert x.max() <= n
    mean, var = n * p, n * p * (1 - p)
    assert abs(x.mean() - mean) < 6 * math.sqrt(var / N)
    assert abs(x.var() - var) < 0.05 * var


@pytest.mark.parametrize("d", FLOATS, ids=lambda d: d.name)
def test_binomial_dtypes_broadcasting(d: tocha.dtype) -> None:
    count = tocha.tensor([[5.0], [20.0]], dtype=d)
    prob = tocha.full((3, 2), 0.5, dtype=d).t()  # (2, 3), non-contiguous
    x = tocha.binomial(count, prob, generator=gen())
    assert x.dtype is d
    assert x.shape == (2, 3)
    v = values(x)
    assert (v[0] <= 5).all()
    assert (v[1] <= 20).all()
    assert (v >= 0).all()
    assert tocha.binomial(tocha.full((3,), 4.0, dtype=d), tocha.full((2, 3), 0.5, dtype=d)).shape == (2, 3)
    assert tocha.binomial(tocha.tensor(3.0, dtype=d), tocha.tensor(0.5, dtype=d)).shape == ()
    assert tocha.binomial(tocha.ones(0, dtype=d), tocha.ones(0, dtype=d)).shape == (0,)


def test_binomial_edges_and_errors() -> None:
    got = tocha.binomial(tocha.full((6,), 10.0), tocha.tensor([1.5, 1.0, 2.0, -0.1, -5.0, math.inf])).tolist()
    assert got == [10.0, 10.0, 10.0, 0.0, 0.0, 10.0]
    got = values(tocha.binomial(tocha.tensor([2.5, -0.5, math.nan, 0.0]), tocha.tensor([1.0, 1.0, 1.0, math.nan])))
    assert got[:2].tolist() == [2.5, 0.0]
    assert math.isnan(got[2])
    assert got[3] == 0.0
    with pytest.raises(ValueError, match="binomial only supports floating-point dtypes for count, got: Long"):
        tocha.binomial(tocha.full((3,), 10), tocha.full((3,), 0.5))
    with pytest.raises(ValueError, match="binomial only supports floating-point dtypes for prob, got: Long"):
        tocha.binomial(tocha.full((3,), 10.0), tocha.full((3,), 1))
    with pytest.raises(RuntimeError, match="Found dtype Double but expected Float"):
        tocha.binomial(tocha.full((3,), 10.0), tocha.full((3,), 0.5, dtype=tocha.float64))
    with pytest.raises(RuntimeError, match=r"binomial.*\[3\].*\[2\]"):
        tocha.binomial(tocha.full((3,), 10.0), tocha.full((2,), 0.5))
    with pytest.raises(TypeError, match=r"argument 'prob' \(position 2\) must be Tensor, not float"):
        tocha.binomial(tocha.full((3,), 10.0), 0.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"argument 'count' \(position 1\) must be Tensor, not float"):
        tocha.binomial(3.0, tocha.full((3,), 0.5))  # type: ignore[arg-type]


def test_binomial_against_torch() -> None:
    torch = pytest.importorskip("torch")
    count = [0.0, 3.0, 3.0, -1.0, 2.5, math.nan, 10.0, 10.0, 0.0, math.inf, math.inf]
    prob = [0.5, 0.0, 1.0, 0.5, 1.0, 0.0, math.nan, -math.inf, math.nan, 1.0, 0.0]
    expected = torch.binomial(torch.tensor(count), torch.tensor(prob)).tolist()
    got = tocha.binomial(tocha.tensor(count), tocha.tensor(prob)).tolist()
    assert np.array_equal(np.array(got), np.array(expected), equal_nan=True)
    for c_dtype, p_dtype in (("float32", "float64"), ("int64", "float32"), ("float32", "int64"), ("bool", "float32")):
        c = torch.ones(2, dtype=getattr(torch, c_dtype))
        p = torch.ones(2, dtype=getattr(torch, p_dtype))
        with pytest.raises(Exception) as theirs:
            torch.binomial(c, p)
        with pytest.raises(type(theirs.value), match=str(theirs.value)):
            tocha.binomial(tocha.ones(2, dtype=getattr(tocha, c_dtype)), tocha.ones(2, dtype=getattr(tocha, p_dtype)))
    assert str(torch.binomial(torch.ones(2, dtype=torch.float64), torch.ones(2, dtype=torch.float64)).dtype) == (
        "torch.float64"
    )


def test_onnx_does_not_fold_the_samplers() -> None:
    symbolic: Any = pytest.importorskip("tocha.onnx._symbolic")
    assert {"_standard_gamma", "_sample_dirichlet", "binomial"} <= symbolic.NO_FOLD


# ------------------------------------------------------------------ cuda


@pytest.mark.gpu
def test_gpu_samplers_replay_and_match_cpu_gradient() -> None:
    cuda = tocha.cuda
    alpha = tocha.full((2000,), 3.0, device="cuda")

    def draw() -> list[tocha.Tensor]:
        return [
            tocha._standard_gamma(alpha),
            tocha._sample_dirichlet(tocha.ones(500, 4, device="cuda")),
            tocha.binomial(tocha.full((2000,), 10.0, device="cuda"), tocha.full((2000,), 0.3, device="cuda")),
        ]

    cuda.manual_seed(9)
    state = cuda.get_rng_state()
    first = draw()
    cuda.set_rng_state(state)
    for a, b in zip(first, draw(), strict=True):
        assert a.device.type == "cuda"
        assert a.cpu().tolist() == b.cpu().tolist()
    g, d, b = (values(t.cpu()) for t in first)
    assert abs(g.mean() - 3.0) < 0.25
    assert abs(b.mean() - 3.0) < 0.25
    np.testing.assert_allclose(d.sum(-1), 1.0, rtol=1e-5)
    assert first[0].tolist() != tocha._standard_gamma(alpha).tolist()  # the stream moved on
    a64 = tocha.tensor([0.01, 0.5, 2.0, 50.0], dtype=tocha.float64)
    x64 = tocha.tensor([1e-5, 0.2, 3.0, 45.0], dtype=tocha.float64)
    on_gpu = tocha._standard_gamma_grad(a64.cuda(), x64.cuda())
    assert on_gpu.device.type == "cuda"
    np.testing.assert_allclose(values(on_gpu.cpu()), values(tocha._standard_gamma_grad(a64, x64)), rtol=1e-12)
