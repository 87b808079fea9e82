"""tocha.special: hand values, special values, aliases, PyTorch agreement, gradients and errors."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import tocha
import tocha.special as S

RNG = np.random.default_rng(11)
INF, NAN = math.inf, math.nan


def t(a: Any) -> Any:
    return tocha.from_numpy(np.array(a, dtype=np.float64))


def close(actual: Any, expected: Any, rtol: float = 1e-14, atol: float = 0.0) -> None:
    np.testing.assert_allclose(np.asarray(actual.numpy(), dtype=np.float64), expected, rtol=rtol, atol=atol)


# ------------------------------------------------------------------ hand-checked values (A&S, DLMF, SciPy)


def test_bessel_i_values() -> None:
    x = t([0.0, 1.0, 2.0, -3.0, 25.0, 100.0])
    close(S.i0(x), [1.0, 1.2660658777520082, 2.279585302336067, 4.880792585865024, 5774560606.4663105,
                    1.0737517071310738e42], rtol=4e-15)  # fmt: skip
    close(S.i1(x), [0.0, 0.5651591039924851, 1.5906368546373295, -3.9533702174026093, 5657865129.878702,
                    1.0683693903381625e42], rtol=4e-15)  # fmt: skip
    close(S.i0e(x), [1.0, 0.46575960759364043, 0.308508322553671, 0.24300035416182536, 0.08019677354743669,
                     0.03994437929909668], rtol=4e-15)  # fmt: skip
    close(S.i1e(x), [0.0, 0.2079104153497085, 0.2152692892489377, -0.19682671329730084, 0.07857611331929278,
                     0.03974415302513025], rtol=4e-15)  # fmt: skip
    assert tocha.i0 is S.i0
    special = t([INF, -INF, NAN])
    assert S.i0e(special).tolist()[:2] == [0.0, 0.0]
    assert all(math.isnan(v) for v in S.i0(special).tolist() + S.i1(special).tolist())  # nan at ±inf, as PyTorch
    assert all(math.isnan(f(special).tolist()[2]) for f in (S.i0, S.i0e, S.i1, S.i1e))
    assert S.i0(t([800.0])).tolist() == [INF]  # overflows, as PyTorch


def test_bessel_j_values() -> None:
    x = t([0.0, 1.0, 2.404825557695773, 5.0, -10.0, 30.0, 1000.0])
    close(S.bessel_j0(x), [1.0, 0.7651976865579665, -9.586882554916807e-17, -0.1775967713143383, -0.24593576445134832,
                           -0.08636798358104031, 0.02478668615242003], atol=5e-16, rtol=1e-14)  # fmt: skip
    close(S.bessel_j1(x), [0.0, 0.44005058574493355, 0.5191474972894666, -0.3275791375914653, -0.04347274616886141,
                           -0.11875106261662305, 0.00472831190708902], atol=5e-16, rtol=1e-14)  # fmt: skip
    assert all(math.isnan(v) for v in S.bessel_j0(t([INF, -INF, NAN])).tolist())  # nan at ±inf, as PyTorch


def test_normal_distribution_values() -> None:
    close(S.ndtr(t([0.0, 1.0, -1.0, -10.0])), [0.5, 0.8413447460685429, 0.15865525393145707, 7.61985302416047e-24],
          rtol=1e-14)  # fmt: skip
    close(S.log_ndtr(t([0.0, 3.0, -3.0, -40.0])),
          [-0.6931471805599453, -0.0013508099647481925, -6.60772622151035, -804.6084420137539], rtol=1e-14)  # fmt: skip
    p = t([0.5, 0.975, 0.025, 1e-10, 1e-300, 1 - 1e-10])
    close(S.ndtri(p), [0.0, 1.959963984540054, -1.9599639845400545, -6.361340902404056, -37.0470962993612,
                       6.361340889697422], rtol=1e-14)  # fmt: skip
    edge = S.ndtri(t([0.0, 1.0, -0.5, 1.5, NAN])).tolist()
    assert edge[:2] == [-INF, INF]
    assert all(math.isnan(v) for v in edge[2:])
    # ndtri inverts ndtr to an ulp or two across the whole range
    q = np.concatenate([np.geomspace(1e-300, 0.5, 400), np.linspace(0.01, 0.99, 99)])
    close(S.ndtr(S.ndtri(t(q))), q, rtol=1e-12)  # ndtr amplifies by x² in the tail


def test_erfcx_values() -> None:
    x = t([0.0, 1.0, -1.0, 10.0, 1e5, 30.0, -30.0])
    close(S.erfcx(x), [1.0, 0.427583576155807, 5.008980080762283, 0.05614099274382259, 5.6418958351954685e-06,
                       0.018795888861416754, INF], rtol=4e-15)  # fmt: skip
    assert S.erfcx(t([INF])).tolist() == [0.0]


def test_zeta_values() -> None:
    x = t([2.0, 4.0, 3.0, 2.0, 1.0, 0.5, 2.0, 2.0])
    q = t([1.0, 1.0, 2.0, 0.5, 1.0, 1.0, 0.0, -1.5])
    expected = [
        math.pi**2 / 6,
        math.pi**4 / 90,
        0.2020569031595943,
        math.pi**2 / 2,
        INF,
        NAN,
        INF,
        4 / 9 + 4 + math.pi**2 / 2,
    ]
    close(S.zeta(x, q), expected, rtol=1e-12)
    assert math.isnan(S.zeta(t([2.5]), t([-1.5])).item())  # negative q with a non-integer exponent
    assert S.zeta(2.0, tocha.tensor([1.0])).dtype is tocha.float32
    assert S.zeta(tocha.tensor([2, 3]), tocha.tensor([1, 1])).dtype is tocha.float32


def test_elementary_values() -> None:
    close(S.sinc(t([0.0, 0.5, -1.5, 2.0])), [1.0, 2 / math.pi, -2 / (3 * math.pi), 0.0], atol=1e-16)
    close(S.entr(t([0.0, 0.5, 1.0, 2.0])), [0.0, 0.5 * math.log(2), 0.0, -2 * math.log(2)])
    assert S.entr(t([-1.0, INF])).tolist() == [-INF, -INF]
    close(S.xlog1py(t([0.0, 2.0, 0.0]), t([-1.0, math.e - 1, 3.0])), [0.0, 2.0, 0.0])
    assert math.isnan(S.xlog1py(t([0.0]), t([NAN])).item())
    close(S.multigammaln(t([2.0, 3.5]), 3), [math.log(math.pi**1.5) + sum(math.lgamma(v - j / 2) for j in range(3))
                                             for v in (2.0, 3.5)])  # fmt: skip
    close(S.softmax(t([[1.0, 2.0], [3.0, 3.0]]), 1), [[1 / (1 + math.e), math.e / (1 + math.e)], [0.5, 0.5]])
    close(S.log_softmax(t([0.0, 0.0, 0.0, 0.0]), 0), [-math.log(4)] * 4)
    close(S.softmax(t([-INF, 0.0]), 0), [0.0, 1.0])
    assert S.softmax(tocha.tensor(3.0), 0).item() == 1.0
    assert S.softmax(tocha.tensor([1, 2]), 0, dtype=tocha.float64).dtype is tocha.float64
    assert S.softmax(tocha.tensor([1.0, 2.0], dtype=tocha.float16), 0).dtype is tocha.float16


def test_aliases_and_reexports() -> None:
    assert S.expit is tocha.sigmoid
    assert S.gammaln is tocha.lgamma
    assert S.psi is tocha.digamma
    for name in ("erf", "erfc", "erfinv", "logit", "xlogy", "digamma", "polygamma", "logsumexp", "exp2", "expm1",
                 "log1p", "round"):  # fmt: skip
        assert getattr(S, name) is getattr(tocha, name)
    assert set(S.__all__) <= set(dir(S))


def test_dtypes_promotion_and_shapes() -> None:
    assert S.i0(tocha.tensor([1, 2])).dtype is tocha.float32
    assert S.i0e(tocha.tensor([True])).dtype is tocha.float32
    assert S.i1(tocha.ones(2, dtype=tocha.float16)).dtype is tocha.float16
    assert S.sinc(tocha.ones(2, dtype=tocha.bfloat16)).dtype is tocha.bfloat16
    assert S.sinc(tocha.tensor([1 + 1j])).dtype is tocha.complex64
    assert S.ndtr(tocha.tensor([0, 1])).dtype is tocha.float32
    assert S.ndtr(tocha.ones(2, dtype=tocha.float64)).dtype is tocha.float64
    assert S.xlog1py(tocha.tensor([1, 2]), 1).dtype is tocha.float32
    for f in (S.i0, S.i1e, S.erfcx, S.ndtri, S.log_ndtr, S.bessel_j0, S.bessel_j1, S.entr, S.sinc):
        assert f(tocha.zeros(0, 3)).shape == (0, 3)
        assert f(tocha.tensor(0.25)).shape == ()
    x = t(RNG.uniform(0.1, 0.9, (4, 6)))
    close(S.ndtri(x[:, ::2]), S.ndtri(x[:, ::2].contiguous()).numpy(), rtol=0)
    out = tocha.empty(3)
    assert S.i0(tocha.ones(3), out=out) is out
    x = tocha.tensor([0.0, 1.0])
    assert x.i0_() is x
    assert x.tolist() == pytest.approx([1.0, 1.2660658777520082])
    assert tocha.ones(2).sinc().tolist() == pytest.approx([0.0, 0.0], abs=1e-7)


def test_errors() -> None:
    with pytest.raises(NotImplementedError, match="\"erfcx\" not implemented for 'Half'"):
        S.erfcx(tocha.ones(2, dtype=tocha.float16))
    with pytest.raises(NotImplementedError, match="\"bessel_j0\" not implemented for 'BFloat16'"):
        S.bessel_j0(tocha.ones(2, dtype=tocha.bfloat16))
    with pytest.raises(NotImplementedError, match="not implemented for 'ComplexFloat'"):
        S.i0(tocha.ones(2, dtype=tocha.complex64))
    below_domain = S.multigammaln(tocha.tensor([0.1, 0.5, 1.0], dtype=tocha.float64), 3)  # not refused, as PyTorch
    assert below_domain[1].item() == math.inf
    assert below_domain[0].item() == pytest.approx(
        sum(math.lgamma(0.1 - j / 2) for j in range(3)) + 1.5 * math.log(math.pi)
    )
    with pytest.raises(RuntimeError, match="p has to be greater than or equal to 1"):
        S.multigammaln(tocha.tensor([2.0]), 0)
    with pytest.raises(NotImplementedError, match="\"softmax_lastdim_kernel_impl\" not implemented for 'Long'"):
        S.softmax(tocha.tensor([1, 2]), 0)
    with pytest.raises(IndexError, match="Dimension out of range"):
        S.log_softmax(tocha.ones(2), 1)
    with pytest.raises(TypeError):
        S.i0([1.0])
    with pytest.raises(RuntimeError, match="can't be cast"):
        tocha.tensor([1, 2]).i0_()


# ------------------------------------------------------------------ PyTorch

UNARY = ["erfcx", "i0", "i0e", "i1", "i1e", "ndtr", "ndtri", "log_ndtr", "bessel_j0", "bessel_j1", "sinc", "entr",
         "expit", "gammaln", "psi", "erf", "erfc", "erfinv", "logit", "exp2", "expm1", "log1p", "digamma"]  # fmt: skip


def _points(name: str) -> np.ndarray:
    if name in ("ndtri", "erfinv", "logit"):
        return np.concatenate([RNG.uniform(0.0, 1.0, 200), [0.0, 1.0, 0.5, 1e-300, NAN]])
    if name in ("gammaln", "psi", "digamma", "entr"):
        return np.concatenate([RNG.uniform(0.01, 30.0, 200), [0.0, 1.0, INF, NAN]])
    return np.concatenate(
        [RNG.uniform(-40, 40, 200), RNG.uniform(-3, 3, 200), [0.0, -0.0, 1.0, -1.0, 20.0, 25.0, INF, -INF, NAN]]
    )


@pytest.mark.parametrize("name", UNARY)
def test_unary_matches_pytorch(name: str) -> None:
    torch = pytest.importorskip("torch")
    x = _points(name)
    for np_dtype in (np.float64, np.float32):
        a = x.astype(np_dtype)
        ours = getattr(S, name)(tocha.from_numpy(a))
        theirs = getattr(torch.special, name)(torch.from_numpy(a))
        assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
        rtol, atol = (1e-12, 1e-300) if np_dtype == np.float64 else (2e-6, 1e-6)
        if name.startswith("bessel_j"):
            atol = 1e-6  # PyTorch's own Bessel J is accurate to ~4e-7
        if name == "ndtr":  # PyTorch's 0.5 (1 + erf(x/√2)) cancels in the lower tail; tocha's erfc form keeps the tail
            keep = ~(a < -3)
            ours, theirs = ours[tocha.from_numpy(keep)], theirs[torch.from_numpy(keep)]
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=rtol, atol=atol, equal_nan=True)


def test_binary_and_reductions_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    x = RNG.uniform(1.0, 10.0, 50)
    q = np.concatenate([RNG.uniform(0.1, 30.0, 45), [-1.5, -2.5, 0.0, -1.0, 1.0]])
    x[-5:] = [2.0, 4.0, 2.0, 3.0, 1.0]
    np.testing.assert_allclose(
        S.zeta(t(x), t(q)).numpy(), torch.special.zeta(torch.from_numpy(x), torch.from_numpy(q)).numpy(), rtol=1e-12
    )
    a, b = RNG.standard_normal(30), RNG.uniform(-0.9, 5.0, 30)
    a[:5] = 0.0
    np.testing.assert_allclose(
        S.xlog1py(t(a), t(b)).numpy(), torch.special.xlog1py(torch.from_numpy(a), torch.from_numpy(b)).numpy()
    )
    m = RNG.standard_normal((3, 4)) * 5
    for name in ("softmax", "log_softmax"):
        for dim in (0, 1, -1):
            np.testing.assert_allclose(
                getattr(S, name)(t(m), dim).numpy(), getattr(torch.special, name)(torch.from_numpy(m), dim).numpy()
            )
    v = RNG.uniform(2.0, 9.0, 10)
    for p in (1, 2, 5):
        np.testing.assert_allclose(
            S.multigammaln(t(v), p).numpy(), torch.special.multigammaln(torch.from_numpy(v), p).numpy(), rtol=1e-13
        )


# ------------------------------------------------------------------ gradients

OTHER = t(RNG.uniform(0.5, 2.0, (3, 4)))
GRAD_CASES = [
    ("erfcx", lambda x: S.erfcx(x), (-2.0, 5.0)),
    ("i0", lambda x: S.i0(x), (-5.0, 5.0)),
    ("i0e", lambda x: S.i0e(x), (-5.0, 5.0)),
    ("i1", lambda x: S.i1(x), (-5.0, 5.0)),
    ("i1e", lambda x: S.i1e(x), (-5.0, 5.0)),
    ("ndtr", lambda x: S.ndtr(x), (-3.0, 3.0)),
    ("ndtri", lambda x: S.ndtri(x), (0.05, 0.95)),
    ("log_ndtr", lambda x: S.log_ndtr(x), (-10.0, 3.0)),
    ("sinc", lambda x: S.sinc(x), (-3.0, 3.0)),
    ("entr", lambda x: S.entr(x), (0.1, 3.0)),
    ("xlog1py", lambda x: S.xlog1py(x, OTHER), (0.1, 3.0)),
    ("xlog1py-other", lambda x: S.xlog1py(OTHER, x), (0.1, 3.0)),
    ("zeta", lambda x: S.zeta(3.0, x), (0.5, 4.0)),
    ("multigammaln", lambda x: S.multigammaln(x, 3), (1.5, 5.0)),
    ("softmax", lambda x: S.softmax(x, 1), (-3.0, 3.0)),
    ("log_softmax", lambda x: S.log_softmax(x, 0), (-3.0, 3.0)),
]


@pytest.mark.parametrize(("name", "fn", "domain"), GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradcheck(name: str, fn: Any, domain: tuple[float, float]) -> None:
    autograd = pytest.importorskip("tocha.autograd")
    x = t(RNG.uniform(*domain, (3, 4))).requires_grad_()
    assert autograd.gradcheck(fn, (x,))
    assert autograd.gradgradcheck(fn, (x,))


def test_sinc_complex_gradcheck_and_zero() -> None:
    autograd = pytest.importorskip("tocha.autograd")
    z = tocha.from_numpy(RNG.uniform(-1, 1, 5) + 1j * RNG.uniform(-1, 1, 5)).requires_grad_()
    assert autograd.gradcheck(S.sinc, (z,))
    x = tocha.tensor([0.0, 0.0], dtype=tocha.float64, requires_grad=True)
    S.sinc(x).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]
    y = tocha.tensor([0.0], dtype=tocha.float64, requires_grad=True)
    S.i1(y).backward(tocha.ones(1, dtype=tocha.float64))
    assert y.grad.tolist() == [0.5]


def test_gradients_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    pytest.importorskip("tocha.autograd")
    a = RNG.uniform(0.1, 0.9, 6)
    for name in ("erfcx", "i0", "i0e", "i1", "i1e", "ndtri", "log_ndtr", "sinc", "entr", "ndtr"):
        x = t(a).requires_grad_()
        getattr(S, name)(x).sum().backward()
        tx = torch.from_numpy(a).requires_grad_()
        getattr(torch.special, name)(tx).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, err_msg=name)


def test_zeta_is_not_differentiable_in_its_exponent() -> None:
    pytest.importorskip("tocha.autograd")
    q = t([1.5, 2.0]).requires_grad_()
    S.zeta(2.0, q).sum().backward()
    close(q.grad, [-2.0 * S.zeta(3.0, t([1.5])).item(), -2.0 * S.zeta(3.0, t([2.0])).item()], rtol=1e-14)
    assert tocha.library.get_op("zeta").differentiable_inputs == (1,)
    assert tocha.library.get_op("bessel_j0").vjp is None


# ------------------------------------------------------------------ incomplete gamma


def test_incomplete_gamma_values_and_edges() -> None:
    a = t([1.0, 2.0, 0.5, 3.0, 25.25])
    x = t([1.0, 1.0, 2.0, 30.0, 17.97])
    p = S.gammainc(a, x).numpy()
    # P(1, x) = 1 - e^-x; P(2, x) = 1 - (1 + x) e^-x; P(1/2, x) = erf(√x)
    np.testing.assert_allclose(p[:3], [1 - math.exp(-1), 1 - 2 * math.exp(-1), math.erf(math.sqrt(2))], rtol=1e-14)
    np.testing.assert_allclose(S.gammaincc(a, x).numpy(), 1 - p, rtol=1e-12, atol=1e-15)
    # Q(3, 30) = e^-30 (1 + 30 + 450), computed directly, not as 1 - P
    assert S.gammaincc(t([3.0]), t([30.0])).item() == pytest.approx(math.exp(-30) * 481, rel=1e-13)
    edges_a = t([0.0, 0.0, 1.0, -1.0, 1.0, INF, INF, 2.0, 1.0])
    edges_x = t([1.0, 0.0, 0.0, 1.0, -1.0, 1.0, INF, INF, NAN])
    lower = S.gammainc(edges_a, edges_x).tolist()
    upper = S.gammaincc(edges_a, edges_x).tolist()
    assert lower[0] == 1.0
    assert lower[2] == 0.0
    assert lower[5] == 0.0
    assert lower[7] == 1.0
    assert upper[0] == 0.0
    assert upper[2] == 1.0
    assert upper[5] == 1.0
    assert upper[7] == 0.0
    for i in (1, 3, 4, 6, 8):
        assert math.isnan(lower[i])
        assert math.isnan(upper[i])
    with pytest.raises(NotImplementedError, match="\"gammainc\" not implemented for 'Long'"):
        S.gammainc(tocha.tensor([1]), tocha.tensor([1]))
    with pytest.raises(TypeError, match="must be Tensor"):
        S.gammaincc(tocha.tensor([1.0]), 2.0)
    assert S.gammainc(tocha.ones(2), tocha.ones(2, dtype=tocha.float64)).dtype is tocha.float64


def _poisson_upper(n: int, x: float) -> float:
    """Q(n, x) for an integer n: P(Poisson(x) < n) = Σₖ₌₀ⁿ⁻¹ e⁻ˣ xᵏ/k!, summed exactly rounded in log space."""
    return math.fsum(math.exp(k * math.log(x) - x - math.lgamma(k + 1)) for k in range(n))


def _poisson_lower(n: int, x: float) -> float:
    """P(n, x) = P(Poisson(x) >= n), summed over the terms that matter."""
    top = n + int(x - n + 60 * math.sqrt(x)) + 60
    return math.fsum(math.exp(k * math.log(x) - x - math.lgamma(k + 1)) for k in range(n, top))


def _exponential_integral(x: float) -> float:
    """E1(x) = -C - ln x - Σₖ (-x)ᵏ/(k k!) for 0 < x <= 1 (C: Euler's constant)."""
    return -0.5772156649015329 - math.log(x) - math.fsum((-x) ** k / (k * math.factorial(k)) for k in range(1, 30))


def test_incomplete_gamma_for_a_tiny_shape() -> None:
    # Q(a, x) = a E1(x) + O(a²): computed as 1 - P it cancelled to -2e-14
    x = [0.5, 1.0, 1e-300, 1e-3]
    for a in (1e-300, 1e-30, 1e-12):
        expected = np.array([a * _exponential_integral(v) for v in x])
        # (the reference drops O((a ln x)²): 3e-10 of it at a = 1e-12, x = 1e-300)
        np.testing.assert_allclose(S.gammaincc(t([a] * 4), t(x)).numpy(), expected, rtol=1e-9)
        np.testing.assert_allclose(S.gammainc(t([a] * 4), t(x)).numpy(), 1 - expected, rtol=1e-15)
    # the series also serves moderate shapes with small x: against the Poisson sum
    np.testing.assert_allclose(S.gammaincc(t([1.0, 2.0]), t([0.3, 1.05])).numpy(),
                               [_poisson_upper(1, 0.3), _poisson_upper(2, 1.05)], rtol=1e-14)  # fmt: skip


def test_incomplete_gamma_for_a_large_shape() -> None:
    # Temme's expansion from a = 1e4: the sums it replaces stopped 6e-5 short at a = 1e6
    n = np.array([10_000, 20_000, 80_000, 80_000, 250_000, 250_000])
    x = n + np.array([0.0, 3.0, -5.0, 0.1, 8.0, -1.0]) * np.sqrt(n)
    upper = S.gammaincc(t(n.astype(float)), t(x)).numpy()
    lower = S.gammainc(t(n.astype(float)), t(x)).numpy()
    # the references' terms carry ~1e-11 each
    np.testing.assert_allclose(upper, [_poisson_upper(int(k), v) for k, v in zip(n, x, strict=True)], rtol=1e-9)
    np.testing.assert_allclose(lower, [_poisson_lower(int(k), v) for k, v in zip(n, x, strict=True)], rtol=1e-9)
    # far beyond what the sums could reach: the normal limit P(a, a + z√a) → Φ(z)
    huge = S.gammainc(t([1e12, 1e12]), t([1e12, 1e12 + 2e6])).numpy()
    np.testing.assert_allclose(huge, [0.5, 0.5 * math.erfc(-2 / math.sqrt(2))], rtol=1e-5)


def test_temme_coefficients_are_the_exact_series() -> None:
    """Re-derive the Taylor coefficients of c0(η), c1(η) (special_ops._TEMME_C0/_C1) in exact arithmetic."""
    from fractions import Fraction

    from tocha._ops import special_ops

    order = len(special_ops._TEMME_C0)
    n = order + 4

    def mul(p: list[Fraction], q: list[Fraction]) -> list[Fraction]:
        return [sum((p[i] * q[k - i] for i in range(k + 1)), Fraction(0)) for k in range(n)]

    def inverse(p: list[Fraction]) -> list[Fraction]:
        result = [1 / p[0]]
        for k in range(1, n):
            result.append(-sum((p[i] * result[k - i] for i in range(1, k + 1)), Fraction(0)) / p[0])
        return result

    # h(μ)² = 2(μ - ln(1 + μ))/μ² = Σ 2(-μ)ᵏ/(k + 2); η = μ h(μ)
    h2 = [Fraction(2 * (-1) ** k, k + 2) for k in range(n)]
    h = [Fraction(1)]
    for k in range(1, n):
        h.append((h2[k] - sum((h[i] * h[k - i] for i in range(1, k)), Fraction(0))) / 2)
    # reversion: μ(η) = η / h(μ(η)), one more exact coefficient per pass
    eta = [Fraction(0), Fraction(1)] + [Fraction(0)] * (n - 2)
    mu = list(eta)
    for _ in range(n):
        composed = [Fraction(0)] * n
        power = [Fraction(1)] + [Fraction(0)] * (n - 1)
        for c in h:
            composed = [a + c * b for a, b in zip(composed, power, strict=True)]
            power = mul(power, mu)
        mu = mul(eta, inverse(composed))
    r = inverse([*mu[1:], Fraction(0)])  # η/μ
    c0 = r[1 : order + 1]  # (r - 1)/η
    r2 = mul(r, r)
    numerator = [-c for c in mul(r2, r)]  # (1 - r³) - η r² - η² r/12, divisible by η³
    numerator[0] += 1
    for k in range(1, n):
        numerator[k] -= r2[k - 1]
    for k in range(2, n):
        numerator[k] -= r[k - 2] / 12
    assert numerator[:3] == [0, 0, 0]
    c1 = numerator[3 : order + 3]
    assert c0[:4] == [Fraction(-1, 3), Fraction(1, 12), Fraction(-2, 135), Fraction(1, 864)]  # DLMF 8.12.11
    assert c1[:2] == [Fraction(-1, 540), Fraction(-1, 288)]
    np.testing.assert_allclose(special_ops._TEMME_C0[::-1], [float(c) for c in c0], rtol=1e-15)
    np.testing.assert_allclose(special_ops._TEMME_C1[::-1], [float(c) for c in c1], rtol=1e-15)


def test_incomplete_gamma_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    a, x = RNG.uniform(0.05, 60.0, 400), RNG.uniform(0.0, 80.0, 400)
    for name in ("gammainc", "gammaincc"):
        ours = getattr(S, name)(t(a), t(x)).numpy()
        theirs = getattr(torch.special, name)(torch.from_numpy(a), torch.from_numpy(x)).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-12)  # PyTorch's own error reaches ~2e-9


