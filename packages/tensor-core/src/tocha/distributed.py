"""``tocha.distributed``: tocha has no distributed backend, so this is ``torch.distributed`` as PyTorch builds
without one see it.

``is_available()`` is False and no process group can be made. Training scripts that guard their distributed
code (``dist.is_available() and dist.is_initialized()``) run unchanged in one process; the calls that need a
process group raise PyTorch's error for an uninitialised one, and ``init_process_group`` says why it cannot
make one. ``tocha.utils.data.DistributedSampler`` still shards a dataset by ``RANK`` and ``WORLD_SIZE``.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = [
    "barrier",
    "destroy_process_group",
    "get_backend",
    "get_rank",
    "get_world_size",
    "init_process_group",
    "is_available",
    "is_gloo_available",
    "is_initialized",
    "is_mpi_available",
    "is_nccl_available",
    "is_torchelastic_launched",
    "is_ucc_available",
    "is_xccl_available",
]

_NOT_INITIALIZED = "Default process group has not been initialized, please make sure to call init_process_group."


def is_available() -> bool:
    """Whether distributed training is available: never in tocha.

    Example:
        >>> import tocha
        >>> tocha.distributed.is_available()
        False
    """
    return False


def is_initialized() -> bool:
    """Whether the default process group exists: never in tocha.

    Example:
        >>> import tocha
        >>> tocha.distributed.is_initialized()
        False
    """
    return False


def is_torchelastic_launched() -> bool:
    """Whether this process was started by ``torchrun`` (``TORCHELASTIC_RUN_ID`` is set), as in PyTorch.

    Example:
        >>> import os, tocha
        >>> tocha.distributed.is_torchelastic_launched() == ("TORCHELASTIC_RUN_ID" in os.environ)
        True
    """
    return os.getenv("TORCHELASTIC_RUN_ID") is not None


def is_gloo_available() -> bool:
    """Whether the Gloo backend is available: no.

    Example:
        >>> import tocha
        >>> tocha.distributed.is_gloo_available()
        False
    """
    return False


def is_nccl_available() -> bool:
    """Whether the NCCL backend is available: no.

    Example:
        >>> import tocha
        >>> tocha.distributed.is_nccl_available()
        False
    """
    return False


def is_mpi_available() -> bool:
    """Whether the MPI backend is available: no.

    Example:
        >>> import tocha
        >>> tocha.distributed.is_mpi_available()
        False
    """
    return False


def is_ucc_available() -> bool:
    """Whether the UCC backend is available: no.

    Example:
        >>> import tocha
        >>> tocha.distributed.is_ucc_available()
        False
    """
    return False


def is_xccl_available() -> bool:
    """Whether the XCCL backend is available: no.

    Example:
        >>> import tocha
        >>> tocha.distributed.is_xccl_available()
        False
    """
    return False


def init_process_group(
    backend: str | None = None,
    init_method: str | None = None,
    timeout: Any = None,
    world_size: int = -1,
    rank: int = -1,
    store: Any = None,
    group_name: str = "",
    pg_options: Any = None,
    device_id: Any = None,
) -> None:
    """Refuses: tocha has no distributed backend.

    Raises:
        RuntimeError: always, naming the backend asked for.

    Example:
        >>> import tocha
        >>> tocha.distributed.init_process_group("gloo")
        Traceback (most recent call last):
        ...
        RuntimeError: tocha.distributed.init_process_group(backend='gloo'): tocha has no distributed backend ...
    """
    raise RuntimeError(
        f"tocha.distributed.init_process_group(backend={backend!r}): tocha has no distributed backend (gloo, nccl, "
        "mpi), so it cannot join a process group; train in one process (tocha.distributed.is_available() is "
        "False), or shard data across independent processes with tocha.utils.data.DistributedSampler"
    )


def get_rank(group: Any = None) -> int:
    """This process's rank in ``group``: there is no process group, so this raises PyTorch's error.

    Raises:
        ValueError: always (no process group was initialised).

    Example:
        >>> import tocha
        >>> tocha.distributed.get_rank()
        Traceback (most recent call last):
        ...
        ValueError: Default process group has not been initialized, please make sure to call init_process_group.
    """
    raise ValueError(_NOT_INITIALIZED)


def get_world_size(group: Any = None) -> int:
    """The number of processes in ``group``: there is no process group, so this raises PyTorch's error.

    Raises:
        ValueError: always (no process group was initialised).

    Example:
        >>> import tocha
        >>> tocha.distributed.get_world_size()
        Traceback (most recent call last):
        ...
        ValueError: Default process group has not been initialized, please make sure to call init_process_group.
    """
    raise ValueError(_NOT_INITIALIZED)


def get_backend(group: Any = None) -> str:
    """The backend of ``group``: there is no process group, so this raises PyTorch's error.

    Raises:
        ValueError: always (no process group was initialised).

    Example:
        >>> import tocha
        >>> tocha.distributed.get_backend()
        Traceback (most recent call last):
        ...
        ValueError: Default process group has not been initialized, please make sure to call init_process_group.
    """
    raise ValueError(_NOT_INITIALIZED)


def barrier(group: Any = None, async_op: bool = False, device_ids: Any = None, timeout: Any = None) -> None:
    """Wait for every process of ``group``: there is no process group, so this raises PyTorch's error.

    Raises:
        ValueError: always (no process group was initialised).

    Example:
        >>> import tocha
        >>> tocha.distributed.barrier()
        Traceback (most recent call last):
        ...
        ValueError: Default process group has not been initialized, please make sure to call init_process_group.
    """
    raise ValueError(_NOT_INITIALIZED)


def destroy_process_group(group: Any = None) -> None:
    """Tear down ``group``: there is none, so this raises PyTorch's error for a missing group.

    Raises:
        AssertionError: always (there is no process group).

    Example:
        >>> import tocha
        >>> tocha.distributed.destroy_process_group()
        Traceback (most recent call last):
        ...
        AssertionError: Process group cannot be None
    """
    raise AssertionError("Process group cannot be None")
