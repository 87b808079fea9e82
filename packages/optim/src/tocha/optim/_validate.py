"""PyTorch's argument checks for optimizer constructors (shared by every optimizer module)."""

from __future__ import annotations

from typing import Any

from tocha import Tensor


def _value(x: Any) -> float:
    return float(x.item()) if isinstance(x, Tensor) else float(x)


def check_lr(lr: Any) -> None:
    """Raise ValueError for a negative learning rate, as PyTorch does."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not _value(lr) >= 0.0:
        raise ValueError(f"Invalid learning rate: {lr}")


def check_nonneg(value: Any, what: str) -> None:
    """Raise ``ValueError(f"Invalid {what}: {value}")`` for a negative ``value``."""
    if not _value(value) >= 0.0:
        raise ValueError(f"Invalid {what}: {value}")


def check_betas(betas: tuple[Any, Any]) -> None:
    """Raise ValueError unless both betas lie in [0, 1)."""
    for i in (0, 1):
        if not 0.0 <= _value(betas[i]) < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")
