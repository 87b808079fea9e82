"""PyTorch names tocha lacked (second sweep): layouts, tensor predicates, resize_/new/empty_strided & co.

NumPy checks run everywhere; PyTorch comparisons (``torch = pytest.importorskip("torch")``) sit in their own
test functions; gradient checks are marked ``autograd`` (skipped where tocha-autograd is not installed).
"""

from __future__ import annotations

import copy
import pickle
import random
import warnings

import numpy as np
import pytest

import tocha

LAYOUTS = ("strided", "sparse_coo", "sparse_csr", "sparse_csc", "sparse_bsr", "sparse_bsc", "jagged")


# ------------------------------------------------------------------ layouts


def test_layout_objects():
    for name in LAYOUTS:
        lay = getattr(tocha, name)
        assert isinstance(lay, tocha.layout)
        assert repr(lay) == str(lay) == f"tocha.{name}"
        assert pickle.loads(pickle.dumps(lay)) is lay
        assert copy.deepcopy(lay) is lay
    assert tocha.strided == tocha.strided
    assert tocha.strided != tocha.sparse_coo
    assert repr(tocha.layout) == "<class 'tocha.layout'>"
    with pytest.raises(TypeError, match=r"cannot create 'tocha\.layout' instances"):
        tocha.layout()


def test_tensor_layout_attribute():
    assert tocha.zeros(2, 3).layout is tocha.strided
    assert tocha.zeros(2, 3).t().layout is tocha.strided
    assert tocha.tensor(1.0).layout is tocha.strided


FACTORIES = {
    "zeros": lambda **kw: tocha.zeros(2, 3, **kw),
    "ones": lambda **kw: tocha.ones(2, **kw),
    "full": lambda **kw: tocha.full((2,), 1.5, **kw),
    "empty": lambda **kw: tocha.empty(2, **kw),
    "zeros_like": lambda **kw: tocha.zeros_like(tocha.ones(2), **kw),
    "ones_like": lambda **kw: tocha.ones_like(tocha.ones(2), **kw),
    "full_like": lambda **kw: tocha.full_like(tocha.ones(2), 3, **kw),
    "empty_like": lambda **kw: tocha.empty_like(tocha.ones(2), **kw),
    "scalar_tensor": lambda **kw: tocha.scalar_tensor(2, **kw),
    "arange": lambda **kw: tocha.arange(4, **kw),
    "linspace": lambda **kw: tocha.linspace(0, 1, 3, **kw),
    "logspace": lambda **kw: tocha.logspace(0, 1, 3, **kw),
    "eye": lambda **kw: tocha.eye(2, **kw),
    "empty_strided": lambda **kw: tocha.empty_strided((2, 2), (2, 1), **kw),
    "hann_window": lambda **kw: tocha.hann_window(4, **kw),
    "hamming_window": lambda **kw: tocha.hamming_window(4, **kw),
    "blackman_window": lambda **kw: tocha.blackman_window(4, **kw),
    "bartlett_window": lambda **kw: tocha.bartlett_window(4, **kw),
    "kaiser_window": lambda **kw: tocha.kaiser_window(4, **kw),
    "rand": lambda **kw: tocha.rand(2, **kw),
    "randn": lambda **kw: tocha.randn(2, **kw),
    "randint": lambda **kw: tocha.randint(0, 5, (2,), **kw),
    "randperm": lambda **kw: tocha.randperm(4, **kw),
    "rand_like": lambda **kw: tocha.rand_like(tocha.ones(2), **kw),
    "randn_like": lambda **kw: tocha.randn_like(tocha.ones(2), **kw),
    "randint_like": lambda **kw: tocha.randint_like(tocha.ones(2), 5, **kw),
    "tril_indices": lambda **kw: tocha.tril_indices(3, 3, **kw),
    "triu_indices": lambda **kw: tocha.triu_indices(3, 3, **kw),
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_factory_layout_argument(name):
    make = FACTORIES[name]
    expected = make()
    for lay in (None, tocha.strided):
        got = make(layout=lay)
        assert got.layout is tocha.strided
        assert got.shape == expected.shape
        assert got.dtype == expected.dtype
    with pytest.raises(NotImplementedError, match=rf"{name}\(\): layout=tocha.sparse_coo is not supported"):
        make(layout=tocha.sparse_coo)
    with pytest.raises(NotImplementedError, match=r"tocha\.jagged"):
        make(layout=tocha.jagged)
    with pytest.raises(TypeError, match=rf"{name}\(\): argument 'layout' must be tocha.layout, not int"):
        make(layout=3)


def test_new_methods_layout_argument():
    x = tocha.zeros(2, dtype=tocha.int32)
    assert x.new_zeros(3, layout=tocha.strided).dtype == tocha.int32
    assert x.new_ones((2,), layout=None).tolist() == [1, 1]
    assert x.new_full((2,), 4, layout=tocha.strided).tolist() == [4, 4]
    assert x.new_empty(2, layout=tocha.strided).shape == (2,)
    with pytest.raises(NotImplementedError, match="sparse_csr"):
        x.new_zeros(3, layout=tocha.sparse_csr)


def test_layouts_vs_torch():
    torch = pytest.importorskip("torch")
    for name in LAYOUTS:
        assert repr(getattr(tocha, name)) == repr(getattr(torch, name)).replace("torch", "tocha")
    assert repr(tocha._mkldnn) == "tocha._mkldnn"


# ------------------------------------------------------------------ predicates


PREDICATES = (
    "is_sparse",
    "is_sparse_csr",
    "is_quantized",
    "is_meta",
    "is_nested",
    "is_mkldnn",
    "is_mps",
    "is_xpu",
    "is_xla",
    "is_ipu",
    "is_vulkan",
    "is_maia",
    "is_mtia",
)


def test_predicates_false_on_cpu():
    x = tocha.zeros(2, 3)
    for name in PREDICATES:
        assert getattr(x, name) is False, name


def test_predicates_vs_torch():
    torch = pytest.importorskip("torch")
    for name in PREDICATES:
        assert getattr(tocha.zeros(2), name) == getattr(torch.zeros(2), name), name


def test_const_data_ptr():
    x = tocha.arange(6.0)
    assert x.const_data_ptr() == x.data_ptr()
    assert x[2:].const_data_ptr() - x.const_data_ptr() == 8


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: tocha.empty(2, 3, 5, 7), (0, 1, 2, 3)),
        (lambda: tocha.empty(2, 3, 5, 7).transpose(1, 2), (0, 2, 1, 3)),
        (lambda: tocha.empty(2, 5, 7, 3).permute(0, 3, 1, 2), (0, 2, 3, 1)),
        (lambda: tocha.empty(1, 2, 3, 4), (0, 1, 2, 3)),
        (lambda: tocha.tensor(1.0), ()),
        (lambda: tocha.empty(4), (0,)),
        (lambda: tocha.empty(3, 4).t(), (1, 0)),
        (lambda: tocha.empty(0, 3), (0, 1)),
    ],
)
def test_dim_order(make, expected):
    assert make().dim_order() == expected


