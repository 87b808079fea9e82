"""What a :class:`~tocha.utils.benchmark.Timer` measured, and how it prints."""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Measurement", "TaskSpec", "select_unit"]

_MAX_SIGNIFICANT_FIGURES = 4
_MIN_CONFIDENCE_INTERVAL = 25e-9  # 25 ns: below that, timer resolution dominates
_IQR_WARN_THRESHOLD = 0.1


def select_unit(seconds: float) -> tuple[str, float]:
    """The unit that shows ``seconds`` with 1 to 3 integer digits, and its scale.

    Example:
        >>> from tocha.utils.benchmark import select_unit
        >>> select_unit(2.5e-6), select_unit(0.03), select_unit(12.0)
        (('us', 1e-06), ('ms', 0.001), ('s', 1.0))
    """
    exponent = math.floor(math.log10(seconds) / 3) if seconds > 0 else 0
    unit = {-3: "ns", -2: "us", -1: "ms"}.get(exponent, "s")
    return unit, {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[unit]


@dataclass(frozen=True)
class TaskSpec:
    """What was timed: the statement, its setup and the labels that name it.

    Example:
        >>> from tocha.utils.benchmark import TaskSpec
        >>> TaskSpec("x + y", "pass", label="add", sub_label="small").title
        'add: small'
    """

    stmt: str
    setup: str
    global_setup: str = ""
    label: str | None = None
    sub_label: str | None = None
    description: str | None = None
    env: str | None = None
    num_threads: int = 1

    @property
    def title(self) -> str:
        """The label (or the one-line statement) and the sub-label."""
        suffix = f": {self.sub_label}" if self.sub_label else ""
        if self.label is not None:
            return self.label + suffix
        if "\n" not in self.stmt:
            return self.stmt + suffix
        return f"stmt:{f' ({self.sub_label})' if self.sub_label else ''}\n{textwrap.indent(self.stmt, '  ')}"

    def summarize(self) -> str:
        """The task's lines of a measurement's printout."""
        sections = [self.title, self.description or ""]
        if self.env:
            sections.append(f"Env: {self.env}")
        if self.setup != "pass":
            text = self.setup if "\n" not in self.setup else "\n" + textwrap.indent(self.setup, "  ")
            sections.append(f"setup: {text}" if "\n" not in self.setup else f"setup:{text}")
        return "\n".join(f"{s}\n" if "\n" in s else s for s in sections if s)


@dataclass
class Measurement:
    """The result of a timing: ``raw_times[i]`` seconds for ``number_per_run`` runs of the statement.

    Example:
        >>> from tocha.utils.benchmark import Measurement, TaskSpec
        >>> m = Measurement(100, [2e-4, 3e-4, 2.5e-4, 2.2e-4], TaskSpec("f()", "pass"))
        >>> round(m.median, 12), round(m.mean, 12), m.times[0]
        (2.35e-06, 2.425e-06, 2e-06)
    """

    number_per_run: int
    raw_times: list[float]
    task_spec: TaskSpec
    metadata: dict[Any, Any] | None = None
    _sorted: list[float] = field(init=False, repr=False, default_factory=list)

    def __post_init__(self) -> None:
        self._sorted = sorted(self.times)

    @property
    def times(self) -> list[float]:
        """Seconds per run of the statement, one entry per measurement."""
        return [t / self.number_per_run for t in self.raw_times]

    @property
    def median(self) -> float:
        return float(np.median(self._sorted))

    @property
    def mean(self) -> float:
        return float(np.mean(self._sorted))

    @property
    def iqr(self) -> float:
        return self._p75 - self._p25

    @property
    def _p25(self) -> float:
        return float(np.percentile(self._sorted, 25))

    @property
    def _p75(self) -> float:
        return float(np.percentile(self._sorted, 75))

    @property
    def significant_figures(self) -> int:
        """A rough count of trustworthy digits of the median: ``log10(median / CI)`` with the 90% confidence
        interval of the mean of the interquartile times (at least 25 ns), clamped to 1..4."""
        n = len(self._sorted)
        middle = self._sorted[n // 4 : math.ceil(3 * n / 4)]
        spread = float(np.std(middle)) if middle else 0.0
        interval = max(1.645 * spread / math.sqrt(max(len(middle), 1)), _MIN_CONFIDENCE_INTERVAL)
        figures = math.floor(math.log10(self.median / interval)) if self.median > 0 else 1
        return min(max(figures, 1), _MAX_SIGNIFICANT_FIGURES)

    @property
    def has_warnings(self) -> bool:
        return bool(self._warnings())

    def meets_confidence(self, threshold: float = _IQR_WARN_THRESHOLD) -> bool:
        """Whether the interquartile range is below ``threshold`` of the median."""
        return self.iqr / self.median < threshold

    def _warnings(self) -> list[str]:
        n = len(self._sorted)
        if n < 2 or self.median <= 0:
            return []
        relative = self.iqr / self.median
        if relative <= _IQR_WARN_THRESHOLD:
            return []
        cause = (
            "suggests significant environmental influence" if relative > 0.25 else "could indicate system fluctuation"
        )
        share = f"{relative * 100:.1f}%"
        return [f"  WARNING: Interquartile range is {share} of the median measurement.\n           This {cause}."]

    # the task's fields, as PyTorch's Measurement exposes them
    stmt = property(lambda self: self.task_spec.stmt)
    setup = property(lambda self: self.task_spec.setup)
    label = property(lambda self: self.task_spec.label)
    sub_label = property(lambda self: self.task_spec.sub_label)
    description = property(lambda self: self.task_spec.description)
    env = property(lambda self: self.task_spec.env)
    num_threads = property(lambda self: self.task_spec.num_threads)
    title = property(lambda self: self.task_spec.title)

    def __repr__(self) -> str:
        n = len(self._sorted)
        unit, scale = select_unit(self.median)
        lines = [object.__repr__(self).replace("._measurement.", "."), self.task_spec.summarize()]
        lines.append(f"  {'Median: ' if n > 1 else ''}{self.median / scale:.2f} {unit}")
        if n >= 4:
            lines.append(
                f"  IQR:    {self.iqr / scale:.2f} {unit} ({self._p25 / scale:.2f} to {self._p75 / scale:.2f})"
            )
        per = "per measurement," if n > 1 else ","
        threads = f"{self.num_threads} thread{'s' if self.num_threads > 1 else ''}"
        lines.append(f"  {n} measurement{'s' if n > 1 else ''}, {self.number_per_run} runs {per} {threads}")
        lines += self._warnings()
        return "\n".join(lines)
