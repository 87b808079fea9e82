"""``tocha.backends.cuda``: PyTorch's CUDA switches: TF32 matmuls, reduced-precision reductions, attention backends.

- ``matmul.allow_tf32`` is the same setting as ``tocha.set_float32_matmul_precision``, tied as in PyTorch: setting
  it ``True`` makes the precision ``"high"``, ``False`` makes it ``"highest"``; it reads ``True`` whenever the
  precision is not ``"highest"``. It applies to the 2-D float32 products tocha hands to cuBLAS itself (matmul,
  linear layers, convolutions); CuPy's batched products choose TF32 from ``CUPY_TF32``
  (NOTE [ Settings tocha stores but cannot apply ]).
- The SDP flags (``enable_flash_sdp``, ``flash_sdp_enabled``, ...) are the one state that
  ``tocha.nn.attention.sdpa_kernel`` sets and ``scaled_dot_product_attention`` reads: tocha's attention counts as
  the MATH backend and runs with MATH off only where PyTorch would have run an allowed fused kernel.
- ``is_built()`` is whether CuPy is installed (tocha's counterpart of a CUDA build).

Example:
    >>> import tocha
    >>> tocha.backends.cuda.matmul.allow_tf32 = True
    >>> tocha.get_float32_matmul_precision()
    'high'
    >>> tocha.set_float32_matmul_precision("highest")
    >>> tocha.backends.cuda.matmul.allow_tf32
    False
"""

from __future__ import annotations

import contextlib
import enum
import importlib.util
import warnings
from collections.abc import Iterator
from typing import Any

from .. import _settings
from ._flags import check_bool

__all__ = [
    "is_built",
    "matmul",
    "enable_flash_sdp",
    "flash_sdp_enabled",
    "enable_mem_efficient_sdp",
    "mem_efficient_sdp_enabled",
    "enable_math_sdp",
    "math_sdp_enabled",
    "enable_cudnn_sdp",
    "cudnn_sdp_enabled",
    "allow_fp16_bf16_reduction_math_sdp",
    "fp16_bf16_reduction_math_sdp_allowed",
    "is_flash_attention_available",
    "sdp_kernel",
    "preferred_linalg_library",
    "preferred_blas_library",
]


def is_built() -> bool:
    """Whether tocha can drive CUDA on this install (CuPy is installed); a GPU may still be missing.

    Example:
        >>> import tocha
        >>> isinstance(tocha.backends.cuda.is_built(), bool)
        True
    """
    return importlib.util.find_spec("cupy") is not None


# ------------------------------------------------------------------ matmul


class _MatmulFlags:
    """``tocha.backends.cuda.matmul``: ``allow_tf32`` and the reduced-precision reduction switches.

    Only these attributes exist; reading or setting another raises ``AttributeError`` as in PyTorch.
    """

    __slots__ = ("_bf16_reduction", "_fp16_reduction")

    def __init__(self) -> None:
        object.__setattr__(self, "_bf16_reduction", True)
        object.__setattr__(self, "_fp16_reduction", True)

    @property
    def allow_tf32(self) -> bool:
        """Whether float32 matmuls may use TF32: ``get_float32_matmul_precision() != "highest"``."""
        return _settings.get_float32_matmul_precision() != "highest"

    @allow_tf32.setter
    def allow_tf32(self, value: bool) -> None:
        check_bool("set_allow_tf32_cublas", value)
        _settings.set_float32_matmul_precision("high" if value else "highest")

    @property
    def allow_bf16_reduced_precision_reduction(self) -> bool:
        """Whether bfloat16 matmuls may reduce in bfloat16 (stored; default ``True``)."""
        return bool(self._bf16_reduction)

    @allow_bf16_reduced_precision_reduction.setter
    def allow_bf16_reduced_precision_reduction(self, value: bool) -> None:
        object.__setattr__(self, "_bf16_reduction", check_bool("set_allow_bf16_reduced_precision_reduction", value))

    @property
    def allow_fp16_reduced_precision_reduction(self) -> bool:
        """Whether float16 matmuls may reduce in float16 (stored; default ``True``)."""
        return bool(self._fp16_reduction)

    @allow_fp16_reduced_precision_reduction.setter
    def allow_fp16_reduced_precision_reduction(self, value: bool) -> None:
        object.__setattr__(self, "_fp16_reduction", check_bool("set_allow_fp16_reduced_precision_reduction", value))

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"Unknown attribute {name}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in _MATMUL_ATTRS:
            raise AttributeError(f"Unknown attribute {name}")
        object.__setattr__(self, name, value)


