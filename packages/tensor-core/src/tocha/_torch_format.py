"""Reading PyTorch's checkpoints (``torch.save``'s files) without unpickling them.

NOTE [ Reading PyTorch checkpoints ]
``torch.save`` writes a zip archive: ``<name>/data.pkl``, a pickle of the saved object whose tensors refer to
storages by key, and ``<name>/data/<key>``, each storage's raw bytes. Before PyTorch 1.6 it wrote pickles in a
row instead (a magic number, the protocol, system information, the object, its storage keys), then each storage
as an element count and its bytes; storages there may be views into others. Unpickling runs whatever callables the
pickle names, so tocha never unpickles (ARCHITECTURE.md §3: checkpoints never execute code on load). Instead
this module reads the pickle's opcodes (``pickletools.genops`` only parses them) and interprets the few a
checkpoint of tensors and containers uses, on its own stack: strings, numbers, tuples, lists, dicts, memo
references. The globals the pickle names are looked up in a fixed table of tocha's own constructors —
``collections.OrderedDict``, ``torch._utils._rebuild_tensor_v2`` and ``_rebuild_parameter``, the storage
types, ``torch.device``, the dtypes, ``torch.Size``, NumPy scalars — and nothing is ever imported or called
by name. Any other global or opcode stops the load with an error naming it. This is the same line PyTorch's
``torch.load(weights_only=True)`` draws, without pickle's machinery underneath.

Tensors become views of their storage's array, so tensors that shared a storage in PyTorch share memory
here too. Parameters load as leaf tensors that require grad. A state dict keeps its ``_metadata`` (module
versions); other ``BUILD`` states are dropped.

NOTE [ Allowlisted globals ]
A checkpoint may also hold the user's own objects: an ``argparse.Namespace`` of hyperparameters, a dataclass,
an enum. As in PyTorch, ``tocha.serialization.add_safe_globals([Namespace])`` (or the ``safe_globals`` context
manager) allowlists such a class or function for the loads that follow; the allowlist holds the objects
themselves, matched to the pickle's ``module.name`` by their ``__module__`` and ``__qualname__`` (or by the name
given with them), so still nothing is imported by name. An allowlisted global may be called (``REDUCE``, an
enum's value for instance), instantiated without ``__init__`` (``NEWOBJ``, ``cls.__new__``) and given its state
(``BUILD``: its ``__setstate__``, else its ``__dict__`` and slots), the steps PyTorch's weights-only unpickler
takes for the same list.
"""

from __future__ import annotations

import collections
import io
import pickle
import pickletools
import threading
import zipfile
from collections.abc import Callable
from typing import Any

import numpy as np

from . import _dtype, _float8
from ._device import device
from ._tensor_base import Size, TensorBase

__all__ = [
    "CheckpointError",
    "add_safe_globals",
    "clear_safe_globals",
    "get_safe_globals",
    "is_legacy_torch_file",
    "is_torch_archive",
    "load_torch_archive",
    "unsafe_globals_in",
]


class CheckpointError(RuntimeError, pickle.UnpicklingError):
    """A PyTorch checkpoint tocha refuses or cannot read: a ``RuntimeError``, and the ``pickle.UnpicklingError``
    that ``torch.load(weights_only=True)`` raises."""


_safe_globals: list[Any] = []  # NOTE [ Allowlisted globals ]: callables, or (callable, "module.name") pairs
_safe_globals_lock = threading.Lock()


def add_safe_globals(entries: list[Any]) -> None:
    """Allowlist classes and functions (or ``(object, "module.name")`` pairs) for PyTorch checkpoints.

    Example:
        >>> import argparse
        >>> add_safe_globals([argparse.Namespace])
        >>> argparse.Namespace in get_safe_globals()
        True
        >>> clear_safe_globals()
    """
    if not isinstance(entries, (list, tuple)):
        raise TypeError(f"add_safe_globals: expected a list of classes or functions, got {type(entries).__name__}")
    for entry in entries:
        _check_entry(entry)
    with _safe_globals_lock:
        _safe_globals.extend(entry for entry in entries if entry not in _safe_globals)


