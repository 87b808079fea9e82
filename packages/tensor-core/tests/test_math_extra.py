"""More math: elementwise extras, diff/kron/meshgrid/combinations, trapezoid, norms and distances, cov/corrcoef,
block_diag/vander/triangle indices: NumPy and hand values, PyTorch agreement, gradients, errors."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest

import tocha

RNG = np.random.default_rng(9)


def t(a: Any, dtype: Any = np.float64) -> Any:
    return tocha.from_numpy(np.array(a, dtype=dtype))


def rand(*shape: int) -> Any:
    return tocha.from_numpy(RNG.standard_normal(shape))


# ------------------------------------------------------------------ elementwise extras


def test_copysign_nextafter_ldexp_float_power() -> None:
    a, b = RNG.standard_normal(6), RNG.standard_normal(6)
    b[0] = -0.0
    np.testing.assert_array_equal(tocha.copysign(t(a), t(b)).numpy(), np.copysign(a, b))
    assert tocha.copysign(tocha.tensor([1, 2]), -1).dtype is tocha.float32
    assert tocha.copysign(tocha.tensor([1.0]), tocha.tensor([-0.0])).tolist() == [-1.0]
    np.testing.assert_array_equal(tocha.nextafter(t(a), t(b)).numpy(), np.nextafter(a, b))
    one = tocha.ones(1)
    assert tocha.nextafter(one, one * 2).item() == float(np.nextafter(np.float32(1), np.float32(2)))
    # the 16-bit floats step their own bit patterns (NumPy has no bfloat16 loop), values PyTorch's
    start = [1.0, 0.0, -1.0, -0.0, 3.0, float("inf"), 1.0]
    toward = [2.0, -1.0, 5.0, 0.0, 3.0, 0.0, float("nan")]
    half = tocha.nextafter(tocha.tensor(start, dtype=tocha.float16), tocha.tensor(toward, dtype=tocha.float16))
    assert half.tolist()[:6] == [1.0009765625, -5.960464477539063e-08, -0.99951171875, 0.0, 3.0, 65504.0]
    bf16 = tocha.nextafter(tocha.tensor(start, dtype=tocha.bfloat16), tocha.tensor(toward, dtype=tocha.bfloat16))
    assert bf16.tolist()[:6] == [1.0078125, -9.183549615799121e-41, -0.99609375, 0.0, 3.0, 3.3895313892515355e38]
    for stepped in (half, bf16):
        assert math.isnan(stepped[6].item())
        assert math.copysign(1.0, stepped[3].item()) == 1.0  # (-0.0, 0.0) gives 0.0, as IEEE's nextafter
    assert tocha.ldexp(tocha.tensor([1.0, 3.0]), tocha.tensor([3, -1])).tolist() == [8.0, 1.5]
    assert tocha.ldexp(tocha.tensor([1, 2]), tocha.tensor([1, 1])).dtype is tocha.float32
    # a half-precision input stays half, its power of two computed (and overflowing) there, as PyTorch's
    half = tocha.ldexp(tocha.tensor([1.0, 2.0], dtype=tocha.float16), tocha.tensor([100, 3]))
    assert half.dtype is tocha.float16
    assert half.tolist() == [float("inf"), 16.0]
    assert tocha.ldexp(tocha.tensor([1, 2]), tocha.tensor([1.0], dtype=tocha.bfloat16)).dtype is tocha.bfloat16
    fp = tocha.float_power(tocha.tensor([2, 3]), 2)
    assert fp.dtype is tocha.float64
    assert fp.tolist() == [4.0, 9.0]
    assert tocha.float_power(tocha.tensor([1j]), 2).dtype is tocha.complex128
    assert tocha.float_power(2, tocha.tensor([1.0, 2.0])).tolist() == [2.0, 4.0]
    x = tocha.tensor([1.0, -2.0])
    assert x.copysign_(-1.0) is x
    assert x.tolist() == [-1.0, -2.0]
    y = tocha.ones(2, dtype=tocha.float64)
    assert y.float_power_(3) is y
    with pytest.raises(RuntimeError, match="requires dtype Double"):
        tocha.ones(2).float_power_(2)


def test_integer_functions() -> None:
    a = np.array([12, 0, -9, 7, 0])
    b = np.array([18, 5, 6, -21, 0])
    assert tocha.gcd(t(a, np.int64), t(b, np.int64)).tolist() == np.gcd(a, b).tolist()
    assert tocha.lcm(t(a, np.int64), t(b, np.int64)).tolist() == np.lcm(a, b).tolist()
    x = t([4, 6], np.int32)
    assert x.gcd_(t([6, 4], np.int32)) is x
    assert x.tolist() == [2, 2]
    with pytest.raises(NotImplementedError, match="\"gcd\" not implemented for 'Float'"):
        tocha.gcd(tocha.ones(2), tocha.ones(2))
    with pytest.raises(TypeError, match="must be Tensor"):
        tocha.lcm(tocha.tensor([2]), 3)


def test_heaviside_signbit_frexp_isin() -> None:
    assert tocha.heaviside(t([-1.0, 0.0, 2.0]), t([0.5])).tolist() == [0.0, 0.5, 1.0]
    assert tocha.heaviside(tocha.tensor([1, 0, -1]), tocha.tensor([5])).tolist() == [1, 5, 0]
    assert math.isnan(tocha.heaviside(t([math.nan]), t([1.0])).item())
    with pytest.raises(RuntimeError, match="heaviside is not yet implemented for tensors with different dtypes"):
        tocha.heaviside(tocha.ones(2), tocha.ones(2, dtype=tocha.float64))
    assert tocha.signbit(t([-1.0, -0.0, 0.0, math.nan, -math.inf])).tolist() == [True, True, False, False, True]
    assert tocha.signbit(tocha.tensor([-3, 4])).tolist() == [True, False]
    assert tocha.signbit(tocha.tensor([True])).tolist() == [False]
    m, e = tocha.frexp(t([8.0, 0.75, 0.0, -3.0]))
    assert m.tolist() == [0.5, 0.75, 0.0, -0.75]
    assert e.tolist() == [4, 0, 0, 2]
    assert e.dtype is tocha.int32
    result = tocha.frexp(tocha.tensor(5.0))
    assert result.mantissa.item() == 0.625
    assert result.exponent.item() == 3
    with pytest.raises(RuntimeError, match=r"torch.frexp\(\) only supports floating-point dtypes"):
        tocha.frexp(tocha.tensor([1, 2]))
    assert tocha.isin(tocha.tensor([1, 2, 3, 4]), tocha.tensor([2, 4, 6])).tolist() == [False, True, False, True]
    assert tocha.isin(tocha.tensor([1, 2, 3]), 2).tolist() == [False, True, False]
    assert tocha.isin(3, tocha.tensor([1, 2, 3])).item() is True
    assert tocha.isin(t([1.0, 2.5]), tocha.tensor([1]), invert=True).tolist() == [False, True]
    assert tocha.tensor([[1, 5]]).isin(tocha.tensor([5])).tolist() == [[False, True]]


def test_clamp_in_place_functions() -> None:
    x = t([-1.0, 2.0])
    assert tocha.clamp_min_(x, 0.0) is x
    assert x.tolist() == [0.0, 2.0]
    assert tocha.clamp_max_(x, 1.0) is x
    assert x.tolist() == [0.0, 1.0]


# ------------------------------------------------------------------ shapes and differences


def test_diff() -> None:
    a = RNG.standard_normal((3, 5))
    np.testing.assert_allclose(tocha.diff(t(a)).numpy(), np.diff(a))
    np.testing.assert_allclose(tocha.diff(t(a), n=2, dim=0).numpy(), np.diff(a, n=2, axis=0))
    p, q = RNG.standard_normal((3, 1)), RNG.standard_normal((3, 2))
    np.testing.assert_allclose(tocha.diff(t(a), prepend=t(p), append=t(q)).numpy(), np.diff(a, prepend=p, append=q))
    assert tocha.diff(tocha.tensor([True, False, False])).tolist() == [True, False]
    assert tocha.diff(tocha.tensor([1, 3, 6, 10]), n=2).tolist() == [1, 1]
    assert tocha.diff(t([1.0]), n=3).shape == (0,)
    assert tocha.diff(t(a), n=0).shape == (3, 5)
    with pytest.raises(RuntimeError, match="diff expects input to be at least one-dimensional"):
        tocha.diff(tocha.tensor(1.0))


def test_kron_meshgrid_cartesian_combinations() -> None:
    a, b = RNG.standard_normal((2, 3)), RNG.standard_normal((4, 1, 2))
    np.testing.assert_allclose(tocha.kron(t(a), t(b)).numpy(), np.kron(a, b))
    assert tocha.kron(tocha.ones(2, 3), tocha.ones(4)).shape == (2, 12)
    x, y = tocha.tensor([1, 2]), tocha.tensor([3, 4, 5])
    gx, gy = tocha.meshgrid(x, y, indexing="ij")
    nx, ny = np.meshgrid([1, 2], [3, 4, 5], indexing="ij")
    assert gx.tolist() == nx.tolist()
    assert gy.tolist() == ny.tolist()
    gx, gy = tocha.meshgrid([x, y], indexing="xy")
    nx, ny = np.meshgrid([1, 2], [3, 4, 5], indexing="xy")
    assert gx.tolist() == nx.tolist()
    assert gy.tolist() == ny.tolist()
    with pytest.warns(UserWarning, match="it will be required to pass the indexing argument"):
        tocha.meshgrid(x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tocha.meshgrid(x, indexing="ij")
    with pytest.raises(RuntimeError, match="Expected 0D or 1D tensor"):
        tocha.meshgrid(tocha.ones(2, 2), indexing="ij")
    with pytest.raises(RuntimeError, match="meshgrid expects all tensors to have the same dtype"):
        tocha.meshgrid(tocha.ones(2), tocha.tensor([1]), indexing="ij")
    assert tocha.cartesian_prod(x, y).tolist() == [[1, 3], [1, 4], [1, 5], [2, 3], [2, 4], [2, 5]]
    assert tocha.cartesian_prod(x).tolist() == [1, 2]
    z = tocha.tensor([1, 2, 3])
    assert tocha.combinations(z).tolist() == [[1, 2], [1, 3], [2, 3]]
    assert tocha.combinations(z, r=2, with_replacement=True).shape == (6, 2)
    assert tocha.combinations(z, r=0).shape == (0,)
    assert tocha.combinations(tocha.tensor([1, 2]), r=3).shape == (0, 3)


def test_trapezoid_family() -> None:
    y, x = RNG.standard_normal((3, 6)), np.sort(RNG.standard_normal(6))
    np.testing.assert_allclose(tocha.trapezoid(t(y), t(x)).numpy(), np.trapezoid(y, x))
    np.testing.assert_allclose(tocha.trapezoid(t(y), dx=0.5, dim=0).numpy(), np.trapezoid(y, dx=0.5, axis=0))
    np.testing.assert_allclose(tocha.trapz(t(y), t(x)).numpy(), np.trapezoid(y, x))
    xs = np.sort(RNG.standard_normal((3, 6)), axis=1)
    np.testing.assert_allclose(tocha.trapezoid(t(y), t(xs)).numpy(), np.trapezoid(y, xs))
    expected = np.cumsum((y[:, 1:] + y[:, :-1]) * np.diff(x) / 2, axis=1)
    np.testing.assert_allclose(tocha.cumulative_trapezoid(t(y), t(x)).numpy(), expected)
    assert tocha.trapezoid(tocha.tensor([1.0, 2.0, 3.0]), tocha.tensor([0.0, 1.0, 3.0])).item() == 6.5
    assert tocha.cumulative_trapezoid(tocha.tensor([1.0, 2.0, 3.0]), dx=2.0).tolist() == [3.0, 8.0]
    assert tocha.trapezoid(tocha.zeros(2, 0)).tolist() == [0.0, 0.0]


# ------------------------------------------------------------------ norms, distances, statistics


def test_norms_and_distances() -> None:
    a = RNG.standard_normal((3, 4))
    for p in (1.0, 2.0, 3.0):
        norms = np.sum(np.abs(a) ** p, axis=1, keepdims=True) ** (1 / p)
        expected = a * np.where(norms > 1.5, 1.5 / (norms + 1e-7), 1.0)
        np.testing.assert_allclose(tocha.renorm(t(a), p, 0, 1.5).numpy(), expected)
    b = RNG.standard_normal((3, 4))
    assert tocha.dist(t(a), t(b)).item() == pytest.approx(float(np.linalg.norm(a - b)))
    assert tocha.dist(t(a), t(b), 1).item() == pytest.approx(float(np.abs(a - b).sum()))
    assert tocha.dist(tocha.ones(3), tocha.zeros(3), 0).item() == 3.0
    x1, x2 = RNG.standard_normal((2, 5, 3)), RNG.standard_normal((2, 4, 3))
    for p in (0.0, 1.0, 2.0, 3.5, math.inf):
        expected = (
            np.linalg.norm(x1[:, :, None] - x2[:, None], ord=p, axis=-1)
            if p
            else ((x1[:, :, None] != x2[:, None]).sum(-1))
        )
        np.testing.assert_allclose(tocha.cdist(t(x1), t(x2), p=p).numpy(), expected, rtol=1e-12)
    with pytest.raises(RuntimeError, match=r"X1 and X2 must have the same number of columns\. X1: 2 X2: 3"):
        tocha.cdist(tocha.ones(3, 2), tocha.ones(4, 3))
    with pytest.raises(RuntimeError, match="renorm: input needs at least 2 dimensions"):
        tocha.renorm(tocha.ones(3), 2, 0, 1.0)


def test_cov_and_corrcoef() -> None:
    x = RNG.standard_normal((3, 7))
    np.testing.assert_allclose(tocha.cov(t(x)).numpy(), np.cov(x))
    np.testing.assert_allclose(tocha.cov(t(x), correction=0).numpy(), np.cov(x, ddof=0))
    fw = RNG.integers(1, 4, 7)
    aw = RNG.uniform(0.1, 2.0, 7)
    np.testing.assert_allclose(
        tocha.cov(t(x), fweights=t(fw, np.int64), aweights=t(aw)).numpy(), np.cov(x, fweights=fw, aweights=aw)
    )
    np.testing.assert_allclose(tocha.cov(t(x), aweights=t(aw)).numpy(), np.cov(x, aweights=aw))
    v = RNG.standard_normal(5)
    assert tocha.cov(t(v)).item() == pytest.approx(float(np.cov(v)))
    np.testing.assert_allclose(tocha.corrcoef(t(x)).numpy(), np.corrcoef(x))
    assert tocha.corrcoef(t(v)).item() == 1.0
    z = RNG.standard_normal((2, 5)) + 1j * RNG.standard_normal((2, 5))
    np.testing.assert_allclose(tocha.cov(tocha.from_numpy(z)).numpy(), np.cov(z))
    assert tocha.cov(tocha.tensor([[1, 2, 3]])).dtype is tocha.float32
    with pytest.raises(RuntimeError, match="expected fweights to have integral dtype but got fweights with Float"):
        tocha.cov(tocha.ones(2, 3), fweights=tocha.ones(3))
    with pytest.raises(RuntimeError, match="expected input to have two or fewer dimensions"):
        tocha.cov(tocha.ones(2, 3, 4))
    with pytest.raises(RuntimeError, match="fweights cannot be negative"):
        tocha.cov(tocha.ones(2, 3), fweights=tocha.tensor([1, -1, 1]))


# ------------------------------------------------------------------ construction


def test_block_diag_vander_indices() -> None:
    bd = tocha.block_diag(tocha.tensor(1), tocha.tensor([[2, 3]]), tocha.tensor([4.0]))
    assert bd.dtype is tocha.float32
    assert bd.tolist() == [[1, 0, 0, 0], [0, 2, 3, 0], [0, 0, 0, 4]]
    assert tocha.block_diag().shape == (1, 0)
    with pytest.raises(RuntimeError, match="Input tensors must have 2 or fewer dimensions"):
        tocha.block_diag(tocha.ones(1, 1, 1))
    x = np.array([1, 2, 3])
    assert tocha.vander(tocha.tensor(x)).tolist() == np.vander(x).tolist()
    assert tocha.vander(tocha.tensor(x), N=4, increasing=True).tolist() == np.vander(x, 4, increasing=True).tolist()
    assert tocha.vander(tocha.tensor([True, False])).dtype is tocha.int64
    assert tocha.vander(tocha.tensor(x), N=0).shape == (3, 0)
    f = RNG.standard_normal(4)
    np.testing.assert_allclose(tocha.vander(t(f), N=5).numpy(), np.vander(f, 5))
    for row, col, off in ((3, 3, 0), (3, 4, 1), (4, 2, -1), (0, 3, 0)):
        assert tocha.tril_indices(row, col, off).tolist() == np.stack(np.tril_indices(row, off, col)).tolist()
        assert tocha.triu_indices(row, col, off).tolist() == np.stack(np.triu_indices(row, off, col)).tolist()
    assert tocha.tril_indices(3, 3, dtype=tocha.int32).dtype is tocha.int32


# ------------------------------------------------------------------ PyTorch


def test_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    a, b = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    checks = [
        (tocha.copysign(t(a), t(b)), torch.copysign(ta, tb)),
        (tocha.ldexp(t(a), t([1, 2, 3, 4], np.int64)), torch.ldexp(ta, torch.tensor([1, 2, 3, 4]))),
        (tocha.float_power(t(a).abs(), 1.5), torch.float_power(ta.abs(), 1.5)),
        (tocha.kron(t(a), t(b[:2, :2])), torch.kron(ta, tb[:2, :2])),
        (tocha.cdist(t(a), t(b), p=1.0), torch.cdist(ta, tb, p=1.0)),
        (tocha.cov(t(a), correction=0), torch.cov(ta, correction=0)),
        (tocha.corrcoef(t(a)), torch.corrcoef(ta)),
        (tocha.renorm(t(a), 2, 1, 0.5), torch.renorm(ta, 2, 1, 0.5)),
        (tocha.diff(t(a), dim=0), torch.diff(ta, dim=0)),
        (tocha.trapezoid(t(a), dx=0.3), torch.trapezoid(ta, dx=0.3)),
        (tocha.cumulative_trapezoid(t(a), dim=0), torch.cumulative_trapezoid(ta, dim=0)),
        (tocha.vander(t(a[0])), torch.vander(ta[0])),
        (tocha.combinations(t(a[0]), 3), torch.combinations(ta[0], 3)),
        (tocha.block_diag(t(a), t(b[0])), torch.block_diag(ta, tb[0])),
        (tocha.heaviside(t(a), t(b)), torch.heaviside(ta, tb)),
        (tocha.signbit(t(a)), torch.signbit(ta)),
        (
            tocha.isin(t(np.round(a)), t([0.0, 1.0])),
            torch.isin(torch.from_numpy(np.round(a)), torch.tensor([0.0, 1.0])),
        ),
        (tocha.triu_indices(4, 5, -1), torch.triu_indices(4, 5, -1)),
        (tocha.dist(t(a), t(b), 3), torch.dist(ta, tb, 3)),
    ]
    for ours, theirs in checks:
        assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-12)
    m, e = tocha.frexp(t(a))
    tm, te = torch.frexp(ta)
    assert m.numpy().tolist() == tm.numpy().tolist()
    assert e.numpy().tolist() == te.numpy().tolist()


# ------------------------------------------------------------------ gradients

OTHER = tocha.from_numpy(RNG.standard_normal((3, 4)))
GRAD_CASES = [
    ("copysign", lambda x: tocha.copysign(x, OTHER)),
    ("ldexp", lambda x: tocha.ldexp(x, tocha.tensor([1, 0, -1, 2]))),
    ("float_power", lambda x: tocha.float_power(x.abs() + 0.5, 2.5)),
    ("frexp", lambda x: tocha.frexp(x)[0]),
    ("diff", lambda x: tocha.diff(x, n=2, dim=1, prepend=OTHER[:, :1])),
    ("kron", lambda x: tocha.kron(x, OTHER[:2, :2])),
    ("meshgrid", lambda x: tocha.meshgrid(x[0], x[1], indexing="xy")[1]),
    ("cartesian_prod", lambda x: tocha.cartesian_prod(x[0], x[1])),
    ("combinations", lambda x: tocha.combinations(x[0], 2)),
    ("trapezoid", lambda x: tocha.trapezoid(x, OTHER[0].cumsum(0))),
    ("cumulative_trapezoid", lambda x: tocha.cumulative_trapezoid(x, dim=0)),
    ("renorm", lambda x: tocha.renorm(x, 2, 0, 1.0)),
    ("dist", lambda x: tocha.dist(x, OTHER, 3)),
    ("cdist", lambda x: tocha.cdist(x, OTHER)),
    ("cov", lambda x: tocha.cov(x, aweights=OTHER[0].abs())),
    ("corrcoef", lambda x: tocha.corrcoef(x)),
    ("block_diag", lambda x: tocha.block_diag(x, OTHER[0])),
    ("vander", lambda x: tocha.vander(x[0], N=4)),
]


@pytest.mark.parametrize(("name", "fn"), GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradcheck(name: str, fn: Any) -> None:
    autograd = pytest.importorskip("tocha.autograd")
    x = tocha.from_numpy(RNG.standard_normal((3, 4))).requires_grad_()
    assert autograd.gradcheck(fn, (x,))
    assert autograd.gradgradcheck(fn, (x,))


def test_cdist_gradient_at_zero_distance_is_zero() -> None:
    pytest.importorskip("tocha.autograd")
    x = tocha.ones(2, 3, dtype=tocha.float64, requires_grad=True)
    tocha.cdist(x, tocha.ones(1, 3, dtype=tocha.float64)).sum().backward()
    assert x.grad.tolist() == [[0.0] * 3] * 2


def test_cross_top_level_default_dim_warns_and_matches_linalg() -> None:
    a = tocha.arange(12.0).reshape(3, 4)
    b = tocha.arange(12.0).reshape(3, 4).flip(1)
    with pytest.warns(UserWarning, match="without specifying the dim arg is deprecated"):
        got = tocha.cross(a, b)
    np.testing.assert_allclose(got.numpy(), np.cross(a.numpy(), b.numpy(), axis=0))
    np.testing.assert_allclose(a.cross(b, dim=0).numpy(), np.cross(a.numpy(), b.numpy(), axis=0))
    with pytest.warns(UserWarning, match="deprecated"), pytest.raises(RuntimeError, match="no dimension of size 3"):
        tocha.cross(tocha.ones(2, 2), tocha.ones(2, 2))
