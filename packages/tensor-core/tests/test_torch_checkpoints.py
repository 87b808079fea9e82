"""tocha.load reads torch.save's archives without unpickling them (NOTE [ Reading PyTorch checkpoints ])."""

from __future__ import annotations

import argparse
import collections
import dataclasses
import enum
import io
import pickle
import struct
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tocha

# ------------------------------------------------------------------ archives written by hand (no PyTorch needed)


def _text(value: str) -> bytes:
    raw = value.encode()
    return b"X" + struct.pack("<I", len(raw)) + raw


def _global(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def _tensor(key: str, location: str, numel: int, offset: int, size: tuple[int, ...], stride: tuple[int, ...]) -> bytes:
    persistent = b"(" + _text("storage") + _global("torch", "FloatStorage") + _text(key) + _text(location)
    persistent += b"J" + struct.pack("<i", numel) + b"tQ"
    shape = b"(" + b"".join(b"J" + struct.pack("<i", n) for n in size) + b"t"
    steps = b"(" + b"".join(b"J" + struct.pack("<i", s) for s in stride) + b"t"
    hooks = _global("collections", "OrderedDict") + b")R"
    arguments = b"(" + persistent + b"J" + struct.pack("<i", offset) + shape + steps + b"\x89" + hooks + b"t"
    return _global("torch._utils", "_rebuild_tensor_v2") + arguments + b"R"


def _archive(pickle_body: bytes, storages: dict[str, np.ndarray[Any, Any]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("ck/data.pkl", b"\x80\x02" + pickle_body + b".")
        archive.writestr("ck/byteorder", b"little")
        for key, values in storages.items():
            archive.writestr(f"ck/data/{key}", values.astype("<f4").tobytes())
    return buffer.getvalue()


def test_a_hand_written_archive_loads_with_shared_storage_and_containers() -> None:
    storage = np.arange(6, dtype=np.float32)
    body = b"}(" + _text("w") + _tensor("0", "cpu", 6, 0, (2, 3), (3, 1))
    body += _text("wt") + _tensor("0", "cpu", 6, 0, (3, 2), (1, 3))  # a transposed view of the same storage
    body += _text("step") + b"K\x07" + _text("pair") + b"K\x01G" + struct.pack(">d", 0.5) + b"\x86u"
    loaded = tocha.load(io.BytesIO(_archive(body, {"0": storage})))
    assert list(loaded) == ["w", "wt", "step", "pair"]
    assert loaded["w"].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert loaded["wt"].stride() == (1, 3)
    assert (loaded["step"], loaded["pair"]) == (7, (1, 0.5))
    loaded["w"][0, 1] = 10.0  # views of one storage share memory, as in PyTorch
    assert loaded["wt"][1, 0].item() == 10.0


def test_map_location_places_tensors_saved_on_a_gpu() -> None:
    data = _archive(b"}(" + _text("x") + _tensor("0", "cuda:0", 2, 0, (2,), (1,)) + b"u", {"0": np.ones(2)})
    assert tocha.load(io.BytesIO(data), map_location="cpu")["x"].device == tocha.device("cpu")
    if not tocha.cuda.is_available():
        with pytest.raises(RuntimeError, match=r"use tocha\.load with map_location='cpu'"):
            tocha.load(io.BytesIO(data))


def test_code_a_pickle_names_is_never_imported_or_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    evil = b"}(" + _text("x") + _global("os", "system") + b"(" + _text(f"touch {marker}") + b"tRu"
    with pytest.raises(RuntimeError, match=r"the pickle names os\.system, which is not one of the tensors"):
        tocha.load(io.BytesIO(_archive(evil, {})))
    assert not marker.exists()
    builtin = b"}(" + _text("x") + _global("builtins", "eval") + b"(" + _text("1 + 1") + b"tRu"
    with pytest.raises(RuntimeError, match=r"builtins\.eval"):
        tocha.load(io.BytesIO(_archive(builtin, {})))


def test_malformed_archives_fail_with_the_reason() -> None:
    outside = b"}(" + _text("x") + _tensor("0", "cpu", 2, 1, (4,), (1,)) + b"u"
    with pytest.raises(RuntimeError, match="reaches outside its storage of 2 elements"):
        tocha.load(io.BytesIO(_archive(outside, {"0": np.ones(2)})))
    missing = b"}(" + _text("x") + _tensor("7", "cpu", 2, 0, (2,), (1,)) + b"u"
    with pytest.raises(RuntimeError, match="the archive has no ck/data/7"):
        tocha.load(io.BytesIO(_archive(missing, {})))
    with pytest.raises(RuntimeError, match="the pickle uses opcode INST"):
        tocha.load(io.BytesIO(_archive(b"(ios\nsystem\n", {})))
    with pytest.raises(RuntimeError, match="looks like a pickle"):
        tocha.load(io.BytesIO(b"\x80\x02}q\x00."))


def _legacy_file(body: bytes, storages: dict[str, np.ndarray[Any, Any]]) -> bytes:
    # PyTorch before 1.6: magic number, protocol, system info, the object, its storage keys, then the storages
    header = pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2) + pickle.dumps(1001, protocol=2)
    header += pickle.dumps({"protocol_version": 1001, "little_endian": True}, protocol=2)
    data = b"".join(struct.pack("<q", v.size) + v.astype("<f4").tobytes() for v in storages.values())
    return header + b"\x80\x02" + body + b"." + pickle.dumps(list(storages), protocol=2) + data


def _legacy_tensor(key: str, numel: int, view: tuple[int, int] | None, size: tuple[int, ...]) -> bytes:
    # the zip format's 5-tuple storage id gains a sixth entry: None, or a storage view's (key, offset, size)
    tensor = _tensor(key, "cpu", numel, 0, size, tuple(1 for _ in size))
    ending = struct.pack("<i", numel) + b"tQ"
    return tensor.replace(ending, struct.pack("<i", numel) + _sixth(view) + b"tQ", 1)


def _sixth(view: tuple[int, int] | None) -> bytes:
    if view is None:
        return b"N"
    return b"(" + _text("v0") + b"J" + struct.pack("<i", view[0]) + b"J" + struct.pack("<i", view[1]) + b"t"


def test_pytorch_legacy_files_load_with_their_storage_views() -> None:
    storage = np.arange(6, dtype=np.float32)
    body = b"}(" + _text("all") + _legacy_tensor("0", 6, None, (6,))
    body += _text("tail") + _legacy_tensor("0", 6, (2, 3), (3,)) + b"u"  # a storage view: elements 2..4
    loaded = tocha.load(io.BytesIO(_legacy_file(body, {"0": storage})))
    assert loaded["all"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert loaded["tail"].tolist() == [2.0, 3.0, 4.0]
    loaded["all"][3] = 30.0
    assert loaded["tail"][1].item() == 30.0
    truncated = _legacy_file(body, {"0": storage})[:-8]
    with pytest.raises(RuntimeError, match="storage 0 claims 6 elements but the file ends first"):
        tocha.load(io.BytesIO(truncated))
    evil = b"}(" + _text("x") + _global("os", "system") + b"(" + _text("true") + b"tRu"
    with pytest.raises(RuntimeError, match=r"the pickle names os\.system"):
        tocha.load(io.BytesIO(_legacy_file(evil, {})))


# ------------------------------------------------------------------ archives PyTorch wrote


def _assert_same(ours: Any, theirs: Any, torch: Any, path: str = "") -> None:
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, tocha.Tensor), path
        assert (tuple(ours.shape), ours.stride()) == (tuple(theirs.shape), theirs.stride()), path
        assert str(ours.dtype).removeprefix("tocha.") == str(theirs.dtype).removeprefix("torch."), path
        assert ours.requires_grad == theirs.requires_grad, path
        widen = ours.dtype is tocha.bfloat16  # NumPy compares bfloat16 through float32
        np.testing.assert_array_equal(
            (ours.float() if widen else ours).detach().numpy(),
            (theirs.float() if widen else theirs).detach().numpy(),
            err_msg=path,
        )
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs), path
        assert list(ours) == list(theirs), path
        for key in theirs:
            _assert_same(ours[key], theirs[key], torch, f"{path}/{key}")
    elif isinstance(theirs, (list, tuple)) and not isinstance(theirs, torch.Size):
        assert type(ours) is type(theirs), path
        assert len(ours) == len(theirs), path
        for k, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            _assert_same(a, b, torch, f"{path}/{k}")
    elif isinstance(theirs, (torch.device, torch.dtype, torch.Size)):
        assert str(ours).replace("tocha", "torch") == str(theirs), path
    else:
        assert ours == theirs, path
        assert type(ours) is type(theirs), path


@pytest.mark.autograd  # the parameter loads as a tensor that requires grad
@pytest.mark.parametrize("zip_format", [True, False], ids=["zip", "legacy"])
def test_checkpoints_pytorch_wrote_load_as_pytorch_loads_them(tmp_path: Path, zip_format: bool) -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 2, 3),
        torch.nn.BatchNorm2d(2),
        torch.nn.Flatten(),
        torch.nn.LazyLinear(4),
        torch.nn.LSTM(4, 3),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    output, _ = model(torch.randn(5, 1, 6, 6))
    output.sum().backward()
    optimizer.step()
    grid = torch.arange(12.0).reshape(3, 4)
    saved = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "epoch": 3,
        "metrics": [0.25, {"best": 1.5}],
        "views": (grid, grid.t(), grid[1:, ::2]),
        "dtypes": [torch.ones(2, dtype=d) for d in (torch.float16, torch.bfloat16, torch.int8, torch.bool)],
        "complex": torch.tensor([1 + 2j]),
        "parameter": torch.nn.Parameter(torch.ones(2)),
        "size": torch.Size([2, 3]),
        "where": torch.device("cpu"),
        "kind": torch.float64,
        "numpy": np.float64(2.5),
    }
    path = tmp_path / "checkpoint.pt"
    torch.save(saved, path, _use_new_zipfile_serialization=zip_format)
    ours = tocha.load(path)
    theirs = torch.load(path, weights_only=False)
    _assert_same(ours, theirs, torch)
    assert ours["views"][1].data_ptr() == ours["views"][0].data_ptr()  # one storage, as saved


