"""Shared test set-up: ``autograd``-marked tests skip without tocha-autograd (``gpu``: the root conftest.py)."""

from __future__ import annotations

import pytest


def _autograd_installed() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec("tocha.autograd") is not None
    except ModuleNotFoundError:
        return False


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("autograd") and not _autograd_installed():
        pytest.skip("needs tocha-autograd (nox -s integration runs these tests with it installed)")
