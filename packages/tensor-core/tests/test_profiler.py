"""tocha.profiler: events, nesting, averages, the table, schedules and trace exports."""

from __future__ import annotations

import gzip
import json
import os
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tocha
import tocha.profiler as profiler
from tocha.profiler import ProfilerAction


def _names(events: Any) -> list[str]:
    return [e.name for e in events]


def test_every_op_call_is_an_event_in_order() -> None:
    with profiler.profile() as prof:
        x = tocha.ones(2, 3)
        y = (x * 2).sum(0)
    assert _names(prof.events()) == ["tocha::full", "tocha::mul", "tocha::sum"]
    assert y.tolist() == [4.0, 4.0, 4.0]
    starts = [e.time_range.start for e in prof.events()]
    assert starts == sorted(starts)
    for event in prof.events():
        assert event.cpu_time_total >= 0
        assert event.self_cpu_time_total == event.cpu_time_total  # ops hold no other events
        assert event.thread == threading.get_ident()


def test_record_function_nests_the_ops_it_runs() -> None:
    with profiler.profile() as prof:
        with profiler.record_function("outer"):
            a = tocha.ones(3)
            with profiler.record_function("inner"):
                time.sleep(0.002)
                b = a + 1
        c = b * 2
    events = {e.name: e for e in prof.events()}
    outer, inner = events["outer"], events["inner"]
    assert [e.name for e in outer.cpu_children] == ["tocha::full", "inner"]
    assert [e.name for e in inner.cpu_children] == ["tocha::add"]
    assert inner.cpu_parent is outer
    assert events["tocha::mul"].cpu_parent is None
    assert inner.is_user_annotation
    assert not events["tocha::add"].is_user_annotation
    assert inner.cpu_time_total >= 2000  # microseconds: the sleep is the range's own time
    assert inner.self_cpu_time_total == pytest.approx(inner.cpu_time_total - events["tocha::add"].cpu_time_total)
    assert outer.self_cpu_time_total == pytest.approx(
        outer.cpu_time_total - inner.cpu_time_total - events["tocha::full"].cpu_time_total
    )
    assert c.tolist() == [4.0, 4.0, 4.0]
    # the self times add up to the whole
    assert prof.events().self_cpu_time_total == pytest.approx(sum(e.self_cpu_time_total for e in prof.events()))


def test_record_function_as_decorator_and_without_a_profiler() -> None:
    @profiler.record_function("helper")
    def helper(x: tocha.Tensor) -> tocha.Tensor:
        return x + 1

    assert helper(tocha.zeros(1)).item() == 1.0  # nothing recording: a no-op
    with profiler.profile() as prof:
        helper(tocha.zeros(1))
    assert _names(prof.events()) == ["tocha::full", "helper", "tocha::add"]


def test_key_averages_group_by_name_and_shapes() -> None:
    with profiler.profile(record_shapes=True) as prof:
        for n in (2, 2, 3):
            tocha.ones(n) * 2
    averages = {avg.key: avg for avg in prof.key_averages()}
    assert averages["tocha::mul"].count == 3
    total = sum(e.cpu_time_total for e in prof.events() if e.name == "tocha::mul")
    assert averages["tocha::mul"].cpu_time_total == pytest.approx(total)
    assert averages["tocha::mul"].cpu_time == pytest.approx(total / 3)
    by_shape = [(a.key, a.count, a.input_shapes) for a in prof.key_averages(group_by_input_shape=True)]
    assert ("tocha::mul", 2, [[2], []]) in by_shape
    assert ("tocha::mul", 1, [[3], []]) in by_shape
    assert prof.key_averages().total_average().count == 6
    assert prof.key_averages().total_average().key == "Total"


def test_memory_and_flops() -> None:
    a, b = tocha.ones(4, 5), tocha.ones(5, 6, dtype=tocha.float64)
    with profiler.profile(profile_memory=True, with_flops=True) as prof, profiler.record_function("block"):
        c = a.double() @ b
    events = {e.name: e for e in prof.events()}
    matmul = events["tocha::matmul"]
    assert matmul.cpu_memory_usage == c.numel() * 8
    assert matmul.flops == 2 * 4 * 5 * 6
    block = events["block"]
    assert block.cpu_memory_usage == 4 * 5 * 8 + 4 * 6 * 8  # the ops inside: the cast and the product
    assert block.self_cpu_memory_usage == 0
    assert block.flops == 240
    table = prof.key_averages().table()
    assert "CPU Mem" in table
    assert "Total KFLOPs" in table


