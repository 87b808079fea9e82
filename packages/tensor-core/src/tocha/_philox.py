"""Philox4x32-10: the counter-based bit generator behind the cuda generators.

NOTE [ Counter-based cuda generator ]
A cuda :class:`tocha.Generator`'s whole state is two 64-bit numbers, as PyTorch's: the seed (the Philox key)
and the offset (how many 128-bit counter blocks have been used). Block ``b`` of the stream is
``philox4x32_10(counter=(b mod 2**32, b div 2**32, 0, 0), key=(seed mod 2**32, seed div 2**32))``; a draw of
``n`` 32-bit words takes the next ``ceil(n / 4)`` blocks and advances the offset on the host, so drawing never
waits for the GPU, and ``get_state``/``set_state`` (16 bytes: seed, offset) rewind it exactly, which
activation checkpointing and ``tocha.random.fork_rng`` rely on. CuPy's own generators keep their state in
device memory with no public form, so they cannot be rewound.

On a GPU one kernel (:data:`SOURCE`) computes the words; anywhere else (tools/fake_cupy, or a test on NumPy)
the same function runs as array arithmetic, word for word the same (tests compare both with Random123's
known answers). Words become numbers with a few array ops: ``w >> 8`` times ``2**-24`` for float32 uniforms,
53 bits from two words for float64, Box-Muller for normals, 64 bits modulo the range for integers.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

PHILOX_M0, PHILOX_M1 = 0xD2511F53, 0xCD9E8D57
PHILOX_W0, PHILOX_W1 = 0x9E3779B9, 0xBB67AE85
ROUNDS = 10
STATE_BYTES = 16
_MASK32 = 0xFFFFFFFF
_MASK64 = (1 << 64) - 1
_THREADS = 256

SOURCE = r"""
extern "C" __global__ void philox4x32_10_words(const unsigned int key0, const unsigned int key1,
                                                const unsigned long long first_block, unsigned int* __restrict__ out,
                                                const long long n) {
    const long long blocks = (n + 3) / 4;
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long b = (long long)blockIdx.x * blockDim.x + threadIdx.x; b < blocks; b += stride) {
        const unsigned long long counter = first_block + (unsigned long long)b;
        unsigned int c0 = (unsigned int)counter, c1 = (unsigned int)(counter >> 32), c2 = 0u, c3 = 0u;
        unsigned int k0 = key0, k1 = key1;
        for (int round = 0; round < 10; ++round) {
            const unsigned long long p0 = (unsigned long long)0xD2511F53u * c0;
            const unsigned long long p1 = (unsigned long long)0xCD9E8D57u * c2;
            const unsigned int next0 = (unsigned int)(p1 >> 32) ^ c1 ^ k0;
            const unsigned int next2 = (unsigned int)(p0 >> 32) ^ c3 ^ k1;
            c1 = (unsigned int)p1;
            c3 = (unsigned int)p0;
            c0 = next0;
            c2 = next2;
            k0 += 0x9E3779B9u;
            k1 += 0xBB67AE85u;
        }
        const long long first = 4 * b;
        out[first] = c0;
        if (first + 1 < n) out[first + 1] = c1;
        if (first + 2 < n) out[first + 2] = c2;
        if (first + 3 < n) out[first + 3] = c3;
    }
}
"""


def philox_rounds(xp: Any, counter: tuple[Any, Any, Any, Any], key: tuple[int, int]) -> tuple[Any, Any, Any, Any]:
    """Philox4x32-10 of four counter words (uint64 arrays holding 32-bit values) under a two-word key.

    Example:
        >>> import numpy as np
        >>> zero = np.zeros(1, dtype=np.uint64)
        >>> [hex(int(w[0])) for w in philox_rounds(np, (zero, zero, zero, zero), (0, 0))]
        ['0x6627e8d5', '0xe169c58d', '0xbc57ac4c', '0x9b00dbd8']
    """
    c0, c1, c2, c3 = counter
    k0, k1 = key
    for _ in range(ROUNDS):
        p0 = c0 * PHILOX_M0
        p1 = c2 * PHILOX_M1
        c0, c1, c2, c3 = (p1 >> 32) ^ c1 ^ k0, p1 & _MASK32, (p0 >> 32) ^ c3 ^ k1, p0 & _MASK32
        k0, k1 = (k0 + PHILOX_W0) & _MASK32, (k1 + PHILOX_W1) & _MASK32
    return c0, c1, c2, c3


def _words_by_arithmetic(xp: Any, seed: int, first_block: int, n: int) -> Any:
    blocks = -(-n // 4)
    index = xp.arange(blocks, dtype=np.uint64) + first_block if first_block else xp.arange(blocks, dtype=np.uint64)
    zero = xp.zeros(blocks, dtype=np.uint64)
    words = philox_rounds(xp, (index & _MASK32, index >> 32, zero, zero), (seed & _MASK32, seed >> 32))
    return xp.stack(words, axis=1).reshape(-1)[:n].astype(np.uint32)


def _kernels_run(xp: Any) -> bool:
    """Whether ``xp`` compiles CUDA kernels: CuPy, not NumPy and not tools/fake_cupy (which refuses them)."""
    return xp is not np and not getattr(xp, "__version__", "").endswith("+fake")


@functools.cache
def _kernel(xp: Any) -> Any:
    return xp.RawModule(code=SOURCE, options=("-std=c++14",)).get_function("philox4x32_10_words")


def _launch_words(xp: Any, seed: int, first_block: int, n: int) -> Any:
    out = xp.empty(n, dtype=np.uint32)
    blocks = -(-n // 4)
    grid = min(-(-blocks // _THREADS), 65535)
    kernel = _kernel(xp)
    key = (np.uint32(seed & _MASK32), np.uint32(seed >> 32))
    kernel((grid,), (_THREADS,), (*key, np.uint64(first_block), out, np.int64(n)))
    return out


class PhiloxGenerator:
    """The counter-based generator of one cuda :class:`tocha.Generator`: a seed and an offset, in host memory.

    It offers the subset of ``numpy.random.Generator`` that the samplers use (``random``, ``standard_normal``,
    ``integers``, ``poisson``, ``standard_gamma``, ``binomial``), computing on the array module ``xp_of()``
    returns (looked up at the first draw, so seeding never imports CuPy).

    Example:
        >>> import numpy as np
        >>> g = PhiloxGenerator(lambda: np, seed=0)
        >>> [hex(int(w)) for w in g.words(4)], g.offset
        (['0x6627e8d5', '0xe169c58d', '0xbc57ac4c', '0x9b00dbd8'], 1)
    """

    __slots__ = ("_xp_of", "offset", "seed")

    def __init__(self, xp_of: Any, seed: int, offset: int = 0) -> None:
        self._xp_of = xp_of
        self.seed = seed & _MASK64
        self.offset = offset & _MASK64

    def get_state_bytes(self) -> bytes:
        """Seed and offset as 16 little-endian bytes."""
        return self.seed.to_bytes(8, "little") + self.offset.to_bytes(8, "little")

    def set_state_bytes(self, state: bytes) -> None:
        """Restore :meth:`get_state_bytes` (the caller checks the length)."""
        self.seed = int.from_bytes(state[:8], "little")
        self.offset = int.from_bytes(state[8:16], "little")

    def words(self, n: int) -> Any:
        """The next ``n`` 32-bit words of the stream, as a uint32 array."""
        xp = self._xp_of()
        first = self.offset
        self.offset = (first + -(-n // 4)) & _MASK64
        if n == 0:
            return xp.empty(0, dtype=np.uint32)
        if _kernels_run(xp):
            return _launch_words(xp, self.seed, first, n)
        return _words_by_arithmetic(xp, self.seed, first, n)

    def _wide(self, n: int) -> Any:
        """``n`` 64-bit words (uint64) from ``2n`` 32-bit words."""
        pairs = self.words(2 * n).reshape(n, 2).astype(np.uint64)
        return (pairs[:, 0] << 32) | pairs[:, 1]

    def random(self, size: Any = None, dtype: Any = np.float64) -> Any:
        """Uniform values in ``[0, 1)`` of ``dtype`` (float32 or float64), shaped ``size``."""
        shape = _shape(size)
        n = math.prod(shape)
        if np.dtype(dtype) == np.float32:
            return ((self.words(n) >> 8).astype(np.float32) * np.float32(2.0**-24)).reshape(shape)
        return ((self._wide(n) >> 11).astype(np.float64) * 2.0**-53).reshape(shape)

    def standard_normal(self, size: Any = None, dtype: Any = np.float64) -> Any:
        """Standard normal values of ``dtype``, shaped ``size`` (Box-Muller, both outputs of each pair used)."""
        shape = _shape(size)
        n = math.prod(shape)
        d = np.dtype(dtype)
        xp = self._xp_of()
        half = -(-n // 2)
        u = self.random((2, half), d)
        radius = xp.sqrt(d.type(-2.0) * xp.log1p(-u[0]))  # 1 - u lies in (0, 1], so the log is finite
        angle = u[1] * d.type(2.0 * math.pi)
        z = xp.stack((radius * xp.cos(angle), radius * xp.sin(angle)), axis=1).reshape(-1)
        return z[:n].reshape(shape)

    def integers(
        self, low: int, high: int | None = None, size: Any = None, dtype: Any = np.int64, endpoint: bool = False
    ) -> Any:
        """Integers uniform over ``[low, high)`` (``[low, high]`` with ``endpoint``), as ``dtype``."""
        if high is None:
            low, high = 0, low
        span = high - low + (1 if endpoint else 0)
        if span <= 0:
            raise ValueError(f"integers(): empty range [{low}, {high}{']' if endpoint else ')'}")
        shape = _shape(size)
        raw = self._wide(math.prod(shape))
        offset_bits = low & _MASK64
        values = raw if span > _MASK64 else raw % span
        if offset_bits:
            values = values + offset_bits  # wraps modulo 2**64, so a negative low lands right after the view
        return values.view(np.int64).astype(np.dtype(dtype)).reshape(shape)

    def poisson(self, lam: Any) -> Any:
        """Poisson samples of rates ``lam`` (one block of the stream: the backend's sampler, seeded from it)."""
        return self._backend_rng().poisson(lam)

    def standard_gamma(self, shape: Any) -> Any:
        """Gamma(``shape``, 1) samples in float64 (one block of the stream, as :meth:`poisson`)."""
        return self._backend_rng().standard_gamma(shape)

    def binomial(self, n: Any, p: Any) -> Any:
        """Binomial(``n``, ``p``) samples, ``n`` integers (one block of the stream, as :meth:`poisson`)."""
        return self._backend_rng().binomial(n, p)

    def _backend_rng(self) -> Any:
        """The backend's own generator seeded from the next block of the stream (host arithmetic only)."""
        xp = self._xp_of()
        stream = _splitmix64(self.seed ^ _splitmix64(self.offset))  # derived on the host: no device read
        self.offset = (self.offset + 1) & _MASK64
        return xp.random.default_rng(stream)


def _splitmix64(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


def _shape(size: Any) -> tuple[int, ...]:
    if size is None:
        return ()
    if isinstance(size, (int, np.integer)):
        return (int(size),)
    return tuple(int(s) for s in size)
