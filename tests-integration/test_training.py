"""End-to-end training to a threshold: tocha.nn, tocha.optim and tocha.data working together as a user uses them.

Four models learn seeded synthetic tasks in a few seconds each on a 2-core CPU, and each must cross a threshold
that an untrained model cannot reach (with margin: every run was checked on several seeds):

- an MLP classifier separates two interleaved spirals (accuracy >= 95%; Adam + StepLR);
- a CNN (Conv2d / ReLU / MaxPool2d / Linear) tells apart four kinds of noisy bar images 1x16x16 (accuracy >= 95%;
  SGD with Nesterov momentum + CosineAnnealingLR);
- an LSTM sequence classifier says whether a marker token occurs in a sequence (accuracy >= 95%; Adam + StepLR);
- a tiny transformer language model (nn.TransformerEncoder with a causal mask) learns to continue a fixed
  repeating text whose next character depends on more than the current one (loss < 0.15 nats; AdamW + OneCycleLR).

Batches come from tocha.data.DataLoader over a TensorDataset, shuffled by a seeded generator; gradients flow through
tocha.autograd; nothing here imports PyTorch.
"""

from __future__ import annotations

import math

import pytest

import tocha
import tocha.nn as nn
import tocha.nn.functional as F
import tocha.optim as optim
from tocha.data import DataLoader, TensorDataset

SEEDS = [0, 1, 2]


def _loader(*tensors: tocha.Tensor, batch_size: int, seed: int) -> DataLoader:
    return DataLoader(
        TensorDataset(*tensors), batch_size=batch_size, shuffle=True, generator=tocha.Generator().manual_seed(seed)
    )


def _accuracy(model: nn.Module, x: tocha.Tensor, y: tocha.Tensor) -> float:
    model.eval()
    with tocha.no_grad():
        return float((model(x).argmax(dim=1) == y).float().mean().item())


def _spirals(n: int, generator: tocha.Generator) -> tuple[tocha.Tensor, tocha.Tensor]:
    """Two interleaved spirals (1.5 turns each) with a little noise: not linearly separable."""
    t = tocha.rand(n, generator=generator) * 3 * math.pi
    label = tocha.randint(0, 2, (n,), generator=generator)
    angle = t + label * math.pi
    radius = 0.1 + t / (3 * math.pi)
    x = tocha.stack([radius * tocha.cos(angle), radius * tocha.sin(angle)], dim=1)
    return x + 0.02 * tocha.randn(n, 2, generator=generator), label


@pytest.mark.parametrize("seed", SEEDS)
def test_mlp_learns_two_spirals(seed: int) -> None:
    g = tocha.Generator().manual_seed(seed)
    x_train, y_train = _spirals(512, g)
    x_test, y_test = _spirals(512, g)
    tocha.manual_seed(seed)
    model = nn.Sequential(nn.Linear(2, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 2))
    assert _accuracy(model, x_test, y_test) < 0.75
    opt = optim.Adam(model.parameters(), lr=5e-3)
    sched = optim.lr_scheduler.StepLR(opt, step_size=20, gamma=0.5)
    loader = _loader(x_train, y_train, batch_size=32, seed=seed)
    for _ in range(40):
        model.train()
        for xb, yb in loader:
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
        sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(5e-3 * 0.5**2)
    assert _accuracy(model, x_test, y_test) >= 0.95


def _bars(n: int, generator: tocha.Generator) -> tuple[tocha.Tensor, tocha.Tensor]:
    """1x16x16 images of one bar (3 px thick): 0 horizontal top half, 1 horizontal bottom, 2 vertical left, 3 right."""
    label = tocha.randint(0, 4, (n,), generator=generator)
    offset = tocha.randint(0, 6, (n,), generator=generator)
    start = offset + (label % 2) * 8  # rows/columns 0-5 for the first half, 8-13 for the second
    pos = tocha.arange(16)
    on = ((pos >= start[:, None]) & (pos < start[:, None] + 3)).float()  # (n, 16): which rows/columns are lit
    horizontal = (label < 2).float()[:, None, None]
    lines = on[:, :, None].expand(n, 16, 16)
    images = horizontal * lines + (1 - horizontal) * lines.transpose(1, 2)
    images = images + 0.3 * tocha.randn(n, 16, 16, generator=generator)
    return images.unsqueeze(1), label


