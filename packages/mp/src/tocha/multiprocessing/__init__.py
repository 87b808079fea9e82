"""tocha.multiprocessing: the standard library's multiprocessing, with tensors shared instead of copied.

This is the ``tocha-mp`` distribution (``torch.multiprocessing``). Importing it registers reductions with
multiprocessing's ForkingPickler, so a tensor put on a Queue, sent through a Pipe or passed to a Pool or a
spawned process travels as a handle to shared memory: the receiver maps the same memory, and writes are
seen on both sides. Everything multiprocessing offers is re-exported, plus sharing strategies and
:func:`spawn` / :func:`start_processes`.

Example:
    >>> import tocha
    >>> import tocha.multiprocessing as mp
    >>> queue = mp.get_context("fork").SimpleQueue()
    >>> x = tocha.zeros(3)
    >>> queue.put(x)
    >>> y = queue.get()
    >>> y[0] = 5.0
    >>> x
    tensor([5., 0., 0.])
"""

from __future__ import annotations

import multiprocessing as _multiprocessing
from multiprocessing import *  # noqa: F403

from . import reductions
from ._strategy import get_all_sharing_strategies, get_sharing_strategy, set_sharing_strategy
from .spawn import (
    ProcessContext,
    ProcessException,
    ProcessExitedException,
    ProcessRaisedException,
    spawn,
    start_processes,
)

__all__ = [
    "get_all_sharing_strategies",
    "get_sharing_strategy",
    "set_sharing_strategy",
    "spawn",
    "start_processes",
    "ProcessContext",
    "ProcessException",
    "ProcessExitedException",
    "ProcessRaisedException",
    "reductions",
]
__all__ += _multiprocessing.__all__

reductions.init_reductions()
