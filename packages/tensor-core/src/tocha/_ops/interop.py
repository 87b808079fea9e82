"""``Tensor.__array_namespace__``: a namespace object for the Python Array API standard.

NOTE [ Array API namespace ]
``Tensor.__array_namespace__`` returns ``tocha.array_api``, the conforming
namespace; :data:`MISSING` lists what it lacks (see ``tocha.array_api.missing``).
The mapping below (``_build``) is the older, minimal one, kept for reference:
it maps the standard's names onto tocha's own functions
(``concat`` → ``cat``, ``permute_dims`` → ``permute``, ``greater`` → ``gt``...)
and translates the standard's keywords where PyTorch's differ (``axis`` →
``dim``, ``keepdims`` → ``keepdim``). It is built on first use from what
tocha provides at that moment, so names whose tocha function does not exist
yet are simply absent (``hasattr(xp, name)`` is False); :data:`MISSING`
lists them. It is not a conformance-tested implementation of the standard:
semantics are tocha's (PyTorch's), e.g. type promotion of Python scalars.
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable
from typing import Any

__all__ = ["array_namespace", "MISSING"]

API_VERSION = "2023.12"

# Standard name -> tocha name, where they differ.
_RENAMES = {
    "concat": "cat",
    "permute_dims": "permute",
    "expand_dims": "unsqueeze",
    "moveaxis": "movedim",
    "broadcast_arrays": "broadcast_tensors",
    "divide": "div",
    "equal": "eq",
    "not_equal": "ne",
    "greater": "gt",
    "greater_equal": "ge",
    "less": "lt",
    "less_equal": "le",
    "bitwise_invert": "bitwise_not",
    "pow": "pow",
}

# Names with the same meaning in tocha.
_SAME = (  # noqa: SIM905  (one readable block of names)
    "bool int8 int16 int32 int64 uint8 float32 float64 complex64 complex128 arange asarray empty "
    "empty_like eye full full_like linspace ones ones_like zeros zeros_like tril triu meshgrid "
    "from_dlpack can_cast finfo iinfo result_type abs acos acosh add asin asinh atan atan2 atanh "
    "bitwise_and bitwise_left_shift bitwise_or bitwise_right_shift bitwise_xor ceil clip conj cos cosh "
    "exp expm1 floor floor_divide hypot imag isfinite isinf isnan log log1p log2 log10 logaddexp "
    "logical_and logical_not logical_or logical_xor maximum minimum multiply negative positive real "
    "remainder round sign signbit sin sinh square sqrt subtract tan tanh trunc broadcast_to flip reshape "
    "roll squeeze stack tile unstack argsort sort nonzero searchsorted where matmul tensordot vecdot "
).split()

# Reductions: the standard's (x, /, *, axis=None, keepdims=False) onto tocha's (input, dim, keepdim).
_REDUCTIONS = ("sum", "prod", "mean", "max", "min", "all", "any", "argmax", "argmin")

MISSING: list[str] = []
"""Standard names the namespace does not provide (filled when it is first built)."""

_namespace: list[types.ModuleType] = []


def _reduction(tocha_fn: Callable[..., Any], name: str) -> Callable[..., Any]:
    def reduce(x: Any, /, *, axis: Any = None, keepdims: bool = False, **kwargs: Any) -> Any:
        if name in ("max", "min") and axis is not None and not isinstance(axis, int):
            return getattr(x, "amax" if name == "max" else "amin")(dim=axis, keepdim=keepdims)
        if axis is None:
            result = tocha_fn(x, **kwargs)
            if keepdims:
                result = result.reshape((1,) * x.ndim)
            return result
        result = tocha_fn(x, dim=axis, keepdim=keepdims, **kwargs)
        return result.values if name in ("max", "min") and hasattr(result, "values") else result

    reduce.__name__ = name
    return reduce


def _statistic(tocha_fn: Callable[..., Any], name: str) -> Callable[..., Any]:
    def statistic(x: Any, /, *, axis: Any = None, correction: float = 0.0, keepdims: bool = False) -> Any:
        return tocha_fn(x, dim=axis, correction=correction, keepdim=keepdims)

    statistic.__name__ = name
    return statistic


def _astype(x: Any, dtype: Any, /, *, copy: bool = True, device: Any = None) -> Any:
    return x.to(device=device, dtype=dtype, copy=copy)


def _matrix_transpose(x: Any, /) -> Any:
    return x.mT


def _isdtype(dtype: Any, kind: Any) -> bool:
    if isinstance(kind, tuple):
        return any(_isdtype(dtype, k) for k in kind)
    if not isinstance(kind, str):
        return bool(dtype is kind)
    name = dtype.name
    kinds = {
        "bool": name == "bool",
        "signed integer": dtype.category == 1 and dtype.is_signed,
        "unsigned integer": dtype.category == 1 and not dtype.is_signed,
        "integral": dtype.category == 1,
        "real floating": dtype.category == 2,
        "complex floating": dtype.category == 3,
        "numeric": name != "bool",
    }
    if kind not in kinds:
        raise ValueError(f"isdtype(): unknown kind '{kind}'")
    return bool(kinds[kind])


def _build() -> types.ModuleType:
    import tocha

    ns = types.ModuleType("tocha.array_api", "The Python Array API namespace of tocha tensors (a minimal mapping).")
    ns.__array_api_version__ = API_VERSION  # type: ignore[attr-defined]
    for const, value in (("e", math.e), ("pi", math.pi), ("inf", math.inf), ("nan", math.nan), ("newaxis", None)):
        setattr(ns, const, value)
    MISSING.clear()
    for name in _SAME:
        if hasattr(tocha, name):
            setattr(ns, name, getattr(tocha, name))
        else:
            MISSING.append(name)
    for name, target in _RENAMES.items():
        if hasattr(tocha, target):
            setattr(ns, name, getattr(tocha, target))
        else:
            MISSING.append(name)
    for name in _REDUCTIONS:
        if hasattr(tocha, name):
            setattr(ns, name, _reduction(getattr(tocha, name), name))
        else:
            MISSING.append(name)
    for name in ("std", "var"):
        if hasattr(tocha, name):
            setattr(ns, name, _statistic(getattr(tocha, name), name))
        else:
            MISSING.append(name)
    if hasattr(tocha, "cumsum"):
        ns.cumulative_sum = lambda x, /, *, axis=None, dtype=None, include_initial=False: tocha.cumsum(  # type: ignore[attr-defined]
            x if axis is not None else x.reshape(-1), dim=0 if axis is None else axis, dtype=dtype
        )
    else:
        MISSING.append("cumulative_sum")
    ns.astype = _astype  # type: ignore[attr-defined]
    ns.matrix_transpose = _matrix_transpose  # type: ignore[attr-defined]
    ns.isdtype = _isdtype  # type: ignore[attr-defined]
    MISSING.extend(["unique_all", "unique_counts", "unique_inverse", "unique_values", "linalg", "fft", "take"])
    return ns


def array_namespace(api_version: str | None = None) -> types.ModuleType:
    """The Array API namespace of tocha tensors: the module ``tocha.array_api``.

    ``api_version`` other than 2021.12, 2022.12 or 2023.12 is refused.

    Example:
        >>> import tocha
        >>> xp = tocha.ones(2).__array_namespace__()
        >>> xp.concat([tocha.ones(1), tocha.zeros(1)])
        tensor([1., 0.])
        >>> xp.__array_api_version__
        '2023.12'
    """
    if api_version is not None and api_version not in ("2021.12", "2022.12", "2023.12"):
        raise ValueError(f"__array_namespace__(): unsupported api_version '{api_version}' (tocha provides 2023.12)")
    if not _namespace:
        from .. import array_api

        MISSING[:] = array_api.missing()
        _namespace.append(array_api)
    return _namespace[0]
