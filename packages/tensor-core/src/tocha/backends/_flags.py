"""Shared helper of the ``tocha.backends`` submodules: PyTorch's check that a flag is given a bool."""

from __future__ import annotations

from typing import Any


def check_bool(setter: str, value: Any) -> bool:
    """``value`` when it is a bool, else PyTorch's ``RuntimeError`` naming ``setter`` (``set_benchmark_cudnn``)."""
    if not isinstance(value, bool):
        raise RuntimeError(f"{setter} expects a bool, but got {type(value).__name__}")
    return value
