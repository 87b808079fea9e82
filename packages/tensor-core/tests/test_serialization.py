"""tocha.save / tocha.load: round trips, the safetensors layout, shared storage, atomicity and hostile files."""

from __future__ import annotations

import io
import json
import os
import pickle
import struct
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tocha
from tocha.testing import make_tensor

ALL_DTYPES = [
    tocha.bool,
    tocha.uint8,
    tocha.int8,
    tocha.int16,
    tocha.int32,
    tocha.int64,
    tocha.float16,
    tocha.bfloat16,
    tocha.float32,
    tocha.float64,
    tocha.complex64,
    tocha.complex128,
]


def round_trip(obj: Any, **load_kwargs: Any) -> Any:
    buffer = io.BytesIO()
    tocha.save(obj, buffer)
    buffer.seek(0)
    return tocha.load(buffer, **load_kwargs)


def read_header(data: bytes) -> dict[str, Any]:
    (size,) = struct.unpack("<Q", data[:8])
    header: dict[str, Any] = json.loads(data[8 : 8 + size])
    return header


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_every_dtype_round_trips_bit_exactly(dtype: tocha.dtype) -> None:
    t = make_tensor((3, 4), dtype=dtype, device="cpu")
    back = round_trip({"t": t})["t"]
    assert back.dtype == dtype
    assert back.shape == t.shape
    np.testing.assert_array_equal(back.numpy().view(np.uint8), np.ascontiguousarray(t.numpy()).view(np.uint8))


@pytest.mark.parametrize("shape", [(), (0,), (2, 0, 3), (5,), (2, 3, 4)])
def test_shapes_round_trip(shape: tuple[int, ...]) -> None:
    t = make_tensor(shape, dtype=tocha.float32, device="cpu")
    back = round_trip([t])[0]
    assert back.shape == t.shape
    np.testing.assert_array_equal(back.numpy(), t.numpy())


def test_non_contiguous_tensor_round_trips() -> None:
    t = tocha.arange(24.0).reshape(4, 6).T[::2]
    back = round_trip({"t": t})["t"]
    np.testing.assert_array_equal(back.numpy(), t.numpy())


def test_nested_containers_and_plain_values_round_trip() -> None:
    obj = {
        "model": OrderedDict([("fc.weight", tocha.ones(2, 3)), ("fc.bias", tocha.zeros(2))]),
        "optimizer": {"state": {0: {"step": tocha.tensor(3.0)}}, "param_groups": [{"lr": 0.1, "params": [0, 1]}]},
        "epoch": 7,
        "names": ("a", "b"),
        "flags": [True, False, None],
        "special": [float("inf"), float("-inf"), 1e-300, 2**70, "x", b"\x00\xff", 1 + 2j],
        "types": [tocha.float16, tocha.device("cpu"), tocha.Size([2, 3])],
        "sets": [{1, 2}, frozenset({"a"})],
        (1, "tuple key"): "value",
    }
    back = round_trip(obj)
    assert isinstance(back["model"], OrderedDict)
    assert list(back["model"]) == ["fc.weight", "fc.bias"]
    np.testing.assert_array_equal(back["model"]["fc.weight"].numpy(), np.ones((2, 3), np.float32))
    assert back["optimizer"]["state"][0]["step"].item() == 3.0
    assert back["optimizer"]["param_groups"] == [{"lr": 0.1, "params": [0, 1]}]
    assert back["epoch"] == 7
    assert back["names"] == ("a", "b")
    assert back["flags"] == [True, False, None]
    assert back["special"] == [float("inf"), float("-inf"), 1e-300, 2**70, "x", b"\x00\xff", 1 + 2j]
    assert back["types"] == [tocha.float16, tocha.device("cpu"), tocha.Size([2, 3])]
    assert isinstance(back["types"][2], tocha.Size)
    assert back["sets"] == [{1, 2}, frozenset({"a"})]
    assert back[(1, "tuple key")] == "value"
    nan = round_trip([float("nan")])[0]
    assert nan != nan


