"""PyTorch's ``*_copy`` functions (``tocha.t_copy``, ``tocha.split_copy``...): a view op's result as a new tensor.

NOTE [ Copy variants of view ops ]
Each ``<view>_copy(input, ...)`` is ``<view>(input, ...)`` followed by a copy into a fresh row-major
(contiguous) tensor, so the result never shares memory with ``input`` and its strides are PyTorch's for a
contiguous tensor, whatever ``input``'s layout (channels-last inputs included). The view op does the argument
checking, so the errors are the view's (IndexError for a dim out of range...). Both steps are differentiable
tocha ops, so gradients flow where the view's do (``detach_copy`` excepted: its result never requires grad).

``out=`` follows ATen's ``.out`` overloads: a single ``out`` must have the result's dtype exactly (RuntimeError
otherwise) and is resized to the result's shape; the list outputs of ``split_copy``, ``split_with_sizes_copy``
and ``unbind_copy`` must have one tensor per piece, and the functions then return None. ``split_copy`` and
``split_with_sizes_copy`` copy each piece into its ``out`` tensor (``Tensor.copy_``: broadcasting and casting,
no resizing); ``unbind_copy`` resizes its ``out`` tensors and wants their dtype exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._dtype import dtype as dtype_
from .._memory_format import contiguous_format
from .._tensor_base import TensorBase
from ._common import normalize_dim, tensor_arg
from .complex_ops import view_as_complex, view_as_real
from .elementwise_base import copy_to_out
from .shape import diagonal, permute, select, squeeze, t, transpose, unsqueeze
from .shape_join import split, split_with_sizes, unbind

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = [
    "alias_copy",
    "detach_copy",
    "diagonal_copy",
    "expand_copy",
    "permute_copy",
    "select_copy",
    "slice_copy",
    "split_copy",
    "split_with_sizes_copy",
    "squeeze_copy",
    "t_copy",
    "transpose_copy",
    "unbind_copy",
    "unfold_copy",
    "unsqueeze_copy",
    "view_copy",
    "view_as_real_copy",
    "view_as_complex_copy",
]

# PyTorch's C++ names of the scalar types, as its out= dtype errors print them.
_CPP_NAMES = {
    "bool": "bool",
    "uint8": "unsigned char",
    "int8": "signed char",
    "int16": "short int",
    "int32": "int",
    "int64": "long int",
    "uint16": "unsigned short",
    "uint32": "unsigned int",
    "uint64": "unsigned long",
    "float16": "c10::Half",
    "bfloat16": "c10::BFloat16",
    "float32": "float",
    "float64": "double",
    "complex64": "c10::complex<float>",
    "complex128": "c10::complex<double>",
    **{
        name: f"c10::F{name[1:]}"
        for name in ("float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu")
    },
}


def _ints(op: str, name: str, position: int, value: Any) -> list[int]:
    """A ``tuple of ints`` argument (a sequence, not a bare int), as PyTorch's parser wants it."""
    if isinstance(value, TensorBase) or not isinstance(value, (list, tuple, np.ndarray)):
        raise TypeError(
            f"{op}(): argument '{name}' (position {position}) must be tuple of ints, not {type(value).__name__}"
        )
    return [int(v) for v in value]


def _fresh(view: Tensor) -> Tensor:
    """``view`` copied into a new row-major tensor (NOTE [ Copy variants of view ops ])."""
    return view.clone(memory_format=contiguous_format)


def _check_out_dtype(result: Tensor, out: Any) -> None:
    if not isinstance(out, TensorBase):
        raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
    if out._dtype is not result._dtype:
        raise RuntimeError(
            f"Expected out tensor to have dtype {_CPP_NAMES[result._dtype.name]}, but got "
            f"{_CPP_NAMES[out._dtype.name]} instead"
        )


def _finish(result: Tensor, out: Tensor | None) -> Tensor:
    if out is None:
        return result
    _check_out_dtype(result, out)
    return copy_to_out(result, out)


