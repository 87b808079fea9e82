"""The ``*_copy`` functions (``tocha.t_copy``, ``tocha.split_copy``...) against PyTorch's.

Each case runs on several dtypes and input layouts (row-major, transposed, channels-last, empty): values, dtype,
shape and strides equal PyTorch's, the result is contiguous and shares no memory with the input; ``out=`` and the
errors follow PyTorch's; gradients (``autograd``-marked) equal PyTorch's.
"""

from __future__ import annotations

import numpy as np
import pytest

import tocha

DTYPES = ("float32", "float64", "int64", "bool", "complex64", "float16")


def _make(shape, dtype, layout="contiguous"):
    rng = np.random.default_rng(sum(shape) + len(shape))
    values = rng.standard_normal(shape) * 3
    if dtype == "bool":
        array = values > 0
    elif dtype.startswith("complex"):
        array = (values + 1j * rng.standard_normal(shape)).astype(dtype)
    else:
        array = values.astype(dtype)
    x = tocha.from_numpy(np.ascontiguousarray(array))
    if layout == "transposed" and len(shape) >= 2:
        x = x.mT.contiguous().mT  # same shape, column-major strides
    elif layout == "channels_last":
        x = x.contiguous(memory_format=tocha.channels_last)
    return x


def _torch(torch, x):
    """``x`` as a torch tensor with the same strides."""
    data = torch.from_numpy(np.array(x))
    t = torch.empty_strided(tuple(x.shape), x.stride(), dtype=data.dtype)
    return t.copy_(data)


# name -> (input shape, args, kwargs); every case also runs on a column-major and (4-D) channels-last input
CASES = {
    "alias_copy": ((2, 3, 4, 5), (), {}),
    "detach_copy": ((2, 3, 4, 5), (), {}),
    "diagonal_copy": ((3, 4, 2, 2), (1, 0, 1), {}),
    "diagonal_copy-kw": ((3, 4, 2, 2), (), {"offset": -1, "dim1": 1, "dim2": -1}),
    "expand_copy": ((3, 1, 4, 1), ((2, 3, 5, 4, 2),), {}),
    "expand_copy-implicit": ((3, 1, 4, 1), ([3, -1, 4, 6],), {"implicit": True}),
    "permute_copy": ((2, 3, 4, 5), ((3, 0, 2, 1),), {}),
    "select_copy": ((2, 3, 4, 5), (2, -1), {}),
    "slice_copy": ((2, 3, 4, 5), (3, 1, None, 2), {}),
    "slice_copy-defaults": ((2, 3, 4, 5), (), {}),
    "slice_copy-clamped": ((2, 3, 4, 5), (), {"dim": 1, "start": -10, "end": 10}),
    "slice_copy-empty": ((2, 3, 4, 5), (2, 3, 1), {}),
    "squeeze_copy": ((1, 3, 1, 5), (), {}),
    "squeeze_copy-dim": ((1, 3, 1, 5), (2,), {}),
    "squeeze_copy-dims": ((1, 3, 1, 5), ((0, 2, 3),), {}),
    "t_copy": ((3, 4), (), {}),
    "t_copy-1d": ((4,), (), {}),
    "transpose_copy": ((2, 3, 4, 5), (0, 2), {}),
    "unfold_copy": ((2, 3, 4, 5), (3, 2, 1), {}),
    "unfold_copy-step": ((2, 3, 4, 5), (-1, 2, 3), {}),
    "unsqueeze_copy": ((2, 3, 4, 5), (2,), {}),
    "unsqueeze_copy-end": ((2, 3, 4, 5), (-1,), {}),
    "view_copy": ((2, 3, 4, 5), ((6, -1),), {}),
    "view_copy-kw": ((2, 3, 4, 5), (), {"size": (120,)}),
    "split_copy": ((2, 3, 4, 5), (2, 3), {}),
    "split_copy-dim0": ((5, 3, 4, 5), (2,), {}),
    "split_with_sizes_copy": ((2, 3, 4, 5), ([1, 3, 1], 3), {}),
    "unbind_copy": ((2, 3, 4, 5), (1,), {}),
    "unbind_copy-default": ((2, 3, 4, 5), (), {}),
}


