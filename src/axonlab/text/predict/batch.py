"""Batch prediction over a file: stream the texts in, append one JSON line per row, resume.

The output is JSON Lines, one object per input row, in input order: ``{"row": 0, "line": 2,
"id": ..., ...prediction}`` where ``row`` counts data rows from 0, ``line`` is the row's line in
the input file and ``id`` the row's id (where the input has an id column). Lines are written whole
and flushed a chunk at a time, so an interruption leaves at most a torn last line, which the next
run cuts off before carrying on after the last complete row.

Beside the output, ``<output>.source.json`` records what it is made from: the model (run, weights
digest, backend), the input (path, digest) and the columns. A run only resumes an output made from
the same model and the same input; anything else is refused, so predictions are never mixed.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Any, Protocol

from axonlab.errors import InputError
from axonlab.runs import read_json, to_json, write_json
from axonlab.text.data.labelled import iter_rows

CHUNK_BATCHES = 8  # batches per chunk: room for the model to group texts of similar length


class Predicts(Protocol):
    def predict(self, texts: Sequence[str], batch_size: int = ...) -> list[dict[str, Any]]: ...


Item = tuple[int, str, object]  # (line, text, id or None)


def iter_texts(
    path: str | Path, *, text_column: str | None = None, id_column: str | None = None
) -> Iterator[Item]:
    """``(line, text, id)`` for each row of a CSV/TSV/JSONL table, or each non-blank line of a
    .txt (whose rows have no id)."""
    path = Path(path)
    if path.suffix.lower() != ".txt":
        for row in iter_rows(
            path, text_column=text_column, id_column=id_column, require_labels=False
        ):
            yield row.line, row.text, row.id
        return
    if not path.is_file():
        raise InputError("file not found", path=path)
    try:
        with open(path, encoding="utf-8-sig") as lines:
            for number, line in enumerate(lines, start=1):
                if line.strip():
                    yield number, line.rstrip("\r\n"), None
    except UnicodeDecodeError as err:
        raise InputError("not valid UTF-8; save the file as UTF-8", path=path) from err


def file_digest(path: str | Path) -> str:
    """SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def source_path(output: str | Path) -> Path:
    """Where the provenance of ``output`` is kept."""
    output = Path(output)
    return output.with_name(output.name + ".source.json")


def _check_source(output: Path, source: dict[str, Any], done: int) -> None:
    """Refuse to extend ``output`` unless it was made from ``source`` (same model and input)."""
    if done == 0:
        return
    record = source_path(output)
    if not record.exists():
        raise InputError(
            f"holds {done} predictions but no record of what made them ({record.name}); "
            "choose another `output` file or delete it",
            path=output,
        )
    made_from = read_json(record)
    for what in ("model", "input", "columns"):
        if made_from.get(what) != source[what]:
            raise InputError(
                f"holds {done} predictions made from another {what}: "
                f"{_describe(made_from.get(what))}, not {_describe(source[what])}; choose another "
                "output file or delete it (nothing was changed)",
                path=output,
            )


def _describe(part: Any) -> str:
    if not isinstance(part, dict):
        return repr(part)
    return ", ".join(
        f"{key} {value[:12]}"
        if key.endswith("sha256") and isinstance(value, str)
        else f"{key} {value}"
        for key, value in part.items()
    )


def rows_done(output: str | Path) -> int:
    """How many rows ``output`` already holds; a torn last line (no newline) is cut off.

    Raises :class:`InputError` if a complete line is not one of ours, or rows are out of order,
    so predictions for another file are never silently extended.
    """
    done, complete = _complete_rows(Path(output))
    _cut_torn_line(Path(output), complete)
    return done


def _complete_rows(output: Path) -> tuple[int, int]:
    """``(rows, bytes)`` of the complete lines of ``output``, checked as in :func:`rows_done`;
    nothing is changed."""
    if not output.exists():
        return 0, 0
    content = output.read_bytes()
    complete = content.rfind(b"\n") + 1
    for index, line in enumerate(content[:complete].splitlines()):
        try:
            row = json.loads(line).get("row")
        except (json.JSONDecodeError, AttributeError) as err:
            raise InputError(
                "not a predictions file (a line is not a JSON object); choose another `output`",
                path=output,
                line=index + 1,
            ) from err
        if row != index:
            raise InputError(
                f"expected row {index}, found {row!r}; not a predictions file of this input",
                path=output,
                line=index + 1,
            )
    return content[:complete].count(b"\n"), complete


