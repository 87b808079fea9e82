"""``tocha.hub``: download pretrained weights, and load models that a GitHub repository publishes, as ``torch.hub``.

NOTE [ Hub ]
- Weights: :func:`load_state_dict_from_url` downloads a checkpoint once into ``<hub dir>/checkpoints`` and loads it
  with :func:`tocha.load`, which reads ``torch.save`` files and ``.safetensors`` files without running code from
  them (NOTE [ Reading PyTorch checkpoints ]). So the URLs of published PyTorch weights work as they are. A file
  name carrying a hash (``resnet18-f37072fd.pth``) is checked against the download's SHA-256 when
  ``check_hash=True``. Downloads go to a temporary file beside the destination and are renamed into place only
  once complete (and verified), so an interrupted download never leaves a truncated checkpoint in the cache.
- Models: :func:`load`, :func:`list` and :func:`help` import a repository's ``hubconf.py`` and call its entry
  points. That *runs the repository's code*, which is what the caller asks for, so a GitHub repository must be
  trusted first (``trust_repo``), as in PyTorch. Unlike PyTorch, tocha trusts no repository owner in advance.
  ``source="local"`` imports a directory on disk and asks nothing.
- The hub directory is ``$TOCHA_HOME/hub``, else ``$XDG_CACHE_HOME/tocha/hub``, else ``~/.cache/tocha/hub``
  (:func:`set_dir` overrides all three). Pass ``model_dir=torch.hub.get_dir() + "/checkpoints"`` to reuse the
  files PyTorch already downloaded.
"""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import importlib.util
import json
import os
import re
import shutil
import sys
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

from ._serialization import MapLocation
from ._serialization import load as _load_checkpoint

__all__ = ["download_url_to_file", "get_dir", "help", "list", "load", "load_state_dict_from_url", "set_dir"]

_GITHUB = "https://github.com"
_GITHUB_API = "https://api.github.com"
_HASH_IN_NAME = re.compile(r"-([a-f0-9]*)\.")
_CHUNK_BYTES = 1 << 17
_TRUSTED_OWNERS: frozenset[str] = frozenset()  # see NOTE [ Hub ]: none in advance

_hub_dir: str | None = None


def get_dir() -> str:
    """The directory where the hub keeps downloaded repositories and checkpoints.

    ``$TOCHA_HOME/hub``, else ``$XDG_CACHE_HOME/tocha/hub``, else ``~/.cache/tocha/hub``; :func:`set_dir`
    overrides them.

    Example:
        >>> import tempfile, tocha.hub
        >>> previous = tocha.hub.get_dir()
        >>> tocha.hub.set_dir(tempfile.gettempdir() + "/my-hub")
        >>> tocha.hub.get_dir().endswith("my-hub")
        True
        >>> tocha.hub.set_dir(previous)
    """
    if _hub_dir is not None:
        return _hub_dir
    home = os.environ.get("TOCHA_HOME")
    if home is None:
        cache = os.environ.get("XDG_CACHE_HOME", os.path.join("~", ".cache"))
        home = os.path.join(cache, "tocha")
    return os.path.join(os.path.expanduser(home), "hub")


def set_dir(d: str | os.PathLike[str]) -> None:
    """Use ``d`` as the hub directory from now on (``~`` is expanded).

    Example:
        >>> import tempfile, tocha.hub
        >>> previous = tocha.hub.get_dir()
        >>> tocha.hub.set_dir(tempfile.gettempdir())
        >>> tocha.hub.get_dir() == tempfile.gettempdir()
        True
        >>> tocha.hub.set_dir(previous)
    """
    global _hub_dir
    _hub_dir = os.path.expanduser(os.fspath(d))


# ---------------------------------------------------------------- downloads


def _open_url(url: str, headers: dict[str, str] | None = None) -> Any:
    from urllib.request import Request, urlopen

    return urlopen(Request(url, headers={"User-Agent": "tocha.hub", **(headers or {})}))