def test_shared_storage_is_preserved() -> None:
    base = tocha.arange(12.0).reshape(3, 4)
    row = base[1]
    column = base[:, 2]
    back = round_trip({"base": base, "row": row, "column": column, "again": base})
    np.testing.assert_array_equal(back["row"].numpy(), row.numpy())
    np.testing.assert_array_equal(back["column"].numpy(), column.numpy())
    assert back["again"] is not None
    back["base"][1, 2] = -1.0
    assert back["row"][2].item() == -1.0
    assert back["column"][1].item() == -1.0
    assert back["again"][1, 2].item() == -1.0


def test_views_alone_store_only_their_own_elements() -> None:
    big = tocha.zeros(1000, 1000)
    buffer = io.BytesIO()
    tocha.save({"corner": big[:2, :2]}, buffer)
    assert len(buffer.getvalue()) < 1000


def test_flat_dict_is_a_safetensors_file_by_its_layout(tmp_path: Path) -> None:
    path = tmp_path / "weights.safetensors"
    tocha.save({"w": tocha.ones(2, 3), "idx": tocha.tensor([1, 2], dtype=tocha.int64)}, path)
    data = path.read_bytes()
    header = read_header(data)
    assert header["w"]["dtype"] == "F32"
    assert header["w"]["shape"] == [2, 3]
    assert header["idx"]["dtype"] == "I64"
    assert header["idx"]["shape"] == [2]
    (size,) = struct.unpack("<Q", data[:8])
    assert size % 8 == 0
    begin, end = header["w"]["data_offsets"]
    np.testing.assert_array_equal(np.frombuffer(data[8 + size + begin : 8 + size + end], np.float32), np.ones(6))
    assert all(isinstance(v, str) for v in header["__metadata__"].values())


def test_flat_dict_interoperates_with_the_safetensors_package(tmp_path: Path) -> None:
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    ours = tmp_path / "ours.safetensors"
    tocha.save({"w": tocha.arange(6.0).reshape(2, 3), "m": tocha.tensor([True, False])}, ours)
    loaded = safetensors_numpy.load_file(str(ours))
    np.testing.assert_array_equal(loaded["w"], np.arange(6.0, dtype=np.float32).reshape(2, 3))
    np.testing.assert_array_equal(loaded["m"], [True, False])
    theirs = tmp_path / "theirs.safetensors"
    safetensors_numpy.save_file({"a": np.full((2, 2), 3, np.int32), "b": np.ones(3, np.float16)}, str(theirs))
    back = tocha.load(theirs)
    assert set(back) == {"a", "b"}
    assert back["a"].dtype == tocha.int32
    assert back["a"].sum().item() == 12
    assert back["b"].dtype == tocha.float16


def test_unsupported_objects_raise_type_error_with_their_path() -> None:
    class Custom:
        pass

    with pytest.raises(TypeError, match=r"Custom at model\.layers\[1\].*never use pickle"):
        tocha.save({"model": {"layers": [1, Custom()]}}, io.BytesIO())
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="reference cycle"):
        tocha.save(loop, io.BytesIO())