def test_dim_order_ambiguity_check():
    assert tocha.empty(2, 3, 5, 7).dim_order(ambiguity_check=True) == (0, 1, 2, 3)
    with pytest.raises(RuntimeError, match="does not have unique dim order"):
        tocha.empty(1, 2, 3, 4).dim_order(ambiguity_check=True)
    with pytest.raises(TypeError, match="must be a bool or a list of memory formats"):
        tocha.empty(2).dim_order(ambiguity_check="ILLEGAL")


def test_dim_order_vs_torch_random_layouts():
    torch = pytest.importorskip("torch")
    rng = random.Random(0)
    for _ in range(400):
        ndim = rng.randint(0, 5)
        t = tocha.empty(*[rng.choice([1, 2, 3, 4]) for _ in range(ndim)])
        perm = list(range(ndim))
        rng.shuffle(perm)
        t = t.permute(tuple(perm))
        if ndim and rng.random() < 0.4:
            d = rng.randrange(ndim)
            t = t.narrow(d, 0, 1)
        if ndim and rng.random() < 0.3:
            key = [slice(None)] * ndim
            key[rng.randrange(ndim)] = slice(None, None, 2)
            t = t[tuple(key)]
        if ndim and rng.random() < 0.3:
            d = rng.randrange(ndim + 1)
            t = t.unsqueeze(d).expand(*[3 if i == d else -1 for i in range(ndim + 1)])
        ref = torch.empty_strided(tuple(t.shape), t.stride())
        assert t.dim_order() == ref.dim_order(), (t.shape, t.stride())
        outcomes = []
        for x in (t, ref):
            try:
                outcomes.append(x.dim_order(ambiguity_check=True))
            except RuntimeError:
                outcomes.append("ambiguous")
        assert outcomes[0] == outcomes[1], (t.shape, t.stride())


# ------------------------------------------------------------------ resize_, new, empty_strided


def test_resize_shrink_keeps_memory():
    x = tocha.arange(6.0)
    version = x._version_counter
    assert x.resize_(2, 2) is x
    assert x.tolist() == [[0.0, 1.0], [2.0, 3.0]]
    assert x._version_counter == version + 1
    y = tocha.arange(6.0)
    ptr = y.data_ptr()
    y.resize_((4,))
    assert y.data_ptr() == ptr
    assert y.is_contiguous()


def test_resize_grow_keeps_prefix():
    x = tocha.arange(6.0)
    x.resize_(3, 3)
    assert x.shape == (3, 3)
    np.testing.assert_array_equal(np.asarray(x).reshape(-1)[:6], np.arange(6.0))


def test_resize_same_shape_is_a_no_op_keeping_strides():
    x = tocha.arange(6.0).reshape(2, 3).t()
    x.resize_(3, 2)
    assert x.stride() == (1, 3)


def test_resize_uses_memory_order():
    x = tocha.arange(6.0).reshape(2, 3).t()
    x.resize_(2, 3)
    assert x.stride() == (3, 1)
    assert x.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]


