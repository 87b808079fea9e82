"""``tocha.utils.benchmark``: time Python statements, as ``torch.utils.benchmark``.

:class:`Timer` runs ``stmt`` (after ``setup``) with :mod:`timeit`'s machinery in a chosen number of BLAS threads;
:meth:`Timer.blocked_autorange` picks a block size whose timer overhead is negligible and times blocks for at
least ``min_run_time``; :meth:`Timer.adaptive_autorange` keeps timing until the interquartile range falls below a
fraction of the median. A :class:`Measurement` holds the per-run times (median, mean, IQR, a significant-figure
estimate) and prints as PyTorch's; :class:`Compare` lays several measurements out as a table.
"""

from __future__ import annotations

from ._compare import Compare as Compare
from ._measurement import Measurement as Measurement
from ._measurement import TaskSpec as TaskSpec
from ._measurement import select_unit as select_unit
from ._timer import Language as Language
from ._timer import Timer as Timer

__all__ = ["Compare", "Language", "Measurement", "TaskSpec", "Timer", "select_unit"]
