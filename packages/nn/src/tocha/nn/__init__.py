"""tocha.nn: neural-network modules, layers, losses and initialisation (``torch.nn``).

This is the ``tocha-nn`` distribution: :class:`Module` and :class:`Parameter`, the layers
(linear, convolution, pooling, normalisation, recurrent, attention, transformer), losses,
``tocha.nn.functional``, ``tocha.nn.init`` and ``tocha.nn.utils``, on tocha-tensor-core and
tocha-autograd. A PyTorch model definition runs after changing ``torch`` to ``tocha``.

Example:
    >>> import tocha
    >>> import tocha.nn as nn
    >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> model(tocha.zeros(3, 4)).shape
    tocha.Size([3, 2])
"""

from __future__ import annotations

from . import functional, grad, init, modules, parallel, utils
from ._factory import factory_kwargs
from .modules import *  # noqa: F403
from .parallel import DataParallel
from .parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter

__all__ = [
    "functional",
    "grad",
    "init",
    "parallel",
    "utils",
    "DataParallel",
    "factory_kwargs",
    "Parameter",
    "Buffer",
    "UninitializedParameter",
    "UninitializedBuffer",
]
__all__ += modules.__all__