def _call(module, case, x):
    name = case.split("-")[0]
    _, args, kwargs = CASES[case]
    return getattr(module, name)(x, *args, **kwargs)


def _as_list(result):
    return list(result) if isinstance(result, (list, tuple)) else [result]


def _layouts(shape):
    if len(shape) < 2:
        return ["contiguous"]
    return ["contiguous", "transposed", *(["channels_last"] if len(shape) == 4 else [])]


PARAMS = [
    pytest.param(case, dtype, layout, id=f"{case}-{dtype}-{layout}")
    for case, (shape, _, _) in CASES.items()
    for dtype in DTYPES
    for layout in _layouts(shape)
]


@pytest.mark.parametrize(("case", "dtype", "layout"), PARAMS)
def test_matches_pytorch(case, dtype, layout):
    torch = pytest.importorskip("torch")
    x = _make(CASES[case][0], dtype, layout)
    before = np.array(x).copy()
    got = _as_list(_call(tocha, case, x))
    expected = _as_list(_call(torch, case, _torch(torch, x)))
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.dtype.name == str(e.dtype).removeprefix("torch.")
        assert tuple(g.shape) == tuple(e.shape)
        assert g.stride() == e.stride()
        assert g.is_contiguous()
        np.testing.assert_array_equal(np.array(g), e.numpy())
        assert not np.shares_memory(np.asarray(g), np.asarray(x))
    for g in got:  # writing into the results leaves the input alone
        g.fill_(True if dtype == "bool" else 7)
    np.testing.assert_array_equal(np.array(x), before)


@pytest.mark.parametrize("dtype", DTYPES)
def test_view_copy_with_a_dtype_matches_pytorch(dtype):
    torch = pytest.importorskip("torch")
    x = _make((2, 4), dtype)
    for target in ("uint8", "int16", "float32", "float64", "complex128"):
        t = _torch(torch, x)
        try:
            expected = torch.view_copy(t, getattr(torch, target))
        except RuntimeError:
            with pytest.raises(RuntimeError):
                tocha.view_copy(x, getattr(tocha, target))
            continue
        got = tocha.view_copy(x, dtype=getattr(tocha, target))
        assert got.dtype.name == target
        assert got.stride() == expected.stride()
        np.testing.assert_array_equal(np.array(got), expected.numpy())
        assert not np.shares_memory(np.asarray(got), np.asarray(x))


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_view_as_real_and_complex_copies_match_pytorch(dtype):
    torch = pytest.importorskip("torch")
    z = _make((3, 4), dtype)
    real = tocha.view_as_real_copy(z)
    expected = torch.view_as_real_copy(_torch(torch, z))
    assert real.stride() == expected.stride()
    assert real.dtype.name == str(expected.dtype)[6:]
    np.testing.assert_array_equal(np.array(real), expected.numpy())
    back = tocha.view_as_complex_copy(real)
    np.testing.assert_array_equal(np.array(back), np.array(z))
    assert not np.shares_memory(np.asarray(back), np.asarray(real))
    pairs = _make((4, 3, 2), "float32").transpose(0, 1)  # last dim still of stride 1
    got = tocha.view_as_complex_copy(pairs)
    np.testing.assert_array_equal(np.array(got), torch.view_as_complex_copy(_torch(torch, pairs)).numpy())
    assert got.stride() == (4, 1)


def test_view_copy_of_a_non_viewable_input_copies_in_row_major_order():
    x = tocha.arange(6).reshape(2, 3).t()
    with pytest.raises(RuntimeError):
        x.view(-1)
    np.testing.assert_array_equal(np.array(tocha.view_copy(x, (-1,))), [0, 3, 1, 4, 2, 5])


