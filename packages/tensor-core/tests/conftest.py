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


def _autograd_installed() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec("tocha.autograd") is not None
    except ModuleNotFoundError:
        return False


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("autograd") and not _autograd_installed():
        pytest.skip("needs tocha-autograd (nox -s integration runs these tests with it installed)")
