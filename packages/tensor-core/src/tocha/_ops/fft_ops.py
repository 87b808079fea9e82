"""Discrete Fourier transforms: the ops behind ``tocha.fft``.

NOTE [ FFT ops ]
Four primitives, each over a tuple of dims, with the transform's
normalization (``"backward"``, ``"ortho"``, ``"forward"``) as a param:

- ``fft_c2c``: complex to complex, forward or inverse (fftn / ifftn);
- ``fft_r2c``: real to the one-sided complex half spectrum (rfftn);
- ``fft_c2r``: the half spectrum back to a real signal of a given last size (irfftn);
- ``_fft_resize``: crop or zero-pad dims to given sizes (the ``n``/``s`` arguments).

The public functions resize first, so the transforms never change sizes
themselves and their vjps are plain adjoint transforms. The adjoint of a
transform normalised by ``c`` is the conjugate-direction transform with the
same factor ``c``, which is the other direction's *dual* norm name
(``backward`` <-> ``forward``, ``ortho`` stays). With PyTorch's convention for
complex gradients (the conjugate Wirtinger derivative) a C-linear map ``A``
has vjp ``g -> A^H g``; for real inputs the real part is taken.

- fft_c2c: ``c2c(g, dual, other direction)``.
- fft_r2c: ``Re c2c(pad(g), dual, inverse)``, ``pad`` zero-filling the
  dropped half of the last dim.
- fft_c2r: ``r2c(g, dual)`` with bins ``1 .. n - n//2 - 1`` doubled: each
  stands for itself and its conjugate mirror in the real output. (As in
  PyTorch, this is the exact gradient for one transformed dim; over several
  dims it assumes a Hermitian input.)

Inputs of integer or bool dtype are transformed in the default float dtype;
float16 and bfloat16 raise, as PyTorch on CPU. hfft / ihfft are the
conjugate-symmetric transforms written with irfft / rfft and ``conj``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._device import DeviceLike
from .._dispatch import OpRecord, OpTest, call, register_op
from .._dtype import (
    _COMPLEX,
    _FLOAT,
    bfloat16,
    complex64,
    complex128,
    dtype,
    float16,
    float32,
    float64,
    get_default_dtype,
)
from ._common import cast_operand, normalize_dim, type_name
from .elementwise_base import as_tensor_arg

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__: list[str] = []

_DUAL = {"backward": "forward", "forward": "backward", "ortho": "ortho"}
_COMPLEX_DTYPES = (complex64, complex128)
_REAL_DTYPES = (float32, float64)


# ------------------------------------------------------------------ primitives


def _c2c_forward(xp: Any, a: Any, dims: tuple[int, ...], norm: str, forward: bool) -> Any:
    if not dims:
        return a.copy()
    fn = xp.fft.fftn if forward else xp.fft.ifftn
    return fn(a, axes=dims, norm=norm).astype(a.dtype, copy=False)


def _c2c_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    dims, norm, forward = ctx.params
    g = _as_complex(grad)
    return (call(FFT_C2C, g._device, (g,), (dims, _DUAL[norm], not forward)),)


def _r2c_forward(xp: Any, a: Any, dims: tuple[int, ...], norm: str) -> Any:
    out_dtype = np.complex64 if a.dtype == np.float32 else np.complex128
    return xp.fft.rfftn(a, axes=dims, norm=norm).astype(out_dtype, copy=False)


def _r2c_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    dims, norm = ctx.params
    shape = ctx.input_shapes[0]
    g = _as_complex(grad)
    padded = _resize(g, (dims[-1],), (shape[dims[-1]],))
    full = call(FFT_C2C, g._device, (padded,), (dims, _DUAL[norm], False))
    return (full.real,)


def _c2r_forward(xp: Any, a: Any, dims: tuple[int, ...], norm: str, last_size: int) -> Any:
    sizes = (*(a.shape[d] for d in dims[:-1]), last_size)
    out_dtype = np.float32 if a.dtype == np.complex64 else np.float64
    return xp.fft.irfftn(a, s=sizes, axes=dims, norm=norm).astype(out_dtype, copy=False)


def _c2r_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    dims, norm, last_size = ctx.params
    g = grad if grad._dtype.category == _FLOAT else grad.real
    result: Tensor = call(FFT_R2C, g._device, (g,), (dims, _DUAL[norm]))
    half = last_size // 2 + 1
    doubled = last_size - half
    if doubled > 0:
        scale = np.ones(half, dtype=result._dtype.to_real().numpy_dtype)
        scale[1 : 1 + doubled] = 2.0
        shape = [1] * result.dim()
        shape[dims[-1]] = half
        from .creation import tensor

        result = result * tensor(scale.reshape(shape), device=result._device)
    return (result,)


def _resize_forward(xp: Any, a: Any, dims: tuple[int, ...], sizes: tuple[int, ...]) -> Any:
    shape = list(a.shape)
    source = [slice(None)] * a.ndim
    for d, size in zip(dims, sizes, strict=True):
        source[d] = slice(0, min(size, shape[d]))
        shape[d] = size
    out = xp.zeros(shape, dtype=a.dtype)
    out[tuple(source)] = a[tuple(source)]
    return out


def _resize_vjp(ctx: Any, grad: Tensor) -> tuple[Tensor]:
    dims, _ = ctx.params
    shape = ctx.input_shapes[0]
    return (_resize(grad, dims, tuple(shape[d] for d in dims)),)


def _np_axes(a: Any, s: Any, axis: Any) -> Any:
    if axis is None and s is not None:
        return tuple(range(a.ndim - len(s), a.ndim))
    return axis


def _np_fftn(a: Any, s: Any = None, axis: Any = None, norm: Any = None) -> Any:
    return np.fft.fftn(a, s=s, axes=_np_axes(a, s, axis), norm=norm)


def _np_rfftn(a: Any, s: Any = None, axis: Any = None, norm: Any = None) -> Any:
    return np.fft.rfftn(a, s=s, axes=_np_axes(a, s, axis), norm=norm)


def _np_irfft(a: Any, n: Any = None, axis: int = -1, norm: Any = None) -> Any:
    return np.fft.irfft(a, n=n, axis=axis, norm=norm)


def _fftn_samples(device: Any, d: dtype) -> list[Any]:
    from ..testing import SampleInput, make_tensor

    def make(*shape: int, noncontiguous: bool = False) -> Any:
        return make_tensor(*shape, dtype=d, device=device, noncontiguous=noncontiguous)

    return [
        SampleInput(make(3, 4), name="2d"),
        SampleInput(make(5), kwargs={"norm": "ortho"}, name="1d-ortho"),
        SampleInput(make(2, 3, 4), kwargs={"dim": (0, 2), "norm": "forward"}, name="dims"),
        SampleInput(make(3, 4), kwargs={"s": (5, 2)}, name="resized"),
        SampleInput(make(3, 4, noncontiguous=True), kwargs={"dim": (1,)}, name="noncontiguous"),
        SampleInput(make(0, 4), kwargs={"dim": (1,)}, name="empty"),
    ]


def _irfft_samples(device: Any, d: dtype) -> list[Any]:
    from ..testing import SampleInput, make_tensor

    def make(*shape: int, noncontiguous: bool = False) -> Any:
        return make_tensor(*shape, dtype=d, device=device, noncontiguous=noncontiguous)

    return [
        SampleInput(make(3, 5), name="2d"),
        SampleInput(make(4), kwargs={"n": 7, "norm": "ortho"}, name="odd"),
        SampleInput(make(4, 3), kwargs={"n": 4, "dim": 0, "norm": "forward"}, name="dim0"),
        SampleInput(make(3, 4, noncontiguous=True), kwargs={"n": 9}, name="noncontiguous"),
    ]


_TORCH_EMPTY = {"torch:empty": "PyTorch's MKL backend fails on an empty batch (tocha and NumPy return empty)"}
FFT_C2C = register_op(
    OpRecord(
        name="fft_c2c",
        forward=_c2c_forward,
        vjp=_c2c_vjp,
        dtypes=_COMPLEX_DTYPES,
        test=OpTest(
            samples=_fftn_samples,
            reference=_np_fftn,
            torch_name="fft.fftn",
            atol=1e-4,
            rtol=1e-4,
            skips=_TORCH_EMPTY,
        ),
    )
)
FFT_R2C = register_op(
    OpRecord(
        name="fft_r2c",
        forward=_r2c_forward,
        vjp=_r2c_vjp,
        dtypes=_REAL_DTYPES,
        test=OpTest(
            samples=_fftn_samples,
            reference=_np_rfftn,
            torch_name="fft.rfftn",
            atol=1e-4,
            rtol=1e-4,
            skips=_TORCH_EMPTY,
        ),
    )
)
FFT_C2R = register_op(
    OpRecord(
        name="fft_c2r",
        forward=_c2r_forward,
        vjp=_c2r_vjp,
        dtypes=_COMPLEX_DTYPES,
        test=OpTest(samples=_irfft_samples, reference=_np_irfft, torch_name="fft.irfft", atol=1e-4, rtol=1e-4),
    )
)
FFT_RESIZE = register_op(
    OpRecord(name="_fft_resize", forward=_resize_forward, vjp=_resize_vjp),
)


# ------------------------------------------------------------------ argument handling


def _as_complex(t: Tensor) -> Tensor:
    if t._dtype.category == _COMPLEX:
        return t
    return cast_operand(t, t._dtype.to_complex(), t._device)  # type: ignore[no-any-return]


def _resize(x: Tensor, dims: Sequence[int], sizes: Sequence[int]) -> Tensor:
    """``x`` cropped or zero-padded to ``sizes`` along ``dims`` (``x`` itself when nothing changes)."""
    shape = x._data.shape
    changed = [(d, s) for d, s in zip(dims, sizes, strict=True) if shape[d] != s]
    if not changed:
        return x
    return call(  # type: ignore[no-any-return]
        FFT_RESIZE, x._device, (x,), (tuple(d for d, _ in changed), tuple(s for _, s in changed))
    )


def _check_norm(norm: str | None) -> str:
    if norm is None:
        return "backward"
    if norm not in _DUAL:
        raise RuntimeError(f'Invalid normalization mode: "{norm}"')
    return norm


def _input(name: str, input: Any, *, real: bool = False) -> Tensor:
    """The input as a float or complex tensor: integers in the default float; half types refused."""
    x = as_tensor_arg(name, input)
    d = x._dtype
    if d.category < _FLOAT:
        return cast_operand(x, get_default_dtype(), x._device)  # type: ignore[no-any-return]
    if d is float16 or d is bfloat16:
        raise RuntimeError(f"{name}(): Unsupported dtype {type_name(d)}")
    if real and d.category == _COMPLEX:
        raise RuntimeError(f"{name} expects a real input tensor, but got {type_name(d)}")
    return x


def _one_dim(name: str, x: Tensor, dim: int) -> int:
    if x._data.ndim == 0:
        raise IndexError(f"{name}(): Dimension specified as {dim} but tensor has no dimensions")
    return normalize_dim(name, dim, x._data.ndim)


def _check_points(n: int) -> int:
    if n < 1:
        raise RuntimeError(f"Invalid number of data points ({n}) specified")
    return n


def _dims_and_sizes(
    name: str, x: Tensor, s: Sequence[int] | None, dim: int | Sequence[int] | None
) -> tuple[tuple[int, ...], list[int | None]]:
    """PyTorch's rules: ``dim`` None means the last ``len(s)`` dims (all without ``s``); ``-1`` in ``s`` keeps."""
    ndim = x._data.ndim
    if isinstance(dim, int):
        dim = (dim,)
    if s is not None and isinstance(s, int):
        s = (s,)
    if dim is None:
        if s is None:
            dims = tuple(range(ndim))
        else:
            if len(s) > ndim:
                raise RuntimeError(
                    f"{name}(): Got shape with {len(s)} values but input tensor only has {ndim} dimensions."
                )
            dims = tuple(range(ndim - len(s), ndim))
    else:
        if s is not None and len(s) != len(dim):
            raise RuntimeError("When given, dim and shape arguments must have the same length")
        dims = tuple(_one_dim(name, x, d) for d in dim)
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"{name}(): FFT dims must be unique")
    sizes: list[int | None] = [None] * len(dims)
    if s is not None:
        for i, size in enumerate(s):
            if size != -1:
                sizes[i] = _check_points(int(size))
    return dims, sizes


