"""Checkpoints: ``tocha.save`` / ``tocha.load`` in the safetensors layout, without pickle.

NOTE [ Checkpoint format ]
A checkpoint is a safetensors file: an 8-byte little-endian header length, a JSON header naming each
stored array (``dtype``, ``shape``, ``data_offsets`` into the byte buffer that follows) plus a
``__metadata__`` map of strings, then the bytes. tocha adds two metadata entries:

- ``tocha.format``: the format version (``"1"``);
- ``tocha.structure``: the saved object as JSON, where a tensor is ``{"T": entry}`` (a whole stored entry) or
  ``{"V": entry, "offset": bytes, "shape": [...], "strides": [bytes...], "dtype": name}`` (a view into an
  entry that several tensors share), with ``device`` and ``requires_grad``; containers and values that JSON
  cannot hold directly are tagged objects (``{"D": [[key, value], ...]}`` for a dict, ``{"U": [...]}`` for
  a tuple, ``{"F": "nan"}``...). A sparse COO tensor is ``{"SP": {"indices": tensor, "values": tensor, "size":
  [...], "coalesced": bool}}``, its two dense tensors stored as any other.

A flat dict of tensors with string keys whose tensors do not share memory stores each tensor under its own
key, so the file is an ordinary ``.safetensors`` file that other tools read. Tensors that share memory (a
tensor and its views) are stored once, as the bytes they span, and come back sharing memory.

Loading parses JSON and copies bytes: nothing in a file can run code. Every offset, shape and dtype is
checked against the file before use, so a truncated, corrupted or foreign file raises ``RuntimeError``
naming the problem. Saving to a path writes a temporary file in the same folder, flushes it to disk and
renames it over the target, so an interrupted save leaves the previous file intact.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import math
import os
import struct
import tempfile
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import IO, Any, Union

import numpy as np

from . import _dtype, _float8
from ._backend import copy_to_host, get_backend
from ._device import CPU, device
from ._tensor_base import Size, TensorBase, wrap
from ._torch_format import is_legacy_torch_file, is_torch_archive, load_torch_archive

__all__ = ["load", "read_file", "save"]

FileLike = Union[str, "os.PathLike[str]", IO[bytes]]
MapLocation = Union[None, str, device, Mapping[str, str], Callable[[Any, str], Any]]

FORMAT_VERSION = "1"
_MAX_HEADER = 100_000_000

_CODES: dict[str, str] = {
    "bool": "BOOL",
    "uint8": "U8",
    "uint16": "U16",
    "uint32": "U32",
    "uint64": "U64",
    "int8": "I8",
    "int16": "I16",
    "int32": "I32",
    "int64": "I64",
    "float16": "F16",
    "bfloat16": "BF16",
    "float32": "F32",
    "float64": "F64",
    "complex64": "C64",
    "complex128": "C128",
    "float8_e4m3fn": "F8_E4M3",
    "float8_e5m2": "F8_E5M2",
    "float8_e8m0fnu": "F8_E8M0",
    "float8_e4m3fnuz": "F8_E4M3FNUZ",  # not in the safetensors list, which has no fnuz formats
    "float8_e5m2fnuz": "F8_E5M2FNUZ",
}
_DTYPES_BY_CODE = {code: getattr(_dtype, name) for name, code in _CODES.items()}
_DTYPES_BY_NAME = {name: getattr(_dtype, name) for name in _CODES}


# ------------------------------------------------------------------ save


class _Writer:
    """Collects the arrays to store and encodes the object tree as JSON."""

    def __init__(self) -> None:
        self.entries: dict[str, np.ndarray[Any, Any]] = {}
        self._groups: dict[int, list[TensorBase]] = {}
        self._group_entry: dict[int, tuple[str, int]] = {}

    def plan(self, obj: Any, path: str, seen: set[int]) -> None:
        """First pass: find the tensors and which of them share memory."""
        if isinstance(obj, TensorBase) and obj.is_sparse:
            self.plan(obj._indices(), f"{path}.indices", seen)  # type: ignore[attr-defined]
            self.plan(obj._values(), f"{path}.values", seen)  # type: ignore[attr-defined]
            return
        if isinstance(obj, TensorBase):
            root = _root(obj._data) if obj._device is CPU else obj._data
            self._groups.setdefault(id(root), []).append(obj)
            return
        if isinstance(obj, (dict, list, tuple, set, frozenset)):
            if id(obj) in seen:
                raise ValueError(f"tocha.save: {path or 'the object'} contains itself (a reference cycle)")
            seen.add(id(obj))
            values = obj.values() if isinstance(obj, dict) else obj
            for i, value in enumerate(values):
                self.plan(value, f"{path}[{i}]", seen)
            seen.discard(id(obj))

    def encode(self, obj: Any, path: str) -> Any:
        """Second pass: the JSON structure, storing each tensor's bytes on the way."""
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return obj if not isinstance(obj, np.integer) else int(obj)
        if isinstance(obj, float):
            return obj if math.isfinite(obj) else {"F": repr(obj)}
        if isinstance(obj, TensorBase) and obj.is_sparse:
            sparse = {
                "indices": self._tensor(obj._indices(), f"{path}.indices"),  # type: ignore[attr-defined]
                "values": self._tensor(obj._values(), f"{path}.values"),  # type: ignore[attr-defined]
                "size": [int(n) for n in obj.shape],
                "coalesced": bool(obj.is_coalesced()),  # type: ignore[attr-defined]
            }
            return {"SP": sparse}
        if isinstance(obj, TensorBase):
            return self._tensor(obj, path)
        if isinstance(obj, dict):
            items = [[self._key(k, path), self.encode(v, _join(path, k))] for k, v in obj.items()]
            return {"OD" if isinstance(obj, OrderedDict) else "D": items}
        if isinstance(obj, Size):
            return {"S": [int(s) for s in obj]}
        if isinstance(obj, list):
            return [self.encode(v, f"{path}[{i}]") for i, v in enumerate(obj)]
        if isinstance(obj, tuple) and type(obj) is tuple:
            return {"U": [self.encode(v, f"{path}[{i}]") for i, v in enumerate(obj)]}
        if isinstance(obj, (set, frozenset)):
            tag = "FS" if isinstance(obj, frozenset) else "SET"
            return {tag: [self.encode(v, f"{path}[{i}]") for i, v in enumerate(obj)]}
        if isinstance(obj, complex):
            return {"C": [self.encode(obj.real, path), self.encode(obj.imag, path)]}
        if isinstance(obj, bytes):
            return {"B": obj.hex()}
        if isinstance(obj, _dtype.dtype):
            return {"DT": obj.name}
        if isinstance(obj, device):
            return {"DV": str(obj)}
        if isinstance(obj, (np.floating, np.integer, np.bool_)):
            return self.encode(obj.item(), path)
        where = f" at {path}" if path else ""
        raise TypeError(
            f"tocha.save: cannot save an object of type {type(obj).__module__}.{type(obj).__qualname__}{where}. "
            "Checkpoints hold tensors in dicts, lists and tuples, with str, int, float, bool, None, bytes, complex, "
            "tocha.dtype and tocha.device values; they never use pickle, so arbitrary objects cannot be stored "
            "(save their state_dict() instead)"
        )

    def _key(self, key: Any, path: str) -> Any:
        if isinstance(key, (str, int, float, bool, tuple)) or key is None:
            return self.encode(key, path)
        raise TypeError(f"tocha.save: dict key {key!r} at {path or 'the top level'} is not a str, int, float or tuple")

    def _tensor(self, t: TensorBase, path: str) -> dict[str, Any]:
        info: dict[str, Any] = {"device": str(t._device)}
        if t._requires_grad:
            info["requires_grad"] = True
        host = t._data if t._device is CPU else copy_to_host(t._device.type, t._data)
        root = _root(t._data) if t._device is CPU else t._data
        group = self._groups.get(id(root), [])
        if len(group) <= 1 or t._device is not CPU:
            name = self._fresh_name(path)
            self.entries[name] = host if host.flags.c_contiguous else host.copy(order="C")
            info["T"] = name
            return info
        name, low = self._shared_entry(id(root), group)
        start, _ = _byte_extent(host)
        info.update(
            V=name,
            offset=start - low,
            shape=list(host.shape),
            strides=list(host.strides),
            dtype=t._dtype.name,
        )
        return info

    def _shared_entry(self, key: int, group: list[TensorBase]) -> tuple[str, int]:
        if key not in self._group_entry:
            extents = [_byte_extent(t._data) for t in group]
            low = min(e[0] for e in extents)
            high = max(e[1] for e in extents)
            span = np.frombuffer(memoryview((ctypes.c_uint8 * (high - low)).from_address(low)), np.uint8)
            name = self._fresh_name(f"__shared__.{len(self._group_entry)}")
            self.entries[name] = span.copy()
            self._group_entry[key] = (name, low)
        return self._group_entry[key]

    def _fresh_name(self, path: str) -> str:
        name = path or "tensor"
        candidate, n = name, 1
        while candidate in self.entries or candidate == "__metadata__":
            candidate, n = f"{name}.{n}", n + 1
        return candidate


