"""Tests for Tensor.__getitem__ / __setitem__ and index_put (tocha._ops.indexing)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import tocha
from tocha._ops import indexing as ix
from tocha.library import DispatchLayer, VjpContext


def T(a: Any) -> tocha.Tensor:
    return tocha.from_numpy(np.ascontiguousarray(a) if isinstance(a, np.ndarray) else np.asarray(a))


def base_array() -> np.ndarray:
    return np.arange(2 * 3 * 4, dtype=np.float64).reshape(2, 3, 4)


def np_key(key: Any) -> Any:
    """The NumPy spelling of a tocha key (tensors as arrays)."""
    if isinstance(key, tuple):
        return tuple(np_key(k) for k in key)
    if isinstance(key, tocha.Tensor):
        return key.numpy()
    return key


def torch_key(torch: Any, key: Any) -> Any:
    if isinstance(key, tuple):
        return tuple(torch_key(torch, k) for k in key)
    if isinstance(key, tocha.Tensor):
        return torch.from_numpy(key.numpy().copy())
    return key


# ------------------------------------------------------------------ basic indexing

BASIC_KEYS = [
    0,
    1,
    -1,
    -2,
    slice(None),
    slice(1, None),
    slice(None, 1),
    slice(0, 2, 1),
    slice(-1, None),
    slice(5, 10),
    slice(None, None, 2),
    (0, 1),
    (1, -1, 2),
    (slice(None), 1),
    (slice(None), slice(1, 3), slice(None, None, 3)),
    (Ellipsis, 0),
    (Ellipsis, slice(1, 3)),
    (0, Ellipsis),
    (0, Ellipsis, 1),
    Ellipsis,
    None,
    (None, 0),
    (0, None, slice(1, 2), None),
    (Ellipsis, None),
    (None, Ellipsis, None),
    (),
    (slice(1, 1),),
    (np.int64(1), np.int32(-1)),
    (slice(np.int64(0), np.int64(2)),),
]


@pytest.mark.parametrize("key", BASIC_KEYS, ids=repr)
def test_basic_matches_numpy_and_is_a_view(key: Any) -> None:
    a = base_array()
    x = T(a)
    got = x[key]
    expected = a[key]
    np.testing.assert_array_equal(got.numpy(), expected)
    assert got.dtype is tocha.float64
    assert got._base is x
    if got.numel():
        assert np.shares_memory(got.numpy(), x.numpy())


def test_basic_views_write_through() -> None:
    x = T(base_array())
    v = x[1, 1:3]
    v.numpy()[...] = -1
    assert (x.numpy()[1, 1:3] == -1).all()
    w = v[0]  # a view of a view has the root as base
    assert w._base is x


def test_int_on_1d_gives_0dim_view() -> None:
    x = T(np.arange(5.0))
    y = x[2]
    assert y.shape == ()
    assert y.item() == 2.0
    assert y._base is x
    assert np.shares_memory(y.numpy(), x.numpy())


def test_zero_dim_int_tensor_and_numpy_int_act_as_ints() -> None:
    a = base_array()
    x = T(a)
    for k in (tocha.tensor(1), np.int64(1), np.array(1), tocha.tensor(1, dtype=tocha.int32)):
        got = x[k]
        np.testing.assert_array_equal(got.numpy(), a[1])
        assert got._base is x


def test_slice_bounds_from_tensors() -> None:
    a = base_array()
    x = T(a)
    np.testing.assert_array_equal(x[tocha.tensor(1) :].numpy(), a[1:])


def test_noncontiguous_input() -> None:
    a = base_array().transpose(2, 0, 1)  # a non-contiguous view
    x = tocha.from_numpy(a)
    np.testing.assert_array_equal(x[1:3, :, 0].numpy(), a[1:3, :, 0])
    np.testing.assert_array_equal(x[[0, 3], 1].numpy(), a[[0, 3], 1])


def test_empty_tensor() -> None:
    x = T(np.zeros((0, 3)))
    assert x[:, 1].shape == (0,)
    assert x[[]].shape == (0, 3)
    assert x[tocha.tensor([], dtype=tocha.bool)].shape == (0, 3)


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool", "float16", "float32", "complex64"])
def test_dtypes_preserved(dtype: str) -> None:
    a = (np.arange(12).reshape(3, 4) % 3).astype(dtype)
    x = T(a)
    assert x[1].dtype is x.dtype
    assert x[:, [0, 2]].dtype is x.dtype
    np.testing.assert_array_equal(x[1:, [0, 2]].numpy(), a[1:, [0, 2]])


# ------------------------------------------------------------------ advanced indexing

IDX = [0, 1]

ADVANCED_KEYS = [
    [1, 0],
    [[0, 1], [1, 0]],
    (IDX, IDX),
    (slice(None), [2, 0, 2]),
    (slice(None), slice(None), [3, -1]),
    ([0, 1], slice(None), [0, 3]),  # separated: broadcast dims go first
    (slice(None), [0, 1], [0, 3]),  # adjacent: in place
    (None, [0, 1], None, [0, 1]),
    ([0, 1], None, [0, 1]),
    (Ellipsis, [0, 2]),
    (0, [0, 2]),
    (0, slice(None), [0, 1]),  # PyTorch: ints are basic, so no "separated" rule
    ([1, 0], slice(None), 0),
    (slice(None), 0, [0, 1]),
    ([[0], [1]], slice(None), [[0, 1, 2]]),
    (True,),
    (False,),
    (slice(None), True, [0, 1]),
    (True, [0, 1], slice(None), [0, 1]),
    ([True, False],),
    (slice(None), [True, False, True]),
    (slice(None), slice(None), [False, True, True, False]),
    ([-1, -2],),
    (slice(1, None), [0, 0, 1]),
]


def _to_tensor_key(key: Any) -> Any:
    """Lists inside a tuple key as tocha tensors (a top-level list stays a list)."""
    if isinstance(key, tuple):
        return tuple(tocha.tensor(k) if isinstance(k, list) else k for k in key)
    return key


@pytest.mark.parametrize("key", ADVANCED_KEYS, ids=repr)
def test_advanced_matches_torch(key: Any) -> None:
    torch = pytest.importorskip("torch")
    a = base_array()
    x = T(a)
    tkey = _to_tensor_key(key)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = torch.from_numpy(a)[torch_key(torch, tkey)].numpy()
        got = x[tkey]
    np.testing.assert_array_equal(got.numpy(), expected)
    assert got.shape == expected.shape
    assert got._base is None  # a copy
    if got.numel():
        assert not np.shares_memory(got.numpy(), a)


@pytest.mark.parametrize(
    "key",
    [
        k
        for k in ADVANCED_KEYS
        if k not in ((0, slice(None), [0, 1]),) and not (isinstance(k, list) and isinstance(k[0], list))
    ],
    ids=repr,
)
def test_advanced_matches_numpy(key: Any) -> None:
    a = base_array()
    x = T(a)
    tkey = _to_tensor_key(key)
    np.testing.assert_array_equal(x[tkey].numpy(), a[np_key(tkey)])


def test_int_placement_differs_from_numpy_as_pytorch() -> None:
    x = T(base_array())
    assert x[0, :, [0, 1]].shape == (3, 2)  # NumPy: (2, 3)
    assert x[tocha.tensor([0, 1]), :, tocha.tensor([0, 3])].shape == (2, 3)


def test_index_kinds() -> None:
    a = base_array()
    x = T(a)
    for k in (np.array([1, 0]), tocha.tensor([1, 0]), tocha.tensor([1, 0], dtype=tocha.int32), [1, 0]):
        np.testing.assert_array_equal(x[k].numpy(), a[[1, 0]])
    mask = a > 10
    np.testing.assert_array_equal(x[tocha.from_numpy(mask)].numpy(), a[mask])
    np.testing.assert_array_equal(x[mask].numpy(), a[mask])
    np.testing.assert_array_equal(x[0][tocha.from_numpy(mask[0])].numpy(), a[0][mask[0]])
    np.testing.assert_array_equal(x[tocha.tensor(True)].numpy(), a[None])
    np.testing.assert_array_equal(x[tocha.tensor(False)].numpy(), a[None][:0])


def test_two_dim_mask_with_other_indices() -> None:
    torch = pytest.importorskip("torch")
    a = base_array()
    mask = np.array([[True, False, True], [False, True, True]])
    for key in ((tocha.from_numpy(mask), slice(1, 3)), (tocha.from_numpy(mask), tocha.tensor([0, 1, 2, 3]))):
        expected = torch.from_numpy(a)[torch_key(torch, key)].numpy()
        np.testing.assert_array_equal(T(a)[key].numpy(), expected)


def test_uint8_mask_is_deprecated_mask() -> None:
    a = base_array()
    with pytest.warns(UserWarning, match="uint8"):
        got = T(a)[tocha.tensor([1, 0], dtype=tocha.uint8)]
    np.testing.assert_array_equal(got.numpy(), a[[True, False]])


def test_list_with_slices_is_read_as_tuple_with_warning() -> None:
    a = base_array()
    with pytest.warns(UserWarning, match="non-tuple sequence"):
        got = T(a)[[0, slice(None)]]
    np.testing.assert_array_equal(got.numpy(), a[0, :])


def test_cpu_index_list_on_result_is_copy_not_view() -> None:
    x = T(base_array())
    y = x[[0]]
    y.numpy()[...] = -5
    assert (x.numpy() >= 0).all()


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("key", "exc", "message"),
    [
        (5, IndexError, "index 5 is out of bounds for dimension 0 with size 2"),
        (-3, IndexError, "index -3 is out of bounds for dimension 0 with size 2"),
        ((slice(None), 5), IndexError, "index 5 is out of bounds for dimension 1 with size 3"),
        ((0, 0, 0, 0), IndexError, "too many indices for tensor of dimension 3"),
        (
            1.5,
            IndexError,
            "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices (got float)",
        ),
        (np.float64(1), IndexError, "(got numpy.float64)"),
        ("a", IndexError, "(got str)"),
        (slice(None, None, -1), ValueError, "step must be greater than zero"),
        (slice(None, None, 0), ValueError, "slice step cannot be zero"),
        (
            tocha.tensor([True, False, True]),
            IndexError,
            "The shape of the mask [3] at index 0 does not match the shape of the indexed tensor [2, 3, 4] at index 0",
        ),
        (
            (slice(None), tocha.tensor([True, False])),
            IndexError,
            "The shape of the mask [2] at index 0 does not match the shape of the indexed tensor [2, 3, 4] at index 1",
        ),
        (tocha.tensor([0, 5]), IndexError, "index 5 is out of bounds for dimension 0 with size 2"),
        (
            (slice(None), slice(None), tocha.tensor([9])),
            IndexError,
            "index 9 is out of bounds for dimension 0 with size 4",
        ),
        ((tocha.tensor([0]), tocha.tensor([9])), IndexError, "index 9 is out of bounds for dimension 1 with size 3"),
        (tocha.tensor([0.5]), IndexError, "tensors used as indices must be long, int, byte or bool tensors"),
        (
            tocha.tensor([1], dtype=tocha.int8),
            IndexError,
            "tensors used as indices must be long, int, byte or bool tensors",
        ),
        (
            (tocha.tensor([0, 1]), tocha.tensor([0, 1, 2])),
            IndexError,
            "shape mismatch: indexing tensors could not be broadcast together with shapes [2], [3]",
        ),
        (slice(1.0, 2), TypeError, "slice indices must be integers"),
    ],
    ids=repr,
)
def test_getitem_errors(key: Any, exc: type[Exception], message: str) -> None:
    x = T(base_array())
    with pytest.raises(exc) as info:
        x[key]
    assert message in str(info.value)


def test_getitem_errors_match_torch() -> None:
    torch = pytest.importorskip("torch")
    a = np.zeros(3)
    for key in (5, (0, 0), 1.5, tocha.tensor([True, False]), tocha.tensor([0, 7]), slice(None, None, -2)):
        with pytest.raises((IndexError, ValueError)) as ours:
            T(a)[key]
        with pytest.raises((IndexError, ValueError)) as theirs:
            torch.from_numpy(a)[torch_key(torch, key)]
        assert type(ours.value) is type(theirs.value)
        assert str(ours.value) == str(theirs.value)


def test_zero_dim_errors() -> None:
    x = tocha.tensor(5.0)
    with pytest.raises(IndexError, match="invalid index of a 0-dim tensor"):
        x[0]
    with pytest.raises(IndexError, match=r"slice\(\) cannot be applied to a 0-dim tensor"):
        x[:]
    with pytest.raises(IndexError, match="too many indices for tensor of dimension 0"):
        x[[0]]
    assert x[...].shape == ()
    assert x[None].shape == (1,)
    assert x[tocha.tensor(True)].shape == (1,)


# ------------------------------------------------------------------ setitem

SET_CASES = [
    (0, 7.0),
    (-1, 7.0),
    (slice(1, None), -2.0),
    ((0, slice(None), 1), 3.0),
    (Ellipsis, 1.5),
    ((Ellipsis, 0), 1.5),
    ((None, 0), 4.0),
    ([0, 1], 2.0),
    ((slice(None), [0, 2]), 2.0),
    ((0, slice(None), [0, 1]), 9.0),
    ((slice(None), [True, False, True]), 1.0),
    (True, 8.0),
]


@pytest.mark.parametrize(("key", "value"), SET_CASES, ids=repr)
def test_setitem_scalar_matches_torch(key: Any, value: float) -> None:
    torch = pytest.importorskip("torch")
    a = base_array()
    x = T(a.copy())
    tkey = _to_tensor_key(key)
    x[tkey] = value
    t = torch.from_numpy(a.copy())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t[torch_key(torch, tkey)] = value
    np.testing.assert_array_equal(x.numpy(), t.numpy())


@pytest.mark.parametrize(("key", "value"), [c for c in SET_CASES if c[0] != (0, slice(None), [0, 1])], ids=repr)
def test_setitem_scalar_matches_numpy(key: Any, value: float) -> None:
    a = base_array()
    x = T(a.copy())
    tkey = _to_tensor_key(key)
    x[tkey] = value
    a[np_key(tkey)] = value
    np.testing.assert_array_equal(x.numpy(), a)


def test_setitem_tensor_broadcast_and_dtype() -> None:
    a = base_array()
    x = T(a.copy())
    x[0] = tocha.tensor([1, 2, 3, 4])  # int64 value into float64, broadcast over rows
    a[0] = [1, 2, 3, 4]
    x[1, :, 0] = tocha.tensor([[5.0, 6.0, 7.0]], dtype=tocha.float32)  # leading 1 dims are dropped
    a[1, :, 0] = [5, 6, 7]
    x[:, [0, 2], 1] = tocha.tensor([10.0, 20.0])
    a[:, [0, 2], 1] = [10, 20]
    np.testing.assert_array_equal(x.numpy(), a)
    assert x.dtype is tocha.float64


def test_setitem_numpy_values_and_numbers() -> None:
    x = tocha.zeros(4, dtype=tocha.int64)
    x[0] = 2.7  # truncated toward zero, like PyTorch
    x[1] = np.int32(5)
    x[2:] = np.array([7.9, 8.2])
    x[[3]] = True
    assert x.tolist() == [2, 5, 7, 1]
    b = tocha.zeros(3, dtype=tocha.bool)
    b[0] = 2.5
    b[1] = 0.0
    assert b.tolist() == [True, False, False]


def test_setitem_duplicates_last_write_wins() -> None:
    x = tocha.zeros(3)
    x[tocha.tensor([0, 0, 1])] = tocha.tensor([1.0, 2.0, 3.0])
    assert x.tolist() == [2.0, 3.0, 0.0]


def test_setitem_mask_with_tensor_value() -> None:
    a = np.arange(6.0).reshape(2, 3)
    x = T(a.copy())
    x[x.numpy() > 2] = tocha.tensor(0.0)
    a[a > 2] = 0
    np.testing.assert_array_equal(x.numpy(), a)
    x[tocha.tensor([True, False])] = tocha.tensor([[9.0, 8.0, 7.0]])
    a[[True, False]] = [[9, 8, 7]]
    np.testing.assert_array_equal(x.numpy(), a)


def test_setitem_writes_through_views_and_bumps_version() -> None:
    x = tocha.zeros(2, 3)
    v = x[1]
    before = x._version_counter
    v[0] = 5.0
    assert x[1, 0].item() == 5.0
    assert x._version_counter == before + 1
    assert v._version_counter == x._version_counter
    x[:, [0, 2]] = 1.0
    assert x._version_counter == before + 2
    assert x.tolist() == [[1.0, 0.0, 1.0], [1.0, 0.0, 1.0]]


def test_setitem_does_not_copy_the_target() -> None:
    a = np.zeros((3, 4))
    x = tocha.from_numpy(a)
    x[1:, 2] = 3.0
    x[0, [0, 1]] = 4.0
    assert a[1, 2] == 3.0
    assert a[0, 1] == 4.0
    assert x.numpy() is a


def test_setitem_noncontiguous_target() -> None:
    a = np.zeros((3, 4))
    x = tocha.from_numpy(a.T)
    x[0] = tocha.tensor([1.0, 2.0, 3.0])
    x[[1, 2], 0] = 5.0
    np.testing.assert_array_equal(a[:, 0], [1, 2, 3])
    np.testing.assert_array_equal(a[0, 1:3], [5, 5])


def test_setitem_errors() -> None:
    x = tocha.zeros(2, 3)
    with pytest.raises(
        RuntimeError,
        match=r"shape mismatch: value tensor of shape \[2\] cannot be broadcast to indexing result of shape \[3\]",
    ):
        x[0] = tocha.ones(2)
    with pytest.raises(
        RuntimeError, match=r"value tensor of shape \[3, 3\] cannot be broadcast to indexing result of shape \[2, 3\]"
    ):
        x[[0, 1]] = tocha.ones(3, 3)
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 2"):
        x[5] = 1.0
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 2"):
        x[[5]] = 1.0
    with pytest.raises(TypeError, match="can't assign a list"):
        x[0] = [1.0, 2.0, 3.0]
    with pytest.raises(TypeError, match="can't assign a str"):
        x[0] = "a"
    with pytest.raises(RuntimeError, match="value cannot be converted"):
        x[0] = 1 + 2j
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[::-1] = 1.0


def test_setitem_errors_match_torch() -> None:
    torch = pytest.importorskip("torch")
    for key, value in ((5, 1.0), ([0, 1], (3, 3)), (tocha.tensor([True]), 1.0)):
        x, t = tocha.zeros(2, 3), torch.zeros(2, 3)
        ours_value = tocha.ones(*value) if isinstance(value, tuple) else value
        theirs_value = torch.ones(*value) if isinstance(value, tuple) else value
        with pytest.raises((IndexError, RuntimeError)) as ours:
            x[key] = ours_value
        with pytest.raises((IndexError, RuntimeError)) as theirs:
            t[torch_key(torch, key)] = theirs_value
        assert type(ours.value) is type(theirs.value)
        assert str(ours.value) == str(theirs.value)


# ------------------------------------------------------------------ dispatch layers


class Record(DispatchLayer):
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], bool]] = []

    def handle(self, call: Any, proceed: Any) -> Any:
        self.calls.append((call.op.name, call.params, call.out is not None))
        return proceed(call)


def test_layers_see_getitem_and_setitem() -> None:
    x = tocha.zeros(3, 4)
    with Record() as rec:
        y = x[1:3]
        z = x[:, [0, 1]]
        x[0] = 1.0
        x[[1, 2], 0] = 2.0
    names = [c[0] for c in rec.calls]
    # x[[1, 2], 0]: the int is basic (a view of column 0), then index_put_ on that view, as PyTorch does
    assert names == ["getitem", "index", "setitem", "getitem", "index_put"]
    assert rec.calls[0][1] == ((slice(1, 3), Ellipsis),)
    assert rec.calls[2][2]  # in place
    assert rec.calls[4][2]
    assert y._base is x
    assert z.shape == (3, 2)
    assert x.numpy()[0].tolist() == [1.0] * 4
    assert x.numpy()[1:, 0].tolist() == [2.0, 2.0]


# ------------------------------------------------------------------ index_put


@pytest.mark.parametrize("accumulate", [False, True])
def test_index_put_matches_torch(accumulate: bool) -> None:
    torch = pytest.importorskip("torch")
    a = np.arange(12.0).reshape(3, 4)
    idx = (tocha.tensor([0, 2, 0]), tocha.tensor([1, 3, 1]))
    values = tocha.tensor([1.0, 2.0, 3.0], dtype=tocha.float64)
    got = tocha.index_put(T(a), idx, values, accumulate=accumulate)
    expected = torch.from_numpy(a).index_put(
        torch_key(torch, idx), torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64), accumulate=accumulate
    )
    np.testing.assert_array_equal(got.numpy(), expected.numpy())
    x = T(a.copy())
    assert x.index_put_(idx, values, accumulate) is x
    np.testing.assert_array_equal(x.numpy(), expected.numpy())


def test_index_put_accumulate_and_masks() -> None:
    x = tocha.zeros(4)
    got = x.index_put((tocha.tensor([0, 0, 3]),), tocha.tensor(1.0), accumulate=True)
    assert got.tolist() == [2.0, 0.0, 0.0, 1.0]
    assert x.tolist() == [0.0] * 4
    m = tocha.tensor([True, False, True, False])
    assert x.index_put((m,), tocha.tensor([5.0, 6.0])).tolist() == [5.0, 0.0, 6.0, 0.0]


def test_index_put_errors() -> None:
    x = tocha.zeros(3)
    with pytest.raises(RuntimeError, match="Index put requires the source and destination dtypes match"):
        x.index_put((tocha.tensor([0]),), tocha.tensor([1], dtype=tocha.int64))
    with pytest.raises(TypeError, match="must be tuple of Tensors"):
        x.index_put(tocha.tensor([0]), tocha.tensor(1.0))
    with pytest.raises(IndexError, match="index 3 is out of bounds"):
        x.index_put((tocha.tensor([3]),), tocha.tensor(1.0))
    with pytest.raises(
        RuntimeError, match=r"value tensor of shape \[3\] cannot be broadcast to indexing result of shape \[2\]"
    ):
        x.index_put((tocha.tensor([0, 1]),), tocha.ones(3, dtype=tocha.float64))


def test_index_put_on_zero_dim_counts_a_0dim_mask_as_an_index() -> None:
    x = tocha.tensor(2.0)
    for index in (tocha.tensor(True), tocha.tensor(0)):
        with pytest.raises(IndexError, match=r"too many indices for tensor of dimension 0 \(got 1\)"):
            x.index_put((index,), tocha.tensor(4.0))
    with pytest.raises(IndexError, match=r"too many indices for tensor of dimension 1 \(got 2\)"):
        tocha.zeros(3).index_put((tocha.tensor(True), tocha.tensor(0)), tocha.tensor(1.0))


def test_index_put_on_zero_dim_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    for module in (tocha, torch):
        with pytest.raises(IndexError, match=r"too many indices for tensor of dimension 0 \(got 1\)"):
            module.tensor(2.0).index_put((module.tensor(True),), module.tensor(4.0))


def test_index_shape_mismatch_uses_the_shared_broadcast() -> None:
    from tocha._ops._common import broadcast_shape
    from tocha._ops.indexing_key import _broadcast_index_shapes

    assert _broadcast_index_shapes([(2, 1), (3,), ()]) == (2, 3) == broadcast_shape("index", (2, 1), (3,), ())
    message = "shape mismatch: indexing tensors could not be broadcast together with shapes [2, 1], [3], [4]"
    with pytest.raises(IndexError) as info:
        _broadcast_index_shapes([(2, 1), (3,), (4,)])
    assert str(info.value) == message
    with pytest.raises(RuntimeError, match=r"^add\(\): The size of tensor a \(3\) must match the size of tensor b"):
        broadcast_shape("add", (3,), (4,))  # the default message and type are unchanged


# ------------------------------------------------------------------ vjps (finite differences, float64)


def _vjp_check(op: Any, inputs: list[Any], params: tuple[Any, ...], wrt: list[int]) -> None:
    """Compare op.vjp with central differences of <op(inputs), g> for each input in ``wrt``."""
    rng = np.random.default_rng(0)
    dev = tocha.device("cpu")
    result = tocha.library.call(op, dev, tuple(inputs), params)
    g = rng.standard_normal(result.shape)
    ctx = VjpContext(
        inputs=tuple(inputs[i] if i in op.saves_inputs else None for i in range(len(inputs))),
        result=result if op.saves_result else None,
        params=params,
        input_shapes=tuple(tuple(x.shape) if isinstance(x, tocha.Tensor) else None for x in inputs),
        input_dtypes=tuple(x.dtype if isinstance(x, tocha.Tensor) else None for x in inputs),
        needs_input_grad=tuple(i in wrt for i in range(len(inputs))),
    )
    grads = op.vjp(ctx, T(g))
    for i in wrt:
        base = inputs[i].numpy().copy()
        numeric = np.zeros_like(base)
        eps = 1e-6
        for j in np.ndindex(base.shape):
            for sign in (1, -1):
                shifted = base.copy()
                shifted[j] += sign * eps
                args = list(inputs)
                args[i] = T(shifted)
                out = tocha.library.call(op, dev, tuple(args), params).numpy()
                numeric[j] += sign * float((out * g).sum()) / (2 * eps)
        np.testing.assert_allclose(grads[i].numpy(), numeric, rtol=1e-6, atol=1e-8)


def test_vjp_getitem_and_its_backward() -> None:
    x = T(np.random.default_rng(1).standard_normal((3, 4)))
    key = (slice(1, None), None, 2, Ellipsis)
    _vjp_check(ix.GETITEM, [x], (key,), [0])
    g = T(np.random.default_rng(2).standard_normal(x[key].shape))
    _vjp_check(ix.GETITEM_BACKWARD, [g], ((3, 4), key), [0])


def test_vjp_index_with_duplicates_and_its_backward() -> None:
    x = T(np.random.default_rng(1).standard_normal((3, 4)))
    indices = [None, tocha.tensor([[1, 1], [3, 0]])]
    _vjp_check(ix.INDEX, [x, indices], (), [0])
    _vjp_check(ix.INDEX, [x, [tocha.tensor([True, False, True])]], (), [0])
    g = T(np.random.default_rng(2).standard_normal((3, 2, 2)))
    _vjp_check(ix.INDEX_BACKWARD, [g, indices], ((3, 4),), [0])


def test_index_backward_accumulates_duplicates() -> None:
    g = tocha.ones(3, dtype=tocha.float64)
    out = tocha.library.call(ix.INDEX_BACKWARD, g.device, (g, [tocha.tensor([1, 1, 2])]), ((4,),))
    assert out.tolist() == [0.0, 2.0, 1.0, 0.0]


def test_vjp_setitem() -> None:
    rng = np.random.default_rng(3)
    x = T(rng.standard_normal((3, 4)))
    v = T(rng.standard_normal((4,)))
    _vjp_check(ix.SETITEM, [x, v], ((slice(0, 2), Ellipsis),), [0])
    _vjp_check(ix.SETITEM, [x, 2.0], ((0, Ellipsis),), [0])


def test_vjp_setitem_value_needs_reduction() -> None:
    if not hasattr(tocha.Tensor, "sum") or not hasattr(tocha.Tensor, "reshape"):
        pytest.skip("needs the reduction and shape ops")
    rng = np.random.default_rng(3)
    x = T(rng.standard_normal((3, 4)))
    _vjp_check(ix.SETITEM, [x, T(rng.standard_normal((4,)))], ((slice(0, 2), Ellipsis),), [1])
    _vjp_check(ix.SETITEM, [x, T(rng.standard_normal((1, 1, 4)))], ((0, Ellipsis),), [1])


def test_vjp_index_put() -> None:
    rng = np.random.default_rng(4)
    x = T(rng.standard_normal((3, 4)))
    idx = [tocha.tensor([0, 2]), tocha.tensor([1, 3])]
    v = T(rng.standard_normal((2,)))
    for accumulate in (False, True):
        _vjp_check(ix.INDEX_PUT, [x, idx, v], (accumulate,), [0, 2])
    dup = [tocha.tensor([0, 0])]
    v2 = T(rng.standard_normal((2, 4)))
    _vjp_check(ix.INDEX_PUT, [x, dup, v2], (True,), [0, 2])


# ------------------------------------------------------------------ op records


def test_records_are_registered_with_test_metadata() -> None:
    for name in ("getitem", "getitem_backward", "index", "index_backward", "setitem", "index_put"):
        record = tocha.library.get_op(name)
        assert record.vjp is not None
        assert record.test is not None
    assert tocha.library.get_op("getitem").view is True
    assert tocha.library.get_op("setitem").supports_out


# ------------------------------------------------------------------ masked_fill / masked_select / index_select / take / nonzero


def test_masked_fill() -> None:
    a = np.arange(6).reshape(2, 3)
    m = np.array([True, False, True])
    got = tocha.masked_fill(T(a), T(m), 2.7)  # truncated into int64, like PyTorch
    np.testing.assert_array_equal(got.numpy(), np.where(m, 2, a))
    assert got.dtype is tocha.int64
    got = T(a.astype(np.float32)).masked_fill(T(m), tocha.tensor(2))
    assert got.dtype is tocha.float32
    np.testing.assert_array_equal(got.numpy(), np.where(m, 2, a))
    # out of place broadcasts input too
    assert T(a[0]).masked_fill(tocha.ones(2, 3, dtype=tocha.bool), 1).shape == (2, 3)
    x = T(a.astype(np.float64))
    before = x._version_counter
    assert x.masked_fill_(T(m), -1.0) is x
    np.testing.assert_array_equal(x.numpy(), np.where(m, -1, a))
    assert x._version_counter == before + 1


def test_masked_fill_errors_match_torch() -> None:
    torch = pytest.importorskip("torch")
    x = np.arange(6).reshape(2, 3)
    m = np.array([True, False, True])
    cases = [
        (lambda mod, t, mm: t.masked_fill(mm.long(), 2), RuntimeError, "only supports boolean masks"),
        (
            lambda mod, t, mm: t.masked_fill(mm, mod.tensor([1])),
            RuntimeError,
            "only supports a 0-dimensional value tensor, but got tensor with 1 dimension(s).",
        ),
        (
            lambda mod, t, mm: t[0].clone().masked_fill_(mod.ones(2, 3, dtype=mod.bool), 1),
            RuntimeError,
            "doesn't match the broadcast shape [2, 3]",
        ),
    ]
    for fn, exc, message in cases:
        with pytest.raises(exc) as ours:
            fn(tocha, T(x), T(m))
        with pytest.raises(exc):
            fn(torch, torch.from_numpy(x), torch.from_numpy(m))
        assert message in str(ours.value)


def test_masked_select() -> None:
    a = np.arange(6).reshape(2, 3)
    m = np.array([True, False, True])
    np.testing.assert_array_equal(tocha.masked_select(T(a), T(m)).numpy(), a[:, m].reshape(-1))
    np.testing.assert_array_equal(T(a[0]).masked_select(T(np.ones((2, 3), bool))).numpy(), np.tile(a[0], 2))
    with pytest.raises(RuntimeError, match="masked_select: expected BoolTensor for mask"):
        T(a).masked_select(T(m.astype(np.int64)))


def test_index_select() -> None:
    a = np.arange(6).reshape(2, 3)
    np.testing.assert_array_equal(tocha.index_select(T(a), 1, tocha.tensor([2, 0])).numpy(), a[:, [2, 0]])
    np.testing.assert_array_equal(T(a).index_select(-2, tocha.tensor([1], dtype=tocha.int32)).numpy(), a[[1]])
    np.testing.assert_array_equal(T(a).index_select(1, tocha.tensor(2)).numpy(), a[:, [2]])
    assert tocha.index_select(tocha.tensor(5), 0, tocha.tensor([0])).shape == ()
    with pytest.raises(IndexError, match="Index is supposed to be a vector"):
        T(a).index_select(1, tocha.tensor([[2, 0]]))
    with pytest.raises(RuntimeError, match="Expected dtype int32 or int64 for index"):
        T(a).index_select(1, tocha.tensor([2.0]))
    with pytest.raises(RuntimeError, match="INDICES element is out of DATA bounds, id=5 axis_dim=3"):
        T(a).index_select(1, tocha.tensor([5]))
    with pytest.raises(RuntimeError, match="id=-1 axis_dim=3"):
        T(a).index_select(1, tocha.tensor([-1]))
    with pytest.raises(IndexError, match="Dimension out of range"):
        T(a).index_select(3, tocha.tensor([1]))


def test_take() -> None:
    a = np.arange(6).reshape(2, 3)
    idx = np.array([[0, -1], [5, 1]])
    np.testing.assert_array_equal(tocha.take(T(a), T(idx)).numpy(), np.take(a, idx))
    np.testing.assert_array_equal(T(a.T).take(T(idx)).numpy(), np.take(a.T, idx))  # non-contiguous: logical order
    with pytest.raises(IndexError, match=r"out of range: tried to access index 6 on a tensor of 6 elements\."):
        T(a).take(tocha.tensor([6]))
    with pytest.raises(IndexError, match="index -7"):
        T(a).take(tocha.tensor([-7]))
    with pytest.raises(RuntimeError, match="take\\(\\): Expected a long tensor for index, but got Int"):
        T(a).take(tocha.tensor([1], dtype=tocha.int32))


def test_nonzero() -> None:
    a = np.array([[0, 1, 2], [3, 0, 0]])
    got = tocha.nonzero(T(a))
    np.testing.assert_array_equal(got.numpy(), np.argwhere(a))
    assert got.dtype is tocha.int64
    rows, cols = T(a).nonzero(as_tuple=True)
    np.testing.assert_array_equal(rows.numpy(), np.nonzero(a)[0])
    np.testing.assert_array_equal(cols.numpy(), np.nonzero(a)[1])
    assert tocha.nonzero(tocha.tensor(5)).shape == (1, 0)
    assert [t.tolist() for t in tocha.nonzero(tocha.tensor(5), as_tuple=True)] == [[0]]
    assert [t.tolist() for t in tocha.nonzero(tocha.tensor(0.0), as_tuple=True)] == [[]]


def test_index_ops_match_torch() -> None:
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(5).standard_normal((3, 4))
    m = a > 0
    ta, tm = torch.from_numpy(a), torch.from_numpy(m)
    np.testing.assert_array_equal(T(a).masked_fill(T(m), 0.5).numpy(), ta.masked_fill(tm, 0.5).numpy())
    np.testing.assert_array_equal(T(a).masked_select(T(m)).numpy(), ta.masked_select(tm).numpy())
    np.testing.assert_array_equal(
        T(a).index_select(0, tocha.tensor([2, 2, 0])).numpy(), ta.index_select(0, torch.tensor([2, 2, 0])).numpy()
    )
    np.testing.assert_array_equal(
        T(a).take(tocha.tensor([[11, -12]])).numpy(), ta.take(torch.tensor([[11, -12]])).numpy()
    )
    np.testing.assert_array_equal(T(a).nonzero().numpy(), ta.nonzero().numpy())


def test_vjp_index_ops() -> None:
    from tocha._ops import indexing_select as sel

    rng = np.random.default_rng(6)
    x = T(rng.standard_normal((3, 4)))
    m = tocha.from_numpy(rng.standard_normal((4,)) > 0)
    _vjp_check(sel.MASKED_FILL, [x, m, 0.5], (), [0])
    _vjp_check(sel.MASKED_SELECT, [x, tocha.from_numpy(rng.standard_normal((3, 4)) > 0)], (), [0])
    idx = tocha.tensor([[0, 11], [-1, 0]])
    _vjp_check(sel.TAKE, [x, idx], (), [0])
    _vjp_check(sel.TAKE_BACKWARD, [T(rng.standard_normal((2, 2))), idx], ((3, 4),), [0])


def test_vjp_index_ops_needing_reductions() -> None:
    if not hasattr(tocha.Tensor, "sum") or not hasattr(tocha.Tensor, "reshape"):
        pytest.skip("needs the reduction and shape ops")
    from tocha._ops import indexing_select as sel

    rng = np.random.default_rng(7)
    x = T(rng.standard_normal((3, 4)))
    m = tocha.from_numpy(rng.standard_normal((4,)) > 0)
    _vjp_check(sel.MASKED_FILL, [x, m, T(np.array(0.5))], (), [0, 2])
    _vjp_check(
        sel.MASKED_SELECT, [T(rng.standard_normal((4,))), tocha.from_numpy(rng.standard_normal((3, 4)) > 0)], (), [0]
    )


# ------------------------------------------------------------------ random keys against PyTorch


def _random_key(rng: Any, shape: tuple[int, ...]) -> tuple[Any, ...]:
    items: list[Any] = []
    dim = 0
    for _ in range(rng.integers(1, 4)):
        if dim >= len(shape):
            break
        size = shape[dim]
        kind = rng.integers(8)
        if kind == 0:
            items.append(int(rng.integers(-size, size)))
        elif kind == 1:
            items.append(slice(rng.choice([None, 0, 1, -2]), rng.choice([None, 2, -1, 10]), rng.choice([None, 1, 2])))
        elif kind == 2:
            items.append(None)
            continue
        elif kind == 3:
            items.append(bool(rng.integers(2)))
            continue
        elif kind == 4:
            items.append(rng.integers(-size, size, size=rng.integers(1, 4)))
        elif kind == 5:
            items.append(np.array([[rng.integers(size)], [0]]))
        elif kind == 6:
            items.append(rng.random(size) < 0.5)
        else:
            items.append(slice(None))
        dim += 1
    if rng.random() < 0.3:
        items.insert(int(rng.integers(len(items) + 1)), Ellipsis)
    return tuple(items)


def test_random_keys_match_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a = np.arange(60.0).reshape(3, 4, 5)
    for _ in range(400):
        key = _random_key(rng, a.shape)
        ours_key = tuple(tocha.from_numpy(k) if isinstance(k, np.ndarray) else k for k in key)
        theirs_key = tuple(torch.from_numpy(k) if isinstance(k, np.ndarray) else k for k in key)
        failure: Exception | None = None
        try:
            expected = torch.from_numpy(a)[theirs_key].numpy()
        except (IndexError, RuntimeError) as error:
            failure = error
        if failure is not None:
            with pytest.raises(type(failure)) as ours:
                T(a)[ours_key]
            assert str(ours.value) == str(failure), key
            continue
        got = T(a)[ours_key]
        assert got.shape == expected.shape, key
        np.testing.assert_array_equal(got.numpy(), expected)
        value = rng.standard_normal(expected.shape)
        x, t = T(a.copy()), torch.from_numpy(a.copy())
        x[ours_key] = T(value)
        t[theirs_key] = torch.from_numpy(value)
        np.testing.assert_array_equal(x.numpy(), t.numpy())