def _filled(x: Tensor, dims: Sequence[int], sizes: Sequence[int | None]) -> tuple[int, ...]:
    shape = x._data.shape
    return tuple(shape[d] if size is None else size for d, size in zip(dims, sizes, strict=True))


def _c2c(name: str, input: Any, s: Any, dim: Any, norm: str | None, forward: bool) -> Tensor:
    x = _input(name, input)
    mode = _check_norm(norm)
    dims, sizes = _dims_and_sizes(name, x, s, dim)
    x = _as_complex(x)
    full = _filled(x, dims, sizes)
    for size in full:
        _check_points(size)
    x = _resize(x, dims, full)
    return call(FFT_C2C, x._device, (x,), (dims, mode, forward))  # type: ignore[no-any-return]


def _r2c(name: str, input: Any, s: Any, dim: Any, norm: str | None) -> Tensor:
    x = _input(name, input, real=True)
    mode = _check_norm(norm)
    dims, sizes = _dims_and_sizes(name, x, s, dim)
    if not dims:
        raise RuntimeError(f"{name} must transform at least one axis")
    full = _filled(x, dims, sizes)
    for size in full:
        _check_points(size)
    x = _resize(x, dims, full)
    return call(FFT_R2C, x._device, (x,), (dims, mode))  # type: ignore[no-any-return]


