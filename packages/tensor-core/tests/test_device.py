"""Devices, Tensor.to / cpu / cuda, backends (registration, entry points) and device mixing."""

from __future__ import annotations

import importlib.metadata

import numpy as np
import pytest

import tocha
from tocha._backend import _backends


class FakeBackend(tocha.library.CpuBackend):
    """A second NumPy-backed device type, for device-mixing tests."""


@pytest.fixture
def fakedev():
    tocha.library.register_backend("fakedev", FakeBackend())
    yield "fakedev"
    _backends.pop("fakedev", None)


# ------------------------------------------------------------------ tocha.device


DEVICE_SPECS = [("cpu",), ("cuda",), ("cuda:1",), ("cpu", 0), ("cpu:0",), ("cuda", 2), ("meta",), ("cuda:10",)]
BAD_SPECS = [
    ("cuda:-1",),
    ("cuda", -1),
    ("cuda:x",),
    ("cuda:1", 1),
    ("CPU",),
    ("",),
    ("cuda:01",),
    ("cuda: 1",),
    (" cuda",),
    ("cuda:1:2",),
    (None,),
    (True,),
    ("cuda", True),
    ("cuda:1", "x"),
    (-1,),
]


def test_device_parsing():
    d = tocha.device("cuda:1")
    assert (d.type, d.index, str(d), repr(d)) == ("cuda", 1, "cuda:1", "device(type='cuda', index=1)")
    assert repr(tocha.device("cpu")) == "device(type='cpu')"
    assert tocha.device("cpu").index is None
    assert tocha.device("cuda", 0) is tocha.device("cuda:0")
    assert tocha.device(tocha.device("cpu")) is tocha.device("cpu")
    assert tocha.device(1) is tocha.device("cuda:1")
    assert tocha.device("cuda") != tocha.device("cuda:0")
    assert tocha.device("cuda:0") != "cuda:0"
    assert len({tocha.device("cpu"), tocha.device("cpu"), tocha.device("cuda")}) == 2
    import pickle

    assert pickle.loads(pickle.dumps(tocha.device("cuda:3"))) is tocha.device("cuda:3")


def test_device_errors():
    with pytest.raises(RuntimeError, match="Invalid device string: 'cuda:x'"):
        tocha.device("cuda:x")
    with pytest.raises(RuntimeError, match="Device index must not be negative"):
        tocha.device("cuda", -1)
    with pytest.raises(RuntimeError, match="must not include an index"):
        tocha.device("cuda:1", 1)
    with pytest.raises(RuntimeError, match="Device string must not be empty"):
        tocha.device("")
    with pytest.raises(RuntimeError, match="device type at start of device string: CPU"):
        tocha.device("CPU")
    with pytest.raises(TypeError, match="must be int, not bool"):
        tocha.device("cuda", True)
    with pytest.raises(TypeError):
        tocha.device(None)


def test_device_vs_torch():
    torch = pytest.importorskip("torch")
    for spec in DEVICE_SPECS:
        ours, theirs = tocha.device(*spec), torch.device(*spec)
        assert (repr(ours), str(ours), ours.type, ours.index) == (repr(theirs), str(theirs), theirs.type, theirs.index)
    for spec in BAD_SPECS:
        with pytest.raises(Exception) as expected:
            torch.device(*spec)
        if isinstance(expected.value, RuntimeError) and "accelerator" in str(expected.value):
            continue
        with pytest.raises(type(expected.value)):
            tocha.device(*spec)


def test_cpu_index_means_cpu():
    assert tocha.ones(2, device="cpu:0").device == tocha.device("cpu")
    assert tocha.ones(2, device=tocha.device("cpu", 0)).device.type == "cpu"


# ------------------------------------------------------------------ Tensor.to


