"""Packaging checks for the ``tocha`` meta distribution: it pulls in the whole stack, each part from its own wheel.

Runs in a venv holding ``tocha`` and the seven distributions it declares (``nox -s tests-tocha``).
"""

from __future__ import annotations

import importlib
import importlib.metadata as metadata
from types import SimpleNamespace

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

STACK = {
    "tocha-tensor-core": "tocha",
    "tocha-autograd": "tocha.autograd",
    "tocha-nn": "tocha.nn",
    "tocha-optim": "tocha.optim",
    "tocha-mp": "tocha.multiprocessing",
    "tocha-data": "tocha.data",
    "tocha-onnx-export": "tocha.onnx",
    "tocha-distributions": "tocha.distributions",
}


def test_meta_distribution_requires_the_whole_stack() -> None:
    requirements = {Requirement(text).name: Requirement(text) for text in metadata.requires("tocha") or ()}
    assert set(STACK) <= set(requirements)
    for name in STACK:
        installed = Version(metadata.version(name))
        assert installed in requirements[name].specifier, f"{name} {installed} does not satisfy {requirements[name]}"
    assert metadata.version("tocha") == metadata.version("tocha-tensor-core")


@pytest.mark.parametrize(("dist_name", "module_name"), list(STACK.items()))
def test_each_module_comes_from_its_distribution(
    dist_name: str, module_name: str, packaging_checks: SimpleNamespace
) -> None:
    module = importlib.import_module(module_name)
    assert packaging_checks.provides(dist_name, module.__file__)
    others = [other for other in STACK if other != dist_name]
    assert not any(packaging_checks.provides(other, module.__file__) for other in others)
