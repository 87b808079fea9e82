"""``tocha.array_api`` against the text of the Python Array API standard (2023.12).

Signatures are checked against the standard's (positional-only and keyword-only markers included),
type promotion against its table, elementwise functions against a sample of its special cases.
Where array-api-strict is installed it serves as a second reference.
"""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

import tocha
import tocha.array_api as xp

inf, nan = math.inf, math.nan

# ---------------------------------------------------------------- signatures, from the standard's text

UNARY = [
    "abs",
    "acos",
    "acosh",
    "asin",
    "asinh",
    "atan",
    "atanh",
    "bitwise_invert",
    "ceil",
    "conj",
    "cos",
    "cosh",
    "exp",
    "expm1",
    "floor",
    "imag",
    "isfinite",
    "isinf",
    "isnan",
    "log",
    "log1p",
    "log2",
    "log10",
    "logical_not",
    "negative",
    "positive",
    "real",
    "round",
    "sign",
    "signbit",
    "sin",
    "sinh",
    "square",
    "sqrt",
    "tan",
    "tanh",
    "trunc",
]
BINARY = [
    "add",
    "atan2",
    "bitwise_and",
    "bitwise_left_shift",
    "bitwise_or",
    "bitwise_right_shift",
    "bitwise_xor",
    "copysign",
    "divide",
    "equal",
    "floor_divide",
    "greater",
    "greater_equal",
    "hypot",
    "less",
    "less_equal",
    "logaddexp",
    "logical_and",
    "logical_or",
    "logical_xor",
    "maximum",
    "minimum",
    "multiply",
    "not_equal",
    "pow",
    "remainder",
    "subtract",
]

SIGNATURES = {
    "arange": "start, /, stop=None, step=1, *, dtype=None, device=None",
    "asarray": "obj, /, *, dtype=None, device=None, copy=None",
    "empty": "shape, *, dtype=None, device=None",
    "empty_like": "x, /, *, dtype=None, device=None",
    "eye": "n_rows, n_cols=None, /, *, k=0, dtype=None, device=None",
    "from_dlpack": "x, /, *, device=None, copy=None",
    "full": "shape, fill_value, *, dtype=None, device=None",
    "full_like": "x, /, fill_value, *, dtype=None, device=None",
    "linspace": "start, stop, /, num, *, dtype=None, device=None, endpoint=True",
    "meshgrid": "*arrays, indexing='xy'",
    "ones": "shape, *, dtype=None, device=None",
    "ones_like": "x, /, *, dtype=None, device=None",
    "tril": "x, /, *, k=0",
    "triu": "x, /, *, k=0",
    "zeros": "shape, *, dtype=None, device=None",
    "zeros_like": "x, /, *, dtype=None, device=None",
    "astype": "x, dtype, /, *, copy=True, device=None",
    "can_cast": "from_, to, /",
    "finfo": "type, /",
    "iinfo": "type, /",
    "isdtype": "dtype, kind",
    "result_type": "*arrays_and_dtypes",
    "clip": "x, /, min=None, max=None",
    "take": "x, indices, /, *, axis=None",
    "matmul": "x1, x2, /",
    "matrix_transpose": "x, /",
    "tensordot": "x1, x2, /, *, axes=2",
    "vecdot": "x1, x2, /, *, axis=-1",
    "broadcast_arrays": "*arrays",
    "broadcast_to": "x, /, shape",
    "concat": "arrays, /, *, axis=0",
    "expand_dims": "x, /, *, axis=0",
    "flip": "x, /, *, axis=None",
    "moveaxis": "x, source, destination, /",
    "permute_dims": "x, /, axes",
    "repeat": "x, repeats, /, *, axis=None",
    "reshape": "x, /, shape, *, copy=None",
    "roll": "x, /, shift, *, axis=None",
    "squeeze": "x, /, axis",
    "stack": "arrays, /, *, axis=0",
    "tile": "x, repetitions, /",
    "unstack": "x, /, *, axis=0",
    "argmax": "x, /, *, axis=None, keepdims=False",
    "argmin": "x, /, *, axis=None, keepdims=False",
    "nonzero": "x, /",
    "searchsorted": "x1, x2, /, *, side='left', sorter=None",
    "where": "condition, x1, x2, /",
    "unique_all": "x, /",
    "unique_counts": "x, /",
    "unique_inverse": "x, /",
    "unique_values": "x, /",
    "argsort": "x, /, *, axis=-1, descending=False, stable=True",
    "sort": "x, /, *, axis=-1, descending=False, stable=True",
    "cumulative_sum": "x, /, *, axis=None, dtype=None, include_initial=False",
    "max": "x, /, *, axis=None, keepdims=False",
    "mean": "x, /, *, axis=None, keepdims=False",
    "min": "x, /, *, axis=None, keepdims=False",
    "prod": "x, /, *, axis=None, dtype=None, keepdims=False",
    "std": "x, /, *, axis=None, correction=0.0, keepdims=False",
    "sum": "x, /, *, axis=None, dtype=None, keepdims=False",
    "var": "x, /, *, axis=None, correction=0.0, keepdims=False",
    "all": "x, /, *, axis=None, keepdims=False",
    "any": "x, /, *, axis=None, keepdims=False",
    "__array_namespace_info__": "",
    **{name: "x, /" for name in UNARY},
    **{name: "x1, x2, /" for name in BINARY},
}
LINALG_SIGNATURES = {
    "cholesky": "x, /, *, upper=False",
    "cross": "x1, x2, /, *, axis=-1",
    "det": "x, /",
    "diagonal": "x, /, *, offset=0",
    "eigh": "x, /",
    "eigvalsh": "x, /",
    "inv": "x, /",
    "matmul": "x1, x2, /",
    "matrix_norm": "x, /, *, keepdims=False, ord='fro'",
    "matrix_power": "x, n, /",
    "matrix_rank": "x, /, *, rtol=None",
    "matrix_transpose": "x, /",
    "outer": "x1, x2, /",
    "pinv": "x, /, *, rtol=None",
    "qr": "x, /, *, mode='reduced'",
    "slogdet": "x, /",
    "solve": "x1, x2, /",
    "svd": "x, /, *, full_matrices=True",
    "svdvals": "x, /",
    "tensordot": "x1, x2, /, *, axes=2",
    "trace": "x, /, *, offset=0, dtype=None",
    "vecdot": "x1, x2, /, *, axis=-1",
    "vector_norm": "x, /, *, axis=None, keepdims=False, ord=2",
}
_N = "n=None, axis=-1, norm='backward'"
_S = "s=None, axes=None, norm='backward'"
FFT_SIGNATURES = {
    **{name: f"x, /, *, {_N}" for name in ("fft", "ifft", "rfft", "irfft", "hfft", "ihfft")},
    **{name: f"x, /, *, {_S}" for name in ("fftn", "ifftn", "rfftn", "irfftn")},
    "fftfreq": "n, /, *, d=1.0, device=None",
    "rfftfreq": "n, /, *, d=1.0, device=None",
    "fftshift": "x, /, *, axes=None",
    "ifftshift": "x, /, *, axes=None",
}