def _root(array: Any) -> Any:
    while isinstance(array, np.ndarray) and isinstance(array.base, np.ndarray):
        array = array.base
    return array


def _byte_extent(array: np.ndarray[Any, Any]) -> tuple[int, int]:
    """The first and one-past-last byte addresses ``array`` touches."""
    start = int(array.__array_interface__["data"][0])
    if array.size == 0:
        return start, start
    low = start + sum(min(0, (n - 1) * s) for n, s in zip(array.shape, array.strides, strict=True))
    high = start + sum(max(0, (n - 1) * s) for n, s in zip(array.shape, array.strides, strict=True))
    return low, high + array.itemsize


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _serialize(obj: Any) -> bytes:
    writer = _Writer()
    flat = isinstance(obj, dict) and all(
        isinstance(k, str) and isinstance(v, TensorBase) and not v.is_sparse for k, v in obj.items()
    )
    writer.plan(obj, "", set())
    structure = writer.encode(obj, "")
    header: dict[str, Any] = {}
    offset = 0
    for name, array in writer.entries.items():
        code = _CODES[_dtype.from_numpy_dtype(array.dtype).name]
        header[name] = {"dtype": code, "shape": list(array.shape), "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
    metadata = {"tocha.format": FORMAT_VERSION, "tocha.structure": json.dumps(structure, allow_nan=False)}
    if flat:
        metadata["tocha.flat"] = "1"
    header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":"), allow_nan=False).encode()
    text += b" " * (-len(text) % 8)  # safetensors pads the header to 8 bytes
    parts = [struct.pack("<Q", len(text)), text]
    parts += [array.reshape(-1).view(np.uint8).tobytes() if array.size else b"" for array in writer.entries.values()]
    return b"".join(parts)


