"""``as_strided``, ``as_strided_``, ``as_strided_copy`` and ``as_strided_scatter`` (NOTE [ as_strided ]): views of a
tensor's storage, checked against NumPy's strided views and PyTorch, with gradients against finite differences.

PyTorch comparisons take ``torch = pytest.importorskip("torch")``, gradient checks
``pytest.importorskip("tocha.autograd")``, each in its own test functions.
"""

from __future__ import annotations

import numpy as np
import pytest

import tocha

# (how the input is made from a 12-element arange, size, stride, storage offset or None)
CASES = [
    ("whole", (3, 4), (4, 1), None),
    ("whole", (4, 3), (1, 4), 0),
    ("whole", (3, 4), (2, 1), 1),  # overlapping windows
    ("whole", (2, 3), (0, 1), 5),  # a zero stride
    ("whole", (), (), 7),
    ("whole", (0, 3), (1, 1), 12),  # empty: may start at the end
    ("tail", (2, 2), (1, 2), None),  # the offset defaults to the input's own
    ("tail", (2, 2), (1, 2), 0),  # before the input's first element: the storage is its base's
    ("every-other", (3,), (1,), None),  # reads the elements between the input's
    ("transposed", (3, 2), (1, 3), 2),
]


def _input(kind: str, lib):
    base = lib.arange(12.0)
    return {
        "whole": base,
        "tail": base[2:],
        "every-other": base[::2],
        "transposed": base.reshape(3, 4).t(),
    }[kind]


def _numpy_view(storage: np.ndarray, size, stride, offset) -> np.ndarray:
    return np.lib.stride_tricks.as_strided(storage[offset:], size, tuple(s * storage.itemsize for s in stride))


@pytest.mark.parametrize(("kind", "size", "stride", "offset"), CASES)
def test_as_strided_reads_the_storage(kind: str, size, stride, offset) -> None:
    x = _input(kind, tocha)
    y = tocha.as_strided(x, size, stride, offset)
    start = x.storage_offset() if offset is None else offset
    expected = _numpy_view(np.arange(12.0), size, stride, min(start, 12))
    assert tuple(y.shape) == tuple(size)
    np.testing.assert_array_equal(y.numpy(), expected)
    if y.numel():
        assert y.stride() == tuple(stride)
        assert y.storage_offset() == start
    assert tocha.equal(x.as_strided(size, stride, offset), y)


@pytest.mark.parametrize(("kind", "size", "stride", "offset"), CASES)
def test_as_strided_equals_pytorchs(kind: str, size, stride, offset) -> None:
    torch = pytest.importorskip("torch")
    y = tocha.as_strided(_input(kind, tocha), size, stride, offset)
    expected = torch.as_strided(_input(kind, torch), size, stride, offset)
    np.testing.assert_array_equal(y.numpy(), expected.numpy())
    assert y.storage_offset() == expected.storage_offset() or not y.numel()


def test_as_strided_is_a_view_of_the_storage() -> None:
    base = tocha.zeros(6)
    window = tocha.as_strided(base[1:], (2, 2), (1, 2), 0)
    window[1, 1] = 5.0  # storage element 0 + 1 + 2 = 3
    assert base.tolist() == [0.0, 0.0, 0.0, 5.0, 0.0, 0.0]
    assert window._base is base
    assert window.data_ptr() == base.data_ptr()


@pytest.mark.parametrize("dtype", [tocha.bool, tocha.int32, tocha.float16, tocha.complex64])
def test_as_strided_of_every_dtype(dtype) -> None:
    x = tocha.arange(8).to(dtype)
    y = x.as_strided((3, 2), (2, 1), 1)
    np.testing.assert_array_equal(y.numpy(), _numpy_view(x.numpy(), (3, 2), (2, 1), 1))
    assert y.dtype == dtype


