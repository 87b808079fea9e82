"""``tocha.utils.hooks``: the handle every hook registration returns, as ``torch.utils.hooks``.

Modules, optimizers, tensors and autograd nodes all return a :class:`RemovableHandle`, so
``isinstance(handle, tocha.utils.hooks.RemovableHandle)`` holds for any of them, as in PyTorch.
"""

from __future__ import annotations

import itertools
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

__all__ = ["RemovableHandle", "unserializable_hook"]

_F = TypeVar("_F", bound=Callable[..., Any])


class RemovableHandle:
    """Unregisters a hook kept in ``hooks_dict`` under this handle's ``id`` (and in each of ``extra_dict``).

    It holds the dictionaries weakly, so a handle does not keep a module alive; it works as a context manager
    (the hook is removed on exit) and pickles along with the dictionaries.

    Example:
        >>> from collections import OrderedDict
        >>> hooks = OrderedDict()
        >>> handle = RemovableHandle(hooks)
        >>> hooks[handle.id] = print
        >>> handle.remove()
        >>> len(hooks)
        0
    """

    id: int
    next_id: int = 0
    _ids = itertools.count()

    def __init__(self, hooks_dict: Any, *, extra_dict: Any = None) -> None:
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = next(RemovableHandle._ids)
        RemovableHandle.next_id = self.id + 1
        self.extra_dict_ref: tuple[Any, ...] = tuple(weakref.ref(d) for d in _dicts(extra_dict))

    def remove(self) -> None:
        """Unregister the hook (nothing happens when it is already gone)."""
        for ref in (self.hooks_dict_ref, *self.extra_dict_ref):
            hooks = ref()
            if hooks is not None and self.id in hooks:
                del hooks[self.id]

    def __getstate__(self) -> Any:
        if not self.extra_dict_ref:
            return (self.hooks_dict_ref(), self.id)
        return (self.hooks_dict_ref(), self.id, tuple(ref() for ref in self.extra_dict_ref))

    def __setstate__(self, state: Any) -> None:
        hooks = OrderedDict() if state[0] is None else state[0]
        self._kept = hooks  # an unpickled handle owns what it points to
        self.hooks_dict_ref = weakref.ref(hooks)
        self.id = state[1]
        RemovableHandle.next_id = max(RemovableHandle.next_id, self.id + 1)
        extras = state[2] if len(state) > 2 else ()
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extras if d is not None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def _dicts(extra: Any) -> Iterable[Any]:
    if extra is None:
        return ()
    return (extra,) if isinstance(extra, dict) else tuple(extra)


def unserializable_hook(f: _F) -> _F:
    """Mark a tensor hook as one that is not saved with its tensor (PyTorch's marker attribute).

    Example:
        >>> @unserializable_hook
        ... def hook(grad):
        ...     return grad
        >>> hook.__torch_unserializable__
        True
    """
    f.__torch_unserializable__ = True  # type: ignore[attr-defined]
    return f
