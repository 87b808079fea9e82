"""Fused CUDA kernels for the elementwise optimizer updates on CuPy: Adam/AdamW, SGD and Adagrad.

NOTE [ Fused optimizer kernels ]
An optimizer's ``_update`` (NOTE [ Optimizer state and the multi-tensor path ]) is a chain of about ten single
CuPy ops for Adam, each one launch and one pass over the group's flat buffers. These kernels do the whole update
in one launch: a grid-stride loop over the n elements, each thread reading the gradient, the parameter and the
state once and writing them once. The host-side scalars (learning rate, betas, the bias corrections from the
host ``step``) are computed by ``_update`` as before and passed as kernel arguments, so no launch reads a value
back and no scalar lives on the device.

Each kernel repeats its ``_update``'s xp arithmetic in the same order, with every constant rounded to the element
type where the xp code rounds it (a Python float times a float32 array is a float32 product), and the module is
compiled with ``--fmad=false`` so that no multiply-add is contracted: on the CPU emulator the results equal the
xp path's bit for bit (the tests allow 1e-6 / 1e-12 relative).

They run on a real CuPy (never on NumPy or tools/fake_cupy, whose ``__version__`` ends in "+fake") unless the
group says ``fused=False`` (or, with the default ``fused=None``, ``TOCHA_CUDA_FUSED=0`` is set), and only on
C-contiguous float32/float64 arrays of one dtype and size; otherwise ``_update``'s xp code runs. SGD's direct
heavy-ball updates, which bypass ``_update``, step aside while the kernels are on, so a fused multi-tensor step
is one gather of the gradients, one launch and the per-parameter write-back. On an H200 they and nn's kernels
together took a CNN step from 10.1 to 6.5 ms (tools/bench/bench_gpu.py), so they are the default.
"""

from __future__ import annotations

import functools
import os
from typing import Any

import numpy as np

SOURCE = r"""
// numpy.maximum: NaN if either operand is NaN.
template <typename T> __device__ __forceinline__ T nan_max(const T a, const T b) { return (a > b || a != a) ? a : b; }

// Adam / AdamW over n elements. p (null: write the step into d instead, new = old - d), g, m, v, v_max (null
// without amsgrad). wd_mode 0: no weight decay, 1: g += decay p (L2), 2: p *= decay (decoupled).
template <typename T>
__global__ void adam_update(T* __restrict__ p, T* __restrict__ d, const T* __restrict__ g, T* __restrict__ m,
                            T* __restrict__ v, T* __restrict__ v_max, const long long n, const int negate,
                            const int wd_mode, const double decay, const double one_minus_beta1, const double beta2,
                            const double one_minus_beta2, const double eps, const double scale) {
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        T gi = negate ? -g[i] : g[i];
        T pi = T(0);
        if (p != nullptr) {
            pi = p[i];
            if (wd_mode == 2) pi *= T(decay);
            if (wd_mode == 1) gi += T(decay) * pi;
        }
        T mi = m[i];
        mi += (gi - mi) * T(one_minus_beta1);
        m[i] = mi;
        T vi = v[i] * T(beta2);
        vi += (gi * gi) * T(one_minus_beta2);
        v[i] = vi;
        if (v_max != nullptr) {
            vi = nan_max(v_max[i], vi);
            v_max[i] = vi;
        }
        T step = mi / (sqrt(vi) + T(eps));
        step *= T(scale);
        if (p != nullptr) p[i] = pi - step;
        else d[i] = step;
    }
}

// SGD over n elements: p (null: write the step into d), g, buf (null without momentum). fresh: the first step,
// which sets buf = g; dampened: g is scaled by (1 - dampening) before it enters buf.
template <typename T>
__global__ void sgd_update(T* __restrict__ p, T* __restrict__ d, const T* __restrict__ g, T* __restrict__ buf,
                           const long long n, const int negate, const double weight_decay, const double momentum,
                           const int fresh, const int dampened, const double one_minus_dampening,
                           const int nesterov, const double lr) {
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        T gi = negate ? -g[i] : g[i];
        const T pi = p != nullptr ? p[i] : T(0);
        if (weight_decay != 0) gi += T(weight_decay) * pi;
        if (buf != nullptr) {
            T b = gi;
            if (!fresh) {
                b = buf[i] * T(momentum);
                b += dampened ? gi * T(one_minus_dampening) : gi;
            }
            buf[i] = b;
            gi = nesterov ? gi + b * T(momentum) : b;
        }
        const T step = gi * T(lr);
        if (p != nullptr) p[i] = pi - step;
        else d[i] = step;
    }
}

// Adagrad over n elements: p, g, sum; clr the decayed learning rate of this step.
template <typename T>
__global__ void adagrad_update(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ sum, const long long n,
                               const int negate, const double weight_decay, const double eps, const double clr) {
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        T gi = negate ? -g[i] : g[i];
        const T pi = p[i];
        if (weight_decay != 0) gi += T(weight_decay) * pi;
        const T s = sum[i] + gi * gi;
        sum[i] = s;
        T step = gi / (sqrt(s) + T(eps));
        step *= T(clr);
        p[i] = pi - step;
    }
}

// A flat update written back to every parameter k of a group in one launch: params[k][j] -= d[offsets[k] + j]
// (mode 0: a step), or params[k][j] = d[offsets[k] + j] (mode 1: new values); mode 2 gathers the other way,
// d[offsets[k] + j] = params[k][j] (the gradients into the flat buffer). params holds the arrays' addresses
// (separate allocations), offsets their starts in d (count + 1 entries).
template <typename T>
__global__ void apply_flat_step(T* __restrict__ d, const unsigned long long* __restrict__ params,
                                const long long* __restrict__ offsets, const int count, const long long n,
                                const int mode) {
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        int lo = 0, hi = count - 1;  // the last parameter starting at or before i
        while (lo < hi) {
            const int mid = (lo + hi + 1) >> 1;
            if (offsets[mid] <= i) lo = mid;
            else hi = mid - 1;
        }
        T* p = reinterpret_cast<T*>(params[lo]);
        if (mode == 2) d[i] = p[i - offsets[lo]];
        else if (mode == 1) p[i - offsets[lo]] = d[i];
        else p[i - offsets[lo]] -= d[i];
    }
}
"""

