"""A third-party plugin adds a device type and a differentiable op through tocha's public extension interface alone.

tests-integration/plugin/ is a separate distribution, ``tocha-plugin-example`` (its own pyproject.toml, hatchling,
depending on tocha-tensor-core only, importing only public ``tocha.library`` / ``tocha.testing`` names). It declares
a backend ``fakeaccel`` (a NumPy-backed fake accelerator) in the ``tocha.backends`` entry-point group and registers
the op ``plugin_example_smooth_abs`` with its vjp. These tests install it with tocha-tensor-core and tocha-autograd
(real wheels, not editable) into a fresh venv and check there that:

- tocha finds the backend by entry point, without the plugin being imported first, and tensors live and compute on
  it, move to and from the host through its transfer methods, and draw random numbers from its generator;
- the op runs on ``cpu`` and on ``fakeaccel``, matching its NumPy reference (tocha.testing.check_forward);
- its gradient through tocha.autograd matches central finite differences, on both devices, and so does the gradient
  of its gradient (tocha.autograd.gradcheck / gradgradcheck, tocha.testing.check_vjp);
- the plugin's own doctests pass.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLUGIN = Path(__file__).resolve().parent / "plugin"

SCRIPT = textwrap.dedent(
    """
    import doctest, json, sys
    import numpy as np
    import tocha
    import tocha.autograd
    from tocha.testing import assert_close, check_forward, check_vjp, op_info

    out = {}
    out["imported_before"] = "tocha_plugin_example" in sys.modules
    backend = tocha.library.get_backend("fakeaccel")  # loaded through the entry point
    out["imported_after"] = "tocha_plugin_example" in sys.modules
    out["backend"] = f"{type(backend).__module__}.{type(backend).__qualname__}"
    out["same_backend"] = tocha.library.get_backend("fakeaccel") is backend
    out["device_count"] = backend.device_count()

    host = tocha.arange(6, dtype=tocha.float64).reshape(2, 3)
    on = host.to("fakeaccel:1")
    out["device"] = repr(on.device)
    out["copied"] = not np.shares_memory(np.asarray(on.cpu()), host.numpy())
    total = (on * 2 + 1).sum(dim=0)
    out["total_device"] = str(total.device)
    out["total"] = total.cpu().tolist()
    out["ones_device"] = str(tocha.ones(2, device="fakeaccel").device)
    out["stats"] = backend.memory_stats()
    try:
        total + host
        out["mixed"] = "no error"
    except RuntimeError as exc:
        out["mixed"] = str(exc)
    tocha.manual_seed(0)
    first = tocha.randn(4, device="fakeaccel")
    tocha.manual_seed(0)
    again = tocha.randn(4, device="fakeaccel")
    out["random_device"] = str(first.device)
    out["random_repeats"] = first.cpu().tolist() == again.cpu().tolist()
    tocha.manual_seed(0)
    out["random_own_generator"] = first.cpu().tolist() != tocha.randn(4).tolist()  # Philox, not the cpu's PCG64

    import tocha_plugin_example as plugin

    name = "plugin_example_smooth_abs"
    out["registered"] = tocha.library.get_op(name) is plugin.SMOOTH_ABS
    info = op_info(name)
    checked = []
    for device in ("cpu", "fakeaccel"):
        for dtype in (tocha.float32, tocha.float64):
            for sample in info.sample_inputs(device, dtype):
                result = info.run(sample)
                assert result.device.type == device and result.dtype == dtype, (result.device, result.dtype)
                if device == "cpu":
                    check_forward(info, sample)
                else:  # check_forward compares with a reference tensor on cpu and so refuses any other device
                    expected = info.run_reference(sample)
                    assert_close(result.cpu(), tocha.from_numpy(np.asarray(expected)), check_dtype=False)
                if dtype == tocha.float64:
                    check_vjp(info, sample)
                checked.append(f"{device}/{dtype}/{sample.name}")
    out["checked"] = checked

    grads = {}
    for device in ("cpu", "fakeaccel"):
        values = [-1.5, -0.2, 0.0, 0.3, 2.0]
        weights = tocha.tensor([1.0, -2.0, 0.5, 3.0, -1.0], dtype=tocha.float64, device=device)
        x = tocha.tensor(values, dtype=tocha.float64, device=device, requires_grad=True)
        loss = (plugin.smooth_abs(x, eps=0.01) * weights).sum()
        loss.backward()
        grad = x.grad

        def f(v):
            t = tocha.tensor(v, dtype=tocha.float64, device=device)
            return (plugin.smooth_abs(t, eps=0.01) * weights).sum().item()

        h = 1e-6
        numeric = []
        for i in range(len(values)):
            up, down = list(values), list(values)
            up[i] += h
            down[i] -= h
            numeric.append((f(up) - f(down)) / (2 * h))
        fn = lambda t: plugin.smooth_abs(t, eps=0.01)
        leaf = tocha.tensor(values, dtype=tocha.float64, device=device, requires_grad=True)
        grads[device] = {
            "device": str(grad.device),
            "autograd": grad.cpu().tolist(),
            "numeric": numeric,
            "gradcheck": bool(tocha.autograd.gradcheck(fn, (leaf,))),
            "gradgradcheck": bool(tocha.autograd.gradgradcheck(fn, (leaf,))),
        }
    out["grads"] = grads
    try:
        plugin.smooth_abs(tocha.ones(2), eps=-1.0)
    except ValueError as exc:
        out["bad_eps"] = str(exc)
    out["doctests"] = doctest.testmod(plugin, optionflags=doctest.NORMALIZE_WHITESPACE)._asdict()
    print(json.dumps(out))
    """
)


def _run(*args: str | Path) -> str:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def plugin_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding tocha-tensor-core, tocha-autograd and the plugin (built wheels, not editable)."""
    venv = tmp_path_factory.mktemp("plugin") / "venv"
    python = venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    packages = [ROOT / "packages" / "tensor-core", ROOT / "packages" / "autograd", PLUGIN]
    uv = shutil.which("uv")
    if uv:
        _run(uv, "venv", "--quiet", "--python", sys.executable, venv)
        _run(uv, "pip", "install", "--quiet", "--python", python, *packages)
    else:
        _run(sys.executable, "-m", "venv", venv)
        _run(python, "-m", "pip", "install", "--quiet", *packages)
    return python


