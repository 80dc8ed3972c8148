"""Run directories: one folder per training run.

A run directory holds the resolved config (``config.json``), ``metrics.json``, TensorBoard event
files (``logs/``), plots and checkpoints. While a run is in progress it carries an ``INCOMPLETE``
marker; :meth:`RunDirectory.mark_complete` removes it once every artefact is in place, so a reader
never mistakes a half-written run for a finished one. Every file is written atomically
(temporary file, then rename).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from axonlab import __version__
from axonlab.errors import RunDirectoryError

INCOMPLETE_MARKER = "INCOMPLETE"
CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.json"


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it onto ``path``.

    If the body raises, the temporary file is removed and ``path`` is left untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_json(path: str | Path, obj: Any) -> None:
    """Write ``obj`` as pretty, key-sorted JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")


def read_json(path: str | Path) -> Any:
    path = Path(path)
    try:
        return json.loads(path.read_text())
    except FileNotFoundError as err:
        raise RunDirectoryError(f"{path} not found") from err
    except json.JSONDecodeError as err:
        raise RunDirectoryError(f"{path} is not valid JSON: {err}") from err


class RunDirectory:
    """A training run's folder. ``RunDirectory(path).start(config)`` begins a run."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def __repr__(self) -> str:
        state = "complete" if self.is_complete else "incomplete"
        return f"RunDirectory({str(self.path)!r}, {state})"

    @property
    def logs(self) -> Path:
        """Folder for TensorBoard event files."""
        return self.path / "logs"

    @property
    def is_complete(self) -> bool:
        return (self.path / CONFIG_FILE).exists() and not (self.path / INCOMPLETE_MARKER).exists()

    def start(self, config: dict[str, Any], *, task: str, resume: bool = False) -> None:
        """Create the folder, snapshot ``config`` and mark the run incomplete.

        A finished run is never overwritten: starting into one raises unless ``resume`` is set.
        """
        if self.is_complete and not resume:
            raise RunDirectoryError(
                f"{self.path} already holds a finished run; choose another --out or delete it"
            )
        self.path.mkdir(parents=True, exist_ok=True)
        (self.path / INCOMPLETE_MARKER).write_text("training in progress or interrupted\n")
        write_json(
            self.path / CONFIG_FILE,
            {"task": task, "axonlab_version": __version__, **config},
        )

    def mark_complete(self) -> None:
        (self.path / INCOMPLETE_MARKER).unlink(missing_ok=True)

    def config(self) -> dict[str, Any]:
        return read_json(self.path / CONFIG_FILE)

    def write_metrics(self, metrics: dict[str, Any]) -> None:
        write_json(self.path / METRICS_FILE, metrics)

    def require_complete(self) -> None:
        """Raise a clear error unless this is a finished run directory."""
        if not (self.path / CONFIG_FILE).exists():
            raise RunDirectoryError(
                f"{self.path} is not an axonlab run directory (no {CONFIG_FILE})"
            )
        if (self.path / INCOMPLETE_MARKER).exists():
            raise RunDirectoryError(
                f"{self.path} holds an unfinished run; finish it with --resume or train again"
            )