def _c2r(name: str, input: Any, s: Any, dim: Any, norm: str | None) -> Tensor:
    x = _input(name, input)
    mode = _check_norm(norm)
    dims, sizes = _dims_and_sizes(name, x, s, dim)
    if not dims:
        raise RuntimeError(f"{name} must transform at least one axis")
    last = sizes[-1]
    last_size = _check_points(2 * (x._data.shape[dims[-1]] - 1) if last is None else last)
    full = [*_filled(x, dims[:-1], sizes[:-1]), last_size // 2 + 1]
    for size in full:
        _check_points(size)
    x = _resize(_as_complex(x), dims, full)
    return call(FFT_C2R, x._device, (x,), (dims, mode, last_size))  # type: ignore[no-any-return]


def _n_to_s(n: int | None) -> tuple[int] | None:
    """A one-dimensional transform's ``n`` as ``s`` (where -1 would mean "keep", ``n`` has no such value)."""
    return None if n is None else (_check_points(int(n)),)


# ------------------------------------------------------------------ public functions (tocha.fft)


def fft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """The one-dimensional discrete Fourier transform along ``dim``.

    Args:
        input: the signal (real inputs are transformed as complex; integers in the default float dtype).
        n: the signal length: ``input`` is cropped or zero-padded to it along ``dim``.
        dim: the transformed dimension.
        norm: ``"backward"`` (default, no scaling), ``"ortho"`` (``1/sqrt(n)``) or ``"forward"`` (``1/n``).

    Raises:
        RuntimeError: an invalid ``norm`` or ``n``, or a float16/bfloat16 input.
        IndexError: ``dim`` out of range.

    Example:
        >>> import tocha
        >>> tocha.fft.fft(tocha.tensor([1.0, 2.0, 3.0, 4.0]))
        tensor([10.+0.j, -2.+2.j, -2.+0.j, -2.-2.j])
    """
    return _c2c("fft", input, _n_to_s(n), (dim,), norm, True)


def ifft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """The one-dimensional inverse discrete Fourier transform along ``dim``.

    Arguments as :func:`fft`; ``norm="backward"`` scales by ``1/n``.

    Example:
        >>> import tocha
        >>> tocha.fft.ifft(tocha.tensor([4.0, 0.0, 0.0, 0.0]))
        tensor([1.+0.j, 1.+0.j, 1.+0.j, 1.+0.j])
    """
    return _c2c("ifft", input, _n_to_s(n), (dim,), norm, False)


def fft2(
    input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1), norm: str | None = None
) -> Tensor:
    """The two-dimensional discrete Fourier transform (see :func:`fftn`).

    Example:
        >>> import tocha
        >>> tocha.fft.fft2(tocha.ones(2, 2))
        tensor([[4.+0.j, 0.+0.j],
                [0.+0.j, 0.+0.j]])
    """
    return _c2c("fft2", input, s, dim, norm, True)


