"""tocha.nn.Module: registration, iteration, conversion, state dicts, hooks, errors, copying."""

from __future__ import annotations

import copy
import pickle
from collections import OrderedDict
from typing import Any

import numpy as np
import pytest
from nn_oracle import torch_or_skip

import tocha
from tocha import nn
from tocha.nn.modules.module import (
    RemovableHandle,
    register_module_forward_hook,
    register_module_forward_pre_hook,
    register_module_full_backward_hook,
)


def make_classes(lib: Any, nnlib: Any) -> dict[str, type]:
    """The same tiny modules written against tocha or torch (for side-by-side comparisons)."""

    class Lin(nnlib.Module):  # type: ignore[name-defined,misc]
        def __init__(self, i: int, o: int) -> None:
            super().__init__()
            self.in_features, self.out_features = i, o
            self.weight = nnlib.Parameter(lib.ones(o, i))
            self.bias = nnlib.Parameter(lib.zeros(o))

        def forward(self, x: Any) -> Any:
            return x @ self.weight.T + self.bias

        def extra_repr(self) -> str:
            return f"in_features={self.in_features}, out_features={self.out_features}"

    class Norm(nnlib.Module):  # type: ignore[name-defined,misc]
        def __init__(self, n: int) -> None:
            super().__init__()
            self.scale = nnlib.Parameter(lib.ones(n))
            self.register_buffer("running_mean", lib.zeros(n))
            self.register_buffer("scratch", lib.zeros(n), persistent=False)
            self.register_buffer("num_batches_tracked", lib.tensor(0))

        def forward(self, x: Any) -> Any:
            return x * self.scale

        def extra_repr(self) -> str:
            return "n=" + str(self.scale.shape[0]) + "\nsecond line"

    class Net(nnlib.Module):  # type: ignore[name-defined,misc]
        def __init__(self) -> None:
            super().__init__()
            self.features = nnlib.Sequential(Lin(4, 3), Norm(3))
            self.head = nnlib.ModuleDict({"cls": Lin(3, 2)})
            self.extra = nnlib.ModuleList([Lin(2, 2), Lin(2, 2), Norm(2)])
            self.missing = None

        def forward(self, x: Any) -> Any:
            return self.head["cls"](self.features(x))

    return {"Lin": Lin, "Norm": Norm, "Net": Net}


T = make_classes(tocha, nn)
Lin, Norm, Net = T["Lin"], T["Norm"], T["Net"]
for _name, _cls in T.items():
    _cls.__qualname__ = _name  # picklable as module globals


class Identity(nn.Module):
    def forward(self, x: Any) -> Any:
        return x


class Double(nn.Module):
    def forward(self, x: Any) -> Any:
        return x * 2


# ---------------------------------------------------------------------------------------------- registration


def test_registration_and_iteration() -> None:
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == [
        "features.0.weight",
        "features.0.bias",
        "features.1.scale",
        "head.cls.weight",
        "head.cls.bias",
        "extra.0.weight",
        "extra.0.bias",
        "extra.1.weight",
        "extra.1.bias",
        "extra.2.scale",
    ]
    assert [n for n, _ in net.named_buffers()] == [
        "features.1.running_mean",
        "features.1.scratch",
        "features.1.num_batches_tracked",
        "extra.2.running_mean",
        "extra.2.scratch",
        "extra.2.num_batches_tracked",
    ]
    assert [n for n, _ in net.named_children()] == ["features", "head", "extra"]
    assert [n for n, _ in net.named_modules()][:4] == ["", "features", "features.0", "features.1"]
    assert [n for n, _ in net.named_parameters(prefix="m", recurse=False)] == []
    assert [n for n, _ in net.features[0].named_parameters(prefix="p")] == ["p.weight", "p.bias"]
    assert len(list(net.parameters())) == 10
    assert len(list(net.buffers(recurse=False))) == 0
    assert len(list(net.modules())) == 10
    assert net.missing is None


def test_shared_parameters_and_remove_duplicate() -> None:
    m = nn.Module()
    a = Lin(2, 2)
    m.a = a
    m.b = a
    assert [n for n, _ in m.named_modules()] == ["", "a"]
    assert [n for n, _ in m.named_modules(remove_duplicate=False)] == ["", "a", "b"]
    assert [n for n, _ in m.named_parameters()] == ["a.weight", "a.bias"]
    assert [n for n, _ in m.named_parameters(remove_duplicate=False)] == ["a.weight", "a.bias", "b.weight", "b.bias"]
    assert list(m.state_dict()) == ["a.weight", "a.bias", "b.weight", "b.bias"]
    memo: set[nn.Module] = {a}
    assert [n for n, _ in m.named_modules(memo=memo)] == [""]


