"""Automatic mixed precision: ``tocha.autocast`` as a dispatch layer.

NOTE [ Autocast ]
``autocast(device_type, dtype)`` pushes one :class:`~tocha.library.DispatchLayer` (shared by every
autocast region of the process) while at least one region is open. The layer reads the calling
thread's autocast state (per device type: enabled, the low-precision dtype, whether casts are cached)
and, for an op named in that device type's policy table, rewrites the call's tensor operands before
passing it on:

* ``LOWER`` ops (matmul, linear, convolution, prelu, einsum, scaled_dot_product_attention, the RNN
  layers on CUDA) get their floating operands cast to the autocast dtype (float16 / bfloat16);
* ``FP32`` ops (on CUDA: softmax, log_softmax, layer_norm, group_norm, exp, log, pow, sum, cumsum,
  the losses...; on CPU a shorter list: the losses, prod, quantile, padding) get them cast to float32;
* ``PROMOTE`` ops (cat, stack, index_copy, and on CUDA also addcmul, addcdiv, atan2, index_put,
  scatter_add) get them cast to the widest floating dtype among the operands.

Only *eligible* operands are cast, as in PyTorch: tensors of float16, bfloat16 or float32 on the
autocast's device type (float64, integer and complex tensors never are). Ops not in a table run
unchanged, in whatever dtype their inputs have. The tables are PyTorch 2.x's autocast op lists mapped
to tocha's op names (``tocha.library.registered_ops()``); PyTorch ops that tocha builds from other
primitives (``mm``, ``bmm``, ``addmm``, ``mv``, ``dot``... all run the ``matmul`` op) follow the
policy of the primitive, so, e.g., ``addmm``'s bias addition promotes back to float32 where PyTorch
returns the low-precision dtype. ``_CPU_POLICY`` and ``_CUDA_POLICY`` below are the tables.

The cast is the ``to_dtype`` op, run from inside the layer: it goes through the gradient layer, so
gradients flow back to the original dtype. With ``cache_enabled`` the cast of a leaf tensor that
requires grad (a parameter) is made once per outermost autocast region and reused, as in PyTorch.

In-place calls (``out`` set) are never cast. Public functions that reject mixed dtypes before
dispatching (``matmul``, ``mm``, ``bmm``, ``linear``...) consult :func:`allows_mixed` (public as
``tocha.library.autocast_allows_mixed``, for other packages' ops) so that, e.g., a
bfloat16 activation meets a float32 weight inside an autocast region. Run ``backward()`` outside the
region, as PyTorch recommends: ops in the vjps would otherwise be autocast too.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from . import _backend
from ._dispatch import DispatchLayer, OpCall, Proceed, _layers, pop_layer, push_layer
from ._dtype import bfloat16, dtype, float16, float32
from ._tensor_base import TensorBase

_Dtype = dtype

__all__ = ["autocast", "is_autocast_enabled", "get_autocast_dtype", "set_autocast_enabled", "allows_mixed"]

F = TypeVar("F", bound=Callable[..., Any])

LOWER = 0
FP32 = 1
PROMOTE = 2

_CPU_POLICY: dict[str, int] = {
    **dict.fromkeys(
        ("matmul", "linear", "convolution", "prelu", "einsum", "scaled_dot_product_attention", "lstm_layer"), LOWER
    ),
    **dict.fromkeys(
        (
            "nll_loss",
            "cross_entropy",
            "cross_entropy_with_softmax",
            "ctc_loss",
            "prod",
            "quantile",
            "reflection_pad",
            "replication_pad",
            "max_unpool",
        ),
        FP32,
    ),
    **dict.fromkeys(("cat", "stack", "index_copy"), PROMOTE),
}

_CUDA_POLICY: dict[str, int] = {
    **dict.fromkeys(
        (
            "matmul",
            "linear",
            "convolution",
            "prelu",
            "einsum",
            "scaled_dot_product_attention",
            "lstm_layer",
            "gru_layer",
            "rnn_layer",
        ),
        LOWER,
    ),
    **dict.fromkeys(
        (
            "acos",
            "asin",
            "cosh",
            "sinh",
            "tan",
            "erfinv",
            "exp",
            "expm1",
            "log",
            "log10",
            "log2",
            "log1p",
            "reciprocal",
            "rsqrt",
            "pow",
            "softplus",
            "softmax",
            "log_softmax",
            "layer_norm",
            "group_norm",
            "rms_norm",
            "norm",
            "sum",
            "prod",
            "cumsum",
            "cumprod",
            "logsumexp",
            "nll_loss",
            "cross_entropy",
            "cross_entropy_with_softmax",
            "upsample_nearest",
            "upsample_linear",
            "upsample_bicubic",
        ),
        FP32,
    ),
    **dict.fromkeys(("cat", "stack", "index_copy", "addcmul", "addcdiv", "atan2", "index_put", "scatter_add"), PROMOTE),
}

_POLICIES: dict[str, dict[str, int]] = {"cpu": _CPU_POLICY, "cuda": _CUDA_POLICY}
# PyTorch's device types, and the low-precision dtype autocast defaults to on those it has one for
_DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia", "xla",
                 "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")  # fmt: skip
_DEFAULT_DTYPE: dict[str, dtype] = {"cpu": bfloat16, "cuda": float16, "ipu": float16, "xpu": float16, "hpu": bfloat16,
                                    "mps": float16, "xla": bfloat16, "mtia": float16, "maia": bfloat16,
                                    "privateuseone": float16}  # fmt: skip


def _device_type(device_type: str) -> str:
    """The device type a ``device_type`` string names (``"cuda:0"`` names cuda): one of PyTorch's or a plugin
    backend's; PyTorch's error for others."""
    name = device_type.split(":", 1)[0] if isinstance(device_type, str) else ""
    if device_type == "":
        raise RuntimeError("Device string must not be empty")
    if name not in _DEVICE_TYPES and name not in _backend._backends:
        raise RuntimeError(
            f"Expected one of {', '.join(_DEVICE_TYPES)} device type at start of device string: {device_type}"
        )
    return name


_ELIGIBLE = frozenset((float16, bfloat16, float32))
_WIDTH = {float16: 0, bfloat16: 0, float32: 1}


class _State(threading.local):
    """The calling thread's autocast state."""

    def __init__(self) -> None:
        self.enabled: dict[str, bool] = {}
        self.dtype: dict[str, dtype] = {}
        self.cache_enabled = True
        self.depth = 0  # open autocast regions in this thread
        self.cache: dict[tuple[int, dtype], tuple[Any, Any]] = {}


