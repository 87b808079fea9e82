"""repr(tensor) and the print options, checked against PyTorch's exact output."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tocha

RNG = np.random.default_rng(0)

VALUES = [
    [1.0, 2.0, 3.0],
    [1.5, 2.25, -3.125],
    [1e-5, 1.0],
    [1e9, 1.0],
    [123456789.0, 1.0],
    [1000.0, 1.0],
    [1001.0, 1.0],
    [0.1],
    [100000.5, -2.0],
    [0.0, 0.0],
    [-0.0, 1.0],
    [math.nan, 1.0],
    [math.inf, -math.inf, 1.5],
    [math.nan, math.inf],
    [1e-100, 1e100],
    [-1e-3, 5.0],
    [[1, 2], [3, 4]],
    [True, False],
    [True, True],
    [[1 + 2j, -3.5j], [0j, 2]],
    [1e10 + 1j, 2],
    [complex(math.nan, 1), 0j],
    list(range(100)),
    list(range(2000)),
    [-5, 200, 7],
    [[[1.0]]],
    [[]],
    [],
    3.5,
    -7,
    True,
    1e-7,
    2 + 3j,
    np.arange(30.0).reshape(5, 6).tolist(),
    RNG.standard_normal((40, 40)).tolist(),
    RNG.standard_normal((5, 30)).tolist(),
    RNG.standard_normal((3, 4, 5)).tolist(),
    (RNG.standard_normal((12, 12, 12)) * 1e5).tolist(),
    (RNG.standard_normal((2, 3, 4, 5, 6)) * 1e-3).tolist(),
    (RNG.standard_normal(1500) * 100).tolist(),
    (RNG.standard_normal((8, 200)) + 1j * RNG.standard_normal((8, 200))).tolist(),
    RNG.integers(-1000, 1000, (50, 50)).tolist(),
]
DTYPES = [None, "float64", "float16", "bfloat16", "int8", "int32", "uint8", "complex128", "bool"]


def _pairs(torch):
    for value in VALUES:
        for name in DTYPES:
            try:
                expected = torch.tensor(value, dtype=None if name is None else getattr(torch, name))
            except (RuntimeError, TypeError, OverflowError):
                continue
            host = expected.float() if expected.dtype == torch.bfloat16 else expected
            ours = tocha.tensor(host.numpy(), dtype=getattr(tocha, str(expected.dtype).split(".")[1]))
            yield ours, expected


def _torch_repr(t):
    return repr(t).replace("torch.", "tocha.")


def test_repr_matches_torch():
    torch = pytest.importorskip("torch")
    checked = 0
    for ours, expected in _pairs(torch):
        assert repr(ours) == _torch_repr(expected), (expected.dtype, expected.shape)
        checked += 1
    assert checked > 250


@pytest.mark.parametrize(
    "options",
    [
        {"precision": 2},
        {"precision": 8},
        {"threshold": 5},
        {"threshold": 5, "edgeitems": 1},
        {"threshold": 5, "edgeitems": 0},
        {"linewidth": 40},
        {"linewidth": 200},
        {"profile": "short"},
        {"profile": "full"},
        {"sci_mode": True},
        {"sci_mode": False},
    ],
)
def test_print_options_match_torch(options):
    torch = pytest.importorskip("torch")
    tocha.set_printoptions(**options)
    torch.set_printoptions(**options)
    try:
        for ours, expected in _pairs(torch):
            assert repr(ours) == _torch_repr(expected), (expected.dtype, expected.shape)
    finally:
        tocha.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")


@pytest.mark.autograd
def test_suffixes_match_torch():
    torch = pytest.importorskip("torch")
    cases = [
        (tocha.zeros(0, 3), torch.zeros(0, 3)),
        (tocha.zeros(0), torch.zeros(0)),
        (tocha.zeros(0, dtype=tocha.int64), torch.zeros(0, dtype=torch.int64)),
        (tocha.zeros(2, 0, 1, dtype=tocha.bool), torch.zeros(2, 0, 1, dtype=torch.bool)),
        (tocha.zeros(0, dtype=tocha.complex64), torch.zeros(0, dtype=torch.complex64)),
        (tocha.ones(3, requires_grad=True), torch.ones(3, requires_grad=True)),
        (
            tocha.ones(3, dtype=tocha.float64, requires_grad=True),
            torch.ones(3, dtype=torch.float64, requires_grad=True),
        ),
        (tocha.ones(70, 7, requires_grad=True), torch.ones(70, 7, requires_grad=True)),
        (tocha.ones(2, 33, dtype=tocha.float16), torch.ones(2, 33, dtype=torch.float16)),
        (tocha.ones(0, requires_grad=True), torch.ones(0, requires_grad=True)),
    ]
    for ours, expected in cases:
        assert repr(ours) == _torch_repr(expected)


@pytest.mark.autograd
def test_repr_examples_without_torch():
    assert repr(tocha.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(tocha.tensor(3.5)) == "tensor(3.5000)"
    assert repr(tocha.tensor([1e-5, 1.0])) == "tensor([1.0000e-05, 1.0000e+00])"
    assert repr(tocha.tensor([True, False])) == "tensor([ True, False])"
    assert repr(tocha.tensor([1, -20])) == "tensor([  1, -20])"
    assert repr(tocha.tensor([1, 2], dtype=tocha.int32)) == "tensor([1, 2], dtype=tocha.int32)"
    assert repr(tocha.tensor([math.nan, math.inf, 1.0])) == "tensor([nan, inf, 1.])"
    assert repr(tocha.tensor([1 + 2j])) == "tensor([1.+2.j])"
    assert repr(tocha.zeros(0, 3)) == "tensor([], size=(0, 3))"
    assert repr(tocha.zeros(0, dtype=tocha.int64)) == "tensor([], dtype=tocha.int64)"
    assert repr(tocha.ones(2, requires_grad=True)) == "tensor([1., 1.], requires_grad=True)"
    assert repr(tocha.arange(2000)) == "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])"
    assert repr(tocha.eye(2)) == "tensor([[1., 0.],\n        [0., 1.]])"
    assert str(tocha.tensor([0.5])) == "tensor([0.5000])"


def test_repr_wraps_long_rows():
    text = repr(tocha.arange(30, dtype=tocha.float64) / 7 if hasattr(tocha, "div") else tocha.linspace(0, 4, 30))
    lines = text.splitlines()
    assert len(lines) > 1
    assert all(len(line) <= 80 for line in lines)
    assert all(line.startswith("        ") for line in lines[1:])


def test_repr_non_contiguous_and_views():
    base = np.arange(12.0).reshape(3, 4)
    t = tocha.from_numpy(base.T)
    assert repr(t) == repr(tocha.tensor(np.ascontiguousarray(base.T)))
    assert (
        repr(tocha.from_numpy(base[:, ::2]))
        == "tensor([[ 0.,  2.],\n        [ 4.,  6.],\n        [ 8., 10.]], dtype=tocha.float64)"
    )


def test_grad_fn_suffix():
    class FakeNode:
        def name(self):
            return "AddBackward0"

    t = tocha.ones(2)
    t._grad_fn = FakeNode()
    assert repr(t) == "tensor([1., 1.], grad_fn=<AddBackward0>)"

    class MulBackward0:
        pass

    t._grad_fn = MulBackward0()
    assert repr(t) == "tensor([1., 1.], grad_fn=<MulBackward0>)"


def test_subclass_prefix():
    class MyTensor(tocha.Tensor):
        pass

    t = MyTensor([1.0, 2.0])
    assert repr(t) == "MyTensor([1., 2.])"


def test_device_suffix_on_fake_device():
    class OtherCpu(tocha.library.CpuBackend):
        pass

    tocha.library.register_backend("reprdev", OtherCpu())
    t = tocha.ones(2, device="reprdev")
    assert repr(t) == "tensor([1., 1.], device='reprdev:0')" or repr(t) == "tensor([1., 1.], device='reprdev')"


def test_set_printoptions_and_context():
    assert tocha.get_printoptions() == {
        "precision": 4,
        "threshold": 1000,
        "edgeitems": 3,
        "linewidth": 80,
        "sci_mode": None,
    }
    with tocha.printoptions(precision=1, sci_mode=True):
        assert repr(tocha.tensor([1.25])) == "tensor([1.2e+00])"
    assert repr(tocha.tensor([1.25])) == "tensor([1.2500])"
    tocha.set_printoptions(profile="short")
    try:
        assert repr(tocha.tensor([1.25])) == "tensor([1.25])"
        assert tocha.get_printoptions()["edgeitems"] == 2
    finally:
        tocha.set_printoptions(profile="default")
    with pytest.raises(ValueError, match="unknown profile 'long'"):
        tocha.set_printoptions(profile="long")


def test_format():
    assert f"{tocha.tensor(2.5):.2f}" == "2.50"
    assert f"{tocha.tensor([1.0])}" == "tensor([1.])"
    assert format(tocha.tensor(3), "d") == "3"
