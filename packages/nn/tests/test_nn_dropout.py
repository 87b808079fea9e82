"""tocha.nn dropout: statistics, train/eval behaviour, channel masks, alpha variants, warnings and errors."""

from __future__ import annotations

import numpy as np
import pytest
from nn_oracle import torch_or_skip

import tocha
import tocha.nn as nn
import tocha.nn.functional as F


def test_dropout_statistics_and_scaling() -> None:
    x = tocha.ones(200, 500)
    y = F.dropout(x, 0.3).numpy()
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.7)}
    assert abs((y == 0).mean() - 0.3) < 0.01
    assert abs(y.mean() - 1.0) < 0.02


def test_dropout_eval_and_p0_return_input() -> None:
    x = tocha.ones(3, 4)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    for fn in (F.alpha_dropout, F.feature_alpha_dropout):
        assert fn(x, 0.5) is x  # training defaults to False for the alpha forms


def test_dropout_p1_zeros_everything() -> None:
    x = tocha.ones(3, 4, requires_grad=True)
    y = F.dropout(x, 1.0)
    np.testing.assert_array_equal(y.detach().numpy(), 0.0)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 0.0)


def test_dropout_gradient_is_the_mask() -> None:
    x = tocha.ones(50, 40, dtype=tocha.float64, requires_grad=True)
    y = F.dropout(x, 0.4)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())


def test_dropout_inplace() -> None:
    x = tocha.ones(20, 30)
    y = F.dropout(x, 0.5, inplace=True)
    assert y is x
    assert (x.numpy() == 0).any()
    assert (x.numpy() == 2).any()


def test_dropout_keeps_dtype() -> None:
    for dtype in (tocha.float32, tocha.float64):
        assert F.dropout(tocha.ones(4, dtype=dtype), 0.5).dtype == dtype


def test_dropout_probability_errors() -> None:
    for fn in (F.dropout, F.dropout1d, F.dropout2d, F.dropout3d, F.alpha_dropout, F.feature_alpha_dropout):
        with pytest.raises(ValueError, match=r"dropout probability has to be between 0 and 1, but got 1\.5"):
            fn(tocha.ones(2, 3, 4, 5), 1.5)
    with pytest.raises(ValueError, match=r"dropout probability has to be between 0 and 1, but got -0\.1"):
        nn.Dropout(-0.1)


@pytest.mark.parametrize(
    ("fn", "shape", "spatial"),
    [
        (F.dropout1d, (8, 16, 5), 1),
        (F.dropout2d, (8, 16, 3, 3), 2),
        (F.dropout3d, (8, 16, 2, 2, 2), 3),
    ],
)
def test_channel_dropout_zeroes_whole_channels(fn: object, shape: tuple[int, ...], spatial: int) -> None:
    y = fn(tocha.ones(shape), 0.5).numpy()  # type: ignore[operator]
    flat = y.reshape(shape[0], shape[1], -1)
    assert (flat == flat[:, :, :1]).all()
    assert set(np.unique(y)) <= {0.0, 2.0}
    assert 0.2 < (flat[:, :, 0] == 0).mean() < 0.8


def test_channel_dropout_unbatched_inputs() -> None:
    y = F.dropout1d(tocha.ones(16, 5), 0.5).numpy()
    assert (y == y[:, :1]).all()
    y3 = F.dropout3d(tocha.ones(16, 2, 2, 2), 0.5).numpy()
    assert (y3.reshape(16, -1) == y3.reshape(16, -1)[:, :1]).all()
    x = tocha.ones(16, 5)
    assert F.dropout1d(x, 0.5, inplace=True) is x


def test_channel_dropout_rank_errors_and_warnings() -> None:
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input, but received a 1D input"):
        F.dropout1d(tocha.ones(3))
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input, but received a 4D input"):
        F.dropout1d(tocha.ones(2, 3, 4, 5))
    with pytest.warns(UserWarning, match="dropout2d: Received a 2-D input to dropout2d, which is deprecated"):
        F.dropout2d(tocha.ones(4, 5))
    with pytest.warns(UserWarning, match="dropout2d: Received a 3D input to dropout2d and assuming that channel-wise"):
        F.dropout2d(tocha.ones(2, 3, 4))
    with pytest.warns(UserWarning, match="dropout3d: Received a 2-D input to dropout3d, which is deprecated"):
        F.dropout3d(tocha.ones(4, 5))
    with pytest.raises(RuntimeError, match="Feature dropout requires at least 2 dimensions in the input"):
        F.feature_alpha_dropout(tocha.ones(3), 0.5, training=True)


def test_alpha_dropout_keeps_mean_and_variance() -> None:
    x = tocha.randn(400000, dtype=tocha.float64)
    y = F.alpha_dropout(x, 0.3, training=True).numpy()
    assert abs(y.mean()) < 0.01
    assert abs(y.std() - 1) < 0.01
    a = 1.0 / np.sqrt((1.7580993408473766**2 * 0.3 + 1) * 0.7)
    dropped_value = -1.7580993408473766 * a + 1.7580993408473766 * a * 0.3
    assert abs((np.isclose(y, dropped_value)).mean() - 0.3) < 0.01


def test_feature_alpha_dropout_channels() -> None:
    y = F.feature_alpha_dropout(tocha.ones(64, 8, 5), 0.5, training=True).numpy()
    assert (y == y[:, :, :1]).all()
    assert len(np.unique(y)) == 2


def test_alpha_dropout_p1_and_gradient() -> None:
    x = tocha.randn(10, dtype=tocha.float64, requires_grad=True)
    y = F.alpha_dropout(x, 0.2, training=True)
    y.sum().backward()
    assert x.grad is not None
    assert set(np.round(np.unique(x.grad.numpy()), 6)) <= {
        0.0,
        round(1 / np.sqrt((1.7580993408473766**2 * 0.2 + 1) * 0.8), 6),
    }


def test_dropout_modules_train_eval_and_repr() -> None:
    shapes = {nn.Dropout1d: (64, 32, 2), nn.Dropout3d: (64, 32, 2, 2, 2)}
    for cls in (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout, nn.FeatureAlphaDropout):
        m = cls(0.2)
        assert repr(m) == f"{cls.__name__}(p=0.2, inplace=False)"
        assert m.p == 0.2
        assert m.inplace is False
        shape = shapes.get(cls, (64, 32, 2, 2))
        x = tocha.ones(shape)
        m.eval()
        if cls is not nn.Dropout1d:
            assert m(x) is x
        np.testing.assert_array_equal(m(x).numpy(), 1.0)
        m.train()
        y = m(tocha.ones(shape))
        assert (y.numpy() != 1).any()
    assert repr(nn.Dropout(0.5, True)) == "Dropout(p=0.5, inplace=True)"
    assert list(nn.Dropout().state_dict()) == []


def test_dropout_reprs_match_torch() -> None:
    torch = torch_or_skip()
    for name in ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"):
        for args in ((), (0.1,), (0.3, True)):
            assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


def test_dropout_is_seeded_by_tocha_manual_seed() -> None:
    tocha.manual_seed(5)
    a = F.dropout(tocha.ones(100), 0.5).numpy()
    tocha.manual_seed(5)
    b = F.dropout(tocha.ones(100), 0.5).numpy()
    np.testing.assert_array_equal(a, b)
