"""Reductions and scans: the public names, ``tocha.return_types`` and the Tensor methods.

The ops live in ``reduction_core`` (sum, mean, prod, max/min, arg*, all/any
and the private primitives vjps share), ``reduction_stats`` (std/var, norm,
logsumexp, median, mode, quantile) and ``reduction_cum`` (scans).
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _dispatch
from .._device import CPU
from .._dtype import _BOOL, _INT, ALL_DTYPES, dtype, int64
from .._tensor_base import wrap
from . import reduction_types as return_types
from ._common import type_name
from ._grad_utils import reduce_to_shape
from .reduction_core import (
    DimArg,
    all,
    amax,
    amin,
    aminmax,
    any,
    argmax,
    argmin,
    count_nonzero,
    hash_tensor,
    max,
    mean,
    min,
    nanmean,
    nansum,
    prod,
    sum,
)
from .reduction_cum import cummax, cummin, cumprod, cumsum, logcumsumexp
from .reduction_stats import (
    logsumexp,
    median,
    mode,
    nanmedian,
    nanquantile,
    norm,
    quantile,
    std,
    std_mean,
    var,
    var_mean,
)

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = [
    "all",
    "amax",
    "amin",
    "aminmax",
    "any",
    "argmax",
    "argmin",
    "count_nonzero",
    "cummax",
    "cummin",
    "cumprod",
    "cumsum",
    "hash_tensor",
    "logcumsumexp",
    "logsumexp",
    "max",
    "mean",
    "median",
    "min",
    "mode",
    "nanmean",
    "nanmedian",
    "nanquantile",
    "nansum",
    "norm",
    "prod",
    "quantile",
    "return_types",
    "std",
    "std_mean",
    "sum",
    "var",
    "var_mean",
]

_layers = _dispatch._layers


_add_reduce: Any = np.add.reduce
_empty = np.empty
# dtype -> accumulator and result NumPy dtype for Tensor.sum()'s fast path (half types excluded).
_FAST_SUM = {d: (int64 if d.category <= _INT else d).numpy_dtype
             for d in ALL_DTYPES if d.itemsize != 2 or d.category == _INT}  # fmt: skip


def sum_to_size(input: Tensor, *size: Any) -> Tensor:
    """``input`` summed down to ``size`` (which must expand to ``input``'s shape), as gradients of broadcasts are.

    Example:
        >>> import tocha
        >>> tocha.ones(2, 3).sum_to_size(1, 3)
        tensor([[2., 2., 2.]])
    """
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    target = tuple(int(s) for s in size)
    shape = tuple(input._data.shape)
    lead = len(shape) - len(target)
    if lead < 0 or any_bad(shape[lead:], target):
        raise RuntimeError(f"size {list(target)} is not expandable to size {list(shape)}.")
    return reduce_to_shape(input, target)


def any_bad(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    """Whether ``target`` cannot expand to ``shape`` (dim by dim)."""
    return builtins.any(t != s and t != 1 for s, t in zip(shape, target, strict=True))


def _cumulative_inplace(target: Tensor, name: str, dim: int, dtype_: dtype | None) -> Tensor:
    """``target.cumsum_`` / ``cumprod_``: the scan in ``target``'s own dtype, copied back into it."""
    own = target._dtype
    if dtype_ is not None and dtype_ is not own:
        raise RuntimeError(
            f"{name}_(): Bad in-place call: input tensor dtype {type_name(own)} and output tensor dtype "
            f"{type_name(dtype_)} should match"
        )
    if own.category == _BOOL:
        raise NotImplementedError(f"\"{name}_\" not implemented for 'Bool'")
    scan = cumsum if name == "cumsum" else cumprod
    return target.copy_(scan(target, dim, dtype=own))  # type: ignore[attr-defined,no-any-return]


class ReductionMethods:
    """Reduction and scan Tensor methods (``x.sum(1)``, ``x.max(dim=0)``, ``x.std()``...)."""

    __slots__ = ()

    def sum(self: Any, dim: DimArg = None, keepdim: bool = False, *, dtype: dtype | None = None) -> Tensor:
        """See :func:`tocha.sum`."""
        if dim is None and dtype is None and not keepdim and not _layers and not self._requires_grad:
            # The hot path of NOTE [ Reduction axes ]: what call(SUM, ...) would do, inlined.
            found = _FAST_SUM.get(self._dtype)
            if found is not None and self._device is CPU:
                if self._dtype.category <= _INT:  # integers and bools: no floating-point flags to silence
                    return wrap(_add_reduce(self._data, None, found, _empty((), found)), CPU)
                run = _dispatch._state.quiet_run  # inf + -inf: NaN without NumPy's warning (fp_errors)
                return wrap(run(_add_reduce, self._data, None, found, _empty((), found)), CPU)
        return sum(self, dim, keepdim, dtype=dtype)

    def mean(self: Any, dim: DimArg = None, keepdim: bool = False, *, dtype: dtype | None = None) -> Tensor:
        """See :func:`tocha.mean`."""
        return mean(self, dim, keepdim, dtype=dtype)

    def nansum(self: Any, dim: DimArg = None, keepdim: bool = False, *, dtype: dtype | None = None) -> Tensor:
        """See :func:`tocha.nansum`."""
        return nansum(self, dim, keepdim, dtype=dtype)

    def nanmean(self: Any, dim: DimArg = None, keepdim: bool = False, *, dtype: dtype | None = None) -> Tensor:
        """See :func:`tocha.nanmean`."""
        return nanmean(self, dim, keepdim, dtype=dtype)

    def prod(self: Any, dim: int | None = None, keepdim: bool = False, *, dtype: dtype | None = None) -> Tensor:
        """See :func:`tocha.prod`."""
        return prod(self, dim, keepdim, dtype=dtype)

    def max(self: Any, dim: Any = None, keepdim: bool = False) -> Any:
        """See :func:`tocha.max`."""
        return max(self, dim, keepdim)

    def min(self: Any, dim: Any = None, keepdim: bool = False) -> Any:
        """See :func:`tocha.min`."""
        return min(self, dim, keepdim)

    def amax(self: Any, dim: DimArg = (), keepdim: bool = False) -> Tensor:
        """See :func:`tocha.amax`."""
        return amax(self, dim, keepdim)

    def amin(self: Any, dim: DimArg = (), keepdim: bool = False) -> Tensor:
        """See :func:`tocha.amin`."""
        return amin(self, dim, keepdim)

    def aminmax(self: Any, *, dim: int | None = None, keepdim: bool = False) -> Any:
        """See :func:`tocha.aminmax`."""
        return aminmax(self, dim=dim, keepdim=keepdim)

    def argmax(self: Any, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """See :func:`tocha.argmax`."""
        return argmax(self, dim, keepdim)

    def argmin(self: Any, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """See :func:`tocha.argmin`."""
        return argmin(self, dim, keepdim)

    def std(
        self: Any,
        dim: Any = None,
        unbiased: bool | None = None,
        keepdim: bool = False,
        *,
        correction: float | None = None,
    ) -> Tensor:
        """See :func:`tocha.std`."""
        return std(self, dim, unbiased, keepdim, correction=correction)

    def var(
        self: Any,
        dim: Any = None,
        unbiased: bool | None = None,
        keepdim: bool = False,
        *,
        correction: float | None = None,
    ) -> Tensor:
        """See :func:`tocha.var`."""
        return var(self, dim, unbiased, keepdim, correction=correction)

    def norm(
        self: Any, p: Any = "fro", dim: DimArg = None, keepdim: bool = False, dtype: dtype | None = None
    ) -> Tensor:
        """See :func:`tocha.norm`."""
        return norm(self, p, dim, keepdim, dtype)

    def logsumexp(self: Any, dim: DimArg = (), keepdim: bool = False) -> Tensor:
        """See :func:`tocha.logsumexp`."""
        return logsumexp(self, dim, keepdim)

    def all(self: Any, dim: DimArg = None, keepdim: bool = False) -> Tensor:
        """See :func:`tocha.all`."""
        return all(self, dim, keepdim)

    def any(self: Any, dim: DimArg = None, keepdim: bool = False) -> Tensor:
        """See :func:`tocha.any`."""
        return any(self, dim, keepdim)

    def count_nonzero(self: Any, dim: DimArg = None) -> Tensor:
        """See :func:`tocha.count_nonzero`."""
        return count_nonzero(self, dim)

    def hash_tensor(self: Any, dim: DimArg = None, *, keepdim: bool = False, mode: int = 0) -> Tensor:
        """See :func:`tocha.hash_tensor`."""
        return hash_tensor(self, dim, keepdim=keepdim, mode=mode)

    def cumsum(self: Any, dim: int, *, dtype: dtype | None = None) -> Tensor:
        """See :func:`tocha.cumsum`."""
        return cumsum(self, dim, dtype=dtype)

    def cumprod(self: Any, dim: int, *, dtype: dtype | None = None) -> Tensor:
        """See :func:`tocha.cumprod`."""
        return cumprod(self, dim, dtype=dtype)

    def cumsum_(self: Any, dim: int, *, dtype: dtype | None = None) -> Tensor:
        """In-place :meth:`cumsum`: running sums along ``dim`` written into this tensor, in its own dtype.

        Raises:
            RuntimeError: ``dtype`` given and not this tensor's dtype.
            NotImplementedError: a bool tensor.

        Example:
            >>> import tocha
            >>> tocha.tensor([1, 2, 3]).cumsum_(0)
            tensor([1, 3, 6])
        """
        return _cumulative_inplace(self, "cumsum", dim, dtype)

    def cumprod_(self: Any, dim: int, *, dtype: dtype | None = None) -> Tensor:
        """In-place :meth:`cumprod`: running products along ``dim`` written into this tensor, in its own dtype.

        Raises:
            RuntimeError: ``dtype`` given and not this tensor's dtype.
            NotImplementedError: a bool tensor.

        Example:
            >>> import tocha
            >>> tocha.tensor([1.0, 2.0, 3.0]).cumprod_(0)
            tensor([1., 2., 6.])
        """
        return _cumulative_inplace(self, "cumprod", dim, dtype)

    def cummax(self: Any, dim: int) -> Any:
        """See :func:`tocha.cummax`."""
        return cummax(self, dim)

    def cummin(self: Any, dim: int) -> Any:
        """See :func:`tocha.cummin`."""
        return cummin(self, dim)

    def logcumsumexp(self: Any, dim: int) -> Tensor:
        """See :func:`tocha.logcumsumexp`."""
        return logcumsumexp(self, dim)

    def median(self: Any, dim: int | None = None, keepdim: bool = False) -> Any:
        """See :func:`tocha.median`."""
        return median(self, dim, keepdim)

    def nanmedian(self: Any, dim: int | None = None, keepdim: bool = False) -> Any:
        """See :func:`tocha.nanmedian`."""
        return nanmedian(self, dim, keepdim)

    def mode(self: Any, dim: int = -1, keepdim: bool = False) -> Any:
        """See :func:`tocha.mode`."""
        return mode(self, dim, keepdim)

    def quantile(
        self: Any, q: Any, dim: int | None = None, keepdim: bool = False, *, interpolation: str = "linear"
    ) -> Tensor:
        """See :func:`tocha.quantile`."""
        return quantile(self, q, dim, keepdim, interpolation=interpolation)

    def nanquantile(
        self: Any, q: Any, dim: int | None = None, keepdim: bool = False, *, interpolation: str = "linear"
    ) -> Tensor:
        """See :func:`tocha.nanquantile`."""
        return nanquantile(self, q, dim, keepdim, interpolation=interpolation)

    def sum_to_size(self: Any, *size: Any) -> Tensor:
        """See :func:`sum_to_size`: this tensor summed down to ``size``."""
        return sum_to_size(self, *size)
