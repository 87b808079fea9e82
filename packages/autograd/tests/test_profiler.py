"""Profiling a backward pass, and tocha.autograd.profiler (PyTorch's older interface)."""

from __future__ import annotations

import pytest

import tocha
import tocha.profiler
from tocha.autograd import profiler

pytestmark = pytest.mark.autograd


def test_backward_ops_are_recorded_in_the_thread_that_profiles() -> None:
    x = tocha.ones(3, requires_grad=True)
    with tocha.profiler.profile() as prof:
        with tocha.profiler.record_function("forward"):
            y = (x * x).sum()
        with tocha.profiler.record_function("backward"):
            y.backward()
    roots = {e.name: [c.name for c in e.cpu_children] for e in prof.events() if e.cpu_parent is None}
    assert roots["forward"] == ["tocha::mul", "tocha::sum"]
    assert "tocha::mul" in roots["backward"]  # d(x*x)/dx = 2x: multiplications run by the engine
    assert x.grad is not None
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


def test_legacy_profile() -> None:
    with profiler.profile(record_shapes=True, profile_memory=True) as prof, profiler.record_function("step"):
        tocha.ones(2, 2).sum()
    assert prof.function_events is not None
    names = [e.name for e in prof.function_events]
    assert names == ["step", "tocha::full", "tocha::sum"]
    assert prof.key_averages().table().splitlines()[-1].startswith("Self CPU time total:")
    assert prof.total_average().count == 3
    assert prof.self_cpu_time_total == pytest.approx(sum(e.self_cpu_time_total for e in prof.function_events))
    assert "tocha::sum" in prof.table(sort_by="cpu_time_total")
    with profiler.profile(enabled=False) as off:
        tocha.ones(1)
    with pytest.raises(RuntimeError, match="Profiler didn't finish running"):
        off.key_averages()


def test_emit_nvtx() -> None:
    with profiler.emit_nvtx(enabled=False):
        assert tocha.ones(1).item() == 1.0
    if tocha.cuda.is_available():
        with profiler.emit_nvtx(record_shapes=True):
            assert tocha.ones(1).item() == 1.0
    else:
        with pytest.raises(RuntimeError), profiler.emit_nvtx():  # NVTX comes with CuPy
            tocha.ones(1)
