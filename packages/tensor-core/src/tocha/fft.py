"""``tocha.fft``: discrete Fourier transforms, as ``torch.fft``.

Every transform is differentiable (see NOTE [ FFT ops ] in ``tocha._ops.fft_ops``).

Example:
    >>> import tocha
    >>> x = tocha.tensor([1.0, 2.0, 3.0, 4.0])
    >>> tocha.fft.irfft(tocha.fft.rfft(x), n=4)
    tensor([1., 2., 3., 4.])
"""

from ._ops.fft_ops import (
    fft,
    fft2,
    fftfreq,
    fftn,
    fftshift,
    hfft,
    hfft2,
    hfftn,
    ifft,
    ifft2,
    ifftn,
    ifftshift,
    ihfft,
    ihfft2,
    ihfftn,
    irfft,
    irfft2,
    irfftn,
    rfft,
    rfft2,
    rfftfreq,
    rfftn,
)

__all__ = [
    "fft",
    "fft2",
    "fftfreq",
    "fftn",
    "fftshift",
    "hfft",
    "hfft2",
    "hfftn",
    "ifft",
    "ifft2",
    "ifftn",
    "ifftshift",
    "ihfft",
    "ihfft2",
    "ihfftn",
    "irfft",
    "irfft2",
    "irfftn",
    "rfft",
    "rfft2",
    "rfftfreq",
    "rfftn",
]
