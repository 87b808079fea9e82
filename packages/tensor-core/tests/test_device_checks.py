"""Deferred device checks (NOTE [ Deferred device checks ]): raised at once on the CPU, at the next host read on a GPU."""

from __future__ import annotations

import numpy as np
import pytest

import tocha
from tocha import _device_checks


class _DeviceModule:
    """Any array module other than NumPy: its checks are queued."""


@pytest.fixture(autouse=True)
def _empty_queue():
    _device_checks._pending.clear()
    yield
    _device_checks._pending.clear()


def test_on_the_cpu_a_failed_check_raises_at_once_with_its_error_type():
    index = np.array([0, 5])
    with pytest.raises(IndexError, match=r"^index 5 is out of range$"):
        tocha.library.device_check(np, (index >= 3).any(), IndexError, "index 5 is out of range")
    tocha.library.device_check(np, (index >= 9).any(), IndexError, "never")


def test_a_message_callable_is_called_only_when_the_check_fails():
    calls = []

    def message():
        calls.append(1)
        return "bad"

    tocha.library.device_check(np, np.bool_(False), ValueError, message)
    assert calls == []
    with pytest.raises(ValueError, match="bad"):
        tocha.library.device_check(np, np.bool_(True), ValueError, message)
    assert calls == [1]


def test_elsewhere_checks_wait_for_the_next_host_read_and_the_first_failure_raises():
    xp = _DeviceModule()
    tocha.library.device_check(xp, np.bool_(False), IndexError, "fine")
    tocha.library.device_check(xp, np.bool_(True), IndexError, lambda: "Target 12 is out of bounds.")
    tocha.library.device_check(xp, np.bool_(True), IndexError, "a later failure")
    assert len(_device_checks._pending) == 3
    with pytest.raises(RuntimeError, match=r"^Target 12 is out of bounds\. \(IndexError found by a device-side check"):
        tocha.library.raise_deferred_checks()
    assert _device_checks._pending == []
    tocha.library.raise_deferred_checks()  # the queue was emptied


def test_the_queue_drains_itself_when_full(monkeypatch):
    monkeypatch.setattr(_device_checks, "_MAX_PENDING", 3)
    xp = _DeviceModule()
    tocha.library.device_check(xp, np.bool_(False), IndexError, "fine")
    tocha.library.device_check(xp, np.bool_(False), IndexError, "fine")
    assert len(_device_checks._pending) == 2
    tocha.library.device_check(xp, np.bool_(False), IndexError, "fine")
    assert _device_checks._pending == []
    tocha.library.device_check(xp, np.bool_(False), IndexError, "fine")
    tocha.library.device_check(xp, np.bool_(False), IndexError, "fine")
    with pytest.raises(RuntimeError, match="index 4 is bad"):
        tocha.library.device_check(xp, np.bool_(True), IndexError, "index 4 is bad")


class _StackingModule:
    """An array module whose flags stack: the queue reads each module's flags back in one copy."""

    def __init__(self):
        self.reads = 0

    def stack(self, flags):
        module = self

        class Stacked:
            def tolist(self):
                module.reads += 1
                return [bool(f) for f in flags]

        return Stacked()


def test_draining_reads_each_modules_flags_back_at_once_and_raises_the_first_failure():
    first, second = _StackingModule(), _StackingModule()
    for k in range(5):
        tocha.library.device_check(first, np.bool_(k == 3), IndexError, f"first module, check {k}")
        tocha.library.device_check(second, np.bool_(k >= 1), IndexError, f"second module, check {k}")
    with pytest.raises(RuntimeError, match=r"^second module, check 1 \(IndexError"):  # the earliest in queue order
        tocha.library.raise_deferred_checks()
    assert (first.reads, second.reads) == (1, 1)
    assert _device_checks._pending == []
    for k in range(3):
        tocha.library.device_check(first, np.bool_(False), IndexError, "fine")
    tocha.library.raise_deferred_checks()
    assert first.reads == 2


@pytest.mark.gpu
def test_out_of_range_indices_on_the_gpu_raise_at_the_next_host_read():
    x = tocha.arange(6.0, device="cuda")
    y = x[tocha.tensor([1, 7], device="cuda")]
    assert y.shape == (2,)
    with pytest.raises(RuntimeError, match=r"^index 7 is out of bounds for dimension 0 with size 6 \(IndexError"):
        y.cpu()
    tocha.gather(x, 0, tocha.tensor([9], device="cuda"))
    with pytest.raises(RuntimeError, match=r"index 9 is out of bounds for dimension 0 with size 6"):
        tocha.cuda.synchronize()
    tocha.take(x, tocha.tensor([-9], device="cuda"))
    with pytest.raises(RuntimeError, match=r"tried to access index -9 on a tensor of 6 elements"):
        print(x)
    tocha.index_select(x, 0, tocha.tensor([-1], device="cuda"))  # indexing takes -1, index_select does not
    with pytest.raises(RuntimeError, match=r"INDICES element is out of DATA bounds, id=-1 axis_dim=6"):
        x.sum().item()
    assert x[tocha.tensor([5, -6], device="cuda")].tolist() == [5.0, 0.0]  # in range: nothing raised
