"""The op database: one :class:`OpInfo` per registered op with test metadata, and sample families.

NOTE [ Op database ]
Every :class:`tocha.library.OpRecord` carrying ``test=OpTest(...)`` becomes an
:class:`OpInfo`. Its samples come from ``OpTest.samples``: the name of a
family registered here with :func:`register_sample_family` (``"unary"``,
``"binary"``, ``"reduction"``...) or a callable ``(device, dtype) ->
iterable of SampleInput``. An unknown family raises, naming the op: a test
never silently checks nothing.

How a sample runs:

- The op's public function is ``tocha.<torch_name>`` (``torch_name``
  defaults to the op name; a dotted name such as ``"Tensor.view"`` is
  looked up attribute by attribute) and is called as
  ``fn(sample.input, *sample.args, **sample.kwargs)``.
- An op without a public function (an internal op such as
  ``slice_backward``) runs through the dispatcher as
  ``call(op, device, (sample.input, *sample.args), sample.params)``.
- The reference receives the same arguments with every tensor replaced by a
  NumPy array (bfloat16 widened to float32), ``dim``/``keepdim`` keywords
  renamed to NumPy's ``axis``/``keepdims``; for an op without a public
  function it receives ``(*inputs, *params)``, like the op's forward.

Skips are data: ``OpTest.skips`` maps a key to its reason. A key is one or
more ``:``-separated parts, each a test kind (``forward``, ``torch``,
``vjp``), a dtype name (``float16``), a dtype group (``bool``, ``integral``,
``floating``, ``complex``) or a sample name (``empty``, ``0-dim``...); the
skip applies when every part matches.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._device import DeviceLike
from .._dispatch import OpRecord, OpTest, call, registered_ops
from .._dtype import _BOOL, _COMPLEX, _FLOAT, _INT, dtype
from .._tensor_base import TensorBase
from ._comparison import assert_close, default_tolerances
from ._creation import make_tensor, manual_seed

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = [
    "SampleInput",
    "OpInfo",
    "op_db",
    "op_info",
    "ops_missing_test_metadata",
    "register_sample_family",
    "sample_families",
    "check_forward",
    "to_numpy",
    "TEST_KINDS",
]

TEST_KINDS = ("forward", "torch", "vjp")


class SampleInput:
    """One way to call an op: ``fn(input, *args, **kwargs)``.

    Attributes:
        input: the first operand (usually a tensor).
        args: further positional arguments.
        kwargs: keyword arguments.
        name: what the sample exercises (``"broadcast"``, ``"0-dim"``, ``"empty"``...),
            used in test ids and skip keys.
        params: for ops without a public function, the op's static params
            (the sample then runs as ``call(op, device, (input, *args), params)``).

    Example:
        >>> import tocha
        >>> from tocha.testing import SampleInput
        >>> s = SampleInput(tocha.ones(2), args=(3.0,), name="scalar")
        >>> s
        SampleInput(name='scalar', input=Tensor(shape=[2], dtype=tocha.float32), args=(3.0,), kwargs={})
    """

    __slots__ = ("args", "input", "kwargs", "name", "params")

    def __init__(
        self,
        input: Any,
        args: Sequence[Any] = (),
        kwargs: Mapping[str, Any] | None = None,
        *,
        name: str = "",
        params: Sequence[Any] | None = None,
    ) -> None:
        self.input = input
        self.args = tuple(args)
        self.kwargs = dict(kwargs or {})
        self.name = name
        self.params = None if params is None else tuple(params)

    def __repr__(self) -> str:
        parts = [f"name={self.name!r}", f"input={_brief(self.input)}", f"args={_brief(self.args)}"]
        parts.append(f"kwargs={_brief(self.kwargs)}")
        if self.params is not None:
            parts.append(f"params={self.params!r}")
        return f"SampleInput({', '.join(parts)})"

    def tensors(self) -> list[Tensor]:
        """Every tensor in the sample (input, args, kwargs, nested in lists and tuples), in order."""
        found: list[Tensor] = []
        _collect(self.input, found)
        _collect(self.args, found)
        _collect(list(self.kwargs.values()), found)
        return found


def _brief(x: Any) -> str:
    if isinstance(x, TensorBase):
        return f"Tensor(shape={list(x.shape)}, dtype={x.dtype!r})"
    if isinstance(x, tuple):
        inner = ", ".join(_brief(v) for v in x)
        return f"({inner},)" if len(x) == 1 else f"({inner})"
    if isinstance(x, list):
        return "[" + ", ".join(_brief(v) for v in x) + "]"
    if isinstance(x, dict):
        return "{" + ", ".join(f"{k!r}: {_brief(v)}" for k, v in x.items()) + "}"
    return repr(x)


def _collect(x: Any, found: list[Any]) -> None:
    if isinstance(x, TensorBase):
        found.append(x)
    elif isinstance(x, (list, tuple)):
        for v in x:
            _collect(v, found)


def to_numpy(x: Any, *, widen_bfloat16: bool = True) -> Any:
    """``x`` with every tensor (also inside lists, tuples and dicts) replaced by a NumPy array.

    bfloat16 tensors become float32 arrays unless ``widen_bfloat16`` is False
    (NumPy has no native bfloat16 arithmetic).

    Example:
        >>> import tocha
        >>> from tocha.testing import to_numpy
        >>> to_numpy([tocha.tensor([1, 2]), 3])
        [array([1, 2]), 3]
    """
    if isinstance(x, TensorBase):
        array = np.asarray(x)
        if widen_bfloat16 and x.dtype.name == "bfloat16":
            return array.astype(np.float32)
        return array
    if isinstance(x, list):
        return [to_numpy(v, widen_bfloat16=widen_bfloat16) for v in x]
    if isinstance(x, tuple):
        return tuple(to_numpy(v, widen_bfloat16=widen_bfloat16) for v in x)
    if isinstance(x, dict):
        return {k: to_numpy(v, widen_bfloat16=widen_bfloat16) for k, v in x.items()}
    return x


# ------------------------------------------------------------------ OpInfo


_GROUPS = {_BOOL: "bool", _INT: "integral", _FLOAT: "floating", _COMPLEX: "complex"}


def _resolve(path: str) -> Any:
    import tocha

    found: Any = tocha
    for part in path.split("."):
        found = getattr(found, part, None)
        if found is None:
            return None
    return found


class OpInfo:
    """A registered op seen as a test subject: its samples, reference, public function and skips.

    Attributes:
        name: the op's registered name.
        record: the :class:`tocha.library.OpRecord`.
        test: its :class:`tocha.library.OpTest`.
        function: the public function (``tocha.<torch_name>``), or None for an internal op.
        dtypes: the dtypes the op accepts.

    Example:
        >>> from tocha.testing import op_info
        >>> info = op_info("add")
        >>> info.name, info.function.__name__, info.supports_grad
        ('add', 'add', True)
    """

    __slots__ = ("dtypes", "function", "name", "record", "test")

    def __init__(self, record: OpRecord, test: OpTest | None = None) -> None:
        found = test if test is not None else record.test
        if found is None:
            found = _NO_TEST  # still usable by check_vjp; sample_inputs fails naming the op
        self.name = record.name
        self.record = record
        self.test: OpTest = found
        self.function: Callable[..., Any] | None = _resolve(found.torch_name or record.name)
        self.dtypes: tuple[dtype, ...] = tuple(record.dtypes)

    def __repr__(self) -> str:
        return f"OpInfo(name={self.name!r})"

    @property
    def supports_grad(self) -> bool:
        """Whether the op declares a vjp."""
        return self.record.vjp is not None

    @property
    def reference(self) -> Callable[..., Any] | None:
        """The NumPy reference implementation, if any."""
        return self.test.reference

    @property
    def torch_name(self) -> str | None:
        """The PyTorch function to compare with (a dotted path below ``torch``), if any."""
        return self.test.torch_name

    def skip_reason(self, kind: str, d: dtype | None = None, sample: str | None = None) -> str | None:
        """The reason this op skips test ``kind`` for dtype ``d`` and sample ``sample``, or None.

        Example:
            >>> import tocha
            >>> from tocha.testing import op_info
            >>> op_info("neg").skip_reason("forward", tocha.bool)
            'PyTorch refuses bool negation'
        """
        facts = {kind}
        if d is not None:
            facts.update((d.name, _GROUPS[d.category]))
        if sample:
            facts.add(sample)
        for key, reason in self.test.skips.items():
            if all(part in facts for part in key.split(":")):
                return reason
        return None

    def sample_inputs(self, device: DeviceLike | None, d: dtype) -> list[SampleInput]:
        """The op's samples for ``device`` and dtype ``d``, generated deterministically.

        Raises:
            LookupError: the op names a sample family nobody registered.
        """
        samples = self.test.samples
        manual_seed(zlib.crc32(f"{self.name}/{d.name}".encode()))
        if callable(samples):
            return list(samples(device, d))
        family = _FAMILIES.get(samples)
        if family is None:
            raise LookupError(
                f"op '{self.name}': unknown sample family '{samples}' "
                f"(known: {', '.join(sorted(_FAMILIES))}); register it with tocha.testing.register_sample_family"
            )
        return list(family(self, device, d))

    def run(self, sample: SampleInput) -> Any:
        """Run the op on ``sample`` (through its public function, or the dispatcher for an internal op)."""
        if self.function is not None and sample.params is None:
            return self.function(sample.input, *sample.args, **sample.kwargs)
        inputs = (sample.input, *sample.args)
        dev = next((t.device for t in sample.tensors()), None)
        if dev is None:
            from .._device import CPU

            dev = CPU
        return call(self.record, dev, inputs, sample.params or ())

    def run_reference(self, sample: SampleInput) -> Any:
        """The reference's result on ``sample`` (NumPy arrays in, NumPy values out)."""
        reference = self.test.reference
        if reference is None:
            raise ValueError(f"op '{self.name}' declares no reference")
        if self.function is None or sample.params is not None:
            return reference(*to_numpy((sample.input, *sample.args)), *(sample.params or ()))
        kwargs = {_NUMPY_NAMES.get(k, k): v for k, v in to_numpy(sample.kwargs).items()}
        a = to_numpy(sample.input)
        if isinstance(a, np.ndarray) and a.ndim == 0 and kwargs.get("axis") in (0, -1, (0,), (-1,)):
            # PyTorch lets dim 0 / -1 name a 0-dim tensor's only "dimension"; NumPy needs one.
            return np.asarray(reference(a.reshape(1), *to_numpy(sample.args), **kwargs)).reshape(())
        return reference(a, *to_numpy(sample.args), **kwargs)