def save(obj: Any, f: FileLike) -> None:
    """Save tensors (inside dicts, lists, tuples and plain values) to ``f`` without pickle.

    ``f`` is a path or a binary file object. The file is a safetensors file (a flat ``{name: tensor}`` dict is
    readable by any safetensors reader). Saving to a path is atomic: the old file stays intact until the new
    one is complete. Tensors that share memory are stored once and share memory again when loaded.

    Example:
        >>> import io, tocha
        >>> buffer = io.BytesIO()
        >>> tocha.save({"weight": tocha.ones(2, 2), "step": 3}, buffer)
        >>> _ = buffer.seek(0)
        >>> tocha.load(buffer)
        {'weight': tensor([[1., 1.],
                [1., 1.]]), 'step': 3}
    """
    data = _serialize(obj)
    if isinstance(f, (str, os.PathLike)):
        _write_atomically(os.fspath(f), data)
    elif hasattr(f, "write"):
        f.write(data)
    else:
        raise TypeError(f"tocha.save: f must be a path or a writable binary file, got {type(f).__name__}")


def _write_atomically(path: str, data: bytes) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if os.path.exists(path):
            os.chmod(temporary, os.stat(path).st_mode & 0o777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


# ------------------------------------------------------------------ load


class _Reader:
    def __init__(self, data: bytes, source: str, map_location: MapLocation) -> None:
        self.data = data
        self.source = source
        self.map_location = map_location
        self.header, self.body_start = _parse_header(data, source)
        self._arrays: dict[str, np.ndarray[Any, Any]] = {}

    def fail(self, problem: str) -> RuntimeError:
        return RuntimeError(f"tocha.load: {self.source} is not a valid tocha checkpoint: {problem}")

    def array(self, name: str) -> np.ndarray[Any, Any]:
        if name in self._arrays:
            return self._arrays[name]
        entry = self.header.get(name)
        if not isinstance(entry, dict) or name == "__metadata__":
            raise self.fail(f"the structure refers to a missing entry {name!r}")
        code = entry.get("dtype")
        found = _DTYPES_BY_CODE.get(code)  # type: ignore[arg-type]
        numpy_dtype = None if found is None else found.numpy_dtype
        shape = entry.get("shape")
        offsets = entry.get("data_offsets")
        if numpy_dtype is None:
            raise self.fail(f"entry {name!r} has unknown dtype {code!r}")
        if not (isinstance(shape, list) and all(isinstance(s, int) and s >= 0 for s in shape)):
            raise self.fail(f"entry {name!r} has an invalid shape {shape!r}")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(isinstance(o, int) for o in offsets)):
            raise self.fail(f"entry {name!r} has invalid data_offsets {offsets!r}")
        begin, end = offsets
        itemsize = np.dtype(numpy_dtype).itemsize
        if not 0 <= begin <= end or self.body_start + end > len(self.data):
            raise self.fail(
                f"entry {name!r} lies at bytes {begin}..{end} of the data, but the file holds only "
                f"{len(self.data) - self.body_start} bytes of data (truncated?)"
            )
        if end - begin != math.prod(shape) * itemsize:
            raise self.fail(f"entry {name!r}: {end - begin} bytes do not hold shape {shape} of {code}")
        raw = np.frombuffer(self.data, np.uint8, end - begin, self.body_start + begin)
        array: np.ndarray[Any, Any] = raw.copy().view(numpy_dtype).reshape(shape)
        self._arrays[name] = array
        return array

    def decode(self, node: Any) -> Any:
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.decode(v) for v in node]
        if not isinstance(node, dict) or not node:
            raise self.fail(f"unexpected structure node {node!r}")
        if "T" in node or "V" in node:
            return self._tensor(node)
        tag, value = next(iter(node.items()))
        if tag in ("D", "OD"):
            pairs = [(_hashable(self.decode(k)), self.decode(v)) for k, v in value]
            return OrderedDict(pairs) if tag == "OD" else dict(pairs)
        decoders: dict[str, Callable[[Any], Any]] = {
            "U": lambda v: tuple(self.decode(x) for x in v),
            "S": lambda v: Size(int(x) for x in v),
            "SET": lambda v: {_hashable(self.decode(x)) for x in v},
            "FS": lambda v: frozenset(_hashable(self.decode(x)) for x in v),
            "F": lambda v: float(v),
            "C": lambda v: complex(self.decode(v[0]), self.decode(v[1])),
            "B": lambda v: bytes.fromhex(v),
            "DT": lambda v: _DTYPES_BY_NAME[v],
            "DV": lambda v: device(v),
            "SP": self._sparse,
        }
        decoder = decoders.get(tag)
        if decoder is None:
            raise self.fail(f"unknown structure tag {tag!r}")
        try:
            return decoder(value)
        except (KeyError, ValueError, TypeError, IndexError) as error:
            raise self.fail(f"bad {tag!r} node {value!r} ({error})") from None

    def _sparse(self, node: dict[str, Any]) -> Any:
        from ._sparse import sparse_coo_tensor

        indices, values = self.decode(node["indices"]), self.decode(node["values"])
        if not isinstance(indices, TensorBase) or not isinstance(values, TensorBase):
            raise self.fail(f"a sparse tensor node without indices and values: {node!r}")
        try:
            return sparse_coo_tensor(indices, values, node["size"], is_coalesced=bool(node.get("coalesced")))
        except RuntimeError as error:
            raise self.fail(f"an invalid sparse tensor ({error})") from None

    def _tensor(self, node: dict[str, Any]) -> Any:
        if "T" in node:
            array = self.array(node["T"])
        else:
            base = self.array(node["V"])
            d = _DTYPES_BY_NAME.get(node.get("dtype", ""))
            shape, strides, offset = node.get("shape"), node.get("strides"), node.get("offset")
            if d is None or not isinstance(shape, list) or not isinstance(strides, list) or not isinstance(offset, int):
                raise self.fail(f"bad view node {node!r}")
            low, high = _view_extent(offset, shape, strides, d.itemsize)
            if low < 0 or high > base.nbytes:
                raise self.fail(f"a view of {node['V']!r} reaches outside its {base.nbytes} bytes")
            array = _float8.as_strided(np, _aligned_view(base, offset, d.numpy_dtype), tuple(shape), tuple(strides))
        return _place(array, node.get("device", "cpu"), self.map_location, bool(node.get("requires_grad")))


