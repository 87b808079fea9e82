"""Sparse COO tensors: ``tocha.sparse_coo_tensor``, ``Tensor.to_sparse`` and the ops PyTorch users run on them.

NOTE [ Sparse COO tensors ]
A sparse tensor is a ``Tensor`` (``isinstance`` holds, ``layout`` is ``tocha.sparse_coo``) made of two dense
tensors: ``indices``, int64 of shape ``(sparse_dim, nnz)``, and ``values``, of shape ``(nnz, *dense_dims)``
(a hybrid tensor when ``dense_dims`` is not empty). Every sparse op is written with dense tocha ops on those two,
so autograd needs nothing of its own: a sparse tensor's ``requires_grad``, ``grad_fn`` and ``is_leaf`` are its
values', and its ``grad`` is the values' gradient under the same indices, as PyTorch's coalesced sparse gradient.

Its ``_data`` is no array but a placeholder that knows the shape and dtype (so ``shape``, ``dim()``,
``numel()`` and ``dtype`` work) and refuses everything else. A dense kernel that reaches it stops there, and the
dispatcher hands the call to :func:`run_op` (no cost on the dense path: it is an ``except`` clause), which runs
what PyTorch runs on sparse tensors:
- element-wise ops of one sparse tensor and numbers that map zero to zero (``abs``, ``sin``, ``neg``, ``x * 2``,
  ``x / 3``, ``x ** 2``, ``relu``...), on the values, keeping the indices; ops that do not (``exp``, ``x + 1``)
  raise PyTorch's NotImplementedError / RuntimeError;
- ``sparse + sparse`` and ``sparse - sparse`` (concatenated, then coalesced), ``dense + sparse`` (dense),
  ``sparse * sparse`` (the product where both hold an entry).
Matrix products, sums, softmaxes, transposes and conversions are methods here and functions in
``tocha.sparse``. Unlike PyTorch, indices are checked against the size on construction (PyTorch checks only
with ``check_invariants=True``). CSR/CSC/BSR layouts are not provided.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import _layout
from ._dispatch import OpRecord, quiet_call
from ._layout import SparseLayoutError
from ._tensor import Tensor

__all__ = [
    "SparseCooTensor",
    "SparseLayoutError",
    "run_inplace",
    "run_op",
    "sparse_coo_tensor",
    "sparse_mask",
    "to_sparse",
]

_new = object.__new__


class _NoDenseArray:
    """A sparse tensor's ``_data``: its shape and dtype, and nothing a dense kernel could compute with."""

    __slots__ = ("dtype", "ndim", "shape", "size")

    def __init__(self, shape: tuple[int, ...], dtype: Any) -> None:
        self.shape = shape
        self.dtype = dtype
        self.ndim = len(shape)
        self.size = math.prod(shape)

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise SparseLayoutError(
            "this operation has no sparse COO implementation: call .to_dense() first (NOTE [ Sparse COO tensors ])"
        )

    __array__ = __array_ufunc__ = __array_function__ = __getitem__ = __setitem__ = __iter__ = _refuse
    __float__ = __int__ = __bool__ = __index__ = _refuse

    def __getattr__(self, name: str) -> Any:
        self._refuse()


class _SparseConversions:
    """Sparse tensors' dtype conversions, through :meth:`SparseCooTensor.to` (a mixin, so that the class body of
    :class:`SparseCooTensor` keeps the builtin ``bool``, ``int`` and ``float`` names)."""

    __slots__ = ()
    _values_t: Tensor

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        raise NotImplementedError

    def float(self) -> Tensor:
        """Values converted to float32."""
        return self.to(self._values_t.float().dtype)

    def double(self) -> Tensor:
        """Values converted to float64."""
        return self.to(self._values_t.double().dtype)

    def half(self) -> Tensor:
        """Values converted to float16."""
        return self.to(self._values_t.half().dtype)

    def bfloat16(self) -> Tensor:
        """Values converted to bfloat16."""
        return self.to(self._values_t.bfloat16().dtype)

    def int(self) -> Tensor:
        """Values converted to int32."""
        return self.to(self._values_t.int().dtype)

    def long(self) -> Tensor:
        """Values converted to int64."""
        return self.to(self._values_t.long().dtype)

    def bool(self) -> Tensor:
        """Values converted to bool."""
        return self.to(self._values_t.bool().dtype)


