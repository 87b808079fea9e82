"""Collect the tables that ``bench_*.py`` recorded (common.RESULTS_ENV) into results.json and a PNG of the ratios.

Usage: ``python tools/bench/report.py RESULTS.jsonl OUT_DIR``. Every row whose "tocha/torch" (or "tocha/numpy")
cell reads like ``1.23x`` becomes one bar; bars right of 1.0 mean tocha took longer (for throughput tables,
where higher is better, the ratio is inverted so that the chart reads the same way).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def load(path: Path) -> list[dict[str, Any]]:
    """The recorded tables, in the order the benchmarks ran."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def ratios(tables: list[dict[str, Any]]) -> list[tuple[str, float]]:
    """``(label, time ratio tocha/baseline)`` for every row that has one; below 1 means tocha is faster."""
    found: list[tuple[str, float]] = []
    for table in tables:
        header = [h.lower() for h in table["header"]]
        column = next((i for i, h in enumerate(header) if h in ("tocha/torch", "tocha/numpy")), None)
        if column is None:
            continue
        higher_is_better = "higher is better" in table["title"]
        for row in table["rows"]:
            cell = row[column].strip()
            if not cell.endswith("x"):
                continue
            try:
                value = float(cell[:-1])
            except ValueError:
                continue
            if value <= 0:
                continue
            found.append((f"{row[0]} ({header[column].split('/')[1]})", 1 / value if higher_is_better else value))
    return found


def plot(points: list[tuple[str, float]], path: Path) -> None:
    """A horizontal bar chart of the time ratios, with the parity line at 1."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(9, 0.32 * len(points) + 1.2))
    labels = [label for label, _ in points]
    values = [value for _, value in points]
    colors = ["tab:green" if v <= 1.0 else "tab:orange" for v in values]
    axes.barh(range(len(points)), values, color=colors)
    axes.axvline(1.0, color="black", linewidth=0.8)
    axes.set_yticks(range(len(points)), labels, fontsize=8)
    axes.invert_yaxis()
    axes.set_xscale("log")
    axes.set_xlabel("time ratio tocha / baseline (left of 1: tocha faster)")
    axes.set_title("tocha against PyTorch (and NumPy), one run")
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main() -> None:
    source, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    tables = load(source)
    (out / "results.json").write_text(json.dumps(tables, indent=2, ensure_ascii=False), encoding="utf-8")
    points = ratios(tables)
    if points:
        plot(points, out / "ratios.png")
    print(f"\nbenchmark results: {out / 'results.json'}" + (f", chart: {out / 'ratios.png'}" if points else ""))


if __name__ == "__main__":
    main()