_MATMUL_ATTRS = frozenset(
    {"allow_tf32", "allow_bf16_reduced_precision_reduction", "allow_fp16_reduced_precision_reduction"}
)

matmul = _MatmulFlags()

# ------------------------------------------------------------------ scaled dot product attention

# The allowed attention backends; read by tocha.nn's attention (NOTE [ SDPA backends ] in tocha-nn).
_sdp: dict[str, bool] = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True}
_fp16_bf16_reduction_math = [False]


def enable_flash_sdp(enabled: bool) -> None:
    """Allow (or forbid) the FLASH_ATTENTION backend of ``scaled_dot_product_attention``.

    Raises:
        RuntimeError: ``enabled`` is not a bool.

    Example:
        >>> import tocha
        >>> tocha.backends.cuda.enable_flash_sdp(False)
        >>> tocha.backends.cuda.flash_sdp_enabled()
        False
        >>> tocha.backends.cuda.enable_flash_sdp(True)
    """
    _sdp["flash"] = check_bool("set_sdp_use_flash", enabled)


def flash_sdp_enabled() -> bool:
    """Whether the FLASH_ATTENTION backend is allowed (default ``True``).

    Example:
        >>> import tocha
        >>> tocha.backends.cuda.flash_sdp_enabled()
        True
    """
    return _sdp["flash"]


def enable_mem_efficient_sdp(enabled: bool) -> None:
    """Allow (or forbid) the EFFICIENT_ATTENTION backend of ``scaled_dot_product_attention``.

    Raises:
        RuntimeError: ``enabled`` is not a bool.

    Example:
        >>> import tocha
        >>> tocha.backends.cuda.enable_mem_efficient_sdp(True)
    """
    _sdp["mem_efficient"] = check_bool("set_sdp_use_mem_efficient", enabled)


def mem_efficient_sdp_enabled() -> bool:
    """Whether the EFFICIENT_ATTENTION backend is allowed (default ``True``).

    Example:
        >>> import tocha
        >>> tocha.backends.cuda.mem_efficient_sdp_enabled()
        True
    """
    return _sdp["mem_efficient"]


def enable_math_sdp(enabled: bool) -> None:
    """Allow (or forbid) the MATH backend, which is tocha's own attention.

    Raises:
        RuntimeError: ``enabled`` is not a bool.

    Example:
        >>> import tocha
        >>> tocha.backends.cuda.enable_math_sdp(True)
    """
    _sdp["math"] = check_bool("set_sdp_use_math", enabled)


def math_sdp_enabled() -> bool:
    """Whether the MATH backend (tocha's attention) is allowed (default ``True``).

    Example:
        >>> import tocha
        >>> tocha.backends.cuda.math_sdp_enabled()
        True
    """
    return _sdp["math"]


def enable_cudnn_sdp(enabled: bool) -> None:
    """Allow (or forbid) the CUDNN_ATTENTION backend of ``scaled_dot_product_attention``.

    Raises:
        RuntimeError: ``enabled`` is not a bool.

    Example:
        >>> import tocha
        >>> tocha.backends.cuda.enable_cudnn_sdp(True)
    """
    _sdp["cudnn"] = check_bool("set_sdp_use_cudnn", enabled)


def cudnn_sdp_enabled() -> bool:
    """Whether the CUDNN_ATTENTION backend is allowed (default ``True``).

    Example:
        >>> import tocha
        >>> tocha.backends.cuda.cudnn_sdp_enabled()
        True
    """
    return _sdp["cudnn"]


def allow_fp16_bf16_reduction_math_sdp(enabled: bool) -> None:
    """Allow the MATH attention backend to reduce in float16 / bfloat16 (stored; tocha reduces as NumPy does).

    Raises:
        RuntimeError: ``enabled`` is not a bool.

    Example:
        >>> import tocha
        >>> tocha.backends.cuda.allow_fp16_bf16_reduction_math_sdp(False)
        >>> tocha.backends.cuda.fp16_bf16_reduction_math_sdp_allowed()
        False
    """
    _fp16_bf16_reduction_math[0] = check_bool("set_math_sdp_allow_fp16_bf16_reduction", enabled)


def fp16_bf16_reduction_math_sdp_allowed() -> bool:
    """Whether :func:`allow_fp16_bf16_reduction_math_sdp` was turned on (default ``False``).

    Example:
        >>> import tocha
        >>> tocha.backends.cuda.fp16_bf16_reduction_math_sdp_allowed()
        False
    """
    return _fp16_bf16_reduction_math[0]


