"""``tocha.nn.utils``: gradient clipping, parameter vectors, parametrizations, fusion and ``rnn`` packing."""

from __future__ import annotations

from . import clip_grad, convert_parameters, fusion, init, parametrizations, parametrize, rnn
from .clip_grad import *  # noqa: F403
from .convert_parameters import *  # noqa: F403
from .fusion import *  # noqa: F403
from .init import *  # noqa: F403

__all__: list[str] = ["parametrizations", "parametrize", "rnn"]
__all__ += clip_grad.__all__
__all__ += convert_parameters.__all__
__all__ += fusion.__all__
__all__ += init.__all__
