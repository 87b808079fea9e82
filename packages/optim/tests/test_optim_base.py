"""Optimizer base behaviour: validation errors, reprs, parameter groups, zero_grad, hooks, state dicts."""

from __future__ import annotations

import copy
import re
from typing import Any

import numpy as np
import pytest

import tocha
import tocha.optim as optim
from tocha.optim.optimizer import register_optimizer_step_post_hook, register_optimizer_step_pre_hook

ALL = ["SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "Adagrad", "Adadelta", "RMSprop", "Rprop", "ASGD", "LBFGS"]

INVALID: list[tuple[str, dict[str, Any]]] = [
    ("SGD", {"lr": -1.0}),
    ("SGD", {"momentum": -0.5}),
    ("SGD", {"weight_decay": -1e-3}),
    ("SGD", {"nesterov": True}),
    ("SGD", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}),
    ("Adam", {"lr": -1.0}),
    ("Adam", {"eps": -1.0}),
    ("Adam", {"betas": (1.0, 0.9)}),
    ("Adam", {"betas": (0.9, -0.1)}),
    ("Adam", {"weight_decay": -1}),
    ("AdamW", {"betas": (0.9, 1.5)}),
    ("Adamax", {"eps": -1e-3}),
    ("NAdam", {"momentum_decay": -1.0}),
    ("RAdam", {"weight_decay": -1.0}),
    ("Adagrad", {"lr_decay": -1.0}),
    ("Adagrad", {"initial_accumulator_value": -1.0}),
    ("Adadelta", {"rho": 1.5}),
    ("RMSprop", {"alpha": -1.0}),
    ("RMSprop", {"momentum": -1.0}),
    ("Rprop", {"etas": (1.5, 1.2)}),
    ("ASGD", {"weight_decay": -1.0}),
    ("LBFGS", {"lr": -1.0}),
]


@pytest.mark.parametrize(("name", "options"), INVALID, ids=[f"{n}-{i}" for i, (n, _) in enumerate(INVALID)])
def test_invalid_options_raise_like_torch(name: str, options: dict[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)], **options)
    with pytest.raises(ValueError, match=re.escape(str(theirs.value))):
        getattr(optim, name)([tocha.zeros(1, requires_grad=True)], **options)


def test_invalid_learning_rate_message() -> None:
    with pytest.raises(ValueError, match=r"^Invalid learning rate: -1.0$"):
        optim.Adam([tocha.zeros(1, requires_grad=True)], lr=-1.0)


def test_empty_params() -> None:
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.SGD([], lr=0.1)


def test_params_as_set_or_tensor() -> None:
    w = tocha.zeros(1, requires_grad=True)
    with pytest.raises(TypeError, match="ordering of tensors in sets will change"):
        optim.SGD([{"params": {w}}], lr=0.1)
    with pytest.raises(TypeError, match=r"should be an iterable of Tensors or dicts, but got tocha.FloatTensor"):
        optim.SGD(w, lr=0.1)
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors, but one of the params is"):
        optim.SGD([1.0], lr=0.1)


def test_non_leaf_and_duplicates() -> None:
    w = tocha.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([w * 2], lr=0.1)
    with pytest.warns(UserWarning, match="duplicate parameters"):
        optim.SGD([w, w], lr=0.1)


def test_param_in_two_groups() -> None:
    w = tocha.zeros(1, requires_grad=True)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        optim.SGD([{"params": [w]}, {"params": [w]}], lr=0.1)
    opt = optim.SGD([w], lr=0.1)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": w})


@pytest.mark.parametrize("name", ALL)
def test_repr_and_defaults_match_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    n = 1 if name == "LBFGS" else 2
    ours = getattr(optim, name)([{"params": [tocha.zeros(1, requires_grad=True)], "lr": 0.1 * i} for i in range(n)])
    theirs = getattr(torch.optim, name)(
        [{"params": [torch.zeros(1, requires_grad=True)], "lr": 0.1 * i} for i in range(n)]
    )
    assert repr(ours) == repr(theirs)
    assert ours.defaults == theirs.defaults
    assert ours.state_dict()["param_groups"] == theirs.state_dict()["param_groups"]


