"""The layers of ``tocha.nn``, one module per family; each family's ``__all__`` is re-exported here."""

from . import (
    activation,
    attention,
    batchnorm,
    channelshuffle,
    container,
    lazy,
    conv,
    distance,
    dropout,
    flatten,
    fold,
    instancenorm,
    linear,
    loss,
    module,
    normalization,
    padding,
    pixelshuffle,
    pooling,
    rnn,
    sparse,
    transformer,
    upsampling,
)
from .activation import *  # noqa: F403
from .attention import *  # noqa: F403
from .batchnorm import *  # noqa: F403
from .channelshuffle import *  # noqa: F403
from .container import *  # noqa: F403
from .conv import *  # noqa: F403
from .distance import *  # noqa: F403
from .dropout import *  # noqa: F403
from .flatten import *  # noqa: F403
from .fold import *  # noqa: F403
from .instancenorm import *  # noqa: F403
from .linear import *  # noqa: F403
from .loss import *  # noqa: F403
from .module import *  # noqa: F403
from .normalization import *  # noqa: F403
from .padding import *  # noqa: F403
from .pixelshuffle import *  # noqa: F403
from .pooling import *  # noqa: F403
from .rnn import *  # noqa: F403
from .sparse import *  # noqa: F403
from .transformer import *  # noqa: F403
from .upsampling import *  # noqa: F403

__all__: list[str] = []
__all__ += module.__all__
__all__ += container.__all__
__all__ += linear.__all__
__all__ += flatten.__all__
__all__ += activation.__all__
__all__ += dropout.__all__
__all__ += distance.__all__
__all__ += loss.__all__
__all__ += conv.__all__
__all__ += fold.__all__
__all__ += padding.__all__
__all__ += pooling.__all__
__all__ += pixelshuffle.__all__
__all__ += upsampling.__all__
__all__ += channelshuffle.__all__
__all__ += normalization.__all__
__all__ += batchnorm.__all__
__all__ += instancenorm.__all__
__all__ += sparse.__all__
__all__ += rnn.__all__
__all__ += attention.__all__
__all__ += transformer.__all__
