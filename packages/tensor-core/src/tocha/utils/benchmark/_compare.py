"""``Compare``: measurements side by side, as ``torch.utils.benchmark.Compare``."""

from __future__ import annotations

import math
from collections.abc import Iterable

from ._measurement import Measurement, select_unit

__all__ = ["Compare"]

_BOLD, _GREEN, _RED, _RESET = "\033[1m", "\033[92m", "\033[91m", "\033[0m"


def _round_to_figures(value: float, figures: int) -> float:
    if value == 0:
        return 0.0
    digits = figures - 1 - math.floor(math.log10(abs(value)))
    return round(value, digits)


class Compare:
    """A table per label: one row per sub-label, one column per description, a section per thread count; each
    cell the median time, in the unit of the smallest.

    Example:
        >>> from tocha.utils.benchmark import Compare, Measurement, TaskSpec
        >>> results = [Measurement(1, [t * 1e-6], TaskSpec("f()", "pass", label="f", sub_label=s, description=d))
        ...            for s, d, t in (("a", "cpu", 20.0), ("a", "gpu", 5.0), ("b", "cpu", 40.0), ("b", "gpu", 12.5))]
        >>> print(Compare(results))
        [--------- f ---------]
             |   cpu  |   gpu
        1 threads: ------------
          a  |  20.0  |   5.0
          b  |  40.0  |  12.5
        <BLANKLINE>
        Times are in microseconds (us).
        <BLANKLINE>
    """

    def __init__(self, results: Iterable[Measurement]) -> None:
        self._results: list[Measurement] = []
        self._trim = False
        self._colorize: str | None = None
        self._highlight = False
        self.extend_results(results)

    def extend_results(self, results: Iterable[Measurement]) -> None:
        """Add measurements."""
        for r in results:
            if not isinstance(r, Measurement):
                raise ValueError(f"Expected an instance of `Measurement`, got {type(r)} instead.")
            self._results.append(r)

    def trim_significant_figures(self) -> None:
        """Show each cell with only the digits its measurement supports (:attr:`Measurement.significant_figures`)."""
        self._trim = True

    def colorize(self, rowwise: bool = False) -> None:
        """Color each cell against the best of its column (or row): green for the best, red for 2x slower."""
        self._colorize = "row" if rowwise else "column"

    def highlight_warnings(self) -> None:
        """Mark cells whose measurement is noisy (IQR over 10% of the median) with ``(! IQR%)``."""
        self._highlight = True

    def print(self) -> None:
        """Print the tables."""
        print(str(self))

    def __str__(self) -> str:
        labels: dict[str | None, list[Measurement]] = {}
        for r in self._results:
            labels.setdefault(r.label, []).append(r)
        return "\n".join(self._table(label, group) for label, group in labels.items())

    def _table(self, label: str | None, results: list[Measurement]) -> str:
        columns = list(dict.fromkeys(r.description or "" for r in results))
        rows = list(dict.fromkeys(r.sub_label or r.stmt for r in results))
        sections = sorted({(r.num_threads, r.env or "") for r in results})
        unit, scale = select_unit(min(r.median for r in results))
        cells: dict[tuple[int, str, str, str], str] = {}
        values: dict[tuple[int, str, str, str], float] = {}
        for r in results:
            key = (r.num_threads, r.env or "", r.sub_label or r.stmt, r.description or "")
            value = r.median / scale
            values[key] = value
            if self._trim:
                rounded = _round_to_figures(value, r.significant_figures)
                text = f"{rounded:.0f}" if rounded >= 10 ** (r.significant_figures - 1) else f"{rounded:g}"
            else:
                text = f"{value:.1f}"
            if self._highlight and r.has_warnings:
                text += f" (! {100 * r.iqr / r.median:.0f}%)"
            cells[key] = text
        row_width = max(len(name) for name in rows) + 2
        widths = [max([len(c)] + [len(t) for k, t in cells.items() if k[3] == c]) for c in columns]
        header = " " * (row_width + 2) + "|" + "|".join(f"  {c:>{w}}  " for c, w in zip(columns, widths, strict=True))
        lines = [header.rstrip()]
        for threads, env in sections:
            title = f"{threads} threads: " + (f"{env}: " if env else "")
            lines.append(title + "-" * max(len(header) - len(title), 4))
            for name in rows:
                texts = []
                for c, w in zip(columns, widths, strict=True):
                    key = (threads, env, name, c)
                    texts.append(f"  {self._color(key, cells.get(key, ''), values):>{w}}  ")
                lines.append(f"  {name:<{row_width}}|" + "|".join(texts))
        width = max(len(line) for line in lines)
        name = f" {label} " if label else " "
        dashes = max(width - len(name) - 2, 2)
        lines.insert(0, "[" + "-" * (dashes // 2) + name + "-" * (dashes - dashes // 2) + "]")
        units = {"ns": "nanoseconds", "us": "microseconds", "ms": "milliseconds", "s": "seconds"}[unit]
        return "\n".join(line.rstrip() for line in lines) + f"\n\nTimes are in {units} ({unit}).\n"

    def _color(self, key: tuple[int, str, str, str], text: str, values: dict[tuple[int, str, str, str], float]) -> str:
        if self._colorize is None or key not in values:
            return text
        threads, env, row, column = key
        peers = [v for k, v in values.items() if k[:2] == (threads, env) and (k[2] == row if self._colorize == "row"
                 else k[3] == column)]  # fmt: skip
        best = min(peers)
        if values[key] == best:
            return f"{_BOLD}{_GREEN}{text}{_RESET}"
        if values[key] >= 2 * best:
            return f"{_RED}{text}{_RESET}"
        return text
