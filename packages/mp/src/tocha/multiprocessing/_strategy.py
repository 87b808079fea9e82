"""Sharing strategies: how ``share_memory_()`` makes segments (see NOTE [ Shared memory ] in tensor-core)."""

from __future__ import annotations

import itertools
import os
import secrets
import sys

from tocha.library import SharedMapping, set_shared_memory_allocator

from . import _shm_manager
from .reductions import _releaser

__all__ = ["get_sharing_strategy", "set_sharing_strategy", "get_all_sharing_strategies"]

_STRATEGIES = frozenset({"file_descriptor", "file_system"})
_strategy = "file_descriptor" if sys.platform.startswith("linux") else "file_system"
_counter = itertools.count()


def _named_segment(nbytes: int) -> SharedMapping:
    name = f"tocha_{os.getpid()}_{next(_counter)}_{secrets.token_hex(4)}"
    _shm_manager.client.send("hold", name)  # registered first: a crash right after creating still gets cleaned up
    mapping = SharedMapping.from_name(name, nbytes, create=True)
    mapping.on_release = _releaser(name)
    return mapping


def get_all_sharing_strategies() -> set[str]:
    """The sharing strategies this platform supports.

    Example:
        >>> import tocha.multiprocessing as mp
        >>> sorted(mp.get_all_sharing_strategies())
        ['file_descriptor', 'file_system']
    """
    return set(_STRATEGIES)


def get_sharing_strategy() -> str:
    """The strategy new shared segments use in this process (``file_descriptor`` by default on Linux).

    Example:
        >>> import tocha.multiprocessing as mp
        >>> mp.get_sharing_strategy()
        'file_descriptor'
    """
    return _strategy


def set_sharing_strategy(new_strategy: str) -> None:
    """Choose how CPU tensors are shared from now on in this process.

    ``file_descriptor`` passes descriptors of anonymous memory (freed by the kernel with its last user);
    ``file_system`` uses named ``/dev/shm`` segments, unlinked by a cleanup daemon when the last process
    using them exits, also if it is killed.

    Example:
        >>> import tocha.multiprocessing as mp
        >>> mp.set_sharing_strategy("file_system")
        >>> mp.set_sharing_strategy("file_descriptor")
    """
    global _strategy
    if new_strategy not in _STRATEGIES:
        raise ValueError(f"unknown sharing strategy {new_strategy!r}; choose one of {sorted(_STRATEGIES)}")
    _strategy = new_strategy
    set_shared_memory_allocator(_named_segment if new_strategy == "file_system" else None)