class _Progress:
    """A one-line progress display on stderr (``progress=True``)."""

    def __init__(self, total: int | None, enabled: bool) -> None:
        self.total, self.enabled, self.done = total, enabled, 0

    def update(self, count: int) -> None:
        self.done += count
        if not self.enabled:
            return
        shown = f"{self.done / 2**20:.1f} MiB"
        if self.total:
            shown = f"{100 * self.done // self.total:3d}% {shown} of {self.total / 2**20:.1f} MiB"
        sys.stderr.write(f"\r{shown}")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def download_url_to_file(url: str, dst: str, hash_prefix: str | None = None, progress: bool = True) -> None:
    """Download ``url`` to the file ``dst``, atomically; with ``hash_prefix``, check that the file's SHA-256
    hex digest starts with it.

    The data goes to a temporary file in ``dst``'s directory, renamed to ``dst`` only once complete and
    verified: on any failure (network error, hash mismatch) ``dst`` is left as it was. A hash mismatch raises
    RuntimeError naming both digests. ``progress`` shows a progress line on stderr.

    Example:
        >>> import pathlib, tempfile, tocha.hub
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (folder / "source.bin").write_bytes(b"weights")
        >>> tocha.hub.download_url_to_file((folder / "source.bin").as_uri(), str(folder / "copy.bin"),
        ...                                hash_prefix="9a1290", progress=False)
        >>> (folder / "copy.bin").read_bytes()
        b'weights'
    """
    dst = os.path.abspath(os.path.expanduser(dst))
    hasher = hashlib.sha256() if hash_prefix is not None else None
    with _open_url(url) as response:
        length = response.headers.get("Content-Length") if response.headers is not None else None
        bar = _Progress(int(length) if length and length.isdigit() else None, progress)
        handle, partial = tempfile.mkstemp(
            dir=os.path.dirname(dst), prefix=os.path.basename(dst) + ".", suffix=".partial"
        )
        try:
            with os.fdopen(handle, "wb") as out:
                while chunk := response.read(_CHUNK_BYTES):
                    out.write(chunk)
                    if hasher is not None:
                        hasher.update(chunk)
                    bar.update(len(chunk))
            bar.close()
            if hasher is not None and hash_prefix is not None:
                digest = hasher.hexdigest()
                if not digest.startswith(hash_prefix):
                    raise RuntimeError(
                        f'download_url_to_file(): invalid hash value of {url} (expected "{hash_prefix}", '
                        f'got "{digest}")'
                    )
            os.replace(partial, dst)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.remove(partial)


def _safe_extract(archive: zipfile.ZipFile, target: str) -> None:
    """Extract every member under ``target``; ValueError for a member whose path would leave it."""
    root = os.path.realpath(target)
    for member in archive.infolist():
        destination = os.path.realpath(os.path.join(root, member.filename))
        if os.path.commonpath([root, destination]) != root:
            raise ValueError(f"refusing to extract {member.filename!r}: its path leaves {target}")
    archive.extractall(root)


def _unwrap_legacy_zip(path: str, model_dir: str) -> str:
    """The checkpoint inside a zip archive that wraps a single file (old torchvision weights), else ``path``.

    A ``torch.save`` archive is itself a zip file, but one with several members.
    """
    if not zipfile.is_zipfile(path):
        return path
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        if len(members) != 1 or members[0].is_dir():
            return path
        warnings.warn(
            f"{os.path.basename(path)} is a zip file wrapping one checkpoint, the format of PyTorch before 1.6; "
            "loading the checkpoint inside it (save it again with tocha.save or torch.save to drop the wrapper)",
            FutureWarning,
            stacklevel=3,
        )
        _safe_extract(archive, model_dir)
        return os.path.join(model_dir, members[0].filename)


def load_state_dict_from_url(
    url: str,
    model_dir: str | None = None,
    map_location: MapLocation = None,
    progress: bool = True,
    check_hash: bool = False,
    file_name: str | None = None,
    weights_only: bool = False,
) -> dict[str, Any]:
    """Load the checkpoint at ``url``, downloading it into ``model_dir`` (``<hub dir>/checkpoints``) the first
    time; :func:`tocha.load` reads it, so ``torch.save`` files and ``.safetensors`` files both work and nothing
    in them runs.

    ``file_name`` names the cached file (default: the URL's last path component). ``check_hash`` requires the
    file name to end in ``-<hex digits>.<ext>`` and the download's SHA-256 to start with those digits (PyTorch's
    convention for published weights). ``map_location`` is :func:`tocha.load`'s; ``weights_only`` is accepted
    for compatibility (tocha always loads weights only).

    Example:
        >>> import pathlib, tempfile, tocha, tocha.hub
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> tocha.save({"weight": tocha.ones(2)}, folder / "tiny.pt")
        >>> state = tocha.hub.load_state_dict_from_url((folder / "tiny.pt").as_uri(),
        ...                                            model_dir=str(folder / "cache"), progress=False)
        >>> state["weight"]
        tensor([1., 1.])
    """
    del weights_only
    if model_dir is None:
        model_dir = os.path.join(get_dir(), "checkpoints")
    os.makedirs(model_dir, exist_ok=True)
    from urllib.parse import urlparse

    filename = file_name if file_name is not None else os.path.basename(urlparse(url).path)
    cached_file = os.path.join(model_dir, filename)
    if not os.path.exists(cached_file):
        hash_prefix = None
        if check_hash:
            found = _HASH_IN_NAME.search(filename)
            if found is None:
                raise ValueError(
                    f"load_state_dict_from_url(): check_hash=True needs a file name of the form "
                    f"'name-<sha256 prefix>.ext', got {filename!r}"
                )
            hash_prefix = found.group(1)
        sys.stderr.write(f'Downloading: "{url}" to {cached_file}\n')
        download_url_to_file(url, cached_file, hash_prefix, progress=progress)
    loaded = _load_checkpoint(_unwrap_legacy_zip(cached_file, model_dir), map_location=map_location)
    return loaded  # type: ignore[no-any-return]