def ifft2(
    input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1), norm: str | None = None
) -> Tensor:
    """The two-dimensional inverse discrete Fourier transform (see :func:`ifftn`).

    Example:
        >>> import tocha
        >>> tocha.fft.ifft2(tocha.tensor([[4.0, 0.0], [0.0, 0.0]]))
        tensor([[1.+0.j, 1.+0.j],
                [1.+0.j, 1.+0.j]])
    """
    return _c2c("ifft2", input, s, dim, norm, False)


def fftn(
    input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] | None = None, norm: str | None = None
) -> Tensor:
    """The N-dimensional discrete Fourier transform.

    Args:
        input: the signal.
        s: the signal size in each transformed dim (``-1`` keeps a dim's size): crop or zero-pad.
        dim: the transformed dims; by default the last ``len(s)`` dims, or all without ``s``.
        norm: ``"backward"`` (default), ``"ortho"`` or ``"forward"``.

    Raises:
        RuntimeError: ``s`` and ``dim`` of different lengths, repeated dims, an invalid ``norm`` or size.

    Example:
        >>> import tocha
        >>> tocha.fft.fftn(tocha.ones(2, 2), norm="ortho")
        tensor([[2.0000+0.j, 0.0000+0.j],
                [0.0000+0.j, 0.0000+0.j]])
    """
    return _c2c("fftn", input, s, dim, norm, True)