def _signature(fn):
    """The parameter list as the standard writes it: names, defaults, '/' and '*' markers, no annotations."""
    parts = []
    params = list(inspect.signature(fn).parameters.values())
    star = False
    for i, p in enumerate(params):
        if p.kind is p.VAR_POSITIONAL:
            star = True
            text = f"*{p.name}"
        else:
            if p.kind is p.KEYWORD_ONLY and not star:
                parts.append("*")
                star = True
            text = p.name if p.default is p.empty else f"{p.name}={p.default!r}"
        parts.append(text)
        last_positional = p.kind is p.POSITIONAL_ONLY and (i + 1 == len(params) or params[i + 1].kind != p.kind)
        if last_positional:
            parts.append("/")
    return ", ".join(parts)


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_signature_matches_the_standard(name):
    assert _signature(getattr(xp, name)) == SIGNATURES[name]


@pytest.mark.parametrize("name", sorted(LINALG_SIGNATURES))
def test_linalg_signature_matches_the_standard(name):
    assert _signature(getattr(xp.linalg, name)) == LINALG_SIGNATURES[name]


@pytest.mark.parametrize("name", sorted(FFT_SIGNATURES))
def test_fft_signature_matches_the_standard(name):
    assert _signature(getattr(xp.fft, name)) == FFT_SIGNATURES[name]


def test_namespace_attributes():
    assert xp.__array_api_version__ == "2023.12"
    assert tocha.ones(1).__array_namespace__() is xp
    assert tocha.ones(1).__array_namespace__(api_version="2023.12") is xp
    with pytest.raises(ValueError, match="unsupported api_version"):
        tocha.ones(1).__array_namespace__(api_version="2099.12")
    assert (xp.e, xp.pi, xp.newaxis) == (math.e, math.pi, None)
    assert math.isinf(xp.inf)
    assert xp.inf > 0
    assert math.isnan(xp.nan)
    for name in ["bool", "int8", "int16", "int32", "int64", "uint8", "float32", "float64", "complex64", "complex128"]:
        assert getattr(xp, name) is getattr(tocha, name)
    assert set(xp.missing()) >= {"uint16", "uint32", "uint64"}
    assert set(xp.__all__) >= set(SIGNATURES) - {"__array_namespace_info__"}


def test_array_object_attributes():
    x = xp.reshape(xp.arange(6.0), (2, 3))
    assert x.ndim == 2
    assert x.shape == (2, 3)
    assert x.dtype is xp.float32
    assert x.device == xp.__array_namespace_info__().default_device()
    assert x.T.shape == (3, 2)
    assert x.mT.shape == (3, 2)
    assert xp.zeros((4, 2, 3)).mT.shape == (4, 3, 2)
    assert x.to_device("cpu") is x
    with pytest.raises(ValueError, match="stream"):
        x.to_device("cpu", stream=1)
    assert math.prod(x.shape) == 6  # the standard's x.size (see README "Known deviations")
    one = xp.asarray([[2.5]])
    assert float(one) == 2.5
    assert int(one) == 2
    assert bool(one) is True
    assert complex(one) == 2.5
    assert [1, 2, 3][xp.asarray(1)] == 2  # __index__
    assert x.__dlpack_device__() == (1, 0)


def test_inspection():
    info = xp.__array_namespace_info__()
    assert info.capabilities() == {"boolean indexing": True, "data-dependent shapes": True}
    assert info.default_dtypes() == {
        "real floating": xp.float32,
        "complex floating": xp.complex64,
        "integral": xp.int64,
        "indexing": xp.int64,
    }
    assert info.devices()[0] == tocha.device("cpu")
    assert list(info.dtypes()) == [
        "bool",
        "uint8",
        "int8",
        "int16",
        "int32",
        "int64",
        "float32",
        "float64",
        "complex64",
        "complex128",
    ]
    assert list(info.dtypes(kind="real floating")) == ["float32", "float64"]
    assert list(info.dtypes(kind=("bool", "unsigned integer"))) == ["bool", "uint8"]


# ---------------------------------------------------------------- data types and promotion

SIGNED = [xp.int8, xp.int16, xp.int32, xp.int64]
FLOATS = [xp.float32, xp.float64]
COMPLEX = [xp.complex64, xp.complex128]