def test_detach_copy_has_no_graph():
    assert tocha.detach_copy(tocha.ones(2)).grad_fn is None


# ------------------------------------------------------------------ out=


def test_out_is_written_and_resized():
    x = tocha.arange(6.0).reshape(2, 3)
    out = tocha.empty(0)
    result = tocha.t_copy(x, out=out)
    assert result is out
    assert tuple(out.shape) == (3, 2)
    np.testing.assert_array_equal(np.array(out), np.array(x).T)
    strided = tocha.empty(3, 2).t()  # an out of the right shape keeps its strides
    tocha.alias_copy(x, out=strided)
    assert strided.stride() == (1, 2)
    np.testing.assert_array_equal(np.array(strided), np.array(x))


def test_out_dtype_must_match_exactly_as_in_pytorch():
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="Expected out tensor to have dtype float, but got double instead"):
        tocha.alias_copy(tocha.ones(2), out=tocha.empty(2, dtype=tocha.float64))
    with pytest.raises(RuntimeError, match="Expected out tensor to have dtype float, but got double instead"):
        torch.alias_copy(torch.ones(2), out=torch.empty(2, dtype=torch.float64))
    with pytest.raises(RuntimeError, match="c10::complex<float>, but got float"):
        tocha.view_as_complex_copy(tocha.ones(3, 2), out=tocha.empty(3))


def test_list_outs():
    torch = pytest.importorskip("torch")
    x = tocha.arange(6.0)
    outs = [tocha.empty(3), tocha.empty(3, dtype=tocha.float64)]  # split_copy casts (Tensor.copy_), as PyTorch
    assert tocha.split_copy(x, 3, out=outs) is None
    np.testing.assert_array_equal(np.array(outs[1]), [3.0, 4.0, 5.0])
    assert outs[1].dtype is tocha.float64
    outs = (tocha.empty(2), tocha.empty(4))
    assert tocha.split_with_sizes_copy(x, [2, 4], out=outs) is None
    np.testing.assert_array_equal(np.array(outs[1]), [2.0, 3.0, 4.0, 5.0])
    outs = [tocha.empty(0), tocha.empty(0)]  # unbind_copy resizes
    assert tocha.unbind_copy(x.reshape(2, 3), out=outs) is None
    np.testing.assert_array_equal(np.array(outs[0]), [0.0, 1.0, 2.0])
    for fn, args, n in (("split_copy", (3,), 1), ("split_with_sizes_copy", ([3, 3],), 1), ("unbind_copy", (), 3)):
        with pytest.raises(RuntimeError, match="expected an out= argument of size 2, got size") as ours:
            getattr(tocha, fn)(x.reshape(2, 3) if fn == "unbind_copy" else x, *args, out=[tocha.empty(3)] * n)
        t = torch.arange(6.0)
        with pytest.raises(RuntimeError) as theirs:
            getattr(torch, fn)(t.reshape(2, 3) if fn == "unbind_copy" else t, *args, out=[torch.empty(3)] * n)
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(RuntimeError):
        tocha.unbind_copy(x.reshape(2, 3), out=[tocha.empty(3, dtype=tocha.int64), tocha.empty(3)])
    with pytest.raises(TypeError):
        tocha.unbind_copy(x.reshape(2, 3), out=tocha.empty(3))


# ------------------------------------------------------------------ errors

