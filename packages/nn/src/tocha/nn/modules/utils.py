"""``tocha.nn.modules.utils``: the argument helpers third-party layers import from ``torch.nn.modules.utils``.

``_pair(3) == (3, 3)`` and friends turn an int or an iterable into a tuple of a layer's dimensions.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from .._utils import reverse_repeat_tuple

__all__: list[str] = []  # helpers imported by name, as from PyTorch's module; not a family of layers


def _ntuple(n: int, name: str = "parse") -> Callable[[Any], tuple[Any, ...]]:
    """A function that returns an iterable argument as a tuple and repeats anything else ``n`` times.

    Unlike tocha.nn's own ``ntuple`` (which keeps a string such as ``padding="same"`` whole), a string is an
    iterable here, as in PyTorch's helper that third-party code imports.

    Example:
        >>> _ntuple(3)(2), _ntuple(3)([1, 2, 3])
        ((2, 2, 2), (1, 2, 3))
    """

    def parse(x: Any) -> tuple[Any, ...]:
        if isinstance(x, Iterable):
            return tuple(x)
        return (x,) * n

    parse.__name__ = name
    return parse


_single = _ntuple(1, "_single")
_pair = _ntuple(2, "_pair")
_triple = _ntuple(3, "_triple")
_quadruple = _ntuple(4, "_quadruple")


_reverse_repeat_tuple = reverse_repeat_tuple


def _list_with_default(out_size: Any, defaults: Sequence[int]) -> Any:
    """``out_size`` with each None replaced by the matching trailing entry of ``defaults`` (an int stays).

    Example:
        >>> _list_with_default([None, 4], [1, 3, 5, 7])
        [5, 4]
    """
    if isinstance(out_size, int):
        return out_size
    if len(defaults) <= len(out_size):
        raise ValueError(f"Input dimension should be at least {len(out_size) + 1}")
    tail = list(defaults)[-len(out_size) :]
    return [default if size is None else size for size, default in zip(out_size, tail, strict=False)]


def consume_prefix_in_state_dict_if_present(state_dict: dict[str, Any], prefix: str) -> None:
    """Strip ``prefix`` from the keys of ``state_dict`` that have it, in place (and from its ``_metadata``):
    the ``module.`` a ``DataParallel`` wrapper adds.

    Example:
        >>> state = {"module.weight": 1, "bias": 2}
        >>> consume_prefix_in_state_dict_if_present(state, "module.")
        >>> sorted(state)
        ['bias', 'weight']
    """
    for key in list(state_dict):
        if key.startswith(prefix):
            state_dict[key[len(prefix) :]] = state_dict.pop(key)
    metadata = getattr(state_dict, "_metadata", None)
    if not isinstance(metadata, dict):
        return
    owner = prefix[:-1] if prefix.endswith(".") else prefix
    renamed: OrderedDict[str, Any] = OrderedDict()
    for key, value in metadata.items():
        if key == owner:
            renamed[""] = value  # the wrapped module's own entry becomes the root's
        elif key.startswith(prefix):
            renamed[key[len(prefix) :]] = value
        else:
            renamed[key] = value
    metadata.clear()
    metadata.update(renamed)