def test_failed_save_leaves_the_old_file_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ckpt.safetensors"
    tocha.save({"version": 1, "w": tocha.ones(3)}, path)
    original = path.read_bytes()
    with pytest.raises(TypeError):
        tocha.save({"version": 2, "bad": object()}, path)
    assert path.read_bytes() == original

    def interrupted(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        tocha.save({"version": 2, "w": tocha.zeros(3)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.safetensors"]
    assert tocha.load(path)["version"] == 1


def test_save_replaces_an_existing_file_and_keeps_its_permissions(tmp_path: Path) -> None:
    path = tmp_path / "ckpt"
    tocha.save([1], path)
    path.chmod(0o640)
    tocha.save([2], path)
    assert tocha.load(path) == [2]
    assert path.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("cut", [0, 4, 8, 20, -3])
def test_truncated_files_raise_runtime_error(cut: int) -> None:
    buffer = io.BytesIO()
    tocha.save({"w": tocha.ones(4, 4)}, buffer)
    data = buffer.getvalue()
    with pytest.raises(RuntimeError, match="not a valid tocha checkpoint"):
        tocha.load(io.BytesIO(data[:cut]))


def test_corrupted_headers_raise_runtime_error() -> None:
    buffer = io.BytesIO()
    tocha.save({"w": tocha.ones(4)}, buffer)
    data = bytearray(buffer.getvalue())
    (size,) = struct.unpack("<Q", data[:8])
    garbled = data[:8] + b"{" * size + data[8 + size :]
    with pytest.raises(RuntimeError, match="not valid JSON"):
        tocha.load(io.BytesIO(bytes(garbled)))
    header = read_header(bytes(data))
    header["w"]["data_offsets"] = [0, 10**9]
    text = json.dumps(header).encode()
    with pytest.raises(RuntimeError, match="truncated"):
        tocha.load(io.BytesIO(struct.pack("<Q", len(text)) + text + bytes(data[8 + size :])))
    header["w"]["data_offsets"] = [0, 16]
    header["w"]["shape"] = [5]
    text = json.dumps(header).encode()
    with pytest.raises(RuntimeError, match="do not hold shape"):
        tocha.load(io.BytesIO(struct.pack("<Q", len(text)) + text + bytes(data[8 + size :])))
    header["w"]["shape"] = [4]
    header["w"]["dtype"] = "X9"
    text = json.dumps(header).encode()
    with pytest.raises(RuntimeError, match="unknown dtype"):
        tocha.load(io.BytesIO(struct.pack("<Q", len(text)) + text + bytes(data[8 + size :])))
    garbage = bytearray(os.urandom(4096))
    garbage[0] = 0x01  # not 0x80 or "PK": those are pickles or PyTorch archives (tested elsewhere)
    with pytest.raises(RuntimeError, match="not a valid tocha checkpoint"):
        tocha.load(io.BytesIO(bytes(garbage)))


class _Exploit:
    """Unpickling this would create a marker file: the classic pickle attack."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.marker,))


def test_a_malicious_pickle_is_refused_and_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "model.pt"
    path.write_bytes(pickle.dumps({"weights": _Exploit(marker)}))
    with pytest.raises(RuntimeError, match="never unpickles"):
        tocha.load(path)
    assert not marker.exists()
    pickle.loads(path.read_bytes())  # the file really is an exploit: unpickling it runs code
    assert marker.exists()


def test_a_pytorch_archive_loads_but_an_exploit_inside_one_is_refused_and_never_run(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    path = tmp_path / "model.pt"
    torch.save({"w": torch.ones(2)}, path)
    assert tocha.load(path)["w"].tolist() == [1.0, 1.0]  # NOTE [ Reading PyTorch checkpoints ]
    marker = tmp_path / "pwned"
    torch.save({"w": torch.ones(2), "payload": _Exploit(marker)}, path)
    with pytest.raises(RuntimeError, match=r"the pickle names __builtin__\.getattr, which is not one of"):
        tocha.load(path)
    assert not marker.exists()


def test_map_location_forms() -> None:
    t = tocha.arange(3.0)
    assert round_trip([t], map_location="cpu")[0].device == tocha.device("cpu")
    assert round_trip([t], map_location=tocha.device("cpu"))[0].device == tocha.device("cpu")
    assert round_trip([t], map_location={"cpu": "cpu"})[0].device == tocha.device("cpu")
    seen: list[str] = []

    def relocate(tensor: tocha.Tensor, location: str) -> tocha.Tensor:
        seen.append(location)
        return tensor * 2

    np.testing.assert_array_equal(round_trip([t], map_location=relocate)[0].numpy(), [0.0, 2.0, 4.0])
    assert seen == ["cpu"]


@pytest.mark.skipif(
    tocha.cuda.is_available() if hasattr(tocha, "cuda") else False, reason="needs a machine without CUDA"
)
def test_loading_onto_a_missing_cuda_device_says_to_use_map_location() -> None:
    with pytest.raises(RuntimeError, match="map_location='cpu'"):
        round_trip([tocha.ones(1)], map_location="cuda")


def test_load_rejects_text_mode_files(tmp_path: Path) -> None:
    path = tmp_path / "ckpt"
    tocha.save([1], path)
    with open(path, encoding="latin-1") as text, pytest.raises(TypeError, match="binary mode"):
        tocha.load(text)  # type: ignore[arg-type]


@pytest.mark.autograd
def test_requires_grad_is_preserved() -> None:
    pytest.importorskip("tocha.autograd")
    t = tocha.ones(2, requires_grad=True)
    back = round_trip({"t": t})["t"]
    assert back.requires_grad
    assert back.is_leaf
