"""Packaging checks for tocha-nn: ``tocha.nn`` and ``tocha`` come from their own distributions.

These run in a venv holding only tocha-nn and the siblings it declares (``nox -s tests-nn``), so they also
show that the namespace scheme of ARCHITECTURE.md §2 works for this package. The checks live in the
repository's conftest.py.
"""

from __future__ import annotations

from types import SimpleNamespace

DIST = "tocha-nn"
MODULE = "tocha.nn"


def test_subpackage_comes_from_its_own_distribution(packaging_checks: SimpleNamespace) -> None:
    packaging_checks.subpackage_comes_from_its_distribution(DIST, MODULE)


def test_tocha_comes_from_tensor_core(packaging_checks: SimpleNamespace) -> None:
    packaging_checks.tocha_comes_from_tensor_core(DIST)


def test_declared_dependencies_are_met(packaging_checks: SimpleNamespace) -> None:
    packaging_checks.declared_dependencies_are_met(DIST)


def test_namespaces_re_export_every_family_by_name() -> None:
    """The explicit re-export lists (kept literal so that type checkers see them) miss no family name."""
    import importlib
    import pkgutil

    import tocha.nn as nn

    for package in (nn.modules, nn.functional, nn.utils):
        exported = set(package.__all__)
        for info in pkgutil.iter_modules(package.__path__):
            if info.name in exported:  # re-exported as a submodule (nn.utils.rnn, nn.utils.parametrize)
                continue
            family = importlib.import_module(f"{package.__name__}.{info.name}")
            missing = set(getattr(family, "__all__", ())) - exported
            assert not missing, f"{family.__name__} names {sorted(missing)} are not re-exported by {package.__name__}"
            for name in getattr(family, "__all__", ()):
                assert getattr(package, name) is getattr(family, name)
    assert set(nn.modules.__all__) <= set(nn.__all__)
