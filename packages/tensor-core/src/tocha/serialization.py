"""``tocha.serialization``: ``save`` and ``load``, and the allowlist of the user's own classes and functions a
PyTorch checkpoint may hold, as ``torch.serialization`` (NOTE [ Allowlisted globals ]).

``tocha.load`` reads a ``torch.save`` file without unpickling it, as ``torch.load(weights_only=True)``: a global
the pickle names that is not a tensor, storage or container constructor stops the load. A checkpoint that also
holds, say, an ``argparse.Namespace`` of hyperparameters loads once that class is allowlisted::

    import argparse, tocha
    with tocha.serialization.safe_globals([argparse.Namespace]):
        checkpoint = tocha.load("model.pt")
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from ._serialization import FileLike, load, read_file, save
from ._torch_format import (
    CheckpointError,
    add_safe_globals,
    clear_safe_globals,
    get_safe_globals,
    is_legacy_torch_file,
    is_torch_archive,
    unsafe_globals_in,
)

__all__ = [
    "CheckpointError",
    "add_safe_globals",
    "clear_safe_globals",
    "get_safe_globals",
    "get_unsafe_globals_in_checkpoint",
    "load",
    "safe_globals",
    "save",
]


class safe_globals:
    """Context manager allowlisting classes and functions for the loads inside it; the allowlist is restored on
    exit.

    Example:
        >>> import argparse, io, tocha
        >>> with tocha.serialization.safe_globals([argparse.Namespace]):
        ...     argparse.Namespace in tocha.serialization.get_safe_globals()
        True
        >>> argparse.Namespace in tocha.serialization.get_safe_globals()
        False
    """

    def __init__(self, safe_globals: list[Any]) -> None:
        self.safe_globals = safe_globals
        self._before: list[Any] = []

    def __enter__(self) -> None:
        self._before = get_safe_globals()
        add_safe_globals(self.safe_globals)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        clear_safe_globals()
        add_safe_globals(self._before)


def get_unsafe_globals_in_checkpoint(f: FileLike) -> list[str]:
    """The ``module.name`` of each class or function a ``torch.save`` file names that ``tocha.load`` would refuse
    (neither a tensor, storage or container constructor nor allowlisted). The file is only scanned, never loaded;
    tocha's own files and safetensors files name none.

    Example:
        >>> import io, tocha
        >>> buffer = io.BytesIO()
        >>> tocha.save({"w": tocha.ones(2)}, buffer)
        >>> _ = buffer.seek(0)
        >>> tocha.serialization.get_unsafe_globals_in_checkpoint(buffer)
        []
    """
    data, source = read_file("get_unsafe_globals_in_checkpoint", f)
    if not (is_torch_archive(data) or is_legacy_torch_file(data)):
        return []
    return unsafe_globals_in(data, source)
