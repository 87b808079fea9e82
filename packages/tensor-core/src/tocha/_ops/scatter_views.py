"""``slice_scatter``, ``select_scatter``, ``diagonal_scatter``: a copy of ``input`` with one of its views replaced.

Each is the out-of-place form of writing ``src`` through a view (``input[:, 1:3] = src``,
``input.select(dim, i).copy_(src)``, ``input.diagonal().copy_(src)``): the forward copies
``input`` and assigns into the same view of the copy. ``src`` must have exactly the view's
shape (no broadcasting) and is cast to ``input``'s dtype. Both inputs are differentiable:
``input`` gets the gradient with the view zeroed (the same op scattering 0), ``src`` gets
the view of the gradient. Part of the gather/scatter family (re-exported by ``scatter``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._dispatch import OpRecord, OpTest, call, register_op
from .._tensor_base import TensorBase
from ._common import cast_operand, common_device, normalize_dim
from .shape import _diagonal_forward, diagonal, select

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = ["slice_scatter", "select_scatter", "diagonal_scatter"]


def _slice_key(dim: int, start: int, end: int, step: int) -> tuple[Any, ...]:
    return (slice(None),) * dim + (slice(start, end, step),)


def _slice_scatter_forward(xp: Any, a: Any, src: Any, dim: int, start: int, end: int, step: int) -> Any:
    result = a.copy()
    result[_slice_key(dim, start, end, step)] = src
    return result


def _select_scatter_forward(xp: Any, a: Any, src: Any, dim: int, index: int) -> Any:
    result = a.copy()
    result[(slice(None),) * dim + (index,)] = src
    return result


def _diagonal_scatter_forward(xp: Any, a: Any, src: Any, offset: int, dim1: int, dim2: int) -> Any:
    result = a.copy()
    _diagonal_forward(xp, result, offset, dim1, dim2)[...] = src
    return result


def _view_grads(op: OpRecord, ctx: Any, grad: Tensor, view: Tensor) -> tuple[Tensor | None, Tensor | None]:
    """(gradient of input: ``grad`` with the view zeroed, gradient of src: the view of ``grad``)."""
    needs = ctx.needs_input_grad
    grad_input = call(op, grad._device, (grad, 0), ctx.params) if needs[0] else None
    return grad_input, (view if needs[1] else None)


def _slice_scatter_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
    return _view_grads(SLICE_SCATTER, ctx, grad, grad[_slice_key(*ctx.params)])


def _select_scatter_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
    return _view_grads(SELECT_SCATTER, ctx, grad, select(grad, *ctx.params))


def _diagonal_scatter_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
    return _view_grads(DIAGONAL_SCATTER, ctx, grad, diagonal(grad, *ctx.params))


def _slice_scatter_jvp(ctx: Any, t_input: Tensor | None, t_src: Tensor | None) -> Tensor:
    return _scatter_jvp(SLICE_SCATTER, ctx, t_input, t_src)


def _select_scatter_jvp(ctx: Any, t_input: Tensor | None, t_src: Tensor | None) -> Tensor:
    return _scatter_jvp(SELECT_SCATTER, ctx, t_input, t_src)


def _diagonal_scatter_jvp(ctx: Any, t_input: Tensor | None, t_src: Tensor | None) -> Tensor:
    return _scatter_jvp(DIAGONAL_SCATTER, ctx, t_input, t_src)


def _scatter_jvp(op: OpRecord, ctx: Any, t_input: Tensor | None, t_src: Tensor | None) -> Tensor:
    """The same scatter applied to the tangents (a missing tangent counts as zeros)."""
    base = t_input if t_input is not None else ctx.result.new_zeros(ctx.result.shape)
    return call(op, base._device, (base, t_src if t_src is not None else 0), ctx.params)  # type: ignore[no-any-return]


# ------------------------------------------------------------------ samples and references


def _samples(kind: str) -> Any:
    def sampler(device: Any, d: Any) -> list[Any]:
        from ..testing import SampleInput, make_tensor

        def make(*shape: int, noncontiguous: bool = False) -> Any:
            return make_tensor(*shape, dtype=d, device=device, noncontiguous=noncontiguous)

        S = SampleInput
        if kind == "slice":
            return [
                S(make(4, 5), args=(make(2, 5),), kwargs={"start": 1, "end": 3}, name="dim0"),
                S(make(4, 5), args=(make(4, 2), 1, 0, None, 3), name="step"),
                S(
                    make(4, 5, noncontiguous=True),
                    args=(make(4, 2, noncontiguous=True), -1, -4, -1, 2),
                    name="noncontiguous",
                ),
                S(make(4, 5), args=(make(4, 0), 1, 10), name="empty"),
            ]
        if kind == "select":
            return [
                S(make(4, 5), args=(make(5), 0, 1), name="dim0"),
                S(make(4, 5, noncontiguous=True), args=(make(4), -1, -2), name="noncontiguous"),
                S(make(2, 3, 4), args=(make(2, 4), 1, 2), name="3d"),
                S(make(3), args=(make(), 0, 2), name="1d"),
            ]
        return [
            S(make(4, 5), args=(make(4),), name="main"),
            S(make(4, 5), args=(make(3), 2), name="offset"),
            S(make(2, 3, 4, noncontiguous=True), args=(make(3, 2), -1, 2, 0), name="noncontiguous"),
            S(make(4, 5), args=(make(0), 10), name="empty"),
        ]

    return sampler


def _slice_reference(a: Any, src: Any, dim: int = 0, start: Any = None, end: Any = None, step: int = 1) -> Any:
    result = a.copy()
    result[(slice(None),) * (dim % a.ndim) + (slice(start, end, step),)] = src
    return result


def _select_reference(a: Any, src: Any, dim: int, index: int) -> Any:
    result = a.copy()
    result[(slice(None),) * (dim % a.ndim) + (index,)] = src
    return result


def _diagonal_reference(a: Any, src: Any, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Any:
    result = a.copy()
    moved = np.moveaxis(result, (dim1 % a.ndim, dim2 % a.ndim), (-2, -1))
    rows = np.arange(src.shape[-1]) + max(-offset, 0)
    moved[..., rows, rows + offset] = src
    return result


SLICE_SCATTER = register_op(
    OpRecord(
        name="slice_scatter",
        forward=_slice_scatter_forward,
        vjp=_slice_scatter_vjp,
        jvp=_slice_scatter_jvp,
        test=OpTest(samples=_samples("slice"), reference=_slice_reference, torch_name="slice_scatter"),
    )
)
SELECT_SCATTER = register_op(
    OpRecord(
        name="select_scatter",
        forward=_select_scatter_forward,
        vjp=_select_scatter_vjp,
        jvp=_select_scatter_jvp,
        test=OpTest(samples=_samples("select"), reference=_select_reference, torch_name="select_scatter"),
    )
)
DIAGONAL_SCATTER = register_op(
    OpRecord(
        name="diagonal_scatter",
        forward=_diagonal_scatter_forward,
        vjp=_diagonal_scatter_vjp,
        jvp=_diagonal_scatter_jvp,
        test=OpTest(samples=_samples("diagonal"), reference=_diagonal_reference, torch_name="diagonal_scatter"),
    )
)


# ------------------------------------------------------------------ public functions


def _prepare(name: str, input: Tensor, src: Tensor, view_shape: tuple[int, ...]) -> Tensor:
    """``src`` checked against the view's shape and cast to ``input``'s dtype and device."""
    if not isinstance(src, TensorBase):
        raise TypeError(f"{name}(): argument 'src' (position 2) must be Tensor, not {type(src).__name__}")
    dev = common_device(name, input, src)
    if src._data.shape != view_shape:
        raise RuntimeError(
            f"{name}(): expected src to have a size equal to the slice of self. src size = {list(src._data.shape)}, "
            f"slice size = {list(view_shape)}"
        )
    return cast_operand(src, input._dtype, dev)  # type: ignore[no-any-return]


def slice_scatter(
    input: Tensor, src: Tensor, dim: int = 0, start: int | None = None, end: int | None = None, step: int = 1
) -> Tensor:
    """A copy of ``input`` with ``input[..., start:end:step, ...]`` (along ``dim``) replaced by ``src``.

    Raises:
        RuntimeError: ``step`` not positive, or ``src``'s shape not the slice's.

    Example:
        >>> import tocha
        >>> tocha.slice_scatter(tocha.zeros(2, 4), tocha.ones(2, 2), dim=1, start=0, step=2)
        tensor([[1., 0., 1., 0.],
                [1., 0., 1., 0.]])
    """
    shape = input._data.shape
    d = normalize_dim("slice_scatter", dim, len(shape))
    if step <= 0:
        raise RuntimeError("slice_scatter(): slice step must be positive")
    first, last, _ = slice(start, end, step).indices(shape[d] if shape else 1)
    last = max(last, first)
    view_shape = (*shape[:d], len(range(first, last, step)), *shape[d + 1 :])
    src = _prepare("slice_scatter", input, src, view_shape)
    return call(SLICE_SCATTER, src._device, (input, src), (d, first, last, int(step)))  # type: ignore[no-any-return]


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """A copy of ``input`` with ``input.select(dim, index)`` replaced by ``src``.

    Raises:
        IndexError: ``index`` out of range (or a 0-dim ``input``).
        RuntimeError: ``src``'s shape is not the selected slice's.

    Example:
        >>> import tocha
        >>> tocha.select_scatter(tocha.zeros(2, 2), tocha.ones(2), 0, 1)
        tensor([[0., 0.],
                [1., 1.]])
    """
    view = select(input, dim, index)
    d = normalize_dim("select_scatter", dim, input._data.ndim)
    src = _prepare("select_scatter", input, src, view._data.shape)
    i = index + input._data.shape[d] if index < 0 else index
    return call(SELECT_SCATTER, src._device, (input, src), (d, int(i)))  # type: ignore[no-any-return]


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A copy of ``input`` with its diagonal ``offset`` (in dims ``dim1``, ``dim2``) replaced by ``src``.

    Raises:
        RuntimeError: ``dim1 == dim2``, or ``src``'s shape is not the diagonal's.

    Example:
        >>> import tocha
        >>> tocha.diagonal_scatter(tocha.zeros(2, 3), tocha.ones(2), 1)
        tensor([[0., 1., 0.],
                [0., 0., 1.]])
    """
    view = diagonal(input, offset, dim1, dim2)
    ndim = input._data.ndim
    d1 = normalize_dim("diagonal_scatter", dim1, ndim)
    d2 = normalize_dim("diagonal_scatter", dim2, ndim)
    src = _prepare("diagonal_scatter", input, src, view._data.shape)
    return call(DIAGONAL_SCATTER, src._device, (input, src), (int(offset), d1, d2))  # type: ignore[no-any-return]