def _check_entry(entry: Any) -> None:
    if isinstance(entry, tuple):
        if len(entry) == 2 and callable(entry[0]) and isinstance(entry[1], str) and "." in entry[1]:
            return
        raise TypeError(
            "add_safe_globals: a pair must be (class or function, 'module.name'), "
            f"got {tuple(type(item).__name__ for item in entry)}"
        )
    if not callable(entry) or isinstance(entry, str):
        raise TypeError(
            "add_safe_globals: expected a class or function (the object itself, never its name), or a "
            f"(class or function, 'module.name') pair, got {type(entry).__name__} {entry!r}"
        )


def get_safe_globals() -> list[Any]:
    """The allowlisted classes and functions (a copy).

    Example:
        >>> get_safe_globals()
        []
    """
    with _safe_globals_lock:
        return list(_safe_globals)


def clear_safe_globals() -> None:
    """Empty the allowlist.

    Example:
        >>> clear_safe_globals()
    """
    with _safe_globals_lock:
        _safe_globals.clear()


def _allowed_by_name() -> dict[str, Any]:
    with _safe_globals_lock:
        entries = list(_safe_globals)
    allowed: dict[str, Any] = {}
    for entry in entries:
        if isinstance(entry, tuple):
            allowed[entry[1]] = entry[0]
        else:
            allowed[f"{getattr(entry, '__module__', '')}.{getattr(entry, '__qualname__', '')}"] = entry
    return allowed


Place = Callable[[np.ndarray[Any, Any], str, bool], TensorBase]

_STORAGE_DTYPES: dict[str, _dtype.dtype] = {
    "FloatStorage": _dtype.float32,
    "DoubleStorage": _dtype.float64,
    "HalfStorage": _dtype.float16,
    "BFloat16Storage": _dtype.bfloat16,
    "LongStorage": _dtype.int64,
    "IntStorage": _dtype.int32,
    "ShortStorage": _dtype.int16,
    "CharStorage": _dtype.int8,
    "ByteStorage": _dtype.uint8,
    "BoolStorage": _dtype.bool,
    "ComplexFloatStorage": _dtype.complex64,
    "ComplexDoubleStorage": _dtype.complex128,
}
_UNTYPED = _dtype.uint8  # an UntypedStorage's elements: bytes, typed by the tensor that views them
_DTYPES: dict[str, _dtype.dtype] = {
    d.name: d for d in (*_dtype.ALL_DTYPES, *_dtype.LIMITED_UNSIGNED_DTYPES, *_dtype.FLOAT8_DTYPES)
}
_DTYPES.update({"float": _dtype.float32, "double": _dtype.float64, "half": _dtype.float16, "long": _dtype.int64})
_DTYPES.update({"int": _dtype.int32, "short": _dtype.int16, "cfloat": _dtype.complex64, "cdouble": _dtype.complex128})


def is_torch_archive(data: bytes) -> bool:
    """Whether ``data`` is a zip archive holding a ``data.pkl`` (what ``torch.save`` writes).

    Example:
        >>> is_torch_archive(b"not a zip")
        False
    """
    if data[:4] != b"PK\x03\x04":
        return False
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except zipfile.BadZipFile:
        return False
    return any(name.endswith("/data.pkl") for name in names)


def is_legacy_torch_file(data: bytes) -> bool:
    """Whether ``data`` starts with the magic number of PyTorch's format before 1.6.

    Example:
        >>> is_legacy_torch_file(b"\\x80\\x02}q\\x00.")
        False
    """
    return data[:1] == b"\x80" and data[2:4] == b"\x8a\x0a" and data[4:14] == _LEGACY_MAGIC.to_bytes(10, "little")


class _StorageRef:
    """A storage the pickle names by key: its dtype, key, saved device and element count (and, for a legacy
    file's storage view, where in its root storage it starts)."""

    __slots__ = ("dtype", "key", "location", "numel", "offset")

    def __init__(self, dtype: _dtype.dtype, key: str, location: str, numel: int, offset: int = 0) -> None:
        self.dtype, self.key, self.location, self.numel, self.offset = dtype, key, location, numel, offset