@pytest.fixture(scope="module")
def result(plugin_python: Path) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(_run(plugin_python, "-c", SCRIPT))
    return found


def test_the_plugin_is_installed_as_a_separate_distribution(plugin_python: Path) -> None:
    code = (
        "import importlib.metadata as m, json; "
        "print(json.dumps({'dists': sorted(d.metadata['Name'] for d in m.distributions() "
        "if d.metadata['Name'].startswith('tocha')), "
        "'entry_points': [e.value for e in m.entry_points(group='tocha.backends')]}))"
    )
    found = json.loads(_run(plugin_python, "-c", code))
    assert found == {
        "dists": ["tocha-autograd", "tocha-plugin-example", "tocha-tensor-core"],
        "entry_points": ["tocha_plugin_example:FakeAcceleratorBackend"],
    }


def test_the_backend_is_found_by_entry_point(result: dict[str, Any]) -> None:
    assert result["imported_before"] is False
    assert result["imported_after"] is True
    assert result["backend"] == "tocha_plugin_example.FakeAcceleratorBackend"
    assert result["same_backend"] is True
    assert result["device_count"] == 2


def test_tensors_live_and_compute_on_the_plugin_device(result: dict[str, Any]) -> None:
    assert result["device"] == "device(type='fakeaccel', index=1)"
    assert result["copied"] is True
    assert result["total_device"] == "fakeaccel:1"
    assert result["total"] == [8.0, 12.0, 16.0]
    assert result["ones_device"].startswith("fakeaccel")
    assert result["stats"]["host_to_device_bytes"] >= 6 * 8  # the backend's from_host did the transfer
    assert result["stats"]["device_to_host_bytes"] >= 6 * 8
    assert "fakeaccel" in result["mixed"]
    assert "cpu" in result["mixed"]
    assert result["random_device"].startswith("fakeaccel")
    assert result["random_repeats"] is True
    assert result["random_own_generator"] is True


def test_the_plugin_op_matches_its_reference_and_its_vjp(result: dict[str, Any]) -> None:
    assert result["registered"] is True
    assert len(result["checked"]) == 2 * 2 * 4
    assert "fakeaccel/tocha.float64/strided" in result["checked"]


def test_the_plugin_op_gradient_matches_finite_differences(result: dict[str, Any]) -> None:
    for device, grads in result["grads"].items():
        assert grads["device"].startswith(device)
        assert grads["autograd"] == pytest.approx(grads["numeric"], rel=1e-6, abs=1e-8), device
        assert grads["gradcheck"] is True
        assert grads["gradgradcheck"] is True
    assert result["grads"]["cpu"]["autograd"] == result["grads"]["fakeaccel"]["autograd"]
    assert result["bad_eps"] == "smooth_abs(): eps must be >= 0, got -1.0"


def test_the_plugin_doctests_pass(result: dict[str, Any]) -> None:
    assert result["doctests"]["failed"] == 0
    assert result["doctests"]["attempted"] >= 2
