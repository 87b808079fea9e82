"""The index ops that fall out of indexing: masked_fill, masked_select, index_select, take, nonzero.

Each differentiable primitive states its vjp with tocha ops; ``index_select``
is a composite of the advanced-indexing primitive ``index``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _settings
from .._backend import xp_of
from .._device_checks import check_index_range
from .._dispatch import OpRecord, OpTest, call, call_inplace, register_op
from .._tensor_base import TensorBase, values_to_check, wrap
from . import indexing_samples as samples
from ._common import broadcast_shape, cast_operand, normalize_dim, prepare_scalar, type_name
from ._grad_utils import reduce_to_shape
from ._scalar_fits import check_scalar_fits

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = ["masked_fill", "masked_select", "index_select", "take", "nonzero", "IndexOpsMethods", "add_at"]


def add_at(xp: Any, target: Any, key: Any, values: Any) -> None:
    """``target[key] += values`` with duplicates adding up (``ufunc.at``; ``cupyx.scatter_add`` on old CuPy)."""
    if xp is np:
        np.add.at(target, key, values)
        return
    if _settings._deterministic and target.dtype.kind in "fc":  # NOTE [ Settings tocha stores but cannot apply ]
        _settings.alert_not_deterministic(
            "cuda atomic float add (scatter_add, index_add, index_put with accumulate=True, gather backward)"
        )
    if target.dtype.name not in _CUPY_ADD_AT_DTYPES:
        _add_at_by_parts(xp, target, key, values)
        return
    at = getattr(xp.add, "at", None)
    if at is not None:
        at(target, key, values)
        return
    import cupyx  # type: ignore[import-not-found]

    cupyx.scatter_add(target, key, values)


# CuPy's atomic add (``cupy.add.at``/``cupyx.scatter_add``) takes only these dtypes
_CUPY_ADD_AT_DTYPES = frozenset({"int32", "int64", "uint32", "uint64", "float16", "float32", "float64"})


def _add_at_by_parts(xp: Any, target: Any, key: Any, values: Any) -> None:
    """``add_at`` on CuPy for the dtypes its atomic add lacks.

    Complex: the real and imaginary parts separately. bool, 8/16-bit integers and bfloat16: accumulated in a
    wide dtype and cast back once (integers wrap as PyTorch's; bool adds as logical or, as NumPy's add).
    """
    values = xp.asarray(values, dtype=target.dtype)
    if target.dtype.kind == "c":
        for part in ("real", "imag"):
            wide = xp.ascontiguousarray(getattr(target, part))
            add_at(xp, wide, key, xp.ascontiguousarray(getattr(values, part)))
            getattr(target, part)[...] = wide
        return
    wide_dtype = np.float32 if target.dtype.kind == "V" or target.dtype.name == "bfloat16" else np.int64
    wide = target.astype(wide_dtype)
    add_at(xp, wide, key, values.astype(wide_dtype))
    target[...] = (wide != 0) if target.dtype == np.bool_ else wide.astype(target.dtype)


# ------------------------------------------------------------------ masked_fill


def _masked_fill_forward(xp: Any, a: Any, mask: Any, value: Any, out: Any = None) -> Any:
    if out is not None:
        xp.copyto(out, value, casting="unsafe", where=mask)
        return out
    result = xp.where(mask, value, a)
    return result if result.dtype == a.dtype else result.astype(a.dtype)


def _masked_fill_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, None, Tensor | None]:
    mask = ctx.inputs[1]
    need_a, _, need_value = ctx.needs_input_grad
    grad_a = None
    if need_a:
        grad_a = reduce_to_shape(call(MASKED_FILL, grad._device, (grad, mask, 0), ()), ctx.input_shapes[0])
    grad_value = None
    if need_value and ctx.input_shapes[2] is not None:
        grad_value = call(MASKED_SELECT, grad._device, (grad, mask), ()).sum()
    return grad_a, None, grad_value


def _reference_masked_fill(a: Any, mask: Any, value: Any) -> Any:
    return np.where(mask, value, a).astype(a.dtype)


MASKED_FILL = register_op(
    OpRecord(
        name="masked_fill",
        forward=_masked_fill_forward,
        vjp=_masked_fill_vjp,
        saves_inputs=(1,),
        differentiable_inputs=(0, 2),
        supports_out=True,
        test=OpTest(samples=samples.masked_fill_samples, reference=_reference_masked_fill, torch_name="masked_fill"),
    )
)


def _fill_value(op: str, input: Tensor, value: Any) -> Any:
    d = input._dtype
    if isinstance(value, TensorBase):
        if value._data.ndim:
            raise RuntimeError(
                f"{op} only supports a 0-dimensional value tensor, but got tensor with {value._data.ndim} dimension(s)."
            )
        return cast_operand(value, d, input._device)
    if isinstance(value, np.generic):
        value = value.item()
    if not isinstance(value, (bool, int, float, complex)):
        raise TypeError(f"{op}(): argument 'value' must be Number or Tensor, not {type(value).__name__}")
    value = check_scalar_fits(value, d)  # NOTE [ Scalar overflow ]
    if d.category <= 1 and isinstance(value, float):
        value = int(value)
    return prepare_scalar(value, d)


def _check_mask(op: str, mask: Any) -> None:
    if not isinstance(mask, TensorBase):
        raise TypeError(f"{op}(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    if mask._dtype.name != "bool":
        raise RuntimeError(f"{op} only supports boolean masks, but got mask with dtype {mask._dtype.name}")


def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """``input`` with ``value`` written where ``mask`` (broadcast) is True.

    Args:
        input: the tensor.
        mask: a bool tensor broadcastable with ``input``.
        value: a number or a 0-dim tensor, converted to ``input``'s dtype.

    Example:
        >>> import tocha
        >>> tocha.masked_fill(tocha.zeros(3), tocha.tensor([True, False, True]), 5.0)
        tensor([5., 0., 5.])
    """
    _check_mask("masked_fill", mask)
    operand = _fill_value("masked_fill", input, value)
    mask = _on_device(mask, input)
    broadcast_shape("masked_fill", tuple(input._data.shape), tuple(mask._data.shape))
    return call(MASKED_FILL, input._device, (input, mask, operand), ())  # type: ignore[no-any-return]


def _masked_fill_(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    _check_mask("masked_fill_", mask)
    operand = _fill_value("masked_fill_", input, value)
    mask = _on_device(mask, input)
    shape = tuple(input._data.shape)
    full = broadcast_shape("masked_fill_", shape, tuple(mask._data.shape))
    if full != shape:
        raise RuntimeError(
            f"masked_fill_(): output with shape {list(shape)} doesn't match the broadcast shape {list(full)}"
        )
    return call_inplace(MASKED_FILL, input._device, input, (input, mask, operand), ())


def _on_device(index: Tensor, input: Tensor) -> Tensor:
    if index._device is input._device:
        return index
    from .creation import to_device

    return to_device(index, input._device)


# ------------------------------------------------------------------ masked_select


def _masked_select_forward(xp: Any, a: Any, mask: Any) -> Any:
    if a.shape != mask.shape:
        a, mask = xp.broadcast_arrays(a, mask)
    return a[mask]


def _masked_select_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, None]:
    from .indexing import INDEX_BACKWARD

    mask = ctx.inputs[1]
    shape_a, shape_mask = ctx.input_shapes
    full = broadcast_shape("masked_select", shape_a, shape_mask)
    if tuple(mask.shape) != full:  # the mask is a constant: broadcast its array directly
        mask = wrap(xp_of(mask._device).broadcast_to(mask._data, full), mask._device)
    expanded = call(INDEX_BACKWARD, grad._device, (grad, [mask]), (full,))
    return reduce_to_shape(expanded, shape_a), None


def _reference_masked_select(a: Any, mask: Any) -> Any:
    a, mask = np.broadcast_arrays(a, mask)
    return a[mask]


MASKED_SELECT = register_op(
    OpRecord(
        name="masked_select",
        forward=_masked_select_forward,
        vjp=_masked_select_vjp,
        saves_inputs=(1,),
        differentiable_inputs=(0,),
        test=OpTest(samples=samples.masked_samples, reference=_reference_masked_select, torch_name="masked_select"),
    )
)


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements of ``input`` where ``mask`` is True (both broadcast), as a 1-D tensor.

    Example:
        >>> import tocha
        >>> tocha.masked_select(tocha.tensor([[1, 2], [3, 4]]), tocha.tensor([True, False]))
        tensor([1, 3])
    """
    if not isinstance(mask, TensorBase) or mask._dtype.name != "bool":
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    mask = _on_device(mask, input)
    broadcast_shape("masked_select", tuple(input._data.shape), tuple(mask._data.shape))
    return call(MASKED_SELECT, input._device, (input, mask), ())  # type: ignore[no-any-return]