# ---------------------------------------------------------------- repositories


def _parse_repo(github: str) -> tuple[str, str, str]:
    """``owner/name[:ref]`` as (owner, name, ref); without a ref, ``main`` if the repository has that branch,
    else ``master`` (PyTorch's rule)."""
    repo, _, ref = github.partition(":")
    owner, slash, name = repo.partition("/")
    if not slash or not owner or not name or "/" in name:
        raise ValueError(f"tocha.hub: expected a GitHub repository as 'owner/name[:ref]', got {github!r}")
    if ref:
        return owner, name, ref
    from urllib.error import HTTPError, URLError

    try:
        with _open_url(f"{_GITHUB}/{owner}/{name}/tree/main/"):
            return owner, name, "main"
    except HTTPError as error:
        if error.code == 404:
            return owner, name, "master"
        raise
    except URLError as error:  # offline: a cached copy of either branch will do
        for candidate in ("main", "master"):
            if os.path.isdir(os.path.join(get_dir(), f"{owner}_{name}_{candidate}")):
                return owner, name, candidate
        raise RuntimeError(
            f"tocha.hub: cannot reach GitHub to find {owner}/{name}'s default branch, and no copy is cached "
            f"in {get_dir()}"
        ) from error


def _check_trusted(owner: str, name: str, cached_dir: str, trust_repo: bool | str | None) -> None:
    """Ask before running a repository's code (PyTorch's ``trust_repo`` rules); trusted repositories are listed
    one per line in ``<hub dir>/trusted_list``."""
    if trust_repo not in (True, False, "check", None):
        raise ValueError(f"tocha.hub: trust_repo must be True, False, 'check' or None, got {trust_repo!r}")
    listing = os.path.join(get_dir(), "trusted_list")
    trusted: tuple[str, ...] = ()
    if os.path.exists(listing):
        with open(listing, encoding="utf-8") as file:
            trusted = tuple(line.strip() for line in file)
    owner_name = f"{owner}_{name}"
    is_trusted = owner_name in trusted or owner in _TRUSTED_OWNERS
    if trust_repo is None:  # PyTorch's legacy default: a repository downloaded before counts as trusted
        is_trusted = is_trusted or os.path.isdir(cached_dir)
        if not is_trusted:
            warnings.warn(
                f"You are about to download and run code from an untrusted repository ({owner}/{name}). In a "
                "future release, this will raise an error: pass trust_repo=False, 'check' or True.",
                UserWarning,
                stacklevel=4,
            )
        return
    if trust_repo is False or (trust_repo == "check" and not is_trusted):
        answer = builtins.input(
            f"The repository {owner_name} is not in the list of trusted repositories, so its code cannot be "
            "downloaded and run. Do you trust it and want to add it to the trusted list (y/N)? "
        ).strip()
        if answer.lower() in ("", "n", "no"):
            raise RuntimeError(f"tocha.hub: untrusted repository {owner}/{name}")
        if answer.lower() not in ("y", "yes"):
            raise ValueError(f"tocha.hub: unrecognized answer {answer!r} (expected y or n)")
    if not is_trusted:
        os.makedirs(get_dir(), exist_ok=True)
        with open(listing, "a", encoding="utf-8") as file:
            file.write(owner_name + "\n")


