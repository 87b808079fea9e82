"""tocha-nn's batching rules (linear, activations, class-index losses): batched vmap against the per-entry loop
and against torch.func."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tocha
import tocha.nn as nn
import tocha.nn.functional as F
from tocha import _vmap
from tocha.func import functional_call, grad, stack_module_state, vmap
from tocha.testing import assert_close


@pytest.fixture(autouse=True)
def batched_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """vmap raises instead of falling back to the per-entry loop: everything here must run batched."""
    monkeypatch.setattr(_vmap, "LOOP_FALLBACK", False)


def _t(*shape: int, seed: int = 0) -> tocha.Tensor:
    return tocha.from_numpy(np.random.default_rng(seed).standard_normal(shape))


def _loop(func: Any, *args: tocha.Tensor) -> tocha.Tensor:
    return tocha.stack([func(*(a[b] for a in args)) for b in range(args[0].shape[0])])


@pytest.mark.parametrize("name", ["relu", "gelu", "silu", "elu", "leaky_relu", "softplus", "hardtanh", "mish"])
def test_activations_batch(name: str) -> None:
    f = getattr(F, name)
    xs = _t(4, 3, 5)
    assert_close(vmap(f)(xs), _loop(f, xs), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("entry_shape", [(3,), (2, 3)])
def test_linear_with_shared_and_per_entry_weights(entry_shape: tuple[int, ...]) -> None:
    xs, w, b = _t(5, *entry_shape), _t(4, 3, seed=1), _t(4, seed=2)
    assert_close(vmap(F.linear, in_dims=(0, None, None))(xs, w, b), _loop(lambda x: F.linear(x, w, b), xs))
    ws, bs = _t(5, 4, 3, seed=3), _t(5, 4, seed=4)
    assert_close(vmap(F.linear)(xs, ws, bs), _loop(F.linear, xs, ws, bs), rtol=1e-12, atol=1e-12)
    assert_close(vmap(F.linear, in_dims=(None, 0))(xs[0], ws), _loop(lambda w: F.linear(xs[0], w), ws))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("entry_shape", [(), (3,)])
@pytest.mark.parametrize("weighted", [False, True])
def test_class_index_losses_per_entry(reduction: str, entry_shape: tuple[int, ...], weighted: bool) -> None:
    logits = _t(6, *entry_shape, 4)
    target = tocha.from_numpy(np.random.default_rng(1).integers(0, 4, (6, *entry_shape)))
    target[1] = -100  # an ignored entry (or row): 'mean' over no weight is NaN, as PyTorch's
    weight = _t(4, seed=2).abs() + 0.5 if weighted else None

    def ce(x: tocha.Tensor, t: tocha.Tensor) -> tocha.Tensor:
        return F.cross_entropy(x, t, weight=weight, reduction=reduction)

    def nll(x: tocha.Tensor, t: tocha.Tensor) -> tocha.Tensor:
        return F.nll_loss(x.log_softmax(-1), t, weight=weight, reduction=reduction)

    for f in (ce, nll):
        assert_close(vmap(f)(logits, target), _loop(f, logits, target), rtol=1e-12, atol=1e-12, equal_nan=True)


def test_per_sample_gradients_of_a_model_match_torch_func() -> None:
    torch = pytest.importorskip("torch")
    tocha.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3)).double()
    params = {k: v.detach() for k, v in model.named_parameters()}
    x = _t(7, 5, seed=1)
    y = tocha.from_numpy(np.random.default_rng(2).integers(0, 3, 7))

    def loss(p: dict[str, tocha.Tensor], x: tocha.Tensor, y: tocha.Tensor) -> tocha.Tensor:
        return F.cross_entropy(functional_call(model, p, (x.unsqueeze(0),)), y.unsqueeze(0))

    ours = vmap(grad(loss), in_dims=(None, 0, 0))(params, x, y)
    reference = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3)).double()
    for name, g in ours.items():
        assert g.shape == (7, *params[name].shape)
    _assert_torch_per_sample_grads(torch, reference, params, x, y, ours)


def _assert_torch_per_sample_grads(torch: Any, reference: Any, params: Any, x: Any, y: Any, ours: Any) -> None:
    """``ours`` (per-sample cross-entropy gradients of ``params``) against torch.func's for ``reference``."""
    tparams = {k: torch.from_numpy(v.detach().numpy().copy()) for k, v in params.items()}

    def tloss(p: Any, x: Any, y: Any) -> Any:
        return torch.nn.functional.cross_entropy(torch.func.functional_call(reference, p, (x.unsqueeze(0),)), y[None])

    theirs = torch.func.vmap(torch.func.grad(tloss), in_dims=(None, 0, 0))(
        tparams, torch.from_numpy(x.numpy()), torch.from_numpy(y.numpy())
    )
    for name, g in ours.items():
        np.testing.assert_allclose(g.numpy(), theirs[name].numpy(), rtol=1e-10, atol=1e-12)


