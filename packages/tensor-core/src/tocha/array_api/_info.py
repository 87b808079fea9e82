"""``__array_namespace_info__``: what this namespace supports."""

from __future__ import annotations

from typing import Any

import tocha as _t

from .._dtype import dtype as DType  # noqa: N812
from ._core import SUPPORTED_DTYPES, isdtype

__all__ = ["__array_namespace_info__"]


class Info:
    """The standard's inspection object: capabilities, devices, default and supported dtypes."""

    __module__ = "tocha.array_api"

    def capabilities(self) -> dict[str, Any]:
        """Optional features: boolean indexing and data-dependent output shapes are supported.

        Example:
            >>> import tocha.array_api as xp
            >>> xp.__array_namespace_info__().capabilities()["boolean indexing"]
            True
        """
        return {"boolean indexing": True, "data-dependent shapes": True}

    def default_device(self) -> _t.device:
        """The device new arrays go to: the CPU.

        Example:
            >>> import tocha.array_api as xp
            >>> xp.__array_namespace_info__().default_device()
            device(type='cpu')
        """
        return _t.device("cpu")

    def default_dtypes(self, *, device: Any = None) -> dict[str, DType]:
        """Default dtypes: float32 (the current default float), complex64, int64 and int64 for indexing.

        Example:
            >>> import tocha.array_api as xp
            >>> xp.__array_namespace_info__().default_dtypes()["integral"]
            tocha.int64
        """
        real = _t.get_default_dtype()
        return {
            "real floating": real,
            "complex floating": real.to_complex(),
            "integral": _t.int64,
            "indexing": _t.int64,
        }

    def devices(self) -> list[_t.device]:
        """The devices arrays can live on: the CPU, then each CUDA device.

        Example:
            >>> import tocha.array_api as xp
            >>> xp.__array_namespace_info__().devices()[0]
            device(type='cpu')
        """
        found = [_t.device("cpu")]
        if _t.cuda.is_available():
            found.extend(_t.device("cuda", i) for i in range(_t.cuda.device_count()))
        return found

    def dtypes(self, *, device: Any = None, kind: str | tuple[str, ...] | None = None) -> dict[str, DType]:
        """The standard's dtypes tocha supports, by name, optionally only those of ``kind``.

        Example:
            >>> import tocha.array_api as xp
            >>> list(xp.__array_namespace_info__().dtypes(kind="signed integer"))
            ['int8', 'int16', 'int32', 'int64']
        """
        return {d.name: d for d in SUPPORTED_DTYPES if kind is None or isdtype(d, kind)}  # type: ignore[arg-type]


def __array_namespace_info__() -> Info:  # noqa: N807  (the standard's name)
    """The namespace's inspection object.

    Example:
        >>> import tocha.array_api as xp
        >>> xp.__array_namespace_info__().default_device()
        device(type='cpu')
    """
    return Info()