def _standard_promotion(a, b):
    """The standard's promotion table (the dtypes tocha has), written out from its lattice."""
    if a is b:
        return a
    ints = [xp.uint8, *SIGNED]
    if a in ints and b in ints:
        if xp.uint8 in (a, b):
            other = b if a is xp.uint8 else a
            return xp.int16 if other is xp.int8 else other
        return max(a, b, key=lambda d: d.itemsize)
    inexact = FLOATS + COMPLEX
    if a in inexact and b in inexact:
        bits = max(a.to_real().itemsize, b.to_real().itemsize)
        is_complex = a in COMPLEX or b in COMPLEX
        return {(4, False): xp.float32, (8, False): xp.float64, (4, True): xp.complex64, (8, True): xp.complex128}[
            bits, is_complex
        ]
    return None


PAIRS = [
    (a, b) for a in [xp.bool, xp.uint8, *SIGNED, *FLOATS, *COMPLEX] for b in [xp.uint8, *SIGNED, *FLOATS, *COMPLEX]
]
PAIRS = [(a, b) for a, b in PAIRS if _standard_promotion(a, b) is not None] + [(xp.bool, xp.bool)]


@pytest.mark.parametrize(("a", "b"), PAIRS, ids=str)
def test_promotion_table(a, b):
    expected = _standard_promotion(a, b) if a is not b else a
    assert xp.result_type(a, b) is expected
    assert xp.can_cast(a, expected)
    assert xp.can_cast(b, expected)
    x1, x2 = xp.ones(2, dtype=a), xp.ones(2, dtype=b)
    func = xp.logical_and if a is xp.bool else xp.add
    assert func(x1, x2).dtype is expected
    # 0-D arrays take full part in promotion (unlike PyTorch's tensors)
    assert func(x1, xp.ones((), dtype=b)).dtype is expected
    assert func(xp.ones((), dtype=a), x2).dtype is expected
    assert xp.equal(x1, x2).dtype is xp.bool
    assert xp.concat([x1, x2]).dtype is expected
    assert xp.where(xp.asarray([True, False]), x1, x2).dtype is expected


def test_zero_dim_promotion_differs_from_tocha():
    small, big = xp.ones(3, dtype=xp.int8), xp.asarray(300, dtype=xp.int64)
    assert xp.add(small, big).dtype is xp.int64
    assert xp.add(small, big).tolist() == [301] * 3
    assert tocha.add(small, big).dtype is tocha.int8  # PyTorch's rule in tocha itself
    assert xp.multiply(xp.ones(2, dtype=xp.float32), xp.asarray(2.0, dtype=xp.float64)).dtype is xp.float64


def test_python_scalars_take_the_array_dtype():
    for dtype, scalar in ((xp.int8, 3), (xp.uint8, 3), (xp.float32, 2.5), (xp.float64, 2), (xp.complex64, 1j)):
        x = xp.ones(2, dtype=dtype)
        assert xp.add(x, scalar).dtype is dtype
        assert xp.add(scalar, x).dtype is dtype
        assert (x * scalar).dtype is dtype
    assert xp.logical_and(xp.asarray([True]), True).dtype is xp.bool
    assert xp.result_type(xp.int16, 1) is xp.int16
    assert xp.result_type(xp.float32, 1.0) is xp.float32


def test_can_cast_isdtype_finfo_iinfo():
    assert xp.can_cast(xp.int8, xp.int64)
    assert not xp.can_cast(xp.int64, xp.int8)
    assert not xp.can_cast(xp.int32, xp.float64)  # across kinds: not by promotion
    assert not xp.can_cast(xp.float64, xp.complex64)
    assert xp.can_cast(xp.float32, xp.complex128)
    assert not xp.can_cast(xp.bool, xp.int8)
    assert xp.can_cast(xp.ones(1, dtype=xp.int8), xp.int16)
    assert xp.isdtype(xp.int8, "signed integer")
    assert not xp.isdtype(xp.uint8, "signed integer")
    assert xp.isdtype(xp.uint8, "unsigned integer")
    assert xp.isdtype(xp.bool, "bool")
    assert xp.isdtype(xp.complex64, "numeric")
    assert not xp.isdtype(xp.bool, "numeric")
    assert xp.isdtype(xp.float64, ("integral", xp.float64))
    with pytest.raises(ValueError, match="unknown kind"):
        xp.isdtype(xp.int8, "integer")
    fi = xp.finfo(xp.float32)
    assert (fi.bits, fi.eps, fi.dtype) == (32, float(np.finfo(np.float32).eps), xp.float32)
    assert fi.smallest_normal == float(np.finfo(np.float32).smallest_normal)
    assert fi.min == -fi.max
    assert isinstance(fi.eps, float)
    assert isinstance(fi.max, float)
    assert xp.finfo(xp.complex128).dtype is xp.float64
    assert xp.finfo(xp.ones(1, dtype=xp.float64)).bits == 64
    ii = xp.iinfo(xp.uint8)
    assert (ii.bits, ii.min, ii.max, ii.dtype) == (8, 0, 255, xp.uint8)
    assert isinstance(ii.max, int)
    with pytest.raises(TypeError):
        xp.iinfo(xp.float32)


def test_astype():
    x = xp.asarray([1.7, -1.7, 0.0])
    assert xp.astype(x, xp.int32).tolist() == [1, -1, 0]
    assert xp.astype(x, xp.bool).tolist() == [True, True, False]
    same = xp.astype(x, xp.float32)
    assert same is not x
    assert same._data is not x._data
    assert xp.astype(x, xp.float32, copy=False) is x
    assert xp.astype(x, xp.complex64).dtype is xp.complex64


