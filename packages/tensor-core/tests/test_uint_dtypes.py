"""uint16, uint32 and uint64: PyTorch 2.x's limited-support unsigned dtypes (NOTE [ Limited unsigned dtypes ]).

NumPy checks run everywhere; the tests needing PyTorch (exact messages, result dtypes, reprs) import it lazily.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import tocha
from tocha.testing import make_tensor

WIDE = (tocha.uint16, tocha.uint32, tocha.uint64)
WIDE_IDS = [d.name for d in WIDE]
TYPE_NAMES = {"uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64"}


def _extremes(d: tocha.dtype) -> np.ndarray:
    """A 4x5 array of ``d`` holding 0, the maximum, values around half the range and random ones."""
    info = np.iinfo(d.numpy_dtype)
    rng = np.random.default_rng(d.itemsize)
    a = rng.integers(0, int(info.max), size=(4, 5), dtype=d.numpy_dtype, endpoint=True)
    a[0, :4] = [0, info.max, info.max - 1, info.max // 2 + 1]
    return a


def _others(d: tocha.dtype) -> np.ndarray:
    info = np.iinfo(d.numpy_dtype)
    rng = np.random.default_rng(d.itemsize + 1)
    b = rng.integers(1, int(info.max), size=(4, 5), dtype=d.numpy_dtype, endpoint=True)
    b[0, :2] = [1, info.max]
    return b


def _same(actual: tocha.Tensor, expected: np.ndarray, d: object = None) -> None:
    got = actual.numpy()
    assert got.dtype == (np.asarray(expected).dtype if d is None else d)
    assert got.shape == np.shape(expected)
    assert got.tolist() == np.asarray(expected).tolist()  # Python ints: exact beyond 2**53


# ------------------------------------------------------------------ dtype objects


@pytest.mark.parametrize("d", WIDE, ids=WIDE_IDS)
def test_dtype_attributes(d: tocha.dtype) -> None:
    bits = 8 * d.itemsize
    assert repr(d) == f"tocha.{d.name}"
    assert str(d) == f"tocha.{d.name}"
    assert getattr(tocha, d.name) is d
    assert d.numpy_dtype == np.dtype(d.name)
    assert d.itemsize == {"uint16": 2, "uint32": 4, "uint64": 8}[d.name]
    assert not d.is_signed
    assert not d.is_floating_point
    assert not d.is_complex
    assert d.to_real() is d
    assert pickle.loads(pickle.dumps(d)) is d
    info = tocha.iinfo(d)
    assert (info.bits, info.min, info.max, info.dtype) == (bits, 0, 2**bits - 1, d.name)
    t = tocha.zeros(2, dtype=d)
    assert t.type() == f"tocha.{TYPE_NAMES[d.name]}Tensor"
    assert not t.is_signed()
    assert not tocha.is_signed(t)
    assert t.element_size() == d.itemsize


def test_iinfo_repr() -> None:
    assert repr(tocha.iinfo(tocha.uint16)) == "iinfo(min=0, max=65535, dtype=uint16)"
    assert repr(tocha.iinfo(tocha.uint64)) == "iinfo(min=0, max=1.84467e+19, dtype=uint64)"


def test_iinfo_against_torch() -> None:
    torch = pytest.importorskip("torch")
    for d in WIDE:
        ours, theirs = tocha.iinfo(d), torch.iinfo(getattr(torch, d.name))
        assert (ours.bits, ours.min, ours.max, repr(ours)) == (theirs.bits, theirs.min, theirs.max, repr(theirs))
        assert tocha.zeros(1, dtype=d).type() == torch.zeros(1, dtype=getattr(torch, d.name)).type().replace(
            "torch.", "tocha."
        )


# ------------------------------------------------------------------ promotion


@pytest.mark.parametrize("d", WIDE, ids=WIDE_IDS)
def test_promote_types(d: tocha.dtype) -> None:
    assert tocha.promote_types(d, d) is d
    for f in (tocha.float16, tocha.bfloat16, tocha.float32, tocha.float64):
        assert tocha.promote_types(d, f) is f
        assert tocha.promote_types(f, d) is f
    for other in (tocha.bool, tocha.uint8, tocha.int8, tocha.int64, tocha.complex64, tocha.complex128, *WIDE):
        if other is d:
            continue
        for pair, names in (((d, other), (d, other)), ((other, d), (other, d))):
            with pytest.raises(RuntimeError) as info:
                tocha.promote_types(*pair)
            first, second = (tocha._ops._common.type_name(x) for x in names)
            assert str(info.value) == (
                "Promotion for uint16, uint32, uint64 types is not supported, attempted to promote "
                f"{first} and {second}"
            )


def test_promote_types_against_torch() -> None:
    torch = pytest.importorskip("torch")
    names = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64"]
    names += ["complex64", "uint16", "uint32", "uint64"]
    for a in names:
        for b in names:
            try:
                expected = torch.promote_types(getattr(torch, a), getattr(torch, b))
            except RuntimeError as error:
                with pytest.raises(RuntimeError, match="^" + str(error) + "$"):
                    tocha.promote_types(getattr(tocha, a), getattr(tocha, b))
            else:
                assert tocha.promote_types(getattr(tocha, a), getattr(tocha, b)).name == str(expected)[6:]


@pytest.mark.parametrize("d", WIDE, ids=WIDE_IDS)
def test_binary_promotion(d: tocha.dtype) -> None:
    u = tocha.tensor([1, 2, 3], dtype=d)
    message = f"attempted to promote {TYPE_NAMES[d.name]} and Long"
    for op in (lambda: u + tocha.tensor([1, 2, 3]), lambda: u * tocha.tensor([1, 2, 3]), lambda: u == tocha.arange(3)):
        with pytest.raises(RuntimeError, match=message):
            op()
    with pytest.raises(RuntimeError, match=f"attempted to promote {TYPE_NAMES[d.name]} and Bool"):
        u * tocha.tensor([True, False, True])
    with pytest.raises(RuntimeError, match=f"attempted to promote Bool and {TYPE_NAMES[d.name]}"):
        tocha.tensor([True, False, True]) * tocha.tensor(3, dtype=d)  # a bool tensor promotes with a 0-dim one
    with pytest.raises(RuntimeError, match=message):  # two zero-dim tensors promote too
        tocha.tensor(3, dtype=d) * tocha.tensor(2)
    with pytest.raises(RuntimeError, match=message):
        tocha.cat([u, tocha.arange(2)])
    with pytest.raises(RuntimeError, match=message):
        tocha.where(u > 1, u, tocha.zeros(3, dtype=tocha.int64))
    # A zero-dim tensor of the same category defers to a dimensioned one, and the other way round.
    assert (u * tocha.tensor(2)).dtype is d
    assert (tocha.tensor(2, dtype=d) * tocha.arange(3)).dtype is tocha.int64
    assert (u * tocha.tensor(2.0)).dtype is tocha.float32
    assert (tocha.tensor([1.5]) * tocha.tensor(3, dtype=d)).dtype is tocha.float32
    assert (u * tocha.tensor([1.0, 2.0, 3.0], dtype=tocha.float16)).dtype is tocha.float16
    assert (tocha.tensor([1.0, 2.0, 3.0], dtype=tocha.float64) + u).tolist() == [2.0, 4.0, 6.0]
    with pytest.raises(RuntimeError, match=f"attempted to promote {TYPE_NAMES[d.name]} and ComplexFloat"):
        u * tocha.ones(3, dtype=tocha.complex64)
    # Python scalars: ints and bools keep the dtype, floats give the default float.
    assert (u * 2).dtype is d
    assert (2 * u).dtype is d
    assert (u * True).dtype is d
    assert (u * 2.5).dtype is tocha.float32
    assert (u / 2).dtype is tocha.float32
    assert tocha.result_type(u, 2) is d
    assert tocha.result_type(u, 2.0) is tocha.float32


def test_scalar_operands_wrap() -> None:
    u = tocha.tensor([1, 2, 3], dtype=tocha.uint32)
    _same(u * -1, np.array([2**32 - 1, 2**32 - 2, 2**32 - 3], np.uint32))
    _same(u * 2**32, np.zeros(3, np.uint32))
    _same(u + (-1), np.array([0, 1, 2], np.uint32))
    assert (tocha.tensor([2**32 - 1], dtype=tocha.uint32) == -1).tolist() == [True]
    _same(u * 2.5, np.array([2.5, 5.0, 7.5], np.float32))
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type UInt32"):
        u.mul_(2.5)
    big = tocha.tensor([1, 2, 3], dtype=tocha.uint64)
    _same(big * 2**63, np.array([2**63, 0, 2**63], np.uint64))
    _same(big * (2**64 - 1), np.array([2**64 - 1, 2**64 - 2, 2**64 - 3], np.uint64))


def test_promotion_against_torch() -> None:
    torch = pytest.importorskip("torch")
    cases = [
        lambda m, d: m.tensor([1, 2, 3], dtype=d) * m.tensor([1, 2, 3]),
        lambda m, d: m.tensor([1, 2, 3], dtype=d) * m.tensor(2),
        lambda m, d: m.tensor(2, dtype=d) * m.tensor([1, 2, 3]),
        lambda m, d: m.tensor(2, dtype=d) * m.tensor(3),
        lambda m, d: m.tensor([1, 2, 3], dtype=d) * m.tensor([1.0, 2.0, 3.0]),
        lambda m, d: m.tensor([1, 2, 3], dtype=d) * m.tensor([1.0, 2.0, 3.0], dtype=m.bfloat16),
        lambda m, d: m.tensor([1, 2, 3], dtype=d) * m.tensor([1.0, 2.0, 3.0], dtype=m.complex64),
        lambda m, d: m.tensor([1, 2, 3], dtype=d) * 1j,
        lambda m, d: m.tensor([1, 2, 3], dtype=d) * m.tensor(2.0, dtype=m.float64),
        lambda m, d: m.tensor([1, 2, 3], dtype=d) * 2,
        lambda m, d: m.tensor([1, 2, 3], dtype=d) * -1,
        lambda m, d: m.tensor([1, 2, 3], dtype=d) * 2.5,
        lambda m, d: m.tensor([1, 2, 3], dtype=d) * True,
        lambda m, d: m.tensor([1, 2, 3], dtype=d) == 2,
        lambda m, d: m.tensor([1, 2, 3], dtype=d) == 2.5,
        lambda m, d: m.tensor([1, 2, 3], dtype=d) != m.tensor([1, 0, 3], dtype=d),
        lambda m, d: m.tensor([1, 2, 3], dtype=d) & m.tensor([True, False, True]),
        lambda m, d: m.tensor([True, False, True]) * m.tensor(3, dtype=d),
        lambda m, d: m.tensor(True) * m.tensor([1, 2, 3], dtype=d),
        lambda m, d: m.tensor(3, dtype=d) * m.ones(2, dtype=m.complex64),
        lambda m, d: m.tensor([1, 2, 3], dtype=d) * m.tensor(1j),
        lambda m, d: m.tensor(3, dtype=d) * 2.5,
        lambda m, d: m.tensor(3, dtype=d) * m.tensor([1, 2], dtype=m.int8),
        lambda m, d: m.cat([m.tensor([1, 2, 3], dtype=d), m.tensor([1], dtype=m.uint8)]),
    ]
    for d in WIDE:
        for case in cases:
            try:
                expected = case(torch, getattr(torch, d.name))
            except RuntimeError as error:
                with pytest.raises(RuntimeError, match="^" + str(error) + "$"):
                    case(tocha, d)
            else:
                got = case(tocha, d)
                assert got.dtype.name == str(expected.dtype)[6:]
                assert got.tolist() == expected.tolist()


# ------------------------------------------------------------------ interop and creation


@pytest.mark.parametrize("d", WIDE, ids=WIDE_IDS)
def test_numpy_round_trip(d: tocha.dtype) -> None:
    a = _extremes(d)
    t = tocha.from_numpy(a)
    assert t.dtype is d
    assert t.shape == (4, 5)
    assert np.shares_memory(t.numpy(), a)
    t[0, 0] = 7
    assert a[0, 0] == 7  # from_numpy shares memory, as in PyTorch
    assert tocha.as_tensor(a).dtype is d
    assert np.shares_memory(tocha.as_tensor(a).numpy(), a)
    copied = tocha.tensor(a)
    assert copied.dtype is d
    assert not np.shares_memory(copied.numpy(), a)
    assert t.tolist() == a.tolist()
    assert all(type(v) is int for v in t.reshape(-1).tolist())
    assert t[0, 1].item() == int(a[0, 1])
    assert type(t[0, 1].item()) is int
    assert np.asarray(t).dtype == d.numpy_dtype
    # non-contiguous, 0-dim and empty arrays
    _same(tocha.from_numpy(a[:, ::2]), a[:, ::2])
    _same(tocha.from_numpy(a.T), a.T)
    _same(tocha.from_numpy(np.array(5, dtype=d.numpy_dtype)), np.array(5, dtype=d.numpy_dtype))
    _same(tocha.from_numpy(np.zeros((0, 3), dtype=d.numpy_dtype)), np.zeros((0, 3), dtype=d.numpy_dtype))


def test_uint64_beyond_int64_is_exact() -> None:
    values = [2**64 - 1, 2**63, 2**63 + 5, 0]
    t = tocha.tensor(values, dtype=tocha.uint64)
    assert t.tolist() == values
    assert [t[i].item() for i in range(4)] == values
    assert int(t[0]) == 2**64 - 1
    assert tocha.tensor(2**64 - 1, dtype=tocha.uint64).item() == 2**64 - 1
    assert t.to(tocha.int64).tolist() == [-1, -(2**63), -(2**63) + 5, 0]
    assert tocha.tensor([-5]).to(tocha.uint64).tolist() == [2**64 - 5]


def test_unsupported_numpy_dtype_message() -> None:
    with pytest.raises(TypeError, match=r"uint64, uint32, uint16, uint8, and bool\.$"):
        tocha.from_numpy(np.zeros(2, dtype=np.longdouble))


@pytest.mark.parametrize("d", WIDE, ids=WIDE_IDS)
def test_creation(d: tocha.dtype) -> None:
    n = d.numpy_dtype
    _same(tocha.zeros(2, 3, dtype=d), np.zeros((2, 3), n))
    _same(tocha.ones(2, dtype=d), np.ones(2, n))
    _same(tocha.full((2,), 7, dtype=d), np.full(2, 7, n))
    _same(tocha.arange(0, 10, 3, dtype=d), np.arange(0, 10, 3, dtype=n))
    _same(tocha.eye(2, dtype=d), np.eye(2, dtype=n))
    assert tocha.empty(3, dtype=d).dtype is d
    u = tocha.tensor([1, 2], dtype=d)
    for like in (tocha.zeros_like(u), tocha.ones_like(u), tocha.empty_like(u), tocha.full_like(u, 3)):
        assert like.dtype is d
    assert u.new_zeros(3).dtype is d
    assert u.new_tensor([4]).dtype is d
    _same(tocha.tensor([1.5, 2.7], dtype=d), np.array([1, 2], n))
    sample = make_tensor((50,), dtype=d, device="cpu")
    assert sample.dtype is d
    assert int(sample.min()) >= 0
    assert int(sample.max()) < 10


@pytest.mark.parametrize("d", WIDE, ids=WIDE_IDS)
def test_conversions(d: tocha.dtype) -> None:
    a = _extremes(d)
    t = tocha.from_numpy(a)
    for target in (tocha.bool, tocha.uint8, tocha.int32, tocha.int64, tocha.float32, tocha.float64, *WIDE):
        _same(t.to(target), a.astype(target.numpy_dtype))
    _same(t.to(tocha.bfloat16).float(), a.astype(np.float32).astype(tocha.bfloat16.numpy_dtype).astype(np.float32))
    _same(t.to(tocha.complex64), a.astype(np.complex64))
    _same(t.long(), a.astype(np.int64))
    _same(t.double(), a.astype(np.float64))
    _same(tocha.from_numpy(a.astype(np.int64)).to(d), a)
    target = tocha.zeros(4, 5, dtype=d)
    target.copy_(tocha.from_numpy(a.astype(np.int64)))
    _same(target, a)
    back = tocha.zeros(4, 5)
    back.copy_(t)
    _same(back, a.astype(np.float32))
    _same(t.view(tocha.uint8), a.view(np.uint8))
    clone = t.clone()
    assert clone.dtype is d
    assert not np.shares_memory(clone.numpy(), a)


# ------------------------------------------------------------------ ops


@pytest.mark.parametrize("d", WIDE, ids=WIDE_IDS)
def test_supported_ops_match_numpy(d: tocha.dtype) -> None:
    a, b = _extremes(d), _others(d)
    x, y = tocha.from_numpy(a), tocha.from_numpy(b)
    shifts = (np.arange(20).reshape(4, 5) % (8 * d.itemsize)).astype(d.numpy_dtype)
    with np.errstate(over="ignore"):
        _same(x * y, a * b)
        _same(x * 3, a * d.numpy_dtype.type(3))
        _same(x & y, a & b)
        _same(x | y, a | b)
        _same(x ^ y, a ^ b)
        _same(x & 12, a & d.numpy_dtype.type(12))
        _same(x == y, a == b)
        _same(x != y, a != b)
        _same(x == int(a[0, 1]), a == a[0, 1])
        _same(x.sort(dim=1).values, np.sort(a, 1))
        _same(x.sort(dim=1, descending=True).values, np.sort(a, 1)[:, ::-1])
        _same(x.reshape(-1).argsort(stable=True), np.argsort(a.reshape(-1), kind="stable"))
        _same(tocha.unique(x), np.unique(a))
        # PyTorch widens these to int64 (wrapping above 2**63, as NumPy's casts do)
        _same(x.sum(), a.astype(np.int64).sum())
        _same(x.sum(1), a.astype(np.int64).sum(1))
        _same(x.prod(1), a.astype(np.int64).prod(1))
        _same(x.cumsum(1), a.astype(np.int64).cumsum(1))
        _same(x.sum(dtype=tocha.float64), a.astype(np.float64).sum())
        _same(x.all(), a.all())
        _same(x.any(1), a.any(1))
        _same(tocha.where(x > y, x, y), np.where(a > b, a, b))
        _same(tocha.where(x > y, x, 0), np.where(a > b, a, d.numpy_dtype.type(0)))
        _same(x << tocha.from_numpy(shifts), a << shifts)
    _same(tocha.cat([x, y]), np.concatenate([a, b]))
    _same(tocha.stack([x, y], 1), np.stack([a, b], 1))


@pytest.mark.parametrize("d", WIDE, ids=WIDE_IDS)
def test_ops_pytorch_leaves_out_are_exact(d: tocha.dtype) -> None:
    # PyTorch raises NotImplementedError for these; NumPy computes them exactly (NOTE [ Limited unsigned dtypes ]).
    a, b = _extremes(d), _others(d)
    x, y = tocha.from_numpy(a), tocha.from_numpy(b)
    with np.errstate(over="ignore"):
        _same(x + y, a + b)
        _same(x - y, a - b)
        _same(x + 1, a + d.numpy_dtype.type(1))
        _same(-x, (0 - a).astype(d.numpy_dtype))
        _same(~x, ~a)
        _same(x.abs(), a)
        _same(x // y, a // b)
        _same(x % y, a % b)
        _same(x >> 3, a >> d.numpy_dtype.type(3))
        _same(x < y, a < b)
        _same(x >= y, a >= b)
        _same(x > int(a[0, 3]), a > a[0, 3])
        _same(x.max(), a.max())
        _same(x.min(1).values, a.min(1))
        _same(x.argmax(1), a.argmax(1))
        _same(tocha.maximum(x, y), np.maximum(a, b))
        _same(x.clamp(5, int(a[0, 2])), np.clip(a, 5, a[0, 2]))
        _same(x.flip(0), a[::-1])
        _same(x.pow(2), a * a)
        _same(x @ y.T, a @ b.T)
        _same(x.reshape(-1).topk(3).values, np.sort(a.reshape(-1))[::-1][:3])
        _same(x.gather(1, tocha.tensor([[0], [1], [2], [3]])), a[np.arange(4), np.arange(4)][:, None])
        _same(x.reshape(-1).median(), np.sort(a.reshape(-1))[(a.size - 1) // 2])
        _same(x.diff(), np.diff(a))


def test_ops_pytorch_leaves_out_raise_there() -> None:
    torch = pytest.importorskip("torch")
    t = torch.tensor([1, 2, 3], dtype=torch.uint32)
    with pytest.raises(NotImplementedError, match="\"add_stub\" not implemented for 'UInt32'"):
        t + t
    assert (tocha.tensor([1, 2, 3], dtype=tocha.uint32) + 1).tolist() == [2, 3, 4]


def test_ops_supported_by_both_against_torch() -> None:
    torch = pytest.importorskip("torch")
    cases = [
        lambda m, x: x * x,
        lambda m, x: x * 3,
        lambda m, x: x & x,
        lambda m, x: x | 6,
        lambda m, x: x ^ x,
        lambda m, x: x == 2,
        lambda m, x: x.sum(),
        lambda m, x: x.prod(),
        lambda m, x: x.cumsum(0),
        lambda m, x: x.sort().values,
        lambda m, x: x.sort(descending=True).indices,
        lambda m, x: m.unique(x),
        lambda m, x: m.cat([x, x]),
        lambda m, x: m.stack([x, x]),
        lambda m, x: x.clone(),
        lambda m, x: x[[0, 2]],
        lambda m, x: x[1:],
        lambda m, x: x.all(),
        lambda m, x: x.bool(),
        lambda m, x: x / 2,
        lambda m, x: x.to(m.int64),
        lambda m, x: m.where(m.tensor([True, False, True, False]), x, 0),
    ]
    for d in WIDE:
        values = [3, 1, 2**16 - 1, 2]
        theirs, ours = torch.tensor(values, dtype=getattr(torch, d.name)), tocha.tensor(values, dtype=d)
        for case in cases:
            expected, got = case(torch, theirs), case(tocha, ours)
            assert got.dtype.name == str(expected.dtype)[6:]
            assert got.tolist() == expected.tolist()


def test_float_only_reductions_refuse() -> None:
    u = tocha.tensor([1, 2], dtype=tocha.uint32)
    with pytest.raises(RuntimeError, match=r"mean\(\): could not infer output dtype.*Got: UInt32"):
        u.mean()
    with pytest.raises(RuntimeError, match="std and var only support floating point and complex dtypes"):
        u.std()
    with pytest.raises(IndexError, match="tensors used as indices must be long, int, byte or bool tensors"):
        tocha.arange(3)[u]


# ------------------------------------------------------------------ indexing


@pytest.mark.parametrize("d", WIDE, ids=WIDE_IDS)
def test_indexing(d: tocha.dtype) -> None:
    a = _extremes(d)
    x = tocha.from_numpy(a.copy())
    view = x[1:, ::2]
    assert view.dtype is d
    assert np.shares_memory(view.numpy(), x.numpy())
    _same(view, a[1:, ::2])
    _same(x[[0, 2]], a[[0, 2]])
    _same(x[x > 5], a[a > 5])
    _same(x[0, 1], a[0, 1])
    x[0] = 2**16 - 1
    x[1, tocha.tensor([0, 2])] = tocha.tensor([9, 8], dtype=d)
    expected = a.copy()
    expected[0] = 2**16 - 1
    expected[1, [0, 2]] = [9, 8]
    _same(x, expected)
    _same(x.masked_fill(x > 100, 1), np.where(expected > 100, 1, expected).astype(d.numpy_dtype))
    with pytest.raises(RuntimeError, match=f"got Float for the destination and {TYPE_NAMES[d.name]} for the source"):
        tocha.zeros(3).index_put_((tocha.tensor([0]),), tocha.tensor([1], dtype=d))


@pytest.mark.parametrize("d", WIDE, ids=WIDE_IDS)
def test_shape_ops(d: tocha.dtype) -> None:
    a = _extremes(d)
    x = tocha.from_numpy(a)
    _same(x.reshape(5, 4), a.reshape(5, 4))
    _same(x.t(), a.T)
    _same(x.permute(1, 0).contiguous(), np.ascontiguousarray(a.T))
    _same(x.unsqueeze(0).expand(2, 4, 5), np.broadcast_to(a, (2, 4, 5)))
    _same(x.flatten(), a.reshape(-1))
    assert [c.tolist() for c in x.chunk(2)] == [a[:2].tolist(), a[2:].tolist()]
    _same(x.repeat(2, 1), np.tile(a, (2, 1)))


# ------------------------------------------------------------------ repr


def test_repr() -> None:
    assert repr(tocha.tensor([1, 2, 3], dtype=tocha.uint32)) == "tensor([1, 2, 3], dtype=tocha.uint32)"
    assert repr(tocha.tensor(2**64 - 1, dtype=tocha.uint64)) == "tensor(18446744073709551615, dtype=tocha.uint64)"
    assert repr(tocha.tensor([], dtype=tocha.uint16)) == "tensor([], dtype=tocha.uint16)"


def test_repr_against_torch() -> None:
    torch = pytest.importorskip("torch")
    for d in WIDE:
        for values in ([1, 2, 3], [[2**16 - 1, 1], [0, 7]], 5, []):
            if d is tocha.uint64:
                values = values if not isinstance(values, list) or not values else [values, values]
            expected = repr(torch.tensor(values, dtype=getattr(torch, d.name))).replace("torch.", "tocha.")
            assert repr(tocha.tensor(values, dtype=d)) == expected
    big = [[2**63, 1], [2**64 - 1, 0]]
    expected = repr(torch.tensor(big, dtype=torch.uint64)).replace("torch.", "tocha.")
    assert repr(tocha.tensor(big, dtype=tocha.uint64)) == expected


# ------------------------------------------------------------------ save / load and DLPack


def test_save_load(tmp_path) -> None:
    tensors = {d.name: tocha.from_numpy(_extremes(d)) for d in WIDE}
    tensors["view"] = tocha.from_numpy(_extremes(tocha.uint32))[1:, ::2]
    path = tmp_path / "wide.pt"
    tocha.save({"tensors": tensors, "n": 3}, path)
    loaded = tocha.load(path)
    assert loaded["n"] == 3
    for name, t in tensors.items():
        assert loaded["tensors"][name].dtype is t.dtype
        _same(loaded["tensors"][name], t.numpy())


def test_safetensors_interop(tmp_path) -> None:
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    arrays = {d.name: _extremes(d) for d in WIDE}
    path = tmp_path / "x.safetensors"
    safetensors_numpy.save_file(arrays, str(path))
    loaded = tocha.load(path)
    for name, a in arrays.items():
        _same(loaded[name], a)
    ours = tmp_path / "ours.safetensors"
    tocha.save({name: tocha.from_numpy(a) for name, a in arrays.items()}, ours)
    back = safetensors_numpy.load_file(str(ours))
    for name, a in arrays.items():
        assert back[name].dtype == a.dtype
        assert back[name].tolist() == a.tolist()


@pytest.mark.parametrize("d", WIDE, ids=WIDE_IDS)
def test_dlpack(d: tocha.dtype) -> None:
    a = _extremes(d)
    t = tocha.from_dlpack(a)
    assert t.dtype is d
    assert np.shares_memory(t.numpy(), a)
    back = np.from_dlpack(t)
    assert back.dtype == a.dtype
    assert np.shares_memory(back, a)
    again = tocha.from_dlpack(t)
    assert again.dtype is d
    assert again.data_ptr() == t.data_ptr()


def test_dlpack_with_torch() -> None:
    torch = pytest.importorskip("torch")
    a = _extremes(tocha.uint32)
    theirs = torch.from_dlpack(tocha.from_numpy(a))
    assert theirs.dtype == torch.uint32
    assert theirs.tolist() == a.tolist()
    ours = tocha.from_dlpack(torch.from_numpy(a.copy()))
    assert ours.dtype is tocha.uint32
    assert ours.tolist() == a.tolist()


# ------------------------------------------------------------------ cuda


@pytest.mark.gpu
@pytest.mark.parametrize("d", WIDE, ids=WIDE_IDS)
def test_cuda(d: tocha.dtype) -> None:
    a = _extremes(d)
    g = tocha.from_numpy(a).cuda()
    assert g.dtype is d
    assert g.device.type == "cuda"
    assert g.type() == f"tocha.cuda.{TYPE_NAMES[d.name]}Tensor"
    _same(g.cpu(), a)
    assert g.tolist() == a.tolist()
    with np.errstate(over="ignore"):
        _same((g * g).cpu(), a * a)
        _same(g.sum().cpu(), a.astype(np.int64).sum())
    _same(g.sort(1).values.cpu(), np.sort(a, 1))
    _same(g[g > 5].cpu(), a[a > 5])
    assert tocha.zeros(2, dtype=d, device="cuda").dtype is d
    with pytest.raises(RuntimeError, match="Promotion for uint16, uint32, uint64 types is not supported"):
        g + tocha.zeros(4, 5, dtype=tocha.int64, device="cuda")
