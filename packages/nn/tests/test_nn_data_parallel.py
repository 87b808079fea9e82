"""nn.DataParallel and nn.parallel.data_parallel: PyTorch-compatible wrappers (one device in tocha)."""

from __future__ import annotations

import numpy as np
import pytest
from nn_oracle import to_torch, torch_or_skip

import tocha
import tocha.nn as nn
from tocha.nn.parallel import data_parallel


def test_on_the_cpu_the_wrapper_calls_the_module() -> None:
    inner = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
    model = nn.DataParallel(inner)
    x = tocha.randn(5, 3)
    np.testing.assert_array_equal(model(x).detach().numpy(), inner(x).detach().numpy())
    assert model.module is inner
    assert model.device_ids == []
    assert list(model.state_dict()) == ["module.0.weight", "module.0.bias"]
    assert repr(model).startswith("DataParallel(\n  (module): Sequential(")
    model(x).sum().backward()
    assert inner[0].weight.grad is not None  # gradients reach the wrapped parameters
    assert data_parallel(inner, x).shape == (5, 4)
    assert data_parallel(nn.Bilinear(3, 3, 2), (x, x)).shape == (5, 2)


def test_state_dict_keys_match_pytorch() -> None:
    torch = torch_or_skip()
    ours = nn.DataParallel(nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2)))
    theirs = torch.nn.DataParallel(torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2)))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict({k: to_torch(v) for k, v in ours.state_dict().items()})


@pytest.mark.gpu
def test_on_a_gpu_inputs_and_outputs_move() -> None:
    if not tocha.cuda.is_available():
        pytest.skip("needs CuPy and an NVIDIA GPU")
    model = nn.DataParallel(nn.Linear(3, 2))
    assert model.device_ids == list(range(tocha.cuda.device_count()))
    assert model.module.weight.device == tocha.device("cuda", 0)
    out = model(tocha.ones(4, 3))  # a CPU input is moved to cuda:0
    assert out.device == tocha.device("cuda", 0)
    stray = nn.DataParallel(nn.Linear(3, 2))
    stray.module.cpu()
    with pytest.raises(RuntimeError, match=r"module must have its parameters and buffers on device cuda:0"):
        stray(tocha.ones(1, 3))


def test_func_replace_all_batch_norm_modules() -> None:
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Sequential(nn.BatchNorm1d(4)), nn.InstanceNorm2d(2))
    assert tocha.func.replace_all_batch_norm_modules_(model) is model
    for bn in (model[1], model[2][0]):
        assert bn.running_mean is None
        assert bn.running_var is None
        assert bn.num_batches_tracked is None
        assert not bn.track_running_stats
    assert "1.running_mean" not in model.state_dict()
    x = tocha.randn(3, 2, 4, 4)
    model[1].eval()  # without running statistics, eval mode normalizes with the batch's
    expected = (x - x.mean((0, 2, 3), keepdim=True)) / (x.var((0, 2, 3), unbiased=False, keepdim=True) + 1e-5).sqrt()
    np.testing.assert_allclose(model[1](x).detach().numpy(), expected.numpy(), rtol=1e-5, atol=1e-5)
    torch = torch_or_skip()
    theirs = torch.nn.Sequential(torch.nn.BatchNorm2d(2), torch.nn.InstanceNorm2d(2, track_running_stats=True))
    ours = nn.Sequential(nn.BatchNorm2d(2), nn.InstanceNorm2d(2, track_running_stats=True))
    torch.func.replace_all_batch_norm_modules_(theirs)
    tocha.func.replace_all_batch_norm_modules_(ours)
    assert list(ours.state_dict()) == list(theirs.state_dict())  # instance norms keep theirs
