"""The counter-based cuda generator (NOTE [ Counter-based cuda generator ]): Philox4x32-10 and its samplers.

The CUDA kernel runs on tools/cuda_emulator (its source compiled as C++20, each block run as threads) through the
module's own launch code, and must give the array arithmetic's words exactly; both are checked against
Random123's published known answers. Runs without a GPU.
"""

from __future__ import annotations

import ctypes
import math
from typing import Any

import numpy as np
import pytest

from tocha import _philox as P

# Random123's kat_vectors for philox4x32_10: (counter, key, result)
KNOWN_ANSWERS = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    (
        (0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344),
        (0xA4093822, 0x299F31D0),
        (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1),
    ),
]


@pytest.mark.parametrize(("counter", "key", "expected"), KNOWN_ANSWERS)
def test_rounds_give_random123_known_answers(counter: Any, key: Any, expected: Any) -> None:
    words = P.philox_rounds(np, tuple(np.array([c], dtype=np.uint64) for c in counter), key)  # type: ignore[arg-type]
    assert tuple(int(w[0]) for w in words) == expected


def test_stream_layout_block_index_is_the_counter_and_seed_the_key() -> None:
    seed = 0x299F31D0_A4093822
    g = P.PhiloxGenerator(lambda: np, seed)
    g.offset = 0x85A308D3_243F6A88
    words = g.words(4)
    zero = np.zeros(1, dtype=np.uint64)
    counter = (np.array([0x243F6A88], dtype=np.uint64), np.array([0x85A308D3], dtype=np.uint64), zero, zero)
    expected = P.philox_rounds(np, counter, (0xA4093822, 0x299F31D0))
    assert words.tolist() == [int(w[0]) for w in expected]


def test_offset_counts_blocks_and_draws_continue_the_stream() -> None:
    g = P.PhiloxGenerator(lambda: np, 7)
    whole = g.words(4 * 10)
    assert g.offset == 10
    g = P.PhiloxGenerator(lambda: np, 7)
    parts = [g.words(n) for n in (5, 3, 4)]  # 5 words take 2 blocks: the next draw starts at block 2
    assert g.offset == 2 + 1 + 1
    assert parts[0].tolist() == whole[:5].tolist()
    assert parts[1].tolist() == whole[8:11].tolist()
    assert parts[2].tolist() == whole[12:16].tolist()
    assert g.words(0).shape == (0,)
    assert g.offset == 4


def test_state_bytes_are_seed_then_offset_little_endian() -> None:
    g = P.PhiloxGenerator(lambda: np, (1 << 64) - 2, offset=3)
    state = g.get_state_bytes()
    assert state == ((1 << 64) - 2).to_bytes(8, "little") + (3).to_bytes(8, "little")
    other = P.PhiloxGenerator(lambda: np, 0)
    other.set_state_bytes(state)
    assert (other.seed, other.offset) == ((1 << 64) - 2, 3)
    assert other.words(9).tolist() == g.words(9).tolist()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_uniform_values_lie_in_zero_one_with_the_right_moments(dtype: Any) -> None:
    u = P.PhiloxGenerator(lambda: np, 1).random((200, 500), dtype)
    assert u.dtype == dtype
    assert u.shape == (200, 500)
    assert u.min() >= 0.0
    assert u.max() < 1.0
    assert abs(u.mean() - 0.5) < 0.005
    assert abs(u.var() - 1 / 12) < 0.002
    counts = np.histogram(u, bins=10, range=(0, 1))[0]
    chi2 = ((counts - u.size / 10) ** 2 / (u.size / 10)).sum()
    assert chi2 < 30  # 9 degrees of freedom: p ~ 4e-4


def test_float32_uniforms_use_24_bits_and_float64_53() -> None:
    f32 = P.PhiloxGenerator(lambda: np, 2).random(10000, np.float32)
    assert np.all(f32 * 2**24 == np.round(f32 * 2**24))
    f64 = P.PhiloxGenerator(lambda: np, 2).random(10000, np.float64)
    scaled = f64 * 2.0**53
    assert np.all(scaled == np.round(scaled))
    assert np.any(scaled % 2**24 != 0)  # more than float32's bits are random


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [1, 7, 100001])
def test_normal_values_have_the_standard_moments(dtype: Any, n: int) -> None:
    z = P.PhiloxGenerator(lambda: np, 3).standard_normal((n,), dtype)
    assert z.dtype == dtype
    assert z.shape == (n,)
    assert np.isfinite(z).all()
    if n > 1000:
        assert abs(z.mean()) < 0.01
        assert abs(z.std() - 1) < 0.01
        assert abs((z > 1.96).mean() - 0.025) < 0.002


def test_integers_cover_the_range_uniformly_and_respect_endpoints() -> None:
    g = P.PhiloxGenerator(lambda: np, 4)
    x = g.integers(-3, 7, size=(50000,), dtype=np.int64)
    assert x.dtype == np.int64
    assert set(np.unique(x).tolist()) == set(range(-3, 7))
    counts = np.bincount(x + 3)
    assert ((counts - 5000) ** 2 / 5000).sum() < 30
    y = g.integers(-3, 7, size=(50000,), dtype=np.int8, endpoint=True)
    assert y.dtype == np.int8
    assert set(np.unique(y).tolist()) == set(range(-3, 8))
    assert set(g.integers(5, size=300).tolist()) == {0, 1, 2, 3, 4}  # integers(high): low is 0


