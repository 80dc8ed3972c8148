"""The result of evaluating a model on a labelled file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from axonlab.runs import atomic_path, write_json


@dataclass
class EvalReport:
    """Scores (``metrics``, JSON-ready), the human-readable table (``report``) and the plots.

    ``write_plots(folder, prefix)`` draws the task's figures (e.g. a confusion matrix).
    """

    metrics: dict[str, Any]
    report: str
    write_plots: Callable[[Path, str], None] | None = None

    def __str__(self) -> str:
        return self.report

    def save(self, folder: str | Path, prefix: str = "test") -> None:
        """Write ``{prefix}_metrics.json``, ``{prefix}_report.txt`` and plots into ``folder``."""
        folder = Path(folder)
        write_json(folder / f"{prefix}_metrics.json", self.metrics)
        with atomic_path(folder / f"{prefix}_report.txt") as tmp:
            tmp.write_text(self.report + "\n")
        if self.write_plots is not None:
            self.write_plots(folder, prefix)