def test_setattr_rules() -> None:
    m = nn.Module()
    m.w = nn.Parameter(tocha.zeros(1))
    with pytest.raises(TypeError, match=r"cannot assign 'tocha\.Tensor' as parameter 'w'"):
        m.w = tocha.zeros(1)
    m.w = None
    assert m.w is None
    assert "w" in m._parameters
    m.child = Identity()
    with pytest.raises(TypeError, match="as child module 'child'"):
        m.child = 3
    m.register_buffer("b", tocha.zeros(1))
    m.b = tocha.ones(1)
    assert m._buffers["b"] is m.b
    m.b2 = nn.Buffer(tocha.ones(2), persistent=False)
    assert "b2" in m._non_persistent_buffers_set
    assert type(m.b2) is tocha.Tensor
    with pytest.raises(KeyError, match="attribute 'training' already exists"):
        m.register_buffer("training", tocha.zeros(1))
    with pytest.raises(KeyError, match=r'contain "\."'):
        m.register_parameter("a.b", None)
    with pytest.raises(TypeError, match="parameter name should be a string"):
        m.register_parameter(1, None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="is not a Module subclass"):
        m.add_module("x", 3)  # type: ignore[arg-type]
    del m.child
    assert "child" not in m._modules
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'nope'"):
        _ = m.nope
    m.register_module("c", Identity())
    assert "c" in dir(m)
    assert "w" in dir(m)
    assert "b" in dir(m)


def test_init_rejects_arguments() -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'foo'"):
        nn.Module(foo=1)


def test_get_submodule_parameter_buffer_errors() -> None:
    m = nn.Sequential(Norm(2))
    assert m.get_submodule("0") is m[0]
    assert m.get_submodule("") is m
    assert m.get_parameter("0.scale") is m[0].scale
    assert m.get_buffer("0.running_mean") is m[0].running_mean
    cases = [
        (m.get_submodule, "0.x", "Norm has no attribute `x`"),
        (m.get_submodule, "1", "Sequential has no attribute `1`"),
        (m.get_submodule, "0.scale.x", "`scale` is not an nn.Module"),
        (m.get_buffer, "0.scale", "`scale` is not a buffer"),
        (m.get_buffer, "0.x", "Norm has no attribute `x`"),
        (m.get_parameter, "0.running_mean", "`running_mean` is not an nn.Parameter"),
        (m.get_parameter, "1.weight", "Sequential has no attribute `1`"),
    ]
    for fn, target, message in cases:
        with pytest.raises(AttributeError) as info:
            fn(target)
        assert str(info.value) == message


def test_get_submodule_errors_match_torch() -> None:
    torch = torch_or_skip()
    theirs = torch.nn.Sequential(make_classes(torch, torch.nn)["Norm"](2))
    ours = nn.Sequential(Norm(2))
    for method, target in [
        ("get_submodule", "0.x"),
        ("get_submodule", "0.scale.x"),
        ("get_buffer", "0.scale"),
        ("get_parameter", "0.running_mean"),
        ("get_parameter", "3.w"),
    ]:
        with pytest.raises(AttributeError) as a:
            getattr(theirs, method)(target)
        with pytest.raises(AttributeError) as b:
            getattr(ours, method)(target)
        assert str(a.value) == str(b.value)


def test_set_submodule() -> None:
    m = nn.Sequential(nn.Sequential(Identity()))
    new = Double()
    m.set_submodule("0.0", new)
    assert m[0][0] is new
    m.set_submodule("0.extra", Identity())
    assert "extra" in m[0]._modules
    with pytest.raises(AttributeError, match="has no attribute `nope`"):
        m.set_submodule("0.nope", Identity(), strict=True)
    with pytest.raises(ValueError, match=r"is not an nn\.Module"):
        m.set_submodule("0.0", 3)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------- modes, conversion


