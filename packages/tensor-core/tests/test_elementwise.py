"""Elementwise ops: results vs NumPy and PyTorch, promotion, in-place and out= forms, errors, vjps."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import tocha
from tocha.library import VjpContext, call, get_op

RNG = np.random.default_rng(0)


def t(a: Any, dtype: Any = None) -> Any:
    x = tocha.from_numpy(np.array(a, copy=True))
    return x if dtype is None else x.to(dtype)


def arr(*shape: int, low: float = -2.0, high: float = 2.0) -> np.ndarray:
    return RNG.uniform(low, high, shape)


# ------------------------------------------------------------------ NumPy: values and dtypes


@pytest.mark.parametrize(
    ("name", "reference", "low", "high"),
    [
        ("exp", np.exp, -2, 2),
        ("exp2", np.exp2, -2, 2),
        ("expm1", np.expm1, -2, 2),
        ("log", np.log, 0.1, 3),
        ("log2", np.log2, 0.1, 3),
        ("log10", np.log10, 0.1, 3),
        ("log1p", np.log1p, -0.5, 3),
        ("sqrt", np.sqrt, 0.1, 3),
        ("rsqrt", lambda a: 1 / np.sqrt(a), 0.1, 3),
        ("sin", np.sin, -3, 3),
        ("cos", np.cos, -3, 3),
        ("tan", np.tan, -1, 1),
        ("asin", np.arcsin, -0.9, 0.9),
        ("acos", np.arccos, -0.9, 0.9),
        ("atan", np.arctan, -3, 3),
        ("sinh", np.sinh, -2, 2),
        ("cosh", np.cosh, -2, 2),
        ("tanh", np.tanh, -2, 2),
        ("asinh", np.arcsinh, -2, 2),
        ("acosh", np.arccosh, 1.1, 3),
        ("atanh", np.arctanh, -0.9, 0.9),
        ("sigmoid", lambda a: 1 / (1 + np.exp(-a)), -5, 5),
        ("floor", np.floor, -3, 3),
        ("ceil", np.ceil, -3, 3),
        ("trunc", np.trunc, -3, 3),
        ("frac", lambda a: a - np.trunc(a), -3, 3),
        ("sign", np.sign, -3, 3),
        ("abs", np.abs, -3, 3),
        ("square", np.square, -3, 3),
        ("reciprocal", np.reciprocal, 0.5, 3),
    ],
)
def test_unary_matches_numpy_float64(name: str, reference: Any, low: float, high: float) -> None:
    a = arr(3, 4, low=low, high=high)
    result = getattr(tocha, name)(t(a))
    assert result.dtype is tocha.float64
    np.testing.assert_allclose(result.numpy(), reference(a), rtol=1e-12, atol=1e-14)
    method = getattr(t(a), name)()
    np.testing.assert_allclose(method.numpy(), reference(a), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("dtype", [tocha.bool, tocha.uint8, tocha.int32, tocha.int64])
def test_unary_float_ops_give_default_float_for_integers(dtype: Any) -> None:
    x = t(np.array([0, 1, 1]), dtype)
    for name in ("exp", "sin", "sqrt", "log1p", "sigmoid", "erf", "reciprocal", "angle"):
        assert getattr(tocha, name)(x).dtype is tocha.float32, name
    tocha.set_default_dtype(tocha.float64)
    try:
        assert tocha.exp(x).dtype is tocha.float64
    finally:
        tocha.set_default_dtype(tocha.float32)


def test_rounding_keeps_integers() -> None:
    x = t(np.array([-3, 2], dtype=np.int16))
    for name in ("floor", "ceil", "trunc", "round"):
        result = getattr(tocha, name)(x)
        assert result.dtype is tocha.int16
        assert result.tolist() == [-3, 2]


def test_round_half_to_even_and_decimals() -> None:
    assert tocha.round(t(np.array([0.5, 1.5, 2.5, -0.5]))).tolist() == [0.0, 2.0, 2.0, -0.0]
    np.testing.assert_allclose(tocha.round(t(np.array([1.2345, -2.5678])), decimals=2).numpy(), [1.23, -2.57])
    np.testing.assert_allclose(tocha.round(t(np.array([1234.5, 1250.0])), decimals=-2).numpy(), [1200.0, 1200.0])
    with pytest.raises(NotImplementedError, match=r"round.*Long"):
        tocha.round(t(np.array([1, 2])), decimals=1)


def test_binary_results_match_numpy() -> None:
    a, b = arr(3, 4), arr(4, low=0.5, high=2)
    cases = {
        "add": np.add,
        "sub": np.subtract,
        "mul": np.multiply,
        "div": np.true_divide,
        "floor_divide": np.floor_divide,
        "remainder": np.remainder,
        "fmod": np.fmod,
        "atan2": np.arctan2,
        "hypot": np.hypot,
        "logaddexp": np.logaddexp,
        "logaddexp2": np.logaddexp2,
        "maximum": np.maximum,
        "minimum": np.minimum,
        "fmax": np.fmax,
        "fmin": np.fmin,
    }
    for name, reference in cases.items():
        result = getattr(tocha, name)(t(a), t(b))
        np.testing.assert_allclose(result.numpy(), reference(a, b), rtol=1e-12, err_msg=name)
    np.testing.assert_allclose(tocha.pow(t(np.abs(a)), t(b)).numpy(), np.abs(a) ** b, rtol=1e-12)
    np.testing.assert_allclose(tocha.xlogy(t(a), t(b)).numpy(), a * np.log(b), rtol=1e-12)


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        (np.array([1, 2], dtype=np.int32), 2.5, tocha.float32),
        (np.array([1, 2], dtype=np.int64), True, tocha.int64),
        (np.array([True, False]), 3, tocha.int64),
        (np.array([1, 2], dtype=np.uint8), np.array([1, 2], dtype=np.int8), tocha.int16),
        (np.array([1, 2], dtype=np.float16), np.array(1.0), tocha.float16),
        (np.array([1, 2], dtype=np.int8), np.array(300), tocha.int8),
        (np.array(1, dtype=np.int8), np.array([1, 2], dtype=np.int16), tocha.int16),
        (np.array([1.0], dtype=np.float32), 1j, tocha.complex64),
        (np.array([1.0], dtype=np.float64), np.array(1j, dtype=np.complex64), tocha.complex128),
        (np.array([1], dtype=np.int64), np.array(2.0, dtype=np.float64), tocha.float64),
        (np.array([1], dtype=np.int64), 2.0, tocha.float32),
    ],
)
def test_add_promotion(left: Any, right: Any, expected: Any) -> None:
    a = t(left)
    b = t(right) if isinstance(right, np.ndarray) else right
    assert (a + b).dtype is expected
    assert (b + a).dtype is expected


def test_true_division_of_integers_gives_default_float() -> None:
    x = t(np.array([7, -7]))
    assert (x / 2).dtype is tocha.float32
    assert (x / x).tolist() == [1.0, 1.0]
    assert tocha.true_divide(x, 2).tolist() == [3.5, -3.5]
    assert (1 / t(np.array([2, 4]))).tolist() == [0.5, 0.25]
    assert tocha.div(t(np.array([True])), t(np.array([True]))).dtype is tocha.float32


def test_rounding_modes() -> None:
    a = np.array([7, -7, 7, -7])
    b = np.array([2, 2, -2, -2])
    assert tocha.div(t(a), t(b), rounding_mode="trunc").tolist() == [3, -3, -3, 3]
    assert tocha.div(t(a), t(b), rounding_mode="floor").tolist() == [3, -4, -4, 3]
    assert (t(a) // t(b)).tolist() == [3, -4, -4, 3]
    af = a.astype(np.float64) + 0.5
    assert tocha.div(t(af), t(b), rounding_mode="trunc").tolist() == list(np.trunc(af / b))
    assert tocha.div(t(af), 2, rounding_mode="floor").tolist() == list(np.floor(af / 2))
    assert tocha.div(t(a), 2, rounding_mode="trunc").dtype is tocha.int64
    with pytest.raises(RuntimeError, match="rounding_mode to be one of None, 'trunc', or 'floor' but found 'round'"):
        tocha.div(t(a), 2, rounding_mode="round")


def test_float_division_by_zero_follows_ieee() -> None:
    x = t(np.array([1.0, -1.0, 0.0]))
    assert tocha.div(x, 0.0, rounding_mode="floor").tolist()[:2] == [math.inf, -math.inf]
    assert math.isnan((x / 0.0).tolist()[2])
    assert (x % math.inf).tolist() == [1.0, math.inf, 0.0]


@pytest.mark.parametrize("fn", [lambda a: a // 0, lambda a: a % 0, lambda a: tocha.fmod(a, 0),
                                lambda a: tocha.div(a, t(np.array([1, 0])), rounding_mode="trunc")])  # fmt: skip
def test_integer_division_by_zero_raises(fn: Any) -> None:
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        fn(t(np.array([1, 2])))


def test_remainder_has_the_sign_of_the_divisor() -> None:
    a = np.array([-3, 3, -3, 3])
    b = np.array([2, 2, -2, -2])
    assert tocha.remainder(t(a), t(b)).tolist() == [1, 1, -1, -1]
    assert tocha.fmod(t(a), t(b)).tolist() == [-1, 1, -1, 1]
    assert tocha.remainder(-3, t(np.array([2]))).tolist() == [1]
    assert (5 % t(np.array([3.0, -3.0]))).tolist() == [2.0, -1.0]


def test_pow_forms_and_integer_rules() -> None:
    x = t(np.array([1, 2, 3]))
    assert (x**2).tolist() == [1, 4, 9]
    assert (x**2).dtype is tocha.int64
    assert (x**0.5).dtype is tocha.float32
    assert (2**x).tolist() == [2, 4, 8]
    assert (2.0**x).dtype is tocha.float32
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed"):
        x**-1
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed"):
        tocha.pow(x, -2)
    base = t(np.array([1, -1, -1, 2, 0]))
    exponent = t(np.array([-1, -1, -2, -1, 2]))
    assert (base**exponent).tolist() == [1, -1, 1, 0, 0]
    assert x.pow(-1.0).tolist() == pytest.approx([1.0, 0.5, 1 / 3])
    assert tocha.pow(t(np.array([True, False])), 2).dtype is tocha.int64


def test_neg_abs_sign_on_bool_are_refused() -> None:
    b = t(np.array([True, False]))
    with pytest.raises(RuntimeError, match="Negation, the `-` operator, on a bool tensor is not supported"):
        -b
    with pytest.raises(NotImplementedError, match=r"abs.*Bool"):
        abs(b)
    with pytest.raises(RuntimeError, match="The `\\+` operator, on a bool tensor is not supported"):
        +b
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with two bool tensors"):
        b - b
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with a bool tensor"):
        t(np.array([1, 2])) - b
    assert tocha.sign(b).tolist() == [True, False]
    assert tocha.square(b).tolist() == [1, 0]


def test_sign_sgn_and_complex() -> None:
    z = t(np.array([3 + 4j, 0j, -2 + 0j]))
    np.testing.assert_allclose(tocha.sgn(z).numpy(), [0.6 + 0.8j, 0, -1])
    with pytest.raises(NotImplementedError, match=r"torch\.sgn"):
        tocha.sign(z)
    assert tocha.abs(z).dtype is tocha.float64
    np.testing.assert_allclose(tocha.abs(z).numpy(), [5.0, 0.0, 2.0])
    np.testing.assert_allclose(tocha.angle(z).numpy(), np.angle(z.numpy()))
    np.testing.assert_allclose(tocha.angle(t(np.array([-1.0, 2.0, 0.0]))).numpy(), [math.pi, 0.0, 0.0])
    np.testing.assert_allclose(z.conj().numpy(), np.conj(z.numpy()))


def test_real_and_imag_are_views() -> None:
    z = t(np.array([1 + 2j, 3 - 4j]))
    real, imag = z.real, z.imag
    assert real.dtype is tocha.float64
    assert imag.tolist() == [2.0, -4.0]
    real.add_(10.0)
    assert z.tolist() == [11 + 2j, 13 - 4j]
    x = t(np.array([1.0, 2.0]))
    assert x.real is x
    with pytest.raises(RuntimeError, match="imag is not implemented for tensors with non-complex dtypes"):
        x.imag


def test_special_functions_against_known_values() -> None:
    x = np.array([0.0, 0.5, 1.0, 2.0, 10.0])
    np.testing.assert_allclose(tocha.erf(t(x)).numpy(), [math.erf(v) for v in x], rtol=1e-15)
    np.testing.assert_allclose(tocha.erfc(t(x)).numpy(), [math.erfc(v) for v in x], rtol=1e-15)
    np.testing.assert_allclose(tocha.lgamma(t(x[1:])).numpy(), [math.lgamma(v) for v in x[1:]], rtol=1e-14)
    assert tocha.lgamma(t(np.array([0.0, -1.0]))).tolist() == [math.inf, math.inf]
    euler = 0.5772156649015329
    digamma = tocha.digamma(t(np.array([1.0, 2.0, 0.5, -0.5, 100.0, 0.0, -2.0]))).tolist()
    expected = [-euler, 1 - euler, -euler - 2 * math.log(2), 0.03648997397857652, 4.600161852738087]
    np.testing.assert_allclose(digamma[:5], expected, rtol=1e-13)
    assert digamma[5] == -math.inf
    assert math.isnan(digamma[6])


def test_erfinv_inverts_erf() -> None:
    y = np.concatenate([np.linspace(-5.5, 5.5, 201), [1e-8, -3e-5]])
    x = np.array([math.erf(v) for v in y])
    inside = np.abs(x) < 1
    back = tocha.erfinv(t(x[inside])).numpy()
    np.testing.assert_allclose(np.array([math.erf(v) for v in back]), x[inside], rtol=1e-15, atol=1e-16)
    edges = tocha.erfinv(t(np.array([1.0, -1.0, 1.5, math.nan]))).tolist()
    assert edges[:2] == [math.inf, -math.inf]
    assert math.isnan(edges[2])
    assert math.isnan(edges[3])
    assert tocha.erfinv(t(np.array([0.5], dtype=np.float32))).dtype is tocha.float32


def test_logit_with_eps() -> None:
    x = t(np.array([0.0, 0.25, 1.0]))
    np.testing.assert_allclose(tocha.logit(x, eps=0.1).numpy(), np.log(np.array([0.1, 0.25, 0.9]) / [0.9, 0.75, 0.1]))
    assert tocha.logit(x).tolist()[0] == -math.inf


def test_clamp_forms() -> None:
    x = t(np.array([-2, 0, 2]))
    assert tocha.clamp(x, -1, 1).tolist() == [-1, 0, 1]
    assert tocha.clamp(x, min=0.5).dtype is tocha.float32
    assert tocha.clip(x, max=0).tolist() == [-2, 0, 0]
    assert tocha.clamp(x, 3, 1).tolist() == [1, 1, 1]
    lo = t(np.array([[-5], [1]]))
    assert tocha.clamp(x, min=lo, max=t(np.array(1))).tolist() == [[-2, 0, 1], [1, 1, 1]]
    assert x.clamp_min(1).tolist() == [1, 1, 2]
    assert x.clamp_max(-1).tolist() == [-2, -1, -1]
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max' must not be None"):
        tocha.clamp(x)
    with pytest.raises(NotImplementedError, match="clamp is not supported for complex types"):
        tocha.clamp(t(np.array([1j])), 0)
    y = x.clone()
    assert y.clamp_(0, 1) is y
    assert y.tolist() == [0, 0, 1]
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type Long"):
        x.clone().clamp_(0.5)


def test_maximum_minimum_need_tensors() -> None:
    a, b = t(np.array([1, 5])), t(np.array([3.0, 2.0]), tocha.float32)
    assert tocha.maximum(a, b).tolist() == [3.0, 5.0]
    assert tocha.maximum(a, b).dtype is tocha.float32
    nan = t(np.array([math.nan, 1.0]))
    assert math.isnan(tocha.maximum(nan, b).tolist()[0])
    assert tocha.fmax(nan, b).tolist() == [3.0, 2.0]
    with pytest.raises(TypeError, match="maximum\\(\\): argument 'other' \\(position 2\\) must be Tensor, not int"):
        tocha.maximum(a, 2)
    with pytest.raises(RuntimeError, match="maximum not implemented for complex tensors"):
        tocha.maximum(t(np.array([1j])), t(np.array([1j])))


def test_where() -> None:
    cond = t(np.array([True, False, True]))
    assert tocha.where(cond, 1, 2.0).tolist() == [1.0, 2.0, 1.0]
    assert tocha.where(cond, 1, 2).dtype is tocha.int64
    assert tocha.where(cond, t(np.array([1, 2, 3])), 2.5).dtype is tocha.float32
    assert tocha.where(cond[:, None], t(np.array([1, 2])), 0).shape == (3, 2)
    assert t(np.array([1.0, 2.0, 3.0])).where(cond, 0.0).tolist() == [1.0, 0.0, 3.0]
    with pytest.raises(
        RuntimeError, match="where expected condition to be a boolean tensor, but got a tensor with dtype Long"
    ):
        tocha.where(t(np.array([1])), 1, 2)


def test_lerp_addcmul_addcdiv() -> None:
    a, b = t(np.array([0.0, 10.0])), t(np.array([10.0, 20.0]))
    assert tocha.lerp(a, b, 0.25).tolist() == [2.5, 12.5]
    assert tocha.lerp(a, b, t(np.array([0.0, 1.0]))).tolist() == [0.0, 20.0]
    with pytest.raises(RuntimeError, match="expected dtype float64 for `end` but got dtype float32"):
        tocha.lerp(a, b.float(), 0.5)
    with pytest.raises(NotImplementedError, match=r"lerp.*Long"):
        tocha.lerp(t(np.array([1])), t(np.array([2])), 0.5)
    i = t(np.array([1, 2, 3]))
    assert tocha.addcmul(i, i, i, value=2).tolist() == [3, 10, 21]
    assert tocha.addcmul(a, a, b, value=0.5).tolist() == [0.0, 110.0]
    assert tocha.addcdiv(a, b, t(np.array([2.0, 4.0])), value=2).tolist() == [10.0, 20.0]
    with pytest.raises(RuntimeError, match="Integer division with addcdiv is no longer supported"):
        tocha.addcdiv(a, i[:2], i[:2])
    c = a.clone()
    c.addcmul_(a, b)
    assert c.tolist() == [0.0, 210.0]


def test_nan_to_num() -> None:
    x = t(np.array([math.nan, math.inf, -math.inf, 1.0], dtype=np.float32))
    assert tocha.nan_to_num(x).tolist() == [0.0, np.finfo(np.float32).max, np.finfo(np.float32).min, 1.0]
    assert tocha.nan_to_num(x, nan=1.0, posinf=2.0, neginf=-2.0).tolist() == [1.0, 2.0, -2.0, 1.0]
    half = tocha.nan_to_num(x.half())
    assert half.dtype is tocha.float16
    assert half.tolist()[1] == 65504.0
    assert tocha.nan_to_num(t(np.array([1, 2]))).tolist() == [1, 2]


def test_classification() -> None:
    x = t(np.array([1.0, math.nan, math.inf, -math.inf]))
    assert tocha.isnan(x).tolist() == [False, True, False, False]
    assert tocha.isinf(x).tolist() == [False, False, True, True]
    assert tocha.isposinf(x).tolist() == [False, False, True, False]
    assert tocha.isneginf(x).tolist() == [False, False, False, True]
    assert tocha.isfinite(x).tolist() == [True, False, False, False]
    assert tocha.isnan(t(np.array([1, 2]))).tolist() == [False, False]
    assert tocha.isreal(t(np.array([1 + 0j, 1j]))).tolist() == [True, False]
    assert tocha.isreal(t(np.array([1.0]))).tolist() == [True]


def test_comparisons_compute_in_the_promoted_dtype() -> None:
    big = t(np.array([2**53 + 1]))
    assert (big == 2**53 + 1).tolist() == [True]
    assert (t(np.array([1, 2])) < 1.5).tolist() == [True, False]
    assert (t(np.array([1, 2])) >= t(np.array([1.5]))).dtype is tocha.bool
    for op, expected in [("eq", [False, True]), ("ne", [True, False]), ("lt", [True, False]), ("le", [True, True]),
                         ("gt", [False, False]), ("ge", [False, True]), ("greater", [False, False]),
                         ("less_equal", [True, True]), ("not_equal", [True, False]), ("greater_equal", [False, True]),
                         ("less", [True, False])]:  # fmt: skip
        assert getattr(tocha, op)(t(np.array([1, 2])), 2).tolist() == expected, op
    with pytest.raises(NotImplementedError, match=r"lt.*ComplexDouble"):
        t(np.array([1j])) < t(np.array([1j]))


def test_identity_hashing_and_eq_with_other_types() -> None:
    a, b = t(np.array([1.0])), t(np.array([1.0]))
    assert len({a, b}) == 2
    assert hash(a) == object.__hash__(a)
    assert (a == None) is False  # noqa: E711
    assert (a != "x") is True


def test_isclose_allclose_equal() -> None:
    a = t(np.array([1.0, 2.0, math.nan, math.inf]))
    b = t(np.array([1.0 + 1e-9, 2.1, math.nan, math.inf]))
    assert tocha.isclose(a, b).tolist() == [True, False, False, True]
    assert tocha.isclose(a, b, equal_nan=True).tolist()[2] is True
    assert tocha.allclose(a[:1], b[:1])
    assert not tocha.allclose(a, b)
    with pytest.raises(RuntimeError, match="Long did not match Float"):
        tocha.isclose(t(np.array([1])), t(np.array([1.0], dtype=np.float32)))
    assert tocha.equal(t(np.array([1, 2])), t(np.array([1.0, 2.0])))
    assert not tocha.equal(t(np.array([1, 2])), t(np.array([1, 2, 3])))


def test_logical_ops() -> None:
    a, b = t(np.array([1, 0, 2])), t(np.array([0.5, 1.0, 0.0]))
    assert tocha.logical_and(a, b).tolist() == [True, False, False]
    assert tocha.logical_or(a, b).tolist() == [True, True, True]
    assert tocha.logical_xor(a, b).tolist() == [False, True, True]
    assert tocha.logical_not(b).tolist() == [False, False, True]
    c = a.clone()
    c.logical_and_(b)
    assert c.tolist() == [1, 0, 0]
    assert c.dtype is tocha.int64


def test_bitwise_ops_and_shifts() -> None:
    x = t(np.array([12, 10, -16]))
    assert (x & 6).tolist() == [4, 2, 0]
    assert (x | 1).tolist() == [13, 11, -15]
    assert (x ^ 3).tolist() == [15, 9, -13]
    assert (~x).tolist() == [-13, -11, 15]
    assert (x << 2).tolist() == [48, 40, -64]
    assert (x >> 2).tolist() == [3, 2, -4]
    assert (x << 70).tolist() == [0, 0, 0]
    assert (x >> 70).tolist() == [0, 0, -1]
    assert (t(np.array([1], dtype=np.uint8)) << 9).tolist() == [0]
    assert (1 << t(np.array([3]))).tolist() == [8]
    b = t(np.array([True, False]))
    assert (b ^ True).tolist() == [False, True]
    assert (~b).tolist() == [False, True]
    assert (b << 1).tolist() == [2, 0]
    with pytest.raises(NotImplementedError, match=r"bitwise_and.*Double"):
        t(np.array([1.0])) & t(np.array([1.0]))
    with pytest.raises(TypeError, match="only implemented on integer and Boolean-type tensors"):
        ~t(np.array([1.0]))
    y = x.clone()
    y &= 7
    y <<= 1
    assert y.tolist() == [8, 4, 0]


def test_reflected_operators() -> None:
    x = t(np.array([1.0, 2.0]))
    assert (1 + x).tolist() == [2.0, 3.0]
    assert (1 - x).tolist() == [0.0, -1.0]
    assert (2 * x).tolist() == [2.0, 4.0]
    assert (1 / x).tolist() == [1.0, 0.5]
    assert (5 // x).tolist() == [5.0, 2.0]
    assert (5 % x).tolist() == [0.0, 1.0]
    assert (2**x).tolist() == [2.0, 4.0]
    assert abs(-x).tolist() == [1.0, 2.0]
    assert (+x) is x


# ------------------------------------------------------------------ in-place and out=


def test_inplace_forms_write_into_the_tensor_and_its_views() -> None:
    base = t(np.arange(6.0).reshape(2, 3))
    view = base[0]
    view += 1
    view.mul_(2).sub_(1, alpha=2)
    assert base.tolist()[0] == [0.0, 2.0, 4.0]
    view.div_(2).pow_(2).exp_().log_().sqrt_()
    assert base.tolist()[0] == pytest.approx([0.0, 1.0, 2.0])
    x = t(np.array([7, -7]))
    x.div_(2, rounding_mode="floor")
    assert x.tolist() == [3, -4]
    x.remainder_(3)
    assert x.tolist() == [0, 2]
    x.floor_divide_(2)
    assert x.tolist() == [0, 1]
    x //= 1
    x %= 5
    x **= 2
    assert x.tolist() == [0, 1]


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: x.add_(1.5),
        lambda x: x.exp_(),
        lambda x: x.div_(2),
        lambda x: x.__itruediv__(2),
        lambda x: x.mul_(t(np.array([1.0]), tocha.float32)),
        lambda x: x.sqrt_(),
        lambda x: x.sigmoid_(),
    ],
)
def test_inplace_cannot_cast_to_integer(fn: Any) -> None:
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        fn(t(np.array([1, 2])))


@pytest.mark.parametrize("method", ["add_", "sub_", "mul_", "bitwise_xor_", "remainder_", "floor_divide_", "fmod_"])
@pytest.mark.parametrize("other_dtype", [np.int8, np.int16, np.int64])
def test_inplace_into_unsigned_from_signed_wraps_as_pytorch(method: str, other_dtype: Any) -> None:
    # NumPy refuses to cast a signed result into uint8 ('same_kind'); PyTorch wraps it
    x, other = np.array([3, 1, 2, 200], dtype=np.uint8), np.array([1, 2, 1, 100], dtype=other_dtype)
    ours = t(x.copy())
    assert getattr(ours, method)(t(other)) is ours
    wide = getattr(np, {"add_": "add", "sub_": "subtract", "mul_": "multiply", "bitwise_xor_": "bitwise_xor",
                        "remainder_": "remainder", "floor_divide_": "floor_divide", "fmod_": "fmod"}[method])  # fmt: skip
    assert ours.dtype is tocha.uint8
    assert ours.tolist() == wide(x.astype(np.int64), other.astype(np.int64)).astype(np.uint8).tolist()
    view = t(x.copy())
    view[1:].sub_(t(np.array([-1, 300, 1])))  # a strided target
    assert view.tolist() == [3, 2, 214, 199]


def test_inplace_cannot_broadcast_the_target() -> None:
    with pytest.raises(RuntimeError, match=r"output with shape \[2\] doesn't match the broadcast shape \[2, 2\]"):
        t(np.array([1.0, 2.0])).add_(t(np.ones((2, 2))))
    b = t(np.array([True]))
    with pytest.raises(RuntimeError, match="result type Long can't be cast to the desired output type Bool"):
        b.add_(1)


def test_out_argument() -> None:
    a, b = t(np.array([1, 2])), t(np.array([3, 4]))
    out = tocha.empty(2, dtype=tocha.float64)
    result = tocha.add(a, b, out=out)
    assert result is out
    assert out.tolist() == [4.0, 6.0]
    resized = tocha.empty(0)
    tocha.mul(a, t(np.ones((3, 2))), out=resized)
    assert resized.shape == (3, 2)
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        tocha.exp(a, out=tocha.empty(2, dtype=tocha.int64))
    mask = tocha.empty(2, dtype=tocha.bool)
    tocha.lt(a, 2, out=mask)
    assert mask.tolist() == [True, False]
    tocha.sqrt(t(np.array([4.0, 9.0])), out=out)
    assert out.tolist() == [2.0, 3.0]


def test_broadcasting_error_names_the_shapes() -> None:
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(2\) must match the size of tensor b \(3\)"):
        t(np.array([1, 2])) + t(np.ones(3))
    with pytest.raises(RuntimeError, match="must match"):
        tocha.where(t(np.array([True, False])), t(np.ones(3)), 0.0)
    with pytest.raises(RuntimeError, match="must match"):
        tocha.lerp(t(np.ones(2)), t(np.ones(3)), 0.5)


def test_dtype_refusals_name_op_and_dtype() -> None:
    with pytest.raises(NotImplementedError, match="\"floor_divide\" not implemented for 'Bool'"):
        t(np.array([True])) // t(np.array([True]))
    with pytest.raises(NotImplementedError, match="\"erf\" not implemented for 'ComplexDouble'"):
        tocha.erf(t(np.array([1j])))
    with pytest.raises(NotImplementedError, match="floor is not supported for complex inputs"):
        tocha.floor(t(np.array([1j])))
    with pytest.raises(NotImplementedError, match="\"hypot\" not implemented for 'Long'"):
        tocha.hypot(t(np.array([1])), t(np.array([1])))
    with pytest.raises(RuntimeError, match="For integral input tensors, argument alpha must not be a floating point"):
        tocha.add(t(np.array([1])), 1, alpha=0.5)


def test_noncontiguous_zero_dim_and_empty_inputs() -> None:
    a = arr(4, 6)
    x = t(a)[:, ::2]
    assert not x.is_contiguous()
    np.testing.assert_allclose(tocha.exp(x).numpy(), np.exp(a[:, ::2]))
    np.testing.assert_allclose((x * x.T.T).numpy(), a[:, ::2] ** 2)
    scalar = t(np.array(2.0))
    assert (scalar + scalar).shape == ()
    assert isinstance((scalar * 3).numpy(), np.ndarray)
    assert tocha.sin(scalar).item() == pytest.approx(math.sin(2.0))
    empty = t(np.zeros((0, 3)))
    assert tocha.log(empty).shape == (0, 3)
    assert (empty + 1).shape == (0, 3)
    assert tocha.erf(empty).shape == (0, 3)


def test_half_precision_dtypes_stay() -> None:
    for d in (tocha.float16, tocha.bfloat16):
        x = t(np.array([0.5, 1.0]), d)
        for name in ("exp", "sigmoid", "erf", "lgamma", "digamma", "erfinv", "sqrt"):
            assert getattr(tocha, name)(x * 0.5).dtype is d, (name, d)
        assert (x + 1.5).dtype is d
        assert (x * 2).dtype is d
        assert tocha.lerp(x, x, 0.5).dtype is d


# ------------------------------------------------------------------ vjps vs finite differences


def _vjp(name: str, inputs: tuple[Any, ...], params: tuple[Any, ...] = ()) -> tuple[Any, list[Any]]:
    op = get_op(name)
    result = call(op, tocha.device("cpu"), inputs, params)
    ctx = VjpContext(
        inputs=tuple(x if i in op.saves_inputs else None for i, x in enumerate(inputs)),
        result=result if op.saves_result else None,
        params=params,
        input_shapes=tuple(tuple(x.shape) if isinstance(x, tocha.Tensor) else None for x in inputs),
        input_dtypes=tuple(x.dtype if isinstance(x, tocha.Tensor) else None for x in inputs),
        needs_input_grad=tuple((isinstance(x, tocha.Tensor) and x.dtype.is_floating_point) or
                               (isinstance(x, tocha.Tensor) and x.dtype.is_complex) for x in inputs),
    )  # fmt: skip
    grad = RNG.standard_normal(result.shape)
    if result.dtype.is_complex:
        grad = grad + 1j * RNG.standard_normal(result.shape)
    grads = op.vjp(ctx, t(grad))  # type: ignore[misc]
    return grad, list(grads)


def _numerical(name: str, inputs: tuple[Any, ...], params: tuple[Any, ...], grad: Any, i: int) -> Any:
    op = get_op(name)
    eps = 1e-6

    def loss(values: Any) -> float:
        args = list(inputs)
        args[i] = t(values)
        out = call(op, tocha.device("cpu"), tuple(args), params).numpy()
        return float(np.real(np.sum(np.conj(grad) * out)))

    base = inputs[i].numpy()
    estimate = np.zeros(base.shape, dtype=base.dtype)
    for index in np.ndindex(base.shape):
        for direction in (1, 1j) if base.dtype.kind == "c" else (1,):
            plus, minus = base.copy(), base.copy()
            plus[index] += eps * direction
            minus[index] -= eps * direction
            estimate[index] += direction * (loss(plus) - loss(minus)) / (2 * eps)
    return estimate


def _check(name: str, inputs: tuple[Any, ...], params: tuple[Any, ...] = ()) -> None:
    grad, grads = _vjp(name, inputs, params)
    for i, x in enumerate(inputs):
        if not isinstance(x, tocha.Tensor) or not (x.dtype.is_floating_point or x.dtype.is_complex):
            continue
        assert grads[i] is not None, f"{name}: no gradient for input {i}"
        assert tuple(grads[i].shape) == tuple(x.shape), f"{name}: gradient {i} has the wrong shape"
        np.testing.assert_allclose(
            grads[i].numpy(), _numerical(name, inputs, params, grad, i), rtol=1e-5, atol=1e-6, err_msg=f"{name}[{i}]"
        )


UNARY_DOMAINS = {
    "exp": (-2, 2), "exp2": (-2, 2), "expm1": (-2, 2), "log": (0.2, 3), "log2": (0.2, 3), "log10": (0.2, 3),
    "log1p": (-0.5, 3), "sqrt": (0.2, 3), "rsqrt": (0.2, 3), "sin": (-3, 3), "cos": (-3, 3), "tan": (-1, 1),
    "asin": (-0.9, 0.9), "acos": (-0.9, 0.9), "atan": (-3, 3), "sinh": (-2, 2), "cosh": (-2, 2), "tanh": (-2, 2),
    "asinh": (-2, 2), "acosh": (1.2, 3), "atanh": (-0.9, 0.9), "sigmoid": (-3, 3), "erf": (-2, 2), "erfc": (-2, 2),
    "erfinv": (-0.9, 0.9), "lgamma": (0.2, 5), "neg": (-2, 2), "reciprocal": (0.3, 3), "abs": (0.1, 2),
    "square": (-2, 2), "frac": (0.1, 0.9), "nan_to_num": (-2, 2),
}  # fmt: skip
COMPLEX_UNARY = ["exp", "log", "sqrt", "rsqrt", "sin", "cos", "tan", "sinh", "cosh", "tanh", "asinh", "atan",
                 "sigmoid", "reciprocal", "square", "neg", "exp2", "expm1", "log1p", "log2", "log10"]  # fmt: skip


@pytest.mark.parametrize("name", sorted(UNARY_DOMAINS))
def test_unary_vjp_float64(name: str) -> None:
    low, high = UNARY_DOMAINS[name]
    params: tuple[Any, ...] = (0.0, None, None) if name == "nan_to_num" else ()
    _check(name, (t(arr(2, 3, low=low, high=high)),), params)


@pytest.mark.parametrize("name", COMPLEX_UNARY)
def test_unary_vjp_complex128(name: str) -> None:
    z = arr(2, 3, low=0.3, high=1.0) + 1j * arr(2, 3, low=0.3, high=1.0)
    _check(name, (t(z),))


@pytest.mark.parametrize("name", ["abs", "sgn", "angle", "conj", "real", "imag"])
def test_complex_specific_vjps(name: str) -> None:
    z = arr(2, 3, low=0.3, high=1.0) + 1j * arr(2, 3, low=-1.0, high=1.0)
    _check(name, (t(z),))


def test_logit_vjp_with_and_without_eps() -> None:
    _check("logit", (t(arr(2, 3, low=0.1, high=0.9)),), (None,))
    _check("logit", (t(np.array([0.05, 0.3, 0.7, 0.95])),), (0.2,))


@pytest.mark.parametrize(
    ("name", "low", "high"),
    [
        ("add", -2, 2), ("sub", -2, 2), ("mul", -2, 2), ("div", 0.5, 2), ("pow", 0.5, 2), ("atan2", 0.5, 2),
        ("hypot", 0.5, 2), ("logaddexp", -2, 2), ("logaddexp2", -2, 2), ("xlogy", 0.5, 2), ("maximum", -2, 2),
        ("minimum", -2, 2), ("fmax", -2, 2), ("fmin", -2, 2), ("remainder", 0.5, 2), ("fmod", 0.5, 2),
    ],
)  # fmt: skip
def test_binary_vjp_float64(name: str, low: float, high: float) -> None:
    _check(name, (t(arr(2, 3, low=low, high=high)), t(arr(2, 3, low=low, high=high) + 0.013)))


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow", "logaddexp"])
def test_binary_vjp_complex128(name: str) -> None:
    def z() -> Any:
        return t(arr(2, 3, low=0.5, high=1.5) + 1j * arr(2, 3, low=0.5, high=1.5))

    _check(name, (z(), z()))


def test_pow_vjp_with_scalar_operands() -> None:
    _check("pow", (t(arr(4, low=0.5, high=2)), 3.0))
    _check("pow", (2.0, t(arr(4, low=-1, high=1))))


def test_ternary_vjps() -> None:
    _check("lerp", (t(arr(3)), t(arr(3)), t(arr(3, low=0, high=1))))
    _check("addcmul", (t(arr(3)), t(arr(3)), t(arr(3))), (0.5,))
    _check("addcdiv", (t(arr(3)), t(arr(3)), t(arr(3, low=0.5, high=2))), (2.0,))
    _check("clamp", (t(np.array([-2.0, -0.3, 0.4, 2.0])), t(np.array([-1.0, -1.0, 0.5, -1.0])), t(np.array(1.0))))
    cond = t(np.array([True, False, True]))
    grad, grads = _vjp("where", (cond, t(arr(3)), t(arr(3))))
    np.testing.assert_allclose(grads[1].numpy(), grad * [1, 0, 1])
    np.testing.assert_allclose(grads[2].numpy(), grad * [0, 1, 0])


@pytest.mark.skipif(not hasattr(tocha.Tensor, "sum"), reason="broadcast vjps reduce with Tensor.sum")
def test_broadcast_vjp_reduces_to_input_shapes() -> None:
    _check("mul", (t(arr(2, 3)), t(arr(3))))
    _check("div", (t(arr(2, 1, low=0.5, high=2)), t(arr(3, low=0.5, high=2))))


def test_rounding_and_comparison_ops_are_flat_or_not_differentiable() -> None:
    for name in ("floor", "ceil", "trunc", "round", "sign"):
        _, grads = _vjp(name, (t(arr(3)),), (0,) if name == "round" else ())
        assert grads[0].tolist() == [0.0, 0.0, 0.0]
    for name in ("eq", "lt", "isnan", "logical_and", "bitwise_and"):
        assert get_op(name).vjp is None


# ------------------------------------------------------------------ PyTorch


def _torch_tensor(torch: Any, x: Any) -> Any:
    return torch.from_numpy(x.numpy().copy()) if isinstance(x, tocha.Tensor) else x


PROMOTION_OPERANDS = [
    (np.array([1, 2], dtype=np.int32), 2.5),
    (np.array([1, 2], dtype=np.int64), True),
    (np.array([True, False]), 3),
    (np.array([1, 2], dtype=np.uint8), np.array([1, 2], dtype=np.int8)),
    (np.array([1, 2], dtype=np.float16), np.array(1.5)),
    (np.array([1, 2], dtype=np.int16), np.array(7, dtype=np.int64)),
    (np.array([1.0, 2.0], dtype=np.float32), np.array([3.0], dtype=np.float64)),
    (np.array([1.0, 2.0], dtype=np.float32), 1 + 2j),
    (np.array(3, dtype=np.uint8), np.array([1, 2], dtype=np.int8)),
    (np.array([5, 7], dtype=np.int8), 300),
]


@pytest.mark.parametrize("operands", PROMOTION_OPERANDS)
@pytest.mark.parametrize(
    "name", ["add", "sub", "mul", "div", "floor_divide", "remainder", "pow", "eq", "lt", "maximum", "atan2", "xlogy"]
)
def test_promotion_matches_pytorch(name: str, operands: Any) -> None:
    torch = pytest.importorskip("torch")
    left, right = operands
    a = t(left)
    b = t(right) if isinstance(right, np.ndarray) else right
    ta, tb = _torch_tensor(torch, a), _torch_tensor(torch, b)
    try:
        expected = getattr(torch, name)(ta, tb)
    except (RuntimeError, TypeError) as error:
        with pytest.raises(type(error)):
            getattr(tocha, name)(a, b)
        return
    actual = getattr(tocha, name)(a, b)
    assert actual.dtype.name == str(expected.dtype).replace("torch.", "")
    np.testing.assert_allclose(actual.numpy(), expected.numpy(), rtol=1e-6)


@pytest.mark.parametrize("mode", [None, "trunc", "floor"])
@pytest.mark.parametrize("dtype", ["int64", "int8", "float32", "float64"])
def test_division_modes_match_pytorch(mode: Any, dtype: str) -> None:
    torch = pytest.importorskip("torch")
    a = (RNG.uniform(-20, 20, 50)).astype(dtype)
    b = (RNG.choice([-7, -3, -2, 2, 3, 5], 50) + (0.5 if dtype.startswith("float") else 0)).astype(dtype)
    expected = torch.div(torch.from_numpy(a), torch.from_numpy(b), rounding_mode=mode)
    actual = tocha.div(t(a), t(b), rounding_mode=mode)
    assert actual.dtype.name == str(expected.dtype).replace("torch.", "")
    np.testing.assert_allclose(actual.numpy(), expected.numpy(), rtol=1e-6)
    np.testing.assert_array_equal(
        tocha.remainder(t(a), t(b)).numpy(), torch.remainder(torch.from_numpy(a), torch.from_numpy(b)).numpy()
    )
    np.testing.assert_array_equal(
        tocha.fmod(t(a), t(b)).numpy(), torch.fmod(torch.from_numpy(a), torch.from_numpy(b)).numpy()
    )


@pytest.mark.parametrize("name", ["erf", "erfc", "erfinv", "lgamma", "digamma"])
def test_special_functions_match_pytorch(name: str) -> None:
    torch = pytest.importorskip("torch")
    if name == "erfinv":
        x = np.concatenate([RNG.uniform(-1, 1, 200), [0.0, 0.999999, -0.9999999999, 1e-12]])
    else:
        x = np.concatenate([RNG.uniform(-10, 10, 200), [0.5, 1.0, 30.0, -2.5, 1e-8]])
    expected = getattr(torch, name)(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(getattr(tocha, name)(t(x)).numpy(), expected, rtol=1e-10, atol=1e-12)
    x32 = x.astype(np.float32)
    expected32 = getattr(torch, name)(torch.from_numpy(x32)).numpy()
    np.testing.assert_allclose(getattr(tocha, name)(t(x32)).numpy(), expected32, rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize(
    "expression",
    [
        "x.exp_()", "x.add_(1.5)", "x.sqrt_()", "x / 0", "x // 0", "x % 0", "x ** -1", "x.abs_()", "-x",
        "x & 1.5", "x << 2", "x.clamp_(0.5)", "x.clamp_(0, 2)", "x.lerp_(x, 0.5)", "x.round_(decimals=1)",
        "x.sgn_()", "x.frac_()", "x.logical_not_()", "x.bitwise_not_()", "x.eq_(2)", "x.lt_(1.5)",
        "x.fmod_(-2)", "x.remainder_(-2)", "x.square_()", "x.neg_()", "x.pow_(2)", "x.true_divide_(2)",
    ],
)  # fmt: skip
@pytest.mark.parametrize("dtype", ["int64", "float32", "bool", "uint8"])
def test_inplace_and_error_types_match_pytorch(expression: str, dtype: str) -> None:
    torch = pytest.importorskip("torch")
    values = np.array([3, 1, 2]).astype(dtype)
    tx = torch.from_numpy(values.copy())
    x = t(values.copy())
    try:
        expected = eval(expression, {"x": tx})
    except Exception as error:
        with pytest.raises(type(error)):
            eval(expression, {"x": x})
        return
    actual = eval(expression, {"x": x})
    assert actual.dtype.name == str(expected.dtype).replace("torch.", "")
    np.testing.assert_allclose(actual.numpy().astype(np.float64), expected.numpy().astype(np.float64), rtol=1e-6)
    np.testing.assert_allclose(x.numpy().astype(np.float64), tx.numpy().astype(np.float64), rtol=1e-6)


def test_clamp_where_lerp_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    a = arr(3, 4)
    lo, hi = arr(4), arr(3, 1)
    expected = torch.clamp(torch.from_numpy(a), torch.from_numpy(lo), torch.from_numpy(hi))
    np.testing.assert_allclose(tocha.clamp(t(a), t(lo), t(hi)).numpy(), expected.numpy())
    i = np.array([-3, 0, 4])
    for low, high in [(0.5, None), (None, 2), (3, 1), (-1, 1)]:
        expected = torch.clamp(torch.from_numpy(i), low, high)
        actual = tocha.clamp(t(i), low, high)
        assert actual.dtype.name == str(expected.dtype).replace("torch.", "")
        np.testing.assert_allclose(actual.numpy(), expected.numpy())
    cond = a > 0
    for other in (2.5, 1, True):
        expected = torch.where(torch.from_numpy(cond), torch.from_numpy(i[:1]), other)
        actual = tocha.where(t(cond), t(i[:1]), other)
        assert actual.dtype.name == str(expected.dtype).replace("torch.", "")
    w = arr(3, 4, low=0, high=1)
    expected = torch.lerp(torch.from_numpy(a), torch.from_numpy(lo).expand(3, 4), torch.from_numpy(w))
    np.testing.assert_allclose(tocha.lerp(t(a), t(lo).expand(3, 4), t(w)).numpy(), expected.numpy())


def test_where_with_condition_only_is_nonzero_as_tuple() -> None:
    rows, cols = tocha.where(tocha.tensor([[0, 1], [1, 0]]))
    assert rows.tolist() == [0, 1]
    assert cols.tolist() == [1, 0]
    with pytest.raises(TypeError, match="either one argument"):
        tocha.where(tocha.tensor([True]), 1.0)


def test_where_condition_only_against_torch() -> None:
    torch = pytest.importorskip("torch")
    data = [[0, 2, 0], [3, 0, 4]]
    ours = tocha.where(tocha.tensor(data))
    theirs = torch.where(torch.tensor(data))
    assert [t.tolist() for t in ours] == [t.tolist() for t in theirs]


def test_real_and_imag_are_assignable_views() -> None:
    t = tocha.zeros(2, dtype=tocha.complex64)
    t.real[0] = 5
    assert t.tolist() == [5 + 0j, 0j]
    t.real = tocha.tensor([1.0, 2.0])
    t.imag = 3
    assert t.tolist() == [1 + 3j, 2 + 3j]
    x = tocha.zeros(2)
    x.real = tocha.ones(2)
    assert x.tolist() == [1.0, 1.0]
    with pytest.raises(RuntimeError, match="imag is not implemented for tensors with non-complex dtypes"):
        x.imag = 1


# ------------------------------------------------------------------ review fixes: fast paths, FP warnings, out= views

FLOAT_DTYPES = [tocha.float16, tocha.bfloat16, tocha.float32, tocha.float64]
SCALAR_EXPRESSIONS = {
    "x + 1": lambda x: x + 1,
    "1 - x": lambda x: 1 - x,
    "2 * x": lambda x: 2 * x,
    "x * 2.5": lambda x: x * 2.5,
    "x / 2": lambda x: x / 2,
    "3 / x": lambda x: 3 / x,
    "2 ** x": lambda x: 2**x,
    "x ** 2": lambda x: x**2,
    "x < 1": lambda x: x < 1,
    "1.5 >= x": lambda x: 1.5 >= x,  # noqa: SIM300 (the reflected operator is the point)
}


@pytest.mark.parametrize("dtype", [*FLOAT_DTYPES, tocha.int32, tocha.uint8])
@pytest.mark.parametrize("expr", list(SCALAR_EXPRESSIONS))
def test_python_scalars_on_either_side_keep_pytorchs_dtype(expr: str, dtype: Any) -> None:
    x = tocha.tensor([1.0, 2.0, 4.0]).to(dtype)
    got = SCALAR_EXPRESSIONS[expr](x)
    # Hand-checked: a Python int or float never widens a float tensor; ints give float only for / (and float scalars).
    if expr in ("x < 1", "1.5 >= x"):
        expected_dtype = tocha.bool
    elif dtype.is_floating_point or expr not in ("x + 1", "1 - x", "2 * x", "2 ** x", "x ** 2"):
        expected_dtype = dtype if dtype.is_floating_point else tocha.float32
    else:
        expected_dtype = dtype
    assert got.dtype is expected_dtype
    values = np.array([1.0, 2.0, 4.0])
    expected = {
        "x + 1": values + 1, "1 - x": 1 - values, "2 * x": 2 * values, "x * 2.5": values * 2.5,
        "x / 2": values / 2, "3 / x": 3 / values, "2 ** x": 2**values, "x ** 2": values**2,
        "x < 1": values < 1, "1.5 >= x": values <= 1.5,
    }[expr]  # fmt: skip
    if dtype is tocha.uint8 and expr == "1 - x":
        expected = (1 - values) % 256  # uint8 wraps around, as in PyTorch
    np.testing.assert_allclose(got.to(tocha.float64).numpy(), expected, rtol=1e-2)


@pytest.mark.parametrize("dtype", [*FLOAT_DTYPES, tocha.int32, tocha.uint8])
@pytest.mark.parametrize("expr", list(SCALAR_EXPRESSIONS))
def test_python_scalars_on_either_side_match_pytorch(expr: str, dtype: Any) -> None:
    torch = pytest.importorskip("torch")
    x = tocha.tensor([1.0, 2.0, 4.0]).to(dtype)
    got = SCALAR_EXPRESSIONS[expr](x)
    want = SCALAR_EXPRESSIONS[expr](torch.tensor([1.0, 2.0, 4.0]).to(getattr(torch, dtype.name)))
    assert got.dtype.name == str(want.dtype).removeprefix("torch.")
    np.testing.assert_allclose(got.to(tocha.float64).numpy(), want.double().numpy())


def test_fast_path_checks_the_ops_dtypes() -> None:
    c = tocha.tensor([1 + 1j, 2j], dtype=tocha.complex64)
    cases = [(lambda: c < c, "lt"), (lambda: c.le(c), "le"), (lambda: c > 1, "gt"), (lambda: 1 < c, "gt")]  # noqa: SIM300
    for fn, name in cases:
        with pytest.raises(NotImplementedError, match=f"\"{name}\" not implemented for 'ComplexFloat'"):
            fn()
    b = tocha.tensor([True, False])
    with pytest.raises(RuntimeError, match="Subtraction"):
        b - b


def test_fast_path_complex_comparison_errors_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    c = torch.ones(2, dtype=torch.complex64)
    with pytest.raises(NotImplementedError, match="not implemented for 'ComplexFloat'"):
        c < c


def test_casts_and_overflowing_arithmetic_do_not_warn() -> None:
    # pytest runs with warnings as errors: any NumPy RuntimeWarning here fails the test.
    f16 = tocha.float16
    assert tocha.tensor([1e5]).to(f16).tolist() == [math.inf]
    assert (tocha.ones(1, dtype=f16) + 1e5).tolist() == [math.inf]
    assert (tocha.ones(1, dtype=f16) + 100000).tolist() == [math.inf]
    assert (1e5 * tocha.ones(1, dtype=f16)).tolist() == [math.inf]
    assert tocha.tensor([math.nan]).to(tocha.int64).dtype is tocha.int64  # the value is platform-defined
    assert (tocha.tensor([math.inf]) - math.inf).isnan().tolist() == [True]
    assert (tocha.tensor([0.0, 1.0]) / 0).tolist()[1] == math.inf
    assert tocha.tensor([65504.0], dtype=f16).add_(65504.0).tolist() == [math.inf]
    assert tocha.tensor([3e38]).mul_(tocha.tensor([10.0])).tolist() == [math.inf]
    assert (tocha.tensor([2.0], dtype=f16) ** 100).tolist() == [math.inf]
    assert tocha.zeros(1, dtype=tocha.int32).copy_(tocha.tensor([1e30])).dtype is tocha.int32


def test_casts_and_overflow_match_pytorch_values() -> None:
    torch = pytest.importorskip("torch")
    assert tocha.tensor([1e5]).to(tocha.float16).tolist() == torch.tensor([1e5]).to(torch.float16).tolist()
    got = (tocha.ones(1, dtype=tocha.float16) + 1e5).tolist()
    assert got == (torch.ones(1, dtype=torch.float16) + 1e5).tolist()


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_inplace_fast_path_same_shape_and_scalars(dtype: Any) -> None:
    a = tocha.tensor([1.0, 2.0, 3.0]).to(dtype)
    b = tocha.tensor([0.5, 0.25, 2.0]).to(dtype)
    before = a._version
    assert a.add_(b) is a
    assert a.tolist() == [1.5, 2.25, 5.0]
    a.mul_(2).sub_(1.0).div_(2)  # (2a - 1) / 2, hand-checked
    assert a.tolist() == [1.0, 1.75, 4.5]
    assert a._version == before + 4
    assert a.dtype is dtype
    # A view written in place writes through to its base.
    base = tocha.zeros(2, 3).to(dtype)
    row = base[1]
    row.add_(tocha.ones(3).to(dtype))
    assert base.tolist() == [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]
    # Non-contiguous target and other.
    m = tocha.tensor([[1.0, 2.0], [3.0, 4.0]]).to(dtype)
    m.t().add_(m.t().clone())
    assert m.tolist() == [[2.0, 4.0], [6.0, 8.0]]


def test_inplace_slow_path_still_checks() -> None:
    a = tocha.ones(3)
    with pytest.raises(RuntimeError, match=r"output with shape \[3\] doesn't match the broadcast shape \[2, 3\]"):
        a.add_(tocha.ones(2, 3))
    i = tocha.ones(3, dtype=tocha.int64)
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        i.add_(1.5)
    assert i.add_(2).tolist() == [3, 3, 3]  # an int scalar on an int target: the checked path, same result
    a.add_(tocha.ones(1))  # broadcasting other: the checked path
    assert a.tolist() == [2.0, 2.0, 2.0]
    h = tocha.ones(2, dtype=tocha.float16)
    h.add_(tocha.ones(2))  # float32 other into a float16 target: cast, as PyTorch does
    assert h.dtype is tocha.float16
    assert h.tolist() == [2.0, 2.0]


def test_inplace_fast_path_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    a, ta = tocha.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 2.0, 3.0])
    a.add_(a).mul_(3).sub_(2.5).div_(tocha.tensor([2.0, 4.0, 8.0]))
    ta.add_(ta).mul_(3).sub_(2.5).div_(torch.tensor([2.0, 4.0, 8.0]))
    assert a.tolist() == ta.tolist()


def test_out_view_is_resized_within_its_storage() -> None:
    # Hand-checked against PyTorch: a view of the wrong size is resized in place over its storage.
    base = tocha.zeros(6)
    view = base[2:4]
    result = tocha.exp(tocha.zeros(3), out=view)
    assert result is view
    assert view.tolist() == [1.0, 1.0, 1.0]
    assert base.tolist() == [0.0, 0.0, 1.0, 1.0, 1.0, 0.0]
    assert view._base is base
    assert view.storage_offset() == 2
    column = tocha.zeros(3, 4)[:, 1]
    grid = column._base
    tocha.add(tocha.ones(2, 2), 1, out=column)
    assert column.shape == (2, 2)
    assert column.stride() == (2, 1)
    assert grid.tolist() == [[0.0, 2.0, 2.0, 2.0], [2.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
    # A right-shaped view is written in place, strides kept.
    strided = tocha.zeros(2, 4)[:, ::2]
    tocha.add(tocha.ones(2, 2), 1, out=strided)
    assert strided._base.tolist() == [[2.0, 0.0, 2.0, 0.0], [2.0, 0.0, 2.0, 0.0]]
    # A tensor owning its memory gets new memory.
    own = tocha.zeros(2)
    tocha.exp(tocha.zeros(3), out=own)
    assert own.tolist() == [1.0, 1.0, 1.0]


def test_out_view_whose_storage_is_too_small_raises() -> None:
    small = tocha.zeros(2)[:1]
    msg = r"cannot resize a view of shape \[1\] to \[3\]: its storage holds 2 elements from offset 0"
    with pytest.raises(RuntimeError, match=msg):
        tocha.exp(tocha.zeros(3), out=small)


def test_out_view_resize_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    base, tbase = tocha.zeros(6), torch.zeros(6)
    tocha.exp(tocha.zeros(3), out=base[2:4])
    with pytest.warns(UserWarning, match="was resized"):  # PyTorch deprecates resizing non-empty outputs
        torch.exp(torch.zeros(3), out=tbase[2:4])
    assert base.tolist() == tbase.tolist() == [0.0, 0.0, 1.0, 1.0, 1.0, 0.0]


@pytest.mark.parametrize("dt", ["float16", "float32", "float64"])
def test_clamp_of_large_arrays_by_number_bounds_matches_numpy(dt: str) -> None:
    # large float arrays take the filled-bound path (NumPy's maximum against a scalar is slow)
    a = np.random.default_rng(0).standard_normal(10_000).astype(dt)
    a[:4] = [np.nan, np.inf, -np.inf, -0.0]
    t = tocha.from_numpy(a)
    for low, high in ((-0.5, None), (None, 0.5), (-0.5, 0.5), (1, 0), (float("nan"), None)):
        expected = a
        if low is not None:
            expected = np.maximum(expected, np.asarray(low, dt))
        if high is not None:
            expected = np.minimum(expected, np.asarray(high, dt))
        result = t.clamp(min=low, max=high)
        assert result.dtype == t.dtype
        np.testing.assert_array_equal(result.numpy(), expected)
    assert not np.shares_memory(t.clamp(min=-1.0).numpy(), a)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_sign_of_nan_is_zero_as_pytorch(dtype: str) -> None:
    x = tocha.tensor([math.nan, -2.0, 0.0, 3.0, -math.inf]).to(getattr(tocha, dtype))
    assert tocha.sign(x).float().tolist() == [0.0, -1.0, 0.0, 1.0, -1.0]
    assert tocha.sgn(x).float().tolist() == [0.0, -1.0, 0.0, 1.0, -1.0]
    assert tocha.sign(x[0]).item() == 0.0


def test_signbit_and_mvlgamma_refuse_what_pytorch_refuses() -> None:
    with pytest.raises(NotImplementedError, match="signbit is not implemented for complex tensors"):
        tocha.signbit(tocha.ones(2, dtype=tocha.complex64))
    with pytest.raises(RuntimeError, match="The input tensor may not be a boolean tensor"):
        tocha.mvlgamma(tocha.tensor([True]), 1)