_NO_TEST = OpTest(samples="<none: the op has no OpTest>")
_NUMPY_NAMES = {"dim": "axis", "keepdim": "keepdims", "correction": "ddof"}


def op_db() -> list[OpInfo]:
    """An :class:`OpInfo` for every registered op that carries test metadata, sorted by name.

    Example:
        >>> from tocha.testing import op_db
        >>> "add" in [info.name for info in op_db()]
        True
    """
    return [OpInfo(r) for name, r in sorted(registered_ops().items()) if r.test is not None]


def op_info(name: str) -> OpInfo:
    """The :class:`OpInfo` of the registered op ``name``.

    Example:
        >>> from tocha.testing import op_info
        >>> op_info("mul").torch_name
        'mul'
    """
    from .._dispatch import get_op

    return OpInfo(get_op(name))


def ops_missing_test_metadata() -> list[str]:
    """Names of registered ops that have a public function (``tocha.<name>``) but no ``OpTest``. Functions of
    tensor-core's modules of PyTorch's top-level names written over other packages' ops do not count: its
    ``tocha.layer_norm`` hands over to tocha-nn's, and its ``tocha.constant_pad_nd`` is its own composite beside
    tocha-nn's op of that name.

    Example:
        >>> from tocha.testing import ops_missing_test_metadata
        >>> isinstance(ops_missing_test_metadata(), list)
        True
    """
    return sorted(
        name
        for name, r in registered_ops().items()
        if r.test is None
        and (found := _resolve(name)) is not None
        and getattr(found, "__globals__", {}).get("__name__") not in _COMPOSITE_MODULES  # where it was defined
    )