# ---------------------------------------------------------------- creation


def test_creation():
    assert xp.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert xp.arange(5).dtype is xp.int64
    assert xp.arange(2, 5).tolist() == [2, 3, 4]
    assert xp.arange(0, 1, 0.25).dtype is xp.float32
    assert xp.arange(5, 0, -2).tolist() == [5, 3, 1]
    assert xp.arange(0).shape == (0,)
    assert xp.linspace(0, 1, 5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert xp.linspace(0, 1, 4, endpoint=False).tolist() == [0.0, 0.25, 0.5, 0.75]
    assert xp.linspace(0, 1, 0).shape == (0,)
    assert xp.linspace(0, 1j, 3).dtype is xp.complex64
    assert xp.linspace(0, 2 + 2j, 3).tolist() == [0j, 1 + 1j, 2 + 2j]
    assert xp.linspace(2, 3, 1, endpoint=False).tolist() == [2.0]
    assert xp.full(3, True).dtype is xp.bool
    assert xp.full((2,), 3).dtype is xp.int64
    assert xp.full((1,), 1.5).dtype is xp.float32
    assert xp.full((1,), 1j).dtype is xp.complex64
    assert xp.full_like(xp.ones(2, dtype=xp.int8), 5).dtype is xp.int8
    assert xp.zeros(()).shape == ()
    assert xp.ones((2, 0)).shape == (2, 0)
    assert xp.eye(3, k=-1).tolist() == np.eye(3, k=-1).tolist()
    assert xp.eye(2, 4, k=2, dtype=xp.int32).tolist() == np.eye(2, 4, k=2).tolist()
    assert xp.eye(2, 3, k=5).tolist() == [[0.0] * 3] * 2
    assert xp.tril(xp.ones((3, 3)), k=-1).tolist() == np.tril(np.ones((3, 3)), k=-1).tolist()
    assert xp.triu(xp.ones((2, 3)), k=1).tolist() == np.triu(np.ones((2, 3)), k=1).tolist()
    assert xp.empty_like(xp.ones((2, 3), dtype=xp.int16)).dtype is xp.int16
    assert xp.zeros_like(xp.ones(2), dtype=xp.int8).dtype is xp.int8


def test_meshgrid():
    a, b, c = xp.arange(2), xp.arange(3), xp.arange(4)
    for indexing in ("xy", "ij"):
        ours = xp.meshgrid(a, b, c, indexing=indexing)
        theirs = np.meshgrid(np.arange(2), np.arange(3), np.arange(4), indexing=indexing)
        assert isinstance(ours, list)
        assert [o.tolist() for o in ours] == [t.tolist() for t in theirs]
    assert xp.meshgrid(a)[0].tolist() == [0, 1]
    with pytest.raises(ValueError, match="indexing"):
        xp.meshgrid(a, indexing="yx")


def test_asarray_copy_semantics():
    x = xp.ones(3)
    assert xp.asarray(x) is x or xp.asarray(x)._data is x._data
    copied = xp.asarray(x, copy=True)
    copied[0] = 5
    assert x[0].item() == 1
    assert xp.asarray(x, copy=False)._data is x._data
    with pytest.raises(ValueError, match="copy=False"):
        xp.asarray(x, dtype=xp.float64, copy=False)
    with pytest.raises(ValueError, match="copy=False"):
        xp.asarray([1, 2], copy=False)
    a = np.arange(3.0)
    shared = xp.asarray(a, copy=False)
    a[0] = 9
    assert shared[0].item() == 9
    assert xp.asarray(a, copy=True)._data is not a
    assert xp.asarray(1.5).dtype is xp.float32
    assert xp.asarray(True).dtype is xp.bool
    assert xp.asarray([1, 2]).dtype is xp.int64
    assert xp.asarray([1j]).dtype is xp.complex64
    assert xp.asarray([[1, 2], [3, 4]], dtype=xp.int8).shape == (2, 2)
    with pytest.raises(OverflowError):
        xp.asarray([2**64])


def test_asarray_from_dlpack_objects():
    torch = pytest.importorskip("torch")
    theirs = torch.arange(3.0)
    ours = xp.asarray(theirs)
    theirs[0] = 4
    assert ours[0].item() == 4
    copied = xp.asarray(theirs, copy=True)
    theirs[1] = 8
    assert copied[1].item() == 1


# ---------------------------------------------------------------- elementwise: special cases from the standard


def _f(*values):
    return xp.asarray(list(values), dtype=xp.float64)


def _same(result, expected):
    """Values equal, NaN matching NaN and the sign of zero compared."""
    got = np.asarray(result.tolist(), dtype=np.float64)
    want = np.asarray(expected, dtype=np.float64)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got[got == 0]), np.signbit(want[want == 0]))


def test_sqrt_special_cases():
    # NaN -> NaN; < 0 -> NaN; +0 -> +0; -0 -> -0; +inf -> +inf
    _same(xp.sqrt(_f(nan, -1.0, 0.0, -0.0, inf)), [nan, nan, 0.0, -0.0, inf])


def test_log_special_cases():
    # NaN -> NaN; < 0 -> NaN; ±0 -> -inf; 1 -> +0; +inf -> +inf
    _same(xp.log(_f(nan, -1.0, 0.0, -0.0, 1.0, inf)), [nan, nan, -inf, -inf, 0.0, inf])
    _same(xp.log1p(_f(-1.0, -2.0, -0.0)), [-inf, nan, -0.0])
    _same(xp.log2(_f(1.0, 0.0)), [0.0, -inf])


