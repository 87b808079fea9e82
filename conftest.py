"""Test helpers shared by every package's tests (pytest loads this file for any test under the repository).

``gpu``-marked tests skip unless tocha's cuda backend is available (CuPy and a GPU, or tools/fake_cupy first on
``PYTHONPATH``, as ``nox -s fakegpu`` puts it).

``packaging_checks`` holds the distribution-layout checks of ARCHITECTURE.md §2 that each package's own venv
runs: its subpackage comes from its own distribution, ``tocha`` comes from tensor-core, and the siblings it
declares are installed at versions its requirements admit.
"""

from __future__ import annotations

import ctypes
import importlib
import importlib.metadata as metadata
import importlib.util
import re
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.version import Version


def provides(dist_name: str, file: str | None) -> bool:
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


def subpackage_comes_from_its_distribution(dist_name: str, module_name: str) -> None:
    """``module_name`` imports, is documented, and is shipped by ``dist_name``, not by tensor-core."""
    module = importlib.import_module(module_name)
    assert module.__name__ == module_name
    assert module.__doc__
    assert provides(dist_name, module.__file__)
    assert not provides("tocha-tensor-core", module.__file__)


def tocha_comes_from_tensor_core(dist_name: str) -> None:
    """``import tocha`` resolves to tensor-core's ``__init__`` (not to ``dist_name``) and works."""
    import tocha

    assert provides("tocha-tensor-core", tocha.__file__)
    assert not provides(dist_name, tocha.__file__)
    assert tocha.zeros(2, 3).shape == (2, 3)


def declared_dependencies_are_met(dist_name: str) -> None:
    """Every unconditional requirement of ``dist_name`` is installed at a version it admits."""
    requirements = [Requirement(text) for text in metadata.requires(dist_name) or ()]
    assert "tocha-tensor-core" in {r.name for r in requirements}
    for requirement in requirements:
        if requirement.marker is not None:
            continue
        installed = Version(metadata.version(requirement.name))
        assert installed in requirement.specifier, f"{requirement.name} {installed} does not satisfy {requirement}"


@pytest.fixture
def packaging_checks() -> SimpleNamespace:
    """The distribution-layout checks above, for a package's tests to call with its own names."""
    return SimpleNamespace(
        provides=provides,
        subpackage_comes_from_its_distribution=subpackage_comes_from_its_distribution,
        tocha_comes_from_tensor_core=tocha_comes_from_tensor_core,
        declared_dependencies_are_met=declared_dependencies_are_met,
    )


CUDA_EMULATOR_HEADER = Path(__file__).resolve().parent / "tools" / "cuda_emulator" / "cuda_emulator.h"