class _StorageType:
    __slots__ = ("dtype",)

    def __init__(self, dtype: _dtype.dtype) -> None:
        self.dtype = dtype


class _Unpickler:
    """The pickle interpreter and the constructors a checkpoint may name; subclasses find the storages."""

    def __init__(self, source: str, place: Place) -> None:
        self.source = source
        self.place = place
        self.allowed = _allowed_by_name()  # NOTE [ Allowlisted globals ], as it stands when the load starts
        self.allowed_objects = {id(found) for found in self.allowed.values()}
        self.collecting = False  # a first pass that only records the storages the pickle names
        self.named: dict[str, _dtype.dtype] = {}
        self.views: dict[tuple[str, _dtype.dtype], np.ndarray[Any, Any]] = {}
        self.swap = False  # whether the storages are big-endian

    def fail(self, problem: str) -> CheckpointError:
        return CheckpointError(f"tocha.load: {self.source} is a PyTorch checkpoint tocha cannot read: {problem}")

    def storage(self, ref: _StorageRef) -> np.ndarray[Any, Any]:
        raise NotImplementedError

    # ------------------------------------------------------------ the constructors a checkpoint may name

    def rebuild_tensor_v3(
        self, ref: Any, offset: Any, size: Any, stride: Any, requires_grad: Any, hooks: Any, dtype: Any, *_: Any
    ) -> TensorBase:
        """PyTorch's form for an untyped storage (bytes) and the dtype of the tensor that views it."""
        if not isinstance(dtype, _dtype.dtype):
            raise self.fail(f"_rebuild_tensor_v3 got {type(dtype).__name__} where a dtype belongs")
        return self.rebuild_tensor(ref, offset, size, stride, requires_grad, hooks, dtype=dtype)

    def rebuild_tensor(
        self,
        ref: Any,
        offset: Any,
        size: Any,
        stride: Any,
        requires_grad: Any = False,
        *_hooks: Any,
        dtype: _dtype.dtype | None = None,
    ) -> TensorBase:
        if not isinstance(ref, _StorageRef):
            raise self.fail(f"_rebuild_tensor_v2 got {type(ref).__name__} where a storage belongs")
        if self.collecting:
            return None  # type: ignore[return-value]
        shape, strides = tuple(int(n) for n in size), tuple(int(s) for s in stride)
        storage = self.storage(ref)
        if dtype is not None and ref.dtype is _UNTYPED:
            storage = self.typed(ref, storage, dtype)
        if len(shape) != len(strides) or any(n < 0 for n in shape) or any(s < 0 for s in strides):
            raise self.fail(f"a tensor of size {list(shape)} and stride {list(strides)}")
        offset = int(offset)
        if 0 not in shape:
            last = offset + sum((n - 1) * s for n, s in zip(shape, strides, strict=True))
            if offset < 0 or last >= storage.size:
                raise self.fail(
                    f"a tensor of size {list(shape)}, stride {list(strides)} at offset {offset} reaches outside "
                    f"its storage of {storage.size} elements"
                )
        itemsize = storage.itemsize
        start = storage[min(offset, storage.size) :]
        view = _float8.as_strided(np, start, shape, tuple(s * itemsize for s in strides))
        return self.place(view, ref.location, bool(requires_grad))

    def typed(self, ref: _StorageRef, raw: np.ndarray[Any, Any], dtype: _dtype.dtype) -> np.ndarray[Any, Any]:
        """The bytes of untyped storage ``ref`` as elements of ``dtype`` (one array per storage and dtype, so
        tensors viewing one storage share memory)."""
        found = self.views.get((ref.key, dtype))
        if found is None:
            if raw.size % dtype.itemsize:
                raise self.fail(f"storage {ref.key} holds {raw.size} bytes, not a whole number of {dtype.name}")
            found = raw.view(dtype.numpy_dtype)
            if self.swap and dtype.itemsize > 1:
                found.byteswap(inplace=True)
            self.views[ref.key, dtype] = found
        return found

    def rebuild_parameter(self, data: Any, requires_grad: Any = True, *_rest: Any) -> Any:
        if self.collecting:
            return None
        if not isinstance(data, TensorBase):
            raise self.fail(f"_rebuild_parameter got {type(data).__name__} where a tensor belongs")
        if bool(requires_grad) and not data.requires_grad:
            data.requires_grad_(True)  # type: ignore[attr-defined]
        return data

    def layout(self, name: Any) -> str:
        """``torch.serialization._get_layout``: the layouts a checkpoint may hold (sparse COO only)."""
        if name != "torch.sparse_coo":
            raise self.fail(f"a tensor of layout {name!r} (tocha reads strided and sparse COO tensors)")
        return "sparse_coo"

    def rebuild_sparse(self, layout: Any, data: Any) -> Any:
        """``torch._utils._rebuild_sparse_tensor``: a sparse COO tensor from its indices, values and size."""
        if self.collecting:
            return None
        if layout != "sparse_coo" or not isinstance(data, tuple) or len(data) < 3:
            raise self.fail(f"a malformed sparse tensor ({layout!r})")
        from ._sparse import sparse_coo_tensor

        indices, values, size = data[:3]
        coalesced = bool(data[3]) if len(data) > 3 else None
        try:
            return sparse_coo_tensor(indices, values, tuple(size), is_coalesced=coalesced)
        except RuntimeError as error:
            raise self.fail(f"an invalid sparse tensor ({error})") from None

    def rebuild_from_type(self, function: Any, new_type: Any, args: Any, state: Any) -> Any:
        if new_type not in ("Tensor", "Parameter") or not callable(function):
            raise self.fail(f"a tensor of type {new_type!r}")
        result = function(*args)
        return self.rebuild_parameter(result) if new_type == "Parameter" else result

    def global_(self, module: str, name: str) -> Any:
        found = self._globals().get((module, name))
        if found is not None:
            return found
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(_STORAGE_DTYPES[name])
        if module == "torch" and name in _DTYPES:
            return _DTYPES[name]
        allowed = self.allowed.get(f"{module}.{name}")
        if allowed is not None:
            return allowed
        raise self.fail(
            f"the pickle names {module}.{name}, which is not one of the tensors, storages and containers a "
            "checkpoint of weights holds, and tocha never imports what a checkpoint names. If you trust this class "
            f"or function, allowlist it with `tocha.serialization.add_safe_globals([{module}.{name}])` or the "
            f"`tocha.serialization.safe_globals([{module}.{name}])` context manager; for a whole module or "
            "optimizer, save its state_dict() with PyTorch instead"
        )

    def is_allowed(self, found: Any) -> bool:
        return id(found) in self.allowed_objects

    def new_object(self, cls: Any, args: Any, kwargs: Any) -> Any:
        """``NEWOBJ``: an allowlisted class's instance (or a container's), made without running ``__init__``."""
        if not (isinstance(cls, type) and (self.is_allowed(cls) or cls in _CONTAINER_TYPES)):
            raise self.fail(f"the pickle instantiates {cls!r}, which is not an allowlisted class")
        return cls.__new__(cls, *args, **kwargs)

    def build(self, instance: Any, state: Any) -> None:
        """``BUILD``: give an allowlisted class's instance its state, and a state dict its ``_metadata``; other
        states are dropped."""
        if self.collecting:
            return
        if type(instance) is collections.OrderedDict:
            if isinstance(state, dict) and all(isinstance(key, str) for key in state):
                instance.__dict__.update(state)
            return
        if not self.is_allowed(type(instance)):
            return
        setstate = getattr(instance, "__setstate__", None)
        if setstate is not None:
            setstate(state)
            return
        slots = None
        if isinstance(state, tuple) and len(state) == 2:
            state, slots = state
        if state:
            instance.__dict__.update(state)
        if slots:
            for key, value in slots.items():
                setattr(instance, key, value)

    def _globals(self) -> dict[tuple[str, str], Any]:
        return {
            ("collections", "OrderedDict"): collections.OrderedDict,
            ("torch._utils", "_rebuild_tensor_v2"): self.rebuild_tensor,
            ("torch._utils", "_rebuild_tensor_v3"): self.rebuild_tensor_v3,
            ("torch.storage", "UntypedStorage"): _StorageType(_UNTYPED),
            ("torch._utils", "_rebuild_tensor"): self.rebuild_tensor,
            ("torch._utils", "_rebuild_parameter"): self.rebuild_parameter,
            ("torch._utils", "_rebuild_parameter_with_state"): self.rebuild_parameter,
            ("torch._tensor", "_rebuild_from_type_v2"): self.rebuild_from_type,
            ("torch._utils", "_rebuild_sparse_tensor"): self.rebuild_sparse,
            ("torch.serialization", "_get_layout"): self.layout,
            ("torch", "Tensor"): "Tensor",
            ("torch.nn.parameter", "Parameter"): "Parameter",
            ("torch", "device"): device,
            ("torch", "Size"): lambda dims=(): Size(int(n) for n in dims),
            ("builtins", "set"): set,
            ("builtins", "frozenset"): frozenset,
            ("builtins", "complex"): complex,
            ("builtins", "slice"): slice,
            ("numpy", "dtype"): _numpy_dtype,
            ("_codecs", "encode"): _encode,  # protocol 2's spelling of bytes (a NumPy scalar's payload)
            ("numpy.core.multiarray", "scalar"): _numpy_scalar,
            ("numpy._core.multiarray", "scalar"): _numpy_scalar,
        }

    # ------------------------------------------------------------ the pickle's opcodes

    def persistent(self, pid: Any) -> _StorageRef:
        # ('storage', type, key, location, numel), and in legacy files a sixth entry: None, or a storage view's
        # (view key, offset, size) within the storage ``key``
        if not (isinstance(pid, tuple) and len(pid) in (5, 6) and pid[0] == "storage"):
            raise self.fail(f"an unknown persistent id {pid!r}")
        _, kind, key, location, numel = pid[:5]
        if not isinstance(kind, _StorageType):
            raise self.fail(f"a storage of type {kind!r}")
        self.named[str(key)] = kind.dtype
        view = pid[5] if len(pid) == 6 else None
        if view is not None:
            _, offset, size = view
            return _StorageRef(kind.dtype, str(key), str(location), int(size), int(offset))
        return _StorageRef(kind.dtype, str(key), str(location), int(numel))

    def unpickle(self, data: bytes, start: int = 0) -> tuple[Any, int]:
        """The value of the pickle that starts at ``data[start]``, and where the next byte after it lies."""
        stack: list[Any] = []
        marks: list[int] = []
        memo: dict[Any, Any] = {}

        def since_mark() -> list[Any]:
            start = marks.pop()
            items = stack[start:]
            del stack[start:]
            return items

        try:
            stream = io.BytesIO(data)  # shares data's buffer; genops reports positions from its start
            stream.seek(start)
            for opcode, arg, position in pickletools.genops(stream):
                code = opcode.name
                if code in _PUSH_ARGUMENT:
                    stack.append(arg)
                elif code in _CONSTANTS:
                    stack.append(_CONSTANTS[code])
                elif code in ("PROTO", "FRAME"):
                    continue
                elif code == "STOP":
                    return stack.pop(), int(position or 0) + 1
                elif code == "MARK":
                    marks.append(len(stack))
                elif code == "EMPTY_DICT":
                    stack.append({})
                elif code == "EMPTY_LIST":
                    stack.append([])
                elif code == "EMPTY_SET":
                    stack.append(set())
                elif code in ("TUPLE", "LIST", "FROZENSET"):
                    items = since_mark()
                    stack.append(
                        tuple(items) if code == "TUPLE" else list(items) if code == "LIST" else frozenset(items)
                    )
                elif code in ("TUPLE1", "TUPLE2", "TUPLE3"):
                    n = int(code[-1])
                    items = stack[-n:]
                    del stack[-n:]
                    stack.append(tuple(items))
                elif code == "DICT":
                    items = since_mark()
                    stack.append(dict(zip(items[::2], items[1::2], strict=True)))
                elif code == "APPEND":
                    value = stack.pop()
                    stack[-1].append(value)
                elif code == "APPENDS":
                    items = since_mark()
                    stack[-1].extend(items)
                elif code == "ADDITEMS":
                    items = since_mark()
                    stack[-1].update(items)
                elif code == "SETITEM":
                    value = stack.pop()
                    key = stack.pop()
                    stack[-1][key] = value
                elif code == "SETITEMS":
                    items = since_mark()
                    for key, value in zip(items[::2], items[1::2], strict=True):
                        stack[-1][key] = value
                elif code in ("BINPUT", "LONG_BINPUT", "PUT"):
                    memo[arg] = stack[-1]
                elif code == "MEMOIZE":
                    memo[len(memo)] = stack[-1]
                elif code in ("BINGET", "LONG_BINGET", "GET"):
                    stack.append(memo[arg])
                elif code == "GLOBAL":
                    module, name = str(arg).split(" ", 1)
                    stack.append(self.global_(module, name))
                elif code == "STACK_GLOBAL":
                    name = stack.pop()
                    module = stack.pop()
                    stack.append(self.global_(str(module), str(name)))
                elif code in ("BINPERSID", "PERSID"):
                    stack.append(self.persistent(stack.pop() if code == "BINPERSID" else arg))
                elif code == "REDUCE":
                    args = stack.pop()
                    function = stack.pop()
                    if not callable(function):
                        raise self.fail(f"the pickle calls {function!r}, which is not a constructor")
                    if self.collecting and self.is_allowed(function):
                        stack.append(None)  # the first pass of a legacy file: its tensors are not built yet
                    else:
                        stack.append(function(*args))
                elif code in ("NEWOBJ", "NEWOBJ_EX"):
                    kwargs = stack.pop() if code == "NEWOBJ_EX" else {}
                    args = stack.pop()
                    stack.append(self.new_object(stack.pop(), args, kwargs))
                elif code == "BUILD":
                    state = stack.pop()
                    self.build(stack[-1], state)
                elif code == "POP":
                    stack.pop()
                elif code == "POP_MARK":
                    since_mark()
                elif code == "DUP":
                    stack.append(stack[-1])
                else:
                    raise self.fail(f"the pickle uses opcode {code}, which a checkpoint of weights does not")
        except (IndexError, KeyError, ValueError, TypeError) as error:
            raise self.fail(f"a malformed pickle ({type(error).__name__}: {error})") from None
        raise self.fail("the pickle ends without STOP")