def test_train_eval_requires_grad_zero_grad() -> None:
    net = Net()
    assert net.eval() is net
    assert not any(mod.training for mod in net.modules())
    net.train()
    assert all(mod.training for mod in net.modules())
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        net.train(1)  # type: ignore[arg-type]
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    net.requires_grad_()
    out = net(tocha.ones(2, 4)).sum()
    out.backward()
    assert all(p.grad is not None for p in net.features.parameters())
    net.zero_grad(set_to_none=False)
    assert all(float(p.grad.abs().sum()) == 0.0 for p in net.features.parameters())  # type: ignore[union-attr]
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_to_and_casts() -> None:
    net = Net()
    w = net.features[0].weight
    net.to(tocha.float64)
    assert net.features[0].weight is w
    assert w.dtype == tocha.float64
    assert net.features[1].num_batches_tracked.dtype == tocha.int64
    assert net.features[1].running_mean.dtype == tocha.float64
    net.float()
    assert w.dtype == tocha.float32
    net.to("cpu", tocha.float64, non_blocking=True)
    assert w.dtype == tocha.float64
    net.to(tocha.zeros(1, dtype=tocha.float32))
    assert w.dtype == tocha.float32
    net.to(device="cpu", dtype=tocha.float64)
    assert w.dtype == tocha.float64
    assert w.device.type == "cpu"
    net.double().half()
    assert w.dtype == tocha.float16
    net.bfloat16()
    assert w.dtype == tocha.bfloat16
    net.cpu().type(tocha.float32)
    with pytest.raises(TypeError, match=r"nn\.Module\.to only accepts floating point or complex dtypes"):
        net.to(tocha.int32)
    assert net.share_memory() is net
    m = Lin(2, 2)
    m.to_empty(device="cpu")
    assert tuple(m.weight.shape) == (2, 2)


def test_apply() -> None:
    net = Net()
    seen: list[str] = []
    net.apply(lambda mod: seen.append(type(mod).__name__))
    assert seen[-1] == "Net"
    assert seen[0] == "Lin"


# ---------------------------------------------------------------------------------------------- state dicts


def test_state_dict_keys_and_values() -> None:
    net = Net()
    sd = net.state_dict()
    assert isinstance(sd, OrderedDict)
    assert list(sd) == [
        "features.0.weight",
        "features.0.bias",
        "features.1.scale",
        "features.1.running_mean",
        "features.1.num_batches_tracked",
        "head.cls.weight",
        "head.cls.bias",
        "extra.0.weight",
        "extra.0.bias",
        "extra.1.weight",
        "extra.1.bias",
        "extra.2.scale",
        "extra.2.running_mean",
        "extra.2.num_batches_tracked",
    ]
    assert not sd["features.0.weight"].requires_grad
    assert net.state_dict(keep_vars=True)["features.0.weight"] is net.features[0].weight
    assert list(net.features.state_dict(prefix="f.")) == [
        "f.0.weight",
        "f.0.bias",
        "f.1.scale",
        "f.1.running_mean",
        "f.1.num_batches_tracked",
    ]
    dest: dict[str, Any] = {}
    assert net.features.state_dict(destination=dest) is dest
    assert len(dest) == 5
    metadata = getattr(sd, "_metadata")  # an attribute of the OrderedDict, as in PyTorch
    expected = [
        "",
        "features",
        "features.0",
        "features.1",
        "head",
        "head.cls",
        "extra",
        "extra.0",
        "extra.1",
        "extra.2",
    ]
    assert list(metadata) == expected


def test_state_dict_keys_match_torch() -> None:
    torch = torch_or_skip()
    theirs = make_classes(torch, torch.nn)["Net"]()
    ours = Net()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert list(ours.state_dict()._metadata) == list(theirs.state_dict()._metadata)  # type: ignore[attr-defined]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]


def test_load_state_dict_roundtrip_and_assign() -> None:
    a, b = Net(), Net()
    with tocha.no_grad():
        for p in a.parameters():
            p.copy_(tocha.randn(*p.shape))
    result = b.load_state_dict(a.state_dict())
    assert repr(result) == "<All keys matched successfully>"
    assert result.missing_keys == []
    assert result.unexpected_keys == []
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
        assert ka == kb
        np.testing.assert_array_equal(va.numpy(), vb.numpy())
    w = b.features[0].weight
    b.load_state_dict(a.state_dict())
    assert b.features[0].weight is w  # copied in place
    fresh = {k: v.clone() for k, v in a.state_dict().items()}
    b.load_state_dict(fresh, assign=True)
    assert b.features[0].weight is not w
    assert isinstance(b.features[0].weight, nn.Parameter)
    assert b.features[0].weight.requires_grad
    assert b.features[1].running_mean is fresh["features.1.running_mean"]


