"""tocha.quasirandom.SobolEngine (NOTE [ Sobol' sequences ]): PyTorch's points, and the nets they form."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

import tocha
from tocha.quasirandom import SobolEngine


def _strata_counts(points: np.ndarray[Any, Any], bins: tuple[int, ...]) -> np.ndarray[Any, Any]:
    """How many points fall in each box of the grid with ``bins[i]`` intervals along dimension i."""
    cells = [np.floor(points[:, i] * b).astype(np.int64) for i, b in enumerate(bins)]
    flat = np.ravel_multi_index(cells, bins)
    return np.bincount(flat, minlength=int(np.prod(bins)))


@pytest.mark.parametrize("scramble", [False, True])
def test_points_form_nets(scramble: bool) -> None:
    """2^m points put one point in every interval of width 2^-m of each coordinate, and the first two
    coordinates (a (0, m, 2)-net) one in every 2^-a x 2^-(m-a) box; scrambling keeps both."""
    m = 10
    points = SobolEngine(8, scramble=scramble, seed=5).draw_base2(m).numpy().astype(np.float64)
    assert points.shape == (2**m, 8)
    assert ((points >= 0) & (points < 1)).all()
    for i in range(8):
        assert (_strata_counts(points[:, i : i + 1], (2**m,)) == 1).all()
    for a in range(m + 1):
        assert (_strata_counts(points[:, :2], (2**a, 2 ** (m - a))) == 1).all()
    # Every block of 2^k consecutive points from the start of a block is stratified too.
    second_half = SobolEngine(3, scramble=scramble, seed=5).fast_forward(2**m).draw(2**m).numpy()
    assert (_strata_counts(second_half[:, :1].astype(np.float64), (2**m,)) == 1).all()


def test_first_points_and_continuation() -> None:
    engine = SobolEngine(2)
    first = engine.draw(4).numpy()
    np.testing.assert_array_equal(first, [[0, 0], [0.5, 0.5], [0.75, 0.25], [0.25, 0.75]])
    more = engine.draw(4).numpy()
    whole = SobolEngine(2).draw(8).numpy()
    np.testing.assert_array_equal(np.concatenate([first, more]), whole)
    assert engine.num_generated == 8
    np.testing.assert_array_equal(engine.reset().draw(8).numpy(), whole)
    np.testing.assert_array_equal(SobolEngine(2).fast_forward(3).draw(5).numpy(), whole[3:])
    skipped = SobolEngine(2)
    skipped.draw(2)
    np.testing.assert_array_equal(skipped.fast_forward(2).draw(4).numpy(), whole[4:])
    assert SobolEngine(2).draw(0).shape == (0, 2)


def test_dtypes_and_out() -> None:
    engine = SobolEngine(3)
    assert engine.draw(2).dtype is tocha.float32
    assert engine.draw(2, dtype=tocha.float64).dtype is tocha.float64
    with _default(tocha.float64):
        assert SobolEngine(3).draw(2).dtype is tocha.float64
    out = tocha.empty(0, dtype=tocha.float64)
    result = SobolEngine(3).draw(4, out=out)
    assert result is out
    assert out.shape == (4, 3)
    np.testing.assert_array_equal(out.numpy(), SobolEngine(3).draw(4).numpy())
    with pytest.raises(NotImplementedError, match=r"not implemented for dtype tocha\.float16"):
        engine.draw(2, dtype=tocha.float16)


class _default:
    def __init__(self, dtype: tocha.dtype) -> None:
        self.dtype, self.previous = dtype, tocha.get_default_dtype()

    def __enter__(self) -> None:
        tocha.set_default_dtype(self.dtype)

    def __exit__(self, *exc: object) -> None:
        tocha.set_default_dtype(self.previous)


def test_scrambling_is_seeded() -> None:
    a = SobolEngine(4, scramble=True, seed=11).draw(16).numpy()
    b = SobolEngine(4, scramble=True, seed=11).draw(16).numpy()
    c = SobolEngine(4, scramble=True, seed=12).draw(16).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert not np.array_equal(a, SobolEngine(4).draw(16).numpy())
    tocha.manual_seed(3)
    d = SobolEngine(4, scramble=True).draw(16).numpy()
    tocha.manual_seed(3)
    np.testing.assert_array_equal(SobolEngine(4, scramble=True).draw(16).numpy(), d)
    engine = SobolEngine(4, scramble=True, seed=11)
    np.testing.assert_array_equal(engine.draw(1, dtype=tocha.float64).numpy()[0], engine.shift.numpy() / 2**30)


def test_scrambled_estimates_converge() -> None:
    """Randomised QMC estimates of a smooth integral have a far smaller error than plain Monte Carlo's."""
    exact = (1 - np.cos(1.0)) ** 5  # the integral of prod(sin x_i) over [0, 1]^5

    def rms_error(samples: list[np.ndarray[Any, Any]]) -> float:
        return float(np.sqrt(np.mean([(np.prod(np.sin(x), axis=1).mean() - exact) ** 2 for x in samples])))

    sobol = [SobolEngine(5, scramble=True, seed=s).draw_base2(12, dtype=tocha.float64).numpy() for s in range(8)]
    random = [np.random.default_rng(s).random((4096, 5)) for s in range(8)]
    assert rms_error(sobol) * 4 < rms_error(random)


