"""spawn / start_processes and ProcessContext: results, raised exceptions, signals and exit codes."""

from __future__ import annotations

import pytest
from mp_workers import rank_exits, rank_killed, rank_raises, rank_writes

import tocha
import tocha.multiprocessing as mp


@pytest.mark.parametrize("method", ["spawn", "fork", "forkserver"])
def test_processes_run_with_their_rank_and_share_tensors(method: str) -> None:
    shared = tocha.zeros(3).share_memory_()
    assert mp.start_processes(rank_writes, args=(shared,), nprocs=3, start_method=method) is None
    assert shared.tolist() == [1.0, 2.0, 3.0]


def test_spawn_returns_a_context_without_join() -> None:
    shared = tocha.zeros(2).share_memory_()
    context = mp.spawn(rank_writes, args=(shared,), nprocs=2, join=False)
    assert isinstance(context, mp.ProcessContext)
    assert len(context.pids()) == 2
    while not context.join():
        pass
    assert shared.tolist() == [1.0, 2.0]


def test_a_raised_exception_carries_the_child_traceback() -> None:
    with pytest.raises(mp.ProcessRaisedException) as info:
        mp.start_processes(rank_raises, nprocs=2, start_method="fork")
    error = info.value
    assert error.error_index == 1
    assert isinstance(error.pid, int)
    assert "-- Process 1 terminated with the following error:" in str(error)
    assert "Traceback (most recent call last)" in str(error)
    assert "ValueError: rank 1 failed on purpose" in str(error)


def test_a_killed_child_names_the_signal() -> None:
    with pytest.raises(mp.ProcessExitedException, match="process 0 terminated with signal SIGKILL") as info:
        mp.start_processes(rank_killed, nprocs=2, start_method="fork")
    assert info.value.signal_name == "SIGKILL"
    assert info.value.exit_code == -9
    assert info.value.error_index == 0


def test_an_exit_code_is_reported() -> None:
    with pytest.raises(mp.ProcessExitedException, match="process 0 terminated with exit code 3") as info:
        mp.start_processes(rank_exits, args=(3,), nprocs=1, start_method="fork")
    assert info.value.exit_code == 3
    assert info.value.signal_name is None


def test_spawn_with_another_start_method_warns() -> None:
    with pytest.warns(FutureWarning, match="only supports start_method=spawn"):
        mp.spawn(rank_exits, args=(0,), nprocs=1, start_method="fork")


def test_the_standard_library_names_are_re_exported() -> None:
    import multiprocessing

    for name in ("Queue", "Pipe", "Pool", "Process", "get_context", "SimpleQueue", "set_start_method"):
        assert name in mp.__all__
    assert mp.cpu_count() == multiprocessing.cpu_count()
