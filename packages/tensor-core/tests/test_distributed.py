"""tocha.distributed: PyTorch's API as a build without a distributed backend presents it."""

from __future__ import annotations

import pytest

import tocha


def test_nothing_is_available_or_initialized(monkeypatch: pytest.MonkeyPatch) -> None:
    dist = tocha.distributed
    assert dist.is_available() is False
    assert dist.is_initialized() is False
    for backend in ("gloo", "nccl", "mpi", "ucc", "xccl"):
        assert getattr(dist, f"is_{backend}_available")() is False
    monkeypatch.delenv("TORCHELASTIC_RUN_ID", raising=False)
    assert dist.is_torchelastic_launched() is False
    monkeypatch.setenv("TORCHELASTIC_RUN_ID", "run-1")
    assert dist.is_torchelastic_launched() is True


def test_a_guarded_training_script_runs_in_one_process() -> None:
    dist = tocha.distributed
    rank = dist.get_rank() if dist.is_available() and dist.is_initialized() else 0
    assert rank == 0


def test_process_group_calls_raise_pytorchs_errors() -> None:
    torch = pytest.importorskip("torch")
    if not torch.distributed.is_available() or torch.distributed.is_initialized():
        pytest.skip("PyTorch without distributed, or with a process group")
    for name in ("get_rank", "get_world_size", "get_backend", "barrier", "destroy_process_group"):
        with pytest.raises(Exception) as theirs:
            getattr(torch.distributed, name)()
        with pytest.raises(type(theirs.value)) as ours:
            getattr(tocha.distributed, name)()
        assert str(ours.value) == str(theirs.value), name


def test_init_process_group_says_why_it_cannot() -> None:
    with pytest.raises(RuntimeError, match=r"init_process_group\(backend='nccl'\): tocha has no distributed backend"):
        tocha.distributed.init_process_group("nccl", rank=0, world_size=2)
