"""Check the dependency contract of ARCHITECTURE.md §2 over every package's src.

For each package under ``packages/``, every import in its ``src`` (``import x``, ``from x import y``, relative
imports resolved) must be one of:

- the standard library;
- the package's own modules (anything, private ones included);
- a *public* module or name of tensor-core (``tocha``, ``tocha.library``, ``tocha.testing``, ...: no path
  component starting with ``_``), or of a sibling the package declares, directly or through another sibling;
- a third-party distribution the package declares (extras included), or one a declared sibling declares.

An import inside ``try:`` whose handler catches ImportError (or ModuleNotFoundError) is optional: it may name a
distribution nobody declares (``cupy``) or an undeclared sibling's public module (tensor-core's hand-over to
tocha-autograd), but never another distribution's private modules.

Usage: ``python tools/check_deps.py [ROOT]`` (ROOT defaults to the repository). Exits 1 and lists every
violation as ``path:line: message``.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

# Import names that differ from the distribution that provides them.
IMPORT_ALIASES: dict[str, tuple[str, ...]] = {
    "cupy": ("cupy", "cupy-cuda12x", "cupy-cuda13x"),
    "cupyx": ("cupy", "cupy-cuda12x", "cupy-cuda13x"),
    "cupy_backends": ("cupy", "cupy-cuda12x", "cupy-cuda13x"),
    "yaml": ("pyyaml",),
}
CORE = "tocha-tensor-core"


@dataclass
class Package:
    """One distribution under packages/: its name, folder, declared requirements and the subpackages it owns."""

    dist: str
    folder: Path
    requires: set[str]
    owns: set[str] = field(default_factory=set)  # top-level names under src/tocha it ships ('' for tocha itself)


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(text: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", text)
    if match is None:
        raise ValueError(f"cannot read requirement {text!r}")
    return _normalise(match.group(1))


def load_packages(root: Path) -> dict[str, Package]:
    """Every package under ``root/packages``, keyed by distribution name."""
    packages: dict[str, Package] = {}
    for pyproject in sorted((root / "packages").glob("*/pyproject.toml")):
        project = tomllib.loads(pyproject.read_text())["project"]
        texts = list(project.get("dependencies", []))
        for extra in project.get("optional-dependencies", {}).values():
            texts += extra
        package = Package(_normalise(project["name"]), pyproject.parent, {_requirement_name(t) for t in texts})
        src = pyproject.parent / "src" / "tocha"
        if (src / "__init__.py").is_file():
            package.owns.add("")
        if src.is_dir():
            package.owns |= {p.name for p in src.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
        packages[package.dist] = package
    return packages


def _closure(dist: str, packages: dict[str, Package]) -> set[str]:
    """``dist`` and every sibling it needs, directly or transitively."""
    seen: set[str] = set()
    pending = [dist]
    while pending:
        current = pending.pop()
        if current in seen or current not in packages:
            continue
        seen.add(current)
        pending += [r for r in packages[current].requires if r in packages]
    return seen


def _owner(module: str, packages: dict[str, Package]) -> str:
    """The distribution that ships ``module`` (a ``tocha...`` dotted name)."""
    parts = module.split(".")
    if len(parts) > 1:
        for package in packages.values():
            if parts[1] in package.owns and "" not in package.owns:
                return package.dist
    return CORE


def _is_private(module: str) -> bool:
    """Whether a component of dotted ``module`` is private (``_x``; dunders like ``__version__`` are public)."""
    return any(part.startswith("_") and not part.endswith("__") for part in module.split("."))


def _module_name(path: Path, src: Path) -> tuple[str, bool]:
    """The dotted module name of ``path`` under ``src`` and whether it is a package ``__init__``."""
    parts = list(path.relative_to(src).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(parts), is_package


def _guarded(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Whether ``node`` sits in the body of a ``try`` that catches ImportError."""
    child, current = node, parents.get(node)
    while current is not None:
        if isinstance(current, ast.Try) and child in current.body:
            for handler in current.handlers:
                names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
                if any(isinstance(n, ast.Name) and n.id in ("ImportError", "ModuleNotFoundError") for n in names):
                    return True
        child, current = current, parents.get(current)
    return False


def _imports(tree: ast.Module, module: str, is_package: bool) -> list[tuple[ast.stmt, list[str]]]:
    """Each import statement with the absolute names it imports (``from a import b`` gives ``a.b``)."""
    found: list[tuple[ast.stmt, list[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.append((node, [alias.name for alias in node.names]))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".") if is_package else module.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names = [base if alias.name == "*" else f"{base}.{alias.name}" for alias in node.names]
            found.append((node, names))
    return found


def _third_party_ok(top: str, allowed: set[str]) -> bool:
    candidates = IMPORT_ALIASES.get(top, (top,))
    return any(_normalise(c) in allowed for c in candidates)


def check_package(package: Package, packages: dict[str, Package], root: Path) -> list[str]:
    """The violations in one package's src, as ``path:line: message`` strings."""
    siblings = _closure(package.dist, packages)
    third_party: set[str] = set()
    for sibling in siblings:
        third_party |= {r for r in packages[sibling].requires if r not in packages}
    src = package.folder / "src"
    problems: list[str] = []
    for path in sorted(src.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
        module, is_package = _module_name(path, src)
        for node, names in _imports(tree, module, is_package):
            optional = _guarded(node, parents)
            for name in names:
                problem = _check_name(name, package, packages, siblings, third_party, optional)
                if problem:
                    problems.append(f"{path.relative_to(root)}:{node.lineno}: {problem}")
    return problems


def _check_name(
    name: str,
    package: Package,
    packages: dict[str, Package],
    siblings: set[str],
    third_party: set[str],
    optional: bool,
) -> str | None:
    top = name.split(".")[0]
    if top != "tocha":
        if top in sys.stdlib_module_names or top == "__future__" or optional or _third_party_ok(top, third_party):
            return None
        return f"imports '{name}', but {package.dist} does not declare a distribution providing '{top}'"
    owner = _owner(name, packages)
    if owner == package.dist:
        return None
    if _is_private(name):
        return f"imports '{name}', a private module or name of {owner} (use its public names)"
    if owner not in siblings and not optional:
        return f"imports '{name}' from {owner}, which {package.dist} does not declare"
    return None


def main(argv: list[str]) -> int:
    root = Path(argv[1]).resolve() if len(argv) > 1 else Path(__file__).resolve().parent.parent
    packages = load_packages(root)
    problems: list[str] = []
    for package in packages.values():
        problems += check_package(package, packages, root)
    for problem in problems:
        print(problem)
    checked = ", ".join(sorted(packages))
    if problems:
        print(f"check_deps: {len(problems)} violation(s) of the dependency contract (packages: {checked})")
        return 1
    print(f"check_deps: the dependency contract holds for {checked}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
