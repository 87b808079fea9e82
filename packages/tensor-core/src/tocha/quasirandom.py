"""``tocha.quasirandom``: low-discrepancy sequences, as ``torch.quasirandom``.

NOTE [ Sobol' sequences ]
:class:`SobolEngine` generates Sobol' points in up to 21201 dimensions with Joe and Kuo's direction numbers
(``new-joe-kuo-6.21201``, search criterion D(6); ``_sobol_joe_kuo.xz``, written by ``tools/make_sobol_table.py``,
notice below). Unscrambled, its points equal PyTorch's bit for bit.

- Direction numbers, as 30-bit integers (``MAXBIT`` = 30): the first dimension has v_j = 2^(30-j); dimension d
  with primitive polynomial x^s + a_1 x^(s-1) + ... + a_(s-1) x + 1 starts from Joe and Kuo's m_1 ... m_s
  (v_j = m_j 2^(30-j)) and continues with Bratley and Fox's recurrence
  v_j = v_(j-s) ^ (v_(j-s) >> s) ^ a_1 v_(j-1) ^ ... ^ a_(s-1) v_(j-s+1).
- Points come in Gray-code order, as in PyTorch: point k is the XOR of the v_j whose bits are set in
  k ^ (k >> 1), so consecutive points differ by one direction number, the one of the lowest zero bit of k - 1.
  A draw of n points gathers those n direction numbers and XORs them cumulatively (``bitwise_xor.accumulate``)
  onto the last point, then scales by 2^-30, exactly, in the requested float dtype.
- Scrambling (``scramble=True``) is Owen's linear matrix scramble with a digital shift (Matousek's form): each
  dimension's direction numbers are multiplied, as vectors of 30 binary digits (most significant first), by a
  random lower-triangular binary matrix with a unit diagonal (so it is invertible and each digit depends only on
  itself and the more significant ones, which keeps the points a (t, m, s)-net), and every point is XORed with a
  random 30-bit shift. The random bits come from tocha's generator (a ``tocha.Generator`` seeded with ``seed``,
  else the global one), so scrambled points differ from PyTorch's, whose generator differs, but are equally
  uniform.

Notice for the direction numbers (https://web.maths.unsw.edu.au/~fkuo/sobol/):

    Copyright (c) 2008, Frances Y. Kuo and Stephen Joe
    All rights reserved.

    Redistribution and use in source and binary forms, with or without modification, are permitted provided
    that the following conditions are met:

      * Redistributions of source code must retain the above copyright notice, this list of conditions and the
        following disclaimer.
      * Redistributions in binary form must reproduce the above copyright notice, this list of conditions and
        the following disclaimer in the documentation and/or other materials provided with the distribution.
      * Neither the names of the copyright holders nor the names of the University of New South Wales and the
        University of Waikato and its contributors may be used to endorse or promote products derived from this
        software without specific prior written permission.

    THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS "AS IS" AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING,
    BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE
    DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDERS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL,
    EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR
    SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF
    LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY
    WAY OUT OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
"""

from __future__ import annotations

import functools
import lzma
import struct
from importlib import resources
from typing import Any

import numpy as np

import tocha
from tocha import Tensor

__all__ = ["SobolEngine"]

_MAXBIT = 30
_MAXDIM = 21201


@functools.cache
def _joe_kuo_table() -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """(polynomial degrees, polynomials, initial direction numbers one dimension after another) for dimensions 2
    to 21201."""
    raw = lzma.decompress(resources.files("tocha").joinpath("_sobol_joe_kuo.xz").read_bytes())
    if raw[:6] != b"SOBOL1":
        raise RuntimeError("tocha.quasirandom: the table of Sobol' direction numbers is damaged")
    (dimensions,) = struct.unpack_from("<I", raw, 6)
    count = dimensions - 1
    start = 10
    degrees = np.frombuffer(raw, dtype="<u1", count=count, offset=start).astype(np.int64)
    polys = np.frombuffer(raw, dtype="<u4", count=count, offset=start + count).astype(np.int64)
    initial = np.frombuffer(raw, dtype="<u4", offset=start + 5 * count).astype(np.int64)
    return degrees, polys, initial


_computed: list[np.ndarray[Any, Any]] = []  # the largest table of direction numbers made so far


def _direction_numbers(dimension: int) -> np.ndarray[Any, Any]:
    """A new (dimension, 30) array of the direction numbers v_j as 30-bit integers (NOTE [ Sobol' sequences ])."""
    if not _computed or _computed[0].shape[0] < dimension:
        _computed[:] = [_compute_direction_numbers(dimension)]
    state: np.ndarray[Any, Any] = _computed[0][:dimension].copy()
    return state