class _Archive(_Unpickler):
    def __init__(self, data: bytes, source: str, place: Place) -> None:
        super().__init__(source, place)
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        pickles = [name for name in self.zip.namelist() if name.endswith("/data.pkl")]
        if len(pickles) != 1:
            raise self.fail(f"expected one data.pkl in the archive, found {len(pickles)}")
        self.prefix = pickles[0][: -len("data.pkl")]
        order = self._member("byteorder", required=False)
        self.swap = order is not None and order.strip() == b"big"
        self.storages: dict[str, np.ndarray[Any, Any]] = {}

    def _member(self, name: str, required: bool = True) -> bytes | None:
        try:
            return self.zip.read(self.prefix + name)
        except KeyError:
            if required:
                raise self.fail(f"the archive has no {self.prefix + name}") from None
            return None

    def storage(self, ref: _StorageRef) -> np.ndarray[Any, Any]:
        array = self.storages.get(ref.key)
        if array is None:
            raw = self._member(f"data/{ref.key}")
            assert raw is not None
            itemsize = ref.dtype.itemsize
            if len(raw) < ref.numel * itemsize:
                raise self.fail(f"storage {ref.key} holds {len(raw)} bytes, fewer than {ref.numel} x {itemsize}")
            array = _storage_array(raw, ref.dtype, ref.numel, 0, self.swap)
            self.storages[ref.key] = array
        return array

    def load(self) -> Any:
        data = self._member("data.pkl")
        assert data is not None
        return self.unpickle(data)[0]