# modules whose public functions are composites or hand-overs, never an op record's own function
_COMPOSITE_MODULES = frozenset(
    {
        "tocha._ops.nn_functions",
        "tocha._ops.nn_natives",
        "tocha._ops.recurrent",
        "tocha._ops.misc_toplevel",
        "tocha._ops.legacy_autocast",
        "tocha._ops.legacy_linalg",
        "tocha._ops.legacy_toplevel",
    }
)


# ------------------------------------------------------------------ forward check


def _as_tensor(x: Any, keep_unsigned: bool = False) -> Any:
    from .._device import CPU
    from .._tensor_base import wrap

    if isinstance(x, TensorBase):
        return x
    if isinstance(x, (list, tuple)):
        return type(x)(_as_tensor(v, keep_unsigned) for v in x)
    array = np.asarray(x)
    if array.dtype.kind == "u" and array.dtype.itemsize > 1 and not keep_unsigned:
        array = array.astype(np.int64)  # NumPy's uint64 sums; only hash_tensor gives uint64 (keep_unsigned)
    if array.dtype.kind in "biufc" or array.dtype.kind == "V":
        return wrap(np.array(array), CPU)
    return x


def _outputs(x: Any) -> Any:
    if isinstance(x, TensorBase):
        return x
    if isinstance(x, (list, tuple)):
        return tuple(_outputs(v) for v in x)
    return x


