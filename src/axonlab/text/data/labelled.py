"""Readers for labelled text tables (CSV, TSV, JSONL) and the label map saved with a model.

Columns are found by name: the text column is the one called ``text``, ``sentence``,
``content``, ... and the label column the one called ``label``, ``category``, ...; either can be
named explicitly. Every error names the file and the line, and says what was expected.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from axonlab.errors import InputError

TEXT_COLUMNS = ("text", "sentence", "content", "message", "review", "document", "body", "tweet")
LABEL_COLUMNS = ("label", "labels", "category", "class", "sentiment", "target", "intent", "topic")
ID_COLUMNS = ("id", "uid", "guid", "doc_id", "item_id")  # carried into batch predictions
# Per suffix, the csv module's options (None: JSON Lines). TSV files are read unquoted, as GLUE
# and most corpora write them: a quote character inside a tab-separated text is just a character.
# CSV is read strictly: a stray opening quote would otherwise swallow every row after it.
TABLE_SUFFIXES: dict[str, dict | None] = {
    ".csv": {"delimiter": ",", "strict": True},
    ".tsv": {"delimiter": "\t", "quoting": csv.QUOTE_NONE, "strict": True},
    ".jsonl": None,
    ".json": None,
}
# The csv module refuses fields over 128 KiB by default; a long document is a valid text.
MAX_FIELD_CHARS = 1 << 30


@dataclass(frozen=True)
class Row:
    """One example: ``line`` is where it starts in the file (1-based), for error messages;
    ``id`` is the row's value in the table's id column, if it has one."""

    line: int
    text: str | tuple[str, str]  # a pair: two columns read together (``text_column="a,b"``)
    label: str | None
    id: object = None


@dataclass
class LabelledTexts:
    """Texts with their labels, as read from ``path``."""

    path: Path
    texts: list[str]
    labels: list[str]
    lines: list[int]

    def __len__(self) -> int:
        return len(self.texts)


def _open_text(path: Path) -> str:
    if not path.exists():
        raise InputError("file not found", path=path)
    if path.is_dir():
        raise InputError("is a directory, expected a CSV, TSV or JSONL file", path=path)
    raw = path.read_bytes()
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise InputError(
            f"bytes at offset {err.start} are not valid UTF-8; save the file as UTF-8",
            path=path,
            line=line,
        ) from err
    if not content.strip():
        raise InputError("file is empty", path=path)
    return content


def _pick_column(
    columns: Sequence[str], wanted: str | None, candidates: Sequence[str], role: str, path: Path
) -> str | None:
    """The column named ``wanted``, or the single column whose name is a known ``role`` name."""
    if wanted is not None:
        if wanted not in columns:
            raise InputError(
                f"no {role} column {wanted!r}; the columns are {list(columns)}", path=path, line=1
            )
        return wanted
    found = [c for c in columns if c.strip().lower() in candidates]
    if len(found) > 1:
        raise InputError(
            f"ambiguous {role} column: {found} all look like one; name it with `{role}_column`",
            path=path,
            line=1,
        )
    return found[0] if found else None


def json_objects(
    numbered_lines: Iterable[tuple[int, str]], path: str | Path
) -> Iterator[tuple[int, dict[str, object]]]:
    """Yield ``(line, object)`` for each non-blank JSONL line; a non-object is an error."""
    for number, line in numbered_lines:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputError(f"not valid JSON ({err.msg})", path=path, line=number) from err
        if not isinstance(record, dict):
            raise InputError("expected a JSON object per line", path=path, line=number)
        yield number, record


def _table_records(path: Path, content: str) -> Iterator[tuple[int, dict[str, object]]]:
    """Yield ``(line, record)`` for each data row of a CSV/TSV/JSONL file."""
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise InputError(
            f"unknown file type {suffix!r}; expected one of {sorted(TABLE_SUFFIXES)}", path=path
        )
    dialect = TABLE_SUFFIXES[suffix]
    if dialect is None:
        yield from json_objects(enumerate(content.splitlines(), start=1), path)
        return
    records = _csv_records(path, content, dialect)
    _, header = next(records)
    for line, fields in records:
        if fields:
            if len(fields) > len(header):
                raise InputError(
                    f"{len(fields)} fields, the header has {len(header)}", path=path, line=line
                )
            yield line, dict(zip(header, fields, strict=False))


def _csv_records(path: Path, content: str, dialect: dict) -> Iterator[tuple[int, list[str]]]:
    """``(line, fields)`` per record; a malformed record is an :class:`InputError` naming the line
    where it starts (a quoted field may span lines)."""
    if csv.field_size_limit() < MAX_FIELD_CHARS:
        csv.field_size_limit(MAX_FIELD_CHARS)
    reader = csv.reader(io.StringIO(content), **dialect)
    line = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            raise InputError(
                _csv_problem(str(err), line, reader.line_num), path=path, line=line
            ) from err
        yield line, fields
        line = reader.line_num + 1  # where the next record starts


def _csv_problem(message: str, start: int, end: int) -> str:
    if "unexpected end of data" in message:
        return (
            'a quoted field opened here is never closed: this stray " would swallow every row '
            'after it; close the quote, or write a quote inside a quoted field as ""'
        )
    if "expected after" in message:
        return (
            f"a quoted field opened here ends in the middle of a field on line {end} ({message}); "
            'a stray " would swallow the rows between; write a quote inside a quoted field as ""'
        )
    return f"malformed CSV record ({message})"


def _read_table(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, object]]]]:
    """A table's column names and its ``(line, record)`` rows. Parquet (with pyarrow) is read
    by row groups; its "line" is the row's number counting the header as line 1, like a CSV."""
    if path.suffix.lower() != ".parquet":
        content = _open_text(path)
        return _columns(path, content), _table_records(path, content)
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(
            "reading Parquet needs pyarrow: pip install 'axonlab[parquet]'", path=path
        ) from None
    if not path.is_file():
        raise InputError("file not found", path=path)
    try:
        table = pq.ParquetFile(path)
    except Exception as err:  # pyarrow's ArrowInvalid and friends
        raise InputError(f"not a readable Parquet file ({err})", path=path) from None

    def rows() -> Iterator[tuple[int, dict[str, object]]]:
        line = 1
        for batch in table.iter_batches():
            for record in batch.to_pylist():
                line += 1
                yield line, record

    return list(table.schema_arrow.names), rows()


