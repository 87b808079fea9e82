"""Batch slots: shared memory the main process lends to workers so that batches cross without descriptors.

NOTE [ Batch slots ]
Sending a tensor through a queue normally passes a file descriptor (NOTE [ Tensor reductions ] in
tocha.multiprocessing): the receiver connects back to the sender to fetch it, about a millisecond per
tensor, and the batch is lost if the worker dies before the main process reads it. So the main process
owns the memory instead. With each task it lends the worker a *slot*: a shared segment big enough for
the batches seen so far (its descriptor travels once per worker and slot, from the long-lived main
process). The worker's ``default_collate`` stacks the batch straight into the slot (an :class:`Arena`),
and the batch goes back as :class:`SlotRef` records (slot, offset, shape, strides, dtype) that the main
process turns into views of its own mapping. The slot is free again when every tensor of that batch is
gone (a finalizer on the batch's anchor array). Tensors that do not fit, or that a custom ``collate_fn``
made, travel the normal way.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.reduction import DupFd
from typing import Any

import numpy as np

import tocha
from tocha.library import SharedMapping, shared_mapping_of, wrap_array

__all__ = ["SlotRef", "Arena", "SlotPool", "to_slot_refs", "from_slot_refs"]

ALIGN = 64
_CPU = tocha.device("cpu")
_DTYPES = {d.name: d for d in (getattr(tocha, n) for n in dir(tocha)) if isinstance(d, tocha.dtype)}


@dataclass(frozen=True, slots=True)
class SlotRef:
    """A tensor of a batch, described by where it lies in a lent slot."""

    slot: int
    offset: int
    shape: tuple[int, ...]
    strides: tuple[int, ...]
    dtype: str


@dataclass(frozen=True, slots=True)
class SlotLoan:
    """The slot lent with one task: its id and size, and its descriptor the first time a worker gets it."""

    slot: int
    nbytes: int
    fd: Any = None


class Arena:
    """Worker side: bump allocation inside the slot lent for the current task."""

    def __init__(self, slot: int, mapping: SharedMapping) -> None:
        self.slot = slot
        self.mapping = mapping
        self.offset = 0
        self.requested = 0

    def empty(self, shape: tuple[int, ...], dtype: tocha.dtype) -> tocha.Tensor | None:
        """An uninitialised tensor inside the slot, or None when it does not fit."""
        nbytes = math.prod(shape) * dtype.itemsize
        self.requested += nbytes + ALIGN
        start = -(-self.offset // ALIGN) * ALIGN
        if start + nbytes > len(self.mapping):
            return None
        self.offset = start + nbytes
        array = np.ndarray(shape, dtype.numpy_dtype, buffer=self.mapping, offset=start)
        return wrap_array(array, _CPU)


class WorkerSlots:
    """Worker side: the slots this worker has been lent, mapped once each."""

    def __init__(self) -> None:
        self.mappings: dict[int, SharedMapping] = {}

    def arena(self, loan: SlotLoan | None) -> Arena | None:
        """The arena for this task's loan (mapping the slot the first time it is seen)."""
        if loan is None:
            return None
        if loan.fd is not None:
            self.mappings[loan.slot] = SharedMapping.from_fd(loan.fd.detach(), loan.nbytes)
        mapping = self.mappings.get(loan.slot)
        return None if mapping is None else Arena(loan.slot, mapping)


def to_slot_refs(data: Any, arena: Arena) -> Any:
    """Worker side: ``data`` with every tensor that lies in ``arena``'s slot replaced by a :class:`SlotRef`."""
    if isinstance(data, tocha.Tensor):
        found = shared_mapping_of(data)
        if found is None or found[0] is not arena.mapping:
            return data
        array = data.numpy()
        return SlotRef(arena.slot, found[1], tuple(array.shape), tuple(array.strides), data.dtype.name)
    return _map(data, lambda x: to_slot_refs(x, arena))


def from_slot_refs(data: Any, mapping: SharedMapping, on_free: Callable[[], None]) -> tuple[Any, bool]:
    """Main side: ``data`` with each :class:`SlotRef` made a view of ``mapping``; whether any was.

    All views hang on one anchor array whose finalizer calls ``on_free`` when the last of them is gone.
    """
    anchor = np.frombuffer(mapping, np.uint8)
    used = False

    def convert(x: Any) -> Any:
        nonlocal used
        if isinstance(x, SlotRef):
            used = True
            d = _DTYPES[x.dtype]
            return wrap_array(
                np.ndarray(x.shape, d.numpy_dtype, buffer=anchor, offset=x.offset, strides=x.strides), _CPU
            )
        return _map(x, convert)

    result = convert(data)
    if used:
        weakref.finalize(anchor, on_free)
    return result, used


def _map(data: Any, fn: Callable[[Any], Any]) -> Any:
    if isinstance(data, list):
        return [fn(x) for x in data]
    if isinstance(data, tuple):
        items = [fn(x) for x in data]
        return type(data)(*items) if hasattr(data, "_fields") else tuple(items)
    if isinstance(data, dict):
        converted = {k: fn(v) for k, v in data.items()}
        if type(data) is dict:
            return converted
        try:
            clone = data.copy()
            clone.update(converted)
            return clone
        except (AttributeError, TypeError):
            return converted
    return data


class SlotPool:
    """Main side: the slots, which are free, and which worker has mapped which."""

    def __init__(self) -> None:
        self.mappings: list[SharedMapping] = []
        self.free: list[int] = []
        self.known_by: list[set[int]] = []
        self.wanted = 0  # bytes a batch needed so far (0: no batch seen yet, lend nothing)

    def lend(self, worker_id: int) -> SlotLoan | None:
        """A free slot big enough for the batches seen so far (made when none is), or None before any batch."""
        if self.wanted == 0:
            return None
        slot = next((s for s in self.free if len(self.mappings[s]) >= self.wanted), None)
        if slot is None:
            slot = len(self.mappings)
            self.mappings.append(SharedMapping.anonymous(self.wanted + self.wanted // 8))
            self.known_by.append(set())
        else:
            self.free.remove(slot)
        first_time = worker_id not in self.known_by[slot]
        self.known_by[slot].add(worker_id)
        mapping = self.mappings[slot]
        return SlotLoan(slot, len(mapping), DupFd(mapping.fd) if first_time and mapping.fd is not None else None)

    def receive(self, loan: SlotLoan | None, data: Any, requested: int) -> Any:
        """The batch as the main process hands it out; the slot is freed now or when the batch is gone."""
        self.wanted = max(self.wanted, requested)
        if loan is None:
            return data
        result, used = from_slot_refs(data, self.mappings[loan.slot], lambda: self.free.append(loan.slot))
        if not used:
            self.free.append(loan.slot)
        return result

    def give_back(self, loan: SlotLoan | None) -> None:
        """Free the slot of a task whose result carried no batch (an error, an exhausted iterable)."""
        if loan is not None:
            self.free.append(loan.slot)
