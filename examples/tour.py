"""A short tour of tocha-tensor-core: PyTorch's tensor API on NumPy.

Run it with ``python examples/tour.py`` where tocha-tensor-core and tocha-autograd are installed. The demo
that trains a model is examples/mnist.py (``nox -s demo``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import tocha
import tocha.autograd
from tocha.library import DispatchLayer, OpCall


def section(title: str) -> None:
    print(f"\n== {title}")


def creation() -> None:
    section("creation and dtypes")
    x = tocha.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    print("tocha.tensor(...)      ", x.dtype, tuple(x.shape), x.device)
    print("tocha.arange(5)        ", tocha.arange(5))
    print("tocha.zeros(2, 3)      ", tocha.zeros(2, 3).tolist())
    print("tocha.linspace(0, 1, 5)", tocha.linspace(0, 1, 5))
    print("tocha.eye(2)           ", tocha.eye(2, dtype=tocha.int64).tolist())
    array = np.arange(4.0)
    shared = tocha.from_numpy(array)
    array[0] = 42.0
    print("from_numpy shares memory:", shared[0].item() == 42.0)


def promotion() -> None:
    section("type promotion (PyTorch's rules, not NumPy's)")
    ints = tocha.tensor([1, 2, 3])
    halves = tocha.tensor([1.0, 2.0], dtype=tocha.float16)
    print("int64 tensor / 2        ->", (ints / 2).dtype)
    print("int64 tensor + 2.5      ->", (ints + 2.5).dtype)
    print("float16 tensor * 3.0    ->", (halves * 3.0).dtype, "(a Python float does not widen it)")
    print("promote_types(int8, uint8) ->", tocha.promote_types(tocha.int8, tocha.uint8))


def broadcasting_and_views() -> None:
    section("broadcasting and views")
    column = tocha.arange(3, dtype=tocha.float32).reshape(3, 1)
    row = tocha.tensor([10.0, 20.0])
    print("(3, 1) + (2,) ->", tuple((column + row).shape))
    base = tocha.arange(6).reshape(2, 3)
    transposed = base.t()
    transposed[0, 1] = 100
    print("a transpose is a view:", base.tolist(), "contiguous:", transposed.is_contiguous())


def indexing() -> None:
    section("indexing")
    x = tocha.arange(12).reshape(3, 4)
    print("x[1]           ", x[1].tolist())
    print("x[:, ::2]      ", x[:, ::2].tolist())
    print("x[x % 2 == 0]  ", x[x % 2 == 0].tolist())
    print("x[[0, 2], [1, 3]]", x[[0, 2], [1, 3]].tolist())
    x[0] = -1
    print("after x[0] = -1", x[0].tolist())


def reductions_and_matmul() -> None:
    section("reductions and matmul")
    x = tocha.arange(6, dtype=tocha.float32).reshape(2, 3)
    print("x.sum()           ", x.sum().item())
    print("x.mean(dim=0)     ", x.mean(dim=0).tolist())
    print("x.max(dim=1)      ", x.max(dim=1).values.tolist())
    print("x @ x.T           ", (x @ x.T).tolist())


class CountOps(DispatchLayer):
    """A dispatch layer that counts the primitive ops it sees."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def handle(self, call: OpCall, proceed: Callable[[OpCall], Any]) -> Any:
        self.counts[call.op.name] = self.counts.get(call.op.name, 0) + 1
        return proceed(call)


def dispatch_layer() -> None:
    section("tocha.library: a dispatch layer sees every op")
    with CountOps() as counter:
        x = tocha.ones(4)
        _ = (x * 2 + 1) * 3
    print("ops seen:", counter.counts)


def random_numbers() -> None:
    section("random numbers: a seeded run reproduces exactly")
    tocha.manual_seed(0)
    first = tocha.randn(3)
    tocha.manual_seed(0)
    again = tocha.randn(3)
    print("randn(3) after manual_seed(0), twice, equal:", tocha.equal(first, again))
    print("randint(0, 10, (5,))", tocha.randint(0, 10, (5,)).tolist())


def gradients() -> None:
    section("autograd: gradients and gradients of gradients")
    x = tocha.tensor([1.0, 2.0, 3.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward()
    print("d/dx sum(x*x)     ", x.grad.tolist() if x.grad is not None else None)
    (g,) = tocha.autograd.grad((x**3).sum(), x, create_graph=True)
    (h,) = tocha.autograd.grad(g.sum(), x)
    print("d/dx sum(x**3)    ", g.tolist(), " second derivative", h.tolist())


def main() -> None:
    print(f"tocha {tocha.__version__} on NumPy {np.__version__}")
    creation()
    promotion()
    broadcasting_and_views()
    indexing()
    reductions_and_matmul()
    random_numbers()
    gradients()
    dispatch_layer()


if __name__ == "__main__":
    main()
