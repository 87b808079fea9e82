"""Arguments that must be ints refuse floats with PyTorch's TypeError, and take integer 0-dim tensors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import tocha

REFUSED: list[tuple[str, Callable[[Any, Any], Any]]] = [
    ("topk(): argument 'k' (position 1) must be int, not float", lambda lib, x: x.topk(1.0)),
    ("kthvalue(): argument 'k' (position 1) must be int, not float", lambda lib, x: x.kthvalue(2.0)),
    ("narrow(): argument 'start' (position 2) must be int, not float", lambda lib, x: x.narrow(0, 1.0, 2)),
    ("narrow(): argument 'length' (position 3) must be int, not float", lambda lib, x: lib.narrow(x, 0, 1, 2.0)),
    ("linspace(): argument 'steps' (position 3) must be int, not float", lambda lib, x: lib.linspace(0, 1, 3.0)),
    ("logspace(): argument 'steps' (position 3) must be int, not float", lambda lib, x: lib.logspace(0, 1, 3.0)),
]


@pytest.mark.parametrize(("message", "call"), REFUSED, ids=[m.split("(")[0] for m, _ in REFUSED])
def test_float_where_an_int_is_needed_raises_type_error(message: str, call: Callable[[Any, Any], Any]) -> None:
    with pytest.raises(TypeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call(tocha, tocha.arange(4.0))


@pytest.mark.parametrize(("message", "call"), REFUSED, ids=[m.split("(")[0] for m, _ in REFUSED])
def test_pytorch_refuses_them_too(message: str, call: Callable[[Any, Any], Any]) -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError):
        call(torch, torch.arange(4.0))


def test_integer_tensors_and_numpy_integers_are_ints() -> None:
    np = pytest.importorskip("numpy")
    x = tocha.arange(4.0)
    assert x.narrow(0, tocha.tensor(1), np.int64(2)).tolist() == [1.0, 2.0]
    assert tocha.linspace(0, 1, tocha.tensor(3)).tolist() == [0.0, 0.5, 1.0]
    assert x.topk(tocha.tensor(2)).values.tolist() == [3.0, 2.0]
    assert x.kthvalue(np.int32(1)).values.item() == 0.0
