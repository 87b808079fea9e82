"""Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import pytest
from nn_oracle import torch_or_skip

import tocha
from tocha import nn


def leaf_classes(nnlib: Any) -> dict[str, type]:
    """Tiny modules written for tocha or torch, so reprs and errors can be compared."""

    class Add(nnlib.Module):  # type: ignore[name-defined,misc]
        def __init__(self, k: float) -> None:
            super().__init__()
            self.k = k

        def forward(self, x: Any) -> Any:
            return x + self.k

        def extra_repr(self) -> str:
            return f"k={self.k}"

    class Mul(nnlib.Module):  # type: ignore[name-defined,misc]
        def __init__(self, k: float) -> None:
            super().__init__()
            self.k = k

        def forward(self, x: Any) -> Any:
            return x * self.k

        def extra_repr(self) -> str:
            return f"k={self.k}"

    return {"Add": Add, "Mul": Mul}


Add, Mul = leaf_classes(nn).values()


def keys(m: nn.Module) -> list[str]:
    return list(m._modules)


def test_sequential_forward_and_indexing() -> None:
    s = nn.Sequential(Add(1), Mul(2), Add(3))
    assert float(s(tocha.tensor(1.0))) == 7.0
    assert s[1].k == 2
    assert s[-1].k == 3
    sub = s[1:]
    assert isinstance(sub, nn.Sequential)
    assert keys(sub) == ["1", "2"]
    assert sub[0] is s[1]
    assert len(s) == 3
    assert [m.k for m in s] == [1, 2, 3]
    with pytest.raises(IndexError, match="index 3 is out of range"):
        s[3]
    s[0] = Add(10)
    assert s[0].k == 10
    named = nn.Sequential(OrderedDict(a=Add(1), b=Mul(5)))
    assert keys(named) == ["a", "b"]
    assert float(named(tocha.tensor(0.0))) == 5.0
    assert keys(named[::-1]) == ["b", "a"]
    del named[0]
    assert keys(named) == ["0"]  # renumbered, as in PyTorch


def test_sequential_mutation() -> None:
    s = nn.Sequential(Add(0), Add(1))
    assert s.append(Add(2)) is s
    s.insert(0, Add(-1))
    s.insert(-1, Add(1.5))
    assert [m.k for m in s] == [-1, 0, 1, 1.5, 2]
    assert keys(s) == ["0", "1", "2", "3", "4"]
    s.extend([Add(3)])
    popped = s.pop(0)
    assert popped.k == -1
    assert keys(s) == ["0", "1", "2", "3", "4"]
    assert [m.k for m in s.pop(slice(0, 2))] == [0, 1]
    assert [m.k for m in s] == [1.5, 2, 3]
    with pytest.raises(IndexError, match="Index out of range: 9"):
        s.insert(9, Add(0))
    with pytest.raises(AssertionError, match="module should be of type"):
        s.insert(0, 3)  # type: ignore[arg-type]


def test_sequential_operators() -> None:
    a = nn.Sequential(Add(1), Add(2))
    b = nn.Sequential(Mul(3))
    c = a + b
    assert [m.k for m in c] == [1, 2, 3]
    assert keys(c) == ["0", "1", "2"]
    a += b
    assert [m.k for m in a] == [1, 2, 3]
    d = b * 3
    assert len(d) == 3
    assert all(m is b[0] for m in d)
    assert len(2 * b) == 2
    e = nn.Sequential(Add(1), Add(2))
    e *= 2
    assert [m.k for m in e] == [1, 2, 1, 2]
    with pytest.raises(ValueError, match="add operator supports only objects of Sequential class"):
        a + 1  # type: ignore[operator]
    with pytest.raises(ValueError, match="Non-positive multiplication factor 0"):
        b * 0
    with pytest.raises(TypeError, match="unsupported operand type"):
        b * 1.5  # type: ignore[operator]


def test_container_errors_match_torch() -> None:
    torch = torch_or_skip()

    def cases(nnlib: Any, lib: Any) -> list[Callable[[], Any]]:
        add = leaf_classes(nnlib)["Add"]
        s = nnlib.Sequential(add(1), add(2))
        return [
            lambda: s + 1,
            lambda: s * 0,
            lambda: s * 1.5,
            lambda: s[5],
            lambda: s.insert(5, add(0)),
            lambda: nnlib.ModuleList()[0],
            lambda: nnlib.ModuleList([add(1)])[-2],
            lambda: nnlib.ModuleList().extend(3),
            lambda: nnlib.ModuleDict().update(3),
            lambda: nnlib.ModuleDict().update([(1, 2, 3)]),
            lambda: nnlib.ModuleDict().update([3]),
            lambda: nnlib.ParameterList().extend(lib.zeros(2)),
            lambda: nnlib.ParameterList()[0],
            lambda: nnlib.ParameterDict()[1],
            lambda: nnlib.ParameterDict().update([("a", 1, 2)]),
            lambda: nnlib.ParameterList()(1),
            lambda: nnlib.ParameterDict()(1),
            lambda: nnlib.ModuleList()(1),
        ]

    for theirs, ours in zip(cases(torch.nn, torch), cases(nn, tocha), strict=True):
        with pytest.raises(Exception) as a:
            theirs()
        with pytest.raises(Exception) as b:
            ours()
        assert type(a.value) is type(b.value)
        expected = str(a.value).replace("torch.nn.modules.container", "tocha.nn.modules.container")
        assert str(b.value) == expected


def test_module_list() -> None:
    ml = nn.ModuleList([Add(1), Add(2)])
    ml.append(Add(3))
    ml.extend([Add(4)])
    ml += [Add(5)]
    ml.insert(0, Add(0))
    assert [m.k for m in ml] == [0, 1, 2, 3, 4, 5]
    assert keys(ml) == ["0", "1", "2", "3", "4", "5"]
    assert ml[-1].k == 5
    sub = ml[1:3]
    assert isinstance(sub, nn.ModuleList)
    assert keys(sub) == ["0", "1"]
    ml[0] = Mul(9)
    assert ml[0].k == 9
    del ml[0]
    assert [m.k for m in ml] == [1, 2, 3, 4, 5]
    assert keys(ml) == ["0", "1", "2", "3", "4"]
    del ml[::2]
    assert [m.k for m in ml] == [2, 4]
    assert keys(ml) == ["0", "1"]
    assert ml.pop(0).k == 2
    assert len(ml) == 1
    combined = ml + nn.ModuleList([Add(7)])
    assert [m.k for m in combined] == [4, 7]
    assert [n for n, _ in nn.Module().named_modules()] == [""]
    with pytest.raises(NotImplementedError, match=r"Module \[ModuleList\] is missing"):
        ml(1)


def test_module_dict() -> None:
    md = nn.ModuleDict({"b": Add(1), "a": Add(2)})
    assert list(md) == ["b", "a"]  # insertion order
    md.update([("c", Add(3))])
    md["d"] = Add(4)
    assert "d" in md
    assert len(md) == 4
    assert list(md.keys()) == ["b", "a", "c", "d"]
    assert [m.k for m in md.values()] == [1, 2, 3, 4]
    assert [k for k, _ in md.items()] == ["b", "a", "c", "d"]
    assert md.pop("b").k == 1
    del md["a"]
    assert list(md) == ["c", "d"]
    md.update(nn.ModuleDict({"e": Add(5)}))
    assert list(md) == ["c", "d", "e"]
    md.clear()
    assert len(md) == 0


def test_parameter_list() -> None:
    pl = nn.ParameterList([tocha.zeros(2), nn.Parameter(tocha.ones(1, 3))])
    assert all(isinstance(p, nn.Parameter) for p in pl)
    pl.append(tocha.ones(4))
    pl.extend([tocha.zeros(1)])
    pl += [tocha.zeros(5)]
    assert len(pl) == 5
    assert [n for n, _ in pl.named_parameters()] == ["0", "1", "2", "3", "4"]
    pl[0] = tocha.ones(2)
    assert isinstance(pl[0], nn.Parameter)
    assert float(pl[0].sum()) == 2.0
    sub = pl[1:3]
    assert isinstance(sub, nn.ParameterList)
    assert len(sub) == 2
    assert sub[0] is pl[1]
    assert pl[-1] is pl[4]
    pl.append("note")
    assert pl[5] == "note"
    assert len(list(pl.parameters())) == 5
    assert list(pl.state_dict()) == ["0", "1", "2", "3", "4"]
    assert "0" not in dir(pl)


def test_parameter_dict() -> None:
    pd = nn.ParameterDict({"b": tocha.zeros(2), "a": nn.Parameter(tocha.ones(1))})
    assert list(pd) == ["a", "b"]  # a plain dict is sorted, as in PyTorch
    pd2 = nn.ParameterDict(OrderedDict(b=tocha.zeros(2), a=tocha.ones(1)))
    assert list(pd2) == ["b", "a"]
    pd["c"] = tocha.ones(3)
    assert isinstance(pd["c"], nn.Parameter)
    assert "c" in pd
    assert len(pd) == 3
    assert pd.get("zz") is None
    assert pd.get("a") is pd["a"]
    assert pd.setdefault("d", tocha.zeros(1)) is pd["d"]
    assert list(pd.keys()) == ["a", "b", "c", "d"]
    assert [k for k, _ in pd.items()] == ["a", "b", "c", "d"]
    assert len(list(pd.values())) == 4
    assert list(reversed(pd)) == ["d", "c", "b", "a"]
    k, _ = pd.popitem()
    assert k == "d"
    assert "d" not in pd
    assert pd.pop("c").shape == (3,)
    copy = pd.copy()
    assert list(copy) == ["a", "b"]
    assert copy["a"] is pd["a"]
    merged = pd | nn.ParameterDict({"z": tocha.zeros(1)})
    assert list(merged) == ["a", "b", "z"]
    pd |= nn.ParameterDict({"y": tocha.zeros(1)})
    assert list(pd) == ["a", "b", "y"]
    assert list(pd.fromkeys(["p", "q"], tocha.zeros(1))) == ["p", "q"]
    assert [n for n, _ in pd.named_parameters()] == ["a", "b", "y"]
    del pd["a"]
    assert list(pd) == ["b", "y"]
    pd.clear()
    assert len(pd) == 0


def test_parameter_container_reprs() -> None:
    pl = nn.ParameterList([tocha.zeros(2), nn.Parameter(tocha.ones(1, 2)), 3])
    assert repr(pl) == (
        "ParameterList(\n"
        "    (0): Parameter containing: [tocha.float32 of size 2]\n"
        "    (1): Parameter containing: [tocha.float32 of size 1x2]\n"
        "    (2): Object of type: int\n"
        ")"
    )
    pd = nn.ParameterDict({"b": tocha.zeros(2), "a": tocha.zeros(3, dtype=tocha.float64)})
    assert repr(pd) == (
        "ParameterDict(\n"
        "    (a): Parameter containing: [tocha.DoubleTensor of size 3]\n"
        "    (b): Parameter containing: [tocha.FloatTensor of size 2]\n"
        ")"
    )


def test_reprs_match_torch() -> None:
    torch = torch_or_skip()

    def build(nnlib: Any, lib: Any) -> list[Any]:
        add, mul = leaf_classes(nnlib).values()
        return [
            nnlib.Sequential(),
            nnlib.Sequential(add(1), nnlib.Sequential(mul(2), add(3))),
            nnlib.Sequential(OrderedDict(first=add(1), second=mul(2)))[::-1],
            nnlib.ModuleList(),
            nnlib.ModuleList([add(1), add(1), add(1), mul(2), add(1), nnlib.ModuleList([mul(1), mul(1)])]),
            nnlib.ModuleDict({"x": add(1), "y": nnlib.ModuleList([add(2)])}),
            nnlib.ParameterList([lib.zeros(2, 3), lib.zeros(1, dtype=lib.float64), "text"]),
            nnlib.ParameterDict({"w": lib.zeros(4), "v": lib.zeros(2, 2, dtype=lib.float16)}),
            nnlib.ParameterDict(),
            nnlib.ParameterList(),
        ]

    for theirs, ours in zip(build(torch.nn, torch), build(nn, tocha), strict=True):
        assert repr(ours) == repr(theirs).replace("torch.", "tocha.")


def test_state_dict_keys_match_torch() -> None:
    torch = torch_or_skip()

    def build(nnlib: Any, lib: Any) -> Any:
        add = leaf_classes(nnlib)["Add"]
        root = nnlib.Module()
        root.seq = nnlib.Sequential(add(1), nnlib.Sequential(add(2)))
        root.pl = nnlib.ParameterList([lib.zeros(2), lib.zeros(3)])
        root.pd = nnlib.ParameterDict({"b": lib.zeros(1), "a": lib.zeros(1)})
        root.md = nnlib.ModuleDict({"z": nnlib.ParameterList([lib.zeros(1)])})
        return root

    theirs, ours = build(torch.nn, torch), build(nn, tocha)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]


def test_sequential_error_path() -> None:
    class Fail(nn.Module):
        def forward(self, x: Any) -> Any:
            raise ValueError(f"expected input with 3 channels, got {x}")

        def extra_repr(self) -> str:
            return "channels=3"

    model = nn.Sequential(Add(1), nn.Sequential(Add(2), nn.Sequential(Fail())))
    with pytest.raises(ValueError) as info:
        model(0)
    assert str(info.value) == "1.1.0 (Fail(channels=3)): expected input with 3 channels, got 3"
    with pytest.raises(ValueError) as again:  # a second call starts afresh
        model[1](0)
    assert str(again.value) == "1.0 (Fail(channels=3)): expected input with 3 channels, got 2"