def test_pow_special_cases():
    x1 = _f(nan, 1.0, 2.0, 0.5, 2.0, 0.5, inf, inf, -inf, -inf, 0.0, 0.0, -0.0, -0.0, -0.0, -1.0)
    x2 = _f(0.0, nan, inf, inf, -inf, -inf, 1.0, -1.0, 3.0, 2.0, 1.0, -1.0, 3.0, -3.0, -2.0, 0.5)
    expected = [1.0, 1.0, inf, 0.0, 0.0, inf, inf, 0.0, -inf, inf, 0.0, inf, -0.0, -inf, inf, nan]
    _same(xp.pow(x1, x2), expected)
    _same(xp.pow(_f(nan), _f(1.0)), [nan])


def test_floor_divide_special_cases():
    x1 = _f(nan, 1.0, inf, 0.0, -0.0, inf, inf, -inf, 1.0, -1.0, 1.0, 7.0, -7.0)
    x2 = _f(1.0, nan, inf, 0.0, 0.0, 2.0, -2.0, 2.0, -inf, inf, inf, 2.0, 2.0)
    expected = [nan, nan, nan, nan, nan, inf, -inf, -inf, -0.0, -0.0, 0.0, 3.0, -4.0]
    _same(xp.floor_divide(x1, x2), expected)
    assert xp.floor_divide(xp.asarray([7, -7]), xp.asarray([2, 2])).tolist() == [3, -4]


def test_remainder_special_cases():
    x1 = _f(nan, 1.0, inf, -inf, 0.0, -0.0, 0.0, 5.0, 5.0, -5.0, -5.0, 7.0, -7.0)
    x2 = _f(1.0, nan, 2.0, 2.0, 3.0, 3.0, -3.0, inf, -inf, inf, -inf, -2.0, 2.0)
    expected = [nan, nan, nan, nan, 0.0, 0.0, -0.0, 5.0, -inf, inf, -5.0, -1.0, 1.0]
    _same(xp.remainder(x1, x2), expected)
    assert xp.remainder(xp.asarray([7, -7]), xp.asarray([-2, 2])).tolist() == [-1, 1]


def test_other_elementwise_semantics():
    _same(xp.round(_f(0.5, 1.5, 2.5, -0.5, -2.5)), [0.0, 2.0, 2.0, -0.0, -2.0])
    _same(xp.sign(_f(-3.0, 0.0, 2.0, nan)), [-1.0, 0.0, 1.0, nan])
    assert xp.sign(xp.asarray([3 + 4j])).tolist() == [pytest.approx(0.6 + 0.8j)]
    _same(xp.copysign(_f(1.0, 2.0, -3.0), _f(-0.0, 1.0, 0.0)), [-1.0, 2.0, 3.0])
    assert xp.signbit(_f(-0.0, 0.0, -1.0, inf)).tolist() == [True, False, True, False]
    for fn in (xp.ceil, xp.floor, xp.trunc, xp.round):
        ints = xp.asarray([1, -2], dtype=xp.int16)
        assert fn(ints).dtype is xp.int16
        assert fn(ints).tolist() == [1, -2]
    _same(xp.maximum(_f(nan, 1.0), _f(1.0, nan)), [nan, nan])
    assert xp.divide(xp.asarray([1]), xp.asarray([2])).dtype is xp.float32
    assert xp.bitwise_invert(xp.asarray([True])).tolist() == [False]
    assert xp.bitwise_left_shift(xp.asarray([1], dtype=xp.int8), xp.asarray([3], dtype=xp.int8)).tolist() == [8]
    assert xp.conj(xp.asarray([1 + 2j])).tolist() == [1 - 2j]
    assert xp.real(xp.asarray([1 + 2j])).dtype is xp.float32
    assert xp.clip(xp.asarray([1, 5, 9], dtype=xp.int8), 2, 6).dtype is xp.int8
    assert xp.clip(xp.asarray([1.0, 5.0]), max=xp.asarray(2.0)).tolist() == [1.0, 2.0]
    assert xp.clip(xp.asarray([1.0, 5.0])).tolist() == [1.0, 5.0]
    assert xp.logaddexp(_f(0.0), _f(0.0)).item() == pytest.approx(math.log(2))
    assert xp.hypot(_f(3.0), _f(4.0)).item() == 5.0
    with pytest.raises(TypeError):
        xp.add(1, 2)


@pytest.mark.parametrize("name", UNARY)
def test_unary_functions_broadcast_shapes_and_empty(name):
    fn = getattr(xp, name)
    if name in ("bitwise_invert", "logical_not"):
        x = xp.asarray([[True, False]])
    elif name in ("conj", "imag", "real"):
        x = xp.asarray([[1 + 1j, 0.5j]])
    else:
        x = xp.asarray([[0.5, 0.25]])
    assert fn(x).shape == (1, 2)
    assert fn(x[:, :0]).shape == (1, 0)
    assert fn(x[0, 0]).shape == ()


# ---------------------------------------------------------------- reductions and statistics


def test_reductions():
    x = xp.reshape(xp.arange(24.0), (2, 3, 4))
    a = np.arange(24.0).reshape(2, 3, 4)
    for ours, theirs in ((xp.sum, np.sum), (xp.prod, np.prod), (xp.max, np.max), (xp.min, np.min), (xp.mean, np.mean)):
        for axis in (None, 0, -1, (0, 2), (), (0, 1, 2)):
            for keepdims in (False, True):
                np.testing.assert_allclose(
                    np.asarray(ours(x, axis=axis, keepdims=keepdims).tolist()),
                    theirs(a, axis=axis, keepdims=keepdims),
                    rtol=1e-6,
                )
    np.testing.assert_allclose(xp.std(x, axis=(0, 1), correction=1).tolist(), a.std(axis=(0, 1), ddof=1), rtol=1e-6)
    np.testing.assert_allclose(xp.var(x, keepdims=True).tolist(), a.var(keepdims=True), rtol=1e-6)
    assert xp.all(xp.ones((2, 3)), axis=(0, 1)).item() is True
    assert xp.any(xp.zeros((2, 3)), axis=1, keepdims=True).shape == (2, 1)
    assert xp.all(xp.asarray([], dtype=xp.bool)).item() is True
    assert xp.sum(xp.asarray([], dtype=xp.float32)).item() == 0.0


