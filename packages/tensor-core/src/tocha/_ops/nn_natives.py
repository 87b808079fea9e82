"""PyTorch's ATen-level nn functions on ``torch``: ``tocha.convolution``, ``tocha.native_layer_norm``...

NOTE [ Native nn functions ]
These are the forms beneath ``torch.nn.functional`` that autograd formulas, decompositions and traced graphs
name: one ``convolution`` for every rank and direction, norms that return their statistics beside the output,
``native_dropout`` returning its mask, ``grid_sampler`` with int modes (0 bilinear, 1 nearest, 2 bicubic;
padding 0 zeros, 1 border, 2 reflection), ``embedding_renorm_``. Arguments are checked first, in PyTorch's order
and words; then:

- ``convolution``, ``grid_sampler*`` hand over to ``tocha.nn.functional`` (NOTE [ nn functions on tocha ]: they
  need tocha-nn, loaded on first use).
- The norms, ``native_dropout``, ``native_norm``, ``affine_grid_generator`` and ``embedding_renorm_`` are written
  with tensor-core ops, so autograd differentiates the output (the returned statistics and mask are detached, as
  PyTorch's are not differentiable). A float16/bfloat16 input is normalised in float32; its statistics come back
  in float32 when the parameters are float32 (PyTorch's mixed-precision CPU kernels), else in its own dtype.

Where PyTorch's kernel reads past its arguments or returns uninitialised memory, tocha raises ``RuntimeError``
instead of copying it: ``native_batch_norm`` in evaluation without running statistics (a segfault), its weight,
bias or running statistics of other than ``C`` elements (unchecked), ``grid_sampler`` modes outside 0-2 (garbage
values). ``native_group_norm``'s message for a bad bias names its shape (PyTorch's prints ``[0]``).

``native_norm`` is registered in PyTorch for sparse tensors only (a dense input raises ``NotImplementedError``).
tocha has no sparse layout; it computes the norm of a dense tensor as the sparse kernel does of the same values,
the ``p``-norm of the elements (``torch.linalg.vector_norm``), and takes ``dim``/``keepdim``/``dtype`` as
``vector_norm`` does rather than refusing them as the sparse kernel does.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, overload

from .._dispatch import is_grad_enabled
from .._dtype import bfloat16, dtype, float16, float32, int32, int64
from .._dtype import bool as bool_
from .._grad_mode import no_grad
from .._tensor_base import TensorBase
from ._common import tensor_arg, type_name
from .creation import empty, linspace, ones, zeros
from .linalg_functions import vector_norm
from .nn_functions import load_nn_functional
from .shape_join import stack
from .sorting import unique

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = [
    "affine_grid_generator",
    "convolution",
    "embedding_renorm_",
    "grid_sampler",
    "grid_sampler_2d",
    "grid_sampler_3d",
    "native_batch_norm",
    "native_dropout",
    "native_group_norm",
    "native_layer_norm",
    "native_norm",
]

_HALF = (float16, bfloat16)


def _int_list(op: str, name: str, position: int, value: Any) -> list[int]:
    if isinstance(value, TensorBase) or not isinstance(value, Sequence) or isinstance(value, str):
        raise TypeError(
            f"{op}(): argument '{name}' (position {position}) must be tuple of ints, not {type(value).__name__}"
        )
    for i, v in enumerate(value):
        if isinstance(v, float) or not hasattr(v, "__index__"):
            raise TypeError(
                f"{op}(): argument '{name}' (position {position}) must be tuple of ints, but found element of type "
                f"{type(v).__name__} at pos {i}"
            )
    return [operator.index(v) for v in value]


def _size(t: Tensor, dim: int) -> int:
    """``t.size(dim)``, with the IndexError of PyTorch's kernels (no ``size():`` prefix)."""
    top = max(t.dim(), 1)
    if not -top <= dim < top:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-top}, {top - 1}], but got {dim})")
    return int(t.shape[dim]) if t.dim() else 1


