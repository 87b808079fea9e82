"""tocha.utils.flop_counter.FlopCounterMode: hand counts, per-module attribution, and PyTorch's totals."""

from __future__ import annotations

from typing import Any

import pytest
from nn_oracle import torch_or_skip
from tocha.utils.flop_counter import FlopCounterMode

import tocha
import tocha.nn as nn
import tocha.nn.functional as F


def _count(fn: Any) -> FlopCounterMode:
    with FlopCounterMode(display=False) as counter:
        fn()
    return counter


def test_hand_counts() -> None:
    a, b = tocha.randn(3, 4, 5), tocha.randn(5, 6)
    assert _count(lambda: a @ b).get_total_flops() == 2 * 3 * 4 * 5 * 6
    assert _count(lambda: tocha.addmm(tocha.zeros(4, 6), a[0], b)).get_total_flops() == 2 * 4 * 5 * 6
    assert _count(lambda: tocha.einsum("ij,jk->ik", a[0], b)).get_total_flops() == 2 * 4 * 5 * 6
    assert _count(lambda: F.linear(a, tocha.randn(7, 5))).get_total_flops() == 2 * 12 * 5 * 7
    x, w = tocha.randn(2, 3, 10, 10), tocha.randn(8, 3, 3, 3)
    assert _count(lambda: F.conv2d(x, w)).get_total_flops() == 2 * (2 * 8 * 8 * 8) * 27
    q, k, v = tocha.randn(2, 4, 16, 8), tocha.randn(2, 4, 12, 8), tocha.randn(2, 4, 12, 6)
    assert _count(lambda: F.scaled_dot_product_attention(q, k, v)).get_total_flops() == 2 * 8 * 16 * 12 * (8 + 6)
    assert _count(lambda: (a + 1).relu().sum()).get_total_flops() == 0  # elementwise ops are not counted


def test_backward_counts_only_the_gradients_asked_for() -> None:
    layer = nn.Linear(64, 128)
    x = tocha.randn(32, 64)
    forward = 2 * 32 * 64 * 128
    counter = _count(lambda: layer(x).sum().backward())
    assert counter.get_flop_counts()["Linear"] == {"tocha.linear": forward, "tocha.linear_backward": forward}
    needs_input = _count(lambda: layer(x.requires_grad_()).sum().backward())
    assert needs_input.get_total_flops() == 3 * forward  # input and weight gradients


def test_modules_nest() -> None:
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Sequential(nn.Linear(16, 4)))
    counter = _count(lambda: model(tocha.randn(2, 8)).sum().backward())
    counts = {name: sum(ops.values()) for name, ops in counter.get_flop_counts().items()}
    # forward 2 x rows x in x out; backward: the weight gradient, and the input gradient past the first layer
    expected = {"Sequential.0": 512 + 512, "Sequential.2": 256 + 2 * 256, "Sequential.2.0": 256 + 2 * 256}
    assert counts == {"Global": 1792, "Sequential": 1792, **expected}
    table = counter.get_table(depth=1).splitlines()
    assert table[0].split() == ["Module", "FLOP", "%", "Total"]
    assert [line.split()[0] for line in table[2:] if not line.strip().startswith("-")] == ["Global", "Sequential"]
    # ops outside every module count for Global only, and a second run starts from zero
    again = _count(lambda: (model(tocha.randn(2, 8)) @ tocha.randn(4, 3)).sum())
    assert again.get_flop_counts()["Global"]["tocha.matmul"] == 2 * 2 * 4 * 3
    assert sum(again.get_flop_counts()["Sequential"].values()) == 2 * 2 * (8 * 16 + 16 * 4)


def test_custom_mapping_and_display(capsys: pytest.CaptureFixture[str]) -> None:
    with FlopCounterMode(custom_mapping={"relu": lambda inputs, params, result: result.numel()}) as counter:
        tocha.randn(10).relu()
    assert counter.get_total_flops() == 10
    assert "tocha.relu" in capsys.readouterr().out
    with pytest.warns(UserWarning, match="mods argument is not needed anymore"):
        FlopCounterMode(mods=nn.Linear(1, 1))


def test_totals_match_pytorch() -> None:
    torch = torch_or_skip()
    from torch.utils.flop_counter import FlopCounterMode as TorchCounter

    def build(lib: Any) -> Any:
        return lib.nn.Sequential(lib.nn.Conv2d(3, 8, 3, padding=1), lib.nn.ReLU(), lib.nn.Flatten(),
                                 lib.nn.Linear(8 * 6 * 6, 10))  # fmt: skip

    results = []
    for lib, counter_type in ((tocha, FlopCounterMode), (torch, TorchCounter)):
        model = build(lib)
        with counter_type(display=False) as counter:
            model(lib.randn(4, 3, 6, 6, requires_grad=True)).sum().backward()
        results.append({name: sum(ops.values()) for name, ops in counter.get_flop_counts().items()})
    assert results[0] == results[1]