def test_resize_view_inside_base():
    base = tocha.arange(10.0)
    v = base[1:4]
    v.resize_(5)
    assert v.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    v[0] = 100.0
    assert base[1].item() == 100.0


def test_resize_errors():
    with pytest.raises(RuntimeError, match="cannot grow a view of another tensor's storage from \\[3\\] to \\[20\\]"):
        tocha.arange(10.0)[1:4].resize_(20)
    with pytest.raises(RuntimeError, match=r"not dense in memory \(size \[5\], stride \[2\]\)"):
        tocha.arange(10.0)[::2].resize_(2)
    with pytest.raises(RuntimeError, match="resize_\\(\\): Trying to create tensor with negative dimension -1"):
        tocha.zeros(3).resize_(-1)
    with pytest.raises(TypeError, match="resize_as_"):
        tocha.zeros(3).resize_as_([1, 2])


def test_resize_as_and_size_forms():
    x = tocha.zeros(3)
    assert x.resize_((2, 2)).shape == (2, 2)
    assert x.resize_as_(tocha.zeros(1, 5)).shape == (1, 5)
    assert x.resize_([]).shape == ()
    assert x.resize_(tocha.Size([2])).shape == (2,)


@pytest.mark.autograd
def test_resize_requires_grad_raises():
    x = tocha.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
        x.resize_(2)
    with pytest.raises(RuntimeError, match="Can't call apply_\\(\\) on Variable that requires grad"):
        x.apply_(lambda v: v)


def test_resize_vs_torch():
    torch = pytest.importorskip("torch")
    for shape, new in [((6,), (2, 2)), ((2, 3), (3,)), ((2, 3), (6,)), ((4,), (2, 2))]:
        t = torch.arange(float(np.prod(shape))).reshape(shape)
        x = tocha.arange(float(np.prod(shape))).reshape(shape)
        np.testing.assert_array_equal(np.asarray(x.resize_(new)), t.resize_(new).numpy())
    t = torch.arange(6.0).reshape(2, 3).t()
    x = tocha.arange(6.0).reshape(2, 3).t()
    np.testing.assert_array_equal(np.asarray(x.resize_(3, 2)), t.resize_(3, 2).numpy())
    np.testing.assert_array_equal(np.asarray(x.resize_(6)), t.resize_(6).numpy())


def test_new_legacy_constructor():
    x = tocha.zeros(1, dtype=tocha.int32)
    assert x.new(2, 3).shape == (2, 3)
    assert x.new(2, 3).dtype == tocha.int32
    assert x.new([1, 2]).tolist() == [1, 2]
    assert x.new([1, 2]).dtype == tocha.int32
    assert x.new((1, 2)).tolist() == [1, 2]
    assert x.new([1.7]).tolist() == [1]
    assert x.new().shape == (0,)
    assert x.new().dtype == tocha.int32
    assert x.new(tocha.Size([2, 1])).shape == (2, 1)
    assert x.new(2, device="cpu").device == tocha.device("cpu")
    other = tocha.ones(3, dtype=tocha.int32)
    alias = x.new(other)
    assert alias.data_ptr() == other.data_ptr()
    with pytest.raises(TypeError, match=r"new\(\): expected a tensor of dtype tocha\.int32"):
        x.new(tocha.ones(2))
    with pytest.raises(TypeError, match="dtype"):
        x.new(2, dtype=tocha.float32)
    with pytest.raises(TypeError, match="new\\(\\): data must be a sequence \\(got float\\)"):
        x.new(2.5)
    with pytest.raises(TypeError, match="new\\(\\): invalid data type 'str'"):
        x.new("ab")
    with pytest.raises(TypeError, match="new\\(\\): argument 'size' must be tuple of ints"):
        x.new(2, 3.0)


def test_new_vs_torch():
    torch = pytest.importorskip("torch")
    for args in [(2, 3), ([1, 2],), ((1, 2),), ()]:
        a = tocha.zeros(1, dtype=tocha.int16).new(*args)
        b = torch.zeros(1, dtype=torch.int16).new(*args)
        assert tuple(a.shape) == tuple(b.shape)
        assert str(a.dtype) == str(b.dtype).replace("torch", "tocha")


def test_empty_strided():
    x = tocha.empty_strided((2, 3), (1, 2))
    assert x.shape == (2, 3)
    assert x.stride() == (1, 2)
    assert x.dtype == tocha.float32
    assert x.storage_offset() == 0
    x.copy_(tocha.arange(6.0).reshape(2, 3))
    assert x.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert tocha.empty_strided((2, 3), (3, 1), dtype=tocha.int64).is_contiguous()
    assert tocha.empty_strided((2, 3), (0, 0)).stride() == (0, 0)
    assert tocha.empty_strided((0, 3), (1, 1)).numel() == 0
    assert tocha.empty_strided((), ()).shape == ()
    y = tocha.zeros(1, dtype=tocha.int8).new_empty_strided((2, 2), (1, 2))
    assert y.dtype == tocha.int8
    assert y.stride() == (1, 2)
    with pytest.raises(RuntimeError, match=r"dimensionality of sizes \(2\) must match dimensionality of strides \(1\)"):
        tocha.empty_strided((2, 3), (1,))
    with pytest.raises(RuntimeError, match=r"sizes=\[2, 3\] and strides=\[1, -1\]"):
        tocha.empty_strided((2, 3), (1, -1))
    with pytest.raises(TypeError, match="argument 'stride' must be tuple of ints"):
        tocha.empty_strided((2, 3), 1)


