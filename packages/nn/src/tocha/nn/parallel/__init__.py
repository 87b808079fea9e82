"""``tocha.nn.parallel``: :class:`DataParallel` and :func:`data_parallel`."""

from __future__ import annotations

from .data_parallel import DataParallel as DataParallel
from .data_parallel import data_parallel as data_parallel

__all__ = ["DataParallel", "data_parallel"]
