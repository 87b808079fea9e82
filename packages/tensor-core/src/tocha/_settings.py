"""Process settings that PyTorch 2 scripts set at the top: default device, determinism, matmul precision, threads.

Each setting keeps PyTorch's name, signature, validation and return values. Where tocha has nothing to switch
(its CPU ops are deterministic, NumPy's BLAS pool cannot be resized without ``threadpoolctl``), the setting is
stored and reported back, and the docstring says so; NOTE [ Settings tocha stores but cannot apply ].
"""

from __future__ import annotations

import os
import warnings
from typing import Any

from ._device import CPU, DEFAULT, EVER_SET, DeviceLike
from ._device import device as _device_cls

__all__ = [
    "set_default_device",
    "get_default_device",
    "use_deterministic_algorithms",
    "are_deterministic_algorithms_enabled",
    "is_deterministic_algorithms_warn_only_enabled",
    "set_deterministic_debug_mode",
    "get_deterministic_debug_mode",
    "set_float32_matmul_precision",
    "get_float32_matmul_precision",
    "get_num_threads",
    "set_num_threads",
    "get_num_interop_threads",
    "set_num_interop_threads",
    "set_warn_always",
    "is_warn_always_enabled",
    "is_inference",
]

# NOTE [ Settings tocha stores but cannot apply ]
# - Determinism: every CPU op is deterministic (NumPy runs one thread per op, reductions in a fixed order). On
#   cuda, adds that CuPy does with atomics (``indexing_select.add_at``: scatter_add, index_add, index_put with
#   accumulate, the backward of gathers) sum floats in an order that can change between runs; they call
#   ``alert_not_deterministic`` and so raise (or warn) while determinism is on, as PyTorch's cuda kernels do.
# - float32 matmul precision: applied to the 2-D float32 products tocha sends to cuBLAS itself (matmul, linear,
#   convolutions: NOTE [ Direct cuBLAS products ]), which switch the handle to TF32 for the call and back; CuPy's
#   own (batched) products pick TF32 from the CUPY_TF32 environment variable, read when cupy is imported.
# - Threads: NumPy's BLAS pool is sized when NumPy loads (OMP_NUM_THREADS, OPENBLAS_NUM_THREADS, MKL_NUM_THREADS);
#   set_num_threads resizes it later through threadpoolctl when installed (tensor-core's ``threads`` extra; the
#   full ``tocha`` install has it), else only stores the count. The inter-op count is stored and reported.

# ------------------------------------------------------------------ default device


def set_default_device(device: DeviceLike | None) -> None:
    """Make ``device`` the device that factories (``zeros``, ``tensor``, ``arange``, ...) use when given none.

    The setting belongs to the calling thread, as in PyTorch; ``None`` goes back to cpu. Functions that take
    a tensor (``zeros_like``, ``Tensor.new_zeros``) keep that tensor's device, ``from_numpy`` always gives a
    CPU tensor, and ``as_tensor`` / ``asarray`` move even existing tensors to the default device. A device
    without an index (``"cuda"``) means the current CUDA device when each tensor is made.
    ``with tocha.device("cuda"):`` sets it for one block.

    Args:
        device: the new default device (a ``tocha.device``, a string such as ``"cuda:1"``, an int for a CUDA
            index) or ``None`` for cpu.

    Example:
        >>> import tocha
        >>> tocha.set_default_device("cpu")
        >>> tocha.get_default_device()
        device(type='cpu')
        >>> tocha.set_default_device(None)
    """
    if device is None:
        DEFAULT.current = None
        return
    d = _device_cls(device)
    DEFAULT.current = None if d.type == "cpu" else d
    if DEFAULT.current is not None:
        EVER_SET[0] = True


def get_default_device() -> _device_cls:
    """The device factories use when given none (cpu unless changed), with the current index for CUDA.

    Example:
        >>> import tocha
        >>> tocha.get_default_device()
        device(type='cpu')
    """
    current = DEFAULT.current
    if current is None:
        return CPU
    from ._ops.creation import resolve_device

    return resolve_device(current)


# ------------------------------------------------------------------ determinism

