"""``repr(tensor)`` exactly as PyTorch prints it, and the print options.

NOTE [ Tensor printing ]
The layout matches PyTorch's so that doctests and logs read the same:

- One formatter per tensor (two for complex: real and imaginary parts) looks
  at the nonzero finite values that will be shown. Floats whose values are
  all integral print as ``1.``; floats print in scientific notation when the
  largest magnitude over the smallest exceeds 1000, the largest exceeds 1e8,
  or (non-integral values only) the smallest is below 1e-4. Every element is
  right-aligned to the widest one.
- Tensors with more than ``threshold`` elements are summarised: each
  dimension longer than ``2 * edgeitems`` shows its first and last
  ``edgeitems`` entries around ``...``.
- Rows wrap at ``linewidth`` (counting the ``tensor(`` indent); nested
  dimensions are separated by ``dim - 1`` newlines.
- Suffixes (size, dtype, device, grad_fn / requires_grad) follow the values,
  wrapping onto a new line when they would pass ``linewidth``.

Everything is computed on the host NumPy array, so printing runs no tocha op
and dispatch layers never see it.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from ._dtype import bool as bool_
from ._dtype import default_complex_dtype, get_default_dtype, int64

if TYPE_CHECKING:
    from ._tensor import Tensor

__all__ = ["format_tensor", "set_printoptions", "get_printoptions", "printoptions"]


class _PrintOptions:
    __slots__ = ("edgeitems", "linewidth", "precision", "sci_mode", "threshold")

    def __init__(self) -> None:
        self.precision = 4
        self.threshold: float = 1000
        self.edgeitems = 3
        self.linewidth = 80
        self.sci_mode: bool | None = None


_OPTS = _PrintOptions()

_PROFILES: dict[str, tuple[int, float, int, int]] = {
    "default": (4, 1000, 3, 80),
    "short": (2, 1000, 2, 80),
    "full": (4, math.inf, 3, 80),
}


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set how tensors print, as ``torch.set_printoptions`` does.

    Args:
        precision: digits after the decimal point (default 4).
        threshold: element count above which tensors are summarised (default 1000).
        edgeitems: entries shown at each end of a summarised dimension (default 3).
        linewidth: characters per line before wrapping (default 80).
        profile: ``"default"``, ``"short"`` or ``"full"``; applied first, then the other arguments.
        sci_mode: force scientific notation on (True) or off (False); None chooses automatically.
            Like PyTorch, every call sets it (omitting it resets it to None).

    Example:
        >>> import tocha
        >>> tocha.set_printoptions(precision=2)
        >>> tocha.tensor([1.2345, 2.0])
        tensor([1.23, 2.00])
        >>> tocha.set_printoptions(profile="default")
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions(): unknown profile '{profile}' (expected default, short or full)")
        _OPTS.precision, _OPTS.threshold, _OPTS.edgeitems, _OPTS.linewidth = _PROFILES[profile]
    if precision is not None:
        _OPTS.precision = int(precision)
    if threshold is not None:
        _OPTS.threshold = threshold
    if edgeitems is not None:
        _OPTS.edgeitems = int(edgeitems)
    if linewidth is not None:
        _OPTS.linewidth = int(linewidth)
    _OPTS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """The current print options as a dict (the keywords of :func:`set_printoptions`).

    Example:
        >>> import tocha
        >>> tocha.get_printoptions()["precision"]
        4
    """
    return {
        "precision": _OPTS.precision,
        "threshold": _OPTS.threshold,
        "edgeitems": _OPTS.edgeitems,
        "linewidth": _OPTS.linewidth,
        "sci_mode": _OPTS.sci_mode,
    }


@contextlib.contextmanager
def printoptions(**kwargs: Any) -> Iterator[None]:
    """Temporarily change the print options (keywords of :func:`set_printoptions`).

    Example:
        >>> import tocha
        >>> with tocha.printoptions(precision=1):
        ...     print(tocha.tensor([0.25, 1.5]))
        tensor([0.2, 1.5])
    """
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


# ------------------------------------------------------------------ formatting


class _Formatter:
    """Formats the elements of one real (or real/imaginary part of a complex) array at a common width."""

    __slots__ = ("floating", "int_mode", "sci_mode", "width")

    def __init__(self, values: np.ndarray[Any, Any]) -> None:
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        flat = values.reshape(-1)
        if not self.floating:
            if flat.size:
                if flat.dtype.kind == "b":
                    self.width = 5 if not flat.all() else 4
                else:
                    self.width = max(len(str(flat.max())), len(str(flat.min())))
        else:
            self._measure_floats(flat)

    def _measure_floats(self, flat: np.ndarray[Any, Any]) -> None:
        with np.errstate(invalid="ignore"):
            finite = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
        if finite.size == 0:
            return  # nothing to measure; the sci_mode option does not apply either (as in PyTorch)
        magnitudes = np.abs(finite)
        smallest = float(magnitudes.min())
        largest = float(magnitudes.max())
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        if _OPTS.sci_mode is None:
            self.sci_mode = largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
        else:
            self.sci_mode = _OPTS.sci_mode
        # String length grows with magnitude (and exponent size) on each side of zero, so the extremes
        # of each sign bound the widths of every value.
        candidates = [float(finite.max()), float(finite.min())]
        positive, negative = finite[finite > 0], finite[finite < 0]
        if positive.size:
            candidates.append(float(positive.min()))
        if negative.size:
            candidates.append(float(negative.max()))
        if self.sci_mode:
            self.width = max(self.width, *(len(format(v, f".{_OPTS.precision}e")) for v in candidates))
        elif self.int_mode:
            self.width = max(self.width, *(len(f"{v:.0f}") + 1 for v in candidates))
        else:
            self.width = max(self.width, *(len(format(v, f".{_OPTS.precision}f")) for v in candidates))

    def format(self, value: Any) -> str:
        """One element, right-aligned to the common width."""
        if self.floating:
            precision = _OPTS.precision
            if self.sci_mode:
                text = format(value, f"{self.width}.{precision}e")
            elif self.int_mode:
                text = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    text += "."
            else:
                text = format(value, f".{precision}f")
        else:
            text = f"{value}"
        return (self.width - len(text)) * " " + text


def _summarized(values: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The entries a summarised print shows (first and last ``edgeitems`` along each long dimension)."""
    edge = _OPTS.edgeitems
    if values.ndim == 0:
        return values
    if values.ndim > 1 and not edge:
        return values[tuple(slice(0, 0) for _ in range(values.ndim))]
    if values.shape[0] > 2 * edge:
        values = np.concatenate((values[:edge], values[values.shape[0] - edge :]))
    if values.ndim == 1:
        return values
    return np.stack([_summarized(row) for row in values])