def _place(array: np.ndarray[Any, Any], saved: str, map_location: MapLocation, requires_grad: bool) -> Any:
    """The tensor over host ``array``, saved from device ``saved``, where ``map_location`` puts it."""
    target = _target_device(saved, map_location)
    if callable(target):
        result = target(wrap(array, CPU), saved)
    else:
        result = (
            wrap(array, CPU) if target is CPU else wrap(get_backend(target.type).from_host(array, target.index), target)
        )
    if requires_grad:
        result.requires_grad_(True)
    return result


def _aligned_view(base: np.ndarray[Any, Any], offset: int, numpy_dtype: np.dtype[Any]) -> np.ndarray[Any, Any]:
    """``base``'s bytes from ``offset`` on, as an array of ``numpy_dtype`` (strides are applied by the caller)."""
    raw = base.view(np.uint8)[offset:]
    usable = raw.nbytes - raw.nbytes % numpy_dtype.itemsize
    return raw[:usable].view(numpy_dtype)


def _view_extent(offset: int, shape: list[int], strides: list[int], itemsize: int) -> tuple[int, int]:
    if len(shape) != len(strides):
        return -1, 0
    if any(n == 0 for n in shape):
        return offset, offset
    low = offset + sum(min(0, (n - 1) * s) for n, s in zip(shape, strides, strict=True))
    high = offset + sum(max(0, (n - 1) * s) for n, s in zip(shape, strides, strict=True)) + itemsize
    return low, high