def _check_ref_in_repo(owner: str, name: str, ref: str) -> None:
    """ValueError unless ``ref`` is a branch, a tag, or the commit of one in ``owner/name`` itself (a commit of
    a fork is reachable through the original repository's URL too)."""
    headers = {"Accept": "application/vnd.github.v3+json"}
    token = os.environ.get("GITHUB_TOKEN")
    if token:
        headers["Authorization"] = f"token {token}"
    from urllib.error import HTTPError

    for kind in ("branches", "tags"):
        page = 1
        while True:
            url = f"{_GITHUB_API}/repos/{owner}/{name}/{kind}?per_page=100&page={page}"
            try:
                with _open_url(url, headers) as response:
                    entries = json.loads(response.read())
            except HTTPError:
                if "Authorization" not in headers:
                    raise
                del headers["Authorization"]  # a token without access to this repository: try anonymously
                continue
            if not entries:
                break
            if any(entry["name"] == ref or entry["commit"]["sha"].startswith(ref) for entry in entries):
                return
            page += 1
    raise ValueError(
        f"tocha.hub: cannot find {ref} in {_GITHUB}/{owner}/{name}. If it is a commit of a fork, load from the "
        "fork itself (or pass skip_validation=True)."
    )


def _fetch_repo(
    github: str, force_reload: bool, trust_repo: bool | str | None, verbose: bool, skip_validation: bool
) -> str:
    """The directory of a downloaded (or cached) GitHub repository."""
    hub_dir = get_dir()
    owner, name, ref = _parse_repo(github)
    repo_dir = os.path.join(hub_dir, "_".join((owner, name, ref.replace("/", "_"))))
    _check_trusted(owner, name, repo_dir, trust_repo)
    if not force_reload and os.path.isdir(repo_dir):
        if verbose:
            sys.stderr.write(f"Using cache found in {repo_dir}\n")
        return repo_dir
    if not skip_validation:
        _check_ref_in_repo(owner, name, ref)
    os.makedirs(hub_dir, exist_ok=True)
    archive_path = os.path.join(hub_dir, ref.replace("/", "_") + ".zip")
    url = f"{_GITHUB}/{owner}/{name}/zipball/{ref}"
    if verbose:
        sys.stderr.write(f'Downloading: "{url}" to {archive_path}\n')
    download_url_to_file(url, archive_path, progress=False)
    with tempfile.TemporaryDirectory(dir=hub_dir) as unpacked:
        with zipfile.ZipFile(archive_path) as archive:
            _safe_extract(archive, unpacked)
        top = os.listdir(unpacked)
        if len(top) != 1:
            raise RuntimeError(f"tocha.hub: {url} is not a repository archive (expected one top-level folder)")
        if os.path.isdir(repo_dir):
            shutil.rmtree(repo_dir)
        os.replace(os.path.join(unpacked, top[0]), repo_dir)
    os.remove(archive_path)
    return repo_dir


@contextlib.contextmanager
def _on_sys_path(directory: str) -> Iterator[None]:
    sys.path.insert(0, directory)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(directory)