# ------------------------------------------------------------------ allowlisted globals (NOTE [ Allowlisted globals ])


class _Color(enum.Enum):
    RED = 1
    BLUE = 2


@dataclasses.dataclass
class _Config:
    lr: float
    name: str


class _Slotted:
    __slots__ = ("a", "b")

    def __init__(self, a: int, b: int) -> None:
        self.a, self.b = a, b


class _WithState:
    def __init__(self, x: int) -> None:
        self.x = x

    def __getstate__(self) -> dict[str, int]:
        return {"x": self.x * 10}

    def __setstate__(self, state: dict[str, int]) -> None:
        self.x = state["x"] + 1


_ALLOWED = [argparse.Namespace, _Color, _Config, _Slotted, _WithState]


def _objects() -> dict[str, Any]:
    return {
        "args": argparse.Namespace(lr=0.1, epochs=3),
        "color": _Color.BLUE,
        "config": _Config(0.5, "run"),
        "slotted": _Slotted(1, 2),
        "state": _WithState(5),
    }


def _pickled(value: Any) -> bytes:
    """The archive of a plain pickle of ``value`` (no tensors), as torch.save writes it (protocol 2)."""
    return _archive(pickle.dumps(value, protocol=2)[2:-1], {})


def _check_objects(loaded: dict[str, Any]) -> None:
    assert loaded["args"] == argparse.Namespace(lr=0.1, epochs=3)
    assert loaded["color"] is _Color.BLUE
    assert loaded["config"] == _Config(0.5, "run")
    assert (loaded["slotted"].a, loaded["slotted"].b) == (1, 2)
    assert loaded["state"].x == 51  # __getstate__ then __setstate__ ran