_state = _State()
_lock = threading.Lock()
_open_regions = 0  # over all threads: the layer is pushed while this is positive


def is_autocast_enabled(device_type: str = "cuda") -> bool:
    """Whether autocast is on for ``device_type`` in this thread.

    Example:
        >>> import tocha
        >>> with tocha.autocast("cpu"):
        ...     tocha.is_autocast_enabled("cpu"), tocha.is_autocast_enabled("cuda")
        (True, False)
    """
    return _state.enabled.get(_device_type(device_type), False)


def set_autocast_enabled(device_type: str, enabled: bool) -> None:
    """Turn autocast on or off for ``device_type`` in this thread (ops are cast only inside a region).

    Example:
        >>> import tocha
        >>> tocha.set_autocast_enabled("cpu", False)
        >>> tocha.is_autocast_enabled("cpu")
        False
    """
    _state.enabled[_device_type(device_type)] = bool(enabled)


def get_autocast_dtype(device_type: str) -> dtype:
    """The low-precision dtype autocast uses on ``device_type`` (float16 on cuda, bfloat16 on cpu by default).

    Example:
        >>> import tocha
        >>> tocha.get_autocast_dtype("cpu"), tocha.get_autocast_dtype("cuda")
        (tocha.bfloat16, tocha.float16)
    """
    name = _device_type(device_type)
    found = _state.dtype.get(name)
    if found is not None:
        return found
    default = _DEFAULT_DTYPE.get(name)
    if default is None:
        raise RuntimeError(f"get_autocast_dtype(): autocast has no dtype for device type '{name}'")
    return default