def test_load_state_dict_errors() -> None:
    net = Net()
    sd = net.state_dict()
    del sd["features.0.bias"]
    sd["features.0.weight"] = tocha.zeros(5, 4)
    sd["head.cls.weight"] = tocha.zeros(1)
    sd["unknown"] = tocha.zeros(1)
    sd["features.1.junk"] = tocha.zeros(1)
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(sd)
    assert str(info.value) == (
        "Error(s) in loading state_dict for Net:\n"
        '\tMissing key(s) in state_dict: "features.0.bias". \n'
        '\tUnexpected key(s) in state_dict: "unknown", "features.1.junk". \n'
        "\tsize mismatch for features.0.weight: copying a param with shape tocha.Size([5, 4]) from checkpoint, "
        "the shape in current model is tocha.Size([3, 4]).\n"
        "\tsize mismatch for head.cls.weight: copying a param with shape tocha.Size([1]) from checkpoint, "
        "the shape in current model is tocha.Size([2, 3])."
    )
    # non-strict: still raises for size mismatches, lists keys otherwise
    sd2 = net.state_dict()
    del sd2["features.0.bias"]
    sd2["zzz"] = tocha.zeros(1)
    result = net.load_state_dict(sd2, strict=False)
    assert result.missing_keys == ["features.0.bias"]
    assert result.unexpected_keys == ["zzz"]
    assert repr(result) == "_IncompatibleKeys(missing_keys=['features.0.bias'], unexpected_keys=['zzz'])"
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        net.load_state_dict([1, 2])  # type: ignore[arg-type]
    bad = net.state_dict()
    bad["features.0.bias"] = 3
    with pytest.raises(RuntimeError, match=r'While copying the parameter named "features\.0\.bias", expected'):
        net.load_state_dict(bad)


def test_load_state_dict_errors_match_torch() -> None:
    torch = torch_or_skip()
    theirs = make_classes(torch, torch.nn)["Net"]()
    ours = Net()

    def corrupt(sd: dict[str, Any], lib: Any) -> dict[str, Any]:
        sd = dict(sd)
        del sd["features.0.bias"]
        del sd["extra.2.running_mean"]
        sd["features.0.weight"] = lib.zeros(5, 4)
        sd["extra.1.weight"] = lib.zeros(2)
        sd["head.cls.other"] = lib.zeros(1)
        return sd

    with pytest.raises(RuntimeError) as a:
        theirs.load_state_dict(corrupt(theirs.state_dict(), torch))
    with pytest.raises(RuntimeError) as b:
        ours.load_state_dict(corrupt(ours.state_dict(), tocha))
    assert str(b.value) == str(a.value).replace("torch.Size", "tocha.Size")
    ra = theirs.load_state_dict({"features.0.weight": torch.zeros(3, 4), "x": torch.zeros(1)}, strict=False)
    rb = ours.load_state_dict({"features.0.weight": tocha.zeros(3, 4), "x": tocha.zeros(1)}, strict=False)
    assert repr(ra) == repr(rb)


def test_scalar_parameter_loads_from_one_element() -> None:
    m = nn.Module()
    m.s = nn.Parameter(tocha.tensor(1.0))
    m.load_state_dict({"s": tocha.tensor([5.0])})
    assert float(m.s) == 5.0


def test_state_dict_hooks() -> None:
    m = Norm(2)
    calls: list[Any] = []
    h1 = m.register_state_dict_pre_hook(lambda mod, prefix, keep_vars: calls.append(("pre", prefix, keep_vars)))

    def post(mod: Any, sd: Any, prefix: str, meta: Any) -> None:
        calls.append(("post", prefix, meta))
        sd[prefix + "added"] = tocha.zeros(1)

    h2 = m.register_state_dict_post_hook(post)
    sd = m.state_dict(prefix="x.")
    assert calls == [("pre", "x.", False), ("post", "x.", {"version": 1})]
    assert "x.added" in sd
    h1.remove()
    h2.remove()
    assert "added" not in m.state_dict()
    m.register_state_dict_post_hook(lambda *a: {})
    with pytest.raises(RuntimeError, match="state_dict post-hook must return None"):
        m.state_dict()

    n = Norm(2)
    n._register_state_dict_hook(lambda mod, sd, prefix, meta: OrderedDict(a=1))
    assert n.state_dict() == OrderedDict(a=1)


