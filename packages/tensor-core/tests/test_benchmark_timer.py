"""tocha.utils.benchmark: Timer, Measurement and Compare."""

from __future__ import annotations

import re

import numpy as np
import pytest

import tocha
from tocha.utils.benchmark import Compare, Measurement, TaskSpec, Timer, select_unit


def _measurement(times: list[float], number: int = 10, **labels: str) -> Measurement:
    return Measurement(number, [t * number for t in times], TaskSpec("f()", "pass", **labels))  # type: ignore[arg-type]


def test_timeit_runs_the_statement_in_its_globals() -> None:
    calls: list[int] = []
    m = Timer("calls.append(1)", setup="calls.clear()", globals={"calls": calls}).timeit(25)
    assert calls == [1] * 25  # the setup ran before the timed runs (after the warm-up's)
    assert m.number_per_run == 25
    assert len(m.times) == 1
    assert m.times[0] == pytest.approx(m.raw_times[0] / 25)
    assert m.stmt == "calls.append(1)"


def test_blocked_autorange_times_blocks_for_the_minimum_run_time() -> None:
    seen: list[tuple[int, float]] = []
    m = Timer("sum(range(50))").blocked_autorange(callback=lambda n, t: seen.append((n, t)), min_run_time=0.05)
    assert sum(m.raw_times) >= 0.05
    assert [n for n, _ in seen] == [m.number_per_run] * len(m.times)
    assert m.number_per_run >= 10  # one run is far below the timer's resolution budget
    assert str(m.number_per_run).strip("0") == "1"  # a power of ten
    adaptive = Timer("sum(range(50))").adaptive_autorange(threshold=10.0, max_run_time=1.0)
    assert len(adaptive.times) > 3  # more than 3 blocks, then the (loose) threshold is met


def test_statistics() -> None:
    m = _measurement([1e-6, 2e-6, 3e-6, 4e-6, 100e-6])
    assert m.median == pytest.approx(3e-6)
    assert m.mean == pytest.approx(22e-6)
    assert m.iqr == pytest.approx(float(np.percentile([1, 2, 3, 4, 100], 75) - 2) * 1e-6)
    assert m.has_warnings
    assert not m.meets_confidence(0.1)
    steady = _measurement([2e-3] * 8)
    assert steady.iqr == 0.0
    assert steady.significant_figures == 4  # the confidence interval floors at 25 ns
    assert not steady.has_warnings
    assert select_unit(999e-9) == ("ns", 1e-9)
    assert select_unit(1e-6) == ("us", 1e-6)


def test_repr_matches_pytorch_layout() -> None:
    one = repr(_measurement([2.3116e-6], number=100, label="add", sub_label="small", description="cpu"))
    lines = one.splitlines()
    assert re.fullmatch(r"<tocha\.utils\.benchmark\.Measurement object at 0x[0-9a-f]+>", lines[0])
    assert lines[1:] == ["add: small", "cpu", "  2.31 us", "  1 measurement, 100 runs , 1 thread"]
    many = repr(_measurement([2e-6, 2.1e-6, 2.2e-6, 2.05e-6]))
    assert many.splitlines()[1:] == [
        "f()",
        "  Median: 2.07 us",
        "  IQR:    0.09 us (2.04 to 2.12)",
        "  4 measurements, 10 runs per measurement, 1 thread",
    ]
    setup = Measurement(10, [1.0], TaskSpec("a\nb", "x = 1", sub_label="s"))
    assert repr(setup).splitlines()[1:6] == ["stmt: (s)", "  a", "  b", "", "setup: x = 1"]


def test_repr_matches_pytorch_text() -> None:
    torch = pytest.importorskip("torch")
    from torch.utils.benchmark import Measurement as TorchMeasurement
    from torch.utils.benchmark.utils.common import TaskSpec as TorchTaskSpec

    for times in ([2.3116e-6], [2e-6, 2.1e-6, 2.2e-6, 2.05e-6], [1e-6, 2e-6, 3e-6], [1e-3, 1.5e-3, 2e-3, 9e-3, 1.1e-3]):
        ours = repr(_measurement(times, label="add", description="cpu")).splitlines()[1:]
        theirs = TorchMeasurement(10, [t * 10 for t in times], TorchTaskSpec("f()", "pass", label="add",
                                  description="cpu"))  # fmt: skip
        assert ours == repr(theirs).splitlines()[1:], times
        assert _measurement(times).significant_figures == theirs.significant_figures
    del torch


def test_compare_table() -> None:
    results = [
        _measurement([t * 1e-6] * 4, label="f", sub_label=s, description=d)
        for s, d, t in (("a", "cpu", 20.0), ("a", "gpu", 5.0), ("bb", "cpu", 40.0), ("bb", "gpu", 12.5))
    ]
    compare = Compare(results)
    text = str(compare)
    lines = text.splitlines()
    assert lines[0].startswith("[---")
    assert lines[0].endswith("---]")
    assert " f " in lines[0]
    assert lines[1].split() == ["|", "cpu", "|", "gpu"]
    assert lines[2].startswith("1 threads: ---")
    assert lines[3].split() == ["a", "|", "20.0", "|", "5.0"]
    assert lines[4].split() == ["bb", "|", "40.0", "|", "12.5"]
    assert text.endswith("\n\nTimes are in microseconds (us).\n")
    compare.trim_significant_figures()
    assert str(compare).splitlines()[4].split() == ["bb", "|", "40", "|", "13"]  # 2 figures: the times agree
    compare.colorize()
    assert "\033[92m" in str(compare)
    with pytest.raises(ValueError, match="Expected an instance of `Measurement`"):
        Compare([1.0])  # type: ignore[list-item]


def test_threads_and_errors() -> None:
    before = tocha.get_num_threads()
    Timer("pass", num_threads=1).timeit(10)
    assert tocha.get_num_threads() == before
    with pytest.raises(NotImplementedError, match="blocked_autorange"):
        Timer().repeat()
    with pytest.raises(ValueError, match="Python statements only"):
        Timer(language="c++")
    with pytest.raises(ValueError, match="only a `str` stmt"):
        Timer(lambda: None)  # type: ignore[arg-type]
