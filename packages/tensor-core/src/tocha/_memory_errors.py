"""``tocha.OutOfMemoryError``: an allocation that failed inside an op, with the op and its operands named.

NOTE [ Out of memory ]
NumPy raises ``MemoryError`` (``numpy._core._exceptions._ArrayMemoryError``) and CuPy
``cupy.cuda.memory.OutOfMemoryError``, also a ``MemoryError``, where PyTorch raises
``torch.OutOfMemoryError`` (``torch.cuda.OutOfMemoryError``, a ``RuntimeError``) on CUDA and a plain
``RuntimeError`` on the CPU. The dispatcher (``call`` and ``call_inplace``, which every op goes through)
turns a ``MemoryError`` raised under it into :class:`OutOfMemoryError`, which derives from both
``RuntimeError`` and ``MemoryError``: PyTorch's ``except torch.cuda.OutOfMemoryError`` /
``except RuntimeError`` and NumPy's ``except MemoryError`` all catch it. The message starts as
PyTorch's does (``"CUDA out of memory."``, which tools that look for it in the text match), then says how
much was asked for, by which op on which operands, and what the caching allocator holds. The original
error is its ``__cause__``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["OutOfMemoryError", "out_of_memory"]


class OutOfMemoryError(RuntimeError, MemoryError):
    """An op could not allocate its result (or a temporary) on its device: ``torch.OutOfMemoryError``.

    Also a ``MemoryError``, as NumPy's and CuPy's allocation failures are. ``tocha.cuda.OutOfMemoryError``
    is the same class.

    Example:
        >>> import tocha
        >>> try:
        ...     tocha.empty(2**62, dtype=tocha.uint8)
        ... except tocha.OutOfMemoryError as error:
        ...     print(str(error).split(" (")[0])
        CPU out of memory. Tried to allocate 4096.00 PiB in empty()
    """


def _size(nbytes: int) -> str:
    if nbytes < 1024:
        return f"{nbytes} bytes"
    value = float(nbytes)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024:
            return f"{value:.2f} {unit}"
    return f"{value / 1024:.2f} PiB"


def _describe(x: Any) -> str:
    shape = getattr(x, "shape", None)
    dtype = getattr(x, "dtype", None)
    if shape is not None and dtype is not None:
        return f"{dtype}{list(shape)}".replace("tocha.", "")
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(_describe(t) for t in x) + "]"
    return repr(x)


def _requested(error: MemoryError) -> int | None:
    """The bytes the failed allocation asked for, where the error says (CuPy's and NumPy's do)."""
    for name in ("_size", "_total_size"):
        value = getattr(error, name, None)
        if isinstance(value, int):
            return value
    return None


def out_of_memory(op: str, dev: Any, inputs: tuple[Any, ...], error: MemoryError) -> OutOfMemoryError:
    """The :class:`OutOfMemoryError` for ``error``, raised by op ``op`` on device ``dev`` (NOTE [ Out of memory ]).

    Example:
        >>> import tocha
        >>> from tocha._memory_errors import out_of_memory
        >>> str(out_of_memory("add", tocha.device("cpu"), (tocha.ones(2), 1.0), MemoryError("no room")))
        'CPU out of memory. Tried to allocate more than there is in add(float32[2], 1.0) (no room)'
    """
    requested = _requested(error)
    asked = "more than there is" if requested is None else _size(requested)
    where = f"{op}({', '.join(_describe(x) for x in inputs)})"
    detail = str(error).rstrip(".") or type(error).__name__
    if dev.type != "cuda":
        return OutOfMemoryError(f"CPU out of memory. Tried to allocate {asked} in {where} ({detail})")
    from . import cuda

    index = 0 if dev.index is None else dev.index
    held = (
        f"{_size(cuda.memory_allocated(index))} is allocated by tensors and {_size(cuda.memory_reserved(index))} "
        "reserved by tocha's caching allocator (CuPy's memory pool); tocha.cuda.empty_cache() returns its free "
        "blocks to the device"
    )
    return OutOfMemoryError(
        f"CUDA out of memory. Tried to allocate {asked} in {where} on cuda:{index} ({detail}). {held}."
    )