def test_an_ensemble_runs_as_batched_products() -> None:
    tocha.manual_seed(0)
    models = [nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)).double() for _ in range(5)]
    params, buffers = stack_module_state(models)
    x = _t(6, 3)

    def run(p: dict[str, tocha.Tensor], b: dict[str, tocha.Tensor]) -> tocha.Tensor:
        return functional_call(models[0], (p, b), (x,))

    out = vmap(run)(params, buffers)
    assert_close(out, tocha.stack([m(x) for m in models]).detach(), rtol=1e-12, atol=1e-12)


def test_a_transformer_layer_runs_batched() -> None:
    tocha.manual_seed(0)
    layer = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True).double().eval()
    xs = _t(4, 2, 5, 16)
    assert_close(vmap(layer)(xs), _loop(layer, xs).detach(), rtol=1e-10, atol=1e-12)
    mask = tocha.triu(tocha.full((5, 5), float("-inf"), dtype=tocha.float64), 1)
    f = lambda x: F.scaled_dot_product_attention(x, x, x, attn_mask=mask)
    assert_close(vmap(f)(xs), _loop(f, xs), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("unbatched_form", [False, True])
def test_convolutions_and_pools_fold_the_batch_into_the_samples(unbatched_form: bool) -> None:
    xs = _t(3, 2, 6, 6) if unbatched_form else _t(3, 2, 2, 6, 6)
    w, b = _t(4, 2, 3, 3, seed=1), _t(4, seed=2)
    for f in (
        lambda x: F.conv2d(x, w, b, padding=1, stride=2),
        lambda x: F.conv_transpose2d(x, w.transpose(0, 1), None, stride=2),
        lambda x: F.max_pool2d(x, 2),
        lambda x: F.max_pool2d(x, 3, stride=2, padding=1, return_indices=True)[1].double(),
        lambda x: F.avg_pool2d(x, 2, ceil_mode=True),
        lambda x: F.adaptive_avg_pool2d(x, 3) + F.adaptive_max_pool2d(x, 2).sum(),
        lambda x: F.pad(x, (1, 2, 0, 1), value=0.5),
    ):
        assert_close(vmap(f)(xs), _loop(f, xs), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("unbatched_form", [False, True])
def test_a_convolution_with_per_entry_weights_is_one_grouped_convolution(unbatched_form: bool) -> None:
    xs = _t(3, 4, 5, 5) if unbatched_form else _t(3, 2, 4, 5, 5)
    ws, bs = _t(3, 6, 2, 3, 3, seed=1), _t(3, 6, seed=2)
    f = lambda x, w, b: F.conv2d(x, w, b, padding=1, groups=2)
    assert_close(vmap(f)(xs, ws, bs), _loop(f, xs, ws, bs), rtol=1e-12, atol=1e-12)
    g = lambda w: F.conv2d(xs[0], w, groups=2)
    assert_close(vmap(g)(ws), _loop(g, ws), rtol=1e-12, atol=1e-12)


def test_row_norms_batch() -> None:
    xs, w, b = _t(4, 3, 5), _t(5, seed=1), _t(5, seed=2)
    for f in (
        lambda x: F.layer_norm(x, (5,), w, b),
        lambda x: F.rms_norm(x, (3, 5)),
        lambda x: F.layer_norm(x, (3, 5)),
    ):
        assert_close(vmap(f)(xs), _loop(f, xs), rtol=1e-12, atol=1e-12)


def test_per_sample_gradients_of_a_cnn_match_torch_func() -> None:
    torch = pytest.importorskip("torch")
    tocha.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(27, 4)).double()
    params = {k: v.detach() for k, v in model.named_parameters()}
    x = _t(5, 1, 8, 8)
    y = tocha.from_numpy(np.random.default_rng(2).integers(0, 4, 5))

    def loss(p: dict[str, tocha.Tensor], x: tocha.Tensor, y: tocha.Tensor) -> tocha.Tensor:
        return F.cross_entropy(functional_call(model, p, (x.unsqueeze(0),)), y.unsqueeze(0))

    ours = vmap(grad(loss), in_dims=(None, 0, 0))(params, x, y)
    reference = torch.nn.Sequential(
        torch.nn.Conv2d(1, 3, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(27, 4)
    ).double()
    _assert_torch_per_sample_grads(torch, reference, params, x, y, ours)


def test_batch_norm_in_eval_mode_batches_and_in_training_runs_per_entry() -> None:
    tocha.manual_seed(0)
    bn = nn.BatchNorm1d(3).double()
    bn.running_mean.copy_(_t(3, seed=1))
    bn.running_var.copy_(_t(3, seed=2).abs() + 0.5)
    xs = _t(4, 2, 3, 5)
    bn.eval()
    assert_close(vmap(bn)(xs), _loop(bn, xs).detach(), rtol=1e-12, atol=1e-12)
    f = lambda x: F.batch_norm(x, None, None, training=True)
    assert_close(vmap(f)(xs), _loop(f, xs), rtol=1e-12, atol=1e-12)


def test_embedding_lookups_and_their_per_sample_gradients_batch() -> None:
    table = _t(10, 4)
    ids = tocha.from_numpy(np.random.default_rng(1).integers(0, 10, (5, 3)))
    assert_close(vmap(F.embedding, in_dims=(0, None))(ids, table), _loop(lambda i: F.embedding(i, table), ids))

    def loss(w: tocha.Tensor, i: tocha.Tensor) -> tocha.Tensor:
        return F.embedding(i, w).tanh().sum()

    per_sample = vmap(grad(loss), in_dims=(None, 0))(table, ids)
    assert_close(per_sample, tocha.stack([grad(loss)(table, ids[b]) for b in range(5)]), rtol=1e-12, atol=1e-12)


def test_one_hot_batches_with_a_class_count_and_runs_per_entry_without(monkeypatch: pytest.MonkeyPatch) -> None:
    ids = tocha.tensor([[0, 2], [1, 1], [3, 0]])
    assert_close(vmap(lambda i: F.one_hot(i, 5))(ids), _loop(lambda i: F.one_hot(i, 5), ids))
    monkeypatch.setattr(_vmap, "LOOP_FALLBACK", True)  # the count read from each entry's values: the loop
    assert_close(vmap(lambda i: F.one_hot(i[:1] * 0 + 2))(ids), _loop(lambda i: F.one_hot(i[:1] * 0 + 2), ids))


def test_an_index_out_of_range_in_one_entry_raises_the_loops_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_vmap, "LOOP_FALLBACK", True)
    ids = tocha.tensor([[0, 2], [1, 10]])
    with pytest.raises(IndexError, match="index out of range in self"):
        vmap(F.embedding, in_dims=(0, None))(ids, _t(10, 4))


def test_per_sample_gradients_of_parameters_requiring_grad_keep_their_graph() -> None:
    tocha.manual_seed(0)
    model = nn.Linear(3, 2).double()
    params = dict(model.named_parameters())  # not detached: the per-sample gradients keep a graph to them
    x = _t(5, 3)
    y = tocha.from_numpy(np.random.default_rng(1).integers(0, 2, 5))

    def loss(p: dict[str, tocha.Tensor], x: tocha.Tensor, y: tocha.Tensor) -> tocha.Tensor:
        return F.cross_entropy(functional_call(model, p, (x[None],)), y[None])

    per_sample = vmap(grad(loss), in_dims=(None, 0, 0))(params, x, y)
    looped = {k: tocha.stack([grad(loss)(params, x[b], y[b])[k] for b in range(5)]) for k in params}
    for k in params:
        assert per_sample[k].requires_grad
        assert_close(per_sample[k], looped[k], rtol=1e-12, atol=1e-12)
    sum((g**2).sum() for g in per_sample.values()).backward()  # a gradient penalty
    batched_grad = model.weight.grad.clone()
    model.zero_grad()
    sum((g**2).sum() for g in looped.values()).backward()
    assert_close(batched_grad, model.weight.grad, rtol=1e-12, atol=1e-12)


def _dropout_model() -> nn.Module:
    tocha.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.4), nn.Linear(16, 3)).double().train()