def test_incomplete_gamma_gradients() -> None:
    autograd = pytest.importorskip("tocha.autograd")
    a = t(RNG.uniform(0.5, 5.0, (3, 4)))
    x = t(RNG.uniform(0.2, 8.0, (3, 4))).requires_grad_()
    for fn in (S.gammainc, S.gammaincc):
        assert autograd.gradcheck(lambda v, fn=fn: fn(a, v), (x,))
        assert autograd.gradgradcheck(lambda v, fn=fn: fn(a, v), (x,))
    y = t([1.5]).requires_grad_()
    S.gammaincc(t([2.0]), y).backward()
    assert y.grad.item() == pytest.approx(-1.5 * math.exp(-1.5), rel=1e-14)


@pytest.mark.autograd
def test_xlogy_and_xlog1py_gradients_where_x_is_zero() -> None:
    # d/dx x log(y) is log(y) also at x = 0 (zero only where y <= 0, where the op is defined as 0), as PyTorch
    for fn, log, edge in ((S.xlogy, np.log, 0.0), (S.xlog1py, np.log1p, -1.0)):
        x = t([0.0, 0.0, 0.0, 2.0]).requires_grad_()
        y = t([2.0, edge, edge - 1.0, 3.0]).requires_grad_()
        fn(x, y).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), [log(2.0), 0.0, 0.0, log(3.0)], rtol=1e-15)
        assert np.isnan(y.grad.numpy()[1])
        np.testing.assert_allclose(y.grad.numpy()[[0, 3]], [0.0, 2.0 / (3.0 - edge)], rtol=1e-15)