def _import_hubconf(repo_dir: str) -> ModuleType:
    path = os.path.join(repo_dir, "hubconf.py")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"tocha.hub: {repo_dir} has no hubconf.py")
    spec = importlib.util.spec_from_file_location("hubconf", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    missing = [dep for dep in getattr(module, "dependencies", []) if importlib.util.find_spec(dep) is None]
    if missing:
        raise RuntimeError(f"tocha.hub: missing dependencies of {path}: {', '.join(missing)}")
    return module


def _entry_point(module: ModuleType, model: str) -> Callable[..., Any]:
    if not isinstance(model, str):
        raise ValueError(f"tocha.hub: model must be the name of an entry point (a str), got {type(model).__name__}")
    entry = getattr(module, model, None)
    if entry is None or not callable(entry):
        raise RuntimeError(f"tocha.hub: cannot find callable {model} in hubconf ({module.__file__})")
    return entry  # type: ignore[no-any-return]


def _repo_dir(
    repo_or_dir: str,
    source: str,
    force_reload: bool,
    trust_repo: bool | str | None,
    verbose: bool,
    skip_validation: bool,
) -> str:
    source = source.lower()
    if source == "github":
        return _fetch_repo(repo_or_dir, force_reload, trust_repo, verbose, skip_validation)
    if source == "local":
        return repo_or_dir
    raise ValueError(f'tocha.hub: unknown source "{source}"; allowed values: "github" | "local"')


def list(
    github: str,
    force_reload: bool = False,
    skip_validation: bool = False,
    trust_repo: bool | str | None = "check",
    verbose: bool = True,
) -> builtins.list[str]:
    """The entry points that ``github`` (``owner/name[:ref]``) publishes in its ``hubconf.py``: its callables
    whose names do not start with ``_``.

    Downloads the repository unless cached (``force_reload`` downloads again); ``trust_repo`` and
    ``skip_validation`` are :func:`load`'s.

    Example (a repository already in the cache, so nothing is downloaded):
        >>> import pathlib, tempfile, tocha.hub
        >>> previous = tocha.hub.get_dir()
        >>> tocha.hub.set_dir(tempfile.mkdtemp())
        >>> cached = pathlib.Path(tocha.hub.get_dir(), "owner_models_main")
        >>> cached.mkdir()
        >>> _ = (cached / "hubconf.py").write_text('def mlp():\\n    "A two-layer perceptron."\\n')
        >>> tocha.hub.list("owner/models:main", trust_repo=True, verbose=False)
        ['mlp']
        >>> tocha.hub.set_dir(previous)
    """
    repo_dir = _fetch_repo(github, force_reload, trust_repo, verbose, skip_validation)
    with _on_sys_path(repo_dir):
        module = _import_hubconf(repo_dir)
    return [name for name in dir(module) if callable(getattr(module, name)) and not name.startswith("_")]


def help(
    github: str,
    model: str,
    force_reload: bool = False,
    skip_validation: bool = False,
    trust_repo: bool | str | None = "check",
) -> str | None:
    """The docstring of the entry point ``model`` of ``github`` (``owner/name[:ref]``).

    Example (a repository already in the cache, so nothing is downloaded):
        >>> import contextlib, io, pathlib, tempfile, tocha.hub
        >>> previous = tocha.hub.get_dir()
        >>> tocha.hub.set_dir(tempfile.mkdtemp())
        >>> cached = pathlib.Path(tocha.hub.get_dir(), "owner_models_main")
        >>> cached.mkdir()
        >>> _ = (cached / "hubconf.py").write_text('def mlp():\\n    "A two-layer perceptron."\\n')
        >>> with contextlib.redirect_stderr(io.StringIO()):  # "Using cache found in ..."
        ...     print(tocha.hub.help("owner/models:main", "mlp", trust_repo=True))
        A two-layer perceptron.
        >>> tocha.hub.set_dir(previous)
    """
    repo_dir = _fetch_repo(github, force_reload, trust_repo, True, skip_validation)
    with _on_sys_path(repo_dir):
        module = _import_hubconf(repo_dir)
    return _entry_point(module, model).__doc__


def load(
    repo_or_dir: str,
    model: str,
    *args: Any,
    source: str = "github",
    trust_repo: bool | str | None = "check",
    force_reload: bool = False,
    verbose: bool = True,
    skip_validation: bool = False,
    **kwargs: Any,
) -> Any:
    """Call the entry point ``model`` of a repository's ``hubconf.py`` with ``*args, **kwargs``, and return its
    result (usually a model).

    ``source="github"``: ``repo_or_dir`` is ``owner/name[:ref]`` (default ref: ``main``, else ``master``),
    downloaded into the hub directory once (``force_reload`` downloads again). Its code runs, so the repository
    must be trusted: ``trust_repo="check"`` asks unless it is in the trusted list, ``True`` adds it without
    asking, ``False`` always asks, ``None`` only warns. Unless ``skip_validation``, the ref must be a branch, tag
    or commit of the repository itself (GitHub's API; set ``GITHUB_TOKEN`` for its rate limit).
    ``source="local"``: ``repo_or_dir`` is a directory holding ``hubconf.py``. The module's ``dependencies`` list
    names packages that must be importable.

    Example:
        >>> import pathlib, tempfile, tocha.hub
        >>> repo = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (repo / "hubconf.py").write_text("dependencies = ['tocha']\\n"
        ...                                      "def ones(n):\\n    import tocha\\n    return tocha.ones(n)\\n")
        >>> tocha.hub.load(str(repo), "ones", 3, source="local")
        tensor([1., 1., 1.])
    """
    repo_dir = _repo_dir(repo_or_dir, source, force_reload, trust_repo, verbose, skip_validation)
    with _on_sys_path(repo_dir):
        module = _import_hubconf(repo_dir)
        return _entry_point(module, model)(*args, **kwargs)
