"""``tocha.device``: where a tensor's memory lives."""

from __future__ import annotations

import threading
from typing import Any, ClassVar, Union

__all__ = ["device", "DeviceLike"]


class _DefaultDevice(threading.local):
    """This thread's default device for factories (``None``: cpu) and the devices saved by ``with device(...)``."""

    current: device | None = None  # class attributes: the values a new thread starts with
    saved: tuple[device | None, ...] = ()


# NOTE [ Default device ]: ``tocha.set_default_device`` and ``with tocha.device(...)`` set ``DEFAULT.current``,
# per thread as in PyTorch; ``_ops.creation.resolve_device`` reads it when a factory gets ``device=None``. cpu is
# stored as ``None``. ``EVER_SET[0]`` turns True the first time any thread sets a device other than cpu, so until
# then the hot path is one plain list read, not a thread-local attribute read.
DEFAULT = _DefaultDevice()
EVER_SET = [False]


class device:
    """A device: a type (``'cpu'``, ``'cuda'`` or a plugin backend's name) and an optional index.

    Devices are interned, so equal devices are the same object. As a context manager
    (``with tocha.device("cuda"):``) a device is the default for factories in that block, in this thread
    (see ``tocha.set_default_device``).

    Example:
        >>> import tocha
        >>> tocha.device("cuda:1")
        device(type='cuda', index=1)
        >>> str(tocha.device("cpu")), tocha.device("cuda", 0).index
        ('cpu', 0)
    """

    __slots__ = ("_str", "_xp", "index", "type")

    type: str
    index: int | None
    _str: str
    _xp: Any  # the backend's array module, filled in by tocha._backend.xp_of on first use

    _interned: ClassVar[dict[tuple[str, int | None], device]] = {}

    def __new__(cls, type: str | device | int, index: int | None = None) -> device:
        if index is not None and (isinstance(index, bool) or not isinstance(index, int)):
            raise TypeError(f"device(): argument 'index' (position 2) must be int, not {index.__class__.__name__}")
        if type.__class__ is str:
            found = cls._interned.get((type, index))  # type: ignore[arg-type]
            if found is not None:
                return found
        if isinstance(type, device):
            if index is not None:
                raise TypeError("device(): an index cannot be given with a device object")
            return type
        if isinstance(type, bool) or not isinstance(type, (str, int)):
            raise TypeError(
                f"device(): expected a device string such as 'cpu' or 'cuda:0', a device or an int, "
                f"got {type.__class__.__name__}"
            )
        spec = type if isinstance(type, str) else "cuda"
        if isinstance(type, int):
            if index is not None:
                raise TypeError("device(): an index cannot be given with an int device")
            index = type
        name, parsed_index = _parse(spec, index)
        canonical = cls._interned.get((name, parsed_index))
        if canonical is None:
            canonical = object.__new__(cls)
            canonical.type = name
            canonical.index = parsed_index
            canonical._str = name if parsed_index is None else f"{name}:{parsed_index}"
            canonical._xp = None
            cls._interned[(name, parsed_index)] = canonical
        if isinstance(type, str):
            cls._interned[(type, index)] = canonical
        return canonical

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self._str

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (device, (self._str,))

    def __enter__(self) -> device:
        """Make this device the default for factories in this thread until the ``with`` block ends.

        Example:
            >>> import tocha
            >>> with tocha.device("cpu") as d:
            ...     tocha.zeros(2).device == d
            True
        """
        state = DEFAULT
        state.saved = (*state.saved, state.current)
        state.current = None if self.type == "cpu" else self
        if state.current is not None:
            EVER_SET[0] = True
        return self

    def __exit__(self, *exc_info: object) -> None:
        state = DEFAULT
        state.current = state.saved[-1]
        state.saved = state.saved[:-1]


def _parse(spec: str, index: int | None) -> tuple[str, int | None]:
    if not spec:
        raise RuntimeError("Device string must not be empty")
    name, sep, tail = spec.partition(":")
    if sep:
        if index is not None:
            raise RuntimeError(f"type (string) must not include an index because index was passed explicitly: {spec}")
        if not tail.isdigit() or not tail.isascii() or (len(tail) > 1 and tail[0] == "0"):
            raise RuntimeError(f"Invalid device string: '{spec}'")
        index = int(tail)
    if not name or not name.isascii() or not name.replace("_", "").isalnum() or not name.islower():
        if not sep and name.strip() != name:
            raise RuntimeError(f"Invalid device string: '{spec}'")
        raise RuntimeError(
            "Expected one of cpu, cuda or the name of a registered backend (lower case) device type at start of "
            f"device string: {spec}"
        )
    if index is not None and index < 0:
        raise RuntimeError("Device index must not be negative")
    return name, index


DeviceLike = Union[device, str, int]

CPU = device("cpu")
