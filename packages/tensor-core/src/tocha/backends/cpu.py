"""``tocha.backends.cpu``: the vector instruction set tocha's CPU kernels (NumPy's) can use.

Example:
    >>> import tocha
    >>> tocha.backends.cpu.get_cpu_capability() in ("DEFAULT", "AVX2", "AVX512", "ZVECTOR", "NEON", "SVE256")
    True
"""

from __future__ import annotations

__all__ = ["get_cpu_capability"]


def get_cpu_capability() -> str:
    """The CPU's best vector extension among PyTorch's names: ``"AVX512"``, ``"AVX2"``, ``"NEON"`` or ``"DEFAULT"``.

    Read from the CPU features NumPy detected at import (its SIMD dispatch uses the same ones).

    Example:
        >>> import tocha
        >>> isinstance(tocha.backends.cpu.get_cpu_capability(), str)
        True
    """
    import numpy as np

    core = getattr(np, "_core", None) or getattr(np, "core", None)
    umath = getattr(core, "_multiarray_umath", None)
    features: dict[str, bool] = getattr(umath, "__cpu_features__", {})
    if all(features.get(f, False) for f in ("AVX512F", "AVX512BW", "AVX512VL", "AVX512DQ")):
        return "AVX512"
    if features.get("AVX2", False) and features.get("FMA3", False):
        return "AVX2"
    if features.get("ASIMD", False):
        return "NEON"
    return "DEFAULT"