def _finish_list(
    op: str, overload: str, pieces: tuple[Tensor, ...], out: Any, *, exact: bool
) -> tuple[Tensor, ...] | None:
    """The pieces, or None once written into the ``out`` list (``overload``: ATen's name in the length error)."""
    if out is None:
        return pieces
    if isinstance(out, TensorBase) or not isinstance(out, (list, tuple)):
        raise TypeError(f"{op}(): argument 'out' must be tuple of Tensors, not {type(out).__name__}")
    if len(out) != len(pieces):
        raise RuntimeError(f"{overload} expected an out= argument of size {len(pieces)}, got size {len(out)}")
    for piece, target in zip(pieces, out, strict=True):
        if exact:
            _finish(piece, target)
        else:
            if not isinstance(target, TensorBase):
                raise TypeError(f"argument 'out' must be tuple of Tensors, not {type(target).__name__}")
            target.copy_(piece)  # type: ignore[attr-defined]
    return None


# ------------------------------------------------------------------ one result


def alias_copy(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """A copy of ``input`` (PyTorch's ``alias`` view, copied): contiguous, sharing no memory.

    Example:
        >>> import tocha
        >>> x = tocha.tensor([[1, 2], [3, 4]]).t()
        >>> y = tocha.alias_copy(x)
        >>> y, y.stride()
        (tensor([[1, 3],
                [2, 4]]), (2, 1))
    """
    return _finish(_fresh(tensor_arg("alias_copy", input)), out)


def detach_copy(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """A contiguous copy of ``input`` outside the autograd graph (``input.detach()``, copied).

    Example:
        >>> import tocha
        >>> x = tocha.zeros(2)
        >>> y = tocha.detach_copy(x)
        >>> y += 1
        >>> x
        tensor([0., 0.])
    """
    return _finish(_fresh(tensor_arg("detach_copy", input).detach()), out)  # type: ignore[attr-defined]


def diagonal_copy(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1, *, out: Tensor | None = None) -> Tensor:
    """:func:`tocha.diagonal`'s result as a new contiguous tensor.

    Example:
        >>> import tocha
        >>> tocha.diagonal_copy(tocha.arange(9).reshape(3, 3), 1)
        tensor([1, 5])
    """
    return _finish(_fresh(diagonal(tensor_arg("diagonal_copy", input), offset, dim1, dim2)), out)


def expand_copy(input: Tensor, size: Sequence[int], *, implicit: bool = False, out: Tensor | None = None) -> Tensor:
    """``input.expand(size)`` as a new contiguous tensor (every element materialised).

    ``implicit`` is accepted for PyTorch's signature and changes nothing.

    Example:
        >>> import tocha
        >>> tocha.expand_copy(tocha.tensor([[1], [2]]), (2, 3))
        tensor([[1, 1, 1],
                [2, 2, 2]])
    """
    x = tensor_arg("expand_copy", input)
    return _finish(_fresh(x.expand(_ints("expand_copy", "size", 2, size))), out)  # type: ignore[attr-defined]


def permute_copy(input: Tensor, dims: Sequence[int], *, out: Tensor | None = None) -> Tensor:
    """:func:`tocha.permute`'s result as a new contiguous tensor.

    Example:
        >>> import tocha
        >>> tocha.permute_copy(tocha.zeros(2, 3, 4), (2, 0, 1)).stride()
        (6, 3, 1)
    """
    x = tensor_arg("permute_copy", input)
    return _finish(_fresh(permute(x, _ints("permute_copy", "dims", 2, dims))), out)


def select_copy(input: Tensor, dim: int, index: int, *, out: Tensor | None = None) -> Tensor:
    """:func:`tocha.select`'s result as a new contiguous tensor.

    Example:
        >>> import tocha
        >>> tocha.select_copy(tocha.arange(6).reshape(2, 3), 1, -1)
        tensor([2, 5])
    """
    return _finish(_fresh(select(tensor_arg("select_copy", input), dim, index)), out)


def slice_copy(
    input: Tensor,
    dim: int = 0,
    start: int | None = None,
    end: int | None = None,
    step: int = 1,
    *,
    out: Tensor | None = None,
) -> Tensor:
    """``input[..., start:end:step, ...]`` along ``dim`` as a new contiguous tensor (``step`` must be positive).

    ``start`` and ``end`` are clamped to the dim's size as in Python slicing.

    Example:
        >>> import tocha
        >>> tocha.slice_copy(tocha.arange(10), 0, 1, None, 3)
        tensor([1, 4, 7])
    """
    x = tensor_arg("slice_copy", input)
    d = normalize_dim("slice_copy", dim, x._data.ndim)
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    key = (slice(None),) * d + (slice(start, end, step),)
    return _finish(_fresh(x[key]), out)


def squeeze_copy(input: Tensor, dim: int | Sequence[int] | None = None, *, out: Tensor | None = None) -> Tensor:
    """:func:`tocha.squeeze`'s result (all size-1 dims, or those of ``dim`` of size 1) as a new tensor.

    Example:
        >>> import tocha
        >>> tocha.squeeze_copy(tocha.zeros(1, 2, 1), 0).shape
        tocha.Size([2, 1])
    """
    return _finish(_fresh(squeeze(tensor_arg("squeeze_copy", input), dim)), out)


def t_copy(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """:func:`tocha.t`'s result (a matrix transposed; 0- and 1-D unchanged) as a new contiguous tensor.

    Example:
        >>> import tocha
        >>> y = tocha.t_copy(tocha.zeros(2, 3))
        >>> y.shape, y.stride()
        (tocha.Size([3, 2]), (2, 1))
    """
    return _finish(_fresh(t(tensor_arg("t_copy", input))), out)


def transpose_copy(input: Tensor, dim0: int, dim1: int, *, out: Tensor | None = None) -> Tensor:
    """:func:`tocha.transpose`'s result as a new contiguous tensor.

    Example:
        >>> import tocha
        >>> tocha.transpose_copy(tocha.zeros(2, 3, 4), 0, 2).stride()
        (6, 2, 1)
    """
    return _finish(_fresh(transpose(tensor_arg("transpose_copy", input), dim0, dim1)), out)


def unfold_copy(input: Tensor, dimension: int, size: int, step: int, *, out: Tensor | None = None) -> Tensor:
    """``input.unfold(dimension, size, step)`` (every window of ``size`` along ``dimension``) as a new tensor.

    Example:
        >>> import tocha
        >>> tocha.unfold_copy(tocha.arange(5), 0, 2, 2)
        tensor([[0, 1],
                [2, 3]])
    """
    x = tensor_arg("unfold_copy", input)
    return _finish(_fresh(x.unfold(dimension, size, step)), out)  # type: ignore[attr-defined]


def unsqueeze_copy(input: Tensor, dim: int, *, out: Tensor | None = None) -> Tensor:
    """:func:`tocha.unsqueeze`'s result as a new contiguous tensor.

    Example:
        >>> import tocha
        >>> tocha.unsqueeze_copy(tocha.zeros(2, 3), 1).stride()
        (3, 3, 1)
    """
    return _finish(_fresh(unsqueeze(tensor_arg("unsqueeze_copy", input), dim)), out)


def view_copy(
    input: Tensor, size: Sequence[int] | dtype_ | None = None, *, dtype: dtype_ | None = None, out: Tensor | None = None
) -> Tensor:
    """``input.view(size)`` or ``input.view(dtype)`` as a new contiguous tensor.

    With a shape, ``input`` need not be viewable (its elements are copied in row-major order, as by
    ``reshape``); with a dtype, ``Tensor.view(dtype)``'s rules apply (last dim's stride 1, divisible size).

    Example:
        >>> import tocha
        >>> tocha.view_copy(tocha.arange(6).reshape(2, 3).t(), (6,))
        tensor([0, 3, 1, 4, 2, 5])
        >>> tocha.view_copy(tocha.tensor([1.0]), tocha.int32)
        tensor([1065353216], dtype=tocha.int32)
    """
    x = tensor_arg("view_copy", input)
    if isinstance(size, dtype_):
        size, dtype = None, size
    if (size is None) == (dtype is None):
        raise TypeError(
            "view_copy() received an invalid combination of arguments: expected (Tensor input, tocha.dtype dtype) "
            "or (Tensor input, tuple of ints size)"
        )
    if dtype is not None:
        return _finish(_fresh(x.view(dtype)), out)  # type: ignore[attr-defined]
    shape = _ints("view_copy", "size", 2, size)
    return _finish(_fresh(x.reshape(shape)), out)  # type: ignore[attr-defined]


def view_as_real_copy(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """:func:`tocha.view_as_real`'s result (real and imaginary parts along a new last dim) as a new tensor.

    Example:
        >>> import tocha
        >>> tocha.view_as_real_copy(tocha.tensor([1 + 2j]))
        tensor([[1., 2.]])
    """
    return _finish(_fresh(view_as_real(tensor_arg("view_as_real_copy", input))), out)


def view_as_complex_copy(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """:func:`tocha.view_as_complex`'s result (pairs along the last dim read as complex) as a new tensor.

    Example:
        >>> import tocha
        >>> tocha.view_as_complex_copy(tocha.tensor([[1.0, 2.0]]))
        tensor([1.+2.j])
    """
    return _finish(_fresh(view_as_complex(tensor_arg("view_as_complex_copy", input))), out)


# ------------------------------------------------------------------ several results


def split_copy(input: Tensor, split_size: int, dim: int = 0, *, out: Sequence[Tensor] | None = None) -> Any:
    """``tocha.split(input, split_size, dim)``'s pieces as new contiguous tensors (a tuple; None with ``out``).

    Example:
        >>> import tocha
        >>> tocha.split_copy(tocha.arange(5), 2)
        (tensor([0, 1]), tensor([2, 3]), tensor([4]))
    """
    x = tensor_arg("split_copy", input)
    if isinstance(split_size, (bool, TensorBase)) or not isinstance(split_size, (int, np.integer)):
        raise TypeError(
            f"split_copy(): argument 'split_size' (position 2) must be int, not {type(split_size).__name__}"
        )
    pieces = tuple(_fresh(p) for p in split(x, int(split_size), dim))
    return _finish_list("split_copy", "split_copy_Tensor_out()", pieces, out, exact=False)


def split_with_sizes_copy(
    input: Tensor, split_sizes: Sequence[int], dim: int = 0, *, out: Sequence[Tensor] | None = None
) -> Any:
    """:func:`tocha.split_with_sizes`'s pieces as new contiguous tensors (a tuple; None with ``out``).

    Example:
        >>> import tocha
        >>> tocha.split_with_sizes_copy(tocha.arange(5), [1, 4])
        (tensor([0]), tensor([1, 2, 3, 4]))
    """
    x = tensor_arg("split_with_sizes_copy", input)
    sizes = _ints("split_with_sizes_copy", "split_sizes", 2, split_sizes)
    pieces = tuple(_fresh(p) for p in split_with_sizes(x, sizes, dim))
    return _finish_list("split_with_sizes_copy", "split_with_sizes_copy_out", pieces, out, exact=False)


def unbind_copy(input: Tensor, dim: int = 0, *, out: Sequence[Tensor] | None = None) -> Any:
    """:func:`tocha.unbind`'s slices as new contiguous tensors (a tuple; None with ``out``).

    Example:
        >>> import tocha
        >>> tocha.unbind_copy(tocha.arange(4).reshape(2, 2), 1)
        (tensor([0, 2]), tensor([1, 3]))
    """
    pieces = tuple(_fresh(p) for p in unbind(tensor_arg("unbind_copy", input), dim))
    return _finish_list("unbind_copy", "unbind_copy_int_out", pieces, out, exact=True)


for _name in __all__:
    globals()[_name].__module__ = "tocha"
del _name