def test_sum_and_prod_dtypes():
    assert xp.sum(xp.ones(2, dtype=xp.int8)).dtype is xp.int64
    assert xp.sum(xp.ones(2, dtype=xp.bool)).dtype is xp.int64
    assert xp.sum(xp.ones(2, dtype=xp.float32)).dtype is xp.float32
    assert xp.sum(xp.ones(2, dtype=xp.int8), dtype=xp.int16).dtype is xp.int16
    assert xp.prod(xp.ones(2, dtype=xp.int32)).dtype is xp.int64
    assert xp.prod(xp.ones(2, dtype=xp.complex64)).dtype is xp.complex64


def test_cumulative_sum():
    assert xp.cumulative_sum(xp.asarray([1, 2, 3])).tolist() == [1, 3, 6]
    assert xp.cumulative_sum(xp.asarray([1, 2, 3]), include_initial=True).tolist() == [0, 1, 3, 6]
    m = xp.asarray([[1, 2], [3, 4]], dtype=xp.int8)
    assert xp.cumulative_sum(m, axis=0, include_initial=True).tolist() == [[0, 0], [1, 2], [4, 6]]
    assert xp.cumulative_sum(m, axis=1).dtype is xp.int64
    assert xp.cumulative_sum(m, axis=1, dtype=xp.int8).dtype is xp.int8
    with pytest.raises(ValueError, match="axis is required"):
        xp.cumulative_sum(m)


def test_argmax_argmin():
    x = xp.asarray([[1, 5, 5], [7, 2, 7]])
    assert xp.argmax(x).item() == 3
    assert xp.argmax(x, axis=1).tolist() == [1, 0]
    assert xp.argmin(x, axis=0, keepdims=True).shape == (1, 3)
    assert xp.argmax(x, keepdims=True).shape == (1, 1)


# ---------------------------------------------------------------- manipulation


def test_manipulation():
    x = xp.reshape(xp.arange(6), (2, 3))
    assert xp.concat([x, x], axis=None).shape == (12,)
    assert xp.concat((x, x), axis=1).shape == (2, 6)
    assert xp.expand_dims(x, axis=2).shape == (2, 3, 1)
    assert xp.expand_dims(x, axis=-3).shape == (1, 2, 3)
    with pytest.raises(IndexError):
        xp.expand_dims(x, axis=3)
    assert xp.flip(x).tolist() == [[5, 4, 3], [2, 1, 0]]
    assert xp.flip(x, axis=(1,)).tolist() == [[2, 1, 0], [5, 4, 3]]
    assert xp.moveaxis(xp.zeros((2, 3, 4)), (0, 1), (2, 0)).shape == (3, 4, 2)
    assert xp.permute_dims(x, (1, 0)).tolist() == [[0, 3], [1, 4], [2, 5]]
    assert xp.repeat(x, 2).tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert xp.repeat(x, xp.asarray([1, 2]), axis=0).shape == (3, 3)
    assert xp.reshape(x, (3, 2), copy=False)._data.base is not None
    with pytest.raises(ValueError, match="copy=False"):
        xp.reshape(x.mT, (6,), copy=False)
    copied = xp.reshape(x, (6,), copy=True)
    copied[0] = 9
    assert x[0, 0].item() == 0
    assert xp.roll(x, 1).tolist() == [[5, 0, 1], [2, 3, 4]]
    assert xp.roll(x, (1, 1), axis=(0, 1)).tolist() == np.roll(np.arange(6).reshape(2, 3), (1, 1), (0, 1)).tolist()
    assert xp.squeeze(xp.zeros((1, 2, 1)), axis=0).shape == (2, 1)
    with pytest.raises(ValueError, match="not 1"):
        xp.squeeze(xp.zeros((1, 2)), axis=1)
    assert xp.stack([x, x], axis=-1).shape == (2, 3, 2)
    assert xp.tile(x, (2, 1)).shape == (4, 3)
    assert xp.tile(xp.arange(2), (2, 2)).tolist() == [[0, 1, 0, 1], [0, 1, 0, 1]]
    parts = xp.unstack(x, axis=1)
    assert isinstance(parts, tuple)
    assert [p.tolist() for p in parts] == [[0, 3], [1, 4], [2, 5]]
    b = xp.broadcast_arrays(xp.ones((2, 1)), xp.ones(3), xp.ones(()))
    assert isinstance(b, list)
    assert [t.shape for t in b] == [(2, 3)] * 3
    assert xp.broadcast_to(xp.asarray([1, 2]), (3, 2)).shape == (3, 2)


