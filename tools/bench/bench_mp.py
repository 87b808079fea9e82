"""Sending a 100 MB tensor through a multiprocessing Queue to another process: ms per transfer (median).

Target (issue 6): ≤ 5 ms with no copy of the data, and ≤ 1.0x torch.multiprocessing for the same transfer. The
tensor is already in shared memory (``share_memory_()``); a child process echoes it back, and one transfer is
half a round trip. The pickled message size shows that only a handle travels.
"""

from __future__ import annotations

import time
from multiprocessing.reduction import ForkingPickler
from statistics import median
from typing import Any

from common import format_seconds, optional_torch, print_table, ratio

import tocha
import tocha.multiprocessing as tocha_mp

ELEMENTS = 25_000_000  # float32: 100 MB
ROUND_TRIPS = 15


def echo(inbox: Any, outbox: Any) -> None:
    while True:
        item = inbox.get()
        if item is None:
            return
        outbox.put(item)


def transfer_seconds(mp: Any, tensor: Any) -> float:
    """Median seconds of one Queue transfer of ``tensor`` to a spawned process (half a round trip)."""
    ctx = mp.get_context("spawn")
    inbox, outbox = ctx.Queue(), ctx.Queue()
    worker = ctx.Process(target=echo, args=(inbox, outbox))
    worker.start()
    inbox.put(tensor)
    outbox.get()  # warm up: the child has imported everything
    times = []
    for _ in range(ROUND_TRIPS):
        start = time.perf_counter()
        inbox.put(tensor)
        outbox.get()
        times.append((time.perf_counter() - start) / 2)
    inbox.put(None)
    worker.join()
    return median(times)


def main() -> None:
    ours = tocha.zeros(ELEMENTS).share_memory_()
    rows = []
    ours_seconds = transfer_seconds(tocha_mp, ours)
    message = len(ForkingPickler.dumps(ours))
    torch = optional_torch()
    theirs_seconds = None
    if torch is not None:
        import torch.multiprocessing as torch_mp

        theirs = torch.zeros(ELEMENTS).share_memory_()
        theirs_seconds = transfer_seconds(torch_mp, theirs)
    rows.append(
        [
            "100 MB float32 via Queue",
            format_seconds(ours_seconds),
            format_seconds(theirs_seconds),
            ratio(ours_seconds, theirs_seconds),
            f"{message} B",
        ]
    )
    print_table(
        f"Queue transfer to a spawned process (median of {ROUND_TRIPS}, half round trips)",
        ["workload", "tocha", "torch", "tocha/torch", "pickled"],
        rows,
    )


if __name__ == "__main__":
    main()