def test_empty_strided_vs_torch():
    torch = pytest.importorskip("torch")
    for size, stride in [((2, 3), (1, 2)), ((2, 3), (3, 1)), ((4,), (2,)), ((2, 2, 2), (0, 2, 1))]:
        assert tocha.empty_strided(size, stride).stride() == torch.empty_strided(size, stride).stride()


def test_narrow_copy():
    a = tocha.arange(10).reshape(2, 5)
    n = a.narrow_copy(1, 1, 2)
    assert n.tolist() == [[1, 2], [6, 7]]
    assert n.is_contiguous()
    rows = tocha.narrow_copy(a, 0, 1, 1)
    rows[0, 0] = 99
    assert a[1, 0].item() == 5  # a copy, not a view
    with pytest.raises(RuntimeError, match=r"start \(4\) \+ length \(3\) exceeds dimension size \(5\)"):
        a.narrow_copy(1, 4, 3)


def test_narrow_copy_vs_torch():
    torch = pytest.importorskip("torch")
    a = np.arange(24.0).reshape(2, 3, 4)
    for dim, start, length in [(0, 1, 1), (1, 0, 2), (2, -3, 2), (-1, 1, 3)]:
        got = tocha.from_numpy(a).narrow_copy(dim, start, length)
        np.testing.assert_array_equal(np.asarray(got), torch.from_numpy(a).narrow_copy(dim, start, length).numpy())


@pytest.mark.autograd
def test_narrow_copy_grad():
    from tocha.autograd import gradcheck

    x = tocha.randn(3, 4, dtype=tocha.float64, requires_grad=True)
    assert gradcheck(lambda t: t.narrow_copy(1, 1, 2), (x,))


def test_unsafe_split_with_sizes():
    pieces = tocha.unsafe_split_with_sizes(tocha.arange(5), [2, 3])
    assert [p.tolist() for p in pieces] == [[0, 1], [2, 3, 4]]
    assert [p.shape for p in tocha.arange(6).reshape(2, 3).unsafe_split_with_sizes([1, 2], dim=1)] == [(2, 1), (2, 2)]
    with pytest.raises(RuntimeError, match="split_with_sizes"):
        tocha.unsafe_split_with_sizes(tocha.arange(5), [2, 2])


def test_apply_and_map():
    b = tocha.arange(4.0)
    assert b.apply_(lambda v: v * 2) is b
    assert b.tolist() == [0.0, 2.0, 4.0, 6.0]
    assert tocha.arange(4).apply_(lambda v: v * 2.5).tolist() == [0, 2, 5, 7]
    assert tocha.zeros(2, dtype=tocha.bool).apply_(lambda v: 1).tolist() == [True, True]
    assert tocha.tensor(2.0).apply_(lambda v: v + 1).item() == 3.0
    t = tocha.zeros(3, 4).t()
    t.apply_(lambda v: 1.0)
    assert t.sum().item() == 12.0
    d = tocha.ones(2, 2)
    d.map_(tocha.arange(2.0), lambda a, b: a + b)
    assert d.tolist() == [[1.0, 2.0], [1.0, 2.0]]
    with pytest.raises(RuntimeError, match="expand"):
        tocha.ones(2).map_(tocha.ones(2, 2), lambda a, b: a)
    with pytest.raises(TypeError, match=r"map_: expected tocha\.FloatTensor for 'other' \(got tocha\.LongTensor\)"):
        tocha.ones(2).map_(tocha.ones(2, dtype=tocha.int64), lambda a, b: a)
    with pytest.raises(TypeError, match="must be real number, not str"):
        tocha.zeros(2).apply_(lambda v: "a")


def test_apply_and_map_vs_torch():
    torch = pytest.importorskip("torch")
    for dtype in ("float32", "int64", "float64"):
        a = tocha.arange(6, dtype=getattr(tocha, dtype)).reshape(2, 3)
        b = torch.arange(6, dtype=getattr(torch, dtype)).reshape(2, 3)
        np.testing.assert_array_equal(np.asarray(a.apply_(lambda v: v * 1.5 - 1)), b.apply_(lambda v: v * 1.5 - 1))
        np.testing.assert_array_equal(
            np.asarray(a.map_(a.t().t(), lambda x, y: x * y)), b.map_(b.t().t(), lambda x, y: x * y)
        )


# ------------------------------------------------------------------ stft / istft