def test_load_state_dict_hooks() -> None:
    m = nn.Sequential(Norm(2))
    seen: list[Any] = []

    def pre(
        mod: Any, sd: Any, prefix: str, meta: Any, strict: bool, missing: Any, unexpected: Any, errors: Any
    ) -> None:
        seen.append(("pre", type(mod).__name__, prefix, strict))
        if prefix + "old_scale" in sd:
            sd[prefix + "scale"] = sd.pop(prefix + "old_scale")

    def post(mod: Any, keys: Any) -> None:
        seen.append(("post", type(mod).__name__, list(keys.missing_keys)))
        keys.missing_keys.clear()

    m[0].register_load_state_dict_pre_hook(pre)
    m.register_load_state_dict_post_hook(post)
    sd = m.state_dict()
    sd["0.old_scale"] = sd.pop("0.scale") + 3
    del sd["0.running_mean"]
    result = m.load_state_dict(sd)
    assert float(m[0].scale[0]) == 4.0
    assert seen == [("pre", "Norm", "0.", True), ("post", "Sequential", ["0.running_mean"])]
    assert result.missing_keys == []
    m.register_load_state_dict_post_hook(lambda mod, keys: 1)
    with pytest.raises(RuntimeError, match="are not expected to return new values"):
        m.load_state_dict(m.state_dict())


def test_overridable_save_and_load_from_state_dict() -> None:
    class Renamed(Norm):  # type: ignore[valid-type,misc]
        def _save_to_state_dict(self, destination: Any, prefix: str, keep_vars: bool) -> None:
            super()._save_to_state_dict(destination, prefix, keep_vars)
            destination[prefix + "gamma"] = destination.pop(prefix + "scale")

        def _load_from_state_dict(self, state_dict: Any, prefix: str, *args: Any) -> None:
            if prefix + "gamma" in state_dict:
                state_dict[prefix + "scale"] = state_dict.pop(prefix + "gamma")
            super()._load_from_state_dict(state_dict, prefix, *args)

    m = nn.Sequential(Renamed(2))
    sd = m.state_dict()
    assert "0.gamma" in sd
    assert "0.scale" not in sd
    m.load_state_dict(sd)


