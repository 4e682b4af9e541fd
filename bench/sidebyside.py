"""Run a benchmark against the code of another commit, side by side with this tree's.

On a shared machine "before" and "after" measured minutes apart compare the neighbours' load, not
the code. The benches here export the baseline commit's tree (``git archive``, cached under /tmp),
run both versions against the same data, interleave their runs and report medians and ratios
with the load average.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def baseline_tree(ref: str) -> Path:
    """The tree of commit ``ref`` as plain files (same Python environment as this tree)."""
    sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", ref], check=True, capture_output=True,
                         text=True).stdout.strip()
    dest = Path(tempfile.gettempdir()) / f"gigbook-baseline-{sha[:12]}"
    if not (dest / "manage.py").exists():
        dest.mkdir(parents=True, exist_ok=True)
        archive = subprocess.Popen(["git", "-C", str(ROOT), "archive", sha], stdout=subprocess.PIPE)
        subprocess.run(["tar", "-x", "-C", str(dest)], stdin=archive.stdout, check=True)
        archive.wait()
    return dest


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f} (1/5/15 min, {os.cpu_count()} CPUs)"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] if ordered else float("nan")