KERNELS = ("adam_update", "sgd_update", "adagrad_update", "apply_flat_step")
OPTIONS = ("-std=c++14", "--fmad=false")  # no contracted multiply-adds: the xp path's rounding, op by op
THREADS = 256
_MAX_BLOCKS = 4096  # the grid-stride loop covers larger n
_TYPES = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}


def name_expressions() -> list[str]:
    """Every kernel instantiation the module compiles (``adam_update<float>`` ...)."""
    return [f"{kernel}<{ctype}>" for kernel in KERNELS for ctype in _TYPES.values()]


@functools.cache
def _module(xp: Any) -> Any:
    return xp.RawModule(code=SOURCE, options=OPTIONS, name_expressions=name_expressions())


@functools.cache
def _kernel(xp: Any, name: str, dtype: Any) -> Any:
    """Kernel ``name`` for ``dtype``, looked up once (CuPy's ``get_function`` builds a new ``RawKernel`` each call)."""
    return _module(xp).get_function(f"{name}<{_TYPES[np.dtype(dtype)]}>")


def _compiles_for(xp: Any) -> bool:
    """Whether kernels can run with ``xp``: a CuPy, not NumPy and not tools/fake_cupy (which refuses kernels)."""
    return xp is not np and not getattr(xp, "__version__", "").endswith("+fake")


def usable(xp: Any, group: dict[str, Any], *arrays: Any) -> bool:
    """Whether the fused update applies to a parameter group's arrays.

    Args:
        xp: the array module of the arrays.
        group: the parameter group: ``fused=True`` turns the kernels on, ``fused=False`` off; with the default
            ``fused=None`` they run unless ``TOCHA_CUDA_FUSED=0`` is set.
        *arrays: the update's arrays (None: an absent one), which must be C-contiguous, non-empty float32 or
            float64 arrays of one dtype and size.

    Returns:
        True when the kernels run with ``xp``, are turned on, and take the arrays.

    Example:
        >>> import numpy
        >>> usable(numpy, {"fused": True}, numpy.zeros(3, numpy.float32))  # NumPy: the xp code runs
        False
    """
    fused = group.get("fused")
    if xp is np or fused is False or (not fused and os.environ.get("TOCHA_CUDA_FUSED", "1") == "0"):
        return False
    if not _compiles_for(xp):
        return False
    first = next(a for a in arrays if a is not None)
    return first.size > 0 and all(
        a is None or (a.dtype == first.dtype and a.dtype in _TYPES and a.size == first.size and a.flags.c_contiguous)
        for a in arrays
    )


