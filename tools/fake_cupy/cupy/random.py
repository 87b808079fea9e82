"""``cupy.random`` of the fake: NumPy generators behind CuPy's narrower Generator surface."""

from __future__ import annotations

from typing import Any

import numpy

from . import _function, _names


class Generator:
    """``cupy.random.Generator``: only the methods CuPy's has (no ``normal``, ``permutation``, ``choice``...)."""

    def __init__(self, inner: numpy.random.Generator) -> None:
        self._inner = inner
        self.bit_generator = XORWOW()

    def __getattr__(self, name: str) -> Any:
        if name in _names.GENERATOR:
            return _function(f"Generator.{name}", getattr(self._inner, name))
        raise AttributeError(f"fake cupy: 'cupy.random.Generator' object has no attribute '{name}'")


class XORWOW:
    """CuPy's default bit generator: its ``state`` is a method returning a device pointer, not a dict."""

    def state(self) -> int:
        return 0


def default_rng(seed: Any = None) -> Generator:
    return Generator(numpy.random.default_rng(seed))


def _fill() -> None:
    namespace = globals()
    for name in _names.RANDOM - {"Generator", "default_rng", "annotations"}:
        if hasattr(numpy.random, name) and callable(getattr(numpy.random, name)):
            namespace[name] = _function(name, getattr(numpy.random, name))


_fill()