_deterministic = False
_deterministic_warn_only = False


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Ask for deterministic algorithms: ops with none raise ``RuntimeError`` (or warn with ``warn_only=True``).

    tocha's CPU ops are all deterministic. On cuda, the float adds that CuPy performs with atomics
    (``scatter_add``, ``index_add``, ``index_put`` with ``accumulate=True`` and the backward passes of
    gathers and indexing) are not, and raise while this is on.

    Args:
        mode: ``True`` to ask for deterministic algorithms.
        warn_only: warn instead of raising when an op has no deterministic implementation.

    Raises:
        TypeError: ``mode`` or ``warn_only`` is not a bool.

    Example:
        >>> import tocha
        >>> tocha.use_deterministic_algorithms(True, warn_only=True)
        >>> tocha.are_deterministic_algorithms_enabled(), tocha.is_deterministic_algorithms_warn_only_enabled()
        (True, True)
        >>> tocha.use_deterministic_algorithms(False)
    """
    global _deterministic, _deterministic_warn_only
    if not isinstance(mode, bool):
        raise TypeError(
            f"use_deterministic_algorithms(): argument 'mode' (position 1) must be bool, not {type(mode).__name__}"
        )
    if not isinstance(warn_only, bool):
        raise TypeError(
            f"use_deterministic_algorithms(): argument 'warn_only' must be bool, not {type(warn_only).__name__}"
        )
    _deterministic, _deterministic_warn_only = mode, warn_only


def are_deterministic_algorithms_enabled() -> bool:
    """Whether ``use_deterministic_algorithms(True)`` is in force.

    Example:
        >>> import tocha
        >>> tocha.are_deterministic_algorithms_enabled()
        False
    """
    return _deterministic


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """Whether nondeterministic ops warn rather than raise (``use_deterministic_algorithms(..., warn_only=True)``).

    Example:
        >>> import tocha
        >>> tocha.is_deterministic_algorithms_warn_only_enabled()
        False
    """
    return _deterministic_warn_only


_DEBUG_MODES = {"default": 0, "warn": 1, "error": 2}


def set_deterministic_debug_mode(debug_mode: str | int) -> None:
    """``use_deterministic_algorithms`` as one level: 0 / ``"default"`` off, 1 / ``"warn"``, 2 / ``"error"``.

    Args:
        debug_mode: 0, 1, 2 or ``"default"``, ``"warn"``, ``"error"``.

    Raises:
        TypeError: ``debug_mode`` is neither str nor int.
        RuntimeError: ``debug_mode`` is not one of the values above.

    Example:
        >>> import tocha
        >>> tocha.set_deterministic_debug_mode("warn")
        >>> tocha.get_deterministic_debug_mode()
        1
        >>> tocha.set_deterministic_debug_mode(0)
    """
    if isinstance(debug_mode, str):
        level = _DEBUG_MODES.get(debug_mode)
        if level is None:
            raise RuntimeError(
                f"invalid value of debug_mode, expected one of `default`, `warn`, `error`, but got {debug_mode}"
            )
    elif isinstance(debug_mode, int):
        if debug_mode not in (0, 1, 2):
            raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got {debug_mode}")
        level = int(debug_mode)
    else:
        raise TypeError(f"debug_mode must be str or int, but got {type(debug_mode)}")
    use_deterministic_algorithms(level > 0, warn_only=level == 1)


def get_deterministic_debug_mode() -> int:
    """The determinism level: 0 off, 1 warn, 2 error (see ``set_deterministic_debug_mode``).

    Example:
        >>> import tocha
        >>> tocha.get_deterministic_debug_mode()
        0
    """
    if not _deterministic:
        return 0
    return 1 if _deterministic_warn_only else 2


def alert_not_deterministic(caller: str) -> None:
    """Raise ``RuntimeError`` (or warn, with ``warn_only``) when determinism is on; ``caller`` names the op."""
    if not _deterministic:
        return
    message = (
        f"{caller} does not have a deterministic implementation, but you set "
        "'tocha.use_deterministic_algorithms(True)'. You can turn off determinism just for this operation, or you "
        "can use the 'warn_only=True' option, if that's acceptable for your application."
    )
    if _deterministic_warn_only:
        warnings.warn(message, UserWarning, stacklevel=3)
        return
    raise RuntimeError(message)


# ------------------------------------------------------------------ float32 matmul precision

_matmul_precision = "highest"


def set_float32_matmul_precision(precision: str) -> None:
    """Set how precise float32 matmuls must be: ``"highest"``, ``"high"`` or ``"medium"`` (TF32 / bfloat16).

    On CUDA, ``"high"`` and ``"medium"`` let 2-D float32 products (matmul, linear layers, convolutions) run on TF32
    tensor cores (NOTE [ Direct cuBLAS products ]); batched products use TF32 only when ``CUPY_TF32=1`` was set
    before cupy was imported, and NumPy computes in full float32. An unknown string warns and changes nothing, as
    in PyTorch.

    Args:
        precision: ``"highest"``, ``"high"`` or ``"medium"``.

    Raises:
        RuntimeError: ``precision`` is not a str.

    Example:
        >>> import tocha
        >>> tocha.set_float32_matmul_precision("high")
        >>> tocha.get_float32_matmul_precision()
        'high'
        >>> tocha.set_float32_matmul_precision("highest")
    """
    global _matmul_precision
    if not isinstance(precision, str):
        raise RuntimeError(f"set_float32_matmul_precision expects a str, but got {type(precision).__name__}")
    if precision not in ("highest", "high", "medium"):
        warnings.warn(
            f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
            "set_float32_matmul_precision call has no effect.",
            UserWarning,
            stacklevel=2,
        )
        return
    _matmul_precision = precision


def get_float32_matmul_precision() -> str:
    """The float32 matmul precision last set: ``"highest"`` (the default), ``"high"`` or ``"medium"``.

    Example:
        >>> import tocha
        >>> tocha.get_float32_matmul_precision()
        'highest'
    """
    return _matmul_precision


# ------------------------------------------------------------------ threads


def _cpus() -> int:
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count() or 1


def _threads_from_env() -> int:
    value = os.environ.get("OMP_NUM_THREADS", "")
    return int(value) if value.isdigit() and int(value) > 0 else _cpus()


_num_threads: int | None = None
_num_interop_threads: int | None = None


def _check_threads(op: str, n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise RuntimeError(f"{op} expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError(f"{op} expects a positive integer")
    return n


def get_num_threads() -> int:
    """The intra-op thread count: the last ``set_num_threads`` value, else ``OMP_NUM_THREADS`` or the usable CPUs.

    Example:
        >>> import tocha
        >>> tocha.get_num_threads() >= 1
        True
    """
    return _threads_from_env() if _num_threads is None else _num_threads


def set_num_threads(n: int, /) -> None:
    """Set the intra-op thread count: NumPy's BLAS (OpenBLAS, MKL, BLIS...) runs matrix products on at most ``n``
    threads from now on, and ``get_num_threads`` reports it; tocha's other CPU kernels run in the calling thread.

    The BLAS pool is resized through ``threadpoolctl``, which the full ``tocha`` install brings (tensor-core
    alone: its ``threads`` extra); without it the count is only recorded, and ``OMP_NUM_THREADS`` /
    ``OPENBLAS_NUM_THREADS`` / ``MKL_NUM_THREADS`` set before Python starts size the pool.

    Args:
        n: a positive thread count.

    Raises:
        RuntimeError: the count is not a positive int.

    Example:
        >>> import tocha
        >>> before = tocha.get_num_threads()
        >>> tocha.set_num_threads(1)
        >>> tocha.get_num_threads()
        1
        >>> tocha.set_num_threads(before)
    """
    global _num_threads
    _num_threads = _check_threads("set_num_threads", n)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(limits=_num_threads, user_api="blas")


def get_num_interop_threads() -> int:
    """The inter-op thread count: the last ``set_num_interop_threads`` value, else the usable CPUs.

    tocha runs ops one after another in the calling thread; the count is only reported back.

    Example:
        >>> import tocha
        >>> tocha.get_num_interop_threads() >= 1
        True
    """
    return _cpus() if _num_interop_threads is None else _num_interop_threads


def set_num_interop_threads(n: int, /) -> None:
    """Record the inter-op thread count (``get_num_interop_threads`` reports it); tocha has no inter-op pool.

    Args:
        n: a positive thread count.

    Raises:
        RuntimeError: the count is not a positive int.

    Example:
        >>> import tocha
        >>> tocha.set_num_interop_threads(2)
        >>> tocha.get_num_interop_threads()
        2
    """
    global _num_interop_threads
    _num_interop_threads = _check_threads("set_num_interop_threads", n)


# ------------------------------------------------------------------ small ones

_warn_always = False


def set_warn_always(b: bool) -> None:
    """Ask for warnings that PyTorch gives once per process to be given every time (stored; tocha's own
    warnings go through Python's ``warnings`` filters, which decide repetition).

    Args:
        b: ``True`` to warn every time.

    Raises:
        RuntimeError: ``b`` is not a bool.

    Example:
        >>> import tocha
        >>> tocha.set_warn_always(True); tocha.is_warn_always_enabled()
        True
        >>> tocha.set_warn_always(False)
    """
    global _warn_always
    if not isinstance(b, bool):
        raise RuntimeError(f"setWarnOnlyOnce expects a bool, but got {type(b).__name__}")
    _warn_always = b


def is_warn_always_enabled() -> bool:
    """Whether ``set_warn_always(True)`` is in force.

    Example:
        >>> import tocha
        >>> tocha.is_warn_always_enabled()
        False
    """
    return _warn_always


def is_inference(input: Any) -> bool:
    """Whether ``input`` was made inside ``tocha.inference_mode()``; see ``Tensor.is_inference``.

    Raises:
        TypeError: ``input`` is not a tensor.

    Example:
        >>> import tocha
        >>> with tocha.inference_mode():
        ...     x = tocha.ones(2)
        >>> tocha.is_inference(x), tocha.is_inference(tocha.ones(2))
        (True, False)
    """
    from ._tensor_base import TensorBase

    if not isinstance(input, TensorBase):
        raise TypeError(f"is_inference(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return input.is_inference()
