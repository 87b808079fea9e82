"""Check built wheels (``nox -s build`` puts them in dist/) against the namespace scheme of ARCHITECTURE.md §2.

- exactly one wheel, tocha-tensor-core's, ships ``tocha/__init__.py``;
- every other wheel with code ships only its own subpackage ``tocha/<name>/`` (and no ``tocha/__init__.py``);
- every wheel with code ships ``py.typed`` in each top-level package it ships;
- the ``tocha`` meta wheel ships no code at all;
- there is one wheel per folder under ``packages/``.

Usage: ``python tools/check_wheels.py DIST_DIR``. Exits 1 and lists the problems.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

CORE = "tocha_tensor_core"
META = "tocha"


def check_wheel(path: Path) -> list[str]:
    """The problems of one wheel."""
    dist = path.name.split("-")[0]
    with zipfile.ZipFile(path) as wheel:
        names = [n for n in wheel.namelist() if ".dist-info/" not in n]
    problems: list[str] = []
    if dist == META:
        if names:
            problems.append(f"{path.name}: the meta distribution must ship no code, found {names[:5]}")
        return problems
    if dist == CORE:
        if "tocha/__init__.py" not in names:
            problems.append(f"{path.name}: tocha-tensor-core must ship tocha/__init__.py")
        if "tocha/py.typed" not in names:
            problems.append(f"{path.name}: missing tocha/py.typed")
        return problems
    if "tocha/__init__.py" in names:
        problems.append(f"{path.name}: ships tocha/__init__.py, which belongs to tocha-tensor-core alone")
    subpackages = {n.split("/")[1] for n in names if n.startswith("tocha/") and n.count("/") >= 2}
    stray = [n for n in names if not n.startswith("tocha/") or n.count("/") < 2]
    if stray:
        problems.append(f"{path.name}: files outside its subpackage: {stray[:5]}")
    if len(subpackages) != 1:
        problems.append(f"{path.name}: expected one subpackage under tocha/, found {sorted(subpackages)}")
    for sub in sorted(subpackages):
        if f"tocha/{sub}/__init__.py" not in names:
            problems.append(f"{path.name}: tocha/{sub}/ has no __init__.py")
        if f"tocha/{sub}/py.typed" not in names:
            problems.append(f"{path.name}: missing tocha/{sub}/py.typed")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    out = Path(argv[1])
    wheels = sorted(out.glob("*.whl"))
    problems: list[str] = []
    for wheel in wheels:
        problems += check_wheel(wheel)
    folders = sorted((Path(__file__).resolve().parent.parent / "packages").glob("*/pyproject.toml"))
    if len(wheels) != len(folders):
        problems.append(f"expected {len(folders)} wheels (one per package), found {len(wheels)} in {out}")
    owners = [w.name for w in wheels if "tocha/__init__.py" in zipfile.ZipFile(w).namelist()]
    if len(owners) != 1:
        problems.append(f"exactly one wheel may ship tocha/__init__.py; these do: {owners}")
    for problem in problems:
        print(problem)
    if problems:
        print(f"check_wheels: {len(problems)} problem(s)")
        return 1
    for wheel in wheels:
        print(f"ok  {wheel.name}")
    print(f"check_wheels: {len(wheels)} wheels follow the namespace scheme")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
