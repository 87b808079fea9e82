"""``tocha.nn.factory_kwargs``: the ``device``/``dtype``/``memory_format`` keywords a module passes to factories."""

from __future__ import annotations

from typing import Any

__all__ = ["factory_kwargs"]

_SIMPLE = ("device", "dtype", "memory_format")


def factory_kwargs(kwargs: dict[str, Any] | None) -> dict[str, Any]:
    """The factory keywords among a module constructor's ``kwargs``, checked, as one dict for ``tocha.empty`` and
    the other factories (PyTorch's ``torch.nn.factory_kwargs``).

    ``kwargs`` may hold ``device``, ``dtype`` and ``memory_format``, and a ``factory_kwargs`` dict of the same
    keys; TypeError for any other key, or for a key given both ways.

    Example:
        >>> import tocha
        >>> tocha.nn.factory_kwargs({"device": "cpu", "factory_kwargs": {"dtype": tocha.float64}})
        {'dtype': tocha.float64, 'device': 'cpu'}
    """
    if kwargs is None:
        return {}
    unexpected = set(kwargs) - {*_SIMPLE, "factory_kwargs"}
    if unexpected:
        raise TypeError(f"unexpected kwargs {unexpected}")
    result = dict(kwargs.get("factory_kwargs", {}))
    for key in _SIMPLE:
        if key in kwargs:
            if key in result:
                raise TypeError(f"{key} specified twice, in **kwargs and in factory_kwargs")
            result[key] = kwargs[key]
    return result
