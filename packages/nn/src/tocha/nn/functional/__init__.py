"""``tocha.nn.functional``: the functional form of every layer (``torch.nn.functional``).

Example:
    >>> import tocha
    >>> import tocha.nn.functional as F
    >>> F.relu(tocha.tensor([-1.0, 2.0]))
    tensor([0., 2.])
"""

from . import (
    _activation,
    _attention,
    _conv,
    _distance,
    _dropout,
    _linear,
    _loss,
    _normalization,
    _pooling,
    _rnn,
    _sparse,
    _vision,
)
from ._activation import *  # noqa: F403
from ._attention import *  # noqa: F403
from ._conv import *  # noqa: F403
from ._distance import *  # noqa: F403
from ._dropout import *  # noqa: F403
from ._linear import *  # noqa: F403
from ._loss import *  # noqa: F403
from ._normalization import *  # noqa: F403
from ._pooling import *  # noqa: F403
from ._rnn import *  # noqa: F403
from ._sparse import *  # noqa: F403
from ._vision import *  # noqa: F403

__all__: list[str] = []
__all__ += _activation.__all__
__all__ += _dropout.__all__
__all__ += _linear.__all__
__all__ += _distance.__all__
__all__ += _loss.__all__
__all__ += _conv.__all__
__all__ += _pooling.__all__
__all__ += _vision.__all__
__all__ += _normalization.__all__
__all__ += _sparse.__all__
__all__ += _rnn.__all__
__all__ += _attention.__all__
