"""Window functions (``torch.signal.windows``): ``M`` samples of a taper, symmetric or periodic.

With ``sym=True`` (the default) the window is symmetric, as for filter design; with ``sym=False`` it is
periodic, as for spectral analysis: the symmetric window of ``M + 1`` samples without its last one.
``M = 0`` gives an empty tensor and ``M = 1`` the single sample 1. The samples are computed in float64 and
returned in ``dtype`` (float32 or float64; default: the default dtype).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

import tocha

__all__ = [
    "bartlett",
    "blackman",
    "cosine",
    "exponential",
    "gaussian",
    "general_cosine",
    "general_hamming",
    "hamming",
    "hann",
    "kaiser",
    "nuttall",
]

_NUTTALL = (0.3635819, 0.4891775, 0.1365995, 0.0106411)


def _check(name: str, M: Any, dtype: Any, layout: Any) -> Any:
    if M < 0:
        raise ValueError(f"{name} requires non-negative window length, got M={M}")
    if layout is not None and layout != tocha.strided:
        raise ValueError(f"{name} is implemented for strided tensors only, got: {layout}")
    chosen = tocha.get_default_dtype() if dtype is None else dtype
    if chosen not in (tocha.float32, tocha.float64):
        raise ValueError(f"{name} expects float32 or float64 dtypes, got: {chosen}")
    return chosen


def _positions(M: int, sym: bool) -> np.ndarray:
    """The sample positions 0..N-1 of the symmetric window the result is cut from (N = M + 1 if periodic)."""
    return np.arange(M if sym else M + 1, dtype=np.float64)


def _finish(values: np.ndarray, M: int, dtype: Any, device: Any, requires_grad: bool) -> tocha.Tensor:
    return tocha.tensor(values[:M], dtype=dtype, device=device, requires_grad=requires_grad)


def _short(M: int, dtype: Any, device: Any, requires_grad: bool) -> tocha.Tensor | None:
    if M == 0:
        return tocha.empty(0, dtype=dtype, device=device, requires_grad=requires_grad)
    if M == 1:
        return tocha.ones(1, dtype=dtype, device=device, requires_grad=requires_grad)
    return None


def general_cosine(
    M: int,
    *,
    a: Iterable[float],
    sym: bool = True,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> tocha.Tensor:
    r"""The generalized cosine window :math:`w_n = \sum_k (-1)^k a_k \cos(2\pi k n / (N - 1))`.

    Example:
        >>> import tocha
        >>> tocha.signal.windows.general_cosine(4, a=[0.5, 0.5])
        tensor([0.0000, 0.7500, 0.7500, 0.0000])
    """
    dtype = _check("general_cosine", M, dtype, layout)
    if not isinstance(a, (list, tuple)):
        raise TypeError("Coefficients must be a list/tuple")
    if not a:
        raise ValueError("Coefficients cannot be empty")
    short = _short(M, dtype, device, requires_grad)
    if short is not None:
        return short
    n = _positions(M, sym)
    phase = 2.0 * math.pi * n / (len(n) - 1)
    values = sum((-1) ** k * float(c) * np.cos(k * phase) for k, c in enumerate(a))
    return _finish(np.asarray(values), M, dtype, device, requires_grad)


def general_hamming(
    M: int, *, alpha: float = 0.54, sym: bool = True, dtype: Any = None, layout: Any = None, device: Any = None,
    requires_grad: bool = False,
) -> tocha.Tensor:  # fmt: skip
    r"""The generalized Hamming window :math:`w_n = \alpha - (1 - \alpha) \cos(2\pi n / (N - 1))`.

    Example:
        >>> import tocha
        >>> tocha.signal.windows.general_hamming(3, alpha=0.6)
        tensor([0.2000, 1.0000, 0.2000])
    """
    return general_cosine(M, a=[alpha, 1.0 - alpha], sym=sym, dtype=dtype, layout=layout, device=device,
                          requires_grad=requires_grad)  # fmt: skip


def hamming(
    M: int, *, sym: bool = True, dtype: Any = None, layout: Any = None, device: Any = None, requires_grad: bool = False
) -> tocha.Tensor:
    """The Hamming window (:func:`general_hamming` with ``alpha = 0.54``).

    Example:
        >>> import tocha
        >>> tocha.signal.windows.hamming(3)
        tensor([0.0800, 1.0000, 0.0800])
    """
    return general_hamming(M, alpha=0.54, sym=sym, dtype=dtype, layout=layout, device=device,
                           requires_grad=requires_grad)  # fmt: skip


def hann(
    M: int, *, sym: bool = True, dtype: Any = None, layout: Any = None, device: Any = None, requires_grad: bool = False
) -> tocha.Tensor:
    """The Hann window (:func:`general_hamming` with ``alpha = 0.5``).

    Example:
        >>> import tocha
        >>> tocha.signal.windows.hann(5)
        tensor([0.0000, 0.5000, 1.0000, 0.5000, 0.0000])
    """
    return general_hamming(M, alpha=0.5, sym=sym, dtype=dtype, layout=layout, device=device,
                           requires_grad=requires_grad)  # fmt: skip


def blackman(
    M: int, *, sym: bool = True, dtype: Any = None, layout: Any = None, device: Any = None, requires_grad: bool = False
) -> tocha.Tensor:
    """The Blackman window (:func:`general_cosine` with ``a = [0.42, 0.5, 0.08]``).

    Example:
        >>> import tocha
        >>> tocha.signal.windows.blackman(5)[1:4]
        tensor([0.3400, 1.0000, 0.3400])
    """
    return general_cosine(M, a=[0.42, 0.5, 0.08], sym=sym, dtype=dtype, layout=layout, device=device,
                          requires_grad=requires_grad)  # fmt: skip


def nuttall(
    M: int, *, sym: bool = True, dtype: Any = None, layout: Any = None, device: Any = None, requires_grad: bool = False
) -> tocha.Tensor:
    """The minimum 4-term Blackman-Harris window of Nuttall (:func:`general_cosine` with his coefficients).

    Example:
        >>> import tocha
        >>> tocha.signal.windows.nuttall(3)
        tensor([3.6280e-04, 1.0000e+00, 3.6280e-04])
    """
    return general_cosine(M, a=list(_NUTTALL), sym=sym, dtype=dtype, layout=layout, device=device,
                          requires_grad=requires_grad)  # fmt: skip


def bartlett(
    M: int, *, sym: bool = True, dtype: Any = None, layout: Any = None, device: Any = None, requires_grad: bool = False
) -> tocha.Tensor:
    r"""The Bartlett (triangular) window :math:`w_n = 1 - |2n / (N - 1) - 1|`.

    Example:
        >>> import tocha
        >>> tocha.signal.windows.bartlett(5)
        tensor([0.0000, 0.5000, 1.0000, 0.5000, 0.0000])
    """
    dtype = _check("bartlett", M, dtype, layout)
    short = _short(M, dtype, device, requires_grad)
    if short is not None:
        return short
    n = _positions(M, sym)
    return _finish(1.0 - np.abs(2.0 * n / (len(n) - 1) - 1.0), M, dtype, device, requires_grad)


def cosine(
    M: int, *, sym: bool = True, dtype: Any = None, layout: Any = None, device: Any = None, requires_grad: bool = False
) -> tocha.Tensor:
    r"""The cosine (sine) window :math:`w_n = \sin(\pi (n + 1/2) / N)`.

    Example:
        >>> import tocha
        >>> tocha.signal.windows.cosine(3)
        tensor([0.5000, 1.0000, 0.5000])
    """
    dtype = _check("cosine", M, dtype, layout)
    short = _short(M, dtype, device, requires_grad)
    if short is not None:
        return short
    n = _positions(M, sym)
    return _finish(np.sin(math.pi * (n + 0.5) / len(n)), M, dtype, device, requires_grad)


def exponential(
    M: int, *, center: float | None = None, tau: float = 1.0, sym: bool = True, dtype: Any = None,
    layout: Any = None, device: Any = None, requires_grad: bool = False,
) -> tocha.Tensor:  # fmt: skip
    r"""The exponential (Poisson) window :math:`w_n = e^{-|n - c| / \tau}`, centred at ``center`` (default: the
    middle; only a periodic window may move it).

    Example:
        >>> import tocha
        >>> tocha.signal.windows.exponential(3, tau=0.5)
        tensor([0.1353, 1.0000, 0.1353])
    """
    dtype = _check("exponential", M, dtype, layout)
    if tau <= 0:
        raise ValueError(f"Tau must be positive, got: {tau} instead.")
    if sym and center is not None:
        raise ValueError("Center must be None for symmetric windows")
    short = _short(M, dtype, device, requires_grad)
    if short is not None:
        return short
    n = _positions(M, sym)
    middle = (len(n) - 1) / 2.0 if center is None else float(center)
    return _finish(np.exp(-np.abs(n - middle) / tau), M, dtype, device, requires_grad)


def gaussian(
    M: int, *, std: float = 1.0, sym: bool = True, dtype: Any = None, layout: Any = None, device: Any = None,
    requires_grad: bool = False,
) -> tocha.Tensor:  # fmt: skip
    r"""The Gaussian window :math:`w_n = e^{-(n - (N - 1)/2)^2 / (2 \sigma^2)}`, :math:`\sigma` = ``std``.

    Example:
        >>> import tocha
        >>> tocha.signal.windows.gaussian(3)
        tensor([0.6065, 1.0000, 0.6065])
    """
    dtype = _check("gaussian", M, dtype, layout)
    if std <= 0:
        raise ValueError(f"Standard deviation must be positive, got: {std} instead.")
    short = _short(M, dtype, device, requires_grad)
    if short is not None:
        return short
    n = _positions(M, sym)
    offset = n - (len(n) - 1) / 2.0
    return _finish(np.exp(-(offset**2) / (2.0 * std * std)), M, dtype, device, requires_grad)


def kaiser(
    M: int, *, beta: float = 12.0, sym: bool = True, dtype: Any = None, layout: Any = None, device: Any = None,
    requires_grad: bool = False,
) -> tocha.Tensor:  # fmt: skip
    r"""The Kaiser window :math:`w_n = I_0(\beta \sqrt{1 - (2n / (N - 1) - 1)^2}) / I_0(\beta)`.

    Example:
        >>> import tocha
        >>> tocha.signal.windows.kaiser(3, beta=2.0)
        tensor([0.4387, 1.0000, 0.4387])
    """
    dtype = _check("kaiser", M, dtype, layout)
    if beta < 0:
        raise ValueError(f"beta must be non-negative, got: {beta} instead.")
    short = _short(M, dtype, device, requires_grad)
    if short is not None:
        return short
    n = _positions(M, sym)
    ratio = 2.0 * n / (len(n) - 1) - 1.0
    argument = tocha.from_numpy(beta * np.sqrt(np.maximum(1.0 - ratio * ratio, 0.0)))
    values = tocha.special.i0(argument).numpy() / float(
        tocha.special.i0(tocha.tensor(float(beta), dtype=tocha.float64))
    )
    return _finish(values, M, dtype, device, requires_grad)
