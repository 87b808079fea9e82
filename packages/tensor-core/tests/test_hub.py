"""tocha.hub against a local HTTP server standing in for GitHub and a weights host (NOTE [ Hub ])."""

from __future__ import annotations

import builtins
import hashlib
import http.server
import io
import json
import os
import re
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.error import HTTPError

import numpy as np
import pytest

import tocha
import tocha.hub as hub


class _Server:
    """Serves ``routes`` (path with query -> (status, body)) and counts the requests per path."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, bytes]] = {}
        self.hits: dict[str, int] = {}
        self.headers: dict[str, dict[str, str]] = {}
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits[self.path] = server.hits.get(self.path, 0) + 1
                server.headers[self.path] = dict(self.headers)
                status, body = server.routes.get(self.path, (404, b"not found"))
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[_Server]:
    running = _Server()
    yield running
    running.close()


@pytest.fixture
def hub_dir(tmp_path: Path) -> Iterator[Path]:
    previous = hub.get_dir()
    hub.set_dir(tmp_path / "hub")
    yield tmp_path / "hub"
    hub.set_dir(previous)


def _saved(obj: Any) -> bytes:
    buffer = io.BytesIO()
    tocha.save(obj, buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------ the hub directory


def test_get_dir_follows_tocha_home_then_xdg_then_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(hub, "_hub_dir", None)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TOCHA_HOME", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert hub.get_dir() == str(tmp_path / "home" / ".cache" / "tocha" / "hub")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert hub.get_dir() == str(tmp_path / "xdg" / "tocha" / "hub")
    monkeypatch.setenv("TOCHA_HOME", "~/tocha-home")
    assert hub.get_dir() == str(tmp_path / "home" / "tocha-home" / "hub")
    hub.set_dir("~/elsewhere")
    assert hub.get_dir() == str(tmp_path / "home" / "elsewhere")


def test_hub_is_imported_on_first_use_and_light() -> None:
    code = (
        "import sys, tocha\n"
        "assert 'tocha.hub' not in sys.modules\n"
        "tocha.hub.get_dir()\n"
        "assert 'tocha.hub' in sys.modules and 'urllib.request' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_hub_is_an_attribute_of_tocha() -> None:
    assert tocha.hub is hub
    assert sorted(hub.__all__) == [
        "download_url_to_file", "get_dir", "help", "list", "load", "load_state_dict_from_url", "set_dir",
    ]  # fmt: skip


# ------------------------------------------------------------------ downloads


def test_download_checks_the_hash_and_reports_progress(
    server: _Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    payload = os.urandom(300_000)
    server.routes["/blob"] = (200, payload)
    digest = hashlib.sha256(payload).hexdigest()
    hub.download_url_to_file(server.url + "/blob", str(tmp_path / "blob"), hash_prefix=digest[:10])
    assert (tmp_path / "blob").read_bytes() == payload
    progress = capsys.readouterr().err
    assert "100%" in progress
    assert "0.3 MiB" in progress
    assert server.headers["/blob"]["User-Agent"] == "tocha.hub"


def test_download_with_a_wrong_hash_keeps_the_old_file(server: _Server, tmp_path: Path) -> None:
    server.routes["/blob"] = (200, b"new contents")
    target = tmp_path / "blob"
    target.write_bytes(b"old contents")
    digest = hashlib.sha256(b"new contents").hexdigest()
    with pytest.raises(RuntimeError, match=f'invalid hash value of .*/blob \\(expected "abc", got "{digest}"\\)'):
        hub.download_url_to_file(server.url + "/blob", str(target), hash_prefix="abc", progress=False)
    assert target.read_bytes() == b"old contents"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blob"]  # no partial file left behind


def test_download_of_a_missing_url_raises_and_writes_nothing(server: _Server, tmp_path: Path) -> None:
    with pytest.raises(HTTPError, match="404"):
        hub.download_url_to_file(server.url + "/missing", str(tmp_path / "blob"), progress=False)
    assert list(tmp_path.iterdir()) == []


def test_load_state_dict_from_url_downloads_once(server: _Server, hub_dir: Path) -> None:
    weights = {"weight": tocha.arange(6.0).reshape(2, 3), "bias": tocha.tensor([1, 2])}
    server.routes["/w/model.safetensors"] = (200, _saved(weights))
    for _ in range(2):
        state = hub.load_state_dict_from_url(server.url + "/w/model.safetensors", progress=False)
        assert sorted(state) == ["bias", "weight"]
        np.testing.assert_array_equal(state["weight"].numpy(), np.arange(6.0, dtype=np.float32).reshape(2, 3))
        assert state["bias"].dtype is tocha.int64
    assert server.hits["/w/model.safetensors"] == 1
    assert (hub_dir / "checkpoints" / "model.safetensors").exists()


def test_load_state_dict_from_url_file_name_model_dir_and_map_location(server: _Server, tmp_path: Path) -> None:
    server.routes["/download?id=7"] = (200, _saved({"w": tocha.ones(2)}))
    state = hub.load_state_dict_from_url(
        server.url + "/download?id=7", model_dir=str(tmp_path / "mine"), file_name="named.pt",
        map_location=lambda tensor, location: tensor * 2, progress=False,
    )  # fmt: skip
    assert state["w"].tolist() == [2.0, 2.0]
    assert (tmp_path / "mine" / "named.pt").exists()


def test_load_state_dict_from_url_check_hash(server: _Server, hub_dir: Path) -> None:
    body = _saved({"w": tocha.zeros(3)})
    digest = hashlib.sha256(body).hexdigest()
    server.routes[f"/net-{digest[:8]}.pth"] = (200, body)
    server.routes["/net-deadbeef.pth"] = (200, body)
    server.routes["/net.pth"] = (200, body)
    state = hub.load_state_dict_from_url(f"{server.url}/net-{digest[:8]}.pth", check_hash=True, progress=False)
    assert state["w"].tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(RuntimeError, match='expected "deadbeef"'):
        hub.load_state_dict_from_url(server.url + "/net-deadbeef.pth", check_hash=True, progress=False)
    assert not (hub_dir / "checkpoints" / "net-deadbeef.pth").exists()
    with pytest.raises(
        ValueError, match=re.escape("check_hash=True needs a file name of the form 'name-<sha256 prefix>.ext'")
    ):
        hub.load_state_dict_from_url(server.url + "/net.pth", check_hash=True, progress=False)


def test_load_state_dict_from_url_unwraps_a_single_file_zip(server: _Server, hub_dir: Path) -> None:
    wrapper = io.BytesIO()
    with zipfile.ZipFile(wrapper, "w") as archive:
        archive.writestr("inner.pt", _saved({"w": tocha.full((2,), 5.0)}))
    server.routes["/old.zip"] = (200, wrapper.getvalue())
    with pytest.warns(FutureWarning, match="zip file wrapping one checkpoint"):
        state = hub.load_state_dict_from_url(server.url + "/old.zip", progress=False)
    assert state["w"].tolist() == [5.0, 5.0]


def test_load_state_dict_from_url_refuses_a_zip_that_escapes(server: _Server, hub_dir: Path) -> None:
    wrapper = io.BytesIO()
    with zipfile.ZipFile(wrapper, "w") as archive:
        archive.writestr("../../escaped.pt", b"x")
    server.routes["/evil.zip"] = (200, wrapper.getvalue())
    with (
        pytest.warns(FutureWarning),
        pytest.raises(ValueError, match=re.escape("refusing to extract '../../escaped.pt'")),
    ):
        hub.load_state_dict_from_url(server.url + "/evil.zip", progress=False)
    assert not (hub_dir.parent / "escaped.pt").exists()


def test_load_state_dict_from_url_reads_torch_checkpoints(server: _Server, hub_dir: Path) -> None:
    torch = pytest.importorskip("torch")
    layer = torch.nn.Linear(3, 2)
    buffer = io.BytesIO()
    torch.save(layer.state_dict(), buffer)
    server.routes["/linear.pth"] = (200, buffer.getvalue())
    state = hub.load_state_dict_from_url(server.url + "/linear.pth", progress=False)
    np.testing.assert_array_equal(state["weight"].numpy(), layer.weight.detach().numpy())
    np.testing.assert_array_equal(state["bias"].numpy(), layer.bias.detach().numpy())


# ------------------------------------------------------------------ hubconf.py


def _write_repo(root: Path, extra: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "helpers.py").write_text("def scale():\n    return 3.0\n")
    (root / "hubconf.py").write_text(
        "dependencies = ['tocha', 'numpy']\n"
        "from helpers import scale\n"
        "def filled(n, value=1.0):\n"
        '    """A tensor of n copies of value, scaled."""\n'
        "    import tocha\n"
        "    return tocha.full((n,), value * scale())\n"
        "def _private():\n"
        "    pass\n"
        "not_callable = 4\n" + extra
    )
    return root


def test_load_from_a_local_directory(tmp_path: Path) -> None:
    repo = _write_repo(tmp_path / "repo")
    path_before = builtins.list(sys.path)
    result = hub.load(str(repo), "filled", 2, value=0.5, source="local")
    assert result.tolist() == [1.5, 1.5]
    assert sys.path == path_before


def test_local_load_errors(tmp_path: Path) -> None:
    repo = _write_repo(tmp_path / "repo")
    with pytest.raises(RuntimeError, match="cannot find callable missing in hubconf"):
        hub.load(str(repo), "missing", source="local")
    with pytest.raises(RuntimeError, match="cannot find callable not_callable in hubconf"):
        hub.load(str(repo), "not_callable", source="local")
    with pytest.raises(ValueError, match="model must be the name of an entry point"):
        hub.load(str(repo), 3, source="local")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=re.escape('unknown source "gitlab"; allowed values: "github" | "local"')):
        hub.load(str(repo), "filled", source="gitlab")
    with pytest.raises(FileNotFoundError, match=r"has no hubconf\.py"):
        hub.load(str(tmp_path), "filled", source="local")
    needy = tmp_path / "needy"
    needy.mkdir()
    (needy / "hubconf.py").write_text("dependencies = ['numpy', 'surely_not_a_package_x']\ndef f():\n    pass\n")
    with pytest.raises(RuntimeError, match=r"missing dependencies of .*hubconf\.py: surely_not_a_package_x"):
        hub.load(str(needy), "f", source="local")


# ------------------------------------------------------------------ GitHub repositories


def _serve_repo(server: _Server, tmp_path: Path, owner: str = "someone", name: str = "models") -> None:
    """GitHub's URLs for someone/models: no ``main`` branch, a ``master`` branch, a ``v1`` tag."""
    source = _write_repo(tmp_path / "source")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for file in source.iterdir():
            zipped.write(file, f"{owner}-{name}-0abc123/{file.name}")
    server.routes[f"/{owner}/{name}/zipball/master"] = (200, archive.getvalue())
    server.routes[f"/{owner}/{name}/zipball/v1"] = (200, archive.getvalue())
    branches = [{"name": "master", "commit": {"sha": "0abc1234"}}]
    tags = [{"name": "v1", "commit": {"sha": "99ff0000"}}]
    for kind, entries in (("branches", branches), ("tags", tags)):
        server.routes[f"/repos/{owner}/{name}/{kind}?per_page=100&page=1"] = (200, json.dumps(entries).encode())
        server.routes[f"/repos/{owner}/{name}/{kind}?per_page=100&page=2"] = (200, b"[]")