def test_to_dtype_overloads():
    t = tocha.tensor([1.5, 2.5])
    assert t.to(tocha.float32) is t
    assert t.to(tocha.float64).dtype is tocha.float64
    assert t.to(dtype=tocha.int64).tolist() == [1, 2]
    assert t.to("cpu") is t
    assert t.to(tocha.device("cpu")) is t
    assert t.to("cpu", tocha.float64).dtype is tocha.float64
    assert t.to(device="cpu", dtype=tocha.float16).dtype is tocha.float16
    assert t.to(tocha.float32, False, True) is not t
    assert t.to(tocha.float32, non_blocking=True) is t
    assert t.to("cpu", tocha.float32, False, True) is not t
    assert t.to(tocha.zeros(1), False, True) is not t
    assert t.to("cpu", non_blocking=True) is t
    other = tocha.zeros(1, dtype=tocha.int32)
    assert t.to(other).dtype is tocha.int32
    assert t.to(other, copy=True).dtype is tocha.int32


def test_to_copy_semantics():
    t = tocha.tensor([1.0, 2.0])
    c = t.to(tocha.float32, copy=True)
    assert c is not t
    assert not np.shares_memory(c.numpy(), t.numpy())
    assert t.to("cpu", copy=True) is not t
    same = t.to("cpu")
    same[0] = 5.0
    assert t[0].item() == 5.0


@pytest.mark.autograd
def test_to_keeps_grad_flag_semantics():
    t = tocha.ones(2, requires_grad=True)
    assert t.to(tocha.float32) is t


def test_to_errors():
    t = tocha.ones(2)
    with pytest.raises(TypeError):
        t.to(tocha.float32, bogus=1)
    with pytest.raises(TypeError):
        t.to([1])


def test_cpu():
    t = tocha.ones(2)
    assert t.cpu() is t
    assert t.is_cpu
    assert not t.is_cuda
    assert t.get_device() == -1


def test_cuda_without_gpu_raises_clearly():
    if tocha.library.get_backend("cuda").is_available():
        pytest.skip("a GPU is available here")
    with pytest.raises(RuntimeError, match="'cuda' device needs CuPy"):
        tocha.ones(2).to("cuda")
    with pytest.raises(RuntimeError, match="'cuda' device needs CuPy"):
        tocha.ones(2).cuda()
    with pytest.raises(RuntimeError, match="'cuda' device needs CuPy"):
        tocha.zeros(2, device="cuda:0")
    assert tocha.library.get_backend("cuda").device_count() == 0


# ------------------------------------------------------------------ backends


def test_unknown_device_type():
    with pytest.raises(RuntimeError, match="Unknown device type 'nosuchdev'"):
        tocha.ones(2, device="nosuchdev")


def test_register_backend(fakedev):
    t = tocha.ones(2, device="fakedev")
    assert t.device == tocha.device("fakedev:0")
    assert repr(t) == "tensor([1., 1.], device='fakedev:0')"
    back = t.cpu()
    assert back.device == tocha.device("cpu")
    assert back.tolist() == [1.0, 1.0]
    moved = back.to("fakedev")
    assert moved.device.type == "fakedev"
    assert (moved + moved).device.type == "fakedev"
    assert tocha.library.get_backend("fakedev").name == "fakedev"


def test_register_backend_factory_and_errors():
    made = tocha.library.register_backend("factorydev", FakeBackend)
    try:
        assert tocha.library.get_backend("factorydev") is made
    finally:
        _backends.pop("factorydev", None)
    with pytest.raises(TypeError, match=r"expected a tocha\.library\.Backend"):
        tocha.library.register_backend("baddev", lambda: object())  # type: ignore[arg-type,return-value]


class _FakeEntryPoint:
    def __init__(self, name, target):
        self.name = name
        self._target = target
        self.loaded = 0

    def load(self):
        self.loaded += 1
        return self._target


def test_backend_found_by_entry_point(monkeypatch):
    entry = _FakeEntryPoint("plugdev", FakeBackend)
    groups = []

    def fake_entry_points(**kwargs):
        groups.append(kwargs.get("group"))
        return [_FakeEntryPoint("otherdev", FakeBackend), entry]

    monkeypatch.setattr(importlib.metadata, "entry_points", fake_entry_points)
    try:
        t = tocha.zeros(3, device="plugdev")
        assert t.device.type == "plugdev"
        assert groups == ["tocha.backends"]
        assert entry.loaded == 1
        tocha.zeros(1, device="plugdev")
        assert entry.loaded == 1  # loaded once, then registered
        assert isinstance(tocha.library.get_backend("plugdev"), FakeBackend)
    finally:
        _backends.pop("plugdev", None)


# ------------------------------------------------------------------ mixing devices