def ifftn(
    input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] | None = None, norm: str | None = None
) -> Tensor:
    """The N-dimensional inverse discrete Fourier transform (arguments as :func:`fftn`).

    Example:
        >>> import tocha
        >>> tocha.fft.ifftn(tocha.fft.fftn(tocha.tensor([[1.0, 2.0]]))).real
        tensor([[1., 2.]])
    """
    return _c2c("ifftn", input, s, dim, norm, False)


def rfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """The one-sided Fourier transform of a real signal: ``n // 2 + 1`` frequencies along ``dim``.

    Raises:
        RuntimeError: a complex input.

    Example:
        >>> import tocha
        >>> tocha.fft.rfft(tocha.tensor([1.0, 2.0, 3.0, 4.0]))
        tensor([10.+0.j, -2.+2.j, -2.+0.j])
    """
    return _r2c("rfft", input, _n_to_s(n), (dim,), norm)


def irfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """The inverse of :func:`rfft`: a real signal of length ``n`` (default ``2 * (m - 1)``) from a half spectrum.

    The imaginary parts of the zero (and, for even ``n``, the Nyquist) frequency are ignored.

    Example:
        >>> import tocha
        >>> tocha.fft.irfft(tocha.fft.rfft(tocha.tensor([1.0, 2.0, 3.0, 4.0])))
        tensor([1., 2., 3., 4.])
    """
    return _c2r("irfft", input, _n_to_s(n), (dim,), norm)


def rfft2(
    input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1), norm: str | None = None
) -> Tensor:
    """The two-dimensional :func:`rfftn`.

    Example:
        >>> import tocha
        >>> tocha.fft.rfft2(tocha.ones(2, 2)).shape
        tocha.Size([2, 2])
    """
    return _r2c("rfft2", input, s, dim, norm)