def is_flash_attention_available() -> bool:
    """Whether a flash-attention kernel is compiled in: ``False`` (tocha's one attention stands in for it).

    Example:
        >>> import tocha
        >>> tocha.backends.cuda.is_flash_attention_available()
        False
    """
    return False


@contextlib.contextmanager
def sdp_kernel(
    enable_flash: bool = True, enable_math: bool = True, enable_mem_efficient: bool = True, enable_cudnn: bool = True
) -> Iterator[dict[str, Any]]:
    """Set the four SDP flags for one block and restore them; deprecated as in PyTorch (``FutureWarning``).

    Use ``tocha.nn.attention.sdpa_kernel`` instead.

    Yields:
        An empty dict, as PyTorch's.

    Example:
        >>> import tocha, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", FutureWarning)
        ...     with tocha.backends.cuda.sdp_kernel(enable_flash=False):
        ...         tocha.backends.cuda.flash_sdp_enabled()
        False
    """
    warnings.warn(
        "`tocha.backends.cuda.sdp_kernel()` is deprecated. In the future, this context manager will be removed. "
        "Please see `tocha.nn.attention.sdpa_kernel()` for the new context manager, with updated signature",
        FutureWarning,
        stacklevel=3,
    )
    previous = dict(_sdp)
    _sdp["flash"], _sdp["math"] = bool(enable_flash), bool(enable_math)
    _sdp["mem_efficient"], _sdp["cudnn"] = bool(enable_mem_efficient), bool(enable_cudnn)
    try:
        yield {}
    finally:
        _sdp.update(previous)


# ------------------------------------------------------------------ preferred libraries


class _LinalgBackend(enum.Enum):
    """The linear-algebra library choices, as PyTorch's ``torch._C._LinalgBackend``."""

    Default = 0
    Cusolver = 1
    Magma = 2


class _BlasBackend(enum.Enum):
    """The BLAS library choices, as PyTorch's ``torch._C._BlasBackend``."""

    Default = 0
    Cublas = 1
    Cublaslt = 2
    Ck = 3


_preferred: dict[str, Any] = {"linalg": _LinalgBackend.Default, "blas": _BlasBackend.Cublas}
_LINALG_NAMES = {"default": _LinalgBackend.Default, "cusolver": _LinalgBackend.Cusolver, "magma": _LinalgBackend.Magma}
_BLAS_NAMES = {
    "cublas": _BlasBackend.Cublas,
    "cublaslt": _BlasBackend.Cublaslt,
    "hipblaslt": _BlasBackend.Cublaslt,
    "ck": _BlasBackend.Ck,
}


def _prefer(kind: str, names: dict[str, Any], enum_cls: type[enum.Enum], backend: Any) -> Any:
    if backend is None:
        return _preferred[kind]
    if isinstance(backend, str):
        if backend not in names:
            raise RuntimeError(f"Unknown input value. Choose from: {', '.join(names)}.")
        backend = names[backend]
    elif not isinstance(backend, enum_cls):
        raise RuntimeError(f"Unknown input value type {type(backend).__name__}.")
    _preferred[kind] = backend
    return backend


def preferred_linalg_library(backend: str | _LinalgBackend | None = None) -> _LinalgBackend:
    """The linear-algebra library to prefer on CUDA; with ``backend`` (``"default"``, ``"cusolver"``, ``"magma"``)
    set it first. Stored only: CuPy's ``linalg`` always uses cuSOLVER.

    Raises:
        RuntimeError: ``backend`` is unknown.

    Example:
        >>> import tocha
        >>> tocha.backends.cuda.preferred_linalg_library().name
        'Default'
    """
    result: _LinalgBackend = _prefer("linalg", _LINALG_NAMES, _LinalgBackend, backend)
    return result


def preferred_blas_library(backend: str | _BlasBackend | None = None) -> _BlasBackend:
    """The BLAS library to prefer on CUDA; with ``backend`` (``"cublas"``, ``"cublaslt"``, ``"ck"``) set it first.
    Stored only: CuPy picks cuBLAS itself.

    Raises:
        RuntimeError: ``backend`` is unknown.

    Example:
        >>> import tocha
        >>> tocha.backends.cuda.preferred_blas_library().name
        'Cublas'
    """
    result: _BlasBackend = _prefer("blas", _BLAS_NAMES, _BlasBackend, backend)
    return result