def test_integers_over_the_whole_int64_range_and_near_its_ends() -> None:
    g = P.PhiloxGenerator(lambda: np, 5)
    full = g.integers(-(2**63), 2**63 - 1, size=(4000,), dtype=np.int64, endpoint=True)
    assert (full < 0).mean() == pytest.approx(0.5, abs=0.05)
    top = g.integers(2**63 - 3, 2**63 - 1, size=(300,), dtype=np.int64, endpoint=True)
    assert set(top.tolist()) == {2**63 - 3, 2**63 - 2, 2**63 - 1}
    bottom = g.integers(-(2**63), -(2**63) + 2, size=(300,), dtype=np.int64)
    assert set(bottom.tolist()) == {-(2**63), -(2**63) + 1}
    with pytest.raises(ValueError, match=r"integers\(\): empty range \[3, 3\)"):
        g.integers(3, 3, size=2)


def test_integers_take_two_words_each() -> None:
    g = P.PhiloxGenerator(lambda: np, 6)
    g.integers(0, 10, size=(6,))
    assert g.offset == 3


def test_poisson_is_replayed_from_the_state() -> None:
    g = P.PhiloxGenerator(lambda: np, 8)
    rates = np.full(1000, 4.0)
    first = g.poisson(rates)
    assert g.offset == 1
    again = P.PhiloxGenerator(lambda: np, 8).poisson(rates)
    assert first.tolist() == again.tolist()
    assert g.poisson(rates).tolist() != first.tolist()
    assert abs(first.mean() - 4.0) < 0.3


# ------------------------------------------------------------------ the CUDA kernel, on the CPU emulator


_WRAPPER = (
    'extern "C" void run(unsigned grid, unsigned block, unsigned k0, unsigned k1, unsigned long long first, '
    "unsigned* out, long long n) { emulate_launch(grid, block, philox4x32_10_words, k0, k1, first, out, n); }"
)


@pytest.fixture(scope="module")
def emulated(cuda_emulator: Any) -> ctypes.CDLL:
    return cuda_emulator.build("philox", f"{P.SOURCE}\n{_WRAPPER}")  # type: ignore[no-any-return]


class _Kernel:
    """``RawModule.get_function('philox4x32_10_words')``'s stand-in, running the emulator."""

    def __init__(self, library: ctypes.CDLL) -> None:
        self.library = library
        self.launches: list[tuple[int, int]] = []

    def __call__(self, grid: tuple[int], block: tuple[int], args: tuple[Any, ...]) -> None:
        k0, k1, first, out, n = args
        assert (type(k0), type(k1), type(first), type(n)) == (np.uint32, np.uint32, np.uint64, np.int64)
        assert out.dtype == np.uint32
        assert out.flags.c_contiguous
        assert out.size == n
        self.library.run(
            ctypes.c_uint(grid[0]),
            ctypes.c_uint(block[0]),
            ctypes.c_uint(int(k0)),
            ctypes.c_uint(int(k1)),
            ctypes.c_ulonglong(int(first)),
            ctypes.c_void_p(out.ctypes.data),
            ctypes.c_longlong(int(n)),
        )
        self.launches.append((grid[0], block[0]))


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 1023, 1025 * 4 + 3])
@pytest.mark.parametrize("seed", [0, 0x299F31D0_A4093822, (1 << 64) - 1])
@pytest.mark.parametrize("first_block", [0, 5, 0xFFFFFFFF - 1, (1 << 64) - 3])
def test_the_kernel_gives_the_arithmetic_words(
    emulated: ctypes.CDLL, monkeypatch: pytest.MonkeyPatch, n: int, seed: int, first_block: int
) -> None:
    kernel = _Kernel(emulated)
    monkeypatch.setattr(P, "_kernel", lambda xp: kernel)
    from_kernel = P._launch_words(np, seed, first_block, n)
    expected = P._words_by_arithmetic(np, seed, first_block, n)
    assert from_kernel.tolist() == expected.tolist()
    (grid, block) = kernel.launches[0]
    assert grid * block >= math.ceil(n / 4) or grid == 65535


def test_the_kernel_gives_the_known_answer(emulated: ctypes.CDLL, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(P, "_kernel", lambda xp: _Kernel(emulated))
    assert P._launch_words(np, 0, 0, 4).tolist() == list(KNOWN_ANSWERS[0][2])


def test_kernels_run_only_on_a_real_cupy() -> None:
    class FakeCupy:
        __version__ = "14.2.0+fake"

    class RealCupy:
        __version__ = "14.2.0"

    assert P._kernels_run(RealCupy())
    assert not P._kernels_run(FakeCupy())
    assert not P._kernels_run(np)


@pytest.mark.gpu
@pytest.mark.parametrize(("seed", "first_block", "n"), [(0, 0, 4), (7, 5, 1023), ((1 << 64) - 1, (1 << 64) - 3, 4103)])
def test_gpu_kernel_words_equal_the_arithmetic(seed: int, first_block: int, n: int) -> None:
    import tocha

    cp = tocha.library.get_backend("cuda").xp
    if not P._kernels_run(cp):
        pytest.skip("tools/fake_cupy compiles no kernels; the emulator tests above cover the kernel")
    from_kernel = cp.asnumpy(P._launch_words(cp, seed, first_block, n))
    assert from_kernel.tolist() == P._words_by_arithmetic(np, seed, first_block, n).tolist()
