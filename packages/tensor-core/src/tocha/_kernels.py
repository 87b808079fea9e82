"""Faster kernels for an op on one device type: NOTE [ Device kernels ].

NOTE [ Device kernels ]
An op has one generic forward, written against ``xp``. A backend or a package may add a faster kernel for it
on one device type (a fused CUDA kernel, say) with :func:`register_kernel`. The kernel is called like the
forward, ``kernel(xp, *arrays, *params)``, and returns the result, or None to decline (a dtype or layout it
does not handle), in which case the generic forward runs. The first registration for an op wraps the record's
forward once; ops without kernels are untouched, and elsewhere the wrapper costs one dict lookup. A kernel must
agree with the generic forward: :func:`generic_forward` gives tests the forward to compare with.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._backend import _backends, get_backend
from ._dispatch import get_op

__all__ = ["generic_forward", "register_kernel"]

_kernels: dict[str, dict[str, Callable[..., Any]]] = {}
_generic: dict[str, Callable[..., Any]] = {}
_device_types: dict[int, tuple[Any, str | None]] = {id(np): (np, "cpu")}  # id(xp) -> (xp, its device type)


def _device_type_of(xp: Any) -> str | None:
    known = _device_types.get(id(xp))
    if known is not None and known[0] is xp:
        return known[1]
    found = None
    for name, backend in _backends.items():
        try:
            if backend.xp is xp:
                found = name
                break
        except RuntimeError:  # a backend whose library is missing cannot own this module
            continue
    _device_types[id(xp)] = (xp, found)  # holding xp keeps its id from being reused
    return found


def register_kernel(name: str, device_type: str, kernel: Callable[..., Any] | None) -> None:
    """Run ``kernel`` for op ``name`` on ``device_type`` arrays, before the generic forward.

    ``kernel(xp, *arrays, *params)`` returns the op's result, or None to let the generic forward run.
    Registering again for the same op and device type replaces the kernel.

    Raises:
        KeyError: no op is called ``name``.
        RuntimeError: ``device_type`` is not a registered backend.

    Example:
        >>> import tocha
        >>> calls = []
        >>> def cpu_relu(xp, x):
        ...     calls.append(x.shape)
        ...     return None  # decline: the generic forward runs
        >>> tocha.library.register_kernel("relu", "cpu", cpu_relu)
        >>> tocha.relu(tocha.tensor([-1.0, 2.0])), calls
        (tensor([0., 2.]), [(2,)])
        >>> tocha.library.register_kernel("relu", "cpu", None)  # None removes it
    """
    record = get_op(name)
    get_backend(device_type)
    table = _kernels.setdefault(name, {})
    if kernel is None:
        table.pop(device_type, None)
        return
    if name not in _generic:
        generic = _generic[name] = record.forward

        def forward(xp: Any, *args: Any, **kwargs: Any) -> Any:
            chosen = table.get(_device_type_of(xp))  # type: ignore[arg-type]
            if chosen is not None and not kwargs:
                result = chosen(xp, *args)
                if result is not None:
                    return result
            return generic(xp, *args, **kwargs)

        object.__setattr__(record, "forward", forward)  # records are frozen; this is their one sanctioned change
    table[device_type] = kernel


def generic_forward(name: str) -> Callable[..., Any]:
    """Op ``name``'s forward without its device kernels (what a kernel must agree with).

    Example:
        >>> import numpy as np, tocha
        >>> tocha.library.generic_forward("relu")(np, np.array([-1.0, 3.0]))
        array([0., 3.])
    """
    return _generic.get(name) or get_op(name).forward