def test_take_nonzero_where_searchsorted():
    x = xp.asarray([[1, 2], [3, 4]])
    assert xp.take(x, xp.asarray([1, 0, 1]), axis=0).tolist() == [[3, 4], [1, 2], [3, 4]]
    assert xp.take(xp.asarray([5, 6, 7]), xp.asarray([2])).tolist() == [7]
    with pytest.raises(ValueError, match="axis is required"):
        xp.take(x, xp.asarray([0]))
    rows, cols = xp.nonzero(xp.asarray([[0, 1], [2, 0]]))
    assert rows.tolist() == [0, 1]
    assert cols.tolist() == [1, 0]
    with pytest.raises(ValueError, match="0-D"):
        xp.nonzero(xp.asarray(1))
    assert xp.where(xp.asarray([True, False]), xp.asarray(1.0), xp.asarray([2.0, 3.0])).tolist() == [1.0, 3.0]
    s = xp.asarray([1.0, 2.0, 2.0, 3.0])
    assert xp.searchsorted(s, xp.asarray([2.0, 2.5])).tolist() == [1, 3]
    assert xp.searchsorted(s, xp.asarray([2.0]), side="right").tolist() == [3]
    unsorted = xp.asarray([3.0, 1.0, 2.0])
    assert xp.searchsorted(unsorted, xp.asarray([2.5]), sorter=xp.argsort(unsorted)).tolist() == [2]


def test_sets():
    x = xp.asarray([[3.0, 1.0], [3.0, nan]])
    values, indices, inverse, counts = xp.unique_all(x)
    assert values.tolist()[:2] == [1.0, 3.0]
    assert math.isnan(values.tolist()[2])
    assert indices.tolist() == [1, 0, 3]
    assert inverse.shape == x.shape
    assert inverse.tolist() == [[1, 0], [1, 2]]
    assert counts.tolist() == [1, 2, 1]
    nans = xp.unique_values(xp.asarray([nan, nan]))
    assert nans.shape == (2,)  # each NaN is distinct
    assert xp.unique_counts(xp.asarray([2, 2, 1])).counts.tolist() == [1, 2]
    assert xp.unique_inverse(xp.asarray([[2, 1], [2, 2]])).inverse_indices.shape == (2, 2)
    assert xp.unique_values(xp.asarray([-0.0, 0.0])).shape == (1,)
    empty = xp.unique_all(xp.asarray([], dtype=xp.int64))
    assert [t.shape for t in empty] == [(0,)] * 4


def test_sorting():
    x = xp.asarray([3, 1, 2, 1])
    assert xp.sort(x).tolist() == [1, 1, 2, 3]
    assert xp.sort(x, descending=True).tolist() == [3, 2, 1, 1]
    assert xp.argsort(x).tolist() == [1, 3, 2, 0]
    assert xp.argsort(x, descending=True).tolist() == [0, 2, 1, 3]  # stable: equal values keep their order
    m = xp.asarray([[3, 1], [0, 2]])
    assert xp.sort(m, axis=0).tolist() == [[0, 1], [3, 2]]
    _same(xp.sort(_f(nan, 1.0, -inf)), [-inf, 1.0, nan])


# ---------------------------------------------------------------- linear algebra


def test_main_linear_algebra():
    a = xp.reshape(xp.arange(6.0), (2, 3))
    assert xp.matmul(a, xp.ones(3)).tolist() == [3.0, 12.0]
    assert xp.matrix_transpose(a).shape == (3, 2)
    with pytest.raises(ValueError):
        xp.matrix_transpose(xp.ones(3))
    assert (
        xp.tensordot(a, a, axes=([1], [1])).tolist()
        == (np.arange(6.0).reshape(2, 3) @ np.arange(6.0).reshape(2, 3).T).tolist()
    )
    assert xp.vecdot(xp.asarray([1j, 2.0]), xp.asarray([1j, 1.0])).item() == 3.0
    assert xp.vecdot(a, a, axis=0).tolist() == [9.0, 17.0, 29.0]
    with pytest.raises(ValueError, match="axis"):
        xp.vecdot(xp.ones(2), xp.ones(3))


def test_linalg_extension_local_functions():
    la = xp.linalg
    m = xp.asarray([[1.0, 2.0], [3.0, 4.0]])
    assert la.trace(m).item() == 5.0
    assert la.trace(xp.asarray([[1, 2], [3, 4]], dtype=xp.int8)).dtype is xp.int64
    assert la.diagonal(m, offset=1).tolist() == [2.0]
    assert la.outer(xp.asarray([1, 2]), xp.asarray([3])).tolist() == [[3], [6]]
    assert la.cross(xp.asarray([[1, 0, 0]]), xp.asarray([0, 1, 0])).tolist() == [[0, 0, 1]]
    assert la.matrix_power(m, 0).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert la.matrix_power(m, 3).tolist() == (np.linalg.matrix_power(np.array([[1.0, 2.0], [3.0, 4.0]]), 3)).tolist()
    v = xp.asarray([[3.0, -4.0], [0.0, 1.0]])
    nv = np.array([[3.0, -4.0], [0.0, 1.0]])
    for ord in (2, 1, inf, -inf, 0, 3):
        np.testing.assert_allclose(
            la.vector_norm(v, axis=1, ord=ord).tolist(), np.linalg.norm(nv, axis=1, ord=ord), rtol=1e-6
        )
    np.testing.assert_allclose(la.vector_norm(v).item(), np.linalg.norm(nv.ravel()), rtol=1e-6)
    assert la.vector_norm(v, axis=(0, 1), keepdims=True).shape == (1, 1)
    for ord in ("fro", 1, -1, inf, -inf):
        np.testing.assert_allclose(la.matrix_norm(v, ord=ord).item(), np.linalg.norm(nv, ord=ord), rtol=1e-6)
    assert la.matrix_norm(v, keepdims=True).shape == (1, 1)
    assert la.matmul is xp.matmul
    assert la.vecdot is xp.vecdot


