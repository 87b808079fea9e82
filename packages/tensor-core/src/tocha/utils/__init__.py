"""tocha.utils: PyTorch's ``torch.utils`` names, for code ported from PyTorch.

``tocha.utils.data`` is :mod:`tocha.data` (tocha-data), ``tocha.utils.checkpoint`` is
:mod:`tocha.autograd.checkpoint` (tocha-autograd) and ``tocha.utils.flop_counter`` is
:mod:`tocha.nn.utils.flop_counter` (tocha-nn): the same module objects under a second name, submodules
included (``from tocha.utils.data.dataloader import default_collate``), so classes and ``isinstance`` checks are
shared. ``tocha.utils.dlpack`` holds ``from_dlpack`` and ``DLDeviceType``; ``tocha.utils.benchmark`` times
statements (``Timer``, ``Measurement``, ``Compare``); ``tocha.utils.tensorboard`` has ``SummaryWriter``.

NOTE [ tocha.utils aliases ]
ARCHITECTURE.md §2 gives each distribution one subpackage, so ``torch.utils``' pieces live where their code
lives. A finder on ``sys.meta_path`` answers only for names under those aliases: it imports the real module and
registers that same object under the alias (a plain re-export would load ``tocha/data/dataloader.py`` a second
time, as another module with other classes). When the distribution is not installed the import fails with
ModuleNotFoundError naming it.

Example:
    >>> import numpy as np
    >>> import tocha.utils
    >>> tocha.utils.dlpack.from_dlpack(np.ones(2))
    tensor([1., 1.], dtype=tocha.float64)
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
from typing import Any

from . import dlpack as dlpack

__all__ = ["dlpack"]

# alias prefix -> (target module, the distribution that ships it)
_ALIASES = {
    "tocha.utils.data": ("tocha.data", "tocha-data"),
    "tocha.utils.checkpoint": ("tocha.autograd.checkpoint", "tocha-autograd"),
    "tocha.utils.flop_counter": ("tocha.nn.utils.flop_counter", "tocha-nn"),
}


def _target(fullname: str) -> tuple[str, str] | None:
    """The real module name and its distribution for an aliased ``fullname``, or None."""
    for alias, (target, dist) in _ALIASES.items():
        if fullname == alias or fullname.startswith(alias + "."):
            return target + fullname[len(alias) :], dist
    return None


class _AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolves ``tocha.utils.<alias>[.sub]`` to the already-importable real module (NOTE [ tocha.utils aliases ])."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if _target(fullname) is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        found = _target(spec.name)
        assert found is not None
        real, dist = found
        try:
            module = importlib.import_module(real)
        except ModuleNotFoundError as exc:
            if exc.name is not None and real.startswith(exc.name):
                raise ModuleNotFoundError(
                    f"No module named '{spec.name}': it is {real}, from the {dist} distribution (pip install {dist})",
                    name=spec.name,
                ) from None
            raise
        spec.loader_state = module.__spec__  # the import system overwrites it next; exec_module puts it back
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        """Nothing to run (the real module ran when it was imported): restore the real module's spec."""
        spec = module.__spec__
        if spec is not None and spec.loader is self:
            module.__spec__ = spec.loader_state


if not any(isinstance(finder, _AliasFinder) for finder in sys.meta_path):
    sys.meta_path.insert(0, _AliasFinder())


def __getattr__(name: str) -> types.ModuleType:
    """``tocha.utils.data`` / ``tocha.utils.checkpoint`` without importing them first, as ``torch.utils``."""
    if f"{__name__}.{name}" in _ALIASES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module '{__name__}' has no attribute '{name}'")