def _complex_str(real: str, imag: str) -> str:
    imag = (imag + "j").lstrip()
    if imag[0] in "+-":
        return real + imag
    return real + "+" + imag


class _Printer:
    __slots__ = ("imag", "real", "summarize")

    def __init__(self, summarize: bool, real: _Formatter, imag: _Formatter | None) -> None:
        self.summarize = summarize
        self.real = real
        self.imag = imag

    def element(self, value: Any) -> str:
        if self.imag is None:
            return self.real.format(value)
        return _complex_str(self.real.format(value.real), self.imag.format(value.imag))

    def vector(self, values: np.ndarray[Any, Any], indent: int) -> str:
        edge = _OPTS.edgeitems
        length = self.real.width + 2
        if self.imag is not None:
            length += self.imag.width + 1
        per_line = max(1, math.floor((_OPTS.linewidth - indent) / length))
        if self.summarize and not edge:
            items = ["..."]
        elif self.summarize and values.shape[0] > 2 * edge:
            head = [self.element(v) for v in values[:edge].tolist()]
            tail = [self.element(v) for v in values[values.shape[0] - edge :].tolist()]
            items = [*head, " ...", *tail]
        else:
            items = [self.element(v) for v in values.tolist()]
        lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"

    def nested(self, values: np.ndarray[Any, Any], indent: int) -> str:
        ndim = values.ndim
        if ndim == 0:
            return self.element(values.item())
        if ndim == 1:
            return self.vector(values, indent)
        edge = _OPTS.edgeitems
        size = values.shape[0]
        if self.summarize and size > 2 * edge:
            parts = [
                *(self.nested(values[i], indent + 1) for i in range(edge)),
                "...",
                *(self.nested(values[i], indent + 1) for i in range(size - edge, size)),
            ]
        else:
            parts = [self.nested(values[i], indent + 1) for i in range(size)]
        return "[" + ("," + "\n" * (ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def format_values(host: np.ndarray[Any, Any], indent: int) -> str:
    """The bracketed values of ``host`` (a NumPy array) as PyTorch lays them out after ``indent`` columns."""
    if host.size == 0:
        return "[]"
    if (host.dtype.kind == "f" and host.dtype.itemsize < 4) or host.dtype.kind == "V" or host.dtype.name == "bfloat16":
        host = host.astype(np.float32)
    summarize = host.size > _OPTS.threshold
    shown = _summarized(host) if summarize else host
    if host.dtype.kind == "c":
        printer = _Printer(summarize, _Formatter(shown.real), _Formatter(shown.imag))
    else:
        printer = _Printer(summarize, _Formatter(shown), None)
    return printer.nested(host, indent)


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    parts = [text]
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > _OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def _grad_fn_name(grad_fn: Any) -> str:
    name = getattr(grad_fn, "name", None)
    if callable(name):
        name = name()
    return name if isinstance(name, str) else type(grad_fn).__name__


def format_tensor(t: Tensor) -> str:
    """``tensor([...], dtype=..., requires_grad=True)`` as PyTorch prints it."""
    from ._tensor_base import _host

    cls = type(t)
    plain = cls.__name__ in ("Tensor", "Parameter") and cls.__module__.startswith("tocha")
    prefix = "tensor(" if plain else f"{cls.__name__}("
    indent = len(prefix)
    d = t._dtype
    suffixes: list[str] = []
    if t._device.type != "cpu":
        suffixes.append(f"device='{t._device}'")
    host = _host(t)
    if host.size == 0:
        if host.ndim != 1:
            suffixes.append(f"size={tuple(host.shape)}")
        if d is not get_default_dtype():
            suffixes.append(f"dtype={d!r}")
        body = "[]"
    else:
        if not _OPTS.edgeitems:
            suffixes.append(f"size={tuple(host.shape)}")
        if d not in (get_default_dtype(), default_complex_dtype(), int64, bool_):
            suffixes.append(f"dtype={d!r}")
        body = format_values(host, indent)
    if t._grad_fn is not None:
        suffixes.append(f"grad_fn=<{_grad_fn_name(t._grad_fn)}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
