"""Autograd overhead and memory: a chain of small ops through forward + backward, and the bytes a deep MLP's graph
keeps alive during backward, on tocha and (when importable) PyTorch.

Targets (issue 3):

* chain: 150 small elementwise ops (``* 1.01``, ``+ 0.5``, ``sin``) on 64 float32 that require grad, then
  ``sum().backward()``: time per op at or below PyTorch's (1.0x).
* memory: backward through a 100-layer MLP (width 256, batch 64, tanh, float32) keeps at most 1.1x the bytes
  PyTorch's graph keeps.

How memory is measured (the same way for both libraries, so the ratio is fair): both have
``autograd.graph.saved_tensors_hooks``; the pack hook wraps each saved tensor in a small box and counts the
bytes of its *storage* (once per storage, however many saved tensors view it; parameters are left out, the
model owns those, not the graph) while a box is alive. A box dies when the graph frees the saved tensor, so the
count is the bytes the graph keeps alive, sampled after every pack and every free: its peak, and the bytes still
held halfway through backward (which shows whether backward frees saved tensors as it goes). Boxes hold the
same tensors the graph would hold, so the hook changes nothing being measured. For tocha the script also
reports tracemalloc's peak of NumPy allocations during backward (no hooks installed), the real number.
"""

from __future__ import annotations

import tracemalloc
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
from common import format_seconds, median_seconds, optional_torch, print_table, ratio

import tocha
import tocha.autograd

CHAIN_LENGTH = 150
NUMBER = 20
REPEAT = 9
LAYERS, WIDTH, BATCH = 100, 256, 64


def chain_workload(lib: Any) -> Callable[[], Any]:
    """Forward + backward through CHAIN_LENGTH small ops of library ``lib``."""
    x = lib.ones(64, requires_grad=True)

    def run() -> None:
        y = x
        for i in range(CHAIN_LENGTH):
            y = y * 1.01 if i % 3 == 0 else (y + 0.5 if i % 3 == 1 else y.sin())
        y.sum().backward()

    return run


class _Box:
    __slots__ = ("__weakref__", "tensor")

    def __init__(self, tensor: Any) -> None:
        self.tensor = tensor


class SavedBytes:
    """Counts the bytes of the storages saved tensors keep alive (see the module docstring)."""

    def __init__(self, storage_of: Callable[[Any], tuple[int, int]], excluded: set[int]) -> None:
        self.storage_of = storage_of  # tensor -> (storage key, storage bytes)
        self.excluded = excluded  # storage keys of the parameters
        self.counts: dict[int, int] = {}
        self.live = 0
        self.peak = 0

    def pack(self, t: Any) -> _Box:
        key, nbytes = self.storage_of(t)
        box = _Box(t)
        if key not in self.excluded:
            count = self.counts.get(key, 0)
            self.counts[key] = count + 1
            if count == 0:
                self.live += nbytes
                self.peak = max(self.peak, self.live)
            weakref.finalize(box, self._free, key, nbytes)
        return box

    def _free(self, key: int, nbytes: int) -> None:
        self.counts[key] -= 1
        if self.counts[key] == 0:
            del self.counts[key]
            self.live -= nbytes

    @staticmethod
    def unpack(box: _Box) -> Any:
        return box.tensor


def _numpy_storage(t: Any) -> tuple[int, int]:
    array = tocha.library.tensor_array(t)
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array.__array_interface__["data"][0], array.nbytes


def _torch_storage(t: Any) -> tuple[int, int]:
    storage = t.untyped_storage()
    return storage.data_ptr(), storage.nbytes()


def mlp(lib: Any) -> tuple[list[Any], Any]:
    """Parameters and input of the MLP, from one NumPy seed (same values for both libraries)."""
    rng = np.random.default_rng(0)
    params = []
    for _ in range(LAYERS):
        w = (rng.standard_normal((WIDTH, WIDTH)) / np.sqrt(WIDTH)).astype(np.float32)
        b = np.zeros(WIDTH, dtype=np.float32)
        params += [lib.tensor(w, requires_grad=True), lib.tensor(b, requires_grad=True)]
    x = lib.tensor(rng.standard_normal((BATCH, WIDTH)).astype(np.float32))
    return params, x


def mlp_forward(params: list[Any], x: Any, lib: Any) -> Any:
    h = x
    for k in range(0, len(params), 2):
        h = lib.tanh(h @ params[k] + params[k + 1])
    return h.sum()


def graph_bytes(lib: Any, storage_of: Callable[[Any], tuple[int, int]]) -> tuple[int, int]:
    """(peak, halfway-through-backward) bytes kept alive by the MLP's graph in ``lib``."""
    params, x = mlp(lib)
    counter = SavedBytes(storage_of, {storage_of(p)[0] for p in params})
    with lib.autograd.graph.saved_tensors_hooks(counter.pack, counter.unpack):
        loss = mlp_forward(params, x, lib)
    halfway: list[int] = []
    middle = params[len(params) // 2]
    middle.register_hook(lambda g: halfway.append(counter.live))
    loss.backward()
    del loss
    return counter.peak, halfway[0] if halfway else -1


def tocha_tracemalloc_peak() -> int:
    """tracemalloc's peak of allocations during tocha's backward above what the forward left (no hooks)."""
    params, x = mlp(tocha)
    tracemalloc.start()
    loss = mlp_forward(params, x, tocha)
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    loss.backward()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del loss
    return peak - before


def _mib(n: int | None) -> str:
    return "-" if n is None else f"{n / 2**20:.2f} MiB"


def main() -> None:
    torch = optional_torch()
    ours = median_seconds(chain_workload(tocha), repeat=REPEAT, number=NUMBER)
    theirs = median_seconds(chain_workload(torch), repeat=REPEAT, number=NUMBER) if torch else None
    note = "" if torch else " (PyTorch not installed)"
    print_table(
        f"Autograd chain of {CHAIN_LENGTH} small ops on 64 float32, forward + backward "
        f"(median of {REPEAT} x {NUMBER}){note}",
        ["workload", "tocha", "torch", "tocha/torch"],
        [
            ["whole chain", format_seconds(ours), format_seconds(theirs), ratio(ours, theirs)],
            [
                "per op",
                format_seconds(ours / CHAIN_LENGTH),
                format_seconds(None if theirs is None else theirs / CHAIN_LENGTH),
                ratio(ours, theirs),
            ],
        ],
    )

    peak, half = graph_bytes(tocha, _numpy_storage)
    torch_peak = torch_half = None
    if torch:
        torch_peak, torch_half = graph_bytes(torch, _torch_storage)
    print_table(
        f"Bytes kept alive by the graph of a {LAYERS}-layer MLP (width {WIDTH}, batch {BATCH}, tanh, float32){note}",
        ["measure", "tocha", "torch", "tocha/torch"],
        [
            ["saved storages, peak", _mib(peak), _mib(torch_peak), ratio(peak, torch_peak)],
            ["saved storages, halfway through backward", _mib(half), _mib(torch_half), ratio(half, torch_half)],
            ["tracemalloc peak during backward (tocha)", _mib(tocha_tracemalloc_peak()), "-", "-"],
        ],
    )


if __name__ == "__main__":
    main()