class _LegacyFile(_Unpickler):
    """PyTorch's format before 1.6: pickles in a row (magic number, protocol, system info, the object, the sorted
    storage keys), then each storage as an 8-byte little-endian element count and its bytes."""

    def __init__(self, data: bytes, source: str, place: Place) -> None:
        super().__init__(source, place)
        self.data = data
        self.storages: dict[str, np.ndarray[Any, Any]] = {}

    def storage(self, ref: _StorageRef) -> np.ndarray[Any, Any]:
        root = self.storages.get(ref.key)
        if root is None:
            raise self.fail(f"the pickle names storage {ref.key}, which the file does not hold")
        if ref.offset + ref.numel > root.size:
            raise self.fail(f"a view of storage {ref.key} reaches past its {root.size} elements")
        return root[ref.offset : ref.offset + ref.numel] if ref.offset or ref.numel != root.size else root

    def load(self) -> Any:
        position = 0
        header = []
        for _ in range(3):  # the magic number, the protocol version and the system info: plain values
            value, position = self.unpickle(self.data, position)
            header.append(value)
        if header[1] != _LEGACY_PROTOCOL or not isinstance(header[2], dict):
            raise self.fail(f"an unknown legacy protocol {header[1]!r}")
        swap = not header[2].get("little_endian", True)
        body = position
        self.collecting = True
        _, position = self.unpickle(self.data, body)
        self.collecting = False
        keys, position = self.unpickle(self.data, position)
        if not isinstance(keys, list):
            raise self.fail("the storage keys are not a list")
        for key in keys:
            kind = self.named.get(str(key))
            if kind is None:
                raise self.fail(f"storage {key} is stored but never named")
            count = int.from_bytes(self.data[position : position + 8], "little")
            start, end = position + 8, position + 8 + count * kind.itemsize
            if end > len(self.data):
                raise self.fail(f"storage {key} claims {count} elements but the file ends first (truncated?)")
            self.storages[str(key)] = _storage_array(self.data, kind, count, start, swap)
            position = end
        return self.unpickle(self.data, body)[0]


