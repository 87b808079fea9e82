"""Short-time Fourier transforms: ``tocha.stft`` and ``tocha.istft``, composed of differentiable ops.

NOTE [ stft as composition ]
``stft`` pads the signal (``center``), cuts it into overlapping frames with ``Tensor.unfold``, multiplies each
frame by the window (zero-padded to ``n_fft`` in the middle) and transforms the frames with ``tocha.fft``.
``istft`` inverts the frames, multiplies by the window again and overlap-adds them with ``index_add``; the
sum of the squared, shifted windows (the envelope) divides the result, which undoes the analysis exactly
where the envelope is non-zero (the NOLA condition). Being compositions of primitives with vjps, both are
differentiable without a derivative of their own.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from .._tensor_base import TensorBase

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = ["stft", "istft"]

_PAD_MODES = ("constant", "reflect", "replicate", "circular")


def _describe(op: str, input: Tensor, n_fft: int, hop: int, win: int) -> str:
    size = list(input.shape)
    return f"{op}(input of size {size} and dtype {input.dtype}, n_fft={n_fft}, hop_length={hop}, win_length={win})"


def _pad_signal(x: Tensor, pad: int, mode: str) -> Tensor:
    """``x`` (..., L) padded by ``pad`` on both sides of its last dimension in ``mode``."""
    from .. import cat, zeros

    length = x.shape[-1]
    if mode == "reflect":
        if pad >= length:
            raise RuntimeError(
                f"stft(): padding size should be less than the corresponding input dimension, but got: padding "
                f"({pad}, {pad}) at the last dimension of input {list(x.shape)} (pad_mode='reflect')"
            )
        left, right = x[..., 1 : pad + 1].flip(-1), x[..., length - pad - 1 : length - 1].flip(-1)
    elif mode == "replicate":
        size = (*x.shape[:-1], pad)
        left, right = x[..., :1].expand(size), x[..., -1:].expand(size)
    elif mode == "circular":
        if pad > length:
            raise RuntimeError(
                f"stft(): padding value causes wrapping around more than once: padding {pad} for input "
                f"{list(x.shape)} (pad_mode='circular')"
            )
        left, right = x[..., length - pad :], x[..., :pad]
    else:
        left = right = zeros(*x.shape[:-1], pad, dtype=x.dtype, device=x.device)
    return cat([left, x, right], dim=-1)


def _full_window(
    op: str, input: Tensor, window: Tensor | None, n_fft: int, hop: int, win: int, real_dtype: Any
) -> Tensor:
    """The window as a length-``n_fft`` tensor (zero-padded in the middle); ones when None."""
    from .. import cat, ones, zeros

    if window is None:
        window = ones(win, dtype=real_dtype, device=input.device)
    elif not isinstance(window, TensorBase):
        raise TypeError(f"{op}(): argument 'window' must be Tensor, not {type(window).__name__}")
    elif window.dim() != 1 or window.shape[0] != win:
        raise RuntimeError(
            f"{_describe(op, input, n_fft, hop, win)}: expected a 1D window tensor of size equal to "
            f"win_length={win}, but got window with size {list(window.shape)}"
        )
    if win == n_fft:
        return window
    left = (n_fft - win) // 2
    return cat(
        [
            zeros(left, dtype=window.dtype, device=window.device),
            window,
            zeros(n_fft - win - left, dtype=window.dtype, device=window.device),
        ]
    )


def stft(
    input: Tensor,
    n_fft: int,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: Tensor | None = None,
    center: bool = True,
    pad_mode: str = "reflect",
    normalized: bool = False,
    onesided: bool | None = None,
    return_complex: bool | None = None,
) -> Tensor:
    r"""The short-time Fourier transform of a signal ``(L,)`` or a batch of signals ``(B, L)``.

    .. math::
        X[\omega, m] = \sum_{k=0}^{n\_fft - 1} w[k]\, x[m \cdot hop + k]\, e^{-2\pi i \omega k / n\_fft}

    ``x`` is padded by ``n_fft // 2`` on both sides when ``center`` (``pad_mode``: 'constant', 'reflect',
    'replicate' or 'circular'); ``window`` (length ``win_length``, default ones) is zero-padded to ``n_fft``
    in the middle. ``hop_length`` defaults to ``n_fft // 4``, ``win_length`` to ``n_fft``. ``normalized``
    multiplies by ``n_fft ** -0.5``. ``onesided`` (default: True for a real input and window) keeps the
    ``n_fft // 2 + 1`` non-negative frequencies. The result has shape ``(B?, n_freq, n_frames)``.

    ``return_complex`` must be given for a real input, as in PyTorch 2.x; False (deprecated, warns) returns
    the real view with a trailing dimension of 2.

    Raises:
        RuntimeError: ``return_complex`` missing for a real input, an input not 1-D or 2-D or not floating,
            an ``n_fft``, ``hop_length``, ``win_length`` or window out of range, or a one-sided complex
            transform.
        NotImplementedError: an unknown ``pad_mode``.

    Example:
        >>> import tocha
        >>> x = tocha.arange(8.0)
        >>> tocha.stft(x, 4, hop_length=2, window=tocha.ones(4), return_complex=True).shape
        tocha.Size([3, 5])
    """
    from .. import fft, view_as_real

    if not isinstance(input, TensorBase):
        raise TypeError(f"stft(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    complex_input = input.is_complex()
    if return_complex is None and not complex_input and not (window is not None and window.is_complex()):
        raise RuntimeError(
            "stft requires the return_complex parameter be given for real inputs, and will further require that "
            "return_complex=True in a future PyTorch release."
        )
    hop = n_fft // 4 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    if input.dim() not in (1, 2):
        raise RuntimeError(f"{_describe('stft', input, n_fft, hop, win)}: expected a 1D or 2D tensor")
    if not (input.is_floating_point() or complex_input):
        raise RuntimeError(
            f"{_describe('stft', input, n_fft, hop, win)}: expected a tensor of floating point or complex values"
        )
    if window is None:
        warnings.warn(
            "A window was not provided. A rectangular window will be applied, which is known to cause spectral "
            "leakage. Other windows such as tocha.hann_window or tocha.hamming_window are recommended to reduce "
            "spectral leakage. To suppress this warning and use a rectangular window, explicitly set "
            "`window=tocha.ones(n_fft, device=<device>)`.",
            UserWarning,
            stacklevel=2,
        )
    batched = input.dim() == 2
    x = input if batched else input.unsqueeze(0)
    if center:
        if pad_mode not in _PAD_MODES:
            raise NotImplementedError(f"stft(): unrecognised padding mode {pad_mode}")
        x = _pad_signal(x, n_fft // 2, pad_mode)
    length = x.shape[-1]
    if not 0 < n_fft <= length:
        raise RuntimeError(
            f"{_describe('stft', input, n_fft, hop, win)}: expected 0 < n_fft <= {length} (the padded length), "
            f"but got n_fft={n_fft}"
        )
    if hop <= 0:
        raise RuntimeError(f"{_describe('stft', input, n_fft, hop, win)}: expected hop_length > 0, but got {hop}")
    if not 0 < win <= n_fft:
        raise RuntimeError(
            f"{_describe('stft', input, n_fft, hop, win)}: expected 0 < win_length <= n_fft, but got win_length={win}"
        )
    real_dtype = input.real.dtype if complex_input else input.dtype
    w = _full_window("stft", input, window, n_fft, hop, win, real_dtype)
    any_complex = complex_input or w.is_complex()
    if onesided is None:
        onesided = not any_complex
    elif onesided and any_complex:
        raise RuntimeError("Cannot have onesided output if window or input is complex")
    frames = x.unfold(-1, n_fft, hop) * w  # (B, n_frames, n_fft)
    norm = "ortho" if normalized else "backward"
    spec = fft.rfft(frames, dim=-1, norm=norm) if onesided else fft.fft(frames, dim=-1, norm=norm)
    spec = spec.transpose(-1, -2)
    if not batched:
        spec = spec.squeeze(0)
    if return_complex is False:
        warnings.warn(
            "stft with return_complex=False is deprecated. In a future release, stft will return complex tensors "
            "for all inputs, and return_complex=False will raise an error. Note: you can still call "
            "tocha.view_as_real on the complex output to recover the old return format.",
            UserWarning,
            stacklevel=2,
        )
        return view_as_real(spec.contiguous())  # type: ignore[no-any-return]
    return spec  # type: ignore[no-any-return]


def istft(
    input: Tensor,
    n_fft: int,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: Tensor | None = None,
    center: bool = True,
    normalized: bool = False,
    onesided: bool | None = None,
    length: int | None = None,
    return_complex: bool = False,
) -> Tensor:
    r"""The inverse of :func:`stft`: frames inverse-transformed, windowed and overlap-added.

    .. math::
        y[t] = \frac{\sum_m w[t - m \cdot hop]\, \mathrm{IDFT}(X[:, m])[t - m \cdot hop]}
                    {\sum_m w^2[t - m \cdot hop]}

    ``input`` is complex ``(B?, n_freq, n_frames)``. ``onesided`` defaults to ``n_freq != n_fft``; a one-sided
    input must have ``n_fft // 2 + 1`` frequencies. With ``center`` the first and last ``n_fft // 2`` samples
    are dropped; ``length`` trims or zero-pads the result. ``return_complex`` gives a complex signal (then
    the input must be two-sided). See NOTE [ stft as composition ].

    Raises:
        RuntimeError: a real input, an input not 2-D or 3-D, a frequency size that does not match ``n_fft``,
            arguments out of range, or a window whose overlap-added square is zero somewhere (NOLA fails).

    Example:
        >>> import tocha
        >>> x = tocha.arange(8.0)
        >>> w = tocha.hann_window(4)
        >>> spec = tocha.stft(x, 4, hop_length=1, window=w, return_complex=True)
        >>> tocha.istft(spec, 4, hop_length=1, window=w, length=8).round(decimals=4)
        tensor([0., 1., 2., 3., 4., 5., 6., 7.])
    """
    from .. import arange, fft, zeros

    if not isinstance(input, TensorBase):
        raise TypeError(f"istft(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if not input.is_complex():
        raise RuntimeError(
            "istft requires a complex-valued input tensor matching the output from stft with return_complex=True."
        )
    hop = n_fft // 4 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    if input.dim() not in (2, 3):
        raise RuntimeError(
            f"{_describe('istft', input, n_fft, hop, win)}: expected a complex tensor with 2 or 3 dimensions, "
            f"but got {input.dim()}"
        )
    batched = input.dim() == 3
    spec = input if batched else input.unsqueeze(0)
    n_freq, n_frames = spec.shape[-2], spec.shape[-1]
    if n_fft <= 0:
        raise RuntimeError(f"{_describe('istft', input, n_fft, hop, win)}: expected n_fft > 0, but got {n_fft}")
    if not 0 < hop <= win:
        raise RuntimeError(
            f"{_describe('istft', input, n_fft, hop, win)}: expected 0 < hop_length <= win_length, but got {hop}"
        )
    if not 0 < win <= n_fft:
        raise RuntimeError(
            f"{_describe('istft', input, n_fft, hop, win)}: expected 0 < win_length <= n_fft, but got win_length={win}"
        )
    w = _full_window("istft", input, window, n_fft, hop, win, input.real.dtype)
    if onesided is None:
        onesided = n_freq != n_fft
    if onesided:
        if n_freq != n_fft // 2 + 1:
            raise RuntimeError(
                f"{_describe('istft', input, n_fft, hop, win)}: expected the frequency dimension (2nd to the last) "
                f"of the input tensor to match n_fft / 2 + 1 when onesided=True, but got {n_freq}"
            )
        if return_complex or w.is_complex():
            raise RuntimeError("Cannot have onesided output if window or input is complex")
    elif n_freq != n_fft:
        raise RuntimeError(
            f"{_describe('istft', input, n_fft, hop, win)}: expected the frequency dimension (2nd to the last) "
            f"of the input tensor to match n_fft when onesided=False, but got {n_freq}"
        )
    norm = "ortho" if normalized else "backward"
    frames = spec.transpose(-1, -2)  # (B, n_frames, n_freq)
    if onesided:
        signal = fft.irfft(frames, n=n_fft, dim=-1, norm=norm)
    else:
        signal = fft.ifft(frames, dim=-1, norm=norm)
        if not return_complex:
            signal = signal.real
    signal = signal * w
    total = n_fft + hop * (n_frames - 1)
    positions = arange(n_frames, device=input.device).unsqueeze(1) * hop + arange(n_fft, device=input.device)
    positions = positions.reshape(-1)
    batch = spec.shape[0]
    out = zeros(batch, total, dtype=signal.dtype, device=input.device)
    out = out.index_add(-1, positions, signal.reshape(batch, -1))
    w_sq = (w * w.conj()).real if w.is_complex() else w * w
    envelope = zeros(total, dtype=w_sq.dtype, device=input.device)
    envelope = envelope.index_add(0, positions, w_sq.expand(n_frames, n_fft).reshape(-1))
    start = n_fft // 2 if center else 0
    end = total - n_fft // 2 if center else total
    if length is not None:
        end = start + length
    out = out[:, start:end]
    envelope = envelope[start:end]
    if envelope.numel() and envelope.abs().min().item() < 1e-11:
        raise RuntimeError(
            f"{_describe('istft', input, n_fft, hop, win)}: window overlap add min: "
            f"{envelope.abs().min().item():g} (the window does not satisfy the NOLA condition)"
        )
    out = out / envelope
    if length is not None and out.shape[-1] < length:
        warnings.warn(
            "istft(): the length of signal is shorter than the length parameter. Result is being padded with zeros "
            "in the tail. Please check your center and hop_length settings.",
            UserWarning,
            stacklevel=2,
        )
        out = _pad_end(out, length - out.shape[-1])
    return out if batched else out.squeeze(0)  # type: ignore[no-any-return]


def _pad_end(x: Tensor, extra: int) -> Tensor:
    from .. import cat, zeros

    return cat([x, zeros(x.shape[0], extra, dtype=x.dtype, device=x.device)], dim=-1)  # type: ignore[no-any-return]


class SpectralMethods:
    """``Tensor.stft`` and ``Tensor.istft``."""

    __slots__ = ()

    def stft(
        self: Any,
        n_fft: int,
        hop_length: int | None = None,
        win_length: int | None = None,
        window: Tensor | None = None,
        center: bool = True,
        pad_mode: str = "reflect",
        normalized: bool = False,
        onesided: bool | None = None,
        return_complex: bool | None = None,
    ) -> Tensor:
        """See :func:`tocha.stft`."""
        return stft(self, n_fft, hop_length, win_length, window, center, pad_mode, normalized, onesided, return_complex)

    def istft(
        self: Any,
        n_fft: int,
        hop_length: int | None = None,
        win_length: int | None = None,
        window: Tensor | None = None,
        center: bool = True,
        normalized: bool = False,
        onesided: bool | None = None,
        length: int | None = None,
        return_complex: bool = False,
    ) -> Tensor:
        """See :func:`tocha.istft`."""
        return istft(self, n_fft, hop_length, win_length, window, center, normalized, onesided, length, return_complex)