def check_forward(info: OpInfo, sample: SampleInput, *, atol: float | None = None, rtol: float | None = None) -> None:
    """Assert that the op's result on ``sample`` matches its NumPy reference.

    Values are compared with :func:`assert_close` without checking dtypes
    (NumPy promotes differently from PyTorch; the PyTorch comparison checks
    dtypes), with the op's tolerances or the result dtype's defaults.

    Example:
        >>> import tocha
        >>> from tocha.testing import SampleInput, check_forward, op_info
        >>> check_forward(op_info("add"), SampleInput(tocha.ones(3), args=(tocha.ones(3),)))
    """
    __tracebackhide__ = True
    actual = _outputs(info.run(sample))
    unsigned = isinstance(actual, TensorBase) and actual.dtype.name == "uint64"
    expected = _as_tensor(info.run_reference(sample), keep_unsigned=unsigned)
    if isinstance(actual, tuple) and not isinstance(expected, tuple):
        actual = actual[0]
    expected = _to_device_of(expected, actual)  # references compute on the host; the op may run elsewhere
    rtol = info.test.rtol if rtol is None else rtol
    atol = info.test.atol if atol is None else atol
    if rtol is None and atol is None:
        dtypes = [t.dtype for t in (actual if isinstance(actual, tuple) else (actual,)) if isinstance(t, TensorBase)]
        rtol, atol = default_tolerances(*dtypes)
    assert_close(
        actual,
        expected,
        rtol=rtol if rtol is not None else 0.0,
        atol=atol if atol is not None else 0.0,
        check_dtype=False,
        equal_nan=True,
        msg=lambda m: f"{info.name} on sample {sample!r}:\n{m}",
    )


def _to_device_of(expected: Any, actual: Any) -> Any:
    if isinstance(expected, tuple) and isinstance(actual, tuple):
        return tuple(_to_device_of(e, a) for e, a in zip(expected, actual, strict=False))
    if isinstance(expected, TensorBase) and isinstance(actual, TensorBase) and expected.device != actual.device:
        return expected.to(actual.device)  # type: ignore[attr-defined]
    return expected


# ------------------------------------------------------------------ sample families

SampleFamily = Callable[[OpInfo, Any, dtype], Iterable[SampleInput]]
_FAMILIES: dict[str, SampleFamily] = {}


def register_sample_family(name: str, family: SampleFamily, *, replace: bool = False) -> SampleFamily:
    """Register ``family(info, device, dtype) -> iterable of SampleInput`` under ``name``.

    Ops name it in ``OpTest(samples=name)``. Third-party ops may add their own families.

    Example:
        >>> import tocha
        >>> from tocha.testing import SampleInput, register_sample_family
        >>> def vectors(info, device, dtype):
        ...     yield SampleInput(tocha.ones(3, dtype=dtype, device=device), name="ones")
        >>> _ = register_sample_family("doc_vectors", vectors)
    """
    if name in _FAMILIES and not replace:
        raise RuntimeError(f"register_sample_family(): a family named '{name}' is already registered")
    _FAMILIES[name] = family
    return family


