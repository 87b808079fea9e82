"""``tocha.signal``: signal-processing helpers; :mod:`tocha.signal.windows` has the window functions."""

from __future__ import annotations

from . import windows as windows

__all__ = ["windows"]