def _build_for_emulator(folder: Path, name: str, source: str, flags: Sequence[str]) -> ctypes.CDLL:
    compiler = shutil.which("g++") or shutil.which("clang++")
    if compiler is None:
        pytest.skip("needs a C++20 compiler (g++ or clang++) to run CUDA kernels on the CPU emulator")
    cpp, library = folder / f"{name}.cpp", folder / f"{name}.so"
    cpp.write_text(f'#include "{CUDA_EMULATOR_HEADER}"\n{source}\n')
    command = [compiler, "-std=c++20", *flags, "-shared", "-fPIC", "-pthread", str(cpp), "-o", str(library)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0 and "barrier" in done.stderr and "No such file" in done.stderr:
        pytest.skip(f"{compiler} lacks C++20's <barrier>")
    assert done.returncode == 0, done.stderr
    return ctypes.CDLL(str(library))


def _emulator_arguments(grid: tuple[int], block: tuple[int], args: tuple[Any, ...]) -> list[Any]:
    """A launch's ``(grid, block, args)`` as ctypes values, CuPy's way: arrays by pointer, NumPy scalars by C type
    (``numpy.uint64`` is a device pointer, 0 for null, as the kernels' optional arrays are passed)."""
    import numpy as np

    assert len(grid) == 1
    assert len(block) == 1
    assert block[0] % 32 == 0
    assert block[0] <= 1024
    converted: list[Any] = [ctypes.c_uint(grid[0]), ctypes.c_uint(block[0])]
    for a in args:
        if isinstance(a, np.ndarray):
            assert a.flags.c_contiguous
            converted.append(ctypes.c_void_p(a.ctypes.data))
        elif isinstance(a, np.uint64):
            converted.append(ctypes.c_void_p(int(a) or None))
        elif isinstance(a, np.int64):
            converted.append(ctypes.c_longlong(int(a)))
        elif isinstance(a, np.int32):
            converted.append(ctypes.c_int(int(a)))
        elif isinstance(a, np.float64):
            converted.append(ctypes.c_double(float(a)))
        else:
            raise TypeError(f"a kernel argument of type {type(a).__name__}: CuPy would not pack it as intended")
    return converted


_C_TYPES = {"float32": "float", "float64": "double"}


def _launch_wrappers(source: str) -> str:
    """``extern "C"`` functions ``<kernel>_<float|double>(grid, block, params...)`` launching each ``__global__``
    template kernel of ``source`` (over ``T``) on the emulator; the parameters are read from the source itself."""
    lines = ['extern "C" {']
    for name, params in re.findall(r"__global__ void (\w+)\((.*?)\)\s*\{", source, flags=re.DOTALL):
        cleaned = [" ".join(p.replace("__restrict__", "").split()) for p in params.split(",")]
        cleaned = [p.removeprefix("const ") if "*" not in p else p for p in cleaned]
        arg_names = ", ".join(p.split()[-1] for p in cleaned)
        for ctype in _C_TYPES.values():
            typed = ", ".join(p.replace("T*", f"{ctype}*") for p in cleaned)
            lines.append(
                f"void {name}_{ctype}(unsigned grid, unsigned block, {typed}) "
                f"{{ emulate_launch(grid, block, {name}<{ctype}>, {arg_names}); }}"
            )
    lines.append("}")
    return "\n".join(lines)


class EmulatedKernel:
    """``RawModule.get_function(...)``'s stand-in: called as ``kernel(grid, block, args)``, runs the emulator and
    records ``(grid, block)``. Strided arrays go by the address of their first element, as CuPy passes
    ``data.ptr``."""

    def __init__(self, library: ctypes.CDLL, name: str, dtype: Any) -> None:
        import numpy as np

        self.function = getattr(library, f"{name}_{_C_TYPES[np.dtype(dtype).name]}")
        self.launches: list[tuple[int, int]] = []

    def __call__(self, grid: tuple[int], block: tuple[int], args: tuple[Any, ...]) -> None:
        import numpy as np

        args = tuple(
            np.uint64(a.ctypes.data) if isinstance(a, np.ndarray) and not a.flags.c_contiguous else a for a in args
        )
        self.function(*_emulator_arguments(grid, block, args))
        self.launches.append((grid[0], block[0]))


def _stand_in(library: ctypes.CDLL) -> tuple[Callable[[Any, str, Any], EmulatedKernel], dict[str, EmulatedKernel]]:
    """A replacement for a kernel module's ``_kernel(xp, name, dtype)`` running ``library``'s kernels, and the
    kernels it made, by ``"name<dtype>"``."""
    import numpy as np

    made: dict[str, EmulatedKernel] = {}

    def kernel(xp: Any, name: str, dtype: Any) -> EmulatedKernel:
        return made.setdefault(f"{name}<{np.dtype(dtype)}>", EmulatedKernel(library, name, dtype))

    return kernel, made


def _use_stand_in(monkeypatch: pytest.MonkeyPatch, library: ctypes.CDLL, module: Any, gate: Any) -> dict[str, Any]:
    kernel, made = _stand_in(library)
    monkeypatch.setattr(module, "_kernel", kernel)
    monkeypatch.setattr(gate, "_compiles_for", lambda xp: True)
    return made


@pytest.fixture(scope="session")
def cuda_emulator(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """tools/cuda_emulator for kernel tests without a GPU: ``build(name, source, flags)`` compiles CUDA source
    (with its ``extern "C"`` wrappers calling ``emulate_launch``) as C++20 and loads it; ``build_kernels(name,
    source, flags)`` does so with the wrappers of every template kernel made for it; ``stand_in(library)`` gives
    a ``_kernel(xp, name, dtype)`` replacement running them and the dict of kernels it made; ``use(monkeypatch,
    library, module, gate)`` installs that replacement as ``module._kernel``, turns the kernels on through
    ``gate._compiles_for`` and returns the dict; ``arguments(grid, block, args)`` converts a launch's arguments as
    CuPy packs them. Tests skip without a C++20 compiler."""

    def build(name: str, source: str, flags: Sequence[str] = ("-O1",)) -> ctypes.CDLL:
        return _build_for_emulator(tmp_path_factory.mktemp(name), name, source, flags)

    return SimpleNamespace(
        build=build,
        build_kernels=lambda name, source, flags=("-O1",): build(name, f"{source}\n{_launch_wrappers(source)}", flags),
        stand_in=_stand_in,
        use=_use_stand_in,
        arguments=_emulator_arguments,
    )


def _cuda_available() -> bool:
    try:
        import tocha

        return bool(tocha.library.get_backend("cuda").is_available())  # type: ignore[attr-defined]
    except Exception:  # tocha without a cuda backend (a test venv of another package's making)
        return False


def _autograd_installed() -> bool:
    try:
        return importlib.util.find_spec("tocha.autograd") is not None
    except ModuleNotFoundError:
        return False


def _skip_example(item: pytest.Item, reason: str) -> None:
    """Skip a doctest item when it runs. Not by a skip mark: pytest reports a mark's skip at the item's line, and
    the examples of functions whose ``__module__`` is ``tocha`` (collected from tocha/__init__.py) have none."""

    def skipped() -> None:
        pytest.skip(reason)

    item.runtest = skipped  # type: ignore[method-assign]


def _skip_examples_needing_autograd(items: list[pytest.Item]) -> None:
    """tensor-core's docstring examples that say "needs tocha-autograd" skip in its own venv (not elsewhere)."""
    from _pytest.doctest import DoctestItem

    if _autograd_installed():
        return
    reason = "the example needs tocha-autograd (nox -s integration runs it with it installed)"
    for item in items:
        if isinstance(item, DoctestItem) and "needs tocha-autograd" in (item.dtest.docstring or "").lower():
            _skip_example(item, reason)


def _skip_examples_needing_nn(items: list[pytest.Item]) -> None:
    """The examples of tensor-core's nn functions (``tocha.conv2d``..., which hand over to tocha-nn), and those
    that say "needs tocha-nn", skip where tocha-nn is not installed (tensor-core's own venv)."""
    from _pytest.doctest import DoctestItem

    try:
        if importlib.util.find_spec("tocha.nn") is not None:
            return
    except ModuleNotFoundError:
        pass
    for item in items:
        if not isinstance(item, DoctestItem):
            continue
        if item.name.startswith(("tocha._ops.nn_functions.", "tocha._ops.nn_natives.")):
            _skip_example(item, "tocha's nn functions hand over to tocha-nn, which is not installed")
        elif "needs tocha-nn" in (item.dtest.docstring or "").lower():
            _skip_example(item, "the example needs tocha-nn, which is not installed")


@pytest.fixture(autouse=True)
def _full_float32_convolutions_on_the_gpu(request: pytest.FixtureRequest) -> Any:
    """gpu tests compare CUDA results with the CPU's to float32 tolerances, so the TF32 convolutions that are on by
    default (``tocha.backends.cudnn.allow_tf32``, as in PyTorch) are off in them; a test of TF32 turns it on."""
    if request.node.get_closest_marker("gpu") is None:
        yield
        return
    import tocha.backends.cudnn

    with tocha.backends.cudnn.flags(enabled=True, allow_tf32=False):
        yield


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    _skip_examples_needing_autograd(items)
    _skip_examples_needing_nn(items)
    gpu_items = [item for item in items if item.get_closest_marker("gpu")]
    if not gpu_items or _cuda_available():
        return
    skip = pytest.mark.skip(reason="needs CuPy and an NVIDIA GPU (tocha's cuda backend is unavailable)")
    for item in gpu_items:
        item.add_marker(skip)