def sample_families() -> list[str]:
    """The registered sample family names.

    Example:
        >>> from tocha.testing import sample_families
        >>> "unary" in sample_families()
        True
    """
    return sorted(_FAMILIES)


class _Maker:
    """Makes tensors of one dtype and device within the op's domain."""

    def __init__(self, info: OpInfo, device: Any, d: dtype) -> None:
        self.device = device
        self.dtype = d
        low, high = info.test.domain
        self.low, self.high = (None, None) if d.category == _BOOL else (low, high)

    def __call__(self, *shape: int, noncontiguous: bool = False) -> Tensor:
        return make_tensor(
            *shape, dtype=self.dtype, device=self.device, low=self.low, high=self.high, noncontiguous=noncontiguous
        )

    def scalar(self) -> Any:
        """A Python number of the dtype's kind, within the domain."""
        value = self().item()
        if self.dtype.category == _BOOL:
            return bool(value)
        if self.dtype.category == _INT:
            return int(value)
        if self.dtype.category == _FLOAT:
            return float(value)
        return complex(value)


def _unary(info: OpInfo, device: Any, d: dtype) -> Iterator[SampleInput]:
    make = _Maker(info, device, d)
    yield SampleInput(make(3, 4), name="2d")
    yield SampleInput(make(5), name="1d")
    yield SampleInput(make(), name="0-dim")
    yield SampleInput(make(0, 3), name="empty")
    yield SampleInput(make(3, 4, noncontiguous=True), name="noncontiguous")


def _binary(info: OpInfo, device: Any, d: dtype) -> Iterator[SampleInput]:
    make = _Maker(info, device, d)
    yield SampleInput(make(3, 4), args=(make(3, 4),), name="same-shape")
    yield SampleInput(make(3, 1), args=(make(4),), name="broadcast")
    yield SampleInput(make(), args=(make(),), name="0-dim")
    yield SampleInput(make(2, 3), args=(make(),), name="0-dim-other")
    yield SampleInput(make(2, 3), args=(make.scalar(),), name="scalar")
    yield SampleInput(make(0, 3), args=(make(0, 3),), name="empty")
    yield SampleInput(make(3, 4, noncontiguous=True), args=(make(3, 4, noncontiguous=True),), name="noncontiguous")


def _reduction_common(make: _Maker, *, keepdim: bool = True) -> Iterator[SampleInput]:
    yield SampleInput(make(3, 4), kwargs={"dim": 1}, name="dim")
    yield SampleInput(make(3, 4), kwargs={"dim": -2}, name="dim-negative")
    if keepdim:
        yield SampleInput(make(3, 4), kwargs={"dim": 0, "keepdim": True}, name="keepdim")
    yield SampleInput(make(2, 3, 2, noncontiguous=True), kwargs={"dim": 1}, name="noncontiguous")
    yield SampleInput(make(0, 3), kwargs={"dim": 1}, name="empty")
    yield SampleInput(make(), kwargs={"dim": 0}, name="0-dim")


def _reduction(info: OpInfo, device: Any, d: dtype) -> Iterator[SampleInput]:
    make = _Maker(info, device, d)
    yield SampleInput(make(3, 4), name="full")
    yield SampleInput(make(), name="0-dim-full")
    yield from _reduction_common(make)
    yield SampleInput(make(2, 3, 4), kwargs={"dim": (0, 2)}, name="dims")


def _reduction_single_dim(info: OpInfo, device: Any, d: dtype) -> Iterator[SampleInput]:
    make = _Maker(info, device, d)
    yield SampleInput(make(3, 4), name="full")
    yield from _reduction_common(make)


def _reduction_no_keepdim(info: OpInfo, device: Any, d: dtype) -> Iterator[SampleInput]:
    make = _Maker(info, device, d)
    yield SampleInput(make(3, 4), name="full")
    yield from _reduction_common(make, keepdim=False)


def _reduction_dim_values_indices(info: OpInfo, device: Any, d: dtype) -> Iterator[SampleInput]:
    make = _Maker(info, device, d)
    yield SampleInput(make(3, 4), args=(1,), name="dim")
    yield SampleInput(make(3, 4), args=(0, True), name="keepdim")
    yield SampleInput(make(2, 3, 2, noncontiguous=True), args=(-1,), name="noncontiguous")
    yield SampleInput(make(), args=(0,), name="0-dim")