def test_repr_literal() -> None:
    opt = optim.SGD([tocha.zeros(1, requires_grad=True)], lr=0.1)
    assert repr(opt).splitlines()[:3] == ["SGD (", "Parameter Group 0", "    dampening: 0"]
    assert repr(opt).endswith("weight_decay: 0\n)")


def test_named_parameters() -> None:
    w = tocha.zeros(1, requires_grad=True)
    opt = optim.SGD([("w", w)], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["w"]
    assert opt.param_groups[0]["params"][0] is w


def test_zero_grad() -> None:
    w = tocha.zeros(2, requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    w.grad = tocha.ones(2)
    opt.zero_grad(set_to_none=False)
    assert w.grad is not None
    assert w.grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert w.grad is None


def test_step_hooks() -> None:
    calls: list[str] = []
    w = tocha.zeros(1, requires_grad=True)
    opt = optim.Adam([w], lr=0.1)
    h1 = opt.register_step_pre_hook(lambda o, args, kwargs: calls.append("pre"))
    h2 = opt.register_step_post_hook(lambda o, args, kwargs: calls.append("post"))
    g1 = register_optimizer_step_pre_hook(lambda o, args, kwargs: calls.append("global-pre"))
    g2 = register_optimizer_step_post_hook(lambda o, args, kwargs: calls.append("global-post"))
    try:
        opt.step()
    finally:
        g1.remove()
        g2.remove()
    assert calls == ["global-pre", "pre", "post", "global-post"]
    h1.remove()
    h2.remove()
    opt.step()
    assert len(calls) == 4


def test_state_dict_hooks() -> None:
    w = tocha.zeros(1, requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    seen: list[str] = []
    opt.register_state_dict_pre_hook(lambda o: seen.append("pre"))
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
    opt.register_load_state_dict_pre_hook(lambda o, sd: seen.append("load-pre"))
    opt.register_load_state_dict_post_hook(lambda o: seen.append("load-post"), prepend=True)
    sd = opt.state_dict()
    assert sd["extra"] == 1
    opt.load_state_dict(sd)
    assert seen == ["pre", "load-pre", "load-post"]


def _trained(name: str, **options: Any) -> tuple[Any, list[Any]]:
    params = [
        tocha.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True),
        tocha.tensor([0.5, -0.5], dtype=tocha.float64, requires_grad=True),
    ]
    opt = getattr(optim, name)(params, **options)
    for _ in range(3):
        for p in params:
            p.grad = p.detach() * 2 + 0.1
        opt.step()
    return opt, params


@pytest.mark.parametrize("name", ALL[:-1])
def test_state_dict_layout_and_round_trip(name: str) -> None:
    options = {"momentum": 0.9} if name == "SGD" else {}
    opt, params = _trained(name, **options)
    sd = opt.state_dict()
    assert sorted(sd["state"]) == [0, 1]
    assert sd["param_groups"][0]["params"] == [0, 1]
    if "step" in sd["state"][0]:
        step = sd["state"][0]["step"]
        assert isinstance(step, tocha.Tensor)
        assert step.shape == ()
        assert float(step) == 3.0
    saved = copy.deepcopy(sd)
    # a fresh optimizer on copies of the parameters continues exactly like the original
    copies = [p.detach().clone().requires_grad_(True) for p in params]
    fresh = getattr(optim, name)(copies, **options)
    fresh.load_state_dict(saved)
    for p, q in zip(params, copies, strict=True):
        p.grad = p.detach() * 2 + 0.1
        q.grad = q.detach() * 2 + 0.1
    opt.step()
    fresh.step()
    for p, q in zip(params, copies, strict=True):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())


def test_sgd_without_momentum_keeps_no_state() -> None:
    opt, _ = _trained("SGD")
    assert opt.state_dict()["state"] == {}


def test_load_state_dict_errors_and_casts() -> None:
    opt, _params = _trained("Adam")
    sd = copy.deepcopy(opt.state_dict())
    other = optim.Adam([tocha.zeros(1, requires_grad=True)])
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        other.load_state_dict(sd)
    two = optim.Adam(
        [{"params": [tocha.zeros(1, requires_grad=True)]}, {"params": [tocha.zeros(1, requires_grad=True)]}]
    )
    with pytest.raises(ValueError, match="loaded state dict has a different number of parameter groups"):
        two.load_state_dict(sd)
    # state is cast to the parameter's dtype, except 'step'
    p32 = [tocha.zeros(2, 3, requires_grad=True), tocha.zeros(2, dtype=tocha.float32, requires_grad=True)]
    target = optim.Adam(p32)
    target.load_state_dict(sd)
    assert target.state[p32[1]]["exp_avg"].dtype == tocha.float32
    assert target.state[p32[1]]["step"].dtype == sd["state"][1]["step"].dtype


def test_save_load_round_trip(tmp_path: Any) -> None:
    if not (hasattr(tocha, "save") and hasattr(tocha, "load")):
        pytest.skip("tocha.save/tocha.load are not available yet")
    opt, params = _trained("Adam", amsgrad=True)
    path = tmp_path / "opt.pt"
    tocha.save(opt.state_dict(), path)
    loaded = tocha.load(path)
    fresh = optim.Adam([p.detach().clone().requires_grad_(True) for p in params], amsgrad=True)
    fresh.load_state_dict(loaded)
    for key in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step"):
        np.testing.assert_array_equal(
            fresh.state_dict()["state"][0][key].numpy(), opt.state_dict()["state"][0][key].numpy()
        )


def test_fused_and_differentiable_options() -> None:
    w = tocha.zeros(1, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"`fused` and `foreach` cannot be `True` together."):
        optim.Adam([w], fused=True, foreach=True)
    with pytest.raises(NotImplementedError, match="differentiable=True"):
        optim.Adam([w], differentiable=True)
    opt = optim.Adam([w], lr=0.1, fused=True)
    w.grad = tocha.ones(1)
    opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [-0.1], rtol=1e-6)