def _np_stft(x, n_fft, hop, window, center=True):
    """A direct NumPy STFT (reflect padding, one-sided) for a 1-D real signal."""
    if center:
        x = np.pad(x, n_fft // 2, mode="reflect")
    n_frames = 1 + (len(x) - n_fft) // hop
    frames = np.stack([x[m * hop : m * hop + n_fft] * window for m in range(n_frames)])
    return np.fft.rfft(frames, axis=-1).T


@pytest.mark.parametrize(("n_fft", "hop", "length"), [(8, 2, 20), (16, 4, 64), (5, 1, 9), (4, 4, 4)])
def test_stft_vs_numpy(n_fft, hop, length):
    x = np.random.default_rng(0).standard_normal(length)
    window = np.hanning(n_fft + 1)[:-1]
    got = tocha.stft(tocha.from_numpy(x), n_fft, hop, window=tocha.from_numpy(window), return_complex=True)
    assert got.dtype == tocha.complex128
    np.testing.assert_allclose(np.asarray(got), _np_stft(x, n_fft, hop, window), atol=1e-12)


def test_stft_shapes_and_options():
    x = tocha.randn(2, 30)
    w = tocha.hann_window(8)
    assert tocha.stft(x, 8, window=w, return_complex=True).shape == (2, 5, 16)
    assert x.stft(8, window=w, return_complex=True, onesided=False).shape == (2, 8, 16)
    assert tocha.stft(x[0], 8, hop_length=3, win_length=6, window=tocha.ones(6), return_complex=True).shape == (5, 11)
    assert tocha.stft(x[0], 8, window=w, center=False, return_complex=True).shape == (5, 12)
    with pytest.warns(UserWarning, match="return_complex=False is deprecated"):
        real = tocha.stft(x[0], 8, window=w, return_complex=False)
    assert real.shape == (5, 16, 2)
    assert real.dtype == tocha.float32
    with pytest.warns(UserWarning, match="A window was not provided"):
        assert tocha.stft(x[0], 8, return_complex=True).shape == (5, 16)
    complex_signal = tocha.randn(30, dtype=tocha.complex64)
    assert tocha.stft(complex_signal, 8, window=w).shape == (8, 16)  # two-sided, return_complex not needed


def test_stft_pad_modes():
    x = np.arange(10.0)
    w = np.ones(4)
    for mode, np_mode in [
        ("reflect", "reflect"),
        ("constant", "constant"),
        ("replicate", "edge"),
        ("circular", "wrap"),
    ]:
        got = tocha.stft(tocha.from_numpy(x), 4, 1, window=tocha.from_numpy(w), pad_mode=mode, return_complex=True)
        ref = _np_stft(np.pad(x, 2, mode=np_mode), 4, 1, w, center=False)
        np.testing.assert_allclose(np.asarray(got), ref, atol=1e-12)


def test_stft_errors():
    x = tocha.randn(20)
    w = tocha.hann_window(8)
    with pytest.raises(RuntimeError, match="stft requires the return_complex parameter be given for real inputs"):
        tocha.stft(x, 8, window=w)
    with pytest.raises(
        RuntimeError, match=r"expected a 1D window tensor of size equal to win_length=8, but got .*\[5\]"
    ):
        tocha.stft(x, 8, window=tocha.ones(5), return_complex=True)
    with pytest.raises(RuntimeError, match=r"input of size \[20\].*expected 0 < n_fft <= 20"):
        tocha.stft(x, 30, window=tocha.ones(30), center=False, return_complex=True)
    with pytest.raises(RuntimeError, match="expected a 1D or 2D tensor"):
        tocha.stft(tocha.randn(2, 2, 20), 8, window=w, return_complex=True)
    with pytest.raises(RuntimeError, match="expected hop_length > 0"):
        tocha.stft(x, 8, hop_length=0, window=w, return_complex=True)
    with pytest.raises(RuntimeError, match="expected 0 < win_length <= n_fft, but got win_length=9"):
        tocha.stft(x, 8, win_length=9, window=tocha.ones(9), return_complex=True)
    with pytest.raises(NotImplementedError, match="unrecognised padding mode bogus"):
        tocha.stft(x, 8, window=w, pad_mode="bogus", return_complex=True)
    with pytest.raises(RuntimeError, match="Cannot have onesided output if window or input is complex"):
        tocha.stft(x, 8, window=tocha.ones(8, dtype=tocha.complex64), onesided=True, return_complex=True)
    with pytest.raises(RuntimeError, match="expected a tensor of floating point or complex values"):
        tocha.stft(tocha.arange(20), 8, window=w, return_complex=True)
    with pytest.raises(RuntimeError, match="padding size should be less than the corresponding input dimension"):
        tocha.stft(tocha.randn(3), 8, window=w, return_complex=True)


@pytest.mark.parametrize(("n_fft", "hop", "center"), [(8, 2, True), (16, 4, True), (6, 3, True), (8, 2, False)])
def test_istft_round_trip(n_fft, hop, center):
    x = tocha.from_numpy(np.random.default_rng(1).standard_normal((2, 40)))
    w = tocha.hann_window(n_fft, dtype=tocha.float64)
    if not center:
        w = w + 0.1  # a Hann window ends on zero, which the first frame cannot undo without centre padding
    spec = tocha.stft(x, n_fft, hop, window=w, center=center, return_complex=True)
    back = tocha.istft(spec, n_fft, hop, window=w, center=center, length=40)
    np.testing.assert_allclose(np.asarray(back), np.asarray(x), atol=1e-12)
    with pytest.warns(UserWarning, match="Result is being padded with zeros"):
        assert spec.istft(n_fft, hop, window=w, center=center, length=60).shape == (2, 60)


def test_istft_two_sided_and_complex():
    x = tocha.randn(24, dtype=tocha.complex128)
    w = tocha.hann_window(8, dtype=tocha.float64)
    spec = tocha.stft(x, 8, 2, window=w)
    back = tocha.istft(spec, 8, 2, window=w, length=24, return_complex=True)
    np.testing.assert_allclose(np.asarray(back), np.asarray(x), atol=1e-12)
    real = tocha.randn(24, dtype=tocha.float64)
    spec = tocha.stft(real, 8, 2, window=w, onesided=False, return_complex=True)
    np.testing.assert_allclose(np.asarray(tocha.istft(spec, 8, 2, window=w, length=24)), np.asarray(real), atol=1e-12)


def test_istft_errors():
    w = tocha.hann_window(8)
    spec = tocha.stft(tocha.randn(20), 8, window=w, return_complex=True)
    with pytest.raises(RuntimeError, match="istft requires a complex-valued input tensor"):
        tocha.istft(tocha.view_as_real(spec), 8, window=w)
    with pytest.raises(RuntimeError, match=r"match n_fft / 2 \+ 1 when onesided=True, but got 5"):
        tocha.istft(spec, 10, window=tocha.hann_window(10))
    with pytest.raises(RuntimeError, match="window overlap add min"):
        tocha.istft(spec, 8, window=w, center=False)
    with pytest.raises(RuntimeError, match="expected a complex tensor with 2 or 3 dimensions, but got 4"):
        tocha.istft(spec[None, None], 8, window=w)
    with pytest.raises(RuntimeError, match="Cannot have onesided output if window or input is complex"):
        tocha.istft(spec, 8, window=w, return_complex=True)


def test_stft_istft_vs_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for n_fft, hop, win, center, mode, normalized in [
        (8, 2, 8, True, "reflect", False),
        (16, 4, 12, True, "constant", True),
        (7, 3, 7, False, "reflect", False),
        (10, 2, 10, True, "replicate", False),
        (9, 3, 9, True, "circular", True),
    ]:
        x = rng.standard_normal((2, 37))
        w = rng.random(win) + 0.5
        kw = {"n_fft": n_fft, "hop_length": hop, "win_length": win, "center": center, "normalized": normalized}
        expected = torch.stft(torch.from_numpy(x), window=torch.from_numpy(w), pad_mode=mode, return_complex=True, **kw)
        got = tocha.stft(tocha.from_numpy(x), window=tocha.from_numpy(w), pad_mode=mode, return_complex=True, **kw)
        np.testing.assert_allclose(np.asarray(got), expected.numpy(), atol=1e-12)
        for length in (None, 30, 40):
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", "The length of signal is shorter", UserWarning)
                warnings.filterwarnings("ignore", "istft\\(\\): the length of signal is shorter", UserWarning)
                t_back = torch.istft(expected, window=torch.from_numpy(w), length=length, **kw)
                back = tocha.istft(got, window=tocha.from_numpy(w), length=length, **kw)
            np.testing.assert_allclose(np.asarray(back), t_back.numpy(), atol=1e-10)
    x32 = rng.standard_normal(50).astype(np.float32)
    got = tocha.stft(tocha.from_numpy(x32), 16, window=tocha.hann_window(16), return_complex=True)
    expected = torch.stft(torch.from_numpy(x32), 16, window=torch.hann_window(16), return_complex=True)
    assert got.dtype == tocha.complex64
    np.testing.assert_allclose(np.asarray(got), expected.numpy(), atol=1e-5)


@pytest.mark.autograd
def test_stft_istft_grad():
    from tocha.autograd import gradcheck

    w = tocha.hann_window(8, dtype=tocha.float64)
    x = tocha.randn(2, 20, dtype=tocha.float64, requires_grad=True)
    assert gradcheck(lambda v: tocha.view_as_real(tocha.stft(v, 8, 2, window=w, return_complex=True)), (x,))
    spec = tocha.stft(x.detach(), 8, 2, window=w, return_complex=True).requires_grad_()
    assert gradcheck(lambda s: tocha.istft(s, 8, 2, window=w, length=20), (spec,))
    win = tocha.rand(8, dtype=tocha.float64).add(0.5).requires_grad_()
    assert gradcheck(lambda v: tocha.view_as_real(tocha.stft(x.detach(), 8, 2, window=v, return_complex=True)), (win,))


# ------------------------------------------------------------------ lu / lu_solve / ldl / linalg.matmul


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return fn(*args, **kwargs)


def test_lu_deprecated_form():
    A = tocha.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=tocha.float64)
    with pytest.warns(UserWarning, match=r"tocha\.lu is deprecated in favor of tocha\.linalg\.lu_factor"):
        result = tocha.lu(A)
    assert type(result) is tuple
    assert len(result) == 2
    expected = tocha.linalg.lu_factor(A)
    np.testing.assert_array_equal(np.asarray(result[0]), np.asarray(expected.LU))
    np.testing.assert_array_equal(np.asarray(result[1]), np.asarray(expected.pivots))
    with_info = _quiet(tocha.lu, tocha.tensor([[1.0, 2.0], [2.0, 4.0]]), get_infos=True)
    assert with_info.info.item() == 2  # singular: no error, info says where
    assert repr(with_info).startswith("tocha.return_types._lu_with_info(")
    factors, pivots = _quiet(A.lu)
    b = tocha.tensor([[5.0], [11.0]], dtype=tocha.float64)
    with pytest.warns(UserWarning, match=r"tocha\.lu_solve is deprecated"):
        x = tocha.lu_solve(b, factors, pivots)
    np.testing.assert_allclose(np.asarray(x), [[1.0], [2.0]])
    np.testing.assert_allclose(np.asarray(_quiet(b.lu_solve, factors, pivots)), [[1.0], [2.0]])
    with pytest.raises(RuntimeError, match="Incompatible shapes of A and B"):
        _quiet(tocha.lu_solve, tocha.ones(3, 1, dtype=tocha.float64), factors, pivots)


