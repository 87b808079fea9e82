"""PyTorch names tocha lacked: unfold, window functions, the view scatters, in-place scans and small helpers.

NumPy checks run everywhere; PyTorch comparisons (``torch = pytest.importorskip("torch")``) and gradient checks
(``pytest.importorskip("tocha.autograd")``) sit in their own test functions.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import tocha
from tocha.testing import assert_close

WINDOWS = ("hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window")


def _np(t):
    return np.asarray(t.to(tocha.float64) if t.dtype in (tocha.bfloat16, tocha.float16) else t)


def _torch_close(torch, actual, expected, rtol=1e-6, atol=1e-6):
    assert str(actual.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
    np.testing.assert_allclose(_np(actual), expected.detach().double().numpy(), rtol=rtol, atol=atol)


def _gradcheck():
    autograd = pytest.importorskip("tocha.autograd")
    return autograd.gradcheck, autograd.gradgradcheck


# ------------------------------------------------------------------ unfold


@pytest.mark.parametrize(
    ("shape", "dim", "size", "step"),
    [((10,), 0, 3, 2), ((2, 6, 3), 1, 2, 2), ((3, 5), -1, 2, 1), ((4, 3), 0, 2, 3), ((7,), 0, 0, 1), ((5,), 0, 5, 4)],
)
def test_unfold_matches_numpy_windows(shape, dim, size, step):
    a = np.arange(math.prod(shape), dtype=np.float32).reshape(shape)
    windows = np.lib.stride_tricks.sliding_window_view(a, size, axis=dim)
    expected = np.take(windows, range(0, windows.shape[dim], step), axis=dim)
    assert_close(tocha.from_numpy(a).unfold(dim, size, step), tocha.from_numpy(np.ascontiguousarray(expected)))


def test_unfold_is_a_view_sharing_memory():
    x = tocha.arange(10.0)
    u = x.unfold(0, 3, 2)
    u[1, 0] = 100.0  # element 2, shared with window 0
    assert x[2].item() == 100.0
    assert u[0, 2].item() == 100.0
    x[4] = -1.0
    assert u[1, 2].item() == -1.0
    assert u[2, 0].item() == -1.0
    assert u._base is x


def test_unfold_noncontiguous_and_dtypes():
    base = tocha.arange(24, dtype=tocha.int32).reshape(4, 6)
    x = base.t()  # (6, 4), non-contiguous
    u = x.unfold(0, 2, 2)
    expected = np.asarray(x)[np.arange(0, 6, 2)[:, None] + np.arange(2)].transpose(0, 2, 1)
    assert u.dtype is tocha.int32
    assert u.shape == (3, 4, 2)
    np.testing.assert_array_equal(np.asarray(u), expected)
    u[0, 0, 1] = -5
    assert base[0, 1].item() == -5


def test_unfold_zero_dim_and_empty():
    s = tocha.tensor(5.0)
    assert s.unfold(0, 1, 1).tolist() == [5.0]
    assert s.unfold(-1, 0, 3).shape == (0,)
    assert tocha.zeros(0, 3).unfold(1, 2, 1).shape == (0, 2, 2)
    assert tocha.arange(10).unfold(0, 0, 1).shape == (11, 0)


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        ((0, 11, 1), RuntimeError, "unfold(): maximum size for tensor at dimension 0 is 10 but size is 11"),
        ((0, 3, 0), RuntimeError, "unfold(): step is 0 but must be > 0"),
        ((0, 3, -2), RuntimeError, "unfold(): step is -2 but must be > 0"),
        ((0, -1, 1), RuntimeError, "unfold(): size is -1 but must be >= 0"),
        ((1, 1, 1), IndexError, "Dimension out of range"),
    ],
)
def test_unfold_errors(args, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        tocha.arange(10).unfold(*args)
    if args[1] > 1:
        with pytest.raises(RuntimeError, match="maximum size for tensor at dimension 0 is 1 but size is"):
            tocha.tensor(1.0).unfold(0, 2, 1)


def test_unfold_matches_pytorch():
    torch = pytest.importorskip("torch")
    for shape, args in [((10,), (0, 3, 2)), ((2, 6, 3), (1, 2, 2)), ((3, 5), (-1, 2, 1)), ((), (0, 1, 1))]:
        a = np.arange(math.prod(shape), dtype=np.float64).reshape(shape)
        ours, theirs = tocha.from_numpy(a).unfold(*args), torch.from_numpy(a).unfold(*args)
        _torch_close(torch, ours, theirs)
        assert ours.stride() == theirs.stride()
    t = torch.zeros(3, 4).t()
    assert tocha.zeros(3, 4).t().unfold(0, 2, 1).stride() == t.unfold(0, 2, 1).stride()


def test_unfold_gradient():
    gradcheck, gradgradcheck = _gradcheck()
    for shape, args in [((7,), (0, 3, 2)), ((2, 5), (1, 2, 1)), ((4, 3), (0, 1, 3)), ((), (0, 1, 1))]:
        x = tocha.randn(*shape, dtype=tocha.float64, requires_grad=True)
        assert gradcheck(lambda t, a=args: t.unfold(*a), (x,))
        assert gradgradcheck(lambda t, a=args: t.unfold(*a), (x,))
    x = tocha.arange(10.0, requires_grad=True)
    x.unfold(0, 3, 2).sum().backward()
    assert x.grad.tolist() == [1, 1, 2, 1, 2, 1, 2, 1, 1, 0]


# ------------------------------------------------------------------ windows


def test_windows_match_numpy():
    for n in (1, 2, 5, 12):
        assert_close(tocha.hann_window(n, False, dtype=tocha.float64), tocha.from_numpy(np.hanning(n)))
        assert_close(tocha.hamming_window(n, False, dtype=tocha.float64), tocha.from_numpy(np.hamming(n)))
        assert_close(
            tocha.blackman_window(n, False, dtype=tocha.float64), tocha.from_numpy(np.blackman(n)), atol=1e-15, rtol=0
        )
        assert_close(tocha.bartlett_window(n, False, dtype=tocha.float64), tocha.from_numpy(np.bartlett(n)))
        assert_close(
            tocha.kaiser_window(n, False, 8.0, dtype=tocha.float64),
            tocha.from_numpy(np.kaiser(n, 8.0)),
            rtol=1e-12,
            atol=1e-15,
        )
        if n == 1:
            continue  # a periodic window of length 1 is [1.], as PyTorch has it (not NumPy's hanning(2)[:-1])
        # periodic: the symmetric window one longer, without its last value
        assert_close(tocha.hann_window(n, dtype=tocha.float64), tocha.from_numpy(np.hanning(n + 1)[:-1]))


@pytest.mark.parametrize("name", WINDOWS)
def test_window_dtypes_devices_and_errors(name):
    fn = getattr(tocha, name)
    assert fn(0).shape == (0,)
    assert fn(0).dtype is tocha.float32
    assert fn(1).tolist() == [1.0]
    assert fn(4, dtype=tocha.float16).dtype is tocha.float16
    assert fn(4, device="cpu").device == tocha.device("cpu")
    tocha.set_default_dtype(tocha.float64)
    try:
        assert fn(3).dtype is tocha.float64
    finally:
        tocha.set_default_dtype(tocha.float32)
    with pytest.raises(RuntimeError, match=f"{name} requires non-negative window_length, got window_length=-1"):
        fn(-1)
    with pytest.raises(RuntimeError, match=f"{name} expects floating point dtypes, got: tocha.int64"):
        fn(4, dtype=tocha.int64)
    with pytest.raises(NotImplementedError, match=f"\"{name}\" not implemented for 'ComplexFloat'"):
        fn(4, dtype=tocha.complex64)
    with pytest.raises(TypeError, match="window_length"):
        fn(4.0)


@pytest.mark.parametrize("name", WINDOWS)
def test_windows_may_require_grad(name):
    pytest.importorskip("tocha.autograd")
    w = getattr(tocha, name)(4, dtype=tocha.float64, requires_grad=True)
    assert w.requires_grad
    assert w.is_leaf


@pytest.mark.parametrize("name", WINDOWS)
def test_windows_match_pytorch(name):
    torch = pytest.importorskip("torch")
    tolerances = {"float64": 1e-13, "float32": 2e-6, "float16": 2e-3, "bfloat16": 1.6e-2}
    for n in (0, 1, 2, 5, 8, 33):
        for periodic in (True, False):
            for d, tol in tolerances.items():
                extra = (0.6, 0.4) if name == "hamming_window" else (5.0,) if name == "kaiser_window" else ()
                ours = getattr(tocha, name)(n, periodic, *extra, dtype=getattr(tocha, d))
                theirs = getattr(torch, name)(n, periodic, *extra, dtype=getattr(torch, d))
                _torch_close(torch, ours, theirs, rtol=0, atol=tol)


# ------------------------------------------------------------------ slice / select / diagonal scatter


def test_view_scatters_match_numpy():
    a = np.arange(20.0).reshape(4, 5)
    x = tocha.from_numpy(a)
    expected = a.copy()
    expected[:, 1:4:2] = -1
    assert_close(tocha.slice_scatter(x, -tocha.ones(4, 2, dtype=tocha.float64), 1, 1, 4, 2), tocha.from_numpy(expected))
    expected = a.copy()
    expected[-1] = 7
    assert_close(x.select_scatter(tocha.full((5,), 7.0, dtype=tocha.float64), 0, -1), tocha.from_numpy(expected))
    expected = a.copy()
    expected[[0, 1, 2], [2, 3, 4]] = 0
    assert_close(tocha.diagonal_scatter(x, tocha.zeros(3, dtype=tocha.float64), 2), tocha.from_numpy(expected))
    assert x.tolist() == a.tolist()  # out of place


def test_view_scatters_noncontiguous_empty_and_casting():
    x = tocha.arange(12.0).reshape(3, 4).t()  # (4, 3), non-contiguous
    src = tocha.tensor([[1, 2, 3], [4, 5, 6]])  # int64 src into a float input: cast like copy_
    out = tocha.slice_scatter(x, src, start=1, end=3)
    assert out.dtype is tocha.float32
    assert out[1:3].tolist() == [[1, 2, 3], [4, 5, 6]]
    assert out[0].tolist() == x[0].tolist()
    assert tocha.slice_scatter(x, tocha.zeros(4, 0), 1, 5).tolist() == x.tolist()
    assert tocha.diagonal_scatter(tocha.zeros(2, 3, 4), tocha.ones(3, 2), -1, 2, 0).sum().item() == 6
    assert tocha.select_scatter(tocha.zeros(3), tocha.tensor(1.0), 0, 2).tolist() == [0, 0, 1]


def test_view_scatter_errors():
    a = tocha.zeros(4, 5)
    with pytest.raises(
        RuntimeError, match=r"slice_scatter\(\): expected src to have a size equal to the slice of self"
    ):
        tocha.slice_scatter(a, tocha.ones(2, 5), start=1, end=4)
    with pytest.raises(RuntimeError, match=r"src size = \[5\], slice size = \[1, 5\]"):
        tocha.slice_scatter(a, tocha.ones(5), start=1, end=2)
    with pytest.raises(RuntimeError, match="slice step must be positive"):
        tocha.slice_scatter(a, a, dim=1, step=0)
    with pytest.raises(IndexError, match="Dimension out of range"):
        tocha.slice_scatter(a, a, dim=2)
    with pytest.raises(IndexError, match="index 4 out of range"):
        tocha.select_scatter(a, tocha.ones(5), 0, 4)
    with pytest.raises(RuntimeError, match=r"select_scatter\(\): .*src size = \[4\], slice size = \[5\]"):
        tocha.select_scatter(a, tocha.ones(4), 0, 1)
    with pytest.raises(RuntimeError, match=r"diagonal_scatter\(\): .*src size = \[3\], slice size = \[4\]"):
        tocha.diagonal_scatter(a, tocha.ones(3), 1)
    with pytest.raises(RuntimeError, match="diagonal dimensions cannot be identical 0, 0"):
        tocha.diagonal_scatter(a, tocha.ones(4), 0, 0, 0)
    with pytest.raises(TypeError, match="must be Tensor"):
        tocha.select_scatter(a, 1.0, 0, 0)


def test_view_scatters_match_pytorch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((4, 5, 3))
    b = np.random.default_rng(1).standard_normal((4, 2, 3))
    _torch_close(
        torch,
        tocha.slice_scatter(tocha.from_numpy(a), tocha.from_numpy(b), 1, -4, None, 2),
        torch.slice_scatter(torch.from_numpy(a), torch.from_numpy(b), 1, -4, None, 2),
    )
    s = np.ones((4, 3))
    _torch_close(
        torch,
        tocha.from_numpy(a).select_scatter(tocha.from_numpy(s), 1, -2),
        torch.from_numpy(a).select_scatter(torch.from_numpy(s), 1, -2),
    )
    d = np.ones((5, 2))
    _torch_close(
        torch,
        tocha.diagonal_scatter(tocha.from_numpy(a), tocha.from_numpy(d), -2, 0, 2),
        torch.diagonal_scatter(torch.from_numpy(a), torch.from_numpy(d), -2, 0, 2),
    )


def test_view_scatter_gradients():
    gradcheck, gradgradcheck = _gradcheck()

    def make(*shape):
        return tocha.randn(*shape, dtype=tocha.float64, requires_grad=True)

    cases = [
        (lambda a, s: tocha.slice_scatter(a, s, 1, 0, None, 2), make(3, 4), make(3, 2)),
        (lambda a, s: tocha.select_scatter(a, s, 0, -1), make(3, 4), make(4)),
        (lambda a, s: tocha.diagonal_scatter(a, s, 1), make(3, 4), make(3)),
    ]
    for fn, a, s in cases:
        assert gradcheck(fn, (a, s))
        assert gradgradcheck(fn, (a, s))


# ------------------------------------------------------------------ in-place scans, fill_diagonal_, heaviside_


def test_cumsum_cumprod_inplace():
    x = tocha.arange(6).reshape(2, 3)
    assert x.cumsum_(1) is x
    assert x.tolist() == [[0, 1, 3], [3, 7, 12]]
    y = tocha.tensor([[1.0, 2.0], [3.0, 4.0]]).t()  # non-contiguous
    y.cumprod_(0)
    assert y.tolist() == [[1.0, 3.0], [2.0, 12.0]]
    assert tocha.tensor([100, 100], dtype=tocha.int8).cumsum_(0).dtype is tocha.int8
    assert tocha.tensor(3.0).cumsum_(0).item() == 3.0
    with pytest.raises(
        RuntimeError, match=r"cumsum_\(\): Bad in-place call: input tensor dtype Long and output tensor"
    ):
        tocha.arange(3).cumsum_(0, dtype=tocha.float32)
    with pytest.raises(NotImplementedError, match="'Bool'"):
        tocha.tensor([True]).cumprod_(0)


def test_cumsum_inplace_gradient():
    pytest.importorskip("tocha.autograd")
    x = tocha.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1.0
    y.cumsum_(0)
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 2.0, 1.0]


@pytest.mark.parametrize(
    ("shape", "wrap"), [((7, 3), True), ((10, 3), True), ((7, 3), False), ((3, 5), True), ((4, 4, 4), False)]
)
def test_fill_diagonal_matches_numpy(shape, wrap):
    x = tocha.zeros(*shape)
    assert x.fill_diagonal_(5, wrap=wrap) is x
    expected = np.zeros(shape, dtype=np.float32)
    np.fill_diagonal(expected, 5, wrap=wrap)
    np.testing.assert_array_equal(np.asarray(x), expected)


def test_fill_diagonal_values_views_and_errors():
    z = tocha.zeros(3, 5)
    z.t().fill_diagonal_(1)
    assert np.asarray(z).tolist() == np.eye(3, 5).tolist()
    assert tocha.zeros(2, 2, dtype=tocha.int64).fill_diagonal_(1.7).tolist() == [[1, 0], [0, 1]]
    assert tocha.zeros(2, 2).fill_diagonal_(tocha.tensor(2.0)).tolist() == [[2, 0], [0, 2]]
    with pytest.raises(RuntimeError, match="dimensions must larger than 1"):
        tocha.zeros(3).fill_diagonal_(1)
    with pytest.raises(RuntimeError, match="all dimensions of input must be of equal length"):
        tocha.zeros(3, 4, 3).fill_diagonal_(1)


def test_fill_diagonal_matches_pytorch_and_gradient():
    torch = pytest.importorskip("torch")
    ours, theirs = tocha.zeros(7, 3), torch.zeros(7, 3)
    ours.fill_diagonal_(2.0, wrap=True)
    theirs.fill_diagonal_(2.0, wrap=True)
    _torch_close(torch, ours, theirs)
    pytest.importorskip("tocha.autograd")
    x = tocha.ones(3, 3, dtype=tocha.float64, requires_grad=True)
    y = x * 2
    y.fill_diagonal_(0.0)
    y.sum().backward()
    assert x.grad.tolist() == (2 * (1 - np.eye(3))).tolist()


def test_heaviside_inplace():
    x = tocha.tensor([-1.0, 0.0, 2.0])
    assert x.heaviside_(tocha.tensor([0.5])) is x
    assert x.tolist() == [0.0, 0.5, 1.0]
    with pytest.raises(RuntimeError, match="different dtypes"):
        tocha.tensor([-1, 0]).heaviside_(tocha.tensor([0.5]))
    with pytest.raises(RuntimeError, match="size of tensor a"):
        tocha.tensor([-1.0, 0.0, 2.0]).heaviside_(tocha.tensor([5.0, 1.0, 1.0, 1.0]))


# ------------------------------------------------------------------ deg2rad / rad2deg


@pytest.mark.parametrize("name", ["deg2rad", "rad2deg"])
def test_angle_conversions(name):
    factor = math.pi / 180 if name == "deg2rad" else 180 / math.pi
    fn = getattr(tocha, name)
    x = tocha.tensor([[0.0, 90.0], [-45.0, 1.0]], dtype=tocha.float64).t()
    assert_close(fn(x), tocha.from_numpy(np.asarray(x) * factor))
    assert fn(tocha.tensor([1, 2])).dtype is tocha.float32
    assert fn(tocha.tensor([True])).dtype is tocha.float32
    assert fn(tocha.zeros(0, dtype=tocha.float16)).dtype is tocha.float16
    assert getattr(x, name)().tolist() == fn(x).tolist()
    y = tocha.tensor([2.0])
    assert getattr(tocha, name + "_")(y) is y
    assert y.item() == pytest.approx(2 * factor, rel=1e-6)
    z = tocha.tensor([3.0])
    getattr(z, name + "_")()
    assert z.item() == pytest.approx(3 * factor, rel=1e-6)
    with pytest.raises(RuntimeError, match=f"{name} is not supported for complex tensors."):
        fn(tocha.tensor([1j]))
    with pytest.raises(
        RuntimeError, match=f"{name}_\\(\\): result type Float can't be cast to the desired output type Long"
    ):
        getattr(tocha, name + "_")(tocha.tensor([1]))
    out = tocha.empty(2, 2, dtype=tocha.float64)
    assert fn(x, out=out) is out


def test_angle_conversions_match_pytorch():
    torch = pytest.importorskip("torch")
    for name in ("deg2rad", "rad2deg"):
        for d in ("int64", "int8", "bool", "float16", "bfloat16", "float32", "float64"):
            values = [True, False] if d == "bool" else [0, 1, 100, -7]
            ours = getattr(tocha, name)(tocha.tensor(values, dtype=getattr(tocha, d)))
            theirs = getattr(torch, name)(torch.tensor(values, dtype=getattr(torch, d)))
            _torch_close(torch, ours, theirs, rtol=0, atol=0)


def test_angle_conversion_gradient():
    gradcheck, _ = _gradcheck()
    assert gradcheck(tocha.deg2rad, (tocha.randn(3, dtype=tocha.float64, requires_grad=True),))
    assert gradcheck(tocha.rad2deg, (tocha.randn(3, dtype=tocha.float64, requires_grad=True),))


# ------------------------------------------------------------------ small helpers


def test_clone_detach_fill():
    x = tocha.arange(6.0).reshape(2, 3).t()
    c = tocha.clone(x)
    c[0, 0] = 9
    assert x[0, 0].item() == 0
    assert c.shape == x.shape
    d = tocha.detach(x)
    d[0, 0] = 7
    assert x[0, 0].item() == 7
    f = tocha.fill(x, 2)
    assert f.tolist() == [[2.0, 2.0]] * 3
    assert f.dtype is tocha.float32
    assert x[0, 0].item() == 7
    assert tocha.fill(tocha.zeros(2, dtype=tocha.int64), 2.5).tolist() == [2, 2]
    assert tocha.fill(tocha.zeros(2), tocha.tensor(3.0)).tolist() == [3.0, 3.0]
    with pytest.raises(RuntimeError, match="fill_ only supports 0-dimension value tensor"):
        tocha.fill(tocha.zeros(2), tocha.tensor([3.0]))
    with pytest.raises(TypeError, match=r"clone\(\): argument 'input'"):
        tocha.clone([1])


def test_predicates():
    assert tocha.is_signed(tocha.zeros(1))
    assert not tocha.is_signed(tocha.zeros(1, dtype=tocha.uint8))
    assert not tocha.zeros(1, dtype=tocha.bool).is_signed()
    assert tocha.zeros(1, dtype=tocha.int8).is_signed()
    assert tocha.is_same_size(tocha.zeros(2, 3), tocha.ones(2, 3, dtype=tocha.int64))
    assert not tocha.zeros(2).is_same_size(tocha.zeros(3))
    assert tocha.zeros(2, 3, 4).ndimension() == 3
    assert tocha.tensor(1).ndimension() == 0
    assert tocha.tensor([2]).is_nonzero()
    assert not tocha.tensor(0.0).is_nonzero()
    with pytest.raises(RuntimeError, match="more than one value is ambiguous"):
        tocha.tensor([1, 2]).is_nonzero()
    with pytest.raises(TypeError, match=r"is_same_size\(\): argument 'other'"):
        tocha.is_same_size(tocha.zeros(2), 3)


INPLACE_TWINS = {
    "abs_": ([-1.5, 2.0],), "acos_": ([0.5],), "acosh_": ([2.0],), "arccos_": ([0.5],), "arccosh_": ([2.0],),
    "arcsin_": ([0.5],), "arcsinh_": ([0.5],), "arctan_": ([0.5],), "arctanh_": ([0.5],), "asin_": ([0.5],),
    "asinh_": ([0.5],), "atan_": ([0.5],), "atanh_": ([0.5],), "ceil_": ([-1.5],), "cos_": ([0.5],),
    "cosh_": ([0.5],), "erf_": ([0.5],), "erfc_": ([0.5],), "exp2_": ([0.5],), "exp_": ([0.5],),
    "expm1_": ([0.5],), "fix_": ([-1.5],), "floor_": ([-1.5],), "frac_": ([-1.5],), "i0_": ([0.5],),
    "log10_": ([0.5],), "log1p_": ([0.5],), "log2_": ([0.5],), "log_": ([0.5],), "logit_": ([0.25],),
    "nan_to_num_": ([float("nan"), 1.0],), "neg_": ([1.0],), "negative_": ([1.0],), "reciprocal_": ([4.0],),
    "round_": ([1.5],), "rsqrt_": ([4.0],), "sigmoid_": ([0.5],), "sin_": ([0.5],), "sinc_": ([0.5],),
    "sinh_": ([0.5],), "sqrt_": ([4.0],), "square_": ([3.0],), "tan_": ([0.5],), "tanh_": ([0.5],),
    "trunc_": ([-1.5],), "zero_": ([3.0],),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(INPLACE_TWINS))
def test_inplace_twins_are_the_methods(name):
    (values,) = INPLACE_TWINS[name]
    x = tocha.tensor(values, dtype=tocha.float64)
    expected = getattr(tocha.tensor(values, dtype=tocha.float64), name)()
    assert getattr(tocha, name)(x) is x
    assert_close(x, expected, equal_nan=True)


def test_inplace_twins_with_arguments():
    x = tocha.tensor([-1.0, 0.5, 2.0])
    assert tocha.clamp_(x, min=0.0, max=1.0).tolist() == [0.0, 0.5, 1.0]
    assert tocha.clip_(tocha.tensor([3.0]), None, 1.0).tolist() == [1.0]
    assert tocha.gcd_(tocha.tensor([4, 6]), tocha.tensor([6, 4])).tolist() == [2, 2]
    assert tocha.lcm_(tocha.tensor([4, 6]), tocha.tensor([6, 4])).tolist() == [12, 12]
    assert tocha.ldexp_(tocha.tensor([1.0]), tocha.tensor([3])).tolist() == [8.0]
    assert tocha.xlogy_(tocha.tensor([0.0, 2.0]), tocha.tensor([5.0, 1.0])).tolist() == [0.0, 0.0]
    assert tocha.fill_(tocha.zeros(2), 4).tolist() == [4.0, 4.0]
    assert tocha.round_(tocha.tensor([1.26]), decimals=1).tolist() == [pytest.approx(1.3)]
    assert tocha.index_put_(tocha.zeros(3), (tocha.tensor([2]),), tocha.tensor([5.0])).tolist() == [0, 0, 5]
    assert tocha.addmv_(tocha.zeros(2), tocha.eye(2), tocha.tensor([1.0, 2.0]), alpha=2).tolist() == [2.0, 4.0]
    assert tocha.conj_physical_(tocha.tensor([1 + 2j])).tolist() == [1 - 2j]
    y = tocha.ones(2)
    assert tocha.detach_(y) is y
    with pytest.raises(TypeError, match=r"exp_\(\): argument 'input' \(position 1\) must be Tensor, not float"):
        tocha.exp_(1.0)


def test_inplace_twins_cover_pytorch():
    torch = pytest.importorskip("torch")
    names = [n for n in dir(torch) if n.endswith("_") and not n.startswith("_") and hasattr(tocha.Tensor, n)]
    assert [n for n in names if not hasattr(tocha, n)] == []


def test_unravel_index():
    idx = np.array([4, 1, 0, 5])
    for shape in [(2, 3), (6,), (3, 1, 2)]:
        ours = tocha.unravel_index(tocha.from_numpy(idx), shape)
        assert [t.tolist() for t in ours] == [c.tolist() for c in np.unravel_index(idx, shape)]
    ours = tocha.unravel_index(tocha.tensor([[3, 2]], dtype=tocha.int32), 5)
    assert len(ours) == 1
    assert ours[0].dtype is tocha.int64
    assert ours[0].shape == (1, 2)
    assert [t.item() for t in tocha.unravel_index(tocha.tensor(-1), (2, 3))] == [1, 2]  # wraps, as PyTorch
    assert tocha.unravel_index(tocha.tensor([1]), ()) == ()
    with pytest.raises(TypeError, match="integer dtype"):
        tocha.unravel_index(tocha.tensor([1.0]), (2, 3))
    with pytest.raises(ValueError, match="'shape' cannot have negative values"):
        tocha.unravel_index(tocha.tensor([1]), (2, -3))


def test_unravel_index_matches_pytorch():
    torch = pytest.importorskip("torch")
    values = [4, 1, -1, 6, -7, 0]
    for shape in [(2, 3), (3, 1, 2), 7]:
        ours = tocha.unravel_index(tocha.tensor(values), shape)
        theirs = torch.unravel_index(torch.tensor(values), shape)
        assert [t.tolist() for t in ours] == [t.tolist() for t in theirs]


def test_diagflat_and_splits():
    a = np.array([[1, 2], [3, 4]])
    assert tocha.diagflat(tocha.from_numpy(a)).tolist() == np.diagflat(a).tolist()
    assert tocha.from_numpy(a).t().diagflat(-1).tolist() == np.diagflat(a.T, -1).tolist()
    assert tocha.diagflat(tocha.tensor(3)).tolist() == [[3]]
    x = tocha.arange(10).reshape(2, 5)
    parts = tocha.split_with_sizes(x, [2, 0, 3], dim=1)
    assert [p.shape[1] for p in parts] == [2, 0, 3]
    assert parts[2]._base is x._base
    assert [p.tolist() for p in x.split_with_sizes((1, 1))] == [[[0, 1, 2, 3, 4]], [[5, 6, 7, 8, 9]]]
    assert [p.tolist() for p in tocha.unsafe_split(tocha.arange(5), 2)] == [[0, 1], [2, 3], [4]]
    assert [p.tolist() for p in tocha.arange(5).unsafe_chunk(2)] == [[0, 1, 2], [3, 4]]
    assert [p.tolist() for p in tocha.unsafe_chunk(tocha.arange(5), 3)] == [[0, 1], [2, 3], [4]]
    assert [p.tolist() for p in tocha.arange(5).unsafe_split(3)] == [[0, 1, 2], [3, 4]]
    with pytest.raises(RuntimeError, match="expects split_sizes to sum exactly to 5"):
        tocha.split_with_sizes(tocha.arange(5), [2, 2])
    with pytest.raises(RuntimeError, match="only non-negative entries"):
        tocha.split_with_sizes(tocha.arange(5), [2, -1, 4])
    with pytest.raises(TypeError, match="must be tuple of ints, not int"):
        tocha.split_with_sizes(tocha.arange(5), 2)
    with pytest.raises(TypeError, match="must be int, not list"):
        tocha.unsafe_split(tocha.arange(5), [2, 3])


def test_chain_matmul_warns_once():
    from tocha._ops import linalg_functions

    linalg_functions._chain_matmul_warned = False
    a, b, c = tocha.randn(2, 3), tocha.randn(3, 4), tocha.randn(4, 1)
    with pytest.warns(UserWarning, match="chain_matmul is deprecated"):
        result = tocha.chain_matmul(a, b, c)
    assert_close(result, a @ b @ c)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        single = tocha.chain_matmul(a)  # no second warning
    assert single.tolist() == a.tolist()
    assert single is not a
    with pytest.raises(RuntimeError, match="Expected one or more matrices"):
        tocha.chain_matmul()
    with pytest.raises(RuntimeError, match=r"Tensor dimension is 1, expected 2 instead\."):
        tocha.chain_matmul(tocha.ones(3), tocha.ones(3, 3))
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        tocha.chain_matmul(a, a)


def test_gradient_matches_numpy():
    f = np.array([1.0, 4.0, 9.0, 16.0, 25.0, 40.0])
    x = np.array([0.0, 1.0, 3.0, 4.0, 7.0, 8.5])
    for edge in (1, 2):
        (ours,) = tocha.gradient(tocha.from_numpy(f), edge_order=edge)
        assert_close(ours, tocha.from_numpy(np.gradient(f, edge_order=edge)))
        (ours,) = tocha.gradient(tocha.from_numpy(f), spacing=2.5, edge_order=edge)
        assert_close(ours, tocha.from_numpy(np.gradient(f, 2.5, edge_order=edge)))
        (ours,) = tocha.gradient(tocha.from_numpy(f), spacing=[tocha.from_numpy(x)], edge_order=edge)
        assert_close(ours, tocha.from_numpy(np.gradient(f, x, edge_order=edge)), atol=1e-12, rtol=1e-12)
    g = np.arange(20.0).reshape(4, 5) ** 2
    ours = tocha.gradient(tocha.from_numpy(g).t().contiguous().t(), spacing=[1.0, 2.0])
    for o, e in zip(ours, np.gradient(g, 1.0, 2.0), strict=True):
        assert_close(o, tocha.from_numpy(e))
    (only,) = tocha.gradient(tocha.from_numpy(g), dim=-1)
    assert_close(only, tocha.from_numpy(np.gradient(g, axis=-1)))
    assert tocha.gradient(tocha.tensor([1, 4, 9]))[0].dtype is tocha.float32
    assert tocha.gradient(tocha.tensor(1.0)) == ()


def test_gradient_errors():
    with pytest.raises(RuntimeError, match="only supports edge_order=1 and edge_order=2"):
        tocha.gradient(tocha.ones(5), edge_order=3)
    with pytest.raises(RuntimeError, match=r"each dimension size to be at least edge_order\+1"):
        tocha.gradient(tocha.ones(2), edge_order=2)
    with pytest.raises(RuntimeError, match=r"'self.dim\(\) = 2', since dim argument was not given, but got a list"):
        tocha.gradient(tocha.ones(3, 3), spacing=[1.0, 2.0, 3.0])


def test_gradient_matches_pytorch_and_gradcheck():
    torch = pytest.importorskip("torch")
    f = [1.0, 4.0, 9.0, 16.0, 25.0]
    cases = [
        ({}, {}),
        ({"edge_order": 2}, {"edge_order": 2}),
        ({"spacing": [tocha.tensor([0.0, 1, 3, 4, 7])]}, {"spacing": [torch.tensor([0.0, 1, 3, 4, 7])]}),
    ]
    for ours_kw, theirs_kw in cases:
        (ours,) = tocha.gradient(tocha.tensor(f), **ours_kw)
        (theirs,) = torch.gradient(torch.tensor(f), **theirs_kw)
        _torch_close(torch, ours, theirs, rtol=1e-5, atol=1e-5)
    (ours,) = tocha.gradient(tocha.tensor([1j, 4, 9]))
    (theirs,) = torch.gradient(torch.tensor([1j, 4, 9]))
    assert ours.tolist() == theirs.tolist()
    gradcheck, _ = _gradcheck()
    x = tocha.randn(4, 5, dtype=tocha.float64, requires_grad=True)
    c = tocha.tensor([0.0, 0.5, 2.0, 2.5, 4.0], dtype=tocha.float64, requires_grad=True)
    assert gradcheck(lambda t: tocha.gradient(t, edge_order=2), (x,))
    assert gradcheck(lambda t, s: tocha.gradient(t, spacing=[s], dim=1, edge_order=2), (x, c))


def test_igamma_mvlgamma_forward_to_special():
    a, x = tocha.tensor([1.0, 2.0]), tocha.tensor([0.5, 3.0])
    assert_close(tocha.igamma(a, x), tocha.special.gammainc(a, x))
    assert_close(a.igammac(x), tocha.special.gammaincc(a, x))
    assert_close(tocha.mvlgamma(tocha.tensor([2.5, 3.0]), 2), tocha.special.multigammaln(tocha.tensor([2.5, 3.0]), 2))
    assert tocha.mvlgamma(tocha.tensor([2, 3]), 1).dtype is tocha.float32
    y = tocha.tensor([1.0, 2.0])
    assert y.igamma_(x) is y
    assert_close(y, tocha.special.gammainc(a, x))
    z = tocha.tensor([2.5, 3.0])
    z.mvlgamma_(2)
    assert_close(z, tocha.mvlgamma(tocha.tensor([2.5, 3.0]), 2))
    with pytest.raises(RuntimeError, match=r"igammac_\(\): output with shape \[1\] doesn't match"):
        tocha.tensor([1.0]).igammac_(x)


def test_igamma_mvlgamma_match_pytorch():
    torch = pytest.importorskip("torch")
    _torch_close(
        torch,
        tocha.igamma(tocha.tensor([1.0, 2.0]), tocha.tensor([0.5, 3.0])),
        torch.igamma(torch.tensor([1.0, 2.0]), torch.tensor([0.5, 3.0])),
    )
    _torch_close(
        torch,
        tocha.igammac(tocha.tensor([1.0, 2.0]), tocha.tensor([0.5, 3.0])),
        torch.igammac(torch.tensor([1.0, 2.0]), torch.tensor([0.5, 3.0])),
    )
    _torch_close(
        torch, tocha.mvlgamma(tocha.tensor([2.5, 3.0]), 3), torch.mvlgamma(torch.tensor([2.5, 3.0]), 3), rtol=1e-5
    )


def _spd(batch=()):
    a = np.random.default_rng(3).standard_normal((*batch, 3, 3))
    return a @ np.swapaxes(a, -1, -2) + 3 * np.eye(3)


def test_cholesky_solve_and_inverse_match_numpy():
    a = _spd((2,))
    low = np.linalg.cholesky(a)
    b = np.random.default_rng(4).standard_normal((2, 3, 2))
    assert_close(
        tocha.cholesky_solve(tocha.from_numpy(b), tocha.from_numpy(low)), tocha.from_numpy(np.linalg.solve(a, b))
    )
    up = np.swapaxes(low, -1, -2).copy()
    assert_close(
        tocha.from_numpy(b).cholesky_solve(tocha.from_numpy(up), True), tocha.from_numpy(np.linalg.solve(a, b))
    )
    assert_close(tocha.cholesky_inverse(tocha.from_numpy(low)), tocha.from_numpy(np.linalg.inv(a)))
    assert_close(tocha.from_numpy(up).cholesky_inverse(upper=True), tocha.from_numpy(np.linalg.inv(a)))
    # batch broadcasting of b against one factor
    single = tocha.from_numpy(low[0])
    assert tocha.cholesky_solve(tocha.from_numpy(b), single).shape == (2, 3, 2)


def test_cholesky_solve_errors():
    low = tocha.eye(2)
    with pytest.raises(RuntimeError, match="b should have at least 2 dimensions, but has 1 dimensions instead"):
        tocha.cholesky_solve(tocha.ones(2), low)
    with pytest.raises(RuntimeError, match="each A matrix is 2 by 2 but each b matrix is 3 by 1"):
        tocha.cholesky_solve(tocha.ones(3, 1), low)
    with pytest.raises(RuntimeError, match="found b of type Double and A of type Float"):
        tocha.cholesky_solve(tocha.ones(2, 1, dtype=tocha.float64), low)
    with pytest.raises(NotImplementedError, match="'Int'"):
        tocha.cholesky_solve(tocha.ones(2, 1, dtype=tocha.int32), low.int())
    with pytest.raises(RuntimeError, match="must have at least 2 dimensions"):
        tocha.cholesky_inverse(tocha.ones(2))
    with pytest.raises(RuntimeError, match="must be batches of square matrices, but they are 2 by 3 matrices"):
        tocha.cholesky_inverse(tocha.ones(2, 3))


def test_cholesky_solve_matches_pytorch_and_gradcheck():
    torch = pytest.importorskip("torch")
    a = _spd()
    low = np.linalg.cholesky(a)
    b = np.ones((3, 2))
    _torch_close(
        torch,
        tocha.cholesky_solve(tocha.from_numpy(b), tocha.from_numpy(low)),
        torch.cholesky_solve(torch.from_numpy(b), torch.from_numpy(low)),
        rtol=1e-12,
    )
    _torch_close(
        torch, tocha.cholesky_inverse(tocha.from_numpy(low)), torch.cholesky_inverse(torch.from_numpy(low)), rtol=1e-12
    )
    gradcheck, _ = _gradcheck()
    lt = tocha.from_numpy(low).requires_grad_(True)
    bt = tocha.from_numpy(b).requires_grad_(True)
    assert gradcheck(lambda x, y: tocha.cholesky_solve(x, y.tril()), (bt, lt))
    assert gradcheck(lambda y: tocha.cholesky_inverse(y.tril()), (lt,))