def test_extra_state() -> None:
    class WithExtra(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.value = 1

        def get_extra_state(self) -> Any:
            return {"value": self.value}

        def set_extra_state(self, state: Any) -> None:
            self.value = state["value"]

    m = nn.Sequential(WithExtra())
    sd = m.state_dict()
    assert list(sd) == ["0._extra_state"]
    sd["0._extra_state"] = {"value": 7}
    m.load_state_dict(sd)
    assert m[0].value == 7
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "0._extra_state"'):
        m.load_state_dict({})


# ---------------------------------------------------------------------------------------------- forward hooks


def test_forward_pre_and_post_hooks() -> None:
    m = Double()
    order: list[str] = []
    h1 = m.register_forward_pre_hook(lambda mod, args: order.append("pre1"))
    m.register_forward_pre_hook(lambda mod, args: order.append("pre0"), prepend=True)
    m.register_forward_pre_hook(lambda mod, args: args[0] + 1)  # non-tuple return is wrapped
    m.register_forward_hook(lambda mod, args, out: order.append("post"))
    m.register_forward_hook(lambda mod, args, out: out * 10)
    out = m(tocha.tensor([1.0]))
    assert order == ["pre0", "pre1", "post"]
    assert float(out[0]) == 40.0
    h1.remove()
    h1.remove()
    order.clear()
    m(tocha.tensor([1.0]))
    assert order == ["pre0", "post"]


def test_forward_hooks_with_kwargs() -> None:
    class Affine(nn.Module):
        def forward(self, x: Any, *, scale: float = 1.0) -> Any:
            return x * scale

    m = Affine()

    def pre(mod: Any, args: Any, kwargs: Any) -> Any:
        return args, {"scale": kwargs.get("scale", 1.0) * 3}

    seen: list[Any] = []

    def post(mod: Any, args: Any, kwargs: Any, out: Any) -> None:
        seen.append(dict(kwargs))

    m.register_forward_pre_hook(pre, with_kwargs=True)
    m.register_forward_hook(post, with_kwargs=True)
    assert float(m(tocha.tensor([1.0]), scale=2.0)[0]) == 6.0
    assert seen == [{"scale": 6.0}]
    m2 = Affine()
    m2.register_forward_pre_hook(lambda mod, args, kwargs: 5, with_kwargs=True)
    with pytest.raises(RuntimeError, match="forward pre-hook must return None or a tuple"):
        m2(tocha.ones(1))


def test_always_call_hook_runs_on_error() -> None:
    class Bad(nn.Module):
        def forward(self, x: Any) -> Any:
            raise KeyError("boom")

    m = Bad()
    calls: list[str] = []
    m.register_forward_hook(lambda mod, args, out: calls.append("always"), always_call=True)
    m.register_forward_hook(lambda mod, args, out: calls.append("normal"))
    with pytest.raises(KeyError):
        m(1)
    assert calls == ["always"]


def test_global_hooks() -> None:
    calls: list[str] = []
    h1 = register_module_forward_pre_hook(lambda mod, args: calls.append("pre " + type(mod).__name__))
    h2 = register_module_forward_hook(lambda mod, args, out: calls.append("post " + type(mod).__name__))
    grads: list[Any] = []
    h3 = register_module_full_backward_hook(lambda mod, gi, go: grads.append(type(mod).__name__))
    try:
        model = nn.Sequential(Double())
        x = tocha.ones(2, requires_grad=True)
        model(x).sum().backward()
    finally:
        h1.remove()
        h2.remove()
        h3.remove()
    assert calls == ["pre Sequential", "pre Double", "post Double", "post Sequential"]
    assert grads == ["Double", "Sequential"]
    calls.clear()
    model(tocha.ones(1))
    assert calls == []


def test_removable_handle_context_and_pickle() -> None:
    m = Double()
    with m.register_forward_hook(lambda mod, args, out: out + 1):
        assert float(m(tocha.ones(1))[0]) == 3.0
    assert float(m(tocha.ones(1))[0]) == 2.0
    handle = m.register_forward_hook(_add_one)
    m2, handle2 = pickle.loads(pickle.dumps((m, handle)))
    assert isinstance(handle2, RemovableHandle)
    assert float(m2(tocha.ones(1))[0]) == 3.0
    handle2.remove()
    assert float(m2(tocha.ones(1))[0]) == 2.0


def _add_one(mod: Any, args: Any, out: Any) -> Any:
    return out + 1


# ---------------------------------------------------------------------------------------------- backward hooks


def test_full_backward_hooks() -> None:
    lin = Lin(3, 2)
    seen: list[Any] = []
    lin.register_full_backward_pre_hook(lambda mod, go: seen.append(("pre", [g.tolist() for g in go])))

    def hook(mod: Any, gi: Any, go: Any) -> Any:
        seen.append(("full", [tuple(g.shape) for g in gi], [g.tolist() for g in go]))
        return (gi[0] * 2,)

    lin.register_full_backward_hook(hook)
    x = tocha.ones(1, 3, requires_grad=True)
    (lin(x) * tocha.tensor([[1.0, 2.0]])).sum().backward()
    assert seen == [("pre", [[[1.0, 2.0]]]), ("full", [(1, 3)], [[[1.0, 2.0]]])]
    assert x.grad.tolist() == [[6.0, 6.0, 6.0]]  # type: ignore[union-attr]
    assert lin.weight.grad.tolist() == [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]  # type: ignore[union-attr]


def test_backward_pre_hook_replaces_grad_output() -> None:
    lin = Lin(2, 1)
    lin.register_full_backward_pre_hook(lambda mod, go: (go[0] * 0,))
    x = tocha.ones(1, 2, requires_grad=True)
    lin(x).sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0]]  # type: ignore[union-attr]
    assert lin.weight.grad.tolist() == [[0.0, 0.0]]  # type: ignore[union-attr]


def test_backward_hook_when_inputs_need_no_grad() -> None:
    lin = Lin(2, 1)
    seen: list[Any] = []
    lin.register_full_backward_hook(lambda mod, gi, go: seen.append((gi, tuple(go[0].shape))))
    with pytest.warns(UserWarning, match="Full backward hook is firing when gradients are computed"):
        lin(tocha.ones(4, 2)).sum().backward()
    assert seen == [((None,), (4, 1))]
    bad = Lin(2, 1)
    bad.register_full_backward_hook(lambda mod, gi, go: (tocha.ones(1),))
    with (
        pytest.raises(RuntimeError, match="no input requires gradient should always return None"),
        pytest.warns(UserWarning, match="Full backward hook is firing"),
    ):
        bad(tocha.ones(4, 2)).sum().backward()


def test_backward_hook_multiple_inputs_outputs() -> None:
    class Split(nn.Module):
        def forward(self, a: Any, k: int, b: Any) -> Any:
            return a * k, b * 3, "tag"

    m = Split()
    seen: list[Any] = []
    m.register_full_backward_hook(lambda mod, gi, go: seen.append((gi, go)))
    a = tocha.ones(2, requires_grad=True)
    b = tocha.ones(2)
    out = m(a, 5, b)
    assert out[2] == "tag"
    out[0].sum().backward()
    gi, go = seen[0]
    assert len(gi) == 2
    assert gi[1] is None
    assert gi[0].tolist() == [5.0, 5.0]
    assert len(go) == 2
    assert go[0].tolist() == [1.0, 1.0]
    assert go[1] is None