def test_linalg_extension_delegated_functions():
    la = xp.linalg
    missing = set(la.missing())
    spd = xp.asarray([[4.0, 1.0], [1.0, 3.0]], dtype=xp.float64)
    n = np.array([[4.0, 1.0], [1.0, 3.0]])
    checks = {
        "cholesky": lambda: np.testing.assert_allclose(la.cholesky(spd).tolist(), np.linalg.cholesky(n)),
        "det": lambda: np.testing.assert_allclose(la.det(spd).item(), np.linalg.det(n)),
        "inv": lambda: np.testing.assert_allclose(la.inv(spd).tolist(), np.linalg.inv(n)),
        "solve": lambda: np.testing.assert_allclose(
            la.solve(spd, xp.asarray([1.0, 2.0], dtype=xp.float64)).tolist(), np.linalg.solve(n, [1.0, 2.0])
        ),
        "eigvalsh": lambda: np.testing.assert_allclose(la.eigvalsh(spd).tolist(), np.linalg.eigvalsh(n)),
        "svdvals": lambda: np.testing.assert_allclose(la.svdvals(spd).tolist(), np.linalg.svd(n)[1]),
        "slogdet": lambda: np.testing.assert_allclose(la.slogdet(spd).logabsdet.item(), np.linalg.slogdet(n)[1]),
        "matrix_rank": lambda: np.testing.assert_equal(la.matrix_rank(spd).item(), 2),
        "pinv": lambda: np.testing.assert_allclose(la.pinv(spd).tolist(), np.linalg.pinv(n)),
        "qr": lambda: np.testing.assert_allclose(xp.matmul(*la.qr(spd)).tolist(), n),
        "svd": lambda: np.testing.assert_allclose(la.svd(spd).S.tolist(), np.linalg.svd(n)[1]),
        "eigh": lambda: np.testing.assert_allclose(la.eigh(spd).eigenvalues.tolist(), np.linalg.eigvalsh(n)),
    }
    for name, check in checks.items():
        if name in missing:
            with pytest.raises(NotImplementedError, match=f"tocha.linalg.{name}"):
                check()
        else:
            check()


def test_fft_extension():
    x = xp.asarray([1.0, 2.0, 0.0, -1.0], dtype=xp.complex128)
    np.testing.assert_allclose(xp.fft.fft(x).tolist(), np.fft.fft([1.0, 2.0, 0.0, -1.0]))
    np.testing.assert_allclose(xp.fft.ifft(x, norm="ortho").tolist(), np.fft.ifft([1, 2, 0, -1], norm="ortho"))
    m = xp.reshape(xp.arange(6.0, dtype=xp.float64), (2, 3))
    nm = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(xp.fft.rfftn(m).tolist(), np.fft.rfftn(nm))
    np.testing.assert_allclose(xp.fft.fftn(m, axes=(0,)).tolist(), np.fft.fftn(nm, axes=(0,)))
    np.testing.assert_allclose(xp.fft.irfft(xp.fft.rfft(m, axis=0), n=2, axis=0).tolist(), nm, atol=1e-12)
    np.testing.assert_allclose(xp.fft.fftfreq(5, d=0.5).tolist(), np.fft.fftfreq(5, d=0.5), rtol=1e-6)
    assert xp.fft.rfftfreq(4).dtype is xp.float32
    assert xp.fft.fftshift(m, axes=1).tolist() == np.fft.fftshift(nm, axes=1).tolist()
    assert xp.fft.ifftshift(m).tolist() == np.fft.ifftshift(nm).tolist()


# ---------------------------------------------------------------- array-api-strict as a second reference


def test_against_array_api_strict():
    strict = pytest.importorskip("array_api_strict")
    data = [[1.5, -2.0, 0.0], [3.0, 0.25, -0.0]]
    ours, theirs = xp.asarray(data, dtype=xp.float64), strict.asarray(data, dtype=strict.float64)
    for name in ("abs", "exp", "floor", "sign", "sqrt", "square", "trunc", "expm1", "isfinite"):
        with np.errstate(all="ignore"):
            expected = np.asarray(getattr(strict, name)(theirs))
        np.testing.assert_allclose(getattr(xp, name)(ours).tolist(), expected)
    for name in ("sum", "prod", "max", "min", "mean"):
        for axis in (None, 1, (0, 1)):
            np.testing.assert_allclose(
                getattr(xp, name)(ours, axis=axis, keepdims=True).tolist(),
                np.asarray(getattr(strict, name)(theirs, axis=axis, keepdims=True)),
            )
    for name in ("unique_values", "sort", "argsort", "cumulative_sum"):
        kwargs = {"axis": 1} if name == "cumulative_sum" else {}
        assert (
            getattr(xp, name)(ours, **kwargs).tolist() == np.asarray(getattr(strict, name)(theirs, **kwargs)).tolist()
        )
    # signatures agree with array-api-strict's where the 2023.12 standard is unchanged since
    for name in ("asarray", "linspace", "eye", "sum", "std", "take", "reshape", "searchsorted", "clip", "unstack"):
        assert _signature(getattr(xp, name)) == _signature(getattr(strict, name)).replace("<Undef.UNDEF: 0>", "None")
    # promotion table of the shared dtypes
    names = ["bool", "int8", "int16", "int32", "int64", "uint8", "float32", "float64", "complex64", "complex128"]
    for a in names:
        for b in names:
            try:
                expected = strict.result_type(getattr(strict, a), getattr(strict, b))
            except TypeError:
                continue
            assert xp.result_type(getattr(xp, a), getattr(xp, b)).name == str(expected).split(".")[-1], (a, b)
            assert xp.can_cast(getattr(xp, a), getattr(xp, b)) == strict.can_cast(
                getattr(strict, a), getattr(strict, b)
            )