def test_lu_vs_torch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(2).standard_normal((3, 4, 4))
    b = np.random.default_rng(3).standard_normal((3, 4, 2))
    t_lu, t_piv = _quiet(torch.lu, torch.from_numpy(a))
    g_lu, g_piv = _quiet(tocha.lu, tocha.from_numpy(a))
    np.testing.assert_allclose(np.asarray(g_lu), t_lu.numpy(), atol=1e-12)
    np.testing.assert_array_equal(np.asarray(g_piv), t_piv.numpy())
    expected = _quiet(torch.lu_solve, torch.from_numpy(b), t_lu, t_piv).numpy()
    np.testing.assert_allclose(np.asarray(_quiet(tocha.lu_solve, tocha.from_numpy(b), g_lu, g_piv)), expected)


@pytest.mark.autograd
def test_lu_solve_grad():
    from tocha.autograd import gradcheck

    a = tocha.randn(3, 3, dtype=tocha.float64) + 3 * tocha.eye(3, dtype=tocha.float64)
    factors, pivots = _quiet(tocha.lu, a)
    b = tocha.randn(3, 2, dtype=tocha.float64, requires_grad=True)
    assert gradcheck(lambda v: _quiet(tocha.lu_solve, v, factors, pivots), (b,))


def _ldl_reconstruct(ld, pivots, hermitian=False):
    """``P L D L^T P^T`` from LAPACK's packed lower LDL (the NOTE's convention), for one matrix."""
    n = ld.shape[0]
    t = (lambda m: m.conj().T) if hermitian else (lambda m: m.T)
    a = np.zeros_like(ld)
    k = n - 1
    # Rebuild from the last block upwards: A_k = P_k (L_k D_k L_k^T) P_k^T applied to the trailing matrix.
    blocks = []
    k = 0
    while k < n:
        step = 1 if pivots[k] > 0 else 2
        blocks.append((k, step, abs(pivots[k]) - 1))
        k += step
    for k, step, kp in reversed(blocks):
        d = ld[k : k + step, k : k + step].copy()
        if step == 2:
            d[0, 1] = np.conj(d[1, 0]) if hermitian else d[1, 0]
        low = ld[k + step :, k : k + step]
        trailing = a[k + step :, k + step :] + low @ d @ t(low)
        block = np.zeros((n - k, n - k), dtype=ld.dtype)
        block[:step, :step] = d
        block[step:, :step] = low @ d
        block[:step, step:] = t(low @ d)
        block[step:, step:] = trailing
        kk = k + step - 1
        if kp != kk:
            idx = np.arange(n - k)
            idx[[kk - k, kp - k]] = idx[[kp - k, kk - k]]
            block = block[np.ix_(idx, idx)]
        a[k:, k:] = block
    return a


