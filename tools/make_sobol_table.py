"""Write tocha's table of Sobol' direction numbers (``tocha/_sobol_joe_kuo.xz``) from Joe and Kuo's file.

The source is ``new-joe-kuo-6.21201`` (https://web.maths.unsw.edu.au/~fkuo/sobol/, columns ``d s a m_1 ... m_s``),
or the same numbers as SciPy ships them (``scipy/stats/_sobol_direction_numbers.npz``: the full polynomial per
dimension and the initial direction numbers). The table written holds, for dimensions 2 to 21201: the degree of
each primitive polynomial (uint8), the polynomial with its leading and trailing 1 bits (uint32), and then the
initial direction numbers m_1 ... m_s of every dimension one after another (uint32), little-endian, after the
header ``b"SOBOL1"`` and the dimension count (uint32), compressed with xz.

    python tools/make_sobol_table.py new-joe-kuo-6.21201
    python tools/make_sobol_table.py _sobol_direction_numbers.npz
"""

from __future__ import annotations

import lzma
import struct
import sys
from pathlib import Path

import numpy as np

TARGET = Path(__file__).resolve().parents[1] / "packages/tensor-core/src/tocha/_sobol_joe_kuo.xz"


def _from_joe_kuo(path: Path) -> tuple[list[int], list[int], list[list[int]]]:
    degrees, polys, initial = [], [], []
    for line in path.read_text().splitlines()[1:]:  # the first line names the columns
        fields = [int(value) for value in line.split()]
        if not fields:
            continue
        _, degree, inner, *m = fields
        degrees.append(degree)
        polys.append((1 << degree) | (inner << 1) | 1)
        initial.append(m[:degree])
    return degrees, polys, initial


def _from_scipy(path: Path) -> tuple[list[int], list[int], list[list[int]]]:
    table = np.load(path)
    polys = [int(p) for p in table["poly"][1:]]  # row 0 is the first dimension, which needs no numbers
    degrees = [p.bit_length() - 1 for p in polys]
    initial = [[int(m) for m in row[:degree]] for row, degree in zip(table["vinit"][1:], degrees, strict=True)]
    return degrees, polys, initial


def main(source: str) -> None:
    path = Path(source)
    degrees, polys, initial = _from_scipy(path) if path.suffix == ".npz" else _from_joe_kuo(path)
    body = b"SOBOL1" + struct.pack("<I", len(degrees) + 1)
    body += np.asarray(degrees, dtype="<u1").tobytes() + np.asarray(polys, dtype="<u4").tobytes()
    body += np.asarray([m for row in initial for m in row], dtype="<u4").tobytes()
    TARGET.write_bytes(lzma.compress(body, preset=9 | lzma.PRESET_EXTREME))
    print(f"{TARGET}: {len(degrees) + 1} dimensions, {TARGET.stat().st_size} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
