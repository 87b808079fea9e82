"""pytest configuration of tests-integration/: ``gpu``-marked tests skip unless CUDA is available.

The plugin package under plugin/ is a fixture, not a test module: test_plugin.py builds and installs it into a fresh
venv and runs its checks (its doctests included) there, where its entry point exists.
"""

from __future__ import annotations

import pytest

collect_ignore = ["plugin"]


def _cuda_available() -> bool:
    import tocha

    return bool(tocha.cuda.is_available())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    gpu_items = [item for item in items if item.get_closest_marker("gpu")]
    if not gpu_items or _cuda_available():
        return
    skip = pytest.mark.skip(reason="needs CuPy and an NVIDIA GPU (tocha.cuda.is_available() is False)")
    for item in gpu_items:
        item.add_marker(skip)