def _scan(info: OpInfo, device: Any, d: dtype) -> Iterator[SampleInput]:
    make = _Maker(info, device, d)
    yield SampleInput(make(3, 4), kwargs={"dim": 1}, name="dim")
    yield SampleInput(make(3, 4), kwargs={"dim": -2}, name="dim-negative")
    yield SampleInput(make(2, 3, 2, noncontiguous=True), kwargs={"dim": 1}, name="noncontiguous")
    yield SampleInput(make(0, 3), kwargs={"dim": 1}, name="empty")
    yield SampleInput(make(), kwargs={"dim": 0}, name="0-dim")


def _scan_values_indices(info: OpInfo, device: Any, d: dtype) -> Iterator[SampleInput]:
    make = _Maker(info, device, d)
    yield SampleInput(make(3, 4), args=(1,), name="dim")
    yield SampleInput(make(2, 3, 2, noncontiguous=True), args=(-1,), name="noncontiguous")
    yield SampleInput(make(), args=(0,), name="0-dim")


def _reduction_correction(info: OpInfo, device: Any, d: dtype) -> Iterator[SampleInput]:
    make = _Maker(info, device, d)
    yield SampleInput(make(3, 4), name="full")
    yield SampleInput(make(3, 4), kwargs={"dim": 1}, name="dim")
    yield SampleInput(make(3, 4), kwargs={"dim": 0, "keepdim": True}, name="keepdim")
    yield SampleInput(make(3, 4), kwargs={"dim": 1, "correction": 0}, name="correction")
    yield SampleInput(make(2, 3, 4), kwargs={"dim": (0, 2)}, name="dims")
    yield SampleInput(make(2, 3, 2, noncontiguous=True), kwargs={"dim": 1}, name="noncontiguous")


def _reduction_full(info: OpInfo, device: Any, d: dtype) -> Iterator[SampleInput]:
    make = _Maker(info, device, d)
    yield SampleInput(make(3, 4), name="full")
    yield SampleInput(make(5), name="1d")
    yield SampleInput(make(), name="0-dim")
    yield SampleInput(make(3, 4, noncontiguous=True), name="noncontiguous")


def _reduction_quantile(info: OpInfo, device: Any, d: dtype) -> Iterator[SampleInput]:
    make = _Maker(info, device, d)
    yield SampleInput(make(3, 4), args=(0.25,), name="full")
    yield SampleInput(make(3, 4), args=(0.5,), kwargs={"dim": 1}, name="dim")
    yield SampleInput(make(3, 4), args=(0.75,), kwargs={"dim": 0, "keepdim": True}, name="keepdim")
    yield SampleInput(make(2, 3, 2, noncontiguous=True), args=(0.3,), kwargs={"dim": -1}, name="noncontiguous")


def _reduction_norm(info: OpInfo, device: Any, d: dtype) -> Iterator[SampleInput]:
    make = _Maker(info, device, d)
    yield SampleInput(make(3, 4), name="full")
    yield SampleInput(make(3, 4), kwargs={"dim": 1}, name="dim")
    yield SampleInput(make(3, 4), kwargs={"p": 1, "dim": 0, "keepdim": True}, name="p1-keepdim")
    yield SampleInput(make(2, 3, 2, noncontiguous=True), kwargs={"p": 3, "dim": -1}, name="noncontiguous")
    yield SampleInput(make(), name="0-dim")


for _name, _family in (
    ("scan", _scan),
    ("scan_values_indices", _scan_values_indices),
    ("reduction_correction", _reduction_correction),
    ("reduction_full", _reduction_full),
    ("reduction_quantile", _reduction_quantile),
    ("reduction_norm", _reduction_norm),
    ("unary", _unary),
    ("binary", _binary),
    ("reduction", _reduction),
    ("reduction_single_dim", _reduction_single_dim),
    ("reduction_no_keepdim", _reduction_no_keepdim),
    ("reduction_dim_values_indices", _reduction_dim_values_indices),
):
    register_sample_family(_name, _family)
del _name, _family
