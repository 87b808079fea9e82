"""FLOPs of the matrix ops, from their operands' and results' shapes (a multiply-add is 2 FLOPs, as PyTorch's).

One table serves the profiler's ``with_flops`` and ``tocha.utils.flop_counter``: op name ->
``formula(inputs, params, result) -> int``. The nn ops (linear, convolution, attention and their backward ops)
are named here too: tensor-core runs them through its dispatcher but cannot import tocha-nn.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["FLOP_FORMULAS", "FlopFormula", "count_flops"]

FlopFormula = Callable[[tuple[Any, ...], tuple[Any, ...], Any], int]


def _numel(shape: Sequence[int]) -> int:
    return math.prod(int(n) for n in shape)


def _matmul(inputs: tuple[Any, ...], params: tuple[Any, ...], result: Any) -> int:
    return 2 * int(result.numel()) * int(inputs[0].shape[-1])


def _linear(inputs: tuple[Any, ...], params: tuple[Any, ...], result: Any) -> int:
    return 2 * int(result.numel()) * int(inputs[1].shape[-1])


def _linear_backward(inputs: tuple[Any, ...], params: tuple[Any, ...], result: Any) -> int:
    x, w = inputs[1], inputs[2]
    need_x, need_w = params[0], params[1]
    rows = int(x.numel()) // int(w.shape[1])
    return (2 * int(x.numel()) * int(w.shape[0]) if need_x else 0) + (2 * int(w.numel()) * rows if need_w else 0)


def _convolution(inputs: tuple[Any, ...], params: tuple[Any, ...], result: Any) -> int:
    return 2 * int(result.numel()) * _numel(inputs[1].shape[1:])


def _convolution_backward(inputs: tuple[Any, ...], params: tuple[Any, ...], result: Any) -> int:
    grad, w = inputs[0], inputs[2]
    need_x, need_w = params[-3], params[-2]
    return 2 * int(grad.numel()) * _numel(w.shape[1:]) * (int(bool(need_x)) + int(bool(need_w)))


def _convolution_backward_weight(inputs: tuple[Any, ...], params: tuple[Any, ...], result: Any) -> int:
    return 2 * int(inputs[1].numel()) * _numel(params[0][1:])


def _attention(inputs: tuple[Any, ...], params: tuple[Any, ...], result: Any) -> int:
    q, k, v = inputs[:3]
    return 2 * _numel(q.shape[:-2]) * int(q.shape[-2]) * int(k.shape[-2]) * (int(q.shape[-1]) + int(v.shape[-1]))


def _attention_backward(inputs: tuple[Any, ...], params: tuple[Any, ...], result: Any) -> int:
    return 2 * _attention(inputs[2:5], params, result)


def _einsum(inputs: tuple[Any, ...], params: tuple[Any, ...], result: Any) -> int:
    """A two-operand contraction: 2 x the product of every index's size; other forms count 0."""
    operands = [x for x in inputs if hasattr(x, "shape")]
    spec = str(params[0]).replace(" ", "")
    terms = spec.split("->")[0].split(",")
    if len(operands) != 2 or len(terms) != 2 or "." in spec:
        return 0
    sizes: dict[str, int] = {}
    for term, x in zip(terms, operands, strict=True):
        for letter, n in zip(term, x.shape, strict=False):
            sizes[letter] = int(n)
    return 2 * _numel(list(sizes.values()))


FLOP_FORMULAS: dict[str, FlopFormula] = {
    "matmul": _matmul,
    "linear": _linear,
    "linear_backward": _linear_backward,
    "convolution": _convolution,
    "convolution_backward": _convolution_backward,
    "convolution_backward_weight": _convolution_backward_weight,
    "scaled_dot_product_attention": _attention,
    "scaled_dot_product_attention_backward": _attention_backward,
    "einsum": _einsum,
}


def count_flops(name: str, inputs: tuple[Any, ...], params: tuple[Any, ...], result: Any) -> int:
    """The FLOPs of one call of the op ``name`` (0 for ops without a formula).

    Example:
        >>> import tocha
        >>> from tocha.profiler import count_flops
        >>> a, b = tocha.ones(4, 5), tocha.ones(5, 6)
        >>> count_flops("matmul", (a, b), (), a @ b)
        240
    """
    formula = FLOP_FORMULAS.get(name)
    return 0 if formula is None else int(formula(inputs, params, result))