def _columns(path: Path, content: str) -> list[str]:
    dialect = TABLE_SUFFIXES.get(path.suffix.lower())
    if dialect is None:
        first = next(_table_records(path, content), None)
        return list(first[1]) if first else []
    return next(_csv_records(path, content, dialect))[1]


def iter_rows(
    path: str | Path,
    *,
    text_column: str | None = None,
    label_column: str | None = None,
    id_column: str | None = None,
    require_labels: bool = True,
) -> Iterator[Row]:
    """Stream the rows of a CSV/TSV/JSONL table.

    Args:
        path: the file; its suffix (``.csv``, ``.tsv``, ``.jsonl``) gives the format.
        text_column, label_column, id_column: column names; detected from the header when
            ``None`` (a table need not have an id column).
        require_labels: raise if there is no label column or a row has no label.
    """
    path = Path(path)
    columns, records = _read_table(path)
    if text_column is not None and "," in text_column:
        yield from _pair_rows(path, records, columns, text_column, label_column, id_column)
        return
    text_key = _pick_column(columns, text_column, TEXT_COLUMNS, "text", path)
    label_key = _pick_column(columns, label_column, LABEL_COLUMNS, "label", path)
    id_key = _pick_column(columns, id_column, ID_COLUMNS, "id", path)
    if text_key is None:
        raise InputError(
            f"no text column: expected one named {'/'.join(TEXT_COLUMNS[:4])}... or name it "
            f"with `text_column`; the columns are {columns}",
            path=path,
            line=1,
        )
    if label_key is None and require_labels:
        raise InputError(
            f"no label column: expected one named {'/'.join(LABEL_COLUMNS[:3])}... or "
            f"name it with `label_column`; the columns are {columns}",
            path=path,
            line=1,
        )
    for line, record in records:
        text = record.get(text_key)
        if not isinstance(text, str) or not text.strip():
            raise InputError(f"empty or missing text in column {text_key!r}", path=path, line=line)
        label = None
        if label_key is not None:
            value = record.get(label_key)
            if value is None or str(value).strip() == "":
                if require_labels:
                    raise InputError(f"missing label in column {label_key!r}", path=path, line=line)
            else:
                label = str(value).strip()
        yield Row(
            line=line, text=text, label=label, id=record.get(id_key) if id_key is not None else None
        )