# ------------------------------------------------------------------ index_select


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The slices of ``input`` along ``dim`` at the positions in the 1-D integer tensor ``index``.

    Example:
        >>> import tocha
        >>> tocha.index_select(tocha.tensor([[1, 2, 3], [4, 5, 6]]), 1, tocha.tensor([2, 0]))
        tensor([[3, 1],
                [6, 4]])
    """
    from .indexing import INDEX

    ndim = input._data.ndim
    d = normalize_dim("index_select", dim, ndim)
    if not isinstance(index, TensorBase):
        raise TypeError(f"index_select(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index._data.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if index._dtype.name not in ("int32", "int64"):
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    index = _on_device(index, input)
    size = input._data.shape[d] if ndim else 1
    data = values_to_check(index)
    if data.size and not isinstance(data, np.ndarray):
        check_index_range(
            xp_of(index._device), data, 0, size, RuntimeError,
            lambda bad: f"index_select(): INDICES element is out of DATA bounds, id={bad} axis_dim={size}",
        )  # fmt: skip
    elif data.size and (int(data.min()) < 0 or int(data.max()) >= size):
        flat = data.reshape(-1)
        bad = int(flat[(flat < 0) | (flat >= size)][0])
        raise RuntimeError(f"index_select(): INDICES element is out of DATA bounds, id={bad} axis_dim={size}")
    flat_index = index if index._data.ndim == 1 else index[None]  # type: ignore[index]
    if ndim == 0:
        return call(INDEX, input._device, (input[None], [flat_index]), ())[0]  # type: ignore[index,no-any-return]
    return call(INDEX, input._device, (input, [None] * d + [flat_index]), ())  # type: ignore[no-any-return]


# ------------------------------------------------------------------ take


def _take_forward(xp: Any, a: Any, index: Any) -> Any:
    return xp.take(a, index)


def _take_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, None]:
    return call(TAKE_BACKWARD, grad._device, (grad, ctx.inputs[1]), (ctx.input_shapes[0],)), None


def _take_backward_forward(xp: Any, g: Any, index: Any, shape: tuple[int, ...]) -> Any:
    result = xp.zeros(shape, dtype=g.dtype)
    add_at(xp, result.reshape(-1), index, g)
    return result


def _take_backward_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, None]:
    return call(TAKE, grad._device, (grad, ctx.inputs[1]), ()), None


def _reference_take_backward(g: Any, index: Any, shape: tuple[int, ...]) -> Any:
    result = np.zeros(shape, dtype=g.dtype)
    np.add.at(result.reshape(-1), index, g)
    return result


TAKE = register_op(
    OpRecord(
        name="take",
        forward=_take_forward,
        vjp=_take_vjp,
        saves_inputs=(1,),
        differentiable_inputs=(0,),
        test=OpTest(samples=samples.take_samples, reference=np.take, torch_name="take"),
    )
)
TAKE_BACKWARD = register_op(
    OpRecord(
        name="take_backward",
        forward=_take_backward_forward,
        vjp=_take_backward_vjp,
        saves_inputs=(1,),
        differentiable_inputs=(0,),
        test=OpTest(samples=samples.take_backward_samples, reference=_reference_take_backward),
    )
)


def take(input: Tensor, index: Tensor) -> Tensor:
    """The elements of ``input``, read as 1-D, at ``index`` (negative counts from the end); shape of ``index``.

    Example:
        >>> import tocha
        >>> tocha.take(tocha.tensor([[1, 2], [3, 4]]), tocha.tensor([0, -1]))
        tensor([1, 4])
    """
    if not isinstance(index, TensorBase):
        raise TypeError(f"take(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index._dtype.name != "int64":
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {type_name(index._dtype)}")
    index = _on_device(index, input)
    n = int(input._data.size)
    data = index._data
    if data.size and not isinstance(data, np.ndarray):
        check_index_range(
            xp_of(index._device), data, -n, n, IndexError,
            lambda bad: f"out of range: tried to access index {bad} on a tensor of {n} elements.",
        )  # fmt: skip
    elif data.size and (int(data.min()) < -n or int(data.max()) >= n):
        flat = data.reshape(-1)
        bad = int(flat[(flat < -n) | (flat >= n)][0])
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
    return call(TAKE, input._device, (input, index), ())  # type: ignore[no-any-return]


# ------------------------------------------------------------------ nonzero


def _nonzero_forward(xp: Any, a: Any) -> Any:
    result = xp.argwhere(a)
    return result if result.dtype == xp.int64 else result.astype(xp.int64)


NONZERO = register_op(
    OpRecord(
        name="nonzero",
        forward=_nonzero_forward,
        test=OpTest(samples="unary", reference=np.argwhere, torch_name="nonzero"),
    )
)


def nonzero(input: Tensor, *, out: Tensor | None = None, as_tuple: bool = False) -> Any:
    """Indices of the non-zero elements: an ``(n, ndim)`` int64 tensor, or one 1-D tensor per dim.

    Example:
        >>> import tocha
        >>> tocha.nonzero(tocha.tensor([[0, 1], [2, 0]]))
        tensor([[0, 1],
                [1, 0]])
        >>> tocha.nonzero(tocha.tensor([0, 3, 4]), as_tuple=True)
        (tensor([1, 2]),)
    """
    if as_tuple:
        source = input if input._data.ndim else input[None]  # type: ignore[index]
        found = call(NONZERO, input._device, (source,), ())
        return tuple(found[:, i] for i in range(source._data.ndim))
    result = call(NONZERO, input._device, (input,), ())
    if out is not None:
        from .elementwise import copy_to_out

        return copy_to_out(result, out)
    return result


class IndexOpsMethods:
    """Tensor methods of the index ops (mixed into ``IndexingMethods``)."""

    __slots__ = ()

    def masked_fill(self: Any, mask: Tensor, value: Any) -> Tensor:
        """See :func:`tocha.masked_fill`."""
        return masked_fill(self, mask, value)

    def masked_fill_(self: Any, mask: Tensor, value: Any) -> Tensor:
        """In-place :func:`tocha.masked_fill` (``mask`` must broadcast to this tensor's shape).

        Example:
            >>> import tocha
            >>> tocha.ones(3).masked_fill_(tocha.tensor([False, True, False]), 0.0)
            tensor([1., 0., 1.])
        """
        return _masked_fill_(self, mask, value)

    def masked_select(self: Any, mask: Tensor) -> Tensor:
        """See :func:`tocha.masked_select`."""
        return masked_select(self, mask)

    def index_select(self: Any, dim: int, index: Tensor) -> Tensor:
        """See :func:`tocha.index_select`."""
        return index_select(self, dim, index)

    def take(self: Any, index: Tensor) -> Tensor:
        """See :func:`tocha.take`."""
        return take(self, index)

    def nonzero(self: Any, *, as_tuple: bool = False) -> Any:
        """See :func:`tocha.nonzero`."""
        return nonzero(self, as_tuple=as_tuple)