def _fill_diagonal(target: Tensor, fill_value: Any, wrap: bool) -> Tensor:
    """``target.fill_diagonal_``: the main diagonal (every dim's index equal) filled through a view."""
    shape = target._data.shape
    if len(shape) < 2:
        raise RuntimeError("fill_diagonal_(): dimensions must larger than 1")
    if len(shape) > 2 and any(s != shape[0] for s in shape):
        raise RuntimeError(f"fill_diagonal_(): all dimensions of input must be of equal length, got {list(shape)}")
    if len(shape) == 2 and wrap and shape[0] > shape[1] + 1:
        # As if the rows were laid end to end: the diagonal restarts every ``columns + 1`` rows.
        period = shape[1] + 1
        for first in range(0, shape[0], period):
            diagonal(target[first : first + shape[1]]).fill_(fill_value)  # type: ignore[attr-defined]
        return target
    view = target
    for _ in range(len(shape) - 1):
        view = diagonal(view, 0, 0, 1)
    view.fill_(fill_value)  # type: ignore[attr-defined]
    return target


class ScatterViewMethods:
    """Tensor methods of the view-scatter ops."""

    __slots__ = ()

    def slice_scatter(
        self: Any, src: Tensor, dim: int = 0, start: int | None = None, end: int | None = None, step: int = 1
    ) -> Tensor:
        """See :func:`tocha.slice_scatter`."""
        return slice_scatter(self, src, dim, start, end, step)

    def select_scatter(self: Any, src: Tensor, dim: int, index: int) -> Tensor:
        """See :func:`tocha.select_scatter`."""
        return select_scatter(self, src, dim, index)

    def diagonal_scatter(self: Any, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
        """See :func:`tocha.diagonal_scatter`."""
        return diagonal_scatter(self, src, offset, dim1, dim2)

    def fill_diagonal_(self: Any, fill_value: Any, wrap: bool = False) -> Tensor:
        """Fill the main diagonal (all indices equal) with ``fill_value``, in place.

        A 2-D tensor needs no square shape; with ``wrap`` a tall matrix's diagonal
        restarts every ``columns + 1`` rows (as NumPy's ``fill_diagonal``). More than
        two dims must all have the same size.

        Raises:
            RuntimeError: fewer than 2 dims, or unequal sizes for more than 2.

        Example:
            >>> import tocha
            >>> tocha.zeros(2, 3).fill_diagonal_(5)
            tensor([[5., 0., 0.],
                    [0., 5., 0.]])
        """
        return _fill_diagonal(self, fill_value, wrap)
