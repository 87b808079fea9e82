"""NOTE [ Scalar operands ] in tocha._dispatch: add and mul with a Python float give NumPy's results."""

from __future__ import annotations

import numpy as np
import pytest

import tocha


@pytest.mark.parametrize("dtype", [tocha.float16, tocha.float32, tocha.float64])
def test_repeated_and_distinct_scalars_match_numpy(dtype: tocha.dtype) -> None:
    values = np.array([0.5, -1.25, 3.0, 7e-3], dtype=tocha.library.tensor_array(tocha.ones(1, dtype=dtype)).dtype)
    t = tocha.tensor(values)
    for k in range(600):  # each value used twice (made into a cached array), more values than the cache keeps
        s = 1.0 + k / 997
        for _ in range(2):
            np.testing.assert_array_equal((t * s).numpy(), values * s)
            np.testing.assert_array_equal((t + s).numpy(), values + s)
            np.testing.assert_array_equal((s * t).numpy(), s * values)
    assert (t * 2.0).dtype is dtype


def test_special_values_stay_quiet_and_exact() -> None:
    t = tocha.tensor([1.0, -2.0])
    for _ in range(3):
        assert np.signbit((t * -0.0).numpy()).tolist() == [True, False]
        assert np.signbit((t * 0.0).numpy()).tolist() == [False, True]
        assert np.isnan((t + float("nan")).numpy()).all()
        assert (t * float("inf")).numpy().tolist() == [np.inf, -np.inf]
        assert np.isinf((tocha.tensor([3e38]) * 10.0).numpy()).all()  # no RuntimeWarning: warnings are errors
        assert np.isinf((tocha.tensor([1.0]) * 1e39).numpy()).all()
        assert np.isinf((tocha.tensor([1.0], dtype=tocha.float16) * 7e4).numpy()).all()


def test_inplace_and_out_with_cached_scalar() -> None:
    t = tocha.tensor([1.0, 2.0])
    for _ in range(3):
        t.mul_(2.0)
        t.add_(0.5)
    np.testing.assert_array_equal(t.numpy(), [11.5, 19.5])
    out = tocha.empty(2)
    for _ in range(2):
        tocha.mul(tocha.tensor([1.0, 3.0]), 2.0, out=out)
    np.testing.assert_array_equal(out.numpy(), [2.0, 6.0])
    assert (tocha.tensor(2.0) * 3.0).shape == ()
