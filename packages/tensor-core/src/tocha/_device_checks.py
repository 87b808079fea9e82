"""Checks of device data that must not stall the device: NOTE [ Deferred device checks ].

NOTE [ Deferred device checks ]
Some errors depend on values, not shapes: an index out of range, a class target beyond the number of
classes. On the CPU the check costs a pass over the data and raises at once. On a GPU, reading the verdict
back would wait for all queued work (a host synchronisation) inside every embedding lookup or loss, which
is what PyTorch avoids with device-side asserts that surface at the next synchronisation. tocha does the
same without device code: the op computes a 0-dim boolean array ``bad`` on the device and queues it with
its message; the queue is read at the next host read (``.item()``, ``.cpu()``, printing, ``float(t)``,
``tocha.cuda.synchronize()``...), where the first failed check raises RuntimeError naming the op. The
queue also drains itself every ``_MAX_PENDING`` checks, so it cannot grow without bound. Draining reads all the
flags of a device back in one copy (one array of them), not one copy per check.
Meanwhile the op has run on the bad values (CuPy wraps out-of-range indices), as on PyTorch's GPUs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["check_index_range", "device_check", "raise_deferred_checks"]

_MAX_PENDING = 256
_lock = threading.Lock()
_pending: list[tuple[Any, Any, type[Exception], str | Callable[[], str]]] = []  # (xp, bad, error, message)


def device_check(xp: Any, bad: Any, error: type[Exception], message: str | Callable[[], str]) -> None:
    """Raise ``error(message)`` if ``bad`` (a 0-dim boolean array of ``xp``) is true, without a device stall.

    With NumPy the check is made now. With another array module it is queued and made at the next host
    read, where a failure raises RuntimeError with the message (see NOTE [ Deferred device checks ]).
    ``message`` may be a callable, called only when the check fails (it may read the arrays then).

    Example:
        >>> import numpy as np, tocha
        >>> index = np.array([0, 5])
        >>> tocha.library.device_check(np, (index >= 3).any(), IndexError, "index 5 is out of range")
        Traceback (most recent call last):
        ...
        IndexError: index 5 is out of range
    """
    if xp is np:
        if bad:
            raise error(message() if callable(message) else message)
        return
    with _lock:
        _pending.append((xp, bad, error, message))
        full = len(_pending) >= _MAX_PENDING
    if full:
        raise_deferred_checks()


def raise_deferred_checks() -> None:
    """Make the queued device checks now; the first that failed raises RuntimeError (the queue is emptied).

    Backends call this before every device-to-host copy; a plugin backend whose ``to_host`` is reached some
    other way may call it too.

    Example:
        >>> import tocha
        >>> tocha.library.raise_deferred_checks()  # nothing queued: nothing raised
    """
    with _lock:
        if not _pending:
            return
        pending = _pending[:]
        _pending.clear()
    for (_, _, error, message), failed in zip(pending, _verdicts(pending), strict=True):
        if failed:
            text = message() if callable(message) else message
            raise RuntimeError(
                f"{text} ({error.__name__} found by a device-side check of an earlier op; raised at this "
                "synchronisation, as the op's device runs ahead of the host)"
            )


def _verdicts(pending: list[tuple[Any, Any, type[Exception], Any]]) -> list[bool]:
    """Whether each queued check failed: the flags of each array module and device stacked and read back at once
    (one device-to-host copy instead of one per check); flags that do not stack are read one by one."""
    groups: dict[tuple[int, Any], list[int]] = {}
    for i, (xp, bad, _, _) in enumerate(pending):
        device = getattr(getattr(bad, "device", None), "id", None)  # CuPy's Device is unhashable: its id
        groups.setdefault((id(xp), device), []).append(i)
    verdicts = [False] * len(pending)
    for members in groups.values():
        xp = pending[members[0]][0]
        flags = [pending[i][1] for i in members]
        try:
            values = xp.stack(flags).tolist() if len(flags) > 1 else [bool(flags[0])]
        except Exception:  # an array module without stack, flags of mixed kinds: one read each
            values = [bool(flag) for flag in flags]
        for i, value in zip(members, values, strict=True):
            verdicts[i] = bool(value)
    return verdicts


def check_index_range(
    xp: Any, data: Any, low: int, high: int, error: type[Exception], message: Callable[[int], str]
) -> None:
    """Device form of an index bounds check: ``error(message(first value outside [low, high)))``, queued.

    The CPU forms of these checks stay where they are (each op words its own message and picks its own
    offending value); this is what runs instead on a device with its own memory.
    """

    def describe() -> str:
        flat = data.reshape(-1)
        return message(int(flat[(flat < low) | (flat >= high)][0]))

    device_check(xp, ((data < low) | (data >= high)).any(), error, describe)