def _storage_array(raw: bytes, kind: _dtype.dtype, count: int, offset: int, swap: bool) -> np.ndarray[Any, Any]:
    """``count`` elements of ``kind`` from ``raw[offset:]``, copied (writable) and in the host's byte order."""
    array: np.ndarray[Any, Any] = np.frombuffer(raw, dtype=kind.numpy_dtype, count=count, offset=offset).copy()
    return array.byteswap() if swap else array


_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_LEGACY_PROTOCOL = 1001


def _numpy_dtype(name: Any, *_flags: Any) -> np.dtype[Any]:
    kind = np.dtype(str(name))
    if kind.kind not in "biufc":
        raise RuntimeError(f"tocha.load: a NumPy dtype {name!r} that is not a number")
    return kind


def _encode(text: Any, encoding: Any = "utf-8") -> bytes:
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1", "utf-8", "utf8"):
        raise RuntimeError(f"tocha.load: a malformed bytes value ({type(text).__name__} in {encoding!r})")
    return text.encode(encoding)


def _numpy_scalar(kind: Any, raw: Any = b"") -> Any:
    if not isinstance(kind, np.dtype) or not isinstance(raw, (bytes, bytearray, str)):
        raise RuntimeError("tocha.load: a malformed NumPy scalar")
    payload = raw.encode("latin-1") if isinstance(raw, str) else bytes(raw)
    return np.frombuffer(payload, dtype=kind, count=1)[0]