def _pointer(a: Any) -> Any:
    """A kernel argument for an optional array: the array, or a null pointer."""
    return np.uint64(0) if a is None else a


def _grid(n: int) -> tuple[int]:
    return (min(-(-n // THREADS), _MAX_BLOCKS),)


def adam(
    xp: Any,
    P: Any,
    D: Any,
    G: Any,
    S: dict[str, Any],
    *,
    maximize: bool,
    wd_mode: int,
    decay: float,
    beta1: float,
    beta2: float,
    eps: float,
    scale: float,
) -> Any:
    """One Adam/AdamW step over flat arrays in one launch (see ``Adam._update`` for the arithmetic).

    Args:
        xp: the array module (CuPy).
        P: the parameter values, updated in place, or None to write the step into ``D`` (new = old - ``D``).
        D: the step's output when ``P`` is None.
        G: the gradient (read only).
        S: ``exp_avg``, ``exp_avg_sq`` and, with amsgrad, ``max_exp_avg_sq``, updated in place.
        maximize: negate the gradient.
        wd_mode: 0 no weight decay, 1 L2 (``g += decay * p``), 2 decoupled (``p *= decay``).
        decay: the weight decay factor of ``wd_mode``.
        beta1: the first moment's decay.
        beta2: the second moment's decay.
        eps: epsilon times the square root of the second bias correction.
        scale: the step size times the square root of the second bias correction.

    Returns:
        ``D`` when ``P`` is None, else None.
    """
    n = G.size
    _kernel(xp, "adam_update", G.dtype)(
        _grid(n),
        (THREADS,),
        (
            _pointer(P),
            _pointer(D if P is None else None),
            G,
            S["exp_avg"],
            S["exp_avg_sq"],
            _pointer(S.get("max_exp_avg_sq")),
            np.int64(n),
            np.int32(maximize),
            np.int32(wd_mode),
            np.float64(decay),
            np.float64(1 - beta1),
            np.float64(beta2),
            np.float64(1 - beta2),
            np.float64(eps),
            np.float64(scale),
        ),
    )
    return D if P is None else None


def sgd(
    xp: Any,
    P: Any,
    D: Any,
    G: Any,
    buf: Any,
    *,
    maximize: bool,
    weight_decay: float,
    momentum: float,
    fresh: bool,
    dampening: float,
    nesterov: bool,
    lr: float,
) -> Any:
    """One SGD step over flat arrays in one launch (see ``SGD._update`` for the arithmetic).

    Args:
        xp: the array module (CuPy).
        P: the parameter values, updated in place, or None to write the step into ``D`` (new = old - ``D``).
        D: the step's output when ``P`` is None.
        G: the gradient (read only).
        buf: the momentum buffer, updated in place, or None when momentum is 0.
        maximize: negate the gradient.
        weight_decay: the L2 weight decay (0: none).
        momentum: the momentum factor.
        fresh: the first step, which sets the buffer to the gradient.
        dampening: the dampening of the gradient entering the buffer.
        nesterov: Nesterov momentum.
        lr: the learning rate.

    Returns:
        ``D`` when ``P`` is None, else None.
    """
    n = G.size
    _kernel(xp, "sgd_update", G.dtype)(
        _grid(n),
        (THREADS,),
        (
            _pointer(P),
            _pointer(D if P is None else None),
            G,
            _pointer(buf),
            np.int64(n),
            np.int32(maximize),
            np.float64(weight_decay),
            np.float64(momentum),
            np.int32(fresh),
            np.int32(dampening != 0),
            np.float64(1 - dampening),
            np.int32(nesterov),
            np.float64(lr),
        ),
    )
    return D if P is None else None


def adagrad(
    xp: Any, P: Any, G: Any, state_sum: Any, *, maximize: bool, weight_decay: float, eps: float, clr: float
) -> None:
    """One Adagrad step over flat arrays in one launch (see ``Adagrad._update`` for the arithmetic).

    Args:
        xp: the array module (CuPy).
        P: the parameter values, updated in place.
        G: the gradient (read only).
        state_sum: the sum of squared gradients, updated in place.
        maximize: negate the gradient.
        weight_decay: the L2 weight decay (0: none).
        eps: added to the root of the sum.
        clr: this step's decayed learning rate.
    """
    n = G.size
    _kernel(xp, "adagrad_update", G.dtype)(
        _grid(n),
        (THREADS,),
        (
            P,
            G,
            state_sum,
            np.int64(n),
            np.int32(maximize),
            np.float64(weight_decay),
            np.float64(eps),
            np.float64(clr),
        ),
    )


def _address(a: Any) -> int:
    """An array's data address: CuPy's device pointer (a NumPy array's host address on the CPU emulator)."""
    pointer = getattr(a.data, "ptr", None)
    return int(pointer) if pointer is not None else int(a.ctypes.data)


class FlatStepTargets:
    """The arrays a flat step is written back to (or gathered from), as the device tables
    :func:`apply_flat_step` and :func:`gather_flat` read: their addresses and their starts in the flat buffer."""

    def __init__(self) -> None:
        self._addresses: tuple[int, ...] = ()
        self._address_table: Any = None
        self._starts: tuple[tuple[int, ...], Any] | None = None

    def tables(self, xp: Any, arrays: list[Any], offsets: list[int]) -> tuple[Any, Any]:
        """``(addresses, starts)`` as device arrays (uint64 and int64; ``starts`` has a final total), each copied
        to the device again only when it changes (a group's gradients are new arrays every step)."""
        addresses = tuple(_address(a) for a in arrays)
        if self._address_table is None or addresses != self._addresses:
            self._address_table = xp.asarray(np.array(addresses, np.uint64))
            self._addresses = addresses
        starts = (*offsets, offsets[-1] + arrays[-1].size)
        if self._starts is None or self._starts[0] != starts:
            self._starts = (starts, xp.asarray(np.array(starts, np.int64)))
        return self._address_table, self._starts[1]


def apply_flat_step(xp: Any, group: dict[str, Any], D: Any, arrays: list[Any], offsets: list[int],
                    targets: FlatStepTargets, *, copy: bool = False) -> bool:  # fmt: skip
    """``arrays[k] -= D[offsets[k] : offsets[k] + arrays[k].size]`` (``copy``: ``=``, ``D`` holding the new
    values) for every parameter array in one launch.

    Returns False, having written nothing, where the kernels do not apply (see :func:`usable`; each parameter must
    also be C-contiguous and of ``D``'s dtype); the caller then writes each parameter back itself.

    Example:
        >>> import numpy
        >>> apply_flat_step(numpy, {}, numpy.ones(2), [numpy.zeros(2)], [0], FlatStepTargets())  # NumPy: no kernel
        False
    """
    return _flat_launch(xp, group, D, arrays, offsets, targets, 1 if copy else 0)


def gather_flat(xp: Any, group: dict[str, Any], D: Any, arrays: list[Any], offsets: list[int],
                sources: FlatStepTargets) -> bool:  # fmt: skip
    """``D[offsets[k] : offsets[k] + arrays[k].size] = arrays[k].ravel()`` for every array in one launch (a
    group's gradients into its flat buffer: no per-array reshape and concatenate); False, having written nothing,
    where the kernels do not apply (as :func:`apply_flat_step`).

    Example:
        >>> import numpy
        >>> gather_flat(numpy, {}, numpy.empty(2), [numpy.ones(2)], [0], FlatStepTargets())  # NumPy: no kernel
        False
    """
    return _flat_launch(xp, group, D, arrays, offsets, sources, 2)


def _flat_launch(xp: Any, group: dict[str, Any], D: Any, arrays: list[Any], offsets: list[int],
                 targets: FlatStepTargets, mode: int) -> bool:  # fmt: skip
    if not usable(xp, group, D):
        return False
    for a in arrays:
        if a.dtype != D.dtype or not a.flags.c_contiguous:
            return False
    addresses, starts = targets.tables(xp, arrays, offsets)
    _kernel(xp, "apply_flat_step", D.dtype)(
        _grid(D.size), (THREADS,), (D, addresses, starts, np.int32(len(arrays)), np.int64(D.size), np.int32(mode))
    )
    return True
