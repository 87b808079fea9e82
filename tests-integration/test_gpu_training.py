"""Training on 'cuda' gives the CPU's numbers and never waits for the device inside a step (``gpu``-marked).

Each model is built on the CPU, copied to the GPU, and both copies take the same three optimizer steps on the
same batch. The losses and the final parameters must agree with the CPU's, and the third GPU step runs under
``cupyx.allow_synchronize(False)``, where any device-to-host read (``float(t)``, ``bool(t)``, ``.item()``, a
bounds check read back...) raises: no host synchronisation inside a training step. Value errors found on the
device (a class target out of range, an embedding index out of range) surface at the next host read, as
PyTorch's device-side asserts do.

On a machine without a GPU, ``nox -s fakegpu`` runs these against tools/fake_cupy (CuPy's rules on NumPy).
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable

import pytest

import tocha
import tocha.nn as nn
import tocha.nn.functional as F
import tocha.optim as optim

pytestmark = pytest.mark.gpu

Batch = tuple[tocha.Tensor, tocha.Tensor]


def _classify(n_classes: int) -> Callable[[tocha.Tensor, tocha.Tensor], tocha.Tensor]:
    return lambda out, y: F.cross_entropy(out.reshape(-1, n_classes), y.reshape(-1), label_smoothing=0.1)


def _mlp() -> tuple[nn.Module, Batch, Callable[..., tocha.Tensor], Callable[..., optim.Optimizer]]:
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.GELU(), nn.Linear(64, 10))
    batch = (tocha.randn(16, 20), tocha.randint(0, 10, (16,)))
    return model, batch, nn.CrossEntropyLoss(), lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True)


def _cnn() -> tuple[nn.Module, Batch, Callable[..., tocha.Tensor], Callable[..., optim.Optimizer]]:
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1, bias=False),  # a bias before BatchNorm gets a gradient of pure rounding
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(4, 8, 3, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(2),
        nn.Flatten(),
        nn.Linear(32, 10),
    )
    batch = (tocha.randn(8, 1, 8, 8), tocha.randint(0, 10, (8,)))
    return model, batch, nn.CrossEntropyLoss(), lambda p: optim.Adam(p, lr=1e-2)


def _transformer() -> tuple[nn.Module, Batch, Callable[..., tocha.Tensor], Callable[..., optim.Optimizer]]:
    class LanguageModel(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(30, 16)
            self.layer = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True)
            self.head = nn.Linear(16, 30)

        def forward(self, x: tocha.Tensor) -> tocha.Tensor:
            mask = nn.Transformer.generate_square_subsequent_mask(x.shape[1], device=x.device)
            return self.head(self.layer(self.embed(x), src_mask=mask, is_causal=True))

    batch = (tocha.randint(0, 30, (4, 7)), tocha.randint(0, 30, (4, 7)))
    return LanguageModel(), batch, _classify(30), lambda p: optim.AdamW(p, lr=1e-2)


def _lstm() -> tuple[nn.Module, Batch, Callable[..., tocha.Tensor], Callable[..., optim.Optimizer]]:
    class Tagger(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = nn.LSTM(8, 16, batch_first=True, bidirectional=True)
            self.head = nn.Linear(32, 5)

        def forward(self, x: tocha.Tensor) -> tocha.Tensor:
            return self.head(self.lstm(x)[0])

    batch = (tocha.randn(4, 6, 8), tocha.randint(0, 5, (4, 6)))
    return Tagger(), batch, _classify(5), lambda p: optim.RMSprop(p, lr=1e-2, momentum=0.5)


MODELS = {"mlp": _mlp, "cnn": _cnn, "transformer": _transformer, "lstm": _lstm}


def _step(model: nn.Module, opt: optim.Optimizer, loss_fn: Callable[..., tocha.Tensor], batch: Batch) -> tocha.Tensor:
    opt.zero_grad()
    loss = loss_fn(model(batch[0]), batch[1])
    loss.backward()
    opt.step()
    return loss.detach()


@pytest.mark.parametrize("name", list(MODELS))
def test_training_on_cuda_matches_cpu_without_host_synchronisation(name: str) -> None:
    tocha.manual_seed(0)
    model, batch, loss_fn, make_optimizer = MODELS[name]()
    gpu_model = copy.deepcopy(model).to("cuda")
    gpu_batch = (batch[0].to("cuda"), batch[1].to("cuda"))
    opt, gpu_opt = make_optimizer(model.parameters()), make_optimizer(gpu_model.parameters())
    cpu_losses = [_step(model, opt, loss_fn, batch) for _ in range(3)]
    gpu_losses = [_step(gpu_model, gpu_opt, loss_fn, gpu_batch) for _ in range(2)]
    cupyx = pytest.importorskip("cupyx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # CuPy deprecates allow_synchronize, and warns so
        with cupyx.allow_synchronize(False):
            gpu_losses.append(_step(gpu_model, gpu_opt, loss_fn, gpu_batch))
    assert all(loss.device.type == "cuda" for loss in gpu_losses)
    tocha.testing.assert_close(tocha.stack(gpu_losses).cpu(), tocha.stack(cpu_losses), rtol=1e-4, atol=1e-5)
    for (key, p), q in zip(model.state_dict().items(), gpu_model.state_dict().values(), strict=True):
        assert q.device.type == "cuda", key
        got = q.cpu()
        if key.endswith("self_attn.in_proj_bias"):
            # The key bias's exact gradient is zero (it shifts every score of a row by the same amount), so what
            # the backward gives is rounding noise, different on the GPU, which Adam scales up to steps of size lr:
            # after 3 steps of lr 1e-2 the two can be 0.06 apart. The query and value biases compare as the rest.
            d = p.shape[0] // 3
            assert float((got[d : 2 * d] - p[d : 2 * d]).abs().max()) <= 3 * 2 * 1e-2, key
            got, p = tocha.cat([got[:d], got[2 * d :]]), tocha.cat([p[:d], p[2 * d :]])
        tocha.testing.assert_close(got, p, rtol=1e-4, atol=1e-5, msg=lambda m, key=key: f"{name} {key}: {m}")


def test_an_out_of_range_target_surfaces_at_the_next_host_read() -> None:
    logits = tocha.randn(4, 10, device="cuda", requires_grad=True)
    target = tocha.tensor([1, 12, 3, 4], device="cuda")
    loss = F.cross_entropy(logits, target)  # queued, not read back
    with pytest.raises(RuntimeError, match=r"Target 12 is out of bounds\. \(IndexError found by a device-side check"):
        loss.item()
    assert F.cross_entropy(logits, target.clamp(max=9)).item() > 0  # the queue was emptied by the failure


def test_an_out_of_range_embedding_index_surfaces_at_synchronize() -> None:
    embedding = nn.Embedding(5, 3).to("cuda")
    out = embedding(tocha.tensor([[0, 7]], device="cuda"))
    assert out.shape == (1, 2, 3)
    with pytest.raises(RuntimeError, match=r"index out of range in self"):
        tocha.cuda.synchronize()