_CONTAINER_TYPES = (collections.OrderedDict, set, frozenset, complex)
_PUSH_ARGUMENT = frozenset({
    "BININT", "BININT1", "BININT2", "INT", "LONG", "LONG1", "LONG4", "BINFLOAT", "FLOAT",
    "BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8", "UNICODE", "STRING", "BINSTRING", "SHORT_BINSTRING",
    "BINBYTES", "SHORT_BINBYTES", "BINBYTES8", "BYTEARRAY8",
})  # fmt: skip
_FROM_MARK: dict[str, Callable[[list[Any]], Any]] = {"TUPLE": tuple, "LIST": list, "FROZENSET": frozenset}
_CONSTANTS: dict[str, Any] = {"NONE": None, "NEWTRUE": True, "NEWFALSE": False, "EMPTY_TUPLE": ()}


def unsafe_globals_in(data: bytes, source: str) -> list[str]:
    """The ``module.name`` of each global a ``torch.save`` file's pickle names that ``tocha.load`` would refuse
    (neither a tensor, storage or container constructor nor allowlisted), in order of first appearance.

    Example:
        >>> import io, zipfile
        >>> buffer = io.BytesIO()
        >>> with zipfile.ZipFile(buffer, "w") as archive:
        ...     archive.writestr("ck/data.pkl", b"\\x80\\x02cargparse\\nNamespace\\nq\\x00)\\x81q\\x01.")
        >>> unsafe_globals_in(buffer.getvalue(), "a buffer")
        ['argparse.Namespace']
    """
    checker = _Unpickler(source, lambda *args: None)  # type: ignore[arg-type,return-value]
    if data[:4] == b"PK\x03\x04":
        pickles = [_Archive(data, source, checker.place)._member("data.pkl") or b""]
    else:
        pickles = [data]
    found: list[str] = []
    for payload in pickles:
        position, count = 0, 0
        while position < len(payload) and count < 5:  # a legacy file: header (3 pickles), the object, its keys
            names, position = _globals_named(payload, position, checker)
            found.extend(name for name in names if name not in found)
            count += 1
    return found