def _hashable(value: Any) -> Any:
    return tuple(_hashable(v) for v in value) if isinstance(value, list) else value


def _parse_header(data: bytes, source: str) -> tuple[dict[str, Any], int]:
    def fail(problem: str) -> RuntimeError:
        return RuntimeError(f"tocha.load: {source} is not a valid tocha checkpoint: {problem}")

    # A header length of 128 + 256k also starts with 0x80; a safetensors header then opens with "{" at byte 8.
    if data[:4] == b"PK\x03\x04" or (data[:1] == b"\x80" and data[8:9] != b"{"):
        raise RuntimeError(
            f"tocha.load: {source} looks like a pickle, not a tocha checkpoint or a torch.save file, which tocha "
            "reads. tocha never unpickles (pickle can run arbitrary code); load it with PyTorch and save it again "
            "with torch.save, safetensors or tocha.save"
        )
    if len(data) < 8:
        raise fail(f"the file holds {len(data)} bytes, fewer than the 8-byte header length (empty or truncated)")
    (size,) = struct.unpack("<Q", data[:8])
    if size > _MAX_HEADER or 8 + size > len(data):
        raise fail(f"the header claims {size} bytes but the file holds {len(data) - 8} after the length (truncated?)")
    try:
        header = json.loads(data[8 : 8 + size].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise fail(f"the header is not valid JSON ({error})") from None
    if not isinstance(header, dict):
        raise fail("the header is not a JSON object")
    return header, 8 + size


def _target_device(saved: str, map_location: MapLocation) -> Any:
    if map_location is None:
        target = device(saved)
    elif callable(map_location) and not isinstance(map_location, (str, device)):
        return map_location
    elif isinstance(map_location, Mapping):
        target = device(map_location.get(saved, saved))
    else:
        target = device(map_location)
    if target.type != "cpu" and get_backend(target.type).device_count() == 0:
        raise RuntimeError(
            f"Attempting to deserialize a tensor on device {target} but it is not available here. If you are "
            "running on a CPU-only machine, use tocha.load with map_location='cpu' (or tocha.device('cpu'))"
        )
    return target


def read_file(op: str, f: FileLike) -> tuple[bytes, str]:
    """The bytes of ``f`` (a path or a binary file object), and how errors should name it.

    Example:
        >>> import io
        >>> read_file("tocha.load", io.BytesIO(b"abc"))
        (b'abc', 'the file object')
    """
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as handle:
            return handle.read(), repr(os.fspath(f))
    if hasattr(f, "read"):
        data = f.read()
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"{op}: the file object must be opened in binary mode")
        return bytes(data), "the file object"
    raise TypeError(f"{op}: f must be a path or a readable binary file, got {type(f).__name__}")


