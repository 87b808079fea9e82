"""Packaging checks: ``tocha.distributions`` and ``tocha`` come from their own distributions.

These run in a venv holding only tocha-distributions and the siblings it declares (``nox -s tests-distributions``),
so they also show that the namespace scheme of ARCHITECTURE.md §2 works for this package. The checks live in the
repository's conftest.py.
"""

from __future__ import annotations

from types import SimpleNamespace

DIST = "tocha-distributions"
MODULE = "tocha.distributions"


def test_subpackage_comes_from_its_own_distribution(packaging_checks: SimpleNamespace) -> None:
    packaging_checks.subpackage_comes_from_its_distribution(DIST, MODULE)


def test_tocha_comes_from_tensor_core(packaging_checks: SimpleNamespace) -> None:
    packaging_checks.tocha_comes_from_tensor_core(DIST)


def test_declared_dependencies_are_met(packaging_checks: SimpleNamespace) -> None:
    packaging_checks.declared_dependencies_are_met(DIST)