def irfft2(
    input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1), norm: str | None = None
) -> Tensor:
    """The two-dimensional :func:`irfftn`.

    Example:
        >>> import tocha
        >>> tocha.fft.irfft2(tocha.fft.rfft2(tocha.ones(2, 4))).shape
        tocha.Size([2, 4])
    """
    return _c2r("irfft2", input, s, dim, norm)


def rfftn(
    input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] | None = None, norm: str | None = None
) -> Tensor:
    """The N-dimensional Fourier transform of a real signal, one-sided in the last transformed dim.

    Example:
        >>> import tocha
        >>> tocha.fft.rfftn(tocha.ones(2, 4))
        tensor([[8.+0.j, 0.+0.j, 0.+0.j],
                [0.+0.j, 0.+0.j, 0.+0.j]])
    """
    return _r2c("rfftn", input, s, dim, norm)


def irfftn(
    input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] | None = None, norm: str | None = None
) -> Tensor:
    """The inverse of :func:`rfftn`; the last transformed dim's output size defaults to ``2 * (m - 1)``.

    Example:
        >>> import tocha
        >>> tocha.fft.irfftn(tocha.fft.rfftn(tocha.ones(2, 3)), s=(2, 3))
        tensor([[1., 1., 1.],
                [1., 1., 1.]])
    """
    return _c2r("irfftn", input, s, dim, norm)


def hfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """The Fourier transform of a Hermitian-symmetric signal given by its first half: a real spectrum of length ``n``.

    Example:
        >>> import tocha
        >>> tocha.fft.hfft(tocha.tensor([1.0, 0.5]), n=3)
        tensor([2.0000, 0.5000, 0.5000])
    """
    x = _input("hfft", input)
    return _c2r("hfft", _conj(_as_complex(x)), _n_to_s(n), (dim,), _DUAL[_check_norm(norm)])


def ihfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """The inverse of :func:`hfft`: the half Hermitian spectrum of a real signal.

    Example:
        >>> import tocha
        >>> tocha.fft.ihfft(tocha.tensor([2.0, 0.5, 0.5]))
        tensor([1.0000-0.j, 0.5000-0.j])
    """
    return _conj(_r2c("ihfft", input, _n_to_s(n), (dim,), _DUAL[_check_norm(norm)]))


def hfftn(
    input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] | None = None, norm: str | None = None
) -> Tensor:
    """The N-dimensional :func:`hfft`: real output, Hermitian input given by its half in the last dim.

    Example:
        >>> import tocha
        >>> tocha.fft.hfftn(tocha.ones(2, 2), s=(2, 2))
        tensor([[4., 0.],
                [0., 0.]])
    """
    x = _input("hfftn", input)
    return _c2r("hfftn", _conj(_as_complex(x)), s, dim, _DUAL[_check_norm(norm)])


def ihfftn(
    input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] | None = None, norm: str | None = None
) -> Tensor:
    """The N-dimensional :func:`ihfft`.

    Example:
        >>> import tocha
        >>> tocha.fft.ihfftn(tocha.ones(2, 2)).real
        tensor([[1., 0.],
                [0., 0.]])
    """
    return _conj(_r2c("ihfftn", input, s, dim, _DUAL[_check_norm(norm)]))


def hfft2(
    input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1), norm: str | None = None
) -> Tensor:
    """The two-dimensional :func:`hfftn`.

    Example:
        >>> import tocha
        >>> tocha.fft.hfft2(tocha.ones(2, 2)).shape
        tocha.Size([2, 2])
    """
    x = _input("hfft2", input)
    return _c2r("hfft2", _conj(_as_complex(x)), s, dim, _DUAL[_check_norm(norm)])


def ihfft2(
    input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1), norm: str | None = None
) -> Tensor:
    """The two-dimensional :func:`ihfftn`.

    Example:
        >>> import tocha
        >>> tocha.fft.ihfft2(tocha.ones(2, 2)).shape
        tocha.Size([2, 2])
    """
    return _conj(_r2c("ihfft2", input, s, dim, _DUAL[_check_norm(norm)]))


