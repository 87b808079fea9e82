"""In-place writes into tensors whose elements share memory (NOTE [ Writing into overlapping memory ]): what raises,
what warns and what is let through, as in PyTorch."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tocha

MESSAGE = "unsupported operation: more than one element of the written-to tensor refers to a single memory location"

# name -> a write into an expanded (2, 3) view of ones(3), for a library (tocha or torch)
WRITES: dict[str, Callable[[Any, Any], Any]] = {
    "add_": lambda lib, x: x.expand(2, 3).add_(1),
    "mul_ with a tensor": lambda lib, x: x.expand(2, 3).mul_(lib.ones(2, 3)),
    "sigmoid_": lambda lib, x: x.expand(2, 3).sigmoid_(),
    "clamp_": lambda lib, x: x.expand(2, 3).clamp_(0, 1),
    "copy_": lambda lib, x: x.expand(2, 3).copy_(lib.zeros(2, 3)),
    "copy_ of a 0-dim tensor": lambda lib, x: x.expand(2, 3).copy_(lib.tensor(2.0)),
    "fill_ with a tensor": lambda lib, x: x.expand(2, 3).fill_(lib.tensor(2.0)),
    "out=": lambda lib, x: lib.add(lib.ones(2, 3), 1, out=x.expand(2, 3)),
    "normal_": lambda lib, x: x.expand(2, 3).normal_(),
    "bernoulli_": lambda lib, x: x.expand(2, 3).bernoulli_(0.5),
    "scatter_": lambda lib, x: x.expand(2, 3).scatter_(1, lib.tensor([[0], [1]]), 2.0),
    "index_add_": lambda lib, x: x.expand(2, 3).index_add_(1, lib.tensor([0]), lib.ones(2, 1)),
    "fill_": lambda lib, x: x.expand(2, 3).fill_(7.0),
    "zero_": lambda lib, x: x.expand(2, 3).zero_(),
    "x[0] = number": lambda lib, x: x.expand(2, 3).__setitem__(0, 5.0),
    "index_put_": lambda lib, x: x.expand(2, 3).index_put_((lib.tensor([1]),), lib.tensor(4.0)),
    "masked_fill_": lambda lib, x: x.expand(2, 3).masked_fill_(lib.tensor([True, False, True]), 0.0),
    "index_fill_": lambda lib, x: x.expand(2, 3).index_fill_(1, lib.tensor([0]), 2.0),
    "size-1 dim expanded": lambda lib, x: x[None].expand(1, 3).add_(1),
}


def _run(lib: Any, write: Callable[[Any, Any], Any]) -> tuple[str, Any, list[str]]:
    x = lib.ones(3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            write(lib, x)
        except RuntimeError as error:
            return "raised", str(error), []
    said = [str(w.message).split(" (Triggered")[0] for w in caught]
    return "ran", np.asarray(x.tolist()), said


@pytest.mark.parametrize("name", list(WRITES))
def test_writes_into_overlapping_memory_as_pytorch(name: str) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = _run(tocha, WRITES[name]), _run(torch, WRITES[name])
    assert ours[0] == theirs[0], (name, ours, theirs)
    if ours[0] == "raised":
        assert ours[1].startswith(MESSAGE)
        assert theirs[1].startswith(MESSAGE)
        assert "into a tensor of shape [2, 3] and strides [0, 1]" in ours[1]
    elif name not in ("normal_", "bernoulli_"):
        np.testing.assert_array_equal(ours[1], theirs[1])
        assert ours[2] == theirs[2]


def test_where_tocha_differs_from_pytorch() -> None:
    """tril_/triu_ of an expanded tensor raise (PyTorch's results depend on its write order); an overlap without a
    stride 0 (as_strided) writes as if the operands did not overlap (PyTorch's reads what it already wrote)."""
    with pytest.raises(RuntimeError, match=MESSAGE):
        tocha.ones(3).expand(3, 3).tril_()
    x = tocha.ones(4)
    x.as_strided((2, 2), (1, 1)).add_(1)
    assert x.tolist() == [2.0, 2.0, 2.0, 1.0]


def test_the_refused_write_leaves_the_tensor_unchanged() -> None:
    x = tocha.arange(3.0)
    with pytest.raises(RuntimeError, match=r"\(add_ into a tensor of shape \[4, 3\] and strides \[0, 1\]\)"):
        x.expand(4, 3).add_(1)
    assert x.tolist() == [0.0, 1.0, 2.0]


def test_an_empty_tensor_never_overlaps() -> None:
    # NumPy gives an empty copy the strides (0, 0, 0); nothing is written, so nothing can collide
    x = tocha.ones(0, 3, 3).clone()
    for write in (lambda t: t.fill_(2.0), lambda t: t.zero_(), lambda t: t.add_(1), lambda t: t.copy_(tocha.eye(3))):
        assert write(x).shape == (0, 3, 3)
    with pytest.raises(RuntimeError, match=MESSAGE):
        tocha.ones(3).expand(2, 3).add_(1)