@pytest.mark.parametrize("kind", ["real", "complex_symmetric", "hermitian"])
def test_ldl_factor_reconstructs(kind):
    rng = np.random.default_rng(4)
    for n in (1, 2, 3, 5, 8):
        a = rng.standard_normal((n, n))
        if kind != "real":
            a = a + 1j * rng.standard_normal((n, n))
        if n > 1:
            a[0, 0] = 0.0  # forces pivoting
        hermitian = kind == "hermitian"
        full = np.tril(a) + (np.tril(a, -1).conj().T if hermitian else np.tril(a, -1).T)
        if hermitian:
            full[np.diag_indices(n)] = full.diagonal().real
        ld, pivots, info = tocha.linalg.ldl_factor_ex(tocha.from_numpy(a), hermitian=hermitian)
        assert info.item() == 0
        assert pivots.dtype == tocha.int32
        np.testing.assert_allclose(_ldl_reconstruct(np.asarray(ld), np.asarray(pivots), hermitian), full, atol=1e-10)
        b = rng.standard_normal((n, 2))
        x = tocha.linalg.ldl_solve(ld, pivots, tocha.from_numpy(b.astype(a.dtype)), hermitian=hermitian)
        np.testing.assert_allclose(full @ np.asarray(x), b, atol=1e-9)