def test_allowlisted_classes_load_and_others_stay_refused() -> None:
    data = _pickled(_objects())
    with pytest.raises(pickle.UnpicklingError, match=r"names argparse\.Namespace, which is not one") as caught:
        tocha.load(io.BytesIO(data))
    assert isinstance(caught.value, RuntimeError)
    assert "`tocha.serialization.add_safe_globals([argparse.Namespace])`" in str(caught.value)
    assert tocha.serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(data)) == [
        "argparse.Namespace", f"{__name__}._Color", f"{__name__}._Config", f"{__name__}._Slotted",
        f"{__name__}._WithState",
    ]  # fmt: skip
    with tocha.serialization.safe_globals(_ALLOWED):
        assert tocha.serialization.get_safe_globals() == _ALLOWED
        _check_objects(tocha.load(io.BytesIO(data)))
        assert tocha.serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(data)) == []
        evil = b"}(" + _text("x") + _global("os", "system") + b"(" + _text("true") + b"tRu"
        with pytest.raises(tocha.serialization.CheckpointError, match=r"names os\.system"):
            tocha.load(io.BytesIO(_archive(evil, {})))
    assert tocha.serialization.get_safe_globals() == []


def test_add_safe_globals_and_the_context_manager_restore_the_allowlist() -> None:
    try:
        tocha.serialization.add_safe_globals([argparse.Namespace])
        tocha.serialization.add_safe_globals([argparse.Namespace, _Color])  # no duplicates
        assert tocha.serialization.get_safe_globals() == [argparse.Namespace, _Color]
        inside = []

        def fail_inside() -> None:
            with tocha.serialization.safe_globals([_Config]):
                inside.extend(tocha.serialization.get_safe_globals())
                raise ValueError("inside")

        with pytest.raises(ValueError, match="inside"):
            fail_inside()
        assert inside == [argparse.Namespace, _Color, _Config]
        assert tocha.serialization.get_safe_globals() == [argparse.Namespace, _Color]
        loaded = tocha.load(io.BytesIO(_pickled({"args": argparse.Namespace(a=1), "color": _Color.RED})))
        assert loaded == {"args": argparse.Namespace(a=1), "color": _Color.RED}
    finally:
        tocha.serialization.clear_safe_globals()
    assert tocha.serialization.get_safe_globals() == []
    for bad in (["argparse.Namespace"], [(argparse.Namespace,)], [(argparse.Namespace, 3)], [1]):
        with pytest.raises(TypeError, match="add_safe_globals: "):
            tocha.serialization.add_safe_globals(bad)
    with pytest.raises(TypeError, match="expected a list"):
        tocha.serialization.add_safe_globals(argparse.Namespace)  # type: ignore[arg-type]
    assert tocha.serialization.get_safe_globals() == []


