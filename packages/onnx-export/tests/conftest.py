"""Test set-up for tocha-onnx-export: ``gpu``-marked tests skip unless CuPy sees a GPU."""

from __future__ import annotations

import pytest


def _cuda_available() -> bool:
    import tocha

    try:
        backend = tocha.library.get_backend("cuda")
        return bool(backend.is_available())  # type: ignore[attr-defined]
    except Exception:  # no cuda backend registered at all
        return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    gpu_items = [item for item in items if item.get_closest_marker("gpu")]
    if not gpu_items or _cuda_available():
        return
    skip = pytest.mark.skip(reason="needs CuPy and an NVIDIA GPU (tocha.library.get_backend('cuda') is unavailable)")
    for item in gpu_items:
        item.add_marker(skip)
