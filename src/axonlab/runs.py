"""Run directories: one folder per training run.

A run directory holds the resolved config (``config.json``), ``metrics.json``, TensorBoard event
files (``logs/``), plots and checkpoints. While a run is in progress it carries an ``INCOMPLETE``
marker; :meth:`RunDirectory.mark_complete` removes it once every artefact is in place, so a reader
never mistakes a half-written run for a finished one. Every file is written atomically
(temporary file, then rename).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from axonlab import __version__
from axonlab.errors import InputError, RunDirectoryError

INCOMPLETE_MARKER = "INCOMPLETE"
LEARNED_NOTHING_MARKER = "LEARNED_NOTHING"  # a finished run no better than a constant predictor
CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.json"


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it onto ``path``.

    If the body raises, the temporary file is removed and ``path`` is left untouched. The file
    gets the permissions of any ordinary new file (0666 less the umask), not mkstemp's 0600.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.fchmod(fd, 0o666 & ~_umask())
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0)  # the only portable way to read it is to set it
    os.umask(mask)
    return mask


def finite(obj: Any) -> Any:
    """``obj`` with every NaN or infinite float replaced by ``None``, recursively.

    JSON has no NaN: ``json.dumps`` would write the bare token ``NaN``, which strict parsers
    (browsers, ``jq``) reject. A missing number is ``null``.
    """
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [finite(v) for v in obj]
    if hasattr(obj, "tolist"):  # numpy / torch arrays and scalars
        return finite(obj.tolist())
    return obj


def to_json(obj: Any, **options: Any) -> str:
    """Strict JSON text of ``obj``: non-finite numbers become ``null``, never ``NaN``."""
    return json.dumps(finite(obj), allow_nan=False, default=str, **options)


def write_json(path: str | Path, obj: Any) -> None:
    """Write ``obj`` as pretty, key-sorted, strict JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(to_json(obj, indent=2, sort_keys=True) + "\n")


def check_writable(path: str | Path, *, folder: bool = False) -> None:
    """Raise :class:`InputError` unless ``path`` can be written as a file (or, with ``folder``,
    as a folder to write into). Nothing is left behind: call it before long work, not after."""
    path = Path(path)
    what = "folder" if folder else "file"
    if path.exists() and path.is_dir() != folder:
        kind = "a folder" if path.is_dir() else "a file"
        raise InputError(f"is {kind}; expected a {what} to write", path=path)
    # files are written beside themselves and renamed, and missing folders are made: so the
    # nearest folder that exists must take a new file
    parent = path.absolute() if folder and path.exists() else path.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise InputError(f"cannot write a {what} here: {parent} is a file, not a folder", path=path)
    try:  # a real probe: permissions alone do not tell (root, read-only mounts, /proc)
        with tempfile.TemporaryFile(dir=parent):
            pass
    except OSError as err:
        raise InputError(f"cannot write in {parent}: {err.strerror}", path=path) from None


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
    def is_run(self) -> bool:
        """True if the folder's ``config.json`` is an axonlab run's (a Hugging Face model folder
        has a ``config.json`` too, without the ``task`` axonlab writes)."""
        try:
            config = json.loads((self.path / CONFIG_FILE).read_text())
        except (OSError, ValueError):
            return False
        return isinstance(config, dict) and "task" in config

    @property
    def is_complete(self) -> bool:
        return self.is_run and not self.is_incomplete

    @property
    def is_incomplete(self) -> bool:
        return (self.path / INCOMPLETE_MARKER).exists()

    def check_start(self, *, resume: bool) -> None:
        """Raise unless a run may start here; nothing is written. Called before any work.

        - a fresh run needs a missing or empty folder: a finished run is never overwritten, an
          interrupted one is never silently discarded, and a folder of the user's is never used;
        - a resumed run needs an interrupted run to continue.
        """
        path = self.path
        if path.exists() and not path.is_dir():
            raise RunDirectoryError(f"{path} is a file; the run needs a folder")
        if resume:
            if self.is_complete:
                raise RunDirectoryError(
                    f"{path} holds a finished run: nothing to resume, and it is kept as it is; "
                    "to train again, choose another output folder"
                )
            if not self.is_incomplete:
                raise RunDirectoryError(
                    f"nothing to resume: {path} holds no interrupted axonlab run"
                    + ("" if path.exists() else " (the folder does not exist)")
                )
            return
        if self.is_complete:
            raise RunDirectoryError(
                f"{path} already holds a finished run; it is kept: choose another output folder "
                "or delete it"
            )
        if self.is_incomplete:
            raise RunDirectoryError(
                f"{path} holds an interrupted run; resume it, or delete the folder to start over"
            )
        if path.exists() and any(path.iterdir()):
            raise RunDirectoryError(
                f"{path} is not empty and is not an axonlab run; choose a new or empty folder "
                "(nothing in it was changed)"
            )

    def start(
        self, config: dict[str, Any], *, task: str, resume: bool = False, extend: bool = False
    ) -> None:
        """Create the folder, snapshot ``config`` and mark the run incomplete.

        Raises :class:`RunDirectoryError` where :meth:`check_start` does; a finished run and a
        folder that is not a run are never touched, except that ``extend`` lets a finished run
        train on (a language model given a larger budget).
        """
        if not (extend and self.is_complete):
            self.check_start(resume=resume)
        for stale in self.path.glob(".*.tmp"):  # left by a process killed mid-write
            stale.unlink(missing_ok=True)
        self.path.mkdir(parents=True, exist_ok=True)
        (self.path / INCOMPLETE_MARKER).write_text("training in progress or interrupted\n")
        write_json(
            self.path / CONFIG_FILE,
            {"task": task, "axonlab_version": __version__, **config},
        )

    def mark_complete(self) -> None:
        (self.path / INCOMPLETE_MARKER).unlink(missing_ok=True)

    def mark_learned_nothing(self, reason: str) -> None:
        """Mark a finished run as no better than a constant predictor, saying why."""
        (self.path / LEARNED_NOTHING_MARKER).write_text(reason + "\n")

    @property
    def learned_nothing(self) -> str | None:
        """Why the run learned nothing, if training found so; else ``None``."""
        try:
            return (self.path / LEARNED_NOTHING_MARKER).read_text().strip() or "learned nothing"
        except OSError:
            return None

    def config(self) -> dict[str, Any]:
        return read_json(self.path / CONFIG_FILE)

    def write_metrics(self, metrics: dict[str, Any]) -> None:
        write_json(self.path / METRICS_FILE, metrics)

    def require_complete(self) -> None:
        """Raise a clear error unless this is a finished run directory."""
        if not self.path.is_dir():
            raise RunDirectoryError(f"{self.path} not found; expected a run directory")
        if not self.is_run:
            hint = ""
            if RunDirectory(self.path.parent).is_run:
                hint = f"; give its run directory, {self.path.parent}"
            elif (self.path / CONFIG_FILE).exists():
                hint = " (it looks like a Hugging Face model folder, not a run)"
            raise RunDirectoryError(f"{self.path} is not an axonlab run directory{hint}")
        if self.is_incomplete:
            raise RunDirectoryError(
                f"{self.path} holds an unfinished run; finish it with `resume` or train again"
            )