def test_a_pair_allowlists_a_class_under_the_name_the_pickle_gives() -> None:
    state = b"}" + _text("lr") + b"G" + struct.pack(">d", 0.25) + b"s" + _text("name") + _text("old") + b"s"
    body = b"}(" + _text("config") + _global("legacy.models", "Config") + b")\x81" + state + b"bu"
    data = _archive(body, {})
    assert tocha.serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(data)) == ["legacy.models.Config"]
    with tocha.serialization.safe_globals([(_Config, "legacy.models.Config")]):
        assert tocha.load(io.BytesIO(data)) == {"config": _Config(0.25, "old")}
    with tocha.serialization.safe_globals([_Config]), pytest.raises(RuntimeError, match=r"legacy\.models\.Config"):
        tocha.load(io.BytesIO(data))


def test_allowlisted_globals_in_a_legacy_file_and_a_state_dicts_metadata() -> None:
    body = pickle.dumps(_objects(), protocol=2)[2:-1]
    with tocha.serialization.safe_globals(_ALLOWED):
        _check_objects(tocha.load(io.BytesIO(_legacy_file(body, {}))))
    assert tocha.serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(_legacy_file(body, {})))[0] == (
        "argparse.Namespace"
    )
    state = collections.OrderedDict(step=3)
    state._metadata = collections.OrderedDict({"": {"version": 1}, "bn": {"version": 2}})  # type: ignore[attr-defined]
    loaded = tocha.load(io.BytesIO(_pickled(state)))
    assert loaded == {"step": 3}
    assert loaded._metadata == {"": {"version": 1}, "bn": {"version": 2}}


def test_get_unsafe_globals_of_files_without_a_pickle(tmp_path: Path) -> None:
    path = tmp_path / "w.safetensors"
    tocha.save({"w": tocha.ones(2), "args": {"lr": 0.1}}, path)
    assert tocha.serialization.get_unsafe_globals_in_checkpoint(path) == []
    assert tocha.serialization.get_unsafe_globals_in_checkpoint(str(path)) == []
    with pytest.raises(TypeError, match="must be a path or a readable binary file"):
        tocha.serialization.get_unsafe_globals_in_checkpoint(3)  # type: ignore[arg-type]


def test_allowlisted_checkpoints_load_as_pytorch_loads_them(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    path = tmp_path / "ck.pt"
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3))
    torch.save({"model": model.state_dict(), "weights": torch.arange(4.0), **_objects()}, path)
    unsafe = tocha.serialization.get_unsafe_globals_in_checkpoint(path)
    assert sorted(unsafe) == sorted(torch.serialization.get_unsafe_globals_in_checkpoint(str(path)))
    with pytest.raises(pickle.UnpicklingError, match=r"argparse\.Namespace"):
        torch.load(path)
    with pytest.raises(pickle.UnpicklingError, match=r"argparse\.Namespace"):
        tocha.load(path)
    with torch.serialization.safe_globals(_ALLOWED), tocha.serialization.safe_globals(_ALLOWED):
        theirs, ours = torch.load(path), tocha.load(path)
    _check_objects(ours)
    _check_objects(theirs)
    assert ours["weights"].tolist() == theirs["weights"].tolist()
    assert list(ours["model"]) == list(theirs["model"])
    assert ours["model"]._metadata == theirs["model"]._metadata
    for key, value in theirs["model"].items():
        np.testing.assert_array_equal(ours["model"][key].numpy(), value.numpy())
