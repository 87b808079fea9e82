"""``tocha.nn``, ``tocha.optim``... as attributes after a bare ``import tocha``, as PyTorch users write them.

NOTE [ Lazy subpackages ]
``import torch`` imports ``torch.nn``, ``torch.optim``, ``torch.distributions`` and the rest, so PyTorch code
writes ``torch.nn.Linear`` without importing ``torch.nn``. tocha's subpackages come from separate distributions
and ``import tocha`` loads tensor-core alone (its import-time budget), so the ``tocha`` module's ``__getattr__``
imports a sibling subpackage on its first attribute access instead. A subpackage whose distribution is not
installed is an AttributeError that names the distribution. Type checkers do not see the hook: typed code
imports the subpackage (``import tocha.nn``), as ARCHITECTURE.md §2 writes it.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

__all__ = ["load_subpackage"]

# attribute -> the distribution that ships tocha.<attribute>
SUBPACKAGES = {
    "autograd": "tocha-autograd",
    "nn": "tocha-nn",
    "optim": "tocha-optim",
    "data": "tocha-data",
    "multiprocessing": "tocha-mp",
    "onnx": "tocha-onnx-export",
    "distributions": "tocha-distributions",
    "utils": "tocha-tensor-core",
    "accelerator": "tocha-tensor-core",
    "backends": "tocha-tensor-core",
    "cpu": "tocha-tensor-core",
    "distributed": "tocha-tensor-core",
    "hub": "tocha-tensor-core",
    "jit": "tocha-tensor-core",
    "masked": "tocha-tensor-core",
    "mps": "tocha-tensor-core",
    "profiler": "tocha-tensor-core",
    "quasirandom": "tocha-tensor-core",
    "serialization": "tocha-tensor-core",
    "signal": "tocha-tensor-core",
    "sparse": "tocha-tensor-core",
    "testing": "tocha-tensor-core",
    "types": "tocha-tensor-core",
}


def load_subpackage(name: str) -> ModuleType:
    """``tocha.<name>`` for a known subpackage, imported now; AttributeError otherwise (NOTE [ Lazy subpackages ]).

    Example:
        >>> import tocha
        >>> tocha.utils.dlpack.DLDeviceType.kDLCPU
        <DLDeviceType.kDLCPU: 1>
    """
    tocha = sys.modules["tocha"]
    dist = SUBPACKAGES.get(name)
    if dist is None:
        raise AttributeError(f"module 'tocha' has no attribute '{name}'", name=name, obj=tocha)
    try:
        return importlib.import_module(f"tocha.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"tocha.{name}":
            raise
        raise AttributeError(
            f"module 'tocha' has no attribute '{name}': tocha.{name} comes with the {dist} distribution "
            f"(pip install {dist})",
            name=name,
            obj=tocha,
        ) from None