@pytest.mark.parametrize("seed", SEEDS)
def test_cnn_learns_bar_images(seed: int) -> None:
    g = tocha.Generator().manual_seed(seed)
    x_train, y_train = _bars(512, g)
    x_test, y_test = _bars(256, g)
    tocha.manual_seed(seed)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 4 * 4, 4),
    )
    assert _accuracy(model, x_test, y_test) < 0.5
    epochs = 6
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    loader = _loader(x_train, y_train, batch_size=32, seed=seed)
    for _ in range(epochs):
        model.train()
        for xb, yb in loader:
            opt.zero_grad()
            F.cross_entropy(model(xb), yb).backward()
            opt.step()
        sched.step()
    assert _accuracy(model, x_test, y_test) >= 0.95


class _SequenceClassifier(nn.Module):
    def __init__(self, vocab: int, embed: int, hidden: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 2)

    def forward(self, tokens: tocha.Tensor) -> tocha.Tensor:
        output, (h_n, _c_n) = self.lstm(self.embedding(tokens))
        assert output.shape == (*tokens.shape, self.lstm.hidden_size)
        return self.head(h_n[-1])


def _marker_sequences(n: int, length: int, vocab: int, generator: tocha.Generator) -> tuple[tocha.Tensor, tocha.Tensor]:
    """Token sequences over 1..vocab-1; half of them get the marker token 0 at one random position."""
    tokens = tocha.randint(1, vocab, (n, length), generator=generator)
    label = tocha.randint(0, 2, (n,), generator=generator)
    where = tocha.randint(0, length, (n,), generator=generator)
    marker = (tocha.arange(length) == where[:, None]) & (label[:, None] == 1)
    return tocha.where(marker, tocha.zeros_like(tokens), tokens), label


@pytest.mark.parametrize("seed", SEEDS)
def test_lstm_learns_whether_a_sequence_holds_a_marker(seed: int) -> None:
    g = tocha.Generator().manual_seed(seed)
    x_train, y_train = _marker_sequences(512, 12, 8, g)
    x_test, y_test = _marker_sequences(256, 12, 8, g)
    tocha.manual_seed(seed)
    model = _SequenceClassifier(vocab=8, embed=8, hidden=24)
    opt = optim.Adam(model.parameters(), lr=1e-2)
    sched = optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
    loader = _loader(x_train, y_train, batch_size=32, seed=seed)
    for _ in range(15):
        model.train()
        for xb, yb in loader:
            opt.zero_grad()
            F.cross_entropy(model(xb), yb).backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
        sched.step()
    assert _accuracy(model, x_test, y_test) >= 0.95


TEXT = "the cat sat on the mat. a bat ate the hat! "  # 't', 'a', 'e', ' ' are followed by several characters


class _TinyLM(nn.Module):
    def __init__(self, vocab: int, context: int, d_model: int = 32) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, d_model)
        self.position = nn.Parameter(0.1 * tocha.randn(context, d_model))
        layer = nn.TransformerEncoderLayer(d_model, nhead=4, dim_feedforward=64, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
        self.head = nn.Linear(d_model, vocab)
        self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(context))

    def forward(self, tokens: tocha.Tensor) -> tocha.Tensor:
        length = tokens.shape[1]
        h = self.embedding(tokens) + self.position[:length]
        h = self.encoder(h, mask=self.mask[:length, :length], is_causal=True)
        return self.head(h)


@pytest.mark.parametrize("seed", SEEDS)
def test_tiny_transformer_language_model_learns_a_repeating_text(seed: int) -> None:
    chars = sorted(set(TEXT))
    ids = tocha.tensor([chars.index(c) for c in TEXT * 4])
    context = 16
    starts = tocha.arange(len(TEXT))  # every phase of the period once
    windows = ids[starts[:, None] + tocha.arange(context + 1)]  # (period, context + 1)
    inputs, targets = windows[:, :-1], windows[:, 1:]
    tocha.manual_seed(seed)
    model = _TinyLM(len(chars), context)
    steps_per_epoch, epochs = 3, 40
    opt = optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.01)
    sched = optim.lr_scheduler.OneCycleLR(opt, max_lr=1e-2, epochs=epochs, steps_per_epoch=steps_per_epoch)
    loader = _loader(inputs, targets, batch_size=16, seed=seed)
    assert len(loader) == steps_per_epoch
    for _ in range(epochs):
        model.train()
        for xb, yb in loader:
            opt.zero_grad()
            logits = model(xb)
            loss = F.cross_entropy(logits.reshape(-1, len(chars)), yb.reshape(-1))
            loss.backward()
            opt.step()
            sched.step()
    model.eval()
    with tocha.no_grad():
        logits = model(inputs)
        final = F.cross_entropy(logits.reshape(-1, len(chars)), targets.reshape(-1)).item()
        # From position 8 on the context always decides the next character: greedy predictions are exact.
        accuracy = (logits.argmax(dim=-1)[:, 8:] == targets[:, 8:]).float().mean().item()
    assert final < 0.15
    assert accuracy >= 0.99
