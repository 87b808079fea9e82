"""DataLoader throughput: items/s over a shuffled map dataset of images, tocha.data against torch.utils.data.

Workload (issue 7): 8,000 uint8 3x72x72 images; each item is cropped to 3x64x64 at a random offset and
normalised to float32; batch 64, shuffled. Targets: num_workers=0 at least 1.0x PyTorch's items/s,
num_workers=2 at least 1.5x. Throughput is the median over a few epochs (higher is better).
"""

from __future__ import annotations

import time
from statistics import median
from typing import Any

import numpy as np
from common import optional_torch, print_table

import tocha
import tocha.data

ITEMS = 8_000
EPOCHS = 3


class Images:
    """The same dataset code for both libraries: ``lib`` is tocha or torch."""

    def __init__(self, lib: Any) -> None:
        rng = np.random.default_rng(0)
        self.images = lib.from_numpy(rng.integers(0, 255, (ITEMS, 3, 72, 72), dtype=np.uint8))
        self.labels = lib.from_numpy(rng.integers(0, 10, ITEMS))
        self.offsets = rng.integers(0, 9, (ITEMS, 2)).tolist()

    def __len__(self) -> int:
        return ITEMS

    def __getitem__(self, i: int) -> Any:
        y, x = self.offsets[i]
        return self.images[i, :, y : y + 64, x : x + 64].float().div_(255.0).sub_(0.5), self.labels[i]


def items_per_second(loader_class: Any, dataset: Any, workers: int) -> float:
    loader = loader_class(dataset, batch_size=64, shuffle=True, num_workers=workers, persistent_workers=workers > 0)
    rates = []
    for _ in range(EPOCHS):
        start = time.perf_counter()
        count = sum(len(labels) for _, labels in loader)
        rates.append(count / (time.perf_counter() - start))
    return median(rates)


def main() -> None:
    torch = optional_torch()
    rows = []
    for workers in (0, 2):
        ours = items_per_second(tocha.data.DataLoader, Images(tocha), workers)
        theirs = None
        if torch is not None:
            import torch.utils.data

            theirs = items_per_second(torch.utils.data.DataLoader, Images(torch), workers)
        rows.append(
            [
                f"num_workers={workers}",
                f"{ours:,.0f}/s",
                "-" if theirs is None else f"{theirs:,.0f}/s",
                "-" if theirs is None else f"{ours / theirs:.2f}x",
            ]
        )
    print_table(
        f"DataLoader items/s, 8,000 images, batch 64 (median of {EPOCHS} epochs; higher is better)",
        ["loader", "tocha", "torch", "tocha/torch"],
        rows,
    )


if __name__ == "__main__":
    main()