ERRORS = [
    (((3, 3), (4, 4)), RuntimeError, r"setStorage: sizes \[3, 3\], strides \[4, 4\], storage offset 0, and itemsize 4 "
     r"requiring a storage size of 68 are out of bounds for storage of size 48"),
    (((3,), (1, 2)), RuntimeError, "mismatch in length of strides and shape"),
    (((3,), (-1,)), RuntimeError, r"Negative strides are not supported at the moment, got strides: \[-1\]"),
    (((-3,), (1,)), RuntimeError, r"Storage size calculation overflowed with sizes=\[-3\] and strides=\[1\]"),
    (((3,), (1,), -1), RuntimeError, "invalid storage offset -1"),
    (((3,), (1,), 1.5), TypeError, "'storage_offset' .* must be int, not float"),
    ((3, (1,)), TypeError, "'size' .* must be tuple of ints, not int"),
    (((3.0,), (1,)), TypeError, "'size' .* must be tuple of ints, but found element of type float"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "error", "message"), ERRORS)
def test_as_strided_errors(args, error, message) -> None:
    with pytest.raises(error, match=message):
        tocha.as_strided(tocha.arange(12.0), *args)


@pytest.mark.parametrize(("args", "error", "message"), ERRORS)
def test_as_strided_errors_are_pytorchs(args, error, message) -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(error):
        torch.as_strided(torch.arange(12.0), *args)


def test_as_strided_in_place_takes_the_geometry() -> None:
    x = tocha.arange(6.0)
    version = x._version
    assert x.as_strided_((2, 2), (1, 2), 1) is x
    assert x.tolist() == [[1.0, 3.0], [2.0, 4.0]]
    assert x._version == version + 1
    v = tocha.arange(10.0)[1:]
    tocha.as_strided_(v, (2, 2), (1, 2), 1)
    assert v.tolist() == [[1.0, 3.0], [2.0, 4.0]]
    assert v.storage_offset() == 1


def test_as_strided_copy_shares_no_memory() -> None:
    x = tocha.arange(6.0)
    y = tocha.as_strided_copy(x, (2, 3), (1, 1))
    assert y.is_contiguous()
    assert y.tolist() == [[0.0, 1.0, 2.0], [1.0, 2.0, 3.0]]
    y[0, 0] = 9.0
    assert x[0].item() == 0.0


SCATTERS = [
    ("transposed", (2,), (2,), 1),
    ("tail", (2,), (1,), None),
    ("tail", (2,), (1,), 3),
    ("every-other", (2,), (1,), None),  # position 1 lies between the input's elements: written, then lost
    ("every-other", (2,), (1,), 1),
    ("whole", (2, 2), (3, 1), 4),
]


@pytest.mark.parametrize(("kind", "size", "stride", "offset"), SCATTERS)
def test_as_strided_scatter_equals_pytorchs(kind: str, size, stride, offset) -> None:
    torch = pytest.importorskip("torch")
    src = np.arange(100.0, 100.0 + int(np.prod(size))).reshape(size)
    x = _input(kind, tocha)
    y = tocha.as_strided_scatter(x, tocha.from_numpy(src), size, stride, offset)
    expected = torch.as_strided_scatter(_input(kind, torch), torch.from_numpy(src), size, stride, offset)
    np.testing.assert_array_equal(y.numpy(), expected.numpy())
    assert y.stride() == expected.stride()
    assert y.storage_offset() == expected.storage_offset()
    assert x.tolist() == _input(kind, tocha).tolist()  # the input is not written


def test_as_strided_scatter_checks_src() -> None:
    x = tocha.arange(10.0)[::2]
    with pytest.raises(RuntimeError, match=r"src size = \[3\], slice size = \[2\]"):
        tocha.as_strided_scatter(x, tocha.ones(3), (2,), (1,))
    with pytest.raises(RuntimeError, match="out of bounds for storage of size 40"):
        tocha.as_strided_scatter(x, tocha.ones(2), (2,), (1,), 9)
    assert x.as_strided_scatter(tocha.ones(2), (2,), (1,)).tolist() == [1.0, 2.0, 4.0, 6.0, 8.0]


