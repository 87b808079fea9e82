"""pixel_shuffle / pixel_unshuffle / channel_shuffle and their layers."""

from __future__ import annotations

import numpy as np
import pytest
from nn_oracle import assert_close_to_torch, compare_with_torch, gradcheck_function, to_torch, torch_or_skip

import tocha
import tocha.nn as nn
import tocha.nn.functional as F


def _make(*shape: int) -> tocha.Tensor:
    return tocha.from_numpy(np.random.default_rng(0).standard_normal(shape))


def test_pixel_shuffle_layout() -> None:
    x = tocha.arange(8.0).reshape(2, 4, 1, 1)  # channels c*4 + (i*2 + j) go to pixel (i, j)
    out = F.pixel_shuffle(x, 2)
    assert out.shape == (2, 1, 2, 2)
    assert out[1, 0].tolist() == [[4.0, 5.0], [6.0, 7.0]]


@pytest.mark.parametrize("shape", [(2, 8, 3, 2), (8, 2, 3), (2, 1, 8, 3, 4)])
def test_pixel_round_trip_and_gradcheck(shape: tuple[int, ...]) -> None:
    x = _make(*shape)
    np.testing.assert_array_equal(F.pixel_unshuffle(F.pixel_shuffle(x, 2), 2).numpy(), x.numpy())
    gradcheck_function(lambda t: F.pixel_shuffle(t, 2), x)
    y = _make(*shape[:-3], 2, 4, 6)
    gradcheck_function(lambda t: F.pixel_unshuffle(t, 2), y)


def test_channel_shuffle() -> None:
    x = tocha.arange(6.0).reshape(1, 6, 1)
    assert F.channel_shuffle(x, 2).flatten().tolist() == [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    gradcheck_function(lambda t: F.channel_shuffle(t, 3), _make(2, 6, 2, 2))


def test_modules_and_reprs() -> None:
    assert repr(nn.PixelShuffle(2)) == "PixelShuffle(upscale_factor=2)"
    assert repr(nn.PixelUnshuffle(2)) == "PixelUnshuffle(downscale_factor=2)"
    assert repr(nn.ChannelShuffle(2)) == "ChannelShuffle(groups=2)"
    assert nn.PixelShuffle(3)(tocha.randn(1, 9, 2, 2)).shape == (1, 1, 6, 6)
    assert nn.PixelUnshuffle(2)(tocha.randn(1, 1, 4, 4)).shape == (1, 4, 2, 2)
    assert nn.ChannelShuffle(2)(tocha.randn(1, 4, 2)).shape == (1, 4, 2)


def test_errors() -> None:
    with pytest.raises(RuntimeError, match=r"input.size\(-3\)=3 is not divisible by 4"):
        F.pixel_shuffle(tocha.randn(1, 3, 2, 2), 2)
    with pytest.raises(RuntimeError, match="at least 3 dimensions"):
        F.pixel_shuffle(tocha.randn(4, 4), 2)
    with pytest.raises(
        RuntimeError, match=r"expects height to be divisible by downscale_factor, but input.size\(-2\)=3"
    ):
        F.pixel_unshuffle(tocha.randn(1, 3, 3, 2), 2)
    with pytest.raises(
        RuntimeError, match=r"Number of channels must be divisible by groups\. Got 3 channels and 2 groups\."
    ):
        F.channel_shuffle(tocha.randn(1, 3, 2, 2), 2)
    with pytest.raises(
        RuntimeError, match=r"channel_shuffle expects input with > 2 dims, but got input with sizes \[4, 6\]"
    ):
        F.channel_shuffle(tocha.randn(4, 6), 2)


def test_against_torch() -> None:
    torch = torch_or_skip()
    x = _make(2, 8, 3, 2).requires_grad_(True)
    assert_close_to_torch(F.pixel_shuffle(x, 2), torch.nn.functional.pixel_shuffle(to_torch(x), 2))
    assert_close_to_torch(F.pixel_unshuffle(x, 1), torch.nn.functional.pixel_unshuffle(to_torch(x), 1))
    assert_close_to_torch(F.channel_shuffle(x, 4), torch.nn.functional.channel_shuffle(to_torch(x), 4))
    compare_with_torch(nn.PixelShuffle(2), torch.nn.PixelShuffle(2), tocha.randn(1, 8, 2, 3))
    compare_with_torch(nn.PixelUnshuffle(2), torch.nn.PixelUnshuffle(2), tocha.randn(2, 2, 4, 6))
    compare_with_torch(nn.ChannelShuffle(3), torch.nn.ChannelShuffle(3), tocha.randn(2, 6, 2))
    for ours, theirs in [
        (nn.PixelShuffle(2), torch.nn.PixelShuffle(2)),
        (nn.ChannelShuffle(2), torch.nn.ChannelShuffle(2)),
    ]:
        assert repr(ours) == repr(theirs)