def test_ldl_batched_and_errors():
    a = np.random.default_rng(5).standard_normal((2, 3, 4, 4))
    a = a + np.swapaxes(a, -1, -2)
    ld, pivots = tocha.linalg.ldl_factor(tocha.from_numpy(a))
    assert ld.shape == (2, 3, 4, 4)
    assert pivots.shape == (2, 3, 4)
    b = np.random.default_rng(6).standard_normal((4, 1))
    x = tocha.linalg.ldl_solve(ld, pivots, tocha.from_numpy(b))  # B's batch broadcasts
    np.testing.assert_allclose(a @ np.asarray(x), np.broadcast_to(b, (2, 3, 4, 1)), atol=1e-9)
    zero = tocha.zeros(3, 3, dtype=tocha.float64)
    assert tocha.linalg.ldl_factor_ex(zero).info.item() == 1
    with pytest.raises(tocha.linalg.LinAlgError, match=r"D\[1,1\] is zero"):
        tocha.linalg.ldl_factor(zero)
    with pytest.raises(RuntimeError, match="A must be batches of square matrices, but they are 2 by 3 matrices"):
        tocha.linalg.ldl_factor(tocha.randn(2, 3))
    with pytest.raises(RuntimeError, match=r"Expected a floating point or complex tensor as input\. Got Long"):
        tocha.linalg.ldl_factor(tocha.ones(2, 2, dtype=tocha.int64))
    ld2, piv2 = tocha.linalg.ldl_factor(tocha.eye(2, dtype=tocha.float64))
    with pytest.raises(RuntimeError, match="Expected pivots to be integers"):
        tocha.linalg.ldl_solve(ld2, piv2.long(), tocha.ones(2, 1, dtype=tocha.float64))
    with pytest.raises(RuntimeError, match="Expected LD and B to have the same dtype"):
        tocha.linalg.ldl_solve(ld2, piv2, tocha.ones(2, 1))
    with pytest.raises(RuntimeError, match=r"Incompatible shapes of A and B for the equation AX = B \(2x2 and 3x1\)"):
        tocha.linalg.ldl_solve(ld2, piv2, tocha.ones(3, 1, dtype=tocha.float64))


def test_ldl_vs_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    for trial in range(60):
        n = int(rng.integers(1, 8))
        kind = ("real", "complex_symmetric", "hermitian")[trial % 3]
        a = rng.standard_normal((2, n, n))
        if kind != "real":
            a = a + 1j * rng.standard_normal(a.shape)
        if trial % 4 == 0 and n > 1:
            a[..., 0, 0] = 0.0
        hermitian = kind == "hermitian"
        expected = torch.linalg.ldl_factor_ex(torch.from_numpy(a), hermitian=hermitian)
        got = tocha.linalg.ldl_factor_ex(tocha.from_numpy(a), hermitian=hermitian)
        np.testing.assert_array_equal(np.asarray(got.pivots), expected.pivots.numpy())
        np.testing.assert_allclose(np.asarray(got.LD), expected.LD.numpy(), atol=1e-9)
        b = rng.standard_normal((2, n, 2)).astype(a.dtype)
        t_x = torch.linalg.ldl_solve(expected.LD, expected.pivots, torch.from_numpy(b), hermitian=hermitian)
        g_x = tocha.linalg.ldl_solve(got.LD, got.pivots, tocha.from_numpy(b), hermitian=hermitian)
        np.testing.assert_allclose(np.asarray(g_x), t_x.numpy(), rtol=1e-6, atol=1e-8)
    a32 = np.array([[4.0, 2.0], [2.0, 3.0]], dtype=np.float32)
    got = tocha.linalg.ldl_factor(tocha.from_numpy(a32))
    assert got.LD.dtype == tocha.float32
    np.testing.assert_allclose(np.asarray(got.LD), torch.linalg.ldl_factor(torch.from_numpy(a32)).LD.numpy())


def test_linalg_matmul():
    a = tocha.randn(2, 3, 4)
    b = tocha.randn(4, 5)
    np.testing.assert_array_equal(np.asarray(tocha.linalg.matmul(a, b)), np.asarray(tocha.matmul(a, b)))
    out = tocha.empty(2, 3, 5)
    assert tocha.linalg.matmul(a, b, out=out) is out
    with pytest.raises(RuntimeError):
        tocha.linalg.matmul(tocha.ones(2, 3), tocha.ones(2, 3))