def allows_mixed(op: str, device_type: str, *dtypes: dtype) -> bool:
    """Whether op ``op`` (a registered op's name) may take operands of these differing dtypes here and now.

    True inside an autocast region for ``device_type`` when ``op`` is one whose operands the region
    casts to one dtype (a low-precision or promote op) and every dtype is one autocast casts. Public
    functions that reject mixed dtypes before dispatching call this on their error path only.

    Example:
        >>> import tocha
        >>> from tocha.library import autocast_allows_mixed
        >>> with tocha.autocast("cpu"):
        ...     autocast_allows_mixed("matmul", "cpu", tocha.bfloat16, tocha.float32)
        True
        >>> autocast_allows_mixed("matmul", "cpu", tocha.bfloat16, tocha.float32)
        False
    """
    if not _state.enabled.get(device_type, False):
        return False
    policy = _POLICIES.get(device_type)
    if policy is None or policy.get(op, FP32) == FP32:
        return False
    return all(d in _ELIGIBLE for d in dtypes)


class _AutocastLayer(DispatchLayer):
    """The dispatch layer behind every autocast region (see NOTE [ Autocast ])."""

    def handle(self, call: OpCall, proceed: Proceed) -> Any:
        dev_type = call.device.type
        if not _state.enabled.get(dev_type, False) or call.out is not None:
            return proceed(call)
        policy = _POLICIES.get(dev_type)
        kind = None if policy is None else policy.get(call.op.name)
        if kind is None:
            return proceed(call)
        target: dtype | None
        if kind == LOWER:
            target = get_autocast_dtype(dev_type)
        elif kind == FP32:
            target = float32
        else:
            target = _widest(call.inputs, dev_type)
        if target is None:
            return proceed(call)
        changed = False
        new_inputs: list[Any] = []
        for x in call.inputs:
            if isinstance(x, TensorBase):
                y = _cast(x, target, dev_type)
            elif type(x) is list or type(x) is tuple:
                y = type(x)(_cast(t, target, dev_type) if isinstance(t, TensorBase) else t for t in x)
                changed = changed or any(a is not b for a, b in zip(x, y, strict=True))
                new_inputs.append(y)
                continue
            else:
                y = x
            changed = changed or y is not x
            new_inputs.append(y)
        if not changed:
            return proceed(call)
        params = call.params
        if kind == FP32 and params:
            params = _float32_result(call.inputs, params)
        return proceed(OpCall(call.op, call.device, tuple(new_inputs), params))


_LOW_NUMPY = {float16.numpy_dtype, bfloat16.numpy_dtype}
_FLOAT32_NUMPY = float32.numpy_dtype


def _float32_result(inputs: tuple[Any, ...], params: tuple[Any, ...]) -> tuple[Any, ...]:
    """``params`` with the result dtype the public function derived from a low-precision input made float32.

    Reductions (sum, prod, cumsum...) carry their result dtype as a NumPy dtype param; PyTorch's
    fp32 policy runs them with ``dtype=float32`` unless a dtype was given, which tocha cannot tell
    apart here: an explicit ``dtype=`` equal to the input's low-precision dtype becomes float32 too.
    """
    first = inputs[0]
    if not isinstance(first, TensorBase) or first._dtype.numpy_dtype not in _LOW_NUMPY:
        return params
    low = first._dtype.numpy_dtype
    return tuple(_FLOAT32_NUMPY if isinstance(p, np.dtype) and p == low else p for p in params)


def _widest(inputs: tuple[Any, ...], dev_type: str) -> dtype | None:
    best: dtype | None = None
    for x in inputs:
        items = x if type(x) is list or type(x) is tuple else (x,)
        for t in items:
            if (
                isinstance(t, TensorBase)
                and t._dtype in _ELIGIBLE
                and t._device.type == dev_type
                and (best is None or _WIDTH[t._dtype] > _WIDTH[best])
            ):
                best = t._dtype
    return best


def _cast(t: Any, target: dtype, dev_type: str) -> Any:
    d = t._dtype
    if d is target or d not in _ELIGIBLE or t._device.type != dev_type:
        return t
    from ._ops.creation import to_dtype

    st = _state
    cacheable = st.cache_enabled and t._requires_grad and t._grad_fn is None and t._base is None
    if cacheable:
        found = st.cache.get((id(t), target))
        if found is not None and found[0] is t:
            return found[1]
    result = to_dtype(t, target)
    if cacheable:
        st.cache[(id(t), target)] = (t, result)
    return result


