"""Packaging checks for tocha-nn: ``tocha.nn`` and ``tocha`` come from their own distributions.

These run in a venv holding only tocha-nn and the siblings it declares (``nox -s tests-nn``),
so they also show that the namespace scheme of ARCHITECTURE.md §2 works for this package.
"""

from __future__ import annotations

import importlib
import importlib.metadata as metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

DIST = "tocha-nn"
MODULE = "tocha.nn"


def _provides(dist_name: str, file: str | None) -> bool:
    """Whether ``file`` is installed by ``dist_name``: a file it records, or under a source dir its ``.pth`` adds."""
    assert file is not None
    target = Path(file).resolve()
    dist = metadata.distribution(dist_name)
    for entry in dist.files or ():
        path = Path(str(dist.locate_file(entry))).resolve()
        if path == target:
            return True
        if path.suffix == ".pth" and path.is_file():
            for line in path.read_text().splitlines():
                if (
                    line.strip()
                    and not line.startswith(("#", "import"))
                    and target.is_relative_to(Path(line.strip()).resolve())
                ):
                    return True
    return False


def test_subpackage_comes_from_its_own_distribution() -> None:
    module = importlib.import_module(MODULE)
    assert module.__name__ == MODULE
    assert module.__doc__
    assert _provides(DIST, module.__file__)
    assert not _provides("tocha-tensor-core", module.__file__)


def test_tocha_comes_from_tensor_core() -> None:
    import tocha

    assert _provides("tocha-tensor-core", tocha.__file__)
    assert not _provides(DIST, tocha.__file__)
    assert tocha.zeros(2, 3).shape == (2, 3)


def test_declared_dependencies_are_met() -> None:
    requirements = [Requirement(text) for text in metadata.requires(DIST) or ()]
    assert "tocha-tensor-core" in {r.name for r in requirements}
    for requirement in requirements:
        if requirement.marker is not None:
            continue
        installed = Version(metadata.version(requirement.name))
        assert installed in requirement.specifier, f"{requirement.name} {installed} does not satisfy {requirement}"
