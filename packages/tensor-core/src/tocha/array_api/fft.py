"""The Array API standard's ``fft`` extension over ``tocha.fft`` (keywords ``axis``/``axes`` for ``dim``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import tocha.fft as _fft

from .._dtype import get_default_dtype

if TYPE_CHECKING:
    from .._tensor import Tensor as Array

__all__ = [
    "fft", "ifft", "fftn", "ifftn", "rfft", "irfft", "rfftn", "irfftn", "hfft", "ihfft",
    "fftfreq", "rfftfreq", "fftshift", "ifftshift",
]  # fmt: skip


def fft(x: Array, /, *, n: int | None = None, axis: int = -1, norm: str = "backward") -> Array:
    """One-dimensional discrete Fourier transform along ``axis``.

    Example:
        >>> import tocha.array_api as xp
        >>> xp.fft.fft(xp.asarray([1.0, 0.0, 0.0, 0.0], dtype=xp.complex64))
        tensor([1.+0.j, 1.+0.j, 1.+0.j, 1.+0.j])
    """
    return _fft.fft(x, n=n, dim=axis, norm=norm)


def ifft(x: Array, /, *, n: int | None = None, axis: int = -1, norm: str = "backward") -> Array:
    """Inverse of :func:`fft`.

    Example:
        >>> import tocha.array_api as xp
        >>> xp.fft.ifft(xp.asarray([4.0, 0.0], dtype=xp.complex64))
        tensor([2.+0.j, 2.+0.j])
    """
    return _fft.ifft(x, n=n, dim=axis, norm=norm)


def fftn(
    x: Array, /, *, s: Sequence[int] | None = None, axes: Sequence[int] | None = None, norm: str = "backward"
) -> Array:
    """N-dimensional discrete Fourier transform over ``axes`` (all when None).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.fft.fftn(xp.ones((2, 2), dtype=xp.complex64))[0, 0]
        tensor(4.+0.j)
    """
    return _fft.fftn(x, s=s, dim=axes, norm=norm)


def ifftn(
    x: Array, /, *, s: Sequence[int] | None = None, axes: Sequence[int] | None = None, norm: str = "backward"
) -> Array:
    """Inverse of :func:`fftn`.

    Example:
        >>> import tocha.array_api as xp
        >>> xp.fft.ifftn(xp.ones((2, 2), dtype=xp.complex64))[0, 0]
        tensor(1.+0.j)
    """
    return _fft.ifftn(x, s=s, dim=axes, norm=norm)


def rfft(x: Array, /, *, n: int | None = None, axis: int = -1, norm: str = "backward") -> Array:
    """Fourier transform of real input: the non-negative frequencies only.

    Example:
        >>> import tocha.array_api as xp
        >>> xp.fft.rfft(xp.asarray([1.0, 1.0, 1.0, 1.0])).shape
        tocha.Size([3])
    """
    return _fft.rfft(x, n=n, dim=axis, norm=norm)


def irfft(x: Array, /, *, n: int | None = None, axis: int = -1, norm: str = "backward") -> Array:
    """Inverse of :func:`rfft` (real output of length ``n``, by default ``2 * (m - 1)``).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.fft.irfft(xp.asarray([4.0, 0.0, 0.0], dtype=xp.complex64))
        tensor([1., 1., 1., 1.])
    """
    return _fft.irfft(x, n=n, dim=axis, norm=norm)


def rfftn(
    x: Array, /, *, s: Sequence[int] | None = None, axes: Sequence[int] | None = None, norm: str = "backward"
) -> Array:
    """N-dimensional :func:`rfft` (the last of ``axes`` halved).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.fft.rfftn(xp.ones((2, 4))).shape
        tocha.Size([2, 3])
    """
    return _fft.rfftn(x, s=s, dim=axes, norm=norm)


def irfftn(
    x: Array, /, *, s: Sequence[int] | None = None, axes: Sequence[int] | None = None, norm: str = "backward"
) -> Array:
    """Inverse of :func:`rfftn`.

    Example:
        >>> import tocha.array_api as xp
        >>> xp.fft.irfftn(xp.ones((2, 3), dtype=xp.complex64)).shape
        tocha.Size([2, 4])
    """
    return _fft.irfftn(x, s=s, dim=axes, norm=norm)


def hfft(x: Array, /, *, n: int | None = None, axis: int = -1, norm: str = "backward") -> Array:
    """Fourier transform of a Hermitian-symmetric signal given by its first half (real output).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.fft.hfft(xp.asarray([1.0, 0.0, 0.0], dtype=xp.complex64))
        tensor([1., 1., 1., 1.])
    """
    return _fft.hfft(x, n=n, dim=axis, norm=norm)


def ihfft(x: Array, /, *, n: int | None = None, axis: int = -1, norm: str = "backward") -> Array:
    """Inverse of :func:`hfft` (real input, the non-negative frequencies out).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.real(xp.fft.ihfft(xp.asarray([1.0, 1.0, 1.0, 1.0])))
        tensor([1., 0., 0.])
    """
    return _fft.ihfft(x, n=n, dim=axis, norm=norm)


def fftfreq(n: int, /, *, d: float = 1.0, device: Any = None) -> Array:
    """Sample frequencies of an ``n``-point DFT with sample spacing ``d`` (default float dtype).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.fft.fftfreq(4)
        tensor([ 0.0000,  0.2500, -0.5000, -0.2500])
    """
    return _fft.fftfreq(n, d, dtype=get_default_dtype(), device=device)


def rfftfreq(n: int, /, *, d: float = 1.0, device: Any = None) -> Array:
    """Non-negative sample frequencies of an ``n``-point real DFT.

    Example:
        >>> import tocha.array_api as xp
        >>> xp.fft.rfftfreq(4)
        tensor([0.0000, 0.2500, 0.5000])
    """
    return _fft.rfftfreq(n, d, dtype=get_default_dtype(), device=device)


def fftshift(x: Array, /, *, axes: int | Sequence[int] | None = None) -> Array:
    """``x`` with the zero frequency moved to the centre of ``axes`` (all when None).

    Example:
        >>> import tocha.array_api as xp
        >>> xp.fft.fftshift(xp.arange(4))
        tensor([2, 3, 0, 1])
    """
    return _fft.fftshift(x, dim=axes)


def ifftshift(x: Array, /, *, axes: int | Sequence[int] | None = None) -> Array:
    """Inverse of :func:`fftshift`.

    Example:
        >>> import tocha.array_api as xp
        >>> xp.fft.ifftshift(xp.arange(4))
        tensor([2, 3, 0, 1])
    """
    return _fft.ifftshift(x, dim=axes)
