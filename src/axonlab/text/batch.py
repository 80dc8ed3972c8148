"""Batch prediction over a file: stream the texts in, append one JSON line per row, resume.

The output is JSON Lines, one object per input row, in input order: ``{"row": 0, "line": 2,
...prediction}`` where ``row`` counts data rows from 0 and ``line`` is the row's line in the input
file. Lines are written whole and flushed a chunk at a time, so an interruption leaves at most a
torn last line, which the next run cuts off before carrying on after the last complete row.
"""

from __future__ import annotations

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
from axonlab.text.data import iter_rows

CHUNK_BATCHES = 8  # batches per chunk: room for the model to group texts of similar length


class Predicts(Protocol):
    def predict(self, texts: Sequence[str], batch_size: int = ...) -> list[dict[str, Any]]: ...


def iter_texts(path: str | Path, *, text_column: str | None = None) -> Iterator[tuple[int, str]]:
    """``(line, text)`` for each row of a CSV/TSV/JSONL table, or each non-blank line of a .txt."""
    path = Path(path)
    if path.suffix.lower() != ".txt":
        for row in iter_rows(path, text_column=text_column, require_labels=False):
            yield row.line, row.text
        return
    if not path.is_file():
        raise InputError("file not found", path=path)
    with open(path, encoding="utf-8-sig") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                yield number, line.rstrip("\r\n")


def rows_done(output: str | Path) -> int:
    """How many rows ``output`` already holds; a torn last line (no newline) is cut off.

    Raises :class:`InputError` if a complete line is not one of ours, or rows are out of order,
    so predictions for another file are never silently extended.
    """
    output = Path(output)
    if not output.exists():
        return 0
    content = output.read_bytes()
    complete = content.rfind(b"\n") + 1
    for index, line in enumerate(content[:complete].splitlines()):
        try:
            row = json.loads(line).get("row")
        except (json.JSONDecodeError, AttributeError) as err:
            raise InputError(
                "not a predictions file (a line is not a JSON object); choose another --output",
                path=output,
                line=index + 1,
            ) from err
        if row != index:
            raise InputError(
                f"expected row {index}, found {row!r}; not a predictions file of this input",
                path=output,
                line=index + 1,
            )
    if complete < len(content):  # a torn last line, from an interrupted write
        with open(output, "rb+") as f:
            f.truncate(complete)
    return content[:complete].count(b"\n")


def _chunks(rows: Iterator[tuple[int, str]], size: int) -> Iterator[list[tuple[int, str]]]:
    while chunk := list(islice(rows, size)):
        yield chunk


def predict_file(
    model: Predicts,
    input_path: str | Path,
    output_path: str | Path,
    *,
    text_column: str | None = None,
    batch_size: int = 32,
    progress: bool = True,
) -> dict[str, Any]:
    """Predict every row of ``input_path`` into ``output_path`` (JSONL), resuming if it exists.

    Args:
        model: anything with ``predict(texts, batch_size=)`` (a :class:`~axonlab.text.TextModel`
            batches each chunk by length).
        input_path: CSV, TSV or JSONL (text column detected, or ``text_column``), or .txt.
        output_path: JSONL; rows already in it are skipped, a torn last line is dropped.
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
        raise InputError("the output would overwrite the input; choose another --output")
    done = rows_done(output_path)
    rows = iter_texts(input_path, text_column=text_column)
    skipped = sum(1 for _ in islice(rows, done))
    if skipped < done:
        raise InputError(
            f"holds {done} rows but the input has only {skipped}; it is not this input's output",
            path=output_path,
        )
    output_path.parent.mkdir(parents=True, exist_ok=True)
    start, row, predicted = time.perf_counter(), done, 0
    with (
        _progress(progress, input_path, text_column, done) as advance,
        open(output_path, "a", encoding="utf-8") as out,
    ):
        for chunk in _chunks(rows, batch_size * CHUNK_BATCHES):
            predictions = model.predict([text for _, text in chunk], batch_size=batch_size)
            lines = []
            for (line, _), prediction in zip(chunk, predictions, strict=True):
                lines.append(json.dumps({"row": row, "line": line, **prediction}) + "\n")
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
def _progress(
    show: bool, path: Path, text_column: str | None, done: int
) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr when it is a terminal (never in logs); yields ``advance(n)``."""
    if not (show and sys.stderr.isatty()):
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import Progress

    total = sum(1 for _ in iter_texts(path, text_column=text_column))  # a cheap second read
    with Progress(console=Console(stderr=True)) as bar:
        task = bar.add_task(f"predicting {path.name}", total=total, completed=done)
        yield lambda n: bar.advance(task, n)
