"""tools/check_deps.py on small synthetic monorepos: each kind of violation is caught, legal imports pass."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest


def _load() -> ModuleType:
    path = Path(__file__).resolve().parent.parent / "check_deps.py"
    spec = importlib.util.spec_from_file_location("check_deps", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_deps"] = module
    spec.loader.exec_module(module)
    return module


check_deps = _load()


def _package(root: Path, folder: str, dist: str, deps: list[str], files: dict[str, str]) -> None:
    base = root / "packages" / folder
    base.mkdir(parents=True)
    listed = ", ".join(f'"{d}"' for d in deps)
    (base / "pyproject.toml").write_text(f'[project]\nname = "{dist}"\nversion = "0.1.0"\ndependencies = [{listed}]\n')
    for name, text in files.items():
        path = base / "src" / "tocha" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def _repo(tmp_path: Path, autograd_code: str, mp_code: str = "") -> list[str]:
    _package(
        tmp_path,
        "tensor-core",
        "tocha-tensor-core",
        ["numpy>=1.26"],
        {
            "__init__.py": "from . import _dtype\nfrom ._ops import add\n",
            "_dtype.py": "",
            "_ops/__init__.py": "",
            "library.py": "",
        },
    )
    _package(
        tmp_path,
        "autograd",
        "tocha-autograd",
        ["tocha-tensor-core>=0.1,<0.2"],
        {"autograd/__init__.py": autograd_code, "autograd/_engine.py": ""},
    )
    _package(tmp_path, "mp", "tocha-mp", ["tocha-tensor-core>=0.1,<0.2"], {"multiprocessing/__init__.py": mp_code})
    packages = check_deps.load_packages(tmp_path)
    problems: list[str] = []
    for package in packages.values():
        problems += check_deps.check_package(package, packages, tmp_path)
    return problems


def test_public_and_own_imports_pass(tmp_path: Path) -> None:
    code = """
        import os
        import numpy as np
        import tocha
        import tocha.library
        from tocha import Tensor, library
        from tocha.library import OpRecord
        from . import _engine
        from ._engine import run
        from tocha.autograd._engine import run as run2
    """
    assert _repo(tmp_path, code) == []


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("import tocha._dtype", "'tocha._dtype', a private module or name of tocha-tensor-core"),
        ("from tocha import _dtype", "'tocha._dtype', a private module or name of tocha-tensor-core"),
        ("from tocha._ops import add", "'tocha._ops.add', a private module or name of tocha-tensor-core"),
        ("from .. import _dtype", "'tocha._dtype', a private module or name of tocha-tensor-core"),
        (
            "import tocha.multiprocessing",
            "'tocha.multiprocessing' from tocha-mp, which tocha-autograd does not declare",
        ),
        ("import torch", "'torch', but tocha-autograd does not declare a distribution providing 'torch'"),
        (
            "try:\n    from tocha import _dtype\nexcept ImportError:\n    pass",
            "private module or name of tocha-tensor-core",
        ),
    ],
)
def test_violations_are_reported(tmp_path: Path, code: str, message: str) -> None:
    problems = _repo(tmp_path, code)
    assert len(problems) == 1, problems
    assert problems[0].startswith("packages/autograd/src/tocha/autograd/__init__.py:")
    assert message in problems[0]


def test_optional_imports_in_try_except_importerror(tmp_path: Path) -> None:
    code = "try:\n    import cupy\n    import tocha.multiprocessing\nexcept ImportError:\n    cupy = None\n"
    assert _repo(tmp_path, code) == []


def test_transitive_third_party_through_a_declared_sibling(tmp_path: Path) -> None:
    assert _repo(tmp_path, "", mp_code="import numpy\nimport tocha.autograd\n") == [
        "packages/mp/src/tocha/multiprocessing/__init__.py:2: imports 'tocha.autograd' from tocha-autograd, which tocha-mp does not declare"
    ]