def test_with_stack_names_the_user_frame() -> None:
    with profiler.profile(with_stack=True) as prof:
        tocha.ones(2)
    (event,) = prof.events()
    assert event.stack
    assert os.path.basename(__file__) in event.stack[0]
    assert "test_with_stack_names_the_user_frame" in event.stack[0]


def test_the_table_layout() -> None:
    with profiler.profile() as prof, profiler.record_function("model_inference"):
        for _ in range(3):
            tocha.ones(8) + 1
    table = prof.key_averages().table(sort_by="cpu_time_total", row_limit=2)
    lines = table.splitlines()
    assert lines[0] == lines[2] == lines[-2]
    assert set(lines[0]) == {"-", " "}
    titles = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg", "# of Calls"]
    assert [t.strip() for t in lines[1].split("  ") if t.strip()] == titles
    assert lines[3].split()[0] == "model_inference"  # the longest, sorted first
    assert lines[3].split()[3] == "100.00%"
    assert len(lines) == 7  # rule, titles, rule, two rows, rule, total
    assert lines[-1].startswith("Self CPU time total: ")
    assert str(prof.key_averages()) == prof.key_averages().table()
    with pytest.raises(ValueError, match="sort_by must be one of"):
        prof.key_averages().table(sort_by="wall_time")


def test_table_columns_match_pytorch() -> None:
    torch = pytest.importorskip("torch")

    def titles(table: str) -> list[str]:
        return [t.strip() for t in table.splitlines()[1].split("  ") if t.strip()]

    for options in (dict(), dict(profile_memory=True), dict(record_shapes=True)):
        with profiler.profile(activities=[profiler.ProfilerActivity.CPU], **options) as ours:
            tocha.ones(4) + 1
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU], **options) as theirs:
            torch.ones(4) + 1
        assert titles(ours.key_averages().table()) == titles(theirs.key_averages().table()), options
        by_shape = dict(group_by_input_shape=True)
        assert titles(ours.key_averages(**by_shape).table()) == titles(theirs.key_averages(**by_shape).table())