def _globals_named(data: bytes, start: int, checker: _Unpickler) -> tuple[list[str], int]:
    """The refused globals of the pickle at ``data[start]``, and where it ends."""
    strings: list[Any] = []  # the strings pushed so far: STACK_GLOBAL's operands are the last two
    top: Any = None  # the value on top of the stack when it is a string
    memo: dict[Any, Any] = {}
    names: list[str] = []
    stream = io.BytesIO(data)
    stream.seek(start)
    try:
        for opcode, arg, position in pickletools.genops(stream):
            code = opcode.name
            if code == "STOP":
                return names, int(position or 0) + 1
            if code in ("BINPUT", "LONG_BINPUT", "PUT", "MEMOIZE"):
                memo[len(memo) if code == "MEMOIZE" else arg] = top
                continue
            if code in ("PROTO", "FRAME"):
                continue
            top = arg if code in _PUSH_ARGUMENT and isinstance(arg, str) else None
            if code in ("BINGET", "LONG_BINGET", "GET"):
                top = memo.get(arg)
            if top is not None:
                strings.append(top)
            if code in ("GLOBAL", "STACK_GLOBAL"):
                module, name = str(arg).split(" ", 1) if code == "GLOBAL" else (str(strings[-2]), str(strings[-1]))
                try:
                    checker.global_(module, name)
                except CheckpointError:
                    names.append(f"{module}.{name}")
    except (ValueError, IndexError) as error:
        raise checker.fail(f"a malformed pickle ({type(error).__name__}: {error})") from None
    return names, len(data)


def load_torch_archive(data: bytes, source: str, place: Place) -> Any:
    """The object a ``torch.save`` archive holds (NOTE [ Reading PyTorch checkpoints ]); ``place(array,
    saved_device, requires_grad)`` makes each tensor (map_location).

    Example:
        >>> import io, zipfile
        >>> buffer = io.BytesIO()
        >>> with zipfile.ZipFile(buffer, "w") as archive:
        ...     archive.writestr("ck/data.pkl", b"\\x80\\x02}q\\x00X\\x05\\x00\\x00\\x00epochq\\x01K\\x03s.")
        >>> load_torch_archive(buffer.getvalue(), "a buffer", lambda *args: None)
        {'epoch': 3}
    """
    if data[:4] == b"PK\x03\x04":
        return _Archive(data, source, place).load()
    return _LegacyFile(data, source, place).load()
