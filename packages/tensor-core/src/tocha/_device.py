"""``tocha.device``: where a tensor's memory lives."""

from __future__ import annotations

from typing import Any, Union

__all__ = ["device", "DeviceLike"]


class device:
    """A device: a type (``'cpu'``, ``'cuda'`` or a plugin backend's name) and an optional index.

    Devices are interned, so equal devices are the same object.

    Example:
        >>> import tocha
        >>> tocha.device("cuda:1")
        device(type='cuda', index=1)
        >>> str(tocha.device("cpu")), tocha.device("cuda", 0).index
        ('cpu', 0)
    """

    __slots__ = ("type", "index", "_str", "_xp")

    type: str
    index: int | None
    _str: str
    _xp: Any  # the backend's array module, filled in by tocha._backend.xp_of on first use

    _interned: dict[tuple[str, int | None], device] = {}

    def __new__(cls, type: str | device, index: int | None = None) -> device:  # noqa: A002
        if isinstance(type, device):
            if index is not None:
                raise TypeError("device(): an index cannot be given with a device object")
            return type
        if not isinstance(type, str):
            if isinstance(type, int) and index is None:
                return cls("cuda", type)
            raise TypeError(f"device(): expected a string such as 'cpu' or 'cuda:0', got {type!r}")
        key = (type, index)
        found = cls._interned.get(key)
        if found is not None:
            return found
        name, parsed_index = _parse(type, index)
        canonical = cls._interned.get((name, parsed_index))
        if canonical is None:
            canonical = object.__new__(cls)
            canonical.type = name
            canonical.index = parsed_index
            canonical._str = name if parsed_index is None else f"{name}:{parsed_index}"
            canonical._xp = None
            cls._interned[(name, parsed_index)] = canonical
        cls._interned[key] = canonical
        return canonical

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self._str

    def __reduce__(self) -> tuple[type[device], tuple[str]]:
        return (device, (self._str,))


def _parse(spec: str, index: int | None) -> tuple[str, int | None]:
    name, sep, tail = spec.partition(":")
    if sep:
        if index is not None:
            raise RuntimeError(f"device(): type (string) must not include an index because index was passed explicitly: {spec}")
        if not tail.isdigit():
            raise RuntimeError(f"Invalid device string: '{spec}'")
        index = int(tail)
    if not name or not name.replace("_", "").isalnum() or not name.islower():
        raise RuntimeError(f"Invalid device string: '{spec}'")
    if index is not None and index < 0:
        raise RuntimeError(f"Device index must not be negative, got {index}")
    if name == "cpu" and index not in (None, 0):
        raise RuntimeError(f"CPU device index must be 0 or absent, got {index}")
    return name, index


DeviceLike = Union[device, str, int]

CPU = device("cpu")
