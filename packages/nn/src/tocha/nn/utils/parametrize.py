"""register_parametrization, remove_parametrizations, is_parametrized, cached."""

from __future__ import annotations

__all__: list[str] = []