def read_labelled(
    path: str | Path, *, text_column: str | None = None, label_column: str | None = None
) -> LabelledTexts:
    """Read a whole labelled table; raises :class:`InputError` if it has no rows."""
    rows = list(iter_rows(path, text_column=text_column, label_column=label_column))
    if not rows:
        raise InputError("no data rows below the header", path=path)
    return LabelledTexts(
        path=Path(path),
        texts=[r.text for r in rows],
        labels=[r.label for r in rows],  # type: ignore[misc]  # require_labels guarantees str
        lines=[r.line for r in rows],
    )


def _label_sort_key(label: str) -> tuple[int, float | str]:
    # Integer labels sort numerically (so "10" follows "9"), names alphabetically.
    try:
        return (0, float(label))
    except ValueError:
        return (1, label)


@dataclass(frozen=True)
class LabelMap:
    """The classes of a task, in a fixed order; saved with the model as id2label/label2id."""

    labels: tuple[str, ...]

    @classmethod
    def from_training(cls, data: LabelledTexts) -> LabelMap:
        labels = tuple(sorted(set(data.labels), key=_label_sort_key))
        if len(labels) < 2:
            raise InputError(
                f"the training data has one class only ({labels[0]!r}); "
                "a classifier needs two or more",
                path=data.path,
            )
        return cls(labels)

    @property
    def id2label(self) -> dict[int, str]:
        return dict(enumerate(self.labels))

    @property
    def label2id(self) -> dict[str, int]:
        return {label: i for i, label in enumerate(self.labels)}

    def encode(self, data: LabelledTexts) -> list[int]:
        """Class ids of ``data.labels``; a label unseen in training is an error naming its line."""
        ids = self.label2id
        for label, line in zip(data.labels, data.lines, strict=True):
            if label not in ids:
                raise InputError(
                    f"label {label!r} was not in the training data (known: {list(self.labels)})",
                    path=data.path,
                    line=line,
                )
        return [ids[label] for label in data.labels]


def _pair_rows(
    path: Path,
    records: Iterator[tuple[int, dict[str, object]]],
    columns: list[str],
    text_column: str,
    label_column: str | None,
    id_column: str | None,
) -> Iterator[Row]:
    """Rows whose text is a pair of columns (``"premise,hypothesis"``), read by :func:`iter_rows`
    with the same label and id handling."""
    names = [name.strip() for name in text_column.split(",")]
    if len(names) != 2 or not all(names):
        raise InputError(f"a text pair names two columns, as a,b; got {text_column!r}", path=path)
    first, second = (_pick_column(columns, n, TEXT_COLUMNS, "text", path) for n in names)
    label_key = _pick_column(columns, label_column, LABEL_COLUMNS, "label", path)
    id_key = _pick_column(columns, id_column, ID_COLUMNS, "id", path)
    for line, record in records:
        texts = []
        for key in (first, second):
            value = record.get(key)
            if not isinstance(value, str) or not value.strip():
                raise InputError(f"empty or missing text in column {key!r}", path=path, line=line)
            texts.append(value)
        value = record.get(label_key) if label_key is not None else None
        label = None if value is None or str(value).strip() == "" else str(value).strip()
        yield Row(
            line=line,
            text=(texts[0], texts[1]),
            label=label,
            id=record.get(id_key) if id_key is not None else None,
        )
