"""Shared-memory storage for CPU tensors: ``Tensor.share_memory_()`` and what tocha.multiprocessing builds on.

NOTE [ Shared memory ]
A shared tensor's array is a NumPy view of a :class:`SharedMapping`: an ``mmap`` of memory other processes
can map too. How that memory is made is the *sharing strategy*:

- ``file_descriptor`` (the default): an anonymous file (``memfd_create``; elsewhere an unlinked temporary
  file) known only by its descriptor. Other processes get a duplicate of the descriptor over a connection.
  The kernel frees the memory when the last descriptor and mapping are gone, so nothing can leak, even
  when every process is killed.
- ``file_system``: a named file in ``/dev/shm`` that other processes open by name. Names outlive processes,
  so tocha.multiprocessing installs an allocator that registers each segment with a cleanup daemon.

tensor-core only makes and maps segments; tocha.multiprocessing moves handles between processes and
chooses the strategy through :func:`set_shared_memory_allocator`.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import tempfile
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ._tensor import Tensor

__all__ = [
    "SharedMapping",
    "share_array",
    "shared_mapping_of",
    "set_shared_memory_allocator",
    "get_shared_memory_allocator",
]


class SharedMapping(mmap.mmap):
    """A shared-memory segment mapped into this process (see NOTE [ Shared memory ]).

    ``fd`` is the descriptor the mapping owns (``file_descriptor`` segments; closed with the mapping),
    ``name`` the ``/dev/shm`` name of a ``file_system`` segment. ``on_release`` runs once when the mapping
    is garbage-collected (tocha.multiprocessing uses it to tell its cleanup daemon).

    Example:
        >>> m = SharedMapping.anonymous(64)
        >>> m.strategy, len(m)
        ('file_descriptor', 64)
    """

    strategy: str
    fd: int | None
    name: str | None
    on_release: Callable[[], None] | None

    @classmethod
    def anonymous(cls, nbytes: int) -> SharedMapping:
        """A new ``file_descriptor`` segment of ``nbytes`` bytes (at least one)."""
        nbytes = max(int(nbytes), 1)
        if hasattr(os, "memfd_create"):
            fd = os.memfd_create("tocha-shared", os.MFD_CLOEXEC)
        else:  # pragma: no cover - platforms without memfd (macOS)
            folder = "/dev/shm" if os.path.isdir("/dev/shm") else None
            fd, path = tempfile.mkstemp(prefix="tocha-shared-", dir=folder)
            os.unlink(path)
        try:
            os.ftruncate(fd, nbytes)
            return cls.from_fd(fd, nbytes)
        except BaseException:
            os.close(fd)
            raise

    @classmethod
    def from_fd(cls, fd: int, nbytes: int) -> SharedMapping:
        """Map ``nbytes`` of descriptor ``fd``; the mapping owns ``fd`` from now on."""
        mapping = cls(fd, max(int(nbytes), 1), mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        mapping.strategy, mapping.fd, mapping.name, mapping.on_release = "file_descriptor", fd, None, None
        return mapping

    @classmethod
    def from_name(cls, name: str, nbytes: int, *, create: bool) -> SharedMapping:
        """Map the ``/dev/shm`` segment ``name`` (made with ``nbytes`` bytes when ``create``)."""
        path = _shm_path(name)
        flags = os.O_RDWR | (os.O_CREAT | os.O_EXCL if create else 0)
        fd = os.open(path, flags, 0o600)
        try:
            if create:
                os.ftruncate(fd, max(int(nbytes), 1))
            mapping = cls(fd, max(int(nbytes), 1), mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        finally:
            os.close(fd)
        mapping.strategy, mapping.fd, mapping.name, mapping.on_release = "file_system", None, name, None
        return mapping

    def __del__(self) -> None:
        fd = getattr(self, "fd", None)
        if fd is not None:
            self.fd = None
            with contextlib.suppress(OSError):
                os.close(fd)
        release = getattr(self, "on_release", None)
        if release is not None:
            self.on_release = None
            release()


def _shm_path(name: str) -> str:
    if "/" in name or not name:
        raise ValueError(f"invalid shared-memory segment name {name!r}")
    folder = "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()
    return os.path.join(folder, name)


_allocator: Callable[[int], SharedMapping] = SharedMapping.anonymous


def set_shared_memory_allocator(allocator: Callable[[int], SharedMapping] | None) -> None:
    """Make ``share_memory_()`` allocate through ``allocator(nbytes)`` (None: back to ``file_descriptor``).

    Example:
        >>> set_shared_memory_allocator(None)
        >>> get_shared_memory_allocator() == SharedMapping.anonymous
        True
    """
    global _allocator
    _allocator = allocator if allocator is not None else SharedMapping.anonymous


def get_shared_memory_allocator() -> Callable[[int], SharedMapping]:
    """The allocator ``share_memory_()`` uses now.

    Example:
        >>> callable(get_shared_memory_allocator())
        True
    """
    return _allocator


def share_array(array: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """A C-contiguous copy of ``array`` in a new shared segment.

    Example:
        >>> import numpy as np
        >>> shared = share_array(np.arange(3.0))
        >>> shared, isinstance(_root(shared), SharedMapping)
        (array([0., 1., 2.]), True)
    """
    mapping = _allocator(array.nbytes)
    shared: np.ndarray[Any, Any] = np.frombuffer(mapping, array.dtype, array.size).reshape(array.shape)
    shared[...] = array
    return shared


def _root(array: Any) -> Any:
    while isinstance(array, np.ndarray):
        array = array.base
    return array.obj if isinstance(array, memoryview) else array


def shared_mapping_of(t: Tensor) -> tuple[SharedMapping, int] | None:
    """``(mapping, byte offset of t's first element)`` when ``t`` lives in shared memory, else None.

    Example:
        >>> import tocha
        >>> x = tocha.zeros(4).share_memory_()
        >>> mapping, offset = shared_mapping_of(x[2:])
        >>> offset
        8
    """
    array = t._data
    if not isinstance(array, np.ndarray):
        return None
    root = _root(array)
    if not isinstance(root, SharedMapping):
        return None
    start = int(array.__array_interface__["data"][0])
    base = int(np.frombuffer(root, np.uint8, 1).__array_interface__["data"][0])
    return root, start - base


def share_memory_(t: Tensor) -> Tensor:
    """Move ``t``'s elements into shared memory (a no-op when already shared or not on the CPU)."""
    if t._device.type != "cpu" or shared_mapping_of(t) is not None:
        return t
    t._data = share_array(t._data)
    t._base = None
    return t


def is_shared(t: Tensor) -> bool:
    """Whether ``t`` lives in shared memory (CUDA tensors always count as shared, as in PyTorch)."""
    return t._device.type != "cpu" or shared_mapping_of(t) is not None