@pytest.fixture
def github(server: _Server, tmp_path: Path, hub_dir: Path, monkeypatch: pytest.MonkeyPatch) -> _Server:
    monkeypatch.setattr(hub, "_GITHUB", server.url)
    monkeypatch.setattr(hub, "_GITHUB_API", server.url)
    _serve_repo(server, tmp_path)
    return server


def _answer(monkeypatch: pytest.MonkeyPatch, reply: str) -> list[str]:
    prompts: list[str] = []

    def fake_input(prompt: str = "") -> str:
        prompts.append(prompt)
        return reply

    monkeypatch.setattr(builtins, "input", fake_input)
    return prompts


def test_github_load_asks_once_then_trusts(
    github: _Server, hub_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    prompts = _answer(monkeypatch, "y")
    assert hub.load("someone/models", "filled", 1).tolist() == [3.0]
    assert len(prompts) == 1
    assert "someone_models is not in the list of trusted repositories" in prompts[0]
    assert (hub_dir / "trusted_list").read_text() == "someone_models\n"
    assert (hub_dir / "someone_models_master" / "hubconf.py").exists()
    assert not list(hub_dir.glob("*.zip"))
    assert github.hits["/someone/models/tree/main/"] == 1  # no main branch: master is the default
    assert github.hits["/someone/models/zipball/master"] == 1

    assert hub.load("someone/models", "filled", 2, value=2.0).tolist() == [6.0, 6.0]
    assert len(prompts) == 1
    assert github.hits["/someone/models/zipball/master"] == 1
    assert "Using cache found in" in capsys.readouterr().err
    hub.load("someone/models", "filled", 1, force_reload=True)
    assert github.hits["/someone/models/zipball/master"] == 2


def test_github_trust_answers(github: _Server, hub_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _answer(monkeypatch, "n")
    with pytest.raises(RuntimeError, match="untrusted repository someone/models"):
        hub.load("someone/models:v1", "filled", 1)
    _answer(monkeypatch, "maybe")
    with pytest.raises(ValueError, match="unrecognized answer 'maybe'"):
        hub.load("someone/models:v1", "filled", 1)
    assert "zipball" not in " ".join(github.hits)  # nothing downloaded before the user agreed
    prompts = _answer(monkeypatch, "")
    assert hub.load("someone/models:v1", "filled", 1, trust_repo=True).tolist() == [3.0]
    assert prompts == []
    with pytest.raises(RuntimeError, match="untrusted repository"):  # False asks even when trusted
        hub.load("someone/models:v1", "filled", 1, trust_repo=False)
    with pytest.raises(ValueError, match="trust_repo must be True, False, 'check' or None"):
        hub.load("someone/models:v1", "filled", 1, trust_repo="yes")


def test_github_trust_none_warns_unless_downloaded(github: _Server, monkeypatch: pytest.MonkeyPatch) -> None:
    prompts = _answer(monkeypatch, "n")
    with pytest.warns(UserWarning, match="untrusted repository"):
        hub.load("someone/models:v1", "filled", 1, trust_repo=None)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hub.load("someone/models:v1", "filled", 1, trust_repo=None)
    assert prompts == []


def test_github_validation_refuses_unknown_refs(github: _Server, monkeypatch: pytest.MonkeyPatch) -> None:
    _answer(monkeypatch, "y")
    with pytest.raises(ValueError, match=r"cannot find deadbeef in http://127\.0\.0\.1:\d+/someone/models\."):
        hub.load("someone/models:deadbeef", "filled", 1)
    assert hub.load("someone/models:v1", "filled", 1).tolist() == [3.0]  # a tag
    with pytest.raises(HTTPError, match="404"):  # skipped validation: straight to the (missing) archive
        hub.load("someone/models:deadbeef", "filled", 1, skip_validation=True)


def test_github_validation_accepts_a_commit_prefix_and_sends_the_token(
    github: _Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    _answer(monkeypatch, "y")
    monkeypatch.setenv("GITHUB_TOKEN", "secret")
    github.routes["/someone/models/zipball/0abc12"] = github.routes["/someone/models/zipball/master"]
    assert hub.load("someone/models:0abc12", "filled", 1).tolist() == [3.0]
    assert github.headers["/repos/someone/models/branches?per_page=100&page=1"]["Authorization"] == "token secret"


def test_github_list_and_help(github: _Server, monkeypatch: pytest.MonkeyPatch) -> None:
    _answer(monkeypatch, "y")
    assert hub.list("someone/models") == ["filled", "scale"]
    assert hub.help("someone/models", "filled") == "A tensor of n copies of value, scaled."


def test_github_repository_names(github: _Server, monkeypatch: pytest.MonkeyPatch) -> None:
    for bad in ("models", "someone/", "a/b/c"):
        with pytest.raises(ValueError, match="expected a GitHub repository as 'owner/name\\[:ref\\]'"):
            hub.load(bad, "filled")
    _answer(monkeypatch, "y")
    github.routes["/someone/models/tree/main/"] = (200, b"")
    with pytest.raises(HTTPError, match="404"):  # main exists, so main it is; its archive is not served
        hub.load("someone/models", "filled", 1, skip_validation=True)