def _conj(x: Tensor) -> Tensor:
    from .elementwise import conj

    return conj(x)


def _freq_dtype(name: str, dtype: dtype | None) -> dtype:
    d = get_default_dtype() if dtype is None else dtype
    if d.category < _FLOAT:
        raise RuntimeError(f"{name} requires a floating point or complex dtype")
    return d


def _freq_tensor(values: Any, d: dtype, device: DeviceLike | None, requires_grad: bool) -> Tensor:
    from .creation import resolve_device, tensor

    result: Tensor = tensor(values.astype(d.numpy_dtype), device=resolve_device(device))
    if requires_grad:
        result.requires_grad_()  # type: ignore[attr-defined]
    return result


def fftfreq(
    n: int, d: float = 1.0, *, dtype: dtype | None = None, device: DeviceLike | None = None, requires_grad: bool = False
) -> Tensor:
    """The sample frequencies of a length-``n`` transform with sample spacing ``d``: ``[0, 1, ..., -1] / (d n)``.

    Raises:
        RuntimeError: an integer or bool ``dtype``.

    Example:
        >>> import tocha
        >>> tocha.fft.fftfreq(4)
        tensor([ 0.0000,  0.2500, -0.5000, -0.2500])
    """
    target = _freq_dtype("fftfreq", dtype)
    _check_length(n)
    values = np.fft.fftfreq(n, d) if n > 0 else np.zeros(0)
    return _freq_tensor(values, target, device, requires_grad)


def _check_length(size: int) -> None:
    if size < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {size}: [{size}]")


def rfftfreq(
    n: int, d: float = 1.0, *, dtype: dtype | None = None, device: DeviceLike | None = None, requires_grad: bool = False
) -> Tensor:
    """The sample frequencies of :func:`rfft` for a length-``n`` signal: ``[0, 1, ..., n // 2] / (d n)``.

    Example:
        >>> import tocha
        >>> tocha.fft.rfftfreq(4)
        tensor([0.0000, 0.2500, 0.5000])
    """
    target = _freq_dtype("rfftfreq", dtype)
    _check_length(n // 2 + 1)
    values = np.fft.rfftfreq(n, d) if n > 0 else np.full(n // 2 + 1, np.nan)  # PyTorch: n = 0 gives [nan]
    return _freq_tensor(values, target, device, requires_grad)


def _shift(name: str, input: Any, dim: int | Sequence[int] | None, inverse: bool) -> Tensor:
    from .shape_join import roll

    x = as_tensor_arg(name, input)
    ndim = x._data.ndim
    if dim is None:
        dims = tuple(range(ndim))
    elif isinstance(dim, int):
        dims = (normalize_dim(name, dim, ndim),)
    else:
        dims = tuple(normalize_dim(name, d, ndim) for d in dim)
    if not dims:
        return x
    shape = x._data.shape
    shifts = tuple(-(shape[d] // 2) if inverse else shape[d] // 2 for d in dims)
    return roll(x, shifts, dims)


def fftshift(input: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """Reorder FFT output so that the zero frequency is in the centre of ``dim`` (all dims by default).

    Example:
        >>> import tocha
        >>> tocha.fft.fftshift(tocha.fft.fftfreq(5))
        tensor([-0.4000, -0.2000,  0.0000,  0.2000,  0.4000])
    """
    return _shift("fftshift", input, dim, False)


def ifftshift(input: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """The inverse of :func:`fftshift`.

    Example:
        >>> import tocha
        >>> tocha.fft.ifftshift(tocha.fft.fftshift(tocha.arange(5)))
        tensor([0, 1, 2, 3, 4])
    """
    return _shift("ifftshift", input, dim, True)


_FFT_FUNCTIONS = (
    "fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2", "rfftn", "irfftn",
    "hfft", "ihfft", "hfft2", "ihfft2", "hfftn", "ihfftn", "fftfreq", "rfftfreq", "fftshift", "ifftshift",
)  # fmt: skip