def test_load_state_dict_into_the_same_optimizer_rebuilds_flat_state() -> None:
    opt, params = _trained("Adam", foreach=True)
    saved = copy.deepcopy(opt.state_dict())
    snapshot = [p.detach().clone() for p in params]
    for p in params:
        p.grad = p.detach() * 2 + 0.1
    opt.step()
    after_one = [p.detach().clone() for p in params]
    # rewind parameters and optimizer state, then take the same step again
    with tocha.no_grad():
        for p, s in zip(params, snapshot, strict=True):
            p.copy_(s)
    opt.load_state_dict(saved)
    for p in params:
        p.grad = p.detach() * 2 + 0.1
    opt.step()
    for p, a in zip(params, after_one, strict=True):
        np.testing.assert_array_equal(p.detach().numpy(), a.numpy())
    assert float(opt.state[params[0]]["step"]) == 4.0


def test_state_tensors_are_views_of_one_flat_buffer_on_the_multi_tensor_path() -> None:
    a = tocha.ones(3, requires_grad=True)
    b = tocha.ones(2, 2, requires_grad=True)
    opt = optim.Adam([a, b], foreach=True)
    a.grad, b.grad = tocha.ones(3), tocha.ones(2, 2)
    opt.step()
    base_a = tocha.library.view_base(opt.state[a]["exp_avg"])
    assert base_a is not None
    assert base_a is tocha.library.view_base(opt.state[b]["exp_avg"])
    assert opt.state[b]["exp_avg"].shape == (2, 2)
    assert opt.state[a]["step"].shape == ()


def test_foreach_false_runs_the_single_tensor_path() -> None:
    a = tocha.ones(3, requires_grad=True)
    b = tocha.ones(2, requires_grad=True)
    opt = optim.Adam([a, b], foreach=False)
    a.grad, b.grad = tocha.ones(3), tocha.ones(2)
    opt.step()
    assert tocha.library.view_base(opt.state[a]["exp_avg"]) is None
    assert tocha.library.view_base(opt.state[b]["exp_avg"]) is None