_LAYER = _AutocastLayer()


def _open_region() -> None:
    global _open_regions
    with _lock:
        _open_regions += 1
        if _open_regions == 1:
            push_layer(_LAYER)


def _close_region() -> None:
    global _open_regions
    with _lock:
        _open_regions -= 1
        if _open_regions == 0:
            if _layers and _layers[-1] is _LAYER:
                pop_layer(_LAYER)
            else:  # another layer was pushed after ours and is still open (another thread's)
                _layers.remove(_LAYER)


class autocast:
    """Run the ops of a region in mixed precision: a context manager and a decorator.

    Inside the region, ops on ``device_type`` tensors follow PyTorch's autocast policy: matrix
    products and convolutions run in ``dtype`` (float16 on ``'cuda'``, bfloat16 on ``'cpu'`` by
    default), precision-sensitive ops (losses, and on CUDA softmax, norms, exp/log, sums...) in
    float32, and ops combining several inputs (cat, stack...) in the widest input dtype. Gradients
    flow through the casts. See NOTE [ Autocast ] in ``tocha._autocast`` for the op lists.

    Args:
        device_type: ``'cuda'`` or ``'cpu'``.
        dtype: the low-precision dtype (float16 or bfloat16); None for the device's default.
        enabled: False makes the region turn autocast *off* (e.g. nested in an enabled region).
        cache_enabled: reuse the cast of each parameter within the outermost region.

    Example:
        >>> import tocha
        >>> a, b = tocha.ones(2, 3), tocha.ones(3, 2)
        >>> with tocha.autocast("cpu"):
        ...     c = a @ b
        ...     d = c.sum()
        >>> c.dtype, d.dtype
        (tocha.bfloat16, tocha.bfloat16)
        >>> @tocha.autocast("cpu", dtype=tocha.float16)
        ... def product(x, y):
        ...     return x @ y
        >>> product(a, b).dtype
        tocha.float16
    """

    def __init__(
        self,
        device_type: str,
        dtype: dtype | None = None,
        enabled: bool = True,
        cache_enabled: bool | None = None,
    ) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        if device_type not in _POLICIES:
            raise RuntimeError(
                f"User specified an unsupported autocast device_type '{device_type}' (tocha supports 'cpu' and 'cuda')"
            )
        self.device = device_type
        self.fast_dtype = get_autocast_dtype(device_type) if dtype is None else dtype
        self._enabled = bool(enabled)
        self._cache_enabled = True if cache_enabled is None else bool(cache_enabled)
        if self._enabled and self.fast_dtype not in (float16, bfloat16):
            import warnings

            supported = "torch.bfloat16, torch.float16" if device_type == "cpu" else "torch.float16, torch.bfloat16"
            warnings.warn(
                f"In {device_type} autocast, but the target dtype is not supported. Disabling autocast.\n"
                f"{device_type} Autocast only supports dtypes of {supported} currently.",
                stacklevel=2,
            )
            self._enabled = False
        self._saved: list[tuple[bool, _Dtype | None, bool]] = []

    def __enter__(self) -> None:
        st = _state
        self._saved.append((st.enabled.get(self.device, False), st.dtype.get(self.device), st.cache_enabled))
        st.enabled[self.device] = self._enabled
        st.dtype[self.device] = self.fast_dtype
        st.cache_enabled = self._cache_enabled
        st.depth += 1
        _open_region()

    def __exit__(self, *exc: object) -> None:
        st = _state
        enabled, previous_dtype, cache_enabled = self._saved.pop()
        st.enabled[self.device] = enabled
        if previous_dtype is None:
            st.dtype.pop(self.device, None)
        else:
            st.dtype[self.device] = previous_dtype
        st.cache_enabled = cache_enabled
        st.depth -= 1
        if st.depth == 0:
            st.cache.clear()  # as PyTorch: the cast cache lives for the outermost region
        _close_region()

    def __call__(self, func: F) -> F:
        """Decorate ``func`` so that each call runs inside this autocast region."""

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with autocast(self.device, self.fast_dtype, self._enabled, self._cache_enabled):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]