def test_regular_backward_hook_on_output_grad_fn() -> None:
    class Exp(nn.Module):
        def forward(self, x: Any) -> Any:
            return x.exp()

    m = Exp()
    seen: list[Any] = []

    def hook(mod: Any, grad_input: Any, grad_output: Any) -> Any:
        seen.append((mod, [g.tolist() for g in grad_input], [g.tolist() for g in grad_output]))
        return (grad_input[0] * 0 + 5,)

    m.register_backward_hook(hook)
    x = tocha.zeros(2, requires_grad=True)
    m(x).sum().backward()
    assert seen == [(m, [[1.0, 1.0]], [[1.0, 1.0]])]
    assert x.grad.tolist() == [5.0, 5.0]  # type: ignore[union-attr]
    with pytest.raises(RuntimeError, match="Cannot use both regular backward hooks and full backward hooks"):
        m.register_full_backward_hook(lambda *a: None)


def test_full_and_regular_backward_hooks_exclusive() -> None:
    m = Double()
    m.register_full_backward_hook(lambda *a: None)
    with pytest.raises(RuntimeError, match="Cannot use both regular backward hooks and full backward hooks"):
        m.register_backward_hook(lambda *a: None)


def test_backward_hooks_match_torch() -> None:
    torch = torch_or_skip()
    results = []
    for lib, nnlib in ((torch, torch.nn), (tocha, nn)):
        lin = make_classes(lib, nnlib)["Lin"](3, 2)
        seen: list[Any] = []
        lin.register_full_backward_pre_hook(lambda mod, go, seen=seen: seen.append(("pre", [g.tolist() for g in go])))
        lin.register_full_backward_hook(
            lambda mod, gi, go, seen=seen: seen.append(
                ("full", [None if g is None else g.tolist() for g in gi], [g.tolist() for g in go])
            )
        )
        x = lib.ones(2, 3, requires_grad=True)
        (lin(x) * lib.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
        with pytest.warns(UserWarning, match="Full backward hook is firing"):
            lin(lib.ones(1, 3)).sum().backward()
        results.append(seen)
    assert results[0] == results[1]


# ---------------------------------------------------------------------------------------------- errors with a path


def test_error_names_module_path() -> None:
    model = nn.Sequential(
        OrderedDict(
            features=nn.Sequential(Lin(4, 5), Norm(5)),
            classifier=nn.Sequential(Identity(), Lin(6, 2)),
        )
    )
    with pytest.raises(RuntimeError) as info:
        model(tocha.ones(3, 4))
    message = str(info.value)
    assert message.startswith("classifier.1 (Lin(in_features=6, out_features=2)): ")
    assert "mat1 and mat2 shapes cannot be multiplied (3x5 and 6x2)" in message
    assert len(info.value.args) == 1
    # the traceback still reaches the failing line in Lin.forward
    frames = [f.name for f in info.traceback]
    assert "forward" in frames
    # a direct call to the inner module keeps the original message
    with pytest.raises(RuntimeError) as inner:
        model.classifier[1](tocha.ones(3, 5))
    assert str(inner.value).startswith("matmul(): mat1") or str(inner.value).startswith("mat1")
    # path relative to the outermost module called
    with pytest.raises(RuntimeError) as mid:
        model.classifier(tocha.ones(3, 5))
    assert str(mid.value).startswith("1 (Lin(in_features=6, out_features=2)): ")


def test_error_path_types_and_untouched_errors() -> None:
    class Raise(nn.Module):
        def __init__(self, exc: BaseException) -> None:
            super().__init__()
            self.exc = exc

        def forward(self, x: Any) -> Any:
            raise self.exc

    for exc_type in (RuntimeError, ValueError, TypeError, IndexError):
        model = nn.Sequential(Identity(), nn.Sequential(Raise(exc_type("bad shape"))))
        with pytest.raises(exc_type) as info:
            model(1)
        assert str(info.value) == "1.0 (Raise()): bad shape"
    model = nn.Sequential(Raise(KeyError("k")))
    with pytest.raises(KeyError) as key_info:
        model(1)
    assert key_info.value.args == ("k",)
    model = nn.Sequential(Raise(ValueError("a", 1)))
    with pytest.raises(ValueError) as two:
        model(1)
    assert two.value.args == ("a", 1)


def test_error_path_with_hooks_and_unregistered_child() -> None:
    class Holder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.block = nn.Sequential(Lin(2, 2))
            self.hidden = [Lin(3, 3)]  # not registered

        def forward(self, x: Any) -> Any:
            return self.block[0](x)  # calls a grandchild directly

    h = Holder()
    h.register_forward_hook(lambda *a: None)
    with pytest.raises(RuntimeError) as info:
        nn.Sequential(h)(tocha.ones(1, 3))
    assert str(info.value).startswith("0.block.0 (Lin(in_features=2, out_features=2)): ")


def test_error_path_with_module_made_in_forward() -> None:
    class Block(nn.Module):
        def forward(self, x: Any) -> Any:
            return Lin(7, 1)(x)  # not part of the model

        def extra_repr(self) -> str:
            return "temporary"

    model = nn.Sequential(Identity(), nn.Sequential(Block()))
    with pytest.raises(RuntimeError) as info:
        model(tocha.ones(1, 3))
    assert str(info.value).startswith("1.0 (Block(temporary)): ")
    assert "shapes cannot be multiplied" in str(info.value)


# ---------------------------------------------------------------------------------------------- repr, copy, pickle


def test_repr_matches_torch() -> None:
    torch = torch_or_skip()
    theirs = make_classes(torch, torch.nn)["Net"]()
    ours = Net()
    assert repr(ours) == repr(theirs)


def test_repr_text() -> None:
    assert repr(Net()) == (
        "Net(\n"
        "  (features): Sequential(\n"
        "    (0): Lin(in_features=4, out_features=3)\n"
        "    (1): Norm(\n"
        "      n=3\n"
        "      second line\n"
        "    )\n"
        "  )\n"
        "  (head): ModuleDict(\n"
        "    (cls): Lin(in_features=3, out_features=2)\n"
        "  )\n"
        "  (extra): ModuleList(\n"
        "    (0-1): 2 x Lin(in_features=2, out_features=2)\n"
        "    (2): Norm(\n"
        "      n=2\n"
        "      second line\n"
        "    )\n"
        "  )\n"
        ")"
    )


def test_deepcopy_and_pickle() -> None:
    net = Net()
    net.features[0].register_forward_hook(_add_one)
    with tocha.no_grad():
        net.features[0].weight.copy_(tocha.randn(3, 4))
    twin = copy.deepcopy(net)
    assert twin.features[0].weight is not net.features[0].weight
    np.testing.assert_array_equal(twin.features[0].weight.detach().numpy(), net.features[0].weight.detach().numpy())
    assert isinstance(twin.features[0].weight, nn.Parameter)
    x = tocha.randn(2, 4)
    np.testing.assert_allclose(twin(x).detach().numpy(), net(x).detach().numpy())
    restored = pickle.loads(pickle.dumps(net))
    np.testing.assert_allclose(restored(x).detach().numpy(), net(x).detach().numpy())
    assert list(restored.state_dict()) == list(net.state_dict())
    assert restored.features[1]._non_persistent_buffers_set == {"scratch"}
    # shared parameters stay shared
    m = nn.Module()
    m.a = Lin(2, 2)
    m.b = m.a
    c = copy.deepcopy(m)
    assert c.a is c.b


def test_setstate_fills_missing_hook_dicts() -> None:
    m = Double()
    state = m.__getstate__()
    del state["_forward_hooks_always_called"]
    new = Double.__new__(Double)
    new.__setstate__(state)
    assert float(new(tocha.ones(1))[0]) == 2.0


def test_missing_forward() -> None:
    with pytest.raises(NotImplementedError, match=r'Module \[Module\] is missing the required "forward" function'):
        nn.Module()(1)


def test_a_pytorch_state_dict_file_loads_into_the_same_tocha_modules(tmp_path: Any) -> None:
    # tocha.load reads torch.save's archive (NOTE [ Reading PyTorch checkpoints ]); the modules then compute alike
    torch = torch_or_skip()
    torch.manual_seed(1)
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.LayerNorm(8), torch.nn.Linear(8, 2))
    torch.save(theirs.state_dict(), tmp_path / "model.pt")
    ours = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.LayerNorm(8), nn.Linear(8, 2))
    ours.load_state_dict(tocha.load(tmp_path / "model.pt", weights_only=True))
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    np.testing.assert_allclose(
        ours(tocha.from_numpy(x)).detach().numpy(), theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-5
    )