def _cut_torn_line(output: Path, complete: int) -> None:
    """Drop what follows the last complete line (a torn line, from an interrupted write)."""
    if output.exists() and output.stat().st_size > complete:
        with open(output, "rb+") as f:
            f.truncate(complete)


def _chunks(rows: Iterator[Item], size: int) -> Iterator[list[Item]]:
    while chunk := list(islice(rows, size)):
        yield chunk


def predict_file(
    model: Predicts,
    input_path: str | Path,
    output_path: str | Path,
    *,
    text_column: str | None = None,
    id_column: str | None = None,
    batch_size: int = 32,
    progress: bool = True,
) -> dict[str, Any]:
    """Predict every row of ``input_path`` into ``output_path`` (JSONL), resuming if it exists.

    Args:
        model: anything with ``predict(texts, batch_size=)`` (a :class:`~axonlab.text.TextModel`
            batches each chunk by length); its ``fingerprint()``, where it has one, identifies it
            in the output's provenance.
        input_path: CSV, TSV or JSONL (text column detected, or ``text_column``; id column
            detected, or ``id_column``), or .txt.
        output_path: JSONL; rows already in it are skipped, a torn last line is dropped. It is
            only extended if it was made from the same model and input.
        batch_size: texts per forward pass.
        progress: show a progress bar (only when stderr is a terminal).

    Returns:
        ``{"input", "output", "rows", "resumed_rows", "predicted_rows", "seconds",
        "rows_per_second"}``; ``rows_per_second`` counts the rows predicted in this run.
    """
    input_path, output_path = Path(input_path), Path(output_path)
    if batch_size < 1:
        raise InputError(f"batch_size={batch_size} must be >= 1")
    if output_path.resolve() == input_path.resolve():
        raise InputError("the output would overwrite the input; choose another `output` file")
    if output_path.is_dir():
        raise InputError("is a folder; `output` names a .jsonl file", path=output_path)
    columns = {"text": text_column, "id": id_column}
    # The whole input is read once before the output is touched: a malformed row fails here.
    total = sum(1 for _ in iter_texts(input_path, text_column=text_column, id_column=id_column))
    fingerprint = getattr(model, "fingerprint", None)
    source = {
        "model": fingerprint() if callable(fingerprint) else type(model).__name__,
        "input": {"path": str(input_path.resolve()), "sha256": file_digest(input_path)},
        "columns": columns,
    }
    done, complete = _complete_rows(output_path)  # read once; cut only once it is ours
    _check_source(output_path, source, done)
    if done > total:
        raise InputError(
            f"holds {done} rows but the input has only {total}; it is not this input's output",
            path=output_path,
        )
    _cut_torn_line(output_path, complete)
    rows = iter_texts(input_path, text_column=text_column, id_column=id_column)
    for _ in islice(rows, done):
        pass
    output_path.parent.mkdir(parents=True, exist_ok=True)
    if done == 0 or not source_path(output_path).exists():
        write_json(source_path(output_path), source)
    start, row, predicted = time.perf_counter(), done, 0
    with (
        progress_bar(progress, f"predicting {input_path.name}", total, done) as advance,
        open(output_path, "a", encoding="utf-8") as out,
    ):
        for chunk in _chunks(rows, batch_size * CHUNK_BATCHES):
            predictions = model.predict([text for _, text, _ in chunk], batch_size=batch_size)
            lines = []
            for (line, _, row_id), prediction in zip(chunk, predictions, strict=True):
                ids = {} if row_id is None else {"id": row_id}
                lines.append(to_json({"row": row, "line": line, **ids, **prediction}) + "\n")
                row += 1
            out.write("".join(lines))  # whole lines only, then flushed to disk
            out.flush()
            os.fsync(out.fileno())
            predicted += len(chunk)
            advance(len(chunk))
    seconds = time.perf_counter() - start
    return {
        "input": str(input_path),
        "output": str(output_path),
        "rows": row,
        "resumed_rows": done,
        "predicted_rows": predicted,
        "seconds": round(seconds, 3),
        "rows_per_second": round(predicted / seconds, 1) if seconds > 0 else 0.0,
    }


@contextmanager
def progress_bar(
    show: bool, description: str, total: int, done: int
) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr when it is a terminal (never in logs); yields ``advance(n)``."""
    if not (show and sys.stderr.isatty()):
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True)) as bar:
        task = bar.add_task(description, total=total, completed=done)
        yield lambda n: bar.advance(task, n)