def _int(op: str, name: str, position: int, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{op}(): argument '{name}' (position {position}) must be int, not {type(value).__name__}")
    return value


def _bool(op: str, name: str, position: int, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{op}(): argument '{name}' (position {position}) must be bool, not {type(value).__name__}")
    return value


def _float(op: str, name: str, position: int, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{op}(): argument '{name}' (position {position}) must be float, not {type(value).__name__}")
    return float(value)


# ------------------------------------------------------------------ convolution


def _per_dim(name: str, values: list[int], k: int) -> list[int]:
    if len(values) == 1:
        return values * k
    if len(values) != k:
        raise RuntimeError(
            f"expected {name} to be a single integer value or a list of {k} values to match the convolution "
            f"dimensions, but got {name}={values}"
        )
    return values


def convolution(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    stride: Sequence[int],
    padding: Sequence[int],
    dilation: Sequence[int],
    transposed: bool,
    output_padding: Sequence[int],
    groups: int,
) -> Tensor:
    """Convolution (or transposed convolution) of 1 to 3 spatial dims, the rank taken from ``weight``.

    ``input`` is ``(N, C_in, *spatial)`` (no unbatched form); ``weight`` is ``(C_out, C_in / groups, *kernel)``,
    or ``(C_in, C_out / groups, *kernel)`` when ``transposed``. ``stride``, ``padding``, ``dilation`` and
    ``output_padding`` are lists of one value per spatial dim or a single value for all; ``output_padding``
    only acts when ``transposed``.

    Raises:
        RuntimeError: a weight of fewer than 3 dims, lists of the wrong length, non-positive ``groups``,
            ``stride`` or ``dilation``, negative ``padding`` or ``output_padding``, mismatched ranks, channels
            or bias.

    Example:
        >>> import tocha
        >>> tocha.convolution(tocha.ones(1, 1, 4), tocha.ones(1, 1, 2), None, [1], [1], [1], False, [0], 1)
        tensor([[[1., 2., 2., 2., 1.]]])
    """
    op = "convolution"
    tensor_arg(op, input, "input", 1)
    tensor_arg(op, weight, "weight", 2)
    tensor_arg(op, bias, "bias", 3, optional=True)
    lists = [
        _int_list(op, name, position, value)
        for name, position, value in (("stride", 4, stride), ("padding", 5, padding), ("dilation", 6, dilation))
    ]
    _bool(op, "transposed", 7, transposed)
    lists.append(_int_list(op, "output_padding", 8, output_padding))
    _int(op, "groups", 9, groups)
    if weight.dim() < 3:
        raise RuntimeError("weight should have at least three dimensions")
    k = weight.dim() - 2
    names = ("stride", "padding", "dilation", "output_padding")
    strides, pads, dilations, out_pads = (_per_dim(n, v, k) for n, v in zip(names, lists, strict=True))
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if min(pads) < 0:
        raise RuntimeError("negative padding is not supported")
    if min(out_pads) < 0:
        raise RuntimeError("negative output_padding is not supported")
    if min(strides) <= 0:
        raise RuntimeError("non-positive stride is not supported")
    if min(dilations) <= 0:
        raise RuntimeError("non-positive dilation is not supported")
    w, x = list(weight.shape), list(input.shape)
    if input.dim() != weight.dim():
        raise RuntimeError(
            f"Expected {k + 2}-dimensional input for {k + 2}-dimensional weight {w}, but got {input.dim()}-dimensional "
            f"input of size {x} instead"
        )
    if w[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but got weight of "
            f"size [{w}] instead"
        )
    if transposed and x[1] != w[0]:
        raise RuntimeError(
            f"Given transposed=1, weight of size {w}, expected input{x} to have {w[0]} channels, but got {x[1]} "
            "channels instead"
        )
    if not transposed and x[1] != w[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {w}, expected input{x} to have {w[1] * groups} channels, but got "
            f"{x[1]} channels instead"
        )
    out_channels = w[1] * groups if transposed else w[0]
    if bias is not None and list(bias.shape) != [out_channels]:
        raise RuntimeError(
            f"Given {'transposed=1, ' if transposed else ''}weight of size {w}, expected bias to be 1-dimensional with "
            f"{out_channels} elements, but got bias of size {list(bias.shape)} instead"
        )
    if k > 3:
        raise RuntimeError(f"convolution(): tocha convolves 1 to 3 spatial dims, but the weight has {k}")
    f = load_nn_functional()
    if transposed:
        hand_over = getattr(f, f"conv_transpose{k}d")
        result: Tensor = hand_over(
            input, weight, bias, tuple(strides), tuple(pads), tuple(out_pads), groups, tuple(dilations)
        )
    else:
        hand_over = getattr(f, f"conv{k}d")
        result = hand_over(input, weight, bias, tuple(strides), tuple(pads), tuple(dilations), groups)
    return result


# ------------------------------------------------------------------ normalisation


def _check_floating(kernel: str, input: Tensor) -> None:
    if not input.is_floating_point():
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_name(input.dtype)}'")


def _stats_dtype(input: Tensor, *params: Tensor | None) -> dtype:
    """The statistics' dtype, after PyTorch's CPU rule for parameters: the input's dtype, or float32 for all of
    them beside a float16/bfloat16 input (whose statistics are then float32)."""
    given = {p.dtype for p in params if p is not None}
    if not given or given == {input.dtype}:
        return input.dtype
    if input.dtype in _HALF and given == {float32}:
        return float32
    expected = "Float" if input.dtype in _HALF else type_name(input.dtype)
    raise RuntimeError(f"mixed dtype (CPU): expect parameter to have scalar type of {expected}")


def _normalize(input: Tensor, dims: tuple[int, ...], eps: float) -> tuple[Tensor, Tensor, Tensor]:
    """``((x - mean) * rstd, mean, rstd)`` over ``dims`` (kept), in float32 for a float16/bfloat16 input."""
    x = input.float() if input.dtype in _HALF else input
    mean = x.mean(dims, keepdim=True)
    rstd = (x.var(dims, correction=0, keepdim=True) + eps).rsqrt()
    return (x - mean) * rstd, mean, rstd


def _affine(x: Tensor, weight: Tensor | None, bias: Tensor | None, shape: Sequence[int]) -> Tensor:
    if weight is not None:
        x = x * weight.reshape(shape)
    if bias is not None:
        x = x + bias.reshape(shape)
    return x


def native_layer_norm(
    input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None, bias: Tensor | None, eps: float
) -> tuple[Tensor, Tensor, Tensor]:
    r"""Layer normalisation over the last ``len(normalized_shape)`` dims, with its statistics.

    :math:`y = (x - \mu)\,\sigma^{-1} \cdot \text{weight} + \text{bias}` with :math:`\mu` the mean and
    :math:`\sigma^{-1} = 1/\sqrt{\operatorname{Var}[x] + \epsilon}` (biased variance) over the normalised dims.

    Returns:
        ``(output, mean, rstd)``: ``mean`` and ``rstd`` have the input's shape with the normalised dims set to 1,
        and are not differentiable.

    Raises:
        RuntimeError: an empty ``normalized_shape``, ``weight``/``bias`` not of shape ``normalized_shape``, an
            input not ending in ``normalized_shape``.

    Example:
        >>> import tocha
        >>> out, mean, rstd = tocha.native_layer_norm(tocha.tensor([[1.0, 3.0]]), [2], None, None, 0.0)
        >>> out, mean, rstd
        (tensor([[-1.,  1.]]), tensor([[2.]]), tensor([[1.]]))
    """
    op = "native_layer_norm"
    tensor_arg(op, input, "input", 1)
    shape = _int_list(op, "normalized_shape", 2, normalized_shape)
    tensor_arg(op, weight, "weight", 3, optional=True)
    tensor_arg(op, bias, "bias", 4, optional=True)
    eps = _float(op, "eps", 5, eps)
    if not shape:
        raise RuntimeError(
            "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one element, but got "
            "normalized_shape = []"
        )
    for name, param in (("weight", weight), ("bias", bias)):
        if param is not None and list(param.shape) != shape:
            raise RuntimeError(
                f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                f"{list(param.shape)} and normalized_shape = {shape}"
            )
    k = len(shape)
    if input.dim() < k or list(input.shape[input.dim() - k :]) != shape:
        raise RuntimeError(
            f"Given normalized_shape={shape}, expected input with shape [*, {', '.join(map(str, shape))}], but got "
            f"input of size{list(input.shape)}"
        )
    _check_floating("LayerNormKernelImpl", input)
    stats = _stats_dtype(input, weight, bias)
    normalized, mean, rstd = _normalize(input, tuple(range(input.dim() - k, input.dim())), eps)
    out = _affine(normalized, weight, bias, shape).to(input.dtype)
    return out, mean.detach().to(stats), rstd.detach().to(stats)


def native_batch_norm(
    input: Tensor,
    weight: Tensor | None,
    bias: Tensor | None,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    training: bool,
    momentum: float,
    eps: float,
) -> tuple[Tensor, Tensor, Tensor]:
    r"""Batch normalisation over every dim but the channel dim 1, with the batch statistics.

    In training the batch mean and biased variance normalise, and ``running_mean`` / ``running_var`` (if given)
    are updated in place: :math:`r \leftarrow (1 - \text{momentum})\, r + \text{momentum}\, s`, with the unbiased
    variance for ``running_var``. Otherwise the running statistics normalise.

    Returns:
        ``(output, save_mean, save_invstd)``: in training the batch mean and :math:`1/\sqrt{\operatorname{Var} +
        \epsilon}` per channel, ``(C,)``; in evaluation two empty tensors. Neither is differentiable.

    Raises:
        ValueError: only one of the running statistics given.
        RuntimeError: an empty input; evaluation without running statistics; parameters or statistics not of
            ``C`` elements.

    Example:
        >>> import tocha
        >>> x = tocha.tensor([[1.0], [3.0]])
        >>> tocha.native_batch_norm(x, None, None, None, None, True, 0.1, 0.0)
        (tensor([[-1.],
                [ 1.]]), tensor([2.]), tensor([1.]))
    """
    op = "native_batch_norm"
    tensor_arg(op, input, "input", 1)
    for position, (name, value) in enumerate(
        (("weight", weight), ("bias", bias), ("running_mean", running_mean), ("running_var", running_var)), 2
    ):
        tensor_arg(op, value, name, position, optional=True)
    _bool(op, "training", 6, training)
    momentum = _float(op, "momentum", 7, momentum)
    eps = _float(op, "eps", 8, eps)
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None or neither be None")
    channels = _size(input, 1)
    if input.numel() == 0:
        raise RuntimeError(f"input tensor must have at least one element, but got input_sizes = {list(input.shape)}")
    for name, param in (
        ("weight", weight),
        ("bias", bias),
        ("running_mean", running_mean),
        ("running_var", running_var),
    ):
        if param is not None and param.numel() != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {param.numel()}")
    if not training and running_mean is None:
        raise RuntimeError("running_mean must be defined in evaluation mode")
    _check_floating("batch_norm", input)
    stats = _stats_dtype(input, weight, bias, running_mean, running_var)
    shape = [1, channels] + [1] * (input.dim() - 2)
    if training:
        dims = (0, *range(2, input.dim()))
        normalized, mean, rstd = _normalize(input, dims, eps)
        out = _affine(normalized, weight, bias, shape).to(input.dtype)
        save_mean, save_invstd = mean.detach().reshape(channels), rstd.detach().reshape(channels)
        if running_mean is not None and running_var is not None:
            count = input.numel() // channels
            unbiased = (save_invstd.pow(-2) - eps) * (count / (count - 1) if count > 1 else math.nan)
            with no_grad():
                running_mean.copy_(running_mean * (1 - momentum) + save_mean * momentum)
                running_var.copy_(running_var * (1 - momentum) + unbiased * momentum)
        return out, save_mean.to(stats), save_invstd.to(stats)
    assert running_mean is not None
    assert running_var is not None
    x = input.float() if input.dtype in _HALF else input
    normalized = (x - running_mean.reshape(shape)) * (running_var.reshape(shape) + eps).rsqrt()
    out = _affine(normalized, weight, bias, shape).to(input.dtype)
    nothing = empty(0, dtype=stats, device=input.device)
    return out, nothing, nothing.clone()


def native_group_norm(
    input: Tensor,
    weight: Tensor | None,
    bias: Tensor | None,
    N: int,
    C: int,
    HxW: int,
    group: int,
    eps: float,
) -> tuple[Tensor, Tensor, Tensor]:
    r"""Group normalisation: the ``C`` channels split into ``group`` groups, each ``(n, group)`` slice normalised
    by its own mean and biased variance, then scaled by ``weight`` and shifted by ``bias`` per channel.

    ``input`` holds ``N * C * HxW`` elements read as ``(N, C, HxW)``; the output has the input's shape.

    Returns:
        ``(output, mean, rstd)`` with ``mean`` and ``rstd`` of shape ``(N, group)``, not differentiable.

    Raises:
        RuntimeError: ``group`` not positive or not dividing ``C``; ``weight``/``bias`` not of ``C`` elements;
            an input not of ``N * C * HxW`` elements.

    Example:
        >>> import tocha
        >>> x = tocha.tensor([[[1.0], [3.0], [5.0], [9.0]]])
        >>> out, mean, rstd = tocha.native_group_norm(x, None, None, 1, 4, 1, 2, 0.0)
        >>> out.flatten(), mean, rstd
        (tensor([-1.,  1., -1.,  1.]), tensor([[2., 7.]]), tensor([[1.0000, 0.5000]]))
    """
    op = "native_group_norm"
    tensor_arg(op, input, "input", 1)
    tensor_arg(op, weight, "weight", 2, optional=True)
    tensor_arg(op, bias, "bias", 3, optional=True)
    for position, (name, value) in enumerate((("N", N), ("C", C), ("HxW", HxW), ("group", group)), 4):
        _int(op, name, position, value)
    eps = _float(op, "eps", 8, eps)
    if group <= 0:
        raise RuntimeError(f"Expected num groups to be greater than 0, got {group}")
    if C % group:
        raise RuntimeError(
            "Expected number of channels in input to be divisible by num_groups, but got input of shape "
            f"{list(input.shape)} and num_groups={group}"
        )
    for name, param in (("weight", weight), ("bias", bias)):
        if param is not None and (param.dim() != 1 or param.numel() != C):
            raise RuntimeError(
                f"Expected {name} to be a vector of size equal to the number of channels in input, but got {name} of "
                f"shape {list(param.shape)} and input of shape {list(input.shape)}"
            )
    if input.numel() != N * C * HxW:
        raise RuntimeError(
            "Expected X.numel() == N * C * HxW to be true, but got false.  (Could this error message be improved?  "
            "If so, please report an enhancement request to PyTorch.)"
        )
    _check_floating("GroupNormKernelImpl", input)
    stats = _stats_dtype(input, weight, bias)
    normalized, mean, rstd = _normalize(input.reshape(N, group, C // group * HxW), (2,), eps)
    out = _affine(normalized.reshape(N, C, HxW), weight, bias, (1, C, 1)).to(input.dtype).reshape(input.shape)
    return out, mean.detach().reshape(N, group).to(stats), rstd.detach().reshape(N, group).to(stats)


# ------------------------------------------------------------------ dropout and norm


def native_dropout(input: Tensor, p: float, train: bool | None) -> tuple[Tensor, Tensor]:
    r"""Dropout returning its mask: each element is kept with probability :math:`1 - p` and scaled by
    :math:`1/(1-p)` (by 0 when ``p == 1``), unless ``train`` is ``False``.

    ``train=None`` trains, as in PyTorch. Without training the output is a copy of ``input`` and the mask is
    all true.

    Returns:
        ``(output, mask)``, ``mask`` a bool tensor of the input's shape, true where the element was kept.

    Raises:
        RuntimeError: ``p`` outside ``[0, 1]`` (when training; PyTorch's message names ``1 - p``), an integer
            input (when training).

    Example:
        >>> import tocha
        >>> out, mask = tocha.native_dropout(tocha.ones(4), 1.0, True)
        >>> out, mask
        (tensor([0., 0., 0., 0.]), tensor([False, False, False, False]))
        >>> tocha.native_dropout(tocha.ones(2), 0.5, False)
        (tensor([1., 1.]), tensor([True, True]))
    """
    tensor_arg("native_dropout", input, "input", 1)
    p = _float("native_dropout", "p", 2, p)
    if train is not None and not train:
        return input.clone(), ones(input.shape, dtype=bool_, device=input.device)
    keep = 1 - p
    if not 0 <= keep <= 1:  # NaN too
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={keep}")
    if not input.is_floating_point() and not input.is_complex():
        raise RuntimeError(f"result type Float can't be cast to the desired output type {type_name(input.dtype)}")
    with no_grad():
        mask = empty(input.shape, dtype=float32, device=input.device).bernoulli_(keep).to(bool_)
        scale = mask.to(input.dtype) * (1 / keep if keep > 0 else 0.0)  # p == 1: nothing kept
    return input * scale, mask


@overload
def native_norm(input: Tensor, p: float = 2) -> Tensor: ...


@overload
def native_norm(
    input: Tensor, p: float | None, dim: int | Sequence[int], keepdim: bool, dtype: dtype | None
) -> Tensor: ...


def native_norm(
    input: Tensor,
    p: float | None = 2,
    dim: int | Sequence[int] | None = None,
    keepdim: bool | None = None,
    dtype: dtype | None = None,
) -> Tensor:
    r"""The ``p``-norm :math:`(\sum |x|^p)^{1/p}` of all elements, or over ``dim``.

    ``p`` may be ``inf``/``-inf`` (max/min of :math:`|x|`) or 0 (the count of nonzero elements); ``p=None`` is 2.
    The second form, ``native_norm(input, p, dim, keepdim, dtype)``, takes all five (an empty ``dim`` reduces
    everything; ``dtype`` casts the input first). PyTorch computes it for sparse tensors only; tocha computes it
    for dense ones, with the same values (NOTE [ Native nn functions ]).

    Raises:
        RuntimeError: an integer input.

    Example:
        >>> import tocha
        >>> tocha.native_norm(tocha.tensor([[3.0, 4.0], [0.0, 0.0]]))
        tensor(5.)
        >>> tocha.native_norm(tocha.tensor([[3.0, 4.0], [1.0, 0.0]]), 1, [1], False, None)
        tensor([7., 1.])
    """
    tensor_arg("native_norm", input, "input", 1)
    if dim is not None and keepdim is None:
        raise TypeError("native_norm(): the overload with 'dim' takes 'keepdim' and 'dtype' too (all five arguments)")
    if not input.is_floating_point() and not input.is_complex():
        raise RuntimeError(
            f"norm(): input dtype should be either floating point or complex. Got {type_name(input.dtype)} instead."
        )
    order = 2.0 if p is None else p
    dims = None if dim is None or (not isinstance(dim, int) and len(dim) == 0) else dim
    return vector_norm(input, order, dims, bool(keepdim), dtype=dtype)


# ------------------------------------------------------------------ sampling grids

_INTERPOLATION = ("bilinear", "nearest", "bicubic")
_PADDING = ("zeros", "border", "reflection")


def _grid_sampler(
    op: str, input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int, align_corners: bool, rank: int
) -> Tensor:
    """ATen's grid sampler checks (``rank`` 0: either, by the input's dims), then ``F.grid_sample``."""
    tensor_arg(op, input, "input", 1)
    tensor_arg(op, grid, "grid", 2)
    _int(op, "interpolation_mode", 3, interpolation_mode)
    _int(op, "padding_mode", 4, padding_mode)
    _bool(op, "align_corners", 5, align_corners)
    if not 0 <= interpolation_mode < 3:
        raise RuntimeError(
            f"grid_sampler(): expected interpolation_mode to be 0 (bilinear), 1 (nearest) or 2 (bicubic), but got "
            f"{interpolation_mode}"
        )
    if not 0 <= padding_mode < 3:
        raise RuntimeError(
            f"grid_sampler(): expected padding_mode to be 0 (zeros), 1 (border) or 2 (reflection), but got "
            f"{padding_mode}"
        )
    sizes, grid_sizes = list(input.shape), list(grid.shape)
    if input.dim() < 1 or grid.dim() < 1 or sizes[0] != grid_sizes[0]:
        raise RuntimeError(
            f"grid_sampler(): expected grid and input to have same batch size, but got input with sizes {sizes} and "
            f"grid with sizes {grid_sizes}"
        )
    if grid_sizes[-1] != input.dim() - 2:
        raise RuntimeError(
            f"grid_sampler(): expected grid to have size {input.dim() - 2} in last dimension, but got grid with "
            f"sizes {grid_sizes}"
        )
    for i in range(2, input.dim()):
        if sizes[i] == 0:
            raise RuntimeError(
                f"grid_sampler(): expected input to have non-empty spatial dimensions, but input has sizes {sizes} "
                f"with dimension {i} being empty"
            )
    rank = rank or (4 if input.dim() == 4 else 5)
    if input.dim() != rank or grid.dim() != rank:
        raise RuntimeError(
            f"grid_sampler(): expected {rank}D input and grid with same number of dimensions, but got input with "
            f"sizes {sizes} and grid with sizes {grid_sizes}"
        )
    if rank == 5 and interpolation_mode == 2:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if not input.is_floating_point():
        raise NotImplementedError(f"\"grid_sampler_2d_cpu_kernel_impl\" not implemented for '{type_name(input.dtype)}'")
    if grid.dtype != input.dtype:
        raise RuntimeError(f"expected scalar type {type_name(input.dtype)} but found {type_name(grid.dtype)}")
    f = load_nn_functional()
    if input.numel() == 0 or grid.numel() == 0:  # nothing to sample: an empty result, still on the graph
        out = zeros((sizes[0], sizes[1], *grid_sizes[1:-1]), dtype=input.dtype, device=input.device)
        return out + (input.sum() + grid.sum()) * 0
    mode, padding = _INTERPOLATION[interpolation_mode], _PADDING[padding_mode]
    result: Tensor = f.grid_sample(input, grid, mode, padding, align_corners)
    return result


def grid_sampler(
    input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int, align_corners: bool
) -> Tensor:
    """Sample ``input`` ``(N, C, H, W)`` or ``(N, C, D, H, W)`` at the normalised points of ``grid``
    ``(N, H_out, W_out, 2)`` or ``(N, D_out, H_out, W_out, 3)`` (``torch.nn.functional.grid_sample``).

    ``interpolation_mode``: 0 bilinear, 1 nearest, 2 bicubic (4-D only); ``padding_mode``: 0 zeros, 1 border,
    2 reflection. Differentiable in ``input`` and ``grid``.

    Raises:
        RuntimeError: mismatched batch sizes or ranks, a grid's last dim other than the number of spatial dims,
            an empty spatial dim, a mode outside 0-2.

    Example:
        >>> import tocha
        >>> x = tocha.arange(4.0).reshape(1, 1, 2, 2)
        >>> tocha.grid_sampler(x, tocha.zeros(1, 1, 1, 2), 0, 0, False)
        tensor([[[[1.5000]]]])
    """
    return _grid_sampler("grid_sampler", input, grid, interpolation_mode, padding_mode, align_corners, 0)


def grid_sampler_2d(
    input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int, align_corners: bool
) -> Tensor:
    """:func:`grid_sampler` of a 4-D input ``(N, C, H, W)`` at a grid ``(N, H_out, W_out, 2)``.

    Example:
        >>> import tocha
        >>> x = tocha.arange(4.0).reshape(1, 1, 2, 2)
        >>> tocha.grid_sampler_2d(x, tocha.ones(1, 1, 1, 2), 1, 1, True)
        tensor([[[[3.]]]])
    """
    return _grid_sampler("grid_sampler_2d", input, grid, interpolation_mode, padding_mode, align_corners, 4)


def grid_sampler_3d(
    input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int, align_corners: bool
) -> Tensor:
    """:func:`grid_sampler` of a 5-D input ``(N, C, D, H, W)`` at a grid ``(N, D_out, H_out, W_out, 3)``
    (bilinear or nearest).

    Example:
        >>> import tocha
        >>> x = tocha.arange(8.0).reshape(1, 1, 2, 2, 2)
        >>> tocha.grid_sampler_3d(x, tocha.zeros(1, 1, 1, 1, 3), 0, 0, True)
        tensor([[[[[3.5000]]]]])
    """
    return _grid_sampler("grid_sampler_3d", input, grid, interpolation_mode, padding_mode, align_corners, 5)


def affine_grid_generator(theta: Tensor, size: Sequence[int], align_corners: bool) -> Tensor:
    r"""The sampling grid of the affine maps ``theta``: ``(N, 2, 3)`` for ``size`` ``(N, C, H, W)``, giving
    ``(N, H, W, 2)``, or ``(N, 3, 4)`` for ``(N, C, D, H, W)``, giving ``(N, D, H, W, 3)``.

    ``grid[n, h, w] = theta[n] @ (x_w, y_h, 1)`` with the ``x``, ``y`` (, ``z``) evenly spaced in ``[-1, 1]``:
    through the corner pixels' centres when ``align_corners``, else scaled by :math:`(s - 1)/s` to the pixel
    centres (a dim of size 1 sits at 0). Differentiable in ``theta``. Unlike
    ``torch.nn.functional.affine_grid`` it neither warns nor refuses empty sizes.

    Raises:
        RuntimeError: a ``size`` of other than 4 or 5 entries, a ``theta`` of the wrong shape.

    Example:
        >>> import tocha
        >>> theta = tocha.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
        >>> tocha.affine_grid_generator(theta, [1, 1, 1, 2], False)
        tensor([[[[-0.5000,  0.0000],
                  [ 0.5000,  0.0000]]]])
    """
    op = "affine_grid_generator"
    tensor_arg(op, theta, "theta", 1)
    shape = _int_list(op, "size", 2, size)
    _bool(op, "align_corners", 3, align_corners)
    if len(shape) not in (4, 5):
        raise RuntimeError("AffineGridGenerator needs 4d (spatial) or 5d (volumetric) inputs.")
    spatial = shape[2:]
    nd = len(spatial)
    expected = [shape[0], nd, nd + 1]
    if theta.dim() != 3 or list(theta.shape) != expected:
        got = list(theta.shape[:2]) if theta.dim() >= 2 else list(theta.shape)
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: {[shape[0], nd + 1]} but got: "
            f"{[got[0], theta.shape[-1]] if len(got) == 2 else got}."
        )
    base_dtype = theta.dtype if theta.is_floating_point() else float32
    lines = []
    for s in spatial:
        if s <= 1:
            line = zeros(s, dtype=base_dtype, device=theta.device)
        else:
            line = linspace(-1.0, 1.0, s, dtype=base_dtype, device=theta.device)
            line = line if align_corners else line * ((s - 1) / s)
        lines.append(line.to(theta.dtype))
    # the base grid's last axis is (x, y[, z], 1): x runs along the last spatial dim
    parts = []
    for a in range(nd):
        axis = nd - 1 - a
        view = [1] * nd
        view[axis] = spatial[axis]
        parts.append(lines[axis].reshape(view).expand(*spatial))
    parts.append(ones(spatial, dtype=theta.dtype, device=theta.device))
    base = stack(parts, dim=-1).reshape(1, -1, nd + 1)
    grid = base @ theta.transpose(1, 2)
    return grid.reshape(shape[0], *spatial, nd)


# ------------------------------------------------------------------ embedding


def embedding_renorm_(input: Tensor, indices: Tensor, max_norm: float, norm_type: float) -> Tensor:
    r"""Rescale, in place, the rows of ``input`` (an embedding weight) named by ``indices`` whose ``norm_type``
    norm exceeds ``max_norm``: each such row is multiplied by :math:`\text{max\_norm} / (\lVert r \rVert +
    10^{-7})`. Each row is rescaled once however often it is named; negative indices count from the end.

    Not recorded by autograd: call it under ``no_grad`` for a weight that requires grad (a leaf refuses it).

    Returns:
        ``input``.

    Raises:
        RuntimeError: a weight of other than 2 dims, indices not int64/int32, a leaf requiring grad with grad
            mode on.
        IndexError: an index out of range.

    Example:
        >>> import tocha
        >>> w = tocha.tensor([[3.0, 4.0], [0.3, 0.4]])
        >>> tocha.embedding_renorm_(w, tocha.tensor([0, 1, 0]), 1.0, 2.0)
        tensor([[0.6000, 0.8000],
                [0.3000, 0.4000]])
    """
    op = "embedding_renorm_"
    tensor_arg(op, input, "input", 1)
    tensor_arg(op, indices, "indices", 2)
    max_norm = _float(op, "max_norm", 3, max_norm)
    norm_type = _float(op, "norm_type", 4, norm_type)
    if input.dim() != 2:
        raise RuntimeError(
            f"Expected 2-dimensional tensor, but got {input.dim()}-dimensional tensor for argument #1 'self' (while "
            "checking arguments for embedding_renorm_)"
        )
    if indices.dtype not in (int64, int32):
        raise RuntimeError(
            "Expected tensor for argument #2 'indices' to have one of the following scalar types: Long, Int; but got "
            f"tocha.{type_name(indices.dtype)}Tensor instead (while checking arguments for embedding_renorm_)"
        )
    if input.requires_grad and input.is_leaf and is_grad_enabled():
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    if not input.is_floating_point() and not input.is_complex():
        raise RuntimeError(
            f"norm(): input dtype should be either floating point or complex. Got {type_name(input.dtype)} instead."
        )
    if indices.numel() == 0:
        return input
    rows = input.shape[0]
    with no_grad():
        flat = indices.reshape(-1).to(int64)
        bad = flat[(flat < -rows) | (flat >= rows)]
        if bad.numel():
            raise IndexError(
                f"select(): index {int(bad.min())} out of range for tensor of size {list(input.shape)} at dimension 0"
            )
        chosen = unique(flat % rows) if rows else flat
        selected = input.index_select(0, chosen)
        norms = selected.norm(p=norm_type, dim=1, keepdim=True)
        factor = (max_norm / (norms + 1e-7)).to(input.dtype)
        scaled = selected * factor.where(norms > max_norm, 1)
        input.index_copy_(0, chosen, scaled)
    return input
