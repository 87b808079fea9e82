"""DataLoader worker processes feed a training loop: the loss falls, and the run reproduces exactly from its seed.

Two workers (``num_workers=2``) compute samples on demand (integration_workers.NoisyRegression draws each sample's
noise from tocha's global generator inside the worker), collate them into batches and send them back; a linear model
trained on those batches with SGD with momentum + ExponentialLR fits the data. Running again with the same ``generator`` seed gives
bit-identical losses (shuffling and every worker's random state derive from it); another seed gives other losses.
"""

from __future__ import annotations

import integration_workers as w
import pytest

import tocha
import tocha.nn as nn
import tocha.nn.functional as F
import tocha.optim as optim
from tocha.data import DataLoader


def _train(seed: int, *, epochs: int = 5) -> tuple[list[float], set[int], nn.Module]:
    tocha.manual_seed(0)
    model = nn.Linear(w.LOADER_FEATURES, 1)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    loader = DataLoader(
        w.NoisyRegression(512),
        batch_size=32,
        shuffle=True,
        num_workers=2,
        generator=tocha.Generator().manual_seed(seed),
    )
    losses: list[float] = []
    workers: set[int] = set()
    for _ in range(epochs):
        for x, y, worker in loader:
            assert x.shape == (32, w.LOADER_FEATURES)
            assert y.shape == (32,)
            assert worker.dtype == tocha.int64
            workers.update(worker.tolist())
            opt.zero_grad()
            loss = F.mse_loss(model(x).squeeze(1), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        sched.step()
    return losses, workers, model


def test_workers_feed_training_and_the_loss_falls() -> None:
    losses, workers, model = _train(seed=7)
    assert workers == {0, 1}  # both worker processes made batches; none came from this process
    assert len(losses) == 5 * 512 // 32
    assert losses[0] > 1.0
    assert max(losses[-8:]) < 0.03  # the noise's variance is 0.0025
    tocha.testing.assert_close(model.weight.detach(), tocha.tensor([w.LOADER_WEIGHT]), atol=0.08, rtol=0)


def test_the_same_generator_seed_reproduces_the_run_exactly() -> None:
    first, _, _ = _train(seed=7, epochs=1)
    again, _, _ = _train(seed=7, epochs=1)
    other, _, _ = _train(seed=8, epochs=1)
    assert first == again
    assert first != other
    assert first[0] != pytest.approx(other[0], rel=1e-6, abs=0)  # another shuffle: another first batch
