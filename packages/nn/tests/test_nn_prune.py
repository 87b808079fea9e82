"""tocha.nn.utils.prune against hand-checked masks and PyTorch's torch.nn.utils.prune."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from nn_oracle import to_torch, torch_or_skip

import tocha
import tocha.nn as nn
from tocha.nn.utils import prune

RNG = np.random.default_rng(5)


def _linear(rows: int = 4, cols: int = 5) -> nn.Linear:
    layer = nn.Linear(cols, rows)
    with tocha.no_grad():
        # distinct magnitudes: the ranking, hence the mask, is unique
        values = RNG.permutation(rows * cols).reshape(rows, cols) + 1.0
        layer.weight.copy_(tocha.from_numpy(values * RNG.choice([-1.0, 1.0], (rows, cols))))
    return layer


def _torch_prune() -> Any:
    torch_or_skip()
    import torch.nn.utils.prune as torch_prune

    return torch_prune


def _torch_twin(layer: nn.Module) -> Any:
    torch = torch_or_skip()
    twin = torch.nn.Linear(layer.in_features, layer.out_features)  # type: ignore[arg-type]
    with torch.no_grad():
        twin.weight.copy_(to_torch(layer.weight))
        twin.bias.copy_(to_torch(layer.bias))
    return twin


def test_l1_unstructured_masks_the_smallest_magnitudes() -> None:
    layer = _linear()
    weight = layer.weight.detach().numpy().copy()
    prune.l1_unstructured(layer, "weight", amount=0.3)  # round(0.3 * 20) = 6 entries
    expected = (np.abs(weight) > 6).astype(np.float32)
    np.testing.assert_array_equal(layer.weight_mask.numpy(), expected)
    np.testing.assert_array_equal(layer.weight.detach().numpy(), weight * expected)
    assert sorted(dict(layer.named_parameters())) == ["bias", "weight_orig"]
    assert sorted(layer.state_dict()) == ["bias", "weight_mask", "weight_orig"]
    assert not isinstance(layer.weight, nn.Parameter)
    assert prune.is_pruned(layer)


def test_the_hook_recomputes_the_weight_and_gradients_reach_the_original() -> None:
    layer = _linear()
    prune.l1_unstructured(layer, "weight", amount=10)
    with tocha.no_grad():
        layer.weight_orig.add_(1.0)
    x = tocha.ones(2, 5)
    layer(x).sum().backward()
    mask = layer.weight_mask.numpy()
    np.testing.assert_array_equal(layer.weight.detach().numpy(), layer.weight_orig.detach().numpy() * mask)
    assert layer.weight_orig.grad is not None
    np.testing.assert_array_equal(layer.weight_orig.grad.numpy(), 2.0 * mask)  # pruned entries get no gradient


def test_remove_makes_the_pruning_permanent() -> None:
    layer = _linear()
    prune.l1_unstructured(layer, "weight", amount=7)
    pruned = layer.weight.detach().numpy().copy()
    assert prune.remove(layer, "weight") is layer
    assert isinstance(layer.weight, nn.Parameter)
    np.testing.assert_array_equal(layer.weight.detach().numpy(), pruned)
    assert sorted(layer.state_dict()) == ["bias", "weight"]
    assert not prune.is_pruned(layer)
    assert not layer._forward_pre_hooks
    with pytest.raises(ValueError, match=r"Parameter 'weight' of module Linear.* has to be pruned before pruning can"):
        prune.remove(layer, "weight")


def test_pruning_twice_combines_in_a_container() -> None:
    layer = _linear()
    prune.l1_unstructured(layer, "weight", amount=4)
    first = layer.weight_mask.numpy().copy()
    prune.ln_structured(layer, "weight", amount=1, n=1, dim=0)  # one more row, among all four
    hooks = list(layer._forward_pre_hooks.values())
    assert len(hooks) == 1
    assert isinstance(hooks[0], prune.PruningContainer)
    assert [type(m).__name__ for m in hooks[0]] == ["L1Unstructured", "LnStructured"]
    second = layer.weight_mask.numpy()
    assert (second <= first).all()
    assert (second.sum(1) == 0).sum() == 1
    # an unstructured method after that prunes among the entries still alive only
    prune.l1_unstructured(layer, "weight", amount=2)
    third = layer.weight_mask.numpy()
    assert int(second.sum() - third.sum()) == 2
    assert len(next(iter(layer._forward_pre_hooks.values()))) == 3


@pytest.mark.parametrize(
    "steps",
    [
        [("l1_unstructured", dict(amount=0.3))],
        [("l1_unstructured", dict(amount=5)), ("l1_unstructured", dict(amount=0.5))],
        [("ln_structured", dict(amount=2, n=2, dim=0))],
        [("ln_structured", dict(amount=1, n=1, dim=1)), ("ln_structured", dict(amount=0.5, n=float("inf"), dim=-1))],
        [("l1_unstructured", dict(amount=3)), ("ln_structured", dict(amount=1, n=2, dim=0)), ("identity", {})],
        [("custom_from_mask", dict(mask="checker")), ("l1_unstructured", dict(amount=0.25))],
    ],
)
def test_masks_match_torch(steps: list[tuple[str, dict[str, Any]]]) -> None:
    torch, torch_prune = torch_or_skip(), _torch_prune()
    ours = _linear()
    theirs = _torch_twin(ours)
    for name, kwargs in steps:
        if kwargs.get("mask") == "checker":
            checker = (np.indices((4, 5)).sum(0) % 2).astype(np.float32)
            getattr(prune, name)(ours, "weight", mask=tocha.from_numpy(checker))
            getattr(torch_prune, name)(theirs, "weight", mask=torch.from_numpy(checker))
            continue
        getattr(prune, name)(ours, "weight", **kwargs)
        getattr(torch_prune, name)(theirs, "weight", **kwargs)
        np.testing.assert_array_equal(ours.weight_mask.numpy(), theirs.weight_mask.numpy(), err_msg=name)
    np.testing.assert_array_equal(ours.weight.detach().numpy(), theirs.weight.detach().numpy())
    x = RNG.standard_normal((3, 5)).astype(np.float32)
    np.testing.assert_allclose(
        ours(tocha.from_numpy(x)).detach().numpy(), theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-6
    )


def test_global_unstructured_ranks_all_parameters_together() -> None:
    torch_prune = _torch_prune()
    a, b = _linear(3, 4), _linear(2, 6)
    with tocha.no_grad():
        b.weight.mul_(0.5)
    ta, tb = _torch_twin(a), _torch_twin(b)
    prune.global_unstructured([(a, "weight"), (b, "weight")], prune.L1Unstructured, amount=0.5)
    torch_prune.global_unstructured([(ta, "weight"), (tb, "weight")], torch_prune.L1Unstructured, amount=0.5)
    np.testing.assert_array_equal(a.weight_mask.numpy(), ta.weight_mask.numpy())
    np.testing.assert_array_equal(b.weight_mask.numpy(), tb.weight_mask.numpy())
    assert int(a.weight_mask.sum() + b.weight_mask.sum()) == 12
    with pytest.raises(TypeError, match='Only "unstructured" PRUNING_TYPE supported for the `pruning_method`'):
        prune.global_unstructured([(a, "bias")], prune.RandomStructured, amount=1)


def test_importance_scores_rank_instead_of_the_values() -> None:
    layer = _linear()
    scores = tocha.from_numpy(np.arange(20.0, dtype=np.float32).reshape(4, 5))
    prune.l1_unstructured(layer, "weight", amount=5, importance_scores=scores)
    np.testing.assert_array_equal(layer.weight_mask.numpy().reshape(-1), [0] * 5 + [1] * 15)
    with pytest.raises(ValueError, match="importance_scores should have the same shape as parameter bias"):
        prune.l1_unstructured(layer, "bias", amount=1, importance_scores=tocha.ones(3))


def test_random_methods_prune_the_requested_share() -> None:
    tocha.manual_seed(0)
    layer = nn.Conv2d(3, 8, 3)
    prune.random_unstructured(layer, "weight", amount=0.4)
    assert int((layer.weight_mask == 0).sum()) == round(0.4 * layer.weight.numel())
    conv = nn.Conv2d(3, 8, 3)
    prune.random_structured(conv, "weight", amount=3, dim=0)
    per_channel = conv.weight_mask.sum((1, 2, 3)).numpy()
    assert sorted(per_channel.tolist()) == [0.0] * 3 + [27.0] * 5


def test_prune_without_a_module_and_amount_rounding() -> None:
    t = tocha.tensor([3.0, -1.0, 0.5, 2.0, -4.0])
    np.testing.assert_array_equal(prune.L1Unstructured(amount=0.5).prune(t).numpy(), [3.0, 0.0, 0.0, 2.0, -4.0])
    np.testing.assert_array_equal(prune.L1Unstructured(amount=0).prune(t).numpy(), t.numpy())  # round(2.5) = 2
    mask = prune.LnStructured(amount=1, n=2, dim=1).compute_mask(
        tocha.tensor([[1.0, 5.0], [1.0, 0.0]]), tocha.ones(2, 2)
    )
    np.testing.assert_array_equal(mask.numpy(), [[0.0, 1.0], [0.0, 1.0]])


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda m: prune.l1_unstructured(m, "weight", amount=-1), ValueError, "amount=-1 should either be a float in"),
        (lambda m: prune.l1_unstructured(m, "weight", amount=1.5), ValueError, "amount=1.5 should either be a float"),
        (lambda m: prune.l1_unstructured(m, "weight", amount="a"), TypeError, "Invalid type for amount: a."),
        (lambda m: prune.l1_unstructured(m, "weight", amount=21), ValueError, "amount=21 should be smaller than the"),
        (lambda m: prune.ln_structured(m, "bias", amount=1, n=2, dim=0), ValueError,
         r"Structured pruning can only be applied to multidimensional tensors. Found tensor of shape \(4,\) with 1 dims"),
        (lambda m: prune.ln_structured(m, "weight", amount=1, n=2, dim=2), IndexError, "Invalid index 2 for tensor"),
        (lambda m: prune.custom_from_mask(m, "weight", mask=tocha.ones(2)), ValueError, "mask's shape"),
    ],
)  # fmt: skip
def test_errors_leave_the_module_unpruned(call: Any, error: type[Exception], message: str) -> None:
    layer = _linear()
    with pytest.raises(error, match=message):
        call(layer)
    assert not prune.is_pruned(layer)
    assert sorted(dict(layer.named_parameters())) == ["bias", "weight"]
    assert isinstance(layer.weight, nn.Parameter)


def test_convert_conv_weight_memory_format() -> None:
    from tocha.nn.utils import convert_conv2d_weight_memory_format, convert_conv3d_weight_memory_format

    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Sequential(nn.ConvTranspose2d(4, 2, 2)), nn.Conv3d(1, 2, 2))
    weight = model[1][0].weight
    values = weight.detach().numpy().copy()
    assert convert_conv2d_weight_memory_format(model, tocha.channels_last) is model
    assert model[1][0].weight is weight  # the same parameter, re-laid out
    np.testing.assert_array_equal(weight.detach().numpy(), values)
    assert model[0].weight.is_contiguous(memory_format=tocha.channels_last)
    assert weight.is_contiguous(memory_format=tocha.channels_last)
    assert model[2].weight.is_contiguous()  # 3-d convolutions are the other function's
    convert_conv3d_weight_memory_format(model, tocha.channels_last_3d)
    assert model[2].weight.is_contiguous(memory_format=tocha.channels_last_3d)
