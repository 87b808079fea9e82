"""Shared test set-up: ``gpu``-marked tests skip unless CuPy sees a GPU."""

from __future__ import annotations

import pytest


def _cuda_available() -> bool:
    import tocha

    backend = tocha.library.get_backend("cuda")
    return bool(backend.is_available())  # type: ignore[attr-defined]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not any(item.get_closest_marker("gpu") for item in items):
        return
    if _cuda_available():
        return
    skip = pytest.mark.skip(
        reason="needs CuPy and an NVIDIA GPU (tocha.library.get_backend('cuda').is_available() is False)"
    )
    for item in items:
        if item.get_closest_marker("gpu"):
            item.add_marker(skip)