def test_schedule_matches_pytorch() -> None:
    configs = [dict(wait=1, warmup=1, active=2), dict(wait=0, warmup=0, active=1, repeat=2),
               dict(wait=2, warmup=1, active=3, repeat=1, skip_first=2)]  # fmt: skip
    expected = {
        0: ["NONE", "WARMUP", "RECORD", "RECORD_AND_SAVE", "NONE", "WARMUP", "RECORD", "RECORD_AND_SAVE"],
        1: ["RECORD_AND_SAVE", "RECORD_AND_SAVE", "NONE", "NONE", "NONE", "NONE", "NONE", "NONE"],
        2: ["NONE", "NONE", "NONE", "NONE", "WARMUP", "RECORD", "RECORD", "RECORD_AND_SAVE"],
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # warmup=0 warns, as PyTorch's
        for i, config in enumerate(configs):
            plan = profiler.schedule(**config)
            assert [plan(step).name for step in range(8)] == expected[i]
        torch = pytest.importorskip("torch")
        for config in configs:
            ours, theirs = profiler.schedule(**config), torch.profiler.schedule(**config)
            assert [ours(s).name for s in range(20)] == [theirs(s).name for s in range(20)]
    with pytest.warns(UserWarning, match="Profiler won't be using warmup"):
        profiler.schedule(wait=0, warmup=0, active=1)
    with pytest.raises(ValueError, match="active > 0"):
        profiler.schedule(wait=1, warmup=1, active=0)


def test_steps_under_a_schedule_save_one_trace_per_cycle() -> None:
    traces: list[list[str]] = []
    plan = profiler.schedule(wait=1, warmup=1, active=2, repeat=2)
    with profiler.profile(schedule=plan, on_trace_ready=lambda p: traces.append(_names(p.events()))) as prof:
        for step in range(10):
            with profiler.record_function(f"work{step}"):
                tocha.ones(1)
            prof.step()
    assert len(traces) == 2
    assert traces[0] == ["ProfilerStep#2", "work2", "tocha::full", "ProfilerStep#3", "work3", "tocha::full"]
    assert traces[1][0] == "ProfilerStep#6"
    assert prof.current_action is ProfilerAction.NONE
    # without a schedule: one trace, made at exit, and no step ranges
    ready: list[int] = []
    with profiler.profile(on_trace_ready=lambda p: ready.append(len(p.events()))) as prof:
        tocha.ones(1)
        prof.step()
        tocha.ones(1)
    assert ready == [2]


def test_exports(tmp_path: Path) -> None:
    with profiler.profile(record_shapes=True, with_stack=True) as prof, profiler.record_function("block"):
        tocha.ones(2, 2).sum()
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    trace = json.loads(path.read_text())["traceEvents"]
    assert [(e["name"], e["ph"], e["cat"]) for e in trace] == [
        ("block", "X", "user_annotation"), ("tocha::full", "X", "cpu_op"), ("tocha::sum", "X", "cpu_op")
    ]  # fmt: skip
    assert trace[2]["args"]["Input Dims"] == [[2, 2]]
    assert trace[0]["dur"] >= trace[1]["dur"] + trace[2]["dur"]
    stacks = tmp_path / "stacks.txt"
    prof.export_stacks(str(stacks))
    lines = stacks.read_text().splitlines()
    assert len(lines) == 3
    assert all(line.rsplit(" ", 1)[1].isdigit() for line in lines)
    for use_gzip in (False, True):
        folder = tmp_path / f"tb{use_gzip}"
        with profiler.profile(on_trace_ready=profiler.tensorboard_trace_handler(str(folder), "worker", use_gzip)):
            tocha.ones(1)
        (name,) = os.listdir(folder)
        assert name.startswith("worker.")
        assert name.endswith(".pt.trace.json.gz" if use_gzip else ".pt.trace.json")
        raw = (folder / name).read_bytes()
        assert json.loads(gzip.decompress(raw) if use_gzip else raw)["traceEvents"][0]["name"] == "tocha::full"


def test_results_need_a_finished_trace_and_other_threads_are_not_recorded() -> None:
    prof = profiler.profile()
    with pytest.raises(RuntimeError, match="no trace has completed yet"):
        prof.events()
    prof.start()
    worker = threading.Thread(target=lambda: tocha.ones(3) + 1)
    worker.start()
    worker.join()
    tocha.zeros(1)
    prof.stop()
    assert _names(prof.events()) == ["tocha::full"]  # the thread that started the profiler
    assert profiler.ProfilerActivity.CPU in profiler.supported_activities()


def test_profiling_leaves_results_unchanged() -> None:
    x = tocha.from_numpy(np.arange(6.0).reshape(2, 3))
    expected = (x.exp() @ x.T).numpy()
    with profiler.profile(record_shapes=True, profile_memory=True, with_flops=True, with_stack=True):
        got = (x.exp() @ x.T).numpy()
    np.testing.assert_array_equal(got, expected)
    from tocha._dispatch import _state

    assert not _state.layers  # the profiler's dispatch layer is gone


@pytest.mark.gpu
def test_cuda_ops_get_device_time() -> None:
    x = tocha.ones(256, 256, device="cuda")
    with profiler.profile(activities=[profiler.ProfilerActivity.CPU, profiler.ProfilerActivity.CUDA]) as prof:
        with profiler.record_function("block"):
            y = x @ x
        z = y.cpu()
    events = {e.name: e for e in prof.events()}
    matmul = events["tocha::matmul"]
    assert matmul.device_type == "cuda"
    assert matmul.device_time_total > 0
    assert events["block"].device_time_total == matmul.device_time_total  # a range's device time: its ops'
    assert z.shape == (256, 256)
    table = prof.key_averages().table()
    assert "Self CUDA" in table
    assert "Self CUDA time total:" in table