ERRORS = [
    ("alias_copy", lambda m: ([1, 2],)),
    ("t_copy", lambda m: (m.ones(2, 2, 2),)),
    ("select_copy", lambda m: (m.ones(2, 3), 0, 2)),
    ("select_copy", lambda m: (m.ones(2, 3), 2, 0)),
    ("slice_copy", lambda m: (m.ones(2, 3), 1, 0, 3, 0)),
    ("slice_copy", lambda m: (m.ones(2, 3), 1, 0, 3, -1)),
    ("slice_copy", lambda m: (m.ones(2, 3), 2)),
    ("squeeze_copy", lambda m: (m.ones(1, 2, 1), 3)),
    ("unsqueeze_copy", lambda m: (m.ones(2, 3), 3)),
    ("expand_copy", lambda m: (m.ones(3, 2), (3, 4))),
    ("expand_copy", lambda m: (m.ones(3, 1), 3)),
    ("permute_copy", lambda m: (m.ones(2, 3), (0, 0))),
    ("permute_copy", lambda m: (m.ones(2, 3), 0)),
    ("view_copy", lambda m: (m.ones(2, 3), (4,))),
    ("view_copy", lambda m: (m.ones(2, 3), m.float64)),
    ("view_copy", lambda m: (m.ones(3, 2).t(), m.float64)),
    ("unfold_copy", lambda m: (m.ones(2, 3), 1, 4, 1)),
    ("unfold_copy", lambda m: (m.ones(2, 3), 1, 2, 0)),
    ("diagonal_copy", lambda m: (m.ones(2, 3), 0, 1, 1)),
    ("view_as_real_copy", lambda m: (m.ones(2),)),
    ("view_as_complex_copy", lambda m: (m.ones(2, 3),)),
    ("view_as_complex_copy", lambda m: (m.ones(2, 2, 3).transpose(1, 2),)),
    ("unbind_copy", lambda m: (m.tensor(1.0),)),
    ("split_copy", lambda m: (m.ones(2, 3), -1)),
    ("split_copy", lambda m: (m.ones(2, 3), 0)),
    ("split_copy", lambda m: (m.ones(2, 3), [1, 1])),
    ("split_with_sizes_copy", lambda m: (m.ones(2, 3), [1, 2])),
]


@pytest.mark.parametrize(("name", "make"), ERRORS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(ERRORS)])
def test_errors_match_pytorch(name, make):
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as theirs:
        getattr(torch, name)(*make(torch))
    with pytest.raises(type(theirs.value)):
        getattr(tocha, name)(*make(tocha))


# ------------------------------------------------------------------ gradients

GRAD_CASES = [c for c in CASES if not c.startswith("detach")]


@pytest.mark.autograd
@pytest.mark.parametrize("case", GRAD_CASES)
def test_gradients_match_pytorch(case):
    torch = pytest.importorskip("torch")
    x = _make(CASES[case][0], "float64", "transposed")
    x.requires_grad_(True)
    t = _torch(torch, x.detach()).requires_grad_(True)
    got = _as_list(_call(tocha, case, x))
    expected = _as_list(_call(torch, case, t))
    weights = [np.random.default_rng(i).standard_normal(tuple(e.shape)) for i, e in enumerate(expected)]
    sum(
        ((g * tocha.from_numpy(w)).sum() for g, w in zip(got, weights)), tocha.tensor(0.0, dtype=tocha.float64)
    ).backward()
    sum((e * torch.from_numpy(w)).sum() for e, w in zip(expected, weights)).backward()
    np.testing.assert_allclose(np.array(x.grad), t.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.autograd
def test_view_as_complex_copy_gradient():
    from tocha.autograd import gradcheck

    x = tocha.randn(3, 2, dtype=tocha.float64, requires_grad=True)
    assert gradcheck(lambda a: tocha.view_as_complex_copy(a).abs(), (x,))


@pytest.mark.autograd
def test_detach_copy_result_does_not_require_grad():
    x = tocha.ones(2, requires_grad=True)
    assert not tocha.detach_copy(x).requires_grad
    assert tocha.alias_copy(x).requires_grad


# ------------------------------------------------------------------ cuda


@pytest.mark.gpu
@pytest.mark.parametrize("case", list(CASES))
def test_cuda_matches_cpu(case):
    x = _make(CASES[case][0], "float32", "transposed")
    got = _as_list(_call(tocha, case, x.cuda()))
    expected = _as_list(_call(tocha, case, x))
    for g, e in zip(got, expected):
        assert g.device.type == "cuda"
        assert g.stride() == e.stride()
        np.testing.assert_array_equal(np.array(g.cpu()), np.array(e))