def _dropout_loss(model: nn.Module) -> Any:
    def loss(p: dict[str, tocha.Tensor], x: tocha.Tensor, y: tocha.Tensor) -> tocha.Tensor:
        return F.cross_entropy(functional_call(model, p, (x[None],)), y[None])

    return loss


def test_per_sample_gradients_through_dropout_under_same_equal_the_rewinding_loop() -> None:
    model = _dropout_model()
    params = {k: v.detach() for k, v in model.named_parameters()}
    x, y = _t(5, 6), tocha.from_numpy(np.random.default_rng(1).integers(0, 3, 5))
    loss = _dropout_loss(model)
    looped = []
    for b in range(5):
        tocha.manual_seed(7)
        looped.append(grad(loss)(params, x[b], y[b]))
    tocha.manual_seed(7)
    per_sample = vmap(grad(loss), in_dims=(None, 0, 0), randomness="same")(params, x, y)
    for k in params:
        assert_close(per_sample[k], tocha.stack([g[k] for g in looped]), rtol=1e-12, atol=1e-12)


def test_per_sample_gradients_through_dropout_under_different_use_each_entrys_mask() -> None:
    """The masks the forward draws are the ones the gradients see: the last layer's per-sample weight gradient
    is (softmax - one_hot) times that entry's dropped-out hidden activations."""
    model = _dropout_model()
    params = {k: v.detach() for k, v in model.named_parameters()}
    x, y = _t(6, 6), tocha.from_numpy(np.random.default_rng(1).integers(0, 3, 6))
    hidden_net = model[:3]

    def hidden(p: dict[str, tocha.Tensor], x: tocha.Tensor) -> tocha.Tensor:
        return functional_call(hidden_net, {k: v for k, v in p.items() if not k.startswith("3.")}, (x[None],))

    tocha.manual_seed(3)
    h = vmap(hidden, in_dims=(None, 0), randomness="different")(params, x)[:, 0]
    tocha.manual_seed(3)
    per_sample = vmap(grad(_dropout_loss(model)), in_dims=(None, 0, 0), randomness="different")(params, x, y)
    logits = h @ params["3.weight"].T + params["3.bias"]
    delta = logits.softmax(-1) - F.one_hot(y, 3).double()
    assert_close(per_sample["3.weight"], delta[:, :, None] * h[:, None, :], rtol=1e-12, atol=1e-12)
    assert len({tuple((row == 0).tolist()) for row in h}) == 6  # each entry its own mask


@pytest.mark.parametrize("form", ["dropout1d", "dropout2d", "alpha_dropout", "feature_alpha_dropout"])
def test_channel_and_alpha_dropout_run_batched(form: str) -> None:
    f = getattr(F, form)
    shape = (3, 4, 50) if form == "dropout1d" else (3, 4, 5, 50)
    x = tocha.ones(8, *shape, dtype=tocha.float64)
    tocha.manual_seed(0)
    out = vmap(lambda a: f(a, 0.5, training=True), randomness="different")(x)
    assert out.shape == x.shape
    looped = [f(x[0], 0.5, training=True) for _ in range(2)]
    assert set(out.unique().tolist()) == set(tocha.cat([v.reshape(-1) for v in looped]).unique().tolist())
    assert len({tuple(o.reshape(-1).tolist()) for o in out}) == 8
    if form in ("dropout1d", "dropout2d", "feature_alpha_dropout"):  # one draw per channel
        per_channel = out.flatten(3)
        assert tocha.equal(per_channel, per_channel[..., :1].expand_as(per_channel))
    tocha.manual_seed(0)
    same = vmap(lambda a: f(a, 0.5, training=True), randomness="same")(x)
    assert tocha.equal(same, same[:1].expand_as(same))
