"""tocha-tensor-core installed alone into a fresh venv is a working NumPy substitute, and nothing more.

Builds and installs packages/tensor-core (a real wheel, not editable) into a new virtual environment with uv
(or ``python -m venv`` and pip when uv is absent), runs a small NumPy-style script there and checks its output,
and checks that the other distributions' modules (``tocha.autograd``...) are not importable.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent(
    """
    import json
    import numpy as np
    import tocha

    a = tocha.tensor([[1.0, 2.0], [3.0, 4.0]])
    b = tocha.arange(2, dtype=tocha.float32)
    result = {
        "file": tocha.__file__,
        "dtype": str(a.dtype),
        "int_dtype": str(tocha.tensor([1, 2]).dtype),
        "shape": list(tocha.zeros(2, 3).shape),
        "arith": ((a + b) * 2 - 1).tolist(),
        "promotion": str((tocha.tensor([1, 2]) / 2).dtype),
        "sum": a.sum().item(),
        "mean_dim0": a.mean(dim=0).tolist(),
        "matmul": (a @ a).tolist(),
        "index": a[1, :].tolist(),
        "slice_is_view": bool(np.shares_memory(a[:, 1].numpy(), a.numpy())),
        "from_numpy": tocha.from_numpy(np.ones(3)).dtype == tocha.float64,
    }
    print(json.dumps(result))
    """
)

ALONE = textwrap.dedent(
    """
    import importlib.metadata, importlib.util, json
    import tocha

    print(json.dumps({
        "autograd": importlib.util.find_spec("tocha.autograd") is not None,
        "nn": importlib.util.find_spec("tocha.nn") is not None,
        "dists": sorted(d.metadata["Name"] for d in importlib.metadata.distributions() if d.metadata["Name"].startswith("tocha")),
    }))
    """
)


def _run(*args: str | Path) -> str:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def alone_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding tocha-tensor-core (and its needs, numpy and ml_dtypes) only."""
    venv = tmp_path_factory.mktemp("alone") / "venv"
    python = venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    uv = shutil.which("uv")
    if uv:
        _run(uv, "venv", "--quiet", "--python", sys.executable, venv)
        _run(uv, "pip", "install", "--quiet", "--python", python, ROOT / "packages" / "tensor-core")
    else:
        _run(sys.executable, "-m", "venv", venv)
        _run(python, "-m", "pip", "install", "--quiet", ROOT / "packages" / "tensor-core")
    return python


def test_tensor_core_alone_is_a_numpy_substitute(alone_python: Path) -> None:
    result = json.loads(_run(alone_python, "-c", SCRIPT))
    assert Path(result["file"]).parts[-2:] == ("tocha", "__init__.py")
    assert "site-packages" in result["file"]  # the built wheel, not the source tree
    assert result["dtype"] == "tocha.float32"
    assert result["int_dtype"] == "tocha.int64"
    assert result["shape"] == [2, 3]
    assert result["arith"] == [[1.0, 5.0], [5.0, 9.0]]
    assert result["promotion"] == "tocha.float32"
    assert result["sum"] == 10.0
    assert result["mean_dim0"] == [2.0, 3.0]
    assert result["matmul"] == [[7.0, 10.0], [15.0, 22.0]]
    assert result["index"] == [3.0, 4.0]
    assert result["slice_is_view"] is True
    assert result["from_numpy"] is True


def test_no_other_distribution_comes_along(alone_python: Path) -> None:
    result = json.loads(_run(alone_python, "-c", ALONE))
    assert result == {"autograd": False, "nn": False, "dists": ["tocha-tensor-core"]}
    failed = subprocess.run(
        [str(alone_python), "-c", "import tocha.autograd"], capture_output=True, text=True, check=False
    )
    assert failed.returncode != 0
    assert "No module named 'tocha.autograd'" in failed.stderr
