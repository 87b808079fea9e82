"""Code that the integration tests run in other processes, importable by name (pytest's ``pythonpath`` holds
tests-integration/, and the tests hand the same folder to their subprocesses through ``PYTHONPATH``).

Processes started with ``spawn`` and ``python -c`` re-import their target by module name, so worker functions,
datasets and the shared pieces of a training run live here rather than in the test files: the checkpoint of
test_checkpoint_processes.py, the dataset of test_dataloader_training.py and the Hogwild! worker of test_hogwild.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tocha
import tocha.nn as nn
import tocha.nn.functional as F
import tocha.optim as optim
from tocha.data import Dataset, get_worker_info

# --- a checkpoint written by one process and read by another -------------------------------------------------------

CHECKPOINT_FEATURES = 6


def checkpoint_model() -> nn.Module:
    """A small classifier with dropout, so that resuming also needs the random generator's state."""
    return nn.Sequential(
        nn.Linear(CHECKPOINT_FEATURES, 32),
        nn.ReLU(),
        nn.Dropout(0.2),
        nn.Linear(32, 32),
        nn.LayerNorm(32),
        nn.ReLU(),
        nn.Linear(32, 3),
    )


def checkpoint_optimizer(model: nn.Module) -> tuple[optim.Optimizer, optim.lr_scheduler.LRScheduler]:
    """AdamW (with state: moments and step counts) and a scheduler that changes the rate every few steps."""
    opt = optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.05)
    return opt, optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.7)


def checkpoint_batch(step: int) -> tuple[tocha.Tensor, tocha.Tensor]:
    """The batch of training step ``step``: the same in every process."""
    g = tocha.Generator().manual_seed(1000 + step)
    x = tocha.randn(32, CHECKPOINT_FEATURES, generator=g)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0.5).long()
    return x, y


def checkpoint_train(model: nn.Module, opt: optim.Optimizer, sched: Any, steps: range) -> list[float]:
    """Train over ``steps`` (one batch and one scheduler step each); return the losses."""
    model.train()
    losses = []
    for step in steps:
        x, y = checkpoint_batch(step)
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
    return losses


def write_checkpoint(path: str, steps: int) -> None:
    """Run in a separate process: train ``steps`` steps from seed 0, then save everything needed to resume."""
    tocha.manual_seed(0)
    model = checkpoint_model()
    opt, sched = checkpoint_optimizer(model)
    losses = checkpoint_train(model, opt, sched, range(steps))
    checkpoint = {
        "model": model.state_dict(),
        "optimizer": opt.state_dict(),
        "scheduler": sched.state_dict(),
        "rng_state": tocha.get_rng_state(),
        "step": steps,
        "losses": losses,
    }
    tocha.save(checkpoint, Path(path))


# --- DataLoader workers ---------------------------------------------------------------------------------------------

LOADER_FEATURES = 4
LOADER_WEIGHT = [1.5, -2.0, 0.5, 3.0]


class NoisyRegression(Dataset):  # type: ignore[type-arg]
    """Samples computed on demand in the worker: ``y = x @ w + noise``, the noise drawn from the worker's RNG.

    ``x`` depends only on the index; the noise comes from tocha's global generator, which each DataLoader worker
    seeds from the loader's ``generator``, so a run reproduces exactly only when that seeding does. Each sample also
    carries the id of the worker that made it.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.weight = tocha.tensor(LOADER_WEIGHT)

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int) -> tuple[tocha.Tensor, tocha.Tensor, int]:
        x = tocha.randn(LOADER_FEATURES, generator=tocha.Generator().manual_seed(index))
        noise = 0.05 * tocha.randn(())
        info = get_worker_info()
        return x, (x * self.weight).sum() + noise, -1 if info is None else info.id


# --- Hogwild! -------------------------------------------------------------------------------------------------------

HOGWILD_FEATURES = 8


def hogwild_shard(rank: int, n: int = 256) -> tuple[tocha.Tensor, tocha.Tensor]:
    """Worker ``rank``'s data: only its half of the features is non-zero, so only it can fit that half's weights."""
    g = tocha.Generator().manual_seed(rank)
    x = tocha.zeros(n, HOGWILD_FEATURES)
    half = HOGWILD_FEATURES // 2
    x[:, rank * half : (rank + 1) * half] = tocha.randn(n, half, generator=g)
    return x, hogwild_target(x)


def hogwild_target(x: tocha.Tensor) -> tocha.Tensor:
    """The function both workers learn: a fixed linear map plus a bias."""
    weight = tocha.linspace(-2.0, 2.0, HOGWILD_FEATURES)
    return (x * weight).sum(dim=1, keepdim=True) + 0.5


def hogwild_loss(model: nn.Module, rank: int) -> float:
    """Mean squared error of ``model`` on shard ``rank``."""
    x, y = hogwild_shard(rank)
    with tocha.no_grad():
        return float(F.mse_loss(model(x), y).item())


def hogwild_train(rank: int, model: nn.Module, epochs: int) -> None:
    """One Hogwild! worker: its own optimizer over its own shard, updating the shared parameters in place."""
    if not all(p.is_shared() for p in model.parameters()):
        raise RuntimeError(f"worker {rank}: the model's parameters did not arrive in shared memory")
    tocha.manual_seed(100 + rank)
    x, y = hogwild_shard(rank)
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.5)
    for _ in range(epochs):
        order = tocha.randperm(x.shape[0])
        for start in range(0, x.shape[0], 16):
            index = order[start : start + 16]
            opt.zero_grad()
            F.mse_loss(model(x[index]), y[index]).backward()
            opt.step()