class SparseCooTensor(_SparseConversions, Tensor):
    """A sparse tensor in the COO layout (NOTE [ Sparse COO tensors ]); made by :func:`tocha.sparse_coo_tensor` or
    :meth:`Tensor.to_sparse`.

    Example:
        >>> import tocha
        >>> s = tocha.sparse_coo_tensor([[0, 1], [2, 0]], [3.0, 4.0], (2, 3))
        >>> s.to_dense()
        tensor([[0., 0., 3.],
                [4., 0., 0.]])
    """

    __slots__ = ()
    _indices_t: Tensor
    _values_t: Tensor
    _coalesced_flag: bool

    # ------------------------------------------------------------ metadata

    @property
    def layout(self) -> Any:
        """``tocha.sparse_coo``."""
        return _layout.sparse_coo

    @property
    def is_sparse(self) -> bool:  # type: ignore[override]
        """True: this tensor is sparse COO."""
        return True

    def sparse_dim(self) -> int:
        """The number of sparse dimensions (the rows of ``indices``)."""
        return int(self._indices_t.shape[0])

    def dense_dim(self) -> int:
        """The number of dense dimensions (those of each value)."""
        return self._values_t.dim() - 1

    def _nnz(self) -> int:
        """The number of stored entries (duplicates included until :meth:`coalesce`)."""
        return int(self._values_t.shape[0])

    def is_coalesced(self) -> bool:
        """Whether the indices are sorted and unique."""
        return self._coalesced_flag

    def _indices(self) -> Tensor:
        """The indices, coalesced or not."""
        return self._indices_t

    def _values(self) -> Tensor:
        """The values, coalesced or not."""
        return self._values_t

    def indices(self) -> Tensor:
        """The ``(sparse_dim, nnz)`` int64 indices of a coalesced tensor.

        Raises:
            RuntimeError: the tensor is not coalesced.
        """
        if not self._coalesced_flag:
            raise RuntimeError("Cannot get indices on an uncoalesced tensor, please call .coalesce() first")
        return self._indices_t

    def values(self) -> Tensor:
        """The ``(nnz, *dense_dims)`` values of a coalesced tensor.

        Raises:
            RuntimeError: the tensor is not coalesced.
        """
        if not self._coalesced_flag:
            raise RuntimeError("Cannot get values on an uncoalesced tensor, please call .coalesce() first")
        return self._values_t

    def is_contiguous(self, memory_format: Any = None) -> bool:
        """Sparse tensors have no strides: PyTorch's error."""
        raise RuntimeError("Tensors of type SparseTensorImpl do not have is_contiguous")

    def stride(self, dim: int | None = None) -> Any:
        """Sparse tensors have no strides: PyTorch's error."""
        raise RuntimeError("Tensors of type SparseTensorImpl do not have strides")

    # ------------------------------------------------------------ autograd, through the values

    @property
    def requires_grad(self) -> bool:  # type: ignore[override]
        """The values' ``requires_grad``."""
        return self._values_t.requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self._values_t.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Make the values require grad (a sparse leaf's gradient is sparse); returns this tensor."""
        self._values_t.requires_grad_(requires_grad)
        return self

    @property
    def grad(self) -> Tensor | None:  # type: ignore[override]
        """The values' gradient under this tensor's indices, or None."""
        grad = self._values_t.grad
        return None if grad is None else _make(self._indices_t, grad, tuple(self.shape), self._coalesced_flag)

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is None:
            self._values_t.grad = None
            return
        if not isinstance(value, SparseCooTensor):
            value = to_sparse(value, self.sparse_dim())
        aligned = _values_at(value, self._indices_t)
        self._values_t.grad = aligned

    @property
    def grad_fn(self) -> Any:
        """The values' ``grad_fn``."""
        return self._values_t.grad_fn

    @property
    def is_leaf(self) -> bool:
        """Whether the values are a leaf."""
        return self._values_t.is_leaf

    def backward(self, gradient: Any = None, *args: Any, **kwargs: Any) -> None:
        """Backpropagate from this tensor: ``gradient`` (sparse or dense, of this shape) is required."""
        if gradient is None:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        if not isinstance(gradient, SparseCooTensor):
            gradient = to_sparse(gradient, self.sparse_dim())
        self._values_t.backward(_values_at(gradient, self._indices_t), *args, **kwargs)

    def detach(self) -> Tensor:
        """The same indices and values, cut from autograd history."""
        return _make(self._indices_t, self._values_t.detach(), tuple(self.shape), self._coalesced_flag)

    # ------------------------------------------------------------ conversions

    def coalesce(self) -> Tensor:
        """Sorted, unique indices; the values of repeated indices summed (differentiably).

        Example:
            >>> import tocha
            >>> tocha.sparse_coo_tensor([[1, 0, 1]], [1.0, 2.0, 3.0]).coalesce().values()
            tensor([2., 4.])
        """
        if self._coalesced_flag:
            return self
        return _coalesced(self._indices_t, self._values_t, tuple(self.shape))

    def to_dense(self, dtype: Any = None, *, masked_grad: bool | None = None) -> Tensor:
        """The dense tensor (zeros where nothing is stored; repeated indices add up), differentiable in the values.

        Example:
            >>> import tocha
            >>> tocha.sparse_coo_tensor([[0, 2]], [5.0, 6.0], (4,)).to_dense()
            tensor([5., 0., 6., 0.])
        """
        import tocha

        values = self._values_t if dtype is None else self._values_t.to(dtype)
        dense = tocha.zeros(tuple(self.shape), dtype=values.dtype, device=values.device)
        if self._nnz() == 0:
            return dense
        return dense.index_put(tuple(self._indices_t), values, accumulate=True)  # type: ignore[no-any-return]

    def to_sparse(self, sparse_dim: int | None = None) -> Tensor:
        """This tensor (already sparse COO; ``sparse_dim`` must then be its own)."""
        if sparse_dim is not None and sparse_dim != self.sparse_dim():
            raise RuntimeError(
                "to_sparse: conversion from Sparse to Sparse with sparse_dim argument !=self.sparse_dim() is "
                "not supported"
            )
        return self

    to_sparse_coo = to_sparse

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """Move or convert the values (and move the indices along), as ``Tensor.to``."""
        values = self._values_t.to(*args, **kwargs)
        if values is self._values_t:
            return self
        indices = self._indices_t.to(values.device)
        return _make(indices, values, tuple(self.shape), self._coalesced_flag)

    def cpu(self) -> Tensor:
        """On the CPU."""
        return self.to("cpu")

    def cuda(self, device: Any = None, non_blocking: bool = False) -> Tensor:
        """On a CUDA device."""
        return self.to("cuda" if device is None else device, non_blocking=non_blocking)

    def clone(self, *, memory_format: Any = None) -> Tensor:
        """A copy of the indices and values (differentiable in the values)."""
        return _make(self._indices_t.clone(), self._values_t.clone(), tuple(self.shape), self._coalesced_flag)

    def type(self, dtype: Any = None, non_blocking: bool = False, **kwargs: Any) -> Any:
        """The type name, or a conversion to ``dtype``."""
        if dtype is None:
            return "tocha.sparse." + Tensor.type(self._values_t).split(".")[-1]
        return self.to(dtype)

    # ------------------------------------------------------------ in place: the result's indices and values adopted

    def _adopt(self, op: str, result: Tensor) -> Tensor:
        import tocha

        if not isinstance(result, SparseCooTensor):
            raise RuntimeError(f"{op}: the result of a sparse tensor's in-place op must be sparse")
        values = result._values_t
        if values.dtype is not self.dtype:
            if not tocha.can_cast(values.dtype, self.dtype):
                raise RuntimeError(
                    f"result type {Tensor.type(values).split('.')[-1].replace('Tensor', '')} can't be cast to the "
                    f"desired output type {Tensor.type(self._values_t).split('.')[-1].replace('Tensor', '')}"
                )
            values = values.to(self.dtype)
        self._indices_t, self._values_t, self._coalesced_flag = result._indices_t, values, result._coalesced_flag
        self._version += 1
        return self

    def mul_(self, other: Any) -> Tensor:  # type: ignore[override]
        """Multiply in place by a number or a sparse tensor."""
        return self._adopt("mul_", self * other)

    def div_(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:  # type: ignore[override]
        """Divide in place by a number."""
        return self._adopt("div_", self.div(other, rounding_mode=rounding_mode))

    def neg_(self) -> Tensor:
        """Negate in place."""
        return self._adopt("neg_", -self)

    def add_(self, other: Any, *, alpha: Any = 1) -> Tensor:  # type: ignore[override]
        """Add a sparse tensor (times ``alpha``) in place."""
        return self._adopt("add_", self + (other if alpha == 1 else other * alpha))

    def sub_(self, other: Any, *, alpha: Any = 1) -> Tensor:  # type: ignore[override]
        """Subtract a sparse tensor (times ``alpha``) in place."""
        return self._adopt("sub_", self - (other if alpha == 1 else other * alpha))

    def zero_(self) -> Tensor:
        """Store nothing (nnz 0), in place."""
        import tocha

        empty_indices = tocha.zeros((self.sparse_dim(), 0), dtype=tocha.int64, device=self.device)
        empty_values = self._values_t.detach()[:0].clone()
        return self._adopt("zero_", _make(empty_indices, empty_values, tuple(self.shape), True))

    # ------------------------------------------------------------ shape

    def t(self) -> Tensor:
        """The transpose of a 2-D tensor (its two sparse dims swapped)."""
        if self.dim() > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.dim()}D")
        return self.transpose(0, 1) if self.dim() == 2 else self

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """Two sparse dims swapped (indices rows exchanged)."""
        ndim = self.dim()
        d0, d1 = (d + ndim if d < 0 else d for d in (dim0, dim1))
        sparse = self.sparse_dim()
        if d0 >= sparse or d1 >= sparse:
            raise RuntimeError("transpose: sparse tensors can only swap two sparse dimensions")
        order = list(range(sparse))
        order[d0], order[d1] = order[d1], order[d0]
        shape = list(self.shape)
        shape[d0], shape[d1] = shape[d1], shape[d0]
        return _make(self._indices_t[order], self._values_t, tuple(shape), d0 == d1 and self._coalesced_flag)

    # ------------------------------------------------------------ products and reductions

    def mm(self, mat2: Tensor) -> Tensor:
        """``self @ mat2`` for a 2-D sparse ``self`` and a dense matrix (dense result)."""
        return sparse_mm(self, mat2)

    def matmul(self, other: Tensor) -> Tensor:
        """``self @ other``: :meth:`mm`, or a sparse-times-vector product."""
        return sparse_mm(self, other)

    def __matmul__(self, other: Any) -> Tensor:
        return sparse_mm(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return dense_mm_sparse(other, self)

    def sum(self, dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:  # type: ignore[override]
        """The sum of all values (dense 0-dim), or over ``dim`` (see :func:`tocha.sparse.sum`)."""
        return sparse_sum(self, dim, dtype=dtype)

    # ------------------------------------------------------------ what a sparse tensor has not (PyTorch's errors)

    @property
    def data(self) -> Tensor:  # type: ignore[override]
        """The same tensor, cut from autograd history."""
        return self.detach()

    @data.setter
    def data(self, value: Tensor) -> None:
        raise RuntimeError("setting .data of a sparse tensor is not supported")

    def numpy(self, *, force: Any = False) -> Any:
        """Sparse tensors have no NumPy form: PyTorch's TypeError."""
        raise TypeError("can't convert Sparse layout tensor to numpy. Use Tensor.to_dense() first.")

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        raise TypeError("can't convert Sparse layout tensor to numpy. Use Tensor.to_dense() first.")

    def tolist(self) -> Any:
        """Sparse tensors have no storage to read: PyTorch's RuntimeError."""
        raise RuntimeError("Cannot access data pointer of Tensor that doesn't have storage")

    def data_ptr(self) -> int:
        """Sparse tensors have no storage: PyTorch's RuntimeError."""
        raise RuntimeError("Cannot access data pointer of Tensor that doesn't have storage")

    def item(self) -> Any:
        """The one stored number of a one-element tensor (0 when nothing is stored)."""
        if self.numel() != 1:
            raise RuntimeError(f"a Tensor with {self.numel()} elements cannot be converted to Scalar")
        return self.to_dense().item()

    def __bool__(self) -> bool:
        if self.numel() != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __dlpack__(self, *args: Any, **kwargs: Any) -> Any:
        raise BufferError("Can't export tensors with layout other than tocha.strided")

    def __repr__(self) -> str:
        return _format(self)

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (_rebuild, (self._indices_t, self._values_t, tuple(self.shape), self._coalesced_flag))


def _rebuild(indices: Tensor, values: Tensor, shape: tuple[int, ...], coalesced: bool) -> Tensor:
    return _make(indices, values, shape, coalesced)


def _make(indices: Tensor, values: Tensor, shape: tuple[int, ...], coalesced: bool) -> SparseCooTensor:
    t: SparseCooTensor = _new(SparseCooTensor)
    t._data = _NoDenseArray(tuple(int(n) for n in shape), values._data.dtype)
    t._dtype = values._dtype
    t._device = values._device
    t._base = None
    t._version = 0
    t._requires_grad = False  # the values' flag is the one that counts (NOTE [ Sparse COO tensors ])
    t._grad = None
    t._grad_fn = None
    t._autograd_meta = None
    t._indices_t = indices
    t._values_t = values
    t._coalesced_flag = bool(coalesced)
    return t


def _linear(indices: np.ndarray, sizes: Sequence[int]) -> np.ndarray:
    """Each column of ``indices`` as one int64 position in a row-major array of ``sizes``."""
    if not len(sizes):
        return np.zeros(indices.shape[1], dtype=np.int64)
    return np.ravel_multi_index(tuple(indices), tuple(sizes)).astype(np.int64)  # type: ignore[no-any-return]


def _host(t: Tensor) -> np.ndarray:
    return np.asarray(t.detach().cpu().numpy())


def _coalesced(indices: Tensor, values: Tensor, shape: tuple[int, ...]) -> SparseCooTensor:
    import tocha

    sparse_dim = int(indices.shape[0])
    linear = _linear(_host(indices), shape[:sparse_dim])
    unique, inverse = np.unique(linear, return_inverse=True)
    where = tocha.from_numpy(np.asarray(inverse, dtype=np.int64).reshape(-1)).to(values.device)
    summed = tocha.zeros((len(unique), *values.shape[1:]), dtype=values.dtype, device=values.device)
    summed = summed.index_add(0, where, values)
    rows = np.stack(np.unravel_index(unique, shape[:sparse_dim])) if sparse_dim else np.zeros((0, len(unique)))
    new_indices = tocha.from_numpy(np.asarray(rows, dtype=np.int64).reshape(sparse_dim, -1)).to(indices.device)
    return _make(new_indices, summed, shape, True)


def _find_columns(coalesced: Tensor, wanted: Tensor, sizes: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """For each column of ``wanted``: whether the sorted, unique columns of ``coalesced`` hold it, and where."""
    known = _linear(_host(coalesced), sizes)
    targets = _linear(_host(wanted), sizes)
    position = np.searchsorted(known, targets)
    if not len(known):
        return np.zeros(len(targets), dtype=bool), position
    return (position < len(known)) & (known[np.minimum(position, len(known) - 1)] == targets), position


def _values_at(sparse: Tensor, indices: Tensor) -> Tensor:
    """``sparse``'s values at the columns of ``indices`` (zeros where it stores nothing)."""
    import tocha

    target = tuple(sparse.shape)
    source = sparse.coalesce()  # type: ignore[attr-defined]
    assert isinstance(source, SparseCooTensor)
    found, position = _find_columns(source._indices_t, indices, target[: source.sparse_dim()])
    values = source._values_t
    picked = values[tocha.from_numpy(np.where(found, position, 0).astype(np.int64)).to(values.device)]
    mask = tocha.from_numpy(found).to(values.device).reshape(-1, *([1] * (values.dim() - 1)))
    return tocha.where(mask, picked, tocha.zeros((), dtype=values.dtype, device=values.device))


# ------------------------------------------------------------------ construction


def sparse_coo_tensor(
    indices: Any,
    values: Any,
    size: Sequence[int] | None = None,
    *,
    dtype: Any = None,
    device: Any = None,
    pin_memory: bool = False,
    requires_grad: bool = False,
    check_invariants: bool | None = None,
    is_coalesced: bool | None = None,
) -> Tensor:
    """A sparse COO tensor with ``values`` at ``indices`` (``(sparse_dim, nnz)`` ints); ``size`` defaults to the
    smallest that holds every index (NOTE [ Sparse COO tensors ]).

    Raises:
        RuntimeError: indices that are not a 2-D integer tensor, a count mismatch between indices and values, a
            size of the wrong length, or an index outside ``size``.

    Example:
        >>> import tocha
        >>> s = tocha.sparse_coo_tensor([[0, 1, 1], [2, 0, 2]], [3.0, 4.0, 5.0], (2, 3))
        >>> s.is_sparse, s._nnz(), s.to_dense().tolist()
        (True, 3, [[0.0, 0.0, 3.0], [4.0, 0.0, 5.0]])
    """
    import tocha

    index = indices if isinstance(indices, Tensor) else tocha.tensor(indices)
    value = values if isinstance(values, Tensor) else tocha.tensor(values, dtype=dtype)
    if dtype is not None:
        value = value.to(dtype)
    if device is not None:
        value = value.to(device)
    index = index.to(value.device)
    if index.dtype.is_floating_point or index.dtype.is_complex or index.dtype == tocha.bool:
        raise RuntimeError(f"indices must be an int64 tensor, got {index.dtype}")
    index = index.long()
    if index.dim() != 2:
        raise RuntimeError(f"indices must be sparse_dim x nnz, but got: {list(index.shape)}")
    sparse_dim, nnz = int(index.shape[0]), int(index.shape[1])
    if value.dim() == 0 or int(value.shape[0]) != nnz:
        found = 1 if value.dim() == 0 else int(value.shape[0])
        raise RuntimeError(
            f"indices and values must have same nnz, but got nnz from indices: {nnz}, nnz from values: {found}"
        )
    dense_shape = tuple(int(n) for n in value.shape[1:])
    host = _host(index)
    if size is None:
        shape = tuple(int(m) + 1 for m in host.max(axis=1)) if nnz else (0,) * sparse_dim
        shape += dense_shape
    else:
        shape = tuple(int(n) for n in size)
        if len(shape) != sparse_dim + len(dense_shape):
            raise RuntimeError(
                f"'len(size) == sparse_dim + dense_dim' is not satisfied: len(size) = {len(shape)}, sparse_dim = "
                f"{sparse_dim}, dense_dim = {len(dense_shape)}"
            )
        if shape[sparse_dim:] != dense_shape:
            raise RuntimeError(
                f"values has incorrect size, expected {[nnz, *shape[sparse_dim:]]}, got {[nnz, *dense_shape]}"
            )
    if nnz:
        low, high = host.min(axis=1), host.max(axis=1)
        for dim in range(sparse_dim):
            if low[dim] < 0:
                raise RuntimeError(f"found negative index {int(low[dim])} for dim {dim}")
            if high[dim] >= shape[dim]:
                raise RuntimeError(
                    f"size is inconsistent with indices: for dim {dim}, size is {shape[dim]} but found index "
                    f"{int(high[dim])}"
                )
    coalesced = bool(is_coalesced) if is_coalesced is not None else nnz <= 1  # PyTorch's: not checked
    result = _make(index, value.detach() if value.requires_grad and requires_grad else value, shape, coalesced)
    if requires_grad:
        result.requires_grad_(True)
    return result


def to_sparse(input: Tensor, sparse_dim: int | None = None) -> Tensor:
    """``input`` in the COO layout: its nonzero entries (whole nonzero slices past ``sparse_dim``).

    Example:
        >>> import tocha
        >>> tocha.tensor([[0.0, 2.0], [3.0, 0.0]]).to_sparse().indices()
        tensor([[0, 1],
                [1, 0]])
    """
    import tocha

    if isinstance(input, SparseCooTensor):
        return input.to_sparse(sparse_dim)
    ndim = input.dim()
    dims = ndim if sparse_dim is None else int(sparse_dim)
    if not 0 <= dims <= ndim:
        raise RuntimeError(f"sparse_dim argument must be in [0, {ndim}] range, but {dims} is given")
    nonzero = input != 0
    if dims < ndim:
        nonzero = nonzero.any(dim=tuple(range(dims, ndim))) if dims else nonzero.any().reshape(())
    where = (
        tocha.nonzero(nonzero.reshape(tuple(input.shape[:dims]))).t()
        if dims
        else tocha.zeros((0, int(bool(nonzero.item()))), dtype=tocha.int64, device=input.device)
    )
    values = input[tuple(where)] if dims else input.reshape(1, *input.shape)[: where.shape[1]]
    return _make(where.contiguous(), values, tuple(input.shape), True)


def sparse_mask(input: Tensor, mask: Tensor) -> Tensor:
    """``input``'s entries where sparse ``mask`` stores one, as a sparse tensor with the mask's (coalesced) indices.

    Example:
        >>> import tocha
        >>> mask = tocha.sparse_coo_tensor([[0, 2]], [1.0, 1.0], (3,))
        >>> sparse_mask(tocha.tensor([5.0, 6.0, 7.0]), mask).values()
        tensor([5., 7.])
    """
    if not isinstance(mask, SparseCooTensor):
        raise RuntimeError(f"sparse_mask(): expected mask to be a sparse COO tensor, got {type(mask).__name__}")
    if tuple(input.shape) != tuple(mask.shape):
        raise RuntimeError(
            f"sparse_mask(): operands have incompatible sizes; self has size {list(input.shape)} but mask has size "
            f"{list(mask.shape)}"
        )
    if isinstance(input, SparseCooTensor):
        input = input.to_dense()
    coalesced = mask.coalesce()
    assert isinstance(coalesced, SparseCooTensor)
    values = input[tuple(coalesced._indices_t)]
    return _make(coalesced._indices_t, values, tuple(input.shape), True)


# ------------------------------------------------------------------ products and reductions


def _as_sparse_2d(op: str, x: Any) -> SparseCooTensor:
    if not isinstance(x, SparseCooTensor) or x.sparse_dim() != 2 or x.dense_dim() != 0:
        raise RuntimeError(f"{op}: expected a 2-D sparse COO matrix (no dense dims), got {type(x).__name__}")
    return x


def sparse_mm(sparse: Tensor, dense: Any) -> Tensor:
    """``sparse @ dense`` (dense result): each stored value times a row of ``dense``, summed into its row.

    Example:
        >>> import tocha
        >>> s = tocha.sparse_coo_tensor([[0, 1], [1, 0]], [2.0, 3.0], (2, 2))
        >>> sparse_mm(s, tocha.tensor([[1.0], [10.0]]))
        tensor([[20.],
                [ 3.]])
    """
    import tocha

    if isinstance(dense, SparseCooTensor):
        return sparse_mm(sparse, dense.to_dense())
    s = _as_sparse_2d("mm", sparse)
    if not isinstance(dense, Tensor):
        raise TypeError(f"mm(): argument 'mat2' must be Tensor, not {type(dense).__name__}")
    vector = dense.dim() == 1
    matrix = dense.reshape(-1, 1) if vector else dense
    m, k = s.shape
    if matrix.dim() != 2 or int(matrix.shape[0]) != k:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({m}x{k} and {'x'.join(map(str, dense.shape))})")
    rows, cols = s._indices_t[0], s._indices_t[1]
    values = s._values_t
    kind = tocha.promote_types(values.dtype, matrix.dtype)
    products = values.to(kind).reshape(-1, 1) * matrix.to(kind)[cols]
    out = tocha.zeros((int(m), int(matrix.shape[1])), dtype=kind, device=values.device).index_add(0, rows, products)
    return out.reshape(-1) if vector else out  # type: ignore[no-any-return]


def dense_mm_sparse(dense: Any, sparse: SparseCooTensor) -> Tensor:
    """``dense @ sparse`` (dense result), as ``(sparse.T @ dense.T).T``.

    Example:
        >>> import tocha
        >>> s = tocha.sparse_coo_tensor([[0], [1]], [2.0], (2, 2))
        >>> dense_mm_sparse(tocha.ones(1, 2), s)
        tensor([[0., 2.]])
    """
    if not isinstance(dense, Tensor):
        raise TypeError(f"matmul(): argument 'input' must be Tensor, not {type(dense).__name__}")
    if dense.dim() == 1:
        return sparse_mm(sparse.t(), dense)
    return sparse_mm(sparse.t(), dense.mT).mT  # type: ignore[attr-defined,no-any-return]


def sparse_sum(input: Tensor, dim: Any = None, *, dtype: Any = None) -> Tensor:
    """The sum of ``input``'s values: all of them (dense 0-dim), or over ``dim`` (sparse while sparse dims remain,
    dense once they are all summed).

    Example:
        >>> import tocha
        >>> s = tocha.sparse_coo_tensor([[0, 1, 1], [2, 0, 2]], [3.0, 4.0, 5.0], (2, 3))
        >>> sparse_sum(s), sparse_sum(s, 1).to_dense()
        (tensor(12.), tensor([3., 9.]))
    """
    import tocha

    if not isinstance(input, SparseCooTensor):
        return tocha.sum(input) if dim is None else tocha.sum(input, dim)  # type: ignore[no-any-return]
    values = input._values_t if dtype is None else input._values_t.to(dtype)
    if dim is None:
        return values.sum()  # type: ignore[no-any-return]
    ndim = input.dim()
    dims = sorted({(d + ndim if d < 0 else d) for d in ((dim,) if isinstance(dim, int) else tuple(dim))})
    sparse = input.sparse_dim()
    sparse_dims = [d for d in dims if d < sparse]
    dense_dims = [d - sparse + 1 for d in dims if d >= sparse]
    if dense_dims:
        values = values.sum(dim=tuple(dense_dims))
    if not sparse_dims:
        return _make(input._indices_t, values, _without(tuple(input.shape), dims), input._coalesced_flag)
    keep = [d for d in range(sparse) if d not in sparse_dims]
    if not keep:
        return values.sum(dim=0)  # type: ignore[no-any-return]
    shape = _without(tuple(input.shape), dims)
    return _coalesced(input._indices_t[keep], values, shape)


def _without(shape: tuple[int, ...], dims: Sequence[int]) -> tuple[int, ...]:
    return tuple(n for d, n in enumerate(shape) if d not in dims)


def sparse_softmax(input: Tensor, dim: int, dtype: Any = None, *, log: bool = False) -> Tensor:
    """Softmax over the stored entries along ``dim`` (entries not stored count as -inf): sparse, same indices.

    Example:
        >>> import tocha
        >>> s = tocha.sparse_coo_tensor([[0, 1, 1], [2, 0, 2]], [3.0, 4.0, 5.0], (2, 3))
        >>> sparse_softmax(s, 1).values()
        tensor([1.0000, 0.2689, 0.7311])
    """
    import tocha

    if not isinstance(input, SparseCooTensor):
        raise TypeError(f"softmax: expected a sparse COO tensor, got {type(input).__name__}")
    s = input.coalesce()
    assert isinstance(s, SparseCooTensor)
    ndim = s.dim()
    d = dim + ndim if dim < 0 else dim
    values = s._values_t if dtype is None else s._values_t.to(dtype)
    if d >= s.sparse_dim():  # a dense dim: an ordinary softmax of each value
        inner = d - s.sparse_dim() + 1
        result = tocha.log_softmax(values, inner) if log else tocha.softmax(values, inner)
        return _make(s._indices_t, result, tuple(s.shape), True)
    others = [k for k in range(s.sparse_dim()) if k != d]
    sizes = [int(s.shape[k]) for k in others]
    groups_np = _linear(_host(s._indices_t)[others], sizes) if others else np.zeros(s._nnz(), dtype=np.int64)
    _, inverse = np.unique(groups_np, return_inverse=True)
    group = tocha.from_numpy(np.asarray(inverse, dtype=np.int64).reshape(-1)).to(values.device)
    count = int(inverse.max()) + 1 if inverse.size else 0
    shape = (count, *values.shape[1:])
    fill = tocha.full(shape, -math.inf, dtype=values.dtype, device=values.device)
    peak = fill.scatter_reduce(0, _expand_like(group, values), values.detach(), "amax", include_self=True)
    shifted = values - peak[group]
    total = tocha.zeros(shape, dtype=values.dtype, device=values.device).index_add(0, group, shifted.exp())
    result = shifted - total.log()[group] if log else shifted.exp() / total[group]
    return _make(s._indices_t, result, tuple(s.shape), True)


def _expand_like(group: Tensor, values: Tensor) -> Tensor:
    return group.reshape(-1, *([1] * (values.dim() - 1))).expand(tuple(values.shape))


# ------------------------------------------------------------------ dense ops that reach a sparse tensor


def run_op(op: OpRecord, dev: Any, inputs: tuple[Any, ...], params: tuple[Any, ...]) -> Any:
    """What PyTorch does with op ``op`` on sparse operands (NOTE [ Sparse COO tensors ]); raises its error
    where it has no sparse form."""
    import tocha

    from ._dispatch import call

    positions = [i for i, x in enumerate(inputs) if isinstance(x, SparseCooTensor)]
    if op.name == "matmul" and len(inputs) == 2 and all(isinstance(x, Tensor) for x in inputs):
        first, second = inputs
        if isinstance(first, SparseCooTensor) and first.dim() == 2:
            return sparse_mm(first, second)
        if isinstance(second, SparseCooTensor) and second.dim() == 2:
            return dense_mm_sparse(first, second)
    backend = "SparseCUDA" if getattr(dev, "type", "cpu") == "cuda" else "SparseCPU"
    unsupported = NotImplementedError(
        f"Could not run 'aten::{op.name}' with arguments from the '{backend}' backend: tocha's sparse COO tensors "
        "support element-wise ops that map zero to zero, sums and products with sparse or dense tensors, "
        "matrix products, sums and softmaxes; call .to_dense() first (NOTE [ Sparse COO tensors ])"
    )
    if len(positions) == 2 and op.name in ("add", "sub", "mul") and len(inputs) == 2:
        a, b = inputs
        if tuple(a.shape) != tuple(b.shape):
            raise RuntimeError(
                f"{op.name}: expected sizes of the sparse operands to match, got {list(a.shape)} and {list(b.shape)}"
            )
        if op.name == "mul":
            return _intersect_mul(a, b)
        second = b._values_t if op.name == "add" else -b._values_t
        kind = tocha.promote_types(a.dtype, b.dtype)
        values = tocha.cat([a._values_t.to(kind), second.to(kind)])
        indices = tocha.cat([a._indices_t, b._indices_t], dim=1)
        return _coalesced(indices, values, tuple(a.shape))
    if len(positions) == 1 and op.name in ("add", "sub") and len(inputs) == 2:
        if positions[0] == 0:
            raise RuntimeError(f"{op.name}(sparse, dense) is not supported. Use {op.name}(dense, sparse) instead.")
        dense, sparse = inputs
        if isinstance(dense, Tensor) and tuple(dense.shape) == tuple(sparse.shape):
            values = sparse._values_t if op.name == "add" else -sparse._values_t
            kind = tocha.promote_types(dense.dtype, values.dtype)
            return dense.to(kind).index_put(tuple(sparse._indices_t), values.to(kind), accumulate=True)
        raise unsupported
    if len(positions) != 1 or not _maps_zero_to_zero(op, dev, inputs, params, positions[0]):
        raise unsupported
    at = positions[0]
    sparse = inputs[at]
    operands = tuple(sparse._values_t if i == at else x for i, x in enumerate(inputs))
    result = call(op, dev, operands, params)
    if not isinstance(result, Tensor) or tuple(result.shape) != tuple(sparse._values_t.shape):
        raise unsupported
    return _make(sparse._indices_t, result, tuple(sparse.shape), sparse._coalesced_flag)


def run_inplace(op: OpRecord, dev: Any, out: Tensor, inputs: tuple[Any, ...], params: tuple[Any, ...]) -> Tensor:
    """An in-place op on a dense ``out`` with a sparse operand (``dense.add_(sparse)``): :func:`run_op`'s result,
    densified, copied into ``out``."""
    result = run_op(op, dev, inputs, params)
    if isinstance(result, SparseCooTensor):
        result = result.to_dense()
    out.copy_(result)  # type: ignore[attr-defined]
    return out


def _maps_zero_to_zero(op: OpRecord, dev: Any, inputs: tuple[Any, ...], params: tuple[Any, ...], at: int) -> bool:
    """Whether ``op`` sends a zero element of the sparse operand to zero, given the other operands (numbers or
    single-element tensors): then only the stored values change."""
    zero = np.zeros(1, dtype=inputs[at]._data.dtype)
    arrays: list[Any] = []
    for i, x in enumerate(inputs):
        if i == at:
            arrays.append(zero)
        elif isinstance(x, Tensor):
            if x.numel() != 1 or isinstance(x, SparseCooTensor):
                return False
            arrays.append(np.asarray(x.detach().cpu().numpy()).reshape(1))
        else:
            arrays.append(x)
    try:
        result = quiet_call(op.forward, np, *arrays, *params)
    except Exception:
        return False
    result = np.asarray(result)
    return result.shape == (1,) and not bool(np.any(result != 0))


def _intersect_mul(a: SparseCooTensor, b: SparseCooTensor) -> Tensor:
    import tocha

    left, right = a.coalesce(), b.coalesce()
    assert isinstance(left, SparseCooTensor)
    assert isinstance(right, SparseCooTensor)
    hit, position = _find_columns(right._indices_t, left._indices_t, tuple(a.shape)[: a.sparse_dim()])
    mine = tocha.from_numpy(np.flatnonzero(hit).astype(np.int64)).to(left.device)
    theirs = tocha.from_numpy(position[hit].astype(np.int64)).to(left.device)
    values = left._values_t[mine] * right._values_t[theirs]
    return _make(left._indices_t[:, mine], values, tuple(a.shape), True)


# ------------------------------------------------------------------ printing


def _format(t: SparseCooTensor) -> str:
    from ._tensor_repr import format_tensor

    def nested(prefix: str, x: Tensor) -> str:
        text = format_tensor(x.detach())
        for suffix in (f", dtype={x.dtype!r}",):
            text = text.replace(suffix + ")", ")")
        lines = text.split("\n")
        indent = " " * len(prefix)
        return prefix + "\n".join([lines[0], *(indent + line if line else line for line in lines[1:])])

    indices = nested("tensor(indices=", t._indices_t)
    values = nested("       values=", t._values_t)
    suffixes = [f"size={tuple(t.shape)}", f"nnz={t._nnz()}"]
    import tocha

    if t.dtype is not tocha.get_default_dtype():
        suffixes.append(f"dtype={t.dtype!r}")
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device}'")
    suffixes.append("layout=tocha.sparse_coo")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{type(t.grad_fn).__name__}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    line = "       " + suffixes[0]
    lines = []
    for suffix in suffixes[1:]:
        if len(line) + len(suffix) + 3 > 80:
            lines.append(line + ",")
            line = "       " + suffix
        else:
            line += ", " + suffix
    lines.append(line + ")")
    return indices + ",\n" + values + ",\n" + "\n".join(lines)
