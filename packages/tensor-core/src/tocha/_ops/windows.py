"""Window functions for spectral analysis: Hann, Hamming, Blackman, Bartlett and Kaiser.

Each window is a composite of tocha ops (``arange``, ``cos``, ``i0``...) computed
in the requested dtype, as PyTorch computes it, so the values agree with
PyTorch's to the dtype's rounding. A *periodic* window of length ``N`` is the
first ``N`` values of the symmetric window of length ``N + 1`` (the form
``stft`` wants); the symmetric one (``periodic=False``) ends on the value it
starts with.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .._device import DeviceLike
from .._dtype import _COMPLEX, _FLOAT, dtype, float32, get_default_dtype
from .._layout import check_layout
from ._common import type_name
from .creation import _finish, arange, ones, resolve_device, zeros

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = ["hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"]


def _prepare(name: str, window_length: int, d: dtype | None) -> dtype:
    if isinstance(window_length, bool) or not isinstance(window_length, int):
        raise TypeError(
            f"{name}(): argument 'window_length' (position 1) must be int, not {type(window_length).__name__}"
        )
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={window_length}")
    d = get_default_dtype() if d is None else d
    if d.category == _COMPLEX:
        raise NotImplementedError(f"\"{name}\" not implemented for '{type_name(d)}'")
    if d.category != _FLOAT:
        raise RuntimeError(f"{name} expects floating point dtypes, got: {d}")
    return d


def _trivial(window_length: int, d: dtype, device: DeviceLike | None, requires_grad: bool) -> Tensor | None:
    """The windows of length 0 (empty) and 1 (a single 1), the same for every window function."""
    if window_length == 0:
        return _finish(zeros(0, dtype=d, device=device), requires_grad)
    if window_length == 1:
        return _finish(ones(1, dtype=d, device=device), requires_grad)
    return None


def hann_window(
    window_length: int,
    periodic: bool = True,
    *,
    dtype: dtype | None = None,
    layout: Any = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    r"""The Hann window: :math:`w[n] = \tfrac12 - \tfrac12 \cos(2\pi n / (N - 1))`.

    ``N`` is ``window_length + 1`` when ``periodic`` (the last value dropped), else ``window_length``.
    Only floating dtypes; ``layout`` must be None or ``tocha.strided`` (tocha tensors are dense).

    Example:
        >>> import tocha
        >>> tocha.hann_window(4)
        tensor([0.0000, 0.5000, 1.0000, 0.5000])
    """
    if layout is not None:
        check_layout("hann_window", layout)
    d = _prepare("hann_window", window_length, dtype)
    return _hamming(window_length, periodic, 0.5, 0.5, d, device, requires_grad)


def hamming_window(
    window_length: int,
    periodic: bool = True,
    alpha: float = 0.54,
    beta: float = 0.46,
    *,
    dtype: dtype | None = None,
    layout: Any = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    r"""The generalised Hamming window: :math:`w[n] = \alpha - \beta \cos(2\pi n / (N - 1))`.

    ``N`` is ``window_length + 1`` when ``periodic`` (the last value dropped), else ``window_length``.

    Example:
        >>> import tocha
        >>> tocha.hamming_window(4, dtype=tocha.float64)
        tensor([0.0800, 0.5400, 1.0000, 0.5400], dtype=tocha.float64)
    """
    if layout is not None:
        check_layout("hamming_window", layout)
    d = _prepare("hamming_window", window_length, dtype)
    return _hamming(window_length, periodic, alpha, beta, d, device, requires_grad)


def _hamming(
    window_length: int,
    periodic: bool,
    alpha: float,
    beta: float,
    d: dtype,
    device: DeviceLike | None,
    requires_grad: bool,
) -> Tensor:
    trivial = _trivial(window_length, d, device, requires_grad)
    if trivial is not None:
        return trivial
    n = window_length + 1 if periodic else window_length
    window = (arange(window_length, dtype=d, device=device) * (2.0 * math.pi / (n - 1))).cos()  # type: ignore[attr-defined]
    return _finish(window * -float(beta) + float(alpha), requires_grad)


def blackman_window(
    window_length: int,
    periodic: bool = True,
    *,
    dtype: dtype | None = None,
    layout: Any = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    r"""The Blackman window: :math:`w[n] = 0.42 - 0.5 \cos(2\pi n / (N - 1)) + 0.08 \cos(4\pi n / (N - 1))`.

    ``N`` is ``window_length + 1`` when ``periodic`` (the last value dropped), else ``window_length``.

    Example:
        >>> import tocha
        >>> tocha.blackman_window(3, periodic=False, dtype=tocha.float64)
        tensor([0., 1., 0.], dtype=tocha.float64)
    """
    if layout is not None:
        check_layout("blackman_window", layout)
    d = _prepare("blackman_window", window_length, dtype)
    trivial = _trivial(window_length, d, device, requires_grad)
    if trivial is not None:
        return trivial
    n = window_length + 1 if periodic else window_length
    angle = arange(window_length, dtype=d, device=device) * (math.pi / (n - 1))
    window = (angle * 4.0).cos() * 0.08 - (angle * 2.0).cos() * 0.5 + 0.42  # type: ignore[attr-defined]
    return _finish(window, requires_grad)


def bartlett_window(
    window_length: int,
    periodic: bool = True,
    *,
    dtype: dtype | None = None,
    layout: Any = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    r"""The Bartlett (triangular) window: :math:`w[n] = 1 - |2n / (N - 1) - 1|`.

    ``N`` is ``window_length + 1`` when ``periodic`` (the last value dropped), else ``window_length``.

    Example:
        >>> import tocha
        >>> tocha.bartlett_window(5, periodic=False)
        tensor([0.0000, 0.5000, 1.0000, 0.5000, 0.0000])
    """
    if layout is not None:
        check_layout("bartlett_window", layout)
    d = _prepare("bartlett_window", window_length, dtype)
    trivial = _trivial(window_length, d, device, requires_grad)
    if trivial is not None:
        return trivial
    from .elementwise_math import where

    n = window_length + 1 if periodic else window_length
    index = arange(window_length, device=device)
    rising = index.to(d) * (2.0 / (n - 1))  # type: ignore[attr-defined]
    first_half = ((n - 1) >> 1) + 1
    return _finish(where(index >= first_half, 2.0 - rising, rising), requires_grad)


def kaiser_window(
    window_length: int,
    periodic: bool = True,
    beta: float = 12.0,
    *,
    dtype: dtype | None = None,
    layout: Any = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    r"""The Kaiser window: :math:`w[n] = I_0\big(\beta \sqrt{1 - (2n / (N - 1) - 1)^2}\big) / I_0(\beta)`.

    :math:`I_0` is the modified Bessel function of order 0 (:func:`tocha.i0`); ``N`` is
    ``window_length + 1`` when ``periodic`` (the last value dropped), else ``window_length``.
    Half-precision windows are computed in float32 and rounded, as PyTorch does.

    Example:
        >>> import tocha
        >>> tocha.kaiser_window(3, periodic=False, beta=0.0)
        tensor([1., 1., 1.])
    """
    if layout is not None:
        check_layout("kaiser_window", layout)
    d = _prepare("kaiser_window", window_length, dtype)
    trivial = _trivial(window_length, d, device, requires_grad)
    if trivial is not None:
        return trivial
    from .special_ops import i0

    compute = d if d.itemsize >= 4 else float32
    n = window_length + 1 if periodic else window_length
    half = (n - 1) / 2.0
    ratio = (arange(window_length, device=resolve_device(device)).to(d).to(compute) - half) / half  # type: ignore[attr-defined]
    inside = (1.0 - ratio * ratio).abs().sqrt() * float(beta)
    beta_t = zeros((), dtype=compute, device=device) + float(beta)
    return _finish((i0(inside) / i0(beta_t)).to(d), requires_grad)  # type: ignore[attr-defined]