# ------------------------------------------------------------------ autograd


def _checks():
    autograd = pytest.importorskip("tocha.autograd")
    return autograd.gradcheck, autograd.gradgradcheck


@pytest.mark.parametrize(
    ("prepare", "size", "stride", "offset"),
    [
        (lambda t: t, (3, 3), (1, 1), 0),  # overlapping windows of the result add up
        (lambda t: t[1:], (2, 2), (1, 2), None),  # the input's own offset
        (lambda t: t.expand(3, 6), (2, 3), (1, 1), 0),  # an overlapping input shares each gradient
        (lambda t: t.reshape(2, 3).t(), (2, 2), (3, 1), 1),
    ],
)
def test_as_strided_gradients(prepare, size, stride, offset) -> None:
    """Views that read only the input's own elements: gradients against finite differences."""
    gradcheck, gradgradcheck = _checks()
    x = tocha.randn(6, dtype=tocha.float64, requires_grad=True)

    def fn(t):
        return tocha.as_strided(prepare(t), size, stride, offset)

    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


@pytest.mark.parametrize(
    ("prepare", "size", "stride", "offset"),
    [
        (lambda t: t.expand(4, 6), (3, 4), (0, 1), 1),  # an overlapping input
        (lambda t: t[1:], (2, 2), (1, 2), 0),  # reads the base's element before the input: no gradient there
        (lambda t: t[::2], (3,), (1,), None),  # reads between the input's elements: no gradient there either
        (lambda t: (t * 2)[::2], (3,), (1,), None),  # the same through a non-leaf base
    ],
)
def test_as_strided_gradients_equal_pytorchs(prepare, size, stride, offset) -> None:
    """Where a view reads storage outside the input, the gradient goes to the input's elements only (finite
    differences disagree there, in PyTorch too): PyTorch's gradients are the reference."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("tocha.autograd")
    weights = np.random.default_rng(0).standard_normal(size)
    grads = []
    for lib in (tocha, torch):
        x = lib.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], dtype=lib.float64, requires_grad=True)
        (prepare(x).as_strided(size, stride, offset) * lib.from_numpy(weights)).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)


def test_in_place_ops_on_an_as_strided_view_reach_the_base() -> None:
    torch = pytest.importorskip("torch")
    pytest.importorskip("tocha.autograd")
    grads = []
    for lib in (tocha, torch):
        leaf = lib.arange(6.0, requires_grad=True)
        base = leaf * 1
        view = base.as_strided((2, 2), (1, 2), 1)
        view.mul_(lib.tensor([[2.0, 3.0], [4.0, 5.0]]))
        (base * lib.arange(6.0)).sum().backward()
        grads.append(leaf.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])


def test_as_strided_in_place_refuses_a_leaf_that_requires_grad() -> None:
    pytest.importorskip("tocha.autograd")
    leaf = tocha.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        leaf.as_strided_((2,), (1,))


def test_as_strided_scatter_gradients() -> None:
    """Both gradients against finite differences (PyTorch 2.13's gradient for ``input`` keeps the overwritten
    region and drops the rest; its own gradcheck of this op fails)."""
    gradcheck, gradgradcheck = _checks()
    x = tocha.randn(3, 4, dtype=tocha.float64, requires_grad=True)
    src = tocha.randn(2, 2, dtype=tocha.float64, requires_grad=True)

    def fn(a, b):
        return tocha.as_strided_scatter(a.t(), b, (2, 2), (1, 4), 1)

    assert gradcheck(fn, (x, src))
    assert gradgradcheck(fn, (x, src))
    z = tocha.zeros(3, requires_grad=True)
    s = tocha.ones(2, requires_grad=True)
    (tocha.as_strided_scatter(z * 1, s * 1, (2,), (1,), 1) * tocha.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert z.grad.tolist() == [1.0, 0.0, 0.0]
    assert s.grad.tolist() == [2.0, 3.0]