def _compute_direction_numbers(dimension: int) -> np.ndarray[Any, Any]:
    state = np.zeros((dimension, _MAXBIT), dtype=np.int64)
    state[0] = 1 << (_MAXBIT - 1 - np.arange(_MAXBIT))
    if dimension == 1:
        return state
    degrees, polys, initial = _joe_kuo_table()
    degree, poly = degrees[: dimension - 1], polys[: dimension - 1]
    offsets = np.concatenate(([0], np.cumsum(degree)[:-1]))
    rows = state[1:]
    for j in range(_MAXBIT):
        starting = degree > j
        if starting.any():
            rows[starting, j] = initial[offsets[starting] + j] << (_MAXBIT - 1 - j)
        recurring = ~starting
        if not recurring.any():
            continue
        s = degree[recurring]
        back = rows[recurring, j - s]
        value = back ^ (back >> s)
        for k in range(1, int(s.max())):
            coefficient = ((poly[recurring] >> (s - k)) & 1).astype(bool) & (k < s)
            value ^= np.where(coefficient, rows[recurring, j - np.minimum(k, s)], 0)
        rows[recurring, j] = value
    return state


def _parity(values: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The parity of each int64's set bits (values below 2^32)."""
    folded = values ^ (values >> 16)
    folded ^= folded >> 8
    folded ^= folded >> 4
    folded ^= folded >> 2
    folded ^= folded >> 1
    parity: np.ndarray[Any, Any] = folded & 1
    return parity


def _scramble(state: np.ndarray[Any, Any], generator: Any) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """(scrambled direction numbers, shift): Owen's linear matrix scramble with a digital shift."""
    dimension = state.shape[0]
    weights = 1 << np.arange(_MAXBIT, dtype=np.int64)
    shift_bits = tocha.randint(2, (dimension, _MAXBIT), generator=generator, device="cpu").numpy()
    shift = shift_bits @ weights
    lower = np.tril(tocha.randint(2, (dimension, _MAXBIT, _MAXBIT), generator=generator, device="cpu").numpy())
    lower[:, np.arange(_MAXBIT), np.arange(_MAXBIT)] = 1
    # Row r of the matrix gives output digit r (weight 2^(29 - r)) from input digit c (weight 2^(29 - c)).
    row_masks = lower @ weights[::-1]  # (dimension, 30): the input digits each output digit sums
    scrambled = np.zeros_like(state)
    for r in range(_MAXBIT):
        scrambled |= _parity(state & row_masks[:, r, None]) << (_MAXBIT - 1 - r)
    return scrambled, shift


class SobolEngine:
    """Draws (scrambled) Sobol' points in ``[0, 1)^dimension``, as ``torch.quasirandom.SobolEngine``.

    Up to 21201 dimensions, with Joe and Kuo's direction numbers; unscrambled points equal PyTorch's. The first
    point is the origin (or the scrambling shift). ``scramble=True`` applies Owen's linear matrix scramble and a
    digital shift drawn from ``tocha.Generator().manual_seed(seed)`` (the global generator when ``seed`` is
    None). NOTE [ Sobol' sequences ] has the details.

    Example:
        >>> import tocha
        >>> engine = tocha.quasirandom.SobolEngine(dimension=3)
        >>> engine.draw(4)
        tensor([[0.0000, 0.0000, 0.0000],
                [0.5000, 0.5000, 0.5000],
                [0.7500, 0.2500, 0.2500],
                [0.2500, 0.7500, 0.7500]])
        >>> engine.draw_base2(2).shape
        tocha.Size([4, 3])
    """

    MAXBIT = _MAXBIT
    MAXDIM = _MAXDIM

    def __init__(self, dimension: int, scramble: bool = False, seed: int | None = None) -> None:
        if dimension > _MAXDIM or dimension < 1:
            raise ValueError(f"Supported range of dimensionality for SobolEngine is [1, {_MAXDIM}]")
        self.seed = seed
        self.scramble = scramble
        self.dimension = dimension
        state = _direction_numbers(dimension)
        shift = np.zeros(dimension, dtype=np.int64)
        if scramble:
            generator = tocha.Generator().manual_seed(seed) if seed is not None else tocha.random.default_generator
            state, shift = _scramble(state, generator)
        self.sobolstate: Tensor = tocha.from_numpy(state)
        self._columns = np.ascontiguousarray(state.T, dtype=np.int32)  # 30-bit values: int32 halves the traffic
        self.shift: Tensor = tocha.from_numpy(shift)
        self.quasi: Tensor = self.shift.clone()
        self.num_generated = 0

    def _points(self, n: int) -> np.ndarray[Any, Any]:
        """The next ``n`` points as 30-bit integers (n, dimension), int32; advances ``quasi``."""
        quasi = self.quasi.numpy()
        first = self.num_generated
        if first + n > 1 << _MAXBIT:
            raise RuntimeError(
                f"SobolEngine.draw(): a Sobol' sequence with {self.MAXBIT}-bit direction numbers has 2**{_MAXBIT} "
                f"points; {first} were drawn, so {n} more would run past its end"
            )
        # Point k (k >= 1) is point k - 1 XOR the direction number of the lowest zero bit of k - 1.
        steps = np.arange(max(first, 1), first + n, dtype=np.int64)
        lowest_zero = steps & -steps  # the lowest set bit of k is the lowest zero bit of k - 1, shifted
        column = np.frexp(lowest_zero.astype(np.float64))[1] - 1
        points = np.empty((n, self.dimension), dtype=np.int32)
        skip = 1 if first == 0 and n > 0 else 0
        if skip:
            points[0] = quasi
        if n > skip:
            np.bitwise_xor.accumulate(self._columns[column], axis=0, out=points[skip:])
            points[skip:] ^= quasi.astype(np.int32)
            quasi[...] = points[-1]
        return points

    def draw(self, n: int = 1, out: Tensor | None = None, dtype: tocha.dtype | None = None) -> Tensor:
        """The next ``n`` points, as an ``(n, dimension)`` tensor of ``dtype`` (default: the default dtype).

        Float32 and float64 only, as in PyTorch. With ``out``, the points are copied into it (resized to
        ``(n, dimension)``) and ``out`` is returned.

        Example:
            >>> import tocha
            >>> engine = tocha.quasirandom.SobolEngine(2)
            >>> engine.draw(2, dtype=tocha.float64)
            tensor([[0.0000, 0.0000],
                    [0.5000, 0.5000]], dtype=tocha.float64)
        """
        if dtype is None:
            dtype = tocha.get_default_dtype()
        if dtype not in (tocha.float32, tocha.float64):
            raise NotImplementedError(f"SobolEngine.draw(): not implemented for dtype {dtype} (float32 or float64)")
        if n < 0:
            raise RuntimeError(f"SobolEngine.draw(): n must be non-negative, got {n}")
        points = self._points(n).astype(dtype.numpy_dtype)
        points *= 2.0**-_MAXBIT
        self.num_generated += n
        result = tocha.from_numpy(points)
        if out is not None:
            out.resize_(result.shape).copy_(result)
            return out
        return result

    def draw_base2(self, m: int, out: Tensor | None = None, dtype: tocha.dtype | None = None) -> Tensor:
        """The next ``2**m`` points; ValueError unless the points drawn so far plus these are a power of 2 (the
        balance properties of Sobol' points hold for such counts).

        Example:
            >>> import tocha
            >>> engine = tocha.quasirandom.SobolEngine(1)
            >>> engine.draw_base2(2).flatten()
            tensor([0.0000, 0.5000, 0.7500, 0.2500])
        """
        n = 2**m
        total = self.num_generated + n
        if total & (total - 1) != 0:
            raise ValueError(
                "The balance properties of Sobol' points require n to be a power of 2. "
                f"{self.num_generated} points have been previously generated, then: "
                f"n={self.num_generated}+2**{m}={total}. If you still want to do this, please use "
                "'SobolEngine.draw()' instead."
            )
        return self.draw(n=n, out=out, dtype=dtype)

    def reset(self) -> SobolEngine:
        """Start the sequence again from its first point; returns the engine.

        Example:
            >>> import tocha
            >>> engine = tocha.quasirandom.SobolEngine(1)
            >>> _ = engine.draw(3)
            >>> engine.reset().draw(1)
            tensor([[0.]])
        """
        self.quasi.copy_(self.shift)
        self.num_generated = 0
        return self

    def fast_forward(self, n: int) -> SobolEngine:
        """Skip the next ``n`` points (as drawing them would, without making them); returns the engine.

        Example:
            >>> import tocha
            >>> tocha.quasirandom.SobolEngine(1).fast_forward(2).draw(1)
            tensor([[0.7500]])
        """
        if n < 0:
            raise RuntimeError(f"SobolEngine.fast_forward(): n must be non-negative, got {n}")
        if n > 0:
            self.quasi.numpy()[...] = self._jump(n)
            self.num_generated += n
        return self

    def _jump(self, n: int) -> np.ndarray[Any, Any]:
        """Point ``num_generated + n - 1`` directly: the shift XOR the direction numbers of its Gray code."""
        index = self.num_generated + n - 1
        if index >= 1 << _MAXBIT:
            raise RuntimeError(
                f"SobolEngine.fast_forward(): the sequence has 2**{_MAXBIT} points; {self.num_generated} were "
                f"drawn, so skipping {n} runs past its end"
            )
        gray = index ^ (index >> 1)
        point: np.ndarray[Any, Any] = self.shift.numpy().copy()
        state = self.sobolstate.numpy()
        for j in range(_MAXBIT):
            if gray >> j & 1:
                point ^= state[:, j]
        return point

    def __repr__(self) -> str:
        shown = [f"dimension={self.dimension}"]
        if self.scramble:
            shown.append("scramble=True")
        if self.seed is not None:
            shown.append(f"seed={self.seed}")
        return f"{type(self).__name__}({', '.join(shown)})"
