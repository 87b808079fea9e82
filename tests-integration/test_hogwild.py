"""Hogwild!: two processes train one model whose parameters live in shared memory, and its loss falls.

The parent builds a linear model, moves its parameters to shared memory with ``model.share_memory()`` and starts two
workers through tocha.multiprocessing: ``mp.spawn`` (the spawn start method, where the parameters travel as
shared-memory handles) and ``Process`` of the ``fork`` context. Each worker has its own SGD optimizer and its own data shard, and updates the shared parameters in place
without locks. Each shard exercises only half of the input features, so the parent's model (the same memory, never
trained here) can fit both shards only if both workers' updates landed in it.
"""

from __future__ import annotations

import integration_workers as w
import pytest

import tocha
import tocha.multiprocessing as mp
import tocha.nn as nn


@pytest.mark.parametrize("start_method", ["spawn", "fork"])
def test_two_processes_train_one_shared_model(start_method: str) -> None:
    if start_method not in mp.get_all_start_methods():
        pytest.skip(f"the {start_method!r} start method is not available on this platform")
    tocha.manual_seed(0)
    model = nn.Linear(w.HOGWILD_FEATURES, 1)
    with tocha.no_grad():
        model.weight.zero_()
    weight_before = model.weight.detach().clone()
    before = [w.hogwild_loss(model, rank) for rank in (0, 1)]
    assert model.share_memory() is model
    assert all(p.is_shared() for p in model.parameters())
    alias = model.weight.detach()  # a view of the same (shared) memory, held from before the workers ran

    if start_method == "spawn":
        mp.spawn(w.hogwild_train, args=(model, 5), nprocs=2, join=True)
    else:
        context = mp.get_context(start_method)
        workers = [context.Process(target=w.hogwild_train, args=(rank, model, 5)) for rank in (0, 1)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=120)
        assert [worker.exitcode for worker in workers] == [0, 0]

    assert tocha.equal(alias, model.weight.detach())  # the parent's own memory changed under it
    after = [w.hogwild_loss(model, rank) for rank in (0, 1)]
    for rank in (0, 1):
        assert after[rank] < before[rank] / 50, f"shard {rank}: loss {before[rank]:.3f} -> {after[rank]:.3f}"
    half = w.HOGWILD_FEATURES // 2
    moved = (model.weight.detach() - weight_before).abs()
    assert moved[0, :half].min().item() > 0.1
    assert moved[0, half:].min().item() > 0.1
    target = tocha.linspace(-2.0, 2.0, w.HOGWILD_FEATURES)[None]
    tocha.testing.assert_close(model.weight.detach(), target, atol=0.1, rtol=0)