def test_mixing_devices_raises(fakedev):
    a = tocha.ones(2, device="fakedev")
    b = tocha.ones(2)
    with pytest.raises(RuntimeError, match=r"same device.*cpu.*fakedev:0|same device.*fakedev:0.*cpu"):
        a + b
    with pytest.raises(RuntimeError, match=r"fakedev:0"):
        b * a


def test_cpu_scalar_tensor_joins_other_device(fakedev):
    a = tocha.ones(2, device="fakedev")
    result = a + tocha.tensor(2.0)
    assert result.device.type == "fakedev"
    assert result.tolist() == [3.0, 3.0]


# ------------------------------------------------------------------ GPU


@pytest.mark.gpu
def test_gpu_round_trip():
    t = tocha.arange(6, dtype=tocha.float32).reshape(2, 3)
    g = t.to("cuda")
    assert g.device == tocha.device("cuda:0")
    assert g.is_cuda
    assert repr(g) == "tensor([[0., 1., 2.],\n        [3., 4., 5.]], device='cuda:0')"
    h = (g * 2 + 1).sum(dim=1)
    assert h.device.type == "cuda"
    assert h.cpu().tolist() == [9.0, 27.0]
    assert g.to(tocha.float64).dtype is tocha.float64
    assert g.cuda() is g
    with pytest.raises(RuntimeError, match="cuda:0"):
        g + t
    assert (g + tocha.tensor(1.0)).cpu().tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]


@pytest.mark.gpu
def test_gpu_numpy_and_dlpack():
    g = tocha.ones(3, device="cuda")
    with pytest.raises(TypeError, match="cuda:0 device type tensor to numpy"):
        g.numpy()
    assert np.asarray(g.cpu()).tolist() == [1.0, 1.0, 1.0]
    shared = tocha.from_dlpack(g)
    assert shared.device == g.device
    assert tocha.library.get_backend("cuda").device_count() >= 1


@pytest.mark.gpu
def test_gpu_non_blocking_copies_from_pinned_memory_do_not_wait():
    import warnings

    cupyx = pytest.importorskip("cupyx")
    host = tocha.arange(12, dtype=tocha.float32).reshape(3, 4)
    pinned = host.pin_memory()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # CuPy deprecates allow_synchronize, and warns so
        with cupyx.allow_synchronize(False):
            moved = [pinned.to("cuda", non_blocking=True), pinned.cuda(non_blocking=True)]
            moved.append(pinned.to("cuda", tocha.float64, True))
    del pinned  # the queued copies keep the pinned buffer alive
    for g in moved:
        assert g.device == tocha.device("cuda:0")
        assert g.cpu().tolist() == host.tolist()
    assert moved[2].dtype == tocha.float64
    assert host.to("cuda", non_blocking=True).cpu().tolist() == host.tolist()  # pageable memory: a plain copy


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("shape", "dims", "keepdim"), [((300, 17), (0,), False), ((8, 40, 33), (0, 1), True),
                                                        ((8, 40, 33), (1, 0), False), ((2, 300, 5, 4), (0, 1), False),
                                                        ((300, 20, 3, 3), (0, 2, 3), False), ((300, 20, 3, 3), (0, 2, 3), True),
                                                        ((300, 20, 4), (0, 2), True)])  # fmt: skip
def test_gpu_sums_over_leading_dims_match_numpy(shape, dims, keepdim, dtype):
    # on CuPy these run as a product with a ones vector (a bias gradient's column sums): same values, NaN and inf too
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    x.reshape(-1)[[3, 50]] = [np.nan, np.inf]
    got = tocha.from_numpy(x).cuda().sum(dims, keepdim=keepdim)
    expected = x.sum(dims, keepdims=keepdim)
    assert got.dtype == tocha.from_numpy(x).dtype
    tol = 1e-4 if dtype == np.float32 else 1e-12  # float32: another summation order over up to 2700 terms
    np.testing.assert_allclose(got.cpu().numpy(), expected, rtol=tol, atol=tol)
    mean = tocha.from_numpy(x).cuda().mean(dims, keepdim=keepdim).cpu().numpy()
    np.testing.assert_allclose(mean, x.mean(dims, keepdims=keepdim), rtol=tol, atol=tol)
