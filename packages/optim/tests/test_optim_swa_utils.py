"""swa_utils: AveragedModel (SWA, EMA, custom averaging, buffers), update_bn, with duck-typed modules (tocha-optim
does not depend on tocha-nn) and against PyTorch."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import tocha
from tocha.optim.swa_utils import (
    AveragedModel,
    get_ema_avg_fn,
    get_ema_multi_avg_fn,
    get_swa_avg_fn,
    update_bn,
)


class Tiny:
    """A module-like object: two parameters and one buffer."""

    def __init__(self) -> None:
        self.w = tocha.zeros(2, 3, dtype=tocha.float64, requires_grad=True)
        self.b = tocha.zeros(3, dtype=tocha.float64, requires_grad=True)
        self.count = tocha.zeros((), dtype=tocha.float64)
        self.training = True

    def parameters(self) -> Iterator[tocha.Tensor]:
        return iter([self.w, self.b])

    def buffers(self) -> Iterator[tocha.Tensor]:
        return iter([self.count])

    def __call__(self, x: tocha.Tensor) -> tocha.Tensor:
        return x @ self.w + self.b


def _snapshots(k: int) -> list[tuple[np.ndarray, np.ndarray, float]]:
    rng = np.random.default_rng(k)
    return [(rng.standard_normal((2, 3)), rng.standard_normal(3), float(i)) for i in range(5)]


def _average(lib: Any, model: Any, make: Any, **kwargs: Any) -> list[np.ndarray]:
    averaged = make(model, **kwargs)
    for w, b, c in _snapshots(0):
        with lib.no_grad():
            params = list(model.parameters())
            params[0].copy_(lib.tensor(w))
            params[1].copy_(lib.tensor(b))
            next(iter(model.buffers())).copy_(lib.tensor(c, dtype=lib.float64))
        averaged.update_parameters(model)
    return [t.detach().numpy().copy() for t in [*averaged.module.parameters(), *averaged.module.buffers()]]


def _torch_model(torch: Any) -> Any:
    class TorchTiny(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = torch.nn.Parameter(torch.zeros(2, 3, dtype=torch.float64))
            self.b = torch.nn.Parameter(torch.zeros(3, dtype=torch.float64))
            self.register_buffer("count", torch.zeros((), dtype=torch.float64))

    return TorchTiny()


VARIANTS = [
    ("swa", {}),
    ("ema", {"multi_avg_fn": get_ema_multi_avg_fn(0.9)}),
    ("ema-fn", {"avg_fn": get_ema_avg_fn(0.8)}),
    ("swa-fn-buffers", {"avg_fn": get_swa_avg_fn(), "use_buffers": True}),
    ("ema-buffers", {"multi_avg_fn": get_ema_multi_avg_fn(0.5), "use_buffers": True}),
]


@pytest.mark.parametrize(("label", "kwargs"), VARIANTS, ids=[v[0] for v in VARIANTS])
def test_averaged_model_matches_torch(label: str, kwargs: dict[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    from torch.optim import swa_utils as theirs

    torch_kwargs = dict(kwargs)
    if "multi_avg_fn" in kwargs:
        decay = {"ema": 0.9, "ema-buffers": 0.5}[label]
        torch_kwargs["multi_avg_fn"] = theirs.get_ema_multi_avg_fn(decay)
    if "avg_fn" in kwargs:
        torch_kwargs["avg_fn"] = theirs.get_ema_avg_fn(0.8) if label == "ema-fn" else theirs.get_swa_avg_fn()
    ours = _average(tocha, Tiny(), AveragedModel, **kwargs)
    expected = _average(torch, _torch_model(torch), theirs.AveragedModel, **torch_kwargs)
    for o, e in zip(ours, expected, strict=True):
        np.testing.assert_allclose(o, e, rtol=1e-12)


def test_swa_is_the_mean_without_torch() -> None:
    ours = _average(tocha, Tiny(), AveragedModel)
    snaps = _snapshots(0)
    np.testing.assert_allclose(ours[0], np.mean([s[0] for s in snaps], axis=0), rtol=1e-12)
    np.testing.assert_allclose(ours[1], np.mean([s[1] for s in snaps], axis=0), rtol=1e-12)
    assert float(ours[2]) == 4.0  # buffers are copied, not averaged


def test_averaged_model_is_a_copy_and_callable() -> None:
    model = Tiny()
    averaged = AveragedModel(model)
    assert averaged.module is not model
    assert averaged.module.w is not model.w
    assert averaged(tocha.ones(1, 2, dtype=tocha.float64)).shape == (1, 3)
    assert int(averaged.n_averaged) == 0
    assert averaged.n_averaged.dtype == tocha.int64
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn should be provided"):
        AveragedModel(model, avg_fn=get_swa_avg_fn(), multi_avg_fn=get_ema_multi_avg_fn())
    with pytest.raises(ValueError, match=r"Invalid decay value 1.5 provided"):
        get_ema_multi_avg_fn(1.5)


class FakeBN:
    def __init__(self) -> None:
        self.momentum: float | None = 0.1
        self.running_mean = tocha.zeros(1)
        self.seen = 0
        self.training = False

    def reset_running_stats(self) -> None:
        self.running_mean = tocha.zeros(1)
        self.seen = 0

    def __call__(self, x: tocha.Tensor) -> tocha.Tensor:
        assert self.training
        assert self.momentum is None
        self.seen += 1
        self.running_mean += (x.mean() - self.running_mean) / self.seen
        return x


class Net:
    def __init__(self) -> None:
        self.bn = FakeBN()
        self.training = False

    def modules(self) -> Iterator[Any]:
        return iter([self, self.bn])

    def train(self, mode: bool = True) -> Net:
        self.training = mode
        self.bn.training = mode
        return self

    def __call__(self, x: tocha.Tensor) -> tocha.Tensor:
        return self.bn(x)


def test_update_bn() -> None:
    net = Net()
    loader = [(tocha.tensor([1.0, 3.0]), 0), (tocha.tensor([5.0]), 1)]
    update_bn(loader, net)
    assert net.bn.running_mean.tolist() == [3.5]
    assert net.bn.momentum == 0.1
    assert net.training is False


def test_update_bn_without_batchnorm_is_a_no_op() -> None:
    class Plain:
        def modules(self) -> Iterator[Any]:
            return iter([self])

    update_bn([tocha.ones(1)], Plain())


def test_with_tocha_nn_module() -> None:
    nn = pytest.importorskip("tocha.nn")
    if not hasattr(nn, "Linear"):
        pytest.skip("tocha.nn.Linear is not available yet")
    model = nn.Linear(3, 2)
    averaged = AveragedModel(model)
    averaged.update_parameters(model)
    for p, q in zip(averaged.parameters(), model.parameters(), strict=True):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
