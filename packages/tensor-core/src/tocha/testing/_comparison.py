"""``assert_close``: PyTorch's closeness check, with its default tolerances and messages.

NOTE [ assert_close ]
Inputs are compared pairwise, recursing through sequences and mappings:

- ``None`` only matches ``None``; Python bools match by identity of value.
- Python numbers (and NumPy scalars, taken as Python numbers) must have the
  same type (``1`` and ``1.0`` differ) and are compared as scalars.
- Tensors are compared with tensors and NumPy arrays with NumPy arrays
  (a tensor never matches an array or a number, as in PyTorch): first the
  shape, the strides (``check_stride``), the device and the dtype, then the
  values with ``|actual - expected| <= atol + rtol * |expected|``; equal
  infinities match, NaNs match only with ``equal_nan``.

Default tolerances come from the dtypes (the larger of the two when
``check_dtype=False`` lets them differ); integers and bools compare exactly.
Failure messages follow PyTorch's wording (mismatched count, greatest
absolute and relative difference and where), so a test suite written for
PyTorch reads the same here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .._dtype import _COMPLEX, _FLOAT, dtype, from_numpy_dtype, promote_types
from .._tensor_base import TensorBase

__all__ = ["assert_close", "default_tolerances"]

_TOLERANCES: dict[str, tuple[float, float]] = {
    "float16": (1e-3, 1e-5),
    "bfloat16": (1.6e-2, 1e-5),
    "float32": (1.3e-6, 1e-5),
    "float64": (1e-7, 1e-7),
    "complex64": (1.3e-6, 1e-5),
    "complex128": (1e-7, 1e-7),
}


def default_tolerances(*dtypes: dtype) -> tuple[float, float]:
    """PyTorch's default ``(rtol, atol)`` for comparing values of ``dtypes`` (the largest of each).

    float16 ``(1e-3, 1e-5)``, bfloat16 ``(1.6e-2, 1e-5)``, float32 ``(1.3e-6, 1e-5)``,
    float64 ``(1e-7, 1e-7)``; complex dtypes use their real dtype's; integers
    and bool compare exactly ``(0, 0)``.

    Example:
        >>> import tocha
        >>> from tocha.testing import default_tolerances
        >>> default_tolerances(tocha.float32), default_tolerances(tocha.int64, tocha.float16)
        ((1.3e-06, 1e-05), (0.001, 1e-05))
    """
    rtol: float = 0
    atol: float = 0
    for d in dtypes:
        r, a = _TOLERANCES.get(d.name, (0, 0))
        rtol = max(rtol, r)
        atol = max(atol, a)
    return rtol, atol


class _MismatchError(Exception):
    """A failed comparison: the message PyTorch would print (no item path yet)."""


class _Options:
    __slots__ = (
        "allow_subclasses",
        "atol",
        "check_device",
        "check_dtype",
        "check_stride",
        "equal_nan",
        "rtol",
    )

    def __init__(self, **kwargs: Any) -> None:
        for key, value in kwargs.items():
            setattr(self, key, value)

    allow_subclasses: bool
    rtol: float | None
    atol: float | None
    equal_nan: bool
    check_device: bool
    check_dtype: bool
    check_stride: bool


def assert_close(
    actual: Any,
    expected: Any,
    *,
    allow_subclasses: bool = True,
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = False,
    check_device: bool = True,
    check_dtype: bool = True,
    check_layout: bool = True,
    check_stride: bool = False,
    msg: str | Callable[[str], str] | None = None,
) -> None:
    """Assert that ``actual`` and ``expected`` are close, as ``torch.testing.assert_close`` does.

    Accepts tensors, NumPy arrays, Python numbers and (nested) sequences and
    mappings of them. Values match when
    ``|actual - expected| <= atol + rtol * |expected|`` elementwise; without
    ``rtol``/``atol`` the dtype's defaults apply (see :func:`default_tolerances`).
    See NOTE [ assert_close ] for the rules.

    Args:
        actual: the value under test.
        expected: the value it should match.
        allow_subclasses: let a tensor subclass match its base class.
        rtol: relative tolerance; must be given together with ``atol``.
        atol: absolute tolerance; must be given together with ``rtol``.
        equal_nan: treat NaNs in the same places as equal.
        check_device: require the same device (else both are compared on the host).
        check_dtype: require the same dtype (else both are promoted first).
        check_layout: require the same layout (tocha tensors are all strided).
        check_stride: require the same strides.
        msg: replaces the failure message, or a callable that receives it and returns the new one.

    Raises:
        AssertionError: the inputs are not close; the message says where and by how much.
        TypeError: the inputs are of types that cannot be compared with each other.
        ValueError: only one of ``rtol`` and ``atol`` was given.

    Example:
        >>> import tocha
        >>> from tocha.testing import assert_close
        >>> assert_close(tocha.tensor([1.0, 2.0]), tocha.tensor([1.0, 2.0 + 1e-7]))
        >>> assert_close(tocha.tensor([1.0, 2.0]), tocha.tensor([1.0, 2.5]))
        Traceback (most recent call last):
        ...
        AssertionError: Tensor-likes are not close!
        <BLANKLINE>
        Mismatched elements: 1 / 2 (50.0%)
        Greatest absolute difference: 0.5 at index (1,) (up to 1e-05 allowed)
        Greatest relative difference: 0.20000000298023224 at index (1,) (up to 1.3e-06 allowed)
    """
    __tracebackhide__ = True
    if (rtol is None) != (atol is None):
        missing = "atol" if atol is None else "rtol"
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no {missing}.")
    options = _Options(
        allow_subclasses=allow_subclasses,
        rtol=rtol,
        atol=atol,
        equal_nan=equal_nan,
        check_device=check_device,
        check_dtype=check_dtype,
        check_stride=check_stride,
    )
    path: list[str] = []
    try:
        _compare(actual, expected, options, path)
    except _MismatchError as failure:
        message = str(failure)
        if path:
            message += f"\n\nThe failure occurred for item {''.join(path)}"
        if callable(msg):
            message = msg(message)
        elif msg is not None:
            message = msg
        raise AssertionError(message) from None


# ------------------------------------------------------------------ dispatch over input kinds


def _as_number(x: Any) -> Any:
    if isinstance(x, np.generic) and not isinstance(x, np.ndarray):
        return x.item()
    return x


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float, complex)) and not isinstance(x, bool)


def _not_supported(actual: Any, expected: Any) -> TypeError:
    return TypeError(f"No comparison pair was able to handle inputs of type {type(actual)} and {type(expected)}.")


def _compare(actual: Any, expected: Any, options: _Options, path: list[str]) -> None:
    actual, expected = _as_number(actual), _as_number(expected)
    if actual is None or expected is None:
        if actual is not expected:
            raise _MismatchError(f"None mismatch: {actual} is not {expected}")
        return
    if isinstance(actual, bool) and isinstance(expected, bool):
        if actual is not expected:
            raise _MismatchError(f"Booleans mismatch: {actual} is not {expected}")
        return
    if _is_number(actual) and _is_number(expected):
        _compare_numbers(actual, expected, options)
        return
    if isinstance(actual, (TensorBase, np.ndarray)) or isinstance(expected, (TensorBase, np.ndarray)):
        _check_array_types(actual, expected, options)
        _compare_arrays(actual, expected, options)
        return
    if isinstance(actual, (str, bytes)) or isinstance(expected, (str, bytes)):
        raise _not_supported(actual, expected)
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        _compare_mappings(actual, expected, options, path)
        return
    if isinstance(actual, Sequence) and isinstance(expected, Sequence):
        if len(actual) != len(expected):
            raise _MismatchError(f"The length of the sequences mismatch: {len(actual)} != {len(expected)}")
        for i, (a, e) in enumerate(zip(actual, expected, strict=False)):
            path.append(f"[{i}]")
            _compare(a, e, options, path)
            path.pop()
        return
    raise _not_supported(actual, expected)


def _check_array_types(actual: Any, expected: Any, options: _Options) -> None:
    for kind in (TensorBase, np.ndarray):
        if isinstance(actual, kind) and isinstance(expected, kind):
            if options.allow_subclasses or type(actual) is type(expected):
                return
            raise _not_supported(actual, expected)
    raise _not_supported(actual, expected)


def _compare_mappings(
    actual: Mapping[Any, Any], expected: Mapping[Any, Any], options: _Options, path: list[str]
) -> None:
    actual_keys, expected_keys = set(actual), set(expected)
    if actual_keys != expected_keys:
        lines = ["The keys of the mappings do not match:"]
        missing = expected_keys - actual_keys
        extra = actual_keys - expected_keys
        if missing:
            lines.append(f"Missing keys in the actual mapping: {_sorted(missing)}")
        if extra:
            lines.append(f"Additional keys in the actual mapping: {_sorted(extra)}")
        raise _MismatchError("\n".join(lines))
    for key in expected:
        path.append(f"[{key!r}]")
        _compare(actual[key], expected[key], options, path)
        path.pop()


def _sorted(keys: set[Any]) -> list[Any]:
    try:
        return sorted(keys)
    except TypeError:
        return list(keys)


# ------------------------------------------------------------------ numbers


def _number_dtype(x: Any) -> str:
    if isinstance(x, int):
        return "int64"
    return "float64" if isinstance(x, float) else "complex128"


def _compare_numbers(actual: Any, expected: Any, options: _Options) -> None:
    ta, te = type(actual), type(expected)
    related = issubclass(ta, te) or issubclass(te, ta) if options.allow_subclasses else ta is te
    if not related:
        raise _MismatchError(f"The (d)types do not match: {ta} != {te}.")
    rtol, atol = options.rtol, options.atol
    if rtol is None or atol is None:
        rtol, atol = _TOLERANCES.get(_number_dtype(expected), (0, 0))
    if _values_close(actual, expected, rtol, atol, options.equal_nan):
        return
    raise _MismatchError(_scalar_message(actual, expected, rtol, atol))


def _values_close(actual: Any, expected: Any, rtol: float, atol: float, equal_nan: bool) -> bool:
    if actual == expected:
        return True
    if _isnan(actual) or _isnan(expected):
        return equal_nan and _isnan(actual) and _isnan(expected)
    if math.isinf(abs(actual)) or math.isinf(abs(expected)):
        return False
    diff = abs(actual - expected)
    return bool(diff <= atol + rtol * abs(expected))


def _isnan(x: Any) -> bool:
    if isinstance(x, complex):
        return math.isnan(x.real) or math.isnan(x.imag)
    return isinstance(x, float) and math.isnan(x)


def _scalar_message(actual: Any, expected: Any, rtol: float, atol: float) -> str:
    exact = rtol == 0 and atol == 0
    abs_diff = abs(actual - expected)
    denominator = abs(expected)
    if denominator == 0:
        rel_diff: Any = math.nan if abs_diff == 0 or _isnan(abs_diff) else math.inf
    else:
        rel_diff = abs_diff / denominator
    lines = [
        f"Scalars are not {'equal' if exact else 'close'}!",
        "",
        f"Expected {expected} but got {actual}.",
        f"Absolute difference: {abs_diff}" + ("" if exact else f" (up to {atol} allowed)"),
        f"Relative difference: {rel_diff}" + ("" if exact else f" (up to {rtol} allowed)"),
    ]
    return "\n".join(lines)


# ------------------------------------------------------------------ tensors and arrays


def _describe(x: Any) -> tuple[Any, dtype, str, tuple[int, ...]]:
    """(host array, tocha dtype, device name, strides in elements) of a tensor or NumPy array."""
    if isinstance(x, TensorBase):
        host = np.asarray(x)
        return host, x._dtype, str(x._device), tuple(x.stride())
    d = from_numpy_dtype(x.dtype)
    return x, d, "cpu", tuple(s // x.itemsize for s in x.strides) if x.itemsize else x.strides


def _compare_arrays(actual: Any, expected: Any, options: _Options) -> None:
    a, a_dtype, a_device, a_strides = _describe(actual)
    e, e_dtype, e_device, e_strides = _describe(expected)
    _check_attribute("shape", _shape_repr(a.shape), _shape_repr(e.shape), a.shape != e.shape)
    if options.check_stride and a.size > 0:
        _check_attribute("stride()", a_strides, e_strides, a_strides != e_strides)
    if options.check_device:
        _check_attribute("device", a_device, e_device, a_device != e_device)
    if options.check_dtype:
        _check_attribute("dtype", a_dtype, e_dtype, a_dtype is not e_dtype)
    rtol, atol = options.rtol, options.atol
    if rtol is None or atol is None:
        rtol, atol = default_tolerances(a_dtype, e_dtype)
    common = a_dtype if a_dtype is e_dtype else promote_types(a_dtype, e_dtype)
    if a_dtype is not common:
        a = a.astype(common.numpy_dtype)
    if e_dtype is not common:
        e = e.astype(common.numpy_dtype)
    mismatch = _mismatches(a, e, common, rtol, atol, options.equal_nan)
    if not mismatch.any():
        return
    if a.ndim == 0:
        raise _MismatchError(_scalar_message(_item(a, common), _item(e, common), rtol, atol))
    raise _MismatchError(_tensor_message(a, e, common, mismatch, rtol, atol))


def _shape_repr(shape: tuple[int, ...]) -> str:
    return f"tocha.Size({list(shape)})"


def _check_attribute(name: str, actual: Any, expected: Any, differs: bool) -> None:
    if differs:
        raise _MismatchError(f"The values for attribute '{name}' do not match: {actual} != {expected}.")


def _item(x: Any, d: dtype) -> Any:
    value = x.reshape(()).item() if d.name != "bfloat16" else float(x.reshape(()))
    return value


def _mismatches(a: Any, e: Any, d: dtype, rtol: float, atol: float, equal_nan: bool) -> Any:
    if d.category < _FLOAT:
        a64, e64 = a.astype(np.int64), e.astype(np.int64)
        if rtol == 0 and atol == 0:
            return a64 != e64
        return np.abs(a64 - e64) > atol + rtol * np.abs(e64).astype(np.float64)
    wide = np.complex128 if d.category == _COMPLEX else np.float64
    a_, e_ = a.astype(wide), e.astype(wide)
    with np.errstate(invalid="ignore", over="ignore"):
        finite = np.isfinite(a_) & np.isfinite(e_)
        close = (a_ == e_) | (finite & (np.abs(a_ - e_) <= atol + rtol * np.abs(e_)))
    if equal_nan:
        close |= np.isnan(a_) & np.isnan(e_)
    return ~close


def _tensor_message(a: Any, e: Any, d: dtype, mismatch: Any, rtol: float, atol: float) -> str:
    exact = rtol == 0 and atol == 0
    with np.errstate(all="ignore"):
        if d.category < _FLOAT:
            abs_diff = np.abs(a.astype(np.int64) - e.astype(np.int64))
            rel_diff = abs_diff.astype(np.float32) / np.abs(e.astype(np.int64)).astype(np.float32)
        else:
            abs_diff = np.abs(a - e)
            rel_diff = abs_diff / np.abs(e)
    # Only mismatched elements count, as in PyTorch.
    abs_diff = np.where(mismatch, abs_diff, abs_diff.dtype.type(0))
    rel_diff = np.where(mismatch, rel_diff, rel_diff.dtype.type(0))
    count, total = int(mismatch.sum()), int(mismatch.size)
    lines = [
        f"Tensor-likes are not {'equal' if exact else 'close'}!",
        "",
        f"Mismatched elements: {count} / {total} ({count / total:.1%})",
        _greatest("absolute", abs_diff, d, atol, exact),
        _greatest("relative", rel_diff, d, rtol, exact),
    ]
    return "\n".join(lines)


def _greatest(kind: str, diff: Any, d: dtype, tolerance: float, exact: bool) -> str:
    flat = diff.reshape(-1)
    if flat.dtype.kind == "V" or d.name == "bfloat16":
        flat = flat.astype(np.float32)
    i = int(np.argmax(flat))
    value = flat[i].item()
    if d.category < _FLOAT and kind == "absolute":
        value = int(value)
    index = tuple(int(k) for k in np.unravel_index(i, diff.shape))
    line = f"Greatest {kind} difference: {value} at index {index}"
    return line if exact else line + f" (up to {tolerance} allowed)"


_LEGACY_PRECISION = {"float16": (1e-3, 1e-3), "bfloat16": (1.6e-2, 1e-5), "float32": (1e-4, 1e-5),
                     "float64": (1e-5, 1e-8)}  # fmt: skip


def assert_allclose(
    actual: Any, expected: Any, rtol: float | None = None, atol: float | None = None, equal_nan: bool = True,
    msg: str = "",
) -> None:  # fmt: skip
    """Deprecated (``torch.testing.assert_allclose``): :func:`assert_close` without the dtype check, NaNs equal by
    default, and the old default tolerances (float32: ``rtol=1e-4, atol=1e-5``). Warns ``FutureWarning``.

    Example:
        >>> import warnings
        >>> import tocha
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     tocha.testing.assert_allclose(tocha.tensor([1.0]), [1.00001])
    """
    import warnings

    import tocha

    warnings.warn(
        "`tocha.testing.assert_allclose()` is deprecated since 1.12 and will be removed in a future release. "
        "Please use `tocha.testing.assert_close()` instead.",
        FutureWarning,
        stacklevel=2,
    )
    actual_t = actual if isinstance(actual, tocha.Tensor) else tocha.as_tensor(actual)
    expected_t = expected if isinstance(expected, tocha.Tensor) else tocha.as_tensor(expected, dtype=actual_t.dtype)
    if rtol is None and atol is None:
        name = str(tocha.promote_types(actual_t.dtype, expected_t.dtype)).removeprefix("tocha.")
        rtol, atol = _LEGACY_PRECISION.get(name, (0.0, 0.0))
    assert_close(actual_t, expected_t, rtol=rtol, atol=atol, equal_nan=equal_nan, check_device=True,
                 check_dtype=False, check_stride=False, msg=msg or None)  # fmt: skip