def load(f: FileLike, map_location: MapLocation = None, *, weights_only: bool = True, mmap: bool | None = None) -> Any:
    """Load an object saved with :func:`save`, any ``.safetensors`` file, or a ``torch.save`` file of tensors and
    containers (NOTE [ Reading PyTorch checkpoints ]); never runs code from the file.

    ``map_location`` moves tensors: a device (``"cpu"``), a dict mapping saved device names to new ones, or a
    callable ``(tensor, saved_device_name) -> tensor``. Without it, tensors return to the device they were
    saved from. A plain safetensors file loads as a dict of tensors. A PyTorch file (a zip archive, or the format
    before PyTorch 1.6) loads as ``torch.load(weights_only=True)`` would load it, with tocha tensors (parameters
    as leaf tensors that require grad); anything else its pickle names is refused, never imported, unless you
    allowlisted it with ``tocha.serialization.add_safe_globals`` (NOTE [ Allowlisted globals ]).
    ``weights_only`` and ``mmap`` are accepted for PyTorch compatibility: loading is always weights-only.

    Example:
        >>> import io, tocha
        >>> buffer = io.BytesIO()
        >>> tocha.save([tocha.arange(3), {"lr": 0.1}], buffer)
        >>> _ = buffer.seek(0)
        >>> tocha.load(buffer, map_location="cpu")
        [tensor([0, 1, 2]), {'lr': 0.1}]
    """
    del weights_only, mmap
    data, source = read_file("tocha.load", f)
    if is_torch_archive(data) or is_legacy_torch_file(data):  # NOTE [ Reading PyTorch checkpoints ]
        return load_torch_archive(data, source, lambda array, saved, grad: _place(array, saved, map_location, grad))
    reader = _Reader(data, source, map_location)
    metadata = reader.header.get("__metadata__") or {}
    if not isinstance(metadata, dict):
        raise reader.fail("__metadata__ is not a JSON object")
    structure_text = metadata.get("tocha.structure")
    if structure_text is None:  # a plain safetensors file
        return {name: reader._tensor({"T": name}) for name in reader.header if name != "__metadata__"}
    if metadata.get("tocha.format") != FORMAT_VERSION:
        raise reader.fail(
            f"unsupported tocha.format {metadata.get('tocha.format')!r} (this tocha reads {FORMAT_VERSION})"
        )
    try:
        structure = json.loads(structure_text)
    except (TypeError, json.JSONDecodeError) as error:
        raise reader.fail(f"tocha.structure is not valid JSON ({error})") from None
    return reader.decode(structure)