def test_errors_and_repr() -> None:
    message = "Supported range of dimensionality for SobolEngine is [1, 21201]"
    for bad in (0, 21202):
        with pytest.raises(ValueError, match=re.escape(message)):
            SobolEngine(bad)
    engine = SobolEngine(2)
    engine.draw(3)
    with pytest.raises(ValueError, match=re.escape("3 points have been previously generated, then: n=3+2**2=7")):
        engine.draw_base2(2)
    with pytest.raises(RuntimeError, match="n must be non-negative, got -1"):
        engine.draw(-1)
    with pytest.raises(RuntimeError, match=re.escape("so 2 more would run past its end")):
        SobolEngine(2).fast_forward(2**30 - 1).draw(2)
    assert SobolEngine(2).fast_forward(2**30 - 1).draw(1).shape == (1, 2)
    assert repr(SobolEngine(3)) == "SobolEngine(dimension=3)"
    assert repr(SobolEngine(3, scramble=True, seed=4)) == "SobolEngine(dimension=3, scramble=True, seed=4)"
    assert (SobolEngine.MAXBIT, SobolEngine.MAXDIM) == (30, 21201)


def test_module_is_lazy() -> None:
    code = "import sys, tocha\nassert 'tocha.quasirandom' not in sys.modules\ntocha.quasirandom.SobolEngine(2)\n"
    subprocess.run([sys.executable, "-c", code], check=True)


# ------------------------------------------------------------------ against PyTorch


@pytest.mark.parametrize("dimension", [1, 2, 3, 40, 1111, 21201])
def test_unscrambled_points_equal_pytorch(dimension: int) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = SobolEngine(dimension), torch.quasirandom.SobolEngine(dimension)
    np.testing.assert_array_equal(ours.sobolstate.numpy(), theirs.sobolstate.numpy())
    count = 300 if dimension < 1000 else 9
    for n in (1, count, 5):
        np.testing.assert_array_equal(ours.draw(n).numpy(), theirs.draw(n).numpy())
    ours.fast_forward(70_000)
    theirs.fast_forward(70_000)
    np.testing.assert_array_equal(
        ours.draw(3, dtype=tocha.float64).numpy(), theirs.draw(3, dtype=torch.float64).numpy()
    )
    np.testing.assert_array_equal(ours.quasi.numpy(), theirs.quasi.numpy())


def test_direction_numbers_do_not_depend_on_what_was_built_before() -> None:
    small = SobolEngine(3).sobolstate.numpy().copy()
    large = SobolEngine(50)
    large.sobolstate.numpy()[:] = 0  # an engine's state is its own
    np.testing.assert_array_equal(SobolEngine(3).sobolstate.numpy(), small)
    np.testing.assert_array_equal(SobolEngine(60).sobolstate.numpy()[:3], small)
